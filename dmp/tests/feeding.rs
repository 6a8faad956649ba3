//! Systematic feeding wired end to end: the feeder queues Ségur-perimeter
//! documents, the worker drains the SQLite queue through the DMP client;
//! outages, lost responses, SOAP faults and timeouts injected in the
//! simulator; exactly once towards the DMP; reasons reported.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use segur_dmp::consent::{ConsentRecord, ConsentStore};
use segur_dmp::feed::Feed;
use segur_dmp::feeding::{
    DmpOrderSender, FeedDecision, FeedWorker, Feeder, SegurPerimeter, decode_payload,
    encode_payload,
};
use segur_dmp::history::{Direction, DocumentHistory, HistoryStatus};
use segur_dmp::queue::{Backoff, OrderStatus, QueueStore, SqliteQueue};
use segur_dmp::sim::{Fault, FaultRule};
use segur_dmp::soap::SoapFault;
use segur_dmp::vihf::AuthenticationMode;
use segur_dmp::xds::ITI41_ACTION;
use segur_psc::ManualClock;
use time::macros::datetime;

struct Setup {
    e: Env,
    queue: Arc<SqliteQueue>,
    feeder: Arc<Feeder>,
    worker: FeedWorker,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

fn setup_with(e: Env, client: segur_dmp::client::DmpClient) -> Setup {
    let dir = tempfile::tempdir().expect("dir");
    let queue = Arc::new(SqliteQueue::open(dir.path().join("queue.db")).expect("queue"));
    let clock = ManualClock::new(datetime!(2025-03-01 08:00 UTC));
    let feeder = Arc::new(Feeder::new(
        queue.clone(),
        e.local.consent.clone(),
        e.local.audit.clone(),
        e.local.history.clone(),
        SegurPerimeter::default(),
        Arc::new(clock.clone()),
    ));
    let worker = FeedWorker::new(
        queue.clone(),
        Arc::new(DmpOrderSender::new(client)),
        Arc::new(clock.clone()),
        Backoff::default(),
    )
    .with_feeder(feeder.clone());
    Setup {
        e,
        queue,
        feeder,
        worker,
        clock,
        _dir: dir,
    }
}

async fn setup() -> Setup {
    let e = env().await;
    let c = e.client.clone();
    setup_with(e, c)
}

fn uid(n: u64) -> String {
    format!("1.2.250.1.999.1.1^TDOC-{}", n * 100)
}

#[tokio::test]
async fn perimeter_hold_outage_lost_response_and_faults() {
    let s = setup().await;
    // In the perimeter: queued. Held back: held.
    let d = s
        .feeder
        .document_produced(Feed::document(n1_doc(1).to_xml()), false)
        .expect("produced");
    assert!(
        matches!(d, FeedDecision::Queued { ref order } if order.status == OrderStatus::Pending)
    );
    let d = s
        .feeder
        .document_produced(Feed::document(n1_doc(2).to_xml()), true)
        .expect("produced");
    assert!(matches!(d, FeedDecision::Queued { ref order } if order.status == OrderStatus::Held));
    // Queueing twice is idempotent.
    s.feeder
        .document_produced(Feed::document(n1_doc(1).to_xml()), false)
        .expect("again");
    assert_eq!(s.queue.list(&[]).expect("list").len(), 2);
    // Outside the perimeter: not queued.
    let narrow = Feeder::new(
        s.queue.clone(),
        s.e.local.consent.clone(),
        s.e.local.audit.clone(),
        s.e.local.history.clone(),
        SegurPerimeter::empty().with_type("11502-2", "2.16.840.1.113883.6.1"),
        Arc::new(s.clock.clone()),
    );
    assert!(matches!(
        narrow
            .document_produced(Feed::document(n1_doc(3).to_xml()), false)
            .expect("decision"),
        FeedDecision::OutsidePerimeter { .. }
    ));

    // DMP down: the order waits, with its reason.
    s.e.sim.inject(FaultRule::always(Fault::Outage));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.retrying.len(), 1);
    let report = s.feeder.report().expect("report");
    assert_eq!(report.pending.len(), 1);
    assert!(
        report.pending[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("503")),
        "{report:?}"
    );
    assert_eq!(report.held.len(), 1);
    assert_eq!(
        s.e.local
            .history
            .get(&uid(1), Direction::Sent)
            .expect("h")
            .expect("rec")
            .status,
        HistoryStatus::Queued
    );
    // Back up: sent at the next due time, not before.
    s.e.sim.clear_faults();
    assert!(
        s.worker.pass().await.expect("pass").sent.is_empty(),
        "backoff"
    );
    s.clock.advance(time::Duration::minutes(1));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.sent, [uid(1)]);
    assert_eq!(s.e.sim.registrations(&uid(1)), 1);
    assert_eq!(
        s.e.local
            .history
            .get(&uid(1), Direction::Sent)
            .expect("h")
            .expect("rec")
            .status,
        HistoryStatus::Sent
    );

    // Released; the response is lost after the commit: checked, not resent.
    s.feeder.release(&uid(2)).expect("release");
    s.e.sim.inject(FaultRule::next(
        ITI41_ACTION,
        Fault::LostResponseAfterCommit,
        1,
    ));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    assert_eq!(s.e.sim.registrations(&uid(2)), 1, "committed");
    let o = s.queue.by_key(&uid(2)).expect("q").expect("order");
    assert!(o.needs_check);
    s.clock.advance(time::Duration::minutes(1));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.reconciled, [uid(2)]);
    assert_eq!(s.e.sim.registrations(&uid(2)), 1, "not sent twice");
    let o = s.queue.by_key(&uid(2)).expect("q").expect("order");
    assert_eq!(o.status, OrderStatus::Sent);
    assert!(
        o.receipt
            .as_deref()
            .is_some_and(|r| r.starts_with("urn:uuid:"))
    );

    // A sender-side SOAP fault is final, reported; retried once fixed.
    s.feeder
        .document_produced(Feed::document(n1_doc(4).to_xml()), false)
        .expect("queued");
    s.e.sim.inject(FaultRule::next(
        ITI41_ACTION,
        Fault::SoapFault(SoapFault::sender("DMP_REFUS", "refus simulé")),
        1,
    ));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.failed.len(), 1);
    let report = s.feeder.report().expect("report");
    assert!(
        report.failed[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("DMP_REFUS"))
    );
    assert_eq!(
        s.e.local
            .history
            .get(&uid(4), Direction::Sent)
            .expect("h")
            .expect("rec")
            .status,
        HistoryStatus::Failed
    );
    s.feeder.retry(&uid(4)).expect("retry");
    assert_eq!(s.worker.pass().await.expect("pass").sent, [uid(4)]);

    // A receiver-side fault: maybe applied, checked before resending.
    s.feeder
        .document_produced(Feed::document(n1_doc(5).to_xml()), false)
        .expect("queued");
    s.e.sim.inject(FaultRule::next(
        ITI41_ACTION,
        Fault::SoapFault(SoapFault::receiver("ERREUR_INTERNE", "panne simulée")),
        1,
    ));
    s.worker.pass().await.expect("pass");
    assert!(s.queue.by_key(&uid(5)).expect("q").expect("o").needs_check);
    s.clock.advance(time::Duration::minutes(1));
    assert_eq!(s.worker.pass().await.expect("pass").sent, [uid(5)]);
    assert_eq!(s.e.sim.registrations(&uid(5)), 1);

    // The patient opposed in the meantime: refused for good at sending.
    s.feeder
        .document_produced(Feed::document(n1_doc(6).to_xml()), false)
        .expect("queued");
    s.e.local
        .consent
        .set(
            &s.e.patient,
            ConsentRecord {
                informed: true,
                opposed_to_feeding: true,
                ..ConsentRecord::default()
            },
            AUTHOR,
            time::OffsetDateTime::now_utc(),
        )
        .expect("consent");
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.failed.len(), 1);
    assert!(r.failed[0].1.contains("opposed"));
    assert_eq!(s.e.sim.registrations(&uid(6)), 0);
    // And cannot be queued any more.
    assert!(
        s.feeder
            .document_produced(Feed::document(n1_doc(7).to_xml()), false)
            .is_err()
    );
}

