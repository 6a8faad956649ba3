//! A throwaway test PKI mimicking the IGC-Santé profiles, for tests and
//! simulators (feature `test-pki`, also enabled by `sim`).
//!
//! [`TestPki::generate`] creates, in memory:
//!
//! - a root CA `SEGUR-RS TEST AC RACINE IGC-SANTE`;
//! - two issuing CAs named like the IGC-Santé ones,
//!   `SEGUR-RS TEST AC IGC-SANTE PERSONNES` and `… ORGANISATIONS`
//!   (OU `IGC-SANTE TEST`), so [`crate::cert`] classifies the holders as it does
//!   for real cards;
//!
//! and issues leaf certificates following the observed profiles:
//!
//! | helper | subject | usages |
//! |---|---|---|
//! | [`TestPki::issue_personal`] | `C=FR, O, OU=<idNat_Struct>, title=<profession>, SN, CN=8+RPPS, GN`; UPN `<idNat>@carte-cps.fr` | digitalSignature; clientAuth |
//! | [`TestPki::issue_organisation`] | `C=FR, O=<name>, OU=<idNat_Struct>, CN=<label>` | digitalSignature, keyEncipherment; clientAuth |
//! | [`TestPki::issue_server`] | `C=FR, O, OU, CN=<first host>`; SAN DNS/IP | digitalSignature, keyEncipherment; serverAuth, clientAuth |
//!
//! Differences from the real IGC-Santé: keys are ECDSA P-256 (ring cannot
//! generate RSA keys), the subject attributes are single-valued RDNs (the real
//! cards use one multi-valued `SN+CN+GN` RDN; [`crate::cert`] reads both), and
//! every certificate carries the policy [`crate::cert::SEGUR_TEST_PKI_POLICY`]
//! beside the test IGC-Santé policy `1.2.250.1.213.1.7.2.1.1.1.1`.
//! Because of that marker, a [`TrustEnvironment::Production`] store refuses
//! this PKI's root and a production client refuses its identities.
//!
//! ```
//! use segur_ssi::test_pki::TestPki;
//! let pki = TestPki::generate().unwrap();
//! let server = pki.issue_server(&["localhost", "127.0.0.1"]).unwrap();
//! let doctor = pki.issue_personal(&"10003612545".parse().unwrap(), "MARTIN", "JEANNE", "Médecin").unwrap();
//! let server_config = pki.server_config(&server, true).unwrap();
//! let client_config = pki.client_config(Some(&doctor)).unwrap();
//! # let _ = (server_config, client_config);
//! ```

use std::fmt;
use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use segur_ids::{IdNatStruct, Rpps};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::cert::{IgcSanteCertificate, SEGUR_TEST_PKI_POLICY};
use crate::error::{CertificateError, Result};
use crate::tls::{
    ClientAuth, ClientTlsBuilder, Identity, ServerTlsBuilder, TrustEnvironment, TrustStore,
};

/// Test IGC-Santé policy OID put on leaf certificates (observed on real test cards).
pub const IGC_SANTE_TEST_LEAF_POLICY: &str = "1.2.250.1.213.1.7.2.1.1.1.1";

const OID_TITLE: &[u64] = &[2, 5, 4, 12];
const OID_SURNAME: &[u64] = &[2, 5, 4, 4];
const OID_GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
const OID_UPN: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 20, 2, 3];
const OID_CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];

fn rcgen_err(e: rcgen::Error) -> crate::Error {
    CertificateError::Key {
        reason: format!("test PKI generation failed: {e}"),
    }
    .into()
}

/// DER of an OBJECT IDENTIFIER given in dotted form (only well-formed constants
/// of this module are passed here).
fn der_oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(((v & 0x7f) as u8) | 0x80);
            v >>= 7;
        }
        tmp.reverse();
        body.extend(tmp);
    };
    if arcs.len() >= 2 {
        push(arcs[0] * 40 + arcs[1]);
        for a in &arcs[2..] {
            push(*a);
        }
    }
    der_tlv(0x06, &body)
}

fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

/// certificatePolicies extension with the given policy OIDs (no qualifiers).
fn policies_extension(oids: &[&str]) -> CustomExtension {
    let infos: Vec<u8> = oids
        .iter()
        .flat_map(|o| der_tlv(0x30, &der_oid(o)))
        .collect();
    CustomExtension::from_oid_content(OID_CERTIFICATE_POLICIES, der_tlv(0x30, &infos))
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: CertificateDer<'static>,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

/// A throwaway root, two IGC-Santé-like issuing CAs, and leaf helpers.
pub struct TestPki {
    root: Ca,
    personnes: Ca,
    organisations: Ca,
    now: OffsetDateTime,
}

impl fmt::Debug for TestPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestPki")
            .field("generated_at", &self.now)
            .finish_non_exhaustive()
    }
}

