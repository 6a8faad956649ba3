//! The official examples of the VSM and eP-MED-DM volets parse into the
//! typed N3 model and are written again (as 2023.01 / 2024.01 documents)
//! for the official validators (scripts/check.d).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use segur_cda::volets::eprescription::{self, EPrescriptionBuilder, Prescription};
use segur_cda::volets::vsm::{self, MedicalSummary, VsmBuilder};
use segur_cda::{Document, test_output};

fn example(name: &str) -> Document {
    let shared = std::env::var_os("SEGUR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    let path = shared.join("vendor/ans-cda/ExemplesCDA").join(name);
    Document::parse(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

#[test]
fn official_vsm_example_reads_into_the_model_and_is_written_again() {
    let doc = example("VSM_1.4_2022.01.xml");
    let s = MedicalSummary::from_document(&doc).unwrap();
    assert_eq!(s.active_problems.len(), 2);
    assert_eq!(s.active_problems[0].value.as_ref().unwrap().code(), "G45.9");
    assert_eq!(
        s.active_problems[0].label,
        "Accident ischémique cérébral transitoire"
    );
    assert_eq!(s.medical_history.len(), 2);
    assert!(s.medical_history[0].period.high.is_some());
    assert_eq!(s.surgical_history.len(), 1);
    assert_eq!(
        s.surgical_history[0].code.as_ref().unwrap().code(),
        "DDAF004"
    );
    assert!(s.surgical_history[0].reason.is_some());
    assert_eq!(s.allergies.len(), 1);
    assert_eq!(
        s.allergies[0]
            .allergen
            .as_ref()
            .unwrap()
            .code
            .as_ref()
            .unwrap()
            .code(),
        "60234100"
    );
    assert_eq!(
        s.allergies[0].clinical_status.as_ref().unwrap().code(),
        "inactive"
    );
    assert_eq!(s.lifestyle.len(), 2);
    assert!(s.occupational_risks.as_deref().unwrap().contains("amiante"));
    assert_eq!(s.family_history.len(), 1);
    assert_eq!(s.family_history[0].relative.code(), "MTH");
    assert!(s.results.text.as_deref().unwrap().contains("Hémibloc"));
    assert_eq!(s.treatments.len(), 2);
    assert_eq!(
        s.treatments[0].product.code.as_ref().unwrap().code(),
        "63564053"
    );
    assert!(s.other_sections.is_empty() && s.other_subsections.is_empty());

    let ids = segur_cda::samples::ids();
    let again = VsmBuilder::from_document(&doc)
        .unwrap()
        .build(&ids)
        .unwrap();
    assert!(vsm::check(&again).is_empty(), "{:?}", vsm::check(&again));
    let xml = again.to_xml();
    test_output::write(vsm::VOLET_KEY, "official-vsm-rewritten", &xml).unwrap();
    // The rewritten document reads into the same model.
    let back = Document::parse(xml).unwrap();
    assert_eq!(MedicalSummary::from_document(&back).unwrap(), s);
}

#[test]
fn official_eprescription_example_reads_into_the_model_and_is_written_again() {
    let doc = example("eP-MED-DM_2024.01_PosoStruct.xml");
    let p = Prescription::from_document(&doc).unwrap();
    assert_eq!(p.medications.len(), 2);
    let m0 = &p.medications[0];
    assert_eq!(
        m0.medication.product.code.as_ref().unwrap().code(),
        "63107752"
    );
    assert_eq!(m0.medication.product.ingredients.len(), 1);
    assert!(m0.medication.product.generic.is_some());
    assert!(matches!(
        &m0.medication.posology,
        segur_cda::n3::entries::Posology::Steps(s) if s.len() == 2
    ));
    assert_eq!(m0.renewals, 3);
    assert!(matches!(
        m0.substitution,
        segur_cda::n3::entries::Substitution::NotAllowed { .. }
    ));
    assert_eq!(m0.quantity.as_ref().unwrap().value.as_str(), "2");
    assert!(m0.medication.max_dose.is_some());
    let m1 = &p.medications[1];
    assert!(m1.medication.product.code.is_none());
    assert_eq!(m1.medication.site.as_ref().unwrap().label, "visage");
    assert_eq!(p.devices.len(), 1);
    assert_eq!(p.devices[0].rental_days, Some(60));
    assert_eq!(p.vital_signs.len(), 1);
    assert_eq!(p.vital_signs[0].signs.len(), 2);
    assert_eq!(p.pregnancy.len(), 1);
    assert!(p.barcode.is_some());
    assert!(p.comment.is_some());
    assert!(p.other_sections.is_empty());
    let ctx = eprescription::PrescriptionContext::from_header(&doc.header).unwrap();
    assert!(ctx.options.bizone && ctx.options.military);

    let ids = segur_cda::samples::ids();
    let builder = EPrescriptionBuilder::from_document(&doc).unwrap();
    let again = builder.build(&ids).unwrap();
    assert!(
        eprescription::check(&again).is_empty(),
        "{:?}",
        eprescription::check(&again)
    );
    let xml = again.to_xml();
    test_output::write(
        eprescription::VOLET_KEY,
        "official-ep-med-dm-rewritten",
        &xml,
    )
    .unwrap();
    let back = Document::parse(xml).unwrap();
    let p2 = Prescription::from_document(&back).unwrap();
    assert_eq!(p2.medications.len(), 2);
    assert_eq!(
        p2.devices,
        p.devices
            .iter()
            .cloned()
            .map(|mut d| {
                d.id = p2.devices[0].id.clone();
                d
            })
            .collect::<Vec<_>>()
    );
}
