//! TOTP second factor (RFC 6238 over RFC 4226 HOTP).
//!
//! Defaults match the authenticator apps: HMAC-SHA-1, 6 digits, 30-second
//! steps, a tolerance of one step either way, 160-bit secrets. A code is
//! accepted once: [`Totp::verify`] returns the step it matched, which the
//! caller stores and passes back as `last_used_step` (replay refusal).
//!
//! ```
//! use segur_ssi::totp::{Totp, TotpSecret};
//! let secret = TotpSecret::generate().unwrap();
//! let totp = Totp::new(secret);
//! let now = time::OffsetDateTime::now_utc();
//! let code = totp.code_at(now);
//! let step = totp.verify(&code, now, None).expect("fresh code");
//! assert!(totp.verify(&code, now, Some(step)).is_none(), "replayed");
//! println!("{}", totp.provisioning_uri("Mon LGC", "jeanne.martin").as_str());
//! ```

use std::fmt;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// HMAC hash of the TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1 (what authenticator apps support; HOTP's truncation keeps it sound).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl TotpAlgorithm {
    fn hmac(self) -> ring::hmac::Algorithm {
        match self {
            Self::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => ring::hmac::HMAC_SHA256,
            Self::Sha512 => ring::hmac::HMAC_SHA512,
        }
    }
    fn uri_name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

