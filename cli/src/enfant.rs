//! `segur enfant`: the child health record (segur-enfant).

use segur_enfant::exams::{self, ExamStatus};
use serde_json::json;
use time::Date;
use time::macros::format_description;

use crate::output::{self, CliError};

/// Child health record: the 20 mandatory examinations.
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
}

fn date(s: &str, what: &str) -> Result<Date, CliError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|e| CliError::invalid(format!("{what} {s:?} is not a YYYY-MM-DD date: {e}")))
}

/// Runs `segur enfant …`.
pub fn run(cmd: &EnfantCommand, json: bool) -> Result<(), CliError> {
    match &cmd.action {
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
