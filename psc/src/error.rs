//! The crate's error type: one `#[non_exhaustive]` [`Error`] with family
//! sub-enums for JWT/claims validation, authorization callbacks, CIBA and
//! account linking.

use time::OffsetDateTime;

use crate::token_source::Audience;

/// Everything that can go wrong in segur-psc.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable (bad URL, missing endpoint, missing key).
    #[error("configuration: {0}")]
    Config(String),
    /// The network exchange with `url` failed (connection, TLS, timeout).
    #[error("transport error calling {url}: {message}")]
    Transport {
        /// The endpoint called (never carries secrets: tokens go in bodies/headers).
        url: String,
        /// What failed.
        message: String,
    },
    /// The provider answered with a standard OAuth 2.0 error response.
    #[error("{endpoint} refused the request: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// Which endpoint (`token`, `userinfo`, `backchannel_authentication`…).
        endpoint: &'static str,
        /// The `error` code.
        error: OAuthErrorCode,
        /// The `error_description`, if any.
        description: Option<String>,
        /// The HTTP status.
        status: u16,
    },
    /// The provider answered something that is not the expected document.
    #[error("invalid response from {endpoint}: {detail}")]
    InvalidResponse {
        /// Which endpoint.
        endpoint: &'static str,
        /// What is wrong (never includes token values).
        detail: String,
    },
    /// A JWT (ID token, signed userinfo) is malformed or its signature fails.
    #[error("JWT rejected: {0}")]
    Jwt(#[from] JwtError),
    /// The claims of a correctly signed token are not acceptable.
    #[error("ID token rejected: {0}")]
    Claims(#[from] ClaimsError),
    /// The authorization response on the redirect URI is not acceptable.
    #[error("authorization response rejected: {0}")]
    Callback(#[from] CallbackError),
    /// A CIBA authentication did not give tokens.
    #[error("CIBA authentication failed: {0}")]
    Ciba(#[from] CibaError),
    /// Account linking failed.
    #[error("account linking: {0}")]
    AccountLink(#[from] AccountLinkError),
    /// A token source has no token for this audience.
    #[error("no token available for audience {0}")]
    NoToken(Audience),
    /// The session can no longer be refreshed: the user must log in again
    /// (redirect or new CIBA request).
    #[error("session expired: re-authentication required")]
    ReauthenticationRequired,
}

impl Error {
    /// `true` when retrying the same call later may succeed (network failure,
    /// provider temporarily unavailable).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::OAuth { error, status, .. } => {
                *status >= 500 || matches!(error, OAuthErrorCode::TemporarilyUnavailable)
            }
            _ => false,
        }
    }

    pub(crate) fn invalid_response(endpoint: &'static str, detail: impl Into<String>) -> Self {
        Self::InvalidResponse {
            endpoint,
            detail: detail.into(),
        }
    }
}

/// OAuth 2.0 / OpenID Connect / CIBA error codes (unknown codes kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied`
    AccessDenied,
    /// `login_required` (silent authentication impossible)
    LoginRequired,
    /// `interaction_required`
    InteractionRequired,
    /// `consent_required`
    ConsentRequired,
    /// `invalid_token` (userinfo, introspection)
    InvalidToken,
    /// `authorization_pending` (CIBA)
    AuthorizationPending,
    /// `slow_down` (CIBA)
    SlowDown,
    /// `expired_token` (CIBA)
    ExpiredToken,
    /// `unknown_user_id` (CIBA)
    UnknownUserId,
    /// `invalid_binding_message` (CIBA)
    InvalidBindingMessage,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// Any other code, kept verbatim.
    Other(String),
}

impl OAuthErrorCode {
    /// Parses a wire code.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "login_required" => Self::LoginRequired,
            "interaction_required" => Self::InteractionRequired,
            "consent_required" => Self::ConsentRequired,
            "invalid_token" => Self::InvalidToken,
            "authorization_pending" => Self::AuthorizationPending,
            "slow_down" => Self::SlowDown,
            "expired_token" => Self::ExpiredToken,
            "unknown_user_id" => Self::UnknownUserId,
            "invalid_binding_message" => Self::InvalidBindingMessage,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire code.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::InteractionRequired => "interaction_required",
            Self::ConsentRequired => "consent_required",
            Self::InvalidToken => "invalid_token",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::UnknownUserId => "unknown_user_id",
            Self::InvalidBindingMessage => "invalid_binding_message",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(s) => s,
        }
    }
}

