//! The Sentinelle workflows (Ségur vague 2): the library API a practice
//! software calls from its UI to find, create, verify and qualify patient
//! identities with the INS.
//!
//! | requirement | API |
//! |---|---|
//! | SENTINELLE.02 find by datamatrix | [`Sentinelle::find_by_datamatrix`], [`Sentinelle::find_by_datamatrix_image`], [`Sentinelle::find_by_scanned`] |
//! | SENTINELLE.03 find by carte Vitale | [`Sentinelle::find_by_vitale`], [`Sentinelle::find_by_vitale_beneficiary`] |
//! | SENTINELLE.04 create without retyping | [`FindOutcome::NotFound`]'s [`CreationDraft`], [`Sentinelle::create_patient`] |
//! | SENTINELLE.05/06 background verification | [`Sentinelle::open_file`], [`VerificationTicket`], [`Sentinelle::subscribe`] |
//! | SENTINELLE.07/08 one-click qualification | [`Sentinelle::qualify`] with [`QualificationMethod`] |
//! | SENTINELLE.15 explanations | `explanation()` on every outcome and error |
//! | SENTINELLE.16 traits differences | [`crate::insi::TraitsDiff`] in [`Differences`] and [`PendingInsiAnswer`] |
//! | SENTINELLE.17 status and INS shown | [`PatientRecord::display`], [`OpenedFile::display`] |
//!
//! The host implements [`PatientIndex`] over its database
//! ([`InMemoryPatientIndex`] serves tests and examples) and gives an
//! [`InsiService`] (the [`crate::insi::InsiClient`]; optionally a second one
//! for user-triggered calls, e.g. with the `INSI-MANU` certificate).
//!
//! # Background verification: design
//!
//! [`Sentinelle::open_file`] is a plain, non-async function that returns at
//! once with the display data and a [`BackgroundCheck`]: when the identity
//! is not qualified (and not *douteuse* / *fictive*), an INSi traits search
//! is spawned on the tokio runtime captured when the [`Sentinelle`] was
//! built, and a [`VerificationTicket`] is returned. The outcome is delivered
//! **both** ways, so the host picks what suits its UI:
//!
//! - await the ticket ([`VerificationTicket::outcome`], or poll
//!   [`VerificationTicket::try_outcome`] from a UI timer);
//! - or listen to every report on a broadcast stream ([`Sentinelle::subscribe`]),
//!   e.g. in the UI event loop.
//!
//! Repeated openings are **debounced**: while a check for the file runs,
//! opening it again joins the running check ([`BackgroundCheck::Joined`]);
//! within [`SentinelleConfig::debounce`] after the last call (whatever its
//! result), no new call is made ([`BackgroundCheck::Debounced`]). The call
//! date and result are recorded on the file ([`PatientRecord::last_insi_call`]).
//!
//! The background check **never changes the identity**: a conclusive answer
//! is stored as the file's [`PendingInsiAnswer`] with its traits comparison,
//! and the user qualifies (or accepts) it in one click
//! ([`Sentinelle::qualify`], [`Sentinelle::accept_insi_answer`]). RNIV leaves
//! the consistency check of the returned traits to a person; automatic
//! changes would bypass it.

mod index;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};

pub use index::{
    AnswerSource, CallResult, CallTrigger, IdentityDisplay, InMemoryPatientIndex, IndexError,
    InsiCallRecord, LocalPatientId, PatientIndex, PatientRecord, PendingInsiAnswer, traits_match,
};

use crate::insi::{
    GivenNameStrategy, InsiError, InsiOutcome, InsiService, LunarDate, ReturnedTraits, SharedClock,
    SystemClock, TraitsDiff, VitaleQuery,
};
use crate::names::GivenName;
use crate::{
    CollectionMethod, DocumentPolicy, EventContext, FamilyName, Identity, IdentityAttribute,
    IdentityDocumentType, IdentityEvent, IdentityStatus, Ins, Nir, RnivException, ScannedIdentity,
    Traits, TransitionError,
};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Errors of the lookup and verification workflows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SentinelleError {
    /// The patient index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The datamatrix could not be read.
    #[error("datamatrix: {0}")]
    Datamatrix(String),
    /// The file is unknown.
    #[error("patient file {0} not found")]
    UnknownPatient(LocalPatientId),
    /// The INSi call failed.
    #[error(transparent)]
    Insi(#[from] InsiError),
    /// The identity is *douteuse* or *fictive*: INSi may not be called.
    #[error("the identity is {0}: INSi calls are not allowed")]
    InsiForbidden(IdentityAttribute),
    /// The carte Vitale holds no beneficiary.
    #[error("the carte Vitale holds no beneficiary")]
    NoBeneficiary,
    /// No tokio runtime to run background checks on.
    #[error("no tokio runtime: build the Sentinelle inside a runtime or give one")]
    NoRuntime,
}

impl SentinelleError {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &str {
        match self {
            Self::Index(_) => {
                "La base des dossiers patients est inaccessible. Réessayez ; si le problème \
                 persiste, contactez votre responsable informatique."
            }
            Self::Datamatrix(_) => {
                "Le code datamatrix INS n'a pas pu être lu. Rescannez le document (bien à plat, \
                 sans reflet) ou recherchez le patient par ses traits d'identité."
            }
            Self::UnknownPatient(_) => {
                "Ce dossier patient n'existe plus. Rafraîchissez la liste des patients."
            }
            Self::Insi(e) => e.explanation(),
            Self::InsiForbidden(_) => {
                "L'identité est marquée douteuse ou fictive : le téléservice INSi ne peut pas \
                 être interrogé. Levez le doute (pièce d'identité) avant toute recherche."
            }
            Self::NoBeneficiary => {
                "La carte Vitale lue ne contient aucun bénéficiaire. Relisez la carte ou \
                 recherchez le patient par ses traits d'identité."
            }
            Self::NoRuntime => {
                "Le logiciel est mal configuré (vérification INSi en arrière-plan impossible). \
                 Contactez l'éditeur du logiciel."
            }
        }
    }
}

/// How the scanned or returned INS compares with the one on the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum InsComparison {
    /// Same matricule and OID.
    Same,
    /// The file has no INS yet.
    NotRecordedLocally,
    /// The file records another INS.
    Different {
        /// The INS on the file.
        local: Ins,
    },
}

