//! [`SimVitaleReader`]: an in-process Vitale reader.

use std::collections::VecDeque;
use std::sync::Mutex;

use segur_psc::SharedClock;

use crate::BoxFuture;
use crate::error::ReaderError;
use crate::reader::VitaleReader;
use crate::vitale::VitaleRead;

#[derive(Debug, Default)]
struct State {
    card: Option<VitaleRead>,
    failures: VecDeque<ReaderError>,
    reads: usize,
}

/// A Vitale reader holding (or not) a card. Each read returns the card's
/// data stamped with the clock's time; scripted failures come first.
#[derive(Debug)]
pub struct SimVitaleReader {
    state: Mutex<State>,
    clock: SharedClock,
}

impl SimVitaleReader {
    /// An empty reader.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            state: Mutex::new(State::default()),
            clock,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts a card (its data as a read gives them).
    pub fn insert(&self, card: VitaleRead) {
        self.state().card = Some(card);
    }

    /// Removes the card.
    pub fn remove(&self) {
        self.state().card = None;
    }

    /// The next read fails with `error` (queued in order).
    pub fn fail_next(&self, error: ReaderError) {
        self.state().failures.push_back(error);
    }

    /// How many reads were asked.
    pub fn read_count(&self) -> usize {
        self.state().reads
    }
}

impl VitaleReader for SimVitaleReader {
    fn read(&self) -> BoxFuture<'_, Result<VitaleRead, ReaderError>> {
        let result = {
            let mut s = self.state();
            s.reads += 1;
            match s.failures.pop_front() {
                Some(e) => Err(e),
                None => match &s.card {
                    None => Err(ReaderError::NoCard),
                    Some(card) => card
                        .reread(card.source(), self.clock.now())
                        .map_err(ReaderError::from),
                },
            }
        };
        Box::pin(async move { result })
    }
}
