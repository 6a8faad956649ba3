//! Messages: building outgoing MSSanté messages with every convention of the
//! *Référentiel socle MSSanté #2* (sans-IO), and reading received ones.
//!
//! | rule | where |
//! |---|---|
//! | `X-MSS-NIL` on every message (SC.MSS/CONF.16) | [`MessageBuilder::build`] refuses a message without it |
//! | `X-MSS-CODECDA`, `X-MSS-INS` when an `IHE_XDM.zip` is attached (CONF.14/15) | [`MessageBuilder::documents`] |
//! | subject `XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>` (ECO.2.1.3) | [`xdm_subject`] |
//! | PDF next to the zip, named `<date>_<type>_<NOM>_<prénom>[_<dossier>].pdf` (ECO.2.1.5/6) | [`pdf_file_name`] |
//! | one patient per message, N1+N3 pairs together (ECO.2.1.1) | [`MessageBuilder::documents`] |
//! | UTF-8 text, `text/plain` or `multipart/alternative` (ECO.2.2.3/4) | [`mime`] |
//! | RFC 5322 `Message-ID`, `In-Reply-To`/`References` on replies (ECO.2.2.1/2) | [`MessageBuilder::in_reply_to`] |
//! | read receipt `Disposition-Notification-To` (MDN RFC 8098), delivery receipt (DSN RFC 3461) | [`MessageBuilder::request_read_receipt`], [`MessageBuilder::request_delivery_receipt`] |
//! | patient mailbox only from a qualified INS, `X-MSS-MES: FIN` (ECO.2.2.6/8) | [`Recipient::Patient`], [`MessageBuilder::close_exchange`] |
//! | Mon espace santé 25 MB limit | [`MessageBuilder::build`] |

pub mod mdn;
pub mod mime;
pub mod parse;

use time::{Date, OffsetDateTime};

use crate::address::MailAddress;
use crate::error::{AddressError, MessageError};
use crate::patient_mailbox::PatientMailbox;
use crate::smtp::proto::DsnNotify;
use mime::{Header, Part, format_mailbox, new_message_id, rfc5322_date, write_message};

/// The technical subject prefix of messages carrying an XDM package.
pub const XDM_SUBJECT_PREFIX: &str = "XDM/1.0/DDM+";
/// The name of the XDM attachment.
pub const XDM_FILE_NAME: &str = "IHE_XDM.zip";
/// The total size Mon espace santé accepts for a message (25 MB).
pub const MES_MAX_SIZE: u64 = 25 * 1024 * 1024;

/// A message ready for SMTP submission.
#[derive(Clone)]
pub struct OutgoingMessage {
    /// Envelope sender (our mailbox).
    pub from: MailAddress,
    /// Envelope recipients (`To` + `Cc`).
    pub recipients: Vec<MailAddress>,
    /// The `Message-ID` (with angle brackets).
    pub message_id: String,
    /// The subject (for traces and the sent-folder list).
    pub subject: String,
    /// The RFC 5322 bytes.
    pub bytes: Vec<u8>,
    /// DSN conditions to request per recipient, if any.
    pub dsn: Option<DsnNotify>,
    /// What to record in the audit trail.
    pub trace: MessageTrace,
}

impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("from", &self.from)
            .field("recipients", &self.recipients)
            .field("message_id", &self.message_id)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Facts about a message kept for the audit trail (never message bodies).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MessageTrace {
    /// `message`, `documents`, `mdn`…
    pub kind: String,
    /// Patient reference (local id or INS) when documents are carried.
    pub patient_ref: Option<String>,
    /// Document ids carried.
    pub documents: Vec<String>,
    /// CDA type codes carried.
    pub codes: Vec<String>,
    /// The message answered, if any.
    pub in_reply_to: Option<String>,
}

