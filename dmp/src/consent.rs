//! Patient information and non-opposition (reference §4; SC.DB/TRA.03,
//! SC.DMP/CONF.06/09): the typed record the software keeps locally, its
//! defaults, the rule checked before every DMP transaction, and a SQLite
//! store whose every change is traced in the segur-ssi audit trail.
//!
//! | record | feeding | consultation |
//! |---|---|---|
//! | default (nothing collected) | allowed | refused |
//! | informed, no opposition | allowed | allowed |
//! | opposed to feeding (legitimate reason) | refused | unchanged |
//! | opposed to consultation | unchanged | refused |
//!
//! Managing one's own documents (masking, archiving, deleting) stays
//! possible whatever the record says, so a professional can always withdraw
//! what was sent; checking whether a DMP exists reads no health data.
//!
//! ```
//! use segur_dmp::consent::{ConsentRecord, DmpOperation, ConsentRefusal};
//! let record = ConsentRecord::default();
//! assert!(record.check(DmpOperation::Feed).is_ok());
//! assert_eq!(record.check(DmpOperation::Retrieve), Err(ConsentRefusal::NotInformed));
//! let informed = ConsentRecord { informed: true, ..ConsentRecord::default() };
//! assert!(informed.check(DmpOperation::Search).is_ok());
//! ```

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use segur_ins::Ins;
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};
use time::OffsetDateTime;

use crate::error::{Error, StoreError};

/// A DMP operation, as far as consent rules are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DmpOperation {
    /// TD0.2: does a DMP exist, authorisation status.
    ExistenceCheck,
    /// Declare the professional as authorised (after collecting consent).
    SetAuthorization,
    /// Remove the professional's authorisation.
    RemoveAuthorization,
    /// List authorisations on the patient's DMP.
    ListAuthorizations,
    /// TD2.1/2.2: send documents.
    Feed,
    /// TD3.1: search the patient's documents.
    Search,
    /// TD3.2: retrieve documents.
    Retrieve,
    /// TD3.3a/b/d: masking, visibility, archiving of one's documents.
    UpdateMetadata,
    /// TD3.3c: delete one's document.
    Delete,
    /// TD3.1b: find the entryUUID of one's own document (no consultation).
    LookupOwnDocument,
}

impl DmpOperation {
    /// Stable name (traces, CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExistenceCheck => "existence-check",
            Self::SetAuthorization => "set-authorization",
            Self::RemoveAuthorization => "remove-authorization",
            Self::ListAuthorizations => "list-authorizations",
            Self::Feed => "feed",
            Self::Search => "search",
            Self::Retrieve => "retrieve",
            Self::UpdateMetadata => "update-metadata",
            Self::Delete => "delete",
            Self::LookupOwnDocument => "lookup-own-document",
        }
    }

    /// Whether the operation reads the patient's health data (consultation).
    pub fn is_consultation(self) -> bool {
        matches!(
            self,
            Self::Search | Self::Retrieve | Self::SetAuthorization | Self::ListAuthorizations
        )
    }
}

/// Why a consent rule refused an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentRefusal {
    /// The patient opposed the feeding of their DMP.
    #[error("the patient opposed the feeding of their DMP")]
    OpposedToFeeding,
    /// Consultation needs the patient to have been informed.
    #[error("the patient has not been informed: consultation of the DMP is refused")]
    NotInformed,
    /// The patient objected to the consultation of their DMP.
    #[error("the patient objected to the consultation of their DMP")]
    OpposedToConsultation,
}

/// What the software recorded about the patient's information and
/// oppositions. The default is "nothing collected".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConsentRecord {
    /// The patient was informed about the DMP.
    pub informed: bool,
    /// The patient opposed feeding (legitimate reason).
    pub opposed_to_feeding: bool,
    /// The patient objected to consultation by this professional / team.
    pub opposed_to_consultation: bool,
}

