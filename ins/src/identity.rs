//! The patient identity and its RNIV status, driven by a state machine.
//!
//! The status follows from two independent criteria (RNIV, FR Core
//! `fr-core-cs-identity-status`):
//!
//! | status | INS retrieved or verified by INSi | high-trust identity document checked |
//! |---|---|---|
//! | [`IdentityStatus::Provisoire`] | no | no |
//! | [`IdentityStatus::Recuperee`] | yes | no |
//! | [`IdentityStatus::Validee`] | no | yes |
//! | [`IdentityStatus::Qualifiee`] | yes | yes |
//!
//! and the attributes *douteuse* / *fictive* force `Provisoire`, invalidate
//! the matricule and OID and forbid INSi calls and qualification.
//!
//! Events ([`IdentityEvent`]) are applied with [`Identity::apply`]; a refused
//! event leaves the identity unchanged and returns a [`TransitionError`]. Every
//! accepted event is recorded as [`Evidence`] (what, when, who, status before
//! and after).
//!
//! The matricule may only be **shared** (documents, DMP, MSSanté, datamatrix)
//! for a qualified identity: [`Identity::qualified_ins`] is the only way to get
//! a [`QualifiedIns`], which the other crates require.

use std::fmt;

use time::OffsetDateTime;

use crate::{Ins, TraitField, Traits};

/// The four RNIV identity statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityStatus {
    /// Identité provisoire (`PROV`).
    Provisoire,
    /// Identité récupérée (`RECUP`): INS from INSi, no document checked.
    Recuperee,
    /// Identité validée (`VALI`): document checked, no INSi.
    Validee,
    /// Identité qualifiée (`QUAL`): both.
    Qualifiee,
}

impl IdentityStatus {
    /// The code of FR Core `fr-core-cs-identity-status` / HL7 v2 PID-32: `PROV`, `RECUP`, `VALI`, `QUAL`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Provisoire => "PROV",
            Self::Recuperee => "RECUP",
            Self::Validee => "VALI",
            Self::Qualifiee => "QUAL",
        }
    }

    /// Reads a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "PROV" => Self::Provisoire,
            "RECUP" => Self::Recuperee,
            "VALI" => Self::Validee,
            "QUAL" => Self::Qualifiee,
            _ => return None,
        })
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Provisoire => "Identité provisoire",
            Self::Recuperee => "Identité récupérée",
            Self::Validee => "Identité validée",
            Self::Qualifiee => "Identité qualifiée",
        }
    }

    fn from_criteria(insi: bool, document: bool) -> Self {
        match (insi, document) {
            (false, false) => Self::Provisoire,
            (true, false) => Self::Recuperee,
            (false, true) => Self::Validee,
            (true, true) => Self::Qualifiee,
        }
    }
}

impl fmt::Display for IdentityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for IdentityStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for IdentityStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_code(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown identity status {s:?}")))
    }
}

/// RNIV identity attributes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentityAttribute {
    /// Homonyme: another identity shares the traits (may be combined with douteuse).
    Homonyme,
    /// Douteuse: doubt about the identity (forces provisional status).
    Douteuse,
    /// Fictive: a pseudonymous identity (forces provisional status, no other attribute).
    Fictive,
}

impl fmt::Display for IdentityAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Homonyme => "homonyme",
            Self::Douteuse => "douteuse",
            Self::Fictive => "fictive",
        })
    }
}

/// How the identity was collected (FR Core `fr-core-cs-method-collection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum CollectionMethod {
    /// `SM`: manual entry.
    #[serde(rename = "SM")]
    SaisieManuelle,
    /// `CV`: Carte Vitale read.
    #[serde(rename = "CV")]
    CarteVitale,
    /// `INSI`: INSi téléservice (search by traits).
    #[serde(rename = "INSI")]
    Insi,
    /// `CB`: barcode, i.e. the INS datamatrix.
    #[serde(rename = "CB")]
    Datamatrix,
    /// `RFID`.
    #[serde(rename = "RFID")]
    Rfid,
    /// `AV`: application carte Vitale (QR code / NFC).
    #[serde(rename = "AV")]
    AppliCarteVitale,
}

impl CollectionMethod {
    /// The FR Core code.
    pub fn code(self) -> &'static str {
        match self {
            Self::SaisieManuelle => "SM",
            Self::CarteVitale => "CV",
            Self::Insi => "INSI",
            Self::Datamatrix => "CB",
            Self::Rfid => "RFID",
            Self::AppliCarteVitale => "AV",
        }
    }
}

/// Identity document or device types (FR Core `fr-core-cs-identity-mode-validation`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum IdentityDocumentType {
    /// `AN`: extrait d'acte de naissance.
    #[serde(rename = "AN")]
    ActeNaissance,
    /// `CC`: carnet de circulation.
    #[serde(rename = "CC")]
    CarnetCirculation,
    /// `CE`: carte européenne.
    #[serde(rename = "CE")]
    CarteEuropeenne,
    /// `CM`: carte militaire.
    #[serde(rename = "CM")]
    CarteMilitaire,
    /// `CN`: carte nationale d'identité.
    #[serde(rename = "CN")]
    CarteNationaleIdentite,
    /// `CS`: carte (titre) de séjour.
    #[serde(rename = "CS")]
    CarteSejour,
    /// `LE`: livret de famille.
    #[serde(rename = "LE")]
    LivretFamille,
    /// `PA`: passeport.
    #[serde(rename = "PA")]
    Passeport,
    /// `PC`: permis de conduire (recorded only, never high trust).
    #[serde(rename = "PC")]
    PermisConduire,
    /// `TC`: tiers de confiance.
    #[serde(rename = "TC")]
    TiersConfiance,
    /// `DC`: document de circulation pour étranger mineur.
    #[serde(rename = "DC")]
    DocumentCirculationMineur,
    /// `AC`: acte de naissance + carte Vitale avec photo.
    #[serde(rename = "AC")]
    ActeNaissanceCarteVitalePhoto,
    /// `IE`: identification électronique (eIDAS substantiel / élevé).
    #[serde(rename = "IE")]
    IdentificationElectronique,
}

