//! Every branch of the "envoi en Y" end to end: the e-prescription
//! simulator over HTTP, and for the DMP leg segur-dmp's real path — its
//! `Feeder` (consent, history), SQLite send queue, `FeedWorker` and
//! `DmpOrderSender` over the `DmpClient` (VIHF signed, ITI-41 MTOM) — to the
//! DMP simulator. Each branch ends with exactly one document in the DMP
//! simulator, with the 2D code only when the e-prescription service
//! registered the prescription; retries and restarts never duplicate.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use segur_carte_vitale::envoi_y::*;
use segur_carte_vitale::eprescription::HttpEPrescriptionService;
use segur_carte_vitale::ordonnance::*;
use segur_carte_vitale::sim::{EPrescriptionSimulator, SimBehaviour};
use segur_cda::Document;
use segur_cda::datatypes::Ts;
use segur_cda::n3::entries::{Image, PdfCopy};
use segur_cda::n3::sections::{BARCODE, PDF_COPY};
use segur_cda::volets::eprescription::{self as ep, PRESCRIPTION_ID_ROOT, PrescriptionContext};
use segur_cda::volets::n1_prescription::N1PrescriptionKind;
use segur_cda::volets::samples::Richness;
use segur_dmp::client::{DmpClient, LocalServices};
use segur_dmp::consent::{ConsentRecord, ConsentStore, SqliteConsentStore};
use segur_dmp::feed::SubmissionContext;
use segur_dmp::feeding::{DmpOrderSender, FeedWorker, Feeder, SegurPerimeter};
use segur_dmp::history::{Direction, DocumentHistory, HistoryStatus, SqliteHistory};
use segur_dmp::queue::{Backoff, OrderStatus, QueueStore, SqliteQueue};
use segur_dmp::sim::{DmpSimulator, Fault, FaultRule};
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_dmp::xds::ITI41_ACTION;
use segur_ids::{Rpps, oid};
use segur_ins::Ins;
use segur_psc::{ManualClock, SharedClock};
use segur_ssi::audit::{AuditRecord, MemoryAuditTrail, Outcome};

use crate::{clock, t0};

const ROOT: segur_ids::Oid = oid!("1.2.250.1.999.1.1.7");
/// The sample practitioner's national id (`8` + RPPS 10003612545).
const AUTHOR: &str = "810003612545";

// ---------------------------------------------------------------------------
// The DMP side: the simulator and what a host wires to it.

/// The DMP simulator with the (fictitious) patient of segur-cda's samples.
struct Dmp {
    sim: DmpSimulator,
    patient: Ins,
    client: DmpClient,
    consent: Arc<SqliteConsentStore>,
    history: Arc<SqliteHistory>,
    audit: Arc<MemoryAuditTrail>,
}

impl Dmp {
    async fn start() -> Self {
        let sim = DmpSimulator::start().await.expect("DMP simulator");
        let patient = Ins::new(
            "285037511104286".parse().expect("sample NIR"),
            segur_ins::InsOid::Test,
        );
        sim.add_patient(&patient);
        sim.authorize(&patient, AUTHOR);
        let audit = Arc::new(MemoryAuditTrail::new());
        let consent = Arc::new(
            SqliteConsentStore::new(
                rusqlite::Connection::open_in_memory().expect("db"),
                audit.clone(),
            )
            .expect("consent"),
        );
        consent
            .set(
                &patient,
                ConsentRecord {
                    informed: true,
                    ..ConsentRecord::default()
                },
                AUTHOR,
                time::OffsetDateTime::now_utc(),
            )
            .expect("informed");
        let history = Arc::new(
            SqliteHistory::new(rusqlite::Connection::open_in_memory().expect("db"))
                .expect("history"),
        );
        let pki = segur_ssi::test_pki::TestPki::generate().expect("test PKI");
        let structure: segur_ids::IdNatStruct = "499700000000001".parse().expect("structure");
        let cert = pki
            .issue_organisation(&structure, "CABINET TEST")
            .expect("organisation certificate");
        let signer = Arc::new(
            segur_dmp::XmlSigner::from_identity(&cert.identity().expect("identity"))
                .expect("signer"),
        );
        let actor = VihfActor::new(AUTHOR, "MEDECIN-TEST Jean", structure, "SA07")
            .with_role(Role::profession("10", "Médecin"));
        let claims = Vihf::new(
            actor,
            LpsInfo::new("segur-rs", "0.1.0", "SEGUR-RS-TEST-0001"),
            AuthenticationMode::IndirecteRenforcee,
            time::OffsetDateTime::now_utc(),
        );
        let local = LocalServices {
            consent: consent.clone(),
            audit: audit.clone(),
            scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
            history: history.clone(),
        };
        let context = SubmissionContext {
            source_id: segur_cda::samples::SAMPLE_STRUCTURE_OID,
            content_type_code: segur_cda::xds::XdsCode::new(
                "04",
                "1.2.250.1.213.2.2",
                "Hospitalisation de jour",
            ),
        };
        let client = DmpClient::builder(
            &sim.base_url(),
            Arc::new(SignedVihfSource::new(claims, signer.clone())),
            signer,
            local,
            context,
        )
        .timeout(StdDuration::from_secs(5))
        .build()
        .expect("DMP client");
        Self {
            sim,
            patient,
            client,
            consent,
            history,
            audit,
        }
    }

