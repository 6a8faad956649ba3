//! [`PscSession`]: a logged-in professional's tokens, kept fresh, as a
//! [`TokenSource`] for the other service crates.

use std::collections::HashMap;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use url::Url;

use crate::client::{HttpShell, PscClient, PscLogin};
use crate::flow::{ClientConfig, TokenExchangeRequest, TokenResponse};
use crate::token_source::{Audience, BearerToken, BoxFuture, TokenSource};
use crate::verify::VerifiedIdToken;
use crate::{AccessToken, Error, OAuthErrorCode, RefreshToken};

/// How to obtain a service token by RFC 8693 token exchange (SC.PSC.08).
#[derive(Debug, Clone)]
pub struct ServiceExchange {
    token_endpoint: Url,
    request: TokenExchangeRequest,
    custom: Option<(ClientConfig, HttpShell)>,
}

impl ServiceExchange {
    /// Exchange at `token_endpoint` using the PSC client's own credentials and TLS.
    pub fn new(token_endpoint: Url, request: TokenExchangeRequest) -> Self {
        Self {
            token_endpoint,
            request,
            custom: None,
        }
    }

    /// Exchange with other credentials and TLS (the structure's IGC-Santé
    /// ORG AUTH_CLI certificate for an mTLS-only service authorization server).
    pub fn with_client(
        mut self,
        client: ClientConfig,
        tls: rustls::ClientConfig,
    ) -> Result<Self, Error> {
        self.custom = Some((
            client,
            HttpShell::new(tls, std::time::Duration::from_secs(30))?,
        ));
        Ok(self)
    }
}

#[derive(Debug)]
struct CachedToken {
    token: AccessToken,
    expires_at: Option<OffsetDateTime>,
}

#[derive(Debug)]
struct SessionState {
    access: CachedToken,
    refresh: Option<RefreshToken>,
    refresh_expires_at: Option<OffsetDateTime>,
    id_token: VerifiedIdToken,
    services: HashMap<Audience, CachedToken>,
}

/// The tokens of a logged-in professional, refreshed before they expire
/// (PSC access tokens live 2 minutes, refresh tokens 30), and exchanged for
/// service tokens on demand. Never logs a token.
#[derive(Debug)]
pub struct PscSession {
    client: Arc<PscClient>,
    state: tokio::sync::Mutex<SessionState>,
    exchanges: HashMap<Audience, ServiceExchange>,
    margin: Duration,
}

impl PscSession {
    /// A session from a login.
    pub fn new(client: Arc<PscClient>, login: PscLogin) -> Self {
        let PscLogin {
            id_token,
            tokens,
            received_at,
        } = login;
        Self {
            client,
            state: tokio::sync::Mutex::new(SessionState {
                access: CachedToken {
                    expires_at: tokens.expires_at(received_at),
                    token: tokens.access_token.clone(),
                },
                refresh_expires_at: tokens.refresh_expires_at(received_at),
                refresh: tokens.refresh_token,
                id_token,
                services: HashMap::new(),
            }),
            exchanges: HashMap::new(),
            margin: Duration::seconds(30),
        }
    }

    /// Refresh tokens this long before they expire (default 30 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Serves `audience` by token exchange.
    pub fn with_exchange(mut self, audience: Audience, exchange: ServiceExchange) -> Self {
        self.exchanges.insert(audience, exchange);
        self
    }

    /// The current verified ID token (for logout or silent re-authentication).
    pub async fn id_token(&self) -> VerifiedIdToken {
        self.state.lock().await.id_token.clone()
    }

