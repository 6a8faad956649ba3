//! The MSSanté operator simulator (feature `sim`): an in-process operator on
//! 127.0.0.1 speaking real IMAP and SMTP submission over TLS with the
//! segur-ssi test PKI, for this crate's tests, segur-conformance and editors'
//! own tests.
//!
//! - IMAP subset: CAPABILITY, STARTTLS, AUTHENTICATE (XOAUTH2, OAUTHBEARER,
//!   EXTERNAL with the TLS client certificate), SELECT/EXAMINE, LIST, CREATE,
//!   UID SEARCH/FETCH/STORE/EXPUNGE, APPEND, EXPUNGE, CLOSE, NOOP, LOGOUT;
//! - SMTP submission: EHLO, STARTTLS, AUTH XOAUTH2/OAUTHBEARER, submission
//!   authorised by a client certificate alone, MAIL/RCPT/DATA with SIZE and
//!   DSN, delivery to the simulated mailboxes;
//! - tokens checked by a [`TokenValidator`] (e.g. the PSC simulator's
//!   `validate_access_token`), certificates against the test PKI;
//! - Mon espace santé patient mailboxes with the known bounces (unknown,
//!   closed, too large) returned as DSNs, and `X-MSS-MES: FIN` recorded;
//! - session kills (`BYE`), abrupt cuts and idle timeouts to test reconnection.

pub mod directory;
mod imap;
mod smtp;
mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use segur_psc::{SharedClock, SystemClock};
use segur_ssi::test_pki::{TestCert, TestPki};
use segur_ssi::tls::{ClientAuth, ServerTlsBuilder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::address::{MailAddress, MailboxKind, PATIENT_DOMAIN};
use crate::config::{Security, ServerEndpoint, ServerSettings};
use crate::error::{Error, Result};
use store::Store;
pub use store::{SimMessage, Submission};

/// Checks a bearer token: returns the subject it was issued to (a mailbox
/// address or a national id), or `None` when invalid/expired.
pub type TokenValidator = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// State of a simulated Mon espace santé patient mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatientMailboxState {
    /// Active: messages are delivered.
    Open,
    /// Closed by the patient: bounce `5.2.1`.
    Closed,
}

/// Builder of [`OperatorSimulator`].
pub struct OperatorSimulatorBuilder {
    accounts: Vec<(MailAddress, MailboxKind)>,
    authorizations: Vec<(String, MailAddress)>,
    validator: Option<TokenValidator>,
    patients: Vec<(MailAddress, PatientMailboxState)>,
    idle_timeout: Option<Duration>,
    max_size: u64,
    sent_copy: Option<String>,
    clock: SharedClock,
    pki: Option<Arc<TestPki>>,
}

