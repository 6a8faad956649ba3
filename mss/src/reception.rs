//! Receiving (SC.MSS/UX.02/05/25/28/31/39): a fetched message is parsed, every
//! attachment goes through the segur-ssi [`Scanner`] (fail-closed), the XDM
//! package is unpacked safely and checked against its metadata, the patient
//! is identified from the metadata `patientId` (ECO.2.1.2; the CDA header
//! otherwise) and matched in the host's patient file — automatically when the
//! INS is qualified locally and the traits agree, else as candidates to
//! compare — and each document is classified as new, new version (RPLC /
//! same `setId`, higher version) or already held. Technical files and the
//! subject prefix are hidden; the provenance (professional or patient
//! mailbox) and the patient information carried are exposed.
//!
//! The host's patient file is segur-ins's
//! [`PatientIndex`] — the one
//! patient-index trait of the whole SDK (INSi / Sentinelle, DMP, MSSanté):
//! patients are looked up by INS and by strict traits
//! ([`traits_match`]).

use std::sync::Arc;

use segur_ins::Ins;
use segur_ins::sentinelle::{LocalPatientId, PatientIndex, PatientRecord, traits_match};
use segur_ssi::antivirus::{ScanVerdict, Scanner};
use segur_ssi::audit::Outcome;
use time::OffsetDateTime;

use crate::address::MailAddress;
use crate::documents::{DocumentPatient, ii_key};
use crate::error::{ReceptionError, Result, XdmError};
use crate::message::parse::{MssHeaders, ParsedAttachment, Party, Report, parse_message};
use crate::message::{XDM_FILE_NAME, display_subject};
use crate::patient_mailbox::matricule_of;
use crate::trace::{Tracer, kinds};
use crate::xdm::{XdmAction, XdmLimits, unpack};

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A document already held by the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDocument {
    /// `uniqueId` (`root^extension`).
    pub unique_id: String,
    /// `setId` (`root^extension`).
    pub set_id: Option<String>,
    /// `versionNumber`.
    pub version: Option<u32>,
    /// Patient file it is attached to.
    pub patient_local_id: LocalPatientId,
}

/// The documents the host holds.
pub trait DocumentRegistry: Send + Sync {
    /// By `uniqueId`.
    fn by_id(&self, unique_id: &str) -> Option<HeldDocument>;
    /// Every version held of a `setId`.
    fn by_set_id(&self, set_id: &str) -> Vec<HeldDocument>;
}

/// An in-memory registry (tests, examples).
#[derive(Debug, Clone, Default)]
pub struct InMemoryDocuments(pub Vec<HeldDocument>);

impl DocumentRegistry for InMemoryDocuments {
    fn by_id(&self, unique_id: &str) -> Option<HeldDocument> {
        self.0.iter().find(|d| d.unique_id == unique_id).cloned()
    }

    fn by_set_id(&self, set_id: &str) -> Vec<HeldDocument> {
        self.0
            .iter()
            .filter(|d| d.set_id.as_deref() == Some(set_id))
            .cloned()
            .collect()
    }
}

/// Why a patient is proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum CandidateReason {
    /// Same INS, but the local identity is not qualified.
    SameInsNotQualified,
    /// Same INS, qualified, but the traits of the document differ.
    SameInsTraitsDiffer,
    /// Same strict traits (birth name, given names, birth date, sex, birth
    /// place when known on both sides), no INS match.
    SameTraits,
}

/// A patient proposed for visual comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// The patient file.
    pub local_id: LocalPatientId,
    /// Why.
    pub reason: CandidateReason,
}

/// The outcome of patient matching.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum PatientMatch {
    /// The INS is qualified locally and the traits agree: attach automatically.
    Automatic {
        /// The patient file.
        local_id: LocalPatientId,
    },
    /// The user must choose (or create a patient).
    Candidates(Vec<Candidate>),
    /// No patient found.
    NotFound,
}

