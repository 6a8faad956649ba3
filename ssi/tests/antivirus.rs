//! Antivirus: a protocol-level fake clamd (always run) and the real clamd
//! (opt-in: `SEGUR_CLAMD`, exported by scripts/setup.d/30-clamd.sh).

#![allow(clippy::unwrap_used)] // tests

use std::time::Duration;

use segur_ssi::antivirus::{
    ClamdAddress, ClamdConfig, ClamdScanner, EICAR, EicarScanner, ScanVerdict, Scanner,
    UnavailableScanner, require_clean,
};
use segur_ssi::{Error, ScanError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A one-connection fake clamd: checks the INSTREAM framing and answers `reply`
/// (or stays silent when `reply` is None). Returns the bytes received.
async fn fake_clamd(reply: Option<&'static str>) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut cmd = [0u8; 10];
        s.read_exact(&mut cmd).await.unwrap();
        assert_eq!(&cmd, b"zINSTREAM\0");
        let mut data = Vec::new();
        loop {
            let mut len = [0u8; 4];
            s.read_exact(&mut len).await.unwrap();
            let len = u32::from_be_bytes(len) as usize;
            if len == 0 {
                break;
            }
            let mut chunk = vec![0u8; len];
            s.read_exact(&mut chunk).await.unwrap();
            data.extend(chunk);
        }
        match reply {
            Some(r) => s.write_all(format!("{r}\0").as_bytes()).await.unwrap(),
            None => tokio::time::sleep(Duration::from_secs(5)).await,
        }
        data
    });
    (addr, h)
}

fn scanner(addr: &str) -> ClamdScanner {
    let mut c = ClamdConfig::new(ClamdAddress::Tcp(addr.to_owned()));
    c.chunk_size = 1000;
    c.scan_timeout = Duration::from_millis(500);
    ClamdScanner::new(c)
}

#[tokio::test]
async fn instream_framing_and_verdicts() {
    let (addr, h) = fake_clamd(Some("stream: OK")).await;
    let data: Vec<u8> = (0..4321u32).map(|i| i as u8).collect();
    assert_eq!(
        scanner(&addr).scan(&data).await.unwrap(),
        ScanVerdict::Clean
    );
    assert_eq!(h.await.unwrap(), data, "chunks reassemble to the file");

    let (addr, _) = fake_clamd(Some("stream: Win.Test.EICAR_HDB-1 FOUND")).await;
    let err = require_clean(&scanner(&addr), EICAR).await.unwrap_err();
    assert!(
        matches!(err, Error::Scan(ScanError::Infected { ref signature }) if signature == "Win.Test.EICAR_HDB-1")
    );

    let (addr, _) = fake_clamd(Some("INSTREAM size limit exceeded. ERROR")).await;
    assert!(matches!(
        scanner(&addr).scan(b"x").await,
        Err(Error::Scan(ScanError::Daemon(_)))
    ));

    let (addr, _) = fake_clamd(Some("garbage")).await;
    assert!(matches!(
        scanner(&addr).scan(b"x").await,
        Err(Error::Scan(ScanError::Protocol(_)))
    ));

    let (addr, _) = fake_clamd(None).await;
    assert!(matches!(
        scanner(&addr).scan(b"x").await,
        Err(Error::Scan(ScanError::Timeout { during: "scan" }))
    ));
}

