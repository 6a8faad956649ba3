//! Suite `psc`: Pro Santé Connect, against the `segur_psc::sim` simulator
//! started on loopback with the scenario's clock ([`PscSim`]); every request
//! and response it sees is recorded as evidence.
//!
//! The runner plays the professional's browser: it follows the
//! authorization URL the host opens to the simulator (which authenticates the
//! test professional at once) and delivers the redirect to the host's
//! loopback redirect URI.
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `psc.login.authorization-code` | SC.PSC.01, SC.PSC.10, SC.SSI/IE.30 | the host identifies the professional with the OpenID Connect authorization code flow (state, nonce, PKCE S256, `acr_values=eidas1`) and opens the session of the professional's account; a forged `state` is refused |
//! | `psc.login.unknown-professional` | SC.PSC.01 | a professional authenticated by PSC but unknown to the software gets no session |
//! | `psc.link.first-login` | SC.PSC.02 | at the first login the PSC identity is linked to the existing local account after one local password check; later logins are direct |
//! | `psc.session.service-tokens` | SC.PSC.08 | the PSC session gives tokens for PSC and, by token exchange, for the DMP, refreshed without a new login |
//! | `psc.sso.silent` | SC.PSC.11 | the host logs in silently (`prompt=none`) on a PSC session opened by other software, and its own login lets other software in silently |
//! | `psc.ciba.login` | SC.PSC.13 | a CIBA login polls until the professional approves on their e-CPS; a refusal opens no session |

use std::sync::Arc;

use segur_ids::IdNatPs;
use segur_psc::sim::{CibaOutcome, PscSimulator, SimClient, SimExchange};
use segur_psc::{
    Audience, AuthorizationRequest, AuthorizationResponse, ClientConfig, ClientSecret, PscClient,
    ServiceExchange, TokenExchangeRequest,
};
use segur_ssi::account::NewAccount;
use url::Url;

use super::support::{describe, logged_in, login_id};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{Login, LoginOutcome, PscLoginMode, PscSetup, SessionRef};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, Payload, Registry, RunContext, Scenario};

/// The host's client id at the simulator.
pub const CLIENT_ID: &str = "lgc-conformance";
/// Its secret.
pub const CLIENT_SECRET: &str = "conformance-secret";
/// "Other software" sharing the professional's PSC session.
const OTHER_CLIENT_ID: &str = "autre-logiciel";
const OTHER_CLIENT_SECRET: &str = "autre-secret";
/// The simulator's test professional (`TestProfessional::medecin`).
pub const PROFESSIONAL: &str = "810003612545";

/// The Pro Santé Connect simulator of a scenario.
pub struct PscSim {
    sim: PscSimulator,
    http: reqwest::Client,
}

impl std::fmt::Debug for PscSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PscSim")
            .field("issuer", &self.sim.issuer())
            .finish_non_exhaustive()
    }
}

fn http_message(first_line: &str, headers: &[(String, String)], body: &[u8]) -> Payload {
    let mut out = format!("{first_line}\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Payload::new("message/http", out)
}

impl SimulatedService for PscSim {
    const NAME: &'static str = "psc";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let recorder = env.clone();
        let observer = Arc::new(move |x: &SimExchange| {
            // `POST token 200`: the endpoint after the realm's OIDC prefix.
            let path = x.uri.split('?').next().unwrap_or_default();
            let endpoint = path
                .rsplit_once("/openid-connect/")
                .map(|(_, e)| e)
                .or_else(|| path.rsplit('/').next())
                .unwrap_or(path);
            let summary = format!("{} {} {}", x.method, endpoint, x.status);
            recorder.record_exchange(
                &summary,
                http_message(
                    &format!("{} {} HTTP/1.1", x.method, x.uri),
                    &x.request_headers,
                    &x.request_body,
                ),
                Some(http_message(
                    &format!("HTTP/1.1 {}", x.status),
                    &x.response_headers,
                    &x.response_body,
                )),
            );
        });
        let sim = PscSimulator::builder()
            .client(SimClient::secret_basic(CLIENT_ID, CLIENT_SECRET))
            .client(SimClient::secret_basic(
                OTHER_CLIENT_ID,
                OTHER_CLIENT_SECRET,
            ))
            .clock(Arc::new(env.clock().clone()))
            // Polls back to back: the virtual clock does not move by itself.
            .ciba_timing(0, 120)
            .observer(observer)
            .start()
            .await
            .map_err(|e| Failure::service(e.to_string()))?;
        let tls = segur_psc::loopback_tls_config().map_err(|e| Failure::service(e.to_string()))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| Failure::service(format!("browser: {e}")))?;
        Ok(PscSim { sim, http })
    }
}

