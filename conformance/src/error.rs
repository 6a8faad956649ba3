//! The crate's error type.
//!
//! These are errors of the *engine*: a scenario registered with an unknown
//! requirement id, an unreadable evidence config, a report that cannot be
//! written. A scenario that does not pass is not an error: it is a
//! [`Failure`](crate::Failure) recorded in the report.

use std::path::PathBuf;

/// Errors of the conformance engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A requirement id that is not in the catalogue.
    #[error("unknown REM requirement id `{0}` (`segur conformance list` shows the 129 ids)")]
    UnknownRequirement(String),
    /// A theme code that is not one of the catalogue's.
    #[error("unknown theme `{0}` (expected INS, DOC, DMP, MSS, PSC, SOCLE, SSI or ENFANT)")]
    UnknownTheme(String),
    /// A profile name that is not one of the DSR's.
    #[error(
        "unknown profile `{0}` (expected general, medecin-traitant, suivi-enfant, centre-sante or connexion-psc-ciba)"
    )]
    UnknownProfile(String),
    /// A scenario, group or suite could not be registered.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The editor's evidence configuration is invalid.
    #[error(transparent)]
    EvidenceConfig(#[from] EvidenceConfigError),
    /// A JSON report could not be read back.
    #[error("invalid JSON report: {0}")]
    Report(String),
    /// The evidence pack directory already holds files.
    #[error(
        "evidence pack directory {0} is not empty (a pack is written into a new or empty directory)"
    )]
    PackDirNotEmpty(PathBuf),
    /// A file or directory could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was attempted (`read`, `write`, `create directory`…).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The async runtime for a blocking run could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Why a scenario, group or suite was refused at registration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// An id segment does not follow the `[a-z0-9][a-z0-9-]*` rule.
    #[error("invalid {what} id `{id}`: {reason}")]
    InvalidId {
        /// `suite`, `group` or `scenario`.
        what: &'static str,
        /// The id as given.
        id: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The same id was registered twice.
    #[error("{what} `{id}` is registered twice")]
    Duplicate {
        /// `suite`, `group` or `scenario`.
        what: &'static str,
        /// The full id.
        id: String,
    },
    /// A scenario names no requirement.
    #[error("scenario `{0}` is tagged with no requirement id (every scenario proves at least one)")]
    NoRequirement(String),
    /// A scenario names a requirement that is not in the catalogue.
    #[error("scenario `{scenario}` is tagged with unknown requirement id `{requirement}`")]
    UnknownRequirement {
        /// The full scenario id.
        scenario: String,
        /// The unknown requirement id.
        requirement: String,
    },
}

/// Why the editor's evidence configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceConfigError {
    /// The file is not valid JSON for the documented schema.
    #[error("{}: invalid evidence config: {message}", path.display())]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// `schema_version` is not one this crate reads.
    #[error("{}: evidence config schema_version {found} is not supported (expected 1)", path.display())]
    UnsupportedVersion {
        /// The config file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A requirement id that is not in the catalogue.
    #[error("{}: unknown REM requirement id `{id}`", path.display())]
    UnknownRequirement {
        /// The config file.
        path: PathBuf,
        /// The unknown id.
        id: String,
    },
    /// An evidence entry with an empty path.
    #[error("{}: empty evidence path for `{id}`", path.display())]
    EmptyPath {
        /// The config file.
        path: PathBuf,
        /// The requirement id of the entry.
        id: String,
    },
}
