//! Fictitious fixtures of the five documents (minimal, typical, maximal),
//! used by `segur cda sample cs8|cs9|cs24|mesures|vaccination`, the tests and
//! the docs. Every identity is made up: the child's NIR `2240375111042 68`
//! has a valid key and belongs to nobody; the RPPS `10003612545` too.

use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::clock::{FixedClock, IdGenerator, OidSequence};
use segur_cda::datatypes::{Addr, PersonName, Telecom};
use segur_cda::header::RoleEntity;
use segur_cda::samples as cda_samples;
use segur_cda::volets::samples::Richness;
use segur_ids::oid;
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent, Ins,
    InsOid, RnivException, Sex, Traits,
};
use time::Date;
use time::macros::{date, datetime};

use crate::common::*;
use crate::cs8::*;
use crate::error::Result;
use crate::followup::{ChildAllergy, Cs9Certificate, Cs24Certificate, FamilyContext};
use crate::measures::ChildMeasurements;
use crate::vaccination_note::VaccinationNote;
use crate::volet::ChildVolet;
use segur_cda::n3::codes::CodedValue;
use segur_cda::n3::value_sets::jdv;

/// The child's birth date in the fixtures.
pub const BIRTH_DATE: Date = date!(2024 - 03 - 04);

/// The child's identity: qualified, with an INS under the test root.
pub fn child_identity() -> Identity {
    let traits = || {
        Traits::builder()
            .birth_family_name("TESTENFANT")
            .birth_given_names("LOUISE EMMA")
            .birth_date(BirthDate::new(BIRTH_DATE).expect("valid date literal"))
            .sex(Sex::Female)
            .birth_place("75111")
            .build()
            .expect("valid traits literal")
    };
    let ctx = EventContext::new(datetime!(2024-03-10 09:00:00 UTC), "sample");
    let mut id = Identity::new(traits(), CollectionMethod::SaisieManuelle, &ctx);
    let ins = Ins::new(
        "224037511104268".parse().expect("valid NIR literal"),
        InsOid::Test,
    );
    // Both transitions are valid from a fresh identity with matching traits
    // (tested: `the_sample_child_is_qualified`): the INSi answer, then the
    // birth certificate of a minor with the mother's passport (RNIV
    // exception for minors), which makes the identity qualified.
    let _ = id.apply(
        IdentityEvent::InsiSuccess {
            ins,
            traits: traits(),
        },
        &ctx,
    );
    let _ = id.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::ActeNaissance,
            exception: Some(RnivException::Minor {
                guardian_document: Some(IdentityDocumentType::Passeport),
            }),
        },
        &ctx,
    );
    id
}

/// The child's home address (structured parts only, as the certificates require).
pub fn home() -> Addr {
    Addr::street("24", "Avenue des Essais", "75007", "PARIS")
}

/// The child, with her mother as guardian.
pub fn child() -> PatientBuilder {
    PatientBuilder::from_identity(&child_identity())
        .local_id(&cda_samples::SAMPLE_STRUCTURE_OID, "IPP-ENF-0042")
        .addr(home())
        .telecom(Telecom::phone("0147150000", Some("H")))
}

/// The mother.
pub fn mother() -> Parent {
    let mut p = Parent::new(ParentRole::Mother);
    p.name = Some(PersonName::simple(Some("MME"), "Marie", "TESTENFANT"));
    p.birth_date = Some(date!(1991 - 05 - 31));
    p.addr = Some(home());
    p.telecom = Some(Telecom::phone("0147150000", Some("H")));
    p
}

/// The father.
pub fn father() -> Parent {
    let mut p = Parent::new(ParentRole::Father);
    p.name = Some(PersonName::simple(Some("M"), "Paul", "TESTENFANT"));
    p.addr = Some(home());
    p
}

/// A date-time of the examination of a volet in the fixtures.
pub fn exam_time(volet: ChildVolet) -> time::OffsetDateTime {
    match volet {
        ChildVolet::Cs8 => datetime!(2024-03-11 10:00:00 +01:00),
        ChildVolet::Cs9 => datetime!(2024-12-02 10:00:00 +01:00),
        ChildVolet::Cs24 => datetime!(2026-02-16 10:00:00 +01:00),
        ChildVolet::Measurements => datetime!(2024-09-04 10:00:00 +02:00),
        ChildVolet::VaccinationNote => datetime!(2024-05-06 10:00:00 +02:00),
    }
}

/// The id generator of the fixtures.
pub fn ids() -> OidSequence {
    OidSequence::new(oid!("1.2.250.1.999.1.1"), "ENF-")
}

