//! Online backup and verified restore of the SDK's SQLite stores (send
//! queues, audit trail, accounts) — SC.SSI/GEN.21.
//!
//! [`backup_database`] copies a live database with SQLite's online backup
//! API, a few pages at a time, so the software keeps writing meanwhile. The
//! copy is written to a temporary file, checked (`PRAGMA integrity_check`,
//! audit chain when the database holds one), then renamed into place with a
//! manifest `<backup>.manifest.json` giving its SHA-256, size and the audit
//! checkpoint. Backups never overwrite an existing file.
//!
//! [`verify_backup`] re-checks a backup: checksum against the manifest,
//! integrity, audit chain. [`restore_database`] restores only a backup that
//! passes [`verify_backup`], into a new file or over the store, then checks
//! the result again.
//!
//! ## Procedure (to put in the editor's operating guide)
//!
//! 1. Schedule [`backup_database`] (e.g. nightly and before every update) for
//!    each store file, to a dated name on another disk:
//!    `audit-2026-05-04.db`. Keep the `.manifest.json` next to it.
//! 2. Copy the backup and its manifest off the machine (encrypted medium or
//!    service: the stores hold health data and account secrets). Record the
//!    audit checkpoint of the manifest somewhere the host cannot rewrite.
//! 3. Check regularly that backups restore: [`verify_backup`] on the copies
//!    (`segur ssi backup verify FILE`).
//! 4. To restore: stop the software (no open connection on the store), run
//!    [`restore_database`] from the chosen backup, start the software, and
//!    verify the audit trail ([`crate::audit::AuditTrail::verify_from`] with
//!    the last checkpoint recorded off-site). Records written after the
//!    backup are lost: re-submit queued messages if needed.
//!
//! ```
//! use segur_ssi::audit::{kinds, AuditEvent, AuditTrail, Outcome, SqliteAuditTrail};
//! use segur_ssi::backup::{backup_database, restore_database, verify_backup};
//! let dir = tempfile::tempdir().unwrap();
//! let live = dir.path().join("audit.db");
//! let trail = SqliteAuditTrail::open(&live).unwrap();
//! let now = time::OffsetDateTime::now_utc();
//! trail.append(AuditEvent::new(kinds::BACKUP, "system", Outcome::Success, now)).unwrap();
//! let backup = dir.path().join("audit-backup.db");
//! let report = backup_database(&live, &backup, now).unwrap();
//! assert_eq!(report.audit_checkpoint.unwrap().seq, 1);
//! verify_backup(&backup).unwrap();
//! restore_database(&backup, &dir.path().join("restored.db")).unwrap();
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::audit::{Checkpoint, verify_sqlite};
use crate::error::{BackupError, Error, Result};

/// The manifest written next to a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BackupManifest {
    /// Format marker.
    pub format: String,
    /// File name of the source database.
    pub source: String,
    /// When the backup was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Size of the backup in bytes.
    pub bytes: u64,
    /// SHA-256 of the backup file (hex).
    pub sha256: String,
    /// Head of the audit trail in the backup, if it holds one.
    pub audit_checkpoint: Option<Checkpoint>,
}

/// What a backup produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest_path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Audit head in the backup.
    pub audit_checkpoint: Option<Checkpoint>,
}

/// What a verification found (everything passed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedBackup {
    /// The manifest.
    pub manifest: BackupManifest,
    /// Audit records checked (0 when no trail).
    pub audit_records: u64,
}

/// Path of the manifest of a backup.
pub fn manifest_path(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sha256_file(path: &Path) -> Result<(u64, String)> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        ctx.update(&buf[..n]);
    }
    Ok((
        total,
        ctx.finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    ))
}

fn integrity(conn: &Connection, path: &Path) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let msgs: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if msgs != ["ok"] {
        return Err(BackupError::IntegrityCheck {
            path: path.to_path_buf(),
            detail: msgs.into_iter().take(5).collect::<Vec<_>>().join("; "),
        }
        .into());
    }
    Ok(())
}

fn check_audit(conn: &Connection, path: &Path) -> Result<(Option<Checkpoint>, u64)> {
    match verify_sqlite(conn)? {
        None => Ok((None, 0)),
        Some(r) if r.is_intact() => Ok((r.head.clone(), r.records)),
        Some(r) => Err(BackupError::AuditTrailBroken {
            path: path.to_path_buf(),
            first_issue: r.first_issue().map(ToString::to_string).unwrap_or_default(),
        }
        .into()),
    }
}

