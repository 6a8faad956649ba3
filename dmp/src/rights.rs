//! Rights on documents that the software checks before asking the DMP —
//! the simulator applies the same functions server-side, so the client and
//! the simulated DMP can never disagree:
//!
//! - only an author of a document may delete it (reference §4, TD3.3c);
//! - imaging manifests (KOS: DICOM Key Object Selection referencing the
//!   images of an imaging study, kept in the PACS of the imaging structure;
//!   SC.DMP/CONF.05) follow [`KosRights`].
//!
//! # How a KOS is described (XDS metadata)
//!
//! CONFIRMED by the ANS sample submissions of the DRIM-M project
//! (`ansforge/DRIM-M_DATA`, `Echantillons validateurs/Validateur XDS/XDS.xml`
//! and `informatif/XDS/publication.xml`, "alimentation d'un KOS vers le
//! DMP"), built by [`KosManifest`]:
//!
//! | metadata | value |
//! |---|---|
//! | `mimeType` | `application/dicom` (the DICOM Part 10 file, opaque here) |
//! | `classCode` | `31` "Imagerie médicale", scheme `1.2.250.1.213.1.1.4.1` |
//! | `typeCode` | `IMG-KOS` "Référence d'objets d'un examen d'imagerie", scheme `1.2.250.1.213.1.1.4.12` |
//! | `formatCode` | `1.2.840.10008.5.1.4.1.1.88.59` (KOS SOP class), scheme `1.2.840.10008.2.6.1` |
//! | `eventCodeList` | modality (scheme `1.2.250.1.213.1.1.5.618`, e.g. `MR`) and region |
//! | `referenceIdList` | accession number (`urn:ihe:iti:xds:2013:accession`), Study Instance UID (`urn:ihe:iti:xds:2016:studyInstanceUID`) |
//! | `uniqueId` | the KOS's SOP Instance UID |
//! | `comments` | `KOS` |
//! | `author` | the imaging structure (`authorInstitution`, `IDNST`); `authorPerson` is the DRIMbox device in the sample, a radiologist elsewhere |
//!
//! LOINC `18748-4` ("Diagnostic imaging study") is the typeCode of the
//! imaging *report* (CR d'imagerie) sent with it, not of the KOS.
//!
//! # The rights rule (SC.DMP/CONF.05)
//!
//! What is CONFIRMED: KOS are published by the imaging structures (each
//! radiology / nuclear-medicine department or practice is a node of the
//! DRIM-M network, its DRIMbox publishing the KOS of an exam when the
//! radiologist validates the report — esante.gouv.fr, "Le partage national
//! d'imagerie médicale"); only an author may delete a document, a control
//! the DMP itself applies (PDSM4DMP `transaction_td3.3c.md`, NB2); DRIMbox
//! deletes a KOS with a VIHF naming the author of the imaging report and
//! its structure (`ansforge/DRIM-M_DRIMbox`, `xades/request/DeleteRequest.java`).
//!
//! UNCONFIRMED (the DMPi guide and the DMP-MDRF are not public): which
//! professions exactly may feed a KOS, whether a colleague of the author's
//! structure may delete / mask / archive it, and the DMP's error codes.
//! The most plausible reading, implemented by [`KosRights`]:
//!
//! 1. **Feed** ([`KosRule::FeedReservedToImaging`],
//!    [`KosRule::FeedForAnotherStructure`]): the user is an imaging
//!    professional — a VIHF role with the savoir-faire `SM44`
//!    "Radio-diagnostic" or `SM28` "Médecine nucléaire" (TRE_R01,
//!    [`IMAGING_SAVOIR_FAIRE`]) — **and** the KOS's `authorInstitution` is
//!    the user's own structure (`Identifiant_Structure`): a structure
//!    publishes the manifests of the images its own PACS holds.
//! 2. **Delete, mask, archive, change visibility**
//!    ([`KosRule::ChangeReservedToAuthorOrStructure`]): an author of the
//!    KOS (its `authorPerson`, or whoever submitted it), **or** an imaging
//!    professional of the structure that published it — the author of a
//!    KOS is often the structure's gateway (a device), which no person can
//!    be.
//!
//! A refusal names its rule ([`KosRule`]); the simulator answers the same
//! rule with a `RegistryResponse` Failure whose `RegistryError@errorCode`
//! is [`KosRule::code`] (codes of this SDK, like the simulator's other
//! `DMP_*` codes: the real ones are UNCONFIRMED).
//!
//! ```
//! use segur_dmp::rights::{KosManifest, KosRights, KosRule, Professional};
//! use segur_dmp::vihf::{Role, VihfActor};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let imaging: segur_ids::IdNatStruct = "499700000000002".parse()?;
//! let radiologist = VihfActor::new("810002909000", "RADIO Anne", imaging.clone(), "SA07")
//!     .with_role(Role::profession("10", "Médecin"))
//!     .with_role(Role::savoir_faire("SM44", "Radio-diagnostic"));
//! let patient = segur_ins::Ins::new("285037511104286".parse()?, segur_ins::InsOid::Test);
//! let mut dicom = vec![0u8; 128];
//! dicom.extend_from_slice(b"DICM"); // a DICOM Part 10 file (fictitious)
//! let kos = KosManifest::builder(dicom, "1.2.250.1.999.7.1", &patient)
//!     .study_instance_uid("1.2.250.1.999.7.2")
//!     .author(&radiologist)
//!     .institution("Centre d'imagerie de test", &imaging)
//!     .build(time::macros::datetime!(2025-03-01 08:00 UTC))?;
//! let who = Professional::from_actor(&radiologist);
//! assert!(KosRights::may_feed(&who, kos.entry()).is_ok());
//! let gp = Professional::new("810003612545", imaging.as_str())
//!     .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
//! assert_eq!(KosRights::may_feed(&gp, kos.entry()), Err(KosRule::FeedReservedToImaging));
//! # Ok(()) }
//! ```

