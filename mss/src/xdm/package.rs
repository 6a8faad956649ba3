//! XDM packages of CDA documents: [`pack`] derives the XDS metadata with
//! segur-cda (the one METADATA.XML implementation) and writes the archive;
//! [`unpack`] reads an archive safely, parses each METADATA.XML and checks
//! that every listed document is present with the announced hash and size.
//!
//! # N1/N3 pairs (SC.CDA/DD.13)
//! The N3 document and its N1 twin ([`segur_cda::versions::DocumentPair`])
//! travel as **one unit** ([`PackItem::Pair`], [`PairToPack`]): both in the
//! same SUBSET, the N3 first, linked by an
//! `urn:ihe:iti:2007:AssociationType:XFRM` Association whose
//! `sourceObject` is the **N1** DocumentEntry (the transformed document) and
//! `targetObject` the **N3** DocumentEntry (its source). Direction: an XDS
//! document relationship is carried by the new document and points to the
//! one it relates to (IHE ITI TF-3 §4.2.2, mirrored by the MHD ConceptMap
//! `AssociationTypeVsRelatesTo`: XFRM = `relatesTo.code` `transforms` on
//! the transforming DocumentReference); the eHDSI ePrescription consumers
//! read XFRM associations the same way (source = the PDF L1 rendering,
//! target = the coded L3 document). It also matches the CDA, where the N1
//! carries `relatedDocument typeCode="XFRM"` to the N3 (segur-cda's rule).
//!
//! The CDA of a later version of a pair carries RPLC only
//! (`relatedDocument` is 0..1 in the CI-SIS header), so only the caller
//! knows the two new forms are one document: it declares the pair, and the
//! metadata still carry the XFRM association between them, plus one RPLC
//! association per form to the version it replaces. A single N1 whose XFRM
//! target is another document of the package is packed as a pair with it;
//! one whose XFRM target is absent is refused
//! ([`MessageError::IncompletePair`]), and a declared pair that is not one
//! ([`MessageError::NotAPair`]) as well.
//!
//! # Entry ids
//! Each DocumentEntry's `entryUUID` is a name-based UUID (RFC 4122 version
//! 5, SHA-1) of the document's `uniqueId` in a namespace of this crate
//! ([`entry_uuid`]): the entry of a document has the same id in every
//! package that carries it, so an RPLC association of a new version can
//! name the entry of the version it replaces without the sender keeping a
//! register of the ids it wrote.
//!
//! # Example
//!
//! ```
//! use segur_cda::volets::samples::{Richness, vsm_pair};
//! use segur_cda::xds::XdsCode;
//! use segur_mss::xdm::{DocumentToPack, PackOptions, ReadmeInfo, XdmLimits, pack, unpack};
//!
//! let pair = vsm_pair(Richness::Minimal)?;
//! let opts = PackOptions {
//!     source_id: "1.2.250.1.999.1.1".parse()?,
//!     content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
//!     readme: ReadmeInfo {
//!         sender: "Dr Martin".into(),
//!         contact: "dr.martin@medecin.mssante.fr".into(),
//!         software: "LGC".into(),
//!     },
//!     now: time::OffsetDateTime::UNIX_EPOCH,
//! };
//! let packed = pack([DocumentToPack::pair(&pair)], &opts)?;
//! assert_eq!(packed.documents.len(), 2);
//! let read = unpack(&packed.zip, &XdmLimits::default())?;
//! assert_eq!(read.pairs.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use segur_cda::versions::DocumentPair;
use segur_cda::xds::{
    ASSOCIATION_XFRM, Association, DocumentEntry, EntryOptions, Submission, SubmissionSet, XdsCode,
};
use segur_cda::{Document, Level};
use segur_ids::Oid;
use time::OffsetDateTime;

use crate::documents::{DocumentPatient, facts_from_header, ii_key};
use crate::error::{Error, MessageError, XdmError};
use crate::message::SentDocument;
use crate::xdm::action::{XdmAction, insert_action_slots, read_actions};
use crate::xdm::archive::{
    ReadmeInfo, SubsetToWrite, XdmLimits, hash_and_size, read_archive, write_archive,
};

/// Name of the single subset folder written.
pub const SUBSET: &str = "SUBSET01";

