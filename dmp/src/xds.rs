//! The XDS.b envelopes of the DMP transactions that do not carry document
//! metadata: ITI-18 stored-query requests (TD3.1), ITI-43 retrieve requests
//! and responses (TD3.2), and the `rs:RegistryResponse` status with its
//! error list (every XDS transaction). The ebRIM metadata of documents is
//! segur-cda's (one implementation in the workspace).

use segur_cda::xds::DocumentEntry;
use time::OffsetDateTime;

use crate::error::{Error, ProtocolError};
use crate::mtom::{Part, XOP_NS};
use crate::soap::Received;
use crate::xml::Element;

/// `urn:ihe:iti:xds-b:2007`
pub const XDSB_NS: &str = "urn:ihe:iti:xds-b:2007";
/// ebRIM 3.0
pub const RIM_NS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
/// ebRS 3.0
pub const RS_NS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
/// ebXML query 3.0
pub const QUERY_NS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0";
/// ebXML life-cycle management 3.0
pub const LCM_NS: &str = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";

/// ITI-18 action.
pub const ITI18_ACTION: &str = "urn:ihe:iti:2007:RegistryStoredQuery";
/// ITI-43 action.
pub const ITI43_ACTION: &str = "urn:ihe:iti:2007:RetrieveDocumentSet";
/// ITI-41 action.
pub const ITI41_ACTION: &str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b";
/// ITI-57 action.
pub const ITI57_ACTION: &str = "urn:ihe:iti:2010:UpdateDocumentSet";

/// `…ResponseStatusType:Success`
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success";
/// `…ResponseStatusType:Failure`
pub const STATUS_FAILURE: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure";
/// `…ResponseStatusType:PartialSuccess`
pub const STATUS_PARTIAL: &str = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess";

/// Stored query ids (reference §5, TD3.1).
pub mod stored_query {
    /// FindDocuments.
    pub const FIND_DOCUMENTS: &str = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
    /// FindDocumentsByReferenceId.
    pub const FIND_DOCUMENTS_BY_REFERENCE_ID: &str =
        "urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492";
    /// GetDocuments.
    pub const GET_DOCUMENTS: &str = "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4";
    /// FindSubmissionSets.
    pub const FIND_SUBMISSION_SETS: &str = "urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9";
}

/// Availability status of a document entry (reference §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Availability {
    /// Current.
    Approved,
    /// Replaced by a newer version.
    Deprecated,
    /// Archived (still current).
    Archived,
    /// Logically deleted.
    Deleted,
}

impl Availability {
    /// The status URN.
    pub fn as_urn(self) -> &'static str {
        match self {
            Self::Approved => availability::APPROVED,
            Self::Deprecated => availability::DEPRECATED,
            Self::Archived => availability::ARCHIVED,
            Self::Deleted => availability::DELETED,
        }
    }

    /// Reads a status URN.
    pub fn from_urn(s: &str) -> Option<Self> {
        Some(match s {
            availability::APPROVED => Self::Approved,
            availability::DEPRECATED => Self::Deprecated,
            availability::ARCHIVED => Self::Archived,
            availability::DELETED => Self::Deleted,
            _ => return None,
        })
    }
}

/// Availability statuses (reference §4).
pub mod availability {
    /// Current.
    pub const APPROVED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";
    /// Replaced by a newer version.
    pub const DEPRECATED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated";
    /// Archived (still current).
    pub const ARCHIVED: &str = "urn:asip:ci-sis:2010:StatusType:Archived";
    /// Logically deleted.
    pub const DELETED: &str = "urn:asip:ci-sis:2010:StatusType:Deleted";
}

