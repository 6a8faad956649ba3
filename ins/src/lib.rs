//! Identité Nationale de Santé (INS) for Ségur practice software.
//!
//! # What is here
//!
//! - [`Nir`]: the NIR / NIA (13 characters + control key, Corsica-aware),
//!   with typed errors naming the faulty part ([`NirError`]), and
//!   [`ReceivedMatricule`] for values received with a wrong key.
//! - [`Ins`] = matricule + [`InsOid`] (INS-NIR, INS-NIA, test, demo), with
//!   its CDA `id`, HL7 v2 / XDS CX and FHIR identifier forms.
//! - [`Traits`]: the strict and complementary identity traits, [`Sex`],
//!   [`BirthDate`] (unknown-part rules), [`InseeCode`]; the [`names`] module
//!   holds the normaliser to the INSi lexical profile, one [`names::NameError`]
//!   variant per rule.
//! - [`Identity`]: the patient identity driven by the RNIV state machine
//!   ([`IdentityStatus`], [`IdentityEvent`], [`Evidence`]).
//! - [`QualifiedIns`]: the only shareable form of an INS, obtainable only from
//!   a qualified identity ([`Identity::qualified_ins`]).
//! - [`datamatrix`]: the INS datamatrix (ANS format v2): payload, module
//!   matrix, and with the default `datamatrix-image` feature PNG encoding and
//!   PNG/JPEG decoding.
//! - `insi` (feature `insi`): the INSi teleservice client — sans-IO SOAP 1.2
//!   core, async reqwest shell, typed answers and errors with plain-French
//!   explanations, traits comparison — and, with feature `sim`, the INSi
//!   simulator.
//! - `sentinelle` (feature `insi`): the Ségur *Sentinelle* workflows over the
//!   host's patient index (find by datamatrix / carte Vitale, background
//!   verification, one-click qualification).
//!
//! # Design
//!
//! Values are parsed at the edge and carried validated: an invalid NIR, name
//! or birth place is not representable. The identity core is sans-IO: events
//! take `now` and the user from an [`EventContext`]. The type-level sharing
//! rule follows openidconnect-rs's "verified-only claims": there is no way to
//! turn a bare [`Ins`] into a [`QualifiedIns`].
//!
//! Sensitive values (`Nir`, `Ins`) mask the matricule in their `Debug` output;
//! `Display` gives the full value.
//!
//! # Features
//!
//! - `datamatrix-image` (default): PNG encoding (`png`) and PNG/JPEG decoding
//!   of the datamatrix (`rxing` DataMatrix reader, `png`, `zune-jpeg`). Without
//!   it, the payload and the module matrix (to draw the symbol yourself, e.g.
//!   in a PDF) remain available.
//! - `insi` (default): the INSi client and the Sentinelle workflows; pulls
//!   segur-ssi, segur-psc, reqwest, tokio and quick-xml. A host needing only
//!   the core types turns default features off.
//! - `sim`: the in-process INSi simulator (tests, conformance runs, editors'
//!   own tests).
//!
//! # Example
//!
//! ```
//! use segur_ins::{Nir, NirError};
//! let nir: Nir = "2 79 03 51 215 189 89".parse()?;
//! assert_eq!(nir.to_string(), "279035121518989");
//! assert_eq!(nir.place().insee_code(), "51215");
//! assert!(matches!("279035121518988".parse::<Nir>(), Err(NirError::KeyMismatch { expected: 89, found: 88 })));
//! # Ok::<(), NirError>(())
//! ```

pub mod datamatrix;
mod identity;
mod ins;
#[cfg(feature = "insi")]
pub mod insi;
pub mod names;
mod nir;
#[cfg(feature = "insi")]
pub mod sentinelle;
mod traits;

pub use identity::{
    CollectionMethod, DocumentCheck, DocumentPolicy, EventContext, Evidence, EvidenceKind,
    Identity, IdentityAttribute, IdentityDocumentType, IdentityEvent, IdentityStatus, InsiCheck,
    QualifiedIns, RnivException, ScannedIdentity, TransitionError,
};
pub use ins::{Ins, InsError, InsOid, OID_INS_DEMO, OID_INS_NIA, OID_INS_NIR, OID_INS_TEST};
pub use names::{FamilyName, GivenName, NameError};
pub use nir::{Nir, NirError, NirMonth, NirPart, NirPlace, PlaceCode, ReceivedMatricule};
pub use traits::{
    BirthDate, DatePrecision, InseeCode, Sex, TraitField, Traits, TraitsBuilder, TraitsError,
};

/// Any error of this crate, by family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid NIR / NIA.
    #[error(transparent)]
    Nir(#[from] NirError),
    /// Invalid INS or INS form.
    #[error(transparent)]
    Ins(#[from] InsError),
    /// Invalid name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// Invalid traits.
    #[error(transparent)]
    Traits(#[from] TraitsError),
    /// Refused identity event.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// INSi teleservice error.
    #[cfg(feature = "insi")]
    #[error(transparent)]
    Insi(#[from] insi::InsiError),
    /// Sentinelle lookup / verification error.
    #[cfg(feature = "insi")]
    #[error(transparent)]
    Sentinelle(#[from] sentinelle::SentinelleError),
    /// Refused qualification.
    #[cfg(feature = "insi")]
    #[error(transparent)]
    Qualification(#[from] sentinelle::QualificationError),
    /// Invalid datamatrix payload or image.
    #[error(transparent)]
    Datamatrix(datamatrix::DatamatrixError),
}
