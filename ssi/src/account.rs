//! Local accounts: store, password login with throttling and lockout,
//! TOTP second factor, privileged-account rules, administration, and the
//! directory-sync hook (SC.SSI/GEN.16/17, IE.30–36, IE.38/39).
//!
//! - [`AccountStore`]: persistence trait; [`SqliteAccountStore`] (rusqlite,
//!   bundled) and [`MemoryAccountStore`].
//! - [`Authenticator`]: the login flow. [`Authenticator::login_password`]
//!   returns [`AuthStep::Authenticated`] or, when a TOTP is enrolled,
//!   [`AuthStep::MfaRequired`] with a short-lived challenge completed by
//!   [`Authenticator::complete_mfa`]. Unknown logins and wrong passwords give
//!   the same error and take the same time.
//! - [`LockoutPolicy`]: after 5 failures (default) the account is locked for
//!   1 minute, doubling at each further failure up to 1 hour; at 10 failures
//!   it stays locked until an administrator unlocks it (CNIL 2017 "10
//!   failures"; the PGSSI-S number is UNCONFIRMED, all values configurable).
//!   TOTP failures count as failures.
//! - Privileged accounts (administrators): the [`PasswordPolicy::privileged`]
//!   policy, TOTP mandatory ([`AuthError::MfaEnrollmentRequired`] until
//!   enrolled), shorter sessions ([`crate::session::SessionPolicy`]); only
//!   they may administer accounts.
//! - Every authentication and account event is written to the audit trail
//!   given with [`Authenticator::with_audit`] (kinds in
//!   [`crate::audit::kinds`]) and to `tracing`. A failing audit write fails the
//!   operation (fail closed).
//! - [`DirectorySource`]: the hook to import accounts and rights from a local
//!   directory (LDAP, HR export…), applied by [`Authenticator::sync_directory`].
//!
//! Mutations are serialised inside one [`Authenticator`]; several processes
//! sharing one SQLite store should route logins through one service.
//!
//! ```
//! use std::sync::Arc;
//! use segur_ssi::account::{AccountId, Authenticator, AuthStep, MemoryAccountStore, NewAccount};
//! use segur_ssi::password::Argon2Params;
//! let auth = Authenticator::new(Arc::new(MemoryAccountStore::new()))
//!     .with_argon2(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }); // fast example
//! let now = time::OffsetDateTime::now_utc();
//! let id = AccountId::parse("jeanne.martin").unwrap();
//! auth.create_account(NewAccount::new(id.clone(), "Jeanne MARTIN").password("Tr0mbone!Vert"), now).unwrap();
//! match auth.login_password(&id, "Tr0mbone!Vert", now).unwrap() {
//!     AuthStep::Authenticated(a) => assert_eq!(a.account_id, id),
//!     AuthStep::MfaRequired(_) => unreachable!("no TOTP enrolled"),
//! }
//! assert!(auth.login_password(&id, "wrong", now).is_err());
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use segur_ids::IdNatPs;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::audit::{AuditEvent, AuditKind, AuditTrail, Outcome, kinds};
use crate::error::{AuthError, Error, Result};
use crate::password::{
    Argon2Params, PasswordContext, PasswordHasher, PasswordPolicy, Verification,
};
use crate::totp::{Totp, TotpSecret};

/// A login: 1–64 characters among letters, digits and `.`, `_`, `-`, `@`,
/// stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// Parses and normalises (lower-case) a login.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().to_lowercase();
        if s.is_empty() || s.chars().count() > 64 {
            return Err(Error::InvalidInput {
                what: "login",
                reason: "1 to 64 characters".into(),
            });
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(Error::InvalidInput {
                what: "login",
                reason: format!("character {c:?} not allowed"),
            });
        }
        Ok(Self(s))
    }
    /// The login.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AccountId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

/// Where an account comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountSource {
    /// Created in the software.
    Local,
    /// Imported from a directory ([`DirectorySource::name`]).
    Directory(String),
}

/// Enrolled TOTP factor.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpFactor {
    /// Base32 secret (protect the store: the secret is needed to verify codes).
    secret_base32: String,
    /// Confirmed by a first valid code.
    pub confirmed: bool,
    /// Last accepted step (replay refusal).
    pub last_step: Option<u64>,
}

impl fmt::Debug for TotpFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpFactor")
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

