//! Interoperability with real mail servers: Debian's dovecot (IMAP) and
//! postfix (submission) started on loopback by the shared test-servers kit
//! (`scripts/setup.d/40-mss-test-servers.sh`, run by `scripts/test-all`).
//!
//! Opt-in: `SEGUR_TEST_SERVERS=1` and the kit's `MSSANTE_TEST_*` variables.
//! Without the switch the tests print why they are skipped; with it, any
//! failure (including a missing variable) fails the test.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;
use std::time::Duration;

use segur_mss::config::{Authentication, MailboxConfig, Security, ServerEndpoint, ServerSettings};
use segur_mss::imap::client::ImapClient;
use segur_mss::mailbox::{INBOX, Mailbox};
use segur_mss::message::parse::parse_message;
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient};
use segur_mss::outbox::read_receipts::{
    MDN_SENT_KEYWORD, ReadReceiptDecision, ReadReceiptPolicy, mark_read,
};
use segur_mss::outbox::{MailboxSubmitter, MessageState, Outbox, RecipientState, SqliteOutbox};
use segur_mss::xdm::{
    DocumentToPack, PackOptions, ReadmeInfo, XdmLimits, pack, read_archive, unpack,
};
use segur_mss::{
    AuthError, BounceReason, ConnectionError, Error, MailAddress, MailboxKind, RefusalKind,
};
use segur_psc::{AccessToken, StaticTokenSource, TokenSource};
use segur_ssi::tls::{ClientTlsBuilder, Identity, TrustEnvironment, TrustStore};

struct Kit;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("SEGUR_TEST_SERVERS is set but {name} is missing: source the kit's env.sh")
    })
}

fn kit() -> Option<Kit> {
    if std::env::var("SEGUR_TEST_SERVERS").is_err() {
        eprintln!(
            "real_servers: skipped (set SEGUR_TEST_SERVERS=1 with the test-servers kit started; scripts/test-all does it)"
        );
        return None;
    }
    Some(Kit)
}

