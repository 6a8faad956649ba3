//! The CI-SIS "Structuration minimale" header model (reference §1).
//!
//! Every element keeps what the document says (see [`crate::datatypes`]): the
//! same types describe a header the [builder](crate::builder) produced and a
//! header the [parser](crate::parse) read from any CDA R2 document. Elements
//! are in schema order. Elements the model does not cover (`dataEnterer`,
//! `informant`, extension elements) are skipped by the parser.

use serde::Serialize;

use crate::datatypes::{Addr, Code, Ii, IvlTs, PersonName, Telecom, Ts};
use crate::vocab;

/// The `ClinicalDocument` header.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Header {
    /// `realmCode/@code` values.
    pub realm_codes: Vec<String>,
    /// `typeId`.
    pub type_id: Option<Ii>,
    /// `templateId`s, in order.
    pub template_ids: Vec<Ii>,
    /// `id`: unique id of this version of the document.
    pub id: Option<Ii>,
    /// `code`: document type (J07).
    pub code: Option<Code>,
    /// `title`.
    pub title: Option<String>,
    /// `effectiveTime`: creation date of the document.
    pub effective_time: Option<Ts>,
    /// `confidentialityCode`.
    pub confidentiality_code: Option<Code>,
    /// `languageCode/@code`.
    pub language_code: Option<String>,
    /// `setId`: common to all versions.
    pub set_id: Option<Ii>,
    /// `versionNumber/@value` as written.
    pub version_number: Option<String>,
    /// `recordTarget` (CI-SIS: exactly one).
    pub record_targets: Vec<RecordTarget>,
    /// `author`s.
    pub authors: Vec<Author>,
    /// `informant`s (e.g. the mother in child-health certificates).
    pub informants: Vec<Informant>,
    /// `custodian`.
    pub custodian: Option<Custodian>,
    /// `informationRecipient`s.
    pub information_recipients: Vec<InformationRecipient>,
    /// `legalAuthenticator`.
    pub legal_authenticator: Option<Authenticator>,
    /// `authenticator`s.
    pub authenticators: Vec<Authenticator>,
    /// `participant`s.
    pub participants: Vec<Participant>,
    /// `inFulfillmentOf`: orders this document fulfils.
    pub in_fulfillment_of: Vec<Order>,
    /// `documentationOf/serviceEvent`s.
    pub documentation_of: Vec<ServiceEvent>,
    /// `relatedDocument`s.
    pub related_documents: Vec<RelatedDocument>,
    /// `authorization/consent`s.
    pub authorizations: Vec<Consent>,
    /// `componentOf/encompassingEncounter`.
    pub component_of: Option<EncompassingEncounter>,
    /// Single-valued header elements that a parsed document repeats (the model
    /// keeps the last one; the validator reports them). Never written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repeated_elements: Vec<String>,
}

impl Header {
    /// The version number as an integer.
    pub fn version(&self) -> Option<u32> {
        self.version_number
            .as_deref()
            .and_then(|v| v.trim().parse().ok())
    }

    /// The patient role of the first record target.
    pub fn patient_role(&self) -> Option<&PatientRole> {
        self.record_targets.first().map(|r| &r.patient_role)
    }

    /// The patient's INS identifier (`id` under one of the four INS roots), if any.
    pub fn patient_ins(&self) -> Option<&Ii> {
        self.patient_role()?.ids.iter().find(|id| {
            vocab::id_root::INS_ROOTS
                .iter()
                .any(|root| id.has_root(root))
        })
    }

    /// Whether a templateId with this root is declared.
    pub fn has_template(&self, root: &segur_ids::Oid) -> bool {
        self.template_ids.iter().any(|t| t.has_root(root))
    }

    /// The parent document replaced by this one (RPLC), if any.
    pub fn replaces(&self) -> Option<&Ii> {
        self.related_documents
            .iter()
            .find(|r| r.type_code.as_deref() == Some("RPLC"))
            .and_then(|r| r.parent_ids.first())
    }

    /// The source document this one was transformed from (XFRM), if any.
    pub fn transformed_from(&self) -> Option<&Ii> {
        self.related_documents
            .iter()
            .find(|r| r.type_code.as_deref() == Some("XFRM"))
            .and_then(|r| r.parent_ids.first())
    }

    /// The date of the main act: `documentationOf[1]/serviceEvent/effectiveTime`
    /// start, else the document's `effectiveTime`.
    pub fn act_time(&self) -> Option<&Ts> {
        self.documentation_of
            .first()
            .and_then(|s| s.effective_time.as_ref())
            .and_then(IvlTs::start)
            .or(self.effective_time.as_ref())
    }
}