impl InsComparison {
    fn of(local: Option<&Ins>, other: &Ins) -> Self {
        match local {
            None => Self::NotRecordedLocally,
            Some(l) if l == other => Self::Same,
            Some(l) => Self::Different { local: *l },
        }
    }
}

/// What differs between a file and the identity read or returned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Differences {
    /// Per trait.
    pub traits: TraitsDiff,
    /// The INS.
    pub ins: InsComparison,
}

impl Differences {
    fn matter(&self) -> bool {
        !self.traits.is_match() || matches!(self.ins, InsComparison::Different { .. })
    }
}

/// Everything needed to create a file without retyping the traits (SENTINELLE.04).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreationDraft {
    /// The traits read (datamatrix) or returned by INSi (carte Vitale).
    pub traits: Traits,
    /// The INS read or returned (recorded unverified until qualification).
    pub ins: Option<Ins>,
    /// How the identity was collected.
    pub method: CollectionMethod,
    /// The conclusive INSi answer, when the draft comes from one.
    pub insi_answer: Option<PendingInsiAnswer>,
}

/// The outcome of a lookup (SENTINELLE.02/03).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum FindOutcome {
    /// One file, consistent with what was read.
    Found {
        /// The file.
        record: Box<PatientRecord>,
    },
    /// One file, with differing traits or another INS: the user must look.
    FoundWithDifferentTraits {
        /// The file.
        record: Box<PatientRecord>,
        /// What differs.
        differences: Differences,
    },
    /// No file: offer to create one from the draft (when there is one).
    NotFound {
        /// The pre-filled file.
        draft: Option<Box<CreationDraft>>,
    },
    /// Several candidate files: the user picks one (possible duplicates).
    Several {
        /// The candidates.
        candidates: Vec<PatientRecord>,
    },
}

impl FindOutcome {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Found { .. } => {
                "Le dossier du patient a été trouvé et concorde avec l'identité lue."
            }
            Self::FoundWithDifferentTraits { .. } => {
                "Un dossier a été trouvé mais des traits d'identité (ou l'INS) diffèrent. \
                 Comparez-les avec une pièce d'identité avant d'ouvrir ou de corriger le dossier."
            }
            Self::NotFound { draft: Some(_) } => {
                "Aucun dossier ne correspond. Vous pouvez créer le dossier : les traits \
                 d'identité sont déjà remplis, vérifiez-les puis enregistrez."
            }
            Self::NotFound { draft: None } => {
                "Aucun dossier ne correspond. Recherchez le patient par son nom ou créez le \
                 dossier en saisissant ses traits depuis une pièce d'identité."
            }
            Self::Several { .. } => {
                "Plusieurs dossiers peuvent correspondre (doublons possibles). Choisissez le bon \
                 dossier et signalez les doublons à votre référent en identitovigilance."
            }
        }
    }
}

/// One beneficiary of a carte Vitale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VitaleBeneficiary {
    /// The beneficiary's own NIR, when on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual: Option<Nir>,
    /// The ouvrant droit's NIR.
    pub ouvrant_droit: Nir,
    /// The name on the card.
    pub family_name: FamilyName,
    /// The given name on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<GivenName>,
    /// The birth date on the card.
    pub birth_date: LunarDate,
    /// The birth rank.
    pub birth_rank: u8,
}

impl VitaleBeneficiary {
    /// The `RECVITALE` query for this beneficiary.
    pub fn query(&self) -> VitaleQuery {
        VitaleQuery {
            individual: self.individual,
            ouvrant_droit: Some(self.ouvrant_droit),
            birth_family_name: Some(self.family_name.clone()),
            birth_date: Some(self.birth_date),
            birth_rank: Some(self.birth_rank),
        }
    }
}

/// The data read from a carte Vitale (by the host's card reader stack).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VitaleCard {
    /// The beneficiaries.
    pub beneficiaries: Vec<VitaleBeneficiary>,
}

/// The outcome of [`Sentinelle::find_by_vitale`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum VitaleLookup {
    /// The card holds several beneficiaries: the user picks one, then
    /// [`Sentinelle::find_by_vitale_beneficiary`].
    ChooseBeneficiary {
        /// The beneficiaries.
        beneficiaries: Vec<VitaleBeneficiary>,
    },
    /// The lookup for the only beneficiary.
    Done(Box<VitaleFindResult>),
}

/// The lookup of a carte Vitale beneficiary: INSi is asked first
/// (`RECVITALE`), then the index by the returned INS and traits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VitaleFindResult {
    /// The local lookup.
    pub outcome: FindOutcome,
    /// What INSi answered (code), or the error.
    #[serde(serialize_with = "serialize_insi_result")]
    pub insi: Result<crate::insi::ResultCode, InsiError>,
}

fn serialize_insi_result<S: serde::Serializer>(
    r: &Result<crate::insi::ResultCode, InsiError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    match r {
        Ok(code) => m.serialize_entry("code", code.code())?,
        Err(e) => m.serialize_entry("error", &e.to_string())?,
    }
    m.end()
}

