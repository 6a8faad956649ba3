//! Rich fictitious VSM, e-prescription and N1 prescription fixtures
//! (minimal, typical and maximal content), used by `segur cda sample`, the
//! tests and the documentation. Identities come from
//! [`crate::samples`]: all made up. Medicine, device and act codes are real
//! codes of the national terminologies (they are not personal data).

use time::macros::{date, datetime};

use super::eprescription::{
    EPrescriptionBuilder, PRESCRIPTION_ID_ROOT, Prescription, PrescriptionContext,
    PrescriptionOptions,
};
use super::n1_prescription::{
    N1Prescription, N1PrescriptionBuilder, N1PrescriptionKind, PrescriptionLine,
};
use super::vsm::{MedicalSummary, PatientFile, Results, VsmBuilder};
use crate::builder::HeaderBuilder;
use crate::clock::{Clock, IdGenerator};
use crate::datatypes::{Ii, IvlTs, Ts};
use crate::document::Document;
use crate::error::N3Error;
use crate::n3::codes::Terminology;
use crate::n3::entries::*;
use crate::n3::types::{Decimal, Frequency, Quantity, QuantityRange, Ratio, day, instant};
use crate::n3::value_sets::{self, jdv};
use crate::samples::{clock, ids, patient, practitioner};
use crate::versions::DocumentPair;

/// How much content a fixture has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Richness {
    /// The least the volet accepts.
    Minimal,
    /// What a practice usually writes.
    Typical,
    /// Every section and option the models support.
    Maximal,
}

impl Richness {
    /// All three.
    pub const ALL: [Self; 3] = [Self::Minimal, Self::Typical, Self::Maximal];

    /// `minimal`, `typical`, `maximal`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minimal => "minimal",
            Self::Typical => "typical",
            Self::Maximal => "maximal",
        }
    }
}

/// A 1×1 PNG image (the fixture's "2D code").
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn header(
    code: crate::datatypes::Code,
    title: &str,
    ids: &dyn IdGenerator,
) -> Result<HeaderBuilder, N3Error> {
    let pr = practitioner();
    let clock = clock();
    Ok(HeaderBuilder::for_practice(
        code,
        title,
        &pr,
        patient().build()?,
        datetime!(2024-03-15 09:45:00 +01:00),
        &clock,
        ids,
    ))
}

fn cim10(code: &str, label: &str) -> Result<crate::n3::codes::CodedValue, N3Error> {
    Terminology::Cim10.code(code, label)
}

fn plavix() -> Result<Product, N3Error> {
    let cip = Terminology::Cip.code(
        "3400938022209",
        "PLAVIX 75 mg, comprimé pelliculé, plaquette(s) thermoformée(s) PVC PVDC aluminium de 30 comprimé(s)",
    )?;
    let mut p = Product::cis("63564053", "PLAVIX 75 mg, comprimé pelliculé")?;
    p.code = p.code.map(|c| c.with_translation(cip));
    p.name = Some("PLAVIX 75 mg".into());
    p.form = Some(Terminology::Edqm.code("10219000", "Comprimé")?);
    Ok(p)
}

fn paracetamol() -> Result<Product, N3Error> {
    let cip = Terminology::Cip.code(
        "3400933516390",
        "PARACETAMOL MYLAN 500 mg, comprimé, plaquette(s) thermoformée(s) PVC-aluminium de 16 comprimé(s)",
    )?;
    let mut p = Product::cis("63107752", "PARACETAMOL MYLAN 500 mg, comprimé")?;
    p.code = p.code.map(|c| c.with_translation(cip));
    p.form = Some(Terminology::Edqm.code("10219000", "Comprimé")?);
    p.generic = Some(GenericClass {
        code: Terminology::Atc.code("N02BE01", "paracetamol")?,
        name: "paracetamol".into(),
    });
    p.ingredients = vec![Ingredient {
        substance: Terminology::Sms.code("100000090270", "Paracetamol")?,
        name: "Paracetamol".into(),
        strength: Some(Ratio {
            numerator: Quantity::new("500", "mg")?,
            denominator: Quantity::new("1", "1")?,
        }),
    }];
    Ok(p)
}

