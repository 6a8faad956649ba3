//! A small RFC 5322 / MIME writer (sans-IO): UTF-8 headers as RFC 2047
//! encoded words, RFC 2231 file names, quoted-printable text, base64
//! attachments, `multipart/mixed` / `multipart/alternative` /
//! `multipart/report`. Everything produced is 7-bit, so any relay accepts it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::address::MailAddress;
use crate::error::MessageError;

/// A header name/value pair with the value as Unicode text (encoded on output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Name (`Subject`, `X-MSS-INS`…).
    pub name: String,
    /// Value, unencoded.
    pub value: String,
    /// Whether the value is structured (addresses, ids): written as is, never
    /// RFC 2047-encoded.
    pub structured: bool,
}

fn check_header(name: &str, value: &str) -> Result<(), MessageError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| (b'!'..=b'~').contains(&b) && b != b':')
    {
        return Err(MessageError::InvalidHeader {
            name: name.to_owned(),
            reason: "header names are printable ASCII without ':'",
        });
    }
    if value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(MessageError::InvalidHeader {
            name: name.to_owned(),
            reason: "CR, LF and NUL are not allowed in header values",
        });
    }
    Ok(())
}

/// RFC 2047 `B` encoding of `text` as UTF-8 encoded words (≤ 75 characters
/// each), separated by `CRLF SP` folding. ASCII text without specials is
/// returned as is.
pub fn encode_words(text: &str) -> String {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) && !text.contains("=?") {
        return text.to_owned();
    }
    // 45 bytes of UTF-8 → 60 base64 characters + 12 of framing = 72.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for ch in text.chars() {
        if chunk.len() + ch.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", B64.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(ch);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", B64.encode(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// A display name for an address header: quoted ASCII or encoded words.
fn display_name(name: &str) -> String {
    if name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    } else {
        encode_words(name)
    }
}

/// `"Name" <addr>` or `<addr>`.
pub fn format_mailbox(name: Option<&str>, address: &MailAddress) -> String {
    match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => format!("{} <{address}>", display_name(n.trim())),
        None => format!("<{address}>"),
    }
}

/// Folds a structured header line at spaces so lines stay under 78
/// characters where possible.
fn fold(line: &str) -> String {
    if line.len() <= 78 {
        return line.to_owned();
    }
    let mut out = String::new();
    let mut current = 0usize;
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            if current + 1 + word.len() > 78 && current > 0 {
                out.push_str("\r\n ");
                current = 1;
            } else {
                out.push(' ');
                current += 1;
            }
        }
        out.push_str(word);
        current += word.len();
    }
    out
}

/// Writes headers (CRLF-terminated lines).
pub fn write_headers(out: &mut Vec<u8>, headers: &[Header]) -> Result<(), MessageError> {
    for h in headers {
        check_header(&h.name, &h.value)?;
        let value = if h.structured {
            h.value.clone()
        } else {
            encode_words(&h.value)
        };
        let line = if h.structured || !value.contains("=?") {
            fold(&format!("{}: {}", h.name, value))
        } else {
            format!("{}: {}", h.name, value)
        };
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    Ok(())
}

/// Quoted-printable encoding (RFC 2045 §6.7) with CRLF line breaks kept and
/// soft breaks at 76 characters.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for (li, line) in normalised.split('\n').enumerate() {
        if li > 0 {
            out.push_str("\r\n");
        }
        let bytes = line.as_bytes();
        let mut col = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let must_encode = ((b == b' ' || b == b'\t') && last)
                || b == b'='
                || b > 126
                || (b < 32 && b != b'\t');
            let enc = if must_encode {
                format!("={b:02X}")
            } else {
                (b as char).to_string()
            };
            if col + enc.len() > 75 {
                out.push_str("=\r\n");
                col = 0;
            }
            out.push_str(&enc);
            col += enc.len();
        }
    }
    out
}

/// Base64 wrapped at 76 characters with CRLF.
pub fn base64_lines(data: &[u8]) -> String {
    let b = B64.encode(data);
    let mut out = String::with_capacity(b.len() + b.len() / 38);
    for (i, chunk) in b.as_bytes().chunks(76).enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        // base64 output is ASCII.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

/// A `filename` parameter: plain quoted ASCII, plus the RFC 2231 `filename*`
/// form for non-ASCII names.
fn filename_params(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        format!("filename=\"{name}\"")
    } else {
        let mut pct = String::new();
        for b in name.as_bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(b) {
                pct.push(*b as char);
            } else {
                pct.push_str(&format!("%{b:02X}"));
            }
        }
        format!("filename=\"{ascii}\";\r\n filename*=UTF-8''{pct}")
    }
}

