//! The DMP simulator (feature `sim`): a loopback server speaking the real
//! wire format — SOAP 1.2 with WS-Addressing, MTOM/XOP, the VIHF in
//! `wsse:Security` — in front of an in-memory DMP: patients and their
//! authorisations, a registry with entryUUID / uniqueId / logicalId
//! semantics and a repository.
//!
//! It enforces the rules the DMP applies whatever the software's local
//! consent record says:
//!
//! - the VIHF must be present, signed (enveloped XML-DSig, exclusive c14n,
//!   SHA-256), valid at the simulator's clock, name the patient of the
//!   request, and — when trust anchors are given — be signed by a
//!   certificate chaining to them;
//! - consultation (FindDocuments, retrieve, web access) needs an authorised
//!   actor, not blocked by the patient, in a mode that allows it (not
//!   indirect without strong authentication);
//! - documents masked from professionals (`MASQUE_PS`) are only visible to
//!   their author; deleted documents are not returned by default;
//! - a submission is all-or-nothing: same patient everywhere, every
//!   document present with the hash and size of its metadata, a unique
//!   uniqueId (`XDSDuplicateUniqueIdInRegistry` / `XDSNonIdenticalHash`),
//!   a valid signature document covering every document, RPLC to an
//!   approved entry of the same patient (which becomes Deprecated);
//! - ITI-57 metadata updates keep the logicalId, give a new entryUUID and
//!   version, check `PreviousVersion`, and are reserved to the author; a
//!   deletion too;
//! - imaging manifests (KOS) follow [`crate::rights::KosRights`], decided
//!   on the VIHF's `NameID`, `Identifiant_Structure` and roles: a feed by a
//!   non-imaging professional or for another structure, a change by
//!   someone else than the author or an imaging professional of its
//!   structure, is refused with a `RegistryError` whose code is the rule's
//!   [`crate::rights::KosRule::code`] (nothing is registered);
//! - a closed DMP refuses feeding.
//!
//! Faults can be injected ([`Fault`]): outage (HTTP 503), slowness, a SOAP
//! fault, and the loss of the response after the commit — for the send
//! queue's tests. Every exchange is recorded ([`Exchange`]).
//!
//! The simulator reads time from an injectable clock, binds `127.0.0.1:0`
//! and stops when dropped: segur-conformance wraps it as a simulated
//! service.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use segur_dmp::sim::{DmpSimulator, Fault, FaultRule};
//! let start = time::macros::datetime!(2025-03-01 08:00 UTC);
//! let sim = DmpSimulator::builder()
//!     .clock_fn(move || start) // e.g. `move || virtual_clock.now()`
//!     .start()
//!     .await?;
//! let patient = segur_ins::Ins::new("285037511104286".parse()?, segur_ins::InsOid::Test);
//! sim.add_patient(&patient);
//! sim.authorize(&patient, "810003612545");
//! // The next ITI-41 is committed but its response is lost.
//! sim.inject(FaultRule::next(segur_dmp::xds::ITI41_ACTION, Fault::LostResponseAfterCommit, 1));
//! assert!(sim.base_url().starts_with("http://127.0.0.1:"));
//! // … drive a client against `sim.base_url()`, then read what went over the wire:
//! assert!(sim.exchanges().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, StatusCode};
use rustls::server::danger::ClientCertVerifier;
use rustls_pki_types::{CertificateDer, UnixTime};
use segur_cda::xds::{ASSOCIATION_SIGNS, ASSOCIATION_XFRM, DocumentEntry, Submission};
use segur_ins::Ins;
use segur_psc::{SharedClock, SystemClock};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::error::{Error, ProtocolError, SignatureError};
use crate::feed::{MASQUE_PS, VISIBILITY_CODE_SYSTEM, is_signature_entry};
use crate::patient::{
    Authorization, AuthorizationAction, AuthorizationStatus, DmpStatus, LIST_AUTHORIZATIONS_ACTION,
    SET_AUTHORIZATION_ACTION, TD02_ACTION,
};
use crate::soap::{self, HttpMessage, Received, SoapFault};
use crate::update::ReceivedUpdate;
use crate::vihf::{AuthenticationMode, VerifiedVihf};
use crate::xds::{
    self, Availability, ITI18_ACTION, ITI41_ACTION, ITI43_ACTION, ITI57_ACTION, RegistryError,
    RetrievedDocument, ReturnType, StoredQuery, error_codes, stored_query,
};

/// Path prefix of the services (the DMP's own path, reference §1).
pub const BASE_PATH: &str = "/si-dmp-server/v2/services";
/// Path of the contextual web access.
pub const WEB_PATH: &str = "/si-dmp-server/v2/web";
/// Default `repositoryUniqueId` of the simulated repository.
pub const REPOSITORY_UNIQUE_ID: &str = "1.2.250.1.213.4.1.1.2.999";
/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Clock skew tolerated on VIHF instants.
const SKEW: time::Duration = time::Duration::minutes(5);

/// A fault to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The service is down: HTTP 503 without SOAP body, nothing processed.
    Outage,
    /// The service answers after this delay (the request is processed).
    Slow(Duration),
    /// The service answers this SOAP fault (HTTP 500), nothing processed.
    SoapFault(SoapFault),
    /// The request is processed and committed, then the connection is
    /// closed without a response.
    LostResponseAfterCommit,
    /// The request is processed and committed, then the response waits this
    /// long (the client may time out or be killed meanwhile).
    SlowAfterCommit(Duration),
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Only requests with this SOAP action (`None`: all).
    pub action: Option<String>,
    /// The fault.
    pub fault: Fault,
    /// How many requests it hits (`None`: until cleared).
    pub times: Option<usize>,
}

impl FaultRule {
    /// A fault for every request until cleared.
    pub fn always(fault: Fault) -> Self {
        Self {
            action: None,
            fault,
            times: None,
        }
    }

    /// A fault for the next `n` requests with `action`.
    pub fn next(action: &str, fault: Fault, n: usize) -> Self {
        Self {
            action: Some(action.to_owned()),
            fault,
            times: Some(n),
        }
    }
}

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// When the request arrived (simulator clock).
    pub at: OffsetDateTime,
    /// HTTP path.
    pub path: String,
    /// SOAP action (`wsa:Action`), when readable.
    pub action: Option<String>,
    /// The request.
    pub request: HttpMessage,
    /// HTTP status of the response (`None`: connection dropped).
    pub status: Option<u16>,
    /// The response (`None`: connection dropped).
    pub response: Option<HttpMessage>,
}

