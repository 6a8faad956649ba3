use std::time::Duration as StdDuration;

use segur_psc::sim::{PscSimulator, SimSigning, UserInfoFormat};
use segur_psc::*;

use crate::*;

async fn login(sim: &PscSimulator, client: &PscClient) -> PscLogin {
    let loopback = LoopbackRedirect::bind().await.expect("bind");
    let pending = client
        .authorize(loopback.redirect_uri(), &AuthorizationRequest::default())
        .await
        .expect("authorize url");
    // PSC's authorization endpoint lives on its own host.
    assert_eq!(pending.url().port(), Some(sim.wallet_addr().port()));
    let redirect = browser_redirect(pending.url()).await;
    let waiter = tokio::spawn(loopback.wait(StdDuration::from_secs(10)));
    deliver(&redirect).await;
    let response = waiter.await.expect("join").expect("callback");
    let code = pending.complete(&response).expect("state ok");
    client.exchange_code(code).await.expect("login")
}

#[tokio::test]
async fn discovery_uses_psc_path_and_checks_issuer() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let md = client.metadata().await.expect("discovery");
    assert_eq!(md.issuer, sim.issuer());
    assert_ne!(md.authorization_endpoint.port(), md.token_endpoint.port());
    assert!(md.backchannel_authentication_endpoint.is_some());

    // A discovery document served for another issuer is refused.
    let wrong = PscClient::builder(
        Environment::Custom {
            issuer: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet".into(),
            discovery_url: Environment::custom_psc(&sim.issuer())
                .expect("env")
                .discovery_url()
                .expect("url"),
        },
        ClientConfig::secret_basic(CLIENT_ID, ClientSecret::new(SECRET)),
    )
    .build()
    .expect("client");
    assert!(matches!(
        wrong.metadata().await,
        Err(Error::InvalidResponse {
            endpoint: "discovery",
            ..
        })
    ));
}

#[tokio::test]
async fn desktop_login_with_loopback_redirect_and_json_userinfo() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let login = login(&sim, &client).await;
    let claims = login.id_token.claims();
    assert_eq!(claims.acr.as_deref(), Some("eidas1"));
    assert_eq!(claims.national_id().expect("id").as_str(), "810003612545");
    let info = client
        .userinfo(&login.tokens.access_token, &login.id_token)
        .await
        .expect("userinfo");
    assert_eq!(info.rpps().expect("rpps").as_str(), "10003612545");
    assert_eq!(
        info.subject_ref_pro.as_ref().expect("refpro").exercices[0]
            .code_profession
            .as_deref(),
        Some("10")
    );
    let checked = sim
        .validate_access_token(login.tokens.access_token.secret())
        .expect("sim knows the token");
    assert_eq!(checked.audience, "psc");
}

#[tokio::test]
async fn signed_userinfo_and_hs256_and_rs256() {
    for signing in [
        SimSigning::Es256,
        SimSigning::Hs256,
        SimSigning::Rs256(include_bytes!("../data/rs256-test-key.p8").to_vec()),
    ] {
        let sim = sim_builder()
            .signing(signing.clone())
            .userinfo_format(UserInfoFormat::Jwt)
            .start()
            .await
            .expect("sim");
        let client = client_for(&sim, None);
        let login = login(&sim, &client).await;
        let info = client
            .userinfo(&login.tokens.access_token, &login.id_token)
            .await
            .unwrap_or_else(|e| panic!("{signing:?}: {e}"));
        assert_eq!(info.given_name.as_deref(), Some("JEAN"));
    }
}

#[tokio::test]
async fn replayed_state_and_reused_code_are_refused() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let redirect_uri = url::Url::parse("http://127.0.0.1:9/callback").expect("url");
    let mut store = PendingAuthorizations::default();
    let pending = client
        .authorize(&redirect_uri, &AuthorizationRequest::default())
        .await
        .expect("url");
    let auth_url = pending.url().clone();
    store.insert(pending);
    let redirect = browser_redirect(&auth_url).await;
    let response = AuthorizationResponse::from_url(&redirect);
    let now = time::OffsetDateTime::now_utc();
    let code = store.complete(&response, now).expect("first");
    assert_eq!(
        store.complete(&response, now).expect_err("replay"),
        CallbackError::StateReplayed
    );
    client.exchange_code(code).await.expect("exchange");

    // A second exchange of the same code (attacker replaying it) is refused by PSC.
    let pending = client
        .authorize(&redirect_uri, &AuthorizationRequest::default())
        .await
        .expect("url");
    let response = AuthorizationResponse::from_url(&browser_redirect(pending.url()).await);
    let code = pending.complete(&response).expect("ok");
    let md = client.metadata().await.expect("md");
    let req = code.token_request(&md, client.client_config());
    let first = client.shell().send(req.clone()).await.expect("send");
    TokenResponse::parse("token", &first).expect("first exchange");
    let second = client.shell().send(req).await.expect("send");
    assert!(matches!(
        TokenResponse::parse("token", &second),
        Err(Error::OAuth {
            error: OAuthErrorCode::InvalidGrant,
            ..
        })
    ));

    // A forged state is refused before any exchange.
    let pending = client
        .authorize(&redirect_uri, &AuthorizationRequest::default())
        .await
        .expect("url");
    assert_eq!(
        pending
            .complete(&AuthorizationResponse::from_query("code=x&state=forged"))
            .expect_err("csrf"),
        CallbackError::StateMismatch
    );
}