/// IHE registry error codes this crate reacts to.
pub mod error_codes {
    /// The uniqueId is already in the registry (exactly-once handling).
    pub const DUPLICATE_UNIQUE_ID: &str = "XDSDuplicateUniqueIdInRegistry";
    /// Same uniqueId, different content.
    pub const NON_IDENTICAL_HASH: &str = "XDSNonIdenticalHash";
    /// Generic registry error.
    pub const REGISTRY_ERROR: &str = "XDSRegistryError";
    /// Unknown patient.
    pub const UNKNOWN_PATIENT: &str = "XDSUnknownPatientId";
    /// Missing document in the repository.
    pub const MISSING_DOCUMENT: &str = "XDSMissingDocument";
    /// The requested document is not in this repository.
    pub const DOCUMENT_UNIQUE_ID_ERROR: &str = "XDSDocumentUniqueIdError";
}

/// One `RegistryError`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryError {
    /// `errorCode`.
    pub code: String,
    /// `codeContext`.
    pub context: String,
    /// `severity` (`…ErrorSeverityType:Error` / `Warning`).
    pub severity: String,
    /// `location`.
    pub location: Option<String>,
}

impl RegistryError {
    /// An error of severity Error.
    pub fn error(code: impl Into<String>, context: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            context: context.into(),
            severity: "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error".into(),
            location: None,
        }
    }

    /// Whether the severity is Error (not Warning).
    pub fn is_error(&self) -> bool {
        !self.severity.ends_with(":Warning")
    }
}

/// A registry answered Failure (or PartialSuccess) with these errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DMP registry {status}: {}", errors.iter().map(|e| format!("{} ({})", e.code, e.context)).collect::<Vec<_>>().join("; "))]
pub struct RegistryFailure {
    /// The status URN's last part (`Failure`, `PartialSuccess`).
    pub status: String,
    /// The errors.
    pub errors: Vec<RegistryError>,
}

impl RegistryFailure {
    /// Whether one of the errors has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }
}

