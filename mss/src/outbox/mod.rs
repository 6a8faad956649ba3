//! The persistent send queue ("outbox") and the status of sent messages.
//!
//! Nothing queued is ever lost across a crash (developers' guide): a message
//! is written to the [`OutboxStore`] (SQLite by default, [`SqliteOutbox`])
//! before any network exchange, and every state change is one committed
//! transaction. A drainer ([`Outbox::drain`]) submits due messages through a
//! [`Submitter`] (a [`Mailbox`](crate::mailbox::Mailbox), see
//! [`MailboxSubmitter`]); when the operator is unreachable, the token is
//! missing or the Pro Santé Connect session ended, the message stays queued
//! and is retried with an exponential back-off ([`RetryPolicy`]); a refusal
//! for good (5xx, message too large…) marks it failed. Pending and failed
//! messages are reported with the technical reason and a plain-French
//! explanation for the user ([`Outbox::report`]), and every step is traced in
//! the segur-ssi audit trail.
//!
//! # Exactly once towards the operator
//!
//! The `Message-ID` is the idempotency key: queueing the same message twice
//! is a no-op. A message is marked in flight (committed) *before* it is
//! submitted. If the outcome of a submission is unknown — the process was
//! killed, or the connection dropped after the message was sent and before
//! the operator answered ([`DeliveryError::OutcomeUnknown`]) — the message
//! goes back to pending with `needs_check`, and the next attempt first asks
//! the operator whether it already has it ([`Submitter::find_submitted`]:
//! a search of the sender's sent folder by `Message-ID`, for operators that
//! keep a copy of submitted mail there). Only if not is it sent again. When
//! the operator cannot tell (no server-side copy), the message is sent again
//! and flagged `possible_duplicate` (recipients deduplicate on
//! `Message-ID`): at least once, never lost.
//!
//! This is the design of segur-dmp's send queue (in-flight mark committed
//! before sending, presence check after an unknown outcome), written for
//! mail: the key is the `Message-ID`, the payload a ready RFC 5322 message,
//! and each recipient's delivery / read status is tracked afterwards.
//!
//! # Status of sent messages (MDN / DSN)
//!
//! Each recipient of a queued message has a [`RecipientState`]: queued,
//! submitted, refused at submission, delivered (DSN), processed or read
//! (MDN), deleted unread, failed (bounce or integration error, with the
//! reason). [`Outbox::record_notification`] matches a received DSN or MDN to
//! the sent message (by `Original-Message-ID`, DSN envelope id or the
//! returned headers) and moves its recipients forward; the overall
//! [`MessageState`] (sent / delivered / read / failed) follows.
//! [`read_receipts`] sends the MDN the sender asked for when the user reads
//! a message, under a policy the host chooses.
//!
//! # Example
//!
//! ```
//! use segur_mss::message::{MessageBuilder, Recipient};
//! use segur_mss::outbox::{MessageState, Outbox, OutboxStatus, SqliteOutbox};
//! use std::sync::Arc;
//!
//! let store = Arc::new(SqliteOutbox::open_in_memory()?);
//! let outbox = Outbox::new(store);
//! let msg = MessageBuilder::new("dr.martin@medecin.mssante.fr".parse()?, "DEV935997")
//!     .to(Recipient::address("cardio@hopital.mssante.fr".parse()?)?)
//!     .subject("Demande d'avis")
//!     .text("Bonjour,")
//!     .build(time::OffsetDateTime::now_utc())?;
//! let queued = outbox.enqueue(&msg)?;
//! assert_eq!(queued.status, OutboxStatus::Pending);
//! // Idempotent on the Message-ID.
//! assert_eq!(outbox.enqueue(&msg)?.id, queued.id);
//! assert_eq!(outbox.state(&msg.message_id)?, MessageState::Queued);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod drain;
pub mod read_receipts;
mod store;

use time::{Duration, OffsetDateTime};

pub use drain::{DrainEvent, DrainObserver, DrainReport, MailboxSubmitter, Outbox, Submitter};
pub use store::{OutboxStore, SqliteOutbox};

use crate::error::{DeliveryError, OutboxError};

/// Where a queued message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutboxStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Being submitted (committed before the submission starts).
    InFlight,
    /// Accepted by the operator.
    Sent,
    /// Refused for good (see the reason).
    Failed,
    /// Withdrawn by the user before being sent.
    Cancelled,
}

