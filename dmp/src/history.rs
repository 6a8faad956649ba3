//! What the software keeps for the host about documents exchanged with the
//! DMP (SC.DMP/HISTO.01/03/05, SC.CDA/INT.04, DD.04/05, UX.14/15/27,
//! CONF.14/15):
//!
//! - a per-patient history of documents sent to and received from the DMP,
//!   with their status ([`DocumentHistory`], [`SqliteHistory`]);
//! - whether a DMP document is already in the local file, or a newer version
//!   of one ([`classify_entry`] on metadata, [`classify_header`] once the
//!   CDA is retrieved, with segur-cda's version rules);
//! - the synthetic view: date of the last feeding and the latest documents
//!   of the types the user chose ([`synthetic_view`]);
//! - the access traces of a patient's DMP documents, from the segur-ssi
//!   audit trail ([`access_traces`]).

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};
use segur_cda::Header;
use segur_cda::datatypes::Ii;
use segur_cda::versions::{VersionRelation, compare};
use segur_cda::xds::DocumentEntry;
use segur_ins::Ins;
use segur_ssi::audit::{AuditFilter, AuditRecord, AuditTrail};
use time::OffsetDateTime;

use crate::consent::patient_ref;
use crate::error::{Error, StoreError};
use crate::time_fmt;

/// Sent to or received from the DMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Produced here, sent to the DMP.
    Sent,
    /// Retrieved from the DMP.
    Received,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Received => "received",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "sent" => Some(Self::Sent),
            "received" => Some(Self::Received),
            _ => None,
        }
    }
}

/// Where a document of the history stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HistoryStatus {
    /// Waiting in the send queue.
    Queued,
    /// Held back by the professional.
    Held,
    /// In the DMP.
    Sent,
    /// Refused for good (see the detail).
    Failed,
    /// Withdrawn before being sent.
    Cancelled,
    /// Retrieved from the DMP (scanned, traced).
    Received,
    /// Replaced in the DMP by a newer version.
    Replaced,
    /// Archived in the DMP.
    Archived,
    /// Deleted from the DMP.
    Deleted,
}

impl HistoryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Held => "held",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Received => "received",
            Self::Replaced => "replaced",
            Self::Archived => "archived",
            Self::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "held" => Self::Held,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "received" => Self::Received,
            "replaced" => Self::Replaced,
            "archived" => Self::Archived,
            "deleted" => Self::Deleted,
            _ => return None,
        })
    }
}

/// One document of the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryRecord {
    /// Patient reference ([`patient_ref`]).
    pub patient: String,
    /// XDS uniqueId (`root^extension`).
    pub unique_id: String,
    /// Sent or received.
    pub direction: Direction,
    /// Status.
    pub status: HistoryStatus,
    /// Document type code.
    pub type_code: String,
    /// Its display name.
    pub type_display: String,
    /// Title.
    pub title: Option<String>,
    /// CDA setId (`root^extension`), when known.
    pub set_id: Option<String>,
    /// CDA versionNumber, when known.
    pub version: Option<u32>,
    /// entryUUID in the DMP, when known.
    pub entry_uuid: Option<String>,
    /// uniqueId of the version this one replaces.
    pub replaces: Option<String>,
    /// Creation time of the document (UTC `yyyyMMddHHmmss`).
    pub created: Option<String>,
    /// Last change of this record.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Reason of a failure, or other detail.
    pub detail: Option<String>,
}

fn ii_string(ii: &Ii) -> Option<String> {
    crate::feed::unique_id_of(ii)
}

fn ii_parse(s: &str) -> Ii {
    match s.split_once('^') {
        Some((r, e)) => Ii {
            root: Some(r.to_owned()),
            extension: Some(e.to_owned()),
            null_flavor: None,
        },
        None => Ii {
            root: Some(s.to_owned()),
            extension: None,
            null_flavor: None,
        },
    }
}

impl HistoryRecord {
    /// A record from XDS metadata (and the CDA header when known).
    pub fn from_entry(
        entry: &DocumentEntry,
        header: Option<&Header>,
        direction: Direction,
        status: HistoryStatus,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            patient: Ins::from_cx(&entry.patient_id)
                .map(|i| patient_ref(&i))
                .unwrap_or_else(|_| entry.patient_id.clone()),
            unique_id: entry.unique_id.clone(),
            direction,
            status,
            type_code: entry.type_code.code.clone(),
            type_display: entry.type_code.display_name.clone(),
            title: entry.title.clone(),
            set_id: header.and_then(|h| h.set_id.as_ref()).and_then(ii_string),
            version: header.and_then(Header::version),
            entry_uuid: entry
                .entry_uuid
                .starts_with("urn:uuid:")
                .then(|| entry.entry_uuid.clone()),
            replaces: header.and_then(|h| h.replaces()).and_then(ii_string),
            created: entry.creation_time.clone(),
            updated_at: at,
            detail: None,
        }
    }

    /// The header facts kept (id, setId, version, RPLC), for version
    /// comparisons.
    fn header(&self) -> Header {
        Header {
            id: Some(ii_parse(&self.unique_id)),
            set_id: self.set_id.as_deref().map(ii_parse),
            version_number: self.version.map(|v| v.to_string()),
            ..Header::default()
        }
    }
}

