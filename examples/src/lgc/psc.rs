//! Pro Santé Connect login with `segur-psc`.
//!
//! - Desktop authorization code flow (SC.PSC.10): `LoopbackRedirect` on
//!   `127.0.0.1`, `PscClient::authorize` (state, nonce, PKCE S256,
//!   `acr_values=eidas1`), the system browser, `PendingAuthorization::complete`
//!   (state check), `exchange_code` (ID token verified), `userinfo`.
//! - Silent login (SC.PSC.11): the same with `AuthorizationRequest::silent`
//!   (`prompt=none`).
//! - CIBA (SC.PSC.13): `ciba_start` then `wait` (polling on the tokio timer).
//! - Identification (SC.PSC.01/02): the PSC identity is matched to a local
//!   account by its national id with `AccountLinker`; a first login asks the
//!   local password once before recording the link. An account created by an
//!   administrator for PSC only (no local password) is linked directly: the
//!   administrator vouched for it.
//! - Session reuse (SC.PSC.08): a `PscSession` per login, refreshing and
//!   exchanging tokens for the national services, kept with the session.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use segur_conformance::host::{ChallengeRef, HostError, LoginOutcome, PscLoginMode, PscSetup};
use segur_ids::IdNatPs;
use segur_psc::{
    AccountLinkError, AccountLinker, AccountStore, AuthorizationRequest, AuthorizationResponse,
    CibaRequest, LinkDecision, LocalAccountId, LoopbackRedirect, PendingAuthorization, PscClient,
    PscIdentity, PscLogin, PscSession,
};
use segur_ssi::account::{AccountId, AuthStep, AuthenticatedAccount};
use segur_ssi::audit::{AuditEvent, Outcome, kinds};
use tokio::task::JoinHandle;

use super::accounts::{Pending, decide};
use super::{Core, lock};

/// How long the host waits for the browser to come back.
const REDIRECT_TIMEOUT: Duration = Duration::from_secs(120);

/// A first PSC login waiting for the local password.
pub(super) struct PendingLink {
    identity: PscIdentity,
    account: AccountId,
    login: PscLogin,
}

/// A browser login in progress.
struct Browsing {
    pending: PendingAuthorization,
    redirect: JoinHandle<Result<AuthorizationResponse, segur_psc::Error>>,
}

/// The PSC client, its configuration and the links.
#[derive(Default)]
pub(super) struct PscState {
    client: std::sync::Mutex<Option<(Arc<PscClient>, PscSetup)>>,
    browsing: std::sync::Mutex<Option<Browsing>>,
    /// `(issuer, idNat_PS)` → local account: the links recorded.
    links: std::sync::Mutex<HashMap<(String, IdNatPs), LocalAccountId>>,
}

/// The host's accounts as `segur_psc` sees them for linking.
struct LinkStore<'a> {
    core: &'a Core,
    accounts: Vec<segur_ssi::account::Account>,
}

impl AccountStore for LinkStore<'_> {
    fn find_link(
        &self,
        issuer: &str,
        national_id: &IdNatPs,
    ) -> Result<Option<LocalAccountId>, AccountLinkError> {
        Ok(lock(&self.core.psc.links)
            .get(&(issuer.to_owned(), national_id.clone()))
            .cloned())
    }

    fn find_candidates(&self, ids: &[IdNatPs]) -> Result<Vec<LocalAccountId>, AccountLinkError> {
        Ok(self
            .accounts
            .iter()
            .filter(|a| a.id_nat_ps.as_ref().is_some_and(|i| ids.contains(i)))
            .map(|a| LocalAccountId::new(a.id.as_str()))
            .collect())
    }

    fn record_link(
        &mut self,
        issuer: &str,
        national_id: &IdNatPs,
        account: &LocalAccountId,
    ) -> Result<(), AccountLinkError> {
        lock(&self.core.psc.links)
            .insert((issuer.to_owned(), national_id.clone()), account.clone());
        self.core
            .trace(
                AuditEvent::new(
                    kinds::PSC_LINKED,
                    account.as_str(),
                    Outcome::Success,
                    self.core.now(),
                )
                .with_target(account.as_str())
                .with_detail("id_nat_ps", national_id.as_str()),
            )
            .map_err(|e| AccountLinkError::Store(e.to_string()))
    }
}

fn refused(e: impl std::fmt::Display) -> LoginOutcome {
    LoginOutcome::PscRefused(e.to_string())
}

