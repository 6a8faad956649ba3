//! Accounts, lockout, TOTP, privileged rules, directory sync and sessions.

#![allow(clippy::unwrap_used)] // tests

use std::sync::Arc;

use segur_ssi::account::{
    AccountId, AccountStore, AuthMethod, AuthStep, AuthenticatedAccount, Authenticator,
    DirectoryEntry, DirectorySource, MemoryAccountStore, NewAccount, SqliteAccountStore,
};
use segur_ssi::audit::{AuditFilter, AuditTrail, MemoryAuditTrail, kinds};
use segur_ssi::password::{Argon2Params, PasswordFinding};
use segur_ssi::session::{SessionEnd, SessionManager, SessionPolicy};
use segur_ssi::totp::{Totp, TotpSecret};
use segur_ssi::{AuthError, Error};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-05-04 09:00 UTC);
const FAST: Argon2Params = Argon2Params {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};
const PW: &str = "Tr0mbone!Vert";
const ADMIN_PW: &str = "Kx7!pQ2#mZ9&vB4%";

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn setup() -> (Authenticator, Arc<MemoryAuditTrail>) {
    let trail = Arc::new(MemoryAuditTrail::new());
    let auth = Authenticator::new(Arc::new(MemoryAccountStore::new()))
        .with_argon2(FAST)
        .with_audit(trail.clone());
    (auth, trail)
}

fn auth_err(r: segur_ssi::Result<impl std::fmt::Debug>) -> AuthError {
    match r {
        Err(Error::Auth(e)) => e,
        other => panic!("expected an auth error, got {other:?}"),
    }
}

fn login(
    auth: &Authenticator,
    who: &str,
    pw: &str,
    now: OffsetDateTime,
) -> segur_ssi::Result<AuthenticatedAccount> {
    match auth.login_password(&id(who), pw, now)? {
        AuthStep::Authenticated(a) => Ok(a),
        AuthStep::MfaRequired(_) => panic!("unexpected MFA step"),
    }
}

/// An enrolled administrator and its TOTP.
fn admin(auth: &Authenticator) -> Totp {
    auth.create_account(
        NewAccount::new(id("admin"), "Admin")
            .password(ADMIN_PW)
            .privileged(),
        T0,
    )
    .unwrap();
    let e = auth.enroll_totp(&id("admin"), T0).unwrap();
    let totp = Totp::new(TotpSecret::from_base32(&e.secret_base32).unwrap());
    auth.confirm_totp(&id("admin"), &totp.code_at(T0), T0)
        .unwrap();
    totp
}

#[test]
fn password_login_and_traces() {
    let (auth, trail) = setup();
    auth.create_account(
        NewAccount::new(id("jeanne"), "Jeanne MARTIN").password(PW),
        T0,
    )
    .unwrap();
    let a = login(&auth, "Jeanne", PW, T0).unwrap();
    assert_eq!(a.method, AuthMethod::Password);
    assert!(!a.privileged);
    assert_eq!(
        auth_err(login(&auth, "jeanne", "Tr0mbone!Rouge", T0)),
        AuthError::InvalidCredentials
    );
    assert_eq!(
        auth_err(login(&auth, "nobody", PW, T0)),
        AuthError::InvalidCredentials
    );
    assert_eq!(
        auth.store()
            .get(&id("jeanne"))
            .unwrap()
            .unwrap()
            .failed_attempts,
        1
    );

    let kinds_seen: Vec<String> = trail
        .records()
        .iter()
        .map(|r| r.event.kind.to_string())
        .collect();
    assert_eq!(
        kinds_seen,
        [
            "account.created",
            "auth.login.success",
            "auth.login.failure",
            "auth.login.failure"
        ]
    );
    let unknown = trail.query(&AuditFilter::new().actor("nobody")).unwrap();
    assert_eq!(
        unknown[0].event.details.get("reason").map(String::as_str),
        Some("unknown_account")
    );
    assert!(trail.verify().unwrap().is_intact());
    // No password material in the trail.
    let dump = serde_json::to_string(&trail.records()).unwrap();
    assert!(!dump.contains(PW) && !dump.contains("argon2"));

    // Weak initial password.
    let e =
        auth_err(auth.create_account(NewAccount::new(id("paul"), "Paul").password("paul1234"), T0));
    assert!(matches!(e, AuthError::PasswordRejected { .. }));
    assert!(e.to_string().contains("too short"));
    assert!(matches!(
        auth_err(auth.create_account(NewAccount::new(id("jeanne"), "Jeanne bis"), T0)),
        AuthError::AccountExists { .. }
    ));
}

