//! CDA R2 health documents per the ANS CI-SIS (Ségur vague 2).
//!
//! The crate produces, reads, checks and shows the documents an LGC exchanges
//! through the DMP and MSSanté:
//!
//! - [`header`]: a typed model of the whole CI-SIS "Structuration minimale"
//!   header; [`datatypes`]: the HL7 data types it uses;
//! - [`builder`]: builders that refuse an invalid header ([`BuildError`]) and
//!   pre-fill it from the host's practitioner / structure / patient model;
//! - [`body`]: N1 bodies (base64 PDF, the three N1 templateIds) and N3
//!   structured bodies whose sections and entries volet crates fill through
//!   the [`body::WriteXml`] trait or closures;
//! - [`write`](mod@write): a deterministic quick-xml writer; [`clock`]: the injectable
//!   clock and id generator the builders use;
//! - [`parse`]: a streaming, namespace-aware parser that never panics, never
//!   expands entities and keeps N1 bodies as zero-copy slices of the input;
//! - [`validate`]: a native validator of the header rules with rule ids,
//!   severities and XPath-like locations;
//! - [`render`]: native, safely escaped HTML rendering, and the
//!   `xml-stylesheet` helper ([`document::with_stylesheet_pi`]);
//! - [`stylesheet`]: display through an XSLT stylesheet (the ANS official
//!   `CDA-FO.xsl`, which the SDK never ships) run by an external processor
//!   (`xsltproc`, Saxon-HE) with a timeout;
//! - [`versions`]: new versions (RPLC), newer-version and duplicate detection,
//!   N1/N3 pairs linked by XFRM, sorting / filtering, request ↔ report links;
//! - [`xds`]: XDS DocumentEntry / SubmissionSet metadata derived from a header,
//!   and their ebRIM XML (shared by segur-dmp and segur-mss);
//! - [`vocab`]: every templateId, code system and code in one place;
//! - [`n3`]: the structured-body framework — typed CI-SIS / IHE PCC sections
//!   and entries, narratives generated from the entries, coded values
//!   checked against the JDV value sets;
//! - [`volets`]: the Volet de Synthèse Médicale 2023.01, the e-prescription
//!   of health products eP-MED-DM 2024.01 (each with its N1 twin as a
//!   [`versions::DocumentPair`]) and the N1 prescriptions (PRESC-BIO…).
//!
//! # Design
//! The model is *lenient*: a parsed document keeps what it says, strings as
//! written, so that [`validate`] can report a wrong value instead of the parser
//! hiding it. Strictness lives at the edges: builders take typed values
//! (`segur_ids::IdNatPs`, [`vocab::Gender`], `time::OffsetDateTime`…) and
//! run the validator before handing a document out.
//!
//! # Example
//! ```
//! use segur_cda::{Document, samples};
//!
//! // A fictitious N1 consultation report, built from the crate's fixtures.
//! let doc = samples::n1_document()?;
//! assert!(doc.validate().is_valid());
//!
//! // Write it (deterministic bytes) and read it back.
//! let xml = doc.to_xml();
//! let back = Document::parse(xml)?;
//! assert_eq!(back.header, doc.header);
//! assert!(back.non_xml_body().unwrap().decode().starts_with(b"%PDF-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A structured (N3) document, e.g. a medical summary:
//! ```
//! use segur_cda::volets::samples::{self, Richness};
//! use segur_cda::volets::vsm;
//!
//! let pair = samples::vsm_pair(Richness::Typical)?;
//! assert!(vsm::check(pair.n3()).is_empty());
//! let summary = vsm::MedicalSummary::from_document(pair.n3())?;
//! assert_eq!(summary.active_problems.len(), 2);
//! assert_eq!(pair.n1().level(), segur_cda::Level::N1);
//! # Ok::<(), segur_cda::N3Error>(())
//! ```
//!
//! # Extending N3 (volet crates)
//! The typed models of [`n3`] cover the CI-SIS content modules; underneath,
//! a structured body is a list of [`body::Section`]s; entries are written by
//! any [`body::WriteXml`] value or a closure, inside the document's default
//! HL7 namespace. TemplateIds and codes of a volet belong in the volet crate,
//! next to its builders, in the style of [`vocab`].
//!
//! ```
//! use segur_cda::body::{Entry, Narrative, Section};
//! use segur_cda::datatypes::{Code, Ii};
//! use segur_cda::vocab::code_system;
//! use segur_cda::{StructuredBody, samples};
//! use segur_ids::oid;
//!
//! let section = Section {
//!     template_ids: vec![Ii::root_only(&oid!("1.2.250.1.213.1.1.2.32"))],
//!     code: Some(Code::new("18776-5", &code_system::LOINC, "Plan de soins")),
//!     title: Some("Traitements".into()),
//!     text: Some(Narrative::new().list(&["Paracétamol 1 g x3/j"]).build()),
//!     entries: vec![Entry::from_fn(Some("DRIV"), |w| {
//!         w.element("substanceAdministration", &[("classCode", Some("SBADM")), ("moodCode", Some("INT"))], |w| {
//!             w.empty("statusCode", &[("code", Some("completed"))])
//!         })
//!     })],
//!     ..Section::default()
//! };
//! let ids = segur_cda::clock::OidSequence::new(samples::SAMPLE_STRUCTURE_OID, "N3-");
//! let doc = samples::consultation_header(samples::patient().build()?, &samples::clock(), &ids)
//!     .build_n3(vec![], StructuredBody { sections: vec![section] })?;
//! let xml = String::from_utf8(doc.to_xml())?;
//! assert!(xml.contains("<entry typeCode=\"DRIV\">"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Versions and N1/N3 pairs
//! New versions carry RPLC; the N1 form of an N3 document carries XFRM. The
//! reference leaves the exact XFRM rule UNCONFIRMED: the rule we hold is
//! written once, in the [`versions`] module documentation.
//!
//! # Features
//! - `pdf`: N1 PDF/A-2b generation with the INS datamatrix (`pdf` module,
//!   krilla and the embedded DejaVu font; krilla needs Rust 1.92).
//! - `test-util`: the `test_output` module below.
//!
//! # Test outputs for the official validators
//! Tests (of this crate and of the volet crates built on it) write every
//! document they produce, and that must pass, to
//! `$SEGUR_TEST_OUT/cda/<volet-key>/<name>.xml` (`SEGUR_TEST_OUT` defaults to
//! `<workspace>/target/segur-test-out`), with the `test_output` module
//! (feature `test-util`). `scripts/check.d/20-cda-schematron.sh` validates
//! each folder with the official XSD, the StrucMin 2023 header schematron and
//! the volet schematron named by the key; any error-level failed assert fails
//! the check, and so does an unknown key.
//!
//! | `<volet-key>` | volet schematron | documents |
//! |---|---|---|
//! | `N1` | none (XSD + header) | N1 (XDS-SD) documents |
//! | `HEADER` | none (XSD + header) | N3 documents of a volet without schematron |
//! | `VSM_2023.01` | `CI-SIS_VSM_2023.01.sch` | VSM (N3) |
//! | `EP-MED-DM_2024.01` | `CI-SIS_EP-MED-DM_2024.01.sch` | e-prescription (N3) |
//! | `CSE-CS8_2025.01`, `CSE-CS9_2025.01`, `CSE-CS24_2025.01`, `CSE-MDE_2023.01` | `CI-SIS_<key>.sch` | child health (N3) |
//! | any other `<key>` | `CI-SIS_<key>.sch` (must exist) | |
//!
//! Broken copies made on purpose go to a temporary folder, never there.

pub mod body;
pub mod builder;
pub mod clock;
pub mod datatypes;
pub mod document;
pub mod error;
pub mod header;
pub mod n3;
pub mod parse;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod render;
pub mod samples;
pub mod stylesheet;
#[cfg(feature = "test-util")]
pub mod test_output;
pub mod validate;
pub mod versions;
pub mod vocab;
pub mod volets;
pub mod write;
pub mod xds;

pub use body::{Body, Level, NonXmlBody, StructuredBody};
pub use document::Document;
pub use error::{BuildError, Error, N3Error, ParseError, ParseErrorKind, XdsError};
pub use header::Header;
pub use stylesheet::StylesheetError;