impl TotpFactor {
    fn totp(&self) -> Result<Totp> {
        Ok(Totp::new(TotpSecret::from_base32(&self.secret_base32)?))
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// Login.
    pub id: AccountId,
    /// Display name.
    pub display_name: String,
    /// Argon2id PHC string, None for directory / PSC-only accounts.
    pub password_hash: Option<String>,
    /// Previous password hashes, newest first (reuse refusal).
    pub password_history: Vec<String>,
    /// Last password change.
    #[serde(with = "time::serde::rfc3339::option")]
    pub password_changed_at: Option<OffsetDateTime>,
    /// The user must change the password at next login (after a reset).
    pub must_change_password: bool,
    /// TOTP second factor.
    pub totp: Option<TotpFactor>,
    /// Administrator: stricter rules.
    pub privileged: bool,
    /// Application roles (opaque to this crate).
    pub roles: Vec<String>,
    /// National professional id, when the user is a health professional.
    pub id_nat_ps: Option<IdNatPs>,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// Consecutive failures.
    pub failed_attempts: u32,
    /// Temporary lock end.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// Locked until an administrator unlocks.
    pub locked_by_failures: bool,
    /// Origin.
    pub source: AccountSource,
    /// Creation.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last successful login.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

impl Account {
    /// True when a TOTP factor is confirmed.
    pub fn has_mfa(&self) -> bool {
        self.totp.as_ref().is_some_and(|t| t.confirmed)
    }
}

/// Account persistence.
pub trait AccountStore: Send + Sync {
    /// Reads an account.
    fn get(&self, id: &AccountId) -> Result<Option<Account>>;
    /// Inserts a new account; [`AuthError::AccountExists`] if the login is taken.
    fn insert(&self, account: &Account) -> Result<()>;
    /// Replaces an existing account; [`AuthError::UnknownAccount`] if absent.
    fn update(&self, account: &Account) -> Result<()>;
    /// Every account, by login.
    fn list(&self) -> Result<Vec<Account>>;
}

/// In-memory store (tests, examples).
#[derive(Debug, Default)]
pub struct MemoryAccountStore {
    accounts: Mutex<HashMap<AccountId, Account>>,
}

impl MemoryAccountStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<AccountId, Account>>> {
        self.accounts
            .lock()
            .map_err(|_| Error::Corrupt("account store poisoned".into()))
    }
}

impl AccountStore for MemoryAccountStore {
    fn get(&self, id: &AccountId) -> Result<Option<Account>> {
        Ok(self.lock()?.get(id).cloned())
    }
    fn insert(&self, account: &Account) -> Result<()> {
        let mut m = self.lock()?;
        if m.contains_key(&account.id) {
            return Err(AuthError::AccountExists {
                id: account.id.to_string(),
            }
            .into());
        }
        m.insert(account.id.clone(), account.clone());
        Ok(())
    }
    fn update(&self, account: &Account) -> Result<()> {
        let mut m = self.lock()?;
        match m.get_mut(&account.id) {
            Some(a) => {
                *a = account.clone();
                Ok(())
            }
            None => Err(AuthError::UnknownAccount {
                id: account.id.to_string(),
            }
            .into()),
        }
    }
    fn list(&self) -> Result<Vec<Account>> {
        let mut v: Vec<Account> = self.lock()?.values().cloned().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(v)
    }
}

/// SQLite store: one row per account (login + JSON document).
pub struct SqliteAccountStore {
    conn: Mutex<Connection>,
}

impl fmt::Debug for SqliteAccountStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteAccountStore").finish_non_exhaustive()
    }
}

impl SqliteAccountStore {
    /// Opens (creating) the store in a database file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_connection(crate::audit::open_connection(path.as_ref())?)
    }
    /// In memory.
    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }
    /// On an existing connection.
    pub fn from_connection(conn: Connection) -> Result<Self> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS accounts (
                id TEXT PRIMARY KEY,
                data TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Corrupt("account store poisoned".into()))
    }
}

fn to_json(a: &Account) -> Result<String> {
    serde_json::to_string(a).map_err(|e| Error::Corrupt(e.to_string()))
}

fn from_json(id: &str, s: &str) -> Result<Account> {
    serde_json::from_str(s).map_err(|e| Error::Corrupt(format!("account {id:?}: {e}")))
}

impl AccountStore for SqliteAccountStore {
    fn get(&self, id: &AccountId) -> Result<Option<Account>> {
        let conn = self.lock()?;
        let data: Option<String> = conn
            .query_row(
                "SELECT data FROM accounts WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        data.map(|d| from_json(id.as_str(), &d)).transpose()
    }
    fn insert(&self, account: &Account) -> Result<()> {
        let conn = self.lock()?;
        let n = conn.execute(
            "INSERT INTO accounts (id, data) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
            params![account.id.as_str(), to_json(account)?],
        )?;
        if n == 0 {
            return Err(AuthError::AccountExists {
                id: account.id.to_string(),
            }
            .into());
        }
        Ok(())
    }
    fn update(&self, account: &Account) -> Result<()> {
        let conn = self.lock()?;
        let n = conn.execute(
            "UPDATE accounts SET data = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
            params![account.id.as_str(), to_json(account)?],
        )?;
        if n == 0 {
            return Err(AuthError::UnknownAccount {
                id: account.id.to_string(),
            }
            .into());
        }
        Ok(())
    }
    fn list(&self) -> Result<Vec<Account>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare("SELECT id, data FROM accounts ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, data) = row?;
            out.push(from_json(&id, &data)?);
        }
        Ok(out)
    }
}

