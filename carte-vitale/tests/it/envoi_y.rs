//! Every branch of the "envoi en Y", against the e-prescription simulator
//! (over HTTP) and segur-dmp's SQLite send queue drained by a recording
//! implementation of segur-dmp's `OrderSender` (the DMP simulator has not
//! landed on main yet).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use segur_carte_vitale::envoi_y::*;
use segur_carte_vitale::eprescription::HttpEPrescriptionService;
use segur_carte_vitale::ordonnance::*;
use segur_carte_vitale::sim::{EPrescriptionSimulator, SimBehaviour};
use segur_cda::Document;
use segur_dmp::queue::{
    Backoff, Order, OrderSender, OrderStatus, QueueStore, SendOutcome, SqliteQueue,
};
use segur_ids::{Rpps, oid};
use segur_ssi::audit::{AuditRecord, MemoryAuditTrail, Outcome};

use crate::{clock, t0};

/// Records what reaches the "DMP".
#[derive(Debug, Default)]
struct RecordingDmp {
    sent: Mutex<Vec<(String, Vec<u8>)>>,
    checks: AtomicUsize,
}

impl RecordingDmp {
    fn sent(&self) -> Vec<(String, Vec<u8>)> {
        self.sent.lock().expect("lock").clone()
    }
}

impl OrderSender for RecordingDmp {
    fn send<'a>(&'a self, order: &'a Order) -> segur_dmp::BoxFuture<'a, SendOutcome> {
        let mut sent = self.sent.lock().expect("lock");
        sent.push((order.key.clone(), order.payload.clone()));
        let receipt = format!("urn:uuid:dmp-{}", sent.len());
        Box::pin(async move {
            SendOutcome::Sent {
                receipt: Some(receipt),
            }
        })
    }

    fn is_present<'a>(
        &'a self,
        order: &'a Order,
    ) -> segur_dmp::BoxFuture<'a, Result<Option<String>, SendOutcome>> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        let present = self.sent().iter().any(|(k, _)| *k == order.key);
        Box::pin(async move { Ok(present.then(|| "urn:uuid:dmp-present".to_owned())) })
    }
}

struct Harness {
    sim: EPrescriptionSimulator,
    y: EnvoiEnY,
    queue: Arc<SqliteQueue>,
    audit: Arc<MemoryAuditTrail>,
    journal: Arc<MemoryYJournal>,
    dmp: Arc<RecordingDmp>,
}

const ROOT: segur_ids::Oid = oid!("1.2.250.1.999.1.1.7");

async fn harness(timeout: StdDuration) -> Harness {
    let (_manual, shared) = clock();
    let sim = EPrescriptionSimulator::start(shared.clone())
        .await
        .expect("sim");
    let queue = Arc::new(
        SqliteQueue::new(rusqlite::Connection::open_in_memory().expect("db")).expect("queue"),
    );
    let audit = Arc::new(MemoryAuditTrail::new());
    let journal = Arc::new(MemoryYJournal::default());
    let dmp = Arc::new(RecordingDmp::default());
    let y = build(
        &sim,
        queue.clone(),
        journal.clone(),
        audit.clone(),
        shared,
        timeout,
    )
    .with_dmp_sender(dmp.clone(), Backoff::default());
    Harness {
        sim,
        y,
        queue,
        audit,
        journal,
        dmp,
    }
}

fn build(
    sim: &EPrescriptionSimulator,
    queue: Arc<SqliteQueue>,
    journal: Arc<dyn YJournal>,
    audit: Arc<MemoryAuditTrail>,
    clock: segur_psc::SharedClock,
    timeout: StdDuration,
) -> EnvoiEnY {
    let service = HttpEPrescriptionService::new(&sim.base_url(), None, StdDuration::from_secs(30))
        .expect("client");
    let mut config = YConfig::new(ROOT, "810003612545");
    config.eprescription_timeout = timeout;
    EnvoiEnY::new(
        YParts {
            eprescription: Arc::new(service),
            renderer: Arc::new(N1Renderer::new(segur_cda::samples::practitioner())),
            queue,
            journal,
            audit,
            clock,
        },
        config,
    )
}

