//! Identity traits: the strict traits compared with INSi (birth family name,
//! birth given names, first given name, birth date, sex, birth place) and the
//! complementary used names.

use std::fmt;

use time::{Date, Month};

use crate::names::{
    self, FamilyName, GivenName, NameError, first_given_name_consistent, fold_separators,
};

/// A trait of an identity, to name a field in errors and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TraitField {
    /// Nom de naissance.
    BirthFamilyName,
    /// Liste des prénoms de naissance.
    BirthGivenNames,
    /// Premier prénom de naissance.
    FirstGivenName,
    /// Date de naissance.
    BirthDate,
    /// Sexe.
    Sex,
    /// Code INSEE du lieu de naissance.
    BirthPlace,
    /// Nom utilisé.
    UsedFamilyName,
    /// Prénom utilisé.
    UsedGivenName,
}

impl TraitField {
    /// Whether this is one of the strict traits (a change of which downgrades the identity).
    pub fn is_strict(self) -> bool {
        !matches!(self, Self::UsedFamilyName | Self::UsedGivenName)
    }
}

impl fmt::Display for TraitField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BirthFamilyName => "birth family name",
            Self::BirthGivenNames => "birth given names",
            Self::FirstGivenName => "first given name",
            Self::BirthDate => "birth date",
            Self::Sex => "sex",
            Self::BirthPlace => "birth place",
            Self::UsedFamilyName => "used family name",
            Self::UsedGivenName => "used given name",
        })
    }
}

/// Why traits (or one of their values) are invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraitsError {
    /// A name breaks a rule of the INSi lexical profile.
    #[error("{field}: {source}")]
    Name {
        /// Which trait.
        field: TraitField,
        /// The rule broken.
        source: NameError,
    },
    /// A mandatory trait is missing.
    #[error("{0} is missing")]
    Missing(TraitField),
    /// The first given name is not the first element(s) of the list of birth given names.
    #[error(
        "first given name {first:?} is not the first element of the birth given names {list:?}"
    )]
    FirstGivenNameInconsistent {
        /// The first given name.
        first: String,
        /// The list of birth given names.
        list: String,
    },
    /// The birth date is not a valid date.
    #[error("birth date: {reason}")]
    BirthDate {
        /// What is wrong.
        reason: String,
    },
    /// The birth place is not a 5-character INSEE (COG) code.
    #[error("birth place: {value:?} is not an INSEE code (5 digits, or 2A/2B + 3 digits)")]
    InseeCode {
        /// The value.
        value: String,
    },
    /// The sex code is not `M`, `F` or `U`.
    #[error("sex: {value:?} is not M, F or U")]
    Sex {
        /// The value.
        value: String,
    },
}

/// Sex, as a trait of the identity.
///
/// INSi and the datamatrix only know `M` and `F`; `Unknown` (*indéterminé*)
/// exists for provisional local identities and cannot be sent to INSi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Féminin.
    Female,
    /// Masculin.
    Male,
    /// Indéterminé / unknown.
    Unknown,
}

impl Sex {
    /// The code used by INSi and the datamatrix (`M`, `F`), `None` for `Unknown`.
    pub fn insi_code(self) -> Option<char> {
        match self {
            Self::Female => Some('F'),
            Self::Male => Some('M'),
            Self::Unknown => None,
        }
    }

    /// The HL7 `AdministrativeGender` code used in CDA (JDV_J143): `F`, `M`, `UN`.
    pub fn cda_code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Unknown => "UN",
        }
    }

    /// The FHIR `gender`: `female`, `male`, `unknown`.
    pub fn fhir_gender(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Unknown => "unknown",
        }
    }

    /// The one-letter code `F`, `M`, `U` (serde form).
    pub fn code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Unknown => "U",
        }
    }

    /// Reads `F`, `M`, `U` (also `I` for *indéterminé*).
    pub fn from_code(s: &str) -> Result<Self, TraitsError> {
        match s {
            "F" => Ok(Self::Female),
            "M" => Ok(Self::Male),
            "U" | "I" => Ok(Self::Unknown),
            _ => Err(TraitsError::Sex {
                value: s.to_owned(),
            }),
        }
    }
}

impl serde::Serialize for Sex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Sex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_code(&s).map_err(serde::de::Error::custom)
    }
}

