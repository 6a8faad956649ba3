//! Ordonnance numérique: the unique prescription identifier, the 2D code
//! printed on the prescription, and the prescription document.
//!
//! - [`id`]: [`PrescriptionId`], the configurable [`IdTemplate`] and its
//!   [`IdGenerator`] (default format documented there).
//! - [`code`]: the payload ([`CodePayload`]), QR / DataMatrix symbols
//!   ([`Symbol`]), SVG / PNG / PDF drawing, and reading back from images.
//! - [`prescription`]: [`Prescription`] (its content in segur-cda's volet
//!   models), the [`PrescriptionRenderer`] seam and the [`CisisRenderer`]
//!   ([`N3Renderer`] eP-MED-DM, [`N1Renderer`] acts).
//! - [`print`](mod@print): the one-page PDF with the code at the bottom left.

pub mod code;
pub mod id;
pub mod prescription;
pub mod print;

pub use code::{CodePayload, PayloadFormat, PrintedCode, Symbol, Symbology};
#[cfg(feature = "image")]
pub use code::{Decoded, decode_image, decode_luma};
pub use id::{
    IdContext, IdGenerator, IdTemplate, MemorySequence, PrescriptionId, SequenceSource,
    SqliteSequence, check_character,
};
pub use prescription::{
    CisisRenderer, N1Renderer, N3Renderer, Prescription, PrescriptionContent, PrescriptionKind,
    PrescriptionRenderer, RenderRequest,
};
