//! Sending certificates for real over MSSanté: the queue drained through
//! `MssCertificateSender` against segur-mss's loopback operator simulator
//! (SMTP submission over TLS, XOAUTH2); the PMI of the department and the
//! DREES each receive one XDM message carrying the certificate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use segur_cda::volets::samples::Richness;
use segur_cda::xds::XdsCode;
use segur_dmp::queue::{Backoff, OrderStatus, QueueStore, SendOutcome, SqliteQueue};
use segur_enfant::samples;
use segur_enfant::sending::{
    CertificateQueue, CertificateSender, MssCertificateSender, MssSenderConfig, RecipientTable,
};
use segur_enfant::volet::ChildVolet;
use segur_ids::Oid;
use segur_mss::config::{Authentication, MailboxConfig, ReconnectPolicy, Security};
use segur_mss::mailbox::{INBOX, Mailbox};
use segur_mss::message::parse::parse_message;
use segur_mss::sim::{OperatorSimulator, TokenValidator};
use segur_mss::xdm::{XdmLimits, unpack};
use segur_mss::{MailAddress, MailboxKind};
use segur_psc::{AccessToken, ManualClock, StaticTokenSource, TokenSource};
use segur_ssi::audit::SqliteAuditTrail;
use time::macros::datetime;

const PEDIATRE: &str = "pediatre@sim.mssante.fr";
const PMI75: &str = "pmi75@sim.mssante.fr";
const DREES: &str = "certificats-drees@sim.mssante.fr";

fn addr(s: &str) -> MailAddress {
    s.parse().unwrap()
}

async fn operator() -> OperatorSimulator {
    let validator: TokenValidator = Arc::new(|t: &str| (t == "tok").then(|| PEDIATRE.to_owned()));
    OperatorSimulator::builder()
        .account(addr(PEDIATRE), MailboxKind::Personal)
        .account(addr(PMI75), MailboxKind::Organisational)
        .account(addr(DREES), MailboxKind::Organisational)
        .token_validator(validator)
        .start()
        .await
        .unwrap()
}

fn mailbox(sim: &OperatorSimulator) -> Mailbox {
    let tokens: Arc<dyn TokenSource> =
        Arc::new(StaticTokenSource::for_all(AccessToken::new("tok")));
    let mut c = MailboxConfig::new(
        addr(PEDIATRE),
        MailboxKind::Personal,
        sim.settings(Security::StartTls),
        Authentication::xoauth2(tokens),
        sim.client_tls(None).unwrap(),
    );
    c.reconnect = ReconnectPolicy {
        delays: vec![Duration::ZERO],
    };
    Mailbox::new(c)
}

fn config() -> MssSenderConfig {
    MssSenderConfig {
        nil: "DEV935997".into(),
        source_id: Oid::parse("1.2.250.1.999.1.1").unwrap(),
        content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
        software: "segur-enfant tests".into(),
    }
}

