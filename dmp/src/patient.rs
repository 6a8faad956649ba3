//! TD0.2 (test of existence of the patient's DMP and authorisation status,
//! HL7v3 `PRPA_IN201307UV02` → `PRPA_IN201308UV02`) and the authorisation
//! management of the `/habilitations` service (reference §5). Sans-IO:
//! request bodies and response readers; the simulator writes the responses
//! with the same functions.
//!
//! The response details (attention lines `AUTORISATION` / `STATUT_MT`, the
//! closure observations) come from public client code, not from the DMPi
//! guide (UNCONFIRMED): unknown values are kept as
//! [`AuthorizationStatus::Other`] rather than refused.

use segur_ins::Ins;
use time::OffsetDateTime;

use crate::error::{Error, ProtocolError};
use crate::time_fmt;
use crate::xml::Element;

/// `urn:hl7-org:v3`
pub const HL7_NS: &str = "urn:hl7-org:v3";
/// SOAP action of TD0.2.
pub const TD02_ACTION: &str = "urn:hl7-org:v3:PRPA_IN201307UV02";
/// Namespace of the authorisation service.
pub const HABILITATIONS_NS: &str = "urn:si-dmp-habilitations";
/// SOAP action: set / remove an authorisation.
pub const SET_AUTHORIZATION_ACTION: &str =
    "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization";
/// SOAP action: list authorisations.
pub const LIST_AUTHORIZATIONS_ACTION: &str =
    "urn:si-dmp-habilitations:HabilitationsEndPoint:listAuthorizationByPatient";
const DMP_DEVICE_OID: &str = "1.2.250.1.213.4.1.1.1";
const REASON_CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.11";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn hl7(local: &str) -> Element {
    Element::new(format!("hl7:{local}"), HL7_NS)
}

fn device(type_code: &str, root: &str, name: &str) -> Element {
    hl7(type_code)
        .attr(
            "typeCode",
            if type_code == "receiver" {
                "RCV"
            } else {
                "SND"
            },
        )
        .child(
            hl7("device")
                .attr("classCode", "DEV")
                .attr("determinerCode", "INSTANCE")
                .child(hl7("id").attr("root", root))
                .child(hl7("softwareName").text(name)),
        )
}

/// Body of a TD0.2 request for `patient`, sent by software `lps_name`.
pub(crate) fn td02_request(patient: &Ins, lps_name: &str, now: OffsetDateTime) -> Element {
    let msg_id = uuid::Uuid::new_v4().to_string();
    let (oid, ext) = patient.cda_id();
    hl7("PRPA_IN201307UV02")
        .decl("hl7", HL7_NS)
        .attr("ITSVersion", "XML_1.0")
        .child(hl7("id").attr("root", msg_id.clone()))
        .child(hl7("creationTime").attr("value", time_fmt::hl7(now)))
        .child(
            hl7("interactionId")
                .attr("root", "2.16.840.1.113883.1.6")
                .attr("extension", "PRPA_IN201307UV02"),
        )
        .child(hl7("processingCode").attr("code", "P"))
        .child(hl7("processingModeCode").attr("code", "T"))
        .child(hl7("acceptAckCode").attr("code", "AL"))
        .child(device("receiver", DMP_DEVICE_OID, "DMP"))
        .child(device("sender", &msg_id, lps_name))
        .child(
            hl7("controlActProcess")
                .attr("classCode", "CACT")
                .attr("moodCode", "EVN")
                .child(
                    hl7("reasonCode")
                        .attr("code", "TEST_EXST")
                        .attr("codeSystem", REASON_CODE_SYSTEM),
                )
                .child(
                    hl7("queryByParameter")
                        .child(hl7("queryId").attr("root", msg_id))
                        .child(hl7("statusCode").attr("code", "new"))
                        .child(
                            hl7("parameterList").child(
                                hl7("patientIdentifier")
                                    .child(
                                        hl7("value")
                                            .attr("root", oid.as_str())
                                            .attr("extension", ext),
                                    )
                                    .child(hl7("semanticsText").text("Patient.id")),
                            ),
                        ),
                ),
        )
}

/// Reads the patient of a TD0.2 request (simulator side).
pub(crate) fn td02_patient(body: &Element) -> Result<Ins, Error> {
    let mut values = Vec::new();
    body.descendants(HL7_NS, "patientIdentifier", &mut values);
    let v = values
        .first()
        .and_then(|p| p.first(HL7_NS, "value"))
        .ok_or_else(|| ProtocolError::Unexpected("TD0.2 without patientIdentifier".into()))?;
    Ins::from_cda_id(v.req_attr("root")?, v.req_attr("extension")?)
        .map_err(|e| ProtocolError::Unexpected(format!("TD0.2 patient: {e}")).into())
}