use segur_cda::Document;
use segur_cda::xds::{DocumentEntry, EntryOptions, XdsAuthor, XdsCode};
use segur_ids::IdNatStruct;
use segur_ins::Ins;
use time::OffsetDateTime;

use crate::error::Error;
use crate::feed::{Feed, FeedDocument, PreparedFeed};
use crate::vihf::{CodedValue, SAVOIR_FAIRE_CODE_SYSTEM, VihfActor};

/// MIME type of a KOS.
pub const KOS_MIME_TYPE: &str = "application/dicom";
/// formatCode of a KOS (the DICOM Key Object Selection SOP class, IHE RAD
/// XDS-I manifest).
pub const KOS_FORMAT_CODE: &str = "1.2.840.10008.5.1.4.1.1.88.59";
/// Coding scheme of the KOS formatCode.
pub const KOS_FORMAT_CODE_SYSTEM: &str = "1.2.840.10008.2.6.1";
/// classCode of a KOS: `31` "Imagerie médicale".
pub const KOS_CLASS_CODE: &str = "31";
/// Coding scheme of the classCode (JDV_J06).
pub const KOS_CLASS_CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.1";
/// typeCode of a KOS.
pub const KOS_TYPE_CODE: &str = "IMG-KOS";
/// Coding scheme of the KOS typeCode.
pub const KOS_TYPE_CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.12";
/// Coding scheme of the modality event codes (DICOM modalities, as the ANS
/// sample writes them).
pub const MODALITY_CODE_SYSTEM: &str = "1.2.250.1.213.1.1.5.618";
/// Savoir-faire codes (TRE_R01, VIHF role scheme `1.2.250.1.71.4.2.5`) of
/// the imaging professionals: `SM44` Radio-diagnostic, `SM28` Médecine
/// nucléaire. UNCONFIRMED as the DMP's exact list.
pub const IMAGING_SAVOIR_FAIRE: &[&str] = &["SM44", "SM28"];

const REF_ACCESSION: &str = "urn:ihe:iti:xds:2013:accession";
const REF_STUDY: &str = "urn:ihe:iti:xds:2016:studyInstanceUID";

/// Whether an entry is an imaging manifest.
pub fn is_kos(e: &DocumentEntry) -> bool {
    e.mime_type == KOS_MIME_TYPE
        || e.format_code.code == KOS_FORMAT_CODE
        || (e.type_code.code == KOS_TYPE_CODE && e.type_code.coding_scheme == KOS_TYPE_CODE_SYSTEM)
}

/// The national id (first XCN component) of each author person of `e`.
pub fn author_ids(e: &DocumentEntry) -> Vec<&str> {
    e.authors
        .iter()
        .filter_map(|a| a.person.as_deref())
        .map(|p| p.split('^').next().unwrap_or(p))
        .filter(|id| !id.is_empty())
        .collect()
}

