//! [`TokenSource`]: the one trait through which segur-ins (INSi), segur-dmp and
//! segur-mss obtain a bearer token for a national service, without knowing how
//! the professional authenticated (authorization code, CIBA, card) nor when the
//! token must be refreshed or exchanged.
//!
//! ```
//! use std::sync::Arc;
//! use segur_psc::{AccessToken, Audience, StaticTokenSource, TokenSource};
//!
//! # fn main() -> Result<(), segur_psc::Error> {
//! let source: Arc<dyn TokenSource> = Arc::new(
//!     StaticTokenSource::new().with(Audience::Dmp, AccessToken::new("dmp-token")),
//! );
//! # let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
//! let token = rt.block_on(source.token(&Audience::Dmp))?;
//! assert_eq!(token.authorization_header(), "Bearer dmp-token");
//! assert!(format!("{token:?}").contains("[redacted]"));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

use crate::{AccessToken, Error};

/// A boxed, `Send` future, so that [`TokenSource`] stays object-safe
/// (`Arc<dyn TokenSource>`) without the `async-trait` crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The service a token is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Audience {
    /// Pro Santé Connect itself (the PSC access token, e.g. for userinfo).
    ProSanteConnect,
    /// The INSi teleservice (INS lookup).
    Insi,
    /// The DMP / Mon espace santé.
    Dmp,
    /// MSSanté (XOAUTH2 on IMAP/SMTP, operator APIs).
    MsSante,
    /// Any other "API Pro Santé Connectée", by a name chosen by the integrator.
    Other(String),
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProSanteConnect => f.write_str("psc"),
            Self::Insi => f.write_str("insi"),
            Self::Dmp => f.write_str("dmp"),
            Self::MsSante => f.write_str("mssante"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// A bearer token for one audience, with its expiry when known.
///
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct BearerToken {
    token: AccessToken,
    audience: Audience,
    expires_at: Option<OffsetDateTime>,
}

impl BearerToken {
    /// A bearer token.
    pub fn new(token: AccessToken, audience: Audience, expires_at: Option<OffsetDateTime>) -> Self {
        Self {
            token,
            audience,
            expires_at,
        }
    }

    /// The access token (secret).
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// The audience it was obtained for.
    pub fn audience(&self) -> &Audience {
        &self.audience
    }

    /// When it expires, if the provider said.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }

    /// The value of an HTTP `Authorization` header: `Bearer <token>`. Secret.
    pub fn authorization_header(&self) -> String {
        format!("Bearer {}", self.token.secret())
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &self.token)
            .field("audience", &self.audience)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Gives a valid bearer token for a service, refreshing or exchanging tokens as
/// needed. Object-safe: use it as `Arc<dyn TokenSource>`.
///
/// Implementations must return a token that is valid for at least a few
/// seconds, must never log it, and return [`Error::ReauthenticationRequired`]
/// when the professional has to log in again.
pub trait TokenSource: Send + Sync {
    /// A bearer token for `audience`.
    fn token<'a>(&'a self, audience: &'a Audience) -> BoxFuture<'a, Result<BearerToken, Error>>;
}

impl<T: TokenSource + ?Sized> TokenSource for std::sync::Arc<T> {
    fn token<'a>(&'a self, audience: &'a Audience) -> BoxFuture<'a, Result<BearerToken, Error>> {
        (**self).token(audience)
    }
}

impl<T: TokenSource + ?Sized> TokenSource for Box<T> {
    fn token<'a>(&'a self, audience: &'a Audience) -> BoxFuture<'a, Result<BearerToken, Error>> {
        (**self).token(audience)
    }
}

/// A fixed set of tokens, for tests and for tools given a token on the command
/// line. Returns [`Error::NoToken`] for an audience it has no token for.
#[derive(Debug, Clone, Default)]
pub struct StaticTokenSource {
    tokens: HashMap<Audience, AccessToken>,
    fallback: Option<AccessToken>,
}

impl StaticTokenSource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// A source answering `token` for every audience.
    pub fn for_all(token: AccessToken) -> Self {
        Self {
            tokens: HashMap::new(),
            fallback: Some(token),
        }
    }

    /// Adds the token for one audience.
    pub fn with(mut self, audience: Audience, token: AccessToken) -> Self {
        self.tokens.insert(audience, token);
        self
    }
}

impl TokenSource for StaticTokenSource {
    fn token<'a>(&'a self, audience: &'a Audience) -> BoxFuture<'a, Result<BearerToken, Error>> {
        let found = self
            .tokens
            .get(audience)
            .or(self.fallback.as_ref())
            .cloned()
            .map(|t| BearerToken::new(t, audience.clone(), None))
            .ok_or_else(|| Error::NoToken(audience.clone()));
        Box::pin(std::future::ready(found))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        // The static source's future is ready at once: poll it with a no-op waker.
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("static token source must be ready"),
        }
    }

    #[test]
    fn static_source_is_object_safe_and_per_audience() {
        let src: Arc<dyn TokenSource> =
            Arc::new(StaticTokenSource::new().with(Audience::Insi, AccessToken::new("insi-tok")));
        let t = block_on(src.token(&Audience::Insi)).expect("token for INSi");
        assert_eq!(t.access_token().secret(), "insi-tok");
        assert_eq!(t.audience(), &Audience::Insi);
        let err = block_on(src.token(&Audience::Dmp)).expect_err("no DMP token");
        assert!(matches!(err, Error::NoToken(Audience::Dmp)));
    }

    #[test]
    fn fallback_and_redaction() {
        let src = StaticTokenSource::for_all(AccessToken::new("tok-123"));
        let t = block_on(src.token(&Audience::Other("x".into()))).expect("fallback");
        assert_eq!(t.authorization_header(), "Bearer tok-123");
        assert!(!format!("{t:?}").contains("tok-123"));
        assert!(!format!("{src:?}").contains("tok-123"));
    }
}
