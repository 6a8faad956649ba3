//! What a scenario receives: [`RunContext`], with a deterministic clock and
//! id source, the evidence recorder, the host adapter and the simulated
//! services.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use segur_cda::stylesheet::StylesheetRenderer;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalogue::Requirement;
use crate::evidence::{EditorEvidenceCheck, EvidenceRecorder};
use crate::failure::{Failure, ScenarioResult};
use crate::host::{
    Dmp, Documents, Host, Lifecycle, Login, Mssante, Observations, PatientFiles, Security,
};
use crate::model::ScenarioId;
use crate::services::{ServiceEnv, ServiceRegistry, SimulatedService};

/// Locks a mutex, ignoring poisoning: our critical sections never panic,
/// and a panicking scenario must not take the report down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A virtual clock: starts at the run's epoch for every scenario and moves
/// only when a scenario advances it, so runs are reproducible.
///
/// Clones share the same time. Simulators and host shells that take an
/// injectable clock get `move || clock.now()`.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl VirtualClock {
    /// A clock reading `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        VirtualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> OffsetDateTime {
        *lock(&self.now)
    }

    /// Moves the clock forward (e.g. past a token's expiry).
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.now);
        // A Duration too large for OffsetDateTime saturates instead of panicking.
        *now = now
            .checked_add(saturating_time_duration(by))
            .unwrap_or(*now);
    }
}

impl segur_psc::Clock for VirtualClock {
    fn now(&self) -> OffsetDateTime {
        VirtualClock::now(self)
    }
}

impl segur_cda::clock::Clock for VirtualClock {
    fn now(&self) -> OffsetDateTime {
        VirtualClock::now(self)
    }
}

fn saturating_time_duration(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// A deterministic id source, fresh for every scenario.
///
/// Values depend only on the scenario id and the call order: two runs give
/// the same ids, two scenarios never give the same uuid. Clones share the
/// counter.
#[derive(Debug, Clone)]
pub struct IdSource {
    namespace: u64,
    next: Arc<AtomicU64>,
}

impl IdSource {
    /// An id source for `scope` (the scenario id).
    pub fn new(scope: &str) -> Self {
        IdSource {
            namespace: fnv1a64(scope.as_bytes()),
            next: Arc::new(AtomicU64::new(1)),
        }
    }

    /// The next number: 1, 2, 3…
    pub fn next_number(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// The next id as an RFC 4122 version-4-shaped UUID string, derived from
    /// the scope and the next number.
    pub fn uuid(&self) -> String {
        let hi = self.namespace;
        let lo = self.next_number();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            (hi & 0x0fff) | 0x4000,
            ((lo >> 48) & 0x3fff) | 0x8000,
            lo & 0xffff_ffff_ffff
        )
    }

    /// The next id as `prefix-NNNNNN` (e.g. `patient-000001`).
    pub fn name(&self, prefix: &str) -> String {
        format!("{prefix}-{:06}", self.next_number())
    }
}

/// Document ids (`id`, `setId`) as UUID roots, from [`IdSource::uuid`]:
/// documents produced with it are the same at every run.
impl segur_cda::clock::IdGenerator for IdSource {
    fn next_id(&self) -> segur_cda::datatypes::Ii {
        segur_cda::datatypes::Ii {
            root: Some(self.uuid().to_ascii_uppercase()),
            extension: None,
            null_flavor: None,
        }
    }
}

/// FNV-1a, 64 bits: a stable hash (std's `DefaultHasher` is not guaranteed
/// stable across releases).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepStatus {
    /// The step's future returned `Ok`.
    Passed,
    /// The step's future returned a failure.
    Failed,
    /// The step could not run here (missing host capability).
    NotApplicable,
    /// The scenario panicked or timed out while the step was running.
    Interrupted,
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// What the step does, as given by the scenario.
    pub name: String,
    /// Its outcome.
    pub status: StepStatus,
    /// Wall-clock time it took.
    pub duration: Duration,
    /// The failure message, when it did not pass.
    pub message: Option<String>,
}

#[derive(Debug)]
struct StepEntry {
    name: String,
    started: Instant,
    outcome: Option<(StepStatus, Duration, Option<String>)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct StepLog {
    entries: Arc<Mutex<Vec<StepEntry>>>,
}

impl StepLog {
    fn start(&self, name: String) -> usize {
        let mut entries = lock(&self.entries);
        entries.push(StepEntry {
            name,
            started: Instant::now(),
            outcome: None,
        });
        entries.len() - 1
    }

    fn finish(&self, index: usize, status: StepStatus, message: Option<String>) {
        let mut entries = lock(&self.entries);
        if let Some(e) = entries.get_mut(index) {
            e.outcome = Some((status, e.started.elapsed(), message));
        }
    }