fn tablets(n: &str) -> Result<QuantityRange, N3Error> {
    Ok(QuantityRange::fixed(Quantity::new(n, "{tablet}")?))
}

/// A medical summary of the given richness.
pub fn medical_summary(r: Richness) -> Result<MedicalSummary, N3Error> {
    let mut s = MedicalSummary::default();
    if r == Richness::Minimal {
        return Ok(s);
    }
    let hta = Problem::diagnosis(
        "Hypertension artérielle essentielle",
        Some(cim10("I10", "Hypertension essentielle (primitive)")?),
        Some(day(date!(2015 - 06 - 02))),
    )?;
    let diabetes = Problem::diagnosis(
        "Diabète de type 2 non insulino-requérant",
        Some(cim10(
            "E11.9",
            "Diabète sucré de type 2, sans complication",
        )?),
        Some(day(date!(2018 - 09 - 20))),
    )?;
    s.active_problems = vec![hta.clone(), diabetes];
    s.allergies = vec![Allergy {
        onset: Some(day(date!(2010 - 05 - 01))),
        ..Allergy::new(
            "DALG",
            Allergen {
                code: Some(Terminology::Atc.code("J01CA04", "amoxicilline")?),
                label: "Amoxicilline".into(),
            },
        )?
    }];
    let mut amlor = Medication::new(
        Product::text("AMLODIPINE 5 mg, gélule"),
        Posology::Structured(Dosage {
            frequency: Some(Frequency::every("1", "d")?),
            dose: Some(QuantityRange::fixed(Quantity::new("1", "{capsule}")?)),
            rate: None,
        }),
    )
    .route("20053000", "Voie orale")?;
    amlor.period = Some(IvlTs::from_low(day(date!(2015 - 06 - 02))));
    s.treatments = vec![amlor];
    s.results.text =
        Some("Bilan lipidique du 02/02/2024 normal. ECG de repos sans anomalie.".into());
    if r == Richness::Typical {
        return Ok(s);
    }
    // Maximal: every section and entry feature.
    s.active_problems.push(Problem {
        value: None,
        ..Problem::diagnosis("Lombalgies chroniques (non codé)", None, None)?
    });
    s.medical_history = vec![
        Problem::history(
            "Pyélonéphrite aiguë",
            Some(cim10("N10", "Néphrite tubulo-interstitielle aiguë")?),
            Some(day(date!(2018 - 04 - 22))),
            Some(day(date!(2018 - 04 - 30))),
        )?,
        Problem::history(
            "Infarctus transmural inférieur",
            Some(cim10(
                "I21.1",
                "Infarctus transmural aigu du myocarde, de la paroi inférieure",
            )?),
            Some(day(date!(2018 - 01 - 14))),
            Some(day(date!(2018 - 01 - 25))),
        )?,
    ];
    let mi_id = Ii::oid(
        &crate::samples::SAMPLE_STRUCTURE_OID,
        Some("PB-IDM-2018".into()),
    );
    s.medical_history[1].id = Some(mi_id.clone());
    s.surgical_history = vec![
        Procedure {
            performer: Some("Pr Jacques TESTCARDIO".into()),
            reason: Some(InternalReference {
                id: mi_id.clone(),
                code: Some(cim10("I21.1", "Infarctus transmural aigu du myocarde, de la paroi inférieure")?),
                label: "Infarctus inférieur transmural".into(),
            }),
            ..Procedure::new(
                "Dilatation intraluminale de 2 vaisseaux coronaires avec pose d'endoprothèse",
                Some(Terminology::Ccam.code(
                    "DDAF004",
                    "Dilatation intraluminale de 2 vaisseaux coronaires avec pose d'endoprothèse, par voie artérielle transcutanée",
                )?),
                Some(day(date!(2018 - 01 - 14))),
            )
        },
        Procedure::new("Appendicectomie dans l'enfance", None, Some(Ts::from_value("1992"))),
    ];
    s.allergies.push(Allergy {
        label: "Allergie alimentaire aux arachides".into(),
        reaction: Some("Urticaire généralisée".into()),
        reaction_code: Some(cim10("L50.0", "Urticaire allergique")?),
        clinical_status: Some(value_sets::ALLERGY_CLINICAL_STATUS.code("active")?),
        onset: Some(Ts::from_value("200003")),
        ..Allergy::new(
            "FALG",
            Allergen {
                code: None,
                label: "Arachide".into(),
            },
        )?
    });
    s.lifestyle = vec![
        SocialHistory::new(
            "74011-8",
            ObservationValue::Quantity(Quantity::new("25", "{pack}/a")?),
        )?,
        SocialHistory::new(
            "74013-4",
            ObservationValue::Text("2 verres de vin par semaine".into()),
        )?,
        SocialHistory {
            period: Some(IvlTs::between(
                Ts::from_value("2000"),
                Ts::from_value("2005"),
            )),
            ..SocialHistory::new(
                "11343-1",
                ObservationValue::Coded(Terminology::SnomedCt.code("398705004", "Cannabis")?),
            )?
        },
        SocialHistory::new(
            "73985-4",
            ObservationValue::Text("Marche 30 min par jour".into()),
        )?,
    ];
    s.occupational_risks = Some(
        "Exposition à l'amiante à surveiller (couvreur de 1990 à 2005).\n\nTravail de nuit.".into(),
    );
    s.family_history = vec![
        FamilyHistory {
            gender: Some(crate::vocab::Gender::Female),
            ..FamilyHistory::new(
                "MTH",
                vec![FamilyProblem {
                    id: None,
                    label: "Diabète de type 2".into(),
                    value: Some(cim10(
                        "E11.9",
                        "Diabète sucré de type 2, sans complication",
                    )?),
                    onset: Some(Ts::from_value("1995")),
                }],
            )?
        },
        FamilyHistory::new(
            "FTH",
            vec![
                FamilyProblem {
                    id: None,
                    label: "Infarctus du myocarde à 55 ans".into(),
                    value: Some(cim10(
                        "I21.9",
                        "Infarctus aigu du myocarde, sans précision",
                    )?),
                    onset: None,
                },
                FamilyProblem {
                    id: None,
                    label: "Cancer de la prostate".into(),
                    value: Some(cim10("C61", "Tumeur maligne de la prostate")?),
                    onset: Some(Ts::from_value("2012")),
                },
            ],
        )?,
    ];
    s.results.observations = vec![
        ResultObservation {
            interpretation: Some(jdv::HL7_OBSERVATION_INTERPRETATION.code("H")?),
            reference_range: Some(QuantityRange::between(
                Quantity::new("4", "%")?,
                Quantity::new("6", "%")?,
            )?),
            ..ResultObservation::new(
                Terminology::Loinc.code("4548-4", "Hémoglobine glyquée (HbA1c)")?,
                ObservationValue::Quantity(Quantity::new("7.2", "%")?),
                day(date!(2024 - 02 - 02)),
            )
        },
        ResultObservation {
            interpretation: Some(jdv::HL7_OBSERVATION_INTERPRETATION.code("N")?),
            ..ResultObservation::new(
                Terminology::Loinc.code("2160-0", "Créatinine sérique")?,
                ObservationValue::Quantity(Quantity::new("82", "umol/L")?),
                day(date!(2024 - 02 - 02)),
            )
        },
    ];
    let mut plavix_t = Medication::new(
        plavix()?,
        Posology::Structured(Dosage::new(tablets("1")?, Frequency::at_event("ACM")?)),
    )
    .route("20053000", "Voie orale")?;
    plavix_t.period = Some(IvlTs::from_low(day(date!(2018 - 01 - 25))));
    plavix_t.max_dose = Some(Ratio {
        numerator: Quantity::new("1", "{tablet}")?,
        denominator: Quantity::new("1", "d")?,
    });
    plavix_t.reason = Some(InternalReference {
        id: mi_id,
        code: Some(cim10(
            "I21.1",
            "Infarctus transmural aigu du myocarde, de la paroi inférieure",
        )?),
        label: "Prévention secondaire après infarctus".into(),
    });
    let mut insulin = Medication::new(
        Product::text("Insuline glargine 100 UI/ml, stylo prérempli"),
        Posology::Text(
            "10 UI le soir au coucher, à adapter selon les glycémies capillaires".into(),
        ),
    )
    .route("20066000", "Voie sous-cutanée")?;
    insulin.site = Some(Site {
        code: None,
        label: "Abdomen (rotation des sites)".into(),
    });
    s.treatments.push(plavix_t);
    s.treatments.push(insulin);
    s.comment = Some(
        "Patiente autonome, bonne observance.\n\nPersonne de confiance : sa soeur (coordonnées dans le dossier)."
            .into(),
    );
    Ok(s)
}

