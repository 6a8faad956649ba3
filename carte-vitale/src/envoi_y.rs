//! The "envoi en Y": a prescription goes to the e-prescription service AND
//! to the patient's DMP (SC.ORDN/CONF.01/04/05).
//!
//! ```text
//!                     ┌─> e-prescription service (deadline) ── registered? ─┐
//! prescription ──────┤                                                      │
//!                     └─> DMP send queue <── document WITH the 2D code ─────┤ yes
//!                                        <── document WITHOUT the code ─────┘ no (timeout, error, refusal)
//! ```
//!
//! [`EnvoiEnY::send`]:
//! 1. renders the document without code and submits it, identifier as
//!    idempotency key, under a deadline ([`YConfig::eprescription_timeout`]);
//! 2. records the decision in the [`YJournal`] *before* any DMP side effect:
//!    registered → the code is printed; timeout / error / refusal → the DMP
//!    still receives the document, **without** the code (CONF.05);
//! 3. renders the final document (its `id` is derived from the prescription
//!    identifier, so it is the same on every retry) and hands it to
//!    segur-dmp's [`Feeder`] (the patient's consent is checked, the local
//!    document history updated, the order queued; enqueueing is idempotent
//!    on the `uniqueId`);
//! 4. optionally drains the queue right away through segur-dmp's
//!    [`FeedWorker`] (when this dispatcher may drive the queue's only
//!    drainer, see [`EnvoiEnY::with_worker`]) or wakes the host's background
//!    worker ([`EnvoiEnY::with_worker_waker`]).
//!
//! Every branch is traced in the segur-ssi audit trail (kinds under
//! `ordn.`: `ordn.y.start`, `ordn.eprescription.submit`,
//! `ordn.dmp.enqueue`, `ordn.dmp.send`, `ordn.y.complete`, `ordn.y.replay`),
//! with the prescription identifier as request id, the document `uniqueId`
//! and the local patient reference.
//!
//! # Retries never duplicate
//! Calling [`EnvoiEnY::send`] again for the same prescription (a click
//! twice, a crash, a restart):
//! - after a recorded decision, the e-prescription service is not called
//!   again and the same document (same `uniqueId`) is enqueued, which the
//!   queue ignores when already there;
//! - if the process died during the submission, the submission is made
//!   again with the same identifier: the service's idempotency (PUT on the
//!   identifier) registers it once;
//! - the DMP queue itself checks the DMP before re-sending an order whose
//!   outcome was unknown.
//!
//! A decision is final for a prescription: once the DMP has the document
//! without code, a later registration does not produce a second document.
//!
//! # DMP queue order
//! The order is what segur-dmp's `DmpOrderSender` sends: queued by its
//! [`Feeder`], the payload is `segur_dmp::feeding::encode_payload` of a
//! one-document [`Feed`] (the N3 with the eP-MED-DM formatCode, or the N1),
//! the key the document `uniqueId` (`root^extension`), the patient the INS
//! (`segur_dmp::consent::patient_ref`: the sender's presence check needs
//! it). The "envoi en Y" traces keep the local [`Prescription::patient_ref`].
//! One document per prescription reaches the DMP: the N3 alone for health
//! products (its PDF copy is the printed page), not an N3/N1 pair.

use std::fmt;
use std::sync::{Arc, Mutex};

use segur_cda::datatypes::Ii;
use segur_cda::{Document, Level};
use segur_dmp::feed::{Feed, FeedDocument};
#[cfg(feature = "client")]
use segur_dmp::feeding::FeedWorker;
use segur_dmp::feeding::{Feeder, decode_payload};
use segur_dmp::queue::{Order, OrderStatus, QueueStore};
use segur_ids::Oid;
use segur_psc::SharedClock;
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};
use time::OffsetDateTime;

use crate::eprescription::{EPrescriptionService, Submission};
use crate::error::{EPrescriptionError, Error, RenderError, StoreError};
use crate::ordonnance::{
    CodePayload, PayloadFormat, Prescription, PrescriptionId, PrescriptionRenderer, PrintedCode,
    RenderRequest, Symbology,
};

