//! Quantities with UCUM units, ranges, ratios, administration frequencies,
//! and the French display of dates and quantities used by the narratives.

use std::fmt;

use time::{Date, OffsetDateTime};

use super::codes::CodedValue;
use super::value_sets;
use crate::datatypes::{IvlTs, Ts};
use crate::error::N3Error;

/// A decimal number as written in a PQ `@value` (`-?digits(.digits)?`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// Parses `1`, `0.5`, `-12.25`; a French comma is accepted and written as a point.
    pub fn parse(s: &str) -> Result<Self, N3Error> {
        let t = s.trim().replace(',', ".");
        let body = t.strip_prefix('-').unwrap_or(&t);
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let ok = !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
            && t.len() <= 32;
        if ok {
            Ok(Self(t))
        } else {
            Err(N3Error::InvalidQuantity {
                value: s.to_owned(),
                reason: "not a decimal number".into(),
            })
        }
    }

    /// An integer.
    pub fn int(v: i64) -> Self {
        Self(v.to_string())
    }

    /// The value as written in XML (`1.5`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The French display (`1,5`).
    pub fn to_fr(&self) -> String {
        self.0.replace('.', ",")
    }

    /// The value as a float (display and arithmetic only).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(0.0)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<u32> for Decimal {
    fn from(v: u32) -> Self {
        Self(v.to_string())
    }
}

/// A UCUM unit expression (case-sensitive UCUM), checked against the UCUM
/// grammar and a table of atoms (SI prefixes on metric atoms, annotations
/// `{tablet}`, factors `10*3`, exponents `m2`, `s-1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ucum(String);

/// UCUM atoms that accept a prefix (metric units).
const METRIC_ATOMS: &[&str] = &[
    "m",
    "s",
    "g",
    "rad",
    "K",
    "C",
    "cd",
    "mol",
    "sr",
    "Hz",
    "N",
    "Pa",
    "J",
    "W",
    "A",
    "V",
    "F",
    "Ohm",
    "S",
    "Wb",
    "Cel",
    "T",
    "H",
    "lm",
    "lx",
    "Bq",
    "Gy",
    "Sv",
    "l",
    "L",
    "ar",
    "t",
    "bar",
    "u",
    "eV",
    "pc",
    "[c]",
    "[h]",
    "[k]",
    "[e]",
    "[G]",
    "[g]",
    "[ly]",
    "gf",
    "Ky",
    "Gal",
    "dyn",
    "erg",
    "P",
    "St",
    "Mx",
    "G",
    "Oe",
    "Gb",
    "sb",
    "Lmb",
    "ph",
    "Ci",
    "R",
    "RAD",
    "REM",
    "cal",
    "[iU]",
    "[IU]",
    "eq",
    "osm",
    "g%",
    "B",
    "Np",
    "bit",
    "By",
    "Bd",
    "mho",
    "m[Hg]",
    "m[H2O]",
    "U",
    "kat",
    "[CFU]",
    "[PFU]",
    "[FFU]",
    "[BAU]",
    "[AU]",
    "[Amb'a'1'U]",
    "B[SPL]",
    "B[V]",
    "B[mV]",
    "B[uV]",
    "B[W]",
    "B[kW]",
];

