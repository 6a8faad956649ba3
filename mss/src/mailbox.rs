//! A mailbox: the high-level client an LGC uses. It runs the standard
//! connection sequence, reopens sessions the operator closes (`BYE`, idle
//! timeout, network cut) and replays the interrupted operation without user
//! action (SC.MSS/CONF.11), ends the session when Pro Santé Connect can no
//! longer give a token (CONF.10), never keeps the token (CONF.28: it is asked
//! from the [`TokenSource`](segur_psc::TokenSource) at each login), and
//! traces every action (CONF.17/18). A failure is returned as a typed error and
//! leaves the rest of the software untouched (CONF.08).

use std::sync::Arc;

use segur_psc::{SharedClock, SystemClock};
use segur_ssi::audit::{AuditTrail, Outcome};
use tokio::sync::Mutex;

use crate::address::{MailAddress, MailboxKind};
use crate::config::{Authentication, MailboxConfig, OAuthMechanism};
use crate::error::{AuthError, ConnectionError, Error, ProtocolError, Result};
use crate::imap::client::{Folder, ImapClient};
use crate::imap::proto::{FetchItems, SearchKey, StoreMode, UidSet};
use crate::message::OutgoingMessage;
use crate::sasl::{self, Mechanism};
use crate::smtp::client::{SendReport, SmtpClient};
use crate::trace::{Tracer, kinds, outcome};

/// A boxed `Send` future borrowing the IMAP session.
type OpFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send + 'c>>;

/// Helps closure type inference for [`Mailbox::with_imap`].
fn op<T, F>(f: F) -> F
where
    F: for<'c> FnMut(&'c mut ImapClient) -> OpFuture<'c, T>,
{
    f
}

/// The standard INBOX folder.
pub const INBOX: &str = "INBOX";

/// A message fetched from a folder.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    /// Folder.
    pub folder: String,
    /// UID in the folder.
    pub uid: u32,
    /// Flags.
    pub flags: Vec<String>,
    /// Raw RFC 5322 bytes.
    pub raw: Vec<u8>,
}

impl FetchedMessage {
    /// Whether the message is marked read.
    pub fn is_seen(&self) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"))
    }
}

impl std::fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedMessage")
            .field("folder", &self.folder)
            .field("uid", &self.uid)
            .field("flags", &self.flags)
            .field("len", &self.raw.len())
            .finish()
    }
}

/// One mailbox of the user.
pub struct Mailbox {
    config: Arc<MailboxConfig>,
    imap: Mutex<Option<ImapClient>>,
    tracer: Tracer,
    reconnections: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("address", &self.config.address)
            .field("kind", &self.config.kind)
            .finish()
    }
}

impl Mailbox {
    /// A mailbox without audit trail.
    pub fn new(config: MailboxConfig) -> Self {
        let address = config.address.to_string();
        Self {
            config: Arc::new(config),
            imap: Mutex::new(None),
            tracer: Tracer::new(None, "unknown", address, Arc::new(SystemClock)),
            reconnections: Default::default(),
        }
    }

    /// Traces every action in `trail` in the name of `actor` (idNat_PS or
    /// account id), time-stamped by `clock`.
    pub fn with_audit(
        mut self,
        trail: Arc<dyn AuditTrail>,
        actor: impl Into<String>,
        clock: Option<SharedClock>,
    ) -> Self {
        self.tracer = Tracer::new(
            Some(trail),
            actor,
            self.config.address.to_string(),
            clock.unwrap_or_else(|| Arc::new(SystemClock)),
        );
        self
    }

    /// The address.
    pub fn address(&self) -> &MailAddress {
        &self.config.address
    }

    /// The mailbox type.
    pub fn kind(&self) -> &MailboxKind {
        &self.config.kind
    }

    /// The configuration.
    pub fn config(&self) -> &MailboxConfig {
        &self.config
    }

