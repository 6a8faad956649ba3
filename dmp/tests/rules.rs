//! The rules around the transactions: VIHF checks of the simulator, consent
//! refusals (before anything is sent), consultation modes, antivirus and
//! traces, mutual TLS, bearer tokens, web DMP link (imaging manifests: `kos.rs`).

mod common;

use std::sync::Arc;

use common::*;
use segur_dmp::Error;
use segur_dmp::consent::{ConsentRecord, ConsentRefusal, ConsentStore, DmpOperation};
use segur_dmp::feed::Feed;
use segur_dmp::history::{Direction, DocumentHistory};
use segur_dmp::sim::DmpSimulator;
use segur_dmp::update::StatusChange;
use segur_dmp::vihf::{AuthenticationMode, Vihf};
use segur_dmp::xds::FindDocuments;
use segur_ssi::antivirus::{EICAR, UnavailableScanner};
use segur_ssi::audit::{AuditFilter, AuditTrail};

const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

fn find_documents_body(patient_cx: &str) -> String {
    let cx = patient_cx.replace('&', "&amp;");
    format!(
        r#"<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/><rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"><rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>'{cx}'</rim:Value></rim:ValueList></rim:Slot><rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery></query:AdhocQueryRequest>"#
    )
}

/// A hand-written SOAP 1.2 request (the assertion inserted verbatim).
fn envelope(assertion: Option<&str>, body: &str) -> String {
    let security = assertion
        .map(|a| format!(r#"<wsse:Security xmlns:wsse="{WSSE}">{a}</wsse:Security>"#))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header><wsa:Action soap:mustUnderstand="true">urn:ihe:iti:2007:RegistryStoredQuery</wsa:Action><wsa:MessageID>urn:uuid:00000000-0000-4000-8000-000000000001</wsa:MessageID>{security}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("tls")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()
        .expect("http")
}

async fn post(url: &str, xml: String) -> (u16, String) {
    let r = http()
        .post(url)
        .header("content-type", "application/soap+xml; charset=UTF-8")
        .body(xml)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

fn signed(v: &Vihf, at: time::OffsetDateTime) -> String {
    v.sign(&rsa_signer().0, at)
        .expect("sign")
        .as_xml()
        .to_owned()
}

#[tokio::test]
async fn simulator_rejects_missing_unsigned_badly_signed_and_expired_vihf() {
    let clock = segur_psc::ManualClock::new(time::OffsetDateTime::now_utc());
    let virtual_clock = clock.clone();
    let sim = DmpSimulator::builder()
        .clock_fn(move || segur_psc::Clock::now(&virtual_clock))
        .start()
        .await
        .expect("sim");
    let patient = sample_patient();
    sim.add_patient(&patient);
    sim.authorize(&patient, AUTHOR);
    let url = format!("{}/registry", sim.base_url());
    let body = find_documents_body(&patient.to_cx());
    let claims = Vihf::new(
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        lps(),
        AuthenticationMode::IndirecteRenforcee,
        time::OffsetDateTime::now_utc(),
    )
    .for_patient(patient);
    let now = time::OffsetDateTime::now_utc();

    // A good one works.
    let (status, text) = post(&url, envelope(Some(&signed(&claims, now)), &body)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ResponseStatusType:Success"));

    let unsigned = Vihf {
        mode: AuthenticationMode::Directe,
        ..claims.clone()
    }
    .unsigned("CN=8810003612545", now)
    .expect("unsigned");
    let cases: Vec<(String, &str)> = vec![
        (envelope(None, &body), "VIHF_ABSENT"),
        (envelope(Some(unsigned.as_xml()), &body), "VIHF_NON_SIGNE"),
        (
            envelope(
                Some(&signed(&claims, now).replace("MEDECIN-TEST Jean", "MEDECIN-TEST Jeanne")),
                &body,
            ),
            "VIHF_SIGNATURE_INVALIDE",
        ),
        (
            envelope(
                Some(&signed(&claims.clone().for_patient(common::ins()), now)),
                &body,
            ),
            "VIHF_PATIENT_INCOHERENT",
        ),
        (
            envelope(
                Some(&signed(
                    &Vihf {
                        mode: AuthenticationMode::Indirecte,
                        ..claims.clone()
                    },
                    now,
                )),
                &body,
            ),
            "DMP_MODE_NON_AUTORISE",
        ),
    ];
    for (xml, code) in cases {
        let (status, text) = post(&url, xml).await;
        assert_eq!(status, 500, "{code}: {text}");
        assert!(text.contains(code), "{code}: {text}");
    }
    // Expired: the simulator's clock moved one hour on.
    let assertion = signed(&claims, now);
    clock.advance(time::Duration::hours(1));
    let (status, text) = post(&url, envelope(Some(&assertion), &body)).await;
    assert_eq!(status, 500);
    assert!(text.contains("VIHF_EXPIRE"), "{text}");
    // Every exchange was recorded, with its response.
    let x = sim.exchanges();
    assert_eq!(x.len(), 7);
    assert!(x.iter().all(|x| x.response.is_some()));
}

#[tokio::test]
async fn simulator_checks_the_vihf_signer_against_its_anchors() {
    let pki = common::pki();
    let sim = DmpSimulator::builder()
        .trust_vihf_signers(pki.pki.trust_store().expect("trust"))
        .start()
        .await
        .expect("sim");
    let patient = sample_patient();
    sim.add_patient(&patient);
    let l = local();
    // Self-signed RSA signer: not trusted.
    let untrusted = client(
        &sim,
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::Indirecte,
        &l,
    );
    match untrusted.status(&patient).await {
        Err(Error::Fault(f)) => assert_eq!(f.subcodes, ["VIHF_SIGNATAIRE_NON_RECONNU"]),
        r => panic!("{r:?}"),
    }
    // The structure's certificate of the test IGC-Santé: trusted.
    let signer =
        segur_dmp::XmlSigner::from_identity(&pki.org.identity().expect("id")).expect("signer");
    let trusted = builder_with(
        &sim.base_url(),
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::Indirecte,
        &l,
        signer,
    )
    .build()
    .expect("client");
    assert!(trusted.status(&patient).await.expect("TD0.2").exists);
    // Feeding in indirect mode (no consultation) works, with an ECDSA
    // signature document.
    trusted
        .feed(&Feed::document(n1_doc(1).to_xml()))
        .await
        .expect("feed");
}

#[tokio::test]
async fn consent_is_checked_before_anything_is_sent() {
    let e = env().await;
    // Not informed (default record): consultation refused, nothing sent.
    let fresh = local();
    let c = client(
        &e.sim,
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::IndirecteRenforcee,
        &fresh,
    );
    e.sim.clear_exchanges();
    match c.search(&e.patient, &FindDocuments::new()).await {
        Err(Error::Consent {
            operation: DmpOperation::Search,
            refusal: ConsentRefusal::NotInformed,
        }) => {}
        r => panic!("{r:?}"),
    }
    assert!(matches!(
        c.retrieve_by_id(&e.patient, e.sim.repository_unique_id(), "x")
            .await,
        Err(Error::Consent { .. })
    ));
    assert!(matches!(
        c.set_authorization(&e.patient, false).await,
        Err(Error::Consent { .. })
    ));
    assert!(e.sim.exchanges().is_empty(), "nothing sent");
    // Feeding is allowed by default.
    c.feed(&Feed::document(n1_doc(2).to_xml()))
        .await
        .expect("feed allowed by default");
    assert_eq!(e.sim.exchanges().len(), 1, "one ITI-41");

    // Opposed to feeding: refused and traced; withdrawing stays possible.
    fresh
        .consent
        .set(
            &e.patient,
            ConsentRecord {
                informed: true,
                opposed_to_feeding: true,
                opposed_to_consultation: false,
            },
            AUTHOR,
            time::OffsetDateTime::now_utc(),
        )
        .expect("set");
    let before = e.sim.exchanges().len();
    match c.feed(&Feed::document(n1_doc(3).to_xml())).await {
        Err(Error::Consent {
            refusal: ConsentRefusal::OpposedToFeeding,
            ..
        }) => {}
        r => panic!("{r:?}"),
    }
    assert_eq!(e.sim.exchanges().len(), before, "nothing sent");
    c.change_status(
        &e.patient,
        &["1.2.250.1.999.1.1^TDOC-200".to_owned()],
        StatusChange::Delete,
    )
    .await
    .expect("deleting one's document stays possible");
    let refused = fresh
        .audit
        .query(&AuditFilter::new().kind(segur_dmp::consent::audit_kinds::CONSENT_REFUSED))
        .expect("q");
    assert_eq!(refused.len(), 4);
    assert!(
        refused
            .iter()
            .all(|r| r.event.patient_ref.as_deref() == Some(e.patient.to_cx().as_str()))
    );
}

#[tokio::test]
async fn indirect_mode_cannot_consult() {
    let e = env().await;
    let c = client(
        &e.sim,
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::Indirecte,
        &e.local,
    );
    e.sim.clear_exchanges();
    assert!(matches!(
        c.search(&e.patient, &FindDocuments::new()).await,
        Err(Error::ConsultationNotAllowed("INDIRECTE"))
    ));
    assert!(e.sim.exchanges().is_empty());
    // TD3.1b of one's own documents works without consultation rights.
    c.feed(&Feed::document(n1_doc(4).to_xml()))
        .await
        .expect("feed");
    assert!(
        c.entry_uuid_of(&e.patient, "1.2.250.1.999.1.1^TDOC-400")
            .await
            .expect("lookup")
            .is_some()
    );
}

#[tokio::test]
async fn retrieved_documents_are_scanned_fail_closed_and_traced() {
    let e = env().await;
    let mut doc = n1_doc(8);
    doc.header.title = Some(String::from_utf8_lossy(EICAR).into_owned());
    e.client
        .feed(&Feed::document(doc.to_xml()))
        .await
        .expect("feed");
    let uid = "1.2.250.1.999.1.1^TDOC-800";
    match e
        .client
        .retrieve_by_id(&e.patient, e.sim.repository_unique_id(), uid)
        .await
    {
        Err(Error::Antivirus(_)) => {}
        r => panic!("{r:?}"),
    }
    let denied = e
        .local
        .audit
        .query(
            &AuditFilter::new()
                .kind(segur_dmp::consent::audit_kinds::RETRIEVE)
                .outcome(segur_ssi::audit::Outcome::Denied),
        )
        .expect("q");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].event.document_ref.as_deref(), Some(uid));
    assert!(
        e.local
            .history
            .get(uid, Direction::Received)
            .expect("h")
            .is_none(),
        "not handed over"
    );

    // A clean document with an unavailable scanner: refused too.
    e.client
        .feed(&Feed::document(n1_doc(9).to_xml()))
        .await
        .expect("feed");
    let l = local_with(Arc::new(UnavailableScanner::new()));
    informed(&l, &e.patient);
    let c = client(
        &e.sim,
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::IndirecteRenforcee,
        &l,
    );
    assert!(matches!(
        c.retrieve_by_id(
            &e.patient,
            e.sim.repository_unique_id(),
            "1.2.250.1.999.1.1^TDOC-900"
        )
        .await,
        Err(Error::Antivirus(_))
    ));
}

#[tokio::test]
async fn mutual_tls_through_segur_ssi() {
    let pki = common::pki();
    let server = pki.pki.issue_localhost_server().expect("server cert");
    let sim = DmpSimulator::builder()
        .tls(pki.pki.server_config(&server, true).expect("server config"))
        .start()
        .await
        .expect("sim");
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let patient = sample_patient();
    sim.add_patient(&patient);
    let l = local();
    let with_cert = builder_with(
        &sim.base_url(),
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::Indirecte,
        &l,
        rsa_signer().0,
    )
    .tls(pki.pki.client_config(Some(&pki.org)).expect("client tls"))
    .build()
    .expect("client");
    assert!(with_cert.status(&patient).await.expect("TD0.2").exists);
    let without = builder_with(
        &sim.base_url(),
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::Indirecte,
        &l,
        rsa_signer().0,
    )
    .tls(pki.pki.client_config(None).expect("client tls"))
    .build()
    .expect("client");
    assert!(matches!(
        without.status(&patient).await,
        Err(Error::Transport(_))
    ));
    // https needs an explicit TLS configuration; plain http only on loopback.
    for url in [
        "https://dmp.example/services",
        "http://dmp.example/services",
    ] {
        assert!(
            builder_with(
                url,
                actor_named(AUTHOR, "x"),
                AuthenticationMode::Indirecte,
                &l,
                rsa_signer().0,
            )
            .build()
            .is_err(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn bearer_token_from_the_token_source() {
    use segur_psc::{AccessToken, Audience, StaticTokenSource};
    let sim = DmpSimulator::builder()
        .require_bearer(|t| t == "psc-dmp-token")
        .start()
        .await
        .expect("sim");
    let patient = sample_patient();
    sim.add_patient(&patient);
    let l = local();
    let make = |tokens: Option<StaticTokenSource>| {
        let mut b = builder_with(
            &sim.base_url(),
            actor_named(AUTHOR, "MEDECIN-TEST Jean"),
            AuthenticationMode::IndirecteRenforcee,
            &l,
            rsa_signer().0,
        );
        if let Some(t) = tokens {
            b = b.token_source(Arc::new(t));
        }
        b.build().expect("client")
    };
    let ok = make(Some(
        StaticTokenSource::new().with(Audience::Dmp, AccessToken::new("psc-dmp-token")),
    ));
    assert!(ok.status(&patient).await.expect("TD0.2").exists);
    assert!(matches!(
        make(None).status(&patient).await,
        Err(Error::Protocol(segur_dmp::ProtocolError::HttpStatus {
            status: 401
        }))
    ));
    let err = make(Some(StaticTokenSource::new()))
        .status(&patient)
        .await
        .expect_err("no token");
    assert!(matches!(err, Error::Token(_)));
    assert!(err.is_transient(), "no token: the queue waits");
}

#[tokio::test]
async fn web_dmp_contextual_link() {
    let e = env().await;
    e.client
        .feed(&Feed::document(n1_doc(12).to_xml()))
        .await
        .expect("feed");
    let link = e
        .client
        .web_link(&e.patient, &e.sim.web_url())
        .await
        .expect("link");
    assert!(
        !format!("{link:?}").contains("Assertion"),
        "assertion not in Debug"
    );
    let html = link.auto_post_html();
    assert!(html.contains("method=\"post\"") && html.contains("name=\"VIHF\""));
    let r = http()
        .post(&link.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(link.form_body())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("1.2.250.1.999.1.1^TDOC-1200"), "{page}");
    // Another patient's INS with this VIHF: refused.
    let mut forged = link.clone();
    forged.fields[1].1 = common::ins().to_cx();
    let r = http()
        .post(&forged.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(forged.form_body())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
}
