//! The Pro Santé Connect simulator (feature `sim`): an in-process OpenID
//! provider on loopback that speaks PSC's wire format, for this crate's tests,
//! segur-conformance and editors' own tests.
//!
//! - discovery at PSC's path `/.well-known/wallet-openid-configuration`;
//! - the authorization endpoint on its own listener (PSC's `wallet.*` host is
//!   not the issuer's `auth.*` host), approving the configured test
//!   professional at once, with PKCE S256, state and nonce required, and
//!   `prompt=none` answered `login_required` without an SSO session;
//! - token (authorization code, refresh with rotation, CIBA, RFC 8693 token
//!   exchange), userinfo (JSON or signed JWT), JWKS (ES256 key generated at
//!   start; HS256 with the client secret or RS256 on demand), end_session,
//!   CIBA backchannel authentication with scripted outcomes, introspection
//!   and revocation;
//! - [`PscSimulator::validate_access_token`] and the introspection endpoint
//!   let other simulators (DMP, MSSanté XOAUTH2) check the tokens it issues;
//! - [`PscSimulatorBuilder::observer`] hands every raw request/response to a
//!   recorder (the conformance runner's evidence pack).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::IncomingStream;
use base64::Engine as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tokio::task::JoinHandle;

use segur_ids::IdNatPs;

use crate::jose::{JwkSet, SigningKey};
use crate::provider::{Environment, PSC_DISCOVERY_PATH};
use crate::{Error, SharedClock, SystemClock};

const REALM: &str = "/auth/realms/esante-wallet";
const OIDC: &str = "/auth/realms/esante-wallet/protocol/openid-connect";

/// A test professional the simulator authenticates.
#[derive(Debug, Clone)]
pub struct TestProfessional {
    /// National id (`SubjectNameID`, CIBA `login_hint`).
    pub national_id: IdNatPs,
    /// PSC subject.
    pub sub: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Extra userinfo claims (merged over the generated ones).
    pub extra_userinfo: serde_json::Map<String, Value>,
}

impl TestProfessional {
    /// A fictitious doctor: RPPS `10003612545`, Dr Jean MEDECIN-TEST, with a
    /// complete `SubjectRefPro`.
    pub fn medecin() -> Self {
        // The literal is a valid idNat_PS (8 + RPPS with a good Luhn key).
        let national_id = IdNatPs::parse("810003612545").expect("valid test idNat_PS");
        Self::new(national_id, "JEAN", "MEDECIN-TEST")
    }

    /// A professional with the given identity.
    pub fn new(national_id: IdNatPs, given_name: &str, family_name: &str) -> Self {
        Self {
            sub: format!("f:sim-{}:{}", crate::random_hex(4), national_id),
            national_id,
            given_name: given_name.to_owned(),
            family_name: family_name.to_owned(),
            extra_userinfo: serde_json::Map::new(),
        }
    }

    fn userinfo(&self) -> Value {
        let rpps = self
            .national_id
            .rpps()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let mut v = json!({
            "sub": self.sub,
            "SubjectNameID": self.national_id.as_str(),
            "preferred_username": self.national_id.as_str(),
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email_verified": false,
            "SubjectOrganization": "CABINET MEDICAL DE TEST",
            "SubjectOrganizationID": "R10000001",
            "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
            "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
            "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
            "PSI_Locale": "1.2.250.1.213.1.3.1.1",
            "UITVersion": "1.0",
            "Acces_Regulation_Medicale": "FAUX",
            "Mode_Acces_Raison": "",
            "otherIds": if rpps.is_empty() { json!([]) } else { json!([{"identifiant": rpps, "origine": "RPPS", "qualite": 1}]) },
            "SubjectRefPro": {
                "codeCivilite": "M",
                "exercices": [{
                    "codeProfession": "10",
                    "codeCategorieProfessionnelle": "C",
                    "codeCiviliteDexercice": "DR",
                    "nomDexercice": self.family_name,
                    "prenomDexercice": self.given_name,
                    "codeTypeSavoirFaire": "S",
                    "codeSavoirFaire": "SM54",
                    "activities": [{
                        "codeModeExercice": "L",
                        "codeSecteurDactivite": "SA07",
                        "codeGenreActivite": "GENR01",
                        "identifiantTechniqueDeLaStructure": "R10000001",
                        "raisonSocialeSite": "CABINET MEDICAL DE TEST",
                        "numeroVoie": "1",
                        "libelleVoie": "RUE DE TEST",
                        "codePostal": "75012",
                        "codeCommune": "75112",
                        "bureauCedex": "75012 PARIS"
                    }]
                }]
            }
        });
        if let Some(obj) = v.as_object_mut() {
            for (k, val) in &self.extra_userinfo {
                obj.insert(k.clone(), val.clone());
            }
        }
        v
    }
}

/// How a simulated client authenticates.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SimClientAuth {
    /// `client_secret_basic` with this secret.
    SecretBasic(String),
    /// `tls_client_auth` (RFC 8705): the client certificate's subject DN
    /// must be this one (as read by `segur_ssi::cert`).
    TlsClientAuth {
        /// Expected subject DN.
        subject_dn: String,
    },
}

/// A client registered at the simulator.
#[derive(Debug, Clone)]
pub struct SimClient {
    /// Client id.
    pub client_id: String,
    /// Authentication.
    pub auth: SimClientAuth,
    /// Registered redirect URIs (exact match). `http://127.0.0.1/*` style
    /// loopback URIs match any port (RFC 8252 §7.3) when `loopback_any_port`.
    pub redirect_uris: Vec<String>,
    /// Accept any port on `127.0.0.1` redirect URIs.
    pub loopback_any_port: bool,
}