    /// Number of sessions reopened automatically since creation.
    pub fn reconnections(&self) -> u32 {
        self.reconnections
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The SASL mechanism and its initial message, with a fresh token.
    async fn credentials(&self, host: &str, port: u16) -> Result<(Mechanism, Vec<u8>)> {
        let user = self.config.address.as_str();
        match &self.config.auth {
            Authentication::ClientCertificate { authzid } => {
                Ok((Mechanism::External, sasl::external(authzid.as_deref())))
            }
            Authentication::OAuth {
                mechanism,
                tokens,
                audience,
            } => {
                let token = match tokens.token(audience).await {
                    Ok(t) => t,
                    Err(e) => {
                        let e = Error::from(e);
                        if matches!(e, Error::SessionEnded) {
                            self.tracer
                                .record(kinds::SESSION_ENDED, Outcome::Success, |ev| {
                                    ev.with_detail("reason", "Pro Santé Connect session ended")
                                });
                        }
                        return Err(e);
                    }
                };
                let secret = token.access_token().secret();
                Ok(match mechanism {
                    OAuthMechanism::Xoauth2 => (Mechanism::Xoauth2, sasl::xoauth2(user, secret)),
                    OAuthMechanism::OAuthBearer => (
                        Mechanism::OAuthBearer,
                        sasl::oauthbearer(user, host, port, secret),
                    ),
                })
            }
        }
    }

    async fn open_imap(&self) -> Result<ImapClient> {
        let c = &self.config;
        let mut client = ImapClient::connect(
            &c.servers.imap,
            c.tls.clone(),
            c.timeouts,
            c.max_message_size,
        )
        .await?;
        let (mech, initial) = self
            .credentials(&c.servers.imap.host, c.servers.imap.port)
            .await?;
        client
            .authenticate(mech, &initial, c.address.as_str())
            .await?;
        Ok(client)
    }

    /// Runs `op` on an authenticated IMAP session, opening or reopening it as
    /// needed: when the session is lost during `op`, a new one is opened (with
    /// a fresh token) and `op` is run again, up to the policy's limit.
    async fn with_imap<T, F>(&self, command: &str, mut op: F) -> Result<T>
    where
        F: for<'c> FnMut(&'c mut ImapClient) -> OpFuture<'c, T> + Send,
        T: Send,
    {
        let mut guard = self.imap.lock().await;
        let delays = self.config.reconnect.delays.clone();
        let mut attempt = 0usize;
        loop {
            let reopening = attempt > 0;
            if guard.is_none() {
                let opened = self.open_imap().await;
                let kind = if reopening {
                    kinds::SESSION_REOPENED
                } else {
                    kinds::SESSION_OPENED
                };
                self.tracer.record(kind, outcome(&opened), |ev| {
                    let ev = ev
                        .with_detail("protocol", "IMAP")
                        .with_detail("command", "AUTHENTICATE");
                    match &opened {
                        Err(e) => ev.with_detail("error", e.to_string()),
                        Ok(_) => ev,
                    }
                });
                match opened {
                    Ok(c) => {
                        if reopening {
                            self.reconnections
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        *guard = Some(c);
                    }
                    Err(e) if e.is_connection_lost() && attempt < delays.len() => {
                        tokio::time::sleep(delays[attempt]).await;
                        attempt += 1;
                        continue;
                    }
                    Err(e) => return Err(give_up(e, attempt)),
                }
            }
            let Some(client) = guard.as_mut() else {
                continue;
            };
            match op(client).await {
                Err(e) if e.is_connection_lost() => {
                    tracing::info!(mailbox = %self.config.address, %command, error = %e, "MSSanté session lost; reopening");
                    *guard = None;
                    if attempt >= delays.len() {
                        return Err(give_up(e, attempt));
                    }
                    tokio::time::sleep(delays[attempt]).await;
                    attempt += 1;
                }
                r => return r,
            }
        }
    }

    /// Sends a message by SMTP submission, reconnecting when the session is
    /// lost before the server accepted it.
    pub async fn send(&self, msg: &OutgoingMessage) -> Result<SendReport> {
        let c = &self.config;
        let delays = &c.reconnect.delays;
        let mut attempt = 0usize;
        let result = loop {
            let r = async {
                let mut smtp = SmtpClient::connect(
                    &c.servers.smtp,
                    c.tls.clone(),
                    c.timeouts,
                    c.ehlo_name.as_deref(),
                )
                .await?;
                match &c.auth {
                    Authentication::ClientCertificate { .. }
                        if !smtp.ehlo_info().offers_auth("EXTERNAL") =>
                    {
                        // The operator authorises the submission by the TLS client
                        // certificate alone (no SASL EXTERNAL on its SMTP side).
                    }
                    _ => {
                        let (mech, initial) = self
                            .credentials(&c.servers.smtp.host, c.servers.smtp.port)
                            .await?;
                        smtp.authenticate(mech, &initial, c.address.as_str())
                            .await?;
                    }
                }
                let report = smtp.send(msg).await?;
                smtp.quit().await;
                Ok::<_, Error>(report)
            }
            .await;
            match r {
                Err(e) if e.is_connection_lost() && attempt < delays.len() => {
                    tokio::time::sleep(delays[attempt]).await;
                    attempt += 1;
                    self.reconnections
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) if e.is_connection_lost() => break Err(give_up(e, attempt)),
                r => break r,
            }
        };
        self.tracer
            .record(kinds::MESSAGE_SENT, outcome(&result), |mut ev| {
                ev = ev
                    .with_request_id(msg.message_id.clone())
                    .with_detail("protocol", "SMTP")
                    .with_detail("command", "MAIL FROM/RCPT TO/DATA")
                    .with_detail(
                        "recipients",
                        msg.recipients
                            .iter()
                            .map(|r| r.to_string())
                            .collect::<Vec<_>>()
                            .join(","),
                    )
                    .with_detail("kind", msg.trace.kind.clone());
                if let Some(p) = &msg.trace.patient_ref {
                    ev = ev.with_patient(p.clone());
                }
                if !msg.trace.documents.is_empty() {
                    ev = ev
                        .with_document(msg.trace.documents.join(","))
                        .with_detail("codes", msg.trace.codes.join(","));
                }
                if let Some(r) = &msg.trace.in_reply_to {
                    ev = ev.with_detail("in_reply_to", r.clone());
                }
                match &result {
                    Ok(rep) => ev
                        .with_detail("server_reply", rep.server_reply.clone())
                        .with_detail("rejected", rep.rejected.len().to_string()),
                    Err(e) => ev.with_detail("error", e.to_string()),
                }
            });
        result
    }

    /// Lists the folders.
    pub async fn folders(&self) -> Result<Vec<Folder>> {
        let r = self
            .with_imap("LIST", op(|c| Box::pin(async move { c.list().await })))
            .await;
        self.tracer
            .record(kinds::MESSAGE_FETCHED, outcome(&r), |ev| {
                ev.with_detail("command", "LIST")
            });
        r
    }

    /// UIDs of the messages of `folder` matching `key`.
    pub async fn search(&self, folder: &str, key: SearchKey) -> Result<Vec<u32>> {
        self.with_imap(
            "UID SEARCH",
            op(move |c| {
                let key = key.clone();
                let folder = folder.to_owned();
                Box::pin(async move {
                    c.select(&folder).await?;
                    c.uid_search(key).await
                })
            }),
        )
        .await
    }

    /// UIDs of unread messages of `folder`.
    pub async fn unseen(&self, folder: &str) -> Result<Vec<u32>> {
        self.search(folder, SearchKey::Unseen).await
    }

    /// UIDs of the messages of `folder` whose `Message-ID` is `message_id`.
    pub async fn find_message_id(&self, folder: &str, message_id: &str) -> Result<Vec<u32>> {
        self.search(
            folder,
            SearchKey::Header("Message-ID".into(), message_id.to_owned()),
        )
        .await
    }

    /// Fetches messages by UID (without marking them read).
    pub async fn fetch(&self, folder: &str, uids: &[u32]) -> Result<Vec<FetchedMessage>> {
        let r = self
            .with_imap(
                "UID FETCH",
                op(move |c| {
                    let folder = folder.to_owned();
                    let set = UidSet::of(uids);
                    Box::pin(async move {
                        c.select(&folder).await?;
                        let data = c.uid_fetch(set, FetchItems::Full).await?;
                        Ok(data
                            .into_iter()
                            .filter_map(|d| {
                                Some(FetchedMessage {
                                    folder: folder.clone(),
                                    uid: d.uid?,
                                    flags: d.flags.unwrap_or_default(),
                                    raw: d.body?,
                                })
                            })
                            .collect::<Vec<_>>())
                    })
                }),
            )
            .await;
        self.tracer
            .record(kinds::MESSAGE_FETCHED, outcome(&r), |ev| {
                ev.with_detail("command", format!("UID FETCH {}", UidSet::of(uids)))
                    .with_detail("folder", folder.to_owned())
            });
        r
    }

    /// Fetches one message.
    pub async fn fetch_one(&self, folder: &str, uid: u32) -> Result<FetchedMessage> {
        self.fetch(folder, &[uid])
            .await?
            .into_iter()
            .find(|m| m.uid == uid)
            .ok_or_else(|| {
                ProtocolError::NoSuchMessage {
                    folder: folder.to_owned(),
                    uid,
                }
                .into()
            })
    }

    /// Fetches every message of `folder` with a UID above `after_uid`.
    pub async fn fetch_new(&self, folder: &str, after_uid: u32) -> Result<Vec<FetchedMessage>> {
        let uids: Vec<u32> = self
            .search(
                folder,
                SearchKey::Uid(UidSet::from_onwards(after_uid.saturating_add(1))),
            )
            .await?
            .into_iter()
            .filter(|u| *u > after_uid)
            .collect();
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.fetch(folder, &uids).await
    }

    /// Marks a message read or unread.
    pub async fn set_seen(&self, folder: &str, uid: u32, seen: bool) -> Result<()> {
        let r = self
            .with_imap(
                "UID STORE",
                op(move |c| {
                    let folder = folder.to_owned();
                    Box::pin(async move {
                        c.select(&folder).await?;
                        c.uid_store(
                            UidSet::single(uid),
                            if seen {
                                StoreMode::Add
                            } else {
                                StoreMode::Remove
                            },
                            &["\\Seen"],
                        )
                        .await
                    })
                }),
            )
            .await;
        self.tracer.record(kinds::MESSAGE_READ, outcome(&r), |ev| {
            ev.with_detail(
                "command",
                format!(
                    "UID STORE {uid} {}FLAGS (\\Seen)",
                    if seen { "+" } else { "-" }
                ),
            )
            .with_detail("folder", folder.to_owned())
        });
        r
    }

    /// Adds flags or keywords to a message (e.g. `$MDNSent`, RFC 3503).
    pub async fn add_flags(&self, folder: &str, uid: u32, flags: &[&str]) -> Result<()> {
        let r = self
            .with_imap(
                "UID STORE",
                op(move |c| {
                    let folder = folder.to_owned();
                    let flags: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
                    Box::pin(async move {
                        c.select(&folder).await?;
                        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
                        c.uid_store(UidSet::single(uid), StoreMode::Add, &flags)
                            .await
                    })
                }),
            )
            .await;
        self.tracer
            .record(kinds::MESSAGE_STORED, outcome(&r), |ev| {
                ev.with_detail(
                    "command",
                    format!("UID STORE {uid} +FLAGS ({})", flags.join(" ")),
                )
                .with_detail("folder", folder.to_owned())
            });
        r
    }

    /// Deletes a message (`\Deleted` then expunge).
    pub async fn delete(&self, folder: &str, uid: u32) -> Result<()> {
        let r = self
            .with_imap(
                "UID STORE/EXPUNGE",
                op(move |c| {
                    let folder = folder.to_owned();
                    Box::pin(async move {
                        c.select(&folder).await?;
                        c.uid_store(UidSet::single(uid), StoreMode::Add, &["\\Deleted"])
                            .await?;
                        c.expunge(UidSet::single(uid)).await
                    })
                }),
            )
            .await;
        self.tracer
            .record(kinds::MESSAGE_DELETED, outcome(&r), |ev| {
                ev.with_detail("command", format!("UID EXPUNGE {uid}"))
                    .with_detail("folder", folder.to_owned())
            });
        r
    }

    /// Stores a message in a folder (e.g. a copy of a sent message in `Sent`).
    pub async fn append(&self, folder: &str, raw: &[u8], seen: bool) -> Result<Option<u32>> {
        let flags: &[&str] = if seen { &["\\Seen"] } else { &[] };
        let r = self
            .with_imap(
                "APPEND",
                op(move |c| {
                    let folder = folder.to_owned();
                    let raw = raw.to_vec();
                    Box::pin(async move { c.append(&folder, flags, &raw).await })
                }),
            )
            .await;
        self.tracer
            .record(kinds::MESSAGE_STORED, outcome(&r), |ev| {
                ev.with_detail("command", "APPEND")
                    .with_detail("folder", folder.to_owned())
            });
        r
    }

    /// Closes the IMAP session (`LOGOUT`), if open.
    pub async fn close(&self) -> Result<()> {
        let client = self.imap.lock().await.take();
        if let Some(c) = client {
            c.logout().await?;
            self.tracer
                .record(kinds::SESSION_ENDED, Outcome::Success, |ev| {
                    ev.with_detail("command", "LOGOUT")
                });
        }
        Ok(())
    }

    /// Drops the current session without logging out (tests of reopening).
    pub async fn drop_session(&self) {
        self.imap.lock().await.take();
    }
}

fn give_up(e: Error, attempts: usize) -> Error {
    match e {
        Error::Connection(c) if attempts > 0 => ConnectionError::RetriesExhausted {
            attempts: attempts as u32 + 1,
            last: Box::new(c),
        }
        .into(),
        other => other,
    }
}

/// The mailboxes of one user (personal, organisational, applicative, cabinet).
#[derive(Debug, Default)]
pub struct MailboxSet {
    mailboxes: Vec<Arc<Mailbox>>,
}

impl MailboxSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a mailbox (replacing one with the same address).
    pub fn add(&mut self, mailbox: Mailbox) -> Arc<Mailbox> {
        self.mailboxes.retain(|m| m.address() != mailbox.address());
        let m = Arc::new(mailbox);
        self.mailboxes.push(m.clone());
        m
    }

    /// The mailbox with this address.
    pub fn get(&self, address: &MailAddress) -> Option<Arc<Mailbox>> {
        self.mailboxes
            .iter()
            .find(|m| m.address() == address)
            .cloned()
    }

    /// The mailboxes of a type.
    pub fn of_kind(&self, kind: &MailboxKind) -> Vec<Arc<Mailbox>> {
        self.mailboxes
            .iter()
            .filter(|m| m.kind() == kind)
            .cloned()
            .collect()
    }

    /// All mailboxes.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Mailbox>> {
        self.mailboxes.iter()
    }

    /// Number of mailboxes.
    pub fn len(&self) -> usize {
        self.mailboxes.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty()
    }

    /// Closes every session.
    pub async fn close_all(&self) {
        for m in &self.mailboxes {
            let _ = m.close().await;
        }
    }
}

/// Checks that certificate authentication has a certificate to present.
pub fn check_auth_config(config: &MailboxConfig) -> Result<()> {
    if matches!(config.auth, Authentication::ClientCertificate { .. })
        && !config.tls.client_auth_cert_resolver.has_certs()
    {
        return Err(AuthError::NoClientCertificate.into());
    }
    Ok(())
}
