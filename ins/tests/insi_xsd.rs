//! The requests the client writes and the answers the simulator writes are
//! valid against the vendored INSi schemas (`shared/vendor/insi/xsd`).
//!
//! Opt-in: needs `xmllint` (Debian `libxml2-utils`), whose path is given in
//! `SEGUR_XMLLINT` (exported by `scripts/setup.d/25-xmllint.sh`). Without it
//! the test prints how to enable it and passes; with it, any invalid part fails.
//!
//! Every header block and the body are validated on their own against their
//! schema (no SOAP envelope schema is vendored; WS-Addressing's is remote, so
//! `wsa:*` blocks are checked structurally by the parser tests instead).

use std::path::{Path, PathBuf};
use std::process::Command;

use segur_ins::insi::assertion::{self, ProfessionalAttributes, SoftwareSigner};
use segur_ins::insi::sim::SimIdentity;
use segur_ins::insi::soap::{self, RequestHeaders, SoftwareIdentity};
use segur_ins::insi::{
    FaultCode, InsiIdentity, InsiOutcome, LunarDate, Query, SiramError, SoapFault, TraitsQuery,
    VitaleQuery,
};
use segur_ins::{BirthDate, FamilyName, GivenName, Sex};

fn shared() -> PathBuf {
    std::env::var_os("SEGUR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
}

fn out_dir() -> PathBuf {
    let base = std::env::var_os("SEGUR_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/segur-test-out"
            ))
        });
    let d = base.join("insi");
    std::fs::create_dir_all(&d).expect("test output folder");
    d
}

