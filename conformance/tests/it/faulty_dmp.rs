//! The DMP suite against the reference host (every scenario passes) and
//! against deliberately faulty hosts: the reference host misconfigured or
//! wrapped with one DMP fault each. Every fault makes the scenario of the
//! requirement it breaks FAIL with a message that names the fault.

use crate::harness::{expect_failure, failure_of, forward, run};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use segur_conformance::host::{
    BoxFuture, Dmp, DmpDecision, DmpSetup, DocumentRef, DocumentRequest, Documents,
    HostEnvironment, ImportOutcome, Lifecycle, Observations, PatientFileRef, PatientFiles,
    ReceivedFile, Security,
};
use segur_conformance::report::Status;
use segur_conformance::{
    ArtefactKind, Filter, Host, HostError, HostInfo, Registry, Runner, Silent,
};
use segur_dmp::client::FoundDocument;
use segur_dmp::consent::ConsentRecord;
use segur_dmp::feed::Visibility;
use segur_dmp::feeding::FeedReport;
use segur_dmp::history::{HistoryRecord, SyntheticView, SyntheticViewConfig};
use segur_dmp::patient::DmpStatus;
use segur_dmp::rights::{KosManifest, author_structures};
use segur_dmp::vihf::{
    AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor, VihfAssertion, VihfSource,
};
use segur_dmp::web::WebDmpLink;
use segur_dmp::xds::FindDocuments;
use segur_examples::{ReferenceLgc, Settings};
use segur_ins::Identity;
use segur_ssi::audit::AuditRecord;

#[test]
fn the_reference_host_passes_the_dmp_suite() {
    let scenarios = run(Arc::new(ReferenceLgc::new()), "dmp.*");
    let bad: Vec<String> = scenarios
        .iter()
        .filter(|s| s.status != Status::Passed)
        .map(|s| format!("{} ({:?}): {:?}", s.id, s.status, s.failure))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(scenarios.len() >= 20, "{} DMP scenarios", scenarios.len());
}

/// One DMP fault of a wrapped reference host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Records the patient's consent but never applies it.
    IgnoresConsent,
    /// Sends a corrected document as a second document, not a new version.
    DuplicateInsteadOfVersion,
    /// Restarts on empty storage: the send queue is lost.
    DropsQueueOnRestart,
    /// Waits for the DMP when a file is opened.
    BlocksOnOpen,
    /// Records every new patient as informed, without asking.
    InformedByDefault,
    /// Sends imaging manifests (KOS) without checking the user's right
    /// (SC.DMP/CONF.05): its DMP client is told every user is an imaging
    /// professional of the manifest's structure.
    SkipsKosRights,
}

/// The reference host with one DMP fault.
struct Faulty {
    inner: ReferenceLgc,
    fault: Fault,
    env: Mutex<Option<HostEnvironment>>,
    setup: Mutex<Option<DmpSetup>>,
    consents: Mutex<HashMap<PatientFileRef, ConsentRecord>>,
    shift: AtomicI64,
}

impl Faulty {
    fn new(fault: Fault) -> Self {
        Faulty {
            inner: ReferenceLgc::new(),
            fault,
            env: Mutex::new(None),
            setup: Mutex::new(None),
            consents: Mutex::new(HashMap::new()),
            shift: AtomicI64::new(0),
        }
    }
}

impl Host for Faulty {
    fn info(&self) -> HostInfo {
        HostInfo::new(format!("faulty DMP host ({:?})", self.fault), "0")
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        self.consents.lock().expect("test mutex").clear();
        self.inner.reset()
    }
    fn prepare(&self, env: HostEnvironment) {
        *self.env.lock().expect("test mutex") = Some(env.clone());
        self.inner.prepare(env);
    }
    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(self)
    }
    fn documents(&self) -> Option<&dyn Documents> {
        Some(self)
    }
    fn dmp(&self) -> Option<&dyn Dmp> {
        Some(self)
    }
    fn security(&self) -> Option<&dyn Security> {
        self.inner.security()
    }
    fn observations(&self) -> Option<&dyn Observations> {
        self.inner.observations()
    }
    fn lifecycle(&self) -> Option<&dyn Lifecycle> {
        Some(self)
    }
}