fn prescription() -> Prescription {
    let id = IdGenerator::new(IdTemplate::default())
        .generate(&IdContext::new(t0()))
        .expect("id");
    Prescription {
        id,
        kind: PrescriptionKind::SoinsInfirmiers,
        prescriber: Rpps::parse("10003612545").expect("rpps"),
        patient: segur_cda::samples::patient().build().expect("patient"),
        patient_ref: "PAT-0001".into(),
        issued_at: t0(),
        lines: vec![
            "Soins infirmiers à domicile : pansement simple".into(),
            "1 fois par jour pendant 10 jours".into(),
        ],
    }
}

fn pdf(doc: &Document) -> String {
    String::from_utf8_lossy(&doc.non_xml_body().expect("N1").decode()).into_owned()
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

#[tokio::test]
async fn success_both_legs_with_code() {
    let h = harness(StdDuration::from_secs(5)).await;
    let p = prescription();
    let out = h.y.send(&p).await.expect("sent");
    assert!(out.is_complete());
    assert!(!out.replayed);
    assert!(matches!(
        out.eprescription,
        EPrescriptionLeg::Registered {
            already_registered: false,
            ..
        }
    ));
    assert_eq!(h.sim.registered(), std::slice::from_ref(&p.id));
    // The printed code carries the identifier, and reads back.
    let code = out.code.as_ref().expect("code printed");
    let decoded = decode_image(&code.symbol().to_png(4).expect("png")).expect("decoded");
    assert_eq!(decoded.payload().expect("payload").id(), &p.id);
    // The DMP document: valid, its id derived from the prescription id, the
    // code drawn in its PDF.
    assert!(out.document.validate().is_valid());
    let id = out.document.header.id.as_ref().expect("id");
    assert_eq!(id.extension.as_deref(), Some(p.id.as_str()));
    let text = pdf(&out.document);
    assert!(text.contains(" re\n") && text.contains(p.id.as_str()));
    // The DMP leg: queued with the code and sent.
    assert!(out.dmp.with_code);
    assert_eq!(out.dmp.status, OrderStatus::Sent);
    assert_eq!(out.dmp.key, format!("{ROOT}^{}", p.id));
    let sent = h.dmp.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, out.document.to_xml());
    // Traced.
    let records = h.audit.records();
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
    assert_eq!(detail(&records, "ordn.y.complete", "mode"), Some("full"));
    assert!(
        records
            .iter()
            .all(|r| r.event.request_id.as_deref() == Some(p.id.as_str())
                && r.event.patient_ref.as_deref() == Some("PAT-0001"))
    );
}

async fn degraded(
    behaviour: Option<SimBehaviour>,
    timeout: StdDuration,
) -> (Harness, Prescription, YOutcome) {
    let h = harness(timeout).await;
    if let Some(b) = behaviour {
        h.sim.script([b]);
    }
    let p = prescription();
    let out = h.y.send(&p).await.expect("sent in degraded mode");
    // CONF.05: the DMP still receives the document, without the code.
    assert!(!out.is_complete());
    assert!(out.code.is_none());
    assert!(!out.dmp.with_code);
    assert_eq!(out.dmp.status, OrderStatus::Sent);
    assert!(out.document.validate().is_valid());
    let text = pdf(&out.document);
    assert!(!text.contains(" re\n"), "no 2D code drawn");
    assert!(!text.contains(p.id.as_str()), "no identifier printed");
    assert_eq!(h.dmp.sent().len(), 1);
    let records = h.audit.records();
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
    (h, p, out)
}

