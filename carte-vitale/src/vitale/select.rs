//! Choosing a beneficiary of a read, and turning it into what segur-ins
//! takes: an INSi `RECVITALE` query, a pre-filled patient, a qualified
//! identity (apCV).

use std::fmt;

use segur_ins::names::{normalize_family_name, normalize_given_name_list};
use segur_ins::{
    CollectionMethod, EventContext, FamilyName, Identity, IdentityEvent, IdentityStatus, Nir, Sex,
    TraitField, Traits, TraitsBuilder, TraitsError,
};

use super::{Beneficiary, BirthRank, CardSource, Quality, VitaleDate, VitaleRead};
use crate::error::VitaleError;

/// Tells a beneficiary apart on its card: birth date and birth rank (the
/// same pair INSi `RECVITALE` uses).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct BeneficiaryKey {
    /// Birth date as read.
    pub birth_date: VitaleDate,
    /// Birth rank.
    pub birth_rank: BirthRank,
}

impl fmt::Display for BeneficiaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.birth_date, self.birth_rank)
    }
}

/// What the host shows in the beneficiary list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BeneficiaryOption {
    /// Give it back to [`VitaleRead::select`].
    pub key: BeneficiaryKey,
    /// Usual name.
    pub usual_name: String,
    /// Given name.
    pub given_name: String,
    /// Birth date as read (lunar dates included).
    pub birth_date: VitaleDate,
    /// Birth rank.
    pub birth_rank: BirthRank,
    /// Quality towards the insured person.
    pub quality: Quality,
    /// Whether the apCV gave this beneficiary's INS.
    pub has_apcv_identity: bool,
}

/// The outcome of [`VitaleRead::choose`].
#[derive(Debug, Clone)]
pub enum BeneficiaryChoice<'a> {
    /// One beneficiary: nothing to ask.
    Single(SelectedBeneficiary<'a>),
    /// Several: the user picks one, then [`VitaleRead::select`].
    Several(Vec<BeneficiaryOption>),
}

impl VitaleRead {
    /// The beneficiary choice: automatic with one beneficiary, a list to show
    /// otherwise (never a silent pick among several).
    pub fn choose(&self) -> BeneficiaryChoice<'_> {
        match self.beneficiaries.as_slice() {
            [only] => BeneficiaryChoice::Single(SelectedBeneficiary {
                read: self,
                beneficiary: only,
            }),
            all => BeneficiaryChoice::Several(
                all.iter()
                    .map(|b| BeneficiaryOption {
                        key: b.key(),
                        usual_name: b.usual_name.to_string(),
                        given_name: b.given_name.to_string(),
                        birth_date: b.birth_date,
                        birth_rank: b.birth_rank,
                        quality: b.quality,
                        has_apcv_identity: b.apcv_identity.is_some(),
                    })
                    .collect(),
            ),
        }
    }

    /// The beneficiary the user picked.
    pub fn select(&self, key: BeneficiaryKey) -> Result<SelectedBeneficiary<'_>, VitaleError> {
        self.beneficiaries
            .iter()
            .find(|b| b.key() == key)
            .map(|beneficiary| SelectedBeneficiary {
                read: self,
                beneficiary,
            })
            .ok_or(VitaleError::NoSuchBeneficiary { key })
    }

    /// The beneficiaries that may be the patient whose traits are known (same
    /// birth date, and birth or usual name equal to the patient's birth or
    /// used name once normalised). Used to pre-select a beneficiary when a
    /// patient file is open; the user still confirms.
    pub fn candidates_for(&self, traits: &Traits) -> Vec<SelectedBeneficiary<'_>> {
        let names: Vec<&str> = std::iter::once(traits.birth_family_name().as_str())
            .chain(traits.used_family_name().map(FamilyName::as_str))
            .collect();
        self.beneficiaries
            .iter()
            .filter(|b| {
                b.birth_date.calendar_date() == Some(traits.birth_date().date())
                    || b.birth_date
                        .to_birth_date()
                        .is_ok_and(|d| d == *traits.birth_date())
            })
            .filter(|b| {
                std::iter::once(&b.usual_name)
                    .chain(b.birth_name.as_ref())
                    .filter_map(|n| normalize_family_name(n.as_str()).ok())
                    .any(|n| names.contains(&n.as_str()))
            })
            .map(|beneficiary| SelectedBeneficiary {
                read: self,
                beneficiary,
            })
            .collect()
    }
}

