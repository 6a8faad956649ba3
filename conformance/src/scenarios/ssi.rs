//! Suite `ssi`: accounts, passwords, lockout, sessions, second factor,
//! administration, directory sync, audit trail, TLS and antivirus of the
//! host, checked against the rules of `segur-ssi` (CNIL 2022-100 password
//! policy, ANSSI TLS, hash-chained audit trail).
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `ssi.passwords.policy` | SC.SSI/IE.31 | weak, short and reused passwords are refused with an explanation; a strong one is accepted |
//! | `ssi.passwords.stored-hashed` | SC.SSI/IE.32 | passwords are stored as salted Argon2id hashes at or above the OWASP parameters, never in clear |
//! | `ssi.lockout.repeated-failures` | SC.SSI/IE.33 | repeated failures lock the account (even the right password is refused) until the lock ends |
//! | `ssi.sessions.inactivity` | SC.SSI/IE.34 | a session ends after 30 min of inactivity; a sensitive action needs a recent authentication |
//! | `ssi.sessions.logout` | SC.SSI/IE.35 | logout ends the session; a password change ends the account's other sessions |
//! | `ssi.mfa.totp` | SC.SSI/IE.36 | a TOTP second factor is enrolled and asked; wrong and replayed codes are refused |
//! | `ssi.accounts.administration` | SC.SSI/GEN.16 | an administrator creates, resets (change forced at next login), disables and re-enables accounts |
//! | `ssi.accounts.privileged` | SC.SSI/GEN.17 | administrators need a stronger password, a second factor, and have shorter sessions |
//! | `ssi.hardening.least-privilege` | SC.SSI/GEN.07 | no default credentials open the software; a standard user cannot administer |
//! | `ssi.crypto.national-tls` | SC.SSI/GEN.13, SC.SSI/GEN.07 | the TLS client for national services negotiates TLS ≥ 1.2 with an ANSSI suite, and refuses untrusted and misnamed servers |
//! | `ssi.audit.authentication-traced` | SC.SSI/IE.38 | logins, failures, locks and logouts are in the audit trail with who, what, when |
//! | `ssi.audit.tamper-evident` | SC.SSI/GEN.13 | the exported trail is hash-chained: a modified, deleted or swapped record is detected at the right record |
//! | `ssi.antivirus.received-files` | SC.SSI/GEN.08 | a received file carrying the EICAR test signature is refused, not integrated, and traced |
//! | `ssi.directory.sync` | SC.SSI/IE.39 | accounts and rights follow a local directory; gone entries are disabled; local accounts untouched |
//!
//! The time limits checked are the defaults of `segur-ssi` (ssi.md §3,
//! UNCONFIRMED in the PGSSI-S): 30 min of inactivity, re-authentication
//! after 10 min for sensitive actions, privileged sessions shorter than
//! standard ones.

use std::sync::Arc;
use std::time::Duration;

use segur_ssi::AuthError;
use segur_ssi::account::{AccountSource, DirectoryEntry, NewAccount};
use segur_ssi::antivirus::EICAR;
use segur_ssi::audit::{AuditRecord, ChainIssue, Checkpoint, Outcome, kinds, verify_records};
use segur_ssi::password::PasswordFinding;
use segur_ssi::session::SessionEnd;
use segur_ssi::test_pki::TestPki;
use segur_ssi::tls::ANSSI_CIPHER_SUITES;
use segur_ssi::totp::{Totp, TotpSecret};

use super::support::{ALICE, accepted, describe, logged_in, login_id, patient_file, refused};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{
    AccountAction, ChallengeRef, ImportOutcome, Login, LoginOutcome, ReceivedFile, SessionRef,
};
use crate::{Error, Payload, Registry, RunContext, Scenario};

/// A password every policy accepts (about 119 bits, 18 characters).
const STRONG: &str = "Tr0mbone!Vert-Azur";
/// Another one.
const STRONG_2: &str = "Pluie#Nord7-Orange!";
/// A third one.
const STRONG_3: &str = "Cerf-Volant?Bleu84";
/// Strong enough for a standard account (13 characters, ~86 bits), too weak
/// for an administrator (16 characters and 100 bits).
const STANDARD_ONLY: &str = "Tr0mbone!Vert";
/// An administrator's password (23 characters).
const ADMIN_PASSWORD: &str = "Orange#Velo7-Pluie!Nord";

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("ssi", "Security (SSI)")?;
    {
        let mut g = suite.group("passwords", "Passwords")?;
        g.add(
            Scenario::new(
                "policy",
                "Weak passwords are refused with an explanation",
                password_policy,
            )
            .requirement("SC.SSI/IE.31"),
        )?;
        g.add(
            Scenario::new(
                "stored-hashed",
                "Passwords are stored as salted Argon2id hashes",
                stored_hashed,
            )
            .requirement("SC.SSI/IE.32"),
        )?;
    }
    suite.group("lockout", "Lockout")?.add(
        Scenario::new(
            "repeated-failures",
            "Repeated failures lock the account until the lock ends",
            lockout,
        )
        .requirement("SC.SSI/IE.33"),
    )?;
    {
        let mut g = suite.group("sessions", "Sessions")?;
        g.add(
            Scenario::new(
                "inactivity",
                "Sessions end after inactivity; sensitive actions need a recent authentication",
                inactivity,
            )
            .requirement("SC.SSI/IE.34"),
        )?;
        g.add(
            Scenario::new("logout", "Logout and password change end sessions", logout)
                .requirement("SC.SSI/IE.35"),
        )?;
    }
    suite.group("mfa", "Second factor")?.add(
        Scenario::new(
            "totp",
            "A TOTP second factor is enrolled and required",
            totp,
        )
        .requirement("SC.SSI/IE.36"),
    )?;
    {
        let mut g = suite.group("accounts", "Account administration")?;
        g.add(
            Scenario::new(
                "administration",
                "An administrator manages the internal account base",
                administration,
            )
            .requirement("SC.SSI/GEN.16"),
        )?;
        g.add(
            Scenario::new(
                "privileged",
                "Administrator accounts have a stronger password, a second factor and shorter sessions",
                privileged,
            )
            .requirement("SC.SSI/GEN.17"),
        )?;
    }
    suite.group("hardening", "Hardening")?.add(
        Scenario::new(
            "least-privilege",
            "No default credentials; standard users cannot administer",
            least_privilege,
        )
        .requirement("SC.SSI/GEN.07"),
    )?;
    suite.group("crypto", "Cryptography")?.add(
        Scenario::new(
            "national-tls",
            "The TLS client for national services follows the ANSSI rules and an explicit trust store",
            national_tls,
        )
        .requirements(["SC.SSI/GEN.13", "SC.SSI/GEN.07"]),
    )?;
    {
        let mut g = suite.group("audit", "Audit trail")?;
        g.add(
            Scenario::new(
                "authentication-traced",
                "Authentication events are traced with who, what and when",
                authentication_traced,
            )
            .requirement("SC.SSI/IE.38"),
        )?;
        g.add(
            Scenario::new(
                "tamper-evident",
                "A tampered audit trail is detected at the right record",
                tamper_evident,
            )
            .requirement("SC.SSI/GEN.13"),
        )?;
    }
    suite.group("antivirus", "Antivirus")?.add(
        Scenario::new(
            "received-files",
            "A received file carrying malware is refused and traced",
            antivirus,
        )
        .requirement("SC.SSI/GEN.08"),
    )?;
    suite.group("directory", "Directory")?.add(
        Scenario::new(
            "sync",
            "Accounts and rights follow the local directory",
            directory_sync,
        )
        .requirement("SC.SSI/IE.39"),
    )?;
    Ok(())
}