impl IdentityDocumentType {
    /// Every type.
    pub const ALL: [Self; 13] = [
        Self::ActeNaissance,
        Self::CarnetCirculation,
        Self::CarteEuropeenne,
        Self::CarteMilitaire,
        Self::CarteNationaleIdentite,
        Self::CarteSejour,
        Self::LivretFamille,
        Self::Passeport,
        Self::PermisConduire,
        Self::TiersConfiance,
        Self::DocumentCirculationMineur,
        Self::ActeNaissanceCarteVitalePhoto,
        Self::IdentificationElectronique,
    ];

    /// The FR Core code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ActeNaissance => "AN",
            Self::CarnetCirculation => "CC",
            Self::CarteEuropeenne => "CE",
            Self::CarteMilitaire => "CM",
            Self::CarteNationaleIdentite => "CN",
            Self::CarteSejour => "CS",
            Self::LivretFamille => "LE",
            Self::Passeport => "PA",
            Self::PermisConduire => "PC",
            Self::TiersConfiance => "TC",
            Self::DocumentCirculationMineur => "DC",
            Self::ActeNaissanceCarteVitalePhoto => "AC",
            Self::IdentificationElectronique => "IE",
        }
    }

    /// Reads a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == s)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Which document types count as high-trust devices.
///
/// The RNIV requires the list to stay configurable by the structure, so this
/// is a policy value. [`DocumentPolicy::RNIV`] (the default) holds passport,
/// national identity card, residence permit, eIDAS electronic identification
/// and *tiers de confiance*. Software must not pre-select a document type: the
/// user always says which document was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentPolicy {
    high_trust: u16,
}

impl DocumentPolicy {
    /// The RNIV high-trust list.
    pub const RNIV: Self = Self {
        high_trust: (1 << IdentityDocumentType::Passeport as u16)
            | (1 << IdentityDocumentType::CarteNationaleIdentite as u16)
            | (1 << IdentityDocumentType::CarteSejour as u16)
            | (1 << IdentityDocumentType::IdentificationElectronique as u16)
            | (1 << IdentityDocumentType::TiersConfiance as u16),
    };

    /// Whether a document type is high trust under this policy.
    pub fn is_high_trust(&self, document: IdentityDocumentType) -> bool {
        self.high_trust & document.bit() != 0
    }

    /// Adds a document type to the high-trust list.
    pub fn with_high_trust(mut self, document: IdentityDocumentType) -> Self {
        self.high_trust |= document.bit();
        self
    }

    /// Removes a document type from the high-trust list.
    pub fn without_high_trust(mut self, document: IdentityDocumentType) -> Self {
        self.high_trust &= !document.bit();
        self
    }
}

impl Default for DocumentPolicy {
    fn default() -> Self {
        Self::RNIV
    }
}

/// RNIV exceptions under which a document that is not high trust may still
/// validate an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum RnivException {
    /// EHPAD resident: livret de famille, or birth extract + carte Vitale with
    /// photo (`LE` or `AC`).
    EhpadResident,
    /// Minor: birth extract or livret de famille (`AN`, `LE`) together with a
    /// high-trust document of a parent or guardian; or the *document de
    /// circulation pour étranger mineur* (`DC`) alone.
    Minor {
        /// The parent's / guardian's document, required with `AN` / `LE`.
        guardian_document: Option<IdentityDocumentType>,
    },
}

/// Something that happens to an identity.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IdentityEvent {
    /// INSi returned exactly one identity (CR `00`) for this patient: the INS
    /// is retrieved or verified. The returned traits must match the local
    /// strict traits ([`Traits::strict_differences`]); they then replace them
    /// (used names are kept, and a local birth place is kept when INSi gave none).
    InsiSuccess {
        /// The active INS returned.
        ins: Ins,
        /// The traits returned (TIQ).
        traits: Traits,
    },
    /// An INSi verification did not confirm the stored INS (not found, or
    /// another identity): the INS is no longer verified and is dropped.
    InsiVerificationFailed,
    /// A high-trust identity document (or one allowed by an RNIV exception) was checked.
    DocumentChecked {
        /// The document seen (never pre-selected by the software).
        document: IdentityDocumentType,
        /// The RNIV exception used when the document is not high trust.
        exception: Option<RnivException>,
    },
    /// RNIV volet 4 (liberal practitioners): the professional vouches for a
    /// high-trust document already checked at an earlier encounter, without
    /// it being presented again. **UNCONFIRMED**: the exact exception
    /// procedure is not public; this records which document was seen and when.
    LiberalPractitionerException {
        /// The document checked at the earlier encounter (must be high trust).
        document: IdentityDocumentType,
        /// When it was checked.
        originally_checked_at: OffsetDateTime,
    },
    /// The identity was read from the *application carte Vitale* (QR / NFC):
    /// per RNIV it is qualified directly.
    AppliCarteVitaleRead {
        /// The INS read.
        ins: Ins,
        /// The traits read.
        traits: Traits,
    },
    /// The traits were edited. A change of a strict trait drops both criteria
    /// (the INS is kept as recorded but no longer verified) and gives
    /// `Provisoire`; a change of the used names only changes nothing else.
    TraitsModified {
        /// The new traits.
        traits: Traits,
    },
    /// An attribute is set.
    AttributeSet(IdentityAttribute),
    /// An attribute is cleared.
    AttributeCleared(IdentityAttribute),
}

