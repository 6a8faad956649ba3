//! Autoconfiguration against a test DNS and an AutoConfig server, and the
//! Annuaire Santé client against the FHIR fake.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;

use segur_ids::Rpps;
use segur_mss::annuaire::fhir::{AnnuaireClient, ResourceType, Search};
use segur_mss::autoconfig::dns::{DnsResolver, SrvRecord, SrvResolver};
use segur_mss::autoconfig::{Autoconfigurator, HttpFetcher, Source};
use segur_mss::config::Security;
use segur_mss::sim::directory::{
    AnnuaireFake, AutoconfigFake, DnsFake, organization, practitioner, practitioner_role,
};
use segur_mss::{AnnuaireError, AutoconfigError, MailAddress, MailboxKind};

fn addr(s: &str) -> MailAddress {
    s.parse().unwrap()
}

fn srv(port: u16, target: &str) -> Vec<SrvRecord> {
    vec![SrvRecord {
        priority: 0,
        weight: 5,
        port,
        target: target.into(),
        ttl: 3600,
    }]
}

#[tokio::test]
async fn srv_records_from_a_test_dns_over_udp_and_tcp() {
    let dns = DnsFake::start().await.unwrap();
    dns.set_srv(
        "_imaps._tcp.medecin.mssante.fr",
        srv(993, "imap.medecin.mssante.fr"),
    );
    dns.set_srv(
        "_submissions._tcp.medecin.mssante.fr",
        srv(465, "smtp.medecin.mssante.fr"),
    );
    let resolver = Arc::new(DnsResolver::new(vec![dns.addr()]));
    let records = resolver
        .lookup_srv("_imaps._tcp.medecin.mssante.fr")
        .await
        .unwrap();
    assert_eq!(records[0].target, "imap.medecin.mssante.fr");
    assert!(
        resolver
            .lookup_srv("_imap._tcp.medecin.mssante.fr")
            .await
            .unwrap()
            .is_empty()
    );
    dns.truncate_udp(true);
    let records = resolver
        .lookup_srv("_imaps._tcp.medecin.mssante.fr")
        .await
        .unwrap();
    assert_eq!(
        records[0].port, 993,
        "TCP fallback after a truncated answer"
    );

    let auto = Autoconfigurator::new(resolver);
    let d = auto.discover(&addr("dr@medecin.mssante.fr")).await.unwrap();
    assert_eq!(d.source, Source::DnsSrv);
    assert_eq!(
        (d.settings.imap.port, d.settings.imap.security),
        (993, Security::ImplicitTls)
    );
    assert_eq!(
        (d.settings.smtp.port, d.settings.smtp.security),
        (465, Security::ImplicitTls)
    );
    assert!(d.warnings.is_empty());
    assert!(auto.cached("medecin.mssante.fr").is_some());
}

#[tokio::test]
async fn autoconfig_xml_when_dns_has_nothing() {
    let dns = DnsFake::start().await.unwrap();
    let web = AutoconfigFake::start().await.unwrap();
    web.set_document(
        "cabinet.mssante.fr",
        r#"<clientConfig version="1.1"><emailProvider id="cabinet.mssante.fr">
             <incomingServer type="imap"><hostname>imap.%EMAILDOMAIN%</hostname><port>143</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication></incomingServer>
             <outgoingServer type="smtp"><hostname>smtp.cabinet.mssante.fr</hostname><port>25</port><socketType>plain</socketType></outgoingServer>
             <outgoingServer type="smtp"><hostname>smtp.cabinet.mssante.fr</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer>
           </emailProvider></clientConfig>"#,
    );
    let fetcher = Arc::new(
        HttpFetcher::new(
            segur_ssi::test_pki::TestPki::generate()
                .unwrap()
                .client_config(None)
                .unwrap(),
        )
        .unwrap(),
    );
    let auto = Autoconfigurator::new(Arc::new(DnsResolver::new(vec![dns.addr()])))
        .with_fetcher(fetcher)
        .with_autoconfig_port_for_tests(web.port());
    let d = auto.discover(&addr("dr@cabinet.mssante.fr")).await.unwrap();
    assert!(matches!(d.source, Source::AutoConfig(_)));
    assert_eq!(d.settings.imap.host, "imap.cabinet.mssante.fr");
    assert_eq!(
        (d.settings.smtp.port, d.settings.smtp.security),
        (587, Security::StartTls)
    );
    assert!(
        d.warnings.iter().any(|w| w.contains("without TLS")),
        "{:?}",
        d.warnings
    );
    let explained = d.explain();
    assert!(
        explained.contains("_submissions._tcp.cabinet.mssante.fr: no record"),
        "{explained}"
    );

    // Nothing anywhere: a typed error listing every step.
    match auto.discover(&addr("dr@nulle-part.fr")).await {
        Err(AutoconfigError::NotFound { tried, .. }) => {
            assert!(tried.iter().any(|t| t.contains("not found")))
        }
        other => panic!("{other:?}"),
    }
}

