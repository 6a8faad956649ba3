//! The typed model of a Vitale read (physical card or apCV), the choice of a
//! beneficiary, and the conversions into segur-ins identities.

mod codes;
mod date;
mod select;

use segur_ins::{Ins, Nir, Traits};
use time::OffsetDateTime;

pub use codes::{
    AmoAffiliation, BirthRank, CaisseCode, CentreCode, Quality, RegimeCode, RightsPeriod,
    VitaleName,
};
pub use date::VitaleDate;
pub use select::{
    BeneficiaryChoice, BeneficiaryKey, BeneficiaryOption, PatientDraft, SelectedBeneficiary,
    VitaleQueryFields,
};

use crate::error::VitaleError;

/// How the apCV was read at the practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApcvChannel {
    /// The phone shows a QR code that the practice scans (recommended: every
    /// smartphone can).
    QrCode,
    /// The phone is laid on an NFC reader (not every phone can).
    Nfc,
}

/// Where the Vitale data come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CardSource {
    /// The physical carte Vitale, read by the host's SESAM-Vitale stack.
    PhysicalCard,
    /// The *application carte Vitale*.
    Apcv {
        /// How it was read.
        channel: ApcvChannel,
    },
}

impl CardSource {
    /// Whether this is the apCV.
    pub fn is_apcv(&self) -> bool {
        matches!(self, Self::Apcv { .. })
    }
}

/// The identity the apCV gives for a beneficiary: the INS and the INS traits.
///
/// Per the RNIV (quoted in `ins.md` §8), an identity read from the apCV is
/// qualified directly, ayants droit included: turn it into a qualified
/// [`segur_ins::Identity`] with
/// [`SelectedBeneficiary::qualified_identity`], which goes through
/// segur-ins' state machine (`IdentityEvent::AppliCarteVitaleRead`).
///
/// Build it only from data the apCV service returned (an
/// [`crate::ApcvService`] implementation): a physical card never carries one
/// and [`VitaleRead::new`] refuses it there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApcvIdentity {
    /// The INS.
    pub ins: Ins,
    /// The INS traits.
    pub traits: Traits,
}

/// One beneficiary of a card: the insured person or an *ayant droit*.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "BeneficiaryRecord", into = "BeneficiaryRecord")]
pub struct Beneficiary {
    nir: Option<Nir>,
    usual_name: VitaleName,
    birth_name: Option<VitaleName>,
    given_name: VitaleName,
    birth_date: VitaleDate,
    birth_rank: BirthRank,
    quality: Quality,
    rights: Vec<RightsPeriod>,
    apcv_identity: Option<ApcvIdentity>,
}

impl Beneficiary {
    /// A beneficiary with the mandatory data of a card: usual name, given
    /// name, birth date (possibly lunar), birth rank and quality.
    pub fn new(
        usual_name: VitaleName,
        given_name: VitaleName,
        birth_date: VitaleDate,
        birth_rank: BirthRank,
        quality: Quality,
    ) -> Self {
        Self {
            nir: None,
            usual_name,
            birth_name: None,
            given_name,
            birth_date,
            birth_rank,
            quality,
            rights: Vec::new(),
            apcv_identity: None,
        }
    }

    /// The beneficiary's own NIR, when the card carries it (children often
    /// have none: they are known through the insured person's NIR).
    pub fn with_nir(mut self, nir: Nir) -> Self {
        self.nir = Some(nir);
        self
    }

    /// The birth name (*nom patronymique*) when it differs from the usual name.
    pub fn with_birth_name(mut self, name: VitaleName) -> Self {
        self.birth_name = Some(name);
        self
    }

    /// Adds a period of AMO rights.
    pub fn with_rights(mut self, period: RightsPeriod) -> Self {
        self.rights.push(period);
        self
    }

    /// The identity given by the apCV (INS + traits).
    pub fn with_apcv_identity(mut self, identity: ApcvIdentity) -> Self {
        self.apcv_identity = Some(identity);
        self
    }

