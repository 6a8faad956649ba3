//! The host adapter: the traits an LGC implements so the runner can drive it.
//!
//! # Structure
//!
//! [`Host`] is the entry point. It gives the host's identity
//! ([`Host::info`], written in reports and evidence manifests), a
//! [`Host::reset`] hook and a [`Host::prepare`] hook called before every
//! scenario, and one accessor per *capability area*, each returning
//! `Option<&dyn Trait>`:
//!
//! | accessor | trait | area |
//! |---|---|---|
//! | [`Host::patient_files`] | [`PatientFiles`] | patient files holding a `segur_ins::Identity`: create, list, open |
//! | [`Host::documents`] | [`Documents`] | `segur_cda` documents of a file: produce (N1; N3 volets with their N1 twin), revise, import (antivirus, versions), sort, request ↔ report links |
//! | [`Host::dmp`] | [`Dmp`] | DMP actions (with `segur-dmp`) |
//! | [`Host::mssante`] | [`Mssante`] | MSSanté mailboxes, sending, reception into patient files, notifications, directory, traces (`segur-mss`) |
//! | [`Host::login`] | [`Login`] | local accounts, sessions and MFA (`segur-ssi`), Pro Santé Connect (`segur-psc`) |
//! | [`Host::security`] | [`Security`] | audit trail export, TLS for national services (`segur-ssi`) |
//! | [`Host::observations`] | [`Observations`] | what the user sees without a click: identity status, document views, renderings |
//! | [`Host::lifecycle`] | [`Lifecycle`] | restart the software keeping its storage |
//! | [`Host::carte_vitale`] | [`CarteVitale`] | apCV reading and the ordonnance numérique "envoi en Y" (`segur-carte-vitale`) |
//! | [`Host::child_health`] | [`enfant::ChildHealth`] | child health record: certificates, measurements, vaccination note, examination reports, sending to the PMI and the DREES (`segur-enfant`) |
//! | [`Host::sentinelle`] | [`Sentinelle`] | INS lookups (datamatrix, carte Vitale), background INSi verification, one-click qualification (`segur_ins::sentinelle`) |
//!
//! Every accessor defaults to `None`, and every method added after an area
//! was first defined has a default body returning
//! [`HostError::NotImplemented`]: a host implements the areas and methods it
//! supports, in any order. A scenario asks for an area through
//! [`RunContext`](crate::RunContext) (`ctx.patient_files()?`); when the host
//! returns `None` or a method is not implemented, the scenario ends as *not
//! applicable — not implemented by the host*, which does not fail the run
//! but does not count as passed for coverage either.
//!
//! Methods take and return the service crates' own types (`segur_ins::Identity`,
//! `segur_cda::Document` headers and filters, `segur_ssi::account::NewAccount`,
//! `segur_psc::Audience`…) and the host's own opaque references
//! ([`PatientFileRef`], [`DocumentRef`], [`SessionRef`], [`ChallengeRef`]).
//! A refusal the requirement asks for (a weak password, a locked account) is
//! not an adapter error: login methods return it as a [`Decision`] or a
//! [`LoginOutcome::Refused`], so scenarios can check the reason.
//!
//! # Time and ids
//!
//! Before each scenario the runner calls [`Host::reset`] then
//! [`Host::prepare`] with a [`HostEnvironment`]: the scenario's
//! [`VirtualClock`] and [`IdSource`]. A host that reads the time (session
//! timeouts, token expiry, document dates) must read it from that clock
//! during the scenario: scenarios move it forward to prove timeouts. A host
//! that takes its document ids from the id source produces the same
//! documents at every run. `VirtualClock` implements `segur_psc::Clock` and
//! `segur_cda::clock::Clock`, and `IdSource` implements
//! `segur_cda::clock::IdGenerator`, so they plug into the SDK directly.
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
//! The reference host of the `segur-examples` crate implements every area
//! with the SDK; it is the model to follow. The smallest host:
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

use segur_cda::stylesheet::StylesheetRenderer;
use segur_cda::versions::{DocumentFilter, SortOrder};
use segur_cda::{Level, datatypes::Code};
use segur_ids::IdNatPs;
use segur_ins::{Identity, IdentityStatus, Ins};
use segur_psc::{Audience, BearerToken, ClientConfig, Environment, ServiceExchange};
use segur_ssi::AuthError;
use segur_ssi::account::{
    Account, AccountId, DirectoryEntry, NewAccount, SyncReport, TotpEnrollment,
};
use segur_ssi::audit::AuditRecord;
use segur_ssi::session::SessionInfo;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::context::{IdSource, VirtualClock};

