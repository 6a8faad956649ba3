//! The typed content of INSi messages: the two queries and the result.

use std::fmt;

use time::Date;

use crate::names::GivenName;
use crate::{BirthDate, FamilyName, Ins, InsOid, InseeCode, Nir, ReceivedMatricule, Sex, Traits};

use super::error::QueryError;

/// SOAP 1.2 envelope namespace.
pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// `RECSANSVITALE` namespace.
pub const NS_RECSANS: &str = "http://www.cnamts.fr/INSiRecSans";
/// `RECVITALE` namespace.
pub const NS_RECVIT: &str = "http://www.cnamts.fr/INSiRecVit";
/// `RESULTAT` namespace.
pub const NS_RESULTAT: &str = "http://www.cnamts.fr/INSiResultat";
/// WS-Addressing namespace.
pub const NS_WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Security extension namespace.
pub const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// LPS context header namespace.
pub const NS_CTXLPS: &str = "urn:siram:lps:ctxlps";
/// BAM context header namespace.
pub const NS_CTXBAM: &str = "urn:siram:bam:ctxbam";
/// SIRAM fault detail namespace.
pub const NS_SIRAM: &str = "urn:siram";
/// SAML 2.0 assertion namespace.
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// XML-DSig namespace.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The two operations of the INSi WSDL (`ServiceIdentiteCertifiee-v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `rechercherInsAvecTraitsIdentite`: body `RECSANSVITALE`.
    SearchByTraits,
    /// `rechercherInsAvecCarteVitale`: body `RECVITALE`.
    SearchWithVitale,
}

impl Operation {
    /// The WSDL operation name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SearchByTraits => "rechercherInsAvecTraitsIdentite",
            Self::SearchWithVitale => "rechercherInsAvecCarteVitale",
        }
    }

    /// The WS-Addressing action (and SOAP 1.2 `action` parameter) of the request.
    pub fn action(self) -> &'static str {
        match self {
            Self::SearchByTraits => {
                "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
            }
            Self::SearchWithVitale => {
                "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"
            }
        }
    }

    /// The WS-Addressing action of the response.
    pub fn response_action(self) -> &'static str {
        match self {
            Self::SearchByTraits => {
                "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentiteResponse"
            }
            Self::SearchWithVitale => {
                "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitaleResponse"
            }
        }
    }

    /// The operation whose request action is `action`.
    pub fn from_action(action: &str) -> Option<Self> {
        [Self::SearchByTraits, Self::SearchWithVitale]
            .into_iter()
            .find(|o| o.action() == action)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A search by identity traits (`RECSANSVITALE`): birth family name, one
/// `Prenom` (a given name, or the space-separated list), sex, birth date and
/// optionally the birth place.
///
/// Values are in the INSi lexical profile by construction (core name types);
/// the sex must be `M` or `F` (INSi knows no other).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitsQuery {
    birth_family_name: FamilyName,
    given_name: GivenName,
    sex: Sex,
    birth_date: BirthDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    birth_place: Option<InseeCode>,
}

impl TraitsQuery {
    /// A query. Refuses [`Sex::Unknown`].
    pub fn new(
        birth_family_name: FamilyName,
        given_name: GivenName,
        sex: Sex,
        birth_date: BirthDate,
        birth_place: Option<InseeCode>,
    ) -> Result<Self, QueryError> {
        if sex.insi_code().is_none() {
            return Err(QueryError::UnknownSex);
        }
        Ok(Self {
            birth_family_name,
            given_name,
            sex,
            birth_date,
            birth_place,
        })
    }

    /// The query for `traits` with the given `Prenom` (one of the strategy's
    /// given-name choices, see [`super::GivenNameStrategy`]).
    pub fn from_traits(traits: &Traits, given_name: GivenName) -> Result<Self, QueryError> {
        Self::new(
            traits.birth_family_name().clone(),
            given_name,
            traits.sex(),
            *traits.birth_date(),
            traits.birth_place().copied(),
        )
    }

    /// `NomNaissance`.
    pub fn birth_family_name(&self) -> &FamilyName {
        &self.birth_family_name
    }

