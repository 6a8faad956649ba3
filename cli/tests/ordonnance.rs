//! `segur ordonnance id generate|check` and `segur ordonnance code
//! encode|decode`: exit codes 0 / 1 / 2, `--json`, one line on stderr.
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

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap()
}

/// Exit 1 or 2 with exactly one line on stderr, nothing on stdout.
fn assert_fails(args: &[&str], code: i32, needle: &str) {
    let (c, out, err) = segur(args);
    assert_eq!(c, code, "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?}: {out}");
    if code == 1 {
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("segur: invalid: "), "{err}");
    }
    assert!(err.contains(needle), "{args:?}: {err}");
}

#[test]
fn generate_then_check() {
    let (code, out, err) = segur(&["--json", "ordonnance", "id", "generate", "--count", "3"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let ids: Vec<String> = v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|i| i.len() == 27));
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
    for id in &ids {
        let (code, out, err) = segur(&["ordonnance", "id", "check", id]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("valid: {id}\n"));
    }
    let (code, out, _) = segur(&["--json", "ordonnance", "id", "check", &ids[0]]);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(v["id"], ids[0].as_str());
    assert_eq!(v["template"], "{time}{rand:16}{check}");

    // A mistyped character is caught by the check character.
    let mut typo = ids[0].clone().into_bytes();
    typo[20] = if typo[20] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    assert_fails(&["ordonnance", "id", "check", &typo], 1, "");

    // Another template, with a prescriber and a daily counter.
    let (code, out, err) = segur(&[
        "ordonnance",
        "id",
        "generate",
        "--template",
        "{rpps}-{date}{seq:4}{check}",
        "--rpps",
        "10003612545",
        "--count",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("10003612545-") && lines[0].len() == 25);
    assert_eq!(&lines[0][20..24], "0001");
    assert_eq!(&lines[1][20..24], "0002");
    let (code, _, err) = segur(&[
        "ordonnance",
        "id",
        "check",
        lines[1],
        "--template",
        "{rpps}-{date}{seq:4}{check}",
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn id_errors() {
    // Invalid for the domain: exit 1.
    assert_fails(
        &["ordonnance", "id", "check", "abc"],
        1,
        "not 0-9, A-Z or -",
    );
    assert_fails(
        &["ordonnance", "id", "check", "01JQ7Z5M3K"],
        1,
        "characters",
    );
    assert_fails(
        &[
            "ordonnance",
            "id",
            "generate",
            "--template",
            "{rpps}{check}",
            "--rpps",
            "10003612546",
        ],
        1,
        "",
    );
    // Usage: exit 2.
    assert_fails(
        &["ordonnance", "id", "check", "X", "--template", "{nope}"],
        2,
        "unknown token",
    );
    assert_fails(
        &[
            "ordonnance",
            "id",
            "generate",
            "--template",
            "{rpps}{check}",
        ],
        2,
        "",
    );
    assert_fails(
        &[
            "ordonnance",
            "id",
            "generate",
            "--template",
            "{rpps}{check}",
            "--rpps",
            "10003612545",
            "--count",
            "2",
        ],
        2,
        "same identifier twice",
    );
    assert_fails(&["ordonnance", "id", "generate", "--count", "0"], 2, "");
    assert_fails(&["ordonnance", "id"], 2, "");
    assert_fails(&["ordonnance"], 2, "");
}

#[test]
fn encode_decode_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("code.png");
    let png = png.to_str().unwrap();
    // QR code, identifier alone.
    let (code, out, err) = segur(&[
        "--json",
        "ordonnance",
        "code",
        "encode",
        "01JQ7Z5M3K8D2VFQ4R6T9WXYB0N",
        "-o",
        png,
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["symbology"], "qr_code");
    assert_eq!(v["text"], "01JQ7Z5M3K8D2VFQ4R6T9WXYB0N");
    let (code, out, err) = segur(&["--json", "ordonnance", "code", "decode", png]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["symbology"], "qr_code");
    assert_eq!(v["id"], "01JQ7Z5M3K8D2VFQ4R6T9WXYB0N");
    assert_eq!(v["prescriber_rpps"], serde_json::Value::Null);

    // DataMatrix, tagged with the prescriber and the date.
    let (code, _, err) = segur(&[
        "ordonnance",
        "code",
        "encode",
        "ORD-2025-0001",
        "-o",
        png,
        "--symbology",
        "datamatrix",
        "--format",
        "tagged",
        "--rpps",
        "10003612545",
        "--date",
        "2025-03-01",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = segur(&["--json", "ordonnance", "code", "decode", png]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["symbology"], "data_matrix");
    assert_eq!(v["id"], "ORD-2025-0001");
    assert_eq!(v["prescriber_rpps"], "10003612545");
    assert_eq!(v["issued_on"], "2025-03-01");
    let (code, out, _) = segur(&["ordonnance", "code", "decode", png]);
    assert_eq!(code, 0);
    assert_eq!(out, "DataMatrix: ORD-2025-0001\n");

    // SVG.
    let svg = dir.path().join("code.svg");
    let (code, out, err) = segur(&[
        "ordonnance",
        "code",
        "encode",
        "ORD-2025-0001",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("QR code"), "{out}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn code_errors() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("code.png");
    let png = png.to_str().unwrap();
    // Invalid for the domain: exit 1.
    assert_fails(
        &["ordonnance", "code", "encode", "abc", "-o", png],
        1,
        "not 0-9, A-Z or -",
    );
    assert_fails(
        &[
            "ordonnance",
            "code",
            "encode",
            "ABC",
            "-o",
            png,
            "--format",
            "tagged",
            "--date",
            "2025-02-30",
        ],
        1,
        "date",
    );
    let not_an_image = dir.path().join("not.png");
    std::fs::write(&not_an_image, b"not an image").unwrap();
    assert_fails(
        &[
            "ordonnance",
            "code",
            "decode",
            not_an_image.to_str().unwrap(),
        ],
        1,
        "",
    );
    // Usage: exit 2.
    assert_fails(
        &["ordonnance", "code", "encode", "ABC", "-o", "code.txt"],
        2,
        ".png or .svg",
    );
    assert_fails(
        &[
            "ordonnance",
            "code",
            "encode",
            "ABC",
            "-o",
            png,
            "--rpps",
            "10003612545",
        ],
        2,
        "--format tagged",
    );
    assert_fails(
        &["ordonnance", "code", "decode", "/nonexistent/code.png"],
        2,
        "/nonexistent/code.png",
    );
    assert_fails(
        &[
            "ordonnance",
            "code",
            "encode",
            "ABC",
            "--symbology",
            "aztec",
        ],
        2,
        "",
    );
    assert!(!std::path::Path::new(png).exists(), "nothing written");
}
