//! HL7 v3 data types used by the CDA header: II, CE/CD, TS, IVL_TS, PN, AD, TEL.
//!
//! The model is *lenient*: a parsed document keeps exactly what it contains
//! (strings as written), so that the [validator](crate::validate) can report a
//! wrong value instead of the parser hiding it. Typed values enter through the
//! constructors (`Ii::oid`, `Code::new`, `Ts::from_datetime`…) and leave through
//! typed accessors (`Ii::root_oid`, `Ts::to_offset_datetime`…).

use std::fmt;

use segur_ids::Oid;
use serde::Serialize;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Instance identifier (II): `@root` (OID or UUID) and optional `@extension`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Ii {
    /// `@root`: an OID, a UUID or (in broken documents) anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// `@extension`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
}

impl Ii {
    /// An identifier under an OID root.
    pub fn oid(root: &Oid, extension: impl Into<Option<String>>) -> Self {
        Self {
            root: Some(root.as_str().to_owned()),
            extension: extension.into(),
            null_flavor: None,
        }
    }

    /// A root-only identifier (`<id root="…"/>`).
    pub fn root_only(root: &Oid) -> Self {
        Self::oid(root, None)
    }

    /// A UUID root (upper-case, as CDA examples write them).
    pub fn uuid(uuid: uuid::Uuid) -> Self {
        Self {
            root: Some(uuid.as_hyphenated().to_string().to_ascii_uppercase()),
            extension: None,
            null_flavor: None,
        }
    }

    /// The root as an OID, when it is one.
    pub fn root_oid(&self) -> Option<Oid> {
        self.root.as_deref().and_then(|r| Oid::parse(r).ok())
    }

    /// Whether the root has the HL7 `uid` shape (OID or UUID).
    pub fn root_is_uid(&self) -> bool {
        match self.root.as_deref() {
            Some(r) => Oid::parse(r).is_ok() || uuid::Uuid::parse_str(r).is_ok(),
            None => false,
        }
    }

    /// Whether the root is `oid`.
    pub fn has_root(&self, oid: &Oid) -> bool {
        self.root.as_deref() == Some(oid.as_str())
    }

    /// Whether root and extension are equal, comparing UUID roots case-insensitively.
    pub fn same_as(&self, other: &Ii) -> bool {
        let roots = match (&self.root, &other.root) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        roots && self.extension == other.extension
    }
}

impl fmt::Display for Ii {
    /// `root^extension` (or `root` alone), the form XDS `uniqueId` uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.root, &self.extension) {
            (Some(r), Some(e)) => write!(f, "{r}^{e}"),
            (Some(r), None) => f.write_str(r),
            (None, Some(e)) => write!(f, "^{e}"),
            (None, None) => write!(
                f,
                "nullFlavor={}",
                self.null_flavor.as_deref().unwrap_or("")
            ),
        }
    }
}

/// Coded value (CE / CD / CV / CS): code, code system and labels, translations.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Code {
    /// `@code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `@codeSystem` (an OID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_system: Option<String>,
    /// `@codeSystemName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_system_name: Option<String>,
    /// `@displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
    /// `translation` children.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<Code>,
}

impl Code {
    /// A code in a code system, with its display name.
    pub fn new(code: &str, code_system: &Oid, display_name: &str) -> Self {
        Self {
            code: Some(code.to_owned()),
            code_system: Some(code_system.as_str().to_owned()),
            display_name: Some(display_name.to_owned()),
            ..Self::default()
        }
    }

    /// The same code with a `@codeSystemName`.
    pub fn with_system_name(mut self, name: &str) -> Self {
        self.code_system_name = Some(name.to_owned());
        self
    }

    /// A code with only a nullFlavor.
    pub fn null(flavor: NullFlavor) -> Self {
        Self {
            null_flavor: Some(flavor.as_str().to_owned()),
            ..Self::default()
        }
    }

