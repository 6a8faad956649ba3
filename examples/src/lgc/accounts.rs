//! Local login with `segur-ssi`: the [`Authenticator`](segur_ssi::account::Authenticator)
//! applies the password policy (CNIL 2022-100; administrators 100 bits),
//! Argon2id hashing, lockout and TOTP; the
//! [`SessionManager`](segur_ssi::session::SessionManager) applies the
//! inactivity and lifetime limits and re-authentication; both trace every
//! event in the audit trail. The host adds what is its own business: session
//! handles, who may administer, revoking sessions when a password changes or
//! an account is disabled. The Pro Santé Connect methods are in `psc.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use segur_conformance::host::{
    AccountAction, BoxFuture, ChallengeRef, Decision, HostError, Login, LoginOutcome, PscLoginMode,
    PscSetup, SessionRef,
};
use segur_ids::IdNatPs;
use segur_psc::{Audience, BearerToken, PscSession, TokenSource};
use segur_ssi::account::{
    Account, AccountId, AuthStep, AuthenticatedAccount, DirectoryEntry, DirectorySource,
    MfaChallenge, NewAccount, SyncReport, TotpEnrollment,
};
use segur_ssi::audit::Outcome;
use segur_ssi::session::{SessionInfo, SessionToken};
use segur_ssi::{AuthError, Error as SsiError};

use super::psc::PendingLink;
use super::{Core, ReferenceLgc, lock};

/// An open session: the secret token (in a real LGC, kept by the UI
/// process) and, after a Pro Santé Connect login, the PSC token source.
pub(super) struct OpenSession {
    pub token: SessionToken,
    pub psc: Option<Arc<PscSession>>,
}

/// A login step waiting for the user.
pub(super) enum Pending {
    /// The TOTP code.
    SecondFactor(MfaChallenge),
    /// The local password, to link a PSC identity (first PSC login).
    PscLink(Box<PendingLink>),
}

/// Sessions and pending steps, by the handles given to the UI.
#[derive(Default)]
pub(super) struct AccountsState {
    pub sessions: std::sync::Mutex<HashMap<SessionRef, OpenSession>>,
    pub pending: std::sync::Mutex<HashMap<ChallengeRef, Pending>>,
}

/// Splits an SDK result into the software's decision (a refusal shown to
/// the user) and adapter failures (storage…).
pub(super) fn decide<T>(r: Result<T, SsiError>) -> Result<Decision<T>, HostError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(SsiError::Auth(e)) => Ok(Err(e)),
        Err(e) => Err(HostError::failed(e.to_string())),
    }
}

/// The directory the practice's accounts are synchronised with.
struct LocalDirectory(Vec<DirectoryEntry>);

impl DirectorySource for LocalDirectory {
    fn name(&self) -> &str {
        "annuaire-local"
    }
    fn entries(&self) -> Result<Vec<DirectoryEntry>, SsiError> {
        Ok(self.0.clone())
    }
}

impl Core {
    /// Opens a session after an authentication and returns its handle.
    pub(super) fn open_session(
        &self,
        auth: &AuthenticatedAccount,
        psc: Option<Arc<PscSession>>,
    ) -> Result<SessionRef, HostError> {
        let (token, _) = self
            .sessions
            .open(auth, self.now())
            .map_err(|e| HostError::failed(format!("session: {e}")))?;
        let reference = SessionRef::new(self.ids.name("session"));
        lock(&self.accounts.sessions).insert(reference.clone(), OpenSession { token, psc });
        Ok(reference)
    }

    fn pend(&self, pending: Pending) -> ChallengeRef {
        let reference = ChallengeRef::new(self.ids.name("challenge"));
        lock(&self.accounts.pending).insert(reference.clone(), pending);
        reference
    }

    pub(super) fn take_pending(&self, challenge: &ChallengeRef) -> Option<Pending> {
        lock(&self.accounts.pending).remove(challenge)
    }

    /// The session's token, or the refusal of an unknown session.
    fn token(&self, session: &SessionRef) -> Decision<SessionToken> {
        lock(&self.accounts.sessions)
            .get(session)
            .map(|s| s.token.clone())
            .ok_or(AuthError::SessionUnknown)
    }

    /// The session's PSC token source.
    pub(super) fn psc_session(&self, session: &SessionRef) -> Option<Arc<PscSession>> {
        lock(&self.accounts.sessions)
            .get(session)
            .and_then(|s| s.psc.clone())
    }