mod carte_vitale;
pub use carte_vitale::{
    ApcvReadOutcome, CarteVitale, CarteVitaleSetup, IssuedPrescription, PrescriptionRequest,
};
mod sentinelle;
pub use sentinelle::{CreationOffer, DraftRef, InsiDisplay, InsiSetup, LookupOutcome, Sentinelle};

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
    /// The host's own, opaque reference to one CDA document held in a
    /// patient file (an N1/N3 pair is two documents shown as one).
    DocumentRef
);
host_ref!(
    /// The host's own, opaque reference to an open user session.
    SessionRef
);
host_ref!(
    /// The host's own, opaque reference to a login step waiting for the
    /// user (a second factor, the confirmation of a Pro Santé Connect link).
    ChallengeRef
);

/// What the runner gives the host before each scenario (see "Time and ids"
/// in the module docs).
#[derive(Debug, Clone)]
pub struct HostEnvironment {
    clock: VirtualClock,
    ids: IdSource,
    cda_stylesheet: Option<StylesheetRenderer>,
}

impl HostEnvironment {
    /// An environment (the runner builds it; tests may too).
    pub fn new(clock: VirtualClock, ids: IdSource) -> Self {
        HostEnvironment {
            clock,
            ids,
            cda_stylesheet: None,
        }
    }

    /// Adds the official CDA display stylesheet the run is configured with
    /// (`Runner::cda_stylesheet`).
    pub fn with_cda_stylesheet(mut self, renderer: StylesheetRenderer) -> Self {
        self.cda_stylesheet = Some(renderer);
        self
    }

    /// The official CDA display stylesheet (ANS `CDA-FO.xsl`) and XSLT
    /// processor the run was configured with, if any (SC.CDA/INT.15).
    ///
    /// A host that ships its own copy of the stylesheet displays with its
    /// own copy: scenario `cda.display.official-stylesheet` then proves that
    /// copy renders exactly as the official one. A host whose stylesheet
    /// location is a setting (as the reference host) may use this one.
    pub fn cda_stylesheet(&self) -> Option<&StylesheetRenderer> {
        self.cda_stylesheet.as_ref()
    }

    /// The scenario's clock: read the time only from it.
    pub fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    /// The scenario's id source, for deterministic document ids.
    pub fn ids(&self) -> &IdSource {
        &self.ids
    }

    /// The current virtual time.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

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

    /// Called after [`Host::reset`], before each scenario, with the
    /// scenario's clock and id source. The default ignores them; a host that
    /// reads the time must keep the clock (see the module docs).
    fn prepare(&self, env: HostEnvironment) {
        let _ = env;
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

    /// Security controls (audit trail, TLS), if the host exposes them.
    fn security(&self) -> Option<&dyn Security> {
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

    /// The Application Carte Vitale and the ordonnance numérique, if the
    /// host exposes them.
    fn carte_vitale(&self) -> Option<&dyn CarteVitale> {
        None
    }

    /// The child health record, if the host exposes it.
    fn child_health(&self) -> Option<&dyn enfant::ChildHealth> {
        None
    }

    /// The Sentinelle workflows (INS lookups, INSi verification,
    /// qualification), if the host exposes them.
    fn sentinelle(&self) -> Option<&dyn Sentinelle> {
        None
    }
}

fn not_implemented<'a, T: Send + 'a>(what: &'static str) -> BoxFuture<'a, Result<T, HostError>> {
    Box::pin(async move { Err(HostError::not_implemented(what)) })
}

/// Patient files held by the host. Each file holds a patient identity
/// (`segur_ins::Identity`, with its RNIV status and evidence) and a history
/// of documents.
///
/// Finding a file from a datamatrix or a carte Vitale and the INSi
/// workflows are added with the Sentinelle workflows of `segur-ins`.
pub trait PatientFiles: Send + Sync {
    /// Every patient file the host holds, in the host's order.
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>>;

    /// Opens the file as a user would. Resolves as soon as the file is shown
    /// to the user: work the REM wants in the background (the INSi call of
    /// SENTINELLE.05/06, the DMP refresh of SC.DMP/UX.50) must not delay it.
    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>>;

    /// Creates a patient file holding `identity` as it stands (status,
    /// INS, evidence), as if it had been collected at the front desk.
    fn create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        let _ = identity;
        not_implemented("patient_files.create")
    }

    /// Records the patient's contact details (address, phone, e-mail) in
    /// the file, as the front desk would; documents whose volet requires
    /// them (e-prescription) are pre-filled with them.
    fn set_contact<'a>(
        &'a self,
        file: &'a PatientFileRef,
        contact: &'a PatientContact,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = (file, contact);
        not_implemented("patient_files.set_contact")
    }
}

/// What the professional asks the host to write: a document of the Ségur
/// perimeter, from the open patient file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DocumentRequest {
    /// Document type (JDV J07), e.g. `segur_cda::vocab::DocumentType::to_code`.
    pub document_type: Code,
    /// Title.
    pub title: String,
    /// Date of the act the document is about.
    pub act_time: OffsetDateTime,
    /// The text the professional wrote, one paragraph per entry.
    pub paragraphs: Vec<String>,
}