/// A leaf certificate of the test PKI with its key.
#[derive(Clone)]
pub struct TestCert {
    der: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key_pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for TestCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCert")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl TestCert {
    /// Leaf certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.der
    }
    /// Leaf certificate, PEM.
    pub fn cert_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.der)
    }
    /// Chain (leaf then issuing CA), PEM.
    pub fn chain_pem(&self) -> String {
        self.chain
            .iter()
            .map(|c| to_pem("CERTIFICATE", c))
            .collect()
    }
    /// Chain, DER, leaf first.
    pub fn chain_der(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }
    /// Private key, PKCS#8 DER.
    pub fn key_pkcs8_der(&self) -> &[u8] {
        &self.key_pkcs8
    }
    /// Private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(to_pem("PRIVATE KEY", &self.key_pkcs8))
    }
    /// Parsed view of the leaf.
    pub fn parsed(&self) -> Result<IgcSanteCertificate> {
        IgcSanteCertificate::from_der(&self.der)
    }
    /// The TLS identity (chain + key).
    pub fn identity(&self) -> Result<Identity> {
        Identity::from_der(
            self.chain.iter().map(|c| c.to_vec()).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.to_vec())),
        )
    }
    /// PKCS#12 (AES-256/PBKDF2, HMAC-SHA-256) with key, leaf and issuing CA.
    pub fn pkcs12(&self, password: &str) -> Result<Vec<u8>> {
        let p12err = |e: p12_keystore::error::Error| CertificateError::Pkcs12 {
            reason: e.to_string(),
        };
        let key = p12_keystore::PrivateKey::from_der(&self.key_pkcs8).map_err(p12err)?;
        let certs = self
            .chain
            .iter()
            .map(|c| p12_keystore::Certificate::from_der(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(p12err)?;
        let local_key_id =
            ring::digest::digest(&ring::digest::SHA256, &self.der).as_ref()[..20].to_vec();
        let chain = p12_keystore::PrivateKeyChain::new(local_key_id, key, certs);
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "segur-test",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
        );
        Ok(store.writer(password).write().map_err(p12err)?)
    }
}

fn ca_params(cn: &str, now: OffsetDateTime, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, "SEGUR-RS TEST PKI");
    dn.push(DnType::OrganizationalUnitName, "IGC-SANTE TEST");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = now - Duration::days(1);
    p.not_after = now + Duration::days(3650);
    p.custom_extensions = vec![policies_extension(&[SEGUR_TEST_PKI_POLICY])];
    p.serial_number = Some(random_serial());
    p
}

fn random_serial() -> SerialNumber {
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; 16];
    // A failing OS RNG leaves zeros; serials still differ by content hash below.
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::from_slice(&b)
}

fn new_key() -> Result<KeyPair> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(rcgen_err)
}

impl TestPki {
    /// Generates a new PKI valid from yesterday for ten years (leaves: one year).
    pub fn generate() -> Result<Self> {
        Self::generate_at(OffsetDateTime::now_utc())
    }

    /// Generates a PKI around `now` (deterministic validity for conformance runs).
    pub fn generate_at(now: OffsetDateTime) -> Result<Self> {
        let root_params = ca_params("SEGUR-RS TEST AC RACINE IGC-SANTE", now, Some(1));
        let root_key = new_key()?;
        let root_cert = root_params.self_signed(&root_key).map_err(rcgen_err)?;
        let root = Ca {
            der: root_cert.der().clone(),
            params: root_params,
            key: root_key,
        };
        let sub = |cn: &str| -> Result<Ca> {
            let params = ca_params(cn, now, Some(0));
            let key = new_key()?;
            let cert = params.signed_by(&key, &root.issuer()).map_err(rcgen_err)?;
            Ok(Ca {
                der: cert.der().clone(),
                params,
                key,
            })
        };
        let personnes = sub("SEGUR-RS TEST AC IGC-SANTE PERSONNES")?;
        let organisations = sub("SEGUR-RS TEST AC IGC-SANTE ORGANISATIONS")?;
        Ok(Self {
            root,
            personnes,
            organisations,
            now,
        })
    }

