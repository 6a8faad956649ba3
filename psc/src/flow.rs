//! The sans-IO OAuth 2.0 / OpenID Connect core: builds requests as plain
//! [`HttpRequest`] values and reads [`HttpResponse`]s, with no network and no
//! clock of its own. The reqwest shell ([`PscClient`](crate::PscClient)) and
//! tests drive it; an integrator with another HTTP stack can too.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use url::Url;

use crate::claims::PscUserInfo;
use crate::provider::ProviderMetadata;
use crate::verify::{IdTokenVerifier, Nonce, check_userinfo_subject};
use crate::{
    AccessToken, AuthorizationCode, CallbackError, ClientSecret, Error, OAuthErrorCode,
    PkceVerifier, RawIdToken, RefreshToken,
};

/// PSC's scope for every sectoral claim.
pub const SCOPE_PSC: &str = "openid scope_all";

/// HTTP method of a request built by the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
}

/// A request to send. `Debug` omits headers and body (they carry secrets).
#[derive(Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// Target URL.
    pub url: Url,
    /// Headers (may include `Authorization`).
    pub headers: Vec<(String, String)>,
    /// Body (form-encoded for POST).
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &"[redacted]")
            .field("body", &"[redacted]")
            .finish()
    }
}

/// A received response.
#[derive(Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// `Content-Type` without parameters, lowercased.
    pub content_type: Option<String>,
    /// Body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// How the client authenticates to the token, CIBA and introspection endpoints.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the client id and secret.
    SecretBasic(ClientSecret),
    /// `tls_client_auth` (RFC 8705): the client certificate on the TLS
    /// connection (IGC-Santé ORG AUTH_CLI); the client id goes in the body.
    /// The shell must be given a rustls config holding the certificate.
    TlsClientAuth,
}

/// A registered PSC client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The client id.
    pub client_id: String,
    /// How it authenticates.
    pub auth: ClientAuth,
}

impl ClientConfig {
    /// A client using `client_secret_basic`.
    pub fn secret_basic(client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self {
            client_id: client_id.into(),
            auth: ClientAuth::SecretBasic(secret),
        }
    }

    /// A client using mutual TLS.
    pub fn mtls(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            auth: ClientAuth::TlsClientAuth,
        }
    }

    /// Whether requests go over mutual TLS.
    pub fn is_mtls(&self) -> bool {
        matches!(self.auth, ClientAuth::TlsClientAuth)
    }

    /// The client secret, when the client has one (HS256 ID token key).
    pub fn secret(&self) -> Option<&ClientSecret> {
        match &self.auth {
            ClientAuth::SecretBasic(s) => Some(s),
            ClientAuth::TlsClientAuth => None,
        }
    }

    /// A form POST to `url` authenticated as this client.
    pub fn post_form(&self, url: &Url, mut form: Vec<(&str, String)>) -> HttpRequest {
        let mut headers = vec![
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("accept".to_owned(), "application/json".to_owned()),
        ];
        match &self.auth {
            ClientAuth::SecretBasic(secret) => {
                // RFC 6749 §2.3.1: both parts are form-encoded before Base64.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let basic =
                    STANDARD.encode(format!("{}:{}", enc(&self.client_id), enc(secret.secret())));
                headers.push(("authorization".to_owned(), format!("Basic {basic}")));
            }
            ClientAuth::TlsClientAuth => form.push(("client_id", self.client_id.clone())),
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish()
            .into_bytes();
        HttpRequest {
            method: HttpMethod::Post,
            url: url.clone(),
            headers,
            body,
        }
    }
}

/// `prompt` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// `none`: silent re-authentication, fails with `login_required` when the
    /// professional has no PSC session (SC.PSC.11 single sign-on).
    None,
    /// `login`: force a new authentication.
    Login,
}

/// The parameters of an authorization request beyond the mandatory ones.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// Scopes (default `openid scope_all`).
    pub scope: String,
    /// `acr_values` (default `eidas1`).
    pub acr_values: Option<String>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `id_token_hint` (with `prompt=none`).
    pub id_token_hint: Option<RawIdToken>,
    /// `login_hint`.
    pub login_hint: Option<String>,
}

impl Default for AuthorizationRequest {
    fn default() -> Self {
        Self {
            scope: SCOPE_PSC.to_owned(),
            acr_values: Some(crate::verify::ACR_EIDAS1.to_owned()),
            prompt: None,
            id_token_hint: None,
            login_hint: None,
        }
    }
}

impl AuthorizationRequest {
    /// A silent re-authentication (`prompt=none`) reusing the professional's
    /// PSC session, optionally hinted with a previous ID token.
    pub fn silent(id_token_hint: Option<RawIdToken>) -> Self {
        Self {
            prompt: Some(Prompt::None),
            id_token_hint,
            ..Self::default()
        }
    }
}

