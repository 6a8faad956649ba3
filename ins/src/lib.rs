//! Identité Nationale de Santé (INS) for Ségur practice software.
//!
//! This crate will hold the NIR / NIA identifiers and their control key, the INS
//! (matricule + assigning-authority OID), the identity traits and their
//! normalisation rules, the RNIV identity status state machine, the INS
//! datamatrix, and the INSi teleservice client with its simulator and the
//! Sentinelle workflows.
