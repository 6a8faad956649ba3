//! The value sets the N3 models bind their coded elements to.
//!
//! - [`jdv`]: every value set vendored under `ans-cda/jeuxDeValeurs/` (the
//!   JDVs the volet schematrons open with `document()`), generated from those
//!   files and checked against them by the `value_sets` integration test
//!   (`SEGUR_REGENERATE_JDV=1 cargo test -p segur-cda --test value_sets`
//!   rewrites `jdv.rs`). The child-health volets use most of them.
//! - The sets below, read from `ansforge/TestContenuCDA-3-0 jeuxDeValeurs/`
//!   (commit in each `source`) but not vendored, are written by hand; their
//!   `source` says so, and the test checks their shape only.

pub mod jdv;

use super::codes::{Concept, ValueSet};

const HL7_ACT_CODE: &str = "2.16.840.1.113883.5.4";
const SNOMED_CT: &str = "2.16.840.1.113883.6.96";

const fn c(code: &'static str, code_system: &'static str, display_name: &'static str) -> Concept {
    Concept {
        code,
        code_system,
        display_name,
    }
}

/// JDV_HL7_ObservationIntoleranceType_CISIS: type of an allergy or
/// hypersensitivity (FR-Allergie-ou-hypersensibilite `code`, bound by
/// `E_allergiesAndIntolerances_fr.sch` to code system 2.16.840.1.113883.5.4).
pub static OBSERVATION_INTOLERANCE_TYPE: ValueSet = ValueSet {
    name: "JDV_HL7_ObservationIntoleranceType_CISIS",
    oid: "2.16.840.1.113883.1.11.19700",
    source: "upstream ansforge/TestContenuCDA-3-0@633a66895806151b3112959d8c1b87383c2dbac7 jeuxDeValeurs/JDV_HL7_ObservationIntoleranceType_CISIS.xml (not vendored)",
    concepts: &[
        c("OINT", HL7_ACT_CODE, "Allergie ou hypersensibilité"),
        c(
            "DINT",
            HL7_ACT_CODE,
            "Allergie ou hypersensibilité médicamenteuse",
        ),
        c(
            "EINT",
            HL7_ACT_CODE,
            "Allergie ou hypersensibilité à un agent environnemental (latex, pollen, etc.)",
        ),
        c(
            "FINT",
            HL7_ACT_CODE,
            "Allergie ou hypersensibilité alimentaire",
        ),
        c("ALG", HL7_ACT_CODE, "Allergie"),
        c("DALG", HL7_ACT_CODE, "Allergie médicamenteuse"),
        c(
            "EALG",
            HL7_ACT_CODE,
            "Allergie à un agent environnemental (latex, pollen, etc.)",
        ),
        c("FALG", HL7_ACT_CODE, "Allergie alimentaire"),
        c("NAINT", HL7_ACT_CODE, "Hypersensibilité non allergique"),
        c(
            "DNAINT",
            HL7_ACT_CODE,
            "Hypersensibilité non allergique médicamenteuse",
        ),
        c(
            "ENAINT",
            HL7_ACT_CODE,
            "Hypersensibilité non allergique à un agent environnemental (latex, pollen, etc.)",
        ),
        c(
            "FNAINT",
            HL7_ACT_CODE,
            "Hypersensibilité non allergique alimentaire",
        ),
    ],
};

/// JDV_ProblemCodes_CISIS: kind of problem (FR-Probleme `code`). Only the
/// SNOMED CT concepts still valid (the SNOMED 3.5 ones ended 2022-11-30).
pub static PROBLEM_CODES: ValueSet = ValueSet {
    name: "JDV_ProblemCodes_CISIS",
    oid: "1.2.250.1.213.1.1.5.172",
    source: "upstream ansforge/TestContenuCDA-3-0@51084df0879f948aff1bbb41799d9c6f5304b3d0 jeuxDeValeurs/JDV_ProblemCodes_CISIS.xml (not vendored; concepts without dateFin)",
    concepts: &[
        c("404684003", SNOMED_CT, "constatation clinique"),
        c("55607006", SNOMED_CT, "problème"),
        c("64572001", SNOMED_CT, "maladie"),
        c(
            "248536006",
            SNOMED_CT,
            "constatation à propos de la performance fonctionnelle et l'activité",
        ),
        c("409586006", SNOMED_CT, "plainte"),
        c(
            "418799008",
            SNOMED_CT,
            "symptôme rapporté par le patient ou le répondant",
        ),
        c("282291009", SNOMED_CT, "interprétation diagnostique"),
    ],
};

