//! TD2.1 / TD2.2 feeding with ITI-41 (ProvideAndRegisterDocumentSet-b),
//! sans-IO (reference §5).
//!
//! A [`Feed`] is what the professional sends in one submission: one
//! document, or both forms of an N1/N3 pair (SC.CDA/DD.12/14), with the
//! visibility chosen ([`Visibility`], SC.DMP/HISTO.04). [`Feed::prepare`]
//! derives the XDS metadata with segur-cda ([`DocumentEntry::from_document`])
//! and finds what the submission must say besides: the XFRM link of a pair
//! (N1 → N3), and the documents each new version replaces (RPLC, whose
//! target is the *entryUUID* of the replaced version: the client looks it
//! up with TD3.1b). [`provide_and_register`] then writes the request: the
//! submission set, the entries, the signature document of the reference
//! (IHE DSG, [`crate::xades`]) with its `signs` association, and one MTOM
//! part per document.
//!
//! ```
//! use segur_dmp::feed::{Feed, Visibility};
//! let doc = segur_cda::samples::n1_document()?;
//! let feed = Feed::document(doc.to_xml()).with_visibility(Visibility {
//!     invisible_to_patient: true,
//!     ..Visibility::default()
//! });
//! let prepared = feed.prepare()?;
//! assert_eq!(prepared.key(), "1.2.250.1.999.1.1^DOC-1");
//! assert!(prepared.entries()[0]
//!     .confidentiality_codes
//!     .iter()
//!     .any(|c| c.code == "INVISIBLE_PATIENT"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use segur_cda::xds::{
    ASSOCIATION_SIGNS, ASSOCIATION_XFRM, Association, DocumentEntry, EntryOptions, Submission,
    SubmissionSet, XdsCode,
};
use segur_cda::{Document, Level};
use segur_ids::Oid;
use segur_ins::Ins;
use time::OffsetDateTime;

use crate::dsig::XmlSigner;
use crate::error::{Error, FeedError, ProtocolError};
use crate::mtom::{Part, XOP_NS};
use crate::soap::Received;
use crate::xds::{LCM_NS, XDSB_NS};
use crate::xml::{self, Element};

/// Code system of the French visibility codes (TRE_A07-StatutVisibiliteDocument).
pub const VISIBILITY_CODE_SYSTEM: &str = "1.2.250.1.213.1.1.4.13";
/// Hidden from health professionals.
pub const MASQUE_PS: &str = "MASQUE_PS";
/// Not visible to the patient.
pub const INVISIBLE_PATIENT: &str = "INVISIBLE_PATIENT";
/// Not visible to the patient's legal representatives.
pub const INVISIBLE_REPRESENTANTS_LEGAUX: &str = "INVISIBLE_REPRESENTANTS_LEGAUX";

/// Who may see a document (the French `confidentialityCode`s, reference §4).
/// The default is visible to everyone entitled.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Visibility {
    /// `MASQUE_PS`: hidden from the other health professionals.
    pub hidden_from_professionals: bool,
    /// `INVISIBLE_PATIENT`: not visible to the patient (e.g. until the
    /// announcement consultation).
    pub invisible_to_patient: bool,
    /// `INVISIBLE_REPRESENTANTS_LEGAUX`: not visible to the legal
    /// representatives of a minor.
    pub invisible_to_legal_representatives: bool,
}

impl Visibility {
    /// The confidentiality codes this visibility adds.
    pub fn codes(self) -> Vec<XdsCode> {
        let mut out = Vec::new();
        if self.hidden_from_professionals {
            out.push(XdsCode::new(
                MASQUE_PS,
                VISIBILITY_CODE_SYSTEM,
                "Masqué aux professionnels de santé",
            ));
        }
        if self.invisible_to_patient {
            out.push(XdsCode::new(
                INVISIBLE_PATIENT,
                VISIBILITY_CODE_SYSTEM,
                "Non visible par le patient",
            ));
        }
        if self.invisible_to_legal_representatives {
            out.push(XdsCode::new(
                INVISIBLE_REPRESENTANTS_LEGAUX,
                VISIBILITY_CODE_SYSTEM,
                "Non visible par les représentants légaux du patient",
            ));
        }
        out
    }