impl SimClient {
    /// A `tls_client_auth` client identified by its certificate (DER), e.g. an
    /// organisation certificate of `segur_ssi::test_pki`.
    pub fn tls_client_auth(client_id: &str, certificate_der: &[u8]) -> Result<Self, Error> {
        let cert = segur_ssi::cert::IgcSanteCertificate::from_der(certificate_der)
            .map_err(|e| Error::Config(format!("simulator: client certificate: {e}")))?;
        Ok(Self {
            client_id: client_id.to_owned(),
            auth: SimClientAuth::TlsClientAuth {
                subject_dn: cert.subject().to_owned(),
            },
            redirect_uris: Vec::new(),
            loopback_any_port: true,
        })
    }

    /// A `client_secret_basic` client allowing loopback redirects on any port.
    pub fn secret_basic(client_id: &str, secret: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            auth: SimClientAuth::SecretBasic(secret.to_owned()),
            redirect_uris: Vec::new(),
            loopback_any_port: true,
        }
    }
}

/// How the simulator signs ID tokens and signed userinfo.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SimSigning {
    /// ES256 with a P-256 key generated at start (default).
    Es256,
    /// RS256 with the given PKCS#8 RSA key (`ring` cannot generate RSA keys).
    Rs256(Vec<u8>),
    /// HS256 keyed with the client's secret.
    Hs256,
}

/// Format of the userinfo response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserInfoFormat {
    /// `application/json`.
    Json,
    /// `application/jwt` (signed).
    Jwt,
}

/// A scripted answer to one CIBA poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CibaOutcome {
    /// `authorization_pending`.
    Pending,
    /// `slow_down`.
    SlowDown,
    /// The professional approves: tokens.
    Approve,
    /// The professional refuses: `access_denied`.
    Deny,
    /// `expired_token`.
    Expire,
}

/// What the simulator knows of a token it issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTokenInfo {
    /// PSC subject.
    pub sub: String,
    /// National id of the professional.
    pub national_id: IdNatPs,
    /// Client the token was issued to.
    pub client_id: String,
    /// Scope.
    pub scope: String,
    /// Audience (`psc` for PSC access tokens, else the exchange audience).
    pub audience: String,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// RFC 8705 binding: `x5t#S256` of the client certificate the token was
    /// issued over, which the resource server must see again.
    pub cnf_x5t_s256: Option<String>,
}

/// One raw HTTP exchange seen by the simulator, as handed to an
/// [`ExchangeObserver`]. Bodies are complete (the simulator's messages are
/// small); secrets in them are the simulator's own test values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimExchange {
    /// Which listener: `auth` (issuer), `wallet` (authorization endpoint) or `mtls`.
    pub listener: &'static str,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Request headers, in order.
    pub request_headers: Vec<(String, String)>,
    /// Request body.
    pub request_body: Vec<u8>,
    /// Response status.
    pub status: u16,
    /// Response headers, in order.
    pub response_headers: Vec<(String, String)>,
    /// Response body.
    pub response_body: Vec<u8>,
}

/// Receives every exchange the simulator sees, after the response is built.
pub type ExchangeObserver = Arc<dyn Fn(&SimExchange) + Send + Sync>;

struct Observer(ExchangeObserver);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangeObserver")
    }
}

/// Builder of [`PscSimulator`].
#[derive(Debug)]
pub struct PscSimulatorBuilder {
    clients: Vec<SimClient>,
    professionals: Vec<TestProfessional>,
    signing: SimSigning,
    userinfo_format: UserInfoFormat,
    clock: SharedClock,
    access_token_lifetime: Duration,
    refresh_token_lifetime: Duration,
    exchanged_token_lifetime: Duration,
    ciba_interval: i64,
    ciba_expires_in: i64,
    mtls: Option<rustls::ServerConfig>,
    observer: Option<Observer>,
}

impl PscSimulatorBuilder {
    /// Hands every raw request/response to `observer` (e.g. to record them
    /// as evidence). Called on the server task: keep it short.
    pub fn observer(mut self, observer: ExchangeObserver) -> Self {
        self.observer = Some(Observer(observer));
        self
    }

    /// Also serves the token, CIBA, userinfo, introspection and revocation
    /// endpoints over HTTPS with this server configuration (ask for client
    /// certificates: `segur_ssi::test_pki::TestPki::server_config(&server, true)`),
    /// advertised as RFC 8705 `mtls_endpoint_aliases`.
    pub fn mtls(mut self, config: rustls::ServerConfig) -> Self {
        self.mtls = Some(config);
        self
    }