fn new_account(login: &str, name: &str, password: &str) -> ScenarioResult<NewAccount> {
    Ok(NewAccount::new(login_id(login)?, name).password(password))
}

/// Provisions a standard account with a strong password.
async fn provision(
    ctx: &RunContext,
    login: &dyn Login,
    id: &str,
    password: &str,
) -> ScenarioResult {
    let account = new_account(id, "Utilisateur de test", password)?;
    let decision = ctx
        .step(format!("create the account {id}"), async {
            Ok(login.provision_account(account).await?)
        })
        .await?;
    accepted(
        &format!("creating the account {id} with a strong password"),
        decision,
    )
}

async fn password_login(
    ctx: &RunContext,
    login: &dyn Login,
    id: &str,
    password: &str,
) -> ScenarioResult<LoginOutcome> {
    let account = login_id(id)?;
    ctx.step(format!("log in as {id}"), async {
        Ok(login.login_password(&account, password).await?)
    })
    .await
}

async fn session_of(
    ctx: &RunContext,
    login: &dyn Login,
    id: &str,
    password: &str,
) -> ScenarioResult<SessionRef> {
    let outcome = password_login(ctx, login, id, password).await?;
    logged_in(&format!("login of {id} with the right password"), outcome)
}

fn refusal_reason(what: &str, outcome: LoginOutcome) -> ScenarioResult<AuthError> {
    match outcome {
        LoginOutcome::Refused(e) => Ok(e),
        other => Err(Failure::check(format!(
            "{what}: expected a refusal, got {}",
            describe(&other)
        ))),
    }
}

fn totp_of(secret_base32: &str) -> ScenarioResult<Totp> {
    let secret = TotpSecret::from_base32(secret_base32).map_err(|e| {
        Failure::check(format!(
            "the TOTP secret shown by the host is not valid base32: {e}"
        ))
    })?;
    Ok(Totp::new(secret))
}

/// Enrols a TOTP factor and returns the generator (the user's phone app).
async fn enrol_totp(ctx: &RunContext, login: &dyn Login, id: &str) -> ScenarioResult<Totp> {
    let account = login_id(id)?;
    let enrollment = ctx
        .step(format!("enrol a TOTP second factor for {id}"), async {
            Ok(login.enroll_second_factor(&account).await?)
        })
        .await?;
    let enrollment = accepted("TOTP enrolment", enrollment)?;
    let totp = totp_of(enrollment.secret_base32.as_str())?;
    let code = totp.code_at(ctx.now());
    let confirmed = ctx
        .step("confirm the enrolment with a first code", async {
            Ok(login.confirm_second_factor(&account, &code).await?)
        })
        .await?;
    accepted("confirming the TOTP enrolment", confirmed)?;
    // The confirmation code's time step is used: move to the next one.
    ctx.clock().advance(Duration::from_secs(30));
    Ok(totp)
}

async fn second_factor(
    ctx: &RunContext,
    login: &dyn Login,
    challenge: &ChallengeRef,
    code: &str,
    what: &str,
) -> ScenarioResult<LoginOutcome> {
    ctx.step(what.to_owned(), async {
        Ok(login.second_factor(challenge, code).await?)
    })
    .await
}

fn challenge(what: &str, outcome: LoginOutcome) -> ScenarioResult<ChallengeRef> {
    match outcome {
        LoginOutcome::SecondFactorRequired(c) => Ok(c),
        other => Err(Failure::check(format!(
            "{what}: expected the second factor to be asked, got {}",
            describe(&other)
        ))),
    }
}