#[tokio::test]
async fn limits_and_unreachable_daemon_fail_closed() {
    let mut c = ClamdConfig::new(ClamdAddress::Tcp("127.0.0.1:9".into()));
    c.max_size = 10;
    let err = ClamdScanner::new(c).scan(&[0u8; 11]).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Scan(ScanError::TooLarge { size: 11, max: 10 })
    ));

    // Nothing listens on a port we just released.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l);
    let err = require_clean(&ClamdScanner::tcp(addr), b"x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Scan(ScanError::Connection { .. })),
        "{err}"
    );
    let err = require_clean(&ClamdScanner::unix("/nonexistent/clamd.sock"), b"x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Scan(ScanError::Connection { .. })),
        "{err}"
    );
    assert!(
        require_clean(&UnavailableScanner::new(), b"x")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn eicar_double() {
    let s: &dyn Scanner = &EicarScanner::new();
    assert!(s.scan(b"hello").await.unwrap().is_clean());
    let mut embedded = b"Content-Type: text/plain\r\n\r\n".to_vec();
    embedded.extend_from_slice(EICAR);
    embedded.extend_from_slice(b"\r\n--boundary--");
    assert!(!s.scan(&embedded).await.unwrap().is_clean());
}

fn real_clamd() -> Option<ClamdScanner> {
    match std::env::var("SEGUR_CLAMD") {
        Ok(a) => Some(ClamdScanner::new(ClamdConfig::new(
            a.parse()
                .expect("SEGUR_CLAMD: tcp://host:port or unix:///path"),
        ))),
        Err(_) => {
            eprintln!(
                "skipped: real clamd test (run scripts/test-all, or source scripts/setup.d/30-clamd.sh to export SEGUR_CLAMD)"
            );
            None
        }
    }
}

#[tokio::test]
async fn real_clamd_scans() {
    let Some(clamd) = real_clamd() else { return };
    clamd.ping().await.unwrap();
    assert!(clamd.version().await.unwrap().starts_with("ClamAV"));

    // The EICAR string: exact file and embedded in an attachment.
    let v = clamd.scan(EICAR).await.unwrap();
    assert!(
        matches!(&v, ScanVerdict::Infected { signature } if signature.starts_with("SegurTest.EICAR")),
        "{v:?}"
    );
    let mut mail = b"MIME-Version: 1.0\r\n\r\n".to_vec();
    mail.extend_from_slice(EICAR);
    mail.extend(std::iter::repeat_n(b'a', 200_000));
    assert!(!clamd.scan(&mail).await.unwrap().is_clean());
    assert_eq!(
        clamd.scan(b"Compte rendu de consultation").await.unwrap(),
        ScanVerdict::Clean
    );
    assert_eq!(clamd.scan(&[]).await.unwrap(), ScanVerdict::Clean);

    // The unix socket.
    if let Ok(sock) = std::env::var("SEGUR_CLAMD_SOCKET") {
        let unix = ClamdScanner::unix(sock);
        assert!(!unix.scan(EICAR).await.unwrap().is_clean());
        assert!(unix.scan(b"clean").await.unwrap().is_clean());
    }

    // Over clamd's StreamMaxLength: an error, never "clean".
    if let Some(max) = std::env::var("SEGUR_CLAMD_STREAM_MAX")
        .ok()
        .and_then(|m| m.parse::<usize>().ok())
    {
        let big = vec![b'x'; max + 1024 * 1024];
        let err = clamd.scan(&big).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Scan(ScanError::Daemon(_) | ScanError::Connection { .. })
            ),
            "{err}"
        );
    }
}

/// A signature written by the test itself, loaded with RELOAD.
#[tokio::test]
async fn real_clamd_with_a_signature_written_by_the_test() {
    let Some(clamd) = real_clamd() else { return };
    let Ok(db) = std::env::var("SEGUR_CLAMD_DB_DIR") else {
        panic!("SEGUR_CLAMD is set but SEGUR_CLAMD_DB_DIR is not");
    };
    let marker = format!(
        "segur-rs-marker-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    let hex: String = marker.bytes().map(|b| format!("{b:02x}")).collect();
    let name = format!("SegurTest.Marker{}", std::process::id());
    let file = std::path::Path::new(&db).join(format!("segur-marker-{}.ndb", std::process::id()));
    std::fs::write(&file, format!("{name}:0:*:{hex}\n")).unwrap();
    let sample = format!("Pièce jointe: {marker} fin").into_bytes();
    assert!(
        clamd.scan(&sample).await.unwrap().is_clean(),
        "not loaded yet"
    );
    clamd.reload().await.unwrap();
    let mut found = None;
    for _ in 0..150 {
        match clamd.scan(&sample).await {
            Ok(ScanVerdict::Infected { signature }) => {
                found = Some(signature);
                break;
            }
            // During a reload clamd may briefly refuse; retry.
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    std::fs::remove_file(&file).unwrap();
    clamd.reload().await.unwrap();
    // clamd appends ".UNOFFICIAL" to signatures outside the official databases.
    let found = found.expect("the signature written by the test was never reported");
    assert!(found.starts_with(&name), "{found}");
}
