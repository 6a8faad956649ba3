//! Sentinelle: INS lookups (datamatrix, carte Vitale), background INSi
//! verification when a file is opened, one-click qualification — all with
//! `segur_ins::sentinelle` over the LGC's own patient files.
//!
//! How an LGC plugs the workflows in:
//!
//! - its patient database implements [`PatientIndex`] ([`FileIndex`] here,
//!   over the in-memory patient store; the INSi call record and pending
//!   answer the SDK keeps per file live next to it);
//! - an [`InsiClient`] (here plain HTTP to the scenario's simulator; a real
//!   LGC gives its `INSI-AUTO` certificate) and the software clock make a
//!   [`Sentinelle`];
//! - opening a file calls [`Sentinelle::open_file`], which returns at once:
//!   a small task waits for the [`VerificationTicket`] and keeps the report
//!   for the banner (SENTINELLE.05/06);
//! - the banner shows the last call, the SDK's plain-French explanation
//!   (SENTINELLE.15), the traits to review (SENTINELLE.16) and the
//!   one-click qualification (SENTINELLE.07/08).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use segur_conformance::host::{
    BoxFuture, CreationOffer, DraftRef, HostError, InsiDisplay, InsiSetup, LookupOutcome,
    PatientFileRef, Sentinelle as SentinelleArea,
};
use segur_ins::insi::{InsiClient, SharedClock, SoftwareIdentity};
use segur_ins::sentinelle::{
    CreationDraft, FindOutcome, IndexError, InsComparison, InsiCallRecord, LocalPatientId,
    PatientIndex, PatientRecord, PendingInsiAnswer, QualificationError, QualificationMethod,
    Sentinelle, VerificationReport, VerificationTicket, VitaleBeneficiary, VitaleCard,
    VitaleLookup, traits_match,
};
use segur_ins::{Identity, IdentityStatus, Ins, Traits};
use segur_ssi::audit::Outcome;

use super::patients::PatientFile;
use super::{Core, ReferenceLgc, lock};

/// The user recorded in identity evidence.
const USER: &str = "user";

/// What the SDK keeps per file besides the identity.
#[derive(Debug, Clone, Default)]
struct InsiState {
    last_call: Option<InsiCallRecord>,
    pending: Option<PendingInsiAnswer>,
}

/// The Sentinelle state of the running software.
#[derive(Default)]
pub(super) struct SentinelleState {
    /// The workflows, once INSi is configured.
    sentinelle: Mutex<Option<Sentinelle>>,
    insi: Mutex<HashMap<PatientFileRef, InsiState>>,
    drafts: Mutex<HashMap<DraftRef, CreationDraft>>,
    running: Mutex<HashSet<PatientFileRef>>,
    reports: Mutex<HashMap<PatientFileRef, Arc<VerificationReport>>>,
}

impl std::fmt::Debug for SentinelleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelleState").finish_non_exhaustive()
    }
}

/// The patient files as the SDK's [`PatientIndex`]. Holds the software
/// weakly: the workflows live inside it.
struct FileIndex(Weak<Core>);

impl FileIndex {
    fn core(&self) -> Result<Arc<Core>, IndexError> {
        self.0
            .upgrade()
            .ok_or_else(|| IndexError::Backend("the software was stopped".into()))
    }
}

fn local_id(file: &PatientFileRef) -> LocalPatientId {
    LocalPatientId::new(file.as_str())
}

fn file_ref(id: &LocalPatientId) -> PatientFileRef {
    PatientFileRef::new(id.as_str())
}

impl Core {
    fn record(&self, file: &PatientFile) -> PatientRecord {
        let state = lock(&self.sentinelle.insi)
            .get(&file.reference)
            .cloned()
            .unwrap_or_default();
        PatientRecord {
            id: local_id(&file.reference),
            identity: file.identity.clone(),
            last_insi_call: state.last_call,
            pending_answer: state.pending,
        }
    }

    fn records_where(&self, keep: impl Fn(&Identity) -> bool) -> Vec<PatientRecord> {
        self.patients
            .all()
            .iter()
            .filter(|f| keep(&f.identity))
            .map(|f| self.record(f))
            .collect()
    }

    /// The workflows, once INSi is configured.
    fn workflows(&self) -> Result<Sentinelle, HostError> {
        lock(&self.sentinelle.sentinelle)
            .clone()
            .ok_or_else(|| HostError::failed("INSi is not configured"))
    }