    /// The last step still running (the one a timeout or panic interrupted).
    pub(crate) fn running(&self) -> Option<String> {
        lock(&self.entries)
            .iter()
            .rev()
            .find(|e| e.outcome.is_none())
            .map(|e| e.name.clone())
    }

    /// The records; steps still running are marked interrupted.
    pub(crate) fn records(&self, interruption: Option<&str>) -> Vec<StepRecord> {
        lock(&self.entries)
            .iter()
            .map(|e| match &e.outcome {
                Some((status, duration, message)) => StepRecord {
                    name: e.name.clone(),
                    status: *status,
                    duration: *duration,
                    message: message.clone(),
                },
                None => StepRecord {
                    name: e.name.clone(),
                    status: StepStatus::Interrupted,
                    duration: e.started.elapsed(),
                    message: interruption.map(str::to_owned),
                },
            })
            .collect()
    }
}

struct Inner {
    scenario: ScenarioId,
    requirements: Vec<&'static Requirement>,
    clock: VirtualClock,
    ids: IdSource,
    evidence: EvidenceRecorder,
    host: Arc<dyn Host>,
    services: ServiceRegistry,
    steps: StepLog,
    editor_evidence: Arc<Vec<EditorEvidenceCheck>>,
    cda_stylesheet: Option<StylesheetRenderer>,
}

/// The handle a scenario receives. Cheap to clone; every clone sees the same
/// clock, ids, evidence and services.
///
/// Everything in it is fresh for each scenario (clock back at the run's
/// epoch, id counter at 1, no service started, no evidence), except the host,
/// which is the one software under test for the whole run.
#[derive(Clone)]
pub struct RunContext {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("scenario", &self.inner.scenario)
            .field("now", &self.inner.clock.now())
            .finish_non_exhaustive()
    }
}

pub(crate) struct ContextParts {
    pub scenario: ScenarioId,
    pub requirements: Vec<&'static Requirement>,
    pub epoch: OffsetDateTime,
    pub host: Arc<dyn Host>,
    pub editor_evidence: Arc<Vec<EditorEvidenceCheck>>,
    pub cda_stylesheet: Option<StylesheetRenderer>,
}

impl RunContext {
    pub(crate) fn new(parts: ContextParts) -> Self {
        let clock = VirtualClock::new(parts.epoch);
        let ids = IdSource::new(parts.scenario.as_str());
        let evidence = EvidenceRecorder::new(clock.clone());
        RunContext {
            inner: Arc::new(Inner {
                scenario: parts.scenario,
                requirements: parts.requirements,
                clock,
                ids,
                evidence,
                host: parts.host,
                services: ServiceRegistry::default(),
                steps: StepLog::default(),
                editor_evidence: parts.editor_evidence,
                cda_stylesheet: parts.cda_stylesheet,
            }),
        }
    }

    /// The id of the running scenario.
    pub fn scenario_id(&self) -> &ScenarioId {
        &self.inner.scenario
    }

    /// The requirements the running scenario is tagged with.
    pub fn requirements(&self) -> &[&'static Requirement] {
        &self.inner.requirements
    }

    /// The virtual clock.
    pub fn clock(&self) -> &VirtualClock {
        &self.inner.clock
    }

    /// The current virtual time.
    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// The deterministic id source.
    pub fn ids(&self) -> &IdSource {
        &self.inner.ids
    }

    /// Where to record raw exchanges, produced documents, validation reports
    /// and renderings for the evidence pack.
    pub fn evidence(&self) -> &EvidenceRecorder {
        &self.inner.evidence
    }

    /// The host adapter.
    pub fn host(&self) -> &dyn Host {
        self.inner.host.as_ref()
    }

    /// The host adapter, shared (to move into a spawned task).
    pub fn host_arc(&self) -> Arc<dyn Host> {
        Arc::clone(&self.inner.host)
    }

    /// The host's patient files, or a not-applicable failure.
    pub fn patient_files(&self) -> ScenarioResult<&dyn PatientFiles> {
        self.host()
            .patient_files()
            .ok_or_else(|| Failure::not_implemented_by_host("patient files"))
    }

    /// The host's documents, or a not-applicable failure.
    pub fn documents(&self) -> ScenarioResult<&dyn Documents> {
        self.host()
            .documents()
            .ok_or_else(|| Failure::not_implemented_by_host("documents"))
    }

    /// The host's DMP actions, or a not-applicable failure.
    pub fn dmp(&self) -> ScenarioResult<&dyn Dmp> {
        self.host()
            .dmp()
            .ok_or_else(|| Failure::not_implemented_by_host("DMP"))
    }

    /// The host's MSSanté actions, or a not-applicable failure.
    pub fn mssante(&self) -> ScenarioResult<&dyn Mssante> {
        self.host()
            .mssante()
            .ok_or_else(|| Failure::not_implemented_by_host("MSSanté"))
    }

