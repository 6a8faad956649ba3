//! XDM packages of CDA documents: [`pack`] derives the XDS metadata with
//! segur-cda (the one METADATA.XML implementation) and writes the archive;
//! [`unpack`] reads an archive safely, parses each METADATA.XML and checks
//! that every listed document is present with the announced hash and size.

use segur_cda::Document;
use segur_cda::xds::{
    ASSOCIATION_XFRM, Association, DocumentEntry, EntryOptions, Submission, SubmissionSet, XdsCode,
};
use segur_ids::Oid;
use time::OffsetDateTime;

use crate::documents::{DocumentPatient, facts_from_header};
use crate::error::{Error, MessageError, XdmError};
use crate::message::SentDocument;
use crate::xdm::action::{XdmAction, insert_action_slots, read_actions};
use crate::xdm::archive::{
    ReadmeInfo, SubsetToWrite, XdmLimits, hash_and_size, read_archive, write_archive,
};

/// Name of the single subset folder written.
pub const SUBSET: &str = "SUBSET01";

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
    /// Metadata choices the header does not carry (format code of an N3…).
    pub entry: EntryOptions,
    /// PDF rendering for an N3 (an N1's embedded PDF is used otherwise).
    pub pdf: Option<Vec<u8>>,
    /// The action asked of the recipient; `None`: a replacement when the CDA
    /// has a `relatedDocument typeCode="RPLC"`, else a first sending. A
    /// withdrawal ([`XdmAction::Delete`]) carries the document withdrawn.
    pub action: Option<XdmAction>,
}

/// A packed archive with what the message needs.
#[derive(Debug, Clone)]
pub struct Packed {
    /// `IHE_XDM.zip` bytes.
    pub zip: Vec<u8>,
    /// The metadata written.
    pub submission: Submission,
    /// The documents with their facts and PDF renderings (for the message).
    pub documents: Vec<SentDocument>,
    /// The patient of the documents.
    pub patient: DocumentPatient,
}

/// A new unique OID under `2.25` (UUID-derived, ITU-T X.667).
pub fn unique_oid() -> Result<Oid, Error> {
    let n = uuid::Uuid::new_v4().as_u128();
    Oid::parse(&format!("2.25.{n}")).map_err(|e| XdmError::Pack(e.to_string()).into())
}

/// Packs documents of **one** patient (N1+N3 pairs together).
pub fn pack(docs: Vec<DocumentToPack>, opts: &PackOptions) -> Result<Packed, Error> {
    if docs.is_empty() {
        return Err(XdmError::Pack("no document".into()).into());
    }
    let mut entries = Vec::new();
    let mut files = Vec::new();
    let mut sent = Vec::new();
    let mut patient: Option<DocumentPatient> = None;
    for (i, d) in docs.into_iter().enumerate() {
        let doc = Document::parse(d.cda.clone()).map_err(|e| MessageError::InvalidDocument {
            document: format!("document {}", i + 1),
            reason: e.to_string(),
        })?;
        let mut facts = facts_from_header(&doc.header)?;
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
        let this_patient = DocumentPatient::from_header(&doc.header);
        match &patient {
            Some(p) if p.key() != this_patient.key() => {
                return Err(MessageError::SeveralPatients {
                    first: p.key(),
                    other: this_patient.key(),
                }
                .into());
            }
            Some(_) => {}
            None => patient = Some(this_patient),
        }
        let uri = format!("DOC{:04}.XML", i + 1);
        let options = EntryOptions {
            entry_id: Some(format!("Document{:02}", i + 1)),
            uri: Some(uri.clone()),
            ..d.entry
        };
        let entry = DocumentEntry::from_document(&doc, &d.cda, &options)
            .map_err(|e| XdmError::Pack(e.to_string()))?;
        let embedded = match &doc.body {
            segur_cda::Body::NonXml(n)
                if n.media_type().eq_ignore_ascii_case("application/pdf") =>
            {
                Some(n.decode().into_owned())
            }
            _ => None,
        };
        files.push((uri, facts.label.clone(), d.cda));
        sent.push(SentDocument {
            facts,
            pdf: embedded.or(d.pdf),
        });
        entries.push(entry);
    }
    for s in &sent {
        if let Some(p) = &s.facts.paired_with {
            let Some(partner) = sent.iter().find(|o| &o.facts.id == p) else {
                return Err(MessageError::IncompletePair {
                    present: s.facts.id.clone(),
                    missing: p.clone(),
                }
                .into());
            };
            // A pair is replaced (or withdrawn) as a whole: both new
            // versions, each RPLC to its previous one, XFRM between them.
            if partner.facts.action != s.facts.action {
                return Err(MessageError::InvalidDocument {
                    document: s.facts.id.clone(),
                    reason: format!(
                        "the N1/N3 pair must be replaced or withdrawn together: {} is {:?}, {} is {:?}",
                        s.facts.id, s.facts.action, partner.facts.id, partner.facts.action
                    ),
                }
                .into());
            }
        }
    }
    let set = SubmissionSet::for_entry(
        &entries[0],
        &unique_oid()?,
        &opts.source_id,
        opts.now,
        opts.content_type_code.clone(),
    );
    // N1+N3 pairs: the XFRM link is kept in the metadata as an association
    // between the two entries of the package.
    let mut associations = Vec::new();
    for (i, s) in sent.iter().enumerate() {
        if let Some(p) = &s.facts.paired_with {
            if let Some(j) = sent.iter().position(|o| &o.facts.id == p) {
                associations.push(Association::new(
                    ASSOCIATION_XFRM,
                    &entries[i].entry_uuid,
                    &entries[j].entry_uuid,
                ));
            }
        }
    }
    let submission = Submission {
        submission_set: Some(set),
        entries,
        associations,
        ..Default::default()
    };
    let actions: Vec<(String, XdmAction)> = submission
        .entries
        .iter()
        .zip(&sent)
        .map(|(e, s)| (e.entry_uuid.clone(), s.facts.action))
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
    let patient = patient.ok_or_else(|| XdmError::Pack("no document".into()))?;
    Ok(Packed {
        zip,
        submission,
        documents: sent,
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
    /// README.TXT, if any.
    pub readme: Option<String>,
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
}

/// Reads a package safely and checks it against its metadata.
pub fn unpack(zip: &[u8], limits: &XdmLimits) -> Result<Unpacked, XdmError> {
    let archive = read_archive(zip, limits)?;
    let mut out = Unpacked {
        submissions: Vec::new(),
        documents: Vec::new(),
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
        out.submissions.push((subset.name.clone(), submission));
    }
    Ok(out)
}