    /// Registers a client.
    pub fn client(mut self, client: SimClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Adds a test professional (the first one is the one the authorization
    /// endpoint logs in; CIBA picks by `login_hint`).
    pub fn professional(mut self, professional: TestProfessional) -> Self {
        self.professionals.push(professional);
        self
    }

    /// Signing algorithm.
    pub fn signing(mut self, signing: SimSigning) -> Self {
        self.signing = signing;
        self
    }

    /// Userinfo format.
    pub fn userinfo_format(mut self, format: UserInfoFormat) -> Self {
        self.userinfo_format = format;
        self
    }

    /// Clock (for token times).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// PSC access token lifetime (default 120 s, as PSC).
    pub fn access_token_lifetime(mut self, d: Duration) -> Self {
        self.access_token_lifetime = d;
        self
    }

    /// CIBA polling interval and expiry, in seconds (default 1 and 120).
    pub fn ciba_timing(mut self, interval: i64, expires_in: i64) -> Self {
        self.ciba_interval = interval;
        self.ciba_expires_in = expires_in;
        self
    }

    /// Starts the simulator on two random loopback ports.
    pub async fn start(self) -> Result<PscSimulator, Error> {
        let io = |e: std::io::Error| Error::Config(format!("simulator: {e}"));
        let auth_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let wallet_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let auth_addr = auth_listener.local_addr().map_err(io)?;
        let mtls_listener = match &self.mtls {
            Some(_) => Some(
                tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .map_err(io)?,
            ),
            None => None,
        };
        let mtls_base = match &mtls_listener {
            Some(l) => Some(format!("https://{}{REALM}", l.local_addr().map_err(io)?)),
            None => None,
        };
        let wallet_addr = wallet_listener.local_addr().map_err(io)?;
        let key = match &self.signing {
            SimSigning::Es256 | SimSigning::Hs256 => {
                SigningKey::generate_es256(&format!("sim-{}", crate::random_hex(4)))
                    .map_err(|_| Error::Config("simulator: key generation failed".into()))?
            }
            SimSigning::Rs256(der) => {
                SigningKey::rs256_from_pkcs8(&format!("sim-rsa-{}", crate::random_hex(4)), der)
                    .map_err(|e| Error::Config(format!("simulator: RSA key rejected: {e}")))?
            }
        };
        let mut professionals = self.professionals;
        if professionals.is_empty() {
            professionals.push(TestProfessional::medecin());
        }
        let inner = Arc::new(Inner {
            issuer: format!("http://{auth_addr}{REALM}"),
            wallet: format!("http://{wallet_addr}"),
            mtls_base,
            clock: self.clock,
            hs256: matches!(self.signing, SimSigning::Hs256),
            userinfo_format: self.userinfo_format,
            access_token_lifetime: self.access_token_lifetime,
            refresh_token_lifetime: self.refresh_token_lifetime,
            exchanged_token_lifetime: self.exchanged_token_lifetime,
            ciba_interval: self.ciba_interval,
            ciba_expires_in: self.ciba_expires_in,
            state: Mutex::new(SimState {
                keys: vec![key],
                clients: self.clients,
                professionals,
                ..SimState::default()
            }),
        });
        let endpoints = || {
            Router::new()
                .route(&format!("{OIDC}/token"), post(token))
                .route(&format!("{OIDC}/userinfo"), get(userinfo).post(userinfo))
                .route(&format!("{OIDC}/ext/ciba/auth"), post(ciba_auth))
                .route(&format!("{OIDC}/token/introspect"), post(introspect))
                .route(&format!("{OIDC}/revoke"), post(revoke))
        };
        let mut tasks = Vec::new();
        if let (Some(listener), Some(config)) = (mtls_listener, self.mtls) {
            let router = observed(
                endpoints().with_state(inner.clone()),
                "mtls",
                self.observer.as_ref(),
            );
            let listener = MtlsListener {
                tcp: listener,
                acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            };
            tasks.push(tokio::spawn(async move {
                let _ = axum::serve(
                    listener,
                    router.into_make_service_with_connect_info::<PeerCert>(),
                )
                .await;
            }));
        }
        let auth_router = observed(
            endpoints()
                .route(&format!("{REALM}{PSC_DISCOVERY_PATH}"), get(discovery))
                .route(&format!("{OIDC}/certs"), get(jwks))
                .route(&format!("{OIDC}/logout"), get(logout))
                .with_state(inner.clone()),
            "auth",
            self.observer.as_ref(),
        );
        let wallet_router = observed(
            Router::new()
                .route("/auth", get(authorize))
                .with_state(inner.clone()),
            "wallet",
            self.observer.as_ref(),
        );
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(auth_listener, auth_router).await;
        }));
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(wallet_listener, wallet_router).await;
        }));
        Ok(PscSimulator {
            inner,
            auth_addr,
            wallet_addr,
            tasks,
        })
    }
}

