//! The patient file of a Vitale read, through segur-ins' Sentinelle
//! workflows (SENTINELLE.03/04, SC.APCV.01). Feature `sentinelle` (default).
//!
//! After the beneficiary choice ([`crate::VitaleRead::choose`]), the host
//! calls [`find_patient`] with its [`Sentinelle`]:
//!
//! - **apCV beneficiary with an INS**: the INS and traits the apCV gave are
//!   looked up in the patient index (by INS, then by traits) without any
//!   INSi call; a file not found comes with a [`CreationDraft`] collected
//!   by `AV` ([`PatientLookup::Apcv`]).
//! - **physical card**, or an apCV beneficiary without INS: segur-ins'
//!   [`Sentinelle::find_by_vitale_beneficiary`] (INSi `RECVITALE`, then the
//!   index; the beneficiary's own NIR as a fallback)
//!   ([`PatientLookup::Card`]).
//!
//! Then, never retyping what was read:
//!
//! - [`create_patient`] creates the file from the draft; for the apCV the
//!   identity is **qualified** at once by segur-ins' state machine
//!   (`IdentityEvent::AppliCarteVitaleRead`, RNIV; see the crate docs'
//!   assumptions) and stored back in the index;
//! - [`record_apcv_read`] applies an apCV read to a file found (it becomes
//!   qualified when its strict traits match; a mismatch leaves it unchanged
//!   and names the differing traits).
//!
//! ```
//! # async fn demo(sentinelle: segur_ins::sentinelle::Sentinelle,
//! #               read: segur_carte_vitale::VitaleRead) -> Result<(), segur_carte_vitale::Error> {
//! use segur_carte_vitale::{BeneficiaryChoice, patient};
//! use segur_ins::sentinelle::FindOutcome;
//! let BeneficiaryChoice::Single(selected) = read.choose() else { return Ok(()) };
//! let lookup = patient::find_patient(&sentinelle, &selected).await?;
//! if let FindOutcome::NotFound { draft: Some(draft) } = lookup.outcome() {
//!     let ctx = segur_ins::EventContext::new(time::OffsetDateTime::now_utc(), "dr-test");
//!     let record = patient::create_patient(&sentinelle, &selected, (**draft).clone(), &ctx)?;
//!     println!("{}", record.display().status_label);
//! }
//! # Ok(()) }
//! ```

use segur_ins::insi::LunarDate;
use segur_ins::names::{normalize_family_name, normalize_given_name};
use segur_ins::sentinelle::{
    CreationDraft, FindOutcome, PatientRecord, Sentinelle, SentinelleError, VitaleBeneficiary,
    VitaleCard, VitaleFindResult,
};
use segur_ins::{CollectionMethod, EventContext, IdentityStatus, ScannedIdentity};

use crate::error::{Error, VitaleError};
use crate::vitale::{SelectedBeneficiary, VitaleRead};

impl SelectedBeneficiary<'_> {
    /// segur-ins' view of this beneficiary, for
    /// [`Sentinelle::find_by_vitale_beneficiary`]: the birth name (else the
    /// usual name) and the given name normalised to the INS lexical profile,
    /// the birth date exactly as read (lunar dates included) and the rank.
    ///
    /// Fails when the name cannot be normalised (e.g. only digits): the
    /// user then searches the file by traits.
    pub fn sentinelle_beneficiary(&self) -> Result<VitaleBeneficiary, VitaleError> {
        let b = self.beneficiary();
        let name = b.birth_name().unwrap_or(b.usual_name());
        let family_name =
            normalize_family_name(name.as_str()).map_err(|_| VitaleError::NotInsCompatible {
                field: "birth name",
            })?;
        let birth_date = LunarDate::parse(&b.birth_date().to_string()).map_err(|_| {
            VitaleError::NotInsCompatible {
                field: "birth date",
            }
        })?;
        Ok(VitaleBeneficiary {
            individual: self.own_nir(),
            ouvrant_droit: *self.read().insured_nir(),
            family_name,
            // Optional for RECVITALE: a given name the profile refuses is left out.
            given_name: normalize_given_name(b.given_name().as_str()).ok(),
            birth_date,
            birth_rank: b.birth_rank().get(),
        })
    }
}

