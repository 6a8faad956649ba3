//! Tamper-evident, append-only audit trail (traces of DMP, MSSanté, INS and
//! security events).
//!
//! Each [`AuditRecord`] holds who ([`AuditEvent::actor`]), what
//! ([`AuditEvent::kind`], [`AuditEvent::target`]), when
//! ([`AuditEvent::occurred_at`]), on which patient / document, the
//! [`Outcome`] and the request id. Records are **hash-chained**:
//!
//! ```text
//! hash(n) = SHA-256("segur-audit-v1" ‖ hash(n-1) ‖ canonical(event n))
//! ```
//!
//! with `hash(0)` = 32 zero bytes and a length-prefixed canonical encoding (no
//! ambiguity between fields). [`AuditTrail::verify`] recomputes the chain and
//! pinpoints every break: a modified record ([`ChainIssue::Modified`]), deleted
//! records ([`ChainIssue::Missing`]), records swapped
//! ([`ChainIssue::Reordered`]), a link to an unknown record
//! ([`ChainIssue::BrokenLink`]) and a truncated tail
//! ([`ChainIssue::HeadMismatch`]). Someone able to rewrite the whole database
//! can recompute a whole chain: export [`AuditTrail::checkpoint`]s regularly to
//! a place the host does not write to (a log server, a signed e-mail) and pass
//! the last one to [`AuditTrail::verify_from`].
//!
//! [`SqliteAuditTrail`] stores the chain in SQLite (WAL, `synchronous=FULL`).
//! Appends run in `BEGIN IMMEDIATE` transactions, so several writers — threads
//! sharing one trail, or several processes opening the same file — are
//! serialised by SQLite and the chain stays linear; a crash mid-write leaves
//! the previous, verifiable trail (the transaction is rolled back on reopen).
//! Triggers refuse `UPDATE` and `DELETE` on the records table.
//!
//! The calls are blocking (SQLite): from async code use
//! `tokio::task::spawn_blocking`. Never put secrets or tokens in an event
//! (log a `jti` or a hash instead).
//!
//! ```
//! use segur_ssi::audit::{kinds, AuditEvent, AuditFilter, AuditTrail, Outcome, SqliteAuditTrail};
//! let trail = SqliteAuditTrail::open_in_memory().unwrap();
//! let now = time::OffsetDateTime::now_utc();
//! trail.append(
//!     AuditEvent::new(kinds::LOGIN_SUCCESS, "810003612545", Outcome::Success, now)
//!         .with_detail("method", "e-CPS"),
//! ).unwrap();
//! trail.append(
//!     AuditEvent::new("dmp.document.consult".parse().unwrap(), "810003612545", Outcome::Success, now)
//!         .with_patient("PAT-0001")
//!         .with_request_id("req-42"),
//! ).unwrap();
//! assert_eq!(trail.query(&AuditFilter::new().patient("PAT-0001")).unwrap().len(), 1);
//! assert!(trail.verify().unwrap().is_intact());
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// What happened: a string-backed, open set of action names
/// (`[a-z][a-z0-9_.-]{0,63}`). Other crates define their own
/// (`"dmp.document.submit"`, `"mss.message.received"`…); common security
/// events are in [`kinds`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuditKind(Cow<'static, str>);

impl AuditKind {
    /// A kind from a literal. Panics at compile time (in const context) or
    /// at first use when the literal is malformed.
    pub const fn from_static(s: &'static str) -> Self {
        assert!(Self::is_valid(s), "malformed audit kind literal");
        Self(Cow::Borrowed(s))
    }

    /// Parses a kind.
    pub fn new(s: impl Into<String>) -> Result<Self> {
        let s = s.into();
        if !Self::is_valid(&s) {
            return Err(Error::InvalidInput {
                what: "audit kind",
                reason: format!("{s:?} is not [a-z][a-z0-9_.-]{{0,63}}"),
            });
        }
        Ok(Self(Cow::Owned(s)))
    }