fn directory() -> Vec<serde_json::Value> {
    let mut v = vec![
        practitioner(
            "p1",
            "10003612545",
            "Martin",
            "Jeanne",
            &[(
                addr("jeanne.martin@medecin.mssante.fr"),
                MailboxKind::Personal,
            )],
        ),
        practitioner_role(
            "r1",
            "p1",
            &[(
                addr("cabinet.martin@medecin.mssante.fr"),
                MailboxKind::Cabinet,
            )],
        ),
        organization(
            "o1",
            "Hôpital de test",
            &[
                (
                    addr("secretariat@hopital.mssante.fr"),
                    MailboxKind::Organisational,
                ),
                (addr("lgc@hopital.mssante.fr"), MailboxKind::Applicative),
            ],
        ),
    ];
    for i in 0..7 {
        v.push(practitioner(
            &format!("m{i}"),
            "10000001916",
            "Martinez",
            &format!("P{i}"),
            &[(
                addr(&format!("p{i}.martinez@medecin.mssante.fr")),
                MailboxKind::Personal,
            )],
        ));
    }
    v
}

#[tokio::test]
async fn annuaire_client_against_the_fhir_fake() {
    let fake = AnnuaireFake::start("test-key", directory(), 3)
        .await
        .unwrap();
    // Plain HTTP to the fake; the TLS configuration is the one a host would
    // build with segur-ssi (here the test PKI).
    let tls = segur_ssi::test_pki::TestPki::generate()
        .unwrap()
        .client_config(None)
        .unwrap();
    let client = AnnuaireClient::new(fake.base_url(), "test-key", tls.clone()).unwrap();

    let rpps = Rpps::parse("10003612545").unwrap();
    let all = client.mailboxes_of(&rpps, None).await.unwrap();
    let addrs: Vec<_> = all.iter().map(|m| m.address.as_str().to_owned()).collect();
    assert_eq!(
        addrs,
        vec![
            "jeanne.martin@medecin.mssante.fr",
            "cabinet.martin@medecin.mssante.fr"
        ]
    );
    let cab = client
        .mailboxes_of(&rpps, Some(&MailboxKind::Cabinet))
        .await
        .unwrap();
    assert_eq!(cab.len(), 1);

    // Paging: 7 Martinez over pages of 3 (plus Martin matches "mart").
    let found = client
        .search(&Search::Name {
            family: "Martinez".into(),
            given: None,
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 7);
    assert!(
        fake.requests()
            .iter()
            .filter(|r| r.starts_with("Practitioner?family=Martinez"))
            .count()
            >= 3
    );

    let holders = client
        .holders_of(&addr("lgc@hopital.mssante.fr"))
        .await
        .unwrap();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].name.as_deref(), Some("Hôpital de test"));
    let apps = segur_mss::annuaire::fhir::mailboxes(&holders, Some(&MailboxKind::Applicative));
    assert_eq!(apps[0].address.as_str(), "lgc@hopital.mssante.fr");
    let contains = client
        .search(&Search::MailboxContains(
            ResourceType::Organization,
            "@hopital".into(),
        ))
        .await
        .unwrap();
    assert_eq!(contains.len(), 1);

    // Bad key.
    let bad = AnnuaireClient::new(fake.base_url(), "wrong", tls.clone()).unwrap();
    assert!(matches!(
        bad.mailboxes_of(&rpps, None).await,
        Err(AnnuaireError::Http { status: 401, .. })
    ));
    // Paging limit.
    let few = AnnuaireClient::new(fake.base_url(), "test-key", tls)
        .unwrap()
        .with_max_pages(2);
    assert!(matches!(
        few.search(&Search::Name {
            family: "Martinez".into(),
            given: None
        })
        .await,
        Err(AnnuaireError::TooManyPages(2))
    ));
}