/// A header for `volet`: the sample paediatrician of segur-cda's structure,
/// the child, the mother as informant and guardian.
pub fn header(volet: ChildVolet, ids: &dyn IdGenerator) -> Result<HeaderBuilder> {
    let at = exam_time(volet);
    let clock = FixedClock(at + time::Duration::minutes(20));
    let mut mother = mother();
    mother.birth_date = None;
    crate::volet::child_header(
        volet,
        &cda_samples::practitioner(),
        child(),
        Some(&mother),
        at,
        &clock,
        ids,
    )
}

/// Sample measurements document.
pub fn measurements(r: Richness) -> Result<ChildMeasurements> {
    let first = Measurements::on(date!(2024 - 09 - 04))
        .weight_g("7400")?
        .height_cm("66.5")?
        .head_cm("43")?;
    Ok(match r {
        Richness::Minimal => {
            ChildMeasurements::single(Measurements::on(date!(2024 - 09 - 04)).weight_kg("7.4")?)
        }
        Richness::Typical => ChildMeasurements::single(first),
        _ => ChildMeasurements {
            measurements: vec![
                Measurements::on(date!(2024 - 03 - 04))
                    .weight_g("3350")?
                    .height_cm("50")?
                    .head_cm("34.5")?,
                Measurements::on(date!(2024 - 05 - 06))
                    .weight_g("5100")?
                    .height_cm("58")?
                    .head_cm("39")?,
                Measurements::on(date!(2024 - 07 - 08))
                    .weight_g("6500")?
                    .height_cm("63")?
                    .head_cm("41.5")?,
                first.bmi("16.7")?,
            ],
        },
    })
}

/// The sample vaccinator (the segur-cda sample practitioner).
pub fn vaccinator() -> RoleEntity {
    let mut r = cda_samples::practitioner().role_entity();
    // The entry writes the structure's ids and name only.
    if let Some(o) = r.organization.as_mut() {
        o.telecoms.clear();
        o.addrs.clear();
        o.standard_industry_class_code = None;
    }
    r
}

/// Sample vaccination note.
pub fn vaccination_note(r: Richness) -> Result<VaccinationNote> {
    let mut n = VaccinationNote::new(
        ImmunizationAct::Initial,
        (
            "63107566",
            "VAXELIS, suspension injectable en seringue préremplie",
        ),
        (
            "J07CA09",
            "diphtérie-Haemophilus influenzae B-coqueluche-poliomyélite-tétanos-hépatite B",
        ),
        "X4567B",
        date!(2024 - 05 - 06),
        vaccinator(),
    )?;
    if r != Richness::Minimal {
        n.rank = Some(1);
        n.route = Some(
            segur_cda::n3::codes::Terminology::Edqm
                .code("20035000", "Voie intramusculaire")?
                .with_system_name("EDQM"),
        );
        n.site = Some(
            segur_cda::n3::codes::Terminology::SnomedCt
                .code("68367000", "cuisse")?
                .with_system_name("SNOMED CT"),
        );
    }
    if r == Richness::Maximal {
        n.cip = Some(
            segur_cda::n3::codes::Terminology::Cip
                .code("3400930076286", "VAXELIS, 1 seringue préremplie de 0,5 ml")?
                .with_system_name("CIP"),
        );
        n.comment = Some("Bonne tolérance immédiate, surveillance 15 minutes.".into());
        n.recorded_at = Some(segur_cda::datatypes::Ts::from_value("20240506103000+0200"));
    }
    Ok(n)
}

fn jdv_code(set: &'static segur_cda::n3::codes::ValueSet, code: &str) -> Result<CodedValue> {
    Ok(set.code(code)?)
}

fn atc(code: &str, label: &str) -> Result<CodedValue> {
    Ok(segur_cda::n3::codes::Terminology::Atc
        .code(code, label)?
        .with_system_name("ATC"))
}

fn vaccination(
    act: ImmunizationAct,
    set: &'static segur_cda::n3::codes::ValueSet,
    code: &str,
    label: &str,
    rank: u32,
    date: Option<Date>,
) -> Result<CertificateVaccination> {
    Ok(CertificateVaccination {
        act,
        // Primo-vaccinations are bound to the certificate's JDV.
        vaccine: match act {
            ImmunizationAct::Initial => set.code(code)?,
            _ => atc(code, label)?,
        },
        label: label.to_owned(),
        rank: Some(rank),
        date,
        not_given: false,
    })
}