    /// The registry entries of the patient's documents (not the signature
    /// documents of the submissions).
    fn entries(&self) -> Vec<segur_dmp::sim::SimEntry> {
        self.sim
            .entries(&self.patient)
            .into_iter()
            .filter(|e| !segur_dmp::feed::is_signature_entry(&e.entry))
            .collect()
    }

    /// The documents of the patient in the simulated DMP.
    fn documents(&self) -> Vec<Document> {
        self.entries()
            .iter()
            .map(|e| Document::parse(e.content.to_vec()).expect("a CDA document in the DMP"))
            .collect()
    }
}

/// What survives a restart: the queue and the journal files.
struct Stores {
    dir: tempfile::TempDir,
}

impl Stores {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("dir"),
        }
    }

    fn queue(&self) -> Arc<SqliteQueue> {
        Arc::new(SqliteQueue::open(self.dir.path().join("dmp-queue.db")).expect("queue"))
    }

    fn journal(&self) -> Arc<SqliteYJournal> {
        Arc::new(SqliteYJournal::open(self.dir.path().join("envoi-y.db")).expect("journal"))
    }
}

/// One process of the host: the orchestrator over the stores, with a
/// worker pass after each send.
struct Process {
    y: EnvoiEnY,
    queue: Arc<SqliteQueue>,
    worker: Arc<FeedWorker>,
    audit: Arc<MemoryAuditTrail>,
}

fn process(
    esim_url: &str,
    dmp: &Dmp,
    queue: Arc<SqliteQueue>,
    journal: Arc<dyn YJournal>,
    clock: SharedClock,
    timeout: StdDuration,
) -> Process {
    let feeder = Arc::new(Feeder::new(
        queue.clone(),
        dmp.consent.clone(),
        dmp.audit.clone(),
        dmp.history.clone(),
        SegurPerimeter::default(),
        clock.clone(),
    ));
    let worker = Arc::new(
        FeedWorker::new(
            queue.clone(),
            Arc::new(DmpOrderSender::new(dmp.client.clone())),
            clock.clone(),
            Backoff::default(),
        )
        .with_feeder(feeder.clone()),
    );
    let service = HttpEPrescriptionService::new(esim_url, None, StdDuration::from_secs(30))
        .expect("e-prescription client");
    let audit = Arc::new(MemoryAuditTrail::new());
    let mut config = YConfig::new(ROOT, AUTHOR);
    config.eprescription_timeout = timeout;
    let y = EnvoiEnY::new(
        YParts {
            eprescription: Arc::new(service),
            renderer: Arc::new(CisisRenderer::new(segur_cda::samples::practitioner())),
            queue: queue.clone(),
            feeder,
            journal,
            audit: audit.clone(),
            clock,
        },
        config,
    )
    .with_worker(worker.clone());
    Process {
        y,
        queue,
        worker,
        audit,
    }
}

struct Harness {
    esim: EPrescriptionSimulator,
    dmp: Dmp,
    stores: Stores,
    manual: ManualClock,
    clock: SharedClock,
    timeout: StdDuration,
    p: Process,
}

