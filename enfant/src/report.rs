//! The report of a mandatory examination, as a CDA R2 N1 document (PDF
//! body), pre-filled from the child's file (LGC.CSE.14).
//!
//! # Document code (working hypothesis)
//! No CI-SIS volet describes this report (`enfant.md` §7, UNCONFIRMED). We
//! hold the reference's working hypothesis, written once in
//! [`EXAM_REPORT_CODE`]: `59283-2` (LOINC) "CR d'examen de l'enfant", an XDS
//! typeCode of JDV_J07_XdsTypeCode_CISIS; the N1 templateIds of the
//! general profile; `documentationOf/serviceEvent/code` = the examination's
//! code (MED-1224…MED-1243, MED-1306, TA_ASIP). Change the constant if the
//! DSR says otherwise.

use bytes::Bytes;
use segur_cda::Document;
use segur_cda::body::NonXmlBody;
use segur_cda::builder::HeaderBuilder;
use segur_cda::datatypes::{IvlTs, Ts};
use segur_cda::header::ServiceEvent;
use segur_cda::n3::types::fr_date;
use time::Date;

use crate::common::{CertificateVaccination, Measurements};
use crate::error::{Error, Result};
use crate::exams::{self, ExamStatus, Examination, ScheduledExam};
use crate::xml::{self, Fixed};

/// The document code of an examination report (working hypothesis, see the
/// module docs).
pub const EXAM_REPORT_CODE: Fixed = Fixed::new("59283-2", xml::LOINC, "CR d'examen de l'enfant");