fn family(r: Richness) -> Result<FamilyContext> {
    let mut mother = mother();
    let mut father = father();
    let mut f = FamilyContext {
        parents: vec![],
        childcare: r != Richness::Minimal,
        ..FamilyContext::default()
    };
    if r == Richness::Minimal {
        f.parents = vec![mother];
        return Ok(f);
    }
    mother.profession = Some(jdv_code(&jdv::PROFESSION, "3")?);
    mother.activity = Some(jdv_code(&jdv::ACTIVITE, "PAT-040")?);
    father.profession = Some(jdv_code(&jdv::PROFESSION, "2")?);
    f.parents = vec![mother, father];
    f.children_at_home = Some(2);
    f.childcare_type = Some(jdv_code(&jdv::TYPE_GARDE, "PAT-050")?);
    if r == Richness::Maximal {
        f.parents[1].activity = Some(jdv_code(&jdv::ACTIVITE, "PAT-040")?);
        f.exclusive_breastfeeding_weeks = Some(16);
        f.mixed_feeding_weeks = Some(8);
        f.lead_poisoning_risk = Some(false);
        f.tuberculosis_risk = Some(false);
    }
    Ok(f)
}

/// Sample CS9 certificate.
pub fn cs9(r: Richness) -> Result<Cs9Certificate> {
    let mut c = Cs9Certificate {
        family: family(r)?,
        prematurity_under_33_weeks: None,
        domestic_accidents: DomesticAccidents::none(),
        measurements: Measurements::on(date!(2024 - 12 - 02))
            .weight_g("8600")?
            .height_cm("71")?
            .head_cm("44.5")?,
        neurodevelopment: jdv_code(&jdv::REPERAGE_TROUBLE_NEURODEVELOPPEMENT, "860642002")?,
        vaccinations: Vec::new(),
        treatments: Vec::new(),
        orientations: Vec::new(),
    };
    if r == Richness::Minimal {
        return Ok(c);
    }
    c.prematurity_under_33_weeks = Some(false);
    c.vaccinations = vec![
        vaccination(
            ImmunizationAct::Initial,
            &jdv::VACCIN_CSE9,
            "J07CA01",
            "Vaccin diphtérie-poliomyélite-tétanos",
            1,
            Some(date!(2024 - 05 - 06)),
        )?,
        vaccination(
            ImmunizationAct::Initial,
            &jdv::VACCIN_CSE9,
            "J07CA01",
            "Vaccin diphtérie-poliomyélite-tétanos",
            2,
            Some(date!(2024 - 07 - 08)),
        )?,
        vaccination(
            ImmunizationAct::Initial,
            &jdv::VACCIN_CSE9,
            "J07AL",
            "Vaccin pneumococcique",
            1,
            Some(date!(2024 - 05 - 06)),
        )?,
    ];
    if r == Richness::Maximal {
        c.domestic_accidents = DomesticAccidents::with_causes(&["NE2Z"])?;
        c.domestic_accidents.causes.push(AccidentCause {
            cause: jdv_code(&jdv::CAUSE_ACCIDENT_DOM, "NE61")?,
            present: false,
        });
        c.neurodevelopment = jdv_code(&jdv::REPERAGE_TROUBLE_NEURODEVELOPPEMENT, "ORG-197")?;
        c.treatments = vec![AdministeredTreatment {
            atc: atc("J06BD", "anticorps monoclonaux antiviraux")?,
            label: "Nirsévimab (prévention VRS)".into(),
            date: Some(segur_cda::datatypes::Ts::from_value("20241015")),
            route: Some(
                segur_cda::n3::codes::Terminology::Edqm
                    .code("20035000", "Voie intramusculaire")?
                    .with_system_name("EDQM"),
            ),
        }];
        let mut o = Orientation::new("ORG-196")?;
        o.comment = Some("Lien avec la PMI après accord des parents".into());
        c.orientations = vec![Orientation::new("ORG-194")?, o];
    }
    Ok(c)
}

