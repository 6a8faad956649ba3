//! `segur enfant`: the child health record (segur-enfant).

use std::path::{Path, PathBuf};

use segur_enfant::exams::{self, ExamStatus};
use segur_enfant::growth::{ChartOptions, ChildGrowth, CurveSet, Indicator};
use segur_enfant::recipients::{Departement, RecipientResolver, RecipientSource};
use segur_enfant::sending::{Recipient, RecipientTable};
use segur_mss::annuaire::fhir::AnnuaireClient;
use segur_ssi::tls::{ClientTlsBuilder, TrustEnvironment, TrustStore};
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
    /// Who receives the health certificates of a department: its PMI service
    /// and the DREES, looked up in the Annuaire Santé (FINESS category 223
    /// in the department, organisational MSSanté mailboxes) when
    /// `--annuaire-url` is given, else / as a fallback from `--table`; each
    /// address says where it came from.
    ///
    /// Table files are JSON: {"pmi": {"75": "pmi@…"}, "drees": "…"}.
    Recipients {
        /// Department of residence: 01–95, 2A, 2B, 971–976.
        #[arg(long)]
        department: String,
        /// Annuaire Santé FHIR base URL (production:
        /// https://gateway.api.esante.gouv.fr/fhir/v2).
        #[arg(long, requires = "trust")]
        annuaire_url: Option<String>,
        /// Environment variable holding the ESANTE-API-KEY.
        #[arg(long, default_value = "ESANTE_API_KEY")]
        api_key_env: String,
        /// Trust anchors (PEM) for the Annuaire Santé server: the IGC-Santé
        /// roots; repeatable.
        #[arg(long)]
        trust: Vec<PathBuf>,
        /// Trust environment: `test` accepts test PKIs (simulators only).
        #[arg(long, value_enum, default_value_t = Environment::Production)]
        environment: Environment,
        /// Fallback table: used when the Annuaire is not configured, finds
        /// nothing, finds several candidates or fails.
        #[arg(long)]
        table: Option<PathBuf>,
        /// Override table: its entries win over the Annuaire.
        #[arg(long)]
        overrides: Option<PathBuf>,
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

/// `segur enfant recipients --environment`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Environment {
    /// IGC-Santé production roots only.
    Production,
    /// Test PKIs accepted (simulators).
    Test,
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
        EnfantAction::Recipients {
            department,
            annuaire_url,
            api_key_env,
            trust,
            environment,
            table,
            overrides,
        } => recipients(
            department,
            annuaire_url.as_deref(),
            api_key_env,
            (
                trust,
                match environment {
                    Environment::Production => TrustEnvironment::Production,
                    Environment::Test => TrustEnvironment::Test,
                },
            ),
            table.as_deref(),
            overrides.as_deref(),
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

fn read_table(path: &Path) -> Result<RecipientTable, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    RecipientTable::from_json(&text)
        .map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))
}

fn recipients(
    department: &str,
    annuaire_url: Option<&str>,
    api_key_env: &str,
    (trust, environment): (&[PathBuf], TrustEnvironment),
    table: Option<&Path>,
    overrides: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let department = Departement::parse(department).map_err(CliError::invalid)?;
    let table = table.map(read_table).transpose()?.unwrap_or_default();
    let mut resolver = RecipientResolver::new(table);
    if let Some(o) = overrides {
        resolver = resolver.with_overrides(read_table(o)?);
    }
    if let Some(url) = annuaire_url {
        let key = std::env::var(api_key_env).map_err(|_| {
            CliError::usage(format!(
                "the API key variable {api_key_env} is not set (--api-key-env)"
            ))
        })?;
        let store = TrustStore::from_files(environment, trust)
            .map_err(|e| CliError::usage(format!("--trust: {e}")))?;
        let tls = ClientTlsBuilder::new(store)
            .build()
            .map_err(|e| CliError::usage(format!("--trust: {e}")))?;
        let client = AnnuaireClient::new(url, key, tls).map_err(CliError::invalid)?;
        resolver = resolver.with_annuaire(client);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))?;
    let resolution = runtime
        .block_on(resolver.resolve(&department))
        .map_err(CliError::invalid)?;
    let value = serde_json::to_value(&resolution).map_err(|e| CliError::Failed(e.into()))?;
    output::print(json, &value, || {
        let whom = |r: &Recipient| match r {
            Recipient::Pmi { department } => format!("PMI {department}"),
            Recipient::Drees => "DREES".to_owned(),
            _ => "?".to_owned(),
        };
        let mut lines: Vec<String> = resolution
            .recipients
            .iter()
            .map(|r| {
                let from = match &r.source {
                    RecipientSource::Annuaire {
                        organization,
                        resource_id,
                    } => format!(
                        "annuaire: {} ({resource_id})",
                        organization.as_deref().unwrap_or("?")
                    ),
                    RecipientSource::Override => "table: override".to_owned(),
                    RecipientSource::Table { reason } => format!("table: {reason}"),
                    _ => r.source.label().to_owned(),
                };
                format!("{:<9} {}  [{from}]", whom(&r.recipient), r.address)
            })
            .collect();
        for u in &resolution.unresolved {
            lines.push(format!(
                "{:<9} not resolved  [{}]",
                whom(&u.recipient),
                u.reason
            ));
        }
        lines.join("\n")
    })
}
