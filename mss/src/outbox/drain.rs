//! The IO side of the outbox: submitting due messages, recovering after a
//! crash, matching notifications, reports.

use std::sync::Arc;

use segur_psc::{BoxFuture, SharedClock, SystemClock};
use segur_ssi::audit::Outcome;
use time::OffsetDateTime;

use super::{
    AttemptOutcome, MessageState, OutboxReport, OutboxStatus, OutboxStore, QueuedMessage,
    RecipientState, RecipientStatus, RetryPolicy, Step, message_state,
};
use crate::address::MailAddress;
use crate::error::{OutboxError, Result};
use crate::mailbox::Mailbox;
use crate::message::OutgoingMessage;
use crate::message::mdn::DispositionType;
use crate::message::parse::{ParsedMessage, Report};
use crate::smtp::client::SendReport;
use crate::trace::{Tracer, kinds};

/// What submits messages for the outbox: a mailbox, or a test double.
pub trait Submitter: Send + Sync {
    /// The sending mailbox (entries whose sender is this address are drained).
    fn address(&self) -> &MailAddress;
    /// One submission attempt.
    fn submit<'a>(&'a self, msg: &'a OutgoingMessage) -> BoxFuture<'a, Result<SendReport>>;
    /// Whether the operator already has the message with this `Message-ID`
    /// (`Ok(None)`: it cannot tell).
    fn find_submitted<'a>(&'a self, message_id: &'a str) -> BoxFuture<'a, Result<Option<bool>>>;
}

/// A [`Mailbox`] as the outbox's submitter.
#[derive(Debug, Clone)]
pub struct MailboxSubmitter {
    mailbox: Arc<Mailbox>,
    sent_folder: Option<String>,
}

impl MailboxSubmitter {
    /// Submits through `mailbox`. Without a server-side copy of submitted
    /// messages, an interrupted submission is sent again (at least once).
    pub fn new(mailbox: Arc<Mailbox>) -> Self {
        Self {
            mailbox,
            sent_folder: None,
        }
    }

    /// The operator keeps a copy of every submitted message in `folder`
    /// (often `Sent`): an interrupted submission is looked up there by
    /// `Message-ID` before being sent again (exactly once).
    pub fn with_server_sent_copy(mut self, folder: impl Into<String>) -> Self {
        self.sent_folder = Some(folder.into());
        self
    }
}

impl Submitter for MailboxSubmitter {
    fn address(&self) -> &MailAddress {
        self.mailbox.address()
    }

    fn submit<'a>(&'a self, msg: &'a OutgoingMessage) -> BoxFuture<'a, Result<SendReport>> {
        Box::pin(self.mailbox.send(msg))
    }

    fn find_submitted<'a>(&'a self, message_id: &'a str) -> BoxFuture<'a, Result<Option<bool>>> {
        Box::pin(async move {
            match &self.sent_folder {
                None => Ok(None),
                Some(folder) => Ok(Some(
                    !self
                        .mailbox
                        .find_message_id(folder, message_id)
                        .await?
                        .is_empty(),
                )),
            }
        })
    }
}

/// A step of a drain, for progress display (and crash tests).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum DrainEvent<'a> {
    /// The entry is committed in flight; the attempt starts.
    Started {
        /// `Message-ID`.
        message_id: &'a str,
        /// Attempt number (1-based).
        attempt: u32,
    },
    /// The attempt ended, before its outcome is committed.
    Attempted {
        /// `Message-ID`.
        message_id: &'a str,
        /// What happened.
        outcome: &'a AttemptOutcome,
    },
    /// The outcome is committed.
    Recorded {
        /// `Message-ID`.
        message_id: &'a str,
        /// The new status.
        status: OutboxStatus,
    },
}