/// Which parts of a birth date were unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// Day, month and year known.
    Complete,
    /// Day unknown: recorded as the 1st of the month.
    DayUnknown,
    /// Month unknown: recorded in January.
    MonthUnknown,
    /// Day and month unknown: recorded as 31 December.
    DayAndMonthUnknown,
}

/// A birth date, with the rules for unknown parts of the INS implementation
/// guide (EXI ID 11/12): day unknown → `01/MM/YYYY`; month unknown →
/// `DD/01/YYYY`; both unknown → `31/12/YYYY`. Such a date is flagged
/// uncertain ([`BirthDate::is_uncertain`]) while [`BirthDate::date`] gives the
/// substituted date that is transmitted.
///
/// Text form (serde, [`BirthDate::parse`]): ISO `YYYY-MM-DD`, with `00` for an
/// unknown part (`1979-03-00`, `1979-00-00`).
///
/// ```
/// use segur_ins::BirthDate;
/// let d = BirthDate::from_parts(1979, None, None)?;
/// assert_eq!(d.to_iso(), "1979-12-31");
/// assert!(d.is_uncertain());
/// assert_eq!(d.to_string(), "1979-00-00");
/// assert_eq!(BirthDate::parse("1979-03-28")?.to_datamatrix(), "28-03-1979");
/// # Ok::<(), segur_ins::TraitsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    date: Date,
    precision: DatePrecision,
}

impl BirthDate {
    /// A complete birth date.
    pub fn new(date: Date) -> Result<Self, TraitsError> {
        Self::check_year(date.year())?;
        Ok(Self {
            date,
            precision: DatePrecision::Complete,
        })
    }

    fn check_year(year: i32) -> Result<(), TraitsError> {
        if (1000..=9999).contains(&year) {
            Ok(())
        } else {
            Err(TraitsError::BirthDate {
                reason: format!("year {year} out of range 1000-9999"),
            })
        }
    }

    /// A birth date from its parts, applying the substitution rules for unknown ones.
    pub fn from_parts(year: i32, month: Option<u8>, day: Option<u8>) -> Result<Self, TraitsError> {
        Self::check_year(year)?;
        let (m, d, precision) = match (month, day) {
            (Some(m), Some(d)) => (m, d, DatePrecision::Complete),
            (Some(m), None) => (m, 1, DatePrecision::DayUnknown),
            (None, Some(d)) => (1, d, DatePrecision::MonthUnknown),
            (None, None) => (12, 31, DatePrecision::DayAndMonthUnknown),
        };
        let month = Month::try_from(m).map_err(|_| TraitsError::BirthDate {
            reason: format!("month {m} out of range 1-12"),
        })?;
        let date =
            Date::from_calendar_date(year, month, d).map_err(|_| TraitsError::BirthDate {
                reason: format!("{year:04}-{m:02}-{d:02} is not a calendar date"),
            })?;
        Ok(Self { date, precision })
    }

    /// Parses `YYYY-MM-DD`, `00` standing for an unknown month or day.
    pub fn parse(s: &str) -> Result<Self, TraitsError> {
        let bad = || TraitsError::BirthDate {
            reason: format!("{s:?} is not YYYY-MM-DD"),
        };
        let b = s.as_bytes();
        if b.len() != 10
            || b[4] != b'-'
            || b[7] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = s[..4].parse().map_err(|_| bad())?;
        let month: u8 = s[5..7].parse().map_err(|_| bad())?;
        let day: u8 = s[8..].parse().map_err(|_| bad())?;
        Self::from_parts(
            year,
            (month != 0).then_some(month),
            (day != 0).then_some(day),
        )
    }