    /// Logs out at PSC: revokes the refresh token (RFC 7009, best effort),
    /// ends the session (server-side `end_session`) and forgets every token.
    /// Exchanged service tokens are forgotten here; they expire at their
    /// service (no revocation endpoint is known for them).
    pub async fn logout(&self) -> Result<(), Error> {
        let mut state = self.state.lock().await;
        if let Some(refresh) = &state.refresh {
            if let Err(e) = self.client.revoke(refresh.secret(), "refresh_token").await {
                tracing::warn!(error = %e, "refresh token revocation failed");
            }
        }
        let result = self.client.logout(&state.id_token).await;
        state.refresh = None;
        state.access.expires_at = Some(OffsetDateTime::UNIX_EPOCH);
        state.services.clear();
        result
    }

    fn fresh(&self, t: &CachedToken, now: OffsetDateTime) -> bool {
        t.expires_at.is_none_or(|exp| exp - self.margin > now)
    }

    async fn psc_access_token(&self, state: &mut SessionState) -> Result<CachedToken, Error> {
        let now = self.client.clock().now();
        if self.fresh(&state.access, now) {
            return Ok(CachedToken {
                token: state.access.token.clone(),
                expires_at: state.access.expires_at,
            });
        }
        let refresh = match &state.refresh {
            Some(r) if state.refresh_expires_at.is_none_or(|exp| exp > now) => r.clone(),
            _ => return Err(Error::ReauthenticationRequired),
        };
        tracing::debug!("refreshing the PSC access token");
        let (tokens, id) = match self.client.refresh(&refresh).await {
            Ok(ok) => ok,
            Err(Error::OAuth {
                error: OAuthErrorCode::InvalidGrant,
                ..
            }) => {
                state.refresh = None;
                return Err(Error::ReauthenticationRequired);
            }
            Err(e) => return Err(e),
        };
        let received_at = self.client.clock().now();
        apply_refresh(state, tokens, id, received_at);
        Ok(CachedToken {
            token: state.access.token.clone(),
            expires_at: state.access.expires_at,
        })
    }
}

fn apply_refresh(
    state: &mut SessionState,
    tokens: TokenResponse,
    id: Option<VerifiedIdToken>,
    received_at: OffsetDateTime,
) {
    state.access = CachedToken {
        expires_at: tokens.expires_at(received_at),
        token: tokens.access_token.clone(),
    };
    if let Some(r) = tokens.refresh_token.clone() {
        state.refresh = Some(r);
        state.refresh_expires_at = tokens.refresh_expires_at(received_at);
    }
    if let Some(id) = id {
        state.id_token = id;
    }
}

impl TokenSource for PscSession {
    fn token<'a>(&'a self, audience: &'a Audience) -> BoxFuture<'a, Result<BearerToken, Error>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if *audience == Audience::ProSanteConnect {
                let t = self.psc_access_token(&mut state).await?;
                return Ok(BearerToken::new(t.token, audience.clone(), t.expires_at));
            }
            let exchange = self
                .exchanges
                .get(audience)
                .ok_or_else(|| Error::NoToken(audience.clone()))?;
            let now = self.client.clock().now();
            if let Some(t) = state.services.get(audience) {
                if self.fresh(t, now) {
                    return Ok(BearerToken::new(
                        t.token.clone(),
                        audience.clone(),
                        t.expires_at,
                    ));
                }
            }
            let subject = self.psc_access_token(&mut state).await?;
            tracing::debug!(%audience, "token exchange");
            let tokens = match &exchange.custom {
                Some((client, shell)) => {
                    let resp = shell
                        .send(exchange.request.to_http(
                            &exchange.token_endpoint,
                            client,
                            &subject.token,
                        ))
                        .await?;
                    TokenResponse::parse("token_exchange", &resp)?
                }
                None => {
                    self.client
                        .token_exchange(&exchange.token_endpoint, &exchange.request, &subject.token)
                        .await?
                }
            };
            let received_at = self.client.clock().now();
            let cached = CachedToken {
                expires_at: tokens.expires_at(received_at),
                token: tokens.access_token.clone(),
            };
            let out = BearerToken::new(cached.token.clone(), audience.clone(), cached.expires_at);
            state.services.insert(audience.clone(), cached);
            Ok(out)
        })
    }
}
