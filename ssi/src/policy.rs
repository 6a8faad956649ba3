//! Crypto policy (RGS v2.0 annexe B1 / ANSSI guide PA-079): allowed algorithms
//! and minimum key sizes, checked on every certificate and key handed to the SDK.
//!
//! Defaults ([`CryptoPolicy::default`]) and where they come from:
//!
//! | rule | default | source |
//! |---|---|---|
//! | RSA modulus | ≥ 2048 bits, warning below 3072 for keys valid after 2030 | RGS B1 (3072 after 2030: UNCONFIRMED, kept as a warning, [`CryptoPolicy::refuse_short_rsa_after_2030`] makes it a refusal) |
//! | RSA public exponent | ≥ 65537 | RGS B1 (UNCONFIRMED) — the stricter reading |
//! | EC group order | ≥ 256 bits; P-256/384/521, Brainpool r1, Ed25519/Ed448 | RGS B1 / ANSSI TLS guide |
//! | signature hashes | SHA-256 and above; SHA-1 and MD5 refused | RGS B1 |
//! | RSA PKCS#1 v1.5 signatures | allowed (IGC-Santé and CPS cards still use them) | PA-079 "legacy" |
//!
//! Every threshold is a public field so a host can tighten it.

use std::fmt;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::error::{PolicyViolation, Result};

/// Public-key algorithm of a certificate, with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (rsaEncryption or RSASSA-PSS keys).
    Rsa {
        /// Modulus size in bits.
        bits: u32,
        /// Public exponent, saturated at `u64::MAX`.
        exponent: u64,
    },
    /// ECDSA / ECDH key on a named curve.
    Ec(Curve),
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// Anything else (DSA, GOST…), by OID.
    Other(String),
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits, .. } => write!(f, "RSA-{bits}"),
            Self::Ec(c) => write!(f, "EC {c}"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::Other(oid) => write!(f, "key algorithm {oid}"),
        }
    }
}

/// Named elliptic curves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP256r1.
    BrainpoolP256r1,
    /// brainpoolP384r1.
    BrainpoolP384r1,
    /// brainpoolP512r1.
    BrainpoolP512r1,
    /// Another curve, by OID, with its order size when known.
    Other {
        /// Curve OID.
        oid: String,
        /// Group order size, 0 when unknown.
        bits: u32,
    },
}

impl Curve {
    /// Size of the group order in bits.
    pub fn bits(&self) -> u32 {
        match self {
            Self::P256 | Self::BrainpoolP256r1 => 256,
            Self::P384 | Self::BrainpoolP384r1 => 384,
            Self::BrainpoolP512r1 => 512,
            Self::P521 => 521,
            Self::Other { bits, .. } => *bits,
        }
    }

    fn from_oid(oid: &str) -> Self {
        match oid {
            "1.2.840.10045.3.1.7" => Self::P256,
            "1.3.132.0.34" => Self::P384,
            "1.3.132.0.35" => Self::P521,
            "1.3.36.3.3.2.8.1.1.7" => Self::BrainpoolP256r1,
            "1.3.36.3.3.2.8.1.1.11" => Self::BrainpoolP384r1,
            "1.3.36.3.3.2.8.1.1.13" => Self::BrainpoolP512r1,
            // secp192r1 / secp224r1: known weak sizes, reported as such.
            "1.2.840.10045.3.1.1" => Self::Other {
                oid: oid.to_owned(),
                bits: 192,
            },
            "1.3.132.0.33" => Self::Other {
                oid: oid.to_owned(),
                bits: 224,
            },
            _ => Self::Other {
                oid: oid.to_owned(),
                bits: 0,
            },
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::P256 => f.write_str("P-256"),
            Self::P384 => f.write_str("P-384"),
            Self::P521 => f.write_str("P-521"),
            Self::BrainpoolP256r1 => f.write_str("brainpoolP256r1"),
            Self::BrainpoolP384r1 => f.write_str("brainpoolP384r1"),
            Self::BrainpoolP512r1 => f.write_str("brainpoolP512r1"),
            Self::Other { oid, .. } => write!(f, "curve {oid}"),
        }
    }
}

/// Hash functions, as used in signatures and integrity checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD5 (forbidden).
    Md5,
    /// SHA-1 (forbidden for signatures and integrity).
    Sha1,
    /// SHA-224 (output below 256 bits: refused by default).
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Output size in bits.
    pub fn output_bits(self) -> u32 {
        match self {
            Self::Md5 => 128,
            Self::Sha1 => 160,
            Self::Sha224 => 224,
            Self::Sha256 => 256,
            Self::Sha384 => 384,
            Self::Sha512 => 512,
        }
    }
}