/// Validates every part of `envelope` that has a schema; returns the
/// failures (part name + xmllint output).
fn validate(xmllint: &Path, label: &str, envelope: &str) -> Vec<String> {
    let vendor = shared().join("vendor/insi");
    let dir = out_dir();
    std::fs::write(dir.join(format!("{label}.xml")), envelope).expect("write envelope");
    let parts = soap::split_envelope(envelope.as_bytes()).expect("envelope splits");
    assert!(!parts.is_empty());
    let mut failures = Vec::new();
    let mut validated = 0;
    for (i, part) in parts.iter().enumerate() {
        let Some(schema) = part.schema else { continue };
        let file = dir.join(format!("{label}.part{i}.xml"));
        std::fs::write(&file, &part.xml).expect("write part");
        let out = Command::new(xmllint)
            .args(["--noout", "--nonet", "--schema"])
            .arg(vendor.join(schema))
            .arg(&file)
            .output()
            .expect("xmllint runs");
        validated += 1;
        if !out.status.success() {
            failures.push(format!(
                "{label} {}: {}{}",
                part.name,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(validated > 0, "{label}: nothing validated");
    failures
}

fn xmllint() -> Option<PathBuf> {
    match std::env::var_os("SEGUR_XMLLINT") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!(
                "insi_xsd: skipped (set SEGUR_XMLLINT to the xmllint binary, e.g. via \
                 scripts/setup.d/25-xmllint.sh, to validate INSi messages against the vendored XSDs)"
            );
            None
        }
    }
}

async fn requests() -> Vec<(String, String)> {
    let software = SoftwareIdentity::new("IDAM-0001", "1.2.3", "segur-rs", "poste-1");
    let now = time::macros::datetime!(2025-03-04 05:06:07.089 UTC);
    let traits = Query::Traits(
        TraitsQuery::new(
            FamilyName::parse("D'ARTAGNAN--DE LA TOUR").expect("name"),
            GivenName::parse("JEAN PIERRE").expect("given"),
            Sex::Male,
            BirthDate::parse("1980-03-02").expect("date"),
            Some("2B020".parse().expect("place")),
        )
        .expect("query"),
    );
    let vitale = Query::Vitale(VitaleQuery {
        individual: Some("275126322074974".parse().expect("nir")),
        ouvrant_droit: Some("185057512345673".parse().expect("nir")),
        birth_family_name: Some(FamilyName::parse("ADRUN").expect("name")),
        birth_date: Some(LunarDate::parse("1975-12-31").expect("date")),
        birth_rank: Some(1),
    });
    let psc = assertion::psc_assertion(
        "_psc-1",
        now,
        "810003612545",
        &ProfessionalAttributes {
            identifiant_facturation: "991234567".into(),
            code_specialite_amo: Some("01".into()),
            gip_profession_code: Some("10".into()),
            ..Default::default()
        },
    );
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
    let cps = assertion::cps_assertion(
        &signer,
        "_cps-1",
        now,
        &ProfessionalAttributes {
            identifiant_facturation: "991234567".into(),
            secteur_activite: Some("SA07".into()),
            code_specialite: Some("01".into()),
            ..Default::default()
        },
    )
    .await
    .expect("signed");
    let mut out = Vec::new();
    for (label, query, security) in [
        ("request-traits-mtls", &traits, None),
        ("request-traits-psc", &traits, Some(psc.as_str())),
        ("request-traits-cps", &traits, Some(cps.as_str())),
        ("request-vitale-cps", &vitale, Some(cps.as_str())),
    ] {
        let h = RequestHeaders {
            software: &software,
            emitter: "10003612545",
            message_id: "uuid:11111111-2222-4333-8444-555555555555",
            lps_context_id: "6a1c8f0e-0000-4000-8000-000000000001",
            bam_context_id: "6a1c8f0e-0000-4000-8000-000000000002",
            now,
            security,
        };
        out.push((label.to_owned(), soap::build_request(query, &h)));
    }
    out
}

fn answers() -> Vec<(String, String)> {
    let e = SimIdentity::ecetinsi_pierre_alain();
    let h = SimIdentity::hermann_gatien();
    let found = |s: &SimIdentity| {
        InsiOutcome::Found(Box::new(InsiIdentity {
            active: s.active.clone(),
            history: s.history.clone(),
            traits: s.traits.clone(),
        }))
    };
    let fault = SoapFault {
        code: FaultCode::Sender,
        subcode: Some("siram_100".into()),
        reason: "L'accès par ce progiciel au service n'est pas autorisé.".into(),
        detail: Some(SiramError {
            code: "desir_550".into(),
            severity: "erreur".into(),
            message_id: Some("uuid:11111111-2222-4333-8444-555555555555".into()),
            text: "Numéro d'autorisation du logiciel inconnu.".into(),
        }),
    };
    vec![
        (
            "answer-00-history".into(),
            soap::build_result(&found(&e), None),
        ),
        (
            "answer-00-bad-key".into(),
            soap::build_result(&found(&h), None),
        ),
        (
            "answer-01".into(),
            soap::build_result(&InsiOutcome::NotFound, None),
        ),
        (
            "answer-02".into(),
            soap::build_result(&InsiOutcome::Several, None),
        ),
        ("answer-fault".into(), soap::build_fault(&fault)),
    ]
}

#[tokio::test]
async fn requests_and_simulator_answers_are_schema_valid() {
    let Some(xmllint) = xmllint() else { return };
    let mut failures = Vec::new();
    for (label, xml) in requests().await.into_iter().chain(answers()) {
        failures.extend(validate(&xmllint, &label, &xml));
    }
    assert!(
        failures.is_empty(),
        "schema violations:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_validator_rejects_invalid_parts() {
    let Some(xmllint) = xmllint() else { return };
    // A key of three digits and a lower-case sex break INSi_RESULTAT_INS.xsd.
    let bad = soap::build_result(&InsiOutcome::NotFound, None).replace(
        "</CR>",
        "</CR><INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>1090763220834</NumIdentifiant><Cle>899</Cle></IdIndividu><OID>x</OID></INSACTIF>\
         <TIQ><Sexe>m</Sexe></TIQ></INDIVIDU>",
    );
    let failures = validate(&xmllint, "negative-control", &bad);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("Cle") || failures[0].contains("Sexe"),
        "{}",
        failures[0]
    );
    // A context header without its required Id fails too.
    let software = SoftwareIdentity::new("IDAM", "1", "n", "i");
    let q = Query::Vitale(VitaleQuery {
        individual: Some("275126322074974".parse().expect("nir")),
        ..Default::default()
    });
    let req = soap::build_request(
        &q,
        &RequestHeaders {
            software: &software,
            emitter: "e",
            message_id: "uuid:1",
            lps_context_id: "x",
            bam_context_id: "y",
            now: time::OffsetDateTime::UNIX_EPOCH,
            security: None,
        },
    )
    .replace("<ctxlps:Id>x</ctxlps:Id>", "");
    assert_eq!(validate(&xmllint, "negative-control-ctx", &req).len(), 1);
}

/// The CPS assertion's enveloped signature verifies with an independent
/// XML-DSig implementation, standalone and inside the request envelope; a
/// tampered attribute value breaks it. Opt-in: `SEGUR_XMLSEC1` (Debian `xmlsec1`).
#[tokio::test]
async fn cps_assertion_signature_verifies_with_xmlsec1() {
    let Some(xmlsec1) = std::env::var_os("SEGUR_XMLSEC1").map(PathBuf::from) else {
        eprintln!(
            "insi_xsd: xmlsec1 check skipped (set SEGUR_XMLSEC1 to the xmlsec1 binary, e.g. via \
             scripts/setup.d/25-xmllint.sh)"
        );
        return;
    };
    let dir = out_dir();
    let pki = segur_ssi::test_pki::TestPki::generate().expect("pki");
    let card = pki
        .issue_personal(
            &"10003612545".parse().expect("rpps"),
            "MARTIN",
            "JEANNE",
            "Médecin",
        )
        .expect("card");
    let cert_pem = dir.join("cps-card.pem");
    std::fs::write(&cert_pem, card.cert_pem()).expect("write cert");
    let signer =
        SoftwareSigner::from_identity(&card.identity().expect("identity")).expect("signer");
    let a = assertion::cps_assertion(
        &signer,
        "_cps-xmlsec",
        time::OffsetDateTime::now_utc(),
        &ProfessionalAttributes {
            identifiant_facturation: "99 & <1>".into(),
            secteur_activite: Some("SA07".into()),
            ..Default::default()
        },
    )
    .await
    .expect("signed");
    let software = SoftwareIdentity::new("IDAM", "1", "n", "i");
    let envelope = soap::build_request(
        &Query::Vitale(VitaleQuery {
            individual: Some("275126322074974".parse().expect("nir")),
            ..Default::default()
        }),
        &RequestHeaders {
            software: &software,
            emitter: "e",
            message_id: "uuid:1",
            lps_context_id: "x",
            bam_context_id: "y",
            now: time::OffsetDateTime::UNIX_EPOCH,
            security: Some(&a),
        },
    );
    let verify = |name: &str, xml: &str| -> bool {
        let f = dir.join(name);
        std::fs::write(&f, xml).expect("write");
        let out = Command::new(&xmlsec1)
            .args(["--verify", "--pubkey-cert-pem"])
            .arg(&cert_pem)
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            ])
            .arg(&f)
            .output()
            .expect("xmlsec1 runs");
        out.status.success()
    };
    assert!(verify("cps-assertion.xml", &a), "standalone assertion");
    assert!(
        verify("cps-envelope.xml", &envelope),
        "assertion inside the envelope"
    );
    let tampered = a.replace("SA07", "SA08");
    assert!(
        !verify("cps-assertion-tampered.xml", &tampered),
        "tampering must be detected"
    );
}