    /// `Prenom`.
    pub fn given_name(&self) -> &GivenName {
        &self.given_name
    }

    /// `Sexe`.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// `DateNaissance` (an uncertain date is sent with its substituted value,
    /// e.g. `31/12` when day and month are unknown).
    pub fn birth_date(&self) -> &BirthDate {
        &self.birth_date
    }

    /// `LieuNaissance`.
    pub fn birth_place(&self) -> Option<&InseeCode> {
        self.birth_place.as_ref()
    }

    /// The same query without the birth place (the birth place is optional
    /// and a local place code is a frequent source of `01`).
    pub fn without_birth_place(mut self) -> Self {
        self.birth_place = None;
        self
    }
}

/// A "lunar" date as read on a carte Vitale (`YYYY-MM-DD` where month and
/// day may be `00` or exceed the calendar, e.g. for births registered
/// without a known day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LunarDate {
    year: u16,
    month: u8,
    day: u8,
}

impl LunarDate {
    /// Parses `YYYY-MM-DD` (month `00`–`12`, day `00`–`31`).
    pub fn parse(s: &str) -> Result<Self, QueryError> {
        let bad = || QueryError::LunarDate(s.to_owned());
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
        let year: u16 = s[..4].parse().map_err(|_| bad())?;
        let month: u8 = s[5..7].parse().map_err(|_| bad())?;
        let day: u8 = s[8..].parse().map_err(|_| bad())?;
        if !(1000..=9999).contains(&year) || month > 12 || day > 31 {
            return Err(bad());
        }
        Ok(Self { year, month, day })
    }

    /// The date of a [`BirthDate`] (its substituted calendar value).
    pub fn from_birth_date(date: &BirthDate) -> Self {
        let d = date.date();
        Self {
            // BirthDate years are 1000..=9999.
            year: u16::try_from(d.year()).unwrap_or(0),
            month: u8::from(d.month()),
            day: d.day(),
        }
    }
}

impl fmt::Display for LunarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for LunarDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for LunarDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A search with carte Vitale data (`RECVITALE`), for one beneficiary of the card.
///
/// A card identifies its beneficiaries by the matricule of the *ouvrant
/// droit* (the insured person), their birth date and birth rank; the
/// beneficiary's own matricule may be absent (children). Never copy the
/// ouvrant droit's number into the patient's INS.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct VitaleQuery {
    /// `MatriculeIndividu`: the beneficiary's own NIR, when on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual: Option<Nir>,
    /// `MatriculeOD`: the ouvrant droit's NIR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ouvrant_droit: Option<Nir>,
    /// `NomNaissance` (or the name on the card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_family_name: Option<FamilyName>,
    /// `DateNaissance` as on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<LunarDate>,
    /// `RangNaissance`: birth rank, distinguishing twins (1, 2…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_rank: Option<u8>,
}

impl VitaleQuery {
    /// Checks that the query can identify someone: a matricule (individual or
    /// ouvrant droit) is required, and with only the ouvrant droit the birth
    /// date too.
    pub fn check(&self) -> Result<(), QueryError> {
        match (&self.individual, &self.ouvrant_droit, &self.birth_date) {
            (None, None, _) => Err(QueryError::VitaleWithoutMatricule),
            (None, Some(_), None) => Err(QueryError::VitaleWithoutBirthDate),
            _ => Ok(()),
        }
    }
}

/// A request body: one of the two queries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "operation")]
pub enum Query {
    /// `RECSANSVITALE`.
    Traits(TraitsQuery),
    /// `RECVITALE`.
    Vitale(VitaleQuery),
}

impl Query {
    /// The operation carrying this query.
    pub fn operation(&self) -> Operation {
        match self {
            Self::Traits(_) => Operation::SearchByTraits,
            Self::Vitale(_) => Operation::SearchWithVitale,
        }
    }
}

/// Where in a response an INS was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum InsPosition {
    /// `INSACTIF`.
    Active,
    /// The n-th `INSHISTO` (0-based).
    History(usize),
}

impl fmt::Display for InsPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Active => f.write_str("INS actif"),
            Self::History(i) => write!(f, "INS historique n°{}", i + 1),
        }
    }
}

