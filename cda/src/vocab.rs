//! Every templateId, code system and fixed code the crate writes or checks, in
//! one place. N3 volets (VSM, eP-MED-DM, child-health certificates) add their
//! own constants next to their section builders but reuse these.
//!
//! Sources: `../shared/reference/cda.md` §1–§6 (ANS TestContenuCDA-3-0, StrucMin
//! 2023 schematron, IG-document-core).

use segur_ids::{Oid, oid};

use crate::datatypes::Code;

/// HL7 CDA R2 namespace.
pub const NS_HL7: &str = "urn:hl7-org:v3";
/// XML Schema instance namespace (`xsi:type`).
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// HL7 SDTC extension namespace.
pub const NS_SDTC: &str = "urn:hl7-org:sdtc";
/// IHE laboratory extension namespace (`lab:`).
pub const NS_LAB: &str = "urn:oid:1.3.6.1.4.1.19376.1.3.2";
/// IHE pharmacy extension namespace (`pharm:`).
pub const NS_PHARM: &str = "urn:ihe:pharm";
/// DICOM extension namespace.
pub const NS_DICOM: &str = "urn:dicom-org:ps3-20";
/// XSLT namespace (auto-presentable documents).
pub const NS_XSL: &str = "http://www.w3.org/1999/XSL/Transform";

/// `typeId/@root`.
pub const TYPE_ID_ROOT: Oid = oid!("2.16.840.1.113883.1.3");
/// `typeId/@extension`.
pub const TYPE_ID_EXTENSION: &str = "POCD_HD000040";
/// `realmCode/@code`.
pub const REALM_FR: &str = "FR";
/// `languageCode/@code` for French documents.
pub const LANGUAGE_FR: &str = "fr-FR";

/// Document-level templateIds.
pub mod template {
    use super::*;
    /// HL7 France conformance.
    pub const HL7_FRANCE: Oid = oid!("2.16.840.1.113883.2.8.2.1");
    /// CI-SIS "Structuration minimale".
    pub const CI_SIS_STRUCTURATION_MINIMALE: Oid = oid!("1.2.250.1.213.1.1.1.1");
    /// IHE XDS-SD (scanned / unstructured document): the N1 marker.
    pub const IHE_XDS_SD: Oid = oid!("1.3.6.1.4.1.19376.1.2.20");
    /// The three templateIds of an N1 document, in the order written.
    pub const N1: [Oid; 3] = [HL7_FRANCE, CI_SIS_STRUCTURATION_MINIMALE, IHE_XDS_SD];
    /// The two templateIds every CI-SIS document declares.
    pub const BASE: [Oid; 2] = [HL7_FRANCE, CI_SIS_STRUCTURATION_MINIMALE];
    /// Section FR-Document-PDF-copie (PDF copy in an N3 document).
    pub const SECTION_PDF_COPY: Oid = oid!("1.2.250.1.213.1.1.2.243");
    /// Carnet de santé de l'enfant (parent of CSE-CS8, CS9, CS24, MDE).
    pub const CSE: Oid = oid!("1.2.250.1.213.1.1.1.5");
    /// Note de vaccination (VAC-NOTE).
    pub const VAC_NOTE: Oid = oid!("1.2.250.1.213.1.1.1.46");
    /// Volets shared as structured (N3) documents only, with no N1 twin:
    /// `(templateId, volet name)`.
    pub const N3_ONLY: [(Oid, &str); 2] = [
        (CSE, "carnet de santé de l'enfant (CSE)"),
        (VAC_NOTE, "note de vaccination (VAC-NOTE)"),
    ];
}

