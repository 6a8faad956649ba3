//! Console output: a progress observer and the end-of-run summary.
//!
//! On a terminal, [`ConsoleProgress`] redraws one progress-bar line on
//! stderr and prints failures above it as they happen; otherwise (CI logs,
//! pipes) it prints one plain line per scenario.

use std::io::{IsTerminal, Write};

use super::{RunReport, ScenarioReport, Status};
use crate::model::RegisteredScenario;
use crate::runner::RunObserver;

/// How [`ConsoleProgress`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A redrawn progress bar (for terminals).
    Bar,
    /// One line per scenario.
    Lines,
    /// Nothing.
    Quiet,
}

impl ProgressStyle {
    /// [`ProgressStyle::Bar`] when stderr is a terminal, else [`ProgressStyle::Lines`].
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() {
            ProgressStyle::Bar
        } else {
            ProgressStyle::Lines
        }
    }
}

/// A [`RunObserver`] that shows progress on a writer (usually stderr).
pub struct ConsoleProgress<W: Write + Send> {
    out: W,
    style: ProgressStyle,
    current: String,
}

impl<W: Write + Send> std::fmt::Debug for ConsoleProgress<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleProgress")
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

impl ConsoleProgress<std::io::Stderr> {
    /// Progress on stderr, bar or lines depending on whether it is a terminal.
    pub fn stderr() -> Self {
        ConsoleProgress::new(std::io::stderr(), ProgressStyle::detect())
    }
}

impl<W: Write + Send> ConsoleProgress<W> {
    /// Progress on `out` in the given style.
    pub fn new(out: W, style: ProgressStyle) -> Self {
        ConsoleProgress {
            out,
            style,
            current: String::new(),
        }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn bar(&mut self, done: usize, total: usize) {
        const WIDTH: usize = 24;
        let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
        let _ = write!(
            self.out,
            "\r\x1b[2K[{}{}] {done}/{total} {}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.current
        );
        let _ = self.out.flush();
    }
}

fn tag(status: Status) -> &'static str {
    match status {
        Status::Passed => "PASS",
        Status::Failed => "FAIL",
        Status::NotApplicable => "N/A ",
    }
}

/// One line for a finished scenario: `FAIL ins.x.y (1.2 ms) — message`.
pub fn scenario_line(result: &ScenarioReport) -> String {
    let mut line = format!(
        "{} {} ({:.1} ms)",
        tag(result.status),
        result.id,
        result.duration_ms
    );
    if let Some(f) = &result.failure {
        line.push_str(" — ");
        line.push_str(&one_line(&f.message));
    }
    line
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<W: Write + Send> RunObserver for ConsoleProgress<W> {
    fn run_started(&mut self, total: usize) {
        if self.style == ProgressStyle::Bar {
            self.bar(0, total);
        }
    }

    fn scenario_started(&mut self, index: usize, total: usize, scenario: &RegisteredScenario) {
        if self.style == ProgressStyle::Bar {
            self.current = scenario.id().as_str().to_owned();
            self.bar(index, total);
        }
    }

    fn scenario_finished(&mut self, index: usize, total: usize, result: &ScenarioReport) {
        match self.style {
            ProgressStyle::Quiet => {}
            ProgressStyle::Lines => {
                let width = total.to_string().len();
                let _ = writeln!(
                    self.out,
                    "[{:>width$}/{total}] {}",
                    index + 1,
                    scenario_line(result)
                );
            }
            ProgressStyle::Bar => {
                if result.status == Status::Failed {
                    let _ = writeln!(self.out, "\r\x1b[2K{}", scenario_line(result));
                }
                self.bar(index + 1, total);
            }
        }
    }

    fn run_finished(&mut self, _report: &RunReport) {
        if self.style == ProgressStyle::Bar {
            let _ = write!(self.out, "\r\x1b[2K");
            let _ = self.out.flush();
        }
    }
}

/// The human summary printed at the end of a run.
pub fn summary(report: &RunReport) -> String {
    let s = &report.summary;
    let mut out = format!(
        "segur conformance: {} scenario(s) run against {}: {} passed, {} failed, {} not applicable ({:.2} s)\n",
        s.total,
        report.host,
        s.passed,
        s.failed,
        s.not_applicable,
        report.duration_ms / 1000.0
    );
    out.push_str(&format!(
        "coverage: {}/{} requirements ({} %) with at least one passing scenario\n",
        report.coverage.covered, report.coverage.total, report.coverage.percent
    ));
    let missing: Vec<_> = report
        .evidence
        .iter()
        .filter(|e| e.status != crate::EvidenceFileStatus::Provided)
        .collect();
    if !report.evidence.is_empty() {
        out.push_str(&format!(
            "editor evidence: {} file(s) declared, {} provided, {} not provided\n",
            report.evidence.len(),
            report.evidence.len() - missing.len(),
            missing.len()
        ));
    }
    let failed: Vec<_> = report.failed().collect();
    if !failed.is_empty() {
        out.push_str("failed:\n");
        for f in failed {
            out.push_str(&format!(
                "  {} [{}]: {}\n",
                f.id,
                f.requirements.join(", "),
                f.failure
                    .as_ref()
                    .map(|x| one_line(&x.message))
                    .unwrap_or_default()
            ));
        }
    }
    out
}
