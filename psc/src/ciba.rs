//! CIBA poll mode (OpenID Connect Client-Initiated Backchannel Authentication),
//! as a sans-IO state machine: the caller sends the requests it builds and
//! feeds back responses with `now`; it says when to poll next.
//!
//! PSC implements poll mode only; the professional approves on the e-CPS app
//! (`channel=MOBILE`) or with the CPS card through CPS-Gestion (`channel=CARD`).

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use segur_ids::IdNatPs;

use crate::flow::{ClientConfig, HttpRequest, HttpResponse, SCOPE_PSC, TokenResponse, oauth_error};
use crate::provider::ProviderMetadata;
use crate::{AuthReqId, CibaError, Error, OAuthErrorCode};

/// The CIBA grant type.
pub const GRANT_CIBA: &str = "urn:openid:params:grant-type:ciba";

/// Default polling interval when the provider gives none (CIBA §7.3).
const DEFAULT_INTERVAL: Duration = Duration::seconds(5);
/// `slow_down` adds this to the interval (CIBA §11, RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::seconds(5);

/// PSC's `channel` extension: where the professional approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CibaChannel {
    /// The CPx card, through CPS-Gestion.
    Card,
    /// The e-CPS mobile application.
    Mobile,
}

impl CibaChannel {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "CARD",
            Self::Mobile => "MOBILE",
        }
    }
}

/// A backchannel authentication request.
#[derive(Debug, Clone)]
pub struct CibaRequest {
    /// The professional's national identifier (`login_hint`).
    pub login_hint: IdNatPs,
    /// Short code shown on both devices (`binding_message`).
    pub binding_message: Option<String>,
    /// Where to approve.
    pub channel: Option<CibaChannel>,
    /// Scopes (default `openid scope_all`).
    pub scope: String,
    /// `acr_values` (default `eidas1`).
    pub acr_values: Option<String>,
}

impl CibaRequest {
    /// A request for `login_hint` with PSC's defaults.
    pub fn new(login_hint: IdNatPs) -> Self {
        Self {
            login_hint,
            binding_message: None,
            channel: None,
            scope: SCOPE_PSC.to_owned(),
            acr_values: Some(crate::verify::ACR_EIDAS1.to_owned()),
        }
    }

    /// Sets the binding message.
    pub fn binding_message(mut self, message: impl Into<String>) -> Self {
        self.binding_message = Some(message.into());
        self
    }

    /// Sets the channel.
    pub fn channel(mut self, channel: CibaChannel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// The POST to the backchannel authentication endpoint.
    pub fn to_http(
        &self,
        metadata: &ProviderMetadata,
        client: &ClientConfig,
    ) -> Result<HttpRequest, Error> {
        let url = metadata
            .ciba_endpoint_for(client.is_mtls())
            .ok_or_else(|| {
                Error::Config("the provider has no backchannel_authentication_endpoint".into())
            })?;
        let mut form = vec![
            ("scope", self.scope.clone()),
            ("login_hint", self.login_hint.to_string()),
        ];
        if let Some(acr) = &self.acr_values {
            form.push(("acr_values", acr.clone()));
        }
        if let Some(m) = &self.binding_message {
            form.push(("binding_message", m.clone()));
        }
        if let Some(c) = self.channel {
            form.push(("channel", c.as_str().to_owned()));
        }
        Ok(client.post_form(url, form))
    }
}

/// What a poll response means.
#[derive(Debug)]
pub enum CibaStep {
    /// Not yet: poll again at `next_poll_at`.
    Pending {
        /// When to poll next.
        next_poll_at: OffsetDateTime,
    },
    /// Approved: the tokens (verify the ID token before use).
    Approved(Box<TokenResponse>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Polling,
    Done,
}

/// A CIBA authentication being polled.
#[derive(Debug)]
pub struct CibaPoller {
    auth_req_id: AuthReqId,
    interval: Duration,
    expires_at: OffsetDateTime,
    next_poll_at: OffsetDateTime,
    phase: Phase,
}

impl CibaPoller {
    /// Reads the acknowledgement of the backchannel authentication request.
    pub fn from_ack(response: &HttpResponse, now: OffsetDateTime) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Ack {
            auth_req_id: AuthReqId,
            expires_in: i64,
            #[serde(default)]
            interval: Option<i64>,
        }
        if !(200..300).contains(&response.status) {
            return Err(oauth_error("backchannel_authentication", response));
        }
        let ack: Ack = serde_json::from_slice(&response.body)
            .map_err(|e| Error::invalid_response("backchannel_authentication", e.to_string()))?;
        if ack.expires_in <= 0 {
            return Err(Error::invalid_response(
                "backchannel_authentication",
                "expires_in must be positive",
            ));
        }
        let interval = ack
            .interval
            .map(|s| Duration::seconds(s.max(0)))
            .unwrap_or(DEFAULT_INTERVAL);
        Ok(Self {
            auth_req_id: ack.auth_req_id,
            interval,
            expires_at: now + Duration::seconds(ack.expires_in),
            next_poll_at: now + interval,
            phase: Phase::Polling,
        })
    }

