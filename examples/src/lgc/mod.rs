//! The software instance and its host adapter.
//!
//! [`ReferenceLgc`] is what the conformance runner drives: it owns one
//! [`Core`] — the running software with all its stores — rebuilt empty by
//! `reset`, and started on the scenario's clock and id source by `prepare`.
//! Each capability area lives in its own module.

mod accounts;
mod carte_vitale;
mod display;
mod dmp;
mod documents;
mod enfant;
mod mss;
mod patients;
mod psc;
mod security;
mod sentinelle;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use segur_cda::Level;
use segur_cda::stylesheet::StylesheetRenderer;
use segur_conformance::host::{
    BoxFuture, CarteVitale, Dmp, DocumentRef, DocumentView, Documents, Host, HostEnvironment,
    HostError, HostInfo, IdentityDisplay, Lifecycle, Login, Mssante, Observations, PatientFileRef,
    PatientFiles, Security, Sentinelle,
};
use segur_conformance::{IdSource, VirtualClock};
use segur_dmp::vihf::AuthenticationMode;
use segur_ssi::account::{Authenticator, LockoutPolicy, SqliteAccountStore};
use segur_ssi::antivirus::{EicarScanner, Scanner};
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome, SqliteAuditTrail};
use segur_ssi::password::PasswordPolicy;
use segur_ssi::session::{SessionManager, SessionPolicy};
use time::OffsetDateTime;

use self::accounts::AccountsState;
use self::carte_vitale::CarteVitaleState;
use self::dmp::DmpState;
use self::documents::DocumentStore;
use self::mss::MssState;
use self::patients::PatientStore;
use self::psc::PscState;
use self::security::SecurityState;
use self::sentinelle::SentinelleState;

/// Locks a mutex; a panic elsewhere must not take the software down.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Maps any SDK error that is not a decision of the software to an adapter
/// failure.
fn failed(what: &str) -> impl Fn(&dyn std::fmt::Display) -> HostError + '_ {
    move |e| HostError::failed(format!("{what}: {e}"))
}

/// The security settings an editor chooses (defaults: the SDK's, which
/// follow the CNIL and ANSSI recommendations).
#[derive(Clone)]
#[non_exhaustive]
pub struct Settings {
    /// Password policy of standard accounts (CNIL 2022-100, 80 bits).
    pub password_policy: PasswordPolicy,
    /// Password policy of administrators (100 bits, 16 characters).
    pub privileged_password_policy: PasswordPolicy,
    /// Throttling and lockout after failures.
    pub lockout: LockoutPolicy,
    /// Session limits.
    pub sessions: SessionPolicy,
    /// The antivirus received files go through.
    pub scanner: Arc<dyn Scanner>,
    /// How the practice authenticates to the DMP: indirect with strong
    /// authentication of the user (the VIHF signed with the structure's
    /// certificate) by default.
    pub dmp_authentication: AuthenticationMode,
    /// The official CDA display stylesheet (ANS `CDA-FO.xsl`, installed by
    /// the practice: the SDK never ships it) and its XSLT processor, for
    /// the display of N3 documents through it (SC.CDA/INT.15). `None`: the
    /// one the conformance run gives (`HostEnvironment::cda_stylesheet`), if any.
    pub cda_stylesheet: Option<StylesheetRenderer>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            password_policy: PasswordPolicy::default(),
            privileged_password_policy: PasswordPolicy::privileged(),
            lockout: LockoutPolicy::default(),
            sessions: SessionPolicy::default(),
            // A test double flagging the EICAR test file; a real LGC uses
            // `segur_ssi::antivirus::ClamdScanner`.
            scanner: Arc::new(EicarScanner::new()),
            dmp_authentication: AuthenticationMode::IndirecteRenforcee,
            cda_stylesheet: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("password_policy", &self.password_policy)
            .field("lockout", &self.lockout)
            .field("sessions", &self.sessions)
            .field("scanner", &self.scanner.name())
            .field("dmp_authentication", &self.dmp_authentication)
            .field("cda_stylesheet", &self.cda_stylesheet)
            .finish()
    }
}

/// The running software: its clock and ids, its stores and services.
struct Core {
    clock: VirtualClock,
    ids: IdSource,
    /// Hash-chained audit trail: every security and health-data event.
    audit: Arc<SqliteAuditTrail>,
    /// Local accounts (SQLite store), password policy, lockout, TOTP.
    auth: Authenticator,
    /// Open sessions (30 min idle, 12 h; privileged 15 min, 4 h).
    sessions: SessionManager,
    /// The antivirus every received file goes through.
    scanner: Arc<dyn Scanner>,
    patients: PatientStore,
    documents: DocumentStore,
    accounts: AccountsState,
    psc: PscState,
    security: SecurityState,
    carte_vitale: CarteVitaleState,
    /// The child health record (certificates, sending queue).
    child: enfant::ChildState,
    mss: MssState,
    dmp: DmpState,
    /// INS lookups, background INSi verification, qualification.
    sentinelle: Arc<SentinelleState>,
    /// The official display stylesheet, if installed (or given by the run).
    display_stylesheet: Option<StylesheetRenderer>,
}

