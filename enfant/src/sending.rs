//! Sending validated certificates to the PMI of the department of residence
//! and to the DREES (LGC.CSE.12).
//!
//! The sending is a queue of orders — one per certificate and recipient —
//! kept in segur-dmp's crash-safe queue ([`QueueStore`], e.g.
//! [`SqliteQueue`](segur_dmp::queue::SqliteQueue)): queued, retried with
//! back-off and never duplicated, exactly like DMP sends. The idempotency
//! key is `<document id>|<recipient address>`: queueing the same certificate
//! twice returns the existing orders.
//!
//! The transport is the [`CertificateSender`] trait. [`MssCertificateSender`]
//! is the MSSanté one: it packages the CDA as IHE XDM with segur-mss
//! ([`segur_mss::xdm::pack`], the volet's XDS formatCode), writes the
//! message with every MSSanté convention ([`segur_mss::message::MessageBuilder`])
//! and submits it from the practice's [`Mailbox`]. Every queueing and every
//! attempt is traced in the segur-ssi audit trail.
//!
//! Recipients are configurable: a [`RecipientTable`] maps a department code
//! (from the child's postal code, `2A`/`2B` for Corsica, `971`… overseas) to
//! the MSSanté address of its PMI service, plus the DREES address. The
//! addresses themselves are not published in a source we could check
//! (UNCONFIRMED in the reference). [`CertificateQueue::enqueue_with`] looks
//! them up in the Annuaire Santé through a
//! [`RecipientResolver`](crate::recipients::RecipientResolver), with the
//! table as override and fallback; [`CertificateQueue::enqueue`] uses the
//! table alone. Recipients are resolved when a certificate is queued, not
//! when it is sent: an order carries its address (part of its idempotency
//! key), so a directory change never sends a certificate twice; the
//! [`MssCertificateSender`] sends each order to its address.

use std::collections::BTreeMap;
use std::sync::Arc;

use segur_cda::Document;
use segur_cda::xds::XdsCode;
use segur_dmp::BoxFuture;
use segur_dmp::queue::{
    Backoff, DrainReport, NewOrder, Order, OrderSender, OrderStatus, QueueStore, SendOutcome,
    drain_once,
};
use segur_ids::Oid;
use segur_mss::MailAddress;
use segur_mss::mailbox::Mailbox;
use segur_mss::message::{MessageBuilder, MessagePatient, OutgoingMessage};
use segur_mss::xdm::{DocumentToPack, PackOptions, ReadmeInfo, pack};
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::recipients::{Departement, RecipientResolver, RecipientSource, Resolution};
use crate::volet::{self, ChildVolet};

/// Who receives a certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recipient {
    /// The PMI service of a department.
    Pmi {
        /// Department code (`75`, `2A`, `974`).
        department: String,
    },
    /// The DREES.
    Drees,
}

/// The configurable recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecipientTable {
    /// MSSanté address of the PMI service, per department code.
    #[serde(default)]
    pub pmi: BTreeMap<String, String>,
    /// MSSanté address of the DREES (none: certificates go to the PMI only).
    #[serde(default)]
    pub drees: Option<String>,
}

impl RecipientTable {
    /// Reads a table from JSON (`{"pmi": {"75": "pmi@…"}, "drees": "…"}`).
    /// Department keys are checked and written canonically (`2a` → `2A`).
    pub fn from_json(json: &str) -> Result<Self> {
        let mut t: Self = serde_json::from_str(json)
            .map_err(|e| Error::Sending(format!("recipient table: {e}")))?;
        for a in t.pmi.values().chain(t.drees.iter()) {
            check_address(a)?;
        }
        t.pmi = std::mem::take(&mut t.pmi)
            .into_iter()
            .map(|(k, v)| Ok((Departement::parse(&k)?.as_str().to_owned(), v)))
            .collect::<Result<_>>()?;
        Ok(t)
    }

    /// The recipients of a certificate for a child living in `department`.
    pub fn recipients(&self, department: &str) -> Result<Vec<(Recipient, String)>> {
        let pmi = self.pmi.get(department).ok_or_else(|| {
            Error::Sending(format!(
                "no PMI address configured for department {department}"
            ))
        })?;
        let mut out = vec![(
            Recipient::Pmi {
                department: department.to_owned(),
            },
            pmi.clone(),
        )];
        if let Some(d) = &self.drees {
            out.push((Recipient::Drees, d.clone()));
        }
        Ok(out)
    }
}