/// Audit kinds of the "envoi en Y".
pub mod kinds {
    use segur_ssi::audit::AuditKind;
    /// A send starts (no earlier decision).
    pub const START: AuditKind = AuditKind::from_static("ordn.y.start");
    /// The e-prescription leg's outcome (success: registered; failure:
    /// `outcome` = `timeout` or the error kind).
    pub const EPRESCRIPTION_SUBMIT: AuditKind = AuditKind::from_static("ordn.eprescription.submit");
    /// The document was put in the DMP queue (`with_code` true / false;
    /// failure: segur-dmp's feeder refused it, `reason`).
    pub const DMP_ENQUEUE: AuditKind = AuditKind::from_static("ordn.dmp.enqueue");
    /// An immediate DMP send attempt (when a worker is configured).
    pub const DMP_SEND: AuditKind = AuditKind::from_static("ordn.dmp.send");
    /// The send is done (success: both legs; failure: degraded, DMP only).
    pub const COMPLETE: AuditKind = AuditKind::from_static("ordn.y.complete");
    /// A send of a prescription already decided was replayed (no new effect).
    pub const REPLAY: AuditKind = AuditKind::from_static("ordn.y.replay");
}

/// The e-prescription leg's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum EPrescriptionLeg {
    /// The service registered the prescription.
    Registered {
        /// The service's receipt.
        receipt: String,
        /// It was already registered (an earlier attempt).
        already_registered: bool,
    },
    /// No answer before the deadline. The service may still have registered
    /// it: [`EnvoiEnY::reconcile`] asks.
    TimedOut {
        /// The deadline, in milliseconds.
        after_ms: u64,
    },
    /// The service failed or refused.
    Failed {
        /// `unavailable`, `rejected`, `conflict`, `protocol`, `config`.
        kind: String,
        /// The error.
        reason: String,
    },
}

impl EPrescriptionLeg {
    /// Whether the code is printed.
    pub fn is_registered(&self) -> bool {
        matches!(self, Self::Registered { .. })
    }

    fn trace(&self) -> (&str, String) {
        match self {
            Self::Registered { .. } => ("registered", String::new()),
            Self::TimedOut { after_ms } => ("timeout", format!("no answer within {after_ms} ms")),
            Self::Failed { kind, reason } => (kind.as_str(), reason.clone()),
        }
    }
}

/// The journal entry of one prescription.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct YRecord {
    /// The prescription.
    pub id: PrescriptionId,
    /// The e-prescription leg, once decided (final).
    pub eprescription: Option<EPrescriptionLeg>,
    /// The DMP order key, once enqueued.
    pub dmp_key: Option<String>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Durable journal of the "envoi en Y" decisions.
pub trait YJournal: Send + Sync {
    /// The entry of a prescription.
    fn get(&self, id: &PrescriptionId) -> Result<Option<YRecord>, StoreError>;
    /// Writes an entry (atomically, durably).
    fn put(&self, record: &YRecord) -> Result<(), StoreError>;
}

/// In-memory journal (tests).
#[derive(Debug, Default)]
pub struct MemoryYJournal(Mutex<std::collections::HashMap<PrescriptionId, YRecord>>);

impl YJournal for MemoryYJournal {
    fn get(&self, id: &PrescriptionId) -> Result<Option<YRecord>, StoreError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned())
    }

    fn put(&self, record: &YRecord) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(record.id.clone(), record.clone());
        Ok(())
    }
}

/// SQLite journal (table `segur_ordn_y`, WAL, `synchronous=FULL`).
pub struct SqliteYJournal {
    conn: Mutex<rusqlite::Connection>,
}

impl fmt::Debug for SqliteYJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteYJournal").finish_non_exhaustive()
    }
}

impl SqliteYJournal {
    /// Opens (or creates) the journal in `path`.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Self::new(rusqlite::Connection::open(path)?)
    }

    /// Uses a connection (e.g. in memory, or the host's database).
    pub fn new(conn: rusqlite::Connection) -> Result<Self, StoreError> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS segur_ordn_y (
                 id TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL)",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
}