impl VitaleFindResult {
    /// Plain-French explanation with the action to take: the lookup's when
    /// INSi found the beneficiary, else INSi's (what to do about the answer
    /// or the error); the lookup's own explanation is in
    /// [`FindOutcome::explanation`].
    pub fn explanation(&self) -> &str {
        match &self.insi {
            Ok(crate::insi::ResultCode::Found) => self.outcome.explanation(),
            Ok(code) => code.explanation(),
            Err(e) => e.explanation(),
        }
    }
}

/// The result of a background verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum VerificationOutcome {
    /// INSi returned one identity, stored as the file's pending answer.
    Conclusive {
        /// The answer (traits comparison included).
        answer: Box<PendingInsiAnswer>,
        /// How the returned INS compares with the file's.
        ins: Option<InsComparison>,
    },
    /// `01`.
    NotFound,
    /// `02`.
    Several,
    /// The call failed.
    Failed {
        /// The error.
        #[serde(serialize_with = "serialize_display")]
        error: InsiError,
    },
    /// The check could not complete (index error, file deleted meanwhile).
    Abandoned {
        /// Why.
        reason: String,
    },
}

fn serialize_display<S: serde::Serializer>(e: &InsiError, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

impl VerificationOutcome {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Conclusive { answer, ins } => {
                let other_ins = matches!(ins, Some(InsComparison::Different { .. }));
                match (
                    answer.identity.ins().is_some(),
                    answer.diff.is_match(),
                    other_ins,
                ) {
                    (false, _, _) => {
                        "INSi a trouvé l'identité, mais son matricule est inexploitable (clé ou \
                         OID incorrect) : la qualification est impossible, signalez-le à votre \
                         référent en identitovigilance."
                    }
                    (true, true, false) => {
                        "INSi a trouvé l'identité et ses traits concordent avec le dossier. \
                         Contrôlez une pièce d'identité à haut niveau de confiance puis qualifiez \
                         l'identité en un clic."
                    }
                    (true, false, false) => {
                        "INSi a trouvé l'identité mais des traits diffèrent du dossier. \
                         Contrôlez-les sur une pièce d'identité à haut niveau de confiance ; \
                         n'acceptez les traits INSi que s'ils correspondent à la pièce."
                    }
                    (true, _, true) => {
                        "INSi a trouvé l'identité, mais son INS diffère de celui enregistré dans \
                         le dossier (doublon ou erreur de dossier possible). Vérifiez l'identité \
                         sur une pièce d'identité et signalez-le à votre référent en \
                         identitovigilance avant toute qualification."
                    }
                }
            }
            Self::NotFound => crate::insi::ResultCode::NotFound.explanation(),
            Self::Several => crate::insi::ResultCode::Several.explanation(),
            Self::Failed { error } => error.explanation(),
            Self::Abandoned { .. } => {
                "La vérification INSi n'a pas pu aboutir (dossier modifié ou base indisponible). \
                 Elle sera relancée à la prochaine ouverture du dossier."
            }
        }
    }
}

/// A finished background verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerificationReport {
    /// The file.
    pub patient: LocalPatientId,
    /// When the call started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the outcome was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// The outcome.
    pub outcome: VerificationOutcome,
    /// The file's display data after the outcome was recorded.
    pub display: Option<IdentityDisplay>,
}

/// A running (or finished) background verification.
#[derive(Debug, Clone)]
pub struct VerificationTicket {
    patient: LocalPatientId,
    rx: watch::Receiver<Option<Arc<VerificationReport>>>,
}

impl VerificationTicket {
    /// The file.
    pub fn patient(&self) -> &LocalPatientId {
        &self.patient
    }

    /// The report, if the check has finished (never waits).
    pub fn try_outcome(&self) -> Option<Arc<VerificationReport>> {
        self.rx.borrow().clone()
    }

    /// Waits for the report.
    pub async fn outcome(mut self) -> Arc<VerificationReport> {
        loop {
            if let Some(r) = self.rx.borrow_and_update().clone() {
                return r;
            }
            if self.rx.changed().await.is_err() {
                // The task ended without publishing (runtime shut down).
                return Arc::new(VerificationReport {
                    patient: self.patient.clone(),
                    started_at: OffsetDateTime::UNIX_EPOCH,
                    finished_at: OffsetDateTime::UNIX_EPOCH,
                    outcome: VerificationOutcome::Abandoned {
                        reason: "the check was cancelled".into(),
                    },
                    display: None,
                });
            }
        }
    }
}

/// What [`Sentinelle::open_file`] did about INSi.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BackgroundCheck {
    /// A check was started.
    Started(VerificationTicket),
    /// A check was already running: this ticket follows it.
    Joined(VerificationTicket),
    /// INSi was called recently: no new call.
    Debounced {
        /// The last call.
        last_call_at: OffsetDateTime,
    },
    /// The identity is qualified: nothing to verify.
    NotNeeded,
    /// The identity is *douteuse* or *fictive*: INSi may not be called.
    NotAllowed(IdentityAttribute),
}

impl BackgroundCheck {
    /// Plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Started(_) | Self::Joined(_) => {
                "Vérification de l'identité auprès du téléservice INSi en cours ; vous pouvez \
                 continuer à travailler, le résultat s'affichera dès qu'il sera disponible."
            }
            Self::Debounced { .. } => {
                "Le téléservice INSi a été interrogé il y a peu pour ce dossier ; le dernier \
                 résultat est affiché."
            }
            Self::NotNeeded => {
                "L'identité est qualifiée : aucune vérification INSi n'est nécessaire."
            }
            Self::NotAllowed(_) => {
                "L'identité est marquée douteuse ou fictive : le téléservice INSi n'est pas \
                 interrogé. Levez le doute avec une pièce d'identité."
            }
        }
    }

    /// The ticket, when a check runs.
    pub fn ticket(&self) -> Option<&VerificationTicket> {
        match self {
            Self::Started(t) | Self::Joined(t) => Some(t),
            _ => None,
        }
    }
}

