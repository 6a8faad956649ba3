//! The host's patient index, as the workflows see it.

use std::fmt;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::insi::{InsiIdentity, InsiOutcome, TraitsDiff};
use crate::{Identity, IdentityAttribute, IdentityStatus, Ins, Traits, TraitsError};

/// The host's identifier of a patient file.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct LocalPatientId(String);

impl LocalPatientId {
    /// An id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalPatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for LocalPatientId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// Why an INSi call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallTrigger {
    /// Background verification when the file was opened.
    Background,
    /// Requested by the user.
    Manual,
    /// Carte Vitale read.
    Vitale,
}

/// The result of an INSi call, as recorded on the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum CallResult {
    /// `00`.
    Found,
    /// `01`.
    NotFound,
    /// `02`.
    Several,
    /// No usable answer.
    Failed {
        /// The error.
        error: String,
        /// Whether a later retry may succeed.
        transient: bool,
    },
}

impl CallResult {
    pub(crate) fn of(outcome: &InsiOutcome) -> Self {
        match outcome {
            InsiOutcome::Found(_) => Self::Found,
            InsiOutcome::NotFound => Self::NotFound,
            InsiOutcome::Several => Self::Several,
        }
    }
}

/// The last INSi call made for a file: its date is what the debounce of
/// the background verification looks at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsiCallRecord {
    /// When the call started.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why.
    pub trigger: CallTrigger,
    /// What came back.
    pub result: CallResult,
}

/// Where a conclusive answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// A traits search.
    TraitsSearch,
    /// A carte Vitale search.
    Vitale,
}

/// The last conclusive INSi answer (`00`) for a file, kept until the user
/// qualifies (or accepts) it in one click.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingInsiAnswer {
    /// When it was received.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// What INSi returned.
    pub identity: InsiIdentity,
    /// The local traits it was compared with (the answer is outdated once
    /// the local traits change).
    pub traits_at_call: Traits,
    /// The comparison (SENTINELLE.16).
    pub diff: TraitsDiff,
    /// The search that produced it.
    pub source: AnswerSource,
}

impl PendingInsiAnswer {
    /// Compares `identity` with `local`.
    pub fn new(
        received_at: OffsetDateTime,
        identity: InsiIdentity,
        local: &Traits,
        source: AnswerSource,
    ) -> Self {
        let diff = TraitsDiff::compare(local, &identity.traits);
        Self {
            received_at,
            identity,
            traits_at_call: local.clone(),
            diff,
            source,
        }
    }

    /// Whether the answer can be used as is: its INS is checked and no
    /// trait differs.
    pub fn is_ready(&self) -> bool {
        self.identity.ins().is_some() && self.diff.is_match()
    }
}

/// A patient file as the workflows see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PatientRecord {
    /// The host's id.
    pub id: LocalPatientId,
    /// The identity (traits, INS, RNIV status, evidence).
    pub identity: Identity,
    /// The last INSi call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_insi_call: Option<InsiCallRecord>,
    /// The conclusive answer awaiting the user's decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_answer: Option<PendingInsiAnswer>,
}

/// What the patient file shows without any extra call (SENTINELLE.17).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IdentityDisplay {
    /// The RNIV status.
    pub status: IdentityStatus,
    /// Its French label (« Identité qualifiée »…).
    pub status_label: &'static str,
    /// The INS recorded on the file (for display; shareable only when qualified).
    pub ins: Option<Ins>,
    /// Whether the INS may be shared (documents, DMP, MSSanté): qualified identity.
    pub ins_shareable: bool,
    /// The RNIV attributes set.
    pub attributes: Vec<IdentityAttribute>,
    /// The last INSi call.
    pub last_insi_call: Option<InsiCallRecord>,
    /// Whether a conclusive INSi answer with matching traits awaits a
    /// one-click qualification.
    pub qualification_ready: bool,
    /// Whether a conclusive answer awaits the user's review (differing traits).
    pub answer_to_review: bool,
}

