//! Negative fixtures: the builders refuse what the volet schematrons would
//! reject (typed errors), and the native volet checks flag the same broken
//! documents as the official volet schematrons (opt-in comparison with
//! SEGUR_SCHEMATRON_PYTHON, set by scripts/setup.d/20-schematron.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use segur_cda::builder::HeaderBuilder;
use segur_cda::datatypes::Ts;
use segur_cda::n3::codes::Terminology;
use segur_cda::n3::entries::*;
use segur_cda::n3::types::Quantity;
use segur_cda::n3::value_sets::jdv;
use segur_cda::volets::eprescription::{self, EPrescriptionBuilder};
use segur_cda::volets::samples::{self, Richness};
use segur_cda::volets::vsm::{self, MedicalSummary, VsmBuilder};
use segur_cda::{BuildError, Document, N3Error};

/// A change made to a valid header.
type HeaderChange = Box<dyn FnOnce(&mut segur_cda::header::Header)>;

fn volet_rule(e: &N3Error) -> &'static str {
    match e {
        N3Error::Volet { rule, .. } => rule,
        other => panic!("expected a volet rule, got {other:?}"),
    }
}

fn ep_with_header(
    change: impl FnOnce(&mut segur_cda::header::Header),
) -> Result<Document, N3Error> {
    let ids = segur_cda::samples::ids();
    let (p, ctx) = samples::prescription(Richness::Typical)?;
    let mut h = samples_header(&ids);
    change(h.header_mut());
    EPrescriptionBuilder::new(h, p, ctx).build(&ids)
}

fn samples_header(ids: &dyn segur_cda::clock::IdGenerator) -> HeaderBuilder {
    let pr = segur_cda::samples::practitioner();
    HeaderBuilder::for_practice(
        eprescription::document_code(),
        "Prescription",
        &pr,
        segur_cda::samples::patient().build().unwrap(),
        time::macros::datetime!(2024-03-15 09:45:00 +01:00),
        &segur_cda::samples::clock(),
        ids,
    )
}

#[test]
fn eprescription_builder_refuses_missing_header_requirements() {
    let cases: Vec<(&str, HeaderChange)> = vec![
        (
            "EP-MED-DM/patient-telecom",
            Box::new(|h| h.record_targets[0].patient_role.telecoms.clear()),
        ),
        (
            "EP-MED-DM/patient-addr",
            Box::new(|h| h.record_targets[0].patient_role.addrs.clear()),
        ),
        (
            "EP-MED-DM/author-id",
            Box::new(|h| h.authors[0].assigned_author.ids.clear()),
        ),
        (
            "EP-MED-DM/author-code",
            Box::new(|h| h.authors[0].assigned_author.code = None),
        ),
        (
            "EP-MED-DM/author-organization-id",
            Box::new(|h| {
                h.authors[0]
                    .assigned_author
                    .organization
                    .as_mut()
                    .unwrap()
                    .ids
                    .clear()
            }),
        ),
        (
            "EP-MED-DM/author-organization-name",
            Box::new(|h| {
                h.authors[0]
                    .assigned_author
                    .organization
                    .as_mut()
                    .unwrap()
                    .name = None
            }),
        ),
    ];
    for (rule, change) in cases {
        let err = ep_with_header(change).unwrap_err();
        assert_eq!(volet_rule(&err), rule);
    }
}