impl PscSim {
    /// The simulator.
    pub fn simulator(&self) -> &PscSimulator {
        &self.sim
    }

    /// The host's registration: this simulator, the host's client, and the
    /// DMP reached by token exchange at the simulator's token endpoint.
    pub fn setup(&self) -> ScenarioResult<PscSetup> {
        let environment = self
            .sim
            .environment()
            .map_err(|e| Failure::service(e.to_string()))?;
        let token = Url::parse(&self.sim.token_endpoint())
            .map_err(|e| Failure::service(format!("token endpoint: {e}")))?;
        Ok(PscSetup::new(
            environment,
            ClientConfig::secret_basic(CLIENT_ID, ClientSecret::new(CLIENT_SECRET)),
        )
        .service(
            Audience::Dmp,
            ServiceExchange::new(
                token,
                TokenExchangeRequest {
                    audience: Some("dmp".into()),
                    scope: Some("dmp_write".into()),
                    ..TokenExchangeRequest::default()
                },
            ),
        ))
    }

    /// The browser opens the authorization URL: returns where the provider
    /// redirects (the host's redirect URI with `code` and `state`, or an error).
    pub async fn browse(&self, url: &Url) -> ScenarioResult<Url> {
        let resp = self.http.get(url.clone()).send().await.map_err(|e| {
            Failure::check(format!("the authorization URL {url} cannot be opened: {e}"))
        })?;
        ensure(
            resp.status().is_redirection(),
            format!(
                "the provider answered {} instead of redirecting back to the host",
                resp.status()
            ),
        )?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .or_fail("Location of the provider's redirect")?;
        Url::parse(location).or_fail("the provider's redirect")
    }

    /// The browser follows the redirect to the host's redirect URI.
    pub async fn deliver(&self, redirect: &Url) -> ScenarioResult {
        ensure(
            matches!(
                redirect.host_str(),
                Some("127.0.0.1" | "localhost" | "[::1]")
            ),
            format!("the redirect URI {redirect} is not a loopback address"),
        )?;
        let resp = self.http.get(redirect.clone()).send().await.map_err(|e| {
            Failure::check(format!(
                "the host's redirect URI {redirect} did not answer: {e}"
            ))
        })?;
        ensure(
            resp.status().is_success(),
            format!("the host's redirect URI answered {}", resp.status()),
        )
    }
}

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("psc", "Pro Santé Connect")?;
    {
        let mut g = suite.group("login", "Identification")?;
        g.add(
            Scenario::new(
                "authorization-code",
                "The professional is identified with PSC by the authorization code flow",
                authorization_code,
            )
            .requirements(["SC.PSC.01", "SC.PSC.10", "SC.SSI/IE.30"]),
        )?;
        g.add(
            Scenario::new(
                "unknown-professional",
                "A professional unknown to the software gets no session",
                unknown_professional,
            )
            .requirement("SC.PSC.01"),
        )?;
    }
    suite.group("link", "Account linking")?.add(
        Scenario::new(
            "first-login",
            "The PSC identity is linked to the existing local account at the first login",
            first_login,
        )
        .requirement("SC.PSC.02"),
    )?;
    suite.group("session", "Session reuse")?.add(
        Scenario::new(
            "service-tokens",
            "The PSC session reaches national services without a new identification",
            service_tokens,
        )
        .requirement("SC.PSC.08"),
    )?;
    suite.group("sso", "Single sign-on")?.add(
        Scenario::new(
            "silent",
            "The PSC session is shared with other software (silent login both ways)",
            silent_sso,
        )
        .requirement("SC.PSC.11"),
    )?;
    suite.group("ciba", "CIBA")?.add(
        Scenario::new("login", "Login with PSC by CIBA", ciba_login).requirement("SC.PSC.13"),
    )?;
    Ok(())
}

fn professional() -> ScenarioResult<IdNatPs> {
    IdNatPs::parse(PROFESSIONAL).map_err(|e| Failure::internal(format!("test professional: {e}")))
}

/// Creates the professional's account: PSC only (no local password), or
/// with a local password.
async fn professional_account(
    ctx: &RunContext,
    login: &dyn Login,
    id: &str,
    password: Option<&str>,
) -> ScenarioResult {
    let mut account =
        NewAccount::new(login_id(id)?, "Dr Jean MEDECIN-TEST").id_nat_ps(professional()?);
    if let Some(p) = password {
        account = account.password(p);
    }
    let decision = ctx
        .step(format!("create the professional's account {id}"), async {
            Ok(login.provision_account(account).await?)
        })
        .await?;
    decision
        .map_err(|e| Failure::check(format!("creating the account {id}: the host refused: {e}")))
}