fn port(name: &str) -> u16 {
    var(name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a port"))
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new(TrustEnvironment::Test);
    t.add_file(var("MSSANTE_TEST_CA_PEM")).expect("kit CA");
    t
}

fn settings(security: Security) -> ServerSettings {
    let host = var("MSSANTE_TEST_HOST");
    let name = var("MSSANTE_TEST_TLS_SERVER_NAME");
    let (imap, smtp) = match security {
        Security::StartTls => (
            port("MSSANTE_TEST_IMAP_PORT"),
            port("MSSANTE_TEST_SUBMISSION_PORT"),
        ),
        _ => (
            port("MSSANTE_TEST_IMAPS_PORT"),
            port("MSSANTE_TEST_SUBMISSIONS_PORT"),
        ),
    };
    ServerSettings {
        imap: ServerEndpoint::new(&host, imap, security).with_tls_name(&name),
        smtp: ServerEndpoint::new(&host, smtp, security).with_tls_name(&name),
    }
}

fn oauth_mailbox(user: &str, token: &str, security: Security) -> Mailbox {
    let tokens: Arc<dyn TokenSource> =
        Arc::new(StaticTokenSource::for_all(AccessToken::new(token)));
    // No client certificate with OAuth: dovecot would take the identity from it.
    let tls = Arc::new(ClientTlsBuilder::new(trust()).build().expect("TLS config"));
    let c = MailboxConfig::new(
        user.parse().unwrap(),
        MailboxKind::Personal,
        settings(security),
        Authentication::xoauth2(tokens),
        tls,
    );
    Mailbox::new(c)
}

fn cert_mailbox(security: Security) -> Mailbox {
    let identity = Identity::from_pem_files(
        var("MSSANTE_TEST_CLIENT_CERT_PEM"),
        var("MSSANTE_TEST_CLIENT_KEY_PEM"),
    )
    .expect("kit client identity");
    let tls = Arc::new(
        ClientTlsBuilder::new(trust())
            .with_identity(identity)
            .build()
            .expect("TLS config"),
    );
    let c = MailboxConfig::new(
        var("MSSANTE_TEST_CLIENT_CERT_MAILBOX").parse().unwrap(),
        MailboxKind::Personal,
        settings(security),
        Authentication::certificate(),
        tls,
    );
    Mailbox::new(c)
}

async fn wait_for(m: &Mailbox, message_id: &str) -> Vec<u8> {
    for _ in 0..100 {
        if let Some(uid) = m
            .find_message_id(INBOX, message_id)
            .await
            .expect("search")
            .last()
        {
            return m.fetch_one(INBOX, *uid).await.expect("fetch").raw;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{message_id} never arrived");
}

fn xdm_message(from: &str, to: &str) -> segur_mss::message::OutgoingMessage {
    xdm_message_with(from, to, false)
}

/// A new N1 CDA (segur-cda builder) in an XDM message, read receipt asked,
/// delivery receipt when `dsn`.
fn xdm_message_with(from: &str, to: &str, dsn: bool) -> segur_mss::message::OutgoingMessage {
    let patient = segur_cda::samples::patient().build().unwrap();
    let ids = segur_cda::clock::OidSequence::new(
        segur_ids::Oid::parse("1.2.250.1.999.77").unwrap(),
        &format!("RS-{}-", uuid::Uuid::new_v4().simple()),
    );
    let cda = segur_cda::samples::consultation_header(patient, &segur_cda::samples::clock(), &ids)
        .build_n1(segur_cda::NonXmlBody::pdf(segur_cda::samples::simple_pdf(
            &["Compte rendu", "RAS"],
        )))
        .unwrap()
        .to_xml();
    xdm_message_of(from, to, cda, dsn, None)
}

/// `cda` packed with its XDS metadata in an XDM message (action from the
/// CDA: a new version is a replacement), plus an optional attachment.
fn xdm_message_of(
    from: &str,
    to: &str,
    cda: Vec<u8>,
    dsn: bool,
    extra: Option<(&str, Vec<u8>)>,
) -> segur_mss::message::OutgoingMessage {
    let packed = pack(
        vec![DocumentToPack {
            cda,
            entry: Default::default(),
            pdf: None,
            action: None,
        }],
        &PackOptions {
            source_id: segur_ids::Oid::parse("1.2.250.1.999.77.1").unwrap(),
            content_type_code: segur_cda::xds::XdsCode::new(
                "04",
                "1.2.250.1.213.1.1.4.12",
                "Consultation",
            ),
            readme: ReadmeInfo {
                sender: "Cabinet de test".into(),
                contact: from.into(),
                software: "segur-mss interop test".into(),
            },
            now: time::OffsetDateTime::now_utc(),
        },
    )
    .unwrap();
    let p = &packed.patient;
    let patient = MessagePatient {
        family_name: p.family_name.clone().unwrap(),
        given_name: "CAMILLE".into(),
        birth_date: p.birth_date.unwrap(),
        file_number: Some("D-42".into()),
        ins_qualified: p.ins.is_some(),
        key: p.key(),
    };
    let mut b = MessageBuilder::new(from.parse().unwrap(), "DEV935997")
        .to(Recipient::address(to.parse().unwrap()).unwrap())
        .text("Veuillez trouver ci-joint le compte rendu.")
        .documents(packed.zip, packed.documents, patient)
        .request_read_receipt();
    if dsn {
        b = b.request_delivery_receipt();
    }
    if let Some((name, data)) = extra {
        b = b.attachment(name, "application/octet-stream", data);
    }
    b.build(time::OffsetDateTime::now_utc()).unwrap()
}

#[tokio::test]
async fn xdm_message_through_postfix_read_back_from_dovecot_with_xoauth2() {
    let Some(Kit) = kit() else { return };
    let user = var("MSSANTE_TEST_USER");
    let user2 = var("MSSANTE_TEST_USER2");
    let sender = oauth_mailbox(&user, &var("MSSANTE_TEST_OAUTH2_TOKEN"), Security::StartTls);
    let reader = oauth_mailbox(
        &user2,
        &var("MSSANTE_TEST_OAUTH2_TOKEN2"),
        Security::ImplicitTls,
    );
    let msg = xdm_message(&user, &user2);
    let report = sender
        .send(&msg)
        .await
        .expect("postfix accepts the message");
    assert_eq!(report.accepted.len(), 1);

    let raw = wait_for(&reader, &msg.message_id).await;
    let parsed = parse_message(&raw).unwrap();
    assert_eq!(
        parsed.subject.as_deref(),
        Some("XDM/1.0/DDM+CR de consultation TESTPATIENT CAMILLE 12/03/1985")
    );
    assert_eq!(parsed.mss.code_cda, vec!["11488-4"]);
    assert_eq!(parsed.mss.ins_qualified, Some(true));
    assert_eq!(parsed.mss.nil.as_deref(), Some("DEV935997"));
    let names: Vec<_> = parsed
        .attachments
        .iter()
        .filter_map(|a| a.filename.clone())
        .collect();
    assert_eq!(
        names,
        vec![
            "IHE_XDM.zip",
            "20240315_CR_de_consultation_TESTPATIENT_CAMILLE_D_42.pdf"
        ]
    );
    let zip = &parsed.attachments[0];
    assert_eq!(zip.content_type, "application/zip");
    let archive = read_archive(&zip.data, &XdmLimits::default()).unwrap();
    assert!(archive.subsets[0].file("DOC0001.XML").is_some());
    // The package read back from dovecot passes the metadata checks.
    let un = unpack(&zip.data, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents[0].entry.type_code.code, "11488-4");
    assert_eq!(un.patient_ids().len(), 1);
    reader.close().await.unwrap();
    sender.close().await.unwrap();
}

#[tokio::test]
async fn certificate_login_on_dovecot_and_relay_by_certificate_on_postfix() {
    let Some(Kit) = kit() else { return };
    let me = var("MSSANTE_TEST_CLIENT_CERT_MAILBOX");
    for security in [Security::StartTls, Security::ImplicitTls] {
        let m = cert_mailbox(security);
        let msg = MessageBuilder::new(me.parse().unwrap(), "DEV935997")
            .to(Recipient::address(me.parse().unwrap()).unwrap())
            .subject(format!("certificat {security:?} {}", uuid::Uuid::new_v4()))
            .text("envoi authentifié par certificat")
            .build(time::OffsetDateTime::now_utc())
            .unwrap();
        m.send(&msg)
            .await
            .expect("postfix relays for the client certificate");
        let raw = wait_for(&m, &msg.message_id).await;
        assert!(
            parse_message(&raw)
                .unwrap()
                .subject
                .unwrap()
                .starts_with("certificat")
        );
        m.close().await.unwrap();
    }
}

#[tokio::test]
async fn refusals_from_the_real_servers_are_typed() {
    let Some(Kit) = kit() else { return };
    let user = var("MSSANTE_TEST_USER");
    // Another user's token, then a forged one.
    for token in [var("MSSANTE_TEST_OAUTH2_TOKEN2"), "forged-token".to_owned()] {
        let m = oauth_mailbox(&user, &token, Security::StartTls);
        match m.folders().await {
            Err(Error::Auth(AuthError::Rejected { .. })) => {}
            other => panic!("expected a rejection, got {other:?}"),
        }
        let msg = xdm_message(&user, &var("MSSANTE_TEST_USER2"));
        assert!(matches!(
            m.send(&msg).await,
            Err(Error::Auth(AuthError::Rejected { .. }))
        ));
    }
    // A rogue client certificate is refused during the handshake or at EXTERNAL.
    let identity = Identity::from_pem_files(
        var("MSSANTE_TEST_ROGUE_CERT_PEM"),
        var("MSSANTE_TEST_ROGUE_KEY_PEM"),
    );
    if let Ok(identity) = identity {
        let tls = Arc::new(
            ClientTlsBuilder::new(trust())
                .with_identity(identity)
                .build()
                .unwrap(),
        );
        let c = MailboxConfig::new(
            user.parse().unwrap(),
            MailboxKind::Personal,
            settings(Security::ImplicitTls),
            Authentication::certificate(),
            tls,
        );
        let err = Mailbox::new(c).folders().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Auth(_)
                    | Error::Connection(ConnectionError::Tls { .. })
                    | Error::Connection(_)
            ),
            "{err:?}"
        );
    }
    // A server certificate not signed by the trusted root: the TLS handshake fails.
    let pki = segur_ssi::test_pki::TestPki::generate().unwrap();
    let tls = Arc::new(pki.client_config(None).unwrap());
    let endpoint = settings(Security::ImplicitTls).imap;
    let err = ImapClient::connect(&endpoint, tls, Default::default(), 1 << 20)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Connection(ConnectionError::Tls { .. })),
        "{err:?}"
    );
    // Dovecot accepts LOGIN in clear from localhost: the client must still
    // refuse to authenticate before STARTTLS. Our STARTTLS endpoint always
    // upgrades first; check the capability list it got is the post-TLS one.
    let c = ImapClient::connect(
        &settings(Security::StartTls).imap,
        Arc::new(ClientTlsBuilder::new(trust()).build().unwrap()),
        Default::default(),
        1 << 20,
    )
    .await
    .unwrap();
    assert!(c.is_tls());
    assert!(
        !c.capabilities()
            .iter()
            .any(|x| x.eq_ignore_ascii_case("STARTTLS")),
        "{:?}",
        c.capabilities()
    );
    let _: MailAddress = user.parse().unwrap();
}

