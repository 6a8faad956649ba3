//! TLS, test PKI and certificate parsing: handshakes in memory (no sockets),
//! refusals, PKCS#12/PEM identities, fixtures made with OpenSSL.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection};
use segur_ids::{IdNatStruct, Rpps};
use segur_ssi::cert::{HolderKind, IgcSanteCertificate, NationalId, PolicyEnvironment, Validity};
use segur_ssi::policy::{CryptoPolicy, KeyAlgorithm};
use segur_ssi::test_pki::TestPki;
use segur_ssi::tls::{
    ANSSI_CIPHER_SUITES, ClientAuth, ClientTlsBuilder, Identity, ServerTlsBuilder, TlsPolicy,
    TrustEnvironment, TrustStore,
};
use segur_ssi::{CertificateError, Error, PolicyViolation};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/").to_owned() + name).unwrap()
}

fn rpps() -> Rpps {
    "10003612545".parse().unwrap()
}

fn pump(from: &mut dyn rustls_io::Conn, to: &mut dyn rustls_io::Conn) -> Result<(), rustls::Error> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    if !buf.is_empty() {
        let mut rd = &buf[..];
        while !rd.is_empty() {
            to.read_tls(&mut rd).unwrap();
        }
        to.process_new_packets()?;
    }
    Ok(())
}

/// Tiny object-safe facade over client and server connections.
mod rustls_io {
    pub trait Conn {
        fn wants_write(&self) -> bool;
        fn write_tls(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<usize>;
        fn read_tls(&mut self, r: &mut dyn std::io::Read) -> std::io::Result<usize>;
        fn process_new_packets(&mut self) -> Result<(), rustls::Error>;
    }
    macro_rules! imp {
        ($t:ty) => {
            impl Conn for $t {
                fn wants_write(&self) -> bool {
                    (**self).wants_write()
                }
                fn write_tls(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<usize> {
                    (**self).write_tls(w)
                }
                fn read_tls(&mut self, r: &mut dyn std::io::Read) -> std::io::Result<usize> {
                    (**self).read_tls(r)
                }
                fn process_new_packets(&mut self) -> Result<(), rustls::Error> {
                    (**self).process_new_packets().map(|_| ())
                }
            }
        };
    }
    imp!(rustls::ClientConnection);
    imp!(rustls::ServerConnection);
}

/// Runs a full handshake in memory; Err is the first side's error.
fn handshake(
    client: rustls::ClientConfig,
    server: rustls::ServerConfig,
    name: &str,
) -> Result<(ClientConnection, ServerConnection), rustls::Error> {
    let mut c = ClientConnection::new(
        Arc::new(client),
        ServerName::try_from(name.to_owned()).unwrap(),
    )?;
    let mut s = ServerConnection::new(Arc::new(server))?;
    for _ in 0..10 {
        pump(&mut c, &mut s)?;
        pump(&mut s, &mut c)?;
        if !c.is_handshaking() && !s.is_handshaking() && !c.wants_write() && !s.wants_write() {
            return Ok((c, s));
        }
    }
    panic!("handshake did not finish");
}

#[test]
fn mutual_tls_with_personal_certificate() {
    let pki = TestPki::generate().unwrap();
    let server = pki.issue_localhost_server().unwrap();
    let doctor = pki
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Médecin")
        .unwrap();
    let (c, s) = handshake(
        pki.client_config(Some(&doctor)).unwrap(),
        pki.server_config(&server, true).unwrap(),
        "localhost",
    )
    .unwrap();
    assert!(ANSSI_CIPHER_SUITES.contains(&c.negotiated_cipher_suite().unwrap().suite()));
    assert_eq!(c.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_3));
    let peer = segur_ssi::tls::peer_identity(s.peer_certificates().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(peer.holder(), HolderKind::Personal);
    assert_eq!(
        peer.national_id(),
        Some(&NationalId::Professional(rpps().id_nat_ps()))
    );
    // Also by IP address.
    handshake(
        pki.client_config(Some(&doctor)).unwrap(),
        pki.server_config(&server, true).unwrap(),
        "127.0.0.1",
    )
    .unwrap();
}

#[test]
fn tls12_only_client_negotiates_an_anssi_suite() {
    let pki = TestPki::generate().unwrap();
    let server = pki.issue_localhost_server().unwrap();
    let client = ClientTlsBuilder::new(pki.trust_store().unwrap())
        .with_tls_policy(TlsPolicy::tls12_only())
        .build()
        .unwrap();
    let (c, _) = handshake(
        client,
        pki.server_config(&server, false).unwrap(),
        "localhost",
    )
    .unwrap();
    assert_eq!(c.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_2));
    assert!(ANSSI_CIPHER_SUITES.contains(&c.negotiated_cipher_suite().unwrap().suite()));

