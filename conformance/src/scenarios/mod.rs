//! The scenarios shipped with the crate, one module per suite.
//!
//! | suite | module | needs |
//! |---|---|---|
//! | `evidence` | [`evidence`] | nothing: checks the editor's declared evidence files |
//! | `ins` | [`ins`] | patient files, observations, Sentinelle, the INSi simulator ([`ins::InsiSim`]) |
//! | `cda` | [`cda`] | patient files, documents, observations |
//! | `psc` | [`psc`] | login, the Pro Santé Connect simulator ([`psc::PscSim`]) |
//! | `ssi` | [`ssi`] | login, security, documents |
//! | `carte-vitale` | [`carte_vitale`] | carte Vitale area, patient files, observations, the apCV / e-prescription / DMP simulators |
//! | `mss` | [`mss`] | MSSanté, patient files, documents, lifecycle; the operator simulators ([`mss::MssSim`]) |
//! | `dmp` | [`dmp`] | DMP, patient files, documents, restart; the DMP simulator ([`dmp::DmpSim`]) |
//! | `enfant` | [`enfant`] | patient files, child health record, the MSSanté operator simulator ([`enfant::MssOperator`]) |
//!
//! Each service crate's engineer adds a module here (`dmp`, `mss`…) with its
//! `register` function and one line in `register_all`; see "Adding a
//! scenario" in the crate docs. Each module's docs list its scenarios with
//! the requirements they prove.

pub mod carte_vitale;
pub mod cda;
pub mod dmp;
pub mod enfant;
pub mod evidence;
pub mod ins;
pub mod mss;
pub mod psc;
pub mod ssi;
mod support;

use crate::{Error, Registry};

/// Registers every built-in suite into `registry`.
pub(crate) fn register_all(registry: &mut Registry) -> Result<(), Error> {
    ins::register(registry)?;
    cda::register(registry)?;
    psc::register(registry)?;
    carte_vitale::register(registry)?;
    ssi::register(registry)?;
    mss::register(registry)?;
    dmp::register(registry)?;
    enfant::register(registry)?;
    evidence::register(registry)?;
    Ok(())
}