    /// Root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.root.der
    }

    /// Root certificate, PEM.
    pub fn root_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.root.der)
    }

    /// Issuing CA for personal certificates, PEM.
    pub fn personnes_ca_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.personnes.der)
    }

    /// Issuing CA for organisation and server certificates, PEM.
    pub fn organisations_ca_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.organisations.der)
    }

    /// A [`TrustEnvironment::Test`] store trusting this root only.
    pub fn trust_store(&self) -> Result<TrustStore> {
        let mut t = TrustStore::new(TrustEnvironment::Test);
        t.add_der(&self.root.der)?;
        Ok(t)
    }

    fn leaf(&self, ca: &Ca, mut params: CertificateParams) -> Result<TestCert> {
        params.not_before = self.now - Duration::days(1);
        params.not_after = self.now + Duration::days(365);
        params.serial_number = Some(random_serial());
        params.use_authority_key_identifier_extension = true;
        params.custom_extensions.push(policies_extension(&[
            IGC_SANTE_TEST_LEAF_POLICY,
            SEGUR_TEST_PKI_POLICY,
        ]));
        let key = new_key()?;
        let cert = params.signed_by(&key, &ca.issuer()).map_err(rcgen_err)?;
        let der = cert.der().clone();
        Ok(TestCert {
            chain: vec![der.clone(), ca.der.clone()],
            der,
            key_pkcs8: Zeroizing::new(key.serialize_der()),
        })
    }

    /// A server certificate for the given host names / IP addresses
    /// (`["localhost", "127.0.0.1"]` for loopback simulators).
    pub fn issue_server(&self, hosts: &[&str]) -> Result<TestCert> {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "FR");
        dn.push(DnType::OrganizationName, "SEGUR-RS SIMULATEUR");
        dn.push(DnType::OrganizationalUnitName, "318751275100020");
        dn.push(
            DnType::CommonName,
            hosts.first().copied().unwrap_or("localhost"),
        );
        p.distinguished_name = dn;
        for h in hosts {
            let san = match h.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*h).try_into().map_err(rcgen_err)?),
            };
            p.subject_alt_names.push(san);
        }
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        self.leaf(&self.organisations, p)
    }

    /// A server certificate for `localhost` and `127.0.0.1`.
    pub fn issue_localhost_server(&self) -> Result<TestCert> {
        self.issue_server(&["localhost", "127.0.0.1"])
    }

    /// A personal (CPS-like) authentication certificate: CN = `8` + RPPS.
    pub fn issue_personal(
        &self,
        rpps: &Rpps,
        surname: &str,
        given_name: &str,
        profession: &str,
    ) -> Result<TestCert> {
        let id = rpps.id_nat_ps();
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "FR");
        dn.push(DnType::OrganizationName, "CABINET DE TEST SEGUR-RS");
        dn.push(DnType::OrganizationalUnitName, "499700000000001");
        dn.push(DnType::CustomDnType(OID_TITLE.to_vec()), profession);
        dn.push(DnType::CustomDnType(OID_SURNAME.to_vec()), surname);
        dn.push(DnType::CommonName, id.as_str());
        dn.push(DnType::CustomDnType(OID_GIVEN_NAME.to_vec()), given_name);
        p.distinguished_name = dn;
        p.subject_alt_names = vec![SanType::OtherName((
            OID_UPN.to_vec(),
            format!("{}@carte-cps.fr", id.as_str()).into(),
        ))];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.leaf(&self.personnes, p)
    }

    /// An organisation (structure) authentication certificate: OU = idNat_Struct.
    pub fn issue_organisation(&self, id: &IdNatStruct, name: &str) -> Result<TestCert> {
        self.issue_organisation_with_cn(id, name, &format!("LGC {name}"))
    }

    /// An organisation certificate with a chosen common name (INSi requires
    /// `INSI-AUTO` or `INSI-MANU` on the structure certificate).
    pub fn issue_organisation_with_cn(
        &self,
        id: &IdNatStruct,
        name: &str,
        common_name: &str,
    ) -> Result<TestCert> {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "FR");
        dn.push(DnType::OrganizationName, name);
        dn.push(DnType::OrganizationalUnitName, id.as_str());
        dn.push(DnType::CommonName, common_name);
        p.distinguished_name = dn;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.leaf(&self.organisations, p)
    }

    /// A client configuration trusting this root, presenting `identity` if given.
    pub fn client_config(&self, identity: Option<&TestCert>) -> Result<rustls::ClientConfig> {
        let mut b = ClientTlsBuilder::new(self.trust_store()?);
        if let Some(id) = identity {
            b = b.with_identity(id.identity()?);
        }
        b.build()
    }

    /// A server configuration presenting `server`; with `require_client_cert`
    /// clients must present a certificate of this PKI (mutual TLS).
    pub fn server_config(
        &self,
        server: &TestCert,
        require_client_cert: bool,
    ) -> Result<rustls::ServerConfig> {
        let auth = if require_client_cert {
            ClientAuth::Required(self.trust_store()?)
        } else {
            ClientAuth::None
        };
        ServerTlsBuilder::new(server.identity()?)
            .with_client_auth(auth)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encoding() {
        // 1.2.840.113549 → 06 06 2a 86 48 86 f7 0d
        assert_eq!(
            der_oid("1.2.840.113549"),
            vec![0x06, 0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]
        );
        // 2.999.x: first sub-identifier 1079 → 88 37
        assert_eq!(&der_oid("2.999.1")[2..4], &[0x88, 0x37]);
        let long = der_tlv(0x04, &[0u8; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
    }
}
