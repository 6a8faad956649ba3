//! Typed coded values, value sets and terminologies.
//!
//! A [`CodedValue`] can only be obtained through a check:
//!
//! - from a closed [`ValueSet`] (the CI-SIS JDVs the schematrons open with
//!   `document()`, embedded in [`super::value_sets`]): a code outside the set
//!   is [`N3Error::UnknownCode`];
//! - from an open [`Terminology`] (LOINC, SNOMED CT, CIM-10, CIS, CIP, ATC,
//!   EDQM, EMDN, LPP, CCAM…) whose content cannot be embedded: the code is
//!   checked for its format and check digit where the terminology has one
//!   (LOINC mod 10, SNOMED CT Verhoeff, CIP-13 EAN-13), else
//!   [`N3Error::InvalidCode`].
//!
//! Each coded element of the N3 models is bound to a [`Binding`] declared
//! next to it; the same binding validates what a builder is given and what a
//! parsed document contains.

use std::fmt;

use segur_ids::{Oid, oid};

use crate::datatypes::Code;
use crate::error::N3Error;

/// A concept of a value set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concept {
    /// `@code`.
    pub code: &'static str,
    /// `@codeSystem` (OID).
    pub code_system: &'static str,
    /// `@displayName`.
    pub display_name: &'static str,
}

/// A closed value set (a CI-SIS JDV, SVS format upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueSet {
    /// The value set name (`JDV_StatutGrossesse_CISIS`).
    pub name: &'static str,
    /// The value set OID.
    pub oid: &'static str,
    /// Where the list comes from (file in `ans-cda/jeuxDeValeurs/` or the
    /// upstream reference for the few sets that are not vendored).
    pub source: &'static str,
    /// The concepts.
    pub concepts: &'static [Concept],
}

impl ValueSet {
    /// The concept with this code (and code system, when given).
    pub fn find(&self, code: &str, code_system: Option<&str>) -> Option<&'static Concept> {
        self.concepts
            .iter()
            .find(|c| c.code == code && code_system.is_none_or(|s| s == c.code_system))
    }

    /// Whether the set contains this code in this code system.
    pub fn contains(&self, code: &str, code_system: &str) -> bool {
        self.find(code, Some(code_system)).is_some()
    }

    /// The coded value of a code of this set (its display name from the set).
    pub fn code(&'static self, code: &str) -> Result<CodedValue, N3Error> {
        self.find(code, None)
            .map(CodedValue::from_concept)
            .ok_or_else(|| self.unknown(code, "", "builder input"))
    }

    /// The coded value of a code in a given code system.
    pub fn code_in(&'static self, code: &str, code_system: &str) -> Result<CodedValue, N3Error> {
        self.find(code, Some(code_system))
            .map(CodedValue::from_concept)
            .ok_or_else(|| self.unknown(code, code_system, "builder input"))
    }

    fn unknown(&self, code: &str, code_system: &str, context: &str) -> N3Error {
        N3Error::UnknownCode {
            value_set: self.name.to_owned(),
            oid: self.oid.to_owned(),
            code: code.to_owned(),
            code_system: code_system.to_owned(),
            context: context.to_owned(),
        }
    }
}

/// An open terminology: codes are checked for their format only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Terminology {
    /// LOINC (`NNNNN-C`, mod 10 check digit).
    Loinc,
    /// SNOMED CT (SCTID, Verhoeff check digit).
    SnomedCt,
    /// CIM-10 (ICD-10, French edition): `A00`, `I20.0`, `G45.9+1`…
    Cim10,
    /// CIS: 8-digit code of a medicine (Code Identifiant de Spécialité).
    Cis,
    /// CIP-13: 13-digit presentation code starting with 34009 (EAN-13 key).
    Cip,
    /// UCD: 13-digit dispensing unit code (`34008…`).
    Ucd,
    /// ATC class (`N02BE01`, `J07AM`).
    Atc,
    /// EDQM Standard Terms (8-digit codes: routes, dose forms, packaging).
    Edqm,
    /// EMDN (European Medical Device Nomenclature): letter + digits.
    Emdn,
    /// LPP (Liste des produits et prestations): 7 digits.
    Lpp,
    /// CCAM acts: 4 letters + 3 digits.
    Ccam,
    /// Substance Management Service (SMS) substance ids.
    Sms,
    /// MV Médicabase virtual medicines (`MV` + digits).
    MedicabaseMv,
    /// The ANS TA_ASIP terminology (`MED-574`, `GEN-180`…).
    TaAsip,
    /// HL7 RoleCode (family relationships MTH, FTH…).
    Hl7RoleCode,
}

