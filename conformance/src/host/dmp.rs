//! The DMP area of the host adapter: what the runner asks of an LGC that
//! feeds and consults the DMP / Mon espace santé (with `segur-dmp` or its
//! own client).
//!
//! Every method maps to one user action or one thing the user sees, and
//! takes or returns `segur-dmp`'s own types: a host built on `segur-dmp`
//! implements each one with one or two SDK calls (the reference host of
//! `segur-examples`, module `lgc::dmp`, is the model). Every method has a
//! default body returning [`HostError::NotImplemented`].
//!
//! # What the runner expects
//!
//! - [`Dmp::configure`] points the host at the scenario's DMP simulator. The
//!   host signs its VIHF with its own structure certificate (the simulator
//!   accepts any certificate that verifies) and reads the time from the
//!   clock of [`Host::prepare`](super::Host::prepare).
//! - Feeding is **systematic**: every document of the Ségur perimeter the
//!   host produces (`Documents::produce` / `revise`) is queued for the DMP
//!   without any further call, unless the professional held it back
//!   ([`Dmp::hold_next`]). Sending happens in the background; the runner
//!   calls [`Dmp::process_queue`] after moving the virtual clock, as the
//!   host's worker would run once its orders are due.
//! - A refusal the requirement asks for (the patient's consent, a right the
//!   user lacks) is not an adapter error: it is a [`DmpRefusal`] inside a
//!   [`DmpDecision`], so scenarios can check the reason.
//! - Imaging manifests ([`Dmp::feed_kos`], [`Dmp::delete_kos`]) are acted
//!   on by the user the scenario names — another professional logged in on
//!   the host, described as the host's VIHF would describe them — so that
//!   the rights of SC.DMP/CONF.05 can be checked for several users.

use segur_dmp::client::FoundDocument;
use segur_dmp::consent::{ConsentRecord, ConsentRefusal};
use segur_dmp::feed::Visibility;
use segur_dmp::feeding::FeedReport;
use segur_dmp::history::{HistoryRecord, SyntheticView, SyntheticViewConfig};
use segur_dmp::patient::DmpStatus;
use segur_dmp::rights::KosManifest;
use segur_dmp::vihf::VihfActor;
use segur_dmp::web::WebDmpLink;
use segur_dmp::xds::FindDocuments;
use segur_ssi::audit::AuditRecord;

use super::{BoxFuture, DocumentRef, HostError, ImportOutcome, PatientFileRef, not_implemented};

/// Where the host's DMP client must point (the scenario's simulator).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DmpSetup {
    /// Base URL of the DMP services (`/patients`, `/habilitations`,
    /// `/registry`, `/repository` under it), plain HTTP on loopback.
    pub base_url: String,
    /// URL of the contextual web access to the DMP (SC.DMP/UX.31).
    pub web_url: String,
}

impl DmpSetup {
    /// A setup.
    pub fn new(base_url: impl Into<String>, web_url: impl Into<String>) -> Self {
        DmpSetup {
            base_url: base_url.into(),
            web_url: web_url.into(),
        }
    }
}

/// Why the host refused a DMP action, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DmpRefusal {
    /// The patient's consent record forbids it (SC.DMP/CONF.06/09).
    #[error("refused by the patient's consent: {0}")]
    Consent(ConsentRefusal),
    /// Refused for another reason (a right the user lacks, a DMP error…).
    #[error("refused: {0}")]
    Other(String),
}

/// The host's decision on a DMP action: `Ok` when done, `Err` with the
/// refusal shown to the user. Adapter failures are [`HostError`]s around it.
pub type DmpDecision<T = ()> = Result<T, DmpRefusal>;