impl Harness {
    async fn new(timeout: StdDuration) -> Self {
        let (manual, clock) = clock();
        let esim = EPrescriptionSimulator::start(clock.clone())
            .await
            .expect("e-prescription simulator");
        let dmp = Dmp::start().await;
        let stores = Stores::new();
        let p = process(
            &esim.base_url(),
            &dmp,
            stores.queue(),
            stores.journal(),
            clock.clone(),
            timeout,
        );
        Self {
            esim,
            dmp,
            stores,
            manual,
            clock,
            timeout,
            p,
        }
    }

    /// The process is killed and started again over the same files.
    fn restart(&mut self) {
        self.p = process(
            &self.esim.base_url(),
            &self.dmp,
            self.stores.queue(),
            self.stores.journal(),
            self.clock.clone(),
            self.timeout,
        );
    }
}

// ---------------------------------------------------------------------------
// Prescriptions

fn new_id() -> PrescriptionId {
    IdGenerator::new(IdTemplate::default())
        .generate(&IdContext::new(t0()))
        .expect("id")
}

fn nursing() -> Prescription {
    let mut acts = segur_cda::volets::samples::n1_prescription(N1PrescriptionKind::Nursing);
    acts.validity = Some((
        Ts::from_datetime(t0()),
        Ts::from_datetime(t0() + time::Duration::days(90)),
    ));
    Prescription {
        id: new_id(),
        prescriber: Rpps::parse("10003612545").expect("rpps"),
        patient: segur_cda::samples::patient().build().expect("patient"),
        patient_ref: "PAT-0001".into(),
        issued_at: t0(),
        content: PrescriptionContent::Acts(acts),
    }
}

fn health_products() -> Prescription {
    let (products, _) =
        segur_cda::volets::samples::prescription(Richness::Typical).expect("sample products");
    Prescription {
        content: PrescriptionContent::HealthProducts {
            products,
            context: PrescriptionContext::new(
                Ts::from_datetime(t0()),
                Ts::from_datetime(t0() + time::Duration::days(90)),
            ),
        },
        ..nursing()
    }
}

// ---------------------------------------------------------------------------
// Reading what the DMP received

/// The printed page of a document: the N1 body, or the N3 PDF copy.
fn printed_page(doc: &Document) -> String {
    let pdf = match doc.structured_body() {
        None => doc.non_xml_body().expect("N1 body").decode().into_owned(),
        Some(body) => {
            let section = PDF_COPY
                .find(&body.sections)
                .expect("FR-Document-PDF-copie");
            let copies: Vec<PdfCopy> = PDF_COPY
                .read_entries(section, &doc.namespaces)
                .expect("PDF copy");
            copies[0].pdf.to_vec()
        }
    };
    String::from_utf8_lossy(&pdf).into_owned()
}

/// The FR-Code-a-barres image of an N3, if any.
fn barcode(doc: &Document) -> Option<Image> {
    let body = doc.structured_body()?;
    let section = BARCODE.find(&body.sections)?;
    let images: Vec<Image> = BARCODE
        .read_entries(section, &doc.namespaces)
        .expect("barcode");
    images.into_iter().next()
}

/// Asserts the one document of the DMP is the prescription's, with the
/// code and the identifier exactly when `registered`, and returns it.
fn assert_one_dmp_document(h: &Harness, p: &Prescription, registered: bool) -> Document {
    let docs = h.dmp.documents();
    assert_eq!(docs.len(), 1, "exactly one document in the DMP");
    let doc = docs.into_iter().next().expect("one");
    let key = format!("{ROOT}^{}", p.id);
    assert_eq!(h.dmp.sim.registrations(&key), 1, "registered once");
    assert_eq!(
        doc.header.id.as_ref().and_then(|i| i.extension.as_deref()),
        Some(p.id.as_str())
    );
    assert!(doc.validate().is_valid(), "{:?}", doc.validate());
    let page = printed_page(&doc);
    assert_eq!(page.contains(" re\n"), registered, "2D code drawn");
    assert_eq!(
        page.contains(p.id.as_str()),
        registered,
        "identifier printed"
    );
    match &p.content {
        PrescriptionContent::HealthProducts { .. } => {
            assert!(doc.structured_body().is_some(), "N3 eP-MED-DM");
            assert!(ep::check(&doc).is_empty(), "{:?}", ep::check(&doc));
            let stated = ep::PrescriptionContext::from_header(&doc.header)
                .expect("context")
                .prescription_id;
            let entry = &h.dmp.entries()[0].entry;
            assert_eq!(entry.format_code.code, "urn:ihe:pharm:pre:2010");
            if registered {
                assert_eq!(
                    stated,
                    Some(segur_cda::datatypes::Ii::oid(
                        &PRESCRIPTION_ID_ROOT,
                        Some(p.id.to_string())
                    ))
                );
                // The FR-Code-a-barres image is the code, and reads back.
                let image = barcode(&doc).expect("FR-Code-a-barres");
                assert_eq!(image.media_type, "image/png");
                let decoded = decode_image(&image.data).expect("decoded with rxing");
                assert_eq!(decoded.payload().expect("payload").id(), &p.id);
            } else {
                assert_eq!(stated, None, "an unregistered identifier is not stated");
                assert!(barcode(&doc).is_none());
            }
        }
        _ => assert!(doc.non_xml_body().is_some(), "N1"),
    }
    doc
}

