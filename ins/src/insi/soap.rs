//! The sans-IO SOAP 1.2 core: request bytes out, response bytes in, no IO and
//! no clock (ids and `now` are parameters). The client shell and the
//! simulator both drive it, in both directions.
//!
//! ```
//! use segur_ins::insi::soap::{self, RequestHeaders, SoftwareIdentity};
//! use segur_ins::insi::{InsiOutcome, Query, TraitsQuery};
//! use segur_ins::{BirthDate, FamilyName, GivenName, Sex};
//!
//! let software = SoftwareIdentity::new("IDAM-TEST-0001", "1.0", "segur-rs-doc", "poste-1");
//! let query = Query::Traits(TraitsQuery::new(
//!     FamilyName::parse("ADRTROIS").unwrap(),
//!     GivenName::parse("DOMINIQUE").unwrap(),
//!     Sex::Female,
//!     BirthDate::parse("1997-02-26").unwrap(),
//!     None,
//! ).unwrap());
//! let headers = RequestHeaders {
//!     software: &software,
//!     emitter: "10003612545",
//!     message_id: "uuid:9d3a0b2c-0000-4000-8000-000000000001",
//!     lps_context_id: "9d3a0b2c-0000-4000-8000-000000000002",
//!     bam_context_id: "9d3a0b2c-0000-4000-8000-000000000003",
//!     now: time::macros::datetime!(2025-01-02 10:00 UTC),
//!     security: None,
//! };
//! let request = soap::build_request(&query, &headers);
//! assert!(request.contains("<insi_recsans_ins:NomNaissance>ADRTROIS</insi_recsans_ins:NomNaissance>"));
//!
//! // The simulator side reads it back…
//! let parsed = soap::parse_request(request.as_bytes()).unwrap();
//! assert_eq!(parsed.message_id.as_deref(), Some("uuid:9d3a0b2c-0000-4000-8000-000000000001"));
//! // …and answers; the client side parses the answer.
//! let answer = soap::build_result(&InsiOutcome::NotFound, None);
//! let response = soap::parse_response(200, answer.as_bytes()).unwrap();
//! assert_eq!(response.outcome, InsiOutcome::NotFound);
//! ```

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use super::error::{FaultCode, InsiError, SiramError, SoapFault};
use super::model::*;
use super::xml::{self, Element, escape_attr, escape_text, push_leaf};
use crate::ReceivedMatricule;

const TEMPS_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Formats an instant as the `xsd:dateTime` of the context headers
/// (`2025-01-02T10:00:00.000Z`, UTC).
pub fn format_temps(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TEMPS_FORMAT)
        .unwrap_or_default()
}

/// The software identification carried by the LPS context header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SoftwareIdentity {
    /// `IDAM` (`R="4"`): the software authorisation number issued by the CNDA.
    pub idam: String,
    /// `Version`: the software version authorised.
    pub version: String,
    /// `Nom`: the software name.
    pub name: String,
    /// `Instance`: this installation (a stable id of the workstation or server).
    pub instance: String,
}

impl SoftwareIdentity {
    /// The identification.
    pub fn new(
        idam: impl Into<String>,
        version: impl Into<String>,
        name: impl Into<String>,
        instance: impl Into<String>,
    ) -> Self {
        Self {
            idam: idam.into(),
            version: version.into(),
            name: name.into(),
            instance: instance.into(),
        }
    }
}

/// Everything in the SOAP header of one request.
#[derive(Debug, Clone)]
pub struct RequestHeaders<'a> {
    /// The software (`ContexteLPS/LPS`).
    pub software: &'a SoftwareIdentity,
    /// `Emetteur` of both contexts: the requesting professional (idNat_PS)
    /// or structure (FINESS / SIRET) identifier.
    pub emitter: &'a str,
    /// `wsa:MessageID` (`uuid:…`): the request id, echoed in faults.
    pub message_id: &'a str,
    /// `ContexteLPS/Id`.
    pub lps_context_id: &'a str,
    /// `ContexteBAM/Id`.
    pub bam_context_id: &'a str,
    /// `Temps` of both contexts.
    pub now: OffsetDateTime,
    /// The content of `wsse:Security` (a SAML assertion, see
    /// [`super::assertion`]); `None` in mutual-TLS mode, where the header
    /// is omitted (its schema requires at least one assertion).
    pub security: Option<&'a str>,
}

