//! `segur enfant`: the child health record (segur-enfant).

use std::path::PathBuf;

use segur_enfant::exams::{self, ExamStatus};
use segur_enfant::growth::{ChartOptions, ChildGrowth, CurveSet, Indicator};
use serde_json::json;
use time::Date;
use time::macros::format_description;

use crate::output::{self, CliError};

/// Child health record: the 20 mandatory examinations, growth charts.
#[derive(Debug, clap::Args)]
pub struct EnfantCommand {
    #[command(subcommand)]
    action: EnfantAction,
}

#[derive(Debug, clap::Subcommand)]
enum EnfantAction {
    /// The 20 mandatory examinations (2025 calendar) of a child: windows and
    /// status (done, upcoming, due, overdue).
    Calendar {
        /// Birth date, YYYY-MM-DD.
        #[arg(long)]
        birth_date: String,
        /// The day to compute the status for, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        today: Option<String>,
        /// Codes of the examinations already done (MED-1224…), repeatable.
        #[arg(long = "done")]
        done: Vec<String>,
    },
    /// A growth chart (SVG) of a child's measurements over the WHO Child
    /// Growth Standards 0–5 years.
    ///
    /// The measures file is JSON: {"sex": "M"|"F", "birth_date": "YYYY-MM-DD",
    /// "label": "optional title", "measurements": [{"date": "YYYY-MM-DD",
    /// "weight_kg": 5.1, "height_cm": 57.5, "head_cm": 38.2, "bmi": 15.4}]}
    /// (every measure optional; BMI computed from weight and height when absent).
    GrowthChart {
        /// The measures file (JSON).
        #[arg(long)]
        measures: PathBuf,
        /// The SVG file to write.
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// What to chart.
        #[arg(long, value_enum, default_value_t = ChartKind::Weight)]
        chart: ChartKind,
        /// Reference curves: WHO percentiles (P3, P15, P50, P85, P97) or z-scores (-3…+3 SD).
        #[arg(long, value_enum, default_value_t = Curves::Percentiles)]
        curves: Curves,
        /// End of the age axis in months (1–60; default: 12, 24 or 60 to fit the measures).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=60))]
        max_age_months: Option<u32>,
    },
}

/// The charts of `segur enfant growth-chart --chart`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ChartKind {
    /// Weight-for-age.
    Weight,
    /// Length / height-for-age.
    Height,
    /// Head-circumference-for-age.
    Head,
    /// BMI-for-age.
    Bmi,
}

impl ChartKind {
    fn indicator(self) -> Indicator {
        match self {
            Self::Weight => Indicator::Weight,
            Self::Height => Indicator::Height,
            Self::Head => Indicator::HeadCircumference,
            Self::Bmi => Indicator::Bmi,
        }
    }
}

/// The reference curves of `segur enfant growth-chart --curves`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Curves {
    /// P3, P15, P50, P85, P97.
    Percentiles,
    /// -3 … +3 SD.
    Zscores,
}

fn date(s: &str, what: &str) -> Result<Date, CliError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|e| CliError::invalid(format!("{what} {s:?} is not a YYYY-MM-DD date: {e}")))
}

/// Runs `segur enfant …`.
pub fn run(cmd: &EnfantCommand, json: bool) -> Result<(), CliError> {
    match &cmd.action {
        EnfantAction::GrowthChart {
            measures,
            output,
            chart,
            curves,
            max_age_months,
        } => growth_chart(
            measures,
            output,
            chart.indicator(),
            match curves {
                Curves::Percentiles => CurveSet::Percentiles,
                Curves::Zscores => CurveSet::ZScores,
            },
            *max_age_months,
            json,
        ),
        EnfantAction::Calendar {
            birth_date,
            today,
            done,
        } => {
            let birth = date(birth_date, "birth date")?;
            let today = match today {
                Some(t) => date(t, "today")?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            for d in done {
                if exams::Examination::by_code(d).is_none() {
                    return Err(CliError::invalid(format!(
                        "{d} is not an examination of the 2025 calendar"
                    )));
                }
            }
            let done: Vec<&str> = done.iter().map(String::as_str).collect();
            let schedule = exams::schedule(birth, today, &done).map_err(CliError::invalid)?;
            let status = |s: ExamStatus| match s {
                ExamStatus::Done => "done",
                ExamStatus::Upcoming => "upcoming",
                ExamStatus::Due => "due",
                ExamStatus::Overdue => "overdue",
                _ => "unknown",
            };
            let value = json!({
                "birth_date": birth.to_string(),
                "today": today.to_string(),
                "examinations": schedule.iter().map(|s| json!({
                    "number": s.exam.number,
                    "code": s.exam.code,
                    "label": s.exam.label,
                    "start": s.start.to_string(),
                    "end": (s.end - time::Duration::days(1)).to_string(),
                    "certificate": s.exam.certificate.map(|c| c.name()),
                    "status": status(s.status),
                })).collect::<Vec<_>>(),
            });
            output::print(json, &value, || {
                schedule
                    .iter()
                    .map(|s| {
                        format!(
                            "{:>2} {:<8} {} → {}  {:<8} {}{}",
                            s.exam.number,
                            s.exam.code,
                            s.start,
                            s.end - time::Duration::days(1),
                            status(s.status),
                            s.exam.label,
                            s.exam
                                .certificate
                                .map(|c| format!(" [{}]", c.name()))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

fn growth_chart(
    measures: &PathBuf,
    output: &PathBuf,
    indicator: Indicator,
    curves: CurveSet,
    max_age_months: Option<u32>,
    json: bool,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(measures)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", measures.display())))?;
    let child = ChildGrowth::from_json(&text).map_err(CliError::invalid)?;
    let options = ChartOptions {
        curves,
        max_age_months,
        ..Default::default()
    };
    let svg = child
        .chart_svg(indicator, &options)
        .map_err(CliError::invalid)?;
    let points = child.points(indicator).map_err(CliError::invalid)?;
    std::fs::write(output, &svg)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", output.display())))?;
    let value = json!({
        "written": output.display().to_string(),
        "chart": indicator.as_str(),
        "unit": indicator.unit(),
        "source": segur_enfant::growth::WHO_SOURCE,
        "points": points.iter().map(|p| json!({
            "date": p.date.to_string(),
            "age_months": (p.age_months * 100.0).round() / 100.0,
            "value": p.value,
            "z_score": (p.z_score * 100.0).round() / 100.0,
            "percentile": (p.percentile * 10.0).round() / 10.0,
        })).collect::<Vec<_>>(),
        "beyond_reference": child.beyond_reference(indicator),
    });
    output::print(json, &value, || {
        format!(
            "wrote the {} chart ({} point(s)) to {}",
            indicator.as_str(),
            points.len(),
            output.display()
        )
    })
}
