//! The prescription and its CDA document.
//!
//! The document is produced by a [`PrescriptionRenderer`]: the host's (it
//! knows its LAP/LGC data model and its page layout) or [`N1Renderer`] for
//! the prescription types whose CI-SIS document is N1. Health products go
//! in an N3 eP-MED-DM document (`57833-6`), whose builder is segur-cda's.
//!
//! The "envoi en Y" asks the renderer for the document twice at most, with
//! the same document id: without the printed code (the content sent to the
//! e-prescription service) and for the DMP, with the code when the
//! e-prescription service registered the prescription, without it otherwise
//! (SC.ORDN/CONF.05).

use segur_cda::builder::{HeaderBuilder, Practitioner};
use segur_cda::clock::{FixedClock, IdGenerator};
use segur_cda::datatypes::Ii;
use segur_cda::header::PatientRole;
use segur_cda::vocab::DocumentType;
use segur_cda::{Document, Level, NonXmlBody};
use segur_ids::Rpps;
use time::OffsetDateTime;

use super::code::PrintedCode;
use super::id::PrescriptionId;
use super::print;
use crate::error::RenderError;

/// What is prescribed, which decides the CDA document type and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PrescriptionKind {
    /// Drugs and medical devices: N3 eP-MED-DM, LOINC `57833-6`.
    ProduitsDeSante,
    /// Medical biology: N1, TRE_A05 `PRESC-BIO`.
    Biologie,
    /// Physiotherapy: N1, TRE_A05 `PRESC-KINE`.
    Kinesitherapie,
    /// Nursing: N1, TRE_A05 `PRESC-INF`.
    SoinsInfirmiers,
    /// Any other prescription: N1, LOINC `57828-6`.
    Autre,
}

impl PrescriptionKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::ProduitsDeSante,
        Self::Biologie,
        Self::Kinesitherapie,
        Self::SoinsInfirmiers,
        Self::Autre,
    ];

    /// A stable code for wire formats and traces.
    pub fn code(self) -> &'static str {
        match self {
            Self::ProduitsDeSante => "produits_de_sante",
            Self::Biologie => "biologie",
            Self::Kinesitherapie => "kinesitherapie",
            Self::SoinsInfirmiers => "soins_infirmiers",
            Self::Autre => "autre",
        }
    }

    /// The CDA level of its document.
    pub fn level(self) -> Level {
        match self {
            Self::ProduitsDeSante => Level::N3,
            _ => Level::N1,
        }
    }

    /// The J07 document type.
    pub fn document_type(self) -> Option<&'static DocumentType> {
        let (code, system) = match self {
            Self::ProduitsDeSante => ("57833-6", &segur_cda::vocab::code_system::LOINC),
            Self::Biologie => ("PRESC-BIO", &segur_cda::vocab::code_system::TRE_A05),
            Self::Kinesitherapie => ("PRESC-KINE", &segur_cda::vocab::code_system::TRE_A05),
            Self::SoinsInfirmiers => ("PRESC-INF", &segur_cda::vocab::code_system::TRE_A05),
            Self::Autre => ("57828-6", &segur_cda::vocab::code_system::LOINC),
        };
        DocumentType::lookup(code, system.as_str())
    }

    /// The document title.
    pub fn title(self) -> &'static str {
        match self {
            Self::ProduitsDeSante => "Prescription de produits de santé",
            Self::Biologie => "Prescription d'actes de biologie médicale",
            Self::Kinesitherapie => "Prescription d'actes de kinésithérapie",
            Self::SoinsInfirmiers => "Prescription d'actes infirmiers",
            Self::Autre => "Prescription",
        }
    }
}

/// A prescription to issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Prescription {
    /// Its unique identifier ([`super::IdGenerator`]).
    pub id: PrescriptionId,
    /// What is prescribed.
    pub kind: PrescriptionKind,
    /// The prescriber.
    pub prescriber: Rpps,
    /// The patient as written in the document (`recordTarget/patientRole`;
    /// the INS only for a qualified identity: segur-cda's `PatientBuilder`).
    pub patient: PatientRole,
    /// The local, pseudonymous patient reference used in traces and in the
    /// DMP queue (never a NIR).
    pub patient_ref: String,
    /// When it was written.
    pub issued_at: OffsetDateTime,
    /// The prescription's text, one line each (printed by [`N1Renderer`];
    /// host renderers may use their own data).
    pub lines: Vec<String>,
}

/// What a renderer is asked for.
#[derive(Debug, Clone, Copy)]
pub struct RenderRequest<'a> {
    /// The prescription.
    pub prescription: &'a Prescription,
    /// The document `id` to write (the DMP `uniqueId`: the same for every
    /// rendering of one prescription, so retries never duplicate).
    pub document_id: &'a Ii,
    /// The document `setId`.
    pub set_id: &'a Ii,
    /// The code to print, when the e-prescription service registered the
    /// prescription; `None`: print no code.
    pub code: Option<&'a PrintedCode>,
}

/// Produces the CDA document of a prescription.
pub trait PrescriptionRenderer: Send + Sync {
    /// The document, with `request.document_id` as its `id`. Must be
    /// deterministic for a given request.
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError>;
}

struct GivenIds<'a>(&'a Ii, &'a Ii, std::sync::atomic::AtomicBool);

impl IdGenerator for GivenIds<'_> {
    fn next_id(&self) -> Ii {
        // for_practice asks for the document id, then the set id.
        if self.2.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.1.clone()
        } else {
            self.0.clone()
        }
    }
}

/// N1 prescriptions (all kinds but health products): a CI-SIS header from
/// segur-cda's `HeaderBuilder::for_practice` and a PDF body printing the
/// lines, with the 2D code and the identifier at the bottom left when given.
#[derive(Debug, Clone)]
pub struct N1Renderer {
    practitioner: Practitioner,
}

impl N1Renderer {
    /// Renders as `practitioner`, author and legal authenticator.
    pub fn new(practitioner: Practitioner) -> Self {
        Self { practitioner }
    }
}

impl PrescriptionRenderer for N1Renderer {
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError> {
        let p = request.prescription;
        if p.kind.level() != Level::N1 {
            return Err(RenderError::Unsupported(
                "health products: N3 eP-MED-DM (segur-cda builder)",
            ));
        }
        let doc_type = p
            .kind
            .document_type()
            .ok_or(RenderError::Unsupported("this prescription kind"))?;
        let ids = GivenIds(request.document_id, request.set_id, false.into());
        let header = HeaderBuilder::for_practice(
            doc_type.to_code(),
            p.kind.title(),
            &self.practitioner,
            p.patient.clone(),
            p.issued_at,
            &FixedClock(p.issued_at),
            &ids,
        );
        let prescriber = format!(
            "{} {} {}",
            self.practitioner.suffix.as_deref().unwrap_or(""),
            self.practitioner.given,
            self.practitioner.family
        );
        let page = print::PrescriptionPage {
            title: p.kind.title(),
            header_lines: vec![
                prescriber.trim().to_owned(),
                format!("RPPS {}", p.prescriber),
                self.practitioner.structure.name.clone(),
                format!(
                    "Le {:02}/{:02}/{:04}",
                    p.issued_at.day(),
                    u8::from(p.issued_at.month()),
                    p.issued_at.year()
                ),
            ],
            lines: p.lines.iter().map(String::as_str).collect(),
            code: request.code,
        };
        header
            .build_n1(NonXmlBody::pdf(print::render_pdf(&page)))
            .map_err(|e| RenderError::Cda(e.to_string()))
    }
}
