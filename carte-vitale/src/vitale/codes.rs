//! Small validated values of a Vitale read: AMO affiliation codes, birth
//! rank, beneficiary quality, names as printed, rights periods.

use std::fmt;

use time::Date;

use crate::error::VitaleError;

macro_rules! digit_code {
    ($(#[$m:meta])* $ty:ident, $n:literal, $what:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty([u8; $n]);

        impl $ty {
            /// Parses exactly
            #[doc = concat!(stringify!($n), " digits.")]
            pub fn parse(s: &str) -> Result<Self, VitaleError> {
                let b = s.as_bytes();
                if b.len() != $n || !b.iter().all(u8::is_ascii_digit) {
                    return Err(VitaleError::Code {
                        what: $what,
                        value: s.chars().take(16).collect(),
                        expected: concat!(stringify!($n), " digits"),
                    });
                }
                let mut out = [0u8; $n];
                out.copy_from_slice(b);
                Ok(Self(out))
            }

            /// The digits.
            pub fn as_str(&self) -> &str {
                // Only ASCII digits are stored.
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = VitaleError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

digit_code!(
    /// Code of the *grand régime* of the AMO affiliation (2 digits, e.g. `01`).
    RegimeCode,
    2,
    "régime"
);
digit_code!(
    /// Code of the *caisse gestionnaire* (3 digits).
    CaisseCode,
    3,
    "caisse"
);
digit_code!(
    /// Code of the *centre gestionnaire* (4 digits).
    CentreCode,
    4,
    "centre"
);

impl RegimeCode {
    /// An informative label for the most common *grands régimes*. The
    /// table is not part of a public specification read for this crate
    /// (UNCONFIRMED): hosts display the code when this returns `None`.
    pub fn label(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "01" => "Régime général",
            "02" => "Régime agricole (MSA)",
            "03" => "Ex-régime social des indépendants",
            "04" => "SNCF",
            "05" => "RATP",
            "06" => "ENIM (marins)",
            "07" => "Mines",
            "08" => "Militaires (CNMSS)",
            _ => return None,
        })
    }
}

/// The AMO (compulsory health insurance) affiliation: régime, caisse and
/// centre gestionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AmoAffiliation {
    /// Grand régime.
    pub regime: RegimeCode,
    /// Caisse gestionnaire.
    pub caisse: CaisseCode,
    /// Centre gestionnaire.
    pub centre: CentreCode,
}

impl AmoAffiliation {
    /// Parses the three codes.
    pub fn parse(regime: &str, caisse: &str, centre: &str) -> Result<Self, VitaleError> {
        Ok(Self {
            regime: RegimeCode::parse(regime)?,
            caisse: CaisseCode::parse(caisse)?,
            centre: CentreCode::parse(centre)?,
        })
    }
}

impl fmt::Display for AmoAffiliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.regime, self.caisse, self.centre)
    }
}

/// The *rang de naissance* (rang gémellaire): distinguishes beneficiaries of
/// the same card born on the same day (twins). 1 to 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthRank(u8);

impl BirthRank {
    /// The first (and usual) rank.
    pub const FIRST: Self = Self(1);

    /// A rank from 1 to 9.
    pub fn new(rank: u8) -> Result<Self, VitaleError> {
        if (1..=9).contains(&rank) {
            Ok(Self(rank))
        } else {
            Err(VitaleError::Code {
                what: "rang de naissance",
                value: rank.to_string(),
                expected: "1 to 9",
            })
        }
    }

    /// The rank.
    pub fn get(&self) -> u8 {
        self.0
    }
}

impl Default for BirthRank {
    fn default() -> Self {
        Self::FIRST
    }
}

impl fmt::Display for BirthRank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for BirthRank {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for BirthRank {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The *qualité* of a beneficiary towards the insured person (ouvrant droit).
///
/// Codes `0` (assuré), `2` (conjoint) and `6` (enfant) are named; the full
/// SESAM-Vitale table is not public to us (UNCONFIRMED), so any other code
/// is kept as [`Quality::Autre`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    /// `0`: the insured person (ouvrant droit) themself.
    Assure,
    /// `2`: spouse.
    Conjoint,
    /// `6`: child.
    Enfant,
    /// Any other code (0–9).
    Autre(u8),
}

impl Quality {
    /// From the one-digit code.
    pub fn from_code(code: u8) -> Result<Self, VitaleError> {
        Ok(match code {
            0 => Self::Assure,
            2 => Self::Conjoint,
            6 => Self::Enfant,
            1 | 3..=5 | 7..=9 => Self::Autre(code),
            _ => {
                return Err(VitaleError::Code {
                    what: "qualité",
                    value: code.to_string(),
                    expected: "one digit",
                });
            }
        })
    }