    /// Parses the datamatrix form `DD-MM-YYYY` (always complete: the
    /// datamatrix does not carry the precision).
    pub fn parse_datamatrix(s: &str) -> Result<Self, TraitsError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[2] != b'-' || b[5] != b'-' {
            return Err(TraitsError::BirthDate {
                reason: format!("{s:?} is not DD-MM-YYYY"),
            });
        }
        let iso = format!("{}-{}-{}", &s[6..], &s[3..5], &s[..2]);
        let d = Self::parse(&iso).map_err(|_| TraitsError::BirthDate {
            reason: format!("{s:?} is not a DD-MM-YYYY date"),
        })?;
        if d.precision != DatePrecision::Complete {
            return Err(TraitsError::BirthDate {
                reason: format!("{s:?} is not a DD-MM-YYYY date"),
            });
        }
        Ok(d)
    }

    /// The date to transmit (unknown parts substituted).
    pub fn date(&self) -> Date {
        self.date
    }

    /// Which parts were unknown.
    pub fn precision(&self) -> DatePrecision {
        self.precision
    }

    /// Whether some part was unknown ("date fictive / incertaine").
    pub fn is_uncertain(&self) -> bool {
        self.precision != DatePrecision::Complete
    }

    /// ISO 8601 `YYYY-MM-DD` of the transmitted date (INSi `DateNaissance`, FHIR `birthDate`).
    pub fn to_iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day()
        )
    }

    /// CDA `birthTime/@value`: `YYYYMMDD`.
    pub fn to_cda(&self) -> String {
        format!(
            "{:04}{:02}{:02}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day()
        )
    }

    /// Datamatrix S6: `DD-MM-YYYY`.
    pub fn to_datamatrix(&self) -> String {
        format!(
            "{:02}-{:02}-{:04}",
            self.date.day(),
            u8::from(self.date.month()),
            self.date.year()
        )
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = (
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day(),
        );
        let (m, d) = match self.precision {
            DatePrecision::Complete => (m, d),
            DatePrecision::DayUnknown => (m, 0),
            DatePrecision::MonthUnknown => (0, d),
            DatePrecision::DayAndMonthUnknown => (0, 0),
        };
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for BirthDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for BirthDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An INSEE (COG) place code: a commune (`63220`, `2A004`, `97101`) or `99` +
/// a country code for a birth abroad (`99255`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InseeCode([u8; 5]);

impl InseeCode {
    /// Parses 5 digits, or `2A`/`2B` + 3 digits (lower case accepted).
    pub fn parse(s: &str) -> Result<Self, TraitsError> {
        let bad = || TraitsError::InseeCode {
            value: s.to_owned(),
        };
        let b = s.as_bytes();
        if b.len() != 5 {
            return Err(bad());
        }
        let mut out = [0u8; 5];
        for (i, &c) in b.iter().enumerate() {
            let c = c.to_ascii_uppercase();
            let ok = c.is_ascii_digit() || (i == 1 && b[0] == b'2' && (c == b'A' || c == b'B'));
            if !ok {
                return Err(bad());
            }
            out[i] = c;
        }
        Ok(Self(out))
    }

    /// The 5 characters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Whether the code denotes a birth abroad (`99xxx`).
    pub fn is_abroad(&self) -> bool {
        self.0.starts_with(b"99")
    }
}

impl fmt::Display for InseeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for InseeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InseeCode({})", self.as_str())
    }
}

impl std::str::FromStr for InseeCode {
    type Err = TraitsError;
    fn from_str(s: &str) -> Result<Self, TraitsError> {
        Self::parse(s)
    }
}

impl serde::Serialize for InseeCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for InseeCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The traits of an identity.
///
/// Built with [`Traits::builder`], which normalises the names (see
/// [`crate::names`]) and checks that the first given name is consistent with
/// the list of birth given names. Every value held is in the INSi lexical
/// profile. The list of birth given names never has an element containing a
/// space (the list is space-separated, as in INSi `ListePrenom` and datamatrix S3).
///
/// ```
/// use segur_ins::{BirthDate, Sex, Traits};
/// let traits = Traits::builder()
///     .birth_family_name("Pat-Trois")
///     .birth_given_names("Dominique Marie-Louise")
///     .birth_date(BirthDate::parse("1979-03-28")?)
///     .sex(Sex::Female)
///     .birth_place("63220")
///     .build()?;
/// assert_eq!(traits.first_given_name().as_str(), "DOMINIQUE");
/// assert_eq!(traits.birth_given_names_joined(), "DOMINIQUE MARIE-LOUISE");
/// # Ok::<(), segur_ins::TraitsError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "TraitsRecord", into = "TraitsRecord")]
pub struct Traits {
    birth_family_name: FamilyName,
    birth_given_names: Vec<GivenName>,
    first_given_name: GivenName,
    birth_date: BirthDate,
    sex: Sex,
    birth_place: Option<InseeCode>,
    used_family_name: Option<FamilyName>,
    used_given_name: Option<GivenName>,
}

