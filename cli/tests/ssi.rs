//! Contract of `segur ssi …`: exit codes 0 / 1 / 2, one line on stderr for
//! invalid input, and the `--json` shapes.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use segur_ssi::audit::{AuditEvent, AuditTrail, Outcome, SqliteAuditTrail, kinds};

fn segur(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs segur");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn one_stderr_line(o: &Output) -> String {
    let s = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(s.trim_end().lines().count(), 1, "one line on stderr: {s:?}");
    s
}

#[test]
fn password_check() {
    let ok = segur(&["ssi", "password", "check", "--json"], "Tr0mbone!Vert\n");
    assert_eq!(code(&ok), 0, "{}", String::from_utf8_lossy(&ok.stderr));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["entropy_bits"], 86);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);

    let weak = segur(
        &["ssi", "password", "check", "--user", "jeanne"],
        "jeanne2024\n",
    );
    assert_eq!(code(&weak), 1);
    let line = one_stderr_line(&weak);
    assert!(
        line.contains("too short") && line.contains("login or name"),
        "{line}"
    );

    let admin = segur(
        &["ssi", "password", "check", "--policy", "privileged"],
        "Tr0mbone!Vert",
    );
    assert_eq!(code(&admin), 1);
    assert_eq!(
        code(&segur(
            &["ssi", "password", "check", "--policy", "nope"],
            ""
        )),
        2
    );
}

#[test]
fn audit_verify_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let t = SqliteAuditTrail::open(&db).unwrap();
    let now = time::macros::datetime!(2026-05-04 10:00 UTC);
    for i in 0..5 {
        t.append(
            AuditEvent::new(kinds::LOGIN_SUCCESS, format!("u{i}"), Outcome::Success, now)
                .with_patient("PAT-1"),
        )
        .unwrap();
    }
    let db_s = db.to_str().unwrap();
    let o = segur(&["ssi", "audit", "verify", db_s], "");
    assert_eq!(code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("intact: 5 records"));

    let o = segur(
        &[
            "ssi", "audit", "export", db_s, "--format", "csv", "--actor", "u3",
        ],
        "",
    );
    assert_eq!(code(&o), 0);
    let csv = String::from_utf8(o.stdout).unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("4,2026-05-04T10:00:00Z,auth.login.success,u3,")
    );
    let o = segur(
        &[
            "ssi",
            "audit",
            "export",
            db_s,
            "--from",
            "2026-05-04T11:00:00Z",
        ],
        "",
    );
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty());
    assert_eq!(
        code(&segur(
            &["ssi", "audit", "export", db_s, "--from", "yesterday"],
            ""
        )),
        2
    );

    drop(t);
    let c = rusqlite_free_tamper(&db);
    assert!(c);
    let o = segur(&["ssi", "audit", "verify", db_s, "--json"], "");
    assert_eq!(code(&o), 1);
    assert!(one_stderr_line(&o).contains("record 2 was modified"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["issues"][0]["issue"], "modified");
    assert_eq!(v["issues"][0]["seq"], 2);

    assert_eq!(
        code(&segur(&["ssi", "audit", "verify", "/nonexistent.db"], "")),
        2
    );
}

/// Tampers record 2 by rewriting its actor in the file, table and index
/// alike (no SQL, as with a hex editor).
fn rusqlite_free_tamper(db: &std::path::Path) -> bool {
    let mut bytes = std::fs::read(db).unwrap();
    let hits: Vec<usize> = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"u1")
        .map(|(i, _)| i)
        .collect();
    for &i in &hits {
        bytes[i + 1] = b'9';
    }
    std::fs::write(db, bytes).unwrap();
    !hits.is_empty()
}

#[test]
fn cert_inspect_and_backup() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../ssi/tests/data/");
    let o = segur(
        &[
            "ssi",
            "cert",
            "inspect",
            &format!("{data}cps-auth-test-like.der"),
            "--json",
        ],
        "",
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["holder"], "Personal");
    assert_eq!(v["environment"], "Test");
    assert_eq!(v["national_id"]["value"], "810003612545");

    let o = segur(
        &["ssi", "cert", "inspect", &format!("{data}classe4-like.der")],
        "",
    );
    assert_eq!(code(&o), 1);
    assert!(one_stderr_line(&o).contains("refused by the crypto policy"));
    assert_eq!(
        code(&segur(
            &["ssi", "cert", "inspect", &format!("{data}README.md")],
            ""
        )),
        1
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    SqliteAuditTrail::open(&db)
        .unwrap()
        .append(AuditEvent::new(
            kinds::BACKUP,
            "system",
            Outcome::Success,
            time::OffsetDateTime::now_utc(),
        ))
        .unwrap();
    let b = dir.path().join("b.db");
    let (db_s, b_s) = (db.to_str().unwrap(), b.to_str().unwrap());
    assert_eq!(code(&segur(&["ssi", "backup", "create", db_s, b_s], "")), 0);
    assert_eq!(
        code(&segur(&["ssi", "backup", "create", db_s, b_s], "")),
        1,
        "never overwrites"
    );
    assert_eq!(code(&segur(&["ssi", "backup", "verify", b_s], "")), 0);
    let restored = dir.path().join("r.db");
    assert_eq!(
        code(&segur(
            &["ssi", "backup", "restore", b_s, restored.to_str().unwrap()],
            ""
        )),
        0
    );
    let mut bytes = std::fs::read(&b).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    std::fs::write(&b, bytes).unwrap();
    let o = segur(&["ssi", "backup", "verify", b_s], "");
    assert_eq!(code(&o), 1);
    assert!(one_stderr_line(&o).contains("checksum"));
}

#[test]
fn scan_needs_an_address_and_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("doc.txt");
    std::fs::write(&f, "compte rendu").unwrap();
    let f = f.to_str().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(["ssi", "scan", f])
        .env_remove("SEGUR_CLAMD")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    // Nothing listens there: the scan fails, never "clean".
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("tcp://{}", l.local_addr().unwrap());
    drop(l);
    let o = segur(&["ssi", "scan", f, "--clamd", &addr], "");
    assert_eq!(code(&o), 1);
    assert!(one_stderr_line(&o).contains("antivirus connection"));

    // With the real clamd of scripts/setup.d/30-clamd.sh.
    let Ok(clamd) = std::env::var("SEGUR_CLAMD") else {
        eprintln!("skipped: real clamd part (set SEGUR_CLAMD, see scripts/setup.d/30-clamd.sh)");
        return;
    };
    let o = segur(&["ssi", "scan", f, "--clamd", &clamd, "--json"], "");
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let eicar = dir.path().join("eicar.txt");
    std::fs::write(&eicar, segur_ssi::antivirus::EICAR).unwrap();
    let o = segur(
        &["ssi", "scan", eicar.to_str().unwrap(), "--clamd", &clamd],
        "",
    );
    assert_eq!(code(&o), 1);
    assert!(one_stderr_line(&o).contains("malware found: SegurTest.EICAR"));
}
