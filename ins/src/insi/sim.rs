//! An in-process INSi simulator (feature `sim`), for the crate's tests, the
//! conformance runner and editors' own tests.
//!
//! [`InsiSimulator`] listens on `127.0.0.1` (random port), over plain HTTP
//! or HTTPS (optionally requiring a client certificate, e.g. from
//! `segur_ssi::test_pki`). It reads the real SOAP requests with the same
//! sans-IO core as the client ([`super::soap::parse_request`]) and answers
//! from a configurable identity base:
//!
//! - `RECSANSVITALE`: an identity matches when the birth family name, sex and
//!   birth date are identical, the birth place too when sent, and every
//!   `Prenom` sent is the first given name, one of the birth given names, or
//!   the whole list (strict comparison, as INSi). 0 / 1 / several matches
//!   give `01` / `00` / `02`.
//! - `RECVITALE`: by the beneficiary's matricule (current or historical INS),
//!   else by the ouvrant droit's matricule + birth date (+ birth rank when sent).
//!
//! Scripted behaviours ([`SimBehaviour`]) override the base, one per request
//! in order, then the default: fixed answers, SOAP faults, HTTP errors, slow
//! answers and answers that never come. Requests are checked like the real
//! service: unknown software authorisation number (IDAM) → fault
//! `desir_550`; missing credentials or a structure certificate whose common
//! name is not `INSI-AUTO` / `INSI-MANU` (when required) → `desir_560`;
//! incomplete headers → a `Sender` fault. Every request is recorded
//! ([`InsiSimulator::requests`]) for assertions.
//!
//! The simulation is an approximation of the real service (matching rules,
//! fault texts of checks other than `desir_550` are ours); it speaks the real
//! wire format.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use segur_ins::insi::sim::{InsiSimulator, SimIdentity};
//! use segur_ins::insi::{GivenNameStrategy, InsiClient, SoftwareIdentity};
//! let sim = InsiSimulator::builder()
//!     .identities(SimIdentity::test_identities())
//!     .start()
//!     .await?;
//! let client = InsiClient::builder(sim.url(), SoftwareIdentity::new(InsiSimulator::DEFAULT_IDAM, "1", "doc", "1"), "doc")
//!     .build()?;
//! let traits = SimIdentity::ecetinsi_pierre_alain().traits.to_traits()?;
//! let report = client.search(&traits, GivenNameStrategy::EachThenAll).await?;
//! assert!(report.is_conclusive());
//! assert_eq!(sim.requests().len(), 1);
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, watch};

use super::error::{FaultCode, SiramError, SoapFault};
use super::model::{InsiIdentity, InsiOutcome, ReturnedIns, ReturnedTraits};
use super::soap::{self, ParsedRequest, ReceivedQuery};
use super::xml::MAX_MESSAGE_BYTES;
use super::{SharedClock, SystemClock};
use crate::{Ins, ReceivedMatricule, Traits};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why the simulator could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("INSi simulator: {0}")]
pub struct SimError(pub String);

/// A carte Vitale link of a simulated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VitaleLink {
    /// The ouvrant droit's matricule (15 characters).
    pub ouvrant_droit: String,
    /// The birth rank on the card.
    pub birth_rank: u8,
}

/// An identity of the simulated base: what INSi returns for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimIdentity {
    /// `INSACTIF`.
    pub active: ReturnedIns,
    /// `INSHISTO`.
    pub history: Vec<ReturnedIns>,
    /// `TIQ` (always includes `Prenom`, as the CNDA test answers do).
    pub traits: ReturnedTraits,
    /// Carte Vitale links.
    pub vitale: Vec<VitaleLink>,
}

fn returned_ins(matricule: &str, oid: &str) -> Result<ReturnedIns, SimError> {
    if matricule.len() != 15 || !matricule.is_ascii() {
        return Err(SimError(format!(
            "matricule {matricule:?}: 15 characters expected"
        )));
    }
    let m = ReceivedMatricule::parse(&matricule[..13], &matricule[13..])
        .map_err(|e| SimError(e.to_string()))?;
    Ok(ReturnedIns {
        matricule: m,
        oid: oid.to_owned(),
        type_matricule: None,
        valid_from: None,
        valid_until: None,
    })
}

