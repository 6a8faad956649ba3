//! MTOM/XOP: SOAP messages whose binary content travels as MIME parts of a
//! `multipart/related` body, referenced from the XML by
//! `<xop:Include href="cid:…"/>` (reference §1). One encoder, one decoder,
//! used by the client and the simulator alike; both are pure functions.
//!
//! ```
//! use segur_dmp::mtom::{self, Part};
//! let root = br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"/>"#;
//! let parts = vec![Part::new("doc1@segur-rs", "text/xml", b"<ClinicalDocument/>".to_vec())];
//! let msg = mtom::encode(root, &parts, Some("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"));
//! let back = mtom::decode(&msg.content_type, &msg.body).unwrap();
//! assert_eq!(back.root, root);
//! assert_eq!(back.part("cid:doc1@segur-rs").unwrap().body, b"<ClinicalDocument/>");
//! ```

use base64::Engine as _;

use crate::error::MimeError;

/// `http://www.w3.org/2004/08/xop/include`
pub const XOP_NS: &str = "http://www.w3.org/2004/08/xop/include";

/// Content-ID of the root (SOAP) part written by [`encode`].
const ROOT_ID: &str = "root.message@segur-rs";

/// One binary part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Content-ID without angle brackets (`doc1@segur-rs`).
    pub content_id: String,
    /// MIME type of the content.
    pub content_type: String,
    /// The bytes.
    pub body: Vec<u8>,
}

impl Part {
    /// A part.
    pub fn new(
        content_id: impl Into<String>,
        content_type: impl Into<String>,
        body: Vec<u8>,
    ) -> Self {
        Self {
            content_id: content_id.into(),
            content_type: content_type.into(),
            body,
        }
    }

    /// The `cid:` URL referencing this part from `xop:Include/@href`.
    pub fn cid_url(&self) -> String {
        format!("cid:{}", percent_encode(&self.content_id))
    }
}

/// An HTTP body with its `Content-Type` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedMessage {
    /// The `Content-Type` header value.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// A decoded message: the SOAP XML and the binary parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecodedMessage {
    /// The root part (the SOAP envelope), bytes.
    pub root: Vec<u8>,
    /// The other parts.
    pub parts: Vec<Part>,
}

impl DecodedMessage {
    /// The part an `xop:Include/@href` (`cid:…`) or a bare Content-ID names.
    pub fn part(&self, href: &str) -> Option<&Part> {
        let id = percent_decode(href.strip_prefix("cid:").unwrap_or(href));
        self.parts.iter().find(|p| p.content_id == id)
    }
}

/// RFC 2392: a cid URL is the Content-ID with URL-unsafe characters escaped.
fn percent_encode(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"@.-_~!$'()*+,;=:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn new_boundary(parts: &[&[u8]]) -> String {
    loop {
        let b = format!("MIMEBoundary_{}", uuid::Uuid::new_v4().simple());
        // A boundary must not occur in any part (practically impossible
        // with a random UUID, but checked rather than assumed).
        if !parts.iter().any(|p| contains(p, b.as_bytes())) {
            return b;
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle, 0).is_some()
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    memchr::memmem::find(&hay[from..], needle).map(|p| p + from)
}

/// Encodes a SOAP 1.2 envelope and its parts as an MTOM message.
/// `action` goes into the `Content-Type` (SOAP 1.2 action parameter).
pub fn encode(root_xml: &[u8], parts: &[Part], action: Option<&str>) -> EncodedMessage {
    let mut all: Vec<&[u8]> = vec![root_xml];
    all.extend(parts.iter().map(|p| p.body.as_slice()));
    let boundary = new_boundary(&all);
    let mut body = Vec::with_capacity(all.iter().map(|p| p.len() + 200).sum());
    let header = |body: &mut Vec<u8>, ctype: &str, id: &str| {
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"\r\nContent-Type: ");
        body.extend_from_slice(ctype.as_bytes());
        body.extend_from_slice(b"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <");
        body.extend_from_slice(id.as_bytes());
        body.extend_from_slice(b">\r\n\r\n");
    };
    header(
        &mut body,
        "application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"",
        ROOT_ID,
    );
    body.extend_from_slice(root_xml);
    body.extend_from_slice(b"\r\n");
    for p in parts {
        header(&mut body, &p.content_type, &p.content_id);
        body.extend_from_slice(&p.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"--\r\n");
    let mut content_type = format!(
        "multipart/related; boundary=\"{boundary}\"; type=\"application/xop+xml\"; start=\"<{ROOT_ID}>\"; start-info=\"application/soap+xml\""
    );
    if let Some(a) = action {
        content_type.push_str(&format!("; action=\"{a}\""));
    }
    EncodedMessage { content_type, body }
}

/// A parsed `Content-Type`: lower-cased media type and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentType {
    pub media_type: String,
    pub params: Vec<(String, String)>,
}