    /// The host's login, or a not-applicable failure.
    pub fn login(&self) -> ScenarioResult<&dyn Login> {
        self.host()
            .login()
            .ok_or_else(|| Failure::not_implemented_by_host("login"))
    }

    /// The host's security controls, or a not-applicable failure.
    pub fn security(&self) -> ScenarioResult<&dyn Security> {
        self.host()
            .security()
            .ok_or_else(|| Failure::not_implemented_by_host("security"))
    }

    /// The host's observations, or a not-applicable failure.
    pub fn observations(&self) -> ScenarioResult<&dyn Observations> {
        self.host()
            .observations()
            .ok_or_else(|| Failure::not_implemented_by_host("observations"))
    }

    /// The host's Sentinelle workflows, or a not-applicable failure.
    pub fn sentinelle(&self) -> ScenarioResult<&dyn crate::host::Sentinelle> {
        self.host()
            .sentinelle()
            .ok_or_else(|| Failure::not_implemented_by_host("Sentinelle (INS, INSi)"))
    }

    /// The host's restart control, or a not-applicable failure.
    pub fn lifecycle(&self) -> ScenarioResult<&dyn Lifecycle> {
        self.host()
            .lifecycle()
            .ok_or_else(|| Failure::not_implemented_by_host("restart (lifecycle)"))
    }

    /// The simulated service `S` for this scenario, started on first request
    /// (with this scenario's clock, ids and exchange recorder) and shared by
    /// later requests of the same scenario. Dropped when the scenario ends.
    pub async fn service<S: SimulatedService>(&self) -> ScenarioResult<Arc<S>> {
        let env = ServiceEnv::new(
            self.inner.scenario.clone(),
            self.inner.clock.clone(),
            self.inner.ids.clone(),
            self.inner.evidence.clone(),
        );
        self.inner.services.get_or_start::<S>(env).await
    }

    /// Whether the service `S` was started in this scenario.
    pub async fn has_service<S: SimulatedService>(&self) -> bool {
        self.inner.services.contains::<S>().await
    }

    /// Runs one step: records its name, outcome and wall-clock duration, and
    /// returns its result (use `?` to end the scenario on failure).
    ///
    /// Steps are recorded flat, in start order.
    pub async fn step<T, F>(&self, name: impl Into<String>, step: F) -> ScenarioResult<T>
    where
        F: Future<Output = ScenarioResult<T>>,
    {
        let index = self.inner.steps.start(name.into());
        let result = step.await;
        match &result {
            Ok(_) => self.inner.steps.finish(index, StepStatus::Passed, None),
            Err(f) => {
                let status = if f.is_not_applicable() {
                    StepStatus::NotApplicable
                } else {
                    StepStatus::Failed
                };
                self.inner
                    .steps
                    .finish(index, status, Some(f.message().to_owned()));
            }
        }
        result
    }

    /// The editor's evidence files declared for `requirement_id`, as checked
    /// at the start of the run (empty when none is declared).
    pub fn editor_evidence(&self, requirement_id: &str) -> Vec<&EditorEvidenceCheck> {
        self.inner
            .editor_evidence
            .iter()
            .filter(|c| c.requirement.id == requirement_id)
            .collect()
    }

    /// The official CDA display stylesheet and XSLT processor the run is
    /// configured with ([`crate::Runner::cda_stylesheet`]), if any.
    pub fn cda_stylesheet(&self) -> Option<&StylesheetRenderer> {
        self.inner.cda_stylesheet.as_ref()
    }

    pub(crate) fn step_log(&self) -> &StepLog {
        &self.inner.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_scoped() {
        let a = IdSource::new("ins.datamatrix.found");
        let b = IdSource::new("ins.datamatrix.found");
        let c = IdSource::new("ins.datamatrix.not-found");
        let ua = a.uuid();
        assert_eq!(ua, b.uuid());
        assert_ne!(ua, c.uuid());
        assert_eq!(ua.len(), 36);
        assert_eq!(&ua[14..15], "4");
        assert!(matches!(&ua[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(a.name("patient"), "patient-000002");
        assert_eq!(a.next_number(), 3);
    }

    #[test]
    fn clock_advances_and_saturates() {
        let start = time::macros::datetime!(2025-03-03 08:00 UTC);
        let c = VirtualClock::new(start);
        let shared = c.clone();
        c.advance(Duration::from_secs(90));
        assert_eq!(
            shared.now(),
            time::macros::datetime!(2025-03-03 08:01:30 UTC)
        );
        c.advance(Duration::MAX);
        assert_eq!(
            shared.now(),
            time::macros::datetime!(2025-03-03 08:01:30 UTC)
        );
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
