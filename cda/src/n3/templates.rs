//! Every templateId of the N3 entries, in one place, in the order the
//! CI-SIS examples write them (CCD / IHE parents first, the CI-SIS template
//! last). Section templateIds live with their codes in [`super::sections`].
//!
//! Sources: `ans-cda/ExemplesCDA/` (VSM, eP-MED-DM, VAC-NOTE, CSE examples)
//! and the upstream CI-SIS entry schematrons (`schematrons/include/entrees/`
//! of ansforge/TestContenuCDA-3-0).

use segur_ids::{Oid, oid};

/// FR-Liste-des-problemes (Problem Concern).
pub const PROBLEM_CONCERN: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.27"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5.1"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5.2"),
    oid!("1.2.250.1.213.1.1.3.39"),
];
/// FR-Probleme (Problem Entry).
pub const PROBLEM: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.28"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5"),
    oid!("1.2.250.1.213.1.1.3.37"),
];
/// FR-Liste-des-allergies-et-hypersensibilites (Allergy and Intolerance Concern).
pub const ALLERGY_CONCERN: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.27"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5.1"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5.3"),
    oid!("1.2.250.1.213.1.1.3.40"),
];
/// FR-Allergie-ou-hypersensibilite (Allergies and Intolerances Entry).
pub const ALLERGY: [Oid; 5] = [
    oid!("2.16.840.1.113883.10.20.1.18"),
    oid!("2.16.840.1.113883.10.20.1.28"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.5"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.6"),
    oid!("1.2.250.1.213.1.1.3.41"),
];
/// FR-Statut-du-probleme (Problem Status Observation).
pub const PROBLEM_STATUS: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.50"),
    oid!("2.16.840.1.113883.10.20.1.57"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.1.1"),
    oid!("1.2.250.1.213.1.1.3.30"),
];
/// FR-Acte (Procedure Entry).
pub const PROCEDURE: [Oid; 3] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.19"),
    oid!("2.16.840.1.113883.10.20.1.29"),
    oid!("1.2.250.1.213.1.1.3.62"),
];
/// FR-Reference-interne (Internal Reference).
pub const INTERNAL_REFERENCE: [Oid; 2] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.4.1"),
    oid!("1.2.250.1.213.1.1.3.36"),
];
/// FR-Habitus-Mode-de-vie (Social History Observation).
pub const SOCIAL_HISTORY: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.33"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13.4"),
    oid!("1.2.250.1.213.1.1.3.52"),
];
/// FR-Antecedents-familiaux (Family History Organizer).
pub const FAMILY_HISTORY_ORGANIZER: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.23"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.15"),
    oid!("1.2.250.1.213.1.1.3.59"),
];
/// FR-Sujet (subject of a family history organizer).
pub const FAMILY_SUBJECT: [Oid; 2] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.15.2"),
    oid!("1.2.250.1.213.1.1.3.60"),
];
/// FR-Antecedent-familial-observe (Family History Observation).
pub const FAMILY_HISTORY_OBSERVATION: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.22"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13.3"),
    oid!("1.2.250.1.213.1.1.3.51"),
];
/// FR-Simple-observation (Simple Observation), used for results.
pub const SIMPLE_OBSERVATION: [Oid; 2] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.2.250.1.213.1.1.3.48"),
];
/// FR-Signes-vitaux (Vital Signs Organizer).
pub const VITAL_SIGNS_ORGANIZER: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.32"),
    oid!("2.16.840.1.113883.10.20.1.35"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13.1"),
    oid!("1.2.250.1.213.1.1.3.49"),
];
/// FR-Signe-vital-observe (Vital Signs Observation).
pub const VITAL_SIGN: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.31"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13.2"),
    oid!("1.2.250.1.213.1.1.3.50"),
];
/// FR-Observation-sur-la-grossesse (Pregnancy Observation).
pub const PREGNANCY_OBSERVATION: [Oid; 3] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13.5"),
    oid!("1.2.250.1.213.1.1.3.53"),
];
/// FR-Traitement (Medications Entry), taken or to take (long-term treatments).
pub const MEDICATION: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.24"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.7"),
    oid!("1.2.250.1.213.1.1.3.42"),
];
/// FR-Traitement-prescrit (Prescription Item, IHE Pharmacy PRE).
pub const PRESCRIBED_MEDICATION: [Oid; 4] = [
    oid!("2.16.840.1.113883.10.20.1.24"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.7"),
    oid!("1.3.6.1.4.1.19376.1.9.1.3.2"),
    oid!("1.2.250.1.213.1.1.3.83"),
];
/// Structured posology (IHE Pharmacy "Dosage Instructions").
pub const STRUCTURED_POSOLOGY: Oid = oid!("1.3.6.1.4.1.19376.1.9.1.3.6");
/// Administration mode: normal dosing.
pub const MODE_NORMAL: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.4.7.1");
/// Administration mode: tapered (progressive) doses.
pub const MODE_TAPERED: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.4.8");
/// Administration mode: split doses.
pub const MODE_SPLIT: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.4.9");
/// Administration mode: conditional doses.
pub const MODE_CONDITIONAL: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.4.10");
/// Administration mode: combined doses.
pub const MODE_COMBINED: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.4.11");
/// FR-Traitement-prescrit-subordonnee (a step of a tapered posology).
pub const PRESCRIBED_MEDICATION_STEP: Oid = oid!("1.2.250.1.213.1.1.3.83.1");
/// FR-Produit-de-sante (Product Entry).
pub const PRODUCT: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.53"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.7.2"),
    oid!("1.2.250.1.213.1.1.3.43"),
];
/// IHE Pharmacy Medicine Entry (on `manufacturedMaterial`).
pub const MEDICINE: Oid = oid!("1.3.6.1.4.1.19376.1.9.1.3.1");
/// FR-Instructions-au-patient (Patient Medication Instructions).
pub const PATIENT_INSTRUCTIONS: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.49"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.3"),
    oid!("1.2.250.1.213.1.1.3.33"),
];
/// FR-Instructions-au-dispensateur (Medication Fulfillment Instructions).
pub const DISPENSER_INSTRUCTIONS: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.43"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.3.1"),
    oid!("1.2.250.1.213.1.1.3.34"),
];
/// FR-Quantite-de-produit (Amount of units of the consumable).
pub const QUANTITY_TO_DISPENSE: [Oid; 2] = [
    oid!("1.3.6.1.4.1.19376.1.9.1.3.8"),
    oid!("1.2.250.1.213.1.1.3.86"),
];
/// FR-Autorisation-substitution (Substitution Permission).
pub const SUBSTITUTION: [Oid; 2] = [
    oid!("1.3.6.1.4.1.19376.1.9.1.3.9.1"),
    oid!("1.2.250.1.213.1.1.3.87"),
];
/// The parent templates of the prescription flags (FR-Simple-observation).
pub const FLAG_BASE: [Oid; 2] = SIMPLE_OBSERVATION;
/// FR-Hors-AMM.
pub const FLAG_OFF_LABEL: Oid = oid!("1.2.250.1.213.1.1.3.48.12");
/// FR-En-rapport-avec-ALD.
pub const FLAG_ALD: Oid = oid!("1.2.250.1.213.1.1.3.48.13");
/// FR-En-rapport-avec-accident-travail.
pub const FLAG_WORK_ACCIDENT: Oid = oid!("1.2.250.1.213.1.1.3.48.14");
/// FR-Non-remboursable.
pub const FLAG_NON_REIMBURSABLE: Oid = oid!("1.2.250.1.213.1.1.3.48.15");
/// FR-En-rapport-avec-la-prevention.
pub const FLAG_PREVENTION: Oid = oid!("1.2.250.1.213.1.1.3.48.34");
/// FR-Dispositif-medical (Supply Activity).
pub const MEDICAL_DEVICE: [Oid; 2] = [
    oid!("2.16.840.1.113883.10.20.1.34"),
    oid!("1.2.250.1.213.1.1.3.20"),
];
/// FR-Vaccination (Immunizations Entry).
pub const IMMUNIZATION: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.24"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.12"),
    oid!("1.2.250.1.213.1.1.3.45"),
];
/// FR-Rang-de-la-vaccination (Medication series number).
pub const IMMUNIZATION_RANK: [Oid; 2] = [
    oid!("2.16.840.1.113883.10.20.1.46"),
    oid!("1.2.250.1.213.1.1.3.82"),
];
/// Reaction observation (CCD) added to FR-Probleme under a vaccination.
pub const REACTION: Oid = oid!("2.16.840.1.113883.10.20.1.54");
/// FR-Commentaire-ER (Comment Entry).
pub const COMMENT: [Oid; 3] = [
    oid!("2.16.840.1.113883.10.20.1.40"),
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.2"),
    oid!("1.2.250.1.213.1.1.3.32"),
];
/// FR-Document-attache (organizer holding the PDF copy).
pub const ATTACHED_DOCUMENT: Oid = oid!("1.2.250.1.213.1.1.3.18");
/// FR-Type-document-attache.
pub const ATTACHED_DOCUMENT_TYPE: [Oid; 3] = [
    oid!("1.3.6.1.4.1.19376.1.5.3.1.4.13"),
    oid!("1.2.250.1.213.1.1.3.48"),
    oid!("1.2.250.1.213.1.1.3.48.18"),
];
/// FR-Image-illustrative (observationMedia, e.g. the 2D bar code).
pub const ILLUSTRATIVE_IMAGE: [Oid; 2] = [
    oid!("2.16.840.1.113883.10.12.304"),
    oid!("1.2.250.1.213.1.1.3.103"),
];