/// UCUM atoms without prefix.
const PLAIN_ATOMS: &[&str] = &[
    "min",
    "h",
    "d",
    "wk",
    "mo",
    "a",
    "mo_j",
    "a_j",
    "mo_g",
    "a_g",
    "a_t",
    "mo_s",
    "%",
    "[pi]",
    "[ppth]",
    "[ppm]",
    "[ppb]",
    "[pptr]",
    "'",
    "''",
    "deg",
    "gon",
    "[in_i]",
    "[ft_i]",
    "[yd_i]",
    "[mi_i]",
    "[lb_av]",
    "[oz_av]",
    "[degF]",
    "[degR]",
    "[drp]",
    "[pH]",
    "[HPF]",
    "[LPF]",
    "[arb'U]",
    "[USP'U]",
    "[tbs_us]",
    "[tsp_us]",
    "[foz_us]",
    "[pt_us]",
    "[gal_us]",
    "[cup_us]",
    "[in_i'Hg]",
    "[in_i'H2O]",
    "[S]",
    "[hp'_X]",
    "[hp'_C]",
    "[MET]",
    "[diop]",
    "[p'diop]",
    "[mesh_i]",
    "[Ch]",
    "[tb'U]",
    "[knk'U]",
    "[mclg'U]",
    "[todd'U]",
    "[dye'U]",
    "[smgy'U]",
    "[bdsk'U]",
    "[ka'U]",
    "[hnsf'U]",
    "[beth'U]",
    "[anti'Xa'U]",
    "[ELU]",
    "[EU]",
    "[Lf]",
    "[D'ag'U]",
    "[PNU]",
    "[TCID_50]",
    "[CCID_50]",
    "[IR]",
    "[APL'U]",
    "[GPL'U]",
    "[MPL'U]",
    "10*",
    "10^",
];

/// SI prefixes (longest first for `da`).
const PREFIXES: &[&str] = &[
    "da", "Y", "Z", "E", "P", "T", "G", "M", "k", "h", "d", "c", "m", "u", "n", "p", "f", "a", "z",
    "y", "Ki", "Mi", "Gi", "Ti",
];

impl Ucum {
    /// Checks and wraps a UCUM expression.
    pub fn parse(unit: &str) -> Result<Self, N3Error> {
        check_ucum(unit)
            .map(|()| Self(unit.to_owned()))
            .map_err(|reason| N3Error::InvalidQuantity {
                value: unit.to_owned(),
                reason: format!("invalid UCUM unit: {reason}"),
            })
    }

    /// The expression.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A French display of common units (`cp`, `j`, `mmHg`…), else the expression.
    pub fn to_fr(&self) -> String {
        let s = self.0.as_str();
        match s {
            "{tablet}" => "cp".into(),
            "{capsule}" => "gél.".into(),
            "{drop}" | "[drp]" => "gtt".into(),
            "{puff}" => "bouffée(s)".into(),
            "{sachet}" => "sachet(s)".into(),
            "{application}" => "application(s)".into(),
            "{dose}" => "dose(s)".into(),
            "d" => "j".into(),
            "wk" => "sem.".into(),
            "mo" => "mois".into(),
            "a" => "an(s)".into(),
            "mm[Hg]" => "mmHg".into(),
            "Cel" => "°C".into(),
            "{pack}/a" => "paquets-années".into(),
            "umol/L" => "µmol/L".into(),
            "kg/m2" => "kg/m²".into(),
            "/min" => "/min".into(),
            "1" => String::new(),
            _ => s
                .replace("{tablet}", "cp")
                .replace("/d", "/j")
                .replace("{beats}", "")
                .replace("{breaths}", ""),
        }
    }
}

impl fmt::Display for Ucum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_ucum(unit: &str) -> Result<(), String> {
    if unit.is_empty() {
        return Err("empty unit".into());
    }
    if unit.len() > 64 || unit.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
        return Err("units are short printable ASCII without spaces".into());
    }
    let body = unit.strip_prefix('/').unwrap_or(unit);
    // Split on '.' and '/' at bracket depth 0 (parentheses, annotations,
    // square brackets may contain dots).
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = body.as_bytes();
    let mut components = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced brackets".into());
                }
            }
            b'.' | b'/' if depth == 0 => {
                components.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced brackets".into());
    }
    components.push(&body[start..]);
    for c in components {
        check_component(c)?;
    }
    Ok(())
}

