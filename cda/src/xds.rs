//! XDS metadata of CDA documents: the DocumentEntry derived from a header, the
//! SubmissionSet, and their ebRIM 3.0 XML (`lcm:SubmitObjectsRequest`).
//!
//! One implementation for both transports: segur-dmp wraps the XML in an
//! ITI-41 `ProvideAndRegisterDocumentSetRequest`, segur-mss writes it as the
//! `METADATA.XML` of an IHE XDM package (with [`DocumentEntry::uri`]).
//!
//! Derivation from the header (reference `dmp.md` §5–6, `mss.md` §4):
//!
//! | Metadata | From |
//! |---|---|
//! | `uniqueId` | `ClinicalDocument/id` as `root^extension` |
//! | `patientId` | the INS: `matricule^^^&OID&ISO^NH` |
//! | `sourcePatientId` | the first local id (`^PI`), else the INS (`^NH`) |
//! | `sourcePatientInfo` | `PID-5` birth name / given names, `PID-7` birth date, `PID-8` sex |
//! | `typeCode` | `code` |
//! | `classCode` | J06 class of the type ([`crate::vocab::DocumentType`]) or given |
//! | `confidentialityCode` | `confidentialityCode` plus the French codes given (MASQUE_PS…) |
//! | `formatCode` | N1 PDF: `urn:ihe:iti:xds-sd:pdf:2008`; N3: given by the volet |
//! | `healthcareFacilityTypeCode` | `componentOf/…/healthCareFacility/code` |
//! | `practiceSettingCode` | first performer's `representedOrganization/standardIndustryClassCode` |
//! | `author*` | each `author`: XCN person, XON institution, specialty |
//! | `legalAuthenticator` | `legalAuthenticator/assignedEntity` as XCN |
//! | `creationTime`, `serviceStartTime`, `serviceStopTime` | `effectiveTime`, first `serviceEvent/effectiveTime` (UTC) |
//! | `hash`, `size` | SHA-1 (hex) and length of the document bytes |
//! | `title`, `languageCode` | `title`, `languageCode` |
//! | `referenceIdList` | `inFulfillmentOf/order/id`s (`^urn:ihe:iti:xds:2013:order`) |
//! | `eventCodeList` | `serviceEvent/code`s |

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use sha1::Digest as _;

use crate::body::Level;
use crate::datatypes::{Code, Ii, NamePartKind, PersonName};
use crate::document::Document;
use crate::error::XdsError;
use crate::header::{Header, RoleEntity};
use crate::vocab::{self, code_system, id_root};

/// ebRIM / XDS identifiers (IHE ITI TF-3, reference `dmp.md` §6).
pub mod uuid {
    /// Classification node of a SubmissionSet.
    pub const SUBMISSION_SET: &str = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd";
    /// XDSSubmissionSet.author.
    pub const SUBMISSION_SET_AUTHOR: &str = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d";
    /// XDSSubmissionSet.contentTypeCode.
    pub const SUBMISSION_SET_CONTENT_TYPE_CODE: &str =
        "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500";
    /// XDSSubmissionSet.patientId.
    pub const SUBMISSION_SET_PATIENT_ID: &str = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446";
    /// XDSSubmissionSet.sourceId.
    pub const SUBMISSION_SET_SOURCE_ID: &str = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832";
    /// XDSSubmissionSet.uniqueId.
    pub const SUBMISSION_SET_UNIQUE_ID: &str = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8";
    /// objectType of a DocumentEntry (stable).
    pub const DOCUMENT_ENTRY: &str = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1";
    /// XDSDocumentEntry.author.
    pub const DOCUMENT_ENTRY_AUTHOR: &str = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d";
    /// XDSDocumentEntry.classCode.
    pub const DOCUMENT_ENTRY_CLASS_CODE: &str = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
    /// XDSDocumentEntry.confidentialityCode.
    pub const DOCUMENT_ENTRY_CONFIDENTIALITY_CODE: &str =
        "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f";
    /// XDSDocumentEntry.eventCodeList.
    pub const DOCUMENT_ENTRY_EVENT_CODE_LIST: &str =
        "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4";
    /// XDSDocumentEntry.formatCode.
    pub const DOCUMENT_ENTRY_FORMAT_CODE: &str = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d";
    /// XDSDocumentEntry.healthCareFacilityTypeCode.
    pub const DOCUMENT_ENTRY_HEALTHCARE_FACILITY_TYPE_CODE: &str =
        "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1";
    /// XDSDocumentEntry.patientId.
    pub const DOCUMENT_ENTRY_PATIENT_ID: &str = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427";
    /// XDSDocumentEntry.practiceSettingCode.
    pub const DOCUMENT_ENTRY_PRACTICE_SETTING_CODE: &str =
        "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead";
    /// XDSDocumentEntry.typeCode.
    pub const DOCUMENT_ENTRY_TYPE_CODE: &str = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
    /// XDSDocumentEntry.uniqueId.
    pub const DOCUMENT_ENTRY_UNIQUE_ID: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
}

/// ebRIM 3.0 namespaces.
pub mod ns {
    /// `rim:`.
    pub const RIM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
    /// `lcm:`.
    pub const LCM: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";
    /// `rs:`.
    pub const RS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
    /// `query:`.
    pub const QUERY: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0";
}

const OT_CLASSIFICATION: &str =
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification";
const OT_EXTERNAL_ID: &str =
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier";
const OT_PACKAGE: &str =
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage";
const OT_ASSOCIATION: &str =
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association";
/// HasMember association type.
pub const ASSOCIATION_HAS_MEMBER: &str =
    "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember";
