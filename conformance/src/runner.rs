//! The runner: runs the selected scenarios against a host, one at a time,
//! each on its own tokio task with a timeout, and builds the [`RunReport`].
//!
//! Guarantees:
//! - a scenario that returns a [`Failure`], panics or exceeds its timeout is
//!   recorded as failed with a clear message and the run goes on;
//! - each scenario gets a fresh [`RunContext`]: virtual clock at the run's
//!   epoch, id counter at 1, no simulated service started, no evidence;
//! - the host's [`Host::reset`] then [`Host::prepare`] (the scenario's clock
//!   and id source) run before each scenario, inside its timeout.
//!
//! Scenarios run sequentially, in registration order, so runs are
//! reproducible. A host that blocks its thread (instead of awaiting) can only
//! be timed out on a multi-thread runtime, which [`Runner::run_blocking`]
//! builds.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use segur_cda::stylesheet::StylesheetRenderer;
use time::OffsetDateTime;

use crate::context::{ContextParts, RunContext, StepStatus};
use crate::error::Error;
use crate::evidence::{Artefact, EditorEvidenceCheck, EvidenceConfig};
use crate::failure::{Failure, FailureKind};
use crate::host::{Host, HostEnvironment};
use crate::model::{Filter, RegisteredScenario, Registry};
use crate::report::{
    ArtefactReport, Coverage, EvidenceReport, FailureReport, FilterReport, RunReport,
    SCHEMA_VERSION, ScenarioReport, SdkInfo, Status, StepReport, Summary, millis,
};

/// The default virtual epoch: 2025-03-03 08:00 UTC (a Monday morning).
pub const DEFAULT_EPOCH: OffsetDateTime = time::macros::datetime!(2025-03-03 08:00 UTC);

/// The default per-scenario timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Follows a run as it goes (progress display). Every method defaults to
/// doing nothing.
pub trait RunObserver: Send {
    /// The run starts with `total` selected scenarios.
    fn run_started(&mut self, total: usize) {
        let _ = total;
    }

    /// Scenario number `index` (from 0) starts.
    fn scenario_started(&mut self, index: usize, total: usize, scenario: &RegisteredScenario) {
        let _ = (index, total, scenario);
    }

    /// Scenario number `index` ended.
    fn scenario_finished(&mut self, index: usize, total: usize, result: &ScenarioReport) {
        let _ = (index, total, result);
    }

    /// The run ended.
    fn run_finished(&mut self, report: &RunReport) {
        let _ = report;
    }
}

/// An observer that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl RunObserver for Silent {}

/// What a run produced: the report, plus the artefacts and editor evidence
/// checks the evidence pack needs.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    report: RunReport,
    artefacts: BTreeMap<String, Vec<Artefact>>,
    editor_evidence: Vec<EditorEvidenceCheck>,
}

impl RunOutcome {
    /// The report.
    pub fn report(&self) -> &RunReport {
        &self.report
    }

    /// Takes the report.
    pub fn into_report(self) -> RunReport {
        self.report
    }

