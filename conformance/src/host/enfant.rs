//! The child health record area (`segur-enfant`): the three health
//! certificates, the child's measurements, the vaccination note, the reports
//! of the 20 mandatory examinations pre-filled from the child's file, and
//! the sending of validated certificates to the PMI and the DREES.
//!
//! Methods take and return `segur-enfant` and `segur-cda` types: the typed
//! certificate a doctor filled in goes in, the CDA document the host would
//! share comes out.

use segur_cda::Document;
use segur_cda::datatypes::Addr;
use segur_enfant::common::{CertificateVaccination, Measurements, Parent};
use segur_enfant::cs8::Cs8Certificate;
use segur_enfant::followup::{Cs9Certificate, Cs24Certificate};
use segur_enfant::measures::ChildMeasurements;
use segur_enfant::report::ExaminationReport;
use segur_enfant::sending::RecipientTable;
use segur_enfant::vaccination_note::VaccinationNote;
use segur_enfant::volet::ChildVolet;
use segur_mss::config::MailboxConfig;
use time::{Date, OffsetDateTime};

use super::AnnuaireAccess;
use super::{BoxFuture, HostError, PatientFileRef, not_implemented};

/// A health certificate as the doctor filled it in (LGC.CSE.09).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HealthCertificate {
    /// First certificate, 8th day.
    Cs8(Box<Cs8Certificate>),
    /// Second certificate, 9th month.
    Cs9(Box<Cs9Certificate>),
    /// Third certificate, 24th month.
    Cs24(Box<Cs24Certificate>),
}

impl HealthCertificate {
    /// The volet of the certificate.
    pub fn volet(&self) -> ChildVolet {
        match self {
            HealthCertificate::Cs8(_) => ChildVolet::Cs8,
            HealthCertificate::Cs9(_) => ChildVolet::Cs9,
            HealthCertificate::Cs24(_) => ChildVolet::Cs24,
        }
    }
}

/// What the child's file holds besides the identity, as the professionals
/// entered it earlier (read by the host to pre-fill documents, LGC.CSE.14).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ChildFileEntries {
    /// Home address (structured parts; its postal code gives the PMI).
    pub address: Option<Addr>,
    /// The mother (guardian, informant of the CS8).
    pub mother: Option<Parent>,
    /// Measurements taken.
    pub measurements: Vec<Measurements>,
    /// Vaccinations given.
    pub vaccinations: Vec<CertificateVaccination>,
    /// Codes of the mandatory examinations already done (`MED-1224`…).
    pub examinations_done: Vec<String>,
}

/// How the host sends validated certificates (LGC.CSE.12): the practice's
/// MSSanté mailbox, the recipients table (PMI per department, DREES) and,
/// when configured, the Annuaire Santé in which the recipients are looked up
/// first (the table is then the fallback).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertificateSendingSetup {
    /// The practice's mailbox (the scenario points it at an operator
    /// simulator).
    pub mailbox: MailboxConfig,
    /// The recipients: the whole routing without an Annuaire, the fallback
    /// with one.
    pub recipients: RecipientTable,
    /// The Annuaire Santé to look the PMI and the DREES up in, when
    /// reachable ([`with_annuaire`](Self::with_annuaire)).
    pub annuaire: Option<RecipientDirectory>,
}

impl CertificateSendingSetup {
    /// A setup routing by the table alone.
    pub fn new(mailbox: MailboxConfig, recipients: RecipientTable) -> Self {
        CertificateSendingSetup {
            mailbox,
            recipients,
            annuaire: None,
        }
    }

    /// Looks the recipients up in the Annuaire Santé FHIR API at
    /// `base_url` with the editor's `api_key` (`ESANTE-API-KEY`), over `tls`
    /// (a client configuration trusting the directory's server: the
    /// IGC-Santé roots, the test roots in a test environment); the table
    /// becomes the fallback.
    pub fn with_annuaire(
        mut self,
        base_url: impl Into<String>,
        api_key: impl Into<String>,
        tls: rustls::ClientConfig,
    ) -> Self {
        self.annuaire = Some(RecipientDirectory {
            access: AnnuaireAccess::new(base_url, api_key),
            tls,
        });
        self
    }
}