/// A running PSC simulator. Stops when dropped.
#[derive(Debug)]
pub struct PscSimulator {
    inner: Arc<Inner>,
    auth_addr: SocketAddr,
    wallet_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for PscSimulator {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl PscSimulator {
    /// A builder with PSC's defaults (ES256, JSON userinfo, 2-minute access
    /// tokens, 30-minute refresh tokens) and the default test doctor.
    pub fn builder() -> PscSimulatorBuilder {
        PscSimulatorBuilder {
            clients: Vec::new(),
            professionals: Vec::new(),
            signing: SimSigning::Es256,
            userinfo_format: UserInfoFormat::Json,
            clock: Arc::new(SystemClock),
            access_token_lifetime: Duration::seconds(120),
            refresh_token_lifetime: Duration::minutes(30),
            exchanged_token_lifetime: Duration::minutes(10),
            ciba_interval: 1,
            ciba_expires_in: 120,
            mtls: None,
            observer: None,
        }
    }

    /// The issuer (`http://127.0.0.1:PORT/auth/realms/esante-wallet`).
    pub fn issuer(&self) -> String {
        self.inner.issuer.clone()
    }

    /// The environment to give a [`PscClient`](crate::PscClient).
    pub fn environment(&self) -> Result<Environment, Error> {
        Environment::custom_psc(&self.inner.issuer)
    }

    /// The issuer's listener address.
    pub fn auth_addr(&self) -> SocketAddr {
        self.auth_addr
    }

    /// The authorization endpoint's listener address (the "wallet" host).
    pub fn wallet_addr(&self) -> SocketAddr {
        self.wallet_addr
    }

    /// The token endpoint (also the token exchange endpoint).
    pub fn token_endpoint(&self) -> String {
        format!("http://{}{OIDC}/token", self.auth_addr)
    }

    /// The introspection endpoint (RFC 7662), for other simulators.
    pub fn introspection_endpoint(&self) -> String {
        format!("http://{}{OIDC}/token/introspect", self.auth_addr)
    }

    /// Whether the professional has a PSC SSO session (what `prompt=none`
    /// needs). Set by a successful authorization, cleared by logout.
    pub fn set_sso_session(&self, active: bool) {
        self.inner.lock().sso = active;
    }

    /// Whether an SSO session is active.
    pub fn sso_session(&self) -> bool {
        self.inner.lock().sso
    }

    /// Scripts the answers to the polls of the next CIBA request for
    /// `login_hint` (after the script: approval).
    pub fn script_ciba(&self, login_hint: &IdNatPs, outcomes: Vec<CibaOutcome>) {
        self.inner
            .lock()
            .ciba_scripts
            .insert(login_hint.to_string(), outcomes.into());
    }

    /// Replaces the signing key (new `kid`), as a provider rotating keys.
    pub fn rotate_keys(&self) -> Result<(), Error> {
        let key = SigningKey::generate_es256(&format!("sim-{}", crate::random_hex(4)))
            .map_err(|_| Error::Config("simulator: key generation failed".into()))?;
        self.inner.lock().keys.insert(0, key);
        Ok(())
    }

    /// Checks an access token this simulator issued (PSC or exchanged):
    /// `None` when unknown, revoked or expired.
    pub fn validate_access_token(&self, token: &str) -> Option<SimTokenInfo> {
        let now = self.inner.clock.now();
        self.inner
            .lock()
            .access
            .get(token)
            .filter(|i| i.expires_at > now)
            .cloned()
    }

    /// Signs arbitrary claims with the current key (to build hostile tokens in tests).
    pub fn sign_claims(&self, claims: &Value) -> Result<String, Error> {
        let st = self.inner.lock();
        st.keys[0]
            .sign(claims, Some("JWT"))
            .map_err(|_| Error::Config("simulator: signing failed".into()))
    }

    /// Number of token endpoint calls by grant type (for tests of caching/refresh).
    pub fn grant_count(&self, grant_type: &str) -> usize {
        self.inner
            .lock()
            .grant_counts
            .get(grant_type)
            .copied()
            .unwrap_or(0)
    }

    /// Number of discovery document requests (for tests of the client cache).
    pub fn discovery_count(&self) -> usize {
        self.inner.lock().discovery_hits
    }

    /// A cloneable handle that checks tokens, for another simulator (DMP,
    /// MSSanté XOAUTH2) to keep without owning the PSC simulator.
    pub fn validator(&self) -> SimTokenValidator {
        SimTokenValidator(self.inner.clone())
    }

    /// Issues a PSC access token for the first test professional without a
    /// login flow (for other crates' tests), valid for the configured
    /// lifetime, and bound to `audience` (`psc` for a PSC token).
    pub fn mint_access_token(&self, client_id: &str, audience: &str) -> crate::AccessToken {
        let now = self.inner.clock.now();
        let mut st = self.inner.lock();
        let p = st.professionals[0].clone();
        let token = crate::random_hex(32);
        st.access.insert(
            token.clone(),
            SimTokenInfo {
                sub: p.sub,
                national_id: p.national_id,
                client_id: client_id.to_owned(),
                scope: "openid scope_all".into(),
                audience: audience.to_owned(),
                expires_at: now + self.inner.access_token_lifetime,
                cnf_x5t_s256: None,
            },
        );
        crate::AccessToken::new(token)
    }
}

/// Checks tokens issued by a [`PscSimulator`] (cloneable, `Send + Sync`).
#[derive(Debug, Clone)]
pub struct SimTokenValidator(Arc<Inner>);

impl SimTokenValidator {
    /// The token's information when it is active (known, not revoked, not expired).
    pub fn validate(&self, token: &str) -> Option<SimTokenInfo> {
        let now = self.0.clock.now();
        self.0
            .lock()
            .access
            .get(token)
            .filter(|i| i.expires_at > now)
            .cloned()
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }
}

#[derive(Debug)]
struct Inner {
    issuer: String,
    wallet: String,
    mtls_base: Option<String>,
    clock: SharedClock,
    hs256: bool,
    userinfo_format: UserInfoFormat,
    access_token_lifetime: Duration,
    refresh_token_lifetime: Duration,
    exchanged_token_lifetime: Duration,
    ciba_interval: i64,
    ciba_expires_in: i64,
    state: Mutex<SimState>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    nonce: String,
    challenge: String,
    prof: usize,
    expires_at: OffsetDateTime,
    used: bool,
    issued_tokens: Vec<String>,
}

#[derive(Debug)]
struct RefreshGrant {
    client_id: String,
    prof: usize,
    expires_at: OffsetDateTime,
}

#[derive(Debug)]
struct CibaGrant {
    client_id: String,
    prof: usize,
    script: VecDeque<CibaOutcome>,
    expires_at: OffsetDateTime,
    done: bool,
}

#[derive(Default)]
struct SimState {
    keys: Vec<SigningKey>,
    clients: Vec<SimClient>,
    professionals: Vec<TestProfessional>,
    sso: bool,
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, SimTokenInfo>,
    refresh: HashMap<String, RefreshGrant>,
    ciba: HashMap<String, CibaGrant>,
    ciba_scripts: HashMap<String, VecDeque<CibaOutcome>>,
    grant_counts: HashMap<String, usize>,
    discovery_hits: usize,
}

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("clients", &self.clients.len())
            .field("professionals", &self.professionals.len())
            .field("sso", &self.sso)
            .finish_non_exhaustive()
    }
}

/// Wraps a router so that every exchange goes to the observer, if any.
fn observed(router: Router, listener: &'static str, observer: Option<&Observer>) -> Router {
    let Some(Observer(observer)) = observer else {
        return router;
    };
    let observer = observer.clone();
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let observer = observer.clone();
            async move { observe(listener, &observer, request, next).await }
        },
    ))
}