    /// Checks the grammar.
    pub const fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 64 || !b[0].is_ascii_lowercase() {
            return false;
        }
        let mut i = 1;
        while i < b.len() {
            let c = b[i];
            if !(c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || c == b'_'
                || c == b'.'
                || c == b'-')
            {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKind({})", self.0)
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AuditKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl Serialize for AuditKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AuditKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

/// Security event kinds traced by the SDK (IE.38 and the ANS minimum list).
pub mod kinds {
    use super::AuditKind;
    /// Successful authentication (detail `method`: password, TOTP, PSC, CPS).
    pub const LOGIN_SUCCESS: AuditKind = AuditKind::from_static("auth.login.success");
    /// Failed authentication.
    pub const LOGIN_FAILURE: AuditKind = AuditKind::from_static("auth.login.failure");
    /// Second factor checked.
    pub const MFA_VERIFIED: AuditKind = AuditKind::from_static("auth.mfa.verified");
    /// Second factor refused.
    pub const MFA_FAILURE: AuditKind = AuditKind::from_static("auth.mfa.failure");
    /// Explicit logout.
    pub const LOGOUT: AuditKind = AuditKind::from_static("auth.logout");
    /// Session ended by inactivity or lifetime.
    pub const SESSION_EXPIRED: AuditKind = AuditKind::from_static("auth.session.expired");
    /// All sessions of an account revoked.
    pub const SESSIONS_REVOKED: AuditKind = AuditKind::from_static("auth.session.revoked");
    /// Re-authentication for a sensitive action.
    pub const REAUTHENTICATED: AuditKind = AuditKind::from_static("auth.reauthenticated");
    /// Account locked after failures.
    pub const ACCOUNT_LOCKED: AuditKind = AuditKind::from_static("account.locked");
    /// Account unlocked (by time or administrator).
    pub const ACCOUNT_UNLOCKED: AuditKind = AuditKind::from_static("account.unlocked");
    /// Account created.
    pub const ACCOUNT_CREATED: AuditKind = AuditKind::from_static("account.created");
    /// Account disabled.
    pub const ACCOUNT_DISABLED: AuditKind = AuditKind::from_static("account.disabled");
    /// Password changed by its owner.
    pub const PASSWORD_CHANGED: AuditKind = AuditKind::from_static("account.password.changed");
    /// Password reset by an administrator.
    pub const PASSWORD_RESET: AuditKind = AuditKind::from_static("account.password.reset");
    /// Roles or privileges changed.
    pub const PRIVILEGE_CHANGED: AuditKind = AuditKind::from_static("account.privilege.changed");
    /// TOTP second factor enrolled or removed.
    pub const MFA_CHANGED: AuditKind = AuditKind::from_static("account.mfa.changed");
    /// Account linked to a Pro Santé Connect identity.
    pub const PSC_LINKED: AuditKind = AuditKind::from_static("account.psc.linked");
    /// Accounts imported from a directory.
    pub const DIRECTORY_SYNC: AuditKind = AuditKind::from_static("account.directory.sync");
    /// Export of health data.
    pub const HEALTH_DATA_EXPORT: AuditKind = AuditKind::from_static("data.export");
    /// Certificate refused (policy, validity, trust).
    pub const CERTIFICATE_ERROR: AuditKind = AuditKind::from_static("tls.certificate.error");
    /// A received file was scanned.
    pub const FILE_SCANNED: AuditKind = AuditKind::from_static("antivirus.scan");
    /// Malware found in a received file.
    pub const MALWARE_FOUND: AuditKind = AuditKind::from_static("antivirus.malware");
    /// Backup of a store.
    pub const BACKUP: AuditKind = AuditKind::from_static("backup.created");
    /// Restore of a store.
    pub const RESTORE: AuditKind = AuditKind::from_static("backup.restored");
}

/// Result of the traced action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Outcome {
    /// Done.
    Success,
    /// Failed (bad credentials, service error…).
    Failure,
    /// Refused by a rule (rights, lockout, antivirus).
    Denied,
}

impl Outcome {
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "denied" => Some(Self::Denied),
            _ => None,
        }
    }
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// Who: the authenticated author (account id, idNat_PS) or `"system"`.
    pub actor: String,
    /// Result.
    pub outcome: Outcome,
    /// When (stored in UTC, nanosecond precision).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Patient concerned (prefer a local pseudonymous id to a NIR).
    pub patient_ref: Option<String>,
    /// Document concerned (unique id, e.g. CDA `id@root^extension`).
    pub document_ref: Option<String>,
    /// Correlation id of the request.
    pub request_id: Option<String>,
    /// Target of the action (service, endpoint, account…).
    pub target: Option<String>,
    /// Extra key/value details (sorted, never secrets).
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// A new event.
    pub fn new(
        kind: AuditKind,
        actor: impl Into<String>,
        outcome: Outcome,
        occurred_at: OffsetDateTime,
    ) -> Self {
        Self {
            kind,
            actor: actor.into(),
            outcome,
            occurred_at,
            patient_ref: None,
            document_ref: None,
            request_id: None,
            target: None,
            details: BTreeMap::new(),
        }
    }
    /// Sets the patient reference.
    pub fn with_patient(mut self, patient: impl Into<String>) -> Self {
        self.patient_ref = Some(patient.into());
        self
    }
    /// Sets the document reference.
    pub fn with_document(mut self, document: impl Into<String>) -> Self {
        self.document_ref = Some(document.into());
        self
    }
    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }
    /// Sets the target.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
    /// Adds a detail.
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }
}