    /// Reads the visibility from an entry's confidentiality codes.
    pub fn from_codes(codes: &[XdsCode]) -> Self {
        let has = |c: &str| {
            codes
                .iter()
                .any(|x| x.code == c && x.coding_scheme == VISIBILITY_CODE_SYSTEM)
        };
        Self {
            hidden_from_professionals: has(MASQUE_PS),
            invisible_to_patient: has(INVISIBLE_PATIENT),
            invisible_to_legal_representatives: has(INVISIBLE_REPRESENTANTS_LEGAUX),
        }
    }

    /// `codes` with its visibility codes replaced by this visibility (the
    /// other codes, e.g. `N`, are kept).
    pub fn apply(self, codes: &[XdsCode]) -> Vec<XdsCode> {
        let mut out: Vec<XdsCode> = codes
            .iter()
            .filter(|c| c.coding_scheme != VISIBILITY_CODE_SYSTEM)
            .cloned()
            .collect();
        out.extend(self.codes());
        out
    }
}

/// One document of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedDocument {
    /// The bytes sent (CDA XML, or DICOM for a KOS).
    pub bytes: Vec<u8>,
    /// Metadata given by the host, for documents that are not CDA (imaging
    /// manifests: [`crate::rights::KosManifest`]). `None`: derived from the
    /// CDA header.
    pub entry: Option<DocumentEntry>,
    /// formatCode of an N3 document (the volet's), when segur-cda does not
    /// know it.
    pub format_code: Option<XdsCode>,
    /// classCode, when the document type is not in segur-cda's table.
    pub class_code: Option<XdsCode>,
}

impl FeedDocument {
    /// A CDA document (metadata from its header).
    pub fn cda(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            entry: None,
            format_code: None,
            class_code: None,
        }
    }

    /// A document with metadata given by the host.
    pub fn with_entry(bytes: Vec<u8>, entry: DocumentEntry) -> Self {
        Self {
            bytes,
            entry: Some(entry),
            format_code: None,
            class_code: None,
        }
    }

    /// Sets the formatCode (N3 volets).
    pub fn format_code(mut self, code: XdsCode) -> Self {
        self.format_code = Some(code);
        self
    }
}

/// What one submission sends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feed {
    /// The documents: one, or the two forms of a pair (N3 then N1).
    pub documents: Vec<FeedDocument>,
    /// Visibility of every document of the submission.
    pub visibility: Visibility,
    /// Comments (`Description`) on every entry.
    pub comments: Option<String>,
}

impl Feed {
    /// One CDA document.
    pub fn document(bytes: Vec<u8>) -> Self {
        Self {
            documents: vec![FeedDocument::cda(bytes)],
            ..Self::default()
        }
    }

    /// Both forms of a pair, sent together (SC.CDA/DD.12/14).
    pub fn pair(pair: &segur_cda::versions::DocumentPair) -> Self {
        Self {
            documents: vec![
                FeedDocument::cda(pair.n3().to_xml()),
                FeedDocument::cda(pair.n1().to_xml()),
            ],
            ..Self::default()
        }
    }

    /// Adds a document.
    pub fn with_document(mut self, d: FeedDocument) -> Self {
        self.documents.push(d);
        self
    }

    /// Sets the visibility.
    pub fn with_visibility(mut self, v: Visibility) -> Self {
        self.visibility = v;
        self
    }

