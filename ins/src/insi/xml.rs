//! A small namespace-aware element tree over quick-xml, for the flat SOAP
//! messages of INSi, and the escaping helpers of the writers.
//!
//! Reading is defensive: a document type declaration is refused (so no
//! entity is ever defined, let alone resolved), only the five predefined
//! entities and character references are expanded, and the size and depth of
//! the input are bounded.

use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The largest message read (INSi answers are a few kilobytes).
pub(crate) const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The namespace bound to the reserved `xml` prefix.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// An attribute of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    /// Namespace URI (`None` for unprefixed attributes).
    pub ns: Option<String>,
    /// Local name.
    pub local: String,
    /// Value, unescaped.
    pub value: String,
}

/// A node: element or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

/// An element with its resolved namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI, `None` when unbound.
    pub ns: Option<String>,
    /// Local name.
    pub local: String,
    /// Prefix as written (`None` for the default namespace).
    pub prefix: Option<String>,
    /// Namespace declarations written on this element: (prefix, URI).
    pub ns_decls: Vec<(Option<String>, String)>,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<Attribute>,
    /// Children in document order.
    pub children: Vec<Node>,
}

/// Why a message could not be read as XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError(pub String);

impl Element {
    /// Whether this element is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// Every child `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// The concatenated text content of the direct text children.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// The text of child `{ns}local`, trimmed, if the child exists.
    pub fn child_text(&self, ns: &str, local: &str) -> Option<String> {
        self.child(ns, local).map(|e| e.text().trim().to_owned())
    }

    /// An unprefixed attribute.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Serialises this element as a standalone document fragment, declaring on
    /// it every namespace binding in `inherited` that it does not redeclare.
    /// Used to validate one header block or body part against its schema.
    pub fn to_standalone_xml(&self, inherited: &[(Option<String>, String)]) -> String {
        let mut out = String::new();
        self.write(&mut out, inherited, true);
        out
    }

    fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }

    fn write(&self, out: &mut String, inherited: &[(Option<String>, String)], root: bool) {
        let q = self.qname();
        out.push('<');
        out.push_str(&q);
        let mut decls: Vec<(Option<String>, String)> = self.ns_decls.clone();
        if root {
            for (p, uri) in inherited {
                if !decls.iter().any(|(dp, _)| dp == p) {
                    decls.push((p.clone(), uri.clone()));
                }
            }
        }
        for (p, uri) in &decls {
            match p {
                Some(p) => {
                    let _ = write!(out, " xmlns:{p}=\"{}\"", escape_attr(uri));
                }
                None => {
                    let _ = write!(out, " xmlns=\"{}\"", escape_attr(uri));
                }
            }
        }
        for a in &self.attrs {
            // Attribute prefixes are re-derived from the bindings in scope.
            let name = match &a.ns {
                Some(ns) if ns == XML_NS => format!("xml:{}", a.local),
                Some(ns) => {
                    let prefix = decls
                        .iter()
                        .chain(inherited.iter())
                        .find(|(p, u)| p.is_some() && u == ns)
                        .and_then(|(p, _)| p.clone())
                        .unwrap_or_else(|| "ns".to_owned());
                    format!("{prefix}:{}", a.local)
                }
                None => a.local.clone(),
            };
            let _ = write!(out, " {name}=\"{}\"", escape_attr(&a.value));
        }
        out.push('>');
        let mut scope: Vec<(Option<String>, String)> = inherited.to_vec();
        scope.extend(decls.iter().cloned());
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(&escape_text(t)),
                Node::Element(e) => e.write(out, &scope, false),
            }
        }
        out.push_str("</");
        out.push_str(&q);
        out.push('>');
    }
}

fn resolved_ns(r: &ResolveResult<'_>) -> Result<Option<String>, XmlError> {
    match r {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.0).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(p) => Err(XmlError(format!(
            "undeclared namespace prefix {:?}",
            String::from_utf8_lossy(p)
        ))),
    }
}