/// The Annuaire Santé access of the certificate sending.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecipientDirectory {
    /// Base URL of the FHIR API and the API key (redacted in `Debug`).
    pub access: AnnuaireAccess,
    /// TLS client configuration for the directory.
    pub tls: rustls::ClientConfig,
}

/// The child health record of the host. Every method has a default body
/// returning [`HostError::NotImplemented`]; time is read from the clock of
/// [`Host::prepare`](super::Host::prepare).
pub trait ChildHealth: Send + Sync {
    /// Records what the child's file holds (address, parents,
    /// measurements, vaccinations, examinations done), as entered earlier.
    fn record_entries<'a>(
        &'a self,
        file: &'a PatientFileRef,
        entries: ChildFileEntries,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = (file, entries);
        not_implemented("child_health.record_entries")
    }

    /// Produces the health certificate the doctor filled in for the child of
    /// `file`, examined at `act_time`: the CDA R2 N3 document as the host
    /// would share it.
    fn certificate<'a>(
        &'a self,
        file: &'a PatientFileRef,
        certificate: &'a HealthCertificate,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        let _ = (file, certificate, act_time);
        not_implemented("child_health.certificate")
    }

    /// Produces the Mesures de l'enfant document (CDA R2 N3).
    fn measurements_document<'a>(
        &'a self,
        file: &'a PatientFileRef,
        measurements: &'a ChildMeasurements,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        let _ = (file, measurements, act_time);
        not_implemented("child_health.measurements_document")
    }

    /// Produces the vaccination note (CDA R2 N3).
    fn vaccination_note<'a>(
        &'a self,
        file: &'a PatientFileRef,
        note: &'a VaccinationNote,
        act_time: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        let _ = (file, note, act_time);
        not_implemented("child_health.vaccination_note")
    }

    /// Every CDA document the host would send (DMP, MSSanté) when the user
    /// shares `document`: for the child-health volets, the N3 alone.
    fn shared_forms<'a>(
        &'a self,
        document: &'a Document,
    ) -> BoxFuture<'a, Result<Vec<Document>, HostError>> {
        let _ = document;
        not_implemented("child_health.shared_forms")
    }

    /// The report form of examination `code` (`MED-1224`…) on `date`, as
    /// the host shows it pre-filled from the child's file before the doctor
    /// writes the findings (LGC.CSE.14).
    fn prefill_examination<'a>(
        &'a self,
        file: &'a PatientFileRef,
        code: &'a str,
        date: Date,
    ) -> BoxFuture<'a, Result<ExaminationReport, HostError>> {
        let _ = (file, code, date);
        not_implemented("child_health.prefill_examination")
    }

    /// Produces the report of examination `code` on `date` with the
    /// doctor's findings: a CDA R2 N1 document (LGC.CSE.04).
    fn examination_report<'a>(
        &'a self,
        file: &'a PatientFileRef,
        code: &'a str,
        date: Date,
        findings: &'a str,
    ) -> BoxFuture<'a, Result<Document, HostError>> {
        let _ = (file, code, date, findings);
        not_implemented("child_health.examination_report")
    }

    /// Configures the sending of certificates.
    fn configure_certificate_sending(
        &self,
        setup: CertificateSendingSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = setup;
        not_implemented("child_health.configure_certificate_sending")
    }

    /// The doctor validates `certificate` (a document the host produced):
    /// the host sends it to its recipients. Resolves once the host's sending
    /// queue has been worked through once.
    fn validate_certificate<'a>(
        &'a self,
        certificate: &'a Document,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        let _ = certificate;
        not_implemented("child_health.validate_certificate")
    }
}