/// A patient file backed by the maximal fixture (shows [`PatientFile`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SamplePatientFile;

impl PatientFile for SamplePatientFile {
    type Error = N3Error;

    fn active_problems(&self) -> Result<Vec<Problem>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.active_problems)
    }
    fn medical_history(&self) -> Result<Vec<Problem>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.medical_history)
    }
    fn surgical_history(&self) -> Result<Vec<Procedure>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.surgical_history)
    }
    fn allergies(&self) -> Result<Vec<Allergy>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.allergies)
    }
    fn lifestyle(&self) -> Result<Vec<SocialHistory>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.lifestyle)
    }
    fn occupational_risks(&self) -> Result<Option<String>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.occupational_risks)
    }
    fn family_history(&self) -> Result<Vec<FamilyHistory>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.family_history)
    }
    fn results(&self) -> Result<Results, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.results)
    }
    fn long_term_treatments(&self) -> Result<Vec<Medication>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.treatments)
    }
    fn comment(&self) -> Result<Option<String>, N3Error> {
        Ok(medical_summary(Richness::Maximal)?.comment)
    }
}

/// The VSM builder of a fixture (header pre-filled for the sample practice).
pub fn vsm_builder(r: Richness, ids: &dyn IdGenerator) -> Result<VsmBuilder, N3Error> {
    let h = header(super::vsm::document_code(), "Synthèse médicale", ids)?;
    Ok(VsmBuilder::new(h, medical_summary(r)?))
}

