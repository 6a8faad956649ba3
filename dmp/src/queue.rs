//! The crash-safe send queue (SC.DMP/ALI/PROG.02/03/05/06/07).
//!
//! Documents of the Ségur perimeter are queued as soon as they are produced
//! (unless the professional holds one back); a drainer sends them when it
//! can, retries with an exponential back-off when sending is impossible
//! (network down, no card, no token, DMP unavailable), survives restarts,
//! and reports failures and pending orders with their reason.
//!
//! # Exactly once towards the DMP
//!
//! Each order has an idempotency key: the `uniqueId` of its document. An
//! order is marked in flight (and the mark is committed) *before* it is
//! sent. When the outcome of a send is unknown — the process was killed, the
//! response was lost, the future was cancelled — the order goes back to
//! pending with `needs_check`, and the next attempt first asks the DMP
//! whether a document with that `uniqueId` is already there
//! ([`OrderSender::is_present`]); only if not is it sent again. The sender
//! also maps a "duplicate uniqueId" registry error to
//! [`SendOutcome::AlreadyPresent`].
//!
//! # Layers
//!
//! - sans-IO: [`Order`] and its transitions ([`Order::begin`],
//!   [`Order::apply`]), taking `now`; [`Backoff`];
//! - persistence: the [`QueueStore`] trait and [`SqliteQueue`] (WAL,
//!   `synchronous=FULL`, one transaction per transition);
//! - IO: [`drain_once`], generic over the [`OrderSender`] trait (the DMP
//!   sender is `feeding::DmpOrderSender`, driven by `feeding::FeedWorker`;
//!   tests plug in their own).
//!
//! One drainer per database at a time.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};
use time::{Duration, OffsetDateTime};

use crate::error::{Error, StoreError};
use crate::time_fmt;

/// Exponential back-off between attempts: `base * 2^(attempts-1)`, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 30 s, doubling up to 1 hour.
    fn default() -> Self {
        Self {
            base: Duration::seconds(30),
            max: Duration::hours(1),
        }
    }
}

impl Backoff {
    /// Delay before the next attempt after `attempts` failed ones.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let d = self.base.saturating_mul(1i32 << exp.min(30));
        if d > self.max { self.max } else { d }
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderStatus {
    /// Held back by the professional: not sent until released.
    Held,
    /// Waiting for its next attempt.
    Pending,
    /// Being sent (committed before sending).
    InFlight,
    /// In the DMP.
    Sent,
    /// Refused for good (reported with the reason).
    Failed,
    /// Withdrawn by the professional before being sent.
    Cancelled,
}

impl OrderStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "held" => Self::Held,
            "pending" => Self::Pending,
            "in_flight" => Self::InFlight,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// Whether the order is finished.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Cancelled)
    }
}

/// A new order to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// Idempotency key: the `uniqueId` of the (main) document.
    pub key: String,
    /// Patient reference (see [`crate::consent::patient_ref`]).
    pub patient: String,
    /// Short label for reports (document title / type).
    pub label: String,
    /// What the sender needs (opaque to the queue).
    pub payload: Vec<u8>,
    /// Held back by the professional.
    pub held: bool,
}

/// A queued order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Order {
    /// Queue id.
    pub id: i64,
    /// Idempotency key (`uniqueId`).
    pub key: String,
    /// Patient reference.
    pub patient: String,
    /// Label for reports.
    pub label: String,
    /// Payload for the sender.
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// Status.
    pub status: OrderStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt may start.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// The outcome of an earlier attempt is unknown: ask the DMP first.
    pub needs_check: bool,
    /// Last error, for reports.
    pub last_error: Option<String>,
    /// Queued at.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What the DMP returned (entryUUID…), once sent.
    pub receipt: Option<String>,
}