/// Replacement association type.
pub const ASSOCIATION_RPLC: &str = "urn:ihe:iti:2007:AssociationType:RPLC";
/// Transformation association type (source: the transformed document, e.g.
/// the N1 rendering; target: the document it was transformed from, the N3).
pub const ASSOCIATION_XFRM: &str = "urn:ihe:iti:2007:AssociationType:XFRM";
/// Digital signature association type (IHE DSG: from the signature document
/// to the submission set it signs).
pub const ASSOCIATION_SIGNS: &str = "urn:ihe:iti:2007:AssociationType:signs";
/// Availability status update (ITI-57: from the submission set to the entry,
/// slots `OriginalStatus` and `NewStatus`).
pub const ASSOCIATION_UPDATE_AVAILABILITY_STATUS: &str =
    "urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus";

/// A coded metadata value (`nodeRepresentation`, `codingScheme` slot, name).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct XdsCode {
    /// The code.
    pub code: String,
    /// The coding scheme (an OID, or e.g. `URN`).
    pub coding_scheme: String,
    /// The display name.
    pub display_name: String,
}

impl XdsCode {
    /// A code.
    pub fn new(code: &str, coding_scheme: &str, display_name: &str) -> Self {
        Self {
            code: code.to_owned(),
            coding_scheme: coding_scheme.to_owned(),
            display_name: display_name.to_owned(),
        }
    }

    fn from_cda(c: &Code) -> Option<Self> {
        Some(Self {
            code: c.code.clone()?,
            coding_scheme: c.code_system.clone()?,
            display_name: c.display_name.clone().unwrap_or_default(),
        })
    }
}

/// One `author` classification: XCN person, XON institutions, roles, specialties.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct XdsAuthor {
    /// `authorPerson` (XCN).
    pub person: Option<String>,
    /// `authorInstitution` (XON).
    pub institutions: Vec<String>,
    /// `authorRole`.
    pub roles: Vec<String>,
    /// `authorSpecialty` (`code^display^&codeSystem&ISO`).
    pub specialties: Vec<String>,
    /// `authorTelecommunication`.
    pub telecoms: Vec<String>,
}

/// An XDS DocumentEntry.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct DocumentEntry {
    /// ebRIM id (`urn:uuid:…` entryUUID, or a symbolic id in a submission).
    pub entry_uuid: String,
    /// `uniqueId` (`root^extension`).
    pub unique_id: String,
    /// `patientId` (CX).
    pub patient_id: String,
    /// `mimeType` (`text/xml` for CDA).
    pub mime_type: String,
    /// `classCode`.
    pub class_code: XdsCode,
    /// `typeCode`.
    pub type_code: XdsCode,
    /// `confidentialityCode`s.
    pub confidentiality_codes: Vec<XdsCode>,
    /// `formatCode`.
    pub format_code: XdsCode,
    /// `healthcareFacilityTypeCode`.
    pub healthcare_facility_type_code: XdsCode,
    /// `practiceSettingCode`.
    pub practice_setting_code: XdsCode,
    /// `eventCodeList`.
    pub event_codes: Vec<XdsCode>,
    /// Authors.
    pub authors: Vec<XdsAuthor>,
    /// `creationTime` (UTC `yyyyMMddHHmmss`).
    pub creation_time: Option<String>,
    /// `serviceStartTime`.
    pub service_start_time: Option<String>,
    /// `serviceStopTime`.
    pub service_stop_time: Option<String>,
    /// `languageCode`.
    pub language_code: Option<String>,
    /// `legalAuthenticator` (XCN).
    pub legal_authenticator: Option<String>,
    /// `sourcePatientId` (CX).
    pub source_patient_id: Option<String>,
    /// `sourcePatientInfo` (`PID-5|…`, `PID-7|…`, `PID-8|…`).
    pub source_patient_info: Vec<String>,
    /// `hash` (SHA-1, lowercase hex).
    pub hash: Option<String>,
    /// `size` in bytes.
    pub size: Option<u64>,
    /// `title` (ebRIM `Name`).
    pub title: Option<String>,
    /// `comments` (ebRIM `Description`).
    pub comments: Option<String>,
    /// `referenceIdList` (CXi).
    pub reference_ids: Vec<String>,
    /// `URI` slot (XDM: path of the document in the package).
    pub uri: Option<String>,
    /// `repositoryUniqueId` (in query results).
    pub repository_unique_id: Option<String>,
    /// `status` (availability, in query results).
    pub status: Option<String>,
    /// `lid`: the logicalId, stable across metadata versions (query results,
    /// ITI-57 metadata updates).
    pub logical_id: Option<String>,
    /// `VersionInfo/@versionName` (query results).
    pub version: Option<String>,
}

/// Choices the header does not carry.
#[derive(Debug, Clone, Default)]
pub struct EntryOptions {
    /// ebRIM id of the entry (default `Document01`).
    pub entry_id: Option<String>,
    /// classCode, when the document type is not in [`vocab::DOCUMENT_TYPES`].
    pub class_code: Option<XdsCode>,
    /// formatCode (required for N3 documents: the volet's format code).
    pub format_code: Option<XdsCode>,
    /// French confidentiality codes added to the CDA one (`MASQUE_PS`,
    /// `INVISIBLE_PATIENT`, `INVISIBLE_REPRESENTANTS_LEGAUX`, scheme `1.2.250.1.213.1.1.4.13`).
    pub extra_confidentiality: Vec<XdsCode>,
    /// Comments (`Description`).
    pub comments: Option<String>,
    /// XDM `URI`.
    pub uri: Option<String>,
}

/// Escapes HL7 v2 delimiters in a component value.
pub fn hl7_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            c => out.push(c),
        }
    }
    out
}

/// `ext^^^&root&ISO^type` (CX).
pub fn cx(ii: &Ii, type_code: &str) -> Option<String> {
    Some(format!(
        "{}^^^&{}&ISO^{}",
        hl7_escape(ii.extension.as_deref()?),
        ii.root.as_deref()?,
        type_code
    ))
}