    /// The beneficiary's own NIR, if on the card. **Not** an INS: only INSi
    /// or the apCV give an INS.
    pub fn nir(&self) -> Option<&Nir> {
        self.nir.as_ref()
    }

    /// Usual name (*nom usuel*).
    pub fn usual_name(&self) -> &VitaleName {
        &self.usual_name
    }

    /// Birth name, when given separately.
    pub fn birth_name(&self) -> Option<&VitaleName> {
        self.birth_name.as_ref()
    }

    /// Given name as on the card (one given name, not the INS list).
    pub fn given_name(&self) -> &VitaleName {
        &self.given_name
    }

    /// Birth date, possibly lunar.
    pub fn birth_date(&self) -> VitaleDate {
        self.birth_date
    }

    /// Birth rank (rang gémellaire).
    pub fn birth_rank(&self) -> BirthRank {
        self.birth_rank
    }

    /// Quality towards the insured person.
    pub fn quality(&self) -> Quality {
        self.quality
    }

    /// AMO rights periods.
    pub fn rights(&self) -> &[RightsPeriod] {
        &self.rights
    }

    /// Whether AMO rights are open on `day` (no period read: `false`).
    pub fn has_rights_on(&self, day: time::Date) -> bool {
        self.rights.iter().any(|p| p.covers(day))
    }

    /// The apCV identity, if any.
    pub fn apcv_identity(&self) -> Option<&ApcvIdentity> {
        self.apcv_identity.as_ref()
    }