/// The result of one send attempt, as the sender classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendOutcome {
    /// Accepted by the DMP.
    Sent {
        /// Receipt (entryUUID, submission set id…).
        receipt: Option<String>,
    },
    /// The document was already in the DMP (earlier attempt that lost its
    /// response, or a duplicate uniqueId error).
    AlreadyPresent {
        /// Receipt, when known.
        receipt: Option<String>,
    },
    /// Not sent, worth retrying (network, no card or token, DMP unavailable).
    Transient(String),
    /// Refused for good (invalid document, consent refusal, registry error).
    Permanent(String),
    /// Maybe sent: the response was lost. Checked before the next attempt.
    Unknown(String),
}

/// What [`Order::begin`] asks the drainer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send it.
    Send,
    /// First ask the DMP whether the document is already there.
    CheckThenSend,
}

/// A transition that does not apply to the order's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {id}: cannot {action} an order that is {status:?}")]
pub struct InvalidTransition {
    /// Order id.
    pub id: i64,
    /// What was attempted.
    pub action: &'static str,
    /// Its status.
    pub status: OrderStatus,
}

impl Order {
    fn invalid(&self, action: &'static str) -> InvalidTransition {
        InvalidTransition {
            id: self.id,
            action,
            status: self.status,
        }
    }

    /// Whether the order may be attempted at `now`.
    pub fn is_due(&self, now: OffsetDateTime) -> bool {
        self.status == OrderStatus::Pending && self.next_attempt_at <= now
    }

    /// Pending (due) → in flight.
    pub fn begin(&mut self, now: OffsetDateTime) -> Result<Step, InvalidTransition> {
        if self.status != OrderStatus::Pending {
            return Err(self.invalid("begin"));
        }
        self.status = OrderStatus::InFlight;
        self.attempts += 1;
        self.updated_at = now;
        Ok(if self.needs_check {
            Step::CheckThenSend
        } else {
            Step::Send
        })
    }

    /// In flight → the state the outcome leads to.
    pub fn apply(
        &mut self,
        outcome: SendOutcome,
        now: OffsetDateTime,
        backoff: &Backoff,
    ) -> Result<(), InvalidTransition> {
        if self.status != OrderStatus::InFlight {
            return Err(self.invalid("apply an outcome to"));
        }
        self.updated_at = now;
        match outcome {
            SendOutcome::Sent { receipt } | SendOutcome::AlreadyPresent { receipt } => {
                self.status = OrderStatus::Sent;
                self.needs_check = false;
                self.last_error = None;
                self.receipt = receipt;
            }
            SendOutcome::Transient(reason) => {
                self.status = OrderStatus::Pending;
                self.next_attempt_at = now + backoff.delay(self.attempts);
                self.last_error = Some(reason);
            }
            SendOutcome::Unknown(reason) => {
                self.status = OrderStatus::Pending;
                self.needs_check = true;
                self.next_attempt_at = now + backoff.delay(self.attempts);
                self.last_error = Some(reason);
            }
            SendOutcome::Permanent(reason) => {
                self.status = OrderStatus::Failed;
                self.last_error = Some(reason);
            }
        }
        Ok(())
    }

    /// In flight with the process gone (crash, cancelled future): back to
    /// pending, checked before the next attempt.
    pub fn recover(&mut self, now: OffsetDateTime) {
        if self.status == OrderStatus::InFlight {
            self.status = OrderStatus::Pending;
            self.needs_check = true;
            self.next_attempt_at = now;
            self.updated_at = now;
            self.last_error = Some("interrupted while sending: outcome unknown".into());
        }
    }

    /// Held → pending (the professional releases it).
    pub fn release(&mut self, now: OffsetDateTime) -> Result<(), InvalidTransition> {
        if self.status != OrderStatus::Held {
            return Err(self.invalid("release"));
        }
        self.status = OrderStatus::Pending;
        self.next_attempt_at = now;
        self.updated_at = now;
        Ok(())
    }

    /// Pending → held.
    pub fn hold(&mut self, now: OffsetDateTime) -> Result<(), InvalidTransition> {
        if self.status != OrderStatus::Pending {
            return Err(self.invalid("hold"));
        }
        self.status = OrderStatus::Held;
        self.updated_at = now;
        Ok(())
    }

