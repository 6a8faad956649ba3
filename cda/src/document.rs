//! A whole CDA document: header, body and the namespace prefixes it uses.

use bytes::Bytes;

use crate::body::{Body, Level, NonXmlBody, StructuredBody};
use crate::error::ParseError;
use crate::header::Header;
use crate::validate::{self, Report};
use crate::write::{self, WriteOptions};

/// A CDA R2 document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The header.
    pub header: Header,
    /// The body.
    pub body: Body,
    /// Extra namespace prefixes declared on the root (besides the default HL7
    /// namespace and `xsi`), e.g. `("sdtc", "urn:hl7-org:sdtc")`. A parsed
    /// document keeps those in scope at `ClinicalDocument` so that entries kept
    /// as XML can be written again.
    pub namespaces: Vec<(String, String)>,
}

impl Document {
    /// A document from a header and a body.
    pub fn new(header: Header, body: Body) -> Self {
        Self {
            header,
            body,
            namespaces: Vec::new(),
        }
    }

    /// Parses a document. `Bytes::from(Vec<u8>)` and `Bytes::from_static`
    /// cost no copy; the N1 body stays a slice of the input until decoded.
    pub fn parse(input: impl Into<Bytes>) -> Result<Self, ParseError> {
        crate::parse::parse_document(input.into())
    }

    /// Parses the header only, stopping at the body (fast path for indexing).
    pub fn parse_header(input: &[u8]) -> Result<Header, ParseError> {
        crate::parse::parse_header_only(input)
    }

    /// N1 or N3.
    pub fn level(&self) -> Level {
        self.body.level()
    }

    /// The N1 body, if any.
    pub fn non_xml_body(&self) -> Option<&NonXmlBody> {
        match &self.body {
            Body::NonXml(b) => Some(b),
            Body::Structured(_) => None,
        }
    }

    /// The N3 body, if any.
    pub fn structured_body(&self) -> Option<&StructuredBody> {
        match &self.body {
            Body::Structured(b) => Some(b),
            Body::NonXml(_) => None,
        }
    }

    /// Writes the document (deterministic bytes).
    pub fn to_xml(&self) -> Vec<u8> {
        write::write_document(self, &WriteOptions::default())
    }

    /// Writes the document with an `<?xml-stylesheet type="text/xsl" href="…"?>`
    /// processing instruction, for hosts that render CDA in a browser component.
    pub fn to_xml_with_stylesheet(&self, href: &str) -> Vec<u8> {
        write::write_document(
            self,
            &WriteOptions {
                stylesheet_href: Some(href.to_owned()),
            },
        )
    }

    /// Runs the native header and body validator.
    pub fn validate(&self) -> Report {
        validate::validate_document(self)
    }
}

/// Inserts (or replaces) an `xml-stylesheet` processing instruction in an
/// existing XML document, after the XML declaration, leaving everything else
/// byte for byte. Hosts use it on received documents before showing them in a
/// browser component.
pub fn with_stylesheet_pi(xml: &[u8], href: &str) -> Vec<u8> {
    let pi = format!(
        "<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>\n",
        quick_xml::escape::escape(href)
    );
    // Drop existing xml-stylesheet PIs (before the root element only).
    let root_at = find_root_start(xml);
    let mut prolog = &xml[..root_at];
    let rest = &xml[root_at..];
    let mut out = Vec::with_capacity(xml.len() + pi.len());
    if prolog.starts_with(b"\xEF\xBB\xBF") {
        out.extend_from_slice(b"\xEF\xBB\xBF");
        prolog = &prolog[3..];
    }
    let mut inserted = false;
    let mut i = 0;
    while i < prolog.len() {
        if prolog[i..].starts_with(b"<?xml-stylesheet") {
            let end = find(&prolog[i..], b"?>").map_or(prolog.len(), |e| i + e + 2);
            i = end;
            while i < prolog.len() && prolog[i].is_ascii_whitespace() {
                i += 1;
            }
            continue;
        }
        if !inserted && prolog[i..].starts_with(b"<?xml ") {
            let end = find(&prolog[i..], b"?>").map_or(prolog.len(), |e| i + e + 2);
            out.extend_from_slice(&prolog[i..end]);
            out.push(b'\n');
            out.extend_from_slice(pi.as_bytes());
            inserted = true;
            i = end;
            while i < prolog.len() && prolog[i].is_ascii_whitespace() {
                i += 1;
            }
            continue;
        }
        if !inserted {
            out.extend_from_slice(pi.as_bytes());
            inserted = true;
        }
        out.push(prolog[i]);
        i += 1;
    }
    if !inserted {
        out.extend_from_slice(pi.as_bytes());
    }
    out.extend_from_slice(rest);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Offset of the first `<` that starts an element (not `<?`, `<!`).
fn find_root_start(xml: &[u8]) -> usize {
    let mut i = 0;
    while i < xml.len() {
        if xml[i] == b'<' {
            match xml.get(i + 1) {
                Some(b'?') => {
                    i = find(&xml[i..], b"?>").map_or(xml.len(), |e| i + e + 2);
                    continue;
                }
                Some(b'!') => {
                    let close: &[u8] = if xml[i..].starts_with(b"<!--") {
                        b"-->"
                    } else {
                        b">"
                    };
                    i = find(&xml[i..], close).map_or(xml.len(), |e| i + e + close.len());
                    continue;
                }
                _ => return i,
            }
        }
        i += 1;
    }
    xml.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheet_pi_inserted_and_replaced() {
        let doc = b"<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"old.xsl\"?>\n<!-- c --><ClinicalDocument/>";
        let out = with_stylesheet_pi(doc, "CDA-FO.xsl");
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with(
            "<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"CDA-FO.xsl\"?>\n"
        ));
        assert!(!s.contains("old.xsl"));
        assert!(s.ends_with("<!-- c --><ClinicalDocument/>"));
        let out = with_stylesheet_pi(b"<ClinicalDocument/>", "a\"b.xsl");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?xml-stylesheet type=\"text/xsl\" href=\"a&quot;b.xsl\"?>\n<ClinicalDocument/>"
        );
    }
}
