//! Injectable clock and identifier generator, so that produced documents are
//! reproducible in tests and in the conformance runner.

use std::sync::atomic::{AtomicU64, Ordering};

use segur_ids::Oid;
use time::{OffsetDateTime, UtcOffset};

use crate::datatypes::Ii;

/// Gives the current time.
pub trait Clock: Send + Sync {
    /// Now, with the timezone to write in documents.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock, expressed in a fixed offset (the host's local offset
/// when known, else UTC).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    offset: UtcOffset,
}

impl SystemClock {
    /// The host's local offset, else UTC.
    pub fn local() -> Self {
        Self {
            offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC),
        }
    }

    /// A given offset (e.g. `+01:00`).
    pub fn with_offset(offset: UtcOffset) -> Self {
        Self { offset }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc().to_offset(self.offset)
    }
}

/// A clock stopped at one instant (tests, replays).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Gives new unique instance identifiers (document `id`, `setId`).
pub trait IdGenerator: Send + Sync {
    /// A new identifier, never returned before.
    fn next_id(&self) -> Ii;
}

/// Random UUID roots (`<id root="8F2…"/>`): unique without coordination.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidIds;

impl IdGenerator for UuidIds {
    fn next_id(&self) -> Ii {
        Ii::uuid(uuid::Uuid::new_v4())
    }
}

/// Identifiers under the editor's or the structure's own OID: `root` +
/// `@extension` = prefix + counter. Deterministic: use it in tests, or in
/// production with a persisted counter (`starting_at`).
#[derive(Debug)]
pub struct OidSequence {
    root: Oid,
    prefix: String,
    next: AtomicU64,
}

impl OidSequence {
    /// Starts at 1.
    pub fn new(root: Oid, prefix: &str) -> Self {
        Self::starting_at(root, prefix, 1)
    }

    /// Starts at `next`.
    pub fn starting_at(root: Oid, prefix: &str, next: u64) -> Self {
        Self {
            root,
            prefix: prefix.to_owned(),
            next: AtomicU64::new(next),
        }
    }
}

impl IdGenerator for OidSequence {
    fn next_id(&self) -> Ii {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Ii::oid(&self.root, Some(format!("{}{n}", self.prefix)))
    }
}
