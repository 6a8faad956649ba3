//! A small namespace-aware XML tree with a parser (quick-xml, no DTD, no
//! external entities), a serializer and exclusive canonicalisation
//! (`http://www.w3.org/2001/10/xml-exc-c14n#`, without comments).
//!
//! Why our own tree: the VIHF signature needs the bytes we canonicalise to be
//! exactly the bytes we write (spike notes §3), and the simulator has to
//! canonicalise a received assertion embedded in a SOAP envelope. One tree,
//! one serializer and one c14n serve both directions.
//!
//! The serializer is not canonical (it writes `<x/>` and attributes in their
//! order) but it escapes text and attribute values the way c14n does, so a
//! parse of its output canonicalises to the same bytes as the tree it came
//! from.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};

/// Namespace of the `xml:` prefix (always bound, never declared).
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Deepest nesting accepted from outside (the tree is walked recursively).
const MAX_DEPTH: usize = 128;

/// Why an XML text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// Not well-formed (quick-xml's message, with the byte position).
    #[error("malformed XML at byte {position}: {reason}")]
    Malformed {
        /// Byte offset.
        position: u64,
        /// What was wrong.
        reason: String,
    },
    /// The input is not UTF-8.
    #[error("XML is not UTF-8")]
    NotUtf8,
    /// A `<!DOCTYPE>`: refused (no DTD, no external entity is ever resolved).
    #[error("DOCTYPE declarations are refused")]
    DocType,
    /// An entity other than the five predefined ones.
    #[error("unknown entity reference `&{0};`")]
    UnknownEntity(String),
    /// A prefix used without a declaration in scope.
    #[error("namespace prefix `{0}` is not declared")]
    UnboundPrefix(String),
    /// Nesting deeper than the limit.
    #[error("XML nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// No root element, or content after it.
    #[error("XML document has no single root element")]
    NoRoot,
    /// An expected element is missing.
    #[error("missing element {0}")]
    Missing(String),
    /// An element or attribute has an unexpected value.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Element or attribute.
        what: String,
        /// Why.
        reason: String,
    },
}

/// An attribute: qualified name as written, resolved namespace (empty for an
/// unprefixed attribute) and value (unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub name: String,
    pub ns: String,
    pub value: String,
}

impl Attr {
    fn local(&self) -> &str {
        local_part(&self.name)
    }
}

/// A child node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

/// An element: qualified name as written (`saml2:Assertion`), resolved
/// namespace URI (empty = none), the `xmlns` declarations written on it
/// (prefix `""` = default namespace), attributes and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: String,
    pub ns: String,
    pub decls: Vec<(String, String)>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

