//! The signature document of a DMP submission (reference §5, TD2.1: "XAdES
//! signature document, required for DMP"): an IHE DSG detached signature
//! whose `ds:Manifest` references the submission set and every document of
//! the submission by `urn:oid:<uniqueId>` with the digest of its bytes, plus
//! XAdES `SignedProperties` (signing time, signing certificate).
//!
//! The shape follows DRIMbox's `XadesSign` (the only public DMP client
//! showing one); where it differs, we chose the stronger profile the VIHF
//! uses: exclusive c14n, SHA-256 digests, RSA-SHA256 (ECDSA for EC keys),
//! XAdES 1.3.2 namespace. Document references digest the exact bytes sent
//! (no transform); the submission-set reference digests the UTF-8 of its
//! uniqueId (DRIMbox writes a placeholder `AA==`). Whether the DMP checks
//! these digests is UNCONFIRMED; the simulator does.

use base64::Engine as _;
use time::OffsetDateTime;

use crate::dsig::{self, DS_NS, EXC_C14N, XmlSigner};
use crate::error::SignatureError;
use crate::xml::{Element, Scope, exc_c14n};

/// XAdES 1.3.2 namespace.
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const MANIFEST_TYPE: &str = "http://www.w3.org/2000/09/xmldsig#Manifest";
const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";
const MANIFEST_ID: &str = "IHEManifest";
const SIGNED_PROPERTIES_ID: &str = "S0-SignedProperties";
/// `purposeOfSignature`: "Source" (ASTM E1762 / ISO 17090 signature purpose).
pub const PURPOSE_SOURCE: &str = "1.2.840.10065.1.12.1.14";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

fn ds(local: &str) -> Element {
    Element::new(format!("ds:{local}"), DS_NS)
}

fn xades(local: &str) -> Element {
    Element::new(format!("xades:{local}"), XADES_NS)
}

fn digest_method() -> Element {
    ds("DigestMethod").attr("Algorithm", SHA256)
}

/// The `URI` of a manifest reference to a uniqueId.
pub(crate) fn oid_uri(unique_id: &str) -> String {
    format!("urn:oid:{unique_id}")
}

fn manifest_reference(uri: &str, digest: &[u8]) -> Element {
    ds("Reference")
        .attr("URI", uri)
        .child(digest_method())
        .child(ds("DigestValue").text(b64(digest)))
}

fn same_document_reference(type_uri: &str, id: &str, digest: &[u8]) -> Element {
    ds("Reference")
        .attr("Type", type_uri)
        .attr("URI", format!("#{id}"))
        .child(ds("Transforms").child(ds("Transform").attr("Algorithm", EXC_C14N)))
        .child(digest_method())
        .child(ds("DigestValue").text(b64(digest)))
}

