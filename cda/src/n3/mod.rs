//! The N3 (structured body) framework: typed sections and entries of the
//! CI-SIS / IHE PCC content modules, narratives generated from the entries,
//! and coded values checked against their value sets.
//!
//! # Layers
//! - [`codes`]: [`CodedValue`](codes::CodedValue)s only come out of a check:
//!   a closed [`ValueSet`](codes::ValueSet) (unknown code →
//!   [`N3Error::UnknownCode`](crate::N3Error::UnknownCode)) or an open
//!   [`Terminology`](codes::Terminology) checked for its format and check
//!   digit (→ [`N3Error::InvalidCode`](crate::N3Error::InvalidCode)). Each
//!   coded element of an entry is bound to a [`Binding`](codes::Binding)
//!   that validates what a builder is given and what a document contains.
//! - [`value_sets`]: the JDVs of `ans-cda/jeuxDeValeurs/`, generated into
//!   Rust and checked against the files by a test, plus the few upstream sets
//!   the entries need.
//! - [`types`]: quantities with checked UCUM units, ranges, ratios,
//!   frequencies (`PIVL_TS`, `EIVL_TS`), French displays.
//! - [`narrative`]: narrative blocks built from cells; every text an entry
//!   points to is a `<content ID>` allocated document-wide.
//! - [`entry`]: the [`SectionEntry`](entry::SectionEntry) trait — an entry
//!   renders its narrative row(s) *and* its XML together, so the
//!   human-readable part always reflects the entries and every reference
//!   resolves — and the helpers that write and read HL7 data types.
//! - [`entries`]: problems, allergies, procedures, lifestyle, family
//!   history, results, vital signs, pregnancy, treatments and prescribed
//!   treatments (structured, free-text and tapered posology), medical
//!   devices, immunizations, the PDF copy and illustrative images.
//! - [`sections`]: every section's templateIds, LOINC code and title in one
//!   place ([`SectionSpec`](sections::SectionSpec)), with the functions that
//!   build a section from entries or free text and read entries back.
//! - [`templates`]: every entry templateId; [`xml`]: the small element tree
//!   entries are read with; [`pdf`]: the readable text and PDF of a
//!   document (PDF copy section, N1 twin).
//!
//! The volet builders ([`crate::volets`]) are built on these; a new volet
//! (e.g. the child-health certificates) declares its [`SectionSpec`](sections::SectionSpec)s,
//! reuses the entries, and implements [`SectionEntry`](entry::SectionEntry)
//! for its own entries.
//!
//! # Example
//! ```
//! use segur_cda::clock::OidSequence;
//! use segur_cda::datatypes::Ts;
//! use segur_cda::n3::codes::Terminology;
//! use segur_cda::n3::entries::{ObservationValue, Problem, SocialHistory};
//! use segur_cda::n3::entry::RenderContext;
//! use segur_cda::n3::sections;
//! use segur_cda::n3::value_sets::jdv;
//!
//! let ids = OidSequence::new(segur_ids::oid!("1.2.250.1.999.1"), "E-");
//! let mut ctx = RenderContext::new(&ids, Ts::from_value("20240315103000+0100"));
//! let angina = Problem::diagnosis(
//!     "Angine de poitrine instable",
//!     Some(Terminology::Cim10.code("I20.0", "Angine de poitrine instable")?),
//!     Some(Ts::from_value("20190811")),
//! )?;
//! let section = sections::ACTIVE_PROBLEMS.with_entries(&[angina], &mut ctx, "Aucune")?;
//! assert!(section.text.unwrap().as_str().contains("<content ID=\"probleme-1\">"));
//!
//! // Codes outside their value set are typed errors.
//! assert!(jdv::STATUT_GROSSESSE.code("0000").is_err());
//! assert!(SocialHistory::new("8302-2", ObservationValue::Boolean(true)).is_err());
//! # Ok::<(), segur_cda::N3Error>(())
//! ```

pub mod codes;
pub mod entries;
pub mod entry;
pub mod narrative;
pub mod pdf;
pub mod sections;
pub mod templates;
pub mod types;
pub mod value_sets;
pub mod xml;