/// The result of opening a file.
#[derive(Debug, Clone)]
pub struct OpenedFile {
    /// The file as opened.
    pub record: PatientRecord,
    /// What to show right away (SENTINELLE.17).
    pub display: IdentityDisplay,
    /// The background verification.
    pub check: BackgroundCheck,
}

/// How the identity document criterion is met when qualifying.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QualificationMethod {
    /// A document checked now (never pre-selected: the user says which),
    /// with an RNIV exception when it is not high trust.
    Document {
        /// The document seen.
        document: IdentityDocumentType,
        /// The RNIV exception (EHPAD, minor) when the document is not high trust.
        exception: Option<RnivException>,
    },
    /// RNIV volet 4 (liberal practitioners): the professional knows the
    /// patient and checked a high-trust document at an earlier encounter.
    /// The exact procedure is **UNCONFIRMED** (not public).
    LiberalPractitionerException {
        /// The document checked earlier.
        document: IdentityDocumentType,
        /// When.
        originally_checked_at: OffsetDateTime,
    },
    /// The document check already on the file (identity *validée*).
    ExistingDocumentCheck,
}

/// Why a qualification (or acceptance) was refused. The file is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QualificationError {
    /// The file is unknown.
    #[error("patient file {0} not found")]
    UnknownPatient(LocalPatientId),
    /// The identity is *douteuse* or *fictive*.
    #[error("the identity is {0}: qualification is not allowed")]
    DoubtfulIdentity(IdentityAttribute),
    /// No conclusive INSi answer is pending for the file.
    #[error("no conclusive INSi answer for this file")]
    NoInsiAnswer,
    /// The traits changed since the INSi answer.
    #[error("the traits changed since the INSi answer")]
    AnswerOutdated,
    /// The INS returned is not usable (bad key, unknown OID).
    #[error("the INS returned by INSi is not usable: {0}")]
    InvalidInsInAnswer(String),
    /// The returned traits are not usable.
    #[error("the traits returned by INSi are not usable: {0}")]
    InvalidReturnedTraits(String),
    /// Traits differ and the user did not accept the returned ones.
    #[error("traits differ from the INSi answer: {}", .0.differing_fields().iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", "))]
    DifferingTraits(Box<TraitsDiff>),
    /// [`QualificationMethod::ExistingDocumentCheck`] without a (still valid) document check.
    #[error("no identity document check on the file")]
    NoDocumentCheck,
    /// The identity state machine refused an event (e.g. a document that
    /// is not high trust).
    #[error(transparent)]
    Refused(#[from] TransitionError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl QualificationError {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::UnknownPatient(_) => "Ce dossier patient n'existe plus. Rafraîchissez la liste.",
            Self::DoubtfulIdentity(_) => {
                "L'identité est marquée douteuse ou fictive : elle ne peut pas être qualifiée. \
                 Levez d'abord le doute avec une pièce d'identité."
            }
            Self::NoInsiAnswer => {
                "Aucune réponse concluante du téléservice INSi n'est disponible pour ce dossier. \
                 Lancez la recherche INSi (ou attendez la fin de la vérification en cours), puis \
                 qualifiez."
            }
            Self::AnswerOutdated => {
                "Les traits du dossier ont changé depuis la réponse INSi. Relancez la recherche \
                 INSi avant de qualifier."
            }
            Self::InvalidInsInAnswer(_) => {
                "Le matricule INS renvoyé par INSi est inexploitable : la qualification est \
                 impossible. Signalez-le à votre référent en identitovigilance."
            }
            Self::InvalidReturnedTraits(_) => {
                "Les traits renvoyés par INSi sont incomplets : la qualification est impossible. \
                 Relancez la recherche et, si le problème persiste, contactez l'éditeur."
            }
            Self::DifferingTraits(_) => {
                "Des traits du dossier diffèrent de ceux renvoyés par INSi. Vérifiez-les sur la \
                 pièce d'identité ; si la pièce confirme INSi, acceptez les traits INSi pour \
                 qualifier, sinon ne qualifiez pas."
            }
            Self::NoDocumentCheck => {
                "Aucun contrôle de pièce d'identité valide n'est enregistré. Indiquez la pièce \
                 d'identité à haut niveau de confiance présentée par le patient."
            }
            Self::Refused(TransitionError::DocumentNotHighTrust { .. })
            | Self::Refused(TransitionError::ExceptionNotApplicable { .. }) => {
                "Ce justificatif ne permet pas de qualifier l'identité (pièce à haut niveau de \
                 confiance requise : passeport, carte d'identité, titre de séjour…). Demandez une \
                 autre pièce ; l'identité reste récupérée en attendant."
            }
            Self::Refused(_) => {
                "La qualification a été refusée par les règles d'identitovigilance. Vérifiez \
                 l'identité et ses attributs, puis réessayez."
            }
            Self::Index(_) => {
                "La base des dossiers patients est inaccessible : rien n'a été modifié. Réessayez."
            }
        }
    }
}

/// Settings of the workflows.
#[derive(Debug, Clone)]
pub struct SentinelleConfig {
    /// No new background call within this delay after the last one
    /// (default 10 minutes).
    pub debounce: time::Duration,
    /// Given names tried in traits searches (default [`GivenNameStrategy::EachThenAll`]).
    pub strategy: GivenNameStrategy,
    /// The high-trust document list of the structure.
    pub document_policy: DocumentPolicy,
    /// The user recorded for background events.
    pub background_user: String,
}

