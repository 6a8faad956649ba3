//! Document bodies: N1 (`nonXMLBody`, a base64 document) and N3
//! (`structuredBody`, sections with narrative and entries).
//!
//! # Extending N3
//! Volet crates build a [`StructuredBody`] of [`Section`]s. A section's
//! narrative is an [`XmlFragment`] (build it with [`Narrative`]), and its
//! entries are either XML kept from a parsed document or values implementing
//! [`WriteXml`] — write them with [`Entry::from_writer`] or a closure
//! ([`Entry::from_fn`]). The document writer wraps each in
//! `<entry typeCode="…">…</entry>` and takes care of namespaces.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use serde::Serialize;

use crate::datatypes::{Code, Ii};
use crate::error::{Location, ParseError, ParseErrorKind};
use crate::write::CdaWriter;

/// The body of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// N1: `nonXMLBody`.
    NonXml(NonXmlBody),
    /// N3: `structuredBody`.
    Structured(StructuredBody),
}

/// Level of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Level {
    /// Unstructured body (CDA R2 niveau 1).
    N1,
    /// Structured body (CDA R2 niveau 3).
    N3,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::N1 => "N1",
            Self::N3 => "N3",
        })
    }
}

impl Body {
    /// N1 or N3.
    pub fn level(&self) -> Level {
        match self {
            Self::NonXml(_) => Level::N1,
            Self::Structured(_) => Level::N3,
        }
    }
}

/// `nonXMLBody/text`: media type and content.
///
/// The content is kept as it came: the raw bytes given by the host, or — for a
/// parsed document — a zero-copy slice of the source holding the base64 text.
/// Decoding happens on demand ([`NonXmlBody::decode`],
/// [`NonXmlBody::write_decoded`]), so a parsed 20 MB PDF costs the source
/// plus, when asked, one decoded copy.
#[derive(Clone)]
pub struct NonXmlBody {
    media_type: String,
    content: Content,
}

#[derive(Clone)]
enum Content {
    /// The decoded bytes (written as base64).
    Raw(Bytes),
    /// Base64 text from a source document (may contain XML whitespace), validated.
    Base64 { text: Bytes, decoded_len: usize },
    /// Plain text (`representation="TXT"`).
    Text(String),
}

impl fmt::Debug for NonXmlBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonXmlBody")
            .field("media_type", &self.media_type)
            .field("representation", &self.representation())
            .field("decoded_len", &self.decoded_len())
            .finish()
    }
}

/// Two bodies are equal when they have the same media type, representation
/// and decoded content (however the base64 was wrapped).
impl PartialEq for NonXmlBody {
    fn eq(&self, other: &Self) -> bool {
        self.media_type == other.media_type
            && self.representation() == other.representation()
            && self.decoded_len() == other.decoded_len()
            && self.decode() == other.decode()
    }
}

impl NonXmlBody {
    /// A PDF (`application/pdf`, base64).
    pub fn pdf(data: impl Into<Bytes>) -> Self {
        Self::new("application/pdf", data)
    }

    /// Any media type, written in base64.
    pub fn new(media_type: &str, data: impl Into<Bytes>) -> Self {
        Self {
            media_type: media_type.to_owned(),
            content: Content::Raw(data.into()),
        }
    }

    /// Plain text content (`representation="TXT"`).
    pub fn text(media_type: &str, text: impl Into<String>) -> Self {
        Self {
            media_type: media_type.to_owned(),
            content: Content::Text(text.into()),
        }
    }

    /// From the base64 text of a source document, checked once without copying.
    pub(crate) fn from_base64(
        media_type: String,
        text: Bytes,
        location: impl Fn(usize) -> Location,
    ) -> Result<Self, ParseError> {
        let decoded_len = check_base64(&text).map_err(|(at, reason)| ParseError {
            kind: ParseErrorKind::Base64 { reason },
            location: location(at),
        })?;
        Ok(Self {
            media_type,
            content: Content::Base64 { text, decoded_len },
        })
    }