impl OutboxStatus {
    /// Stable storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// From [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "in_flight" => Self::InFlight,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// Whether nothing more will happen to the submission.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Cancelled)
    }
}

/// How long to wait between attempts, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt; doubled at each failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Mark the message failed after this many attempts (`None`: keep
    /// retrying; the message stays listed as pending with its reason).
    pub give_up_after: Option<u32>,
}

impl Default for RetryPolicy {
    /// 30 s, doubling up to 30 minutes, never giving up.
    fn default() -> Self {
        Self {
            base: Duration::seconds(30),
            max: Duration::minutes(30),
            give_up_after: None,
        }
    }
}

impl RetryPolicy {
    /// Delay before the next attempt after `attempts` failed ones.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let d = self.base.saturating_mul(1i32 << exp);
        if d > self.max { self.max } else { d }
    }
}

/// A queued message (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueuedMessage {
    /// Queue id.
    pub id: i64,
    /// `Message-ID` (the idempotency key).
    pub message_id: String,
    /// Sending mailbox.
    pub from: String,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// Subject (display).
    pub subject: String,
    /// `message`, `documents`, `mdn`…
    pub kind: String,
    /// Status.
    pub status: OutboxStatus,
    /// Attempts made.
    pub attempts: u32,
    /// Earliest time of the next attempt.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// The outcome of an earlier attempt is unknown: ask the operator first.
    pub needs_check: bool,
    /// Sent again after an unknown outcome the operator could not clear up:
    /// recipients may get it twice (they deduplicate on `Message-ID`).
    pub possible_duplicate: bool,
    /// Found already submitted after an unknown outcome (not sent again).
    pub reconciled: bool,
    /// Last failure (technical).
    pub last_error: Option<String>,
    /// Last failure, explained in French for the user.
    pub explanation: Option<String>,
    /// The operator's final answer, once sent.
    pub server_reply: Option<String>,
    /// Queued at.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Accepted by the operator at.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// What the drainer must do with a message it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Submit it.
    Submit,
    /// First ask the operator whether it already has it.
    CheckThenSubmit,
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The operator accepted the message (for `accepted`; `rejected`
    /// recipients were refused one by one).
    Accepted {
        /// Recipients accepted.
        accepted: Vec<String>,
        /// Recipients refused, with the operator's answer.
        rejected: Vec<(String, String)>,
        /// The final answer (queue id).
        server_reply: String,
    },
    /// The operator already had it (earlier attempt whose answer was lost).
    AlreadySubmitted,
    /// Not sent; worth retrying (operator unreachable, token missing…).
    Retry {
        /// Technical reason.
        reason: String,
        /// For the user.
        explanation: String,
    },
    /// Maybe sent: check before the next attempt.
    Unknown {
        /// Technical reason.
        reason: String,
        /// For the user.
        explanation: String,
    },
    /// Refused for good.
    Refused {
        /// Technical reason.
        reason: String,
        /// For the user.
        explanation: String,
    },
}

impl AttemptOutcome {
    /// Classifies a submission error: unknown outcome, retry, or refusal.
    pub fn from_error(e: &crate::Error) -> Self {
        let reason = e.to_string();
        let explanation = e.explanation().to_owned();
        match e {
            crate::Error::Delivery(DeliveryError::OutcomeUnknown { .. }) => Self::Unknown {
                reason,
                explanation,
            },
            // The message itself is wrong or refused for good: retrying the
            // same bytes fails again.
            crate::Error::Message(_) | crate::Error::Address(_) | crate::Error::Xdm(_) => {
                Self::Refused {
                    reason,
                    explanation,
                }
            }
            crate::Error::Delivery(d) if !d.is_transient() => Self::Refused {
                reason,
                explanation,
            },
            // Network, TLS, operator down, token missing, PSC session to
            // renew, credentials refused (fixable by the user): keep it.
            _ => Self::Retry {
                reason,
                explanation,
            },
        }
    }
}

fn invalid(m: &QueuedMessage, action: &'static str) -> OutboxError {
    OutboxError::InvalidTransition {
        message_id: m.message_id.clone(),
        action,
        status: m.status.as_str(),
    }
}

impl QueuedMessage {
    /// Whether an attempt may start at `now`.
    pub fn is_due(&self, now: OffsetDateTime) -> bool {
        self.status == OutboxStatus::Pending && self.next_attempt_at <= now
    }

