//! The async IO shell: reqwest + rustls around the sans-IO [`super::soap`] core.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use segur_psc::{Audience, BoxFuture, SharedClock, SystemClock, TokenSource};
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};
use segur_ssi::tls::{ClientTlsBuilder, TrustStore};
use time::OffsetDateTime;

use super::InsiResponse;
use super::assertion::{self, CpsSigner, ProfessionalAttributes};
use super::error::{InsiError, TransportKind};
use super::model::{InsiOutcome, Operation, Query, TraitsQuery, VitaleQuery};
use super::soap::{self, RequestHeaders, SoftwareIdentity};
use super::strategy::{GivenNameStrategy, SearchAttempt, SearchReport};
use super::xml::MAX_MESSAGE_BYTES;
use crate::Traits;

/// The INSi qualification endpoint for mutual TLS (structure certificate).
pub const QUALIF_MTLS_ENDPOINT: &str = "https://qualiflps-services-ps-tlsm.ameli.fr:443/lps";
/// The INSi qualification endpoint for CPS card authentication (its use for
/// Pro Santé Connect is UNCONFIRMED).
pub const QUALIF_CPX_ENDPOINT: &str = "https://qualiflps.services-ps.ameli.fr:443/lps";

/// How the client authenticates to INSi.
#[derive(Clone)]
#[non_exhaustive]
// Built once per client: the size of the certificate variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum InsiAuth {
    /// Mutual TLS with the structure's IGC-Santé organisation ("server")
    /// certificate, from a PKCS#12 file. INSi requires its common name to be
    /// `INSI-AUTO` (background calls) or `INSI-MANU` (user-triggered calls);
    /// see [`CertificateMode`]. No assertion is sent.
    ServerCertificate(segur_ssi::tls::Identity),
    /// Pro Santé Connect: the bearer token for [`Audience::Insi`] in the
    /// HTTP `Authorization` header, and an unsigned assertion with
    /// `NameQualifier="PSC"` (UNCONFIRMED details, see [`assertion`]).
    ProSanteConnect {
        /// Where tokens come from (e.g. a `segur_psc::PscSession`).
        tokens: Arc<dyn TokenSource>,
        /// The professional's national id (idNat_PS).
        national_id: String,
        /// The assertion attributes.
        attributes: ProfessionalAttributes,
    },
    /// CPS card: an assertion signed by the card through the host's [`CpsSigner`].
    CpsCard {
        /// The card signer.
        signer: Arc<dyn CpsSigner>,
        /// The assertion attributes.
        attributes: ProfessionalAttributes,
    },
    /// No authentication: accepted only for a loopback `http://` endpoint
    /// (the simulator).
    None,
}

impl fmt::Debug for InsiAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ServerCertificate(id) => f.debug_tuple("ServerCertificate").field(id).finish(),
            Self::ProSanteConnect { national_id, .. } => f
                .debug_struct("ProSanteConnect")
                .field("national_id", national_id)
                .finish_non_exhaustive(),
            Self::CpsCard { .. } => f.debug_struct("CpsCard").finish_non_exhaustive(),
            Self::None => f.write_str("None"),
        }
    }
}

/// The INSi use of a structure certificate, from its common name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateMode {
    /// `INSI-AUTO`: automatic (background) calls.
    Auto,
    /// `INSI-MANU`: calls triggered by a user (UNCONFIRMED semantics).
    Manu,
}

impl CertificateMode {
    /// The mode of a certificate common name.
    pub fn from_common_name(cn: &str) -> Option<Self> {
        match cn {
            "INSI-AUTO" => Some(Self::Auto),
            "INSI-MANU" => Some(Self::Manu),
            _ => None,
        }
    }
}