    /// `@mediaType`.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// `@representation`: `B64` or `TXT`.
    pub fn representation(&self) -> &'static str {
        match self.content {
            Content::Text(_) => "TXT",
            _ => "B64",
        }
    }

    /// Size of the decoded content in bytes.
    pub fn decoded_len(&self) -> usize {
        match &self.content {
            Content::Raw(b) => b.len(),
            Content::Base64 { decoded_len, .. } => *decoded_len,
            Content::Text(t) => t.len(),
        }
    }

    /// The decoded content (borrowed when no decoding is needed).
    pub fn decode(&self) -> Cow<'_, [u8]> {
        match &self.content {
            Content::Raw(b) => Cow::Borrowed(b),
            Content::Text(t) => Cow::Borrowed(t.as_bytes()),
            Content::Base64 { text, decoded_len } => {
                let mut out = Vec::with_capacity(*decoded_len);
                // Validated at parse time: decoding into a Vec cannot fail.
                let _ = decode_chunks(text, |chunk| {
                    out.extend_from_slice(chunk);
                    Ok(())
                });
                Cow::Owned(out)
            }
        }
    }

    /// Streams the decoded content to `out` in small chunks (no full copy).
    pub fn write_decoded(&self, out: &mut impl io::Write) -> io::Result<()> {
        match &self.content {
            Content::Raw(b) => out.write_all(b),
            Content::Text(t) => out.write_all(t.as_bytes()),
            Content::Base64 { text, .. } => decode_chunks(text, |chunk| out.write_all(chunk)),
        }
    }

    /// Writes the content as the text of `nonXMLBody/text` (base64 in 76-column
    /// lines, or escaped text).
    pub(crate) fn write_text<W: io::Write>(&self, w: &mut CdaWriter<W>) -> io::Result<()> {
        match &self.content {
            Content::Raw(b) => {
                w.raw_bytes(b"\n")?;
                let mut line = [0u8; 80];
                for chunk in b.chunks(57) {
                    let n = base64::engine::general_purpose::STANDARD
                        .encode_slice(chunk, &mut line)
                        .map_err(io::Error::other)?;
                    w.raw_bytes(&line[..n])?;
                    w.raw_bytes(b"\n")?;
                }
                Ok(())
            }
            // Validated base64: only alphabet, padding and XML whitespace.
            Content::Base64 { text, .. } => {
                let start = text
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .unwrap_or(text.len());
                let end = text
                    .iter()
                    .rposition(|c| !c.is_ascii_whitespace())
                    .map_or(start, |e| e + 1);
                w.raw_bytes(b"\n")?;
                w.raw_bytes(&text[start..end])?;
                w.raw_bytes(b"\n")
            }
            Content::Text(t) => w.raw_bytes(quick_xml::escape::escape(t.as_str()).as_bytes()),
        }
    }
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Checks base64 text (XML whitespace allowed anywhere) and returns the decoded
/// length, or the offset and reason of the first problem.
pub(crate) fn check_base64(text: &[u8]) -> Result<usize, (usize, String)> {
    let mut count = 0usize;
    let mut padding = 0usize;
    let mut last_sig = 0usize;
    for (i, &c) in text.iter().enumerate() {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'=' => {
                padding += 1;
                if padding > 2 {
                    return Err((i, "more than two padding characters".into()));
                }
            }
            _ if b64_value(c).is_some() => {
                if padding > 0 {
                    return Err((i, "data after padding".into()));
                }
            }
            _ => return Err((i, format!("invalid base64 character {:?}", char::from(c)))),
        }
        count += 1;
        last_sig = i;
    }
    if count % 4 != 0 {
        return Err((
            last_sig,
            format!("truncated base64: {count} characters is not a multiple of 4"),
        ));
    }
    if padding > 0 {
        // The last sextet before padding must leave no stray bits.
        let sig: Vec<u8> = text
            .iter()
            .rev()
            .filter(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'='))
            .take(1)
            .copied()
            .collect();
        if let Some(v) = sig.first().and_then(|c| b64_value(*c)) {
            let mask = if padding == 1 { 0b11 } else { 0b1111 };
            if v & mask != 0 {
                return Err((last_sig, "non-canonical base64 padding bits".into()));
            }
        }
    }
    Ok(count / 4 * 3 - padding)
}