/// An INS as returned by INSi (`INSACTIF` or `INSHISTO`), stored as received.
///
/// The matricule is structurally valid but its key may not match (some
/// official test answers carry such values): [`ReturnedIns::ins`] gives a
/// checked [`Ins`] only when the key matches and the OID is an INS OID; the
/// response then also carries a [`super::ResponseWarning`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedIns {
    /// `IdIndividu` (`NumIdentifiant` + `Cle`), as received.
    pub matricule: ReceivedMatricule,
    /// `OID`, as received.
    pub oid: String,
    /// `TypeMatricule`, when present.
    pub type_matricule: Option<String>,
    /// `DateDeb`.
    pub valid_from: Option<Date>,
    /// `DateFin`.
    pub valid_until: Option<Date>,
}

impl ReturnedIns {
    /// The OID as an [`InsOid`], if it is one of the four INS OIDs.
    pub fn ins_oid(&self) -> Option<InsOid> {
        InsOid::from_oid_str(&self.oid)
    }

    /// The checked INS: `None` when the key does not match or the OID is unknown.
    pub fn ins(&self) -> Option<Ins> {
        let nir = self.matricule.checked().ok()?;
        Some(Ins::new(nir, self.ins_oid()?))
    }
}

/// Serde form of [`ReturnedIns`] (so that hosts can store answers).
#[derive(serde::Serialize, serde::Deserialize)]
struct ReturnedInsRecord {
    matricule: String,
    oid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    type_matricule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_from: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<Date>,
}

impl serde::Serialize for ReturnedIns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReturnedInsRecord {
            matricule: self.matricule.as_str().to_owned(),
            oid: self.oid.clone(),
            type_matricule: self.type_matricule.clone(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for ReturnedIns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ReturnedInsRecord::deserialize(d)?;
        if r.matricule.len() != 15 || !r.matricule.is_ascii() {
            return Err(serde::de::Error::custom(
                "matricule: 15 characters expected",
            ));
        }
        let matricule = ReceivedMatricule::parse(&r.matricule[..13], &r.matricule[13..])
            .map_err(serde::de::Error::custom)?;
        Ok(Self {
            matricule,
            oid: r.oid,
            type_matricule: r.type_matricule,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        })
    }
}

/// The identity traits returned by INSi (`TIQ`), as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnedTraits {
    /// `NomNaissance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_family_name: Option<String>,
    /// `Prenom` (first given name; present in some answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_given_name: Option<String>,
    /// `ListePrenom`: the space-separated list of birth given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_names: Option<String>,
    /// `Sexe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// `DateNaissance` (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `LieuNaissance` (INSEE code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
}

impl ReturnedTraits {
    /// The `TIQ` INSi would return for `traits` (used to compare traits read
    /// elsewhere, e.g. from a datamatrix, with the same rules).
    pub fn from_traits(traits: &Traits) -> Self {
        Self {
            birth_family_name: Some(traits.birth_family_name().to_string()),
            first_given_name: Some(traits.first_given_name().to_string()),
            given_names: Some(traits.birth_given_names_joined()),
            sex: traits.sex().insi_code().map(String::from),
            birth_date: Some(traits.birth_date().to_iso()),
            birth_place: traits.birth_place().map(|p| p.to_string()),
        }
    }

    /// The traits as core [`Traits`] (strictly checked: INSi values are in
    /// the lexical profile). The first given name is `Prenom` when present,
    /// else the first element of `ListePrenom`.
    pub fn to_traits(&self) -> Result<Traits, crate::TraitsError> {
        use crate::TraitField;
        let mut b = Traits::builder()
            .birth_family_name(
                self.birth_family_name
                    .clone()
                    .ok_or(crate::TraitsError::Missing(TraitField::BirthFamilyName))?,
            )
            .birth_given_names(
                self.given_names
                    .clone()
                    .or_else(|| self.first_given_name.clone())
                    .ok_or(crate::TraitsError::Missing(TraitField::BirthGivenNames))?,
            )
            .birth_date(BirthDate::parse(
                self.birth_date
                    .as_deref()
                    .ok_or(crate::TraitsError::Missing(TraitField::BirthDate))?,
            )?)
            .sex(Sex::from_code(
                self.sex
                    .as_deref()
                    .ok_or(crate::TraitsError::Missing(TraitField::Sex))?,
            )?);
        if let Some(f) = &self.first_given_name {
            b = b.first_given_name(f.clone());
        }
        if let Some(p) = &self.birth_place {
            b = b.birth_place(p.clone());
        }
        b.build()
    }
}