/// Decimal string of a big-endian unsigned integer (X.509 serial numbers).
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new();
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    while !n.is_empty() {
        let mut rem: u32 = 0;
        let mut next = Vec::with_capacity(n.len());
        for b in &n {
            let cur = (rem << 8) | u32::from(*b);
            let q = cur / 10;
            rem = cur % 10;
            if !(next.is_empty() && q == 0) {
                // `cur < 2560`, so `q < 256`.
                next.push(q as u8);
            }
        }
        digits.push(b'0' + rem as u8);
        n = next;
    }
    if digits.is_empty() {
        return "0".into();
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

fn rfc3339(t: OffsetDateTime) -> String {
    crate::time_fmt::rfc3339(t)
}

/// Builds the signed signature document over `documents` (`(uniqueId,
/// bytes)`) and the submission set `submission_set_unique_id`; returns the
/// serialized XML (to be sent as-is: its digest and size go into the
/// metadata).
pub(crate) fn sign_submission(
    signer: &XmlSigner,
    signature_id: &str,
    submission_set_unique_id: &str,
    documents: &[(&str, &[u8])],
    now: OffsetDateTime,
) -> Result<String, SignatureError> {
    let leaf = signer.certificate_der();
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| SignatureError::Certificate(e.to_string()))?;
    let mut manifest = ds("Manifest")
        .attr("Id", MANIFEST_ID)
        .child(manifest_reference(
            &oid_uri(submission_set_unique_id),
            &sha256(submission_set_unique_id.as_bytes()),
        ));
    for (uid, bytes) in documents {
        manifest = manifest.child(manifest_reference(&oid_uri(uid), &sha256(bytes)));
    }
    let signed_properties = xades("SignedProperties")
        .attr("Id", SIGNED_PROPERTIES_ID)
        .child(
            xades("SignedSignatureProperties")
                .child(xades("SigningTime").text(rfc3339(now)))
                .child(
                    xades("SigningCertificate").child(
                        xades("Cert")
                            .child(
                                xades("CertDigest")
                                    .child(digest_method())
                                    .child(ds("DigestValue").text(b64(&sha256(leaf)))),
                            )
                            .child(
                                xades("IssuerSerial")
                                    .child(ds("X509IssuerName").text(cert.issuer().to_string()))
                                    .child(
                                        ds("X509SerialNumber")
                                            .text(decimal(cert.tbs_certificate.raw_serial())),
                                    ),
                            ),
                    ),
                )
                .child(xades("SignaturePolicyIdentifier").child(xades("SignaturePolicyImplied"))),
        );
    // Both are canonicalised where they will sit: `ds` is declared on the
    // Signature, `xades` on QualifyingProperties.
    let mut scope = Scope::new();
    scope.insert("ds".into(), DS_NS.into());
    let manifest_digest = sha256(exc_c14n(&manifest, &scope, &[], None).as_bytes());
    let mut sp_scope = scope.clone();
    sp_scope.insert("xades".into(), XADES_NS.into());
    let sp_digest = sha256(exc_c14n(&signed_properties, &sp_scope, &[], None).as_bytes());
    let signed_info = ds("SignedInfo")
        .child(ds("CanonicalizationMethod").attr("Algorithm", EXC_C14N))
        .child(ds("SignatureMethod").attr("Algorithm", signer.algorithm_uri()))
        .child(same_document_reference(
            MANIFEST_TYPE,
            MANIFEST_ID,
            &manifest_digest,
        ))
        .child(same_document_reference(
            SIGNED_PROPERTIES_TYPE,
            SIGNED_PROPERTIES_ID,
            &sp_digest,
        ));
    let value = signer.sign_bytes(exc_c14n(&signed_info, &scope, &[], None).as_bytes())?;
    let x509 = signer.chain_der().iter().fold(ds("X509Data"), |d, c| {
        d.child(ds("X509Certificate").text(b64(c)))
    });
    let signature = ds("Signature")
        .decl("ds", DS_NS)
        .attr("Id", signature_id)
        .child(signed_info)
        .child(ds("SignatureValue").text(b64(&value)))
        .child(ds("KeyInfo").child(x509))
        .child(
            ds("Object").child(
                ds("SignatureProperties").child(
                    ds("SignatureProperty")
                        .attr("Id", "purposeOfSignature")
                        .attr("Target", format!("#{signature_id}"))
                        .text(PURPOSE_SOURCE),
                ),
            ),
        )
        .child(ds("Object").child(manifest))
        .child(
            ds("Object").child(
                xades("QualifyingProperties")
                    .decl("xades", XADES_NS)
                    .attr("Target", format!("#{signature_id}"))
                    .child(signed_properties),
            ),
        );
    Ok(signature.to_document())
}

/// What a verified signature document proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSubmissionSignature {
    /// Signer chain (DER, signer first).
    pub signer_chain: Vec<Vec<u8>>,
    /// `SigningTime`, as written.
    pub signing_time: Option<String>,
    /// Manifest references: `(URI, SHA-256 digest)`.
    pub references: Vec<(String, Vec<u8>)>,
}

impl VerifiedSubmissionSignature {
    /// Whether the manifest covers `unique_id` with exactly the digest of
    /// `bytes`.
    pub fn covers(&self, unique_id: &str, bytes: &[u8]) -> bool {
        let uri = oid_uri(unique_id);
        let digest = sha256(bytes);
        self.references
            .iter()
            .any(|(u, d)| *u == uri && *d == digest)
    }
}

fn malformed(reason: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(reason.into())
}

/// Finds the element whose `Id` is `id`, with the bindings in scope at its
/// parent.
fn find_by_id<'a>(el: &'a Element, scope: &Scope, id: &str) -> Option<(&'a Element, Scope)> {
    if el.get_attr("Id") == Some(id) {
        return Some((el, scope.clone()));
    }
    let mut inner = scope.clone();
    for (p, u) in &el.decls {
        inner.insert(p.clone(), u.clone());
    }
    el.elements().find_map(|c| find_by_id(c, &inner, id))
}