/// `recordTarget`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RecordTarget {
    /// `patientRole`.
    pub patient_role: PatientRole,
}

/// `recordTarget/patientRole`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PatientRole {
    /// `id`s: INS (only when the identity is qualified) and local ids (IPP).
    pub ids: Vec<Ii>,
    /// `addr`s.
    pub addrs: Vec<Addr>,
    /// `telecom`s.
    pub telecoms: Vec<Telecom>,
    /// `patient`.
    pub patient: Option<Patient>,
}

/// `patientRole/patient`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Patient {
    /// `name`s (BR/SP/CL qualifiers on parts).
    pub names: Vec<PersonName>,
    /// `administrativeGenderCode`.
    pub administrative_gender_code: Option<Code>,
    /// `birthTime`.
    pub birth_time: Option<Ts>,
    /// `guardian`s.
    pub guardians: Vec<Guardian>,
    /// `birthplace/place/addr` (COG code in `county`).
    pub birthplace: Option<Addr>,
}

impl Patient {
    /// Birth family name (`family[@qualifier='BR']`).
    pub fn birth_name(&self) -> Option<&str> {
        self.names
            .iter()
            .find_map(|n| n.part(&crate::datatypes::NamePartKind::Family, Some("BR")))
    }

    /// The birth given names (`given` without qualifier).
    pub fn given_names(&self) -> Option<&str> {
        self.names
            .iter()
            .find_map(|n| n.part(&crate::datatypes::NamePartKind::Given, None))
    }

    /// First birth given name (`given[@qualifier='BR']`).
    pub fn first_given_name(&self) -> Option<&str> {
        self.names
            .iter()
            .find_map(|n| n.part(&crate::datatypes::NamePartKind::Given, Some("BR")))
    }
}

/// `patient/guardian`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Guardian {
    /// `code` (relationship).
    pub code: Option<Code>,
    /// `addr`s.
    pub addrs: Vec<Addr>,
    /// `telecom`s.
    pub telecoms: Vec<Telecom>,
    /// `guardianPerson/name`s.
    pub person_names: Vec<PersonName>,
    /// `guardianOrganization`.
    pub organization: Option<Organization>,
}

/// An organisation (`representedOrganization`, `scopingOrganization`…).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Organization {
    /// `id`s (idNat_Struct under `1.2.250.1.71.4.2.2`).
    pub ids: Vec<Ii>,
    /// `name`.
    pub name: Option<String>,
    /// `telecom`s.
    pub telecoms: Vec<Telecom>,
    /// `addr`s.
    pub addrs: Vec<Addr>,
    /// `standardIndustryClassCode` (J04 practice setting).
    pub standard_industry_class_code: Option<Code>,
}

/// A person playing a role (`assignedAuthor`, `assignedEntity`, `associatedEntity`,
/// `intendedRecipient`): ids, code, contact, person name, organisation.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RoleEntity {
    /// `@classCode` (participants: PROV, AGNT…).
    pub class_code: Option<String>,
    /// `id`s (`8` + RPPS under `1.2.250.1.71.4.2.1`).
    pub ids: Vec<Ii>,
    /// `code` (J01 profession / specialty).
    pub code: Option<Code>,
    /// `addr`s.
    pub addrs: Vec<Addr>,
    /// `telecom`s.
    pub telecoms: Vec<Telecom>,
    /// Names of the person (`assignedPerson`, `associatedPerson`, `informationRecipient`).
    pub person_names: Vec<PersonName>,
    /// Whether the person element is present (even without a name).
    pub has_person: bool,
    /// `assignedAuthoringDevice` (authors only).
    pub device: Option<AuthoringDevice>,
    /// `representedOrganization` / `scopingOrganization` / `receivedOrganization`.
    pub organization: Option<Organization>,
}

impl RoleEntity {
    /// The first person name, for display.
    pub fn display_name(&self) -> String {
        if let Some(n) = self.person_names.first() {
            return n.display();
        }
        if let Some(d) = &self.device {
            return format!(
                "{} {}",
                d.manufacturer_model_name.as_deref().unwrap_or(""),
                d.software_name.as_deref().unwrap_or("")
            )
            .trim()
            .to_owned();
        }
        self.organization
            .as_ref()
            .and_then(|o| o.name.clone())
            .unwrap_or_default()
    }
}

/// `assignedAuthoringDevice`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AuthoringDevice {
    /// `manufacturerModelName`.
    pub manufacturer_model_name: Option<String>,
    /// `softwareName`.
    pub software_name: Option<String>,
}