    /// The artefacts recorded by one scenario.
    pub fn artefacts(&self, scenario_id: &str) -> &[Artefact] {
        self.artefacts
            .get(scenario_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The checks of the editor's declared evidence files.
    pub fn editor_evidence(&self) -> &[EditorEvidenceCheck] {
        &self.editor_evidence
    }
}

/// Runs scenarios against one host.
///
/// ```
/// use std::sync::Arc;
/// use segur_conformance::{BareHost, Registry, Runner, Silent};
///
/// let runner = Runner::new(Registry::builtin()?, Arc::new(BareHost::default()));
/// let outcome = runner.run_blocking(&mut Silent)?;
/// // Against a host with no capability and no evidence declared, nothing
/// // fails and nothing is covered.
/// assert!(outcome.report().is_success());
/// assert_eq!(outcome.report().coverage.covered, 0);
/// # Ok::<(), segur_conformance::Error>(())
/// ```
pub struct Runner {
    registry: Registry,
    host: Arc<dyn Host>,
    filter: Filter,
    timeout: Duration,
    epoch: OffsetDateTime,
    evidence: EvidenceConfig,
    cda_stylesheet: Option<StylesheetRenderer>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("scenarios", &self.registry.len())
            .field("host", &self.host.info())
            .field("filter", &self.filter)
            .field("timeout", &self.timeout)
            .field("epoch", &self.epoch)
            .field("cda_stylesheet", &self.cda_stylesheet)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner over `registry`, driving `host`.
    pub fn new(registry: Registry, host: Arc<dyn Host>) -> Self {
        Runner {
            registry,
            host,
            filter: Filter::new(),
            timeout: DEFAULT_TIMEOUT,
            epoch: DEFAULT_EPOCH,
            evidence: EvidenceConfig::empty(),
            cda_stylesheet: None,
        }
    }

    /// Selects scenarios (default: all).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// Sets the per-scenario timeout (default [`DEFAULT_TIMEOUT`]); a
    /// scenario's own timeout wins.
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the virtual clock's start (default [`DEFAULT_EPOCH`]).
    pub fn epoch(mut self, epoch: OffsetDateTime) -> Self {
        self.epoch = epoch;
        self
    }

    /// Sets the editor's evidence files (default: none declared).
    pub fn evidence_config(mut self, config: EvidenceConfig) -> Self {
        self.evidence = config;
        self
    }

    /// Sets the official CDA display stylesheet (ANS `CDA-FO.xsl`, which
    /// the SDK never ships) and its XSLT processor: scenario
    /// `cda.display.official-stylesheet` (SC.CDA/INT.15) applies it and
    /// compares the host's display with it; the host receives it in its
    /// [`HostEnvironment`]. Without it that scenario is not applicable.
    pub fn cda_stylesheet(mut self, renderer: StylesheetRenderer) -> Self {
        self.cda_stylesheet = Some(renderer);
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The scenarios the filter selects, in run order.
    pub fn selected(&self) -> Vec<&RegisteredScenario> {
        self.registry.select(&self.filter)
    }

    /// Runs on a new multi-thread tokio runtime (2 workers). Fails, rather
    /// than panicking, when called from inside a runtime: use
    /// [`Runner::run`] there.
    pub fn run_blocking(&self, observer: &mut dyn RunObserver) -> Result<RunOutcome, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Runtime(std::io::Error::other(
                "run_blocking was called from inside an async runtime; await Runner::run instead",
            )));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let outcome = runtime.block_on(self.run(observer));
        // A host that blocked its thread past a timeout may still hold a
        // worker: do not wait for it to give it back.
        runtime.shutdown_timeout(Duration::from_millis(100));
        Ok(outcome)
    }

    /// Runs the selected scenarios. Must be called inside a tokio runtime
    /// with the time driver enabled.
    pub async fn run(&self, observer: &mut dyn RunObserver) -> RunOutcome {
        let started_at = OffsetDateTime::now_utc();
        let started = Instant::now();
        let editor_evidence = Arc::new(self.evidence.check());
        let selected = self.selected();
        let total = selected.len();
        observer.run_started(total);

        let mut scenarios = Vec::with_capacity(total);
        let mut artefacts = BTreeMap::new();
        for (index, scenario) in selected.into_iter().enumerate() {
            observer.scenario_started(index, total, scenario);
            let (report, recorded) = self.run_one(scenario, Arc::clone(&editor_evidence)).await;
            observer.scenario_finished(index, total, &report);
            artefacts.insert(report.id.clone(), recorded);
            scenarios.push(report);
        }

        let summary = Summary {
            total: scenarios.len(),
            passed: count(&scenarios, Status::Passed),
            failed: count(&scenarios, Status::Failed),
            not_applicable: count(&scenarios, Status::NotApplicable),
        };
        let coverage = Coverage::compute(&self.registry, &scenarios);
        let evidence = editor_evidence
            .iter()
            .map(|c| EvidenceReport {
                requirement: c.requirement.id.to_owned(),
                path: c.path.clone(),
                description: c.description.clone(),
                status: c.status,
                sha256: c.sha256.clone(),
                size: c.size,
                message: c.message.clone(),
            })
            .collect();
        let report = RunReport {
            schema_version: SCHEMA_VERSION,
            sdk: SdkInfo::current(),
            host: self.host.info(),
            started_at,
            finished_at: OffsetDateTime::now_utc(),
            duration_ms: millis(started.elapsed()),
            virtual_epoch: self.epoch,
            default_timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            filter: FilterReport::from(&self.filter),
            summary,
            scenarios,
            evidence,
            coverage,
        };
        observer.run_finished(&report);
        RunOutcome {
            report,
            artefacts,
            editor_evidence: editor_evidence.as_ref().clone(),
        }
    }

    async fn run_one(
        &self,
        scenario: &RegisteredScenario,
        editor_evidence: Arc<Vec<EditorEvidenceCheck>>,
    ) -> (ScenarioReport, Vec<Artefact>) {
        let started = Instant::now();
        let timeout = scenario.timeout().unwrap_or(self.timeout);
        let ctx = RunContext::new(ContextParts {
            scenario: scenario.id().clone(),
            requirements: scenario.requirements().to_vec(),
            epoch: self.epoch,
            host: Arc::clone(&self.host),
            editor_evidence,
            cda_stylesheet: self.cda_stylesheet.clone(),
        });

        let task_ctx = ctx.clone();
        let task_scenario = scenario.clone();
        let host = Arc::clone(&self.host);
        // Its own task: a panic is caught by tokio (JoinError::is_panic) and a
        // timed-out scenario can be aborted without touching the runner.
        let mut env = HostEnvironment::new(ctx.clock().clone(), ctx.ids().clone());
        if let Some(renderer) = &self.cda_stylesheet {
            env = env.with_cda_stylesheet(renderer.clone());
        }
        let handle = tokio::spawn(async move {
            host.reset().await.map_err(|e| {
                Failure::host(format!("host reset before the scenario failed: {e}"))
            })?;
            host.prepare(env);
            task_scenario.call(task_ctx).await
        });
        let abort = handle.abort_handle();
        let result = match tokio::time::timeout(timeout, handle).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) if join.is_panic() => Err(Failure::new(
                FailureKind::Panic,
                format!("scenario panicked: {}", panic_message(join.into_panic())),
            )),
            Ok(Err(join)) => Err(Failure::new(
                FailureKind::Internal,
                format!("scenario task ended abnormally: {join}"),
            )),
            Err(_) => {
                abort.abort();
                let mut message =
                    format!("scenario did not finish within {}", human_duration(timeout));
                if let Some(step) = ctx.step_log().running() {
                    message.push_str(&format!(" (step `{step}` still running)"));
                }
                Err(Failure::new(FailureKind::Timeout, message))
            }
        };
        let duration = started.elapsed();

