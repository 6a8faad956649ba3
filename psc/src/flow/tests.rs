use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

fn md() -> ProviderMetadata {
    crate::Environment::Bas.documented_metadata().expect("BAS")
}

fn client() -> ClientConfig {
    ClientConfig::secret_basic("lgc-test", ClientSecret::new("s3cr:et"))
}

fn redirect() -> Url {
    Url::parse("http://127.0.0.1:4711/callback").expect("url")
}

#[test]
fn authorization_url_has_every_psc_parameter() {
    let p = PendingAuthorization::new(
        &md(),
        &client(),
        &redirect(),
        &AuthorizationRequest::default(),
        NOW,
    );
    let url = p.url();
    assert_eq!(url.host_str(), Some("wallet.bas.psc.esante.gouv.fr"));
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "openid scope_all");
    assert_eq!(q["acr_values"], "eidas1");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], p.state());
    assert_eq!(q["nonce"], p.nonce().as_str());
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:4711/callback");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(!q.contains_key("prompt"));

    let silent = PendingAuthorization::new(
        &md(),
        &client(),
        &redirect(),
        &AuthorizationRequest::silent(Some(RawIdToken::new("a.b.c"))),
        NOW,
    );
    let q: HashMap<String, String> = silent.url().query_pairs().into_owned().collect();
    assert_eq!(q["prompt"], "none");
    assert_eq!(q["id_token_hint"], "a.b.c");
}

#[test]
fn pkce_s256_matches_rfc7636_appendix_b() {
    let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        pkce_challenge(&v),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn callback_checks() {
    let mk = || {
        PendingAuthorization::new(
            &md(),
            &client(),
            &redirect(),
            &AuthorizationRequest::default(),
            NOW,
        )
    };
    let p = mk();
    let q = format!("code=abc&state={}", p.state());
    let code = p
        .complete(&AuthorizationResponse::from_query(&q))
        .expect("ok");
    let req = code.token_request(&md(), &client());
    let body = String::from_utf8(req.body.clone()).expect("utf8");
    assert!(body.contains("grant_type=authorization_code"));
    assert!(body.contains("code_verifier="));
    let auth = req
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .expect("basic");
    // "s3cr:et" is form-encoded to "s3cr%3Aet" before Base64 (RFC 6749 §2.3.1).
    assert_eq!(
        auth.1,
        format!("Basic {}", STANDARD.encode("lgc-test:s3cr%3Aet"))
    );
    assert!(!format!("{req:?}").contains("Basic"));

    let p = mk();
    assert_eq!(
        p.complete(&AuthorizationResponse::from_query("code=abc&state=forged"))
            .expect_err("csrf"),
        CallbackError::StateMismatch
    );
    let p = mk();
    let q = format!("error=access_denied&state={}", p.state());
    assert!(matches!(
        p.complete(&AuthorizationResponse::from_query(&q)),
        Err(CallbackError::Provider {
            error: OAuthErrorCode::AccessDenied,
            ..
        })
    ));
    let p = mk();
    let q = format!("code=abc&state={}&iss=https://evil.test", p.state());
    assert!(matches!(
        p.complete(&AuthorizationResponse::from_query(&q)),
        Err(CallbackError::IssuerMismatch(_))
    ));
}

#[test]
fn store_detects_replay_and_expiry() {
    let mut store = PendingAuthorizations::default();
    let p = PendingAuthorization::new(
        &md(),
        &client(),
        &redirect(),
        &AuthorizationRequest::default(),
        NOW,
    );
    let q = format!("code=abc&state={}", p.state());
    store.insert(p);
    store
        .complete(&AuthorizationResponse::from_query(&q), NOW)
        .expect("first");
    assert_eq!(
        store
            .complete(&AuthorizationResponse::from_query(&q), NOW)
            .expect_err("replay"),
        CallbackError::StateReplayed
    );
    let p = PendingAuthorization::new(
        &md(),
        &client(),
        &redirect(),
        &AuthorizationRequest::default(),
        NOW,
    );
    let q = format!("code=abc&state={}", p.state());
    store.insert(p);
    assert_eq!(
        store
            .complete(
                &AuthorizationResponse::from_query(&q),
                NOW + Duration::minutes(11)
            )
            .expect_err("expired"),
        CallbackError::StateMismatch
    );
}

#[test]
fn token_response_parsing() {
    let ok = HttpResponse {
        status: 200,
        content_type: Some("application/json".into()),
        body: br#"{"access_token":"at","token_type":"Bearer","expires_in":120,"refresh_token":"rt","refresh_expires_in":1800,"id_token":"a.b.c","session_state":"s"}"#.to_vec(),
    };
    let t = TokenResponse::parse("token", &ok).expect("ok");
    assert_eq!(t.expires_at(NOW), Some(NOW + Duration::seconds(120)));
    assert!(!format!("{t:?}").contains("\"at\""));
    let err = HttpResponse {
        status: 400,
        content_type: None,
        body: br#"{"error":"invalid_grant","error_description":"Code not valid"}"#.to_vec(),
    };
    assert!(matches!(
        TokenResponse::parse("token", &err),
        Err(Error::OAuth {
            error: OAuthErrorCode::InvalidGrant,
            status: 400,
            ..
        })
    ));
    let garbage = HttpResponse {
        status: 502,
        content_type: None,
        body: b"<html>".to_vec(),
    };
    assert!(matches!(
        TokenResponse::parse("token", &garbage),
        Err(Error::InvalidResponse { .. })
    ));
    let mac = HttpResponse {
        status: 200,
        content_type: None,
        body: br#"{"access_token":"x","token_type":"MAC"}"#.to_vec(),
    };
    assert!(TokenResponse::parse("token", &mac).is_err());
}

#[test]
fn logout_and_exchange_requests() {
    let url = end_session_url(
        &md(),
        "lgc-test",
        &RawIdToken::new("a.b.c"),
        Some(&Url::parse("http://127.0.0.1/bye").expect("url")),
        Some("st"),
    )
    .expect("url");
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["id_token_hint"], "a.b.c");
    assert_eq!(q["post_logout_redirect_uri"], "http://127.0.0.1/bye");
    assert_eq!(q["state"], "st");

    let req = TokenExchangeRequest {
        scope: Some("dmp".into()),
        ..TokenExchangeRequest::default()
    }
    .to_http(
        &md().token_endpoint,
        &ClientConfig::mtls("lgc-mtls"),
        &AccessToken::new("psc-at"),
    );
    let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    assert_eq!(
        form["grant_type"],
        "urn:ietf:params:oauth:grant-type:token-exchange"
    );
    assert_eq!(form["subject_token"], "psc-at");
    assert_eq!(form["subject_token_type"], token_type::ACCESS_TOKEN);
    assert_eq!(form["client_id"], "lgc-mtls");
    assert_eq!(form["subject_issuer"], "psc");
    assert!(!req.headers.iter().any(|(k, _)| k == "authorization"));
}
