//! The Sentinelle area: how the host finds, creates, verifies and qualifies
//! patient identities with the INS (SENTINELLE.02–08, .15, .16), driven
//! against the INSi simulator.
//!
//! The scenarios point the host at the simulator with
//! [`Sentinelle::configure_insi`], then act as the user would: scan a
//! datamatrix, read a carte Vitale, open a file (through
//! [`PatientFiles::open`](super::PatientFiles::open), which must start the
//! background INSi verification without waiting for it), look at what the
//! file shows about INSi ([`Sentinelle::insi_display`]) and qualify in one
//! click ([`Sentinelle::qualify`]). Methods take and return `segur-ins`
//! types ([`VitaleCard`], [`QualificationMethod`], [`QualificationError`],
//! [`InsiCallRecord`], [`TraitField`]).

use std::fmt;

use segur_ins::sentinelle::{
    InsiCallRecord, QualificationError, QualificationMethod, VitaleBeneficiary, VitaleCard,
};
use segur_ins::{Identity, Ins, TraitField, Traits};
use serde::{Deserialize, Serialize};

use super::{BoxFuture, HostError, PatientFileRef, not_implemented};

/// How the host reaches INSi (the scenario gives the simulator's).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InsiSetup {
    /// The endpoint (`http://127.0.0.1:PORT/lps` for the simulator).
    pub endpoint: String,
    /// The software authorisation number (IDAM) the endpoint accepts.
    pub idam: String,
}

impl InsiSetup {
    /// A setup.
    pub fn new(endpoint: impl Into<String>, idam: impl Into<String>) -> Self {
        InsiSetup {
            endpoint: endpoint.into(),
            idam: idam.into(),
        }
    }
}

/// The host's own, opaque reference to a pre-filled creation form it
/// offered after a lookup found no file (SENTINELLE.04).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DraftRef(String);

impl DraftRef {
    /// Wraps the host's own identifier.
    pub fn new(id: impl Into<String>) -> Self {
        DraftRef(id.into())
    }

    /// The host's identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DraftRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The creation form the host offers pre-filled, so the user does not
/// retype the traits read (SENTINELLE.04).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreationOffer {
    /// The host's reference to the form ([`Sentinelle::create_from_offer`]).
    pub draft: DraftRef,
    /// The traits shown pre-filled.
    pub traits: Traits,
    /// The INS shown pre-filled, if any.
    pub ins: Option<Ins>,
}

impl CreationOffer {
    /// An offer.
    pub fn new(draft: DraftRef, traits: Traits, ins: Option<Ins>) -> Self {
        CreationOffer { draft, traits, ins }
    }
}

/// What the host shows after a datamatrix scan or a carte Vitale read
/// (SENTINELLE.02/03).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupOutcome {
    /// One file, consistent with what was read.
    Found(PatientFileRef),
    /// One file, but traits (or the INS) differ: shown for the user to check.
    FoundWithDifferences {
        /// The file.
        file: PatientFileRef,
        /// The strict traits shown as different.
        differing_traits: Vec<TraitField>,
        /// Whether the file records another INS.
        other_ins: bool,
    },
    /// No file; the creation form offered pre-filled, if any.
    NotFound(Option<CreationOffer>),
    /// Several candidate files for the user to pick from.
    Several(Vec<PatientFileRef>),
    /// The carte Vitale holds several beneficiaries: the user picks one
    /// ([`Sentinelle::find_by_vitale_beneficiary`]).
    ChooseBeneficiary(Vec<VitaleBeneficiary>),
}

/// What the open file shows about INSi, without a click.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InsiDisplay {
    /// A background verification is running.
    pub running: bool,
    /// The last INSi call recorded on the file (date, trigger, result).
    pub last_call: Option<InsiCallRecord>,
    /// The plain-French text shown about the last result, with the action
    /// to take (SENTINELLE.15).
    pub explanation: Option<String>,
    /// The strict traits shown as differing from the INSi answer
    /// (SENTINELLE.16).
    pub differing_traits: Vec<TraitField>,
    /// The one-click qualification is offered.
    pub qualification_offered: bool,
}

impl InsiDisplay {
    /// A display.
    pub fn new(running: bool, last_call: Option<InsiCallRecord>) -> Self {
        InsiDisplay {
            running,
            last_call,
            explanation: None,
            differing_traits: Vec::new(),
            qualification_offered: false,
        }
    }

    /// Sets the explanation shown.
    pub fn explanation(mut self, text: impl Into<String>) -> Self {
        self.explanation = Some(text.into());
        self
    }

    /// Sets the traits shown as differing.
    pub fn differing_traits(mut self, fields: Vec<TraitField>) -> Self {
        self.differing_traits = fields;
        self
    }

    /// Sets whether the one-click qualification is offered.
    pub fn qualification_offered(mut self, offered: bool) -> Self {
        self.qualification_offered = offered;
        self
    }
}

/// The Sentinelle workflows of the host (with `segur_ins::sentinelle`).
///
/// Every method has a default body returning [`HostError::NotImplemented`].
/// Time is read from the clock of [`Host::prepare`](super::Host::prepare).
pub trait Sentinelle: Send + Sync {
    /// Points the host at INSi (an administrator's setting).
    fn configure_insi(&self, setup: InsiSetup) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = setup;
        not_implemented("sentinelle.configure_insi")
    }

    /// The user scans the INS datamatrix of a document: `scanned` is the
    /// text the scanner produced.
    fn find_by_datamatrix<'a>(
        &'a self,
        scanned: &'a [u8],
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        let _ = scanned;
        not_implemented("sentinelle.find_by_datamatrix")
    }

    /// The user reads a carte Vitale.
    fn find_by_vitale<'a>(
        &'a self,
        card: &'a VitaleCard,
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        let _ = card;
        not_implemented("sentinelle.find_by_vitale")
    }

    /// The user picks one beneficiary of the card read.
    fn find_by_vitale_beneficiary<'a>(
        &'a self,
        beneficiary: &'a VitaleBeneficiary,
    ) -> BoxFuture<'a, Result<LookupOutcome, HostError>> {
        let _ = beneficiary;
        not_implemented("sentinelle.find_by_vitale_beneficiary")
    }

    /// The user saves the pre-filled creation form as offered, typing
    /// nothing: the new file.
    fn create_from_offer<'a>(
        &'a self,
        draft: &'a DraftRef,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        let _ = draft;
        not_implemented("sentinelle.create_from_offer")
    }

    /// The identity the file holds now (traits, INS, status, evidence).
    fn identity<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Identity, HostError>> {
        let _ = file;
        not_implemented("sentinelle.identity")
    }

    /// What the file shows about INSi now. Must answer at once, even while
    /// a verification runs.
    fn insi_display<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<InsiDisplay, HostError>> {
        let _ = file;
        not_implemented("sentinelle.insi_display")
    }

    /// The user clicks "qualify" with the identity document criterion
    /// `method`; `accept_returned_traits` when the user confirmed the INSi
    /// traits where they differ. `Ok(Err(_))` is the host's refusal.
    fn qualify<'a>(
        &'a self,
        file: &'a PatientFileRef,
        method: QualificationMethod,
        accept_returned_traits: bool,
    ) -> BoxFuture<'a, Result<Result<(), QualificationError>, HostError>> {
        let _ = (file, method, accept_returned_traits);
        not_implemented("sentinelle.qualify")
    }
}
