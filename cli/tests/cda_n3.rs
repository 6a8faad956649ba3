//! `segur cda sample vsm|eprescription|presc-…` and the readable rendering
//! of structured documents.
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

#[test]
fn n3_samples_validate_and_render_their_sections() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, sections) in [
        (
            "vsm",
            &[
                "Pathologies en cours",
                "Allergies",
                "Traitement au long cours",
                "Résultats",
            ][..],
        ),
        (
            "eprescription",
            &[
                "Prescription de médicaments",
                "Prescription de dispositifs médicaux",
                "Signes vitaux",
            ][..],
        ),
    ] {
        let xml = dir.path().join(format!("{kind}.xml"));
        let n1 = dir.path().join(format!("{kind}-n1.xml"));
        let html = dir.path().join(format!("{kind}.html"));
        let (code, out, err) = segur(&[
            "--json",
            "cda",
            "sample",
            kind,
            "-o",
            xml.to_str().unwrap(),
            "--n1",
            n1.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["level"], "N3");
        let (code, _, err) = segur(&["cda", "validate", xml.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let (code, out, _) = segur(&["--json", "cda", "info", n1.to_str().unwrap()]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["level"], "N1");
        assert_eq!(v["related_documents"][0]["type_code"], "XFRM");
        let (code, _, err) = segur(&[
            "cda",
            "render",
            xml.to_str().unwrap(),
            "-o",
            html.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let page = std::fs::read_to_string(&html).unwrap();
        for s in sections {
            assert!(page.contains(s), "{kind}: section {s} not rendered");
        }
        assert!(page.contains("<table"), "{kind}: narrative tables rendered");
    }
    // Minimal content.
    let xml = dir.path().join("min.xml");
    let (code, _, err) = segur(&[
        "cda",
        "sample",
        "eprescription",
        "--content",
        "minimal",
        "-o",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn n1_prescription_samples_carry_their_type_codes() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, code_value) in [
        ("presc-bio", "PRESC-BIO"),
        ("presc-kine", "PRESC-KINE"),
        ("presc-inf", "PRESC-INF"),
        ("presc-pedi", "PRESC-PEDI"),
        ("presc-orthopho", "PRESC-ORTHOPHO"),
        ("presc-orthoptie", "PRESC-ORTHOPTIE"),
    ] {
        let xml = dir.path().join(format!("{kind}.xml"));
        let (code, _, err) = segur(&["cda", "sample", kind, "-o", xml.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let (code, out, _) = segur(&["--json", "cda", "info", xml.to_str().unwrap()]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["level"], "N1");
        assert_eq!(v["code"]["code"], code_value);
    }
    // --n1 only applies to N3 samples: usage error.
    let xml = dir.path().join("x.xml");
    let (code, _, _) = segur(&[
        "cda",
        "sample",
        "presc-bio",
        "-o",
        xml.to_str().unwrap(),
        "--n1",
        "y.xml",
    ]);
    assert_eq!(code, 2);
}