fn kinds(records: &[AuditRecord]) -> Vec<(String, Outcome)> {
    records
        .iter()
        .map(|r| (r.event.kind.to_string(), r.event.outcome))
        .collect()
}

fn detail<'a>(records: &'a [AuditRecord], kind: &str, key: &str) -> Option<&'a str> {
    records
        .iter()
        .find(|r| r.event.kind.as_str() == kind)
        .and_then(|r| r.event.details.get(key))
        .map(String::as_str)
}

/// Writes a produced document for the official validators
/// (`scripts/check.d/20-cda-schematron.sh`).
fn write_out(doc: &Document, name: &str) {
    let key = if doc.level() == segur_cda::Level::N3 {
        ep::VOLET_KEY
    } else {
        segur_cda::test_output::N1
    };
    segur_cda::test_output::write(key, &format!("carte-vitale-{name}"), &doc.to_xml())
        .expect("test output");
}

// ---------------------------------------------------------------------------
// Branches

async fn success(p: Prescription, name: &str) {
    let h = Harness::new(StdDuration::from_secs(5)).await;
    let out = h.p.y.send(&p).await.expect("sent");
    assert!(out.is_complete());
    assert!(!out.replayed);
    assert!(matches!(
        out.eprescription,
        EPrescriptionLeg::Registered {
            already_registered: false,
            ..
        }
    ));
    assert_eq!(h.esim.registered(), std::slice::from_ref(&p.id));
    // The printed code carries the identifier, and reads back.
    let code = out.code.as_ref().expect("code printed");
    let decoded = decode_image(&code.symbol().to_png(4).expect("png")).expect("decoded");
    assert_eq!(decoded.payload().expect("payload").id(), &p.id);
    // The DMP leg: queued with the code, sent by the worker, in the DMP.
    assert!(out.dmp.with_code);
    assert_eq!(out.dmp.status, OrderStatus::Sent);
    assert_eq!(out.dmp.key, format!("{ROOT}^{}", p.id));
    assert!(out.dmp.receipt.is_some(), "the DMP's receipt");
    let doc = assert_one_dmp_document(&h, &p, true);
    assert_eq!(doc, out.document);
    // The submission to the e-prescription service states the identifier
    // but carries no printed code.
    write_out(&doc, &format!("{name}-registered"));
    // segur-dmp's history knows it as sent.
    assert_eq!(
        h.dmp
            .history
            .get(&out.dmp.key, Direction::Sent)
            .expect("history")
            .expect("record")
            .status,
        HistoryStatus::Sent
    );
    // Traced.
    let records = h.p.audit.records();
    assert_eq!(
        kinds(&records),
        [
            ("ordn.y.start".into(), Outcome::Success),
            ("ordn.eprescription.submit".into(), Outcome::Success),
            ("ordn.dmp.enqueue".into(), Outcome::Success),
            ("ordn.dmp.send".into(), Outcome::Success),
            ("ordn.y.complete".into(), Outcome::Success),
        ]
    );
    assert_eq!(
        detail(&records, "ordn.dmp.enqueue", "with_code"),
        Some("true")
    );
    assert_eq!(detail(&records, "ordn.dmp.send", "status"), Some("sent"));
    assert_eq!(detail(&records, "ordn.y.complete", "mode"), Some("full"));
    assert!(
        records
            .iter()
            .all(|r| r.event.request_id.as_deref() == Some(p.id.as_str())
                && r.event.patient_ref.as_deref() == Some("PAT-0001"))
    );
}

#[tokio::test]
async fn success_n1_both_legs_with_code() {
    success(nursing(), "presc-inf").await;
}

