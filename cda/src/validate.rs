//! Native validator of the CI-SIS header rules and of the N1 body.
//!
//! A Rust-speed equivalent of the official "Structuration minimale" header
//! schematron (StrucMin 2023) for the rules it covers, plus the checks the
//! 2023 build left out (J07 document type, HL7 confidentiality codes, N1 body).
//! Every [`Finding`] has a rule id, a [`Severity`] and an XPath-like location
//! (`/ClinicalDocument/author[1]/assignedAuthor/id`).
//!
//! Rule ids start with the family: `HDR` (document attributes), `RT`
//! (recordTarget), `AUT` (author), `CUS` (custodian), `LEG`/`ATH`
//! (authenticators), `INF` (informant), `PRT` (participant), `IFO` (inFulfillmentOf), `DOC`
//! (documentationOf), `REL` (relatedDocument), `ENC` (componentOf), `DT`
//! (data types), `N1`/`N3` (body). The full list is [`RULES`].

use std::fmt;

use serde::Serialize;

use crate::body::Body;
use crate::datatypes::{Addr, Code, Ii, NamePartKind, PersonName, Telecom, Ts};
use crate::document::Document;
use crate::header::*;
use crate::vocab::{self, code_system, id_root, template, value_sets};

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Recommended practice not followed; the document is still acceptable.
    Warning,
    /// The document breaks a CI-SIS rule.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id (see [`RULES`]).
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// XPath-like location.
    pub location: String,
    /// Human-readable message.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}",
            self.severity, self.rule, self.location, self.message
        )
    }
}

/// The findings on one document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    /// All findings, in document order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether no error was found (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Whether a rule fired.
    pub fn has(&self, rule: &str) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }
}

