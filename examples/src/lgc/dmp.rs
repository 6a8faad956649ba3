//! The DMP / Mon espace santé, with `segur-dmp`.
//!
//! - **Client** (`DmpClient`): VIHF of the practitioner signed with the
//!   structure's certificate (a `segur_ssi::test_pki` certificate here; an
//!   IGC-Santé "cachet" in production), in the authentication mode of
//!   [`Settings::dmp_authentication`](super::Settings), on the scenario's
//!   clock. Every call checks the patient's consent record first and is
//!   traced in the practice's audit trail.
//! - **Stores**: the consent records, the send queue and the document
//!   history live in SQLite files of the instance's data folder: a restart
//!   reopens them, so nothing queued is lost.
//! - **Systematic feeding** (`Feeder` + `FeedWorker`): every document the
//!   practitioner produces is handed to the feeder (queued when in the
//!   Ségur perimeter, unless held back); a pass of the worker runs in the
//!   background right away, and again whenever the queue is processed. Passes
//!   never overlap.
//! - **Opening a file** refreshes, in the background, the DMP status shown
//!   in the banner and the synthetic view.
//! - **Imaging manifests** (KOS, SC.DMP/CONF.05) are fed and deleted by the
//!   user who acts (a radiologist of an imaging centre using the software):
//!   a client is made for that user, whose VIHF source describes them, and
//!   `segur-dmp` refuses (and traces) what `KosRights` does not allow before
//!   anything is sent.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use segur_cda::versions::DocumentPair;
use segur_cda::volets;
use segur_cda::xds::XdsCode;
use segur_cda::{Document, Level};
use segur_conformance::host::{
    BoxFuture, Dmp, DmpDecision, DmpRefusal, DmpSetup, DocumentRef, Documents, HostError,
    ImportOutcome, PatientFileRef, ReceivedFile,
};
use segur_dmp::client::{DmpClient, FoundDocument, LocalServices};
use segur_dmp::consent::{ConsentRecord, ConsentStore, SqliteConsentStore, patient_ref};
use segur_dmp::feed::{Feed, SubmissionContext, Visibility};
use segur_dmp::feeding::{DmpOrderSender, FeedReport, FeedWorker, Feeder, SegurPerimeter};
use segur_dmp::history::{
    Direction, DocumentHistory, HistoryRecord, HistoryStatus, SqliteHistory, SyntheticView,
    SyntheticViewConfig, access_traces,
};
use segur_dmp::patient::DmpStatus;
use segur_dmp::queue::{Backoff, QueueStore, SqliteQueue};
use segur_dmp::rights::KosManifest;
use segur_dmp::update::StatusChange;
use segur_dmp::vihf::{LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_dmp::web::WebDmpLink;
use segur_dmp::xds::FindDocuments;
use segur_dmp::{Error as DmpError, XmlSigner};
use segur_ins::Ins;
use segur_ssi::audit::{AuditRecord, AuditTrail};

use super::{Core, ReferenceLgc, failed, lock};
use crate::practice;

/// What the practitioner reads next to every DMP feature (SC.DMP/CONF.11).
const ACCESS_NOTICE: &str = "Les accès au DMP sont contrôlés et tracés : chaque consultation, \
     alimentation ou modification est enregistrée (qui, quel document, quand) et le patient \
     peut consulter ces traces dans Mon espace santé.";

/// formatCode of a structured (N3) document of no volet segur-cda knows: code, display name, coding scheme (TRE_A06). The code is
/// a judgement call (UNCONFIRMED): the DMPi guide lists the accepted ones.
const N3_FORMAT_CODE: (&str, &str, &str) = (
    "urn:asip:ci-sis:2010",
    "Document à corps structuré",
    "1.2.250.1.213.1.1.4.2.282",
);

/// The practice's DMP homologation number (fictitious).
const HOMOLOGATION: &str = "HOMOLOGATION-TEST-0001";

/// Credentials of the practice: kept across restarts like a certificate
/// file would be.
struct Credentials {
    signer: Arc<XmlSigner>,
    claims: Vihf,
    actor: String,
}

/// What a client for another user of the instance is made of.
struct ClientParts {
    base_url: String,
    local: LocalServices,
    context: SubmissionContext,
    credentials: Arc<Credentials>,
    clock: segur_conformance::VirtualClock,
}

/// The running DMP services of the instance.
struct DmpArea {
    client: DmpClient,
    parts: ClientParts,
    feeder: Arc<Feeder>,
    worker: FeedWorker,
    consent: Arc<dyn ConsentStore>,
    history: Arc<dyn DocumentHistory>,
    audit: Arc<dyn AuditTrail>,
    web_url: String,
    /// Serialises the worker's passes.
    passes: tokio::sync::Mutex<()>,
}

impl DmpArea {
    /// One pass of the send queue.
    async fn pass(&self) -> Result<(), DmpError> {
        let _one_at_a_time = self.passes.lock().await;
        self.worker.pass().await.map(|_| ())
    }

    /// Runs a pass in the background (the user never waits for the DMP).
    fn kick(self: &Arc<Self>) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let area = self.clone();
            runtime.spawn(async move {
                // Failures stay in the queue with their reason.
                let _ = area.pass().await;
            });
        }
    }
}

