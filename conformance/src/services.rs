//! Simulated national services, as a typed registry.
//!
//! The engine does not depend on the service crates: each simulator is
//! plugged in by implementing [`SimulatedService`] (in the scenario module
//! that needs it, usually on a small wrapper around the crate's `sim`
//! server). A scenario then asks `ctx.service::<InsiSim>().await?`: the first
//! request in a scenario starts a fresh instance with that scenario's virtual
//! clock, id source and exchange recorder; later requests get the same
//! instance; it is dropped (and its loopback server stopped, through the
//! wrapper's `Drop`) when the scenario ends.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use segur_conformance::services::{ServiceEnv, SimulatedService};
//! use segur_conformance::{Failure, Payload};
//!
//! /// A toy "service" counting requests, recording each exchange.
//! struct Echo { env: ServiceEnv, seen: Mutex<u32> }
//!
//! impl SimulatedService for Echo {
//!     const NAME: &'static str = "echo";
//!     async fn start(env: ServiceEnv) -> Result<Self, Failure> {
//!         Ok(Echo { env, seen: Mutex::new(0) })
//!     }
//! }
//!
//! impl Echo {
//!     fn call(&self, body: &str) -> String {
//!         *self.seen.lock().unwrap() += 1;
//!         self.env.record_exchange(
//!             "echo",
//!             Payload::text(body),
//!             Some(Payload::text(body)),
//!         );
//!         body.to_owned()
//!     }
//! }
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::context::{IdSource, VirtualClock};
use crate::evidence::{EvidenceRecorder, Payload};
use crate::failure::{Failure, ScenarioResult};
use crate::model::ScenarioId;

/// A simulated national service a scenario can request.
pub trait SimulatedService: Send + Sync + Sized + 'static {
    /// Short name (`insi`, `dmp`, `mss-operator`), used to label the
    /// exchanges it records.
    const NAME: &'static str;

    /// Starts a fresh instance for one scenario. Bind servers to loopback
    /// only (`127.0.0.1:0`), read time from `env.clock()` and ids from
    /// `env.ids()`, and record every request/response with
    /// [`ServiceEnv::record_exchange`].
    fn start(env: ServiceEnv) -> impl Future<Output = Result<Self, Failure>> + Send;
}

/// What a starting service receives from the scenario.
#[derive(Debug, Clone)]
pub struct ServiceEnv {
    service: &'static str,
    scenario: ScenarioId,
    clock: VirtualClock,
    ids: IdSource,
    recorder: EvidenceRecorder,
}

impl ServiceEnv {
    pub(crate) fn new(
        scenario: ScenarioId,
        clock: VirtualClock,
        ids: IdSource,
        recorder: EvidenceRecorder,
    ) -> Self {
        ServiceEnv {
            service: "",
            scenario,
            clock,
            ids,
            recorder,
        }
    }

    /// The service's [`SimulatedService::NAME`].
    pub fn service_name(&self) -> &'static str {
        self.service
    }

    /// The scenario the service serves.
    pub fn scenario_id(&self) -> &ScenarioId {
        &self.scenario
    }

    /// The scenario's virtual clock.
    pub fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    /// The scenario's id source.
    pub fn ids(&self) -> &IdSource {
        &self.ids
    }

    /// The scenario's evidence recorder.
    pub fn recorder(&self) -> &EvidenceRecorder {
        &self.recorder
    }

    /// Records one raw request/response seen by the service (`summary` is a
    /// short label such as `POST /insi rechercherInsAvecTraits`). `response`
    /// is `None` when the service did not answer.
    pub fn record_exchange(&self, summary: &str, request: Payload, response: Option<Payload>) {
        self.recorder
            .exchange(self.service, summary, request, response);
    }
}

/// The services started in one scenario.
#[derive(Default)]
pub(crate) struct ServiceRegistry {
    started: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl ServiceRegistry {
    pub(crate) async fn get_or_start<S: SimulatedService>(
        &self,
        mut env: ServiceEnv,
    ) -> ScenarioResult<Arc<S>> {
        env.service = S::NAME;
        // Held across the start so two concurrent requests start one instance.
        let mut started = self.started.lock().await;
        let any = match started.get(&TypeId::of::<S>()) {
            Some(s) => Arc::clone(s),
            None => {
                let s: Arc<dyn Any + Send + Sync> = Arc::new(
                    S::start(env)
                        .await
                        .map_err(|f| f.context(format!("start the {} simulator", S::NAME)))?,
                );
                started.insert(TypeId::of::<S>(), Arc::clone(&s));
                s
            }
        };
        any.downcast::<S>().map_err(|_| {
            Failure::new(
                crate::FailureKind::Internal,
                format!("service registry holds a wrong type for {}", S::NAME),
            )
        })
    }

    pub(crate) async fn contains<S: SimulatedService>(&self) -> bool {
        self.started.lock().await.contains_key(&TypeId::of::<S>())
    }
}
