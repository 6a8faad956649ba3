//! The WHO Child Growth Standards (2006), 0–5 years, as monthly LMS tables.
//!
//! Source: World Health Organization, *WHO Child Growth Standards*
//! (<https://www.who.int/tools/child-growth-standards/standards>), the
//! "z-scores" expanded monthly tables (`Month L M S [SD] SD3neg … SD3`):
//! weight-for-age 0–5 y, length-for-age 0–2 y, height-for-age 2–5 y,
//! head-circumference-for-age 0–5 y, BMI-for-age 0–2 y and 2–5 y, boys and
//! girls. Retrieved 2025 from the copies of the WHO text files kept in the
//! `ewheeler/pygrowup` repository (`pygrowup/tables/by_month/src/*.txt`,
//! commit `7ce09543b7584cff3cc8c9959d2c1e5c2acf7986`, "sourced from WHO's
//! website on Aug 8, 2017"), rows copied verbatim into `enfant/data/who/`
//! (tabs replaced by spaces). Cross-checked: the birth row of
//! weight-for-age boys equals the WHO's own daily table
//! (`WorldHealthOrganization/anthro`, `data-raw/growthstandards/weianthro.txt`),
//! and every row's L, M, S reproduce the seven SD columns the WHO publishes
//! with it (test `every_row_reproduces_the_published_sd_columns`).
//!
//! Licence note: the tables are reference data published by the WHO for
//! growth assessment (© World Health Organization 2006); they are shipped
//! unchanged, as data, with this attribution. No code was taken.

use std::sync::LazyLock;

use super::{Indicator, Lms, Sex};
use crate::error::{Error, Result};

/// Where the curves come from, as shown under every chart.
pub const WHO_SOURCE: &str = "OMS — Normes de croissance de l'enfant (WHO Child Growth Standards, 2006), tables LMS mensuelles 0–5 ans";

/// The source URL of the tables.
pub const WHO_SOURCE_URL: &str = "https://www.who.int/tools/child-growth-standards/standards";

/// The oldest age covered, in months.
pub const MAX_AGE_MONTHS: f64 = 60.0;

/// Age at which length (lying) gives way to height (standing) in the WHO
/// standards, in months.
pub const LENGTH_TO_HEIGHT_MONTHS: f64 = 24.0;

/// Days per month used by the WHO standards (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// One shipped table file.
pub(crate) struct TableFile {
    pub(crate) name: &'static str,
    pub(crate) indicator: Indicator,
    pub(crate) sex: Sex,
    /// `true` for the 2–5 y height / BMI tables (standing height).
    pub(crate) standing: bool,
    pub(crate) text: &'static str,
}

macro_rules! table {
    ($file:literal, $ind:ident, $sex:ident, $standing:expr) => {
        TableFile {
            name: $file,
            indicator: Indicator::$ind,
            sex: Sex::$sex,
            standing: $standing,
            text: include_str!(concat!("../../data/who/", $file)),
        }
    };
}

pub(crate) const FILES: &[TableFile] = &[
    table!("wfa_boys_0_5.txt", Weight, Male, false),
    table!("wfa_girls_0_5.txt", Weight, Female, false),
    table!("lhfa_boys_0_2.txt", Height, Male, false),
    table!("lhfa_boys_2_5.txt", Height, Male, true),
    table!("lhfa_girls_0_2.txt", Height, Female, false),
    table!("lhfa_girls_2_5.txt", Height, Female, true),
    table!("hcfa_boys_0_5.txt", HeadCircumference, Male, false),
    table!("hcfa_girls_0_5.txt", HeadCircumference, Female, false),
    table!("bfa_boys_0_2.txt", Bmi, Male, false),
    table!("bfa_boys_2_5.txt", Bmi, Male, true),
    table!("bfa_girls_0_2.txt", Bmi, Female, false),
    table!("bfa_girls_2_5.txt", Bmi, Female, true),
];

/// One parsed table: consecutive monthly rows from `first_month`.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) indicator: Indicator,
    pub(crate) sex: Sex,
    pub(crate) standing: bool,
    pub(crate) first_month: u32,
    pub(crate) rows: Vec<Row>,
}

/// One row as published: the LMS parameters and the WHO's SD columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub(crate) lms: Lms,
    /// SD3neg … SD3 (values at z = -3 … +3, rounded to 0.1 by the WHO).
    pub(crate) sd: [f64; 7],
}