fn xcn(r: &RoleEntity) -> Option<String> {
    let id = r
        .ids
        .iter()
        .find(|i| i.has_root(&id_root::ID_NAT_PS))
        .or_else(|| r.ids.first())?;
    let name = r.person_names.first().cloned().unwrap_or_default();
    let family = name.family().map(hl7_escape).unwrap_or_default();
    let given = name
        .part(&NamePartKind::Given, None)
        .map(hl7_escape)
        .unwrap_or_default();
    let prefix = name
        .part(&NamePartKind::Prefix, None)
        .map(hl7_escape)
        .unwrap_or_default();
    let id_type = if id.has_root(&id_root::ID_NAT_PS) {
        "IDNPS"
    } else {
        ""
    };
    Some(format!(
        "{}^{family}^{given}^^^{prefix}^^^&{}&ISO^D^^^{id_type}",
        hl7_escape(id.extension.as_deref().unwrap_or("")),
        id.root.as_deref().unwrap_or("")
    ))
}

fn xon(o: &crate::header::Organization) -> Option<String> {
    let name = hl7_escape(o.name.as_deref()?);
    match o.ids.first() {
        Some(id) => Some(format!(
            "{name}^^^^^&{}&ISO^{}^^^{}",
            id.root.as_deref().unwrap_or(""),
            if id.has_root(&id_root::ID_NAT_STRUCT) {
                "IDNST"
            } else {
                ""
            },
            hl7_escape(id.extension.as_deref().unwrap_or(""))
        )),
        None => Some(name),
    }
}

fn pid5(n: &PersonName) -> String {
    let family = n
        .part(&NamePartKind::Family, Some("BR"))
        .or_else(|| n.family())
        .map(hl7_escape)
        .unwrap_or_default();
    let given = n.given().map(hl7_escape).unwrap_or_default();
    format!("PID-5|{family}^{given}^^^^^L")
}

impl DocumentEntry {
    /// Derives the metadata from a document and its bytes (hash and size).
    pub fn from_document(
        doc: &Document,
        bytes: &[u8],
        options: &EntryOptions,
    ) -> Result<Self, XdsError> {
        let h = &doc.header;
        let id = h.id.as_ref().ok_or(XdsError::MissingInHeader("id"))?;
        let unique_id = match (&id.root, &id.extension) {
            (Some(r), Some(e)) => format!("{r}^{e}"),
            (Some(r), None) => r.clone(),
            _ => return Err(XdsError::MissingInHeader("id/@root")),
        };
        let ins = h
            .patient_ins()
            .ok_or(XdsError::MissingInHeader("patient INS"))?;
        let patient_id = cx(ins, "NH").ok_or(XdsError::MissingInHeader("patient INS"))?;
        let pr = h
            .patient_role()
            .ok_or(XdsError::MissingInHeader("recordTarget"))?;
        let source_patient_id = pr
            .ids
            .iter()
            .filter(|i| !vocab::id_root::INS_ROOTS.iter().any(|r| i.has_root(r)))
            .find_map(|i| cx(i, "PI"))
            .or_else(|| Some(patient_id.clone()));
        let mut source_patient_info = Vec::new();
        if let Some(p) = &pr.patient {
            if let Some(n) = p.names.first() {
                source_patient_info.push(pid5(n));
            }
            if let Some(b) = p.birth_time.as_ref().and_then(|b| b.value.clone()) {
                source_patient_info.push(format!("PID-7|{b}"));
            }
            if let Some(g) = p
                .administrative_gender_code
                .as_ref()
                .and_then(|g| g.code.clone())
            {
                source_patient_info.push(format!("PID-8|{g}"));
            }
        }
        let code = h.code.as_ref().ok_or(XdsError::MissingInHeader("code"))?;
        let type_code = XdsCode::from_cda(code)
            .ok_or(XdsError::MissingInHeader("code/@code and @codeSystem"))?;
        let class_code = match &options.class_code {
            Some(c) => c.clone(),
            None => {
                let t = vocab::DocumentType::lookup(&type_code.code, &type_code.coding_scheme)
                    .ok_or(XdsError::MissingInHeader(
                        "a document type with a known classCode (give EntryOptions::class_code)",
                    ))?;
                XdsCode::new(
                    t.class_code.0,
                    code_system::XDS_CLASS_CODE.as_str(),
                    t.class_code.1,
                )
            }
        };
        let mut confidentiality_codes = vec![
            h.confidentiality_code
                .as_ref()
                .and_then(XdsCode::from_cda)
                .ok_or(XdsError::MissingInHeader("confidentialityCode"))?,
        ];
        confidentiality_codes.extend(options.extra_confidentiality.iter().cloned());
        let format_code = match (&options.format_code, doc.level()) {
            (Some(f), _) => f.clone(),
            (None, Level::N1)
                if doc
                    .non_xml_body()
                    .is_some_and(|b| b.media_type() == "application/pdf") =>
            {
                let (c, d, s) = &vocab::FORMAT_CODE_N1_PDF;
                XdsCode::new(c, s.as_str(), d)
            }
            _ => {
                return Err(XdsError::MissingInHeader(
                    "a known formatCode (give EntryOptions::format_code)",
                ));
            }
        };
        let enc = h
            .component_of
            .as_ref()
            .ok_or(XdsError::MissingInHeader("componentOf"))?;
        let healthcare_facility_type_code = enc
            .health_care_facility
            .as_ref()
            .and_then(|f| f.code.as_ref())
            .and_then(XdsCode::from_cda)
            .ok_or(XdsError::MissingInHeader("healthCareFacility/code"))?;
        let first_event = h.documentation_of.first();
        let practice_setting_code = first_event
            .and_then(|s| s.performers.first())
            .and_then(|p| p.assigned_entity.organization.as_ref())
            .and_then(|o| o.standard_industry_class_code.as_ref())
            .and_then(XdsCode::from_cda)
            .ok_or(XdsError::MissingInHeader(
                "performer representedOrganization/standardIndustryClassCode",
            ))?;
        let authors = h
            .authors
            .iter()
            .map(|a| {
                let r = &a.assigned_author;
                XdsAuthor {
                    person: xcn(r),
                    institutions: r.organization.as_ref().and_then(xon).into_iter().collect(),
                    roles: Vec::new(),
                    specialties: r
                        .code
                        .as_ref()
                        .filter(|c| c.code.is_some())
                        .map(|c| {
                            format!(
                                "{}^{}^&{}&ISO",
                                hl7_escape(c.code_str()),
                                hl7_escape(c.display_name.as_deref().unwrap_or("")),
                                c.code_system.as_deref().unwrap_or("")
                            )
                        })
                        .into_iter()
                        .collect(),
                    telecoms: Vec::new(),
                }
            })
            .collect();
        let service = first_event.and_then(|s| s.effective_time.as_ref());
        let mut hasher = sha1::Sha1::new();
        hasher.update(bytes);
        let hash = hasher
            .finalize()
            .iter()
            .fold(String::with_capacity(40), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
        Ok(Self {
            entry_uuid: options
                .entry_id
                .clone()
                .unwrap_or_else(|| "Document01".into()),
            unique_id,
            patient_id,
            mime_type: "text/xml".into(),
            class_code,
            type_code,
            confidentiality_codes,
            format_code,
            healthcare_facility_type_code,
            practice_setting_code,
            event_codes: h
                .documentation_of
                .iter()
                .filter_map(|s| s.code.as_ref().and_then(XdsCode::from_cda))
                .collect(),
            authors,
            creation_time: h.effective_time.as_ref().and_then(|t| t.to_xds_utc()),
            service_start_time: service.and_then(|s| s.start()).and_then(|t| t.to_xds_utc()),
            service_stop_time: service
                .and_then(|s| s.high.as_ref())
                .and_then(|t| t.to_xds_utc()),
            language_code: h.language_code.clone(),
            legal_authenticator: h
                .legal_authenticator
                .as_ref()
                .and_then(|l| xcn(&l.assigned_entity)),
            source_patient_id,
            source_patient_info,
            hash: Some(hash),
            size: Some(bytes.len() as u64),
            title: h.title.clone(),
            comments: options.comments.clone(),
            reference_ids: h
                .in_fulfillment_of
                .iter()
                .flat_map(|o| o.ids.iter())
                .filter_map(|i| cx(i, "urn:ihe:iti:xds:2013:order"))
                .collect(),
            uri: options.uri.clone(),
            repository_unique_id: None,
            status: None,
            logical_id: None,
            version: None,
        })
    }
}

/// An XDS SubmissionSet.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SubmissionSet {
    /// ebRIM id (default `SubmissionSet01`).
    pub entry_uuid: String,
    /// `uniqueId` (an OID).
    pub unique_id: String,
    /// `sourceId` (OID of the sending software / structure).
    pub source_id: String,
    /// `patientId` (CX).
    pub patient_id: String,
    /// `submissionTime` (UTC `yyyyMMddHHmmss`).
    pub submission_time: String,
    /// `contentTypeCode` (J59 for the DMP).
    pub content_type_code: XdsCode,
    /// Authors.
    pub authors: Vec<XdsAuthor>,
    /// `title`.
    pub title: Option<String>,
    /// `comments`.
    pub comments: Option<String>,
}

