//! `segur dmp …` end to end: exit codes and outputs.

use std::process::Command;

fn segur() -> Command {
    Command::new(env!("CARGO_BIN_EXE_segur"))
}

#[test]
fn dmp_vihf_sample_signs_and_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let org = pki
        .issue_organisation(&"499700000000001".parse().expect("id"), "CABINET TEST")
        .expect("org");
    let p12 = dir.path().join("org.p12");
    std::fs::write(&p12, org.pkcs12("pw").expect("p12")).expect("write p12");
    let out = dir.path().join("vihf.xml");
    let o = segur()
        .args([
            "--json",
            "dmp",
            "vihf",
            "--sample",
            "--password",
            "pw",
            "--p12",
        ])
        .arg(&p12)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["signed"], true);
    let xml = std::fs::read_to_string(&out).expect("output");
    let claims = segur_dmp::vihf::verify_standalone(&xml).expect("signature verifies");
    assert_eq!(claims.name_id, "810003612545");

    // Wrong password: invalid input, exit 1.
    let o = segur()
        .args(["dmp", "vihf", "--sample", "--password", "bad", "--p12"])
        .arg(&p12)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    // Missing file: usage, exit 2.
    let o = segur()
        .args(["dmp", "vihf", "--sample", "--p12", "/nonexistent.p12", "-o"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    // Missing required flag: clap usage, exit 2.
    let o = segur().args(["dmp", "vihf"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
}

/// A `segur dmp sim` child, killed on drop.
struct Sim {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(p12: &std::path::Path) -> Sim {
    use std::io::BufRead as _;
    let mut child = segur()
        .args(["dmp", "sim", "--password", "pw", "--p12-out"])
        .arg(p12)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the simulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    // Keep reading what the simulator prints.
    std::thread::spawn(move || lines.for_each(drop));
    let endpoint = first
        .strip_prefix("DMP simulator: ")
        .expect("URL line")
        .trim()
        .to_owned();
    Sim { child, endpoint }
}

#[test]
fn dmp_send_search_get_against_the_simulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p12 = dir.path().join("structure.p12");
    let sim = start_sim(&p12);
    assert!(sim.endpoint.starts_with("http://127.0.0.1:"));
    let state = dir.path().join("state");
    let common = |cmd: &str| {
        let mut c = segur();
        c.args([
            "--json",
            "dmp",
            cmd,
            "--endpoint",
            &sim.endpoint,
            "--password",
            "pw",
            "--p12",
        ])
        .arg(&p12)
        .arg("--state")
        .arg(&state);
        c
    };
    let patient = "285037511104286^^^&1.2.250.1.213.1.4.10&ISO^NH";

    // TD0.2.
    let o = common("status")
        .args(["--patient", patient])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["exists"], true);
    assert_eq!(v["authorization"], "Valid");

    // Send the sample N1 document.
    let doc = dir.path().join("cr.xml");
    std::fs::write(
        &doc,
        segur_cda::samples::n1_document().expect("sample").to_xml(),
    )
    .expect("write");
    let o = common("send").arg(&doc).output().expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["unique_ids"][0], "1.2.250.1.999.1.1^DOC-1");
    // Twice: the registry refuses the duplicate, exit 1, one line.
    let o = common("send").arg(&doc).output().expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);

    // Search: refused until the patient is recorded as informed.
    let o = common("search")
        .args(["--patient", patient])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("informed"));
    let o = common("search")
        .args([
            "--patient",
            patient,
            "--informed",
            "--type",
            "11488-4@2.16.840.1.113883.6.1",
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["entry"]["unique_id"], "1.2.250.1.999.1.1^DOC-1");

    // Get: scanned, traced, written.
    let out = dir.path().join("got.xml");
    let o = common("get")
        .args(["--patient", patient, "1.2.250.1.999.1.1^DOC-1", "-o"])
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&out).expect("read"),
        std::fs::read(&doc).expect("read")
    );
    // The access traces are in the state directory's audit trail.
    {
        use segur_ssi::audit::{AuditFilter, AuditTrail};
        let trail =
            segur_ssi::audit::SqliteAuditTrail::open(state.join("audit.db")).expect("trail");
        let kinds: Vec<String> = trail
            .query(&AuditFilter::new().patient(patient).kind_prefix("dmp."))
            .expect("query")
            .iter()
            .map(|r| format!("{}:{}", r.event.kind, r.event.outcome.as_str()))
            .collect();
        for k in [
            "dmp.document.feed:success",
            "dmp.consent.refused:denied",
            "dmp.consent.changed:success",
            "dmp.document.search:success",
            "dmp.document.retrieve:success",
        ] {
            assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
        }
        assert!(trail.verify().expect("verify").is_intact());
    }

    // Usage errors: exit 2.
    let o = common("get")
        .args(["--patient", patient, "x", "-o"])
        .arg("/nonexistent/dir/out.xml")
        .output()
        .expect("run");
    assert!(matches!(o.status.code(), Some(1) | Some(2)));
    let o = segur().args(["dmp", "search"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
}