fn check_address(a: &str) -> Result<()> {
    let ok = a
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !a.contains(char::is_whitespace));
    if ok {
        Ok(())
    } else {
        Err(Error::Sending(format!("{a:?} is not a mail address")))
    }
}

/// The department of a French postal code (`75007` → `75`, `20000` → `2A`,
/// `20200` → `2B`, `97400` → `974`).
/// The typed form is [`Departement::from_postal_code`].
pub fn department_of(postal_code: &str) -> Option<String> {
    Departement::from_postal_code(postal_code).map(|d| d.as_str().to_owned())
}

/// What an order carries (the queue payload, JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateOrder {
    /// The recipient.
    pub recipient: Recipient,
    /// Its MSSanté address.
    pub address: String,
    /// The certificate (`CS8`, `CS9`, `CS24`).
    pub certificate: String,
    /// The document id (`root^extension`).
    pub document_id: String,
    /// The CDA document.
    pub xml: String,
}

/// Sends one certificate to one address (an MSSanté XDM message).
pub trait CertificateSender: Send + Sync {
    /// One attempt; classify every failure.
    fn send<'a>(&'a self, order: &'a CertificateOrder) -> BoxFuture<'a, SendOutcome>;
}

/// The audit kinds written.
pub mod audit_kind {
    /// A certificate was queued for a recipient.
    pub const QUEUED: &str = "enfant.certificate.queued";
    /// A send attempt.
    pub const SENT: &str = "enfant.certificate.sent";
}

fn kind(k: &str) -> Result<AuditKind> {
    AuditKind::new(k).map_err(|e| Error::Sending(format!("audit: {e}")))
}

/// The certificate sending service.
pub struct CertificateQueue<'a> {
    store: &'a dyn QueueStore,
    audit: &'a dyn AuditTrail,
    actor: String,
}