/// What an open file shows about the DMP.
#[derive(Default, Clone)]
struct Shown {
    status: Option<DmpStatus>,
    view: Option<SyntheticView>,
}

/// The DMP state of an instance.
#[derive(Default)]
pub(super) struct DmpState {
    setup: std::sync::Mutex<Option<DmpSetup>>,
    credentials: std::sync::Mutex<Option<Arc<Credentials>>>,
    /// The instance's data folder (SQLite files), kept across restarts.
    storage: std::sync::Mutex<Option<tempfile::TempDir>>,
    area: std::sync::Mutex<Option<Arc<DmpArea>>>,
    hold_next: std::sync::Mutex<HashSet<PatientFileRef>>,
    view_config: std::sync::Mutex<SyntheticViewConfig>,
    shown: std::sync::Mutex<HashMap<PatientFileRef, Shown>>,
}

fn refusal(e: DmpError) -> DmpRefusal {
    match e {
        DmpError::Consent { refusal, .. } => DmpRefusal::Consent(refusal),
        other => DmpRefusal::Other(other.to_string()),
    }
}

impl DmpArea {
    /// A client acting for `user`, another professional using the
    /// software: same structure certificate, stores and audit trail; the
    /// VIHF (and the rights `segur-dmp` checks) are the user's.
    fn client_as(&self, user: &VihfActor) -> Result<DmpClient, HostError> {
        let p = &self.parts;
        let mut claims = p.credentials.claims.clone();
        claims.actor = user.clone();
        let clock = p.clock.clone();
        DmpClient::builder(
            &p.base_url,
            Arc::new(SignedVihfSource::new(claims, p.credentials.signer.clone())),
            p.credentials.signer.clone(),
            p.local.clone(),
            p.context.clone(),
        )
        .clock_fn(move || clock.now())
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| failed("DMP client")(&e))
    }
}

impl Core {
    fn dmp_area(&self) -> Result<Arc<DmpArea>, HostError> {
        lock(&self.dmp.area)
            .clone()
            .ok_or_else(|| HostError::failed("the DMP is not configured"))
    }

    /// The qualified INS of the file: the DMP is reached only with it.
    fn dmp_patient(&self, file: &PatientFileRef) -> Result<Ins, HostError> {
        self.patients
            .get(file)?
            .identity
            .qualified_ins()
            .map(|q| *q.ins())
            .ok_or_else(|| {
                HostError::failed(format!(
                    "the identity of {file} is not qualified: no DMP access without a qualified INS"
                ))
            })
    }

