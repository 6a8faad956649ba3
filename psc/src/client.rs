//! The async IO shell over reqwest: drives the sans-IO core against a real
//! (or simulated) provider, with discovery caching, JWKS refresh on unknown
//! key, CIBA polling and token exchange.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use tokio::sync::{Notify, RwLock};
use url::Url;

use crate::ciba::{CibaPoller, CibaRequest, CibaStep};
use crate::claims::PscUserInfo;
use crate::flow::{
    AuthorizationRequest, AuthorizedCode, ClientConfig, HttpMethod, HttpRequest, HttpResponse,
    PendingAuthorization, TokenExchangeRequest, TokenResponse, end_session_url, parse_userinfo,
    refresh_request, userinfo_request,
};
use crate::jose::JwkSet;
use crate::provider::{Environment, ProviderMetadata};
use crate::verify::{IdTokenVerifier, Nonce, VerifiedIdToken};
use crate::{AccessToken, Error, JwtError, RawIdToken, RefreshToken, SharedClock, SystemClock};

/// A rustls client configuration with the ring provider and no trusted root:
/// enough for plain-HTTP loopback simulators. For PSC itself pass a
/// configuration with the right roots (and, for mTLS, the IGC-Santé client
/// certificate), e.g. from `segur_ssi::tls`.
pub fn loopback_tls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

/// A thin HTTP executor for [`HttpRequest`]s: never follows redirects (a
/// bearer token must not travel to another host) and never logs bodies.
#[derive(Debug, Clone)]
pub struct HttpShell {
    http: reqwest::Client,
}

impl HttpShell {
    /// A shell using `tls` (roots, and a client certificate for mTLS).
    pub fn new(tls: rustls::ClientConfig, timeout: std::time::Duration) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self { http })
    }

    /// Sends a request.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let url = request.url.clone();
        let mut builder = match request.method {
            HttpMethod::Get => self.http.get(request.url),
            HttpMethod::Post => self.http.post(request.url).body(request.body),
        };
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let transport = |e: reqwest::Error| Error::Transport {
            url: without_query(&url),
            message: e.without_url().to_string(),
        };
        let response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase());
        let body = response.bytes().await.map_err(transport)?.to_vec();
        tracing::debug!(url = %without_query(&url), status, "PSC HTTP exchange");
        Ok(HttpResponse {
            status,
            content_type,
            body,
        })
    }
}

fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// Fetches and checks the discovery document of `environment` (no client
/// credentials needed). [`PscClient`] caches it; this is for tools.
pub async fn discover(
    environment: &Environment,
    shell: &HttpShell,
) -> Result<ProviderMetadata, Error> {
    let issuer = environment.issuer();
    let resp = shell
        .send(HttpRequest {
            method: HttpMethod::Get,
            url: environment.discovery_url()?,
            headers: vec![("accept".into(), "application/json".into())],
            body: Vec::new(),
        })
        .await?;
    if resp.status != 200 {
        return Err(Error::invalid_response(
            "discovery",
            format!("HTTP status {}", resp.status),
        ));
    }
    ProviderMetadata::parse(&resp.body, &issuer)
}

/// Builder of [`PscClient`].
#[derive(Debug)]
pub struct PscClientBuilder {
    environment: Environment,
    client: ClientConfig,
    tls: Option<rustls::ClientConfig>,
    clock: SharedClock,
    discovery_ttl: Duration,
    timeout: std::time::Duration,
    clock_skew: Duration,
}