impl std::fmt::Debug for OperatorSimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorSimulatorBuilder")
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl OperatorSimulatorBuilder {
    /// Adds a mailbox.
    pub fn account(mut self, address: MailAddress, kind: MailboxKind) -> Self {
        self.accounts.push((address, kind));
        self
    }

    /// Lets `subject` (token subject, idNat_PS of a certificate, or an
    /// address) open `mailbox`. A subject always opens the mailbox with its
    /// own address.
    pub fn authorize(mut self, subject: impl Into<String>, mailbox: MailAddress) -> Self {
        self.authorizations.push((subject.into(), mailbox));
        self
    }

    /// The token check for XOAUTH2 / OAUTHBEARER (without it, OAuth fails).
    pub fn token_validator(mut self, v: TokenValidator) -> Self {
        self.validator = Some(v);
        self
    }

    /// A Mon espace santé patient mailbox known to the simulator (others bounce
    /// as unknown, `5.1.1`).
    pub fn patient_mailbox(mut self, address: MailAddress, state: PatientMailboxState) -> Self {
        self.patients.push((address, state));
        self
    }

    /// Closes sessions idle for this long with `BYE` (like an operator).
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = Some(d);
        self
    }

    /// SMTP `SIZE` limit (default 25 MB).
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Keeps a copy of every submitted message in the sender's `folder`
    /// (as operators that file submissions in `Sent`): lets a client check
    /// whether an interrupted submission arrived.
    pub fn copy_submissions_to(mut self, folder: impl Into<String>) -> Self {
        self.sent_copy = Some(folder.into());
        self
    }

    /// Clock for internal dates and DSNs.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this test PKI (e.g. shared with other simulators) instead of a new one.
    pub fn pki(mut self, pki: Arc<TestPki>) -> Self {
        self.pki = Some(pki);
        self
    }

    /// Starts the listeners on 127.0.0.1 (random ports).
    pub async fn start(self) -> Result<OperatorSimulator> {
        let pki = match self.pki {
            Some(p) => p,
            None => Arc::new(TestPki::generate()?),
        };
        let server_cert = pki.issue_localhost_server()?;
        let tls = ServerTlsBuilder::new(server_cert.identity()?)
            .with_client_auth(ClientAuth::Optional(pki.trust_store()?))
            .build()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let mut authorizations: HashMap<String, Vec<MailAddress>> = HashMap::new();
        for (s, m) in self.authorizations {
            authorizations.entry(s).or_default().push(m);
        }
        let mut store = Store::new(self.accounts, self.patients, self.clock.clone());
        store.sent_copy = self.sent_copy;
        let (kill_tx, _) = watch::channel(Kill::None);
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            authorizations,
            validator: self.validator,
            acceptor,
            idle_timeout: self.idle_timeout,
            max_size: self.max_size,
            kill: kill_tx,
            stats: Mutex::new(Stats::default()),
        });
        let mut tasks = Vec::new();
        let mut addrs = HashMap::new();
        for (proto, security) in [
            (Service::Imap, Security::StartTls),
            (Service::Imap, Security::ImplicitTls),
            (Service::Smtp, Security::StartTls),
            (Service::Smtp, Security::ImplicitTls),
        ] {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| sim_io("bind", e))?;
            addrs.insert(
                (proto, security),
                listener.local_addr().map_err(|e| sim_io("local_addr", e))?,
            );
            let shared = shared.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        break;
                    };
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        let r = match proto {
                            Service::Imap => imap::session(shared, tcp, security).await,
                            Service::Smtp => smtp::session(shared, tcp, security).await,
                        };
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "simulator session ended");
                        }
                    });
                }
            }));
        }
        Ok(OperatorSimulator {
            shared,
            addrs,
            tasks,
            pki,
            server_cert,
        })
    }
}

fn sim_io(what: &str, e: std::io::Error) -> Error {
    crate::error::ConnectionError::Connect {
        endpoint: format!("simulator {what}"),
        source: e,
    }
    .into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Service {
    Imap,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kill {
    None,
    /// `BYE` then close.
    Bye(u64),
    /// Close without a word (network cut).
    Cut(u64),
}

/// Counters for assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Successful IMAP authentications.
    pub imap_logins: u32,
    /// Failed IMAP authentications.
    pub imap_login_failures: u32,
    /// Successful SMTP authentications (SASL or certificate).
    pub smtp_logins: u32,
    /// Messages accepted by SMTP.
    pub submissions: u32,
}

pub(crate) struct Shared {
    store: Mutex<Store>,
    authorizations: HashMap<String, Vec<MailAddress>>,
    validator: Option<TokenValidator>,
    acceptor: tokio_rustls::TlsAcceptor,
    idle_timeout: Option<Duration>,
    max_size: u64,
    kill: watch::Sender<Kill>,
    stats: Mutex<Stats>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `subject` may open `mailbox`.
    fn may_open(&self, subject: &str, mailbox: &MailAddress) -> bool {
        subject.eq_ignore_ascii_case(mailbox.as_str())
            || self
                .authorizations
                .get(subject)
                .is_some_and(|v| v.contains(mailbox))
    }

    /// The mailbox a certificate opens by default.
    fn default_mailbox(&self, subject: &str) -> Option<MailAddress> {
        self.authorizations
            .get(subject)
            .and_then(|v| v.first().cloned())
    }

    /// Checks OAuth credentials for `user`.
    fn check_token(&self, user: &str, token: &str) -> Option<MailAddress> {
        let v = self.validator.as_ref()?;
        let subject = v(token)?;
        let mailbox = MailAddress::parse(user).ok()?;
        (self.may_open(&subject, &mailbox) && self.store().has_account(&mailbox)).then_some(mailbox)
    }

    /// The national id in a TLS client certificate.
    fn certificate_subject(
        peer: Option<&[rustls_pki_types::CertificateDer<'static>]>,
    ) -> Option<String> {
        let cert = segur_ssi::tls::peer_identity(peer?)?.ok()?;
        match cert.national_id()? {
            segur_ssi::cert::NationalId::Professional(id) => Some(id.to_string()),
            segur_ssi::cert::NationalId::Structure(id) => Some(id.to_string()),
            _ => None,
        }
    }
}

/// A running simulator. Dropping it stops the listeners.
pub struct OperatorSimulator {
    shared: Arc<Shared>,
    addrs: HashMap<(Service, Security), SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
    pki: Arc<TestPki>,
    server_cert: TestCert,
}

impl std::fmt::Debug for OperatorSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorSimulator")
            .field("addrs", &self.addrs)
            .finish_non_exhaustive()
    }
}