impl YJournal for SqliteYJournal {
    fn get(&self, id: &PrescriptionId) -> Result<Option<YRecord>, StoreError> {
        use rusqlite::OptionalExtension;
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let json: Option<String> = conn
            .query_row(
                "SELECT record FROM segur_ordn_y WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    fn put(&self, record: &YRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "INSERT INTO segur_ordn_y (id, record) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET record = excluded.record",
            [record.id.as_str(), json.as_str()],
        )?;
        Ok(())
    }
}

/// Settings of the "envoi en Y".
#[derive(Debug, Clone)]
pub struct YConfig {
    /// How long to wait for the e-prescription service (default 10 s; the
    /// official deadline is UNCONFIRMED).
    pub eprescription_timeout: std::time::Duration,
    /// Symbology of the printed code (default QR code).
    pub symbology: Symbology,
    /// Payload format of the printed code (default: the identifier alone).
    pub payload_format: PayloadFormat,
    /// OID root of the structure's document ids: the document `id` is
    /// `<root>` + extension = the prescription identifier.
    pub document_root: Oid,
    /// Who sends, for the audit trail (idNat_PS or account id).
    pub actor: String,
}

impl YConfig {
    /// Defaults with the structure's document root and the actor.
    pub fn new(document_root: Oid, actor: impl Into<String>) -> Self {
        Self {
            eprescription_timeout: std::time::Duration::from_secs(10),
            symbology: Symbology::QrCode,
            payload_format: PayloadFormat::Identifier,
            document_root,
            actor: actor.into(),
        }
    }
}

/// Where the DMP leg stands after a send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DmpLeg {
    /// The queue's order id.
    pub order_id: i64,
    /// The order key: the document `uniqueId`.
    pub key: String,
    /// Whether the queued document carries the 2D code.
    pub with_code: bool,
    /// The order's status (pending until a drainer sends it; `sent` once the
    /// DMP has it).
    pub status: OrderStatus,
    /// The DMP receipt, once sent.
    pub receipt: Option<String>,
    /// The last send error, if any.
    pub last_error: Option<String>,
}

/// The result of [`EnvoiEnY::send`].
#[derive(Debug, Clone)]
pub struct YOutcome {
    /// The prescription.
    pub id: PrescriptionId,
    /// The e-prescription leg.
    pub eprescription: EPrescriptionLeg,
    /// The code printed, when registered.
    pub code: Option<PrintedCode>,
    /// The document given to the DMP (print its PDF for the patient).
    pub document: Document,
    /// The DMP leg.
    pub dmp: DmpLeg,
    /// Whether this was a replay of an earlier decision.
    pub replayed: bool,
}

impl YOutcome {
    /// Both legs done: registered, and the document (with its code) queued for the DMP.
    pub fn is_complete(&self) -> bool {
        self.eprescription.is_registered()
    }
}

/// What happens after the document is queued for the DMP.
#[derive(Clone, Default)]
enum Dispatch {
    /// The host's worker drains the queue on its own schedule.
    #[default]
    Queue,
    /// One pass of this worker right away.
    #[cfg(feature = "client")]
    Pass(Arc<FeedWorker>),
    /// Wake the host's background worker.
    #[cfg(feature = "client")]
    Wake(Arc<tokio::sync::Notify>),
}

/// The "envoi en Y" orchestrator.
pub struct EnvoiEnY {
    eprescription: Arc<dyn EPrescriptionService>,
    renderer: Arc<dyn PrescriptionRenderer>,
    queue: Arc<dyn QueueStore>,
    feeder: Arc<Feeder>,
    journal: Arc<dyn YJournal>,
    audit: Arc<dyn AuditTrail>,
    clock: SharedClock,
    config: YConfig,
    dispatch: Dispatch,
}

