//! Fixtures shared by the integration tests (all data fictitious).
#![allow(dead_code)]

use std::path::PathBuf;

use segur_dmp::XmlSigner;
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, Vihf, VihfActor};
use segur_ids::IdNatStruct;
use segur_ins::{Ins, InsOid, Nir};
use segur_ssi::test_pki::{TestCert, TestPki};
use segur_ssi::tls::Identity;

/// The committed, test-only RSA-2048 key (no real use anywhere).
pub const RSA_KEY_PEM: &str = include_str!("../data/vihf-test-rsa2048.key.pem");

pub fn structure() -> IdNatStruct {
    "499700000000001".parse().expect("test structure id")
}

/// A self-signed RSA certificate for the committed key: RSA-SHA256 VIHF
/// signatures, as with an IGC-Santé organisation certificate.
pub fn rsa_identity() -> (Identity, String) {
    let key = rcgen::KeyPair::from_pem(RSA_KEY_PEM).expect("rsa key");
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CountryName, "FR");
    dn.push(rcgen::DnType::OrganizationName, "CABINET DE TEST SEGUR-RS");
    dn.push(rcgen::DnType::OrganizationalUnitName, "499700000000001");
    dn.push(rcgen::DnType::CommonName, "LGC CABINET DE TEST");
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key).expect("self-signed");
    let pem = cert.pem();
    let identity = Identity::from_pem(pem.as_bytes(), RSA_KEY_PEM.as_bytes()).expect("identity");
    (identity, pem)
}

pub fn rsa_signer() -> (XmlSigner, String) {
    let (id, pem) = rsa_identity();
    (XmlSigner::from_identity(&id).expect("signer"), pem)
}

pub struct Pki {
    pub pki: TestPki,
    pub org: TestCert,
}

pub fn pki() -> Pki {
    let pki = TestPki::generate().expect("test pki");
    let org = pki
        .issue_organisation(&structure(), "CABINET DE TEST SEGUR-RS")
        .expect("org cert");
    Pki { pki, org }
}

pub fn ins() -> Ins {
    Ins::new(Nir::parse("279035121518989").expect("nir"), InsOid::Test)
}

pub fn actor() -> VihfActor {
    VihfActor::new("810003612545", "MARTIN Jeanne", structure(), "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"))
}

pub fn lps() -> LpsInfo {
    LpsInfo::new("segur-rs", "0.1.0", "SEGUR-RS-TEST-0001").with_instance_id("POSTE-01")
}

pub fn vihf(mode: AuthenticationMode) -> Vihf {
    Vihf::new(actor(), lps(), mode, time::OffsetDateTime::now_utc()).for_patient(ins())
}

/// Where tests write their outputs (`$SEGUR_TEST_OUT` or target/segur-test-out).
pub fn test_out(sub: &str) -> PathBuf {
    let base = std::env::var_os("SEGUR_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/segur-test-out"
            ))
        });
    let dir = base.join("dmp").join(sub);
    std::fs::create_dir_all(&dir).expect("test out dir");
    dir
}