/// Largest body the observer buffers (the simulator's messages are far smaller).
const OBSERVED_BODY_LIMIT: usize = 4 * 1024 * 1024;

async fn observe(
    listener: &'static str,
    observer: &ExchangeObserver,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = |h: &HeaderMap| -> Vec<(String, String)> {
        h.iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    };
    let (parts, body) = request.into_parts();
    let Ok(request_body) = axum::body::to_bytes(body, OBSERVED_BODY_LIMIT).await else {
        return oauth_err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "body too large",
        );
    };
    let method = parts.method.to_string();
    let uri = parts.uri.to_string();
    let request_headers = headers(&parts.headers);
    let request =
        axum::extract::Request::from_parts(parts, axum::body::Body::from(request_body.clone()));
    let (parts, body) = next.run(request).await.into_parts();
    let response_body = axum::body::to_bytes(body, OBSERVED_BODY_LIMIT)
        .await
        .unwrap_or_default();
    observer(&SimExchange {
        listener,
        method,
        uri,
        request_headers,
        request_body: request_body.to_vec(),
        status: parts.status.as_u16(),
        response_headers: headers(&parts.headers),
        response_body: response_body.to_vec(),
    });
    Response::from_parts(parts, axum::body::Body::from(response_body))
}

fn oauth_err(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The client certificate of an mTLS connection (DER), if any.
#[derive(Debug, Clone, Default)]
struct PeerCert(Option<Vec<u8>>);

impl PeerCert {
    fn x5t_s256(&self) -> Option<String> {
        self.0.as_ref().map(|der| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(ring::digest::digest(&ring::digest::SHA256, der))
        })
    }
}

type Peer = Option<Extension<ConnectInfo<PeerCert>>>;

fn peer(p: Peer) -> PeerCert {
    p.map(|Extension(ConnectInfo(c))| c).unwrap_or_default()
}

/// An HTTPS listener asking for client certificates; a failed handshake
/// drops that connection only.
struct MtlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for MtlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = PeerCert;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, _)) = self.tcp.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let handshake = self.acceptor.accept(tcp);
            if let Ok(Ok(tls)) =
                tokio::time::timeout(std::time::Duration::from_secs(5), handshake).await
            {
                let cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.to_vec());
                return (tls, PeerCert(cert));
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(PeerCert(None))
    }
}

impl Connected<IncomingStream<'_, MtlsListener>> for PeerCert {
    fn connect_info(stream: IncomingStream<'_, MtlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// Authenticates the client: HTTP Basic (RFC 6749 §2.3.1 encoding), or
/// `tls_client_auth` with `client_id` in the body and the registered
/// certificate subject on the TLS connection.
fn authenticate(
    st: &SimState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    peer: &PeerCert,
) -> Result<String, Box<Response>> {
    let unauthorized = || {
        Box::new(oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ))
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let Some(value) = basic else {
        let id = form.get("client_id").ok_or_else(unauthorized)?;
        let client = st
            .clients
            .iter()
            .find(|c| c.client_id == *id)
            .ok_or_else(unauthorized)?;
        let SimClientAuth::TlsClientAuth { subject_dn } = &client.auth else {
            return Err(unauthorized());
        };
        let der = peer.0.as_ref().ok_or_else(unauthorized)?;
        let cert =
            segur_ssi::cert::IgcSanteCertificate::from_der(der).map_err(|_| unauthorized())?;
        if cert.subject() != subject_dn {
            return Err(unauthorized());
        }
        return Ok(id.clone());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| unauthorized())?;
    let decoded = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(unauthorized)?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (dec(id), dec(secret));
    let client = st
        .clients
        .iter()
        .find(|c| c.client_id == id)
        .ok_or_else(unauthorized)?;
    match &client.auth {
        SimClientAuth::SecretBasic(s)
            if crate::constant_time_eq(s.as_bytes(), secret.as_bytes()) =>
        {
            Ok(id)
        }
        _ => Err(unauthorized()),
    }
}

async fn discovery(State(s): State<Arc<Inner>>) -> Response {
    s.lock().discovery_hits += 1;
    let base = format!("{}/protocol/openid-connect", s.issuer);
    let mut doc = json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{}/auth", s.wallet),
        "token_endpoint": format!("{base}/token"),
        "introspection_endpoint": format!("{base}/token/introspect"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "end_session_endpoint": format!("{base}/logout"),
        "jwks_uri": format!("{base}/certs"),
        "revocation_endpoint": format!("{base}/revoke"),
        "backchannel_authentication_endpoint": format!("{base}/ext/ciba/auth"),
        "grant_types_supported": ["authorization_code", "refresh_token", "urn:openid:params:grant-type:ciba", "urn:ietf:params:oauth:grant-type:token-exchange"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "scope_all", "eidas1"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "tls_client_auth"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256", "HS256"],
        "backchannel_token_delivery_modes_supported": ["poll"],
        "authorization_response_iss_parameter_supported": true,
        "tls_client_certificate_bound_access_tokens": true
    });
    if let Some(m) = &s.mtls_base {
        let mb = format!("{m}/protocol/openid-connect");
        doc["mtls_endpoint_aliases"] = json!({
            "token_endpoint": format!("{mb}/token"),
            "userinfo_endpoint": format!("{mb}/userinfo"),
            "introspection_endpoint": format!("{mb}/token/introspect"),
            "revocation_endpoint": format!("{mb}/revoke"),
            "backchannel_authentication_endpoint": format!("{mb}/ext/ciba/auth"),
        });
    }
    axum::Json(doc).into_response()
}

async fn jwks(State(s): State<Arc<Inner>>) -> Response {
    let st = s.lock();
    let set = JwkSet {
        keys: st.keys.iter().filter_map(SigningKey::public_jwk).collect(),
    };
    axum::Json(set).into_response()
}

fn redirect_allowed(client: &SimClient, uri: &str) -> bool {
    if client.redirect_uris.iter().any(|u| u == uri) {
        return true;
    }
    client.loopback_any_port
        && url::Url::parse(uri)
            .is_ok_and(|u| u.scheme() == "http" && u.host_str() == Some("127.0.0.1"))
}

fn redirect_to(uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    url.query_pairs_mut().extend_pairs(params.iter().copied());
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

async fn authorize(
    State(s): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut st = s.lock();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let Some(client) = st
        .clients
        .iter()
        .find(|c| c.client_id == get("client_id"))
        .cloned()
    else {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    };
    let redirect_uri = get("redirect_uri").to_owned();
    if !redirect_allowed(&client, &redirect_uri) {
        // Never redirect to an unregistered URI.
        return (StatusCode::BAD_REQUEST, "redirect_uri not registered").into_response();
    }
    let state = get("state").to_owned();
    let fail = |error: &str, desc: &str| {
        redirect_to(
            &redirect_uri,
            &[
                ("error", error),
                ("error_description", desc),
                ("state", &state),
                ("iss", &s.issuer),
            ],
        )
    };
    if get("response_type") != "code" {
        return fail("unsupported_response_type", "only code");
    }
    if !get("scope").split(' ').any(|x| x == "openid") {
        return fail("invalid_scope", "openid required");
    }
    if state.is_empty() || get("nonce").is_empty() {
        return fail("invalid_request", "state and nonce are required");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return fail("invalid_request", "PKCE S256 required");
    }
    if let Some(acr) = q.get("acr_values") {
        if !acr.split(' ').any(|a| a == "eidas1") {
            return fail("invalid_request", "unsupported acr_values");
        }
    }
    if get("prompt") == "none" && !st.sso {
        return fail("login_required", "no PSC session");
    }
    st.sso = true;
    let code = crate::random_hex(24);
    let now = s.clock.now();
    st.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            nonce: get("nonce").to_owned(),
            challenge: get("code_challenge").to_owned(),
            prof: 0,
            expires_at: now + Duration::seconds(60),
            used: false,
            issued_tokens: Vec::new(),
        },
    );
    redirect_to(
        &redirect_uri,
        &[("code", &code), ("state", &state), ("iss", &s.issuer)],
    )
}

