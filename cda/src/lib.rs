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
//! - [`write`]: a deterministic quick-xml writer; [`clock`]: the injectable
//!   clock and id generator the builders use;
//! - [`parse`]: a streaming, namespace-aware parser that never panics, never
//!   expands entities and keeps N1 bodies as zero-copy slices of the input;
//! - [`validate`]: a native validator of the header rules with rule ids,
//!   severities and XPath-like locations;
//! - [`render`]: native, safely escaped HTML rendering, and the
//!   `xml-stylesheet` helper ([`document::with_stylesheet_pi`]);
//! - [`versions`]: new versions (RPLC), newer-version and duplicate detection,
//!   N1/N3 pairs linked by XFRM, sorting / filtering, request ↔ report links;
//! - [`xds`]: XDS DocumentEntry / SubmissionSet metadata derived from a header,
//!   and their ebRIM XML (shared by segur-dmp and segur-mss);
//! - [`vocab`]: every templateId, code system and code in one place.
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
//! # Test outputs for the official validators
//! Tests write the documents they produce under
//! `$SEGUR_TEST_OUT/cda/<volet-key>/` (feature `test-util`, module
//! `test_output`, which documents the convention), and
//! `scripts/check.d/20-cda-schematron.sh` validates them with the official XSD,
//! header schematron and volet schematron.

pub mod body;
pub mod builder;
pub mod clock;
pub mod datatypes;
pub mod document;
pub mod error;
pub mod header;
pub mod parse;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod render;
pub mod samples;
#[cfg(feature = "test-util")]
pub mod test_output;
pub mod validate;
pub mod versions;
pub mod vocab;
pub mod write;
pub mod xds;

pub use body::{Body, Level, NonXmlBody, StructuredBody};
pub use document::Document;
pub use error::{BuildError, Error, ParseError, ParseErrorKind, XdsError};
pub use header::Header;
