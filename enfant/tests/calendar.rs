//! The examination calendar around each window boundary, and the N1 report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use proptest::prelude::*;
use segur_cda::Document;
use segur_cda::test_output;
use segur_enfant::exams::{self, CALENDAR_2025, ExamStatus};
use segur_enfant::report::{ChildFile, EXAM_REPORT_CODE, ExaminationReport};
use segur_enfant::samples;
use segur_enfant::volet::ChildVolet;
use time::macros::date;
use time::{Date, Duration};

fn status_of(birth: Date, today: Date, code: &str) -> ExamStatus {
    exams::schedule(birth, today, &[])
        .unwrap()
        .into_iter()
        .find(|s| s.exam.code == code)
        .unwrap()
        .status
}

#[test]
fn every_window_boundary() {
    // Births on ordinary days, at month ends and on 29 February.
    for birth in [
        date!(2024 - 03 - 04),
        date!(2024 - 01 - 31),
        date!(2024 - 02 - 29),
        date!(2023 - 12 - 31),
    ] {
        for e in &CALENDAR_2025 {
            let (start, end) = e.window(birth).unwrap();
            assert!(start < end, "{} {birth}", e.code);
            if start > birth {
                assert_eq!(
                    status_of(birth, start - Duration::days(1), e.code),
                    ExamStatus::Upcoming,
                    "{} {birth}",
                    e.code
                );
            }
            assert_eq!(
                status_of(birth, start, e.code),
                ExamStatus::Due,
                "{} {birth}",
                e.code
            );
            assert_eq!(
                status_of(birth, end - Duration::days(1), e.code),
                ExamStatus::Due,
                "{} {birth}",
                e.code
            );
            assert_eq!(
                status_of(birth, end, e.code),
                ExamStatus::Overdue,
                "{} {birth}",
                e.code
            );
        }
    }
}

#[test]
fn known_windows() {
    let b = date!(2024 - 01 - 31);
    let w = |code| {
        exams::Examination::by_code(code)
            .unwrap()
            .window(b)
            .unwrap()
    };
    // Within 8 days after birth: the 8th day is still in.
    assert_eq!(w("MED-1224"), (b, date!(2024 - 02 - 09)));
    // During the 2nd month: from 1 month (clamped to 29 Feb) to 2 months.
    assert_eq!(
        w("MED-1227"),
        (date!(2024 - 02 - 29), date!(2024 - 03 - 31))
    );
    // During the 9th month (CS9).
    assert_eq!(
        w("MED-1232"),
        (date!(2024 - 09 - 30), date!(2024 - 10 - 31))
    );
    // During the 24th month (CS24).
    assert_eq!(
        w("MED-1236"),
        (date!(2025 - 12 - 31), date!(2026 - 01 - 31))
    );
    // Between 15 and 16 years.
    assert_eq!(
        w("MED-1243"),
        (date!(2039 - 01 - 31), date!(2041 - 01 - 31))
    );
    assert_eq!(
        exams::Examination::by_code("MED-1232").unwrap().certificate,
        Some(ChildVolet::Cs9)
    );
    assert!(exams::Examination::by_code(exams::RETIRED_2025).is_none());
}

#[test]
fn due_overdue_and_done() {
    let b = date!(2024 - 03 - 04);
    let today = date!(2024 - 12 - 02);
    let due = exams::due(b, today, &[]).unwrap();
    assert_eq!(
        due.iter().map(|s| s.exam.code).collect::<Vec<_>>(),
        ["MED-1232"]
    );
    let overdue = exams::overdue(b, today, &["MED-1224", "MED-1225"]).unwrap();
    assert_eq!(overdue.len(), 5);
    assert!(exams::schedule(b, date!(2024 - 03 - 03), &[]).is_err());
}

proptest! {
    #[test]
    fn exactly_one_status_and_order(days in 0i64..(18 * 366), birth_offset in 0i64..3000) {
        let birth = date!(2015 - 01 - 01) + Duration::days(birth_offset);
        let today = birth + Duration::days(days);
        let s = exams::schedule(birth, today, &[]).unwrap();
        prop_assert_eq!(s.len(), 20);
        for x in &s {
            let expected = if today < x.start { ExamStatus::Upcoming } else if today < x.end { ExamStatus::Due } else { ExamStatus::Overdue };
            prop_assert_eq!(x.status, expected);
        }
        // Windows start in calendar order.
        for w in s.windows(2) {
            prop_assert!(w[0].start <= w[1].start);
        }
    }
}

struct File;

impl ChildFile for File {
    fn birth_date(&self) -> Date {
        samples::BIRTH_DATE
    }
    fn measurements(&self) -> Vec<segur_enfant::common::Measurements> {
        samples::measurements(segur_cda::volets::samples::Richness::Maximal)
            .unwrap()
            .measurements
    }
    fn vaccinations(&self) -> Vec<segur_enfant::common::CertificateVaccination> {
        samples::cs9(segur_cda::volets::samples::Richness::Typical)
            .unwrap()
            .vaccinations
    }
    fn examinations_done(&self) -> Vec<String> {
        vec!["MED-1224".into(), "MED-1225".into()]
    }
}

#[test]
fn examination_report_is_n1() {
    let mut r = ExaminationReport::prefill(&File, "MED-1232", date!(2024 - 12 - 02)).unwrap();
    assert_eq!(r.age, "8 mois");
    assert_eq!(r.measurements.as_ref().unwrap().date, date!(2024 - 09 - 04));
    assert_eq!(r.next.unwrap().exam.code, "MED-1233");
    r.findings = "Examen clinique normal.".into();
    let ids = samples::ids();
    let h = samples::header(ChildVolet::Cs9, &ids).unwrap();
    let doc = r.build(h, None).unwrap();
    assert_eq!(doc.level(), segur_cda::Level::N1);
    let xml = doc.to_xml();
    test_output::write(test_output::N1, "enfant-exam-report-med-1232", &xml).unwrap();
    let back = Document::parse(xml).unwrap();
    assert_eq!(
        back.header.code.as_ref().unwrap().code.as_deref(),
        Some(EXAM_REPORT_CODE.code)
    );
    assert_eq!(
        back.header.documentation_of[0]
            .code
            .as_ref()
            .unwrap()
            .code
            .as_deref(),
        Some("MED-1232")
    );
    assert!(ExaminationReport::prefill(&File, "MED-1226", date!(2024 - 04 - 01)).is_err());
}
