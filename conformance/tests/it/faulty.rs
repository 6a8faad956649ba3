//! Deliberately broken hosts: the reference host misconfigured or wrapped
//! with one fault each. Every one must make the scenarios of the
//! requirement it breaks FAIL with a message that names the fault.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use segur_cda::datatypes::Ii;
use segur_cda::pdf::{PdfContent, render_pdf};
use segur_cda::versions::{DocumentFilter, SortOrder};
use segur_cda::volets::{eprescription, vsm};
use segur_cda::{Body, Document, Level, NonXmlBody};
use segur_conformance::host::{
    AccountAction, BoxFuture, ChallengeRef, Decision, DocumentLinks, DocumentRef, DocumentRequest,
    DocumentView, Documents, HostEnvironment, IdentityDisplay, ImportOutcome, Login, LoginOutcome,
    Observations, PatientContact, PatientFileRef, PatientFiles, ProducedPair, PscLoginMode,
    PscSetup, ReceivedFile, Security, SessionRef, StructuredContent, StructuredRequest,
};
use segur_conformance::report::{ScenarioReport, Status};
use segur_conformance::{Filter, Host, HostError, HostInfo, Registry, Runner, Silent};
use segur_examples::{ReferenceLgc, Settings};
use segur_ids::IdNatPs;
use segur_ins::{Identity, IdentityStatus};
use segur_psc::{Audience, BearerToken};
use segur_ssi::account::{
    Account, AccountId, DirectoryEntry, LockoutPolicy, NewAccount, SyncReport, TotpEnrollment,
};
use segur_ssi::antivirus::{ScanFuture, ScanVerdict, Scanner};
use segur_ssi::audit::AuditRecord;
use segur_ssi::password::PasswordPolicy;
use segur_ssi::session::{SessionInfo, SessionPolicy};

/// One fault of a wrapped reference host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Writes the recorded INS of any identity, qualified or not, in documents.
    InsOfUnqualifiedIdentity,
    /// Shows every identity as qualified.
    WrongIdentityStatus,
    /// Keeps no trace of logins.
    LoginsNotTraced,
    /// Produces a second document when the same one is produced again.
    DuplicateInsteadOfVersion,
    /// Prints no INS datamatrix on the PDF, even for a qualified identity.
    NoDatamatrix,
    /// Never tries a silent PSC login: always asks the professional.
    NoSilentLogin,
    /// Writes structured documents without the templateId of their volet.
    StructuredWithoutVolet,
    /// Prints the N1 twin of a structured document from other content than
    /// its N3 (a PDF of its own).
    TwinFromOtherContent,
    /// Drops the last medication of a prescription.
    PrescriptionDropsMedication,
    /// None: the plain reference host behind the wrapper.
    None,
}

/// The reference host with one fault.
struct Faulty {
    inner: ReferenceLgc,
    fault: Fault,
    identities: Mutex<HashMap<PatientFileRef, Identity>>,
    produced_for: Mutex<HashMap<DocumentRef, PatientFileRef>>,
    productions: std::sync::atomic::AtomicI64,
}

impl Faulty {
    fn new(fault: Fault) -> Self {
        Faulty {
            inner: ReferenceLgc::new(),
            fault,
            identities: Mutex::new(HashMap::new()),
            produced_for: Mutex::new(HashMap::new()),
            productions: std::sync::atomic::AtomicI64::new(0),
        }
    }
}

impl Host for Faulty {
    fn info(&self) -> HostInfo {
        HostInfo::new(format!("faulty host ({:?})", self.fault), "0")
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        self.inner.reset()
    }
    fn prepare(&self, env: HostEnvironment) {
        self.inner.prepare(env);
    }
    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(self)
    }
    fn documents(&self) -> Option<&dyn Documents> {
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
}

impl PatientFiles for Faulty {
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
        PatientFiles::list(&self.inner)
    }
    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        self.inner.open(file)
    }
    fn create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        Box::pin(async move {
            let file = self.inner.create(identity).await?;
            self.identities
                .lock()
                .expect("test mutex")
                .insert(file.clone(), identity.clone());
            Ok(file)
        })
    }
    fn set_contact<'a>(
        &'a self,
        file: &'a PatientFileRef,
        contact: &'a PatientContact,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        self.inner.set_contact(file, contact)
    }
}