fn start_element(reader: &NsReader<&[u8]>, e: &BytesStart<'_>) -> Result<Element, XmlError> {
    let (r, local) = reader.resolve_element(e.name());
    let ns = resolved_ns(&r)?;
    let local = String::from_utf8_lossy(local.as_ref()).into_owned();
    let prefix = e
        .name()
        .prefix()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned());
    let mut ns_decls = Vec::new();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| XmlError(format!("bad attribute: {err}")))?;
        let key = a.key;
        let value = a
            .decode_and_unescape_value(reader.decoder())
            .map_err(|err| XmlError(format!("bad attribute value: {err}")))?
            .into_owned();
        let raw = key.as_ref();
        if raw == b"xmlns" {
            ns_decls.push((None, value));
            continue;
        }
        if let Some(p) = raw.strip_prefix(b"xmlns:") {
            ns_decls.push((Some(String::from_utf8_lossy(p).into_owned()), value));
            continue;
        }
        let (r, alocal) = reader.resolve_attribute(key);
        attrs.push(Attribute {
            ns: resolved_ns(&r)?,
            local: String::from_utf8_lossy(alocal.as_ref()).into_owned(),
            value,
        });
    }
    Ok(Element {
        ns,
        local,
        prefix,
        ns_decls,
        attrs,
        children: Vec::new(),
    })
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Parses a whole document into its root element.
pub(crate) fn parse(input: &[u8]) -> Result<Element, XmlError> {
    if input.len() > MAX_MESSAGE_BYTES {
        return Err(XmlError(format!(
            "message of {} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit",
            input.len()
        )));
    }
    let mut reader = NsReader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let push_text = |stack: &mut Vec<Element>, t: &str| -> Result<(), XmlError> {
        match stack.last_mut() {
            Some(top) => {
                if let Some(Node::Text(prev)) = top.children.last_mut() {
                    prev.push_str(t);
                } else {
                    top.children.push(Node::Text(t.to_owned()));
                }
                Ok(())
            }
            None if t.trim().is_empty() => Ok(()),
            None => Err(XmlError("text outside the root element".into())),
        }
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError(format!("{e} at byte {}", reader.buffer_position())))?;
        match event {
            Event::DocType(_) => {
                return Err(XmlError(
                    "document type declarations are not accepted".into(),
                ));
            }
            Event::Start(e) => {
                if root.is_some() {
                    return Err(XmlError("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError(format!("nesting deeper than {MAX_DEPTH}")));
                }
                let el = start_element(&reader, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                if root.is_some() {
                    return Err(XmlError("content after the root element".into()));
                }
                let el = start_element(&reader, &e)?;
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(top) => top.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| XmlError(format!("bad text encoding: {e}")))?;
                push_text(&mut stack, &s)?;
            }
            Event::CData(c) => {
                let s = c
                    .decode()
                    .map_err(|e| XmlError(format!("bad CDATA encoding: {e}")))?;
                push_text(&mut stack, &s)?;
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| XmlError(format!("bad character reference: {e}")))?
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| XmlError(format!("bad entity reference: {e}")))?;
                    Some(
                        predefined_entity(&name)
                            .ok_or_else(|| XmlError(format!("unknown entity &{name};")))?,
                    )
                };
                if let Some(c) = c {
                    push_text(&mut stack, c.encode_utf8(&mut [0u8; 4]))?;
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("truncated document".into()));
    }
    root.ok_or_else(|| XmlError("empty document".into()))
}

/// Escapes character data (`&`, `<`, `>`, and CR as in canonical XML).
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value (double-quoted), as canonical XML does.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Appends `<tag>text</tag>` (text escaped).
pub(crate) fn push_leaf(out: &mut String, tag: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    out.push_str(&escape_text(text));
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_entities_and_text() {
        let doc = br#"<?xml version="1.0"?><a:r xmlns:a="urn:a" xmlns="urn:d"><b x="1&amp;2">L&apos;acc&#232;s &lt;ok&gt;</b><a:c/></a:r>"#;
        let root = parse(doc).expect("parses");
        assert!(root.is("urn:a", "r"));
        let b = root.child("urn:d", "b").expect("b");
        assert_eq!(b.text(), "L'accès <ok>");
        assert_eq!(b.attr("x"), Some("1&2"));
        assert!(root.child("urn:a", "c").is_some());
    }

    #[test]
    fn refuses_doctype_unknown_entities_and_garbage() {
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert!(parse(xxe).unwrap_err().0.contains("document type"));
        assert!(
            parse(b"<r>&x;</r>")
                .unwrap_err()
                .0
                .contains("unknown entity")
        );
        assert!(parse(b"<r><s></r>").is_err());
        assert!(parse(b"<r>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"<p:r/>").unwrap_err().0.contains("undeclared"));
        assert!(parse(b"<r/><r/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).unwrap_err().0.contains("nesting"));
        let big = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert!(parse(&big).unwrap_err().0.contains("limit"));
    }

    #[test]
    fn standalone_serialisation_declares_inherited_bindings() {
        let doc = br#"<e:Env xmlns:e="urn:e" xmlns:k="urn:k"><e:Body><k:X a="&quot;"><k:Y>t&amp;</k:Y></k:X></e:Body></e:Env>"#;
        let root = parse(doc).expect("parses");
        let body = root.child("urn:e", "Body").expect("body");
        let x = body.child("urn:k", "X").expect("x");
        let s = x.to_standalone_xml(&root.ns_decls);
        assert!(s.starts_with("<k:X xmlns:e=\"urn:e\" xmlns:k=\"urn:k\" a=\"&quot;\">"));
        let again = parse(s.as_bytes()).expect("reparses");
        assert!(again.is("urn:k", "X"));
        assert_eq!(again.child_text("urn:k", "Y").as_deref(), Some("t&"));
    }
}
