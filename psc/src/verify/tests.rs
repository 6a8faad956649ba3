use time::macros::datetime;

use super::*;
use crate::jose::SigningKey;

const ISS: &str = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet";
const NOW: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

fn claims() -> serde_json::Value {
    serde_json::json!({
        "iss": ISS, "sub": "f:abc:ANS1", "aud": "lgc-test", "azp": "lgc-test",
        "exp": NOW.unix_timestamp() + 120, "iat": NOW.unix_timestamp(),
        "nonce": "n-1", "acr": "eidas1", "SubjectNameID": "810003612545",
        "custom": "kept"
    })
}

fn setup() -> (SigningKey, IdTokenVerifier) {
    let key = SigningKey::generate_es256("k1").expect("keygen");
    let jwks = JwkSet {
        keys: vec![key.public_jwk().expect("jwk")],
    };
    (key, IdTokenVerifier::new(ISS, "lgc-test", jwks))
}

fn sign(key: &SigningKey, v: &serde_json::Value) -> RawIdToken {
    RawIdToken::new(key.sign(v, Some("JWT")).expect("sign"))
}

#[test]
fn accepts_a_good_token() {
    let (key, verifier) = setup();
    let t = verifier
        .verify(&sign(&key, &claims()), Some(&Nonce::new("n-1")), NOW)
        .expect("valid");
    assert_eq!(
        t.claims().national_id().expect("id").as_str(),
        "810003612545"
    );
    assert_eq!(t.claims().additional["custom"], "kept");
}

fn rejects(mutate: impl FnOnce(&mut serde_json::Value), now: OffsetDateTime) -> Error {
    let (key, verifier) = setup();
    let mut c = claims();
    mutate(&mut c);
    verifier
        .verify(&sign(&key, &c), Some(&Nonce::new("n-1")), now)
        .expect_err("must be rejected")
}

#[test]
fn rejects_wrong_issuer() {
    let e = rejects(|c| c["iss"] = "https://evil.test".into(), NOW);
    assert!(
        matches!(e, Error::Claims(ClaimsError::Issuer { .. })),
        "{e}"
    );
}

#[test]
fn rejects_wrong_audience() {
    let e = rejects(
        |c| {
            c["aud"] = "other-client".into();
            c.as_object_mut().map(|o| o.remove("azp"));
        },
        NOW,
    );
    assert!(
        matches!(e, Error::Claims(ClaimsError::Audience { .. })),
        "{e}"
    );
    let e = rejects(
        |c| {
            c["aud"] = serde_json::json!(["lgc-test", "x"]);
            c["azp"] = "x".into();
        },
        NOW,
    );
    assert!(
        matches!(e, Error::Claims(ClaimsError::AuthorizedParty { .. })),
        "{e}"
    );
}

#[test]
fn expiry_with_bounded_skew() {
    // 61 s after expiry with the default 60 s skew: rejected.
    let e = rejects(|_| {}, NOW + Duration::seconds(181));
    assert!(
        matches!(e, Error::Claims(ClaimsError::Expired { .. })),
        "{e}"
    );
    // Within the skew: accepted.
    let (key, verifier) = setup();
    verifier
        .verify(
            &sign(&key, &claims()),
            Some(&Nonce::new("n-1")),
            NOW + Duration::seconds(170),
        )
        .expect("within skew");
    // A huge skew setting is capped at 5 minutes.
    let verifier = verifier.with_clock_skew(Duration::days(365));
    let e = verifier
        .verify(
            &sign(&key, &claims()),
            Some(&Nonce::new("n-1")),
            NOW + Duration::minutes(8),
        )
        .expect_err("cap");
    assert!(matches!(e, Error::Claims(ClaimsError::Expired { .. })));
    let e = rejects(|_| {}, NOW - Duration::minutes(5));
    assert!(
        matches!(e, Error::Claims(ClaimsError::IssuedInFuture { .. })),
        "{e}"
    );
}

#[test]
fn rejects_nonce_mismatch_and_missing() {
    let e = rejects(|c| c["nonce"] = "n-2".into(), NOW);
    assert!(matches!(e, Error::Claims(ClaimsError::Nonce)));
    let e = rejects(
        |c| {
            c.as_object_mut().map(|o| o.remove("nonce"));
        },
        NOW,
    );
    assert!(matches!(e, Error::Claims(ClaimsError::Nonce)));
}

#[test]
fn acr_rules() {
    let e = rejects(|c| c["acr"] = "eidas2".into(), NOW);
    assert!(matches!(e, Error::Claims(ClaimsError::Acr(ref a)) if a == "eidas2"));
    let (key, verifier) = setup();
    let mut c = claims();
    c.as_object_mut().map(|o| o.remove("acr"));
    verifier
        .verify(&sign(&key, &c), Some(&Nonce::new("n-1")), NOW)
        .expect("absent acr is eidas1");
    let strict = verifier.with_acr_values(&["eidas1"], false);
    assert!(
        strict
            .verify(&sign(&key, &c), Some(&Nonce::new("n-1")), NOW)
            .is_err()
    );
}

#[test]
fn rejects_bad_signature_and_unknown_key() {
    let (_, verifier) = setup();
    let other = SigningKey::generate_es256("k1").expect("keygen");
    let e = verifier
        .verify(&sign(&other, &claims()), Some(&Nonce::new("n-1")), NOW)
        .expect_err("other key, same kid");
    assert!(matches!(e, Error::Jwt(JwtError::BadSignature)), "{e}");
    let other = SigningKey::generate_es256("k2").expect("keygen");
    let e = verifier
        .verify(&sign(&other, &claims()), Some(&Nonce::new("n-1")), NOW)
        .expect_err("unknown kid");
    assert!(matches!(e, Error::Jwt(JwtError::UnknownKey { .. })), "{e}");
}

#[test]
fn hs256_only_when_configured() {
    let (_, verifier) = setup();
    let key = SigningKey::Hs256(b"s3cret".to_vec());
    let t = sign(&key, &claims());
    assert!(matches!(
        verifier.verify(&t, Some(&Nonce::new("n-1")), NOW),
        Err(Error::Jwt(JwtError::UnsupportedAlgorithm(_)))
    ));
    verifier
        .with_client_secret(ClientSecret::new("s3cret"))
        .verify(&t, Some(&Nonce::new("n-1")), NOW)
        .expect("HS256 with the client secret");
}

#[test]
fn signed_userinfo() {
    let (key, verifier) = setup();
    let ui = serde_json::json!({"sub": "f:abc:ANS1", "iss": ISS, "aud": "lgc-test", "SubjectNameID": "810003612545"});
    let jwt = key.sign(&ui, None).expect("sign");
    let info = verifier
        .verify_userinfo_jwt(&jwt, "f:abc:ANS1")
        .expect("ok");
    assert_eq!(info.subject_name_id.as_deref(), Some("810003612545"));
    assert!(matches!(
        verifier.verify_userinfo_jwt(&jwt, "someone-else"),
        Err(Error::Claims(ClaimsError::SubjectMismatch))
    ));
}