impl std::fmt::Debug for CertificateQueue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateQueue")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl<'a> CertificateQueue<'a> {
    /// A queue over `store`, tracing in `audit` as `actor` (the user).
    pub fn new(
        store: &'a dyn QueueStore,
        audit: &'a dyn AuditTrail,
        actor: impl Into<String>,
    ) -> Self {
        Self {
            store,
            audit,
            actor: actor.into(),
        }
    }

    /// Queues a certificate validated by the doctor for the recipients of
    /// `table` (no Annuaire lookup: see [`enqueue_with`](Self::enqueue_with)).
    /// Refuses anything but an N3 CS8 / CS9 / CS24; queueing it again
    /// returns the existing orders (never sent twice).
    pub fn enqueue(
        &self,
        doc: &Document,
        table: &RecipientTable,
        now: OffsetDateTime,
    ) -> Result<Vec<Order>> {
        let department = residence_department(doc)?;
        let resolution = RecipientResolver::new(table.clone()).resolve_offline(&department)?;
        self.enqueue_resolved(doc, &resolution, now)
    }

    /// Queues a certificate for the recipients `resolver` finds for the
    /// child's department of residence (override table, Annuaire Santé,
    /// fallback table), and returns the resolution too, for the host to
    /// show where each address came from.
    pub async fn enqueue_with(
        &self,
        doc: &Document,
        resolver: &RecipientResolver,
        now: OffsetDateTime,
    ) -> Result<(Vec<Order>, Resolution)> {
        let department = residence_department(doc)?;
        let resolution = resolver.resolve(&department).await?;
        let orders = self.enqueue_resolved(doc, &resolution, now)?;
        Ok((orders, resolution))
    }

    /// Queues a certificate for recipients already resolved (e.g. shown to
    /// and confirmed by the user). The resolution must be for the child's
    /// department of residence. Each queueing is traced with the source of
    /// the address (`source`: `annuaire` / `table`, and why the table).
    ///
    /// Never twice to one recipient: when the certificate already has a live
    /// order (held, pending, being sent or sent) for the PMI or the DREES,
    /// that order is returned even if the address resolved now differs
    /// (its label shows the address it goes to); only an order refused for
    /// good or cancelled lets the certificate be queued to a new address.
    pub fn enqueue_resolved(
        &self,
        doc: &Document,
        resolution: &Resolution,
        now: OffsetDateTime,
    ) -> Result<Vec<Order>> {
        let (v, id) = certificate_of(doc)?;
        let department = residence_department(doc)?;
        if department != resolution.department {
            return Err(Error::Sending(format!(
                "the recipients were resolved for department {}, the child lives in {department}",
                resolution.department
            )));
        }
        let patient = doc
            .header
            .patient_role()
            .and_then(|r| r.ids.first())
            .map(|i| {
                format!(
                    "{}^{}",
                    i.root.as_deref().unwrap_or(""),
                    i.extension.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default();
        let xml = String::from_utf8(doc.to_xml()).map_err(|e| Error::Sending(e.to_string()))?;
        // The live orders of this certificate (queued, being sent or sent),
        // with their recipient: a recipient whose address changed since
        // (directory update, table edit) keeps its order, so a certificate
        // never goes twice to one recipient. An order refused for good or
        // cancelled does not count: queueing again sends to the new address.
        let prefix = format!("{id}|");
        let live: Vec<(Recipient, Order)> = self
            .store
            .list(&[
                OrderStatus::Held,
                OrderStatus::Pending,
                OrderStatus::InFlight,
                OrderStatus::Sent,
            ])?
            .into_iter()
            .filter(|o| o.key.starts_with(&prefix))
            .filter_map(|o| {
                let c: CertificateOrder = serde_json::from_slice(&o.payload).ok()?;
                Some((c.recipient, o))
            })
            .collect();
        let mut out = Vec::new();
        for r in &resolution.recipients {
            let address = r.address.to_string();
            let key = format!("{id}|{address}");
            let existed = self.store.by_key(&key)?.is_some();
            if !existed {
                if let Some((_, o)) = live.iter().find(|(rec, _)| *rec == r.recipient) {
                    out.push(o.clone());
                    continue;
                }
            }
            let order = CertificateOrder {
                recipient: r.recipient.clone(),
                address: address.clone(),
                certificate: v.name().to_owned(),
                document_id: id.clone(),
                xml: xml.clone(),
            };
            let payload = serde_json::to_vec(&order).map_err(|e| Error::Sending(e.to_string()))?;
            let o = self.store.enqueue(
                NewOrder {
                    key: key.clone(),
                    patient: patient.clone(),
                    label: format!("{} → {address}", v.name()),
                    payload,
                    held: false,
                },
                now,
            )?;
            if !existed {
                let mut event = AuditEvent::new(
                    kind(audit_kind::QUEUED)?,
                    self.actor.clone(),
                    Outcome::Success,
                    now,
                )
                .with_patient(patient.clone())
                .with_document(id.clone())
                .with_target(address.clone())
                .with_detail("certificate", v.name())
                .with_detail("source", r.source.label());
                match &r.source {
                    RecipientSource::Annuaire { resource_id, .. } => {
                        event = event.with_detail("annuaire_resource", resource_id.as_str());
                    }
                    RecipientSource::Table { reason } => {
                        event = event.with_detail("table_reason", reason.to_string());
                    }
                    _ => event = event.with_detail("table_reason", "override"),
                }
                self.audit
                    .append(event)
                    .map_err(|e| Error::Sending(format!("audit: {e}")))?;
            }
            out.push(o);
        }
        Ok(out)
    }

    /// Sends the orders due at `clock.now()` (retries with `backoff`),
    /// tracing each attempt.
    pub async fn drain(
        &self,
        sender: &dyn CertificateSender,
        clock: &dyn segur_psc::Clock,
        backoff: &Backoff,
        limit: usize,
    ) -> Result<DrainReport> {
        let adapter = Adapter { sender };
        let report = drain_once(self.store, &adapter, clock, backoff, limit).await?;
        let now = clock.now();
        let trace = |key: &str, outcome: Outcome, detail: Option<&str>| -> Result<()> {
            let (doc, target) = key.split_once('|').unwrap_or((key, ""));
            let mut e = AuditEvent::new(kind(audit_kind::SENT)?, self.actor.clone(), outcome, now)
                .with_document(doc)
                .with_target(target);
            if let Some(d) = detail {
                e = e.with_detail("reason", d);
            }
            self.audit
                .append(e)
                .map(|_| ())
                .map_err(|e| Error::Sending(format!("audit: {e}")))
        };
        for k in &report.sent {
            trace(k, Outcome::Success, None)?;
        }
        for (k, r) in report.retrying.iter().chain(&report.failed) {
            trace(k, Outcome::Failure, Some(r))?;
        }
        Ok(report)
    }
}

/// The volet and the document id (`root^extension`) of a certificate that
/// may be sent: N3, CS8 / CS9 / CS24, header rules met.
fn certificate_of(doc: &Document) -> Result<(ChildVolet, String)> {
    volet::ensure_shareable(doc)?;
    let v = ChildVolet::of(&doc.header)
        .filter(|v| v.is_certificate())
        .ok_or_else(|| {
            Error::Sending(
                "only the health certificates (CS8, CS9, CS24) are sent to the PMI".into(),
            )
        })?;
    volet::check_header(v, &doc.header)?;
    let id = doc
        .header
        .id
        .as_ref()
        .map(|i| {
            format!(
                "{}^{}",
                i.root.as_deref().unwrap_or(""),
                i.extension.as_deref().unwrap_or("")
            )
        })
        .ok_or(Error::Missing {
            document: v.name(),
            what: "the document id",
        })?;
    Ok((v, id))
}

/// The child's department of residence, from the postal code of the
/// patient's address in a certificate (checked as [`CertificateQueue`]
/// does: N3 CS8 / CS9 / CS24 only).
pub fn residence_department(doc: &Document) -> Result<Departement> {
    let (v, _) = certificate_of(doc)?;
    let postal = doc
        .header
        .patient_role()
        .and_then(|r| r.addrs.iter().find_map(|a| a.part("postalCode")))
        .ok_or(Error::Missing {
            document: v.name(),
            what: "the child's postal code (department of residence)",
        })?;
    Departement::from_postal_code(postal)
        .ok_or_else(|| Error::Sending(format!("{postal:?} is not a French postal code")))
}

struct Adapter<'s> {
    sender: &'s dyn CertificateSender,
}

impl OrderSender for Adapter<'_> {
    fn send<'a>(&'a self, order: &'a Order) -> BoxFuture<'a, SendOutcome> {
        Box::pin(async move {
            match serde_json::from_slice::<CertificateOrder>(&order.payload) {
                Ok(o) => self.sender.send(&o).await,
                Err(e) => SendOutcome::Permanent(format!("unreadable order: {e}")),
            }
        })
    }

    fn is_present<'a>(
        &'a self,
        _order: &'a Order,
    ) -> BoxFuture<'a, Result<Option<String>, SendOutcome>> {
        // A message cannot be looked up at the recipient: an attempt whose
        // outcome is unknown is not retried blindly (no duplicate): it is
        // reported for the user to check.
        Box::pin(async {
            Err(SendOutcome::Permanent(
                "outcome of an earlier attempt unknown: check the sent box before re-sending"
                    .into(),
            ))
        })
    }
}