fn table(pmi: &str) -> RecipientTable {
    RecipientTable::from_json(&format!(
        r#"{{"pmi": {{"75": "{pmi}", "13": "pmi13@sim.mssante.fr"}}, "drees": "{DREES}"}}"#
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_reach_the_pmi_and_the_drees_once_as_xdm() {
    let sim = operator().await;
    let now = datetime!(2024-03-11 11:00:00 UTC);
    let clock = Arc::new(ManualClock::new(now));
    let sender = MssCertificateSender::new(Arc::new(mailbox(&sim)), config(), clock.clone());
    let store = SqliteQueue::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    let audit = SqliteAuditTrail::open_in_memory().unwrap();
    let q = CertificateQueue::new(&store, &audit, "10003612545");
    let doc = samples::document(ChildVolet::Cs8, Richness::Typical).unwrap();
    let doc_id = doc.header.id.as_ref().unwrap().extension.clone().unwrap();

    q.enqueue(&doc, &table(PMI75), now).unwrap();
    let r = q
        .drain(&sender, clock.as_ref(), &Backoff::default(), 10)
        .await
        .unwrap();
    assert_eq!(r.sent.len(), 2, "{r:?}");
    // Queued again and drained again: nothing more is sent.
    q.enqueue(&doc, &table(PMI75), now).unwrap();
    let r = q
        .drain(&sender, clock.as_ref(), &Backoff::default(), 10)
        .await
        .unwrap();
    assert!(r.sent.is_empty(), "{r:?}");
    assert_eq!(sim.submissions().len(), 2);

    for to in [PMI75, DREES] {
        let inbox = sim.messages(&addr(to), INBOX);
        assert_eq!(inbox.len(), 1, "{to}");
        let parsed = parse_message(&inbox[0].raw).unwrap();
        assert_eq!(parsed.mss.nil.as_deref(), Some("DEV935997"));
        let subject = parsed.subject.unwrap_or_default();
        assert!(subject.starts_with("XDM/1.0/DDM"), "{subject}");
        let zip = parsed
            .attachments
            .iter()
            .find(|a| a.filename.as_deref() == Some("IHE_XDM.zip"))
            .expect("IHE_XDM.zip attached");
        let unpacked = unpack(&zip.data, &XdmLimits::default()).unwrap();
        assert_eq!(unpacked.documents.len(), 1);
        let d = &unpacked.documents[0];
        assert_eq!(d.entry.format_code.code, "urn:asip:ci-sis:cse-cs8:2017");
        let received = segur_cda::Document::parse(d.data.clone()).unwrap();
        assert_eq!(ChildVolet::of(&received.header), Some(ChildVolet::Cs8));
        assert_eq!(
            received.header.id.as_ref().unwrap().extension.as_deref(),
            Some(doc_id.as_str())
        );
        // The PDF rendering travels next to the package.
        assert!(
            parsed
                .attachments
                .iter()
                .any(|a| a.content_type == "application/pdf")
        );
    }
    // Nothing for the PMI of another department.
    assert!(
        sim.messages(&addr("pmi13@sim.mssante.fr"), INBOX)
            .is_empty()
    );
    for o in store.list(&[]).unwrap() {
        assert_eq!(o.status, OrderStatus::Sent, "{o:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_classified() {
    let sim = operator().await;
    let now = datetime!(2024-03-11 11:00:00 UTC);
    let sender = MssCertificateSender::new(
        Arc::new(mailbox(&sim)),
        config(),
        Arc::new(ManualClock::new(now)),
    );
    let store = SqliteQueue::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    let audit = SqliteAuditTrail::open_in_memory().unwrap();
    let q = CertificateQueue::new(&store, &audit, "10003612545");
    let doc = samples::document(ChildVolet::Cs9, Richness::Minimal).unwrap();
    // A PMI address the operator does not know: refused for good, not retried.
    let orders = q
        .enqueue(&doc, &table("inconnu@sim.mssante.fr"), now)
        .unwrap();
    let payload = |i: usize| serde_json_order(&orders[i].payload);
    let pmi = payload(0);
    let outcome = sender.send(&pmi).await;
    assert!(
        matches!(&outcome, SendOutcome::Permanent(r) if r.contains("inconnu@sim.mssante.fr")),
        "{outcome:?}"
    );
    // The message itself is built without IO and follows the conventions.
    let msg = sender.message(&payload(1)).unwrap();
    assert_eq!(msg.recipients, vec![addr(DREES)]);
    assert!(msg.subject.starts_with("XDM/1.0/DDM"), "{}", msg.subject);
    // A document that is not a certificate is refused before any IO.
    let mut not_cert = payload(1);
    not_cert.xml = String::from_utf8(
        samples::document(ChildVolet::Measurements, Richness::Minimal)
            .unwrap()
            .to_xml(),
    )
    .unwrap();
    assert!(sender.message(&not_cert).is_err());
    assert!(matches!(
        sender.send(&not_cert).await,
        SendOutcome::Permanent(_)
    ));
}

fn serde_json_order(payload: &[u8]) -> segur_enfant::sending::CertificateOrder {
    serde_json::from_slice(payload).unwrap()
}