#[tokio::test]
async fn timeout_sends_to_the_dmp_without_code_then_reconciles() {
    let (h, p, out) = degraded(
        Some(SimBehaviour::Delay(StdDuration::from_millis(800))),
        StdDuration::from_millis(150),
    )
    .await;
    assert_eq!(
        out.eprescription,
        EPrescriptionLeg::TimedOut { after_ms: 150 }
    );
    assert_eq!(
        detail(&h.audit.records(), "ordn.eprescription.submit", "outcome"),
        Some("timeout")
    );
    // The slow service registered it late: reconcile tells the host.
    tokio::time::sleep(StdDuration::from_millis(1200)).await;
    assert!(h.y.reconcile(&p).await.expect("status"));
    // The decision stays: a retry does not produce a second document.
    let again = h.y.send(&p).await.expect("replayed");
    assert!(again.replayed);
    assert!(again.code.is_none());
    assert_eq!(h.dmp.sent().len(), 1);
}

#[tokio::test]
async fn server_error_sends_to_the_dmp_without_code() {
    let (h, _p, out) = degraded(Some(SimBehaviour::Fail(503)), StdDuration::from_secs(5)).await;
    assert!(
        matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "unavailable")
    );
    assert_eq!(
        detail(&h.audit.records(), "ordn.eprescription.submit", "outcome"),
        Some("unavailable")
    );
    assert!(h.sim.registered().is_empty());
}

#[tokio::test]
async fn refusal_sends_to_the_dmp_without_code() {
    let (h, _p, out) = degraded(
        Some(SimBehaviour::Reject {
            code: "PRESCRIPTEUR_INCONNU".into(),
            message: "prescripteur inconnu".into(),
        }),
        StdDuration::from_secs(5),
    )
    .await;
    assert!(
        matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, reason }
        if kind == "rejected" && reason.contains("PRESCRIPTEUR_INCONNU"))
    );
    assert!(
        detail(&h.audit.records(), "ordn.eprescription.submit", "reason")
            .is_some_and(|r| r.contains("PRESCRIPTEUR_INCONNU"))
    );
}

#[tokio::test]
async fn unreachable_service_sends_to_the_dmp_without_code() {
    let (_manual, shared) = clock();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let service = HttpEPrescriptionService::new(
        &format!("http://127.0.0.1:{port}/"),
        None,
        StdDuration::from_secs(2),
    )
    .expect("client");
    let queue = Arc::new(
        SqliteQueue::new(rusqlite::Connection::open_in_memory().expect("db")).expect("queue"),
    );
    let audit = Arc::new(MemoryAuditTrail::new());
    let y = EnvoiEnY::new(
        YParts {
            eprescription: Arc::new(service),
            renderer: Arc::new(N1Renderer::new(segur_cda::samples::practitioner())),
            queue: queue.clone(),
            journal: Arc::new(MemoryYJournal::default()),
            audit: audit.clone(),
            clock: shared,
        },
        YConfig::new(ROOT, "810003612545"),
    );
    let p = prescription();
    let out = y.send(&p).await.expect("sent");
    assert!(
        matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "unavailable")
    );
    // No sender configured: the document waits in the queue for the drainer.
    assert_eq!(out.dmp.status, OrderStatus::Pending);
    assert!(!out.dmp.with_code);
    let queued = queue.by_key(&out.dmp.key).expect("get").expect("queued");
    assert_eq!(queued.payload, out.document.to_xml());
    assert_eq!(
        detail(&audit.records(), "ordn.y.complete", "mode"),
        Some("degraded")
    );
}