fn push_matricule(out: &mut String, prefix: &str, tag: &str, nir: &crate::Nir) {
    out.push_str(&format!("<{prefix}:{tag}>"));
    push_leaf(out, &format!("{prefix}:NumIdentifiant"), nir.base());
    push_leaf(out, &format!("{prefix}:Cle"), &format!("{:02}", nir.key()));
    out.push_str(&format!("</{prefix}:{tag}>"));
}

fn write_body(out: &mut String, query: &Query) {
    match query {
        Query::Traits(q) => {
            let p = "insi_recsans_ins";
            out.push_str(&format!("<{p}:RECSANSVITALE xmlns:{p}=\"{NS_RECSANS}\">"));
            push_leaf(
                out,
                &format!("{p}:NomNaissance"),
                q.birth_family_name().as_str(),
            );
            push_leaf(out, &format!("{p}:Prenom"), q.given_name().as_str());
            push_leaf(out, &format!("{p}:Sexe"), q.sex().code());
            push_leaf(out, &format!("{p}:DateNaissance"), &q.birth_date().to_iso());
            if let Some(place) = q.birth_place() {
                push_leaf(out, &format!("{p}:LieuNaissance"), place.as_str());
            }
            out.push_str(&format!("</{p}:RECSANSVITALE>"));
        }
        Query::Vitale(q) => {
            let p = "insi_recvit_ins";
            out.push_str(&format!("<{p}:RECVITALE xmlns:{p}=\"{NS_RECVIT}\">"));
            if let Some(n) = &q.individual {
                push_matricule(out, p, "MatriculeIndividu", n);
            }
            if let Some(n) = &q.ouvrant_droit {
                push_matricule(out, p, "MatriculeOD", n);
            }
            if let Some(n) = &q.birth_family_name {
                push_leaf(out, &format!("{p}:NomNaissance"), n.as_str());
            }
            if let Some(d) = &q.birth_date {
                push_leaf(out, &format!("{p}:DateNaissance"), &d.to_string());
            }
            if let Some(r) = q.birth_rank {
                push_leaf(out, &format!("{p}:RangNaissance"), &r.to_string());
            }
            out.push_str(&format!("</{p}:RECVITALE>"));
        }
    }
}

/// Builds the SOAP 1.2 request: the header blocks of the WSDL
/// (`wsse:Security` when an assertion is given, `ctxlps:ContexteLPS`,
/// `ctxbam:ContexteBAM`, `wsa:Action`, `wsa:MessageID`) and the body.
///
/// Each block declares its own namespace, so it can be validated alone
/// against its schema.
pub fn build_request(query: &Query, h: &RequestHeaders<'_>) -> String {
    let temps = format_temps(h.now);
    let mut out = String::with_capacity(2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str(&format!("<soap:Envelope xmlns:soap=\"{NS_SOAP12}\">"));
    out.push_str("<soap:Header>");
    if let Some(sec) = h.security {
        out.push_str(&format!("<wsse:Security xmlns:wsse=\"{NS_WSSE}\">"));
        out.push_str(sec);
        out.push_str("</wsse:Security>");
    }
    // LPS context.
    out.push_str(&format!(
        "<ctxlps:ContexteLPS xmlns:ctxlps=\"{NS_CTXLPS}\" Nature=\"CTXLPS\" Version=\"01_00\">"
    ));
    push_leaf(&mut out, "ctxlps:Id", h.lps_context_id);
    push_leaf(&mut out, "ctxlps:Temps", &temps);
    push_leaf(&mut out, "ctxlps:Emetteur", h.emitter);
    out.push_str("<ctxlps:LPS>");
    out.push_str(&format!(
        "<ctxlps:IDAM R=\"4\">{}</ctxlps:IDAM>",
        escape_text(&h.software.idam)
    ));
    push_leaf(&mut out, "ctxlps:Version", &h.software.version);
    push_leaf(&mut out, "ctxlps:Instance", &h.software.instance);
    push_leaf(&mut out, "ctxlps:Nom", &h.software.name);
    out.push_str("</ctxlps:LPS></ctxlps:ContexteLPS>");
    // BAM context: the coverage block is required by the schema; INSi
    // clients send it empty (padoa/tlsi-ins requests).
    out.push_str(&format!(
        "<ctxbam:ContexteBAM xmlns:ctxbam=\"{NS_CTXBAM}\" Version=\"01_02\">"
    ));
    push_leaf(&mut out, "ctxbam:Id", h.bam_context_id);
    push_leaf(&mut out, "ctxbam:Temps", &temps);
    push_leaf(&mut out, "ctxbam:Emetteur", h.emitter);
    out.push_str("<ctxbam:COUVERTURE></ctxbam:COUVERTURE></ctxbam:ContexteBAM>");
    // Addressing.
    out.push_str(&format!(
        "<wsa:Action xmlns:wsa=\"{NS_WSA}\">{}</wsa:Action>",
        query.operation().action()
    ));
    out.push_str(&format!(
        "<wsa:MessageID xmlns:wsa=\"{NS_WSA}\">{}</wsa:MessageID>",
        escape_text(h.message_id)
    ));
    out.push_str("</soap:Header><soap:Body>");
    write_body(&mut out, query);
    out.push_str("</soap:Body></soap:Envelope>");
    out
}

/// The HTTP `Content-Type` of a request for `operation` (SOAP 1.2 carries
/// the action as a media-type parameter).
pub fn content_type(operation: Operation) -> String {
    format!(
        "application/soap+xml; charset=utf-8; action=\"{}\"",
        operation.action()
    )
}

fn malformed(reason: impl Into<String>) -> InsiError {
    InsiError::MalformedResponse {
        reason: reason.into(),
    }
}

fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(200)]);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds the single element child of the SOAP body.
fn body_child(root: &Element) -> Result<&Element, String> {
    if root.local == "Envelope"
        && root.ns.as_deref() == Some("http://schemas.xmlsoap.org/soap/envelope/")
    {
        return Err("SOAP 1.1 envelope where SOAP 1.2 is expected".into());
    }
    if !root.is(NS_SOAP12, "Envelope") {
        return Err(format!(
            "root element is {:?}, not a SOAP 1.2 Envelope",
            root.local
        ));
    }
    let body = root
        .child(NS_SOAP12, "Body")
        .ok_or_else(|| "no SOAP Body".to_owned())?;
    let mut it = body.elements();
    let first = it.next().ok_or_else(|| "empty SOAP Body".to_owned())?;
    if it.next().is_some() {
        return Err("several elements in the SOAP Body".into());
    }
    Ok(first)
}

