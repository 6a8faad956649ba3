use std::sync::Arc;

use segur_ids::{IdNatPs, IdNatStruct};
use segur_psc::sim::{CibaOutcome, PscSimulator, SimClient};
use segur_psc::*;
use segur_ssi::test_pki::{TestCert, TestPki};
use segur_ssi::tls::Identity;

struct Fixture {
    pki: TestPki,
    org: TestCert,
    sim: PscSimulator,
}

async fn fixture() -> Fixture {
    let pki = TestPki::generate().expect("pki");
    let server = pki
        .issue_server(&["localhost", "127.0.0.1"])
        .expect("server cert");
    let org = pki
        .issue_organisation(
            &IdNatStruct::parse("3123456789").expect("id"),
            "CABINET DE TEST",
        )
        .expect("org cert");
    let sim = PscSimulator::builder()
        .client(SimClient::tls_client_auth("lgc-mtls", org.cert_der()).expect("client"))
        .mtls(pki.server_config(&server, true).expect("server config"))
        .start()
        .await
        .expect("sim");
    Fixture { pki, org, sim }
}

fn doctor() -> IdNatPs {
    IdNatPs::parse("810003612545").expect("id")
}

#[tokio::test]
async fn ciba_userinfo_and_token_exchange_over_mutual_tls() {
    let f = fixture().await;
    // The client certificate comes from a PKCS#12 file, as an editor ships it.
    let p12 = f.org.pkcs12("p12-password").expect("p12");
    let identity = Identity::from_pkcs12(&p12, "p12-password").expect("identity");
    let client = Arc::new(
        PscClient::builder(
            f.sim.environment().expect("env"),
            ClientConfig::mtls("lgc-mtls"),
        )
        .ssi_tls(f.pki.trust_store().expect("trust"), Some(identity))
        .expect("tls")
        .build()
        .expect("client"),
    );
    let md = client.metadata().await.expect("discovery");
    let mtls_token = md.token_endpoint_for(true).clone();
    assert_eq!(mtls_token.scheme(), "https");

    f.sim.script_ciba(&doctor(), vec![CibaOutcome::Approve]);
    let mut auth = client
        .ciba_start(&CibaRequest::new(doctor()).channel(CibaChannel::Card))
        .await
        .expect("CIBA over mTLS");
    let CibaPollOutcome::Approved(login) = auth.poll_once().await.expect("poll") else {
        panic!("scripted approval");
    };
    let info = f
        .sim
        .validate_access_token(login.tokens.access_token.secret())
        .expect("known token");
    assert!(
        info.cnf_x5t_s256.is_some(),
        "token bound to the client certificate"
    );

    let userinfo = client
        .userinfo(&login.tokens.access_token, &login.id_token)
        .await
        .expect("userinfo with the bound certificate");
    assert_eq!(userinfo.national_id(), Some(doctor()));

    let session = PscSession::new(client.clone(), *login).with_exchange(
        Audience::MsSante,
        ServiceExchange::new(
            mtls_token,
            TokenExchangeRequest {
                audience: Some("mssante".into()),
                scope: Some("mail".into()),
                ..TokenExchangeRequest::default()
            },
        ),
    );
    let token = session
        .token(&Audience::MsSante)
        .await
        .expect("exchanged over mTLS");
    let info = f
        .sim
        .validate_access_token(token.access_token().secret())
        .expect("known");
    assert_eq!(info.audience, "mssante");
    assert_eq!(info.client_id, "lgc-mtls");
    assert!(info.cnf_x5t_s256.is_some());
}

#[tokio::test]
async fn wrong_or_missing_client_certificate_is_refused() {
    let f = fixture().await;
    // A certificate of the same PKI but not the registered one: invalid_client.
    let other = f
        .pki
        .issue_organisation(
            &IdNatStruct::parse("3987654321").expect("id"),
            "AUTRE CABINET",
        )
        .expect("cert");
    let client = Arc::new(
        PscClient::builder(
            f.sim.environment().expect("env"),
            ClientConfig::mtls("lgc-mtls"),
        )
        .tls_config(f.pki.client_config(Some(&other)).expect("tls"))
        .build()
        .expect("client"),
    );
    let err = client
        .ciba_start(&CibaRequest::new(doctor()))
        .await
        .expect_err("wrong certificate");
    assert!(
        matches!(
            err,
            Error::OAuth {
                error: OAuthErrorCode::InvalidClient,
                ..
            }
        ),
        "{err}"
    );

    // A certificate from another PKI: the TLS handshake fails.
    let foreign = TestPki::generate().expect("pki");
    let foreign_org = foreign
        .issue_organisation(
            &IdNatStruct::parse("3123456789").expect("id"),
            "CABINET DE TEST",
        )
        .expect("cert");
    // Trust the simulator's server certificate, present the foreign identity.
    let mut tls = f.pki.client_config(None).expect("tls");
    tls.client_auth_cert_resolver = foreign
        .client_config(Some(&foreign_org))
        .expect("tls")
        .client_auth_cert_resolver
        .clone();
    let client = Arc::new(
        PscClient::builder(
            f.sim.environment().expect("env"),
            ClientConfig::mtls("lgc-mtls"),
        )
        .tls_config(tls)
        .build()
        .expect("client"),
    );
    let err = client
        .ciba_start(&CibaRequest::new(doctor()))
        .await
        .expect_err("foreign certificate");
    assert!(matches!(err, Error::Transport { .. }), "{err}");

    // tls_client_auth without a certificate is a configuration error.
    let err = PscClient::builder(
        f.sim.environment().expect("env"),
        ClientConfig::mtls("lgc-mtls"),
    )
    .tls_config(f.pki.client_config(None).expect("tls"))
    .build()
    .expect_err("no certificate");
    assert!(matches!(err, Error::Config(_)));
}