/// A VSM fixture.
pub fn vsm_document(r: Richness) -> Result<Document, N3Error> {
    let ids = ids();
    vsm_builder(r, &ids)?.build(&ids)
}

/// A VSM fixture and its N1 twin.
pub fn vsm_pair(r: Richness) -> Result<DocumentPair, N3Error> {
    let ids = ids();
    vsm_builder(r, &ids)?.build_pair(&ids)
}

/// The content of an e-prescription fixture.
pub fn prescription(r: Richness) -> Result<(Prescription, PrescriptionContext), N3Error> {
    let now = clock().now();
    let mut ctx = PrescriptionContext::new(
        instant(now),
        Ts::from_datetime(datetime!(2024-06-15 10:30:00 +02:00)),
    );
    let mut p = Prescription::default();
    let free_text = PrescribedMedication::new(Medication::new(
        paracetamol()?,
        Posology::Text(
            "1 à 2 comprimés par prise, 3 fois par jour maximum, pendant 5 jours".into(),
        ),
    ));
    if r == Richness::Minimal {
        p.medications = vec![free_text];
        return Ok((p, ctx));
    }
    let mut amox = PrescribedMedication::new({
        let mut m = Medication::new(
            Product {
                generic: Some(GenericClass {
                    code: Terminology::Atc.code("J01CA04", "amoxicilline")?,
                    name: "amoxicilline".into(),
                }),
                ..Product::text("AMOXICILLINE 1 g, comprimé dispersible")
            },
            Posology::Structured(Dosage::new(tablets("1")?, Frequency::times_a_day(3)?)),
        )
        .route("20053000", "Voie orale")?;
        m.period = Some(IvlTs::between(
            day(date!(2024 - 03 - 15)),
            day(date!(2024 - 03 - 21)),
        ));
        m
    });
    amox.quantity = Some(DispenseQuantity {
        value: Decimal::int(2),
        unit: Some(Terminology::Edqm.code("30009000", "Boîte")?),
    });
    amox.patient_instructions = Some("À prendre au cours des repas.".into());
    let mut poso_struct = free_text.clone();
    poso_struct.medication.posology = Posology::Structured(Dosage {
        frequency: Some(Frequency::every("6", "h")?),
        dose: Some(QuantityRange::between(
            Quantity::new("1", "{tablet}")?,
            Quantity::new("2", "{tablet}")?,
        )?),
        rate: None,
    });
    poso_struct.medication.max_dose = Some(Ratio {
        numerator: Quantity::new("6", "{tablet}")?,
        denominator: Quantity::new("1", "d")?,
    });
    poso_struct.renewals = 1;
    p.medications = vec![amox, poso_struct];
    let mut bed = PrescribedDevice::new(
        Some(
            Terminology::Emdn
                .code("V0806", "LITS MÉDICAUX")?
                .with_translation(Terminology::Lpp.code(
                    "1215702",
                    "lit médical, lit + 135 kg, forfait de livraison du lit et accessoires",
                )?),
        ),
        "Lit médical, forfait de livraison du lit et accessoires [LPP 1215702]",
    );
    bed.period = Some(IvlTs::between(
        day(date!(2024 - 03 - 15)),
        day(date!(2024 - 05 - 15)),
    ));
    bed.quantity = Some(Decimal::int(1));
    bed.rental_days = Some(60);
    p.devices = vec![bed];
    if r == Richness::Typical {
        return Ok((p, ctx));
    }
    // Maximal.
    let mut tapered = PrescribedMedication::new({
        let mut m = Medication::new(
            paracetamol()?,
            Posology::Steps(vec![
                DosageStep {
                    id: None,
                    start: Some(day(date!(2024 - 03 - 15))),
                    duration: Some(Quantity::new("2", "d")?),
                    dosage: Dosage {
                        frequency: Some(Frequency::every("8", "h")?),
                        dose: Some(QuantityRange::between(
                            Quantity::new("1", "{tablet}")?,
                            Quantity::new("2", "{tablet}")?,
                        )?),
                        rate: Some(QuantityRange::between(
                            Quantity::new("1500", "mg/d")?,
                            Quantity::new("3000", "mg/d")?,
                        )?),
                    },
                },
                DosageStep {
                    id: None,
                    start: Some(day(date!(2024 - 03 - 17))),
                    duration: Some(Quantity::new("4", "d")?),
                    dosage: Dosage {
                        frequency: Some(Frequency::every("12", "h")?),
                        dose: Some(tablets("1")?),
                        rate: None,
                    },
                },
            ]),
        )
        .route("20053000", "Voie orale")?;
        m.period = Some(IvlTs::between(
            day(date!(2024 - 03 - 15)),
            day(date!(2024 - 03 - 21)),
        ));
        m.max_dose = Some(Ratio {
            numerator: Quantity::new("4", "{tablet}")?,
            denominator: Quantity::new("1", "d")?,
        });
        m
    });
    tapered.renewals = 3;
    tapered.substitution = Substitution::NotAllowed {
        reason: "Marge thérapeutique étroite".into(),
    };
    tapered.dispenser_instructions = Some("Délivrer le plus petit conditionnement.".into());
    tapered.precondition = Some("Si la fièvre dépasse 38,5 °C".into());
    tapered.flags = PrescriptionFlags {
        ald: true,
        work_accident: false,
        prevention: false,
        non_reimbursable: false,
    };
    let mut magistral = PrescribedMedication::new({
        let mut m = Medication::new(
            Product {
                form: Some(Terminology::Edqm.code("50015000", "pommade pour application cutanée et nasale")?),
                ..Product::text("Préparation magistrale :\n- 30 g de diprosone\n- 70 g de Cérat frais de Galien")
            },
            Posology::Structured(Dosage {
                frequency: Some(Frequency::at_event("HS")?),
                dose: None,
                rate: None,
            }),
        )
        .route("20003000", "Voie cutanée")?;
        m.site = Some(Site {
            code: None,
            label: "visage".into(),
        });
        m
    });
    magistral.quantity = Some(DispenseQuantity {
        value: Decimal::int(1),
        unit: Some(Terminology::Edqm.code("30067000", "Tube")?),
    });
    magistral.flags.non_reimbursable = true;
    magistral.off_label = true;
    magistral.patient_instructions = Some(
        "Diminuer progressivement une fois la poussée traitée : une application tous les deux jours pendant 5 jours avant d'arrêter."
            .into(),
    );
    p.medications.push(tapered);
    p.medications.push(magistral);
    let mut pump = PrescribedDevice::new(None, "Tire-lait électrique (location)");
    pump.rental_days = Some(30);
    pump.renewals = 2;
    pump.flags = PrescriptionFlags {
        ald: false,
        work_accident: true,
        prevention: true,
        non_reimbursable: false,
    };
    p.devices.push(pump);
    p.comment =
        Some("Patiente allaitante : privilégier les formes compatibles avec l'allaitement.".into());
    p.vital_signs = vec![VitalSigns {
        id: None,
        time: day(date!(2024 - 03 - 15)),
        signs: vec![
            VitalSign::weight_kg("62.5")?,
            VitalSign::height_cm("168")?,
            VitalSign::common("8480-6", "125")?,
            VitalSign::common("8462-4", "78")?,
        ],
    }];
    p.pregnancy = vec![PregnancyObservation::new(
        "60001007",
        Some(day(date!(2024 - 03 - 15))),
    )?];
    p.barcode = Some(Image {
        media_type: "image/png".into(),
        data: bytes::Bytes::from_static(TINY_PNG),
    });
    ctx.prescription_id = Some(Ii::oid(
        &PRESCRIPTION_ID_ROOT,
        Some("01S2TBPZ2JCNZZYGHZ".into()),
    ));
    ctx.options = PrescriptionOptions {
        bizone: true,
        exception_drugs: false,
        secure: true,
        major_equipment: false,
        at_home: true,
        urgent: false,
        military: false,
    };
    Ok((p, ctx))
}

