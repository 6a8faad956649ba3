//! Birth dates as a Vitale read gives them, including "lunar" dates.

use std::fmt;

use segur_ins::BirthDate;
use time::{Date, Month};

use crate::error::VitaleError;

/// A birth date as read on a carte Vitale or from the apCV: `YYYY-MM-DD`
/// where the month and day may be `00` (unknown) or not exist in the
/// calendar (a *date lunaire*, e.g. `1960-02-30`, kept for people whose
/// civil-status birth date is not a Gregorian date).
///
/// The value is kept exactly as read: it is what INSi `RECVITALE`
/// (`DateNaissance`, type `DateLunaire`) and the beneficiary choice need.
/// Conversion to an INS trait ([`VitaleDate::to_birth_date`]) applies the INS
/// rules for unknown parts and refuses a day that does not exist.
///
/// ```
/// use segur_carte_vitale::VitaleDate;
/// let d = VitaleDate::parse("1960-02-30")?;
/// assert!(d.is_lunar());
/// assert!(d.to_birth_date().is_err());
/// let d = VitaleDate::parse("19790300")?; // card form, day unknown
/// assert_eq!(d.to_birth_date()?.to_string(), "1979-03-00");
/// # Ok::<(), segur_carte_vitale::VitaleError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VitaleDate {
    year: u16,
    month: u8,
    day: u8,
}

impl VitaleDate {
    /// A date from its parts: year 1000–9999, month 0–12, day 0–31 (0 = unknown).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, VitaleError> {
        if !(1000..=9999).contains(&year) || month > 12 || day > 31 {
            return Err(VitaleError::Date {
                value: format!("{year:04}-{month:02}-{day:02}"),
                reason: "year 1000-9999, month 00-12, day 00-31",
            });
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD` or the card form `YYYYMMDD`.
    pub fn parse(s: &str) -> Result<Self, VitaleError> {
        let bad = |reason| VitaleError::Date {
            value: s.chars().take(32).collect(),
            reason,
        };
        let b = s.as_bytes();
        let digits: Vec<u8> = match b.len() {
            10 if b[4] == b'-' && b[7] == b'-' => b
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 4 && *i != 7)
                .map(|(_, c)| *c)
                .collect(),
            8 => b.to_vec(),
            _ => return Err(bad("expected YYYY-MM-DD or YYYYMMDD")),
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad("expected digits"));
        }
        let n = |r: std::ops::Range<usize>| {
            digits[r]
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        };
        let (year, month, day) = (n(0..4), n(4..6), n(6..8));
        // month <= 99 and day <= 99 fit in a u8.
        Self::new(year, month as u8, day as u8)
    }

    /// The date of a complete INS birth date.
    pub fn from_birth_date(date: &BirthDate) -> Self {
        let d = date.date();
        Self {
            // BirthDate years are 1000..=9999.
            year: u16::try_from(d.year()).unwrap_or(1000),
            month: u8::from(d.month()),
            day: d.day(),
        }
    }

    /// Year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Month, `0` when unknown.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// Day, `0` when unknown.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The Gregorian date, when this is one.
    pub fn calendar_date(&self) -> Option<Date> {
        let month = Month::try_from(self.month).ok()?;
        Date::from_calendar_date(i32::from(self.year), month, self.day).ok()
    }

    /// Whether the date is not a Gregorian date (unknown part or
    /// non-existent day).
    pub fn is_lunar(&self) -> bool {
        self.calendar_date().is_none()
    }

    /// The INS birth date trait. An unknown month or day (`00`) follows the
    /// INS substitution rules and gives an *uncertain* date; a day that does
    /// not exist in the month (`1960-02-30`) cannot be converted: the user
    /// enters the date shown on the identity document.
    pub fn to_birth_date(&self) -> Result<BirthDate, VitaleError> {
        let month = (self.month != 0).then_some(self.month);
        let day = (self.day != 0).then_some(self.day);
        BirthDate::from_parts(i32::from(self.year), month, day).map_err(|_| {
            VitaleError::LunarDate {
                value: self.to_string(),
            }
        })
    }

    /// The card form `YYYYMMDD`.
    pub fn to_card(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for VitaleDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for VitaleDate {
    type Err = VitaleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for VitaleDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VitaleDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_and_lunar_rules() {
        let d = VitaleDate::parse("1979-03-28").expect("iso");
        assert_eq!(d, VitaleDate::parse("19790328").expect("card"));
        assert!(!d.is_lunar());
        assert_eq!(d.to_card(), "19790328");
        assert_eq!(d.to_birth_date().expect("complete").to_iso(), "1979-03-28");
        let unknown = VitaleDate::parse("1950-00-00").expect("unknown parts");
        assert!(unknown.is_lunar());
        let b = unknown.to_birth_date().expect("substituted");
        assert_eq!(b.to_iso(), "1950-12-31");
        assert!(b.is_uncertain());
        let lunar = VitaleDate::parse("1960-02-30").expect("lunar");
        assert!(lunar.is_lunar());
        assert!(matches!(
            lunar.to_birth_date(),
            Err(VitaleError::LunarDate { .. })
        ));
        for bad in [
            "1960-13-01",
            "1960-01-32",
            "0999-01-01",
            "1960/01/01",
            "196001",
            "１９６０-01-01",
            "",
        ] {
            assert!(VitaleDate::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(s in "\\PC{0,12}") {
            if let Ok(d) = VitaleDate::parse(&s) {
                prop_assert_eq!(VitaleDate::parse(&d.to_string()).ok(), Some(d));
                prop_assert_eq!(VitaleDate::parse(&d.to_card()).ok(), Some(d));
            }
        }

        #[test]
        fn valid_parts_round_trip(y in 1000u16..=9999, m in 0u8..=12, d in 0u8..=31) {
            let v = VitaleDate::new(y, m, d).expect("in range");
            prop_assert_eq!(VitaleDate::parse(&v.to_string()).ok(), Some(v));
            // A calendar date always converts, and back.
            if let Some(cal) = v.calendar_date() {
                let b = v.to_birth_date().expect("calendar date converts");
                prop_assert_eq!(b.date(), cal);
                prop_assert_eq!(VitaleDate::from_birth_date(&b), v);
            }
        }
    }
}