/// Namespace of the name-based entry UUIDs ([`entry_uuid`]): a fixed
/// random UUID of this crate.
const ENTRY_NAMESPACE: [u8; 16] = [
    0x6f, 0x0e, 0x2c, 0x51, 0x8b, 0x94, 0x4d, 0x2a, 0x9a, 0x6e, 0x31, 0xd7, 0x5c, 0x02, 0xb8, 0x4e,
];

/// The `entryUUID` written for the document whose `uniqueId` is `unique_id`
/// (`root^extension` or `root`): `urn:uuid:` + the RFC 4122 version 5 UUID
/// of it (see the module docs).
pub fn entry_uuid(unique_id: &str) -> String {
    let mut input = Vec::with_capacity(16 + unique_id.len());
    input.extend_from_slice(&ENTRY_NAMESPACE);
    input.extend_from_slice(unique_id.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    format!(
        "urn:uuid:{}",
        uuid::Builder::from_sha1_bytes(bytes).into_uuid()
    )
}

/// Choices for the submission set.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// `sourceId`: the OID of the sending software instance.
    pub source_id: Oid,
    /// `contentTypeCode` of the submission set.
    pub content_type_code: XdsCode,
    /// README.TXT / INDEX.HTM information.
    pub readme: ReadmeInfo,
    /// Submission time.
    pub now: OffsetDateTime,
}

/// One document to pack.
#[derive(Debug, Clone)]
pub struct DocumentToPack {
    /// The CDA bytes, as they will be sent.
    pub cda: Vec<u8>,
    /// Metadata choices the header does not carry. The formatCode of an N3
    /// of a volet segur-cda knows (VSM, eP-MED-DM) is found by default.
    pub entry: EntryOptions,
    /// PDF rendering for an N3 (an N1's embedded PDF is used otherwise).
    pub pdf: Option<Vec<u8>>,
    /// The action asked of the recipient; `None`: a replacement when the CDA
    /// has a `relatedDocument typeCode="RPLC"`, else a first sending. A
    /// withdrawal ([`XdmAction::Delete`]) carries the document withdrawn.
    pub action: Option<XdmAction>,
}

impl DocumentToPack {
    /// A document with default metadata choices and the action read from
    /// the CDA.
    pub fn new(cda: Vec<u8>) -> Self {
        DocumentToPack {
            cda,
            entry: EntryOptions::default(),
            pdf: None,
            action: None,
        }
    }

    /// Both forms of an N1/N3 pair, to pack as one unit ([`PairToPack::new`]).
    pub fn pair(pair: &DocumentPair) -> PackItem {
        PackItem::Pair(PairToPack::new(pair))
    }
}

/// Both forms of an N1/N3 pair (SC.CDA/DD.13), packed as one unit: the
/// same SUBSET, an XFRM association from the N1 entry to the N3 entry, and
/// one action for both (sent, replaced or withdrawn together).
#[derive(Debug, Clone)]
pub struct PairToPack {
    /// The structured (N3) form.
    pub n3: DocumentToPack,
    /// The N1 form (its PDF is the rendering attached to the message).
    pub n1: DocumentToPack,
}

impl PairToPack {
    /// From a segur-cda pair (first version: the N1 carries XFRM to the
    /// N3; later versions: each form carries RPLC to its own previous one).
    pub fn new(pair: &DocumentPair) -> Self {
        PairToPack {
            n3: DocumentToPack::new(pair.n3().to_xml()),
            n1: DocumentToPack::new(pair.n1().to_xml()),
        }
    }

    /// From the bytes of the two forms, in any order: one must be an N3
    /// (structured body) and the other an N1 (non-XML body). Whether they
    /// are the two forms of one document is checked by [`pack`].
    pub fn from_cda(a: Vec<u8>, b: Vec<u8>) -> Result<Self, Error> {
        let level = |cda: &[u8], which: &str| {
            Document::parse(cda.to_vec())
                .map(|d| d.level())
                .map_err(|e| MessageError::InvalidDocument {
                    document: which.to_owned(),
                    reason: e.to_string(),
                })
        };
        match (level(&a, "first form")?, level(&b, "second form")?) {
            (Level::N3, Level::N1) => Ok(PairToPack {
                n3: DocumentToPack::new(a),
                n1: DocumentToPack::new(b),
            }),
            (Level::N1, Level::N3) => Ok(PairToPack {
                n3: DocumentToPack::new(b),
                n1: DocumentToPack::new(a),
            }),
            (x, y) => Err(MessageError::NotAPair {
                n3: "first form".into(),
                n1: "second form".into(),
                reason: format!("a pair is one N3 and one N1 document, not {x:?} and {y:?}"),
            }
            .into()),
        }
    }