pub(crate) fn local_part(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

fn prefix_part(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

impl Element {
    /// A new element `qname` in namespace `ns` (no declaration added).
    pub fn new(qname: impl Into<String>, ns: impl Into<String>) -> Self {
        Self {
            name: qname.into(),
            ns: ns.into(),
            decls: Vec::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an `xmlns[:prefix]` declaration.
    pub fn decl(mut self, prefix: &str, uri: &str) -> Self {
        self.decls.push((prefix.to_owned(), uri.to_owned()));
        self
    }

    /// Adds an unprefixed attribute.
    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs.push(Attr {
            name: name.to_owned(),
            ns: String::new(),
            value: value.into(),
        });
        self
    }

    /// Adds a namespaced attribute (`qname` carries the prefix).
    pub fn attr_ns(mut self, qname: &str, ns: &str, value: impl Into<String>) -> Self {
        self.attrs.push(Attr {
            name: qname.to_owned(),
            ns: ns.to_owned(),
            value: value.into(),
        });
        self
    }

    /// Appends a child element.
    pub fn child(mut self, e: Element) -> Self {
        self.children.push(Node::Element(e));
        self
    }

    /// Appends a child element if present.
    pub fn child_opt(mut self, e: Option<Element>) -> Self {
        if let Some(e) = e {
            self.children.push(Node::Element(e));
        }
        self
    }

    /// Appends children.
    pub fn children(mut self, es: impl IntoIterator<Item = Element>) -> Self {
        self.children.extend(es.into_iter().map(Node::Element));
        self
    }

    /// Appends a text node.
    pub fn text(mut self, t: impl Into<String>) -> Self {
        self.children.push(Node::Text(t.into()));
        self
    }

    /// Local name.
    pub fn local(&self) -> &str {
        local_part(&self.name)
    }

    /// True if this element is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local() == local
    }

    /// Value of the unprefixed attribute `name`.
    pub fn get_attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Value of the namespaced attribute `{ns}local`.
    #[cfg(test)]
    pub fn get_attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.local() == local)
            .map(|a| a.value.as_str())
    }

    /// Required unprefixed attribute.
    pub fn req_attr(&self, name: &str) -> Result<&str, XmlError> {
        self.get_attr(name)
            .ok_or_else(|| XmlError::Missing(format!("@{name} on {}", self.name)))
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements `{ns}local`.
    pub fn all<'a>(&'a self, ns: &'a str, local: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.is(ns, local))
    }

    /// First child element `{ns}local`.
    pub fn first(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, local))
    }

    /// Required first child `{ns}local`.
    pub fn req(&self, ns: &str, local: &str) -> Result<&Element, XmlError> {
        self.first(ns, local)
            .ok_or_else(|| XmlError::Missing(format!("{local} in {}", self.name)))
    }

    /// First descendant (depth-first, self excluded) `{ns}local`.
    pub fn descendant(&self, ns: &str, local: &str) -> Option<&Element> {
        for e in self.elements() {
            if e.is(ns, local) {
                return Some(e);
            }
            if let Some(d) = e.descendant(ns, local) {
                return Some(d);
            }
        }
        None
    }

    /// All descendants `{ns}local` (depth-first).
    pub fn descendants<'a>(&'a self, ns: &str, local: &str, out: &mut Vec<&'a Element>) {
        for e in self.elements() {
            if e.is(ns, local) {
                out.push(e);
            }
            e.descendants(ns, local, out);
        }
    }

    /// Concatenated text of the direct text children.
    pub fn text_content(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// Text of the child `{ns}local`, trimmed.
    pub fn child_text(&self, ns: &str, local: &str) -> Option<String> {
        self.first(ns, local)
            .map(|e| e.text_content().trim().to_owned())
    }

    /// Serializes this element (no XML declaration).
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Serializes this element as a standalone document fragment: the
    /// bindings of `scope` (in scope at its parent) that it does not
    /// redeclare are declared on it.
    pub fn to_xml_in_scope(&self, scope: &Scope) -> String {
        let mut el = self.clone();
        for (p, uri) in scope {
            if !el.decls.iter().any(|(q, _)| q == p) {
                el.decls.push((p.clone(), uri.clone()));
            }
        }
        el.to_xml()
    }

    /// Serializes with an XML declaration.
    pub fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (p, uri) in &self.decls {
            write_decl(out, p, uri);
        }
        for a in &self.attrs {
            write_attr(out, &a.name, &a.value);
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for n in &self.children {
            match n {
                Node::Element(e) => e.write(out),
                Node::Text(t) => escape_text(out, t),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn write_decl(out: &mut String, prefix: &str, uri: &str) {
    if prefix.is_empty() {
        out.push_str(" xmlns=\"");
    } else {
        out.push_str(" xmlns:");
        out.push_str(prefix);
        out.push_str("=\"");
    }
    escape_attr(out, uri);
    out.push('"');
}

fn write_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_attr(out, value);
    out.push('"');
}

/// Text escaping of canonical XML (also used by the serializer).
fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Attribute escaping of canonical XML (also used by the serializer).
fn escape_attr(out: &mut String, s: &str) {
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
}

// ---------------------------------------------------------------------------
// Parsing

/// In-scope namespace bindings (prefix `""` = default namespace).
pub(crate) type Scope = BTreeMap<String, String>;

/// Parses a complete XML document into its root element.
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let malformed =
        |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| XmlError::Malformed {
            position: reader.buffer_position(),
            reason: e.to_string(),
        };
    // Stack of open elements and their scopes.
    let mut stack: Vec<(Element, Scope)> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = reader.read_event().map_err(|e| malformed(&reader, &e))?;
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(XmlError::NoRoot);
            }
            Event::Start(s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                let parent_scope = stack.last().map(|(_, sc)| sc.clone()).unwrap_or_default();
                let (el, scope) = start_element(&s, &parent_scope, &reader)?;
                stack.push((el, scope));
            }
            Event::Empty(s) => {
                let parent_scope = stack.last().map(|(_, sc)| sc.clone()).unwrap_or_default();
                let (el, _) = start_element(&s, &parent_scope, &reader)?;
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some((el, _)) = stack.pop() else {
                    return Err(XmlError::NoRoot);
                };
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| malformed(&reader, &e))?;
                push_text(&mut stack, &s)?;
            }
            Event::CData(t) => {
                let s = t.xml10_content().map_err(|e| malformed(&reader, &e))?;
                push_text(&mut stack, &s)?;
            }
            Event::GeneralRef(r) => {
                let s = if r.is_char_ref() {
                    match r.resolve_char_ref().map_err(|e| malformed(&reader, &e))? {
                        Some(c) => c.to_string(),
                        None => return Err(XmlError::UnknownEntity(lossy(&r))),
                    }
                } else {
                    predefined(&lossy(&r))?.to_string()
                };
                push_text(&mut stack, &s)?;
            }
            Event::DocType(_) => return Err(XmlError::DocType),
            // Comments and processing instructions are not part of the
            // canonical form we sign or verify (c14n without comments); a PI
            // inside signed content would only make a verification fail.
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed {
            position: reader.buffer_position(),
            reason: "unclosed element".into(),
        });
    }
    root.ok_or(XmlError::NoRoot)
}