/// An authorization in progress: the URL to open, and the secrets (state,
/// nonce, PKCE verifier) needed to complete it. Consumed by
/// [`complete`](Self::complete), so a response cannot be used twice.
#[derive(Debug)]
pub struct PendingAuthorization {
    url: Url,
    state: String,
    nonce: Nonce,
    pkce: PkceVerifier,
    redirect_uri: Url,
    issuer: String,
    created_at: OffsetDateTime,
}

impl PendingAuthorization {
    /// Builds the authorization URL with `state`, `nonce` and PKCE S256.
    pub fn new(
        metadata: &ProviderMetadata,
        client: &ClientConfig,
        redirect_uri: &Url,
        request: &AuthorizationRequest,
        now: OffsetDateTime,
    ) -> Self {
        let state = crate::random_hex(16);
        let nonce = Nonce::random();
        let pkce = PkceVerifier::new(crate::random_hex(32));
        let challenge = pkce_challenge(&pkce);
        let mut url = metadata.authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", redirect_uri.as_str())
                .append_pair("scope", &request.scope)
                .append_pair("state", &state)
                .append_pair("nonce", nonce.as_str())
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(acr) = &request.acr_values {
                q.append_pair("acr_values", acr);
            }
            match request.prompt {
                Some(Prompt::None) => {
                    q.append_pair("prompt", "none");
                }
                Some(Prompt::Login) => {
                    q.append_pair("prompt", "login");
                }
                None => {}
            }
            if let Some(hint) = &request.id_token_hint {
                q.append_pair("id_token_hint", hint.secret());
            }
            if let Some(hint) = &request.login_hint {
                q.append_pair("login_hint", hint);
            }
        }
        Self {
            url,
            state,
            nonce,
            pkce,
            redirect_uri: redirect_uri.clone(),
            issuer: metadata.issuer.clone(),
            created_at: now,
        }
    }

    /// The URL to open in the professional's browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` (to find this pending authorization when the browser comes back).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The nonce the ID token must carry.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }

    /// When it was created.
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    /// Checks the authorization response (state, RFC 9207 `iss`, provider
    /// error) and yields the code to exchange.
    pub fn complete(
        self,
        response: &AuthorizationResponse,
    ) -> Result<AuthorizedCode, CallbackError> {
        let state_ok = response
            .state
            .as_deref()
            .is_some_and(|s| crate::constant_time_eq(s.as_bytes(), self.state.as_bytes()));
        if !state_ok {
            return Err(CallbackError::StateMismatch);
        }
        if let Some(iss) = &response.iss {
            if iss.trim_end_matches('/') != self.issuer.trim_end_matches('/') {
                return Err(CallbackError::IssuerMismatch(iss.clone()));
            }
        }
        if let Some(error) = &response.error {
            return Err(CallbackError::Provider {
                error: OAuthErrorCode::parse(error),
                description: response.error_description.clone(),
            });
        }
        let code = response.code.clone().ok_or(CallbackError::MissingCode)?;
        Ok(AuthorizedCode {
            code,
            pkce: self.pkce,
            nonce: self.nonce,
            redirect_uri: self.redirect_uri,
        })
    }
}

/// `BASE64URL(SHA-256(verifier))` (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &PkceVerifier) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.secret().as_bytes(),
    ))
}

/// The parameters the provider put on the redirect URI.
#[derive(Clone, Default)]
pub struct AuthorizationResponse {
    /// `code`.
    pub code: Option<AuthorizationCode>,
    /// `state`.
    pub state: Option<String>,
    /// `iss` (RFC 9207).
    pub iss: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
}

impl fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationResponse")
            .field("code", &self.code)
            .field("state", &self.state)
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish()
    }
}

impl AuthorizationResponse {
    /// Reads the query string of the redirect (`code=…&state=…`).
    pub fn from_query(query: &str) -> Self {
        let mut r = Self::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "code" => r.code = Some(AuthorizationCode::new(v)),
                "state" => r.state = Some(v),
                "iss" => r.iss = Some(v),
                "error" => r.error = Some(v),
                "error_description" => r.error_description = Some(v),
                _ => {}
            }
        }
        r
    }

    /// Reads the full redirect URL.
    pub fn from_url(url: &Url) -> Self {
        Self::from_query(url.query().unwrap_or(""))
    }
}

/// A code ready to exchange, with the PKCE verifier and nonce of its request.
#[derive(Debug)]
pub struct AuthorizedCode {
    code: AuthorizationCode,
    pkce: PkceVerifier,
    nonce: Nonce,
    redirect_uri: Url,
}