    /// Pending → in flight.
    pub fn begin(&mut self, now: OffsetDateTime) -> Result<Step, OutboxError> {
        if self.status != OutboxStatus::Pending {
            return Err(invalid(self, "start sending"));
        }
        self.status = OutboxStatus::InFlight;
        self.attempts += 1;
        self.updated_at = now;
        Ok(if self.needs_check {
            Step::CheckThenSubmit
        } else {
            Step::Submit
        })
    }

    /// In flight → the state the outcome leads to.
    pub fn apply(
        &mut self,
        outcome: &AttemptOutcome,
        now: OffsetDateTime,
        policy: &RetryPolicy,
    ) -> Result<(), OutboxError> {
        if self.status != OutboxStatus::InFlight {
            return Err(invalid(self, "record an attempt on"));
        }
        self.updated_at = now;
        match outcome {
            AttemptOutcome::Accepted { server_reply, .. } => {
                self.status = OutboxStatus::Sent;
                self.sent_at = Some(now);
                self.server_reply = Some(server_reply.clone());
                self.needs_check = false;
                self.last_error = None;
                self.explanation = None;
            }
            AttemptOutcome::AlreadySubmitted => {
                self.status = OutboxStatus::Sent;
                self.sent_at = Some(now);
                self.needs_check = false;
                self.reconciled = true;
                self.last_error = None;
                self.explanation = None;
            }
            AttemptOutcome::Retry {
                reason,
                explanation,
            }
            | AttemptOutcome::Unknown {
                reason,
                explanation,
            } => {
                if matches!(outcome, AttemptOutcome::Unknown { .. }) {
                    self.needs_check = true;
                }
                self.last_error = Some(reason.clone());
                self.explanation = Some(explanation.clone());
                if policy.give_up_after.is_some_and(|n| self.attempts >= n) {
                    // A message whose earlier attempt may have arrived
                    // stays checkable: only the status changes.
                    self.status = OutboxStatus::Failed;
                } else {
                    self.status = OutboxStatus::Pending;
                    self.next_attempt_at = now + policy.delay(self.attempts);
                }
            }
            AttemptOutcome::Refused {
                reason,
                explanation,
            } => {
                self.status = OutboxStatus::Failed;
                self.last_error = Some(reason.clone());
                self.explanation = Some(explanation.clone());
            }
        }
        Ok(())
    }

    /// In flight with no drainer alive (crash, cancelled future): back to
    /// pending, checked before the next attempt.
    pub fn recover(&mut self, now: OffsetDateTime) -> bool {
        if self.status != OutboxStatus::InFlight {
            return false;
        }
        self.status = OutboxStatus::Pending;
        self.needs_check = true;
        self.next_attempt_at = now;
        self.updated_at = now;
        self.last_error = Some("interrupted while sending: outcome unknown".into());
        self.explanation = Some(
            "L'envoi a été interrompu : le logiciel vérifiera auprès de l'opérateur avant de renvoyer le message."
                .into(),
        );
        true
    }

    /// Pending or failed → cancelled. Refused when an earlier attempt may
    /// have reached the operator (the message cannot be taken back).
    pub fn cancel(&mut self, now: OffsetDateTime) -> Result<(), OutboxError> {
        if !matches!(self.status, OutboxStatus::Pending | OutboxStatus::Failed) || self.needs_check
        {
            return Err(invalid(self, "cancel"));
        }
        self.status = OutboxStatus::Cancelled;
        self.updated_at = now;
        Ok(())
    }

    /// Failed → pending (after the user fixed the cause).
    pub fn retry_now(&mut self, now: OffsetDateTime) -> Result<(), OutboxError> {
        if self.status != OutboxStatus::Failed {
            return Err(invalid(self, "retry"));
        }
        self.status = OutboxStatus::Pending;
        self.next_attempt_at = now;
        self.updated_at = now;
        Ok(())
    }
}

/// Where one recipient of a sent message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecipientState {
    /// Not submitted yet.
    Queued,
    /// Accepted by our operator.
    Submitted,
    /// Delivered to the recipient's mailbox (DSN `delivered` / `relayed`).
    Delivered,
    /// Processed by the recipient's software (MDN `processed`).
    Processed,
    /// Displayed to the recipient (MDN `displayed`).
    Read,
    /// Deleted by the recipient without being read (MDN `deleted`).
    DeletedUnread,
    /// Refused by our operator at submission.
    Refused,
    /// Not delivered (bounce) or not integrated (MDN error).
    Failed,
}