/// JDV_HL7_ActSubstanceAdministrationImmunizationCode_CISIS: kind of
/// vaccination act (FR-Vaccination `code`).
pub static IMMUNIZATION_ACT: ValueSet = ValueSet {
    name: "JDV_HL7_ActSubstanceAdministrationImmunizationCode_CISIS",
    oid: "2.16.840.1.113883.1.11.19709",
    source: "upstream ansforge/TestContenuCDA-3-0@633a66895806151b3112959d8c1b87383c2dbac7 jeuxDeValeurs/JDV_HL7_ActSubstanceAdministrationImmunizationCode_CISIS.xml (not vendored)",
    concepts: &[
        c("BOOSTER", HL7_ACT_CODE, "Rappel de vaccin"),
        c("IMMUNIZ", HL7_ACT_CODE, "Vaccination sans autre précision"),
        c("INITIMMUNIZ", HL7_ACT_CODE, "1ère série vaccinante"),
    ],
};

/// JDV_HL7_ActSubstanceAdminSubstitutionCode-CISIS restricted to the two
/// codes `E_autorisationSubstitution_fr.sch` accepts (`N`, `G`).
pub static SUBSTITUTION: ValueSet = ValueSet {
    name: "JDV_HL7_ActSubstanceAdminSubstitutionCode_CISIS",
    oid: "2.16.840.1.113883.5.1070",
    source: "upstream ansforge/TestContenuCDA-3-0 schematrons/include/entrees/E_autorisationSubstitution_fr.sch (codes N and G; labels from the eP-MED-DM example and ours)",
    concepts: &[
        c(
            "N",
            "2.16.840.1.113883.5.1070",
            "Aucune substitution permise",
        ),
        c(
            "G",
            "2.16.840.1.113883.5.1070",
            "Substitution générique autorisée",
        ),
    ],
};

/// HL7 TimingEvent (JDV_HL7_TimingEvent_CISIS, code system
/// 2.16.840.1.113883.5.139): events an `EIVL_TS` frequency refers to. The
/// codes are HL7's; the French labels are ours.
pub static TIMING_EVENT: ValueSet = ValueSet {
    name: "JDV_HL7_TimingEvent_CISIS",
    oid: "2.16.840.1.113883.5.139",
    source: "HL7 v3 TimingEvent code system (codes); labels written for segur-cda",
    concepts: &[
        c("AC", "2.16.840.1.113883.5.139", "avant les repas"),
        c("ACM", "2.16.840.1.113883.5.139", "avant le petit-déjeuner"),
        c("ACD", "2.16.840.1.113883.5.139", "avant le déjeuner"),
        c("ACV", "2.16.840.1.113883.5.139", "avant le dîner"),
        c("C", "2.16.840.1.113883.5.139", "au cours des repas"),
        c(
            "CM",
            "2.16.840.1.113883.5.139",
            "au cours du petit-déjeuner",
        ),
        c("CD", "2.16.840.1.113883.5.139", "au cours du déjeuner"),
        c("CV", "2.16.840.1.113883.5.139", "au cours du dîner"),
        c("PC", "2.16.840.1.113883.5.139", "après les repas"),
        c("PCM", "2.16.840.1.113883.5.139", "après le petit-déjeuner"),
        c("PCD", "2.16.840.1.113883.5.139", "après le déjeuner"),
        c("PCV", "2.16.840.1.113883.5.139", "après le dîner"),
        c("IC", "2.16.840.1.113883.5.139", "entre les repas"),
        c(
            "ICM",
            "2.16.840.1.113883.5.139",
            "entre le petit-déjeuner et le déjeuner",
        ),
        c(
            "ICD",
            "2.16.840.1.113883.5.139",
            "entre le déjeuner et le dîner",
        ),
        c(
            "ICV",
            "2.16.840.1.113883.5.139",
            "entre le dîner et le coucher",
        ),
        c("HS", "2.16.840.1.113883.5.139", "au coucher"),
        c("WAKE", "2.16.840.1.113883.5.139", "au réveil"),
    ],
};