impl AuthorizedCode {
    /// The token request (`grant_type=authorization_code` with `code_verifier`).
    pub fn token_request(&self, metadata: &ProviderMetadata, client: &ClientConfig) -> HttpRequest {
        client.post_form(
            metadata.token_endpoint_for(client.is_mtls()),
            vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", self.code.secret().to_owned()),
                ("redirect_uri", self.redirect_uri.to_string()),
                ("code_verifier", self.pkce.secret().to_owned()),
            ],
        )
    }

    /// The nonce the ID token must carry.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }
}

/// Pending authorizations of a web application, keyed by `state`, that tells
/// a replayed response ([`CallbackError::StateReplayed`]) from a forged one
/// ([`CallbackError::StateMismatch`]) and forgets entries after `ttl`.
#[derive(Debug)]
pub struct PendingAuthorizations {
    pending: HashMap<String, PendingAuthorization>,
    used: HashMap<String, OffsetDateTime>,
    ttl: Duration,
}

impl Default for PendingAuthorizations {
    fn default() -> Self {
        Self::new(Duration::minutes(10))
    }
}

impl PendingAuthorizations {
    /// A store forgetting pending authorizations after `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            pending: HashMap::new(),
            used: HashMap::new(),
            ttl,
        }
    }

    /// Remembers an authorization.
    pub fn insert(&mut self, pending: PendingAuthorization) {
        self.pending.insert(pending.state.clone(), pending);
    }

    /// Completes the authorization the response's `state` designates.
    pub fn complete(
        &mut self,
        response: &AuthorizationResponse,
        now: OffsetDateTime,
    ) -> Result<AuthorizedCode, CallbackError> {
        let ttl = self.ttl;
        self.pending.retain(|_, p| p.created_at + ttl > now);
        self.used.retain(|_, at| *at + ttl > now);
        let state = response
            .state
            .as_deref()
            .ok_or(CallbackError::StateMismatch)?;
        if self.used.contains_key(state) {
            return Err(CallbackError::StateReplayed);
        }
        let pending = self
            .pending
            .remove(state)
            .ok_or(CallbackError::StateMismatch)?;
        self.used.insert(state.to_owned(), now);
        pending.complete(response)
    }
}

/// A token endpoint response.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// `Bearer` (or `N_A` for some token-exchange results).
    #[serde(default)]
    pub token_type: String,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// Refresh token.
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
    /// Refresh token lifetime (Keycloak).
    #[serde(default)]
    pub refresh_expires_in: Option<i64>,
    /// ID token (verify it with [`IdTokenVerifier`]).
    #[serde(default)]
    pub id_token: Option<RawIdToken>,
    /// Granted scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Keycloak session state.
    #[serde(default)]
    pub session_state: Option<String>,
    /// RFC 8693 `issued_token_type`.
    #[serde(default)]
    pub issued_token_type: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_in", &self.refresh_expires_in)
            .field("id_token", &self.id_token)
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenResponse {
    /// Reads a token endpoint response (success or OAuth error).
    pub fn parse(endpoint: &'static str, response: &HttpResponse) -> Result<Self, Error> {
        if !(200..300).contains(&response.status) {
            return Err(oauth_error(endpoint, response));
        }
        let parsed: Self = serde_json::from_slice(&response.body)
            .map_err(|e| Error::invalid_response(endpoint, format!("token response: {e}")))?;
        if !parsed.token_type.is_empty()
            && !parsed.token_type.eq_ignore_ascii_case("bearer")
            && !parsed.token_type.eq_ignore_ascii_case("N_A")
        {
            return Err(Error::invalid_response(
                endpoint,
                format!("unsupported token_type {:?}", parsed.token_type),
            ));
        }
        Ok(parsed)
    }

    /// When the access token expires, counted from `received_at`.
    pub fn expires_at(&self, received_at: OffsetDateTime) -> Option<OffsetDateTime> {
        self.expires_in.map(|s| received_at + Duration::seconds(s))
    }

    /// When the refresh token expires, counted from `received_at`.
    pub fn refresh_expires_at(&self, received_at: OffsetDateTime) -> Option<OffsetDateTime> {
        self.refresh_expires_in
            .filter(|s| *s > 0)
            .map(|s| received_at + Duration::seconds(s))
    }
}

/// Reads an OAuth error response (RFC 6749 §5.2); anything else becomes
/// [`Error::InvalidResponse`].
pub fn oauth_error(endpoint: &'static str, response: &HttpResponse) -> Error {
    #[derive(Deserialize)]
    struct Body {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<Body>(&response.body) {
        Ok(b) => Error::OAuth {
            endpoint,
            error: OAuthErrorCode::parse(&b.error),
            description: b.error_description,
            status: response.status,
        },
        Err(_) if response.status == 401 => Error::OAuth {
            endpoint,
            error: OAuthErrorCode::InvalidToken,
            description: None,
            status: 401,
        },
        Err(_) => Error::invalid_response(endpoint, format!("HTTP status {}", response.status)),
    }
}

/// The refresh request (`grant_type=refresh_token`).
pub fn refresh_request(
    metadata: &ProviderMetadata,
    client: &ClientConfig,
    refresh_token: &RefreshToken,
) -> HttpRequest {
    client.post_form(
        metadata.token_endpoint_for(client.is_mtls()),
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.secret().to_owned()),
        ],
    )
}