/// A stored event with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position, from 1, without gaps.
    pub seq: u64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Hash of the previous record (hex).
    pub prev_hash: String,
    /// Hash of this record (hex).
    pub hash: String,
}

/// The head of a chain: hand it to a store the host does not control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Last sequence number.
    pub seq: u64,
    /// Its hash (hex).
    pub hash: String,
}

/// A break found by verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainIssue {
    /// The record's content no longer matches its hash.
    Modified {
        /// Record.
        seq: u64,
    },
    /// Records are missing before `seq` (deleted).
    Missing {
        /// First missing sequence number.
        from_seq: u64,
        /// Last missing sequence number.
        to_seq: u64,
    },
    /// The record links to another record of the trail than its predecessor
    /// (records swapped or moved).
    Reordered {
        /// Record.
        seq: u64,
        /// The record it links to.
        links_to_seq: u64,
    },
    /// The record links to a hash found nowhere (a record before it was
    /// deleted, inserted or rewritten).
    BrokenLink {
        /// Record.
        seq: u64,
    },
    /// The stored head does not match the last record (tail truncated).
    HeadMismatch {
        /// Head sequence number stored.
        head_seq: u64,
        /// Last record found.
        last_seq: u64,
    },
    /// The given checkpoint is not found in the trail.
    CheckpointNotFound {
        /// Checkpoint sequence number.
        seq: u64,
    },
}

impl fmt::Display for ChainIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Modified { seq } => write!(f, "record {seq} was modified"),
            Self::Missing { from_seq, to_seq } => {
                write!(f, "records {from_seq} to {to_seq} are missing")
            }
            Self::Reordered { seq, links_to_seq } => {
                write!(
                    f,
                    "record {seq} is out of order (it follows record {links_to_seq})"
                )
            }
            Self::BrokenLink { seq } => write!(f, "the chain is broken before record {seq}"),
            Self::HeadMismatch { head_seq, last_seq } => {
                write!(
                    f,
                    "the trail ends at record {last_seq} but its head says {head_seq}"
                )
            }
            Self::CheckpointNotFound { seq } => {
                write!(f, "checkpoint at record {seq} does not match the trail")
            }
        }
    }
}

/// Result of [`AuditTrail::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Records read.
    pub records: u64,
    /// Last record, when any.
    pub head: Option<Checkpoint>,
    /// Every break found, in trail order.
    pub issues: Vec<ChainIssue>,
}

impl VerifyReport {
    /// True when no issue was found.
    pub fn is_intact(&self) -> bool {
        self.issues.is_empty()
    }
    /// The first issue.
    pub fn first_issue(&self) -> Option<&ChainIssue> {
        self.issues.first()
    }
}

/// Query filter; every criterion is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditFilter {
    /// Actor equals.
    pub actor: Option<String>,
    /// Patient equals.
    pub patient_ref: Option<String>,
    /// Document equals.
    pub document_ref: Option<String>,
    /// Kind equals.
    pub kind: Option<AuditKind>,
    /// Kind starts with (e.g. `"auth."`).
    pub kind_prefix: Option<String>,
    /// Outcome equals.
    pub outcome: Option<Outcome>,
    /// Request id equals.
    pub request_id: Option<String>,
    /// occurred_at ≥ from.
    pub from: Option<OffsetDateTime>,
    /// occurred_at < to.
    pub to: Option<OffsetDateTime>,
    /// seq > after_seq (paging).
    pub after_seq: Option<u64>,
    /// At most this many records.
    pub limit: Option<u32>,
}