#[test]
fn lockout_with_backoff_then_hard_lock() {
    let (auth, trail) = setup();
    let totp = admin(&auth);
    auth.create_account(NewAccount::new(id("jeanne"), "Jeanne").password(PW), T0)
        .unwrap();
    let mut now = T0;
    for _ in 0..4 {
        assert_eq!(
            auth_err(login(&auth, "jeanne", "bad", now)),
            AuthError::InvalidCredentials
        );
    }
    // 5th failure: locked one minute.
    assert_eq!(
        auth_err(login(&auth, "jeanne", "bad", now)),
        AuthError::InvalidCredentials
    );
    assert_eq!(
        auth_err(login(&auth, "jeanne", PW, now)),
        AuthError::Locked {
            until: Some(now + Duration::minutes(1))
        }
    );
    now += Duration::minutes(1);
    // 6th failure: two minutes.
    login(&auth, "jeanne", "bad", now).unwrap_err();
    assert_eq!(
        auth_err(login(&auth, "jeanne", PW, now)),
        AuthError::Locked {
            until: Some(now + Duration::minutes(2))
        }
    );
    now += Duration::minutes(2);
    // A success resets the counter.
    login(&auth, "jeanne", PW, now).unwrap();
    assert_eq!(
        auth.store()
            .get(&id("jeanne"))
            .unwrap()
            .unwrap()
            .failed_attempts,
        0
    );
    // 10 failures in a row: locked until an administrator unlocks.
    for _ in 0..10 {
        let _ = login(&auth, "jeanne", "bad", now);
        now += Duration::hours(2);
    }
    assert_eq!(
        auth_err(login(&auth, "jeanne", PW, now + Duration::days(30))),
        AuthError::Locked { until: None }
    );
    assert!(matches!(
        auth_err(auth.admin_unlock(&id("jeanne"), &id("jeanne"), now)),
        AuthError::NotAuthorized { .. }
    ));
    auth.admin_unlock(&id("admin"), &id("jeanne"), now).unwrap();
    login(&auth, "jeanne", PW, now).unwrap();
    assert!(
        !trail
            .query(&AuditFilter::new().kind(kinds::ACCOUNT_LOCKED))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        trail
            .query(&AuditFilter::new().kind(kinds::ACCOUNT_UNLOCKED))
            .unwrap()[0]
            .event
            .actor,
        "admin"
    );
    let _ = totp;
}

