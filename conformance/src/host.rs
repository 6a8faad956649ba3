//! The host adapter: the traits an LGC implements so the runner can drive it.
//!
//! # Structure
//!
//! [`Host`] is the entry point. It gives the host's identity
//! ([`Host::info`], written in reports and evidence manifests), a
//! [`Host::reset`] hook called before every scenario, and one accessor per
//! *capability area*, each returning `Option<&dyn Trait>`:
//!
//! | accessor | trait | area |
//! |---|---|---|
//! | [`Host::patient_files`] | [`PatientFiles`] | patient files: list, open (create, find and identity status arrive with `segur-ins`) |
//! | [`Host::documents`] | [`Documents`] | documents held in a patient file (production arrives with `segur-cda`) |
//! | [`Host::dmp`] | [`Dmp`] | DMP actions (with `segur-dmp`) |
//! | [`Host::mssante`] | [`Mssante`] | MSSanté actions (with `segur-mss`) |
//! | [`Host::login`] | [`Login`] | user login and sessions (with `segur-ssi` / `segur-psc`) |
//! | [`Host::observations`] | [`Observations`] | what the user sees without a click (with the crates whose types it shows) |
//! | [`Host::lifecycle`] | [`Lifecycle`] | restart the software keeping its storage |
//!
//! Every accessor defaults to `None`: a host implements the areas it
//! supports, in any order. A scenario asks for an area through
//! [`RunContext`](crate::RunContext) (`ctx.patient_files()?`); when the host
//! returns `None`, the scenario ends as *not applicable — not implemented by
//! the host*, which does not fail the run but does not count as passed for
//! coverage either.
//!
//! Only methods whose argument and result types exist today are defined:
//! std types, the host's own opaque references ([`PatientFileRef`],
//! [`DocumentRef`]) and `segur-ids`. Methods taking INS traits, CDA
//! documents, DMP consents… are added by the engineers of those crates.
//!
//! # Adding a method when a crate lands
//!
//! 1. Add the method to the area's trait **with a default body** returning
//!    `Box::pin(async { Err(HostError::not_implemented("<area>.<method>")) })`,
//!    so that hosts written before keep compiling and scenarios using the
//!    method end as not applicable on them.
//! 2. Take and return the service crate's own types (e.g. `segur_ins::Traits`);
//!    never a string where the crate has a type, never a copy of its types here.
//! 3. Async methods return [`BoxFuture`] (the traits are used as `dyn`);
//!    document what the host must have done when the future resolves (e.g.
//!    "returns as soon as the file is shown, without waiting for INSi").
//! 4. Implement it in the reference host (`examples/`) and add the scenario.
//!
//! # Implementing a host
//!
//! ```
//! use segur_conformance::host::{
//!     BoxFuture, Host, HostError, HostInfo, PatientFileRef, PatientFiles,
//! };
//!
//! struct MyLgc { files: Vec<String> }
//!
//! impl Host for MyLgc {
//!     fn info(&self) -> HostInfo {
//!         HostInfo::new("My LGC", "4.2.0").editor("Éditeur exemple")
//!     }
//!     fn patient_files(&self) -> Option<&dyn PatientFiles> {
//!         Some(self)
//!     }
//! }
//!
//! impl PatientFiles for MyLgc {
//!     fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
//!         Box::pin(async move {
//!             Ok(self.files.iter().map(|f| PatientFileRef::new(f.as_str())).collect())
//!         })
//!     }
//!     fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
//!         Box::pin(async move {
//!             if self.files.iter().any(|f| f == file.as_str()) {
//!                 Ok(())
//!             } else {
//!                 Err(HostError::failed(format!("no patient file {file}")))
//!             }
//!         })
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

/// A boxed, `Send` future: what async adapter methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Identity of the host software under test, written in reports and manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostInfo {
    /// Product name.
    pub name: String,
    /// Product version.
    pub version: String,
    /// Editor (company) name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<String>,
}

impl HostInfo {
    /// A host identity.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        HostInfo {
            name: name.into(),
            version: version.into(),
            editor: None,
        }
    }

    /// Sets the editor name.
    pub fn editor(mut self, editor: impl Into<String>) -> Self {
        self.editor = Some(editor.into());
        self
    }
}

impl fmt::Display for HostInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.version)?;
        if let Some(editor) = &self.editor {
            write!(f, " ({editor})")?;
        }
        Ok(())
    }
}

/// An error reported by the host adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The host does not implement this method or area (e.g. `"dmp.send"`).
    #[error("not implemented by the host: {0}")]
    NotImplemented(String),
    /// The host tried and failed; the message says why.
    #[error("host error: {0}")]
    Failed(String),
}

impl HostError {
    /// The host does not implement `what`.
    pub fn not_implemented(what: impl Into<String>) -> Self {
        HostError::NotImplemented(what.into())
    }

    /// The host failed, for the given reason.
    pub fn failed(reason: impl Into<String>) -> Self {
        HostError::Failed(reason.into())
    }
}

