//! The INSi client against the simulator: outcomes, the given-name
//! strategy, faults, HTTP errors, slow answers, time-outs and retries, and
//! the three authentication modes.

use std::sync::Arc;
use std::time::Duration;

use segur_ins::insi::sim::{InsiSimulator, SimAnswer, SimAuth, SimBehaviour, SimIdentity};
use segur_ins::insi::{
    GivenNameStrategy, InsiAuth, InsiClient, InsiError, InsiOutcome, KnownFault, LunarDate,
    ManualClock, ProfessionalAttributes, ResultCode, RetryPolicy, SoftwareIdentity, SoftwareSigner,
    TransportKind, VitaleQuery,
};
use segur_ins::{BirthDate, Sex, Traits};
use segur_ssi::audit::{AuditFilter, AuditTrail, SqliteAuditTrail};

fn software() -> SoftwareIdentity {
    SoftwareIdentity::new(
        InsiSimulator::DEFAULT_IDAM,
        "1.0",
        "segur-rs-tests",
        "poste-1",
    )
}

fn traits(family: &str, given: &str, sex: Sex, date: &str) -> Traits {
    Traits::builder()
        .birth_family_name(family)
        .birth_given_names(given)
        .birth_date(BirthDate::parse(date).expect("date"))
        .sex(sex)
        .build()
        .expect("traits")
}

async fn sim() -> InsiSimulator {
    InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .start()
        .await
        .expect("simulator")
}

fn client(sim: &InsiSimulator) -> InsiClient {
    InsiClient::builder(sim.url(), software(), "10003612545")
        .retry(RetryPolicy::NONE)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[tokio::test]
async fn found_on_the_first_given_name() {
    let sim = sim().await;
    let t = traits(
        "ECETINSI",
        "PIERRE-ALAIN MURIEL FLORIANT",
        Sex::Male,
        "2009-07-14",
    );
    let report = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    assert!(report.is_conclusive());
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(
        report.conclusive_given_name().map(|g| g.as_str()),
        Some("PIERRE-ALAIN")
    );
    let id = report.response.outcome.identity().expect("identity");
    assert_eq!(
        id.ins().expect("ins").matricule().to_string(),
        "109076322083489"
    );
    assert_eq!(id.history.len(), 2);
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].seq, 1);
    assert_eq!(sim.received_count(), 1);
    assert_eq!(reqs[0].given_names(), ["PIERRE-ALAIN"]);
    assert_eq!(reqs[0].answer, SimAnswer::Result(ResultCode::Found));
    let parsed = reqs[0].parsed.as_ref().expect("parsed");
    assert!(parsed.header_problems().is_empty());
    assert_eq!(
        reqs[0].header("content-type"),
        Some(
            "application/soap+xml; charset=utf-8; action=\"urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite\""
        )
    );
    assert_eq!(
        parsed.message_id.as_deref(),
        Some(report.attempts[0].message_id.as_str())
    );
}

#[tokio::test]
async fn every_given_name_then_the_list_until_not_found() {
    let sim = sim().await;
    let t = traits("HOUILLES", "PIERRE PAUL JACQUES", Sex::Male, "1989-06-01");
    let report = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    assert_eq!(report.response.outcome, InsiOutcome::NotFound);
    let sent: Vec<Vec<String>> = sim.requests().iter().map(|r| r.given_names()).collect();
    assert_eq!(
        sent,
        [
            vec!["PIERRE"],
            vec!["PAUL"],
            vec!["JACQUES"],
            vec!["PIERRE PAUL JACQUES"]
        ]
    );
    assert_eq!(report.attempts.len(), 4);
    assert!(
        report
            .attempts
            .iter()
            .all(|a| a.code == ResultCode::NotFound)
    );
    // Distinct request ids.
    let mut ids: Vec<&str> = report
        .attempts
        .iter()
        .map(|a| a.message_id.as_str())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    assert!(report.explanation().contains("aucune identité"));
}