    /// The key that tells this beneficiary apart on its card.
    pub fn key(&self) -> BeneficiaryKey {
        BeneficiaryKey {
            birth_date: self.birth_date,
            birth_rank: self.birth_rank,
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BeneficiaryRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nir: Option<Nir>,
    usual_name: VitaleName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    birth_name: Option<VitaleName>,
    given_name: VitaleName,
    birth_date: VitaleDate,
    birth_rank: BirthRank,
    quality: Quality,
    #[serde(default)]
    rights: Vec<RightsPeriod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    apcv_identity: Option<ApcvIdentity>,
}

impl From<Beneficiary> for BeneficiaryRecord {
    fn from(b: Beneficiary) -> Self {
        Self {
            nir: b.nir,
            usual_name: b.usual_name,
            birth_name: b.birth_name,
            given_name: b.given_name,
            birth_date: b.birth_date,
            birth_rank: b.birth_rank,
            quality: b.quality,
            rights: b.rights,
            apcv_identity: b.apcv_identity,
        }
    }
}

impl TryFrom<BeneficiaryRecord> for Beneficiary {
    type Error = VitaleError;
    fn try_from(r: BeneficiaryRecord) -> Result<Self, Self::Error> {
        Ok(Self {
            nir: r.nir,
            usual_name: r.usual_name,
            birth_name: r.birth_name,
            given_name: r.given_name,
            birth_date: r.birth_date,
            birth_rank: r.birth_rank,
            quality: r.quality,
            rights: r.rights,
            apcv_identity: r.apcv_identity,
        })
    }
}

/// Everything one read of a carte Vitale or of the apCV gives: the insured
/// person (*ouvrant droit*) NIR, the AMO affiliation and the beneficiaries.
///
/// Invariants checked by [`VitaleRead::new`] (and on deserialisation):
/// at least one beneficiary; no two beneficiaries with the same birth date
/// and rank (they could not be told apart, nor by INSi `RECVITALE`); a
/// beneficiary of quality *assuré* carries the insured NIR when it carries
/// one; only an apCV read carries apCV identities.
///
/// ```
/// use segur_carte_vitale::*;
/// let read = VitaleRead::new(
///     CardSource::PhysicalCard,
///     "179036322012322".parse()?,
///     AmoAffiliation::parse("01", "751", "0000")?,
///     vec![Beneficiary::new(
///         VitaleName::parse("TESTVITALE")?,
///         VitaleName::parse("PAUL")?,
///         VitaleDate::parse("1979-03-28")?,
///         BirthRank::FIRST,
///         Quality::Assure,
///     )],
///     time::OffsetDateTime::UNIX_EPOCH,
/// )?;
/// assert!(matches!(read.choose(), BeneficiaryChoice::Single(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "VitaleReadRecord", into = "VitaleReadRecord")]
pub struct VitaleRead {
    source: CardSource,
    insured: Nir,
    amo: AmoAffiliation,
    beneficiaries: Vec<Beneficiary>,
    read_at: OffsetDateTime,
}

/// Most beneficiaries accepted on one read (a card holds a family).
pub const MAX_BENEFICIARIES: usize = 32;

impl VitaleRead {
    /// A read, checked (see the type's invariants).
    pub fn new(
        source: CardSource,
        insured: Nir,
        amo: AmoAffiliation,
        beneficiaries: Vec<Beneficiary>,
        read_at: OffsetDateTime,
    ) -> Result<Self, VitaleError> {
        if beneficiaries.is_empty() {
            return Err(VitaleError::NoBeneficiary);
        }
        if beneficiaries.len() > MAX_BENEFICIARIES {
            return Err(VitaleError::TooManyBeneficiaries {
                count: beneficiaries.len(),
                max: MAX_BENEFICIARIES,
            });
        }
        for (i, b) in beneficiaries.iter().enumerate() {
            if beneficiaries[..i].iter().any(|o| o.key() == b.key()) {
                return Err(VitaleError::AmbiguousBeneficiaries { key: b.key() });
            }
            if b.quality == Quality::Assure && b.nir.is_some_and(|n| n != insured) {
                return Err(VitaleError::InsuredNirMismatch);
            }
            if b.apcv_identity.is_some() && !source.is_apcv() {
                return Err(VitaleError::ApcvIdentityOnPhysicalCard);
            }
        }
        Ok(Self {
            source,
            insured,
            amo,
            beneficiaries,
            read_at,
        })
    }

    /// Physical card or apCV.
    pub fn source(&self) -> CardSource {
        self.source
    }

    /// NIR of the insured person (*ouvrant droit*): the card's number, not the
    /// INS of a beneficiary.
    pub fn insured_nir(&self) -> &Nir {
        &self.insured
    }

    /// AMO affiliation.
    pub fn amo(&self) -> &AmoAffiliation {
        &self.amo
    }

    /// Beneficiaries, in card order.
    pub fn beneficiaries(&self) -> &[Beneficiary] {
        &self.beneficiaries
    }

    /// When the data were read.
    pub fn read_at(&self) -> OffsetDateTime {
        self.read_at
    }

    /// The same data, read again at `read_at` from `source` (simulators).
    /// Fails when `source` is a physical card and the data carry apCV
    /// identities.
    pub fn reread(&self, source: CardSource, read_at: OffsetDateTime) -> Result<Self, VitaleError> {
        Self::new(
            source,
            self.insured,
            self.amo,
            self.beneficiaries.clone(),
            read_at,
        )
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VitaleReadRecord {
    source: CardSource,
    insured_nir: Nir,
    amo: AmoAffiliation,
    beneficiaries: Vec<Beneficiary>,
    #[serde(with = "time::serde::rfc3339")]
    read_at: OffsetDateTime,
}

impl From<VitaleRead> for VitaleReadRecord {
    fn from(r: VitaleRead) -> Self {
        Self {
            source: r.source,
            insured_nir: r.insured,
            amo: r.amo,
            beneficiaries: r.beneficiaries,
            read_at: r.read_at,
        }
    }
}

impl TryFrom<VitaleReadRecord> for VitaleRead {
    type Error = VitaleError;
    fn try_from(r: VitaleReadRecord) -> Result<Self, Self::Error> {
        Self::new(r.source, r.insured_nir, r.amo, r.beneficiaries, r.read_at)
    }
}
