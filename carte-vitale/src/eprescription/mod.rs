//! The e-prescription service ("base ordonnance numérique" of the Assurance
//! Maladie): registering a prescription under its identifier.
//!
//! The service contract (CNAM *cahier des charges e-prescription*) is not
//! public (UNCONFIRMED): [`EPrescriptionService`] is the seam a host or a
//! future integration fills. [`HttpEPrescriptionService`] (feature `client`)
//! speaks the assumed wire format below, served by
//! [`crate::sim::EPrescriptionSimulator`] (feature `sim`).
//!
//! # Assumed wire format (UNCONFIRMED)
//!
//! - `PUT {base}/v1/prescriptions/{id}` with headers `Idempotency-Key: {id}`
//!   and `Content-Type: application/json`, body
//!   `{"id", "kind", "prescriber_rpps", "issued_at" (RFC 3339),
//!   "content_sha256" (hex), "document" (base64 of the CDA XML)}`.
//!   - `201` `{"id", "registered_at", "receipt"}`: registered;
//!   - `200` same body: already registered with the same content (a retry:
//!     nothing is created twice);
//!   - `409 {"code": "CONFLICT", "message"}`: the id is registered with
//!     another content;
//!   - other `4xx {"code", "message"}`: refused;
//!   - `5xx`: unavailable, retry later.
//! - `GET {base}/v1/prescriptions/{id}`: `200` registration, `404` unknown.
//!
//! PUT on the identifier makes every submission idempotent: a retried
//! submission after a lost answer never registers a prescription twice.
//! Authentication (CPS client certificate, Pro Santé Connect later) goes in
//! the TLS configuration given to the client.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::BoxFuture;
use crate::error::EPrescriptionError;
use crate::ordonnance::{PrescriptionId, PrescriptionKind};

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
pub use client::HttpEPrescriptionService;

/// What is sent to the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The prescription identifier (also the idempotency key).
    pub id: PrescriptionId,
    /// What is prescribed.
    pub kind: PrescriptionKind,
    /// The prescriber.
    pub prescriber: segur_ids::Rpps,
    /// When it was written.
    pub issued_at: OffsetDateTime,
    /// The CDA XML of the prescription (without the printed code).
    pub document: Vec<u8>,
}

impl Submission {
    /// SHA-256 of the document, hex: the service compares it on a retry.
    pub fn content_sha256(&self) -> String {
        hex(&Sha256::digest(&self.document))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The service's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    /// The identifier registered.
    pub id: PrescriptionId,
    /// When the service registered it.
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    /// The service's receipt.
    pub receipt: String,
    /// Whether it was already registered (a retry).
    #[serde(default)]
    pub already_registered: bool,
}

/// The e-prescription service.
pub trait EPrescriptionService: Send + Sync {
    /// Registers a prescription (idempotent on its identifier). Classify
    /// every failure; never hang forever (the "envoi en Y" also applies its
    /// own deadline).
    fn submit<'a>(
        &'a self,
        submission: &'a Submission,
    ) -> BoxFuture<'a, Result<Registration, EPrescriptionError>>;

    /// The registration of an identifier, if any (to reconcile after a
    /// submission whose answer was lost).
    fn status<'a>(
        &'a self,
        id: &'a PrescriptionId,
    ) -> BoxFuture<'a, Result<Option<Registration>, EPrescriptionError>>;
}

/// The JSON body of a submission (wire format above).
#[cfg(any(feature = "client", feature = "sim"))]
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireSubmission {
    pub(crate) id: PrescriptionId,
    pub(crate) kind: PrescriptionKind,
    pub(crate) prescriber_rpps: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) issued_at: OffsetDateTime,
    pub(crate) content_sha256: String,
    pub(crate) document: String,
}

// Only the client sends submissions; the simulator only reads them.
#[cfg(feature = "client")]
impl WireSubmission {
    pub(crate) fn from_submission(s: &Submission) -> Self {
        use base64::Engine;
        Self {
            id: s.id.clone(),
            kind: s.kind,
            prescriber_rpps: s.prescriber.to_string(),
            issued_at: s.issued_at,
            content_sha256: s.content_sha256(),
            document: base64::engine::general_purpose::STANDARD.encode(&s.document),
        }
    }
}
