//! `segur xdm …` and `segur mss …` through the real binary (the mailbox
//! commands against the operator simulator).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;

use segur_mss::MailboxKind;
use segur_mss::config::Security;
use segur_mss::sim::OperatorSimulator;

fn segur(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn xdm_pack_and_unpack() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("n1.xml");
    let xml_s = xml.to_str().unwrap();
    assert_eq!(segur(&["cda", "sample", "n1", "-o", xml_s], &[]).0, 0);
    let zip = dir.path().join("IHE_XDM.zip");
    let zip_s = zip.to_str().unwrap();
    let (code, out, err) = segur(&["xdm", "pack", xml_s, "-o", zip_s], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 document(s)"), "{out}");

    let (code, out, err) = segur(&["xdm", "unpack", zip_s], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SUBSET01/DOC0001.XML"), "{out}");
    assert!(out.contains("^NH"), "patient id shown: {out}");

    let extract = dir.path().join("out");
    let (code, out, _) = segur(
        &[
            "--json",
            "xdm",
            "unpack",
            zip_s,
            "-d",
            extract.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents"][0]["type_code"], "11488-4");
    assert_eq!(v["patient_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        std::fs::read(extract.join("DOC0001.XML")).unwrap(),
        std::fs::read(&xml).unwrap()
    );

    // Invalid input: exit 1 with one line; unreadable file: exit 2.
    std::fs::write(dir.path().join("bad.zip"), b"not a zip").unwrap();
    let (code, _, err) = segur(
        &[
            "xdm",
            "unpack",
            dir.path().join("bad.zip").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, _) = segur(&["xdm", "pack", "/nonexistent.xml", "-o", zip_s], &[]);
    assert_eq!(code, 2);
    std::fs::write(dir.path().join("bad.xml"), b"<notcda/>").unwrap();
    let (code, _, _) = segur(
        &[
            "xdm",
            "pack",
            dir.path().join("bad.xml").to_str().unwrap(),
            "-o",
            zip_s,
        ],
        &[],
    );
    assert_eq!(code, 1);
}

#[test]
fn xdm_pack_detects_an_n1_n3_pair_and_refuses_a_lone_n1() {
    let dir = tempfile::tempdir().unwrap();
    let n3 = dir.path().join("vsm-n3.xml");
    let n1 = dir.path().join("vsm-n1.xml");
    let (n3_s, n1_s) = (n3.to_str().unwrap(), n1.to_str().unwrap());
    let (code, _, err) = segur(&["cda", "sample", "vsm", "-o", n3_s, "--n1", n1_s], &[]);
    assert_eq!(code, 0, "{err}");
    let zip = dir.path().join("IHE_XDM.zip");
    let zip_s = zip.to_str().unwrap();
    // Given N1 first: packed as one pair, XFRM from the N1 to the N3.
    let (code, out, err) = segur(&["--json", "xdm", "pack", n1_s, n3_s, "-o", zip_s], &[]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents"].as_array().unwrap().len(), 2);
    assert_eq!(v["pairs"].as_array().unwrap().len(), 1);
    let (n3_id, n1_id) = (v["documents"][0].clone(), v["documents"][1].clone());
    assert_eq!(v["pairs"][0]["n3"], n3_id);
    assert_eq!(v["pairs"][0]["n1"], n1_id);
    let (code, out, _) = segur(&["--json", "xdm", "unpack", zip_s], &[]);
    assert_eq!(code, 0);
    let u: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(u["pairs"][0]["n3"], n3_id);
    assert_eq!(u["pairs"][0]["n1"], n1_id);
    let (code, out, _) = segur(&["xdm", "unpack", zip_s], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("[N1 of "), "{out}");
    assert!(out.contains("[N3 of "), "{out}");
    let (code, out, _) = segur(&["xdm", "pack", n3_s, n1_s, "-o", zip_s], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("N1/N3 pair (XFRM)"), "{out}");
    // The N1 without its N3: invalid input, one clear line.
    let (code, _, err) = segur(&["xdm", "pack", n1_s, "-o", zip_s], &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("without its paired document"), "{err}");
}

#[test]
fn xdm_pack_withdrawal_and_replace_without_rplc() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("n1.xml");
    let xml_s = xml.to_str().unwrap();
    assert_eq!(segur(&["cda", "sample", "n1", "-o", xml_s], &[]).0, 0);
    let zip = dir.path().join("IHE_XDM.zip");
    let zip_s = zip.to_str().unwrap();
    let (code, _, err) = segur(
        &["xdm", "pack", xml_s, "-o", zip_s, "--action", "withdraw"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = segur(&["--json", "xdm", "unpack", zip_s], &[]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents"][0]["action"], "Delete");
    let (code, out, _) = segur(&["xdm", "unpack", zip_s], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("[withdrawal]"), "{out}");
    // A replacement needs RPLC in the CDA: invalid input, one line.
    let (code, _, err) = segur(
        &["xdm", "pack", xml_s, "-o", zip_s, "--action", "replace"],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("RPLC"), "{err}");
    // An unknown action is a usage error.
    let (code, _, _) = segur(&["xdm", "pack", xml_s, "-o", zip_s, "--action", "zap"], &[]);
    assert_eq!(code, 2);
}

#[test]
fn mss_send_and_fetch_against_the_simulator() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(
            OperatorSimulator::builder()
                .account(
                    "medecin@sim.mssante.fr".parse().unwrap(),
                    MailboxKind::Personal,
                )
                .account(
                    "secretariat@sim.mssante.fr".parse().unwrap(),
                    MailboxKind::Organisational,
                )
                .token_validator(Arc::new(|t: &str| match t {
                    "tok-m" => Some("medecin@sim.mssante.fr".to_owned()),
                    "tok-s" => Some("secretariat@sim.mssante.fr".to_owned()),
                    _ => None,
                }))
                .start(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.pki().root_pem()).unwrap();
    let settings = sim.settings(Security::StartTls);
    let config = |address: &str, var: &str| {
        let path = dir.path().join(format!("{var}.json"));
        let v = serde_json::json!({
            "address": address, "imap": settings.imap, "smtp": settings.smtp,
            "trust": [ca], "environment": "test", "auth": {"xoauth2": {"token_env": var}}, "nil": "DEV935997"
        });
        std::fs::write(&path, v.to_string()).unwrap();
        path
    };
    let medecin = config("medecin@sim.mssante.fr", "TOK_M");
    let secretariat = config("secretariat@sim.mssante.fr", "TOK_S");

    let xml = dir.path().join("n1.xml");
    assert_eq!(
        segur(&["cda", "sample", "n1", "-o", xml.to_str().unwrap()], &[]).0,
        0
    );
    let (code, out, err) = segur(
        &[
            "--json",
            "mss",
            "send",
            "--config",
            medecin.to_str().unwrap(),
            "--to",
            "secretariat@sim.mssante.fr",
            "--text",
            "Bonjour",
            "--cda",
            xml.to_str().unwrap(),
        ],
        &[("TOK_M", "tok-m")],
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["accepted"][0], "secretariat@sim.mssante.fr");

    let (code, out, err) = segur(
        &[
            "--json",
            "mss",
            "fetch",
            "--config",
            secretariat.to_str().unwrap(),
        ],
        &[("TOK_S", "tok-s")],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["messages"][0];
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("CR de consultation"),
        "{m}"
    );
    assert_eq!(m["x_mss_codecda"][0], "11488-4");
    assert_eq!(m["attachments"][0], "IHE_XDM.zip");

    // An N3 with its N1 twin: one message, one package, one PDF; the N1
    // alone is refused before anything is sent.
    let (n3, n1) = (dir.path().join("vsm.xml"), dir.path().join("vsm-n1.xml"));
    let (n3_s, n1_s) = (n3.to_str().unwrap(), n1.to_str().unwrap());
    assert_eq!(
        segur(&["cda", "sample", "vsm", "-o", n3_s, "--n1", n1_s], &[]).0,
        0
    );
    let send = |cda: &[&str]| {
        let mut args = vec![
            "mss",
            "send",
            "--config",
            medecin.to_str().unwrap(),
            "--to",
            "secretariat@sim.mssante.fr",
        ];
        for c in cda {
            args.extend(["--cda", c]);
        }
        segur(&args, &[("TOK_M", "tok-m")])
    };
    let (code, _, err) = send(&[n1_s]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("without its paired document"), "{err}");
    let (code, _, err) = send(&[n3_s, n1_s]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = segur(
        &[
            "--json",
            "mss",
            "fetch",
            "--config",
            secretariat.to_str().unwrap(),
        ],
        &[("TOK_S", "tok-s")],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages = v["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{v}");
    let names: Vec<&str> = messages[1]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "IHE_XDM.zip").count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".pdf")).count(),
        1,
        "{names:?}"
    );

    // A wrong token: exit 1 with one line.
    let (code, _, err) = segur(
        &["mss", "fetch", "--config", secretariat.to_str().unwrap()],
        &[("TOK_S", "bad")],
    );
    assert_eq!(code, 1);
    assert!(err.contains("refused"), "{err}");
    // A missing token variable: usage error.
    let (code, _, _) = segur(
        &["mss", "fetch", "--config", secretariat.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 2);
    drop(sim);
}