impl SimIdentity {
    /// An identity from raw values: a 15-character matricule (its key is not
    /// checked, to simulate answers with a bad key), an OID and the traits.
    pub fn new(matricule: &str, oid: &str, traits: ReturnedTraits) -> Result<Self, SimError> {
        Ok(Self {
            active: returned_ins(matricule, oid)?,
            history: Vec::new(),
            traits,
            vitale: Vec::new(),
        })
    }

    /// An identity from core values.
    pub fn from_traits(ins: &Ins, traits: &Traits) -> Self {
        let t = ReturnedTraits::from_traits(traits);
        Self {
            active: ReturnedIns {
                // The base and key of a checked `Nir` always parse.
                matricule: ReceivedMatricule::parse(
                    ins.matricule().base(),
                    &format!("{:02}", ins.matricule().key()),
                )
                .expect("a checked NIR is a well-formed matricule"),
                oid: ins.oid().as_str().to_owned(),
                type_matricule: None,
                valid_from: None,
                valid_until: None,
            },
            history: Vec::new(),
            traits: t,
            vitale: Vec::new(),
        }
    }

    /// Adds a previous matricule (`INSHISTO`).
    pub fn with_history(mut self, matricule: &str, oid: &str) -> Result<Self, SimError> {
        self.history.push(returned_ins(matricule, oid)?);
        Ok(self)
    }

    /// Adds a carte Vitale link (ouvrant droit's matricule, birth rank).
    pub fn with_vitale(mut self, ouvrant_droit: &str, birth_rank: u8) -> Self {
        self.vitale.push(VitaleLink {
            ouvrant_droit: ouvrant_droit.to_owned(),
            birth_rank,
        });
        self
    }

    fn identity(&self) -> InsiIdentity {
        InsiIdentity {
            active: self.active.clone(),
            history: self.history.clone(),
            traits: self.traits.clone(),
        }
    }

    fn matches_traits(
        &self,
        family: &str,
        given: &[String],
        sex: &str,
        date: &str,
        place: Option<&str>,
    ) -> bool {
        let t = &self.traits;
        let list = t.given_names.as_deref().unwrap_or_default();
        let first = t
            .first_given_name
            .as_deref()
            .or_else(|| list.split(' ').next())
            .unwrap_or_default();
        t.birth_family_name.as_deref() == Some(family)
            && t.sex.as_deref() == Some(sex)
            && t.birth_date.as_deref() == Some(date)
            && place.is_none_or(|p| {
                t.birth_place
                    .as_deref()
                    .is_some_and(|b| b.eq_ignore_ascii_case(p))
            })
            && given
                .iter()
                .all(|g| g == first || g == list || list.split(' ').any(|e| e == g))
    }