    /// Held / pending / failed → cancelled.
    pub fn cancel(&mut self, now: OffsetDateTime) -> Result<(), InvalidTransition> {
        if !matches!(
            self.status,
            OrderStatus::Held | OrderStatus::Pending | OrderStatus::Failed
        ) || self.needs_check
        {
            // An order whose previous attempt may have reached the DMP
            // cannot be withdrawn here: delete the document instead.
            return Err(self.invalid("cancel"));
        }
        self.status = OrderStatus::Cancelled;
        self.updated_at = now;
        Ok(())
    }

    /// Failed → pending (retry after the professional fixed the cause).
    pub fn retry(&mut self, now: OffsetDateTime) -> Result<(), InvalidTransition> {
        if self.status != OrderStatus::Failed {
            return Err(self.invalid("retry"));
        }
        self.status = OrderStatus::Pending;
        self.next_attempt_at = now;
        self.updated_at = now;
        Ok(())
    }
}

/// Durable storage of orders. Every method is atomic.
pub trait QueueStore: Send + Sync {
    /// Queues an order; if one with the same key exists, returns it
    /// unchanged (enqueueing is idempotent).
    fn enqueue(&self, order: NewOrder, now: OffsetDateTime) -> Result<Order, Error>;
    /// One order.
    fn get(&self, id: i64) -> Result<Option<Order>, Error>;
    /// The order with this key.
    fn by_key(&self, key: &str) -> Result<Option<Order>, Error>;
    /// Writes an order's state (after a transition).
    fn save(&self, order: &Order) -> Result<(), Error>;
    /// Pending orders due at `now`, oldest first.
    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Order>, Error>;
    /// Orders with one of these statuses (all when empty), oldest first.
    fn list(&self, statuses: &[OrderStatus]) -> Result<Vec<Order>, Error>;
    /// Puts every in-flight order back to pending (`needs_check`); call
    /// when no drainer is running (at start-up). Returns how many.
    fn recover_in_flight(&self, now: OffsetDateTime) -> Result<usize, Error>;
}

fn sql(e: rusqlite::Error) -> Error {
    StoreError::Sqlite(e.to_string()).into()
}

/// SQLite queue (WAL, `synchronous=FULL`: a committed transition survives a
/// power cut).
pub struct SqliteQueue {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteQueue").finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, key, patient, label, payload, status, attempts, next_attempt_at, needs_check, last_error, created_at, updated_at, receipt";

fn row_to_order(r: &Row<'_>) -> rusqlite::Result<Order> {
    let status: String = r.get(5)?;
    let ts = |i: usize| -> rusqlite::Result<OffsetDateTime> {
        let s: String = r.get(i)?;
        time_fmt::parse_rfc3339(&s).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("bad timestamp {s}").into(),
            )
        })
    };
    Ok(Order {
        id: r.get(0)?,
        key: r.get(1)?,
        patient: r.get(2)?,
        label: r.get(3)?,
        payload: r.get(4)?,
        status: OrderStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                format!("bad status {status}").into(),
            )
        })?,
        attempts: r.get(6)?,
        next_attempt_at: ts(7)?,
        needs_check: r.get(8)?,
        last_error: r.get(9)?,
        created_at: ts(10)?,
        updated_at: ts(11)?,
        receipt: r.get(12)?,
    })
}

impl SqliteQueue {
    /// Opens (or creates) the queue in a database file.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let conn = Connection::open(path).map_err(sql)?;
        Self::new(conn)
    }

    /// Uses an open connection.
    pub fn new(conn: Connection) -> Result<Self, Error> {
        // WAL keeps readers (reports) from blocking the drainer.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS dmp_queue (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL UNIQUE,
                patient TEXT NOT NULL,
                label TEXT NOT NULL,
                payload BLOB NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at TEXT NOT NULL,
                needs_check INTEGER NOT NULL,
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                receipt TEXT
            );
            CREATE INDEX IF NOT EXISTS dmp_queue_due ON dmp_queue (status, next_attempt_at);",
        )
        .map_err(sql)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn select(&self, where_: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Order>, Error> {
        let conn = self.lock();
        let mut st = conn
            .prepare(&format!("SELECT {COLUMNS} FROM dmp_queue {where_}"))
            .map_err(sql)?;
        let rows = st.query_map(args, row_to_order).map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }
}