    /// Sets the action of both forms (replacement or withdrawal of the pair).
    pub fn with_action(mut self, action: XdmAction) -> Self {
        self.n3.action = Some(action);
        self.n1.action = Some(action);
        self
    }
}

/// One unit of a package: a document, or both forms of an N1/N3 pair.
// A short-lived input of `pack`, moved once: a pair being twice a document
// is no reason to box it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PackItem {
    /// A document on its own (an N1 carrying XFRM to another document of the
    /// package is paired with it).
    Document(DocumentToPack),
    /// An N1/N3 pair.
    Pair(PairToPack),
}

impl From<DocumentToPack> for PackItem {
    fn from(d: DocumentToPack) -> Self {
        PackItem::Document(d)
    }
}

impl From<PairToPack> for PackItem {
    fn from(p: PairToPack) -> Self {
        PackItem::Pair(p)
    }
}

impl From<&DocumentPair> for PackItem {
    fn from(p: &DocumentPair) -> Self {
        PackItem::Pair(PairToPack::new(p))
    }
}

/// A packed archive with what the message needs.
#[derive(Debug, Clone)]
pub struct Packed {
    /// `IHE_XDM.zip` bytes.
    pub zip: Vec<u8>,
    /// The metadata written.
    pub submission: Submission,
    /// The documents with their facts and PDF renderings (for the message).
    /// Both forms of a pair name each other in
    /// [`DocumentFacts::paired_with`](crate::message::DocumentFacts::paired_with).
    pub documents: Vec<SentDocument>,
    /// The patient of the documents.
    pub patient: DocumentPatient,
}

/// A new unique OID under `2.25` (UUID-derived, ITU-T X.667).
pub fn unique_oid() -> Result<Oid, Error> {
    let n = uuid::Uuid::new_v4().as_u128();
    Oid::parse(&format!("2.25.{n}")).map_err(|e| XdmError::Pack(e.to_string()).into())
}

/// A document being packed.
struct Prepared {
    doc: Document,
    input: DocumentToPack,
    sent: SentDocument,
    /// Index of the other form, once paired.
    twin: Option<usize>,
}

fn prepare(i: usize, d: DocumentToPack) -> Result<Prepared, Error> {
    let doc = Document::parse(d.cda.clone()).map_err(|e| MessageError::InvalidDocument {
        document: format!("document {}", i + 1),
        reason: e.to_string(),
    })?;
    let mut facts = facts_from_header(&doc.header)?;
    // The CDA XFRM only says which document this one comes from; the pair
    // is recorded below, once both forms are known to be in the package.
    facts.paired_with = None;
    if let Some(a) = d.action {
        if a == XdmAction::Replace && facts.replaces.is_none() {
            return Err(MessageError::InvalidDocument {
                document: facts.id,
                reason: "a new version must carry relatedDocument typeCode=\"RPLC\" to the version it replaces".into(),
            }
            .into());
        }
        facts.action = a;
    }
    let embedded = match &doc.body {
        segur_cda::Body::NonXml(n) if n.media_type().eq_ignore_ascii_case("application/pdf") => {
            Some(n.decode().into_owned())
        }
        _ => None,
    };
    let pdf = embedded.or_else(|| d.pdf.clone());
    Ok(Prepared {
        doc,
        input: d,
        sent: SentDocument { facts, pdf },
        twin: None,
    })
}