impl SubmissionSet {
    /// A submission set for documents of one patient, authored like `entry`.
    pub fn for_entry(
        entry: &DocumentEntry,
        unique_id: &segur_ids::Oid,
        source_id: &segur_ids::Oid,
        submission_time: time::OffsetDateTime,
        content_type_code: XdsCode,
    ) -> Self {
        Self {
            entry_uuid: "SubmissionSet01".into(),
            unique_id: unique_id.to_string(),
            source_id: source_id.to_string(),
            patient_id: entry.patient_id.clone(),
            submission_time: crate::datatypes::Ts::from_datetime(submission_time)
                .to_xds_utc()
                .unwrap_or_default(),
            content_type_code,
            authors: entry.authors.clone(),
            title: None,
            comments: None,
        }
    }
}

/// An association other than the generated HasMember and the RPLC ones
/// (XFRM, signs, UpdateAvailabilityStatus…). Its ebRIM id is generated when
/// written.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Association {
    /// `associationType` (e.g. [`ASSOCIATION_XFRM`]).
    pub association_type: String,
    /// `sourceObject`.
    pub source: String,
    /// `targetObject`.
    pub target: String,
    /// Slots `(name, values)`.
    pub slots: Vec<(String, Vec<String>)>,
}

impl Association {
    /// An association without slots.
    pub fn new(association_type: &str, source: &str, target: &str) -> Self {
        Self {
            association_type: association_type.to_owned(),
            source: source.to_owned(),
            target: target.to_owned(),
            slots: Vec::new(),
        }
    }

    /// Adds a single-valued slot.
    pub fn with_slot(mut self, name: &str, value: &str) -> Self {
        self.slots.push((name.to_owned(), vec![value.to_owned()]));
        self
    }

    /// The first value of a slot.
    pub fn slot(&self, name: &str) -> Option<&str> {
        self.slots
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// A whole submission: the set, its entries, and the replacements (RPLC
/// associations: new entry id → replaced entryUUID).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Submission {
    /// The submission set.
    pub submission_set: Option<SubmissionSet>,
    /// The documents.
    pub entries: Vec<DocumentEntry>,
    /// `(new entry id, replaced entryUUID)`.
    pub replacements: Vec<(String, String)>,
    /// Other associations (XFRM, signs, UpdateAvailabilityStatus).
    pub associations: Vec<Association>,
    /// ITI-57 metadata updates: `(entry id, PreviousVersion)`, written as the
    /// `PreviousVersion` slot of the entry's HasMember association.
    pub previous_versions: Vec<(String, String)>,
}

// ---------- writing ----------

struct W {
    out: String,
    next: u32,
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

impl W {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:02}", self.next)
    }