/// A recipient: a professional / organisation address, or a Mon espace santé
/// patient mailbox (built from a qualified INS only).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recipient {
    /// Any address except the patient domain.
    Address(MailAddress),
    /// A patient mailbox.
    Patient(PatientMailbox),
}

impl Recipient {
    /// A professional recipient; refuses `@patient.mssante.fr` addresses,
    /// which must come from a qualified INS ([`PatientMailbox::for_patient`]).
    pub fn address(a: MailAddress) -> Result<Self, AddressError> {
        if a.is_patient_mailbox() {
            return Err(AddressError::PatientMailboxNotFromIns(a.to_string()));
        }
        Ok(Self::Address(a))
    }

    /// The e-mail address.
    pub fn mail_address(&self) -> &MailAddress {
        match self {
            Self::Address(a) => a,
            Self::Patient(p) => p.address(),
        }
    }

    /// Whether this is a patient mailbox.
    pub fn is_patient(&self) -> bool {
        matches!(self, Self::Patient(_))
    }
}

impl From<PatientMailbox> for Recipient {
    fn from(p: PatientMailbox) -> Self {
        Self::Patient(p)
    }
}

/// The patient of a message carrying documents, as shown in the subject and
/// the PDF file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePatient {
    /// Family name (NOM), as in the documents.
    pub family_name: String,
    /// First given name.
    pub given_name: String,
    /// Birth date.
    pub birth_date: Date,
    /// Local file number (numéro de dossier), if any.
    pub file_number: Option<String>,
    /// Whether the archive carries the patient's **qualified** INS (`X-MSS-INS: O`).
    pub ins_qualified: bool,
    /// Stable key of the patient (INS or local id) used to check one patient per message.
    pub key: String,
}

/// What the message conventions need to know about one CDA document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    /// `ClinicalDocument/id` (`root^extension` or `root`).
    pub id: String,
    /// `ClinicalDocument/code/@code` (LOINC or TRE_A05).
    pub code: String,
    /// Human label of the document type (`Compte rendu d'imagerie médicale`).
    pub label: String,
    /// Date of the act (`serviceEvent` / `effectiveTime`).
    pub act_date: Date,
    /// Patient key (INS or local id) of the document.
    pub patient_key: String,
    /// The id of the other form of an N1/N3 pair sent together. Set on both
    /// forms by [`crate::xdm::pack`]; [`crate::documents::facts_from_header`]
    /// gives the N1's XFRM target. A message carrying a document whose
    /// other form is absent is refused ([`MessageError::IncompletePair`]).
    pub paired_with: Option<String>,
    /// Whether the document replaces an earlier version (RPLC).
    pub replaces: Option<String>,
    /// What the recipient is asked to do with it (first sending, new
    /// version `C`, withdrawal `D`).
    pub action: crate::xdm::XdmAction,
}

/// A document sent in the XDM package, with its PDF rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDocument {
    /// Facts.
    pub facts: DocumentFacts,
    /// PDF rendering attached next to the zip (generated from the CDA in the
    /// archive), or `None` when the document has none (the N3 of an N1+N3 pair
    /// shares the N1's PDF).
    pub pdf: Option<Vec<u8>>,
}

/// `XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>` (ECO.2.1.3): the
/// document type label for one document (or one N1+N3 pair), else
/// "`N documents`"; "Annule et remplace" before the label of a new version
/// (AMBU.MSS/va1.02), "Annulation" before that of a withdrawal (our choice,
/// see [`crate::xdm::action`]).
pub fn xdm_subject(documents: &[DocumentFacts], patient: &MessagePatient) -> String {
    // An N1+N3 pair counts as one document.
    let distinct = documents
        .iter()
        .filter(|d| {
            d.paired_with
                .as_ref()
                .is_none_or(|p| !documents.iter().any(|o| &o.id == p) || d.id < *p)
        })
        .count();
    let label = if distinct == 1 {
        documents
            .first()
            .map(|d| d.label.clone())
            .unwrap_or_default()
    } else {
        format!("{distinct} documents")
    };
    use crate::xdm::XdmAction;
    let replace = if documents.iter().any(|d| d.action == XdmAction::Replace) {
        "Annule et remplace "
    } else if !documents.is_empty() && documents.iter().all(|d| d.action == XdmAction::Delete) {
        "Annulation "
    } else {
        ""
    };
    let d = patient.birth_date;
    format!(
        "{XDM_SUBJECT_PREFIX}{replace}{label} {} {} {:02}/{:02}/{:04}",
        patient.family_name.to_uppercase(),
        patient.given_name,
        d.day(),
        u8::from(d.month()),
        d.year()
    )
}