/// The e-prescription builder of a fixture.
pub fn eprescription_builder(
    r: Richness,
    ids: &dyn IdGenerator,
) -> Result<EPrescriptionBuilder, N3Error> {
    let h = header(
        super::eprescription::document_code(),
        "Prescription de médicaments et de dispositifs médicaux",
        ids,
    )?;
    let (p, ctx) = prescription(r)?;
    Ok(EPrescriptionBuilder::new(h, p, ctx))
}

/// An e-prescription fixture.
pub fn eprescription_document(r: Richness) -> Result<Document, N3Error> {
    let ids = ids();
    eprescription_builder(r, &ids)?.build(&ids)
}

/// An e-prescription fixture and its N1 twin.
pub fn eprescription_pair(r: Richness) -> Result<DocumentPair, N3Error> {
    let ids = ids();
    eprescription_builder(r, &ids)?.build_pair(&ids)
}

/// The content of an N1 prescription fixture.
pub fn n1_prescription(kind: N1PrescriptionKind) -> N1Prescription {
    let lines = match kind {
        N1PrescriptionKind::Biology => vec![
            PrescriptionLine::new("Hémogramme (NFS, plaquettes)", None),
            PrescriptionLine::new("Glycémie à jeun", None),
            PrescriptionLine::new("Hémoglobine glyquée (HbA1c)", None),
            PrescriptionLine::new("Bilan lipidique (EAL)", Some("à jeun depuis 12 heures")),
            PrescriptionLine::new("Créatininémie avec estimation du DFG (CKD-EPI)", None),
        ],
        N1PrescriptionKind::Physiotherapy => vec![PrescriptionLine::new(
            "Rééducation du rachis lombaire",
            Some("15 séances, 2 à 3 par semaine"),
        )],
        N1PrescriptionKind::Nursing => vec![
            PrescriptionLine::new(
                "Soins de pansement simple",
                Some("1 fois par jour pendant 10 jours"),
            ),
            PrescriptionLine::new("Ablation des fils", Some("à J10")),
        ],
        N1PrescriptionKind::Podiatry => vec![PrescriptionLine::new(
            "Soins de pédicurie pour pied diabétique (grade 2)",
            Some("4 séances par an"),
        )],
        N1PrescriptionKind::SpeechTherapy => vec![PrescriptionLine::new(
            "Bilan orthophonique avec rééducation si nécessaire",
            Some("trouble du langage écrit"),
        )],
        N1PrescriptionKind::Orthoptics => vec![PrescriptionLine::new(
            "Bilan orthoptique et rééducation",
            Some("insuffisance de convergence"),
        )],
    };
    let mut p = N1Prescription::new(kind, lines);
    p.comment = Some("Résultats à adresser au médecin traitant.".into());
    p.validity = Some((
        instant(clock().now()),
        Ts::from_datetime(datetime!(2024-09-15 10:30:00 +02:00)),
    ));
    p.ald = kind == N1PrescriptionKind::Biology;
    p.at_home = kind == N1PrescriptionKind::Nursing;
    p
}

