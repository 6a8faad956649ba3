//! The professional's SAML 2.0 assertion carried in `wsse:Security`.
//!
//! Two modes use one (SEL-MP-043 §3.2, as quoted in `shared/reference/ins.md`
//! §5.2; details **UNCONFIRMED** against the primary text):
//!
//! - **CPS card**: the assertion is signed (enveloped XML-DSig, exclusive
//!   c14n, SHA-256) with the card's authentication key, `NameID
//!   NameQualifier="CPS"`. Signing goes through the [`CpsSigner`] trait, which
//!   the host implements over its card middleware; [`SoftwareSigner`] signs
//!   with a key in a PKCS#12 file (tests, software certificates).
//! - **Pro Santé Connect**: an unsigned assertion with `NameQualifier="PSC"`
//!   next to the bearer token sent in the HTTP `Authorization` header.
//!
//! The assertion is written directly in canonical form (exclusive XML
//! canonicalisation of a tree we control: no whitespace, attributes in
//! canonical order, one default-namespace declaration on the root, no empty
//! element shorthand), so the digest is computed over the exact bytes sent.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use segur_psc::BoxFuture;
use time::OffsetDateTime;

use super::error::InsiError;
use super::model::{NS_DSIG, NS_SAML};
use super::soap::format_temps;
use super::xml::{escape_attr, escape_text};

/// The professional's attributes carried in the assertion's `AttributeStatement`.
///
/// Which attributes each mode requires is **UNCONFIRMED** (SEL-MP-043 is not
/// public): `identifiantFacturation` and `secteurActivite` are in the CPS
/// example, `codeSpecialite` is reported mandatory for physicians,
/// `codeSpecialiteAMO` / `gipProfessionCode` are reported for PSC.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProfessionalAttributes {
    /// `identifiantFacturation`: the AM billing number of a liberal
    /// practitioner, or the structure's FINESS / SIRET.
    pub identifiant_facturation: String,
    /// `secteurActivite` (e.g. `SA05`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secteur_activite: Option<String>,
    /// `codeSpecialite` (CPS mode; physicians).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_specialite: Option<String>,
    /// `codeSpecialiteAMO` (PSC mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_specialite_amo: Option<String>,
    /// `gipProfessionCode` (PSC mode, professionals with several professions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gip_profession_code: Option<String>,
}

impl ProfessionalAttributes {
    /// Attributes with the billing identifier only.
    pub fn new(identifiant_facturation: impl Into<String>) -> Self {
        Self {
            identifiant_facturation: identifiant_facturation.into(),
            ..Self::default()
        }
    }

    fn statement(&self) -> String {
        let mut s = String::from("<AttributeStatement>");
        let mut push = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                s.push_str(&format!(
                    "<Attribute Name=\"{name}\"><AttributeValue>{}</AttributeValue></Attribute>",
                    escape_text(v)
                ));
            }
        };
        push(
            "identifiantFacturation",
            &Some(self.identifiant_facturation.clone()),
        );
        push("secteurActivite", &self.secteur_activite);
        push("codeSpecialite", &self.code_specialite);
        push("codeSpecialiteAMO", &self.code_specialite_amo);
        push("gipProfessionCode", &self.gip_profession_code);
        s.push_str("</AttributeStatement>");
        s
    }
}

fn head(id: &str, at: OffsetDateTime, issuer_format: Option<&str>, issuer: &str) -> String {
    let mut s = format!(
        "<Assertion xmlns=\"{NS_SAML}\" ID=\"{}\" IssueInstant=\"{}\" Version=\"2.0\">",
        escape_attr(id),
        format_temps(at)
    );
    match issuer_format {
        Some(f) => s.push_str(&format!("<Issuer Format=\"{f}\">")),
        None => s.push_str("<Issuer>"),
    }
    s.push_str(&escape_text(issuer));
    s.push_str("</Issuer>");
    s
}

fn tail(qualifier: &str, name_id: &str, attrs: &ProfessionalAttributes) -> String {
    format!(
        "<Subject><NameID NameQualifier=\"{qualifier}\">{}</NameID></Subject>{}</Assertion>",
        escape_text(name_id),
        attrs.statement()
    )
}

/// A fresh assertion id (an NCName: `_` + UUID).
pub fn new_assertion_id() -> String {
    format!("_{}", uuid::Uuid::new_v4())
}

/// The unsigned Pro Santé Connect assertion: `NameID NameQualifier="PSC"`
/// holding the professional's national id (idNat_PS), issued by the same id.
pub fn psc_assertion(
    id: &str,
    issue_instant: OffsetDateTime,
    national_id: &str,
    attributes: &ProfessionalAttributes,
) -> String {
    let mut s = head(id, issue_instant, None, national_id);
    s.push_str(&tail("PSC", national_id, attributes));
    s
}