/// Every rule the validator checks: id, severity, description.
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "HDR-01",
        Severity::Error,
        "exactly one realmCode with @code='FR'",
    ),
    (
        "HDR-02",
        Severity::Error,
        "typeId root 2.16.840.1.113883.1.3, extension POCD_HD000040",
    ),
    (
        "HDR-03",
        Severity::Error,
        "templateIds 2.16.840.1.113883.2.8.2.1 and 1.2.250.1.213.1.1.1.1 each exactly once",
    ),
    (
        "HDR-04",
        Severity::Error,
        "with the XDS-SD templateId, exactly 3 templateIds",
    ),
    ("HDR-05", Severity::Error, "id with a uid @root"),
    (
        "HDR-06",
        Severity::Error,
        "code with @code, @codeSystem and @displayName",
    ),
    (
        "HDR-07",
        Severity::Warning,
        "code in JDV_J07-XdsTypeCode-CISIS (subset known to the crate)",
    ),
    ("HDR-08", Severity::Error, "non-empty title"),
    ("HDR-09", Severity::Error, "effectiveTime: a valid TS"),
    ("HDR-10", Severity::Warning, "effectiveTime with a timezone"),
    (
        "HDR-11",
        Severity::Error,
        "confidentialityCode N, R or V in 2.16.840.1.113883.5.25",
    ),
    ("HDR-12", Severity::Error, "languageCode of the form ll-CC"),
    ("HDR-13", Severity::Warning, "languageCode fr-FR"),
    ("HDR-14", Severity::Warning, "setId present"),
    (
        "HDR-15",
        Severity::Error,
        "versionNumber: a positive integer",
    ),
    (
        "RT-01",
        Severity::Error,
        "exactly one recordTarget/patientRole/patient",
    ),
    (
        "RT-02",
        Severity::Error,
        "patientRole/id with @root and @extension",
    ),
    (
        "RT-03",
        Severity::Error,
        "INS: 15-character NIR/NIA matricule",
    ),
    (
        "RT-04",
        Severity::Error,
        "with an INS: birth name (family BR), given name, birthTime and gender",
    ),
    (
        "RT-05",
        Severity::Warning,
        "with an INS: first birth given name (given BR) and birthplace COG",
    ),
    (
        "RT-06",
        Severity::Error,
        "administrativeGenderCode F, M or UN in 2.16.840.1.113883.5.1",
    ),
    ("RT-07", Severity::Error, "birthTime: a valid TS"),
    ("RT-08", Severity::Error, "family @qualifier BR, SP or CL"),
    ("AUT-01", Severity::Error, "at least one author"),
    ("AUT-02", Severity::Error, "author/time: a valid TS"),
    (
        "AUT-03",
        Severity::Error,
        "assignedAuthor/id present, at most one",
    ),
    (
        "AUT-04",
        Severity::Error,
        "person ids under 1.2.250.1.71.4.2.1: a non-empty idNat_PS",
    ),
    (
        "AUT-07",
        Severity::Warning,
        "person ids 8 + RPPS: valid RPPS check digit (the ANS examples use fictitious numbers without one)",
    ),
    (
        "AUT-05",
        Severity::Error,
        "assignedAuthor/code with @code, @displayName and @codeSystem",
    ),
    (
        "AUT-06",
        Severity::Error,
        "assignedPerson or assignedAuthoringDevice",
    ),
    (
        "CUS-01",
        Severity::Error,
        "custodian organisation with an id (@root) and a name",
    ),
    ("LEG-01", Severity::Error, "exactly one legalAuthenticator"),
    (
        "LEG-02",
        Severity::Error,
        "legalAuthenticator time, signatureCode S, assignedEntity id and assignedPerson",
    ),
    (
        "ATH-01",
        Severity::Error,
        "authenticator time, signatureCode S, assignedEntity id",
    ),
    (
        "INF-01",
        Severity::Error,
        "informant: exactly one of assignedEntity, relatedEntity with @classCode and relatedPerson",
    ),
    (
        "INF-02",
        Severity::Error,
        "informant relatedEntity @classCode in ECON, NOK, CON, CAREGIVER, PAT",
    ),
    ("PRT-01", Severity::Error, "participant @typeCode in J144"),
    (
        "PRT-02",
        Severity::Error,
        "associatedEntity @classCode in J141",
    ),
    (
        "IFO-01",
        Severity::Error,
        "inFulfillmentOf/order/id with @root",
    ),
    (
        "DOC-01",
        Severity::Error,
        "at least one documentationOf/serviceEvent",
    ),
    (
        "DOC-02",
        Severity::Error,
        "first serviceEvent with an effectiveTime and a performer",
    ),
    ("DOC-03", Severity::Error, "performer @typeCode PRF"),
    (
        "DOC-04",
        Severity::Error,
        "performer/assignedEntity/representedOrganization with a standardIndustryClassCode in J04",
    ),
    (
        "DOC-05",
        Severity::Error,
        "serviceEvent/code with @code and @codeSystem",
    ),
    ("REL-01", Severity::Error, "at most one relatedDocument"),
    (
        "REL-02",
        Severity::Error,
        "relatedDocument @typeCode RPLC or XFRM, parentDocument/id with @root",
    ),
    (
        "ENC-01",
        Severity::Error,
        "componentOf/encompassingEncounter with effectiveTime",
    ),
    (
        "ENC-02",
        Severity::Error,
        "location/healthCareFacility/code in J02",
    ),
    (
        "ENC-03",
        Severity::Error,
        "encompassingEncounter/code in J142",
    ),
    (
        "DT-01",
        Severity::Error,
        "nullFlavor UNK, NASK, ASKU, NAV or MSK",
    ),
    (
        "DT-02",
        Severity::Error,
        "telecom @value with a known scheme and @use from the value set",
    ),
    ("DT-03", Severity::Error, "addr @use from the value set"),
    (
        "DT-04",
        Severity::Error,
        "organisation ids under 1.2.250.1.71.4.2.2 with an extension",
    ),
    ("DT-05", Severity::Error, "timestamps: valid TS"),
    (
        "DT-06",
        Severity::Error,
        "name/prefix in the civilité TRE (M, MME, MLLE), name/suffix in the titre TRE (DR, PR…)",
    ),
    (
        "N1-01",
        Severity::Error,
        "N1 body: XDS-SD templateId; N3 body: no XDS-SD templateId",
    ),
    (
        "N1-02",
        Severity::Error,
        "N1 body: representation B64 and non-empty content",
    ),
    (
        "N1-03",
        Severity::Error,
        "N1 media type among application/pdf, text/plain, text/rtf, image/jpeg, image/tiff",
    ),
    (
        "N1-04",
        Severity::Error,
        "application/pdf content starts with %PDF-",
    ),
    (
        "N1-05",
        Severity::Warning,
        "PDF declares PDF/A conformance (XMP pdfaid)",
    ),
    (
        "N3-01",
        Severity::Warning,
        "sections with a code and a title",
    ),
];

fn severity_of(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|(id, _, _)| *id == rule)
        .map_or(Severity::Error, |(_, s, _)| *s)
}

struct V {
    findings: Vec<Finding>,
}