impl QueueStore for SqliteQueue {
    fn enqueue(&self, order: NewOrder, now: OffsetDateTime) -> Result<Order, Error> {
        {
            let conn = self.lock();
            let status = if order.held {
                OrderStatus::Held
            } else {
                OrderStatus::Pending
            };
            conn.execute(
                "INSERT INTO dmp_queue (key, patient, label, payload, status, attempts, next_attempt_at, needs_check, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 0, ?6, ?6)
                 ON CONFLICT(key) DO NOTHING",
                params![
                    order.key,
                    order.patient,
                    order.label,
                    order.payload,
                    status.as_str(),
                    time_fmt::rfc3339(now)
                ],
            )
            .map_err(sql)?;
        }
        self.by_key(&order.key)?
            .ok_or_else(|| StoreError::Sqlite("inserted order not found".into()).into())
    }

    fn get(&self, id: i64) -> Result<Option<Order>, Error> {
        let conn = self.lock();
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM dmp_queue WHERE id = ?1"),
            params![id],
            row_to_order,
        )
        .optional()
        .map_err(sql)
    }

    fn by_key(&self, key: &str) -> Result<Option<Order>, Error> {
        let conn = self.lock();
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM dmp_queue WHERE key = ?1"),
            params![key],
            row_to_order,
        )
        .optional()
        .map_err(sql)
    }

    fn save(&self, o: &Order) -> Result<(), Error> {
        let conn = self.lock();
        let n = conn
            .execute(
                "UPDATE dmp_queue SET status = ?2, attempts = ?3, next_attempt_at = ?4, needs_check = ?5,
                   last_error = ?6, updated_at = ?7, receipt = ?8 WHERE id = ?1",
                params![
                    o.id,
                    o.status.as_str(),
                    o.attempts,
                    time_fmt::rfc3339(o.next_attempt_at),
                    o.needs_check,
                    o.last_error,
                    time_fmt::rfc3339(o.updated_at),
                    o.receipt
                ],
            )
            .map_err(sql)?;
        if n != 1 {
            return Err(StoreError::NotFound(format!("queue order {}", o.id)).into());
        }
        Ok(())
    }

    fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Order>, Error> {
        // RFC 3339 UTC strings of fixed width compare like instants.
        self.select(
            "WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
            &[&time_fmt::rfc3339(now), &(limit as i64)],
        )
    }

    fn list(&self, statuses: &[OrderStatus]) -> Result<Vec<Order>, Error> {
        let all = self.select("ORDER BY id", &[])?;
        Ok(all
            .into_iter()
            .filter(|o| statuses.is_empty() || statuses.contains(&o.status))
            .collect())
    }

    fn recover_in_flight(&self, now: OffsetDateTime) -> Result<usize, Error> {
        let stuck = self.select("WHERE status = 'in_flight'", &[])?;
        for mut o in stuck.iter().cloned() {
            o.recover(now);
            self.save(&o)?;
        }
        Ok(stuck.len())
    }
}

/// Sends queued orders ([`crate::feeding::DmpOrderSender`] for DMP feeds).
pub trait OrderSender: Send + Sync {
    /// One attempt; classify every failure (never panic, never hang forever:
    /// use timeouts).
    fn send<'a>(&'a self, order: &'a Order) -> crate::BoxFuture<'a, SendOutcome>;
    /// Whether the order's document is already in the DMP (`Ok(Some(receipt))`).
    fn is_present<'a>(
        &'a self,
        order: &'a Order,
    ) -> crate::BoxFuture<'a, Result<Option<String>, SendOutcome>>;
}