    /// Whether code and code system equal these.
    pub fn is(&self, code: &str, code_system: &Oid) -> bool {
        self.code.as_deref() == Some(code)
            && self.code_system.as_deref() == Some(code_system.as_str())
    }

    /// `code` or empty.
    pub fn code_str(&self) -> &str {
        self.code.as_deref().unwrap_or("")
    }

    /// `code^displayName^codeSystem` (XDS CE form used by authorSpecialty etc.).
    pub fn to_hl7v2_ce(&self) -> String {
        format!(
            "{}^{}^{}",
            self.code.as_deref().unwrap_or(""),
            self.display_name.as_deref().unwrap_or(""),
            self.code_system.as_deref().unwrap_or("")
        )
    }
}

/// HL7 nullFlavor values allowed in the CI-SIS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NullFlavor {
    /// Unknown.
    Unk,
    /// Not asked.
    Nask,
    /// Asked but unknown.
    Asku,
    /// Temporarily unavailable.
    Nav,
    /// Masked.
    Msk,
}

impl NullFlavor {
    /// The five values the CI-SIS header allows.
    pub const ALLOWED: [&'static str; 5] = ["UNK", "NASK", "ASKU", "NAV", "MSK"];

    /// The XML value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unk => "UNK",
            Self::Nask => "NASK",
            Self::Asku => "ASKU",
            Self::Nav => "NAV",
            Self::Msk => "MSK",
        }
    }
}

/// Point in time (TS): `YYYY[MM[DD[HH[MM[SS[.s…]]]]]][±ZZZZ]`, as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Ts {
    /// `@value` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
}

/// A TS value split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsParts {
    /// Calendar date (missing month/day default to 1).
    pub date: Date,
    /// Time of day (missing parts default to 0).
    pub time: Time,
    /// Timezone offset, when written.
    pub offset: Option<UtcOffset>,
    /// How many of the fields were written: 1 = year … 6 = seconds, 7 = fraction.
    pub precision: u8,
}

impl Ts {
    /// Full precision with timezone (`20240131143000+0100`).
    pub fn from_datetime(dt: OffsetDateTime) -> Self {
        let o = dt.offset();
        let (h, m, _) = o.as_hms();
        let sign = if o.is_negative() { '-' } else { '+' };
        Self::from_value(format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{}{:02}{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            sign,
            h.unsigned_abs(),
            m.unsigned_abs()
        ))
    }