/// Signature algorithm of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with the given hash.
    RsaPkcs1(HashAlgorithm),
    /// RSASSA-PSS (hash in the parameters).
    RsaPss,
    /// ECDSA with the given hash.
    Ecdsa(HashAlgorithm),
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA with SHA-1 (forbidden).
    DsaSha1,
    /// Anything else, by OID.
    Other(String),
}

impl SignatureAlgorithm {
    /// Classifies a signature algorithm OID (dotted form).
    pub fn from_oid(oid: &str) -> Self {
        use HashAlgorithm::*;
        match oid {
            "1.2.840.113549.1.1.4" => Self::RsaPkcs1(Md5),
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Self::RsaPkcs1(Sha1),
            "1.2.840.113549.1.1.14" => Self::RsaPkcs1(Sha224),
            "1.2.840.113549.1.1.11" => Self::RsaPkcs1(Sha256),
            "1.2.840.113549.1.1.12" => Self::RsaPkcs1(Sha384),
            "1.2.840.113549.1.1.13" => Self::RsaPkcs1(Sha512),
            "1.2.840.113549.1.1.10" => Self::RsaPss,
            "1.2.840.10045.4.1" => Self::Ecdsa(Sha1),
            "1.2.840.10045.4.3.1" => Self::Ecdsa(Sha224),
            "1.2.840.10045.4.3.2" => Self::Ecdsa(Sha256),
            "1.2.840.10045.4.3.3" => Self::Ecdsa(Sha384),
            "1.2.840.10045.4.3.4" => Self::Ecdsa(Sha512),
            "1.3.101.112" => Self::Ed25519,
            "1.3.101.113" => Self::Ed448,
            "1.2.840.10040.4.3" => Self::DsaSha1,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RsaPkcs1(h) => write!(f, "{h:?}WithRSAEncryption"),
            Self::RsaPss => f.write_str("RSASSA-PSS"),
            Self::Ecdsa(h) => write!(f, "ECDSA-with-{h:?}"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::DsaSha1 => f.write_str("DSA-with-SHA1"),
            Self::Other(oid) => write!(f, "signature algorithm {oid}"),
        }
    }
}

/// A non-blocking finding of the policy check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyWarning {
    /// RSA key below the post-2030 size on a certificate valid after 2030.
    RsaBelowPost2030Size {
        /// Modulus size.
        bits: u32,
        /// Size recommended beyond 2030.
        recommended: u32,
    },
}

/// What the policy found on an accepted certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyReport {
    /// Public key.
    pub key: KeyAlgorithm,
    /// Signature algorithm of the certificate.
    pub signature: SignatureAlgorithm,
    /// Non-blocking findings.
    pub warnings: Vec<PolicyWarning>,
}

/// Allowed algorithms and minimum sizes. See the module docs for the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CryptoPolicy {
    /// Minimum RSA modulus (default 2048).
    pub min_rsa_bits: u32,
    /// RSA modulus recommended for keys used beyond 2030 (default 3072).
    pub post_2030_rsa_bits: u32,
    /// Refuse (instead of warn) RSA keys below `post_2030_rsa_bits` on
    /// certificates valid after 2030-12-31 (default false).
    pub refuse_short_rsa_after_2030: bool,
    /// Minimum RSA public exponent (default 65537).
    pub min_rsa_exponent: u64,
    /// Minimum elliptic-curve group order (default 256).
    pub min_ec_bits: u32,
    /// Minimum hash output for signatures (default 256).
    pub min_hash_bits: u32,
    /// Allow RSA PKCS#1 v1.5 signatures (default true: IGC-Santé needs them).
    pub allow_rsa_pkcs1v15: bool,
    /// Minimum symmetric key size (default 128).
    pub min_symmetric_bits: u32,
}

impl Default for CryptoPolicy {
    fn default() -> Self {
        Self {
            min_rsa_bits: 2048,
            post_2030_rsa_bits: 3072,
            refuse_short_rsa_after_2030: false,
            min_rsa_exponent: 65537,
            min_ec_bits: 256,
            min_hash_bits: 256,
            allow_rsa_pkcs1v15: true,
            min_symmetric_bits: 128,
        }
    }
}

/// Last instant of 2030, after which RGS B1 asks for 3072-bit RSA.
fn end_of_2030() -> OffsetDateTime {
    time::macros::datetime!(2030-12-31 23:59:59 UTC)
}

impl CryptoPolicy {
    /// The RGS / ANSSI defaults (same as [`Default`]).
    pub fn rgs() -> Self {
        Self::default()
    }

    /// Checks a hash function for signatures or integrity.
    pub fn check_hash(&self, hash: HashAlgorithm) -> Result<(), PolicyViolation> {
        if matches!(hash, HashAlgorithm::Md5 | HashAlgorithm::Sha1)
            || hash.output_bits() < self.min_hash_bits
        {
            return Err(PolicyViolation::SignatureAlgorithmNotAllowed {
                name: format!("{hash:?}"),
            });
        }
        Ok(())
    }