/// The structure id (XON-10) of each `authorInstitution` of `e`.
pub fn author_structures(e: &DocumentEntry) -> Vec<&str> {
    e.authors
        .iter()
        .flat_map(|a| a.institutions.iter())
        .filter_map(|xon| xon.split('^').nth(9))
        .filter(|id| !id.is_empty())
        .collect()
}

// ---------------------------------------------------------------------
// The manifest

/// Invalid input for an imaging manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KosError {
    /// The bytes are not a DICOM Part 10 file (no `DICM` prefix after the
    /// 128-byte preamble).
    #[error("the imaging manifest is not a DICOM Part 10 file (no DICM prefix at byte 128)")]
    NotDicom,
    /// A DICOM UID is malformed (digits and dots, no empty or leading-zero
    /// component, 64 characters at most).
    #[error("invalid DICOM UID for the {field}: {value:?}")]
    InvalidUid {
        /// Which UID.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A required part of the metadata was not given.
    #[error("imaging manifest metadata: {0} is required")]
    Missing(&'static str),
}

/// Whether `s` is a valid DICOM UID (PS3.5 §9.1).
pub fn is_dicom_uid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

fn uid(field: &'static str, value: &str) -> Result<String, KosError> {
    if is_dicom_uid(value) {
        Ok(value.to_owned())
    } else {
        Err(KosError::InvalidUid {
            field,
            value: value.to_owned(),
        })
    }
}

fn check_dicom(bytes: &[u8]) -> Result<(), KosError> {
    if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        Ok(())
    } else {
        Err(KosError::NotDicom)
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hl7_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '|' => out.push_str("\\F\\"),
            '~' => out.push_str("\\R\\"),
            c => out.push(c),
        }
    }
    out
}

/// An imaging manifest ready to send: the DICOM bytes (opaque) and their
/// XDS metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KosManifest {
    dicom: Vec<u8>,
    entry: DocumentEntry,
}

impl KosManifest {
    /// A builder for the manifest `dicom` (a DICOM Part 10 file) whose SOP
    /// Instance UID is `sop_instance_uid` (the XDS uniqueId), about
    /// `patient`.
    pub fn builder(dicom: Vec<u8>, sop_instance_uid: &str, patient: &Ins) -> KosManifestBuilder {
        KosManifestBuilder {
            dicom,
            sop_instance_uid: sop_instance_uid.to_owned(),
            patient_id: patient.to_cx(),
            study_instance_uid: None,
            accession: None,
            modalities: Vec::new(),
            person: None,
            institution: None,
            facility: None,
            practice_setting: XdsCode::new("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
            title: "Référence d'objets d'un examen d'imagerie".into(),
            service_start: None,
        }
    }

    /// The manifest sent with its imaging report `report`: patient,
    /// authors (person and structure), facility, practice setting and
    /// service times from the report's header.
    pub fn from_report(
        report: &Document,
        dicom: Vec<u8>,
        sop_instance_uid: &str,
        study_instance_uid: &str,
    ) -> Result<Self, Error> {
        check_dicom(&dicom)?;
        let sop = uid("SOP Instance UID", sop_instance_uid)?;
        let study = uid("Study Instance UID", study_instance_uid)?;
        let options = EntryOptions {
            class_code: Some(kos_class_code()),
            format_code: Some(kos_format_code()),
            comments: Some("KOS".into()),
            ..EntryOptions::default()
        };
        let mut e = DocumentEntry::from_document(report, &dicom, &options)
            .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?;
        e.mime_type = KOS_MIME_TYPE.into();
        e.unique_id = sop;
        e.type_code = kos_type_code();
        e.title = Some("Référence d'objets d'un examen d'imagerie".into());
        e.hash = Some(sha1_hex(&dicom));
        e.size = Some(dicom.len() as u64);
        e.reference_ids.push(format!("{study}^^^^{REF_STUDY}"));
        if author_structures(&e).is_empty() {
            return Err(
                KosError::Missing("the report's author organisation (authorInstitution)").into(),
            );
        }
        Ok(Self { dicom, entry: e })
    }

    /// The metadata.
    pub fn entry(&self) -> &DocumentEntry {
        &self.entry
    }

    /// The DICOM bytes.
    pub fn dicom(&self) -> &[u8] {
        &self.dicom
    }

    /// The uniqueId (SOP Instance UID).
    pub fn unique_id(&self) -> &str {
        &self.entry.unique_id
    }

    /// The document of a feed.
    pub fn to_feed_document(&self) -> FeedDocument {
        FeedDocument::with_entry(self.dicom.clone(), self.entry.clone())
    }

    /// A feed sending the manifest alone.
    pub fn to_feed(&self) -> Feed {
        Feed {
            documents: vec![self.to_feed_document()],
            ..Feed::default()
        }
    }
}

fn kos_class_code() -> XdsCode {
    XdsCode::new(KOS_CLASS_CODE, KOS_CLASS_CODE_SYSTEM, "Imagerie médicale")
}

fn kos_type_code() -> XdsCode {
    XdsCode::new(
        KOS_TYPE_CODE,
        KOS_TYPE_CODE_SYSTEM,
        "Référence d'objets d'un examen d'imagerie",
    )
}

fn kos_format_code() -> XdsCode {
    XdsCode::new(
        KOS_FORMAT_CODE,
        KOS_FORMAT_CODE_SYSTEM,
        "Document de Références d'objets d'imagerie selon profil IHE RAD XDS-I",
    )
}

/// Builder of [`KosManifest`].
#[derive(Debug, Clone)]
pub struct KosManifestBuilder {
    dicom: Vec<u8>,
    sop_instance_uid: String,
    patient_id: String,
    study_instance_uid: Option<String>,
    accession: Option<(String, String)>,
    modalities: Vec<XdsCode>,
    person: Option<String>,
    institution: Option<String>,
    facility: Option<XdsCode>,
    practice_setting: XdsCode,
    title: String,
    service_start: Option<OffsetDateTime>,
}

impl KosManifestBuilder {
    /// The Study Instance UID of the exam (required: one manifest per
    /// study, as XDS-I and DRIMbox require).
    pub fn study_instance_uid(mut self, uid: &str) -> Self {
        self.study_instance_uid = Some(uid.to_owned());
        self
    }