    /// Day precision (`19790328`), as used for birth dates.
    pub fn from_date(d: Date) -> Self {
        Self::from_value(format!(
            "{:04}{:02}{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        ))
    }

    /// A raw value (checked by [`Ts::parts`] and the validator, not here).
    pub fn from_value(value: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            null_flavor: None,
        }
    }

    /// A nullFlavor.
    pub fn null(flavor: NullFlavor) -> Self {
        Self {
            value: None,
            null_flavor: Some(flavor.as_str().to_owned()),
        }
    }

    /// The value split into parts, or `None` when absent or malformed.
    pub fn parts(&self) -> Option<TsParts> {
        parse_ts(self.value.as_deref()?)
    }

    /// Whether the value is a well-formed TS.
    pub fn is_valid(&self) -> bool {
        self.parts().is_some()
    }

    /// Whether the value has a timezone.
    pub fn has_offset(&self) -> bool {
        self.parts().is_some_and(|p| p.offset.is_some())
    }

    /// The instant, reading a missing timezone as UTC.
    pub fn to_offset_datetime(&self) -> Option<OffsetDateTime> {
        let p = self.parts()?;
        Some(
            PrimitiveDateTime::new(p.date, p.time)
                .assume_offset(p.offset.unwrap_or(UtcOffset::UTC)),
        )
    }

    /// The date part.
    pub fn date(&self) -> Option<Date> {
        self.parts().map(|p| p.date)
    }

    /// `yyyyMMddHHmmss` in UTC (XDS times), truncated to the written precision.
    pub fn to_xds_utc(&self) -> Option<String> {
        let p = self.parts()?;
        if p.precision <= 3 {
            return Some(
                format!(
                    "{:04}{:02}{:02}",
                    p.date.year(),
                    u8::from(p.date.month()),
                    p.date.day()
                )[..[4usize, 6, 8][usize::from(p.precision.clamp(1, 3)) - 1]]
                    .to_owned(),
            );
        }
        let utc = self.to_offset_datetime()?.to_offset(UtcOffset::UTC);
        let full = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            utc.year(),
            u8::from(utc.month()),
            utc.day(),
            utc.hour(),
            utc.minute(),
            utc.second()
        );
        let len = [4usize, 6, 8, 10, 12, 14, 14][usize::from(p.precision.clamp(1, 7)) - 1];
        Some(full[..len].to_owned())
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn parse_ts(v: &str) -> Option<TsParts> {
    let b = v.as_bytes();
    // Split the timezone off.
    let (main, tz) = match b.iter().position(|&c| c == b'+' || c == b'-') {
        Some(i) => (&b[..i], Some(&b[i..])),
        None => (b, None),
    };
    let (main, frac) = match main.iter().position(|&c| c == b'.') {
        Some(i) => (&main[..i], Some(&main[i + 1..])),
        None => (main, None),
    };
    if !matches!(main.len(), 4 | 6 | 8 | 10 | 12 | 14) {
        return None;
    }
    let year = i32::try_from(digits(&main[0..4])?).ok()?;
    let month = if main.len() >= 6 {
        digits(&main[4..6])?
    } else {
        1
    };
    let day = if main.len() >= 8 {
        digits(&main[6..8])?
    } else {
        1
    };
    let hour = if main.len() >= 10 {
        digits(&main[8..10])?
    } else {
        0
    };
    let minute = if main.len() >= 12 {
        digits(&main[10..12])?
    } else {
        0
    };
    let second = if main.len() >= 14 {
        digits(&main[12..14])?
    } else {
        0
    };
    let mut nanos = 0u32;
    if let Some(f) = frac {
        if main.len() != 14 || f.is_empty() || f.len() > 9 {
            return None;
        }
        nanos = digits(f)? * 10u32.pow(9 - u32::try_from(f.len()).ok()?);
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    let offset = match tz {
        None => None,
        Some(t) => {
            if t.len() != 5 {
                return None;
            }
            let h = i8::try_from(digits(&t[1..3])?).ok()?;
            let m = i8::try_from(digits(&t[3..5])?).ok()?;
            let (h, m) = if t[0] == b'-' { (-h, -m) } else { (h, m) };
            Some(UtcOffset::from_hms(h, m, 0).ok()?)
        }
    };
    let precision = u8::try_from(main.len() / 2 - 1).ok()? + u8::from(frac.is_some());
    Some(TsParts {
        date,
        time,
        offset,
        precision,
    })
}

/// Interval of time (IVL_TS): `low`, `high`, or a single `@value`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IvlTs {
    /// `@value` (a point used as an interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Ts>,
    /// `low`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<Ts>,
    /// `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<Ts>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
}

impl IvlTs {
    /// `low` and `high`.
    pub fn between(low: Ts, high: Ts) -> Self {
        Self {
            low: Some(low),
            high: Some(high),
            ..Self::default()
        }
    }

    /// `low` only.
    pub fn from_low(low: Ts) -> Self {
        Self {
            low: Some(low),
            ..Self::default()
        }
    }

    /// `high` only.
    pub fn until(high: Ts) -> Self {
        Self {
            high: Some(high),
            ..Self::default()
        }
    }

    /// The start: `low`, else `@value`.
    pub fn start(&self) -> Option<&Ts> {
        self.low.as_ref().or(self.value.as_ref())
    }
}

/// Kind of a name part.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum NamePartKind {
    /// `family`.
    Family,
    /// `given`.
    Given,
    /// `prefix` (civilité).
    Prefix,
    /// `suffix` (titre).
    Suffix,
    /// `delimiter`.
    Delimiter,
    /// Text written directly inside `name` (no part element).
    Text,
}

impl NamePartKind {
    /// The element name (`None` for bare text).
    pub fn element(&self) -> Option<&'static str> {
        match self {
            Self::Family => Some("family"),
            Self::Given => Some("given"),
            Self::Prefix => Some("prefix"),
            Self::Suffix => Some("suffix"),
            Self::Delimiter => Some("delimiter"),
            Self::Text => None,
        }
    }
}

