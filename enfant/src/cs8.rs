//! The first health certificate (8th day), CSE-CS8 2025.01: family and
//! pregnancy, social coverage, pregnancy history, antenatal tests, labour and
//! delivery, the newborn (measurements, Apgar, first-week pathologies,
//! procedures and hearing screening, treatments), vaccinations, orientations.

use segur_cda::Document;
use segur_cda::body::{Section, XmlFragment};
use segur_cda::builder::HeaderBuilder;
use segur_cda::clock::IdGenerator;
use segur_cda::datatypes::Ts;
use segur_cda::n3::codes::{Binding, CodedValue, Concept, Terminology, ValueSet};
use segur_cda::n3::entry::{RenderContext, write_entry};
use segur_cda::n3::sections;
use segur_cda::n3::types::{Decimal, Quantity};
use segur_cda::n3::value_sets::jdv;
use segur_cda::n3::xml::Element;
use segur_cda::write::CdaWriter;
use time::Date;

use crate::common::*;
use crate::error::{Error, Result, invalid};
use crate::volet::{self, ChildVolet};
use crate::xml::{self, Collect, Eff, Fixed, Obs, Spec, Val};

const D: &str = "CS8";

static TYPE_ALLAITEMENT: Binding = Binding::ValueSet(&jdv::TYPE_ALLAITEMENT_NOUVEAU_NE);
static COUVERTURE: Binding = Binding::ValueSet(&jdv::COUVERTURE_SOCIALE);
static DATE_CONS: Binding = Binding::ValueSet(&jdv::DATE_CONS);
static TRAITE: Binding = Binding::ValueSet(&jdv::TRAITE_NON_TRAITE);
static MOTIF_HOSPI: Binding = Binding::ValueSet(&jdv::MOTIF_HOSPITALISATION_CSE);
static AG_HBS: Binding = Binding::ValueSet(&jdv::RECH_AG_HB_S);
static PRESENTATION: Binding = Binding::ValueSet(&jdv::TYPE_PRES);
static DEBUT_TRAVAIL: Binding = Binding::ValueSet(&jdv::MODE_DEBUT_TRAVAIL);
static METHODE: Binding = Binding::ValueSet(&jdv::METHODE_ACCOUCHEMENT);
static CAUSE_CESARIENNE: Binding = Binding::ValueSet(&jdv::CAUSE_CESARIENNE);
static SURDITE: Binding = Binding::ValueSet(&jdv::RESULTAT_DEPISTAGE_SURDITE);
static VACCIN_CSE8: Binding = Binding::ValueSet(&jdv::VACCIN_CSE8);
static SNOMED: Binding = Binding::Terminology(Terminology::SnomedCt);
static PATHO: Binding = Binding::ValueSet(&PATHO_1ERE_SEMAINE);

/// JDV_Patho_1ere_semaine_CS8_CISIS (1.2.250.1.213.1.1.5.704): not vendored
/// under `ans-cda/jeuxDeValeurs/`; its five codes are taken from the
/// reference sheet (`enfant.md` §8) and the CS8 2025.01 example.
pub static PATHO_1ERE_SEMAINE: ValueSet = ValueSet {
    name: "JDV_Patho_1ere_semaine_CS8_CISIS",
    oid: "1.2.250.1.213.1.1.5.704",
    source: "ansforge/TestContenuCDA-3-0@7cd489b39368809df9bcf2cfef5e5d6354438a02 jeuxDeValeurs/JDV_Patho_1ere_semaine_CS8_CISIS.xml (not vendored; codes per the reference sheet)",
    concepts: &[
        Concept {
            code: "P22.9",
            code_system: xml::CIM10,
            display_name: "Détresse respiratoire du nouveau-né, sans précision",
        },
        Concept {
            code: "G96.9",
            code_system: xml::CIM10,
            display_name: "Affection du système nerveux central, sans précision",
        },
        Concept {
            code: "MED-276",
            code_system: xml::TA_ASIP,
            display_name: "Antibiothérapie (de plus de 48 heures)",
        },
        Concept {
            code: "MED-170",
            code_system: xml::TA_ASIP,
            display_name: "Urgence chirurgicale",
        },
        Concept {
            code: "GEN-092.01.11",
            code_system: xml::TA_ASIP,
            display_name: "Autres pathologies de la 1ère semaine",
        },
    ],
};