impl PatientRecord {
    /// The display data.
    pub fn display(&self) -> IdentityDisplay {
        let status = self.identity.status();
        let pending = self
            .pending_answer
            .as_ref()
            .filter(|a| &a.traits_at_call == self.identity.traits());
        IdentityDisplay {
            status,
            status_label: status.label(),
            ins: self.identity.recorded_ins().copied(),
            ins_shareable: self.identity.qualified_ins().is_some(),
            attributes: self.identity.attributes().to_vec(),
            last_insi_call: self.last_insi_call.clone(),
            qualification_ready: status != IdentityStatus::Qualifiee
                && pending.is_some_and(PendingInsiAnswer::is_ready),
            answer_to_review: pending.is_some_and(|a| !a.diff.is_match()),
        }
    }
}

/// Why the index failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// No file with this id.
    #[error("patient file {0} not found")]
    NotFound(LocalPatientId),
    /// The storage failed.
    #[error("patient index: {0}")]
    Backend(String),
}

/// Whether `candidate` matches the strict traits of `probe` under the INSi
/// equivalence rules (family name and given names with hyphen / apostrophe
/// counting as a space, first given name consistent with the list, same
/// birth date and sex, same birth place when both are known). The rule
/// [`PatientIndex::find_by_traits`] implementations apply.
pub fn traits_match(candidate: &Traits, probe: &Traits) -> bool {
    candidate.strict_differences(probe).is_empty()
}

/// The host's patient index. Implementations must be quick (local
/// database): the workflows call them from the UI thread for lookups, and
/// through `spawn_blocking` from background tasks.
pub trait PatientIndex: Send + Sync {
    /// The file `id`.
    fn get(&self, id: &LocalPatientId) -> Result<Option<PatientRecord>, IndexError>;
    /// The files whose recorded INS is `ins` (matricule and OID).
    fn find_by_ins(&self, ins: &Ins) -> Result<Vec<PatientRecord>, IndexError>;
    /// The files whose traits match `traits` ([`traits_match`]).
    fn find_by_traits(&self, traits: &Traits) -> Result<Vec<PatientRecord>, IndexError>;
    /// Creates a file and returns it with its new id.
    fn create(&self, identity: Identity) -> Result<PatientRecord, IndexError>;
    /// Replaces a file (identity, last call, pending answer).
    fn update(&self, record: &PatientRecord) -> Result<(), IndexError>;
}

/// An in-memory [`PatientIndex`] for tests and examples. Ids are `P000001`, `P000002`…
#[derive(Debug, Default)]
pub struct InMemoryPatientIndex {
    records: Mutex<Vec<PatientRecord>>,
}

impl InMemoryPatientIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every file.
    pub fn all(&self) -> Vec<PatientRecord> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PatientRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PatientIndex for InMemoryPatientIndex {
    fn get(&self, id: &LocalPatientId) -> Result<Option<PatientRecord>, IndexError> {
        Ok(self.lock().iter().find(|r| &r.id == id).cloned())
    }

    fn find_by_ins(&self, ins: &Ins) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .lock()
            .iter()
            .filter(|r| r.identity.recorded_ins() == Some(ins))
            .cloned()
            .collect())
    }

    fn find_by_traits(&self, traits: &Traits) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .lock()
            .iter()
            .filter(|r| traits_match(r.identity.traits(), traits))
            .cloned()
            .collect())
    }

    fn create(&self, identity: Identity) -> Result<PatientRecord, IndexError> {
        let mut records = self.lock();
        let record = PatientRecord {
            id: LocalPatientId(format!("P{:06}", records.len() + 1)),
            identity,
            last_insi_call: None,
            pending_answer: None,
        };
        records.push(record.clone());
        Ok(record)
    }

    fn update(&self, record: &PatientRecord) -> Result<(), IndexError> {
        let mut records = self.lock();
        let slot = records
            .iter_mut()
            .find(|r| r.id == record.id)
            .ok_or_else(|| IndexError::NotFound(record.id.clone()))?;
        *slot = record.clone();
        Ok(())
    }
}

/// The traits of a returned identity, or why they are not usable.
pub(crate) fn returned_traits(identity: &InsiIdentity) -> Result<Traits, TraitsError> {
    identity.traits.to_traits()
}
