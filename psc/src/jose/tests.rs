use super::*;

const RSA_KEY: &[u8] = include_bytes!("../../tests/data/rs256-test-key.p8");
const ALL: &[JwsAlgorithm] = &[
    JwsAlgorithm::Rs256,
    JwsAlgorithm::Es256,
    JwsAlgorithm::Hs256,
];

fn payload() -> serde_json::Value {
    serde_json::json!({"iss": "https://issuer.test", "sub": "abc"})
}

#[test]
fn es256_round_trip_and_tamper() {
    let key = SigningKey::generate_es256("k1").expect("keygen");
    let jwks = JwkSet {
        keys: vec![key.public_jwk().expect("EC jwk")],
    };
    let jwt = key.sign(&payload(), Some("JWT")).expect("sign");
    let body = UnverifiedJws::decode(&jwt)
        .expect("decode")
        .verify(ALL, &jwks, None)
        .expect("valid signature");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).expect("json"),
        payload()
    );

    // Flip one payload character: the signature must fail.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(r#"{"iss":"https://evil.test","sub":"abc"}"#);
    let forged = parts.join(".");
    let err = UnverifiedJws::decode(&forged)
        .expect("decode")
        .verify(ALL, &jwks, None)
        .expect_err("forged");
    assert_eq!(err, JwtError::BadSignature);
}

#[test]
fn rs256_round_trip_and_wrong_key() {
    let key = SigningKey::rs256_from_pkcs8("rsa1", RSA_KEY).expect("rsa key");
    let jwk = key.public_jwk().expect("jwk");
    assert_eq!(jwk.kty, "RSA");
    let jwt = key.sign(&payload(), None).expect("sign");
    UnverifiedJws::decode(&jwt)
        .expect("decode")
        .verify(ALL, &JwkSet { keys: vec![jwk] }, None)
        .expect("valid");

    // Same kid but another key (EC): no usable key.
    let other = SigningKey::generate_es256("rsa1").expect("keygen");
    let err = UnverifiedJws::decode(&jwt)
        .expect("decode")
        .verify(
            ALL,
            &JwkSet {
                keys: vec![other.public_jwk().expect("jwk")],
            },
            None,
        )
        .expect_err("no RSA key");
    assert_eq!(
        err,
        JwtError::UnknownKey {
            kid: Some("rsa1".into())
        }
    );
}

#[test]
fn hs256_needs_the_right_secret() {
    let key = SigningKey::Hs256(b"client-secret-123".to_vec());
    let jwt = key.sign(&payload(), None).expect("sign");
    let ok = ClientSecret::new("client-secret-123");
    let bad = ClientSecret::new("client-secret-124");
    UnverifiedJws::decode(&jwt)
        .expect("decode")
        .verify(ALL, &JwkSet::default(), Some(&ok))
        .expect("valid");
    assert_eq!(
        UnverifiedJws::decode(&jwt)
            .expect("decode")
            .verify(ALL, &JwkSet::default(), Some(&bad)),
        Err(JwtError::BadSignature)
    );
    assert_eq!(
        UnverifiedJws::decode(&jwt)
            .expect("decode")
            .verify(ALL, &JwkSet::default(), None),
        Err(JwtError::NoSecret)
    );
    // HS256 not allowed: refused before any key lookup.
    assert_eq!(
        UnverifiedJws::decode(&jwt).expect("decode").verify(
            &[JwsAlgorithm::Es256],
            &JwkSet::default(),
            Some(&ok)
        ),
        Err(JwtError::UnsupportedAlgorithm("HS256".into()))
    );
}

#[test]
fn refuses_none_jwe_and_garbage() {
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#)
    );
    assert_eq!(
        UnverifiedJws::decode(&none)
            .expect("decode")
            .verify(ALL, &JwkSet::default(), None),
        Err(JwtError::UnsupportedAlgorithm("none".into()))
    );
    assert_eq!(
        UnverifiedJws::decode("a.b.c.d.e").map(|_| ()),
        Err(JwtError::Encrypted)
    );
    assert!(UnverifiedJws::decode("not-a-jwt").is_err());
    assert!(UnverifiedJws::decode("!!.!!.!!").is_err());
}

proptest::proptest! {
    #[test]
    fn decode_never_panics(s in "\\PC{0,200}") {
        let _ = UnverifiedJws::decode(&s);
    }
}