mod c {
    use crate::xml::{CIM10, Fixed, LOINC, TA_ASIP};
    pub const ALCOHOL: Fixed = Fixed::new("74013-4", LOINC, "Consommation d'alcool");
    pub const TOBACCO: Fixed = Fixed::new("74011-8", LOINC, "Consommation tabagique");
    pub const GRAVIDITY: Fixed = Fixed::new(
        "11996-6",
        LOINC,
        "Gestité (nombre total de grossesses y compris actuelle)",
    );
    pub const PARITY: Fixed = Fixed::new(
        "11977-6",
        LOINC,
        "Parité (nombre total d'accouchements y compris actuel)",
    );
    pub const PREMATURE: Fixed = Fixed::new(
        "11637-6",
        LOINC,
        "Nombre d'enfants prématurés (nés avant 37 semaines)",
    );
    pub const UNDER_2500: Fixed = Fixed::new(
        "MED-159",
        TA_ASIP,
        "Nombre d'enfants pesant moins de 2500 g",
    );
    pub const STILLBORN: Fixed = Fixed::new("57062-2", LOINC, "Nombre d'enfants mort-nés");
    pub const DIED_28D: Fixed = Fixed::new(
        "MED-1184",
        TA_ASIP,
        "Nombre d'enfants nés vivants et décédés avant 28 jours",
    );
    pub const CAESAREAN: Fixed = Fixed::new(
        "O82.9",
        CIM10,
        "Accouchement par césarienne, sans précision",
    );
    pub const FIRST_CONSULT: Fixed = Fixed::new(
        "75200-6",
        LOINC,
        "Date de la première consultation (déclaration de grossesse)",
    );
    pub const WEIGHT_BEFORE: Fixed = Fixed::new("8348-5", LOINC, "Poids corporel avant grossesse");
    pub const MOTHER_HEIGHT: Fixed = Fixed::new("8302-2", LOINC, "Taille");
    pub const PREECLAMPSIA: Fixed = Fixed::new("O14.9", CIM10, "Prééclampsie, sans précision");
    pub const HYPERTENSION: Fixed = Fixed::new(
        "O13",
        CIM10,
        "Hypertension gestationnelle [liée à la grossesse]",
    );
    pub const DIABETES: Fixed = Fixed::new(
        "O24.4",
        CIM10,
        "Diabète sucré survenant au cours de la grossesse",
    );
    pub const OTHER_PATHOLOGY: Fixed = Fixed::new(
        "O99",
        CIM10,
        "Autres maladies de la mère classées ailleurs, mais compliquant la grossesse, l'accouchement et la puerpéralité",
    );
    pub const HOSPI_DAYS: Fixed = Fixed::new("ORG-077", TA_ASIP, "Durée d'hospitalisation");
    pub const HOSPI_REASON: Fixed = Fixed::new("ORG-086", TA_ASIP, "Motif d'hospitalisation");
    pub const TRISOMY: Fixed =
        Fixed::new("GEN-078", TA_ASIP, "Dépistage biologique de la trisomie 21");
    pub const ULTRASOUNDS: Fixed = Fixed::new("ORG-079", TA_ASIP, "Nombre total d'échographies");
    pub const MORPHO: Fixed = Fixed::new("ORG-080", TA_ASIP, "Echographie morphologique");
    pub const INTERVIEW: Fixed = Fixed::new("GEN-079", TA_ASIP, "Entretien prénatal précoce");
    pub const HBS: Fixed = Fixed::new("51659-1", LOINC, "Recherche Ag Hbs");
    pub const FETUSES: Fixed = Fixed::new("55281-0", LOINC, "Nombre de fœtus");
    pub const GEST_AGE: Fixed = Fixed::new(
        "11885-1",
        LOINC,
        "Age gestationnel (semaines d'amenorrhées révolues)",
    );
    pub const PRESENTATION: Fixed = Fixed::new("MED-1248", TA_ASIP, "Présentation fœtale");
    pub const RUPTURE: Fixed = Fixed::new(
        "MED-166",
        TA_ASIP,
        "Rupture membranaire plus de 12 h avant l'accouchement",
    );
    pub const ONSET: Fixed = Fixed::new("73813-8", LOINC, "Caractéristiques du travail");
    pub const ANALGESIA: Fixed = Fixed::new("MED-168", TA_ASIP, "Analgésie au cours du travail");
    pub const METHOD: Fixed = Fixed::new("57071-3", LOINC, "Méthode d'accouchement");
    pub const CAESAREAN_CAUSE: Fixed = Fixed::new("MED-600", TA_ASIP, "Cause de la césarienne");
    pub const PROCEDURES: Fixed = Fixed::new("MED-174", TA_ASIP, "Gestes techniques spécialisés");
    pub const HEARING: Fixed = Fixed::new("MED-1304", TA_ASIP, "Dépistage de la surdité");
    pub const HEARING_RESULT: Fixed =
        Fixed::new("MED-1305", TA_ASIP, "Résultat du dépistage de la surdité");
    pub const APGAR_1: Fixed = Fixed::new("9272-6", LOINC, "APGAR à 1mn");
    pub const APGAR_5: Fixed = Fixed::new("9274-2", LOINC, "APGAR à 5mn");
    pub const APGAR_10: Fixed = Fixed::new("9271-8", LOINC, "APGAR à 10mn");
}

/// The mother's habits and the household (FR-Habitus-mode-de-vie of CS8).
#[derive(Debug, Clone, PartialEq)]
pub struct Cs8Family {
    /// The parents (education, profession, activity); the mother is required.
    pub parents: Vec<Parent>,
    /// Alcohol during pregnancy (`74013-4`, INT as in the example: number
    /// of drinks per week — UNCONFIRMED unit).
    pub alcohol_during_pregnancy: u32,
    /// Tobacco during pregnancy (`74011-8`, INT: cigarettes per day —
    /// UNCONFIRMED unit).
    pub tobacco_during_pregnancy: u32,
    /// Other addiction (`GEN-092.01.04`).
    pub other_addiction: bool,
    /// Children living at home (`85722-7`).
    pub children_at_home: u32,
    /// Feeding (`67704-7`, JDV_TypeAllaitementNouveauNe_CISIS).
    pub feeding: CodedValue,
    /// Family risk factors of tuberculosis (`MED-183` qualifier).
    pub tuberculosis_risk: bool,
}

/// Pregnancy history of the mother (FR-Historique-des-grossesses).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PregnancyHistory {
    /// Gestité (`11996-6`).
    pub gravidity: Option<u32>,
    /// Parité (`11977-6`).
    pub parity: Option<u32>,
    /// Premature children (`11637-6`).
    pub premature_children: Option<u32>,
    /// Children under 2500 g (`MED-159`).
    pub children_under_2500g: Option<u32>,
    /// Stillborn children (`57062-2`).
    pub stillborn: Option<u32>,
    /// Children born alive who died before 28 days (`MED-1184`).
    pub died_before_28_days: Option<u32>,
    /// Previous caesarean (`O82.9`).
    pub previous_caesarean: Option<bool>,
    /// First consultation (`75200-6`, JDV_DateCons_CISIS).
    pub first_consultation: Option<CodedValue>,
    /// Weight before pregnancy, kg (`8348-5`).
    pub weight_before_kg: Option<Decimal>,
    /// The mother's height, cm (`8302-2`).
    pub mother_height_cm: Option<Decimal>,
    /// Pre-eclampsia (`O14.9`).
    pub preeclampsia: Option<bool>,
    /// Gestational hypertension, treated or not (`O13`, JDV_Traite_NonTraite_CISIS).
    pub gestational_hypertension: Option<CodedValue>,
    /// Gestational diabetes (`O24.4`).
    pub gestational_diabetes: Option<bool>,
    /// Another pathology (`O99`).
    pub other_pathology: Option<bool>,
    /// Days in hospital during pregnancy (`ORG-077`).
    pub hospitalisation_days: Option<u32>,
    /// Reason (`ORG-086`, JDV_MotifHospitalisationCSE_CISIS).
    pub hospitalisation_reason: Option<CodedValue>,
}