/// One part of a person name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamePart {
    /// Which part.
    pub kind: NamePartKind,
    /// `@qualifier` (`BR` birth, `SP` usage/spouse, `CL` used name…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// The text.
    pub value: String,
}

/// Person name (PN), parts in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PersonName {
    /// `@use`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
    /// The parts.
    pub parts: Vec<NamePart>,
}

impl PersonName {
    /// A name with prefix (civilité), given name and family name.
    pub fn simple(prefix: Option<&str>, given: &str, family: &str) -> Self {
        let mut n = Self::default();
        if let Some(p) = prefix {
            n.push(NamePartKind::Prefix, None, p);
        }
        n.push(NamePartKind::Given, None, given);
        n.push(NamePartKind::Family, None, family);
        n
    }

    /// Appends a part.
    pub fn push(&mut self, kind: NamePartKind, qualifier: Option<&str>, value: &str) -> &mut Self {
        self.parts.push(NamePart {
            kind,
            qualifier: qualifier.map(str::to_owned),
            value: value.to_owned(),
        });
        self
    }

    /// First part of this kind with this qualifier (`None` = no qualifier).
    pub fn part(&self, kind: &NamePartKind, qualifier: Option<&str>) -> Option<&str> {
        self.parts
            .iter()
            .find(|p| &p.kind == kind && p.qualifier.as_deref() == qualifier)
            .map(|p| p.value.as_str())
    }

    /// The first family name, whatever its qualifier.
    pub fn family(&self) -> Option<&str> {
        self.parts
            .iter()
            .find(|p| p.kind == NamePartKind::Family)
            .map(|p| p.value.as_str())
    }

    /// The given names without qualifier, else the first given name.
    pub fn given(&self) -> Option<&str> {
        self.part(&NamePartKind::Given, None).or_else(|| {
            self.parts
                .iter()
                .find(|p| p.kind == NamePartKind::Given)
                .map(|p| p.value.as_str())
        })
    }

    /// A display form: `prefix given FAMILY suffix`.
    pub fn display(&self) -> String {
        let mut out = Vec::new();
        for k in [
            NamePartKind::Prefix,
            NamePartKind::Given,
            NamePartKind::Family,
            NamePartKind::Suffix,
        ] {
            if let Some(p) = self.parts.iter().find(|p| p.kind == k) {
                out.push(p.value.trim().to_owned());
            }
        }
        if out.is_empty() {
            if let Some(t) = self.parts.iter().find(|p| p.kind == NamePartKind::Text) {
                out.push(t.value.trim().to_owned());
            }
        }
        out.join(" ")
    }
}

/// One part of an address: the element name (`houseNumber`, `streetName`,
/// `postalCode`, `city`, `county`, `country`, `streetAddressLine`…) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddrPart {
    /// Element local name in the HL7 namespace.
    pub kind: String,
    /// The text.
    pub value: String,
}

/// Postal address (AD), parts in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Addr {
    /// `@use` (H, HP, HV, WP, TMP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
    /// The parts.
    pub parts: Vec<AddrPart>,
}

/// Address part element names allowed by the AD data type.
pub const ADDR_PART_NAMES: &[&str] = &[
    "delimiter",
    "country",
    "state",
    "county",
    "city",
    "postalCode",
    "streetAddressLine",
    "houseNumber",
    "houseNumberNumeric",
    "direction",
    "streetName",
    "streetNameBase",
    "streetNameType",
    "additionalLocator",
    "unitID",
    "unitType",
    "careOf",
    "censusTract",
    "deliveryAddressLine",
    "deliveryInstallationType",
    "deliveryInstallationArea",
    "deliveryInstallationQualifier",
    "deliveryMode",
    "deliveryModeIdentifier",
    "buildingNumberSuffix",
    "postBox",
    "precinct",
];