/// Code systems.
pub mod code_system {
    use super::*;
    /// LOINC.
    pub const LOINC: Oid = oid!("2.16.840.1.113883.6.1");
    /// SNOMED CT.
    pub const SNOMED_CT: Oid = oid!("2.16.840.1.113883.6.96");
    /// TRE_A05 document types (SYNTH, CERT_DECL, PRESC-…).
    pub const TRE_A05: Oid = oid!("1.2.250.1.213.1.1.4.12");
    /// HL7 Confidentiality.
    pub const CONFIDENTIALITY: Oid = oid!("2.16.840.1.113883.5.25");
    /// French XDS confidentiality codes (MASQUE_PS…), XDS metadata only.
    pub const CONFIDENTIALITY_FR: Oid = oid!("1.2.250.1.213.1.1.4.13");
    /// HL7 AdministrativeGender.
    pub const ADMINISTRATIVE_GENDER: Oid = oid!("2.16.840.1.113883.5.1");
    /// Professions / specialties (TRE_G15 + R38 combined), J01.
    pub const AUTHOR_SPECIALTY: Oid = oid!("1.2.250.1.213.1.1.4.5");
    /// Healthcare facility types (TRE_R02), J02.
    pub const HEALTHCARE_FACILITY_TYPE: Oid = oid!("1.2.250.1.71.4.2.4");
    /// Practice settings, J04.
    pub const PRACTICE_SETTING: Oid = oid!("1.2.250.1.213.1.1.4.9");
    /// HL7 ActCode (encounter codes IMP, AMB…).
    pub const ACT_CODE: Oid = oid!("2.16.840.1.113883.5.4");
    /// French encounter codes (EXTERNE, SEANCE).
    pub const ENCOUNTER_FR: Oid = oid!("1.2.250.1.213.1.1.4.2.291");
    /// Participant function codes (PRELV, CORRE…), J47.
    pub const FUNCTION_CODE: Oid = oid!("1.2.250.1.213.1.1.4.2.280");
    /// CCAM.
    pub const CCAM: Oid = oid!("1.2.250.1.213.2.5");
    /// XDS classCode codes (J06).
    pub const XDS_CLASS_CODE: Oid = oid!("1.2.250.1.213.1.1.4.1");
    /// XDS formatCode codes of the CI-SIS models.
    pub const XDS_FORMAT_CODE: Oid = oid!("1.2.250.1.213.1.1.4.2.282");
    /// IHE format codes (`urn:ihe:iti:xds-sd:pdf:2008`…).
    pub const IHE_FORMAT_CODE: Oid = oid!("1.3.6.1.4.1.19376.1.2.3");
}

/// Identifier roots.
pub mod id_root {
    use super::*;
    /// INS-NIR (production).
    pub const INS_NIR: Oid = oid!("1.2.250.1.213.1.4.8");
    /// INS-NIA.
    pub const INS_NIA: Oid = oid!("1.2.250.1.213.1.4.9");
    /// INS-NIR test root (ANS examples).
    pub const INS_NIR_TEST: Oid = oid!("1.2.250.1.213.1.4.10");
    /// INS-NIR demonstration root.
    pub const INS_NIR_DEMO: Oid = oid!("1.2.250.1.213.1.4.11");
    /// The four INS roots.
    pub const INS_ROOTS: [Oid; 4] = [INS_NIR, INS_NIA, INS_NIR_TEST, INS_NIR_DEMO];
    /// National professional ids (`8` + RPPS).
    pub const ID_NAT_PS: Oid = segur_ids::oids::ID_NAT_PS;
    /// National structure ids.
    pub const ID_NAT_STRUCT: Oid = segur_ids::oids::ID_NAT_STRUCT;
}

/// `confidentialityCode` of the CDA (HL7 Confidentiality: N, R, V).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Confidentiality {
    /// N: normal.
    Normal,
    /// R: restricted.
    Restricted,
    /// V: very restricted.
    VeryRestricted,
}

impl Confidentiality {
    /// The HL7 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "N",
            Self::Restricted => "R",
            Self::VeryRestricted => "V",
        }
    }

    /// The coded value to write.
    pub fn to_code(self) -> Code {
        let display = match self {
            Self::Normal => "Normal",
            Self::Restricted => "Restreint",
            Self::VeryRestricted => "Très restreint",
        };
        Code::new(self.code(), &code_system::CONFIDENTIALITY, display)
    }

    /// From the HL7 code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "N" => Some(Self::Normal),
            "R" => Some(Self::Restricted),
            "V" => Some(Self::VeryRestricted),
            _ => None,
        }
    }
}