/// Checks that `n3` and `n1` are the two forms of one document, sent with
/// one action (SC.CDA/DD.13, DD.14).
fn check_pair(n3: &Prepared, n1: &Prepared) -> Result<(), MessageError> {
    let not_a_pair = |reason: String| MessageError::NotAPair {
        n3: n3.sent.facts.id.clone(),
        n1: n1.sent.facts.id.clone(),
        reason,
    };
    if n3.doc.level() != Level::N3 || n1.doc.level() != Level::N1 {
        return Err(not_a_pair(format!(
            "a pair is one N3 and one N1 document, not {:?} and {:?}",
            n3.doc.level(),
            n1.doc.level()
        )));
    }
    match n1.doc.header.transformed_from().map(ii_key) {
        Some(src) if src != n3.sent.facts.id => {
            return Err(not_a_pair(format!(
                "the N1 carries relatedDocument XFRM to {src}, not to the N3"
            )));
        }
        Some(_) => {}
        None => {
            // A later version of a pair: both forms are new versions, each
            // RPLC to its own previous version, and describe the same act.
            if n1.sent.facts.replaces.is_none() {
                return Err(not_a_pair(
                    "the N1 carries neither relatedDocument XFRM to the N3 (first version) nor RPLC to its previous version".into(),
                ));
            }
            if n3.sent.facts.replaces.is_none() {
                return Err(not_a_pair(
                    "the N1 is a new version (RPLC) but the N3 is not: a pair is replaced as a whole, each form with RPLC to its previous version".into(),
                ));
            }
            if DocumentPair::link(n1.doc.clone(), n3.doc.clone()).is_err() {
                return Err(not_a_pair(
                    "the two forms do not describe the same patient, document type, act and version".into(),
                ));
            }
        }
    }
    if n1.sent.facts.replaces.is_some() && n3.sent.facts.replaces.is_none() {
        return Err(not_a_pair(
            "the N1 replaces a previous version (RPLC) but the N3 does not: a pair is replaced as a whole".into(),
        ));
    }
    if n1.sent.facts.action != n3.sent.facts.action {
        return Err(MessageError::InvalidDocument {
            document: n1.sent.facts.id.clone(),
            reason: format!(
                "the N1/N3 pair must be sent, replaced or withdrawn together: {} is {:?}, {} is {:?}",
                n3.sent.facts.id, n3.sent.facts.action, n1.sent.facts.id, n1.sent.facts.action
            ),
        });
    }
    Ok(())
}

