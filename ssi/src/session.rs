//! Session manager: inactivity timeout, absolute lifetime, re-authentication
//! for sensitive actions, logout and revocation of every session of an account.
//!
//! Defaults ([`SessionPolicy::default`]; PGSSI-S values are UNCONFIRMED, these
//! follow ssi.md §3 and ASVS 3.3.2, all configurable):
//!
//! | | standard | privileged |
//! |---|---|---|
//! | inactivity | 30 min | 15 min |
//! | absolute lifetime | 12 h | 4 h |
//! | re-authentication for sensitive actions | older than 10 min | older than 5 min |
//!
//! Tokens are 256 random bits (base64url); the manager keeps only their
//! SHA-256, so a memory dump or a log of the table does not reveal them.
//! Sessions live in memory: a restart logs everybody out, which is the safe
//! behaviour. Expired sessions are refused and removed on access and by
//! [`SessionManager::purge_expired`]. Each end of session is traced.
//!
//! ```
//! use segur_ssi::account::{AccountId, AuthenticatedAccount, AuthMethod};
//! use segur_ssi::session::{SessionManager, SessionPolicy};
//! # use segur_ssi::account::{Authenticator, MemoryAccountStore, NewAccount, AuthStep};
//! # use segur_ssi::password::Argon2Params;
//! # let auth = Authenticator::new(std::sync::Arc::new(MemoryAccountStore::new())).with_argon2(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 });
//! # let now = time::OffsetDateTime::now_utc();
//! # let id = AccountId::parse("jeanne").unwrap();
//! # auth.create_account(NewAccount::new(id.clone(), "Jeanne").password("Tr0mbone!Vert"), now).unwrap();
//! # let AuthStep::Authenticated(authenticated) = auth.login_password(&id, "Tr0mbone!Vert", now).unwrap() else { panic!() };
//! let sessions = SessionManager::new(SessionPolicy::default());
//! let (token, info) = sessions.open(&authenticated, now).unwrap();
//! let later = now + time::Duration::minutes(20);
//! assert_eq!(sessions.validate(token.expose(), later).unwrap().account_id, info.account_id);
//! assert!(sessions.require_recent_authentication(token.expose(), later).is_err());
//! sessions.logout(token.expose(), later).unwrap();
//! assert!(sessions.validate(token.expose(), later).is_err());
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::account::{AccountId, AuthMethod, AuthenticatedAccount};
use crate::audit::{AuditEvent, AuditTrail, Outcome, kinds};
use crate::error::{AuthError, Error, Result};

/// Timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionPolicy {
    /// Inactivity timeout, standard accounts.
    pub idle_timeout: Duration,
    /// Absolute lifetime, standard accounts.
    pub absolute_lifetime: Duration,
    /// Maximum age of the last authentication for sensitive actions.
    pub reauth_max_age: Duration,
    /// Inactivity timeout, privileged accounts.
    pub privileged_idle_timeout: Duration,
    /// Absolute lifetime, privileged accounts.
    pub privileged_absolute_lifetime: Duration,
    /// Re-authentication age, privileged accounts.
    pub privileged_reauth_max_age: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(30),
            absolute_lifetime: Duration::hours(12),
            reauth_max_age: Duration::minutes(10),
            privileged_idle_timeout: Duration::minutes(15),
            privileged_absolute_lifetime: Duration::hours(4),
            privileged_reauth_max_age: Duration::minutes(5),
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionEnd {
    /// Inactivity timeout.
    Idle,
    /// Absolute lifetime reached.
    Lifetime,
    /// Explicit logout.
    Logout,
    /// Revoked (all sessions of the account).
    Revoked,
}

/// The bearer token given to the client. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(Zeroizing<String>);