/// Antenatal tests (all required by the volet).
#[derive(Debug, Clone, PartialEq)]
pub struct AntenatalTests {
    /// Biological screening of trisomy 21 (`GEN-078`).
    pub trisomy21_screening: bool,
    /// Number of ultrasounds (`ORG-079`).
    pub ultrasounds: u32,
    /// Morphological ultrasound (`ORG-080`).
    pub morphological_ultrasound: bool,
    /// Early prenatal interview (`GEN-079`).
    pub early_prenatal_interview: bool,
    /// HBs antigen (`51659-1`: `406117000` positive / `406118005`
    /// negative); `None` when not known (written as nullFlavor).
    pub hbs_antigen: Option<CodedValue>,
}

/// Labour and delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The date of birth (the events' date).
    pub date: Date,
    /// Number of fetuses (`55281-0`).
    pub fetuses: Option<u32>,
    /// Gestational age in completed weeks (`11885-1`).
    pub gestational_age_weeks: Option<u32>,
    /// Presentation (`MED-1248`, JDV_TypePres_CISIS).
    pub presentation: Option<CodedValue>,
    /// Membranes ruptured more than 12 h before (`MED-166`).
    pub membrane_rupture_over_12h: Option<bool>,
    /// Onset of labour (`73813-8`, JDV_ModeDebutTravail_CISIS, required).
    pub labour_onset: CodedValue,
    /// Analgesia (`MED-168`, SNOMED CT, required).
    pub analgesia: CodedValue,
    /// Method (`57071-3`, JDV_MethodeAccouchement_CISIS, required).
    pub method: CodedValue,
    /// Cause of the caesarean (`MED-600`, JDV_CauseCesarienne_CISIS).
    pub caesarean_cause: Option<CodedValue>,
}

/// A first-week pathology, present or explicitly absent.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstWeekPathology {
    /// The pathology (JDV_Patho_1ere_semaine_CS8_CISIS).
    pub pathology: CodedValue,
    /// Whether the child has it.
    pub present: bool,
}

/// The newborn.
#[derive(Debug, Clone, PartialEq)]
pub struct Newborn {
    /// Weight, height, head circumference at birth.
    pub birth_measurements: Measurements,
    /// Apgar at 1, 5 and 10 minutes.
    pub apgar: [Option<u8>; 3],
    /// First-week pathologies.
    pub pathologies: Vec<FirstWeekPathology>,
    /// Specialised technical procedures (`MED-174`).
    pub specialised_procedures: bool,
    /// Hearing screening (`MED-1304`): `None` when not done, else its result
    /// (`MED-1305`, JDV_ResultatDepistageSurdite_CISIS).
    pub hearing_screening: Option<CodedValue>,
    /// Treatments given.
    pub treatments: Vec<AdministeredTreatment>,
}

/// The first health certificate, CSE-CS8 2025.01.
#[derive(Debug, Clone, PartialEq)]
pub struct Cs8Certificate {
    /// Household and the mother's habits.
    pub family: Cs8Family,
    /// Social coverage (JDV_CouvertureSociale_CISIS).
    pub social_coverage: CodedValue,
    /// Pregnancy history.
    pub pregnancy: PregnancyHistory,
    /// Antenatal tests.
    pub antenatal: AntenatalTests,
    /// Labour and delivery.
    pub delivery: Delivery,
    /// The newborn.
    pub newborn: Newborn,
    /// Vaccinations (JDV_VaccinCSE8_CISIS for primo-vaccinations).
    pub vaccinations: Vec<CertificateVaccination>,
    /// Orientations.
    pub orientations: Vec<Orientation>,
}

const PREGNANCY_OBS: &[&str] = &[
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.5",
    "1.2.250.1.213.1.1.3.53",
];

const COVERAGE: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.7",
    templates: &[
        "2.16.840.1.113883.10.20.1.9",
        "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.7",
        "1.2.250.1.213.1.1.2.79",
    ],
    code: Fixed::new("48768-6", xml::LOINC, "Couvertures sociales"),
    title: "Couverture sociale",
};
const PREGNANCY: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.4",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.4",
        "1.2.250.1.213.1.1.2.77",
    ],
    code: Fixed::new("10162-6", xml::LOINC, "Historique des grossesses"),
    title: "Historique des grossesses",
};
const ANTENATAL: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.5.1",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.5",
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.5.1",
        "1.2.250.1.213.1.1.2.173",
    ],
    code: Fixed::new("57078-8", xml::LOINC, "Examens et surveillance prénataux"),
    title: "Examens et surveillance prénataux",
};
const LABOUR: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.3",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.3",
        "1.2.250.1.213.1.1.2.123",
    ],
    code: Fixed::new("57074-7", xml::LOINC, "Travail et accouchement"),
    title: "Travail et accouchement",
};
const EVENTS: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9",
        "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
        "1.2.250.1.213.1.1.2.163",
    ],
    code: Fixed::new("42545-4", xml::LOINC, "Evènements observés"),
    title: "Evènements observés",
};
const NEWBORN: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.4",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.4",
        "1.2.250.1.213.1.1.2.124",
    ],
    code: Fixed::new(
        "57075-4",
        xml::LOINC,
        "Informations sur l'accouchement et le nouveau-né",
    ),
    title: "Informations sur le nouveau-né",
};
const PHYSICAL_EXAM: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.9.15.1",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.3.24",
        "1.3.6.1.4.1.19376.1.5.3.1.1.9.15",
        "1.3.6.1.4.1.19376.1.5.3.1.1.9.15.1",
        "1.2.250.1.213.1.1.2.84",
    ],
    code: Fixed::new("29545-1", xml::LOINC, "Examen physique"),
    title: "Etat de l'enfant à la naissance",
};
const PATHOLOGIES: Spec = Spec {
    key: "1.2.250.1.213.1.1.2.132",
    templates: &[
        "2.16.840.1.113883.10.20.1.11",
        "1.3.6.1.4.1.19376.1.5.3.1.3.6",
        "1.2.250.1.213.1.1.2.132",
    ],
    code: Fixed::new("11450-4", xml::LOINC, "Liste des problèmes actifs"),
    title: "Pathologies de la première semaine",
};
const PROCEDURES: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.1.13.2.11",
    templates: &[
        "1.3.6.1.4.1.19376.1.5.3.1.1.13.2.11",
        "1.2.250.1.213.1.1.2.118",
    ],
    code: Fixed::new("29554-3", xml::LOINC, "Actes"),
    title: "Actes et interventions",
};
const PROCEDURE: &[&str] = &[
    "2.16.840.1.113883.10.20.1.29",
    "1.3.6.1.4.1.19376.1.5.3.1.4.19",
    "1.2.250.1.213.1.1.3.62",
];