/// Retries of transient failures ([`InsiError::is_transient`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub max_attempts: u32,
    /// Pause before the first retry; doubled at each retry.
    pub initial_backoff: Duration,
    /// Longest pause.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// No retry.
    pub const NONE: Self = Self {
        max_attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    /// Two attempts, 500 ms apart.
    fn default() -> Self {
        Self {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// One answered INSi request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsiExchange {
    /// The parsed answer.
    pub response: InsiResponse,
    /// The `wsa:MessageID` of the request answered.
    pub message_id: String,
    /// When the answered request was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub called_at: OffsetDateTime,
    /// HTTP attempts made (retries included).
    pub attempts: u32,
}

/// Builds an [`InsiClient`].
pub struct InsiClientBuilder {
    endpoint: String,
    software: SoftwareIdentity,
    emitter: String,
    auth: InsiAuth,
    trust: Option<TrustStore>,
    tls: Option<rustls::ClientConfig>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    clock: SharedClock,
    audit: Option<Arc<dyn AuditTrail>>,
}

impl fmt::Debug for InsiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsiClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("software", &self.software)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn config_error(reason: impl Into<String>) -> InsiError {
    InsiError::Configuration {
        reason: reason.into(),
    }
}

impl InsiClientBuilder {
    /// How the client authenticates (default [`InsiAuth::None`], simulator only).
    pub fn auth(mut self, auth: InsiAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The roots that authenticate the INSi server (IGC-Santé; required for
    /// `https` endpoints unless [`Self::tls_config`] is given).
    pub fn trust_store(mut self, trust: TrustStore) -> Self {
        self.trust = Some(trust);
        self
    }

    /// A complete TLS configuration (e.g. from `segur_ssi::test_pki`); it must
    /// hold the client certificate itself in mutual-TLS mode.
    pub fn tls_config(mut self, tls: rustls::ClientConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Time allowed for one HTTP attempt, answer included (default 20 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries of transient failures (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The clock for the header timestamps and call dates (default: system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Records every call in an audit trail (kind `ins.insi.search` /
    /// `ins.insi.search_vitale`, actor = the emitter, request id = the
    /// `wsa:MessageID`, detail `cr` or `error`). No patient data is written.
    pub fn audit(mut self, trail: Arc<dyn AuditTrail>) -> Self {
        self.audit = Some(trail);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<InsiClient, InsiError> {
        let url = url::Url::parse(&self.endpoint)
            .map_err(|e| config_error(format!("endpoint {:?}: {e}", self.endpoint)))?;
        let loopback = is_loopback(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(config_error(
                    "plain http is only allowed for a loopback endpoint (simulator)",
                ));
            }
            other => return Err(config_error(format!("unsupported scheme {other:?}"))),
        }
        if matches!(self.auth, InsiAuth::None) && !loopback {
            return Err(config_error(
                "an authentication mode is required for a non-loopback endpoint",
            ));
        }
        let mut certificate_mode = None;
        let tls = match (self.tls, self.trust, &self.auth) {
            (Some(tls), _, _) => tls,
            (None, Some(trust), InsiAuth::ServerCertificate(identity)) => {
                certificate_mode = identity
                    .certificate()
                    .common_name()
                    .and_then(CertificateMode::from_common_name);
                ClientTlsBuilder::new(trust)
                    .with_identity(identity.clone())
                    .build()
                    .map_err(|e| config_error(format!("TLS: {e}")))?
            }
            (None, Some(trust), _) => ClientTlsBuilder::new(trust)
                .build()
                .map_err(|e| config_error(format!("TLS: {e}")))?,
            (None, None, _) if url.scheme() == "http" => {
                // Never used for plain http; reqwest needs one anyway.
                rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| config_error(format!("TLS: {e}")))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
            }
            (None, None, _) => {
                return Err(config_error(
                    "an https endpoint needs a trust store (IGC-Santé roots) or a TLS configuration",
                ));
            }
        };
        if let InsiAuth::ServerCertificate(identity) = &self.auth {
            certificate_mode = certificate_mode.or_else(|| {
                identity
                    .certificate()
                    .common_name()
                    .and_then(CertificateMode::from_common_name)
            });
            if certificate_mode.is_none() {
                tracing::warn!(
                    "INSi: the client certificate's common name is neither INSI-AUTO nor \
                     INSI-MANU; the service will answer DESIR_560"
                );
            }
        }
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| config_error(format!("HTTP client: {e}")))?;
        Ok(InsiClient {
            inner: Arc::new(Inner {
                http,
                endpoint: url,
                software: self.software,
                emitter: self.emitter,
                auth: self.auth,
                timeout: self.timeout,
                retry: self.retry,
                clock: self.clock,
                audit: self.audit,
                certificate_mode,
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    endpoint: url::Url,
    software: SoftwareIdentity,
    emitter: String,
    auth: InsiAuth,
    timeout: Duration,
    retry: RetryPolicy,
    clock: SharedClock,
    audit: Option<Arc<dyn AuditTrail>>,
    certificate_mode: Option<CertificateMode>,
}

/// The INSi client: async, cheap to clone (shared connection pool).
///
/// Every call runs on the caller's tokio runtime and never blocks a thread:
/// network waits, retries' pauses, the card signer and the audit trail
/// (through `spawn_blocking`) are all awaited.
#[derive(Clone)]
pub struct InsiClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for InsiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsiClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

fn transport_error(e: &reqwest::Error, timeout: Duration, attempts: u32) -> InsiError {
    if e.is_timeout() {
        return InsiError::Timeout { timeout, attempts };
    }
    // TLS failures surface as connect errors whose source chain holds a
    // rustls error, possibly wrapped in (nested) io::Errors.
    fn holds_rustls(e: &(dyn std::error::Error + 'static)) -> bool {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if holds_rustls(inner) {
                return true;
            }
        }
        e.source().is_some_and(holds_rustls)
    }
    let tls = holds_rustls(e);
    let mut message = e.to_string();
    let mut s = std::error::Error::source(e);
    while let Some(inner) = s {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        s = inner.source();
    }
    let kind = if tls {
        TransportKind::Tls
    } else if e.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Io
    };
    InsiError::Transport { kind, message }
}

impl InsiClient {
    /// A builder for `endpoint`, identifying the software and the emitter
    /// (the requesting professional's or structure's identifier).
    pub fn builder(
        endpoint: impl Into<String>,
        software: SoftwareIdentity,
        emitter: impl Into<String>,
    ) -> InsiClientBuilder {
        InsiClientBuilder {
            endpoint: endpoint.into(),
            software,
            emitter: emitter.into(),
            auth: InsiAuth::None,
            trust: None,
            tls: None,
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            audit: None,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
    }

    /// The INSi mode of the structure certificate, when authenticating with one.
    pub fn certificate_mode(&self) -> Option<CertificateMode> {
        self.inner.certificate_mode
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// `rechercherInsAvecTraitsIdentite` with one `Prenom`.
    pub async fn search_by_traits(&self, query: &TraitsQuery) -> Result<InsiExchange, InsiError> {
        self.call(&Query::Traits(query.clone())).await
    }

    /// `rechercherInsAvecCarteVitale`.
    pub async fn search_with_vitale(&self, query: &VitaleQuery) -> Result<InsiExchange, InsiError> {
        query.check()?;
        self.call(&Query::Vitale(query.clone())).await
    }

    /// A traits search following `strategy` (one request per `Prenom` until a
    /// conclusive answer). A technical error stops the sequence and is returned.
    pub async fn search(
        &self,
        traits: &Traits,
        strategy: GivenNameStrategy,
    ) -> Result<SearchReport, InsiError> {
        let started_at = self.inner.clock.now();
        let mut answers = Vec::new();
        for given_name in strategy.given_names(traits)? {
            let query = TraitsQuery::from_traits(traits, given_name.clone())?;
            let ex = self.search_by_traits(&query).await?;
            let found = matches!(ex.response.outcome, InsiOutcome::Found(_));
            answers.push((
                SearchAttempt {
                    given_name,
                    message_id: ex.message_id,
                    code: ex.response.outcome.code(),
                },
                ex.response,
            ));
            if found {
                break;
            }
        }
        SearchReport::combine(answers, started_at)
            .ok_or(InsiError::Query(super::error::QueryError::NoGivenName))
    }

    async fn security_header(&self, now: OffsetDateTime) -> Result<Option<String>, InsiError> {
        Ok(match &self.inner.auth {
            InsiAuth::ProSanteConnect {
                national_id,
                attributes,
                ..
            } => Some(assertion::psc_assertion(
                &assertion::new_assertion_id(),
                now,
                national_id,
                attributes,
            )),
            InsiAuth::CpsCard { signer, attributes } => Some(
                assertion::cps_assertion(
                    signer.as_ref(),
                    &assertion::new_assertion_id(),
                    now,
                    attributes,
                )
                .await?,
            ),
            InsiAuth::ServerCertificate(_) | InsiAuth::None => None,
        })
    }

    async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_MESSAGE_BYTES {
                break;
            }
        }
        Ok(body)
    }

    async fn attempt(
        &self,
        query: &Query,
        attempt: u32,
    ) -> (String, OffsetDateTime, Result<InsiResponse, InsiError>) {
        let now = self.inner.clock.now();
        let message_id = format!("uuid:{}", uuid::Uuid::new_v4());
        let result =
            async {
                let security = self.security_header(now).await?;
                let lps_id = uuid::Uuid::new_v4().to_string();
                let bam_id = uuid::Uuid::new_v4().to_string();
                let body = soap::build_request(
                    query,
                    &RequestHeaders {
                        software: &self.inner.software,
                        emitter: &self.inner.emitter,
                        message_id: &message_id,
                        lps_context_id: &lps_id,
                        bam_context_id: &bam_id,
                        now,
                        security: security.as_deref(),
                    },
                );
                let op = query.operation();
                let mut req = self
                    .inner
                    .http
                    .post(self.inner.endpoint.clone())
                    .header(reqwest::header::CONTENT_TYPE, soap::content_type(op))
                    .body(body);
                if let InsiAuth::ProSanteConnect { tokens, .. } = &self.inner.auth {
                    let token = tokens.token(&Audience::Insi).await.map_err(|e| {
                        InsiError::Authentication {
                            reason: format!("Pro Santé Connect token: {e}"),
                        }
                    })?;
                    req = req.header(reqwest::header::AUTHORIZATION, token.authorization_header());
                }
                let resp = req
                    .send()
                    .await
                    .map_err(|e| transport_error(&e, self.inner.timeout, attempt))?;
                let status = resp.status().as_u16();
                let bytes = Self::read_body(resp)
                    .await
                    .map_err(|e| transport_error(&e, self.inner.timeout, attempt))?;
                soap::parse_response(status, &bytes)
            }
            .await;
        (message_id, now, result)
    }

    async fn call(&self, query: &Query) -> Result<InsiExchange, InsiError> {
        let max = self.inner.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let (message_id, called_at, result) = self.attempt(query, attempt).await;
            match result {
                Err(e) if e.is_transient() && attempt < max => {
                    tracing::debug!(attempt, error = %e, "INSi: transient failure, retrying");
                    tokio::time::sleep(self.inner.retry.backoff(attempt)).await;
                    attempt += 1;
                }
                result => {
                    let result = result.map(|response| InsiExchange {
                        response,
                        message_id: message_id.clone(),
                        called_at,
                        attempts: attempt,
                    });
                    self.record(query.operation(), &message_id, called_at, &result)
                        .await;
                    return result;
                }
            }
        }
    }

    async fn record(
        &self,
        operation: Operation,
        message_id: &str,
        at: OffsetDateTime,
        result: &Result<InsiExchange, InsiError>,
    ) {
        let Some(trail) = self.inner.audit.clone() else {
            return;
        };
        let kind = match operation {
            Operation::SearchByTraits => AuditKind::from_static("ins.insi.search"),
            Operation::SearchWithVitale => AuditKind::from_static("ins.insi.search_vitale"),
        };
        let (outcome, key, value) = match result {
            Ok(ex) => (
                Outcome::Success,
                "cr",
                ex.response.outcome.code().code().to_owned(),
            ),
            Err(e) => (Outcome::Failure, "error", e.to_string()),
        };
        let event = AuditEvent::new(kind, self.inner.emitter.clone(), outcome, at)
            .with_request_id(message_id)
            .with_target(self.inner.endpoint.as_str())
            .with_detail(key, value);
        let appended = tokio::task::spawn_blocking(move || trail.append(event)).await;
        match appended {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "INSi: audit trail append failed"),
            Err(e) => tracing::warn!(error = %e, "INSi: audit task failed"),
        }
    }
}

/// The INSi operations the Sentinelle workflows need, object-safe so a host
/// can wrap or replace the client (e.g. one client per certificate mode).
pub trait InsiService: Send + Sync {
    /// A traits search with a given-name strategy.
    fn search<'a>(
        &'a self,
        traits: &'a Traits,
        strategy: GivenNameStrategy,
    ) -> BoxFuture<'a, Result<SearchReport, InsiError>>;

    /// A carte Vitale search.
    fn search_with_vitale<'a>(
        &'a self,
        query: &'a VitaleQuery,
    ) -> BoxFuture<'a, Result<InsiExchange, InsiError>>;
}

impl InsiService for InsiClient {
    fn search<'a>(
        &'a self,
        traits: &'a Traits,
        strategy: GivenNameStrategy,
    ) -> BoxFuture<'a, Result<SearchReport, InsiError>> {
        Box::pin(InsiClient::search(self, traits, strategy))
    }

    fn search_with_vitale<'a>(
        &'a self,
        query: &'a VitaleQuery,
    ) -> BoxFuture<'a, Result<InsiExchange, InsiError>> {
        Box::pin(InsiClient::search_with_vitale(self, query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_refuses_insecure_or_incomplete_configurations() {
        let sw = || SoftwareIdentity::new("IDAM", "1", "n", "i");
        let err = |r: Result<InsiClient, InsiError>| r.expect_err("refused").to_string();
        assert!(
            err(InsiClient::builder("http://insi.example.fr/lps", sw(), "e").build())
                .contains("loopback")
        );
        assert!(
            err(InsiClient::builder("https://insi.example.fr/lps", sw(), "e").build())
                .contains("authentication")
        );
        assert!(err(InsiClient::builder("ftp://127.0.0.1/", sw(), "e").build()).contains("scheme"));
        assert!(err(InsiClient::builder("not a url", sw(), "e").build()).contains("endpoint"));
        let tokens: Arc<dyn TokenSource> = Arc::new(segur_psc::StaticTokenSource::new());
        let psc = InsiAuth::ProSanteConnect {
            tokens,
            national_id: "810003612545".into(),
            attributes: ProfessionalAttributes::new("1"),
        };
        assert!(
            err(
                InsiClient::builder("https://insi.example.fr/lps", sw(), "e")
                    .auth(psc)
                    .build()
            )
            .contains("trust store")
        );
        let ok = InsiClient::builder("http://127.0.0.1:1/lps", sw(), "e").build();
        assert!(ok.is_ok());
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(350));
        assert_eq!(
            CertificateMode::from_common_name("INSI-AUTO"),
            Some(CertificateMode::Auto)
        );
        assert_eq!(CertificateMode::from_common_name("LGC X"), None);
    }
}