/// A beneficiary chosen on a read.
#[derive(Debug, Clone, Copy)]
pub struct SelectedBeneficiary<'a> {
    read: &'a VitaleRead,
    beneficiary: &'a Beneficiary,
}

/// The fields of an INSi `RECVITALE` request for one beneficiary
/// (`MatriculeIndividu`, `MatriculeOD`, `NomNaissance`, `DateNaissance`,
/// `RangNaissance`). Map it onto segur-ins' INSi query type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VitaleQueryFields {
    /// The beneficiary's own NIR, when on the card.
    pub individual: Option<Nir>,
    /// The insured person's (ouvrant droit) NIR.
    pub ouvrant_droit: Nir,
    /// Birth name (or usual name) normalised to the INSi lexical profile,
    /// `None` when it cannot be.
    pub birth_family_name: Option<FamilyName>,
    /// Birth date as read (lunar dates are sent as they are).
    pub birth_date: VitaleDate,
    /// Birth rank.
    pub birth_rank: BirthRank,
}

impl<'a> SelectedBeneficiary<'a> {
    /// The beneficiary.
    pub fn beneficiary(&self) -> &'a Beneficiary {
        self.beneficiary
    }

    /// The whole read.
    pub fn read(&self) -> &'a VitaleRead {
        self.read
    }

    /// The beneficiary's key.
    pub fn key(&self) -> BeneficiaryKey {
        self.beneficiary.key()
    }

    /// The beneficiary's own NIR, or the insured's when the beneficiary is
    /// the insured person.
    pub fn own_nir(&self) -> Option<Nir> {
        self.beneficiary
            .nir
            .or_else(|| (self.beneficiary.quality == Quality::Assure).then_some(self.read.insured))
    }

    /// The INSi `RECVITALE` fields for this beneficiary.
    pub fn insi_query(&self) -> VitaleQueryFields {
        let b = self.beneficiary;
        let name = b.birth_name.as_ref().unwrap_or(&b.usual_name);
        VitaleQueryFields {
            individual: self.own_nir(),
            ouvrant_droit: self.read.insured,
            birth_family_name: normalize_family_name(name.as_str()).ok(),
            birth_date: b.birth_date,
            birth_rank: b.birth_rank,
        }
    }

    /// A new patient pre-filled from the read, so that nothing is typed
    /// twice. With an apCV identity the INS traits are used as they are;
    /// otherwise (physical card) the card data pre-fill what they can and the
    /// draft lists what the user must still enter or check against an
    /// identity document.
    pub fn patient_draft(&self) -> PatientDraft {
        let b = self.beneficiary;
        let method = match self.read.source {
            CardSource::PhysicalCard => CollectionMethod::CarteVitale,
            CardSource::Apcv { .. } => CollectionMethod::AppliCarteVitale,
        };
        if let Some(apcv) = &b.apcv_identity {
            return PatientDraft {
                builder: apcv.traits.to_builder(),
                missing: Vec::new(),
                to_check: Vec::new(),
                method,
            };
        }
        let mut builder = TraitsBuilder::default();
        let mut missing = Vec::new();
        let mut to_check = vec![TraitField::BirthFamilyName, TraitField::BirthGivenNames];
        let birth = b.birth_name.as_ref().unwrap_or(&b.usual_name);
        match normalize_family_name(birth.as_str()) {
            Ok(n) => builder = builder.birth_family_name(n.as_str()),
            Err(_) => missing.push(TraitField::BirthFamilyName),
        }
        if let Some(birth_name) = &b.birth_name
            && birth_name != &b.usual_name
            && let Ok(n) = normalize_family_name(b.usual_name.as_str())
        {
            builder = builder.used_family_name(n.as_str());
        }
        match normalize_given_name_list(b.given_name.as_str()) {
            Ok(list) => {
                let joined: Vec<&str> = list.iter().map(|g| g.as_str()).collect();
                builder = builder.birth_given_names(joined.join(" "));
            }
            Err(_) => missing.push(TraitField::BirthGivenNames),
        }
        match self.own_nir().map(|n| n.sex()) {
            Some(sex @ (Sex::Male | Sex::Female)) => {
                builder = builder.sex(sex);
                to_check.push(TraitField::Sex);
            }
            _ => missing.push(TraitField::Sex),
        }
        match b.birth_date.to_birth_date() {
            Ok(d) => {
                builder = builder.birth_date(d);
                to_check.push(TraitField::BirthDate);
            }
            Err(_) => missing.push(TraitField::BirthDate),
        }
        // The card carries no birth place; the NIR's place digits are not the
        // COG code of the birth place in every case, so it is not guessed.
        missing.push(TraitField::BirthPlace);
        to_check.retain(|f| !missing.contains(f));
        PatientDraft {
            builder,
            missing,
            to_check,
            method,
        }
    }

    /// The qualified identity of an apCV read, through segur-ins' state
    /// machine: a new identity collected by `AV`, then
    /// `IdentityEvent::AppliCarteVitaleRead`. Fails when the beneficiary
    /// has no apCV identity (physical card, or the apCV did not give it).
    pub fn qualified_identity(&self, ctx: &EventContext<'_>) -> Result<Identity, VitaleError> {
        let apcv = self
            .beneficiary
            .apcv_identity
            .as_ref()
            .ok_or(VitaleError::NoApcvIdentity)?;
        let mut identity =
            Identity::new(apcv.traits.clone(), CollectionMethod::AppliCarteVitale, ctx);
        identity.apply(
            IdentityEvent::AppliCarteVitaleRead {
                ins: apcv.ins,
                traits: apcv.traits.clone(),
            },
            ctx,
        )?;
        Ok(identity)
    }

    /// Applies the apCV read to an existing patient identity (found by the
    /// host's patient index): it becomes qualified when its strict traits
    /// match the apCV's; on a mismatch the identity is left unchanged and
    /// the error names the differing traits.
    pub fn apply_to(
        &self,
        identity: &mut Identity,
        ctx: &EventContext<'_>,
    ) -> Result<IdentityStatus, VitaleError> {
        let apcv = self
            .beneficiary
            .apcv_identity
            .as_ref()
            .ok_or(VitaleError::NoApcvIdentity)?;
        Ok(identity.apply(
            IdentityEvent::AppliCarteVitaleRead {
                ins: apcv.ins,
                traits: apcv.traits.clone(),
            },
            ctx,
        )?)
    }
}