impl V {
    fn push(
        &mut self,
        rule: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule,
            severity: severity_of(rule),
            location: location.into(),
            message: message.into(),
        });
    }

    fn null_flavor(&mut self, nf: &Option<String>, loc: &str) {
        if let Some(nf) = nf {
            if !crate::datatypes::NullFlavor::ALLOWED.contains(&nf.as_str()) {
                self.push(
                    "DT-01",
                    loc,
                    format!("nullFlavor {nf:?} is not allowed in the header"),
                );
            }
        }
    }

    fn ts(&mut self, ts: &Ts, loc: &str) {
        self.null_flavor(&ts.null_flavor, loc);
        if let Some(v) = &ts.value {
            if !ts.is_valid() {
                self.push("DT-05", loc, format!("{v:?} is not a valid timestamp"));
            }
        }
    }

    fn code_attrs(&mut self, c: &Code, loc: &str) {
        self.null_flavor(&c.null_flavor, loc);
    }

    fn telecoms(&mut self, ts: &[Telecom], base: &str) {
        for (i, t) in ts.iter().enumerate() {
            let loc = idx(base, "telecom", i, ts.len());
            self.null_flavor(&t.null_flavor, &loc);
            if let Some(v) = &t.value {
                if !value_sets::TELECOM_SCHEMES.iter().any(|s| v.starts_with(s)) {
                    self.push(
                        "DT-02",
                        &loc,
                        format!("telecom value {v:?} has no known scheme (tel:, mailto:…)"),
                    );
                }
            } else if t.null_flavor.is_none() {
                self.push("DT-02", &loc, "telecom without @value nor @nullFlavor");
            }
            if let Some(u) = &t.use_ {
                if u.split_whitespace()
                    .any(|u| !value_sets::TELECOM_USE.contains(&u))
                {
                    self.push(
                        "DT-02",
                        &loc,
                        format!("telecom @use {u:?} not in the value set"),
                    );
                }
            }
        }
    }

    fn addrs(&mut self, addrs: &[Addr], base: &str) {
        for (i, a) in addrs.iter().enumerate() {
            let loc = idx(base, "addr", i, addrs.len());
            self.null_flavor(&a.null_flavor, &loc);
            if let Some(u) = &a.use_ {
                if u.split_whitespace()
                    .any(|u| !value_sets::ADDR_USE.contains(&u))
                {
                    self.push(
                        "DT-03",
                        &loc,
                        format!("addr @use {u:?} not in the value set"),
                    );
                }
            }
        }
    }

    fn organization(&mut self, o: &Organization, loc: &str) {
        for (i, id) in o.ids.iter().enumerate() {
            let l = idx(loc, "id", i, o.ids.len());
            self.null_flavor(&id.null_flavor, &l);
            if id.has_root(&id_root::ID_NAT_STRUCT)
                && id.extension.as_deref().is_none_or(str::is_empty)
            {
                self.push("DT-04", &l, "idNat_Struct id without @extension");
            }
        }
        self.telecoms(&o.telecoms, loc);
        self.addrs(&o.addrs, loc);
    }

    fn person_ids(&mut self, ids: &[Ii], loc: &str) {
        for (i, id) in ids.iter().enumerate() {
            let l = idx(loc, "id", i, ids.len());
            self.null_flavor(&id.null_flavor, &l);
            if id.has_root(&id_root::ID_NAT_PS) {
                match id.extension.as_deref() {
                    None | Some("") => self.push("AUT-04", &l, "idNat_PS id without @extension"),
                    Some(ext) => {
                        if ext.len() == 12
                            && ext.starts_with('8')
                            && segur_ids::Rpps::parse(&ext[1..]).is_err()
                        {
                            self.push(
                                "AUT-07",
                                &l,
                                format!("{ext:?}: 8 + RPPS with a wrong check digit"),
                            );
                        } else if segur_ids::IdNatPs::parse(ext).is_err() {
                            self.push("AUT-04", &l, format!("{ext:?} is not a valid idNat_PS"));
                        }
                    }
                }
            }
        }
    }

    fn role(&mut self, r: &RoleEntity, loc: &str) {
        self.person_ids(&r.ids, loc);
        for (i, n) in r.person_names.iter().enumerate() {
            prefix_suffix(
                self,
                n,
                &idx(&format!("{loc}/person"), "name", i, r.person_names.len()),
            );
        }
        if let Some(c) = &r.code {
            self.code_attrs(c, &format!("{loc}/code"));
        }
        self.addrs(&r.addrs, loc);
        self.telecoms(&r.telecoms, loc);
        if let Some(o) = &r.organization {
            self.organization(o, &format!("{loc}/representedOrganization"));
        }
    }

    fn authenticator(
        &mut self,
        a: &Authenticator,
        loc: &str,
        rule: &'static str,
        need_person: bool,
    ) {
        match &a.time {
            Some(t) => self.ts(t, &format!("{loc}/time")),
            None => self.push(rule, loc, "no time"),
        }
        if a.signature_code.as_deref() != Some("S") {
            self.push(
                rule,
                format!("{loc}/signatureCode"),
                "signatureCode/@code must be 'S'",
            );
        }
        if a.assigned_entity.ids.is_empty() {
            self.push(
                rule,
                format!("{loc}/assignedEntity"),
                "assignedEntity has no id",
            );
        }
        if need_person && !a.assigned_entity.has_person {
            self.push(
                rule,
                format!("{loc}/assignedEntity"),
                "assignedEntity has no assignedPerson",
            );
        }
        self.role(&a.assigned_entity, &format!("{loc}/assignedEntity"));
    }
}

