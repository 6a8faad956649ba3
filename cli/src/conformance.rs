//! `segur conformance`: the REM catalogue, scenario runs and the coverage gate.
//!
//! - `segur conformance list [--requirement ID] [--theme T] [--profile P] [--from REPORT]`
//! - `segur conformance run [--requirement ID] [--theme T] [--profile P] [--scenario GLOB]
//!   [--evidence-config FILE] [--timeout SECS] [--junit FILE] [--json-report FILE]
//!   [--html FILE] [--evidence DIR] [--host reference|bare]
//!   [--cda-stylesheet PATH [--xslt-processor SPEC] [--cda-stylesheet-param NAME=VALUE]…]`
//! - `segur conformance coverage [--requirement ID] [--theme T] [--profile P] [--from REPORT]
//!   [--evidence-config FILE] [--host reference|bare] [--fail-under PCT]` (the selection restricts the
//!   gate's denominator, e.g. `--theme INS --fail-under 100`)
//! - `segur conformance evidence-template` (an evidence config declaring a
//!   file for every `evidence` requirement, to fill in)
//!
//! Exit codes: 0 when every scenario run passed (not-applicable ones do not
//! fail a run) or the coverage is at least `--fail-under`; 1 when a scenario
//! failed or the coverage is below the threshold; 2 on usage errors (unknown
//! requirement id, theme or profile, unreadable evidence config or report,
//! non-empty evidence directory, unwritable output).
//!
//! The global `--json` flag prints the JSON report (`run`), the catalogue
//! (`list`) or the coverage (`coverage`) on stdout. The JSON report file
//! option is `--json-report FILE`, since `--json` is the global flag.
//!
//! The host is the segur-rs reference LGC (`segur_examples::ReferenceLgc`,
//! an in-memory practice software built on the SDK) unless `--host bare`
//! selects the host with no capability, on which only the editor-evidence
//! scenarios can run. An editor runs the scenarios against their own
//! software from their own tests or binary, with `segur_conformance::Runner`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use segur_cda::stylesheet::{StylesheetError, StylesheetRenderer, XsltProcessor};
use segur_conformance::catalogue::{self, CATALOGUE};
use segur_conformance::report::console::{self, ConsoleProgress};
use segur_conformance::report::html::{self, HtmlOptions};
use segur_conformance::report::{Coverage, CoverageStatus, RunReport, junit, pack, percent};
use segur_conformance::{
    BareHost, EvidenceConfig, Filter, Host, Profile, Registry, Requirement, Runner, Silent, Theme,
};
use segur_examples::ReferenceLgc;

use crate::output::{self, CliError};

/// `segur conformance …`
#[derive(Debug, Args)]
pub struct ConformanceCommand {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// List the 129 REM requirements with their scenarios and coverage status.
    List(ListArgs),
    /// Run the scenarios against the host and write the reports.
    Run(RunArgs),
    /// Print requirement coverage; with --fail-under, exit 1 below the threshold.
    Coverage(CoverageArgs),
    /// Print an evidence config skeleton declaring a file for every
    /// organisational (evidence) requirement, to fill in.
    EvidenceTemplate,
}

#[derive(Debug, Args)]
struct Selection {
    /// Only this requirement id, e.g. SC.DMP/CONF.06 (repeatable).
    #[arg(long = "requirement", value_name = "ID", value_parser = parse_requirement)]
    requirements: Vec<&'static Requirement>,
    /// Only this theme: INS, DOC, DMP, MSS, PSC, SOCLE, SSI, ENFANT (repeatable).
    #[arg(long = "theme", value_name = "THEME", value_parser = parse_theme)]
    themes: Vec<Theme>,
    /// Only this profile: general, medecin-traitant, suivi-enfant, centre-sante,
    /// connexion-psc-ciba (repeatable).
    #[arg(long = "profile", value_name = "PROFILE", value_parser = parse_profile)]
    profiles: Vec<Profile>,
}

impl Selection {
    fn filter(&self) -> Filter {
        let mut f = Filter::new();
        for r in &self.requirements {
            f = f.catalogue_requirement(r);
        }
        for t in &self.themes {
            f = f.theme(*t);
        }
        for p in &self.profiles {
            f = f.profile(*p);
        }
        f
    }
}

/// The host the scenarios run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum HostChoice {
    /// The segur-rs reference LGC (in-memory, built on the SDK).
    #[default]
    Reference,
    /// A host with no capability: only editor-evidence scenarios can run.
    Bare,
}