/// An N1 prescription fixture.
pub fn n1_prescription_document(kind: N1PrescriptionKind) -> Result<Document, N3Error> {
    let ids = ids();
    let h = header(kind.to_code(), kind.title(), &ids)?;
    N1PrescriptionBuilder::new(h, n1_prescription(kind)).build()
}

/// An immunization fixture, for the framework's tests (issue of the
/// child-health volets): a tetanus booster with rank, site, reaction and
/// comment.
pub fn immunization() -> Result<Immunization, N3Error> {
    let mut vaccine = Product::cis(
        "68747507",
        "VACCIN TETANIQUE PASTEUR, suspension injectable en seringue préremplie",
    )?;
    let atc = Terminology::Atc.code("J07AM", "vaccins tétaniques")?;
    vaccine.code = vaccine.code.map(|c| c.with_translation(atc));
    vaccine.lot_number = Some("4456672".into());
    let mut i = Immunization::new("BOOSTER", vaccine, day(date!(2024 - 03 - 15)))?;
    i.route = Some(Terminology::Edqm.code("20035000", "Voie intramusculaire")?);
    i.site = Some((
        Terminology::SnomedCt.code("16217701000119102", "deltoïde gauche")?,
        "Deltoïde gauche".into(),
    ));
    i.performer = Some(practitioner().role_entity());
    i.rank = Some(2);
    i.reactions = vec![Problem {
        kind: value_sets::PROBLEM_CODES.code("418799008")?,
        ..Problem::diagnosis(
            "Fièvre due à des médicaments",
            Some(cim10("R50.2", "Fièvre due à des médicaments")?),
            Some(day(date!(2024 - 03 - 15))),
        )?
    }];
    i.comment = Some("Prise récente de corticoïdes.".into());
    Ok(i)
}