fn parse_fault(fault: &Element) -> SoapFault {
    let code_el = fault.child(NS_SOAP12, "Code");
    let code = code_el
        .and_then(|c| c.child_text(NS_SOAP12, "Value"))
        .map(|v| FaultCode::from_value(&v))
        .unwrap_or_else(|| FaultCode::Other(String::new()));
    let subcode = code_el
        .and_then(|c| c.child(NS_SOAP12, "Subcode"))
        .and_then(|s| s.child_text(NS_SOAP12, "Value"))
        .map(|v| v.rsplit(':').next().unwrap_or(&v).to_owned());
    let reason = fault
        .child(NS_SOAP12, "Reason")
        .and_then(|r| r.child_text(NS_SOAP12, "Text"))
        .unwrap_or_default();
    let detail = fault
        .child(NS_SOAP12, "Detail")
        .and_then(|d| d.child(NS_SIRAM, "Erreur"))
        .map(|e| SiramError {
            code: e.attr("code").unwrap_or_default().to_owned(),
            severity: e.attr("severite").unwrap_or_default().to_owned(),
            message_id: e.attr("messageID").map(str::to_owned),
            text: e.text().trim().to_owned(),
        });
    SoapFault {
        code,
        subcode,
        reason,
        detail,
    }
}

fn parse_date(s: &str) -> Option<time::Date> {
    // xsd:date, possibly with a zone suffix.
    let core = s.get(..10)?;
    time::Date::parse(core, format_description!("[year]-[month]-[day]")).ok()
}

fn parse_returned_ins(el: &Element) -> Result<(ReturnedIns, bool), String> {
    let id = el
        .child(NS_RESULTAT, "IdIndividu")
        .ok_or("IdIndividu missing")?;
    let base = id
        .child_text(NS_RESULTAT, "NumIdentifiant")
        .ok_or("NumIdentifiant missing")?;
    let key = id.child_text(NS_RESULTAT, "Cle");
    let (matricule, key_absent) = match key {
        Some(k) => (
            ReceivedMatricule::parse(&base, &k).map_err(|e| e.to_string())?,
            false,
        ),
        None => {
            // `Cle` is optional in the schema: use the computed key.
            let k = crate::Nir::key_of(&base).map_err(|e| e.to_string())?;
            (
                ReceivedMatricule::parse(&base, &format!("{k:02}")).map_err(|e| e.to_string())?,
                true,
            )
        }
    };
    let oid = el.child_text(NS_RESULTAT, "OID").ok_or("OID missing")?;
    Ok((
        ReturnedIns {
            matricule,
            oid,
            type_matricule: id.child_text(NS_RESULTAT, "TypeMatricule"),
            valid_from: el
                .child_text(NS_RESULTAT, "DateDeb")
                .and_then(|d| parse_date(&d)),
            valid_until: el
                .child_text(NS_RESULTAT, "DateFin")
                .and_then(|d| parse_date(&d)),
        },
        key_absent,
    ))
}