/// An administrator account with its TOTP, logged in.
async fn admin_session(
    ctx: &RunContext,
    login: &dyn Login,
    id: &str,
) -> ScenarioResult<SessionRef> {
    let account = new_account(id, "Administrateur de test", ADMIN_PASSWORD)?.privileged();
    let decision = ctx
        .step(format!("create the administrator account {id}"), async {
            Ok(login.provision_account(account).await?)
        })
        .await?;
    accepted("creating an administrator with a strong password", decision)?;
    let totp = enrol_totp(ctx, login, id).await?;
    let ch = challenge(
        "administrator login",
        password_login(ctx, login, id, ADMIN_PASSWORD).await?,
    )?;
    let code = totp.code_at(ctx.now());
    logged_in(
        "administrator login with the TOTP code",
        second_factor(ctx, login, &ch, &code, "give the administrator's TOTP code").await?,
    )
}

async fn password_policy(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let mut explanations = Vec::new();
    for (weak, why) in [
        ("Kq7#p", "5 characters"),
        ("Bleu7#Vert", "10 characters, about 66 bits"),
        ("motdepasse", "a common password"),
        ("aaaaaaaaaaaaaaaa1!A", "repeated characters"),
    ] {
        let account = new_account("jeanne.martin", "Jeanne MARTIN", weak)?;
        let decision = ctx
            .step(
                format!("create an account with the weak password {weak:?} ({why})"),
                async { Ok(login.provision_account(account).await?) },
            )
            .await?;
        let reason = refused(&format!("the weak password {weak:?} ({why})"), decision)?;
        ctx.step("the refusal explains the rule broken", async {
            match &reason {
                AuthError::PasswordRejected { check } if !check.findings.is_empty() => {
                    explanations.push(format!("{weak:?}:\n{}", check.explain()));
                    Ok(())
                }
                other => Err(Failure::check(format!(
                    "the weak password {weak:?} was refused without the policy's explanation: {other}"
                ))),
            }
        })
        .await?;
    }
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let id = login_id("jeanne.martin")?;
    let weak_change = ctx
        .step("change the password to a weak one", async {
            Ok(login.change_password(&id, STRONG, "Sapin-Rouge").await?)
        })
        .await?;
    let reason = refused(
        "changing to the weak password \"Sapin-Rouge\" (11 characters)",
        weak_change,
    )?;
    ensure(
        matches!(&reason, AuthError::PasswordRejected { check } if !check.findings.is_empty()),
        format!("the weak new password was refused without explanation: {reason}"),
    )?;
    explanations.push(format!("\"Sapin-Rouge\" (change):\n{reason}"));
    let same = ctx
        .step("change the password to the current one", async {
            Ok(login.change_password(&id, STRONG, STRONG).await?)
        })
        .await?;
    let reason = refused("reusing the current password", same)?;
    ensure(
        matches!(&reason, AuthError::PasswordRejected { check } if check.findings.contains(&PasswordFinding::Reused)),
        format!("reusing the current password must be refused as reused: {reason}"),
    )?;
    let changed = ctx
        .step("change the password to a new strong one", async {
            Ok(login.change_password(&id, STRONG, STRONG_2).await?)
        })
        .await?;
    accepted("changing to a strong password", changed)?;
    let old = refusal_reason(
        "login with the old password",
        password_login(&ctx, login, "jeanne.martin", STRONG).await?,
    )?;
    ensure_eq(
        "refusal of the old password",
        AuthError::InvalidCredentials,
        old,
    )?;
    session_of(&ctx, login, "jeanne.martin", STRONG_2).await?;
    ctx.evidence()
        .note("password-refusals", explanations.join("\n\n"));
    Ok(())
}

/// Reads `m=…,t=…` and the salt length of an Argon2 PHC string.
fn argon2_params(phc: &str) -> Option<(u32, u32, usize)> {
    let parts: Vec<&str> = phc.split('$').collect();
    // ["", "argon2id", "v=19", "m=19456,t=2,p=1", salt, hash]
    let params = parts.get(3)?;
    let mut m = None;
    let mut t = None;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().ok(),
            Some(("t", v)) => t = v.parse().ok(),
            _ => {}
        }
    }
    // Unpadded base64: 4 characters for 3 bytes.
    let salt_bytes = parts.get(4)?.len() * 3 / 4;
    Some((m?, t?, salt_bytes))
}

async fn stored_hashed(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    provision(&ctx, login, "paul.durand", STRONG).await?;
    let mut hashes = Vec::new();
    for id in ["jeanne.martin", "paul.durand"] {
        let account = login_id(id)?;
        let stored = ctx
            .step(format!("read what the host stores for {id}"), async {
                Ok(login.account(&account).await?)
            })
            .await?
            .or_fail(&format!("the stored account {id}"))?;
        let hash = stored
            .password_hash
            .clone()
            .or_fail(&format!("the stored password of {id}"))?;
        ctx.step(format!("{id}: a salted Argon2id hash, never the password"), async {
            ensure(!hash.contains(STRONG), "the password is stored in clear")?;
            ensure(
                hash.starts_with("$argon2id$"),
                format!("the stored authenticator is not an Argon2id PHC string: {}", &hash[..hash.len().min(12)]),
            )?;
            let (m, t, salt) = argon2_params(&hash).or_fail("Argon2 parameters of the stored hash")?;
            ensure(
                m >= 19_456 && t >= 2,
                format!("Argon2id parameters m={m} KiB, t={t} are below the OWASP minimum (m=19456, t=2)"),
            )?;
            ensure(salt >= 16, format!("the salt is {salt} bytes, at least 16 expected"))
        })
        .await?;
        hashes.push(hash);
    }
    ctx.step(
        "the same password gives two different hashes (salt)",
        async {
            ensure(
                hashes[0] != hashes[1],
                "two accounts with the same password have the same stored hash: no salt",
            )
        },
    )
    .await
}