impl PscClientBuilder {
    /// The TLS configuration (roots; client certificate for mTLS). Default:
    /// [`loopback_tls_config`].
    pub fn tls_config(mut self, tls: rustls::ClientConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// TLS from segur-ssi: the explicit trust store (IGC-Santé roots, or the
    /// test PKI's) and, for `tls_client_auth`, the structure's certificate
    /// (e.g. `Identity::from_pkcs12_file(path, password)`).
    pub fn ssi_tls(
        self,
        trust: segur_ssi::tls::TrustStore,
        identity: Option<segur_ssi::tls::Identity>,
    ) -> Result<Self, Error> {
        let mut b = segur_ssi::tls::ClientTlsBuilder::new(trust);
        if let Some(id) = identity {
            b = b.with_identity(id);
        }
        let config = b.build().map_err(|e| Error::Config(format!("TLS: {e}")))?;
        Ok(self.tls_config(config))
    }

    /// The clock (default: system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// How long a discovery document stays cached (default 1 hour).
    pub fn discovery_ttl(mut self, ttl: Duration) -> Self {
        self.discovery_ttl = ttl;
        self
    }

    /// Request timeout (default 30 s).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Clock skew allowed on ID tokens (capped by the verifier; default 60 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Builds the client (no network yet: discovery happens on first use).
    pub fn build(self) -> Result<PscClient, Error> {
        let tls = match self.tls {
            Some(t) => t,
            None => loopback_tls_config()?,
        };
        if self.client.is_mtls() && !tls.client_auth_cert_resolver.has_certs() {
            return Err(Error::Config(
                "tls_client_auth needs a TLS configuration holding the client certificate".into(),
            ));
        }
        Ok(PscClient {
            shell: HttpShell::new(tls, self.timeout)?,
            environment: self.environment,
            client: self.client,
            clock: self.clock,
            discovery_ttl: self.discovery_ttl,
            clock_skew: self.clock_skew,
            provider: RwLock::new(None),
        })
    }
}

#[derive(Debug, Clone)]
struct CachedProvider {
    metadata: Arc<ProviderMetadata>,
    verifier: IdTokenVerifier,
    fetched_at: OffsetDateTime,
}

/// A Pro Santé Connect client for one registered client id.
#[derive(Debug)]
pub struct PscClient {
    shell: HttpShell,
    environment: Environment,
    client: ClientConfig,
    clock: SharedClock,
    discovery_ttl: Duration,
    clock_skew: Duration,
    provider: RwLock<Option<CachedProvider>>,
}

/// The outcome of a successful login (authorization code or CIBA).
#[derive(Debug, Clone)]
pub struct PscLogin {
    /// The verified ID token.
    pub id_token: VerifiedIdToken,
    /// The token response.
    pub tokens: TokenResponse,
    /// When the tokens were received (expiry base).
    pub received_at: OffsetDateTime,
}

impl PscClient {
    /// A builder for `environment` and `client`.
    pub fn builder(environment: Environment, client: ClientConfig) -> PscClientBuilder {
        PscClientBuilder {
            environment,
            client,
            tls: None,
            clock: Arc::new(SystemClock),
            discovery_ttl: Duration::hours(1),
            timeout: std::time::Duration::from_secs(30),
            clock_skew: Duration::seconds(60),
        }
    }

