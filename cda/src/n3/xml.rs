//! A small read-only element tree for N3 entries and narrative blocks.
//!
//! The document parser keeps each `entry` and each `section/text` as a
//! well-formed [`XmlFragment`]: the typed N3 models read those fragments
//! through this tree. Namespaces are resolved (default HL7 namespace, `xsi`,
//! and the prefixes the source document declared at its root, e.g.
//! `pharm` → `urn:ihe:pharm:medication`). Entities are never expanded beyond
//! the five XML ones and character references.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::body::XmlFragment;
use crate::datatypes::{Code, Ii, IvlTs, Ts};
use crate::error::N3Error;
use crate::vocab::{NS_HL7, NS_XSI};

/// Elements nested deeper than this are refused (entries are shallow).
const MAX_DEPTH: usize = 64;

/// An element: resolved name, attributes and children in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// Namespace URI (`urn:hl7-org:v3` for CDA elements).
    pub namespace: Option<String>,
    /// Attributes in order.
    pub attributes: Vec<Attribute>,
    /// Children in order.
    pub children: Vec<Node>,
}

/// An attribute with its resolved namespace (`None` for unprefixed ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Local name.
    pub name: String,
    /// Namespace URI of prefixed attributes (`xsi:type`).
    pub namespace: Option<String>,
    /// The unescaped value.
    pub value: String,
}

/// A child node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Text (unescaped).
    Text(String),
}

impl Element {
    /// Whether this is the CDA (`urn:hl7-org:v3`) element `local`.
    pub fn is(&self, local: &str) -> bool {
        self.name == local && self.namespace.as_deref() == Some(NS_HL7)
    }

    /// An unprefixed attribute.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == local && a.namespace.is_none())
            .map(|a| a.value.as_str())
    }

    /// `@xsi:type`.
    pub fn xsi_type(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == "type" && a.namespace.as_deref() == Some(NS_XSI))
            .map(|a| a.value.as_str())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first CDA child element named `local`.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(local))
    }

    /// All CDA child elements named `local`.
    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.is(local))
    }

    /// The first child element in namespace `ns` named `local`.
    pub fn child_ns(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements()
            .find(|e| e.name == local && e.namespace.as_deref() == Some(ns))
    }

    /// Follows a path of CDA child names (first match at each step).
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut cur = self;
        for n in names {
            cur = cur.child(n)?;
        }
        Some(cur)
    }

    /// The text content (descendant text concatenated, whitespace collapsed).
    pub fn text(&self) -> String {
        fn walk(e: &Element, out: &mut String) {
            for c in &e.children {
                match c {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(e) if e.is("br") => out.push('\n'),
                    Node::Element(e) => walk(e, out),
                }
            }
        }
        let mut s = String::new();
        walk(self, &mut s);
        collapse(&s)
    }

    /// The `templateId/@root` values.
    pub fn template_roots(&self) -> impl Iterator<Item = &str> {
        self.children_named("templateId")
            .filter_map(|t| t.attr("root"))
    }

    /// Whether a `templateId` has this root.
    pub fn has_template(&self, root: &str) -> bool {
        self.template_roots().any(|r| r == root)
    }

    /// This element read as an II.
    pub fn ii(&self) -> Ii {
        Ii {
            root: self.attr("root").map(str::to_owned),
            extension: self.attr("extension").map(str::to_owned),
            null_flavor: self.attr("nullFlavor").map(str::to_owned),
        }
    }

    /// This element read as a CD (with its translations).
    pub fn code(&self) -> Code {
        Code {
            code: self.attr("code").map(str::to_owned),
            code_system: self.attr("codeSystem").map(str::to_owned),
            code_system_name: self.attr("codeSystemName").map(str::to_owned),
            display_name: self.attr("displayName").map(str::to_owned),
            null_flavor: self.attr("nullFlavor").map(str::to_owned),
            translations: self.children_named("translation").map(Self::code).collect(),
        }
    }

    /// This element read as a TS.
    pub fn ts(&self) -> Ts {
        Ts {
            value: self.attr("value").map(str::to_owned),
            null_flavor: self.attr("nullFlavor").map(str::to_owned),
        }
    }

    /// This element read as an IVL_TS (`@value`, `low`, `high`).
    pub fn ivl_ts(&self) -> IvlTs {
        IvlTs {
            value: self.attr("value").map(Ts::from_value),
            low: self.child("low").map(Self::ts),
            high: self.child("high").map(Self::ts),
            null_flavor: self.attr("nullFlavor").map(str::to_owned),
        }
    }

    /// The reference of `originalText/reference/@value` or
    /// `text/reference/@value` under this element, without the leading `#`.
    pub fn reference(&self) -> Option<&str> {
        let r = self
            .child("reference")
            .or_else(|| self.path(&["originalText", "reference"]))?;
        r.attr("value").map(|v| v.strip_prefix('#').unwrap_or(v))
    }

    /// Depth-first search for the first element satisfying `f` (self included).
    pub fn find(&self, f: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        if f(self) {
            return Some(self);
        }
        self.elements().find_map(|e| e.find(f))
    }

    /// Visits every element depth-first (self included).
    pub fn walk(&self, f: &mut dyn FnMut(&Element)) {
        f(self);
        for e in self.elements() {
            e.walk(f);
        }
    }
}

/// Collapses runs of whitespace to one space and trims, keeping line breaks
/// from `<br/>` as `\n`.
pub(crate) fn collapse(s: &str) -> String {
    s.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_owned()
}