/// All terminologies, for look-ups by OID.
pub const TERMINOLOGIES: &[Terminology] = &[
    Terminology::Loinc,
    Terminology::SnomedCt,
    Terminology::Cim10,
    Terminology::Cis,
    Terminology::Cip,
    Terminology::Ucd,
    Terminology::Atc,
    Terminology::Edqm,
    Terminology::Emdn,
    Terminology::Lpp,
    Terminology::Ccam,
    Terminology::Sms,
    Terminology::MedicabaseMv,
    Terminology::TaAsip,
    Terminology::Hl7RoleCode,
];

impl Terminology {
    /// The code system OID.
    pub fn oid(self) -> Oid {
        match self {
            Self::Loinc => oid!("2.16.840.1.113883.6.1"),
            Self::SnomedCt => oid!("2.16.840.1.113883.6.96"),
            Self::Cim10 => oid!("2.16.840.1.113883.6.3"),
            Self::Cis => oid!("1.2.250.1.213.2.3.1"),
            Self::Cip => oid!("1.2.250.1.213.2.3.2"),
            Self::Ucd => oid!("1.2.250.1.213.2.3.3"),
            Self::Atc => oid!("2.16.840.1.113883.6.73"),
            Self::Edqm => oid!("0.4.0.127.0.16.1.1.2.1"),
            Self::Emdn => oid!("1.2.250.1.213.2.68"),
            Self::Lpp => oid!("1.2.250.1.215.200.2.1"),
            Self::Ccam => oid!("1.2.250.1.213.2.5"),
            Self::Sms => oid!("2.16.840.1.113883.3.6905.2"),
            Self::MedicabaseMv => oid!("1.2.250.1.213.2.59"),
            Self::TaAsip => oid!("1.2.250.1.213.1.1.4.322"),
            Self::Hl7RoleCode => oid!("2.16.840.1.113883.5.111"),
        }
    }

