//! The crash test of the send queue (SC.DMP/ALI/PROG.06): N documents are
//! queued, a child process drains the queue towards the simulator (which
//! lives in this test process) and is killed with SIGKILL while an order is
//! in flight — committed by the DMP, its response not yet read. A new child
//! restarts from the same SQLite file; at the end every document is in the
//! simulator exactly once.

mod common;

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use segur_dmp::feed::Feed;
use segur_dmp::feeding::{DmpOrderSender, FeedWorker, Feeder, SegurPerimeter};
use segur_dmp::queue::{Backoff, OrderStatus, QueueStore, SqliteQueue};
use segur_dmp::sim::{Fault, FaultRule};
use segur_dmp::vihf::AuthenticationMode;
use segur_dmp::xds::ITI41_ACTION;

const CHILD: &str = "SEGUR_DMP_CRASH_CHILD";
const DB: &str = "SEGUR_DMP_CRASH_DB";
const URL: &str = "SEGUR_DMP_CRASH_URL";

/// The drainer: run as a child process by the test below.
#[test]
#[ignore = "child process of crash_during_drain_every_document_exactly_once"]
fn crash_child_drainer() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let db = std::env::var(DB).expect("db path");
    let url = std::env::var(URL).expect("simulator url");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let queue = Arc::new(SqliteQueue::open(&db).expect("queue"));
        let l = local();
        let client = builder_with(
            &url,
            actor_named(AUTHOR, "MEDECIN-TEST Jean"),
            AuthenticationMode::IndirecteRenforcee,
            &l,
            rsa_signer().0,
        )
        .build()
        .expect("client");
        let worker = FeedWorker::new(
            queue,
            Arc::new(DmpOrderSender::new(client)),
            Arc::new(segur_psc::SystemClock),
            Backoff {
                base: time::Duration::milliseconds(100),
                max: time::Duration::seconds(1),
            },
        )
        .poll_interval(Duration::from_millis(50));
        // Never outlive a parent that died.
        worker
            .run(tokio::time::sleep(Duration::from_secs(120)))
            .await
            .expect("worker");
    });
}

fn spawn_child(db: &std::path::Path, url: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "crash_child_drainer",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(DB, db)
        .env(URL, url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the drainer")
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_during_drain_every_document_exactly_once() {
    const N: u64 = 10;
    let e = env().await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("queue.db");
    let queue = Arc::new(SqliteQueue::open(&db).expect("queue"));
    let feeder = Feeder::new(
        queue.clone(),
        e.local.consent.clone(),
        e.local.audit.clone(),
        e.local.history.clone(),
        SegurPerimeter::default(),
        Arc::new(segur_psc::SystemClock),
    );
    let uids: Vec<String> = (1..=N)
        .map(|n| {
            feeder
                .document_produced(Feed::document(n1_doc(n).to_xml()), false)
                .expect("queued");
            format!("1.2.250.1.999.1.1^TDOC-{}", n * 100)
        })
        .collect();
    // Every ITI-41 is committed, then answered 400 ms later.
    e.sim.inject(FaultRule {
        action: Some(ITI41_ACTION.to_owned()),
        fault: Fault::SlowAfterCommit(Duration::from_millis(400)),
        times: None,
    });
    let iti41 = |sim: &segur_dmp::sim::DmpSimulator| {
        sim.exchanges()
            .iter()
            .filter(|x| x.action.as_deref() == Some(ITI41_ACTION))
            .count()
    };

    let mut child = spawn_child(&db, &e.sim.base_url());
    // Kill it right after the DMP committed the 4th document, while its
    // response is pending.
    wait_for("4 submissions", Duration::from_secs(60), || {
        iti41(&e.sim) >= 4
    })
    .await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let after_kill = queue.list(&[]).expect("list");
    let in_flight: Vec<&str> = after_kill
        .iter()
        .filter(|o| o.status == OrderStatus::InFlight)
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(in_flight.len(), 1, "one order left in flight by the crash");
    let committed_unanswered = in_flight[0].to_owned();
    assert_eq!(
        e.sim.registrations(&committed_unanswered),
        1,
        "the DMP has it"
    );
    let sent_before = after_kill
        .iter()
        .filter(|o| o.status == OrderStatus::Sent)
        .count();
    assert!(sent_before < N as usize);

    // Restart: the new drainer recovers the in-flight order, checks it is
    // there, and sends the rest.
    let mut child = spawn_child(&db, &e.sim.base_url());
    let q = queue.clone();
    wait_for("every order sent", Duration::from_secs(120), || {
        q.list(&[OrderStatus::Sent]).map(|l| l.len()).unwrap_or(0) == N as usize
    })
    .await;
    child.kill().expect("stop");
    child.wait().expect("reaped");

    for uid in &uids {
        assert_eq!(e.sim.registrations(uid), 1, "{uid} exactly once");
        assert!(e.sim.current(uid).is_some());
    }
    // N documents and their N signature documents, nothing more.
    assert_eq!(e.sim.entries(&e.patient).len(), 2 * N as usize);
    assert_eq!(iti41(&e.sim), N as usize, "no resend after the crash");
    let recovered = queue
        .by_key(&committed_unanswered)
        .expect("q")
        .expect("order");
    assert_eq!(recovered.status, OrderStatus::Sent);
    assert_eq!(recovered.attempts, 2, "one send, one presence check");
}
