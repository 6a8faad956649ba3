//! Enveloped XML-DSig over our own XML tree: exclusive c14n, SHA-256 digest,
//! RSA-SHA256 (or ECDSA-SHA256 for EC keys), `KeyInfo/X509Data` with the
//! signer's chain — and the matching strict verifier used by the simulator.
//!
//! The verifier accepts exactly the profile the signer produces: one
//! `Reference` to the signed element's own `ID`, the transforms
//! enveloped-signature then exc-c14n, SHA-256, and no other algorithm. The
//! element that is verified is the element that is then read, so signature
//! wrapping (a reference to another element with the same ID) cannot apply.

use base64::Engine as _;
use ring::signature;
use rustls_pki_types::PrivateKeyDer;

use crate::error::SignatureError;
use crate::xml::{Element, Node, Scope, exc_c14n};

/// `http://www.w3.org/2000/09/xmldsig#`
pub(crate) const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive c14n without comments.
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

enum KeyKind {
    Rsa(signature::RsaKeyPair),
    Ecdsa(signature::EcdsaKeyPair, &'static str),
}

/// The key and certificate chain that sign VIHF assertions (in indirect
/// authentication, the structure's "cachet" / organisation certificate).
///
/// RSA keys sign with RSA-SHA256 (the IGC-Santé certificates are RSA); EC
/// keys (P-256, P-384) with ECDSA-SHA256/384, which the segur-rs test PKI
/// uses.
pub struct XmlSigner {
    key: KeyKind,
    chain: Vec<Vec<u8>>,
    subject_dn: String,
}

impl std::fmt::Debug for XmlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlSigner")
            .field("subject", &self.subject_dn)
            .field("algorithm", &self.algorithm_uri())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl XmlSigner {
    /// A signer from a segur-ssi identity (PKCS#12 or PEM loaded, checked
    /// against the crypto policy).
    pub fn from_identity(identity: &segur_ssi::tls::Identity) -> Result<Self, SignatureError> {
        let chain: Vec<Vec<u8>> = identity.chain().iter().map(|c| c.to_vec()).collect();
        let key_der: &[u8] = match identity.private_key() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der(),
            PrivateKeyDer::Pkcs1(k) => {
                let kp = signature::RsaKeyPair::from_der(k.secret_pkcs1_der())
                    .map_err(|e| SignatureError::Key(e.to_string()))?;
                return Self::with_key(KeyKind::Rsa(kp), chain, identity);
            }
            _ => {
                return Err(SignatureError::Key(
                    "unsupported private key encoding (use PKCS#8 or PKCS#1)".into(),
                ));
            }
        };
        let rng = ring::rand::SystemRandom::new();
        let key = if let Ok(kp) = signature::RsaKeyPair::from_pkcs8(key_der) {
            KeyKind::Rsa(kp)
        } else if let Ok(kp) = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            key_der,
            &rng,
        ) {
            KeyKind::Ecdsa(kp, ECDSA_SHA256)
        } else if let Ok(kp) = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            key_der,
            &rng,
        ) {
            KeyKind::Ecdsa(kp, ECDSA_SHA384)
        } else {
            return Err(SignatureError::Key(
                "private key is neither RSA nor ECDSA P-256/P-384".into(),
            ));
        };
        Self::with_key(key, chain, identity)
    }

    fn with_key(
        key: KeyKind,
        chain: Vec<Vec<u8>>,
        identity: &segur_ssi::tls::Identity,
    ) -> Result<Self, SignatureError> {
        if chain.is_empty() {
            return Err(SignatureError::Key("empty certificate chain".into()));
        }
        // segur-ssi's Identity checked that the key matches the leaf.
        Ok(Self {
            key,
            chain,
            subject_dn: identity.certificate().subject().to_owned(),
        })
    }

    /// Subject DN of the signing certificate (the VIHF `Issuer`).
    pub fn subject_dn(&self) -> &str {
        &self.subject_dn
    }

    /// The signing certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        // `with_key` refuses an empty chain.
        &self.chain[0]
    }

    /// The XML-DSig `SignatureMethod` URI used.
    pub fn algorithm_uri(&self) -> &'static str {
        match &self.key {
            KeyKind::Rsa(_) => RSA_SHA256,
            KeyKind::Ecdsa(_, alg) => alg,
        }
    }

    /// The certificate chain, DER, signer first.
    pub(crate) fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }

    pub(crate) fn sign_bytes(&self, data: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let rng = ring::rand::SystemRandom::new();
        match &self.key {
            KeyKind::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, data, &mut sig)
                    .map_err(|e| SignatureError::Key(e.to_string()))?;
                Ok(sig)
            }
            KeyKind::Ecdsa(k, _) => k
                .sign(&rng, data)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| SignatureError::Key(e.to_string())),
        }
    }
}

fn ds(local: &str) -> Element {
    Element::new(format!("ds:{local}"), DS_NS)
}