    fn step_outcome(&self, step: AuthStep) -> Result<LoginOutcome, HostError> {
        Ok(match step {
            AuthStep::Authenticated(a) => LoginOutcome::LoggedIn(self.open_session(&a, None)?),
            AuthStep::MfaRequired(ch) => {
                LoginOutcome::SecondFactorRequired(self.pend(Pending::SecondFactor(ch)))
            }
        })
    }

    fn login_password(&self, login: &AccountId, password: &str) -> Result<LoginOutcome, HostError> {
        match decide(self.auth.login_password(login, password, self.now()))? {
            Ok(step) => self.step_outcome(step),
            Err(e) => Ok(LoginOutcome::Refused(e)),
        }
    }

    fn second_factor(
        &self,
        challenge: &ChallengeRef,
        code: &str,
    ) -> Result<LoginOutcome, HostError> {
        let Some(Pending::SecondFactor(ch)) = self.take_pending(challenge) else {
            return Ok(LoginOutcome::Refused(AuthError::ChallengeExpired));
        };
        match decide(self.auth.complete_mfa(&ch, code, self.now()))? {
            Ok(auth) => Ok(LoginOutcome::LoggedIn(self.open_session(&auth, None)?)),
            Err(e) => Ok(LoginOutcome::Refused(e)),
        }
    }

    fn session(&self, session: &SessionRef) -> Result<Decision<SessionInfo>, HostError> {
        let token = match self.token(session) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let r = decide(self.sessions.validate(token.expose(), self.now()))?;
        if r.is_err() {
            // Ended sessions are forgotten.
            lock(&self.accounts.sessions).remove(session);
        }
        Ok(r)
    }

    fn sensitive_action(&self, session: &SessionRef) -> Result<Decision, HostError> {
        let token = match self.token(session) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let info = match decide(
            self.sessions
                .require_recent_authentication(token.expose(), self.now()),
        )? {
            Ok(info) => info,
            Err(e) => return Ok(Err(e)),
        };
        self.trace(self.event(
            segur_ssi::audit::kinds::HEALTH_DATA_EXPORT.as_str(),
            info.account_id.as_str(),
            Outcome::Success,
        )?)?;
        Ok(Ok(()))
    }

