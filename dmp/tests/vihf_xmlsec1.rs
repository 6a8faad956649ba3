//! Independent verification of the signed VIHF with xmlsec1 (libxml2 +
//! OpenSSL). Opt-in: `SEGUR_XMLSEC1=1` (or the path of the binary), set by
//! `scripts/setup.d/20-xmlsec1.sh`, which installs Debian's `xmlsec1`.
//! When opted in and xmlsec1 fails or is missing, the test fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use segur_dmp::XmlSigner;
use segur_dmp::vihf::AuthenticationMode;

fn xmlsec1() -> Option<String> {
    match std::env::var("SEGUR_XMLSEC1") {
        Ok(v) if !v.is_empty() => Some(if v == "1" { "xmlsec1".into() } else { v }),
        _ => {
            eprintln!(
                "skipped: xmlsec1 verification of the VIHF (set SEGUR_XMLSEC1=1 with Debian's xmlsec1 installed, as scripts/test-all does)"
            );
            None
        }
    }
}

/// Runs `xmlsec1 --verify` trusting `trusted_pem`; true when it verified.
fn verify(bin: &str, file: &Path, trusted_pem: &Path) -> bool {
    let out = Command::new(bin)
        .args(["--verify", "--trusted-pem"])
        .arg(trusted_pem)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ok = out.status.success() && stderr.contains("OK");
    if ok {
        assert!(
            stderr.contains("SignedInfo References (ok/all): 1/1"),
            "{stderr}"
        );
    }
    ok
}

fn envelope(assertion: &str) -> String {
    // Default namespace plus wsse/wsu/wsa/xs on the envelope: exclusive c14n
    // must ignore them.
    format!(
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" xmlns=\"urn:example:default\" \
         xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" \
         xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" \
         xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\" \
         xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n  <soap:Header>\n    <wsse:Security>{assertion}</wsse:Security>\n  </soap:Header>\n  <soap:Body><x/></soap:Body>\n</soap:Envelope>"
    )
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p
}

fn check_all(bin: &str, dir: &Path, xml: &str, trusted: &Path) {
    let standalone = write(dir, "vihf.xml", xml);
    assert!(verify(bin, &standalone, trusted), "standalone must verify");
    let env = write(dir, "vihf-in-envelope.xml", &envelope(xml));
    assert!(verify(bin, &env, trusted), "inside an envelope must verify");
    let tampered = write(
        dir,
        "vihf-tampered.xml",
        &xml.replace("MARTIN Jeanne", "MARTIN Jeannette"),
    );
    assert!(!verify(bin, &tampered, trusted), "tampered must fail");
    // Re-indenting after signing breaks the signature (documents the rule).
    let pretty = write(
        dir,
        "vihf-reindented.xml",
        &xml.replace("<saml2:Subject>", "<saml2:Subject>\n    "),
    );
    assert!(!verify(bin, &pretty, trusted), "re-indented must fail");
}

#[test]
fn xmlsec1_verifies_rsa_sha256_vihf() {
    let Some(bin) = xmlsec1() else { return };
    let dir = common::test_out("vihf-rsa");
    let (signer, cert_pem) = common::rsa_signer();
    let trusted = write(&dir, "signer.pem", &cert_pem);
    let a = common::vihf(AuthenticationMode::Indirecte)
        .sign(&signer, time::OffsetDateTime::now_utc())
        .expect("sign");
    check_all(&bin, &dir, a.as_xml(), &trusted);
}

#[test]
fn xmlsec1_verifies_ecdsa_vihf_from_test_pki_chain() {
    let Some(bin) = xmlsec1() else { return };
    let dir = common::test_out("vihf-ecdsa");
    let p = common::pki();
    let signer = XmlSigner::from_identity(&p.org.identity().expect("id")).expect("signer");
    let trusted = write(&dir, "root.pem", &p.pki.root_pem());
    let a = common::vihf(AuthenticationMode::IndirecteRenforcee)
        .sign(&signer, time::OffsetDateTime::now_utc())
        .expect("sign");
    check_all(&bin, &dir, a.as_xml(), &trusted);
}