impl RecipientState {
    /// Stable storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Submitted => "submitted",
            Self::Delivered => "delivered",
            Self::Processed => "processed",
            Self::Read => "read",
            Self::DeletedUnread => "deleted_unread",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }

    /// From [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "submitted" => Self::Submitted,
            "delivered" => Self::Delivered,
            "processed" => Self::Processed,
            "read" => Self::Read,
            "deleted_unread" => Self::DeletedUnread,
            "refused" => Self::Refused,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// Progress order: a notification never moves a recipient backwards
    /// (a late delivery receipt does not undo a read receipt), and failures
    /// are final.
    fn rank(self) -> u8 {
        match self {
            Self::Queued => 0,
            Self::Submitted => 1,
            Self::Delivered => 2,
            Self::Processed => 3,
            Self::Read | Self::DeletedUnread => 4,
            Self::Refused | Self::Failed => 5,
        }
    }

    /// Whether moving from `self` to `next` is progress.
    pub fn advances_to(self, next: RecipientState) -> bool {
        next.rank() > self.rank()
    }

    /// Whether this is a failure.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Refused | Self::Failed)
    }
}

/// One recipient of a queued message and its status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecipientStatus {
    /// Address.
    pub address: String,
    /// State.
    pub state: RecipientState,
    /// Technical detail (operator answer, DSN status, MDN error).
    pub detail: Option<String>,
    /// French explanation for the user (failures).
    pub explanation: Option<String>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The overall status of a message, as shown in the sent list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageState {
    /// Waiting to be sent (see the pending reason).
    Queued,
    /// Accepted by the operator.
    Sent,
    /// Delivered to every recipient.
    Delivered,
    /// Read (or processed) by every recipient.
    Read,
    /// Not sent, or not delivered / not integrated for at least one recipient.
    Failed,
    /// Withdrawn before being sent.
    Cancelled,
}

/// The overall state from the submission status and the recipients.
pub fn message_state(status: OutboxStatus, recipients: &[RecipientStatus]) -> MessageState {
    match status {
        OutboxStatus::Pending | OutboxStatus::InFlight => MessageState::Queued,
        OutboxStatus::Failed => MessageState::Failed,
        OutboxStatus::Cancelled => MessageState::Cancelled,
        OutboxStatus::Sent => {
            if recipients.iter().any(|r| r.state.is_failure()) {
                return MessageState::Failed;
            }
            let least = recipients.iter().map(|r| r.state.rank()).min().unwrap_or(1);
            match least {
                0 | 1 => MessageState::Sent,
                2 => MessageState::Delivered,
                _ => MessageState::Read,
            }
        }
    }
}