    fn slot(&mut self, name: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let _ = write!(self.out, "<rim:Slot name=\"{}\"><rim:ValueList>", esc(name));
        for v in values {
            let _ = write!(self.out, "<rim:Value>{}</rim:Value>", esc(v));
        }
        self.out.push_str("</rim:ValueList></rim:Slot>");
    }

    fn slot1(&mut self, name: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.slot(name, std::slice::from_ref(v));
        }
    }

    fn localized(&mut self, element: &str, value: &Option<String>) {
        if let Some(v) = value {
            let _ = write!(
                self.out,
                "<rim:{element}><rim:LocalizedString charset=\"UTF8\" xml:lang=\"FR\" value=\"{}\"/></rim:{element}>",
                esc(v)
            );
        }
    }

    fn code(&mut self, scheme: &str, object: &str, c: &XdsCode) {
        let id = self.id("cl");
        let _ = write!(
            self.out,
            "<rim:Classification classificationScheme=\"{scheme}\" classifiedObject=\"{}\" id=\"{id}\" nodeRepresentation=\"{}\" objectType=\"{OT_CLASSIFICATION}\">",
            esc(object),
            esc(&c.code)
        );
        self.slot("codingScheme", std::slice::from_ref(&c.coding_scheme));
        self.localized("Name", &Some(c.display_name.clone()));
        self.out.push_str("</rim:Classification>");
    }

    fn author(&mut self, scheme: &str, object: &str, a: &XdsAuthor) {
        let id = self.id("cl");
        let _ = write!(
            self.out,
            "<rim:Classification classificationScheme=\"{scheme}\" classifiedObject=\"{}\" id=\"{id}\" nodeRepresentation=\"\" objectType=\"{OT_CLASSIFICATION}\">",
            esc(object)
        );
        self.slot(
            "authorPerson",
            &a.person.iter().cloned().collect::<Vec<_>>(),
        );
        self.slot("authorInstitution", &a.institutions);
        self.slot("authorRole", &a.roles);
        self.slot("authorSpecialty", &a.specialties);
        self.slot("authorTelecommunication", &a.telecoms);
        self.out.push_str("</rim:Classification>");
    }

    fn external_id(&mut self, scheme: &str, object: &str, value: &str, name: &str) {
        let id = self.id("ei");
        let _ = write!(
            self.out,
            "<rim:ExternalIdentifier identificationScheme=\"{scheme}\" value=\"{}\" id=\"{id}\" registryObject=\"{}\" objectType=\"{OT_EXTERNAL_ID}\">",
            esc(value),
            esc(object)
        );
        self.localized("Name", &Some(name.to_owned()));
        self.out.push_str("</rim:ExternalIdentifier>");
    }
}