/// Decodes validated base64 text (with whitespace) in 3 KiB chunks.
fn decode_chunks(text: &[u8], mut sink: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    let mut quad = [0u8; 4096];
    let mut n = 0;
    let mut out = [0u8; 3072];
    for &c in text {
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        }
        quad[n] = c;
        n += 1;
        if n == quad.len() {
            let k = base64::engine::general_purpose::STANDARD
                .decode_slice(&quad[..n], &mut out)
                .map_err(io::Error::other)?;
            sink(&out[..k])?;
            n = 0;
        }
    }
    if n > 0 {
        let k = base64::engine::general_purpose::STANDARD
            .decode_slice(&quad[..n], &mut out)
            .map_err(io::Error::other)?;
        sink(&out[..k])?;
    }
    Ok(())
}

/// `structuredBody`: the top-level sections.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructuredBody {
    /// `component/section`s, in order.
    pub sections: Vec<Section>,
}

impl StructuredBody {
    /// All sections depth-first (nested `component/section`s included).
    pub fn all_sections(&self) -> Vec<&Section> {
        fn walk<'a>(s: &'a Section, out: &mut Vec<&'a Section>) {
            out.push(s);
            for c in &s.sections {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(s, &mut out);
        }
        out
    }
}

/// A `section`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    /// `templateId`s.
    pub template_ids: Vec<Ii>,
    /// `id`.
    pub id: Option<Ii>,
    /// `code` (LOINC).
    pub code: Option<Code>,
    /// `title`.
    pub title: Option<String>,
    /// `text`: the narrative block (inner XML).
    pub text: Option<XmlFragment>,
    /// Other children kept verbatim, in order (`confidentialityCode`,
    /// `languageCode`, `subject`, `author`, `informant`): whole elements.
    pub other: Vec<XmlFragment>,
    /// `entry`s.
    pub entries: Vec<Entry>,
    /// Nested `component/section`s.
    pub sections: Vec<Section>,
}

/// Writes XML content into a document being written (N3 entries).
pub trait WriteXml: Send + Sync {
    /// Writes the content of one `entry` (e.g. an `observation`).
    fn write_xml(&self, w: &mut CdaWriter) -> io::Result<()>;
}

impl<F> WriteXml for F
where
    F: Fn(&mut CdaWriter) -> io::Result<()> + Send + Sync,
{
    fn write_xml(&self, w: &mut CdaWriter) -> io::Result<()> {
        self(w)
    }
}

/// An `entry` of a section.
#[derive(Clone)]
pub enum Entry {
    /// A whole `<entry>` element kept from a parsed document.
    Xml(XmlFragment),
    /// Content written by code: the writer adds `<entry typeCode=…>` around it.
    Written {
        /// `entry/@typeCode` (`DRIV`, `COMP`).
        type_code: Option<String>,
        /// The content writer.
        content: Arc<dyn WriteXml>,
    },
}

impl Entry {
    /// An entry written by a [`WriteXml`] value.
    pub fn from_writer(type_code: Option<&str>, content: impl WriteXml + 'static) -> Self {
        Self::Written {
            type_code: type_code.map(str::to_owned),
            content: Arc::new(content),
        }
    }

    /// An entry written by a closure.
    pub fn from_fn(
        type_code: Option<&str>,
        f: impl Fn(&mut CdaWriter) -> io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        Self::from_writer(type_code, f)
    }

    /// The XML of a parsed entry.
    pub fn as_xml(&self) -> Option<&XmlFragment> {
        match self {
            Self::Xml(x) => Some(x),
            Self::Written { .. } => None,
        }
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Xml(x) => f.debug_tuple("Xml").field(&x.as_str().len()).finish(),
            Self::Written { type_code, .. } => f
                .debug_struct("Written")
                .field("type_code", type_code)
                .finish_non_exhaustive(),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Xml(a), Self::Xml(b)) => a == b,
            (
                Self::Written {
                    type_code: t1,
                    content: c1,
                },
                Self::Written {
                    type_code: t2,
                    content: c2,
                },
            ) => t1 == t2 && Arc::ptr_eq(c1, c2),
            _ => false,
        }
    }
}