/// Sample CS24 certificate.
pub fn cs24(r: Richness) -> Result<Cs24Certificate> {
    let mut c = Cs24Certificate {
        family: family(r)?,
        screen_exposure: jdv_code(&jdv::ENFANT_EXPOSE_AUX_ECRANS_CS24, "GEN-311")?,
        prematurity_under_33_weeks: false,
        domestic_accidents: DomesticAccidents::none(),
        measurements: Measurements::on(date!(2026 - 02 - 16))
            .weight_g("12100")?
            .height_cm("87")?,
        neurodevelopment: jdv_code(&jdv::REPERAGE_TROUBLE_NEURODEVELOPPEMENT, "860642002")?,
        walking_acquired: None,
        walking_age_months: None,
        allergies: Vec::new(),
        vaccinations: Vec::new(),
        treatments: Vec::new(),
        orientations: Vec::new(),
    };
    if r == Richness::Minimal {
        return Ok(c);
    }
    c.measurements = c.measurements.head_cm("48")?.bmi("16")?;
    c.walking_acquired = Some(true);
    c.walking_age_months = Some(13);
    c.vaccinations = vec![
        vaccination(
            ImmunizationAct::Initial,
            &jdv::VACCIN_CSE24,
            "J07BD52",
            "Vaccin rougeole-oreillons-rubéole",
            1,
            Some(date!(2025 - 03 - 10)),
        )?,
        vaccination(
            ImmunizationAct::Booster,
            &jdv::VACCIN_CSE24,
            "J07CA01",
            "Vaccin diphtérie-poliomyélite-tétanos",
            3,
            Some(date!(2025 - 03 - 10)),
        )?,
    ];
    if r == Richness::Maximal {
        c.screen_exposure = jdv_code(&jdv::ENFANT_EXPOSE_AUX_ECRANS_CS24, "GEN-312")?;
        c.domestic_accidents = DomesticAccidents::with_causes(&["NF0A.4"])?;
        c.allergies = vec![ChildAllergy {
            kind: segur_cda::n3::codes::Terminology::SnomedCt
                .code("414285001", "allergie alimentaire")?
                .with_system_name("SNOMED CT"),
            label: "Allergie aux protéines de lait de vache".into(),
            since: Some(date!(2025 - 06 - 02)),
        }];
        c.treatments = vec![AdministeredTreatment {
            atc: atc("J01CA04", "amoxicilline")?,
            label: "Amoxicilline (otite)".into(),
            date: Some(segur_cda::datatypes::Ts::from_value("20251110")),
            route: None,
        }];
        c.orientations = vec![Orientation::new("ORG-195")?];
    }
    Ok(c)
}

fn sct(code: &str, label: &str) -> Result<CodedValue> {
    Ok(segur_cda::n3::codes::Terminology::SnomedCt
        .code(code, label)?
        .with_system_name("SNOMED CT"))
}

