//! Runs the built-in REM scenarios against the reference LGC and prints the
//! summary, as an editor's CI would run them against their own software.
//!
//! ```text
//! cargo run -p segur-examples --example conformance_run [-- 'psc.*']
//! ```
//!
//! An optional argument selects scenarios by id glob.

use std::sync::Arc;

use segur_conformance::report::console;
use segur_conformance::{Filter, Registry, Runner, Silent};
use segur_examples::ReferenceLgc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut filter = Filter::new();
    if let Some(glob) = std::env::args().nth(1) {
        filter = filter.scenario(glob);
    }
    // The host under test: replace `ReferenceLgc` by your software's adapter.
    let host = Arc::new(ReferenceLgc::new());
    let runner = Runner::new(Registry::builtin()?, host).filter(filter);
    let outcome = runner.run_blocking(&mut Silent)?;
    let report = outcome.report();
    print!("{}", console::summary(report));
    // `report.to_json()`, `report::junit::render(report)`… give the files a
    // CI keeps as artefacts.
    if report.is_success() {
        Ok(())
    } else {
        Err("some scenarios failed".into())
    }
}