impl AuditFilter {
    /// Everything.
    pub fn new() -> Self {
        Self::default()
    }
    /// By actor.
    pub fn actor(mut self, v: impl Into<String>) -> Self {
        self.actor = Some(v.into());
        self
    }
    /// By patient.
    pub fn patient(mut self, v: impl Into<String>) -> Self {
        self.patient_ref = Some(v.into());
        self
    }
    /// By document.
    pub fn document(mut self, v: impl Into<String>) -> Self {
        self.document_ref = Some(v.into());
        self
    }
    /// By kind.
    pub fn kind(mut self, v: AuditKind) -> Self {
        self.kind = Some(v);
        self
    }
    /// By kind prefix (`"auth."`).
    pub fn kind_prefix(mut self, v: impl Into<String>) -> Self {
        self.kind_prefix = Some(v.into());
        self
    }
    /// By outcome.
    pub fn outcome(mut self, v: Outcome) -> Self {
        self.outcome = Some(v);
        self
    }
    /// By request id.
    pub fn request_id(mut self, v: impl Into<String>) -> Self {
        self.request_id = Some(v.into());
        self
    }
    /// Period `[from, to)`.
    pub fn period(mut self, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }
    /// Records after this sequence number.
    pub fn after_seq(mut self, seq: u64) -> Self {
        self.after_seq = Some(seq);
        self
    }
    /// Limit.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// In-memory evaluation (same semantics as the SQL one).
    pub fn matches(&self, r: &AuditRecord) -> bool {
        let e = &r.event;
        self.actor.as_ref().is_none_or(|v| *v == e.actor)
            && self
                .patient_ref
                .as_ref()
                .is_none_or(|v| Some(v) == e.patient_ref.as_ref())
            && self
                .document_ref
                .as_ref()
                .is_none_or(|v| Some(v) == e.document_ref.as_ref())
            && self.kind.as_ref().is_none_or(|v| *v == e.kind)
            && self
                .kind_prefix
                .as_ref()
                .is_none_or(|p| e.kind.as_str().starts_with(p.as_str()))
            && self.outcome.is_none_or(|v| v == e.outcome)
            && self
                .request_id
                .as_ref()
                .is_none_or(|v| Some(v) == e.request_id.as_ref())
            && self.from.is_none_or(|v| e.occurred_at >= v)
            && self.to.is_none_or(|v| e.occurred_at < v)
            && self.after_seq.is_none_or(|v| r.seq > v)
    }
}

/// An append-only audit trail.
pub trait AuditTrail: Send + Sync {
    /// Appends an event and returns the stored record.
    fn append(&self, event: AuditEvent) -> Result<AuditRecord>;
    /// Records matching `filter`, in sequence order.
    fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// Verifies the whole chain.
    fn verify(&self) -> Result<VerifyReport>;
    /// The current head, to store outside the host's reach.
    fn checkpoint(&self) -> Result<Option<Checkpoint>>;

    /// Verifies the chain and that it still contains `checkpoint`.
    fn verify_from(&self, checkpoint: &Checkpoint) -> Result<VerifyReport> {
        let mut report = self.verify()?;
        let at = self.query(
            &AuditFilter::new()
                .after_seq(checkpoint.seq.saturating_sub(1))
                .limit(1),
        )?;
        if !at
            .first()
            .is_some_and(|r| r.seq == checkpoint.seq && r.hash == checkpoint.hash)
        {
            report.issues.push(ChainIssue::CheckpointNotFound {
                seq: checkpoint.seq,
            });
        }
        Ok(report)
    }

    /// Writes matching records as JSON lines.
    fn export_jsonl(&self, filter: &AuditFilter, out: &mut dyn Write) -> Result<u64> {
        write_jsonl(&self.query(filter)?, out)
    }

    /// Writes matching records as CSV (RFC 4180, header line).
    fn export_csv(&self, filter: &AuditFilter, out: &mut dyn Write) -> Result<u64> {
        write_csv(&self.query(filter)?, out)
    }
}

fn io_err(e: std::io::Error) -> Error {
    Error::Io {
        path: "<export>".into(),
        source: e,
    }
}

/// Writes records as JSON lines (one object per line).
pub fn write_jsonl(records: &[AuditRecord], out: &mut dyn Write) -> Result<u64> {
    for r in records {
        let line = serde_json::to_string(r).map_err(|e| Error::Corrupt(e.to_string()))?;
        out.write_all(line.as_bytes()).map_err(io_err)?;
        out.write_all(b"\n").map_err(io_err)?;
    }
    Ok(records.len() as u64)
}