#[tokio::test]
async fn found_on_a_later_given_name_stops_the_sequence() {
    let sim = sim().await;
    // The local file knows the given names in another order.
    let t = traits("TCHITCHI", "OLA CATARINA BELLA", Sex::Female, "1936-06-21");
    let report = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    assert!(report.is_conclusive());
    assert_eq!(
        sim.requests()
            .iter()
            .map(|r| r.given_names())
            .collect::<Vec<_>>(),
        [vec!["OLA"], vec!["CATARINA"]]
    );
    // FirstOnly stops after OLA.
    sim.clear_requests();
    let report = client(&sim)
        .search(&t, GivenNameStrategy::FirstOnly)
        .await
        .expect("search");
    assert_eq!(report.response.outcome, InsiOutcome::NotFound);
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test]
async fn several_identities() {
    let sim = sim().await;
    let twin = SimIdentity::new(
        "297022A02077878",
        "1.2.250.1.213.1.4.8",
        SimIdentity::adrtrois_dominique().traits,
    )
    .expect("twin");
    sim.add_identity(twin);
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let report = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    assert_eq!(report.response.outcome, InsiOutcome::Several);
    assert!(report.explanation().contains("plusieurs"));
}

#[tokio::test]
async fn bad_key_in_the_answer_is_a_warning() {
    let sim = sim().await;
    let t = traits("HERMANN", "GATIEN", Sex::Male, "1981-03-24");
    let report = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    let id = report.response.outcome.identity().expect("identity");
    assert!(id.ins().is_none());
    assert_eq!(report.response.warnings.len(), 2);
}

#[tokio::test]
async fn vitale_search() {
    let sim = sim().await;
    let c = client(&sim);
    let q = VitaleQuery {
        ouvrant_droit: Some("185057512345673".parse().expect("nir")),
        birth_date: Some(LunarDate::parse("1975-12-31").expect("date")),
        birth_rank: Some(1),
        ..Default::default()
    };
    let ex = c.search_with_vitale(&q).await.expect("search");
    let id = ex.response.outcome.identity().expect("found");
    assert_eq!(id.traits.birth_family_name.as_deref(), Some("ADRUN"));
    // By the beneficiary's own (historical) matricule.
    let q = VitaleQuery {
        individual: Some("209066322012355".parse().expect("nir")),
        ..Default::default()
    };
    let ex = c.search_with_vitale(&q).await.expect("search");
    assert_eq!(
        ex.response
            .outcome
            .identity()
            .expect("found")
            .traits
            .birth_family_name
            .as_deref(),
        Some("ECETINSI")
    );
    // Another rank: nobody.
    let q = VitaleQuery {
        ouvrant_droit: Some("185057512345673".parse().expect("nir")),
        birth_date: Some(LunarDate::parse("1975-12-31").expect("date")),
        birth_rank: Some(2),
        ..Default::default()
    };
    assert_eq!(
        c.search_with_vitale(&q)
            .await
            .expect("search")
            .response
            .outcome,
        InsiOutcome::NotFound
    );
    // Incomplete queries never leave the client.
    assert!(matches!(
        c.search_with_vitale(&VitaleQuery::default()).await,
        Err(InsiError::Query(_))
    ));
    assert_eq!(sim.requests().len(), 3);
}

#[tokio::test]
async fn unknown_software_gets_desir_550() {
    let sim = sim().await;
    let c = InsiClient::builder(
        sim.url(),
        SoftwareIdentity::new("UNKNOWN-IDAM", "1", "x", "y"),
        "e",
    )
    .retry(RetryPolicy::NONE)
    .build()
    .expect("client");
    let e = c
        .search(
            &traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26"),
            GivenNameStrategy::EachThenAll,
        )
        .await
        .expect_err("fault");
    let f = e.fault().expect("fault");
    assert_eq!(f.known(), Some(KnownFault::UnknownSoftware));
    // The fault echoes the request id.
    let req = &sim.requests()[0];
    assert_eq!(
        f.detail.as_ref().and_then(|d| d.message_id.clone()),
        req.parsed.as_ref().expect("parsed").message_id
    );
    assert!(e.explanation().contains("CNDA"));
}