/// `author`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Author {
    /// `functionCode` (J47).
    pub function_code: Option<Code>,
    /// `time`.
    pub time: Option<Ts>,
    /// `assignedAuthor`.
    pub assigned_author: RoleEntity,
}

/// `informant`: a professional (`assignedEntity`) or a relative
/// (`relatedEntity` with a J11 relationship `code` and `relatedPerson`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Informant {
    /// `assignedEntity`.
    pub assigned_entity: Option<RoleEntity>,
    /// `relatedEntity` (`@classCode`, `code`, `addr`, `telecom`, `relatedPerson/name`).
    pub related_entity: Option<RoleEntity>,
}

/// `custodian/assignedCustodian/representedCustodianOrganization`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Custodian {
    /// The organisation.
    pub organization: Organization,
}

/// `informationRecipient`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct InformationRecipient {
    /// `@typeCode` (PRCP, TRC).
    pub type_code: Option<String>,
    /// `intendedRecipient`.
    pub intended_recipient: RoleEntity,
}

/// `legalAuthenticator` or `authenticator`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Authenticator {
    /// `time`.
    pub time: Option<Ts>,
    /// `signatureCode/@code` (`S`).
    pub signature_code: Option<String>,
    /// `assignedEntity`.
    pub assigned_entity: RoleEntity,
}

/// `participant`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Participant {
    /// `@typeCode` (J144).
    pub type_code: Option<String>,
    /// `functionCode` (J47).
    pub function_code: Option<Code>,
    /// `time` (IVL_TS).
    pub time: Option<IvlTs>,
    /// `associatedEntity` (`@classCode` from J141).
    pub associated_entity: RoleEntity,
}

/// `inFulfillmentOf/order`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Order {
    /// `order/id`s (`@root` required).
    pub ids: Vec<Ii>,
    /// `order/code`.
    pub code: Option<Code>,
}

/// `documentationOf/serviceEvent`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ServiceEvent {
    /// `@classCode`.
    pub class_code: Option<String>,
    /// `id`s.
    pub ids: Vec<Ii>,
    /// `code` (act, e.g. CCAM or LOINC).
    pub code: Option<Code>,
    /// `effectiveTime`.
    pub effective_time: Option<IvlTs>,
    /// `performer`s.
    pub performers: Vec<Performer>,
}

/// `serviceEvent/performer`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Performer {
    /// `@typeCode` (`PRF`).
    pub type_code: Option<String>,
    /// `functionCode`.
    pub function_code: Option<Code>,
    /// `time`.
    pub time: Option<IvlTs>,
    /// `assignedEntity` (its organisation carries the J04 practice setting).
    pub assigned_entity: RoleEntity,
}

/// `relatedDocument`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RelatedDocument {
    /// `@typeCode`: RPLC, XFRM (APND is not used by the CI-SIS).
    pub type_code: Option<String>,
    /// `parentDocument/id`s.
    pub parent_ids: Vec<Ii>,
    /// `parentDocument/setId`.
    pub parent_set_id: Option<Ii>,
    /// `parentDocument/versionNumber/@value`.
    pub parent_version_number: Option<String>,
}

/// `authorization/consent`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Consent {
    /// `id`s.
    pub ids: Vec<Ii>,
    /// `code`.
    pub code: Option<Code>,
    /// `statusCode/@code`.
    pub status_code: Option<String>,
}

/// `componentOf/encompassingEncounter`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EncompassingEncounter {
    /// `id`s.
    pub ids: Vec<Ii>,
    /// `code` (J142).
    pub code: Option<Code>,
    /// `effectiveTime`.
    pub effective_time: Option<IvlTs>,
    /// `responsibleParty/assignedEntity`.
    pub responsible_party: Option<RoleEntity>,
    /// `encounterParticipant`s.
    pub encounter_participants: Vec<EncounterParticipant>,
    /// `location/healthCareFacility`.
    pub health_care_facility: Option<HealthCareFacility>,
}

/// `encompassingEncounter/encounterParticipant`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EncounterParticipant {
    /// `@typeCode` (J140).
    pub type_code: Option<String>,
    /// `time`.
    pub time: Option<IvlTs>,
    /// `assignedEntity`.
    pub assigned_entity: RoleEntity,
}

/// `location/healthCareFacility`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct HealthCareFacility {
    /// `id`s.
    pub ids: Vec<Ii>,
    /// `code` (J02 facility type).
    pub code: Option<Code>,
    /// `location/name`.
    pub location_name: Option<String>,
    /// `location/addr`.
    pub location_addr: Option<Addr>,
    /// `serviceProviderOrganization`.
    pub service_provider_organization: Option<Organization>,
}
