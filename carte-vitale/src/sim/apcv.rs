//! [`ApcvSimulator`]: a loopback apCV identification service.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ring::rand::{SecureRandom, SystemRandom};
use segur_psc::SharedClock;
use time::{Duration, OffsetDateTime};

use super::{Exchange, Loopback};
use crate::apcv::{DEFAULT_PRESENTATION_TTL, QR_PREFIX};
use crate::error::ApcvError;
use crate::vitale::{ApcvChannel, CardSource, VitaleRead};

#[derive(Debug)]
struct Presented {
    read: VitaleRead,
    channel: ApcvChannel,
    expires_at: OffsetDateTime,
    used: bool,
}

#[derive(Debug, Default)]
struct SimState {
    tokens: HashMap<String, Presented>,
    exchanges: Vec<Exchange>,
    unavailable: bool,
}

#[derive(Debug)]
struct Inner {
    clock: SharedClock,
    ttl: Duration,
    rng: SystemRandom,
    state: Mutex<SimState>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A loopback apCV service: the phone side registers a presentation
/// ([`ApcvSimulator::present_qr`] / [`ApcvSimulator::present_nfc`]), the
/// practice side exchanges it over HTTP
/// ([`crate::apcv::HttpApcvService`]). Presentations are single-use and
/// expire after the TTL on the injected clock. Stops when dropped.
#[derive(Debug)]
pub struct ApcvSimulator {
    inner: Arc<Inner>,
    server: Loopback,
}

impl ApcvSimulator {
    /// Starts on `127.0.0.1:0` with the default presentation lifetime.
    pub async fn start(clock: SharedClock) -> Result<Self, ApcvError> {
        Self::start_with_ttl(clock, DEFAULT_PRESENTATION_TTL).await
    }

    /// Starts with another presentation lifetime.
    pub async fn start_with_ttl(clock: SharedClock, ttl: Duration) -> Result<Self, ApcvError> {
        let inner = Arc::new(Inner {
            clock,
            ttl,
            rng: SystemRandom::new(),
            state: Mutex::new(SimState::default()),
        });
        let router = Router::new()
            .route("/v1/identifications", post(identify))
            .with_state(inner.clone());
        let server = Loopback::serve(router)
            .await
            .map_err(|e| ApcvError::Unavailable(format!("simulator: {e}")))?;
        Ok(Self { inner, server })
    }

    /// The base URL to give [`crate::apcv::HttpApcvService`].
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    fn register(&self, read: &VitaleRead, channel: ApcvChannel) -> String {
        let mut bytes = [0u8; 24];
        // The system CSPRNG does not fail on supported platforms; a zero
        // token would still be unique enough for a simulator.
        let _ = self.inner.rng.fill(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let now = self.inner.clock.now();
        self.inner.state().tokens.insert(
            token.clone(),
            Presented {
                read: read.clone(),
                channel,
                expires_at: now + self.inner.ttl,
                used: false,
            },
        );
        token
    }

    /// The phone shows a QR code for `read`'s data: returns the QR text.
    pub fn present_qr(&self, read: &VitaleRead) -> String {
        format!("{QR_PREFIX}{}", self.register(read, ApcvChannel::QrCode))
    }

    /// The phone is laid on the NFC reader: returns the token read.
    pub fn present_nfc(&self, read: &VitaleRead) -> String {
        self.register(read, ApcvChannel::Nfc)
    }

    /// Makes the service answer `503` (or back to normal).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.inner.state().unavailable = unavailable;
    }

    /// Every exchange answered, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.inner.state().exchanges.clone()
    }
}

#[derive(serde::Deserialize)]
struct Request {
    token: String,
    channel: ApcvChannel,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        serde_json::json!({ "code": code, "message": message }).to_string(),
    )
        .into_response()
}

async fn identify(State(inner): State<Arc<Inner>>, body: axum::body::Bytes) -> Response {
    let now = inner.clock.now();
    let response = answer(&inner, &body, now);
    inner.state().exchanges.push(Exchange {
        at: now,
        method: "POST".into(),
        path: "/v1/identifications".into(),
        status: response.status().as_u16(),
        idempotency_key: None,
    });
    response
}

fn answer(inner: &Inner, body: &[u8], now: OffsetDateTime) -> Response {
    let mut state = inner.state();
    if state.unavailable {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "maintenance",
        );
    }
    let Ok(request) = serde_json::from_slice::<Request>(body) else {
        return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "malformed request");
    };
    let Some(p) = state.tokens.get_mut(&request.token) else {
        return error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_TOKEN",
            "unknown presentation",
        );
    };
    if p.used {
        return error(StatusCode::GONE, "USED", "presentation already used");
    }
    if now > p.expires_at {
        return error(StatusCode::GONE, "EXPIRED", "presentation expired");
    }
    if p.channel != request.channel {
        return error(
            StatusCode::BAD_REQUEST,
            "CHANNEL",
            "presented on another channel",
        );
    }
    p.used = true;
    match p.read.reread(CardSource::Apcv { channel: p.channel }, now) {
        Ok(read) => match serde_json::to_string(&read) {
            Ok(json) => {
                (StatusCode::OK, [("content-type", "application/json")], json).into_response()
            }
            Err(_) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "serialisation",
            ),
        },
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "invalid card data",
        ),
    }
}