/// What one drain pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DrainReport {
    /// Orders that reached the DMP in this pass (including reconciled ones).
    pub sent: Vec<String>,
    /// Orders found already present (subset of `sent`).
    pub reconciled: Vec<String>,
    /// Orders that will be retried, with the reason.
    pub retrying: Vec<(String, String)>,
    /// Orders refused for good, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Sends every order due at `clock.now()` (up to `limit`), one at a time.
/// Cancel-safe: dropping the future leaves at most one order in flight,
/// recovered by [`QueueStore::recover_in_flight`] at the next start.
pub async fn drain_once(
    store: &dyn QueueStore,
    sender: &dyn OrderSender,
    clock: &dyn segur_psc::Clock,
    backoff: &Backoff,
    limit: usize,
) -> Result<DrainReport, Error> {
    let mut report = DrainReport::default();
    for mut order in store.due(clock.now(), limit)? {
        let step = order.begin(clock.now()).map_err(StoreError::from)?;
        store.save(&order)?;
        let mut outcome = None;
        if step == Step::CheckThenSend {
            match sender.is_present(&order).await {
                Ok(Some(receipt)) => {
                    outcome = Some(SendOutcome::AlreadyPresent {
                        receipt: Some(receipt),
                    });
                }
                Ok(None) => {}
                // Could not check: keep needs_check and wait.
                Err(failed) => outcome = Some(failed),
            }
        }
        let outcome = match outcome {
            Some(o) => o,
            None => sender.send(&order).await,
        };
        let key = order.key.clone();
        match &outcome {
            SendOutcome::Sent { .. } => report.sent.push(key),
            SendOutcome::AlreadyPresent { .. } => {
                report.sent.push(key.clone());
                report.reconciled.push(key);
            }
            SendOutcome::Transient(r) | SendOutcome::Unknown(r) => {
                report.retrying.push((key, r.clone()))
            }
            SendOutcome::Permanent(r) => report.failed.push((key, r.clone())),
        }
        order
            .apply(outcome, clock.now(), backoff)
            .map_err(StoreError::from)?;
        store.save(&order)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2025-03-01 08:00 UTC)
    }

    fn new(key: &str) -> NewOrder {
        NewOrder {
            key: key.into(),
            patient: "p".into(),
            label: "CR".into(),
            payload: key.as_bytes().to_vec(),
            held: false,
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay(1), Duration::seconds(30));
        assert_eq!(b.delay(2), Duration::seconds(60));
        assert_eq!(b.delay(5), Duration::seconds(480));
        assert_eq!(b.delay(40), Duration::hours(1));
    }

    #[test]
    fn transitions() {
        let q = SqliteQueue::new(Connection::open_in_memory().expect("db")).expect("queue");
        let mut o = q.enqueue(new("1.2.3^a"), t0()).expect("enqueue");
        // Idempotent enqueue.
        assert_eq!(q.enqueue(new("1.2.3^a"), t0()).expect("again").id, o.id);
        assert_eq!(o.begin(t0()), Ok(Step::Send));
        assert!(o.begin(t0()).is_err());
        o.apply(
            SendOutcome::Transient("network down".into()),
            t0(),
            &Backoff::default(),
        )
        .expect("apply");
        assert_eq!(o.status, OrderStatus::Pending);
        assert_eq!(o.next_attempt_at, t0() + Duration::seconds(30));
        assert!(!o.is_due(t0()));
        o.begin(t0()).expect("begin");
        o.apply(
            SendOutcome::Unknown("lost response".into()),
            t0(),
            &Backoff::default(),
        )
        .expect("apply");
        assert!(o.needs_check);
        assert!(o.cancel(t0()).is_err(), "maybe sent: cannot cancel");
        assert_eq!(o.begin(t0()), Ok(Step::CheckThenSend));
        o.apply(
            SendOutcome::AlreadyPresent {
                receipt: Some("urn:uuid:x".into()),
            },
            t0(),
            &Backoff::default(),
        )
        .expect("apply");
        assert_eq!(o.status, OrderStatus::Sent);
        q.save(&o).expect("save");
        assert_eq!(q.get(o.id).expect("get"), Some(o.clone()));

        let mut h = q
            .enqueue(
                NewOrder {
                    held: true,
                    ..new("k2")
                },
                t0(),
            )
            .expect("held");
        assert_eq!(h.status, OrderStatus::Held);
        assert!(q.due(t0() + Duration::days(1), 10).expect("due").is_empty());
        h.release(t0()).expect("release");
        h.begin(t0()).expect("begin");
        h.apply(
            SendOutcome::Permanent("XDSRegistryError".into()),
            t0(),
            &Backoff::default(),
        )
        .expect("apply");
        assert_eq!(h.status, OrderStatus::Failed);
        h.retry(t0()).expect("retry");
        h.cancel(t0()).expect("cancel");
        assert!(h.status.is_final());
    }

    #[test]
    fn survives_reopen_and_recovers_in_flight() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("q.db");
        {
            let q = SqliteQueue::open(&path).expect("open");
            let mut o = q.enqueue(new("a"), t0()).expect("enqueue");
            q.enqueue(new("b"), t0()).expect("enqueue");
            o.begin(t0()).expect("begin");
            q.save(&o).expect("save in flight");
            // "crash" here.
        }
        let q = SqliteQueue::open(&path).expect("reopen");
        assert_eq!(q.recover_in_flight(t0()).expect("recover"), 1);
        let a = q.by_key("a").expect("get").expect("a");
        assert_eq!(a.status, OrderStatus::Pending);
        assert!(a.needs_check);
        assert_eq!(a.attempts, 1);
        assert_eq!(q.due(t0(), 10).expect("due").len(), 2);
    }

    struct Fake {
        sends: AtomicUsize,
        present: bool,
        outcome: Mutex<Vec<SendOutcome>>,
    }

    impl OrderSender for Fake {
        fn send<'a>(&'a self, _o: &'a Order) -> crate::BoxFuture<'a, SendOutcome> {
            self.sends.fetch_add(1, Ordering::SeqCst);
            let o = self
                .outcome
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .unwrap_or(SendOutcome::Sent { receipt: None });
            Box::pin(async move { o })
        }
        fn is_present<'a>(
            &'a self,
            _o: &'a Order,
        ) -> crate::BoxFuture<'a, Result<Option<String>, SendOutcome>> {
            let p = self.present;
            Box::pin(async move { Ok(p.then(|| "urn:uuid:found".to_owned())) })
        }
    }

    #[tokio::test]
    async fn drain_checks_presence_before_resending() {
        let q = SqliteQueue::new(Connection::open_in_memory().expect("db")).expect("queue");
        let clock = segur_psc::ManualClock::new(t0());
        q.enqueue(new("a"), t0()).expect("enqueue");
        let fake = Fake {
            sends: AtomicUsize::new(0),
            present: true,
            outcome: Mutex::new(vec![SendOutcome::Unknown("connection reset".into())]),
        };
        let r = drain_once(&q, &fake, &clock, &Backoff::default(), 10)
            .await
            .expect("drain");
        assert_eq!(r.retrying.len(), 1);
        // Not due yet.
        let r = drain_once(&q, &fake, &clock, &Backoff::default(), 10)
            .await
            .expect("drain");
        assert_eq!(r, DrainReport::default());
        clock.advance(Duration::minutes(1));
        let r = drain_once(&q, &fake, &clock, &Backoff::default(), 10)
            .await
            .expect("drain");
        assert_eq!(r.reconciled, ["a"]);
        assert_eq!(fake.sends.load(Ordering::SeqCst), 1, "not sent twice");
        let a = q.by_key("a").expect("get").expect("a");
        assert_eq!(a.status, OrderStatus::Sent);
        assert_eq!(a.receipt.as_deref(), Some("urn:uuid:found"));
    }
}