/// A sent message's copy in INBOX, by a predicate on its raw bytes.
async fn wait_inbox(m: &Mailbox, what: &str, pred: impl Fn(&str) -> bool) -> (u32, Vec<u8>) {
    for _ in 0..150 {
        let uids = m
            .search(INBOX, segur_mss::imap::proto::SearchKey::All)
            .await
            .expect("search");
        for uid in uids.into_iter().rev() {
            let f = m.fetch_one(INBOX, uid).await.expect("fetch");
            if pred(&String::from_utf8_lossy(&f.raw)) {
                return (uid, f.raw);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never arrived");
}

fn queue() -> Outbox {
    Outbox::new(Arc::new(SqliteOutbox::open_in_memory().unwrap()))
}

/// The whole notification loop through postfix and dovecot: the message
/// goes out of the persistent queue with DSN and MDN requests, postfix's
/// success DSN marks it delivered, the reader's automatic read receipt
/// goes out of its own queue through postfix and marks it read.
#[tokio::test]
async fn delivery_and_read_receipts_through_postfix_and_dovecot() {
    let Some(Kit) = kit() else { return };
    let user = var("MSSANTE_TEST_USER");
    let user2 = var("MSSANTE_TEST_USER2");
    let sender = Arc::new(oauth_mailbox(
        &user,
        &var("MSSANTE_TEST_OAUTH2_TOKEN"),
        Security::StartTls,
    ));
    let reader = Arc::new(oauth_mailbox(
        &user2,
        &var("MSSANTE_TEST_OAUTH2_TOKEN2"),
        Security::ImplicitTls,
    ));
    let msg = xdm_message_with(&user, &user2, true);
    let outbox = queue();
    outbox.enqueue(&msg).unwrap();
    let r = outbox
        .drain(&MailboxSubmitter::new(sender.clone()))
        .await
        .unwrap();
    assert_eq!(r.sent, vec![msg.message_id.clone()]);
    assert_eq!(outbox.state(&msg.message_id).unwrap(), MessageState::Sent);

    // Postfix's success DSN (NOTIFY=SUCCESS, ENVID = our Message-ID).
    let (_, dsn) = wait_inbox(&sender, "the success DSN", |t| {
        t.contains("report-type=delivery-status") && t.contains(&msg.message_id)
    })
    .await;
    let dsn = parse_message(&dsn).unwrap();
    let update = outbox.record_notification(&dsn).unwrap().expect("matched");
    assert_eq!(update.message_id, msg.message_id);
    assert_eq!(update.state, MessageState::Delivered, "{update:?}");

    // The reader opens it: the automatic policy queues the MDN and sets
    // $MDNSent in dovecot; the reader's queue sends it through postfix.
    let (uid, _) = wait_inbox(&reader, "the message", |t| {
        t.contains(&format!("Message-ID: {}", msg.message_id))
    })
    .await;
    let reader_queue = queue();
    let read = mark_read(
        &reader,
        &reader_queue,
        INBOX,
        uid,
        ReadReceiptPolicy::Automatic,
        "segur-rs interop test",
    )
    .await
    .unwrap();
    let ReadReceiptDecision::Send(mdn) = &read.decision else {
        panic!("automatic policy: {:?}", read.decision);
    };
    let f = reader.fetch_one(INBOX, uid).await.unwrap();
    assert!(f.is_seen());
    assert!(
        f.flags.iter().any(|x| x == MDN_SENT_KEYWORD),
        "dovecot keeps the keyword: {:?}",
        f.flags
    );
    let again = mark_read(
        &reader,
        &reader_queue,
        INBOX,
        uid,
        ReadReceiptPolicy::Automatic,
        "segur-rs interop test",
    )
    .await
    .unwrap();
    assert!(matches!(again.decision, ReadReceiptDecision::AlreadySent));
    let r = reader_queue
        .drain(&MailboxSubmitter::new(reader.clone()))
        .await
        .unwrap();
    assert_eq!(r.sent, vec![mdn.message_id.clone()]);

    // The MDN reaches the sender through postfix/dovecot: read.
    let (_, raw) = wait_inbox(&sender, "the MDN", |t| {
        t.contains("disposition-notification") && t.contains(&msg.message_id)
    })
    .await;
    let update = outbox
        .record_notification(&parse_message(&raw).unwrap())
        .unwrap()
        .expect("matched");
    assert_eq!(update.state, MessageState::Read, "{update:?}");
    assert_eq!(update.changed[0].state, RecipientState::Read);
    // A late duplicate changes nothing.
    let again = outbox
        .record_notification(&parse_message(&raw).unwrap())
        .unwrap()
        .unwrap();
    assert!(again.changed.is_empty());
    reader.close().await.unwrap();
    sender.close().await.unwrap();
}

/// A recipient outside the server's domains: postfix refuses it at `RCPT`
/// (550 5.1.1, "outbound mail is disabled"). The queued message fails for
/// good, never retried, with the plain-French explanation of the refusal.
#[tokio::test]
async fn postfix_refusal_fails_the_queued_message_with_an_explanation() {
    let Some(Kit) = kit() else { return };
    let user = var("MSSANTE_TEST_USER");
    let sender = Arc::new(oauth_mailbox(
        &user,
        &var("MSSANTE_TEST_OAUTH2_TOKEN"),
        Security::ImplicitTls,
    ));
    let nowhere = format!("inconnu-{}@ailleurs.invalid", uuid::Uuid::new_v4().simple());
    let msg = MessageBuilder::new(user.parse().unwrap(), "DEV935997")
        .to(Recipient::address(nowhere.parse().unwrap()).unwrap())
        .subject(format!("refus {}", uuid::Uuid::new_v4()))
        .text("adresse inconnue")
        .request_delivery_receipt()
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    // Sent directly: the typed refusal.
    match sender.send(&msg).await {
        Err(Error::Delivery(d)) => {
            assert_eq!(
                d.refusal_kind(),
                Some(RefusalKind::Recipient(BounceReason::UnknownMailbox)),
                "{d}"
            );
            assert!(d.to_string().contains("5.1.1"), "{d}");
            assert!(
                Error::Delivery(d.clone())
                    .explanation()
                    .starts_with("Message non distribué"),
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Through the queue: failed for good, with the explanation.
    let outbox = queue();
    outbox.enqueue(&msg).unwrap();
    let r = outbox
        .drain(&MailboxSubmitter::new(sender.clone()))
        .await
        .unwrap();
    assert!(r.sent.is_empty() && r.retrying.is_empty(), "{r:?}");
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert_eq!(r.failed[0].0, msg.message_id);
    assert_eq!(r.failed[0].1, BounceReason::UnknownMailbox.explanation());
    assert_eq!(outbox.state(&msg.message_id).unwrap(), MessageState::Failed);
    sender.close().await.unwrap();
}

/// A new version (XDM action `C`) with an EICAR attachment, through postfix
/// and dovecot, received with the real clamd of the kit: the replaced
/// document is recognised, the infected attachment quarantined.
#[tokio::test]
async fn replacement_received_from_dovecot_scanned_by_clamd() {
    use segur_ins::sentinelle::{InMemoryPatientIndex, PatientIndex};
    use segur_mss::reception::{HeldDocument, InMemoryDocuments, Novelty, PatientMatch, Receiver};
    use segur_mss::xdm::XdmAction;
    let Some(Kit) = kit() else { return };
    let user = var("MSSANTE_TEST_USER");
    let user2 = var("MSSANTE_TEST_USER2");
    let patient = segur_cda::samples::patient().build().unwrap();
    let ids = segur_cda::clock::OidSequence::new(
        segur_ids::Oid::parse("1.2.250.1.999.77").unwrap(),
        &format!("RV-{}-", uuid::Uuid::new_v4().simple()),
    );
    let v1 = segur_cda::samples::consultation_header(patient, &segur_cda::samples::clock(), &ids)
        .build_n1(segur_cda::NonXmlBody::pdf(segur_cda::samples::simple_pdf(
            &["version 1"],
        )))
        .unwrap();
    let v2 =
        segur_cda::versions::new_version(&v1, v1.body.clone(), &ids, &segur_cda::samples::clock())
            .unwrap();
    let v1_id = segur_mss::documents::facts_from_header(&v1.header)
        .unwrap()
        .id;
    let eicar = std::fs::read(var("MSSANTE_TEST_EICAR_FILE")).unwrap();
    let msg = xdm_message_of(
        &user,
        &user2,
        v2.to_xml(),
        false,
        Some(("notes.com", eicar)),
    );
    assert!(
        msg.subject.starts_with("XDM/1.0/DDM+Annule et remplace "),
        "{}",
        msg.subject
    );
    let sender = oauth_mailbox(
        &user,
        &var("MSSANTE_TEST_OAUTH2_TOKEN"),
        Security::ImplicitTls,
    );
    sender.send(&msg).await.unwrap();
    let reader = oauth_mailbox(
        &user2,
        &var("MSSANTE_TEST_OAUTH2_TOKEN2"),
        Security::StartTls,
    );
    let raw = wait_for(&reader, &msg.message_id).await;

    let index = InMemoryPatientIndex::new();
    let local = index
        .create(segur_cda::samples::patient_identity())
        .unwrap()
        .id;
    let held = HeldDocument {
        unique_id: v1_id.clone(),
        set_id: None,
        version: Some(1),
        patient_local_id: local.clone(),
    };
    let clamd = format!(
        "{}:{}",
        var("MSSANTE_TEST_CLAMD_HOST"),
        var("MSSANTE_TEST_CLAMD_PORT")
    );
    let receiver = Receiver::new(
        Arc::new(segur_ssi::antivirus::ClamdScanner::tcp(clamd)),
        Arc::new(index),
        Arc::new(InMemoryDocuments(vec![held])),
    );
    let rec = receiver.receive(&raw).await.unwrap();
    assert!(
        rec.subject
            .starts_with("Annule et remplace CR de consultation"),
        "{}",
        rec.subject
    );
    assert_eq!(rec.documents.len(), 1);
    assert_eq!(rec.documents[0].action, XdmAction::Replace);
    assert_eq!(
        rec.documents[0].novelty,
        Novelty::NewVersion {
            replaces: Some(v1_id)
        }
    );
    assert!(
        matches!(rec.patient, Some(PatientMatch::Automatic { ref local_id }) if *local_id == local),
        "{:?}",
        rec.patient
    );
    assert!(
        matches!(&rec.quarantined[..], [segur_mss::ReceptionError::Infected { attachment, threat }]
            if attachment == "notes.com" && threat.starts_with(&var("MSSANTE_TEST_VIRUS_NAME_PREFIX"))),
        "{:?}",
        rec.quarantined
    );
    reader.close().await.unwrap();
    sender.close().await.unwrap();
}
