//! JUnit, JSON, HTML and the evidence pack, parsed back.

use std::sync::Arc;

use segur_conformance::report::html::{self, HtmlOptions};
use segur_conformance::report::pack::{self, Manifest, PackProblem};
use segur_conformance::report::{RunReport, junit};
use segur_conformance::{Error, EvidenceConfig, Registry, RunOutcome, Runner, Silent};

use crate::support::{self, FilesHost, NASTY, NASTY_PARSED, parse_xml};

fn outcome() -> RunOutcome {
    let host = Arc::new(FilesHost {
        files: vec!["patient-a".into()],
        ..FilesHost::default()
    });
    Runner::new(support::engine_registry(), host)
        .run_blocking(&mut Silent)
        .expect("runtime")
}

#[test]
fn junit_parses_back() {
    let outcome = outcome();
    let xml = junit::render(outcome.report());
    let root = parse_xml(&xml);
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("8"));
    assert_eq!(root.attr("failures"), Some("2"));
    assert_eq!(root.attr("errors"), Some("2"));
    assert_eq!(root.attr("skipped"), Some("1"));
    let suites = root.all("testsuite");
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attr("name"), Some("engine"));
    let cases = root.all("testcase");
    assert_eq!(cases.len(), 8);

    let case = |name: &str| {
        *cases
            .iter()
            .find(|c| c.attr("name") == Some(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let fails = case("engine.basic.fails");
    assert_eq!(fails.attr("classname"), Some("engine.basic"));
    let reqs: Vec<_> = fails
        .all("property")
        .into_iter()
        .filter(|p| p.attr("name") == Some("requirement"))
        .map(|p| p.attr("value").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(reqs, ["SENTINELLE.02", "SC.CDA/DD.20"]);
    let failure = &fails.all("failure")[0];
    assert_eq!(failure.attr("type"), Some("check"));
    assert_eq!(
        failure.attr("message"),
        Some(format!("{NASTY_PARSED} [step: second step fails]").as_str())
    );
    assert_eq!(
        failure.deep_text(),
        format!("{NASTY_PARSED} [step: second step fails]")
    );
    assert!(
        fails.all("script").is_empty(),
        "markup in messages is escaped"
    );

    let panics = case("engine.basic.panics");
    assert_eq!(panics.all("error")[0].attr("type"), Some("panic"));
    assert_eq!(
        case("engine.basic.times-out").all("error")[0].attr("type"),
        Some("timeout")
    );
    let skipped = &case("engine.basic.needs-dmp").all("skipped")[0];
    assert_eq!(
        skipped.attr("message"),
        Some("not implemented by the host: DMP")
    );
    let out = case("engine.basic.passes").all("system-out")[0].deep_text();
    assert!(out.contains("read the virtual clock [passed]"), "{out}");
    // Host name with markup survives as a property value.
    let host = suites[0]
        .all("property")
        .into_iter()
        .find(|p| p.attr("name") == Some("host"))
        .and_then(|p| p.attr("value").map(str::to_owned));
    assert_eq!(
        host.as_deref(),
        Some("Files <Host> & co 1.0 (Éditeur \"test\")")
    );
}

#[test]
fn json_round_trips_with_a_stable_schema() {
    let outcome = outcome();
    let report = outcome.report();
    let text = report.to_json();
    let back = RunReport::from_json(&text).expect("parses back");
    assert_eq!(&back, report);

    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["sdk"]["name"], "segur-conformance");
    assert_eq!(v["host"]["name"], "Files <Host> & co");
    assert_eq!(v["summary"]["total"], 8);
    let fails = v["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|s| s["id"] == "engine.basic.fails")
        .expect("fails");
    assert_eq!(fails["status"], "failed");
    assert_eq!(fails["failure"]["kind"], "check");
    assert_eq!(fails["failure"]["message"], NASTY);
    assert_eq!(fails["failure"]["step"], "second step fails");
    assert_eq!(fails["requirements"][1], "SC.CDA/DD.20");
    assert_eq!(fails["steps"][1]["status"], "failed");
    assert!(fails["duration_ms"].is_f64());
    assert_eq!(v["coverage"]["total"], 129);
    assert_eq!(v["coverage"]["covered"], 3);
    assert_eq!(
        v["coverage"]["requirements"].as_array().map(Vec::len),
        Some(129)
    );
    let r0 = &v["coverage"]["requirements"][0];
    assert_eq!(r0["id"], "SENTINELLE.02");
    assert_eq!(r0["theme"], "INS");
    assert_eq!(r0["check"], "auto");
    assert_eq!(r0["profiles"][0], "general");
    assert_eq!(r0["status"], "covered");
    assert_eq!(v["coverage"]["profiles"][2]["key"], "suivi-enfant");
    assert!(v["started_at"].as_str().is_some_and(|s| s.ends_with('Z')));

    let bad = text.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1);
    assert!(
        matches!(RunReport::from_json(&bad), Err(Error::Report(m)) if m.contains("schema_version 2"))
    );
    assert!(RunReport::from_json("{}").is_err());
}

#[test]
fn html_is_self_contained_escaped_and_well_formed() {
    let outcome = outcome();
    let page = html::render(outcome.report(), &HtmlOptions::standalone());
    assert!(
        !page.contains("<script"),
        "no script element, no injected markup"
    );
    assert!(!page.contains("src="), "no external resource");
    let root = parse_xml(&page);
    assert_eq!(root.name, "html");
    let text = root.deep_text();
    assert!(
        text.contains(NASTY_PARSED),
        "the failure message is shown verbatim"
    );
    assert!(text.contains("Files <Host> & co 1.0"));
    // Coverage per theme and per profile.
    let tables = root.all("table");
    assert!(tables.len() >= 3);
    assert!(text.contains("Suivi de l'enfant"));
    assert!(text.contains("Connexion PSC par CIBA"));
    // Every requirement has a row with an anchor.
    let rows: Vec<_> = root
        .all("tr")
        .into_iter()
        .filter(|r| r.attr("id").is_some_and(|i| i.starts_with("req-")))
        .collect();
    assert_eq!(rows.len(), 129);
    assert!(
        rows.iter()
            .any(|r| r.attr("id") == Some("req-SC.CDA_DD.20"))
    );
    // Without a pack, nothing links into one.
    assert!(
        root.all("a")
            .iter()
            .all(|a| a.attr("href").is_some_and(|h| h.starts_with('#')))
    );
    // With a pack, requirement ids link to their folders.
    let linked = html::render(outcome.report(), &HtmlOptions::with_pack("pack dir"));
    let root = parse_xml(&linked);
    assert!(
        root.all("a")
            .iter()
            .any(|a| a.attr("href") == Some("pack%20dir/requirements/SENTINELLE.02/index.html"))
    );
}

#[test]
fn evidence_pack_is_complete_and_verifiable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evidence_file = dir.path().join("pentest report.pdf");
    std::fs::write(&evidence_file, b"%PDF fictitious").expect("write");
    let config = EvidenceConfig::from_json(
        r#"{"schema_version":1,"requirements":{"SC.SSI/GEN.18":["pentest report.pdf"]}}"#,
        dir.path(),
    )
    .expect("config");
    let mut registry = support::engine_registry();
    segur_conformance::scenarios::evidence::register(&mut registry).expect("evidence suite");
    let host = Arc::new(FilesHost {
        files: vec!["patient-a".into()],
        ..FilesHost::default()
    });
    let outcome = Runner::new(registry, host)
        .evidence_config(config)
        .run_blocking(&mut Silent)
        .expect("runtime");

    let pack_dir = dir.path().join("pack");
    let manifest = pack::write(&pack_dir, &outcome).expect("pack written");
    assert_eq!(manifest.kind, pack::MANIFEST_KIND);
    assert_eq!(manifest.host.name, "Files <Host> & co");
    assert_eq!(pack::verify(&pack_dir).expect("verify"), []);

    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "report.json",
        "report.html",
        "report.junit.xml",
        "requirements/SENTINELLE.02/index.html",
        "requirements/SENTINELLE.02/requirement.json",
        "requirements/SENTINELLE.02/manifest.json",
        "requirements/SENTINELLE.02/scenarios/engine.basic.passes/result.json",
        "requirements/SENTINELLE.02/scenarios/engine.basic.passes/001-request-counter-POST-count.txt",
        "requirements/SENTINELLE.02/scenarios/engine.basic.passes/005-document-produced.xml",
        "requirements/SENTINELLE.02/scenarios/engine.basic.passes/007-rendering-rendering.html",
        "requirements/SENTINELLE.02/scenarios/engine.basic.fails/result.json",
        "requirements/SC.CDA_DD.20/scenarios/engine.basic.fails/result.json",
        "requirements/SC.SSI_GEN.18/editor-evidence/01-pentest-report.pdf",
        "requirements/SC.SSI_GEN.18/scenarios/evidence.ssi.gen-18/result.json",
    ] {
        assert!(listed.contains(&expected), "{expected} not in {listed:#?}");
    }
    // Requirements with nothing to show get no folder.
    assert!(!pack_dir.join("requirements/SC.PSC.01").exists());
    // The editor file is copied byte for byte.
    assert_eq!(
        std::fs::read(
            pack_dir.join("requirements/SC.SSI_GEN.18/editor-evidence/01-pentest-report.pdf")
        )
        .expect("copied"),
        b"%PDF fictitious"
    );
    // A requirement folder's manifest lists its own files, relative to it.
    let local: Manifest = serde_json::from_slice(
        &std::fs::read(pack_dir.join("requirements/SC.SSI_GEN.18/manifest.json")).expect("read"),
    )
    .expect("manifest");
    assert_eq!(local.requirement.as_deref(), Some("SC.SSI/GEN.18"));
    let local_paths: Vec<_> = local.files.iter().map(|f| f.path.as_str()).collect();
    assert!(local_paths.contains(&"editor-evidence/01-pentest-report.pdf"));
    assert!(local_paths.contains(&"index.html"));
    // Requirement pages and the pack's report are well-formed and link inside the pack.
    let page = std::fs::read_to_string(pack_dir.join("requirements/SENTINELLE.02/index.html"))
        .expect("page");
    let root = parse_xml(&page);
    let hrefs: Vec<String> = root
        .all("a")
        .iter()
        .filter_map(|a| a.attr("href").map(str::to_owned))
        .collect();
    assert!(hrefs.contains(&"../../report.html".to_owned()));
    assert!(hrefs.contains(
        &"../../requirements/SENTINELLE.02/scenarios/engine.basic.passes/005-document-produced.xml".to_owned()
    ));
    for h in hrefs.iter().filter(|h| !h.starts_with('#')) {
        let target = pack_dir.join("requirements/SENTINELLE.02").join(h);
        assert!(target.exists(), "broken link {h}");
    }
    let report_page =
        parse_xml(&std::fs::read_to_string(pack_dir.join("report.html")).expect("report"));
    for a in report_page.all("a") {
        let h = a.attr("href").unwrap_or_default();
        if !h.starts_with('#') {
            assert!(pack_dir.join(h).exists(), "broken link {h}");
        }
    }
    let back =
        RunReport::from_json(&std::fs::read_to_string(pack_dir.join("report.json")).expect("json"))
            .expect("report");
    assert_eq!(&back, outcome.report());

    // Tampering is detected; a non-empty directory is refused.
    std::fs::write(pack_dir.join("report.json"), b"{}").expect("tamper");
    std::fs::write(pack_dir.join("extra.txt"), b"x").expect("extra");
    std::fs::remove_file(pack_dir.join("report.junit.xml")).expect("remove");
    let problems = pack::verify(&pack_dir).expect("verify");
    assert!(problems.contains(&PackProblem::Changed("report.json".into())));
    assert!(problems.contains(&PackProblem::Unlisted("extra.txt".into())));
    assert!(problems.contains(&PackProblem::Missing("report.junit.xml".into())));
    assert!(matches!(
        pack::write(&pack_dir, &outcome),
        Err(Error::PackDirNotEmpty(_))
    ));
    let _ = Registry::new();
}
