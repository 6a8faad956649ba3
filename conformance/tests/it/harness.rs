//! What the faulty-host tests share: running a suite against a host, reading
//! a scenario's failure, and [`forward!`], which lets a faulty host write only
//! the methods it breaks.

use std::sync::Arc;

use segur_conformance::report::{ScenarioReport, Status};
use segur_conformance::{Filter, Host, Registry, Runner, Silent};

/// Implements methods of a host area trait by handing them, unchanged, to
/// `self.inner` (the wrapped reference host), so that a faulty host writes
/// only the methods it breaks:
///
/// ```ignore
/// impl Documents for Faulty {
///     fn content<'a>(…) -> … { /* the fault */ }
///     forward! { Documents<'a>:
///         revise(document: &'a DocumentRef, request: &'a DocumentRequest) -> DocumentRef;
///     }
/// }
/// ```
///
/// Every method so forwarded returns `BoxFuture<'a, Result<Output, HostError>>`
/// and borrows `self` for `'a`.
macro_rules! forward {
    ($tr:ident<$lt:lifetime>: $($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;)*) => {
        $(
            fn $name<$lt>(
                &$lt self,
                $($arg: $ty),*
            ) -> segur_conformance::host::BoxFuture<$lt, Result<$out, segur_conformance::HostError>> {
                <segur_examples::ReferenceLgc as $tr>::$name(&self.inner, $($arg),*)
            }
        )*
    };
}
pub(crate) use forward;

/// Runs the built-in scenarios matching `glob` against `host`.
pub fn run(host: Arc<dyn Host>, glob: &str) -> Vec<ScenarioReport> {
    let runner = Runner::new(Registry::builtin().expect("registry"), host)
        .filter(Filter::new().scenario(glob));
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    assert!(
        !outcome.report().scenarios.is_empty(),
        "no scenario matches {glob}"
    );
    outcome.into_report().scenarios
}

/// The failure message of scenario `id`, which must have run and failed.
pub fn failure_of<'a>(scenarios: &'a [ScenarioReport], id: &str) -> &'a str {
    let s = scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} was not run"));
    assert_eq!(s.status, Status::Failed, "{id} must fail: {:?}", s.failure);
    &s.failure
        .as_ref()
        .expect("a failed scenario says why")
        .message
}

/// Runs `glob` against `host` and expects scenario `id` to fail with a
/// message containing `expected`.
pub fn expect_failure(host: Arc<dyn Host>, glob: &str, id: &str, expected: &str) {
    let scenarios = run(host, glob);
    let message = failure_of(&scenarios, id);
    assert!(
        message.contains(expected),
        "{id}: the message {message:?} does not say {expected:?}"
    );
}
