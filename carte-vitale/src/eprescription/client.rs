//! [`HttpEPrescriptionService`]: the assumed wire format over reqwest.

use std::time::Duration;

use url::Url;

use super::{EPrescriptionService, Registration, Submission, WireSubmission};
use crate::BoxFuture;
use crate::error::EPrescriptionError;
use crate::http::{self, ErrorBody};
use crate::ordonnance::PrescriptionId;

/// The e-prescription service over HTTP(S) (assumed wire format of the
/// [module docs](super)).
#[derive(Debug, Clone)]
pub struct HttpEPrescriptionService {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
}

impl HttpEPrescriptionService {
    /// A client of `base` (`https://…`, or `http://127.0.0.1:…` for the
    /// simulator). `tls` carries the roots and the CPS client certificate
    /// (UNCONFIRMED); `None` is for loopback simulators only. `timeout`
    /// bounds each request.
    pub fn new(
        base: &str,
        tls: Option<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Result<Self, EPrescriptionError> {
        let base = http::endpoint(base).map_err(EPrescriptionError::Config)?;
        if base.scheme() == "https" && tls.is_none() {
            return Err(EPrescriptionError::Config(
                "an https endpoint needs a TLS configuration with its roots".into(),
            ));
        }
        Ok(Self {
            http: http::client(tls, timeout).map_err(EPrescriptionError::Config)?,
            base,
            timeout,
        })
    }

    fn url(&self, id: &PrescriptionId) -> Result<Url, EPrescriptionError> {
        // Identifiers are 0-9 A-Z -: nothing to escape in a path segment.
        self.base
            .join(&format!("v1/prescriptions/{id}"))
            .map_err(|e| EPrescriptionError::Config(e.to_string()))
    }

    fn transport(&self, e: reqwest::Error) -> EPrescriptionError {
        if e.is_timeout() {
            EPrescriptionError::Timeout(self.timeout)
        } else {
            EPrescriptionError::Unavailable(e.without_url().to_string())
        }
    }

    async fn put(&self, s: &Submission) -> Result<Registration, EPrescriptionError> {
        let body = serde_json::to_vec(&WireSubmission::from_submission(s))
            .map_err(|e| EPrescriptionError::Protocol(e.to_string()))?;
        let response = self
            .http
            .put(self.url(&s.id)?)
            .header("content-type", "application/json")
            .header("idempotency-key", s.id.as_str())
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
        match status {
            200 | 201 => {
                let mut r: Registration = serde_json::from_slice(&bytes)
                    .map_err(|e| EPrescriptionError::Protocol(e.to_string()))?;
                if r.id != s.id {
                    return Err(EPrescriptionError::Protocol(format!(
                        "registration of {} for a submission of {}",
                        r.id, s.id
                    )));
                }
                r.already_registered = status == 200;
                Ok(r)
            }
            409 => Err(EPrescriptionError::Conflict {
                id: s.id.to_string(),
            }),
            400..=499 => {
                let e: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
                Err(EPrescriptionError::Rejected {
                    code: if e.code.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        e.code
                    },
                    message: e.message,
                })
            }
            _ => Err(EPrescriptionError::Unavailable(format!("HTTP {status}"))),
        }
    }

    async fn get(&self, id: &PrescriptionId) -> Result<Option<Registration>, EPrescriptionError> {
        let response = self
            .http
            .get(self.url(id)?)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
        match status {
            200 => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| EPrescriptionError::Protocol(e.to_string())),
            404 => Ok(None),
            400..=499 => Err(EPrescriptionError::Protocol(format!("HTTP {status}"))),
            _ => Err(EPrescriptionError::Unavailable(format!("HTTP {status}"))),
        }
    }
}

impl EPrescriptionService for HttpEPrescriptionService {
    fn submit<'a>(
        &'a self,
        submission: &'a Submission,
    ) -> BoxFuture<'a, Result<Registration, EPrescriptionError>> {
        Box::pin(self.put(submission))
    }

    fn status<'a>(
        &'a self,
        id: &'a PrescriptionId,
    ) -> BoxFuture<'a, Result<Option<Registration>, EPrescriptionError>> {
        Box::pin(self.get(id))
    }
}