#[test]
fn eprescription_builder_refuses_bad_content() {
    let ids = segur_cda::samples::ids();
    let header = || samples_header(&ids);
    let (_, ctx) = samples::prescription(Richness::Typical).unwrap();

    // No medication and no device.
    let err = EPrescriptionBuilder::new(
        header(),
        eprescription::Prescription::default(),
        ctx.clone(),
    )
    .build(&ids)
    .unwrap_err();
    assert_eq!(volet_rule(&err), "EP-MED-DM/items");

    // Validity ending before it starts.
    let (p, _) = samples::prescription(Richness::Minimal).unwrap();
    let backwards = eprescription::PrescriptionContext::new(
        Ts::from_value("20240615"),
        Ts::from_value("20240315"),
    );
    assert!(matches!(
        EPrescriptionBuilder::new(header(), p.clone(), backwards).build(&ids),
        Err(N3Error::Invalid { .. })
    ));

    // A route that is not an EDQM term (a LOINC code in the wrong field).
    let mut wrong = p.clone();
    wrong.medications[0].medication.route =
        Some(Terminology::Loinc.code("8302-2", "Taille").unwrap());
    assert!(matches!(
        EPrescriptionBuilder::new(header(), wrong, ctx.clone()).build(&ids),
        Err(N3Error::UnknownCode { .. })
    ));

    // Non-substitution without its reason.
    let mut no_reason = p.clone();
    no_reason.medications[0].substitution = Substitution::NotAllowed { reason: " ".into() };
    assert!(matches!(
        EPrescriptionBuilder::new(header(), no_reason, ctx.clone()).build(&ids),
        Err(N3Error::Invalid { .. })
    ));

    // A PDF copy that is not a PDF.
    assert!(matches!(
        EPrescriptionBuilder::new(header(), p, ctx)
            .pdf(b"not a pdf".to_vec())
            .build(&ids),
        Err(N3Error::Invalid {
            field: "PDF copy",
            ..
        })
    ));
}

#[test]
fn coded_values_outside_their_value_set_are_typed_errors() {
    // Closed value sets (vendored JDVs and hand-written ones).
    assert!(matches!(
        jdv::STATUT_GROSSESSE.code("123456"),
        Err(N3Error::UnknownCode { .. })
    ));
    assert!(matches!(
        SocialHistory::new("8302-2", ObservationValue::Boolean(true)),
        Err(N3Error::UnknownCode { .. })
    ));
    assert!(matches!(
        Allergy::new(
            "XYZ",
            Allergen {
                code: None,
                label: "x".into()
            }
        ),
        Err(N3Error::UnknownCode { .. })
    ));
    assert!(matches!(
        Immunization::new("VACCIN", Product::text("x"), Ts::from_value("2024")),
        Err(N3Error::UnknownCode { .. })
    ));
    assert!(matches!(
        FamilyHistory::new("NEIGHBOUR", vec![]),
        Err(N3Error::UnknownCode { .. })
    ));
    // Open terminologies: format and check digits.
    assert!(matches!(
        VitalSign::new("8302-3", "Taille", "170", "cm"),
        Err(N3Error::InvalidCode { .. })
    ));
    assert!(matches!(
        Product::cis("1234", "x"),
        Err(N3Error::InvalidCode { .. })
    ));
    assert!(matches!(
        Terminology::SnomedCt.code("77386007", "x"),
        Err(N3Error::InvalidCode { .. })
    ));
    // UCUM.
    assert!(matches!(
        Quantity::new("1", "cp"),
        Err(N3Error::InvalidQuantity { .. })
    ));
    assert!(matches!(
        Quantity::new("1,2,3", "mg"),
        Err(N3Error::InvalidQuantity { .. })
    ));
}

