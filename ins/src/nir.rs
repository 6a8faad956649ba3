//! NIR / NIA: the 13-character registration number plus its 2-digit control key.

use std::fmt;
use std::str::FromStr;

/// Why a value is not a valid NIR / NIA. Each variant names the faulty part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NirError {
    /// The value does not have 15 characters (13 + key), or 13 for a base.
    #[error("NIR: expected {expected} characters, got {actual}")]
    Length {
        /// What was expected (`"15"`, `"13"`, `"13 or 15"`).
        expected: &'static str,
        /// Number of characters after removing spaces.
        actual: usize,
    },
    /// A character is not allowed at this position (only digits, and `A`/`B`
    /// at position 7 after a `2` for Corsica).
    #[error("NIR: invalid character {character:?} at position {position} ({part})")]
    Character {
        /// The offending character.
        character: char,
        /// 1-based position in the 15-character value (spaces removed).
        position: usize,
        /// Which part of the NIR this position belongs to.
        part: NirPart,
    },
    /// The first digit is not a known sex digit (1, 2, 3, 4, 7 or 8).
    #[error("NIR: invalid sex digit {found:?} (expected 1, 2, 3, 4, 7 or 8)")]
    SexDigit {
        /// The digit found.
        found: char,
    },
    /// The month (positions 4–5) is neither 01–12 nor a special code (13, 20–42, 50–99).
    #[error(
        "NIR: invalid birth month {found:?} (expected 01-12 or a special code 13, 20-42, 50-99)"
    )]
    Month {
        /// The two digits found.
        found: String,
    },
    /// The control key does not match the 13-character base.
    #[error("NIR: control key {found:02} does not match the expected key {expected:02}")]
    KeyMismatch {
        /// The key computed from the base.
        expected: u8,
        /// The key found in the value.
        found: u8,
    },
}

/// The parts of a NIR, used to locate an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NirPart {
    /// Position 1: sex digit.
    Sex,
    /// Positions 2–3: year of birth.
    Year,
    /// Positions 4–5: month of birth.
    Month,
    /// Positions 6–10: place of birth.
    Place,
    /// Positions 11–13: order number.
    Order,
    /// Positions 14–15: control key.
    Key,
}

impl NirPart {
    fn at(position: usize) -> Self {
        match position {
            1 => Self::Sex,
            2..=3 => Self::Year,
            4..=5 => Self::Month,
            6..=10 => Self::Place,
            11..=13 => Self::Order,
            _ => Self::Key,
        }
    }
}

impl fmt::Display for NirPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sex => "sex digit",
            Self::Year => "birth year",
            Self::Month => "birth month",
            Self::Place => "birth place",
            Self::Order => "order number",
            Self::Key => "control key",
        })
    }
}

/// A validated NIR or NIA: 13 characters plus a 2-digit control key.
///
/// The NIR (*numéro d'inscription au répertoire*) and the NIA (*numéro
/// identifiant d'attente*) have the same shape; whether a value is one or the
/// other is carried **only** by the INS OID (see [`crate::InsOid`]), never
/// inferred from the digits.
///
/// The key is `97 − (base mod 97)`, where the base is read as a number after
/// replacing Corsica's `2A` by `19` and `2B` by `18`.
///
/// ```
/// use segur_ins::Nir;
/// let nir: Nir = "297022A02077878".parse()?;
/// assert_eq!(nir.key(), 78);
/// assert_eq!(nir.birth_year(), 97);
/// assert_eq!(nir.place().insee_code(), "2A020");
/// // A 13-character base gets its key computed:
/// assert_eq!(Nir::from_base("180032B020401")?.to_string(), "180032B02040123");
/// assert!("297022A02077879".parse::<Nir>().is_err());
/// # Ok::<(), segur_ins::NirError>(())
/// ```
///
/// `Display` gives the full 15 characters; `Debug` masks the middle digits so
/// that the matricule does not leak into logs by accident.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nir([u8; 15]);

/// The 13-character base of a NIR (characters checked), without key.
fn check_base(base: &[u8]) -> Result<(), NirError> {
    debug_assert_eq!(base.len(), 13);
    for (i, &b) in base.iter().enumerate() {
        let position = i + 1;
        let corsica = position == 7 && base[5] == b'2' && (b == b'A' || b == b'B');
        if !(b.is_ascii_digit() || corsica) {
            return Err(NirError::Character {
                character: char::from(b),
                position,
                part: NirPart::at(position),
            });
        }
    }
    let sex = base[0];
    if !matches!(sex, b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return Err(NirError::SexDigit {
            found: char::from(sex),
        });
    }
    let month = (base[3] - b'0') * 10 + (base[4] - b'0');
    if !matches!(month, 1..=13 | 20..=42 | 50..=99) {
        return Err(NirError::Month {
            found: String::from_utf8_lossy(&base[3..5]).into_owned(),
        });
    }
    Ok(())
}

