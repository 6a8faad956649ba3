//! Scenario `cda.display.official-stylesheet` (SC.CDA/INT.15) against the
//! reference host and deliberately faulty hosts.
//!
//! The official stylesheet (CDA-FO.xsl) is never in the repository: these
//! tests use the STAND-IN stylesheet `cda/tests/data/stand-in-display.xsl`
//! with libxslt's xsltproc, opt-in with `SEGUR_XSLTPROC=1` (exported by
//! `scripts/setup.d/26-xsltproc.sh`). The tests without a processor always run.

use std::sync::Arc;

use segur_cda::Level;
use segur_cda::stylesheet::{StylesheetRenderer, XsltProcessor};
use segur_conformance::host::{
    BoxFuture, DocumentRef, DocumentView, Documents, HostEnvironment, IdentityDisplay,
    Observations, PatientFileRef, PatientFiles,
};
use segur_conformance::report::{ScenarioReport, Status};
use segur_conformance::{Filter, Host, HostError, HostInfo, Registry, Runner, Silent};
use segur_examples::{ReferenceLgc, Settings};

pub(crate) const SCENARIO: &str = "cda.display.official-stylesheet";

const STAND_IN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../cda/tests/data/stand-in-display.xsl"
);

/// xsltproc, or `None` (one line on stderr) when the switch is unset.
fn xsltproc() -> Option<XsltProcessor> {
    match std::env::var("SEGUR_XSLTPROC") {
        Ok(v) if v == "1" => Some(XsltProcessor::xsltproc()),
        Ok(v) if !v.trim().is_empty() => Some(XsltProcessor::Xsltproc { program: v.into() }),
        _ => {
            eprintln!(
                "skipped: {SCENARIO} with xsltproc and the stand-in stylesheet (set SEGUR_XSLTPROC=1, as scripts/setup.d/26-xsltproc.sh does after installing Debian's xsltproc)"
            );
            None
        }
    }
}

/// The stand-in stylesheet with xsltproc, when switched on.
pub(crate) fn stand_in() -> Option<StylesheetRenderer> {
    xsltproc().map(|p| StylesheetRenderer::new(STAND_IN, p))
}

fn run(host: Arc<dyn Host>, stylesheet: Option<StylesheetRenderer>) -> ScenarioReport {
    let mut runner = Runner::new(Registry::builtin().expect("registry"), host)
        .filter(Filter::new().scenario(SCENARIO));
    if let Some(r) = stylesheet {
        runner = runner.cda_stylesheet(r);
    }
    let report = runner
        .run_blocking(&mut Silent)
        .expect("runtime")
        .into_report();
    assert_eq!(report.scenarios.len(), 1);
    let covered = report
        .coverage
        .requirement("SC.CDA/INT.15")
        .expect("INT.15 in the coverage")
        .status;
    let s = report.scenarios.into_iter().next().expect("one scenario");
    assert_eq!(
        covered == segur_conformance::report::CoverageStatus::Covered,
        s.status == Status::Passed,
        "INT.15 is covered exactly when the scenario passes"
    );
    s
}

fn failure_message(s: &ScenarioReport) -> &str {
    &s.failure.as_ref().expect("a failure").message
}

#[test]
fn without_a_stylesheet_the_scenario_is_not_applicable_and_says_which_option_to_set() {
    let s = run(Arc::new(ReferenceLgc::new()), None);
    assert_eq!(s.status, Status::NotApplicable);
    let m = failure_message(&s);
    assert!(m.contains("--cda-stylesheet"), "{m}");
    assert!(m.contains("CDA-FO.xsl"), "{m}");
    assert!(!m.contains('\n'), "one line: {m}");
}

#[test]
fn a_runner_side_processor_failure_fails_the_scenario() {
    let renderer = StylesheetRenderer::new(
        STAND_IN,
        XsltProcessor::Xsltproc {
            program: "segur-no-such-xslt-processor".into(),
        },
    );
    let s = run(Arc::new(ReferenceLgc::new()), Some(renderer));
    assert_eq!(s.status, Status::Failed);
    let m = failure_message(&s);
    assert!(
        m.contains("the runner could not apply the configured stylesheet")
            && m.contains("not found"),
        "{m}"
    );
}