/// A patient known to the simulated DMP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimPatient {
    /// The DMP is closed.
    pub closed: bool,
    /// Closure date.
    pub closure_date: Option<String>,
    /// Authorised professionals by national id.
    pub authorizations: BTreeMap<String, Authorization>,
    /// Professionals blocked by the patient.
    pub blocked: BTreeSet<String>,
}

/// A registry entry with its repository content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEntry {
    /// The metadata as the registry holds them (entryUUID, lid, version,
    /// status, repositoryUniqueId).
    pub entry: DocumentEntry,
    /// The document bytes.
    pub content: Arc<Vec<u8>>,
    /// National id of the professional who submitted it.
    pub submitter: String,
    /// uniqueId of the submission set it came in.
    pub submission_set: String,
    /// When it was registered.
    pub registered_at: OffsetDateTime,
}

/// An association kept by the registry (RPLC, XFRM, signs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAssociation {
    /// Type URN.
    pub association_type: String,
    /// Source entryUUID (or submission set uniqueId for `signs`).
    pub source: String,
    /// Target entryUUID (or submission set uniqueId).
    pub target: String,
}

#[derive(Default)]
struct State {
    patients: BTreeMap<String, SimPatient>,
    treating: BTreeMap<String, String>,
    entries: Vec<SimEntry>,
    associations: Vec<SimAssociation>,
    submissions: BTreeMap<String, usize>,
    faults: Vec<FaultRule>,
    exchanges: Vec<Exchange>,
}

type BearerCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A callback told of every exchange as it is recorded (e.g. a conformance
/// runner copying raw exchanges into its evidence as they happen).
pub type ExchangeObserver = Arc<dyn Fn(&Exchange) + Send + Sync>;

struct Shared {
    clock: SharedClock,
    state: Mutex<State>,
    trust: Option<Arc<dyn ClientCertVerifier>>,
    bearer: Option<BearerCheck>,
    repository_unique_id: String,
    observer: Option<ExchangeObserver>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Builder of [`DmpSimulator`].
pub struct DmpSimulatorBuilder {
    clock: SharedClock,
    tls: Option<rustls::ServerConfig>,
    trust: Option<segur_ssi::tls::TrustStore>,
    bearer: Option<BearerCheck>,
    repository_unique_id: String,
    observer: Option<ExchangeObserver>,
}

impl std::fmt::Debug for DmpSimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmpSimulatorBuilder")
            .field("tls", &self.tls.is_some())
            .field("trust", &self.trust.is_some())
            .finish_non_exhaustive()
    }
}

impl DmpSimulatorBuilder {
    /// The clock (VIHF validity, registration times).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock as a closure (e.g. a conformance runner's virtual clock:
    /// `move || clock.now()`).
    pub fn clock_fn(self, now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock(Arc::new(crate::FnClock::new(now)))
    }

    /// Serves HTTPS with this configuration (ask for client certificates
    /// for mutual TLS: `segur_ssi::test_pki::TestPki::server_config(&cert, true)`).
    pub fn tls(mut self, config: rustls::ServerConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Accepts VIHF assertions only when signed by a certificate chaining
    /// to these anchors (client-authentication certificates). Without it,
    /// any valid signature is accepted.
    pub fn trust_vihf_signers(mut self, trust: segur_ssi::tls::TrustStore) -> Self {
        self.trust = Some(trust);
        self
    }

    /// Requires `Authorization: Bearer <token>` with a token `check` accepts.
    pub fn require_bearer(mut self, check: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.bearer = Some(Arc::new(check));
        self
    }

    /// The repository's uniqueId.
    pub fn repository_unique_id(mut self, id: &str) -> Self {
        self.repository_unique_id = id.to_owned();
        self
    }

    /// Calls `observer` with every exchange as it is recorded (after the
    /// response is built; with no response when the connection is dropped).
    pub fn observer(mut self, observer: ExchangeObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Starts the simulator on `127.0.0.1:0`.
    pub async fn start(self) -> Result<DmpSimulator, Error> {
        let io = |e: std::io::Error| ProtocolError::Unexpected(format!("simulator: {e}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let trust = match self.trust {
            Some(t) => {
                let roots = Arc::new(t.root_cert_store().map_err(Error::Audit)?);
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    roots,
                    Arc::new(rustls::crypto::ring::default_provider()),
                )
                .build()
                .map_err(|e| ProtocolError::Unexpected(format!("VIHF trust: {e}")))?;
                Some(verifier)
            }
            None => None,
        };
        let shared = Arc::new(Shared {
            clock: self.clock,
            state: Mutex::new(State::default()),
            trust,
            bearer: self.bearer,
            repository_unique_id: self.repository_unique_id,
            observer: self.observer,
        });
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let acceptor = self
            .tls
            .map(|c| tokio_rustls::TlsAcceptor::from(Arc::new(c)));
        let task = tokio::spawn(serve(listener, shared.clone(), acceptor));
        Ok(DmpSimulator {
            shared,
            addr,
            scheme,
            task,
        })
    }
}

/// A running DMP simulator. Stops when dropped.
pub struct DmpSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    scheme: &'static str,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for DmpSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmpSimulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Drop for DmpSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DmpSimulator {
    /// A builder (system clock, plain HTTP, any VIHF signer).
    pub fn builder() -> DmpSimulatorBuilder {
        DmpSimulatorBuilder {
            clock: Arc::new(SystemClock),
            tls: None,
            trust: None,
            bearer: None,
            repository_unique_id: REPOSITORY_UNIQUE_ID.to_owned(),
            observer: None,
        }
    }

    /// Starts a simulator with the defaults.
    pub async fn start() -> Result<Self, Error> {
        Self::builder().start().await
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the services (give it to the client).
    pub fn base_url(&self) -> String {
        format!("{}://{}{BASE_PATH}", self.scheme, self.addr)
    }

    /// The URL of the contextual web access.
    pub fn web_url(&self) -> String {
        format!("{}://{}{WEB_PATH}", self.scheme, self.addr)
    }

    /// The repository uniqueId.
    pub fn repository_unique_id(&self) -> &str {
        &self.shared.repository_unique_id
    }

    /// Creates the patient's DMP (idempotent).
    pub fn add_patient(&self, ins: &Ins) {
        self.shared.lock().patients.entry(ins.to_cx()).or_default();
    }

    /// Closes the patient's DMP.
    pub fn close_dmp(&self, ins: &Ins, date: &str) {
        let mut st = self.shared.lock();
        let p = st.patients.entry(ins.to_cx()).or_default();
        p.closed = true;
        p.closure_date = Some(date.to_owned());
    }

    /// Authorises a professional on the patient's DMP (as the patient would
    /// through the professional's declaration).
    pub fn authorize(&self, ins: &Ins, national_id: &str) {
        let mut st = self.shared.lock();
        st.patients
            .entry(ins.to_cx())
            .or_default()
            .authorizations
            .insert(
                national_id.to_owned(),
                Authorization {
                    national_id: national_id.to_owned(),
                    first_name: String::new(),
                    last_name: String::new(),
                    treating_physician: false,
                },
            );
    }

    /// The patient blocks a professional.
    pub fn block(&self, ins: &Ins, national_id: &str) {
        let mut st = self.shared.lock();
        let p = st.patients.entry(ins.to_cx()).or_default();
        p.blocked.insert(national_id.to_owned());
        p.authorizations.remove(national_id);
    }

    /// The patient's state.
    pub fn patient(&self, ins: &Ins) -> Option<SimPatient> {
        self.shared.lock().patients.get(&ins.to_cx()).cloned()
    }

    /// Every registry entry of the patient (all versions and statuses).
    pub fn entries(&self, ins: &Ins) -> Vec<SimEntry> {
        let cx = ins.to_cx();
        self.shared
            .lock()
            .entries
            .iter()
            .filter(|e| e.entry.patient_id == cx)
            .cloned()
            .collect()
    }

    /// The live entry (not Deprecated) of a uniqueId.
    pub fn current(&self, unique_id: &str) -> Option<SimEntry> {
        self.shared
            .lock()
            .entries
            .iter()
            .find(|e| {
                e.entry.unique_id == unique_id && status(&e.entry) != Availability::Deprecated
            })
            .cloned()
    }

    /// How many times a uniqueId was registered by ITI-41 (exactly-once
    /// checks: 1 after any number of retries).
    pub fn registrations(&self, unique_id: &str) -> usize {
        self.shared
            .lock()
            .submissions
            .get(unique_id)
            .copied()
            .unwrap_or(0)
    }

    /// Associations kept by the registry.
    pub fn associations(&self) -> Vec<SimAssociation> {
        self.shared.lock().associations.clone()
    }

    /// Injects a fault.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The exchanges recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.lock().exchanges.clone()
    }

    /// Forgets the recorded exchanges.
    pub fn clear_exchanges(&self) {
        self.shared.lock().exchanges.clear();
    }
}

// ---------------------------------------------------------------------------
// Serving

/// Closes the connection without a response.
#[derive(Debug)]
struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the simulator")
    }
}