/// DMP actions of the host: consent record, systematic feeding and its
/// queue, history, deletion, search, synthetic view, integration of DMP
/// documents, web access and access traces.
pub trait Dmp: Send + Sync {
    /// Points the host's DMP client at `setup`. Returns the national id
    /// (idNat_PS) of the professional the host acts for: the `NameID` of its
    /// VIHF, which the scenario authorises on the simulated DMP.
    fn configure(&self, setup: DmpSetup) -> BoxFuture<'_, Result<String, HostError>> {
        let _ = setup;
        not_implemented("dmp.configure")
    }

    /// The notice the professional sees when using the DMP, saying that
    /// accesses are controlled and traced (SC.DMP/CONF.11).
    fn access_notice(&self) -> BoxFuture<'_, Result<String, HostError>> {
        not_implemented("dmp.access_notice")
    }

    /// Records the patient's information and oppositions, as collected by
    /// the professional (SC.DB/TRA.03). The change must be traced.
    fn set_consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
        record: ConsentRecord,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = (file, record);
        not_implemented("dmp.set_consent")
    }

    /// The consent record of the file's patient (the default when nothing
    /// was collected).
    fn consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<ConsentRecord, HostError>> {
        let _ = file;
        not_implemented("dmp.consent")
    }

    /// What the patient file shows without a click about the patient's DMP
    /// (exists, access authorised; SC.DMP/UX.08): `None` while the host has
    /// not learnt it yet. Opening the file (`PatientFiles::open`) starts the
    /// refresh in the background (SC.DMP/UX.50).
    fn status<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<DmpStatus>, HostError>> {
        let _ = file;
        not_implemented("dmp.status")
    }

    /// The professional unticks "send to the DMP" for the next document
    /// they produce in this file (SC.DMP/ALI/PROG.03): it is kept back, not
    /// sent, until [`Dmp::release`].
    fn hold_next<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = file;
        not_implemented("dmp.hold_next")
    }

    /// The professional releases a document held back: it is sent.
    fn release<'a>(&'a self, document: &'a DocumentRef) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = document;
        not_implemented("dmp.release")
    }

    /// The professional sends a document taken from the file's history
    /// (SC.DMP/HISTO.03), with the visibility they chose (HISTO.04). Both
    /// forms of an N1/N3 pair are sent together (SC.CDA/DD.12/14). A
    /// document already sent is not sent again (HISTO.05): the host answers
    /// `Ok` without a new submission.
    fn send<'a>(
        &'a self,
        document: &'a DocumentRef,
        visibility: Visibility,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        let _ = (document, visibility);
        not_implemented("dmp.send")
    }

    /// Runs the send queue now, as the host's background worker does when
    /// orders are due; resolves when that pass is over. Orders that cannot
    /// be sent stay queued with their reason.
    fn process_queue(&self) -> BoxFuture<'_, Result<(), HostError>> {
        not_implemented("dmp.process_queue")
    }

    /// The pending, held and failed sends, with their reasons, as shown to
    /// the user (SC.DMP/ALI/PROG.07).
    fn feed_report(&self) -> BoxFuture<'_, Result<FeedReport, HostError>> {
        not_implemented("dmp.feed_report")
    }

    /// The documents of the file exchanged with the DMP (sent, received),
    /// with their status (SC.DMP/HISTO.01/05, SC.CDA/INT.04).
    fn history<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<HistoryRecord>, HostError>> {
        let _ = file;
        not_implemented("dmp.history")
    }

    /// The professional deletes a document they sent from the DMP (both
    /// forms of a pair; SC.DMP/CONF.03).
    fn delete<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        let _ = document;
        not_implemented("dmp.delete")
    }

    /// A search in the patient's DMP with these criteria (SC.DMP/UX.17),
    /// each result with its local presence (SC.CDA/DD.04, SC.DMP/UX.27).
    fn search<'a>(
        &'a self,
        file: &'a PatientFileRef,
        filter: &'a FindDocuments,
    ) -> BoxFuture<'a, Result<DmpDecision<Vec<FoundDocument>>, HostError>> {
        let _ = (file, filter);
        not_implemented("dmp.search")
    }

    /// The user chooses what the synthetic view shows (SC.DMP/UX.15).
    fn configure_synthetic_view(
        &self,
        config: SyntheticViewConfig,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = config;
        not_implemented("dmp.configure_synthetic_view")
    }

    /// The synthetic view the file shows without a click (SC.DMP/UX.12/14):
    /// `None` while the background refresh started by opening the file has
    /// not completed.
    fn synthetic_view<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<SyntheticView>, HostError>> {
        let _ = file;
        not_implemented("dmp.synthetic_view")
    }

    /// The user selects a DMP document (by uniqueId) to integrate into the
    /// file (SC.DMP/UX.31): retrieved, scanned, traced, then integrated as a
    /// received document (duplicate and version detection, SC.CDA/DD.04/05).
    fn integrate<'a>(
        &'a self,
        file: &'a PatientFileRef,
        unique_id: &'a str,
    ) -> BoxFuture<'a, Result<DmpDecision<ImportOutcome>, HostError>> {
        let _ = (file, unique_id);
        not_implemented("dmp.integrate")
    }

    /// The contextual link that opens the patient's web DMP (SC.DMP/UX.31).
    fn web_link<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<DmpDecision<WebDmpLink>, HostError>> {
        let _ = file;
        not_implemented("dmp.web_link")
    }

    /// The user `user` (a professional logged in on the host: national id,
    /// structure and roles as the host's VIHF carries them) publishes the
    /// imaging manifest (KOS) `kos` of an exam of the file's patient to the
    /// DMP (SC.DMP/CONF.05). The host checks the user's right first
    /// (`segur_dmp::rights::KosRights`, which its `DmpClient` applies when
    /// its VIHF source describes the user): when refused, nothing reaches
    /// the DMP, the refusal is traced (see [`Dmp::access_traces`]) and
    /// answered as a [`DmpRefusal`].
    fn feed_kos<'a>(
        &'a self,
        file: &'a PatientFileRef,
        user: &'a VihfActor,
        kos: &'a KosManifest,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        let _ = (file, user, kos);
        not_implemented("dmp.feed_kos")
    }

    /// The user `user` deletes the imaging manifest `unique_id` (its SOP
    /// Instance UID) from the DMP of the file's patient (SC.DMP/CONF.05):
    /// only its author or an imaging professional of the structure that
    /// published it may; otherwise the host refuses before any deletion
    /// reaches the DMP, and traces the refusal.
    fn delete_kos<'a>(
        &'a self,
        file: &'a PatientFileRef,
        user: &'a VihfActor,
        unique_id: &'a str,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        let _ = (file, user, unique_id);
        not_implemented("dmp.delete_kos")
    }

    /// The traces of the accesses to the patient's DMP documents, as the
    /// host shows or exports them: who, what, when (SC.DMP/CONF.14/15).
    fn access_traces<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<AuditRecord>, HostError>> {
        let _ = file;
        not_implemented("dmp.access_traces")
    }
}
