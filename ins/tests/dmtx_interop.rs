//! Interoperability of the INS datamatrix with libdmtx, an independent
//! implementation (opt-in: `SEGUR_DMTX=1`, set by `scripts/setup.d/40-dmtx.sh`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use segur_ins::datamatrix::{self, Payload, PngOptions};

const PAYLOADS: [&str; 2] = [
    "IS010000000000000000000000S1279035121518989S21.2.250.1.213.1.4.10S3DOMINIQUE MARIE-LOUISE\u{1d}S4PAT-TROIS\u{1d}S5FS628-03-1979S763220",
    "IS010000000000000000000000S1297022A02077878S21.2.250.1.213.1.4.8\u{1d}S3DOMINIQUE\u{1d}S4ADRTROIS\u{1d}S5FS601-02-1997",
];

fn enabled() -> bool {
    if std::env::var_os("SEGUR_DMTX").is_none() {
        eprintln!(
            "dmtx_interop: skipped (set SEGUR_DMTX=1 with dmtx-utils installed; scripts/setup.d/40-dmtx.sh does it)"
        );
        return false;
    }
    true
}

fn out_dir() -> PathBuf {
    let dir = std::env::var_os("SEGUR_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/segur-test-out"
            ))
        })
        .join("ins");
    std::fs::create_dir_all(&dir).expect("creates the test output folder");
    dir
}

#[test]
fn libdmtx_reads_our_symbols() {
    if !enabled() {
        return;
    }
    for (i, text) in PAYLOADS.iter().enumerate() {
        let payload = Payload::parse(text).expect("valid payload");
        let png = datamatrix::encode_png(&payload, &PngOptions::default()).expect("encodes");
        let path = out_dir().join(format!("datamatrix-{i}.png"));
        std::fs::write(&path, png).expect("writes the PNG");
        let out = Command::new("dmtxread")
            .arg(&path)
            .output()
            .expect("dmtxread runs (install dmtx-utils)");
        assert!(
            out.status.success(),
            "dmtxread failed on {}",
            path.display()
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            *text,
            "{}",
            path.display()
        );
    }
}

#[test]
fn we_read_libdmtx_symbols() {
    if !enabled() {
        return;
    }
    for (i, text) in PAYLOADS.iter().enumerate() {
        let path = out_dir().join(format!("dmtxwrite-{i}.png"));
        let mut child = Command::new("dmtxwrite")
            .args(["-s", "s", "-o"])
            .arg(&path)
            .stdin(Stdio::piped())
            .spawn()
            .expect("dmtxwrite runs (install dmtx-utils)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("writes the payload");
        assert!(child.wait().expect("dmtxwrite ends").success());
        let bytes = std::fs::read(&path).expect("reads the PNG");
        let payload = datamatrix::decode_image(&bytes).expect("decodes the libdmtx symbol");
        assert_eq!(payload.serialize(), *text);
    }
}
