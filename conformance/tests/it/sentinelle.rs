//! The Sentinelle scenarios of suite `ins`: the reference host passes them,
//! and each deliberately broken host makes the scenario of the requirement
//! it breaks FAIL with a message naming the fault.

use crate::harness::{self, forward, run};
use std::sync::Arc;
use std::time::Duration;

use segur_conformance::host::{
    BoxFuture, DraftRef, HostEnvironment, InsiDisplay, InsiSetup, LookupOutcome, PatientFileRef,
    PatientFiles, Sentinelle,
};
use segur_conformance::report::Status;
use segur_conformance::{Host, HostError, HostInfo};
use segur_examples::ReferenceLgc;
use segur_ins::Identity;
use segur_ins::sentinelle::{
    QualificationError, QualificationMethod, VitaleBeneficiary, VitaleCard,
};

/// One fault of a wrapped reference host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Opening a file waits for the INSi verification to end.
    BlocksOnInsi,
    /// Opening a file never calls INSi.
    NoInsiOnOpening,
    /// Qualification takes INSi's traits without asking the user.
    DifferencesIgnored,
    /// One generic text for every INSi outcome.
    GenericExplanation,
    /// Qualification ignores the identity document the user names.
    DocumentIgnored,
    /// None: the plain reference host behind the wrapper.
    None,
}

struct Faulty {
    inner: ReferenceLgc,
    fault: Fault,
}

impl Faulty {
    fn new(fault: Fault) -> Self {
        Faulty {
            inner: ReferenceLgc::new(),
            fault,
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
    fn sentinelle(&self) -> Option<&dyn Sentinelle> {
        Some(self)
    }
    forward! { Host<'a>:
        reset() -> ();
    }
}

impl PatientFiles for Faulty {
    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            match self.fault {
                Fault::NoInsiOnOpening => {
                    // Shows the file without any INSi call.
                    let files = PatientFiles::list(&self.inner).await?;
                    if files.contains(file) {
                        Ok(())
                    } else {
                        Err(HostError::failed(format!("no patient file {file}")))
                    }
                }
                Fault::BlocksOnInsi => {
                    self.inner.open(file).await?;
                    // Waits for the verification before showing the file.
                    loop {
                        let shown = self.inner.insi_display(file).await?;
                        if !shown.running {
                            return Ok(());
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                _ => self.inner.open(file).await,
            }
        })
    }
    forward! { PatientFiles<'a>:
        list() -> Vec<PatientFileRef>;
        create(identity: &'a Identity) -> PatientFileRef;
    }
}

impl Sentinelle for Faulty {
    fn insi_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<InsiDisplay, HostError>> {
        Box::pin(async move {
            let shown = self.inner.insi_display(file).await?;
            Ok(match self.fault {
                Fault::GenericExplanation if shown.explanation.is_some() => {
                    shown.explanation("Réponse du téléservice INSi reçue.")
                }
                _ => shown,
            })
        })
    }
    fn qualify<'a>(
        &'a self,
        file: &'a PatientFileRef,
        method: QualificationMethod,
        accept_returned_traits: bool,
    ) -> BoxFuture<'a, Result<Result<(), QualificationError>, HostError>> {
        match self.fault {
            Fault::DifferencesIgnored => self.inner.qualify(file, method, true),
            Fault::DocumentIgnored => self.inner.qualify(
                file,
                QualificationMethod::ExistingDocumentCheck,
                accept_returned_traits,
            ),
            _ => self.inner.qualify(file, method, accept_returned_traits),
        }
    }
    forward! { Sentinelle<'a>:
        configure_insi(setup: InsiSetup) -> ();
        find_by_datamatrix(scanned: &'a [u8]) -> LookupOutcome;
        find_by_vitale(card: &'a VitaleCard) -> LookupOutcome;
        find_by_vitale_beneficiary(beneficiary: &'a VitaleBeneficiary) -> LookupOutcome;
        create_from_offer(draft: &'a DraftRef) -> PatientFileRef;
        identity(file: &'a PatientFileRef) -> Identity;
    }
}

/// Runs scenario `id` against a host with `fault` and expects it to fail
/// with a message containing `expected`.
fn expect_failure(fault: Fault, id: &str, expected: &str) {
    harness::expect_failure(Arc::new(Faulty::new(fault)), id, id, expected);
}

#[test]
fn the_reference_host_and_the_wrapper_pass_every_sentinelle_scenario() {
    for host in [
        Arc::new(ReferenceLgc::new()) as Arc<dyn Host>,
        Arc::new(Faulty::new(Fault::None)),
    ] {
        let scenarios = run(host, "ins.*");
        assert!(scenarios.len() >= 16, "{}", scenarios.len());
        for s in scenarios {
            // The wrapper has no observations: the display scenarios do not apply.
            if s.id.starts_with("ins.display.") && s.status == Status::NotApplicable {
                continue;
            }
            assert_eq!(s.status, Status::Passed, "{}: {:?}", s.id, s.failure);
        }
    }
}

#[test]
fn a_host_blocking_on_insi_fails() {
    expect_failure(
        Fault::BlocksOnInsi,
        "ins.background.non-blocking",
        "the host waits for INSi instead of verifying in the background",
    );
}

#[test]
fn a_host_never_calling_insi_on_opening_fails() {
    expect_failure(
        Fault::NoInsiOnOpening,
        "ins.background.called-on-opening",
        "INSi received no request",
    );
}

#[test]
fn a_host_ignoring_traits_differences_fails() {
    expect_failure(
        Fault::DifferencesIgnored,
        "ins.differences.before-qualification",
        "qualifying with differing traits not accepted must be refused",
    );
}

#[test]
fn one_text_for_every_insi_outcome_fails() {
    expect_failure(
        Fault::GenericExplanation,
        "ins.explanations.return-codes",
        "are shown with the same text",
    );
}

#[test]
fn a_host_ignoring_the_identity_document_fails() {
    expect_failure(
        Fault::DocumentIgnored,
        "ins.qualification.one-click",
        "the host refused the qualification",
    );
}
