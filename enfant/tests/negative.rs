//! Negative fixtures: the builders refuse what the volets forbid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use segur_cda::n3::value_sets::jdv;
use segur_cda::volets::samples::Richness;
use segur_enfant::Error;
use segur_enfant::common::{DomesticAccidents, Measurements, ParentRole};
use segur_enfant::samples;
use segur_enfant::volet::{self, ChildVolet};
use time::macros::date;

fn header(v: ChildVolet) -> segur_cda::builder::HeaderBuilder {
    samples::header(v, &samples::ids()).unwrap()
}

#[test]
fn cs8_without_mother_informant_is_refused() {
    let mut h = header(ChildVolet::Cs8);
    h.header_mut().informants.clear();
    let e = samples::cs8(Richness::Typical)
        .unwrap()
        .build(h, &samples::ids())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Missing {
                document: "CS8",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn cs8_with_street_address_line_is_refused() {
    let mut h = header(ChildVolet::Cs8);
    let role = &mut h.header_mut().record_targets[0].patient_role;
    role.addrs[0].push("streetAddressLine", "24 Avenue des Essais");
    assert!(
        samples::cs8(Richness::Typical)
            .unwrap()
            .build(h, &samples::ids())
            .is_err()
    );
}

#[test]
fn cs8_value_outside_its_value_set_is_refused() {
    let mut c = samples::cs8(Richness::Typical).unwrap();
    // A CS9 code where the CS8 feeding JDV is expected.
    c.family.feeding = jdv::TYPE_GARDE.code("PAT-050").unwrap();
    assert!(matches!(
        c.build(header(ChildVolet::Cs8), &samples::ids()),
        Err(Error::N3(_))
    ));
    let mut c = samples::cs8(Richness::Typical).unwrap();
    c.newborn.apgar[0] = Some(11);
    assert!(c.build(header(ChildVolet::Cs8), &samples::ids()).is_err());
    let mut c = samples::cs8(Richness::Typical).unwrap();
    c.family.parents.retain(|p| p.role != ParentRole::Mother);
    assert!(c.build(header(ChildVolet::Cs8), &samples::ids()).is_err());
}

#[test]
fn cs9_needs_the_mother_birth_date_and_accident_causes() {
    let mut c = samples::cs9(Richness::Typical).unwrap();
    for p in &mut c.family.parents {
        p.birth_date = None;
    }
    assert!(matches!(
        c.build(header(ChildVolet::Cs9), &samples::ids()),
        Err(Error::Missing { .. })
    ));
    let mut c = samples::cs9(Richness::Typical).unwrap();
    c.domestic_accidents = DomesticAccidents {
        occurred: true,
        causes: Vec::new(),
    };
    assert!(c.build(header(ChildVolet::Cs9), &samples::ids()).is_err());
    let mut h = header(ChildVolet::Cs9);
    h.header_mut().documentation_of[0].performers.clear();
    assert!(
        samples::cs9(Richness::Typical)
            .unwrap()
            .build(h, &samples::ids())
            .is_err()
    );
}

#[test]
fn cs24_rules() {
    let mut c = samples::cs24(Richness::Typical).unwrap();
    c.screen_exposure = jdv::TYPE_GARDE.code("PAT-050").unwrap();
    assert!(c.build(header(ChildVolet::Cs24), &samples::ids()).is_err());
    let mut c = samples::cs24(Richness::Typical).unwrap();
    c.walking_acquired = Some(false);
    assert!(c.build(header(ChildVolet::Cs24), &samples::ids()).is_err());
    // A vaccine outside JDV_VaccinCSE24 for a primo-vaccination.
    let mut c = samples::cs24(Richness::Typical).unwrap();
    c.vaccinations[0].vaccine = segur_cda::n3::codes::Terminology::Atc
        .code("J07AM", "tétanos")
        .unwrap();
    assert!(c.build(header(ChildVolet::Cs24), &samples::ids()).is_err());
    let mut h = header(ChildVolet::Cs24);
    if let Some(p) = h.header_mut().record_targets[0]
        .patient_role
        .patient
        .as_mut()
    {
        p.birth_time = None;
    }
    assert!(
        samples::cs24(Richness::Typical)
            .unwrap()
            .build(h, &samples::ids())
            .is_err()
    );
}

#[test]
fn measurements_with_wrong_units_are_refused() {
    let m = Measurements::on(date!(2024 - 09 - 04));
    assert!(m.clone().weight_g("abc").is_err());
    let mut bad = samples::measurements(Richness::Typical).unwrap();
    bad.measurements[0].weight = Some(segur_cda::n3::types::Quantity::new("7", "cm").unwrap());
    assert!(
        bad.build(header(ChildVolet::Measurements), &samples::ids())
            .is_err()
    );
    let mut empty = samples::measurements(Richness::Typical).unwrap();
    empty.measurements.clear();
    assert!(
        empty
            .build(header(ChildVolet::Measurements), &samples::ids())
            .is_err()
    );
    let mut none = samples::measurements(Richness::Typical).unwrap();
    none.measurements = vec![m];
    assert!(
        none.build(header(ChildVolet::Measurements), &samples::ids())
            .is_err()
    );
}

#[test]
fn vaccination_note_rules() {
    let mut n = samples::vaccination_note(Richness::Typical).unwrap();
    n.lot = " ".into();
    assert!(matches!(
        n.build(header(ChildVolet::VaccinationNote), &samples::ids()),
        Err(Error::Missing { .. })
    ));
    let mut n = samples::vaccination_note(Richness::Typical).unwrap();
    n.vaccinator.person_names.clear();
    assert!(
        n.build(header(ChildVolet::VaccinationNote), &samples::ids())
            .is_err()
    );
    let mut n = samples::vaccination_note(Richness::Typical).unwrap();
    n.vaccinator.code = None;
    assert!(
        n.build(header(ChildVolet::VaccinationNote), &samples::ids())
            .is_err()
    );
    assert!(
        segur_enfant::vaccination_note::VaccinationNote::new(
            segur_enfant::common::ImmunizationAct::Initial,
            ("1234", "pas un CIS"),
            ("J07AM", "tétanos"),
            "L1",
            date!(2024 - 05 - 06),
            samples::vaccinator(),
        )
        .is_err()
    );
}

#[test]
fn child_documents_have_no_n1_twin() {
    let doc = samples::document(ChildVolet::Cs9, Richness::Typical).unwrap();
    assert!(volet::ensure_shareable(&doc).is_ok());
    assert!(matches!(
        volet::n1_twin_of(&doc),
        Err(Error::N3Only { document: "CS9" })
    ));
    // An N1 document claiming to be a certificate is refused.
    let mut n1 = segur_cda::samples::n1_document().unwrap();
    n1.header.template_ids.push(segur_cda::datatypes::Ii::oid(
        &segur_ids::Oid::parse(ChildVolet::Cs9.template()).unwrap(),
        Some("2025.01".into()),
    ));
    assert!(matches!(
        volet::ensure_shareable(&n1),
        Err(Error::N3Only { .. })
    ));
}

#[test]
fn documents_of_another_volet_are_refused_by_readers() {
    let doc = samples::document(ChildVolet::Cs9, Richness::Typical).unwrap();
    assert!(matches!(
        segur_enfant::cs8::Cs8Certificate::from_document(&doc),
        Err(Error::WrongVolet { .. })
    ));
}