fn csv_field(s: &str) -> Cow<'_, str> {
    // Also neutralises spreadsheet formula injection (=, +, -, @ first).
    let risky = s.starts_with(['=', '+', '-', '@']);
    if s.contains([',', '"', '\n', '\r']) || risky {
        let inner = if risky { format!("'{s}") } else { s.to_owned() };
        Cow::Owned(format!("\"{}\"", inner.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Writes records as CSV with a header line.
pub fn write_csv(records: &[AuditRecord], out: &mut dyn Write) -> Result<u64> {
    out.write_all(b"seq,occurred_at,kind,actor,outcome,patient_ref,document_ref,request_id,target,details,prev_hash,hash\r\n")
        .map_err(io_err)?;
    for r in records {
        let e = &r.event;
        let when = e
            .occurred_at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|err| Error::Corrupt(err.to_string()))?;
        let details =
            serde_json::to_string(&e.details).map_err(|err| Error::Corrupt(err.to_string()))?;
        let seq = r.seq.to_string();
        let fields: [&str; 12] = [
            &seq,
            &when,
            e.kind.as_str(),
            &e.actor,
            e.outcome.as_str(),
            e.patient_ref.as_deref().unwrap_or(""),
            e.document_ref.as_deref().unwrap_or(""),
            e.request_id.as_deref().unwrap_or(""),
            e.target.as_deref().unwrap_or(""),
            &details,
            &r.prev_hash,
            &r.hash,
        ];
        let line: Vec<Cow<'_, str>> = fields.iter().map(|f| csv_field(f)).collect();
        out.write_all(line.join(",").as_bytes()).map_err(io_err)?;
        out.write_all(b"\r\n").map_err(io_err)?;
    }
    Ok(records.len() as u64)
}

// ---------------------------------------------------------------- hash chain

const GENESIS: [u8; 32] = [0; 32];

fn nanos(t: OffsetDateTime) -> Result<i64> {
    i64::try_from(t.unix_timestamp_nanos()).map_err(|_| Error::InvalidInput {
        what: "audit timestamp",
        reason: format!("{t} is outside 1677–2262"),
    })
}

fn put(buf: &mut Vec<u8>, field: Option<&[u8]>) {
    match field {
        None => buf.push(0),
        Some(b) => {
            buf.push(1);
            buf.extend_from_slice(&(b.len() as u64).to_be_bytes());
            buf.extend_from_slice(b);
        }
    }
}

/// The chained hash of an event after `prev`.
pub fn chain_hash(prev: &[u8; 32], event: &AuditEvent) -> Result<[u8; 32]> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(b"segur-audit-v1");
    buf.extend_from_slice(prev);
    put(&mut buf, Some(&nanos(event.occurred_at)?.to_be_bytes()));
    put(&mut buf, Some(event.kind.as_str().as_bytes()));
    put(&mut buf, Some(event.actor.as_bytes()));
    put(&mut buf, Some(event.outcome.as_str().as_bytes()));
    put(&mut buf, event.patient_ref.as_deref().map(str::as_bytes));
    put(&mut buf, event.document_ref.as_deref().map(str::as_bytes));
    put(&mut buf, event.request_id.as_deref().map(str::as_bytes));
    put(&mut buf, event.target.as_deref().map(str::as_bytes));
    buf.extend_from_slice(&(event.details.len() as u64).to_be_bytes());
    for (k, v) in &event.details {
        put(&mut buf, Some(k.as_bytes()));
        put(&mut buf, Some(v.as_bytes()));
    }
    let d = ring::digest::digest(&ring::digest::SHA256, &buf);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Most reorder classifications looked up per verification; past this, a
/// broken link is reported as [`ChainIssue::BrokenLink`] without the lookup.
const MAX_LOOKUPS: usize = 1000;

/// Streaming chain verification: feed records in storage order with
/// [`ChainVerifier::push`], then [`ChainVerifier::finish`]. Memory stays
/// constant whatever the trail length.
#[derive(Debug)]
pub struct ChainVerifier {
    issues: Vec<ChainIssue>,
    expected_seq: u64,
    prev_hash: String,
    records: u64,
    last: Option<Checkpoint>,
    lookups: usize,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// A verifier at the start of a trail.
    pub fn new() -> Self {
        Self {
            issues: Vec::new(),
            expected_seq: 1,
            prev_hash: hex(&GENESIS),
            records: 0,
            last: None,
            lookups: 0,
        }
    }

    /// Checks the next record. `find_seq_of_hash` tells which record of the
    /// trail has a given hash (used only when a link is broken, to tell a
    /// reordering from a deletion).
    pub fn push(&mut self, r: &AuditRecord, find_seq_of_hash: impl FnOnce(&str) -> Option<u64>) {
        if r.seq > self.expected_seq {
            self.issues.push(ChainIssue::Missing {
                from_seq: self.expected_seq,
                to_seq: r.seq - 1,
            });
        }
        let recomputed = unhex(&r.prev_hash)
            .and_then(|p| chain_hash(&p, &r.event).ok())
            .map(|h| hex(&h));
        if recomputed.as_deref() != Some(r.hash.as_str()) {
            self.issues.push(ChainIssue::Modified { seq: r.seq });
        } else if r.prev_hash != self.prev_hash && r.seq <= self.expected_seq {
            // A gap already explains a broken link right after it.
            let other = if self.lookups < MAX_LOOKUPS {
                self.lookups += 1;
                find_seq_of_hash(&r.prev_hash)
            } else {
                None
            };
            self.issues.push(match other {
                Some(other) => ChainIssue::Reordered {
                    seq: r.seq,
                    links_to_seq: other,
                },
                None => ChainIssue::BrokenLink { seq: r.seq },
            });
        }
        self.expected_seq = r.seq + 1;
        self.prev_hash.clone_from(&r.hash);
        self.records += 1;
        self.last = Some(Checkpoint {
            seq: r.seq,
            hash: r.hash.clone(),
        });
    }

    /// Records an unreadable record (a field altered outside the API), with
    /// its stored hash when that column is still readable.
    pub fn push_unreadable(&mut self, seq: u64, stored_hash: Option<String>) {
        self.issues.push(ChainIssue::Modified { seq });
        self.expected_seq = seq + 1;
        self.records += 1;
        if let Some(h) = stored_hash {
            self.prev_hash.clone_from(&h);
            self.last = Some(Checkpoint { seq, hash: h });
        }
    }

    /// Compares with the stored head and returns the report.
    pub fn finish(mut self, stored_head: Option<&Checkpoint>) -> VerifyReport {
        let head_ok = match (stored_head, &self.last) {
            (None, None) => true,
            (Some(h), Some(l)) => h == l,
            _ => false,
        };
        if !head_ok {
            self.issues.push(ChainIssue::HeadMismatch {
                head_seq: stored_head.map_or(0, |h| h.seq),
                last_seq: self.last.as_ref().map_or(0, |l| l.seq),
            });
        }
        VerifyReport {
            records: self.records,
            head: self.last,
            issues: self.issues,
        }
    }
}

/// Verifies records given in storage order (sequence ascending), plus the
/// stored head. Shared by every in-memory [`AuditTrail`] implementation.
pub fn verify_records(records: &[AuditRecord], stored_head: Option<&Checkpoint>) -> VerifyReport {
    let by_hash: HashMap<&str, u64> = records.iter().map(|r| (r.hash.as_str(), r.seq)).collect();
    let mut v = ChainVerifier::new();
    for r in records {
        v.push(r, |h| by_hash.get(h).copied());
    }
    v.finish(stored_head)
}

// ------------------------------------------------------------------ SQLite

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_records (
    seq INTEGER PRIMARY KEY,
    occurred_at_ns INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    outcome TEXT NOT NULL,
    patient_ref TEXT,
    document_ref TEXT,
    request_id TEXT,
    target TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_patient ON audit_records(patient_ref, occurred_at_ns);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit_records(actor, occurred_at_ns);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_records(occurred_at_ns);
CREATE INDEX IF NOT EXISTS audit_by_kind ON audit_records(kind, occurred_at_ns);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
";

/// Opens a SQLite connection with the SDK's settings: WAL, full sync,
/// a busy timeout for concurrent writers.
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // journal_mode returns a row; in-memory databases stay in "memory" mode.
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    Ok(())
}

/// The SQLite audit trail.
pub struct SqliteAuditTrail {
    conn: Mutex<Connection>,
}

impl fmt::Debug for SqliteAuditTrail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteAuditTrail").finish_non_exhaustive()
    }
}