#[test]
fn the_reference_host_displays_through_the_stand_in_stylesheet() {
    let Some(processor) = xsltproc() else { return };
    let s = run(
        Arc::new(ReferenceLgc::new()),
        Some(StylesheetRenderer::new(STAND_IN, processor)),
    );
    assert_eq!(s.status, Status::Passed, "{:?}", s.failure);
    let names: Vec<&str> = s.artefacts.iter().map(|a| a.name.as_str()).collect();
    for expected in [
        "official-stylesheet.txt",
        "official-stylesheet-rendering.html",
        "host-stylesheet-rendering.html",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(
        s.steps
            .iter()
            .any(|st| st.name.starts_with("apply the official stylesheet")
                && st.name.contains("SHA-256")),
        "{:?}",
        s.steps
    );
}

#[test]
fn a_host_showing_its_native_rendering_fails() {
    let Some(processor) = xsltproc() else { return };
    let s = run(
        Arc::new(NativeInsteadOfStylesheet(ReferenceLgc::new())),
        Some(StylesheetRenderer::new(STAND_IN, processor)),
    );
    assert_eq!(s.status, Status::Failed);
    let m = failure_message(&s);
    eprintln!("{m}");
    assert!(
        m.contains("the host's display is not the official stylesheet's rendering"),
        "{m}"
    );
    assert_eq!(
        s.failure.as_ref().and_then(|f| f.step.as_deref()),
        Some("the display is the official stylesheet's rendering")
    );
}

#[test]
fn a_host_with_other_stylesheet_parameters_fails_showing_the_difference() {
    let Some(processor) = xsltproc() else { return };
    let official = StylesheetRenderer::new(STAND_IN, processor);
    let mut settings = Settings::default();
    settings.cda_stylesheet = Some(
        official
            .clone()
            .with_param("banner", "Bannière maison")
            .expect("param"),
    );
    let s = run(
        Arc::new(ReferenceLgc::with_settings(settings)),
        Some(official),
    );
    assert_eq!(s.status, Status::Failed);
    let m = failure_message(&s);
    eprintln!("{m}");
    assert!(m.contains("Bannière maison"), "{m}");
    assert!(
        m.contains("Rendu par la feuille de style de substitution"),
        "{m}"
    );
}

#[test]
fn a_host_showing_garbage_fails_on_the_key_facts() {
    let Some(processor) = xsltproc() else { return };
    let s = run(
        Arc::new(EmptyPage(ReferenceLgc::new())),
        Some(StylesheetRenderer::new(STAND_IN, processor)),
    );
    assert_eq!(s.status, Status::Failed);
    let m = failure_message(&s);
    assert!(m.contains("the host's display lacks"), "{m}");
}

#[test]
fn a_host_on_saxon_he_agrees_with_a_runner_on_xsltproc() {
    let Some(xsltproc) = xsltproc() else { return };
    let Some(python) = std::env::var("SEGUR_SCHEMATRON_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
    else {
        eprintln!(
            "skipped: {SCENARIO} with a Saxon-HE host (set SEGUR_SCHEMATRON_PYTHON to a Python with saxonche, as scripts/setup.d/20-schematron.sh does)"
        );
        return;
    };
    let saxon = XsltProcessor::command(
        python,
        [
            concat!(env!("CARGO_MANIFEST_DIR"), "/../cda/tools/saxonche_xslt.py"),
            "{stylesheet}",
            "{input}",
            "{output}",
            "{params}",
        ],
    );
    let mut settings = Settings::default();
    settings.cda_stylesheet = Some(StylesheetRenderer::new(STAND_IN, saxon));
    let s = run(
        Arc::new(ReferenceLgc::with_settings(settings)),
        Some(StylesheetRenderer::new(STAND_IN, xsltproc)),
    );
    assert_eq!(s.status, Status::Passed, "{:?}", s.failure);
}

/// Shows the SDK's native HTML rendering where the official one is asked.
struct NativeInsteadOfStylesheet(ReferenceLgc);

/// Shows an empty page where the official one is asked.
struct EmptyPage(ReferenceLgc);

macro_rules! wrapper {
    ($name:ident, |$inner:ident, $doc:ident| $page:expr) => {
        impl Host for $name {
            fn info(&self) -> HostInfo {
                HostInfo::new(stringify!($name), "0")
            }
            fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
                self.0.reset()
            }
            fn prepare(&self, env: HostEnvironment) {
                self.0.prepare(env);
            }
            fn patient_files(&self) -> Option<&dyn PatientFiles> {
                self.0.patient_files()
            }
            fn documents(&self) -> Option<&dyn Documents> {
                self.0.documents()
            }
            fn observations(&self) -> Option<&dyn Observations> {
                Some(self)
            }
        }

        impl Observations for $name {
            fn identity_display<'a>(
                &'a self,
                file: &'a PatientFileRef,
            ) -> BoxFuture<'a, Result<IdentityDisplay, HostError>> {
                Observations::identity_display(&self.0, file)
            }
            fn document_view<'a>(
                &'a self,
                document: &'a DocumentRef,
            ) -> BoxFuture<'a, Result<DocumentView, HostError>> {
                Observations::document_view(&self.0, document)
            }
            fn rendering<'a>(
                &'a self,
                document: &'a DocumentRef,
                level: Level,
            ) -> BoxFuture<'a, Result<String, HostError>> {
                Observations::rendering(&self.0, document, level)
            }
            fn stylesheet_rendering<'a>(
                &'a self,
                document: &'a DocumentRef,
            ) -> BoxFuture<'a, Result<String, HostError>> {
                let $inner = &self.0;
                let $doc = document;
                Box::pin(async move { $page })
            }
        }
    };
}

wrapper!(NativeInsteadOfStylesheet, |inner, doc| {
    Observations::rendering(inner, doc, Level::N3).await
});
wrapper!(EmptyPage, |inner, doc| {
    let _ = (inner, doc);
    Ok("<html><body></body></html>".to_owned())
});
