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

const MEASURES: &str = r#"{
  "sex": "F", "birth_date": "2024-03-04", "label": "Louise",
  "measurements": [
    {"date": "2024-03-04", "weight_kg": 3.35, "height_cm": 50, "head_cm": 34.5},
    {"date": "2024-09-04", "weight_kg": 7.4, "height_cm": 66.5, "head_cm": 43},
    {"date": "2026-03-10", "weight_kg": 12.1, "height_cm": 86.4}
  ]}"#;

#[test]
fn growth_chart_writes_an_svg_for_each_chart() {
    let dir = tempfile::tempdir().unwrap();
    let measures = dir.path().join("measures.json");
    std::fs::write(&measures, MEASURES).unwrap();
    for chart in ["weight", "height", "head", "bmi"] {
        let out = dir.path().join(format!("{chart}.svg"));
        let (code, stdout, err) = segur(&[
            "--json",
            "enfant",
            "growth-chart",
            "--measures",
            measures.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--chart",
            chart,
        ]);
        assert_eq!(code, 0, "{chart}: {err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["chart"], chart);
        assert!(v["source"].as_str().unwrap().contains("OMS"));
        let expected_points = match chart {
            "head" => 2,
            _ => 3,
        };
        assert_eq!(
            v["points"].as_array().unwrap().len(),
            expected_points,
            "{chart}"
        );
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), expected_points);
    }
    // Default chart (weight), z-score curves, fixed axis, text output.
    let out = dir.path().join("z.svg");
    let (code, stdout, err) = segur(&[
        "enfant",
        "growth-chart",
        "--measures",
        measures.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--curves",
        "zscores",
        "--max-age-months",
        "60",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("weight") && stdout.contains("3 point(s)"));
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.contains("+3 DS") && svg.contains(">60<"));
}

#[test]
fn growth_chart_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.svg");
    let out = out.to_str().unwrap();
    // Invalid for the domain: exit 1, one line on stderr, no file written.
    for body in [
        r#"{"sex":"U","birth_date":"2024-03-04","measurements":[]}"#,
        r#"{"sex":"F","birth_date":"2024-03-04","measurements":[{"date":"2024-03-01","weight_kg":3}]}"#,
        r#"{"sex":"F","birth_date":"2024-03-04","measurements":[{"date":"2024-03-05","weight_kg":"3"}]}"#,
        "[]",
    ] {
        let measures = dir.path().join("bad.json");
        std::fs::write(&measures, body).unwrap();
        let (code, _, err) = segur(&[
            "enfant",
            "growth-chart",
            "--measures",
            measures.to_str().unwrap(),
            "-o",
            out,
        ]);
        assert_eq!(code, 1, "{body}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!std::path::Path::new(out).exists());
    }
    // Usage: unknown chart, missing file, age axis out of range, no output.
    let measures = dir.path().join("ok.json");
    std::fs::write(&measures, MEASURES).unwrap();
    let m = measures.to_str().unwrap();
    for args in [
        &[
            "enfant",
            "growth-chart",
            "--measures",
            m,
            "-o",
            out,
            "--chart",
            "poids",
        ][..],
        &[
            "enfant",
            "growth-chart",
            "--measures",
            "/nonexistent/m.json",
            "-o",
            out,
        ][..],
        &[
            "enfant",
            "growth-chart",
            "--measures",
            m,
            "-o",
            out,
            "--max-age-months",
            "61",
        ][..],
        &["enfant", "growth-chart", "--measures", m][..],
    ] {
        let (code, _, err) = segur(args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn recipients_bad_department_and_table() {
    for bad in ["20", "96", "2C", "7"] {
        let (code, out, err) = segur(&["enfant", "recipients", "--department", bad]);
        assert_eq!(code, 1, "{bad}: {out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("department"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.json");
    std::fs::write(
        &table,
        r#"{"pmi": {"2a": "pmi@cd2a.test.mssante.fr"}, "drees": "certificats@drees.test.mssante.fr"}"#,
    )
    .unwrap();
    let t = table.to_str().unwrap();
    let (code, out, err) = segur(&[
        "--json",
        "enfant",
        "recipients",
        "--department",
        "2A",
        "--table",
        t,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["department"], "2A");
    assert_eq!(v["recipients"][0]["address"], "pmi@cd2a.test.mssante.fr");
    assert_eq!(v["recipients"][0]["source"]["from"], "table");
    assert_eq!(v["recipients"][0]["source"]["reason"], "not_configured");
    assert_eq!(v["recipients"][1]["recipient"]["kind"], "drees");
    // No address for the department: exit 1, one line.
    let (code, _, err) = segur(&["enfant", "recipients", "--department", "75", "--table", t]);
    assert_eq!(code, 1);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("no PMI address for department 75"), "{err}");
    // --annuaire-url without trust anchors: usage error.
    let (code, _, _) = segur(&[
        "enfant",
        "recipients",
        "--department",
        "75",
        "--annuaire-url",
        "http://127.0.0.1:9/fhir/v2",
    ]);
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipients_from_the_annuaire_fake() {
    use segur_mss::MailboxKind;
    use segur_mss::sim::directory::{AnnuaireFake, organization_at};
    let pmi = organization_at(
        "pmi-75",
        "Département de Paris - PMI",
        &[(
            "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement",
            "223",
        )],
        "75013",
        &[(
            "pmi@cd75.test.mssante.fr".parse().unwrap(),
            MailboxKind::Organisational,
        )],
    );
    let fake = AnnuaireFake::start("cli-key", vec![pmi], 50).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(
        &ca,
        segur_ssi::test_pki::TestPki::generate().unwrap().root_pem(),
    )
    .unwrap();
    let base = fake.base_url();
    let ca = ca.to_str().unwrap().to_owned();
    let run = move |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_segur"))
            .args(&args)
            .env("SEGUR_TEST_ANNUAIRE_KEY", "cli-key")
            .output()
            .unwrap()
    };
    let args = |json: bool| {
        let mut a: Vec<String> = vec![];
        if json {
            a.push("--json".into());
        }
        a.extend(
            [
                "enfant",
                "recipients",
                "--department",
                "75",
                "--annuaire-url",
                &base,
                "--api-key-env",
                "SEGUR_TEST_ANNUAIRE_KEY",
                "--trust",
                &ca,
                "--environment",
                "test",
            ]
            .map(String::from),
        );
        a
    };
    let (a1, a2) = (args(true), args(false));
    let out = tokio::task::spawn_blocking(move || (run(a1), run(a2)))
        .await
        .unwrap();
    let (j, h) = out;
    assert_eq!(
        j.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&j.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["recipients"][0]["address"], "pmi@cd75.test.mssante.fr");
    assert_eq!(v["recipients"][0]["source"]["from"], "annuaire");
    assert_eq!(v["recipients"][0]["source"]["resource_id"], "pmi-75");
    // Nothing for the DREES in this directory: reported, not an error.
    assert_eq!(v["unresolved"][0]["reason"]["reason"], "not_found");
    let text = String::from_utf8(h.stdout).unwrap();
    assert!(
        text.contains("PMI 75") && text.contains("[annuaire: Département de Paris - PMI (pmi-75)]"),
        "{text}"
    );
    assert!(
        text.contains("DREES") && text.contains("not resolved"),
        "{text}"
    );
}