impl std::error::Error for Abort {}

async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    if let Ok(s) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                }
            }
        });
    }
}

fn http_response(status: u16, msg: &HttpMessage) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(msg.body.clone())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = hyper::header::HeaderValue::from_str(&msg.content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// What processing a request gives.
struct Outcome {
    status: u16,
    message: HttpMessage,
    /// A fault to apply after the commit.
    after: Option<Fault>,
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Abort> {
    let at = shared.clock.now();
    let path = req.uri().path().to_owned();
    let header = |name: hyper::header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(hyper::header::CONTENT_TYPE).unwrap_or_default();
    let authorization = header(hyper::header::AUTHORIZATION);
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Abort),
    };
    let request = HttpMessage {
        content_type: content_type.clone(),
        body,
    };
    let received = Received::decode(&content_type, &request.body);
    let action = received.as_ref().ok().and_then(Received::action);

    // Faults decided before processing.
    let fault = take_fault(&shared, action.as_deref());
    let mut after = None;
    let outcome = match fault {
        Some(Fault::Outage) => Outcome {
            status: 503,
            message: HttpMessage {
                content_type: "text/plain; charset=utf-8".into(),
                body: b"Service indisponible (simulation)".to_vec(),
            },
            after: None,
        },
        Some(Fault::SoapFault(f)) => fault_outcome(&f, action.as_deref()),
        other => {
            if let Some(Fault::Slow(d)) = other {
                tokio::time::sleep(d).await;
            }
            if matches!(
                other,
                Some(Fault::LostResponseAfterCommit) | Some(Fault::SlowAfterCommit(_))
            ) {
                after = other;
            }
            if path == WEB_PATH {
                web(&shared, &request.body)
            } else {
                process(&shared, &path, authorization.as_deref(), received)
            }
        }
    };
    let after = after.or(outcome.after.clone());
    let record = |response: Option<&HttpMessage>, status: Option<u16>| {
        let exchange = Exchange {
            at,
            path: path.clone(),
            action: action.clone(),
            request: request.clone(),
            status,
            response: response.cloned(),
        };
        shared.lock().exchanges.push(exchange.clone());
        // Outside the state lock: the observer may read the simulator.
        if let Some(observer) = &shared.observer {
            observer(&exchange);
        }
    };
    match after {
        Some(Fault::LostResponseAfterCommit) => {
            record(None, None);
            Err(Abort)
        }
        Some(Fault::SlowAfterCommit(d)) => {
            record(Some(&outcome.message), Some(outcome.status));
            tokio::time::sleep(d).await;
            Ok(http_response(outcome.status, &outcome.message))
        }
        _ => {
            record(Some(&outcome.message), Some(outcome.status));
            Ok(http_response(outcome.status, &outcome.message))
        }
    }
}

fn take_fault(shared: &Shared, action: Option<&str>) -> Option<Fault> {
    let mut st = shared.lock();
    let i = st
        .faults
        .iter()
        .position(|r| r.action.is_none() || r.action.as_deref() == action)?;
    let rule = &mut st.faults[i];
    let fault = rule.fault.clone();
    if let Some(n) = rule.times.as_mut() {
        *n = n.saturating_sub(1);
        if *n == 0 {
            st.faults.remove(i);
        }
    }
    Some(fault)
}

const FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";

fn fault_outcome(f: &SoapFault, relates_to: Option<&str>) -> Outcome {
    let env = soap::response_envelope(FAULT_ACTION, relates_to, f.to_element());
    Outcome {
        status: 500,
        message: soap::frame(&env, FAULT_ACTION, &[], false),
        after: None,
    }
}

fn sender_fault(code: &str, reason: impl Into<String>) -> SoapFault {
    SoapFault::sender(code, reason)
}

fn response_action(action: &str) -> String {
    format!("{action}Response")
}

fn status(e: &DocumentEntry) -> Availability {
    crate::update::status_of(e)
}

fn process(
    shared: &Shared,
    path: &str,
    authorization: Option<&str>,
    received: Result<Received, Error>,
) -> Outcome {
    let received = match received {
        Ok(r) => r,
        Err(e) => return fault_outcome(&sender_fault("MessageMalforme", e.to_string()), None),
    };
    let relates = received.message_id();
    let fail = |f: SoapFault| fault_outcome(&f, relates.as_deref());
    if let Some(check) = &shared.bearer {
        let ok = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| check(t));
        if !ok {
            return Outcome {
                status: 401,
                message: HttpMessage {
                    content_type: "text/plain; charset=utf-8".into(),
                    body: b"bearer token missing or refused".to_vec(),
                },
                after: None,
            };
        }
    }
    let Some(action) = received.action() else {
        return fail(sender_fault("ActionAbsente", "wsa:Action missing"));
    };
    let now = shared.clock.now();
    let vihf = match check_vihf(shared, &received, now) {
        Ok(v) => v,
        Err(f) => return fail(f),
    };
    let Ok(body) = received.body() else {
        return fail(sender_fault("MessageMalforme", "empty SOAP body"));
    };
    let service_ok = |suffix: &str| path.ends_with(suffix);
    let result = match action.as_str() {
        TD02_ACTION if service_ok("/patients") => td02(shared, &vihf, body, now),
        SET_AUTHORIZATION_ACTION | LIST_AUTHORIZATIONS_ACTION if service_ok("/habilitations") => {
            habilitations(shared, &vihf, &action, body)
        }
        ITI41_ACTION if service_ok("/repository") => iti41(shared, &vihf, &received, now),
        ITI18_ACTION if service_ok("/registry") => iti18(shared, &vihf, body),
        ITI43_ACTION if service_ok("/repository") => iti43(shared, &vihf, body),
        ITI57_ACTION if service_ok("/registry") => iti57(shared, &vihf, &received, now),
        other => Err(sender_fault(
            "ActionInconnue",
            format!("action {other} not served at {path}"),
        )),
    };
    match result {
        Ok((body, parts)) => {
            let ra = response_action(&action);
            let env = soap::response_envelope(&ra, relates.as_deref(), body);
            let force_mtom = !parts.is_empty() || action == ITI43_ACTION;
            Outcome {
                status: 200,
                message: soap::frame(&env, &ra, &parts, force_mtom),
                after: None,
            }
        }
        Err(f) => fail(f),
    }
}

type Handled = Result<(crate::xml::Element, Vec<crate::mtom::Part>), SoapFault>;

fn check_vihf(
    shared: &Shared,
    received: &Received,
    now: OffsetDateTime,
) -> Result<VerifiedVihf, SoapFault> {
    let (assertion, scope) = received
        .assertion()
        .ok_or_else(|| sender_fault("VIHF_ABSENT", "no VIHF assertion in wsse:Security"))?;
    let v = crate::vihf::verify_assertion(assertion, &scope).map_err(|e| match e {
        Error::Signature(SignatureError::Missing) => {
            sender_fault("VIHF_NON_SIGNE", "the VIHF assertion is not signed")
        }
        Error::Signature(s) => sender_fault("VIHF_SIGNATURE_INVALIDE", s.to_string()),
        other => sender_fault("VIHF_INVALIDE", other.to_string()),
    })?;
    if let Some(nooa) = v.not_on_or_after {
        if now >= nooa + SKEW {
            return Err(sender_fault(
                "VIHF_EXPIRE",
                "the VIHF assertion has expired",
            ));
        }
    }
    if v.not_before.is_some_and(|nb| now + SKEW < nb) || now + SKEW < v.issue_instant {
        return Err(sender_fault(
            "VIHF_EXPIRE",
            "the VIHF assertion is not valid yet",
        ));
    }
    if let Some(verifier) = &shared.trust {
        let (leaf, rest) = v
            .signer_chain
            .split_first()
            .ok_or_else(|| sender_fault("VIHF_SIGNATAIRE_NON_RECONNU", "no certificate"))?;
        let intermediates: Vec<CertificateDer<'_>> = rest
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let t = UnixTime::since_unix_epoch(Duration::from_secs(
            u64::try_from(now.unix_timestamp()).unwrap_or(0),
        ));
        verifier
            .verify_client_cert(&CertificateDer::from(leaf.as_slice()), &intermediates, t)
            .map_err(|e| sender_fault("VIHF_SIGNATAIRE_NON_RECONNU", e.to_string()))?;
    }
    Ok(v)
}

fn same_patient(vihf: &VerifiedVihf, patient: &Ins) -> Result<(), SoapFault> {
    match &vihf.patient {
        Some(p) if p == patient => Ok(()),
        Some(_) => Err(sender_fault(
            "VIHF_PATIENT_INCOHERENT",
            "the VIHF names another patient than the request",
        )),
        None => Err(sender_fault(
            "VIHF_PATIENT_ABSENT",
            "a patient-scoped request needs the patient in the VIHF (resource-id)",
        )),
    }
}

fn authorization_of(st: &State, patient: &str, actor: &str) -> AuthorizationStatus {
    match st.patients.get(patient) {
        Some(p) if p.blocked.contains(actor) => AuthorizationStatus::Blocked,
        Some(p) if p.authorizations.contains_key(actor) => AuthorizationStatus::Valid,
        _ => AuthorizationStatus::None,
    }
}