#[tokio::test]
async fn success_n3_both_legs_with_identifier_and_code() {
    success(health_products(), "ep-med-dm").await;
}

/// A degraded branch: the DMP still receives the document, without the
/// code (CONF.05), for an N1 and for an N3 prescription.
async fn degraded(
    behaviour: Option<SimBehaviour>,
    timeout: StdDuration,
    p: Prescription,
) -> (Harness, Prescription, YOutcome) {
    let h = Harness::new(timeout).await;
    if let Some(b) = behaviour {
        h.esim.script([b]);
    }
    let out = h.p.y.send(&p).await.expect("sent in degraded mode");
    check_degraded(&h, &p, &out);
    (h, p, out)
}

fn check_degraded(h: &Harness, p: &Prescription, out: &YOutcome) {
    assert!(!out.is_complete());
    assert!(out.code.is_none());
    assert!(!out.dmp.with_code);
    assert_eq!(out.dmp.status, OrderStatus::Sent);
    let doc = assert_one_dmp_document(h, p, false);
    assert_eq!(doc, out.document);
    let records = h.p.audit.records();
    assert_eq!(
        kinds(&records),
        [
            ("ordn.y.start".into(), Outcome::Success),
            ("ordn.eprescription.submit".into(), Outcome::Failure),
            ("ordn.dmp.enqueue".into(), Outcome::Success),
            ("ordn.dmp.send".into(), Outcome::Success),
            ("ordn.y.complete".into(), Outcome::Failure),
        ]
    );
    assert_eq!(
        detail(&records, "ordn.dmp.enqueue", "with_code"),
        Some("false")
    );
    assert_eq!(
        detail(&records, "ordn.y.complete", "mode"),
        Some("degraded")
    );
}

#[tokio::test]
async fn timeout_sends_to_the_dmp_without_code_then_reconciles() {
    for (p, name) in [(nursing(), "presc-inf"), (health_products(), "ep-med-dm")] {
        let (h, p, out) = degraded(
            Some(SimBehaviour::Delay(StdDuration::from_millis(800))),
            StdDuration::from_millis(150),
            p,
        )
        .await;
        write_out(&out.document, &format!("{name}-degraded"));
        assert_eq!(
            out.eprescription,
            EPrescriptionLeg::TimedOut { after_ms: 150 }
        );
        assert_eq!(
            detail(&h.p.audit.records(), "ordn.eprescription.submit", "outcome"),
            Some("timeout")
        );
        // The slow service registered it late: reconcile tells the host.
        tokio::time::sleep(StdDuration::from_millis(1200)).await;
        assert!(h.p.y.reconcile(&p).await.expect("status"));
        // The decision stays: a retry does not produce a second document.
        let again = h.p.y.send(&p).await.expect("replayed");
        assert!(again.replayed);
        assert!(again.code.is_none());
        assert_one_dmp_document(&h, &p, false);
    }
}

#[tokio::test]
async fn server_error_sends_to_the_dmp_without_code() {
    for p in [nursing(), health_products()] {
        let (h, _p, out) =
            degraded(Some(SimBehaviour::Fail(503)), StdDuration::from_secs(5), p).await;
        assert!(
            matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "unavailable")
        );
        assert_eq!(
            detail(&h.p.audit.records(), "ordn.eprescription.submit", "outcome"),
            Some("unavailable")
        );
        assert!(h.esim.registered().is_empty());
    }
}

#[tokio::test]
async fn refusal_sends_to_the_dmp_without_code() {
    for p in [nursing(), health_products()] {
        let (h, _p, out) = degraded(
            Some(SimBehaviour::Reject {
                code: "PRESCRIPTEUR_INCONNU".into(),
                message: "prescripteur inconnu".into(),
            }),
            StdDuration::from_secs(5),
            p,
        )
        .await;
        assert!(
            matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, reason }
            if kind == "rejected" && reason.contains("PRESCRIPTEUR_INCONNU"))
        );
        assert!(
            detail(&h.p.audit.records(), "ordn.eprescription.submit", "reason")
                .is_some_and(|r| r.contains("PRESCRIPTEUR_INCONNU"))
        );
    }
}