impl Default for SentinelleConfig {
    fn default() -> Self {
        Self {
            debounce: time::Duration::minutes(10),
            strategy: GivenNameStrategy::default(),
            document_policy: DocumentPolicy::RNIV,
            background_user: "insi-auto".into(),
        }
    }
}

/// Builds a [`Sentinelle`].
pub struct SentinelleBuilder {
    index: Arc<dyn PatientIndex>,
    background: Arc<dyn InsiService>,
    manual: Option<Arc<dyn InsiService>>,
    clock: SharedClock,
    config: SentinelleConfig,
    runtime: Option<tokio::runtime::Handle>,
}

impl fmt::Debug for SentinelleBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelleBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SentinelleBuilder {
    /// The INSi service for user-triggered calls (carte Vitale, "search
    /// now"); default: the background one.
    pub fn manual_insi(mut self, insi: Arc<dyn InsiService>) -> Self {
        self.manual = Some(insi);
        self
    }

    /// The clock (call dates, debounce, evidence dates).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The settings.
    pub fn config(mut self, config: SentinelleConfig) -> Self {
        self.config = config;
        self
    }

    /// The runtime running the background checks (default: the current one).
    pub fn runtime(mut self, handle: tokio::runtime::Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// Builds the workflows.
    pub fn build(self) -> Result<Sentinelle, SentinelleError> {
        let runtime = match self.runtime {
            Some(h) => h,
            None => {
                tokio::runtime::Handle::try_current().map_err(|_| SentinelleError::NoRuntime)?
            }
        };
        let (reports, _) = broadcast::channel(64);
        Ok(Sentinelle {
            inner: Arc::new(Inner {
                index: self.index,
                manual: self.manual.unwrap_or_else(|| self.background.clone()),
                background: self.background,
                clock: self.clock,
                config: self.config,
                runtime,
                in_flight: Mutex::new(HashMap::new()),
                reports,
            }),
        })
    }
}

type InFlight = HashMap<LocalPatientId, watch::Receiver<Option<Arc<VerificationReport>>>>;

struct Inner {
    index: Arc<dyn PatientIndex>,
    background: Arc<dyn InsiService>,
    manual: Arc<dyn InsiService>,
    clock: SharedClock,
    config: SentinelleConfig,
    runtime: tokio::runtime::Handle,
    in_flight: Mutex<InFlight>,
    reports: broadcast::Sender<Arc<VerificationReport>>,
}

/// The Sentinelle workflows over a patient index and an INSi service.
/// Cheap to clone.
#[derive(Clone)]
pub struct Sentinelle {
    inner: Arc<Inner>,
}

impl fmt::Debug for Sentinelle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sentinelle")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn forbidding_attribute(identity: &Identity) -> Option<IdentityAttribute> {
    identity
        .attributes()
        .iter()
        .copied()
        .find(|a| matches!(a, IdentityAttribute::Douteuse | IdentityAttribute::Fictive))
}

impl Sentinelle {
    /// A builder over `index`, with `insi` for background calls.
    pub fn builder(index: Arc<dyn PatientIndex>, insi: Arc<dyn InsiService>) -> SentinelleBuilder {
        SentinelleBuilder {
            index,
            background: insi,
            manual: None,
            clock: Arc::new(SystemClock),
            config: SentinelleConfig::default(),
            runtime: None,
        }
    }