/// The actor's authorisation on the patient's DMP (attention line
/// `AUTORISATION`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum AuthorizationStatus {
    /// `VALIDE`: authorised.
    Valid,
    /// `EXPIREE`.
    Expired,
    /// `INTERDITE`: the patient blocked this professional (no access even
    /// with consent).
    Blocked,
    /// No authorisation (no attention line, or `NON_AUTORISE`).
    None,
    /// Another value, kept as written.
    Other(String),
}

impl AuthorizationStatus {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Valid => "VALIDE",
            Self::Expired => "EXPIREE",
            Self::Blocked => "INTERDITE",
            Self::None => "NON_AUTORISE",
            Self::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "VALIDE" => Self::Valid,
            "EXPIREE" => Self::Expired,
            "INTERDITE" => Self::Blocked,
            "NON_AUTORISE" | "" => Self::None,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// TD0.2 result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DmpStatus {
    /// An active DMP exists (`OK`); `false` for `NF` (not an error: show
    /// "no DMP").
    pub exists: bool,
    /// The DMP is closed (closure date if given).
    pub closed: bool,
    /// Closure date (`yyyyMMdd…`), when closed.
    pub closure_date: Option<String>,
    /// The actor's authorisation.
    pub authorization: AuthorizationStatus,
    /// The actor is the patient's "médecin traitant DMP".
    pub treating_physician: bool,
}

impl DmpStatus {
    /// A DMP that does not exist.
    pub fn not_found() -> Self {
        Self {
            exists: false,
            closed: false,
            closure_date: None,
            authorization: AuthorizationStatus::None,
            treating_physician: false,
        }
    }

    /// An active DMP with this authorisation.
    pub fn active(authorization: AuthorizationStatus, treating_physician: bool) -> Self {
        Self {
            exists: true,
            closed: false,
            closure_date: None,
            authorization,
            treating_physician,
        }
    }
}

fn attention_line(key: &str, value: &str) -> Element {
    hl7("attentionLine")
        .child(hl7("keyWordText").attr("code", key).text(key))
        .child(
            hl7("value")
                .decl("xsi", XSI_NS)
                .attr_ns("xsi:type", XSI_NS, "ST")
                .attr("value", value),
        )
}

/// Body of a TD0.2 response (simulator side).
pub(crate) fn td02_response(status: &DmpStatus, now: OffsetDateTime) -> Element {
    let mut msg = hl7("PRPA_IN201308UV02")
        .decl("hl7", HL7_NS)
        .attr("ITSVersion", "XML_1.0")
        .child(hl7("id").attr("root", uuid::Uuid::new_v4().to_string()))
        .child(hl7("creationTime").attr("value", time_fmt::hl7(now)))
        .child(
            hl7("interactionId")
                .attr("root", "2.16.840.1.113883.1.6")
                .attr("extension", "PRPA_IN201308UV02"),
        );
    if status.exists {
        msg = msg
            .child(attention_line(
                "AUTORISATION",
                status.authorization.as_str(),
            ))
            .child(attention_line(
                "STATUT_MT",
                if status.treating_physician {
                    "VALIDE"
                } else {
                    "NON"
                },
            ));
    }
    let mut cap = hl7("controlActProcess")
        .attr("classCode", "CACT")
        .attr("moodCode", "EVN");
    if status.exists {
        let mut patient = hl7("patient").attr("classCode", "PAT").child(
            hl7("statusCode").attr("code", if status.closed { "nullified" } else { "active" }),
        );
        if let Some(d) = &status.closure_date {
            patient = patient.child(
                hl7("subjectOf").child(
                    hl7("administrativeObservation")
                        .child(hl7("code").attr("code", "DATE_FERMETURE"))
                        .child(hl7("value").attr("value", d)),
                ),
            );
        }
        cap = cap.child(
            hl7("subject")
                .attr("typeCode", "SUBJ")
                .child(hl7("registrationEvent").child(hl7("subject1").child(patient))),
        );
    }
    cap = cap.child(
        hl7("queryAck")
            .child(hl7("queryResponseCode").attr("code", if status.exists { "OK" } else { "NF" })),
    );
    msg.child(cap)
}

