//! Growth charts: a child's measurements over the WHO reference curves, as
//! self-contained SVG.
//!
//! # Reference
//! The French 2018 AFPA / CRESS-Inserm curves of the carnet de santé are not
//! published as open LMS tables (reference sheet §10), so the charts use the
//! **WHO Child Growth Standards (2006), 0–5 years**, shipped in the crate as
//! the WHO's monthly LMS tables (see [`reference`] for the source URL,
//! retrieval, licence note and the transcription check):
//! weight-for-age, length/height-for-age, head-circumference-for-age and
//! BMI-for-age, boys and girls. The source is named under every chart.
//!
//! # Curves
//! Each curve is the LMS value `M·(1 + L·S·z)^(1/L)` (`M·e^(S·z)` when
//! `L = 0`) at a fixed z, LMS interpolated linearly between monthly rows.
//! [`CurveSet::Percentiles`] (default) draws the WHO percentile curves
//! P3, P15, P50, P85, P97; [`CurveSet::ZScores`] the −3…+3 SD curves (the
//! layout of the French carnet's weight and height charts). Height and BMI
//! use the lying-length tables before 24 months and the standing-height
//! tables from 24 months: the curves show the WHO's step at 2 years.
//!
//! # Measurements
//! Ages are exact: days since birth / 30.4375. A measure dated before the
//! birth date is refused; measures after 5 years are left out of the chart
//! (the chart says how many). Each point carries its z-score (WHO
//! restricted LMS method beyond ±3 SD) and percentile, shown as a tooltip.
//!
//! ```
//! use segur_enfant::growth::{ChartOptions, ChildGrowth, Indicator};
//!
//! let child = ChildGrowth::from_json(r#"{
//!   "sex": "F", "birth_date": "2024-01-10",
//!   "measurements": [
//!     {"date": "2024-01-10", "weight_kg": 3.2, "height_cm": 49.5, "head_cm": 34},
//!     {"date": "2024-07-10", "weight_kg": 7.4, "height_cm": 66}
//!   ]}"#)?;
//! let svg = child.chart_svg(Indicator::Weight, &ChartOptions::default())?;
//! assert!(svg.starts_with("<svg"));
//! assert!(svg.contains("OMS"));
//! let points = child.points(Indicator::Weight)?;
//! assert_eq!(points.len(), 2);
//! assert!(points[0].z_score.abs() < 0.5);
//! # Ok::<(), segur_enfant::Error>(())
//! ```

mod chart;
pub mod reference;

use std::str::FromStr;

use segur_cda::Document;
use segur_cda::render::{ExtraBlock, RenderOptions, render_html};
use time::Date;
use time::macros::format_description;

use crate::common::Measurements;
use crate::error::{Error, Result};
use crate::measures::ChildMeasurements;
pub use reference::{WHO_SOURCE, WHO_SOURCE_URL, who_lms};

/// The child's sex, as the reference separates boys and girls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Boy.
    Male,
    /// Girl.
    Female,
}

impl Sex {
    /// From an HL7 administrative gender code (`M` / `F`); `U` and others
    /// have no reference curves.
    pub fn from_gender_code(code: &str) -> Option<Self> {
        match code {
            "M" => Some(Self::Male),
            "F" => Some(Self::Female),
            _ => None,
        }
    }

    /// `Garçon` / `Fille`.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Male => "Garçon",
            Self::Female => "Fille",
        }
    }
}

/// A growth indicator (what is charted against age).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Indicator {
    /// Weight (kg).
    Weight,
    /// Length (lying, before 2 years) / height (standing, from 2 years), cm.
    Height,
    /// Head circumference (cm).
    HeadCircumference,
    /// Body mass index (kg/m²).
    Bmi,
}

impl Indicator {
    /// Every indicator, in chart order.
    pub const ALL: [Indicator; 4] = [
        Self::Weight,
        Self::Height,
        Self::HeadCircumference,
        Self::Bmi,
    ];