fn check_ins(ins: &ReturnedIns, position: InsPosition, warnings: &mut Vec<ResponseWarning>) {
    if !ins.matricule.key_matches() {
        let expected_key = crate::Nir::key_of(&ins.matricule.as_str()[..13]).unwrap_or(0);
        warnings.push(ResponseWarning::KeyMismatch {
            position,
            matricule: ins.matricule.as_str().to_owned(),
            expected_key,
        });
    }
    if ins.ins_oid().is_none() {
        warnings.push(ResponseWarning::UnknownOid {
            position,
            oid: ins.oid.clone(),
        });
    }
}

fn parse_resultat(res: &Element) -> Result<InsiResponse, InsiError> {
    let cr = res
        .child(NS_RESULTAT, "CR")
        .ok_or_else(|| malformed("CR missing"))?;
    let code = cr
        .child_text(NS_RESULTAT, "CodeCR")
        .ok_or_else(|| malformed("CodeCR missing"))?;
    let label = cr
        .child_text(NS_RESULTAT, "LibelleCR")
        .ok_or_else(|| malformed("LibelleCR missing"))?;
    let Some(rc) = ResultCode::from_code(&code) else {
        return Err(InsiError::UnknownResultCode { code, label });
    };
    let mut warnings = Vec::new();
    if !label.eq_ignore_ascii_case(rc.label()) {
        warnings.push(ResponseWarning::UnexpectedLabel {
            code: rc,
            label: label.clone(),
        });
    }
    let outcome = match rc {
        ResultCode::NotFound => InsiOutcome::NotFound,
        ResultCode::Several => InsiOutcome::Several,
        ResultCode::Found => {
            let ind = res
                .child(NS_RESULTAT, "INDIVIDU")
                .ok_or_else(|| malformed("code 00 without INDIVIDU"))?;
            let active_el = ind
                .child(NS_RESULTAT, "INSACTIF")
                .ok_or_else(|| malformed("INSACTIF missing"))?;
            let (active, _) =
                parse_returned_ins(active_el).map_err(|r| malformed(format!("INSACTIF: {r}")))?;
            check_ins(&active, InsPosition::Active, &mut warnings);
            let mut history = Vec::new();
            for (i, h) in ind.children_named(NS_RESULTAT, "INSHISTO").enumerate() {
                match parse_returned_ins(h) {
                    Ok((ins, _)) => {
                        check_ins(&ins, InsPosition::History(i), &mut warnings);
                        history.push(ins);
                    }
                    Err(reason) => {
                        warnings.push(ResponseWarning::UnreadableHistory { index: i, reason })
                    }
                }
            }
            let tiq = ind
                .child(NS_RESULTAT, "TIQ")
                .ok_or_else(|| malformed("TIQ missing"))?;
            let t = |name: &str| tiq.child_text(NS_RESULTAT, name).filter(|s| !s.is_empty());
            let traits = ReturnedTraits {
                birth_family_name: t("NomNaissance"),
                first_given_name: t("Prenom"),
                given_names: t("ListePrenom"),
                sex: t("Sexe"),
                birth_date: t("DateNaissance"),
                birth_place: t("LieuNaissance"),
            };
            if let Err(e) = traits.to_traits() {
                warnings.push(ResponseWarning::InvalidTraits {
                    reason: e.to_string(),
                });
            }
            InsiOutcome::Found(Box::new(InsiIdentity {
                active,
                history,
                traits,
            }))
        }
    };
    Ok(InsiResponse {
        outcome,
        label,
        warnings,
    })
}