#[test]
fn privileged_accounts_need_totp() {
    let (auth, trail) = setup();
    // The privileged policy is stricter.
    let e = auth_err(
        auth.create_account(
            NewAccount::new(id("root"), "Root")
                .password(PW)
                .privileged(),
            T0,
        ),
    );
    assert!(matches!(e, AuthError::PasswordRejected { .. }));
    auth.create_account(
        NewAccount::new(id("admin"), "Admin")
            .password(ADMIN_PW)
            .privileged(),
        T0,
    )
    .unwrap();
    assert_eq!(
        auth_err(auth.login_password(&id("admin"), ADMIN_PW, T0)),
        AuthError::MfaEnrollmentRequired
    );

    let enrollment = auth.enroll_totp(&id("admin"), T0).unwrap();
    assert!(
        enrollment
            .uri
            .starts_with("otpauth://totp/segur-rs:admin?secret=")
    );
    let totp = Totp::new(TotpSecret::from_base32(&enrollment.secret_base32).unwrap());
    assert_eq!(
        auth_err(auth.confirm_totp(&id("admin"), "000000", T0)),
        AuthError::InvalidMfaCode
    );
    auth.confirm_totp(&id("admin"), &totp.code_at(T0), T0)
        .unwrap();

    let now = T0 + Duration::minutes(1);
    let AuthStep::MfaRequired(ch) = auth.login_password(&id("admin"), ADMIN_PW, now).unwrap()
    else {
        panic!("MFA expected")
    };
    assert!(!format!("{ch:?}").contains("token"));
    let wrong = if totp.code_at(now) == "123456" {
        "654321"
    } else {
        "123456"
    };
    assert_eq!(
        auth_err(auth.complete_mfa(&ch, wrong, now)),
        AuthError::InvalidMfaCode
    );
    // A challenge is single-use, even after a wrong code.
    assert_eq!(
        auth_err(auth.complete_mfa(&ch, &totp.code_at(now), now)),
        AuthError::ChallengeExpired
    );
    let AuthStep::MfaRequired(ch) = auth.login_password(&id("admin"), ADMIN_PW, now).unwrap()
    else {
        panic!()
    };
    let a = auth.complete_mfa(&ch, &totp.code_at(now), now).unwrap();
    assert_eq!(a.method, AuthMethod::PasswordTotp);
    assert!(a.privileged);
    // Replay of the same code in a new challenge.
    let AuthStep::MfaRequired(ch) = auth.login_password(&id("admin"), ADMIN_PW, now).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        auth_err(auth.complete_mfa(&ch, &totp.code_at(now), now)),
        AuthError::InvalidMfaCode
    );
    // Expired challenge.
    let AuthStep::MfaRequired(ch) = auth.login_password(&id("admin"), ADMIN_PW, now).unwrap()
    else {
        panic!()
    };
    let late = now + Duration::minutes(6);
    assert_eq!(
        auth_err(auth.complete_mfa(&ch, &totp.code_at(late), late)),
        AuthError::ChallengeExpired
    );
    assert!(
        !trail
            .query(&AuditFilter::new().kind(kinds::MFA_FAILURE))
            .unwrap()
            .is_empty()
    );
    assert!(
        !trail
            .query(&AuditFilter::new().kind(kinds::MFA_VERIFIED))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn password_changes_history_and_reset() {
    let (auth, trail) = setup();
    admin(&auth);
    auth.create_account(
        NewAccount::new(id("jeanne"), "Jeanne MARTIN").password(PW),
        T0,
    )
    .unwrap();
    let e = auth_err(auth.change_password(&id("jeanne"), PW, PW, T0));
    let AuthError::PasswordRejected { check } = e else {
        panic!()
    };
    assert!(check.findings.contains(&PasswordFinding::Reused));
    let e = auth_err(auth.change_password(&id("jeanne"), PW, "Martin!2026xyzw", T0));
    let AuthError::PasswordRejected { check } = e else {
        panic!()
    };
    assert!(check.findings.contains(&PasswordFinding::ContainsUserData));
    assert_eq!(
        auth_err(auth.change_password(&id("jeanne"), "bad", "Cl4rinette#Bleue", T0)),
        AuthError::InvalidCredentials
    );
    auth.change_password(&id("jeanne"), PW, "Cl4rinette#Bleue", T0)
        .unwrap();
    login(&auth, "jeanne", "Cl4rinette#Bleue", T0).unwrap();
    // The previous one is in the history.
    let AuthError::PasswordRejected { check } =
        auth_err(auth.change_password(&id("jeanne"), "Cl4rinette#Bleue", PW, T0))
    else {
        panic!()
    };
    assert!(check.findings.contains(&PasswordFinding::Reused));

    auth.admin_reset_password(&id("admin"), &id("jeanne"), "Vi0loncelle*Gris", T0)
        .unwrap();
    assert!(
        login(&auth, "jeanne", "Vi0loncelle*Gris", T0)
            .unwrap()
            .must_change_password
    );
    auth.change_password(&id("jeanne"), "Vi0loncelle*Gris", "Acc0rdeon+Jaune", T0)
        .unwrap();
    assert!(
        !login(&auth, "jeanne", "Acc0rdeon+Jaune", T0)
            .unwrap()
            .must_change_password
    );
    assert_eq!(
        trail
            .query(&AuditFilter::new().kind(kinds::PASSWORD_RESET))
            .unwrap()
            .len(),
        1
    );

    auth.admin_set_disabled(&id("admin"), &id("jeanne"), true, T0)
        .unwrap();
    assert_eq!(
        auth_err(login(&auth, "jeanne", "Acc0rdeon+Jaune", T0)),
        AuthError::Disabled
    );
}

#[test]
fn rehash_on_parameter_change_and_sqlite_persistence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounts.db");
    {
        let auth =
            Authenticator::new(Arc::new(SqliteAccountStore::open(&db).unwrap())).with_argon2(FAST);
        auth.create_account(
            NewAccount::new(id("jeanne"), "Jeanne")
                .password(PW)
                .roles(["medecin"]),
            T0,
        )
        .unwrap();
    }
    let stronger = Argon2Params {
        memory_kib: 512,
        iterations: 2,
        parallelism: 1,
    };
    let store = Arc::new(SqliteAccountStore::open(&db).unwrap());
    let auth = Authenticator::new(store.clone()).with_argon2(stronger);
    assert!(
        store
            .get(&id("jeanne"))
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap()
            .contains("m=256,t=1")
    );
    login(&auth, "jeanne", PW, T0).unwrap();
    let a = store.get(&id("jeanne")).unwrap().unwrap();
    assert!(a.password_hash.unwrap().contains("m=512,t=2"), "rehashed");
    assert_eq!(a.roles, ["medecin"]);
    login(&auth, "jeanne", PW, T0).unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
}

