//! Recipients of the certificates looked up in the Annuaire Santé (segur-mss
//! FHIR fake): found, several candidates, none → table, server error →
//! table with the reason, non-MSSanté and non-organisational addresses
//! ignored, overrides, cache TTL, and queueing with the source traced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::sync::Arc;

use segur_cda::volets::samples::Richness;
use segur_dmp::queue::{QueueStore, SqliteQueue};
use segur_enfant::Error;
use segur_enfant::recipients::{
    Departement, DreesLookup, FINESS_CATEGORY_SYSTEM, FallbackReason, PMI_CATEGORY, RecipientError,
    RecipientResolver, RecipientSource, Resolution,
};
use segur_enfant::samples;
use segur_enfant::sending::{CertificateQueue, Recipient, RecipientTable};
use segur_enfant::volet::ChildVolet;
use segur_mss::MailboxKind;
use segur_mss::annuaire::fhir::AnnuaireClient;
use segur_mss::sim::directory::{AnnuaireFake, organization, organization_at};
use segur_psc::ManualClock;
use segur_ssi::audit::{AuditFilter, AuditTrail, SqliteAuditTrail};
use serde_json::json;
use time::Duration;
use time::macros::datetime;

const KEY: &str = "test-key";

fn a(s: &str) -> segur_mss::MailAddress {
    s.parse().unwrap()
}

fn org(s: &str) -> (segur_mss::MailAddress, MailboxKind) {
    (a(s), MailboxKind::Organisational)
}

fn pmi(
    id: &str,
    name: &str,
    postal: &str,
    boxes: &[(segur_mss::MailAddress, MailboxKind)],
) -> serde_json::Value {
    organization_at(
        id,
        name,
        &[
            (FINESS_CATEGORY_SYSTEM, PMI_CATEGORY),
            (
                "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-type-organisation",
                "GEOGRAPHICAL-ENTITY",
            ),
        ],
        postal,
        boxes,
    )
}

fn directory() -> Vec<serde_json::Value> {
    let mut paris = pmi(
        "pmi-75",
        "Département de Paris - Service de PMI",
        "75013",
        &[
            org("pmi@cd75.test.mssante.fr"),
            (a("dr.pmi@medecin.test.mssante.fr"), MailboxKind::Personal),
        ],
    );
    // A plain e-mail of the organisation: not an MSSanté address.
    paris["telecom"]
        .as_array_mut()
        .unwrap()
        .push(json!({"system": "email", "value": "accueil.pmi@paris.test.fr"}));
    vec![
        paris,
        // Not a PMI: a hospital of the same department.
        organization_at(
            "chr-75",
            "Hôpital de test",
            &[(FINESS_CATEGORY_SYSTEM, "101")],
            "75014",
            &[org("secretariat@chr.test.mssante.fr")],
        ),
        // Two PMI centres in 13, neither the departmental service.
        pmi(
            "pmi-13a",
            "PMI Centre Nord",
            "13015",
            &[org("pmi.nord@cd13.test.mssante.fr")],
        ),
        pmi(
            "pmi-13b",
            "PMI Centre Sud",
            "13009",
            &[org("pmi.sud@cd13.test.mssante.fr")],
        ),
        // In 69: a centre and the departmental service.
        pmi(
            "pmi-69a",
            "PMI Villeurbanne",
            "69100",
            &[org("pmi.villeurbanne@cd69.test.mssante.fr")],
        ),
        pmi(
            "pmi-69b",
            "Direction départementale de la PMI du Rhône",
            "69003",
            &[org("pmi@cd69.test.mssante.fr")],
        ),
        // Haute-Corse only: 2A shares the postal prefix 20 but has none.
        pmi(
            "pmi-2b",
            "PMI Haute-Corse",
            "20200",
            &[org("pmi@cd2b.test.mssante.fr")],
        ),
        // In 33: only personal and applicative mailboxes.
        pmi(
            "pmi-33",
            "PMI Gironde",
            "33000",
            &[
                (
                    a("medecin.pmi@medecin.test.mssante.fr"),
                    MailboxKind::Personal,
                ),
                (a("logiciel@cd33.test.mssante.fr"), MailboxKind::Applicative),
            ],
        ),
        organization(
            "drees",
            "DREES - Direction de la recherche, des études, de l'évaluation et des statistiques",
            &[org("certificats@drees.test.mssante.fr")],
        ),
        // Matches `name:contains=DREES` on the server, not the DREES.
        organization(
            "andreessen",
            "Clinique Andreessen",
            &[org("contact@andreessen.test.mssante.fr")],
        ),
    ]
}

fn client(fake: &AnnuaireFake) -> AnnuaireClient {
    let tls = segur_ssi::test_pki::TestPki::generate()
        .unwrap()
        .client_config(None)
        .unwrap();
    AnnuaireClient::new(fake.base_url(), KEY, tls).unwrap()
}

