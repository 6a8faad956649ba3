//! Integration tests of segur-carte-vitale (one binary).

mod apcv;
mod code;
mod envoi_y;
mod patient;
mod vitale;

use std::sync::Arc;

use segur_psc::{ManualClock, SharedClock};
use time::OffsetDateTime;
use time::macros::datetime;

pub(crate) fn t0() -> OffsetDateTime {
    datetime!(2025-03-01 09:00 +01:00)
}

pub(crate) fn clock() -> (ManualClock, SharedClock) {
    let c = ManualClock::new(t0());
    let shared: SharedClock = Arc::new(c.clone());
    (c, shared)
}