#[tokio::test]
async fn timeouts_are_checked_before_resending() {
    let e = env().await;
    let slow_client = builder_with(
        &e.sim.base_url(),
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::IndirecteRenforcee,
        &e.local,
        rsa_signer().0,
    )
    .timeout(Duration::from_millis(300))
    .build()
    .expect("client");
    let s = setup_with(e, slow_client);
    s.feeder
        .document_produced(Feed::document(n1_doc(1).to_xml()), false)
        .expect("queued");
    // Committed, then the response waits longer than the client.
    s.e.sim.inject(FaultRule::next(
        ITI41_ACTION,
        Fault::SlowAfterCommit(Duration::from_secs(2)),
        1,
    ));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.retrying.len(), 1);
    assert!(
        r.retrying[0].1.contains("timed out") || r.retrying[0].1.contains("timeout"),
        "{r:?}"
    );
    s.clock.advance(time::Duration::minutes(1));
    let r = s.worker.pass().await.expect("pass");
    assert_eq!(r.reconciled, [uid(1)]);
    assert_eq!(s.e.sim.registrations(&uid(1)), 1);
}

#[tokio::test]
async fn background_worker_and_cancellable_calls() {
    let s = setup().await;
    let worker = Arc::new(s.worker);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let w = worker.clone();
    let handle = tokio::spawn(async move {
        w.run(async {
            let _ = stopped.await;
        })
        .await
    });
    s.feeder
        .document_produced(Feed::document(n1_doc(1).to_xml()), false)
        .expect("queued");
    worker.waker().notify_one();
    let sent = tokio::time::timeout(Duration::from_secs(10), async {
        while s.e.sim.registrations(&uid(1)) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(sent.is_ok(), "the worker sent the document");

    // A call stuck on a slow DMP is cancelled by dropping it; the client
    // keeps working.
    s.e.sim
        .inject(FaultRule::always(Fault::Slow(Duration::from_secs(5))));
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(Duration::from_millis(200), s.e.client.status(&s.e.patient)).await;
    assert!(r.is_err(), "cancelled");
    assert!(started.elapsed() < Duration::from_secs(2));
    s.e.sim.clear_faults();
    assert!(s.e.client.status(&s.e.patient).await.expect("TD0.2").exists);

    stop.send(()).expect("stop");
    handle.await.expect("join").expect("worker");
    assert_eq!(
        s.queue.by_key(&uid(1)).expect("q").expect("o").status,
        OrderStatus::Sent
    );
}

#[test]
fn payload_round_trip_with_host_metadata() {
    let report = n1_doc(1);
    let mut dicom = vec![0u8; 128];
    dicom.extend_from_slice(b"DICM");
    let kos = segur_dmp::rights::KosManifest::from_report(&report, dicom, "1.2.3.4.5", "1.2.3.4.6")
        .expect("kos");
    let feed = Feed::document(report.to_xml())
        .with_document(kos.to_feed_document())
        .with_visibility(segur_dmp::feed::Visibility {
            invisible_to_patient: true,
            ..Default::default()
        });
    let back = decode_payload(&encode_payload(&feed).expect("encode")).expect("decode");
    assert_eq!(back, feed);
    assert!(decode_payload(b"{not json").is_err());
}

#[tokio::test]
async fn malformed_documents_are_not_queued() {
    let s = setup().await;
    let unknown = Feed::document(b"<not-a-cda/>".to_vec());
    assert!(matches!(
        s.feeder.document_produced(unknown, false),
        Err(segur_dmp::Error::Cda(_))
    ));
    assert!(s.queue.list(&[]).expect("list").is_empty());
    assert_eq!(
        s.e.local.consent.get(&s.e.patient).expect("get"),
        ConsentRecord {
            informed: true,
            ..ConsentRecord::default()
        }
    );
}
