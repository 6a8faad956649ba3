//! Contract of `segur ins insi search`: against the INSi simulator (plain
//! HTTP and mutual TLS), exit codes 0 / 1 / 2, `--json` shape.

use std::path::Path;
use std::process::{Command, Output};

use segur_ins::insi::sim::{InsiSimulator, SimAuth, SimBehaviour, SimIdentity};

fn segur(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_segur"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs segur")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p.to_string_lossy().into_owned()
}

const ECETINSI: &str = r#"{"birth_family_name":"Écetinsi","birth_given_names":"Pierre-Alain Muriel Floriant","birth_date":"2009-07-14","sex":"M"}"#;

async fn run(args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let e: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        segur(&a, &e)
    })
    .await
    .expect("segur ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_against_the_simulator() {
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .start()
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tmp");
    let traits = write(dir.path(), "t.json", ECETINSI.as_bytes());
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = [
            "ins",
            "insi",
            "search",
            "--traits",
            &traits,
            "--endpoint",
            &sim.url(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let o = run(args(&["--json"]), vec![]).await;
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["code"], "00");
    assert_eq!(v["identity"]["ins"]["matricule"], "109076322083489");
    assert_eq!(v["identity"]["ins"]["key_valid"], true);
    assert_eq!(v["identity"]["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["attempts"][0]["given_name"], "PIERRE-ALAIN");
    assert!(
        v["explanation"]
            .as_str()
            .is_some_and(|s| s.contains("identité unique"))
    );
    assert_eq!(v["diff"]["entries"][0]["verdict"], "same");
    // Human output.
    let o = run(args(&[]), vec![]).await;
    assert_eq!(code(&o), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("INS: 109076322083489"), "{text}");

    // 01 is a successful search.
    let unknown = write(
        dir.path(),
        "u.json",
        br#"{"birth_family_name":"HOUILLES","birth_given_names":"PIERRE PAUL","birth_date":"1989-06-01","sex":"M"}"#,
    );
    let o = run(
        vec![
            "--json".into(),
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            unknown,
            "--endpoint".into(),
            sim.url(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["code"], "01");
    assert_eq!(v["attempts"].as_array().map(Vec::len), Some(3));

    // A fault: exit 1, one line on stderr with the explanation.
    sim.script([SimBehaviour::fault_unknown_software(None)]);
    let o = run(args(&["--attempts", "1"]), vec![]).await;
    assert_eq!(code(&o), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("desir_550") && err.contains("CNDA"), "{err}");

    // Invalid traits: exit 1.
    let bad = write(
        dir.path(),
        "bad.json",
        br#"{"birth_family_name":"D4RT","birth_given_names":"X","birth_date":"2009-07-14","sex":"M"}"#,
    );
    let o = run(
        vec![
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            bad,
            "--endpoint".into(),
            sim.url(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 1);
    // Unknown sex: invalid for INSi.
    let unknown_sex = write(
        dir.path(),
        "sex.json",
        br#"{"birth_family_name":"X","birth_given_names":"Y","birth_date":"2009-07-14","sex":"U"}"#,
    );
    let o = run(
        vec![
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            unknown_sex,
            "--endpoint".into(),
            sim.url(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 1);
    // Usage errors: missing file, plain http to a remote host, missing option.
    let o = run(
        vec![
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            "/nonexistent.json".into(),
            "--endpoint".into(),
            sim.url(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 2);
    let o = run(
        vec![
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            traits.clone(),
            "--endpoint".into(),
            "http://insi.example.fr/lps".into(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 2);
    let o = run(
        vec![
            "ins".into(),
            "insi".into(),
            "search".into(),
            "--traits".into(),
            traits.clone(),
        ],
        vec![],
    )
    .await;
    assert_eq!(code(&o), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_with_a_pkcs12_structure_certificate() {
    let pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let server = pki.issue_localhost_server().expect("server");
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .tls(pki.server_config(&server, true).expect("tls"))
        .auth(SimAuth::StructureCertificate)
        .start()
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tmp");
    let traits = write(dir.path(), "t.json", ECETINSI.as_bytes());
    let cert = pki
        .issue_organisation_with_cn(&"1750712184".parse().expect("id"), "CENTRE", "INSI-MANU")
        .expect("cert");
    let p12 = write(dir.path(), "insi.p12", &cert.pkcs12("s3cret").expect("p12"));
    let root = write(dir.path(), "root.pem", pki.root_pem().as_bytes());
    let o = run(
        [
            "--json",
            "ins",
            "insi",
            "search",
            "--traits",
            &traits,
            "--endpoint",
            &sim.url(),
            "--p12",
            &p12,
            "--trust",
            &root,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        vec![("SEGUR_INSI_P12_PASSWORD".into(), "s3cret".into())],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        sim.requests()[0].client_certificate_cn.as_deref(),
        Some("INSI-MANU")
    );
    // A wrong password: usage error.
    let o = run(
        [
            "ins",
            "insi",
            "search",
            "--traits",
            &traits,
            "--endpoint",
            &sim.url(),
            "--p12",
            &p12,
            "--trust",
            &root,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        vec![("SEGUR_INSI_P12_PASSWORD".into(), "wrong".into())],
    )
    .await;
    assert_eq!(code(&o), 2);
}
