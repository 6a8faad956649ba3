//! The `carte-vitale` suite: the reference host passes it; hosts with one
//! fault each make the scenario of the requirement they break FAIL with a
//! message naming the fault.

use crate::harness::{failure_of, forward, run};
use std::sync::Arc;

use segur_carte_vitale::ordonnance::PrescriptionId;
use segur_carte_vitale::{ApcvPresentation, BeneficiaryKey};
use segur_cda::test_output;
use segur_cda::volets::eprescription;
use segur_conformance::host::{
    ApcvReadOutcome, BoxFuture, CarteVitale, CarteVitaleSetup, HostEnvironment, IssuedPrescription,
    Observations, PatientFileRef, PatientFiles, PrescriptionRequest,
};
use segur_conformance::report::Status;
use segur_conformance::{
    ArtefactKind, Filter, Host, HostError, HostInfo, Registry, Runner, Silent,
};
use segur_examples::ReferenceLgc;

/// One fault of the wrapped reference host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The DMP leg is not wired (the DMP endpoint is a closed port): the
    /// prescriptions never reach the DMP.
    NoDmpLeg,
    /// The apCV read picks the first beneficiary silently.
    SilentBeneficiaryPick,
    /// Claims every prescription is registered and keeps the last printed
    /// code even when the e-prescription service did not confirm.
    PrintsCodeWhenUnregistered,
}

struct Faulty {
    inner: ReferenceLgc,
    fault: Fault,
    last_code: std::sync::Mutex<Option<Vec<u8>>>,
}

impl Faulty {
    fn host(fault: Fault) -> Arc<dyn Host> {
        Arc::new(Faulty {
            inner: ReferenceLgc::new(),
            fault,
            last_code: std::sync::Mutex::new(None),
        })
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
        self.inner.patient_files()
    }
    fn observations(&self) -> Option<&dyn Observations> {
        self.inner.observations()
    }
    fn carte_vitale(&self) -> Option<&dyn CarteVitale> {
        Some(self)
    }
    forward! { Host<'a>:
        reset() -> ();
    }
}

impl CarteVitale for Faulty {
    fn configure_carte_vitale(
        &self,
        mut setup: CarteVitaleSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        if self.fault == Fault::NoDmpLeg {
            // Port 9 (discard) is closed on loopback.
            setup.dmp = url::Url::parse("http://127.0.0.1:9/").expect("URL literal");
        }
        self.inner.configure_carte_vitale(setup)
    }

    fn apcv_read(
        &self,
        presentation: ApcvPresentation,
    ) -> BoxFuture<'_, Result<ApcvReadOutcome, HostError>> {
        Box::pin(async move {
            let outcome = self.inner.apcv_read(presentation).await?;
            Ok(match (self.fault, outcome) {
                (Fault::SilentBeneficiaryPick, ApcvReadOutcome::Read(mut options)) => {
                    options.truncate(1);
                    ApcvReadOutcome::Read(options)
                }
                (_, other) => other,
            })
        })
    }

    fn issue_prescription<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: PrescriptionRequest,
    ) -> BoxFuture<'a, Result<IssuedPrescription, HostError>> {
        Box::pin(async move {
            let issued = self.inner.issue_prescription(file, request).await?;
            if self.fault != Fault::PrintsCodeWhenUnregistered {
                return Ok(issued);
            }
            let mut last = self.last_code.lock().expect("lock");
            if issued.printed_code.is_some() {
                last.clone_from(&issued.printed_code);
            }
            let id: PrescriptionId = issued.id.clone();
            Ok(IssuedPrescription::new(
                id,
                true,
                issued.printed_code.or_else(|| last.clone()),
            ))
        })
    }
    forward! { CarteVitale<'a>:
        choose_beneficiary(key: BeneficiaryKey) -> PatientFileRef;
    }
}

/// The reference host passes; the documents the DMP simulator received
/// are written to `$SEGUR_TEST_OUT/cda/` for the official XSD and
/// schematrons (`scripts/check.d/20-cda-schematron.sh`).
#[test]
fn the_reference_host_passes_the_carte_vitale_suite() {
    let runner = Runner::new(
        Registry::builtin().expect("registry"),
        Arc::new(ReferenceLgc::new()),
    )
    .filter(Filter::new().scenario("carte-vitale.*"));
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    let scenarios = &outcome.report().scenarios;
    assert_eq!(scenarios.len(), 4, "{scenarios:#?}");
    for s in scenarios {
        assert_eq!(
            s.status,
            Status::Passed,
            "{}: {:?}",
            s.id,
            s.failure.as_ref().map(|f| &f.message)
        );
    }
    let mut written = 0;
    for s in scenarios {
        for a in outcome.artefacts(&s.id) {
            if a.kind != ArtefactKind::Document || !a.name.ends_with(".xml") {
                continue;
            }
            let bytes = a.bytes().expect("bytes");
            let doc = segur_cda::Document::parse(bytes.clone()).expect("recorded CDA");
            let key = if doc.header.has_template(&eprescription::TEMPLATE) {
                eprescription::VOLET_KEY
            } else {
                assert_eq!(doc.level(), segur_cda::Level::N1, "{}", a.name);
                test_output::N1
            };
            let name = format!(
                "conformance-{}-{}",
                s.id.replace('.', "-"),
                a.name.trim_end_matches(".xml")
            );
            test_output::write(key, &name, &bytes).expect("write test output");
            written += 1;
        }
    }
    // envoi-en-y: an N3 and an N1; each degraded scenario: an N3.
    assert_eq!(written, 4);
}

#[test]
fn a_host_without_the_dmp_leg_fails_the_envoi_en_y() {
    let scenarios = run(Faulty::host(Fault::NoDmpLeg), "carte-vitale.ordonnance.*");
    for id in [
        "carte-vitale.ordonnance.envoi-en-y",
        "carte-vitale.ordonnance.service-unavailable",
        "carte-vitale.ordonnance.service-timeout",
    ] {
        let message = failure_of(&scenarios, id);
        assert!(
            message.contains("documents the DMP received for prescription")
                && message.contains("expected 1, got 0"),
            "{id}: {message}"
        );
    }
}

#[test]
fn a_host_picking_a_beneficiary_silently_fails_the_apcv_scenario() {
    let scenarios = run(
        Faulty::host(Fault::SilentBeneficiaryPick),
        "carte-vitale.apcv.*",
    );
    let message = failure_of(&scenarios, "carte-vitale.apcv.identification");
    assert!(
        message.contains("beneficiaries listed: expected 5, got 1"),
        "{message}"
    );
}

#[test]
fn a_host_printing_a_code_the_service_never_confirmed_fails_conf_05() {
    let scenarios = run(
        Faulty::host(Fault::PrintsCodeWhenUnregistered),
        "carte-vitale.ordonnance.service-*",
    );
    for id in [
        "carte-vitale.ordonnance.service-unavailable",
        "carte-vitale.ordonnance.service-timeout",
    ] {
        let message = failure_of(&scenarios, id);
        assert!(
            message.contains("is registered although the e-prescription service did not confirm"),
            "{id}: {message}"
        );
    }
}
