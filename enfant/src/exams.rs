//! The 20 mandatory examinations of the child (calendar in force since
//! 2025-01-01, CSP art. R2132-1): a typed catalogue with the TA_ASIP codes
//! of JDV_ExamenEnfantObligatoire_CISIS (1.2.250.1.213.1.1.5.730), the age
//! windows, the certificate each one carries, and the due / overdue
//! computation from a birth date.
//!
//! # Age windows
//! A window is half-open, `[from, until)`, in completed ages from the birth
//! date (months added with the day clamped to the month's last day):
//!
//! - "within 8 days after birth": `[0 d, 8 d]`, i.e. until the 8th day included;
//! - "during the 2nd week": `[7 d, 14 d)`;
//! - "during the Nth month": `[N-1 months, N months)`;
//! - "during the Nth year": `[N-1 years, N years)`;
//! - "between X and Y months/years": `[X, Y+1)`, i.e. until the end of the
//!   Yth month / year of age — our reading of the décret (UNCONFIRMED: the
//!   arrêté's wording is not in the reference).

use serde::Serialize;
use time::{Date, Month};

use crate::error::{Error, Result};
use crate::volet::ChildVolet;

/// A bound of an age window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Age {
    /// Days.
    Days(u32),
    /// Months.
    Months(u32),
    /// Years.
    Years(u32),
}

impl Age {
    /// The date at which a child born on `birth` reaches this age.
    pub fn from_birth(self, birth: Date) -> Result<Date> {
        let err = || Error::Calendar(format!("{birth} + {self:?} is out of range"));
        match self {
            Self::Days(d) => birth
                .checked_add(time::Duration::days(i64::from(d)))
                .ok_or_else(err),
            Self::Months(m) => add_months(birth, m).ok_or_else(err),
            Self::Years(y) => add_months(birth, y.saturating_mul(12)).ok_or_else(err),
        }
    }
}

/// `date` + `months`, the day clamped to the last day of the month.
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    let total =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month()) - 1) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).ok()
}

/// One mandatory examination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Examination {
    /// Rank in the 2025 calendar (1–20).
    pub number: u8,
    /// TA_ASIP code (JDV_ExamenEnfantObligatoire_CISIS).
    pub code: &'static str,
    /// Display name.
    pub label: &'static str,
    /// Start of the window (included).
    pub from: Age,
    /// End of the window (excluded).
    pub until: Age,
    /// The health certificate filled at this examination.
    pub certificate: Option<ChildVolet>,
}

/// Code system of the examination codes (TA_ASIP).
pub const CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.322";
/// JDV_ExamenEnfantObligatoire_CISIS.
pub const VALUE_SET_OID: &str = "1.2.250.1.213.1.1.5.730";
/// The examination "from the 3rd week to the end of the 1st month", removed
/// from the calendar on 2025-01-01 (still in the value set).
pub const RETIRED_2025: &str = "MED-1226";

const fn exam(
    number: u8,
    code: &'static str,
    label: &'static str,
    from: Age,
    until: Age,
    certificate: Option<ChildVolet>,
) -> Examination {
    Examination {
        number,
        code,
        label,
        from,
        until,
        certificate,
    }
}

use Age::{Days, Months, Years};

/// The 20 examinations of the 2025 calendar, in order.
pub const CALENDAR_2025: [Examination; 20] = [
    exam(
        1,
        "MED-1224",
        "Examen dans les 8 jours qui suivent la naissance",
        Days(0),
        Days(9),
        Some(ChildVolet::Cs8),
    ),
    exam(
        2,
        "MED-1225",
        "Examen au cours de la 2e semaine",
        Days(7),
        Days(14),
        None,
    ),
    exam(
        3,
        "MED-1227",
        "Examen au cours du 2e mois",
        Months(1),
        Months(2),
        None,
    ),
    exam(
        4,
        "MED-1228",
        "Examen au cours du 3e mois",
        Months(2),
        Months(3),
        None,
    ),
    exam(
        5,
        "MED-1229",
        "Examen au cours du 4e mois",
        Months(3),
        Months(4),
        None,
    ),
    exam(
        6,
        "MED-1230",
        "Examen au cours du 5e mois",
        Months(4),
        Months(5),
        None,
    ),
    exam(
        7,
        "MED-1231",
        "Examen au cours du 6e mois",
        Months(5),
        Months(6),
        None,
    ),
    exam(
        8,
        "MED-1232",
        "Examen au cours du 9e mois",
        Months(8),
        Months(9),
        Some(ChildVolet::Cs9),
    ),
    exam(
        9,
        "MED-1233",
        "Examen au cours du 12e mois",
        Months(11),
        Months(12),
        None,
    ),
    exam(
        10,
        "MED-1234",
        "Examen au cours du 13e mois",
        Months(12),
        Months(13),
        None,
    ),
    exam(
        11,
        "MED-1235",
        "Examen entre 16 et 18 mois",
        Months(16),
        Months(19),
        None,
    ),
    exam(
        12,
        "MED-1236",
        "Examen au cours du 24e mois",
        Months(23),
        Months(24),
        Some(ChildVolet::Cs24),
    ),
    exam(
        13,
        "MED-1237",
        "Examen au cours de la 3e année",
        Years(2),
        Years(3),
        None,
    ),
    exam(
        14,
        "MED-1238",
        "Examen au cours de la 4e année",
        Years(3),
        Years(4),
        None,
    ),
    exam(
        15,
        "MED-1239",
        "Examen au cours de la 5e année",
        Years(4),
        Years(5),
        None,
    ),
    exam(
        16,
        "MED-1240",
        "Examen au cours de la 6e année",
        Years(5),
        Years(6),
        None,
    ),
    exam(
        17,
        "MED-1306",
        "Examen au cours de la 7e année",
        Years(6),
        Years(7),
        None,
    ),
    exam(
        18,
        "MED-1241",
        "Examen entre 8 et 9 ans",
        Years(8),
        Years(10),
        None,
    ),
    exam(
        19,
        "MED-1242",
        "Examen entre 11 et 13 ans",
        Years(11),
        Years(14),
        None,
    ),
    exam(
        20,
        "MED-1243",
        "Examen entre 15 et 16 ans",
        Years(15),
        Years(17),
        None,
    ),
];