#[tokio::test]
async fn unreachable_service_sends_to_the_dmp_without_code() {
    for p in [nursing(), health_products()] {
        let mut h = Harness::new(StdDuration::from_secs(5)).await;
        // A port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        h.p = process(
            &format!("http://127.0.0.1:{port}/"),
            &h.dmp,
            h.stores.queue(),
            h.stores.journal(),
            h.clock.clone(),
            h.timeout,
        );
        let out = h.p.y.send(&p).await.expect("sent");
        assert!(
            matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "unavailable")
        );
        check_degraded(&h, &p, &out);
    }
}

// ---------------------------------------------------------------------------
// Retries and restarts

#[tokio::test]
async fn retries_never_duplicate() {
    let mut h = Harness::new(StdDuration::from_secs(5)).await;
    let p = health_products();
    let first = h.p.y.send(&p).await.expect("first");
    let second = h.p.y.send(&p).await.expect("second");
    assert!(second.replayed);
    assert_eq!(second.code, first.code);
    assert_eq!(second.document, first.document);
    assert_eq!(second.dmp.order_id, first.dmp.order_id);
    assert_eq!(second.dmp.status, OrderStatus::Sent);
    assert_eq!(
        h.esim
            .exchanges()
            .iter()
            .filter(|e| e.method == "PUT")
            .count(),
        1
    );
    assert_eq!(h.p.queue.list(&[]).expect("list").len(), 1);
    assert_one_dmp_document(&h, &p, true);
    assert_eq!(
        h.p.audit.records().last().map(|r| r.event.kind.to_string()),
        Some("ordn.y.replay".into())
    );

    // Restarted over the same files: still one document.
    h.restart();
    let third = h.p.y.send(&p).await.expect("after restart");
    assert!(third.replayed);
    assert_eq!(third.document, first.document);
    assert_one_dmp_document(&h, &p, true);

    // The journal is lost (another workstation): the service's idempotency
    // and the queue's key still prevent any duplicate.
    h.p = process(
        &h.esim.base_url(),
        &h.dmp,
        h.stores.queue(),
        Arc::new(MemoryYJournal::default()),
        h.clock.clone(),
        h.timeout,
    );
    let fourth = h.p.y.send(&p).await.expect("amnesic");
    assert!(matches!(
        fourth.eprescription,
        EPrescriptionLeg::Registered {
            already_registered: true,
            ..
        }
    ));
    assert_eq!(fourth.dmp.order_id, first.dmp.order_id);
    assert_eq!(h.esim.registered().len(), 1);
    assert_eq!(h.p.queue.list(&[]).expect("list").len(), 1);
    assert_one_dmp_document(&h, &p, true);
    assert_eq!(
        h.esim
            .exchanges()
            .iter()
            .filter(|e| e.method == "PUT")
            .map(|e| e.status)
            .collect::<Vec<_>>(),
        [201, 200]
    );
    assert!(
        h.esim
            .exchanges()
            .iter()
            .all(|e| e.method != "PUT" || e.idempotency_key.as_deref() == Some(p.id.as_str()))
    );
}

#[tokio::test]
async fn dmp_down_then_a_restart_sends_once() {
    let mut h = Harness::new(StdDuration::from_secs(5)).await;
    let p = nursing();
    h.dmp.sim.inject(FaultRule::always(Fault::Outage));
    let out = h.p.y.send(&p).await.expect("queued");
    assert!(out.is_complete(), "the e-prescription leg is done");
    assert_eq!(out.dmp.status, OrderStatus::Pending);
    assert!(
        out.dmp
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503"))
    );
    assert_eq!(
        detail(&h.p.audit.records(), "ordn.dmp.send", "status"),
        Some("pending")
    );
    assert!(h.dmp.documents().is_empty());
    // The process stops; the DMP comes back; the next process's worker
    // sends the queued document (with its code) once.
    h.dmp.sim.clear_faults();
    h.restart();
    h.manual.advance(time::Duration::minutes(5));
    let report = h.p.worker.pass().await.expect("pass");
    assert_eq!(report.sent, std::slice::from_ref(&out.dmp.key));
    let doc = assert_one_dmp_document(&h, &p, true);
    assert_eq!(doc, out.document);
    // A send of the prescription after that replays, nothing new.
    let again = h.p.y.send(&p).await.expect("replay");
    assert!(again.replayed);
    assert_eq!(again.dmp.status, OrderStatus::Sent);
    assert_one_dmp_document(&h, &p, true);
    assert_eq!(h.esim.registered().len(), 1);
}