/// Consultation rules (independent of the software's consent record).
fn may_consult(st: &State, vihf: &VerifiedVihf, patient: &str) -> Result<(), SoapFault> {
    if vihf.mode == AuthenticationMode::Indirecte {
        return Err(sender_fault(
            "DMP_MODE_NON_AUTORISE",
            "indirect authentication without strong authentication cannot consult documents",
        ));
    }
    match st.patients.get(patient) {
        None => Err(sender_fault("DMP_INEXISTANT", "the patient has no DMP")),
        Some(p) if p.closed => Err(sender_fault("DMP_FERME", "the patient's DMP is closed")),
        Some(_) => match authorization_of(st, patient, &vihf.name_id) {
            AuthorizationStatus::Valid => Ok(()),
            AuthorizationStatus::Blocked => Err(sender_fault(
                "DMP_ACCES_INTERDIT",
                "the patient blocked this professional",
            )),
            _ => Err(sender_fault(
                "DMP_NON_AUTORISE",
                "no authorisation on this DMP",
            )),
        },
    }
}

fn is_author(e: &SimEntry, actor: &str) -> bool {
    e.submitter == actor || crate::rights::author_ids(&e.entry).contains(&actor)
}

/// The professional the VIHF names (imaging-manifest rights).
fn professional(vihf: &VerifiedVihf) -> crate::rights::Professional {
    crate::rights::Professional {
        national_id: vihf.name_id.clone(),
        structure: vihf.structure.clone(),
        roles: vihf.roles.clone(),
    }
}

/// Whether the VIHF's user may change (status, metadata) `e`: the KOS rule
/// for imaging manifests, the author otherwise.
fn may_change(e: &SimEntry, vihf: &VerifiedVihf, what: &str) -> Result<(), RegistryError> {
    if crate::rights::is_kos(&e.entry) {
        return crate::rights::KosRights::may_change(
            &professional(vihf),
            &e.entry,
            Some(e.submitter.as_str()),
        )
        .map_err(|rule| registry_error(rule.code(), format!("{rule}: {}", e.entry.unique_id)));
    }
    if is_author(e, &vihf.name_id) {
        Ok(())
    } else {
        Err(registry_error(
            "DMP_AUTEUR_UNIQUEMENT",
            format!("only an author may {what} {}", e.entry.unique_id),
        ))
    }
}

fn masked(e: &DocumentEntry) -> bool {
    e.confidentiality_codes
        .iter()
        .any(|c| c.code == MASQUE_PS && c.coding_scheme == VISIBILITY_CODE_SYSTEM)
}

fn visible_to(e: &SimEntry, actor: &str) -> bool {
    !masked(&e.entry) || is_author(e, actor)
}

fn td02(
    shared: &Shared,
    vihf: &VerifiedVihf,
    body: &crate::xml::Element,
    now: OffsetDateTime,
) -> Handled {
    let patient = crate::patient::td02_patient(body)
        .map_err(|e| sender_fault("MessageMalforme", e.to_string()))?;
    same_patient(vihf, &patient)?;
    let st = shared.lock();
    let cx = patient.to_cx();
    let status = match st.patients.get(&cx) {
        None => DmpStatus::not_found(),
        Some(p) => DmpStatus {
            closed: p.closed,
            closure_date: p.closure_date.clone(),
            ..DmpStatus::active(
                authorization_of(&st, &cx, &vihf.name_id),
                st.treating.get(&cx).is_some_and(|t| *t == vihf.name_id),
            )
        },
    };
    Ok((crate::patient::td02_response(&status, now), Vec::new()))
}

fn habilitations(
    shared: &Shared,
    vihf: &VerifiedVihf,
    action: &str,
    body: &crate::xml::Element,
) -> Handled {
    let bad = |e: Error| sender_fault("MessageMalforme", e.to_string());
    let mut st = shared.lock();
    let (local, patient) = if action == SET_AUTHORIZATION_ACTION {
        let (patient, act, mt) = crate::patient::read_set_authorization(body).map_err(bad)?;
        same_patient(vihf, &patient)?;
        let cx = patient.to_cx();
        let (status, context) = match st.patients.get_mut(&cx) {
            None => ("KO_PATIENT_INCONNU", "no DMP for this INS"),
            Some(p) if p.blocked.contains(&vihf.name_id) && act == AuthorizationAction::Add => {
                ("KO_ACCES_INTERDIT", "the patient blocked this professional")
            }
            Some(p) => {
                match act {
                    AuthorizationAction::Add => {
                        let (last, first) = vihf
                            .display_name
                            .split_once(' ')
                            .map(|(a, b)| (a.to_owned(), b.to_owned()))
                            .unwrap_or((vihf.display_name.clone(), String::new()));
                        p.authorizations.insert(
                            vihf.name_id.clone(),
                            Authorization {
                                national_id: vihf.name_id.clone(),
                                first_name: first,
                                last_name: last,
                                treating_physician: mt,
                            },
                        );
                    }
                    AuthorizationAction::Remove => {
                        p.authorizations.remove(&vihf.name_id);
                    }
                }
                ("OK", "")
            }
        };
        if status == "OK" {
            if mt && act == AuthorizationAction::Add {
                st.treating.insert(cx, vihf.name_id.clone());
            } else if act == AuthorizationAction::Remove
                && st.treating.get(&cx).is_some_and(|t| *t == vihf.name_id)
            {
                st.treating.remove(&cx);
            }
        }
        return Ok((
            crate::patient::habilitations_response(
                "setAuthorizationResponse",
                status,
                context,
                &[],
            ),
            Vec::new(),
        ));
    } else {
        let patient = crate::patient::read_list_authorizations(body).map_err(bad)?;
        same_patient(vihf, &patient)?;
        ("listAuthorizationByPatientResponse", patient)
    };
    let cx = patient.to_cx();
    let element = match st.patients.get(&cx) {
        None => crate::patient::habilitations_response(
            local,
            "KO_PATIENT_INCONNU",
            "no DMP for this INS",
            &[],
        ),
        Some(_) if authorization_of(&st, &cx, &vihf.name_id) != AuthorizationStatus::Valid => {
            crate::patient::habilitations_response(
                local,
                "KO_NON_AUTORISE",
                "no authorisation on this DMP",
                &[],
            )
        }
        Some(p) => {
            let list: Vec<Authorization> = p.authorizations.values().cloned().collect();
            crate::patient::habilitations_response(local, "OK", "", &list)
        }
    };
    Ok((element, Vec::new()))
}