    fn dmp_credentials(&self, settings: &super::Settings) -> Result<Arc<Credentials>, HostError> {
        if let Some(c) = lock(&self.dmp.credentials).clone() {
            return Ok(c);
        }
        let now = self.now();
        let structure = practice::structure();
        let pki = segur_ssi::test_pki::TestPki::generate_at(now)
            .map_err(|e| failed("structure certificate")(&e))?;
        let cert = pki
            .issue_organisation(&structure.id, &structure.name.to_uppercase())
            .map_err(|e| failed("structure certificate")(&e))?;
        let identity = cert
            .identity()
            .map_err(|e| failed("structure certificate")(&e))?;
        let signer =
            Arc::new(XmlSigner::from_identity(&identity).map_err(|e| failed("VIHF signer")(&e))?);
        let practitioner = practice::practitioner();
        let actor = practitioner.id.as_str().to_owned();
        let claims = Vihf::new(
            VihfActor::new(
                actor.clone(),
                format!("{} {}", practitioner.family, practitioner.given),
                structure.id.clone(),
                "SA07",
            )
            .with_role(Role::profession("10", "Médecin")),
            LpsInfo::new(
                "segur-rs reference LGC",
                env!("CARGO_PKG_VERSION"),
                HOMOLOGATION,
            ),
            settings.dmp_authentication,
            now,
        );
        let c = Arc::new(Credentials {
            signer,
            claims,
            actor,
        });
        *lock(&self.dmp.credentials) = Some(c.clone());
        Ok(c)
    }

    fn dmp_storage(&self) -> Result<PathBuf, HostError> {
        let mut storage = lock(&self.dmp.storage);
        if storage.is_none() {
            *storage = Some(
                tempfile::Builder::new()
                    .prefix("segur-lgc-dmp-")
                    .tempdir()
                    .map_err(|e| failed("DMP data folder")(&e))?,
            );
        }
        storage
            .as_ref()
            .map(|d| d.path().to_owned())
            .ok_or_else(|| HostError::failed("DMP data folder"))
    }

    /// Starts the DMP services on the stores of the data folder.
    fn dmp_start(&self, settings: &super::Settings) -> Result<Arc<DmpArea>, HostError> {
        let setup = lock(&self.dmp.setup)
            .clone()
            .ok_or_else(|| HostError::failed("the DMP is not configured"))?;
        let credentials = self.dmp_credentials(settings)?;
        let dir = self.dmp_storage()?;
        let audit: Arc<dyn AuditTrail> = self.audit.clone();
        let store = |what: &'static str| move |e: DmpError| failed(what)(&e);
        let queue: Arc<dyn QueueStore> =
            Arc::new(SqliteQueue::open(dir.join("queue.db")).map_err(store("DMP send queue"))?);
        let consent: Arc<dyn ConsentStore> = Arc::new(
            SqliteConsentStore::open(dir.join("consent.db"), audit.clone())
                .map_err(store("consent records"))?,
        );
        let history: Arc<dyn DocumentHistory> =
            Arc::new(SqliteHistory::open(dir.join("history.db")).map_err(store("DMP history"))?);
        let local = LocalServices {
            consent: consent.clone(),
            audit: audit.clone(),
            scanner: self.scanner.clone(),
            history: history.clone(),
        };
        let parts = ClientParts {
            base_url: setup.base_url.clone(),
            local: local.clone(),
            context: SubmissionContext {
                source_id: practice::PATIENT_ID_ROOT,
                content_type_code: XdsCode::new(
                    "04",
                    "1.2.250.1.213.2.2",
                    "Hospitalisation de jour",
                ),
            },
            credentials: credentials.clone(),
            clock: self.clock.clone(),
        };
        let context = parts.context.clone();
        let clock = self.clock.clone();
        let client = DmpClient::builder(
            &setup.base_url,
            Arc::new(SignedVihfSource::new(
                credentials.claims.clone(),
                credentials.signer.clone(),
            )),
            credentials.signer.clone(),
            local,
            context,
        )
        .clock_fn(move || clock.now())
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(store("DMP client"))?;
        let shared_clock: segur_psc::SharedClock = Arc::new(self.clock.clone());
        let feeder = Arc::new(Feeder::new(
            queue.clone(),
            consent.clone(),
            audit.clone(),
            history.clone(),
            SegurPerimeter::default(),
            shared_clock.clone(),
        ));
        // Orders a crash left in flight are checked before being resent.
        queue
            .recover_in_flight(self.now())
            .map_err(store("DMP send queue"))?;
        let worker = FeedWorker::new(
            queue,
            Arc::new(DmpOrderSender::new(client.clone())),
            shared_clock,
            Backoff::default(),
        )
        .with_feeder(feeder.clone());
        let area = Arc::new(DmpArea {
            client,
            parts,
            feeder,
            worker,
            consent,
            history,
            audit,
            web_url: setup.web_url,
            passes: tokio::sync::Mutex::new(()),
        });
        *lock(&self.dmp.area) = Some(area.clone());
        Ok(area)
    }