    /// The one-digit code.
    pub fn code(&self) -> u8 {
        match self {
            Self::Assure => 0,
            Self::Conjoint => 2,
            Self::Enfant => 6,
            Self::Autre(c) => *c,
        }
    }

    /// A French label.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Assure => "Assuré(e)",
            Self::Conjoint => "Conjoint(e)",
            Self::Enfant => "Enfant",
            Self::Autre(_) => "Ayant droit",
        }
    }
}

impl serde::Serialize for Quality {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Quality {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_code(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A name as printed on the card or given by the apCV: trimmed, 1 to 100
/// characters, no control character. It is *not* an INS trait: the INS
/// lexical rules are applied when it is turned into one
/// ([`crate::SelectedBeneficiary::patient_draft`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VitaleName(String);

impl VitaleName {
    /// Checks a name.
    pub fn parse(s: &str) -> Result<Self, VitaleError> {
        let t = s.trim();
        let n = t.chars().count();
        if n == 0 || n > 100 || t.chars().any(char::is_control) {
            return Err(VitaleError::Name {
                value: t.chars().take(32).collect(),
            });
        }
        Ok(Self(t.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VitaleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for VitaleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names are personal data: show only the initial in logs.
        let initial: String = self.0.chars().take(1).collect();
        write!(f, "VitaleName({initial}…)")
    }
}

impl serde::Serialize for VitaleName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for VitaleName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A period of AMO rights (*période de droits*), bounds included; an open
/// end means "until further notice".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RightsRecord", into = "RightsRecord")]
pub struct RightsPeriod {
    start: Date,
    end: Option<Date>,
}

impl RightsPeriod {
    /// A period; `end` must not be before `start`.
    pub fn new(start: Date, end: Option<Date>) -> Result<Self, VitaleError> {
        if end.is_some_and(|e| e < start) {
            return Err(VitaleError::RightsPeriod {
                start: start.to_string(),
                end: end.map(|e| e.to_string()).unwrap_or_default(),
            });
        }
        Ok(Self { start, end })
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// Last day, if any.
    pub fn end(&self) -> Option<Date> {
        self.end
    }

    /// Whether rights are open on `day`.
    pub fn covers(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RightsRecord {
    #[serde(with = "crate::serde_fmt::date")]
    start: Date,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_fmt::option_date"
    )]
    end: Option<Date>,
}

impl From<RightsPeriod> for RightsRecord {
    fn from(p: RightsPeriod) -> Self {
        Self {
            start: p.start,
            end: p.end,
        }
    }
}

impl TryFrom<RightsRecord> for RightsPeriod {
    type Error = VitaleError;
    fn try_from(r: RightsRecord) -> Result<Self, Self::Error> {
        Self::new(r.start, r.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn codes() {
        let a = AmoAffiliation::parse("01", "751", "0000").expect("valid");
        assert_eq!(a.to_string(), "01 751 0000");
        assert_eq!(a.regime.label(), Some("Régime général"));
        assert!(AmoAffiliation::parse("1", "751", "0000").is_err());
        assert!(AmoAffiliation::parse("01", "75A", "0000").is_err());
        assert!(CentreCode::parse("00000").is_err());
        assert!(BirthRank::new(0).is_err());
        assert!(BirthRank::new(10).is_err());
        assert_eq!(BirthRank::new(2).expect("rank").get(), 2);
        assert_eq!(Quality::from_code(6).expect("code"), Quality::Enfant);
        assert_eq!(Quality::from_code(9).expect("code").code(), 9);
        assert!(Quality::from_code(10).is_err());
        assert!(VitaleName::parse("  ").is_err());
        assert!(VitaleName::parse("A\u{0}B").is_err());
        assert_eq!(
            VitaleName::parse(" DUPONT ").expect("name").as_str(),
            "DUPONT"
        );
        let json = serde_json::to_string(&a).expect("json");
        assert_eq!(json, r#"{"regime":"01","caisse":"751","centre":"0000"}"#);
        assert!(
            serde_json::from_str::<AmoAffiliation>(
                r#"{"regime":"1","caisse":"751","centre":"0000"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn rights() {
        let p = RightsPeriod::new(date!(2024 - 01 - 01), Some(date!(2024 - 12 - 31))).expect("p");
        assert!(p.covers(date!(2024 - 06 - 01)));
        assert!(p.covers(date!(2024 - 12 - 31)));
        assert!(!p.covers(date!(2025 - 01 - 01)));
        assert!(RightsPeriod::new(date!(2024 - 01 - 02), Some(date!(2024 - 01 - 01))).is_err());
        let open = RightsPeriod::new(date!(2024 - 01 - 01), None).expect("open");
        assert!(open.covers(date!(2099 - 01 - 01)));
        assert!(
            serde_json::from_str::<RightsPeriod>(r#"{"start":"2024-01-02","end":"2024-01-01"}"#)
                .is_err()
        );
    }
}
