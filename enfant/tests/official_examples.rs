//! The official ANS examples of the five volets parse into the typed
//! models, and the models re-serialise to documents that still pass the
//! official validators (written to the test-output folder).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use segur_cda::Document;
use segur_cda::builder::HeaderBuilder;
use segur_cda::test_output;
use segur_enfant::volet::ChildVolet;
use segur_enfant::{cs8, followup, measures, samples, vaccination_note};

fn shared() -> std::path::PathBuf {
    match std::env::var_os("SEGUR_SHARED") {
        Some(p) => p.into(),
        None => concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into(),
    }
}

fn example(name: &str) -> Document {
    let path = shared().join("vendor/ans-cda/ExemplesCDA").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Document::parse(bytes).expect("official example parses")
}

fn rewrite(
    volet: ChildVolet,
    doc: &Document,
    build: impl Fn(HeaderBuilder) -> segur_enfant::Result<Document>,
) -> Document {
    // The header of the example is kept as it is (known ANS quirks included);
    // the body is rewritten from the typed model.
    let out = build(HeaderBuilder::from_header(doc.header.clone()))
        .unwrap_or_else(|e| panic!("{}: {e}", volet.name()));
    let xml = out.to_xml();
    test_output::write(
        volet.volet_key(),
        &format!("enfant-official-{}", volet.name().to_lowercase()),
        &xml,
    )
    .unwrap();
    Document::parse(xml).unwrap()
}

#[test]
fn cs8_example() {
    let doc = example("CSE-CS8_2025.01.xml");
    let m = cs8::Cs8Certificate::from_document(&doc).unwrap();
    assert_eq!(m.delivery.gestational_age_weeks, Some(38));
    assert_eq!(m.newborn.apgar, [Some(10), Some(10), Some(10)]);
    assert_eq!(
        m.newborn
            .birth_measurements
            .weight
            .as_ref()
            .unwrap()
            .value
            .as_str(),
        "3900"
    );
    assert_eq!(m.social_coverage.code(), "GEN-105");
    assert_eq!(m.pregnancy.gravidity, Some(1));
    assert!(m.vaccinations.iter().any(|v| v.vaccine.code() == "J07BC01"));
    let back = rewrite(ChildVolet::Cs8, &doc, |h| m.build(h, &samples::ids()));
    assert_eq!(cs8::Cs8Certificate::from_document(&back).unwrap(), m);
}

#[test]
fn cs9_example() {
    let doc = example("CSE-CS9_2025.01.xml");
    let m = followup::Cs9Certificate::from_document(&doc).unwrap();
    assert!(m.family.childcare);
    assert!(m.domestic_accidents.occurred);
    assert_eq!(m.neurodevelopment.code(), "ORG-197");
    assert_eq!(m.orientations.len(), 3);
    let back = rewrite(ChildVolet::Cs9, &doc, |h| m.build(h, &samples::ids()));
    assert_eq!(followup::Cs9Certificate::from_document(&back).unwrap(), m);
}

#[test]
fn cs24_example() {
    let doc = example("CSE-CS24_2025.01.xml");
    let m = followup::Cs24Certificate::from_document(&doc).unwrap();
    assert_eq!(m.screen_exposure.code(), "GEN-311");
    // The example writes MED-283 for the tuberculosis qualifier (enfant.md §12).
    assert_eq!(m.family.tuberculosis_risk, Some(false));
    assert_eq!(m.measurements.bmi.as_ref().unwrap().value.as_str(), "14.4");
    assert_eq!(m.walking_acquired, Some(true));
    assert_eq!(m.allergies.len(), 1);
    let back = rewrite(ChildVolet::Cs24, &doc, |h| m.build(h, &samples::ids()));
    assert_eq!(followup::Cs24Certificate::from_document(&back).unwrap(), m);
}

#[test]
fn measurements_example() {
    let doc = example("CSE-MDE_2023.01.xml");
    let m = measures::ChildMeasurements::from_document(&doc).unwrap();
    assert_eq!(m.measurements.len(), 1);
    assert_eq!(
        m.measurements[0].height.as_ref().unwrap().value.as_str(),
        "52"
    );
    let back = rewrite(ChildVolet::Measurements, &doc, |h| {
        m.build(h, &samples::ids())
    });
    assert_eq!(
        measures::ChildMeasurements::from_document(&back).unwrap(),
        m
    );
}

#[test]
fn vaccination_note_example() {
    let doc = example("VAC-NOTE_2023.01.xml");
    let m = vaccination_note::VaccinationNote::from_document(&doc).unwrap();
    assert_eq!(m.product.code(), "68747507");
    assert_eq!(m.atc.code(), "J07AM");
    assert_eq!(m.lot, "4456672");
    assert_eq!(m.rank, Some(2));
    assert!(m.cip.is_some());
    let back = rewrite(ChildVolet::VaccinationNote, &doc, |h| {
        m.build(h, &samples::ids())
    });
    assert_eq!(
        vaccination_note::VaccinationNote::from_document(&back).unwrap(),
        m
    );
}