fn dep(s: &str) -> Departement {
    Departement::parse(s).unwrap()
}

fn table(json: &str) -> RecipientTable {
    RecipientTable::from_json(json).unwrap()
}

fn addresses(r: &Resolution) -> Vec<(String, &'static str)> {
    r.recipients
        .iter()
        .map(|x| (x.address.to_string(), x.source.label()))
        .collect()
}

#[tokio::test]
async fn found_in_the_annuaire() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let resolver = RecipientResolver::new(RecipientTable::default()).with_annuaire(client(&fake));
    let r = resolver.resolve(&dep("75")).await.unwrap();
    // Only the organisational MSSanté mailbox of the PMI: the personal one,
    // the plain e-mail and the hospital next door are ignored.
    assert_eq!(
        addresses(&r),
        vec![
            ("pmi@cd75.test.mssante.fr".into(), "annuaire"),
            ("certificats@drees.test.mssante.fr".into(), "annuaire"),
        ]
    );
    assert_eq!(
        r.recipients[0].recipient,
        Recipient::Pmi {
            department: "75".into()
        }
    );
    match &r.recipients[0].source {
        RecipientSource::Annuaire {
            organization,
            resource_id,
        } => {
            assert_eq!(resource_id, "pmi-75");
            assert!(organization.as_deref().unwrap().contains("PMI"));
        }
        other => panic!("{other:?}"),
    }
    assert!(r.unresolved.is_empty());
    // The request is the documented FINESS-category + department search.
    let reqs = fake.requests();
    assert!(
        reqs.iter().any(|q| q.starts_with("Organization?type=")
            && q.contains("TRE-R66-CategorieEtablissement%7C223")
            && q.contains("address-postalcode=75")),
        "{reqs:?}"
    );
    // The departmental service is preferred among several PMI.
    let r = resolver.resolve(&dep("69")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd69.test.mssante.fr");
    assert_eq!(r.recipients[0].source.label(), "annuaire");
    // JSON for the host.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["department"], "69");
    assert_eq!(v["recipients"][0]["source"]["from"], "annuaire");
}

