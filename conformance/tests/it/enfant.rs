//! The `enfant` suite: every scenario passes against the reference host
//! (whose documents are written to `$SEGUR_TEST_OUT/cda/<volet key>/` for
//! the official XSD and schematrons), and fails against a host with one
//! fault, with a message that names the fault.

use crate::harness::{self, forward};
use std::sync::Arc;

use segur_cda::test_output;
use segur_cda::{Body, Document, NonXmlBody};
use segur_conformance::host::enfant::{
    CertificateSendingSetup, ChildFileEntries, ChildHealth, HealthCertificate,
};
use segur_conformance::host::{BoxFuture, HostEnvironment, PatientFileRef, PatientFiles};
use segur_conformance::report::{CoverageStatus, Status};
use segur_conformance::{
    ArtefactKind, Filter, Host, HostError, HostInfo, Registry, Runner, Silent,
};
use segur_enfant::measures::ChildMeasurements;
use segur_enfant::report::ExaminationReport;
use segur_enfant::sending::RecipientTable;
use segur_enfant::vaccination_note::VaccinationNote;
use segur_enfant::volet::ChildVolet;
use segur_examples::ReferenceLgc;
use segur_ins::Identity;
use time::{Date, OffsetDateTime};

const REQUIREMENTS: [&str; 6] = [
    "LGC.CSE.04",
    "LGC.CSE.09",
    "LGC.CSE.12",
    "LGC.CSE.14",
    "LGC.CSE.15",
    "SC.VACC/NOTE.05",
];

#[test]
fn the_reference_host_passes_the_enfant_suite() {
    let runner = Runner::new(
        Registry::builtin().expect("registry"),
        Arc::new(ReferenceLgc::new()),
    )
    .filter(Filter::new().scenario("enfant.*"));
    let outcome = runner.run_blocking(&mut Silent).expect("runtime");
    let report = outcome.report();
    let not_passed: Vec<String> = report
        .scenarios
        .iter()
        .filter(|s| s.status != Status::Passed)
        .map(|s| format!("{} {:?}: {:?}", s.id, s.status, s.failure))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:#?}");
    assert_eq!(report.scenarios.len(), 9);
    for r in REQUIREMENTS {
        let c = report.coverage.requirement(r).expect("catalogue entry");
        assert_eq!(c.status, CoverageStatus::Covered, "{r}");
    }

    // The produced documents, for the official validators.
    let mut written = 0;
    for s in &report.scenarios {
        for a in outcome.artefacts(&s.id) {
            if a.kind != ArtefactKind::Document || !a.name.ends_with(".xml") {
                continue;
            }
            let bytes = a.bytes().expect("bytes");
            let doc = Document::parse(bytes.clone()).expect("produced document parses");
            let key = ChildVolet::of(&doc.header).map_or(test_output::N1, ChildVolet::volet_key);
            let name = format!(
                "conformance-{}-{}",
                s.id.replace('.', "-"),
                a.name.trim_end_matches(".xml")
            );
            test_output::write(key, &name, &bytes).expect("write test output");
            written += 1;
        }
    }
    // 3 certificates, measures, note, 20 + 1 reports, the certificate sent,
    // the two sent with the Annuaire Santé.
    assert_eq!(written, 29);
}

/// One fault of a wrapped reference host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Shares an N1 twin next to the N3 of a child-health document.
    SharesN1Twin,
    /// Pre-fills the report form without the child's measurements.
    PrefillWithoutMeasurements,
    /// Sends certificates to every PMI configured, not only the child's.
    SendsToEveryPmi,
    /// Ignores the Annuaire Santé: routes by the table alone.
    IgnoresAnnuaire,
    /// Uses the Annuaire Santé but keeps no fallback table: nothing is sent
    /// while the Annuaire is down.
    NoFallbackTable,
}

struct Faulty {
    inner: ReferenceLgc,
    fault: Fault,
}

impl Host for Faulty {
    fn info(&self) -> HostInfo {
        HostInfo::new(format!("faulty host ({:?})", self.fault), "0")
    }
    fn prepare(&self, env: HostEnvironment) {
        self.inner.prepare(env);
    }
    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(&self.inner)
    }
    fn child_health(&self) -> Option<&dyn ChildHealth> {
        Some(self)
    }
    forward! { Host<'a>:
        reset() -> ();
    }
}

