//! Child health record (carnet de santé de l'enfant) for Ségur vague 2 LGCs.
//!
//! # Documents (N3 only)
//! Typed models, N3 builders and readers of the five child-health volets,
//! built on the segur-cda N3 framework (its writer, element tree, value
//! sets, narrative cells and the FR-Signes-vitaux / vital-signs entries):
//!
//! | Model | Volet | Schematron key |
//! |---|---|---|
//! | [`cs8::Cs8Certificate`] | CSE-CS8 2025.01, 1st certificate (8th day) | `CSE-CS8_2025.01` |
//! | [`followup::Cs9Certificate`] | CSE-CS9 2025.01 (9th month) | `CSE-CS9_2025.01` |
//! | [`followup::Cs24Certificate`] | CSE-CS24 2025.01 (24th month) | `CSE-CS24_2025.01` |
//! | [`measures::ChildMeasurements`] | CSE-MDE 2023.01, Mesures de l'enfant | `CSE-MDE_2023.01` |
//! | [`vaccination_note::VaccinationNote`] | VAC-NOTE 2023.01, Note de vaccination | `VAC-NOTE_2023.01` |
//!
//! Each model has `check()` (value sets, units, the volet schematron's
//! rules), `build(header, ids)` (the host's pre-filled
//! [`HeaderBuilder`](segur_cda::builder::HeaderBuilder) gets the volet's
//! code, templateIds and service event; the header rules of the volet are
//! checked natively by [`volet::check_header`]) and `from_document()`.
//! Coded items are [`CodedValue`](segur_cda::n3::codes::CodedValue)s checked
//! against the JDVs of the reference; a code outside its set is refused.
//!
//! These documents are shared as N3 only: they have no N1 twin.
//! [`volet::n1_twin_of`] and [`volet::ensure_shareable`] return
//! [`Error::N3Only`].
//!
//! ```
//! use segur_cda::volets::samples::Richness;
//! use segur_enfant::{followup::Cs9Certificate, samples, volet::ChildVolet};
//!
//! let ids = samples::ids();
//! let header = samples::header(ChildVolet::Cs9, &ids)?;
//! let cert = samples::cs9(Richness::Typical)?;
//! let doc = cert.build(header, &ids)?;
//! assert_eq!(ChildVolet::of(&doc.header), Some(ChildVolet::Cs9));
//! let back = Cs9Certificate::from_document(&segur_cda::Document::parse(doc.to_xml())?)?;
//! assert_eq!(back, cert);
//! assert!(segur_enfant::volet::n1_twin_of(&doc).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Mandatory examinations
//! [`exams`]: the 20 examinations of the 2025 calendar (codes, windows,
//! certificates), due / overdue from a birth date; [`report`]: the report of
//! an examination as CDA N1 (document code: working hypothesis
//! [`report::EXAM_REPORT_CODE`]), pre-filled from the host's
//! [`report::ChildFile`].
//!
//! Headers are pre-filled from the child's file with
//! [`volet::child_header`] (the child from her qualified identity, home
//! address, the mother as guardian and informant).
//!
//! # Growth charts
//! [`growth`]: SVG charts of weight, length/height, head circumference and
//! BMI for age over the WHO Child Growth Standards 0–5 years (LMS tables
//! shipped as data in `data/who/`, source named under every chart),
//! z-scores and percentiles, and the HTML rendering of a Mesures document
//! with its charts ([`growth::render_measures_html`]).
//!
//! # Sending to the PMI and the DREES
//! [`sending`]: validated certificates queued per recipient in segur-dmp's
//! crash-safe queue (retried, never duplicated), sent through a
//! [`sending::CertificateSender`] — [`sending::MssCertificateSender`] sends
//! them over MSSanté as IHE XDM with segur-mss — and traced in the segur-ssi
//! audit trail. [`recipients`]: who receives them — the PMI of the child's
//! [`recipients::Departement`] and the DREES, looked up in the Annuaire
//! Santé ([`recipients::RecipientResolver`], cached, with the configured
//! table as override and fallback), each recipient saying where its
//! address came from.
//!
//! # Test outputs
//! The tests write every fixture (minimal, typical, maximal) and every
//! official example rewritten from its typed model to
//! `$SEGUR_TEST_OUT/cda/<volet key>/enfant-*.xml`, where
//! `scripts/check.d/20-cda-schematron.sh` validates them with the official
//! XSD, header schematron and volet schematron.
//!
//! # Judgement calls (UNCONFIRMED in the reference)
//! - Tuberculosis risk qualifier: the CS8 schematron asserts `MED-183`, the
//!   CS24 example writes `MED-283`: we write `MED-183`, read both.
//! - CS8 alcohol / tobacco during pregnancy are INT as in the example (the
//!   unit is not specified).
//! - Age of walking (`MED-201`) is written in UCUM months (`mo`); the CS24
//!   example writes `m` (metres), read as a number of months too.
//! - Recipients in the Annuaire Santé ([`recipients`] has the details and
//!   sources): a PMI is an Organization of FINESS category 223 (TRE_R66)
//!   located in the department, with an organisational (`ORG`) MSSanté
//!   mailbox; among several, the departmental service is preferred, else the
//!   table decides; the DREES is searched by name. UNCONFIRMED: that
//!   departmental PMI services and the DREES are listed this way.
//! - JDV_Patho_1ere_semaine_CS8_CISIS is not vendored: its five codes come
//!   from the reference sheet ([`cs8::PATHO_1ERE_SEMAINE`]).

pub mod common;
pub mod cs8;
pub mod error;
pub mod exams;
pub mod followup;
pub mod growth;
pub mod measures;
pub mod recipients;
pub mod report;
pub mod samples;
pub mod sending;
pub mod vaccination_note;
pub mod volet;
mod xml;

pub use error::{Error, Result};
pub use xml::Fixed;