/// Reads a TD0.2 response body.
pub(crate) fn td02_parse(body: &Element) -> Result<DmpStatus, Error> {
    if !body.is(HL7_NS, "PRPA_IN201308UV02") {
        return Err(ProtocolError::Unexpected(format!(
            "{} instead of PRPA_IN201308UV02",
            body.name
        ))
        .into());
    }
    let code = body
        .descendant(HL7_NS, "queryResponseCode")
        .and_then(|c| c.get_attr("code"))
        .ok_or_else(|| {
            ProtocolError::Unexpected("TD0.2 response without queryResponseCode".into())
        })?;
    match code {
        "NF" => return Ok(DmpStatus::not_found()),
        "OK" => {}
        other => {
            return Err(
                ProtocolError::Unexpected(format!("TD0.2 queryResponseCode {other}")).into(),
            );
        }
    }
    let mut authorization = AuthorizationStatus::None;
    let mut treating_physician = false;
    for line in body.all(HL7_NS, "attentionLine") {
        let key = line
            .first(HL7_NS, "keyWordText")
            .map(|k| {
                k.get_attr("code")
                    .map(str::to_owned)
                    .unwrap_or_else(|| k.text_content().trim().to_owned())
            })
            .unwrap_or_default();
        let value = line
            .first(HL7_NS, "value")
            .map(|v| {
                v.get_attr("value")
                    .or(v.get_attr("code"))
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.text_content().trim().to_owned())
            })
            .unwrap_or_default();
        match key.as_str() {
            "AUTORISATION" => authorization = AuthorizationStatus::parse(&value),
            "STATUT_MT" => treating_physician = value == "VALIDE" || value == "OUI",
            _ => {}
        }
    }
    let patient = body.descendant(HL7_NS, "patient");
    let closed = patient
        .and_then(|p| p.first(HL7_NS, "statusCode"))
        .and_then(|s| s.get_attr("code"))
        .is_some_and(|c| c != "active");
    let closure_date = patient
        .and_then(|p| p.descendant(HL7_NS, "administrativeObservation"))
        .filter(|o| {
            o.first(HL7_NS, "code").and_then(|c| c.get_attr("code")) == Some("DATE_FERMETURE")
        })
        .and_then(|o| o.first(HL7_NS, "value"))
        .and_then(|v| v.get_attr("value"))
        .map(str::to_owned);
    Ok(DmpStatus {
        exists: true,
        closed,
        closure_date,
        authorization,
        treating_physician,
    })
}

// ---------------------------------------------------------------------------
// Habilitations

fn hab(local: &str) -> Element {
    Element::new(format!("hab:{local}"), HABILITATIONS_NS)
}

/// Add or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationAction {
    /// `AJOUT`
    Add,
    /// `SUPPRESSION`
    Remove,
}

impl AuthorizationAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Add => "AJOUT",
            Self::Remove => "SUPPRESSION",
        }
    }
}

/// One authorisation on a patient's DMP.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Authorization {
    /// The professional's national id.
    pub national_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Declared as "médecin traitant DMP".
    pub treating_physician: bool,
}

fn patient_ins_element(patient: &Ins) -> Element {
    hab("patientINS").text(patient.to_cx())
}

/// `setAuthorization` body.
pub(crate) fn set_authorization_request(
    patient: &Ins,
    action: AuthorizationAction,
    treating_physician: bool,
) -> Element {
    let mut e = hab("setAuthorization")
        .decl("hab", HABILITATIONS_NS)
        .child(patient_ins_element(patient))
        .child(hab("action").text(action.as_str()));
    if treating_physician {
        e = e.child(hab("role").text("MEDECIN_TRAITANT"));
    }
    e
}

/// Reads a `setAuthorization` request (simulator side).
pub(crate) fn read_set_authorization(
    body: &Element,
) -> Result<(Ins, AuthorizationAction, bool), Error> {
    let ins = Ins::from_cx(
        &body
            .child_text(HABILITATIONS_NS, "patientINS")
            .unwrap_or_default(),
    )
    .map_err(|e| ProtocolError::Unexpected(format!("patientINS: {e}")))?;
    let action = match body.child_text(HABILITATIONS_NS, "action").as_deref() {
        Some("AJOUT") => AuthorizationAction::Add,
        Some("SUPPRESSION") => AuthorizationAction::Remove,
        other => return Err(ProtocolError::Unexpected(format!("action {other:?}")).into()),
    };
    let mt = body.child_text(HABILITATIONS_NS, "role").as_deref() == Some("MEDECIN_TRAITANT");
    Ok((ins, action, mt))
}

/// `listAuthorizationByPatient` body.
pub(crate) fn list_authorizations_request(patient: &Ins) -> Element {
    hab("listAuthorizationByPatient")
        .decl("hab", HABILITATIONS_NS)
        .child(patient_ins_element(patient))
        .child(hab("mode").text("TOUTE"))
}