#[tokio::test]
async fn retries_never_duplicate() {
    let h = harness(StdDuration::from_secs(5)).await;
    let p = prescription();
    let first = h.y.send(&p).await.expect("first");
    let second = h.y.send(&p).await.expect("second");
    assert!(second.replayed);
    assert_eq!(second.code, first.code);
    assert_eq!(second.document, first.document);
    assert_eq!(second.dmp.order_id, first.dmp.order_id);
    assert_eq!(
        h.sim
            .exchanges()
            .iter()
            .filter(|e| e.method == "PUT")
            .count(),
        1
    );
    assert_eq!(h.queue.list(&[]).expect("list").len(), 1);
    assert_eq!(h.dmp.sent().len(), 1);
    assert_eq!(
        h.audit.records().last().map(|r| r.event.kind.to_string()),
        Some("ordn.y.replay".into())
    );

    // The journal is lost (e.g. another workstation): the service's
    // idempotency and the queue's key still prevent any duplicate.
    let (_m, shared) = clock();
    let amnesic = build(
        &h.sim,
        h.queue.clone(),
        Arc::new(MemoryYJournal::default()),
        h.audit.clone(),
        shared,
        StdDuration::from_secs(5),
    );
    let third = amnesic.send(&p).await.expect("third");
    assert!(matches!(
        third.eprescription,
        EPrescriptionLeg::Registered {
            already_registered: true,
            ..
        }
    ));
    assert_eq!(third.dmp.order_id, first.dmp.order_id);
    assert_eq!(h.sim.registered().len(), 1);
    assert_eq!(h.queue.list(&[]).expect("list").len(), 1);
    assert_eq!(h.dmp.sent().len(), 1);
    assert_eq!(
        h.sim
            .exchanges()
            .iter()
            .filter(|e| e.method == "PUT")
            .map(|e| e.status)
            .collect::<Vec<_>>(),
        [201, 200]
    );
    assert!(
        h.sim
            .exchanges()
            .iter()
            .all(|e| e.method != "PUT" || e.idempotency_key.as_deref() == Some(p.id.as_str()))
    );
}

#[tokio::test]
async fn crash_after_the_decision_resumes_without_resubmitting() {
    let h = harness(StdDuration::from_secs(5)).await;
    let p = prescription();
    // The process died after recording "registered", before enqueueing.
    h.journal
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
    let out = h.y.send(&p).await.expect("resumed");
    assert!(!out.replayed);
    assert!(out.dmp.with_code);
    assert!(h.sim.exchanges().is_empty(), "no second submission");
    assert_eq!(h.dmp.sent().len(), 1);
    assert_eq!(
        h.journal.get(&p.id).expect("get").expect("record").dmp_key,
        Some(out.dmp.key.clone())
    );
    // No "start": the send resumed an earlier one.
    assert_eq!(h.audit.records()[0].event.kind.as_str(), "ordn.dmp.enqueue");
}

#[tokio::test]
async fn sqlite_journal_survives_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("y.db");
    let p = prescription();
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
async fn conflicting_content_and_health_products() {
    let h = harness(StdDuration::from_secs(5)).await;
    let p = prescription();
    h.y.send(&p).await.expect("sent");
    // Another prescription reusing the identifier with another content: the
    // service refuses it (409), the DMP leg goes on without code.
    let mut other = p.clone();
    other.lines = vec!["Autre contenu".into()];
    other.patient_ref = "PAT-0002".into();
    let fresh = {
        let (_m, shared) = clock();
        let queue = Arc::new(
            SqliteQueue::new(rusqlite::Connection::open_in_memory().expect("db")).expect("queue"),
        );
        build(
            &h.sim,
            queue,
            Arc::new(MemoryYJournal::default()),
            h.audit.clone(),
            shared,
            StdDuration::from_secs(5),
        )
    };
    let out = fresh.send(&other).await.expect("sent");
    assert!(
        matches!(&out.eprescription, EPrescriptionLeg::Failed { kind, .. } if kind == "conflict")
    );
    // Health products need the N3 eP-MED-DM renderer: N1Renderer refuses.
    let mut drugs = prescription();
    drugs.kind = PrescriptionKind::ProduitsDeSante;
    assert!(matches!(
        h.y.send(&drugs).await,
        Err(segur_carte_vitale::Error::Render(
            segur_carte_vitale::RenderError::Unsupported(_)
        ))
    ));
    assert!(!h.sim.registered().contains(&drugs.id));
}
