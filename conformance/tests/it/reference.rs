//! The built-in scenarios against the reference host of `segur-examples`:
//! every one it can run passes. The documents it produced are written to
//! `$SEGUR_TEST_OUT/cda/<volet-key>/` (N1, VSM, eP-MED-DM) for the official
//! XSD and schematrons
//! (`scripts/check.d/20-cda-schematron.sh`).

use std::sync::Arc;

use segur_cda::test_output;
use segur_cda::volets::{eprescription, vsm};
use segur_conformance::report::{CoverageStatus, Status};
use segur_conformance::{ArtefactKind, CheckKind, Registry, Runner, Silent, catalogue};
use segur_examples::ReferenceLgc;

#[test]
fn the_reference_host_passes_every_scenario() {
    let mut runner = Runner::new(
        Registry::builtin().expect("registry"),
        Arc::new(ReferenceLgc::new()),
    );
    // SC.CDA/INT.15 needs a display stylesheet: the stand-in with xsltproc
    // when switched on (see cda_stylesheet.rs), else not applicable.
    let stylesheet = crate::cda_stylesheet::stand_in();
    if let Some(renderer) = &stylesheet {
        runner = runner.cda_stylesheet(renderer.clone());
    }
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    let report = outcome.report();
    let failed: Vec<String> = report
        .failed()
        .map(|s| {
            format!(
                "{}: {}",
                s.id,
                s.failure.as_ref().map(|f| f.message.as_str()).unwrap_or("")
            )
        })
        .collect();
    assert!(failed.is_empty(), "failed scenarios: {failed:#?}");
    // Only the editor-evidence scenarios are not applicable (nothing declared).
    for s in &report.scenarios {
        if s.status == Status::NotApplicable {
            let without_stylesheet =
                stylesheet.is_none() && s.id == crate::cda_stylesheet::SCENARIO;
            assert!(
                s.id.starts_with("evidence.") || without_stylesheet,
                "{} is not applicable",
                s.id
            );
        }
    }
    // Every auto/host requirement with a scenario is covered.
    let registry = runner.registry();
    for r in catalogue::CATALOGUE {
        if r.check == CheckKind::Evidence || registry.for_requirement(r.id).next().is_none() {
            continue;
        }
        if stylesheet.is_none() && r.id == "SC.CDA/INT.15" {
            continue;
        }
        let c = report.coverage.requirement(r.id).expect("catalogue entry");
        assert_eq!(c.status, CoverageStatus::Covered, "{}", r.id);
    }
    assert!(report.coverage.covered >= 40, "{}", report.coverage.covered);

    // The produced CDA documents, for the official validators.
    let mut written = 0;
    for s in &report.scenarios {
        if !s.id.starts_with("cda.") {
            continue;
        }
        for a in outcome.artefacts(&s.id) {
            if a.kind == ArtefactKind::Document && a.name.ends_with(".xml") {
                let name = format!(
                    "conformance-{}-{}",
                    s.id.replace('.', "-"),
                    a.name.trim_end_matches(".xml")
                );
                let bytes = a.bytes().expect("bytes");
                let doc = segur_cda::Document::parse(bytes.clone()).expect("recorded CDA");
                // Structured documents go to their volet's schematron.
                let key = if doc.header.has_template(&vsm::TEMPLATE) {
                    vsm::VOLET_KEY
                } else if doc.header.has_template(&eprescription::TEMPLATE) {
                    eprescription::VOLET_KEY
                } else {
                    assert_eq!(doc.level(), segur_cda::Level::N1, "{name}");
                    test_output::N1
                };
                test_output::write(key, &name, &bytes).expect("write test output");
                written += 1;
            }
        }
    }
    assert!(written >= 10, "{written} documents written");
}

#[test]
fn two_runs_produce_the_same_documents() {
    let run = || {
        let runner = Runner::new(
            Registry::builtin().expect("registry"),
            Arc::new(ReferenceLgc::new()),
        )
        .filter(segur_conformance::Filter::new().scenario("cda.production.*"));
        runner.run_blocking(&mut Silent).expect("runtime")
    };
    let (a, b) = (run(), run());
    let hashes = |o: &segur_conformance::RunOutcome| -> Vec<(String, String)> {
        o.report()
            .scenarios
            .iter()
            .flat_map(|s| {
                o.artefacts(&s.id)
                    .iter()
                    .map(|a| (a.name.clone(), a.sha256.clone()))
            })
            .collect()
    };
    assert!(!hashes(&a).is_empty());
    assert_eq!(hashes(&a), hashes(&b), "deterministic clock and ids");
}