/// Why an event was refused. The identity is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// A *douteuse* or *fictive* identity may not be sent to INSi, validated nor qualified.
    #[error("the identity is {attribute}: {action} is not allowed")]
    ForbiddenByAttribute {
        /// The attribute set.
        attribute: IdentityAttribute,
        /// What was refused.
        action: &'static str,
    },
    /// The document is not high trust under the policy and no applicable exception was given.
    #[error("document {} is not a high-trust identity document", .document.code())]
    DocumentNotHighTrust {
        /// The document.
        document: IdentityDocumentType,
    },
    /// The exception does not apply to this document.
    #[error("the RNIV exception {exception:?} does not allow document {}", .document.code())]
    ExceptionNotApplicable {
        /// The document.
        document: IdentityDocumentType,
        /// The exception.
        exception: RnivException,
    },
    /// The traits returned by INSi (or read) do not match the local strict traits.
    #[error("traits do not match: {}", .fields.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", "))]
    TraitsMismatch {
        /// The strict traits that differ.
        fields: Vec<TraitField>,
    },
    /// Attributes that cannot be combined (only douteuse + homonyme can).
    #[error("attribute {set} cannot be combined with {existing}")]
    IncompatibleAttributes {
        /// The attribute being set.
        set: IdentityAttribute,
        /// The attribute already set.
        existing: IdentityAttribute,
    },
    /// The attribute is already set.
    #[error("attribute {0} is already set")]
    AttributeAlreadySet(IdentityAttribute),
    /// The attribute is not set.
    #[error("attribute {0} is not set")]
    AttributeNotSet(IdentityAttribute),
    /// There is no verified INS to invalidate.
    #[error("the identity has no INS verified by INSi")]
    NoVerifiedIns,
}

/// Who applies an event, when, and with which document policy.
#[derive(Debug, Clone)]
pub struct EventContext<'a> {
    /// When (passed in: the core reads no clock).
    pub at: OffsetDateTime,
    /// The user (login or professional id) recorded in the evidence.
    pub user: &'a str,
    /// The high-trust document list.
    pub policy: DocumentPolicy,
}

impl<'a> EventContext<'a> {
    /// A context with the RNIV document policy.
    pub fn new(at: OffsetDateTime, user: &'a str) -> Self {
        Self {
            at,
            user,
            policy: DocumentPolicy::RNIV,
        }
    }

    /// Uses another document policy.
    pub fn with_policy(mut self, policy: DocumentPolicy) -> Self {
        self.policy = policy;
        self
    }
}

/// What an accepted event did, as recorded in the evidence history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum EvidenceKind {
    /// The identity was created.
    Created {
        /// How it was collected.
        method: CollectionMethod,
    },
    /// INSi retrieved or verified the INS.
    InsiSuccess,
    /// INSi did not confirm the INS.
    InsiVerificationFailed,
    /// A document was checked.
    DocumentChecked {
        /// The document.
        document: IdentityDocumentType,
        /// The RNIV exception used, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exception: Option<RnivException>,
    },
    /// Liberal-practitioner exception procedure.
    LiberalPractitionerException {
        /// The document checked earlier.
        document: IdentityDocumentType,
        /// When it was checked.
        #[serde(with = "time::serde::rfc3339")]
        originally_checked_at: OffsetDateTime,
    },
    /// Read from the application carte Vitale.
    AppliCarteVitaleRead,
    /// Traits edited.
    TraitsModified {
        /// The traits that changed.
        fields: Vec<TraitField>,
    },
    /// Attribute set.
    AttributeSet {
        /// The attribute.
        attribute: IdentityAttribute,
    },
    /// Attribute cleared.
    AttributeCleared {
        /// The attribute.
        attribute: IdentityAttribute,
    },
}

/// One entry of the evidence history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub user: String,
    /// What.
    #[serde(flatten)]
    pub kind: EvidenceKind,
    /// Status before the event.
    pub status_before: IdentityStatus,
    /// Status after the event.
    pub status_after: IdentityStatus,
}

/// Criterion 1: when INSi last retrieved or verified the INS, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsiCheck {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `Insi` or `AppliCarteVitale`.
    pub method: CollectionMethod,
}

/// Criterion 2: the identity document check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentCheck {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The document.
    pub document: IdentityDocumentType,
    /// The RNIV exception used, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<RnivException>,
}

/// The INS of a **qualified** identity: the only form in which the matricule
/// may be shared (CDA documents, DMP, MSSanté patient mailboxes, datamatrix).
///
/// It has no public constructor: get it from [`Identity::qualified_ins`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct QualifiedIns(Ins);

impl QualifiedIns {
    /// The INS.
    pub fn ins(&self) -> &Ins {
        &self.0
    }
}

/// Identity data read from a source that carries both an INS and traits (the
/// INS datamatrix, the application carte Vitale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedIdentity {
    /// The INS read (not verified by INSi).
    pub ins: Ins,
    /// The traits read.
    pub traits: Traits,
    /// Whether it was read from an INS datamatrix.
    pub from_datamatrix: bool,
}

