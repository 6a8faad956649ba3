//! Security building blocks for Ségur practice software.
//!
//! This crate will hold the crypto policy (RGS / ANSSI), hardened rustls
//! configurations and IGC-Santé certificate handling, account and session
//! management, the tamper-evident audit trail, the antivirus scanner interface
//! and backups of the SDK stores.