/// How the practice sends certificates by MSSanté.
#[derive(Debug, Clone)]
pub struct MssSenderConfig {
    /// `X-MSS-NIL`: the product reference of the software (CNDA).
    pub nil: String,
    /// XDS `sourceId` of the submission set: the OID of the software instance.
    pub source_id: Oid,
    /// XDS `contentTypeCode` of the submission set (the practice's activity).
    pub content_type_code: XdsCode,
    /// Name and version of the software, written in the XDM `README.TXT`.
    pub software: String,
}

/// Sends certificates as MSSanté messages (IHE XDM) from the practice's
/// mailbox: one message per certificate and recipient, a short text body,
/// the `IHE_XDM.zip` with the CDA and its PDF rendering.
///
/// Outcomes: accepted by the operator → sent (receipt: the `Message-ID`);
/// a transient failure (operator unreachable, SMTP 4xx) → retried by the
/// queue; the connection lost during the submission → unknown (the queue
/// asks the user to check the sent box rather than risk a duplicate);
/// anything else (recipient refused, invalid document) → failed for good.
pub struct MssCertificateSender {
    mailbox: Arc<Mailbox>,
    config: MssSenderConfig,
    clock: Arc<dyn segur_psc::Clock>,
}

impl std::fmt::Debug for MssCertificateSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MssCertificateSender")
            .field("from", self.mailbox.address())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl MssCertificateSender {
    /// A sender from `mailbox`, dating messages with `clock`.
    pub fn new(
        mailbox: Arc<Mailbox>,
        config: MssSenderConfig,
        clock: Arc<dyn segur_psc::Clock>,
    ) -> Self {
        Self {
            mailbox,
            config,
            clock,
        }
    }

    /// The message of one order (no IO): the XDM package of the certificate
    /// for the order's address.
    pub fn message(&self, order: &CertificateOrder) -> Result<OutgoingMessage> {
        certificate_message(
            self.mailbox.address(),
            &self.config,
            order,
            self.clock.now(),
        )
    }
}