/// Removes the technical prefix `XDM/1.0/DDM+` for display (SC.MSS/UX.28).
pub fn display_subject(subject: &str) -> &str {
    let t = subject.trim_start();
    match t.get(..XDM_SUBJECT_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(XDM_SUBJECT_PREFIX) => &t[XDM_SUBJECT_PREFIX.len()..],
        _ => t,
    }
}

/// ASCII, `_`-separated form of a file-name component: accents removed,
/// anything else than letters and digits becomes `_`, runs collapsed.
pub fn file_name_component(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        let base = fold_accent(ch);
        for c in base.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn fold_accent(c: char) -> String {
    let s = match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => "A",
        'ç' => "c",
        'Ç' => "C",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'Î' | 'Ï' | 'Í' | 'Ì' => "I",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => "O",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
        'ÿ' => "y",
        'Ÿ' => "Y",
        'ñ' => "n",
        'Ñ' => "N",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        other => return other.to_string(),
    };
    s.to_owned()
}

/// `<AAAAMMJJ>_<type>_<NOM>_<prénom>[_<dossier>].pdf` (ECO.2.1.6), e.g.
/// `20220531_CR_d_imagerie_medicale_CORSE_FIGATELLIX.pdf`.
pub fn pdf_file_name(doc: &DocumentFacts, patient: &MessagePatient) -> String {
    let d = doc.act_date;
    let mut parts = vec![
        format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day()),
        file_name_component(&doc.label),
        file_name_component(&patient.family_name.to_uppercase()),
        file_name_component(&patient.given_name.to_uppercase()),
    ];
    if let Some(n) = patient
        .file_number
        .as_deref()
        .map(file_name_component)
        .filter(|n| !n.is_empty())
    {
        parts.push(n);
    }
    parts.retain(|p| !p.is_empty());
    format!("{}.pdf", parts.join("_"))
}

/// Reference to the message being answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRef {
    /// Its `Message-ID`.
    pub message_id: String,
    /// Its `References`.
    pub references: Vec<String>,
}

impl ThreadRef {
    /// From a parsed received message.
    pub fn from_parsed(m: &parse::ParsedMessage) -> Result<Self, MessageError> {
        Ok(Self {
            message_id: m.message_id.clone().ok_or(MessageError::NoMessageId)?,
            references: if m.references.is_empty() {
                m.in_reply_to.clone()
            } else {
                m.references.clone()
            },
        })
    }
}

/// Builds an MSSanté message. Validation happens in [`build`](Self::build).
///
/// ```
/// use segur_mss::message::{MessageBuilder, Recipient};
/// use segur_mss::MailAddress;
/// let from: MailAddress = "dr.martin@medecin.mssante.fr".parse()?;
/// let to = Recipient::address("secretariat@hopital.mssante.fr".parse()?)?;
/// let msg = MessageBuilder::new(from, "DEV935997")
///     .to(to)
///     .subject("Demande d'avis")
///     .text("Bonjour,\nvoici ma question.")
///     .request_read_receipt()
///     .build(time::OffsetDateTime::UNIX_EPOCH)?;
/// let text = String::from_utf8_lossy(&msg.bytes);
/// assert!(text.contains("X-MSS-NIL: DEV935997"));
/// assert!(text.contains("Disposition-Notification-To: <dr.martin@medecin.mssante.fr>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    from: MailAddress,
    from_name: Option<String>,
    nil: String,
    to: Vec<Recipient>,
    cc: Vec<Recipient>,
    subject: Option<String>,
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<(String, String, Vec<u8>)>,
    documents: Option<(Vec<u8>, Vec<SentDocument>, MessagePatient)>,
    thread: Option<ThreadRef>,
    read_receipt: bool,
    delivery_receipt: bool,
    close_exchange: bool,
    reply_to: Option<MailAddress>,
    max_size: Option<u64>,
}