impl PatientFiles for Faulty {
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
        PatientFiles::list(&self.inner)
    }
    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            PatientFiles::open(&self.inner, file).await?;
            if self.fault == Fault::BlocksOnOpen {
                // Shows the file only once the DMP answered.
                for _ in 0..400 {
                    if Dmp::status(&self.inner, file).await?.is_some() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
            Ok(())
        })
    }
    fn create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        Box::pin(async move {
            let file = PatientFiles::create(&self.inner, identity).await?;
            if self.fault == Fault::InformedByDefault {
                let informed = ConsentRecord {
                    informed: true,
                    ..ConsentRecord::default()
                };
                self.inner.set_consent(&file, informed).await?;
            }
            Ok(file)
        })
    }
}

impl Documents for Faulty {
    forward! { Documents<'a>:
        list(file: &'a PatientFileRef) -> Vec<DocumentRef>;
        content(document: &'a DocumentRef) -> Vec<u8>;
        produce(file: &'a PatientFileRef, request: &'a DocumentRequest) -> DocumentRef;
        import(file: &'a PatientFileRef, received: &'a ReceivedFile) -> ImportOutcome;
    }
    fn revise<'a>(
        &'a self,
        document: &'a DocumentRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        Box::pin(async move {
            if self.fault != Fault::DuplicateInsteadOfVersion {
                return self.inner.revise(document, request).await;
            }
            // The correction becomes a document of its own.
            let files = PatientFiles::list(&self.inner).await?;
            for file in files {
                if Documents::list(&self.inner, &file)
                    .await?
                    .contains(document)
                {
                    let n = self.shift.fetch_add(1, Ordering::SeqCst);
                    let mut other = request.clone();
                    other.act_time += time::Duration::seconds(n + 1);
                    return self.inner.produce(&file, &other).await;
                }
            }
            Err(HostError::failed(format!("no file holds {document}")))
        })
    }
}

impl Lifecycle for Faulty {
    fn restart(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            if self.fault != Fault::DropsQueueOnRestart {
                return Lifecycle::restart(&self.inner).await;
            }
            // Starts again on fresh storage: files and queue are gone.
            self.inner.reset().await?;
            let env = self.env.lock().expect("test mutex").clone();
            if let Some(env) = env {
                self.inner.prepare(env);
            }
            let setup = self.setup.lock().expect("test mutex").clone();
            if let Some(setup) = setup {
                self.inner.configure(setup).await?;
            }
            Ok(())
        })
    }
}

