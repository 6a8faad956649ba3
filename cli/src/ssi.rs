//! `segur ssi …`: password policy check, audit trail verification and export,
//! certificate inspection, backups of the SQLite stores.

use std::io::Read as _;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use segur_ssi::audit::{AuditFilter, AuditKind, AuditTrail, Checkpoint, Outcome, SqliteAuditTrail};
use segur_ssi::cert::{IgcSanteCertificate, NationalId};
use segur_ssi::password::{PasswordContext, PasswordPolicy};
use segur_ssi::policy::CryptoPolicy;

use crate::output::{self, CliError};

/// Security tools: passwords, audit trail, certificates, backups.
#[derive(Debug, Args)]
pub struct SsiCommand {
    #[command(subcommand)]
    command: SsiSub,
}

#[derive(Debug, Subcommand)]
enum SsiSub {
    /// Password policy (CNIL 2022-100 / ANSSI).
    Password {
        #[command(subcommand)]
        command: PasswordSub,
    },
    /// Hash-chained audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditSub,
    },
    /// IGC-Santé certificates.
    Cert {
        #[command(subcommand)]
        command: CertSub,
    },
    /// Backups of the SQLite stores.
    Backup {
        #[command(subcommand)]
        command: BackupSub,
    },
    /// Scans a file with clamd (INSTREAM); exit 1 when malware is found or
    /// the scan fails (fail closed).
    Scan {
        /// The file.
        file: PathBuf,
        /// clamd address, `tcp://host:port` or `unix:///path` (default: $SEGUR_CLAMD).
        #[arg(long)]
        clamd: Option<String>,
        /// Largest file sent, in bytes (default 25 MiB).
        #[arg(long)]
        max_size: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
enum PasswordSub {
    /// Checks a password read from standard input (never from the command line).
    Check {
        /// Which policy.
        #[arg(long, value_enum, default_value = "password-only")]
        policy: PolicyKind,
        /// Login or name of the user (refused inside the password); repeatable.
        #[arg(long = "user")]
        user: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PolicyKind {
    /// CNIL case 1: 80 bits.
    PasswordOnly,
    /// CNIL case 2 (with lockout): 50 bits.
    WithLockout,
    /// Administrators: 100 bits.
    Privileged,
}

#[derive(Debug, Subcommand)]
enum AuditSub {
    /// Verifies the hash chain; exit 1 when broken.
    Verify {
        /// The SQLite database.
        db: PathBuf,
        /// A checkpoint `SEQ:HASH` recorded earlier, that must still be in the trail.
        #[arg(long)]
        checkpoint: Option<String>,
    },
    /// Exports records as JSON lines or CSV on standard output.
    Export {
        /// The SQLite database.
        db: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Only this patient.
        #[arg(long)]
        patient: Option<String>,
        /// Only this actor.
        #[arg(long)]
        actor: Option<String>,
        /// Only this kind (e.g. `auth.login.failure`).
        #[arg(long)]
        kind: Option<String>,
        /// Only this outcome.
        #[arg(long, value_enum)]
        outcome: Option<OutcomeArg>,
        /// From (RFC 3339, inclusive).
        #[arg(long)]
        from: Option<String>,
        /// To (RFC 3339, exclusive).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutcomeArg {
    Success,
    Failure,
    Denied,
}

#[derive(Debug, Subcommand)]
enum CertSub {
    /// Shows holder, national id, environment, validity and policy check of a
    /// PEM or DER certificate; exit 1 when the crypto policy refuses it.
    Inspect {
        /// The certificate file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum BackupSub {
    /// Online backup of a store to a new file (plus its manifest).
    Create {
        /// The live database.
        source: PathBuf,
        /// The backup file (must not exist).
        destination: PathBuf,
    },
    /// Verifies a backup against its manifest; exit 1 when altered.
    Verify {
        /// The backup file.
        backup: PathBuf,
    },
    /// Restores a verified backup (stop the software first).
    Restore {
        /// The backup file.
        backup: PathBuf,
        /// The store to write.
        destination: PathBuf,
    },
}

/// Runs `segur ssi …`.
pub fn run(cmd: &SsiCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        SsiSub::Password {
            command: PasswordSub::Check { policy, user },
        } => password_check(*policy, user, json),
        SsiSub::Audit { command } => audit(command, json),
        SsiSub::Cert {
            command: CertSub::Inspect { file },
        } => cert_inspect(file, json),
        SsiSub::Backup { command } => backup(command, json),
        SsiSub::Scan {
            file,
            clamd,
            max_size,
        } => scan(file, clamd.as_deref(), *max_size, json),
    }
}

fn scan(
    file: &PathBuf,
    clamd: Option<&str>,
    max_size: Option<u64>,
    json: bool,
) -> Result<(), CliError> {
    use segur_ssi::antivirus::{ClamdConfig, ClamdScanner, ScanVerdict, Scanner as _};
    let address = match clamd
        .map(str::to_owned)
        .or_else(|| std::env::var("SEGUR_CLAMD").ok())
    {
        Some(a) => a,
        None => {
            return Err(CliError::usage(
                "no clamd address: pass --clamd or set SEGUR_CLAMD",
            ));
        }
    };
    let mut config = ClamdConfig::new(address.parse().map_err(CliError::usage)?);
    if let Some(m) = max_size {
        config.max_size = m;
    }
    let data =
        std::fs::read(file).map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))?;
    let verdict = rt
        .block_on(ClamdScanner::new(config).scan(&data))
        .map_err(|e| CliError::Failed(e.into()))?;
    let v = serde_json::json!({"file": file, "clean": verdict.is_clean(), "verdict": verdict});
    output::print(json, &v, || match &verdict {
        ScanVerdict::Clean => format!("clean: {}", file.display()),
        ScanVerdict::Infected { signature } => {
            format!("infected: {} ({signature})", file.display())
        }
        _ => format!("{verdict:?}"),
    })?;
    match verdict {
        ScanVerdict::Clean => Ok(()),
        ScanVerdict::Infected { signature } => {
            Err(CliError::invalid(format!("malware found: {signature}")))
        }
        other => Err(CliError::invalid(format!("not clean: {other:?}"))),
    }
}

fn password_check(kind: PolicyKind, users: &[String], json: bool) -> Result<(), CliError> {
    let mut input = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| CliError::usage(format!("cannot read the password on stdin: {e}")))?;
    let password = input.trim_end_matches(['\n', '\r']);
    let policy = match kind {
        PolicyKind::PasswordOnly => PasswordPolicy::cnil_password_only(),
        PolicyKind::WithLockout => PasswordPolicy::cnil_with_access_restriction(),
        PolicyKind::Privileged => PasswordPolicy::privileged(),
    };
    let ctx = users
        .iter()
        .fold(PasswordContext::default(), |c, u| c.with(u.clone()));
    let check = policy.check(password, &ctx);
    if json {
        let v = serde_json::to_value(&check).map_err(|e| CliError::Failed(e.into()))?;
        output::print(true, &v, String::new)?;
    } else if check.is_accepted() {
        output::write_stdout(&format!("{}\n", check.explain()))?;
    }
    if !check.is_accepted() {
        let reasons: Vec<String> = check.findings.iter().map(ToString::to_string).collect();
        return Err(CliError::invalid(format!(
            "password refused: {}",
            reasons.join("; ")
        )));
    }
    Ok(())
}

fn open_trail(db: &PathBuf) -> Result<SqliteAuditTrail, CliError> {
    if !db.is_file() {
        return Err(CliError::usage(format!("{}: no such file", db.display())));
    }
    SqliteAuditTrail::open(db).map_err(|e| CliError::Failed(e.into()))
}

fn parse_time(s: &Option<String>) -> Result<Option<time::OffsetDateTime>, CliError> {
    s.as_deref()
        .map(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339))
        .transpose()
        .map_err(|e| CliError::usage(format!("bad date (RFC 3339 expected): {e}")))
}