impl DocumentRequest {
    /// A request without text.
    pub fn new(document_type: Code, title: impl Into<String>, act_time: OffsetDateTime) -> Self {
        DocumentRequest {
            document_type,
            title: title.into(),
            act_time,
            paragraphs: Vec::new(),
        }
    }

    /// Adds a paragraph.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.paragraphs.push(text.into());
        self
    }
}

/// A file received from outside (a correspondent, a patient, a device),
/// given to the host to integrate into a patient file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedFile {
    /// File name as received.
    pub name: String,
    /// MIME type as received (`text/xml` for a CDA document).
    pub media_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl ReceivedFile {
    /// A received file.
    pub fn new(name: impl Into<String>, media_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        ReceivedFile {
            name: name.into(),
            media_type: media_type.into(),
            bytes,
        }
    }
}

/// What the host did with a [`ReceivedFile`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportOutcome {
    /// Integrated as a new document of the file.
    Integrated(DocumentRef),
    /// Integrated as the newer version of a document already held
    /// (SC.CDA/DD.05); the held one stays, marked as replaced.
    NewerVersion {
        /// The received document.
        document: DocumentRef,
        /// The held document it replaces.
        replaces: DocumentRef,
    },
    /// The same document (same id) is already held: not integrated twice.
    AlreadyHeld(DocumentRef),
    /// Not integrated; the reason, as shown to the user (malware found,
    /// unreadable file, another patient…).
    Refused {
        /// The reason.
        reason: String,
    },
}

/// The documents linked to one document by request ↔ report relations
/// (`inFulfillmentOf/order`), as the user navigates them (SC.DB/TRA.02).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentLinks {
    /// The requests this document fulfils.
    pub requests: Vec<DocumentRef>,
    /// The documents (reports) that fulfil this one.
    pub reports: Vec<DocumentRef>,
}

impl DocumentLinks {
    /// Links.
    pub fn new(requests: Vec<DocumentRef>, reports: Vec<DocumentRef>) -> Self {
        DocumentLinks { requests, reports }
    }
}

/// Documents held in the host's patient files.
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

    /// Produces a document as the professional would from the patient file:
    /// a CDA R2 N1 document with an embedded PDF, its header pre-filled from
    /// the file (identity traits; INS and INS datamatrix only when the
    /// identity is qualified) and the practice. When the file already holds a
    /// document of the same type for the same act, the host produces its next
    /// version instead of a second, conflicting document (SC.CDA/DD.17).
    fn produce<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        let _ = (file, request);
        not_implemented("documents.produce")
    }

    /// Produces the next version of `document` with the new content
    /// (same setId, version + 1, RPLC to it).
    fn revise<'a>(
        &'a self,
        document: &'a DocumentRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        let _ = (document, request);
        not_implemented("documents.revise")
    }

    /// Integrates a received file into the patient file, as the host does
    /// for any received file: antivirus scan first (malware refused), then
    /// for a CDA document duplicate and version detection, and N1/N3 pairing.
    fn import<'a>(
        &'a self,
        file: &'a PatientFileRef,
        received: &'a ReceivedFile,
    ) -> BoxFuture<'a, Result<ImportOutcome, HostError>> {
        let _ = (file, received);
        not_implemented("documents.import")
    }

    /// The documents of the file as the host lists them with these criteria
    /// (type codes, act period) and this order of act date (SC.CDA/INT.17).
    fn list_sorted<'a>(
        &'a self,
        file: &'a PatientFileRef,
        filter: &'a DocumentFilter,
        order: SortOrder,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>> {
        let _ = (file, filter, order);
        not_implemented("documents.list_sorted")
    }

    /// The requests `document` fulfils and the reports that fulfil it.
    fn links<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentLinks, HostError>> {
        let _ = document;
        not_implemented("documents.links")
    }

    /// Produces a structured document of a CI-SIS content volet (VSM,
    /// e-prescription) from the medical content the professional confirmed
    /// (SC.CDA/DD.21, SC.DB/LGC.01, SC.DOC.03): the N3 document, header
    /// pre-filled from the patient file and the practice, passing the
    /// volet's rules, and its N1 twin made from the same content (same PDF,
    /// `XFRM` to the N3, SC.CDA/DD.23). Both are held in the file as one
    /// document with two renderings.
    fn produce_structured<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a StructuredRequest,
    ) -> BoxFuture<'a, Result<ProducedPair, HostError>> {
        let _ = (file, request);
        not_implemented("documents.produce_structured")
    }
}