/// Verifies a signature document: its two same-document references
/// (exclusive c14n, SHA-256), its signature value with the certificate of
/// `KeyInfo`, and reads the manifest references. Trust in the signer is the
/// caller's decision; [`VerifiedSubmissionSignature::covers`] checks a
/// document against the manifest.
pub fn verify_submission_signature(
    xml: &[u8],
) -> Result<VerifiedSubmissionSignature, crate::Error> {
    let root = crate::xml::parse(xml)?;
    if !root.is(DS_NS, "Signature") {
        return Err(malformed("the signature document is not a ds:Signature").into());
    }
    let si = root
        .first(DS_NS, "SignedInfo")
        .ok_or_else(|| malformed("no SignedInfo"))?;
    let c14n = si
        .first(DS_NS, "CanonicalizationMethod")
        .and_then(|c| c.get_attr("Algorithm"));
    if c14n != Some(EXC_C14N) {
        return Err(
            SignatureError::UnsupportedAlgorithm(c14n.unwrap_or_default().to_owned()).into(),
        );
    }
    let (alg, _) = dsig::signature_method(si)?;
    let mut referenced = Vec::new();
    for r in si.all(DS_NS, "Reference") {
        let uri = r.get_attr("URI").unwrap_or_default();
        let id = uri
            .strip_prefix('#')
            .ok_or_else(|| malformed(format!("SignedInfo reference {uri} is not same-document")))?;
        let transforms: Vec<&Element> = r
            .first(DS_NS, "Transforms")
            .map(|t| t.all(DS_NS, "Transform").collect())
            .unwrap_or_default();
        let [transform] = transforms.as_slice() else {
            return Err(malformed("each reference needs exactly the exc-c14n transform").into());
        };
        if transform.get_attr("Algorithm") != Some(EXC_C14N) {
            return Err(SignatureError::UnsupportedAlgorithm(
                transform
                    .get_attr("Algorithm")
                    .unwrap_or_default()
                    .to_owned(),
            )
            .into());
        }
        let dm = r
            .first(DS_NS, "DigestMethod")
            .and_then(|d| d.get_attr("Algorithm"));
        if dm != Some(SHA256) {
            return Err(
                SignatureError::UnsupportedAlgorithm(dm.unwrap_or_default().to_owned()).into(),
            );
        }
        let expected = dsig::decode_base64(
            r.first(DS_NS, "DigestValue")
                .ok_or_else(|| malformed("no DigestValue"))?,
        )?;
        let (target, scope) = find_by_id(&root, &Scope::new(), id)
            .ok_or_else(|| malformed(format!("reference #{id} points at nothing")))?;
        let actual =
            sha256(exc_c14n(target, &scope, &dsig::inclusive_prefixes(transform), None).as_bytes());
        if actual != expected {
            return Err(SignatureError::DigestMismatch.into());
        }
        referenced.push(id.to_owned());
    }
    if !referenced.iter().any(|r| r == MANIFEST_ID) {
        return Err(malformed("the manifest is not signed").into());
    }
    let chain = dsig::verify_signature_value(&root, si, &Scope::new(), alg, &[])?;
    let (manifest, _) =
        find_by_id(&root, &Scope::new(), MANIFEST_ID).ok_or_else(|| malformed("no manifest"))?;
    let mut references = Vec::new();
    for r in manifest.all(DS_NS, "Reference") {
        let digest = dsig::decode_base64(
            r.first(DS_NS, "DigestValue")
                .ok_or_else(|| malformed("manifest reference without DigestValue"))?,
        )?;
        references.push((r.get_attr("URI").unwrap_or_default().to_owned(), digest));
    }
    let mut times = Vec::new();
    root.descendants(XADES_NS, "SigningTime", &mut times);
    Ok(VerifiedSubmissionSignature {
        signer_chain: chain,
        signing_time: times.first().map(|t| t.text_content().trim().to_owned()),
        references,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0, 0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 8]), u64::MAX.to_string());
        assert_eq!(
            decimal(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "340282366920938463463374607431768211456"
        );
    }
}