#[test]
fn vsm_builder_refuses_bad_content_and_headers() {
    let ids = segur_cda::samples::ids();
    // Tapered doses are written in prescriptions only.
    let mut s = MedicalSummary::default();
    s.treatments
        .push(Medication::new(Product::text("x"), Posology::Steps(vec![])));
    let err = VsmBuilder::new(samples_header(&ids), s)
        .pdf(segur_cda::samples::simple_pdf(&["x"]))
        .build(&ids)
        .unwrap_err();
    assert!(
        matches!(
            err,
            N3Error::Invalid {
                field: "posology",
                ..
            }
        ),
        "{err:?}"
    );
    // An empty problem label.
    let mut s = MedicalSummary::default();
    s.active_problems
        .push(Problem::diagnosis(" ", None, None).unwrap());
    assert!(matches!(
        VsmBuilder::new(samples_header(&ids), s).build(&ids),
        Err(N3Error::Invalid { .. })
    ));
    // A header without what the CI-SIS header requires (no patient…).
    let bare = HeaderBuilder::new(vsm::document_code()).title("Synthèse");
    assert!(matches!(
        VsmBuilder::new(bare, MedicalSummary::default()).build(&ids),
        Err(N3Error::Header(BuildError::Missing(_)))
    ));
    // A problem period ending before it starts.
    let mut s = MedicalSummary::default();
    let mut p = Problem::diagnosis("x", None, Some(Ts::from_value("20240101"))).unwrap();
    p.period.high = Some(Ts::from_value("20230101"));
    s.medical_history.push(p);
    assert!(matches!(
        VsmBuilder::new(samples_header(&ids), s).build(&ids),
        Err(N3Error::Invalid { .. })
    ));
    // A vital sign without measure.
    let v = VitalSigns {
        id: None,
        time: Ts::from_value("20240101"),
        signs: vec![],
    };
    let mut p = samples::prescription(Richness::Minimal).unwrap().0;
    p.vital_signs.push(v);
    let ctx = eprescription::PrescriptionContext::new(
        Ts::from_value("20240315"),
        Ts::from_value("20240415"),
    );
    assert!(matches!(
        EPrescriptionBuilder::new(samples_header(&ids), p, ctx).build(&ids),
        Err(N3Error::Missing { .. })
    ));
}

/// Removes the element that encloses `marker` (the innermost `<tag …>…</tag>`
/// around it).
fn remove_enclosing(xml: &str, marker: &str, tag: &str) -> String {
    let at = xml
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not found"));
    let open = xml[..at].rfind(&format!("<{tag}")).unwrap();
    let close = at + xml[at..].find(&format!("</{tag}>")).unwrap() + tag.len() + 3;
    format!("{}{}", &xml[..open], &xml[close..])
}

/// Replaces the first `from` found after `after`.
fn replace_after(xml: &str, after: &str, from: &str, to: &str) -> String {
    let start = xml
        .find(after)
        .unwrap_or_else(|| panic!("{after} not found"));
    let at = start
        + xml[start..]
            .find(from)
            .unwrap_or_else(|| panic!("{from} not found"));
    format!("{}{to}{}", &xml[..at], &xml[at + from.len()..])
}

struct Broken {
    name: &'static str,
    volet: &'static str,
    xml: String,
    rule: &'static str,
}