/// The userinfo request (`GET` with the bearer token).
pub fn userinfo_request(
    metadata: &ProviderMetadata,
    client: &ClientConfig,
    access_token: &AccessToken,
) -> Result<HttpRequest, Error> {
    let url = metadata
        .userinfo_endpoint_for(client.is_mtls())
        .ok_or_else(|| Error::Config("the provider has no userinfo endpoint".into()))?;
    Ok(HttpRequest {
        method: HttpMethod::Get,
        url: url.clone(),
        headers: vec![
            (
                "authorization".to_owned(),
                format!("Bearer {}", access_token.secret()),
            ),
            (
                "accept".to_owned(),
                "application/json, application/jwt".to_owned(),
            ),
        ],
        body: Vec::new(),
    })
}

/// Reads a userinfo response, JSON or signed JWT (`application/jwt`), and
/// checks that its `sub` is the ID token's.
pub fn parse_userinfo(
    response: &HttpResponse,
    verifier: &IdTokenVerifier,
    expected_sub: &str,
) -> Result<PscUserInfo, Error> {
    if !(200..300).contains(&response.status) {
        return Err(oauth_error("userinfo", response));
    }
    if response.content_type.as_deref() == Some("application/jwt") {
        let jwt = std::str::from_utf8(&response.body)
            .map_err(|_| Error::invalid_response("userinfo", "JWT is not UTF-8"))?;
        return verifier.verify_userinfo_jwt(jwt.trim(), expected_sub);
    }
    let info: PscUserInfo = serde_json::from_slice(&response.body)
        .map_err(|e| Error::invalid_response("userinfo", e.to_string()))?;
    check_userinfo_subject(&info, expected_sub)?;
    Ok(info)
}

/// The RP-initiated logout URL (`end_session_endpoint` with `id_token_hint`,
/// `post_logout_redirect_uri` and `state`), to open in the browser, or to
/// call directly for a server-side logout.
pub fn end_session_url(
    metadata: &ProviderMetadata,
    client_id: &str,
    id_token_hint: &RawIdToken,
    post_logout_redirect_uri: Option<&Url>,
    state: Option<&str>,
) -> Result<Url, Error> {
    let mut url = metadata
        .end_session_endpoint
        .clone()
        .ok_or_else(|| Error::Config("the provider has no end_session_endpoint".into()))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("id_token_hint", id_token_hint.secret())
            .append_pair("client_id", client_id);
        if let Some(uri) = post_logout_redirect_uri {
            q.append_pair("post_logout_redirect_uri", uri.as_str());
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
    }
    Ok(url)
}

/// Token types of RFC 8693.
pub mod token_type {
    /// An OAuth 2.0 access token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// A JWT.
    pub const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
    /// An ID token.
    pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
}

/// An RFC 8693 token exchange: trade the PSC access token for a token of an
/// "API Pro Santé Connectée" (SC.PSC.08), at that service's authorization server.
#[derive(Debug, Clone)]
pub struct TokenExchangeRequest {
    /// Business scopes of the target service.
    pub scope: Option<String>,
    /// `audience` of the target service.
    pub audience: Option<String>,
    /// `resource` of the target service.
    pub resource: Option<String>,
    /// `subject_issuer` (ANS example client: `psc`).
    pub subject_issuer: Option<String>,
    /// `subject_token_type` (default: access token).
    pub subject_token_type: String,
}

impl Default for TokenExchangeRequest {
    fn default() -> Self {
        Self {
            scope: None,
            audience: None,
            resource: None,
            subject_issuer: Some("psc".to_owned()),
            subject_token_type: token_type::ACCESS_TOKEN.to_owned(),
        }
    }
}

impl TokenExchangeRequest {
    /// The request to `token_endpoint` for `subject_token`.
    pub fn to_http(
        &self,
        token_endpoint: &Url,
        client: &ClientConfig,
        subject_token: &AccessToken,
    ) -> HttpRequest {
        let mut form = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange".to_owned(),
            ),
            ("subject_token", subject_token.secret().to_owned()),
            ("subject_token_type", self.subject_token_type.clone()),
        ];
        if let Some(v) = &self.subject_issuer {
            form.push(("subject_issuer", v.clone()));
        }
        if let Some(v) = &self.scope {
            form.push(("scope", v.clone()));
        }
        if let Some(v) = &self.audience {
            form.push(("audience", v.clone()));
        }
        if let Some(v) = &self.resource {
            form.push(("resource", v.clone()));
        }
        client.post_form(token_endpoint, form)
    }
}

#[cfg(test)]
mod tests;