fn algorithm(local: &str, uri: &str) -> Element {
    ds(local).attr("Algorithm", uri)
}

fn exc_transform(prefix_list: &[&str]) -> Element {
    let t = algorithm("Transform", EXC_C14N);
    if prefix_list.is_empty() {
        return t;
    }
    t.child(
        Element::new("ec:InclusiveNamespaces", EXC_C14N)
            .decl("ec", EXC_C14N)
            .attr("PrefixList", prefix_list.join(" ")),
    )
}

/// Signs `el` (whose `ID` attribute is `id`) with an enveloped signature
/// inserted as child number `position`.
///
/// `inherited` are the bindings in scope at `el` where it will be serialized
/// (only used for `prefix_list`).
pub(crate) fn sign_enveloped(
    el: &mut Element,
    inherited: &Scope,
    id: &str,
    position: usize,
    prefix_list: &[&str],
    signer: &XmlSigner,
) -> Result<(), SignatureError> {
    let inclusive: Vec<String> = prefix_list.iter().map(|s| (*s).to_owned()).collect();
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        exc_c14n(el, inherited, &inclusive, None).as_bytes(),
    );
    let signed_info = ds("SignedInfo")
        .child(algorithm("CanonicalizationMethod", EXC_C14N))
        .child(algorithm("SignatureMethod", signer.algorithm_uri()))
        .child(
            ds("Reference")
                .attr("URI", format!("#{id}"))
                .child(
                    ds("Transforms")
                        .child(algorithm("Transform", ENVELOPED))
                        .child(exc_transform(prefix_list)),
                )
                .child(algorithm("DigestMethod", SHA256))
                .child(ds("DigestValue").text(b64().encode(digest.as_ref()))),
        );
    // SignedInfo is canonicalised where it will sit: under ds:Signature,
    // which declares `ds`.
    let mut si_scope = inherited.clone();
    for (p, u) in &el.decls {
        si_scope.insert(p.clone(), u.clone());
    }
    si_scope.insert("ds".into(), DS_NS.into());
    let si_c14n = exc_c14n(&signed_info, &si_scope, &[], None);
    let value = signer.sign_bytes(si_c14n.as_bytes())?;
    let x509 = signer.chain.iter().fold(ds("X509Data"), |d, c| {
        d.child(ds("X509Certificate").text(b64().encode(c)))
    });
    let signature = ds("Signature")
        .decl("ds", DS_NS)
        .child(signed_info)
        .child(ds("SignatureValue").text(b64().encode(&value)))
        .child(ds("KeyInfo").child(x509));
    let position = position.min(el.children.len());
    el.children.insert(position, Node::Element(signature));
    Ok(())
}

/// What a valid signature proves: the element was signed by the key of the
/// first certificate of `chain`.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedSignature {
    /// Certificates from `KeyInfo/X509Data`, DER, signer first.
    pub chain: Vec<Vec<u8>>,
}

fn malformed(reason: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(reason.into())
}

fn decode_b64(el: &Element) -> Result<Vec<u8>, SignatureError> {
    let text: String = el
        .text_content()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    b64()
        .decode(text.as_bytes())
        .map_err(|e| malformed(format!("{}: bad base64 ({e})", el.local())))
}