/// Computes the control key of a checked 13-character base.
fn compute_key(base: &[u8]) -> u8 {
    let mut n: u64 = 0;
    for (i, &b) in base.iter().enumerate() {
        let digit = match (i, b) {
            // Corsica: 2A -> 19, 2B -> 18 (the `2` at index 5 becomes `1`).
            (5, b'2') if matches!(base[6], b'A' | b'B') => 1,
            (6, b'A') => 9,
            (6, b'B') => 8,
            _ => u64::from(b - b'0'),
        };
        n = n * 10 + digit;
    }
    // n < 10^13, so the key is in 1..=97 and fits a u8.
    (97 - n % 97) as u8
}

/// Removes ASCII spaces (grouping as printed on cards) and upper-cases the
/// Corsica letters.
fn compact(s: &str) -> Result<Vec<u8>, NirError> {
    let mut out = Vec::with_capacity(15);
    for c in s.chars() {
        if c == ' ' {
            continue;
        }
        if !c.is_ascii() {
            return Err(NirError::Character {
                character: c,
                position: out.len() + 1,
                part: NirPart::at(out.len() + 1),
            });
        }
        out.push((c as u8).to_ascii_uppercase());
        if out.len() > 15 {
            break;
        }
    }
    Ok(out)
}

impl Nir {
    /// Parses a 15-character NIR / NIA (13 characters + 2-digit key).
    ///
    /// Spaces are ignored (values are often printed in groups) and the Corsica
    /// letters may be lower case. A 13-character value is refused here: use
    /// [`Nir::from_base`] when the key must be computed, so that a truncated
    /// value is never silently completed.
    pub fn parse(s: &str) -> Result<Self, NirError> {
        let v = compact(s)?;
        if v.len() != 15 {
            return Err(NirError::Length {
                expected: "15",
                actual: s.chars().filter(|c| *c != ' ').count(),
            });
        }
        check_base(&v[..13])?;
        for (i, &b) in v[13..].iter().enumerate() {
            if !b.is_ascii_digit() {
                return Err(NirError::Character {
                    character: char::from(b),
                    position: 14 + i,
                    part: NirPart::Key,
                });
            }
        }
        let found = (v[13] - b'0') * 10 + (v[14] - b'0');
        let expected = compute_key(&v[..13]);
        if found != expected {
            return Err(NirError::KeyMismatch { expected, found });
        }
        let mut out = [0u8; 15];
        out.copy_from_slice(&v);
        Ok(Self(out))
    }

    /// Builds a NIR from its 13-character base, computing the control key.
    pub fn from_base(base: &str) -> Result<Self, NirError> {
        let v = compact(base)?;
        if v.len() != 13 {
            return Err(NirError::Length {
                expected: "13",
                actual: base.chars().filter(|c| *c != ' ').count(),
            });
        }
        check_base(&v)?;
        let key = compute_key(&v);
        let mut out = [0u8; 15];
        out[..13].copy_from_slice(&v);
        out[13] = b'0' + key / 10;
        out[14] = b'0' + key % 10;
        Ok(Self(out))
    }

    /// Parses either a 15-character value (key checked) or a 13-character base
    /// (key computed). The boolean tells whether the key was computed.
    pub fn parse_or_complete(s: &str) -> Result<(Self, bool), NirError> {
        let len = s.chars().filter(|c| *c != ' ').count();
        match len {
            13 => Self::from_base(s).map(|n| (n, true)),
            15 => Self::parse(s).map(|n| (n, false)),
            actual => Err(NirError::Length {
                expected: "13 or 15",
                actual,
            }),
        }
    }

    /// Computes the control key of a 13-character base.
    pub fn key_of(base: &str) -> Result<u8, NirError> {
        Self::from_base(base).map(|n| n.key())
    }

    /// The 15 characters.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and `A`/`B` are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 13-character base (without key).
    pub fn base(&self) -> &str {
        &self.as_str()[..13]
    }