fn registry_error(code: &str, context: impl Into<String>) -> RegistryError {
    RegistryError::error(code, context)
}

fn registry_failure(errors: Vec<RegistryError>) -> Handled {
    Ok((xds::registry_response(&errors), Vec::new()))
}

fn sha1_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_uuid() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

fn iti41(
    shared: &Shared,
    vihf: &VerifiedVihf,
    received: &Received,
    now: OffsetDateTime,
) -> Handled {
    let sub = crate::feed::read_provide_and_register(received)
        .map_err(|e| sender_fault("MessageMalforme", e.to_string()))?;
    let Submission {
        submission_set,
        entries,
        replacements,
        associations,
        ..
    } = sub.submission;
    let Some(set) = submission_set else {
        return registry_failure(vec![registry_error(
            "XDSRegistryMetadataError",
            "no submission set",
        )]);
    };
    let patient = Ins::from_cx(&set.patient_id)
        .map_err(|e| sender_fault("MessageMalforme", format!("submission set patientId: {e}")))?;
    same_patient(vihf, &patient)?;
    let cx = patient.to_cx();
    let mut st = shared.lock();
    match st.patients.get(&cx) {
        None => {
            return registry_failure(vec![registry_error(
                error_codes::UNKNOWN_PATIENT,
                "no DMP for this INS",
            )]);
        }
        Some(p) if p.closed => {
            return registry_failure(vec![registry_error(
                "DMP_FERME",
                "the patient's DMP is closed",
            )]);
        }
        Some(_) => {}
    }
    let mut errors = Vec::new();
    // Imaging manifests: who may feed them.
    let who = professional(vihf);
    for e in entries.iter().filter(|e| crate::rights::is_kos(e)) {
        if let Err(rule) = crate::rights::KosRights::may_feed(&who, e) {
            errors.push(registry_error(
                rule.code(),
                format!("{rule}: {}", e.unique_id),
            ));
        }
    }
    // Documents, hashes, uniqueness.
    for e in &entries {
        if e.patient_id != set.patient_id {
            errors.push(registry_error(
                "XDSPatientIdDoesNotMatch",
                format!("{} is about another patient", e.unique_id),
            ));
        }
        let Some(bytes) = sub.documents.get(&e.entry_uuid) else {
            errors.push(registry_error(
                error_codes::MISSING_DOCUMENT,
                format!("no document for {}", e.entry_uuid),
            ));
            continue;
        };
        if e.hash
            .as_deref()
            .is_some_and(|h| !h.eq_ignore_ascii_case(&sha1_hex(bytes)))
            || e.size.is_some_and(|s| s != bytes.len() as u64)
        {
            errors.push(registry_error(
                "XDSRepositoryMetadataError",
                format!(
                    "hash or size of {} does not match the document",
                    e.unique_id
                ),
            ));
        }
        if let Some(existing) = st.entries.iter().find(|x| x.entry.unique_id == e.unique_id) {
            let same = existing.entry.hash.as_deref().map(str::to_ascii_lowercase)
                == Some(sha1_hex(bytes));
            errors.push(registry_error(
                if same {
                    error_codes::DUPLICATE_UNIQUE_ID
                } else {
                    error_codes::NON_IDENTICAL_HASH
                },
                format!("uniqueId {} already registered", e.unique_id),
            ));
        }
    }
    // The signature document.
    let signature = entries.iter().find(|e| is_signature_entry(e));
    let signs = associations
        .iter()
        .any(|a| a.association_type == ASSOCIATION_SIGNS && a.target == set.entry_uuid);
    match (signature, signs) {
        (Some(sig), true) => {
            if let Some(xml) = sub.documents.get(&sig.entry_uuid) {
                match crate::xades::verify_submission_signature(xml) {
                    Ok(v) => {
                        for e in entries.iter().filter(|e| !is_signature_entry(e)) {
                            let covered = sub
                                .documents
                                .get(&e.entry_uuid)
                                .is_some_and(|b| v.covers(&e.unique_id, b));
                            if !covered {
                                errors.push(registry_error(
                                    "XDSRegistryMetadataError",
                                    format!("the signature does not cover {}", e.unique_id),
                                ));
                            }
                        }
                    }
                    Err(e) => errors.push(registry_error(
                        "XDSRegistryMetadataError",
                        format!("signature document: {e}"),
                    )),
                }
            }
        }
        _ => errors.push(registry_error(
            "XDSRegistryMetadataError",
            "the submission set is not signed (signature document and signs association required)",
        )),
    }
    // Replacements.
    for (new, old) in &replacements {
        match st.entries.iter().find(|x| x.entry.entry_uuid == *old) {
            Some(x) if x.entry.patient_id != set.patient_id => errors.push(registry_error(
                "XDSPatientIdDoesNotMatch",
                format!("{old} is about another patient"),
            )),
            Some(x) if status(&x.entry) != Availability::Approved => errors.push(registry_error(
                "XDSReplaceFailed",
                format!("{old} is not approved"),
            )),
            Some(_) => {}
            None => errors.push(registry_error(
                "XDSUnresolvedReferenceException",
                format!("RPLC of {new} targets unknown {old}"),
            )),
        }
    }
    for a in associations
        .iter()
        .filter(|a| a.association_type == ASSOCIATION_XFRM)
    {
        let known = |id: &str| {
            entries.iter().any(|e| e.entry_uuid == id)
                || st.entries.iter().any(|x| x.entry.entry_uuid == id)
        };
        if !known(&a.source) || !known(&a.target) {
            errors.push(registry_error(
                "XDSUnresolvedReferenceException",
                format!("XFRM between unknown objects {} → {}", a.source, a.target),
            ));
        }
    }
    if !errors.is_empty() {
        return registry_failure(errors);
    }
    // Commit.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for e in &entries {
        let uuid = new_uuid();
        ids.insert(e.entry_uuid.clone(), uuid.clone());
        let mut entry = e.clone();
        entry.entry_uuid = uuid.clone();
        entry.logical_id = Some(uuid);
        entry.version = Some("1".into());
        entry.status = Some(Availability::Approved.as_urn().to_owned());
        entry.repository_unique_id = Some(shared.repository_unique_id.clone());
        let content = Arc::new(
            sub.documents
                .get(&e.entry_uuid)
                .cloned()
                .unwrap_or_default(),
        );
        *st.submissions.entry(e.unique_id.clone()).or_default() += 1;
        st.entries.push(SimEntry {
            entry,
            content,
            submitter: vihf.name_id.clone(),
            submission_set: set.unique_id.clone(),
            registered_at: now,
        });
    }
    for (new, old) in &replacements {
        if let Some(x) = st.entries.iter_mut().find(|x| x.entry.entry_uuid == *old) {
            x.entry.status = Some(Availability::Deprecated.as_urn().to_owned());
        }
        st.associations.push(SimAssociation {
            association_type: segur_cda::xds::ASSOCIATION_RPLC.into(),
            source: ids.get(new).cloned().unwrap_or_else(|| new.clone()),
            target: old.clone(),
        });
    }
    for a in &associations {
        let map = |id: &str| {
            if id == set.entry_uuid {
                set.unique_id.clone()
            } else {
                ids.get(id).cloned().unwrap_or_else(|| id.to_owned())
            }
        };
        st.associations.push(SimAssociation {
            association_type: a.association_type.clone(),
            source: map(&a.source),
            target: map(&a.target),
        });
    }
    Ok((xds::registry_response(&[]), Vec::new()))
}

