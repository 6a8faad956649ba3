//! The crate's error type.

use segur_cda::{BuildError, N3Error, ParseError};

/// Everything that can go wrong in segur-enfant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A structured-content rule of segur-cda (unknown code, bad unit…).
    #[error(transparent)]
    N3(#[from] N3Error),
    /// The header is incomplete or breaks a CI-SIS rule.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The document could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A required item of a volet is missing.
    #[error("{document}: {what} is required")]
    Missing {
        /// The document (`CS8`, `VAC-NOTE`…).
        document: &'static str,
        /// What is missing.
        what: &'static str,
    },
    /// A value breaks a rule of the volet.
    #[error("{document}: {field}: {reason}")]
    Invalid {
        /// The document.
        document: &'static str,
        /// The item.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The child-health documents are shared as structured (N3) documents
    /// only: no N1 twin may be derived or sent.
    #[error("{document} is shared as a structured (N3) document only: it has no N1 twin")]
    N3Only {
        /// The document.
        document: &'static str,
    },
    /// A document of another volet was given.
    #[error("not a {expected} document (templateId {template} missing)")]
    WrongVolet {
        /// The expected volet.
        expected: &'static str,
        /// Its templateId.
        template: &'static str,
    },
    /// An invalid date or age for the examination calendar.
    #[error("calendar: {0}")]
    Calendar(String),
    /// A growth-chart input is invalid (unknown sex, measure outside the
    /// reference's age range…).
    #[error("growth chart: {0}")]
    Growth(String),
    /// The sending configuration or queue failed.
    #[error("sending: {0}")]
    Sending(String),
    /// Recipients of the certificates: a bad department, no PMI address.
    #[error(transparent)]
    Recipients(#[from] crate::recipients::RecipientError),
    /// The send queue (segur-dmp queue store).
    #[error(transparent)]
    Queue(#[from] segur_dmp::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn invalid(
    document: &'static str,
    field: &'static str,
    reason: impl Into<String>,
) -> Error {
    Error::Invalid {
        document,
        field,
        reason: reason.into(),
    }
}