    /// The CLI / JSON name (`weight`, `height`, `head`, `bmi`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weight => "weight",
            Self::Height => "height",
            Self::HeadCircumference => "head",
            Self::Bmi => "bmi",
        }
    }

    /// The French chart title.
    pub fn title_fr(self) -> &'static str {
        match self {
            Self::Weight => "Poids selon l'âge",
            Self::Height => "Taille selon l'âge (longueur couchée avant 2 ans)",
            Self::HeadCircumference => "Périmètre crânien selon l'âge",
            Self::Bmi => "IMC selon l'âge",
        }
    }

    /// The unit of the values.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Weight => "kg",
            Self::Height | Self::HeadCircumference => "cm",
            Self::Bmi => "kg/m²",
        }
    }

    /// The value of this indicator in a set of measurements (BMI: the
    /// recorded one, else computed from weight and height).
    pub fn value_of(self, m: &Measurements) -> Option<f64> {
        match self {
            Self::Weight => m.weight_kg_value(),
            Self::Height => m.height_cm_value(),
            Self::HeadCircumference => m.head_circumference.as_ref().map(|q| q.value.to_f64()),
            Self::Bmi => m
                .bmi
                .as_ref()
                .map(|q| q.value.to_f64())
                .or_else(|| m.computed_bmi()),
        }
    }
}

impl FromStr for Indicator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| {
                Error::Growth(format!(
                    "unknown chart {s:?} (expected weight, height, head or bmi)"
                ))
            })
    }
}

/// The three parameters of Cole's LMS method at one age.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lms {
    /// Box-Cox power.
    pub l: f64,
    /// Median.
    pub m: f64,
    /// Coefficient of variation.
    pub s: f64,
}

impl Lms {
    /// The measurement at z-score `z`: `M·(1 + L·S·z)^(1/L)`, or `M·e^(S·z)`
    /// when `L = 0`.
    pub fn value_at(&self, z: f64) -> f64 {
        if self.l.abs() < 1e-12 {
            self.m * (self.s * z).exp()
        } else {
            self.m * (1.0 + self.l * self.s * z).powf(1.0 / self.l)
        }
    }

    /// The z-score of a measurement `x`, with the WHO's restricted
    /// application beyond ±3 SD (distances measured in the 2–3 SD interval),
    /// which keeps z-scores of extreme values of skewed indicators finite.
    pub fn z_score(&self, x: f64) -> f64 {
        let z = if self.l.abs() < 1e-12 {
            (x / self.m).ln() / self.s
        } else {
            ((x / self.m).powf(self.l) - 1.0) / (self.l * self.s)
        };
        if z > 3.0 {
            let sd3 = self.value_at(3.0);
            3.0 + (x - sd3) / (sd3 - self.value_at(2.0))
        } else if z < -3.0 {
            let sd3 = self.value_at(-3.0);
            -3.0 + (x - sd3) / (self.value_at(-2.0) - sd3)
        } else {
            z
        }
    }
}

/// The standard normal distribution function Φ(z) (Abramowitz & Stegun
/// 7.1.26, absolute error below 1.5·10⁻⁷): the percentile of a z-score is
/// `100·Φ(z)`.
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Which reference curves a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CurveSet {
    /// The WHO percentile curves P3, P15, P50, P85, P97.
    #[default]
    Percentiles,
    /// The −3, −2, −1, 0, +1, +2, +3 SD curves.
    ZScores,
}

impl CurveSet {
    /// `(label, z)` of each curve, lowest first. The percentile z-values are
    /// the standard normal quantiles Φ⁻¹(0.03) and Φ⁻¹(0.15).
    pub fn curves(self) -> &'static [(&'static str, f64)] {
        match self {
            Self::Percentiles => &[
                ("P3", -1.880_793_608_151_251),
                ("P15", -1.036_433_389_493_79),
                ("P50", 0.0),
                ("P85", 1.036_433_389_493_79),
                ("P97", 1.880_793_608_151_251),
            ],
            Self::ZScores => &[
                ("-3 DS", -3.0),
                ("-2 DS", -2.0),
                ("-1 DS", -1.0),
                ("M", 0.0),
                ("+1 DS", 1.0),
                ("+2 DS", 2.0),
                ("+3 DS", 3.0),
            ],
        }
    }

    /// What the curves are, for the chart's caption.
    pub fn caption_fr(self) -> &'static str {
        match self {
            Self::Percentiles => "courbes P3, P15, P50 (médiane), P85, P97",
            Self::ZScores => "courbes −3 à +3 DS autour de la médiane (M)",
        }
    }
}

