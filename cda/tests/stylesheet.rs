//! Display through an XSLT stylesheet (`segur_cda::stylesheet`).
//!
//! The typed-error tests that need no XSLT processor always run (they use
//! a missing program or small shell commands standing for a processor).
//! The renderings with libxslt's `xsltproc` and the stand-in stylesheet
//! `tests/data/stand-in-display.xsl` (NOT the official CDA-FO.xsl) are
//! opt-in: `SEGUR_XSLTPROC=1` (xsltproc on PATH) or the path of xsltproc,
//! exported by `scripts/setup.d/26-xsltproc.sh`; with Saxon-HE through
//! saxonche (`tools/saxonche_xslt.py`), opt-in: `SEGUR_SCHEMATRON_PYTHON`
//! (a Python with saxonche, from `scripts/setup.d/20-schematron.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segur_cda::datatypes::NamePartKind;
use segur_cda::samples;
use segur_cda::stylesheet::{StylesheetError, StylesheetRenderer, XsltProcessor};
use segur_cda::volets::samples::{Richness, vsm_document};

const STAND_IN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/stand-in-display.xsl"
);

/// The xsltproc to use, or `None` (with one line on stderr) when the
/// opt-in switch is unset.
fn xsltproc() -> Option<XsltProcessor> {
    match std::env::var("SEGUR_XSLTPROC") {
        Ok(v) if v == "1" => Some(XsltProcessor::xsltproc()),
        Ok(v) if !v.trim().is_empty() => Some(XsltProcessor::Xsltproc {
            program: PathBuf::from(v),
        }),
        _ => {
            eprintln!(
                "skipped: rendering with xsltproc (set SEGUR_XSLTPROC=1, as scripts/setup.d/26-xsltproc.sh does after installing Debian's xsltproc)"
            );
            None
        }
    }
}

/// Saxon-HE through PyPI's saxonche and `tools/saxonche_xslt.py`, or `None`
/// (one line on stderr) when `SEGUR_SCHEMATRON_PYTHON` (a Python with
/// saxonche, set up by scripts/setup.d/20-schematron.sh) is unset.
fn saxonche() -> Option<XsltProcessor> {
    match std::env::var("SEGUR_SCHEMATRON_PYTHON") {
        Ok(python) if !python.trim().is_empty() => Some(XsltProcessor::command(
            python,
            [
                concat!(env!("CARGO_MANIFEST_DIR"), "/tools/saxonche_xslt.py"),
                "{stylesheet}",
                "{input}",
                "{output}",
                "{params}",
            ],
        )),
        _ => {
            eprintln!(
                "skipped: rendering with Saxon-HE (saxonche) (set SEGUR_SCHEMATRON_PYTHON to a Python with saxonche, as scripts/setup.d/20-schematron.sh does)"
            );
            None
        }
    }
}

fn n1_xml() -> Vec<u8> {
    samples::n1_document().unwrap().to_xml()
}

fn write_stylesheet(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" \
             xmlns:hl7=\"urn:hl7-org:v3\">{body}</xsl:stylesheet>"
        ),
    )
    .unwrap();
    path
}

#[test]
fn missing_processor_is_a_typed_error() {
    let renderer = StylesheetRenderer::new(
        STAND_IN,
        XsltProcessor::Xsltproc {
            program: "segur-no-such-xslt-processor".into(),
        },
    );
    match renderer.render(&n1_xml()) {
        Err(StylesheetError::ProcessorMissing { program, .. }) => {
            assert_eq!(program, Path::new("segur-no-such-xslt-processor"));
        }
        other => panic!("expected ProcessorMissing, got {other:?}"),
    }
    let e = renderer.render(&n1_xml()).unwrap_err().to_string();
    assert!(e.contains("not found"), "{e}");
}

#[test]
fn missing_stylesheet_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let renderer = StylesheetRenderer::new(
        dir.path().join("CDA-FO.xsl"),
        // Never started: the stylesheet is checked first.
        XsltProcessor::command("segur-no-such-xslt-processor", ["{input}"]),
    );
    assert!(matches!(
        renderer.render(&n1_xml()),
        Err(StylesheetError::StylesheetMissing { .. })
    ));
    let as_dir = StylesheetRenderer::new(dir.path(), XsltProcessor::xsltproc());
    assert!(matches!(
        as_dir.check(),
        Err(StylesheetError::StylesheetMissing { .. })
    ));
}