impl fmt::Debug for EnvoiEnY {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvoiEnY")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The parts of an [`EnvoiEnY`].
pub struct YParts {
    /// The e-prescription service.
    pub eprescription: Arc<dyn EPrescriptionService>,
    /// The document renderer ([`crate::ordonnance::CisisRenderer`], or the host's).
    pub renderer: Arc<dyn PrescriptionRenderer>,
    /// segur-dmp's send queue: the one `feeder` writes to (read here for the
    /// state of the order).
    pub queue: Arc<dyn QueueStore>,
    /// segur-dmp's feeder over `queue` (consent check, document history).
    pub feeder: Arc<Feeder>,
    /// The decision journal.
    pub journal: Arc<dyn YJournal>,
    /// The audit trail.
    pub audit: Arc<dyn AuditTrail>,
    /// The clock.
    pub clock: SharedClock,
}

impl EnvoiEnY {
    /// An orchestrator.
    pub fn new(parts: YParts, config: YConfig) -> Self {
        Self {
            eprescription: parts.eprescription,
            renderer: parts.renderer,
            queue: parts.queue,
            feeder: parts.feeder,
            journal: parts.journal,
            audit: parts.audit,
            clock: parts.clock,
            config,
            dispatch: Dispatch::Queue,
        }
    }

    /// After enqueueing, one pass of `worker` at once (segur-dmp's
    /// `DmpOrderSender` sends every due order). Use only when nothing else
    /// drains the queue meanwhile (segur-dmp allows one drainer per
    /// database): otherwise [`Self::with_worker_waker`].
    #[cfg(feature = "client")]
    pub fn with_worker(mut self, worker: Arc<FeedWorker>) -> Self {
        self.dispatch = Dispatch::Pass(worker);
        self
    }

    /// After enqueueing, wake the host's background [`FeedWorker`]
    /// (`FeedWorker::waker`).
    #[cfg(feature = "client")]
    pub fn with_worker_waker(mut self, waker: Arc<tokio::sync::Notify>) -> Self {
        self.dispatch = Dispatch::Wake(waker);
        self
    }

    /// The settings.
    pub fn config(&self) -> &YConfig {
        &self.config
    }

    /// The document `id` of a prescription.
    pub fn document_id(&self, id: &PrescriptionId) -> Ii {
        Ii::oid(&self.config.document_root, Some(id.to_string()))
    }

    /// The DMP order key (`uniqueId`, `root^extension`) of a prescription.
    pub fn dmp_key(&self, id: &PrescriptionId) -> String {
        format!("{}^{}", self.config.document_root, id)
    }

    fn set_id(&self, id: &PrescriptionId) -> Ii {
        Ii::oid(&self.config.document_root, Some(format!("{id}-SET")))
    }

    async fn trace(&self, event: AuditEvent) -> Result<(), Error> {
        let audit = self.audit.clone();
        tokio::task::spawn_blocking(move || audit.append(event))
            .await
            .map_err(|e| StoreError::Corrupt(format!("audit task: {e}")))?
            .map_err(StoreError::from)?;
        Ok(())
    }

    fn event(&self, kind: AuditKind, outcome: Outcome, p: &Prescription) -> AuditEvent {
        AuditEvent::new(kind, self.config.actor.clone(), outcome, self.clock.now())
            .with_patient(p.patient_ref.clone())
            .with_document(self.dmp_key(&p.id))
            .with_request_id(p.id.to_string())
    }

