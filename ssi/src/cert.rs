//! Typed view of IGC-Santé (and legacy GIP-CPS) X.509 certificates.
//!
//! [`IgcSanteCertificate::from_der`] reads a certificate once and exposes what
//! the other crates need to fill identities (DMP VIHF, MSSanté, PSC mTLS):
//!
//! - the [`HolderKind`]: personal (CPS / e-CPS / CPx), organisation, server,
//!   certification authority. From the issuing CA name (`… PERSONNES` /
//!   `… ORGANISATIONS`), then the extended key usage and subject shape;
//! - the national identifier: the CN of personal certificates (`8` + RPPS,
//!   `3`/`5` + structure + `/` + id) as [`IdNatPs`], the OU of organisation and
//!   server certificates as [`IdNatStruct`];
//! - the [`PolicyEnvironment`] from the certificate-policy OID arc:
//!   `1.2.250.1.213.1.7.1.*` production IGC-Santé, `1.2.250.1.213.1.7.2.*` test
//!   IGC-Santé, `1.2.250.1.71.*` legacy GIP-CPS, or the segur-rs throwaway test
//!   PKI marker [`SEGUR_TEST_PKI_POLICY`];
//! - the validity period ([`IgcSanteCertificate::validity_at`]), the key and
//!   signature algorithms (checked by [`crate::policy::CryptoPolicy`]) and the
//!   RFC 8705 thumbprint `x5t#S256`.
//!
//! Parsing never panics on outside input: a malformed certificate is a
//! [`CertificateError::Malformed`].

use std::fmt;

use base64::Engine as _;
use segur_ids::{IdNatPs, IdNatStruct, Oid};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::x509::X509Name;

use crate::error::{CertificateError, PolicyViolation, Result};
use crate::policy::{CryptoPolicy, KeyAlgorithm, PolicyReport, SignatureAlgorithm};

/// Certificate-policy OID carried by every certificate of the segur-rs
/// throwaway test PKI (under the ITU-T/ISO "example" arc 2.999, which no real
/// PKI uses). Production trust stores refuse certificates bearing it.
pub const SEGUR_TEST_PKI_POLICY: &str = "2.999.7466.1";

/// Production IGC-Santé policy arc.
pub const IGC_SANTE_PRODUCTION_ARC: &str = "1.2.250.1.213.1.7.1";
/// Test IGC-Santé policy arc.
pub const IGC_SANTE_TEST_ARC: &str = "1.2.250.1.213.1.7.2";
/// Legacy GIP-CPS / ASIP arc.
pub const GIP_CPS_ARC: &str = "1.2.250.1.71";

/// Who holds the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum HolderKind {
    /// A person: CPS / e-CPS / CPx card holder (CN = idNat_PS).
    Personal,
    /// An organisation (structure) certificate used for client authentication
    /// or signature (OU = idNat_Struct).
    Organisation,
    /// An organisation server certificate (serverAuth, DNS names).
    Server,
    /// A certification authority.
    CertificationAuthority,
    /// None of the above could be recognised.
    Unknown,
}

/// Which PKI and environment the certificate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum PolicyEnvironment {
    /// Production IGC-Santé (`1.2.250.1.213.1.7.1.*`).
    Production,
    /// Test IGC-Santé (`1.2.250.1.213.1.7.2.*`, or an issuer named `… TEST …`).
    Test,
    /// Legacy GIP-CPS arcs (`1.2.250.1.71.*`), e.g. "classe 4" certificates.
    LegacyGipCps,
    /// The segur-rs throwaway test PKI ([`SEGUR_TEST_PKI_POLICY`]).
    SegurTestPki,
    /// No recognised policy.
    Unknown,
}

impl PolicyEnvironment {
    /// True for anything that must never be trusted in production.
    pub fn is_test(self) -> bool {
        matches!(self, Self::Test | Self::SegurTestPki)
    }
}

impl fmt::Display for PolicyEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Production => "IGC-Santé production",
            Self::Test => "IGC-Santé test",
            Self::LegacyGipCps => "legacy GIP-CPS",
            Self::SegurTestPki => "segur-rs throwaway test PKI",
            Self::Unknown => "unknown PKI",
        })
    }
}

