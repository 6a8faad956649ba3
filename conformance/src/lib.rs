//! Conformance runner for the Ségur REM requirements.
//!
//! This crate will hold the embedded requirement catalogue, the host adapter
//! traits an LGC implements, the scenarios replayed against simulated national
//! services, and the JUnit / JSON / HTML reports and evidence pack.