impl HostChoice {
    fn build(self) -> Arc<dyn Host> {
        match self {
            HostChoice::Reference => Arc::new(ReferenceLgc::new()),
            HostChoice::Bare => Arc::new(BareHost::default()),
        }
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    selection: Selection,
    /// Show the coverage status recorded in this JSON report (from `run --json-report`).
    #[arg(long, value_name = "REPORT")]
    from: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    selection: Selection,
    /// Only scenarios whose id matches this glob, e.g. 'ins.*' (repeatable).
    #[arg(long = "scenario", value_name = "GLOB")]
    scenarios: Vec<String>,
    /// The host to run against.
    #[arg(long, value_enum, default_value_t = HostChoice::Reference)]
    host: HostChoice,
    /// The editor's evidence files (JSON, see the segur-conformance docs).
    #[arg(long, value_name = "FILE")]
    evidence_config: Option<PathBuf>,
    /// Per-scenario timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the JSON report.
    #[arg(long, value_name = "FILE")]
    json_report: Option<PathBuf>,
    /// Write the self-contained HTML report.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the evidence pack into this new or empty directory.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    #[command(flatten)]
    display: DisplayArgs,
}

/// The official CDA display stylesheet of SC.CDA/INT.15 (scenario
/// `cda.display.official-stylesheet`), which segur-rs never ships.
#[derive(Debug, Args)]
struct DisplayArgs {
    /// The official ANS display stylesheet: FeuilleDeStyle/CDA-FO.xsl of
    /// ansforge/TestContenuCDA-3-0 (default: $SEGUR_CDA_STYLESHEET). Without
    /// it, SC.CDA/INT.15 is not applicable and stays uncovered.
    #[arg(long, value_name = "PATH")]
    cda_stylesheet: Option<PathBuf>,
    /// The XSLT processor applying it: xsltproc, xsltproc:PATH, saxon:JAR or
    /// 'command:PROGRAM ARG…' with {stylesheet} {input} {output} {params}
    /// (default: $SEGUR_XSLT_PROCESSOR, else xsltproc).
    #[arg(long, value_name = "SPEC", value_parser = parse_processor)]
    xslt_processor: Option<XsltProcessor>,
    /// A stylesheet parameter, e.g. useJavascript=false (repeatable).
    #[arg(long = "cda-stylesheet-param", value_name = "NAME=VALUE")]
    cda_stylesheet_params: Vec<String>,
}

impl DisplayArgs {
    /// The renderer the run is given, from the options or the environment;
    /// a stylesheet that cannot be read is a usage error.
    fn renderer(&self) -> Result<Option<StylesheetRenderer>, CliError> {
        let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let Some(path) = self
            .cda_stylesheet
            .clone()
            .or_else(|| from_env("SEGUR_CDA_STYLESHEET").map(PathBuf::from))
        else {
            if self.xslt_processor.is_some() || !self.cda_stylesheet_params.is_empty() {
                return Err(CliError::usage(
                    "--xslt-processor and --cda-stylesheet-param need --cda-stylesheet (or SEGUR_CDA_STYLESHEET)",
                ));
            }
            return Ok(None);
        };
        let processor = match &self.xslt_processor {
            Some(p) => p.clone(),
            None => match from_env("SEGUR_XSLT_PROCESSOR") {
                Some(spec) => spec
                    .to_string_lossy()
                    .parse()
                    .map_err(|e| CliError::usage(format!("SEGUR_XSLT_PROCESSOR: {e}")))?,
                None => XsltProcessor::xsltproc(),
            },
        };
        let mut renderer = StylesheetRenderer::new(path, processor);
        for param in &self.cda_stylesheet_params {
            let (name, value) = param.split_once('=').ok_or_else(|| {
                CliError::usage(format!(
                    "--cda-stylesheet-param {param:?}: expected NAME=VALUE"
                ))
            })?;
            renderer = renderer.with_param(name, value).map_err(CliError::usage)?;
        }
        renderer.check().map_err(CliError::usage)?;
        Ok(Some(renderer))
    }
}

fn parse_processor(s: &str) -> Result<XsltProcessor, String> {
    s.parse().map_err(|e: StylesheetError| e.to_string())
}

#[derive(Debug, Args)]
struct CoverageArgs {
    /// Gate on the selected requirements only (the run itself is not filtered).
    #[command(flatten)]
    selection: Selection,
    /// Read coverage from this JSON report instead of running the scenarios.
    #[arg(long, value_name = "REPORT", conflicts_with = "evidence_config")]
    from: Option<PathBuf>,
    /// The editor's evidence files, for the run.
    #[arg(long, value_name = "FILE")]
    evidence_config: Option<PathBuf>,
    /// The host to run against (when not reading a report).
    #[arg(long, value_enum, default_value_t = HostChoice::Reference, conflicts_with = "from")]
    host: HostChoice,
    /// The official CDA display stylesheet, for the run (when not reading a report).
    #[command(flatten)]
    display: DisplayArgs,
    /// Exit 1 when fewer than PCT % of the 129 requirements are covered.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    fail_under: Option<f64>,
}

fn parse_requirement(s: &str) -> Result<&'static Requirement, String> {
    catalogue::lookup(s.trim()).map_err(|e| e.to_string())
}