impl Traits {
    /// A builder; every name given to it is normalised.
    pub fn builder() -> TraitsBuilder {
        TraitsBuilder::default()
    }

    /// Nom de naissance.
    pub fn birth_family_name(&self) -> &FamilyName {
        &self.birth_family_name
    }

    /// Liste des prénoms de naissance.
    pub fn birth_given_names(&self) -> &[GivenName] {
        &self.birth_given_names
    }

    /// The list of birth given names, space-separated (INSi `ListePrenom`,
    /// datamatrix S3, first CDA `<given>`).
    pub fn birth_given_names_joined(&self) -> String {
        self.birth_given_names
            .iter()
            .map(GivenName::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Premier prénom de naissance.
    pub fn first_given_name(&self) -> &GivenName {
        &self.first_given_name
    }

    /// Date de naissance.
    pub fn birth_date(&self) -> &BirthDate {
        &self.birth_date
    }

    /// Sexe.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Code INSEE du lieu de naissance, when known.
    pub fn birth_place(&self) -> Option<&InseeCode> {
        self.birth_place.as_ref()
    }

    /// Nom utilisé, when different from the birth name.
    pub fn used_family_name(&self) -> Option<&FamilyName> {
        self.used_family_name.as_ref()
    }

    /// Prénom utilisé.
    pub fn used_given_name(&self) -> Option<&GivenName> {
        self.used_given_name.as_ref()
    }

    /// Traits from values already checked, the first given name being
    /// consistent with the list (checked by the caller).
    pub(crate) fn from_checked_parts(
        birth_family_name: FamilyName,
        birth_given_names: Vec<GivenName>,
        first_given_name: GivenName,
        birth_date: BirthDate,
        sex: Sex,
        birth_place: Option<InseeCode>,
    ) -> Self {
        Self {
            birth_family_name,
            birth_given_names,
            first_given_name,
            birth_date,
            sex,
            birth_place,
            used_family_name: None,
            used_given_name: None,
        }
    }

    /// A builder initialised with these traits, to change some of them.
    pub fn to_builder(&self) -> TraitsBuilder {
        TraitsBuilder {
            birth_family_name: Some(self.birth_family_name.to_string()),
            birth_given_names: Some(self.birth_given_names_joined()),
            first_given_name: Some(self.first_given_name.to_string()),
            birth_date: Some(self.birth_date),
            sex: Some(self.sex),
            birth_place: self.birth_place.map(|p| p.to_string()),
            used_family_name: self.used_family_name.as_ref().map(|n| n.to_string()),
            used_given_name: self.used_given_name.as_ref().map(|n| n.to_string()),
        }
    }

    /// The strict traits that differ between `self` (the local identity) and
    /// `reference` (e.g. the traits returned by INSi, or read from a datamatrix).
    ///
    /// Rules: family names, birth dates (transmitted date and precision
    /// ignored: INSi returns the substituted date) and sexes must be equal; the
    /// local first given name must be consistent with the reference list of
    /// birth given names (hyphen and apostrophe count as a space); birth
    /// places are compared when both are known. Used names are not compared.
    pub fn strict_differences(&self, reference: &Traits) -> Vec<TraitField> {
        let mut out = Vec::new();
        if fold_separators(self.birth_family_name.as_str())
            != fold_separators(reference.birth_family_name.as_str())
        {
            out.push(TraitField::BirthFamilyName);
        }
        if !first_given_name_consistent(
            self.first_given_name.as_str(),
            &reference.birth_given_names_joined(),
        ) {
            out.push(TraitField::FirstGivenName);
        }
        if self.birth_date.date() != reference.birth_date.date() {
            out.push(TraitField::BirthDate);
        }
        if self.sex != reference.sex {
            out.push(TraitField::Sex);
        }
        if matches!((&self.birth_place, &reference.birth_place), (Some(a), Some(b)) if a != b) {
            out.push(TraitField::BirthPlace);
        }
        out
    }

    /// Whether a strict trait differs from `other` (plain equality, used to
    /// detect a modification of a strict trait).
    pub fn strict_traits_equal(&self, other: &Traits) -> bool {
        self.birth_family_name == other.birth_family_name
            && self.birth_given_names == other.birth_given_names
            && self.first_given_name == other.first_given_name
            && self.birth_date == other.birth_date
            && self.sex == other.sex
            && self.birth_place == other.birth_place
    }
}

impl fmt::Debug for Traits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Traits")
            .field("birth_family_name", &self.birth_family_name)
            .field("birth_given_names", &self.birth_given_names)
            .field("first_given_name", &self.first_given_name)
            .field("birth_date", &self.birth_date.to_string())
            .field("sex", &self.sex)
            .field("birth_place", &self.birth_place)
            .field("used_family_name", &self.used_family_name)
            .field("used_given_name", &self.used_given_name)
            .finish()
    }
}