/// Throttling and lockout after failures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockoutPolicy {
    /// Failures before the first temporary lock (default 5).
    pub threshold: u32,
    /// First lock duration (default 1 min), doubled at each further failure.
    pub base_delay: Duration,
    /// Longest temporary lock (default 1 h).
    pub max_delay: Duration,
    /// Failures after which only an administrator unlocks (default Some(10)).
    pub hard_lock_after: Option<u32>,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            base_delay: Duration::minutes(1),
            max_delay: Duration::hours(1),
            hard_lock_after: Some(10),
        }
    }
}

impl LockoutPolicy {
    /// Lock duration after `failures` consecutive failures (None: no lock).
    pub fn delay_after(&self, failures: u32) -> Option<Duration> {
        if failures < self.threshold.max(1) {
            return None;
        }
        let doublings = (failures - self.threshold.max(1)).min(30);
        let d = self
            .base_delay
            .checked_mul(1i32 << doublings)
            .unwrap_or(self.max_delay);
        Some(d.min(self.max_delay))
    }
}

/// An account created by the host.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewAccount {
    /// Login.
    pub id: AccountId,
    /// Display name.
    pub display_name: String,
    /// Initial password (None: directory / PSC-only account).
    pub password: Option<zeroize::Zeroizing<String>>,
    /// Administrator.
    pub privileged: bool,
    /// Roles.
    pub roles: Vec<String>,
    /// National professional id.
    pub id_nat_ps: Option<IdNatPs>,
}

impl NewAccount {
    /// A standard account without password.
    pub fn new(id: AccountId, display_name: impl Into<String>) -> Self {
        Self {
            id,
            display_name: display_name.into(),
            password: None,
            privileged: false,
            roles: Vec::new(),
            id_nat_ps: None,
        }
    }
    /// With an initial password.
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(zeroize::Zeroizing::new(password.to_owned()));
        self
    }
    /// As an administrator.
    pub fn privileged(mut self) -> Self {
        self.privileged = true;
        self
    }
    /// With roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }
    /// With a national professional id.
    pub fn id_nat_ps(mut self, id: IdNatPs) -> Self {
        self.id_nat_ps = Some(id);
        self
    }
}

/// How the user authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMethod {
    /// Password alone.
    Password,
    /// Password and TOTP.
    PasswordTotp,
    /// Delegated (Pro Santé Connect, CPS card): asserted by the host.
    External,
}

/// A successful authentication, input of [`crate::session::SessionManager::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticatedAccount {
    /// Login.
    pub account_id: AccountId,
    /// Administrator.
    pub privileged: bool,
    /// Method.
    pub method: AuthMethod,
    /// When.
    pub authenticated_at: OffsetDateTime,
    /// The host must make the user change the password now.
    pub must_change_password: bool,
}

impl AuthenticatedAccount {
    /// An authentication performed outside this crate (Pro Santé Connect,
    /// CPS card) for a known account.
    pub fn external(account: &Account, now: OffsetDateTime) -> Self {
        Self {
            account_id: account.id.clone(),
            privileged: account.privileged,
            method: AuthMethod::External,
            authenticated_at: now,
            must_change_password: false,
        }
    }
}

/// Opaque second-factor challenge returned after a correct password.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    token: zeroize::Zeroizing<String>,
    /// Login.
    pub account_id: AccountId,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for MfaChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaChallenge")
            .field("account_id", &self.account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Result of a password login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStep {
    /// Done.
    Authenticated(AuthenticatedAccount),
    /// Send the TOTP code with [`Authenticator::complete_mfa`].
    MfaRequired(MfaChallenge),
}

/// TOTP enrolment material to show the user once (QR code of `uri`).
#[derive(Clone)]
pub struct TotpEnrollment {
    /// Base32 secret.
    pub secret_base32: zeroize::Zeroizing<String>,
    /// `otpauth://` URI.
    pub uri: zeroize::Zeroizing<String>,
}

impl fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrollment(<redacted>)")
    }
}

/// An entry of a local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectoryEntry {
    /// Login.
    pub id: AccountId,
    /// Display name.
    pub display_name: String,
    /// National professional id.
    pub id_nat_ps: Option<IdNatPs>,
    /// Roles granted by the directory.
    pub roles: Vec<String>,
    /// Administrator.
    pub privileged: bool,
    /// Active in the directory.
    pub active: bool,
}

impl DirectoryEntry {
    /// An active, non-privileged entry.
    pub fn new(id: AccountId, display_name: impl Into<String>) -> Self {
        Self {
            id,
            display_name: display_name.into(),
            id_nat_ps: None,
            roles: Vec::new(),
            privileged: false,
            active: true,
        }
    }
}