impl ContentType {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `type/subtype; name=value; name="quoted \" value"`.
pub(crate) fn parse_content_type(s: &str) -> Result<ContentType, MimeError> {
    let bad = || MimeError::ContentType(s.chars().take(200).collect());
    let (media, mut rest) = match s.find(';') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let media_type = media.trim().to_ascii_lowercase();
    if !media_type.contains('/') {
        return Err(bad());
    }
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let eq = rest.find('=').ok_or_else(bad)?;
        let name = rest[..eq].trim().to_owned();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => v.push(c),
                }
            }
            let end = end.ok_or_else(bad)?;
            value = v;
            rest = &q[end + 1..];
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        params.push((name, value));
    }
    Ok(ContentType { media_type, params })
}

fn strip_angles(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(s)
}

/// Decodes an HTTP body: a `multipart/related` MTOM message, or a plain
/// `application/soap+xml` / `text/xml` envelope (no parts).
pub fn decode(content_type: &str, body: &[u8]) -> Result<DecodedMessage, MimeError> {
    let ct = parse_content_type(content_type)?;
    if ct.media_type != "multipart/related" {
        return Ok(DecodedMessage {
            root: body.to_vec(),
            parts: Vec::new(),
        });
    }
    let boundary = ct
        .param("boundary")
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or_else(|| MimeError::ContentType("multipart without boundary".into()))?;
    let start = ct.param("start").map(strip_angles);
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    // The first delimiter: at the very start or after a CRLF (preamble).
    let mut pos = if body.starts_with(delim) {
        delim.len()
    } else {
        let mut crlf_delim = b"\r\n".to_vec();
        crlf_delim.extend_from_slice(delim);
        find(body, &crlf_delim, 0)
            .map(|p| p + crlf_delim.len())
            .ok_or_else(|| MimeError::Framing("no opening boundary".into()))?
    };
    let mut next_delim = b"\r\n".to_vec();
    next_delim.extend_from_slice(delim);
    let mut parts: Vec<(Headers, Vec<u8>)> = Vec::new();
    loop {
        // After a delimiter: `--` closes, else transport padding then CRLF.
        if body[pos..].starts_with(b"--") {
            break;
        }
        let line_end = find(body, b"\r\n", pos)
            .ok_or_else(|| MimeError::Framing("boundary line not terminated".into()))?;
        if !body[pos..line_end]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
        {
            return Err(MimeError::Framing("garbage after boundary".into()));
        }
        let part_start = line_end + 2;
        let end = find(body, &next_delim, part_start)
            .ok_or_else(|| MimeError::Framing("part not terminated by a boundary".into()))?;
        let (headers, content) = split_part(&body[part_start..end])?;
        parts.push((headers, content));
        pos = end + next_delim.len();
        if parts.len() > 1000 {
            return Err(MimeError::Framing("too many parts".into()));
        }
    }
    if parts.is_empty() {
        return Err(MimeError::Framing("no part".into()));
    }
    let mut decoded = Vec::with_capacity(parts.len());
    for (headers, content) in parts {
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let encoding = get("content-transfer-encoding")
            .unwrap_or_else(|| "binary".into())
            .to_ascii_lowercase();
        let content = match encoding.as_str() {
            "binary" | "8bit" | "7bit" => content,
            "base64" => {
                let clean: Vec<u8> = content
                    .into_iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .map_err(|e| MimeError::Framing(format!("bad base64 part: {e}")))?
            }
            other => {
                return Err(MimeError::Framing(format!(
                    "unsupported Content-Transfer-Encoding {other}"
                )));
            }
        };
        decoded.push(Part {
            content_id: get("content-id")
                .map(|v| strip_angles(&v).to_owned())
                .unwrap_or_default(),
            content_type: get("content-type").unwrap_or_default(),
            body: content,
        });
    }
    let root_index = match start {
        Some(id) => decoded
            .iter()
            .position(|p| p.content_id == id)
            .ok_or_else(|| MimeError::MissingPart(id.to_owned()))?,
        None => 0,
    };
    let root = decoded.remove(root_index).body;
    Ok(DecodedMessage {
        root,
        parts: decoded,
    })
}