impl Examination {
    /// The examination with this code (2025 calendar).
    pub fn by_code(code: &str) -> Option<&'static Examination> {
        CALENDAR_2025.iter().find(|e| e.code == code)
    }

    /// The window for a child born on `birth`: `[start, end)`.
    pub fn window(&self, birth: Date) -> Result<(Date, Date)> {
        Ok((self.from.from_birth(birth)?, self.until.from_birth(birth)?))
    }
}

/// Where an examination stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExamStatus {
    /// Already done (reported by the host).
    Done,
    /// Its window has not opened yet.
    Upcoming,
    /// In its window.
    Due,
    /// Its window has closed and it was not done.
    Overdue,
}

/// An examination with its window for one child and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduledExam {
    /// The examination.
    pub exam: Examination,
    /// First day of the window.
    pub start: Date,
    /// First day after the window.
    pub end: Date,
    /// Status on the day asked.
    pub status: ExamStatus,
}

/// The 20 examinations for a child born on `birth`, with their status on
/// `today`; `done` lists the codes the host has recorded.
pub fn schedule(birth: Date, today: Date, done: &[&str]) -> Result<Vec<ScheduledExam>> {
    if today < birth {
        return Err(Error::Calendar(format!(
            "{today} is before the birth date {birth}"
        )));
    }
    CALENDAR_2025
        .iter()
        .map(|e| {
            let (start, end) = e.window(birth)?;
            let status = if done.contains(&e.code) {
                ExamStatus::Done
            } else if today < start {
                ExamStatus::Upcoming
            } else if today < end {
                ExamStatus::Due
            } else {
                ExamStatus::Overdue
            };
            Ok(ScheduledExam {
                exam: *e,
                start,
                end,
                status,
            })
        })
        .collect()
}

/// The examinations due on `today` (in their window, not done).
pub fn due(birth: Date, today: Date, done: &[&str]) -> Result<Vec<ScheduledExam>> {
    Ok(schedule(birth, today, done)?
        .into_iter()
        .filter(|s| s.status == ExamStatus::Due)
        .collect())
}

/// The examinations overdue on `today` (window closed, not done).
pub fn overdue(birth: Date, today: Date, done: &[&str]) -> Result<Vec<ScheduledExam>> {
    Ok(schedule(birth, today, done)?
        .into_iter()
        .filter(|s| s.status == ExamStatus::Overdue)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn twenty_distinct_codes_three_certificates() {
        let mut codes: Vec<_> = CALENDAR_2025.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 20);
        assert!(!codes.contains(&RETIRED_2025));
        assert_eq!(
            CALENDAR_2025
                .iter()
                .filter(|e| e.certificate.is_some())
                .count(),
            3
        );
        for (i, e) in CALENDAR_2025.iter().enumerate() {
            assert_eq!(usize::from(e.number), i + 1);
        }
    }

    #[test]
    fn month_arithmetic_clamps() {
        assert_eq!(
            add_months(date!(2024 - 01 - 31), 1),
            Some(date!(2024 - 02 - 29))
        );
        assert_eq!(
            add_months(date!(2023 - 01 - 31), 1),
            Some(date!(2023 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2024 - 11 - 15), 3),
            Some(date!(2025 - 02 - 15))
        );
        assert_eq!(
            add_months(date!(2024 - 02 - 29), 12),
            Some(date!(2025 - 02 - 28))
        );
    }
}