async fn configure(ctx: &RunContext, login: &dyn Login, sim: &PscSim) -> ScenarioResult {
    let setup = sim.setup()?;
    ctx.step("configure the host's PSC client", async {
        Ok(login.configure_psc(setup).await?)
    })
    .await
}

/// One PSC login through the browser; `tamper` may change the redirect.
async fn browser_login(
    ctx: &RunContext,
    login: &dyn Login,
    sim: &PscSim,
    mode: PscLoginMode,
    tamper: impl FnOnce(Url) -> Url,
) -> ScenarioResult<(Url, LoginOutcome)> {
    let url = ctx
        .step(
            "the user clicks \u{ab} Se connecter avec Pro Santé Connect \u{bb}",
            async { Ok(login.psc_start(mode).await?) },
        )
        .await?;
    let redirect = ctx
        .step("the browser opens the authorization URL", async {
            sim.browse(&url).await
        })
        .await?;
    let redirect = tamper(redirect);
    let outcome = ctx
        .step(
            "the browser returns to the host, which completes the login",
            async {
                let (delivered, finished) =
                    tokio::join!(sim.deliver(&redirect), login.psc_finish());
                let finished = finished?;
                delivered?;
                Ok(finished)
            },
        )
        .await?;
    Ok((url, outcome))
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn authorization_code(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    professional_account(&ctx, login, "dr.medecin", None).await?;
    configure(&ctx, login, &sim).await?;
    let (url, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    ctx.evidence().note("authorization-url", url.to_string());
    ctx.step(
        "the authorization request follows the code flow with PKCE",
        async {
            let wallet = sim.simulator().wallet_addr();
            ensure_eq(
                "authorization endpoint port",
                Some(wallet.port()),
                url.port(),
            )?;
            ensure_eq(
                "response_type",
                Some("code".to_owned()),
                query(&url, "response_type"),
            )?;
            ensure_eq(
                "client_id",
                Some(CLIENT_ID.to_owned()),
                query(&url, "client_id"),
            )?;
            ensure(
                query(&url, "scope").is_some_and(|s| s.split(' ').any(|x| x == "openid")),
                "the scope does not contain openid",
            )?;
            ensure(
                query(&url, "state").is_some_and(|s| s.len() >= 16),
                "no unguessable state (CSRF protection)",
            )?;
            ensure(
                query(&url, "nonce").is_some_and(|s| s.len() >= 16),
                "no unguessable nonce (replay protection)",
            )?;
            ensure_eq(
                "code_challenge_method",
                Some("S256".to_owned()),
                query(&url, "code_challenge_method"),
            )?;
            ensure(
                query(&url, "code_challenge").is_some(),
                "no PKCE code_challenge",
            )?;
            ensure_eq(
                "acr_values",
                Some("eidas1".to_owned()),
                query(&url, "acr_values"),
            )
        },
    )
    .await?;
    let session = logged_in("the PSC login", outcome)?;
    ctx.step("the session is the professional's account", async {
        let info = login
            .session(&session)
            .await?
            .map_err(|e| Failure::check(format!("the PSC session is not usable: {e}")))?;
        ensure_eq(
            "account of the session",
            login_id("dr.medecin")?,
            info.account_id,
        )?;
        ensure_eq(
            "authorization codes exchanged at PSC",
            1,
            sim.simulator().grant_count("authorization_code"),
        )
    })
    .await?;
    let (_, forged) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |mut u| {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    "etat-forge-par-un-attaquant".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
        u
    })
    .await?;
    ctx.step("a redirect with a forged state is refused", async {
        ensure(
            !matches!(forged, LoginOutcome::LoggedIn(_)),
            "the host accepted an authorization response whose state it did not issue (CSRF)",
        )?;
        ensure_eq(
            "authorization codes exchanged at PSC (the forged response must not be used)",
            1,
            sim.simulator().grant_count("authorization_code"),
        )
    })
    .await
}

async fn unknown_professional(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    configure(&ctx, login, &sim).await?;
    let (_, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    ctx.step("no session for a professional without an account", async {
        match outcome {
            LoginOutcome::LoggedIn(s) => Err(Failure::check(format!(
                "a professional authenticated by PSC but without an account in the software got the session {s}"
            ))),
            other => {
                ctx.evidence().note("refusal", describe(&other));
                Ok(())
            }
        }
    })
    .await
}

async fn first_login(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    let password = "Stethoscope!Vert42";
    professional_account(&ctx, login, "dr.jean", Some(password)).await?;
    configure(&ctx, login, &sim).await?;
    let (_, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    let challenge = ctx
        .step("the host asks for the local password once", async {
            match outcome {
                LoginOutcome::LinkConfirmationRequired(c) => Ok(c),
                other => Err(Failure::check(format!(
                    "at the first PSC login of a professional with a local account, the host must ask them to prove they own it; got {}",
                    describe(&other)
                ))),
            }
        })
        .await?;
    let wrong = ctx
        .step("a wrong local password", async {
            Ok(login
                .psc_confirm_link(&challenge, "Pas!Le-Bon-Mot2Passe")
                .await?)
        })
        .await?;
    ensure(
        !matches!(wrong, LoginOutcome::LoggedIn(_)),
        format!(
            "a wrong local password linked the PSC identity: {}",
            describe(&wrong)
        ),
    )?;
    let (_, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    let challenge = match outcome {
        LoginOutcome::LinkConfirmationRequired(c) => c,
        other => {
            return Err(Failure::check(format!(
                "after a wrong local password the link must not be recorded (the password must be asked again); got {}",
                describe(&other)
            )));
        }
    };
    let linked = ctx
        .step("the right local password", async {
            Ok(login.psc_confirm_link(&challenge, password).await?)
        })
        .await?;
    let session = logged_in("the link confirmation", linked)?;
    let info = login
        .session(&session)
        .await?
        .map_err(|e| Failure::check(format!("the session after linking is not usable: {e}")))?;
    ensure_eq(
        "account of the session",
        login_id("dr.jean")?,
        info.account_id,
    )?;
    let (_, again) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    let session = ctx
        .step("the next PSC login is direct", async {
            logged_in("the second PSC login (already linked)", again)
        })
        .await?;
    let info = login
        .session(&session)
        .await?
        .map_err(|e| Failure::check(format!("the second PSC session is not usable: {e}")))?;
    ensure_eq(
        "account of the second session",
        login_id("dr.jean")?,
        info.account_id,
    )?;
    if let Ok(security) = ctx.security() {
        let records = security.audit_trail().await?;
        ensure(
            records
                .iter()
                .any(|r| r.event.kind == segur_ssi::audit::kinds::PSC_LINKED),
            "the link of the PSC identity to the account is not in the audit trail",
        )?;
    }
    Ok(())
}

async fn psc_session(
    ctx: &RunContext,
    login: &dyn Login,
    sim: &PscSim,
) -> ScenarioResult<SessionRef> {
    professional_account(ctx, login, "dr.medecin", None).await?;
    configure(ctx, login, sim).await?;
    let (_, outcome) = browser_login(ctx, login, sim, PscLoginMode::Interactive, |u| u).await?;
    logged_in("the PSC login", outcome)
}

async fn service_tokens(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    let session = psc_session(&ctx, login, &sim).await?;
    let check = |token: &segur_psc::BearerToken, audience: &str| -> ScenarioResult {
        let info = sim
            .simulator()
            .validate_access_token(token.access_token().secret())
            .or_fail("the token at PSC (active, not expired)")?;
        ensure_eq("audience of the token", audience.to_owned(), info.audience)?;
        ensure_eq(
            "professional of the token",
            PROFESSIONAL,
            info.national_id.as_str(),
        )
    };
    let psc = ctx
        .step("the PSC token of the session", async {
            Ok(login
                .service_token(&session, &Audience::ProSanteConnect)
                .await?)
        })
        .await?;
    check(&psc, "psc")?;
    ctx.clock().advance(std::time::Duration::from_secs(200));
    let refreshed = ctx
        .step(
            "the PSC token 200 s later (the first one has expired)",
            async {
                Ok(login
                    .service_token(&session, &Audience::ProSanteConnect)
                    .await?)
            },
        )
        .await?;
    check(&refreshed, "psc")?;
    let dmp = ctx
        .step("a token for the DMP", async {
            Ok(login.service_token(&session, &Audience::Dmp).await?)
        })
        .await?;
    check(&dmp, "dmp")?;
    ctx.step("no new identification was asked", async {
        ensure_eq(
            "logins at PSC (authorization codes)",
            1,
            sim.simulator().grant_count("authorization_code"),
        )?;
        ensure(
            sim.simulator().grant_count("refresh_token") >= 1,
            "the expired PSC token was not refreshed with the refresh token",
        )?;
        ensure(
            sim.simulator()
                .grant_count("urn:ietf:params:oauth:grant-type:token-exchange")
                >= 1,
            "the DMP token was not obtained by token exchange",
        )
    })
    .await
}

async fn silent_sso(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    professional_account(&ctx, login, "dr.medecin", None).await?;
    configure(&ctx, login, &sim).await?;
    let (url, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Silent, |u| u).await?;
    ctx.step(
        "without a PSC session, the silent login ends without a session",
        async {
            ensure_eq("prompt", Some("none".to_owned()), query(&url, "prompt"))?;
            ensure(
                !matches!(outcome, LoginOutcome::LoggedIn(_)),
                "a silent login without any PSC session opened a session",
            )
        },
    )
    .await?;
    // Other software: a PSC client of its own, in the same browser.
    let other = Arc::new(
        PscClient::builder(
            sim.simulator()
                .environment()
                .map_err(|e| Failure::service(e.to_string()))?,
            ClientConfig::secret_basic(OTHER_CLIENT_ID, ClientSecret::new(OTHER_CLIENT_SECRET)),
        )
        .clock(Arc::new(ctx.clock().clone()))
        .build()
        .map_err(|e| Failure::service(e.to_string()))?,
    );
    let other_login = |request: AuthorizationRequest| {
        let other = other.clone();
        let sim = sim.clone();
        async move {
            let redirect_uri =
                Url::parse("http://127.0.0.1:9/autre-logiciel").or_fail("redirect URI")?;
            let pending = other
                .authorize(&redirect_uri, &request)
                .await
                .map_err(|e| Failure::service(e.to_string()))?;
            let redirect = sim.browse(pending.url()).await?;
            let code = pending
                .complete(&AuthorizationResponse::from_url(&redirect))
                .map_err(|e| Failure::check(format!("the other software's login: {e}")))?;
            other
                .exchange_code(code)
                .await
                .map_err(|e| Failure::service(e.to_string()))
        }
    };
    ctx.step(
        "other software logs the professional in (PSC session opened)",
        async {
            other_login(AuthorizationRequest::default())
                .await
                .map(|_| ())
        },
    )
    .await?;
    let (_, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Silent, |u| u).await?;
    let session = ctx
        .step("the host logs in silently on that PSC session", async {
            logged_in("the silent login on an existing PSC session", outcome)
        })
        .await?;
    let info = login
        .session(&session)
        .await?
        .map_err(|e| Failure::check(format!("the silent session is not usable: {e}")))?;
    ensure_eq(
        "account of the silent session",
        login_id("dr.medecin")?,
        info.account_id,
    )?;
    sim.simulator().set_sso_session(false);
    let (_, outcome) = browser_login(&ctx, login, &sim, PscLoginMode::Interactive, |u| u).await?;
    logged_in("the host's interactive login", outcome)?;
    ctx.step(
        "other software logs in silently on the host's PSC session",
        async {
            other_login(AuthorizationRequest::silent(None))
                .await
                .map(|_| ())
                .map_err(|f| {
                    Failure::check(format!(
                        "after the host's login, the PSC session is not shared: {}",
                        f.message()
                    ))
                })
        },
    )
    .await
}

async fn ciba_login(ctx: RunContext) -> ScenarioResult {
    let login = ctx.login()?;
    let sim = ctx.service::<PscSim>().await?;
    professional_account(&ctx, login, "dr.medecin", None).await?;
    configure(&ctx, login, &sim).await?;
    let id = professional()?;
    sim.simulator().script_ciba(
        &id,
        vec![
            CibaOutcome::Pending,
            CibaOutcome::Pending,
            CibaOutcome::Approve,
        ],
    );
    let outcome = ctx
        .step(
            "a CIBA login; the professional approves on their e-CPS",
            async { Ok(login.psc_ciba(&id).await?) },
        )
        .await?;
    let session = logged_in("the approved CIBA login", outcome)?;
    let info = login
        .session(&session)
        .await?
        .map_err(|e| Failure::check(format!("the CIBA session is not usable: {e}")))?;
    ensure_eq(
        "account of the CIBA session",
        login_id("dr.medecin")?,
        info.account_id,
    )?;
    ensure_eq(
        "CIBA polls at the token endpoint (2 pending, 1 approved)",
        3,
        sim.simulator().grant_count(segur_psc::GRANT_CIBA),
    )?;
    sim.simulator().script_ciba(&id, vec![CibaOutcome::Deny]);
    let denied = ctx
        .step("a CIBA login the professional refuses", async {
            Ok(login.psc_ciba(&id).await?)
        })
        .await?;
    ctx.step("no session when the professional refuses", async {
        match denied {
            LoginOutcome::LoggedIn(s) => Err(Failure::check(format!(
                "a refused CIBA request opened the session {s}"
            ))),
            other => {
                ctx.evidence().note("ciba-refusal", describe(&other));
                Ok(())
            }
        }
    })
    .await
}
