use std::sync::Arc;

use segur_ids::IdNatPs;
use segur_psc::sim::CibaOutcome;
use segur_psc::*;
use time::Duration;

use crate::*;

async fn ciba_login(client: &Arc<PscClient>) -> PscLogin {
    let mut auth = client
        .ciba_start(&CibaRequest::new(
            IdNatPs::parse("810003612545").expect("id"),
        ))
        .await
        .expect("ack");
    match auth.poll_once().await.expect("approved") {
        CibaPollOutcome::Approved(l) => *l,
        CibaPollOutcome::Pending { .. } => panic!("scripted approval"),
    }
}

#[tokio::test]
async fn token_source_refreshes_exchanges_and_caches() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_builder()
        .clock(shared.clone())
        .start()
        .await
        .expect("sim");
    sim.script_ciba(
        &IdNatPs::parse("810003612545").expect("id"),
        vec![CibaOutcome::Approve],
    );
    let client = client_for(&sim, Some(shared));
    let login = ciba_login(&client).await;
    let exchange = ServiceExchange::new(
        url::Url::parse(&sim.token_endpoint()).expect("url"),
        TokenExchangeRequest {
            audience: Some("dmp".into()),
            scope: Some("dmp_write".into()),
            ..TokenExchangeRequest::default()
        },
    );
    let session: Arc<dyn TokenSource> =
        Arc::new(PscSession::new(client.clone(), login).with_exchange(Audience::Dmp, exchange));

    let t1 = session
        .token(&Audience::ProSanteConnect)
        .await
        .expect("psc token");
    assert!(!format!("{t1:?}").contains(t1.access_token().secret()));
    // 100 s later the 120 s token is within the 30 s margin: refreshed.
    clock.advance(Duration::seconds(100));
    let t2 = session
        .token(&Audience::ProSanteConnect)
        .await
        .expect("refreshed");
    assert_ne!(t1.access_token().secret(), t2.access_token().secret());
    assert_eq!(sim.grant_count("refresh_token"), 1);

    let dmp = session.token(&Audience::Dmp).await.expect("exchanged");
    let info = sim
        .validate_access_token(dmp.access_token().secret())
        .expect("sim validates");
    assert_eq!(info.audience, "dmp");
    assert_eq!(info.scope, "dmp_write");
    assert_eq!(info.national_id.as_str(), "810003612545");
    let again = session.token(&Audience::Dmp).await.expect("cached");
    assert_eq!(again.access_token().secret(), dmp.access_token().secret());
    assert_eq!(
        sim.grant_count("urn:ietf:params:oauth:grant-type:token-exchange"),
        1
    );

    assert!(matches!(
        session.token(&Audience::Insi).await,
        Err(Error::NoToken(Audience::Insi))
    ));

    // Past the refresh token's 30 minutes: the professional must log in again.
    clock.advance(Duration::minutes(31));
    assert!(matches!(
        session.token(&Audience::ProSanteConnect).await,
        Err(Error::ReauthenticationRequired)
    ));
}

#[tokio::test]
async fn discovery_is_cached_until_its_ttl() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = sim_builder()
        .clock(shared.clone())
        .start()
        .await
        .expect("sim");
    let client = client_for(&sim, Some(shared));
    client.metadata().await.expect("first");
    client.metadata().await.expect("cached");
    assert_eq!(sim.discovery_count(), 1);
    clock.advance(Duration::minutes(61));
    client.metadata().await.expect("expired cache");
    assert_eq!(sim.discovery_count(), 2);
}

#[tokio::test]
async fn introspection_validator_mint_and_session_logout() {
    let sim = sim_builder().start().await.expect("sim");
    sim.script_ciba(
        &IdNatPs::parse("810003612545").expect("id"),
        vec![CibaOutcome::Approve],
    );
    let client = client_for(&sim, None);
    let login = ciba_login(&client).await;
    let at = login.tokens.access_token.clone();

    let v = client.introspect(&at).await.expect("introspect");
    assert_eq!(v["active"], true);
    assert_eq!(v["SubjectNameID"], "810003612545");
    let validator = sim.validator();
    assert!(validator.validate(at.secret()).is_some());
    assert!(validator.validate("forged").is_none());
    let minted = sim.mint_access_token(CLIENT_ID, "dmp");
    assert_eq!(
        validator
            .validate(minted.secret())
            .expect("minted")
            .audience,
        "dmp"
    );

    let session = PscSession::new(client.clone(), login);
    session.logout().await.expect("logout");
    assert!(!sim.sso_session());
    assert_eq!(
        client
            .introspect(&AccessToken::new("nope"))
            .await
            .expect("inactive")["active"],
        false
    );
    assert!(matches!(
        session.token(&Audience::ProSanteConnect).await,
        Err(Error::ReauthenticationRequired)
    ));
}

#[tokio::test]
async fn the_observer_sees_every_raw_exchange() {
    let seen: Arc<std::sync::Mutex<Vec<segur_psc::sim::SimExchange>>> = Arc::default();
    let sink = seen.clone();
    let sim = sim_builder()
        .observer(Arc::new(move |x: &segur_psc::sim::SimExchange| {
            sink.lock().expect("test mutex").push(x.clone());
        }))
        .start()
        .await
        .expect("sim");
    sim.script_ciba(
        &IdNatPs::parse("810003612545").expect("id"),
        vec![CibaOutcome::Approve],
    );
    let client = client_for(&sim, None);
    let login = ciba_login(&client).await;
    assert!(!login.tokens.access_token.secret().is_empty());
    let seen = seen.lock().expect("test mutex");
    let uris: Vec<&str> = seen.iter().map(|x| x.uri.as_str()).collect();
    assert!(
        uris.iter()
            .any(|u| u.ends_with(segur_psc::PSC_DISCOVERY_PATH)),
        "{uris:?}"
    );
    let token = seen
        .iter()
        .find(|x| x.method == "POST" && x.uri.ends_with("/token"))
        .expect("the token request");
    assert_eq!(token.listener, "auth");
    assert_eq!(token.status, 200);
    assert!(
        String::from_utf8_lossy(&token.request_body).contains("grant_type=urn"),
        "the raw form body is kept"
    );
    assert!(
        String::from_utf8_lossy(&token.response_body).contains("access_token"),
        "the raw JSON answer is kept"
    );
}
