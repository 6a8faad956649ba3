//! DMP / Mon espace santé client.
//!
//! This crate will hold the XDS.b transactions over SOAP/MTOM with the VIHF
//! assertion, patient consent rules, the crash-safe send queue, access traces
//! and a DMP simulator behind the `sim` feature.