fn prefix_list_of(transform: &Element) -> Vec<String> {
    transform
        .first(EXC_C14N, "InclusiveNamespaces")
        .and_then(|i| i.get_attr("PrefixList"))
        .map(|l| l.split_ascii_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Verifies the enveloped signature of `el` (a direct `ds:Signature` child
/// referencing `el`'s `ID`). `inherited`: bindings in scope at `el`.
pub(crate) fn verify_enveloped(
    el: &Element,
    inherited: &Scope,
) -> Result<VerifiedSignature, SignatureError> {
    let mut sigs = el.all(DS_NS, "Signature");
    let sig = sigs.next().ok_or(SignatureError::Missing)?;
    if sigs.next().is_some() {
        return Err(malformed("more than one Signature"));
    }
    let si = sig
        .first(DS_NS, "SignedInfo")
        .ok_or_else(|| malformed("no SignedInfo"))?;
    let c14n = si
        .first(DS_NS, "CanonicalizationMethod")
        .ok_or_else(|| malformed("no CanonicalizationMethod"))?;
    if c14n.get_attr("Algorithm") != Some(EXC_C14N) {
        return Err(SignatureError::UnsupportedAlgorithm(
            c14n.get_attr("Algorithm").unwrap_or_default().to_owned(),
        ));
    }
    let (verify_alg, _) = signature_method(si)?;
    let mut refs = si.all(DS_NS, "Reference");
    let reference = refs.next().ok_or_else(|| malformed("no Reference"))?;
    if refs.next().is_some() {
        return Err(malformed("more than one Reference"));
    }
    let id = el
        .get_attr("ID")
        .ok_or_else(|| malformed("signed element has no ID"))?;
    let uri = reference.get_attr("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) {
        return Err(SignatureError::ReferenceMismatch {
            reference: uri.to_owned(),
            id: id.to_owned(),
        });
    }
    let transforms: Vec<&Element> = reference
        .first(DS_NS, "Transforms")
        .map(|t| t.all(DS_NS, "Transform").collect())
        .unwrap_or_default();
    let algs: Vec<&str> = transforms
        .iter()
        .map(|t| t.get_attr("Algorithm").unwrap_or_default())
        .collect();
    if algs != [ENVELOPED, EXC_C14N] {
        return Err(SignatureError::UnsupportedAlgorithm(format!(
            "transforms {algs:?} (expected enveloped-signature then exc-c14n)"
        )));
    }
    let inclusive = prefix_list_of(transforms[1]);
    let digest_method = reference
        .first(DS_NS, "DigestMethod")
        .and_then(|m| m.get_attr("Algorithm"));
    if digest_method != Some(SHA256) {
        return Err(SignatureError::UnsupportedAlgorithm(
            digest_method.unwrap_or_default().to_owned(),
        ));
    }
    let expected = decode_b64(
        reference
            .first(DS_NS, "DigestValue")
            .ok_or_else(|| malformed("no DigestValue"))?,
    )?;
    let actual = ring::digest::digest(
        &ring::digest::SHA256,
        exc_c14n(el, inherited, &inclusive, Some(sig)).as_bytes(),
    );
    if actual.as_ref() != expected.as_slice() {
        return Err(SignatureError::DigestMismatch);
    }
    let mut si_scope = inherited.clone();
    for (p, u) in &el.decls {
        si_scope.insert(p.clone(), u.clone());
    }
    let chain = verify_signature_value(sig, si, &si_scope, verify_alg, &prefix_list_of(c14n))?;
    Ok(VerifiedSignature { chain })
}

/// The `SignatureMethod` verification algorithm of `SignedInfo` (profile:
/// RSA-SHA256, ECDSA-SHA256/384) and its URI.
pub(crate) fn signature_method(
    si: &Element,
) -> Result<(&'static dyn signature::VerificationAlgorithm, String), SignatureError> {
    let method = si
        .first(DS_NS, "SignatureMethod")
        .and_then(|m| m.get_attr("Algorithm"))
        .ok_or_else(|| malformed("no SignatureMethod"))?;
    let alg: &'static dyn signature::VerificationAlgorithm = match method {
        RSA_SHA256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        ECDSA_SHA256 => &signature::ECDSA_P256_SHA256_FIXED,
        ECDSA_SHA384 => &signature::ECDSA_P384_SHA384_FIXED,
        other => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    };
    Ok((alg, method.to_owned()))
}

/// Checks `SignatureValue` of `sig` over the exclusive c14n of `si` (whose
/// ancestors' bindings are `scope` without `sig`'s own declarations) with
/// the key of the first `KeyInfo/X509Data` certificate; returns the chain.
pub(crate) fn verify_signature_value(
    sig: &Element,
    si: &Element,
    scope: &Scope,
    alg: &'static dyn signature::VerificationAlgorithm,
    si_inclusive: &[String],
) -> Result<Vec<Vec<u8>>, SignatureError> {
    let chain: Vec<Vec<u8>> = sig
        .first(DS_NS, "KeyInfo")
        .and_then(|k| k.first(DS_NS, "X509Data"))
        .map(|d| d.all(DS_NS, "X509Certificate").map(decode_b64).collect())
        .transpose()?
        .unwrap_or_default();
    let leaf = chain
        .first()
        .ok_or_else(|| malformed("no X509Certificate in KeyInfo"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| SignatureError::Certificate(e.to_string()))?;
    let public_key = cert.public_key().subject_public_key.data.to_vec();
    let value = decode_b64(
        sig.first(DS_NS, "SignatureValue")
            .ok_or_else(|| malformed("no SignatureValue"))?,
    )?;
    let mut si_scope = scope.clone();
    for (p, u) in &sig.decls {
        si_scope.insert(p.clone(), u.clone());
    }
    let si_bytes = exc_c14n(si, &si_scope, si_inclusive, None);
    signature::UnparsedPublicKey::new(alg, public_key)
        .verify(si_bytes.as_bytes(), &value)
        .map_err(|_| SignatureError::BadSignature)?;
    Ok(chain)
}

/// `PrefixList` of an exc-c14n `Transform` / `CanonicalizationMethod`.
pub(crate) fn inclusive_prefixes(el: &Element) -> Vec<String> {
    prefix_list_of(el)
}

/// Base64 of a `DigestValue` / `SignatureValue` / certificate element.
pub(crate) fn decode_base64(el: &Element) -> Result<Vec<u8>, SignatureError> {
    decode_b64(el)
}