mod dmp;
pub use dmp::{Dmp, DmpDecision, DmpRefusal, DmpSetup};

pub mod enfant;
mod structured;
pub use structured::{PatientContact, ProducedPair, StructuredContent, StructuredRequest};

mod mssante;
pub use mssante::{
    AnnuaireAccess, MssAccount, MssCredentials, MssDelivery, MssEnvironment, MssIntegration,
    MssPatientInfo, MssReceivedDocument, MssReceivedMessage, MssRecipient, MssSendOutcome,
    MssSendRequest, Mssante,
};

/// The host's decision on a login or account action: `Ok` when done, `Err`
/// with the `segur_ssi` refusal shown to the user (weak password, locked
/// account, expired session…). Adapter failures are [`HostError`]s around it.
pub type Decision<T = ()> = Result<T, AuthError>;

/// Where a login attempt stands.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginOutcome {
    /// Logged in: a session is open.
    LoggedIn(SessionRef),
    /// The password was right; the second factor is asked
    /// ([`Login::second_factor`]).
    SecondFactorRequired(ChallengeRef),
    /// First Pro Santé Connect login of a professional who has a local
    /// account: the host asks for the local password once to link them
    /// ([`Login::psc_confirm_link`], SC.PSC.02).
    LinkConfirmationRequired(ChallengeRef),
    /// Refused by a local rule; the reason shown to the user.
    Refused(AuthError),
    /// Refused on the Pro Santé Connect side (provider error, CIBA denied,
    /// no account for this professional…); the reason shown to the user.
    PscRefused(String),
}

/// An administrator's action on the account base (SC.SSI/GEN.16/17).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AccountAction {
    /// Creates an account.
    Create(NewAccount),
    /// Sets a new password the user must change at next login.
    ResetPassword {
        /// The account.
        account: AccountId,
        /// The new password.
        password: String,
    },
    /// Unlocks an account locked after failures.
    Unlock(AccountId),
    /// Disables (`true`) or re-enables an account.
    SetDisabled(AccountId, bool),
}

/// How a Pro Santé Connect login starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PscLoginMode {
    /// The professional authenticates at PSC (browser).
    Interactive,
    /// No interaction: reuse the professional's PSC session if there is one
    /// (`prompt=none`, SC.PSC.11).
    Silent,
}

/// The Pro Santé Connect registration the host is configured with (the
/// scenario points it at the simulator).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PscSetup {
    /// The provider.
    pub environment: Environment,
    /// The host's client registration.
    pub client: ClientConfig,
    /// How to obtain tokens for national services from the PSC session
    /// (token exchange, SC.PSC.08).
    pub services: Vec<(Audience, ServiceExchange)>,
}

impl PscSetup {
    /// A setup without service exchanges.
    pub fn new(environment: Environment, client: ClientConfig) -> Self {
        PscSetup {
            environment,
            client,
            services: Vec::new(),
        }
    }

    /// Adds a service reached by token exchange.
    pub fn service(mut self, audience: Audience, exchange: ServiceExchange) -> Self {
        self.services.push((audience, exchange));
        self
    }
}