impl Submission {
    /// The ebRIM XML: `lcm:SubmitObjectsRequest` with the entries, the
    /// submission set, its classification, HasMember and RPLC associations.
    pub fn to_ebrim(&self) -> String {
        let mut w = W {
            out: String::new(),
            next: 0,
        };
        let _ = write!(
            w.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lcm:SubmitObjectsRequest xmlns:lcm=\"{}\" xmlns:rim=\"{}\"><rim:RegistryObjectList>",
            ns::LCM,
            ns::RIM
        );
        for e in &self.entries {
            let _ = write!(
                w.out,
                "<rim:ExtrinsicObject id=\"{}\" mimeType=\"{}\" objectType=\"{}\"",
                esc(&e.entry_uuid),
                esc(&e.mime_type),
                uuid::DOCUMENT_ENTRY
            );
            if let Some(s) = &e.status {
                let _ = write!(w.out, " status=\"{}\"", esc(s));
            }
            if let Some(l) = &e.logical_id {
                let _ = write!(w.out, " lid=\"{}\"", esc(l));
            }
            w.out.push('>');
            w.slot1("creationTime", &e.creation_time);
            w.slot1("languageCode", &e.language_code);
            w.slot1("legalAuthenticator", &e.legal_authenticator);
            w.slot1("serviceStartTime", &e.service_start_time);
            w.slot1("serviceStopTime", &e.service_stop_time);
            w.slot1("sourcePatientId", &e.source_patient_id);
            w.slot("sourcePatientInfo", &e.source_patient_info);
            w.slot1("hash", &e.hash);
            w.slot1("size", &e.size.map(|s| s.to_string()));
            w.slot1("URI", &e.uri);
            w.slot1("repositoryUniqueId", &e.repository_unique_id);
            w.slot("urn:ihe:iti:xds:2013:referenceIdList", &e.reference_ids);
            w.localized("Name", &e.title);
            w.localized("Description", &e.comments);
            if let Some(v) = &e.version {
                let _ = write!(w.out, "<rim:VersionInfo versionName=\"{}\"/>", esc(v));
            }
            let id = e.entry_uuid.clone();
            for a in &e.authors {
                w.author(uuid::DOCUMENT_ENTRY_AUTHOR, &id, a);
            }
            w.code(uuid::DOCUMENT_ENTRY_CLASS_CODE, &id, &e.class_code);
            for c in &e.confidentiality_codes {
                w.code(uuid::DOCUMENT_ENTRY_CONFIDENTIALITY_CODE, &id, c);
            }
            for c in &e.event_codes {
                w.code(uuid::DOCUMENT_ENTRY_EVENT_CODE_LIST, &id, c);
            }
            w.code(uuid::DOCUMENT_ENTRY_FORMAT_CODE, &id, &e.format_code);
            w.code(
                uuid::DOCUMENT_ENTRY_HEALTHCARE_FACILITY_TYPE_CODE,
                &id,
                &e.healthcare_facility_type_code,
            );
            w.code(
                uuid::DOCUMENT_ENTRY_PRACTICE_SETTING_CODE,
                &id,
                &e.practice_setting_code,
            );
            w.code(uuid::DOCUMENT_ENTRY_TYPE_CODE, &id, &e.type_code);
            w.external_id(
                uuid::DOCUMENT_ENTRY_PATIENT_ID,
                &id,
                &e.patient_id,
                "XDSDocumentEntry.patientId",
            );
            w.external_id(
                uuid::DOCUMENT_ENTRY_UNIQUE_ID,
                &id,
                &e.unique_id,
                "XDSDocumentEntry.uniqueId",
            );
            w.out.push_str("</rim:ExtrinsicObject>");
        }
        if let Some(s) = &self.submission_set {
            let id = s.entry_uuid.clone();
            let _ = write!(
                w.out,
                "<rim:RegistryPackage id=\"{}\" objectType=\"{OT_PACKAGE}\">",
                esc(&id)
            );
            w.slot("submissionTime", std::slice::from_ref(&s.submission_time));
            w.localized("Name", &s.title);
            w.localized("Description", &s.comments);
            for a in &s.authors {
                w.author(uuid::SUBMISSION_SET_AUTHOR, &id, a);
            }
            w.code(
                uuid::SUBMISSION_SET_CONTENT_TYPE_CODE,
                &id,
                &s.content_type_code,
            );
            w.external_id(
                uuid::SUBMISSION_SET_UNIQUE_ID,
                &id,
                &s.unique_id,
                "XDSSubmissionSet.uniqueId",
            );
            w.external_id(
                uuid::SUBMISSION_SET_SOURCE_ID,
                &id,
                &s.source_id,
                "XDSSubmissionSet.sourceId",
            );
            w.external_id(
                uuid::SUBMISSION_SET_PATIENT_ID,
                &id,
                &s.patient_id,
                "XDSSubmissionSet.patientId",
            );
            w.out.push_str("</rim:RegistryPackage>");
            let cl = w.id("cl");
            let _ = write!(
                w.out,
                "<rim:Classification classificationNode=\"{}\" classifiedObject=\"{}\" id=\"{cl}\" objectType=\"{OT_CLASSIFICATION}\"/>",
                uuid::SUBMISSION_SET,
                esc(&id)
            );
            for e in &self.entries {
                let a = w.id("as");
                let _ = write!(
                    w.out,
                    "<rim:Association associationType=\"{ASSOCIATION_HAS_MEMBER}\" sourceObject=\"{}\" targetObject=\"{}\" id=\"{a}\" objectType=\"{OT_ASSOCIATION}\">",
                    esc(&id),
                    esc(&e.entry_uuid)
                );
                w.slot("SubmissionSetStatus", &["Original".to_owned()]);
                let previous: Vec<String> = self
                    .previous_versions
                    .iter()
                    .filter(|(entry, _)| *entry == e.entry_uuid)
                    .map(|(_, v)| v.clone())
                    .collect();
                w.slot("PreviousVersion", &previous);
                w.out.push_str("</rim:Association>");
            }
        }
        for (new, old) in &self.replacements {
            let a = w.id("as");
            let _ = write!(
                w.out,
                "<rim:Association associationType=\"{ASSOCIATION_RPLC}\" sourceObject=\"{}\" targetObject=\"{}\" id=\"{a}\" objectType=\"{OT_ASSOCIATION}\"/>",
                esc(new),
                esc(old)
            );
        }
        for assoc in &self.associations {
            let a = w.id("as");
            let _ = write!(
                w.out,
                "<rim:Association associationType=\"{}\" sourceObject=\"{}\" targetObject=\"{}\" id=\"{a}\" objectType=\"{OT_ASSOCIATION}\">",
                esc(&assoc.association_type),
                esc(&assoc.source),
                esc(&assoc.target)
            );
            for (name, values) in &assoc.slots {
                w.slot(name, values);
            }
            w.out.push_str("</rim:Association>");
        }
        w.out
            .push_str("</rim:RegistryObjectList></lcm:SubmitObjectsRequest>\n");
        w.out
    }

    /// Reads ebRIM XML: a `SubmitObjectsRequest`, a query response or any
    /// element containing `rim:ExtrinsicObject` / `rim:RegistryPackage` /
    /// `rim:Association` (matched by namespace).
    pub fn from_ebrim(xml: &[u8]) -> Result<Self, XdsError> {
        parse_ebrim(xml)
    }
}

// ---------- reading ----------

#[derive(Default)]
struct Obj {
    attrs: BTreeMap<String, String>,
    slots: Vec<(String, Vec<String>)>,
    name: Option<String>,
    description: Option<String>,
    classifications: Vec<Obj>,
    external_ids: Vec<Obj>,
    version: Option<String>,
}

impl Obj {
    fn slot(&self, name: &str) -> Vec<String> {
        self.slots
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }

    fn slot1(&self, name: &str) -> Option<String> {
        self.slot(name).into_iter().next()
    }

    fn attr(&self, name: &str) -> Option<String> {
        self.attrs.get(name).cloned()
    }

    fn codes(&self, scheme: &str) -> Vec<XdsCode> {
        self.classifications
            .iter()
            .filter(|c| c.attr("classificationScheme").as_deref() == Some(scheme))
            .map(|c| XdsCode {
                code: c.attr("nodeRepresentation").unwrap_or_default(),
                coding_scheme: c.slot1("codingScheme").unwrap_or_default(),
                display_name: c.name.clone().unwrap_or_default(),
            })
            .collect()
    }