    // A TLS 1.3-only server and a TLS 1.2-only client do not agree.
    let server13 = ServerTlsBuilder::new(server.identity().unwrap())
        .with_tls_policy(TlsPolicy::tls13_only())
        .build()
        .unwrap();
    let client12 = ClientTlsBuilder::new(pki.trust_store().unwrap())
        .with_tls_policy(TlsPolicy::tls12_only())
        .build()
        .unwrap();
    assert!(handshake(client12, server13, "localhost").is_err());
}

#[test]
fn refusals() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let server = pki.issue_localhost_server().unwrap();
    let doctor = pki
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Médecin")
        .unwrap();

    // No client certificate while the server requires one.
    assert!(
        handshake(
            pki.client_config(None).unwrap(),
            pki.server_config(&server, true).unwrap(),
            "localhost"
        )
        .is_err()
    );
    // Client certificate from another PKI.
    let rogue = other
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Médecin")
        .unwrap();
    let err = handshake(
        pki.client_config(Some(&rogue)).unwrap(),
        pki.server_config(&server, true).unwrap(),
        "localhost",
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(_) | rustls::Error::AlertReceived(_)
        ),
        "{err:?}"
    );
    // Server from another PKI.
    let other_server = other.issue_localhost_server().unwrap();
    let err = handshake(
        pki.client_config(Some(&doctor)).unwrap(),
        other.server_config(&other_server, false).unwrap(),
        "localhost",
    )
    .unwrap_err();
    // Same issuer names, other keys: webpki reports a bad signature.
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature
            )
        ),
        "{err:?}"
    );
    // Wrong name.
    let err = handshake(
        pki.client_config(None).unwrap(),
        pki.server_config(&server, false).unwrap(),
        "dmp.example.org",
    )
    .unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
    // Optional client auth accepts anonymous clients.
    let optional = ServerTlsBuilder::new(server.identity().unwrap())
        .with_client_auth(ClientAuth::Optional(pki.trust_store().unwrap()))
        .build()
        .unwrap();
    handshake(pki.client_config(None).unwrap(), optional, "localhost").unwrap();
}

#[test]
fn production_refuses_the_test_pki() {
    let pki = TestPki::generate().unwrap();
    let mut prod = TrustStore::new(TrustEnvironment::Production);
    let err = prod.add_pem(pki.root_pem().as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Policy(PolicyViolation::TestCertificateInProduction { .. })
        ),
        "{err}"
    );
    assert!(prod.is_empty());

    // A production client refuses to present a test identity, even with a
    // production anchor (here the production-like fixture's key is fine).
    let doctor = pki
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Médecin")
        .unwrap();
    let identity = doctor.identity().unwrap();
    let mut prod = TrustStore::new(TrustEnvironment::Production);
    // The production-like server fixture is not a CA but webpki accepts any
    // certificate as an anchor; it stands in for an IGC-Santé root here.
    prod.add_der(&data("org-server-prod-like.der")).unwrap();
    let err = ClientTlsBuilder::new(prod)
        .with_identity(identity)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Policy(PolicyViolation::TestCertificateInProduction { .. })
        ),
        "{err}"
    );

    // A test-IGC-Santé certificate is refused in production too.
    let mut prod = TrustStore::new(TrustEnvironment::Production);
    assert!(prod.add_der(&data("cps-auth-test-like.der")).is_err());
    // ... and accepted by a test store.
    let mut test = TrustStore::new(TrustEnvironment::Test);
    test.add_der(&data("cps-auth-test-like.der")).unwrap();
}

