//! Systematic feeding (SC.DMP/ALI/PROG.02/03/05/06/07, HISTO.03/04/05),
//! wired end to end: the host hands every document it produces to the
//! [`Feeder`]; documents of the Ségur perimeter are queued automatically
//! (unless the professional holds one back), documents outside it are
//! left alone; a [`FeedWorker`] drains the queue through the DMP client
//! ([`DmpOrderSender`], the queue's [`OrderSender`]) as soon as sending is
//! possible, retrying with back-off, surviving restarts, exactly once
//! towards the DMP; [`Feeder::report`] lists pending and failed orders with
//! their reason.
//!
//! ```no_run
//! # async fn demo(client: segur_dmp::client::DmpClient, doc: Vec<u8>) -> Result<(), segur_dmp::Error> {
//! use std::sync::Arc;
//! use segur_dmp::feed::Feed;
//! use segur_dmp::feeding::{Feeder, FeedWorker, SegurPerimeter};
//! use segur_dmp::queue::{Backoff, SqliteQueue};
//!
//! let queue = Arc::new(SqliteQueue::open("dmp-queue.db")?);
//! let local = client.local().clone();
//! let feeder = Feeder::new(queue.clone(), local.consent.clone(), local.audit.clone(), local.history.clone(),
//!     SegurPerimeter::default(), Arc::new(segur_psc::SystemClock));
//! // When the host produces a document:
//! feeder.document_produced(Feed::document(doc), false)?;
//! // Once, at start-up, in the background:
//! let worker = FeedWorker::new(queue, Arc::new(segur_dmp::feeding::DmpOrderSender::new(client)),
//!     Arc::new(segur_psc::SystemClock), Backoff::default());
//! tokio::spawn(async move { worker.run(std::future::pending::<()>()).await });
//! # Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::sync::Arc;
#[cfg(feature = "client")]
use std::time::Duration;

use base64::Engine as _;
use segur_cda::xds::{DocumentEntry, Submission, XdsCode};
#[cfg(feature = "client")]
use segur_ins::Ins;
use segur_psc::SharedClock;
use segur_ssi::audit::{AuditEvent, AuditTrail, Outcome};
use time::OffsetDateTime;

use crate::consent::{ConsentStore, DmpOperation, audit_kinds, enforce, patient_ref};
use crate::error::{Error, StoreError};
use crate::feed::{Feed, FeedDocument, Visibility};
use crate::history::{Direction, DocumentHistory, HistoryRecord, HistoryStatus};
#[cfg(feature = "client")]
use crate::queue::{Backoff, OrderSender, drain_once};
use crate::queue::{DrainReport, NewOrder, Order, OrderStatus, QueueStore, SendOutcome};

/// The document types fed systematically (SC.DMP/ALI/PROG.02). The default
/// is every document type segur-cda knows (`segur_cda::vocab::DOCUMENT_TYPES`);
/// hosts narrow or extend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegurPerimeter {
    types: BTreeSet<(String, String)>,
}

impl Default for SegurPerimeter {
    fn default() -> Self {
        Self {
            types: segur_cda::vocab::DOCUMENT_TYPES
                .iter()
                .map(|t| (t.code.to_owned(), t.code_system.as_str().to_owned()))
                .collect(),
        }
    }
}

impl SegurPerimeter {
    /// An empty perimeter.
    pub fn empty() -> Self {
        Self {
            types: BTreeSet::new(),
        }
    }

    /// Adds a type (`code`, `codeSystem`).
    pub fn with_type(mut self, code: &str, code_system: &str) -> Self {
        self.types.insert((code.to_owned(), code_system.to_owned()));
        self
    }

    /// Whether a document type is in the perimeter.
    pub fn contains(&self, type_code: &XdsCode) -> bool {
        self.types
            .contains(&(type_code.code.clone(), type_code.coding_scheme.clone()))
    }
}

// ---------------------------------------------------------------------------
// Queue payload

#[derive(serde::Serialize, serde::Deserialize)]
struct PayloadDocument {
    bytes: String,
    /// Host-given metadata, as ebRIM (one ExtrinsicObject).
    entry: Option<String>,
    format_code: Option<(String, String, String)>,
    class_code: Option<(String, String, String)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    documents: Vec<PayloadDocument>,
    visibility: Visibility,
    comments: Option<String>,
}

fn code_tuple(c: &Option<XdsCode>) -> Option<(String, String, String)> {
    c.as_ref().map(|c| {
        (
            c.code.clone(),
            c.coding_scheme.clone(),
            c.display_name.clone(),
        )
    })
}

