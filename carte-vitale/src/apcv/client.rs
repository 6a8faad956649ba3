//! [`HttpApcvService`]: the apCV exchange over the assumed HTTP wire format.

use std::time::Duration;

use url::Url;

use super::{ApcvRequest, ApcvService};
use crate::BoxFuture;
use crate::error::ApcvError;
use crate::http::{self, ErrorBody};
use crate::vitale::{ApcvChannel, VitaleRead};

/// The apCV exchange over HTTP(S), per the assumed wire format of the
/// [module docs](super).
#[derive(Debug, Clone)]
pub struct HttpApcvService {
    http: reqwest::Client,
    base: Url,
}

impl HttpApcvService {
    /// A client of `base` (`https://…`, or `http://127.0.0.1:…` for the
    /// simulator). `tls` carries the roots and the client certificate the
    /// real service will require (UNCONFIRMED); `None` is for loopback
    /// simulators only.
    pub fn new(
        base: &str,
        tls: Option<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Result<Self, ApcvError> {
        let base = http::endpoint(base).map_err(ApcvError::Unavailable)?;
        if base.scheme() == "https" && tls.is_none() {
            return Err(ApcvError::Unavailable(
                "an https endpoint needs a TLS configuration with its roots".into(),
            ));
        }
        Ok(Self {
            http: http::client(tls, timeout).map_err(ApcvError::Unavailable)?,
            base,
        })
    }

    async fn exchange(&self, request: &ApcvRequest) -> Result<VitaleRead, ApcvError> {
        let url = self
            .base
            .join("v1/identifications")
            .map_err(|e| ApcvError::Unavailable(e.to_string()))?;
        let channel = match request.channel {
            ApcvChannel::QrCode => "qr_code",
            ApcvChannel::Nfc => "nfc",
        };
        let body = serde_json::json!({ "token": request.token.secret(), "channel": channel });
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| ApcvError::Unavailable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ApcvError::Unavailable(e.without_url().to_string()))?;
        match status {
            200 => serde_json::from_slice(&bytes).map_err(|e| ApcvError::Answer(e.to_string())),
            410 => {
                let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
                Err(if e.code == "USED" {
                    ApcvError::AlreadyUsed
                } else {
                    ApcvError::Expired
                })
            }
            400..=499 => {
                let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
                Err(ApcvError::Refused {
                    code: if e.code.is_empty() {
                        status.to_string()
                    } else {
                        e.code
                    },
                    message: e.message,
                })
            }
            _ => Err(ApcvError::Unavailable(format!("HTTP {status}"))),
        }
    }
}

impl ApcvService for HttpApcvService {
    fn identify<'a>(
        &'a self,
        request: &'a ApcvRequest,
    ) -> BoxFuture<'a, Result<VitaleRead, ApcvError>> {
        Box::pin(self.exchange(request))
    }
}