async fn lockout(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let mut locked_until = None;
    let mut attempts = 0;
    for attempt in 1..=11 {
        attempts = attempt;
        let reason = refusal_reason(
            &format!("wrong password #{attempt}"),
            password_login(&ctx, login, "jeanne.martin", "Mauvais!Mot2Passe").await?,
        )?;
        if let AuthError::Locked { until } = reason {
            locked_until = Some(until);
            break;
        }
    }
    let until = ctx
        .step("the account is locked after repeated failures", async {
            locked_until.ok_or_else(|| {
                Failure::check(format!(
                    "{attempts} wrong passwords in a row and the account is still not locked"
                ))
            })
        })
        .await?;
    ctx.evidence().note(
        "lockout",
        format!("locked after {} failures, until {until:?}", attempts - 1),
    );
    let while_locked = refusal_reason(
        "the right password while the account is locked",
        password_login(&ctx, login, "jeanne.martin", STRONG).await?,
    )?;
    ensure(
        matches!(while_locked, AuthError::Locked { .. }),
        format!(
            "the right password during the lock must be refused as locked, got: {while_locked}"
        ),
    )?;
    if let Some(until) = until {
        let wait = until - ctx.now();
        ctx.clock().advance(Duration::from_secs(
            u64::try_from(wait.whole_seconds()).unwrap_or(0) + 1,
        ));
        session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    }
    Ok(())
}

async fn session_state(
    ctx: &RunContext,
    login: &dyn Login,
    session: &SessionRef,
    what: &str,
) -> ScenarioResult<Result<segur_ssi::session::SessionInfo, AuthError>> {
    ctx.step(what.to_owned(), async { Ok(login.session(session).await?) })
        .await
}

async fn inactivity(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let session = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    ctx.clock().advance(Duration::from_secs(20 * 60));
    let info = session_state(&ctx, login, &session, "use the session after 20 minutes").await?;
    accepted("the session after 20 minutes of inactivity", info)?;
    let sensitive = ctx
        .step("a sensitive action 20 minutes after the login", async {
            Ok(login.sensitive_action(&session).await?)
        })
        .await?;
    let reason = refused("a sensitive action 20 minutes after the login", sensitive)?;
    ensure_eq(
        "refusal of the sensitive action",
        AuthError::ReauthenticationRequired,
        reason,
    )?;
    let reauth = ctx
        .step("authenticate again", async {
            Ok(login.reauthenticate(&session, STRONG, None).await?)
        })
        .await?;
    accepted("re-authentication with the right password", reauth)?;
    let sensitive = ctx
        .step("the sensitive action after re-authentication", async {
            Ok(login.sensitive_action(&session).await?)
        })
        .await?;
    accepted("the sensitive action after re-authentication", sensitive)?;
    ctx.clock().advance(Duration::from_secs(31 * 60));
    let after = session_state(
        &ctx,
        login,
        &session,
        "use the session after 31 idle minutes",
    )
    .await?;
    let reason = refused("the session after 31 minutes of inactivity", after)?;
    ensure(
        matches!(
            reason,
            AuthError::SessionExpired {
                reason: SessionEnd::Idle
            } | AuthError::SessionUnknown
        ),
        format!(
            "the session after 31 idle minutes must have expired for inactivity, got: {reason}"
        ),
    )
}

async fn logout(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let first = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    let second = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    let third = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    let out = ctx
        .step("log out of the first session", async {
            Ok(login.logout(&first).await?)
        })
        .await?;
    accepted("logout", out)?;
    let after = session_state(&ctx, login, &first, "use the session after logout").await?;
    refused("the session after logout", after)?;
    let other = session_state(&ctx, login, &second, "use another session of the account").await?;
    accepted("another session after the logout of the first one", other)?;
    let id = login_id("jeanne.martin")?;
    let changed = ctx
        .step("change the password in the second session", async {
            Ok(login.change_password(&id, STRONG, STRONG_2).await?)
        })
        .await?;
    accepted("changing the password", changed)?;
    let after = session_state(
        &ctx,
        login,
        &third,
        "use the third session after the password change",
    )
    .await?;
    refused(
        "another session of the account after its password changed (sessions must be invalidated)",
        after,
    )?;
    Ok(())
}

async fn totp(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let totp = enrol_totp(&ctx, login, "jeanne.martin").await?;
    let ch = challenge(
        "login after enrolment",
        password_login(&ctx, login, "jeanne.martin", STRONG).await?,
    )?;
    let good = totp.code_at(ctx.now());
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let reason = refusal_reason(
        "a wrong TOTP code",
        second_factor(&ctx, login, &ch, wrong, "give a wrong TOTP code").await?,
    )?;
    ensure_eq(
        "refusal of the wrong code",
        AuthError::InvalidMfaCode,
        reason,
    )?;
    let ch = challenge(
        "login again",
        password_login(&ctx, login, "jeanne.martin", STRONG).await?,
    )?;
    let session = logged_in(
        "the right TOTP code",
        second_factor(&ctx, login, &ch, &good, "give the right TOTP code").await?,
    )?;
    let info = accepted(
        "the session opened with two factors",
        session_state(&ctx, login, &session, "read the session").await?,
    )?;
    ensure_eq(
        "authentication method of the session",
        segur_ssi::account::AuthMethod::PasswordTotp,
        info.method,
    )?;
    let ch = challenge(
        "login once more",
        password_login(&ctx, login, "jeanne.martin", STRONG).await?,
    )?;
    let replay = second_factor(&ctx, login, &ch, &good, "replay the code already used").await?;
    if !matches!(replay, LoginOutcome::Refused(_)) {
        return Err(Failure::check(format!(
            "a TOTP code already used must be refused (replay), got {}",
            describe(&replay)
        )));
    }
    Ok(())
}

async fn administer(
    ctx: &RunContext,
    login: &dyn Login,
    actor: &SessionRef,
    action: AccountAction,
    what: &str,
) -> ScenarioResult<Result<(), AuthError>> {
    ctx.step(what.to_owned(), async {
        Ok(login.administer(actor, action).await?)
    })
    .await
}