/// Observes drains.
pub trait DrainObserver: Send + Sync {
    /// Called at each step, on the draining task (keep it quick).
    fn event(&self, event: &DrainEvent<'_>);
}

/// What one drain pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DrainReport {
    /// Accepted by the operator in this pass (including reconciled ones).
    pub sent: Vec<String>,
    /// Found already at the operator after an interrupted attempt (subset of `sent`).
    pub reconciled: Vec<String>,
    /// Sent again after an interruption the operator could not clear up.
    pub possible_duplicates: Vec<String>,
    /// Left pending, with the reason for the user.
    pub retrying: Vec<(String, String)>,
    /// Refused for good, with the reason for the user.
    pub failed: Vec<(String, String)>,
}

/// The status of a queued or sent message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SentMessageStatus {
    /// The entry.
    pub entry: QueuedMessage,
    /// Each recipient.
    pub recipients: Vec<RecipientStatus>,
    /// The overall state.
    pub state: MessageState,
}

/// What a notification changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotificationUpdate {
    /// The sent message it is about.
    pub message_id: String,
    /// Recipients whose status moved forward.
    pub changed: Vec<RecipientStatus>,
    /// The message's overall state afterwards.
    pub state: MessageState,
}

/// The outbox: a store, a clock, a retry policy and a tracer.
pub struct Outbox {
    store: Arc<dyn OutboxStore>,
    pub(super) clock: SharedClock,
    policy: RetryPolicy,
    pub(super) tracer: Option<Tracer>,
    observer: Option<Arc<dyn DrainObserver>>,
    batch: usize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// An outbox on `store` with the system clock and the default policy.
    pub fn new(store: Arc<dyn OutboxStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            policy: RetryPolicy::default(),
            tracer: None,
            observer: None,
            batch: 100,
        }
    }

    /// Another clock (deterministic tests, conformance runner).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Another retry policy.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Traces queueing, retries, failures, recoveries and notifications.
    pub fn with_tracer(mut self, tracer: Tracer) -> Self {
        self.tracer = Some(tracer);
        self
    }

    /// Observes drains.
    pub fn with_observer(mut self, observer: Arc<dyn DrainObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn OutboxStore> {
        &self.store
    }

    fn trace(
        &self,
        kind: segur_ssi::audit::AuditKind,
        outcome: Outcome,
        entry: &QueuedMessage,
        extra: &[(&str, String)],
    ) {
        if let Some(t) = &self.tracer {
            t.record(kind, outcome, |mut ev| {
                ev = ev
                    .with_request_id(entry.message_id.clone())
                    .with_detail("status", entry.status.as_str())
                    .with_detail("attempts", entry.attempts.to_string())
                    .with_detail("recipients", entry.recipients.join(","));
                for (k, v) in extra {
                    ev = ev.with_detail(*k, v.clone());
                }
                ev
            });
        }
    }

    fn observe(&self, e: DrainEvent<'_>) {
        if let Some(o) = &self.observer {
            o.event(&e);
        }
    }

    /// Queues a message (committed before this returns). Idempotent on the
    /// `Message-ID`.
    pub fn enqueue(&self, msg: &OutgoingMessage) -> Result<QueuedMessage> {
        let (entry, created) = self.store.enqueue(msg, self.clock.now())?;
        if created {
            self.trace(
                kinds::OUTBOX_QUEUED,
                Outcome::Success,
                &entry,
                &[
                    ("kind", entry.kind.clone()),
                    ("subject", entry.subject.clone()),
                ],
            );
        }
        Ok(entry)
    }

    /// Puts the messages a crashed drainer left in flight back to pending
    /// (checked with the operator before being sent again). Call once at
    /// start-up, before the first drain.
    pub fn recover_interrupted(&self) -> Result<Vec<QueuedMessage>> {
        let recovered = self.store.recover_in_flight(self.clock.now())?;
        for e in &recovered {
            self.trace(kinds::OUTBOX_RECOVERED, Outcome::Success, e, &[]);
        }
        Ok(recovered)
    }

    /// Submits every message of `submitter`'s mailbox due now, one at a
    /// time. Cancel-safe: dropping the future leaves at most one message in
    /// flight, recovered by [`recover_interrupted`](Self::recover_interrupted).
    pub async fn drain(&self, submitter: &dyn Submitter) -> Result<DrainReport> {
        let mut report = DrainReport::default();
        let from = submitter.address().to_string();
        let mut seen = std::collections::HashSet::new();
        loop {
            let due = self.store.due(&from, self.clock.now(), self.batch)?;
            let due: Vec<_> = due
                .into_iter()
                .filter(|e| seen.insert(e.message_id.clone()))
                .collect();
            if due.is_empty() {
                return Ok(report);
            }
            for entry in due {
                self.attempt(entry, submitter, &mut report).await?;
            }
        }
    }

    async fn attempt(
        &self,
        mut entry: QueuedMessage,
        submitter: &dyn Submitter,
        report: &mut DrainReport,
    ) -> Result<()> {
        let msg = self
            .store
            .message(&entry.message_id)?
            .ok_or_else(|| OutboxError::NotFound(entry.message_id.clone()))?;
        let step = entry.begin(self.clock.now())?;
        // Committed before any byte goes out.
        self.store.save(&entry, &[])?;
        self.observe(DrainEvent::Started {
            message_id: &entry.message_id,
            attempt: entry.attempts,
        });
        let mut outcome = None;
        if step == Step::CheckThenSubmit {
            match submitter.find_submitted(&entry.message_id).await {
                Ok(Some(true)) => outcome = Some(AttemptOutcome::AlreadySubmitted),
                Ok(Some(false)) => {}
                Ok(None) => entry.possible_duplicate = true,
                Err(e) => {
                    outcome = Some(AttemptOutcome::Unknown {
                        reason: format!("cannot check whether the operator has it: {e}"),
                        explanation: e.explanation().to_owned(),
                    })
                }
            }
        }
        let outcome = match outcome {
            Some(o) => o,
            None => match submitter.submit(&msg).await {
                Ok(r) => AttemptOutcome::Accepted {
                    accepted: r.accepted.iter().map(|a| a.to_string()).collect(),
                    rejected: r
                        .rejected
                        .iter()
                        .map(|(a, why)| (a.to_string(), why.clone()))
                        .collect(),
                    server_reply: r.server_reply,
                },
                Err(e) => AttemptOutcome::from_error(&e),
            },
        };
        self.observe(DrainEvent::Attempted {
            message_id: &entry.message_id,
            outcome: &outcome,
        });
        let now = self.clock.now();
        entry.apply(&outcome, now, &self.policy)?;
        let status = |address: &str, state, detail: Option<String>, explanation| RecipientStatus {
            address: address.to_owned(),
            state,
            detail,
            explanation,
            updated_at: now,
        };
        let recipients: Vec<RecipientStatus> = match &outcome {
            AttemptOutcome::Accepted {
                accepted, rejected, ..
            } => accepted
                .iter()
                .map(|a| status(a, RecipientState::Submitted, None, None))
                .chain(rejected.iter().map(|(a, why)| {
                    status(
                        a,
                        RecipientState::Refused,
                        Some(why.clone()),
                        Some(
                            "L'opérateur a refusé ce destinataire (adresse inconnue ou non autorisée)."
                                .to_owned(),
                        ),
                    )
                }))
                .collect(),
            AttemptOutcome::AlreadySubmitted => entry
                .recipients
                .iter()
                .map(|a| status(a, RecipientState::Submitted, None, None))
                .collect(),
            _ => Vec::new(),
        };
        self.store.save(&entry, &recipients)?;
        self.observe(DrainEvent::Recorded {
            message_id: &entry.message_id,
            status: entry.status,
        });
        let id = entry.message_id.clone();
        match &outcome {
            AttemptOutcome::Accepted { .. } => {
                if entry.possible_duplicate {
                    report.possible_duplicates.push(id.clone());
                    self.trace(
                        kinds::OUTBOX_RESENT,
                        Outcome::Success,
                        &entry,
                        &[(
                            "reason",
                            "interrupted earlier; the operator cannot tell whether it had it"
                                .into(),
                        )],
                    );
                }
                report.sent.push(id);
            }
            AttemptOutcome::AlreadySubmitted => {
                self.trace(kinds::OUTBOX_RECONCILED, Outcome::Success, &entry, &[]);
                report.reconciled.push(id.clone());
                report.sent.push(id);
            }
            AttemptOutcome::Retry {
                reason,
                explanation,
            }
            | AttemptOutcome::Unknown {
                reason,
                explanation,
            }
            | AttemptOutcome::Refused {
                reason,
                explanation,
            } => {
                let failed = entry.status == OutboxStatus::Failed;
                self.trace(
                    if failed {
                        kinds::OUTBOX_FAILED
                    } else {
                        kinds::OUTBOX_RETRY
                    },
                    Outcome::Failure,
                    &entry,
                    &[
                        ("error", reason.clone()),
                        ("explanation", explanation.clone()),
                    ],
                );
                if failed {
                    report.failed.push((id, explanation.clone()));
                } else {
                    report.retrying.push((id, explanation.clone()));
                }
            }
        }
        Ok(())
    }

    /// When the next pending message of any mailbox is due (to schedule the
    /// next drain), if any.
    pub fn next_due(&self) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .store
            .list(&[OutboxStatus::Pending])?
            .iter()
            .map(|e| e.next_attempt_at)
            .min())
    }

    /// Pending and failed messages with their reasons, and the sent count.
    pub fn report(&self) -> Result<OutboxReport> {
        let all = self.store.list(&[])?;
        let mut r = OutboxReport::default();
        for e in all {
            match e.status {
                OutboxStatus::Pending | OutboxStatus::InFlight => r.pending.push(e),
                OutboxStatus::Failed => r.failed.push(e),
                OutboxStatus::Sent => r.sent += 1,
                OutboxStatus::Cancelled => {}
            }
        }
        Ok(r)
    }

    /// A message's status and its recipients'.
    pub fn status(&self, message_id: &str) -> Result<Option<SentMessageStatus>> {
        let Some(entry) = self.store.get(message_id)? else {
            return Ok(None);
        };
        let recipients = self.store.recipients(message_id)?;
        let state = message_state(entry.status, &recipients);
        Ok(Some(SentMessageStatus {
            entry,
            recipients,
            state,
        }))
    }

    /// The overall state of a queued message.
    pub fn state(&self, message_id: &str) -> Result<MessageState> {
        self.status(message_id)?
            .map(|s| s.state)
            .ok_or_else(|| OutboxError::NotFound(message_id.to_owned()).into())
    }

    fn entry(&self, message_id: &str) -> Result<QueuedMessage> {
        self.store
            .get(message_id)?
            .ok_or_else(|| OutboxError::NotFound(message_id.to_owned()).into())
    }

    /// Withdraws a message not sent yet (refused when an interrupted
    /// attempt may have reached the operator).
    pub fn cancel(&self, message_id: &str) -> Result<QueuedMessage> {
        let mut e = self.entry(message_id)?;
        e.cancel(self.clock.now())?;
        self.store.save(&e, &[])?;
        self.trace(kinds::OUTBOX_CANCELLED, Outcome::Success, &e, &[]);
        Ok(e)
    }

    /// Puts a failed message back in the queue, due now.
    pub fn retry_now(&self, message_id: &str) -> Result<QueuedMessage> {
        let mut e = self.entry(message_id)?;
        e.retry_now(self.clock.now())?;
        self.store.save(&e, &[])?;
        self.trace(
            kinds::OUTBOX_QUEUED,
            Outcome::Success,
            &e,
            &[("reason", "retry requested".into())],
        );
        Ok(e)
    }

    /// Matches a received notification (MDN or DSN) to the sent message it
    /// is about and moves its recipients forward. `Ok(None)` when the
    /// message is not a notification or is about no message of this outbox.
    pub fn record_notification(
        &self,
        parsed: &ParsedMessage,
    ) -> Result<Option<NotificationUpdate>> {
        let Some(report) = &parsed.report else {
            return Ok(None);
        };
        let now = self.clock.now();
        let original = match report {
            Report::Disposition(d) => d.original_message_id.clone(),
            Report::Delivery(d) => d.envelope_id.clone(),
        }
        .or_else(|| parsed.original_message_id.clone())
        .or_else(|| parsed.in_reply_to.first().cloned());
        let Some(entry) = original
            .as_deref()
            .map(|id| self.store.get(id))
            .transpose()?
            .flatten()
        else {
            if let Some(t) = &self.tracer {
                t.record(kinds::NOTIFICATION_RECEIVED, Outcome::Failure, |ev| {
                    let ev = ev.with_detail("reason", "no matching sent message");
                    match &original {
                        Some(id) => ev.with_request_id(id.clone()),
                        None => ev,
                    }
                });
            }
            return Ok(None);
        };
        // The recipient a report is about: the named one when it is ours,
        // else the only recipient.
        let target = |named: Option<&str>| -> Option<String> {
            named
                .and_then(|n| {
                    entry
                        .recipients
                        .iter()
                        .find(|r| r.eq_ignore_ascii_case(n.trim()))
                })
                .or_else(|| (entry.recipients.len() == 1).then(|| &entry.recipients[0]))
                .cloned()
        };
        let mut updates = Vec::new();
        match report {
            Report::Disposition(d) => {
                let named = d
                    .final_recipient
                    .as_deref()
                    .or(d.original_recipient.as_deref())
                    .or_else(|| {
                        parsed
                            .from
                            .as_ref()
                            .and_then(|f| f.address.as_ref())
                            .map(|a| a.as_str())
                    });
                let change = match (&d.error, d.disposition) {
                    (Some(err), _) => Some((
                        RecipientState::Failed,
                        Some(err.clone()),
                        Some(format!(
                            "Le logiciel du destinataire n'a pas pu intégrer le message : {err}."
                        )),
                    )),
                    (None, Some(DispositionType::Displayed)) => {
                        Some((RecipientState::Read, None, None))
                    }
                    (None, Some(DispositionType::Processed)) => {
                        Some((RecipientState::Processed, None, None))
                    }
                    (None, Some(DispositionType::Deleted)) => Some((
                        RecipientState::DeletedUnread,
                        None,
                        Some("Le destinataire a supprimé le message sans le lire.".to_owned()),
                    )),
                    (None, Some(DispositionType::Dispatched)) => {
                        Some((RecipientState::Delivered, None, None))
                    }
                    (None, None) => None,
                };
                if let (Some(address), Some((state, detail, explanation))) = (target(named), change)
                {
                    updates.push(RecipientStatus {
                        address,
                        state,
                        detail,
                        explanation,
                        updated_at: now,
                    });
                }
            }
            Report::Delivery(ds) => {
                for r in &ds.recipients {
                    let Some(address) = target(Some(&r.final_recipient)) else {
                        continue;
                    };
                    if let Some(err) = r.to_error() {
                        let reason = r.reason();
                        updates.push(RecipientStatus {
                            address,
                            state: RecipientState::Failed,
                            detail: Some(err.to_string()),
                            explanation: Some(reason.explanation().to_owned()),
                            updated_at: now,
                        });
                    } else if r.is_delivered() {
                        updates.push(RecipientStatus {
                            address,
                            state: RecipientState::Delivered,
                            detail: Some(r.status.clone()),
                            explanation: None,
                            updated_at: now,
                        });
                    }
                }
            }
        }
        let changed = self.store.update_recipients(&entry.message_id, &updates)?;
        let recipients = self.store.recipients(&entry.message_id)?;
        let state = message_state(entry.status, &recipients);
        if let Some(t) = &self.tracer {
            t.record(kinds::NOTIFICATION_RECEIVED, Outcome::Success, |mut ev| {
                ev = ev
                    .with_request_id(entry.message_id.clone())
                    .with_detail(
                        "report",
                        match report {
                            Report::Disposition(_) => "MDN",
                            Report::Delivery(_) => "DSN",
                        },
                    )
                    .with_detail("state", format!("{state:?}"));
                for c in &changed {
                    ev = ev.with_detail(
                        format!("recipient:{}", c.address),
                        c.state.as_str().to_owned(),
                    );
                }
                ev
            });
        }
        Ok(Some(NotificationUpdate {
            message_id: entry.message_id,
            changed,
            state,
        }))
    }
}
