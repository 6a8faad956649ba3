//! CDA R2 health documents per the ANS CI-SIS.
//!
//! This crate will hold the typed CDA header model, N1 and N3 document
//! production, a streaming parser, a native header validator, versioning and
//! N1/N3 pairs, XDS metadata derivation, and HTML rendering.