    /// When to send the next poll (never earlier).
    pub fn next_poll_at(&self) -> OffsetDateTime {
        self.next_poll_at
    }

    /// The current interval (grows on `slow_down`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the request expires.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// Whether the request finished (tokens, denial, expiry, cancellation).
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The token request to send, or the reason not to poll any more
    /// ([`CibaError::Expired`] once `expires_in` has elapsed).
    pub fn poll_request(
        &mut self,
        metadata: &ProviderMetadata,
        client: &ClientConfig,
        now: OffsetDateTime,
    ) -> Result<HttpRequest, Error> {
        if self.phase == Phase::Done {
            return Err(CibaError::Finished.into());
        }
        if now >= self.expires_at {
            self.phase = Phase::Done;
            return Err(CibaError::Expired.into());
        }
        Ok(client.post_form(
            metadata.token_endpoint_for(client.is_mtls()),
            vec![
                ("grant_type", GRANT_CIBA.to_owned()),
                ("auth_req_id", self.auth_req_id.secret().to_owned()),
            ],
        ))
    }

    /// Feeds the token endpoint's answer to a poll.
    pub fn handle_response(
        &mut self,
        response: &HttpResponse,
        now: OffsetDateTime,
    ) -> Result<CibaStep, Error> {
        if self.phase == Phase::Done {
            return Err(CibaError::Finished.into());
        }
        match TokenResponse::parse("token", response) {
            Ok(tokens) => {
                self.phase = Phase::Done;
                Ok(CibaStep::Approved(Box::new(tokens)))
            }
            Err(Error::OAuth {
                error: OAuthErrorCode::AuthorizationPending,
                ..
            }) => self.schedule(now),
            Err(Error::OAuth {
                error: OAuthErrorCode::SlowDown,
                ..
            }) => {
                self.interval += SLOW_DOWN_STEP;
                self.schedule(now)
            }
            Err(Error::OAuth {
                error: OAuthErrorCode::ExpiredToken,
                ..
            }) => {
                self.phase = Phase::Done;
                Err(CibaError::Expired.into())
            }
            Err(Error::OAuth {
                error: OAuthErrorCode::AccessDenied,
                ..
            }) => {
                self.phase = Phase::Done;
                Err(CibaError::AccessDenied.into())
            }
            Err(other) => {
                // invalid_grant, invalid_client… are final; transport-like
                // server errors leave the request pollable.
                if !other.is_transient() {
                    self.phase = Phase::Done;
                }
                Err(other)
            }
        }
    }

    /// Marks the request cancelled (the caller stops polling).
    pub fn cancel(&mut self) -> CibaError {
        self.phase = Phase::Done;
        CibaError::Cancelled
    }

    fn schedule(&mut self, now: OffsetDateTime) -> Result<CibaStep, Error> {
        self.next_poll_at = now + self.interval;
        if self.next_poll_at >= self.expires_at && now >= self.expires_at {
            self.phase = Phase::Done;
            return Err(CibaError::Expired.into());
        }
        Ok(CibaStep::Pending {
            next_poll_at: self.next_poll_at,
        })
    }
}

#[cfg(test)]
mod tests;
