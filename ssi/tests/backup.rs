//! Online backup during writes, verification and refusals, restore.

#![allow(clippy::unwrap_used)] // tests

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use segur_ssi::account::{AccountId, AccountStore, Authenticator, NewAccount, SqliteAccountStore};
use segur_ssi::audit::{AuditEvent, AuditFilter, AuditTrail, Outcome, SqliteAuditTrail, kinds};
use segur_ssi::backup::{backup_database, manifest_path, restore_database, verify_backup};
use segur_ssi::password::Argon2Params;
use segur_ssi::{BackupError, Error};
use time::OffsetDateTime;

fn ev(i: u32) -> AuditEvent {
    AuditEvent::new(
        kinds::HEALTH_DATA_EXPORT,
        format!("user-{i}"),
        Outcome::Success,
        OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(i.into()),
    )
    .with_patient("PAT-1")
}

fn backup_err(r: segur_ssi::Result<impl std::fmt::Debug>) -> BackupError {
    match r {
        Err(Error::Backup(e)) => e,
        other => panic!("expected a backup error, got {other:?}"),
    }
}

#[test]
fn online_backup_while_writing_then_restore() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("audit.db");
    let trail = Arc::new(SqliteAuditTrail::open(&live).unwrap());
    for i in 0..200 {
        trail.append(ev(i)).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (trail, stop) = (trail.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 1000;
            while !stop.load(Ordering::Relaxed) && i < 3000 {
                trail.append(ev(i)).unwrap();
                i += 1;
            }
            i - 1000
        })
    };
    let b = dir.path().join("audit-backup.db");
    let report = backup_database(&live, &b, OffsetDateTime::now_utc()).unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    let cp = report.audit_checkpoint.clone().unwrap();
    assert!(cp.seq >= 200 && cp.seq <= 200 + written as u64);
    assert!(manifest_path(&b).exists());
    assert!(!dir.path().join("audit-backup.db.partial").exists());

    let v = verify_backup(&b).unwrap();
    assert_eq!(v.audit_records, cp.seq);
    // The live trail contains the backup's head: it was a consistent snapshot.
    assert!(trail.verify_from(&cp).unwrap().is_intact());

    let restored = dir.path().join("restored.db");
    restore_database(&b, &restored).unwrap();
    let r = SqliteAuditTrail::open(&restored).unwrap();
    assert!(r.verify_from(&cp).unwrap().is_intact());
    assert_eq!(r.query(&AuditFilter::new()).unwrap().len() as u64, cp.seq);
    // Appending to the restored trail continues the chain.
    r.append(ev(9999)).unwrap();
    assert!(r.verify().unwrap().is_intact());

    assert!(matches!(
        backup_err(backup_database(&live, &b, OffsetDateTime::now_utc())),
        BackupError::DestinationExists { .. }
    ));
}

#[test]
fn altered_or_incomplete_backups_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("audit.db");
    let trail = SqliteAuditTrail::open(&live).unwrap();
    for i in 0..20 {
        trail.append(ev(i)).unwrap();
    }
    let b = dir.path().join("b.db");
    backup_database(&live, &b, OffsetDateTime::now_utc()).unwrap();

    // One byte changed.
    let mut bytes = std::fs::read(&b).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0xff;
    let altered = dir.path().join("altered.db");
    std::fs::write(&altered, &bytes).unwrap();
    std::fs::copy(manifest_path(&b), manifest_path(&altered)).unwrap();
    assert!(matches!(
        backup_err(verify_backup(&altered)),
        BackupError::ChecksumMismatch { .. }
    ));
    assert!(matches!(
        backup_err(restore_database(&altered, &dir.path().join("x.db"))),
        BackupError::ChecksumMismatch { .. }
    ));
    assert!(
        !dir.path().join("x.db").exists()
            || std::fs::metadata(dir.path().join("x.db")).unwrap().len() == 0
    );

    // No manifest.
    std::fs::remove_file(manifest_path(&altered)).unwrap();
    assert!(matches!(
        backup_err(verify_backup(&altered)),
        BackupError::Manifest { .. }
    ));

    // A tampered trail is not backed up.
    let c = rusqlite::Connection::open(&live).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_records_no_update; UPDATE audit_records SET actor = 'x' WHERE seq = 3;",
    )
    .unwrap();
    let e = backup_err(backup_database(
        &live,
        &dir.path().join("c.db"),
        OffsetDateTime::now_utc(),
    ));
    assert!(
        matches!(e, BackupError::AuditTrailBroken { ref first_issue, .. } if first_issue.contains("record 3")),
        "{e}"
    );
    assert!(!dir.path().join("c.db").exists() && !dir.path().join("c.db.partial").exists());
}

#[test]
fn account_store_backup_restores_over_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounts.db");
    let fast = Argon2Params {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let now = OffsetDateTime::now_utc();
    {
        let auth =
            Authenticator::new(Arc::new(SqliteAccountStore::open(&db).unwrap())).with_argon2(fast);
        auth.create_account(
            NewAccount::new(AccountId::parse("jeanne").unwrap(), "Jeanne")
                .password("Tr0mbone!Vert"),
            now,
        )
        .unwrap();
    }
    let b = dir.path().join("accounts-backup.db");
    let report = backup_database(&db, &b, now).unwrap();
    assert!(report.audit_checkpoint.is_none());
    {
        let auth =
            Authenticator::new(Arc::new(SqliteAccountStore::open(&db).unwrap())).with_argon2(fast);
        auth.create_account(
            NewAccount::new(AccountId::parse("paul").unwrap(), "Paul"),
            now,
        )
        .unwrap();
    }
    restore_database(&b, &db).unwrap();
    let store = SqliteAccountStore::open(&db).unwrap();
    let ids: Vec<String> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(ids, ["jeanne"]);
}