fn iti18(shared: &Shared, vihf: &VerifiedVihf, body: &crate::xml::Element) -> Handled {
    let query = StoredQuery::from_element(body)
        .map_err(|e| sender_fault("MessageMalforme", e.to_string()))?;
    let st = shared.lock();
    let actor = vihf.name_id.as_str();
    let respond = |found: Vec<&SimEntry>| -> Handled {
        let (entries, refs): (Vec<DocumentEntry>, Vec<String>) = match query.return_type {
            ReturnType::LeafClass => (found.iter().map(|e| e.entry.clone()).collect(), Vec::new()),
            ReturnType::ObjectRef => (
                Vec::new(),
                found.iter().map(|e| e.entry.entry_uuid.clone()).collect(),
            ),
        };
        let el = xds::query_response(&entries, &refs, &[])
            .map_err(|e| SoapFault::receiver("ErreurInterne", e.to_string()))?;
        Ok((el, Vec::new()))
    };
    let patient_of = |e: &SimEntry| Ins::from_cx(&e.entry.patient_id).ok();
    match query.id.as_str() {
        stored_query::FIND_DOCUMENTS => {
            let cx_values = query.slot_values("$XDSDocumentEntryPatientId");
            let patient = cx_values
                .first()
                .and_then(|v| Ins::from_cx(v).ok())
                .ok_or_else(|| sender_fault("MessageMalforme", "no $XDSDocumentEntryPatientId"))?;
            same_patient(vihf, &patient)?;
            let cx = patient.to_cx();
            may_consult(&st, vihf, &cx)?;
            let filter = query.to_find_documents();
            let found: Vec<&SimEntry> = st
                .entries
                .iter()
                .filter(|e| e.entry.patient_id == cx)
                .filter(|e| visible_to(e, actor))
                .filter(|e| filter.matches(&e.entry))
                .collect();
            respond(found)
        }
        stored_query::GET_DOCUMENTS => {
            let by_uid = query.slot_values("$XDSDocumentEntryUniqueId");
            let by_uuid = query.slot_values("$XDSDocumentEntryEntryUUID");
            let found: Vec<&SimEntry> = st
                .entries
                .iter()
                .filter(|e| {
                    by_uid.contains(&e.entry.unique_id) || by_uuid.contains(&e.entry.entry_uuid)
                })
                .filter(|e| patient_of(e).as_ref() == vihf.patient.as_ref())
                // TD3.1b: own documents without authorisation; others need
                // the consultation rights.
                .filter(|e| {
                    is_author(e, actor)
                        || (visible_to(e, actor)
                            && may_consult(&st, vihf, &e.entry.patient_id).is_ok())
                })
                .collect();
            respond(found)
        }
        other => Err(sender_fault(
            "XDSUnknownStoredQuery",
            format!("stored query {other} not supported"),
        )),
    }
}

fn iti43(shared: &Shared, vihf: &VerifiedVihf, body: &crate::xml::Element) -> Handled {
    let requests = xds::read_retrieve_request(body);
    let st = shared.lock();
    let patient = vihf
        .patient
        .as_ref()
        .ok_or_else(|| sender_fault("VIHF_PATIENT_ABSENT", "no patient in the VIHF"))?;
    let cx = patient.to_cx();
    may_consult(&st, vihf, &cx)?;
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for r in requests {
        if r.repository_unique_id != shared.repository_unique_id {
            errors.push(registry_error(
                "XDSUnknownRepositoryId",
                format!("repository {}", r.repository_unique_id),
            ));
            continue;
        }
        let found = st.entries.iter().find(|e| {
            e.entry.unique_id == r.document_unique_id
                && e.entry.patient_id == cx
                && status(&e.entry) != Availability::Deprecated
        });
        match found {
            Some(e)
                if status(&e.entry) != Availability::Deleted && visible_to(e, &vihf.name_id) =>
            {
                docs.push(RetrievedDocument {
                    repository_unique_id: shared.repository_unique_id.clone(),
                    document_unique_id: e.entry.unique_id.clone(),
                    mime_type: e.entry.mime_type.clone(),
                    content: e.content.as_ref().clone(),
                });
            }
            _ => errors.push(registry_error(
                error_codes::MISSING_DOCUMENT,
                format!("document {} not available", r.document_unique_id),
            )),
        }
    }
    let (el, parts) = xds::retrieve_response(&docs, &errors);
    Ok((el, parts))
}