/// Parses an INSi answer: the HTTP status and the body bytes.
///
/// A SOAP fault (whatever the status) gives [`InsiError::Fault`]; a non-2xx
/// status without one gives [`InsiError::HttpStatus`]; anything that is not
/// an INSi `RESULTAT` gives [`InsiError::MalformedResponse`]. A bad INS key,
/// an unknown OID or unusable traits are [`ResponseWarning`]s, never errors.
pub fn parse_response(status: u16, body: &[u8]) -> Result<InsiResponse, InsiError> {
    let ok_status = (200..300).contains(&status);
    let root = match xml::parse(body) {
        Ok(r) => r,
        Err(e) if ok_status => return Err(malformed(e.0)),
        Err(_) => {
            return Err(InsiError::HttpStatus {
                status,
                excerpt: excerpt(body),
            });
        }
    };
    let child = match body_child(&root) {
        Ok(c) => c,
        Err(reason) if ok_status => return Err(malformed(reason)),
        Err(_) => {
            return Err(InsiError::HttpStatus {
                status,
                excerpt: excerpt(body),
            });
        }
    };
    if child.is(NS_SOAP12, "Fault") {
        return Err(InsiError::Fault(Box::new(parse_fault(child))));
    }
    if !ok_status {
        return Err(InsiError::HttpStatus {
            status,
            excerpt: excerpt(body),
        });
    }
    if !child.is(NS_RESULTAT, "RESULTAT") {
        return Err(malformed(format!(
            "unexpected body element {:?}",
            child.local
        )));
    }
    parse_resultat(child)
}

// ---------------------------------------------------------------------------
// Service side (simulator, conformance checks).

/// The LPS context of a received request.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReceivedLpsContext {
    /// `Id`.
    pub id: Option<String>,
    /// `Temps`.
    pub temps: Option<String>,
    /// `Emetteur`.
    pub emitter: Option<String>,
    /// `LPS/IDAM`.
    pub idam: Option<String>,
    /// `LPS/Version`.
    pub version: Option<String>,
    /// `LPS/Instance`.
    pub instance: Option<String>,
    /// `LPS/Nom`.
    pub name: Option<String>,
}

/// The BAM context of a received request.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReceivedBamContext {
    /// `Id`.
    pub id: Option<String>,
    /// `Temps`.
    pub temps: Option<String>,
    /// `Emetteur`.
    pub emitter: Option<String>,
    /// Whether `COUVERTURE` is present (required by the schema).
    pub has_coverage: bool,
}

/// The SAML assertion of a received request (not verified).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReceivedAssertion {
    /// `ID`.
    pub id: Option<String>,
    /// `Issuer`.
    pub issuer: Option<String>,
    /// `Subject/NameID/@NameQualifier` (`CPS`, `PSC`).
    pub name_qualifier: Option<String>,
    /// `Subject/NameID`.
    pub name_id: Option<String>,
    /// `AttributeStatement` (name, first value).
    pub attributes: Vec<(String, String)>,
    /// Whether it carries an XML-DSig `Signature`.
    pub signed: bool,
}

/// A matricule as received in `RECVITALE` (not checked).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReceivedMatriculeField {
    /// `NumIdentifiant`.
    pub base: Option<String>,
    /// `Cle`.
    pub key: Option<String>,
}

impl ReceivedMatriculeField {
    /// Base + key (15 characters when both are present).
    pub fn joined(&self) -> String {
        format!(
            "{}{}",
            self.base.as_deref().unwrap_or_default(),
            self.key.as_deref().unwrap_or_default()
        )
    }
}

/// The body of a received request, as received (strings, not checked: the
/// service decides what to do with bad values).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "operation")]
pub enum ReceivedQuery {
    /// `RECSANSVITALE`.
    Traits {
        /// `NomNaissance`.
        birth_family_name: Option<String>,
        /// Every `Prenom`.
        given_names: Vec<String>,
        /// `Sexe`.
        sex: Option<String>,
        /// `DateNaissance`.
        birth_date: Option<String>,
        /// `LieuNaissance`.
        birth_place: Option<String>,
    },
    /// `RECVITALE`.
    Vitale {
        /// `MatriculeIndividu`.
        individual: Option<ReceivedMatriculeField>,
        /// `MatriculeOD`.
        ouvrant_droit: Option<ReceivedMatriculeField>,
        /// `NomNaissance`.
        birth_family_name: Option<String>,
        /// `DateNaissance`.
        birth_date: Option<String>,
        /// `RangNaissance`.
        birth_rank: Option<String>,
    },
}