impl Drop for OperatorSimulator {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl OperatorSimulator {
    /// A builder with a system clock, a new test PKI and a 25 MB limit.
    pub fn builder() -> OperatorSimulatorBuilder {
        OperatorSimulatorBuilder {
            accounts: Vec::new(),
            authorizations: Vec::new(),
            validator: None,
            patients: Vec::new(),
            idle_timeout: None,
            max_size: crate::message::MES_MAX_SIZE,
            sent_copy: None,
            clock: Arc::new(SystemClock),
            pki: None,
        }
    }

    fn endpoint(&self, service: Service, security: Security) -> ServerEndpoint {
        let port = self
            .addrs
            .get(&(service, security))
            .map(|a| a.port())
            .unwrap_or(0);
        ServerEndpoint::new("127.0.0.1", port, security).with_tls_name("localhost")
    }

    /// The IMAP endpoint.
    pub fn imap_endpoint(&self, security: Security) -> ServerEndpoint {
        self.endpoint(Service::Imap, security)
    }

    /// The SMTP submission endpoint.
    pub fn smtp_endpoint(&self, security: Security) -> ServerEndpoint {
        self.endpoint(Service::Smtp, security)
    }

    /// IMAP + SMTP settings with one security mode.
    pub fn settings(&self, security: Security) -> ServerSettings {
        ServerSettings {
            imap: self.imap_endpoint(security),
            smtp: self.smtp_endpoint(security),
        }
    }

    /// The test PKI (issue client certificates with it).
    pub fn pki(&self) -> &Arc<TestPki> {
        &self.pki
    }

    /// The server certificate presented.
    pub fn server_certificate(&self) -> &TestCert {
        &self.server_cert
    }

    /// A client TLS configuration trusting the simulator, presenting `identity`.
    pub fn client_tls(&self, identity: Option<&TestCert>) -> Result<Arc<rustls::ClientConfig>> {
        Ok(Arc::new(self.pki.client_config(identity)?))
    }

    /// Ends every open session with `BYE` (as an operator closing sessions).
    pub fn kill_sessions(&self) {
        self.shared.kill.send_modify(|k| {
            let n = match *k {
                Kill::None => 1,
                Kill::Bye(n) | Kill::Cut(n) => n + 1,
            };
            *k = Kill::Bye(n);
        });
    }

    /// Closes every open session without a word (network cut).
    pub fn cut_connections(&self) {
        self.shared.kill.send_modify(|k| {
            let n = match *k {
                Kill::None => 1,
                Kill::Bye(n) | Kill::Cut(n) => n + 1,
            };
            *k = Kill::Cut(n);
        });
    }

    /// Messages of a folder of a mailbox (patient mailboxes included).
    pub fn messages(&self, mailbox: &MailAddress, folder: &str) -> Vec<SimMessage> {
        self.shared.store().messages(mailbox, folder)
    }