    /// Derives the metadata and the links (XFRM, replaced versions).
    pub fn prepare(&self) -> Result<PreparedFeed, Error> {
        if self.documents.is_empty() {
            return Err(FeedError::Empty.into());
        }
        let mut entries = Vec::new();
        let mut parsed: Vec<Option<Document>> = Vec::new();
        for (i, d) in self.documents.iter().enumerate() {
            let id = format!("Document{:02}", i + 1);
            let mut entry = match &d.entry {
                Some(e) => {
                    parsed.push(None);
                    let mut e = e.clone();
                    e.entry_uuid = id;
                    e
                }
                None => {
                    let doc = Document::parse(d.bytes.clone())
                        .map_err(|e| Error::Cda(segur_cda::Error::Parse(e)))?;
                    let options = EntryOptions {
                        entry_id: Some(id),
                        class_code: d.class_code.clone(),
                        format_code: d.format_code.clone(),
                        comments: self.comments.clone(),
                        ..EntryOptions::default()
                    };
                    let e = DocumentEntry::from_document(&doc, &d.bytes, &options)
                        .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?;
                    parsed.push(Some(doc));
                    e
                }
            };
            entry.confidentiality_codes = self.visibility.apply(&entry.confidentiality_codes);
            entries.push(entry);
        }
        let patient_id = entries[0].patient_id.clone();
        if let Some(other) = entries.iter().find(|e| e.patient_id != patient_id) {
            return Err(FeedError::MixedPatients {
                first: patient_id,
                other: other.patient_id.clone(),
            }
            .into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in &entries {
            if !seen.insert(e.unique_id.clone()) {
                return Err(FeedError::DuplicateUniqueId(e.unique_id.clone()).into());
            }
        }
        let patient = Ins::from_cx(&patient_id)
            .map_err(|e| FeedError::PatientId(format!("{patient_id}: {e}")))?;
        // XFRM: an N1 whose header says it transforms an N3 of this feed;
        // for later versions of a pair (RPLC each), the same facts.
        let mut transformations = Vec::new();
        for (i, a) in parsed.iter().enumerate() {
            let Some(n1) = a.as_ref().filter(|d| d.level() == Level::N1) else {
                continue;
            };
            for (j, b) in parsed.iter().enumerate() {
                let Some(n3) = b.as_ref().filter(|d| d.level() == Level::N3) else {
                    continue;
                };
                if segur_cda::versions::DocumentPair::link(n1.clone(), n3.clone()).is_ok() {
                    transformations.push((i, j));
                }
            }
        }
        let replaces = parsed
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let parent = d.as_ref()?.header.replaces()?;
                Some((i, unique_id_of(parent)?))
            })
            .collect();
        Ok(PreparedFeed {
            patient,
            entries,
            bytes: self.documents.iter().map(|d| d.bytes.clone()).collect(),
            transformations,
            replaces,
        })
    }
}

/// The uniqueIds of both forms of a pair (N3 first): what every action on
/// the pair (send, delete, mask, archive) applies to (SC.CDA/DD.14).
pub fn pair_unique_ids(pair: &segur_cda::versions::DocumentPair) -> Vec<String> {
    pair.documents()
        .iter()
        .filter_map(|d| d.header.id.as_ref().and_then(unique_id_of))
        .collect()
}

/// `root^extension` (or `root`) of a CDA instance identifier, as XDS writes
/// uniqueIds.
pub(crate) fn unique_id_of(ii: &segur_cda::datatypes::Ii) -> Option<String> {
    match (&ii.root, &ii.extension) {
        (Some(r), Some(e)) => Some(format!("{r}^{e}")),
        (Some(r), None) => Some(r.clone()),
        _ => None,
    }
}

/// A feed with its metadata derived.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedFeed {
    patient: Ins,
    entries: Vec<DocumentEntry>,
    bytes: Vec<Vec<u8>>,
    transformations: Vec<(usize, usize)>,
    replaces: Vec<(usize, String)>,
}

impl PreparedFeed {
    /// The patient.
    pub fn patient(&self) -> &Ins {
        &self.patient
    }

    /// The entries (ids `Document01`…), in feed order.
    pub fn entries(&self) -> &[DocumentEntry] {
        &self.entries
    }

    /// The bytes of document `i`.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        self.bytes.get(i).map(Vec::as_slice)
    }

    /// The idempotency key of the submission: the uniqueId of its first
    /// document (the N3 of a pair).
    pub fn key(&self) -> &str {
        &self.entries[0].unique_id
    }

    /// uniqueIds of every document.
    pub fn unique_ids(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.unique_id.clone()).collect()
    }

    /// `(N1 index, N3 index)` linked by XFRM.
    pub fn transformations(&self) -> &[(usize, usize)] {
        &self.transformations
    }

    /// `(index, uniqueId of the version it replaces)`.
    pub fn replaces(&self) -> &[(usize, String)] {
        &self.replaces
    }

    /// Whether a document is an imaging manifest (KOS).
    pub fn has_kos(&self) -> bool {
        self.entries.iter().any(crate::rights::is_kos)
    }
}