impl ReceivedQuery {
    /// The operation.
    pub fn operation(&self) -> Operation {
        match self {
            Self::Traits { .. } => Operation::SearchByTraits,
            Self::Vitale { .. } => Operation::SearchWithVitale,
        }
    }
}

/// A request as read by the service side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParsedRequest {
    /// `wsa:Action`.
    pub action: Option<String>,
    /// `wsa:MessageID`.
    pub message_id: Option<String>,
    /// `ctxlps:ContexteLPS`.
    pub lps: Option<ReceivedLpsContext>,
    /// `ctxbam:ContexteBAM`.
    pub bam: Option<ReceivedBamContext>,
    /// The assertion in `wsse:Security`.
    pub assertion: Option<ReceivedAssertion>,
    /// The body.
    pub query: ReceivedQuery,
}

impl ParsedRequest {
    /// What is missing or inconsistent in the headers, per the WSDL: empty
    /// when the request is complete.
    pub fn header_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        match &self.action {
            None => p.push("wsa:Action missing".to_owned()),
            Some(a) if Operation::from_action(a) != Some(self.query.operation()) => {
                p.push(format!(
                    "wsa:Action {a:?} does not match the body ({})",
                    self.query.operation()
                ))
            }
            Some(_) => {}
        }
        if self.message_id.as_deref().is_none_or(str::is_empty) {
            p.push("wsa:MessageID missing".to_owned());
        }
        match &self.lps {
            None => p.push("ctxlps:ContexteLPS missing".to_owned()),
            Some(l) => {
                if l.id.is_none() || l.temps.is_none() {
                    p.push("ctxlps:ContexteLPS without Id or Temps".to_owned());
                }
                if l.idam.as_deref().is_none_or(str::is_empty) {
                    p.push("ctxlps:LPS/IDAM missing".to_owned());
                }
            }
        }
        match &self.bam {
            None => p.push("ctxbam:ContexteBAM missing".to_owned()),
            Some(b) => {
                if b.id.is_none() || b.temps.is_none() || !b.has_coverage {
                    p.push("ctxbam:ContexteBAM without Id, Temps or COUVERTURE".to_owned());
                }
            }
        }
        p
    }
}

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed INSi request: {0}")]
pub struct RequestError(pub String);