impl Dmp for Faulty {
    fn configure(&self, setup: DmpSetup) -> BoxFuture<'_, Result<String, HostError>> {
        *self.setup.lock().expect("test mutex") = Some(setup.clone());
        self.inner.configure(setup)
    }
    fn set_consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
        record: ConsentRecord,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        if self.fault == Fault::IgnoresConsent {
            // Shown back to the user, never given to the DMP client.
            self.consents
                .lock()
                .expect("test mutex")
                .insert(file.clone(), record);
            return Box::pin(async { Ok(()) });
        }
        self.inner.set_consent(file, record)
    }
    fn consent<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<ConsentRecord, HostError>> {
        if self.fault == Fault::IgnoresConsent {
            let record = self
                .consents
                .lock()
                .expect("test mutex")
                .get(file)
                .copied()
                .unwrap_or_default();
            return Box::pin(async move { Ok(record) });
        }
        self.inner.consent(file)
    }
    forward! { Dmp<'a>:
        status(file: &'a PatientFileRef) -> Option<DmpStatus>;
        process_queue() -> ();
        access_notice() -> String;
        hold_next(file: &'a PatientFileRef) -> ();
        release(document: &'a DocumentRef) -> ();
        send(document: &'a DocumentRef, visibility: Visibility) -> DmpDecision;
        history(file: &'a PatientFileRef) -> Vec<HistoryRecord>;
        delete(document: &'a DocumentRef) -> DmpDecision;
        search(file: &'a PatientFileRef, filter: &'a FindDocuments) -> DmpDecision<Vec<FoundDocument>>;
        configure_synthetic_view(config: SyntheticViewConfig) -> ();
        synthetic_view(file: &'a PatientFileRef) -> Option<SyntheticView>;
        integrate(file: &'a PatientFileRef, unique_id: &'a str) -> DmpDecision<ImportOutcome>;
        web_link(file: &'a PatientFileRef) -> DmpDecision<WebDmpLink>;
        feed_report() -> FeedReport;
        access_traces(file: &'a PatientFileRef) -> Vec<AuditRecord>;
        delete_kos(file: &'a PatientFileRef, user: &'a VihfActor, unique_id: &'a str) -> DmpDecision;
    }
    fn feed_kos<'a>(
        &'a self,
        file: &'a PatientFileRef,
        user: &'a VihfActor,
        kos: &'a KosManifest,
    ) -> BoxFuture<'a, Result<DmpDecision, HostError>> {
        if self.fault != Fault::SkipsKosRights {
            return self.inner.feed_kos(file, user, kos);
        }
        Box::pin(async move {
            let client = self.trusting_client(user, kos)?;
            Ok(client
                .feed(&kos.to_feed())
                .await
                .map(|_| ())
                .map_err(|e| segur_conformance::host::DmpRefusal::Other(e.to_string())))
        })
    }
}

/// A VIHF source whose VIHF names the real user while it tells the
/// client's rights check that the user may do anything with the manifest.
struct Trusting {
    vihf: SignedVihfSource,
    claimed: VihfActor,
}

impl VihfSource for Trusting {
    fn assertion<'a>(
        &'a self,
        patient: Option<&'a segur_ins::Ins>,
        now: time::OffsetDateTime,
    ) -> segur_dmp::BoxFuture<'a, Result<VihfAssertion, segur_dmp::Error>> {
        self.vihf.assertion(patient, now)
    }
    fn actor_id(&self) -> &str {
        self.vihf.actor_id()
    }
    fn mode(&self) -> AuthenticationMode {
        self.vihf.mode()
    }
    fn actor(&self) -> Option<&VihfActor> {
        Some(&self.claimed)
    }
}

impl Faulty {
    /// A DMP client for `user` that skips the imaging-manifest rights.
    fn trusting_client(
        &self,
        user: &VihfActor,
        kos: &KosManifest,
    ) -> Result<segur_dmp::client::DmpClient, HostError> {
        let fail = |e: &dyn std::fmt::Display| HostError::failed(e.to_string());
        let setup = self
            .setup
            .lock()
            .expect("test mutex")
            .clone()
            .ok_or_else(|| HostError::failed("not configured"))?;
        let clock = self
            .env
            .lock()
            .expect("test mutex")
            .as_ref()
            .map(|e| e.clock().clone())
            .ok_or_else(|| HostError::failed("not prepared"))?;
        let pki = segur_ssi::test_pki::TestPki::generate_at(clock.now()).map_err(|e| fail(&e))?;
        let cert = pki
            .issue_organisation(&user.structure, "CENTRE FAUTIF")
            .map_err(|e| fail(&e))?;
        let signer = Arc::new(
            segur_dmp::XmlSigner::from_identity(&cert.identity().map_err(|e| fail(&e))?)
                .map_err(|e| fail(&e))?,
        );
        let mut claimed = user
            .clone()
            .with_role(Role::savoir_faire("SM44", "Radio-diagnostic"));
        if let Some(s) = author_structures(kos.entry()).first() {
            claimed.structure = s.parse().map_err(|e| fail(&e))?;
        }
        let claims = Vihf::new(
            user.clone(),
            LpsInfo::new("faulty", "0", "FAULTY-0001"),
            AuthenticationMode::IndirecteRenforcee,
            clock.now(),
        );
        let audit = Arc::new(segur_ssi::audit::MemoryAuditTrail::new());
        let memory = || rusqlite::Connection::open_in_memory().map_err(|e| fail(&e));
        let local = segur_dmp::client::LocalServices {
            consent: Arc::new(
                segur_dmp::consent::SqliteConsentStore::new(memory()?, audit.clone())
                    .map_err(|e| fail(&e))?,
            ),
            audit,
            scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
            history: Arc::new(
                segur_dmp::history::SqliteHistory::new(memory()?).map_err(|e| fail(&e))?,
            ),
        };
        segur_dmp::client::DmpClient::builder(
            &setup.base_url,
            Arc::new(Trusting {
                vihf: SignedVihfSource::new(claims, signer.clone()),
                claimed,
            }),
            signer,
            local,
            segur_dmp::feed::SubmissionContext {
                source_id: segur_ids::oid!("1.2.250.1.999.3.9"),
                content_type_code: segur_cda::xds::XdsCode::new(
                    "04",
                    "1.2.250.1.213.2.2",
                    "Hospitalisation de jour",
                ),
            },
        )
        .clock_fn(move || clock.now())
        .build()
        .map_err(|e| fail(&e))
    }
}

#[test]
fn a_host_skipping_the_kos_rights_fails() {
    let scenarios = run(
        Arc::new(Faulty::new(Fault::SkipsKosRights)),
        "dmp.kos.rights",
    );
    let message = failure_of(&scenarios, "dmp.kos.rights");
    for expected in [
        "the host sent the imaging manifest of a user who may not feed it to the DMP instead of refusing it itself (SC.DMP/CONF.05",
        "the DMP answered DMP_KOS_PROFESSION_NON_AUTORISEE",
    ] {
        assert!(
            message.contains(expected),
            "{message:?} does not say {expected:?}"
        );
    }
}

#[test]
fn feeding_without_consent_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::IgnoresConsent)),
        "dmp.consent.feeding-opposed",
        "dmp.consent.feeding-opposed",
        "the host fed the DMP of a patient who opposed it",
    );
}

#[test]
fn consultation_without_consent_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::InformedByDefault)),
        "dmp.consent.consultation",
        "dmp.consent.consultation",
        "a search by default: the host did it",
    );
}