fn lossy(r: &quick_xml::events::BytesRef<'_>) -> String {
    String::from_utf8_lossy(r).into_owned()
}

fn predefined(name: &str) -> Result<char, XmlError> {
    Ok(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => return Err(XmlError::UnknownEntity(other.to_owned())),
    })
}

fn push_text(stack: &mut [(Element, Scope)], s: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some((el, _)) => {
            if let Some(Node::Text(prev)) = el.children.last_mut() {
                prev.push_str(s);
            } else {
                el.children.push(Node::Text(s.to_owned()));
            }
            Ok(())
        }
        // Whitespace around the root element is not content.
        None if s.trim().is_empty() => Ok(()),
        None => Err(XmlError::NoRoot),
    }
}

fn start_element(
    s: &BytesStart<'_>,
    parent_scope: &Scope,
    reader: &quick_xml::Reader<&[u8]>,
) -> Result<(Element, Scope), XmlError> {
    let name = std::str::from_utf8(s.name().as_ref())
        .map_err(|_| XmlError::NotUtf8)?
        .to_owned();
    let mut decls = Vec::new();
    let mut raw_attrs = Vec::new();
    for a in s.attributes().with_checks(true) {
        let a = a.map_err(|e| XmlError::Malformed {
            position: reader.buffer_position(),
            reason: e.to_string(),
        })?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| XmlError::NotUtf8)?
            .to_owned();
        let raw = std::str::from_utf8(&a.value).map_err(|_| XmlError::NotUtf8)?;
        let value = unescape_attr(raw)?;
        if key == "xmlns" {
            decls.push((String::new(), value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(XmlError::Invalid {
                    what: format!("xmlns:{p}"),
                    reason: "a prefix cannot be undeclared in XML 1.0".into(),
                });
            }
            decls.push((p.to_owned(), value));
        } else {
            raw_attrs.push((key, value));
        }
    }
    let mut scope = parent_scope.clone();
    for (p, uri) in &decls {
        scope.insert(p.clone(), uri.clone());
    }
    let ns = resolve(&scope, prefix_part(&name))?;
    let mut attrs = Vec::with_capacity(raw_attrs.len());
    for (key, value) in raw_attrs {
        let p = prefix_part(&key);
        let ans = if p.is_empty() {
            String::new()
        } else {
            resolve(&scope, p)?
        };
        attrs.push(Attr {
            name: key,
            ns: ans,
            value,
        });
    }
    Ok((
        Element {
            name,
            ns,
            decls,
            attrs,
            children: Vec::new(),
        },
        scope,
    ))
}

fn resolve(scope: &Scope, prefix: &str) -> Result<String, XmlError> {
    if prefix == "xml" {
        return Ok(XML_NS.to_owned());
    }
    match scope.get(prefix) {
        Some(uri) => Ok(uri.clone()),
        None if prefix.is_empty() => Ok(String::new()),
        None => Err(XmlError::UnboundPrefix(prefix.to_owned())),
    }
}