    /// Stops the DMP services (after the pass in progress) and starts them
    /// again on the same data folder, as a restart of the software does.
    pub(super) async fn dmp_restart(&self, settings: &super::Settings) -> Result<(), HostError> {
        let running = lock(&self.dmp.area).take();
        if let Some(area) = running {
            drop(area.passes.lock().await);
        }
        lock(&self.dmp.shown).clear();
        lock(&self.dmp.hold_next).clear();
        if lock(&self.dmp.setup).is_some() {
            self.dmp_start(settings)?;
        }
        Ok(())
    }

    /// A document the practitioner just produced: handed to systematic
    /// feeding (never an error for the production itself).
    pub(super) fn dmp_document_produced(&self, file: &PatientFileRef, xml: &[u8]) {
        self.dmp_feed_produced(file, Feed::document(xml.to_vec()));
    }

    /// Both forms of a structured document just produced.
    pub(super) fn dmp_pair_produced(&self, file: &PatientFileRef, pair: &DocumentPair) {
        self.dmp_feed_produced(file, pair_feed(pair));
    }

    fn dmp_feed_produced(&self, file: &PatientFileRef, feed: Feed) {
        let Some(area) = lock(&self.dmp.area).clone() else {
            return;
        };
        let hold = lock(&self.dmp.hold_next).remove(file);
        // A refusal (patient opposed) is traced by the feeder; the document
        // stays in the file.
        if area.feeder.document_produced(feed, hold).is_ok() {
            area.kick();
        }
    }

    /// The file was opened: refresh the DMP banner and synthetic view in the
    /// background.
    pub(super) fn dmp_file_opened(self: &Arc<Self>, file: &PatientFileRef) {
        let Some(area) = lock(&self.dmp.area).clone() else {
            return;
        };
        let Ok(ins) = self.dmp_patient(file) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let core = self.clone();
        let file = file.clone();
        runtime.spawn(async move {
            if let Ok(status) = area.client.status(&ins).await {
                lock(&core.dmp.shown)
                    .entry(file.clone())
                    .or_default()
                    .status = Some(status);
            }
            let config = lock(&core.dmp.view_config).clone();
            if let Ok(view) = area.client.synthetic_view(&ins, &config).await {
                lock(&core.dmp.shown).entry(file).or_default().view = Some(view);
            }
        });
    }
}

impl ReferenceLgc {
    /// The CDA documents shown as `document` (both forms of a pair).
    async fn forms(&self, document: &DocumentRef) -> Result<Vec<Document>, HostError> {
        let view = self.core()?.document_view(document)?;
        let mut forms = Vec::new();
        for form in &view.forms {
            let xml = Documents::content(self, form).await?;
            forms.push(Document::parse(xml).map_err(|e| failed("stored document")(&e))?);
        }
        Ok(forms)
    }

    /// The feed of a document (both forms of a pair together).
    async fn feed_of(&self, document: &DocumentRef) -> Result<Feed, HostError> {
        let mut forms = self.forms(document).await?;
        if forms.len() == 2 {
            let (n1, n3) = if forms[0].level() == Level::N1 {
                (forms.remove(0), forms.remove(0))
            } else {
                let n3 = forms.remove(0);
                (forms.remove(0), n3)
            };
            let pair = DocumentPair::link(n1, n3)
                .map_err(|_| HostError::failed("the two forms are not an N1/N3 pair"))?;
            return Ok(pair_feed(&pair));
        }
        let doc = forms
            .pop()
            .ok_or_else(|| HostError::failed("empty document"))?;
        Ok(Feed::document(doc.to_xml()))
    }