#[test]
fn a_duplicate_instead_of_a_new_version_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::DuplicateInsteadOfVersion)),
        "dmp.feeding.new-version",
        "dmp.feeding.new-version",
        "was sent as a separate document, not as a replacement",
    );
}

#[test]
fn a_queue_lost_at_restart_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::DropsQueueOnRestart)),
        "dmp.feeding.survives-restart",
        "dmp.feeding.survives-restart",
        "the queue did not survive the restart",
    );
}

#[test]
fn an_unsigned_vihf_fails() {
    let mut settings = Settings::default();
    // Direct authentication without a CPS card: the VIHF goes unsigned.
    settings.dmp_authentication = AuthenticationMode::Directe;
    expect_failure(
        Arc::new(ReferenceLgc::with_settings(settings)),
        "dmp.feeding.systematic",
        "dmp.feeding.systematic",
        "VIHF_NON_SIGNE",
    );
}

#[test]
fn waiting_for_the_dmp_on_open_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::BlocksOnOpen)),
        "dmp.view.status",
        "dmp.view.status",
        "the DMP call blocks the user",
    );
}

#[test]
fn every_dmp_exchange_is_recorded_as_evidence() {
    let runner = Runner::new(
        Registry::builtin().expect("registry"),
        Arc::new(ReferenceLgc::new()),
    )
    .filter(Filter::new().scenario("dmp.feeding.systematic"));
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    let report = outcome.report();
    assert_eq!(report.summary.passed, 1, "{:?}", report.scenarios);
    let exchanges: Vec<_> = outcome
        .artefacts("dmp.feeding.systematic")
        .iter()
        .filter(|a| a.service.as_deref() == Some("dmp"))
        .collect();
    // The host's status check, the lookup and the submission at least.
    assert!(
        exchanges
            .iter()
            .any(|a| a.name.contains("ProvideAndRegisterDocumentSet-b -> 200")),
        "{:?}",
        exchanges.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    assert!(
        exchanges
            .iter()
            .any(|a| a.kind == ArtefactKind::Response && a.name.contains("/repository")),
        "responses are recorded"
    );
    let submission = exchanges
        .iter()
        .find(|a| {
            a.kind == ArtefactKind::Request && a.name.contains("ProvideAndRegisterDocumentSet-b")
        })
        .expect("submission recorded");
    let bytes = submission.bytes().expect("bytes");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("SignatureValue"),
        "the VIHF is in the recorded request"
    );
    assert!(
        outcome
            .artefacts("dmp.feeding.systematic")
            .iter()
            .any(|a| a.kind == ArtefactKind::Document && a.name == "registered-document.xml")
    );
}