#[tokio::test]
async fn several_candidates_none_and_wrong_kinds_fall_back_on_the_table() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let t = table(
        r#"{"pmi": {"13": "pmi@cd13.test.mssante.fr", "2A": "pmi@cd2a.test.mssante.fr",
                    "33": "pmi@cd33.test.mssante.fr"}}"#,
    );
    let resolver = RecipientResolver::new(t).with_annuaire(client(&fake));

    // Several candidates: the table decides, the candidates are reported.
    let r = resolver.resolve(&dep("13")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd13.test.mssante.fr");
    match &r.recipients[0].source {
        RecipientSource::Table {
            reason: FallbackReason::Ambiguous { candidates },
        } => assert_eq!(
            candidates,
            &vec![
                "pmi.nord@cd13.test.mssante.fr".to_owned(),
                "pmi.sud@cd13.test.mssante.fr".to_owned()
            ]
        ),
        other => panic!("{other:?}"),
    }
    // The DREES still comes from the Annuaire.
    assert_eq!(r.recipients[1].source.label(), "annuaire");

    // Corse-du-Sud: the Haute-Corse PMI shares the postal prefix, not the department.
    let r = resolver.resolve(&dep("2A")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd2a.test.mssante.fr");
    assert_eq!(
        r.recipients[0].source,
        RecipientSource::Table {
            reason: FallbackReason::NotFound
        }
    );
    let r = resolver.resolve(&dep("2B")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd2b.test.mssante.fr");

    // Personal and applicative mailboxes only: nothing usable.
    let r = resolver.resolve(&dep("33")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd33.test.mssante.fr");
    assert_eq!(
        r.recipients[0].source,
        RecipientSource::Table {
            reason: FallbackReason::NotFound
        }
    );

    // Nothing anywhere: typed errors.
    match resolver.resolve(&dep("01")).await {
        Err(Error::Recipients(RecipientError::NoRecipient { department, .. })) => {
            assert_eq!(department, "01")
        }
        other => panic!("{other:?}"),
    }
    let bare = RecipientResolver::new(RecipientTable::default()).with_annuaire(client(&fake));
    match bare.resolve(&dep("13")).await {
        Err(Error::Recipients(RecipientError::Ambiguous { candidates, .. })) => {
            assert_eq!(candidates.len(), 2)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_error_falls_back_with_the_reason_and_is_not_cached() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let t = table(
        r#"{"pmi": {"75": "pmi.table@cd75.test.mssante.fr"}, "drees": "drees.table@test.mssante.fr"}"#,
    );
    let resolver = RecipientResolver::new(t).with_annuaire(client(&fake));
    fake.fail_with(Some(503));
    let r = resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(
        addresses(&r),
        vec![
            ("pmi.table@cd75.test.mssante.fr".into(), "table"),
            ("drees.table@test.mssante.fr".into(), "table"),
        ]
    );
    match &r.recipients[0].source {
        RecipientSource::Table {
            reason: FallbackReason::Failed { message },
        } => assert!(message.contains("503"), "{message}"),
        other => panic!("{other:?}"),
    }
    let v = serde_json::to_value(&r.recipients[0].source).unwrap();
    assert_eq!(
        (v["from"].as_str(), v["reason"].as_str()),
        (Some("table"), Some("failed"))
    );

    // No table entry: the failure is the error.
    match resolver.resolve(&dep("69")).await {
        Err(Error::Recipients(RecipientError::AnnuaireFailed {
            department,
            message,
        })) => {
            assert_eq!(department, "69");
            assert!(message.contains("503"));
        }
        other => panic!("{other:?}"),
    }
    // Back up: the failure was not cached.
    fake.fail_with(None);
    let r = resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(r.recipients[0].address.as_str(), "pmi@cd75.test.mssante.fr");
    assert_eq!(r.recipients[0].source.label(), "annuaire");

    // A wrong API key is a failure too (HTTP 401), reported the same way.
    let tls = segur_ssi::test_pki::TestPki::generate()
        .unwrap()
        .client_config(None)
        .unwrap();
    let wrong = AnnuaireClient::new(fake.base_url(), "wrong", tls).unwrap();
    let r = RecipientResolver::new(table(
        r#"{"pmi": {"75": "pmi.table@cd75.test.mssante.fr"}}"#,
    ))
    .with_annuaire(wrong)
    .resolve(&dep("75"))
    .await
    .unwrap();
    assert!(matches!(
        &r.recipients[0].source,
        RecipientSource::Table { reason: FallbackReason::Failed { message } } if message.contains("401")
    ));
    assert!(matches!(
        &r.unresolved[0].reason,
        FallbackReason::Failed { .. }
    ));
}

#[tokio::test]
async fn overrides_not_configured_and_drees_lookup() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let over = table(r#"{"pmi": {"75": "routage.pmi@cd75.test.mssante.fr"}}"#);
    let resolver = RecipientResolver::new(RecipientTable::default())
        .with_annuaire(client(&fake))
        .with_overrides(over.clone());
    let r = resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(
        r.recipients[0].address.as_str(),
        "routage.pmi@cd75.test.mssante.fr"
    );
    assert_eq!(r.recipients[0].source, RecipientSource::Override);
    assert_eq!(r.recipients[0].source.label(), "table");
    // The PMI of 75 was not even looked up.
    assert!(
        !fake
            .requests()
            .iter()
            .any(|q| q.contains("address-postalcode=75")),
        "{:?}",
        fake.requests()
    );

    // Not configured: the table, and it says so.
    let offline = RecipientResolver::new(over);
    let r = offline.resolve(&dep("75")).await.unwrap();
    assert_eq!(
        r.recipients[0].source,
        RecipientSource::Table {
            reason: FallbackReason::NotConfigured
        }
    );
    // No DREES anywhere: PMI only, the DREES reported unresolved.
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.unresolved[0].recipient, Recipient::Drees);
    assert_eq!(r.unresolved[0].reason, FallbackReason::NotConfigured);

    // DREES lookup disabled, or by an identifier nobody has.
    let r = RecipientResolver::new(RecipientTable::default())
        .with_annuaire(client(&fake))
        .with_drees_lookup(DreesLookup::Disabled)
        .resolve(&dep("75"))
        .await
        .unwrap();
    assert_eq!(r.recipients.len(), 1);
    let r = RecipientResolver::new(RecipientTable::default())
        .with_annuaire(client(&fake))
        .with_drees_lookup(DreesLookup::ByIdentifier("1750000000".into()))
        .resolve(&dep("75"))
        .await
        .unwrap();
    assert_eq!(r.unresolved[0].reason, FallbackReason::NotFound);
}

#[tokio::test]
async fn answers_are_cached_for_the_ttl() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let clock = ManualClock::new(datetime!(2026-03-02 09:00:00 UTC));
    let resolver = RecipientResolver::new(RecipientTable::default())
        .with_annuaire(client(&fake))
        .with_clock(Arc::new(clock.clone()))
        .with_cache_ttl(Duration::hours(1));
    let pmi75 = || {
        fake.requests()
            .iter()
            .filter(|q| q.contains("address-postalcode=75"))
            .count()
    };
    resolver.resolve(&dep("75")).await.unwrap();
    resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(pmi75(), 1);
    let drees = fake
        .requests()
        .iter()
        .filter(|q| q.contains("name"))
        .count();
    assert_eq!(drees, 1, "the DREES answer is cached too");
    clock.advance(Duration::minutes(61));
    resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(pmi75(), 2);
    resolver.clear_cache();
    resolver.resolve(&dep("75")).await.unwrap();
    assert_eq!(pmi75(), 3);
    // "Nothing found" is an answer, cached as well.
    let t = table(r#"{"pmi": {"2A": "pmi@cd2a.test.mssante.fr"}}"#);
    let r2 = RecipientResolver::new(t)
        .with_annuaire(client(&fake))
        .with_clock(Arc::new(clock.clone()));
    let before = fake.requests().len();
    r2.resolve(&dep("2A")).await.unwrap();
    r2.resolve(&dep("2A")).await.unwrap();
    assert_eq!(fake.requests().len(), before + 2, "PMI + DREES once");
}

#[tokio::test]
async fn queued_with_the_source_traced() {
    let fake = AnnuaireFake::start(KEY, directory(), 50).await.unwrap();
    let store = SqliteQueue::new(rusqlite::Connection::open_in_memory().unwrap()).unwrap();
    let audit = SqliteAuditTrail::open_in_memory().unwrap();
    let q = CertificateQueue::new(&store, &audit, "10003612545");
    let now = datetime!(2026-03-02 11:00:00 UTC);
    // The sample child lives at 75007 Paris.
    let doc = samples::document(ChildVolet::Cs8, Richness::Typical).unwrap();
    assert_eq!(
        segur_enfant::sending::residence_department(&doc).unwrap(),
        dep("75")
    );
    let t = table(r#"{"drees": "drees.table@test.mssante.fr"}"#);
    let resolver = RecipientResolver::new(t)
        .with_annuaire(client(&fake))
        .with_drees_lookup(DreesLookup::Disabled);
    let (orders, resolution) = q.enqueue_with(&doc, &resolver, now).await.unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!(
        addresses(&resolution),
        vec![
            ("pmi@cd75.test.mssante.fr".into(), "annuaire"),
            ("drees.table@test.mssante.fr".into(), "table"),
        ]
    );
    // Queued again: the same orders, nothing new.
    let (again, _) = q.enqueue_with(&doc, &resolver, now).await.unwrap();
    assert_eq!(
        again.iter().map(|o| o.id).collect::<Vec<_>>(),
        orders.iter().map(|o| o.id).collect::<Vec<_>>()
    );
    assert_eq!(store.list(&[]).unwrap().len(), 2);
    let events = audit
        .query(&AuditFilter::new().kind_prefix("enfant.certificate.queued"))
        .unwrap();
    assert_eq!(events.len(), 2);
    let d = &events[0].event.details;
    assert_eq!(d.get("source").map(String::as_str), Some("annuaire"));
    assert_eq!(
        d.get("annuaire_resource").map(String::as_str),
        Some("pmi-75")
    );
    let d = &events[1].event.details;
    assert_eq!(d.get("source").map(String::as_str), Some("table"));
    assert!(d.get("table_reason").unwrap().contains("not consulted"));

    // The PMI's address changed in the directory since: the certificate
    // keeps its order (never twice to one recipient).
    let moved = RecipientResolver::new(table(
        r#"{"pmi": {"75": "nouvelle.pmi@cd75.test.mssante.fr"}, "drees": "drees.table@test.mssante.fr"}"#,
    ));
    let (kept, _) = q.enqueue_with(&doc, &moved, now).await.unwrap();
    assert_eq!(
        kept.iter().map(|o| o.id).collect::<Vec<_>>(),
        orders.iter().map(|o| o.id).collect::<Vec<_>>()
    );
    assert_eq!(store.list(&[]).unwrap().len(), 2);
    // Once the first PMI order is refused for good, the new address is used.
    let mut first = store.get(orders[0].id).unwrap().unwrap();
    first.status = segur_dmp::queue::OrderStatus::Failed;
    store.save(&first).unwrap();
    let (redo, _) = q.enqueue_with(&doc, &moved, now).await.unwrap();
    assert_ne!(redo[0].id, orders[0].id);
    assert!(redo[0].label.contains("nouvelle.pmi@cd75.test.mssante.fr"));
    assert_eq!(redo[1].id, orders[1].id);
    assert_eq!(store.list(&[]).unwrap().len(), 3);

    // A resolution for another department is refused.
    let other = RecipientResolver::new(table(r#"{"pmi": {"13": "pmi@cd13.test.mssante.fr"}}"#))
        .resolve_offline(&dep("13"))
        .unwrap();
    assert!(matches!(
        q.enqueue_resolved(&doc, &other, now),
        Err(Error::Sending(m)) if m.contains("13")
    ));
}