impl Table {
    pub(crate) fn last_month(&self) -> u32 {
        self.first_month + self.rows.len() as u32 - 1
    }

    fn at(&self, age_months: f64) -> Option<Lms> {
        let first = f64::from(self.first_month);
        let last = f64::from(self.last_month());
        if !(first..=last).contains(&age_months) {
            return None;
        }
        let offset = age_months - first;
        // In range: `offset` is within 0..=rows.len()-1.
        let i = offset.floor() as usize;
        let frac = offset - offset.floor();
        let a = self.rows.get(i)?.lms;
        match self.rows.get(i + 1) {
            Some(b) if frac > 0.0 => Some(Lms {
                l: a.l + (b.lms.l - a.l) * frac,
                m: a.m + (b.lms.m - a.m) * frac,
                s: a.s + (b.lms.s - a.s) * frac,
            }),
            _ => Some(a),
        }
    }
}

fn parse(file: &TableFile) -> std::result::Result<Table, String> {
    let mut lines = file.text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{}: empty", file.name))?
        .split_whitespace()
        .collect();
    if header.first() != Some(&"Month") || header.get(1..4) != Some(&["L", "M", "S"][..]) {
        return Err(format!("{}: unexpected header {header:?}", file.name));
    }
    let sd_start = header
        .iter()
        .position(|h| *h == "SD3neg")
        .ok_or_else(|| format!("{}: no SD3neg column", file.name))?;
    let mut first_month = None;
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() != header.len() {
            return Err(format!(
                "{}: row {}: {} columns",
                file.name,
                n + 1,
                cols.len()
            ));
        }
        let num = |i: usize| -> std::result::Result<f64, String> {
            cols[i]
                .parse::<f64>()
                .map_err(|e| format!("{}: row {}: {:?}: {e}", file.name, n + 1, cols[i]))
        };
        let month: u32 = cols[0]
            .parse()
            .map_err(|e| format!("{}: row {}: month: {e}", file.name, n + 1))?;
        let first = *first_month.get_or_insert(month);
        if month != first + rows.len() as u32 {
            return Err(format!("{}: month {month} out of sequence", file.name));
        }
        let mut sd = [0.0; 7];
        for (k, v) in sd.iter_mut().enumerate() {
            *v = num(sd_start + k)?;
        }
        rows.push(Row {
            lms: Lms {
                l: num(1)?,
                m: num(2)?,
                s: num(3)?,
            },
            sd,
        });
    }
    Ok(Table {
        indicator: file.indicator,
        sex: file.sex,
        standing: file.standing,
        first_month: first_month.ok_or_else(|| format!("{}: no rows", file.name))?,
        rows,
    })
}

pub(crate) static TABLES: LazyLock<std::result::Result<Vec<Table>, String>> =
    LazyLock::new(|| FILES.iter().map(parse).collect());

pub(crate) fn tables() -> Result<&'static [Table]> {
    TABLES
        .as_deref()
        .map_err(|e| Error::Growth(format!("shipped WHO table unreadable: {e}")))
}

/// The table used for `indicator` at `age_months`: for height and BMI, the
/// lying-length tables before 24 months, the standing-height ones from 24.
pub(crate) fn table_for(indicator: Indicator, sex: Sex, standing: bool) -> Result<&'static Table> {
    tables()?
        .iter()
        .find(|t| t.indicator == indicator && t.sex == sex && t.standing == standing)
        .ok_or_else(|| Error::Growth(format!("no WHO table for {indicator:?} {sex:?}")))
}

pub(crate) fn uses_standing(indicator: Indicator, age_months: f64) -> bool {
    matches!(indicator, Indicator::Height | Indicator::Bmi) && age_months >= LENGTH_TO_HEIGHT_MONTHS
}