    /// Called when the user opens a file: starts the background INSi
    /// verification (if INSi is configured), never waits for it.
    pub(super) fn file_opened(&self, file: &PatientFileRef) -> Result<(), HostError> {
        let Some(workflows) = lock(&self.sentinelle.sentinelle).clone() else {
            return Ok(());
        };
        let opened = workflows
            .open_file(&local_id(file))
            .map_err(|e| HostError::failed(format!("open the file: {e}")))?;
        if let Some(ticket) = opened.check.ticket() {
            self.follow(file.clone(), ticket.clone());
        }
        Ok(())
    }

    /// Keeps the report of a running verification for the banner.
    fn follow(&self, file: PatientFileRef, ticket: VerificationTicket) {
        if !lock(&self.sentinelle.running).insert(file.clone()) {
            return; // Already followed (this opening joined a running check).
        }
        let state = Arc::clone(&self.sentinelle);
        tokio::spawn(async move {
            let report = ticket.outcome().await;
            lock(&state.reports).insert(file.clone(), report);
            lock(&state.running).remove(&file);
        });
    }

    fn configure_insi(self: &Arc<Self>, setup: InsiSetup) -> Result<(), HostError> {
        let clock: SharedClock = Arc::new(self.clock.clone());
        let client = InsiClient::builder(
            setup.endpoint,
            SoftwareIdentity::new(
                setup.idam,
                env!("CARGO_PKG_VERSION"),
                "LGC de reference segur-rs",
                "poste-1",
            ),
            "reference-lgc",
        )
        .timeout(Duration::from_secs(5))
        .clock(clock.clone())
        .build()
        .map_err(|e| HostError::failed(format!("INSi client: {e}")))?;
        let workflows =
            Sentinelle::builder(Arc::new(FileIndex(Arc::downgrade(self))), Arc::new(client))
                .clock(clock)
                .build()
                .map_err(|e| HostError::failed(format!("Sentinelle: {e}")))?;
        *lock(&self.sentinelle.sentinelle) = Some(workflows);
        Ok(())
    }

    /// What the lookup outcome shows; a creation draft is kept for the
    /// "create" button.
    fn shown(&self, outcome: FindOutcome) -> LookupOutcome {
        match outcome {
            FindOutcome::Found { record } => LookupOutcome::Found(file_ref(&record.id)),
            FindOutcome::FoundWithDifferentTraits {
                record,
                differences,
            } => LookupOutcome::FoundWithDifferences {
                file: file_ref(&record.id),
                differing_traits: differences
                    .traits
                    .entries
                    .iter()
                    .filter(|e| e.verdict.needs_attention())
                    .map(|e| e.field)
                    .collect(),
                other_ins: matches!(differences.ins, InsComparison::Different { .. }),
            },
            FindOutcome::NotFound { draft: None } => LookupOutcome::NotFound(None),
            FindOutcome::NotFound { draft: Some(draft) } => {
                let reference = DraftRef::new(self.ids.name("draft"));
                let offer = CreationOffer::new(reference.clone(), draft.traits.clone(), draft.ins);
                lock(&self.sentinelle.drafts).insert(reference, *draft);
                LookupOutcome::NotFound(Some(offer))
            }
            FindOutcome::Several { candidates } => {
                LookupOutcome::Several(candidates.iter().map(|r| file_ref(&r.id)).collect())
            }
        }
    }

    fn insi_display(&self, file: &PatientFileRef) -> Result<InsiDisplay, HostError> {
        let patient = self.patients.get(file)?;
        let record = self.record(&patient);
        let display = record.display();
        let running = lock(&self.sentinelle.running).contains(file);
        let mut shown = InsiDisplay::new(running, record.last_insi_call.clone());
        if let Some(report) = lock(&self.sentinelle.reports).get(file) {
            shown = shown.explanation(report.outcome.explanation());
        }
        // The answer is current only while the traits it was compared with are.
        if let Some(answer) = record
            .pending_answer
            .as_ref()
            .filter(|a| &a.traits_at_call == record.identity.traits())
        {
            shown = shown.differing_traits(
                answer
                    .diff
                    .entries
                    .iter()
                    .filter(|e| e.verdict.needs_attention())
                    .map(|e| e.field)
                    .collect(),
            );
        }
        Ok(shown.qualification_offered(
            display.status != IdentityStatus::Qualifiee
                && (display.qualification_ready || display.answer_to_review),
        ))
    }
}

impl PatientIndex for FileIndex {
    fn get(&self, id: &LocalPatientId) -> Result<Option<PatientRecord>, IndexError> {
        let core = self.core()?;
        Ok(core
            .patients
            .all()
            .iter()
            .find(|f| f.reference.as_str() == id.as_str())
            .map(|f| core.record(f)))
    }