fn tuple_code(t: Option<(String, String, String)>) -> Option<XdsCode> {
    t.map(|(a, b, c)| XdsCode::new(&a, &b, &c))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The queue payload of a feed.
pub fn encode_payload(feed: &Feed) -> Result<Vec<u8>, Error> {
    let payload = Payload {
        documents: feed
            .documents
            .iter()
            .map(|d| PayloadDocument {
                bytes: b64().encode(&d.bytes),
                entry: d.entry.as_ref().map(|e| {
                    Submission {
                        entries: vec![e.clone()],
                        ..Submission::default()
                    }
                    .to_ebrim()
                }),
                format_code: code_tuple(&d.format_code),
                class_code: code_tuple(&d.class_code),
            })
            .collect(),
        visibility: feed.visibility,
        comments: feed.comments.clone(),
    };
    serde_json::to_vec(&payload).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

/// The feed of a queue payload.
pub fn decode_payload(bytes: &[u8]) -> Result<Feed, Error> {
    let corrupt = |e: String| Error::Store(StoreError::Corrupt(e));
    let payload: Payload = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let mut documents = Vec::new();
    for d in payload.documents {
        let entry: Option<DocumentEntry> = match d.entry {
            Some(xml) => Submission::from_ebrim(xml.as_bytes())
                .map_err(|e| corrupt(e.to_string()))?
                .entries
                .into_iter()
                .next(),
            None => None,
        };
        documents.push(FeedDocument {
            bytes: b64()
                .decode(d.bytes.as_bytes())
                .map_err(|e| corrupt(e.to_string()))?,
            entry,
            format_code: tuple_code(d.format_code),
            class_code: tuple_code(d.class_code),
        });
    }
    Ok(Feed {
        documents,
        visibility: payload.visibility,
        comments: payload.comments,
    })
}

// ---------------------------------------------------------------------------
// Feeder

/// What [`Feeder::document_produced`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeedDecision {
    /// Queued (held back when the professional asked).
    Queued {
        /// The order.
        order: Order,
    },
    /// Outside the Ségur perimeter: not sent automatically.
    OutsidePerimeter {
        /// The document type.
        type_code: String,
    },
}

/// A feed order as reported to the professional.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderReport {
    /// uniqueId of the (main) document.
    pub key: String,
    /// Patient reference.
    pub patient: String,
    /// Label (title / type).
    pub label: String,
    /// Status.
    pub status: OrderStatus,
    /// Attempts made.
    pub attempts: u32,
    /// Next attempt (pending orders).
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// Why it is not sent yet / failed.
    pub reason: Option<String>,
}

/// Pending, held and failed feed orders (SC.DMP/ALI/PROG.07).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedReport {
    /// Waiting to be sent (with the reason of the last failed attempt).
    pub pending: Vec<OrderReport>,
    /// Held back by the professional.
    pub held: Vec<OrderReport>,
    /// Refused for good.
    pub failed: Vec<OrderReport>,
}

fn order_report(o: &Order) -> OrderReport {
    OrderReport {
        key: o.key.clone(),
        patient: o.patient.clone(),
        label: o.label.clone(),
        status: o.status,
        attempts: o.attempts,
        next_attempt_at: o.next_attempt_at,
        reason: o.last_error.clone(),
    }
}

/// The host-facing side of systematic feeding.
pub struct Feeder {
    queue: Arc<dyn QueueStore>,
    consent: Arc<dyn ConsentStore>,
    audit: Arc<dyn AuditTrail>,
    history: Arc<dyn DocumentHistory>,
    perimeter: SegurPerimeter,
    clock: SharedClock,
}

impl std::fmt::Debug for Feeder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feeder")
            .field("perimeter", &self.perimeter)
            .finish_non_exhaustive()
    }
}

impl Feeder {
    /// A feeder over a queue.
    pub fn new(
        queue: Arc<dyn QueueStore>,
        consent: Arc<dyn ConsentStore>,
        audit: Arc<dyn AuditTrail>,
        history: Arc<dyn DocumentHistory>,
        perimeter: SegurPerimeter,
        clock: SharedClock,
    ) -> Self {
        Self {
            queue,
            consent,
            audit,
            history,
            perimeter,
            clock,
        }
    }