fn check_component(c: &str) -> Result<(), String> {
    if c.is_empty() {
        return Err("empty component".into());
    }
    if let Some(inner) = c.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return check_ucum(inner);
    }
    // Trailing annotation.
    let (c, annotation) = match c.find('{') {
        Some(i) => {
            let ann = &c[i..];
            if !ann.ends_with('}') || ann[1..ann.len() - 1].contains(['{', '}']) {
                return Err(format!("bad annotation {ann:?}"));
            }
            (&c[..i], true)
        }
        None => (c, false),
    };
    if c.is_empty() {
        return if annotation {
            Ok(())
        } else {
            Err("empty component".into())
        };
    }
    if c.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    // 10*3, 10^-2.
    for p in ["10*", "10^"] {
        if let Some(e) = c.strip_prefix(p) {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(());
            }
        }
    }
    // Exponent after the last ']' (or anywhere when there is no bracket).
    let tail_start = c.rfind(']').map_or(0, |i| i + 1);
    let mut atom_end = c.len();
    let tail = &c[tail_start..];
    let digits_from = tail
        .bytes()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |p| p + 1);
    if digits_from < tail.len() {
        atom_end = tail_start + digits_from;
        if atom_end > 0 && matches!(c.as_bytes()[atom_end - 1], b'+' | b'-') {
            atom_end -= 1;
        }
    }
    let atom = &c[..atom_end];
    if atom.is_empty() {
        return Err(format!("no unit atom in {c:?}"));
    }
    if PLAIN_ATOMS.contains(&atom) || METRIC_ATOMS.contains(&atom) {
        return Ok(());
    }
    for p in PREFIXES {
        if let Some(rest) = atom.strip_prefix(p) {
            if METRIC_ATOMS.contains(&rest) {
                return Ok(());
            }
        }
    }
    Err(format!("unknown unit atom {atom:?}"))
}

/// A physical quantity (PQ): value and UCUM unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// `@value`.
    pub value: Decimal,
    /// `@unit` (UCUM; `1` when dimensionless).
    pub unit: Ucum,
}

impl Quantity {
    /// A quantity from a value and a UCUM unit, both checked.
    pub fn new(value: &str, unit: &str) -> Result<Self, N3Error> {
        Ok(Self {
            value: Decimal::parse(value)?,
            unit: Ucum::parse(unit)?,
        })
    }

    /// The French display (`1,5 cp`, `55 kg`).
    pub fn to_fr(&self) -> String {
        let u = self.unit.to_fr();
        if u.is_empty() {
            self.value.to_fr()
        } else {
            format!("{} {u}", self.value.to_fr())
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

/// A range of quantities (IVL_PQ with `low` and `high`), e.g. a dose of 1 to 2
/// tablets. A fixed dose is a range whose bounds are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuantityRange {
    /// `low`.
    pub low: Quantity,
    /// `high`.
    pub high: Quantity,
}

impl QuantityRange {
    /// A fixed quantity (low = high).
    pub fn fixed(q: Quantity) -> Self {
        Self {
            low: q.clone(),
            high: q,
        }
    }

    /// A range (refused when the bounds have different units or low > high).
    pub fn between(low: Quantity, high: Quantity) -> Result<Self, N3Error> {
        if low.unit != high.unit {
            return Err(N3Error::InvalidQuantity {
                value: format!("{low} – {high}"),
                reason: "the bounds of a range have the same unit".into(),
            });
        }
        if low.value.to_f64() > high.value.to_f64() {
            return Err(N3Error::InvalidQuantity {
                value: format!("{low} – {high}"),
                reason: "low is greater than high".into(),
            });
        }
        Ok(Self { low, high })
    }

    /// `1 cp` or `1 à 2 cp`.
    pub fn to_fr(&self) -> String {
        if self.low == self.high {
            self.low.to_fr()
        } else {
            format!("{} à {}", self.low.to_fr(), self.high.to_fr())
        }
    }
}

/// A ratio of quantities (RTO_PQ_PQ), e.g. a maximum dose of 4 tablets per day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ratio {
    /// `numerator`.
    pub numerator: Quantity,
    /// `denominator`.
    pub denominator: Quantity,
}

impl Ratio {
    /// `4 cp / 1 j`.
    pub fn to_fr(&self) -> String {
        if self.denominator.value.as_str() == "1" {
            format!(
                "{} / {}",
                self.numerator.to_fr(),
                self.denominator.unit.to_fr()
            )
        } else {
            format!("{} / {}", self.numerator.to_fr(), self.denominator.to_fr())
        }
    }
}

/// When a medicine is taken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Frequency {
    /// Every `period` (PIVL_TS). With `institution_specified` the period is
    /// a number of times per day rather than an exact interval ("3 fois par
    /// jour" is a period of 8 h specified by the institution).
    Every {
        /// The period (a time quantity: `h`, `d`, `wk`…).
        period: Quantity,
        /// `@institutionSpecified`.
        institution_specified: bool,
    },
    /// At an event of the day (EIVL_TS: `ACM` before breakfast, `HS` at bedtime…).
    AtEvent {
        /// The event (HL7 TimingEvent).
        event: CodedValue,
        /// Offset from the event (e.g. 30 min), optional.
        offset: Option<Quantity>,
    },
}