    fn all_matricules(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.active.matricule.as_str())
            .chain(self.history.iter().map(|h| h.matricule.as_str()))
    }

    fn t(
        family: &str,
        first: &str,
        list: &str,
        sex: &str,
        date: &str,
        place: &str,
    ) -> ReturnedTraits {
        ReturnedTraits {
            birth_family_name: Some(family.into()),
            first_given_name: Some(first.into()),
            given_names: Some(list.into()),
            sex: Some(sex.into()),
            birth_date: Some(date.into()),
            birth_place: Some(place.into()),
        }
    }

    fn preset(matricule: &str, oid: &str, traits: ReturnedTraits) -> Self {
        Self {
            // Preset literals, checked by `presets_are_well_formed`.
            active: returned_ins(matricule, oid).expect("preset matricule is well-formed"),
            history: Vec::new(),
            traits,
            vitale: Vec::new(),
        }
    }

    /// ECETINSI PIERRE-ALAIN (CNDA test identity): active INS and two
    /// previous matricules.
    pub fn ecetinsi_pierre_alain() -> Self {
        let mut s = Self::preset(
            "109076322083489",
            "1.2.250.1.213.1.4.8",
            Self::t(
                "ECETINSI",
                "PIERRE-ALAIN",
                "PIERRE-ALAIN MURIEL FLORIANT",
                "M",
                "2009-07-14",
                "63220",
            ),
        );
        for m in ["209076322083439", "209066322012355"] {
            if let Ok(mut h) = returned_ins(m, "1.2.250.1.213.1.4.8") {
                h.type_matricule = Some("NIR".into());
                s.history.push(h);
            }
        }
        s
    }

    /// ADRTROIS DOMINIQUE (Corsica 2A).
    pub fn adrtrois_dominique() -> Self {
        Self::preset(
            "297022A02077878",
            "1.2.250.1.213.1.4.8",
            Self::t(
                "ADRTROIS",
                "DOMINIQUE",
                "DOMINIQUE",
                "F",
                "1997-02-26",
                "20020",
            ),
        )
    }

    /// TCHITCHI CATARINA BELLA.
    pub fn tchitchi_catarina() -> Self {
        Self::preset(
            "236066322083656",
            "1.2.250.1.213.1.4.8",
            Self::t(
                "TCHITCHI",
                "CATARINA",
                "CATARINA BELLA",
                "F",
                "1936-06-21",
                "63220",
            ),
        )
    }

    /// CORSE ANTHONY (2B), whose history repeats the active matricule.
    pub fn corse_anthony() -> Self {
        let mut s = Self::preset(
            "180032B02040123",
            "1.2.250.1.213.1.4.8",
            Self::t("CORSE", "ANTHONY", "ANTHONY", "M", "1980-03-02", "2B020"),
        );
        s.history.push(s.active.clone());
        s
    }

    /// HERMANN GATIEN (CNDA TEST_2.08 case 2): the active and historical
    /// matricules carry keys that do not satisfy mod 97.
    pub fn hermann_gatien() -> Self {
        let mut s = Self::preset(
            "181036322045660",
            "1.2.250.1.213.1.4.8",
            Self::t("HERMANN", "GATIEN", "GATIEN", "M", "1981-03-24", "63220"),
        );
        if let Ok(h) = returned_ins("281036322045610", "1.2.250.1.213.1.4.8") {
            s.history.push(h);
        }
        s
    }

    /// PROVISOIRE MATRICULE (CNDA TEST_2.05): an INS-NIA.
    pub fn provisoire_matricule_nia() -> Self {
        Self::preset(
            "109076322088835",
            "1.2.250.1.213.1.4.9",
            Self::t(
                "PROVISOIRE",
                "MATRICULE",
                "MATRICULE",
                "M",
                "2009-07-01",
                "63220",
            ),
        )
    }

    /// ADRUN ZOE, reachable with a carte Vitale of ouvrant droit
    /// `185057512345673` (fictitious), birth rank 1.
    pub fn adrun_zoe() -> Self {
        Self::preset(
            "275126322074974",
            "1.2.250.1.213.1.4.8",
            Self::t("ADRUN", "ZOE", "ZOE", "F", "1975-12-31", "63220"),
        )
        .with_vitale("185057512345673", 1)
    }

    /// The fictitious test identities above.
    pub fn test_identities() -> Vec<Self> {
        vec![
            Self::ecetinsi_pierre_alain(),
            Self::adrtrois_dominique(),
            Self::tchitchi_catarina(),
            Self::corse_anthony(),
            Self::hermann_gatien(),
            Self::provisoire_matricule_nia(),
            Self::adrun_zoe(),
        ]
    }
}

/// What the simulator does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimBehaviour {
    /// Answer from the identity base.
    Answer,
    /// A fixed answer, whatever the request (with the documented label
    /// unless one is given).
    Result {
        /// The outcome.
        outcome: InsiOutcome,
        /// A label instead of the documented one.
        label: Option<String>,
    },
    /// A SOAP fault (HTTP 500).
    Fault(SoapFault),
    /// An HTTP error with a non-SOAP body.
    HttpStatus {
        /// The status.
        status: u16,
        /// The body (text/plain).
        body: String,
    },
    /// A 200 answer with this raw body (malformed answers).
    RawBody(String),
    /// Wait, then behave as the inner behaviour.
    Delay(Duration, Box<SimBehaviour>),
    /// Never answer (until the client gives up or the simulator stops).
    Hang,
}