    /// A document (or pair) the host just produced: queued if its type is
    /// in the Ségur perimeter (`hold`: the professional holds it back).
    pub fn document_produced(&self, feed: Feed, hold: bool) -> Result<FeedDecision, Error> {
        let prepared = feed.prepare()?;
        let first = &prepared.entries()[0];
        if !self.perimeter.contains(&first.type_code) {
            return Ok(FeedDecision::OutsidePerimeter {
                type_code: first.type_code.code.clone(),
            });
        }
        self.enqueue(feed, hold)
            .map(|order| FeedDecision::Queued { order })
    }

    /// Queues a feed whatever its type (a document taken from the local
    /// history, SC.DMP/HISTO.03, with the metadata chosen, HISTO.04). The
    /// patient's consent is checked now (and again when sending).
    /// Idempotent: queueing the same document twice returns the first order.
    pub fn enqueue(&self, feed: Feed, hold: bool) -> Result<Order, Error> {
        let prepared = feed.prepare()?;
        let patient = *prepared.patient();
        let now = self.clock.now();
        enforce(
            self.consent.as_ref(),
            self.audit.as_ref(),
            &patient,
            DmpOperation::Feed,
            "system",
            now,
        )?;
        let first = &prepared.entries()[0];
        let label = first
            .title
            .clone()
            .unwrap_or_else(|| first.type_code.display_name.clone());
        let order = self.queue.enqueue(
            NewOrder {
                key: prepared.key().to_owned(),
                patient: patient_ref(&patient),
                label,
                payload: encode_payload(&feed)?,
                held: hold,
            },
            now,
        )?;
        // A document already sent stays "sent" in the history.
        for (i, entry) in prepared.entries().iter().enumerate() {
            if self
                .history
                .get(&entry.unique_id, Direction::Sent)?
                .is_some_and(|r| {
                    r.status != HistoryStatus::Queued && r.status != HistoryStatus::Held
                })
            {
                continue;
            }
            let header = prepared
                .bytes(i)
                .and_then(|b| segur_cda::Document::parse_header(b).ok());
            let status = match order.status {
                OrderStatus::Held => HistoryStatus::Held,
                _ => HistoryStatus::Queued,
            };
            self.history.upsert(&HistoryRecord::from_entry(
                entry,
                header.as_ref(),
                Direction::Sent,
                status,
                now,
            ))?;
        }
        self.audit
            .append(
                AuditEvent::new(audit_kinds::FEED, "system", Outcome::Success, now)
                    .with_patient(patient_ref(&patient))
                    .with_document(prepared.key())
                    .with_detail("step", if hold { "held" } else { "queued" }),
            )
            .map_err(Error::Audit)?;
        Ok(order)
    }

    fn transition(
        &self,
        key: &str,
        f: impl FnOnce(&mut Order, OffsetDateTime) -> Result<(), crate::queue::InvalidTransition>,
        status: HistoryStatus,
    ) -> Result<Order, Error> {
        let mut order = self
            .queue
            .by_key(key)?
            .ok_or_else(|| StoreError::NotFound(format!("feed order {key}")))?;
        let now = self.clock.now();
        f(&mut order, now).map_err(StoreError::from)?;
        self.queue.save(&order)?;
        self.history
            .set_status(key, Direction::Sent, status, None, now)?;
        Ok(order)
    }

    /// The professional holds a pending order back (SC.DMP/ALI/PROG.03).
    pub fn hold(&self, key: &str) -> Result<Order, Error> {
        self.transition(key, Order::hold, HistoryStatus::Held)
    }

    /// Releases a held order.
    pub fn release(&self, key: &str) -> Result<Order, Error> {
        self.transition(key, Order::release, HistoryStatus::Queued)
    }

    /// Withdraws an order not sent yet.
    pub fn cancel(&self, key: &str) -> Result<Order, Error> {
        self.transition(key, Order::cancel, HistoryStatus::Cancelled)
    }

    /// Retries a failed order (after the cause was fixed).
    pub fn retry(&self, key: &str) -> Result<Order, Error> {
        self.transition(key, Order::retry, HistoryStatus::Queued)
    }

    /// Pending, held and failed orders with their reason.
    pub fn report(&self) -> Result<FeedReport, Error> {
        let mut report = FeedReport::default();
        for o in self.queue.list(&[
            OrderStatus::Pending,
            OrderStatus::InFlight,
            OrderStatus::Held,
            OrderStatus::Failed,
        ])? {
            let r = order_report(&o);
            match o.status {
                OrderStatus::Held => report.held.push(r),
                OrderStatus::Failed => report.failed.push(r),
                _ => report.pending.push(r),
            }
        }
        Ok(report)
    }