    /// The accession number of the exam and the OID of its assigning
    /// authority.
    pub fn accession_number(mut self, number: &str, authority: &str) -> Self {
        self.accession = Some((number.to_owned(), authority.to_owned()));
        self
    }

    /// A modality of the exam (DICOM code, e.g. `MR` "Magnetic Resonance").
    pub fn modality(mut self, code: &str, display: &str) -> Self {
        self.modalities
            .push(XdsCode::new(code, MODALITY_CODE_SYSTEM, display));
        self
    }

    /// The professional who publishes it (`authorPerson` from the VIHF
    /// actor, "NOM Prénom"), and the healthcare facility type from their
    /// sector when none is given.
    pub fn author(mut self, actor: &VihfActor) -> Self {
        let (family, given) = actor
            .display_name
            .split_once(' ')
            .unwrap_or((actor.display_name.as_str(), ""));
        self.person = Some(format!(
            "{}^{}^{}^^^^^^&{}&ISO^D^^^IDNPS",
            hl7_escape(&actor.name_id),
            hl7_escape(family),
            hl7_escape(given),
            segur_ids::oids::ID_NAT_PS.as_str()
        ));
        if self.facility.is_none() && !actor.sector.is_empty() {
            self.facility = Some(XdsCode::new(&actor.sector, "1.2.250.1.71.4.2.4", ""));
        }
        self
    }

    /// The imaging structure that publishes it (`authorInstitution`,
    /// required: the rights rule compares it with the user's structure).
    pub fn institution(mut self, name: &str, structure: &IdNatStruct) -> Self {
        self.institution = Some(format!(
            "{}^^^^^&{}&ISO^IDNST^^^{}",
            hl7_escape(name),
            segur_ids::oids::ID_NAT_STRUCT.as_str(),
            hl7_escape(structure.as_str())
        ));
        self
    }

    /// The healthcare facility type (JDV_J61, e.g. `SA07` cabinet).
    pub fn facility_type(mut self, code: XdsCode) -> Self {
        self.facility = Some(code);
        self
    }

    /// The practice setting (default `AMBULATOIRE`, as the ANS sample).
    pub fn practice_setting(mut self, code: XdsCode) -> Self {
        self.practice_setting = code;
        self
    }

