//! Notifications: building and reading message disposition notifications
//! (MDN, RFC 8098: read / processed receipts, with the error form of the ANS
//! HL7v2 volet), and reading delivery status notifications (DSN, RFC 3464:
//! bounces and delivery receipts).

use time::OffsetDateTime;

use crate::address::MailAddress;
use crate::error::{BounceReason, DeliveryError, MessageError};
use crate::message::mime::{Header, Part, format_mailbox, rfc5322_date, write_message};
use crate::message::parse::ParsedMessage;
use crate::message::{MessageTrace, OutgoingMessage};

/// What happened to the message (RFC 8098 §3.2.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum DispositionType {
    /// Shown to the user.
    Displayed,
    /// Processed without being shown (e.g. integrated in the patient file).
    Processed,
    /// Deleted without being shown.
    Deleted,
    /// Sent somewhere else.
    Dispatched,
}

impl DispositionType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Displayed => "displayed",
            Self::Processed => "processed",
            Self::Deleted => "deleted",
            Self::Dispatched => "dispatched",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "displayed" => Some(Self::Displayed),
            "processed" => Some(Self::Processed),
            "deleted" => Some(Self::Deleted),
            "dispatched" => Some(Self::Dispatched),
            _ => None,
        }
    }
}

/// A disposition to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    /// What happened.
    pub kind: DispositionType,
    /// Action mode: `true` when the software did it (`automatic-action`,
    /// e.g. integration), `false` when the user did (`manual-action`, e.g.
    /// displaying the message).
    pub automatic: bool,
    /// Sending mode: `true` when the MDN goes without asking the user
    /// (`MDN-sent-automatically`, under the host's policy), `false` when
    /// the user confirmed it (`MDN-sent-manually`).
    pub sent_automatically: bool,
    /// Integration error: code and label (`processed/Error: 902^Patient inconnu`,
    /// ANS HL7v2 volet).
    pub error: Option<(String, String)>,
}

impl Disposition {
    /// The user displayed the message.
    pub fn displayed() -> Self {
        Self {
            kind: DispositionType::Displayed,
            automatic: false,
            sent_automatically: false,
            error: None,
        }
    }

    /// The user displayed the message and the software sent the receipt
    /// without asking (`manual-action/MDN-sent-automatically; displayed`).
    pub fn displayed_sent_automatically() -> Self {
        Self {
            sent_automatically: true,
            ..Self::displayed()
        }
    }

    /// The software integrated the message.
    pub fn processed() -> Self {
        Self {
            kind: DispositionType::Processed,
            automatic: true,
            sent_automatically: true,
            error: None,
        }
    }

    /// The software could not integrate the message.
    pub fn integration_error(code: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            kind: DispositionType::Processed,
            automatic: true,
            sent_automatically: true,
            error: Some((code.into(), label.into())),
        }
    }

    fn field(&self) -> String {
        let mode = format!(
            "{}/{}",
            if self.automatic {
                "automatic-action"
            } else {
                "manual-action"
            },
            if self.sent_automatically {
                "MDN-sent-automatically"
            } else {
                "MDN-sent-manually"
            }
        );
        match &self.error {
            Some((code, label)) => format!("{mode}; {}/Error: {code}^{label}", self.kind.as_str()),
            None => format!("{mode}; {}", self.kind.as_str()),
        }
    }
}

/// The machine-readable part of a received MDN.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DispositionReport {
    /// `Reporting-UA`.
    pub reporting_ua: Option<String>,
    /// `Original-Recipient` address.
    pub original_recipient: Option<String>,
    /// `Final-Recipient` address.
    pub final_recipient: Option<String>,
    /// `Original-Message-ID`.
    pub original_message_id: Option<String>,
    /// Disposition type, when readable.
    pub disposition: Option<DispositionType>,
    /// Whether it was sent automatically.
    pub automatic: bool,
    /// The error modifier text (`902^Patient inconnu`), if any.
    pub error: Option<String>,
    /// The raw `Disposition` field.
    pub raw_disposition: Option<String>,
}

