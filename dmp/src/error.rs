//! The crate's error enum and its families.

use crate::xml::XmlError;

/// Any error of segur-dmp, by family.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed XML (a response, a stored request, a CDA document).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// An XML signature could not be made or did not verify.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Invalid VIHF input.
    #[error(transparent)]
    Vihf(#[from] VihfError),
    /// Malformed MIME multipart (MTOM/XOP) message.
    #[error(transparent)]
    Mime(#[from] MimeError),
    /// The service answered with a SOAP fault.
    #[error("{0}")]
    Fault(crate::soap::SoapFault),
    /// The service answered something this client does not understand.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The patient's consent record refuses the operation (checked before
    /// any message is sent).
    #[error("DMP {} refused by the patient's consent record: {refusal}", operation.as_str())]
    Consent {
        /// The refused operation.
        operation: crate::consent::DmpOperation,
        /// Why.
        refusal: crate::consent::ConsentRefusal,
    },
    /// The local store (queue, consent, history) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The authorisation service refused the request.
    #[error(transparent)]
    Habilitation(#[from] crate::patient::HabilitationRefused),
    /// An XDS registry / repository answered Failure.
    #[error(transparent)]
    Registry(#[from] crate::xds::RegistryFailure),
    /// The audit trail refused a trace (the operation is not performed
    /// without its trace).
    #[error("audit trail: {0}")]
    Audit(segur_ssi::Error),
}

/// Local persistence errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("local database: {0}")]
    Sqlite(String),
    /// A record is missing.
    #[error("not found: {0}")]
    NotFound(String),
    /// A state change that does not apply.
    #[error(transparent)]
    Transition(#[from] crate::queue::InvalidTransition),
    /// A stored payload could not be read back.
    #[error("corrupt stored record: {0}")]
    Corrupt(String),
}

/// A response that does not follow the expected message shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Not a SOAP 1.2 envelope.
    #[error("not a SOAP 1.2 message: {0}")]
    NotSoap(String),
    /// The body is not the expected response.
    #[error("unexpected response: {0}")]
    Unexpected(String),
    /// An HTTP status without a SOAP body.
    #[error("HTTP status {status} without a SOAP response")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
}

/// XML-DSig signing and verification errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `ds:Signature` where one is required.
    #[error("the assertion is not signed")]
    Missing,
    /// The signature structure is not the expected one.
    #[error("malformed XML signature: {0}")]
    Malformed(String),
    /// An algorithm outside the accepted profile (exc-c14n, SHA-256, RSA/ECDSA-SHA256).
    #[error("unsupported signature algorithm or transform: {0}")]
    UnsupportedAlgorithm(String),
    /// The reference does not point at the signed element.
    #[error("signature reference {reference} does not point at the element ID {id}")]
    ReferenceMismatch {
        /// `Reference/@URI`.
        reference: String,
        /// The element's `ID`.
        id: String,
    },
    /// The signed content was modified after signing.
    #[error("digest mismatch: the signed content was modified")]
    DigestMismatch,
    /// The signature value does not verify with the certificate's key.
    #[error("signature value does not verify with the embedded certificate")]
    BadSignature,
    /// The embedded certificate could not be read.
    #[error("signing certificate unreadable: {0}")]
    Certificate(String),
    /// The signer is not trusted.
    #[error("signer not trusted: {0}")]
    Untrusted(String),
    /// The signing key is unusable.
    #[error("signing key: {0}")]
    Key(String),
}

/// Invalid input for a VIHF assertion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VihfError {
    /// A required attribute is missing or empty.
    #[error("VIHF attribute {0} is required")]
    Missing(&'static str),
    /// A value is not acceptable.
    #[error("invalid VIHF {field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Malformed MIME multipart message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MimeError {
    /// The Content-Type is not a usable `multipart/related`.
    #[error("bad multipart Content-Type: {0}")]
    ContentType(String),
    /// The body does not follow the multipart framing.
    #[error("malformed multipart body: {0}")]
    Framing(String),
    /// An `xop:Include` points at a missing part.
    #[error("MTOM part {0} referenced but not present")]
    MissingPart(String),
}