/// One identity returned with code `00`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsiIdentity {
    /// `INSACTIF`: the current INS.
    pub active: ReturnedIns,
    /// `INSHISTO`: previous matricules (after a sex change, NIA replaced by
    /// NIR…), stored as received — it may repeat the active one.
    #[serde(default)]
    pub history: Vec<ReturnedIns>,
    /// `TIQ`: the reference traits.
    pub traits: ReturnedTraits,
}

impl InsiIdentity {
    /// The checked current INS (see [`ReturnedIns::ins`]).
    pub fn ins(&self) -> Option<Ins> {
        self.active.ins()
    }
}

/// The `CodeCR` of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ResultCode {
    /// `00`: exactly one identity.
    #[serde(rename = "00")]
    Found,
    /// `01`: no identity.
    #[serde(rename = "01")]
    NotFound,
    /// `02`: several identities.
    #[serde(rename = "02")]
    Several,
}

impl ResultCode {
    /// `00`, `01`, `02`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Found => "00",
            Self::NotFound => "01",
            Self::Several => "02",
        }
    }

    /// The `LibelleCR` INSi sends with this code.
    pub fn label(self) -> &'static str {
        match self {
            Self::Found => "OK",
            Self::NotFound => "Aucune identite trouvee",
            Self::Several => "Plusieurs identites trouvees",
        }
    }

    /// Reads a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "00" => Self::Found,
            "01" => Self::NotFound,
            "02" => Self::Several,
            _ => return None,
        })
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The outcome of one INSi answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "identity")]
pub enum InsiOutcome {
    /// `00`: one identity.
    Found(Box<InsiIdentity>),
    /// `01`: none.
    NotFound,
    /// `02`: several; the traits must be refined.
    Several,
}

impl InsiOutcome {
    /// The result code.
    pub fn code(&self) -> ResultCode {
        match self {
            Self::Found(_) => ResultCode::Found,
            Self::NotFound => ResultCode::NotFound,
            Self::Several => ResultCode::Several,
        }
    }

    /// The identity, for `00`.
    pub fn identity(&self) -> Option<&InsiIdentity> {
        match self {
            Self::Found(i) => Some(i),
            _ => None,
        }
    }
}

/// Something odd in an otherwise usable answer: reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum ResponseWarning {
    /// The key of a returned matricule does not satisfy the mod-97 rule.
    KeyMismatch {
        /// Which INS.
        position: InsPosition,
        /// The matricule as received.
        matricule: String,
        /// The key computed from the base.
        expected_key: u8,
    },
    /// A returned OID is not one of the four INS OIDs.
    UnknownOid {
        /// Which INS.
        position: InsPosition,
        /// The OID received.
        oid: String,
    },
    /// `LibelleCR` differs from the label INSi documents for the code.
    UnexpectedLabel {
        /// The code.
        code: ResultCode,
        /// The label received.
        label: String,
    },
    /// The returned traits are not usable as identity traits.
    InvalidTraits {
        /// Why.
        reason: String,
    },
    /// A returned matricule is not structurally a NIR / NIA: it was skipped
    /// (history only; an unreadable active INS makes the answer malformed).
    UnreadableHistory {
        /// Index of the `INSHISTO`.
        index: usize,
        /// Why.
        reason: String,
    },
}

/// A parsed INSi answer: its outcome, the label received and the warnings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsiResponse {
    /// What INSi answered.
    pub outcome: InsiOutcome,
    /// `LibelleCR` as received.
    pub label: String,
    /// Non-fatal anomalies.
    #[serde(default)]
    pub warnings: Vec<ResponseWarning>,
}