/// The WHO LMS parameters of `indicator` for a child of `sex` aged
/// `age_months` (0–60, fractional months = days / 30.4375), linearly
/// interpolated between the monthly rows. Height and BMI use the length
/// (lying) tables before 24 months and the height (standing) tables from 24
/// months, as the WHO does.
pub fn who_lms(indicator: Indicator, sex: Sex, age_months: f64) -> Result<Lms> {
    if !age_months.is_finite() || !(0.0..=MAX_AGE_MONTHS).contains(&age_months) {
        return Err(Error::Growth(format!(
            "age {age_months:.1} months is outside the WHO 0–60 months standards"
        )));
    }
    let t = table_for(indicator, sex, uses_standing(indicator, age_months))?;
    t.at(age_months).ok_or_else(|| {
        Error::Growth(format!(
            "age {age_months:.1} months outside the table {indicator:?} {sex:?}"
        ))
    })
}

/// The LMS parameters of the lying-length table at exactly 24 months (the
/// end of the 0–2 years curves) — the charts draw both segments.
pub(crate) fn lms_of(indicator: Indicator, sex: Sex, standing: bool, age: f64) -> Result<Lms> {
    table_for(indicator, sex, standing)?
        .at(age)
        .ok_or_else(|| Error::Growth(format!("age {age:.1} months outside the table")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_table_parses_with_the_expected_months() {
        let t = tables().unwrap();
        assert_eq!(t.len(), 12);
        for t in t {
            let (first, last) = match (t.indicator, t.standing) {
                (Indicator::Height | Indicator::Bmi, false) => (0, 24),
                (Indicator::Height | Indicator::Bmi, true) => (24, 60),
                _ => (0, 60),
            };
            assert_eq!((t.first_month, t.last_month()), (first, last), "{t:?}");
        }
    }

    /// Guards the transcription: the WHO publishes, next to L, M and S, the
    /// values at -3…+3 SD rounded to 0.1; every row must reproduce them.
    #[test]
    fn every_row_reproduces_the_published_sd_columns() {
        let mut checked = 0;
        for t in tables().unwrap() {
            for (i, r) in t.rows.iter().enumerate() {
                for (k, published) in r.sd.iter().enumerate() {
                    let z = k as f64 - 3.0;
                    let v = r.lms.value_at(z);
                    assert!(
                        (v - published).abs() <= 0.05 + 1e-9,
                        "{:?} {:?} month {}: z {z}: LMS gives {v:.3}, WHO {published}",
                        t.indicator,
                        t.sex,
                        t.first_month as usize + i
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * (4 * 61 + 4 * 25 + 4 * 37));
    }

    #[test]
    fn known_who_values() {
        let m = |i, s, a| who_lms(i, s, a).unwrap().m;
        // Weight-for-age medians (kg).
        assert_eq!(m(Indicator::Weight, Sex::Male, 0.0), 3.3464);
        assert_eq!(m(Indicator::Weight, Sex::Male, 12.0), 9.6479);
        assert_eq!(m(Indicator::Weight, Sex::Female, 0.0), 3.2322);
        assert_eq!(m(Indicator::Weight, Sex::Female, 60.0), 18.2193);
        // Length before 24 months, height from 24 months (cm).
        assert_eq!(m(Indicator::Height, Sex::Male, 0.0), 49.8842);
        assert_eq!(m(Indicator::Height, Sex::Male, 23.0), 86.9410);
        assert_eq!(m(Indicator::Height, Sex::Male, 24.0), 87.1161);
        assert_eq!(m(Indicator::Height, Sex::Female, 24.0), 85.7153);
        // Head circumference (cm), BMI (kg/m²).
        assert_eq!(m(Indicator::HeadCircumference, Sex::Male, 60.0), 50.7375);
        assert_eq!(m(Indicator::HeadCircumference, Sex::Female, 0.0), 33.8787);
        assert_eq!(m(Indicator::Bmi, Sex::Female, 0.0), 13.3363);
        assert_eq!(m(Indicator::Bmi, Sex::Male, 24.0), 16.0189);
        let l = who_lms(Indicator::Weight, Sex::Male, 0.0).unwrap();
        assert_eq!((l.l, l.s), (0.3487, 0.14602));
        // Interpolation half-way between months 0 and 1.
        let half = who_lms(Indicator::Weight, Sex::Male, 0.5).unwrap();
        assert!((half.m - (3.3464 + 4.4709) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn ages_outside_the_standards_are_refused() {
        for a in [-0.1, 60.01, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                who_lms(Indicator::Weight, Sex::Male, a),
                Err(Error::Growth(_))
            ));
        }
        assert!(who_lms(Indicator::Bmi, Sex::Female, 60.0).is_ok());
    }
}