        let interrupted = matches!(&result, Err(f) if matches!(f.kind(), FailureKind::Timeout | FailureKind::Panic));
        let interruption = match &result {
            Err(f) if interrupted => Some(f.message().to_owned()),
            _ => None,
        };
        let records = ctx.step_log().records(interruption.as_deref());
        let failure = result.err().map(|f| {
            let step = records
                .iter()
                .rev()
                .find(|s| {
                    if interrupted {
                        s.status == StepStatus::Interrupted
                    } else {
                        s.status != StepStatus::Passed
                    }
                })
                .map(|s| s.name.clone());
            (f, step)
        });
        let status = match &failure {
            None => Status::Passed,
            Some((f, _)) if f.is_not_applicable() => Status::NotApplicable,
            Some(_) => Status::Failed,
        };
        let recorded = ctx.evidence().artefacts();
        let report = ScenarioReport {
            id: scenario.id().as_str().to_owned(),
            suite: scenario.id().suite().to_owned(),
            group: scenario.id().group().to_owned(),
            title: scenario.title().to_owned(),
            requirements: scenario
                .requirements()
                .iter()
                .map(|r| r.id.to_owned())
                .collect(),
            status,
            duration_ms: millis(duration),
            failure: failure.map(|(f, step)| FailureReport {
                kind: f.kind(),
                message: f.message().to_owned(),
                step,
            }),
            steps: records
                .into_iter()
                .map(|s| StepReport {
                    name: s.name,
                    status: s.status,
                    duration_ms: millis(s.duration),
                    message: s.message,
                })
                .collect(),
            artefacts: recorded
                .iter()
                .map(|a| ArtefactReport {
                    seq: a.seq,
                    kind: a.kind,
                    name: a.name.clone(),
                    service: a.service.clone(),
                    media_type: a.media_type.clone(),
                    file_name: a.file_name(),
                    sha256: a.sha256.clone(),
                    size: a.size,
                    recorded_at: a.recorded_at,
                })
                .collect(),
        };
        (report, recorded)
    }
}

fn count(scenarios: &[ScenarioReport], status: Status) -> usize {
    scenarios.iter().filter(|s| s.status == status).count()
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(panic payload is not a string)".to_owned()
    }
}

/// `1.5 s`, `250 ms`.
pub(crate) fn human_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn panic_payloads() {
        assert_eq!(panic_message(Box::new("boom")), "boom");
        assert_eq!(panic_message(Box::new(String::from("bang"))), "bang");
        assert_eq!(
            panic_message(Box::new(3u8)),
            "(panic payload is not a string)"
        );
    }
}