impl std::fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JWS that cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Not a compact JWS (three base64url parts, JSON header and payload).
    #[error("malformed JWT: {0}")]
    Malformed(&'static str),
    /// A JWE (five parts): encrypted tokens are not supported; register the
    /// client without ID token / userinfo encryption.
    #[error("encrypted JWT (JWE) not supported")]
    Encrypted,
    /// The `alg` is not one we accept (`none`, or not in the allowed list).
    #[error("algorithm {0:?} not accepted")]
    UnsupportedAlgorithm(String),
    /// No key in the JWKS matches the token's `kid`/`alg`, even after refreshing it.
    #[error("no matching key (kid {kid:?}) in the provider's JWKS")]
    UnknownKey {
        /// The token's `kid`, if any.
        kid: Option<String>,
    },
    /// HS256 token but no client secret configured.
    #[error("HS256 token but no client secret configured to verify it")]
    NoSecret,
    /// A JWK cannot be used (bad encoding, unsupported curve, too small).
    #[error("unusable JWK: {0}")]
    BadKey(String),
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
}

/// Claims of a correctly signed token that fail validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The claims are not a JSON object with the required members.
    #[error("malformed claims: {0}")]
    Malformed(String),
    /// `iss` is not the expected issuer.
    #[error("issuer {actual:?} is not the expected {expected:?}")]
    Issuer {
        /// Expected issuer.
        expected: String,
        /// Issuer in the token.
        actual: String,
    },
    /// `aud` does not contain the client id.
    #[error("audience does not contain client id {client_id:?}")]
    Audience {
        /// Our client id.
        client_id: String,
    },
    /// Several audiences and `azp` is not the client id.
    #[error("authorized party {azp:?} is not the client id")]
    AuthorizedParty {
        /// The `azp` claim.
        azp: Option<String>,
    },
    /// `exp` is in the past (beyond the allowed skew).
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// Expiry.
        exp: OffsetDateTime,
        /// Current time used for the check.
        now: OffsetDateTime,
    },
    /// `iat` is in the future (beyond the allowed skew).
    #[error("token issued in the future ({iat}, now {now})")]
    IssuedInFuture {
        /// Issue time.
        iat: OffsetDateTime,
        /// Current time used for the check.
        now: OffsetDateTime,
    },
    /// `nonce` is missing or differs from the one sent.
    #[error("nonce mismatch")]
    Nonce,
    /// `acr` is not an accepted authentication level.
    #[error("authentication level {0:?} not accepted")]
    Acr(String),
    /// The userinfo `sub` differs from the ID token's.
    #[error("userinfo subject differs from the ID token subject")]
    SubjectMismatch,
}

/// The authorization response (redirect) is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// `state` missing or not the one sent: possible CSRF.
    #[error("state mismatch")]
    StateMismatch,
    /// This authorization was already completed: a replayed response.
    #[error("state already used (replayed authorization response)")]
    StateReplayed,
    /// The `iss` parameter (RFC 9207) is not our issuer: mix-up attack.
    #[error("issuer parameter {0:?} does not match the provider")]
    IssuerMismatch(String),
    /// The provider returned an error on the redirect.
    #[error("provider error {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider {
        /// The `error` code (`access_denied`, `login_required`…).
        error: OAuthErrorCode,
        /// The `error_description`.
        description: Option<String>,
    },
    /// No `code` in the response.
    #[error("no authorization code")]
    MissingCode,
    /// The redirect could not be read (bad request line, timeout).
    #[error("bad redirect request: {0}")]
    BadRequest(String),
}

/// Why a CIBA authentication ended without tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CibaError {
    /// The professional refused on the authentication device.
    #[error("access denied by the user")]
    AccessDenied,
    /// The `auth_req_id` expired before the user answered.
    #[error("the authentication request expired")]
    Expired,
    /// The caller cancelled the polling.
    #[error("cancelled")]
    Cancelled,
    /// `poll` was called again after the request finished.
    #[error("the CIBA request is already finished")]
    Finished,
}

/// Account linking failures (SC.PSC.02).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountLinkError {
    /// Several local accounts match the PSC identity: refuse rather than guess.
    #[error("{count} local accounts match this professional: an administrator must choose")]
    Ambiguous {
        /// How many accounts matched.
        count: usize,
    },
    /// The PSC identity is already linked to another local account.
    #[error("this PSC identity is already linked to another local account")]
    AlreadyLinked,
    /// The user information carries no usable national identifier.
    #[error("no national professional identifier (SubjectNameID) in the PSC identity")]
    NoNationalId,
    /// The store failed.
    #[error("account store: {0}")]
    Store(String),
}