/// Options of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    /// The reference curves drawn.
    pub curves: CurveSet,
    /// The age axis ends at this many months (12, 24 or 60 are usual);
    /// `None`: the smallest of 12, 24, 60 covering the measurements.
    pub max_age_months: Option<u32>,
    /// Width of the SVG, in pixels (at least 320).
    pub width: u32,
    /// Height of the SVG, in pixels (at least 240).
    pub height: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            curves: CurveSet::Percentiles,
            max_age_months: None,
            width: 760,
            height: 520,
        }
    }
}

/// A measurement placed on the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthPoint {
    /// The date of the measure.
    pub date: Date,
    /// The exact age in months (days / 30.4375).
    pub age_months: f64,
    /// The value, in [`Indicator::unit`].
    pub value: f64,
    /// The WHO z-score.
    pub z_score: f64,
    /// The percentile (0–100).
    pub percentile: f64,
}

/// A child's growth data: sex, birth date and measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildGrowth {
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: Date,
    /// A label shown in the chart title (e.g. the child's name); escaped.
    pub label: Option<String>,
    /// The measurements (any order).
    pub measurements: Vec<Measurements>,
}

/// The JSON accepted by [`ChildGrowth::from_json`] and by
/// `segur enfant growth-chart --measures FILE.json`.
///
/// ```json
/// {
///   "sex": "M",                      // "M" or "F"
///   "birth_date": "2024-01-10",      // YYYY-MM-DD
///   "label": "Léo",                  // optional, shown in the title
///   "measurements": [
///     {"date": "2024-03-12", "weight_kg": 5.1, "height_cm": 57.5,
///      "head_cm": 38.2, "bmi": 15.4}  // every measure optional
///   ]
/// }
/// ```
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct GrowthInput {
    /// `M` or `F`.
    pub sex: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Optional title label.
    #[serde(default)]
    pub label: Option<String>,
    /// The measurements.
    pub measurements: Vec<MeasureInput>,
}

/// One dated set of measures of [`GrowthInput`].
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Weight in kg.
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// Length / height in cm.
    #[serde(default)]
    pub height_cm: Option<f64>,
    /// Head circumference in cm.
    #[serde(default)]
    pub head_cm: Option<f64>,
    /// BMI in kg/m² (computed from weight and height when absent).
    #[serde(default)]
    pub bmi: Option<f64>,
}

fn parse_date(s: &str, what: &str) -> Result<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|e| Error::Growth(format!("{what} {s:?} is not a YYYY-MM-DD date: {e}")))
}

fn number(v: Option<f64>, what: &str, date: &str) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x > 0.0 => Ok(Some(format!("{x}"))),
        Some(x) => Err(Error::Growth(format!(
            "{what} {x} on {date} is not a positive number"
        ))),
    }
}

impl ChildGrowth {
    /// From the JSON of [`GrowthInput`].
    pub fn from_json(json: &str) -> Result<Self> {
        let input: GrowthInput =
            serde_json::from_str(json).map_err(|e| Error::Growth(format!("measures file: {e}")))?;
        Self::from_input(&input)
    }

    /// From a parsed [`GrowthInput`]: dates, sex and values checked
    /// (units and plausible ranges of the measurements model).
    pub fn from_input(input: &GrowthInput) -> Result<Self> {
        let sex = Sex::from_gender_code(input.sex.trim()).ok_or_else(|| {
            Error::Growth(format!(
                "sex {:?}: the reference has curves for \"M\" and \"F\" only",
                input.sex
            ))
        })?;
        let birth_date = parse_date(&input.birth_date, "birth date")?;
        let mut measurements = Vec::with_capacity(input.measurements.len());
        for m in &input.measurements {
            let date = parse_date(&m.date, "measurement date")?;
            let mut out = Measurements::on(date);
            if let Some(v) = number(m.weight_kg, "weight_kg", &m.date)? {
                out = out.weight_kg(&v)?;
            }
            if let Some(v) = number(m.height_cm, "height_cm", &m.date)? {
                out = out.height_cm(&v)?;
            }
            if let Some(v) = number(m.head_cm, "head_cm", &m.date)? {
                out = out.head_cm(&v)?;
            }
            if let Some(v) = number(m.bmi, "bmi", &m.date)? {
                out = out.bmi(&v)?;
            }
            out.check("growth chart")?;
            measurements.push(out);
        }
        let child = Self {
            sex,
            birth_date,
            label: input.label.clone().filter(|l| !l.trim().is_empty()),
            measurements,
        };
        child.check_dates()?;
        Ok(child)
    }

