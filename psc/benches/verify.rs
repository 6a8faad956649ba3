//! ID token verification cost per algorithm (signature + claims checks).
//!
//! `cargo bench -p segur-psc --features sim --bench verify`

use criterion::{Criterion, criterion_group, criterion_main};
use segur_psc::sim::TestSigner;
use segur_psc::{ClientSecret, IdTokenVerifier, JwkSet, Nonce, RawIdToken};

const ISS: &str = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet";

fn claims(now: i64) -> serde_json::Value {
    serde_json::json!({
        "iss": ISS, "sub": "f:bench", "aud": "lgc", "azp": "lgc", "exp": now + 300,
        "iat": now, "nonce": "n", "acr": "eidas1", "SubjectNameID": "810003612545"
    })
}

fn bench(c: &mut Criterion) {
    let now = time::OffsetDateTime::now_utc();
    let rsa = include_bytes!("../tests/data/rs256-test-key.p8");
    let signers = [
        ("ES256", TestSigner::es256("k").expect("key")),
        ("RS256", TestSigner::rs256("k", rsa).expect("key")),
        ("HS256", TestSigner::hs256(b"bench-secret")),
    ];
    for (name, signer) in signers {
        let jwks = JwkSet {
            keys: signer.jwk().into_iter().collect(),
        };
        let verifier = IdTokenVerifier::new(ISS, "lgc", jwks)
            .with_client_secret(ClientSecret::new("bench-secret"));
        let token = RawIdToken::new(signer.sign(&claims(now.unix_timestamp())).expect("sign"));
        let nonce = Nonce::new("n");
        c.bench_function(&format!("verify_id_token_{name}"), |b| {
            b.iter(|| verifier.verify(&token, Some(&nonce), now).expect("valid"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
