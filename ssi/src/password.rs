//! Password policy (CNIL délibération 2022-100, ANSSI 2021) and Argon2id
//! hashing.
//!
//! ## Policy
//!
//! [`PasswordPolicy::check`] estimates the entropy the CNIL way — length ×
//! log2(size of the alphabet actually used), with 26 lower-case, 26
//! upper-case, 10 digits and 37 special characters (the CNIL's "list of at
//! least 37 special characters"; any other character counts as special) —
//! and explains every refusal ([`PasswordFinding`]). The CNIL tables round
//! the entropy to the bit: so does the check.
//!
//! | preset | minimum entropy | typical passwords accepted | source |
//! |---|---|---|---|
//! | [`PasswordPolicy::cnil_password_only`] (default) | 80 bits, ≥ 12 chars | 12 chars with the 4 classes, 14 chars upper+lower+digits, a passphrase of ≥ 7 words | CNIL 2022-100 case 1 |
//! | [`PasswordPolicy::cnil_with_access_restriction`] | 50 bits, ≥ 8 chars | 8 chars with 3 classes; only with throttling/lockout ([`crate::account::LockoutPolicy`]) | CNIL case 2 |
//! | [`PasswordPolicy::privileged`] | 100 bits, ≥ 16 chars | administrators | ANSSI "strong" band (> 100 bits, UNCONFIRMED): the stricter choice |
//!
//! Every preset also refuses: more than 128 characters (ASVS 2.1.2), control
//! characters, a password from the built-in list of very common passwords
//! (extend it with [`PasswordPolicy::with_denylist`]), a password containing
//! the login or the name of the user, and runs of 4+ identical characters.
//! Reuse of the last [`PasswordPolicy::history_depth`] passwords (default 5,
//! UNCONFIRMED) is refused by [`crate::account`]. No periodic expiry (CNIL
//! 2022, ANSSI 2021).
//!
//! ## Hashing
//!
//! [`PasswordHasher`] produces Argon2id PHC strings with a 128-bit random salt
//! from the OS CSPRNG. Defaults m = 19 MiB, t = 2, p = 1 (OWASP minimum).
//! [`PasswordHasher::verify`] is constant-time in the comparison, reports
//! when the stored hash uses other parameters (rehash on next login), and
//! [`PasswordHasher::verify_dummy`] spends the same time for unknown logins.
//!
//! ```
//! use segur_ssi::password::{Argon2Params, PasswordContext, PasswordHasher, PasswordPolicy, Verification};
//! let policy = PasswordPolicy::default();
//! assert!(policy.check("Tr0mbone!Vert", &PasswordContext::default()).is_accepted());
//! let refused = policy.check("motdepasse", &PasswordContext::default());
//! assert!(!refused.is_accepted());
//! println!("{}", refused.explain());
//!
//! let hasher = PasswordHasher::new(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }); // fast for the example
//! let phc = hasher.hash("Tr0mbone!Vert").unwrap();
//! assert_eq!(hasher.verify("Tr0mbone!Vert", &phc).unwrap(), Verification::Valid { needs_rehash: false });
//! assert_eq!(hasher.verify("wrong", &phc).unwrap(), Verification::Invalid);
//! ```

use std::collections::HashSet;
use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Serialize;

use crate::error::{Error, Result};

/// Very common passwords and patterns, refused whatever their length.
/// (A host can add a breached-password list with [`PasswordPolicy::with_denylist`].)
const COMMON: &[&str] = &[
    "123456",
    "123456789",
    "12345678",
    "1234567890",
    "azerty",
    "azertyuiop",
    "qwerty",
    "qwertyuiop",
    "password",
    "motdepasse",
    "mot de passe",
    "soleil",
    "doudou",
    "loulou",
    "marseille",
    "chouchou",
    "nicolas",
    "julien",
    "camille",
    "bonjour",
    "coucou",
    "iloveyou",
    "admin",
    "administrateur",
    "medecin",
    "docteur",
    "cabinet",
    "secretariat",
    "santé",
    "sante",
    "000000",
    "111111",
    "123123",
    "abc123",
    "letmein",
    "welcome",
    "football",
    "doctolib",
    "password1",
    "motdepasse1",
    "azerty123",
    "azerty1234",
    "qwerty123",
    "p@ssw0rd",
    "passw0rd",
    "m0tdepasse",
    "bienvenue",
    "changeme",
    "changezmoi",
    "jetaime",
    "123456789abc",
    "azertyuiop123",
    "1q2w3e4r",
    "a1b2c3d4",
    "0123456789",
    "motdepasse123",
    "password123",
];