    /// The patient index.
    pub fn index(&self) -> &Arc<dyn PatientIndex> {
        &self.inner.index
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    fn get(&self, id: &LocalPatientId) -> Result<PatientRecord, SentinelleError> {
        self.inner
            .index
            .get(id)?
            .ok_or_else(|| SentinelleError::UnknownPatient(id.clone()))
    }

    // --- lookups -----------------------------------------------------------

    /// Finds the file of an identity read with its INS (datamatrix,
    /// application carte Vitale): by INS first, then by traits.
    pub fn find_by_scanned(
        &self,
        scanned: &ScannedIdentity,
    ) -> Result<FindOutcome, SentinelleError> {
        let method = if scanned.from_datamatrix {
            CollectionMethod::Datamatrix
        } else {
            CollectionMethod::SaisieManuelle
        };
        let draft = CreationDraft {
            traits: scanned.traits.clone(),
            ins: Some(scanned.ins),
            method,
            insi_answer: None,
        };
        self.lookup(&scanned.traits, Some(&scanned.ins), draft)
    }

    fn lookup(
        &self,
        traits: &Traits,
        ins: Option<&Ins>,
        draft: CreationDraft,
    ) -> Result<FindOutcome, SentinelleError> {
        let mut candidates = match ins {
            Some(ins) => self.inner.index.find_by_ins(ins)?,
            None => Vec::new(),
        };
        if candidates.is_empty() {
            candidates = self.inner.index.find_by_traits(traits)?;
        }
        match candidates.len() {
            0 => Ok(FindOutcome::NotFound {
                draft: Some(Box::new(draft)),
            }),
            1 => {
                let record = candidates.remove(0);
                let differences = Differences {
                    traits: TraitsDiff::compare(
                        record.identity.traits(),
                        &ReturnedTraits::from_traits(traits),
                    ),
                    ins: match ins {
                        Some(i) => InsComparison::of(record.identity.recorded_ins(), i),
                        None => InsComparison::NotRecordedLocally,
                    },
                };
                Ok(if differences.matter() {
                    FindOutcome::FoundWithDifferentTraits {
                        record: Box::new(record),
                        differences,
                    }
                } else {
                    FindOutcome::Found {
                        record: Box::new(record),
                    }
                })
            }
            _ => Ok(FindOutcome::Several { candidates }),
        }
    }

    /// Finds the file of a scanned INS datamatrix payload (SENTINELLE.02).
    pub fn find_by_datamatrix(
        &self,
        payload: &crate::datamatrix::Payload,
    ) -> Result<FindOutcome, SentinelleError> {
        self.find_by_scanned(&payload.scanned_identity())
    }

    /// Finds the file from the text a datamatrix scanner produced.
    pub fn find_by_datamatrix_text(&self, text: &[u8]) -> Result<FindOutcome, SentinelleError> {
        let payload = crate::datamatrix::Payload::parse(text)
            .map_err(|e| SentinelleError::Datamatrix(e.to_string()))?;
        self.find_by_datamatrix(&payload)
    }

    /// Finds the file from a PNG / JPEG image of a document carrying the
    /// INS datamatrix.
    #[cfg(feature = "datamatrix-image")]
    pub fn find_by_datamatrix_image(&self, image: &[u8]) -> Result<FindOutcome, SentinelleError> {
        let payload = crate::datamatrix::decode_image(image)
            .map_err(|e| SentinelleError::Datamatrix(e.to_string()))?;
        self.find_by_datamatrix(&payload)
    }

    /// Finds the file of a carte Vitale holder (SENTINELLE.03): when the
    /// card holds several beneficiaries, the user picks one first.
    pub async fn find_by_vitale(&self, card: &VitaleCard) -> Result<VitaleLookup, SentinelleError> {
        match card.beneficiaries.as_slice() {
            [] => Err(SentinelleError::NoBeneficiary),
            [one] => Ok(VitaleLookup::Done(Box::new(
                self.find_by_vitale_beneficiary(one).await?,
            ))),
            many => Ok(VitaleLookup::ChooseBeneficiary {
                beneficiaries: many.to_vec(),
            }),
        }
    }

    /// Finds the file of one carte Vitale beneficiary: INSi (`RECVITALE`)
    /// gives the INS and the reference traits, then the index is searched
    /// by INS and traits. When INSi finds nobody or fails, the index is
    /// searched by the beneficiary's own NIR as an INS.
    pub async fn find_by_vitale_beneficiary(
        &self,
        beneficiary: &VitaleBeneficiary,
    ) -> Result<VitaleFindResult, SentinelleError> {
        let started = self.now();
        let query = beneficiary.query();
        let answer = self.inner.manual.search_with_vitale(&query).await;
        match answer {
            Ok(ex) => {
                let code = ex.response.outcome.code();
                if let InsiOutcome::Found(identity) = ex.response.outcome {
                    if let (Some(ins), Ok(traits)) =
                        (identity.ins(), index::returned_traits(&identity))
                    {
                        let draft = CreationDraft {
                            traits: traits.clone(),
                            ins: Some(ins),
                            method: CollectionMethod::CarteVitale,
                            insi_answer: Some(PendingInsiAnswer::new(
                                ex.called_at,
                                (*identity).clone(),
                                &traits,
                                AnswerSource::Vitale,
                            )),
                        };
                        let outcome = self.lookup(&traits, Some(&ins), draft)?;
                        let outcome = self.attach_vitale_answer(outcome, &identity, started)?;
                        return Ok(VitaleFindResult {
                            outcome,
                            insi: Ok(code),
                        });
                    }
                }
                Ok(VitaleFindResult {
                    outcome: self.vitale_fallback(beneficiary)?,
                    insi: Ok(code),
                })
            }
            Err(e) => Ok(VitaleFindResult {
                outcome: self.vitale_fallback(beneficiary)?,
                insi: Err(e),
            }),
        }
    }

    /// Records the Vitale answer on the file found.
    fn attach_vitale_answer(
        &self,
        outcome: FindOutcome,
        identity: &crate::insi::InsiIdentity,
        at: OffsetDateTime,
    ) -> Result<FindOutcome, SentinelleError> {
        let update = |mut record: PatientRecord| -> Result<PatientRecord, SentinelleError> {
            record.last_insi_call = Some(InsiCallRecord {
                at,
                trigger: CallTrigger::Vitale,
                result: CallResult::Found,
            });
            record.pending_answer = Some(PendingInsiAnswer::new(
                at,
                identity.clone(),
                record.identity.traits(),
                AnswerSource::Vitale,
            ));
            self.inner.index.update(&record)?;
            Ok(record)
        };
        Ok(match outcome {
            FindOutcome::Found { record } => FindOutcome::Found {
                record: Box::new(update(*record)?),
            },
            FindOutcome::FoundWithDifferentTraits {
                record,
                differences,
            } => FindOutcome::FoundWithDifferentTraits {
                record: Box::new(update(*record)?),
                differences,
            },
            other => other,
        })
    }

    fn vitale_fallback(&self, b: &VitaleBeneficiary) -> Result<FindOutcome, SentinelleError> {
        let Some(nir) = b.individual else {
            return Ok(FindOutcome::NotFound { draft: None });
        };
        let mut found = Vec::new();
        for oid in [crate::InsOid::InsNir, crate::InsOid::InsNia] {
            found.extend(self.inner.index.find_by_ins(&Ins::new(nir, oid))?);
        }
        Ok(match found.len() {
            0 => FindOutcome::NotFound { draft: None },
            1 => FindOutcome::Found {
                record: Box::new(found.remove(0)),
            },
            _ => FindOutcome::Several { candidates: found },
        })
    }

    /// Creates a file from a draft (SENTINELLE.04): the traits and INS read
    /// are recorded as they are (collection method kept); the INS stays
    /// unverified until INSi confirms it. A draft from a conclusive INSi
    /// answer keeps it pending for one-click qualification.
    pub fn create_patient(
        &self,
        draft: CreationDraft,
        user: &str,
    ) -> Result<PatientRecord, SentinelleError> {
        let ctx =
            EventContext::new(self.now(), user).with_policy(self.inner.config.document_policy);
        let identity = match draft.ins {
            Some(ins) if draft.method == CollectionMethod::Datamatrix => Identity::from_scanned(
                ScannedIdentity {
                    ins,
                    traits: draft.traits.clone(),
                    from_datamatrix: true,
                },
                &ctx,
            ),
            _ => Identity::new(draft.traits.clone(), draft.method, &ctx),
        };
        let mut record = self.inner.index.create(identity)?;
        if let Some(answer) = draft.insi_answer {
            record.last_insi_call = Some(InsiCallRecord {
                at: answer.received_at,
                trigger: match answer.source {
                    AnswerSource::Vitale => CallTrigger::Vitale,
                    AnswerSource::TraitsSearch => CallTrigger::Manual,
                },
                result: CallResult::Found,
            });
            record.pending_answer = Some(PendingInsiAnswer::new(
                answer.received_at,
                answer.identity,
                record.identity.traits(),
                answer.source,
            ));
            self.inner.index.update(&record)?;
        }
        Ok(record)
    }

    /// The display data of a file (no INSi call).
    pub fn display(&self, id: &LocalPatientId) -> Result<IdentityDisplay, SentinelleError> {
        Ok(self.get(id)?.display())
    }

    // --- background verification ----------------------------------------

    /// Every background verification report, as they finish.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<VerificationReport>> {
        self.inner.reports.subscribe()
    }