fn mother_subject(parents: &[Parent]) -> Result<XmlFragment> {
    let m = parents
        .iter()
        .find(|p| p.role == ParentRole::Mother)
        .ok_or(Error::Missing {
            document: D,
            what: "the mother",
        })?;
    let mut w = CdaWriter::new(Vec::new());
    xml::write_related(&mut w, &m.related()).map_err(|e| invalid(D, "mother", e.to_string()))?;
    let s = String::from_utf8(w.into_inner()).map_err(|e| invalid(D, "mother", e.to_string()))?;
    Ok(XmlFragment::parse(s)?)
}

fn opt_int(c: &mut Collect<'_, '_>, t: &'static [&'static str], code: Fixed, v: Option<u32>) {
    if let Some(v) = v {
        let mut o = Obs::new(t, code.to_code());
        o.value = Some(Val::Int(v.into()));
        c.obs("grossesse", code.display, o, None);
    }
}

fn opt_bool(c: &mut Collect<'_, '_>, t: &'static [&'static str], code: Fixed, v: Option<bool>) {
    if let Some(v) = v {
        let mut o = Obs::new(t, code.to_code());
        o.value = Some(Val::Bl(v));
        c.obs("grossesse", code.display, o, None);
    }
}

fn opt_cd(
    c: &mut Collect<'_, '_>,
    t: &'static [&'static str],
    code: Fixed,
    v: Option<&CodedValue>,
    eff: Eff,
) {
    if let Some(v) = v {
        let mut o = Obs::new(t, code.to_code());
        o.value = Some(Val::Cd(xml::code_of(v)));
        o.value_original = true;
        o.effective = eff;
        c.obs("observation", code.display, o, None);
    }
}

fn opt_pq(
    c: &mut Collect<'_, '_>,
    t: &'static [&'static str],
    code: Fixed,
    v: Option<&Decimal>,
    unit: &str,
) -> Result<()> {
    if let Some(v) = v {
        let mut o = Obs::new(t, code.to_code());
        o.value = Some(Val::Pq(Quantity::new(v.as_str(), unit)?));
        c.obs("grossesse", code.display, o, None);
    }
    Ok(())
}

impl Cs8Certificate {
    /// Checks the items against their value sets and the volet's rules.
    pub fn check(&self) -> Result<()> {
        let f = &self.family;
        if !f.parents.iter().any(|p| p.role == ParentRole::Mother) {
            return Err(Error::Missing {
                document: D,
                what: "the mother",
            });
        }
        for p in &f.parents {
            p.check(D)?;
        }
        TYPE_ALLAITEMENT.check(&f.feeding, "feeding (67704-7)")?;
        COUVERTURE.check(&self.social_coverage, "social coverage")?;
        let p = &self.pregnancy;
        check_opt(
            &DATE_CONS,
            p.first_consultation.as_ref(),
            "first consultation (75200-6)",
        )?;
        check_opt(
            &TRAITE,
            p.gestational_hypertension.as_ref(),
            "gestational hypertension (O13)",
        )?;
        check_opt(
            &MOTIF_HOSPI,
            p.hospitalisation_reason.as_ref(),
            "hospitalisation reason (ORG-086)",
        )?;
        if let (Some(g), Some(pa)) = (p.gravidity, p.parity)
            && pa > g
        {
            return Err(invalid(
                D,
                "parity",
                format!("parity {pa} is greater than gravidity {g}"),
            ));
        }
        check_opt(
            &AG_HBS,
            self.antenatal.hbs_antigen.as_ref(),
            "HBs antigen (51659-1)",
        )?;
        if let Some(h) = &self.antenatal.hbs_antigen
            && !matches!(h.code(), "406117000" | "406118005")
        {
            return Err(invalid(
                D,
                "HBs antigen",
                "406117000 or 406118005 (or unknown)",
            ));
        }
        let d = &self.delivery;
        check_opt(
            &PRESENTATION,
            d.presentation.as_ref(),
            "presentation (MED-1248)",
        )?;
        DEBUT_TRAVAIL.check(&d.labour_onset, "labour onset (73813-8)")?;
        SNOMED.check(&d.analgesia, "analgesia (MED-168)")?;
        METHODE.check(&d.method, "delivery method (57071-3)")?;
        check_opt(
            &CAUSE_CESARIENNE,
            d.caesarean_cause.as_ref(),
            "caesarean cause (MED-600)",
        )?;
        if d.gestational_age_weeks
            .is_some_and(|w| !(20..=45).contains(&w))
        {
            return Err(invalid(D, "gestational age", "between 20 and 45 weeks"));
        }
        let n = &self.newborn;
        n.birth_measurements.check(D)?;
        if n.apgar.iter().flatten().any(|a| *a > 10) {
            return Err(invalid(D, "Apgar", "a score between 0 and 10"));
        }
        for x in &n.pathologies {
            PATHO.check(&x.pathology, "first-week pathology")?;
        }
        check_opt(
            &SURDITE,
            n.hearing_screening.as_ref(),
            "hearing screening result (MED-1305)",
        )?;
        Ok(())
    }

