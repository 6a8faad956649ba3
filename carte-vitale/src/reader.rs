//! The Vitale reader seam: the host's SESAM-Vitale stack (card reader, PC/SC,
//! "services SESAM-Vitale") reads the card and maps its data groups onto a
//! [`VitaleRead`]. This crate never talks to the card itself.

use crate::BoxFuture;
use crate::error::ReaderError;
use crate::vitale::VitaleRead;

/// Reads the carte Vitale in the reader.
///
/// Implemented by the host over its SESAM-Vitale stack (addendum 8 and the
/// data-group layout belong to that stack); [`crate::sim::SimVitaleReader`]
/// (feature `sim`) is the test double. Implementations classify every
/// failure into [`ReaderError`], never panic and never block forever.
pub trait VitaleReader: Send + Sync {
    /// Reads the card currently in the reader.
    fn read(&self) -> BoxFuture<'_, Result<VitaleRead, ReaderError>>;
}