/// Time units accepted for a frequency period.
const TIME_UNITS: &[&str] = &["s", "min", "h", "d", "wk", "mo", "a"];

impl Frequency {
    /// Every `value` `unit` (`8`, `h`).
    pub fn every(value: &str, unit: &str) -> Result<Self, N3Error> {
        let period = Quantity::new(value, unit)?;
        if !TIME_UNITS.contains(&unit) {
            return Err(N3Error::InvalidQuantity {
                value: unit.into(),
                reason: "a period is a time unit (s, min, h, d, wk, mo, a)".into(),
            });
        }
        Ok(Self::Every {
            period,
            institution_specified: false,
        })
    }

    /// `n` times a day, spread by the institution (PIVL period 24/n h,
    /// institutionSpecified).
    pub fn times_a_day(n: u32) -> Result<Self, N3Error> {
        if n == 0 || n > 24 {
            return Err(N3Error::InvalidQuantity {
                value: n.to_string(),
                reason: "times a day is between 1 and 24".into(),
            });
        }
        let period = if 24 % n == 0 {
            Quantity::new(&(24 / n).to_string(), "h")?
        } else {
            Quantity::new(&format!("{:.2}", 24.0 / f64::from(n)), "h")?
        };
        Ok(Self::Every {
            period,
            institution_specified: true,
        })
    }

    /// At an event (HL7 TimingEvent code: `ACM`, `HS`…).
    pub fn at_event(code: &str) -> Result<Self, N3Error> {
        Ok(Self::AtEvent {
            event: value_sets::TIMING_EVENT.code(code)?,
            offset: None,
        })
    }

    /// The French display.
    pub fn to_fr(&self) -> String {
        match self {
            Self::Every {
                period,
                institution_specified,
            } => {
                let v = period.value.to_f64();
                if *institution_specified && period.unit.as_str() == "h" && v > 0.0 {
                    let n = (24.0 / v).round();
                    format!("{n} fois par jour")
                } else if period.value.as_str() == "1" {
                    match period.unit.as_str() {
                        "d" => "1 fois par jour".into(),
                        "wk" => "1 fois par semaine".into(),
                        "mo" => "1 fois par mois".into(),
                        "h" => "toutes les heures".into(),
                        u => format!("toutes les 1 {u}"),
                    }
                } else {
                    format!("toutes les {}", period.to_fr())
                }
            }
            Self::AtEvent { event, offset } => match offset {
                Some(o) => format!("{} ({})", event.label(), o.to_fr()),
                None => event.label().to_owned(),
            },
        }
    }
}

/// The French display of a TS (`01/12/2023`, `12/2023`, `2023`, with the
/// time when given: `01/12/2023 09:30`).
pub fn fr_date(ts: &Ts) -> String {
    let Some(p) = ts.parts() else {
        return ts.value.clone().unwrap_or_else(|| "-".into());
    };
    let d = p.date;
    match p.precision {
        1 => format!("{:04}", d.year()),
        2 => format!("{:02}/{:04}", u8::from(d.month()), d.year()),
        3 => format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()),
        _ => format!(
            "{:02}/{:02}/{:04} {:02}:{:02}",
            d.day(),
            u8::from(d.month()),
            d.year(),
            p.time.hour(),
            p.time.minute()
        ),
    }
}