/// A MIME body part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// `text/plain; charset=UTF-8`, quoted-printable.
    Text(String),
    /// `text/html; charset=UTF-8`, quoted-printable.
    Html(String),
    /// A base64 attachment.
    Attachment {
        /// File name.
        filename: String,
        /// Content type (`application/zip`, `application/pdf`…).
        content_type: String,
        /// Bytes.
        data: Vec<u8>,
    },
    /// A 7-bit part written as is (e.g. `message/disposition-notification`).
    Raw {
        /// Content type with its parameters.
        content_type: String,
        /// Body text (CRLF lines, ASCII).
        body: String,
    },
    /// A multipart container.
    Multipart {
        /// Subtype and parameters after `multipart/` (`mixed`, `alternative`,
        /// `report; report-type=disposition-notification`).
        subtype: String,
        /// Children.
        parts: Vec<Part>,
    },
}

impl Part {
    /// Writes the part (its MIME headers and body).
    pub fn write(&self, out: &mut Vec<u8>, boundary_seed: &str, depth: usize) {
        match self {
            Self::Text(t) => {
                out.extend_from_slice(b"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
                out.extend_from_slice(quoted_printable(t).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Self::Html(t) => {
                out.extend_from_slice(b"Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
                out.extend_from_slice(quoted_printable(t).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Self::Attachment {
                filename,
                content_type,
                data,
            } => {
                let params = filename_params(filename);
                let name_param = params
                    .replacen("filename", "name", 1)
                    .replace("filename*", "name*");
                out.extend_from_slice(
                    format!(
                        "Content-Type: {content_type};\r\n {name_param}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n {params}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(base64_lines(data).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Self::Raw { content_type, body } => {
                out.extend_from_slice(
                    format!(
                        "Content-Type: {content_type}\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(body.as_bytes());
                if !body.ends_with("\r\n") {
                    out.extend_from_slice(b"\r\n");
                }
            }
            Self::Multipart { subtype, parts } => {
                let boundary = format!("=_segur_{depth}_{boundary_seed}");
                out.extend_from_slice(
                    format!(
                        "Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\"\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(b"This is a multi-part message in MIME format.\r\n");
                for p in parts {
                    out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
                    p.write(out, boundary_seed, depth + 1);
                }
                out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

/// RFC 5322 date.
pub fn rfc5322_date(at: OffsetDateTime) -> String {
    at.format(&Rfc2822)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 +0000".to_owned())
}

/// A new `Message-ID` (`<uuid@domain>`).
pub fn new_message_id(domain: &str) -> String {
    format!("<{}@{domain}>", uuid::Uuid::new_v4())
}

/// Writes a whole message: `headers` then the MIME body `root` (with
/// `MIME-Version`).
pub fn write_message(headers: &[Header], root: &Part) -> Result<Vec<u8>, MessageError> {
    let mut out = Vec::new();
    write_headers(&mut out, headers)?;
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    let seed = uuid::Uuid::new_v4().simple().to_string();
    root.write(&mut out, &seed, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words() {
        assert_eq!(encode_words("plain ascii"), "plain ascii");
        let e = encode_words("XDM/1.0/DDM+Compte rendu d'échographie");
        assert!(e.starts_with("=?UTF-8?B?"));
        let long = "é".repeat(60);
        let e = encode_words(&long);
        for w in e.split("\r\n ") {
            assert!(w.len() <= 75, "{w}");
        }
    }

    #[test]
    fn header_injection_is_refused() {
        let mut out = Vec::new();
        let h = Header {
            name: "Subject".into(),
            value: "x\r\nBcc: evil@x.fr".into(),
            structured: false,
        };
        assert!(write_headers(&mut out, &[h]).is_err());
        let h = Header {
            name: "Bad Name".into(),
            value: "x".into(),
            structured: true,
        };
        assert!(write_headers(&mut out, &[h]).is_err());
    }

    #[test]
    fn qp_and_base64() {
        assert_eq!(quoted_printable("a=b é\nfin "), "a=3Db =C3=A9\r\nfin=20");
        let long = "x".repeat(100);
        let qp = quoted_printable(&long);
        assert!(qp.lines().all(|l| l.len() <= 76));
        let b = base64_lines(&[0u8; 200]);
        assert!(b.split("\r\n").all(|l| l.len() <= 76));
    }

    #[test]
    fn filenames() {
        assert_eq!(filename_params("IHE_XDM.zip"), "filename=\"IHE_XDM.zip\"");
        assert!(filename_params("écho.pdf").contains("filename*=UTF-8''%C3%A9cho.pdf"));
    }

    #[test]
    fn display_names() {
        let a = MailAddress::parse("a@b.fr").unwrap();
        assert_eq!(
            format_mailbox(Some("Dr \"X\""), &a),
            "\"Dr \\\"X\\\"\" <a@b.fr>"
        );
        assert!(format_mailbox(Some("Dr Hélène"), &a).starts_with("=?UTF-8?B?"));
        assert_eq!(format_mailbox(None, &a), "<a@b.fr>");
    }
}
