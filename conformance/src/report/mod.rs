//! The run report and its renderings: JSON (this module), JUnit
//! ([`junit`]), HTML ([`html`]), console ([`console`]) and the evidence pack
//! ([`pack`]).
//!
//! # JSON schema (`schema_version` 1)
//!
//! [`RunReport`] serialises to the JSON written by `--json-report FILE` (and
//! by `segur --json conformance run` on stdout). The schema is stable: fields
//! may be added in a minor release; renaming or removing one, or changing its
//! meaning, bumps `schema_version`. Times are RFC 3339; durations are
//! milliseconds (floating point); hashes are lower-case hex SHA-256.
//!
//! | field | content |
//! |---|---|
//! | `schema_version` | `1` |
//! | `sdk` | `{name, version}` of segur-conformance |
//! | `host` | `{name, version, editor?}` as reported by the host adapter |
//! | `started_at`, `finished_at`, `duration_ms` | wall-clock run times |
//! | `virtual_epoch` | the virtual clock's start, for every scenario |
//! | `default_timeout_ms` | per-scenario timeout unless a scenario overrides it |
//! | `filter` | `{requirements[], themes[], profiles[], scenarios[]}` as given |
//! | `summary` | `{total, passed, failed, not_applicable}` scenario counts |
//! | `scenarios[]` | `{id, suite, group, title, requirements[], status, duration_ms, failure?, steps[], artefacts[]}` |
//! | `scenarios[].status` | `passed`, `failed` or `not_applicable` |
//! | `scenarios[].failure` | `{kind, message, step?}`; `kind` is `check`, `host`, `service`, `not_applicable`, `timeout`, `panic` or `internal`; `step` names the step that failed or was interrupted |
//! | `scenarios[].steps[]` | `{name, status, duration_ms, message?}`; `status` is `passed`, `failed`, `not_applicable` or `interrupted` |
//! | `scenarios[].artefacts[]` | `{seq, kind, name, service?, media_type, file_name, sha256, size, recorded_at}`; `kind` is `request`, `response`, `document`, `validation_report`, `rendering` or `note`; `file_name` is its name in the evidence pack |
//! | `evidence[]` | one entry per declared editor file: `{requirement, path, description?, status, sha256?, size?, message?}`; `status` is `provided`, `missing`, `empty` or `unreadable` |
//! | `coverage` | `{total, covered, percent, requirements[], themes[], profiles[]}` |
//! | `coverage.requirements[]` | every catalogue requirement: `{id, theme, check, crates[], profiles[], summary, status, scenarios[]}`; `status` is `covered` (a scenario passed), `failed`, `not_applicable`, `not_run` (scenarios exist, none selected) or `no_scenario`; `scenarios[]` is `{id, status?}` for every registered scenario (no `status` when not run) |
//! | `coverage.themes[]`, `coverage.profiles[]` | `{key, label, total, covered, percent}` |
//!
//! Theme keys are the catalogue codes (`INS`…); profile keys are slugs
//! (`general`, `medecin-traitant`, `suivi-enfant`, `centre-sante`,
//! `connexion-psc-ciba`); crates are folder names (`carte-vitale`).

pub mod console;
pub mod html;
pub mod junit;
pub mod pack;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalogue::{CATALOGUE, CheckKind, Profile, SegurCrate, Theme};
use crate::context::StepStatus;
use crate::error::Error;
use crate::evidence::{ArtefactKind, EvidenceFileStatus};
use crate::failure::FailureKind;
use crate::host::HostInfo;
use crate::model::{Filter, Registry};

/// The JSON schema version this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Outcome of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Every step passed.
    Passed,
    /// A check failed, the host or a simulator failed, it panicked or timed out.
    Failed,
    /// It could not run against this host (missing capability or evidence):
    /// does not fail the run, does not count as passed.
    NotApplicable,
}

impl Status {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotApplicable => "not_applicable",
        }
    }
}

/// The SDK that produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SdkInfo {
    /// `segur-conformance`.
    pub name: String,
    /// Its version.
    pub version: String,
}