#[test]
fn non_cda_and_doctype_inputs_are_refused_before_running() {
    let renderer = StylesheetRenderer::new(
        STAND_IN,
        XsltProcessor::command("segur-no-such-xslt-processor", ["{input}"]),
    );
    assert!(matches!(
        renderer.render(b"<html><body/></html>"),
        Err(StylesheetError::NotCda(_))
    ));
    assert!(matches!(
        renderer.render(b"not xml at all"),
        Err(StylesheetError::NotCda(_))
    ));
    let xml = String::from_utf8(n1_xml()).unwrap();
    let with_doctype = xml.replacen(
        "<ClinicalDocument",
        "<!DOCTYPE ClinicalDocument SYSTEM \"file:///etc/passwd\">\n<ClinicalDocument",
        1,
    );
    assert!(matches!(
        renderer.render(with_doctype.as_bytes()),
        Err(StylesheetError::Doctype)
    ));
}

#[cfg(unix)]
#[test]
fn a_processor_that_hangs_is_killed_at_the_timeout() {
    let renderer = StylesheetRenderer::new(STAND_IN, XsltProcessor::command("sleep", ["30"]))
        .with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    match renderer.render(&n1_xml()) {
        Err(StylesheetError::Timeout { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_millis(300));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[cfg(unix)]
#[test]
fn a_failing_processor_reports_its_status_and_message() {
    let renderer = StylesheetRenderer::new(
        STAND_IN,
        XsltProcessor::command(
            "sh",
            ["-c", "echo 'compilation error: bad stylesheet' >&2; exit 3"],
        ),
    );
    match renderer.render(&n1_xml()) {
        Err(StylesheetError::ProcessorFailed { status, stderr, .. }) => {
            assert!(status.contains('3'), "{status}");
            assert!(
                stderr.contains("compilation error: bad stylesheet"),
                "{stderr}"
            );
        }
        other => panic!("expected ProcessorFailed, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn output_must_be_an_html_page_of_bounded_size() {
    // `cat {input}` echoes the CDA: not a page.
    let echo = StylesheetRenderer::new(STAND_IN, XsltProcessor::command("cat", ["{input}"]));
    match echo.render(&n1_xml()) {
        Err(StylesheetError::Output(reason)) => assert!(reason.contains("not an HTML page")),
        other => panic!("expected Output, got {other:?}"),
    }
    let page = "<html><body><p>vu</p></body></html>";
    let stdout = StylesheetRenderer::new(STAND_IN, XsltProcessor::command("printf", [page]));
    let r = stdout.render(&n1_xml()).unwrap();
    assert_eq!(r.html, page);
    assert!(matches!(
        stdout.with_max_output(10).render(&n1_xml()),
        Err(StylesheetError::Output(_))
    ));
    let silent = StylesheetRenderer::new(STAND_IN, XsltProcessor::command("true", ["{output}"]));
    assert!(matches!(
        silent.render(&n1_xml()),
        Err(StylesheetError::Output(_))
    ));
}

#[test]
fn stand_in_renders_the_header_and_every_section() {
    let Some(processor) = xsltproc() else { return };
    let doc = vsm_document(Richness::Typical).unwrap();
    let xml = doc.to_xml();
    let page = StylesheetRenderer::new(STAND_IN, processor)
        .render(&xml)
        .unwrap();
    let html = &page.html;
    assert!(html.starts_with("<html"), "{}", &html[..80.min(html.len())]);
    assert!(!html.contains("ClinicalDocument"));
    let title = doc.header.title.as_deref().unwrap();
    assert!(html.contains(&format!("<h1>{title}</h1>")));
    let patient = doc.header.record_targets[0]
        .patient_role
        .patient
        .as_ref()
        .unwrap();
    let family = patient.names[0]
        .part(&NamePartKind::Family, None)
        .or_else(|| patient.names[0].part(&NamePartKind::Family, Some("BR")))
        .unwrap()
        .to_owned();
    assert!(html.contains(&family), "patient {family} not shown");
    let body = doc.structured_body().unwrap();
    assert!(!body.sections.is_empty());
    for section in &body.sections {
        let t = section.title.as_deref().unwrap();
        assert!(
            html.contains(&format!("<h2>{t}</h2>")),
            "section {t} not shown"
        );
    }
    let out = std::env::var_os("SEGUR_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/segur-test-out").into());
    std::fs::create_dir_all(out.join("html")).unwrap();
    std::fs::write(out.join("html/stand-in-stylesheet-vsm.html"), html).unwrap();
}

#[test]
fn stand_in_renders_n1_documents_and_takes_parameters() {
    let Some(processor) = xsltproc() else { return };
    let renderer = StylesheetRenderer::new(STAND_IN, processor)
        .with_param("banner", "Bannière <42> & \"co\"")
        .unwrap();
    let html = renderer.render(&n1_xml()).unwrap().html;
    assert!(html.contains("Bannière &lt;42&gt; &amp; \"co\""), "{html}");
    assert!(html.contains("TESTPATIENT"));
    assert!(html.contains("Document non structuré (application/pdf)"));
}

#[test]
fn a_stylesheet_that_fails_reports_the_processor_message() {
    let Some(processor) = xsltproc() else { return };
    let dir = tempfile::tempdir().unwrap();
    let failing = write_stylesheet(
        dir.path(),
        "failing.xsl",
        "<xsl:template match=\"/\"><xsl:message terminate=\"yes\">feuille volontairement en échec</xsl:message></xsl:template>",
    );
    match StylesheetRenderer::new(&failing, processor.clone()).render(&n1_xml()) {
        Err(StylesheetError::ProcessorFailed { stderr, .. }) => {
            assert!(
                stderr.contains("feuille volontairement en échec"),
                "{stderr}"
            );
        }
        other => panic!("expected ProcessorFailed, got {other:?}"),
    }
    let malformed = dir.path().join("malformed.xsl");
    std::fs::write(&malformed, "<xsl:stylesheet").unwrap();
    assert!(matches!(
        StylesheetRenderer::new(&malformed, processor.clone()).render(&n1_xml()),
        Err(StylesheetError::ProcessorFailed { .. })
    ));
    let text = write_stylesheet(
        dir.path(),
        "text.xsl",
        "<xsl:output method=\"text\"/><xsl:template match=\"/\">plain text</xsl:template>",
    );
    assert!(matches!(
        StylesheetRenderer::new(&text, processor).render(&n1_xml()),
        Err(StylesheetError::Output(_))
    ));
}

#[test]
fn a_stylesheet_that_loops_is_killed_at_the_timeout() {
    let Some(processor) = xsltproc() else { return };
    let dir = tempfile::tempdir().unwrap();
    // 2^60 calls at a depth of 60: never ends, never hits the recursion limit.
    let looping = write_stylesheet(
        dir.path(),
        "looping.xsl",
        "<xsl:template match=\"/\"><xsl:call-template name=\"t\"><xsl:with-param name=\"n\" select=\"60\"/></xsl:call-template></xsl:template>\
         <xsl:template name=\"t\"><xsl:param name=\"n\"/><xsl:if test=\"$n &gt; 0\">\
         <xsl:call-template name=\"t\"><xsl:with-param name=\"n\" select=\"$n - 1\"/></xsl:call-template>\
         <xsl:call-template name=\"t\"><xsl:with-param name=\"n\" select=\"$n - 1\"/></xsl:call-template>\
         </xsl:if></xsl:template>",
    );
    let started = Instant::now();
    let r = StylesheetRenderer::new(&looping, processor)
        .with_timeout(Duration::from_secs(1))
        .render(&n1_xml());
    assert!(
        matches!(r, Err(StylesheetError::Timeout { .. })),
        "expected Timeout, got {r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn saxon_he_through_saxonche_renders_the_stand_in_with_parameters() {
    let Some(processor) = saxonche() else { return };
    let doc = vsm_document(Richness::Typical).unwrap();
    let renderer = StylesheetRenderer::new(STAND_IN, processor.clone())
        .with_param("banner", "Bannière Saxon")
        .unwrap();
    let page = renderer.render(&doc.to_xml()).unwrap();
    assert!(page.html.starts_with("<html"));
    assert!(page.html.contains("<p class=\"banner\">Bannière Saxon</p>"));
    for section in &doc.structured_body().unwrap().sections {
        let t = section.title.as_deref().unwrap();
        assert!(
            page.html.contains(&format!("<h2>{t}</h2>")),
            "section {t} not shown"
        );
    }
    // A stylesheet error comes back as the processor's message.
    let dir = tempfile::tempdir().unwrap();
    let failing = write_stylesheet(
        dir.path(),
        "failing.xsl",
        "<xsl:template match=\"/\"><xsl:message terminate=\"yes\">arrêt demandé</xsl:message></xsl:template>",
    );
    match StylesheetRenderer::new(&failing, processor).render(&n1_xml()) {
        Err(StylesheetError::ProcessorFailed { stderr, .. }) => {
            assert!(stderr.contains("Saxon-HE"), "{stderr}");
        }
        other => panic!("expected ProcessorFailed, got {other:?}"),
    }
}