/// Administrative gender (J143).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gender {
    /// F.
    Female,
    /// M.
    Male,
    /// UN: undetermined.
    Undetermined,
}

impl Gender {
    /// The HL7 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Undetermined => "UN",
        }
    }

    /// The coded value to write.
    pub fn to_code(self) -> Code {
        let display = match self {
            Self::Female => "Féminin",
            Self::Male => "Masculin",
            Self::Undetermined => "Indéterminé",
        };
        Code::new(self.code(), &code_system::ADMINISTRATIVE_GENDER, display)
    }

    /// From the HL7 code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "F" => Some(Self::Female),
            "M" => Some(Self::Male),
            "UN" => Some(Self::Undetermined),
            _ => None,
        }
    }
}

/// A document type of JDV_J07-XdsTypeCode-CISIS known to the crate, with its
/// code system, label and XDS classCode (J06, `1.2.250.1.213.1.1.4.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentType {
    /// The code (`11502-2`, `SYNTH`…).
    pub code: &'static str,
    /// The code system (LOINC or TRE_A05).
    pub code_system: Oid,
    /// The label.
    pub display_name: &'static str,
    /// The XDS classCode (J06) the type belongs to, with its label.
    pub class_code: (&'static str, &'static str),
}

impl DocumentType {
    /// The coded value to write in `ClinicalDocument/code`.
    pub fn to_code(&self) -> Code {
        let c = Code::new(self.code, &self.code_system, self.display_name);
        if self.code_system == code_system::LOINC {
            c.with_system_name("LOINC")
        } else {
            c
        }
    }

    /// Looks a code up in the known types.
    pub fn lookup(code: &str, code_system: &str) -> Option<&'static DocumentType> {
        DOCUMENT_TYPES
            .iter()
            .find(|t| t.code == code && t.code_system.as_str() == code_system)
    }
}

const fn doc_type(
    code: &'static str,
    code_system: Oid,
    display_name: &'static str,
    class_code: (&'static str, &'static str),
) -> DocumentType {
    DocumentType {
        code,
        code_system,
        display_name,
        class_code,
    }
}

// J06 classCode values (JDV_J06-XdsClassCode-CISIS `1.2.250.1.213.1.1.5.462`,
// codes of TRE_A03-ClasseDocument `1.2.250.1.213.1.1.4.1`, read from the ANS
// terminology IG). The type → class mapping below is ours (UNCONFIRMED: the
// official J07→J06 correspondence was not read); callers can override it.
const CLASS_CR: (&str, &str) = ("10", "Compte rendu");
const CLASS_SYNTHESE: (&str, &str) = ("11", "Synthèse");
const CLASS_CERTIFICAT: (&str, &str) = ("52", "Certificat, déclaration");
const CLASS_PRESCRIPTION: (&str, &str) = ("42", "Prescription");
const CLASS_VACCINATION: (&str, &str) = ("45", "Traitement administré");