impl MessageBuilder {
    /// A message from `from`, by the software whose Convergence product
    /// reference is `nil` (`X-MSS-NIL`, mandatory on every message).
    pub fn new(from: MailAddress, nil: impl Into<String>) -> Self {
        Self {
            from,
            from_name: None,
            nil: nil.into(),
            to: Vec::new(),
            cc: Vec::new(),
            subject: None,
            text: None,
            html: None,
            attachments: Vec::new(),
            documents: None,
            thread: None,
            read_receipt: false,
            delivery_receipt: false,
            close_exchange: false,
            reply_to: None,
            max_size: None,
        }
    }

    /// Display label of the sender (`Dr Jeanne MARTIN - Cabinet X`).
    pub fn from_name(mut self, name: impl Into<String>) -> Self {
        self.from_name = Some(name.into());
        self
    }

    /// Adds a `To` recipient.
    pub fn to(mut self, r: impl Into<Recipient>) -> Self {
        self.to.push(r.into());
        self
    }

    /// Adds a `Cc` recipient.
    pub fn cc(mut self, r: impl Into<Recipient>) -> Self {
        self.cc.push(r.into());
        self
    }

    /// The subject (for messages without documents; with documents the
    /// conventional subject is used).
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }

    /// Plain text body.
    pub fn text(mut self, t: impl Into<String>) -> Self {
        self.text = Some(t.into());
        self
    }

    /// HTML alternative (sent as `multipart/alternative` with the text).
    pub fn html(mut self, h: impl Into<String>) -> Self {
        self.html = Some(h.into());
        self
    }

    /// A plain attachment.
    pub fn attachment(
        mut self,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: Vec<u8>,
    ) -> Self {
        self.attachments
            .push((filename.into(), content_type.into(), data));
        self
    }

    /// The health documents: the `IHE_XDM.zip` bytes (see [`crate::xdm`]) and
    /// the documents it carries with their PDF renderings, for one patient.
    pub fn documents(
        mut self,
        xdm_zip: Vec<u8>,
        documents: Vec<SentDocument>,
        patient: MessagePatient,
    ) -> Self {
        self.documents = Some((xdm_zip, documents, patient));
        self
    }

    /// Answers a message: sets `In-Reply-To` and `References`.
    pub fn in_reply_to(mut self, thread: ThreadRef) -> Self {
        self.thread = Some(thread);
        self
    }

    /// Asks for a read notification (MDN): `Disposition-Notification-To`.
    pub fn request_read_receipt(mut self) -> Self {
        self.read_receipt = true;
        self
    }

    /// Asks for a delivery notification (DSN `NOTIFY=SUCCESS,FAILURE` when the
    /// server offers DSN) and sets `Return-Receipt-To`.
    pub fn request_delivery_receipt(mut self) -> Self {
        self.delivery_receipt = true;
        self
    }

    /// Closes the exchange with a patient mailbox: `X-MSS-MES: FIN`.
    pub fn close_exchange(mut self) -> Self {
        self.close_exchange = true;
        self
    }

    /// `Reply-To`.
    pub fn reply_to(mut self, a: MailAddress) -> Self {
        self.reply_to = Some(a);
        self
    }

    /// Overrides the size limit (default: 25 MB when a recipient is a patient
    /// mailbox, none otherwise; the operator's `SIZE` is checked at submission).
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Validates the conventions and writes the message.
    pub fn build(self, now: OffsetDateTime) -> Result<OutgoingMessage, MessageError> {
        if self.nil.trim().is_empty() {
            return Err(MessageError::Missing("X-MSS-NIL product reference"));
        }
        if self.to.is_empty() {
            return Err(MessageError::Missing("recipient"));
        }
        let to_patient = self.to.iter().chain(&self.cc).any(Recipient::is_patient);
        if self.close_exchange && !to_patient {
            return Err(MessageError::CloseOnlyForPatientMailbox);
        }
        let message_id = new_message_id(self.from.domain());
        let mut headers = vec![
            Header {
                name: "Date".into(),
                value: rfc5322_date(now),
                structured: true,
            },
            Header {
                name: "From".into(),
                value: format_mailbox(self.from_name.as_deref(), &self.from),
                structured: true,
            },
        ];
        let addr_list = |v: &[Recipient]| {
            v.iter()
                .map(|r| format_mailbox(None, r.mail_address()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        headers.push(Header {
            name: "To".into(),
            value: addr_list(&self.to),
            structured: true,
        });
        if !self.cc.is_empty() {
            headers.push(Header {
                name: "Cc".into(),
                value: addr_list(&self.cc),
                structured: true,
            });
        }
        let mut trace = MessageTrace {
            kind: "message".into(),
            ..Default::default()
        };
        let mut parts: Vec<Part> = Vec::new();
        let body = match (&self.text, &self.html) {
            (Some(t), Some(h)) => Part::Multipart {
                subtype: "alternative".into(),
                parts: vec![Part::Text(t.clone()), Part::Html(h.clone())],
            },
            (None, Some(h)) => Part::Multipart {
                subtype: "alternative".into(),
                parts: vec![Part::Text(html_to_text(h)), Part::Html(h.clone())],
            },
            (Some(t), None) => Part::Text(t.clone()),
            (None, None) => Part::Text(String::new()),
        };
        parts.push(body);

        let mut subject = self.subject.clone();
        let mut mss_headers = Vec::new();
        if let Some((zip, docs, patient)) = &self.documents {
            if docs.is_empty() {
                return Err(MessageError::Missing("document in the XDM package"));
            }
            // One patient per message.
            for d in docs {
                if d.facts.patient_key != patient.key {
                    return Err(MessageError::SeveralPatients {
                        first: patient.key.clone(),
                        other: d.facts.patient_key.clone(),
                    });
                }
            }
            // N1+N3 pairs travel together.
            for d in docs {
                if let Some(p) = &d.facts.paired_with {
                    if !docs.iter().any(|o| &o.facts.id == p) {
                        return Err(MessageError::IncompletePair {
                            present: d.facts.id.clone(),
                            missing: p.clone(),
                        });
                    }
                }
                if d.facts.code.trim().is_empty() || d.facts.code.contains([',', '\r', '\n']) {
                    return Err(MessageError::InvalidDocument {
                        document: d.facts.id.clone(),
                        reason: "invalid CDA type code".into(),
                    });
                }
            }
            let facts: Vec<DocumentFacts> = docs.iter().map(|d| d.facts.clone()).collect();
            subject = Some(xdm_subject(&facts, patient));
            parts.push(Part::Attachment {
                filename: XDM_FILE_NAME.into(),
                content_type: "application/zip".into(),
                data: zip.clone(),
            });
            let mut used = std::collections::HashSet::new();
            for d in docs {
                if let Some(pdf) = &d.pdf {
                    let mut name = pdf_file_name(&d.facts, patient);
                    let mut n = 2;
                    while !used.insert(name.clone()) {
                        name = format!(
                            "{}_{n}.pdf",
                            pdf_file_name(&d.facts, patient).trim_end_matches(".pdf")
                        );
                        n += 1;
                    }
                    parts.push(Part::Attachment {
                        filename: name,
                        content_type: "application/pdf".into(),
                        data: pdf.clone(),
                    });
                }
            }
            let mut codes: Vec<String> = Vec::new();
            for d in docs {
                if !codes.contains(&d.facts.code) {
                    codes.push(d.facts.code.clone());
                }
            }
            mss_headers.push(Header {
                name: "X-MSS-CODECDA".into(),
                value: codes.join(","),
                structured: true,
            });
            mss_headers.push(Header {
                name: "X-MSS-INS".into(),
                value: if patient.ins_qualified {
                    "O".into()
                } else {
                    "N".into()
                },
                structured: true,
            });
            trace.kind = "documents".into();
            trace.patient_ref = Some(patient.key.clone());
            trace.documents = docs.iter().map(|d| d.facts.id.clone()).collect();
            trace.codes = codes;
        }
        for (name, ctype, data) in &self.attachments {
            parts.push(Part::Attachment {
                filename: name.clone(),
                content_type: ctype.clone(),
                data: data.clone(),
            });
        }
        let subject = subject.ok_or(MessageError::Missing("subject"))?;
        headers.push(Header {
            name: "Subject".into(),
            value: subject.clone(),
            structured: false,
        });
        headers.push(Header {
            name: "Message-ID".into(),
            value: message_id.clone(),
            structured: true,
        });
        if let Some(t) = &self.thread {
            let mut refs = t.references.clone();
            if !refs.contains(&t.message_id) {
                refs.push(t.message_id.clone());
            }
            headers.push(Header {
                name: "In-Reply-To".into(),
                value: t.message_id.clone(),
                structured: true,
            });
            headers.push(Header {
                name: "References".into(),
                value: refs.join(" "),
                structured: true,
            });
            trace.in_reply_to = Some(t.message_id.clone());
        }
        if let Some(r) = &self.reply_to {
            headers.push(Header {
                name: "Reply-To".into(),
                value: format_mailbox(None, r),
                structured: true,
            });
        }
        if self.read_receipt {
            headers.push(Header {
                name: "Disposition-Notification-To".into(),
                value: format_mailbox(None, &self.from),
                structured: true,
            });
        }
        if self.delivery_receipt {
            headers.push(Header {
                name: "Return-Receipt-To".into(),
                value: format_mailbox(None, &self.from),
                structured: true,
            });
        }
        headers.extend(mss_headers);
        headers.push(Header {
            name: "X-MSS-NIL".into(),
            value: self.nil.trim().to_owned(),
            structured: true,
        });
        if self.close_exchange {
            headers.push(Header {
                name: "X-MSS-MES".into(),
                value: "FIN".into(),
                structured: true,
            });
        }
        let root = if parts.len() == 1 {
            parts.remove(0)
        } else {
            Part::Multipart {
                subtype: "mixed".into(),
                parts,
            }
        };
        let bytes = write_message(&headers, &root)?;
        let limit = self.max_size.or(to_patient.then_some(MES_MAX_SIZE));
        if let Some(limit) = limit {
            if bytes.len() as u64 > limit {
                return Err(MessageError::TooLarge {
                    size: bytes.len() as u64,
                    limit,
                    recipient: if to_patient {
                        "Mon espace santé".into()
                    } else {
                        "the configured limit".into()
                    },
                });
            }
        }
        let recipients = self
            .to
            .iter()
            .chain(&self.cc)
            .map(|r| r.mail_address().clone())
            .collect();
        Ok(OutgoingMessage {
            from: self.from,
            recipients,
            message_id,
            subject,
            bytes,
            dsn: self.delivery_receipt.then_some(DsnNotify {
                success: true,
                failure: true,
                delay: false,
            }),
            trace,
        })
    }
}

/// A crude text alternative of an HTML body (tags removed).
fn html_to_text(h: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in h.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
