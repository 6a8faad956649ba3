//! JUnit XML, as read by CI servers (GitLab, Jenkins, GitHub actions
//! reporters).
//!
//! - `<testsuites name="segur-conformance">` with the totals;
//! - one `<testsuite>` per scenario suite (`ins`, `evidence`…);
//! - one `<testcase name="<scenario id>" classname="<group id>">` per
//!   scenario, with `<properties>`: one `requirement` property per tagged
//!   requirement id and a `title` property;
//! - a failed scenario has `<failure>` (check, host, service failures) or
//!   `<error>` (panic, timeout, internal); a not-applicable one `<skipped>`;
//! - `<system-out>` lists the steps with their outcome and duration.

use std::fmt::Write;

use super::{RunReport, ScenarioReport, Status, escape_attr, escape_markup};
use crate::failure::FailureKind;

fn seconds(ms: f64) -> String {
    format!("{:.3}", ms / 1000.0)
}

/// Renders the report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail: the `let _ =` below drop Ok(()).
    let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let errors = report.scenarios.iter().filter(|s| is_error(s)).count();
    let _ = writeln!(
        out,
        r#"<testsuites name="segur-conformance" tests="{}" failures="{}" errors="{}" skipped="{}" time="{}" timestamp="{}">"#,
        report.summary.total,
        report.summary.failed - errors,
        errors,
        report.summary.not_applicable,
        seconds(report.duration_ms),
        escape_attr(&rfc3339(report.started_at)),
    );
    let mut suites: Vec<&str> = Vec::new();
    for s in &report.scenarios {
        if !suites.contains(&s.suite.as_str()) {
            suites.push(&s.suite);
        }
    }
    for suite in suites {
        let cases: Vec<&ScenarioReport> = report
            .scenarios
            .iter()
            .filter(|s| s.suite == suite)
            .collect();
        let failed = cases.iter().filter(|s| s.status == Status::Failed).count();
        let errors = cases.iter().filter(|s| is_error(s)).count();
        let skipped = cases
            .iter()
            .filter(|s| s.status == Status::NotApplicable)
            .count();
        let time: f64 = cases.iter().map(|s| s.duration_ms).sum();
        let _ = writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{}">"#,
            escape_attr(suite),
            cases.len(),
            failed - errors,
            errors,
            skipped,
            seconds(time)
        );
        let _ = writeln!(out, "    <properties>");
        let _ = writeln!(
            out,
            r#"      <property name="host" value="{}"/>"#,
            escape_attr(&report.host.to_string())
        );
        let _ = writeln!(
            out,
            r#"      <property name="sdk" value="{} {}"/>"#,
            escape_attr(&report.sdk.name),
            escape_attr(&report.sdk.version)
        );
        let _ = writeln!(out, "    </properties>");
        for case in cases {
            write_case(&mut out, case);
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

fn is_error(s: &ScenarioReport) -> bool {
    s.status == Status::Failed
        && s.failure.as_ref().is_some_and(|f| {
            matches!(
                f.kind,
                FailureKind::Panic | FailureKind::Timeout | FailureKind::Internal
            )
        })
}

fn write_case(out: &mut String, case: &ScenarioReport) {
    let _ = writeln!(
        out,
        r#"    <testcase name="{}" classname="{}" time="{}">"#,
        escape_attr(&case.id),
        escape_attr(&case.group),
        seconds(case.duration_ms)
    );
    let _ = writeln!(out, "      <properties>");
    for r in &case.requirements {
        let _ = writeln!(
            out,
            r#"        <property name="requirement" value="{}"/>"#,
            escape_attr(r)
        );
    }
    let _ = writeln!(
        out,
        r#"        <property name="title" value="{}"/>"#,
        escape_attr(&case.title)
    );
    let _ = writeln!(out, "      </properties>");
    if let Some(f) = &case.failure {
        let mut message = f.message.clone();
        if let Some(step) = &f.step {
            message = format!("{message} [step: {step}]");
        }
        match case.status {
            Status::NotApplicable => {
                let _ = writeln!(
                    out,
                    r#"      <skipped message="{}"/>"#,
                    escape_attr(&message)
                );
            }
            _ => {
                let element = if is_error(case) { "error" } else { "failure" };
                let _ = writeln!(
                    out,
                    r#"      <{element} message="{}" type="{}">{}</{element}>"#,
                    escape_attr(&message),
                    f.kind.as_str(),
                    escape_markup(&message)
                );
            }
        }
    }
    if !case.steps.is_empty() {
        let mut steps = String::new();
        for s in &case.steps {
            let _ = write!(
                steps,
                "{} [{}] ({:.3} ms)",
                s.name,
                match s.status {
                    crate::StepStatus::Passed => "passed",
                    crate::StepStatus::Failed => "failed",
                    crate::StepStatus::NotApplicable => "not applicable",
                    crate::StepStatus::Interrupted => "interrupted",
                },
                s.duration_ms
            );
            if let Some(m) = &s.message {
                let _ = write!(steps, ": {m}");
            }
            steps.push('\n');
        }
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            escape_markup(&steps)
        );
    }
    let _ = writeln!(out, "    </testcase>");
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