/// Document types an LGC produces or receives (subset of J07, §3 of the
/// reference). The J07 value set has 114 codes: any other code is accepted
/// when the caller gives its classCode explicitly.
pub const DOCUMENT_TYPES: &[DocumentType] = &[
    doc_type(
        "11502-2",
        code_system::LOINC,
        "CR d'examens biologiques",
        CLASS_CR,
    ),
    doc_type(
        "18748-4",
        code_system::LOINC,
        "CR d'imagerie médicale",
        CLASS_CR,
    ),
    doc_type(
        "11488-4",
        code_system::LOINC,
        "CR de consultation",
        CLASS_CR,
    ),
    doc_type("34874-8", code_system::LOINC, "CR opératoire", CLASS_CR),
    doc_type(
        "11490-0",
        code_system::LOINC,
        "Lettre de liaison à la sortie d'un établissement de soins",
        CLASS_CR,
    ),
    doc_type("60591-5", code_system::LOINC, "Synthèse", CLASS_SYNTHESE),
    doc_type("SYNTH", code_system::TRE_A05, "Synthèse", CLASS_SYNTHESE),
    doc_type(
        "57833-6",
        code_system::LOINC,
        "Prescription de produits de santé",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "57828-6",
        code_system::LOINC,
        "Prescription (autre)",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-BIO",
        code_system::TRE_A05,
        "Prescription d'actes de biologie médicale",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-KINE",
        code_system::TRE_A05,
        "Prescription d'actes de kinésithérapie",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-INF",
        code_system::TRE_A05,
        "Prescription d'actes infirmiers",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-PEDI",
        code_system::TRE_A05,
        "Prescription d'actes de pédicurie",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-ORTHOPHO",
        code_system::TRE_A05,
        "Prescription d'actes d'orthophonie",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "PRESC-ORTHOPTIE",
        code_system::TRE_A05,
        "Prescription d'actes d'orthoptie",
        CLASS_PRESCRIPTION,
    ),
    doc_type(
        "CERT_DECL",
        code_system::TRE_A05,
        "Certificat, déclaration",
        CLASS_CERTIFICAT,
    ),
    doc_type(
        "29274-8",
        code_system::LOINC,
        "Mesures de signes vitaux",
        CLASS_SYNTHESE,
    ),
    doc_type(
        "87273-9",
        code_system::LOINC,
        "Note de vaccination",
        CLASS_VACCINATION,
    ),
    doc_type(
        "11369-6",
        code_system::LOINC,
        "Historique des vaccinations",
        CLASS_VACCINATION,
    ),
];

/// Healthcare facility type (J02) of a medical practice.
pub fn facility_cabinet_individuel() -> Code {
    Code::new(
        "SA07",
        &code_system::HEALTHCARE_FACILITY_TYPE,
        "Cabinet individuel",
    )
}

/// Healthcare facility type (J02) of a group practice.
pub fn facility_cabinet_groupe() -> Code {
    Code::new(
        "SA08",
        &code_system::HEALTHCARE_FACILITY_TYPE,
        "Cabinet de groupe",
    )
}

/// Healthcare facility type (J02) of a centre de santé.
pub fn facility_centre_de_sante() -> Code {
    Code::new(
        "SA05",
        &code_system::HEALTHCARE_FACILITY_TYPE,
        "Centre de santé",
    )
}

/// Practice setting (J04) `AMBULATOIRE`.
pub fn practice_setting_ambulatoire() -> Code {
    Code::new("AMBULATOIRE", &code_system::PRACTICE_SETTING, "Ambulatoire")
}

/// Author specialty (J01) "Médecin - Médecine Générale (SM)".
pub fn specialty_general_practitioner() -> Code {
    Code::new(
        "G15_10/SM54",
        &code_system::AUTHOR_SPECIALTY,
        "Médecin - Médecine Générale (SM)",
    )
}

/// XDS formatCode of an N1 PDF (IHE XDS-SD).
pub const FORMAT_CODE_N1_PDF: (&str, &str, Oid) = (
    "urn:ihe:iti:xds-sd:pdf:2008",
    "Document à corps non structuré en Pdf/A-1",
    code_system::IHE_FORMAT_CODE,
);