/// The national identifier carried by a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum NationalId {
    /// A health professional (personal certificates).
    Professional(IdNatPs),
    /// A structure (organisation and server certificates).
    Structure(IdNatStruct),
}

/// Whether a certificate is valid at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Before `not_before`.
    NotYetValid,
    /// Within the validity period.
    Valid,
    /// After `not_after`.
    Expired,
}

/// Key usages found in the certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Usages {
    /// keyUsage digitalSignature.
    pub digital_signature: bool,
    /// keyUsage nonRepudiation (contentCommitment).
    pub non_repudiation: bool,
    /// keyUsage keyEncipherment.
    pub key_encipherment: bool,
    /// keyUsage keyCertSign.
    pub key_cert_sign: bool,
    /// extendedKeyUsage serverAuth.
    pub server_auth: bool,
    /// extendedKeyUsage clientAuth.
    pub client_auth: bool,
    /// extendedKeyUsage emailProtection.
    pub email_protection: bool,
}

/// A parsed IGC-Santé-style certificate. Owns its DER bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct IgcSanteCertificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    serial_hex: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    holder: HolderKind,
    environment: PolicyEnvironment,
    national_id: Option<NationalId>,
    professional_id: Option<IdNatPs>,
    structure_id: Option<IdNatStruct>,
    common_name: Option<String>,
    surname: Option<String>,
    given_name: Option<String>,
    title: Option<String>,
    organisation: Option<String>,
    organisational_units: Vec<String>,
    policies: Vec<Oid>,
    dns_names: Vec<String>,
    emails: Vec<String>,
    upn: Option<String>,
    usages: Usages,
    is_ca: bool,
    key: KeyAlgorithm,
    signature: SignatureAlgorithm,
}

impl fmt::Debug for IgcSanteCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IgcSanteCertificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("holder", &self.holder)
            .field("environment", &self.environment)
            .field("national_id", &self.national_id)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

const OID_CN: &str = "2.5.4.3";
const OID_SURNAME: &str = "2.5.4.4";
const OID_GIVEN_NAME: &str = "2.5.4.42";
const OID_TITLE: &str = "2.5.4.12";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_UPN: &str = "1.3.6.1.4.1.311.20.2.3";

/// Parses DER into x509-parser's view, refusing trailing bytes.
pub(crate) fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>, CertificateError> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(CertificateError::Malformed {
            reason: format!("{} trailing bytes after the certificate", rest.len()),
        }),
        Err(e) => Err(CertificateError::Malformed {
            reason: e.to_string(),
        }),
    }
}

/// Reads every `CERTIFICATE` block of a PEM text as DER.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, CertificateError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        let der = item.map_err(|e| CertificateError::PemMalformed {
            reason: e.to_string(),
        })?;
        out.push(der.as_ref().to_vec());
    }
    if out.is_empty() {
        return Err(CertificateError::PemEmpty {
            expected: "CERTIFICATE",
        });
    }
    Ok(out)
}

fn attrs<'a>(name: &'a X509Name<'a>, oid: &'a str) -> impl Iterator<Item = String> + 'a {
    name.iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .filter(move |atv| atv.attr_type().to_id_string() == oid)
        .filter_map(|atv| atv.as_str().ok().map(str::to_owned))
}

fn first_attr(name: &X509Name<'_>, oid: &str) -> Option<String> {
    attrs(name, oid).next()
}

/// Reads the UTF8String of an otherName value (`[0] EXPLICIT UTF8String`).
fn other_name_utf8(bytes: &[u8]) -> Option<String> {
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&len0, rest) = rest.split_first()?;
        let (len, rest) = if len0 < 0x80 {
            (usize::from(len0), rest)
        } else {
            let n = usize::from(len0 & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, &rest[..len], &rest[len..]))
    }
    let (tag, mut content, _) = tlv(bytes)?;
    if tag == 0xA0 {
        let (tag, inner, _) = tlv(content)?;
        if tag != 0x0C {
            return None;
        }
        content = inner;
    } else if tag != 0x0C {
        return None;
    }
    String::from_utf8(content.to_vec()).ok()
}

