//! The runner against test-only scenarios: pass, fail, panic, timeout, not
//! applicable, services, determinism, editor evidence.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use segur_conformance::report::{CoverageStatus, ScenarioReport, Status};
use segur_conformance::{
    ArtefactKind, BareHost, EvidenceConfig, FailureKind, Filter, Registry, RunOutcome, Runner,
    Silent, StepStatus,
};

use crate::support::{self, FilesHost, NASTY};

fn files_host() -> Arc<FilesHost> {
    Arc::new(FilesHost {
        files: vec!["patient-a".into(), "patient-b".into()],
        ..FilesHost::default()
    })
}

fn run(runner: &Runner) -> RunOutcome {
    runner.run_blocking(&mut Silent).expect("runtime")
}

fn scenario<'a>(outcome: &'a RunOutcome, id: &str) -> &'a ScenarioReport {
    outcome
        .report()
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("scenario {id} not in the report"))
}

#[test]
fn every_outcome_is_recorded_and_the_run_goes_on() {
    let host = files_host();
    let outcome = run(&Runner::new(support::engine_registry(), host.clone()));
    let report = outcome.report();
    assert_eq!(report.summary.total, 8);
    assert_eq!(
        host.resets.load(Ordering::SeqCst),
        8,
        "one reset per scenario"
    );

    let passes = scenario(&outcome, "engine.basic.passes");
    assert_eq!(passes.status, Status::Passed, "{:?}", passes.failure);
    assert_eq!(passes.steps.len(), 2);
    assert!(passes.steps.iter().all(|s| s.status == StepStatus::Passed));
    assert!(passes.duration_ms >= 0.0);

    let fails = scenario(&outcome, "engine.basic.fails");
    assert_eq!(fails.status, Status::Failed);
    let f = fails.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Check);
    assert_eq!(f.message, NASTY);
    assert_eq!(f.step.as_deref(), Some("second step fails"));
    let steps: Vec<_> = fails
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status))
        .collect();
    assert_eq!(
        steps,
        [
            ("first step passes", StepStatus::Passed),
            ("second step fails", StepStatus::Failed)
        ]
    );

    let panics = scenario(&outcome, "engine.basic.panics");
    assert_eq!(panics.status, Status::Failed);
    let f = panics.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Panic);
    assert!(
        f.message
            .starts_with("scenario panicked: index out of bounds"),
        "{}",
        f.message
    );
    assert_eq!(f.step.as_deref(), Some("step that panics"));
    assert_eq!(panics.steps[0].status, StepStatus::Interrupted);

    let times_out = scenario(&outcome, "engine.basic.times-out");
    assert_eq!(times_out.status, Status::Failed);
    let f = times_out.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Timeout);
    assert_eq!(
        f.message,
        "scenario did not finish within 200 ms (step `wait for an answer that never comes` still running)"
    );
    assert!(times_out.duration_ms < 5_000.0, "the timeout was honoured");

    let needs_dmp = scenario(&outcome, "engine.basic.needs-dmp");
    assert_eq!(needs_dmp.status, Status::NotApplicable);
    let f = needs_dmp.failure.as_ref().expect("reason");
    assert_eq!(f.kind, FailureKind::NotApplicable);
    assert_eq!(f.message, "not implemented by the host: DMP");

    let opens = scenario(&outcome, "engine.basic.opens-files");
    assert_eq!(opens.status, Status::Passed, "{:?}", opens.failure);
    assert_eq!(
        *host.opened.lock().expect("test mutex"),
        ["patient-a", "patient-b"]
    );

    let service = scenario(&outcome, "engine.basic.service-fails");
    assert_eq!(service.status, Status::Failed);
    let f = service.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Service);
    assert_eq!(
        f.message,
        "start the unstartable simulator: port already in use"
    );

    // Scenarios after the panic and the timeout still ran and passed.
    assert_eq!(
        scenario(&outcome, "engine.basic.fresh-service").status,
        Status::Passed
    );
    assert_eq!(report.summary.passed, 3);
    assert_eq!(report.summary.failed, 4);
    assert_eq!(report.summary.not_applicable, 1);
    assert!(!report.is_success());
}