    /// Brings the history up to date with a drain report (the worker calls
    /// it after each pass).
    pub fn record(&self, drain: &DrainReport) -> Result<(), Error> {
        let now = self.clock.now();
        for key in &drain.sent {
            self.history
                .set_status(key, Direction::Sent, HistoryStatus::Sent, None, now)?;
        }
        for (key, reason) in &drain.failed {
            self.history.set_status(
                key,
                Direction::Sent,
                HistoryStatus::Failed,
                Some(reason),
                now,
            )?;
        }
        for (key, reason) in &drain.retrying {
            self.history.set_status(
                key,
                Direction::Sent,
                HistoryStatus::Queued,
                Some(reason),
                now,
            )?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The DMP sender

/// The queue's [`OrderSender`] over the DMP client (feature `client`). The
/// presence check asks for the order's key (the first document's uniqueId):
/// a submission is atomic, so the other documents of a pair are there too.
#[cfg(feature = "client")]
#[derive(Debug, Clone)]
pub struct DmpOrderSender {
    client: crate::client::DmpClient,
}

#[cfg(feature = "client")]
impl DmpOrderSender {
    /// A sender.
    pub fn new(client: crate::client::DmpClient) -> Self {
        Self { client }
    }
}

/// How a send error is handled by the queue.
pub fn classify(e: &Error) -> SendOutcome {
    #[cfg(feature = "client")]
    if crate::client::DmpClient::is_duplicate(e) {
        return SendOutcome::AlreadyPresent { receipt: None };
    }
    let reason = e.to_string();
    // The version it replaces may still be waiting in the queue: wait for it
    // (the reason is reported to the professional meanwhile).
    if matches!(e, Error::Feed(crate::error::FeedError::ReplacedNotFound(_))) {
        return SendOutcome::Transient(reason);
    }
    if e.outcome_unknown() {
        SendOutcome::Unknown(reason)
    } else if e.is_transient() {
        SendOutcome::Transient(reason)
    } else {
        SendOutcome::Permanent(reason)
    }
}

#[cfg(feature = "client")]
impl OrderSender for DmpOrderSender {
    fn send<'a>(&'a self, order: &'a Order) -> crate::BoxFuture<'a, SendOutcome> {
        Box::pin(async move {
            let feed = match decode_payload(&order.payload) {
                Ok(f) => f,
                Err(e) => return SendOutcome::Permanent(e.to_string()),
            };
            match self.client.feed(&feed).await {
                Ok(r) => SendOutcome::Sent {
                    receipt: Some(r.submission_set_unique_id),
                },
                Err(e) => classify(&e),
            }
        })
    }

    fn is_present<'a>(
        &'a self,
        order: &'a Order,
    ) -> crate::BoxFuture<'a, Result<Option<String>, SendOutcome>> {
        Box::pin(async move {
            let patient = Ins::from_cx(&order.patient)
                .map_err(|e| SendOutcome::Permanent(format!("patient of the order: {e}")))?;
            match self.client.entry_uuid_of(&patient, &order.key).await {
                Ok(found) => Ok(found),
                Err(e) => Err(match classify(&e) {
                    // A check that could not be made: try again later.
                    SendOutcome::Permanent(r) => SendOutcome::Permanent(r),
                    other => SendOutcome::Transient(match other {
                        SendOutcome::Unknown(r) | SendOutcome::Transient(r) => r,
                        _ => e.to_string(),
                    }),
                }),
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Worker

/// Drains the queue in the background (feature `client`): at start, orders left in flight by a
/// crash go back to pending (checked before resending); then it sends every
/// due order, sleeps until the next one is due (or `poll` elapses, or
/// its [`FeedWorker::waker`] is notified), and stops when `shutdown` completes.
/// One worker per queue database.
#[cfg(feature = "client")]
pub struct FeedWorker {
    queue: Arc<dyn QueueStore>,
    sender: Arc<dyn OrderSender>,
    clock: SharedClock,
    backoff: Backoff,
    poll: Duration,
    batch: usize,
    wake: Arc<tokio::sync::Notify>,
    feeder: Option<Arc<Feeder>>,
}

#[cfg(feature = "client")]
impl std::fmt::Debug for FeedWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedWorker")
            .field("backoff", &self.backoff)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "client")]
impl FeedWorker {
    /// A worker (polls at least every 30 s, 20 orders per pass).
    pub fn new(
        queue: Arc<dyn QueueStore>,
        sender: Arc<dyn OrderSender>,
        clock: SharedClock,
        backoff: Backoff,
    ) -> Self {
        Self {
            queue,
            sender,
            clock,
            backoff,
            poll: Duration::from_secs(30),
            batch: 20,
            wake: Arc::new(tokio::sync::Notify::new()),
            feeder: None,
        }
    }

    /// Longest sleep between passes.
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Keeps the feeder's history up to date after each pass.
    pub fn with_feeder(mut self, feeder: Arc<Feeder>) -> Self {
        self.feeder = Some(feeder);
        self
    }

    /// A handle that wakes the worker (new order queued, network back).
    pub fn waker(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// One pass (after recovery when `recover`).
    pub async fn pass(&self) -> Result<DrainReport, Error> {
        let report = drain_once(
            self.queue.as_ref(),
            self.sender.as_ref(),
            self.clock.as_ref(),
            &self.backoff,
            self.batch,
        )
        .await?;
        if let Some(f) = &self.feeder {
            f.record(&report)?;
        }
        Ok(report)
    }

    fn next_sleep(&self) -> Duration {
        let now = self.clock.now();
        let next = self
            .queue
            .list(&[OrderStatus::Pending])
            .ok()
            .and_then(|l| l.iter().map(|o| o.next_attempt_at).min());
        match next {
            Some(t) if t > now => {
                let d = t - now;
                Duration::from_millis(d.whole_milliseconds().clamp(0, i128::from(u32::MAX)) as u64)
                    .min(self.poll)
            }
            Some(_) => Duration::from_millis(0),
            None => self.poll,
        }
    }

    /// Runs until `shutdown` completes. Cancel-safe: dropping it leaves at
    /// most one order in flight, recovered at the next start.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) -> Result<(), Error> {
        self.queue.recover_in_flight(self.clock.now())?;
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let report = self.pass().await?;
            let sleep = if report.sent.is_empty() && report.failed.is_empty() {
                self.next_sleep()
            } else {
                Duration::from_millis(0)
            };
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = self.wake.notified() => {}
                () = tokio::time::sleep(sleep.max(Duration::from_millis(1))) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{FeedError, TransportError, TransportErrorKind};

    fn transport(kind: TransportErrorKind) -> Error {
        TransportError {
            kind,
            url: "http://127.0.0.1/x".into(),
            message: "m".into(),
        }
        .into()
    }

    #[test]
    fn send_errors_are_classified_for_the_queue() {
        assert!(matches!(
            classify(&transport(TransportErrorKind::Connect)),
            SendOutcome::Transient(_)
        ));
        for k in [TransportErrorKind::Io, TransportErrorKind::Timeout] {
            assert!(matches!(classify(&transport(k)), SendOutcome::Unknown(_)));
        }
        assert!(matches!(
            classify(&Error::Fault(crate::soap::SoapFault::receiver("X", "y"))),
            SendOutcome::Unknown(_)
        ));
        assert!(matches!(
            classify(&Error::Fault(crate::soap::SoapFault::sender("X", "y"))),
            SendOutcome::Permanent(_)
        ));
        assert!(matches!(
            classify(&Error::Credentials("no card".into())),
            SendOutcome::Transient(_)
        ));
        assert!(matches!(
            classify(&FeedError::ReplacedNotFound("1.2^3".into()).into()),
            SendOutcome::Transient(_)
        ));
        assert!(matches!(
            classify(&FeedError::Empty.into()),
            SendOutcome::Permanent(_)
        ));
        assert!(matches!(
            classify(&Error::Consent {
                operation: crate::consent::DmpOperation::Feed,
                refusal: crate::consent::ConsentRefusal::OpposedToFeeding,
            }),
            SendOutcome::Permanent(_)
        ));
        let dup = Error::Registry(crate::xds::RegistryFailure {
            status: "Failure".into(),
            errors: vec![crate::xds::RegistryError::error(
                crate::xds::error_codes::DUPLICATE_UNIQUE_ID,
                "already",
            )],
        });
        #[cfg(feature = "client")]
        assert!(matches!(classify(&dup), SendOutcome::AlreadyPresent { .. }));
        #[cfg(not(feature = "client"))]
        assert!(matches!(classify(&dup), SendOutcome::Permanent(_)));
        assert!(matches!(
            classify(&crate::ProtocolError::HttpStatus { status: 503 }.into()),
            SendOutcome::Transient(_)
        ));
        assert!(matches!(
            classify(&crate::ProtocolError::HttpStatus { status: 502 }.into()),
            SendOutcome::Unknown(_)
        ));
    }
}
