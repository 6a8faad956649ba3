//! Read receipts (MDN, RFC 8098) for messages the user reads, under a
//! policy the host chooses (ECO.3.1.6: the client must be able to return an
//! MDN when asked).
//!
//! [`decide`] is the sans-IO rule: no receipt when none was asked, never a
//! receipt for a notification, the host's [`ReadReceiptPolicy`], and the
//! RFC 8098 §2.1 caution — when the address asking for the receipt is not
//! the sender's, the user is asked even under the automatic policy.
//! [`mark_read`] is the IO flow: fetch, mark `\Seen`, decide, queue the MDN
//! in the [`Outbox`] (durable, idempotent: the MDN's `Message-ID` derives
//! from the original's) and set the IMAP keyword `$MDNSent` (RFC 3503) so
//! that no other workstation sends it again. Every decision is traced.

use segur_ssi::audit::Outcome;
use time::OffsetDateTime;

use super::Outbox;
use crate::address::MailAddress;
use crate::error::{MessageError, Result};
use crate::mailbox::Mailbox;
use crate::message::OutgoingMessage;
use crate::message::mdn::{Disposition, build_mdn};
use crate::message::parse::{ParsedMessage, parse_message};
use crate::trace::{Tracer, kinds};

/// The IMAP keyword recording that the MDN of a message was sent (RFC 3503).
pub const MDN_SENT_KEYWORD: &str = "$MDNSent";

/// What to do when the user reads a message that asks for a read receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ReadReceiptPolicy {
    /// Never send one.
    Never,
    /// Ask the user each time (the host shows the question, then calls
    /// [`send_read_receipt`]).
    AskUser,
    /// Send it without asking (still asks when the receipt address is not
    /// the sender's).
    Automatic,
}

/// The decision for one message.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReadReceiptDecision {
    /// The sender asked for no receipt.
    NotRequested,
    /// A receipt was already sent for it (`$MDNSent`).
    AlreadySent,
    /// No receipt, for this reason (policy, the message is a notification).
    Suppressed(&'static str),
    /// Ask the user whether to send a receipt to this address.
    AskUser {
        /// Where the receipt would go.
        to: MailAddress,
    },
    /// Send this receipt.
    Send(Box<OutgoingMessage>),
}

/// The sans-IO rule.
pub fn decide(
    parsed: &ParsedMessage,
    our_address: &MailAddress,
    policy: ReadReceiptPolicy,
    reporting_ua: &str,
    now: OffsetDateTime,
) -> std::result::Result<ReadReceiptDecision, MessageError> {
    let Some(to) = &parsed.disposition_notification_to else {
        return Ok(ReadReceiptDecision::NotRequested);
    };
    if parsed.report.is_some() {
        return Ok(ReadReceiptDecision::Suppressed(
            "the message is itself a notification",
        ));
    }
    if to == our_address {
        return Ok(ReadReceiptDecision::Suppressed(
            "the receipt would go to ourselves",
        ));
    }
    match policy {
        ReadReceiptPolicy::Never => Ok(ReadReceiptDecision::Suppressed("the policy is never")),
        ReadReceiptPolicy::AskUser => Ok(ReadReceiptDecision::AskUser { to: to.clone() }),
        ReadReceiptPolicy::Automatic => {
            let sender = parsed.from.as_ref().and_then(|f| f.address.as_ref());
            if sender != Some(to) {
                // RFC 8098 §2.1: a receipt to another address than the
                // sender's could reveal the reading to a third party.
                return Ok(ReadReceiptDecision::AskUser { to: to.clone() });
            }
            let mdn = build_mdn(
                parsed,
                our_address,
                &Disposition::displayed_sent_automatically(),
                reporting_ua,
                now,
            )?;
            Ok(ReadReceiptDecision::Send(Box::new(mdn)))
        }
    }
}

/// What [`mark_read`] did.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    /// The message, parsed.
    pub message: ParsedMessage,
    /// The receipt decision (`Send` once queued).
    pub decision: ReadReceiptDecision,
}

fn mailbox_tracer(outbox: &Outbox) -> Option<&Tracer> {
    outbox.tracer.as_ref()
}

/// The user opens message `uid` of `folder`: marks it read and, when the
/// sender asked for a read receipt, applies `policy` (a receipt to send is
/// queued in `outbox`; drain it to send it).
pub async fn mark_read(
    mailbox: &Mailbox,
    outbox: &Outbox,
    folder: &str,
    uid: u32,
    policy: ReadReceiptPolicy,
    reporting_ua: &str,
) -> Result<ReadOutcome> {
    let fetched = mailbox.fetch_one(folder, uid).await?;
    let message = parse_message(&fetched.raw)?;
    if !fetched.is_seen() {
        mailbox.set_seen(folder, uid, true).await?;
    }
    let already = fetched
        .flags
        .iter()
        .any(|f| f.eq_ignore_ascii_case(MDN_SENT_KEYWORD));
    let decision = if already && message.disposition_notification_to.is_some() {
        ReadReceiptDecision::AlreadySent
    } else {
        decide(
            &message,
            mailbox.address(),
            policy,
            reporting_ua,
            outbox.clock.now(),
        )?
    };
    let decision = match decision {
        ReadReceiptDecision::Send(mdn) => {
            queue_receipt(mailbox, outbox, folder, uid, &mdn).await?;
            ReadReceiptDecision::Send(mdn)
        }
        other => {
            if let (Some(t), Some(reason)) = (
                mailbox_tracer(outbox),
                match &other {
                    ReadReceiptDecision::Suppressed(r) => Some(*r),
                    ReadReceiptDecision::AskUser { .. } => Some("waiting for the user's choice"),
                    _ => None,
                },
            ) {
                t.record(kinds::MDN_NOT_SENT, Outcome::Success, |ev| {
                    let ev = ev
                        .with_detail("reason", reason)
                        .with_detail("folder", folder.to_owned())
                        .with_detail("uid", uid.to_string());
                    match &message.message_id {
                        Some(id) => ev.with_request_id(id.clone()),
                        None => ev,
                    }
                });
            }
            other
        }
    };
    Ok(ReadOutcome { message, decision })
}