#[tokio::test]
async fn faults_http_errors_and_retries() {
    let sim = sim().await;
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let retrying = InsiClient::builder(sim.url(), software(), "e")
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        })
        .build()
        .expect("client");
    // 503 then a Receiver fault, then the answer: retried transparently.
    sim.script([
        SimBehaviour::HttpStatus {
            status: 503,
            body: "maintenance".into(),
        },
        SimBehaviour::fault_service_unavailable(),
    ]);
    let ex = retrying
        .search_by_traits(
            &segur_ins::insi::TraitsQuery::from_traits(&t, t.first_given_name().clone())
                .expect("query"),
        )
        .await
        .expect("third attempt answers");
    assert_eq!(ex.attempts, 3);
    assert!(ex.response.outcome.identity().is_some());
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].answer, SimAnswer::HttpStatus(503));
    let ids: std::collections::HashSet<_> = reqs
        .iter()
        .map(|r| r.parsed.as_ref().expect("parsed").message_id.clone())
        .collect();
    assert_eq!(ids.len(), 3, "a new MessageID per attempt");

    // Non-transient errors are not retried.
    sim.clear_requests();
    sim.script([SimBehaviour::HttpStatus {
        status: 400,
        body: "bad".into(),
    }]);
    let e = retrying
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("400");
    assert!(matches!(e, InsiError::HttpStatus { status: 400, .. }));
    assert_eq!(sim.requests().len(), 1);

    // Exhausted retries give the last error.
    sim.clear_requests();
    sim.script([
        SimBehaviour::fault_service_unavailable(),
        SimBehaviour::fault_service_unavailable(),
        SimBehaviour::fault_service_unavailable(),
    ]);
    let e = retrying
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("receiver fault");
    assert!(e.is_transient());
    assert!(e.explanation().contains("Réessayez"));
    assert_eq!(sim.requests().len(), 3);

    // A malformed 200 answer.
    sim.script([SimBehaviour::RawBody("<html>oops</html>".into())]);
    let e = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("malformed");
    assert!(matches!(e, InsiError::MalformedResponse { .. }), "{e:?}");
}

