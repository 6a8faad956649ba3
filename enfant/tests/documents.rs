//! The five N3 documents: fixtures (minimal, typical, maximal) written for
//! the official validators (`scripts/check.d/20-cda-schematron.sh`), read
//! back into the typed models, negative fixtures refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use segur_cda::Document;
use segur_cda::test_output;
use segur_cda::volets::samples::Richness;
use segur_enfant::samples;
use segur_enfant::volet::ChildVolet;

fn produce(volet: ChildVolet) {
    for r in Richness::ALL {
        let doc = samples::document(volet, r)
            .unwrap_or_else(|e| panic!("{} {}: {e}", volet.name(), r.name()));
        let xml = doc.to_xml();
        test_output::write(
            volet.volet_key(),
            &format!("enfant-{}-{}", volet.name().to_lowercase(), r.name()),
            &xml,
        )
        .expect("write test output");
        let back = Document::parse(xml).expect("our document parses");
        assert!(back.validate().is_valid(), "{}", volet.name());
        assert_eq!(ChildVolet::of(&back.header), Some(volet));
    }
}

#[test]
fn measurements_fixtures() {
    produce(ChildVolet::Measurements);
    let doc = samples::document(ChildVolet::Measurements, Richness::Maximal).unwrap();
    let back = segur_enfant::measures::ChildMeasurements::from_document(
        &Document::parse(doc.to_xml()).unwrap(),
    )
    .unwrap();
    assert_eq!(back, samples::measurements(Richness::Maximal).unwrap());
}

#[test]
fn vaccination_note_fixtures() {
    produce(ChildVolet::VaccinationNote);
    for r in Richness::ALL {
        let doc = samples::document(ChildVolet::VaccinationNote, r).unwrap();
        let back = segur_enfant::vaccination_note::VaccinationNote::from_document(
            &Document::parse(doc.to_xml()).unwrap(),
        )
        .unwrap();
        let mut want = samples::vaccination_note(r).unwrap();
        if want.recorded_at.is_none() {
            want.recorded_at = back.recorded_at.clone();
        }
        assert_eq!(back, want, "{}", r.name());
    }
}

#[test]
fn cs9_fixtures() {
    produce(ChildVolet::Cs9);
    for r in Richness::ALL {
        let doc = samples::document(ChildVolet::Cs9, r).unwrap();
        let back = segur_enfant::followup::Cs9Certificate::from_document(
            &Document::parse(doc.to_xml()).unwrap(),
        )
        .unwrap();
        assert_eq!(back, samples::cs9(r).unwrap(), "{}", r.name());
    }
}

#[test]
fn cs24_fixtures() {
    produce(ChildVolet::Cs24);
    for r in Richness::ALL {
        let doc = samples::document(ChildVolet::Cs24, r).unwrap();
        let back = segur_enfant::followup::Cs24Certificate::from_document(
            &Document::parse(doc.to_xml()).unwrap(),
        )
        .unwrap();
        assert_eq!(back, samples::cs24(r).unwrap(), "{}", r.name());
    }
}

#[test]
fn cs8_fixtures() {
    produce(ChildVolet::Cs8);
    for r in Richness::ALL {
        let doc = samples::document(ChildVolet::Cs8, r).unwrap();
        let back = segur_enfant::cs8::Cs8Certificate::from_document(
            &Document::parse(doc.to_xml()).unwrap(),
        )
        .unwrap();
        assert_eq!(back, samples::cs8(r).unwrap(), "{}", r.name());
    }
}