fn parse_theme(s: &str) -> Result<Theme, String> {
    s.parse()
        .map_err(|e: segur_conformance::Error| e.to_string())
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    s.parse()
        .map_err(|e: segur_conformance::Error| e.to_string())
}

fn parse_percent(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 100"))
    }
}

/// Runs `segur conformance …`.
pub fn run(cmd: &ConformanceCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        Sub::List(args) => list(args, json),
        Sub::Run(args) => run_scenarios(args, json),
        Sub::Coverage(args) => coverage(args, json),
        // The template is JSON already: `--json` changes nothing.
        Sub::EvidenceTemplate => {
            print!("{}", EvidenceConfig::template());
            Ok(())
        }
    }
}

fn registry() -> Result<Registry, CliError> {
    // A failure here is a bug in a built-in scenario's registration.
    Registry::builtin().map_err(|e| CliError::Failed(anyhow!("built-in scenarios: {e}")))
}

fn load_report(path: &Path) -> Result<RunReport, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    RunReport::from_json(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))
}

fn load_evidence(path: Option<&Path>) -> Result<EvidenceConfig, CliError> {
    match path {
        None => Ok(EvidenceConfig::empty()),
        Some(p) => EvidenceConfig::load(p).map_err(CliError::usage),
    }
}

fn list(args: &ListArgs, json: bool) -> Result<(), CliError> {
    let registry = registry()?;
    let report = args.from.as_deref().map(load_report).transpose()?;
    let coverage = match &report {
        Some(r) => r.coverage.clone(),
        None => Coverage::compute(&registry, &[]),
    };
    let filter = args.selection.filter();
    let rows: Vec<_> = CATALOGUE
        .iter()
        .filter(|r| filter.matches_requirement(r))
        .filter_map(|r| coverage.requirement(r.id).map(|c| (r, c)))
        .collect();
    let value = serde_json::json!({
        "total": rows.len(),
        "source": args.from.as_ref().map(|p| p.display().to_string()),
        "requirements": rows.iter().map(|(_, c)| c).collect::<Vec<_>>(),
    });
    output::print(json, &value, || {
        let mut out = format!(
            "{:<20} {:<6} {:<8} {:>9}  {:<14} {}\n",
            "ID", "THEME", "CHECK", "SCENARIOS", "STATUS", "PROFILES"
        );
        for (r, c) in &rows {
            let profiles: Vec<&str> = r.profiles.iter().map(|p| p.label()).collect();
            out.push_str(&format!(
                "{:<20} {:<6} {:<8} {:>9}  {:<14} {}\n",
                r.id,
                r.theme.code(),
                r.check.as_str(),
                c.scenarios.len(),
                c.status.as_str().replace('_', " "),
                profiles.join(", ")
            ));
        }
        let with_scenarios = rows.iter().filter(|(_, c)| !c.scenarios.is_empty()).count();
        out.push_str(&format!(
            "{} requirement(s), {} with at least one scenario",
            rows.len(),
            with_scenarios
        ));
        if let Some(r) = &report {
            out.push_str(&format!(
                "; coverage {}/{} ({} %) in {}",
                r.coverage.covered,
                r.coverage.total,
                r.coverage.percent,
                args.from.as_deref().unwrap_or(Path::new("")).display()
            ));
        }
        out
    })
}

fn check_output_parent(path: &Path) -> Result<(), CliError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() && !p.is_dir() => Err(CliError::usage(format!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            p.display()
        ))),
        _ => Ok(()),
    }
}

fn write_file(path: &Path, content: &str) -> Result<(), CliError> {
    std::fs::write(path, content)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))
}