    /// The control key (1–97).
    pub fn key(&self) -> u8 {
        (self.0[13] - b'0') * 10 + (self.0[14] - b'0')
    }

    /// The first digit: 1/2 (NIR), 3/4 and 7/8 (registration and provisional numbers).
    pub fn sex_digit(&self) -> u8 {
        self.0[0] - b'0'
    }

    /// The sex encoded by the first digit (odd: male, even: female). This is
    /// what the number says, not necessarily the patient's current sex trait.
    pub fn sex(&self) -> crate::Sex {
        if self.sex_digit() % 2 == 1 {
            crate::Sex::Male
        } else {
            crate::Sex::Female
        }
    }

    /// The two last digits of the birth year (the century is not encoded).
    pub fn birth_year(&self) -> u8 {
        (self.0[1] - b'0') * 10 + (self.0[2] - b'0')
    }

    /// The birth month, or the special code used when it was unknown.
    pub fn birth_month(&self) -> NirMonth {
        let m = (self.0[3] - b'0') * 10 + (self.0[4] - b'0');
        if (1..=12).contains(&m) {
            NirMonth::Known(m)
        } else {
            NirMonth::Special(m)
        }
    }

    /// The birth place (positions 6–10).
    pub fn place(&self) -> NirPlace {
        let s = self.as_str();
        let p = &s[5..10];
        let code = PlaceCode(self.0[5..10].try_into().unwrap_or([b'0'; 5]));
        match &p[..2] {
            "99" => NirPlace::Abroad { code },
            "97" | "98" => NirPlace::Overseas { code },
            "2A" | "2B" => NirPlace::Corsica { code },
            _ => NirPlace::Department { code },
        }
    }

    /// The order number (positions 11–13).
    pub fn order(&self) -> &str {
        &self.as_str()[10..13]
    }
}

/// The month part of a NIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NirMonth {
    /// A calendar month, 1–12.
    Known(u8),
    /// A special code (13, 20–42, 50–99) given when the civil-status record did
    /// not tell the month. The exact meaning of each range is not published.
    Special(u8),
}

impl NirMonth {
    /// The two-digit code as written in the NIR.
    pub fn code(self) -> u8 {
        match self {
            Self::Known(m) | Self::Special(m) => m,
        }
    }
}

/// The five place characters of a NIR, as an INSEE (COG) code.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlaceCode([u8; 5]);

impl PlaceCode {
    /// The five characters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for PlaceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlaceCode({})", self.as_str())
    }
}

/// The birth place encoded in a NIR.
///
/// Codes `91`–`96` are metropolitan departments today, but were also used for
/// births in Algeria, Morocco and Tunisia before their independence; the NIR
/// alone cannot tell which, so they are reported as [`NirPlace::Department`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NirPlace {
    /// Metropolitan department (2 digits) + commune (3 digits).
    Department {
        /// The 5-character code.
        code: PlaceCode,
    },
    /// Corsica: `2A` / `2B` + commune (3 digits).
    Corsica {
        /// The 5-character code.
        code: PlaceCode,
    },
    /// Overseas: `97x` / `98x` + commune (2 digits).
    Overseas {
        /// The 5-character code.
        code: PlaceCode,
    },
    /// Born abroad: `99` + INSEE country code (3 digits).
    Abroad {
        /// The 5-character code.
        code: PlaceCode,
    },
}

impl NirPlace {
    fn code(&self) -> &PlaceCode {
        match self {
            Self::Department { code }
            | Self::Corsica { code }
            | Self::Overseas { code }
            | Self::Abroad { code } => code,
        }
    }

    /// The 5-character INSEE code (commune COG, or `99` + country).
    pub fn insee_code(&self) -> &str {
        self.code().as_str()
    }

    /// The department (`75`, `2A`, `971`), or `None` when born abroad.
    pub fn department(&self) -> Option<&str> {
        let s = self.insee_code();
        match self {
            Self::Department { .. } | Self::Corsica { .. } => Some(&s[..2]),
            Self::Overseas { .. } => Some(&s[..3]),
            Self::Abroad { .. } => None,
        }
    }

    /// The commune part within the department (3 digits, 2 overseas), or `None` abroad.
    pub fn commune(&self) -> Option<&str> {
        let s = self.insee_code();
        match self {
            Self::Department { .. } | Self::Corsica { .. } => Some(&s[2..]),
            Self::Overseas { .. } => Some(&s[3..]),
            Self::Abroad { .. } => None,
        }
    }

