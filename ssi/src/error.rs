//! The crate error: one `#[non_exhaustive]` enum wrapping one family enum per
//! area, so a caller can match coarsely (`Error::Tls(_)`) or precisely.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key, certificate or algorithm is refused by the crypto policy.
    #[error(transparent)]
    Policy(#[from] PolicyViolation),
    /// A certificate could not be read.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// A TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Authentication, account or session refusal.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// An antivirus scan failed or found malware.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// A backup or restore was refused.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The SQLite store failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A store holds data this version cannot read (corruption or tampering
    /// outside the hash chain).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A value given by the caller is invalid.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What was given.
        what: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// A file given by the host could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A refusal by the crypto policy ([`crate::policy::CryptoPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyViolation {
    /// RSA modulus shorter than the policy minimum.
    #[error("RSA key of {bits} bits refused: the policy requires at least {min} bits (RGS B1)")]
    WeakRsaKey {
        /// Modulus size found.
        bits: u32,
        /// Policy minimum.
        min: u32,
    },
    /// RSA public exponent below the policy minimum.
    #[error("RSA public exponent {exponent} refused: the policy requires at least {min}")]
    WeakRsaExponent {
        /// Exponent found (saturated at `u64::MAX`).
        exponent: u64,
        /// Policy minimum.
        min: u64,
    },
    /// Elliptic-curve group order shorter than the policy minimum.
    #[error(
        "elliptic-curve key on {curve} ({bits} bits) refused: the policy requires at least {min} bits"
    )]
    WeakEcKey {
        /// Curve name.
        curve: String,
        /// Group order size.
        bits: u32,
        /// Policy minimum.
        min: u32,
    },
    /// Elliptic curve not in the allow-list.
    #[error("elliptic curve {oid} is not allowed by the policy")]
    CurveNotAllowed {
        /// OID of the curve parameters.
        oid: String,
    },
    /// Public-key algorithm not in the allow-list (DSA, GOST, unknown…).
    #[error("public-key algorithm {oid} is not allowed by the policy")]
    KeyAlgorithmNotAllowed {
        /// Algorithm OID.
        oid: String,
    },
    /// Signature algorithm refused (SHA-1, MD5, DSA, unknown…).
    #[error(
        "signature algorithm {name} refused by the policy (SHA-1 and MD5 are forbidden for signatures)"
    )]
    SignatureAlgorithmNotAllowed {
        /// Algorithm name or OID.
        name: String,
    },
    /// A certificate from the throwaway test PKI or a test IGC-Santé CA was
    /// handed to a production trust store or identity.
    #[error(
        "certificate {subject:?} belongs to a test PKI ({environment}) and is refused in production"
    )]
    TestCertificateInProduction {
        /// Subject DN.
        subject: String,
        /// Environment detected.
        environment: String,
    },
}

/// A certificate or key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The DER is not a well-formed X.509 certificate.
    #[error("malformed X.509 certificate: {reason}")]
    Malformed {
        /// Parser message.
        reason: String,
    },
    /// The PEM text holds no object of the expected kind.
    #[error("no {expected} found in the PEM data")]
    PemEmpty {
        /// What was looked for (`"CERTIFICATE"`, `"PRIVATE KEY"`).
        expected: &'static str,
    },
    /// The PEM text is malformed.
    #[error("malformed PEM data: {reason}")]
    PemMalformed {
        /// Parser message.
        reason: String,
    },
    /// The PKCS#12 file could not be opened (wrong password, corrupt file,
    /// unsupported encryption).
    #[error("cannot open the PKCS#12 file: {reason}")]
    Pkcs12 {
        /// Reader message (a wrong password shows as a MAC error).
        reason: String,
    },
    /// The PKCS#12 file holds no private key with its certificate.
    #[error("the PKCS#12 file holds no private key with a matching certificate")]
    Pkcs12NoKey,
    /// The private key does not match the certificate, or its type is unsupported.
    #[error("unusable private key: {reason}")]
    Key {
        /// Why.
        reason: String,
    },
    /// The certificate is outside its validity period.
    #[error("certificate {subject:?} is not valid at {at}: valid from {not_before} to {not_after}")]
    OutsideValidity {
        /// Subject DN.
        subject: String,
        /// The instant checked.
        at: time::OffsetDateTime,
        /// Start of validity.
        not_before: time::OffsetDateTime,
        /// End of validity.
        not_after: time::OffsetDateTime,
    },
}