/// The child's file as the host holds it, read to pre-fill a report. Every
/// method but the birth date has an empty default.
pub trait ChildFile {
    /// The child's birth date.
    fn birth_date(&self) -> Date;
    /// Measurements, any order.
    fn measurements(&self) -> Vec<Measurements> {
        Vec::new()
    }
    /// Vaccinations recorded.
    fn vaccinations(&self) -> Vec<CertificateVaccination> {
        Vec::new()
    }
    /// Codes of the examinations already done.
    fn examinations_done(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The content of an examination report.
#[derive(Debug, Clone, PartialEq)]
pub struct ExaminationReport {
    /// The examination.
    pub exam: Examination,
    /// Its date.
    pub date: Date,
    /// The child's age on that day, in French (`9 mois`, `2 ans`).
    pub age: String,
    /// The latest measurements on or before the examination.
    pub measurements: Option<Measurements>,
    /// Vaccinations recorded up to the examination.
    pub vaccinations: Vec<CertificateVaccination>,
    /// Findings (free text, filled by the doctor).
    pub findings: String,
    /// Conclusion (free text).
    pub conclusion: String,
    /// The next examination of the calendar, with its window.
    pub next: Option<ScheduledExam>,
    /// Examinations overdue at that date.
    pub overdue: Vec<ScheduledExam>,
}

/// The age in French.
pub fn french_age(birth: Date, on: Date) -> String {
    let days = (on - birth).whole_days();
    if days < 31 {
        return format!("{days} jour{}", if days > 1 { "s" } else { "" });
    }
    let mut months = 0u32;
    while exams::add_months(birth, months + 1).is_some_and(|d| d <= on) {
        months += 1;
    }
    if months < 24 {
        format!("{months} mois")
    } else {
        format!("{} ans", months / 12)
    }
}

impl ExaminationReport {
    /// A report of examination `code` on `date`, pre-filled from the file.
    pub fn prefill<F: ChildFile + ?Sized>(file: &F, code: &str, date: Date) -> Result<Self> {
        let exam = *Examination::by_code(code).ok_or_else(|| {
            Error::Calendar(format!("{code} is not an examination of the 2025 calendar"))
        })?;
        let birth = file.birth_date();
        let done: Vec<String> = file.examinations_done();
        let done_refs: Vec<&str> = done.iter().map(String::as_str).chain([code]).collect();
        let schedule = exams::schedule(birth, date, &done_refs)?;
        let measurements = file
            .measurements()
            .into_iter()
            .filter(|m| m.date <= date)
            .max_by_key(|m| m.date);
        Ok(Self {
            exam,
            date,
            age: french_age(birth, date),
            measurements,
            vaccinations: file
                .vaccinations()
                .into_iter()
                .filter(|v| v.date.is_none_or(|d| d <= date))
                .collect(),
            findings: String::new(),
            conclusion: String::new(),
            next: schedule
                .iter()
                .find(|s| s.exam.number > exam.number && s.status != ExamStatus::Done)
                .copied(),
            overdue: schedule
                .into_iter()
                .filter(|s| s.status == ExamStatus::Overdue)
                .collect(),
        })
    }

    /// The text of the report (one paragraph a line).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "{} ({}) — examen n° {} du calendrier 2025",
                self.exam.label, self.exam.code, self.exam.number
            ),
            format!(
                "Date : {} — âge : {}",
                fr_date(&Ts::from_date(self.date)),
                self.age
            ),
        ];
        if let Some(c) = self.exam.certificate {
            out.push(format!(
                "Cet examen donne lieu au certificat de santé {}.",
                c.name()
            ));
        }
        if let Some(m) = &self.measurements {
            let mut parts = Vec::new();
            if let Some(w) = &m.weight {
                parts.push(format!("poids {}", w.to_fr()));
            }
            if let Some(h) = &m.height {
                parts.push(format!("taille {}", h.to_fr()));
            }
            if let Some(h) = &m.head_circumference {
                parts.push(format!("PC {}", h.to_fr()));
            }
            match &m.bmi {
                Some(b) => parts.push(format!("IMC {}", b.to_fr())),
                None => {
                    if let Some(b) = m.computed_bmi() {
                        parts.push(format!("IMC {b:.1} kg/m² (calculé)"));
                    }
                }
            }
            out.push(format!(
                "Mesures du {} : {}",
                fr_date(&Ts::from_date(m.date)),
                parts.join(", ")
            ));
        }
        if !self.vaccinations.is_empty() {
            let v: Vec<String> = self
                .vaccinations
                .iter()
                .map(|v| {
                    format!(
                        "{}{}{}",
                        v.label,
                        v.rank.map(|r| format!(" (dose {r})")).unwrap_or_default(),
                        v.date
                            .map(|d| format!(" le {}", fr_date(&Ts::from_date(d))))
                            .unwrap_or_default()
                    )
                })
                .collect();
            out.push(format!("Vaccinations : {}", v.join(" ; ")));
        }
        if !self.findings.trim().is_empty() {
            out.push(format!("Examen : {}", self.findings.trim()));
        }
        if !self.conclusion.trim().is_empty() {
            out.push(format!("Conclusion : {}", self.conclusion.trim()));
        }
        for o in &self.overdue {
            out.push(format!(
                "Examen non réalisé dans sa période : {} ({})",
                o.exam.label, o.exam.code
            ));
        }
        if let Some(n) = &self.next {
            out.push(format!(
                "Prochain examen : {} — du {} au {}",
                n.exam.label,
                fr_date(&Ts::from_date(n.start)),
                fr_date(&Ts::from_date(n.end - time::Duration::days(1)))
            ));
        }
        out
    }

    /// The N1 document: the header gets [`EXAM_REPORT_CODE`] and the
    /// examination as service event; the body is `pdf` when given, else a
    /// PDF of [`lines`](Self::lines) (PDF/A-2b with segur-cda's `pdf`
    /// feature).
    pub fn build(&self, mut header: HeaderBuilder, pdf: Option<Bytes>) -> Result<Document> {
        {
            let h = header.header_mut();
            h.code = Some(EXAM_REPORT_CODE.to_code());
            if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
                h.title = Some(format!("Compte rendu : {}", self.exam.label));
            }
            if h.documentation_of.is_empty() {
                h.documentation_of.push(ServiceEvent::default());
            }
            let se = &mut h.documentation_of[0];
            se.code =
                Some(Fixed::new(self.exam.code, exams::CODE_SYSTEM, self.exam.label).to_code());
            se.effective_time = Some(IvlTs::from_low(Ts::from_date(self.date)));
        }
        let pdf = match pdf {
            Some(p) => p,
            None => Bytes::from(segur_cda::n3::pdf::lines_pdf(
                header.header(),
                &self.lines(),
            )?),
        };
        Ok(header.build_n1(NonXmlBody::pdf(pdf))?)
    }
}