    /// From a Mesures de l'enfant document: the child's sex and birth date
    /// from the header, the measurements from the body.
    pub fn from_document(doc: &Document) -> Result<Self> {
        let patient = doc
            .header
            .patient_role()
            .and_then(|r| r.patient.as_ref())
            .ok_or(Error::Missing {
                document: "CSE-MDE",
                what: "the patient",
            })?;
        let sex = patient
            .administrative_gender_code
            .as_ref()
            .and_then(|c| c.code.as_deref())
            .and_then(Sex::from_gender_code)
            .ok_or(Error::Missing {
                document: "CSE-MDE",
                what: "the child's sex (M or F) for the growth charts",
            })?;
        let birth_date =
            patient
                .birth_time
                .as_ref()
                .and_then(|t| t.date())
                .ok_or(Error::Missing {
                    document: "CSE-MDE",
                    what: "the child's birth date for the growth charts",
                })?;
        let m = ChildMeasurements::from_document(doc)?;
        let child = Self {
            sex,
            birth_date,
            label: None,
            measurements: m.measurements,
        };
        child.check_dates()?;
        Ok(child)
    }

    fn check_dates(&self) -> Result<()> {
        match self.measurements.iter().find(|m| m.date < self.birth_date) {
            Some(m) => Err(Error::Growth(format!(
                "measurement of {} is before the birth date {}",
                m.date, self.birth_date
            ))),
            None => Ok(()),
        }
    }

    /// The exact age in months at `date`.
    pub fn age_months(&self, date: Date) -> f64 {
        (date - self.birth_date).whole_days() as f64 / reference::DAYS_PER_MONTH
    }

    /// The measurements of `indicator` within the reference's age range,
    /// by age, with their z-scores and percentiles.
    pub fn points(&self, indicator: Indicator) -> Result<Vec<GrowthPoint>> {
        let mut out = Vec::new();
        for m in &self.measurements {
            let Some(value) = indicator.value_of(m) else {
                continue;
            };
            let age = self.age_months(m.date);
            if age > reference::MAX_AGE_MONTHS {
                continue;
            }
            let z = who_lms(indicator, self.sex, age)?.z_score(value);
            out.push(GrowthPoint {
                date: m.date,
                age_months: age,
                value,
                z_score: z,
                percentile: 100.0 * normal_cdf(z),
            });
        }
        out.sort_by(|a, b| a.age_months.total_cmp(&b.age_months));
        Ok(out)
    }

    /// How many measures of `indicator` fall after 5 years (not charted).
    pub fn beyond_reference(&self, indicator: Indicator) -> usize {
        self.measurements
            .iter()
            .filter(|m| {
                indicator.value_of(m).is_some()
                    && self.age_months(m.date) > reference::MAX_AGE_MONTHS
            })
            .count()
    }

    /// The chart of `indicator` as a self-contained SVG document (no
    /// external reference, no script; every text escaped).
    pub fn chart_svg(&self, indicator: Indicator, options: &ChartOptions) -> Result<String> {
        chart::svg(self, indicator, options)
    }
}

/// The HTML page of a Mesures de l'enfant document (segur-cda's renderer)
/// with the growth charts of its measurements appended — one per indicator
/// measured. When the header lacks the child's sex or birth date, the page
/// says why the charts are missing instead.
pub fn render_measures_html(doc: &Document, options: &ChartOptions) -> Result<String> {
    let mut extra = Vec::new();
    match ChildGrowth::from_document(doc) {
        Ok(child) => {
            for ind in Indicator::ALL {
                if child.points(ind)?.is_empty() {
                    continue;
                }
                extra.push(ExtraBlock {
                    heading: format!("Courbe de croissance — {}", ind.title_fr()),
                    html: child.chart_svg(ind, options)?,
                });
            }
        }
        Err(Error::Missing { .. }) => extra.push(ExtraBlock {
            heading: "Courbes de croissance".into(),
            html: "<p class=\"muted\">Courbes non affichées : le sexe (M ou F) et la date \
de naissance de l'enfant sont nécessaires et absents de l'en-tête du document.</p>"
                .into(),
        }),
        Err(e) => return Err(e),
    }
    Ok(render_html(
        doc,
        &RenderOptions {
            extra,
            ..Default::default()
        },
    ))
}