/// What the checker knows about the user, to refuse passwords built on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordContext {
    /// Login, names, e-mail… (fragments of 4+ characters are refused).
    pub user_data: Vec<String>,
}

impl PasswordContext {
    /// With one more piece of user data.
    pub fn with(mut self, value: impl Into<String>) -> Self {
        self.user_data.push(value.into());
        self
    }
}

/// One reason for refusing a password.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PasswordFinding {
    /// Fewer characters than the minimum.
    TooShort {
        /// Minimum.
        min: usize,
        /// Characters given.
        actual: usize,
    },
    /// More characters than accepted.
    TooLong {
        /// Maximum.
        max: usize,
    },
    /// Estimated entropy below the minimum.
    NotEnoughEntropy {
        /// Estimated bits (rounded).
        bits: u32,
        /// Required bits.
        required: u32,
    },
    /// A very common password, or one of the denylist.
    Common,
    /// Contains the login or name of the user.
    ContainsUserData,
    /// 4 or more identical characters in a row.
    Repetitive,
    /// Control characters are not accepted.
    ControlCharacter,
    /// One of the last passwords of the account.
    Reused,
}

impl fmt::Display for PasswordFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min, actual } => {
                write!(f, "too short: {actual} characters, at least {min} required")
            }
            Self::TooLong { max } => write!(f, "too long: at most {max} characters"),
            Self::NotEnoughEntropy { bits, required } => write!(
                f,
                "too weak: about {bits} bits of entropy, {required} required (lengthen it or mix lower case, upper case, digits and special characters, or use a passphrase of 7 words or more)"
            ),
            Self::Common => {
                f.write_str("too common: this password is in the list of frequent passwords")
            }
            Self::ContainsUserData => f.write_str("contains your login or name"),
            Self::Repetitive => f.write_str("repeats the same character 4 times or more"),
            Self::ControlCharacter => f.write_str("contains control characters"),
            Self::Reused => f.write_str("was used recently on this account"),
        }
    }
}

/// The result of a policy check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PasswordCheck {
    /// Estimated entropy in bits (CNIL method, rounded).
    pub entropy_bits: u32,
    /// Counted as a passphrase (enough words).
    pub passphrase: bool,
    /// Reasons for refusal; empty when accepted.
    pub findings: Vec<PasswordFinding>,
}

impl PasswordCheck {
    /// True when no finding.
    pub fn is_accepted(&self) -> bool {
        self.findings.is_empty()
    }