/// Parses element content (one or more elements and text) into a wrapper
/// element named `#fragment`, resolving prefixes with the document's root
/// declarations (`namespaces`, e.g. `("pharm", "urn:ihe:pharm:medication")`).
pub fn parse_fragment(
    fragment: &XmlFragment,
    namespaces: &[(String, String)],
) -> Result<Element, N3Error> {
    parse_str(fragment.as_str(), namespaces)
}

/// Parses one element (e.g. a whole `<entry>`).
pub fn parse_element(
    fragment: &XmlFragment,
    namespaces: &[(String, String)],
) -> Result<Element, N3Error> {
    let root = parse_fragment(fragment, namespaces)?;
    root.children
        .into_iter()
        .find_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| N3Error::Read {
            what: "XML element",
            path: String::new(),
            reason: "the fragment has no element".into(),
        })
}

pub(crate) fn parse_str(xml: &str, namespaces: &[(String, String)]) -> Result<Element, N3Error> {
    let mut decls = format!("<w xmlns=\"{NS_HL7}\" xmlns:xsi=\"{NS_XSI}\"");
    for (p, uri) in namespaces {
        if p.is_empty() || p == "xsi" || p == "xml" || p == "xmlns" {
            continue;
        }
        if !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            continue;
        }
        decls.push_str(&format!(
            " xmlns:{p}=\"{}\"",
            quick_xml::escape::escape(uri.as_str())
        ));
    }
    decls.push('>');
    let wrapped = format!("{decls}{xml}</w>");
    let err = |reason: String| N3Error::Read {
        what: "XML fragment",
        path: String::new(),
        reason,
    };
    let mut r = NsReader::from_str(&wrapped);
    let mut stack: Vec<Element> = Vec::new();
    let root = loop {
        let ev = r.read_event().map_err(|e| err(e.to_string()))?;
        match ev {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(err(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                stack.push(element(&r, &e).map_err(err)?);
            }
            Event::Empty(e) => {
                let el = element(&r, &e).map_err(err)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => return Err(err("element outside the wrapper".into())),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| err("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => break el,
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| err(e.to_string()))?;
                let s = quick_xml::escape::unescape(&s).map_err(|e| err(e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(g) => {
                let name = g.decode().map_err(|e| err(e.to_string()))?;
                let s = match &*name {
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "amp" => "&".to_owned(),
                    "apos" => "'".to_owned(),
                    "quot" => "\"".to_owned(),
                    other => match g.resolve_char_ref().map_err(|e| err(e.to_string()))? {
                        Some(c) => c.to_string(),
                        None => return Err(err(format!("entity &{other}; is not allowed"))),
                    },
                };
                push_text(&mut stack, &s);
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c).into_owned();
                push_text(&mut stack, &s);
            }
            Event::Eof => return Err(err("truncated fragment".into())),
            Event::DocType(_) => return Err(err("DOCTYPE is not allowed".into())),
            _ => {}
        }
    };
    let mut root = root;
    root.name = "#fragment".into();
    root.namespace = None;
    root.attributes.clear();
    Ok(root)
}

fn push_text(stack: &mut [Element], s: &str) {
    if let Some(parent) = stack.last_mut() {
        if let Some(Node::Text(prev)) = parent.children.last_mut() {
            prev.push_str(s);
        } else {
            parent.children.push(Node::Text(s.to_owned()));
        }
    }
}

fn element(r: &NsReader<&[u8]>, e: &BytesStart<'_>) -> Result<Element, String> {
    let (ns, local) = r.resolve_element(e.name());
    let namespace = match ns {
        ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(p) => {
            return Err(format!(
                "undeclared namespace prefix {:?}",
                String::from_utf8_lossy(&p)
            ));
        }
    };
    let mut attributes = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = a.key;
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let (ns, local) = r.resolve_attribute(key);
        let namespace = match ns {
            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(format!(
                    "undeclared namespace prefix {:?}",
                    String::from_utf8_lossy(&p)
                ));
            }
        };
        let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attributes.push(Attribute {
            name: String::from_utf8_lossy(local.as_ref()).into_owned(),
            namespace,
            value,
        });
    }
    Ok(Element {
        name: String::from_utf8_lossy(local.as_ref()).into_owned(),
        namespace,
        attributes,
        children: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entry_with_prefixes() {
        let f = XmlFragment::from_trusted(
            "<entry><observation classCode=\"OBS\"><templateId root=\"1.2\"/>\
             <value xsi:type=\"PQ\" value=\"55\" unit=\"kg\"/>\
             <pharm:formCode code=\"10219000\"/><text>a &amp; b<br/>c&#233;</text></observation></entry>"
                .to_owned(),
        );
        let ns = vec![("pharm".to_owned(), "urn:ihe:pharm:medication".to_owned())];
        let e = parse_element(&f, &ns).unwrap();
        assert!(e.is("entry"));
        let o = e.child("observation").unwrap();
        assert!(o.has_template("1.2"));
        assert_eq!(o.child("value").unwrap().xsi_type(), Some("PQ"));
        assert!(o.child_ns("urn:ihe:pharm:medication", "formCode").is_some());
        assert_eq!(o.child("text").unwrap().text(), "a & b\ncé");
    }

    #[test]
    fn refuses_unknown_prefix_and_entities() {
        let f = XmlFragment::parse("<entry><x:y/></entry>");
        if let Ok(f) = f {
            assert!(parse_element(&f, &[]).is_err());
        }
        assert!(parse_str("<a>&foo;</a>", &[]).is_err());
    }
}