/// Whether a received document is new to the host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Novelty {
    /// Never seen.
    New,
    /// A new version of a held document (RPLC or same `setId` with a higher version).
    NewVersion {
        /// The held version it supersedes, if known.
        replaces: Option<String>,
    },
    /// Already held (same `uniqueId`), or an older version than the one held.
    AlreadyHeld,
    /// The sender withdraws this document (XDM action `D`): the host should
    /// mark the held copy as withdrawn, never integrate it as new.
    Withdrawn {
        /// The held copy (`uniqueId`), when the host has it.
        held: Option<String>,
    },
}

/// Where the message comes from (SC.MSS/UX.25/31).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Provenance {
    /// A professional or organisation mailbox.
    Professional,
    /// A Mon espace santé patient mailbox.
    Patient {
        /// The matricule carried by the address (display; not a verified INS).
        matricule: Option<String>,
    },
}

/// A document of the XDM package.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedDocument {
    /// Path in the package.
    pub uri: String,
    /// `uniqueId`.
    pub unique_id: String,
    /// `setId`.
    pub set_id: Option<String>,
    /// `versionNumber`.
    pub version: Option<u32>,
    /// Type code.
    pub type_code: String,
    /// Title or type label, for display.
    pub title: String,
    /// The patient as the document describes it.
    pub patient: DocumentPatient,
    /// The CDA bytes.
    pub cda: Vec<u8>,
    /// The embedded PDF of an N1.
    pub pdf: Option<Vec<u8>>,
    /// New, new version or already held.
    pub novelty: Novelty,
    /// The action the sender asks (first sending, replacement, withdrawal).
    pub action: XdmAction,
    /// The `uniqueId` of the other form of the same document, when the
    /// package carries an N1/N3 pair (XFRM association in the metadata, or
    /// the N1's CDA XFRM to a document of the package): the two are one
    /// document with two renderings (SC.CDA/DD.13), to hold together.
    pub pair: Option<String>,
}

impl std::fmt::Debug for ReceivedDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedDocument")
            .field("uri", &self.uri)
            .field("unique_id", &self.unique_id)
            .field("type_code", &self.type_code)
            .field("novelty", &self.novelty)
            .field("pair", &self.pair)
            .finish()
    }
}

/// A processed received message.
#[derive(Debug, Clone)]
pub struct Reception {
    /// `Message-ID`.
    pub message_id: Option<String>,
    /// Sender.
    pub from: Option<Party>,
    /// Professional or patient mailbox.
    pub provenance: Provenance,
    /// Subject without the technical `XDM/1.0/DDM+` prefix.
    pub subject: String,
    /// Date.
    pub date: Option<OffsetDateTime>,
    /// Text body.
    pub text: Option<String>,
    /// Attachments shown to the user (not the XDM package, not quarantined ones).
    pub attachments: Vec<ParsedAttachment>,
    /// Documents of the XDM package (technical files hidden).
    pub documents: Vec<ReceivedDocument>,
    /// The patient as the package describes it.
    pub patient_info: Option<DocumentPatient>,
    /// Patient matching.
    pub patient: Option<PatientMatch>,
    /// Attachments refused by the antivirus.
    pub quarantined: Vec<ReceptionError>,
    /// Why the XDM package could not be used, if so.
    pub xdm_error: Option<XdmError>,
    /// MDN / DSN carried.
    pub report: Option<Report>,
    /// MSSanté headers.
    pub mss: MssHeaders,
    /// Where to send a read notification, when one is asked.
    pub notification_requested: Option<MailAddress>,
}

/// The reception pipeline.
pub struct Receiver {
    scanner: Arc<dyn Scanner>,
    patients: Arc<dyn PatientIndex>,
    documents: Arc<dyn DocumentRegistry>,
    limits: XdmLimits,
    tracer: Option<Tracer>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("scanner", &self.scanner.name())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

async fn scan(
    scanner: &dyn Scanner,
    name: &str,
    data: &[u8],
) -> std::result::Result<(), ReceptionError> {
    match scanner.scan(data).await {
        Ok(ScanVerdict::Clean) => Ok(()),
        Ok(ScanVerdict::Infected { signature }) => Err(ReceptionError::Infected {
            attachment: name.to_owned(),
            threat: signature,
        }),
        Ok(other) => Err(ReceptionError::ScanFailed {
            attachment: name.to_owned(),
            reason: format!("{other:?}"),
        }),
        Err(e) => Err(ReceptionError::ScanFailed {
            attachment: name.to_owned(),
            reason: e.to_string(),
        }),
    }
}

fn is_xdm(a: &ParsedAttachment) -> bool {
    a.filename
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case(XDM_FILE_NAME))
}

