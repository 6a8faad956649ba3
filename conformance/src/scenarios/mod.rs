//! The scenarios shipped with the crate, one module per suite.
//!
//! | suite | module | needs |
//! |---|---|---|
//! | `evidence` | [`evidence`] | nothing: checks the editor's declared evidence files |
//!
//! Each service crate's engineer adds a module here (`ins`, `cda`, `dmp`…)
//! with its `register` function and one line in `register_all`; see
//! "Adding a scenario" in the crate docs.

pub mod evidence;

use crate::{Error, Registry};

/// Registers every built-in suite into `registry`.
pub(crate) fn register_all(registry: &mut Registry) -> Result<(), Error> {
    evidence::register(registry)?;
    Ok(())
}