impl Addr {
    /// A French street address: number, street, postal code, city.
    pub fn street(house_number: &str, street_name: &str, postal_code: &str, city: &str) -> Self {
        let mut a = Self::default();
        if !house_number.is_empty() {
            a.push("houseNumber", house_number);
        }
        a.push("streetName", street_name);
        a.push("postalCode", postal_code);
        a.push("city", city);
        a
    }

    /// A nullFlavor address.
    pub fn null(flavor: NullFlavor) -> Self {
        Self {
            null_flavor: Some(flavor.as_str().to_owned()),
            ..Self::default()
        }
    }

    /// Appends a part. Unknown element names are ignored (returns `false`).
    pub fn push(&mut self, kind: &str, value: &str) -> bool {
        if !ADDR_PART_NAMES.contains(&kind) {
            return false;
        }
        self.parts.push(AddrPart {
            kind: kind.to_owned(),
            value: value.to_owned(),
        });
        true
    }

    /// First part of this kind.
    pub fn part(&self, kind: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.value.as_str())
    }

    /// One line: parts joined by spaces.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.value.trim())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Telecom address (TEL): `tel:`, `fax:`, `mailto:`… with `@use`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Telecom {
    /// `@value` (URL form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `@use`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `@nullFlavor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_flavor: Option<String>,
}

impl Telecom {
    /// A telephone number (`tel:` URL) with a use code.
    pub fn phone(number: &str, use_: Option<&str>) -> Self {
        Self {
            value: Some(format!("tel:{}", number.replace(' ', ""))),
            use_: use_.map(str::to_owned),
            null_flavor: None,
        }
    }

    /// An e-mail address (`mailto:` URL).
    pub fn email(address: &str, use_: Option<&str>) -> Self {
        Self {
            value: Some(format!("mailto:{address}")),
            use_: use_.map(str::to_owned),
            null_flavor: None,
        }
    }

    /// A nullFlavor telecom.
    pub fn null(flavor: NullFlavor) -> Self {
        Self {
            null_flavor: Some(flavor.as_str().to_owned()),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_parsing() {
        let p = Ts::from_value("20210401134745+0100").parts().unwrap();
        assert_eq!(p.precision, 6);
        assert_eq!(p.offset, Some(UtcOffset::from_hms(1, 0, 0).unwrap()));
        assert_eq!(Ts::from_value("19790328").parts().unwrap().precision, 3);
        assert_eq!(
            Ts::from_value("202101040735+0100")
                .parts()
                .unwrap()
                .precision,
            5
        );
        for bad in [
            "2024133",
            "20241301",
            "2024-01-01",
            "",
            "20240101+01",
            "20240230",
        ] {
            assert!(Ts::from_value(bad).parts().is_none(), "{bad}");
        }
        assert_eq!(
            Ts::from_value("20210401134745+0100").to_xds_utc().unwrap(),
            "20210401124745"
        );
        assert_eq!(Ts::from_value("19790328").to_xds_utc().unwrap(), "19790328");
        assert_eq!(
            Ts::from_value("20200701134745.25-0230")
                .parts()
                .unwrap()
                .precision,
            7
        );
    }

    #[test]
    fn ts_from_datetime() {
        let dt = time::macros::datetime!(2024-01-31 14:30:00 +01:00);
        assert_eq!(Ts::from_datetime(dt).value.unwrap(), "20240131143000+0100");
        let dt = time::macros::datetime!(2024-01-31 14:30:00 -03:30);
        assert_eq!(Ts::from_datetime(dt).value.unwrap(), "20240131143000-0330");
    }
}