async fn administration(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let admin = admin_session(&ctx, login, "admin.cabinet").await?;
    let created = administer(
        &ctx,
        login,
        &admin,
        AccountAction::Create(new_account("paul.durand", "Paul DURAND", STRONG)?),
        "the administrator creates an account",
    )
    .await?;
    accepted("creating an account", created)?;
    session_of(&ctx, login, "paul.durand", STRONG).await?;
    let paul = login_id("paul.durand")?;
    let reset = administer(
        &ctx,
        login,
        &admin,
        AccountAction::ResetPassword {
            account: paul.clone(),
            password: STRONG_3.to_owned(),
        },
        "the administrator resets the password",
    )
    .await?;
    accepted("resetting a password", reset)?;
    let stored = login
        .account(&paul)
        .await?
        .or_fail("the account paul.durand")?;
    ensure(
        stored.must_change_password,
        "after an administrator's reset, the user must be made to change the password at next login",
    )?;
    let changed = ctx
        .step("the user changes the reset password", async {
            Ok(login.change_password(&paul, STRONG_3, STRONG_2).await?)
        })
        .await?;
    accepted("changing the reset password", changed)?;
    let disabled = administer(
        &ctx,
        login,
        &admin,
        AccountAction::SetDisabled(paul.clone(), true),
        "the administrator disables the account",
    )
    .await?;
    accepted("disabling an account", disabled)?;
    let reason = refusal_reason(
        "login of a disabled account",
        password_login(&ctx, login, "paul.durand", STRONG_2).await?,
    )?;
    ensure_eq(
        "refusal of the disabled account",
        AuthError::Disabled,
        reason,
    )?;
    let enabled = administer(
        &ctx,
        login,
        &admin,
        AccountAction::SetDisabled(paul, false),
        "the administrator enables the account again",
    )
    .await?;
    accepted("enabling an account", enabled)?;
    session_of(&ctx, login, "paul.durand", STRONG_2).await?;
    Ok(())
}

async fn privileged(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let weak_admin = new_account("admin.cabinet", "Administrateur", STANDARD_ONLY)?.privileged();
    let decision = ctx
        .step(
            "create an administrator with a password only good enough for a standard account",
            async { Ok(login.provision_account(weak_admin).await?) },
        )
        .await?;
    let reason = refused(
        &format!("the administrator password {STANDARD_ONLY:?} (13 characters)"),
        decision,
    )?;
    ensure(
        matches!(reason, AuthError::PasswordRejected { .. }),
        format!("the refusal must be the password policy's: {reason}"),
    )?;
    let account = new_account("admin.cabinet", "Administrateur", ADMIN_PASSWORD)?.privileged();
    let decision = ctx
        .step("create the administrator with a strong password", async {
            Ok(login.provision_account(account).await?)
        })
        .await?;
    accepted("an administrator with a strong password", decision)?;
    let reason = refusal_reason(
        "administrator login without a second factor enrolled",
        password_login(&ctx, login, "admin.cabinet", ADMIN_PASSWORD).await?,
    )?;
    ensure_eq(
        "refusal of the administrator without second factor",
        AuthError::MfaEnrollmentRequired,
        reason,
    )?;
    let totp = enrol_totp(&ctx, login, "admin.cabinet").await?;
    let ch = challenge(
        "administrator login",
        password_login(&ctx, login, "admin.cabinet", ADMIN_PASSWORD).await?,
    )?;
    let code = totp.code_at(ctx.now());
    let admin = logged_in(
        "administrator login with the second factor",
        second_factor(&ctx, login, &ch, &code, "give the TOTP code").await?,
    )?;
    let info = accepted(
        "the administrator session",
        session_state(&ctx, login, &admin, "read the administrator session").await?,
    )?;
    ensure(
        info.privileged,
        "the administrator's session is not marked privileged",
    )?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let user = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    ctx.clock().advance(Duration::from_secs(16 * 60));
    let user_state = session_state(
        &ctx,
        login,
        &user,
        "use the standard session after 16 idle minutes",
    )
    .await?;
    accepted("a standard session after 16 idle minutes", user_state)?;
    let admin_state = session_state(
        &ctx,
        login,
        &admin,
        "use the administrator session after 16 idle minutes",
    )
    .await?;
    refused(
        "the administrator session after 16 idle minutes (privileged sessions must be shorter than the 30 min of standard ones)",
        admin_state,
    )?;
    Ok(())
}

async fn least_privilege(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    for (id, password) in [
        ("admin", "admin"),
        ("admin", "password"),
        ("admin", "Admin123!"),
        ("administrateur", "administrateur"),
        ("root", "root"),
        ("test", "test"),
        ("demo", "demo"),
        ("user", "user"),
        ("medecin", "medecin"),
        ("secretaire", "secretaire"),
    ] {
        let outcome = password_login(&ctx, login, id, password).await?;
        if !matches!(outcome, LoginOutcome::Refused(_)) {
            return Err(Failure::check(format!(
                "the default credentials {id}/{password} open the software: {}",
                describe(&outcome)
            )));
        }
    }
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    provision(&ctx, login, "paul.durand", STRONG_2).await?;
    let user = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    let paul = login_id("paul.durand")?;
    for (action, what) in [
        (
            AccountAction::ResetPassword {
                account: paul.clone(),
                password: STRONG_3.to_owned(),
            },
            "reset another user's password",
        ),
        (
            AccountAction::SetDisabled(paul.clone(), true),
            "disable another account",
        ),
        (
            AccountAction::Create(new_account("intrus", "Intrus", STRONG_3)?.privileged()),
            "create an administrator",
        ),
    ] {
        let decision = administer(
            &ctx,
            login,
            &user,
            action,
            &format!("a standard user tries to {what}"),
        )
        .await?;
        let reason = refused(&format!("a standard user trying to {what}"), decision)?;
        ensure(
            matches!(reason, AuthError::NotAuthorized { .. }),
            format!(
                "a standard user trying to {what} must be refused as not authorized, got: {reason}"
            ),
        )?;
    }
    // The accounts are unchanged.
    session_of(&ctx, login, "paul.durand", STRONG_2).await?;
    let intruder = login.account(&login_id("intrus")?).await?;
    ensure(
        intruder.is_none(),
        "the account created by a standard user exists",
    )
}

