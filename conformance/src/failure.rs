//! What a scenario returns when it does not pass.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::host::HostError;

/// The result type of a scenario (and of its steps).
pub type ScenarioResult<T = ()> = Result<T, Failure>;

/// Why a scenario (or one of its steps) did not pass.
///
/// The message is what the editor reads in the console, the JUnit file and
/// the HTML report: say what was expected and what was observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    kind: FailureKind,
    message: String,
}

/// The family of a [`Failure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// The host's observable behaviour differs from the requirement.
    Check,
    /// The host adapter returned an error.
    Host,
    /// A simulated national service could not be started or misbehaved.
    Service,
    /// The scenario cannot run here: the host does not implement a needed
    /// capability, or the editor declared no evidence. Counts as not passed,
    /// but does not fail the run.
    NotApplicable,
    /// The scenario did not finish within its timeout.
    Timeout,
    /// The scenario panicked (caught by the runner).
    Panic,
    /// A fault of the conformance engine itself.
    Internal,
}

impl FailureKind {
    /// The snake_case name used in reports (`not_applicable`).
    pub const fn as_str(self) -> &'static str {
        match self {
            FailureKind::Check => "check",
            FailureKind::Host => "host",
            FailureKind::Service => "service",
            FailureKind::NotApplicable => "not_applicable",
            FailureKind::Timeout => "timeout",
            FailureKind::Panic => "panic",
            FailureKind::Internal => "internal",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Failure {
    /// A failure of the given kind.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }

    /// The host does not behave as the requirement asks.
    pub fn check(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Check, message)
    }

    /// The host adapter failed.
    pub fn host(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Host, message)
    }

    /// A simulated service failed.
    pub fn service(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Service, message)
    }

    /// A fault of the scenario or the engine itself (e.g. a fixture that
    /// does not build).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Internal, message)
    }

    /// The scenario cannot run here, for the given reason.
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::new(FailureKind::NotApplicable, reason)
    }

    /// The host adapter does not provide `capability` (e.g. `"patient files"`).
    pub fn not_implemented_by_host(capability: &str) -> Self {
        Self::not_applicable(format!("not implemented by the host: {capability}"))
    }

    /// Its family.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with some context (`"step 2: …"`).
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// Whether it only means "could not run here".
    pub fn is_not_applicable(&self) -> bool {
        self.kind == FailureKind::NotApplicable
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Failure {}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        match e {
            HostError::NotImplemented(what) => Failure::not_implemented_by_host(&what),
            other => Failure::host(other.to_string()),
        }
    }
}

/// Fails with a [`FailureKind::Check`] carrying `message` unless `condition` holds.
///
/// ```
/// use segur_conformance::ensure;
/// assert!(ensure(1 + 1 == 2, "arithmetic").is_ok());
/// assert_eq!(ensure(false, "the DMP received no submission").unwrap_err().message(),
///            "the DMP received no submission");
/// ```
pub fn ensure(condition: bool, message: impl Into<String>) -> ScenarioResult {
    if condition {
        Ok(())
    } else {
        Err(Failure::check(message))
    }
}

/// Fails with a [`FailureKind::Check`] unless `actual == expected`, with a
/// message naming `what` and both values.
///
/// ```
/// use segur_conformance::ensure_eq;
/// let e = ensure_eq("submissions received by the DMP", 1, 2).unwrap_err();
/// assert_eq!(e.message(), "submissions received by the DMP: expected 1, got 2");
/// ```
pub fn ensure_eq<T: PartialEq + fmt::Debug>(what: &str, expected: T, actual: T) -> ScenarioResult {
    if actual == expected {
        Ok(())
    } else {
        Err(Failure::check(format!(
            "{what}: expected {expected:?}, got {actual:?}"
        )))
    }
}

/// Turns any displayable error into a [`Failure`] with context.
///
/// ```
/// use segur_conformance::OrFail;
/// let r: Result<u8, std::num::ParseIntError> = "x".parse();
/// let e = r.or_fail("parse the DMP answer").unwrap_err();
/// assert!(e.message().starts_with("parse the DMP answer: "));
/// ```
pub trait OrFail<T> {
    /// Maps the error to a [`FailureKind::Check`] failure `"{what}: {error}"`.
    fn or_fail(self, what: &str) -> ScenarioResult<T>;
}

impl<T, E: fmt::Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> ScenarioResult<T> {
        self.map_err(|e| Failure::check(format!("{what}: {e}")))
    }
}

impl<T> OrFail<T> for Option<T> {
    fn or_fail(self, what: &str) -> ScenarioResult<T> {
        self.ok_or_else(|| Failure::check(format!("{what}: nothing found")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_map_to_kinds() {
        let f: Failure = HostError::not_implemented("dmp").into();
        assert!(f.is_not_applicable());
        assert_eq!(f.message(), "not implemented by the host: dmp");
        let f: Failure = HostError::failed("database locked").into();
        assert_eq!(f.kind(), FailureKind::Host);
        assert!(f.message().contains("database locked"));
    }

    #[test]
    fn context_prefixes() {
        let f = Failure::check("no INSi call").context("open file");
        assert_eq!(f.message(), "open file: no INSi call");
        assert_eq!(f.to_string(), "check: open file: no INSi call");
    }

    #[test]
    fn option_or_fail() {
        assert_eq!(Some(3).or_fail("x"), Ok(3));
        assert_eq!(
            None::<u8>
                .or_fail("the patient file")
                .unwrap_err()
                .message(),
            "the patient file: nothing found"
        );
    }
}
