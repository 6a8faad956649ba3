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

mod clock;
mod error;
mod secret;
mod token_source;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::{
    AccountLinkError, CallbackError, CibaError, ClaimsError, Error, JwtError, OAuthErrorCode,
};
pub use secret::{
    AccessToken, AuthReqId, AuthorizationCode, ClientSecret, PkceVerifier, RawIdToken, RefreshToken,
};
pub use token_source::{Audience, BearerToken, BoxFuture, StaticTokenSource, TokenSource};