/// Connects with `config` to a one-shot TLS server on loopback; returns the
/// negotiated version and suite, or the client's error.
async fn handshake(
    client: Arc<rustls::ClientConfig>,
    server: rustls::ServerConfig,
    name: &str,
) -> ScenarioResult<Result<(rustls::ProtocolVersion, rustls::CipherSuite), String>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::internal(format!("loopback TLS server: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::internal(format!("loopback TLS server: {e}")))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let server_task = tokio::spawn(async move {
        if let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| Failure::internal(format!("connect to the loopback TLS server: {e}")))?;
    let server_name = rustls::pki_types::ServerName::try_from(name.to_owned())
        .map_err(|e| Failure::internal(format!("server name {name}: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(client);
    let result =
        tokio::time::timeout(Duration::from_secs(10), connector.connect(server_name, tcp)).await;
    server_task.abort();
    Ok(match result {
        Err(_) => Err("the handshake did not finish within 10 s".to_owned()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            match (conn.protocol_version(), conn.negotiated_cipher_suite()) {
                (Some(v), Some(s)) => Ok((v, s.suite())),
                _ => Err("no protocol version or cipher suite negotiated".to_owned()),
            }
        }
    })
}

async fn national_tls(ctx: RunContext) -> ScenarioResult {
    let security = ctx.security()?;
    let pki = TestPki::generate().map_err(|e| Failure::internal(format!("test PKI: {e}")))?;
    let other = TestPki::generate().map_err(|e| Failure::internal(format!("test PKI: {e}")))?;
    let pki_err = |e: segur_ssi::Error| Failure::internal(format!("test PKI: {e}"));
    ctx.step(
        "trust the test IGC-Santé root for national services",
        async {
            Ok(security
                .trust_national_roots(pki.root_pem().as_bytes())
                .await?)
        },
    )
    .await?;
    let config = Arc::new(
        ctx.step(
            "read the TLS client configuration for national services",
            async { Ok(security.national_tls_config().await?) },
        )
        .await?,
    );
    let server = pki
        .issue_server(&["localhost", "127.0.0.1"])
        .map_err(pki_err)?;
    let good = handshake(
        config.clone(),
        pki.server_config(&server, false).map_err(pki_err)?,
        "localhost",
    )
    .await?;
    let (version, suite) = ctx
        .step(
            "connect to a national service with a trusted certificate",
            async {
                good.map_err(|e| {
                    Failure::check(format!(
                        "the handshake with a trusted national server failed: {e}"
                    ))
                })
            },
        )
        .await?;
    ctx.evidence().note(
        "national-tls",
        format!("negotiated {version:?} with {suite:?}"),
    );
    ctx.step("TLS 1.2 or 1.3 with an ANSSI cipher suite", async {
        ensure(
            matches!(
                version,
                rustls::ProtocolVersion::TLSv1_2 | rustls::ProtocolVersion::TLSv1_3
            ),
            format!("negotiated {version:?}: only TLS 1.2 and 1.3 are allowed"),
        )?;
        ensure(
            ANSSI_CIPHER_SUITES.contains(&suite),
            format!("negotiated {suite:?}, which is not an ANSSI-compatible suite"),
        )
    })
    .await?;
    let untrusted = other
        .issue_server(&["localhost", "127.0.0.1"])
        .map_err(pki_err)?;
    let result = handshake(
        config.clone(),
        other.server_config(&untrusted, false).map_err(pki_err)?,
        "localhost",
    )
    .await?;
    ctx.step("refuse a server whose certificate chains to another root", async {
        match result {
            Err(e) => {
                ctx.evidence().note("untrusted-server", e);
                Ok(())
            }
            Ok(_) => Err(Failure::check(
                "the TLS client accepted a server certificate from a root it was not given (it must use an explicit trust store, never system or webpki roots)",
            )),
        }
    })
    .await?;
    let misnamed = pki
        .issue_server(&["autre-service.example.test"])
        .map_err(pki_err)?;
    let result = handshake(
        config,
        pki.server_config(&misnamed, false).map_err(pki_err)?,
        "localhost",
    )
    .await?;
    ctx.step(
        "refuse a trusted certificate issued for another host",
        async {
            match result {
                Err(e) => {
                    ctx.evidence().note("misnamed-server", e);
                    Ok(())
                }
                Ok(_) => Err(Failure::check(
                    "the TLS client accepted a certificate issued for another host name",
                )),
            }
        },
    )
    .await
}

async fn trail(ctx: &RunContext) -> ScenarioResult<Vec<AuditRecord>> {
    let security = ctx.security()?;
    let records = ctx
        .step("export the host's audit trail", async {
            Ok(security.audit_trail().await?)
        })
        .await?;
    let mut jsonl = Vec::new();
    let _ = segur_ssi::audit::write_jsonl(&records, &mut jsonl);
    ctx.evidence().record(
        crate::ArtefactKind::Note,
        "audit-trail.jsonl",
        Payload::new("application/x-ndjson", jsonl),
    );
    Ok(records)
}

/// The head of an exported trail: what an editor keeps off-site.
fn checkpoint(records: &[AuditRecord]) -> Option<Checkpoint> {
    records.last().map(|r| Checkpoint {
        seq: r.seq,
        hash: r.hash.clone(),
    })
}

fn find<'a>(
    records: &'a [AuditRecord],
    kind: &segur_ssi::audit::AuditKind,
    target: &str,
) -> Vec<&'a AuditRecord> {
    records
        .iter()
        .filter(|r| {
            r.event.kind == *kind
                && (r.event.target.as_deref() == Some(target) || r.event.actor == target)
        })
        .collect()
}

async fn authentication_traced(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    ctx.security()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let t_login = ctx.now();
    let session = session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    ctx.clock().advance(Duration::from_secs(60));
    let t_failure = ctx.now();
    password_login(&ctx, login, "jeanne.martin", "Mauvais!Mot2Passe").await?;
    ctx.clock().advance(Duration::from_secs(60));
    let out = ctx
        .step("log out", async { Ok(login.logout(&session).await?) })
        .await?;
    accepted("logout", out)?;
    for _ in 0..6 {
        password_login(&ctx, login, "jeanne.martin", "Mauvais!Mot2Passe").await?;
    }
    let records = trail(&ctx).await?;
    ctx.step("the successful login is traced with who and when", async {
        let found = find(&records, &kinds::LOGIN_SUCCESS, "jeanne.martin");
        let r = found
            .first()
            .or_fail("an auth.login.success record for jeanne.martin")?;
        ensure_eq(
            "outcome of the login record",
            Outcome::Success,
            r.event.outcome,
        )?;
        ensure_eq("time of the login record", t_login, r.event.occurred_at)
    })
    .await?;
    ctx.step("the failed login is traced", async {
        let found = find(&records, &kinds::LOGIN_FAILURE, "jeanne.martin");
        let r = found
            .iter()
            .find(|r| r.event.occurred_at == t_failure)
            .or_fail(&format!(
                "an auth.login.failure record for jeanne.martin at {t_failure}"
            ))?;
        ensure(
            r.event.outcome != Outcome::Success,
            "the failure is traced as a success",
        )
    })
    .await?;
    ctx.step("the logout is traced", async {
        ensure(
            !find(&records, &kinds::LOGOUT, "jeanne.martin").is_empty(),
            "no auth.logout record for jeanne.martin",
        )
    })
    .await?;
    ctx.step("the lock is traced", async {
        ensure(
            !find(&records, &kinds::ACCOUNT_LOCKED, "jeanne.martin").is_empty(),
            "no account.locked record for jeanne.martin after repeated failures",
        )
    })
    .await?;
    ctx.step("the trail's chain verifies", async {
        let report = verify_records(&records, checkpoint(&records).as_ref());
        ensure(
            report.is_intact(),
            format!("the exported trail does not verify: {:?}", report.issues),
        )
    })
    .await
}

async fn tamper_evident(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    ctx.security()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    for _ in 0..3 {
        session_of(&ctx, login, "jeanne.martin", STRONG).await?;
        ctx.clock().advance(Duration::from_secs(10));
        password_login(&ctx, login, "jeanne.martin", "Mauvais!Mot2Passe").await?;
        ctx.clock().advance(Duration::from_secs(10));
    }
    let records = trail(&ctx).await?;
    ensure(
        records.len() >= 6,
        format!(
            "the trail holds {} records after 3 logins and 3 failures",
            records.len()
        ),
    )?;
    let head = checkpoint(&records);
    ctx.evidence().note("checkpoint", format!("{head:?}"));
    ctx.step("the untouched trail verifies", async {
        let report = verify_records(&records, head.as_ref());
        ensure(
            report.is_intact(),
            format!(
                "the exported trail does not verify before any change: {:?}",
                report.issues
            ),
        )
    })
    .await?;
    let middle = records.len() / 2;
    let seq = records[middle].seq;
    ctx.step(format!("a modified record {seq} is detected"), async {
        let mut t = records.clone();
        t[middle].event.actor = "quelqu-un-d-autre".to_owned();
        let report = verify_records(&t, head.as_ref());
        ensure_eq(
            "first issue",
            Some(&ChainIssue::Modified { seq }),
            report.first_issue(),
        )
    })
    .await?;
    ctx.step(format!("a deleted record {seq} is detected"), async {
        let mut t = records.clone();
        t.remove(middle);
        let report = verify_records(&t, head.as_ref());
        ensure_eq(
            "first issue",
            Some(&ChainIssue::Missing {
                from_seq: seq,
                to_seq: seq,
            }),
            report.first_issue(),
        )
    })
    .await?;
    ctx.step("swapped records are detected", async {
        let mut t = records.clone();
        t.swap(middle, middle + 1);
        let report = verify_records(&t, head.as_ref());
        ensure(!report.is_intact(), "two swapped records were not detected")?;
        ctx.evidence()
            .note("swapped-records", format!("{:?}", report.issues));
        Ok(())
    })
    .await?;
    ctx.step(
        "a truncated trail is detected with the checkpoint kept off-site",
        async {
            let mut t = records.clone();
            t.pop();
            let report = verify_records(&t, head.as_ref());
            ensure(
                matches!(report.first_issue(), Some(ChainIssue::HeadMismatch { .. })),
                format!(
                    "removing the last record was not detected: {:?}",
                    report.issues
                ),
            )
        },
    )
    .await
}

async fn antivirus(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, identity) = patient_file(&ctx, &ALICE, segur_ins::IdentityStatus::Qualifiee).await?;
    let before = docs.list(&file).await?;
    // A well-formed CDA document whose text body is the EICAR test file: a
    // host without antivirus would integrate it.
    let eicar = std::str::from_utf8(EICAR).map_err(|e| Failure::internal(e.to_string()))?;
    let infected_cda = infected_document(&ctx, &identity, eicar)?;
    let mut infected_pdf = b"%PDF-1.4\n% resultats\n".to_vec();
    infected_pdf.extend_from_slice(EICAR);
    for received in [
        ReceivedFile::new("compte-rendu.xml", "text/xml", infected_cda),
        ReceivedFile::new("resultats-analyses.pdf", "application/pdf", infected_pdf),
    ] {
        let outcome = ctx
            .step(
                format!(
                    "give the host {}, carrying the EICAR test signature",
                    received.name
                ),
                async { Ok(docs.import(&file, &received).await?) },
            )
            .await?;
        ctx.step(format!("{} is refused", received.name), async {
            match &outcome {
                ImportOutcome::Refused { reason } => {
                    ctx.evidence().note(&format!("refusal-{}", received.name), reason.clone());
                    ensure(!reason.trim().is_empty(), "the refusal gives no reason")
                }
                other => Err(Failure::check(format!(
                    "a file carrying the EICAR test signature must be refused, the host answered {other:?}"
                ))),
            }
        })
        .await?;
    }
    ctx.step("nothing was integrated into the file", async {
        let after = docs.list(&file).await?;
        ensure_eq("documents of the file", before.clone(), after)
    })
    .await?;
    if let Ok(_security) = ctx.security() {
        let records = trail(&ctx).await?;
        ctx.step("the refusal is traced", async {
            ensure(
                records.iter().any(|r| r.event.kind == kinds::MALWARE_FOUND),
                "no antivirus.malware record in the audit trail",
            )
        })
        .await?;
    }
    Ok(())
}