fn idx(base: &str, name: &str, i: usize, n: usize) -> String {
    if n > 1 {
        format!("{base}/{name}[{}]", i + 1)
    } else {
        format!("{base}/{name}")
    }
}

const ROOT: &str = "/ClinicalDocument";

/// Validates a whole document (header and body).
pub fn validate_document(doc: &Document) -> Report {
    let mut v = V {
        findings: Vec::new(),
    };
    header_rules(&mut v, &doc.header);
    body_rules(&mut v, doc);
    Report {
        findings: v.findings,
    }
}

/// Validates a header alone (body rules skipped).
pub fn validate_header(h: &Header) -> Report {
    let mut v = V {
        findings: Vec::new(),
    };
    header_rules(&mut v, h);
    Report {
        findings: v.findings,
    }
}

fn header_rules(v: &mut V, h: &Header) {
    // HDR: document-level elements.
    if h.realm_codes.len() != 1 || h.realm_codes[0] != vocab::REALM_FR {
        v.push(
            "HDR-01",
            format!("{ROOT}/realmCode"),
            format!("expected one realmCode 'FR', found {:?}", h.realm_codes),
        );
    }
    match &h.type_id {
        Some(t)
            if t.has_root(&vocab::TYPE_ID_ROOT)
                && t.extension.as_deref() == Some(vocab::TYPE_ID_EXTENSION) => {}
        _ => v.push(
            "HDR-02",
            format!("{ROOT}/typeId"),
            "typeId must be 2.16.840.1.113883.1.3 / POCD_HD000040",
        ),
    }
    for base in template::BASE {
        let n = h.template_ids.iter().filter(|t| t.has_root(&base)).count();
        if n != 1 {
            v.push(
                "HDR-03",
                format!("{ROOT}/templateId"),
                format!("templateId {base} present {n} times, expected once"),
            );
        }
    }
    if h.has_template(&template::IHE_XDS_SD) && h.template_ids.len() != 3 {
        v.push(
            "HDR-04",
            format!("{ROOT}/templateId"),
            format!(
                "an N1 (XDS-SD) document has exactly 3 templateIds, found {}",
                h.template_ids.len()
            ),
        );
    }
    for (i, t) in h.template_ids.iter().enumerate() {
        v.null_flavor(
            &t.null_flavor,
            &idx(ROOT, "templateId", i, h.template_ids.len()),
        );
    }
    match &h.id {
        Some(id) if id.root_is_uid() && id.null_flavor.is_none() => {}
        _ => v.push(
            "HDR-05",
            format!("{ROOT}/id"),
            "document id missing or its @root is not an OID/UUID",
        ),
    }
    match &h.code {
        Some(c)
            if c.code.is_some()
                && c.code_system.is_some()
                && c.display_name.is_some()
                && c.null_flavor.is_none() =>
        {
            if vocab::DocumentType::lookup(c.code_str(), c.code_system.as_deref().unwrap_or(""))
                .is_none()
            {
                v.push(
                    "HDR-07",
                    format!("{ROOT}/code"),
                    format!(
                        "document type {}/{} is not one the crate knows from J07",
                        c.code_str(),
                        c.code_system.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        _ => v.push(
            "HDR-06",
            format!("{ROOT}/code"),
            "document code needs @code, @codeSystem and @displayName",
        ),
    }
    if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        v.push(
            "HDR-08",
            format!("{ROOT}/title"),
            "the document has no title",
        );
    }
    match &h.effective_time {
        Some(t) if t.is_valid() => {
            if !t.has_offset() && t.parts().is_some_and(|p| p.precision > 3) {
                v.push(
                    "HDR-10",
                    format!("{ROOT}/effectiveTime"),
                    "effectiveTime has no timezone",
                );
            }
        }
        _ => v.push(
            "HDR-09",
            format!("{ROOT}/effectiveTime"),
            "effectiveTime missing or not a valid timestamp",
        ),
    }
    match &h.confidentiality_code {
        Some(c)
            if value_sets::CONFIDENTIALITY.contains(&c.code_str())
                && c.code_system.as_deref() == Some(code_system::CONFIDENTIALITY.as_str()) => {}
        _ => v.push(
            "HDR-11",
            format!("{ROOT}/confidentialityCode"),
            "confidentialityCode must be N, R or V in 2.16.840.1.113883.5.25",
        ),
    }
    match h.language_code.as_deref() {
        Some(l) if is_ll_cc(l) => {
            if l != vocab::LANGUAGE_FR {
                v.push(
                    "HDR-13",
                    format!("{ROOT}/languageCode"),
                    format!("languageCode {l:?} is not fr-FR"),
                );
            }
        }
        other => v.push(
            "HDR-12",
            format!("{ROOT}/languageCode"),
            format!(
                "languageCode {:?} is not of the form ll-CC",
                other.unwrap_or("")
            ),
        ),
    }
    match &h.set_id {
        None => v.push(
            "HDR-14",
            format!("{ROOT}/setId"),
            "no setId (always emit one)",
        ),
        Some(s) => v.null_flavor(&s.null_flavor, &format!("{ROOT}/setId")),
    }
    if h.version().is_none_or(|n| n == 0) {
        v.push(
            "HDR-15",
            format!("{ROOT}/versionNumber"),
            "versionNumber missing or not a positive integer",
        );
    }

    for name in &h.repeated_elements {
        v.push(
            "HDR-16",
            format!("{ROOT}/{name}"),
            format!("{name} appears more than once"),
        );
    }

    // RT: patient.
    if h.record_targets.len() != 1 || h.record_targets[0].patient_role.patient.is_none() {
        v.push(
            "RT-01",
            format!("{ROOT}/recordTarget"),
            format!(
                "{} recordTarget(s), expected exactly one with a patient",
                h.record_targets.len()
            ),
        );
    }
    for (ri, rt) in h.record_targets.iter().enumerate() {
        let base = format!(
            "{}/patientRole",
            idx(ROOT, "recordTarget", ri, h.record_targets.len())
        );
        let pr = &rt.patient_role;
        if pr.ids.is_empty() {
            v.push("RT-02", format!("{base}/id"), "patientRole has no id");
        }
        let mut has_ins = false;
        for (i, id) in pr.ids.iter().enumerate() {
            let l = idx(&base, "id", i, pr.ids.len());
            v.null_flavor(&id.null_flavor, &l);
            if id.null_flavor.is_none()
                && (id.root.is_none() || id.extension.as_deref().is_none_or(str::is_empty))
            {
                v.push("RT-02", &l, "patient id needs @root and @extension");
            }
            if id_root::INS_ROOTS.iter().any(|r| id.has_root(r)) {
                has_ins = true;
                let ext = id.extension.as_deref().unwrap_or("");
                if ext.len() != 15 || !ext.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    v.push(
                        "RT-03",
                        &l,
                        format!("INS {ext:?} is not a 15-character matricule"),
                    );
                }
            }
        }
        v.addrs(&pr.addrs, &base);
        v.telecoms(&pr.telecoms, &base);
        if let Some(p) = &pr.patient {
            let pl = format!("{base}/patient");
            if has_ins {
                let ok = p.birth_name().is_some()
                    && p.names
                        .iter()
                        .any(|n| n.parts.iter().any(|x| x.kind == NamePartKind::Given))
                    && p.birth_time.as_ref().is_some_and(|b| b.value.is_some())
                    && p.administrative_gender_code
                        .as_ref()
                        .is_some_and(|g| g.code.is_some());
                if !ok {
                    v.push("RT-04", &pl, "with an INS the patient needs a birth name (family BR), a given name, a birthTime and a gender");
                }
                if p.first_given_name().is_none()
                    || p.birthplace
                        .as_ref()
                        .and_then(|b| b.part("county"))
                        .is_none()
                {
                    v.push("RT-05", &pl, "with an INS send the first birth given name (given BR) and the birthplace COG (county)");
                }
            }
            for (ni, n) in p.names.iter().enumerate() {
                name_rules(v, n, &idx(&pl, "name", ni, p.names.len()));
            }
            match &p.administrative_gender_code {
                Some(g) if g.null_flavor.is_some() => {
                    v.null_flavor(&g.null_flavor, &format!("{pl}/administrativeGenderCode"))
                }
                Some(g)
                    if value_sets::GENDER.contains(&g.code_str())
                        && g.code_system.as_deref()
                            == Some(code_system::ADMINISTRATIVE_GENDER.as_str()) => {}
                Some(_) => v.push(
                    "RT-06",
                    format!("{pl}/administrativeGenderCode"),
                    "gender must be F, M or UN in 2.16.840.1.113883.5.1",
                ),
                None => {}
            }
            if let Some(b) = &p.birth_time {
                if b.value.is_some() && !b.is_valid() {
                    v.push(
                        "RT-07",
                        format!("{pl}/birthTime"),
                        format!("{:?} is not a valid date", b.value.as_deref().unwrap_or("")),
                    );
                }
                v.null_flavor(&b.null_flavor, &format!("{pl}/birthTime"));
            }
        }
    }

    // AUT: authors.
    if h.authors.is_empty() {
        v.push(
            "AUT-01",
            format!("{ROOT}/author"),
            "the document has no author",
        );
    }
    for (i, a) in h.authors.iter().enumerate() {
        let base = idx(ROOT, "author", i, h.authors.len());
        match &a.time {
            Some(t) if t.is_valid() => {}
            Some(t) if t.null_flavor.is_some() => {
                v.null_flavor(&t.null_flavor, &format!("{base}/time"))
            }
            _ => v.push(
                "AUT-02",
                format!("{base}/time"),
                "author/time missing or invalid",
            ),
        }
        let aa = &a.assigned_author;
        let al = format!("{base}/assignedAuthor");
        if aa.ids.is_empty() || aa.ids.len() > 1 {
            v.push(
                "AUT-03",
                format!("{al}/id"),
                format!("assignedAuthor has {} ids, expected 1", aa.ids.len()),
            );
        }
        match &aa.code {
            Some(c) if c.null_flavor.is_some() => {}
            Some(c) if c.code.is_some() && c.display_name.is_some() && c.code_system.is_some() => {}
            Some(_) => v.push(
                "AUT-05",
                format!("{al}/code"),
                "assignedAuthor/code needs @code, @displayName and @codeSystem",
            ),
            None => {}
        }
        if !aa.has_person && aa.device.is_none() {
            v.push(
                "AUT-06",
                &al,
                "assignedAuthor needs assignedPerson or assignedAuthoringDevice",
            );
        }
        v.role(aa, &al);
    }

    // Informants (CI-SISInformant / CI-SISRelatedEntity of the header
    // schematron): one professional or one relative; a relative's
    // relationship class is one of five.
    for (i, inf) in h.informants.iter().enumerate() {
        let base = idx(ROOT, "informant", i, h.informants.len());
        let related_ok = inf
            .related_entity
            .as_ref()
            .is_some_and(|r| r.class_code.is_some() && r.has_person);
        if usize::from(inf.assigned_entity.is_some()) + usize::from(related_ok) != 1 {
            v.push(
                "INF-01",
                &base,
                "informant needs exactly one assignedEntity or relatedEntity (with @classCode and relatedPerson)",
            );
        }
        if let Some(a) = &inf.assigned_entity {
            v.role(a, &format!("{base}/assignedEntity"));
        }
        if let Some(r) = &inf.related_entity {
            if let Some(c) = r.class_code.as_deref() {
                if r.has_person && !value_sets::INFORMANT_RELATED_CLASS.contains(&c) {
                    v.push(
                        "INF-02",
                        format!("{base}/relatedEntity"),
                        format!("@classCode {c:?} not in ECON, NOK, CON, CAREGIVER, PAT"),
                    );
                }
            }
            v.role(r, &format!("{base}/relatedEntity"));
        }
    }

    // CUS.
    match &h.custodian {
        Some(c) => {
            let loc =
                format!("{ROOT}/custodian/assignedCustodian/representedCustodianOrganization");
            if c.organization.ids.iter().all(|i| i.root.is_none())
                || c.organization.name.as_deref().is_none_or(str::is_empty)
            {
                v.push(
                    "CUS-01",
                    &loc,
                    "custodian organisation needs an id with @root and a name",
                );
            }
            v.organization(&c.organization, &loc);
        }
        None => v.push(
            "CUS-01",
            format!("{ROOT}/custodian"),
            "the document has no custodian",
        ),
    }

    // LEG / ATH.
    match &h.legal_authenticator {
        Some(l) => v.authenticator(l, &format!("{ROOT}/legalAuthenticator"), "LEG-02", true),
        None => v.push(
            "LEG-01",
            format!("{ROOT}/legalAuthenticator"),
            "the document has no legalAuthenticator",
        ),
    }
    for (i, a) in h.authenticators.iter().enumerate() {
        v.authenticator(
            a,
            &idx(ROOT, "authenticator", i, h.authenticators.len()),
            "ATH-01",
            false,
        );
    }

    // PRT.
    for (i, p) in h.participants.iter().enumerate() {
        let base = idx(ROOT, "participant", i, h.participants.len());
        if !p
            .type_code
            .as_deref()
            .is_some_and(|t| value_sets::PARTICIPATION_TYPE.contains(&t))
        {
            v.push(
                "PRT-01",
                &base,
                format!(
                    "participant @typeCode {:?} not in J144",
                    p.type_code.as_deref().unwrap_or("")
                ),
            );
        }
        let ae = &p.associated_entity;
        if !ae
            .class_code
            .as_deref()
            .is_some_and(|c| value_sets::ROLE_CLASS.contains(&c))
        {
            v.push(
                "PRT-02",
                format!("{base}/associatedEntity"),
                format!(
                    "@classCode {:?} not in J141",
                    ae.class_code.as_deref().unwrap_or("")
                ),
            );
        }
        if let Some(t) = &p.time {
            for ts in [&t.low, &t.high, &t.value].into_iter().flatten() {
                v.ts(ts, &format!("{base}/time"));
            }
        }
        v.role(ae, &format!("{base}/associatedEntity"));
    }

    // IFO.
    for (i, o) in h.in_fulfillment_of.iter().enumerate() {
        let base = format!(
            "{}/order",
            idx(ROOT, "inFulfillmentOf", i, h.in_fulfillment_of.len())
        );
        if o.ids.is_empty() || o.ids.iter().any(|id| id.root.is_none()) {
            v.push("IFO-01", format!("{base}/id"), "order/id needs @root");
        }
    }

    // DOC.
    if h.documentation_of.is_empty() {
        v.push(
            "DOC-01",
            format!("{ROOT}/documentationOf"),
            "the document has no documentationOf/serviceEvent",
        );
    }
    for (i, s) in h.documentation_of.iter().enumerate() {
        let base = format!(
            "{}/serviceEvent",
            idx(ROOT, "documentationOf", i, h.documentation_of.len())
        );
        if i == 0 && (s.effective_time.is_none() || s.performers.is_empty()) {
            v.push(
                "DOC-02",
                &base,
                "the first serviceEvent needs an effectiveTime and a performer",
            );
        }
        if let Some(c) = &s.code {
            if c.null_flavor.is_none() && (c.code.is_none() || c.code_system.is_none()) {
                v.push(
                    "DOC-05",
                    format!("{base}/code"),
                    "serviceEvent/code needs @code and @codeSystem",
                );
            }
        }
        if let Some(t) = &s.effective_time {
            for ts in [&t.low, &t.high, &t.value].into_iter().flatten() {
                v.ts(ts, &format!("{base}/effectiveTime"));
            }
        }
        for (pi, p) in s.performers.iter().enumerate() {
            let pl = idx(&base, "performer", pi, s.performers.len());
            if p.type_code.as_deref() != Some("PRF") {
                v.push("DOC-03", &pl, "performer @typeCode must be PRF");
            }
            let sic = p
                .assigned_entity
                .organization
                .as_ref()
                .and_then(|o| o.standard_industry_class_code.as_ref());
            let in_j04 = sic.is_some_and(|c| {
                value_sets::PRACTICE_SETTING.iter().any(|(code, sys)| {
                    c.code.as_deref() == Some(code) && c.code_system.as_deref() == Some(sys)
                })
            });
            if !in_j04 {
                v.push(
                    "DOC-04",
                    format!("{pl}/assignedEntity/representedOrganization"),
                    format!(
                        "standardIndustryClassCode {:?} is not a J04 practice setting",
                        sic.map(|c| c.code_str()).unwrap_or("")
                    ),
                );
            }
            v.role(&p.assigned_entity, &format!("{pl}/assignedEntity"));
        }
    }

    // REL.
    if h.related_documents.len() > 1 {
        v.push(
            "REL-01",
            format!("{ROOT}/relatedDocument"),
            "more than one relatedDocument",
        );
    }
    for (i, r) in h.related_documents.iter().enumerate() {
        let base = idx(ROOT, "relatedDocument", i, h.related_documents.len());
        let type_ok = matches!(r.type_code.as_deref(), Some("RPLC" | "XFRM"));
        if !type_ok || r.parent_ids.is_empty() || r.parent_ids.iter().any(|id| id.root.is_none()) {
            v.push(
                "REL-02",
                &base,
                "relatedDocument needs @typeCode RPLC or XFRM and parentDocument/id/@root",
            );
        }
    }

    // ENC.
    match &h.component_of {
        None => v.push(
            "ENC-01",
            format!("{ROOT}/componentOf"),
            "the document has no componentOf/encompassingEncounter",
        ),
        Some(e) => {
            let base = format!("{ROOT}/componentOf/encompassingEncounter");
            match &e.effective_time {
                None => v.push(
                    "ENC-01",
                    format!("{base}/effectiveTime"),
                    "encompassingEncounter has no effectiveTime",
                ),
                Some(t) => {
                    for ts in [&t.low, &t.high, &t.value].into_iter().flatten() {
                        v.ts(ts, &format!("{base}/effectiveTime"));
                    }
                }
            }
            if let Some(c) = &e.code {
                if c.null_flavor.is_none() && !value_sets::ENCOUNTER.contains(&c.code_str()) {
                    v.push(
                        "ENC-03",
                        format!("{base}/code"),
                        format!("encounter code {:?} not in J142", c.code_str()),
                    );
                }
            }
            match e
                .health_care_facility
                .as_ref()
                .and_then(|f| f.code.as_ref())
            {
                Some(c)
                    if value_sets::is_facility_type(
                        c.code_str(),
                        c.code_system.as_deref().unwrap_or(""),
                    ) => {}
                other => v.push(
                    "ENC-02",
                    format!("{base}/location/healthCareFacility/code"),
                    format!(
                        "healthCareFacility code {:?} is not a J02 facility type",
                        other.map(|c| c.code_str()).unwrap_or("")
                    ),
                ),
            }
            if let Some(r) = &e.responsible_party {
                v.role(r, &format!("{base}/responsibleParty/assignedEntity"));
            }
        }
    }
}

fn name_rules(v: &mut V, n: &PersonName, loc: &str) {
    v.null_flavor(&n.null_flavor, loc);
    prefix_suffix(v, n, loc);
    for p in &n.parts {
        if p.kind == NamePartKind::Family {
            if let Some(q) = &p.qualifier {
                if !value_sets::FAMILY_QUALIFIERS.contains(&q.as_str()) {
                    v.push(
                        "RT-08",
                        format!("{loc}/family"),
                        format!("family @qualifier {q:?} not BR, SP or CL"),
                    );
                }
            }
        }
    }
}

/// DT-06: `prefix` in the civilité TRE, `suffix` in the titre TRE (every one;
/// the official schematron accepts a name when any of its prefixes is valid).
fn prefix_suffix(v: &mut V, n: &PersonName, loc: &str) {
    for p in &n.parts {
        let (set, what): (&[&str], &str) = match p.kind {
            NamePartKind::Prefix => (value_sets::CIVILITE, "prefix"),
            NamePartKind::Suffix => (value_sets::TITRE, "suffix"),
            _ => continue,
        };
        if !set.contains(&p.value.as_str()) {
            v.push(
                "DT-06",
                format!("{loc}/{what}"),
                format!("{what} {:?} is not in the TRE", p.value),
            );
        }
    }
}

fn is_ll_cc(l: &str) -> bool {
    let b = l.as_bytes();
    b.len() == 5
        && b[0].is_ascii_lowercase()
        && b[1].is_ascii_lowercase()
        && b[2] == b'-'
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_uppercase()
}

fn body_rules(v: &mut V, doc: &Document) {
    let xds_sd = doc.header.has_template(&template::IHE_XDS_SD);
    match &doc.body {
        Body::NonXml(b) => {
            let loc = format!("{ROOT}/component/nonXMLBody/text");
            if !xds_sd {
                v.push(
                    "N1-01",
                    format!("{ROOT}/templateId"),
                    "an N1 document declares the XDS-SD templateId 1.3.6.1.4.1.19376.1.2.20",
                );
            }
            if b.representation() != "B64" || b.decoded_len() == 0 {
                v.push(
                    "N1-02",
                    &loc,
                    "the N1 content must be non-empty base64 (representation B64)",
                );
            }
            const ALLOWED: [&str; 5] = [
                "application/pdf",
                "text/plain",
                "text/rtf",
                "image/jpeg",
                "image/tiff",
            ];
            if !ALLOWED.contains(&b.media_type()) {
                v.push(
                    "N1-03",
                    &loc,
                    format!(
                        "media type {:?} is not allowed for an N1 body",
                        b.media_type()
                    ),
                );
            }
            if b.media_type() == "application/pdf" && b.decoded_len() > 0 {
                let data = b.decode();
                if !data.starts_with(b"%PDF-") {
                    v.push("N1-04", &loc, "the content is not a PDF (no %PDF- header)");
                } else if !contains(&data, b"pdfaid:part") {
                    v.push("N1-05", &loc, "the PDF does not declare PDF/A conformance");
                }
            }
        }
        Body::Structured(s) => {
            if xds_sd {
                v.push(
                    "N1-01",
                    format!("{ROOT}/templateId"),
                    "a structured (N3) document must not declare the XDS-SD templateId",
                );
            }
            for (i, sec) in s.sections.iter().enumerate() {
                let loc = format!(
                    "{}/section",
                    idx(
                        &format!("{ROOT}/component/structuredBody"),
                        "component",
                        i,
                        s.sections.len()
                    )
                );
                if sec.code.is_none() || sec.title.is_none() {
                    v.push("N3-01", &loc, "section without code or title");
                }
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
