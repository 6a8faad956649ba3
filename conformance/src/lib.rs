//! Conformance engine for the Ségur du numérique vague 2 REM requirements
//! (DSR MDV-LGC): replays requirement scenarios against a host LGC with
//! simulated national services, and produces the proof an editor attaches to
//! its ANS dossier.
//!
//! # The pieces
//!
//! - [`catalogue`]: the 129 official requirement ids, embedded, with theme,
//!   crate(s), check kind (auto / host / evidence), DSR profile(s) and a
//!   summary. The profile mapping is documented there.
//! - [`model`]: suite → group → scenario (→ steps recorded at run time), with
//!   stable ids `suite.group.name`; a [`Registry`] that refuses unknown
//!   requirement ids, and a [`Filter`] (requirement, theme, profile, id glob).
//! - [`runner`]: the async [`Runner`] (tokio). One scenario at a time, each on
//!   its own task with a timeout; failures, panics and timeouts are recorded,
//!   never abort the run.
//! - [`RunContext`]: what a scenario gets: a [`VirtualClock`] and an
//!   [`IdSource`] (deterministic, fresh per scenario), the
//!   [`EvidenceRecorder`], the [`host`] adapter and the simulated
//!   [`services`] (a typed registry: the engine depends on no service crate).
//! - [`host`]: the traits an LGC implements, one optional capability per area.
//!   The `segur-examples` crate holds the reference host: an in-memory LGC
//!   built on the SDK that passes every scenario.
//! - [`checks`]: independent readers of what a host produced (e.g. the INS
//!   datamatrix printed on a PDF).
//! - [`evidence`]: recorded artefacts and the editor's evidence config
//!   (organisational requirements).
//! - [`report`]: the JSON report (stable schema), JUnit, self-contained HTML,
//!   console progress, and the evidence pack with its SHA-256 manifest.
//! - [`scenarios`]: the scenarios shipped with the crate.
//!
//! # Built-in scenarios
//!
//! Besides the editor-evidence suite, the crate ships the suites `ins`
//! (identity status shown; Sentinelle lookups by datamatrix and carte Vitale,
//! background INSi verification, one-click qualification, explanations and
//! traits differences, against the `segur_ins::insi::sim` simulator), `cda`
//! (production, pre-filling, INS datamatrix, structured VSM and
//! e-prescription with their N1 twin, versions, N1/N3 pairs, lists, request
//! ↔ report, display), `psc`
//! (authorization code, account linking, service tokens, silent SSO, CIBA,
//! against the `segur_psc::sim` simulator), `ssi` (password policy and
//! storage, lockout, sessions, TOTP, administration, hardening, TLS, audit
//! trail, antivirus, directory), `dmp` (consent, systematic feeding and
//! its crash-safe queue, history, pairs, search, integration, traces, what
//! the file shows, against the `segur_dmp::sim` simulator) and `mss`
//! (MSSanté: autoconfiguration, certificate and Pro Santé Connect
//! authentication, several mailboxes and operators, session reopening, XDM
//! sending with the X-MSS conventions, patient mailboxes, notifications,
//! send queue across a restart, reception into the right patient file,
//! versions, antivirus, Annuaire Santé, traces, against the
//! `segur_mss::sim` operators).
//! The `carte-vitale` suite covers the apCV identification and the
//! ordonnance numérique sent "in Y", the e-prescription service failing or
//! late, against the apCV, e-prescription and DMP simulators.
//! Each module of [`scenarios`] lists its
//! scenarios and the requirement ids they prove. The reference host of the
//! `segur-examples` crate passes all of them; `cargo run -p segur-cli --
//! conformance run` runs it in seconds.
//!
//! Coverage is the number of requirement ids with at least one passing
//! scenario, over the 129 of the catalogue. A scenario that cannot run
//! against the host (capability not implemented, evidence not declared) is
//! *not applicable*: it does not fail the run and does not cover anything.
//! So is `cda.display.official-stylesheet` (SC.CDA/INT.15) in a run not
//! given the official ANS display stylesheet, which segur-rs never ships
//! ([`Runner::cda_stylesheet`], `segur_cda::stylesheet`): that requirement
//! is covered only by a run configured with it.
//!
//! # Running against a host
//!
//! ```
//! use std::sync::Arc;
//! use segur_conformance::{
//!     BareHost, Filter, Registry, RunContext, Runner, Scenario, ScenarioResult, Silent,
//!     Theme, ensure_eq, report,
//! };
//!
//! // A scenario reads the virtual clock and ids, and records steps.
//! async fn clock_starts_at_epoch(ctx: RunContext) -> ScenarioResult {
//!     ctx.step("read the virtual clock", async {
//!         ensure_eq("year", 2025, ctx.now().year())
//!     })
//!     .await?;
//!     // The host here implements nothing: this ends as "not applicable".
//!     ctx.patient_files()?;
//!     Ok(())
//! }
//!
//! let mut registry = Registry::builtin()?;
//! registry
//!     .suite("demo", "Demonstration")?
//!     .group("engine", "Engine")?
//!     .add(Scenario::new("clock", "The clock starts at the epoch", clock_starts_at_epoch)
//!         .requirement("SENTINELLE.17"))?;
//!
//! let runner = Runner::new(registry, Arc::new(BareHost::default()))
//!     .filter(Filter::new().scenario("demo.*").theme(Theme::Ins));
//! let outcome = runner.run_blocking(&mut Silent)?;
//! let report = outcome.report();
//! assert_eq!(report.summary.total, 1);
//! assert_eq!(report.summary.not_applicable, 1);
//! assert!(report.is_success());
//! let junit = report::junit::render(report);
//! assert!(junit.contains(r#"<property name="requirement" value="SENTINELLE.17"/>"#));
//! # Ok::<(), segur_conformance::Error>(())
//! ```
//!
//! In an editor's CI, a test or small binary builds its own [`Host`]
//! implementation and calls [`Runner::run_blocking`] (or `run().await`), then
//! writes the reports with [`report::junit::render`], [`RunReport::to_json`],
//! [`report::html::render`] and [`report::pack::write`]. `segur conformance
//! run` does the same with the host built into the CLI.
//!
//! # Adding a scenario (for the engineer of a service crate)
//!
//! 1. **Dependency.** In `conformance/Cargo.toml`, add your crate with its
//!    simulator: `segur-dmp = { workspace = true, features = ["sim"] }`.
//! 2. **Simulator.** If the scenario needs your simulator, implement
//!    [`services::SimulatedService`] for a small wrapper in your scenario
//!    module: start the `sim` server on `127.0.0.1:0` in `start`, with
//!    `env.clock()` as its clock and `env.ids()` as its id source, and call
//!    `env.record_exchange(..)` for every request/response it sees. Scenarios
//!    get it with `ctx.service::<DmpSim>().await?` (fresh per scenario).
//!    [`scenarios::psc::PscSim`] is a complete example.
//! 3. **Host methods.** If the scenario drives the host in a way no method
//!    allows yet, add the method to the area's trait in [`host`] with a
//!    default body returning `HostError::not_implemented("dmp.<method>")`,
//!    taking your crate's types (see "Adding a method" in [`host`]), and
//!    implement it in the reference host in `examples/`.
//! 4. **Scenario module.** Create `conformance/src/scenarios/<suite>.rs`
//!    (suite = your crate's folder, e.g. `dmp`) with
//!    `pub fn register(registry: &mut Registry) -> Result<(), Error>` opening
//!    the suite, its groups, and adding each scenario:
//!    ```text
//!    let mut suite = registry.suite("dmp", "DMP")?;
//!    let mut consent = suite.group("consent", "Patient consent")?;
//!    consent.add(
//!        Scenario::new("feeding-refused", "No DMP feeding when the patient opposed it", feeding_refused)
//!            .requirements(["SC.DMP/CONF.06", "SC.DB/TRA.03"]),
//!    )?;
//!    ```
//!    A scenario is an `async fn(ctx: RunContext) -> ScenarioResult`: wrap
//!    each action in `ctx.step("what it does", async { .. }).await?`, get host
//!    areas with `ctx.dmp()?` (not applicable when missing), check outcomes
//!    with [`ensure`] / [`ensure_eq`] / [`OrFail`], record produced
//!    documents, validation reports and renderings with `ctx.evidence()`, and
//!    read time and ids only from `ctx.now()` / `ctx.ids()`.
//! 5. **Register.** Add `pub mod <suite>;` and `<suite>::register(registry)?;`
//!    in `conformance/src/scenarios/mod.rs` (and a row in its table).
//! 6. **Tag honestly.** Tag a scenario only with requirements it really
//!    proves; ids are checked against the catalogue at registration (the test
//!    `builtin_registry_is_valid` fails on a typo). Keep ids stable once
//!    released.
//! 7. **Test.** Run the scenario against the reference host (it must pass)
//!    and against a faulty host in `conformance/tests/` (it must fail with a
//!    clear message): `cargo test -p segur-conformance`.

pub mod catalogue;
pub mod checks;
pub mod context;
mod error;
pub mod evidence;
mod failure;
pub mod host;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenarios;
pub mod services;

pub use catalogue::{CheckKind, Profile, Requirement, SegurCrate, Theme};
pub use context::{IdSource, RunContext, StepRecord, StepStatus, VirtualClock};
pub use error::{Error, EvidenceConfigError, RegistrationError};
pub use evidence::{
    Artefact, ArtefactKind, EditorEvidenceCheck, EvidenceConfig, EvidenceFileStatus,
    EvidenceRecorder, Payload,
};
pub use failure::{Failure, FailureKind, OrFail, ScenarioResult, ensure, ensure_eq};
pub use host::{BareHost, Host, HostEnvironment, HostError, HostInfo};
pub use model::{Filter, RegisteredScenario, Registry, Scenario, ScenarioId};
pub use report::{Coverage, CoverageStatus, RunReport, ScenarioReport, Status};
pub use runner::{RunObserver, RunOutcome, Runner, Silent};