impl IgcSanteCertificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert = parse_x509(der)?;
        Ok(Self::from_x509(der, &cert))
    }

    /// Parses the first certificate of a PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let ders = pem_certificates(pem)?;
        // pem_certificates never returns an empty list.
        let first = ders.first().ok_or(CertificateError::PemEmpty {
            expected: "CERTIFICATE",
        })?;
        Self::from_der(first)
    }

    fn from_x509(der: &[u8], cert: &X509Certificate<'_>) -> Self {
        let subject_name = cert.subject();
        let issuer_name = cert.issuer();
        let common_name = first_attr(subject_name, OID_CN);
        let organisational_units: Vec<String> = attrs(subject_name, OID_OU).collect();

        let mut policies = Vec::new();
        let mut usages = Usages::default();
        let mut dns_names = Vec::new();
        let mut emails = Vec::new();
        let mut upn = None;
        let mut is_ca = false;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CertificatePolicies(list) => {
                    for p in list {
                        // Decoded by hand: asn1-rs misprints arcs under 2.x with x >= 40
                        // (e.g. the 2.999 "example" arc).
                        if let Some(oid) = decode_oid(p.policy_id.as_bytes()) {
                            policies.push(oid);
                        }
                    }
                }
                ParsedExtension::KeyUsage(ku) => {
                    usages.digital_signature = ku.digital_signature();
                    usages.non_repudiation = ku.non_repudiation();
                    usages.key_encipherment = ku.key_encipherment();
                    usages.key_cert_sign = ku.key_cert_sign();
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    usages.server_auth = eku.server_auth;
                    usages.client_auth = eku.client_auth;
                    usages.email_protection = eku.email_protection;
                }
                ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(d) => dns_names.push((*d).to_owned()),
                            GeneralName::RFC822Name(e) => emails.push((*e).to_owned()),
                            GeneralName::OtherName(oid, value) if oid.to_id_string() == OID_UPN => {
                                upn = other_name_utf8(value);
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }

        let issuer_cn = first_attr(issuer_name, OID_CN)
            .unwrap_or_default()
            .to_uppercase();
        let issuer_text = issuer_name.to_string().to_uppercase();

        let environment = if policies.iter().any(|p| p.as_str() == SEGUR_TEST_PKI_POLICY) {
            PolicyEnvironment::SegurTestPki
        } else if policies
            .iter()
            .any(|p| arc_match(p.as_str(), IGC_SANTE_TEST_ARC))
        {
            PolicyEnvironment::Test
        } else if policies
            .iter()
            .any(|p| arc_match(p.as_str(), IGC_SANTE_PRODUCTION_ARC))
        {
            PolicyEnvironment::Production
        } else if policies.iter().any(|p| arc_match(p.as_str(), GIP_CPS_ARC)) {
            PolicyEnvironment::LegacyGipCps
        } else if issuer_text.contains("IGC-SANTE TEST") || issuer_cn.starts_with("TEST AC") {
            // Roots and CAs carry no policy: the "TEST" naming is the signal, and
            // misreading it as test only makes a production store stricter.
            PolicyEnvironment::Test
        } else {
            PolicyEnvironment::Unknown
        };

        // idNat_PS: first word of the CN ("899700000000 DOCTEUR TEST" is seen on
        // test cards), else the local part of the UPN "<idNat>@carte-cps.fr".
        let cn_id = common_name
            .as_deref()
            .and_then(|cn| cn.split_whitespace().next())
            .and_then(|w| IdNatPs::parse(w).ok())
            .filter(looks_like_professional);
        let upn_id = upn
            .as_deref()
            .and_then(|u| u.split('@').next())
            .and_then(|w| IdNatPs::parse(w).ok())
            .filter(looks_like_professional);
        let professional_id = cn_id.or(upn_id);
        let structure_id = organisational_units.iter().find_map(|ou| {
            IdNatStruct::parse(ou.trim())
                .ok()
                .filter(|s| s.as_str().starts_with(|c: char| c.is_ascii_digit()))
        });

        // The shape of a card holder's CN ("8" + 11 digits), even when the
        // RPPS key is wrong as on some test cards: the holder is a person,
        // only the national id is withheld.
        let cn_is_rpps_shaped = common_name
            .as_deref()
            .and_then(|cn| cn.split_whitespace().next())
            .is_some_and(|w| {
                w.len() == 12 && w.starts_with('8') && w.bytes().all(|b| b.is_ascii_digit())
            });
        let upn_is_cps = upn
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().ends_with("@carte-cps.fr"));

        let holder = if is_ca {
            HolderKind::CertificationAuthority
        } else if issuer_cn.contains("PERSONNES") {
            HolderKind::Personal
        } else if issuer_cn.contains("ORGANISATIONS") {
            if usages.server_auth {
                HolderKind::Server
            } else {
                HolderKind::Organisation
            }
        } else if professional_id.is_some() || cn_is_rpps_shaped || upn_is_cps {
            HolderKind::Personal
        } else if usages.server_auth || !dns_names.is_empty() {
            HolderKind::Server
        } else if structure_id.is_some() {
            HolderKind::Organisation
        } else {
            HolderKind::Unknown
        };

        let national_id = match holder {
            HolderKind::Personal => professional_id.clone().map(NationalId::Professional),
            HolderKind::Organisation | HolderKind::Server => {
                structure_id.clone().map(NationalId::Structure)
            }
            _ => None,
        };

        Self {
            der: der.to_vec(),
            subject: subject_name.to_string(),
            issuer: issuer_name.to_string(),
            serial_hex: cert.raw_serial_as_string().replace(':', ""),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            holder,
            environment,
            national_id,
            professional_id,
            structure_id,
            common_name,
            surname: first_attr(subject_name, OID_SURNAME),
            given_name: first_attr(subject_name, OID_GIVEN_NAME),
            title: first_attr(subject_name, OID_TITLE),
            organisation: first_attr(subject_name, OID_O),
            organisational_units,
            policies,
            dns_names,
            emails,
            upn,
            usages,
            is_ca,
            key: crate::policy::key_algorithm(cert.public_key()),
            signature: SignatureAlgorithm::from_oid(
                &cert.signature_algorithm.algorithm.to_id_string(),
            ),
        }
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// Subject DN, RFC 4514-like text.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// Issuer DN text.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// Serial number, lower-case hex.
    pub fn serial_hex(&self) -> &str {
        &self.serial_hex
    }
    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }
    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
    /// Holder kind.
    pub fn holder(&self) -> HolderKind {
        self.holder
    }
    /// PKI / environment from the policy OIDs.
    pub fn environment(&self) -> PolicyEnvironment {
        self.environment
    }
    /// The national identifier matching the holder kind.
    pub fn national_id(&self) -> Option<&NationalId> {
        self.national_id.as_ref()
    }
    /// The professional id found in the CN (or UPN), whatever the holder kind.
    pub fn professional_id(&self) -> Option<&IdNatPs> {
        self.professional_id.as_ref()
    }
    /// The structure id found in the OU (personal certificates carry their
    /// structure there too).
    pub fn structure_id(&self) -> Option<&IdNatStruct> {
        self.structure_id.as_ref()
    }
    /// Subject CN.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }
    /// Subject surname (SN).
    pub fn surname(&self) -> Option<&str> {
        self.surname.as_deref()
    }
    /// Subject given name (GN).
    pub fn given_name(&self) -> Option<&str> {
        self.given_name.as_deref()
    }
    /// Subject title (profession label on personal certificates).
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Subject O.
    pub fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }
    /// Subject OUs.
    pub fn organisational_units(&self) -> &[String] {
        &self.organisational_units
    }
    /// Certificate-policy OIDs.
    pub fn policies(&self) -> &[Oid] {
        &self.policies
    }
    /// DNS names of the subjectAltName.
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }
    /// E-mail addresses of the subjectAltName.
    pub fn emails(&self) -> &[String] {
        &self.emails
    }
    /// Microsoft UPN otherName (`<idNat>@carte-cps.fr` on CPS certificates).
    pub fn upn(&self) -> Option<&str> {
        self.upn.as_deref()
    }
    /// Key usages.
    pub fn usages(&self) -> Usages {
        self.usages
    }
    /// True for CA certificates (basicConstraints cA).
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    /// Public key algorithm and size.
    pub fn key_algorithm(&self) -> &KeyAlgorithm {
        &self.key
    }
    /// Signature algorithm of the certificate.
    pub fn signature_algorithm(&self) -> &SignatureAlgorithm {
        &self.signature
    }

    /// Validity at `now`.
    pub fn validity_at(&self, now: OffsetDateTime) -> Validity {
        if now < self.not_before {
            Validity::NotYetValid
        } else if now > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Errors when the certificate is not valid at `now`.
    pub fn check_valid_at(&self, now: OffsetDateTime) -> Result<()> {
        match self.validity_at(now) {
            Validity::Valid => Ok(()),
            _ => Err(CertificateError::OutsideValidity {
                subject: self.subject.clone(),
                at: now,
                not_before: self.not_before,
                not_after: self.not_after,
            }
            .into()),
        }
    }

    /// Checks key and signature algorithm against a crypto policy.
    pub fn check_policy(&self, policy: &CryptoPolicy) -> Result<PolicyReport> {
        let mut warnings = Vec::new();
        policy.check_signature(&self.signature)?;
        policy.check_key(&self.key, Some(self.not_after), &mut warnings)?;
        Ok(PolicyReport {
            key: self.key.clone(),
            signature: self.signature.clone(),
            warnings,
        })
    }

    /// Errors when this certificate belongs to a test PKI.
    pub fn check_production(&self) -> Result<(), PolicyViolation> {
        if self.environment.is_test() {
            return Err(PolicyViolation::TestCertificateInProduction {
                subject: self.subject.clone(),
                environment: self.environment.to_string(),
            });
        }
        Ok(())
    }

    /// SHA-256 thumbprint, base64url without padding: the RFC 8705
    /// `cnf.x5t#S256` value of certificate-bound tokens.
    pub fn x5t_s256(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.der);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
    }
}

