//! The persistent send queue against the operator simulator: retries when
//! the operator is unreachable or the token is missing, refusals for good,
//! exactly-once after an interrupted submission, the delivery / read status
//! from DSNs and MDNs, read receipts under the host's policy, traces.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;
use std::time::Duration;

use segur_mss::config::{Authentication, MailboxConfig, ReconnectPolicy, Security};
use segur_mss::mailbox::{INBOX, Mailbox};
use segur_mss::message::parse::parse_message;
use segur_mss::message::{MessageBuilder, OutgoingMessage, Recipient};
use segur_mss::outbox::read_receipts::{
    MDN_SENT_KEYWORD, ReadReceiptDecision, ReadReceiptPolicy, mark_read, send_read_receipt,
};
use segur_mss::outbox::{
    MailboxSubmitter, MessageState, Outbox, OutboxStatus, RecipientState, RetryPolicy,
    SqliteOutbox, Submitter,
};
use segur_mss::sim::{OperatorSimulator, PatientMailboxState, TokenValidator};
use segur_mss::smtp::client::SendReport;
use segur_mss::trace::{Tracer, kinds};
use segur_mss::{Error, MailAddress, MailboxKind, PatientMailbox};
use segur_psc::{
    AccessToken, Audience, BearerToken, BoxFuture, ManualClock, StaticTokenSource, TokenSource,
};
use segur_ssi::audit::{AuditFilter, AuditTrail, MemoryAuditTrail};
use time::OffsetDateTime;

const MEDECIN: &str = "medecin@sim.mssante.fr";
const SECRETARIAT: &str = "secretariat@sim.mssante.fr";
const PATIENT_CLOSED: &str = "279035121518989@patient.mssante.fr";

fn addr(s: &str) -> MailAddress {
    s.parse().unwrap()
}

async fn sim() -> OperatorSimulator {
    let v: TokenValidator = Arc::new(|t: &str| match t {
        "tok-medecin" => Some(MEDECIN.to_owned()),
        "tok-secretariat" => Some(SECRETARIAT.to_owned()),
        _ => None,
    });
    OperatorSimulator::builder()
        .account(addr(MEDECIN), MailboxKind::Personal)
        .account(addr(SECRETARIAT), MailboxKind::Organisational)
        .token_validator(v)
        .patient_mailbox(addr(PATIENT_CLOSED), PatientMailboxState::Closed)
        .copy_submissions_to("Sent")
        .start()
        .await
        .unwrap()
}

fn mailbox_with(sim: &OperatorSimulator, address: &str, tokens: Arc<dyn TokenSource>) -> Mailbox {
    let mut c = MailboxConfig::new(
        addr(address),
        MailboxKind::Personal,
        sim.settings(Security::ImplicitTls),
        Authentication::xoauth2(tokens),
        sim.client_tls(None).unwrap(),
    );
    c.reconnect = ReconnectPolicy {
        delays: vec![Duration::ZERO],
    };
    Mailbox::new(c)
}

fn mailbox(sim: &OperatorSimulator, address: &str, token: &str) -> Arc<Mailbox> {
    Arc::new(mailbox_with(
        sim,
        address,
        Arc::new(StaticTokenSource::for_all(AccessToken::new(token))),
    ))
}

fn message(to: &str, text: &str) -> OutgoingMessage {
    MessageBuilder::new(addr(MEDECIN), "DEV935997")
        .to(Recipient::address(addr(to)).unwrap())
        .subject(format!("Avis {text}"))
        .text(text)
        .request_read_receipt()
        .request_delivery_receipt()
        .build(OffsetDateTime::now_utc())
        .unwrap()
}

fn t0() -> OffsetDateTime {
    time::macros::datetime!(2025-03-01 08:00 UTC)
}

struct Env {
    clock: ManualClock,
    trail: Arc<MemoryAuditTrail>,
    outbox: Outbox,
}

fn outbox() -> Env {
    let clock = ManualClock::new(t0());
    let trail = Arc::new(MemoryAuditTrail::new());
    let tracer = Tracer::new(
        Some(trail.clone() as Arc<dyn AuditTrail>),
        "810003612545",
        MEDECIN,
        Arc::new(clock.clone()),
    );
    let outbox = Outbox::new(Arc::new(SqliteOutbox::open_in_memory().unwrap()))
        .with_clock(Arc::new(clock.clone()))
        .with_tracer(tracer);
    Env {
        clock,
        trail,
        outbox,
    }
}

