//! Sending certificates: queued per recipient, retried, traced, never duplicated.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::sync::Mutex;

use segur_cda::volets::samples::Richness;
use segur_dmp::BoxFuture;
use segur_dmp::queue::{Backoff, OrderStatus, QueueStore, SendOutcome, SqliteQueue};
use segur_enfant::samples;
use segur_enfant::sending::{
    CertificateOrder, CertificateQueue, CertificateSender, RecipientTable, department_of,
};
use segur_enfant::volet::ChildVolet;
use segur_psc::ManualClock;
use segur_ssi::audit::{AuditFilter, AuditTrail, SqliteAuditTrail};
use time::macros::datetime;

struct Flaky {
    fail_first: Mutex<u32>,
    sent: Mutex<Vec<String>>,
}

impl CertificateSender for Flaky {
    fn send<'a>(&'a self, order: &'a CertificateOrder) -> BoxFuture<'a, SendOutcome> {
        Box::pin(async move {
            let mut f = self.fail_first.lock().unwrap();
            if *f > 0 {
                *f -= 1;
                return SendOutcome::Transient("SMTP 451 try again".into());
            }
            assert!(order.xml.contains("1.2.250.1.213.1.1.1.5"));
            self.sent.lock().unwrap().push(order.address.clone());
            SendOutcome::Sent {
                receipt: Some(format!("msg-{}", order.address)),
            }
        })
    }
}

fn table() -> RecipientTable {
    RecipientTable::from_json(r#"{"pmi": {"75": "pmi75@test.mssante.fr", "2A": "pmi2a@test.mssante.fr"}, "drees": "certificats@drees.test.mssante.fr"}"#).unwrap()
}

#[test]
fn departments() {
    assert_eq!(department_of("75007").as_deref(), Some("75"));
    assert_eq!(department_of("20000").as_deref(), Some("2A"));
    assert_eq!(department_of("20200").as_deref(), Some("2B"));
    assert_eq!(department_of("97400").as_deref(), Some("974"));
    assert_eq!(department_of("7500"), None);
    assert!(RecipientTable::from_json(r#"{"pmi": {"75": "not an address"}}"#).is_err());
}

#[tokio::test]
async fn queued_retried_traced_never_duplicated() {
    let store = SqliteQueue::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    let audit = SqliteAuditTrail::open_in_memory().unwrap();
    let q = CertificateQueue::new(&store, &audit, "10003612545");
    let doc = samples::document(ChildVolet::Cs9, Richness::Typical).unwrap();
    let now = datetime!(2024-12-02 11:00:00 UTC);
    let orders = q.enqueue(&doc, &table(), now).unwrap();
    assert_eq!(orders.len(), 2);
    // Queued again (double click, restart): the same two orders.
    let again = q.enqueue(&doc, &table(), now).unwrap();
    assert_eq!(
        again.iter().map(|o| o.id).collect::<Vec<_>>(),
        orders.iter().map(|o| o.id).collect::<Vec<_>>()
    );
    assert_eq!(store.list(&[]).unwrap().len(), 2);

    let sender = Flaky {
        fail_first: Mutex::new(1),
        sent: Mutex::new(Vec::new()),
    };
    let clock = ManualClock::new(now);
    let backoff = Backoff::default();
    let r = q.drain(&sender, &clock, &backoff, 10).await.unwrap();
    assert_eq!(r.retrying.len(), 1);
    assert_eq!(r.sent.len(), 1);
    clock.advance(time::Duration::minutes(5));
    let r = q.drain(&sender, &clock, &backoff, 10).await.unwrap();
    assert_eq!(r.sent.len(), 1);
    let r = q.drain(&sender, &clock, &backoff, 10).await.unwrap();
    assert!(r.sent.is_empty());
    let mut sent = sender.sent.lock().unwrap().clone();
    sent.sort();
    assert_eq!(
        sent,
        ["certificats@drees.test.mssante.fr", "pmi75@test.mssante.fr"]
    );
    assert!(
        store
            .list(&[])
            .unwrap()
            .iter()
            .all(|o| o.status == OrderStatus::Sent)
    );
    // Queueing a sent certificate again sends nothing.
    q.enqueue(&doc, &table(), now).unwrap();
    assert!(
        q.drain(&sender, &clock, &backoff, 10)
            .await
            .unwrap()
            .sent
            .is_empty()
    );
    // Traced: 2 queued, 1 failed attempt, 2 sent.
    let records = audit
        .query(&AuditFilter::new().kind_prefix("enfant.certificate"))
        .unwrap();
    assert_eq!(records.len(), 5);
    assert!(audit.verify().unwrap().is_intact());
}

#[test]
fn only_certificates_with_a_known_department() {
    let store = SqliteQueue::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    let audit = SqliteAuditTrail::open_in_memory().unwrap();
    let q = CertificateQueue::new(&store, &audit, "10003612545");
    let now = datetime!(2024-12-02 11:00:00 UTC);
    let note = samples::document(ChildVolet::VaccinationNote, Richness::Typical).unwrap();
    assert!(q.enqueue(&note, &table(), now).is_err());
    let doc = samples::document(ChildVolet::Cs8, Richness::Typical).unwrap();
    let no_paris =
        RecipientTable::from_json(r#"{"pmi": {"13": "pmi13@test.mssante.fr"}}"#).unwrap();
    assert!(q.enqueue(&doc, &no_paris, now).is_err());
    assert!(store.list(&[]).unwrap().is_empty());
}
