//! Functional traces of every mailbox action and flow in the segur-ssi audit
//! trail (SC.MSS/CONF.17/18, UX.37): who (the professional), when, which
//! action, on which mailbox, the request made to the server (IMAP/SMTP
//! command, `Message-ID`), the patient and documents concerned, the outcome.
//!
//! Query them with the trail's [`AuditFilter`](segur_ssi::audit::AuditFilter),
//! e.g. `AuditFilter::new().kind_prefix("mss.")`.

use std::sync::Arc;

use segur_psc::SharedClock;
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};

/// The audit kinds written by this crate.
pub mod kinds {
    use segur_ssi::audit::AuditKind;

    /// A session with the operator was opened (IMAP login).
    pub const SESSION_OPENED: AuditKind = AuditKind::from_static("mss.session.opened");
    /// A session closed by the operator was reopened automatically.
    pub const SESSION_REOPENED: AuditKind = AuditKind::from_static("mss.session.reopened");
    /// The session was ended (PSC session over, or logout).
    pub const SESSION_ENDED: AuditKind = AuditKind::from_static("mss.session.ended");
    /// A message was submitted (or the submission failed).
    pub const MESSAGE_SENT: AuditKind = AuditKind::from_static("mss.message.sent");
    /// Messages were listed / fetched from a folder.
    pub const MESSAGE_FETCHED: AuditKind = AuditKind::from_static("mss.message.fetched");
    /// A message was marked read / unread.
    pub const MESSAGE_READ: AuditKind = AuditKind::from_static("mss.message.read");
    /// A message was deleted.
    pub const MESSAGE_DELETED: AuditKind = AuditKind::from_static("mss.message.deleted");
    /// A message was stored in a folder (`APPEND`).
    pub const MESSAGE_STORED: AuditKind = AuditKind::from_static("mss.message.stored");
    /// A received message was processed (reception pipeline).
    pub const MESSAGE_RECEIVED: AuditKind = AuditKind::from_static("mss.message.received");
    /// A received document was attached to a patient file.
    pub const DOCUMENT_INTEGRATED: AuditKind = AuditKind::from_static("mss.document.integrated");
    /// A received message or attachment was refused (virus, unsafe archive).
    pub const MESSAGE_QUARANTINED: AuditKind = AuditKind::from_static("mss.message.quarantined");
    /// A notification (MDN / DSN) was received and matched.
    pub const NOTIFICATION_RECEIVED: AuditKind =
        AuditKind::from_static("mss.notification.received");
    /// A message was put in the send queue (or put back after a failure).
    pub const OUTBOX_QUEUED: AuditKind = AuditKind::from_static("mss.outbox.queued");
    /// A submission attempt failed; the message stays queued.
    pub const OUTBOX_RETRY: AuditKind = AuditKind::from_static("mss.outbox.retry");
    /// A queued message was refused for good (or given up).
    pub const OUTBOX_FAILED: AuditKind = AuditKind::from_static("mss.outbox.failed");
    /// A message left in flight by a crash was put back in the queue.
    pub const OUTBOX_RECOVERED: AuditKind = AuditKind::from_static("mss.outbox.recovered");
    /// An interrupted submission was found at the operator: not sent again.
    pub const OUTBOX_RECONCILED: AuditKind = AuditKind::from_static("mss.outbox.reconciled");
    /// An interrupted submission was sent again (the operator could not tell
    /// whether it had it).
    pub const OUTBOX_RESENT: AuditKind = AuditKind::from_static("mss.outbox.resent");
    /// A queued message was withdrawn by the user.
    pub const OUTBOX_CANCELLED: AuditKind = AuditKind::from_static("mss.outbox.cancelled");
    /// A read notification (MDN) was queued for a message the user read.
    pub const MDN_QUEUED: AuditKind = AuditKind::from_static("mss.mdn.queued");
    /// A read notification was asked for but not sent (policy, user choice).
    pub const MDN_NOT_SENT: AuditKind = AuditKind::from_static("mss.mdn.not_sent");
}

/// Writes the crate's traces; a no-op without a trail.
#[derive(Clone)]
pub struct Tracer {
    trail: Option<Arc<dyn AuditTrail>>,
    actor: String,
    mailbox: String,
    clock: SharedClock,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("actor", &self.actor)
            .field("mailbox", &self.mailbox)
            .field("enabled", &self.trail.is_some())
            .finish()
    }
}

impl Tracer {
    /// A tracer writing to `trail` for `actor` (idNat_PS or account id) on `mailbox`.
    pub fn new(
        trail: Option<Arc<dyn AuditTrail>>,
        actor: impl Into<String>,
        mailbox: impl Into<String>,
        clock: SharedClock,
    ) -> Self {
        Self {
            trail,
            actor: actor.into(),
            mailbox: mailbox.into(),
            clock,
        }
    }

    /// Records an event; `build` adds details. A trail failure is logged, not
    /// propagated: the mail operation already happened and must not be
    /// replayed because its trace failed.
    pub fn record(
        &self,
        kind: AuditKind,
        outcome: Outcome,
        build: impl FnOnce(AuditEvent) -> AuditEvent,
    ) {
        let Some(trail) = &self.trail else { return };
        let event = build(
            AuditEvent::new(kind, self.actor.clone(), outcome, self.clock.now())
                .with_target(self.mailbox.clone()),
        );
        if let Err(e) = trail.append(event) {
            tracing::error!(error = %e, "cannot write the MSSanté audit trace");
        }
    }
}

/// `Success` or `Failure` from a result.
pub fn outcome<T, E>(r: &Result<T, E>) -> Outcome {
    if r.is_ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}