fn traced(trail: &MemoryAuditTrail, kind: &str) -> usize {
    trail
        .query(&AuditFilter::new().kind_prefix(kind))
        .unwrap()
        .len()
}

/// A token source with no token: the Pro Santé Connect session ended.
struct NoToken;
impl TokenSource for NoToken {
    fn token<'a>(
        &'a self,
        _audience: &'a Audience,
    ) -> BoxFuture<'a, Result<BearerToken, segur_psc::Error>> {
        Box::pin(async { Err(segur_psc::Error::ReauthenticationRequired) })
    }
}

#[tokio::test]
async fn operator_unreachable_then_back_sends_once_with_backoff() {
    let sim = sim().await;
    let env = outbox();
    let msg = message(SECRETARIAT, "réseau");
    env.outbox.enqueue(&msg).unwrap();

    // The operator is unreachable: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut c = mailbox(&sim, MEDECIN, "tok-medecin").config().clone();
    c.servers.smtp.port = port;
    let down = MailboxSubmitter::new(Arc::new(Mailbox::new(c)));
    let r = env.outbox.drain(&down).await.unwrap();
    assert_eq!(r.retrying.len(), 1, "{r:?}");
    assert!(r.retrying[0].1.contains("injoignable"), "{r:?}");
    let e = env.outbox.status(&msg.message_id).unwrap().unwrap();
    assert_eq!(e.entry.status, OutboxStatus::Pending);
    assert_eq!(e.state, MessageState::Queued);
    assert!(
        e.entry
            .last_error
            .as_deref()
            .unwrap()
            .contains("cannot connect")
    );
    assert_eq!(e.entry.next_attempt_at, t0() + time::Duration::seconds(30));
    let report = env.outbox.report().unwrap();
    assert_eq!(report.pending.len(), 1);
    assert!(report.pending[0].explanation.is_some());

    // Not due yet: nothing happens even with the operator back.
    let up = MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-medecin"));
    assert!(env.outbox.drain(&up).await.unwrap().sent.is_empty());
    env.clock.advance(time::Duration::seconds(30));
    let r = env.outbox.drain(&up).await.unwrap();
    assert_eq!(r.sent, vec![msg.message_id.clone()]);
    let s = env.outbox.status(&msg.message_id).unwrap().unwrap();
    assert_eq!(s.entry.attempts, 2);
    assert_eq!(s.recipients[0].state, RecipientState::Submitted);
    // A second drain sends nothing more.
    assert!(env.outbox.drain(&up).await.unwrap().sent.is_empty());
    let n = sim
        .submissions()
        .iter()
        .filter(|s| String::from_utf8_lossy(&s.raw).contains(&msg.message_id))
        .count();
    assert_eq!(n, 1);
    assert_eq!(traced(&env.trail, "mss.outbox.retry"), 1);
    assert_eq!(traced(&env.trail, "mss.outbox.queued"), 1);
}

#[tokio::test]
async fn missing_token_keeps_the_message_until_the_user_logs_in_again() {
    let sim = sim().await;
    let env = outbox();
    let msg = message(SECRETARIAT, "jeton");
    env.outbox.enqueue(&msg).unwrap();
    let no_token = MailboxSubmitter::new(Arc::new(mailbox_with(&sim, MEDECIN, Arc::new(NoToken))));
    let r = env.outbox.drain(&no_token).await.unwrap();
    assert_eq!(r.retrying.len(), 1);
    assert!(r.retrying[0].1.contains("Pro Santé Connect"), "{r:?}");
    assert_eq!(
        env.outbox.state(&msg.message_id).unwrap(),
        MessageState::Queued
    );
    // A rejected token (operator side) is kept too.
    let bad = MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-expired"));
    env.clock.advance(time::Duration::minutes(5));
    let r = env.outbox.drain(&bad).await.unwrap();
    assert_eq!(r.retrying.len(), 1);
    assert!(r.retrying[0].1.contains("authentification"), "{r:?}");
    env.clock.advance(time::Duration::hours(1));
    let ok = MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-medecin"));
    assert_eq!(env.outbox.drain(&ok).await.unwrap().sent.len(), 1);
}