impl VitaleRead {
    /// segur-ins' view of the whole card, for [`Sentinelle::find_by_vitale`]
    /// (the beneficiaries in the order read).
    pub fn sentinelle_card(&self) -> Result<VitaleCard, VitaleError> {
        let beneficiaries = self
            .beneficiaries()
            .iter()
            .map(|b| self.select(b.key())?.sentinelle_beneficiary())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(VitaleCard { beneficiaries })
    }
}

/// Where the patient file of a Vitale beneficiary stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatientLookup {
    /// The apCV gave the beneficiary's INS: the index was searched by that
    /// INS, then by its traits, without calling INSi.
    Apcv(FindOutcome),
    /// Physical card (or an apCV beneficiary without INS): INSi
    /// `RECVITALE`, then the index.
    Card(VitaleFindResult),
}

impl PatientLookup {
    /// The local lookup.
    pub fn outcome(&self) -> &FindOutcome {
        match self {
            Self::Apcv(outcome) => outcome,
            Self::Card(result) => &result.outcome,
        }
    }

    /// Plain-French explanation with the action to take (SENTINELLE.15).
    pub fn explanation(&self) -> String {
        match self {
            Self::Apcv(outcome) => outcome.explanation().to_owned(),
            Self::Card(result) => result.explanation().to_owned(),
        }
    }
}

/// Finds the patient file of the chosen beneficiary (see the module docs).
pub async fn find_patient(
    sentinelle: &Sentinelle,
    selected: &SelectedBeneficiary<'_>,
) -> Result<PatientLookup, Error> {
    if let Some(apcv) = selected.beneficiary().apcv_identity() {
        let scanned = ScannedIdentity {
            ins: apcv.ins,
            traits: apcv.traits.clone(),
            from_datamatrix: false,
        };
        let outcome = match sentinelle.find_by_scanned(&scanned)? {
            // The identity was collected from the apCV, not typed in.
            FindOutcome::NotFound {
                draft: Some(mut draft),
            } => {
                draft.method = CollectionMethod::AppliCarteVitale;
                FindOutcome::NotFound { draft: Some(draft) }
            }
            other => other,
        };
        return Ok(PatientLookup::Apcv(outcome));
    }
    let beneficiary = selected.sentinelle_beneficiary()?;
    Ok(PatientLookup::Card(
        sentinelle.find_by_vitale_beneficiary(&beneficiary).await?,
    ))
}

/// Creates the patient file from a draft of [`find_patient`] (SENTINELLE.04).
///
/// The traits are recorded as read. For an apCV beneficiary the identity is
/// then qualified by the apCV read (`AppliCarteVitaleRead`) and the file
/// updated in the index; a physical-card file stays as segur-ins creates it
/// (qualified later, in one click, from the pending INSi answer).
///
/// `selected` must be the beneficiary the draft was made for: with an apCV
/// identity, a draft for other traits is refused
/// ([`VitaleError::DraftMismatch`]) and nothing is created.
pub fn create_patient(
    sentinelle: &Sentinelle,
    selected: &SelectedBeneficiary<'_>,
    draft: CreationDraft,
    ctx: &EventContext<'_>,
) -> Result<PatientRecord, Error> {
    if let Some(apcv) = selected.beneficiary().apcv_identity()
        && (draft.traits != apcv.traits || draft.ins.is_some_and(|ins| ins != apcv.ins))
    {
        return Err(VitaleError::DraftMismatch.into());
    }
    let mut record = sentinelle.create_patient(draft, ctx.user)?;
    if selected.beneficiary().apcv_identity().is_some() {
        selected.apply_to(&mut record.identity, ctx)?;
        sentinelle
            .index()
            .update(&record)
            .map_err(SentinelleError::from)?;
    }
    Ok(record)
}

/// Applies the apCV read of `selected` to a file found by [`find_patient`]
/// and stores it: the identity becomes qualified when its strict traits
/// match the apCV's. On a mismatch nothing changes and the error names the
/// differing traits (the user checks the file: possible collision).
pub fn record_apcv_read(
    sentinelle: &Sentinelle,
    selected: &SelectedBeneficiary<'_>,
    record: &mut PatientRecord,
    ctx: &EventContext<'_>,
) -> Result<IdentityStatus, Error> {
    // Work on a copy: the caller's record changes only once stored.
    let mut updated = record.clone();
    let status = selected.apply_to(&mut updated.identity, ctx)?;
    sentinelle
        .index()
        .update(&updated)
        .map_err(SentinelleError::from)?;
    *record = updated;
    Ok(status)
}