/// A patient identity: traits, INS, RNIV status, attributes and evidence.
///
/// ```
/// use segur_ins::{
///     BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent,
///     IdentityStatus, Ins, InsOid, Sex, Traits,
/// };
/// let traits = Traits::builder()
///     .birth_family_name("PAT-TROIS")
///     .birth_given_names("DOMINIQUE MARIE-LOUISE")
///     .birth_date(BirthDate::parse("1979-03-28")?)
///     .sex(Sex::Female)
///     .birth_place("63220")
///     .build()?;
/// let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "dr.house");
/// let mut id = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);
/// assert!(id.qualified_ins().is_none());
///
/// let ins = Ins::new("279035121518989".parse()?, InsOid::Test);
/// id.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)?;
/// assert_eq!(id.status(), IdentityStatus::Recuperee);
/// id.apply(
///     IdentityEvent::DocumentChecked { document: IdentityDocumentType::Passeport, exception: None },
///     &ctx,
/// )?;
/// assert_eq!(id.status(), IdentityStatus::Qualifiee);
/// assert_eq!(id.qualified_ins().unwrap().ins(), &ins);
/// assert_eq!(id.evidence().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "IdentityRecord", into = "IdentityRecord")]
pub struct Identity {
    traits: Traits,
    ins: Option<Ins>,
    insi_check: Option<InsiCheck>,
    document_check: Option<DocumentCheck>,
    attributes: Vec<IdentityAttribute>,
    collection_method: CollectionMethod,
    evidence: Vec<Evidence>,
}

impl Identity {
    /// A new provisional identity.
    pub fn new(traits: Traits, method: CollectionMethod, ctx: &EventContext<'_>) -> Self {
        let mut id = Self {
            traits,
            ins: None,
            insi_check: None,
            document_check: None,
            attributes: Vec::new(),
            collection_method: method,
            evidence: Vec::new(),
        };
        id.record(
            ctx,
            EvidenceKind::Created { method },
            IdentityStatus::Provisoire,
        );
        id
    }

    /// A new provisional identity from a datamatrix or similar read. The INS
    /// is recorded, unverified, until INSi confirms it ([`IdentityEvent::InsiSuccess`]).
    pub fn from_scanned(scanned: ScannedIdentity, ctx: &EventContext<'_>) -> Self {
        let method = if scanned.from_datamatrix {
            CollectionMethod::Datamatrix
        } else {
            CollectionMethod::SaisieManuelle
        };
        let mut id = Self::new(scanned.traits, method, ctx);
        id.ins = Some(scanned.ins);
        id
    }

    /// The status, derived from the two criteria and the attributes.
    pub fn status(&self) -> IdentityStatus {
        if self.is_doubtful_or_fictitious().is_some() {
            return IdentityStatus::Provisoire;
        }
        IdentityStatus::from_criteria(
            self.insi_check.is_some() && self.ins.is_some(),
            self.document_check.is_some(),
        )
    }

    /// The traits.
    pub fn traits(&self) -> &Traits {
        &self.traits
    }

    /// The INS recorded for local storage and INSi verification, whatever the
    /// status. **Not for sharing**: use [`Identity::qualified_ins`].
    pub fn recorded_ins(&self) -> Option<&Ins> {
        self.ins.as_ref()
    }

    /// The shareable INS: `Some` only when the identity is qualified.
    pub fn qualified_ins(&self) -> Option<QualifiedIns> {
        match (self.status(), self.ins) {
            (IdentityStatus::Qualifiee, Some(ins)) => Some(QualifiedIns(ins)),
            _ => None,
        }
    }

    /// The attributes set.
    pub fn attributes(&self) -> &[IdentityAttribute] {
        &self.attributes
    }

    /// Whether an attribute is set.
    pub fn has_attribute(&self, a: IdentityAttribute) -> bool {
        self.attributes.contains(&a)
    }

    /// How the identity was first collected.
    pub fn collection_method(&self) -> CollectionMethod {
        self.collection_method
    }

    /// Whether the identity was first collected from an INS datamatrix.
    pub fn from_datamatrix(&self) -> bool {
        self.collection_method == CollectionMethod::Datamatrix
    }

    /// The INSi criterion.
    pub fn insi_check(&self) -> Option<&InsiCheck> {
        self.insi_check.as_ref()
    }

    /// The document criterion.
    pub fn document_check(&self) -> Option<&DocumentCheck> {
        self.document_check.as_ref()
    }

    /// The evidence history, oldest first.
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    /// Whether INSi may be called for this identity (not douteuse nor fictive).
    pub fn insi_allowed(&self) -> bool {
        self.is_doubtful_or_fictitious().is_none()
    }

    fn is_doubtful_or_fictitious(&self) -> Option<IdentityAttribute> {
        self.attributes
            .iter()
            .copied()
            .find(|a| matches!(a, IdentityAttribute::Douteuse | IdentityAttribute::Fictive))
    }

    fn record(&mut self, ctx: &EventContext<'_>, kind: EvidenceKind, before: IdentityStatus) {
        let after = self.status();
        self.evidence.push(Evidence {
            at: ctx.at,
            user: ctx.user.to_owned(),
            kind,
            status_before: before,
            status_after: after,
        });
    }

    fn forbid(&self, action: &'static str) -> Result<(), TransitionError> {
        match self.is_doubtful_or_fictitious() {
            Some(attribute) => Err(TransitionError::ForbiddenByAttribute { attribute, action }),
            None => Ok(()),
        }
    }

