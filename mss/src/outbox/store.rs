//! Durable storage of the outbox: the [`OutboxStore`] trait (so a centre de
//! santé can plug a server database) and its SQLite implementation.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use time::OffsetDateTime;

use super::{OutboxStatus, QueuedMessage, RecipientState, RecipientStatus};
use crate::address::MailAddress;
use crate::error::OutboxError;
use crate::message::{MessageTrace, OutgoingMessage};
use crate::smtp::proto::DsnNotify;

/// Durable storage of queued messages and their recipients' status. Every
/// method is atomic (one transaction).
pub trait OutboxStore: Send + Sync {
    /// Queues a message with its recipients in state `queued`. Idempotent on
    /// the `Message-ID`: if it is already queued with the same bytes, the
    /// stored entry is returned with `false`; with other bytes,
    /// [`OutboxError::Conflict`].
    fn enqueue(
        &self,
        msg: &OutgoingMessage,
        now: OffsetDateTime,
    ) -> Result<(QueuedMessage, bool), OutboxError>;
    /// One entry by `Message-ID`.
    fn get(&self, message_id: &str) -> Result<Option<QueuedMessage>, OutboxError>;
    /// The message to submit (its bytes and envelope).
    fn message(&self, message_id: &str) -> Result<Option<OutgoingMessage>, OutboxError>;
    /// Writes an entry's state and, in the same transaction, recipient
    /// updates (each applied only if it moves the recipient forward,
    /// [`RecipientState::advances_to`]).
    fn save(
        &self,
        entry: &QueuedMessage,
        recipients: &[RecipientStatus],
    ) -> Result<(), OutboxError>;
    /// Applies recipient updates of a sent message (notifications); returns
    /// the ones that changed something.
    fn update_recipients(
        &self,
        message_id: &str,
        updates: &[RecipientStatus],
    ) -> Result<Vec<RecipientStatus>, OutboxError>;
    /// The recipients of a message and their status.
    fn recipients(&self, message_id: &str) -> Result<Vec<RecipientStatus>, OutboxError>;
    /// Pending entries of mailbox `from` due at `now`, oldest first.
    fn due(
        &self,
        from: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<QueuedMessage>, OutboxError>;
    /// Entries with one of these statuses (all when empty), oldest first.
    fn list(&self, statuses: &[OutboxStatus]) -> Result<Vec<QueuedMessage>, OutboxError>;
    /// Puts every in-flight entry back to pending with `needs_check`. Call
    /// when no drainer runs (at start-up). Returns the recovered entries.
    fn recover_in_flight(&self, now: OffsetDateTime) -> Result<Vec<QueuedMessage>, OutboxError>;
}

fn sql(e: rusqlite::Error) -> OutboxError {
    OutboxError::Storage(e.to_string())
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_ms(v: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000).ok()
}

fn digest(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What is stored next to the bytes to rebuild the [`OutgoingMessage`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope {
    from: String,
    recipients: Vec<String>,
    subject: String,
    dsn: Option<DsnNotify>,
    trace: MessageTrace,
}

/// SQLite outbox (WAL, `synchronous=FULL`: a committed transition survives
/// a power cut; one transaction per transition). One drainer per database.
pub struct SqliteOutbox {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOutbox").finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, message_id, sender, recipients, subject, kind, status, attempts, next_attempt_at, needs_check, possible_duplicate, reconciled, last_error, explanation, server_reply, created_at, updated_at, sent_at";

fn corrupt(i: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
}

fn row_to_entry(r: &Row<'_>) -> rusqlite::Result<QueuedMessage> {
    let ts = |i: usize| -> rusqlite::Result<OffsetDateTime> {
        let v: i64 = r.get(i)?;
        from_ms(v).ok_or_else(|| corrupt(i, format!("bad timestamp {v}")))
    };
    let status: String = r.get(6)?;
    let recipients: String = r.get(3)?;
    let sent_at: Option<i64> = r.get(17)?;
    Ok(QueuedMessage {
        id: r.get(0)?,
        message_id: r.get(1)?,
        from: r.get(2)?,
        recipients: serde_json::from_str(&recipients)
            .map_err(|e| corrupt(3, format!("bad recipients: {e}")))?,
        subject: r.get(4)?,
        kind: r.get(5)?,
        status: OutboxStatus::parse(&status)
            .ok_or_else(|| corrupt(6, format!("bad status {status}")))?,
        attempts: r.get(7)?,
        next_attempt_at: ts(8)?,
        needs_check: r.get(9)?,
        possible_duplicate: r.get(10)?,
        reconciled: r.get(11)?,
        last_error: r.get(12)?,
        explanation: r.get(13)?,
        server_reply: r.get(14)?,
        created_at: ts(15)?,
        updated_at: ts(16)?,
        sent_at: match sent_at {
            Some(v) => Some(from_ms(v).ok_or_else(|| corrupt(17, format!("bad timestamp {v}")))?),
            None => None,
        },
    })
}

fn row_to_recipient(r: &Row<'_>) -> rusqlite::Result<RecipientStatus> {
    let state: String = r.get(1)?;
    let at: i64 = r.get(4)?;
    Ok(RecipientStatus {
        address: r.get(0)?,
        state: RecipientState::parse(&state)
            .ok_or_else(|| corrupt(1, format!("bad recipient state {state}")))?,
        detail: r.get(2)?,
        explanation: r.get(3)?,
        updated_at: from_ms(at).ok_or_else(|| corrupt(4, format!("bad timestamp {at}")))?,
    })
}

fn select_entries(
    conn: &Connection,
    where_: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<QueuedMessage>, OutboxError> {
    let mut st = conn
        .prepare(&format!("SELECT {COLUMNS} FROM mss_outbox {where_}"))
        .map_err(sql)?;
    let rows = st.query_map(args, row_to_entry).map_err(sql)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
}

fn get_entry(conn: &Connection, message_id: &str) -> Result<Option<QueuedMessage>, OutboxError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM mss_outbox WHERE message_id = ?1"),
        params![message_id],
        row_to_entry,
    )
    .optional()
    .map_err(sql)
}

fn write_entry(tx: &Transaction<'_>, e: &QueuedMessage) -> Result<(), OutboxError> {
    let n = tx
        .execute(
            "UPDATE mss_outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, needs_check = ?5,
               possible_duplicate = ?6, reconciled = ?7, last_error = ?8, explanation = ?9,
               server_reply = ?10, updated_at = ?11, sent_at = ?12 WHERE message_id = ?1",
            params![
                e.message_id,
                e.status.as_str(),
                e.attempts,
                ms(e.next_attempt_at),
                e.needs_check,
                e.possible_duplicate,
                e.reconciled,
                e.last_error,
                e.explanation,
                e.server_reply,
                ms(e.updated_at),
                e.sent_at.map(ms),
            ],
        )
        .map_err(sql)?;
    if n != 1 {
        return Err(OutboxError::NotFound(e.message_id.clone()));
    }
    Ok(())
}

/// Applies the forward-only rule; returns the updates that changed a row.
fn write_recipients(
    tx: &Transaction<'_>,
    message_id: &str,
    updates: &[RecipientStatus],
) -> Result<Vec<RecipientStatus>, OutboxError> {
    let mut changed = Vec::new();
    for u in updates {
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT address, state FROM mss_outbox_recipients
                 WHERE message_id = ?1 AND lower(address) = lower(?2)",
                params![message_id, u.address],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((address, state)) = current else {
            continue;
        };
        let state = RecipientState::parse(&state).ok_or_else(|| OutboxError::Corrupt {
            id: 0,
            reason: format!("bad recipient state {state}"),
        })?;
        if !state.advances_to(u.state) {
            continue;
        }
        tx.execute(
            "UPDATE mss_outbox_recipients SET state = ?3, detail = ?4, explanation = ?5, updated_at = ?6
             WHERE message_id = ?1 AND address = ?2",
            params![
                message_id,
                address,
                u.state.as_str(),
                u.detail,
                u.explanation,
                ms(u.updated_at)
            ],
        )
        .map_err(sql)?;
        changed.push(RecipientStatus {
            address,
            ..u.clone()
        });
    }
    Ok(changed)
}

impl SqliteOutbox {
    /// Opens (or creates) the outbox in a database file.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, OutboxError> {
        Self::new(Connection::open(path).map_err(sql)?)
    }

    /// An in-memory outbox (tests, examples: not durable).
    pub fn open_in_memory() -> Result<Self, OutboxError> {
        Self::new(Connection::open_in_memory().map_err(sql)?)
    }

    /// Uses an open connection.
    pub fn new(conn: Connection) -> Result<Self, OutboxError> {
        // WAL keeps readers (the sent list) from blocking the drainer;
        // FULL makes each commit durable before the network exchange.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS mss_outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id TEXT NOT NULL UNIQUE,
                sender TEXT NOT NULL,
                recipients TEXT NOT NULL,
                subject TEXT NOT NULL,
                kind TEXT NOT NULL,
                envelope TEXT NOT NULL,
                bytes BLOB NOT NULL,
                digest TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                needs_check INTEGER NOT NULL,
                possible_duplicate INTEGER NOT NULL,
                reconciled INTEGER NOT NULL,
                last_error TEXT,
                explanation TEXT,
                server_reply TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                sent_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS mss_outbox_due ON mss_outbox (status, sender, next_attempt_at);
            CREATE TABLE IF NOT EXISTS mss_outbox_recipients (
                message_id TEXT NOT NULL REFERENCES mss_outbox (message_id),
                address TEXT NOT NULL,
                state TEXT NOT NULL,
                detail TEXT,
                explanation TEXT,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (message_id, address)
            );",
        )
        .map_err(sql)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written row:
        // SQLite rolls back the open transaction.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl OutboxStore for SqliteOutbox {
    fn enqueue(
        &self,
        msg: &OutgoingMessage,
        now: OffsetDateTime,
    ) -> Result<(QueuedMessage, bool), OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        let hash = digest(&msg.bytes);
        let existing: Option<String> = tx
            .query_row(
                "SELECT digest FROM mss_outbox WHERE message_id = ?1",
                params![msg.message_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        let created = match existing {
            Some(d) if d == hash => false,
            Some(_) => return Err(OutboxError::Conflict(msg.message_id.clone())),
            None => {
                let recipients: Vec<String> =
                    msg.recipients.iter().map(|r| r.to_string()).collect();
                let envelope = Envelope {
                    from: msg.from.to_string(),
                    recipients: recipients.clone(),
                    subject: msg.subject.clone(),
                    dsn: msg.dsn,
                    trace: msg.trace.clone(),
                };
                let envelope = serde_json::to_string(&envelope)
                    .map_err(|e| OutboxError::Storage(e.to_string()))?;
                let list = serde_json::to_string(&recipients)
                    .map_err(|e| OutboxError::Storage(e.to_string()))?;
                tx.execute(
                    "INSERT INTO mss_outbox (message_id, sender, recipients, subject, kind, envelope, bytes, digest,
                       status, attempts, next_attempt_at, needs_check, possible_duplicate, reconciled,
                       created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9, 0, 0, 0, ?9, ?9)",
                    params![
                        msg.message_id,
                        msg.from.to_string(),
                        list,
                        msg.subject,
                        msg.trace.kind,
                        envelope,
                        msg.bytes,
                        hash,
                        ms(now)
                    ],
                )
                .map_err(sql)?;
                for r in &recipients {
                    tx.execute(
                        "INSERT OR IGNORE INTO mss_outbox_recipients (message_id, address, state, updated_at)
                         VALUES (?1, ?2, 'queued', ?3)",
                        params![msg.message_id, r, ms(now)],
                    )
                    .map_err(sql)?;
                }
                true
            }
        };
        let entry = get_entry(&tx, &msg.message_id)?
            .ok_or_else(|| OutboxError::NotFound(msg.message_id.clone()))?;
        tx.commit().map_err(sql)?;
        Ok((entry, created))
    }

    fn get(&self, message_id: &str) -> Result<Option<QueuedMessage>, OutboxError> {
        get_entry(&self.lock(), message_id)
    }

    fn message(&self, message_id: &str) -> Result<Option<OutgoingMessage>, OutboxError> {
        let conn = self.lock();
        let row: Option<(i64, String, Vec<u8>)> = conn
            .query_row(
                "SELECT id, envelope, bytes FROM mss_outbox WHERE message_id = ?1",
                params![message_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((id, envelope, bytes)) = row else {
            return Ok(None);
        };
        let bad = |reason: String| OutboxError::Corrupt { id, reason };
        let env: Envelope =
            serde_json::from_str(&envelope).map_err(|e| bad(format!("envelope: {e}")))?;
        let addr = |s: &str| MailAddress::parse(s).map_err(|e| bad(e.to_string()));
        Ok(Some(OutgoingMessage {
            from: addr(&env.from)?,
            recipients: env
                .recipients
                .iter()
                .map(|r| addr(r))
                .collect::<Result<_, _>>()?,
            message_id: message_id.to_owned(),
            subject: env.subject,
            bytes,
            dsn: env.dsn,
            trace: env.trace,
        }))
    }

    fn save(
        &self,
        entry: &QueuedMessage,
        recipients: &[RecipientStatus],
    ) -> Result<(), OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        write_entry(&tx, entry)?;
        write_recipients(&tx, &entry.message_id, recipients)?;
        tx.commit().map_err(sql)
    }

    fn update_recipients(
        &self,
        message_id: &str,
        updates: &[RecipientStatus],
    ) -> Result<Vec<RecipientStatus>, OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        let changed = write_recipients(&tx, message_id, updates)?;
        tx.commit().map_err(sql)?;
        Ok(changed)
    }

    fn recipients(&self, message_id: &str) -> Result<Vec<RecipientStatus>, OutboxError> {
        let conn = self.lock();
        let mut st = conn
            .prepare(
                "SELECT address, state, detail, explanation, updated_at FROM mss_outbox_recipients
                 WHERE message_id = ?1 ORDER BY rowid",
            )
            .map_err(sql)?;
        let rows = st
            .query_map(params![message_id], row_to_recipient)
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    fn due(
        &self,
        from: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<QueuedMessage>, OutboxError> {
        select_entries(
            &self.lock(),
            "WHERE status = 'pending' AND lower(sender) = lower(?1) AND next_attempt_at <= ?2
             ORDER BY next_attempt_at, id LIMIT ?3",
            &[&from, &ms(now), &(limit as i64)],
        )
    }

    fn list(&self, statuses: &[OutboxStatus]) -> Result<Vec<QueuedMessage>, OutboxError> {
        let all = select_entries(&self.lock(), "ORDER BY id", &[])?;
        Ok(all
            .into_iter()
            .filter(|e| statuses.is_empty() || statuses.contains(&e.status))
            .collect())
    }

    fn recover_in_flight(&self, now: OffsetDateTime) -> Result<Vec<QueuedMessage>, OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(sql)?;
        let mut stuck = select_entries(&tx, "WHERE status = 'in_flight'", &[])?;
        for e in &mut stuck {
            e.recover(now);
            write_entry(&tx, e)?;
        }
        tx.commit().map_err(sql)?;
        Ok(stuck)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{MessageBuilder, Recipient};

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2025-03-01 08:00 UTC)
    }

    fn msg(text: &str) -> OutgoingMessage {
        MessageBuilder::new(
            MailAddress::parse("dr.martin@medecin.mssante.fr").expect("addr"),
            "DEV935997",
        )
        .to(
            Recipient::address(MailAddress::parse("cardio@hopital.mssante.fr").expect("addr"))
                .expect("rcpt"),
        )
        .cc(
            Recipient::address(MailAddress::parse("Secretariat@hopital.mssante.fr").expect("addr"))
                .expect("rcpt"),
        )
        .subject("Avis")
        .text(text)
        .request_delivery_receipt()
        .build(t0())
        .expect("message")
    }

    #[test]
    fn enqueue_is_idempotent_and_round_trips_the_message() {
        let q = SqliteOutbox::open_in_memory().expect("db");
        let m = msg("Bonjour");
        let (e, created) = q.enqueue(&m, t0()).expect("enqueue");
        assert!(created);
        assert_eq!(e.status, OutboxStatus::Pending);
        assert_eq!(e.recipients.len(), 2);
        let (again, created) = q.enqueue(&m, t0()).expect("again");
        assert!(!created);
        assert_eq!(again.id, e.id);
        let back = q.message(&m.message_id).expect("read").expect("present");
        assert_eq!(back.bytes, m.bytes);
        assert_eq!(back.recipients, m.recipients);
        assert_eq!(back.dsn, m.dsn);
        assert_eq!(back.trace, m.trace);
        assert_eq!(q.recipients(&m.message_id).expect("rcpts").len(), 2);
        // Same Message-ID, other bytes: a host bug, refused.
        let mut other = msg("Autre texte");
        other.message_id = m.message_id.clone();
        assert_eq!(
            q.enqueue(&other, t0()).err(),
            Some(OutboxError::Conflict(m.message_id.clone()))
        );
    }

    #[test]
    fn survives_reopen_and_recovers_in_flight() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("outbox.db");
        let a = msg("a");
        let b = msg("b");
        {
            let q = SqliteOutbox::open(&path).expect("open");
            let (mut e, _) = q.enqueue(&a, t0()).expect("a");
            q.enqueue(&b, t0()).expect("b");
            e.begin(t0()).expect("begin");
            q.save(&e, &[]).expect("in flight");
            // The process dies here.
        }
        let q = SqliteOutbox::open(&path).expect("reopen");
        let recovered = q.recover_in_flight(t0()).expect("recover");
        assert_eq!(recovered.len(), 1);
        let e = q.get(&a.message_id).expect("get").expect("a");
        assert_eq!(e.status, OutboxStatus::Pending);
        assert!(e.needs_check);
        assert_eq!(e.attempts, 1);
        let due = q
            .due("DR.MARTIN@medecin.mssante.fr", t0(), 10)
            .expect("due");
        assert_eq!(due.len(), 2, "both are due, case-insensitive sender");
        assert!(q.due("other@x.fr", t0(), 10).expect("due").is_empty());
    }

    #[test]
    fn recipients_move_forward_only() {
        let q = SqliteOutbox::open_in_memory().expect("db");
        let m = msg("x");
        q.enqueue(&m, t0()).expect("enqueue");
        let upd = |addr: &str, state| RecipientStatus {
            address: addr.into(),
            state,
            detail: None,
            explanation: None,
            updated_at: t0(),
        };
        let changed = q
            .update_recipients(
                &m.message_id,
                &[
                    upd("CARDIO@hopital.mssante.fr", RecipientState::Read),
                    upd("nobody@x.fr", RecipientState::Read),
                ],
            )
            .expect("update");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].address, "cardio@hopital.mssante.fr");
        let changed = q
            .update_recipients(
                &m.message_id,
                &[upd("cardio@hopital.mssante.fr", RecipientState::Delivered)],
            )
            .expect("late DSN");
        assert!(changed.is_empty(), "a delivery receipt after the read one");
        let r = q.recipients(&m.message_id).expect("rcpts");
        assert_eq!(r[0].state, RecipientState::Read);
        assert_eq!(r[1].state, RecipientState::Queued);
    }
}