#[test]
fn weak_legacy_certificate_is_refused() {
    let der = data("classe4-like.der");
    let cert = IgcSanteCertificate::from_der(&der).unwrap();
    assert_eq!(cert.environment(), PolicyEnvironment::LegacyGipCps);
    assert_eq!(
        cert.key_algorithm(),
        &KeyAlgorithm::Rsa {
            bits: 1024,
            exponent: 65537
        }
    );
    let err = cert.check_policy(&CryptoPolicy::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Policy(PolicyViolation::SignatureAlgorithmNotAllowed { .. })
        ),
        "{err}"
    );
    let err = CryptoPolicy::default()
        .check_certificate_der(&der)
        .unwrap_err();
    assert!(matches!(err, Error::Policy(_)));
    let mut store = TrustStore::new(TrustEnvironment::Test);
    let err = store.add_der(&der).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Policy(PolicyViolation::WeakRsaKey {
                bits: 1024,
                min: 2048
            })
        ),
        "{err}"
    );
}

#[test]
fn parses_a_test_igc_sante_personal_certificate() {
    let cert = IgcSanteCertificate::from_der(&data("cps-auth-test-like.der")).unwrap();
    assert_eq!(cert.holder(), HolderKind::Personal);
    assert_eq!(cert.environment(), PolicyEnvironment::Test);
    assert_eq!(
        cert.national_id(),
        Some(&NationalId::Professional("810003612545".parse().unwrap()))
    );
    assert_eq!(cert.structure_id().map(|s| s.as_str()), Some("10B0057881"));
    assert_eq!(cert.surname(), Some("DUPONT"));
    assert_eq!(cert.given_name(), Some("JEANNE"));
    assert_eq!(cert.title(), Some("Médecin"));
    assert_eq!(cert.upn(), Some("810003612545@carte-cps.fr"));
    assert!(cert.usages().digital_signature && cert.usages().client_auth);
    assert!(!cert.usages().server_auth);
    assert_eq!(cert.serial_hex(), "1001");
    assert!(cert.check_policy(&CryptoPolicy::default()).is_ok());
    assert_eq!(
        cert.validity_at(cert.not_before() - time::Duration::seconds(1)),
        Validity::NotYetValid
    );
    assert_eq!(cert.validity_at(cert.not_before()), Validity::Valid);
    assert_eq!(
        cert.validity_at(cert.not_after() + time::Duration::seconds(1)),
        Validity::Expired
    );
    assert!(matches!(
        cert.check_valid_at(cert.not_after() + time::Duration::days(1)),
        Err(Error::Certificate(CertificateError::OutsideValidity { .. }))
    ));
    assert_eq!(cert.x5t_s256().len(), 43);
}

#[test]
fn parses_a_production_organisation_server_certificate() {
    let cert = IgcSanteCertificate::from_der(&data("org-server-prod-like.der")).unwrap();
    assert_eq!(cert.holder(), HolderKind::Server);
    assert_eq!(cert.environment(), PolicyEnvironment::Production);
    assert_eq!(
        cert.national_id(),
        Some(&NationalId::Structure(
            IdNatStruct::parse("318751275100020").unwrap()
        ))
    );
    assert_eq!(cert.dns_names(), ["lgc.centre-fictif.test"]);
    assert!(cert.check_production().is_ok());
}

#[test]
fn test_pki_profiles() {
    let pki = TestPki::generate().unwrap();
    let doctor = pki
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Infirmier")
        .unwrap()
        .parsed()
        .unwrap();
    assert_eq!(doctor.holder(), HolderKind::Personal);
    assert_eq!(doctor.environment(), PolicyEnvironment::SegurTestPki);
    assert_eq!(doctor.common_name(), Some("810003612545"));
    assert_eq!(doctor.upn(), Some("810003612545@carte-cps.fr"));
    assert_eq!(doctor.title(), Some("Infirmier"));
    assert!(doctor.check_production().is_err());

    let id = IdNatStruct::parse("1750712184").unwrap();
    let org = pki
        .issue_organisation(&id, "CENTRE DE SANTE FICTIF")
        .unwrap()
        .parsed()
        .unwrap();
    assert_eq!(org.holder(), HolderKind::Organisation);
    assert_eq!(org.national_id(), Some(&NationalId::Structure(id)));

    let srv = pki.issue_localhost_server().unwrap().parsed().unwrap();
    assert_eq!(srv.holder(), HolderKind::Server);
    assert_eq!(srv.dns_names(), ["localhost"]);

    let root = IgcSanteCertificate::from_pem(pki.root_pem().as_bytes()).unwrap();
    assert_eq!(root.holder(), HolderKind::CertificationAuthority);
    assert_eq!(root.environment(), PolicyEnvironment::SegurTestPki);
    for pem in [pki.personnes_ca_pem(), pki.organisations_ca_pem()] {
        let ca = IgcSanteCertificate::from_pem(pem.as_bytes()).unwrap();
        assert!(ca.is_ca());
    }
}