    /// When the exam took place (`serviceStartTime`).
    pub fn exam_time(mut self, at: OffsetDateTime) -> Self {
        self.service_start = Some(at);
        self
    }

    /// The title (default "Référence d'objets d'un examen d'imagerie").
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The manifest, created at `now`.
    pub fn build(self, now: OffsetDateTime) -> Result<KosManifest, KosError> {
        check_dicom(&self.dicom)?;
        let unique_id = uid("SOP Instance UID", &self.sop_instance_uid)?;
        let study = uid(
            "Study Instance UID",
            self.study_instance_uid
                .as_deref()
                .ok_or(KosError::Missing("the Study Instance UID"))?,
        )?;
        let institution = self
            .institution
            .ok_or(KosError::Missing("the publishing structure (institution)"))?;
        let facility = self
            .facility
            .ok_or(KosError::Missing("the healthcare facility type"))?;
        let mut reference_ids = Vec::new();
        if let Some((number, authority)) = &self.accession {
            reference_ids.push(format!(
                "{}^^^&{authority}&ISO^{REF_ACCESSION}",
                hl7_escape(number)
            ));
        }
        reference_ids.push(format!("{study}^^^^{REF_STUDY}"));
        let time = crate::time_fmt::hl7(now);
        let entry = DocumentEntry {
            entry_uuid: "Document01".into(),
            unique_id,
            patient_id: self.patient_id.clone(),
            mime_type: KOS_MIME_TYPE.into(),
            class_code: kos_class_code(),
            type_code: kos_type_code(),
            confidentiality_codes: vec![XdsCode::new("N", "2.16.840.1.113883.5.25", "Normal")],
            format_code: kos_format_code(),
            healthcare_facility_type_code: facility,
            practice_setting_code: self.practice_setting,
            event_codes: self.modalities,
            authors: vec![XdsAuthor {
                person: self.person,
                institutions: vec![institution],
                ..XdsAuthor::default()
            }],
            creation_time: Some(time.clone()),
            service_start_time: Some(self.service_start.map_or(time, crate::time_fmt::hl7)),
            language_code: Some("fr-FR".into()),
            source_patient_id: Some(self.patient_id),
            hash: Some(sha1_hex(&self.dicom)),
            size: Some(self.dicom.len() as u64),
            title: Some(self.title),
            comments: Some("KOS".into()),
            reference_ids,
            ..DocumentEntry::default()
        };
        Ok(KosManifest {
            dicom: self.dicom,
            entry,
        })
    }
}

// ---------------------------------------------------------------------
// The rule

/// The user a rights decision is about, as the VIHF names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Professional {
    /// National id (`NameID`).
    pub national_id: String,
    /// Structure (`Identifiant_Structure`).
    pub structure: String,
    /// Roles (profession, savoir-faire…).
    pub roles: Vec<CodedValue>,
}

impl Professional {
    /// A professional of `structure`, without roles.
    pub fn new(national_id: &str, structure: &str) -> Self {
        Self {
            national_id: national_id.to_owned(),
            structure: structure.to_owned(),
            roles: Vec::new(),
        }
    }

    /// Adds a role.
    pub fn with_role(mut self, role: CodedValue) -> Self {
        self.roles.push(role);
        self
    }

    /// The professional a VIHF actor describes.
    pub fn from_actor(actor: &VihfActor) -> Self {
        Self {
            national_id: actor.name_id.clone(),
            structure: actor.structure.as_str().to_owned(),
            roles: actor.roles.clone(),
        }
    }

    /// Whether a role makes them an imaging professional
    /// ([`IMAGING_SAVOIR_FAIRE`]).
    pub fn is_imaging(&self) -> bool {
        self.roles.iter().any(|r| {
            r.code_system == SAVOIR_FAIRE_CODE_SYSTEM
                && IMAGING_SAVOIR_FAIRE.contains(&r.code.as_str())
        })
    }
}