/// User login and sessions: local accounts with `segur-ssi` (password
/// policy, lockout, TOTP, sessions, administration, directory sync) and Pro
/// Santé Connect with `segur-psc` (authorization code, account linking,
/// session reuse, silent SSO, CIBA).
///
/// Every method has a default body returning [`HostError::NotImplemented`].
/// Time is read from the clock of [`Host::prepare`].
pub trait Login: Send + Sync {
    /// Creates an account as the installer or first set-up would, without
    /// an acting administrator; the password (if any) must pass the host's
    /// policy.
    fn provision_account(&self, account: NewAccount) -> BoxFuture<'_, Result<Decision, HostError>> {
        let _ = account;
        not_implemented("login.provision_account")
    }

    /// The stored account (password hash, lock state, second factor,
    /// privileges…), or `None`.
    fn account<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        let _ = login;
        not_implemented("login.account")
    }

    /// A password login.
    fn login_password<'a>(
        &'a self,
        login: &'a AccountId,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        let _ = (login, password);
        not_implemented("login.login_password")
    }

    /// Completes a login with the second-factor (TOTP) code.
    fn second_factor<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        code: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        let _ = (challenge, code);
        not_implemented("login.second_factor")
    }

    /// Starts the enrolment of a TOTP second factor (what the host shows
    /// once as a QR code).
    fn enroll_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Decision<TotpEnrollment>, HostError>> {
        let _ = login;
        not_implemented("login.enroll_second_factor")
    }

    /// Confirms the enrolment with a first code.
    fn confirm_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = (login, code);
        not_implemented("login.confirm_second_factor")
    }

    /// A user action in the session now: the session's information when it
    /// is still open (the action counts as activity), else the refusal
    /// (expired, logged out, unknown).
    fn session<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision<SessionInfo>, HostError>> {
        let _ = session;
        not_implemented("login.session")
    }

    /// An action the host classes as sensitive (e.g. an export of health
    /// data): done only when the session's last authentication is recent.
    fn sensitive_action<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = session;
        not_implemented("login.sensitive_action")
    }

    /// The user authenticates again in the session (password, and TOTP code
    /// when enrolled).
    fn reauthenticate<'a>(
        &'a self,
        session: &'a SessionRef,
        password: &'a str,
        totp_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = (session, password, totp_code);
        not_implemented("login.reauthenticate")
    }

    /// Explicit logout.
    fn logout<'a>(&'a self, session: &'a SessionRef) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = session;
        not_implemented("login.logout")
    }

    /// The user changes the password.
    fn change_password<'a>(
        &'a self,
        login: &'a AccountId,
        old: &'a str,
        new: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = (login, old, new);
        not_implemented("login.change_password")
    }

    /// An administrator's action, performed in the session `actor`: the host
    /// refuses it when the actor is not an administrator.
    fn administer<'a>(
        &'a self,
        actor: &'a SessionRef,
        action: AccountAction,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        let _ = (actor, action);
        not_implemented("login.administer")
    }

    /// Synchronises the accounts with a local directory holding `entries`
    /// (SC.SSI/IE.39).
    fn sync_directory(
        &self,
        entries: Vec<DirectoryEntry>,
    ) -> BoxFuture<'_, Result<Decision<SyncReport>, HostError>> {
        let _ = entries;
        not_implemented("login.sync_directory")
    }

    /// Configures the host's Pro Santé Connect client.
    fn configure_psc(&self, setup: PscSetup) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = setup;
        not_implemented("login.configure_psc")
    }

    /// The user clicks "Se connecter avec Pro Santé Connect": returns the
    /// authorization URL the host opens in the system browser. The host
    /// listens on its (loopback) redirect URI from now on.
    fn psc_start(&self, mode: PscLoginMode) -> BoxFuture<'_, Result<url::Url, HostError>> {
        let _ = mode;
        not_implemented("login.psc_start")
    }

    /// Resolves once the host has handled the browser's redirect to its
    /// redirect URI (the runner delivers it concurrently): the outcome of
    /// the login started by [`Login::psc_start`].
    fn psc_finish(&self) -> BoxFuture<'_, Result<LoginOutcome, HostError>> {
        not_implemented("login.psc_finish")
    }

    /// First PSC login: the professional proves they own the local account
    /// with its password; the host records the link and logs them in.
    fn psc_confirm_link<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        let _ = (challenge, password);
        not_implemented("login.psc_confirm_link")
    }

    /// A login by CIBA (the professional approves on their e-CPS app):
    /// resolves when approved, refused or expired.
    fn psc_ciba<'a>(
        &'a self,
        national_id: &'a IdNatPs,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        let _ = national_id;
        not_implemented("login.psc_ciba")
    }

    /// The bearer token the host would send now to `audience` on behalf of
    /// the PSC session `session` (refreshed or exchanged as needed, without
    /// asking the professional to identify again).
    fn service_token<'a>(
        &'a self,
        session: &'a SessionRef,
        audience: &'a Audience,
    ) -> BoxFuture<'a, Result<BearerToken, HostError>> {
        let _ = (session, audience);
        not_implemented("login.service_token")
    }
}

