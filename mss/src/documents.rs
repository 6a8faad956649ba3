//! Reading the message-convention facts of CDA documents with segur-cda's
//! header parser: type code and label, ids, version, RPLC / XFRM links, act
//! date, patient identity, and the embedded PDF of an N1 document.

use segur_cda::datatypes::Ii;
use segur_cda::header::Header;
use segur_cda::{Body, Document};
use segur_ins::{BirthDate, Ins, Sex, Traits};
use time::Date;

use crate::error::MessageError;
use crate::message::{DocumentFacts, SentDocument};

/// `root^extension` (or `root`) of an instance identifier.
pub fn ii_key(ii: &Ii) -> String {
    match (&ii.root, &ii.extension) {
        (Some(r), Some(e)) => format!("{r}^{e}"),
        (Some(r), None) => r.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    }
}

/// The patient as a CDA header describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocumentPatient {
    /// The INS when the document carries one (qualified identity at the sender).
    pub ins: Option<Ins>,
    /// Birth family name.
    pub family_name: Option<String>,
    /// Given names.
    pub given_names: Option<String>,
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Sex (`administrativeGenderCode`), when given as `F`, `M` or `U`.
    pub sex: Option<Sex>,
    /// INSEE code of the birth place (`birthplace/place/addr/county`).
    pub birth_place: Option<String>,
    /// Other patient ids (IPP), as `root^extension`.
    pub local_ids: Vec<String>,
}

impl DocumentPatient {
    /// From a parsed header.
    pub fn from_header(h: &Header) -> Self {
        let role = h.patient_role();
        let ins_ii = h.patient_ins();
        let ins = ins_ii
            .and_then(|ii| Ins::from_cda_id(ii.root.as_deref()?, ii.extension.as_deref()?).ok());
        let patient = role.and_then(|r| r.patient.as_ref());
        Self {
            ins,
            family_name: patient
                .and_then(|p| {
                    p.birth_name()
                        .or_else(|| p.names.first().and_then(|n| n.family()))
                })
                .map(str::to_owned),
            given_names: patient
                .and_then(|p| p.given_names().or_else(|| p.first_given_name()))
                .map(str::to_owned),
            birth_date: patient
                .and_then(|p| p.birth_time.as_ref())
                .and_then(|t| t.date()),
            sex: patient
                .and_then(|p| p.administrative_gender_code.as_ref())
                .and_then(|c| c.code.as_deref())
                .and_then(|c| Sex::from_code(c).ok()),
            birth_place: patient
                .and_then(|p| p.birthplace.as_ref())
                .and_then(|a| a.parts.iter().find(|p| p.kind == "county"))
                .map(|p| p.value.trim().to_owned())
                .filter(|v| !v.is_empty()),
            local_ids: role
                .map(|r| {
                    r.ids
                        .iter()
                        .filter(|i| Some(*i) != ins_ii)
                        .map(ii_key)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The strict identity traits the document gives, to search the
    /// patient index ([`segur_ins::sentinelle::PatientIndex::find_by_traits`]);
    /// `None` when a mandatory trait (birth name, given names, birth date,
    /// sex) is missing or invalid.
    pub fn traits(&self) -> Option<Traits> {
        let mut b = Traits::builder()
            .birth_family_name(self.family_name.clone()?)
            .birth_given_names(self.given_names.clone()?)
            .birth_date(BirthDate::new(self.birth_date?).ok()?)
            .sex(self.sex?);
        if let Some(place) = &self.birth_place {
            b = b.birth_place(place.clone());
        }
        b.build().ok()
    }

    /// A stable key: the INS, else the first local id, else names + birth date.
    pub fn key(&self) -> String {
        if let Some(ins) = &self.ins {
            return ins.to_cx();
        }
        if let Some(id) = self.local_ids.first() {
            return id.clone();
        }
        format!(
            "{}|{}|{}",
            self.family_name.as_deref().unwrap_or(""),
            self.given_names.as_deref().unwrap_or(""),
            self.birth_date.map(|d| d.to_string()).unwrap_or_default()
        )
    }
}

/// The message-convention facts of a CDA header.
pub fn facts_from_header(h: &Header) -> Result<DocumentFacts, MessageError> {
    let id = h.id.as_ref().map(ii_key).filter(|s| !s.is_empty()).ok_or(
        MessageError::InvalidDocument {
            document: "?".into(),
            reason: "no ClinicalDocument/id".into(),
        },
    )?;
    let bad = |reason: &str| MessageError::InvalidDocument {
        document: id.clone(),
        reason: reason.into(),
    };
    let code = h
        .code
        .as_ref()
        .and_then(|c| c.code.clone())
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| bad("no ClinicalDocument/code/@code"))?;
    let label = h
        .code
        .as_ref()
        .and_then(|c| c.display_name.clone())
        .or_else(|| h.title.clone())
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| bad("no document type label (code/@displayName or title)"))?;
    let act_date = h
        .act_time()
        .and_then(|t| t.date())
        .ok_or_else(|| bad("no act date (serviceEvent or effectiveTime)"))?;
    Ok(DocumentFacts {
        id,
        code,
        label,
        act_date,
        patient_key: DocumentPatient::from_header(h).key(),
        paired_with: h.transformed_from().map(ii_key),
        replaces: h.replaces().map(ii_key),
        action: if h.replaces().is_some() {
            crate::xdm::XdmAction::Replace
        } else {
            crate::xdm::XdmAction::Original
        },
    })
}

/// A CDA to send: its facts, and its PDF rendering — the embedded PDF of an
/// N1 document, else `pdf` given by the caller (rendering of an N3).
pub fn sent_document(
    cda: &[u8],
    pdf: Option<Vec<u8>>,
) -> Result<(SentDocument, DocumentPatient), MessageError> {
    let doc = Document::parse(cda.to_vec()).map_err(|e| MessageError::InvalidDocument {
        document: "CDA".into(),
        reason: e.to_string(),
    })?;
    let facts = facts_from_header(&doc.header)?;
    let patient = DocumentPatient::from_header(&doc.header);
    let embedded = match &doc.body {
        Body::NonXml(n) if n.media_type().eq_ignore_ascii_case("application/pdf") => {
            Some(n.decode().into_owned())
        }
        _ => None,
    };
    Ok((
        SentDocument {
            facts,
            pdf: embedded.or(pdf),
        },
        patient,
    ))
}