fn broken_documents() -> Vec<Broken> {
    let vsm_doc =
        String::from_utf8(samples::vsm_document(Richness::Typical).unwrap().to_xml()).unwrap();
    let ep_min = String::from_utf8(
        samples::eprescription_document(Richness::Minimal)
            .unwrap()
            .to_xml(),
    )
    .unwrap();
    let ep_typ = String::from_utf8(
        samples::eprescription_document(Richness::Typical)
            .unwrap()
            .to_xml(),
    )
    .unwrap();
    let v = "VSM_2023.01";
    let e = "EP-MED-DM_2024.01";
    vec![
        Broken {
            name: "vsm-no-template",
            volet: v,
            xml: vsm_doc.replacen(
                "<templateId root=\"1.2.250.1.213.1.1.1.13\" extension=\"2023.01\"/>",
                "",
                1,
            ),
            rule: "VSM/template",
        },
        Broken {
            name: "vsm-code",
            volet: v,
            xml: vsm_doc.replacen("code=\"SYNTH\"", "code=\"SYNTHESE\"", 1),
            rule: "VSM/code",
        },
        Broken {
            name: "vsm-service-event",
            volet: v,
            xml: vsm_doc.replacen(
                "displayName=\"Historique et clinique\"",
                "displayName=\"Historique\"",
                1,
            ),
            rule: "VSM/service-event",
        },
        Broken {
            name: "vsm-no-pathologies",
            volet: v,
            xml: vsm_doc.replacen(
                "root=\"1.2.250.1.213.1.1.2.29\"",
                "root=\"1.2.250.1.213.1.1.2.9999\"",
                1,
            ),
            rule: "VSM/section-pathologies",
        },
        Broken {
            name: "vsm-no-results",
            volet: v,
            xml: vsm_doc.replacen(
                "<templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.3.27\"/>",
                "",
                1,
            ),
            rule: "VSM/section-results",
        },
        Broken {
            name: "vsm-no-treatments",
            volet: v,
            xml: vsm_doc.replacen(
                "root=\"1.2.250.1.213.1.1.2.32\"",
                "root=\"1.2.250.1.213.1.1.2.9998\"",
                1,
            ),
            rule: "VSM/section-treatments",
        },
        Broken {
            name: "ep-no-pre-template",
            volet: e,
            xml: ep_typ.replacen("<templateId root=\"1.3.6.1.4.1.19376.1.9.1.1.1\"/>", "", 1),
            rule: "EP-MED-DM/template",
        },
        Broken {
            name: "ep-code",
            volet: e,
            xml: ep_typ.replacen("code=\"57833-6\"", "code=\"57828-6\"", 1),
            rule: "EP-MED-DM/code",
        },
        Broken {
            name: "ep-no-patient-telecom",
            volet: e,
            xml: ep_typ.replacen("<telecom value=\"tel:0600000000\" use=\"MC\"/>", "", 1),
            rule: "EP-MED-DM/patient-telecom",
        },
        Broken {
            name: "ep-no-patient-addr",
            volet: e,
            xml: remove_enclosing(
                &ep_typ,
                "<streetName>Impasse des Essais</streetName>",
                "addr",
            ),
            rule: "EP-MED-DM/patient-addr",
        },
        Broken {
            name: "ep-no-author-organization-name",
            volet: e,
            xml: ep_typ.replacen("<name>Cabinet médical des Tilleuls</name>", "", 1),
            rule: "EP-MED-DM/author-organization-name",
        },
        Broken {
            name: "ep-no-validity-end",
            volet: e,
            xml: replace_after(
                &ep_typ,
                "<serviceEvent classCode=\"ACT\">",
                "<high value=\"20240615103000+0200\"/>",
                "",
            ),
            rule: "EP-MED-DM/validity",
        },
        Broken {
            name: "ep-no-pdf-copy",
            volet: e,
            xml: ep_typ.replacen(
                "root=\"1.2.250.1.213.1.1.2.243\"",
                "root=\"1.2.250.1.213.1.1.2.9997\"",
                1,
            ),
            rule: "EP-MED-DM/pdf-copy",
        },
        Broken {
            name: "ep-no-items",
            volet: e,
            xml: ep_min.replacen(
                "root=\"1.2.250.1.213.1.1.2.171\"",
                "root=\"1.2.250.1.213.1.1.2.9996\"",
                1,
            ),
            rule: "EP-MED-DM/sections",
        },
        Broken {
            name: "ep-medication-without-ald",
            volet: e,
            xml: ep_min.replacen("<templateId root=\"1.2.250.1.213.1.1.3.48.13\"/>", "", 1),
            rule: "EP-MED-DM/medication-ald",
        },
        Broken {
            name: "ep-device-without-renewals",
            volet: e,
            xml: replace_after(
                &ep_typ,
                "<templateId root=\"1.2.250.1.213.1.1.3.20\"/>",
                "<repeatNumber value=\"0\"/>",
                "",
            ),
            rule: "EP-MED-DM/device-renewals",
        },
        Broken {
            name: "ep-device-without-prevention",
            volet: e,
            xml: replace_after(
                &ep_typ,
                "<templateId root=\"1.2.250.1.213.1.1.3.20\"/>",
                "<templateId root=\"1.2.250.1.213.1.1.3.48.34\"/>",
                "",
            ),
            rule: "EP-MED-DM/device-flags",
        },
    ]
}

