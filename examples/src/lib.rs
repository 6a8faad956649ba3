//! The segur-rs reference host: a small in-memory practice software (LGC)
//! built only on the public APIs of the segur-rs crates, and the model of
//! how an editor integrates them.
//!
//! [`ReferenceLgc`] holds patient files (each a `segur_ins::Identity` and a
//! history of `segur_cda` documents), produces N1 documents with their PDF
//! and INS datamatrix, integrates received documents behind an antivirus,
//! logs users in with local accounts (`segur-ssi`: password policy, lockout,
//! TOTP, sessions, administration, directory sync) and with Pro Santé Connect
//! (`segur-psc`: authorization code, account linking, token exchange, silent
//! SSO, CIBA), and keeps a hash-chained audit trail of it all.
//!
//! It implements the `segur-conformance` host adapter and passes every
//! built-in scenario: `segur conformance run` runs it by default.
//!
//! ```no_run
//! use std::sync::Arc;
//! use segur_conformance::{Registry, Runner, Silent};
//! use segur_examples::ReferenceLgc;
//!
//! let runner = Runner::new(Registry::builtin()?, Arc::new(ReferenceLgc::new()));
//! let outcome = runner.run_blocking(&mut Silent)?;
//! assert!(outcome.report().is_success());
//! # Ok::<(), segur_conformance::Error>(())
//! ```
//!
//! # Reading guide
//!
//! | module | what an editor finds there |
//! |---|---|
//! | [`practice`] | the practice's own data: practitioner, structure, identifier OID |
//! | `lgc` (this crate's core) | the software instance: stores, clock, audit trail |
//! | `lgc::patients` | patient files and the identity banner (RNIV status, INS) |
//! | `lgc::documents` | document production (header pre-filled, PDF, versions), import (antivirus, duplicates, versions, N1/N3 pairs), lists, renderings |
//! | `lgc::accounts` | local login: `Authenticator`, `SessionManager`, administration |
//! | `lgc::psc` | Pro Santé Connect login, account linking, service tokens |
//! | `lgc::security` | audit trail export, TLS for national services |
//! | `lgc::carte_vitale` | apCV reading (session, beneficiary list, qualified file), ordonnance numérique sent "in Y" to the e-prescription service and the DMP |
//! | `lgc::mss` | MSSanté: mailboxes found from the address, sending documents (XDM, X-MSS headers), reception into patient files, notifications, Annuaire Santé, traces |
//! | `lgc::sentinelle` | INS lookups (datamatrix, carte Vitale) with pre-filled creation, background INSi verification on opening, one-click qualification (`segur_ins::sentinelle` over the patient files) |
//!
//! Everything is in memory (SQLite in-memory stores for accounts and the
//! audit trail); a real LGC would open the same stores on files.

mod lgc;
pub mod practice;

pub use lgc::{ReferenceLgc, Settings};
