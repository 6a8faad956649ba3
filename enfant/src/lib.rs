//! Child health record (carnet de santé de l’enfant).
//!
//! This crate will hold the CS8 / CS9 / CS24 health certificates, the child
//! measurements and vaccination note documents, the catalogue of the 20
//! mandatory examinations, growth charts, and sending to PMI and DREES.
