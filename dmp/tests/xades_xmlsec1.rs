//! Independent verification, with xmlsec1, of the signature document that
//! every ITI-41 submission carries (IHE DSG: SignedInfo references the
//! manifest and the XAdES SignedProperties). Opt-in: `SEGUR_XMLSEC1` (set by
//! `scripts/setup.d/20-xmlsec1.sh`); when opted in, a failure fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use segur_dmp::XmlSigner;
use segur_dmp::feed::{Feed, provide_and_register};
use segur_dmp::xades::verify_submission_signature;

fn xmlsec1() -> Option<String> {
    match std::env::var("SEGUR_XMLSEC1") {
        Ok(v) if !v.is_empty() => Some(if v == "1" { "xmlsec1".into() } else { v }),
        _ => {
            eprintln!(
                "skipped: xmlsec1 verification of the submission signature document (set SEGUR_XMLSEC1=1 with Debian's xmlsec1 installed, as scripts/test-all does)"
            );
            None
        }
    }
}

/// Verifies with xmlsec1; `resources` maps each manifest URI to a file, so
/// that xmlsec1 checks the manifest digests too.
fn verify(
    bin: &str,
    file: &Path,
    trusted_pem: &Path,
    resources: &[(String, PathBuf)],
) -> (bool, String) {
    let mut cmd = Command::new(bin);
    cmd.args(["--verify", "--trusted-pem"]).arg(trusted_pem);
    for (uri, path) in resources {
        cmd.arg(format!("--url-map:{uri}")).arg(path);
    }
    let out = cmd
        .args([
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:Manifest",
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
        ])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success() && stderr.contains("OK"), stderr)
}

fn signature(signer: &XmlSigner) -> (String, Vec<u8>, String) {
    let doc = common::n1_doc(1).to_xml();
    let prepared = Feed::document(doc.clone()).prepare().expect("prepare");
    let request = provide_and_register(
        &prepared,
        &BTreeMap::new(),
        &common::context(),
        signer,
        time::OffsetDateTime::now_utc(),
    )
    .expect("request");
    (
        request.signature_document().to_owned(),
        doc,
        request.submission_set_unique_id().to_owned(),
    )
}

fn check(bin: &str, dir: &Path, signer: &XmlSigner, trusted_pem: &str) {
    let trusted = dir.join("trusted.pem");
    std::fs::write(&trusted, trusted_pem).expect("write");
    let (xml, doc, set_uid) = signature(signer);
    let doc_uid = "1.2.250.1.999.1.1^TDOC-100";
    // Our own verifier agrees, and the manifest covers the document.
    let v = verify_submission_signature(xml.as_bytes()).expect("own verifier");
    assert!(v.covers(doc_uid, &doc));
    let file = dir.join("signature.xml");
    std::fs::write(&file, &xml).expect("write");
    let doc_file = dir.join("document.xml");
    std::fs::write(&doc_file, &doc).expect("write");
    let set_file = dir.join("submission-set-uid.txt");
    std::fs::write(&set_file, &set_uid).expect("write");
    let resources = vec![
        (format!("urn:oid:{set_uid}"), set_file),
        (format!("urn:oid:{doc_uid}"), doc_file.clone()),
    ];
    let (ok, stderr) = verify(bin, &file, &trusted, &resources);
    assert!(ok, "xmlsec1 must verify: {stderr}");
    assert!(
        stderr.contains("SignedInfo References (ok/all): 2/2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Manifests References (ok/all): 2/2"),
        "{stderr}"
    );
    // Another document than the one signed: xmlsec1 reports the manifest
    // reference as failed (XML-DSig leaves the manifest verdict to the
    // application; the simulator refuses such a submission).
    let other = dir.join("other-document.xml");
    std::fs::write(&other, common::n1_doc(2).to_xml()).expect("write");
    let swapped = vec![resources[0].clone(), (resources[1].0.clone(), other)];
    let (_, stderr) = verify(bin, &file, &trusted, &swapped);
    assert!(
        stderr.contains("Manifests References (ok/all): 1/2"),
        "{stderr}"
    );
    // A signed property changed: the signature fails.
    let tampered = dir.join("signature-tampered.xml");
    std::fs::write(
        &tampered,
        xml.replace("<xades:SigningTime>", "<xades:SigningTime>1"),
    )
    .expect("write");
    assert!(
        !verify(bin, &tampered, &trusted, &resources).0,
        "tampered must fail"
    );
}

#[test]
fn xmlsec1_verifies_the_rsa_signature_document() {
    let Some(bin) = xmlsec1() else { return };
    let dir = common::test_out("xades-rsa");
    let (signer, pem) = common::rsa_signer();
    check(&bin, &dir, &signer, &pem);
}

#[test]
fn xmlsec1_verifies_the_ecdsa_signature_document() {
    let Some(bin) = xmlsec1() else { return };
    let dir = common::test_out("xades-ecdsa");
    let p = common::pki();
    let signer = XmlSigner::from_identity(&p.org.identity().expect("id")).expect("signer");
    check(&bin, &dir, &signer, &p.pki.root_pem());
}