#[tokio::test]
async fn refused_for_good_is_failed_with_reason_and_can_be_retried_or_cancelled() {
    let v: TokenValidator = Arc::new(|t: &str| (t == "tok-medecin").then(|| MEDECIN.to_owned()));
    let sim = OperatorSimulator::builder()
        .account(addr(MEDECIN), MailboxKind::Personal)
        .account(addr(SECRETARIAT), MailboxKind::Organisational)
        .token_validator(v)
        .max_message_size(2_000)
        .start()
        .await
        .unwrap();
    let env = outbox();
    let big = message(SECRETARIAT, &"x".repeat(5_000));
    env.outbox.enqueue(&big).unwrap();
    let up = MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-medecin"));
    let r = env.outbox.drain(&up).await.unwrap();
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(r.failed[0].1.contains("volumineux"), "{r:?}");
    let report = env.outbox.report().unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("bytes")
    );
    assert_eq!(
        env.outbox.state(&big.message_id).unwrap(),
        MessageState::Failed
    );
    assert_eq!(traced(&env.trail, "mss.outbox.failed"), 1);
    // The user retries (fails again), then withdraws it.
    env.outbox.retry_now(&big.message_id).unwrap();
    assert_eq!(env.outbox.drain(&up).await.unwrap().failed.len(), 1);
    env.outbox.cancel(&big.message_id).unwrap();
    assert_eq!(
        env.outbox.state(&big.message_id).unwrap(),
        MessageState::Cancelled
    );
    assert!(env.outbox.cancel(&big.message_id).is_err());
    assert!(sim.submissions().is_empty());
}

/// A submitter whose first submission reaches the operator but "loses" the
/// answer, as a connection cut after the final dot.
struct LosesFirstAnswer {
    inner: MailboxSubmitter,
    lost: std::sync::atomic::AtomicBool,
}

impl Submitter for LosesFirstAnswer {
    fn address(&self) -> &MailAddress {
        self.inner.address()
    }
    fn submit<'a>(
        &'a self,
        msg: &'a OutgoingMessage,
    ) -> BoxFuture<'a, segur_mss::Result<SendReport>> {
        Box::pin(async move {
            let r = self.inner.submit(msg).await?;
            if !self.lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Err(segur_mss::DeliveryError::OutcomeUnknown {
                    message_id: r.message_id,
                    reason: "connection reset".into(),
                }
                .into());
            }
            Ok(r)
        })
    }
    fn find_submitted<'a>(
        &'a self,
        message_id: &'a str,
    ) -> BoxFuture<'a, segur_mss::Result<Option<bool>>> {
        self.inner.find_submitted(message_id)
    }
}

#[tokio::test]
async fn lost_answer_is_checked_in_the_sent_copy_not_resent() {
    let sim = sim().await;
    let env = outbox();
    let msg = message(SECRETARIAT, "coupure");
    env.outbox.enqueue(&msg).unwrap();
    let s = LosesFirstAnswer {
        inner: MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-medecin"))
            .with_server_sent_copy("Sent"),
        lost: Default::default(),
    };
    let r = env.outbox.drain(&s).await.unwrap();
    assert_eq!(r.retrying.len(), 1);
    let e = env.outbox.status(&msg.message_id).unwrap().unwrap().entry;
    assert!(e.needs_check);
    assert!(env.outbox.cancel(&msg.message_id).is_err(), "may be sent");
    env.clock.advance(time::Duration::minutes(1));
    let r = env.outbox.drain(&s).await.unwrap();
    assert_eq!(r.reconciled, vec![msg.message_id.clone()]);
    assert_eq!(sim.submissions().len(), 1, "not sent twice");
    assert_eq!(traced(&env.trail, "mss.outbox.reconciled"), 1);

    // Without a server-side copy: sent again, flagged.
    let env = outbox();
    let msg = message(SECRETARIAT, "sans copie");
    env.outbox.enqueue(&msg).unwrap();
    let s = LosesFirstAnswer {
        inner: MailboxSubmitter::new(mailbox(&sim, MEDECIN, "tok-medecin")),
        lost: Default::default(),
    };
    env.outbox.drain(&s).await.unwrap();
    env.clock.advance(time::Duration::minutes(1));
    let r = env.outbox.drain(&s).await.unwrap();
    assert_eq!(r.possible_duplicates, vec![msg.message_id.clone()]);
    assert!(
        env.outbox
            .status(&msg.message_id)
            .unwrap()
            .unwrap()
            .entry
            .possible_duplicate
    );
    assert_eq!(traced(&env.trail, "mss.outbox.resent"), 1);
}