/// Reads `@status` and the `RegistryErrorList` of a response element
/// (`rs:RegistryResponse`, `query:AdhocQueryResponse`, …): Ok for Success,
/// else a [`RegistryFailure`].
pub(crate) fn check_status(resp: &Element) -> Result<(), Error> {
    let status = resp
        .get_attr("status")
        .ok_or_else(|| ProtocolError::Unexpected(format!("{} without status", resp.name)))?;
    let errors: Vec<RegistryError> = resp
        .first(RS_NS, "RegistryErrorList")
        .map(|l| {
            l.all(RS_NS, "RegistryError")
                .map(|e| RegistryError {
                    code: e.get_attr("errorCode").unwrap_or_default().to_owned(),
                    context: e
                        .get_attr("codeContext")
                        .map(str::to_owned)
                        .unwrap_or_else(|| e.text_content().trim().to_owned()),
                    severity: e.get_attr("severity").unwrap_or_default().to_owned(),
                    location: e.get_attr("location").map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    if status == STATUS_SUCCESS {
        return Ok(());
    }
    Err(Error::Registry(RegistryFailure {
        status: status.rsplit(':').next().unwrap_or(status).to_owned(),
        errors,
    }))
}

/// Writes a `rs:RegistryResponse` (simulator side).
pub(crate) fn registry_response(errors: &[RegistryError]) -> Element {
    let status = if errors.iter().any(RegistryError::is_error) {
        STATUS_FAILURE
    } else {
        STATUS_SUCCESS
    };
    Element::new("rs:RegistryResponse", RS_NS)
        .decl("rs", RS_NS)
        .attr("status", status)
        .child_opt(error_list(errors))
}

pub(crate) fn error_list(errors: &[RegistryError]) -> Option<Element> {
    if errors.is_empty() {
        return None;
    }
    Some(
        Element::new("rs:RegistryErrorList", RS_NS).children(errors.iter().map(|e| {
            let mut el = Element::new("rs:RegistryError", RS_NS)
                .attr("errorCode", &e.code)
                .attr("codeContext", &e.context)
                .attr("severity", &e.severity);
            if let Some(l) = &e.location {
                el = el.attr("location", l);
            }
            el
        })),
    )
}

// ---------------------------------------------------------------------------
// ITI-18

/// What a stored query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnType {
    /// Full metadata (`LeafClass`).
    LeafClass,
    /// References only (`ObjectRef`): entryUUIDs.
    ObjectRef,
}

/// An ITI-18 stored query: its id and slots (values already in the XDS
/// syntax: quoted strings, `('a','b')` lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuery {
    /// Stored query UUID.
    pub id: String,
    /// `(name, values)`.
    pub slots: Vec<(String, Vec<String>)>,
    /// Return type.
    pub return_type: ReturnType,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn list(values: &[String]) -> String {
    format!(
        "({})",
        values
            .iter()
            .map(|v| quote(v))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Filters of a TD3.1a search (FindDocuments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindDocuments {
    /// Availability statuses (default: Approved).
    pub statuses: Vec<String>,
    /// `code^^scheme` class codes.
    pub class_codes: Vec<String>,
    /// `code^^scheme` type codes.
    pub type_codes: Vec<String>,
    /// `code^^scheme` format codes.
    pub format_codes: Vec<String>,
    /// `code^^scheme` event codes.
    pub event_codes: Vec<String>,
    /// Creation time from (inclusive), `yyyyMMdd[HHmmss]`.
    pub creation_from: Option<String>,
    /// Creation time to (exclusive).
    pub creation_to: Option<String>,
    /// Service start from.
    pub service_start_from: Option<String>,
    /// Service start to.
    pub service_start_to: Option<String>,
    /// Author person (`%` wildcards allowed).
    pub author_person: Option<String>,
    /// `code^^scheme` practice setting codes.
    pub practice_setting_codes: Vec<String>,
    /// `code^^scheme` healthcare facility type codes.
    pub healthcare_facility_type_codes: Vec<String>,
    /// `code^^scheme` confidentiality codes.
    pub confidentiality_codes: Vec<String>,
}

/// `code^^scheme`, the XDS query syntax of a coded value.
pub fn coded(c: &segur_cda::xds::XdsCode) -> String {
    format!("{}^^{}", c.code, c.coding_scheme)
}

impl FindDocuments {
    /// No filter (Approved documents).
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps these statuses (default: Approved only).
    pub fn status(mut self, s: Availability) -> Self {
        self.statuses.push(s.as_urn().to_owned());
        self
    }

    /// Keeps a document type (`typeCode`).
    pub fn type_code(mut self, c: &segur_cda::xds::XdsCode) -> Self {
        self.type_codes.push(coded(c));
        self
    }

    /// Keeps a class (`classCode`).
    pub fn class_code(mut self, c: &segur_cda::xds::XdsCode) -> Self {
        self.class_codes.push(coded(c));
        self
    }

    /// Keeps a format (`formatCode`).
    pub fn format_code(mut self, c: &segur_cda::xds::XdsCode) -> Self {
        self.format_codes.push(coded(c));
        self
    }

    /// Keeps an event code.
    pub fn event_code(mut self, c: &segur_cda::xds::XdsCode) -> Self {
        self.event_codes.push(coded(c));
        self
    }

    /// Keeps a practice setting.
    pub fn practice_setting_code(mut self, c: &segur_cda::xds::XdsCode) -> Self {
        self.practice_setting_codes.push(coded(c));
        self
    }

    /// Creation time in `[from, to)` (UTC).
    pub fn created_between(
        mut self,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
    ) -> Self {
        self.creation_from = from.map(crate::time_fmt::hl7);
        self.creation_to = to.map(crate::time_fmt::hl7);
        self
    }

    /// Service start in `[from, to)` (UTC).
    pub fn service_started_between(
        mut self,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
    ) -> Self {
        self.service_start_from = from.map(crate::time_fmt::hl7);
        self.service_start_to = to.map(crate::time_fmt::hl7);
        self
    }

    /// Author person, an XCN pattern (`%` matches any text, e.g.
    /// `810003612545%`).
    pub fn author(mut self, pattern: impl Into<String>) -> Self {
        self.author_person = Some(pattern.into());
        self
    }

    /// Whether `entry` passes the filters (the registry's semantics; the
    /// simulator uses it, hosts may filter cached lists with it).
    pub fn matches(&self, entry: &segur_cda::xds::DocumentEntry) -> bool {
        let status = entry.status.as_deref().unwrap_or(availability::APPROVED);
        let statuses = if self.statuses.is_empty() {
            vec![availability::APPROVED.to_owned()]
        } else {
            self.statuses.clone()
        };
        if !statuses.iter().any(|s| s == status) {
            return false;
        }
        let one_of = |filter: &[String], codes: &[&segur_cda::xds::XdsCode]| {
            filter.is_empty()
                || filter.iter().flat_map(|f| parse_values(f)).any(|f| {
                    codes.iter().any(|c| {
                        let (code, scheme) = f.split_once("^^").unwrap_or((f.as_str(), ""));
                        c.code == code && (scheme.is_empty() || c.coding_scheme == scheme)
                    })
                })
        };
        if !one_of(&self.class_codes, &[&entry.class_code])
            || !one_of(&self.type_codes, &[&entry.type_code])
            || !one_of(&self.format_codes, &[&entry.format_code])
            || !one_of(
                &self.practice_setting_codes,
                &[&entry.practice_setting_code],
            )
            || !one_of(
                &self.healthcare_facility_type_codes,
                &[&entry.healthcare_facility_type_code],
            )
            || !one_of(
                &self.event_codes,
                &entry.event_codes.iter().collect::<Vec<_>>(),
            )
            || !one_of(
                &self.confidentiality_codes,
                &entry.confidentiality_codes.iter().collect::<Vec<_>>(),
            )
        {
            return false;
        }
        // Times compare as yyyyMMddHHmmss strings once right-padded.
        let pad = |t: &str| format!("{t:0<14}");
        let in_range = |t: Option<&String>, from: &Option<String>, to: &Option<String>| {
            if from.is_none() && to.is_none() {
                return true;
            }
            let Some(t) = t else { return false };
            let t = pad(t);
            from.as_ref().is_none_or(|f| t >= pad(f)) && to.as_ref().is_none_or(|u| t < pad(u))
        };
        if !in_range(
            entry.creation_time.as_ref(),
            &self.creation_from,
            &self.creation_to,
        ) || !in_range(
            entry.service_start_time.as_ref(),
            &self.service_start_from,
            &self.service_start_to,
        ) {
            return false;
        }
        if let Some(pattern) = &self.author_person {
            let pattern = parse_values(pattern).into_iter().next().unwrap_or_default();
            if !entry
                .authors
                .iter()
                .filter_map(|a| a.person.as_deref())
                .any(|p| like(&pattern, p))
            {
                return false;
            }
        }
        true
    }
}

/// SQL `LIKE` with `%` (any text) and `_` (one character), as the XDS
/// author filter.
fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // dp[j]: pattern[..i] matches text[..j]
    let mut dp = vec![false; t.len() + 1];
    dp[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        if pc == '%' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= dp[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = dp[j - 1] && (pc == '_' || pc == t[j - 1]);
            }
        }
        dp = next;
    }
    dp[t.len()]
}

impl StoredQuery {
    /// FindDocuments for a patient (CX) with filters.
    pub fn find_documents(patient_cx: &str, f: &FindDocuments) -> Self {
        let mut slots = vec![(
            "$XDSDocumentEntryPatientId".to_owned(),
            vec![quote(patient_cx)],
        )];
        let statuses = if f.statuses.is_empty() {
            vec![availability::APPROVED.to_owned()]
        } else {
            f.statuses.clone()
        };
        slots.push(("$XDSDocumentEntryStatus".into(), vec![list(&statuses)]));
        for (name, v) in [
            ("$XDSDocumentEntryClassCode", &f.class_codes),
            ("$XDSDocumentEntryTypeCode", &f.type_codes),
            ("$XDSDocumentEntryFormatCode", &f.format_codes),
            ("$XDSDocumentEntryEventCodeList", &f.event_codes),
        ] {
            if !v.is_empty() {
                slots.push((name.into(), vec![list(v)]));
            }
        }
        for (name, v) in [
            ("$XDSDocumentEntryCreationTimeFrom", &f.creation_from),
            ("$XDSDocumentEntryCreationTimeTo", &f.creation_to),
            (
                "$XDSDocumentEntryServiceStartTimeFrom",
                &f.service_start_from,
            ),
            ("$XDSDocumentEntryServiceStartTimeTo", &f.service_start_to),
        ] {
            if let Some(v) = v {
                slots.push((name.into(), vec![v.clone()]));
            }
        }
        if let Some(a) = &f.author_person {
            slots.push(("$XDSDocumentEntryAuthorPerson".into(), vec![quote(a)]));
        }
        for (name, v) in [
            (
                "$XDSDocumentEntryPracticeSettingCode",
                &f.practice_setting_codes,
            ),
            (
                "$XDSDocumentEntryHealthcareFacilityTypeCode",
                &f.healthcare_facility_type_codes,
            ),
            (
                "$XDSDocumentEntryConfidentialityCode",
                &f.confidentiality_codes,
            ),
        ] {
            if !v.is_empty() {
                slots.push((name.into(), vec![list(v)]));
            }
        }
        Self {
            id: stored_query::FIND_DOCUMENTS.into(),
            slots,
            return_type: ReturnType::LeafClass,
        }
    }

    /// GetDocuments by uniqueIds (TD3.1b when `ObjectRef`).
    pub fn get_documents_by_unique_id(unique_ids: &[String], return_type: ReturnType) -> Self {
        Self {
            id: stored_query::GET_DOCUMENTS.into(),
            slots: vec![("$XDSDocumentEntryUniqueId".into(), vec![list(unique_ids)])],
            return_type,
        }
    }

    /// The FindDocuments filters of this query (simulator side; values
    /// already split).
    pub fn to_find_documents(&self) -> FindDocuments {
        let one = |n: &str| self.slot_values(n).into_iter().next();
        let many = |n: &str| {
            self.slot_values(n)
                .into_iter()
                .map(|v| quote(&v))
                .collect::<Vec<_>>()
        };
        FindDocuments {
            statuses: self.slot_values("$XDSDocumentEntryStatus"),
            class_codes: many("$XDSDocumentEntryClassCode"),
            type_codes: many("$XDSDocumentEntryTypeCode"),
            format_codes: many("$XDSDocumentEntryFormatCode"),
            event_codes: many("$XDSDocumentEntryEventCodeList"),
            creation_from: one("$XDSDocumentEntryCreationTimeFrom"),
            creation_to: one("$XDSDocumentEntryCreationTimeTo"),
            service_start_from: one("$XDSDocumentEntryServiceStartTimeFrom"),
            service_start_to: one("$XDSDocumentEntryServiceStartTimeTo"),
            author_person: one("$XDSDocumentEntryAuthorPerson"),
            practice_setting_codes: many("$XDSDocumentEntryPracticeSettingCode"),
            healthcare_facility_type_codes: many("$XDSDocumentEntryHealthcareFacilityTypeCode"),
            confidentiality_codes: many("$XDSDocumentEntryConfidentialityCode"),
        }
    }

    /// GetDocuments by entryUUIDs.
    pub fn get_documents_by_uuid(uuids: &[String]) -> Self {
        Self {
            id: stored_query::GET_DOCUMENTS.into(),
            slots: vec![("$XDSDocumentEntryEntryUUID".into(), vec![list(uuids)])],
            return_type: ReturnType::LeafClass,
        }
    }

    pub(crate) fn to_element(&self) -> Element {
        let rt = match self.return_type {
            ReturnType::LeafClass => "LeafClass",
            ReturnType::ObjectRef => "ObjectRef",
        };
        let slots = self.slots.iter().map(|(name, values)| {
            Element::new("rim:Slot", RIM_NS).attr("name", name).child(
                Element::new("rim:ValueList", RIM_NS).children(
                    values
                        .iter()
                        .map(|v| Element::new("rim:Value", RIM_NS).text(v)),
                ),
            )
        });
        Element::new("query:AdhocQueryRequest", QUERY_NS)
            .decl("query", QUERY_NS)
            .decl("rim", RIM_NS)
            .child(
                Element::new("query:ResponseOption", QUERY_NS)
                    .attr("returnComposedObjects", "true")
                    .attr("returnType", rt),
            )
            .child(
                Element::new("rim:AdhocQuery", RIM_NS)
                    .attr("id", &self.id)
                    .children(slots),
            )
    }

    /// Reads a query request (simulator side).
    pub(crate) fn from_element(req: &Element) -> Result<Self, Error> {
        let q = req.req(RIM_NS, "AdhocQuery")?;
        let return_type = match req
            .first(QUERY_NS, "ResponseOption")
            .and_then(|r| r.get_attr("returnType"))
        {
            Some("ObjectRef") => ReturnType::ObjectRef,
            _ => ReturnType::LeafClass,
        };
        let slots = q
            .all(RIM_NS, "Slot")
            .map(|s| {
                let values = s
                    .first(RIM_NS, "ValueList")
                    .map(|l| l.all(RIM_NS, "Value").map(|v| v.text_content()).collect())
                    .unwrap_or_default();
                (s.get_attr("name").unwrap_or_default().to_owned(), values)
            })
            .collect();
        Ok(Self {
            id: q.req_attr("id")?.to_owned(),
            slots,
            return_type,
        })
    }

    /// Values of a slot, unquoted and with lists split.
    pub fn slot_values(&self, name: &str) -> Vec<String> {
        self.slots
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, vs)| vs.iter().flat_map(|v| parse_values(v)))
            .collect()
    }
}

/// Splits `('a','b')` / `'a'` / `a` into values.
fn parse_values(v: &str) -> Vec<String> {
    let v = v.trim();
    let inner = v
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(v);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if in_quote && chars.peek() == Some(&'\'') => {
                chars.next();
                cur.push('\'');
            }
            '\'' => in_quote = !in_quote,
            ',' if !in_quote => out.push(std::mem::take(&mut cur).trim().to_owned()),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

/// The result of a stored query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// Full entries (`LeafClass`).
    pub entries: Vec<DocumentEntry>,
    /// entryUUIDs (`ObjectRef`).
    pub references: Vec<String>,
    /// Warnings of a PartialSuccess.
    pub warnings: Vec<RegistryError>,
}

/// Reads an `AdhocQueryResponse`.
pub(crate) fn read_query_response(received: &Received) -> Result<QueryResult, Error> {
    let body = received.body_or_fault()?;
    if !body.is(QUERY_NS, "AdhocQueryResponse") {
        return Err(ProtocolError::Unexpected(format!(
            "{} instead of AdhocQueryResponse",
            body.name
        ))
        .into());
    }
    let warnings = match check_status(body) {
        Ok(()) => Vec::new(),
        Err(Error::Registry(f)) if f.status == "PartialSuccess" => f.errors,
        Err(e) => return Err(e),
    };
    let Some((list, scope)) = crate::xml::find_with_scope(body, RIM_NS, "RegistryObjectList")
    else {
        return Ok(QueryResult {
            warnings,
            ..QueryResult::default()
        });
    };
    let references = list
        .all(RIM_NS, "ObjectRef")
        .filter_map(|r| r.get_attr("id").map(str::to_owned))
        .collect();
    let entries = if list.first(RIM_NS, "ExtrinsicObject").is_some() {
        segur_cda::xds::Submission::from_ebrim(list.to_xml_in_scope(&scope).as_bytes())
            .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?
            .entries
    } else {
        Vec::new()
    };
    Ok(QueryResult {
        entries,
        references,
        warnings,
    })
}

/// Writes an `AdhocQueryResponse` (simulator side).
pub(crate) fn query_response(
    entries: &[DocumentEntry],
    references: &[String],
    errors: &[RegistryError],
) -> Result<Element, Error> {
    let status = if errors.iter().any(RegistryError::is_error) {
        STATUS_FAILURE
    } else {
        STATUS_SUCCESS
    };
    let mut list = Element::new("rim:RegistryObjectList", RIM_NS);
    if !entries.is_empty() {
        let ebrim = segur_cda::xds::Submission {
            entries: entries.to_vec(),
            ..Default::default()
        }
        .to_ebrim();
        let root = crate::xml::parse(ebrim.as_bytes())?;
        if let Some(l) = root.first(RIM_NS, "RegistryObjectList") {
            list.children.extend(l.children.iter().cloned());
        }
    }
    for r in references {
        list = list.child(Element::new("rim:ObjectRef", RIM_NS).attr("id", r));
    }
    Ok(Element::new("query:AdhocQueryResponse", QUERY_NS)
        .decl("query", QUERY_NS)
        .decl("rim", RIM_NS)
        .decl("rs", RS_NS)
        .attr("status", status)
        .child_opt(error_list(errors))
        .child(list))
}

// ---------------------------------------------------------------------------
// ITI-43

/// One document to retrieve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// `RepositoryUniqueId` (slot `repositoryUniqueId` of the entry).
    pub repository_unique_id: String,
    /// `DocumentUniqueId`.
    pub document_unique_id: String,
    /// `HomeCommunityId`, if any.
    pub home_community_id: Option<String>,
}

fn xdsb(local: &str) -> Element {
    Element::new(format!("xdsb:{local}"), XDSB_NS)
}

pub(crate) fn retrieve_request(docs: &[DocumentRequest]) -> Element {
    xdsb("RetrieveDocumentSetRequest")
        .decl("xdsb", XDSB_NS)
        .children(docs.iter().map(|d| {
            let mut e = xdsb("DocumentRequest");
            if let Some(h) = &d.home_community_id {
                e = e.child(xdsb("HomeCommunityId").text(h));
            }
            e.child(xdsb("RepositoryUniqueId").text(&d.repository_unique_id))
                .child(xdsb("DocumentUniqueId").text(&d.document_unique_id))
        }))
}

pub(crate) fn read_retrieve_request(req: &Element) -> Vec<DocumentRequest> {
    req.all(XDSB_NS, "DocumentRequest")
        .map(|d| DocumentRequest {
            repository_unique_id: d
                .child_text(XDSB_NS, "RepositoryUniqueId")
                .unwrap_or_default(),
            document_unique_id: d
                .child_text(XDSB_NS, "DocumentUniqueId")
                .unwrap_or_default(),
            home_community_id: d.child_text(XDSB_NS, "HomeCommunityId"),
        })
        .collect()
}

/// A retrieved document, before the antivirus scan and the access trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrievedDocument {
    /// Repository.
    pub repository_unique_id: String,
    /// Document uniqueId.
    pub document_unique_id: String,
    /// MIME type.
    pub mime_type: String,
    /// Content.
    pub content: Vec<u8>,
}