/// Security controls (SC.SSI): the audit trail and the TLS configuration
/// used for national services.
pub trait Security: Send + Sync {
    /// The whole audit trail, oldest first, as the host exports it (with the
    /// hash chain, so it can be verified with `segur_ssi::audit::verify_records`).
    fn audit_trail(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        not_implemented("security.audit_trail")
    }

    /// Trusts these root certificates (PEM) for national services, in the
    /// test environment, as an administrator loading the IGC-Santé test
    /// roots would.
    fn trust_national_roots<'a>(&'a self, pem: &'a [u8]) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = pem;
        not_implemented("security.trust_national_roots")
    }

    /// The TLS client configuration the host uses for national services.
    fn national_tls_config(&self) -> BoxFuture<'_, Result<rustls::ClientConfig, HostError>> {
        not_implemented("security.national_tls_config")
    }
}

/// What the patient file shows about the identity without a click
/// (SENTINELLE.17, SC.CDA/INT.08).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityDisplay {
    /// The status shown.
    pub status: IdentityStatus,
    /// The INS shown, if any.
    pub ins: Option<Ins>,
}

impl IdentityDisplay {
    /// A display.
    pub fn new(status: IdentityStatus, ins: Option<Ins>) -> Self {
        IdentityDisplay { status, ins }
    }
}

/// How a document appears to the user in the patient file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentView {
    /// The CDA documents shown as this one document (both forms of an N1/N3
    /// pair; one otherwise).
    pub forms: Vec<DocumentRef>,
    /// The renderings offered (N1 = the PDF, N3 = the structured view).
    pub renderings: Vec<Level>,
    /// The newer version held, when this document was replaced (SC.CDA/VISU.02).
    pub newer_version: Option<DocumentRef>,
}

impl DocumentView {
    /// A view.
    pub fn new(
        forms: Vec<DocumentRef>,
        renderings: Vec<Level>,
        newer_version: Option<DocumentRef>,
    ) -> Self {
        DocumentView {
            forms,
            renderings,
            newer_version,
        }
    }
}

/// What the host shows the user without a click, reported for the `host`
/// requirements: each scenario checks it against the truth it set up.
pub trait Observations: Send + Sync {
    /// The identity banner of the patient file.
    fn identity_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<IdentityDisplay, HostError>> {
        let _ = file;
        not_implemented("observations.identity_display")
    }

    /// How the document appears in the file's document list.
    fn document_view<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentView, HostError>> {
        let _ = document;
        not_implemented("observations.document_view")
    }

    /// The HTML the host shows when the user opens `document` in the given
    /// rendering (N1: the PDF; N3: the human-readable structured view).
    fn rendering<'a>(
        &'a self,
        document: &'a DocumentRef,
        level: Level,
    ) -> BoxFuture<'a, Result<String, HostError>> {
        let _ = (document, level);
        not_implemented("observations.rendering")
    }

    /// The page the host shows when the user displays the N3 `document`
    /// through the official ANS display stylesheet (`CDA-FO.xsl`,
    /// SC.CDA/INT.15): the stylesheet's output for the document's bytes as
    /// held, unchanged (HTML / XHTML). The runner applies the official
    /// stylesheet itself and compares (see [`HostEnvironment::cda_stylesheet`]
    /// and `segur_cda::stylesheet`).
    fn stylesheet_rendering<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<String, HostError>> {
        let _ = document;
        not_implemented("observations.stylesheet_rendering")
    }
}

/// Restart control: proves that what the host queued or stored survives.
pub trait Lifecycle: Send + Sync {
    /// Stops the software as a user closing it would, and starts it again on
    /// the same persistent storage. Resolves once the software is usable.
    fn restart(&self) -> BoxFuture<'_, Result<(), HostError>>;
}

/// A host that implements no capability.
///
/// Used by tests: only the scenarios that need no host capability (the
/// editor's evidence checks) can pass against it; every other one is not
/// applicable.
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
