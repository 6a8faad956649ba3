//! Reading received messages (over `mail-parser`) into an owned
//! [`ParsedMessage`]: addresses, threading ids, the `X-MSS-*` headers, bodies,
//! attachments, and the machine-readable part of reports (MDN RFC 8098, DSN
//! RFC 3464).

use mail_parser::{MessageParser, MimeHeaders, PartType};
use time::OffsetDateTime;

use crate::address::MailAddress;
use crate::error::MessageError;
use crate::message::mdn::{
    DeliveryStatus, DispositionReport, parse_delivery_status, parse_disposition,
};

/// A sender or recipient as written in the message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Party {
    /// Display name.
    pub name: Option<String>,
    /// Address, when valid.
    pub address: Option<MailAddress>,
    /// The address text as written (kept when invalid).
    pub raw: String,
}

/// The MSSanté headers of a received message.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MssHeaders {
    /// `X-MSS-CODECDA`: the CDA type codes announced.
    pub code_cda: Vec<String>,
    /// `X-MSS-INS`: `Some(true)` for `O` (qualified INS in the archive).
    pub ins_qualified: Option<bool>,
    /// `X-MSS-NIL`: product reference of the sending software.
    pub nil: Option<String>,
    /// `X-MSS-MES: FIN`: the patient closed / the professional closed the exchange.
    pub exchange_closed: bool,
}

/// An attachment of a received message.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// File name, if any.
    pub filename: Option<String>,
    /// `type/subtype`, lower case.
    pub content_type: String,
    /// Decoded bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for ParsedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// The machine-readable report a message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// A read / processing notification (MDN, RFC 8098).
    Disposition(DispositionReport),
    /// A delivery status notification (DSN, RFC 3464): a bounce or a receipt.
    Delivery(DeliveryStatus),
}

/// A received message, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// `Message-ID` with angle brackets.
    pub message_id: Option<String>,
    /// `From`.
    pub from: Option<Party>,
    /// `To`.
    pub to: Vec<Party>,
    /// `Cc`.
    pub cc: Vec<Party>,
    /// `Reply-To`.
    pub reply_to: Option<Party>,
    /// `Subject`, decoded.
    pub subject: Option<String>,
    /// `Date`.
    pub date: Option<OffsetDateTime>,
    /// `In-Reply-To` ids with angle brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids with angle brackets.
    pub references: Vec<String>,
    /// `Disposition-Notification-To`: where to send the MDN, when asked.
    pub disposition_notification_to: Option<MailAddress>,
    /// MSSanté headers.
    pub mss: MssHeaders,
    /// First `text/plain` body.
    pub text: Option<String>,
    /// First `text/html` body.
    pub html: Option<String>,
    /// Attachments (everything that is not a body nor a report part).
    pub attachments: Vec<ParsedAttachment>,
    /// MDN / DSN content, for reports.
    pub report: Option<Report>,
    /// `Message-ID` of the message a report is about (from the returned headers).
    pub original_message_id: Option<String>,
}

fn bracket(id: &str) -> String {
    let t = id.trim();
    if t.starts_with('<') {
        t.to_owned()
    } else {
        format!("<{t}>")
    }
}

fn parties(a: Option<&mail_parser::Address<'_>>) -> Vec<Party> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .map(|addr| {
            let raw = addr.address().unwrap_or("").to_owned();
            Party {
                name: addr.name().map(str::to_owned),
                address: MailAddress::parse(&raw).ok(),
                raw,
            }
        })
        .collect()
}

fn id_list(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![bracket(t)],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| bracket(t)).collect(),
        _ => Vec::new(),
    }
}