/// Writes a retrieve response with MTOM parts (simulator side).
pub(crate) fn retrieve_response(
    docs: &[RetrievedDocument],
    errors: &[RegistryError],
) -> (Element, Vec<Part>) {
    let status = if docs.is_empty() && errors.iter().any(RegistryError::is_error) {
        STATUS_FAILURE
    } else if errors.iter().any(RegistryError::is_error) {
        STATUS_PARTIAL
    } else {
        STATUS_SUCCESS
    };
    let mut parts = Vec::new();
    let mut resp = xdsb("RetrieveDocumentSetResponse")
        .decl("xdsb", XDSB_NS)
        .child(
            Element::new("rs:RegistryResponse", RS_NS)
                .decl("rs", RS_NS)
                .attr("status", status)
                .child_opt(error_list(errors)),
        );
    for (i, d) in docs.iter().enumerate() {
        let part = Part::new(
            format!("doc{i}.{}@segur-rs", uuid::Uuid::new_v4().simple()),
            d.mime_type.clone(),
            d.content.clone(),
        );
        resp = resp.child(
            xdsb("DocumentResponse")
                .child(xdsb("RepositoryUniqueId").text(&d.repository_unique_id))
                .child(xdsb("DocumentUniqueId").text(&d.document_unique_id))
                .child(xdsb("mimeType").text(&d.mime_type))
                .child(
                    xdsb("Document").child(
                        Element::new("xop:Include", XOP_NS)
                            .decl("xop", XOP_NS)
                            .attr("href", part.cid_url()),
                    ),
                ),
        );
        parts.push(part);
    }
    (resp, parts)
}