/// Decodes the content octets of a DER OBJECT IDENTIFIER.
fn decode_oid(bytes: &[u8]) -> Option<Oid> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for (i, b) in bytes.iter().enumerate() {
        if acc > (u128::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (first, second) = match acc {
                    0..=39 => (0, acc),
                    40..=79 => (1, acc - 40),
                    _ => (2, acc - 80),
                };
                arcs.push(first);
                arcs.push(second);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i + 1 == bytes.len() {
            return None;
        }
    }
    let text = arcs
        .iter()
        .map(u128::to_string)
        .collect::<Vec<_>>()
        .join(".");
    Oid::parse(&text).ok()
}

fn arc_match(oid: &str, arc: &str) -> bool {
    oid == arc || oid.strip_prefix(arc).is_some_and(|r| r.starts_with('.'))
}

/// Professional ids start with a digit (8 RPPS, 0 ADELI, 3/5 structure staff):
/// a free-text CN like "localhost" must not be read as one.
fn looks_like_professional(id: &IdNatPs) -> bool {
    !matches!(id.kind(), segur_ids::IdNatPsKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcs() {
        assert!(arc_match("1.2.250.1.213.1.7.2.1.1.1.1", IGC_SANTE_TEST_ARC));
        assert!(!arc_match("1.2.250.1.213.1.7.21", IGC_SANTE_TEST_ARC));
        assert!(arc_match(IGC_SANTE_TEST_ARC, IGC_SANTE_TEST_ARC));
    }

    #[test]
    fn oid_decoding() {
        let d = |b: &[u8]| decode_oid(b).map(|o| o.to_string());
        assert_eq!(
            d(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(),
            Some("1.2.840.113549")
        );
        assert_eq!(
            d(&[0x88, 0x37, 0xba, 0x2a, 0x01]).as_deref(),
            Some("2.999.7466.1")
        );
        assert_eq!(d(&[0x2a, 0x86]), None);
    }

    #[test]
    fn other_name() {
        let v = [0xA0, 0x05, 0x0C, 0x03, b'a', b'@', b'b'];
        assert_eq!(other_name_utf8(&v).as_deref(), Some("a@b"));
        assert_eq!(other_name_utf8(&[0xA0, 0x05, 0x0C]), None);
        assert_eq!(other_name_utf8(&[0x04, 0x01, 0x00]), None);
        assert_eq!(other_name_utf8(&[]), None);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            IgcSanteCertificate::from_der(b"not a certificate"),
            Err(crate::Error::Certificate(
                CertificateError::Malformed { .. }
            ))
        ));
        assert!(matches!(
            IgcSanteCertificate::from_pem(b"nothing here"),
            Err(crate::Error::Certificate(CertificateError::PemEmpty { .. }))
        ));
    }
}