#[test]
fn identities_from_pkcs12_and_pem() {
    let pki = TestPki::generate().unwrap();
    let doctor = pki
        .issue_personal(&rpps(), "MARTIN", "JEANNE", "Médecin")
        .unwrap();
    let p12 = doctor.pkcs12("s3cret").unwrap();
    let id = Identity::from_pkcs12(&p12, "s3cret").unwrap();
    assert_eq!(id.certificate().der(), doctor.cert_der());
    assert_eq!(id.chain().len(), 2);
    assert!(format!("{id:?}").contains("redacted"));
    let err = Identity::from_pkcs12(&p12, "wrong").unwrap_err();
    assert!(
        matches!(err, Error::Certificate(CertificateError::Pkcs12 { .. })),
        "{err}"
    );
    assert!(Identity::from_pkcs12(b"garbage", "").is_err());

    let id =
        Identity::from_pem(doctor.chain_pem().as_bytes(), doctor.key_pem().as_bytes()).unwrap();
    assert_eq!(id.certificate().holder(), HolderKind::Personal);
    // Key of another certificate.
    let other = pki.issue_localhost_server().unwrap();
    let err =
        Identity::from_pem(doctor.cert_pem().as_bytes(), other.key_pem().as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::Certificate(CertificateError::Key { .. })),
        "{err}"
    );
    let err = Identity::from_pem(doctor.cert_pem().as_bytes(), b"").unwrap_err();
    assert!(
        matches!(err, Error::Certificate(CertificateError::PemEmpty { .. })),
        "{err}"
    );

    // Files.
    let dir = tempfile::tempdir().unwrap();
    let (c, k, r) = (
        dir.path().join("c.pem"),
        dir.path().join("k.pem"),
        dir.path().join("root.pem"),
    );
    std::fs::write(&c, doctor.chain_pem()).unwrap();
    std::fs::write(&k, doctor.key_pem().as_bytes()).unwrap();
    std::fs::write(&r, pki.root_pem()).unwrap();
    Identity::from_pem_files(&c, &k).unwrap();
    let store = TrustStore::from_files(TrustEnvironment::Test, [&r]).unwrap();
    assert_eq!(store.len(), 1);
    assert!(matches!(
        TrustStore::from_files(TrustEnvironment::Test, [dir.path().join("missing.pem")]),
        Err(Error::Io { .. })
    ));
}

#[test]
fn openssl_pkcs12_exports_load() {
    for f in [
        "identity-aes.p12",
        "identity-3des.p12",
        "identity-legacy.p12",
    ] {
        let id = Identity::from_pkcs12(&data(f), "test").unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(id.certificate().common_name(), Some("810003612545"), "{f}");
        assert!(matches!(
            id.certificate().key_algorithm(),
            KeyAlgorithm::Rsa { bits: 2048, .. }
        ));
        assert!(Identity::from_pkcs12(&data(f), "nope").is_err(), "{f}");
    }
}

#[test]
fn test_card_with_a_wrong_rpps_key_is_still_a_person() {
    let cert = IgcSanteCertificate::from_der(&data("mss-client-like.der")).unwrap();
    assert_eq!(cert.holder(), HolderKind::Personal);
    assert_eq!(
        cert.national_id(),
        None,
        "the RPPS key is wrong: no validated id"
    );
    assert_eq!(cert.common_name(), Some("899700000000 DOCTEUR TEST"));
    assert_eq!(cert.emails(), ["medecin@test.mssante.local"]);
    assert_eq!(cert.environment(), PolicyEnvironment::Unknown);
}