/// A rule of [`KosRights`] that refused an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum KosRule {
    /// Only imaging professionals feed imaging manifests.
    #[error(
        "SC.DMP/CONF.05: imaging manifests (KOS) are fed by imaging professionals only (radio-diagnostic, nuclear medicine)"
    )]
    FeedReservedToImaging,
    /// A structure feeds the manifests of its own exams only.
    #[error(
        "SC.DMP/CONF.05: an imaging manifest (KOS) is fed by the structure that published it (authorInstitution), not by another one"
    )]
    FeedForAnotherStructure,
    /// Deleting, masking, archiving a manifest: its author, or an imaging
    /// professional of its structure.
    #[error(
        "SC.DMP/CONF.05: an imaging manifest (KOS) is deleted, masked or archived only by its author or an imaging professional of the structure that published it"
    )]
    ChangeReservedToAuthorOrStructure,
}

impl KosRule {
    /// The `RegistryError@errorCode` the simulated DMP answers (codes of
    /// this SDK; the real DMP codes are UNCONFIRMED).
    pub fn code(self) -> &'static str {
        match self {
            Self::FeedReservedToImaging => "DMP_KOS_PROFESSION_NON_AUTORISEE",
            Self::FeedForAnotherStructure => "DMP_KOS_STRUCTURE_NON_AUTORISEE",
            Self::ChangeReservedToAuthorOrStructure => "DMP_KOS_AUTEUR_OU_STRUCTURE",
        }
    }

    /// Every rule.
    pub const ALL: [KosRule; 3] = [
        Self::FeedReservedToImaging,
        Self::FeedForAnotherStructure,
        Self::ChangeReservedToAuthorOrStructure,
    ];

    /// The rule whose [`KosRule::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The imaging-manifest rights (SC.DMP/CONF.05): pure decisions on a
/// professional and a KOS entry. See the module documentation for the
/// rule and its sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KosRights;

impl KosRights {
    /// Whether `who` may feed the manifest `kos`.
    pub fn may_feed(who: &Professional, kos: &DocumentEntry) -> Result<(), KosRule> {
        if !who.is_imaging() {
            return Err(KosRule::FeedReservedToImaging);
        }
        if !author_structures(kos).contains(&who.structure.as_str()) {
            return Err(KosRule::FeedForAnotherStructure);
        }
        Ok(())
    }

    /// Whether `who` may delete, mask, archive or otherwise change the
    /// manifest `kos` submitted by `submitter` (when known).
    pub fn may_change(
        who: &Professional,
        kos: &DocumentEntry,
        submitter: Option<&str>,
    ) -> Result<(), KosRule> {
        let author = submitter == Some(who.national_id.as_str())
            || author_ids(kos).contains(&who.national_id.as_str());
        let colleague =
            who.is_imaging() && author_structures(kos).contains(&who.structure.as_str());
        if author || colleague {
            Ok(())
        } else {
            Err(KosRule::ChangeReservedToAuthorOrStructure)
        }
    }
}

/// A right the software refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RightsError {
    /// An imaging-manifest rule refused the action.
    #[error("{rule} (document {unique_id}, user {national_id})")]
    Kos {
        /// The rule.
        rule: KosRule,
        /// The manifest.
        unique_id: String,
        /// The user refused.
        national_id: String,
    },
    /// Only an author of a document may delete it.
    #[error("only an author of document {unique_id} may delete it")]
    NotAuthor {
        /// The document.
        unique_id: String,
    },
    /// The software does not know who its user is (no VIHF actor), so it
    /// cannot decide an imaging-manifest right: refused (fail-closed).
    #[error("the user's roles and structure are unknown: imaging manifests (KOS) refused")]
    UnknownProfessional,
}

/// Checks every KOS of a feed for `who` (`None`: unknown user).
pub fn check_feed(who: Option<&Professional>, feed: &PreparedFeed) -> Result<(), RightsError> {
    for e in feed.entries().iter().filter(|e| is_kos(e)) {
        let who = who.ok_or(RightsError::UnknownProfessional)?;
        KosRights::may_feed(who, e).map_err(|rule| RightsError::Kos {
            rule,
            unique_id: e.unique_id.clone(),
            national_id: who.national_id.clone(),
        })?;
    }
    Ok(())
}