fn header_text(m: &mail_parser::Message<'_>, name: &str) -> Option<String> {
    m.header_raw(name).map(|v| {
        // Unfold.
        v.split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn to_offset(dt: &mail_parser::DateTime) -> Option<OffsetDateTime> {
    let ts = dt.to_timestamp();
    OffsetDateTime::from_unix_timestamp(ts).ok()
}

fn message_id_in_headers(text: &str) -> Option<String> {
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("message-id") {
                let mut v = value.trim().to_owned();
                while let Some(next) = lines.peek() {
                    if next.starts_with([' ', '\t']) {
                        v.push_str(next.trim());
                        lines.next();
                    } else {
                        break;
                    }
                }
                return Some(bracket(&v));
            }
        }
    }
    None
}

/// Parses a raw RFC 5322 message.
pub fn parse_message(raw: &[u8]) -> Result<ParsedMessage, MessageError> {
    let m = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| MessageError::Unreadable("not an RFC 5322 message".into()))?;
    if m.headers().is_empty() {
        return Err(MessageError::Unreadable("no header".into()));
    }
    let mss = MssHeaders {
        code_cda: header_text(&m, "X-MSS-CODECDA")
            .map(|v| {
                v.split(',')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        ins_qualified: header_text(&m, "X-MSS-INS").and_then(|v| {
            match v.trim().to_ascii_uppercase().as_str() {
                "O" => Some(true),
                "N" => Some(false),
                _ => None,
            }
        }),
        nil: header_text(&m, "X-MSS-NIL").map(|v| v.trim().to_owned()),
        exchange_closed: header_text(&m, "X-MSS-MES")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("FIN")),
    };
    let dnt = header_text(&m, "Disposition-Notification-To").and_then(|v| {
        let inner = match (v.find('<'), v.rfind('>')) {
            (Some(a), Some(b)) if a < b => v[a + 1..b].to_owned(),
            _ => v.clone(),
        };
        MailAddress::parse(&inner).ok()
    });

    let mut out = ParsedMessage {
        message_id: m.message_id().map(bracket),
        from: parties(m.from()).into_iter().next(),
        to: parties(m.to()),
        cc: parties(m.cc()),
        reply_to: parties(m.reply_to()).into_iter().next(),
        subject: m.subject().map(str::to_owned),
        date: m.date().and_then(to_offset),
        in_reply_to: id_list(m.in_reply_to()),
        references: id_list(m.references()),
        disposition_notification_to: dnt,
        mss,
        text: None,
        html: None,
        attachments: Vec::new(),
        report: None,
        original_message_id: None,
    };

    for (i, part) in m.parts.iter().enumerate() {
        let (ctype, subtype) = match part.content_type() {
            Some(ct) => (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default(),
            ),
            None => ("text".to_owned(), "plain".to_owned()),
        };
        let filename = part.attachment_name().map(str::to_owned);
        let is_attachment_disp = part
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        match (&part.body, ctype.as_str(), subtype.as_str()) {
            (PartType::Multipart(_), _, _) => {}
            (_, "message", "disposition-notification") => {
                let text = String::from_utf8_lossy(part.contents()).into_owned();
                out.report = Some(Report::Disposition(parse_disposition(&text)));
                if let Some(Report::Disposition(d)) = &out.report {
                    if out.original_message_id.is_none() {
                        out.original_message_id = d.original_message_id.clone();
                    }
                }
            }
            (_, "message", "delivery-status") | (_, "message", "global-delivery-status") => {
                let text = String::from_utf8_lossy(part.contents()).into_owned();
                out.report = Some(Report::Delivery(parse_delivery_status(&text)));
            }
            (_, "text", "rfc822-headers") => {
                let text = String::from_utf8_lossy(part.contents()).into_owned();
                if out.original_message_id.is_none() {
                    out.original_message_id = message_id_in_headers(&text);
                }
            }
            (PartType::Message(inner), _, _) => {
                if out.original_message_id.is_none() {
                    out.original_message_id = inner.message_id().map(bracket);
                }
                if filename.is_some() {
                    out.attachments.push(ParsedAttachment {
                        filename,
                        content_type: format!("{ctype}/{subtype}"),
                        data: inner.raw_message().to_vec(),
                    });
                }
            }
            (PartType::Text(t), "text", "plain")
                if i > 0 && filename.is_none() && !is_attachment_disp =>
            {
                if out.text.is_none() {
                    out.text = Some(t.to_string());
                }
            }
            (PartType::Html(t), _, _) if filename.is_none() && !is_attachment_disp => {
                if out.html.is_none() {
                    out.html = Some(t.to_string());
                }
            }
            (PartType::Text(t), "text", "plain")
                if i == 0 && filename.is_none() && !is_attachment_disp =>
            {
                out.text = Some(t.to_string());
            }
            (body, _, _) => {
                let data = match body {
                    PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
                    PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
                    _ => part.contents().to_vec(),
                };
                out.attachments.push(ParsedAttachment {
                    filename,
                    content_type: format!("{ctype}/{subtype}"),
                    data,
                });
            }
        }
    }
    if out.original_message_id.is_none() {
        if let Some(Report::Delivery(_)) = &out.report {
            // Some servers return the headers as a text part without type.
            for a in &out.attachments {
                if let Some(id) = message_id_in_headers(&String::from_utf8_lossy(&a.data)) {
                    out.original_message_id = Some(id);
                    break;
                }
            }
        }
    }
    Ok(out)
}