    fn social(&self, ctx: &mut RenderContext<'_>) -> Section {
        let f = &self.family;
        let mut c = Collect::new(ctx);
        for p in &f.parents {
            parent_items(&mut c, p, true);
        }
        let mother = f.parents.iter().find(|p| p.role == ParentRole::Mother);
        habitus_direct(
            &mut c,
            c::ALCOHOL,
            Val::Int(f.alcohol_during_pregnancy.into()),
            mother,
        );
        habitus_direct(
            &mut c,
            c::TOBACCO,
            Val::Int(f.tobacco_during_pregnancy.into()),
            mother,
        );
        habitus(
            &mut c,
            q::OTHER_ADDICTION,
            Val::Bl(f.other_addiction),
            mother,
        );
        habitus(
            &mut c,
            q::CHILDREN_AT_HOME,
            Val::Int(f.children_at_home.into()),
            None,
        );
        habitus(&mut c, q::FEEDING, Val::Cd(xml::code_of(&f.feeding)), None);
        habitus(&mut c, q::TUBERCULOSIS, Val::Bl(f.tuberculosis_risk), None);
        c.finish(&SOCIAL_HISTORY, "")
    }

    fn coverage(&self, ctx: &mut RenderContext<'_>) -> Section {
        let mut c = Collect::new(ctx);
        let r = c.row(
            "couverture",
            "Couverture sociale",
            self.social_coverage.label(),
        );
        let (a, b) = (c.id(), c.id());
        let cov = xml::code_of(&self.social_coverage);
        c.entries.push(write_entry(None, |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("DEF"))],
                |w| {
                    xml::templates(
                        w,
                        &[
                            "2.16.840.1.113883.10.20.1.20",
                            "1.3.6.1.4.1.19376.1.5.3.1.4.17",
                            "1.2.250.1.213.1.1.3.61",
                        ],
                    )?;
                    w.ii("id", &a)?;
                    w.code(
                        "code",
                        &Fixed::new("48768-6", xml::LOINC, "Couverture sociale").to_code(),
                    )?;
                    xml::text_ref(w, &r)?;
                    w.empty("statusCode", &[("code", Some("completed"))])?;
                    w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
                        w.element(
                            "act",
                            &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                            |w| {
                                xml::templates(
                                    w,
                                    &[
                                        "2.16.840.1.113883.10.20.1.26",
                                        "1.3.6.1.4.1.19376.1.5.3.1.4.18",
                                        "1.2.250.1.213.1.1.3.94",
                                    ],
                                )?;
                                w.ii("id", &b)?;
                                w.code("code", &cov)?;
                                w.empty("statusCode", &[("code", Some("completed"))])
                            },
                        )
                    })
                },
            )
        }));
        c.finish(&COVERAGE, "")
    }

    fn pregnancy(&self, ctx: &mut RenderContext<'_>) -> Result<Section> {
        let p = &self.pregnancy;
        let t = PREGNANCY_OBS;
        let mut c = Collect::new(ctx);
        opt_int(&mut c, t, c::GRAVIDITY, p.gravidity);
        opt_int(&mut c, t, c::PARITY, p.parity);
        opt_int(&mut c, t, c::PREMATURE, p.premature_children);
        opt_int(&mut c, t, c::UNDER_2500, p.children_under_2500g);
        opt_int(&mut c, t, c::STILLBORN, p.stillborn);
        opt_int(&mut c, t, c::DIED_28D, p.died_before_28_days);
        opt_bool(&mut c, t, c::CAESAREAN, p.previous_caesarean);
        opt_cd(
            &mut c,
            t,
            c::FIRST_CONSULT,
            p.first_consultation.as_ref(),
            Eff::Null("NA"),
        );
        opt_pq(
            &mut c,
            t,
            c::WEIGHT_BEFORE,
            p.weight_before_kg.as_ref(),
            "kg",
        )?;
        opt_pq(
            &mut c,
            t,
            c::MOTHER_HEIGHT,
            p.mother_height_cm.as_ref(),
            "cm",
        )?;
        opt_bool(&mut c, t, c::PREECLAMPSIA, p.preeclampsia);
        opt_cd(
            &mut c,
            t,
            c::HYPERTENSION,
            p.gestational_hypertension.as_ref(),
            Eff::Null("NA"),
        );
        opt_bool(&mut c, t, c::DIABETES, p.gestational_diabetes);
        opt_bool(&mut c, t, c::OTHER_PATHOLOGY, p.other_pathology);
        if let Some(d) = p.hospitalisation_days {
            let mut o = Obs::new(t, c::HOSPI_DAYS.to_code());
            o.value = Some(Val::Pq(Quantity::new(&d.to_string(), "d")?));
            c.obs("grossesse", c::HOSPI_DAYS.display, o, None);
        }
        opt_cd(
            &mut c,
            t,
            c::HOSPI_REASON,
            p.hospitalisation_reason.as_ref(),
            Eff::Null("NA"),
        );
        let mut s = c.finish(&PREGNANCY, "Pas d'antécédent renseigné");
        s.other.push(mother_subject(&self.family.parents)?);
        Ok(s)
    }

    fn antenatal(&self, ctx: &mut RenderContext<'_>) -> Section {
        let a = &self.antenatal;
        let mut c = Collect::new(ctx);
        let org_id = c.id();
        let mut comps: Vec<Obs<'_>> = Vec::new();
        let mut add = |c: &mut Collect<'_, '_>, code: Fixed, v: Val| {
            let shown = v.display();
            let r = c.row("prenatal", code.display, &shown);
            let mut o = Obs::new(SIMPLE_OBS, code.to_code());
            o.id = Some(c.id());
            o.negation = Some(false);
            o.text_ref = Some(r);
            o.effective = Eff::Null("UNK");
            o.value_original = matches!(v, Val::Cd(_));
            o.value = Some(v);
            comps.push(o);
        };
        add(&mut c, c::TRISOMY, Val::Bl(a.trisomy21_screening));
        add(&mut c, c::ULTRASOUNDS, Val::Int(a.ultrasounds.into()));
        add(&mut c, c::MORPHO, Val::Bl(a.morphological_ultrasound));
        add(&mut c, c::INTERVIEW, Val::Bl(a.early_prenatal_interview));
        add(
            &mut c,
            c::HBS,
            match &a.hbs_antigen {
                Some(v) => Val::Cd(xml::code_of(v)),
                None => Val::CdNull("UNK"),
            },
        );
        c.entries.push(write_entry(None, |w| {
            w.element(
                "organizer",
                &[("classCode", Some("BATTERY")), ("moodCode", Some("EVN"))],
                |w| {
                    xml::templates(
                        w,
                        &[
                            "1.3.6.1.4.1.19376.1.5.3.1.1.21.3.10",
                            "1.2.250.1.213.1.1.3.98",
                        ],
                    )?;
                    w.ii("id", &org_id)?;
                    w.code(
                        "code",
                        &Fixed::new(
                            "XX-ANTENATALTESTINGBATTERY",
                            xml::LOINC,
                            "ANTENATAL TESTING AND SURVEILLANCE BATTERY",
                        )
                        .to_code(),
                    )?;
                    w.empty("statusCode", &[("code", Some("completed"))])?;
                    w.element("effectiveTime", &[], |w| {
                        w.empty("low", &[("nullFlavor", Some("NA"))])
                    })?;
                    for o in &comps {
                        w.element("component", &[], |w| xml::write_obs(w, o))?;
                    }
                    Ok(())
                },
            )
        }));
        c.finish(&ANTENATAL, "")
    }

    fn labour(&self, ctx: &mut RenderContext<'_>) -> Result<Section> {
        let d = &self.delivery;
        let at = Eff::Value(Ts::from_date(d.date));
        let mut c = Collect::new(ctx);
        let int = |c: &mut Collect<'_, '_>, code: Fixed, v: Option<u32>| {
            if let Some(v) = v {
                simple(
                    c,
                    code,
                    Val::Int(v.into()),
                    Eff::Value(Ts::from_date(d.date)),
                    None,
                    None,
                );
            }
        };
        int(&mut c, c::FETUSES, d.fetuses);
        int(&mut c, c::GEST_AGE, d.gestational_age_weeks);
        if let Some(v) = &d.presentation {
            simple(
                &mut c,
                c::PRESENTATION,
                Val::Cd(xml::code_of(v)),
                at.clone(),
                None,
                None,
            );
        }
        if let Some(b) = d.membrane_rupture_over_12h {
            simple(&mut c, c::RUPTURE, Val::Bl(b), at.clone(), None, None);
        }
        simple(
            &mut c,
            c::ONSET,
            Val::Cd(xml::code_of(&d.labour_onset)),
            at.clone(),
            None,
            None,
        );
        simple(
            &mut c,
            c::ANALGESIA,
            Val::Cd(xml::code_of(&d.analgesia)),
            at.clone(),
            None,
            None,
        );
        simple(
            &mut c,
            c::METHOD,
            Val::Cd(xml::code_of(&d.method)),
            at.clone(),
            Some(false),
            None,
        );
        if let Some(v) = &d.caesarean_cause {
            simple(
                &mut c,
                c::CAESAREAN_CAUSE,
                Val::Cd(xml::code_of(v)),
                at,
                None,
                None,
            );
        }
        let events = c.finish(&EVENTS, "");
        let mut s = LABOUR.build(ctx, Vec::new(), Vec::new(), "Voir les évènements observés.");
        s.other.push(mother_subject(&self.family.parents)?);
        s.sections.push(events);
        Ok(s)
    }

    fn newborn(&self, ctx: &mut RenderContext<'_>) -> Result<Section> {
        let n = &self.newborn;
        // Vital signs with the Apgar scores.
        let mut vs = n.birth_measurements.to_vital_signs()?;
        for (code, a) in [c::APGAR_1, c::APGAR_5, c::APGAR_10].iter().zip(n.apgar) {
            if let Some(a) = a {
                vs.signs.push(segur_cda::n3::entries::VitalSign {
                    id: None,
                    code: Terminology::Loinc
                        .code(code.code, code.display)?
                        .with_system_name("LOINC"),
                    value: Quantity::new(&a.to_string(), "{score}")?,
                    interpretation: None,
                });
            }
        }
        let vitals = sections::VITAL_SIGNS.with_entries(&[vs], ctx, "")?;
        let mut exam = PHYSICAL_EXAM.build(ctx, Vec::new(), Vec::new(), "Voir les signes vitaux.");
        exam.sections.push(vitals);
        // First-week pathologies.
        let mut c = Collect::new(ctx);
        if !n.pathologies.is_empty() {
            let items: Vec<ProblemItem<'_>> = n
                .pathologies
                .iter()
                .map(|p| ProblemItem {
                    value: &p.pathology,
                    present: p.present,
                    causes: &[],
                })
                .collect();
            problems_entry(&mut c, &items);
        }
        let pathologies = c.finish(&PATHOLOGIES, "Aucune pathologie la première semaine");
        // Procedures.
        let mut c = Collect::new(ctx);
        let day = Ts::from_date(self.delivery.date);
        for (code, done) in [
            (c::PROCEDURES, n.specialised_procedures),
            (c::HEARING, n.hearing_screening.is_some()),
        ] {
            let r = c.row("acte", code.display, if done { "Oui" } else { "Non" });
            let id = c.id();
            let result = if code.code == c::HEARING.code {
                n.hearing_screening.as_ref().map(|v| {
                    let rr = c.row("acte-resultat", c::HEARING_RESULT.display, v.label());
                    let mut o = Obs::new(SIMPLE_OBS, c::HEARING_RESULT.to_code());
                    o.id = Some(c.id());
                    o.negation = Some(false);
                    o.text_ref = Some(rr);
                    o.effective = Eff::LowUnk;
                    o.value = Some(Val::Cd(xml::code_of(v)));
                    o.value_original = true;
                    o
                })
            } else {
                None
            };
            let day = day.clone();
            c.entries.push(write_entry(None, move |w| {
                w.element(
                    "procedure",
                    &[
                        ("classCode", Some("PROC")),
                        ("moodCode", Some("EVN")),
                        ("negationInd", Some(if done { "false" } else { "true" })),
                    ],
                    |w| {
                        xml::templates(w, PROCEDURE)?;
                        w.ii("id", &id)?;
                        w.code("code", &code.to_code())?;
                        xml::text_ref(w, &r)?;
                        w.empty("statusCode", &[("code", Some("completed"))])?;
                        w.element("effectiveTime", &[], |w| w.ts("low", &day))?;
                        if let Some(o) = &result {
                            w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
                                xml::write_obs(w, o)
                            })?;
                        }
                        Ok(())
                    },
                )
            }));
        }
        let procedures = c.finish(&PROCEDURES, "");
        let mut s = NEWBORN.build(ctx, Vec::new(), Vec::new(), "Voir les sous-sections.");
        s.sections = vec![exam, pathologies, procedures];
        if !n.treatments.is_empty() {
            s.sections.push(treatments_section(&n.treatments, ctx)?);
        }
        Ok(s)
    }

    /// Writes the N3 certificate.
    pub fn build(&self, header: HeaderBuilder, ids: &dyn IdGenerator) -> Result<Document> {
        self.check()?;
        let mut ctx = RenderContext::new(
            ids,
            header.header().effective_time.clone().unwrap_or_default(),
        );
        let sections = vec![
            self.social(&mut ctx),
            self.coverage(&mut ctx),
            self.pregnancy(&mut ctx)?,
            self.antenatal(&mut ctx),
            self.labour(&mut ctx)?,
            self.newborn(&mut ctx)?,
            vaccinations_section(&self.vaccinations, &VACCIN_CSE8, &mut ctx)?,
            care_plan_section(&self.orientations, &mut ctx)?,
        ];
        volet::finish(ChildVolet::Cs8, header, None, sections)
    }

    /// Reads a CS8 document into the model.
    pub fn from_document(doc: &Document) -> Result<Self> {
        let body = volet::body_of(doc, ChildVolet::Cs8)?;
        let ns = &doc.namespaces;
        let s = &body.sections;
        let need = |spec: &Spec, what: &'static str| {
            spec.find(s).ok_or(Error::Missing { document: D, what })
        };
        let social = xml::entries_of(need(&SOCIAL_HISTORY, "FR-Habitus-mode-de-vie")?, ns)?;
        let int = |e: &[Element], code: &str| -> Result<Option<u32>> {
            find_code(e, code)
                .map(|x| xml::read_int(D, x).map(|v| u32::try_from(v).unwrap_or(0)))
                .transpose()
        };
        let bl = |e: &[Element], code: &str| -> Result<Option<bool>> {
            find_code(e, code).map(|x| xml::read_bool(D, x)).transpose()
        };
        let cd = |e: &[Element], code: &str, b: &Binding| -> Result<Option<CodedValue>> {
            xml::read_cd(b, find_code(e, code).and_then(|x| x.child("value")), code)
        };
        let qb = |q: &str| -> Result<Option<bool>> {
            find_qualified(&social, q)
                .map(|x| xml::read_bool(D, x))
                .transpose()
        };
        let mut parents = read_parents(&social)?;
        let family = Cs8Family {
            alcohol_during_pregnancy: int(&social, c::ALCOHOL.code)?.unwrap_or(0),
            tobacco_during_pregnancy: int(&social, c::TOBACCO.code)?.unwrap_or(0),
            other_addiction: qb(q::OTHER_ADDICTION.code)?.unwrap_or(false),
            children_at_home: find_qualified(&social, q::CHILDREN_AT_HOME.code)
                .map(|x| xml::read_int(D, x))
                .transpose()?
                .map(|n| u32::try_from(n).unwrap_or(0))
                .unwrap_or(0),
            feeding: xml::read_cd(
                &TYPE_ALLAITEMENT,
                find_qualified(&social, q::FEEDING.code).and_then(|x| x.child("value")),
                "feeding",
            )?
            .ok_or(Error::Missing {
                document: D,
                what: "feeding (67704-7)",
            })?,
            tuberculosis_risk: match qb(q::TUBERCULOSIS.code)? {
                Some(v) => v,
                None => qb(q::TUBERCULOSIS_ALT)?.unwrap_or(false),
            },
            parents: Vec::new(),
        };
        let cov_entries = xml::entries_of(need(&COVERAGE, "FR-Couverture-sociale")?, ns)?;
        let social_coverage = cov_entries
            .iter()
            .flat_map(|a| a.children_named("entryRelationship"))
            .flat_map(|r| r.elements())
            .find_map(|a| a.child("code"))
            .map(|c| xml::validate(&COUVERTURE, &c.code(), "social coverage"))
            .transpose()?
            .ok_or(Error::Missing {
                document: D,
                what: "social coverage",
            })?;
        let pe = xml::entries_of(need(&PREGNANCY, "FR-Historique-des-grossesses")?, ns)?;
        let pq = |code: &str| -> Result<Option<Decimal>> {
            find_code(&pe, code)
                .map(|x| xml::read_pq_value(D, x).map(|q| q.value))
                .transpose()
        };
        let pregnancy = PregnancyHistory {
            gravidity: int(&pe, c::GRAVIDITY.code)?,
            parity: int(&pe, c::PARITY.code)?,
            premature_children: int(&pe, c::PREMATURE.code)?,
            children_under_2500g: int(&pe, c::UNDER_2500.code)?,
            stillborn: int(&pe, c::STILLBORN.code)?,
            died_before_28_days: int(&pe, c::DIED_28D.code)?,
            previous_caesarean: bl(&pe, c::CAESAREAN.code)?,
            first_consultation: cd(&pe, c::FIRST_CONSULT.code, &DATE_CONS)?,
            weight_before_kg: pq(c::WEIGHT_BEFORE.code)?,
            mother_height_cm: pq(c::MOTHER_HEIGHT.code)?,
            preeclampsia: bl(&pe, c::PREECLAMPSIA.code)?,
            gestational_hypertension: cd(&pe, c::HYPERTENSION.code, &TRAITE)?,
            gestational_diabetes: bl(&pe, c::DIABETES.code)?,
            other_pathology: bl(&pe, c::OTHER_PATHOLOGY.code)?,
            hospitalisation_days: pq(c::HOSPI_DAYS.code)?.map(|d| d.to_f64().round() as u32),
            hospitalisation_reason: cd(&pe, c::HOSPI_REASON.code, &MOTIF_HOSPI)?,
        };
        // The mother may only be described in the section subjects.
        if !parents.iter().any(|p| p.role == ParentRole::Mother) {
            parents.insert(0, Parent::new(ParentRole::Mother));
        }
        let ae = xml::entries_of(
            need(&ANTENATAL, "FR-Examens-et-surveillance-prenataux")?,
            ns,
        )?;
        let comps: Vec<Element> = ae
            .iter()
            .flat_map(|o| o.children_named("component"))
            .flat_map(|c| c.elements())
            .cloned()
            .collect();
        let antenatal = AntenatalTests {
            trisomy21_screening: bl(&comps, c::TRISOMY.code)?.unwrap_or(false),
            ultrasounds: int(&comps, c::ULTRASOUNDS.code)?.unwrap_or(0),
            morphological_ultrasound: bl(&comps, c::MORPHO.code)?.unwrap_or(false),
            early_prenatal_interview: bl(&comps, c::INTERVIEW.code)?.unwrap_or(false),
            hbs_antigen: cd(&comps, c::HBS.code, &AG_HBS)?,
        };
        let labour = need(&LABOUR, "FR-Travail-et-accouchement")?;
        let ev_section = EVENTS.find(&labour.sections).ok_or(Error::Missing {
            document: D,
            what: "FR-Evenements-observes (labour)",
        })?;
        let ev = xml::entries_of(ev_section, ns)?;
        let need_cd = |code: &'static str, b: &Binding| -> Result<CodedValue> {
            cd(&ev, code, b)?.ok_or(Error::Missing {
                document: D,
                what: code,
            })
        };
        let date = ev
            .iter()
            .find_map(|e| e.child("effectiveTime").and_then(|t| t.ts().date()))
            .or_else(|| volet::exam_time(&doc.header).and_then(|t| t.date()))
            .ok_or(Error::Missing {
                document: D,
                what: "the date of delivery",
            })?;
        let delivery = Delivery {
            date,
            fetuses: int(&ev, c::FETUSES.code)?,
            gestational_age_weeks: int(&ev, c::GEST_AGE.code)?,
            presentation: cd(&ev, c::PRESENTATION.code, &PRESENTATION)?,
            membrane_rupture_over_12h: bl(&ev, c::RUPTURE.code)?,
            labour_onset: need_cd(c::ONSET.code, &DEBUT_TRAVAIL)?,
            analgesia: need_cd(c::ANALGESIA.code, &SNOMED)?,
            method: need_cd(c::METHOD.code, &METHODE)?,
            caesarean_cause: cd(&ev, c::CAESAREAN_CAUSE.code, &CAUSE_CESARIENNE)?,
        };
        let nb = need(&NEWBORN, "FR-Informations-sur-le-nouveau-ne")?;
        let exam = PHYSICAL_EXAM.find(&nb.sections).ok_or(Error::Missing {
            document: D,
            what: "FR-Examen-physique (newborn)",
        })?;
        let vitals = sections::VITAL_SIGNS
            .find(&exam.sections)
            .ok_or(Error::Missing {
                document: D,
                what: "FR-Signes-vitaux (newborn)",
            })?;
        let organizers =
            sections::VITAL_SIGNS.read_entries::<segur_cda::n3::entries::VitalSigns>(vitals, ns)?;
        let first = organizers.first().ok_or(Error::Missing {
            document: D,
            what: "the newborn's measurements",
        })?;
        let birth_measurements =
            Measurements::from_vital_signs(first).unwrap_or_else(|| Measurements::on(date));
        let mut apgar = [None; 3];
        for (i, code) in [c::APGAR_1, c::APGAR_5, c::APGAR_10].iter().enumerate() {
            apgar[i] = first
                .signs
                .iter()
                .find(|s| s.code.code() == code.code)
                .map(|s| s.value.value.to_f64().round().clamp(0.0, 255.0) as u8);
        }
        let pathologies = match PATHOLOGIES.find(&nb.sections) {
            Some(p) => read_problems(&xml::entries_of(p, ns)?)
                .into_iter()
                .map(|p| {
                    Ok(FirstWeekPathology {
                        pathology: xml::validate(&PATHO, &p.value, "first-week pathology")?,
                        present: p.present,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let (mut specialised_procedures, mut hearing_screening) = (false, None);
        if let Some(p) = PROCEDURES.find(&nb.sections) {
            for pr in xml::entries_of(p, ns)? {
                let done = xml::negation(&pr) != Some(true);
                match xml::code_attr(&pr) {
                    Some(x) if x == c::PROCEDURES.code => specialised_procedures = done,
                    Some(x) if x == c::HEARING.code && done => {
                        let res = pr
                            .children_named("entryRelationship")
                            .flat_map(|r| r.elements())
                            .find(|o| xml::code_attr(o) == Some(c::HEARING_RESULT.code))
                            .and_then(|o| o.child("value"));
                        hearing_screening =
                            xml::read_cd(&SURDITE, res, "hearing screening result")?;
                    }
                    _ => {}
                }
            }
        }
        let treatments = match TREATMENTS.find(&nb.sections).or_else(|| TREATMENTS.find(s)) {
            Some(t) => read_treatments(t, ns)?,
            None => Vec::new(),
        };
        let mut family = family;
        family.parents = std::mem::take(&mut parents);
        Ok(Self {
            family,
            social_coverage,
            pregnancy,
            antenatal,
            delivery,
            newborn: Newborn {
                birth_measurements,
                apgar,
                pathologies,
                specialised_procedures,
                hearing_screening,
                treatments,
            },
            vaccinations: read_vaccinations(
                need(&IMMUNIZATIONS, "FR-Vaccinations")?,
                ns,
                &VACCIN_CSE8,
            )?,
            orientations: match CARE_PLAN.find(s) {
                Some(t) => read_care_plan(t, ns)?,
                None => Vec::new(),
            },
        })
    }
}