    /// Opens a file (SENTINELLE.05/06): returns at once with the display
    /// data and, when the identity is not qualified, a background INSi
    /// verification (see the module docs for debounce and delivery).
    pub fn open_file(&self, id: &LocalPatientId) -> Result<OpenedFile, SentinelleError> {
        let record = self.get(id)?;
        let display = record.display();
        let check = self.background_check(&record);
        Ok(OpenedFile {
            record,
            display,
            check,
        })
    }

    fn background_check(&self, record: &PatientRecord) -> BackgroundCheck {
        if let Some(a) = forbidding_attribute(&record.identity) {
            return BackgroundCheck::NotAllowed(a);
        }
        if record.identity.status() == IdentityStatus::Qualifiee {
            return BackgroundCheck::NotNeeded;
        }
        let mut in_flight = lock(&self.inner.in_flight);
        if let Some(rx) = in_flight.get(&record.id) {
            return BackgroundCheck::Joined(VerificationTicket {
                patient: record.id.clone(),
                rx: rx.clone(),
            });
        }
        let now = self.now();
        if let Some(last) = &record.last_insi_call {
            if now - last.at < self.inner.config.debounce {
                return BackgroundCheck::Debounced {
                    last_call_at: last.at,
                };
            }
        }
        let (tx, rx) = watch::channel(None);
        in_flight.insert(record.id.clone(), rx.clone());
        drop(in_flight);
        let this = self.clone();
        let id = record.id.clone();
        let traits = record.identity.traits().clone();
        self.inner.runtime.spawn(async move {
            let report = this
                .verify(id.clone(), traits, now, CallTrigger::Background)
                .await;
            let report = Arc::new(report);
            lock(&this.inner.in_flight).remove(&id);
            let _ = tx.send(Some(report.clone()));
            let _ = this.inner.reports.send(report);
        });
        BackgroundCheck::Started(VerificationTicket {
            patient: record.id.clone(),
            rx,
        })
    }

    /// A verification requested by the user (no debounce; uses the manual
    /// INSi service). The outcome is also broadcast to subscribers.
    pub async fn verify_now(
        &self,
        id: &LocalPatientId,
    ) -> Result<Arc<VerificationReport>, SentinelleError> {
        let record = self.get(id)?;
        if let Some(a) = forbidding_attribute(&record.identity) {
            return Err(SentinelleError::InsiForbidden(a));
        }
        let report = Arc::new(
            self.verify(
                id.clone(),
                record.identity.traits().clone(),
                self.now(),
                CallTrigger::Manual,
            )
            .await,
        );
        let _ = self.inner.reports.send(report.clone());
        Ok(report)
    }

    async fn verify(
        &self,
        id: LocalPatientId,
        traits: Traits,
        started_at: OffsetDateTime,
        trigger: CallTrigger,
    ) -> VerificationReport {
        let insi = match trigger {
            CallTrigger::Background => self.inner.background.clone(),
            _ => self.inner.manual.clone(),
        };
        let result = insi.search(&traits, self.inner.config.strategy).await;
        let this = self.clone();
        let rid = id.clone();
        // Record the call on the file (blocking index calls off the runtime).
        let recorded = tokio::task::spawn_blocking(move || {
            this.record_call(&rid, &traits, started_at, trigger, result)
        })
        .await
        .unwrap_or_else(|e| {
            (
                VerificationOutcome::Abandoned {
                    reason: e.to_string(),
                },
                None,
            )
        });
        VerificationReport {
            patient: id,
            started_at,
            finished_at: self.now(),
            outcome: recorded.0,
            display: recorded.1,
        }
    }