impl SqliteAuditTrail {
    /// Opens (creating if needed) the trail in a database file. Several
    /// instances, in one or several processes, may open the same file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_connection(open_connection(path.as_ref())?)
    }

    /// A trail in memory (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    /// Uses an existing connection (the schema is created in it).
    pub fn from_connection(conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Corrupt("audit connection poisoned by a panic".into()))
    }

    fn stored_head(conn: &Connection) -> Result<Option<Checkpoint>> {
        Ok(conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok(Checkpoint {
                    seq: r.get::<_, i64>(0)? as u64,
                    hash: r.get(1)?,
                })
            })
            .optional()?)
    }
}

fn row_to_record(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<std::result::Result<AuditRecord, String>> {
    let seq: i64 = r.get(0)?;
    let ns: i64 = r.get(1)?;
    let kind: String = r.get(2)?;
    let outcome: String = r.get(4)?;
    let details: String = r.get(9)?;
    let build = || -> std::result::Result<AuditRecord, String> {
        Ok(AuditRecord {
            seq: u64::try_from(seq).map_err(|e| e.to_string())?,
            event: AuditEvent {
                kind: AuditKind::new(kind).map_err(|e| e.to_string())?,
                actor: r.get(3).map_err(|e| e.to_string())?,
                outcome: Outcome::parse(&outcome)
                    .ok_or_else(|| format!("unknown outcome {outcome:?}"))?,
                occurred_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
                    .map_err(|e| e.to_string())?,
                patient_ref: r.get(5).map_err(|e| e.to_string())?,
                document_ref: r.get(6).map_err(|e| e.to_string())?,
                request_id: r.get(7).map_err(|e| e.to_string())?,
                target: r.get(8).map_err(|e| e.to_string())?,
                details: serde_json::from_str(&details).map_err(|e| e.to_string())?,
            },
            prev_hash: r.get(10).map_err(|e| e.to_string())?,
            hash: r.get(11).map_err(|e| e.to_string())?,
        })
    };
    Ok(build().map_err(|e| format!("record {seq}: {e}")))
}

const COLUMNS: &str = "seq, occurred_at_ns, kind, actor, outcome, patient_ref, document_ref, request_id, target, details, prev_hash, hash";

impl AuditTrail for SqliteAuditTrail {
    fn append(&self, event: AuditEvent) -> Result<AuditRecord> {
        let ns = nanos(event.occurred_at)?;
        let details =
            serde_json::to_string(&event.details).map_err(|e| Error::Corrupt(e.to_string()))?;
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = Self::stored_head(&tx)?;
        let (seq, prev) = match &head {
            Some(h) => (
                h.seq + 1,
                unhex(&h.hash)
                    .ok_or_else(|| Error::Corrupt("audit head hash is not hex".into()))?,
            ),
            None => (1, GENESIS),
        };
        let hash = chain_hash(&prev, &event)?;
        let (prev_hex, hash_hex) = (hex(&prev), hex(&hash));
        let seq_i =
            i64::try_from(seq).map_err(|_| Error::Corrupt("audit sequence overflow".into()))?;
        tx.execute(
            &format!("INSERT INTO audit_records ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                seq_i,
                ns,
                event.kind.as_str(),
                event.actor,
                event.outcome.as_str(),
                event.patient_ref,
                event.document_ref,
                event.request_id,
                event.target,
                details,
                prev_hex,
                hash_hex
            ],
        )?;
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq_i, hash_hex],
        )?;
        tx.commit()?;
        Ok(AuditRecord {
            seq,
            event,
            prev_hash: prev_hex,
            hash: hash_hex,
        })
    }

    fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_records WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut add = |clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        use rusqlite::types::Value as V;
        if let Some(v) = &filter.actor {
            add("actor =", V::Text(v.clone()));
        }
        if let Some(v) = &filter.patient_ref {
            add("patient_ref =", V::Text(v.clone()));
        }
        if let Some(v) = &filter.document_ref {
            add("document_ref =", V::Text(v.clone()));
        }
        if let Some(v) = &filter.kind {
            add("kind =", V::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &filter.kind_prefix {
            // substr comparison: no LIKE wildcards to escape.
            args.push(V::Text(v.clone()));
            let n = args.len();
            sql.push_str(&format!(" AND substr(kind, 1, length(?{n})) = ?{n}"));
        }
        let mut add = |clause: &str, v: V| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(v) = filter.outcome {
            add("outcome =", V::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &filter.request_id {
            add("request_id =", V::Text(v.clone()));
        }
        if let Some(v) = filter.from {
            add("occurred_at_ns >=", V::Integer(nanos(v)?));
        }
        if let Some(v) = filter.to {
            add("occurred_at_ns <", V::Integer(nanos(v)?));
        }
        if let Some(v) = filter.after_seq {
            add("seq >", V::Integer(i64::try_from(v).unwrap_or(i64::MAX)));
        }
        sql.push_str(" ORDER BY seq");
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), row_to_record)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.map_err(Error::Corrupt)?);
        }
        Ok(out)
    }

    fn verify(&self) -> Result<VerifyReport> {
        let conn = self.lock()?;
        verify_sqlite(&conn)?.ok_or_else(|| Error::Corrupt("audit tables missing".into()))
    }

    fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        let conn = self.lock()?;
        Self::stored_head(&conn)
    }
}