#[tokio::test]
async fn lost_dmp_response_is_checked_not_resent() {
    let mut h = Harness::new(StdDuration::from_secs(5)).await;
    let p = health_products();
    // The DMP commits the submission, the answer is lost.
    h.dmp.sim.inject(FaultRule::next(
        ITI41_ACTION,
        Fault::LostResponseAfterCommit,
        1,
    ));
    let out = h.p.y.send(&p).await.expect("sent");
    assert_eq!(out.dmp.status, OrderStatus::Pending);
    let order =
        h.p.queue
            .by_key(&out.dmp.key)
            .expect("queue")
            .expect("order");
    assert!(
        order.needs_check,
        "outcome unknown: checked before resending"
    );
    assert_eq!(h.dmp.sim.registrations(&out.dmp.key), 1);
    // Restart; the worker asks the DMP, finds it, does not send again.
    h.restart();
    h.manual.advance(time::Duration::minutes(5));
    let report = h.p.worker.pass().await.expect("pass");
    assert_eq!(report.reconciled, std::slice::from_ref(&out.dmp.key));
    assert_one_dmp_document(&h, &p, true);
}

#[tokio::test]
async fn crash_after_the_decision_resumes_without_resubmitting() {
    let mut h = Harness::new(StdDuration::from_secs(5)).await;
    let p = nursing();
    // The process died after recording "registered", before enqueueing.
    h.stores
        .journal()
        .put(&YRecord {
            id: p.id.clone(),
            eprescription: Some(EPrescriptionLeg::Registered {
                receipt: "SIM-ORDN-000042".into(),
                already_registered: false,
            }),
            dmp_key: None,
            updated_at: t0(),
        })
        .expect("journal");
    h.restart();
    let out = h.p.y.send(&p).await.expect("resumed");
    assert!(!out.replayed);
    assert!(out.dmp.with_code);
    assert!(h.esim.exchanges().is_empty(), "no second submission");
    assert_one_dmp_document(&h, &p, true);
    assert_eq!(
        h.stores
            .journal()
            .get(&p.id)
            .expect("get")
            .expect("record")
            .dmp_key,
        Some(out.dmp.key.clone())
    );
    // No "start": the send resumed an earlier one.
    assert_eq!(
        h.p.audit.records()[0].event.kind.as_str(),
        "ordn.dmp.enqueue"
    );
}

#[tokio::test]
async fn opposition_to_feeding_refuses_the_dmp_leg_traced() {
    let h = Harness::new(StdDuration::from_secs(5)).await;
    h.dmp
        .consent
        .set(
            &h.dmp.patient,
            ConsentRecord {
                informed: true,
                opposed_to_feeding: true,
                ..ConsentRecord::default()
            },
            AUTHOR,
            time::OffsetDateTime::now_utc(),
        )
        .expect("consent");
    let p = nursing();
    let err = h.p.y.send(&p).await.expect_err("refused");
    assert!(matches!(err, segur_carte_vitale::Error::Dmp(_)), "{err:?}");
    assert!(err.to_string().contains("oppos"), "{err}");
    assert!(h.dmp.documents().is_empty());
    assert!(h.p.queue.list(&[]).expect("list").is_empty());
    let records = h.p.audit.records();
    assert_eq!(
        kinds(&records).last(),
        Some(&("ordn.dmp.enqueue".to_owned(), Outcome::Failure))
    );
    assert!(detail(&records, "ordn.dmp.enqueue", "reason").is_some_and(|r| r.contains("oppos")));
    // The e-prescription decision is kept: no second submission later.
    assert_eq!(h.esim.registered().len(), 1);
}

#[tokio::test]
async fn sqlite_journal_survives_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("y.db");
    let p = nursing();
    {
        let j = SqliteYJournal::open(&path).expect("open");
        j.put(&YRecord {
            id: p.id.clone(),
            eprescription: Some(EPrescriptionLeg::TimedOut { after_ms: 10_000 }),
            dmp_key: Some("k".into()),
            updated_at: t0(),
        })
        .expect("put");
    }
    let j = SqliteYJournal::open(&path).expect("reopen");
    let r = j.get(&p.id).expect("get").expect("record");
    assert_eq!(
        r.eprescription,
        Some(EPrescriptionLeg::TimedOut { after_ms: 10_000 })
    );
    assert!(
        j.get(&PrescriptionId::parse("OTHER").expect("id"))
            .expect("get")
            .is_none()
    );
}