    /// Delivers `raw` into the INBOX of `mailbox` (a message from outside).
    pub fn deliver(&self, mailbox: &MailAddress, raw: Vec<u8>) -> Option<u32> {
        self.shared
            .store()
            .deliver(mailbox, "INBOX", raw, Vec::new())
    }

    /// Every message accepted by SMTP.
    pub fn submissions(&self) -> Vec<Submission> {
        self.shared.store().submissions.clone()
    }

    /// Sets the state of a patient mailbox.
    pub fn set_patient_mailbox(&self, address: MailAddress, state: PatientMailboxState) {
        self.shared.store().patients.insert(address, state);
    }

    /// Whether a professional closed the exchange with this patient mailbox
    /// (`X-MSS-MES: FIN` received).
    pub fn exchange_closed(&self, patient: &MailAddress) -> bool {
        self.shared.store().closed_exchanges.contains(patient)
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats().clone()
    }

    /// The patient domain, for convenience.
    pub fn patient_domain(&self) -> &'static str {
        PATIENT_DOMAIN
    }
}

/// A server-side plain or TLS stream.
pub(crate) enum ServerStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl AsyncRead for ServerStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ServerStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Why a server session read stopped.
pub(crate) enum ReadEvent {
    Data,
    Killed(Kill),
    Idle,
}

/// A server connection with its buffer.
pub(crate) struct ServerConn {
    pub(crate) stream: Option<ServerStream>,
    pub(crate) buf: Vec<u8>,
    kill: watch::Receiver<Kill>,
    idle: Option<Duration>,
}

impl ServerConn {
    fn new(tcp: TcpStream, shared: &Shared) -> Self {
        let mut kill = shared.kill.subscribe();
        kill.mark_unchanged();
        Self {
            stream: Some(ServerStream::Plain(tcp)),
            buf: Vec::new(),
            kill,
            idle: shared.idle_timeout,
        }
    }

    async fn tls(&mut self, acceptor: &tokio_rustls::TlsAcceptor) -> std::io::Result<()> {
        self.buf.clear();
        match self.stream.take() {
            Some(ServerStream::Plain(tcp)) => {
                let s = acceptor.accept(tcp).await?;
                self.stream = Some(ServerStream::Tls(Box::new(s)));
                Ok(())
            }
            other => {
                self.stream = other;
                Ok(())
            }
        }
    }

    fn is_tls(&self) -> bool {
        matches!(self.stream, Some(ServerStream::Tls(_)))
    }

    fn peer_certificates(&self) -> Option<Vec<rustls_pki_types::CertificateDer<'static>>> {
        match &self.stream {
            Some(ServerStream::Tls(s)) => s.get_ref().1.peer_certificates().map(|c| c.to_vec()),
            _ => None,
        }
    }

    async fn read_more(&mut self) -> std::io::Result<ReadEvent> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(std::io::ErrorKind::NotConnected.into());
        };
        let mut chunk = [0u8; 16 * 1024];
        let idle = self.idle.unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            r = tokio::time::timeout(idle, stream.read(&mut chunk)) => match r {
                Ok(Ok(0)) => Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(Ok(n)) => { self.buf.extend_from_slice(&chunk[..n]); Ok(ReadEvent::Data) }
                Ok(Err(e)) => Err(e),
                Err(_) => Ok(ReadEvent::Idle),
            },
            changed = self.kill.changed() => {
                if changed.is_err() { return Err(std::io::ErrorKind::BrokenPipe.into()); }
                Ok(ReadEvent::Killed(*self.kill.borrow_and_update()))
            }
        }
    }

    async fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(std::io::ErrorKind::NotConnected.into());
        };
        stream.write_all(data).await?;
        stream.flush().await
    }

    async fn close(&mut self) {
        if let Some(mut s) = self.stream.take() {
            let _ = s.shutdown().await;
        }
    }

    /// Drops the connection without shutdown (network cut).
    fn cut(&mut self) {
        self.stream = None;
    }
}