/// Fixed codes written by the entries.
pub mod codes {
    use super::super::codes::CodedValue;
    use crate::vocab::code_system;
    use segur_ids::{Oid, oid};

    /// TA_ASIP code system.
    pub const TA_ASIP: Oid = oid!("1.2.250.1.213.1.1.4.322");
    /// HL7 ActCode.
    pub const ACT_CODE: Oid = oid!("2.16.840.1.113883.5.4");
    /// IHE ActCode (PINSTRUCT, FINSTRUCT).
    pub const IHE_ACT_CODE: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.2");

    /// `DRUG` (substanceAdministration code of medications).
    pub fn drug() -> CodedValue {
        CodedValue::fixed("DRUG", &ACT_CODE, "HL7:ActCode", "Médicament")
    }
    /// LOINC `33999-4` Status (problem status observation code).
    pub fn problem_status() -> CodedValue {
        CodedValue::fixed("33999-4", &code_system::LOINC, "LOINC", "Status")
    }
    /// LOINC `85353-1` Signes vitaux (vital signs organizer code).
    pub fn vital_signs_panel() -> CodedValue {
        CodedValue::fixed("85353-1", &code_system::LOINC, "LOINC", "Signes vitaux")
    }
    /// LOINC `11449-6` Statut de grossesse.
    pub fn pregnancy_status() -> CodedValue {
        CodedValue::fixed(
            "11449-6",
            &code_system::LOINC,
            "LOINC",
            "Statut de grossesse",
        )
    }
    /// LOINC `30973-2` Rang de la vaccination.
    pub fn immunization_rank() -> CodedValue {
        CodedValue::fixed(
            "30973-2",
            &code_system::LOINC,
            "LOINC",
            "Rang de la vaccination",
        )
    }
    /// LOINC `48767-8` Commentaire.
    pub fn comment() -> CodedValue {
        CodedValue::fixed("48767-8", &code_system::LOINC, "LOINC", "Commentaire")
    }
    /// LOINC `55107-7` Document attaché.
    pub fn attached_document() -> CodedValue {
        CodedValue::fixed("55107-7", &code_system::LOINC, "LOINC", "Document attaché")
    }
    /// LOINC `69764-9` Type de document.
    pub fn document_type() -> CodedValue {
        CodedValue::fixed("69764-9", &code_system::LOINC, "LOINC", "Type de document")
    }
    /// LOINC `55108-5` Copie du document.
    pub fn document_copy() -> CodedValue {
        CodedValue::fixed("55108-5", &code_system::LOINC, "LOINC", "Copie du document")
    }
    /// IHE `PINSTRUCT`.
    pub fn patient_instructions() -> CodedValue {
        CodedValue::fixed(
            "PINSTRUCT",
            &IHE_ACT_CODE,
            "IHEActCode",
            "Instructions au patient",
        )
    }
    /// IHE `FINSTRUCT`.
    pub fn dispenser_instructions() -> CodedValue {
        CodedValue::fixed(
            "FINSTRUCT",
            &IHE_ACT_CODE,
            "IHEActCode",
            "Instructions au dispensateur",
        )
    }
}