impl Core {
    fn psc_client(&self) -> Result<(Arc<PscClient>, PscSetup), HostError> {
        lock(&self.psc.client)
            .clone()
            .ok_or_else(|| HostError::failed("Pro Santé Connect is not configured"))
    }

    fn link_store(&self) -> Result<LinkStore<'_>, HostError> {
        let accounts = self
            .auth
            .store()
            .list()
            .map_err(|e| HostError::failed(e.to_string()))?;
        Ok(LinkStore {
            core: self,
            accounts,
        })
    }

    pub(super) fn configure_psc(&self, setup: PscSetup) -> Result<(), HostError> {
        let client = PscClient::builder(setup.environment.clone(), setup.client.clone())
            .clock(Arc::new(self.clock.clone()))
            .build()
            .map_err(|e| HostError::failed(format!("PSC client: {e}")))?;
        *lock(&self.psc.client) = Some((Arc::new(client), setup));
        Ok(())
    }

    pub(super) async fn psc_start(&self, mode: PscLoginMode) -> Result<url::Url, HostError> {
        let (client, _) = self.psc_client()?;
        let loopback = LoopbackRedirect::bind()
            .await
            .map_err(|e| HostError::failed(e.to_string()))?;
        let request = match mode {
            PscLoginMode::Silent => AuthorizationRequest::silent(None),
            _ => AuthorizationRequest::default(),
        };
        let pending = client
            .authorize(loopback.redirect_uri(), &request)
            .await
            .map_err(|e| HostError::failed(format!("PSC authorization request: {e}")))?;
        let url = pending.url().clone();
        // Listen now: the browser may come back before the UI asks.
        let redirect = tokio::spawn(loopback.wait(REDIRECT_TIMEOUT));
        if let Some(old) = lock(&self.psc.browsing).replace(Browsing { pending, redirect }) {
            old.redirect.abort();
        }
        Ok(url)
    }

    pub(super) async fn psc_finish(&self) -> Result<LoginOutcome, HostError> {
        let Some(Browsing { pending, redirect }) = lock(&self.psc.browsing).take() else {
            return Err(HostError::failed("no Pro Santé Connect login in progress"));
        };
        let response = match redirect.await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Ok(refused(e)),
            Err(e) => return Err(HostError::failed(format!("redirect listener: {e}"))),
        };
        // State check (CSRF), provider errors (login_required…).
        let code = match pending.complete(&response) {
            Ok(code) => code,
            Err(e) => {
                self.trace_psc_failure(&e.to_string())?;
                return Ok(refused(e));
            }
        };
        let (client, _) = self.psc_client()?;
        match client.exchange_code(code).await {
            Ok(login) => self.psc_logged_in(&client, login).await,
            Err(e) => {
                self.trace_psc_failure(&e.to_string())?;
                Ok(refused(e))
            }
        }
    }

    pub(super) async fn psc_ciba(&self, national_id: &IdNatPs) -> Result<LoginOutcome, HostError> {
        let (client, _) = self.psc_client()?;
        let request = CibaRequest::new(national_id.clone())
            // Shown on the professional's e-CPS (20 characters at most).
            .binding_message("LGC de reference");
        let login = match client.ciba_start(&request).await {
            Ok(auth) => auth.wait().await,
            Err(e) => Err(e),
        };
        match login {
            Ok(login) => self.psc_logged_in(&client, login).await,
            Err(e) => {
                self.trace_psc_failure(&e.to_string())?;
                Ok(refused(e))
            }
        }
    }

    fn trace_psc_failure(&self, reason: &str) -> Result<(), HostError> {
        self.trace(
            AuditEvent::new(kinds::LOGIN_FAILURE, "psc", Outcome::Failure, self.now())
                .with_detail("method", "psc")
                .with_detail("reason", reason),
        )
    }

    /// After PSC authenticated the professional: find their account.
    async fn psc_logged_in(
        &self,
        client: &Arc<PscClient>,
        login: PscLogin,
    ) -> Result<LoginOutcome, HostError> {
        let info = match client
            .userinfo(&login.tokens.access_token, &login.id_token)
            .await
        {
            Ok(i) => i,
            Err(e) => return Ok(refused(e)),
        };
        let issuer = client.environment().issuer();
        let identity = match PscIdentity::from_userinfo(&issuer, &info) {
            Ok(i) => i,
            Err(e) => return Ok(refused(e)),
        };
        let mut store = self.link_store()?;
        let decision = AccountLinker::new(&mut store).resolve(&identity);
        match decision {
            Ok(LinkDecision::Linked(account)) => self.open_psc_session(&account, login),
            Ok(LinkDecision::ConfirmMatch(account)) => {
                let id = AccountId::parse(account.as_str())
                    .map_err(|e| HostError::failed(e.to_string()))?;
                let stored = self
                    .auth
                    .store()
                    .get(&id)
                    .map_err(|e| HostError::failed(e.to_string()))?
                    .ok_or_else(|| HostError::failed(format!("account {id} vanished")))?;
                if stored.password_hash.is_none() {
                    // Created by an administrator for PSC only: link now.
                    if let Err(e) = AccountLinker::new(&mut store).confirm_link(&identity, &account)
                    {
                        return Ok(refused(e));
                    }
                    self.open_psc_session(&account, login)
                } else {
                    let challenge = self.pend_link(PendingLink {
                        identity,
                        account: id,
                        login,
                    });
                    Ok(LoginOutcome::LinkConfirmationRequired(challenge))
                }
            }
            Ok(_) => {
                self.trace(
                    AuditEvent::new(
                        kinds::LOGIN_FAILURE,
                        identity.national_id.as_str(),
                        Outcome::Denied,
                        self.now(),
                    )
                    .with_detail("method", "psc")
                    .with_detail("reason", "no_account"),
                )?;
                Ok(refused(format!(
                    "aucun compte du logiciel pour le professionnel {}",
                    identity.national_id
                )))
            }
            Err(e) => Ok(refused(e)),
        }
    }

    fn pend_link(&self, link: PendingLink) -> ChallengeRef {
        let reference = ChallengeRef::new(self.ids.name("challenge"));
        lock(&self.accounts.pending).insert(reference.clone(), Pending::PscLink(Box::new(link)));
        reference
    }

    /// The professional proves they own the local account: link and log in.
    pub(super) fn psc_confirm_link(
        &self,
        challenge: &ChallengeRef,
        password: &str,
    ) -> Result<LoginOutcome, HostError> {
        let Some(Pending::PscLink(link)) = self.take_pending(challenge) else {
            return Ok(LoginOutcome::Refused(
                segur_ssi::AuthError::ChallengeExpired,
            ));
        };
        let PendingLink {
            identity,
            account,
            login,
        } = *link;
        match decide(self.auth.login_password(&account, password, self.now()))? {
            // The password is right (a second factor would be asked for a
            // password login; the PSC authentication stands for it here).
            Ok(AuthStep::Authenticated(_) | AuthStep::MfaRequired(_)) => {}
            Err(e) => return Ok(LoginOutcome::Refused(e)),
        }
        let local = LocalAccountId::new(account.as_str());
        let mut store = self.link_store()?;
        if let Err(e) = AccountLinker::new(&mut store).confirm_link(&identity, &local) {
            return Ok(refused(e));
        }
        self.open_psc_session(&local, login)
    }

    /// Opens the local session of `account` with the PSC token source.
    fn open_psc_session(
        &self,
        account: &LocalAccountId,
        login: PscLogin,
    ) -> Result<LoginOutcome, HostError> {
        let id =
            AccountId::parse(account.as_str()).map_err(|e| HostError::failed(e.to_string()))?;
        let stored = self
            .auth
            .store()
            .get(&id)
            .map_err(|e| HostError::failed(e.to_string()))?
            .ok_or_else(|| HostError::failed(format!("account {id} vanished")))?;
        if stored.disabled {
            return Ok(LoginOutcome::Refused(segur_ssi::AuthError::Disabled));
        }
        let (client, setup) = self.psc_client()?;
        let mut session = PscSession::new(client, login);
        for (audience, exchange) in &setup.services {
            session = session.with_exchange(audience.clone(), exchange.clone());
        }
        let now = self.now();
        self.trace(
            AuditEvent::new(kinds::LOGIN_SUCCESS, id.as_str(), Outcome::Success, now)
                .with_target(id.as_str())
                .with_detail("method", "psc"),
        )?;
        let auth = AuthenticatedAccount::external(&stored, now);
        Ok(LoginOutcome::LoggedIn(
            self.open_session(&auth, Some(Arc::new(session)))?,
        ))
    }
}