/// Packs documents of **one** patient; N1/N3 pairs as one unit each (see
/// the module docs). Accepts [`DocumentToPack`]s, [`PairToPack`]s,
/// `&DocumentPair`s or [`PackItem`]s.
pub fn pack<I: Into<PackItem>>(
    items: impl IntoIterator<Item = I>,
    opts: &PackOptions,
) -> Result<Packed, Error> {
    let mut docs: Vec<Prepared> = Vec::new();
    for item in items {
        match item.into() {
            PackItem::Document(d) => docs.push(prepare(docs.len(), d)?),
            PackItem::Pair(p) => {
                let PairToPack { n3, n1 } = p;
                let n3 = prepare(docs.len(), n3)?;
                let n1 = prepare(docs.len() + 1, n1)?;
                check_pair(&n3, &n1)?;
                let at = docs.len();
                docs.push(Prepared {
                    twin: Some(at + 1),
                    ..n3
                });
                docs.push(Prepared {
                    twin: Some(at),
                    ..n1
                });
            }
        }
    }
    if docs.is_empty() {
        return Err(XdmError::Pack("no document".into()).into());
    }
    // Each document once: its entry id is derived from its uniqueId.
    for (i, d) in docs.iter().enumerate() {
        if docs[..i].iter().any(|o| o.sent.facts.id == d.sent.facts.id) {
            return Err(MessageError::InvalidDocument {
                document: d.sent.facts.id.clone(),
                reason: "the document is given twice in the package".into(),
            }
            .into());
        }
    }
    // One patient per package.
    let patient = DocumentPatient::from_header(&docs[0].doc.header);
    for d in &docs[1..] {
        let other = DocumentPatient::from_header(&d.doc.header);
        if other.key() != patient.key() {
            return Err(MessageError::SeveralPatients {
                first: patient.key(),
                other: other.key(),
            }
            .into());
        }
    }
    // A single N1 deriving (XFRM) from a document of the package is paired
    // with it; one whose source is absent would travel without its twin.
    for i in 0..docs.len() {
        if docs[i].twin.is_some() {
            continue;
        }
        let Some(src) = docs[i].doc.header.transformed_from().map(ii_key) else {
            continue;
        };
        match docs.iter().position(|o| o.sent.facts.id == src) {
            None => {
                return Err(MessageError::IncompletePair {
                    present: docs[i].sent.facts.id.clone(),
                    missing: src,
                }
                .into());
            }
            Some(j) => {
                if docs[j].twin.is_some() {
                    return Err(MessageError::NotAPair {
                        n3: src,
                        n1: docs[i].sent.facts.id.clone(),
                        reason: "the N3 is already paired with another N1 in this package".into(),
                    }
                    .into());
                }
                check_pair(&docs[j], &docs[i])?;
                docs[i].twin = Some(j);
                docs[j].twin = Some(i);
            }
        }
    }
    // Both forms name each other; the N3 of a pair shares the N1's PDF.
    for i in 0..docs.len() {
        if let Some(j) = docs[i].twin {
            let twin_id = docs[j].sent.facts.id.clone();
            let n1_has_pdf = docs[j].doc.level() == Level::N1 && docs[j].sent.pdf.is_some();
            let d = &mut docs[i];
            d.sent.facts.paired_with = Some(twin_id);
            if d.doc.level() == Level::N3 && n1_has_pdf {
                d.sent.pdf = None;
            }
        }
    }
    let mut entries = Vec::new();
    let mut files = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let uri = format!("DOC{:04}.XML", i + 1);
        let format_code = d
            .input
            .entry
            .format_code
            .clone()
            .or_else(|| segur_cda::volets::format_code(&d.doc));
        let options = EntryOptions {
            entry_id: Some(entry_uuid(&d.sent.facts.id)),
            uri: Some(uri.clone()),
            format_code,
            ..d.input.entry.clone()
        };
        let entry = DocumentEntry::from_document(&d.doc, &d.input.cda, &options)
            .map_err(|e| XdmError::Pack(format!("metadata of {}: {e}", d.sent.facts.id)))?;
        files.push((uri, d.sent.facts.label.clone(), d.input.cda.clone()));
        entries.push(entry);
    }
    let set = SubmissionSet::for_entry(
        &entries[0],
        &unique_oid()?,
        &opts.source_id,
        opts.now,
        opts.content_type_code.clone(),
    );
    // XFRM: from the N1 entry (transformed) to the N3 entry (its source).
    let mut associations = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if let Some(j) = d.twin {
            if d.doc.level() == Level::N1 {
                associations.push(Association::new(
                    ASSOCIATION_XFRM,
                    &entries[i].entry_uuid,
                    &entries[j].entry_uuid,
                ));
            }
        }
    }
    // RPLC: each new version to the entry of the version it replaces.
    let replacements: Vec<(String, String)> = docs
        .iter()
        .zip(&entries)
        .filter(|(d, _)| d.sent.facts.action == XdmAction::Replace)
        .filter_map(|(d, e)| {
            d.sent
                .facts
                .replaces
                .as_ref()
                .map(|old| (e.entry_uuid.clone(), entry_uuid(old)))
        })
        .collect();
    let submission = Submission {
        submission_set: Some(set),
        entries,
        associations,
        replacements,
        ..Default::default()
    };
    let actions: Vec<(String, XdmAction)> = submission
        .entries
        .iter()
        .zip(&docs)
        .map(|(e, d)| (e.entry_uuid.clone(), d.sent.facts.action))
        .collect();
    let metadata = insert_action_slots(&submission.to_ebrim(), &actions).into_bytes();
    let zip = write_archive(
        &[SubsetToWrite {
            name: SUBSET.into(),
            metadata,
            documents: files,
        }],
        &opts.readme,
        opts.now,
    )?;
    Ok(Packed {
        zip,
        submission,
        documents: docs.into_iter().map(|d| d.sent).collect(),
        patient,
    })
}

/// A document read from a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedDocument {
    /// Subset folder.
    pub subset: String,
    /// Path in the subset (`URI` slot).
    pub uri: String,
    /// Its metadata.
    pub entry: DocumentEntry,
    /// The document bytes.
    pub data: Vec<u8>,
    /// The action the sender asks (`urn:action:extraMetadataSlot`).
    pub action: XdmAction,
}

/// The content of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// Metadata per subset.
    pub submissions: Vec<(String, Submission)>,
    /// Documents listed in the metadata (technical files are not documents).
    pub documents: Vec<UnpackedDocument>,
    /// The N1/N3 pairs: one document with two renderings (SC.CDA/DD.13),
    /// read from the XFRM associations between two entries of one subset.
    pub pairs: Vec<UnpackedPair>,
    /// README.TXT, if any.
    pub readme: Option<String>,
}