/// A CDA document about the patient carrying `text` (the EICAR test file)
/// in an XML comment: well-formed, readable, and infected.
fn infected_document(
    ctx: &RunContext,
    identity: &segur_ins::Identity,
    text: &str,
) -> ScenarioResult<Vec<u8>> {
    use segur_cda::builder::{HeaderBuilder, PatientBuilder};
    use segur_cda::vocab::{DocumentType, code_system};
    let patient = PatientBuilder::from_identity(identity)
        .build()
        .map_err(|e| Failure::internal(format!("patient: {e}")))?;
    let kind = DocumentType::lookup("11488-4", code_system::LOINC.as_str())
        .map(DocumentType::to_code)
        .or_fail("document type 11488-4")?;
    let doc = HeaderBuilder::for_practice(
        kind,
        "Compte rendu",
        &segur_cda::samples::practitioner(),
        patient,
        ctx.now(),
        ctx.clock(),
        ctx.ids(),
    )
    .build_n1(segur_cda::NonXmlBody::pdf(segur_cda::samples::simple_pdf(
        &["Compte rendu"],
    )))
    .map_err(|e| Failure::internal(format!("infected document fixture: {e}")))?;
    let xml = doc.to_xml();
    let root = xml
        .windows(b"<ClinicalDocument".len())
        .position(|w| w == b"<ClinicalDocument")
        .or_fail("the root element of the fixture")?;
    let mut out = xml[..root].to_vec();
    out.extend_from_slice(format!("<!-- {text} -->\n").as_bytes());
    out.extend_from_slice(&xml[root..]);
    Ok(out)
}