    /// The usual `@codeSystemName`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Loinc => "LOINC",
            Self::SnomedCt => "SNOMED CT",
            Self::Cim10 => "CIM10",
            Self::Cis => "CIS",
            Self::Cip => "CIP",
            Self::Ucd => "UCD",
            Self::Atc => "ATC",
            Self::Edqm => "EDQM",
            Self::Emdn => "EMDN",
            Self::Lpp => "LPP",
            Self::Ccam => "CCAM",
            Self::Sms => "SMS",
            Self::MedicabaseMv => "MV",
            Self::TaAsip => "TA_ASIP",
            Self::Hl7RoleCode => "RoleCode",
        }
    }

    /// The terminology of a code system OID.
    pub fn from_oid(code_system: &str) -> Option<Self> {
        // CCAM is also found under the CNAM OID in ANS examples.
        if code_system == "1.2.250.1.215.300.1" {
            return Some(Self::Ccam);
        }
        TERMINOLOGIES
            .iter()
            .copied()
            .find(|t| t.oid().as_str() == code_system)
    }

    /// Checks the format (and check digit) of a code.
    pub fn check(self, code: &str) -> Result<(), String> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match self {
            Self::Loinc => loinc_check(code),
            Self::SnomedCt => snomed_check(code),
            Self::Cim10 => {
                let b = code.as_bytes();
                let ok = b.len() >= 3
                    && b[0].is_ascii_uppercase()
                    && b[1].is_ascii_digit()
                    && (b[2].is_ascii_digit() || b[2] == b'A' || b[2] == b'B')
                    && code[3..]
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'));
                ok.then_some(())
                    .ok_or_else(|| "expected a letter and two digits, e.g. I20.0".into())
            }
            Self::Cis => (code.len() == 8 && digits(code))
                .then_some(())
                .ok_or_else(|| "a CIS code has 8 digits".into()),
            Self::Cip => {
                if code.len() == 7 && digits(code) {
                    return Ok(());
                }
                if code.len() != 13 || !digits(code) {
                    return Err("a CIP code has 13 digits (or 7 for the old CIP7)".into());
                }
                ean13_check(code)
            }
            Self::Ucd => {
                if code.len() == 7 && digits(code) {
                    return Ok(());
                }
                if code.len() != 13 || !digits(code) {
                    return Err("a UCD code has 13 digits (or 7)".into());
                }
                ean13_check(code)
            }
            Self::Atc => {
                let b = code.as_bytes();
                let shape = [
                    u8::is_ascii_uppercase as fn(&u8) -> bool,
                    u8::is_ascii_digit,
                    u8::is_ascii_digit,
                    u8::is_ascii_uppercase,
                    u8::is_ascii_uppercase,
                    u8::is_ascii_digit,
                    u8::is_ascii_digit,
                ];
                let ok = matches!(b.len(), 1 | 3 | 4 | 5 | 7)
                    && b.iter().zip(shape.iter()).all(|(c, f)| f(c));
                ok.then_some(())
                    .ok_or_else(|| "expected an ATC class such as N02BE01".into())
            }
            Self::Edqm => (code.len() == 8 && digits(code))
                .then_some(())
                .ok_or_else(|| "an EDQM Standard Term code has 8 digits".into()),
            Self::Emdn => {
                let b = code.as_bytes();
                let ok = !b.is_empty()
                    && b[0].is_ascii_uppercase()
                    && b.len() <= 13
                    && b[1..].iter().all(u8::is_ascii_digit);
                ok.then_some(())
                    .ok_or_else(|| "an EMDN code is a letter followed by digits".into())
            }
            Self::Lpp => (code.len() == 7 && digits(code))
                .then_some(())
                .ok_or_else(|| "an LPP code has 7 digits".into()),
            Self::Ccam => {
                let b = code.as_bytes();
                let ok = b.len() == 7
                    && b[..4].iter().all(u8::is_ascii_uppercase)
                    && b[4..].iter().all(u8::is_ascii_digit);
                ok.then_some(())
                    .ok_or_else(|| "a CCAM code has 4 letters and 3 digits".into())
            }
            Self::Sms => (digits(code) && code.len() <= 18)
                .then_some(())
                .ok_or_else(|| "an SMS id is numeric".into()),
            Self::MedicabaseMv => (code.len() > 2 && code.starts_with("MV") && digits(&code[2..]))
                .then_some(())
                .ok_or_else(|| "an MV code is MV followed by digits".into()),
            Self::TaAsip => {
                let ok = code.split_once('-').is_some_and(|(a, b)| {
                    !a.is_empty() && a.bytes().all(|c| c.is_ascii_uppercase()) && digits(b)
                });
                ok.then_some(())
                    .ok_or_else(|| "a TA_ASIP code looks like MED-574".into())
            }
            Self::Hl7RoleCode => (!code.is_empty()
                && code.len() <= 10
                && code.bytes().all(|c| c.is_ascii_uppercase()))
            .then_some(())
            .ok_or_else(|| "an HL7 RoleCode is upper-case letters".into()),
        }
    }

    /// A checked coded value of this terminology.
    pub fn code(self, code: &str, display_name: &str) -> Result<CodedValue, N3Error> {
        self.check(code).map_err(|reason| N3Error::InvalidCode {
            terminology: self.name(),
            code: code.to_owned(),
            reason,
            context: "builder input".into(),
        })?;
        Ok(CodedValue {
            code: code.to_owned(),
            code_system: self.oid().as_str().to_owned(),
            code_system_name: Some(self.name().to_owned()),
            display_name: (!display_name.is_empty()).then(|| display_name.to_owned()),
            translations: Vec::new(),
        })
    }
}

impl fmt::Display for Terminology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn loinc_check(code: &str) -> Result<(), String> {
    let (body, check) = code
        .split_once('-')
        .ok_or_else(|| "a LOINC code looks like 8302-2".to_owned())?;
    if body.is_empty()
        || body.len() > 7
        || check.len() != 1
        || !body.bytes().all(|b| b.is_ascii_digit())
        || !check.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("a LOINC code looks like 8302-2".into());
    }
    // Mod 10 (Luhn-like) check digit of LOINC.
    let mut sum = 0u32;
    for (i, b) in body.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        let v = if i % 2 == 0 { d * 2 } else { d };
        sum += v / 10 + v % 10;
    }
    let expected = (10 - sum % 10) % 10;
    if u32::from(check.as_bytes()[0] - b'0') == expected {
        Ok(())
    } else {
        Err(format!("wrong check digit (expected {expected})"))
    }
}