/// Attribute-value normalisation (XML 1.0 §3.3.3 for CDATA attributes):
/// literal CR LF / CR / LF / TAB become a space, references are then decoded.
fn unescape_attr(raw: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\r' => {
                if matches!(chars.peek(), Some((_, '\n'))) {
                    chars.next();
                }
                out.push(' ');
            }
            '\n' | '\t' => out.push(' '),
            '&' => {
                let rest = &raw[i + 1..];
                let end = rest.find(';').ok_or_else(|| XmlError::Malformed {
                    position: 0,
                    reason: "unterminated reference in attribute".into(),
                })?;
                let name = &rest[..end];
                out.push(decode_ref(name)?);
                for _ in 0..=end {
                    chars.next();
                }
            }
            '<' => {
                return Err(XmlError::Malformed {
                    position: 0,
                    reason: "`<` in attribute value".into(),
                });
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn decode_ref(name: &str) -> Result<char, XmlError> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix('x') {
            u32::from_str_radix(hex, 16).ok()
        } else {
            num.parse::<u32>().ok()
        };
        return code
            .and_then(char::from_u32)
            .filter(|c| *c != '\0')
            .ok_or_else(|| XmlError::UnknownEntity(name.to_owned()));
    }
    predefined(name)
}

// ---------------------------------------------------------------------------
// Exclusive canonicalisation

/// Exclusive XML canonicalisation (without comments) of `el`.
///
/// `inherited` are the bindings in scope at `el` from its ancestors (only
/// needed for `inclusive_prefixes`, the InclusiveNamespaces PrefixList, since
/// the element and attribute prefixes carry their resolved URIs). `skip`, if
/// given, is a descendant omitted from the output (the enveloped-signature
/// transform).
pub(crate) fn exc_c14n(
    el: &Element,
    inherited: &Scope,
    inclusive_prefixes: &[String],
    skip: Option<&Element>,
) -> String {
    let mut out = String::new();
    let rendered = Scope::new();
    c14n_element(el, inherited, &rendered, inclusive_prefixes, skip, &mut out);
    out
}

fn c14n_element(
    el: &Element,
    parent_scope: &Scope,
    rendered: &Scope,
    inclusive: &[String],
    skip: Option<&Element>,
    out: &mut String,
) {
    let mut scope = parent_scope.clone();
    for (p, uri) in &el.decls {
        scope.insert(p.clone(), uri.clone());
    }
    // Visibly utilised prefixes, with the URI they are bound to.
    let mut used: BTreeMap<String, String> = BTreeMap::new();
    used.insert(prefix_part(&el.name).to_owned(), el.ns.clone());
    for a in &el.attrs {
        let p = prefix_part(&a.name);
        if !p.is_empty() && p != "xml" {
            used.insert(p.to_owned(), a.ns.clone());
        }
    }
    for p in inclusive {
        let key = if p == "#default" { "" } else { p.as_str() };
        if let Some(uri) = scope.get(key) {
            used.entry(key.to_owned()).or_insert_with(|| uri.clone());
        }
    }
    let mut emit: Vec<(String, String)> = Vec::new();
    for (p, uri) in used {
        let already = rendered.get(&p);
        if already == Some(&uri) {
            continue;
        }
        if p.is_empty() && uri.is_empty() && already.is_none_or(|u| u.is_empty()) {
            continue;
        }
        emit.push((p, uri));
    }
    let mut now_rendered;
    let rendered = if emit.is_empty() {
        rendered
    } else {
        now_rendered = rendered.clone();
        for (p, uri) in &emit {
            now_rendered.insert(p.clone(), uri.clone());
        }
        &now_rendered
    };
    out.push('<');
    out.push_str(&el.name);
    // BTreeMap order: the default namespace ("") sorts first.
    for (p, uri) in &emit {
        write_decl(out, p, uri);
    }
    let mut attrs: Vec<&Attr> = el.attrs.iter().collect();
    attrs.sort_by(|a, b| (a.ns.as_str(), a.local()).cmp(&(b.ns.as_str(), b.local())));
    for a in attrs {
        write_attr(out, &a.name, &a.value);
    }
    out.push('>');
    for n in &el.children {
        match n {
            Node::Element(c) => {
                if skip.is_some_and(|s| std::ptr::eq(s, c)) {
                    continue;
                }
                c14n_element(c, &scope, rendered, inclusive, skip, out);
            }
            Node::Text(t) => escape_text(out, t),
        }
    }
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
}