/// Builds [`Traits`]; names are normalised when [`TraitsBuilder::build`] runs.
#[derive(Debug, Clone, Default)]
pub struct TraitsBuilder {
    birth_family_name: Option<String>,
    birth_given_names: Option<String>,
    first_given_name: Option<String>,
    birth_date: Option<BirthDate>,
    sex: Option<Sex>,
    birth_place: Option<String>,
    used_family_name: Option<String>,
    used_given_name: Option<String>,
}

impl TraitsBuilder {
    /// Nom de naissance (mandatory).
    pub fn birth_family_name(mut self, v: impl Into<String>) -> Self {
        self.birth_family_name = Some(v.into());
        self
    }
    /// Liste des prénoms de naissance, space-separated (mandatory).
    pub fn birth_given_names(mut self, v: impl Into<String>) -> Self {
        self.birth_given_names = Some(v.into());
        self
    }
    /// Premier prénom de naissance (defaults to the first element of the list).
    pub fn first_given_name(mut self, v: impl Into<String>) -> Self {
        self.first_given_name = Some(v.into());
        self
    }
    /// Date de naissance (mandatory).
    pub fn birth_date(mut self, v: BirthDate) -> Self {
        self.birth_date = Some(v);
        self
    }
    /// Sexe (mandatory).
    pub fn sex(mut self, v: Sex) -> Self {
        self.sex = Some(v);
        self
    }
    /// Code INSEE du lieu de naissance.
    pub fn birth_place(mut self, v: impl Into<String>) -> Self {
        self.birth_place = Some(v.into());
        self
    }
    /// Clears the birth place.
    pub fn no_birth_place(mut self) -> Self {
        self.birth_place = None;
        self
    }
    /// Nom utilisé.
    pub fn used_family_name(mut self, v: impl Into<String>) -> Self {
        self.used_family_name = Some(v.into());
        self
    }
    /// Prénom utilisé.
    pub fn used_given_name(mut self, v: impl Into<String>) -> Self {
        self.used_given_name = Some(v.into());
        self
    }

    /// Normalises and checks everything.
    pub fn build(self) -> Result<Traits, TraitsError> {
        let name = |field: TraitField| move |source: NameError| TraitsError::Name { field, source };
        let birth_family_name = names::normalize_family_name(
            self.birth_family_name
                .as_deref()
                .ok_or(TraitsError::Missing(TraitField::BirthFamilyName))?,
        )
        .map_err(name(TraitField::BirthFamilyName))?;
        let birth_given_names = names::normalize_given_name_list(
            self.birth_given_names
                .as_deref()
                .ok_or(TraitsError::Missing(TraitField::BirthGivenNames))?,
        )
        .map_err(name(TraitField::BirthGivenNames))?;
        let first_given_name = match &self.first_given_name {
            Some(f) => names::normalize_given_name(f).map_err(name(TraitField::FirstGivenName))?,
            // The list is non-empty once normalised.
            None => birth_given_names
                .first()
                .cloned()
                .ok_or(TraitsError::Missing(TraitField::BirthGivenNames))?,
        };
        let joined = birth_given_names
            .iter()
            .map(GivenName::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if !first_given_name_consistent(first_given_name.as_str(), &joined) {
            return Err(TraitsError::FirstGivenNameInconsistent {
                first: first_given_name.to_string(),
                list: joined,
            });
        }
        let birth_date = self
            .birth_date
            .ok_or(TraitsError::Missing(TraitField::BirthDate))?;
        let sex = self.sex.ok_or(TraitsError::Missing(TraitField::Sex))?;
        let birth_place = self
            .birth_place
            .as_deref()
            .map(InseeCode::parse)
            .transpose()?;
        let used_family_name = self
            .used_family_name
            .as_deref()
            .map(names::normalize_family_name)
            .transpose()
            .map_err(name(TraitField::UsedFamilyName))?;
        let used_given_name = self
            .used_given_name
            .as_deref()
            .map(names::normalize_given_name)
            .transpose()
            .map_err(name(TraitField::UsedGivenName))?;
        Ok(Traits {
            birth_family_name,
            birth_given_names,
            first_given_name,
            birth_date,
            sex,
            birth_place,
            used_family_name,
            used_given_name,
        })
    }
}

/// Serde form of [`Traits`] (re-validated on deserialisation, strictly: the
/// stored values must already be normalised).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TraitsRecord {
    birth_family_name: String,
    birth_given_names: String,
    first_given_name: String,
    birth_date: BirthDate,
    sex: Sex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    birth_place: Option<InseeCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_given_name: Option<String>,
}