async fn wait_inbox(m: &Mailbox, pred: impl Fn(&[u8]) -> bool) -> (u32, Vec<u8>) {
    for _ in 0..100 {
        let uids = m
            .search(INBOX, segur_mss::imap::proto::SearchKey::All)
            .await
            .unwrap();
        for uid in uids.into_iter().rev() {
            let f = m.fetch_one(INBOX, uid).await.unwrap();
            if pred(&f.raw) {
                return (uid, f.raw);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("message not found");
}

#[tokio::test]
async fn delivery_and_read_receipts_update_the_sent_message() {
    let sim = sim().await;
    let env = outbox();
    let medecin = mailbox(&sim, MEDECIN, "tok-medecin");
    let secretariat = mailbox(&sim, SECRETARIAT, "tok-secretariat");
    let msg = message(SECRETARIAT, "accusés");
    env.outbox.enqueue(&msg).unwrap();
    env.outbox
        .drain(&MailboxSubmitter::new(medecin.clone()))
        .await
        .unwrap();
    assert_eq!(
        env.outbox.state(&msg.message_id).unwrap(),
        MessageState::Sent
    );

    // The delivery receipt (DSN) comes back to the sender.
    let (_, dsn) = wait_inbox(&medecin, |raw| {
        String::from_utf8_lossy(raw).contains("report-type=delivery-status")
    })
    .await;
    let update = env
        .outbox
        .record_notification(&parse_message(&dsn).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(update.message_id, msg.message_id);
    assert_eq!(update.state, MessageState::Delivered);

    // The secretariat reads it: the automatic policy queues the MDN.
    let sec_env = outbox();
    let (uid, _) = wait_inbox(&secretariat, |raw| {
        String::from_utf8_lossy(raw).contains(&msg.message_id)
    })
    .await;
    let read = mark_read(
        &secretariat,
        &sec_env.outbox,
        INBOX,
        uid,
        ReadReceiptPolicy::Automatic,
        "segur-rs test",
    )
    .await
    .unwrap();
    let ReadReceiptDecision::Send(mdn) = &read.decision else {
        panic!("automatic policy: {:?}", read.decision);
    };
    assert_eq!(traced(&sec_env.trail, "mss.mdn.queued"), 1);
    let f = secretariat.fetch_one(INBOX, uid).await.unwrap();
    assert!(f.is_seen());
    assert!(f.flags.iter().any(|x| x == MDN_SENT_KEYWORD));
    // Reading it again (another workstation) sends nothing more.
    let again = mark_read(
        &secretariat,
        &sec_env.outbox,
        INBOX,
        uid,
        ReadReceiptPolicy::Automatic,
        "segur-rs test",
    )
    .await
    .unwrap();
    assert!(matches!(again.decision, ReadReceiptDecision::AlreadySent));
    let r = sec_env
        .outbox
        .drain(&MailboxSubmitter::new(secretariat.clone()))
        .await
        .unwrap();
    assert_eq!(r.sent, vec![mdn.message_id.clone()]);

    // The MDN reaches the sender and marks the message read.
    let (_, raw) = wait_inbox(&medecin, |raw| {
        String::from_utf8_lossy(raw).contains("disposition-notification")
            && String::from_utf8_lossy(raw).contains(&msg.message_id)
    })
    .await;
    let update = env
        .outbox
        .record_notification(&parse_message(&raw).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(update.state, MessageState::Read);
    assert_eq!(update.changed[0].state, RecipientState::Read);
    assert_eq!(traced(&env.trail, "mss.notification.received"), 2);
    // A late duplicate changes nothing.
    let again = env
        .outbox
        .record_notification(&parse_message(&raw).unwrap())
        .unwrap()
        .unwrap();
    assert!(again.changed.is_empty());
    // A message that is not a notification, or about an unknown message.
    assert!(
        env.outbox
            .record_notification(&parse_message(&msg.bytes).unwrap())
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn ask_user_policy_and_manual_receipt() {
    let sim = sim().await;
    let env = outbox();
    let medecin = mailbox(&sim, MEDECIN, "tok-medecin");
    let secretariat = mailbox(&sim, SECRETARIAT, "tok-secretariat");
    let msg = message(SECRETARIAT, "demande");
    env.outbox.enqueue(&msg).unwrap();
    env.outbox
        .drain(&MailboxSubmitter::new(medecin.clone()))
        .await
        .unwrap();
    let sec_env = outbox();
    let (uid, _) = wait_inbox(&secretariat, |raw| {
        String::from_utf8_lossy(raw).contains(&msg.message_id)
    })
    .await;
    let read = mark_read(
        &secretariat,
        &sec_env.outbox,
        INBOX,
        uid,
        ReadReceiptPolicy::AskUser,
        "segur-rs test",
    )
    .await
    .unwrap();
    assert!(matches!(read.decision, ReadReceiptDecision::AskUser { .. }));
    assert_eq!(traced(&sec_env.trail, "mss.mdn.not_sent"), 1);
    assert!(sec_env.outbox.report().unwrap().pending.is_empty());
    let mdn = send_read_receipt(&secretariat, &sec_env.outbox, INBOX, uid, "segur-rs test")
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&mdn.bytes).contains("manual-action/MDN-sent-manually; displayed")
    );
    assert_eq!(sec_env.outbox.report().unwrap().pending.len(), 1);
}

#[tokio::test]
async fn bounce_from_a_closed_patient_mailbox_fails_with_explanation() {
    let sim = sim().await;
    let env = outbox();
    let medecin = mailbox(&sim, MEDECIN, "tok-medecin");
    let to = Recipient::Patient(PatientMailbox::for_patient(&qualified_ins()).unwrap());
    let msg = MessageBuilder::new(addr(MEDECIN), "DEV935997")
        .to(to)
        .subject("Résultats")
        .text("Bonjour")
        .build(OffsetDateTime::now_utc())
        .unwrap();
    env.outbox.enqueue(&msg).unwrap();
    env.outbox
        .drain(&MailboxSubmitter::new(medecin.clone()))
        .await
        .unwrap();
    let (_, dsn) = wait_inbox(&medecin, |raw| {
        let t = String::from_utf8_lossy(raw);
        t.contains("report-type=delivery-status") && t.contains(&msg.message_id)
    })
    .await;
    let update = env
        .outbox
        .record_notification(&parse_message(&dsn).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(update.state, MessageState::Failed);
    let r = &update.changed[0];
    assert_eq!(r.state, RecipientState::Failed);
    assert!(
        r.explanation.as_deref().unwrap().contains("clôturé"),
        "{r:?}"
    );
    assert!(r.detail.as_deref().unwrap().contains("5.2.1"));
}

fn qualified_ins() -> segur_ins::QualifiedIns {
    use segur_ins::{
        BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent,
        Ins, InsOid, Sex, Traits,
    };
    let traits = Traits::builder()
        .birth_family_name("PAT-TROIS")
        .birth_given_names("DOMINIQUE")
        .birth_date(BirthDate::parse("1979-03-28").unwrap())
        .sex(Sex::Female)
        .birth_place("63220")
        .build()
        .unwrap();
    let ctx = EventContext::new(OffsetDateTime::UNIX_EPOCH, "test");
    let mut id = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);
    let ins = Ins::new("279035121518989".parse().unwrap(), InsOid::Test);
    id.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)
        .unwrap();
    id.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        &ctx,
    )
    .unwrap();
    id.qualified_ins().unwrap()
}

#[test]
fn enqueue_conflict_and_unknown_ids_are_typed() {
    let env = outbox();
    let a = message(SECRETARIAT, "a");
    env.outbox.enqueue(&a).unwrap();
    let mut b = message(SECRETARIAT, "b");
    b.message_id = a.message_id.clone();
    let e = env.outbox.enqueue(&b).unwrap_err();
    assert!(matches!(
        e,
        Error::Outbox(segur_mss::OutboxError::Conflict(_))
    ));
    assert!(e.explanation().contains("identifiant"));
    assert!(matches!(
        env.outbox.state("<nope@x>"),
        Err(Error::Outbox(segur_mss::OutboxError::NotFound(_)))
    ));
    let _ = kinds::OUTBOX_QUEUED;
    let _ = RetryPolicy::default();
}
