//! The mailbox client against the operator simulator: connection sequence,
//! XOAUTH2 / OAUTHBEARER / certificate authentication, sending and reading
//! back, reconnection after BYE / cut / idle timeout, Mon espace santé
//! bounces, MDN round trip, and the audit trail.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::{Arc, Mutex};
use std::time::Duration;

use segur_ids::Rpps;
use segur_mss::config::{
    Authentication, MailboxConfig, ReconnectPolicy, Security, ServerEndpoint, Timeouts,
};
use segur_mss::mailbox::{INBOX, Mailbox, MailboxSet};
use segur_mss::message::mdn::{Disposition, DispositionType, build_mdn};
use segur_mss::message::parse::{Report, parse_message};
use segur_mss::message::{MessageBuilder, Recipient, ThreadRef};
use segur_mss::sim::{OperatorSimulator, PatientMailboxState, TokenValidator};
use segur_mss::{AuthError, BounceReason, ConnectionError, Error, MailAddress, MailboxKind};
use segur_psc::{AccessToken, Audience, BearerToken, BoxFuture, StaticTokenSource, TokenSource};
use segur_ssi::audit::{AuditFilter, AuditTrail, MemoryAuditTrail};

const MEDECIN: &str = "medecin@sim.mssante.fr";
const SECRETARIAT: &str = "secretariat@sim.mssante.fr";

fn addr(s: &str) -> MailAddress {
    s.parse().unwrap()
}

fn validator() -> TokenValidator {
    Arc::new(|token: &str| match token {
        "tok-medecin" => Some(MEDECIN.to_owned()),
        "tok-secretariat" => Some(SECRETARIAT.to_owned()),
        "tok-rpps" => Some("810003612545".to_owned()),
        _ => None,
    })
}

async fn sim() -> OperatorSimulator {
    OperatorSimulator::builder()
        .account(addr(MEDECIN), MailboxKind::Personal)
        .account(addr(SECRETARIAT), MailboxKind::Organisational)
        .authorize("810003612545", addr(MEDECIN))
        .authorize("810003612545", addr(SECRETARIAT))
        .token_validator(validator())
        .patient_mailbox(
            addr("279035121518989@patient.mssante.fr"),
            PatientMailboxState::Open,
        )
        .patient_mailbox(
            addr("180012A12345678@patient.mssante.fr"),
            PatientMailboxState::Closed,
        )
        .start()
        .await
        .unwrap()
}

fn fast() -> ReconnectPolicy {
    ReconnectPolicy {
        delays: vec![Duration::ZERO, Duration::from_millis(50)],
    }
}

fn oauth_mailbox(
    sim: &OperatorSimulator,
    address: &str,
    token: &str,
    security: Security,
) -> Mailbox {
    let tokens: Arc<dyn TokenSource> =
        Arc::new(StaticTokenSource::for_all(AccessToken::new(token)));
    let mut c = MailboxConfig::new(
        addr(address),
        MailboxKind::Personal,
        sim.settings(security),
        Authentication::xoauth2(tokens),
        sim.client_tls(None).unwrap(),
    );
    c.reconnect = fast();
    Mailbox::new(c)
}

