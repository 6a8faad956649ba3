//! Pro Santé Connect (PSC), the national OpenID Connect provider for health
//! professionals.
//!
//! This crate is built in layers:
//!
//! - [`TokenSource`]: the trait through which the other segur-rs service
//!   crates (INSi, DMP, MSSanté) get a bearer token for a service, with
//!   [`StaticTokenSource`] for tests;
//! - secret types ([`AccessToken`], [`RefreshToken`], [`ClientSecret`]…),
//!   redacted in `Debug` and zeroized on drop;
//! - an injectable [`Clock`].

mod account;
mod ciba;
mod claims;
mod clock;
mod error;
mod flow;
mod jose;
mod provider;
mod secret;
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
pub use provider::{Environment, MtlsEndpointAliases, PSC_DISCOVERY_PATH, ProviderMetadata};
pub use secret::{
    AccessToken, AuthReqId, AuthorizationCode, ClientSecret, PkceVerifier, RawIdToken, RefreshToken,
};
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
