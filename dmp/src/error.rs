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
    /// A CDA document could not be read, or its XDS metadata derived
    /// (segur-cda).
    #[error(transparent)]
    Cda(segur_cda::Error),
    /// The documents of a feed do not make one valid submission.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// The DMP could not be reached, or the exchange broke.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// No bearer token for the DMP (Pro Santé Connect session missing or
    /// expired).
    #[error("no token for the DMP: {0}")]
    Token(segur_psc::Error),
    /// The VIHF could not be produced (no card, signing key unavailable).
    #[error("cannot produce the VIHF: {0}")]
    Credentials(String),
    /// A right on documents refused the operation (author-only deletion,
    /// imaging manifests). Checked before any message is sent, and traced.
    #[error(transparent)]
    Rights(#[from] crate::rights::RightsError),
    /// An imaging manifest (KOS) given by the host is not valid.
    #[error(transparent)]
    Kos(#[from] crate::rights::KosError),
    /// The antivirus refused a received document, or could not scan it
    /// (fail-closed: the document is not handed over).
    #[error("antivirus: {0}")]
    Antivirus(segur_ssi::Error),
    /// The document is not in the patient's DMP (or not visible to the user).
    #[error("document {0} not found in the DMP")]
    NotFound(String),
    /// This authentication mode cannot consult documents (indirect mode
    /// without strong authentication: use Pro Santé Connect / a CPS card).
    #[error("the {0} authentication mode does not allow consulting DMP documents")]
    ConsultationNotAllowed(&'static str),
}

impl From<segur_cda::Error> for Error {
    fn from(e: segur_cda::Error) -> Self {
        Self::Cda(e)
    }
}

impl Error {
    /// Whether trying again later may succeed without anything changed by
    /// the user (network, service unavailable, missing card or token).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Token(_) | Self::Credentials(_) => true,
            Self::Fault(f) => f.is_receiver(),
            Self::Protocol(ProtocolError::HttpStatus { status }) => {
                *status >= 500 || *status == 429
            }
            Self::Store(_) => true,
            _ => false,
        }
    }

    /// Whether the request may have reached the DMP and been applied
    /// although no answer was read (a resend must check first).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Transport(t) => t.may_have_reached_service(),
            Self::Fault(f) => f.is_receiver(),
            // 503: the service refused to process the request.
            Self::Protocol(ProtocolError::HttpStatus { status }) => {
                *status >= 500 && *status != 503
            }
            Self::Protocol(_) | Self::Xml(_) | Self::Mime(_) => true,
            _ => false,
        }
    }
}

/// The documents of a feed do not make one valid submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// Nothing to send.
    #[error("a feed needs at least one document")]
    Empty,
    /// A submission concerns one patient.
    #[error("documents of different patients in one submission ({first} and {other})")]
    MixedPatients {
        /// The first patient id.
        first: String,
        /// Another one.
        other: String,
    },
    /// Twice the same document.
    #[error("document {0} twice in one submission")]
    DuplicateUniqueId(String),
    /// The patient id of the metadata is not a usable INS.
    #[error("patient id of the metadata: {0}")]
    PatientId(String),
    /// A new version replaces a version that is not in the DMP.
    #[error("the version replaced ({0}) is not in the patient's DMP")]
    ReplacedNotFound(String),
}

/// What went wrong on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection (DNS, refused, TLS handshake): nothing was sent.
    Connect,
    /// No answer in time: the request may have been applied.
    Timeout,
    /// The connection broke during the exchange: the request may have been
    /// applied.
    Io,
}

/// The DMP could not be reached, or the exchange broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DMP {url}: {message}")]
pub struct TransportError {
    /// What happened.
    pub kind: TransportErrorKind,
    /// The service URL.
    pub url: String,
    /// The underlying message.
    pub message: String,
}

impl TransportError {
    /// Whether the request may have been received and applied.
    pub fn may_have_reached_service(&self) -> bool {
        self.kind != TransportErrorKind::Connect
    }
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