fn parse_assertion(a: &Element) -> ReceivedAssertion {
    let name_id = a
        .child(NS_SAML, "Subject")
        .and_then(|s| s.child(NS_SAML, "NameID"));
    let attributes = a
        .child(NS_SAML, "AttributeStatement")
        .map(|st| {
            st.children_named(NS_SAML, "Attribute")
                .map(|at| {
                    (
                        at.attr("Name").unwrap_or_default().to_owned(),
                        at.child_text(NS_SAML, "AttributeValue").unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    ReceivedAssertion {
        id: a.attr("ID").map(str::to_owned),
        issuer: a.child_text(NS_SAML, "Issuer"),
        name_qualifier: name_id.and_then(|n| n.attr("NameQualifier").map(str::to_owned)),
        name_id: name_id.map(|n| n.text().trim().to_owned()),
        attributes,
        signed: a.child(NS_DSIG, "Signature").is_some(),
    }
}

fn received_matricule(el: Option<&Element>) -> Option<ReceivedMatriculeField> {
    el.map(|m| ReceivedMatriculeField {
        base: m.child_text(NS_RECVIT, "NumIdentifiant"),
        key: m.child_text(NS_RECVIT, "Cle"),
    })
}

/// Reads a request (service side). Only the envelope structure and the
/// body element are required; header completeness is reported by
/// [`ParsedRequest::header_problems`].
pub fn parse_request(body: &[u8]) -> Result<ParsedRequest, RequestError> {
    let root = xml::parse(body).map_err(|e| RequestError(e.0))?;
    let el = body_child(&root).map_err(RequestError)?;
    let header = root.child(NS_SOAP12, "Header");
    let h = |ns: &str, local: &str| header.and_then(|h| h.child(ns, local));
    let lps = h(NS_CTXLPS, "ContexteLPS").map(|c| {
        let lps = c.child(NS_CTXLPS, "LPS");
        let l = |n: &str| lps.and_then(|l| l.child_text(NS_CTXLPS, n));
        ReceivedLpsContext {
            id: c.child_text(NS_CTXLPS, "Id"),
            temps: c.child_text(NS_CTXLPS, "Temps"),
            emitter: c.child_text(NS_CTXLPS, "Emetteur"),
            idam: l("IDAM"),
            version: l("Version"),
            instance: l("Instance"),
            name: l("Nom"),
        }
    });
    let bam = h(NS_CTXBAM, "ContexteBAM").map(|c| ReceivedBamContext {
        id: c.child_text(NS_CTXBAM, "Id"),
        temps: c.child_text(NS_CTXBAM, "Temps"),
        emitter: c.child_text(NS_CTXBAM, "Emetteur"),
        has_coverage: c.child(NS_CTXBAM, "COUVERTURE").is_some(),
    });
    let assertion = h(NS_WSSE, "Security")
        .and_then(|s| s.child(NS_SAML, "Assertion"))
        .map(parse_assertion);
    let query = if el.is(NS_RECSANS, "RECSANSVITALE") {
        let t = |n: &str| el.child_text(NS_RECSANS, n);
        ReceivedQuery::Traits {
            birth_family_name: t("NomNaissance"),
            given_names: el
                .children_named(NS_RECSANS, "Prenom")
                .map(|p| p.text().trim().to_owned())
                .collect(),
            sex: t("Sexe"),
            birth_date: t("DateNaissance"),
            birth_place: t("LieuNaissance"),
        }
    } else if el.is(NS_RECVIT, "RECVITALE") {
        let t = |n: &str| el.child_text(NS_RECVIT, n);
        ReceivedQuery::Vitale {
            individual: received_matricule(el.child(NS_RECVIT, "MatriculeIndividu")),
            ouvrant_droit: received_matricule(el.child(NS_RECVIT, "MatriculeOD")),
            birth_family_name: t("NomNaissance"),
            birth_date: t("DateNaissance"),
            birth_rank: t("RangNaissance"),
        }
    } else {
        return Err(RequestError(format!(
            "unexpected body element {:?} ({})",
            el.local,
            el.ns.as_deref().unwrap_or("no namespace")
        )));
    };
    Ok(ParsedRequest {
        action: h(NS_WSA, "Action").map(|a| a.text().trim().to_owned()),
        message_id: h(NS_WSA, "MessageID").map(|a| a.text().trim().to_owned()),
        lps,
        bam,
        assertion,
        query,
    })
}

fn push_returned_ins(out: &mut String, tag: &str, ins: &ReturnedIns) {
    out.push_str(&format!("<{tag}><IdIndividu>"));
    let m = ins.matricule.as_str();
    push_leaf(out, "NumIdentifiant", &m[..13]);
    push_leaf(out, "Cle", &m[13..]);
    if let Some(t) = &ins.type_matricule {
        push_leaf(out, "TypeMatricule", t);
    }
    out.push_str("</IdIndividu>");
    push_leaf(out, "OID", &ins.oid);
    if let Some(d) = ins.valid_from {
        push_leaf(out, "DateDeb", &d.to_string());
    }
    if let Some(d) = ins.valid_until {
        push_leaf(out, "DateFin", &d.to_string());
    }
    out.push_str(&format!("</{tag}>"));
}

/// Builds an answer envelope (service side) for `outcome`, with the
/// documented label unless `label` overrides it.
pub fn build_result(outcome: &InsiOutcome, label: Option<&str>) -> String {
    let code = outcome.code();
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str(&format!(
        "<soap:Envelope xmlns:soap=\"{NS_SOAP12}\"><soap:Body>"
    ));
    out.push_str(&format!("<RESULTAT xmlns=\"{NS_RESULTAT}\"><CR>"));
    push_leaf(&mut out, "CodeCR", code.code());
    push_leaf(&mut out, "LibelleCR", label.unwrap_or(code.label()));
    out.push_str("</CR>");
    if let InsiOutcome::Found(identity) = outcome {
        out.push_str("<INDIVIDU>");
        push_returned_ins(&mut out, "INSACTIF", &identity.active);
        for h in &identity.history {
            push_returned_ins(&mut out, "INSHISTO", h);
        }
        out.push_str("<TIQ>");
        let t = &identity.traits;
        for (tag, v) in [
            ("NomNaissance", &t.birth_family_name),
            ("Prenom", &t.first_given_name),
            ("ListePrenom", &t.given_names),
            ("Sexe", &t.sex),
            ("DateNaissance", &t.birth_date),
            ("LieuNaissance", &t.birth_place),
        ] {
            if let Some(v) = v {
                push_leaf(&mut out, tag, v);
            }
        }
        out.push_str("</TIQ></INDIVIDU>");
    }
    out.push_str("</RESULTAT></soap:Body></soap:Envelope>");
    out
}

/// Builds a SOAP 1.2 fault envelope (service side), with the
/// `siram:Erreur` detail when given.
pub fn build_fault(fault: &SoapFault) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str(&format!(
        "<soap:Envelope xmlns:soap=\"{NS_SOAP12}\"><soap:Body><soap:Fault><soap:Code>"
    ));
    out.push_str(&format!(
        "<soap:Value>soap:{}</soap:Value>",
        escape_text(fault.code.as_str())
    ));
    if let Some(s) = &fault.subcode {
        out.push_str(&format!(
            "<soap:Subcode><soap:Value>soap:{}</soap:Value></soap:Subcode>",
            escape_text(s)
        ));
    }
    out.push_str("</soap:Code><soap:Reason>");
    out.push_str(&format!(
        "<soap:Text xml:lang=\"fr\">{}</soap:Text>",
        escape_text(&fault.reason)
    ));
    out.push_str("</soap:Reason>");
    if let Some(d) = &fault.detail {
        out.push_str("<soap:Detail>");
        out.push_str(&format!(
            "<siram:Erreur xmlns:siram=\"{NS_SIRAM}\" code=\"{}\" severite=\"{}\"",
            escape_attr(&d.code),
            escape_attr(&d.severity)
        ));
        if let Some(m) = &d.message_id {
            out.push_str(&format!(" messageID=\"{}\"", escape_attr(m)));
        }
        out.push('>');
        out.push_str(&escape_text(&d.text));
        out.push_str("</siram:Erreur></soap:Detail>");
    }
    out.push_str("</soap:Fault></soap:Body></soap:Envelope>");
    out
}

/// One block of an envelope, as a standalone document, with the vendored
/// schema (path relative to `shared/vendor/insi/`) that validates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopePart {
    /// `{namespace}local` of the block.
    pub name: String,
    /// The block, with the namespace bindings it inherits declared on it.
    pub xml: String,
    /// The schema that validates it, when one is vendored (WS-Addressing's
    /// is not: `wsa:*` blocks have `None`).
    pub schema: Option<&'static str>,
}

/// Splits an envelope into its header blocks and body element, each as a
/// standalone document with its schema — for validating requests and
/// answers against the vendored XSDs (a SOAP envelope schema is not vendored).
pub fn split_envelope(envelope: &[u8]) -> Result<Vec<EnvelopePart>, RequestError> {
    let root = xml::parse(envelope).map_err(|e| RequestError(e.0))?;
    if !root.is(NS_SOAP12, "Envelope") {
        return Err(RequestError("not a SOAP 1.2 envelope".into()));
    }
    let mut parts = Vec::new();
    for section in root.elements() {
        let mut scope = root.ns_decls.clone();
        scope.extend(section.ns_decls.iter().cloned());
        for el in section.elements() {
            let ns = el.ns.as_deref().unwrap_or_default();
            let schema = match (ns, el.local.as_str()) {
                (NS_RECSANS, "RECSANSVITALE") => {
                    Some("xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd")
                }
                (NS_RECVIT, "RECVITALE") => {
                    Some("xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd")
                }
                (NS_RESULTAT, "RESULTAT") => {
                    Some("xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd")
                }
                (NS_CTXLPS, "ContexteLPS") => Some("xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd"),
                (NS_CTXBAM, "ContexteBAM") => Some("xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd"),
                (NS_WSSE, "Security") => Some("xsd/WSSE/Security.xsd"),
                (NS_SOAP12, "Fault") => None,
                _ => None,
            };
            parts.push(EnvelopePart {
                name: format!("{{{ns}}}{}", el.local),
                xml: el.to_standalone_xml(&scope),
                schema,
            });
            // The SIRAM detail of a fault has its own schema.
            let siram = el
                .is(NS_SOAP12, "Fault")
                .then(|| el.child(NS_SOAP12, "Detail"))
                .flatten()
                .and_then(|d| d.child(NS_SIRAM, "Erreur"));
            if let Some(e) = siram {
                let mut inner = scope.clone();
                inner.extend(el.ns_decls.iter().cloned());
                parts.push(EnvelopePart {
                    name: format!("{{{NS_SIRAM}}}Erreur"),
                    xml: e.to_standalone_xml(&inner),
                    schema: Some("xsd/schema_faultSOAP_V01_01.xsd"),
                });
            }
        }
    }
    Ok(parts)
}