async fn queue_receipt(
    mailbox: &Mailbox,
    outbox: &Outbox,
    folder: &str,
    uid: u32,
    mdn: &OutgoingMessage,
) -> Result<()> {
    // Queued (committed) before the keyword: a crash in between leaves a
    // queued receipt and no keyword, and queueing again is a no-op.
    outbox.enqueue(mdn)?;
    mailbox.add_flags(folder, uid, &[MDN_SENT_KEYWORD]).await?;
    if let Some(t) = mailbox_tracer(outbox) {
        t.record(kinds::MDN_QUEUED, Outcome::Success, |mut ev| {
            ev = ev
                .with_request_id(mdn.message_id.clone())
                .with_detail(
                    "to",
                    mdn.recipients
                        .iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                )
                .with_detail("folder", folder.to_owned())
                .with_detail("uid", uid.to_string());
            if let Some(r) = &mdn.trace.in_reply_to {
                ev = ev.with_detail("in_reply_to", r.clone());
            }
            ev
        });
    }
    Ok(())
}

/// The user agreed to send the read receipt of message `uid` (after
/// [`ReadReceiptDecision::AskUser`]): builds it (`MDN-sent-manually`) and
/// queues it. Refused when the message asks for none.
pub async fn send_read_receipt(
    mailbox: &Mailbox,
    outbox: &Outbox,
    folder: &str,
    uid: u32,
    reporting_ua: &str,
) -> Result<OutgoingMessage> {
    let fetched = mailbox.fetch_one(folder, uid).await?;
    let message = parse_message(&fetched.raw)?;
    let mdn = build_mdn(
        &message,
        mailbox.address(),
        &Disposition::displayed(),
        reporting_ua,
        outbox.clock.now(),
    )?;
    queue_receipt(mailbox, outbox, folder, uid, &mdn).await?;
    Ok(mdn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{MessageBuilder, Recipient};

    fn addr(s: &str) -> MailAddress {
        MailAddress::parse(s).expect("address")
    }

    fn received(read_receipt: bool) -> ParsedMessage {
        let mut b = MessageBuilder::new(addr("cardio@hopital.mssante.fr"), "DEV935997")
            .to(Recipient::address(addr("dr.martin@medecin.mssante.fr")).expect("rcpt"))
            .subject("Compte rendu")
            .text("Bonjour");
        if read_receipt {
            b = b.request_read_receipt();
        }
        let m = b.build(OffsetDateTime::UNIX_EPOCH).expect("message");
        parse_message(&m.bytes).expect("parse")
    }

    fn me() -> MailAddress {
        addr("dr.martin@medecin.mssante.fr")
    }

    #[test]
    fn policy_rules() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let d = |p: &ParsedMessage, policy| decide(p, &me(), policy, "segur", now).expect("ok");
        assert!(matches!(
            d(&received(false), ReadReceiptPolicy::Automatic),
            ReadReceiptDecision::NotRequested
        ));
        let asked = received(true);
        assert!(matches!(
            d(&asked, ReadReceiptPolicy::Never),
            ReadReceiptDecision::Suppressed(_)
        ));
        assert!(matches!(
            d(&asked, ReadReceiptPolicy::AskUser),
            ReadReceiptDecision::AskUser { .. }
        ));
        let ReadReceiptDecision::Send(mdn) = d(&asked, ReadReceiptPolicy::Automatic) else {
            panic!("automatic policy sends");
        };
        let text = String::from_utf8_lossy(&mdn.bytes);
        assert!(text.contains("manual-action/MDN-sent-automatically; displayed"));
        assert_eq!(mdn.recipients, vec![addr("cardio@hopital.mssante.fr")]);
        // Deterministic id: the same receipt twice is one queued message.
        let ReadReceiptDecision::Send(again) = d(&asked, ReadReceiptPolicy::Automatic) else {
            panic!("automatic policy sends");
        };
        assert_eq!(again.message_id, mdn.message_id);

        // Receipt to a third party: ask even under the automatic policy.
        let mut third = asked.clone();
        third.disposition_notification_to = Some(addr("espion@ailleurs.mssante.fr"));
        assert!(matches!(
            d(&third, ReadReceiptPolicy::Automatic),
            ReadReceiptDecision::AskUser { .. }
        ));
        // Never a receipt for a notification.
        let mdn_parsed = parse_message(&mdn.bytes).expect("parse mdn");
        let mut notif = mdn_parsed.clone();
        notif.disposition_notification_to = Some(addr("cardio@hopital.mssante.fr"));
        assert!(matches!(
            d(&notif, ReadReceiptPolicy::Automatic),
            ReadReceiptDecision::Suppressed(_)
        ));
    }
}