/// Issues access + refresh + ID token.
fn issue_tokens(
    s: &Inner,
    st: &mut SimState,
    client_id: &str,
    prof: usize,
    nonce: Option<&str>,
    cnf: Option<String>,
) -> (Value, String) {
    let now = s.clock.now();
    let p = st.professionals[prof].clone();
    let access = crate::random_hex(32);
    let refresh = crate::random_hex(32);
    st.access.insert(
        access.clone(),
        SimTokenInfo {
            sub: p.sub.clone(),
            national_id: p.national_id.clone(),
            client_id: client_id.to_owned(),
            scope: "openid scope_all".into(),
            audience: "psc".into(),
            expires_at: now + s.access_token_lifetime,
            cnf_x5t_s256: cnf,
        },
    );
    st.refresh.insert(
        refresh.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            prof,
            expires_at: now + s.refresh_token_lifetime,
        },
    );
    let mut claims = json!({
        "iss": s.issuer, "sub": p.sub, "aud": client_id, "azp": client_id,
        "exp": (now + Duration::minutes(5)).unix_timestamp(), "iat": now.unix_timestamp(),
        "auth_time": now.unix_timestamp(), "acr": "eidas1", "typ": "ID",
        "SubjectNameID": p.national_id.as_str(), "preferred_username": p.national_id.as_str(),
        "given_name": p.given_name, "family_name": p.family_name, "idp": "PSC",
        "sid": crate::random_hex(8),
    });
    if let Some(n) = nonce {
        claims["nonce"] = n.into();
    }
    let id_token = sign(s, st, client_id, &claims);
    (
        json!({
            "access_token": access, "token_type": "Bearer",
            "expires_in": s.access_token_lifetime.whole_seconds(),
            "refresh_token": refresh, "refresh_expires_in": s.refresh_token_lifetime.whole_seconds(),
            "id_token": id_token, "scope": "openid scope_all", "session_state": crate::random_hex(8),
        }),
        access,
    )
}

fn sign(s: &Inner, st: &SimState, client_id: &str, claims: &Value) -> String {
    let key = if s.hs256 {
        let secret = st
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
            .and_then(|c| match &c.auth {
                SimClientAuth::SecretBasic(sec) => Some(sec.as_bytes().to_vec()),
                SimClientAuth::TlsClientAuth { .. } => None,
            })
            .unwrap_or_default();
        SigningKey::Hs256(secret)
    } else {
        return st.keys[0].sign(claims, Some("JWT")).unwrap_or_default();
    };
    key.sign(claims, Some("JWT")).unwrap_or_default()
}

fn token_ok(v: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(v),
    )
        .into_response()
}