/// A TLS configuration that could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The trust store is empty: national services need explicit roots.
    #[error("the trust store is empty: load the IGC-Santé roots (or the test root) explicitly")]
    EmptyTrustStore,
    /// A trust anchor was refused by webpki.
    #[error("trust anchor {index} refused: {reason}")]
    BadTrustAnchor {
        /// 0-based position of the certificate in what was added.
        index: usize,
        /// webpki message.
        reason: String,
    },
    /// The policy leaves no protocol version or no cipher suite.
    #[error("the TLS policy allows no {what}")]
    EmptyPolicy {
        /// `"protocol version"` or `"cipher suite"`.
        what: &'static str,
    },
    /// rustls refused the configuration.
    #[error("rustls refused the configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client-certificate verifier could not be built.
    #[error("cannot build the client-certificate verifier: {0}")]
    Verifier(String),
}

/// Antivirus failures. Callers must treat every one of them as "do not
/// integrate the file" (fail closed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// Malware found ([`crate::antivirus::require_clean`]).
    #[error("malware found: {signature}")]
    Infected {
        /// Signature name reported by the scanner.
        signature: String,
    },
    /// The file is larger than the scanner accepts.
    #[error("file of {size} bytes exceeds the scan limit of {max} bytes")]
    TooLarge {
        /// Size of the data.
        size: u64,
        /// Configured limit.
        max: u64,
    },
    /// The scanner did not answer in time.
    #[error("antivirus timeout during {during}")]
    Timeout {
        /// Phase (`"connect"`, `"scan"`).
        during: &'static str,
    },
    /// The scanner could not be reached or the connection failed.
    #[error("antivirus connection to {address} failed: {source}")]
    Connection {
        /// Address.
        address: String,
        /// OS error.
        #[source]
        source: std::io::Error,
    },
    /// The scanner reported an error (size limit, database problem…).
    #[error("antivirus error: {0}")]
    Daemon(String),
    /// The reply could not be understood.
    #[error("unexpected antivirus reply: {0:?}")]
    Protocol(String),
}

/// Why an authentication, account operation or session check was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Unknown login or wrong password (never says which).
    #[error("invalid login or password")]
    InvalidCredentials,
    /// The account is locked after repeated failures.
    #[error("account locked{}", match until { Some(t) => format!(" until {t}"), None => " until an administrator unlocks it".to_owned() })]
    Locked {
        /// End of the temporary lock; None when an administrator must unlock.
        until: Option<time::OffsetDateTime>,
    },
    /// The account is disabled.
    #[error("account disabled")]
    Disabled,
    /// The account has no local password (directory or Pro Santé Connect only).
    #[error("this account has no local password")]
    NoLocalPassword,
    /// A privileged account must enrol a second factor before logging in.
    #[error("a second factor (TOTP) must be enrolled for this privileged account")]
    MfaEnrollmentRequired,
    /// Wrong or replayed TOTP code.
    #[error("invalid second-factor code")]
    InvalidMfaCode,
    /// The second-factor challenge is unknown or expired.
    #[error("the second-factor step expired: log in again")]
    ChallengeExpired,
    /// The new password is refused by the policy.
    #[error("password refused:\n{}", check.explain())]
    PasswordRejected {
        /// The findings.
        check: crate::password::PasswordCheck,
    },
    /// No such account (administration calls only).
    #[error("no account {id:?}")]
    UnknownAccount {
        /// Login.
        id: String,
    },
    /// The account already exists.
    #[error("account {id:?} already exists")]
    AccountExists {
        /// Login.
        id: String,
    },
    /// The actor may not do this.
    #[error("{actor:?} is not allowed to {action}")]
    NotAuthorized {
        /// Who asked.
        actor: String,
        /// What.
        action: &'static str,
    },
    /// Unknown session token.
    #[error("unknown session")]
    SessionUnknown,
    /// The session ended.
    #[error("session expired ({reason:?})")]
    SessionExpired {
        /// Why.
        reason: crate::session::SessionEnd,
    },
    /// The action needs a recent authentication.
    #[error("this action requires re-authentication")]
    ReauthenticationRequired,
}

/// A backup or restore that was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The destination exists (backups never overwrite).
    #[error("{path} already exists: backups never overwrite")]
    DestinationExists {
        /// The destination.
        path: std::path::PathBuf,
    },
    /// The manifest next to the backup is missing or unreadable.
    #[error("backup manifest {path} is missing or unreadable: {reason}")]
    Manifest {
        /// Manifest path.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// The backup file does not match its manifest checksum.
    #[error("backup {path} does not match its checksum (altered or truncated)")]
    ChecksumMismatch {
        /// The backup.
        path: std::path::PathBuf,
    },
    /// SQLite's integrity check failed.
    #[error("integrity check of {path} failed: {detail}")]
    IntegrityCheck {
        /// The database.
        path: std::path::PathBuf,
        /// First messages of `PRAGMA integrity_check`.
        detail: String,
    },
    /// The audit trail inside the backup is broken.
    #[error("the audit trail in {path} is broken: {first_issue}")]
    AuditTrailBroken {
        /// The database.
        path: std::path::PathBuf,
        /// First issue found.
        first_issue: String,
    },
}