/// Checks a metadata or status change of `entry` by `actor` (national id)
/// described by `who`: the KOS rule for manifests; for other documents,
/// only an author deletes (`deletion`).
pub fn check_change(
    who: Option<&Professional>,
    actor: &str,
    entry: &DocumentEntry,
    deletion: bool,
) -> Result<(), RightsError> {
    if is_kos(entry) {
        let who = who.ok_or(RightsError::UnknownProfessional)?;
        return KosRights::may_change(who, entry, None).map_err(|rule| RightsError::Kos {
            rule,
            unique_id: entry.unique_id.clone(),
            national_id: who.national_id.clone(),
        });
    }
    if deletion && !author_ids(entry).contains(&actor) {
        return Err(RightsError::NotAuthor {
            unique_id: entry.unique_id.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vihf::Role;

    fn dicom() -> Vec<u8> {
        let mut d = vec![0u8; 128];
        d.extend_from_slice(b"DICM\x02\x00\x00\x00");
        d
    }

    fn imaging() -> IdNatStruct {
        "499700000000002".parse().expect("structure")
    }

    fn radiologist(id: &str, structure: IdNatStruct) -> VihfActor {
        VihfActor::new(id, "RADIO Anne", structure, "SA07")
            .with_role(Role::profession("10", "Médecin"))
            .with_role(Role::savoir_faire("SM44", "Radio-diagnostic"))
    }

    fn patient() -> Ins {
        Ins::new(
            "285037511104286".parse().expect("nir"),
            segur_ins::InsOid::Test,
        )
    }

    fn manifest(author: &VihfActor) -> KosManifest {
        KosManifest::builder(dicom(), "1.2.250.1.999.7.1", &patient())
            .study_instance_uid("1.2.250.1.999.7.2")
            .accession_number("A-12", "1.2.250.1.999.7")
            .modality("MR", "Magnetic Resonance")
            .author(author)
            .institution("Centre d'imagerie", &author.structure)
            .build(time::macros::datetime!(2025-03-01 08:00 UTC))
            .expect("manifest")
    }

    #[test]
    fn metadata_as_the_ans_sample() {
        let r = radiologist("810002909000", imaging());
        let k = manifest(&r);
        let e = k.entry();
        assert!(is_kos(e));
        assert_eq!(e.mime_type, "application/dicom");
        assert_eq!(
            (
                e.class_code.code.as_str(),
                e.class_code.coding_scheme.as_str()
            ),
            ("31", "1.2.250.1.213.1.1.4.1")
        );
        assert_eq!(
            (
                e.type_code.code.as_str(),
                e.type_code.coding_scheme.as_str()
            ),
            ("IMG-KOS", "1.2.250.1.213.1.1.4.12")
        );
        assert_eq!(e.format_code.code, KOS_FORMAT_CODE);
        assert_eq!(e.format_code.coding_scheme, KOS_FORMAT_CODE_SYSTEM);
        assert_eq!(e.unique_id, "1.2.250.1.999.7.1");
        assert_eq!(e.patient_id, patient().to_cx());
        assert_eq!(author_ids(e), ["810002909000"]);
        assert_eq!(author_structures(e), ["499700000000002"]);
        assert_eq!(e.size, Some(136));
        assert_eq!(e.hash.as_deref(), Some(sha1_hex(&dicom()).as_str()));
        assert!(
            e.reference_ids
                .iter()
                .any(|r| r == "1.2.250.1.999.7.2^^^^urn:ihe:iti:xds:2016:studyInstanceUID")
        );
        assert!(
            e.reference_ids
                .iter()
                .any(|r| r.starts_with("A-12^^^&1.2.250.1.999.7&ISO^"))
        );
        assert_eq!(e.event_codes[0].coding_scheme, MODALITY_CODE_SYSTEM);
        assert_eq!(k.to_feed().prepare().expect("prepare").entries().len(), 1);
    }

    #[test]
    fn bad_input_is_refused() {
        let r = radiologist("810002909000", imaging());
        let at = time::macros::datetime!(2025-03-01 08:00 UTC);
        let base = |bytes: Vec<u8>, uid: &str| {
            KosManifest::builder(bytes, uid, &patient())
                .study_instance_uid("1.2.3")
                .author(&r)
                .institution("X", &imaging())
        };
        assert_eq!(
            base(b"DICM".to_vec(), "1.2.3").build(at),
            Err(KosError::NotDicom)
        );
        assert_eq!(base(Vec::new(), "1.2.3").build(at), Err(KosError::NotDicom));
        for bad in ["", "1..2", "1.02", "1.2.a", &"1".repeat(65)] {
            assert!(
                matches!(
                    base(dicom(), bad).build(at),
                    Err(KosError::InvalidUid { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            base(dicom(), "1.2.3").study_instance_uid("x").build(at),
            Err(KosError::InvalidUid {
                field: "Study Instance UID",
                ..
            })
        ));
        assert_eq!(
            KosManifest::builder(dicom(), "1.2.3", &patient())
                .author(&r)
                .institution("X", &imaging())
                .build(at),
            Err(KosError::Missing("the Study Instance UID"))
        );
        assert!(matches!(
            KosManifest::builder(dicom(), "1.2.3", &patient())
                .study_instance_uid("1.2")
                .author(&r)
                .build(at),
            Err(KosError::Missing(_))
        ));
        assert!(is_dicom_uid("0.1.2"));
        assert!(is_dicom_uid("1.2.840.10008.5.1.4.1.1.88.59"));
    }

    #[test]
    fn every_branch_of_the_rule() {
        let author = radiologist("810002909000", imaging());
        let k = manifest(&author);
        let e = k.entry();
        let same = Professional::from_actor(&author);
        let colleague = Professional::from_actor(&radiologist("810002909018", imaging()));
        let other_structure = Professional::from_actor(&radiologist(
            "810002909026",
            "499700000000003".parse().expect("s"),
        ));
        let gp = Professional::new("810003612545", imaging().as_str())
            .with_role(Role::profession("10", "Médecin"))
            .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
        let nuclear = Professional::new("810002909034", imaging().as_str())
            .with_role(Role::savoir_faire("SM28", "Médecine nucléaire"));
        // Feed.
        assert_eq!(KosRights::may_feed(&same, e), Ok(()));
        assert_eq!(KosRights::may_feed(&colleague, e), Ok(()));
        assert_eq!(KosRights::may_feed(&nuclear, e), Ok(()));
        assert_eq!(
            KosRights::may_feed(&gp, e),
            Err(KosRule::FeedReservedToImaging)
        );
        assert_eq!(
            KosRights::may_feed(&other_structure, e),
            Err(KosRule::FeedForAnotherStructure)
        );
        // Change.
        assert_eq!(KosRights::may_change(&same, e, None), Ok(()));
        assert_eq!(KosRights::may_change(&colleague, e, None), Ok(()));
        assert_eq!(
            KosRights::may_change(&gp, e, None),
            Err(KosRule::ChangeReservedToAuthorOrStructure)
        );
        assert_eq!(
            KosRights::may_change(&other_structure, e, None),
            Err(KosRule::ChangeReservedToAuthorOrStructure)
        );
        // Whoever submitted it is an author.
        assert_eq!(KosRights::may_change(&gp, e, Some("810003612545")), Ok(()));
        // Codes round-trip.
        for r in KosRule::ALL {
            assert_eq!(KosRule::from_code(r.code()), Some(r));
            assert!(r.to_string().contains("SC.DMP/CONF.05"));
        }
        assert_eq!(KosRule::from_code("DMP_AUTEUR_UNIQUEMENT"), None);
        // Unknown user: refused.
        assert_eq!(
            check_change(None, "810002909000", e, true),
            Err(RightsError::UnknownProfessional)
        );
    }

    #[test]
    fn delete_by_author_only_for_other_documents() {
        let doc = segur_cda::samples::n1_document().expect("sample");
        let bytes = doc.to_xml();
        let entry =
            DocumentEntry::from_document(&doc, &bytes, &EntryOptions::default()).expect("entry");
        assert_eq!(author_ids(&entry), ["810003612545"]);
        assert!(check_change(None, "810003612545", &entry, true).is_ok());
        assert!(matches!(
            check_change(None, "810000000058", &entry, true),
            Err(RightsError::NotAuthor { .. })
        ));
        assert!(check_change(None, "810000000058", &entry, false).is_ok());
    }

    #[test]
    fn from_report_takes_the_report_header() {
        let doc = segur_cda::samples::n1_document().expect("sample");
        let k = KosManifest::from_report(&doc, dicom(), "1.2.826.0.1.3680043.2.1125.1", "1.2.3")
            .expect("kos");
        assert!(is_kos(k.entry()));
        assert_eq!(k.unique_id(), "1.2.826.0.1.3680043.2.1125.1");
        assert!(!author_structures(k.entry()).is_empty());
        assert!(matches!(
            KosManifest::from_report(&doc, b"DICM".to_vec(), "1.2.3", "1.2.3"),
            Err(Error::Kos(KosError::NotDicom))
        ));
    }
}