fn snomed_check(code: &str) -> Result<(), String> {
    if !(6..=18).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an SCTID has 6 to 18 digits".into());
    }
    // Verhoeff check digit.
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, b) in code.bytes().rev().enumerate() {
        c = D[usize::from(c)][usize::from(P[i % 8][usize::from(b - b'0')])];
    }
    if c == 0 {
        Ok(())
    } else {
        Err("wrong Verhoeff check digit".into())
    }
}

fn ean13_check(code: &str) -> Result<(), String> {
    let b = code.as_bytes();
    let mut sum = 0u32;
    for (i, c) in b[..12].iter().enumerate() {
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 { d } else { d * 3 };
    }
    let expected = (10 - sum % 10) % 10;
    if u32::from(b[12] - b'0') == expected {
        Ok(())
    } else {
        Err(format!("wrong EAN-13 check digit (expected {expected})"))
    }
}

/// What a coded element accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// A closed value set.
    ValueSet(&'static ValueSet),
    /// An open terminology (format-checked).
    Terminology(Terminology),
    /// Any of these.
    OneOf(&'static [Binding]),
}

impl Binding {
    /// A short description (`JDV_StatutGrossesse_CISIS`, `LOINC`…).
    pub fn describe(&self) -> String {
        match self {
            Self::ValueSet(v) => v.name.to_owned(),
            Self::Terminology(t) => t.name().to_owned(),
            Self::OneOf(bs) => bs
                .iter()
                .map(Binding::describe)
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    fn oid(&self) -> String {
        match self {
            Self::ValueSet(v) => v.oid.to_owned(),
            Self::Terminology(t) => t.oid().as_str().to_owned(),
            Self::OneOf(bs) => bs.iter().map(Binding::oid).collect::<Vec<_>>().join(" | "),
        }
    }

    fn accepts(&self, code: &str, code_system: &str) -> Result<bool, (Terminology, String)> {
        match self {
            Self::ValueSet(v) => Ok(v.contains(code, code_system)),
            Self::Terminology(t) => {
                let same = t.oid().as_str() == code_system
                    || Terminology::from_oid(code_system) == Some(*t);
                if !same {
                    return Ok(false);
                }
                t.check(code).map(|()| true).map_err(|r| (*t, r))
            }
            Self::OneOf(bs) => {
                let mut first_err = None;
                for b in *bs {
                    match b.accepts(code, code_system) {
                        Ok(true) => return Ok(true),
                        Ok(false) => {}
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    }
                }
                match first_err {
                    Some(e) => Err(e),
                    None => Ok(false),
                }
            }
        }
    }

    /// Validates a code read from a document (or given by the host as a raw
    /// [`Code`]): code and code system must be present and accepted.
    pub fn validate(&self, c: &Code, context: &str) -> Result<CodedValue, N3Error> {
        let (Some(code), Some(system)) = (c.code.as_deref(), c.code_system.as_deref()) else {
            return Err(N3Error::Missing {
                what: "@code and @codeSystem",
                context: context.to_owned(),
            });
        };
        match self.accepts(code, system) {
            Ok(true) => Ok(CodedValue::from_code(c)),
            Ok(false) => Err(N3Error::UnknownCode {
                value_set: self.describe(),
                oid: self.oid(),
                code: code.to_owned(),
                code_system: system.to_owned(),
                context: context.to_owned(),
            }),
            Err((t, reason)) => Err(N3Error::InvalidCode {
                terminology: t.name(),
                code: code.to_owned(),
                reason,
                context: context.to_owned(),
            }),
        }
    }

    /// Checks an already typed value against this binding (a value of
    /// another binding given to the wrong field is refused).
    pub fn check(&self, v: &CodedValue, context: &str) -> Result<(), N3Error> {
        self.validate(&v.to_code(), context).map(|_| ())
    }
}

/// A coded value that passed its binding: code, code system, display name,
/// optional code system name and translations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodedValue {
    code: String,
    code_system: String,
    code_system_name: Option<String>,
    display_name: Option<String>,
    translations: Vec<CodedValue>,
}

impl CodedValue {
    fn from_concept(c: &'static Concept) -> Self {
        Self {
            code: c.code.to_owned(),
            code_system: c.code_system.to_owned(),
            code_system_name: None,
            display_name: Some(c.display_name.to_owned()),
            translations: Vec::new(),
        }
    }

    fn from_code(c: &Code) -> Self {
        Self {
            code: c.code.clone().unwrap_or_default(),
            code_system: c.code_system.clone().unwrap_or_default(),
            code_system_name: c.code_system_name.clone(),
            display_name: c.display_name.clone(),
            // Translations are other codings of the same concept, from any
            // terminology: kept as written.
            translations: c
                .translations
                .iter()
                .filter(|t| t.code.is_some() && t.code_system.is_some())
                .map(Self::from_code)
                .collect(),
        }
    }

    /// A fixed code of this crate (templates' own codes: LOINC section
    /// codes, TA_ASIP flags…), not checked at run time: the constants are
    /// checked by the crate's tests.
    pub(crate) fn fixed(code: &str, code_system: &Oid, system_name: &str, display: &str) -> Self {
        Self {
            code: code.to_owned(),
            code_system: code_system.as_str().to_owned(),
            code_system_name: (!system_name.is_empty()).then(|| system_name.to_owned()),
            display_name: Some(display.to_owned()),
            translations: Vec::new(),
        }
    }

    /// `@code`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// `@codeSystem`.
    pub fn code_system(&self) -> &str {
        &self.code_system
    }

    /// `@codeSystemName`.
    pub fn code_system_name(&self) -> Option<&str> {
        self.code_system_name.as_deref()
    }

    /// `@displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The translations (other codings of the same concept).
    pub fn translations(&self) -> &[CodedValue] {
        &self.translations
    }

    /// Whether code and code system are these.
    pub fn is(&self, code: &str, code_system: &str) -> bool {
        self.code == code && self.code_system == code_system
    }

    /// The same value with another display name (labels are free: the
    /// schematrons compare code and code system only).
    pub fn with_display_name(mut self, display: &str) -> Self {
        self.display_name = Some(display.to_owned());
        self
    }

    /// The same value with a `@codeSystemName`.
    pub fn with_system_name(mut self, name: &str) -> Self {
        self.code_system_name = Some(name.to_owned());
        self
    }

    /// Adds a translation (e.g. a CIP code under a CIS code, an LPP code
    /// under an EMDN code).
    pub fn with_translation(mut self, t: CodedValue) -> Self {
        self.translations.push(t);
        self
    }

    /// The HL7 data type value.
    pub fn to_code(&self) -> Code {
        Code {
            code: Some(self.code.clone()),
            code_system: Some(self.code_system.clone()),
            code_system_name: self.code_system_name.clone(),
            display_name: self.display_name.clone(),
            null_flavor: None,
            translations: self.translations.iter().map(Self::to_code).collect(),
        }
    }

    /// The label to show: display name, else the code.
    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.code)
    }
}