    /// Merges traits read from INSi / apCV into the local ones after checking them.
    fn adopt_traits(&self, reference: &Traits) -> Result<Traits, TransitionError> {
        let fields = self.traits.strict_differences(reference);
        if !fields.is_empty() {
            return Err(TransitionError::TraitsMismatch { fields });
        }
        let mut b = reference.to_builder();
        if let (None, Some(p)) = (reference.birth_place(), self.traits.birth_place()) {
            b = b.birth_place(p.to_string());
        }
        if let Some(n) = self.traits.used_family_name() {
            b = b.used_family_name(n.to_string());
        }
        if let Some(n) = self.traits.used_given_name() {
            b = b.used_given_name(n.to_string());
        }
        let mut merged = b.build().map_err(|_| TransitionError::TraitsMismatch {
            fields: vec![TraitField::BirthPlace],
        })?;
        // Same transmitted date: keep the local precision (INSi only has the substituted date).
        if merged.birth_date().date() == self.traits.birth_date().date() {
            merged = merged
                .to_builder()
                .birth_date(*self.traits.birth_date())
                .build()
                .map_err(|_| TransitionError::TraitsMismatch {
                    fields: vec![TraitField::BirthDate],
                })?;
        }
        Ok(merged)
    }

    fn check_document(
        policy: &DocumentPolicy,
        document: IdentityDocumentType,
        exception: Option<RnivException>,
    ) -> Result<(), TransitionError> {
        use IdentityDocumentType as D;
        if policy.is_high_trust(document) {
            return Ok(());
        }
        let Some(exception) = exception else {
            return Err(TransitionError::DocumentNotHighTrust { document });
        };
        let ok = match exception {
            RnivException::EhpadResident => {
                matches!(
                    document,
                    D::LivretFamille | D::ActeNaissanceCarteVitalePhoto
                )
            }
            RnivException::Minor { guardian_document } => match document {
                D::DocumentCirculationMineur => true,
                D::ActeNaissance | D::LivretFamille => {
                    guardian_document.is_some_and(|g| policy.is_high_trust(g))
                }
                _ => false,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(TransitionError::ExceptionNotApplicable {
                document,
                exception,
            })
        }
    }

    /// Applies an event. On success returns the new status; on refusal the
    /// identity is unchanged.
    pub fn apply(
        &mut self,
        event: IdentityEvent,
        ctx: &EventContext<'_>,
    ) -> Result<IdentityStatus, TransitionError> {
        let before = self.status();
        let kind = match event {
            IdentityEvent::InsiSuccess { ins, traits } => {
                self.forbid("an INSi call")?;
                let merged = self.adopt_traits(&traits)?;
                self.traits = merged;
                self.ins = Some(ins);
                self.insi_check = Some(InsiCheck {
                    at: ctx.at,
                    method: CollectionMethod::Insi,
                });
                EvidenceKind::InsiSuccess
            }
            IdentityEvent::InsiVerificationFailed => {
                if self.insi_check.is_none() {
                    return Err(TransitionError::NoVerifiedIns);
                }
                self.insi_check = None;
                self.ins = None;
                EvidenceKind::InsiVerificationFailed
            }
            IdentityEvent::DocumentChecked {
                document,
                exception,
            } => {
                self.forbid("an identity document check")?;
                Self::check_document(&ctx.policy, document, exception)?;
                self.document_check = Some(DocumentCheck {
                    at: ctx.at,
                    document,
                    exception,
                });
                EvidenceKind::DocumentChecked {
                    document,
                    exception,
                }
            }
            IdentityEvent::LiberalPractitionerException {
                document,
                originally_checked_at,
            } => {
                self.forbid("an identity document check")?;
                if !ctx.policy.is_high_trust(document) {
                    return Err(TransitionError::DocumentNotHighTrust { document });
                }
                self.document_check = Some(DocumentCheck {
                    at: originally_checked_at,
                    document,
                    exception: None,
                });
                EvidenceKind::LiberalPractitionerException {
                    document,
                    originally_checked_at,
                }
            }
            IdentityEvent::AppliCarteVitaleRead { ins, traits } => {
                self.forbid("qualification")?;
                let merged = self.adopt_traits(&traits)?;
                self.traits = merged;
                self.ins = Some(ins);
                self.insi_check = Some(InsiCheck {
                    at: ctx.at,
                    method: CollectionMethod::AppliCarteVitale,
                });
                self.document_check = Some(DocumentCheck {
                    at: ctx.at,
                    document: IdentityDocumentType::IdentificationElectronique,
                    exception: None,
                });
                EvidenceKind::AppliCarteVitaleRead
            }
            IdentityEvent::TraitsModified { traits } => {
                let fields = changed_fields(&self.traits, &traits);
                if fields.iter().any(|f| f.is_strict()) {
                    self.insi_check = None;
                    self.document_check = None;
                }
                self.traits = traits;
                EvidenceKind::TraitsModified { fields }
            }
            IdentityEvent::AttributeSet(attribute) => {
                if self.has_attribute(attribute) {
                    return Err(TransitionError::AttributeAlreadySet(attribute));
                }
                let combinable = |a: IdentityAttribute, b: IdentityAttribute| {
                    a != IdentityAttribute::Fictive && b != IdentityAttribute::Fictive
                };
                if let Some(existing) = self
                    .attributes
                    .iter()
                    .copied()
                    .find(|e| !combinable(attribute, *e))
                {
                    return Err(TransitionError::IncompatibleAttributes {
                        set: attribute,
                        existing,
                    });
                }
                if matches!(
                    attribute,
                    IdentityAttribute::Douteuse | IdentityAttribute::Fictive
                ) {
                    // Invalidates the matricule and OID and both criteria.
                    self.ins = None;
                    self.insi_check = None;
                    self.document_check = None;
                }
                self.attributes.push(attribute);
                self.attributes.sort();
                EvidenceKind::AttributeSet { attribute }
            }
            IdentityEvent::AttributeCleared(attribute) => {
                if !self.has_attribute(attribute) {
                    return Err(TransitionError::AttributeNotSet(attribute));
                }
                self.attributes.retain(|a| *a != attribute);
                EvidenceKind::AttributeCleared { attribute }
            }
        };
        self.record(ctx, kind, before);
        Ok(self.status())
    }
}

fn changed_fields(old: &Traits, new: &Traits) -> Vec<TraitField> {
    let mut out = Vec::new();
    if old.birth_family_name() != new.birth_family_name() {
        out.push(TraitField::BirthFamilyName);
    }
    if old.birth_given_names() != new.birth_given_names() {
        out.push(TraitField::BirthGivenNames);
    }
    if old.first_given_name() != new.first_given_name() {
        out.push(TraitField::FirstGivenName);
    }
    if old.birth_date() != new.birth_date() {
        out.push(TraitField::BirthDate);
    }
    if old.sex() != new.sex() {
        out.push(TraitField::Sex);
    }
    if old.birth_place() != new.birth_place() {
        out.push(TraitField::BirthPlace);
    }
    if old.used_family_name() != new.used_family_name() {
        out.push(TraitField::UsedFamilyName);
    }
    if old.used_given_name() != new.used_given_name() {
        out.push(TraitField::UsedGivenName);
    }
    out
}

/// Serde form of [`Identity`]: the stored status is checked against the
/// criteria and attributes on reading, so a record cannot claim a status its
/// evidence does not support.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityRecord {
    status: IdentityStatus,
    traits: Traits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ins: Option<Ins>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    insi_check: Option<InsiCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    document_check: Option<DocumentCheck>,
    #[serde(default)]
    attributes: Vec<IdentityAttribute>,
    collection_method: CollectionMethod,
    #[serde(default)]
    evidence: Vec<Evidence>,
}