impl SimBehaviour {
    /// A slow answer from the base.
    pub fn slow(delay: Duration) -> Self {
        Self::Delay(delay, Box::new(Self::Answer))
    }

    /// The fault INSi returns for an unknown software authorisation number.
    pub fn fault_unknown_software(message_id: Option<String>) -> Self {
        Self::Fault(fault_desir_550(message_id))
    }

    /// A `Receiver` fault (service failure; transient).
    pub fn fault_service_unavailable() -> Self {
        Self::Fault(receiver_fault())
    }
}

fn receiver_fault() -> SoapFault {
    SoapFault {
        code: FaultCode::Receiver,
        subcode: None,
        reason: "Service momentanément indisponible.".into(),
        detail: None,
    }
}

fn fault_desir_550(message_id: Option<String>) -> SoapFault {
    SoapFault {
        code: FaultCode::Sender,
        subcode: Some("siram_100".into()),
        reason: "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du \
                 progiciel ou votre responsable informatique."
            .into(),
        detail: Some(SiramError {
            code: "desir_550".into(),
            severity: "erreur".into(),
            message_id,
            text: "Numéro d'autorisation du logiciel inconnu.".into(),
        }),
    }
}

fn fault_desir_560(message_id: Option<String>, why: &str) -> SoapFault {
    SoapFault {
        code: FaultCode::Sender,
        subcode: Some("siram_100".into()),
        reason: format!("Niveau d'accès insuffisant : {why}."),
        detail: Some(SiramError {
            code: "DESIR_560".into(),
            severity: "erreur".into(),
            message_id,
            text: "Niveau d'accès insuffisant.".into(),
        }),
    }
}

fn fault_invalid(message_id: Option<String>, why: String) -> SoapFault {
    SoapFault {
        code: FaultCode::Sender,
        subcode: None,
        reason: format!("Requête invalide : {why}"),
        detail: Some(SiramError {
            code: "sim_requete_invalide".into(),
            severity: "erreur".into(),
            message_id,
            text: why,
        }),
    }
}

/// What authentication the simulator requires.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SimAuth {
    /// Nothing (plain HTTP tests).
    #[default]
    None,
    /// A client certificate whose common name is `INSI-AUTO` or `INSI-MANU`
    /// (HTTPS with client authentication).
    StructureCertificate,
    /// One of these bearer tokens, with a `PSC` assertion.
    BearerToken(Vec<String>),
    /// A signed assertion with `NameQualifier="CPS"`.
    CpsAssertion,
}

/// What the simulator did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimAnswer {
    /// A `RESULTAT` with this code.
    Result(super::ResultCode),
    /// A SOAP fault with this detail code (or the fault code).
    Fault(String),
    /// An HTTP error.
    HttpStatus(u16),
    /// A raw body.
    Raw,
    /// Nothing yet (slow or hanging).
    Pending,
}

/// A request received by the simulator.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Arrival number, from 1.
    pub seq: u64,
    /// When it arrived (simulator clock).
    pub received_at: OffsetDateTime,
    /// HTTP headers (names lower case; the `authorization` value is kept: test tokens only).
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: String,
    /// The parsed request, or why it could not be read.
    pub parsed: Result<ParsedRequest, String>,
    /// The common name of the client certificate (HTTPS with client auth).
    pub client_certificate_cn: Option<String>,
    /// What was answered.
    pub answer: SimAnswer,
    /// The response body sent (`None` while pending).
    pub response_body: Option<String>,
}