    fn record_call(
        &self,
        id: &LocalPatientId,
        traits_at_call: &Traits,
        at: OffsetDateTime,
        trigger: CallTrigger,
        result: Result<crate::insi::SearchReport, InsiError>,
    ) -> (VerificationOutcome, Option<IdentityDisplay>) {
        let mut record = match self.inner.index.get(id) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return (
                    VerificationOutcome::Abandoned {
                        reason: format!("patient file {id} not found"),
                    },
                    None,
                );
            }
            Err(e) => {
                return (
                    VerificationOutcome::Abandoned {
                        reason: e.to_string(),
                    },
                    None,
                );
            }
        };
        let (outcome, call) = match result {
            Ok(report) => {
                let call = CallResult::of(&report.response.outcome);
                let outcome = match report.response.outcome {
                    InsiOutcome::Found(identity) => {
                        let answer = PendingInsiAnswer::new(
                            at,
                            *identity,
                            traits_at_call,
                            AnswerSource::TraitsSearch,
                        );
                        let ins = answer
                            .identity
                            .ins()
                            .map(|i| InsComparison::of(record.identity.recorded_ins(), &i));
                        VerificationOutcome::Conclusive {
                            answer: Box::new(answer),
                            ins,
                        }
                    }
                    InsiOutcome::NotFound => VerificationOutcome::NotFound,
                    InsiOutcome::Several => VerificationOutcome::Several,
                };
                (outcome, call)
            }
            Err(e) => {
                let call = CallResult::Failed {
                    error: e.to_string(),
                    transient: e.is_transient(),
                };
                (VerificationOutcome::Failed { error: e }, call)
            }
        };
        record.last_insi_call = Some(InsiCallRecord {
            at,
            trigger,
            result: call,
        });
        match &outcome {
            VerificationOutcome::Conclusive { answer, .. } => {
                record.pending_answer = Some((**answer).clone());
            }
            VerificationOutcome::NotFound | VerificationOutcome::Several => {
                record.pending_answer = None;
            }
            // A failure keeps an earlier conclusive answer.
            _ => {}
        }
        if let Err(e) = self.inner.index.update(&record) {
            return (
                VerificationOutcome::Abandoned {
                    reason: e.to_string(),
                },
                None,
            );
        }
        (outcome, Some(record.display()))
    }

    // --- qualification -------------------------------------------------------

    /// Qualifies the identity in one click (SENTINELLE.07/08) from the
    /// file's pending conclusive INSi answer and the identity document
    /// criterion given by `method`. With `accept_returned_traits`, the user
    /// confirms that the identity document matches the INSi traits where they
    /// differ from the file's; they then replace them. Refused with a typed
    /// error when a precondition fails; the file is then unchanged.
    pub fn qualify(
        &self,
        id: &LocalPatientId,
        method: QualificationMethod,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        self.apply_answer(id, Some(method), accept_returned_traits, user)
    }

    /// Accepts the pending INSi answer without a document check: the INS is
    /// *récupéré* (or the identity becomes qualified when a document check is
    /// already on the file).
    pub fn accept_insi_answer(
        &self,
        id: &LocalPatientId,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        self.apply_answer(id, None, accept_returned_traits, user)
    }

    fn apply_answer(
        &self,
        id: &LocalPatientId,
        method: Option<QualificationMethod>,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        let mut record = self
            .inner
            .index
            .get(id)?
            .ok_or_else(|| QualificationError::UnknownPatient(id.clone()))?;
        if let Some(a) = forbidding_attribute(&record.identity) {
            return Err(QualificationError::DoubtfulIdentity(a));
        }
        let answer = record
            .pending_answer
            .clone()
            .ok_or(QualificationError::NoInsiAnswer)?;
        if &answer.traits_at_call != record.identity.traits() {
            return Err(QualificationError::AnswerOutdated);
        }
        let ins = answer.identity.ins().ok_or_else(|| {
            QualificationError::InvalidInsInAnswer(format!(
                "{} (OID {})",
                answer.identity.active.matricule, answer.identity.active.oid
            ))
        })?;
        let returned = index::returned_traits(&answer.identity)
            .map_err(|e| QualificationError::InvalidReturnedTraits(e.to_string()))?;
        let differing = !answer.diff.is_match();
        if differing && !accept_returned_traits {
            return Err(QualificationError::DifferingTraits(Box::new(answer.diff)));
        }
        let ctx =
            EventContext::new(self.now(), user).with_policy(self.inner.config.document_policy);
        let mut identity = record.identity.clone();
        if differing {
            if matches!(method, Some(QualificationMethod::ExistingDocumentCheck)) {
                // Changing strict traits invalidates the earlier document check.
                return Err(QualificationError::NoDocumentCheck);
            }
            let mut b = returned.to_builder();
            if let Some(n) = identity.traits().used_family_name() {
                b = b.used_family_name(n.to_string());
            }
            if let Some(n) = identity.traits().used_given_name() {
                b = b.used_given_name(n.to_string());
            }
            if returned.birth_place().is_none() {
                if let Some(p) = identity.traits().birth_place() {
                    b = b.birth_place(p.to_string());
                }
            }
            let traits = b
                .build()
                .map_err(|e| QualificationError::InvalidReturnedTraits(e.to_string()))?;
            identity.apply(IdentityEvent::TraitsModified { traits }, &ctx)?;
        }
        identity.apply(
            IdentityEvent::InsiSuccess {
                ins,
                traits: returned,
            },
            &ctx,
        )?;
        match method {
            None => {}
            Some(QualificationMethod::Document {
                document,
                exception,
            }) => {
                identity.apply(
                    IdentityEvent::DocumentChecked {
                        document,
                        exception,
                    },
                    &ctx,
                )?;
            }
            Some(QualificationMethod::LiberalPractitionerException {
                document,
                originally_checked_at,
            }) => {
                identity.apply(
                    IdentityEvent::LiberalPractitionerException {
                        document,
                        originally_checked_at,
                    },
                    &ctx,
                )?;
            }
            Some(QualificationMethod::ExistingDocumentCheck)
                if identity.document_check().is_none() =>
            {
                return Err(QualificationError::NoDocumentCheck);
            }
            Some(QualificationMethod::ExistingDocumentCheck) => {}
        }
        record.identity = identity;
        record.pending_answer = None;
        self.inner.index.update(&record)?;
        Ok(record)
    }
}