impl Core {
    fn new(env: &HostEnvironment, settings: &Settings) -> Result<Core, HostError> {
        let audit = Arc::new(
            SqliteAuditTrail::open_in_memory()
                .map_err(|e| HostError::failed(format!("audit trail: {e}")))?,
        );
        let store = SqliteAccountStore::open_in_memory()
            .map_err(|e| HostError::failed(format!("account store: {e}")))?;
        let auth = Authenticator::new(Arc::new(store))
            .with_audit(audit.clone())
            .with_password_policy(settings.password_policy.clone())
            .with_privileged_password_policy(settings.privileged_password_policy.clone())
            .with_lockout(settings.lockout.clone())
            .with_totp_issuer("LGC de référence segur-rs");
        let sessions = SessionManager::new(settings.sessions.clone()).with_audit(audit.clone());
        Ok(Core {
            clock: env.clock().clone(),
            ids: env.ids().clone(),
            audit,
            auth,
            sessions,
            scanner: settings.scanner.clone(),
            patients: PatientStore::default(),
            documents: DocumentStore::default(),
            accounts: AccountsState::default(),
            psc: PscState::default(),
            security: SecurityState::default(),
            carte_vitale: CarteVitaleState::default(),
            child: enfant::ChildState::new()?,
            mss: MssState::default(),
            dmp: DmpState::default(),
            sentinelle: Arc::default(),
            display_stylesheet: settings
                .cda_stylesheet
                .clone()
                .or_else(|| env.cda_stylesheet().cloned()),
        })
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Appends an event to the audit trail.
    fn trace(&self, event: AuditEvent) -> Result<(), HostError> {
        self.audit
            .append(event)
            .map(|_| ())
            .map_err(|e| HostError::failed(format!("audit trail: {e}")))
    }

    /// A new event of `kind` now.
    fn event(&self, kind: &str, actor: &str, outcome: Outcome) -> Result<AuditEvent, HostError> {
        let kind =
            AuditKind::new(kind).map_err(|e| HostError::failed(format!("audit kind: {e}")))?;
        Ok(AuditEvent::new(kind, actor, outcome, self.now()))
    }
}

/// The reference LGC. See the crate docs.
pub struct ReferenceLgc {
    settings: Settings,
    core: Mutex<Option<Arc<Core>>>,
}

impl std::fmt::Debug for ReferenceLgc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceLgc").finish_non_exhaustive()
    }
}

impl Default for ReferenceLgc {
    fn default() -> Self {
        Self::new()
    }
}

impl ReferenceLgc {
    /// A stopped instance with the default settings; it starts on the
    /// first `prepare` or call.
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    /// A stopped instance with these settings.
    pub fn with_settings(settings: Settings) -> Self {
        ReferenceLgc {
            settings,
            core: Mutex::new(None),
        }
    }

    /// The running instance (started on the system's time when no scenario
    /// prepared it).
    fn core(&self) -> Result<Arc<Core>, HostError> {
        let mut core = lock(&self.core);
        if let Some(c) = core.as_ref() {
            return Ok(c.clone());
        }
        let env = HostEnvironment::new(
            VirtualClock::new(OffsetDateTime::now_utc()),
            IdSource::new("reference-lgc"),
        );
        let c = Arc::new(Core::new(&env, &self.settings)?);
        *core = Some(c.clone());
        Ok(c)
    }
}

impl Host for ReferenceLgc {
    fn info(&self) -> HostInfo {
        HostInfo::new("segur-rs reference LGC", env!("CARGO_PKG_VERSION")).editor("segur-rs")
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        *lock(&self.core) = None;
        Box::pin(async { Ok(()) })
    }

    fn prepare(&self, env: HostEnvironment) {
        // A store that cannot open in memory leaves the instance stopped:
        // the next call reports the error.
        *lock(&self.core) = Core::new(&env, &self.settings).ok().map(Arc::new);
    }

    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(self)
    }

    fn documents(&self) -> Option<&dyn Documents> {
        Some(self)
    }

    fn dmp(&self) -> Option<&dyn Dmp> {
        Some(self)
    }

    fn mssante(&self) -> Option<&dyn Mssante> {
        Some(self)
    }

    fn login(&self) -> Option<&dyn Login> {
        Some(self)
    }

    fn security(&self) -> Option<&dyn Security> {
        Some(self)
    }

    fn observations(&self) -> Option<&dyn Observations> {
        Some(self)
    }

    fn carte_vitale(&self) -> Option<&dyn CarteVitale> {
        Some(self)
    }

    fn child_health(&self) -> Option<&dyn segur_conformance::host::enfant::ChildHealth> {
        Some(self)
    }

    fn lifecycle(&self) -> Option<&dyn Lifecycle> {
        Some(self)
    }

    fn sentinelle(&self) -> Option<&dyn Sentinelle> {
        Some(self)
    }
}

/// A restart stops the services holding connections and state in memory
/// and starts them again on the same stores (the practice's files and
/// documents are the instance's persistent storage).
impl Lifecycle for ReferenceLgc {
    fn restart(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            core.mss_restart().await?;
            core.dmp_restart(&self.settings).await
        })
    }
}

impl Observations for ReferenceLgc {
    fn identity_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<IdentityDisplay, HostError>> {
        Box::pin(async move { self.core()?.identity_display(file) })
    }

    fn document_view<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentView, HostError>> {
        Box::pin(async move { self.core()?.document_view(document) })
    }

    fn rendering<'a>(
        &'a self,
        document: &'a DocumentRef,
        level: Level,
    ) -> BoxFuture<'a, Result<String, HostError>> {
        Box::pin(async move { self.core()?.rendering(document, level) })
    }

    fn stylesheet_rendering<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<String, HostError>> {
        Box::pin(self.display_through_stylesheet(document))
    }
}