#[tokio::test]
async fn forged_id_tokens_are_rejected() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = serde_json::json!({
        "iss": sim.issuer(), "sub": "s", "aud": CLIENT_ID, "exp": now + 60, "iat": now,
        "nonce": "n", "acr": "eidas1"
    });
    let nonce = Nonce::new("n");
    let check = |v: serde_json::Value| {
        let raw = RawIdToken::new(sim.sign_claims(&v).expect("sign"));
        let client = client.clone();
        let nonce = nonce.clone();
        async move { client.verify_id_token(&raw, Some(&nonce)).await }
    };
    check(good.clone()).await.expect("good token");
    let mut bad = good.clone();
    bad["aud"] = "someone-else".into();
    assert!(matches!(
        check(bad).await,
        Err(Error::Claims(ClaimsError::Audience { .. }))
    ));
    let mut bad = good.clone();
    bad["exp"] = (now - 3600).into();
    assert!(matches!(
        check(bad).await,
        Err(Error::Claims(ClaimsError::Expired { .. }))
    ));
    let mut bad = good.clone();
    bad["nonce"] = "other".into();
    assert!(matches!(
        check(bad).await,
        Err(Error::Claims(ClaimsError::Nonce))
    ));
    let mut bad = good.clone();
    bad["iss"] = "https://evil.test".into();
    assert!(matches!(
        check(bad).await,
        Err(Error::Claims(ClaimsError::Issuer { .. }))
    ));
    let mut bad = good.clone();
    bad["acr"] = "eidas2".into();
    assert!(matches!(
        check(bad).await,
        Err(Error::Claims(ClaimsError::Acr(_)))
    ));

    // Bad signature: tamper with the payload of a genuine token.
    let genuine = sim.sign_claims(&good).expect("sign");
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let other = sim
        .sign_claims(&serde_json::json!({"iss": "x"}))
        .expect("sign");
    parts[1] = other.split('.').nth(1).expect("payload");
    let forged = RawIdToken::new(parts.join("."));
    assert!(matches!(
        client.verify_id_token(&forged, Some(&nonce)).await,
        Err(Error::Jwt(JwtError::BadSignature))
    ));
}

#[tokio::test]
async fn key_rotation_refreshes_the_jwks() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    client.metadata().await.expect("discovery");
    sim.rotate_keys().expect("rotate");
    login(&sim, &client).await;
}

#[tokio::test]
async fn silent_reauthentication_with_prompt_none() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let redirect_uri = url::Url::parse("http://127.0.0.1:9/callback").expect("url");
    // No PSC session yet: login_required, no prompt shown.
    let pending = client
        .authorize(&redirect_uri, &AuthorizationRequest::silent(None))
        .await
        .expect("url");
    let response = AuthorizationResponse::from_url(&browser_redirect(pending.url()).await);
    assert!(matches!(
        pending.complete(&response),
        Err(CallbackError::Provider {
            error: OAuthErrorCode::LoginRequired,
            ..
        })
    ));
    // After an interactive login elsewhere (SSO session), silent login works.
    let first = login(&sim, &client).await;
    let pending = client
        .authorize(
            &redirect_uri,
            &AuthorizationRequest::silent(Some(first.id_token.raw().clone())),
        )
        .await
        .expect("url");
    let response = AuthorizationResponse::from_url(&browser_redirect(pending.url()).await);
    let code = pending.complete(&response).expect("silent ok");
    let again = client.exchange_code(code).await.expect("tokens");
    assert_eq!(again.id_token.claims().sub, first.id_token.claims().sub);
}

#[tokio::test]
async fn refresh_then_logout_ends_the_session() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    let first = login(&sim, &client).await;
    let refresh = first.tokens.refresh_token.clone().expect("refresh token");
    let (tokens, id) = client.refresh(&refresh).await.expect("refresh");
    assert!(id.is_some(), "a new ID token is verified");
    // Rotation: the old refresh token is dead.
    assert!(matches!(
        client.refresh(&refresh).await,
        Err(Error::OAuth {
            error: OAuthErrorCode::InvalidGrant,
            ..
        })
    ));
    let url = client
        .end_session_url(
            &first.id_token,
            Some(&url::Url::parse("http://127.0.0.1:9/bye").expect("url")),
            Some("st-1"),
        )
        .await
        .expect("url");
    assert!(url.query().expect("query").contains("id_token_hint="));
    client.logout(&first.id_token).await.expect("logout");
    assert!(!sim.sso_session());
    let new_refresh = tokens.refresh_token.expect("rotated");
    assert!(
        client.refresh(&new_refresh).await.is_err(),
        "logout revokes refresh tokens"
    );
}

#[tokio::test]
async fn wrong_client_secret_is_refused() {
    let sim = sim_builder().start().await.expect("sim");
    let client = PscClient::builder(
        sim.environment().expect("env"),
        ClientConfig::secret_basic(CLIENT_ID, ClientSecret::new("wrong")),
    )
    .build()
    .expect("client");
    let err = client
        .refresh(&RefreshToken::new("whatever"))
        .await
        .expect_err("bad secret");
    assert!(
        matches!(
            err,
            Error::OAuth {
                error: OAuthErrorCode::InvalidClient,
                status: 401,
                ..
            }
        ),
        "{err}"
    );
}