/// The status of one recipient in a DSN.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecipientStatus {
    /// `Final-Recipient` address.
    pub final_recipient: String,
    /// `Original-Recipient` address.
    pub original_recipient: Option<String>,
    /// `Action`: `failed`, `delayed`, `delivered`, `relayed`, `expanded`.
    pub action: String,
    /// `Status` (enhanced code).
    pub status: String,
    /// `Diagnostic-Code`.
    pub diagnostic: Option<String>,
    /// `Remote-MTA`.
    pub remote_mta: Option<String>,
}

impl RecipientStatus {
    /// Whether the message was not delivered to this recipient.
    pub fn is_failure(&self) -> bool {
        self.action.eq_ignore_ascii_case("failed")
    }

    /// Whether the message was delivered (delivery receipt).
    pub fn is_delivered(&self) -> bool {
        self.action.eq_ignore_ascii_case("delivered") || self.action.eq_ignore_ascii_case("relayed")
    }

    /// The classified bounce reason.
    pub fn reason(&self) -> BounceReason {
        BounceReason::from_status(&self.status)
    }

    /// The failure as a typed error (`None` when delivered / delayed).
    pub fn to_error(&self) -> Option<DeliveryError> {
        self.is_failure().then(|| DeliveryError::Bounced {
            recipient: self.final_recipient.clone(),
            status: self.status.clone(),
            reason: self.reason(),
            diagnostic: self.diagnostic.clone(),
        })
    }
}

/// The machine-readable part of a received DSN.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryStatus {
    /// `Reporting-MTA`.
    pub reporting_mta: Option<String>,
    /// `Original-Envelope-Id` (the `ENVID` given at submission).
    pub envelope_id: Option<String>,
    /// One entry per recipient.
    pub recipients: Vec<RecipientStatus>,
}