fn run_scenarios(args: &RunArgs, json: bool) -> Result<(), CliError> {
    let evidence = load_evidence(args.evidence_config.as_deref())?;
    // Fail on unusable outputs before spending time on the run.
    for p in [&args.junit, &args.json_report, &args.html]
        .into_iter()
        .flatten()
    {
        check_output_parent(p)?;
    }
    if let Some(dir) = &args.evidence
        && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
    {
        return Err(CliError::usage(format!(
            "evidence directory {} is not empty",
            dir.display()
        )));
    }
    let mut filter = args.selection.filter();
    for glob in &args.scenarios {
        filter = filter.scenario(glob.clone());
    }
    let mut runner = Runner::new(registry()?, args.host.build())
        .filter(filter)
        .default_timeout(Duration::from_secs(args.timeout))
        .evidence_config(evidence);
    if let Some(renderer) = args.display.renderer()? {
        runner = runner.cda_stylesheet(renderer);
    }
    let mut progress = ConsoleProgress::stderr();
    let outcome = runner
        .run_blocking(&mut progress)
        .map_err(|e| CliError::Failed(e.into()))?;
    let report = outcome.report();

    if let Some(dir) = &args.evidence {
        pack::write(dir, &outcome).map_err(CliError::usage)?;
    }
    if let Some(path) = &args.html {
        let options = match &args.evidence {
            Some(dir) => HtmlOptions::with_pack(relative_link(path, dir)),
            None => HtmlOptions::standalone(),
        };
        write_file(path, &html::render(report, &options))?;
    }
    if let Some(path) = &args.junit {
        write_file(path, &junit::render(report))?;
    }
    if let Some(path) = &args.json_report {
        write_file(path, &report.to_json())?;
    }

    if json {
        crate::output::write_stdout(&format!("{}\n", report.to_json()))?;
    } else {
        crate::output::write_stdout(&console::summary(report))?;
    }
    if report.is_success() {
        Ok(())
    } else {
        let ids: Vec<&str> = report.failed().map(|s| s.id.as_str()).collect();
        Err(CliError::Failed(anyhow!(
            "{} scenario(s) failed: {}",
            ids.len(),
            ids.join(", ")
        )))
    }
}

/// The path from the folder of `file` to `dir`, with `/` separators, for
/// links; absolute when no relative path can be found.
fn relative_link(file: &Path, dir: &Path) -> String {
    let absolute = |p: &Path| -> Option<PathBuf> { std::path::absolute(p).ok() };
    let from = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let (Some(from), Some(to)) = (absolute(&from), absolute(dir)) else {
        return dir.display().to_string();
    };
    let normal = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        parts
    };
    let (from, to) = (normal(&from), normal(&to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    parts.join("/")
}

fn coverage(args: &CoverageArgs, json: bool) -> Result<(), CliError> {
    let report = match &args.from {
        Some(path) => load_report(path)?,
        None => {
            let evidence = load_evidence(args.evidence_config.as_deref())?;
            let mut runner = Runner::new(registry()?, args.host.build()).evidence_config(evidence);
            if let Some(renderer) = args.display.renderer()? {
                runner = runner.cda_stylesheet(renderer);
            }
            runner
                .run_blocking(&mut Silent)
                .map_err(|e| CliError::Failed(e.into()))?
                .into_report()
        }
    };
    let c = &report.coverage;
    let filter = args.selection.filter();
    let selected: Vec<_> = CATALOGUE
        .iter()
        .filter(|r| filter.matches_requirement(r))
        .filter_map(|r| c.requirement(r.id))
        .collect();
    let total = selected.len();
    let covered = selected
        .iter()
        .filter(|r| r.status == CoverageStatus::Covered)
        .count();
    let mut value = serde_json::to_value(c).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "selected".to_owned(),
            serde_json::json!({
                "total": total,
                "covered": covered,
                "percent": percent(covered, total),
            }),
        );
    }
    output::print(json, &value, || {
        let mut out = format!(
            "coverage: {}/{} requirements ({} %) with at least one passing scenario\n",
            c.covered, c.total, c.percent
        );
        if !filter.is_empty() {
            out.push_str(&format!(
                "selected: {covered}/{total} requirements ({} %)\n",
                percent(covered, total)
            ));
        }
        for (title, buckets) in [("theme", &c.themes), ("profile", &c.profiles)] {
            out.push_str(&format!("per {title}:\n"));
            for b in buckets {
                out.push_str(&format!(
                    "  {:<36} {:>3}/{:<3} {:>5} %\n",
                    b.label, b.covered, b.total, b.percent
                ));
            }
        }
        out.trim_end().to_owned()
    })?;
    if let Some(threshold) = args.fail_under {
        // Compare the exact ratio, not the rounded percentage.
        let exact = if total == 0 {
            0.0
        } else {
            covered as f64 * 100.0 / total as f64
        };
        if exact < threshold {
            return Err(CliError::Failed(anyhow!(
                "coverage {} % ({covered}/{total}) is below --fail-under {threshold} %",
                percent(covered, total),
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        assert_eq!(
            relative_link(Path::new("/out/report.html"), Path::new("/out/pack")),
            "pack"
        );
        assert_eq!(
            relative_link(Path::new("/out/html/report.html"), Path::new("/out/pack")),
            "../pack"
        );
        assert_eq!(relative_link(Path::new("/a/b.html"), Path::new("/a")), "");
    }

    #[test]
    fn percents() {
        assert_eq!(parse_percent("80"), Ok(80.0));
        assert_eq!(parse_percent("12.5%"), Ok(12.5));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("abc").is_err());
    }
}
