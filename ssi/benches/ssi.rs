//! Throughput of the hot paths: audit append (SQLite, synchronous=FULL) and
//! chain verification, certificate parsing, Argon2id with the default
//! parameters, TOTP verification.
//!
//! `cargo bench -p segur-ssi --bench ssi`

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use segur_ssi::audit::{
    AuditEvent, AuditTrail, MemoryAuditTrail, Outcome, SqliteAuditTrail, kinds, verify_records,
};
use segur_ssi::cert::IgcSanteCertificate;
use segur_ssi::password::PasswordHasher;
use segur_ssi::totp::{Totp, TotpSecret};
use time::OffsetDateTime;

fn event(i: u64) -> AuditEvent {
    AuditEvent::new(
        kinds::LOGIN_SUCCESS,
        format!("user-{}", i % 50),
        Outcome::Success,
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(i as i64),
    )
    .with_patient(format!("PAT-{}", i % 1000))
    .with_request_id(format!("req-{i}"))
    .with_detail("method", "password")
}

fn audit(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let trail = SqliteAuditTrail::open(dir.path().join("bench.db")).unwrap();
    let mut i = 0u64;
    c.bench_function("audit_append_sqlite_full_sync", |b| {
        b.iter(|| {
            i += 1;
            trail.append(event(i)).unwrap()
        })
    });
    let mem = MemoryAuditTrail::new();
    for i in 0..10_000 {
        mem.append(event(i)).unwrap();
    }
    let records = mem.records();
    let head = mem.checkpoint().unwrap();
    c.bench_function("audit_verify_chain_10k", |b| {
        b.iter(|| assert!(verify_records(&records, head.as_ref()).is_intact()))
    });

    // Streaming verification straight from SQLite (constant memory), on a
    // trail filled without fsync: only the verification is measured.
    let conn = rusqlite::Connection::open(dir.path().join("big.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;")
        .unwrap();
    let big = SqliteAuditTrail::from_connection(conn).unwrap();
    for i in 0..20_000 {
        big.append(event(i)).unwrap();
    }
    let mut g = c.benchmark_group("audit_verify_sqlite");
    g.sample_size(10);
    g.bench_function("20k_records", |b| {
        b.iter(|| assert!(big.verify().unwrap().is_intact()))
    });
    g.finish();
}

fn crypto(c: &mut Criterion) {
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cps-auth-test-like.der"
    ))
    .unwrap();
    c.bench_function("cert_parse_igc_sante", |b| {
        b.iter(|| IgcSanteCertificate::from_der(&der).unwrap())
    });
    let totp = Totp::new(TotpSecret::generate().unwrap());
    let now = OffsetDateTime::now_utc();
    let code = totp.code_at(now);
    c.bench_function("totp_verify", |b| {
        b.iter(|| totp.verify(&code, now, None).unwrap())
    });
    let hasher = PasswordHasher::default();
    let mut g = c.benchmark_group("argon2id_owasp_default");
    g.sample_size(10);
    g.bench_function("hash", |b| b.iter(|| hasher.hash("Tr0mbone!Vert").unwrap()));
    g.finish();
}

criterion_group!(benches, audit, crypto);
criterion_main!(benches);