/// Splits report fields into groups (blank-line separated) of unfolded
/// `(name, value)` pairs.
fn field_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = current.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((n, v)) = line.split_once(':') {
            current.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// `rfc822; addr` → `addr`.
fn address_field(v: &str) -> String {
    match v.split_once(';') {
        Some((_, a)) => a.trim().to_owned(),
        None => v.trim().to_owned(),
    }
}

/// Reads a `message/disposition-notification` body.
pub fn parse_disposition(text: &str) -> DispositionReport {
    let mut r = DispositionReport::default();
    for (name, value) in field_groups(text).into_iter().flatten() {
        match name.as_str() {
            "reporting-ua" => r.reporting_ua = Some(value),
            "original-recipient" => r.original_recipient = Some(address_field(&value)),
            "final-recipient" => r.final_recipient = Some(address_field(&value)),
            "original-message-id" => r.original_message_id = Some(value),
            "disposition" => {
                let (mode, rest) = value.split_once(';').unwrap_or(("", value.as_str()));
                r.automatic = mode
                    .trim()
                    .to_ascii_lowercase()
                    .starts_with("automatic-action");
                let rest = rest.trim();
                let (kind, modifier) = rest.split_once('/').unwrap_or((rest, ""));
                r.disposition = DispositionType::parse(kind);
                let modifier = modifier.trim();
                if modifier.len() >= 5 && modifier[..5].eq_ignore_ascii_case("error") {
                    let detail = modifier[5..].trim_start_matches(':').trim();
                    r.error = Some(if detail.is_empty() {
                        "error".to_owned()
                    } else {
                        detail.to_owned()
                    });
                }
                r.raw_disposition = Some(value);
            }
            _ => {}
        }
    }
    r
}

/// Reads a `message/delivery-status` body.
pub fn parse_delivery_status(text: &str) -> DeliveryStatus {
    let mut groups = field_groups(text).into_iter();
    let mut ds = DeliveryStatus::default();
    if let Some(per_message) = groups.next() {
        for (n, v) in per_message {
            match n.as_str() {
                "reporting-mta" => ds.reporting_mta = Some(address_field(&v)),
                "original-envelope-id" => ds.envelope_id = Some(v),
                _ => {}
            }
        }
    }
    for g in groups {
        let mut r = RecipientStatus::default();
        for (n, v) in g {
            match n.as_str() {
                "final-recipient" => r.final_recipient = address_field(&v),
                "original-recipient" => r.original_recipient = Some(address_field(&v)),
                "action" => r.action = v.to_ascii_lowercase(),
                "status" => r.status = v.split_whitespace().next().unwrap_or("").to_owned(),
                "diagnostic-code" => r.diagnostic = Some(address_field(&v)),
                "remote-mta" => r.remote_mta = Some(address_field(&v)),
                _ => {}
            }
        }
        if !r.final_recipient.is_empty() || !r.action.is_empty() {
            ds.recipients.push(r);
        }
    }
    ds
}

/// The `Message-ID` of the MDN answering `original_id` from `from` with
/// this disposition: derived from them, so that the same receipt queued
/// twice (two workstations, a retry after a crash) is one message for the
/// send queue, which is idempotent on `Message-ID`.
pub fn mdn_message_id(original_id: &str, from: &MailAddress, disposition: &Disposition) -> String {
    let seed = format!(
        "{original_id}\n{}\n{}\n{}",
        from.as_str().to_ascii_lowercase(),
        disposition.kind.as_str(),
        disposition
            .error
            .as_ref()
            .map(|e| e.0.as_str())
            .unwrap_or("")
    );
    let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let hex: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<mdn.{hex}@{}>", from.domain())
}

/// Builds the MDN answering `original`, from our mailbox `from`
/// (SC.MSS read receipts). Refused when no notification was requested.
pub fn build_mdn(
    original: &ParsedMessage,
    from: &MailAddress,
    disposition: &Disposition,
    reporting_ua: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMessage, MessageError> {
    let to = original
        .disposition_notification_to
        .clone()
        .ok_or(MessageError::NoNotificationRequested)?;
    let original_id = original
        .message_id
        .clone()
        .ok_or(MessageError::NoMessageId)?;
    let subject = original.subject.clone().unwrap_or_default();
    let subject = match &disposition.error {
        // Subject convention of the ANS HL7v2 volet for integration failures.
        Some((code, _)) => format!("[KO Intégration système !][{code}] {subject}"),
        None => format!(
            "Accusé de {} : {subject}",
            if disposition.kind == DispositionType::Displayed {
                "lecture"
            } else {
                "traitement"
            }
        ),
    };
    let message_id = mdn_message_id(&original_id, from, disposition);
    let human = match &disposition.error {
        Some((code, label)) => {
            format!("Le message {original_id} n'a pas pu être intégré : erreur {code} ({label}).")
        }
        None => format!(
            "Le message {original_id} a été {} par {from}.",
            match disposition.kind {
                DispositionType::Displayed => "affiché",
                DispositionType::Processed => "traité",
                DispositionType::Deleted => "supprimé sans être lu",
                DispositionType::Dispatched => "transféré",
            }
        ),
    };
    let mut fields = format!("Reporting-UA: {reporting_ua}\r\n");
    if let Some(orig) = original
        .to
        .iter()
        .find_map(|p| p.address.as_ref().filter(|a| *a == from))
    {
        fields.push_str(&format!("Original-Recipient: rfc822;{orig}\r\n"));
    }
    fields.push_str(&format!(
        "Final-Recipient: rfc822;{from}\r\nOriginal-Message-ID: {original_id}\r\nDisposition: {}\r\n",
        disposition.field()
    ));
    for (name, value) in [
        ("Reporting-UA", reporting_ua),
        ("Original-Message-ID", original_id.as_str()),
    ] {
        if value.contains(['\r', '\n']) {
            return Err(MessageError::InvalidHeader {
                name: name.to_owned(),
                reason: "CR and LF are not allowed",
            });
        }
    }
    let mut references = original.references.clone();
    references.push(original_id.clone());
    let headers = vec![
        Header {
            name: "Date".into(),
            value: rfc5322_date(now),
            structured: true,
        },
        Header {
            name: "From".into(),
            value: format_mailbox(None, from),
            structured: true,
        },
        Header {
            name: "To".into(),
            value: format_mailbox(None, &to),
            structured: true,
        },
        Header {
            name: "Subject".into(),
            value: subject.clone(),
            structured: false,
        },
        Header {
            name: "Message-ID".into(),
            value: message_id.clone(),
            structured: true,
        },
        Header {
            name: "In-Reply-To".into(),
            value: original_id.clone(),
            structured: true,
        },
        Header {
            name: "References".into(),
            value: references.join(" "),
            structured: true,
        },
        Header {
            name: "Auto-Submitted".into(),
            value: if disposition.automatic {
                "auto-replied".into()
            } else {
                "auto-generated".into()
            },
            structured: true,
        },
    ];
    let root = Part::Multipart {
        subtype: "report; report-type=disposition-notification".into(),
        parts: vec![
            Part::Text(human),
            Part::Raw {
                content_type: "message/disposition-notification".into(),
                body: fields,
            },
        ],
    };
    let bytes = write_message(&headers, &root)?;
    Ok(OutgoingMessage {
        from: from.clone(),
        recipients: vec![to],
        message_id,
        subject,
        bytes,
        dsn: None,
        trace: MessageTrace {
            kind: "mdn".into(),
            in_reply_to: Some(original_id),
            ..MessageTrace::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_fields() {
        let r = parse_disposition(
            "Reporting-UA: lps.example; segur\r\nFinal-Recipient: rfc822;dr@a.mssante.fr\r\nOriginal-Message-ID: <1@x>\r\nDisposition: automatic-action/MDN-sent-automatically;\r\n processed/Error: 902^Patient inconnu\r\n",
        );
        assert_eq!(r.final_recipient.as_deref(), Some("dr@a.mssante.fr"));
        assert_eq!(r.original_message_id.as_deref(), Some("<1@x>"));
        assert_eq!(r.disposition, Some(DispositionType::Processed));
        assert!(r.automatic);
        assert_eq!(r.error.as_deref(), Some("902^Patient inconnu"));
        let r = parse_disposition("Disposition: manual-action/MDN-sent-manually; displayed\r\n");
        assert_eq!(
            (r.disposition, r.automatic, r.error),
            (Some(DispositionType::Displayed), false, None)
        );
    }

    #[test]
    fn delivery_status_fields() {
        let ds = parse_delivery_status(
            "Reporting-MTA: dns; mail.test\r\nOriginal-Envelope-Id: <abc@x>\r\n\r\nFinal-Recipient: rfc822; 279035121518989@patient.mssante.fr\r\nAction: failed\r\nStatus: 5.2.1\r\nDiagnostic-Code: smtp; 550 5.2.1 mailbox closed\r\n\r\nFinal-Recipient: rfc822; b@x.fr\r\nAction: delivered\r\nStatus: 2.0.0\r\n",
        );
        assert_eq!(ds.envelope_id.as_deref(), Some("<abc@x>"));
        assert_eq!(ds.recipients.len(), 2);
        let r = &ds.recipients[0];
        assert!(r.is_failure());
        assert_eq!(r.reason(), BounceReason::MailboxClosed);
        assert!(matches!(
            r.to_error(),
            Some(DeliveryError::Bounced {
                reason: BounceReason::MailboxClosed,
                ..
            })
        ));
        assert!(ds.recipients[1].is_delivered() && ds.recipients[1].to_error().is_none());
    }

    #[test]
    fn bounce_reasons_by_status() {
        for (s, r) in [
            ("5.1.1", BounceReason::UnknownMailbox),
            ("5.1.3", BounceReason::InvalidAddress),
            ("5.2.1", BounceReason::MailboxClosed),
            ("4.2.2", BounceReason::MailboxFull),
            ("5.3.4", BounceReason::MessageTooLarge),
            ("5.7.1", BounceReason::NotAuthorized),
            ("5.4.4", BounceReason::UnknownDomain),
            ("junk", BounceReason::Other),
        ] {
            assert_eq!(BounceReason::from_status(s), r, "{s}");
        }
    }
}