#[test]
fn artefacts_services_and_ids_are_per_scenario_and_deterministic() {
    let runner = Runner::new(support::engine_registry(), files_host()).filter(
        Filter::new()
            .scenario("engine.basic.passes")
            .scenario("*.fresh-service"),
    );
    let before = support::COUNTERS_STARTED.load(Ordering::SeqCst);
    let a = run(&runner);
    let started = support::COUNTERS_STARTED.load(Ordering::SeqCst) - before;
    assert!(started >= 2, "one simulator per scenario (got {started})");
    let b = run(&runner);
    assert_eq!(a.report().summary.passed, 2);

    let arts = a.artefacts("engine.basic.passes");
    let kinds: Vec<_> = arts.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        [
            ArtefactKind::Request,
            ArtefactKind::Response,
            ArtefactKind::Request,
            ArtefactKind::Response,
            ArtefactKind::Document,
            ArtefactKind::ValidationReport,
            ArtefactKind::Rendering,
            ArtefactKind::Note,
        ]
    );
    assert_eq!(arts[0].service.as_deref(), Some("counter"));
    assert_eq!(arts[0].file_name(), "001-request-counter-POST-count.txt");
    assert_eq!(arts[1].bytes().expect("bytes"), br#"{"count":1}"#);
    // Virtual time: recorded at the epoch, then one hour later.
    assert_eq!(
        arts[0].recorded_at,
        segur_conformance::runner::DEFAULT_EPOCH
    );
    assert_eq!(
        arts[4].recorded_at,
        segur_conformance::runner::DEFAULT_EPOCH + time::Duration::hours(1)
    );

    // Same ids, same content, same hashes on a second run.
    let hashes = |o: &RunOutcome| -> Vec<String> {
        o.artefacts("engine.basic.passes")
            .iter()
            .map(|x| x.sha256.clone())
            .collect()
    };
    assert_eq!(hashes(&a), hashes(&b));
    let note = String::from_utf8(arts[7].bytes().expect("bytes")).expect("utf-8");
    assert_eq!(note, "patient-000002");

    // The second scenario got a fresh simulator (its count restarted at 1).
    let fresh = a.artefacts("engine.basic.fresh-service");
    assert_eq!(fresh[1].bytes().expect("bytes"), br#"{"count":1}"#);
    // And the JSON report lists the artefacts with their pack names.
    let listed = &scenario(&a, "engine.basic.passes").artefacts;
    assert_eq!(listed.len(), 8);
    assert_eq!(listed[4].file_name, "005-document-produced.xml");
}

#[test]
fn a_host_blocking_its_thread_is_timed_out() {
    let runner = Runner::new(support::engine_registry(), Arc::new(support::BlockingHost))
        .filter(Filter::new().scenario("engine.basic.opens-files"))
        .default_timeout(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let outcome = run(&runner);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the run does not wait for the blocked thread ({:?})",
        started.elapsed()
    );
    let s = scenario(&outcome, "engine.basic.opens-files");
    assert_eq!(s.status, Status::Failed);
    let f = s.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Timeout);
    assert_eq!(f.step.as_deref(), Some("open patient-a"));
}

#[test]
fn host_reset_failure_fails_the_scenario() {
    let runner = Runner::new(
        support::engine_registry(),
        Arc::new(support::BrokenResetHost),
    )
    .filter(Filter::new().scenario("engine.basic.passes"));
    let outcome = run(&runner);
    let s = scenario(&outcome, "engine.basic.passes");
    assert_eq!(s.status, Status::Failed);
    let f = s.failure.as_ref().expect("failure");
    assert_eq!(f.kind, FailureKind::Host);
    assert_eq!(
        f.message,
        "host reset before the scenario failed: host error: database is locked"
    );
}

#[test]
fn coverage_counts_only_passing_scenarios() {
    let outcome = run(&Runner::new(support::engine_registry(), files_host()));
    let c = &outcome.report().coverage;
    // SENTINELLE.02 has a passing and a failing scenario: covered.
    let status = |id: &str| c.requirement(id).expect("in catalogue").status;
    assert_eq!(status("SENTINELLE.02"), CoverageStatus::Covered);
    assert_eq!(status("SENTINELLE.03"), CoverageStatus::Covered);
    assert_eq!(status("SENTINELLE.05"), CoverageStatus::Covered);
    assert_eq!(status("SC.CDA/DD.20"), CoverageStatus::Failed);
    assert_eq!(status("SC.DMP/CONF.06"), CoverageStatus::Failed);
    assert_eq!(status("SC.DMP/UX.08"), CoverageStatus::NotApplicable);
    assert_eq!(status("SC.PSC.01"), CoverageStatus::NoScenario);
    assert_eq!(c.covered, 3);
    assert_eq!(c.total, 129);
    assert_eq!(c.percent, 2.3);
    let ins = c.themes.iter().find(|t| t.key == "INS").expect("INS");
    assert_eq!((ins.covered, ins.total), (3, 10));

    // Filtered out: not run.
    let filtered = run(&Runner::new(support::engine_registry(), files_host())
        .filter(Filter::new().scenario("engine.basic.fails")));
    let c = &filtered.report().coverage;
    assert_eq!(
        c.requirement("SENTINELLE.03").map(|r| r.status),
        Some(CoverageStatus::NotRun)
    );
    assert_eq!(filtered.report().filter.scenarios, ["engine.basic.fails"]);
}