impl ChildHealth for Faulty {
    fn measurements_document<'a>(
        &'a self,
        file: &'a PatientFileRef,
        measurements: &'a ChildMeasurements,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        self.inner
            .measurements_document(file, measurements, act_time)
    }
    fn shared_forms<'a>(
        &'a self,
        document: &'a Document,
    ) -> BoxFuture<'a, Result<Vec<Document>, HostError>> {
        Box::pin(async move {
            let mut forms = self.inner.shared_forms(document).await?;
            if self.fault == Fault::SharesN1Twin {
                let mut twin = document.clone();
                twin.body =
                    Body::NonXml(NonXmlBody::pdf(segur_cda::samples::simple_pdf(&["copie"])));
                forms.push(twin);
            }
            Ok(forms)
        })
    }
    fn prefill_examination<'a>(
        &'a self,
        file: &'a PatientFileRef,
        code: &'a str,
        date: Date,
    ) -> BoxFuture<'a, Result<ExaminationReport, HostError>> {
        Box::pin(async move {
            let mut r = self.inner.prefill_examination(file, code, date).await?;
            if self.fault == Fault::PrefillWithoutMeasurements {
                r.measurements = None;
            }
            Ok(r)
        })
    }
    fn configure_certificate_sending(
        &self,
        mut setup: CertificateSendingSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        if self.fault == Fault::SendsToEveryPmi {
            // Every PMI address ends up as the PMI of every department.
            let all: Vec<String> = setup.recipients.pmi.values().cloned().collect();
            if let Some(other) = all.iter().find(|a| a.contains("pmi13")) {
                setup.recipients.drees = None;
                setup.recipients.pmi.insert("75".into(), other.clone());
            }
        }
        if self.fault == Fault::IgnoresAnnuaire {
            setup = CertificateSendingSetup::new(setup.mailbox, setup.recipients);
        }
        if self.fault == Fault::NoFallbackTable {
            setup.recipients = RecipientTable::default();
        }
        self.inner.configure_certificate_sending(setup)
    }
    forward! { ChildHealth<'a>:
        record_entries(file: &'a PatientFileRef, entries: ChildFileEntries) -> ();
        certificate(file: &'a PatientFileRef, certificate: &'a HealthCertificate, act_time: OffsetDateTime) -> Document;
        vaccination_note(file: &'a PatientFileRef, note: &'a VaccinationNote, act_time: OffsetDateTime) -> Document;
        examination_report(file: &'a PatientFileRef, code: &'a str, date: Date, findings: &'a str) -> Document;
        validate_certificate(certificate: &'a Document) -> ();
    }
}

/// Runs `id` against the host with `fault`: it must fail with a message
/// containing `expected`.
fn expect_failure(fault: Fault, id: &str, expected: &str) {
    let host = Faulty {
        inner: ReferenceLgc::new(),
        fault,
    };
    harness::expect_failure(Arc::new(host), id, id, expected);
}

#[test]
fn an_n1_twin_of_the_measurements_fails_the_n3_only_scenario() {
    expect_failure(
        Fault::SharesN1Twin,
        "enfant.documents.measurements-n3-only",
        "shared as N3 only, with no N1 twin",
    );
}

#[test]
fn a_form_without_the_measurements_fails_the_prefill_scenario() {
    expect_failure(
        Fault::PrefillWithoutMeasurements,
        "enfant.examinations.prefilled",
        "not pre-filled from the child's file: latest measurements",
    );
}

#[test]
fn a_certificate_sent_to_the_wrong_pmi_fails_the_sending_scenario() {
    expect_failure(
        Fault::SendsToEveryPmi,
        "enfant.sending.pmi-and-drees",
        "the PMI of Paris (75) received 0 message(s)",
    );
}

#[test]
fn a_host_ignoring_the_annuaire_fails_the_annuaire_scenario() {
    expect_failure(
        Fault::IgnoresAnnuaire,
        "enfant.sending.annuaire",
        "the recipients must be looked up through the Annuaire Santé when possible",
    );
}

#[test]
fn a_host_without_fallback_table_fails_the_annuaire_scenario() {
    expect_failure(
        Fault::NoFallbackTable,
        "enfant.sending.annuaire",
        "the Annuaire Santé failed",
    );
}

#[test]
fn the_identity_of_the_sample_child_is_qualified() {
    // The scenarios write the child's INS in every document: the sample
    // identity must be qualified.
    let id: Identity = segur_enfant::samples::child_identity();
    assert!(id.qualified_ins().is_some());
}