async fn wait_for(m: &Mailbox, folder: &str, message_id: &str) -> Vec<u8> {
    for _ in 0..50 {
        let uids = m.find_message_id(folder, message_id).await.unwrap();
        if let Some(uid) = uids.last() {
            return m.fetch_one(folder, *uid).await.unwrap().raw;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("message {message_id} not found in {folder}");
}

#[tokio::test]
async fn send_and_read_back_with_xoauth2_on_both_tls_modes() {
    let sim = sim().await;
    for security in [Security::StartTls, Security::ImplicitTls] {
        let medecin = oauth_mailbox(&sim, MEDECIN, "tok-medecin", security);
        let secretariat = oauth_mailbox(&sim, SECRETARIAT, "tok-secretariat", security);
        let msg = MessageBuilder::new(addr(MEDECIN), "DEV935997")
            .from_name("Dr Jeanne MARTIN")
            .to(Recipient::address(addr(SECRETARIAT)).unwrap())
            .subject("Résultats à classer")
            .text("Bonjour,\nmerci de classer ces résultats.\n.\nFin")
            .request_read_receipt()
            .build(time::OffsetDateTime::now_utc())
            .unwrap();
        let report = medecin.send(&msg).await.unwrap();
        assert_eq!(report.accepted, vec![addr(SECRETARIAT)]);
        assert!(report.server_reply.starts_with("250"));

        let raw = wait_for(&secretariat, INBOX, &msg.message_id).await;
        let parsed = parse_message(&raw).unwrap();
        assert_eq!(parsed.subject.as_deref(), Some("Résultats à classer"));
        assert_eq!(
            parsed
                .text
                .as_deref()
                .map(|t| t.replace("\r\n", "\n"))
                .as_deref()
                .map(str::trim_end),
            Some("Bonjour,\nmerci de classer ces résultats.\n.\nFin")
        );
        assert_eq!(parsed.mss.nil.as_deref(), Some("DEV935997"));
        assert_eq!(parsed.disposition_notification_to, Some(addr(MEDECIN)));
        assert_eq!(
            parsed.from.unwrap().name.as_deref(),
            Some("Dr Jeanne MARTIN")
        );

        let folders = secretariat.folders().await.unwrap();
        assert!(
            folders
                .iter()
                .any(|f| f.name == "Sent" && f.attributes.iter().any(|a| a == "\\Sent"))
        );
        secretariat.close().await.unwrap();
        medecin.close().await.unwrap();
    }
}

#[tokio::test]
async fn oauthbearer_and_mailbox_operations() {
    let sim = sim().await;
    let tokens: Arc<dyn TokenSource> =
        Arc::new(StaticTokenSource::for_all(AccessToken::new("tok-rpps")));
    let mut c = MailboxConfig::new(
        addr(SECRETARIAT),
        MailboxKind::Organisational,
        sim.settings(Security::ImplicitTls),
        Authentication::oauthbearer(tokens),
        sim.client_tls(None).unwrap(),
    );
    c.reconnect = fast();
    let m = Mailbox::new(c);
    let uid = sim
        .deliver(
            &addr(SECRETARIAT),
            b"From: <a@b.fr>\r\nSubject: one\r\nMessage-ID: <one@b.fr>\r\n\r\nbody\r\n".to_vec(),
        )
        .unwrap();
    assert_eq!(m.unseen(INBOX).await.unwrap(), vec![uid]);
    let fetched = m.fetch_new(INBOX, 0).await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert!(!fetched[0].is_seen(), "BODY.PEEK must not set \\Seen");
    m.set_seen(INBOX, uid, true).await.unwrap();
    assert!(m.unseen(INBOX).await.unwrap().is_empty());
    assert!(m.fetch_one(INBOX, uid).await.unwrap().is_seen());
    assert!(m.fetch_new(INBOX, uid).await.unwrap().is_empty());
    let copy = m
        .append(
            "Sent",
            b"Subject: copy\r\nMessage-ID: <copy@x.fr>\r\n\r\nx\r\n",
            true,
        )
        .await
        .unwrap();
    assert!(copy.is_some());
    assert_eq!(
        m.find_message_id("Sent", "<copy@x.fr>").await.unwrap(),
        vec![copy.unwrap()]
    );
    m.delete(INBOX, uid).await.unwrap();
    assert!(sim.messages(&addr(SECRETARIAT), INBOX).is_empty());
    assert!(matches!(
        m.fetch_one(INBOX, uid).await,
        Err(Error::Protocol(_))
    ));
}

#[tokio::test]
async fn client_certificate_authentication() {
    let sim = sim().await;
    let rpps = Rpps::parse("10003612545").unwrap();
    let cert = sim
        .pki()
        .issue_personal(&rpps, "MARTIN", "JEANNE", "Médecin")
        .unwrap();
    let mut c = MailboxConfig::new(
        addr(SECRETARIAT),
        MailboxKind::Organisational,
        sim.settings(Security::StartTls),
        Authentication::ClientCertificate {
            authzid: Some(SECRETARIAT.into()),
        },
        sim.client_tls(Some(&cert)).unwrap(),
    );
    c.reconnect = fast();
    let m = Mailbox::new(c);
    segur_mss::mailbox::check_auth_config(m.config()).unwrap();
    let msg = MessageBuilder::new(addr(SECRETARIAT), "DEV935997")
        .to(Recipient::address(addr(MEDECIN)).unwrap())
        .subject("par certificat")
        .text("x")
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    m.send(&msg).await.unwrap();
    assert_eq!(sim.submissions().last().unwrap().user, "810003612545");
    // The same certificate opens the medecin mailbox (authorised), by authzid.
    let mut c = m.config().clone();
    c.address = addr(MEDECIN);
    c.auth = Authentication::ClientCertificate { authzid: None };
    let medecin = Mailbox::new(c);
    wait_for(&medecin, INBOX, &msg.message_id).await;

    // No certificate: EXTERNAL is refused.
    let mut c = m.config().clone();
    c.tls = sim.client_tls(None).unwrap();
    assert!(matches!(
        segur_mss::mailbox::check_auth_config(&c),
        Err(Error::Auth(AuthError::NoClientCertificate))
    ));
    let err = Mailbox::new(c).folders().await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::Rejected { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_token_and_ended_psc_session_are_typed_errors() {
    let sim = sim().await;
    let m = oauth_mailbox(&sim, MEDECIN, "forged", Security::StartTls);
    match m.folders().await.unwrap_err() {
        Error::Auth(AuthError::Rejected {
            reply, mechanism, ..
        }) => {
            assert_eq!(mechanism, "XOAUTH2");
            assert!(reply.contains("invalid_token"), "{reply}");
        }
        other => panic!("{other:?}"),
    }
    // Another user's token.
    let m = oauth_mailbox(&sim, MEDECIN, "tok-secretariat", Security::StartTls);
    assert!(matches!(
        m.folders().await,
        Err(Error::Auth(AuthError::Rejected { .. }))
    ));
    let msg = MessageBuilder::new(addr(MEDECIN), "DEV935997")
        .to(Recipient::address(addr(SECRETARIAT)).unwrap())
        .subject("x")
        .text("x")
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    assert!(matches!(
        m.send(&msg).await,
        Err(Error::Auth(AuthError::Rejected { .. }))
    ));

    /// A PSC session whose refresh token is no longer valid.
    struct Ended;
    impl TokenSource for Ended {
        fn token<'a>(
            &'a self,
            _: &'a Audience,
        ) -> BoxFuture<'a, Result<BearerToken, segur_psc::Error>> {
            Box::pin(async { Err(segur_psc::Error::ReauthenticationRequired) })
        }
    }
    let trail = Arc::new(MemoryAuditTrail::new());
    let c = MailboxConfig::new(
        addr(MEDECIN),
        MailboxKind::Personal,
        sim.settings(Security::StartTls),
        Authentication::xoauth2(Arc::new(Ended)),
        sim.client_tls(None).unwrap(),
    );
    let m = Mailbox::new(c).with_audit(trail.clone(), "810003612545", None);
    assert!(matches!(m.folders().await, Err(Error::SessionEnded)));
    assert!(matches!(m.send(&msg).await, Err(Error::SessionEnded)));
    let ended = trail
        .query(&AuditFilter::new().kind(segur_mss::trace::kinds::SESSION_ENDED))
        .unwrap();
    assert!(!ended.is_empty());
}

/// A token source counting how many tokens it gave (each login asks one).
struct Counting(Mutex<u32>, &'static str);
impl TokenSource for Counting {
    fn token<'a>(
        &'a self,
        audience: &'a Audience,
    ) -> BoxFuture<'a, Result<BearerToken, segur_psc::Error>> {
        *self.0.lock().unwrap() += 1;
        let t = BearerToken::new(AccessToken::new(self.1), audience.clone(), None);
        Box::pin(async move { Ok(t) })
    }
}

#[tokio::test]
async fn sessions_closed_by_the_operator_are_reopened_without_losing_the_operation() {
    let sim = sim().await;
    let tokens = Arc::new(Counting(Mutex::new(0), "tok-medecin"));
    let trail = Arc::new(MemoryAuditTrail::new());
    let mut c = MailboxConfig::new(
        addr(MEDECIN),
        MailboxKind::Personal,
        sim.settings(Security::StartTls),
        Authentication::xoauth2(tokens.clone()),
        sim.client_tls(None).unwrap(),
    );
    c.reconnect = fast();
    let m = Mailbox::new(c).with_audit(trail.clone(), "810003612545", None);
    sim.deliver(
        &addr(MEDECIN),
        b"Subject: a\r\nMessage-ID: <a@x.fr>\r\n\r\na\r\n".to_vec(),
    );
    assert_eq!(m.unseen(INBOX).await.unwrap().len(), 1);
    assert_eq!(sim.stats().imap_logins, 1);

    // BYE from the operator.
    sim.kill_sessions();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(m.unseen(INBOX).await.unwrap().len(), 1);
    assert_eq!(m.reconnections(), 1);
    assert_eq!(sim.stats().imap_logins, 2);
    assert_eq!(
        *tokens.0.lock().unwrap(),
        2,
        "each login asks the token source again (token never kept)"
    );

    // Network cut without BYE.
    sim.cut_connections();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fetched = m.fetch_new(INBOX, 0).await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(m.reconnections(), 2);
    let reopened = trail
        .query(&AuditFilter::new().kind(segur_mss::trace::kinds::SESSION_REOPENED))
        .unwrap();
    assert_eq!(reopened.len(), 2);
    // The trace carries the request made to the server.
    let fetches = trail
        .query(&AuditFilter::new().kind(segur_mss::trace::kinds::MESSAGE_FETCHED))
        .unwrap();
    assert!(fetches.iter().any(|r| {
        r.event
            .details
            .get("command")
            .is_some_and(|c| c.starts_with("UID FETCH"))
    }));
    assert!(
        fetches
            .iter()
            .all(|r| r.event.actor == "810003612545" && r.event.target.as_deref() == Some(MEDECIN))
    );
}

#[tokio::test]
async fn idle_timeout_is_survived() {
    let sim = OperatorSimulator::builder()
        .account(addr(MEDECIN), MailboxKind::Personal)
        .token_validator(validator())
        .idle_timeout(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let m = oauth_mailbox(&sim, MEDECIN, "tok-medecin", Security::ImplicitTls);
    m.folders().await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    m.folders().await.unwrap();
    assert_eq!(m.reconnections(), 1);
}

#[tokio::test]
async fn unreachable_operator_gives_up_with_a_typed_error() {
    let sim = sim().await;
    let mut m = oauth_mailbox(&sim, MEDECIN, "tok-medecin", Security::StartTls)
        .config()
        .clone();
    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    m.servers.imap = ServerEndpoint::new("127.0.0.1", port, Security::ImplicitTls);
    m.timeouts = Timeouts {
        connect: Duration::from_millis(500),
        command: Duration::from_secs(2),
    };
    let err = Mailbox::new(m).folders().await.unwrap_err();
    assert!(
        matches!(err, Error::Connection(ConnectionError::Connect { .. })),
        "{err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn patient_mailbox_bounces_are_explicit_errors() {
    let sim = sim().await;
    let medecin = oauth_mailbox(&sim, MEDECIN, "tok-medecin", Security::StartTls);
    // Unknown and closed patient mailboxes. (The address type normally comes
    // from a qualified INS; the sim state is keyed by address.)
    for (patient, reason) in [
        ("279035121518999", BounceReason::UnknownMailbox),
        ("180012A12345678", BounceReason::MailboxClosed),
    ] {
        let recipient = format!("{patient}@patient.mssante.fr");
        let mut msg = MessageBuilder::new(addr(MEDECIN), "DEV935997")
            .to(Recipient::address(addr(SECRETARIAT)).unwrap())
            .subject("Votre compte rendu")
            .text("Bonjour")
            .build(time::OffsetDateTime::now_utc())
            .unwrap();
        msg.recipients = vec![addr(&recipient)];
        medecin.send(&msg).await.unwrap();
        let mut bounce = None;
        for _ in 0..50 {
            let all = medecin.fetch_new(INBOX, 0).await.unwrap();
            bounce = all
                .into_iter()
                .map(|m| parse_message(&m.raw).unwrap())
                .find(|p| p.original_message_id.as_deref() == Some(msg.message_id.as_str()));
            if bounce.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let bounce = bounce.expect("bounce");
        let Some(Report::Delivery(ds)) = bounce.report else {
            panic!("not a DSN")
        };
        let err = ds.recipients[0].to_error().unwrap();
        assert!(
            matches!(err, segur_mss::DeliveryError::Bounced { reason: r, .. } if r == reason),
            "{err:?}"
        );
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn read_receipt_round_trip_and_threading() {
    let sim = sim().await;
    let medecin = oauth_mailbox(&sim, MEDECIN, "tok-medecin", Security::StartTls);
    let secretariat = oauth_mailbox(&sim, SECRETARIAT, "tok-secretariat", Security::StartTls);
    let msg = MessageBuilder::new(addr(MEDECIN), "DEV935997")
        .to(Recipient::address(addr(SECRETARIAT)).unwrap())
        .subject("Question")
        .text("?")
        .request_read_receipt()
        .request_delivery_receipt()
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    let report = medecin.send(&msg).await.unwrap();
    assert!(report.dsn_requested);
    let received = parse_message(&wait_for(&secretariat, INBOX, &msg.message_id).await).unwrap();

    // The secretariat displays it and returns the MDN, then replies.
    let mdn = build_mdn(
        &received,
        &addr(SECRETARIAT),
        &Disposition::displayed(),
        "lgc.test; segur-mss",
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    secretariat.send(&mdn).await.unwrap();
    let reply = MessageBuilder::new(addr(SECRETARIAT), "DEV935997")
        .to(Recipient::address(addr(MEDECIN)).unwrap())
        .subject("Re: Question")
        .text("!")
        .in_reply_to(ThreadRef::from_parsed(&received).unwrap())
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    secretariat.send(&reply).await.unwrap();

    let got_mdn = parse_message(&wait_for(&medecin, INBOX, &mdn.message_id).await).unwrap();
    let Some(Report::Disposition(d)) = &got_mdn.report else {
        panic!("{got_mdn:?}")
    };
    assert_eq!(
        d.original_message_id.as_deref(),
        Some(msg.message_id.as_str())
    );
    assert_eq!(d.disposition, Some(DispositionType::Displayed));
    assert_eq!(d.final_recipient.as_deref(), Some(SECRETARIAT));
    let got_reply = parse_message(&wait_for(&medecin, INBOX, &reply.message_id).await).unwrap();
    assert_eq!(got_reply.in_reply_to, vec![msg.message_id.clone()]);
    assert_eq!(got_reply.references, vec![msg.message_id.clone()]);
    // The DSN delivery receipt came back too.
    let all = medecin.fetch_new(INBOX, 0).await.unwrap();
    assert!(all.iter().map(|m| parse_message(&m.raw).unwrap()).any(|p| matches!(&p.report, Some(Report::Delivery(ds)) if ds.recipients.iter().any(|r| r.is_delivered()))));
    // No MDN for a message that did not ask for one.
    assert!(
        build_mdn(
            &got_reply,
            &addr(MEDECIN),
            &Disposition::displayed(),
            "x",
            time::OffsetDateTime::now_utc()
        )
        .is_err()
    );
}

#[tokio::test]
async fn several_mailboxes_per_user() {
    let sim = sim().await;
    let mut set = MailboxSet::new();
    set.add(oauth_mailbox(&sim, MEDECIN, "tok-rpps", Security::StartTls));
    let mut c = oauth_mailbox(&sim, SECRETARIAT, "tok-rpps", Security::StartTls)
        .config()
        .clone();
    c.kind = MailboxKind::Organisational;
    set.add(Mailbox::new(c));
    assert_eq!(set.len(), 2);
    assert_eq!(set.of_kind(&MailboxKind::Organisational).len(), 1);
    for m in set.iter() {
        m.folders().await.unwrap();
    }
    assert!(set.get(&addr(SECRETARIAT)).is_some());
    set.close_all().await;
}

#[tokio::test]
async fn mailbox_futures_are_send() {
    fn assert_send<T: Send>(_: T) {}
    let sim = sim().await;
    let m = Arc::new(oauth_mailbox(
        &sim,
        MEDECIN,
        "tok-medecin",
        Security::StartTls,
    ));
    assert_send(m.folders());
    let m2 = m.clone();
    tokio::spawn(async move { m2.unseen(INBOX).await.map(|v| v.len()) })
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn xoauth2_tokens_are_checked_against_the_psc_simulator() {
    let clock = segur_psc::ManualClock::new(time::OffsetDateTime::now_utc());
    let psc = segur_psc::sim::PscSimulator::builder()
        .clock(Arc::new(clock.clone()))
        .access_token_lifetime(time::Duration::minutes(10))
        .start()
        .await
        .unwrap();
    let psc_tokens = psc.validator();
    // The operator accepts PSC tokens and maps the professional's national id
    // to the mailboxes it may open.
    let v: TokenValidator =
        Arc::new(move |t: &str| psc_tokens.validate(t).map(|i| i.national_id.to_string()));
    let sim = OperatorSimulator::builder()
        .account(addr(MEDECIN), MailboxKind::Personal)
        .authorize("810003612545", addr(MEDECIN))
        .token_validator(v)
        .start()
        .await
        .unwrap();
    let token = psc.mint_access_token("lgc", "mssante");
    let m = oauth_mailbox(&sim, MEDECIN, token.secret(), Security::StartTls);
    m.folders().await.unwrap();
    // Ten minutes later the PSC token has expired: the operator refuses it.
    clock.advance(time::Duration::minutes(11));
    m.drop_session().await;
    assert!(matches!(
        m.folders().await,
        Err(Error::Auth(AuthError::Rejected { .. }))
    ));
    // A token of another issuer is refused too.
    let other = oauth_mailbox(&sim, MEDECIN, "not-a-psc-token", Security::ImplicitTls);
    assert!(matches!(
        other.folders().await,
        Err(Error::Auth(AuthError::Rejected { .. }))
    ));
}