fn iti57(
    shared: &Shared,
    vihf: &VerifiedVihf,
    received: &Received,
    now: OffsetDateTime,
) -> Handled {
    let body = received
        .body()
        .map_err(|e| sender_fault("MessageMalforme", e.to_string()))?;
    let (_, scope) =
        crate::xml::find_with_scope(&received.envelope, body.ns.as_str(), body.local())
            .ok_or_else(|| sender_fault("MessageMalforme", "no body"))?;
    let update = crate::update::read_update_request(body, &scope)
        .map_err(|e| sender_fault("MessageMalforme", e.to_string()))?;
    let mut st = shared.lock();
    let mut errors = Vec::new();
    match update {
        ReceivedUpdate::Status(changes) => {
            let mut apply = Vec::new();
            for (uuid, original, new) in changes {
                let Some(i) = st.entries.iter().position(|e| e.entry.entry_uuid == uuid) else {
                    errors.push(registry_error(
                        "XDSUnresolvedReferenceException",
                        format!("unknown entry {uuid}"),
                    ));
                    continue;
                };
                let e = &st.entries[i];
                if Ins::from_cx(&e.entry.patient_id).ok().as_ref() != vihf.patient.as_ref() {
                    errors.push(registry_error(
                        "XDSPatientIdDoesNotMatch",
                        format!("{uuid} is about another patient"),
                    ));
                    continue;
                }
                let from = status(&e.entry);
                let to = Availability::from_urn(&new);
                if from.as_urn() != original {
                    errors.push(registry_error(
                        "XDSMetadataUpdateError",
                        format!("{uuid} is {}, not {original}", from.as_urn()),
                    ));
                    continue;
                }
                let allowed = matches!(
                    (from, to),
                    (Availability::Approved, Some(Availability::Archived))
                        | (Availability::Archived, Some(Availability::Approved))
                        | (
                            Availability::Approved | Availability::Archived,
                            Some(Availability::Deleted)
                        )
                );
                if !allowed {
                    errors.push(registry_error(
                        "XDSMetadataUpdateError",
                        format!("{} → {new} not allowed", from.as_urn()),
                    ));
                    continue;
                }
                if let Err(refused) = may_change(e, vihf, "change the status of") {
                    errors.push(refused);
                    continue;
                }
                apply.push((i, new));
            }
            if !errors.is_empty() {
                return registry_failure(errors);
            }
            for (i, new) in apply {
                st.entries[i].entry.status = Some(new);
            }
        }
        ReceivedUpdate::Metadata(updates) => {
            let mut apply = Vec::new();
            for (entry, previous) in updates {
                let Some(lid) = entry.logical_id.clone() else {
                    errors.push(registry_error("XDSMetadataUpdateError", "no logicalId"));
                    continue;
                };
                let Some(i) = st.entries.iter().position(|e| {
                    e.entry.logical_id.as_deref() == Some(lid.as_str())
                        && status(&e.entry) != Availability::Deprecated
                }) else {
                    errors.push(registry_error(
                        "XDSUnresolvedReferenceException",
                        format!("no live entry with logicalId {lid}"),
                    ));
                    continue;
                };
                let e = &st.entries[i];
                if e.entry.version.as_deref() != Some(previous.as_str()) {
                    errors.push(registry_error(
                        "XDSMetadataVersionError",
                        format!(
                            "PreviousVersion {previous} but the current version is {}",
                            e.entry.version.as_deref().unwrap_or("?")
                        ),
                    ));
                    continue;
                }
                if entry.unique_id != e.entry.unique_id || entry.patient_id != e.entry.patient_id {
                    errors.push(registry_error(
                        "XDSMetadataUpdateError",
                        "uniqueId and patientId cannot change",
                    ));
                    continue;
                }
                if let Err(refused) = may_change(e, vihf, "update") {
                    errors.push(refused);
                    continue;
                }
                apply.push((i, entry));
            }
            if !errors.is_empty() {
                return registry_failure(errors);
            }
            for (i, mut entry) in apply {
                let old = st.entries[i].clone();
                st.entries[i].entry.status = Some(Availability::Deprecated.as_urn().to_owned());
                let version = old
                    .entry
                    .version
                    .as_deref()
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(1)
                    + 1;
                if !entry.entry_uuid.starts_with("urn:uuid:") {
                    entry.entry_uuid = new_uuid();
                }
                entry.version = Some(version.to_string());
                entry.status = old.entry.status.clone();
                entry.repository_unique_id = old.entry.repository_unique_id.clone();
                st.entries.push(SimEntry {
                    entry,
                    content: old.content.clone(),
                    submitter: old.submitter.clone(),
                    submission_set: old.submission_set.clone(),
                    registered_at: now,
                });
            }
        }
    }
    Ok((xds::registry_response(&[]), Vec::new()))
}

/// The contextual web access: a posted VIHF + INS, answered with an HTML
/// page listing the documents the professional may see.
fn web(shared: &Shared, body: &[u8]) -> Outcome {
    let page = |status: u16, title: &str, content: String| {
        Outcome {
        status,
        message: HttpMessage {
            content_type: "text/html; charset=utf-8".into(),
            body: format!(
                "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>{content}</body></html>",
                t = crate::web::escape(title)
            )
            .into_bytes(),
        },
        after: None,
    }
    };
    let Some((xml, ins)) = crate::web::read_form(body) else {
        return page(400, "Requête invalide", String::new());
    };
    let now = shared.clock.now();
    let vihf = match crate::xml::parse(xml.as_bytes())
        .map_err(Error::from)
        .and_then(|el| crate::vihf::verify_assertion(&el, &crate::xml::Scope::new()))
    {
        Ok(v) => v,
        Err(e) => return page(403, "VIHF refusé", crate::web::escape(&e.to_string())),
    };
    if vihf.not_on_or_after.is_some_and(|t| now >= t + SKEW) {
        return page(403, "VIHF expiré", String::new());
    }
    let Ok(patient) = Ins::from_cx(&ins) else {
        return page(400, "INS invalide", String::new());
    };
    if same_patient(&vihf, &patient).is_err() {
        return page(403, "Patient incohérent", String::new());
    }
    let st = shared.lock();
    let cx = patient.to_cx();
    if let Err(f) = may_consult(&st, &vihf, &cx) {
        return page(403, "Accès refusé", crate::web::escape(&f.reason));
    }
    let mut items = String::new();
    for e in st.entries.iter().filter(|e| {
        e.entry.patient_id == cx
            && status(&e.entry) == Availability::Approved
            && !is_signature_entry(&e.entry)
            && visible_to(e, &vihf.name_id)
    }) {
        items.push_str(&format!(
            "<li>{} — {}</li>",
            crate::web::escape(e.entry.title.as_deref().unwrap_or("")),
            crate::web::escape(&e.entry.unique_id)
        ));
    }
    page(200, "DMP du patient", format!("<ul>{items}</ul>"))
}