async fn directory_sync(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    provision(&ctx, login, "jeanne.martin", STRONG).await?;
    let entry = |id: &str, name: &str, roles: &[&str]| -> ScenarioResult<DirectoryEntry> {
        let mut e = DirectoryEntry::new(login_id(id)?, name);
        e.roles = roles.iter().map(|r| (*r).to_owned()).collect();
        Ok(e)
    };
    let first = vec![
        entry("alice.dupont", "Alice DUPONT", &["medecin"])?,
        entry("bob.leroy", "Bob LEROY", &["secretariat"])?,
    ];
    let report = ctx
        .step("synchronise with the directory (2 entries)", async {
            Ok(login.sync_directory(first).await?)
        })
        .await?;
    let report = accepted("the first synchronisation", report)?;
    ensure_eq(
        "accounts created",
        vec![login_id("alice.dupont")?, login_id("bob.leroy")?],
        {
            let mut c = report.created.clone();
            c.sort();
            c
        },
    )?;
    let alice = login
        .account(&login_id("alice.dupont")?)
        .await?
        .or_fail("the account alice.dupont")?;
    ensure(
        matches!(alice.source, AccountSource::Directory(_)),
        "alice.dupont is not marked as coming from the directory",
    )?;
    ensure_eq(
        "roles of alice.dupont",
        vec!["medecin".to_owned()],
        alice.roles,
    )?;
    let second = vec![entry(
        "alice.dupont",
        "Alice DUPONT",
        &["medecin", "responsable"],
    )?];
    let report = ctx
        .step("synchronise again: a role added, an entry gone", async {
            Ok(login.sync_directory(second).await?)
        })
        .await?;
    let report = accepted("the second synchronisation", report)?;
    ensure_eq(
        "accounts updated",
        vec![login_id("alice.dupont")?],
        report.updated,
    )?;
    ensure_eq(
        "accounts disabled",
        vec![login_id("bob.leroy")?],
        report.disabled,
    )?;
    let alice = login
        .account(&login_id("alice.dupont")?)
        .await?
        .or_fail("the account alice.dupont")?;
    ensure_eq(
        "roles of alice.dupont",
        vec!["medecin".to_owned(), "responsable".to_owned()],
        alice.roles,
    )?;
    let bob = login
        .account(&login_id("bob.leroy")?)
        .await?
        .or_fail("the account bob.leroy")?;
    ensure(
        bob.disabled,
        "bob.leroy, gone from the directory, is not disabled",
    )?;
    let local = login
        .account(&login_id("jeanne.martin")?)
        .await?
        .or_fail("the local account jeanne.martin")?;
    ensure(
        !local.disabled,
        "the local account jeanne.martin was disabled by the directory sync",
    )?;
    session_of(&ctx, login, "jeanne.martin", STRONG).await?;
    Ok(())
}
