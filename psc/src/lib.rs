//! Pro Santé Connect (PSC), the national OpenID Connect provider for health
//! professionals: a client for practice software (LGC) and a simulator.
//!
//! # Layers
//!
//! - **Sans-IO core** (always compiled, no network, no clock): environments
//!   and discovery metadata ([`Environment`], [`ProviderMetadata`], PSC's
//!   non-standard `/.well-known/wallet-openid-configuration`), the
//!   authorization code flow with state, nonce and PKCE S256
//!   ([`PendingAuthorization`], [`PendingAuthorizations`]), requests built as
//!   plain [`HttpRequest`] values and responses read from [`HttpResponse`]
//!   ([`TokenResponse`], [`parse_userinfo`], [`end_session_url`],
//!   [`TokenExchangeRequest`]), JWS verification with `ring`
//!   ([`IdTokenVerifier`]: RS256/ES256 from the JWKS, HS256 with the client
//!   secret; `iss`, `aud`/`azp`, `exp`/`iat` with a skew capped at
//!   [`MAX_CLOCK_SKEW`], `nonce`, `acr`), typed PSC claims keeping unknown
//!   ones ([`IdTokenClaims`], [`PscUserInfo`]), the CIBA poll-mode state
//!   machine ([`CibaPoller`]) and account linking ([`AccountLinker`] over an
//!   [`AccountStore`]). Everything time-dependent takes `now`.
//! - **IO shell** (feature `client`, default): [`PscClient`] over reqwest and
//!   rustls (ring), with discovery caching, JWKS refresh on unknown `kid`,
//!   code exchange, userinfo, refresh, logout, CIBA polling that sleeps on
//!   the tokio timer and can be cancelled ([`CibaAuthentication`],
//!   [`CibaCancel`]), token exchange, the desktop loopback redirect
//!   ([`LoopbackRedirect`]) and [`PscSession`], a [`TokenSource`] that
//!   refreshes before expiry and exchanges tokens per service.
//! - **Simulator** (feature `sim`): [`sim::PscSimulator`], a loopback PSC.
//!
//! Claims are only reachable through a verifier ([`VerifiedIdToken`]).
//! Tokens and secrets are distinct types ([`AccessToken`], [`RefreshToken`],
//! [`ClientSecret`]…) that print `[redacted]` and are zeroized on drop.
//!
//! # Desktop login against the simulator
//!
//! ```no_run
//! # async fn run() -> Result<(), segur_psc::Error> {
//! use std::sync::Arc;
//! use segur_psc::sim::{PscSimulator, SimClient};
//! use segur_psc::*;
//!
//! let sim = PscSimulator::builder()
//!     .client(SimClient::secret_basic("my-lgc", "secret"))
//!     .start()
//!     .await?;
//! let client = Arc::new(
//!     PscClient::builder(sim.environment()?, ClientConfig::secret_basic("my-lgc", ClientSecret::new("secret")))
//!         .build()?,
//! );
//! let loopback = LoopbackRedirect::bind().await?;
//! let pending = client.authorize(loopback.redirect_uri(), &AuthorizationRequest::default()).await?;
//! println!("open {}", pending.url()); // in the professional's browser
//! let response = loopback.wait(std::time::Duration::from_secs(300)).await?;
//! let login = client.exchange_code(pending.complete(&response)?).await?;
//! let session: Arc<dyn TokenSource> = Arc::new(PscSession::new(client, login));
//! let bearer = session.token(&Audience::ProSanteConnect).await?;
//! # let _ = bearer; Ok(()) }
//! ```
//!
//! See `examples/desktop_login.rs` for the runnable version.

mod account;
mod ciba;
mod claims;
#[cfg(feature = "client")]
mod client;
mod clock;
mod error;
mod flow;
mod jose;
#[cfg(feature = "client")]
mod loopback;
mod provider;
mod secret;
#[cfg(feature = "client")]
mod session;
#[cfg(feature = "sim")]
pub mod sim;
mod token_source;
mod verify;

pub use account::{
    AccountLinker, AccountStore, InMemoryAccountStore, LinkDecision, LinkEvent, LocalAccountId,
    PscIdentity,
};
pub use ciba::{CibaChannel, CibaPoller, CibaRequest, CibaStep, GRANT_CIBA};
pub use claims::{
    Activity, CodedValue, Exercice, IdTokenClaims, OtherId, PscUserInfo, SubjectRefPro,
};
#[cfg(feature = "client")]
pub use client::{
    CibaAuthentication, CibaCancel, CibaPollOutcome, HttpShell, PscClient, PscClientBuilder,
    PscLogin, discover, loopback_tls_config,
};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::{
    AccountLinkError, CallbackError, CibaError, ClaimsError, Error, JwtError, OAuthErrorCode,
};
pub use flow::{
    AuthorizationRequest, AuthorizationResponse, AuthorizedCode, ClientAuth, ClientConfig,
    HttpMethod, HttpRequest, HttpResponse, PendingAuthorization, PendingAuthorizations, Prompt,
    SCOPE_PSC, TokenExchangeRequest, TokenResponse, end_session_url, oauth_error, parse_userinfo,
    pkce_challenge, refresh_request, token_type, userinfo_request,
};
pub use jose::{Jwk, JwkSet, JwsAlgorithm};
#[cfg(feature = "client")]
pub use loopback::LoopbackRedirect;
pub use provider::{Environment, MtlsEndpointAliases, PSC_DISCOVERY_PATH, ProviderMetadata};
pub use secret::{
    AccessToken, AuthReqId, AuthorizationCode, ClientSecret, PkceVerifier, RawIdToken, RefreshToken,
};
#[cfg(feature = "client")]
pub use session::{PscSession, ServiceExchange};
pub use token_source::{Audience, BearerToken, BoxFuture, StaticTokenSource, TokenSource};
pub use verify::{ACR_EIDAS1, IdTokenVerifier, MAX_CLOCK_SKEW, Nonce, VerifiedIdToken};

/// `n` random bytes from the system RNG, hex-encoded.
pub(crate) fn random_hex(n: usize) -> String {
    use ring::rand::SecureRandom as _;
    let mut buf = vec![0u8; n];
    // The system RNG only fails when the OS has no entropy source at all, in
    // which case no secure operation is possible anyway.
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .expect("the operating system random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets without an early exit on the first differing byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