/// Clinical status of an allergy (FR-Statut-du-probleme `value`), as the
/// VSM examples code it (code system 2.16.840.1.113883.4.642.4.1373).
pub static ALLERGY_CLINICAL_STATUS: ValueSet = ValueSet {
    name: "AllergyIntoleranceClinicalStatus",
    oid: "2.16.840.1.113883.4.642.4.1373",
    source: "codes of the VSM 2023.01 example (ans-cda/ExemplesCDA/VSM_1.4_2022.01.xml uses `inactive`); labels ours",
    concepts: &[
        c("active", "2.16.840.1.113883.4.642.4.1373", "Actif"),
        c("inactive", "2.16.840.1.113883.4.642.4.1373", "Inactif"),
        c("resolved", "2.16.840.1.113883.4.642.4.1373", "Résolu"),
    ],
};

/// Family members (HL7 RoleCode subset) for FR-Sujet in family history.
pub static FAMILY_MEMBER: ValueSet = ValueSet {
    name: "FamilyMember (HL7 RoleCode subset)",
    oid: "2.16.840.1.113883.5.111",
    source: "HL7 v3 RoleCode family-member codes (MTH, FTH… as the ANS examples use); labels ours",
    concepts: &[
        c("MTH", "2.16.840.1.113883.5.111", "Mère"),
        c("FTH", "2.16.840.1.113883.5.111", "Père"),
        c("SIS", "2.16.840.1.113883.5.111", "Soeur"),
        c("BRO", "2.16.840.1.113883.5.111", "Frère"),
        c("HSIS", "2.16.840.1.113883.5.111", "Demi-soeur"),
        c("HBRO", "2.16.840.1.113883.5.111", "Demi-frère"),
        c("DAU", "2.16.840.1.113883.5.111", "Fille"),
        c("SON", "2.16.840.1.113883.5.111", "Fils"),
        c("GRMTH", "2.16.840.1.113883.5.111", "Grand-mère"),
        c("GRFTH", "2.16.840.1.113883.5.111", "Grand-père"),
        c("MGRMTH", "2.16.840.1.113883.5.111", "Grand-mère maternelle"),
        c("MGRFTH", "2.16.840.1.113883.5.111", "Grand-père maternel"),
        c("PGRMTH", "2.16.840.1.113883.5.111", "Grand-mère paternelle"),
        c("PGRFTH", "2.16.840.1.113883.5.111", "Grand-père paternel"),
        c("MAUNT", "2.16.840.1.113883.5.111", "Tante maternelle"),
        c("PAUNT", "2.16.840.1.113883.5.111", "Tante paternelle"),
        c("MUNCLE", "2.16.840.1.113883.5.111", "Oncle maternel"),
        c("PUNCLE", "2.16.840.1.113883.5.111", "Oncle paternel"),
        c("COUSN", "2.16.840.1.113883.5.111", "Cousin ou cousine"),
        c("TWIN", "2.16.840.1.113883.5.111", "Jumeau ou jumelle"),
        c("FAMMEMB", "2.16.840.1.113883.5.111", "Membre de la famille"),
    ],
};

/// The hand-written value sets (not vendored).
pub static HAND_WRITTEN: &[&ValueSet] = &[
    &OBSERVATION_INTOLERANCE_TYPE,
    &PROBLEM_CODES,
    &IMMUNIZATION_ACT,
    &SUBSTITUTION,
    &TIMING_EVENT,
    &ALLERGY_CLINICAL_STATUS,
    &FAMILY_MEMBER,
];

/// Every value set known to the crate: the vendored JDVs then the hand-written ones.
pub fn all() -> impl Iterator<Item = &'static ValueSet> {
    jdv::ALL.iter().copied().chain(HAND_WRITTEN.iter().copied())
}

/// The value set with this OID.
pub fn by_oid(oid: &str) -> Option<&'static ValueSet> {
    all().find(|v| v.oid == oid)
}

/// The value set with this name (`JDV_StatutGrossesse_CISIS`).
pub fn by_name(name: &str) -> Option<&'static ValueSet> {
    all().find(|v| v.name == name)
}