async fn token(State(s): State<Arc<Inner>>, p: Peer, headers: HeaderMap, body: Bytes) -> Response {
    let peer = peer(p);
    let f = form(&body);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let mut st = s.lock();
    let client_id = match authenticate(&st, &headers, &f, &peer) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let now = s.clock.now();
    *st.grant_counts
        .entry(get("grant_type").to_owned())
        .or_default() += 1;
    match get("grant_type") {
        "authorization_code" => {
            let Some(grant) = st.codes.get_mut(get("code")) else {
                return oauth_err(StatusCode::BAD_REQUEST, "invalid_grant", "Code not valid");
            };
            if grant.used {
                // RFC 6749 §4.1.2: a reused code revokes what it gave.
                let issued = std::mem::take(&mut grant.issued_tokens);
                for t in issued {
                    st.access.remove(&t);
                }
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Code already used",
                );
            }
            grant.used = true;
            if grant.client_id != client_id
                || grant.redirect_uri != get("redirect_uri")
                || grant.expires_at <= now
            {
                return oauth_err(StatusCode::BAD_REQUEST, "invalid_grant", "Code not valid");
            }
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
                ring::digest::digest(&ring::digest::SHA256, get("code_verifier").as_bytes()),
            );
            if challenge != grant.challenge {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "PKCE verification failed",
                );
            }
            let (prof, nonce) = (grant.prof, grant.nonce.clone());
            let (body, access) =
                issue_tokens(&s, &mut st, &client_id, prof, Some(&nonce), peer.x5t_s256());
            if let Some(g) = st.codes.get_mut(get("code")) {
                g.issued_tokens.push(access);
            }
            token_ok(body)
        }
        "refresh_token" => {
            let Some(grant) = st.refresh.remove(get("refresh_token")) else {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token",
                );
            };
            if grant.client_id != client_id || grant.expires_at <= now {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token is not active",
                );
            }
            token_ok(issue_tokens(&s, &mut st, &client_id, grant.prof, None, peer.x5t_s256()).0)
        }
        crate::ciba::GRANT_CIBA => {
            let Some(grant) = st.ciba.get_mut(get("auth_req_id")) else {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown auth_req_id",
                );
            };
            if grant.client_id != client_id || grant.done {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "auth_req_id not valid",
                );
            }
            if grant.expires_at <= now {
                grant.done = true;
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "expired_token",
                    "auth_req_id expired",
                );
            }
            match grant.script.pop_front().unwrap_or(CibaOutcome::Approve) {
                CibaOutcome::Pending => oauth_err(
                    StatusCode::BAD_REQUEST,
                    "authorization_pending",
                    "waiting for the user",
                ),
                CibaOutcome::SlowDown => {
                    oauth_err(StatusCode::BAD_REQUEST, "slow_down", "polling too fast")
                }
                CibaOutcome::Deny => {
                    grant.done = true;
                    oauth_err(
                        StatusCode::FORBIDDEN,
                        "access_denied",
                        "refused by the user",
                    )
                }
                CibaOutcome::Expire => {
                    grant.done = true;
                    oauth_err(
                        StatusCode::BAD_REQUEST,
                        "expired_token",
                        "auth_req_id expired",
                    )
                }
                CibaOutcome::Approve => {
                    grant.done = true;
                    let prof = grant.prof;
                    token_ok(issue_tokens(&s, &mut st, &client_id, prof, None, peer.x5t_s256()).0)
                }
            }
        }
        "urn:ietf:params:oauth:grant-type:token-exchange" => {
            if get("subject_token_type") != crate::flow::token_type::ACCESS_TOKEN {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "unsupported subject_token_type",
                );
            }
            let Some(subject) = st
                .access
                .get(get("subject_token"))
                .filter(|i| i.expires_at > now && i.audience == "psc")
                .cloned()
            else {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "subject_token not active",
                );
            };
            let audience = f
                .get("audience")
                .or(f.get("resource"))
                .cloned()
                .unwrap_or_else(|| "api".into());
            let token = crate::random_hex(32);
            st.access.insert(
                token.clone(),
                SimTokenInfo {
                    audience,
                    client_id: client_id.clone(),
                    scope: get("scope").to_owned(),
                    expires_at: now + s.exchanged_token_lifetime,
                    cnf_x5t_s256: peer.x5t_s256(),
                    ..subject
                },
            );
            token_ok(json!({
                "access_token": token, "token_type": "Bearer",
                "issued_token_type": crate::flow::token_type::ACCESS_TOKEN,
                "expires_in": s.exchanged_token_lifetime.whole_seconds(),
                "scope": get("scope"),
            }))
        }
        _ => oauth_err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unsupported grant_type",
        ),
    }
}

async fn userinfo(State(s): State<Arc<Inner>>, p: Peer, headers: HeaderMap) -> Response {
    let peer = peer(p);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let now = s.clock.now();
    let st = s.lock();
    let Some(info) = st
        .access
        .get(token)
        .filter(|i| i.expires_at > now && i.audience == "psc")
        .cloned()
    else {
        let mut r = oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "token not active",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return r;
    };
    if info.cnf_x5t_s256.is_some() && info.cnf_x5t_s256 != peer.x5t_s256() {
        // RFC 8705 §3: a certificate-bound token needs the same certificate.
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "certificate binding mismatch",
        );
    }
    let Some(p) = st.professionals.iter().find(|p| p.sub == info.sub) else {
        return oauth_err(StatusCode::UNAUTHORIZED, "invalid_token", "unknown subject");
    };
    let mut ui = p.userinfo();
    match s.userinfo_format {
        UserInfoFormat::Json => axum::Json(ui).into_response(),
        UserInfoFormat::Jwt => {
            ui["iss"] = s.issuer.clone().into();
            ui["aud"] = info.client_id.clone().into();
            let jwt = sign(&s, &st, &info.client_id, &ui);
            ([(header::CONTENT_TYPE, "application/jwt")], jwt).into_response()
        }
    }
}