impl From<Identity> for IdentityRecord {
    fn from(i: Identity) -> Self {
        Self {
            status: i.status(),
            traits: i.traits,
            ins: i.ins,
            insi_check: i.insi_check,
            document_check: i.document_check,
            attributes: i.attributes,
            collection_method: i.collection_method,
            evidence: i.evidence,
        }
    }
}

impl TryFrom<IdentityRecord> for Identity {
    type Error = String;
    fn try_from(r: IdentityRecord) -> Result<Self, String> {
        let mut attributes = r.attributes;
        attributes.sort();
        attributes.dedup();
        if attributes.contains(&IdentityAttribute::Fictive) && attributes.len() > 1 {
            return Err("attribute fictive cannot be combined with another attribute".into());
        }
        let id = Identity {
            traits: r.traits,
            ins: r.ins,
            insi_check: r.insi_check,
            document_check: r.document_check,
            attributes,
            collection_method: r.collection_method,
            evidence: r.evidence,
        };
        if id.is_doubtful_or_fictitious().is_some()
            && (id.ins.is_some() || id.insi_check.is_some() || id.document_check.is_some())
        {
            return Err("a douteuse or fictive identity cannot hold an INS nor checks".into());
        }
        if id.insi_check.is_some() && id.ins.is_none() {
            return Err("an INSi check without INS".into());
        }
        if id.status() != r.status {
            return Err(format!(
                "stored status {} does not follow from the checks ({})",
                r.status,
                id.status()
            ));
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BirthDate, InsOid, Nir, Sex};

    fn traits() -> Traits {
        Traits::builder()
            .birth_family_name("PAT-TROIS")
            .birth_given_names("DOMINIQUE MARIE-LOUISE")
            .birth_date(BirthDate::parse("1979-03-28").unwrap())
            .sex(Sex::Female)
            .birth_place("63220")
            .build()
            .unwrap()
    }
    fn ins() -> Ins {
        Ins::new(Nir::parse("279035121518989").unwrap(), InsOid::Test)
    }
    fn ctx() -> EventContext<'static> {
        EventContext::new(OffsetDateTime::UNIX_EPOCH, "secretaire")
    }
    fn insi() -> IdentityEvent {
        IdentityEvent::InsiSuccess {
            ins: ins(),
            traits: traits(),
        }
    }
    fn doc(document: IdentityDocumentType) -> IdentityEvent {
        IdentityEvent::DocumentChecked {
            document,
            exception: None,
        }
    }
    fn new_id() -> Identity {
        Identity::new(traits(), CollectionMethod::SaisieManuelle, &ctx())
    }