/// A new patient pre-filled from a Vitale read.
#[derive(Debug, Clone)]
pub struct PatientDraft {
    builder: TraitsBuilder,
    missing: Vec<TraitField>,
    to_check: Vec<TraitField>,
    method: CollectionMethod,
}

impl PatientDraft {
    /// The pre-filled traits builder.
    pub fn builder(&self) -> TraitsBuilder {
        self.builder.clone()
    }

    /// Traits the read could not give (the user enters them; birth place is
    /// optional for INS but listed so the form asks for it).
    pub fn missing(&self) -> &[TraitField] {
        &self.missing
    }

    /// Traits pre-filled from card data, to check against an identity
    /// document (the card is not one; its names may be the usual ones or
    /// truncated; it holds one given name, not the whole list).
    pub fn to_check(&self) -> &[TraitField] {
        &self.to_check
    }

    /// The collection method to record (`CV` or `AV`).
    pub fn collection_method(&self) -> CollectionMethod {
        self.method
    }

    /// The traits once the user filled the rest.
    pub fn complete(
        &self,
        fill: impl FnOnce(TraitsBuilder) -> TraitsBuilder,
    ) -> Result<Traits, TraitsError> {
        fill(self.builder.clone()).build()
    }

    /// A new provisional identity with these traits, collected from the card
    /// (an INSi `RECVITALE` call then retrieves the INS).
    pub fn create_identity(&self, traits: Traits, ctx: &EventContext<'_>) -> Identity {
        Identity::new(traits, self.method, ctx)
    }
}