    fn reauthenticate(
        &self,
        session: &SessionRef,
        password: &str,
        totp_code: Option<&str>,
    ) -> Result<Decision, HostError> {
        let token = match self.token(session) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.now();
        let info = match decide(self.sessions.validate(token.expose(), now))? {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        let auth =
            match decide(
                self.auth
                    .reauthenticate(&info.account_id, password, totp_code, now),
            )? {
                Ok(a) => a,
                Err(e) => return Ok(Err(e)),
            };
        decide(
            self.sessions
                .mark_reauthenticated(token.expose(), &auth, now),
        )
    }

    fn logout(&self, session: &SessionRef) -> Result<Decision, HostError> {
        let Some(open) = lock(&self.accounts.sessions).remove(session) else {
            return Ok(Err(AuthError::SessionUnknown));
        };
        decide(self.sessions.logout(open.token.expose(), self.now()))
    }

    /// Ends every session of an account (password change, reset, disabling).
    fn revoke(&self, account: &AccountId) -> Result<(), HostError> {
        self.sessions
            .revoke_account(account, self.now())
            .map_err(|e| HostError::failed(format!("sessions: {e}")))?;
        Ok(())
    }

    fn change_password(
        &self,
        login: &AccountId,
        old: &str,
        new: &str,
    ) -> Result<Decision, HostError> {
        let r = decide(self.auth.change_password(login, old, new, self.now()))?;
        if r.is_ok() {
            self.revoke(login)?;
        }
        Ok(r)
    }

    fn administer(&self, actor: &SessionRef, action: AccountAction) -> Result<Decision, HostError> {
        let token = match self.token(actor) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.now();
        let info = match decide(self.sessions.validate(token.expose(), now))? {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        let admin = &info.account_id;
        // segur-ssi checks the administrator itself for the changes below;
        // creation is the host's call, so the host checks it here.
        let r = match action {
            AccountAction::Create(new) => {
                if !info.privileged {
                    return Ok(Err(AuthError::NotAuthorized {
                        actor: admin.to_string(),
                        action: "create accounts",
                    }));
                }
                decide(self.auth.create_account(new, now).map(|_| ()))?
            }
            AccountAction::ResetPassword { account, password } => {
                let r = decide(
                    self.auth
                        .admin_reset_password(admin, &account, &password, now),
                )?;
                if r.is_ok() {
                    self.revoke(&account)?;
                }
                r
            }
            AccountAction::Unlock(account) => decide(self.auth.admin_unlock(admin, &account, now))?,
            AccountAction::SetDisabled(account, disabled) => {
                let r = decide(self.auth.admin_set_disabled(admin, &account, disabled, now))?;
                if r.is_ok() && disabled {
                    self.revoke(&account)?;
                }
                r
            }
            _ => return Err(HostError::not_implemented("login.administer (this action)")),
        };
        Ok(r)
    }

    fn sync_directory(
        &self,
        entries: Vec<DirectoryEntry>,
    ) -> Result<Decision<SyncReport>, HostError> {
        let r = decide(
            self.auth
                .sync_directory(&LocalDirectory(entries), self.now()),
        )?;
        if let Ok(report) = &r {
            for account in &report.disabled {
                self.revoke(account)?;
            }
        }
        Ok(r)
    }
}

impl Login for ReferenceLgc {
    fn provision_account(&self, account: NewAccount) -> BoxFuture<'_, Result<Decision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            decide(core.auth.create_account(account, core.now()).map(|_| ()))
        })
    }

    fn account<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        Box::pin(async move {
            self.core()?
                .auth
                .store()
                .get(login)
                .map_err(|e| HostError::failed(e.to_string()))
        })
    }

    fn login_password<'a>(
        &'a self,
        login: &'a AccountId,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        Box::pin(async move { self.core()?.login_password(login, password) })
    }

    fn second_factor<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        code: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        Box::pin(async move { self.core()?.second_factor(challenge, code) })
    }

    fn enroll_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Decision<TotpEnrollment>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            decide(core.auth.enroll_totp(login, core.now()))
        })
    }

    fn confirm_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            decide(core.auth.confirm_totp(login, code, core.now()))
        })
    }

    fn session<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision<SessionInfo>, HostError>> {
        Box::pin(async move { self.core()?.session(session) })
    }

    fn sensitive_action<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move { self.core()?.sensitive_action(session) })
    }

    fn reauthenticate<'a>(
        &'a self,
        session: &'a SessionRef,
        password: &'a str,
        totp_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move { self.core()?.reauthenticate(session, password, totp_code) })
    }

    fn logout<'a>(&'a self, session: &'a SessionRef) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let psc = core.psc_session(session);
            let r = core.logout(session)?;
            if let Some(psc) = psc {
                // Single logout at PSC too; the local logout stands either way.
                let _ = psc.logout().await;
            }
            Ok(r)
        })
    }

    fn change_password<'a>(
        &'a self,
        login: &'a AccountId,
        old: &'a str,
        new: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move { self.core()?.change_password(login, old, new) })
    }

    fn administer<'a>(
        &'a self,
        actor: &'a SessionRef,
        action: AccountAction,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        Box::pin(async move { self.core()?.administer(actor, action) })
    }

    fn sync_directory(
        &self,
        entries: Vec<DirectoryEntry>,
    ) -> BoxFuture<'_, Result<Decision<SyncReport>, HostError>> {
        Box::pin(async move { self.core()?.sync_directory(entries) })
    }

    fn configure_psc(&self, setup: PscSetup) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move { self.core()?.configure_psc(setup) })
    }

    fn psc_start(&self, mode: PscLoginMode) -> BoxFuture<'_, Result<url::Url, HostError>> {
        Box::pin(async move { self.core()?.psc_start(mode).await })
    }

    fn psc_finish(&self) -> BoxFuture<'_, Result<LoginOutcome, HostError>> {
        Box::pin(async move { self.core()?.psc_finish().await })
    }

    fn psc_confirm_link<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        Box::pin(async move { self.core()?.psc_confirm_link(challenge, password) })
    }

    fn psc_ciba<'a>(
        &'a self,
        national_id: &'a IdNatPs,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        Box::pin(async move { self.core()?.psc_ciba(national_id).await })
    }

    fn service_token<'a>(
        &'a self,
        session: &'a SessionRef,
        audience: &'a Audience,
    ) -> BoxFuture<'a, Result<BearerToken, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            // A usable local session first (idle timeout applies).
            if let Err(e) = core.session(session)? {
                return Err(HostError::failed(format!("session: {e}")));
            }
            let psc = core.psc_session(session).ok_or_else(|| {
                HostError::failed("this session was not opened with Pro Santé Connect")
            })?;
            psc.token(audience)
                .await
                .map_err(|e| HostError::failed(format!("PSC token for {audience}: {e}")))
        })
    }
}