macro_rules! host_ref {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the host's own identifier.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The host's identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

host_ref!(
    /// The host's own, opaque reference to a patient file (its local key).
    PatientFileRef
);
host_ref!(
    /// The host's own, opaque reference to a document held in a patient file.
    DocumentRef
);

/// The software under test, as the runner drives it.
///
/// Must be `Send + Sync + 'static`: the runner shares one instance across the
/// whole run (`Arc<dyn Host>`) and runs each scenario on its own task.
pub trait Host: Send + Sync + 'static {
    /// Name and version of the software under test.
    fn info(&self) -> HostInfo;

    /// Brings the host back to an empty state before a scenario (e.g. a
    /// fresh in-memory database). The default does nothing: scenarios never
    /// rely on an empty host and create their own fictitious data.
    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async { Ok(()) })
    }

    /// Patient files, if the host exposes them.
    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        None
    }

    /// Documents of patient files, if the host exposes them.
    fn documents(&self) -> Option<&dyn Documents> {
        None
    }

    /// DMP actions, if the host exposes them.
    fn dmp(&self) -> Option<&dyn Dmp> {
        None
    }

    /// MSSanté actions, if the host exposes them.
    fn mssante(&self) -> Option<&dyn Mssante> {
        None
    }

    /// User login, if the host exposes it.
    fn login(&self) -> Option<&dyn Login> {
        None
    }

    /// What the user sees without a click, if the host reports it.
    fn observations(&self) -> Option<&dyn Observations> {
        None
    }

    /// Restart control, if the host supports it.
    fn lifecycle(&self) -> Option<&dyn Lifecycle> {
        None
    }
}

/// Patient files held by the host.
///
/// Creating a file, finding one from traits, a datamatrix or a carte Vitale,
/// and reading its identity status take `segur-ins` types: they are added
/// with that crate (see the module docs).
pub trait PatientFiles: Send + Sync {
    /// Every patient file the host holds, in the host's order.
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>>;

    /// Opens the file as a user would. Resolves as soon as the file is shown
    /// to the user: work the REM wants in the background (the INSi call of
    /// SENTINELLE.05/06, the DMP refresh of SC.DMP/UX.50) must not delay it.
    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>>;
}

/// Documents held in the host's patient files.
///
/// Producing a document takes `segur-cda` types: added with that crate.
pub trait Documents: Send + Sync {
    /// The documents of one patient file, in the host's order.
    fn list<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>>;

    /// The document's bytes exactly as stored or produced by the host (the
    /// CDA XML for a CDA document), for validation and the evidence pack.
    fn content<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<Vec<u8>, HostError>>;
}

/// DMP actions of the host (consent record, feeding, send queue, deletion,
/// synthetic view…).
///
/// No method yet: they take `segur-dmp` types and are added with that crate,
/// each with a default body returning [`HostError::NotImplemented`]. A host
/// may already declare the area (`fn dmp(&self) -> Option<&dyn Dmp> { Some(self) }`).
pub trait Dmp: Send + Sync {}

/// MSSanté actions of the host (mailboxes, sending, receipt integration…).
///
/// No method yet: they take `segur-mss` types and are added with that crate,
/// each with a default body returning [`HostError::NotImplemented`].
pub trait Mssante: Send + Sync {}

/// User login and sessions (local accounts, Pro Santé Connect, CIBA).
///
/// No method yet: they take `segur-ssi` / `segur-psc` types and are added
/// with those crates, each with a default body returning
/// [`HostError::NotImplemented`].
pub trait Login: Send + Sync {}

/// What the host shows the user without a click (identity status, document
/// provenance, DMP presence…), reported for the `host` requirements.
///
/// No method yet: each observation returns the type of the crate it is about
/// (e.g. the identity status of `segur-ins`) and is added with that crate,
/// with a default body returning [`HostError::NotImplemented`].
pub trait Observations: Send + Sync {}

/// Restart control: proves that what the host queued or stored survives.
pub trait Lifecycle: Send + Sync {
    /// Stops the software as a user closing it would, and starts it again on
    /// the same persistent storage. Resolves once the software is usable.
    fn restart(&self) -> BoxFuture<'_, Result<(), HostError>>;
}

/// A host that implements no capability.
///
/// Used by `segur conformance run` until a reference host is available, and
/// by tests: only the scenarios that need no host capability (the editor's
/// evidence checks) can pass against it; every other one is not applicable.
#[derive(Debug, Clone)]
pub struct BareHost {
    info: HostInfo,
}

impl BareHost {
    /// A bare host with the given identity.
    pub fn new(info: HostInfo) -> Self {
        BareHost { info }
    }
}

impl Default for BareHost {
    fn default() -> Self {
        BareHost::new(HostInfo::new(
            "bare host (no capability)",
            env!("CARGO_PKG_VERSION"),
        ))
    }
}

impl Host for BareHost {
    fn info(&self) -> HostInfo {
        self.info.clone()
    }
}
