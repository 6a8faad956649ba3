//! `segur enfant calendar` and `segur cda sample cs8|cs9|cs24|mesures|vaccination`:
//! exit codes 0 / 1 / 2 and `--json`.
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
fn calendar_json_and_text() {
    let (code, out, err) = segur(&[
        "--json",
        "enfant",
        "calendar",
        "--birth-date",
        "2024-03-04",
        "--today",
        "2024-12-02",
        "--done",
        "MED-1224",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let exams = v["examinations"].as_array().unwrap();
    assert_eq!(exams.len(), 20);
    assert_eq!(exams[0]["status"], "done");
    assert_eq!(exams[1]["status"], "overdue");
    assert_eq!(exams[7]["code"], "MED-1232");
    assert_eq!(exams[7]["status"], "due");
    assert_eq!(exams[7]["certificate"], "CS9");
    assert_eq!(exams[19]["status"], "upcoming");
    let (code, out, _) = segur(&[
        "enfant",
        "calendar",
        "--birth-date",
        "2024-03-04",
        "--today",
        "2024-03-05",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("MED-1224") && out.contains("[CS8]"));
}

#[test]
fn calendar_bad_input() {
    // Invalid for the domain: exit 1, one line on stderr.
    for args in [
        &["enfant", "calendar", "--birth-date", "2024-02-30"][..],
        &[
            "enfant",
            "calendar",
            "--birth-date",
            "2024-03-04",
            "--today",
            "2024-01-01",
        ][..],
        &[
            "enfant",
            "calendar",
            "--birth-date",
            "2024-03-04",
            "--done",
            "MED-1226",
        ][..],
    ] {
        let (code, _, err) = segur(args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // Usage errors: exit 2.
    let (code, _, _) = segur(&["enfant", "calendar"]);
    assert_eq!(code, 2);
    let (code, _, _) = segur(&["enfant", "nope"]);
    assert_eq!(code, 2);
}

#[test]
fn child_health_samples() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["cs8", "cs9", "cs24", "mesures", "vaccination"] {
        let xml = dir.path().join(format!("{kind}.xml"));
        let (code, out, err) = segur(&[
            "--json",
            "cda",
            "sample",
            kind,
            "-o",
            xml.to_str().unwrap(),
            "--content",
            "typical",
        ]);
        assert_eq!(code, 0, "{kind}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["level"], "N3");
        let (code, _, err) = segur(&["cda", "validate", xml.to_str().unwrap()]);
        assert_eq!(code, 0, "{kind}: {err}");
        // N3 only: asking for an N1 twin is a usage error.
        let n1 = dir.path().join(format!("{kind}-n1.xml"));
        let (code, _, _) = segur(&[
            "cda",
            "sample",
            kind,
            "-o",
            xml.to_str().unwrap(),
            "--n1",
            n1.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{kind}");
        assert!(!n1.exists());
    }
}
