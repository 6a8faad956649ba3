//! Identifier types shared by several segur-rs building blocks.
//!
//! This crate holds only identifiers that more than one national service uses
//! and that do not belong to patient identity (which lives in `segur-ins`):
//!
//! - [`Oid`]: ISO object identifiers (assigning authorities, code systems, templateIds);
//! - [`Rpps`]: the 11-digit RPPS number of a health professional, with its Luhn key;
//! - [`IdNatPs`]: the national professional identifier (`8` + RPPS, `0` + ADELI,
//!   `3`/`5` + structure id + `/` + internal id), as carried by CPS certificates,
//!   Pro Santé Connect (`SubjectNameID`) and CDA authors;
//! - [`Finess`] and [`IdNatStruct`]: structure identifiers.
//!
//! Every type is parsed once at the edge ([`std::str::FromStr`], `TryFrom<String>`,
//! re-validating `Deserialize`) and then carried validated: an invalid value is not
//! representable. Parsing errors are [`IdError`], which names the faulty part.

use std::fmt;
use std::str::FromStr;

mod oid;
pub use oid::{Oid, oids};

/// Why a value is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The value is empty.
    #[error("{kind}: empty value")]
    Empty {
        /// Identifier kind (`"OID"`, `"RPPS"`…).
        kind: &'static str,
    },
    /// The value has the wrong length.
    #[error("{kind}: expected {expected} characters, got {actual}")]
    Length {
        /// Identifier kind.
        kind: &'static str,
        /// Expected length (description).
        expected: &'static str,
        /// Actual length in characters.
        actual: usize,
    },
    /// A character is not allowed at this position.
    #[error("{kind}: invalid character {character:?} at position {position}")]
    Character {
        /// Identifier kind.
        kind: &'static str,
        /// The offending character.
        character: char,
        /// 0-based character position.
        position: usize,
    },
    /// The check digit does not match.
    #[error("{kind}: check digit mismatch in {value:?}")]
    CheckDigit {
        /// Identifier kind.
        kind: &'static str,
        /// The value that failed.
        value: String,
    },
    /// The value has the wrong shape (explained).
    #[error("{kind}: {reason}")]
    Format {
        /// Identifier kind.
        kind: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Luhn check over a string of ASCII digits (the last digit is the key).
fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn check_digits(kind: &'static str, value: &str) -> Result<(), IdError> {
    match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((position, character)) => Err(IdError::Character {
            kind,
            character,
            position,
        }),
        None => Ok(()),
    }
}