#[tokio::test]
async fn slow_answers_and_timeouts() {
    let sim = sim().await;
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let c = InsiClient::builder(sim.url(), software(), "e")
        .timeout(Duration::from_millis(400))
        .retry(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
        })
        .build()
        .expect("client");
    // Slow but within the timeout.
    sim.script([SimBehaviour::slow(Duration::from_millis(100))]);
    assert!(
        c.search(&t, GivenNameStrategy::EachThenAll)
            .await
            .expect("slow answer")
            .is_conclusive()
    );
    // Too slow, then hanging: two attempts, then a Timeout error.
    sim.clear_requests();
    sim.script([
        SimBehaviour::slow(Duration::from_secs(3)),
        SimBehaviour::Hang,
    ]);
    let started = std::time::Instant::now();
    let e = c
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("timeout");
    assert!(matches!(e, InsiError::Timeout { attempts: 2, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(sim.requests().len(), 2);
    assert!(e.explanation().contains("pas répondu"));
}

#[tokio::test]
async fn unreachable_service() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = InsiClient::builder(format!("http://127.0.0.1:{port}/lps"), software(), "e")
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client");
    let e = c
        .search(
            &traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26"),
            GivenNameStrategy::EachThenAll,
        )
        .await
        .expect_err("connect");
    assert!(
        matches!(
            e,
            InsiError::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_transient());
}

#[tokio::test]
async fn unknown_sex_is_refused_before_sending() {
    let sim = sim().await;
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Unknown, "1997-02-26");
    let e = client(&sim)
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("refused");
    assert!(matches!(e, InsiError::Query(_)));
    assert!(e.explanation().contains("sexe"));
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn mutual_tls_with_structure_certificates() {
    let pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let server = pki.issue_localhost_server().expect("server cert");
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .tls(pki.server_config(&server, true).expect("server config"))
        .auth(SimAuth::StructureCertificate)
        .start()
        .await
        .expect("simulator");
    assert!(sim.url().starts_with("https://127.0.0.1:"));
    let structure = "1750712184".parse().expect("id");
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let connect = |cn: &str| {
        let cert = pki
            .issue_organisation_with_cn(&structure, "CENTRE DE SANTE FICTIF", cn)
            .expect("cert");
        let p12 = cert.pkcs12("secret").expect("p12");
        // The host's path: a PKCS#12 file and the IGC-Santé roots.
        let identity = segur_ssi::tls::Identity::from_pkcs12(&p12, "secret").expect("identity");
        InsiClient::builder(sim.url(), software(), "1750712184")
            .auth(InsiAuth::ServerCertificate(identity))
            .trust_store(pki.trust_store().expect("trust"))
            .retry(RetryPolicy::NONE)
            .build()
            .expect("client")
    };
    let auto = connect("INSI-AUTO");
    assert_eq!(
        auto.certificate_mode(),
        Some(segur_ins::insi::CertificateMode::Auto)
    );
    assert!(
        auto.search(&t, GivenNameStrategy::EachThenAll)
            .await
            .expect("mTLS search")
            .is_conclusive()
    );
    assert_eq!(
        sim.requests()[0].client_certificate_cn.as_deref(),
        Some("INSI-AUTO")
    );
    // Another common name: DESIR_560.
    let other = connect("LGC CENTRE");
    assert_eq!(other.certificate_mode(), None);
    let e = other
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("desir_560");
    assert_eq!(
        e.fault().and_then(|f| f.known()),
        Some(KnownFault::InsufficientAccess)
    );
    // No client certificate: the TLS handshake fails.
    let anonymous = InsiClient::builder(sim.url(), software(), "e")
        .auth(InsiAuth::CpsCard {
            signer: Arc::new(
                SoftwareSigner::from_identity(
                    &pki.issue_personal(&"10003612545".parse().expect("rpps"), "A", "B", "Médecin")
                        .expect("card")
                        .identity()
                        .expect("identity"),
                )
                .expect("signer"),
            ),
            attributes: ProfessionalAttributes::new("1"),
        })
        .trust_store(pki.trust_store().expect("trust"))
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client");
    let e = anonymous
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("handshake");
    assert!(matches!(e, InsiError::Transport { .. }), "{e:?}");
    // A client that does not trust the server's root.
    let other_pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let untrusting = InsiClient::builder(sim.url(), software(), "e")
        .auth(InsiAuth::ServerCertificate(
            pki.issue_organisation_with_cn(&structure, "X", "INSI-AUTO")
                .expect("cert")
                .identity()
                .expect("identity"),
        ))
        .trust_store(other_pki.trust_store().expect("trust"))
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client");
    let e = untrusting
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("untrusted server");
    assert!(
        matches!(
            e,
            InsiError::Transport {
                kind: TransportKind::Tls,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.explanation().contains("certificat"));
}

#[tokio::test]
async fn pro_sante_connect_bearer_token() {
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .auth(SimAuth::BearerToken(vec!["insi-token-1".into()]))
        .start()
        .await
        .expect("simulator");
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let with = |token: &str| {
        let tokens = segur_psc::StaticTokenSource::new().with(
            segur_psc::Audience::Insi,
            segur_psc::AccessToken::new(token),
        );
        InsiClient::builder(sim.url(), software(), "810003612545")
            .auth(InsiAuth::ProSanteConnect {
                tokens: Arc::new(tokens),
                national_id: "810003612545".into(),
                attributes: ProfessionalAttributes {
                    identifiant_facturation: "991234567".into(),
                    code_specialite_amo: Some("01".into()),
                    ..Default::default()
                },
            })
            .retry(RetryPolicy::NONE)
            .build()
            .expect("client")
    };
    assert!(
        with("insi-token-1")
            .search(&t, GivenNameStrategy::EachThenAll)
            .await
            .expect("PSC search")
            .is_conclusive()
    );
    let req = &sim.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer insi-token-1"));
    let a = req
        .parsed
        .as_ref()
        .expect("parsed")
        .assertion
        .clone()
        .expect("assertion");
    assert_eq!(a.name_qualifier.as_deref(), Some("PSC"));
    assert_eq!(a.name_id.as_deref(), Some("810003612545"));
    assert!(
        a.attributes
            .contains(&("codeSpecialiteAMO".into(), "01".into()))
    );
    let e = with("stolen")
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("refused");
    assert_eq!(
        e.fault().and_then(|f| f.known()),
        Some(KnownFault::InsufficientAccess)
    );
    // A token source without an INSi token: an authentication error, nothing sent.
    sim.clear_requests();
    let none = InsiClient::builder(sim.url(), software(), "e")
        .auth(InsiAuth::ProSanteConnect {
            tokens: Arc::new(segur_psc::StaticTokenSource::new()),
            national_id: "810003612545".into(),
            attributes: ProfessionalAttributes::new("1"),
        })
        .build()
        .expect("client");
    let e = none
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect_err("no token");
    assert!(matches!(e, InsiError::Authentication { .. }), "{e:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn cps_card_signed_assertion() {
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .auth(SimAuth::CpsAssertion)
        .start()
        .await
        .expect("simulator");
    let pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let card = pki
        .issue_personal(
            &"10003612545".parse().expect("rpps"),
            "MARTIN",
            "JEANNE",
            "Médecin",
        )
        .expect("card");
    let signer =
        SoftwareSigner::from_pkcs12(&card.pkcs12("1234").expect("p12"), "1234").expect("signer");
    let c = InsiClient::builder(sim.url(), software(), "810003612545")
        .auth(InsiAuth::CpsCard {
            signer: Arc::new(signer),
            attributes: ProfessionalAttributes {
                identifiant_facturation: "991234567".into(),
                secteur_activite: Some("SA07".into()),
                code_specialite: Some("01".into()),
                ..Default::default()
            },
        })
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client");
    let t = traits("CORSE", "ANTHONY", Sex::Male, "1980-03-02");
    let report = c
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("CPS search");
    assert!(report.is_conclusive());
    let a = sim.requests()[0]
        .parsed
        .as_ref()
        .expect("parsed")
        .assertion
        .clone()
        .expect("assertion");
    assert!(a.signed);
    assert_eq!(a.name_qualifier.as_deref(), Some("CPS"));
    assert_eq!(a.name_id.as_deref(), Some("810003612545"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_limit_and_waiting_for_requests() {
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .record_limit(2)
        .start()
        .await
        .expect("simulator");
    let c = client(&sim);
    let t = traits("HOUILLES", "PIERRE PAUL JACQUES", Sex::Male, "1989-06-01");
    let search = tokio::spawn(async move { c.search(&t, GivenNameStrategy::EachThenAll).await });
    let reqs = sim.wait_for_requests(4, Duration::from_secs(5)).await;
    assert_eq!(sim.received_count(), 4);
    assert_eq!(reqs.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4]);
    let report = search.await.expect("task").expect("search");
    assert_eq!(report.attempts.len(), 4);
}

#[tokio::test]
async fn clock_audit_and_recorded_headers() {
    let sim = sim().await;
    let clock = ManualClock::new(time::macros::datetime!(2025-06-01 08:30 UTC));
    let trail = Arc::new(SqliteAuditTrail::open_in_memory().expect("trail"));
    let c = InsiClient::builder(sim.url(), software(), "10003612545")
        .clock(Arc::new(clock.clone()))
        .audit(trail.clone())
        .build()
        .expect("client");
    let t = traits("ADRTROIS", "DOMINIQUE", Sex::Female, "1997-02-26");
    let report = c
        .search(&t, GivenNameStrategy::EachThenAll)
        .await
        .expect("search");
    assert_eq!(
        report.started_at,
        time::macros::datetime!(2025-06-01 08:30 UTC)
    );
    let req = &sim.requests()[0];
    let lps = req
        .parsed
        .as_ref()
        .expect("parsed")
        .lps
        .clone()
        .expect("lps");
    assert_eq!(lps.temps.as_deref(), Some("2025-06-01T08:30:00.000Z"));
    assert_eq!(lps.idam.as_deref(), Some(InsiSimulator::DEFAULT_IDAM));
    assert_eq!(lps.emitter.as_deref(), Some("10003612545"));
    let records = trail
        .query(&AuditFilter::new().kind_prefix("ins.insi"))
        .expect("query");
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].event.request_id.as_deref(),
        Some(report.attempts[0].message_id.as_str())
    );
    assert_eq!(
        records[0].event.details.get("cr").map(String::as_str),
        Some("00")
    );
}