/// Choices of the sending software that the documents do not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionContext {
    /// `sourceId`: OID of the sending software installation / structure.
    pub source_id: Oid,
    /// `contentTypeCode` of the submission set (JDV_J59-ContentTypeCode-DMP).
    pub content_type_code: XdsCode,
}

/// A new uniqueId OID from a random UUID (ITU-T X.667: `2.25.<integer>`).
pub fn new_unique_oid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// The codes of the signature document (reference §5, DRIMbox).
fn signature_entry(
    first: &DocumentEntry,
    id: &str,
    unique_id: &str,
    xml: &str,
    now: OffsetDateTime,
) -> DocumentEntry {
    let hash = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, xml.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let t = crate::time_fmt::hl7(now);
    DocumentEntry {
        entry_uuid: id.to_owned(),
        unique_id: unique_id.to_owned(),
        patient_id: first.patient_id.clone(),
        mime_type: "text/xml".into(),
        class_code: XdsCode::new(
            "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1",
            "URN",
            "Digital Signature",
        ),
        type_code: XdsCode::new("E1762", "ASTM", "Full Document"),
        // Hidden from professionals and from the patient, as DRIMbox sends it:
        // the signature is not a document anyone reads.
        confidentiality_codes: Visibility {
            hidden_from_professionals: true,
            invisible_to_patient: true,
            invisible_to_legal_representatives: false,
        }
        .apply(&[XdsCode::new("N", "2.16.840.1.113883.5.25", "Normal")]),
        format_code: XdsCode::new(
            "http://www.w3.org/2000/09/xmldsig#",
            "URN",
            "Default Signature Style",
        ),
        healthcare_facility_type_code: first.healthcare_facility_type_code.clone(),
        practice_setting_code: first.practice_setting_code.clone(),
        event_codes: vec![XdsCode::new(
            crate::xades::PURPOSE_SOURCE,
            "1.2.840.10065.1.12",
            "Source",
        )],
        authors: first.authors.clone(),
        creation_time: Some(t.clone()),
        service_start_time: Some(t.clone()),
        service_stop_time: Some(t),
        language_code: Some("art".into()),
        legal_authenticator: first
            .authors
            .first()
            .and_then(|a| a.person.clone())
            .or_else(|| first.legal_authenticator.clone()),
        source_patient_id: first.source_patient_id.clone(),
        source_patient_info: Vec::new(),
        hash: Some(hash),
        size: Some(xml.len() as u64),
        title: Some("Source".into()),
        ..DocumentEntry::default()
    }
}

/// Whether an entry is the signature document of a submission.
pub fn is_signature_entry(e: &DocumentEntry) -> bool {
    e.class_code.code == "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"
}

/// A ProvideAndRegisterDocumentSet-b request, ready to send.
#[derive(Debug, Clone)]
pub struct ProvideAndRegister {
    submission: Submission,
    submission_set_unique_id: String,
    signature: String,
    body: Element,
    parts: Vec<Part>,
}

impl ProvideAndRegister {
    /// The metadata sent.
    pub fn submission(&self) -> &Submission {
        &self.submission
    }

    /// uniqueId of the submission set.
    pub fn submission_set_unique_id(&self) -> &str {
        &self.submission_set_unique_id
    }

    /// The signature document (IHE DSG / XAdES).
    pub fn signature_document(&self) -> &str {
        &self.signature
    }

    /// The SOAP body (the request element), serialized.
    pub fn body_xml(&self) -> String {
        self.body.to_xml()
    }

    /// The MTOM parts (documents, then the signature document).
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    #[cfg(feature = "client")]
    pub(crate) fn into_parts(self) -> (Element, Vec<Part>) {
        (self.body, self.parts)
    }
}