impl SdkInfo {
    /// This crate.
    pub fn current() -> Self {
        SdkInfo {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// The filter a run used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FilterReport {
    /// `--requirement` values.
    pub requirements: Vec<String>,
    /// `--theme` values.
    pub themes: Vec<Theme>,
    /// `--profile` values.
    pub profiles: Vec<Profile>,
    /// `--scenario` globs.
    pub scenarios: Vec<String>,
}

impl From<&Filter> for FilterReport {
    fn from(f: &Filter) -> Self {
        FilterReport {
            requirements: f.requirement_ids().into_iter().map(str::to_owned).collect(),
            themes: f.themes().to_vec(),
            profiles: f.profiles().to_vec(),
            scenarios: f.scenario_globs().to_vec(),
        }
    }
}

/// Scenario counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Scenarios run.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Not applicable.
    pub not_applicable: usize,
}

/// Why a scenario did not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailureReport {
    /// Failure family.
    pub kind: FailureKind,
    /// Human message.
    pub message: String,
    /// The step that failed or was interrupted, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepReport {
    /// What it does.
    pub name: String,
    /// Its outcome.
    pub status: StepStatus,
    /// Wall-clock duration.
    pub duration_ms: f64,
    /// Failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One artefact recorded by a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArtefactReport {
    /// Recording order, from 1.
    pub seq: u32,
    /// What it is.
    pub kind: ArtefactKind,
    /// Name given by the recorder.
    pub name: String,
    /// The simulated service, for exchanges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// MIME type.
    pub media_type: String,
    /// File name in the evidence pack.
    pub file_name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Virtual time of recording.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScenarioReport {
    /// Full id (`ins.datamatrix.found`).
    pub id: String,
    /// Suite id.
    pub suite: String,
    /// Group id (`ins.datamatrix`).
    pub group: String,
    /// Title.
    pub title: String,
    /// Requirement ids it is tagged with.
    pub requirements: Vec<String>,
    /// Outcome.
    pub status: Status,
    /// Wall-clock duration.
    pub duration_ms: f64,
    /// Why it did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReport>,
    /// Recorded steps.
    pub steps: Vec<StepReport>,
    /// Recorded artefacts.
    pub artefacts: Vec<ArtefactReport>,
}

/// One editor evidence file and its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EvidenceReport {
    /// Requirement id.
    pub requirement: String,
    /// Path as declared.
    pub path: String,
    /// Editor's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the check found.
    pub status: EvidenceFileStatus,
    /// SHA-256 when provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Why it is not provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Coverage state of one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CoverageStatus {
    /// At least one scenario tagged with it passed.
    Covered,
    /// Scenarios ran, none passed, at least one failed.
    Failed,
    /// Scenarios ran, all were not applicable.
    NotApplicable,
    /// Scenarios exist but none was selected by the filter.
    NotRun,
    /// No scenario is registered for it yet.
    NoScenario,
}

impl CoverageStatus {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Covered => "covered",
            CoverageStatus::Failed => "failed",
            CoverageStatus::NotApplicable => "not_applicable",
            CoverageStatus::NotRun => "not_run",
            CoverageStatus::NoScenario => "no_scenario",
        }
    }
}

/// A registered scenario of a requirement and its outcome in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequirementScenario {
    /// Scenario id.
    pub id: String,
    /// Outcome; absent when it was not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Coverage of one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequirementCoverage {
    /// Official id.
    pub id: String,
    /// Theme.
    pub theme: Theme,
    /// Check kind.
    pub check: CheckKind,
    /// Crates.
    pub crates: Vec<SegurCrate>,
    /// Profiles.
    pub profiles: Vec<Profile>,
    /// Summary.
    pub summary: String,
    /// Coverage state.
    pub status: CoverageStatus,
    /// Every registered scenario tagged with it.
    pub scenarios: Vec<RequirementScenario>,
}

/// Coverage of a theme or profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BucketCoverage {
    /// Theme code or profile slug.
    pub key: String,
    /// Human label.
    pub label: String,
    /// Requirements in the bucket.
    pub total: usize,
    /// Of which covered.
    pub covered: usize,
    /// `covered / total` in percent, one decimal.
    pub percent: f64,
}

/// Requirement coverage: ids with at least one passing scenario, over the
/// whole catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coverage {
    /// Catalogue size (129).
    pub total: usize,
    /// Requirements covered.
    pub covered: usize,
    /// `covered / total` in percent, one decimal.
    pub percent: f64,
    /// Every requirement, in catalogue order.
    pub requirements: Vec<RequirementCoverage>,
    /// Per theme, in catalogue order.
    pub themes: Vec<BucketCoverage>,
    /// Per profile, in DSR order.
    pub profiles: Vec<BucketCoverage>,
}