    fn code(&self, scheme: &str) -> XdsCode {
        self.codes(scheme).into_iter().next().unwrap_or_default()
    }

    fn authors(&self, scheme: &str) -> Vec<XdsAuthor> {
        self.classifications
            .iter()
            .filter(|c| c.attr("classificationScheme").as_deref() == Some(scheme))
            .map(|c| XdsAuthor {
                person: c.slot1("authorPerson"),
                institutions: c.slot("authorInstitution"),
                roles: c.slot("authorRole"),
                specialties: c.slot("authorSpecialty"),
                telecoms: c.slot("authorTelecommunication"),
            })
            .collect()
    }

    fn external(&self, scheme: &str) -> Option<String> {
        self.external_ids
            .iter()
            .find(|e| e.attr("identificationScheme").as_deref() == Some(scheme))
            .and_then(|e| e.attr("value"))
    }
}

fn attrs_of(e: &BytesStart<'_>) -> Result<BTreeMap<String, String>, XdsError> {
    let mut m = BTreeMap::new();
    for a in e.attributes().with_checks(true) {
        let a = a.map_err(|err| XdsError::Ebrim(err.to_string()))?;
        let k = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let v = a
            .unescape_value()
            .map_err(|err| XdsError::Ebrim(err.to_string()))?;
        m.insert(k, v.into_owned());
    }
    Ok(m)
}

/// State of the ebRIM reader.
#[derive(Default)]
struct Reader {
    /// Objects being read (ExtrinsicObject / RegistryPackage / Classification
    /// / ExternalIdentifier) with their element names.
    stack: Vec<(String, Obj)>,
    slot: Option<(String, Vec<String>)>,
    in_value: bool,
    localized_target: Option<&'static str>,
    value_text: String,
    out: Submission,
}

impl Reader {
    fn open(&mut self, e: &BytesStart<'_>) -> Result<String, XdsError> {
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let attrs = attrs_of(e)?;
        match local.as_str() {
            "ExtrinsicObject" | "RegistryPackage" | "Classification" | "ExternalIdentifier"
            | "Association" => {
                self.stack.push((
                    local.clone(),
                    Obj {
                        attrs,
                        ..Obj::default()
                    },
                ));
            }
            "VersionInfo" => {
                if let Some((_, o)) = self.stack.last_mut() {
                    o.version = attrs.get("versionName").cloned();
                }
            }
            "Slot" => {
                self.slot = Some((attrs.get("name").cloned().unwrap_or_default(), Vec::new()))
            }
            "Value" => {
                self.in_value = true;
                self.value_text.clear();
            }
            "Name" => self.localized_target = Some("name"),
            "Description" => self.localized_target = Some("description"),
            "LocalizedString" => {
                if let (Some(t), Some((_, o))) = (self.localized_target, self.stack.last_mut()) {
                    let v = attrs.get("value").cloned();
                    if t == "name" {
                        o.name = v;
                    } else {
                        o.description = v;
                    }
                }
            }
            _ => {}
        }
        Ok(local)
    }