    /// Checks a symmetric key size (AES-128 and above by default).
    pub fn check_symmetric_key_bits(&self, bits: u32) -> Result<(), PolicyViolation> {
        if bits < self.min_symmetric_bits {
            return Err(PolicyViolation::KeyAlgorithmNotAllowed {
                oid: format!(
                    "symmetric key of {bits} bits (minimum {})",
                    self.min_symmetric_bits
                ),
            });
        }
        Ok(())
    }

    /// Checks a signature algorithm.
    pub fn check_signature(&self, alg: &SignatureAlgorithm) -> Result<(), PolicyViolation> {
        let refused = || PolicyViolation::SignatureAlgorithmNotAllowed {
            name: alg.to_string(),
        };
        match alg {
            SignatureAlgorithm::RsaPkcs1(h) => {
                if !self.allow_rsa_pkcs1v15 {
                    return Err(refused());
                }
                self.check_hash(*h).map_err(|_| refused())
            }
            SignatureAlgorithm::Ecdsa(h) => self.check_hash(*h).map_err(|_| refused()),
            SignatureAlgorithm::RsaPss
            | SignatureAlgorithm::Ed25519
            | SignatureAlgorithm::Ed448 => Ok(()),
            SignatureAlgorithm::DsaSha1 | SignatureAlgorithm::Other(_) => Err(refused()),
        }
    }

    /// Checks a public key; `not_after` is the end of validity of the
    /// certificate carrying it (for the post-2030 RSA rule).
    pub fn check_key(
        &self,
        key: &KeyAlgorithm,
        not_after: Option<OffsetDateTime>,
        warnings: &mut Vec<PolicyWarning>,
    ) -> Result<(), PolicyViolation> {
        match key {
            KeyAlgorithm::Rsa { bits, exponent } => {
                if *bits < self.min_rsa_bits {
                    return Err(PolicyViolation::WeakRsaKey {
                        bits: *bits,
                        min: self.min_rsa_bits,
                    });
                }
                if *exponent < self.min_rsa_exponent {
                    return Err(PolicyViolation::WeakRsaExponent {
                        exponent: *exponent,
                        min: self.min_rsa_exponent,
                    });
                }
                if *bits < self.post_2030_rsa_bits && not_after.is_some_and(|n| n > end_of_2030()) {
                    if self.refuse_short_rsa_after_2030 {
                        return Err(PolicyViolation::WeakRsaKey {
                            bits: *bits,
                            min: self.post_2030_rsa_bits,
                        });
                    }
                    warnings.push(PolicyWarning::RsaBelowPost2030Size {
                        bits: *bits,
                        recommended: self.post_2030_rsa_bits,
                    });
                }
                Ok(())
            }
            KeyAlgorithm::Ec(curve) => {
                if let Curve::Other { oid, bits } = curve {
                    if *bits == 0 {
                        return Err(PolicyViolation::CurveNotAllowed { oid: oid.clone() });
                    }
                }
                if curve.bits() < self.min_ec_bits {
                    return Err(PolicyViolation::WeakEcKey {
                        curve: curve.to_string(),
                        bits: curve.bits(),
                        min: self.min_ec_bits,
                    });
                }
                if let Curve::Other { oid, .. } = curve {
                    return Err(PolicyViolation::CurveNotAllowed { oid: oid.clone() });
                }
                Ok(())
            }
            KeyAlgorithm::Ed25519 | KeyAlgorithm::Ed448 => Ok(()),
            KeyAlgorithm::Other(oid) => {
                Err(PolicyViolation::KeyAlgorithmNotAllowed { oid: oid.clone() })
            }
        }
    }

    /// Checks a DER certificate: key, signature algorithm, post-2030 rule.
    pub fn check_certificate_der(&self, der: &[u8]) -> crate::Result<PolicyReport> {
        let cert = crate::cert::parse_x509(der)?;
        Ok(self.check_x509(&cert)?)
    }

    /// Checks an already parsed certificate.
    pub fn check_x509(&self, cert: &X509Certificate<'_>) -> Result<PolicyReport, PolicyViolation> {
        let key = key_algorithm(cert.public_key());
        let signature =
            SignatureAlgorithm::from_oid(&cert.signature_algorithm.algorithm.to_id_string());
        let mut warnings = Vec::new();
        self.check_signature(&signature)?;
        self.check_key(
            &key,
            Some(cert.validity().not_after.to_datetime()),
            &mut warnings,
        )?;
        Ok(PolicyReport {
            key,
            signature,
            warnings,
        })
    }
}

