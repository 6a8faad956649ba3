//! Child health record, with segur-enfant.
//!
//! - **Documents** (LGC.CSE.09/15, SC.VACC/NOTE.05): the header is
//!   pre-filled from the child's file with `segur_enfant::volet::child_header`
//!   (qualified identity, home address, the mother as guardian and
//!   informant); the typed certificate, measurements or vaccination note the
//!   doctor filled in is built by its volet builder as CDA R2 N3. They are
//!   shared as N3 only (`volet::ensure_shareable`).
//! - **Examinations** (LGC.CSE.04/14): `ExaminationReport::prefill` reads the
//!   child's file (measurements, vaccinations, examinations done); the report
//!   is a CDA R2 N1 with its PDF.
//! - **Sending** (LGC.CSE.12): a validated certificate is queued for the PMI
//!   of the child's department and the DREES in segur-dmp's SQLite queue
//!   (`CertificateQueue`, never duplicated) and sent by MSSanté as IHE XDM
//!   with `MssCertificateSender`. The recipients are looked up in the
//!   Annuaire Santé when one is configured (`RecipientResolver`: Annuaire,
//!   then the table as fallback, the source traced in the audit trail).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use segur_cda::Document;
use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::xds::XdsCode;
use segur_conformance::host::enfant::{
    CertificateSendingSetup, ChildFileEntries, ChildHealth, HealthCertificate,
};
use segur_conformance::host::{BoxFuture, HostError, PatientFileRef};
use segur_dmp::queue::{Backoff, SqliteQueue};
use segur_enfant::common::{CertificateVaccination, Measurements};
use segur_enfant::measures::ChildMeasurements;
use segur_enfant::recipients::RecipientResolver;
use segur_enfant::report::{ChildFile, EXAM_REPORT_CODE, ExaminationReport};
use segur_enfant::sending::{CertificateQueue, MssCertificateSender, MssSenderConfig};
use segur_enfant::vaccination_note::VaccinationNote;
use segur_enfant::volet::{self, ChildVolet};
use segur_ids::oid;
use segur_mss::annuaire::fhir::AnnuaireClient;
use segur_mss::mailbox::Mailbox;
use time::{Date, OffsetDateTime};

use super::{Core, ReferenceLgc, failed, lock};
use crate::practice;

/// `X-MSS-NIL` of the reference host (a fictitious product reference).
const NIL: &str = "REF-SEGUR-RS-0001";

/// The certificate sending set up by the administrator.
#[derive(Clone)]
struct Sending {
    sender: Arc<MssCertificateSender>,
    /// The Annuaire Santé when configured, the table as fallback.
    recipients: Arc<RecipientResolver>,
}

/// The child-health part of the software.
pub(super) struct ChildState {
    entries: Mutex<HashMap<PatientFileRef, ChildFileEntries>>,
    sending: Mutex<Option<Sending>>,
    /// Crash-safe sending queue (in memory here; a file in production).
    queue: SqliteQueue,
}

impl ChildState {
    pub(super) fn new() -> Result<Self, HostError> {
        let conn = rusqlite::Connection::open_in_memory()
            .map_err(|e| HostError::failed(format!("sending queue: {e}")))?;
        Ok(ChildState {
            entries: Mutex::new(HashMap::new()),
            sending: Mutex::new(None),
            queue: SqliteQueue::new(conn).map_err(|e| failed("sending queue")(&e))?,
        })
    }
}

/// The child's file as the pre-filling reads it.
struct FileView {
    birth: Date,
    entries: ChildFileEntries,
}

impl ChildFile for FileView {
    fn birth_date(&self) -> Date {
        self.birth
    }
    fn measurements(&self) -> Vec<Measurements> {
        self.entries.measurements.clone()
    }
    fn vaccinations(&self) -> Vec<CertificateVaccination> {
        self.entries.vaccinations.clone()
    }
    fn examinations_done(&self) -> Vec<String> {
        self.entries.examinations_done.clone()
    }
}

impl Core {
    fn child_entries(&self, file: &PatientFileRef) -> ChildFileEntries {
        lock(&self.child.entries)
            .get(file)
            .cloned()
            .unwrap_or_default()
    }

    /// The child of the file, with the local id and the home address.
    fn child_patient(&self, file: &PatientFileRef) -> Result<PatientBuilder, HostError> {
        let identity = self.patients.get(file)?.identity;
        let mut child = PatientBuilder::from_identity(&identity)
            .local_id(&practice::PATIENT_ID_ROOT, file.as_str());
        if let Some(a) = self.child_entries(file).address {
            child = child.addr(a);
        }
        Ok(child)
    }

    fn child_header(
        &self,
        file: &PatientFileRef,
        volet: ChildVolet,
        act_time: OffsetDateTime,
    ) -> Result<HeaderBuilder, HostError> {
        let entries = self.child_entries(file);
        volet::child_header(
            volet,
            &practice::practitioner(),
            self.child_patient(file)?,
            entries.mother.as_ref(),
            act_time,
            &self.clock,
            &self.ids,
        )
        .map_err(|e| failed("header of the child's document")(&e))
    }

    fn file_view(&self, file: &PatientFileRef) -> Result<FileView, HostError> {
        let identity = self.patients.get(file)?.identity;
        Ok(FileView {
            birth: identity.traits().birth_date().date(),
            entries: self.child_entries(file),
        })
    }