/// Verifies the audit trail stored in a SQLite database without writing to
/// it (for backups). `Ok(None)` when the database has no audit table.
pub fn verify_sqlite(conn: &Connection) -> Result<Option<VerifyReport>> {
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_records'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)?;
    if !has_table {
        return Ok(None);
    }
    // One read transaction: a consistent snapshot while writers go on.
    let tx = conn.unchecked_transaction()?;
    let head = SqliteAuditTrail::stored_head(&tx)?;
    let mut verifier = ChainVerifier::new();
    {
        let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM audit_records ORDER BY seq"))?;
        // Only run on a broken link (rare): a scan, no index to maintain.
        let mut by_hash = tx.prepare("SELECT seq FROM audit_records WHERE hash = ?1 LIMIT 1")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            match row_to_record(row)? {
                Ok(r) => verifier.push(&r, |h| {
                    by_hash
                        .query_row([h], |x| x.get::<_, i64>(0))
                        .ok()
                        .and_then(|s| u64::try_from(s).ok())
                }),
                Err(_) => {
                    let seq = row
                        .get::<_, i64>(0)
                        .ok()
                        .and_then(|s| u64::try_from(s).ok())
                        .unwrap_or(0);
                    verifier.push_unreadable(seq, row.get::<_, String>(11).ok());
                }
            }
        }
    }
    tx.finish()?;
    Ok(Some(verifier.finish(head.as_ref())))
}