impl fmt::Display for CodedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.label(), self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        for ok in [
            "8302-2", "29463-7", "8716-3", "57833-6", "55108-5", "10160-0",
        ] {
            assert!(Terminology::Loinc.check(ok).is_ok(), "{ok}");
        }
        assert!(Terminology::Loinc.check("8302-3").is_err());
        for ok in [
            "282291009",
            "77386006",
            "416098002",
            "16217701000119102",
            "418799008",
        ] {
            assert!(Terminology::SnomedCt.check(ok).is_ok(), "{ok}");
        }
        assert!(Terminology::SnomedCt.check("282291008").is_err());
        assert!(Terminology::Cip.check("3400933516390").is_ok());
        assert!(Terminology::Cip.check("3400933516391").is_err());
        assert!(Terminology::Cim10.check("I20.0").is_ok());
        assert!(Terminology::Cim10.check("20.0").is_err());
        assert!(Terminology::Atc.check("N02BE01").is_ok());
        assert!(Terminology::Atc.check("J07AM").is_ok());
        assert!(Terminology::Atc.check("N02B1").is_err());
        assert!(Terminology::Ccam.check("DDAF004").is_ok());
        assert!(Terminology::Emdn.check("V0806").is_ok());
        assert!(Terminology::TaAsip.check("MED-574").is_ok());
    }

    #[test]
    fn binding_errors_are_typed() {
        static B: Binding = Binding::Terminology(Terminology::Loinc);
        let bad = Code::new("8302-3", &Terminology::Loinc.oid(), "x");
        assert!(matches!(
            B.validate(&bad, "t"),
            Err(N3Error::InvalidCode { .. })
        ));
        let other = Code::new("I20.0", &Terminology::Cim10.oid(), "x");
        assert!(matches!(
            B.validate(&other, "t"),
            Err(N3Error::UnknownCode { .. })
        ));
    }
}