    fn close(&mut self, local: &str) -> Result<(), XdsError> {
        match local {
            "Value" => {
                if let Some((_, vals)) = self.slot.as_mut() {
                    vals.push(std::mem::take(&mut self.value_text));
                }
                self.in_value = false;
            }
            "Slot" => {
                if let (Some(s), Some((_, o))) = (self.slot.take(), self.stack.last_mut()) {
                    o.slots.push(s);
                }
            }
            "Name" | "Description" => self.localized_target = None,
            "Classification" | "ExternalIdentifier" | "ExtrinsicObject" | "RegistryPackage"
            | "Association" => {
                let Some((name, obj)) = self.stack.pop() else {
                    return Err(XdsError::Ebrim(format!("unexpected end of {local}")));
                };
                match (name.as_str(), self.stack.last_mut()) {
                    ("Classification", Some((_, parent))) => parent.classifications.push(obj),
                    ("ExternalIdentifier", Some((_, parent))) => parent.external_ids.push(obj),
                    // The submission set's own top-level classification: nothing to keep.
                    ("Classification", None) | ("ExternalIdentifier", None) => {}
                    ("ExtrinsicObject", _) => self.out.entries.push(entry_of(&obj)),
                    ("RegistryPackage", _) => self.out.submission_set = Some(set_of(&obj)),
                    ("Association", _) => self.association(obj),
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Reader {
    fn association(&mut self, obj: Obj) {
        let get = |k: &str| obj.attr(k).unwrap_or_default();
        let kind = get("associationType");
        let (source, target) = (get("sourceObject"), get("targetObject"));
        if kind == ASSOCIATION_RPLC {
            self.out.replacements.push((source, target));
        } else if kind == ASSOCIATION_HAS_MEMBER {
            // Generated from the entries when written; only the ITI-57
            // PreviousVersion slot carries information.
            if let Some(v) = obj.slot1("PreviousVersion") {
                self.out.previous_versions.push((target, v));
            }
        } else {
            self.out.associations.push(Association {
                association_type: kind,
                source,
                target,
                slots: obj.slots,
            });
        }
    }
}

fn parse_ebrim(xml: &[u8]) -> Result<Submission, XdsError> {
    let mut r = NsReader::from_reader(xml);
    r.config_mut().check_end_names = true;
    let mut st = Reader::default();
    let mut depth = 0usize;
    let mut saw_root = false;
    loop {
        let (ns, ev) = match r.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                return Err(XdsError::Ebrim(format!(
                    "{e} at byte {}",
                    r.error_position()
                )));
            }
        };
        let rim = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == ns::RIM.as_bytes());
        match ev {
            Event::Start(e) => {
                saw_root = true;
                depth += 1;
                if rim {
                    st.open(&e)?;
                }
            }
            Event::Empty(e) => {
                saw_root = true;
                if rim {
                    let local = st.open(&e)?;
                    st.close(&local)?;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if rim {
                    st.close(&String::from_utf8_lossy(e.local_name().as_ref()))?;
                }
            }
            Event::Text(t) if st.in_value => {
                st.value_text
                    .push_str(&t.decode().map_err(|e| XdsError::Ebrim(e.to_string()))?);
            }
            Event::CData(t) if st.in_value => {
                st.value_text
                    .push_str(&t.decode().map_err(|e| XdsError::Ebrim(e.to_string()))?);
            }
            Event::GeneralRef(g) if st.in_value => {
                let name = g.decode().map_err(|e| XdsError::Ebrim(e.to_string()))?;
                let c = match (g.resolve_char_ref(), name.as_ref()) {
                    (Ok(Some(c)), _) => c,
                    (_, "amp") => '&',
                    (_, "lt") => '<',
                    (_, "gt") => '>',
                    (_, "quot") => '"',
                    (_, "apos") => '\'',
                    (_, other) => {
                        return Err(XdsError::Ebrim(format!("entity &{other}; not allowed")));
                    }
                };
                st.value_text.push(c);
            }
            Event::GeneralRef(g) => {
                let name = g.decode().map_err(|e| XdsError::Ebrim(e.to_string()))?;
                if !g.is_char_ref()
                    && !matches!(name.as_ref(), "amp" | "lt" | "gt" | "quot" | "apos")
                {
                    return Err(XdsError::Ebrim(format!("entity &{name}; not allowed")));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || depth != 0 || !st.stack.is_empty() {
        return Err(XdsError::Ebrim("truncated or empty ebRIM XML".into()));
    }
    Ok(st.out)
}

fn entry_of(o: &Obj) -> DocumentEntry {
    DocumentEntry {
        entry_uuid: o.attr("id").unwrap_or_default(),
        unique_id: o
            .external(uuid::DOCUMENT_ENTRY_UNIQUE_ID)
            .unwrap_or_default(),
        patient_id: o
            .external(uuid::DOCUMENT_ENTRY_PATIENT_ID)
            .unwrap_or_default(),
        mime_type: o.attr("mimeType").unwrap_or_default(),
        class_code: o.code(uuid::DOCUMENT_ENTRY_CLASS_CODE),
        type_code: o.code(uuid::DOCUMENT_ENTRY_TYPE_CODE),
        confidentiality_codes: o.codes(uuid::DOCUMENT_ENTRY_CONFIDENTIALITY_CODE),
        format_code: o.code(uuid::DOCUMENT_ENTRY_FORMAT_CODE),
        healthcare_facility_type_code: o.code(uuid::DOCUMENT_ENTRY_HEALTHCARE_FACILITY_TYPE_CODE),
        practice_setting_code: o.code(uuid::DOCUMENT_ENTRY_PRACTICE_SETTING_CODE),
        event_codes: o.codes(uuid::DOCUMENT_ENTRY_EVENT_CODE_LIST),
        authors: o.authors(uuid::DOCUMENT_ENTRY_AUTHOR),
        creation_time: o.slot1("creationTime"),
        service_start_time: o.slot1("serviceStartTime"),
        service_stop_time: o.slot1("serviceStopTime"),
        language_code: o.slot1("languageCode"),
        legal_authenticator: o.slot1("legalAuthenticator"),
        source_patient_id: o.slot1("sourcePatientId"),
        source_patient_info: o.slot("sourcePatientInfo"),
        hash: o.slot1("hash"),
        size: o.slot1("size").and_then(|s| s.trim().parse().ok()),
        title: o.name.clone(),
        comments: o.description.clone(),
        reference_ids: o.slot("urn:ihe:iti:xds:2013:referenceIdList"),
        uri: o.slot1("URI"),
        repository_unique_id: o.slot1("repositoryUniqueId"),
        status: o.attr("status"),
        logical_id: o.attr("lid"),
        version: o.version.clone(),
    }
}

fn set_of(o: &Obj) -> SubmissionSet {
    SubmissionSet {
        entry_uuid: o.attr("id").unwrap_or_default(),
        unique_id: o
            .external(uuid::SUBMISSION_SET_UNIQUE_ID)
            .unwrap_or_default(),
        source_id: o
            .external(uuid::SUBMISSION_SET_SOURCE_ID)
            .unwrap_or_default(),
        patient_id: o
            .external(uuid::SUBMISSION_SET_PATIENT_ID)
            .unwrap_or_default(),
        submission_time: o.slot1("submissionTime").unwrap_or_default(),
        content_type_code: o.code(uuid::SUBMISSION_SET_CONTENT_TYPE_CODE),
        authors: o.authors(uuid::SUBMISSION_SET_AUTHOR),
        title: o.name.clone(),
        comments: o.description.clone(),
    }
}

/// The header facts an XDS consumer needs, for checks on reception: whether
/// the metadata agree with the CDA (uniqueId, patientId, typeCode).
pub fn check_against(entry: &DocumentEntry, header: &Header) -> Vec<&'static str> {
    let mut diffs = Vec::new();
    let unique = header.id.as_ref().map(|i| match (&i.root, &i.extension) {
        (Some(r), Some(e)) => format!("{r}^{e}"),
        (Some(r), None) => r.clone(),
        _ => String::new(),
    });
    if unique.as_deref() != Some(entry.unique_id.as_str()) {
        diffs.push("uniqueId");
    }
    if header.patient_ins().and_then(|i| cx(i, "NH")).as_deref() != Some(entry.patient_id.as_str())
    {
        diffs.push("patientId");
    }
    if header.code.as_ref().and_then(|c| c.code.as_deref()) != Some(entry.type_code.code.as_str()) {
        diffs.push("typeCode");
    }
    diffs
}