/// The MSSanté message carrying one certificate order from `from` (no IO).
pub fn certificate_message(
    from: &MailAddress,
    config: &MssSenderConfig,
    order: &CertificateOrder,
    now: OffsetDateTime,
) -> Result<OutgoingMessage> {
    let mss = |e: segur_mss::Error| Error::Sending(format!("MSSanté message: {e}"));
    let doc = Document::parse(order.xml.as_bytes().to_vec())?;
    let volet = ChildVolet::of(&doc.header)
        .filter(|v| v.is_certificate())
        .ok_or_else(|| Error::Sending("the order does not carry a health certificate".into()))?;
    let pdf = doc
        .structured_body()
        .map(|b| segur_cda::n3::pdf::document_pdf(&doc.header, &b.sections, &doc.namespaces))
        .transpose()
        .map_err(|e| Error::Sending(format!("PDF rendering: {e}")))?;
    let f = volet.format_code();
    let packed = pack(
        vec![DocumentToPack {
            cda: order.xml.as_bytes().to_vec(),
            entry: segur_cda::xds::EntryOptions {
                format_code: Some(XdsCode::new(f.code, f.system, f.display)),
                ..Default::default()
            },
            pdf,
            // A new certificate, or a replacement when the CDA says so.
            action: None,
        }],
        &PackOptions {
            source_id: config.source_id.clone(),
            content_type_code: config.content_type_code.clone(),
            readme: ReadmeInfo {
                sender: from.to_string(),
                contact: from.to_string(),
                software: config.software.clone(),
            },
            now,
        },
    )
    .map_err(mss)?;
    let p = &packed.patient;
    let patient = MessagePatient {
        family_name: p.family_name.clone().unwrap_or_default(),
        given_name: p
            .given_names
            .as_deref()
            .and_then(|g| g.split_whitespace().next())
            .unwrap_or("")
            .to_owned(),
        birth_date: p.birth_date.ok_or(Error::Missing {
            document: volet.name(),
            what: "the child's birth date",
        })?,
        file_number: None,
        ins_qualified: p.ins.is_some(),
        key: p.key(),
    };
    let to: MailAddress = order
        .address
        .parse()
        .map_err(|e| Error::Sending(format!("{:?}: {e}", order.address)))?;
    let whom = match &order.recipient {
        Recipient::Pmi { department } => format!("PMI du département {department}"),
        Recipient::Drees => "DREES".to_owned(),
    };
    MessageBuilder::new(from.clone(), config.nil.clone())
        .to(segur_mss::message::Recipient::address(to)
            .map_err(|e| Error::Sending(format!("{:?}: {e}", order.address)))?)
        .text(format!(
            "Bonjour,\n\nVeuillez trouver ci-joint le certificat de santé {} ({}), \
             transmis à la {whom}.\n",
            volet.name(),
            volet.default_title()
        ))
        .documents(packed.zip, packed.documents, patient)
        .build(now)
        .map_err(|e| mss(e.into()))
}

impl CertificateSender for MssCertificateSender {
    fn send<'a>(&'a self, order: &'a CertificateOrder) -> BoxFuture<'a, SendOutcome> {
        Box::pin(async move {
            let msg = match self.message(order) {
                Ok(m) => m,
                Err(e) => return SendOutcome::Permanent(e.to_string()),
            };
            match self.mailbox.send(&msg).await {
                Ok(report) if !report.accepted.is_empty() => SendOutcome::Sent {
                    receipt: Some(report.message_id),
                },
                Ok(report) => SendOutcome::Permanent(format!(
                    "recipient refused by the operator: {}",
                    report
                        .rejected
                        .iter()
                        .map(|(a, r)| format!("{a}: {r}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Err(e) if e.is_connection_lost() => SendOutcome::Unknown(e.to_string()),
                Err(e) if e.is_transient() => SendOutcome::Transient(e.to_string()),
                Err(e) => SendOutcome::Permanent(e.to_string()),
            }
        })
    }
}