#[tokio::test]
async fn conflicting_content_goes_to_the_dmp_without_code() {
    let h = Harness::new(StdDuration::from_secs(5)).await;
    let p = nursing();
    h.p.y.send(&p).await.expect("sent");
    // Another prescription reusing the identifier with another content (a
    // second workstation with its own stores): the service refuses it
    // (409), the DMP leg goes on without code — under the same document id,
    // so the DMP keeps the first one (duplicate uniqueId, nothing twice).
    let mut other = p.clone();
    if let PrescriptionContent::Acts(acts) = &mut other.content {
        acts.comment = Some("Autre contenu".into());
    }
    let stores = Stores::new();
    let second = process(
        &h.esim.base_url(),
        &h.dmp,
        stores.queue(),
        stores.journal(),
        h.clock.clone(),
        StdDuration::from_secs(5),
    );
    let out = second.y.send(&other).await.expect("sent");
    assert!(
        matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "conflict")
    );
    assert_eq!(h.dmp.documents().len(), 1);
    assert_eq!(h.dmp.sim.registrations(&out.dmp.key), 1);
}

#[tokio::test]
async fn renderers_refuse_the_other_level() {
    let practitioner = segur_cda::samples::practitioner();
    let id = segur_cda::datatypes::Ii::oid(&ROOT, Some("X".to_owned()));
    let request = |p: &Prescription| -> Result<Document, segur_carte_vitale::RenderError> {
        let r = RenderRequest {
            prescription: p,
            document_id: &id,
            set_id: &id,
            state_identifier: true,
            code: None,
        };
        match p.content {
            PrescriptionContent::Acts(_) => N3Renderer::new(practitioner.clone()).render(&r),
            _ => N1Renderer::new(practitioner.clone()).render(&r),
        }
    };
    for p in [nursing(), health_products()] {
        assert!(matches!(
            request(&p),
            Err(segur_carte_vitale::RenderError::Unsupported(_))
        ));
    }
    // An eP-MED-DM without any product is refused by segur-cda's builder.
    let mut empty = health_products();
    if let PrescriptionContent::HealthProducts { products, .. } = &mut empty.content {
        products.medications.clear();
        products.devices.clear();
    }
    let r = RenderRequest {
        prescription: &empty,
        document_id: &id,
        set_id: &id,
        state_identifier: true,
        code: None,
    };
    assert!(matches!(
        CisisRenderer::new(practitioner.clone()).render(&r),
        Err(segur_carte_vitale::RenderError::Cda(m)) if m.contains("at least one")
    ));
}

#[tokio::test]
async fn every_kind_renders_valid_documents_for_the_validators() {
    let renderer = CisisRenderer::new(segur_cda::samples::practitioner());
    let code = PrintedCode::new(
        CodePayload::new(new_id()),
        PayloadFormat::Identifier,
        Symbology::DataMatrix,
    )
    .expect("code");
    for kind in PrescriptionKind::ALL {
        let mut p = match kind.n1_kind() {
            None => health_products(),
            Some(k) => {
                let mut p = nursing();
                let mut acts = segur_cda::volets::samples::n1_prescription(k);
                acts.validity = None;
                p.content = PrescriptionContent::Acts(acts);
                p
            }
        };
        p.id = code.payload().id().clone();
        assert_eq!(p.kind().expect("kind"), kind);
        let id = segur_cda::datatypes::Ii::oid(&ROOT, Some(p.id.to_string()));
        let set = segur_cda::datatypes::Ii::oid(&ROOT, Some(format!("{}-SET", p.id)));
        let request = RenderRequest {
            prescription: &p,
            document_id: &id,
            set_id: &set,
            state_identifier: true,
            code: Some(&code),
        };
        let doc = renderer.render(&request).expect("rendered");
        // Deterministic: a retried rendering is the same document.
        assert_eq!(renderer.render(&request).expect("again"), doc);
        assert!(doc.validate().is_valid(), "{kind:?}: {:?}", doc.validate());
        assert_eq!(doc.level(), kind.level());
        if let Some(k) = kind.n1_kind() {
            assert_eq!(
                segur_cda::volets::n1_prescription::kind_of(&doc),
                Some(k),
                "{kind:?}"
            );
        }
        write_out(&doc, &format!("{}-datamatrix", kind.code()));
    }
}