impl RecordedRequest {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Prenom` values of a traits search.
    pub fn given_names(&self) -> Vec<String> {
        match &self.parsed {
            Ok(ParsedRequest {
                query: ReceivedQuery::Traits { given_names, .. },
                ..
            }) => given_names.clone(),
            _ => Vec::new(),
        }
    }
}

struct State {
    identities: Mutex<Vec<SimIdentity>>,
    script: Mutex<VecDeque<SimBehaviour>>,
    default: Mutex<SimBehaviour>,
    recorded: Mutex<VecDeque<RecordedRequest>>,
    received: std::sync::atomic::AtomicU64,
    record_limit: usize,
    notify: Notify,
    allowed_idams: Option<Vec<String>>,
    auth: SimAuth,
    clock: SharedClock,
}

/// Builds an [`InsiSimulator`].
pub struct InsiSimulatorBuilder {
    identities: Vec<SimIdentity>,
    allowed_idams: Option<Vec<String>>,
    auth: SimAuth,
    tls: Option<rustls::ServerConfig>,
    clock: SharedClock,
    default: SimBehaviour,
    record_limit: usize,
}

impl std::fmt::Debug for InsiSimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsiSimulatorBuilder")
            .field("identities", &self.identities.len())
            .field("auth", &self.auth)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl InsiSimulatorBuilder {
    /// Adds identities to the base.
    pub fn identities(mut self, identities: impl IntoIterator<Item = SimIdentity>) -> Self {
        self.identities.extend(identities);
        self
    }

    /// Adds one identity.
    pub fn identity(mut self, identity: SimIdentity) -> Self {
        self.identities.push(identity);
        self
    }

    /// The accepted software authorisation numbers (default:
    /// [`InsiSimulator::DEFAULT_IDAM`]); others get fault `desir_550`.
    pub fn allowed_idams(mut self, idams: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_idams = Some(idams.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts any IDAM.
    pub fn any_idam(mut self) -> Self {
        self.allowed_idams = None;
        self
    }

    /// The authentication required (default none).
    pub fn auth(mut self, auth: SimAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Serves HTTPS with this configuration (e.g. `TestPki::server_config`,
    /// with client authentication for mutual TLS).
    pub fn tls(mut self, config: rustls::ServerConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The clock stamping recorded requests.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The behaviour when the script is empty (default [`SimBehaviour::Answer`]).
    pub fn default_behaviour(mut self, b: SimBehaviour) -> Self {
        self.default = b;
        self
    }

    /// Keeps only the last `n` requests (default 10 000), for long runs.
    pub fn record_limit(mut self, n: usize) -> Self {
        self.record_limit = n.max(1);
        self
    }

    /// Binds `127.0.0.1:0` and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<InsiSimulator, SimError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| SimError(format!("bind: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimError(format!("local address: {e}")))?;
        let state = Arc::new(State {
            identities: Mutex::new(self.identities),
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(self.default),
            recorded: Mutex::new(VecDeque::new()),
            received: std::sync::atomic::AtomicU64::new(0),
            record_limit: self.record_limit,
            notify: Notify::new(),
            allowed_idams: self.allowed_idams,
            auth: self.auth,
            clock: self.clock,
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let https = self.tls.is_some();
        let acceptor = self
            .tls
            .map(|c| tokio_rustls::TlsAcceptor::from(Arc::new(c)));
        let st = state.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stop.changed() => break,
                };
                let Ok((tcp, _)) = accepted else { continue };
                let st = st.clone();
                let stop = stop_rx.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        None => serve_connection(tcp, st, None, stop).await,
                        Some(acceptor) => {
                            let Ok(tls) = acceptor.accept(tcp).await else {
                                return;
                            };
                            let cn = tls
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(segur_ssi::tls::peer_identity)
                                .and_then(Result::ok)
                                .and_then(|c| c.common_name().map(str::to_owned));
                            serve_connection(tls, st, cn, stop).await;
                        }
                    }
                });
            }
        });
        Ok(InsiSimulator {
            addr,
            https,
            state,
            stop: stop_tx,
        })
    }
}

async fn serve_connection<S>(
    io: S,
    state: Arc<State>,
    client_cn: Option<String>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| {
        let state = state.clone();
        let cn = client_cn.clone();
        async move { Ok::<_, Infallible>(handle(state, cn, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        _ = stop.changed() => {}
    }
}

fn soap_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/soap+xml; charset=utf-8"),
    );
    r
}

fn fault_response(fault: &SoapFault) -> Response<Full<Bytes>> {
    soap_response(StatusCode::INTERNAL_SERVER_ERROR, soap::build_fault(fault))
}

fn fault_answer(fault: &SoapFault) -> SimAnswer {
    SimAnswer::Fault(
        fault
            .detail
            .as_ref()
            .map(|d| d.code.clone())
            .unwrap_or_else(|| fault.code.as_str().to_owned()),
    )
}

async fn handle(
    state: Arc<State>,
    client_cn: Option<String>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let received_at = state.clock.now();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if req.method() != hyper::Method::POST {
        let mut r = Response::new(Full::new(Bytes::from_static(b"POST only")));
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return r;
    }
    let body = match Limited::new(req.into_body(), MAX_MESSAGE_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let mut r = Response::new(Full::new(Bytes::from_static(b"request too large")));
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return r;
        }
    };
    let parsed = soap::parse_request(&body).map_err(|e| e.to_string());
    let seq = state
        .received
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        + 1;
    {
        let mut rec = lock(&state.recorded);
        rec.push_back(RecordedRequest {
            seq,
            received_at,
            headers: headers.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            parsed: parsed.clone(),
            client_certificate_cn: client_cn.clone(),
            answer: SimAnswer::Pending,
            response_body: None,
        });
        while rec.len() > state.record_limit {
            rec.pop_front();
        }
    }
    state.notify.notify_waiters();
    let behaviour = lock(&state.script)
        .pop_front()
        .unwrap_or_else(|| lock(&state.default).clone());
    let (response, answer) =
        respond(&state, &headers, client_cn.as_deref(), &parsed, behaviour).await;
    let (parts, body) = response.into_parts();
    // `Full` yields its one chunk without error.
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(never) => match never {},
    };
    if let Some(r) = lock(&state.recorded).iter_mut().find(|r| r.seq == seq) {
        r.answer = answer;
        r.response_body = Some(String::from_utf8_lossy(&body).into_owned());
    }
    let response = Response::from_parts(parts, Full::new(body));
    state.notify.notify_waiters();
    response
}

fn check_request(
    state: &State,
    headers: &[(String, String)],
    client_cn: Option<&str>,
    req: &ParsedRequest,
) -> Option<SoapFault> {
    let mid = req.message_id.clone();
    let problems = req.header_problems();
    if !problems.is_empty() {
        return Some(fault_invalid(mid, problems.join("; ")));
    }
    let idam = req
        .lps
        .as_ref()
        .and_then(|l| l.idam.as_deref())
        .unwrap_or_default();
    if let Some(allowed) = &state.allowed_idams {
        if !allowed.iter().any(|a| a == idam) {
            return Some(fault_desir_550(mid));
        }
    }
    let bearer = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .and_then(|(_, v)| v.strip_prefix("Bearer "));
    let qualifier = req
        .assertion
        .as_ref()
        .and_then(|a| a.name_qualifier.as_deref());
    match &state.auth {
        SimAuth::None => None,
        SimAuth::StructureCertificate => match client_cn {
            Some("INSI-AUTO" | "INSI-MANU") => None,
            Some(cn) => Some(fault_desir_560(
                mid,
                &format!("le certificat {cn:?} n'est ni INSI-AUTO ni INSI-MANU"),
            )),
            None => Some(fault_desir_560(mid, "aucun certificat client")),
        },
        SimAuth::BearerToken(valid) => {
            if !bearer.is_some_and(|b| valid.iter().any(|v| v == b)) {
                Some(fault_desir_560(
                    mid,
                    "jeton Pro Santé Connect absent ou invalide",
                ))
            } else if qualifier != Some("PSC") {
                Some(fault_desir_560(mid, "assertion PSC absente"))
            } else {
                None
            }
        }
        SimAuth::CpsAssertion => {
            let signed = req.assertion.as_ref().is_some_and(|a| a.signed);
            if qualifier == Some("CPS") && signed {
                None
            } else {
                Some(fault_desir_560(mid, "assertion CPS signée absente"))
            }
        }
    }
}

fn answer_from_base(state: &State, req: &ParsedRequest) -> Result<InsiOutcome, Box<SoapFault>> {
    let ids = lock(&state.identities);
    let mid = req.message_id.clone();
    let matches: Vec<&SimIdentity> = match &req.query {
        ReceivedQuery::Traits {
            birth_family_name,
            given_names,
            sex,
            birth_date,
            birth_place,
        } => {
            let (Some(family), Some(sex), Some(date)) = (birth_family_name, sex, birth_date) else {
                return Err(Box::new(fault_invalid(
                    mid,
                    "NomNaissance, Sexe et DateNaissance sont obligatoires".into(),
                )));
            };
            if given_names.is_empty() {
                return Err(Box::new(fault_invalid(
                    mid,
                    "Prenom est obligatoire".into(),
                )));
            }
            ids.iter()
                .filter(|i| {
                    i.matches_traits(family, given_names, sex, date, birth_place.as_deref())
                })
                .collect()
        }
        ReceivedQuery::Vitale {
            individual,
            ouvrant_droit,
            birth_date,
            birth_rank,
            ..
        } => {
            let individual = individual.as_ref().map(|m| m.joined());
            let by_individual: Vec<&SimIdentity> = match &individual {
                Some(m) => ids
                    .iter()
                    .filter(|i| i.all_matricules().any(|x| x == m))
                    .collect(),
                None => Vec::new(),
            };
            if !by_individual.is_empty() {
                by_individual
            } else {
                let od = ouvrant_droit.as_ref().map(|m| m.joined());
                let rank = birth_rank.as_deref().and_then(|r| r.parse::<u8>().ok());
                match (&od, birth_date) {
                    (Some(od), Some(date)) => ids
                        .iter()
                        .filter(|i| {
                            i.traits.birth_date.as_deref() == Some(date.as_str())
                                && i.vitale.iter().any(|v| {
                                    &v.ouvrant_droit == od && rank.is_none_or(|r| r == v.birth_rank)
                                })
                        })
                        .collect(),
                    _ if individual.is_some() => Vec::new(),
                    _ => {
                        return Err(Box::new(fault_invalid(
                            mid,
                            "MatriculeIndividu, ou MatriculeOD et DateNaissance, sont obligatoires"
                                .into(),
                        )));
                    }
                }
            }
        }
    };
    Ok(match matches.as_slice() {
        [] => InsiOutcome::NotFound,
        [one] => InsiOutcome::Found(Box::new(one.identity())),
        _ => InsiOutcome::Several,
    })
}

type Responding<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = (Response<Full<Bytes>>, SimAnswer)> + Send + 'a>,
>;

fn respond<'a>(
    state: &'a State,
    headers: &'a [(String, String)],
    client_cn: Option<&'a str>,
    parsed: &'a Result<ParsedRequest, String>,
    behaviour: SimBehaviour,
) -> Responding<'a> {
    Box::pin(async move {
        match behaviour {
            SimBehaviour::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                respond(state, headers, client_cn, parsed, *inner).await
            }
            SimBehaviour::Hang => {
                // Long enough for any client timeout; the connection task
                // ends when the simulator stops.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                (fault_response(&receiver_fault()), SimAnswer::Pending)
            }
            SimBehaviour::HttpStatus { status, body } => {
                let mut r = Response::new(Full::new(Bytes::from(body)));
                *r.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                r.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                (r, SimAnswer::HttpStatus(status))
            }
            SimBehaviour::RawBody(body) => (soap_response(StatusCode::OK, body), SimAnswer::Raw),
            SimBehaviour::Fault(f) => (fault_response(&f), fault_answer(&f)),
            SimBehaviour::Result { outcome, label } => {
                let code = outcome.code();
                (
                    soap_response(
                        StatusCode::OK,
                        soap::build_result(&outcome, label.as_deref()),
                    ),
                    SimAnswer::Result(code),
                )
            }
            SimBehaviour::Answer => {
                let req = match parsed {
                    Ok(r) => r,
                    Err(e) => {
                        let f = fault_invalid(None, e.clone());
                        return (fault_response(&f), fault_answer(&f));
                    }
                };
                if let Some(f) = check_request(state, headers, client_cn, req) {
                    return (fault_response(&f), fault_answer(&f));
                }
                match answer_from_base(state, req) {
                    Ok(outcome) => {
                        let code = outcome.code();
                        (
                            soap_response(StatusCode::OK, soap::build_result(&outcome, None)),
                            SimAnswer::Result(code),
                        )
                    }
                    Err(f) => (fault_response(&f), fault_answer(&f)),
                }
            }
        }
    })
}

/// A running INSi simulator. Stops when dropped.
pub struct InsiSimulator {
    addr: SocketAddr,
    https: bool,
    state: Arc<State>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for InsiSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsiSimulator")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl InsiSimulator {
    /// The IDAM accepted by default.
    pub const DEFAULT_IDAM: &'static str = "SEGUR-RS-SIM-IDAM";

    /// A builder: empty base, IDAM [`Self::DEFAULT_IDAM`], no authentication, plain HTTP.
    pub fn builder() -> InsiSimulatorBuilder {
        InsiSimulatorBuilder {
            identities: Vec::new(),
            allowed_idams: Some(vec![Self::DEFAULT_IDAM.to_owned()]),
            auth: SimAuth::None,
            tls: None,
            clock: Arc::new(SystemClock),
            default: SimBehaviour::Answer,
            record_limit: 10_000,
        }
    }

    /// The endpoint URL (`http://127.0.0.1:PORT/lps` or `https://…`).
    pub fn url(&self) -> String {
        format!(
            "{}://{}/lps",
            if self.https { "https" } else { "http" },
            self.addr
        )
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues behaviours, consumed one per request in order.
    pub fn script(&self, behaviours: impl IntoIterator<Item = SimBehaviour>) {
        lock(&self.state.script).extend(behaviours);
    }

    /// Sets the behaviour used when the script is empty.
    pub fn set_default_behaviour(&self, b: SimBehaviour) {
        *lock(&self.state.default) = b;
    }

    /// Adds an identity to the base.
    pub fn add_identity(&self, identity: SimIdentity) {
        lock(&self.state.identities).push(identity);
    }

    /// The requests received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.recorded).iter().cloned().collect()
    }