    fn examination_document(
        &self,
        file: &PatientFileRef,
        code: &str,
        date: Date,
        findings: &str,
    ) -> Result<Document, HostError> {
        let mut report = ExaminationReport::prefill(&self.file_view(file)?, code, date)
            .map_err(|e| failed("examination report")(&e))?;
        report.findings = findings.to_owned();
        let patient = self
            .child_patient(file)?
            .build()
            .map_err(|e| failed("child of the report")(&e))?;
        let act_time = date
            .with_hms(10, 0, 0)
            .map_err(|e| failed("examination time")(&e))?
            .assume_utc();
        let header = HeaderBuilder::for_practice(
            EXAM_REPORT_CODE.to_code(),
            &format!("Compte rendu : {}", report.exam.label),
            &practice::practitioner(),
            patient,
            act_time,
            &self.clock,
            &self.ids,
        );
        report
            .build(header, None)
            .map_err(|e| failed("examination report")(&e))
    }
}

impl ChildHealth for ReferenceLgc {
    fn record_entries<'a>(
        &'a self,
        file: &'a PatientFileRef,
        entries: ChildFileEntries,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            core.patients.get(file)?;
            lock(&core.child.entries).insert(file.clone(), entries);
            Ok(())
        })
    }

    fn certificate<'a>(
        &'a self,
        file: &'a PatientFileRef,
        certificate: &'a HealthCertificate,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let header = core.child_header(file, certificate.volet(), act_time)?;
            let built = match certificate {
                HealthCertificate::Cs8(c) => c.build(header, &core.ids),
                HealthCertificate::Cs9(c) => c.build(header, &core.ids),
                HealthCertificate::Cs24(c) => c.build(header, &core.ids),
                _ => return Err(HostError::not_implemented("child_health.certificate")),
            };
            built.map_err(|e| failed("certificate")(&e))
        })
    }

    fn measurements_document<'a>(
        &'a self,
        file: &'a PatientFileRef,
        measurements: &'a ChildMeasurements,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let header = core.child_header(file, ChildVolet::Measurements, act_time)?;
            measurements
                .build(header, &core.ids)
                .map_err(|e| failed("Mesures de l'enfant")(&e))
        })
    }

    fn vaccination_note<'a>(
        &'a self,
        file: &'a PatientFileRef,
        note: &'a VaccinationNote,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let header = core.child_header(file, ChildVolet::VaccinationNote, act_time)?;
            note.build(header, &core.ids)
                .map_err(|e| failed("vaccination note")(&e))
        })
    }

    fn shared_forms<'a>(
        &'a self,
        document: &'a Document,
    ) -> BoxFuture<'a, Result<Vec<Document>, HostError>> {
        Box::pin(async move {
            // Child-health volets: the N3 alone, never an N1 twin.
            volet::ensure_shareable(document).map_err(|e| failed("sharing")(&e))?;
            Ok(vec![document.clone()])
        })
    }

    fn prefill_examination<'a>(
        &'a self,
        file: &'a PatientFileRef,
        code: &'a str,
        date: Date,
    ) -> BoxFuture<'a, Result<ExaminationReport, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            ExaminationReport::prefill(&core.file_view(file)?, code, date)
                .map_err(|e| failed("examination report")(&e))
        })
    }

    fn examination_report<'a>(
        &'a self,
        file: &'a PatientFileRef,
        code: &'a str,
        date: Date,
        findings: &'a str,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        Box::pin(async move {
            self.core()?
                .examination_document(file, code, date, findings)
        })
    }

    fn configure_certificate_sending(
        &self,
        setup: CertificateSendingSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let sender = MssCertificateSender::new(
                Arc::new(Mailbox::new(setup.mailbox)),
                MssSenderConfig {
                    nil: NIL.into(),
                    source_id: oid!("1.2.250.1.999.2.9"),
                    content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
                    software: format!("segur-rs reference LGC {}", env!("CARGO_PKG_VERSION")),
                },
                Arc::new(core.clock.clone()),
            );
            let mut resolver =
                RecipientResolver::new(setup.recipients).with_clock(Arc::new(core.clock.clone()));
            if let Some(directory) = setup.annuaire {
                let client = AnnuaireClient::new(
                    directory.access.base_url.clone(),
                    directory.access.api_key.clone(),
                    directory.tls,
                )
                .map_err(|e| failed("Annuaire Santé client of the certificate sending")(&e))?;
                resolver = resolver.with_annuaire(client);
            }
            *lock(&core.child.sending) = Some(Sending {
                sender: Arc::new(sender),
                recipients: Arc::new(resolver),
            });
            Ok(())
        })
    }

    fn validate_certificate<'a>(
        &'a self,
        certificate: &'a Document,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let sending = lock(&core.child.sending)
                .clone()
                .ok_or_else(|| HostError::failed("certificate sending is not configured"))?;
            let queue =
                CertificateQueue::new(&core.child.queue, core.audit.as_ref(), practice::RPPS);
            // Annuaire Santé first, the table when it fails or finds
            // nothing; each queueing is traced with the source.
            queue
                .enqueue_with(certificate, &sending.recipients, core.now())
                .await
                .map_err(|e| failed("resolving the recipients of the certificate")(&e))?;
            let report = queue
                .drain(
                    sending.sender.as_ref(),
                    &core.clock,
                    &Backoff::default(),
                    16,
                )
                .await
                .map_err(|e| failed("sending the certificate")(&e))?;
            match report.failed.first() {
                Some((key, reason)) => Err(HostError::failed(format!(
                    "certificate {key} not sent: {reason}"
                ))),
                None => Ok(()),
            }
        })
    }
}
