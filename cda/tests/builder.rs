//! Builders refuse invalid headers with typed errors; the INS is written only
//! for a qualified identity.
#![allow(clippy::unwrap_used)]

use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::header::ServiceEvent;
use segur_cda::vocab::{DocumentType, template};
use segur_cda::{BuildError, NonXmlBody, samples, test_output};

fn consult() -> segur_cda::datatypes::Code {
    DocumentType::lookup("11488-4", "2.16.840.1.113883.6.1")
        .unwrap()
        .to_code()
}

fn pdf() -> NonXmlBody {
    NonXmlBody::pdf(samples::simple_pdf(&["test"]))
}

#[test]
fn ins_written_only_when_qualified() {
    let doc = samples::n1_document().unwrap();
    let ins = doc
        .header
        .patient_ins()
        .expect("qualified identity: INS written");
    assert_eq!(ins.root.as_deref(), Some("1.2.250.1.213.1.4.10"));
    assert_eq!(ins.extension.as_deref(), Some("285037511104286"));
    // The INS comes first, then the IPP.
    let ids = &doc.header.patient_role().unwrap().ids;
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1].extension.as_deref(), Some("IPP-000123"));
    let p = doc.header.patient_role().unwrap().patient.as_ref().unwrap();
    assert_eq!(p.birth_name(), Some("TESTPATIENT"));
    assert_eq!(p.given_names(), Some("CAMILLE MARIE"));
    assert_eq!(p.first_given_name(), Some("CAMILLE"));
    assert_eq!(p.birthplace.as_ref().unwrap().part("county"), Some("75111"));

    // Same patient before qualification: traits but no INS.
    let role = samples::unqualified_patient().build().unwrap();
    assert!(
        role.ids
            .iter()
            .all(|i| i.root.as_deref() != Some("1.2.250.1.213.1.4.10"))
    );
    let doc = samples::consultation_header(role, &samples::clock(), &samples::ids())
        .build_n1(pdf())
        .unwrap();
    assert!(doc.header.patient_ins().is_none());
    test_output::write(test_output::N1, "unqualified-patient-n1", &doc.to_xml()).unwrap();
}

#[test]
fn n1_has_exactly_the_three_template_ids() {
    let doc = samples::n1_document().unwrap();
    let roots: Vec<_> = doc
        .header
        .template_ids
        .iter()
        .map(|t| t.root.clone().unwrap())
        .collect();
    assert_eq!(
        roots,
        template::N1
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
    );
}

#[test]
fn refuses_incomplete_headers_with_typed_errors() {
    let clock = samples::clock();
    let ids = samples::ids();
    let patient = samples::patient().build().unwrap();
    let full = || samples::consultation_header(patient.clone(), &clock, &ids);
    assert!(full().build_n1(pdf()).is_ok());

    assert_eq!(
        HeaderBuilder::new(consult()).build_n1(pdf()).unwrap_err(),
        BuildError::Missing("document id")
    );
    assert_eq!(
        full().title("  ").build_n1(pdf()).unwrap_err(),
        BuildError::Missing("title")
    );
    assert!(matches!(
        full().build_n1(NonXmlBody::pdf(Vec::new())).unwrap_err(),
        BuildError::Invalid {
            field: "N1 body",
            ..
        }
    ));
    // A header that passes the structural checks but breaks a rule: the first
    // serviceEvent without performer.
    let mut b = full();
    let h = b.header().clone();
    b = HeaderBuilder::new(h.code.clone().unwrap())
        .id(h.id.clone().unwrap())
        .set_id(h.set_id.clone().unwrap())
        .title("T")
        .effective_time(clock_now())
        .patient(patient.clone())
        .author(h.authors[0].clone())
        .custodian(h.custodian.clone().unwrap().organization)
        .legal_authenticator(h.legal_authenticator.clone().unwrap())
        .documentation_of(ServiceEvent::default())
        .encounter(h.component_of.clone().unwrap());
    match b.build_n1(pdf()).unwrap_err() {
        BuildError::Rule(f) => {
            assert_eq!(f.rule, "DOC-02");
            assert_eq!(f.location, "/ClinicalDocument/documentationOf/serviceEvent");
        }
        other => panic!("{other}"),
    }
    // Not a PDF.
    match full()
        .build_n1(NonXmlBody::pdf(b"hello".to_vec()))
        .unwrap_err()
    {
        BuildError::Rule(f) => assert_eq!(f.rule, "N1-04"),
        other => panic!("{other}"),
    }
    // An N3 document cannot claim XDS-SD.
    assert!(matches!(
        full()
            .build_n3(
                vec![segur_cda::datatypes::Ii::root_only(&template::IHE_XDS_SD)],
                Default::default()
            )
            .unwrap_err(),
        BuildError::Invalid {
            field: "templateId",
            ..
        }
    ));
}

fn clock_now() -> time::OffsetDateTime {
    use segur_cda::clock::Clock;
    samples::clock().now()
}

#[test]
fn patient_builder_checks_traits() {
    assert_eq!(
        PatientBuilder::new().build().unwrap_err(),
        BuildError::Missing("patient birth name")
    );
    let e = samples::patient()
        .birthplace("7511", None)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            BuildError::Invalid {
                field: "birthplace",
                ..
            }
        ),
        "{e}"
    );
    // A qualified INS without birth place is refused.
    let id = samples::patient_identity();
    let q = id.qualified_ins().unwrap();
    let e = PatientBuilder::new()
        .qualified_ins(&q)
        .birth_name("X")
        .given_names("Y")
        .gender(segur_cda::vocab::Gender::Male)
        .birth_date(time::macros::date!(2000 - 01 - 01))
        .build()
        .unwrap_err();
    assert_eq!(e, BuildError::Missing("birthplace COG code (INS trait)"));
}