struct Ldap(Vec<DirectoryEntry>);
impl DirectorySource for Ldap {
    fn name(&self) -> &str {
        "ldap-cabinet"
    }
    fn entries(&self) -> segur_ssi::Result<Vec<DirectoryEntry>> {
        Ok(self.0.clone())
    }
}

#[test]
fn directory_sync() {
    let (auth, trail) = setup();
    auth.create_account(NewAccount::new(id("local"), "Local").password(PW), T0)
        .unwrap();
    let mut a = DirectoryEntry::new(id("a.dupont"), "A. DUPONT");
    a.id_nat_ps = Some("810003612545".parse().unwrap());
    a.roles = vec!["medecin".into()];
    let b = DirectoryEntry::new(id("b.durand"), "B. DURAND");
    let local_clash = DirectoryEntry::new(id("local"), "Impostor");
    let r = auth
        .sync_directory(&Ldap(vec![a.clone(), b.clone(), local_clash]), T0)
        .unwrap();
    assert_eq!(r.created, [id("a.dupont"), id("b.durand")]);
    assert_eq!(
        auth.store()
            .get(&id("local"))
            .unwrap()
            .unwrap()
            .display_name,
        "Local"
    );
    assert_eq!(
        auth_err(login(&auth, "a.dupont", "whatever", T0)),
        AuthError::NoLocalPassword
    );

    a.roles.push("admin-dmp".into());
    let r = auth.sync_directory(&Ldap(vec![a.clone()]), T0).unwrap();
    assert_eq!(r.updated, [id("a.dupont")]);
    assert_eq!(r.disabled, [id("b.durand")]);
    assert!(auth.store().get(&id("b.durand")).unwrap().unwrap().disabled);
    let r = auth.sync_directory(&Ldap(vec![a]), T0).unwrap();
    assert!(r.created.is_empty() && r.updated.is_empty() && r.disabled.is_empty());
    assert_eq!(
        trail
            .query(&AuditFilter::new().kind(kinds::DIRECTORY_SYNC))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn sessions() {
    let (auth, _) = setup();
    let totp = admin(&auth);
    auth.create_account(NewAccount::new(id("jeanne"), "Jeanne").password(PW), T0)
        .unwrap();
    let trail = Arc::new(MemoryAuditTrail::new());
    let sm = SessionManager::new(SessionPolicy::default()).with_audit(trail.clone());
    let user = login(&auth, "jeanne", PW, T0).unwrap();
    let (tok, info) = sm.open(&user, T0).unwrap();
    assert_eq!(info.expires_at, T0 + Duration::minutes(30));
    assert!(!format!("{tok:?}").contains(tok.expose()));
    assert!(tok.expose().len() >= 43);

    // Activity keeps it alive until the absolute lifetime.
    let mut now = T0;
    for _ in 0..23 {
        now += Duration::minutes(29);
        sm.validate(tok.expose(), now).unwrap();
    }
    now += Duration::minutes(29); // 11 h 36 → 12 h 05
    now += Duration::minutes(29);
    assert_eq!(
        auth_err(sm.validate(tok.expose(), now)),
        AuthError::SessionExpired {
            reason: SessionEnd::Lifetime
        }
    );
    assert_eq!(
        auth_err(sm.validate(tok.expose(), now)),
        AuthError::SessionUnknown
    );

    // Idle timeout.
    let (tok, _) = sm.open(&user, T0).unwrap();
    assert_eq!(
        auth_err(sm.validate(tok.expose(), T0 + Duration::minutes(30))),
        AuthError::SessionExpired {
            reason: SessionEnd::Idle
        }
    );

    // Re-authentication for sensitive actions.
    let (tok, _) = sm.open(&user, T0).unwrap();
    sm.require_recent_authentication(tok.expose(), T0 + Duration::minutes(5))
        .unwrap();
    let later = T0 + Duration::minutes(15);
    assert_eq!(
        auth_err(sm.require_recent_authentication(tok.expose(), later)),
        AuthError::ReauthenticationRequired
    );
    let again = auth.reauthenticate(&id("jeanne"), PW, None, later).unwrap();
    sm.mark_reauthenticated(tok.expose(), &again, later)
        .unwrap();
    sm.require_recent_authentication(tok.expose(), later)
        .unwrap();

    // Privileged sessions are shorter.
    // (the enrolment consumed the code of T0: log in a minute later)
    let t1 = T0 + Duration::minutes(1);
    let AuthStep::MfaRequired(ch) = auth.login_password(&id("admin"), ADMIN_PW, t1).unwrap() else {
        panic!()
    };
    let adm = auth.complete_mfa(&ch, &totp.code_at(t1), t1).unwrap();
    let (atok, ainfo) = sm.open(&adm, t1).unwrap();
    assert_eq!(ainfo.expires_at, t1 + Duration::minutes(15));
    assert!(
        sm.validate(atok.expose(), t1 + Duration::minutes(16))
            .is_err()
    );
    assert!(matches!(
        auth_err(sm.mark_reauthenticated(tok.expose(), &adm, later)),
        AuthError::NotAuthorized { .. }
    ));

    // Logout and revocation.
    let (t1, _) = sm.open(&user, later).unwrap();
    let (t2, _) = sm.open(&user, later).unwrap();
    sm.logout(t1.expose(), later).unwrap();
    assert_eq!(
        auth_err(sm.logout(t1.expose(), later)),
        AuthError::SessionUnknown
    );
    assert_eq!(
        sm.revoke_account(&id("jeanne"), later).unwrap(),
        2,
        "t2 and the re-authenticated one"
    );
    assert!(sm.validate(t2.expose(), later).is_err());
    let (_t3, _) = sm.open(&user, later).unwrap();
    assert_eq!(sm.purge_expired(later + Duration::hours(1)).unwrap(), 1);
    assert!(sm.sessions_of(&id("jeanne")).unwrap().is_empty());

    let ends: Vec<String> = trail
        .records()
        .iter()
        .map(|r| r.event.details["reason"].clone())
        .collect();
    assert!(
        ends.contains(&"logout".to_owned())
            && ends.contains(&"revoked".to_owned())
            && ends.contains(&"idle".to_owned())
    );
}