    /// One line per finding, for the user.
    pub fn explain(&self) -> String {
        if self.findings.is_empty() {
            return format!("accepted (about {} bits of entropy)", self.entropy_bits);
        }
        self.findings
            .iter()
            .map(|f| format!("- {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Password rules. See the module docs for the presets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// Minimum entropy in bits.
    pub min_entropy_bits: u32,
    /// Minimum length in characters.
    pub min_length: usize,
    /// Maximum length in characters (default 128).
    pub max_length: usize,
    /// Number of words from which a password counts as a passphrase
    /// (default 7, CNIL); `0` disables the passphrase rule.
    pub passphrase_min_words: usize,
    /// How many previous passwords may not be reused (default 5).
    pub history_depth: usize,
    denylist: HashSet<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::cnil_password_only()
    }
}

impl PasswordPolicy {
    /// CNIL case 1: password alone, 80 bits.
    pub fn cnil_password_only() -> Self {
        Self {
            min_entropy_bits: 80,
            min_length: 12,
            max_length: 128,
            passphrase_min_words: 7,
            history_depth: 5,
            denylist: HashSet::new(),
        }
    }

    /// CNIL case 2: password with access restriction (lockout), 50 bits.
    pub fn cnil_with_access_restriction() -> Self {
        Self {
            min_entropy_bits: 50,
            min_length: 8,
            ..Self::cnil_password_only()
        }
    }

    /// Privileged accounts: 100 bits, 16 characters.
    pub fn privileged() -> Self {
        Self {
            min_entropy_bits: 100,
            min_length: 16,
            ..Self::cnil_password_only()
        }
    }

    /// Adds passwords to refuse (e.g. a breached-password list), compared
    /// case-insensitively.
    pub fn with_denylist(mut self, passwords: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        self.denylist
            .extend(passwords.into_iter().map(|p| p.as_ref().to_lowercase()));
        self
    }

    /// Checks a candidate password.
    pub fn check(&self, password: &str, context: &PasswordContext) -> PasswordCheck {
        let mut findings = Vec::new();
        let len = password.chars().count();
        let words = password
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.')
            .filter(|w| w.chars().count() >= 2)
            .count();
        let passphrase = self.passphrase_min_words > 0 && words >= self.passphrase_min_words;
        let entropy_bits = estimate_entropy(password);

        if password.chars().any(char::is_control) {
            findings.push(PasswordFinding::ControlCharacter);
        }
        if len > self.max_length {
            findings.push(PasswordFinding::TooLong {
                max: self.max_length,
            });
        }
        if len < self.min_length && !passphrase {
            findings.push(PasswordFinding::TooShort {
                min: self.min_length,
                actual: len,
            });
        }
        if entropy_bits < self.min_entropy_bits && !passphrase {
            findings.push(PasswordFinding::NotEnoughEntropy {
                bits: entropy_bits,
                required: self.min_entropy_bits,
            });
        }
        let lower = password.to_lowercase();
        let stripped: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
        let deleet: String = stripped
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '@' => 'a',
                c => c,
            })
            .collect();
        let is_common = |s: &str| COMMON.contains(&s) || self.denylist.contains(s);
        // A common password padded with digits or symbols is still common.
        let core: String = stripped
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        if is_common(&lower)
            || is_common(&stripped)
            || is_common(&deleet)
            || (core.len() >= 4 && is_common(&core))
        {
            findings.push(PasswordFinding::Common);
        }
        let contains_user = context.user_data.iter().any(|d| {
            d.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|frag| frag.chars().count() >= 4)
                .any(|frag| lower.contains(frag) || deleet.contains(frag))
        });
        if contains_user {
            findings.push(PasswordFinding::ContainsUserData);
        }
        let chars: Vec<char> = password.chars().collect();
        if chars.windows(4).any(|w| w.iter().all(|c| *c == w[0])) {
            findings.push(PasswordFinding::Repetitive);
        }
        PasswordCheck {
            entropy_bits,
            passphrase,
            findings,
        }
    }
}

/// CNIL-style entropy: length × log2(alphabet), rounded to the bit.
pub fn estimate_entropy(password: &str) -> u32 {
    let (mut lower, mut upper, mut digit, mut special) = (false, false, false, false);
    let mut len = 0usize;
    for c in password.chars() {
        len += 1;
        if c.is_ascii_lowercase() {
            lower = true;
        } else if c.is_ascii_uppercase() {
            upper = true;
        } else if c.is_ascii_digit() {
            digit = true;
        } else if c.is_lowercase() {
            // Accented lower-case letters (é, à…) count with the letters.
            lower = true;
        } else if c.is_uppercase() {
            upper = true;
        } else {
            special = true;
        }
    }
    let alphabet = 26 * u32::from(lower)
        + 26 * u32::from(upper)
        + 10 * u32::from(digit)
        + 37 * u32::from(special);
    if alphabet == 0 {
        return 0;
    }
    let bits = len as f64 * f64::from(alphabet).log2();
    // Saturating float-to-int conversion; lengths are bounded by max_length.
    bits.round() as u32
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory in KiB (default 19456 = 19 MiB).
    pub memory_kib: u32,
    /// Passes (default 2).
    pub iterations: u32,
    /// Lanes (default 1).
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// True when below the OWASP minimum (m = 19 MiB, t = 2, p = 1): only for tests.
    pub fn is_below_owasp_minimum(&self) -> bool {
        self.memory_kib < 19 * 1024 || self.iterations < 2
    }
}