type Headers = Vec<(String, String)>;

fn split_part(raw: &[u8]) -> Result<(Headers, Vec<u8>), MimeError> {
    // Headers end at the first empty line; a part may have no header at all.
    let (head, content) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let i = find(raw, b"\r\n\r\n", 0)
            .ok_or_else(|| MimeError::Framing("part headers not terminated".into()))?;
        (&raw[..i], &raw[i + 4..])
    };
    let head =
        std::str::from_utf8(head).map_err(|_| MimeError::Framing("non-UTF-8 headers".into()))?;
    let mut headers: Headers = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            // Folded continuation.
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            return Err(MimeError::Framing("continuation without header".into()));
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| MimeError::Framing(format!("bad header line {line:?}")))?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Ok((headers, content.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parameters() {
        let ct = parse_content_type(
            "Multipart/Related; boundary=\"uuid:a;b\"; type=\"application/xop+xml\"; start=\"<0.1>\";start-info=\"application/soap+xml\"; action=x",
        )
        .expect("ct");
        assert_eq!(ct.media_type, "multipart/related");
        assert_eq!(ct.param("BOUNDARY"), Some("uuid:a;b"));
        assert_eq!(ct.param("start").map(strip_angles), Some("0.1"));
        assert_eq!(ct.param("action"), Some("x"));
        assert!(parse_content_type("nonsense").is_err());
        assert!(parse_content_type("a/b; x=\"unterminated").is_err());
    }

    #[test]
    fn decodes_foreign_framing() {
        // Preamble, base64 part, folded header, root not first, LWSP after boundary.
        let body = b"preamble\r\n--b1  \r\nContent-Type: text/plain\r\nContent-ID:\r\n <att@x>\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n--b1\r\nContent-ID: <root@x>\r\n\r\n<r/>\r\n--b1--\r\nepilogue";
        let m = decode("multipart/related; boundary=b1; start=\"<root@x>\"", body).expect("decode");
        assert_eq!(m.root, b"<r/>");
        assert_eq!(m.part("cid:att@x").expect("att").body, b"hello");
    }

    #[test]
    fn plain_soap_is_passed_through_and_errors_are_typed() {
        let m = decode("application/soap+xml; charset=utf-8", b"<e/>").expect("plain");
        assert_eq!(m.root, b"<e/>");
        assert!(m.parts.is_empty());
        assert!(matches!(
            decode("multipart/related", b"x"),
            Err(MimeError::ContentType(_))
        ));
        assert!(matches!(
            decode(
                "multipart/related; boundary=b",
                b"--b\r\nContent-ID: <a>\r\n\r\nno end"
            ),
            Err(MimeError::Framing(_))
        ));
        assert!(matches!(
            decode(
                "multipart/related; boundary=b; start=\"<zz>\"",
                b"--b\r\nContent-ID: <a>\r\n\r\nx\r\n--b--"
            ),
            Err(MimeError::MissingPart(_))
        ));
    }

    #[test]
    fn cid_urls_are_percent_encoded() {
        let p = Part::new("a b/c@x", "text/plain", vec![]);
        assert_eq!(p.cid_url(), "cid:a%20b%2Fc@x");
        let m = DecodedMessage {
            root: vec![],
            parts: vec![p],
        };
        assert!(m.part("cid:a%20b%2Fc@x").is_some());
    }
}
