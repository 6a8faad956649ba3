//! Security building blocks for Ségur practice software (segur-rs).
//!
//! | module | what |
//! |---|---|
//! | [`policy`] | crypto policy (RGS B1 / ANSSI): allowed algorithms, minimum sizes |
//! | [`tls`] | hardened rustls client/server configurations, explicit trust store, PKCS#12/PEM identities |
//! | [`cert`] | typed view of IGC-Santé certificates: holder kind, national id, environment, validity |
//! | `test_pki` | throwaway IGC-Santé-like PKI for tests and simulators (feature `test-pki` / `sim`) |
//!
//! Design rules: rustls with the ring provider only, TLS 1.2+, no certificate
//! verification bypass anywhere; every certificate or key handed to the SDK
//! goes through the [`policy::CryptoPolicy`]; errors are one
//! [`Error`] enum with one family per area.
//!
//! ```
//! use segur_ssi::policy::CryptoPolicy;
//! let policy = CryptoPolicy::default();
//! assert_eq!(policy.min_rsa_bits, 2048);
//! ```

pub mod antivirus;
pub mod audit;
pub mod cert;
mod error;
pub mod policy;
#[cfg(feature = "test-pki")]
pub mod test_pki;
pub mod tls;

pub use error::{CertificateError, Error, PolicyViolation, Result, ScanError, TlsError};
