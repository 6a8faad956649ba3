//! `segur cda …`: exit codes, text and JSON output.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn segur(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn example(name: &str) -> String {
    let shared = std::env::var("SEGUR_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into());
    format!("{shared}/vendor/ans-cda/ExemplesCDA/{name}")
}

#[test]
fn sample_info_validate_render() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("n1.xml");
    let xml_s = xml.to_str().unwrap();
    let (code, _, err) = segur(&["cda", "sample", "n1", "-o", xml_s]);
    assert_eq!(code, 0, "{err}");

    let (code, out, _) = segur(&["cda", "info", xml_s]);
    assert_eq!(code, 0);
    assert!(out.contains("level:            N1"));
    assert!(out.contains("birth name:       TESTPATIENT"));
    assert!(out.contains("application/pdf"));

    let (code, out, _) = segur(&["--json", "cda", "info", xml_s]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["level"], "N1");
    assert_eq!(v["patient"]["ins"]["root"], "1.2.250.1.213.1.4.10");
    assert_eq!(v["patient"]["gender"], "F");
    assert_eq!(v["template_ids"].as_array().unwrap().len(), 3);
    assert!(v["n1"]["decoded_size"].as_u64().unwrap() > 100);

    let (code, out, _) = segur(&["--json", "cda", "validate", xml_s]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);

    let html = dir.path().join("n1.html");
    let (code, _, _) = segur(&["cda", "render", xml_s, "-o", html.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("TESTPATIENT")
    );
}

#[test]
fn official_example_info_json() {
    let (code, out, err) = segur(&["--json", "cda", "info", &example("VSM_1.4_2022.01.xml")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["level"], "N3");
    assert_eq!(v["code"]["code"], "SYNTH");
    assert!(v["section_codes"].as_array().unwrap().len() >= 3);
}

#[test]
fn invalid_documents_exit_1_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Not a CDA document: exit 1, one line on stderr.
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<root/>").unwrap();
    let (code, _, err) = segur(&["cda", "info", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a CDA document"));
    // A CDA breaking header rules: validate exits 1 and lists the findings.
    let xml = dir.path().join("broken.xml");
    let (code, _, _) = segur(&["cda", "sample", "n1", "-o", xml.to_str().unwrap()]);
    assert_eq!(code, 0);
    let s = std::fs::read_to_string(&xml)
        .unwrap()
        .replace("<realmCode code=\"FR\"/>", "")
        .replace("fr-FR", "fr");
    std::fs::write(&xml, s).unwrap();
    let (code, out, err) = segur(&["cda", "validate", xml.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("[HDR-01]") && out.contains("[HDR-12]"),
        "{out}"
    );
    assert!(err.starts_with("segur: invalid: 2 error(s)"), "{err}");
    // Missing file: usage error.
    let (code, _, _) = segur(&["cda", "info", "/nonexistent/file.xml"]);
    assert_eq!(code, 2);
    // Unknown sample kind: clap usage error.
    let (code, _, _) = segur(&["cda", "sample", "n9", "-o", "x"]);
    assert_eq!(code, 2);
}

#[test]
fn render_through_a_stylesheet() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("vsm.xml");
    let xml_s = xml.to_str().unwrap();
    let (code, _, err) = segur(&["cda", "sample", "vsm", "-o", xml_s]);
    assert_eq!(code, 0, "{err}");
    let html = dir.path().join("vsm.html");
    let html_s = html.to_str().unwrap();
    let stand_in = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cda/tests/data/stand-in-display.xsl"
    );
    // Configuration errors are usage errors (2), before anything runs.
    let missing = dir.path().join("CDA-FO.xsl");
    let (code, _, err) = segur(&[
        "cda",
        "render",
        xml_s,
        "-o",
        html_s,
        "--stylesheet",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be read"), "{err}");
    let (code, _, err) = segur(&[
        "cda",
        "render",
        xml_s,
        "-o",
        html_s,
        "--stylesheet",
        stand_in,
        "--xslt-processor",
        "saxon:",
    ]);
    assert_eq!(code, 2, "{err}");
    // A missing processor fails the command (1) with a clear line.
    let (code, _, err) = segur(&[
        "cda",
        "render",
        xml_s,
        "-o",
        html_s,
        "--stylesheet",
        stand_in,
        "--xslt-processor",
        "xsltproc:/nonexistent/xsltproc",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not found"), "{err}");
    if std::env::var_os("SEGUR_XSLTPROC").is_none() {
        eprintln!(
            "skipped: segur cda render --stylesheet with xsltproc (set SEGUR_XSLTPROC=1, as scripts/setup.d/26-xsltproc.sh does)"
        );
        return;
    }
    let (code, _, err) = segur(&[
        "cda",
        "render",
        xml_s,
        "-o",
        html_s,
        "--stylesheet",
        stand_in,
        "--stylesheet-param",
        "banner=Bannière CLI",
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<p class=\"banner\">Bannière CLI</p>"),
        "{page}"
    );
    assert!(!page.contains("ClinicalDocument"));
}