    #[test]
    fn four_statuses() {
        use IdentityStatus::*;
        let mut a = new_id();
        assert_eq!(a.status(), Provisoire);
        assert_eq!(a.apply(insi(), &ctx()), Ok(Recuperee));
        assert!(a.qualified_ins().is_none());
        assert_eq!(a.recorded_ins(), Some(&ins()));
        assert_eq!(
            a.apply(doc(IdentityDocumentType::CarteNationaleIdentite), &ctx()),
            Ok(Qualifiee)
        );
        assert_eq!(a.qualified_ins().map(|q| *q.ins()), Some(ins()));

        let mut b = new_id();
        assert_eq!(
            b.apply(doc(IdentityDocumentType::Passeport), &ctx()),
            Ok(Validee)
        );
        assert!(b.qualified_ins().is_none());
        assert_eq!(b.apply(insi(), &ctx()), Ok(Qualifiee));

        let ev = a.evidence();
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[1].kind, EvidenceKind::InsiSuccess);
        assert_eq!(
            (ev[2].status_before, ev[2].status_after),
            (Recuperee, Qualifiee)
        );
        assert_eq!(ev[2].user, "secretaire");
    }

    #[test]
    fn insi_traits_must_match_and_are_adopted() {
        let local = traits()
            .to_builder()
            .birth_family_name("PAT TROIS")
            .no_birth_place()
            .used_family_name("MARTIN")
            .build()
            .unwrap();
        let mut id = Identity::new(local, CollectionMethod::SaisieManuelle, &ctx());
        id.apply(insi(), &ctx()).unwrap();
        assert_eq!(id.traits().birth_family_name().as_str(), "PAT-TROIS");
        assert_eq!(id.traits().birth_place().unwrap().as_str(), "63220");
        assert_eq!(id.traits().used_family_name().unwrap().as_str(), "MARTIN");

        let mut other = Identity::new(
            traits().to_builder().sex(Sex::Male).build().unwrap(),
            CollectionMethod::SaisieManuelle,
            &ctx(),
        );
        let before = other.clone();
        assert_eq!(
            other.apply(insi(), &ctx()),
            Err(TransitionError::TraitsMismatch {
                fields: vec![TraitField::Sex]
            })
        );
        assert_eq!(other, before);
    }

    #[test]
    fn documents_and_exceptions() {
        let mut id = new_id();
        for d in [
            IdentityDocumentType::PermisConduire,
            IdentityDocumentType::CarteMilitaire,
            IdentityDocumentType::LivretFamille,
        ] {
            assert_eq!(
                id.apply(doc(d), &ctx()),
                Err(TransitionError::DocumentNotHighTrust { document: d })
            );
        }
        assert_eq!(id.status(), IdentityStatus::Provisoire);
        assert_eq!(id.evidence().len(), 1);
        let minor_no_guardian = IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::ActeNaissance,
            exception: Some(RnivException::Minor {
                guardian_document: None,
            }),
        };
        assert!(matches!(
            id.apply(minor_no_guardian, &ctx()),
            Err(TransitionError::ExceptionNotApplicable { .. })
        ));
        let minor = IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::ActeNaissance,
            exception: Some(RnivException::Minor {
                guardian_document: Some(IdentityDocumentType::Passeport),
            }),
        };
        assert_eq!(id.apply(minor, &ctx()), Ok(IdentityStatus::Validee));
        let mut e = new_id();
        let ehpad_wrong = IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::PermisConduire,
            exception: Some(RnivException::EhpadResident),
        };
        assert!(e.apply(ehpad_wrong, &ctx()).is_err());
        let ehpad = IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::ActeNaissanceCarteVitalePhoto,
            exception: Some(RnivException::EhpadResident),
        };
        assert_eq!(e.apply(ehpad, &ctx()), Ok(IdentityStatus::Validee));
        // A configurable policy.
        let strict = ctx().with_policy(
            DocumentPolicy::RNIV.without_high_trust(IdentityDocumentType::TiersConfiance),
        );
        let mut s = new_id();
        assert!(
            s.apply(doc(IdentityDocumentType::TiersConfiance), &strict)
                .is_err()
        );
        let lax = ctx().with_policy(
            DocumentPolicy::default().with_high_trust(IdentityDocumentType::CarteEuropeenne),
        );
        assert!(
            s.apply(doc(IdentityDocumentType::CarteEuropeenne), &lax)
                .is_ok()
        );
    }

    #[test]
    fn liberal_exception() {
        let mut id = new_id();
        let t = OffsetDateTime::UNIX_EPOCH - time::Duration::days(400);
        assert!(
            id.apply(
                IdentityEvent::LiberalPractitionerException {
                    document: IdentityDocumentType::PermisConduire,
                    originally_checked_at: t
                },
                &ctx()
            )
            .is_err()
        );
        assert_eq!(
            id.apply(
                IdentityEvent::LiberalPractitionerException {
                    document: IdentityDocumentType::Passeport,
                    originally_checked_at: t
                },
                &ctx()
            ),
            Ok(IdentityStatus::Validee)
        );
        assert_eq!(id.document_check().unwrap().at, t);
    }

    #[test]
    fn doubtful_and_fictitious() {
        let mut id = new_id();
        id.apply(insi(), &ctx()).unwrap();
        id.apply(doc(IdentityDocumentType::Passeport), &ctx())
            .unwrap();
        assert_eq!(id.status(), IdentityStatus::Qualifiee);
        assert_eq!(
            id.apply(
                IdentityEvent::AttributeSet(IdentityAttribute::Douteuse),
                &ctx()
            ),
            Ok(IdentityStatus::Provisoire)
        );
        assert_eq!(id.recorded_ins(), None);
        assert!(id.qualified_ins().is_none());
        assert!(!id.insi_allowed());
        // Qualification of a doubtful identity is refused.
        assert_eq!(
            id.apply(doc(IdentityDocumentType::Passeport), &ctx()),
            Err(TransitionError::ForbiddenByAttribute {
                attribute: IdentityAttribute::Douteuse,
                action: "an identity document check"
            })
        );
        assert!(matches!(
            id.apply(insi(), &ctx()),
            Err(TransitionError::ForbiddenByAttribute { .. })
        ));
        // Douteuse + homonyme combine; fictive combines with nothing.
        assert!(
            id.apply(
                IdentityEvent::AttributeSet(IdentityAttribute::Homonyme),
                &ctx()
            )
            .is_ok()
        );
        assert_eq!(
            id.apply(
                IdentityEvent::AttributeSet(IdentityAttribute::Fictive),
                &ctx()
            ),
            Err(TransitionError::IncompatibleAttributes {
                set: IdentityAttribute::Fictive,
                existing: IdentityAttribute::Homonyme
            })
        );
        assert_eq!(
            id.apply(
                IdentityEvent::AttributeSet(IdentityAttribute::Homonyme),
                &ctx()
            ),
            Err(TransitionError::AttributeAlreadySet(
                IdentityAttribute::Homonyme
            ))
        );
        id.apply(
            IdentityEvent::AttributeCleared(IdentityAttribute::Douteuse),
            &ctx(),
        )
        .unwrap();
        assert_eq!(
            id.apply(
                IdentityEvent::AttributeCleared(IdentityAttribute::Douteuse),
                &ctx()
            ),
            Err(TransitionError::AttributeNotSet(
                IdentityAttribute::Douteuse
            ))
        );
        // Cleared: still provisional, checks must be redone.
        assert_eq!(id.status(), IdentityStatus::Provisoire);
        assert_eq!(id.apply(insi(), &ctx()), Ok(IdentityStatus::Recuperee));
        // Homonyme alone does not affect the status.
        assert!(id.has_attribute(IdentityAttribute::Homonyme));

        let mut f = new_id();
        f.apply(
            IdentityEvent::AttributeSet(IdentityAttribute::Fictive),
            &ctx(),
        )
        .unwrap();
        assert!(matches!(
            f.apply(
                IdentityEvent::AttributeSet(IdentityAttribute::Douteuse),
                &ctx()
            ),
            Err(TransitionError::IncompatibleAttributes { .. })
        ));
        assert!(
            f.apply(doc(IdentityDocumentType::Passeport), &ctx())
                .is_err()
        );
    }

    #[test]
    fn strict_trait_modification_downgrades() {
        let mut id = new_id();
        id.apply(insi(), &ctx()).unwrap();
        id.apply(doc(IdentityDocumentType::Passeport), &ctx())
            .unwrap();
        // Used name only: no change of status.
        let used = traits()
            .to_builder()
            .used_family_name("MARTIN")
            .build()
            .unwrap();
        assert_eq!(
            id.apply(
                IdentityEvent::TraitsModified {
                    traits: used.clone()
                },
                &ctx()
            ),
            Ok(IdentityStatus::Qualifiee)
        );
        let strict = used.to_builder().birth_place("63221").build().unwrap();
        assert_eq!(
            id.apply(IdentityEvent::TraitsModified { traits: strict }, &ctx()),
            Ok(IdentityStatus::Provisoire)
        );
        assert_eq!(
            id.evidence().last().unwrap().kind,
            EvidenceKind::TraitsModified {
                fields: vec![TraitField::BirthPlace]
            }
        );
        assert!(id.qualified_ins().is_none());
    }

    #[test]
    fn insi_failure_and_apcv() {
        let mut id = new_id();
        assert_eq!(
            id.apply(IdentityEvent::InsiVerificationFailed, &ctx()),
            Err(TransitionError::NoVerifiedIns)
        );
        id.apply(insi(), &ctx()).unwrap();
        id.apply(doc(IdentityDocumentType::Passeport), &ctx())
            .unwrap();
        assert_eq!(
            id.apply(IdentityEvent::InsiVerificationFailed, &ctx()),
            Ok(IdentityStatus::Validee)
        );
        assert_eq!(id.recorded_ins(), None);

        let mut av = new_id();
        assert_eq!(
            av.apply(
                IdentityEvent::AppliCarteVitaleRead {
                    ins: ins(),
                    traits: traits()
                },
                &ctx()
            ),
            Ok(IdentityStatus::Qualifiee)
        );
    }

    #[test]
    fn scanned_identity_is_provisional_until_insi() {
        let s = ScannedIdentity {
            ins: ins(),
            traits: traits(),
            from_datamatrix: true,
        };
        let mut id = Identity::from_scanned(s, &ctx());
        assert!(id.from_datamatrix());
        assert_eq!(id.status(), IdentityStatus::Provisoire);
        assert_eq!(id.recorded_ins(), Some(&ins()));
        assert!(id.qualified_ins().is_none());
        id.apply(insi(), &ctx()).unwrap();
        assert_eq!(id.status(), IdentityStatus::Recuperee);
    }

    #[test]
    fn serde_checks_consistency() {
        let mut id = new_id();
        id.apply(insi(), &ctx()).unwrap();
        id.apply(doc(IdentityDocumentType::Passeport), &ctx())
            .unwrap();
        let j = serde_json::to_value(&id).unwrap();
        assert_eq!(j["status"], "QUAL");
        assert_eq!(j["evidence"][2]["kind"], "document_checked");
        assert_eq!(j["evidence"][2]["document"], "PA");
        let back: Identity = serde_json::from_value(j.clone()).unwrap();
        assert_eq!(back, id);
        assert!(back.qualified_ins().is_some());

        let mut forged = j.clone();
        forged.as_object_mut().unwrap().remove("document_check");
        assert!(serde_json::from_value::<Identity>(forged).is_err());
        let mut forged = j.clone();
        forged["attributes"] = serde_json::json!(["douteuse"]);
        assert!(serde_json::from_value::<Identity>(forged).is_err());
        let mut forged = j;
        forged.as_object_mut().unwrap().remove("ins");
        assert!(serde_json::from_value::<Identity>(forged).is_err());
    }
}