    fn find_by_ins(&self, ins: &Ins) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .core()?
            .records_where(|identity| identity.recorded_ins() == Some(ins)))
    }

    fn find_by_traits(&self, traits: &Traits) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .core()?
            .records_where(|identity| traits_match(identity.traits(), traits)))
    }

    fn create(&self, identity: Identity) -> Result<PatientRecord, IndexError> {
        let core = self.core()?;
        let reference = PatientFileRef::new(core.ids.name("patient"));
        let file = PatientFile {
            reference: reference.clone(),
            identity,
            contact: Default::default(),
        };
        core.patients.insert(file.clone());
        let event = core
            .event("patient.file.created", USER, Outcome::Success)
            .map(|e| {
                e.with_patient(reference.as_str())
                    .with_detail("identity_status", file.identity.status().code())
            })
            .map_err(|e| IndexError::Backend(e.to_string()))?;
        core.trace(event)
            .map_err(|e| IndexError::Backend(e.to_string()))?;
        Ok(core.record(&file))
    }

    fn update(&self, record: &PatientRecord) -> Result<(), IndexError> {
        let core = self.core()?;
        let reference = file_ref(&record.id);
        core.patients
            .set_identity(&reference, record.identity.clone())
            .map_err(|_| IndexError::NotFound(record.id.clone()))?;
        lock(&core.sentinelle.insi).insert(
            reference,
            InsiState {
                last_call: record.last_insi_call.clone(),
                pending: record.pending_answer.clone(),
            },
        );
        Ok(())
    }
}

fn lookup_failed(e: &dyn std::fmt::Display) -> HostError {
    HostError::failed(format!("lookup: {e}"))
}

impl ReferenceLgc {
    async fn vitale_beneficiary(
        &self,
        beneficiary: &VitaleBeneficiary,
    ) -> Result<LookupOutcome, HostError> {
        let core = self.core()?;
        let result = core
            .workflows()?
            .find_by_vitale_beneficiary(beneficiary)
            .await
            .map_err(|e| lookup_failed(&e))?;
        Ok(core.shown(result.outcome))
    }
}

impl SentinelleArea for ReferenceLgc {
    fn configure_insi(&self, setup: InsiSetup) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move { self.core()?.configure_insi(setup) })
    }

    fn find_by_datamatrix<'a>(
        &'a self,
        scanned: &'a [u8],
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let outcome = core
                .workflows()?
                .find_by_datamatrix_text(scanned)
                .map_err(|e| lookup_failed(&e))?;
            Ok(core.shown(outcome))
        })
    }

    fn find_by_vitale<'a>(
        &'a self,
        card: &'a VitaleCard,
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            match core
                .workflows()?
                .find_by_vitale(card)
                .await
                .map_err(|e| lookup_failed(&e))?
            {
                VitaleLookup::ChooseBeneficiary { beneficiaries } => {
                    Ok(LookupOutcome::ChooseBeneficiary(beneficiaries))
                }
                VitaleLookup::Done(result) => Ok(core.shown(result.outcome)),
            }
        })
    }

    fn find_by_vitale_beneficiary<'a>(
        &'a self,
        beneficiary: &'a VitaleBeneficiary,
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        Box::pin(self.vitale_beneficiary(beneficiary))
    }

    fn create_from_offer<'a>(
        &'a self,
        draft: &'a DraftRef,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let saved = lock(&core.sentinelle.drafts)
                .remove(draft)
                .ok_or_else(|| HostError::failed(format!("no creation form {draft}")))?;
            let record = core
                .workflows()?
                .create_patient(saved, USER)
                .map_err(|e| HostError::failed(format!("create the file: {e}")))?;
            Ok(file_ref(&record.id))
        })
    }

    fn identity<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Identity, HostError>> {
        Box::pin(async move { Ok(self.core()?.patients.get(file)?.identity) })
    }

    fn insi_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<InsiDisplay, HostError>> {
        Box::pin(async move { self.core()?.insi_display(file) })
    }

    fn qualify<'a>(
        &'a self,
        file: &'a PatientFileRef,
        method: QualificationMethod,
        accept_returned_traits: bool,
    ) -> BoxFuture<'a, Result<Result<(), QualificationError>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            match core
                .workflows()?
                .qualify(&local_id(file), method, accept_returned_traits, USER)
            {
                Ok(record) => {
                    core.trace(
                        core.event("identity.qualified", USER, Outcome::Success)?
                            .with_patient(file.as_str())
                            .with_detail("identity_status", record.identity.status().code()),
                    )?;
                    Ok(Ok(()))
                }
                Err(QualificationError::Index(e)) => {
                    Err(HostError::failed(format!("patient index: {e}")))
                }
                Err(refusal) => Ok(Err(refusal)),
            }
        })
    }
}