/// Result of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password matches; hash it again and store the new PHC string when
    /// `needs_rehash` (other algorithm or parameters).
    Valid {
        /// The stored hash uses other parameters than the current ones.
        needs_rehash: bool,
    },
    /// The password does not match.
    Invalid,
}

/// Argon2id hashing to PHC strings.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Argon2Params,
    /// Hash of a random password, computed on first use, to equalise timing
    /// for unknown logins.
    dummy: std::sync::OnceLock<String>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new(Argon2Params::default())
    }
}

impl PasswordHasher {
    /// A hasher with the given parameters.
    pub fn new(params: Argon2Params) -> Self {
        if params.is_below_owasp_minimum() {
            tracing::warn!(
                ?params,
                "Argon2 parameters below the OWASP minimum: acceptable for tests only"
            );
        }
        Self {
            params,
            dummy: std::sync::OnceLock::new(),
        }
    }

    /// The parameters.
    pub fn params(&self) -> Argon2Params {
        self.params
    }

    fn argon2(&self) -> Result<Argon2<'static>> {
        let p = Params::new(
            self.params.memory_kib,
            self.params.iterations,
            self.params.parallelism,
            None,
        )
        .map_err(|e| Error::InvalidInput {
            what: "Argon2 parameters",
            reason: e.to_string(),
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
    }

    /// Hashes a password into an Argon2id PHC string.
    pub fn hash(&self, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        fill_random(&mut salt)?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Corrupt(e.to_string()))?;
        let phc = self
            .argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| Error::InvalidInput {
                what: "password",
                reason: e.to_string(),
            })?;
        Ok(phc.to_string())
    }

    /// Verifies a password against a stored PHC string (Argon2id, Argon2i or
    /// Argon2d; any other algorithm is refused).
    pub fn verify(&self, password: &str, phc: &str) -> Result<Verification> {
        let parsed = PasswordHash::new(phc)
            .map_err(|e| Error::Corrupt(format!("stored password hash: {e}")))?;
        let known = [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d];
        if !known.iter().any(|a| a.ident() == parsed.algorithm) {
            return Err(Error::Corrupt(format!(
                "stored password hash uses {}, not Argon2",
                parsed.algorithm
            )));
        }
        // The comparison inside verify_password is constant-time.
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        if !ok {
            return Ok(Verification::Invalid);
        }
        let current = self.argon2()?;
        let same_params = parsed.algorithm == Algorithm::Argon2id.ident()
            && parsed.version == Some(Version::V0x13 as u32)
            && Params::try_from(&parsed).is_ok_and(|p| {
                let c = current.params();
                p.m_cost() == c.m_cost() && p.t_cost() == c.t_cost() && p.p_cost() == c.p_cost()
            });
        Ok(Verification::Valid {
            needs_rehash: !same_params,
        })
    }

    /// Spends the time of a verification, for logins that do not exist
    /// (no user enumeration by timing). Always false.
    pub fn verify_dummy(&self, password: &str) -> bool {
        let dummy = self
            .dummy
            .get_or_init(|| self.hash(&random_token(16)).unwrap_or_default());
        if let Ok(parsed) = PasswordHash::new(dummy) {
            let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
        }
        false
    }
}

/// Fills `buf` from the OS CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    use ring::rand::SecureRandom as _;
    ring::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::Corrupt("the OS random generator failed".into()))
}