/// Durable history of documents exchanged with the DMP.
pub trait DocumentHistory: Send + Sync {
    /// Inserts or replaces the record `(unique_id, direction)`.
    fn upsert(&self, record: &HistoryRecord) -> Result<(), Error>;
    /// One record.
    fn get(&self, unique_id: &str, direction: Direction) -> Result<Option<HistoryRecord>, Error>;
    /// The records of a patient, most recently changed first.
    fn for_patient(&self, patient: &str) -> Result<Vec<HistoryRecord>, Error>;
    /// Changes the status of a record (`false` if there is none).
    fn set_status(
        &self,
        unique_id: &str,
        direction: Direction,
        status: HistoryStatus,
        detail: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool, Error>;
}

/// SQLite history.
pub struct SqliteHistory {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteHistory").finish_non_exhaustive()
    }
}

fn sql(e: rusqlite::Error) -> Error {
    StoreError::Sqlite(e.to_string()).into()
}

const COLUMNS: &str = "patient, unique_id, direction, status, type_code, type_display, title, set_id, version, entry_uuid, replaces, created, updated_at, detail";

fn row(r: &Row<'_>) -> rusqlite::Result<HistoryRecord> {
    let bad = |i: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
    };
    let direction: String = r.get(2)?;
    let status: String = r.get(3)?;
    let updated: String = r.get(12)?;
    Ok(HistoryRecord {
        patient: r.get(0)?,
        unique_id: r.get(1)?,
        direction: Direction::parse(&direction).ok_or_else(|| bad(2, direction.clone()))?,
        status: HistoryStatus::parse(&status).ok_or_else(|| bad(3, status.clone()))?,
        type_code: r.get(4)?,
        type_display: r.get(5)?,
        title: r.get(6)?,
        set_id: r.get(7)?,
        version: r.get(8)?,
        entry_uuid: r.get(9)?,
        replaces: r.get(10)?,
        created: r.get(11)?,
        updated_at: time_fmt::parse_rfc3339(&updated).ok_or_else(|| bad(12, updated.clone()))?,
        detail: r.get(13)?,
    })
}

impl SqliteHistory {
    /// Opens (or creates) the history in a database file.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        Self::new(Connection::open(path).map_err(sql)?)
    }

    /// Uses an open connection.
    pub fn new(conn: Connection) -> Result<Self, Error> {
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS dmp_history (
                patient TEXT NOT NULL,
                unique_id TEXT NOT NULL,
                direction TEXT NOT NULL,
                status TEXT NOT NULL,
                type_code TEXT NOT NULL,
                type_display TEXT NOT NULL,
                title TEXT,
                set_id TEXT,
                version INTEGER,
                entry_uuid TEXT,
                replaces TEXT,
                created TEXT,
                updated_at TEXT NOT NULL,
                detail TEXT,
                PRIMARY KEY (unique_id, direction)
            );
            CREATE INDEX IF NOT EXISTS dmp_history_patient ON dmp_history (patient, updated_at);",
        )
        .map_err(sql)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DocumentHistory for SqliteHistory {
    fn upsert(&self, r: &HistoryRecord) -> Result<(), Error> {
        self.lock()
            .execute(
                &format!(
                    "INSERT OR REPLACE INTO dmp_history ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    r.patient,
                    r.unique_id,
                    r.direction.as_str(),
                    r.status.as_str(),
                    r.type_code,
                    r.type_display,
                    r.title,
                    r.set_id,
                    r.version,
                    r.entry_uuid,
                    r.replaces,
                    r.created,
                    time_fmt::rfc3339(r.updated_at),
                    r.detail
                ],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn get(&self, unique_id: &str, direction: Direction) -> Result<Option<HistoryRecord>, Error> {
        self.lock()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM dmp_history WHERE unique_id = ?1 AND direction = ?2"
                ),
                params![unique_id, direction.as_str()],
                row,
            )
            .optional()
            .map_err(sql)
    }

    fn for_patient(&self, patient: &str) -> Result<Vec<HistoryRecord>, Error> {
        let conn = self.lock();
        let mut st = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM dmp_history WHERE patient = ?1 ORDER BY updated_at DESC, unique_id"
            ))
            .map_err(sql)?;
        let rows = st.query_map(params![patient], row).map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    fn set_status(
        &self,
        unique_id: &str,
        direction: Direction,
        status: HistoryStatus,
        detail: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool, Error> {
        let n = self
            .lock()
            .execute(
                "UPDATE dmp_history SET status = ?3, detail = ?4, updated_at = ?5 WHERE unique_id = ?1 AND direction = ?2",
                params![
                    unique_id,
                    direction.as_str(),
                    status.as_str(),
                    detail,
                    time_fmt::rfc3339(at)
                ],
            )
            .map_err(sql)?;
        Ok(n > 0)
    }
}