    /// The client configuration.
    pub fn client_config(&self) -> &ClientConfig {
        &self.client
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The HTTP shell (to reuse its TLS configuration for other calls).
    pub fn shell(&self) -> &HttpShell {
        &self.shell
    }

    /// The provider metadata, from the cache or a fresh discovery.
    pub async fn metadata(&self) -> Result<Arc<ProviderMetadata>, Error> {
        Ok(self.provider().await?.metadata)
    }

    async fn provider(&self) -> Result<CachedProvider, Error> {
        let now = self.clock.now();
        if let Some(p) = self.provider.read().await.as_ref() {
            if p.fetched_at + self.discovery_ttl > now {
                return Ok(p.clone());
            }
        }
        self.load_provider().await
    }

    /// Fetches the discovery document and the JWKS again (the cache is
    /// otherwise refreshed after its TTL, and the JWKS on an unknown `kid`).
    pub async fn rediscover(&self) -> Result<Arc<ProviderMetadata>, Error> {
        Ok(self.load_provider().await?.metadata)
    }

    async fn load_provider(&self) -> Result<CachedProvider, Error> {
        let metadata = discover(&self.environment, &self.shell).await?;
        let jwks = self.fetch_jwks(&metadata).await?;
        let mut verifier =
            IdTokenVerifier::new(metadata.issuer.clone(), self.client.client_id.clone(), jwks)
                .with_clock_skew(self.clock_skew);
        if let Some(secret) = self.client.secret() {
            verifier = verifier.with_client_secret(secret.clone());
        }
        let cached = CachedProvider {
            metadata: Arc::new(metadata),
            verifier,
            fetched_at: self.clock.now(),
        };
        *self.provider.write().await = Some(cached.clone());
        Ok(cached)
    }

    async fn fetch_jwks(&self, metadata: &ProviderMetadata) -> Result<JwkSet, Error> {
        let resp = self.get(metadata.jwks_uri.clone()).await?;
        if resp.status != 200 {
            return Err(Error::invalid_response(
                "jwks",
                format!("HTTP status {}", resp.status),
            ));
        }
        serde_json::from_slice(&resp.body)
            .map_err(|e| Error::invalid_response("jwks", e.to_string()))
    }

    async fn get(&self, url: Url) -> Result<HttpResponse, Error> {
        self.shell
            .send(HttpRequest {
                method: HttpMethod::Get,
                url,
                headers: vec![("accept".into(), "application/json".into())],
                body: Vec::new(),
            })
            .await
    }

    /// Verifies an ID token; on an unknown key, refreshes the JWKS once
    /// (provider key rotation) and retries.
    pub async fn verify_id_token(
        &self,
        token: &RawIdToken,
        nonce: Option<&Nonce>,
    ) -> Result<VerifiedIdToken, Error> {
        let provider = self.provider().await?;
        match provider.verifier.verify(token, nonce, self.clock.now()) {
            Err(Error::Jwt(JwtError::UnknownKey { .. })) => {
                let jwks = self.fetch_jwks(&provider.metadata).await?;
                let mut guard = self.provider.write().await;
                let verifier = match guard.as_mut() {
                    Some(p) => {
                        p.verifier.set_jwks(jwks);
                        p.verifier.clone()
                    }
                    None => {
                        let mut v = provider.verifier.clone();
                        v.set_jwks(jwks);
                        v
                    }
                };
                drop(guard);
                verifier.verify(token, nonce, self.clock.now())
            }
            other => other,
        }
    }

    /// Starts an authorization code flow: the URL to open and the secrets to
    /// keep until the redirect comes back.
    pub async fn authorize(
        &self,
        redirect_uri: &Url,
        request: &AuthorizationRequest,
    ) -> Result<PendingAuthorization, Error> {
        let md = self.metadata().await?;
        Ok(PendingAuthorization::new(
            &md,
            &self.client,
            redirect_uri,
            request,
            self.clock.now(),
        ))
    }

    /// Exchanges the code and verifies the ID token (nonce included).
    pub async fn exchange_code(&self, code: AuthorizedCode) -> Result<PscLogin, Error> {
        let md = self.metadata().await?;
        let resp = self
            .shell
            .send(code.token_request(&md, &self.client))
            .await?;
        let received_at = self.clock.now();
        let tokens = TokenResponse::parse("token", &resp)?;
        let raw = tokens
            .id_token
            .clone()
            .ok_or_else(|| Error::invalid_response("token", "no id_token in the response"))?;
        let id_token = self.verify_id_token(&raw, Some(code.nonce())).await?;
        Ok(PscLogin {
            id_token,
            tokens,
            received_at,
        })
    }

    /// The professional's userinfo (JSON or signed JWT), checked against the
    /// ID token's subject.
    pub async fn userinfo(
        &self,
        access_token: &AccessToken,
        id_token: &VerifiedIdToken,
    ) -> Result<PscUserInfo, Error> {
        let provider = self.provider().await?;
        let req = userinfo_request(&provider.metadata, &self.client, access_token)?;
        let resp = self.shell.send(req).await?;
        match parse_userinfo(&resp, &provider.verifier, &id_token.claims().sub) {
            Err(Error::Jwt(JwtError::UnknownKey { .. })) => {
                let jwks = self.fetch_jwks(&provider.metadata).await?;
                let mut v = provider.verifier.clone();
                v.set_jwks(jwks);
                parse_userinfo(&resp, &v, &id_token.claims().sub)
            }
            other => other,
        }
    }

    /// Refreshes the tokens. A new ID token, if any, is verified (without
    /// nonce, per OIDC core §12.2).
    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<(TokenResponse, Option<VerifiedIdToken>), Error> {
        let md = self.metadata().await?;
        let resp = self
            .shell
            .send(refresh_request(&md, &self.client, refresh_token))
            .await?;
        let tokens = TokenResponse::parse("token", &resp)?;
        let id = match &tokens.id_token {
            Some(raw) => Some(self.verify_id_token(raw, None).await?),
            None => None,
        };
        Ok((tokens, id))
    }

    /// The logout URL to open in the browser (RP-initiated logout).
    pub async fn end_session_url(
        &self,
        id_token: &VerifiedIdToken,
        post_logout_redirect_uri: Option<&Url>,
        state: Option<&str>,
    ) -> Result<Url, Error> {
        let md = self.metadata().await?;
        end_session_url(
            &md,
            &self.client.client_id,
            id_token.raw(),
            post_logout_redirect_uri,
            state,
        )
    }

    /// Server-side logout: calls `end_session_endpoint` with the
    /// `id_token_hint` directly (as the ANS proxy does).
    pub async fn logout(&self, id_token: &VerifiedIdToken) -> Result<(), Error> {
        let url = self.end_session_url(id_token, None, None).await?;
        let resp = self.get(url).await?;
        match resp.status {
            200..=399 => Ok(()),
            _ => Err(crate::flow::oauth_error("end_session", &resp)),
        }
    }

    /// Revokes a token at the provider (RFC 7009), e.g. the refresh token at logout.
    pub async fn revoke(&self, token: &str, hint: &str) -> Result<(), Error> {
        let md = self.metadata().await?;
        let Some(url) = md
            .mtls_endpoint_aliases
            .as_ref()
            .filter(|_| self.client.is_mtls())
            .and_then(|a| a.revocation_endpoint.as_ref())
            .or(md.revocation_endpoint.as_ref())
        else {
            return Err(Error::Config(
                "the provider has no revocation_endpoint".into(),
            ));
        };
        let req = self.client.post_form(
            url,
            vec![
                ("token", token.to_owned()),
                ("token_type_hint", hint.to_owned()),
            ],
        );
        let resp = self.shell.send(req).await?;
        match resp.status {
            200..=299 => Ok(()),
            _ => Err(crate::flow::oauth_error("revocation", &resp)),
        }
    }

    /// Introspects a token (RFC 7662) with this client's credentials: the
    /// JSON answer (`active`, `sub`, `scope`, `exp`, `cnf`…). For resource
    /// servers and simulators checking PSC tokens.
    pub async fn introspect(&self, token: &AccessToken) -> Result<serde_json::Value, Error> {
        let md = self.metadata().await?;
        let Some(url) = md
            .mtls_endpoint_aliases
            .as_ref()
            .filter(|_| self.client.is_mtls())
            .and_then(|a| a.introspection_endpoint.as_ref())
            .or(md.introspection_endpoint.as_ref())
        else {
            return Err(Error::Config(
                "the provider has no introspection_endpoint".into(),
            ));
        };
        let req = self
            .client
            .post_form(url, vec![("token", token.secret().to_owned())]);
        let resp = self.shell.send(req).await?;
        if resp.status != 200 {
            return Err(crate::flow::oauth_error("introspection", &resp));
        }
        serde_json::from_slice(&resp.body)
            .map_err(|e| Error::invalid_response("introspection", e.to_string()))
    }

    /// Sends a CIBA backchannel authentication request. Poll the returned
    /// [`CibaAuthentication`] (or `wait` for it, cancellably).
    pub async fn ciba_start(
        self: &Arc<Self>,
        request: &CibaRequest,
    ) -> Result<CibaAuthentication, Error> {
        let md = self.metadata().await?;
        let resp = self.shell.send(request.to_http(&md, &self.client)?).await?;
        let poller = CibaPoller::from_ack(&resp, self.clock.now())?;
        Ok(CibaAuthentication {
            client: self.clone(),
            metadata: md,
            poller,
            cancel: CibaCancel::default(),
        })
    }

    /// RFC 8693 token exchange of `subject_token` at `token_endpoint`, with
    /// this client's credentials and TLS (mTLS certificate).
    pub async fn token_exchange(
        &self,
        token_endpoint: &Url,
        request: &TokenExchangeRequest,
        subject_token: &AccessToken,
    ) -> Result<TokenResponse, Error> {
        let resp = self
            .shell
            .send(request.to_http(token_endpoint, &self.client, subject_token))
            .await?;
        TokenResponse::parse("token_exchange", &resp)
    }
}

/// Cancels a CIBA wait from another task.
#[derive(Debug, Clone, Default)]
pub struct CibaCancel {
    inner: Arc<CancelInner>,
}

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: std::sync::atomic::AtomicBool,
    notify: Notify,
}

impl CibaCancel {
    /// Stops the polling: `wait` returns [`crate::CibaError::Cancelled`].
    pub fn cancel(&self) {
        self.inner
            .cancelled
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Whether cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner
            .cancelled
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A CIBA authentication in progress.
#[derive(Debug)]
pub struct CibaAuthentication {
    client: Arc<PscClient>,
    metadata: Arc<ProviderMetadata>,
    poller: CibaPoller,
    cancel: CibaCancel,
}

impl CibaAuthentication {
    /// A handle to cancel [`wait`](Self::wait) from elsewhere.
    pub fn cancel_handle(&self) -> CibaCancel {
        self.cancel.clone()
    }

    /// The state machine (next poll time, interval, expiry).
    pub fn poller(&self) -> &CibaPoller {
        &self.poller
    }

    /// Sends one poll now (the caller schedules; see
    /// [`CibaPoller::next_poll_at`]) and returns the step. Approved tokens'
    /// ID token is verified.
    pub async fn poll_once(&mut self) -> Result<CibaPollOutcome, Error> {
        if self.cancel.is_cancelled() {
            return Err(self.poller.cancel().into());
        }
        let now = self.client.clock.now();
        let req = self
            .poller
            .poll_request(&self.metadata, &self.client.client, now)?;
        let resp = self.client.shell.send(req).await?;
        match self
            .poller
            .handle_response(&resp, self.client.clock.now())?
        {
            CibaStep::Pending { next_poll_at } => Ok(CibaPollOutcome::Pending { next_poll_at }),
            CibaStep::Approved(tokens) => {
                let received_at = self.client.clock.now();
                let raw = tokens.id_token.clone().ok_or_else(|| {
                    Error::invalid_response("token", "no id_token in the CIBA response")
                })?;
                let id_token = self.client.verify_id_token(&raw, None).await?;
                Ok(CibaPollOutcome::Approved(Box::new(PscLogin {
                    id_token,
                    tokens: *tokens,
                    received_at,
                })))
            }
        }
    }

    /// Polls at the provider's pace until approval, denial, expiry or
    /// cancellation. Never blocks a thread: it sleeps on the tokio timer.
    pub async fn wait(mut self) -> Result<PscLogin, Error> {
        let mut retry_delay = Duration::ZERO;
        loop {
            let delay = (self.poller.next_poll_at() - self.client.clock.now()).max(retry_delay);
            self.sleep_or_cancel(delay).await?;
            match self.poll_once().await {
                Ok(CibaPollOutcome::Pending { .. }) => retry_delay = Duration::ZERO,
                Ok(CibaPollOutcome::Approved(login)) => return Ok(*login),
                Err(e) if e.is_transient() && !self.poller.is_finished() => {
                    tracing::warn!(error = %e, "CIBA poll failed, retrying");
                    retry_delay = self.poller.interval().max(Duration::seconds(1));
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn sleep_or_cancel(&mut self, delay: Duration) -> Result<(), Error> {
        let notified = self.cancel.inner.notify.notified();
        tokio::pin!(notified);
        // Registered before the flag check, so a cancel in between is not lost.
        notified.as_mut().enable();
        if self.cancel.is_cancelled() {
            return Err(self.poller.cancel().into());
        }
        if delay <= Duration::ZERO {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(delay.unsigned_abs()) => Ok(()),
            () = notified => Err(self.poller.cancel().into()),
        }
    }
}

/// The outcome of one CIBA poll.
#[derive(Debug)]
pub enum CibaPollOutcome {
    /// Not yet approved.
    Pending {
        /// When to poll again.
        next_poll_at: OffsetDateTime,
    },
    /// Approved and verified.
    Approved(Box<PscLogin>),
}