/// Value sets the native validator checks (codes of each binding).
pub mod value_sets {
    /// J143 administrative gender.
    pub const GENDER: &[&str] = &["F", "M", "UN"];
    /// HL7 confidentiality codes allowed in the CDA.
    pub const CONFIDENTIALITY: &[&str] = &["N", "R", "V"];
    /// J144 participant typeCode.
    pub const PARTICIPATION_TYPE: &[&str] = &["REF", "REFB", "INF", "RESP", "PRF", "CON", "VRF"];
    /// J141 associatedEntity classCode.
    pub const ROLE_CLASS: &[&str] = &["PROV", "AGNT", "ECON", "GUARD", "CAREGIVER", "PRS", "QUAL"];
    /// `informant/relatedEntity/@classCode` allowed by the header schematron
    /// (CI-SISRelatedEntity): emergency contact, trusted person, informant,
    /// caregiver, person cared for.
    pub const INFORMANT_RELATED_CLASS: &[&str] = &["ECON", "NOK", "CON", "CAREGIVER", "PAT"];
    /// J142 encounter codes.
    pub const ENCOUNTER: &[&str] = &["IMP", "EMER", "AMB", "FLD", "HH", "VR", "EXTERNE", "SEANCE"];
    /// `telecom/@use`.
    pub const TELECOM_USE: &[&str] = &[
        "H", "HP", "HV", "WP", "DIR", "PUB", "EC", "MC", "PG", "TMP", "BAD", "AS",
    ];
    /// `addr/@use`.
    pub const ADDR_USE: &[&str] = &[
        "H", "HP", "HV", "WP", "TMP", "DIR", "PUB", "BAD", "PHYS", "PST",
    ];
    /// `telecom/@value` URL schemes.
    pub const TELECOM_SCHEMES: &[&str] = &[
        "tel:", "fax:", "mailto:", "http:", "https:", "ftp:", "mllp:",
    ];
    /// Family-name qualifiers in `patient/name`.
    pub const FAMILY_QUALIFIERS: &[&str] = &["BR", "SP", "CL"];
    /// relatedDocument typeCode.
    pub const RELATED_DOCUMENT: &[&str] = &["RPLC", "XFRM", "APND"];
    /// J04 XdsPracticeSettingCode (`1.2.250.1.213.1.1.5.467`): (code, code system), from
    /// the StrucMin 2023 copy `voc-1.2.250.1.213.1.1.5.467-DYNAMIC.xml`.
    pub const PRACTICE_SETTING: &[(&str, &str)] = &[
        ("EXP_PATIENT", "1.2.250.1.213.1.1.4.6"),
        ("AMBULATOIRE", "1.2.250.1.213.1.1.4.9"),
        ("AMO", "1.2.250.1.213.1.1.4.9"),
        ("DEPISTAGE", "1.2.250.1.213.1.1.4.9"),
        ("ETABLISSEMENT", "1.2.250.1.213.1.1.4.9"),
        ("HAD", "1.2.250.1.213.1.1.4.9"),
        ("MAD", "1.2.250.1.213.1.1.4.9"),
        ("PALLIATIF", "1.2.250.1.213.1.1.4.9"),
        ("SAD", "1.2.250.1.213.1.1.4.9"),
        ("SAMU_SMUR", "1.2.250.1.213.1.1.4.9"),
    ];
    /// J02 XdsHealthcareFacilityTypeCode (`1.2.250.1.213.1.1.5.466`), code system
    /// `1.2.250.1.71.4.2.4` (StrucMin 2023 copy): `EXP_PATIENT`, `SA01`…`SA63` except `SA11`.
    pub fn is_facility_type(code: &str, code_system: &str) -> bool {
        if code_system != "1.2.250.1.71.4.2.4" {
            return false;
        }
        if code == "EXP_PATIENT" {
            return true;
        }
        match code
            .strip_prefix("SA")
            .filter(|n| n.len() == 2)
            .and_then(|n| n.parse::<u8>().ok())
        {
            Some(n) => (1..=63).contains(&n) && n != 11,
            None => false,
        }
    }
    /// TRE civilité (`1.2.250.1.213.1.6.1.69`), allowed in `name/prefix`.
    pub const CIVILITE: &[&str] = &["MME", "MLLE", "M"];
    /// TRE titre (`1.2.250.1.213.1.6.1.11`), allowed in `name/suffix`.
    pub const TITRE: &[&str] = &["PR", "PG", "PC", "MG", "MC", "DR"];
}