    /// The file holding a document.
    async fn file_of(&self, document: &DocumentRef) -> Result<PatientFileRef, HostError> {
        let files = segur_conformance::host::PatientFiles::list(self).await?;
        for file in files {
            if Documents::list(self, &file).await?.contains(document) {
                return Ok(file);
            }
        }
        Err(HostError::failed(format!(
            "no patient file holds {document}"
        )))
    }
}

/// Both forms of a pair in one submission, N3 first (the submission's key),
/// linked by XFRM (SC.CDA/DD.12/14); the N3's formatCode is its volet's.
fn pair_feed(pair: &DocumentPair) -> Feed {
    let mut feed = Feed::pair(pair);
    if let Some(n3) = feed.documents.first_mut() {
        n3.format_code =
            Some(volets::format_code(pair.n3()).unwrap_or_else(|| {
                XdsCode::new(N3_FORMAT_CODE.0, N3_FORMAT_CODE.2, N3_FORMAT_CODE.1)
            }));
    }
    feed
}

fn unique_id(doc: &Document) -> Option<String> {
    let id = doc.header.id.as_ref()?;
    match (&id.root, &id.extension) {
        (Some(r), Some(e)) => Some(format!("{r}^{e}")),
        (Some(r), None) => Some(r.clone()),
        _ => None,
    }
}