/// Writes the ITI-41 request of a prepared feed. `replaced` maps the
/// uniqueId of each replaced version to its current entryUUID (TD3.1b).
pub fn provide_and_register(
    feed: &PreparedFeed,
    replaced: &BTreeMap<String, String>,
    ctx: &SubmissionContext,
    signer: &XmlSigner,
    now: OffsetDateTime,
) -> Result<ProvideAndRegister, Error> {
    let first = &feed.entries[0];
    let set_uid = new_unique_oid();
    let mut set = SubmissionSet::for_entry(
        first,
        &Oid::parse(&set_uid).map_err(|e| FeedError::PatientId(e.to_string()))?,
        &ctx.source_id,
        now,
        ctx.content_type_code.clone(),
    );
    set.entry_uuid = "SubmissionSet01".into();
    let mut entries = feed.entries.clone();
    let mut replacements = Vec::new();
    for (i, parent) in &feed.replaces {
        let target = replaced
            .get(parent)
            .ok_or_else(|| FeedError::ReplacedNotFound(parent.clone()))?;
        replacements.push((entries[*i].entry_uuid.clone(), target.clone()));
    }
    let mut associations: Vec<Association> = feed
        .transformations
        .iter()
        .map(|(n1, n3)| {
            Association::new(
                ASSOCIATION_XFRM,
                &entries[*n1].entry_uuid,
                &entries[*n3].entry_uuid,
            )
        })
        .collect();
    let sig_uid = new_unique_oid();
    let docs: Vec<(&str, &[u8])> = entries
        .iter()
        .zip(&feed.bytes)
        .map(|(e, b)| (e.unique_id.as_str(), b.as_slice()))
        .collect();
    let signature = crate::xades::sign_submission(signer, "Signature01", &set_uid, &docs, now)?;
    entries.push(signature_entry(
        first,
        "Signature01",
        &sig_uid,
        &signature,
        now,
    ));
    associations.push(Association::new(
        ASSOCIATION_SIGNS,
        "Signature01",
        &set.entry_uuid,
    ));
    let submission = Submission {
        submission_set: Some(set),
        entries,
        replacements,
        associations,
        ..Submission::default()
    };
    let ebrim = xml::parse(submission.to_ebrim().as_bytes())?;
    let mut parts = Vec::new();
    let mut request = Element::new("xdsb:ProvideAndRegisterDocumentSetRequest", XDSB_NS)
        .decl("xdsb", XDSB_NS)
        .child(ebrim);
    let contents = feed
        .bytes
        .iter()
        .map(Vec::as_slice)
        .chain(std::iter::once(signature.as_bytes()));
    for (e, bytes) in submission.entries.iter().zip(contents) {
        let part = Part::new(
            format!(
                "{}.{}@segur-rs",
                e.entry_uuid,
                uuid::Uuid::new_v4().simple()
            ),
            if e.mime_type.is_empty() {
                "application/octet-stream".to_owned()
            } else {
                e.mime_type.clone()
            },
            bytes.to_vec(),
        );
        request = request.child(
            Element::new("xdsb:Document", XDSB_NS)
                .attr("id", &e.entry_uuid)
                .child(
                    Element::new("xop:Include", XOP_NS)
                        .decl("xop", XOP_NS)
                        .attr("href", part.cid_url()),
                ),
        );
        parts.push(part);
    }
    Ok(ProvideAndRegister {
        submission,
        submission_set_unique_id: set_uid,
        signature,
        body: request,
        parts,
    })
}

/// A received ITI-41 request (simulator side): metadata and the document
/// bytes by entry id.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedSubmission {
    pub submission: Submission,
    pub documents: BTreeMap<String, Vec<u8>>,
}

/// Reads an ITI-41 request body.
pub(crate) fn read_provide_and_register(received: &Received) -> Result<ReceivedSubmission, Error> {
    let body = received.body()?;
    if !body.is(XDSB_NS, "ProvideAndRegisterDocumentSetRequest") {
        return Err(ProtocolError::Unexpected(format!(
            "{} instead of ProvideAndRegisterDocumentSetRequest",
            body.name
        ))
        .into());
    }
    let (sor, scope) = xml::find_with_scope(body, LCM_NS, "SubmitObjectsRequest")
        .ok_or_else(|| ProtocolError::Unexpected("no SubmitObjectsRequest".into()))?;
    let submission = Submission::from_ebrim(sor.to_xml_in_scope(&scope).as_bytes())
        .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?;
    let mut documents = BTreeMap::new();
    for d in body.all(XDSB_NS, "Document") {
        documents.insert(d.req_attr("id")?.to_owned(), received.binary(d)?);
    }
    Ok(ReceivedSubmission {
        submission,
        documents,
    })
}