/// Reads a retrieve response: documents, and the registry failure if some
/// documents could not be returned.
pub(crate) fn read_retrieve_response(
    received: &Received,
) -> Result<(Vec<RetrievedDocument>, Option<RegistryFailure>), Error> {
    let body = received.body_or_fault()?;
    if !body.is(XDSB_NS, "RetrieveDocumentSetResponse") {
        return Err(ProtocolError::Unexpected(format!(
            "{} instead of RetrieveDocumentSetResponse",
            body.name
        ))
        .into());
    }
    let rr = body.req(RS_NS, "RegistryResponse")?;
    let failure = match check_status(rr) {
        Ok(()) => None,
        Err(Error::Registry(f)) => Some(f),
        Err(e) => return Err(e),
    };
    let mut docs = Vec::new();
    for d in body.all(XDSB_NS, "DocumentResponse") {
        let content_el = d.req(XDSB_NS, "Document")?;
        docs.push(RetrievedDocument {
            repository_unique_id: d
                .child_text(XDSB_NS, "RepositoryUniqueId")
                .unwrap_or_default(),
            document_unique_id: d
                .child_text(XDSB_NS, "DocumentUniqueId")
                .unwrap_or_default(),
            mime_type: d.child_text(XDSB_NS, "mimeType").unwrap_or_default(),
            content: received.binary(content_el)?,
        });
    }
    if docs.is_empty() {
        if let Some(f) = failure {
            return Err(Error::Registry(f));
        }
    }
    Ok((docs, failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap;

    #[test]
    fn slot_values_are_quoted_and_parsed() {
        let q = StoredQuery::find_documents(
            "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH",
            &FindDocuments {
                type_codes: vec!["11488-4^^2.16.840.1.113883.6.1".into(), "o'brien".into()],
                creation_from: Some("20240101".into()),
                ..Default::default()
            },
        );
        let el = crate::xml::parse(q.to_element().to_xml().as_bytes()).expect("parse");
        let back = StoredQuery::from_element(&el).expect("read");
        assert_eq!(back, q);
        assert_eq!(
            back.slot_values("$XDSDocumentEntryTypeCode"),
            ["11488-4^^2.16.840.1.113883.6.1", "o'brien"]
        );
        assert_eq!(
            back.slot_values("$XDSDocumentEntryStatus"),
            [availability::APPROVED]
        );
        assert_eq!(
            back.slot_values("$XDSDocumentEntryCreationTimeFrom"),
            ["20240101"]
        );
    }

    #[test]
    fn retrieve_round_trip_over_mtom() {
        let docs = vec![RetrievedDocument {
            repository_unique_id: "1.2.250.1.213.4.1.1.2".into(),
            document_unique_id: "1.2.3^doc".into(),
            mime_type: "text/xml".into(),
            content: b"<ClinicalDocument/>\r\n--boundary-like".to_vec(),
        }];
        let (body, parts) = retrieve_response(&docs, &[]);
        let env =
            soap::response_envelope("urn:ihe:iti:2007:RetrieveDocumentSetResponse", None, body);
        let msg = soap::frame(&env, "x", &parts, true);
        let r = Received::decode(&msg.content_type, &msg.body).expect("decode");
        let (back, failure) = read_retrieve_response(&r).expect("read");
        assert_eq!(back, docs);
        assert!(failure.is_none());

        let (body, parts) = retrieve_response(
            &[],
            &[RegistryError::error(
                error_codes::MISSING_DOCUMENT,
                "absent",
            )],
        );
        let env = soap::response_envelope("x", None, body);
        let msg = soap::frame(&env, "x", &parts, true);
        let r = Received::decode(&msg.content_type, &msg.body).expect("decode");
        match read_retrieve_response(&r) {
            Err(Error::Registry(f)) => assert!(f.has_code(error_codes::MISSING_DOCUMENT)),
            other => panic!("{other:?}"),
        }
    }
}