impl Dmp for ReferenceLgc {
    fn configure(&self, setup: DmpSetup) -> BoxFuture<'_, Result<String, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            *lock(&core.dmp.setup) = Some(setup);
            let credentials = core.dmp_credentials(&self.settings)?;
            core.dmp_start(&self.settings)?;
            Ok(credentials.actor.clone())
        })
    }

    fn access_notice(&self) -> BoxFuture<'_, Result<String, HostError>> {
        Box::pin(async { Ok(ACCESS_NOTICE.to_owned()) })
    }

    fn set_consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
        record: ConsentRecord,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            let area = core.dmp_area()?;
            area.consent
                .set(
                    &ins,
                    record,
                    practice::practitioner().id.as_str(),
                    core.now(),
                )
                .map_err(|e| failed("consent record")(&e))
        })
    }

    fn consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<ConsentRecord, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            core.dmp_area()?
                .consent
                .get(&ins)
                .map_err(|e| failed("consent record")(&e))
        })
    }

    fn status<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<DmpStatus>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let shown = lock(&core.dmp.shown).get(file).cloned().unwrap_or_default();
            Ok(shown.status)
        })
    }

    fn hold_next<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            lock(&core.dmp.hold_next).insert(file.clone());
            Ok(())
        })
    }

    fn release<'a>(&'a self, document: &'a DocumentRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let area = core.dmp_area()?;
            let feed = self.feed_of(document).await?;
            let prepared = feed.prepare().map_err(|e| failed("feed")(&e))?;
            area.feeder
                .release(prepared.key())
                .map_err(|e| failed("release")(&e))?;
            area.kick();
            Ok(())
        })
    }

    fn send<'a>(
        &'a self,
        document: &'a DocumentRef,
        visibility: Visibility,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let area = core.dmp_area()?;
            let feed = self.feed_of(document).await?.with_visibility(visibility);
            let prepared = feed.prepare().map_err(|e| failed("feed")(&e))?;
            // Already sent (SC.DMP/HISTO.05): nothing to do.
            let sent = area
                .history
                .get(prepared.key(), Direction::Sent)
                .map_err(|e| failed("DMP history")(&e))?
                .is_some_and(|r| r.status == HistoryStatus::Sent);
            if sent {
                return Ok(Ok(()));
            }
            match area.feeder.enqueue(feed, false) {
                Ok(_) => {
                    area.kick();
                    Ok(Ok(()))
                }
                Err(e) => Ok(Err(refusal(e))),
            }
        })
    }

    fn process_queue(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            let area = self.core()?.dmp_area()?;
            area.pass().await.map_err(|e| failed("DMP send queue")(&e))
        })
    }

    fn feed_report(&self) -> BoxFuture<'_, Result<FeedReport, HostError>> {
        Box::pin(async move {
            self.core()?
                .dmp_area()?
                .feeder
                .report()
                .map_err(|e| failed("DMP send queue")(&e))
        })
    }

    fn history<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<HistoryRecord>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            core.dmp_area()?
                .history
                .for_patient(&patient_ref(&ins))
                .map_err(|e| failed("DMP history")(&e))
        })
    }

    fn delete<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let area = core.dmp_area()?;
            let file = self.file_of(document).await?;
            let ins = core.dmp_patient(&file)?;
            // Both forms of a pair (SC.CDA/DD.14).
            let uids: Vec<String> = self
                .forms(document)
                .await?
                .iter()
                .filter_map(unique_id)
                .collect();
            Ok(area
                .client
                .change_status(&ins, &uids, StatusChange::Delete)
                .await
                .map_err(refusal))
        })
    }

    fn search<'a>(
        &'a self,
        file: &'a PatientFileRef,
        filter: &'a FindDocuments,
    ) -> BoxFuture<'a, Result<DmpDecision<Vec<FoundDocument>>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            Ok(core
                .dmp_area()?
                .client
                .search(&ins, filter)
                .await
                .map_err(refusal))
        })
    }

    fn configure_synthetic_view(
        &self,
        config: SyntheticViewConfig,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            *lock(&self.core()?.dmp.view_config) = config;
            Ok(())
        })
    }

    fn synthetic_view<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<SyntheticView>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let shown = lock(&core.dmp.shown).get(file).cloned().unwrap_or_default();
            Ok(shown.view)
        })
    }

    fn integrate<'a>(
        &'a self,
        file: &'a PatientFileRef,
        unique_id: &'a str,
    ) -> BoxFuture<'a, Result<DmpDecision<ImportOutcome>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            let area = core.dmp_area()?;
            let found = match area.client.search(&ins, &FindDocuments::new()).await {
                Ok(f) => f,
                Err(e) => return Ok(Err(refusal(e))),
            };
            let Some(entry) = found
                .into_iter()
                .map(|f| f.entry)
                .find(|e| e.unique_id == unique_id)
            else {
                return Ok(Err(DmpRefusal::Other(format!(
                    "le document {unique_id} n'est pas dans le DMP du patient"
                ))));
            };
            // Scanned by the antivirus and traced by the client.
            let retrieved = match area.client.retrieve(&ins, &entry).await {
                Ok(r) => r,
                Err(e) => return Ok(Err(refusal(e))),
            };
            let received = ReceivedFile::new(
                format!("dmp-{}.xml", unique_id.replace(['^', '.'], "-")),
                retrieved.document.mime_type.clone(),
                retrieved.document.content,
            );
            Ok(Ok(Documents::import(self, file, &received).await?))
        })
    }

    fn web_link<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<DmpDecision<WebDmpLink>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            let area = core.dmp_area()?;
            Ok(area
                .client
                .web_link(&ins, &area.web_url)
                .await
                .map_err(refusal))
        })
    }

    fn feed_kos<'a>(
        &'a self,
        file: &'a PatientFileRef,
        user: &'a VihfActor,
        kos: &'a KosManifest,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            if kos.entry().patient_id != ins.to_cx() {
                return Ok(Err(DmpRefusal::Other(format!(
                    "the imaging manifest {} is about another patient than {file}",
                    kos.unique_id()
                ))));
            }
            let client = core.dmp_area()?.client_as(user)?;
            Ok(client
                .feed(&kos.to_feed())
                .await
                .map(|_| ())
                .map_err(refusal))
        })
    }

    fn delete_kos<'a>(
        &'a self,
        file: &'a PatientFileRef,
        user: &'a VihfActor,
        unique_id: &'a str,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            let client = core.dmp_area()?.client_as(user)?;
            Ok(client
                .change_status(&ins, &[unique_id.to_owned()], StatusChange::Delete)
                .await
                .map_err(refusal))
        })
    }

    fn access_traces<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<AuditRecord>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let ins = core.dmp_patient(file)?;
            let area = core.dmp_area()?;
            access_traces(area.audit.as_ref(), &ins).map_err(|e| failed("audit trail")(&e))
        })
    }
}