fn audit(cmd: &AuditSub, json: bool) -> Result<(), CliError> {
    match cmd {
        AuditSub::Verify { db, checkpoint } => {
            let trail = open_trail(db)?;
            let report = match checkpoint {
                Some(cp) => {
                    let (seq, hash) = cp
                        .split_once(':')
                        .and_then(|(s, h)| s.parse().ok().map(|s| (s, h.to_owned())))
                        .ok_or_else(|| CliError::usage("--checkpoint expects SEQ:HASH"))?;
                    trail.verify_from(&Checkpoint { seq, hash })
                }
                None => trail.verify(),
            }
            .map_err(|e| CliError::Failed(e.into()))?;
            let v = serde_json::to_value(&report).map_err(|e| CliError::Failed(e.into()))?;
            if json {
                output::print(true, &v, String::new)?;
            }
            match report.first_issue() {
                None => {
                    if !json {
                        let head = report
                            .head
                            .as_ref()
                            .map(|h| format!(" (head {}:{})", h.seq, h.hash))
                            .unwrap_or_default();
                        output::write_stdout(&format!(
                            "intact: {} records{head}\n",
                            report.records
                        ))?;
                    }
                    Ok(())
                }
                Some(first) => Err(CliError::invalid(format!(
                    "audit trail broken: {first} ({} issue(s))",
                    report.issues.len()
                ))),
            }
        }
        AuditSub::Export {
            db,
            format,
            patient,
            actor,
            kind,
            outcome,
            from,
            to,
        } => {
            let trail = open_trail(db)?;
            let mut f = AuditFilter::new();
            if let Some(p) = patient {
                f = f.patient(p.clone());
            }
            if let Some(a) = actor {
                f = f.actor(a.clone());
            }
            if let Some(k) = kind {
                f = f.kind(AuditKind::new(k.clone()).map_err(CliError::usage)?);
            }
            if let Some(o) = outcome {
                f = f.outcome(match o {
                    OutcomeArg::Success => Outcome::Success,
                    OutcomeArg::Failure => Outcome::Failure,
                    OutcomeArg::Denied => Outcome::Denied,
                });
            }
            f.from = parse_time(from)?;
            f.to = parse_time(to)?;
            let mut out = std::io::stdout().lock();
            match format {
                ExportFormat::Jsonl => trail.export_jsonl(&f, &mut out),
                ExportFormat::Csv => trail.export_csv(&f, &mut out),
            }
            .map_err(|e| CliError::Failed(e.into()))?;
            Ok(())
        }
    }
}