/// The signature algorithm of a [`CpsSigner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (CPS cards).
    RsaSha256,
    /// ECDSA P-256 with SHA-256, signature as `r ‖ s` (test PKI keys).
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The XML-DSig algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::EcdsaP256Sha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        }
    }
}

/// Why a signer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CPS signer: {0}")]
pub struct SignerError(pub String);

/// Signs with the professional's card (CPS): implemented by the host over
/// its card middleware (PKCS#11, CryptoLib CPS…). The card may ask for the
/// PIN: `sign` is asynchronous and may take a while.
pub trait CpsSigner: Send + Sync {
    /// The DER of the card's authentication certificate.
    fn certificate_der(&self) -> &[u8];
    /// The algorithm `sign` uses.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs `data` (the canonical `SignedInfo`) and returns the raw
    /// signature value.
    fn sign<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignerError>>;
}

/// A [`CpsSigner`] over a software key (PKCS#12 file or test PKI identity):
/// RSA or ECDSA P-256, with ring.
pub struct SoftwareSigner {
    certificate: Vec<u8>,
    key: SoftwareKey,
}

enum SoftwareKey {
    Rsa(ring::rsa::KeyPair),
    Ecdsa(ring::signature::EcdsaKeyPair),
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl SoftwareSigner {
    /// A signer from an identity (certificate chain + PKCS#8 key).
    pub fn from_identity(identity: &segur_ssi::tls::Identity) -> Result<Self, SignerError> {
        use rustls::pki_types::PrivateKeyDer;
        let certificate = identity
            .chain()
            .first()
            .ok_or_else(|| SignerError("empty certificate chain".into()))?
            .as_ref()
            .to_vec();
        let PrivateKeyDer::Pkcs8(pkcs8) = identity.private_key() else {
            return Err(SignerError("the private key is not PKCS#8".into()));
        };
        let der = pkcs8.secret_pkcs8_der();
        let rng = ring::rand::SystemRandom::new();
        let key = if let Ok(k) = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
            &rng,
        ) {
            SoftwareKey::Ecdsa(k)
        } else {
            SoftwareKey::Rsa(
                ring::rsa::KeyPair::from_pkcs8(der)
                    .map_err(|e| SignerError(format!("unsupported key: {e}")))?,
            )
        };
        Ok(Self { certificate, key })
    }

    /// A signer from a PKCS#12 file's bytes and password.
    pub fn from_pkcs12(bytes: &[u8], password: &str) -> Result<Self, SignerError> {
        let identity = segur_ssi::tls::Identity::from_pkcs12(bytes, password)
            .map_err(|e| SignerError(e.to_string()))?;
        Self::from_identity(&identity)
    }
}

impl CpsSigner for SoftwareSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.key {
            SoftwareKey::Rsa(_) => SignatureAlgorithm::RsaSha256,
            SoftwareKey::Ecdsa(_) => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    fn sign<'a>(&'a self, data: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignerError>> {
        Box::pin(async move {
            let rng = ring::rand::SystemRandom::new();
            match &self.key {
                SoftwareKey::Rsa(k) => {
                    let mut sig = vec![0u8; k.public().modulus_len()];
                    k.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, data, &mut sig)
                        .map_err(|e| SignerError(e.to_string()))?;
                    Ok(sig)
                }
                SoftwareKey::Ecdsa(k) => k
                    .sign(&rng, data)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|e| SignerError(e.to_string())),
            }
        })
    }
}

const C14N_EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The canonical `SignedInfo` over an assertion digest.
fn signed_info(reference_id: &str, algorithm: SignatureAlgorithm, digest_b64: &str) -> String {
    format!(
        "<SignedInfo xmlns=\"{NS_DSIG}\">\
         <CanonicalizationMethod Algorithm=\"{C14N_EXC}\"></CanonicalizationMethod>\
         <SignatureMethod Algorithm=\"{}\"></SignatureMethod>\
         <Reference URI=\"#{}\"><Transforms>\
         <Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></Transform>\
         <Transform Algorithm=\"{C14N_EXC}\"></Transform></Transforms>\
         <DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod>\
         <DigestValue>{digest_b64}</DigestValue></Reference></SignedInfo>",
        algorithm.uri(),
        escape_attr(reference_id)
    )
}

