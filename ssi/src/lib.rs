//! Security building blocks for Ségur practice software (segur-rs).
//!
//! | module | what | Ségur requirements |
//! |---|---|---|
//! | [`policy`] | crypto policy (RGS B1 / ANSSI): allowed algorithms, minimum sizes | SC.SSI/GEN.13 |
//! | [`tls`] | hardened rustls client/server configurations, explicit trust store, PKCS#12/PEM identities | SC.SSI/GEN.07, GEN.13 |
//! | [`cert`] | typed view of IGC-Santé certificates: holder kind, national id, environment, validity | |
//! | `test_pki` | throwaway IGC-Santé-like PKI for tests and simulators (feature `test-pki`, also `sim`) | |
//! | [`password`] | CNIL 2022-100 / ANSSI password policy with explanations, Argon2id PHC hashing | SC.SSI/GEN.16/17 |
//! | [`totp`] | RFC 6238 second factor | IE.30–36 |
//! | [`account`] | account store (SQLite), login, throttling and lockout, privileged rules, directory sync | IE.30–36, IE.38/39 |
//! | [`session`] | inactivity timeout, absolute lifetime, re-authentication, logout, revocation | |
//! | [`audit`] | append-only hash-chained audit trail (SQLite), query, JSONL/CSV export, tamper verification | IE.38, traces of DMP/MSS/INS |
//! | [`antivirus`] | `Scanner` trait, clamd client, EICAR test double | SC.SSI/GEN.08 |
//! | [`backup`] | online backup and verified restore of the SQLite stores, procedure | SC.SSI/GEN.21 |
//!
//! Design rules: rustls with the ring provider only, TLS 1.2+, no certificate
//! verification bypass anywhere (tests and simulators trust the test PKI root
//! explicitly); every certificate or key handed to the SDK goes through the
//! [`policy::CryptoPolicy`]; secrets are zeroized and redacted in `Debug`;
//! time is always a `now` parameter (deterministic tests); errors are one
//! [`Error`] enum with one family per area ([`PolicyViolation`],
//! [`CertificateError`], [`TlsError`], [`AuthError`], [`ScanError`],
//! [`BackupError`]).
//!
//! Values the national references leave open (marked UNCONFIRMED in the
//! project's ssi.md) are configurable; the stricter reasonable value is the
//! default, documented in each module: RSA 3072 after 2030 (warning, or
//! refusal with `refuse_short_rsa_after_2030`), RSA exponent ≥ 65537,
//! privileged passwords ≥ 100 bits, history of 5 passwords, lockout 5 → 1 min
//! doubling to 1 h then administrator unlock at 10, sessions 30 min / 12 h
//! (privileged 15 min / 4 h), re-authentication after 10 min (5 min),
//! clamd limit 25 MiB.
//!
//! ```
//! use segur_ssi::policy::CryptoPolicy;
//! let policy = CryptoPolicy::default();
//! assert_eq!(policy.min_rsa_bits, 2048);
//! ```

pub mod account;
pub mod antivirus;
pub mod audit;
pub mod backup;
pub mod cert;
mod error;
pub mod password;
pub mod policy;
pub mod session;
#[cfg(feature = "test-pki")]
pub mod test_pki;
pub mod tls;
pub mod totp;

pub use error::{
    AuthError, BackupError, CertificateError, Error, PolicyViolation, Result, ScanError, TlsError,
};