/// `part / whole` in percent with one decimal (0 when `whole` is 0).
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl Coverage {
    /// Computes coverage from the registry (to tell *not run* from *no
    /// scenario*) and the scenario results of a run.
    pub fn compute(registry: &Registry, results: &[ScenarioReport]) -> Self {
        let requirements: Vec<RequirementCoverage> = CATALOGUE
            .iter()
            .map(|r| {
                let scenarios: Vec<RequirementScenario> = registry
                    .for_requirement(r.id)
                    .map(|s| RequirementScenario {
                        id: s.id().as_str().to_owned(),
                        status: results
                            .iter()
                            .find(|x| x.id == s.id().as_str())
                            .map(|x| x.status),
                    })
                    .collect();
                let ran: Vec<Status> = scenarios.iter().filter_map(|s| s.status).collect();
                let status = if scenarios.is_empty() {
                    CoverageStatus::NoScenario
                } else if ran.contains(&Status::Passed) {
                    CoverageStatus::Covered
                } else if ran.contains(&Status::Failed) {
                    CoverageStatus::Failed
                } else if ran.is_empty() {
                    CoverageStatus::NotRun
                } else {
                    CoverageStatus::NotApplicable
                };
                RequirementCoverage {
                    id: r.id.to_owned(),
                    theme: r.theme,
                    check: r.check,
                    crates: r.crates.to_vec(),
                    profiles: r.profiles.to_vec(),
                    summary: r.summary.to_owned(),
                    status,
                    scenarios,
                }
            })
            .collect();
        let bucket = |key: &str, label: &str, members: Vec<&RequirementCoverage>| {
            let covered = members
                .iter()
                .filter(|r| r.status == CoverageStatus::Covered)
                .count();
            BucketCoverage {
                key: key.to_owned(),
                label: label.to_owned(),
                total: members.len(),
                covered,
                percent: percent(covered, members.len()),
            }
        };
        let themes = Theme::ALL
            .iter()
            .map(|t| {
                bucket(
                    t.code(),
                    t.label(),
                    requirements.iter().filter(|r| r.theme == *t).collect(),
                )
            })
            .collect();
        let profiles = Profile::ALL
            .iter()
            .map(|p| {
                bucket(
                    p.slug(),
                    p.label(),
                    requirements
                        .iter()
                        .filter(|r| r.profiles.contains(p))
                        .collect(),
                )
            })
            .collect();
        let covered = requirements
            .iter()
            .filter(|r| r.status == CoverageStatus::Covered)
            .count();
        Coverage {
            total: requirements.len(),
            covered,
            percent: percent(covered, requirements.len()),
            requirements,
            themes,
            profiles,
        }
    }

    /// The coverage entry of one requirement.
    pub fn requirement(&self, id: &str) -> Option<&RequirementCoverage> {
        self.requirements.iter().find(|r| r.id == id)
    }
}

/// The complete, serialisable result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The SDK.
    pub sdk: SdkInfo,
    /// The host under test.
    pub host: HostInfo,
    /// Wall-clock start.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Wall-clock end.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// Wall-clock duration.
    pub duration_ms: f64,
    /// Virtual clock start of every scenario.
    #[serde(with = "time::serde::rfc3339")]
    pub virtual_epoch: OffsetDateTime,
    /// Default per-scenario timeout.
    pub default_timeout_ms: u64,
    /// The filter used.
    pub filter: FilterReport,
    /// Counts.
    pub summary: Summary,
    /// Every scenario run, in run order.
    pub scenarios: Vec<ScenarioReport>,
    /// Every declared editor evidence file.
    pub evidence: Vec<EvidenceReport>,
    /// Requirement coverage.
    pub coverage: Coverage,
}

impl RunReport {
    /// Pretty JSON, per the schema above.
    pub fn to_json(&self) -> String {
        // Serialising these plain data types cannot fail (no maps with
        // non-string keys, no failing Serialize impls).
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a JSON report back, checking `schema_version` first.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::Report(e.to_string()))?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(Error::Report(format!(
                    "schema_version {v} is not supported (expected {SCHEMA_VERSION})"
                )));
            }
            None => return Err(Error::Report("no schema_version".to_owned())),
        }
        serde_json::from_value(value).map_err(|e| Error::Report(e.to_string()))
    }

    /// Whether no scenario failed.
    pub fn is_success(&self) -> bool {
        self.summary.failed == 0
    }

    /// The scenarios that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioReport> {
        self.scenarios.iter().filter(|s| s.status == Status::Failed)
    }
}

pub(crate) fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// Escapes text for XML and HTML (text and double- or single-quoted
/// attributes). Characters XML 1.0 forbids even escaped (C0 controls other
/// than tab, LF, CR; U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Like [`escape_markup`], also escaping tab, LF and CR so attribute values
/// keep them (XML normalises raw ones to spaces).
pub(crate) fn escape_attr(s: &str) -> String {
    escape_markup(s)
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_markup(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_markup("a\u{1}b\u{FFFF}"), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(escape_attr("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 129), 0.8);
        assert_eq!(percent(129, 129), 100.0);
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(2, 3), 66.7);
    }

    #[test]
    fn coverage_without_scenarios() {
        let c = Coverage::compute(&Registry::new(), &[]);
        assert_eq!(c.total, 129);
        assert_eq!(c.covered, 0);
        assert!(
            c.requirements
                .iter()
                .all(|r| r.status == CoverageStatus::NoScenario)
        );
        assert_eq!(c.themes.len(), 8);
        assert_eq!(c.themes.iter().map(|t| t.total).sum::<usize>(), 129);
        assert_eq!(c.profiles[0].total, 129);
    }
}