/// A shared TOTP secret. `Debug` is redacted; memory is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl TotpSecret {
    /// 160 random bits from the OS CSPRNG.
    pub fn generate() -> Result<Self> {
        let mut b = vec![0u8; 20];
        crate::password::fill_random(&mut b)?;
        Ok(Self(Zeroizing::new(b)))
    }

    /// From raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 16 {
            return Err(Error::InvalidInput {
                what: "TOTP secret",
                reason: format!("{} bytes, at least 16 (128 bits) required", bytes.len()),
            });
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// From base32 (RFC 4648, padding and spaces optional, case-insensitive).
    pub fn from_base32(s: &str) -> Result<Self> {
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
            let up = c.to_ascii_uppercase() as u8;
            let v = B32
                .iter()
                .position(|b| *b == up)
                .ok_or_else(|| Error::InvalidInput {
                    what: "TOTP secret",
                    reason: format!("{c:?} is not a base32 character"),
                })?;
            acc = (acc << 5) | v as u32;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        let secret = Self::from_bytes(&out);
        out.iter_mut().for_each(|b| *b = 0);
        secret
    }

    /// Base32 without padding (what the apps expect).
    pub fn to_base32(&self) -> Zeroizing<String> {
        let mut out = String::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for b in self.0.iter() {
            acc = (acc << 8) | u32::from(*b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(B32[((acc >> bits) & 31) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
        }
        Zeroizing::new(out)
    }

    /// Raw bytes.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A TOTP generator / verifier.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Totp {
    secret: TotpSecret,
    /// HMAC algorithm (default SHA-1).
    pub algorithm: TotpAlgorithm,
    /// Digits, 6 to 8 (default 6).
    pub digits: u32,
    /// Step in seconds (default 30).
    pub step_seconds: u64,
    /// Accepted steps before/after the current one (default 1).
    pub skew_steps: u64,
}

impl Totp {
    /// Defaults (SHA-1, 6 digits, 30 s, ±1 step).
    pub fn new(secret: TotpSecret) -> Self {
        Self {
            secret,
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            step_seconds: 30,
            skew_steps: 1,
        }
    }

    /// With another algorithm and number of digits (clamped to 6..=8).
    pub fn with(mut self, algorithm: TotpAlgorithm, digits: u32) -> Self {
        self.algorithm = algorithm;
        self.digits = digits.clamp(6, 8);
        self
    }

    /// The secret.
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    /// The time step of an instant (instants before 1970 map to step 0).
    pub fn step_at(&self, now: OffsetDateTime) -> u64 {
        u64::try_from(now.unix_timestamp()).unwrap_or(0) / self.step_seconds.max(1)
    }

    /// HOTP value for a counter.
    pub fn hotp(&self, counter: u64) -> String {
        let key = ring::hmac::Key::new(self.algorithm.hmac(), &self.secret.0);
        let tag = ring::hmac::sign(&key, &counter.to_be_bytes());
        let h = tag.as_ref();
        let offset = usize::from(h[h.len() - 1] & 0x0f);
        let bin = (u32::from(h[offset] & 0x7f) << 24)
            | (u32::from(h[offset + 1]) << 16)
            | (u32::from(h[offset + 2]) << 8)
            | u32::from(h[offset + 3]);
        let digits = self.digits.clamp(6, 8);
        let code = bin % 10u32.pow(digits);
        format!("{code:0width$}", width = digits as usize)
    }

    /// The code at an instant.
    pub fn code_at(&self, now: OffsetDateTime) -> String {
        self.hotp(self.step_at(now))
    }

    /// Checks a code at `now` within the skew, refusing steps ≤
    /// `last_used_step`. Returns the matched step (to store), or None.
    /// The comparison of codes is constant-time.
    pub fn verify(
        &self,
        code: &str,
        now: OffsetDateTime,
        last_used_step: Option<u64>,
    ) -> Option<u64> {
        let code = code.trim();
        if code.len() != self.digits.clamp(6, 8) as usize
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let current = self.step_at(now);
        let mut matched = None;
        for step in
            current.saturating_sub(self.skew_steps)..=current.saturating_add(self.skew_steps)
        {
            let expected = self.hotp(step);
            let equal: bool =
                subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into();
            if equal && last_used_step.is_none_or(|last| step > last) && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// `otpauth://` URI for QR-code enrolment.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        Zeroizing::new(format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
            enc(issuer),
            enc(account),
            self.secret.to_base32().as_str(),
            enc(issuer),
            self.algorithm.uri_name(),
            self.digits,
            self.step_seconds
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    /// RFC 6238 appendix B.
    #[test]
    fn rfc6238_vectors() {
        let sha1 = Totp::new(TotpSecret::from_bytes(b"12345678901234567890").unwrap())
            .with(TotpAlgorithm::Sha1, 8);
        let sha256 =
            Totp::new(TotpSecret::from_bytes(b"12345678901234567890123456789012").unwrap())
                .with(TotpAlgorithm::Sha256, 8);
        let sha512 = Totp::new(
            TotpSecret::from_bytes(
                b"1234567890123456789012345678901234567890123456789012345678901234",
            )
            .unwrap(),
        )
        .with(TotpAlgorithm::Sha512, 8);
        let table = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, a, b, c) in table {
            assert_eq!(sha1.code_at(at(t)), a, "sha1 {t}");
            assert_eq!(sha256.code_at(at(t)), b, "sha256 {t}");
            assert_eq!(sha512.code_at(at(t)), c, "sha512 {t}");
        }
    }

    #[test]
    fn skew_and_replay() {
        let t = Totp::new(TotpSecret::from_bytes(b"12345678901234567890").unwrap());
        let now = at(1_700_000_000);
        let prev = t.code_at(now - time::Duration::seconds(30));
        let far = t.code_at(now - time::Duration::seconds(90));
        let step = t.verify(&prev, now, None).unwrap();
        assert_eq!(step, t.step_at(now) - 1);
        assert!(t.verify(&prev, now, Some(step)).is_none());
        assert!(t.verify(&far, now, None).is_none());
        assert!(t.verify("12345", now, None).is_none());
        assert!(t.verify("abcdef", now, None).is_none());
    }

    #[test]
    fn base32() {
        let s = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(s.expose_bytes(), b"12345678901234567890");
        assert_eq!(s.to_base32().as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").is_ok());
        assert!(TotpSecret::from_base32("GEZ1").is_err());
        assert!(TotpSecret::from_base32("GEZDGNBV").is_err(), "too short");
        let g = TotpSecret::generate().unwrap();
        assert_eq!(TotpSecret::from_base32(&g.to_base32()).unwrap(), g);
        assert_eq!(format!("{g:?}"), "TotpSecret(<redacted>)");
        let uri = Totp::new(g).provisioning_uri("Mon LGC", "jeanne@cabinet");
        assert!(uri.starts_with("otpauth://totp/Mon%20LGC:jeanne%40cabinet?secret="));
    }
}