impl Documents for Faulty {
    fn list<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>> {
        Documents::list(&self.inner, file)
    }
    fn content<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<Vec<u8>, HostError>> {
        Box::pin(async move {
            let xml = self.inner.content(document).await?;
            if self.fault == Fault::NoDatamatrix {
                // The PDF rendered without the identity: no datamatrix.
                let mut doc = Document::parse(xml).map_err(|e| HostError::failed(e.to_string()))?;
                let pdf = render_pdf(
                    &doc.header,
                    &PdfContent::from_lines(&["Compte rendu."]),
                    None,
                )
                .map_err(|e| HostError::failed(e.to_string()))?;
                doc.body = Body::NonXml(NonXmlBody::pdf(pdf));
                return Ok(doc.to_xml());
            }
            if self.fault == Fault::StructuredWithoutVolet {
                let mut doc = Document::parse(xml).map_err(|e| HostError::failed(e.to_string()))?;
                doc.header.template_ids.retain(|t| {
                    !t.has_root(&vsm::TEMPLATE) && !t.has_root(&eprescription::TEMPLATE)
                });
                return Ok(doc.to_xml());
            }
            if self.fault == Fault::TwinFromOtherContent {
                let mut doc = Document::parse(xml).map_err(|e| HostError::failed(e.to_string()))?;
                if doc.level() == Level::N1 && doc.header.transformed_from().is_some() {
                    let pdf = render_pdf(
                        &doc.header,
                        &PdfContent::from_lines(&["Synthèse rédigée à part."]),
                        None,
                    )
                    .map_err(|e| HostError::failed(e.to_string()))?;
                    doc.body = Body::NonXml(NonXmlBody::pdf(pdf));
                }
                return Ok(doc.to_xml());
            }
            if self.fault != Fault::InsOfUnqualifiedIdentity {
                return Ok(xml);
            }
            let file = self
                .produced_for
                .lock()
                .expect("test mutex")
                .get(document)
                .cloned();
            let identity =
                file.and_then(|f| self.identities.lock().expect("test mutex").get(&f).cloned());
            let Some(ins) = identity.as_ref().and_then(Identity::recorded_ins) else {
                return Ok(xml);
            };
            let mut doc = Document::parse(xml).map_err(|e| HostError::failed(e.to_string()))?;
            if doc.header.patient_ins().is_none() {
                let (root, ext) = ins.cda_id();
                if let Some(rt) = doc.header.record_targets.first_mut() {
                    rt.patient_role
                        .ids
                        .insert(0, Ii::oid(&root, Some(ext.to_owned())));
                }
            }
            Ok(doc.to_xml())
        })
    }
    fn produce<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        Box::pin(async move {
            let doc = if self.fault == Fault::DuplicateInsteadOfVersion {
                // Ignores the document already produced for this act: each
                // production becomes a document of its own.
                let n = self
                    .productions
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut other = request.clone();
                other.act_time += time::Duration::seconds(n + 1);
                self.inner.produce(file, &other).await?
            } else {
                self.inner.produce(file, request).await?
            };
            self.produced_for
                .lock()
                .expect("test mutex")
                .insert(doc.clone(), file.clone());
            Ok(doc)
        })
    }
    fn revise<'a>(
        &'a self,
        document: &'a DocumentRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        self.inner.revise(document, request)
    }
    fn import<'a>(
        &'a self,
        file: &'a PatientFileRef,
        received: &'a ReceivedFile,
    ) -> BoxFuture<'a, Result<ImportOutcome, HostError>> {
        self.inner.import(file, received)
    }
    fn list_sorted<'a>(
        &'a self,
        file: &'a PatientFileRef,
        filter: &'a DocumentFilter,
        order: SortOrder,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>> {
        self.inner.list_sorted(file, filter, order)
    }
    fn links<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentLinks, HostError>> {
        self.inner.links(document)
    }
    fn produce_structured<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a StructuredRequest,
    ) -> BoxFuture<'a, Result<ProducedPair, HostError>> {
        Box::pin(async move {
            let mut request = request.clone();
            if self.fault == Fault::PrescriptionDropsMedication
                && let StructuredContent::Prescription { prescription, .. } = &mut request.content
            {
                prescription.medications.pop();
            }
            self.inner.produce_structured(file, &request).await
        })
    }
}