/// How a DMP document relates to the local file (SC.CDA/DD.04/05, UX.27).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LocalPresence {
    /// Not in the local file.
    NotPresent,
    /// Already in the local file (sent from here or already retrieved):
    /// do not integrate it twice.
    AlreadyPresent {
        /// The local record.
        record: Box<HistoryRecord>,
    },
    /// A newer version of a local document.
    NewerVersion {
        /// The local (older) version.
        local: Box<HistoryRecord>,
    },
    /// An older version of a local document.
    OlderVersion {
        /// The local (newer) version.
        local: Box<HistoryRecord>,
    },
}

/// Classifies a DMP entry by its uniqueId (a newer version is only known
/// once the CDA is read: [`classify_header`]).
pub fn classify_entry(
    history: &dyn DocumentHistory,
    entry: &DocumentEntry,
) -> Result<LocalPresence, Error> {
    for d in [Direction::Sent, Direction::Received] {
        if let Some(r) = history.get(&entry.unique_id, d)? {
            return Ok(LocalPresence::AlreadyPresent {
                record: Box::new(r),
            });
        }
    }
    Ok(LocalPresence::NotPresent)
}

/// Classifies a retrieved CDA header against the local documents of the
/// same patient (same id: already present; same setId, higher version or
/// RPLC to a local id: newer version).
pub fn classify_header(
    history: &dyn DocumentHistory,
    patient: &Ins,
    header: &Header,
) -> Result<LocalPresence, Error> {
    let mut older = None;
    for r in history.for_patient(&patient_ref(patient))? {
        match compare(&r.header(), header) {
            VersionRelation::Duplicate => {
                return Ok(LocalPresence::AlreadyPresent {
                    record: Box::new(r),
                });
            }
            VersionRelation::NewerVersion => {
                return Ok(LocalPresence::NewerVersion { local: Box::new(r) });
            }
            VersionRelation::OlderVersion => older = Some(r),
            _ => {}
        }
    }
    Ok(match older {
        Some(r) => LocalPresence::OlderVersion { local: Box::new(r) },
        None => LocalPresence::NotPresent,
    })
}

/// What the synthetic view shows (SC.DMP/UX.14/15): configurable types.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntheticViewConfig {
    /// Document type codes to show (empty: all).
    pub type_codes: Vec<String>,
    /// How many documents.
    pub limit: usize,
}

impl Default for SyntheticViewConfig {
    /// All types, the 10 latest.
    fn default() -> Self {
        Self {
            type_codes: Vec::new(),
            limit: 10,
        }
    }
}

/// The synthetic view of a patient's DMP.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyntheticView {
    /// When this software last fed the patient's DMP.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_feeding: Option<OffsetDateTime>,
    /// The latest DMP documents of the chosen types, newest first.
    pub latest: Vec<DocumentEntry>,
}

/// Builds the synthetic view from a search result (`entries`, e.g. a
/// background FindDocuments) and the local history.
pub fn synthetic_view(
    history: &dyn DocumentHistory,
    patient: &Ins,
    entries: &[DocumentEntry],
    config: &SyntheticViewConfig,
) -> Result<SyntheticView, Error> {
    let last_feeding = history
        .for_patient(&patient_ref(patient))?
        .into_iter()
        .filter(|r| r.direction == Direction::Sent && r.status == HistoryStatus::Sent)
        .map(|r| r.updated_at)
        .max();
    let mut latest: Vec<DocumentEntry> = entries
        .iter()
        .filter(|e| !crate::feed::is_signature_entry(e))
        .filter(|e| config.type_codes.is_empty() || config.type_codes.contains(&e.type_code.code))
        .cloned()
        .collect();
    latest.sort_by(|a, b| {
        b.creation_time
            .cmp(&a.creation_time)
            .then_with(|| a.unique_id.cmp(&b.unique_id))
    });
    latest.truncate(config.limit);
    Ok(SyntheticView {
        last_feeding,
        latest,
    })
}

/// Every DMP trace about a patient (searches, retrievals, feeds, updates,
/// consent changes and refusals), oldest first (SC.DMP/CONF.14/15): who
/// (actor), what (kind, document), when, outcome.
pub fn access_traces(audit: &dyn AuditTrail, patient: &Ins) -> Result<Vec<AuditRecord>, Error> {
    audit
        .query(
            &AuditFilter::new()
                .patient(patient_ref(patient))
                .kind_prefix("dmp."),
        )
        .map_err(Error::Audit)
}
