//! Integration tests of segur-conformance, built as one binary.

mod carte_vitale;
mod catalogue;
mod cda_stylesheet;
mod checks;
mod enfant;
mod engine;
mod faulty;
mod faulty_dmp;
mod faulty_mss;
mod harness;
mod reference;
mod reports;
mod sentinelle;
mod support;
