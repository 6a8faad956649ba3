//! Errors of the crate: one [`Error`] enum with family sub-enums.

use std::fmt;

use serde::Serialize;

use crate::validate::Finding;

/// Any error of segur-cda.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A header or document could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// XDS metadata could not be derived or read.
    #[error(transparent)]
    Xds(#[from] XdsError),
    /// An N3 (structured) section, entry or volet could not be built or read.
    #[error(transparent)]
    N3(#[from] N3Error),
    /// A document could not be shown through an XSLT stylesheet.
    #[error(transparent)]
    Stylesheet(#[from] crate::stylesheet::StylesheetError),
    /// Writing failed (only with a failing `io::Write` sink).
    #[error("writing the document failed: {0}")]
    Io(#[from] std::io::Error),
    /// The PDF could not be generated.
    #[cfg(feature = "pdf")]
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
}

/// Where in a document something was found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Location {
    /// Byte offset in the input.
    pub offset: u64,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub column: u32,
    /// XPath-like path of the element being read (`/ClinicalDocument/component/nonXMLBody/text`).
    pub path: String,
}

impl Location {
    /// The location of byte `offset` of `input`, inside element `path`.
    pub fn at(input: &[u8], offset: usize, path: String) -> Self {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = offset
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        Self {
            offset: offset as u64,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            path,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        Ok(())
    }
}

/// A document could not be parsed, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {location}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where.
    pub location: Location,
}

/// What went wrong while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// The input is not UTF-8 (or declares another encoding).
    #[error("unsupported encoding: {0}")]
    Encoding(String),
    /// The root element is neither `ClinicalDocument` nor an XSLT wrapper.
    #[error("not a CDA document: root element is {found:?}")]
    WrongRoot {
        /// The root element found (`{namespace}local`).
        found: String,
    },
    /// No `ClinicalDocument` element in the `urn:hl7-org:v3` namespace.
    #[error("no ClinicalDocument element in the urn:hl7-org:v3 namespace")]
    NoClinicalDocument,
    /// The input ended before the document did.
    #[error("truncated document: {0}")]
    Truncated(String),
    /// An entity reference other than the five XML ones or a character reference.
    #[error("entity reference &{0}; is not allowed (entities are never expanded)")]
    Entity(String),
    /// The N1 body is not valid base64.
    #[error("invalid base64 in nonXMLBody: {reason}")]
    Base64 {
        /// Why.
        reason: String,
    },
    /// A required structure is missing (no body, no `text` in `nonXMLBody`…).
    #[error("{0}")]
    Structure(String),
    /// Elements nested deeper than the parser accepts.
    #[error("elements nested deeper than {0} levels")]
    TooDeep(usize),
}

/// A header or document was refused by a builder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required element was not given.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A value is not acceptable.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The built header breaks a CI-SIS header rule.
    #[error("header rule {}: {} at {}", .0.rule, .0.message, .0.location)]
    Rule(Finding),
    /// The document belongs to a volet shared as N3 only (child health
    /// record, vaccination note): no N1 twin may be derived.
    #[error(
        "{volet} documents are shared as structured (N3) documents only: no N1 twin (templateId {template})"
    )]
    N3Only {
        /// The volet.
        volet: &'static str,
        /// Its templateId.
        template: String,
    },
}

/// XDS metadata could not be derived or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum XdsError {
    /// The CDA header lacks what the metadata needs.
    #[error("the CDA header has no {0}, needed for the XDS metadata")]
    MissingInHeader(&'static str),
    /// The ebRIM XML is malformed or lacks a required part.
    #[error("ebRIM metadata: {0}")]
    Ebrim(String),
}

/// An N3 (structured body) section, entry, coded value or volet could not be
/// built or read (module [`crate::n3`] and [`crate::volets`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum N3Error {
    /// A code is not in the value set its element is bound to.
    #[error(
        "code {code:?} (code system {code_system}) is not in value set {value_set} ({oid}) at {context}"
    )]
    UnknownCode {
        /// The value set (or terminology) name.
        value_set: String,
        /// Its OID.
        oid: String,
        /// The code.
        code: String,
        /// The code system given.
        code_system: String,
        /// Which element.
        context: String,
    },
    /// A code is malformed for its terminology (format or check digit).
    #[error("{terminology} code {code:?} is invalid: {reason} at {context}")]
    InvalidCode {
        /// The terminology (LOINC, CIS, CIM-10…).
        terminology: &'static str,
        /// The code.
        code: String,
        /// Why.
        reason: String,
        /// Which element.
        context: String,
    },
    /// A UCUM unit or a quantity is malformed.
    #[error("invalid quantity {value:?}: {reason}")]
    InvalidQuantity {
        /// The value or unit as given.
        value: String,
        /// Why.
        reason: String,
    },
    /// A required piece of content is missing.
    #[error("missing {what} in {context}")]
    Missing {
        /// What is missing.
        what: &'static str,
        /// Where (section or entry).
        context: String,
    },
    /// A value is not acceptable for the volet or the entry.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A rule of the volet (its schematron) would be broken.
    #[error("volet rule {rule}: {message}")]
    Volet {
        /// The volet rule (e.g. `EP-MED-DM/patient-telecom`).
        rule: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A parsed entry or section does not match the typed model.
    #[error("cannot read {what} at {path}: {reason}")]
    Read {
        /// Which model (e.g. `FR-Traitement-prescrit`).
        what: &'static str,
        /// Where (XPath-like).
        path: String,
        /// Why.
        reason: String,
    },
    /// The header could not be built.
    #[error(transparent)]
    Header(#[from] BuildError),
    /// The host's patient-file implementation failed.
    #[error("the patient file failed: {0}")]
    Host(String),
}