impl Receiver {
    /// A pipeline with the default XDM limits.
    pub fn new(
        scanner: Arc<dyn Scanner>,
        patients: Arc<dyn PatientIndex>,
        documents: Arc<dyn DocumentRegistry>,
    ) -> Self {
        Self {
            scanner,
            patients,
            documents,
            limits: XdmLimits::default(),
            tracer: None,
        }
    }

    /// Other XDM limits.
    pub fn with_limits(mut self, limits: XdmLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Traces each reception, quarantine and proposed integration.
    pub fn with_tracer(mut self, tracer: Tracer) -> Self {
        self.tracer = Some(tracer);
        self
    }

    /// Records what the host did with a received document (SC.MSS/CONF.18,
    /// UX.37): integrated into patient file `patient` (`Ok`), or not, with
    /// the reason (`Err`). The host calls it once the document is attached
    /// (automatically or by the user); the trace names the message, the
    /// document, its action (first sending, replacement, withdrawal) and
    /// whether it was new.
    pub fn record_integration(
        &self,
        reception: &Reception,
        document: &ReceivedDocument,
        patient: &LocalPatientId,
        result: std::result::Result<(), &str>,
    ) {
        let Some(t) = &self.tracer else { return };
        let outcome = if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        t.record(kinds::DOCUMENT_INTEGRATED, outcome, |mut ev| {
            ev = ev
                .with_document(document.unique_id.clone())
                .with_patient(patient.to_string())
                .with_detail("action", format!("{:?}", document.action))
                .with_detail("novelty", format!("{:?}", document.novelty));
            if let Some(id) = &reception.message_id {
                ev = ev.with_request_id(id.clone());
            }
            if let Err(reason) = result {
                ev = ev.with_detail("reason", reason.to_owned());
            }
            ev
        });
    }

    /// Processes a raw message.
    pub async fn receive(&self, raw: &[u8]) -> Result<Reception> {
        let parsed = parse_message(raw)?;
        let provenance = match parsed.from.as_ref().and_then(|p| p.address.as_ref()) {
            Some(a) if a.is_patient_mailbox() => Provenance::Patient {
                matricule: matricule_of(a).map(str::to_owned),
            },
            _ => Provenance::Professional,
        };
        let mut quarantined = Vec::new();
        let mut visible = Vec::new();
        let mut xdm = None;
        for a in &parsed.attachments {
            let name = a.filename.clone().unwrap_or_else(|| a.content_type.clone());
            if let Err(e) = scan(self.scanner.as_ref(), &name, &a.data).await {
                quarantined.push(e);
                continue;
            }
            if is_xdm(a) {
                xdm = Some(a.data.clone());
            } else {
                visible.push(a.clone());
            }
        }
        let mut reception = Reception {
            message_id: parsed.message_id.clone(),
            from: parsed.from.clone(),
            provenance,
            subject: display_subject(parsed.subject.as_deref().unwrap_or("")).to_owned(),
            date: parsed.date,
            text: parsed.text.clone(),
            attachments: visible,
            documents: Vec::new(),
            patient_info: None,
            patient: None,
            quarantined,
            xdm_error: None,
            report: parsed.report.clone(),
            mss: parsed.mss.clone(),
            notification_requested: parsed.disposition_notification_to.clone(),
        };
        if let Some(zip) = xdm {
            match unpack(&zip, &self.limits) {
                Err(e) => reception.xdm_error = Some(e),
                Ok(un) => self.documents(&mut reception, un).await?,
            }
        }
        if let Some(t) = &self.tracer {
            let outcome = if reception.quarantined.is_empty() && reception.xdm_error.is_none() {
                Outcome::Success
            } else {
                Outcome::Denied
            };
            t.record(kinds::MESSAGE_RECEIVED, outcome, |mut ev| {
                ev = ev
                    .with_detail("command", "UID FETCH")
                    .with_detail("documents", reception.documents.len().to_string());
                if let Some(id) = &reception.message_id {
                    ev = ev.with_request_id(id.clone());
                }
                if let Some(f) = reception.from.as_ref() {
                    ev = ev.with_detail("from", f.raw.clone());
                }
                if !reception.documents.is_empty() {
                    ev = ev.with_document(
                        reception
                            .documents
                            .iter()
                            .map(|d| d.unique_id.clone())
                            .collect::<Vec<_>>()
                            .join(","),
                    );
                }
                if let Some(PatientMatch::Automatic { local_id }) = &reception.patient {
                    ev = ev.with_patient(local_id.to_string());
                }
                ev
            });
            for q in &reception.quarantined {
                t.record(kinds::MESSAGE_QUARANTINED, Outcome::Denied, |ev| {
                    ev.with_detail("reason", q.to_string())
                });
            }
            if let Some(e) = &reception.xdm_error {
                t.record(kinds::MESSAGE_QUARANTINED, Outcome::Denied, |ev| {
                    ev.with_detail("reason", e.to_string())
                });
            }
        }
        Ok(reception)
    }

    async fn documents(&self, reception: &mut Reception, un: crate::xdm::Unpacked) -> Result<()> {
        let mut patient_ins: Option<Ins> = un
            .patient_ids()
            .first()
            .and_then(|cx| Ins::from_cx(cx).ok());
        let in_package: Vec<String> = un
            .documents
            .iter()
            .map(|d| d.entry.unique_id.clone())
            .collect();
        let twins: Vec<Option<String>> = un
            .documents
            .iter()
            .map(|d| un.twin_of(&d.entry.unique_id).map(str::to_owned))
            .collect();
        for (d, twin) in un.documents.into_iter().zip(twins) {
            let name = format!("{XDM_FILE_NAME}/{}/{}", d.subset, d.uri);
            if let Err(e) = scan(self.scanner.as_ref(), &name, &d.data).await {
                reception.quarantined.push(e);
                continue;
            }
            let parsed = segur_cda::Document::parse(d.data.clone());
            let (patient, set_id, version, replaces, pdf, title, xfrm) = match &parsed {
                Ok(doc) => (
                    DocumentPatient::from_header(&doc.header),
                    doc.header.set_id.as_ref().map(ii_key),
                    doc.header.version(),
                    doc.header.replaces().map(ii_key),
                    match &doc.body {
                        segur_cda::Body::NonXml(n)
                            if n.media_type().eq_ignore_ascii_case("application/pdf") =>
                        {
                            Some(n.decode().into_owned())
                        }
                        _ => None,
                    },
                    doc.header.title.clone(),
                    doc.header.transformed_from().map(ii_key),
                ),
                Err(e) => {
                    reception.xdm_error = Some(XdmError::BadMetadata {
                        path: name.clone(),
                        reason: format!("document is not a readable CDA: {e}"),
                    });
                    continue;
                }
            };
            if patient_ins.is_none() {
                patient_ins = patient.ins;
            }
            let novelty = if d.action == XdmAction::Delete {
                Novelty::Withdrawn {
                    held: self
                        .documents
                        .by_id(&d.entry.unique_id)
                        .map(|h| h.unique_id),
                }
            } else {
                self.novelty(
                    &d.entry.unique_id,
                    set_id.as_deref(),
                    version,
                    replaces.as_deref(),
                )
            };
            reception.documents.push(ReceivedDocument {
                uri: d.uri,
                unique_id: d.entry.unique_id.clone(),
                set_id,
                version,
                type_code: d.entry.type_code.code.clone(),
                title: title
                    .or(d.entry.title.clone())
                    .unwrap_or_else(|| d.entry.type_code.display_name.clone()),
                patient: patient.clone(),
                cda: d.data,
                pdf,
                novelty,
                action: d.action,
                pair: twin.or_else(|| xfrm.filter(|src| in_package.contains(src))),
            });
            if reception.patient_info.is_none() {
                reception.patient_info = Some(DocumentPatient {
                    ins: patient_ins,
                    ..patient
                });
            }
        }
        // A pair names its other form on both sides.
        let links: Vec<(String, String)> = reception
            .documents
            .iter()
            .filter_map(|d| d.pair.clone().map(|p| (p, d.unique_id.clone())))
            .collect();
        for (id, twin) in links {
            if let Some(d) = reception
                .documents
                .iter_mut()
                .find(|d| d.unique_id == id && d.pair.is_none())
            {
                d.pair = Some(twin);
            }
        }
        if let Some(info) = reception.patient_info.clone() {
            reception.patient = Some(self.match_patient(&info)?);
        }
        Ok(())
    }

    fn novelty(
        &self,
        unique_id: &str,
        set_id: Option<&str>,
        version: Option<u32>,
        replaces: Option<&str>,
    ) -> Novelty {
        if self.documents.by_id(unique_id).is_some() {
            return Novelty::AlreadyHeld;
        }
        if let Some(r) = replaces {
            if self.documents.by_id(r).is_some() {
                return Novelty::NewVersion {
                    replaces: Some(r.to_owned()),
                };
            }
        }
        if let Some(s) = set_id {
            let held = self.documents.by_set_id(s);
            if let Some(latest) = held.iter().max_by_key(|h| h.version.unwrap_or(0)) {
                return if version.unwrap_or(0) > latest.version.unwrap_or(0) {
                    Novelty::NewVersion {
                        replaces: Some(latest.unique_id.clone()),
                    }
                } else {
                    Novelty::AlreadyHeld
                };
            }
        }
        if replaces.is_some() {
            return Novelty::NewVersion {
                replaces: replaces.map(str::to_owned),
            };
        }
        Novelty::New
    }

    fn match_patient(&self, info: &DocumentPatient) -> Result<PatientMatch> {
        let err =
            |e: segur_ins::sentinelle::IndexError| ReceptionError::PatientIndex(e.to_string());
        let probe = info.traits();
        // With full traits, the INSi equivalence rules; else what the
        // document gives (birth name, birth date).
        let traits_agree = |p: &PatientRecord| match &probe {
            Some(t) => traits_match(p.identity.traits(), t),
            None => {
                let t = p.identity.traits();
                info.family_name
                    .as_deref()
                    .is_none_or(|f| same_name(t.birth_family_name().as_str(), f))
                    && info.birth_date.is_none_or(|d| t.birth_date().date() == d)
            }
        };
        let mut candidates: Vec<Candidate> = Vec::new();
        if let Some(ins) = &info.ins {
            let found = self.patients.find_by_ins(ins).map_err(err)?;
            let automatic: Vec<&PatientRecord> = found
                .iter()
                .filter(|p| {
                    p.identity.qualified_ins().is_some_and(|q| q.ins() == ins) && traits_agree(p)
                })
                .collect();
            if let [only] = automatic.as_slice() {
                return Ok(PatientMatch::Automatic {
                    local_id: only.id.clone(),
                });
            }
            for p in &found {
                let reason = if p.identity.qualified_ins().is_none() {
                    CandidateReason::SameInsNotQualified
                } else {
                    CandidateReason::SameInsTraitsDiffer
                };
                candidates.push(Candidate {
                    local_id: p.id.clone(),
                    reason,
                });
            }
        }
        if let Some(t) = &probe {
            for p in self.patients.find_by_traits(t).map_err(err)? {
                if !candidates.iter().any(|c| c.local_id == p.id) {
                    candidates.push(Candidate {
                        local_id: p.id,
                        reason: CandidateReason::SameTraits,
                    });
                }
            }
        }
        Ok(if candidates.is_empty() {
            PatientMatch::NotFound
        } else {
            PatientMatch::Candidates(candidates)
        })
    }
}