fn open_read_only(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

/// Backs up a live database to `destination` (which must not exist).
pub fn backup_database(
    source: &Path,
    destination: &Path,
    now: OffsetDateTime,
) -> Result<BackupReport> {
    if destination.exists() {
        return Err(BackupError::DestinationExists {
            path: destination.to_path_buf(),
        }
        .into());
    }
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(Duration::from_secs(10))?;
    let mut tmp_name = destination.as_os_str().to_owned();
    tmp_name.push(".partial");
    let tmp = PathBuf::from(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<(Option<Checkpoint>, u64, String)> {
        {
            let mut dst = Connection::open(&tmp)?;
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            // 256 pages per step, short pauses: writers are never blocked long.
            backup.run_to_completion(256, Duration::from_millis(5), None)?;
        }
        // A standalone file: no WAL left next to it.
        let dst = Connection::open(&tmp)?;
        let _mode: String = dst.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
        integrity(&dst, &tmp)?;
        let (checkpoint, _) = check_audit(&dst, &tmp)?;
        drop(dst);
        let (bytes, sha) = sha256_file(&tmp)?;
        Ok((checkpoint, bytes, sha))
    })();
    let (audit_checkpoint, bytes, sha256) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let manifest = BackupManifest {
        format: "segur-sqlite-backup-v1".into(),
        source: source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        created_at: now,
        bytes,
        sha256: sha256.clone(),
        audit_checkpoint: audit_checkpoint.clone(),
    };
    let mpath = manifest_path(destination);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Corrupt(e.to_string()))?;
    std::fs::write(&mpath, json).map_err(io(&mpath))?;
    std::fs::rename(&tmp, destination).map_err(io(destination))?;
    tracing::info!(source = %source.display(), backup = %destination.display(), bytes, "SQLite backup written");
    Ok(BackupReport {
        path: destination.to_path_buf(),
        manifest_path: mpath,
        bytes,
        sha256,
        audit_checkpoint,
    })
}

/// Verifies a backup against its manifest, SQLite's integrity check and the
/// audit chain.
pub fn verify_backup(backup: &Path) -> Result<VerifiedBackup> {
    let mpath = manifest_path(backup);
    let manifest: BackupManifest = std::fs::read(&mpath)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        .map_err(|reason| BackupError::Manifest {
            path: mpath.clone(),
            reason,
        })?;
    let (bytes, sha) = sha256_file(backup)?;
    if bytes != manifest.bytes || sha != manifest.sha256 {
        return Err(BackupError::ChecksumMismatch {
            path: backup.to_path_buf(),
        }
        .into());
    }
    let conn = open_read_only(backup)?;
    integrity(&conn, backup)?;
    let (checkpoint, records) = check_audit(&conn, backup)?;
    if checkpoint != manifest.audit_checkpoint {
        return Err(BackupError::AuditTrailBroken {
            path: backup.to_path_buf(),
            first_issue: "the audit head differs from the manifest".into(),
        }
        .into());
    }
    Ok(VerifiedBackup {
        manifest,
        audit_records: records,
    })
}

/// Restores a verified backup into `destination` (a new file, or the store
/// itself once the software is stopped). Returns the verification of the
/// backup used.
pub fn restore_database(backup: &Path, destination: &Path) -> Result<VerifiedBackup> {
    let verified = verify_backup(backup)?;
    let mut dst = Connection::open(destination)?;
    dst.busy_timeout(Duration::from_secs(10))?;
    dst.restore(
        rusqlite::MAIN_DB,
        backup,
        None::<fn(rusqlite::backup::Progress)>,
    )?;
    integrity(&dst, destination)?;
    let (checkpoint, _) = check_audit(&dst, destination)?;
    if checkpoint != verified.manifest.audit_checkpoint {
        return Err(BackupError::AuditTrailBroken {
            path: destination.to_path_buf(),
            first_issue: "the restored audit head differs from the backup".into(),
        }
        .into());
    }
    tracing::info!(backup = %backup.display(), destination = %destination.display(), "SQLite store restored");
    Ok(verified)
}