macro_rules! string_id_impls {
    ($ty:ident) => {
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $ty {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl TryFrom<&str> for $ty {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// RPPS number (Répertoire Partagé des Professionnels de Santé): 11 digits, the
/// last one a Luhn key.
///
/// ```
/// # use segur_ids::Rpps;
/// let rpps: Rpps = "10003612545".parse().unwrap();
/// assert_eq!(rpps.id_nat_ps().as_str(), "810003612545");
/// assert!("10003612546".parse::<Rpps>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rpps(String);

impl Rpps {
    /// Parses an RPPS number, checking length, digits and Luhn key.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "RPPS";
        if s.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        check_digits(KIND, s)?;
        if s.len() != 11 {
            return Err(IdError::Length {
                kind: KIND,
                expected: "11",
                actual: s.chars().count(),
            });
        }
        if !luhn_valid(s) {
            return Err(IdError::CheckDigit {
                kind: KIND,
                value: s.to_owned(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national professional identifier `8` + RPPS.
    pub fn id_nat_ps(&self) -> IdNatPs {
        IdNatPs(format!("8{}", self.0))
    }
}
string_id_impls!(Rpps);

/// Kind of national professional identifier, from its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdNatPsKind {
    /// `8` + RPPS (11 digits).
    Rpps,
    /// `0` + ADELI (9 characters). The prefix is documented by ANS but rarely seen.
    Adeli,
    /// `3` + FINESS or SIRET-based structure id + `/` + internal id (establishment staff).
    StructureStaffFiness,
    /// `5` + structure id + `/` + internal id (other structure staff).
    StructureStaffOther,
    /// Any other shape accepted by national services (e.g. test identities `ANS…`).
    Other,
}

/// National professional identifier (idNat_PS), as in CPS certificates' CN,
/// Pro Santé Connect `SubjectNameID`, and CDA `id@extension` under
/// [`oids::ID_NAT_PS`].
///
/// Parsing is lenient for shapes other than RPPS (national test platforms
/// issue identifiers such as `ANS20210101…`), but strict for the `8` + RPPS
/// form: a bad Luhn key is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNatPs(String);

impl IdNatPs {
    /// Parses an idNat_PS.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "idNat_PS";
        if s.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if let Some((position, character)) = s
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '/' || *c == '-'))
        {
            return Err(IdError::Character {
                kind: KIND,
                character,
                position,
            });
        }
        if s.len() > 64 {
            return Err(IdError::Length {
                kind: KIND,
                expected: "at most 64",
                actual: s.len(),
            });
        }
        if s.len() == 12 && s.starts_with('8') && s.bytes().all(|b| b.is_ascii_digit()) {
            Rpps::parse(&s[1..])?;
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind, from the prefix and shape.
    pub fn kind(&self) -> IdNatPsKind {
        let s = self.0.as_str();
        if self.rpps().is_some() {
            IdNatPsKind::Rpps
        } else if s.starts_with('0') && s.len() == 10 {
            IdNatPsKind::Adeli
        } else if s.starts_with('3') && s.contains('/') {
            IdNatPsKind::StructureStaffFiness
        } else if s.starts_with('5') && s.contains('/') {
            IdNatPsKind::StructureStaffOther
        } else {
            IdNatPsKind::Other
        }
    }

    /// The RPPS number when this is `8` + RPPS.
    pub fn rpps(&self) -> Option<Rpps> {
        let s = self.0.as_str();
        if s.len() == 12 && s.starts_with('8') {
            Rpps::parse(&s[1..]).ok()
        } else {
            None
        }
    }
}
string_id_impls!(IdNatPs);

impl From<Rpps> for IdNatPs {
    fn from(r: Rpps) -> Self {
        r.id_nat_ps()
    }
}

/// FINESS number: 9 characters, department (2 digits or `2A`/`2B`) then 6
/// digits then a Luhn key computed with `2A`/`2B` read as `0`.
///
/// ```
/// # use segur_ids::Finess;
/// assert!("750712184".parse::<Finess>().is_ok());
/// assert!("750712185".parse::<Finess>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finess(String);

impl Finess {
    /// Parses a FINESS number, checking the key.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "FINESS";
        if s.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        let len = s.chars().count();
        if len != 9 {
            return Err(IdError::Length {
                kind: KIND,
                expected: "9",
                actual: len,
            });
        }
        let upper = s.to_ascii_uppercase();
        let digits = match &upper[..2] {
            "2A" | "2B" => format!("00{}", &upper[2..]),
            _ => upper.clone(),
        };
        check_digits(KIND, &digits)?;
        if !luhn_valid(&digits) {
            return Err(IdError::CheckDigit {
                kind: KIND,
                value: s.to_owned(),
            });
        }
        Ok(Self(upper))
    }

    /// The 9 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_id_impls!(Finess);

/// National structure identifier (idNat_Struct): a one-digit prefix giving the
/// kind (`1` FINESS, `3` SIRET, `4` RPPS-rang of a cabinet, `0` other) followed
/// by the identifier, as in organisation certificates' OU and CDA
/// `representedOrganization/id` under [`oids::ID_NAT_STRUCT`].
///
/// The prefix rule is documented by ANS for structures; values are kept as
/// given, only their shape is checked (1–40 alphanumeric characters after the
/// prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNatStruct(String);

impl IdNatStruct {
    /// Parses an idNat_Struct.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "idNat_Struct";
        if s.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if let Some((position, character)) = s
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '/'))
        {
            return Err(IdError::Character {
                kind: KIND,
                character,
                position,
            });
        }
        if s.len() < 2 || s.len() > 41 {
            return Err(IdError::Length {
                kind: KIND,
                expected: "2 to 41",
                actual: s.len(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// An idNat_Struct for a FINESS (`1` + FINESS).
    pub fn from_finess(finess: &Finess) -> Self {
        Self(format!("1{}", finess.as_str()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The FINESS when the prefix is `1` and the rest is a valid FINESS.
    pub fn finess(&self) -> Option<Finess> {
        self.0.strip_prefix('1').and_then(|r| Finess::parse(r).ok())
    }
}
string_id_impls!(IdNatStruct);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpps_luhn() {
        assert!(Rpps::parse("10003612545").is_ok());
        assert!(matches!(
            Rpps::parse("10003612546"),
            Err(IdError::CheckDigit { .. })
        ));
        assert!(matches!(
            Rpps::parse("1000361254"),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(
            Rpps::parse("1000361254X"),
            Err(IdError::Character { position: 10, .. })
        ));
        assert!(matches!(Rpps::parse(""), Err(IdError::Empty { .. })));
    }

    #[test]
    fn id_nat_ps_kinds() {
        let id = IdNatPs::parse("810003612545").unwrap();
        assert_eq!(id.kind(), IdNatPsKind::Rpps);
        assert_eq!(id.rpps().unwrap().as_str(), "10003612545");
        assert!(IdNatPs::parse("810003612546").is_err());
        assert_eq!(
            IdNatPs::parse("30B0057881/CPET0002").unwrap().kind(),
            IdNatPsKind::StructureStaffFiness
        );
        assert_eq!(
            IdNatPs::parse("500000001815646/CPAT00045").unwrap().kind(),
            IdNatPsKind::StructureStaffOther
        );
        assert!(IdNatPs::parse("8 1").is_err());
    }

    #[test]
    fn finess_key_and_corsica() {
        assert!(Finess::parse("750712184").is_ok());
        assert!(Finess::parse("750712185").is_err());
        // 2A: read as 00 for the key.
        let base = "00000001";
        let key = (0..10).find(|k| luhn_valid(&format!("{base}{k}"))).unwrap();
        assert!(Finess::parse(&format!("2A000001{key}")).is_ok());
    }

    #[test]
    fn id_nat_struct_finess() {
        let f = Finess::parse("750712184").unwrap();
        let s = IdNatStruct::from_finess(&f);
        assert_eq!(s.as_str(), "1750712184");
        assert_eq!(s.finess(), Some(f));
        assert!(IdNatStruct::parse("1").is_err());
    }

    #[test]
    fn serde_revalidates() {
        let r: Result<Rpps, _> = serde_json::from_str("\"10003612546\"");
        assert!(r.is_err());
        let r: Rpps = serde_json::from_str("\"10003612545\"").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"10003612545\"");
    }

    proptest::proptest! {
        #[test]
        fn any_single_digit_change_breaks_rpps(base in "[0-9]{10}", pos in 0usize..11, delta in 1u8..10) {
            let key = (0..10).find(|k| luhn_valid(&format!("{base}{k}"))).unwrap();
            let good = format!("{base}{key}");
            proptest::prop_assert!(Rpps::parse(&good).is_ok());
            let mut bytes = good.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(Rpps::parse(&bad).is_err());
        }
    }
}
