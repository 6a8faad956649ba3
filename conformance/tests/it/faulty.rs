//! Deliberately broken hosts: the reference host misconfigured or wrapped
//! with one fault each. Every one must make the scenarios of the
//! requirement it breaks FAIL with a message that names the fault.

use crate::harness::{expect_failure, forward, run};
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
use segur_conformance::report::Status;
use segur_conformance::{Host, HostError, HostInfo};
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
    forward! { Host<'a>:
        reset() -> ();
    }
}

impl PatientFiles for Faulty {
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
    forward! { PatientFiles<'a>:
        list() -> Vec<PatientFileRef>;
        open(file: &'a PatientFileRef) -> ();
        set_contact(file: &'a PatientFileRef, contact: &'a PatientContact) -> ();
    }
}

impl Documents for Faulty {
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
    forward! { Documents<'a>:
        list(file: &'a PatientFileRef) -> Vec<DocumentRef>;
        revise(document: &'a DocumentRef, request: &'a DocumentRequest) -> DocumentRef;
        import(file: &'a PatientFileRef, received: &'a ReceivedFile) -> ImportOutcome;
        list_sorted(file: &'a PatientFileRef, filter: &'a DocumentFilter, order: SortOrder) -> Vec<DocumentRef>;
        links(document: &'a DocumentRef) -> DocumentLinks;
    }
}

impl Login for Faulty {
    fn psc_start(&self, mode: PscLoginMode) -> BoxFuture<'_, Result<url::Url, HostError>> {
        if self.fault == Fault::NoSilentLogin {
            return self.inner.psc_start(PscLoginMode::Interactive);
        }
        self.inner.psc_start(mode)
    }
    forward! { Login<'a>:
        provision_account(account: NewAccount) -> Decision;
        account(login: &'a AccountId) -> Option<Account>;
        login_password(login: &'a AccountId, password: &'a str) -> LoginOutcome;
        second_factor(challenge: &'a ChallengeRef, code: &'a str) -> LoginOutcome;
        enroll_second_factor(login: &'a AccountId) -> Decision<TotpEnrollment>;
        confirm_second_factor(login: &'a AccountId, code: &'a str) -> Decision;
        session(session: &'a SessionRef) -> Decision<SessionInfo>;
        sensitive_action(session: &'a SessionRef) -> Decision;
        reauthenticate(session: &'a SessionRef, password: &'a str, totp_code: Option<&'a str>) -> Decision;
        logout(session: &'a SessionRef) -> Decision;
        change_password(login: &'a AccountId, old: &'a str, new: &'a str) -> Decision;
        administer(actor: &'a SessionRef, action: AccountAction) -> Decision;
        sync_directory(entries: Vec<DirectoryEntry>) -> Decision<SyncReport>;
        configure_psc(setup: PscSetup) -> ();
        psc_finish() -> LoginOutcome;
        psc_confirm_link(challenge: &'a ChallengeRef, password: &'a str) -> LoginOutcome;
        psc_ciba(national_id: &'a IdNatPs) -> LoginOutcome;
        service_token(session: &'a SessionRef, audience: &'a Audience) -> BearerToken;
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
    forward! { Security<'a>:
        trust_national_roots(pem: &'a [u8]) -> ();
        national_tls_config() -> rustls::ClientConfig;
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
    forward! { Observations<'a>:
        document_view(document: &'a DocumentRef) -> DocumentView;
        rendering(document: &'a DocumentRef, level: Level) -> String;
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