/// Builds and signs the CPS assertion: `Issuer` = the certificate subject
/// (X509SubjectName), `NameID NameQualifier="CPS"` = its common name.
pub async fn cps_assertion(
    signer: &dyn CpsSigner,
    id: &str,
    issue_instant: OffsetDateTime,
    attributes: &ProfessionalAttributes,
) -> Result<String, InsiError> {
    let cert =
        segur_ssi::cert::IgcSanteCertificate::from_der(signer.certificate_der()).map_err(|e| {
            InsiError::Authentication {
                reason: format!("card certificate: {e}"),
            }
        })?;
    let name_id = cert
        .common_name()
        .ok_or_else(|| InsiError::Authentication {
            reason: "card certificate without common name".into(),
        })?
        .to_owned();
    let head = head(
        id,
        issue_instant,
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"),
        cert.subject(),
    );
    let tail = tail("CPS", &name_id, attributes);
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{head}{tail}").as_bytes());
    let si = signed_info(id, signer.algorithm(), &B64.encode(digest.as_ref()));
    let signature = signer
        .sign(si.as_bytes())
        .await
        .map_err(|e| InsiError::Authentication {
            reason: e.to_string(),
        })?;
    Ok(format!(
        "{head}<Signature xmlns=\"{NS_DSIG}\">{si}<SignatureValue>{}</SignatureValue>\
         <KeyInfo><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>\
         </Signature>{tail}",
        B64.encode(&signature),
        B64.encode(signer.certificate_der())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psc_assertion_shape() {
        let a = psc_assertion(
            "_a1",
            time::macros::datetime!(2025-01-02 10:00 UTC),
            "810003612545",
            &ProfessionalAttributes {
                identifiant_facturation: "123456789".into(),
                code_specialite_amo: Some("01".into()),
                ..Default::default()
            },
        );
        assert!(a.starts_with(
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\" IssueInstant=\"2025-01-02T10:00:00.000Z\" Version=\"2.0\">"
        ));
        assert!(a.contains("<NameID NameQualifier=\"PSC\">810003612545</NameID>"));
        assert!(a.contains(
            "<Attribute Name=\"codeSpecialiteAMO\"><AttributeValue>01</AttributeValue></Attribute>"
        ));
        assert!(!a.contains("secteurActivite"));
    }

    #[tokio::test]
    async fn cps_assertion_signature_verifies() {
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
            SoftwareSigner::from_identity(&card.identity().expect("identity")).expect("signer");
        assert_eq!(signer.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
        let attrs = ProfessionalAttributes {
            identifiant_facturation: "991234567".into(),
            secteur_activite: Some("SA07".into()),
            code_specialite: Some("01".into()),
            ..Default::default()
        };
        let a = cps_assertion(
            &signer,
            "_id-1",
            time::macros::datetime!(2025-01-02 10:00 UTC),
            &attrs,
        )
        .await
        .expect("signed");
        // Digest: the assertion without its Signature (enveloped transform).
        let start = a.find("<Signature ").expect("signature");
        let end = a.find("</Signature>").expect("end") + "</Signature>".len();
        let unsigned = format!("{}{}", &a[..start], &a[end..]);
        let digest =
            B64.encode(ring::digest::digest(&ring::digest::SHA256, unsigned.as_bytes()).as_ref());
        assert!(a.contains(&format!("<DigestValue>{digest}</DigestValue>")));
        // Signature over the canonical SignedInfo, with the card's public key.
        let si_start = a.find("<SignedInfo ").expect("si");
        let si_end = a.find("</SignedInfo>").expect("si end") + "</SignedInfo>".len();
        let si = &a[si_start..si_end];
        let sv_start = a.find("<SignatureValue>").expect("sv") + "<SignatureValue>".len();
        let sv_end = a.find("</SignatureValue>").expect("sv end");
        let sig = B64.decode(&a[sv_start..sv_end]).expect("b64");
        let cert = segur_ssi::cert::IgcSanteCertificate::from_der(card.cert_der()).expect("cert");
        assert!(a.contains(&format!(
            "<NameID NameQualifier=\"CPS\">{}</NameID>",
            cert.common_name().expect("cn")
        )));
        let spki = x509_public_key(card.cert_der());
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, spki)
            .verify(si.as_bytes(), &sig)
            .expect("signature verifies");
        // Tampering with the signed bytes breaks it.
        let tampered = si.replace("<DigestValue>", "<DigestValue>A");
        assert!(
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                x509_public_key(card.cert_der())
            )
            .verify(tampered.as_bytes(), &sig)
            .is_err()
        );
    }

    /// The uncompressed EC point of a P-256 certificate (the last 65 bytes
    /// of the SubjectPublicKeyInfo BIT STRING, found by its `04` prefix).
    fn x509_public_key(der: &[u8]) -> Vec<u8> {
        // id-ecPublicKey + prime256v1 OIDs precede the BIT STRING (03 42 00 04 …).
        let pos = der
            .windows(4)
            .position(|w| w == [0x03, 0x42, 0x00, 0x04])
            .expect("EC public key");
        der[pos + 3..pos + 3 + 65].to_vec()
    }
}