/// A full status report of the queue (pending and failed with reasons).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxReport {
    /// Waiting (or in flight), oldest first, with the last failure reason.
    pub pending: Vec<QueuedMessage>,
    /// Refused for good, with the reason.
    pub failed: Vec<QueuedMessage>,
    /// Number of messages sent.
    pub sent: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2025-03-01 08:00 UTC)
    }

    fn entry() -> QueuedMessage {
        QueuedMessage {
            id: 1,
            message_id: "<a@x>".into(),
            from: "a@x.mssante.fr".into(),
            recipients: vec!["b@y.mssante.fr".into()],
            subject: "s".into(),
            kind: "message".into(),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: t0(),
            needs_check: false,
            possible_duplicate: false,
            reconciled: false,
            last_error: None,
            explanation: None,
            server_reply: None,
            created_at: t0(),
            updated_at: t0(),
            sent_at: None,
        }
    }

    fn retry(r: &str) -> AttemptOutcome {
        AttemptOutcome::Retry {
            reason: r.into(),
            explanation: "x".into(),
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1), Duration::seconds(30));
        assert_eq!(p.delay(2), Duration::seconds(60));
        assert_eq!(p.delay(4), Duration::seconds(240));
        assert_eq!(p.delay(40), Duration::minutes(30));
    }

    #[test]
    fn retry_then_send() {
        let p = RetryPolicy::default();
        let mut m = entry();
        assert_eq!(m.begin(t0()).ok(), Some(Step::Submit));
        assert!(m.begin(t0()).is_err(), "already in flight");
        m.apply(&retry("operator down"), t0(), &p).ok();
        assert_eq!(m.status, OutboxStatus::Pending);
        assert_eq!(m.next_attempt_at, t0() + Duration::seconds(30));
        assert!(!m.is_due(t0()) && m.is_due(t0() + Duration::seconds(30)));
        assert_eq!(m.last_error.as_deref(), Some("operator down"));
        m.begin(t0()).ok();
        m.apply(
            &AttemptOutcome::Accepted {
                accepted: m.recipients.clone(),
                rejected: vec![],
                server_reply: "250 ok".into(),
            },
            t0(),
            &p,
        )
        .ok();
        assert_eq!(m.status, OutboxStatus::Sent);
        assert_eq!(m.last_error, None);
        assert!(m.apply(&retry("late"), t0(), &p).is_err());
        assert!(m.cancel(t0()).is_err());
    }

    #[test]
    fn unknown_outcome_is_checked_and_blocks_cancel() {
        let p = RetryPolicy::default();
        let mut m = entry();
        m.begin(t0()).ok();
        m.apply(
            &AttemptOutcome::Unknown {
                reason: "lost".into(),
                explanation: "x".into(),
            },
            t0(),
            &p,
        )
        .ok();
        assert!(m.needs_check);
        assert!(m.cancel(t0()).is_err());
        assert_eq!(m.begin(t0()).ok(), Some(Step::CheckThenSubmit));
        m.apply(&AttemptOutcome::AlreadySubmitted, t0(), &p).ok();
        assert_eq!(m.status, OutboxStatus::Sent);
        assert!(m.reconciled && !m.needs_check);
    }

    #[test]
    fn crash_recovery_and_give_up() {
        let mut m = entry();
        m.begin(t0()).ok();
        assert!(m.recover(t0()));
        assert_eq!(m.status, OutboxStatus::Pending);
        assert!(m.needs_check);
        assert!(!m.recover(t0()), "only in-flight messages are recovered");
        let p = RetryPolicy {
            give_up_after: Some(2),
            ..RetryPolicy::default()
        };
        m.begin(t0()).ok();
        m.apply(&retry("down"), t0(), &p).ok();
        assert_eq!(m.status, OutboxStatus::Failed, "second attempt: give up");
        m.retry_now(t0()).ok();
        assert_eq!(m.status, OutboxStatus::Pending);
        let mut r = entry();
        r.begin(t0()).ok();
        r.apply(
            &AttemptOutcome::Refused {
                reason: "552 too big".into(),
                explanation: "x".into(),
            },
            t0(),
            &RetryPolicy::default(),
        )
        .ok();
        assert_eq!(r.status, OutboxStatus::Failed);
        r.cancel(t0()).ok();
        assert_eq!(r.status, OutboxStatus::Cancelled);
    }

    #[test]
    fn recipient_states_only_move_forward() {
        use RecipientState::*;
        assert!(Queued.advances_to(Submitted));
        assert!(Delivered.advances_to(Read));
        assert!(!Read.advances_to(Delivered), "late DSN after the MDN");
        assert!(Delivered.advances_to(Failed));
        assert!(!Failed.advances_to(Read));
        for s in [
            Queued,
            Submitted,
            Delivered,
            Processed,
            Read,
            DeletedUnread,
            Refused,
            Failed,
        ] {
            assert_eq!(RecipientState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn overall_state() {
        let r = |state| RecipientStatus {
            address: "a".into(),
            state,
            detail: None,
            explanation: None,
            updated_at: t0(),
        };
        use RecipientState::*;
        assert_eq!(
            message_state(OutboxStatus::Pending, &[r(Queued)]),
            MessageState::Queued
        );
        assert_eq!(
            message_state(OutboxStatus::Sent, &[r(Submitted), r(Read)]),
            MessageState::Sent
        );
        assert_eq!(
            message_state(OutboxStatus::Sent, &[r(Delivered), r(Read)]),
            MessageState::Delivered
        );
        assert_eq!(
            message_state(OutboxStatus::Sent, &[r(Read), r(Processed)]),
            MessageState::Read
        );
        assert_eq!(
            message_state(OutboxStatus::Sent, &[r(Read), r(Failed)]),
            MessageState::Failed
        );
    }
}