    fn render(
        &self,
        p: &Prescription,
        state_identifier: bool,
        code: Option<&PrintedCode>,
    ) -> Result<Document, Error> {
        let document_id = self.document_id(&p.id);
        let set_id = self.set_id(&p.id);
        let doc = self.renderer.render(&RenderRequest {
            prescription: p,
            document_id: &document_id,
            set_id: &set_id,
            state_identifier,
            code,
        })?;
        if doc.header.id.as_ref() != Some(&document_id) {
            let show = |i: Option<&Ii>| {
                i.map(|i| {
                    format!(
                        "{}^{}",
                        i.root.as_deref().unwrap_or(""),
                        i.extension.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default()
            };
            return Err(RenderError::WrongDocumentId {
                expected: show(Some(&document_id)),
                found: show(doc.header.id.as_ref()),
            }
            .into());
        }
        Ok(doc)
    }

    fn printed_code(&self, p: &Prescription) -> Result<PrintedCode, Error> {
        let mut payload = CodePayload::new(p.id.clone());
        if self.config.payload_format == PayloadFormat::Tagged {
            payload = payload
                .with_prescriber(p.prescriber.clone())
                .with_issued_on(p.issued_at.date());
        }
        Ok(PrintedCode::new(
            payload,
            self.config.payload_format,
            self.config.symbology,
        )?)
    }

    async fn submit(&self, p: &Prescription) -> Result<EPrescriptionLeg, Error> {
        let unprinted = self.render(p, true, None)?;
        let submission = Submission {
            id: p.id.clone(),
            kind: p.kind()?,
            prescriber: p.prescriber.clone(),
            issued_at: p.issued_at,
            document: unprinted.to_xml(),
        };
        let deadline = self.config.eprescription_timeout;
        let after_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
        let answer = tokio::time::timeout(deadline, self.eprescription.submit(&submission)).await;
        Ok(match answer {
            Ok(Ok(r)) => EPrescriptionLeg::Registered {
                receipt: r.receipt,
                already_registered: r.already_registered,
            },
            Ok(Err(EPrescriptionError::Timeout(_))) | Err(_) => {
                EPrescriptionLeg::TimedOut { after_ms }
            }
            Ok(Err(e)) => EPrescriptionLeg::Failed {
                kind: e.kind().to_owned(),
                reason: e.to_string(),
            },
        })
    }

    #[cfg(feature = "client")]
    async fn dispatch(&self, p: &Prescription, key: &str, order: Order) -> Result<Order, Error> {
        match &self.dispatch {
            Dispatch::Queue => Ok(order),
            Dispatch::Wake(waker) => {
                waker.notify_one();
                Ok(order)
            }
            Dispatch::Pass(worker) => {
                let report = worker.pass().await.map_err(StoreError::from)?;
                let order = self
                    .queue
                    .by_key(key)
                    .map_err(StoreError::from)?
                    .unwrap_or(order);
                let sent = report
                    .sent
                    .iter()
                    .chain(&report.reconciled)
                    .any(|k| k == key);
                let mut event = self
                    .event(
                        kinds::DMP_SEND,
                        if sent {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        },
                        p,
                    )
                    .with_detail("status", status_name(order.status));
                if let Some(e) = &order.last_error {
                    event = event.with_detail("reason", e.clone());
                }
                self.trace(event).await?;
                Ok(order)
            }
        }
    }

    #[cfg(not(feature = "client"))]
    async fn dispatch(&self, _: &Prescription, _: &str, order: Order) -> Result<Order, Error> {
        match self.dispatch {
            Dispatch::Queue => Ok(order),
        }
    }

    /// Sends a prescription in Y. See the [module docs](self).
    pub async fn send(&self, p: &Prescription) -> Result<YOutcome, Error> {
        let key = self.dmp_key(&p.id);
        let mut record = self.journal.get(&p.id)?.unwrap_or(YRecord {
            id: p.id.clone(),
            eprescription: None,
            dmp_key: None,
            updated_at: self.clock.now(),
        });
        let replay = record.eprescription.is_some() && record.dmp_key.is_some();
        if replay {
            self.trace(self.event(kinds::REPLAY, Outcome::Success, p))
                .await?;
        } else if record.eprescription.is_none() {
            self.trace(self.event(kinds::START, Outcome::Success, p))
                .await?;
        }
        let leg = match record.eprescription.clone() {
            Some(leg) => leg,
            None => {
                let leg = self.submit(p).await?;
                let (outcome, reason) = leg.trace();
                let mut event = self
                    .event(
                        kinds::EPRESCRIPTION_SUBMIT,
                        if leg.is_registered() {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        },
                        p,
                    )
                    .with_detail("outcome", outcome);
                if !reason.is_empty() {
                    event = event.with_detail("reason", reason);
                }
                if let EPrescriptionLeg::Registered {
                    already_registered: true,
                    ..
                } = leg
                {
                    event = event.with_detail("already_registered", "true");
                }
                self.trace(event).await?;
                record.eprescription = Some(leg.clone());
                record.updated_at = self.clock.now();
                // The decision is durable before any DMP side effect.
                self.journal.put(&record)?;
                leg
            }
        };
        let code = if leg.is_registered() {
            Some(self.printed_code(p)?)
        } else {
            None
        };
        let with_code = code.is_some();
        let existing = self.queue.by_key(&key).map_err(StoreError::from)?;
        let (document, mut order) = match existing {
            Some(order) => (queued_document(&order)?, order),
            None => {
                let document = self.render(p, with_code, code.as_ref())?;
                let order = match self.feeder.enqueue(feed_of(&document), false) {
                    Ok(order) => order,
                    Err(e) => {
                        // Refused (patient's opposition, metadata): traced,
                        // the decision stays in the journal for a retry.
                        self.trace(
                            self.event(kinds::DMP_ENQUEUE, Outcome::Failure, p)
                                .with_detail("with_code", with_code.to_string())
                                .with_detail("reason", e.to_string()),
                        )
                        .await?;
                        return Err(Error::Dmp(e));
                    }
                };
                self.trace(
                    self.event(kinds::DMP_ENQUEUE, Outcome::Success, p)
                        .with_detail("with_code", with_code.to_string()),
                )
                .await?;
                (document, order)
            }
        };
        if record.dmp_key.is_none() {
            record.dmp_key = Some(key.clone());
            record.updated_at = self.clock.now();
            self.journal.put(&record)?;
        }
        if order.status == OrderStatus::Pending {
            order = self.dispatch(p, &key, order).await?;
        }
        if !replay {
            self.trace(
                self.event(
                    kinds::COMPLETE,
                    if with_code {
                        Outcome::Success
                    } else {
                        Outcome::Failure
                    },
                    p,
                )
                .with_detail("mode", if with_code { "full" } else { "degraded" }),
            )
            .await?;
        }
        Ok(YOutcome {
            id: p.id.clone(),
            eprescription: leg,
            code,
            document,
            dmp: DmpLeg {
                order_id: order.id,
                key,
                with_code,
                status: order.status,
                receipt: order.receipt.clone(),
                last_error: order.last_error.clone(),
            },
            replayed: replay,
        })
    }

    /// After a timeout, asks the service whether it registered the
    /// prescription anyway (the document already went to the DMP without
    /// code; the host may tell the patient the prescription is also
    /// retrievable by its number). Traced.
    pub async fn reconcile(&self, p: &Prescription) -> Result<bool, Error> {
        let answer = tokio::time::timeout(
            self.config.eprescription_timeout,
            self.eprescription.status(&p.id),
        )
        .await;
        let registered = match answer {
            Ok(Ok(r)) => Ok(r.is_some()),
            Ok(Err(e)) => Err(Error::from(e)),
            Err(_) => Err(Error::from(EPrescriptionError::Timeout(
                self.config.eprescription_timeout,
            ))),
        };
        let event = self
            .event(
                AuditKind::from_static("ordn.eprescription.status"),
                if registered.is_ok() {
                    Outcome::Success
                } else {
                    Outcome::Failure
                },
                p,
            )
            .with_detail(
                "registered",
                match &registered {
                    Ok(r) => r.to_string(),
                    Err(e) => format!("unknown: {e}"),
                },
            );
        self.trace(event).await?;
        registered
    }
}

/// The one-document feed of a prescription document (the eP-MED-DM
/// formatCode for the N3; the N1 PDF formatCode is derived by segur-cda).
fn feed_of(document: &Document) -> Feed {
    let mut d = FeedDocument::cda(document.to_xml());
    if document.level() == Level::N3 {
        if let Some(f) = segur_cda::volets::format_code(document) {
            d = d.format_code(f);
        }
    }
    Feed {
        documents: vec![d],
        ..Feed::default()
    }
}

/// The document of a queued order.
fn queued_document(order: &Order) -> Result<Document, Error> {
    let corrupt = |e: String| StoreError::Corrupt(format!("queued order {}: {e}", order.key));
    let feed = decode_payload(&order.payload).map_err(|e| corrupt(e.to_string()))?;
    let bytes = feed
        .documents
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("no document".into()))?
        .bytes;
    Ok(Document::parse(bytes).map_err(|e| corrupt(e.to_string()))?)
}

/// The snake_case name of an order status (as segur-dmp serialises it).
#[cfg(feature = "client")]
fn status_name(status: OrderStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{status:?}"),
    }
}