/// A well-formed piece of XML (element content), kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlFragment(String);

impl XmlFragment {
    /// Checks that `xml` is well-formed element content (balanced tags, known
    /// entities) and wraps it.
    pub fn parse(xml: impl Into<String>) -> Result<Self, ParseError> {
        let xml = xml.into();
        crate::parse::check_fragment(&xml)?;
        Ok(Self(xml))
    }

    /// Wraps XML already checked (taken from a parsed document).
    pub(crate) fn from_trusted(xml: String) -> Self {
        Self(xml)
    }

    /// The XML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text content with tags removed and whitespace collapsed.
    pub fn plain_text(&self) -> String {
        crate::parse::fragment_text(&self.0)
    }
}

/// Builds a narrative block (`section/text`) with escaped content.
///
/// ```
/// use segur_cda::body::Narrative;
/// let text = Narrative::new()
///     .paragraph("Tension <normale>")
///     .list(&["Paracétamol 1 g", "Repos"])
///     .table(&["Examen", "Résultat"], &[vec!["Glycémie".into(), "5,2 mmol/l".into()]])
///     .build();
/// assert!(text.as_str().contains("Tension &lt;normale&gt;"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Narrative {
    xml: String,
}

impl Narrative {
    /// An empty narrative.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `<paragraph>`.
    pub fn paragraph(mut self, text: &str) -> Self {
        self.xml.push_str("<paragraph>");
        self.xml.push_str(&quick_xml::escape::escape(text));
        self.xml.push_str("</paragraph>");
        self
    }

    /// Appends `<list>` of `<item>`s.
    pub fn list(mut self, items: &[&str]) -> Self {
        self.xml.push_str("<list>");
        for i in items {
            self.xml.push_str("<item>");
            self.xml.push_str(&quick_xml::escape::escape(*i));
            self.xml.push_str("</item>");
        }
        self.xml.push_str("</list>");
        self
    }

    /// Appends a `<table>` with a header row and body rows.
    pub fn table(mut self, headers: &[&str], rows: &[Vec<String>]) -> Self {
        self.xml.push_str("<table><thead><tr>");
        for h in headers {
            self.xml.push_str("<th>");
            self.xml.push_str(&quick_xml::escape::escape(*h));
            self.xml.push_str("</th>");
        }
        self.xml.push_str("</tr></thead><tbody>");
        for r in rows {
            self.xml.push_str("<tr>");
            for c in r {
                self.xml.push_str("<td>");
                self.xml.push_str(&quick_xml::escape::escape(c.as_str()));
                self.xml.push_str("</td>");
            }
            self.xml.push_str("</tr>");
        }
        self.xml.push_str("</tbody></table>");
        self
    }

    /// The narrative block.
    pub fn build(self) -> XmlFragment {
        XmlFragment(self.xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_check() {
        assert_eq!(check_base64(b"QUJD").unwrap(), 3);
        assert_eq!(check_base64(b"QUI=").unwrap(), 2);
        assert_eq!(check_base64(b"QQ==\n").unwrap(), 1);
        assert_eq!(check_base64(b" QU\nJD ").unwrap(), 3);
        assert!(check_base64(b"QUJ").is_err());
        assert!(check_base64(b"QU=D").is_err());
        assert!(check_base64(b"QU<D").is_err());
        assert!(check_base64(b"QR==").is_err());
    }

    #[test]
    fn decode_large_chunks() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut text = String::new();
        for c in data.chunks(57) {
            text.push_str(&base64::engine::general_purpose::STANDARD.encode(c));
            text.push('\n');
        }
        let body = NonXmlBody::from_base64("application/pdf".into(), Bytes::from(text), |_| {
            Location::default()
        })
        .unwrap();
        assert_eq!(body.decoded_len(), data.len());
        assert_eq!(body.decode().as_ref(), data.as_slice());
        let mut out = Vec::new();
        body.write_decoded(&mut out).unwrap();
        assert_eq!(out, data);
    }
}