/// An in-memory trail with the same chain, for other crates' tests.
#[derive(Debug, Default)]
pub struct MemoryAuditTrail {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemoryAuditTrail {
    /// An empty trail.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record (test assertions).
    pub fn records(&self) -> Vec<AuditRecord> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl AuditTrail for MemoryAuditTrail {
    fn append(&self, event: AuditEvent) -> Result<AuditRecord> {
        let mut recs = self
            .records
            .lock()
            .map_err(|_| Error::Corrupt("memory trail poisoned".into()))?;
        let (seq, prev) = match recs.last() {
            Some(r) => (r.seq + 1, unhex(&r.hash).unwrap_or(GENESIS)),
            None => (1, GENESIS),
        };
        let hash = chain_hash(&prev, &event)?;
        let rec = AuditRecord {
            seq,
            event,
            prev_hash: hex(&prev),
            hash: hex(&hash),
        };
        recs.push(rec.clone());
        Ok(rec)
    }

    fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let recs = self
            .records
            .lock()
            .map_err(|_| Error::Corrupt("memory trail poisoned".into()))?;
        let it = recs.iter().filter(|r| filter.matches(r)).cloned();
        Ok(match filter.limit {
            Some(n) => it.take(n as usize).collect(),
            None => it.collect(),
        })
    }

    fn verify(&self) -> Result<VerifyReport> {
        let recs = self.records();
        let head = recs.last().map(|r| Checkpoint {
            seq: r.seq,
            hash: r.hash.clone(),
        });
        Ok(verify_records(&recs, head.as_ref()))
    }

    fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        Ok(self.records().last().map(|r| Checkpoint {
            seq: r.seq,
            hash: r.hash.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_grammar() {
        assert!(AuditKind::new("dmp.document.submit").is_ok());
        assert!(AuditKind::new("Dmp").is_err());
        assert!(AuditKind::new("").is_err());
        assert!(AuditKind::new("a b").is_err());
        assert!(AuditKind::new("x".repeat(65)).is_err());
        let k: AuditKind = serde_json::from_str("\"mss.message.received\"").unwrap();
        assert_eq!(k.as_str(), "mss.message.received");
        assert!(serde_json::from_str::<AuditKind>("\"BAD\"").is_err());
    }

    #[test]
    fn csv_escaping() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
    }
}