fn cert_inspect(file: &PathBuf, json: bool) -> Result<(), CliError> {
    let bytes =
        std::fs::read(file).map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    let cert = if bytes.first() == Some(&0x30) {
        IgcSanteCertificate::from_der(&bytes)
    } else {
        IgcSanteCertificate::from_pem(&bytes)
    }
    .map_err(CliError::invalid)?;
    let now = time::OffsetDateTime::now_utc();
    let policy = cert.check_policy(&CryptoPolicy::default());
    let (id_kind, id) = match cert.national_id() {
        Some(NationalId::Professional(p)) => ("idNat_PS", p.to_string()),
        Some(NationalId::Structure(s)) => ("idNat_Struct", s.to_string()),
        _ => ("none", String::new()),
    };
    let v = serde_json::json!({
        "subject": cert.subject(),
        "issuer": cert.issuer(),
        "holder": cert.holder(),
        "environment": cert.environment(),
        "national_id": { "kind": id_kind, "value": id },
        "not_before": cert.not_before().to_string(),
        "not_after": cert.not_after().to_string(),
        "valid_now": cert.check_valid_at(now).is_ok(),
        "key": cert.key_algorithm().to_string(),
        "signature": cert.signature_algorithm().to_string(),
        "policy_ok": policy.is_ok(),
        "policy_error": policy.as_ref().err().map(ToString::to_string),
        "x5t#S256": cert.x5t_s256(),
    });
    output::print(json, &v, || {
        format!(
            "subject: {}\nissuer: {}\nholder: {:?}\nenvironment: {}\nnational id: {id_kind} {id}\nvalidity: {} to {}\nkey: {}\nsignature: {}\nx5t#S256: {}",
            cert.subject(),
            cert.issuer(),
            cert.holder(),
            cert.environment(),
            cert.not_before(),
            cert.not_after(),
            cert.key_algorithm(),
            cert.signature_algorithm(),
            cert.x5t_s256()
        )
    })?;
    policy
        .map(|_| ())
        .map_err(|e| CliError::invalid(format!("refused by the crypto policy: {e}")))
}

fn backup(cmd: &BackupSub, json: bool) -> Result<(), CliError> {
    use segur_ssi::backup::{backup_database, restore_database, verify_backup};
    let fail = |e: segur_ssi::Error| match e {
        segur_ssi::Error::Backup(b) => CliError::invalid(b),
        other => CliError::Failed(other.into()),
    };
    match cmd {
        BackupSub::Create {
            source,
            destination,
        } => {
            if !source.is_file() {
                return Err(CliError::usage(format!(
                    "{}: no such file",
                    source.display()
                )));
            }
            let r = backup_database(source, destination, time::OffsetDateTime::now_utc())
                .map_err(fail)?;
            output::print(
                json,
                &serde_json::json!({"backup": r.path, "manifest": r.manifest_path, "bytes": r.bytes, "sha256": r.sha256, "audit_checkpoint": r.audit_checkpoint}),
                || {
                    format!(
                        "backup written: {} ({} bytes, sha256 {})",
                        r.path.display(),
                        r.bytes,
                        r.sha256
                    )
                },
            )
        }
        BackupSub::Verify { backup } => {
            if !backup.is_file() {
                return Err(CliError::usage(format!(
                    "{}: no such file",
                    backup.display()
                )));
            }
            let v = verify_backup(backup).map_err(fail)?;
            output::print(
                json,
                &serde_json::json!({"valid": true, "manifest": v.manifest, "audit_records": v.audit_records}),
                || {
                    format!(
                        "valid backup of {} taken {} ({} audit records)",
                        v.manifest.source, v.manifest.created_at, v.audit_records
                    )
                },
            )
        }
        BackupSub::Restore {
            backup,
            destination,
        } => {
            if !backup.is_file() {
                return Err(CliError::usage(format!(
                    "{}: no such file",
                    backup.display()
                )));
            }
            let v = restore_database(backup, destination).map_err(fail)?;
            output::print(
                json,
                &serde_json::json!({"restored": destination, "from": backup, "audit_records": v.audit_records}),
                || {
                    format!(
                        "restored {} from {}",
                        destination.display(),
                        backup.display()
                    )
                },
            )
        }
    }
}