impl Login for Faulty {
    fn provision_account(&self, account: NewAccount) -> BoxFuture<'_, Result<Decision, HostError>> {
        self.inner.provision_account(account)
    }
    fn account<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        self.inner.account(login)
    }
    fn login_password<'a>(
        &'a self,
        login: &'a AccountId,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        self.inner.login_password(login, password)
    }
    fn second_factor<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        code: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        self.inner.second_factor(challenge, code)
    }
    fn enroll_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
    ) -> BoxFuture<'a, Result<Decision<TotpEnrollment>, HostError>> {
        self.inner.enroll_second_factor(login)
    }
    fn confirm_second_factor<'a>(
        &'a self,
        login: &'a AccountId,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.confirm_second_factor(login, code)
    }
    fn session<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision<SessionInfo>, HostError>> {
        self.inner.session(session)
    }
    fn sensitive_action<'a>(
        &'a self,
        session: &'a SessionRef,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.sensitive_action(session)
    }
    fn reauthenticate<'a>(
        &'a self,
        session: &'a SessionRef,
        password: &'a str,
        totp_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.reauthenticate(session, password, totp_code)
    }
    fn logout<'a>(&'a self, session: &'a SessionRef) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.logout(session)
    }
    fn change_password<'a>(
        &'a self,
        login: &'a AccountId,
        old: &'a str,
        new: &'a str,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.change_password(login, old, new)
    }
    fn administer<'a>(
        &'a self,
        actor: &'a SessionRef,
        action: AccountAction,
    ) -> BoxFuture<'a, Result<Decision, HostError>> {
        self.inner.administer(actor, action)
    }
    fn sync_directory(
        &self,
        entries: Vec<DirectoryEntry>,
    ) -> BoxFuture<'_, Result<Decision<SyncReport>, HostError>> {
        self.inner.sync_directory(entries)
    }
    fn configure_psc(&self, setup: PscSetup) -> BoxFuture<'_, Result<(), HostError>> {
        self.inner.configure_psc(setup)
    }
    fn psc_start(&self, mode: PscLoginMode) -> BoxFuture<'_, Result<url::Url, HostError>> {
        if self.fault == Fault::NoSilentLogin {
            return self.inner.psc_start(PscLoginMode::Interactive);
        }
        self.inner.psc_start(mode)
    }
    fn psc_finish(&self) -> BoxFuture<'_, Result<LoginOutcome, HostError>> {
        self.inner.psc_finish()
    }
    fn psc_confirm_link<'a>(
        &'a self,
        challenge: &'a ChallengeRef,
        password: &'a str,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        self.inner.psc_confirm_link(challenge, password)
    }
    fn psc_ciba<'a>(
        &'a self,
        national_id: &'a IdNatPs,
    ) -> BoxFuture<'a, Result<LoginOutcome, HostError>> {
        self.inner.psc_ciba(national_id)
    }
    fn service_token<'a>(
        &'a self,
        session: &'a SessionRef,
        audience: &'a Audience,
    ) -> BoxFuture<'a, Result<BearerToken, HostError>> {
        self.inner.service_token(session, audience)
    }
}

impl Security for Faulty {
    fn audit_trail(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        Box::pin(async move {
            let mut records = self.inner.audit_trail().await?;
            if self.fault == Fault::LoginsNotTraced {
                records.retain(|r| !r.event.kind.as_str().starts_with("auth.login"));
            }
            Ok(records)
        })
    }
    fn trust_national_roots<'a>(&'a self, pem: &'a [u8]) -> BoxFuture<'a, Result<(), HostError>> {
        self.inner.trust_national_roots(pem)
    }
    fn national_tls_config(&self) -> BoxFuture<'_, Result<rustls::ClientConfig, HostError>> {
        self.inner.national_tls_config()
    }
}

impl Observations for Faulty {
    fn identity_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<IdentityDisplay, HostError>> {
        Box::pin(async move {
            let shown = self.inner.identity_display(file).await?;
            if self.fault == Fault::WrongIdentityStatus {
                return Ok(IdentityDisplay::new(IdentityStatus::Qualifiee, shown.ins));
            }
            Ok(shown)
        })
    }
    fn document_view<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentView, HostError>> {
        self.inner.document_view(document)
    }
    fn rendering<'a>(
        &'a self,
        document: &'a DocumentRef,
        level: Level,
    ) -> BoxFuture<'a, Result<String, HostError>> {
        self.inner.rendering(document, level)
    }
}

/// An antivirus that never finds anything.
struct BlindScanner;

impl Scanner for BlindScanner {
    fn scan<'a>(&'a self, _data: &'a [u8]) -> ScanFuture<'a> {
        Box::pin(async { Ok(ScanVerdict::Clean) })
    }
    fn name(&self) -> &str {
        "blind"
    }
}

fn run(host: Arc<dyn Host>, glob: &str) -> Vec<ScenarioReport> {
    let runner = Runner::new(Registry::builtin().expect("registry"), host)
        .filter(Filter::new().scenario(glob));
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    assert!(
        !outcome.report().scenarios.is_empty(),
        "no scenario matches {glob}"
    );
    outcome.into_report().scenarios
}

/// Runs `glob` against `host` and expects scenario `id` to fail with a
/// message containing `expected`.
fn expect_failure(host: Arc<dyn Host>, glob: &str, id: &str, expected: &str) {
    let scenarios = run(host, glob);
    let s = scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} was not run"));
    assert_eq!(s.status, Status::Failed, "{id} must fail: {:?}", s.failure);
    let message = &s.failure.as_ref().expect("failure").message;
    assert!(
        message.contains(expected),
        "{id}: the message {message:?} does not say {expected:?}"
    );
}