impl ConsentRecord {
    /// The rule checked before every transaction.
    pub fn check(&self, op: DmpOperation) -> Result<(), ConsentRefusal> {
        match op {
            DmpOperation::Feed if self.opposed_to_feeding => Err(ConsentRefusal::OpposedToFeeding),
            op if op.is_consultation() => {
                if self.opposed_to_consultation {
                    Err(ConsentRefusal::OpposedToConsultation)
                } else if !self.informed {
                    Err(ConsentRefusal::NotInformed)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

/// Audit kinds written by this module and by the DMP client.
pub mod audit_kinds {
    use segur_ssi::audit::AuditKind;
    /// The consent record of a patient changed.
    pub const CONSENT_CHANGED: AuditKind = AuditKind::from_static("dmp.consent.changed");
    /// An operation was refused by the consent rule.
    pub const CONSENT_REFUSED: AuditKind = AuditKind::from_static("dmp.consent.refused");
    /// An operation was refused by a rights rule before reaching the DMP
    /// (author-only deletion, imaging manifests: [`crate::rights`]).
    pub const RIGHTS_REFUSED: AuditKind = AuditKind::from_static("dmp.rights.refused");
    /// Documents searched (TD3.1).
    pub const SEARCH: AuditKind = AuditKind::from_static("dmp.document.search");
    /// A document retrieved and handed to the host (TD3.2).
    pub const RETRIEVE: AuditKind = AuditKind::from_static("dmp.document.retrieve");
    /// A document sent (TD2.1/2.2).
    pub const FEED: AuditKind = AuditKind::from_static("dmp.document.feed");
    /// Metadata changed (TD3.3).
    pub const UPDATE: AuditKind = AuditKind::from_static("dmp.document.update");
    /// DMP existence / authorisation status read (TD0.2).
    pub const STATUS: AuditKind = AuditKind::from_static("dmp.patient.status");
    /// Authorisation set / removed / listed.
    pub const AUTHORIZATION: AuditKind = AuditKind::from_static("dmp.patient.authorization");
}

/// The patient reference written in traces and local tables: the INS in its
/// CX form (matricule and OID), so that NIR, NIA and test roots never mix.
pub fn patient_ref(ins: &Ins) -> String {
    ins.to_cx()
}

/// Where consent records live. Implementations must be durable.
pub trait ConsentStore: Send + Sync {
    /// The record of a patient (the default when none was collected).
    fn get(&self, patient: &Ins) -> Result<ConsentRecord, Error>;
    /// Replaces the record; `actor` is who collected it.
    fn set(
        &self,
        patient: &Ins,
        record: ConsentRecord,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), Error>;
}

fn store_err(e: rusqlite::Error) -> Error {
    StoreError::Sqlite(e.to_string()).into()
}

/// SQLite consent store; every change is appended to the audit trail
/// (kind `dmp.consent.changed`, old and new values in the details).
pub struct SqliteConsentStore {
    conn: Mutex<Connection>,
    audit: Arc<dyn AuditTrail>,
}

impl std::fmt::Debug for SqliteConsentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConsentStore").finish_non_exhaustive()
    }
}

impl SqliteConsentStore {
    /// Opens (or creates) the store in `conn`.
    pub fn new(conn: Connection, audit: Arc<dyn AuditTrail>) -> Result<Self, Error> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS dmp_consent (
                patient TEXT PRIMARY KEY,
                informed INTEGER NOT NULL,
                opposed_feeding INTEGER NOT NULL,
                opposed_consultation INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                updated_by TEXT NOT NULL
            );",
        )
        .map_err(store_err)?;
        Ok(Self {
            conn: Mutex::new(conn),
            audit,
        })
    }

    /// Opens a database file.
    pub fn open(
        path: impl AsRef<std::path::Path>,
        audit: Arc<dyn AuditTrail>,
    ) -> Result<Self, Error> {
        let conn = Connection::open(path).map_err(store_err)?;
        Self::new(conn, audit)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (statements are atomic): keep using the connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn describe(r: &ConsentRecord) -> String {
    format!(
        "informed={} opposed_to_feeding={} opposed_to_consultation={}",
        r.informed, r.opposed_to_feeding, r.opposed_to_consultation
    )
}

impl ConsentStore for SqliteConsentStore {
    fn get(&self, patient: &Ins) -> Result<ConsentRecord, Error> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT informed, opposed_feeding, opposed_consultation FROM dmp_consent WHERE patient = ?1",
                params![patient_ref(patient)],
                |r| {
                    Ok(ConsentRecord {
                        informed: r.get(0)?,
                        opposed_to_feeding: r.get(1)?,
                        opposed_to_consultation: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(store_err)?;
        Ok(row.unwrap_or_default())
    }

    fn set(
        &self,
        patient: &Ins,
        record: ConsentRecord,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let before = self.get(patient)?;
        {
            let conn = self.lock();
            conn.execute(
                "INSERT INTO dmp_consent (patient, informed, opposed_feeding, opposed_consultation, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(patient) DO UPDATE SET informed = ?2, opposed_feeding = ?3,
                   opposed_consultation = ?4, updated_at = ?5, updated_by = ?6",
                params![
                    patient_ref(patient),
                    record.informed,
                    record.opposed_to_feeding,
                    record.opposed_to_consultation,
                    crate::time_fmt::rfc3339(now),
                    actor
                ],
            )
            .map_err(store_err)?;
        }
        self.audit
            .append(
                AuditEvent::new(audit_kinds::CONSENT_CHANGED, actor, Outcome::Success, now)
                    .with_patient(patient_ref(patient))
                    .with_detail("before", describe(&before))
                    .with_detail("after", describe(&record)),
            )
            .map_err(Error::Audit)?;
        Ok(())
    }
}

/// Checks the record of `patient` for `op`; a refusal is traced (kind
/// `dmp.consent.refused`, outcome denied) and returned as
/// [`Error::Consent`].
pub fn enforce(
    store: &dyn ConsentStore,
    audit: &dyn AuditTrail,
    patient: &Ins,
    op: DmpOperation,
    actor: &str,
    now: OffsetDateTime,
) -> Result<ConsentRecord, Error> {
    let record = store.get(patient)?;
    if let Err(refusal) = record.check(op) {
        audit
            .append(
                AuditEvent::new(kind_refused(), actor, Outcome::Denied, now)
                    .with_patient(patient_ref(patient))
                    .with_detail("operation", op.as_str())
                    .with_detail("reason", refusal.to_string()),
            )
            .map_err(Error::Audit)?;
        return Err(Error::Consent {
            operation: op,
            refusal,
        });
    }
    Ok(record)
}

fn kind_refused() -> AuditKind {
    audit_kinds::CONSENT_REFUSED
}

#[cfg(test)]
mod tests {
    use super::*;
    use segur_ssi::audit::{AuditFilter, MemoryAuditTrail};

    fn ins() -> Ins {
        Ins::new(
            "279035121518989".parse().expect("nir"),
            segur_ins::InsOid::Test,
        )
    }

    #[test]
    fn rules_table() {
        use DmpOperation::*;
        let default = ConsentRecord::default();
        for op in [
            Feed,
            UpdateMetadata,
            Delete,
            ExistenceCheck,
            RemoveAuthorization,
            LookupOwnDocument,
        ] {
            assert_eq!(default.check(op), Ok(()), "{op:?}");
        }
        for op in [Search, Retrieve, SetAuthorization, ListAuthorizations] {
            assert_eq!(
                default.check(op),
                Err(ConsentRefusal::NotInformed),
                "{op:?}"
            );
        }
        let informed = ConsentRecord {
            informed: true,
            ..Default::default()
        };
        assert_eq!(informed.check(Retrieve), Ok(()));
        let opposed = ConsentRecord {
            informed: true,
            opposed_to_consultation: true,
            opposed_to_feeding: true,
        };
        assert_eq!(
            opposed.check(Retrieve),
            Err(ConsentRefusal::OpposedToConsultation)
        );
        assert_eq!(opposed.check(Feed), Err(ConsentRefusal::OpposedToFeeding));
        // Withdrawing one's documents stays possible.
        assert_eq!(opposed.check(Delete), Ok(()));
        assert_eq!(opposed.check(UpdateMetadata), Ok(()));
    }

    #[test]
    fn store_persists_and_traces_changes_and_refusals() {
        let audit = Arc::new(MemoryAuditTrail::new());
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("consent.db");
        let now = OffsetDateTime::now_utc();
        {
            let store = SqliteConsentStore::open(&path, audit.clone()).expect("open");
            assert_eq!(store.get(&ins()).expect("get"), ConsentRecord::default());
            let err = enforce(
                &store,
                audit.as_ref(),
                &ins(),
                DmpOperation::Retrieve,
                "810003612545",
                now,
            )
            .expect_err("refused");
            assert!(matches!(
                err,
                Error::Consent {
                    refusal: ConsentRefusal::NotInformed,
                    ..
                }
            ));
            store
                .set(
                    &ins(),
                    ConsentRecord {
                        informed: true,
                        ..Default::default()
                    },
                    "810003612545",
                    now,
                )
                .expect("set");
        }
        let store = SqliteConsentStore::open(&path, audit.clone()).expect("reopen");
        assert!(store.get(&ins()).expect("get").informed);
        enforce(
            &store,
            audit.as_ref(),
            &ins(),
            DmpOperation::Retrieve,
            "810003612545",
            now,
        )
        .expect("allowed now");
        let records = audit
            .query(&AuditFilter::new().patient(patient_ref(&ins())))
            .expect("query");
        let kinds: Vec<&str> = records.iter().map(|r| r.event.kind.as_str()).collect();
        assert_eq!(kinds, ["dmp.consent.refused", "dmp.consent.changed"]);
        assert_eq!(
            records[1].event.details.get("after").map(String::as_str),
            Some("informed=true opposed_to_feeding=false opposed_to_consultation=false")
        );
    }
}