fn native_check(volet: &str, doc: &Document) -> Vec<N3Error> {
    if volet.starts_with("VSM") {
        vsm::check(doc)
    } else {
        eprescription::check(doc)
    }
}

#[test]
fn native_volet_checks_flag_each_broken_document() {
    for b in broken_documents() {
        let doc = Document::parse(b.xml.clone().into_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let found = native_check(b.volet, &doc);
        assert!(
            found.iter().any(|e| volet_rule(e) == b.rule),
            "{}: rule {} not reported: {found:?}",
            b.name,
            b.rule
        );
    }
}

fn shared() -> PathBuf {
    std::env::var_os("SEGUR_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into())
}

#[test]
fn native_volet_checks_agree_with_the_official_volet_schematrons() {
    let Some(python) = std::env::var_os("SEGUR_SCHEMATRON_PYTHON") else {
        eprintln!(
            "skipped: set SEGUR_SCHEMATRON_PYTHON (scripts/setup.d/20-schematron.sh, run by scripts/test-all) to compare with the official volet schematrons"
        );
        return;
    };
    let tool = std::env::var_os("SEGUR_SCHEMATRON_TOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared().join("tools/schematron.py"));
    let dir = tempfile::tempdir().unwrap();
    let mut docs: Vec<(String, &'static str, String)> = Vec::new();
    for r in Richness::ALL {
        docs.push((
            format!("good-vsm-{}", r.name()),
            "VSM_2023.01",
            String::from_utf8(samples::vsm_document(r).unwrap().to_xml()).unwrap(),
        ));
        docs.push((
            format!("good-ep-{}", r.name()),
            "EP-MED-DM_2024.01",
            String::from_utf8(samples::eprescription_document(r).unwrap().to_xml()).unwrap(),
        ));
    }
    for b in broken_documents() {
        docs.push((format!("broken-{}", b.name), b.volet, b.xml));
    }
    let mut native = BTreeSet::new();
    let mut official = BTreeSet::new();
    for volet in ["VSM_2023.01", "EP-MED-DM_2024.01"] {
        let mut paths = Vec::new();
        for (name, v, xml) in docs.iter().filter(|d| d.1 == volet) {
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, xml).unwrap();
            paths.push(path);
            let doc = Document::parse(xml.clone().into_bytes()).unwrap();
            if !native_check(v, &doc).is_empty() {
                native.insert(name.clone());
            }
        }
        let out = Command::new(&python)
            .arg(&tool)
            .arg("--json")
            .arg("--sch")
            .arg(shared().join(format!("vendor/ans-cda/schematrons/CI-SIS_{volet}.sch")))
            .args(&paths)
            .output()
            .expect("the schematron tool runs");
        assert!(
            out.status.code() != Some(2),
            "tool error: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        for d in report["documents"].as_array().unwrap() {
            let name = PathBuf::from(d["document"].as_str().unwrap())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let errors: u64 = d["schematrons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["errors"].as_u64().unwrap())
                .sum();
            if errors > 0 {
                official.insert(name);
            }
        }
    }
    let expected: BTreeSet<String> = broken_documents()
        .iter()
        .map(|b| format!("broken-{}", b.name))
        .collect();
    assert_eq!(native, expected, "native volet checks");
    // `Entete_VSM_2023.sch` puts its service-event assert in a second rule
    // with the same context (`cda:ClinicalDocument`) as the first one of the
    // pattern: a Schematron processor fires only the first matching rule of
    // a pattern, so that assert never runs (with our tool and with the ISO
    // skeleton). The native check keeps the rule the volet states.
    let mut official_expected = expected.clone();
    official_expected.remove("broken-vsm-service-event");
    assert_eq!(official, official_expected, "official volet schematrons");
}