impl From<Traits> for TraitsRecord {
    fn from(t: Traits) -> Self {
        Self {
            birth_given_names: t.birth_given_names_joined(),
            birth_family_name: t.birth_family_name.to_string(),
            first_given_name: t.first_given_name.to_string(),
            birth_date: t.birth_date,
            sex: t.sex,
            birth_place: t.birth_place,
            used_family_name: t.used_family_name.map(|n| n.to_string()),
            used_given_name: t.used_given_name.map(|n| n.to_string()),
        }
    }
}

impl TryFrom<TraitsRecord> for Traits {
    type Error = TraitsError;
    fn try_from(r: TraitsRecord) -> Result<Self, TraitsError> {
        let name = |field: TraitField| move |source: NameError| TraitsError::Name { field, source };
        let birth_given_names = names::parse_given_name_list(&r.birth_given_names)
            .map_err(name(TraitField::BirthGivenNames))?;
        let first_given_name =
            GivenName::parse(&r.first_given_name).map_err(name(TraitField::FirstGivenName))?;
        if !first_given_name_consistent(first_given_name.as_str(), &r.birth_given_names) {
            return Err(TraitsError::FirstGivenNameInconsistent {
                first: r.first_given_name,
                list: r.birth_given_names,
            });
        }
        Ok(Traits {
            birth_family_name: FamilyName::parse(&r.birth_family_name)
                .map_err(name(TraitField::BirthFamilyName))?,
            birth_given_names,
            first_given_name,
            birth_date: r.birth_date,
            sex: r.sex,
            birth_place: r.birth_place,
            used_family_name: r
                .used_family_name
                .as_deref()
                .map(FamilyName::parse)
                .transpose()
                .map_err(name(TraitField::UsedFamilyName))?,
            used_given_name: r
                .used_given_name
                .as_deref()
                .map(GivenName::parse)
                .transpose()
                .map_err(name(TraitField::UsedGivenName))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn pat_trois() -> Traits {
        Traits::builder()
            .birth_family_name("PAT-TROIS")
            .birth_given_names("DOMINIQUE MARIE-LOUISE")
            .birth_date(BirthDate::parse("1979-03-28").unwrap())
            .sex(Sex::Female)
            .birth_place("63220")
            .build()
            .unwrap()
    }

    #[test]
    fn birth_date_unknown_parts() {
        let d = BirthDate::from_parts(1979, Some(3), None).unwrap();
        assert_eq!(
            (d.to_iso(), d.precision(), d.to_string()),
            (
                "1979-03-01".into(),
                DatePrecision::DayUnknown,
                "1979-03-00".into()
            )
        );
        let d = BirthDate::from_parts(1979, None, Some(28)).unwrap();
        assert_eq!(
            (d.to_iso(), d.to_string()),
            ("1979-01-28".into(), "1979-00-28".into())
        );
        let d = BirthDate::from_parts(1979, None, None).unwrap();
        assert_eq!(d.to_iso(), "1979-12-31");
        assert_eq!(d.to_cda(), "19791231");
        assert_eq!(BirthDate::parse("1979-00-00").unwrap(), d);
        assert!(!BirthDate::parse("1979-03-28").unwrap().is_uncertain());
        assert!(BirthDate::from_parts(1979, Some(2), Some(30)).is_err());
        assert!(BirthDate::from_parts(1979, Some(13), None).is_err());
        assert!(BirthDate::from_parts(999, None, None).is_err());
        for bad in [
            "1979-3-28",
            "28-03-1979",
            "1979/03/28",
            "",
            "1979-02-30",
            "1979-03-2x",
        ] {
            assert!(BirthDate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            BirthDate::parse_datamatrix("10-12-1815").unwrap().to_iso(),
            "1815-12-10"
        );
        assert!(BirthDate::parse_datamatrix("00-12-1815").is_err());
        assert!(BirthDate::parse_datamatrix("1815-12-10").is_err());
        let j =
            serde_json::to_string(&BirthDate::from_parts(1979, Some(3), None).unwrap()).unwrap();
        assert_eq!(j, "\"1979-03-00\"");
    }

    #[test]
    fn insee_codes() {
        assert_eq!(InseeCode::parse("2a004").unwrap().as_str(), "2A004");
        assert!(InseeCode::parse("99255").unwrap().is_abroad());
        assert!(!InseeCode::parse("63220").unwrap().is_abroad());
        for bad in ["6322", "632200", "2C004", "A2004", "63 20", "3A004"] {
            assert!(InseeCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builder_normalises_and_checks() {
        let t = Traits::builder()
            .birth_family_name("Lefèvre")
            .birth_given_names("jean-pierre  ")
            .birth_date(BirthDate::parse("1960-01-02").unwrap())
            .sex(Sex::Male)
            .used_family_name("Dupont")
            .used_given_name("JP")
            .build()
            .unwrap();
        assert_eq!(t.birth_family_name().as_str(), "LEFEVRE");
        assert_eq!(t.first_given_name().as_str(), "JEAN-PIERRE");
        assert_eq!(t.used_family_name().unwrap().as_str(), "DUPONT");
        assert_eq!(t.birth_place(), None);

        let err = Traits::builder()
            .birth_family_name("X")
            .birth_given_names("DOMINIQUE MARIE")
            .first_given_name("MARIE")
            .birth_date(BirthDate::parse("1960-01-02").unwrap())
            .sex(Sex::Male)
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            TraitsError::FirstGivenNameInconsistent { .. }
        ));
        let err = Traits::builder()
            .birth_family_name("X")
            .build()
            .unwrap_err();
        assert_eq!(err, TraitsError::Missing(TraitField::BirthGivenNames));
        let err = pat_trois()
            .to_builder()
            .birth_family_name("X1")
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            TraitsError::Name {
                field: TraitField::BirthFamilyName,
                source: NameError::ForbiddenCharacter { .. }
            }
        ));
        assert!(
            pat_trois()
                .to_builder()
                .birth_place("2C000")
                .build()
                .is_err()
        );
        assert_eq!(pat_trois().to_builder().build().unwrap(), pat_trois());
    }

    #[test]
    fn serde_round_trip_is_strict() {
        let t = pat_trois();
        let j = serde_json::to_value(&t).unwrap();
        assert_eq!(j["birth_given_names"], "DOMINIQUE MARIE-LOUISE");
        assert_eq!(j["sex"], "F");
        assert_eq!(j["birth_date"], "1979-03-28");
        let back: Traits = serde_json::from_value(j.clone()).unwrap();
        assert_eq!(back, t);
        let mut lower = j.clone();
        lower["birth_family_name"] = "pat-trois".into();
        assert!(serde_json::from_value::<Traits>(lower).is_err());
        let mut inconsistent = j;
        inconsistent["first_given_name"] = "MARIE".into();
        assert!(serde_json::from_value::<Traits>(inconsistent).is_err());
    }

    #[test]
    fn strict_differences() {
        let local = pat_trois();
        assert!(local.strict_differences(&pat_trois()).is_empty());
        let insi = pat_trois()
            .to_builder()
            .birth_family_name("PAT TROIS")
            .no_birth_place()
            .build()
            .unwrap();
        // Hyphen vs space and a missing birth place are not differences.
        assert!(local.strict_differences(&insi).is_empty());
        let other = pat_trois()
            .to_builder()
            .sex(Sex::Male)
            .birth_date(BirthDate::parse("1979-03-29").unwrap())
            .birth_given_names("MARIE DOMINIQUE")
            .first_given_name("MARIE")
            .birth_place("63221")
            .build()
            .unwrap();
        assert_eq!(
            local.strict_differences(&other),
            vec![
                TraitField::FirstGivenName,
                TraitField::BirthDate,
                TraitField::Sex,
                TraitField::BirthPlace
            ]
        );
    }
}
