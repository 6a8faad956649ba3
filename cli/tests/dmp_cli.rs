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
