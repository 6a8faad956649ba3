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
use segur_mss::xdm::{
    DocumentToPack, PackOptions, ReadmeInfo, XdmLimits, pack, read_archive, unpack,
};
use segur_mss::{AuthError, ConnectionError, Error, MailAddress, MailboxKind};
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
    // A real N1 CDA (segur-cda builder) packed with its XDS metadata.
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
    let packed = pack(
        vec![DocumentToPack {
            cda,
            entry: Default::default(),
            pdf: None,
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
    MessageBuilder::new(from.parse().unwrap(), "DEV935997")
        .to(Recipient::address(to.parse().unwrap()).unwrap())
        .text("Veuillez trouver ci-joint le compte rendu.")
        .documents(packed.zip, packed.documents, patient)
        .request_read_receipt()
        .build(time::OffsetDateTime::now_utc())
        .unwrap()
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