/// Classifies a subject public key.
pub(crate) fn key_algorithm(spki: &SubjectPublicKeyInfo<'_>) -> KeyAlgorithm {
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyAlgorithm::Rsa {
                bits: unsigned_bits(rsa.modulus),
                exponent: unsigned_u64(rsa.exponent),
            },
            _ => KeyAlgorithm::Other(oid),
        },
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            KeyAlgorithm::Ec(Curve::from_oid(&curve))
        }
        "1.3.101.112" => KeyAlgorithm::Ed25519,
        "1.3.101.113" => KeyAlgorithm::Ed448,
        _ => KeyAlgorithm::Other(oid),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn unsigned_bits(bytes: &[u8]) -> u32 {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    let lead = trimmed[0].leading_zeros();
    u32::try_from(trimmed.len() * 8)
        .unwrap_or(u32::MAX)
        .saturating_sub(lead)
}

fn unsigned_u64(bytes: &[u8]) -> u64 {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.len() > 8 {
        return u64::MAX;
    }
    trimmed
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(unsigned_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(unsigned_bits(&[0x01, 0x00]), 9);
        assert_eq!(unsigned_bits(&[0x00]), 0);
        assert_eq!(unsigned_u64(&[0x01, 0x00, 0x01]), 65537);
        assert_eq!(unsigned_u64(&[1; 9]), u64::MAX);
    }

    #[test]
    fn rsa_rules() {
        let p = CryptoPolicy::default();
        let mut w = Vec::new();
        let weak = KeyAlgorithm::Rsa {
            bits: 1024,
            exponent: 65537,
        };
        assert_eq!(
            p.check_key(&weak, None, &mut w),
            Err(PolicyViolation::WeakRsaKey {
                bits: 1024,
                min: 2048
            })
        );
        let small_e = KeyAlgorithm::Rsa {
            bits: 2048,
            exponent: 3,
        };
        assert!(matches!(
            p.check_key(&small_e, None, &mut w),
            Err(PolicyViolation::WeakRsaExponent { .. })
        ));
        let ok = KeyAlgorithm::Rsa {
            bits: 2048,
            exponent: 65537,
        };
        let late = time::macros::datetime!(2032-01-01 0:00 UTC);
        assert!(p.check_key(&ok, Some(late), &mut w).is_ok());
        assert_eq!(w.len(), 1, "post-2030 warning");
        let strict = CryptoPolicy {
            refuse_short_rsa_after_2030: true,
            ..CryptoPolicy::default()
        };
        assert!(strict.check_key(&ok, Some(late), &mut Vec::new()).is_err());
        let early = time::macros::datetime!(2029-01-01 0:00 UTC);
        assert!(strict.check_key(&ok, Some(early), &mut Vec::new()).is_ok());
    }

    #[test]
    fn signature_rules() {
        let p = CryptoPolicy::default();
        for refused in [
            "1.2.840.113549.1.1.5",
            "1.2.840.113549.1.1.4",
            "1.2.840.10045.4.1",
            "1.2.840.10040.4.3",
            "1.2.3.4",
        ] {
            assert!(
                p.check_signature(&SignatureAlgorithm::from_oid(refused))
                    .is_err(),
                "{refused}"
            );
        }
        for ok in [
            "1.2.840.113549.1.1.11",
            "1.2.840.113549.1.1.10",
            "1.2.840.10045.4.3.2",
            "1.3.101.112",
        ] {
            assert!(
                p.check_signature(&SignatureAlgorithm::from_oid(ok)).is_ok(),
                "{ok}"
            );
        }
        let pss_only = CryptoPolicy {
            allow_rsa_pkcs1v15: false,
            ..CryptoPolicy::default()
        };
        assert!(
            pss_only
                .check_signature(&SignatureAlgorithm::from_oid("1.2.840.113549.1.1.11"))
                .is_err()
        );
    }

    #[test]
    fn curves() {
        let p = CryptoPolicy::default();
        let mut w = Vec::new();
        assert!(
            p.check_key(&KeyAlgorithm::Ec(Curve::P256), None, &mut w)
                .is_ok()
        );
        assert!(
            p.check_key(&KeyAlgorithm::Ec(Curve::BrainpoolP384r1), None, &mut w)
                .is_ok()
        );
        assert!(matches!(
            p.check_key(
                &KeyAlgorithm::Ec(Curve::from_oid("1.2.840.10045.3.1.1")),
                None,
                &mut w
            ),
            Err(PolicyViolation::WeakEcKey { bits: 192, .. })
        ));
        assert!(matches!(
            p.check_key(&KeyAlgorithm::Ec(Curve::from_oid("1.9.9")), None, &mut w),
            Err(PolicyViolation::CurveNotAllowed { .. })
        ));
        assert!(p.check_symmetric_key_bits(128).is_ok());
        assert!(p.check_symmetric_key_bits(112).is_err());
    }
}