#[test]
fn run_blocking_refuses_to_nest() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let runner = Runner::new(Registry::new(), Arc::new(BareHost::default()));
        let err = runner
            .run_blocking(&mut Silent)
            .expect_err("nested runtime");
        assert!(err.to_string().contains("inside an async runtime"));
        // The async entry point works there.
        let outcome = runner.run(&mut Silent).await;
        assert_eq!(outcome.report().summary.total, 0);
    });
}

#[test]
fn editor_evidence_scenarios() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("dossier")).expect("mkdir");
    std::fs::write(
        dir.path().join("dossier/pentest.pdf"),
        b"%PDF-1.7 fictitious report",
    )
    .expect("write");
    std::fs::write(dir.path().join("dossier/empty.pdf"), b"").expect("write");
    std::fs::write(dir.path().join("dossier/screen.png"), b"PNG").expect("write");
    let config_path = dir.path().join("evidence.json");
    std::fs::write(
        &config_path,
        r#"{
          "schema_version": 1,
          "requirements": {
            "SC.SSI/GEN.18": [{"path": "dossier/pentest.pdf", "description": "PASSI report"}],
            "SC.SSI/GEN.01": ["dossier/missing.pdf", "dossier/empty.pdf"],
            "SC.DMP/CONF.11": ["dossier/screen.png"]
          }
        }"#,
    )
    .expect("write");
    let config = EvidenceConfig::load(&config_path).expect("valid config");
    let runner = Runner::new(
        Registry::builtin().expect("builtin"),
        Arc::new(BareHost::default()),
    )
    .evidence_config(config);
    let outcome = run(&runner);
    let report = outcome.report();

    let gen18 = scenario(&outcome, "evidence.ssi.gen-18");
    assert_eq!(gen18.status, Status::Passed, "{:?}", gen18.failure);
    assert_eq!(gen18.steps[0].name, "dossier/pentest.pdf is provided");

    let gen01 = scenario(&outcome, "evidence.ssi.gen-01");
    assert_eq!(gen01.status, Status::Failed);
    let msg = &gen01.failure.as_ref().expect("failure").message;
    assert!(
        msg.contains(&format!(
            "declared evidence file dossier/missing.pdf is missing: not found at {}",
            dir.path().join("dossier/missing.pdf").display()
        )),
        "{msg}"
    );
    assert!(
        msg.contains("declared evidence file dossier/empty.pdf is empty"),
        "{msg}"
    );
    assert_eq!(gen01.steps.len(), 2, "every file is checked");

    let gen02 = scenario(&outcome, "evidence.ssi.gen-02");
    assert_eq!(gen02.status, Status::NotApplicable);
    assert_eq!(
        gen02.failure.as_ref().expect("reason").message,
        "no evidence file declared for SC.SSI/GEN.02 in the evidence config"
    );

    // Evidence section: every declared file, in catalogue order.
    let ev: Vec<_> = report
        .evidence
        .iter()
        .map(|e| (e.requirement.as_str(), e.path.as_str(), e.status.as_str()))
        .collect();
    assert_eq!(
        ev,
        [
            ("SC.DMP/CONF.11", "dossier/screen.png", "provided"),
            ("SC.SSI/GEN.01", "dossier/missing.pdf", "missing"),
            ("SC.SSI/GEN.01", "dossier/empty.pdf", "empty"),
            ("SC.SSI/GEN.18", "dossier/pentest.pdf", "provided"),
        ]
    );
    let pentest = &report.evidence[3];
    assert_eq!(pentest.size, Some(26));
    assert_eq!(pentest.sha256.as_ref().map(String::len), Some(64));

    // Coverage: the provided evidence requirement is covered; a file for a
    // host requirement does not cover it.
    let c = &report.coverage;
    assert_eq!(c.covered, 1);
    assert_eq!(
        c.requirement("SC.SSI/GEN.18").map(|r| r.status),
        Some(CoverageStatus::Covered)
    );
    // (Whatever its scenarios did: none ran here.)
    assert_ne!(
        c.requirement("SC.DMP/CONF.11").map(|r| r.status),
        Some(CoverageStatus::Covered)
    );
}

#[test]
fn builtin_registry_is_valid() {
    let registry = Registry::builtin().expect("every built-in scenario registers");
    assert!(!registry.is_empty());
    for s in registry.scenarios() {
        assert!(!s.requirements().is_empty(), "{}", s.id());
        assert!(!s.title().is_empty(), "{}", s.id());
    }
}