    /// The INSEE country code (3 digits) when born abroad.
    pub fn country(&self) -> Option<&str> {
        match self {
            Self::Abroad { .. } => Some(&self.insee_code()[2..]),
            _ => None,
        }
    }

    /// A short name of the kind of place: `department`, `corsica`, `overseas`, `abroad`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Department { .. } => "department",
            Self::Corsica { .. } => "corsica",
            Self::Overseas { .. } => "overseas",
            Self::Abroad { .. } => "abroad",
        }
    }
}

impl fmt::Display for Nir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Nir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sex digit and key only: enough to tell values apart in a test
        // failure, not enough to identify a person from a log line.
        let s = self.as_str();
        write!(f, "Nir({}************{})", &s[..1], &s[13..])
    }
}

impl FromStr for Nir {
    type Err = NirError;
    fn from_str(s: &str) -> Result<Self, NirError> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Nir {
    type Error = NirError;
    fn try_from(s: &str) -> Result<Self, NirError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Nir {
    type Error = NirError;
    fn try_from(s: String) -> Result<Self, NirError> {
        Self::parse(&s)
    }
}

impl AsRef<str> for Nir {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl serde::Serialize for Nir {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Nir {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Nir::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A matricule as received from a national service, structurally valid but
/// whose key may not match.
///
/// Some INSi test responses carry matricules whose key does not satisfy the
/// mod-97 rule. A client must store history as received and flag such values
/// rather than fail the whole response; this type lets it do so without ever
/// producing a [`Nir`] with a wrong key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceivedMatricule {
    raw: [u8; 15],
    expected_key: u8,
}

impl ReceivedMatricule {
    /// Parses a 13-character base and a 2-digit key as received. Every check
    /// of [`Nir::parse`] applies except the key comparison.
    pub fn parse(base: &str, key: &str) -> Result<Self, NirError> {
        let v = compact(base)?;
        if v.len() != 13 {
            return Err(NirError::Length {
                expected: "13",
                actual: base.chars().count(),
            });
        }
        check_base(&v)?;
        let k = key.as_bytes();
        if let Some((position, character)) =
            key.chars().enumerate().find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(NirError::Character {
                character,
                position: 14 + position,
                part: NirPart::Key,
            });
        }
        if k.len() != 2 {
            return Err(NirError::Length {
                expected: "2 (key)",
                actual: k.len(),
            });
        }
        let mut raw = [0u8; 15];
        raw[..13].copy_from_slice(&v);
        raw[13..].copy_from_slice(k);
        Ok(Self {
            raw,
            expected_key: compute_key(&v),
        })
    }

    /// The 15 characters as received.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.raw).unwrap_or_default()
    }

    /// Whether the received key matches the base.
    pub fn key_matches(&self) -> bool {
        self.raw[13..] == [b'0' + self.expected_key / 10, b'0' + self.expected_key % 10]
    }

    /// The checked [`Nir`], or [`NirError::KeyMismatch`].
    pub fn checked(&self) -> Result<Nir, NirError> {
        Nir::parse(self.as_str())
    }
}

impl fmt::Debug for ReceivedMatricule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_str();
        write!(
            f,
            "ReceivedMatricule({}************{}, key_matches: {})",
            &s[..1],
            &s[13..],
            self.key_matches()
        )
    }
}