/// A local directory the accounts and rights are imported from.
pub trait DirectorySource: Send + Sync {
    /// Stable name, recorded as the accounts' [`AccountSource::Directory`].
    fn name(&self) -> &str;
    /// Every entry.
    fn entries(&self) -> Result<Vec<DirectoryEntry>>;
}

/// What a directory sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Accounts created.
    pub created: Vec<AccountId>,
    /// Accounts whose name, roles, privilege or id changed, or re-enabled.
    pub updated: Vec<AccountId>,
    /// Accounts disabled (inactive or absent from the directory).
    pub disabled: Vec<AccountId>,
}

const MFA_CHALLENGE_TTL: Duration = Duration::minutes(5);

/// The login and account-administration service.
pub struct Authenticator {
    store: Arc<dyn AccountStore>,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    privileged_policy: PasswordPolicy,
    lockout: LockoutPolicy,
    audit: Option<Arc<dyn AuditTrail>>,
    totp_issuer: String,
    challenges: Mutex<HashMap<String, (AccountId, OffsetDateTime)>>,
    write: Mutex<()>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("policy", &self.policy)
            .field("lockout", &self.lockout)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Defaults: CNIL password policy, privileged policy, default lockout,
    /// Argon2id OWASP parameters, no audit trail.
    pub fn new(store: Arc<dyn AccountStore>) -> Self {
        Self {
            store,
            hasher: PasswordHasher::default(),
            policy: PasswordPolicy::default(),
            privileged_policy: PasswordPolicy::privileged(),
            lockout: LockoutPolicy::default(),
            audit: None,
            totp_issuer: "segur-rs".into(),
            challenges: Mutex::new(HashMap::new()),
            write: Mutex::new(()),
        }
    }
    /// Traces every event in `trail`.
    pub fn with_audit(mut self, trail: Arc<dyn AuditTrail>) -> Self {
        self.audit = Some(trail);
        self
    }
    /// Password policy of standard accounts.
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.policy = policy;
        self
    }
    /// Password policy of privileged accounts.
    pub fn with_privileged_password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.privileged_policy = policy;
        self
    }
    /// Lockout policy.
    pub fn with_lockout(mut self, lockout: LockoutPolicy) -> Self {
        self.lockout = lockout;
        self
    }
    /// Argon2 parameters (existing hashes are upgraded at next login).
    pub fn with_argon2(mut self, params: Argon2Params) -> Self {
        self.hasher = PasswordHasher::new(params);
        self
    }
    /// Issuer name shown in authenticator apps.
    pub fn with_totp_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.totp_issuer = issuer.into();
        self
    }
    /// The store.
    pub fn store(&self) -> &Arc<dyn AccountStore> {
        &self.store
    }

    fn guard(&self) -> Result<std::sync::MutexGuard<'_, ()>> {
        self.write
            .lock()
            .map_err(|_| Error::Corrupt("authenticator poisoned".into()))
    }

    fn trace(
        &self,
        kind: AuditKind,
        actor: &str,
        outcome: Outcome,
        target: Option<&AccountId>,
        now: OffsetDateTime,
        details: &[(&str, String)],
    ) -> Result<()> {
        match outcome {
            Outcome::Success => tracing::info!(
                event = kind.as_str(),
                actor,
                target = target.map(AccountId::as_str),
                "auth event"
            ),
            _ => tracing::warn!(
                event = kind.as_str(),
                actor,
                target = target.map(AccountId::as_str),
                ?outcome,
                "auth event"
            ),
        }
        if let Some(trail) = &self.audit {
            let mut e = AuditEvent::new(kind, actor, outcome, now);
            if let Some(t) = target {
                e = e.with_target(t.as_str());
            }
            for (k, v) in details {
                e = e.with_detail(*k, v.clone());
            }
            trail.append(e)?;
        }
        Ok(())
    }

    fn policy_for(&self, privileged: bool) -> &PasswordPolicy {
        if privileged {
            &self.privileged_policy
        } else {
            &self.policy
        }
    }

    fn check_new_password(&self, account: &Account, password: &str) -> Result<()> {
        let policy = self.policy_for(account.privileged);
        let ctx = PasswordContext::default()
            .with(account.id.as_str())
            .with(&account.display_name);
        let mut check = policy.check(password, &ctx);
        let recent = account
            .password_hash
            .iter()
            .chain(account.password_history.iter())
            .take(policy.history_depth.max(1));
        for old in recent {
            if matches!(
                self.hasher.verify(password, old),
                Ok(Verification::Valid { .. })
            ) {
                check
                    .findings
                    .push(crate::password::PasswordFinding::Reused);
                break;
            }
        }
        if !check.is_accepted() {
            return Err(AuthError::PasswordRejected { check }.into());
        }
        Ok(())
    }

    fn set_password(
        &self,
        account: &mut Account,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let hash = self.hasher.hash(password)?;
        if let Some(old) = account.password_hash.replace(hash) {
            account.password_history.insert(0, old);
        }
        let keep = self.policy_for(account.privileged).history_depth;
        account.password_history.truncate(keep);
        account.password_changed_at = Some(now);
        Ok(())
    }

    /// Creates an account (the initial password is checked against the
    /// policy of its kind).
    pub fn create_account(&self, new: NewAccount, now: OffsetDateTime) -> Result<Account> {
        let _g = self.guard()?;
        let mut account = Account {
            id: new.id,
            display_name: new.display_name,
            password_hash: None,
            password_history: Vec::new(),
            password_changed_at: None,
            must_change_password: false,
            totp: None,
            privileged: new.privileged,
            roles: new.roles,
            id_nat_ps: new.id_nat_ps,
            disabled: false,
            failed_attempts: 0,
            locked_until: None,
            locked_by_failures: false,
            source: AccountSource::Local,
            created_at: now,
            last_login_at: None,
        };
        if let Some(pw) = &new.password {
            self.check_new_password(&account, pw)?;
            self.set_password(&mut account, pw, now)?;
        }
        self.store.insert(&account)?;
        self.trace(
            kinds::ACCOUNT_CREATED,
            "system",
            Outcome::Success,
            Some(&account.id),
            now,
            &[("privileged", account.privileged.to_string())],
        )?;
        Ok(account)
    }

    fn load(&self, id: &AccountId) -> Result<Account> {
        self.store
            .get(id)?
            .ok_or_else(|| AuthError::UnknownAccount { id: id.to_string() }.into())
    }

    fn check_locked(&self, account: &Account, now: OffsetDateTime) -> Option<AuthError> {
        if account.locked_by_failures {
            return Some(AuthError::Locked { until: None });
        }
        match account.locked_until {
            Some(t) if now < t => Some(AuthError::Locked { until: Some(t) }),
            _ => None,
        }
    }

    /// Records a failure; returns the error to give.
    fn register_failure(
        &self,
        account: &mut Account,
        now: OffsetDateTime,
        kind: AuditKind,
        err: AuthError,
    ) -> Result<Error> {
        account.failed_attempts = account.failed_attempts.saturating_add(1);
        let mut locked = None;
        if self
            .lockout
            .hard_lock_after
            .is_some_and(|n| account.failed_attempts >= n)
        {
            account.locked_by_failures = true;
            locked = Some("administrator".to_owned());
        } else if let Some(d) = self.lockout.delay_after(account.failed_attempts) {
            let until = now + d;
            account.locked_until = Some(until);
            locked = Some(until.to_string());
        }
        self.store.update(account)?;
        self.trace(
            kind,
            account.id.as_str(),
            Outcome::Failure,
            Some(&account.id),
            now,
            &[("failed_attempts", account.failed_attempts.to_string())],
        )?;
        if let Some(until) = locked {
            self.trace(
                kinds::ACCOUNT_LOCKED,
                "system",
                Outcome::Success,
                Some(&account.id),
                now,
                &[("until", until)],
            )?;
        }
        Ok(err.into())
    }

    /// Password login. See the module docs for the rules.
    pub fn login_password(
        &self,
        id: &AccountId,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<AuthStep> {
        let _g = self.guard()?;
        let Some(mut account) = self.store.get(id)? else {
            self.hasher.verify_dummy(password);
            self.trace(
                kinds::LOGIN_FAILURE,
                id.as_str(),
                Outcome::Failure,
                Some(id),
                now,
                &[("reason", "unknown_account".into())],
            )?;
            return Err(AuthError::InvalidCredentials.into());
        };
        if let Some(e) = self.check_locked(&account, now) {
            self.trace(
                kinds::LOGIN_FAILURE,
                id.as_str(),
                Outcome::Denied,
                Some(id),
                now,
                &[("reason", "locked".into())],
            )?;
            return Err(e.into());
        }
        let Some(phc) = account.password_hash.clone() else {
            self.hasher.verify_dummy(password);
            self.trace(
                kinds::LOGIN_FAILURE,
                id.as_str(),
                Outcome::Denied,
                Some(id),
                now,
                &[("reason", "no_local_password".into())],
            )?;
            return Err(AuthError::NoLocalPassword.into());
        };
        match self.hasher.verify(password, &phc)? {
            Verification::Invalid => {
                return Err(self.register_failure(
                    &mut account,
                    now,
                    kinds::LOGIN_FAILURE,
                    AuthError::InvalidCredentials,
                )?);
            }
            Verification::Valid { needs_rehash } => {
                if needs_rehash {
                    account.password_hash = Some(self.hasher.hash(password)?);
                }
            }
        }
        if account.disabled {
            self.store.update(&account)?;
            self.trace(
                kinds::LOGIN_FAILURE,
                id.as_str(),
                Outcome::Denied,
                Some(id),
                now,
                &[("reason", "disabled".into())],
            )?;
            return Err(AuthError::Disabled.into());
        }
        if account.privileged && !account.has_mfa() {
            self.store.update(&account)?;
            self.trace(
                kinds::LOGIN_FAILURE,
                id.as_str(),
                Outcome::Denied,
                Some(id),
                now,
                &[("reason", "mfa_enrollment_required".into())],
            )?;
            return Err(AuthError::MfaEnrollmentRequired.into());
        }
        if account.has_mfa() {
            self.store.update(&account)?;
            let token = crate::password::random_token(32);
            if token.is_empty() {
                return Err(Error::Corrupt("the OS random generator failed".into()));
            }
            let expires_at = now + MFA_CHALLENGE_TTL;
            let mut ch = self
                .challenges
                .lock()
                .map_err(|_| Error::Corrupt("challenges poisoned".into()))?;
            ch.retain(|_, (_, exp)| *exp > now);
            ch.insert(token.clone(), (account.id.clone(), expires_at));
            return Ok(AuthStep::MfaRequired(MfaChallenge {
                token: zeroize::Zeroizing::new(token),
                account_id: account.id,
                expires_at,
            }));
        }
        Ok(AuthStep::Authenticated(self.succeed(
            &mut account,
            AuthMethod::Password,
            now,
        )?))
    }

    fn succeed(
        &self,
        account: &mut Account,
        method: AuthMethod,
        now: OffsetDateTime,
    ) -> Result<AuthenticatedAccount> {
        account.failed_attempts = 0;
        account.locked_until = None;
        account.last_login_at = Some(now);
        self.store.update(account)?;
        let m = match method {
            AuthMethod::Password => "password",
            AuthMethod::PasswordTotp => "password+totp",
            AuthMethod::External => "external",
        };
        self.trace(
            kinds::LOGIN_SUCCESS,
            account.id.as_str(),
            Outcome::Success,
            Some(&account.id),
            now,
            &[("method", m.into())],
        )?;
        Ok(AuthenticatedAccount {
            account_id: account.id.clone(),
            privileged: account.privileged,
            method,
            authenticated_at: now,
            must_change_password: account.must_change_password,
        })
    }

    /// Completes a login with the TOTP code.
    pub fn complete_mfa(
        &self,
        challenge: &MfaChallenge,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<AuthenticatedAccount> {
        let _g = self.guard()?;
        let entry = {
            let mut ch = self
                .challenges
                .lock()
                .map_err(|_| Error::Corrupt("challenges poisoned".into()))?;
            ch.remove(challenge.token.as_str())
        };
        let Some((id, expires_at)) =
            entry.filter(|(id, exp)| *id == challenge.account_id && now <= *exp)
        else {
            return Err(AuthError::ChallengeExpired.into());
        };
        let _ = expires_at;
        let mut account = self.load(&id)?;
        if let Some(e) = self.check_locked(&account, now) {
            return Err(e.into());
        }
        let Some(factor) = account.totp.clone().filter(|t| t.confirmed) else {
            return Err(AuthError::ChallengeExpired.into());
        };
        match factor.totp()?.verify(code, now, factor.last_step) {
            Some(step) => {
                if let Some(t) = account.totp.as_mut() {
                    t.last_step = Some(step);
                }
                self.trace(
                    kinds::MFA_VERIFIED,
                    id.as_str(),
                    Outcome::Success,
                    Some(&id),
                    now,
                    &[],
                )?;
                self.succeed(&mut account, AuthMethod::PasswordTotp, now)
            }
            None => Err(self.register_failure(
                &mut account,
                now,
                kinds::MFA_FAILURE,
                AuthError::InvalidMfaCode,
            )?),
        }
    }

    /// Re-checks the password (and TOTP code when enrolled) of an
    /// authenticated user before a sensitive action, without the MFA
    /// challenge round trip. Failures count for the lockout.
    pub fn reauthenticate(
        &self,
        id: &AccountId,
        password: &str,
        totp_code: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<AuthenticatedAccount> {
        let step = self.login_password(id, password, now)?;
        let auth = match step {
            AuthStep::Authenticated(a) => a,
            AuthStep::MfaRequired(ch) => self.complete_mfa(&ch, totp_code.unwrap_or(""), now)?,
        };
        self.trace(
            kinds::REAUTHENTICATED,
            id.as_str(),
            Outcome::Success,
            Some(id),
            now,
            &[],
        )?;
        Ok(auth)
    }

    /// The user changes the password (old one required).
    pub fn change_password(
        &self,
        id: &AccountId,
        old: &str,
        new: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let _g = self.guard()?;
        let mut account = self.load(id)?;
        if let Some(e) = self.check_locked(&account, now) {
            return Err(e.into());
        }
        let ok = match &account.password_hash {
            Some(phc) => matches!(self.hasher.verify(old, phc)?, Verification::Valid { .. }),
            None => false,
        };
        if !ok {
            return Err(self.register_failure(
                &mut account,
                now,
                kinds::LOGIN_FAILURE,
                AuthError::InvalidCredentials,
            )?);
        }
        if let Err(e) = self.check_new_password(&account, new) {
            self.trace(
                kinds::PASSWORD_CHANGED,
                id.as_str(),
                Outcome::Denied,
                Some(id),
                now,
                &[("reason", "policy".into())],
            )?;
            return Err(e);
        }
        self.set_password(&mut account, new, now)?;
        account.must_change_password = false;
        self.store.update(&account)?;
        self.trace(
            kinds::PASSWORD_CHANGED,
            id.as_str(),
            Outcome::Success,
            Some(id),
            now,
            &[],
        )
    }

    fn require_admin(&self, admin: &AccountId, action: &'static str) -> Result<Account> {
        match self.store.get(admin)? {
            Some(a) if a.privileged && !a.disabled => Ok(a),
            _ => Err(AuthError::NotAuthorized {
                actor: admin.to_string(),
                action,
            }
            .into()),
        }
    }

    /// An administrator sets a new password; the user must change it at next login.
    pub fn admin_reset_password(
        &self,
        admin: &AccountId,
        id: &AccountId,
        new: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let _g = self.guard()?;
        self.require_admin(admin, "reset passwords")?;
        let mut account = self.load(id)?;
        self.check_new_password(&account, new)?;
        self.set_password(&mut account, new, now)?;
        account.must_change_password = true;
        self.store.update(&account)?;
        self.trace(
            kinds::PASSWORD_RESET,
            admin.as_str(),
            Outcome::Success,
            Some(id),
            now,
            &[],
        )
    }

    /// Applies an administrator's change to an account and traces it.
    fn admin_change(
        &self,
        admin: &AccountId,
        id: &AccountId,
        action: &'static str,
        kind: AuditKind,
        now: OffsetDateTime,
        change: impl FnOnce(&mut Account) -> Vec<(&'static str, String)>,
    ) -> Result<()> {
        let _g = self.guard()?;
        self.require_admin(admin, action)?;
        let mut account = self.load(id)?;
        let details = change(&mut account);
        self.store.update(&account)?;
        self.trace(
            kind,
            admin.as_str(),
            Outcome::Success,
            Some(id),
            now,
            &details,
        )
    }

    /// An administrator unlocks a locked account.
    pub fn admin_unlock(
        &self,
        admin: &AccountId,
        id: &AccountId,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.admin_change(
            admin,
            id,
            "unlock accounts",
            kinds::ACCOUNT_UNLOCKED,
            now,
            |a| {
                a.failed_attempts = 0;
                a.locked_until = None;
                a.locked_by_failures = false;
                Vec::new()
            },
        )
    }

    /// An administrator grants or removes the privileged status.
    pub fn admin_set_privileged(
        &self,
        admin: &AccountId,
        id: &AccountId,
        privileged: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.admin_change(
            admin,
            id,
            "change privileges",
            kinds::PRIVILEGE_CHANGED,
            now,
            |a| {
                a.privileged = privileged;
                vec![("privileged", privileged.to_string())]
            },
        )
    }

    /// An administrator disables or re-enables an account.
    pub fn admin_set_disabled(
        &self,
        admin: &AccountId,
        id: &AccountId,
        disabled: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.admin_change(
            admin,
            id,
            "disable accounts",
            kinds::ACCOUNT_DISABLED,
            now,
            |a| {
                a.disabled = disabled;
                vec![("disabled", disabled.to_string())]
            },
        )
    }

    /// Starts TOTP enrolment (replaces an unconfirmed one). Show the result
    /// once; confirm with [`Authenticator::confirm_totp`].
    pub fn enroll_totp(&self, id: &AccountId, now: OffsetDateTime) -> Result<TotpEnrollment> {
        let _g = self.guard()?;
        let mut account = self.load(id)?;
        let secret = TotpSecret::generate()?;
        let totp = Totp::new(secret.clone());
        let enrollment = TotpEnrollment {
            secret_base32: secret.to_base32(),
            uri: totp.provisioning_uri(&self.totp_issuer, id.as_str()),
        };
        account.totp = Some(TotpFactor {
            secret_base32: enrollment.secret_base32.to_string(),
            confirmed: false,
            last_step: None,
        });
        self.store.update(&account)?;
        self.trace(
            kinds::MFA_CHANGED,
            id.as_str(),
            Outcome::Success,
            Some(id),
            now,
            &[("state", "enrolling".into())],
        )?;
        Ok(enrollment)
    }

    /// Confirms TOTP enrolment with a first code.
    pub fn confirm_totp(&self, id: &AccountId, code: &str, now: OffsetDateTime) -> Result<()> {
        let _g = self.guard()?;
        let mut account = self.load(id)?;
        let Some(factor) = account.totp.clone() else {
            return Err(AuthError::InvalidMfaCode.into());
        };
        match factor.totp()?.verify(code, now, factor.last_step) {
            Some(step) => {
                account.totp = Some(TotpFactor {
                    confirmed: true,
                    last_step: Some(step),
                    ..factor
                });
                self.store.update(&account)?;
                self.trace(
                    kinds::MFA_CHANGED,
                    id.as_str(),
                    Outcome::Success,
                    Some(id),
                    now,
                    &[("state", "confirmed".into())],
                )
            }
            None => {
                self.trace(
                    kinds::MFA_CHANGED,
                    id.as_str(),
                    Outcome::Failure,
                    Some(id),
                    now,
                    &[("state", "confirmation_failed".into())],
                )?;
                Err(AuthError::InvalidMfaCode.into())
            }
        }
    }

    /// Imports accounts and rights from a directory: creates missing
    /// accounts (without local password), updates names, roles, privilege and
    /// national id, and disables accounts of this source that are inactive or
    /// gone. Local accounts are never touched.
    pub fn sync_directory(
        &self,
        source: &dyn DirectorySource,
        now: OffsetDateTime,
    ) -> Result<SyncReport> {
        let entries = source.entries()?;
        let _g = self.guard()?;
        let src = AccountSource::Directory(source.name().to_owned());
        let mut report = SyncReport::default();
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            seen.insert(e.id.clone());
            match self.store.get(&e.id)? {
                None => {
                    let account = Account {
                        id: e.id.clone(),
                        display_name: e.display_name,
                        password_hash: None,
                        password_history: Vec::new(),
                        password_changed_at: None,
                        must_change_password: false,
                        totp: None,
                        privileged: e.privileged,
                        roles: e.roles,
                        id_nat_ps: e.id_nat_ps,
                        disabled: !e.active,
                        failed_attempts: 0,
                        locked_until: None,
                        locked_by_failures: false,
                        source: src.clone(),
                        created_at: now,
                        last_login_at: None,
                    };
                    self.store.insert(&account)?;
                    report.created.push(e.id);
                }
                Some(mut a) if a.source == src => {
                    let before = (
                        a.display_name.clone(),
                        a.roles.clone(),
                        a.privileged,
                        a.id_nat_ps.clone(),
                        a.disabled,
                    );
                    a.display_name = e.display_name;
                    a.roles = e.roles;
                    a.privileged = e.privileged;
                    a.id_nat_ps = e.id_nat_ps;
                    a.disabled = !e.active;
                    let after = (
                        a.display_name.clone(),
                        a.roles.clone(),
                        a.privileged,
                        a.id_nat_ps.clone(),
                        a.disabled,
                    );
                    if before != after {
                        self.store.update(&a)?;
                        if a.disabled && !before.4 {
                            report.disabled.push(e.id);
                        } else {
                            report.updated.push(e.id);
                        }
                    }
                }
                Some(_) => {
                    tracing::warn!(
                        account = e.id.as_str(),
                        "directory entry matches a local account: left untouched"
                    );
                }
            }
        }
        for mut a in self.store.list()? {
            if a.source == src && !seen.contains(&a.id) && !a.disabled {
                a.disabled = true;
                self.store.update(&a)?;
                report.disabled.push(a.id);
            }
        }
        self.trace(
            kinds::DIRECTORY_SYNC,
            "system",
            Outcome::Success,
            None,
            now,
            &[
                ("source", source.name().to_owned()),
                ("created", report.created.len().to_string()),
                ("updated", report.updated.len().to_string()),
                ("disabled", report.disabled.len().to_string()),
            ],
        )?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_delays() {
        let l = LockoutPolicy::default();
        assert_eq!(l.delay_after(4), None);
        assert_eq!(l.delay_after(5), Some(Duration::minutes(1)));
        assert_eq!(l.delay_after(6), Some(Duration::minutes(2)));
        assert_eq!(l.delay_after(9), Some(Duration::minutes(16)));
        assert_eq!(l.delay_after(40), Some(Duration::hours(1)));
    }

    #[test]
    fn logins() {
        assert_eq!(
            AccountId::parse(" Jeanne.Martin@Cabinet ")
                .unwrap()
                .as_str(),
            "jeanne.martin@cabinet"
        );
        assert!(AccountId::parse("").is_err());
        assert!(AccountId::parse("a b").is_err());
        assert!(AccountId::parse(&"a".repeat(65)).is_err());
    }
}
