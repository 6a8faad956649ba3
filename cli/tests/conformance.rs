//! `segur conformance`: exit codes, outputs and the evidence pack, through
//! the real binary.

use std::path::Path;
use std::process::{Command, Output};

use segur_conformance::report::pack;
use segur_conformance::report::{CoverageStatus, RunReport};

fn segur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .output()
        .expect("run segur")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A dossier with provided evidence for SC.SSI/GEN.18 and, when `broken`,
/// a missing file declared for SC.SSI/GEN.01.
fn dossier(dir: &Path, broken: bool) -> String {
    std::fs::write(dir.join("pentest.pdf"), b"%PDF-1.7 fictitious PASSI report").expect("write");
    let extra = if broken {
        r#", "SC.SSI/GEN.01": ["missing-rssi.pdf"]"#
    } else {
        ""
    };
    let config = dir.join("evidence.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"schema_version": 1, "requirements": {{"SC.SSI/GEN.18": ["pentest.pdf"]{extra}}}}}"#
        ),
    )
    .expect("write");
    config.display().to_string()
}

#[test]
fn list_shows_the_catalogue() {
    let o = segur(&["conformance", "list"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("SC.DMP/ALI/PROG.06"));
    assert!(out.contains("129 requirement(s)"));

    let o = segur(&[
        "--json",
        "conformance",
        "list",
        "--profile",
        "Centre de santé",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = v["requirements"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "SC.MSS/CONF.27",
            "SC.SSI/GEN.16",
            "SC.SSI/GEN.17",
            "SC.SSI/IE.39"
        ]
    );
    assert_eq!(v["requirements"][0]["status"], "not_run");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["conformance", "list", "--theme", "XYZ"][..],
        &["conformance", "run", "--requirement", "SC.SSI/GEN.99"],
        &["conformance", "run", "--profile", "pediatre"],
        &["conformance", "run", "--timeout", "0"],
        &["conformance", "coverage", "--fail-under", "101"],
        &[
            "conformance",
            "run",
            "--evidence-config",
            "/nonexistent/evidence.json",
        ],
        &["conformance", "list", "--from", "/nonexistent/report.json"],
        &[
            "conformance",
            "run",
            "--junit",
            "/nonexistent/dir/junit.xml",
        ],
    ] {
        let o = segur(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn run_writes_every_report_and_the_pack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dossier(dir.path(), false);
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    let junit = dir.path().join("out/junit.xml");
    let json = dir.path().join("out/report.json");
    let html = dir.path().join("out/report.html");
    let pack_dir = dir.path().join("pack");
    let o = segur(&[
        "conformance",
        "run",
        "--host",
        "bare",
        "--evidence-config",
        &config,
        "--junit",
        &junit.display().to_string(),
        "--json-report",
        &json.display().to_string(),
        "--html",
        &html.display().to_string(),
        "--evidence",
        &pack_dir.display().to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("coverage: 1/129 requirements (0.8 %)"),
        "{}",
        stdout(&o)
    );

    let report =
        RunReport::from_json(&std::fs::read_to_string(&json).expect("json")).expect("report");
    assert_eq!(report.coverage.covered, 1);
    assert_eq!(report.summary.passed, 1);
    assert_eq!(report.summary.failed, 0);
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<testsuites")
    );
    assert_eq!(pack::verify(&pack_dir).expect("verify"), []);
    // The standalone HTML links into the pack relatively.
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains(r#"href="../pack/requirements/SC.SSI_GEN.18/index.html""#));

    // A second run into the same, now non-empty, pack directory is refused.
    let o = segur(&[
        "conformance",
        "run",
        "--host",
        "bare",
        "--evidence",
        &pack_dir.display().to_string(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));

    // The coverage gate, from the saved report.
    let from = json.display().to_string();
    let o = segur(&[
        "conformance",
        "coverage",
        "--from",
        &from,
        "--fail-under",
        "0.5",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = segur(&[
        "conformance",
        "coverage",
        "--from",
        &from,
        "--fail-under",
        "50",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("below --fail-under 50 %"),
        "{}",
        stderr(&o)
    );
    let o = segur(&["--json", "conformance", "coverage", "--from", &from]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["covered"], 1);
    assert_eq!(v["selected"]["total"], 129);
    // Gate on a selection: theme SSI, 1 of its 21 requirements covered.
    let o = segur(&[
        "--json",
        "conformance",
        "coverage",
        "--from",
        &from,
        "--theme",
        "SSI",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["selected"]["total"], 21);
    assert_eq!(v["selected"]["covered"], 1);
    let o = segur(&[
        "conformance",
        "coverage",
        "--from",
        &from,
        "--requirement",
        "SC.SSI/GEN.18",
        "--fail-under",
        "100",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = segur(&[
        "conformance",
        "coverage",
        "--from",
        &from,
        "--theme",
        "INS",
        "--fail-under",
        "1",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("(0/10)"), "{}", stderr(&o));
    // `list --from` shows the run's status.
    let o = segur(&[
        "conformance",
        "list",
        "--from",
        &from,
        "--requirement",
        "SC.SSI/GEN.18",
    ]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("covered"), "{}", stdout(&o));
}

#[test]
fn a_failing_scenario_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dossier(dir.path(), true);
    let o = segur(&[
        "--json",
        "conformance",
        "run",
        "--host",
        "bare",
        "--evidence-config",
        &config,
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 scenario(s) failed: evidence.ssi.gen-01"),
        "{}",
        stderr(&o)
    );
    // --json prints the report on stdout even when the run fails.
    let report = RunReport::from_json(&stdout(&o)).expect("report on stdout");
    assert_eq!(report.summary.failed, 1);

    // Filters narrow the run: the failing scenario is left out.
    let o = segur(&[
        "conformance",
        "run",
        "--host",
        "bare",
        "--evidence-config",
        &config,
        "--scenario",
        "evidence.ssi.gen-1*",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("2 scenario(s) run"), "{}", stdout(&o));
}

/// The evidence template declares every `evidence` requirement: filled in
/// with the editor's files, it covers them all; until then each is missing.
#[test]
fn the_evidence_template_covers_every_evidence_requirement() {
    use segur_conformance::catalogue::{CATALOGUE, CheckKind};
    let o = segur(&["conformance", "evidence-template"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("evidence.json");
    std::fs::write(&config, stdout(&o)).expect("write");
    let config = config.display().to_string();
    let evidence: Vec<_> = CATALOGUE
        .iter()
        .filter(|r| r.check == CheckKind::Evidence)
        .collect();
    assert!(evidence.len() >= 8, "{}", evidence.len());
    let run = |out: &str| {
        segur(&[
            "conformance",
            "run",
            "--host",
            "bare",
            "--evidence-config",
            &config,
            "--json-report",
            out,
        ])
    };
    // Nothing filled in yet: every declared file is missing, the run fails.
    let missing = dir.path().join("missing.json").display().to_string();
    let o = run(&missing);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let report =
        RunReport::from_json(&std::fs::read_to_string(&missing).expect("report")).expect("report");
    assert_eq!(
        report.summary.failed,
        evidence.len(),
        "{:?}",
        report.summary
    );
    // The editor's documents in place: every evidence requirement is covered.
    std::fs::create_dir(dir.path().join("evidence")).expect("mkdir");
    for r in &evidence {
        let path = dir
            .path()
            .join(segur_conformance::evidence::template_path(r));
        std::fs::write(path, b"%PDF-1.7 fictitious evidence").expect("write");
    }
    let provided = dir.path().join("provided.json").display().to_string();
    let o = run(&provided);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report =
        RunReport::from_json(&std::fs::read_to_string(&provided).expect("report")).expect("report");
    for r in &evidence {
        let c = report.coverage.requirement(r.id).expect("in the catalogue");
        assert_eq!(c.status, CoverageStatus::Covered, "{}", r.id);
    }
    assert_eq!(report.coverage.covered, evidence.len());
}

/// The README's main job: the default host is the reference LGC, every
/// scenario it can run passes, and the reports parse back.
#[test]
fn default_run_drives_the_reference_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    let junit = dir.path().join("junit.xml");
    let html = dir.path().join("report.html");
    let pack_dir = dir.path().join("pack");
    let o = segur(&[
        "conformance",
        "run",
        "--json-report",
        &json.display().to_string(),
        "--junit",
        &junit.display().to_string(),
        "--html",
        &html.display().to_string(),
        "--evidence",
        &pack_dir.display().to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    let report =
        RunReport::from_json(&std::fs::read_to_string(&json).expect("json")).expect("report");
    assert_eq!(report.host.name, "segur-rs reference LGC");
    assert_eq!(report.summary.failed, 0);
    assert!(report.summary.passed >= 37, "{:?}", report.summary);
    assert!(
        report.coverage.covered >= 40,
        "{:?}",
        report.coverage.covered
    );
    for id in [
        "SC.PSC.13",
        "SENTINELLE.14",
        "SC.SSI/IE.38",
        "LGC.MDV.01",
        "SC.DB/LGC.01",
        "SC.DOC.03",
    ] {
        let r = report.coverage.requirement(id).expect("in the catalogue");
        assert_eq!(r.status, CoverageStatus::Covered, "{id}");
    }
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains(r#"<property name="requirement" value="SC.PSC.10"/>"#)
    );
    assert!(
        std::fs::read_to_string(&html)
            .expect("html")
            .contains("SC.CDA/DD.22")
    );
    assert_eq!(pack::verify(&pack_dir).expect("verify"), []);
    // The produced documents and the PSC exchanges are in the pack.
    let req = pack_dir.join("requirements/LGC.MDV.01");
    let mut names = Vec::new();
    for entry in walk(&req) {
        names.push(entry);
    }
    assert!(
        names.iter().any(|n| n.ends_with("produced-n1-1.xml")),
        "{names:?}"
    );
    let psc = walk(&pack_dir.join("requirements/SC.PSC.10"));
    assert!(
        psc.iter().any(|n| n.contains("request-psc-POST")),
        "{psc:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