/// Two documents of a package that are the N1 and N3 forms of one document
/// (an XFRM association from the N1 entry to the N3 entry).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnpackedPair {
    /// Subset folder.
    pub subset: String,
    /// `uniqueId` of the structured (N3) form: the association's target.
    pub n3: String,
    /// `uniqueId` of the N1 form: the association's source.
    pub n1: String,
}

impl Unpacked {
    /// The `patientId` (CX) of the submission sets or entries.
    pub fn patient_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for id in self.documents.iter().map(|d| d.entry.patient_id.clone()) {
            if !id.is_empty() && !v.contains(&id) {
                v.push(id);
            }
        }
        v
    }

    /// The `uniqueId` of the other form of the document `unique_id`, when
    /// the package carries it as an N1/N3 pair.
    pub fn twin_of(&self, unique_id: &str) -> Option<&str> {
        self.pairs.iter().find_map(|p| {
            if p.n3 == unique_id {
                Some(p.n1.as_str())
            } else if p.n1 == unique_id {
                Some(p.n3.as_str())
            } else {
                None
            }
        })
    }
}

/// Reads a package safely and checks it against its metadata.
pub fn unpack(zip: &[u8], limits: &XdmLimits) -> Result<Unpacked, XdmError> {
    let archive = read_archive(zip, limits)?;
    let mut out = Unpacked {
        submissions: Vec::new(),
        documents: Vec::new(),
        pairs: Vec::new(),
        readme: archive
            .readme
            .as_ref()
            .map(|r| String::from_utf8_lossy(r).into_owned()),
    };
    for subset in &archive.subsets {
        let path = format!("IHE_XDM/{}/METADATA.XML", subset.name);
        let submission =
            Submission::from_ebrim(&subset.metadata).map_err(|e| XdmError::BadMetadata {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let actions = read_actions(&subset.metadata);
        if submission.entries.is_empty() {
            return Err(XdmError::BadMetadata {
                path,
                reason: "no DocumentEntry".into(),
            });
        }
        for entry in &submission.entries {
            let uri = entry.uri.clone().ok_or_else(|| XdmError::BadMetadata {
                path: path.clone(),
                reason: format!("entry {} has no URI slot", entry.unique_id),
            })?;
            crate::xdm::archive::check_entry_name(&uri).map_err(|_| XdmError::BadMetadata {
                path: path.clone(),
                reason: format!("URI {uri:?} leaves the subset folder"),
            })?;
            let file = subset.file(&uri).ok_or_else(|| XdmError::MissingDocument {
                uri: uri.clone(),
                metadata: path.clone(),
            })?;
            let (hash, size) = hash_and_size(&file.data);
            if let Some(h) = &entry.hash {
                if !h.eq_ignore_ascii_case(&hash) {
                    return Err(XdmError::IntegrityMismatch {
                        path: format!("IHE_XDM/{}/{uri}", subset.name),
                        what: "hash",
                        expected: h.clone(),
                        actual: hash,
                    });
                }
            }
            if let Some(s) = entry.size {
                if s != size {
                    return Err(XdmError::IntegrityMismatch {
                        path: format!("IHE_XDM/{}/{uri}", subset.name),
                        what: "size",
                        expected: s.to_string(),
                        actual: size.to_string(),
                    });
                }
            }
            out.documents.push(UnpackedDocument {
                subset: subset.name.clone(),
                uri,
                entry: entry.clone(),
                data: file.data.clone(),
                action: actions
                    .iter()
                    .find(|(id, _)| *id == entry.entry_uuid)
                    .map_or(XdmAction::Original, |(_, a)| *a),
            });
        }
        for a in &submission.associations {
            if a.association_type != ASSOCIATION_XFRM {
                continue;
            }
            let id_of = |uuid: &str| {
                submission
                    .entries
                    .iter()
                    .find(|e| e.entry_uuid == uuid)
                    .map(|e| e.unique_id.clone())
            };
            if let (Some(n1), Some(n3)) = (id_of(&a.source), id_of(&a.target)) {
                out.pairs.push(UnpackedPair {
                    subset: subset.name.clone(),
                    n3,
                    n1,
                });
            }
        }
        out.submissions.push((subset.name.clone(), submission));
    }
    Ok(out)
}
