//! Structured (N3) documents the professional asks the host to write, and
//! the contact details of a patient file they are pre-filled with.
//!
//! The medical content is given as the `segur_cda` volet models
//! ([`MedicalSummary`], [`Prescription`]): a scenario plays the professional
//! who enters or confirms it; the host writes the documents from it, with
//! its own header (patient file, practice, dates, ids).

use segur_cda::datatypes::{Addr, Telecom};
use segur_cda::volets::eprescription::{Prescription, PrescriptionContext};
use segur_cda::volets::vsm::MedicalSummary;
use time::OffsetDateTime;

use super::DocumentRef;

/// The medical content of a structured document of a CI-SIS content volet.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StructuredContent {
    /// A Volet de Synthèse Médicale 2023.01 (SC.DB/LGC.01).
    MedicalSummary(MedicalSummary),
    /// A prescription of health products, eP-MED-DM 2024.01 (SC.DOC.03).
    Prescription {
        /// The prescribed medications and devices.
        prescription: Prescription,
        /// Validity, prescription id and options.
        context: PrescriptionContext,
    },
}

/// What the professional asks the host to write as a structured document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StructuredRequest {
    /// Title of the document.
    pub title: String,
    /// Date of the act (consultation) the document is written at.
    pub act_time: OffsetDateTime,
    /// The medical content.
    pub content: StructuredContent,
}

impl StructuredRequest {
    /// A request.
    pub fn new(
        title: impl Into<String>,
        act_time: OffsetDateTime,
        content: StructuredContent,
    ) -> Self {
        StructuredRequest {
            title: title.into(),
            act_time,
            content,
        }
    }
}

/// The two forms of a produced structured document (SC.CDA/DD.23): the N3
/// and its N1 twin (same PDF, `XFRM` to the N3), held as one document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProducedPair {
    /// The structured (N3) form.
    pub n3: DocumentRef,
    /// The N1 form.
    pub n1: DocumentRef,
}

impl ProducedPair {
    /// A pair.
    pub fn new(n3: DocumentRef, n1: DocumentRef) -> Self {
        ProducedPair { n3, n1 }
    }
}

/// The contact details held in a patient file (written in document headers
/// where a volet requires them, e.g. eP-MED-DM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatientContact {
    /// Postal addresses.
    pub addrs: Vec<Addr>,
    /// Phones and e-mail addresses.
    pub telecoms: Vec<Telecom>,
}

impl PatientContact {
    /// Contact details.
    pub fn new(addrs: Vec<Addr>, telecoms: Vec<Telecom>) -> Self {
        PatientContact { addrs, telecoms }
    }
}
