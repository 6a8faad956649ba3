//! The Application Carte Vitale and the ordonnance numérique, with
//! `segur-carte-vitale` (area [`CarteVitale`], [`super::Host::carte_vitale`]).
//!
//! The scenarios of the `carte-vitale` suite configure the host against
//! the simulators ([`CarteVitaleSetup`]: apCV service, e-prescription
//! service and DMP on loopback), present an apCV, pick a beneficiary, then
//! have prescriptions issued from a patient file and check, in the
//! simulators, what the host sent.

use std::time::Duration;

use segur_carte_vitale::ordonnance::{PrescriptionContent, PrescriptionId};
use segur_carte_vitale::{ApcvPresentation, BeneficiaryKey, BeneficiaryOption};
use segur_cda::datatypes::{Addr, Telecom};
use url::Url;

use super::{BoxFuture, HostError, PatientFileRef, not_implemented};

/// Where the national services are, in the test environment (the scenario
/// points the host at its simulators, plain HTTP on loopback).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CarteVitaleSetup {
    /// The apCV identification service.
    pub apcv: Url,
    /// The e-prescription service.
    pub eprescription: Url,
    /// How long the host waits for the e-prescription service before it
    /// sends the prescription to the DMP without the 2D code (SC.ORDN/CONF.05).
    pub eprescription_deadline: Duration,
    /// The DMP (segur-dmp's web services, ITI-41 for the prescription
    /// documents).
    pub dmp: Url,
}

impl CarteVitaleSetup {
    /// A setup.
    pub fn new(apcv: Url, eprescription: Url, eprescription_deadline: Duration, dmp: Url) -> Self {
        CarteVitaleSetup {
            apcv,
            eprescription,
            eprescription_deadline,
            dmp,
        }
    }
}

/// What the host did with an apCV presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApcvReadOutcome {
    /// The apCV service gave the Vitale data: the beneficiaries listed to
    /// the user (never a silent pick when there are several).
    Read(Vec<BeneficiaryOption>),
    /// The host refused the presentation or the service did (expired,
    /// already used, unknown token); the reason shown to the user.
    Refused(String),
}

/// What the professional prescribes from a patient file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PrescriptionRequest {
    /// What is prescribed (health products: an N3 eP-MED-DM; acts: an N1).
    pub content: PrescriptionContent,
    /// The patient's address, as confirmed on the prescription (eP-MED-DM
    /// requires it).
    pub patient_address: Addr,
    /// The patient's telephone, as confirmed on the prescription
    /// (eP-MED-DM requires it).
    pub patient_telecom: Telecom,
}

impl PrescriptionRequest {
    /// A request.
    pub fn new(
        content: PrescriptionContent,
        patient_address: Addr,
        patient_telecom: Telecom,
    ) -> Self {
        PrescriptionRequest {
            content,
            patient_address,
            patient_telecom,
        }
    }
}

/// A prescription the host issued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedPrescription {
    /// The unique prescription identifier.
    pub id: PrescriptionId,
    /// Whether the e-prescription service registered it (as the host knows
    /// when it prints the prescription).
    pub registered: bool,
    /// The 2D code printed on the patient's copy, as a PNG image; `None`
    /// when no code is printed.
    pub printed_code: Option<Vec<u8>>,
}

impl IssuedPrescription {
    /// An issued prescription.
    pub fn new(id: PrescriptionId, registered: bool, printed_code: Option<Vec<u8>>) -> Self {
        IssuedPrescription {
            id,
            registered,
            printed_code,
        }
    }
}

/// The Application Carte Vitale and the ordonnance numérique (SC.APCV.01,
/// SC.ORDN/CONF.01/04/05).
///
/// Every method has a default body returning [`HostError::NotImplemented`].
/// Time is read from the clock of [`super::Host::prepare`].
pub trait CarteVitale: Send + Sync {
    /// Points the host at the national services of the test environment.
    fn configure_carte_vitale(
        &self,
        setup: CarteVitaleSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = setup;
        not_implemented("carte_vitale.configure_carte_vitale")
    }

    /// The user opens an apCV reading and the patient presents the app
    /// (`presentation`, as the QR code scanner or the NFC reader gave it):
    /// the host identifies it with the apCV service and lists the
    /// beneficiaries. A refusal is [`ApcvReadOutcome::Refused`], not an
    /// adapter error.
    fn apcv_read(
        &self,
        presentation: ApcvPresentation,
    ) -> BoxFuture<'_, Result<ApcvReadOutcome, HostError>> {
        let _ = presentation;
        not_implemented("carte_vitale.apcv_read")
    }

    /// The user picks the beneficiary `key` of the last read: the host
    /// opens the patient's file, found or created without retyping, with
    /// the identity the apCV gave.
    fn choose_beneficiary(
        &self,
        key: BeneficiaryKey,
    ) -> BoxFuture<'_, Result<PatientFileRef, HostError>> {
        let _ = key;
        not_implemented("carte_vitale.choose_beneficiary")
    }

    /// The professional issues a prescription from `file` (the patient's
    /// identity as the file holds it): the host sends it "in Y" (the
    /// e-prescription service and the DMP). Resolves once the host has
    /// made its attempt to send the document to the DMP.
    fn issue_prescription<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: PrescriptionRequest,
    ) -> BoxFuture<'a, Result<IssuedPrescription, HostError>> {
        let _ = (file, request);
        not_implemented("carte_vitale.issue_prescription")
    }
}
