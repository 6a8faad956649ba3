//! [`EPrescriptionSimulator`]: a loopback e-prescription service.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use base64::Engine;
use segur_psc::SharedClock;
use sha2::{Digest, Sha256};

use super::{Exchange, Loopback};
use crate::eprescription::{Registration, WireSubmission, hex};
use crate::error::EPrescriptionError;
use crate::ordonnance::PrescriptionId;

/// How the simulator answers the next submission.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimBehaviour {
    /// Register (idempotently) and answer `201` / `200`.
    Accept,
    /// Register as `Accept` at once, but answer only after this wait (on the
    /// tokio timer, not the injected clock): the client's deadline passes
    /// while the prescription is registered, as with a slow real service
    /// (the client cannot know the outcome).
    Delay(std::time::Duration),
    /// Answer this HTTP status (e.g. `503`) with an error body; nothing is
    /// registered.
    Fail(u16),
    /// Refuse with `422 {"code", "message"}`; nothing is registered.
    Reject {
        /// Code.
        code: String,
        /// Message.
        message: String,
    },
}

#[derive(Debug, Default)]
struct SimState {
    script: VecDeque<SimBehaviour>,
    registered: HashMap<PrescriptionId, (String, Registration)>,
    exchanges: Vec<Exchange>,
    receipts: u64,
}

#[derive(Debug)]
struct Inner {
    clock: SharedClock,
    state: Mutex<SimState>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A loopback e-prescription service speaking the assumed wire format of
/// [`crate::eprescription`]. Submissions are checked (idempotency key =
/// identifier, body, content hash) and registered once per identifier.
/// Stops when dropped.
#[derive(Debug)]
pub struct EPrescriptionSimulator {
    inner: Arc<Inner>,
    server: Loopback,
}

impl EPrescriptionSimulator {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(clock: SharedClock) -> Result<Self, EPrescriptionError> {
        let inner = Arc::new(Inner {
            clock,
            state: Mutex::new(SimState::default()),
        });
        let router = Router::new()
            .route("/v1/prescriptions/{id}", put(submit).get(status))
            .with_state(inner.clone());
        let server = Loopback::serve(router)
            .await
            .map_err(|e| EPrescriptionError::Config(format!("simulator: {e}")))?;
        Ok(Self { inner, server })
    }

    /// The base URL to give [`crate::eprescription::HttpEPrescriptionService`].
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Queues behaviours for the next submissions (then `Accept`).
    pub fn script(&self, behaviours: impl IntoIterator<Item = SimBehaviour>) {
        self.inner.state().script.extend(behaviours);
    }

    /// The registered identifiers, sorted.
    pub fn registered(&self) -> Vec<PrescriptionId> {
        let mut ids: Vec<_> = self.inner.state().registered.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Every exchange answered, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.inner.state().exchanges.clone()
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        serde_json::json!({ "code": code, "message": message }).to_string(),
    )
        .into_response()
}

fn json(status: StatusCode, r: &Registration) -> Response {
    match serde_json::to_string(r) {
        Ok(body) => (status, [("content-type", "application/json")], body).into_response(),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "serialisation",
        ),
    }
}

fn record(inner: &Inner, method: &str, id: &str, status: StatusCode, key: Option<String>) {
    let at = inner.clock.now();
    inner.state().exchanges.push(Exchange {
        at,
        method: method.into(),
        path: format!("/v1/prescriptions/{id}"),
        status: status.as_u16(),
        idempotency_key: key,
    });
}

async fn submit(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let behaviour = inner
        .state()
        .script
        .pop_front()
        .unwrap_or(SimBehaviour::Accept);
    let delay = match behaviour {
        SimBehaviour::Delay(d) => Some(d),
        _ => None,
    };
    let response = match behaviour {
        SimBehaviour::Fail(status) => error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "UNAVAILABLE",
            "simulated failure",
        ),
        SimBehaviour::Reject { code, message } => {
            error(StatusCode::UNPROCESSABLE_ENTITY, &code, &message)
        }
        SimBehaviour::Accept | SimBehaviour::Delay(_) => accept(&inner, &id, key.as_deref(), &body),
    };
    record(&inner, "PUT", &id, response.status(), key);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    response
}

fn accept(inner: &Inner, id: &str, key: Option<&str>, body: &[u8]) -> Response {
    let Ok(id) = PrescriptionId::parse(id) else {
        return error(StatusCode::BAD_REQUEST, "BAD_ID", "malformed identifier");
    };
    if key != Some(id.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY",
            "Idempotency-Key must be the identifier",
        );
    }
    let Ok(sub) = serde_json::from_slice::<WireSubmission>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "malformed submission",
        );
    };
    if sub.id != id {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_ID",
            "body and path identifiers differ",
        );
    }
    let Ok(document) = base64::engine::general_purpose::STANDARD.decode(&sub.document) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_CONTENT",
            "document is not base64",
        );
    };
    let hash = hex(&Sha256::digest(&document));
    if hash != sub.content_sha256 || document.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_CONTENT",
            "content hash mismatch",
        );
    }
    let now = inner.clock.now();
    let mut state = inner.state();
    if let Some((existing_hash, reg)) = state.registered.get(&id) {
        return if *existing_hash == hash {
            let mut r = reg.clone();
            r.already_registered = true;
            json(StatusCode::OK, &r)
        } else {
            error(
                StatusCode::CONFLICT,
                "CONFLICT",
                "identifier registered with another content",
            )
        };
    }
    state.receipts += 1;
    let reg = Registration {
        id: id.clone(),
        registered_at: now,
        receipt: format!("SIM-ORDN-{:06}", state.receipts),
        already_registered: false,
    };
    state.registered.insert(id, (hash, reg.clone()));
    json(StatusCode::CREATED, &reg)
}

async fn status(State(inner): State<Arc<Inner>>, Path(id): Path<String>) -> Response {
    let found = PrescriptionId::parse(&id)
        .ok()
        .and_then(|id| inner.state().registered.get(&id).map(|(_, r)| r.clone()));
    let response = match found {
        Some(r) => json(StatusCode::OK, &r),
        None => error(StatusCode::NOT_FOUND, "NOT_FOUND", "unknown prescription"),
    };
    record(&inner, "GET", &id, response.status(), None);
    response
}
