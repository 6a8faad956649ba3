//! VIHF assertion: build, sign, verify in-process; tampering is detected.
//! The independent check with xmlsec1 is in `vihf_xmlsec1.rs`.

mod common;

use segur_dmp::vihf::{AuthenticationMode, verify_standalone};
use segur_dmp::{Error, SignatureError, XmlSigner};

#[test]
fn rsa_signed_assertion_verifies_and_carries_every_attribute() {
    let (signer, _) = common::rsa_signer();
    assert!(signer.algorithm_uri().ends_with("rsa-sha256"));
    let now = time::OffsetDateTime::now_utc();
    let a = common::vihf(AuthenticationMode::Indirecte)
        .sign(&signer, now)
        .expect("sign");
    let xml = a.as_xml();
    for needle in [
        "Name=\"VIHF_Version\"",
        "Name=\"Authentification_Mode\"",
        "Name=\"Identifiant_Structure\"",
        "Name=\"Secteur_Activite\"",
        "SA07^1.2.250.1.71.4.2.4",
        "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
        "urn:oasis:names:tc:xacml:2.0:subject:role",
        "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
        "279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH",
        "Name=\"Ressource_URN\"",
        "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
        "codeSystem=\"1.2.250.1.213.1.1.4.248\"",
        "Name=\"LPS_ID\"",
        "Name=\"LPS_Nom\"",
        "Name=\"LPS_Version\"",
        "Name=\"LPS_ID_HOMOLOGATION_DMP\"",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "PrefixList=\"xs\"",
    ] {
        assert!(xml.contains(needle), "missing {needle} in {xml}");
    }
    // Signature right after Issuer.
    let issuer_end = xml.find("</saml2:Issuer>").expect("issuer");
    assert!(xml[issuer_end..].starts_with("</saml2:Issuer><ds:Signature"));
    let claims = verify_standalone(xml).expect("verifies");
    assert_eq!(claims.mode, AuthenticationMode::Indirecte);
    assert_eq!(claims.name_id, "810003612545");
    assert_eq!(claims.structure, "499700000000001");
    assert_eq!(claims.patient, Some(common::ins()));
    assert_eq!(claims.roles.len(), 2);
    assert_eq!(claims.roles[0].code, "10");
    assert_eq!(claims.purpose, "normal");
    assert_eq!(claims.version, "3.0");
    assert_eq!(claims.signer_chain.len(), 1);
}

#[test]
fn ecdsa_signer_from_test_pki_verifies_with_chain() {
    let p = common::pki();
    let signer = XmlSigner::from_identity(&p.org.identity().expect("id")).expect("signer");
    assert!(signer.algorithm_uri().ends_with("ecdsa-sha256"));
    let a = common::vihf(AuthenticationMode::IndirecteRenforcee)
        .sign(&signer, time::OffsetDateTime::now_utc())
        .expect("sign");
    assert!(a.as_xml().contains("APP_BROWSER_AUTH"));
    let claims = verify_standalone(a.as_xml()).expect("verifies");
    assert_eq!(claims.mode, AuthenticationMode::IndirecteRenforcee);
    assert_eq!(
        claims.signer_chain.len(),
        2,
        "leaf and issuing CA in KeyInfo"
    );
}

fn sig_err(xml: &str) -> SignatureError {
    match verify_standalone(xml) {
        Err(Error::Signature(e)) => e,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

#[test]
fn tampering_is_detected() {
    let (signer, _) = common::rsa_signer();
    let a = common::vihf(AuthenticationMode::Indirecte)
        .sign(&signer, time::OffsetDateTime::now_utc())
        .expect("sign");
    let xml = a.as_xml();
    // A claim changed.
    assert_eq!(
        sig_err(&xml.replace("MARTIN Jeanne", "MARTIN Jeannette")),
        SignatureError::DigestMismatch
    );
    // Another patient.
    assert_eq!(
        sig_err(&xml.replace("279035121518989", "180012B01234567")),
        SignatureError::DigestMismatch
    );
    // Whitespace is signed.
    assert_eq!(
        sig_err(&xml.replace("<saml2:Subject>", "<saml2:Subject>\n  ")),
        SignatureError::DigestMismatch
    );
    // SignedInfo changed (digest recomputed by an attacker is not enough).
    let tampered_si = xml.replace("<ds:SignatureMethod", "<ds:SignatureMethod Foo=\"x\"");
    assert!(matches!(
        sig_err(&tampered_si),
        SignatureError::BadSignature
    ));
    // Signature removed.
    let start = xml.find("<ds:Signature").expect("sig");
    let end = xml.find("</ds:Signature>").expect("sig end") + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &xml[..start], &xml[end..]);
    assert_eq!(sig_err(&unsigned), SignatureError::Missing);
    // Reference to another ID.
    let other_ref = xml.replacen("URI=\"#_", "URI=\"#x_", 1);
    assert!(matches!(
        sig_err(&other_ref),
        SignatureError::ReferenceMismatch { .. }
    ));
    // Signed by another key: swap the certificate.
    let p = common::pki();
    let other = XmlSigner::from_identity(&p.org.identity().expect("id")).expect("signer");
    let b = common::vihf(AuthenticationMode::Indirecte)
        .sign(&other, time::OffsetDateTime::now_utc())
        .expect("sign");
    let cert = |x: &str| {
        let s = x.find("<ds:X509Certificate>").expect("cert") + "<ds:X509Certificate>".len();
        let e = x[s..].find('<').expect("end") + s;
        x[s..e].to_owned()
    };
    let swapped = xml.replace(&cert(xml), &cert(b.as_xml()));
    assert!(matches!(
        sig_err(&swapped),
        SignatureError::BadSignature | SignatureError::Certificate(_)
    ));
}

#[test]
fn unsigned_only_in_direct_mode() {
    let v = common::vihf(AuthenticationMode::Indirecte);
    assert!(v.unsigned("CN=x", time::OffsetDateTime::now_utc()).is_err());
    let d = common::vihf(AuthenticationMode::Directe)
        .unsigned("CN=8810003612545", time::OffsetDateTime::now_utc())
        .expect("unsigned");
    assert!(!d.is_signed());
    assert!(d.as_xml().contains("SmartcardPKI"));
    assert_eq!(sig_err(d.as_xml()), SignatureError::Missing);
}

#[test]
fn missing_claims_are_refused() {
    let (signer, _) = common::rsa_signer();
    let mut v = common::vihf(AuthenticationMode::Indirecte);
    v.actor.roles.clear();
    assert!(matches!(
        v.sign(&signer, time::OffsetDateTime::now_utc()),
        Err(Error::Vihf(_))
    ));
    let mut v = common::vihf(AuthenticationMode::Indirecte);
    v.lps.homologation_id = " ".into();
    assert!(matches!(
        v.sign(&signer, time::OffsetDateTime::now_utc()),
        Err(Error::Vihf(_))
    ));
}