/// Sample CS8 certificate.
pub fn cs8(r: Richness) -> Result<Cs8Certificate> {
    let birth = BIRTH_DATE;
    let mut mother = mother();
    let mut c = Cs8Certificate {
        family: Cs8Family {
            parents: vec![],
            alcohol_during_pregnancy: 0,
            tobacco_during_pregnancy: 0,
            other_addiction: false,
            children_at_home: 1,
            feeding: jdv_code(&jdv::TYPE_ALLAITEMENT_NOUVEAU_NE, "MED-1256")?,
            tuberculosis_risk: false,
        },
        social_coverage: jdv_code(&jdv::COUVERTURE_SOCIALE, "GEN-105")?,
        pregnancy: PregnancyHistory::default(),
        antenatal: AntenatalTests {
            trisomy21_screening: true,
            ultrasounds: 3,
            morphological_ultrasound: true,
            early_prenatal_interview: false,
            hbs_antigen: None,
        },
        delivery: Delivery {
            date: birth,
            fetuses: None,
            gestational_age_weeks: None,
            presentation: None,
            membrane_rupture_over_12h: None,
            labour_onset: jdv_code(&jdv::MODE_DEBUT_TRAVAIL, "84457005")?,
            analgesia: sct("18946005", "anesthésie épidurale")?,
            method: jdv_code(&jdv::METHODE_ACCOUCHEMENT, "700000006")?,
            caesarean_cause: None,
        },
        newborn: Newborn {
            birth_measurements: Measurements::on(birth)
                .weight_g("3350")?
                .height_cm("50")?
                .head_cm("34.5")?,
            apgar: [None, None, None],
            pathologies: Vec::new(),
            specialised_procedures: false,
            hearing_screening: None,
            treatments: Vec::new(),
        },
        vaccinations: Vec::new(),
        orientations: Vec::new(),
    };
    if r == Richness::Minimal {
        c.family.parents = vec![mother];
        return Ok(c);
    }
    mother.education = Some(jdv_code(&jdv::NIVEAU_ETUDE, "PAT-039")?);
    mother.profession = Some(jdv_code(&jdv::PROFESSION, "3")?);
    mother.activity = Some(jdv_code(&jdv::ACTIVITE, "PAT-040")?);
    let mut father = father();
    father.education = Some(jdv_code(&jdv::NIVEAU_ETUDE, "PAT-039")?);
    father.profession = Some(jdv_code(&jdv::PROFESSION, "2")?);
    c.family.parents = vec![mother, father];
    c.pregnancy = PregnancyHistory {
        gravidity: Some(2),
        parity: Some(2),
        premature_children: Some(0),
        first_consultation: Some(jdv_code(&jdv::DATE_CONS, "57630001")?),
        weight_before_kg: Some(segur_cda::n3::types::Decimal::parse("58")?),
        mother_height_cm: Some(segur_cda::n3::types::Decimal::parse("168")?),
        ..PregnancyHistory::default()
    };
    c.antenatal.hbs_antigen = Some(jdv_code(&jdv::RECH_AG_HB_S, "406118005")?);
    c.delivery.fetuses = Some(1);
    c.delivery.gestational_age_weeks = Some(39);
    c.delivery.presentation = Some(jdv_code(&jdv::TYPE_PRES, "70028003")?);
    c.newborn.apgar = [Some(9), Some(10), Some(10)];
    c.newborn.hearing_screening = Some(jdv_code(&jdv::RESULTAT_DEPISTAGE_SURDITE, "MED-178")?);
    c.vaccinations = vec![vaccination(
        ImmunizationAct::Initial,
        &jdv::VACCIN_CSE8,
        "J07BC01",
        "Vaccin hépatite B",
        1,
        Some(birth),
    )?];
    if r == Richness::Maximal {
        c.family.alcohol_during_pregnancy = 1;
        c.family.other_addiction = false;
        c.family.tuberculosis_risk = true;
        c.pregnancy.children_under_2500g = Some(0);
        c.pregnancy.stillborn = Some(0);
        c.pregnancy.died_before_28_days = Some(0);
        c.pregnancy.previous_caesarean = Some(false);
        c.pregnancy.preeclampsia = Some(false);
        c.pregnancy.gestational_hypertension = Some(jdv_code(&jdv::TRAITE_NON_TRAITE, "MED-1155")?);
        c.pregnancy.gestational_diabetes = Some(false);
        c.pregnancy.other_pathology = Some(false);
        c.pregnancy.hospitalisation_days = Some(3);
        c.pregnancy.hospitalisation_reason =
            Some(jdv_code(&jdv::MOTIF_HOSPITALISATION_CSE, "O13")?);
        c.delivery.membrane_rupture_over_12h = Some(false);
        c.delivery.method = jdv_code(&jdv::METHODE_ACCOUCHEMENT, "MED-1253")?;
        c.delivery.caesarean_cause = Some(jdv_code(&jdv::CAUSE_CESARIENNE, "MED-210")?);
        c.newborn.specialised_procedures = true;
        c.newborn.pathologies = vec![
            FirstWeekPathology {
                pathology: crate::cs8::PATHO_1ERE_SEMAINE.code("P22.9")?,
                present: true,
            },
            FirstWeekPathology {
                pathology: crate::cs8::PATHO_1ERE_SEMAINE.code("MED-170")?,
                present: false,
            },
        ];
        c.newborn.treatments = vec![AdministeredTreatment {
            atc: atc("J06BB", "immunoglobulines spécifiques")?,
            label: "Immunoglobulines anti-HBs".into(),
            date: Some(segur_cda::datatypes::Ts::from_date(birth)),
            route: None,
        }];
        let mut bcg = vaccination(
            ImmunizationAct::Initial,
            &jdv::VACCIN_CSE8,
            "J07AN",
            "Vaccin antituberculeux (BCG)",
            1,
            None,
        )?;
        bcg.not_given = true;
        c.vaccinations.push(bcg);
        c.orientations = vec![Orientation::new("ORG-196")?];
    }
    Ok(c)
}

/// The sample document of a volet and richness.
pub fn document(volet: ChildVolet, r: Richness) -> Result<segur_cda::Document> {
    let ids = ids();
    let h = header(volet, &ids)?;
    match volet {
        ChildVolet::Measurements => measurements(r)?.build(h, &ids),
        ChildVolet::VaccinationNote => vaccination_note(r)?.build(h, &ids),
        ChildVolet::Cs9 => cs9(r)?.build(h, &ids),
        ChildVolet::Cs8 => cs8(r)?.build(h, &ids),
        ChildVolet::Cs24 => cs24(r)?.build(h, &ids),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_child_is_qualified() {
        let id = super::child_identity();
        assert_eq!(id.status(), segur_ins::IdentityStatus::Qualifiee);
        assert!(id.qualified_ins().is_some());
    }
}