async fn logout(State(s): State<Arc<Inner>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut st = s.lock();
    let hint = q.get("id_token_hint").map(String::as_str).unwrap_or("");
    // The hint must be a token we signed (any current key; HS256 clients by secret).
    let valid = crate::jose::UnverifiedJws::decode(hint).is_ok_and(|jws| {
        let jwks = JwkSet {
            keys: st.keys.iter().filter_map(SigningKey::public_jwk).collect(),
        };
        let secret = q
            .get("client_id")
            .and_then(|id| st.clients.iter().find(|c| c.client_id == *id))
            .and_then(|c| match &c.auth {
                SimClientAuth::SecretBasic(sec) => Some(crate::ClientSecret::new(sec.clone())),
                SimClientAuth::TlsClientAuth { .. } => None,
            });
        jws.verify(
            &[
                crate::JwsAlgorithm::Es256,
                crate::JwsAlgorithm::Rs256,
                crate::JwsAlgorithm::Hs256,
            ],
            &jwks,
            secret.as_ref(),
        )
        .is_ok()
    });
    if !valid {
        return (StatusCode::BAD_REQUEST, "invalid id_token_hint").into_response();
    }
    st.sso = false;
    st.refresh.clear();
    match q.get("post_logout_redirect_uri") {
        Some(uri) => {
            let client = q
                .get("client_id")
                .and_then(|id| st.clients.iter().find(|c| c.client_id == *id));
            if !client.is_some_and(|c| redirect_allowed(c, uri)) {
                return (
                    StatusCode::BAD_REQUEST,
                    "post_logout_redirect_uri not registered",
                )
                    .into_response();
            }
            let state = q.get("state").cloned().unwrap_or_default();
            redirect_to(uri, &[("state", &state)])
        }
        None => (StatusCode::OK, "logged out").into_response(),
    }
}

async fn ciba_auth(
    State(s): State<Arc<Inner>>,
    p: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer(p);
    let f = form(&body);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let mut st = s.lock();
    let client_id = match authenticate(&st, &headers, &f, &peer) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if !get("scope").split(' ').any(|x| x == "openid") {
        return oauth_err(StatusCode::BAD_REQUEST, "invalid_scope", "openid required");
    }
    if !matches!(get("channel"), "" | "CARD" | "MOBILE") {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "channel must be CARD or MOBILE",
        );
    }
    if get("binding_message").chars().count() > 20 {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "invalid_binding_message",
            "binding_message too long",
        );
    }
    let hint = get("login_hint");
    let Some(prof) = st
        .professionals
        .iter()
        .position(|p| p.national_id.as_str() == hint)
    else {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "unknown_user_id",
            "unknown login_hint",
        );
    };
    let script = st
        .ciba_scripts
        .remove(hint)
        .unwrap_or_else(|| VecDeque::from([CibaOutcome::Pending]));
    let id = crate::random_hex(24);
    let now = s.clock.now();
    st.ciba.insert(
        id.clone(),
        CibaGrant {
            client_id,
            prof,
            script,
            expires_at: now + Duration::seconds(s.ciba_expires_in),
            done: false,
        },
    );
    token_ok(
        json!({"auth_req_id": id, "expires_in": s.ciba_expires_in, "interval": s.ciba_interval}),
    )
}

async fn introspect(
    State(s): State<Arc<Inner>>,
    p: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer(p);
    let f = form(&body);
    let st = s.lock();
    if let Err(r) = authenticate(&st, &headers, &f, &peer) {
        return *r;
    }
    let now = s.clock.now();
    let token = f.get("token").map(String::as_str).unwrap_or("");
    match st.access.get(token).filter(|i| i.expires_at > now) {
        Some(i) => axum::Json(json!({
            "active": true, "sub": i.sub, "client_id": i.client_id, "scope": i.scope,
            "aud": i.audience, "exp": i.expires_at.unix_timestamp(), "iss": s.issuer,
            "token_type": "Bearer", "SubjectNameID": i.national_id.as_str(),
            "cnf": i.cnf_x5t_s256.as_ref().map(|t| json!({"x5t#S256": t})),
        }))
        .into_response(),
        None => axum::Json(json!({"active": false})).into_response(),
    }
}

async fn revoke(State(s): State<Arc<Inner>>, p: Peer, headers: HeaderMap, body: Bytes) -> Response {
    let peer = peer(p);
    let f = form(&body);
    let mut st = s.lock();
    if let Err(r) = authenticate(&st, &headers, &f, &peer) {
        return *r;
    }
    let token = f.get("token").cloned().unwrap_or_default();
    st.access.remove(&token);
    st.refresh.remove(&token);
    StatusCode::OK.into_response()
}

/// A JWS signer for tests (crafting tokens, hostile ones included) and
/// benchmarks: the simulator's own signing code.
#[derive(Debug)]
pub struct TestSigner(SigningKey);

impl TestSigner {
    /// A fresh ES256 (P-256) key with this `kid`.
    pub fn es256(kid: &str) -> Result<Self, Error> {
        SigningKey::generate_es256(kid)
            .map(Self)
            .map_err(|_| Error::Config("key generation failed".into()))
    }

    /// An RS256 key from PKCS#8 DER.
    pub fn rs256(kid: &str, pkcs8_der: &[u8]) -> Result<Self, Error> {
        SigningKey::rs256_from_pkcs8(kid, pkcs8_der)
            .map(Self)
            .map_err(|e| Error::Config(format!("RSA key rejected: {e}")))
    }

    /// An HS256 key (a client secret).
    pub fn hs256(secret: &[u8]) -> Self {
        Self(SigningKey::Hs256(secret.to_vec()))
    }

    /// The public JWK (`None` for HS256).
    pub fn jwk(&self) -> Option<crate::Jwk> {
        self.0.public_jwk()
    }

    /// Signs `claims` as a compact JWS with `typ: JWT`.
    pub fn sign(&self, claims: &Value) -> Result<String, Error> {
        self.0
            .sign(claims, Some("JWT"))
            .map_err(|_| Error::Config("signing failed".into()))
    }
}
