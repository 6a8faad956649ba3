use time::macros::datetime;

use super::*;
use crate::ClientSecret;

const NOW: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

fn md() -> ProviderMetadata {
    crate::Environment::Bas.documented_metadata().expect("BAS")
}

fn client() -> ClientConfig {
    ClientConfig::secret_basic("lgc", ClientSecret::new("s"))
}

fn resp(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
    }
}

fn poller() -> CibaPoller {
    CibaPoller::from_ack(
        &resp(200, r#"{"auth_req_id":"r1","expires_in":120,"interval":2}"#),
        NOW,
    )
    .expect("ack")
}

#[test]
fn request_has_psc_parameters() {
    let req = CibaRequest::new(IdNatPs::parse("810003612545").expect("id"))
        .binding_message("00")
        .channel(CibaChannel::Mobile)
        .to_http(&md(), &client())
        .expect("req");
    assert!(
        req.url
            .as_str()
            .ends_with("/protocol/openid-connect/ext/ciba/auth")
    );
    let form: std::collections::HashMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    assert_eq!(form["login_hint"], "810003612545");
    assert_eq!(form["binding_message"], "00");
    assert_eq!(form["channel"], "MOBILE");
    assert_eq!(form["scope"], "openid scope_all");
    assert_eq!(form["acr_values"], "eidas1");
}

#[test]
fn pending_slow_down_then_tokens() {
    let mut p = poller();
    assert_eq!(p.next_poll_at(), NOW + Duration::seconds(2));
    let t1 = NOW + Duration::seconds(2);
    p.poll_request(&md(), &client(), t1).expect("poll");
    match p
        .handle_response(&resp(400, r#"{"error":"authorization_pending"}"#), t1)
        .expect("pending")
    {
        CibaStep::Pending { next_poll_at } => assert_eq!(next_poll_at, t1 + Duration::seconds(2)),
        CibaStep::Approved(_) => panic!("not yet"),
    }
    let t2 = t1 + Duration::seconds(2);
    match p
        .handle_response(&resp(400, r#"{"error":"slow_down"}"#), t2)
        .expect("slow down")
    {
        CibaStep::Pending { next_poll_at } => assert_eq!(next_poll_at, t2 + Duration::seconds(7)),
        CibaStep::Approved(_) => panic!("not yet"),
    }
    assert_eq!(p.interval(), Duration::seconds(7));
    let t3 = t2 + Duration::seconds(7);
    let step = p
        .handle_response(
            &resp(
                200,
                r#"{"access_token":"at","token_type":"Bearer","expires_in":120}"#,
            ),
            t3,
        )
        .expect("tokens");
    assert!(matches!(step, CibaStep::Approved(_)));
    assert!(p.is_finished());
    assert!(matches!(
        p.poll_request(&md(), &client(), t3),
        Err(Error::Ciba(CibaError::Finished))
    ));
}

#[test]
fn denial_and_expiry() {
    let mut p = poller();
    assert!(matches!(
        p.handle_response(&resp(403, r#"{"error":"access_denied"}"#), NOW),
        Err(Error::Ciba(CibaError::AccessDenied))
    ));
    let mut p = poller();
    assert!(matches!(
        p.handle_response(&resp(400, r#"{"error":"expired_token"}"#), NOW),
        Err(Error::Ciba(CibaError::Expired))
    ));
    // Local expiry: no request is sent after expires_in.
    let mut p = poller();
    assert!(matches!(
        p.poll_request(&md(), &client(), NOW + Duration::seconds(121)),
        Err(Error::Ciba(CibaError::Expired))
    ));
    let mut p = poller();
    assert_eq!(p.cancel(), CibaError::Cancelled);
    assert!(p.is_finished());
    // Other errors are final, transient ones are not.
    let mut p = poller();
    assert!(
        p.handle_response(&resp(503, r#"{"error":"temporarily_unavailable"}"#), NOW)
            .is_err()
    );
    assert!(!p.is_finished());
    assert!(
        p.handle_response(&resp(400, r#"{"error":"invalid_grant"}"#), NOW)
            .is_err()
    );
    assert!(p.is_finished());
}

#[test]
fn bad_acks() {
    assert!(matches!(
        CibaPoller::from_ack(&resp(400, r#"{"error":"unknown_user_id"}"#), NOW),
        Err(Error::OAuth {
            error: OAuthErrorCode::UnknownUserId,
            ..
        })
    ));
    assert!(
        CibaPoller::from_ack(&resp(200, r#"{"auth_req_id":"r","expires_in":0}"#), NOW).is_err()
    );
    let p = CibaPoller::from_ack(&resp(200, r#"{"auth_req_id":"r","expires_in":60}"#), NOW)
        .expect("default interval");
    assert_eq!(p.interval(), Duration::seconds(5));
}