/// Finds the first element `{ns}local` in the tree rooted at `root` (root
/// included) and returns it with the bindings in scope at its parent.
pub(crate) fn find_with_scope<'a>(
    root: &'a Element,
    ns: &str,
    local: &str,
) -> Option<(&'a Element, Scope)> {
    fn walk<'a>(
        e: &'a Element,
        scope: &Scope,
        ns: &str,
        local: &str,
    ) -> Option<(&'a Element, Scope)> {
        if e.is(ns, local) {
            return Some((e, scope.clone()));
        }
        let mut inner = scope.clone();
        for (p, uri) in &e.decls {
            inner.insert(p.clone(), uri.clone());
        }
        e.elements().find_map(|c| walk(c, &inner, ns, local))
    }
    walk(root, &Scope::new(), ns, local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_serialize_roundtrip_keeps_c14n() {
        let src = r#"<?xml version="1.0"?>
<a:root xmlns:a="urn:a" xmlns="urn:d" b="2" a:c="x&amp;y&#13;" x="tab&#9;here">
  <child attr='q"uote'>text &lt; &gt; &amp; é<![CDATA[<raw>]]></child>
  <!-- comment -->
  <e/>
</a:root>"#;
        let el = parse(src.as_bytes()).expect("parse");
        assert_eq!(el.ns, "urn:a");
        assert_eq!(el.get_attr_ns("urn:a", "c"), Some("x&y\r"));
        assert_eq!(el.get_attr("x"), Some("tab\there"));
        let child = el.first("urn:d", "child").expect("child");
        assert_eq!(child.text_content(), "text < > & é<raw>");
        let c1 = exc_c14n(&el, &Scope::new(), &[], None);
        let again = parse(el.to_xml().as_bytes()).expect("reparse");
        assert_eq!(exc_c14n(&again, &Scope::new(), &[], None), c1);
        assert_eq!(
            c1,
            "<a:root xmlns:a=\"urn:a\" b=\"2\" x=\"tab&#x9;here\" a:c=\"x&amp;y&#xD;\">\n  \
             <child xmlns=\"urn:d\" attr=\"q&quot;uote\">text &lt; &gt; &amp; é&lt;raw&gt;</child>\n  \n  \
             <e xmlns=\"urn:d\"></e>\n</a:root>"
        );
    }

    #[test]
    fn exclusive_c14n_ignores_unused_ancestor_namespaces() {
        let src = r#"<env xmlns="urn:env" xmlns:u="urn:unused" xmlns:s="urn:s"><s:a xmlns:xs="urn:xs" t="xs:string"><s:b/></s:a></env>"#;
        let root = parse(src.as_bytes()).expect("parse");
        let (a, scope) = find_with_scope(&root, "urn:s", "a").expect("found");
        assert_eq!(
            exc_c14n(a, &scope, &[], None),
            "<s:a xmlns:s=\"urn:s\" t=\"xs:string\"><s:b></s:b></s:a>"
        );
        // InclusiveNamespaces PrefixList="xs" pulls the binding in.
        assert_eq!(
            exc_c14n(a, &scope, &["xs".into()], None),
            "<s:a xmlns:s=\"urn:s\" xmlns:xs=\"urn:xs\" t=\"xs:string\"><s:b></s:b></s:a>"
        );
    }

    #[test]
    fn default_namespace_undeclaration() {
        let src = r#"<a xmlns="urn:x"><b xmlns=""><c/></b></a>"#;
        let root = parse(src.as_bytes()).expect("parse");
        assert_eq!(
            exc_c14n(&root, &Scope::new(), &[], None),
            "<a xmlns=\"urn:x\"><b xmlns=\"\"><c></c></b></a>"
        );
    }

    #[test]
    fn refuses_doctype_entities_and_unbound_prefixes() {
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert_eq!(parse(xxe), Err(XmlError::DocType));
        assert!(matches!(
            parse(b"<a>&x;</a>"),
            Err(XmlError::UnknownEntity(_))
        ));
        assert!(matches!(parse(b"<p:a/>"), Err(XmlError::UnboundPrefix(_))));
        assert!(matches!(parse(b"<a></b>"), Err(XmlError::Malformed { .. })));
        assert!(matches!(parse(b"<a/><b/>"), Err(XmlError::NoRoot)));
        assert!(matches!(parse(b""), Err(XmlError::NoRoot)));
        assert!(matches!(parse(b"\xff\xfe"), Err(XmlError::NotUtf8)));
        let deep = "<a>".repeat(200) + &"</a>".repeat(200);
        assert_eq!(parse(deep.as_bytes()), Err(XmlError::TooDeep));
    }

    #[test]
    fn line_endings_are_normalised() {
        let root = parse(b"<a x=\"1\r\n2\">l1\r\nl2\rl3</a>").expect("parse");
        assert_eq!(root.get_attr("x"), Some("1 2"));
        assert_eq!(root.text_content(), "l1\nl2\nl3");
    }
}