/// Reads a `listAuthorizationByPatient` request (simulator side).
pub(crate) fn read_list_authorizations(body: &Element) -> Result<Ins, Error> {
    Ins::from_cx(
        &body
            .child_text(HABILITATIONS_NS, "patientINS")
            .unwrap_or_default(),
    )
    .map_err(|e| ProtocolError::Unexpected(format!("patientINS: {e}")).into())
}

/// Response of both operations: `status` (`OK` or an error code),
/// `context` and, for the list, the authorisations.
pub(crate) fn habilitations_response(
    local: &str,
    status: &str,
    context: &str,
    list: &[Authorization],
) -> Element {
    hab(local)
        .decl("hab", HABILITATIONS_NS)
        .child(hab("status").text(status))
        .child(hab("context").text(context))
        .children(list.iter().map(|a| {
            hab("listOfAuthorizationByPatient")
                .child(hab("nationalId").text(&a.national_id))
                .child(hab("firstName").text(&a.first_name))
                .child(hab("lastName").text(&a.last_name))
                .child(hab("role").text(if a.treating_physician {
                    "MEDECIN_TRAITANT"
                } else {
                    ""
                }))
        }))
}

/// A refused authorisation request (`status` not OK).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DMP authorisation service refused: {status} ({context})")]
pub struct HabilitationRefused {
    /// `status`.
    pub status: String,
    /// `context`.
    pub context: String,
}

/// Reads a habilitations response.
pub(crate) fn habilitations_parse(body: &Element) -> Result<Vec<Authorization>, Error> {
    let status = body
        .child_text(HABILITATIONS_NS, "status")
        .unwrap_or_default();
    if status != "OK" {
        return Err(Error::Habilitation(HabilitationRefused {
            status,
            context: body
                .child_text(HABILITATIONS_NS, "context")
                .unwrap_or_default(),
        }));
    }
    Ok(body
        .all(HABILITATIONS_NS, "listOfAuthorizationByPatient")
        .map(|a| Authorization {
            national_id: a
                .child_text(HABILITATIONS_NS, "nationalId")
                .unwrap_or_default(),
            first_name: a
                .child_text(HABILITATIONS_NS, "firstName")
                .unwrap_or_default(),
            last_name: a
                .child_text(HABILITATIONS_NS, "lastName")
                .unwrap_or_default(),
            treating_physician: a.child_text(HABILITATIONS_NS, "role").as_deref()
                == Some("MEDECIN_TRAITANT"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins() -> Ins {
        Ins::new(
            "279035121518989".parse().expect("nir"),
            segur_ins::InsOid::Test,
        )
    }

    #[test]
    fn td02_round_trip() {
        let now = OffsetDateTime::now_utc();
        let req = crate::xml::parse(td02_request(&ins(), "segur-rs", now).to_xml().as_bytes())
            .expect("parse");
        assert_eq!(td02_patient(&req).expect("patient"), ins());
        for status in [
            DmpStatus::not_found(),
            DmpStatus::active(AuthorizationStatus::Valid, true),
            DmpStatus::active(AuthorizationStatus::Blocked, false),
            DmpStatus::active(AuthorizationStatus::Other("SUSPENDUE".into()), false),
            DmpStatus {
                closed: true,
                closure_date: Some("20240101".into()),
                ..DmpStatus::active(AuthorizationStatus::Expired, false)
            },
        ] {
            let xml = td02_response(&status, now).to_xml();
            let back =
                td02_parse(&crate::xml::parse(xml.as_bytes()).expect("parse")).expect("read");
            assert_eq!(back, status);
        }
        let bad = crate::xml::parse(b"<a/>").expect("parse");
        assert!(td02_parse(&bad).is_err());
    }

    #[test]
    fn habilitations_round_trip() {
        let req = set_authorization_request(&ins(), AuthorizationAction::Add, true);
        let req = crate::xml::parse(req.to_xml().as_bytes()).expect("parse");
        assert_eq!(
            read_set_authorization(&req).expect("read"),
            (ins(), AuthorizationAction::Add, true)
        );
        let list = vec![Authorization {
            national_id: "810003612545".into(),
            first_name: "Jeanne".into(),
            last_name: "MARTIN".into(),
            treating_physician: true,
        }];
        let resp = habilitations_response("listAuthorizationByPatientResponse", "OK", "", &list);
        let back =
            habilitations_parse(&crate::xml::parse(resp.to_xml().as_bytes()).expect("parse"))
                .expect("ok");
        assert_eq!(back, list);
        let refused = habilitations_response(
            "setAuthorizationResponse",
            "KO_PATIENT_INCONNU",
            "INS inconnu",
            &[],
        );
        assert!(matches!(
            habilitations_parse(&crate::xml::parse(refused.to_xml().as_bytes()).expect("parse")),
            Err(Error::Habilitation(_))
        ));
    }
}