/// A random URL-safe token of `bytes` random bytes.
pub(crate) fn random_token(bytes: usize) -> String {
    use base64::Engine as _;
    let mut b = vec![0u8; bytes];
    // On RNG failure the token would be predictable: fall back to an error
    // marker that callers never accept as a secret (fill_random is checked
    // where the value matters).
    if fill_random(&mut b).is_err() {
        return String::new();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnil_examples() {
        let p = PasswordPolicy::default();
        let ctx = PasswordContext::default();
        // 12 characters, 4 classes → 80 bits (rounded).
        let c = p.check("Kx7!pQ2#mZ9&", &ctx);
        assert_eq!(c.entropy_bits, 80);
        assert!(c.is_accepted(), "{}", c.explain());
        // 14 characters, 3 classes, no special: 83 bits.
        assert!(p.check("Kx7pQ2mZ9wRt4v", &ctx).is_accepted());
        // 11 characters, 4 classes: too short and 73 bits.
        let c = p.check("Kx7!pQ2#mZ9", &ctx);
        assert!(c.findings.contains(&PasswordFinding::TooShort {
            min: 12,
            actual: 11
        }));
        assert!(
            matches!(
                c.findings.last(),
                Some(PasswordFinding::NotEnoughEntropy { .. })
            ) || c.findings.len() == 2
        );
        // Lower-case only, 16 chars: 75 bits.
        assert!(!p.check("kxupqrmzwrtvnbcd", &ctx).is_accepted());
        // Passphrase of 7 words.
        assert!(
            p.check("cheval pomme nuage vélo tarte rivière lampe", &ctx)
                .is_accepted()
        );
        // Case 2 (with lockout): 8 characters, 3 classes = 48 bits… rounded 48 < 50.
        let p2 = PasswordPolicy::cnil_with_access_restriction();
        assert!(!p2.check("Kx7pQ2mZ", &ctx).is_accepted());
        assert!(p2.check("Kx7!pQ2m", &ctx).is_accepted()); // 53 bits
    }

    #[test]
    fn refusals_are_explained() {
        let p = PasswordPolicy::default();
        let ctx = PasswordContext::default()
            .with("jeanne.martin")
            .with("MARTIN");
        let c = p.check("Martin2026!!Secret", &ctx);
        assert!(c.findings.contains(&PasswordFinding::ContainsUserData));
        assert!(
            p.check("P@ssw0rd", &ctx)
                .findings
                .contains(&PasswordFinding::Common)
        );
        assert!(
            p.check("azerty1234567", &ctx)
                .findings
                .contains(&PasswordFinding::Common)
        );
        assert!(
            p.check("Aaaa1111!!!!Bbbb", &ctx)
                .findings
                .contains(&PasswordFinding::Repetitive)
        );
        assert!(
            p.check("Kx7!pQ2#mZ9&\u{7}", &ctx)
                .findings
                .contains(&PasswordFinding::ControlCharacter)
        );
        assert!(
            p.check(&"Kx7!".repeat(40), &ctx)
                .findings
                .contains(&PasswordFinding::TooLong { max: 128 })
        );
        let custom = PasswordPolicy::default().with_denylist(["Kx7!pQ2#mZ9&"]);
        assert!(
            custom
                .check("kx7!pq2#mz9&", &ctx)
                .findings
                .contains(&PasswordFinding::Common)
        );
        assert!(!p.check("", &ctx).explain().is_empty());
    }

    #[test]
    fn privileged_is_stricter() {
        let ctx = PasswordContext::default();
        assert!(
            !PasswordPolicy::privileged()
                .check("Kx7!pQ2#mZ9&", &ctx)
                .is_accepted()
        );
        assert!(
            PasswordPolicy::privileged()
                .check("Kx7!pQ2#mZ9&vB4%", &ctx)
                .is_accepted()
        );
    }

    #[test]
    fn hashing_and_rehash() {
        let fast = Argon2Params {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let h = PasswordHasher::new(fast);
        let phc = h.hash("un mot de passe").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
        assert_ne!(phc, h.hash("un mot de passe").unwrap(), "random salt");
        assert_eq!(
            h.verify("un mot de passe", &phc).unwrap(),
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            h.verify("un mot de pass", &phc).unwrap(),
            Verification::Invalid
        );
        let stronger = PasswordHasher::new(Argon2Params {
            memory_kib: 512,
            iterations: 1,
            parallelism: 1,
        });
        assert_eq!(
            stronger.verify("un mot de passe", &phc).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
        assert!(h.verify("x", "$md5$nope").is_err());
        assert!(!h.verify_dummy("x"));
    }
}