/// The French display of an interval (`du 01/12/2023 au 06/12/2023`,
/// `depuis le 11/08/2019`, `le 14/01/2018`).
pub fn fr_period(ivl: &IvlTs) -> String {
    let valid = |t: &Option<Ts>| t.as_ref().filter(|t| t.value.is_some()).cloned();
    match (valid(&ivl.low), valid(&ivl.high), ivl.value.as_ref()) {
        (Some(l), Some(h), _) => format!("du {} au {}", fr_date(&l), fr_date(&h)),
        (Some(l), None, _) => format!("depuis le {}", fr_date(&l)),
        (None, Some(h), _) => format!("jusqu'au {}", fr_date(&h)),
        (None, None, Some(v)) => format!("le {}", fr_date(v)),
        _ => "-".into(),
    }
}

/// A date (day precision).
pub fn day(d: Date) -> Ts {
    Ts::from_date(d)
}

/// An instant (second precision with its offset).
pub fn instant(t: OffsetDateTime) -> Ts {
    Ts::from_datetime(t)
}

/// Checks a TS given by the host (well-formed value or nullFlavor).
pub(crate) fn check_ts(ts: &Ts, field: &'static str) -> Result<(), N3Error> {
    if ts.null_flavor.is_some() && ts.value.is_none() {
        return Ok(());
    }
    if ts.is_valid() {
        Ok(())
    } else {
        Err(N3Error::Invalid {
            field,
            reason: format!("{:?} is not a valid HL7 TS", ts.value),
        })
    }
}

/// Checks an interval given by the host (its bounds, and low ≤ high).
pub(crate) fn check_period(ivl: &IvlTs, field: &'static str) -> Result<(), N3Error> {
    for t in [&ivl.low, &ivl.high, &ivl.value].into_iter().flatten() {
        check_ts(t, field)?;
    }
    if let (Some(l), Some(h)) = (
        ivl.low.as_ref().and_then(Ts::to_offset_datetime),
        ivl.high.as_ref().and_then(Ts::to_offset_datetime),
    ) {
        if h < l {
            return Err(N3Error::Invalid {
                field,
                reason: "the end is before the start".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ucum_units() {
        for ok in [
            "kg",
            "g",
            "cm",
            "m",
            "mm[Hg]",
            "cm[H2O]",
            "/min",
            "{beats}/min",
            "Cel",
            "%",
            "kg/m2",
            "mg/d",
            "{tablet}",
            "{pack}/a",
            "[IU]/mL",
            "mL",
            "10*3/uL",
            "mmol/L",
            "wk",
            "d",
            "h",
            "1",
            "g/dL",
            "s-1",
            "{score}",
            "mg.kg-1",
            "ug",
        ] {
            assert!(Ucum::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "kilo", "mg/", "{tablet", "m m", "cp", "°C", "xyz"] {
            assert!(Ucum::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimals_and_displays() {
        assert_eq!(Decimal::parse("1,70").unwrap().as_str(), "1.70");
        assert!(Decimal::parse("1.").is_err());
        assert!(Decimal::parse("abc").is_err());
        let q = Quantity::new("1.5", "{tablet}").unwrap();
        assert_eq!(q.to_fr(), "1,5 cp");
        assert_eq!(
            Frequency::times_a_day(3).unwrap().to_fr(),
            "3 fois par jour"
        );
        assert_eq!(
            Frequency::every("1", "d").unwrap().to_fr(),
            "1 fois par jour"
        );
        assert!(Frequency::every("2", "kg").is_err());
        assert_eq!(Frequency::at_event("HS").unwrap().to_fr(), "au coucher");
        assert_eq!(fr_date(&Ts::from_value("20231201")), "01/12/2023");
        assert_eq!(
            fr_period(&IvlTs::between(
                Ts::from_value("20231201"),
                Ts::from_value("20231206")
            )),
            "du 01/12/2023 au 06/12/2023"
        );
    }
}