impl fmt::Display for ReceivedMatricule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §1.4 valid vectors (base, key).
    const VALID: &[(&str, u8)] = &[
        ("297022A020778", 78),
        ("160012B020777", 13),
        ("180032B020401", 23),
        ("2360663220836", 56),
        ("1090763220834", 89),
        ("2090763220834", 39),
        ("2090663220123", 55),
        ("2751263220749", 74),
        ("1100863220830", 60),
        ("2790351215189", 89),
        ("2740751760794", 30),
        ("2951099126111", 93),
        ("253072B073004", 70),
        ("253072A073004", 43),
        ("1850575123456", 73),
        ("180032A020401", 93),
        ("1852099123001", 23),
        ("1854299123001", 84),
        ("1855099123001", 18),
        ("3850575123456", 70),
        ("7850575123456", 64),
        ("8850575123456", 14),
        // NIA returned by INSi (CNDA TEST_2.05): same shape as a NIR.
        ("1090763220888", 35),
    ];

    #[test]
    fn reference_vectors_valid() {
        for (base, key) in VALID {
            let full = format!("{base}{key:02}");
            let nir = Nir::parse(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
            assert_eq!(nir.key(), *key, "{full}");
            assert_eq!(Nir::from_base(base).unwrap(), nir);
            assert_eq!(Nir::key_of(base).unwrap(), *key);
            assert_eq!(nir.to_string(), full);
        }
        // Full values listed as such in §1.4.
        for v in [
            "297022A02077878",
            "160012B02077713",
            "279035121518989",
            "274075176079430",
            "295109912611193",
            "253072B07300470",
            "253072A07300443",
            "185057512345673",
        ] {
            assert!(Nir::parse(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn reference_vectors_invalid() {
        assert_eq!(
            Nir::parse("295109912611199"),
            Err(NirError::KeyMismatch {
                expected: 93,
                found: 99
            })
        );
        assert_eq!(
            Nir::parse("253072C07300443"),
            Err(NirError::Character {
                character: 'C',
                position: 7,
                part: NirPart::Place
            })
        );
        // CNDA TEST_2.08 cas 2: keys that do not satisfy mod 97.
        assert_eq!(
            Nir::parse("181036322045660"),
            Err(NirError::KeyMismatch {
                expected: 76,
                found: 60
            })
        );
        assert_eq!(
            Nir::parse("281036322045610"),
            Err(NirError::KeyMismatch {
                expected: 26,
                found: 10
            })
        );
        assert_eq!(
            Nir::parse("147720425367411"),
            Err(NirError::KeyMismatch {
                expected: 30,
                found: 11
            })
        );
        assert_eq!(
            Nir::parse("118058599124123"),
            Err(NirError::KeyMismatch {
                expected: 56,
                found: 23
            })
        );
        assert_eq!(
            Nir::parse("123549685274612"),
            Err(NirError::KeyMismatch {
                expected: 83,
                found: 12
            })
        );
    }

    #[test]
    fn corsica_keys_differ() {
        let a = Nir::from_base("180032A020401").unwrap();
        let b = Nir::from_base("180032B020401").unwrap();
        assert_eq!((a.key(), b.key()), (93, 23));
        assert_eq!(a.place().kind(), "corsica");
        assert_eq!(a.place().department(), Some("2A"));
        assert_eq!(a.place().commune(), Some("020"));
    }

    #[test]
    fn accessors() {
        let n = Nir::parse("297022A02077878").unwrap();
        assert_eq!(n.sex_digit(), 2);
        assert_eq!(n.sex(), crate::Sex::Female);
        assert_eq!(n.birth_year(), 97);
        assert_eq!(n.birth_month(), NirMonth::Known(2));
        assert_eq!(n.order(), "778");
        assert_eq!(n.base(), "297022A020778");

        let abroad = Nir::from_base("1855099123001").unwrap();
        assert_eq!(abroad.birth_month(), NirMonth::Special(50));
        assert_eq!(abroad.place().kind(), "abroad");
        assert_eq!(abroad.place().country(), Some("123"));
        assert_eq!(abroad.place().department(), None);
        assert_eq!(abroad.place().insee_code(), "99123");

        let dom = Nir::from_base("1850597123001").unwrap();
        assert_eq!(dom.place().kind(), "overseas");
        assert_eq!(dom.place().department(), Some("971"));
        assert_eq!(dom.place().commune(), Some("23"));

        let seven = Nir::from_base("7850575123456").unwrap();
        assert_eq!(seven.sex(), crate::Sex::Male);
    }

    #[test]
    fn spaces_and_lowercase_accepted() {
        let n = Nir::parse("2 97 02 2a 020 778 78").unwrap();
        assert_eq!(n.as_str(), "297022A02077878");
    }

    #[test]
    fn error_paths() {
        assert_eq!(
            Nir::parse(""),
            Err(NirError::Length {
                expected: "15",
                actual: 0
            })
        );
        assert_eq!(
            Nir::parse("2970222A020778"),
            Err(NirError::Length {
                expected: "15",
                actual: 14
            })
        );
        assert!(matches!(
            Nir::parse("29702202077878999"),
            Err(NirError::Length { .. })
        ));
        // 13 chars are not silently completed by parse.
        assert!(matches!(
            Nir::parse("297022A020778"),
            Err(NirError::Length { .. })
        ));
        assert_eq!(
            Nir::parse("597022A02077878"),
            Err(NirError::SexDigit { found: '5' })
        );
        assert_eq!(
            Nir::parse("097022A02077878"),
            Err(NirError::SexDigit { found: '0' })
        );
        for m in ["00", "14", "19", "43", "49"] {
            let base = format!("185{m}75123456");
            assert_eq!(
                Nir::from_base(&base),
                Err(NirError::Month {
                    found: m.to_owned()
                }),
                "{m}"
            );
        }
        // Letter elsewhere than position 7, or A/B not after a 2.
        assert!(matches!(
            Nir::parse("2970A2A02077878"),
            Err(NirError::Character {
                position: 5,
                part: NirPart::Month,
                ..
            })
        ));
        assert!(matches!(
            Nir::parse("297023A02077878"),
            Err(NirError::Character { position: 7, .. })
        ));
        assert!(matches!(
            Nir::parse("297022A0207787X"),
            Err(NirError::Character {
                position: 15,
                part: NirPart::Key,
                ..
            })
        ));
        assert!(matches!(
            Nir::parse("297022A02077é78"),
            Err(NirError::Character {
                character: 'é', ..
            })
        ));
        assert!(matches!(
            Nir::parse_or_complete("1234"),
            Err(NirError::Length {
                expected: "13 or 15",
                ..
            })
        ));
    }

    #[test]
    fn parse_or_complete() {
        let (n, computed) = Nir::parse_or_complete("297022A020778").unwrap();
        assert!(computed);
        assert_eq!(n.key(), 78);
        let (n2, computed) = Nir::parse_or_complete("297022A02077878").unwrap();
        assert!(!computed);
        assert_eq!(n, n2);
    }

    #[test]
    fn debug_masks() {
        let n = Nir::parse("297022A02077878").unwrap();
        let d = format!("{n:?}");
        assert!(!d.contains("97022A020778"), "{d}");
        assert_eq!(d, "Nir(2************78)");
    }

    #[test]
    fn serde_revalidates() {
        let n: Nir = serde_json::from_str("\"297022A02077878\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"297022A02077878\"");
        assert!(serde_json::from_str::<Nir>("\"297022A02077879\"").is_err());
        assert!(serde_json::from_str::<Nir>("\"297022A020778\"").is_err());
    }

    #[test]
    fn received_matricule_flags_key() {
        let r = ReceivedMatricule::parse("1810363220456", "60").unwrap();
        assert!(!r.key_matches());
        assert_eq!(r.as_str(), "181036322045660");
        assert!(matches!(
            r.checked(),
            Err(NirError::KeyMismatch { expected: 76, .. })
        ));
        let ok = ReceivedMatricule::parse("1090763220834", "89").unwrap();
        assert!(ok.key_matches());
        assert_eq!(ok.checked().unwrap().key(), 89);
        assert!(ReceivedMatricule::parse("1090763220834", "8").is_err());
        assert!(ReceivedMatricule::parse("109076322083", "89").is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn base() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec!['1', '2', '3', '4', '7', '8']),
                0u8..100,
                prop::sample::select((1u8..=13).chain(20..=42).chain(50..=99).collect::<Vec<_>>()),
                prop_oneof![
                    (0u32..100_000).prop_map(|p| format!("{p:05}")),
                    (0u32..1000).prop_map(|c| format!("2A{c:03}")),
                    (0u32..1000).prop_map(|c| format!("2B{c:03}")),
                ],
                0u32..1000,
            )
                .prop_map(|(s, y, m, p, o)| format!("{s}{y:02}{m:02}{p}{o:03}"))
        }

        proptest! {
            #[test]
            fn computed_key_validates(b in base()) {
                let nir = Nir::from_base(&b).unwrap();
                prop_assert!((1..=97).contains(&nir.key()));
                let again = Nir::parse(nir.as_str()).unwrap();
                prop_assert_eq!(again, nir);
                prop_assert_eq!(nir.base(), b.as_str());
            }

            #[test]
            fn single_digit_change_is_caught(b in base(), pos in 0usize..15, delta in 1u8..10) {
                let nir = Nir::from_base(&b).unwrap();
                let mut bytes = nir.as_str().as_bytes().to_vec();
                prop_assume!(bytes[pos].is_ascii_digit());
                bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                // Either structurally invalid or the key no longer matches:
                // never accepted as another valid NIR.
                prop_assert!(Nir::parse(&changed).is_err(), "{} accepted", changed);
            }

            #[test]
            fn never_panics(s in ".{0,20}") {
                let _ = Nir::parse(&s);
                let _ = Nir::from_base(&s);
                let _ = Nir::parse_or_complete(&s);
            }
        }
    }
}