    /// How many requests arrived since the start (recorded or not).
    pub fn received_count(&self) -> u64 {
        self.state
            .received
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.state.recorded).clear();
    }

    /// Waits until at least `n` requests have arrived since the start — at
    /// most `timeout` — and returns the recorded ones.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let wait = async {
            loop {
                let notified = self.state.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.received_count() >= n as u64 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
        self.requests()
    }

    /// Stops serving (also done on drop).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for InsiSimulator {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InsOid;

    #[test]
    fn presets_are_well_formed() {
        for s in SimIdentity::test_identities() {
            assert_ne!(s.active.oid, "", "{s:?}");
        }
        assert!(!SimIdentity::hermann_gatien().active.matricule.key_matches());
        assert!(SimIdentity::ecetinsi_pierre_alain().active.ins().is_some());
        assert_eq!(SimIdentity::ecetinsi_pierre_alain().history.len(), 2);
        assert_eq!(
            SimIdentity::provisoire_matricule_nia().active.ins_oid(),
            Some(InsOid::InsNia)
        );
        assert!(SimIdentity::adrun_zoe().traits.to_traits().is_ok());
    }

    #[test]
    fn trait_matching_is_strict() {
        let e = SimIdentity::ecetinsi_pierre_alain();
        let m = |g: &[&str], family: &str, place: Option<&str>| {
            e.matches_traits(
                family,
                &g.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "M",
                "2009-07-14",
                place,
            )
        };
        assert!(m(&["PIERRE-ALAIN"], "ECETINSI", None));
        assert!(m(&["MURIEL"], "ECETINSI", Some("63220")));
        assert!(m(&["PIERRE-ALAIN MURIEL FLORIANT"], "ECETINSI", None));
        assert!(!m(&["PIERRE ALAIN"], "ECETINSI", None));
        assert!(!m(&["PIERRE"], "ECETINSI", None));
        assert!(!m(&["PIERRE-ALAIN"], "ECETINSY", None));
        assert!(!m(&["PIERRE-ALAIN"], "ECETINSI", Some("75056")));
    }
}
