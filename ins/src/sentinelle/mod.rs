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

mod background;
mod index;
mod qualify;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};

pub use background::{
    BackgroundCheck, OpenedFile, VerificationOutcome, VerificationReport, VerificationTicket,
};
pub use index::{
    AnswerSource, CallResult, CallTrigger, IdentityDisplay, InMemoryPatientIndex, IndexError,
    InsiCallRecord, LocalPatientId, PatientIndex, PatientRecord, PendingInsiAnswer, traits_match,
};
pub use qualify::{QualificationError, QualificationMethod};

use crate::insi::{
    GivenNameStrategy, InsiError, InsiOutcome, InsiService, LunarDate, ReturnedTraits, SharedClock,
    SystemClock, TraitsDiff, VitaleQuery,
};
use crate::names::GivenName;
use crate::{
    CollectionMethod, DocumentPolicy, EventContext, FamilyName, Identity, IdentityAttribute, Ins,
    Nir, ScannedIdentity, Traits,
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
}