#[test]
fn the_wrapper_alone_passes() {
    let scenarios = run(Arc::new(Faulty::new(Fault::None)), "*");
    for s in scenarios {
        assert_ne!(s.status, Status::Failed, "{}: {:?}", s.id, s.failure);
    }
}

#[test]
fn ins_of_a_non_qualified_identity_in_documents_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::InsOfUnqualifiedIdentity)),
        "cda.production.prefilled",
        "cda.production.prefilled",
        "of a non-qualified identity (Identité récupérée): the INS may only be shared once qualified",
    );
}

#[test]
fn a_wrong_identity_status_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::WrongIdentityStatus)),
        "ins.display.*",
        "ins.display.recuperee",
        "the patient file shows « Identité qualifiée » but the identity is « Identité récupérée »",
    );
}

#[test]
fn untraced_logins_fail() {
    expect_failure(
        Arc::new(Faulty::new(Fault::LoginsNotTraced)),
        "ssi.audit.authentication-traced",
        "ssi.audit.authentication-traced",
        "an auth.login.success record for jeanne.martin: nothing found",
    );
}

#[test]
fn a_duplicate_instead_of_a_new_version_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::DuplicateInsteadOfVersion)),
        "cda.versions.produced-again",
        "cda.versions.produced-again",
        "producing the same document again must give its next version",
    );
}

#[test]
fn a_weak_password_accepted_fails() {
    let mut settings = Settings::default();
    let mut lax = PasswordPolicy::cnil_password_only();
    lax.min_entropy_bits = 0;
    lax.min_length = 1;
    settings.password_policy = lax;
    expect_failure(
        Arc::new(ReferenceLgc::with_settings(settings)),
        "ssi.passwords.policy",
        "ssi.passwords.policy",
        "the weak password \"Kq7#p\" (5 characters): the host accepted it",
    );
}

#[test]
fn no_lockout_fails() {
    let mut settings = Settings::default();
    let mut never = LockoutPolicy::default();
    never.threshold = u32::MAX;
    never.hard_lock_after = None;
    settings.lockout = never;
    expect_failure(
        Arc::new(ReferenceLgc::with_settings(settings)),
        "ssi.lockout.*",
        "ssi.lockout.repeated-failures",
        "11 wrong passwords in a row and the account is still not locked",
    );
}

#[test]
fn sessions_without_inactivity_timeout_fail() {
    let mut settings = Settings::default();
    let mut endless = SessionPolicy::default();
    endless.idle_timeout = time::Duration::days(30);
    endless.absolute_lifetime = time::Duration::days(30);
    settings.sessions = endless;
    expect_failure(
        Arc::new(ReferenceLgc::with_settings(settings)),
        "ssi.sessions.inactivity",
        "ssi.sessions.inactivity",
        "the session after 31 minutes of inactivity: the host accepted it",
    );
}

#[test]
fn an_antivirus_that_sees_nothing_fails() {
    let mut settings = Settings::default();
    settings.scanner = Arc::new(BlindScanner);
    expect_failure(
        Arc::new(ReferenceLgc::with_settings(settings)),
        "ssi.antivirus.*",
        "ssi.antivirus.received-files",
        "a file carrying the EICAR test signature must be refused",
    );
}

#[test]
fn no_datamatrix_on_a_qualified_identity_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::NoDatamatrix)),
        "cda.production.ins-datamatrix",
        "cda.production.ins-datamatrix",
        "but no INS datamatrix was found on the document's PDF",
    );
}

#[test]
fn no_silent_psc_login_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::NoSilentLogin)),
        "psc.sso.*",
        "psc.sso.silent",
        "prompt: expected Some(\"none\"), got None",
    );
}

#[test]
fn a_structured_document_without_its_volet_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::StructuredWithoutVolet)),
        "cda.structured.*",
        "cda.structured.vsm",
        "the document is not a VSM: no templateId 1.2.250.1.213.1.1.1.13",
    );
}

#[test]
fn an_n1_twin_from_other_content_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::TwinFromOtherContent)),
        "cda.structured.n1-n3-pair",
        "cda.structured.n1-n3-pair",
        "differs from the PDF copy of the N3 form",
    );
}

#[test]
fn a_prescription_missing_a_medication_fails() {
    expect_failure(
        Arc::new(Faulty::new(Fault::PrescriptionDropsMedication)),
        "cda.structured.eprescription",
        "cda.structured.eprescription",
        "prescribed medications: the professional confirmed",
    );
}