impl SessionToken {
    /// The token text, to put in a cookie or header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// Public information about a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Short id for logs (first 16 hex digits of the token hash).
    pub id: String,
    /// Account.
    pub account_id: AccountId,
    /// Privileged session.
    pub privileged: bool,
    /// Authentication method.
    pub method: AuthMethod,
    /// Opened at.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last activity.
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity: OffsetDateTime,
    /// Last (re-)authentication.
    #[serde(with = "time::serde::rfc3339")]
    pub authenticated_at: OffsetDateTime,
    /// When the session expires if idle from now on.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The in-memory session manager.
pub struct SessionManager {
    policy: SessionPolicy,
    sessions: Mutex<HashMap<[u8; 32], SessionInfo>>,
    audit: Option<Arc<dyn AuditTrail>>,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn digest(token: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

impl SessionManager {
    /// A manager with a policy.
    pub fn new(policy: SessionPolicy) -> Self {
        Self {
            policy,
            sessions: Mutex::new(HashMap::new()),
            audit: None,
        }
    }

    /// Traces session ends in `trail`.
    pub fn with_audit(mut self, trail: Arc<dyn AuditTrail>) -> Self {
        self.audit = Some(trail);
        self
    }

    /// The policy.
    pub fn policy(&self) -> &SessionPolicy {
        &self.policy
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<[u8; 32], SessionInfo>>> {
        self.sessions
            .lock()
            .map_err(|_| Error::Corrupt("session table poisoned".into()))
    }

    fn limits(&self, privileged: bool) -> (Duration, Duration, Duration) {
        let p = &self.policy;
        if privileged {
            (
                p.privileged_idle_timeout,
                p.privileged_absolute_lifetime,
                p.privileged_reauth_max_age,
            )
        } else {
            (p.idle_timeout, p.absolute_lifetime, p.reauth_max_age)
        }
    }

    fn expires_at(&self, s: &SessionInfo) -> OffsetDateTime {
        let (idle, life, _) = self.limits(s.privileged);
        (s.last_activity + idle).min(s.created_at + life)
    }

    fn ended(&self, s: &SessionInfo, now: OffsetDateTime) -> Option<SessionEnd> {
        let (idle, life, _) = self.limits(s.privileged);
        if now >= s.created_at + life {
            Some(SessionEnd::Lifetime)
        } else if now >= s.last_activity + idle {
            Some(SessionEnd::Idle)
        } else {
            None
        }
    }

    fn trace_end(&self, s: &SessionInfo, end: SessionEnd, now: OffsetDateTime) -> Result<()> {
        let kind = match end {
            SessionEnd::Logout => kinds::LOGOUT,
            SessionEnd::Revoked => kinds::SESSIONS_REVOKED,
            SessionEnd::Idle | SessionEnd::Lifetime => kinds::SESSION_EXPIRED,
        };
        tracing::info!(event = kind.as_str(), account = s.account_id.as_str(), session = %s.id, ?end, "session ended");
        if let Some(t) = &self.audit {
            t.append(
                AuditEvent::new(kind, s.account_id.as_str(), Outcome::Success, now)
                    .with_target(format!("session:{}", s.id))
                    .with_detail("reason", format!("{end:?}").to_lowercase()),
            )?;
        }
        Ok(())
    }

    /// Opens a session after an authentication.
    pub fn open(
        &self,
        auth: &AuthenticatedAccount,
        now: OffsetDateTime,
    ) -> Result<(SessionToken, SessionInfo)> {
        let mut raw = [0u8; 32];
        crate::password::fill_random(&mut raw)?;
        let token = {
            use base64::Engine as _;
            Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
        };
        raw.iter_mut().for_each(|b| *b = 0);
        let key = digest(&token);
        let id: String = key[..8].iter().map(|b| format!("{b:02x}")).collect();
        let mut info = SessionInfo {
            id,
            account_id: auth.account_id.clone(),
            privileged: auth.privileged,
            method: auth.method,
            created_at: now,
            last_activity: now,
            authenticated_at: auth.authenticated_at,
            expires_at: now,
        };
        info.expires_at = self.expires_at(&info);
        self.lock()?.insert(key, info.clone());
        Ok((SessionToken(token), info))
    }

    fn with_session<T>(
        &self,
        token: &str,
        now: OffsetDateTime,
        f: impl FnOnce(&mut SessionInfo) -> Result<T>,
    ) -> Result<T> {
        let key = digest(token);
        let mut map = self.lock()?;
        let Some(s) = map.get_mut(&key) else {
            return Err(AuthError::SessionUnknown.into());
        };
        if let Some(end) = self.ended(s, now) {
            let s = map.remove(&key);
            drop(map);
            if let Some(s) = s {
                self.trace_end(&s, end, now)?;
            }
            return Err(AuthError::SessionExpired { reason: end }.into());
        }
        f(s)
    }

    /// Checks a token and records activity.
    pub fn validate(&self, token: &str, now: OffsetDateTime) -> Result<SessionInfo> {
        self.with_session(token, now, |s| {
            s.last_activity = now.max(s.last_activity);
            let mut info = s.clone();
            info.expires_at = (info.last_activity + self.limits(info.privileged).0)
                .min(info.created_at + self.limits(info.privileged).1);
            s.expires_at = info.expires_at;
            Ok(info)
        })
    }

    /// Checks a token for a sensitive action: the last authentication must be
    /// recent, else [`AuthError::ReauthenticationRequired`].
    pub fn require_recent_authentication(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<SessionInfo> {
        let info = self.validate(token, now)?;
        let (_, _, max_age) = self.limits(info.privileged);
        if now - info.authenticated_at > max_age {
            return Err(AuthError::ReauthenticationRequired.into());
        }
        Ok(info)
    }

    /// Records a re-authentication (from
    /// [`crate::account::Authenticator::reauthenticate`]) of the session's account.
    pub fn mark_reauthenticated(
        &self,
        token: &str,
        auth: &AuthenticatedAccount,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.with_session(token, now, |s| {
            if s.account_id != auth.account_id {
                return Err(AuthError::NotAuthorized {
                    actor: auth.account_id.to_string(),
                    action: "re-authenticate another account's session",
                }
                .into());
            }
            s.authenticated_at = auth.authenticated_at;
            s.last_activity = now.max(s.last_activity);
            Ok(())
        })
    }

    /// Explicit logout.
    pub fn logout(&self, token: &str, now: OffsetDateTime) -> Result<()> {
        let s = self.lock()?.remove(&digest(token));
        match s {
            Some(s) => self.trace_end(&s, SessionEnd::Logout, now),
            None => Err(AuthError::SessionUnknown.into()),
        }
    }

    /// Ends every session of an account (password change, compromise,
    /// disabling). Returns how many were open.
    pub fn revoke_account(&self, account: &AccountId, now: OffsetDateTime) -> Result<usize> {
        let removed: Vec<SessionInfo> = {
            let mut map = self.lock()?;
            let keys: Vec<[u8; 32]> = map
                .iter()
                .filter(|(_, s)| s.account_id == *account)
                .map(|(k, _)| *k)
                .collect();
            keys.iter().filter_map(|k| map.remove(k)).collect()
        };
        for s in &removed {
            self.trace_end(s, SessionEnd::Revoked, now)?;
        }
        Ok(removed.len())
    }

    /// Removes expired sessions; returns how many.
    pub fn purge_expired(&self, now: OffsetDateTime) -> Result<usize> {
        let ended: Vec<(SessionInfo, SessionEnd)> = {
            let mut map = self.lock()?;
            let keys: Vec<([u8; 32], SessionEnd)> = map
                .iter()
                .filter_map(|(k, s)| self.ended(s, now).map(|e| (*k, e)))
                .collect();
            keys.into_iter()
                .filter_map(|(k, e)| map.remove(&k).map(|s| (s, e)))
                .collect()
        };
        for (s, e) in &ended {
            self.trace_end(s, *e, now)?;
        }
        Ok(ended.len())
    }

    /// Open sessions of an account.
    pub fn sessions_of(&self, account: &AccountId) -> Result<Vec<SessionInfo>> {
        Ok(self
            .lock()?
            .values()
            .filter(|s| s.account_id == *account)
            .cloned()
            .collect())
    }
}
