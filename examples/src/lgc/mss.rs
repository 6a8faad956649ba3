//! MSSanté: the user's mailboxes, sending documents from the patient file,
//! reception into patient files, notifications, the Annuaire Santé and the
//! traces — all with `segur-mss`.
//!
//! - **Mailboxes** (SC.MSS/CONF.01/03/04/05/22/27): the user gives an
//!   address and credentials; `Autoconfigurator` finds the servers (DNS SRV,
//!   then AutoConfig), the TLS client comes from `segur_ssi::tls` (explicit
//!   trust store, the CPS certificate as client identity, or no certificate
//!   and `XOAUTH2` with the Pro Santé Connect session), and one
//!   `segur_mss::mailbox::Mailbox` per address runs the standard sequence and
//!   reopens sessions the operator closes (CONF.06).
//! - **Send queue** (CONF.08/28): every message is committed to
//!   `segur_mss::outbox` (a SQLite file) before it is submitted; when the
//!   operator is unreachable it stays queued, survives a restart, and the
//!   next check sends it once. DSN / MDN notifications update its status.
//! - **Sending** (CONF.10/11/14/15/16/21, UX.32): the documents of the file
//!   are packed with `segur_mss::xdm::pack` and the message is written by
//!   `MessageBuilder` (X-MSS headers, subject, PDF naming, receipts, one
//!   patient, `X-MSS-MES: FIN` to a patient mailbox built by
//!   `PatientMailbox::for_patient` from the qualified INS only). A
//!   document held as an N1/N3 pair is sent whole, whichever form the user
//!   picked: both forms in one package linked by XFRM (SC.CDA/DD.13).
//! - **Reception** (UX.02/05/25/28/31/39): each new message goes through
//!   `segur_mss::reception::Receiver` (antivirus, XDM, patient matching on a
//!   snapshot of the patient files); documents matched automatically are
//!   imported into the file by the same import as any received file
//!   (antivirus, duplicates, versions, N1/N3 pairs); others wait for the
//!   user with the candidates.
//! - **Directory** (CONF.20, SENTINELLE.10): `AnnuaireClient`.
//! - **Traces** (CONF.17/18, UX.37): the mailboxes and the receiver write to
//!   the practice's audit trail; the MSSanté screen lists the `mss.*` events.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use segur_cda::xds::XdsCode;
use segur_conformance::host::{
    BoxFuture, DocumentRef, Documents, HostError, ImportOutcome, MssAccount, MssCredentials,
    MssDelivery, MssEnvironment, MssIntegration, MssPatientInfo, MssReceivedDocument,
    MssReceivedMessage, MssRecipient, MssSendOutcome, MssSendRequest, Mssante, PatientFileRef,
    PatientFiles, ReceivedFile,
};
use segur_ids::{Oid, oid};
use segur_ins::sentinelle::{
    IndexError, LocalPatientId, PatientIndex, PatientRecord, traits_match,
};
use segur_ins::{Identity as PatientIdentity, Ins, Traits};
use segur_mss::annuaire::fhir::{AnnuaireClient, DirectoryEntry, Search};
use segur_mss::autoconfig::dns::DnsResolver;
use segur_mss::autoconfig::{Autoconfigurator, HttpFetcher};
use segur_mss::config::{Authentication, MailboxConfig, ReconnectPolicy, ServerSettings, Timeouts};
use segur_mss::documents::sent_document;
use segur_mss::mailbox::{INBOX, Mailbox, check_auth_config};
use segur_mss::message::parse::parse_message;
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient, pdf_file_name};
use segur_mss::outbox::{DrainReport, MailboxSubmitter, MessageState, Outbox, SqliteOutbox};
use segur_mss::reception::{InMemoryDocuments, PatientMatch, Provenance, Receiver};
use segur_mss::trace::{Tracer, kinds};
use segur_mss::xdm::{DocumentToPack, PackItem, PackOptions, PairToPack, ReadmeInfo, pack};
use segur_mss::{MailAddress, MailboxKind, PatientMailbox};
use segur_ssi::audit::{AuditFilter, AuditRecord, AuditTrail, Outcome};
use segur_ssi::tls::{ClientTlsBuilder, Identity, TrustEnvironment, TrustStore};

use super::{Core, ReferenceLgc, lock};
use crate::practice;

/// The software's product reference (`X-MSS-NIL`), given by the ANS
/// Convergence registration (fictitious here).
pub const PRODUCT_REFERENCE: &str = "SEGUR-RS-LGC-REF";

/// The `sourceId` of the XDM submission sets this instance writes.
const SOURCE_ID: Oid = oid!("1.2.250.1.999.2.9");

/// Who acts in the MSSanté traces: the practice's professional.
fn actor() -> String {
    format!("8{}", practice::RPPS)
}

/// The configured environment.
struct Environment {
    settings: MssEnvironment,
    trust: TrustStore,
    discovery: Arc<Autoconfigurator>,
}

/// A mailbox of the user (its settings, kept across restarts), its
/// running client, and where its INBOX was read up to.
struct UserMailbox {
    config: MailboxConfig,
    mailbox: Arc<Mailbox>,
    last_uid: u32,
}

/// The MSSanté state of the running software. The send queue is a SQLite
/// file (`segur_mss::outbox::SqliteOutbox`) in the instance's data folder:
/// what is queued survives a restart or a crash.
#[derive(Default)]
pub(super) struct MssState {
    environment: std::sync::Mutex<Option<Arc<Environment>>>,
    mailboxes: std::sync::Mutex<Vec<UserMailbox>>,
    inbox: std::sync::Mutex<Vec<MssReceivedMessage>>,
    /// The data folder of the send queue, created on first use.
    storage: std::sync::Mutex<Option<tempfile::TempDir>>,
    /// The open send queue (`None` while stopped).
    outbox: std::sync::Mutex<Option<Arc<Outbox>>>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> HostError {
    HostError::failed(format!("{what}: {e}"))
}

impl Core {
    fn mss_environment(&self) -> Result<Arc<Environment>, HostError> {
        lock(&self.mss.environment)
            .clone()
            .ok_or_else(|| HostError::failed("MSSanté is not configured"))
    }

    /// The send queue, opened from its file on first use.
    fn outbox(&self) -> Result<Arc<Outbox>, HostError> {
        let mut open = lock(&self.mss.outbox);
        if let Some(o) = open.as_ref() {
            return Ok(o.clone());
        }
        let path = {
            let mut storage = lock(&self.mss.storage);
            if storage.is_none() {
                *storage = Some(
                    tempfile::Builder::new()
                        .prefix("segur-lgc-mss-")
                        .tempdir()
                        .map_err(|e| failed("MSSanté data folder", e))?,
                );
            }
            storage
                .as_ref()
                .map(|d| d.path().join("outbox.sqlite"))
                .ok_or_else(|| HostError::failed("MSSanté data folder"))?
        };
        let store = SqliteOutbox::open(&path).map_err(|e| failed("send queue", e))?;
        let outbox = Outbox::new(Arc::new(store))
            .with_clock(Arc::new(self.clock.clone()))
            .with_tracer(Tracer::new(
                Some(self.audit.clone()),
                actor(),
                "outbox",
                Arc::new(self.clock.clone()),
            ));
        // Messages a previous run left in flight go back to the queue.
        outbox
            .recover_interrupted()
            .map_err(|e| failed("send queue", e))?;
        let outbox = Arc::new(outbox);
        *open = Some(outbox.clone());
        Ok(outbox)
    }

    /// Submits what is due in the queue for `mailbox`.
    async fn drain(&self, mailbox: &Arc<Mailbox>) -> Result<DrainReport, HostError> {
        self.outbox()?
            .drain(&MailboxSubmitter::new(mailbox.clone()))
            .await
            .map_err(|e| failed("send queue", e))
    }

    /// A restart: the mailbox clients and the send queue are closed and
    /// opened again from their settings and file.
    pub(super) async fn mss_restart(&self) -> Result<(), HostError> {
        let clients: Vec<Arc<Mailbox>> = lock(&self.mss.mailboxes)
            .iter()
            .map(|m| m.mailbox.clone())
            .collect();
        for m in clients {
            m.drop_session().await;
        }
        *lock(&self.mss.outbox) = None;
        let mut boxes = lock(&self.mss.mailboxes);
        for m in boxes.iter_mut() {
            m.mailbox = Arc::new(self.new_mailbox(m.config.clone()));
        }
        drop(boxes);
        self.outbox().map(|_| ())
    }

    fn new_mailbox(&self, config: MailboxConfig) -> Mailbox {
        Mailbox::new(config).with_audit(
            self.audit.clone(),
            actor(),
            Some(Arc::new(self.clock.clone())),
        )
    }

    fn mailbox(&self, address: &MailAddress) -> Result<Arc<Mailbox>, HostError> {
        lock(&self.mss.mailboxes)
            .iter()
            .find(|m| m.mailbox.address() == address)
            .map(|m| m.mailbox.clone())
            .ok_or_else(|| HostError::failed(format!("no mailbox {address}")))
    }

    fn tls(
        &self,
        env: &Environment,
        identity: Option<Identity>,
    ) -> Result<rustls::ClientConfig, HostError> {
        let mut b = ClientTlsBuilder::new(env.trust.clone());
        if let Some(id) = identity {
            b = b.with_identity(id);
        }
        b.build().map_err(|e| failed("TLS configuration", e))
    }

    async fn add_mailbox(&self, account: MssAccount) -> Result<ServerSettings, HostError> {
        let env = self.mss_environment()?;
        let discovery = env
            .discovery
            .discover(&account.address)
            .await
            .map_err(|e| failed(&format!("configuration of {}", account.address), e))?;
        let (auth, identity) = match &account.credentials {
            MssCredentials::Certificate { chain_pem, key_pem } => (
                Authentication::certificate(),
                Some(
                    Identity::from_pem(chain_pem.as_bytes(), key_pem.as_bytes())
                        .map_err(|e| failed("CPS certificate", e))?,
                ),
            ),
            MssCredentials::ProSanteConnect(tokens) => {
                (Authentication::xoauth2(tokens.clone()), None)
            }
            _ => return Err(HostError::failed("unsupported MSSanté credentials")),
        };
        let mut config = MailboxConfig::new(
            account.address.clone(),
            account.kind.clone(),
            discovery.settings.clone(),
            auth,
            Arc::new(self.tls(&env, identity)?),
        );
        config.display_name = Some("Dr Jean MEDECIN-TEST".into());
        // Quick retries: the user is waiting.
        config.reconnect = ReconnectPolicy {
            delays: vec![Duration::ZERO, Duration::from_millis(200)],
        };
        config.timeouts = Timeouts {
            connect: Duration::from_secs(5),
            command: Duration::from_secs(30),
        };
        check_auth_config(&config).map_err(|e| failed("MSSanté credentials", e))?;
        let mailbox = self.new_mailbox(config.clone());
        let mut boxes = lock(&self.mss.mailboxes);
        boxes.retain(|m| m.mailbox.address() != &account.address);
        boxes.push(UserMailbox {
            config,
            mailbox: Arc::new(mailbox),
            last_uid: 0,
        });
        Ok(discovery.settings)
    }

    async fn mss_send(
        &self,
        lgc: &ReferenceLgc,
        request: MssSendRequest,
    ) -> Result<MssSendOutcome, HostError> {
        let mailbox = self.mailbox(&request.from)?;
        let identity = self.patients.get(&request.file)?.identity;
        let recipient = match &request.to {
            MssRecipient::Correspondent(a) => match Recipient::address(a.clone()) {
                Ok(r) => r,
                Err(e) => {
                    return Ok(MssSendOutcome::Refused {
                        reason: e.to_string(),
                    });
                }
            },
            MssRecipient::Patient => match identity.qualified_ins() {
                Some(q) => match PatientMailbox::for_patient(&q) {
                    Ok(p) => Recipient::from(p),
                    Err(e) => {
                        return Ok(MssSendOutcome::Refused {
                            reason: e.to_string(),
                        });
                    }
                },
                None => {
                    return Ok(MssSendOutcome::Refused {
                        reason: "La messagerie de Mon espace santé n'est utilisable qu'avec \
                                 une identité qualifiée (INS qualifié)."
                            .into(),
                    });
                }
            },
            _ => return Err(HostError::failed("unsupported recipient")),
        };
        let to_patient = recipient.is_patient();
        let mut builder = MessageBuilder::new(request.from.clone(), PRODUCT_REFERENCE)
            .from_name("Dr Jean MEDECIN-TEST")
            .to(recipient)
            .text(request.text.clone());
        if request.documents.is_empty() {
            builder = builder.subject("Message du cabinet");
        } else if identity.qualified_ins().is_none() {
            // Without a qualified INS the XDS metadata cannot identify the
            // patient: the PDF renderings travel alone, without INS.
            builder = builder.subject(format!(
                "Documents - {} {}",
                identity.traits().birth_family_name().as_str(),
                identity.traits().first_given_name().as_str()
            ));
            let traits = identity.traits();
            for d in &request.documents {
                let cda = Documents::content(lgc, d).await?;
                let (doc, patient) =
                    sent_document(&cda, None).map_err(|e| failed("document", e))?;
                let Some(pdf) = doc.pdf else { continue };
                let names = MessagePatient {
                    family_name: traits.birth_family_name().as_str().to_owned(),
                    given_name: traits.first_given_name().as_str().to_owned(),
                    birth_date: traits.birth_date().date(),
                    file_number: None,
                    ins_qualified: false,
                    key: patient.key(),
                };
                builder =
                    builder.attachment(pdf_file_name(&doc.facts, &names), "application/pdf", pdf);
            }
        } else {
            // Only documents of this patient file; a document held as an
            // N1/N3 pair travels with both forms, as one unit (SC.CDA/DD.13):
            // same package, XFRM between them, each RPLC to its previous
            // version when the pair is replaced.
            let held = Documents::list(lgc, &request.file).await?;
            let mut to_pack: Vec<PackItem> = Vec::new();
            let mut packed_refs: Vec<DocumentRef> = Vec::new();
            for d in &request.documents {
                if !held.contains(d) {
                    return Err(HostError::failed(format!(
                        "document {d} is not in the file {}",
                        request.file
                    )));
                }
                if packed_refs.contains(d) {
                    continue;
                }
                let forms = self.document_view(d)?.forms;
                let cda = Documents::content(lgc, d).await?;
                match forms.iter().find(|f| *f != d) {
                    Some(twin) => {
                        let other = Documents::content(lgc, twin).await?;
                        to_pack.push(
                            PairToPack::from_cda(cda, other)
                                .map_err(|e| failed("N1/N3 pair", e))?
                                .into(),
                        );
                        packed_refs.push(twin.clone());
                    }
                    None => to_pack.push(DocumentToPack::new(cda).into()),
                }
                packed_refs.push(d.clone());
            }
            let packed = pack(
                to_pack,
                &PackOptions {
                    source_id: SOURCE_ID,
                    content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
                    readme: ReadmeInfo {
                        sender: "Dr Jean MEDECIN-TEST".into(),
                        contact: request.from.to_string(),
                        software: format!("segur-rs reference LGC {}", env!("CARGO_PKG_VERSION")),
                    },
                    now: self.now(),
                },
            )
            .map_err(|e| failed("XDM package", e))?;
            let traits = identity.traits();
            let patient = MessagePatient {
                family_name: traits.birth_family_name().as_str().to_owned(),
                given_name: traits.first_given_name().as_str().to_owned(),
                birth_date: traits.birth_date().date(),
                file_number: Some(request.file.to_string()),
                ins_qualified: identity.qualified_ins().is_some(),
                key: packed.patient.key(),
            };
            builder = builder.documents(packed.zip, packed.documents, patient);
        }
        if request.receipts {
            builder = builder.request_read_receipt().request_delivery_receipt();
        }
        if to_patient {
            // The exchange with the patient ends with this message (CONF.21).
            builder = builder.close_exchange();
        }
        let message = match builder.build(self.now()) {
            Ok(m) => m,
            Err(e) => {
                return Ok(MssSendOutcome::Refused {
                    reason: e.to_string(),
                });
            }
        };
        let id = message.message_id.clone();
        // Queued first (committed), then submitted: nothing is lost if the
        // operator is unreachable or the software stops.
        self.outbox()?
            .enqueue(&message)
            .map_err(|e| failed("send queue", e))?;
        let report = self.drain(&mailbox).await?;
        if report.sent.contains(&id) {
            return Ok(MssSendOutcome::Sent { message_id: id });
        }
        if let Some((_, reason)) = report.failed.iter().find(|(m, _)| *m == id) {
            return Ok(MssSendOutcome::Refused {
                reason: reason.clone(),
            });
        }
        let reason = report
            .retrying
            .iter()
            .find(|(m, _)| *m == id)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| "en attente d'envoi".into());
        Ok(MssSendOutcome::Queued {
            message_id: id,
            reason,
        })
    }

    /// A snapshot of the patient files for matching.
    async fn patient_snapshot(&self, lgc: &ReferenceLgc) -> Result<FilesIndex, HostError> {
        let mut records = Vec::new();
        for file in PatientFiles::list(lgc).await? {
            records.push(PatientRecord {
                id: LocalPatientId::new(file.as_str()),
                identity: self.patients.get(&file)?.identity,
                last_insi_call: None,
                pending_answer: None,
            });
        }
        Ok(FilesIndex(records))
    }

    async fn mss_sync(&self, lgc: &ReferenceLgc) -> Result<(), HostError> {
        let boxes: Vec<(Arc<Mailbox>, u32)> = lock(&self.mss.mailboxes)
            .iter()
            .map(|m| (m.mailbox.clone(), m.last_uid))
            .collect();
        for (mailbox, after) in boxes {
            // What waits in the queue goes first.
            self.drain(&mailbox).await?;
            let fetched = mailbox
                .fetch_new(INBOX, after)
                .await
                .map_err(|e| failed(&format!("reading {}", mailbox.address()), e))?;
            for message in fetched {
                self.process(lgc, &mailbox, &message.raw).await?;
                if let Some(m) = lock(&self.mss.mailboxes)
                    .iter_mut()
                    .find(|m| m.mailbox.address() == mailbox.address())
                {
                    m.last_uid = m.last_uid.max(message.uid);
                }
            }
        }
        Ok(())
    }

    async fn process(
        &self,
        lgc: &ReferenceLgc,
        mailbox: &Mailbox,
        raw: &[u8],
    ) -> Result<(), HostError> {
        if let Ok(parsed) = parse_message(raw)
            && parsed.report.is_some()
        {
            // A DSN / MDN moves the status of the sent message forward.
            self.outbox()?
                .record_notification(&parsed)
                .map_err(|e| failed("send queue", e))?;
            return Ok(());
        }
        let tracer = Tracer::new(
            Some(self.audit.clone()),
            actor(),
            mailbox.address().to_string(),
            Arc::new(self.clock.clone()),
        );
        // The held documents are compared by the patient file's own import
        // (versions, duplicates): the receiver only matches the patient.
        let receiver = Receiver::new(
            self.scanner.clone(),
            Arc::new(self.patient_snapshot(lgc).await?),
            Arc::new(InMemoryDocuments::default()),
        )
        .with_tracer(tracer.clone());
        let reception = match receiver.receive(raw).await {
            Ok(r) => r,
            Err(e) => {
                let mut shown = MssReceivedMessage::new(mailbox.address().clone(), "");
                shown.withheld = vec![format!("Message illisible : {e}")];
                lock(&self.mss.inbox).push(shown);
                return Ok(());
            }
        };
        let mut documents = Vec::new();
        for d in &reception.documents {
            let integration = match &reception.patient {
                Some(PatientMatch::Automatic { local_id }) => {
                    let file = PatientFileRef::new(local_id.as_str());
                    let outcome = Documents::import(
                        lgc,
                        &file,
                        &ReceivedFile::new(d.uri.clone(), "text/xml", d.cda.clone()),
                    )
                    .await?;
                    if matches!(
                        outcome,
                        ImportOutcome::Integrated(_) | ImportOutcome::NewerVersion { .. }
                    ) {
                        tracer.record(kinds::DOCUMENT_INTEGRATED, Outcome::Success, |ev| {
                            ev.with_patient(local_id.as_str())
                                .with_document(d.unique_id.clone())
                                .with_request_id(reception.message_id.clone().unwrap_or_default())
                        });
                    }
                    MssIntegration::File { file, outcome }
                }
                Some(PatientMatch::Candidates(c)) => MssIntegration::AwaitingPatient {
                    candidates: c
                        .iter()
                        .map(|c| PatientFileRef::new(c.local_id.as_str()))
                        .collect(),
                },
                _ => MssIntegration::AwaitingPatient {
                    candidates: Vec::new(),
                },
            };
            documents.push(MssReceivedDocument::new(d.title.clone(), integration));
        }
        let mut withheld: Vec<String> = reception
            .quarantined
            .iter()
            .map(|e| format!("Pièce jointe retenue : {e}"))
            .collect();
        if let Some(e) = &reception.xdm_error {
            withheld.push(format!("Documents illisibles : {e}"));
        }
        let patient = reception.patient_info.as_ref().map(|p| {
            let mut shown = MssPatientInfo::default();
            shown.family_name = p.family_name.clone();
            shown.given_names = p.given_names.clone();
            shown.birth_date = p.birth_date.map(|d| d.to_string());
            shown.ins = p.ins.map(|i| i.matricule().to_string());
            shown
        });
        let mut shown =
            MssReceivedMessage::new(mailbox.address().clone(), reception.subject.clone());
        shown.message_id = reception.message_id.clone();
        shown.from = reception.from.as_ref().and_then(|p| p.address.clone());
        shown.from_patient = matches!(reception.provenance, Provenance::Patient { .. });
        shown.attachments = reception
            .attachments
            .iter()
            .filter_map(|a| a.filename.clone())
            .collect();
        shown.withheld = withheld;
        shown.patient = patient;
        shown.documents = documents;
        lock(&self.mss.inbox).push(shown);
        Ok(())
    }
}

/// The practice's patient files as segur-ins's patient index, for the
/// receiver: a snapshot taken when the mailboxes are checked. Reception
/// only looks patients up; it never creates or changes a file.
struct FilesIndex(Vec<PatientRecord>);

impl PatientIndex for FilesIndex {
    fn get(&self, id: &LocalPatientId) -> Result<Option<PatientRecord>, IndexError> {
        Ok(self.0.iter().find(|r| &r.id == id).cloned())
    }

    fn find_by_ins(&self, ins: &Ins) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .0
            .iter()
            .filter(|r| r.identity.recorded_ins() == Some(ins))
            .cloned()
            .collect())
    }

    fn find_by_traits(&self, traits: &Traits) -> Result<Vec<PatientRecord>, IndexError> {
        Ok(self
            .0
            .iter()
            .filter(|r| traits_match(r.identity.traits(), traits))
            .cloned()
            .collect())
    }

    fn create(&self, identity: PatientIdentity) -> Result<PatientRecord, IndexError> {
        let _ = identity;
        Err(IndexError::Backend(
            "reception does not create patient files".into(),
        ))
    }

    fn update(&self, record: &PatientRecord) -> Result<(), IndexError> {
        Err(IndexError::NotFound(record.id.clone()))
    }
}

impl Mssante for ReferenceLgc {
    fn configure(&self, environment: MssEnvironment) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            // Test platforms: the IGC-Santé test roots; production uses
            // `TrustEnvironment::Production`.
            let mut trust = TrustStore::new(TrustEnvironment::Test);
            trust
                .add_pem(environment.trust_roots_pem.as_bytes())
                .map_err(|e| failed("MSSanté trust store", e))?;
            let resolver: Vec<SocketAddr> = environment.dns_servers.clone();
            let fetcher = HttpFetcher::new(
                ClientTlsBuilder::new(trust.clone())
                    .build()
                    .map_err(|e| failed("TLS configuration", e))?,
            )
            .map_err(|e| failed("AutoConfig client", e))?;
            let mut discovery = Autoconfigurator::new(Arc::new(DnsResolver::new(resolver)))
                .with_fetcher(Arc::new(fetcher))
                .with_clock(Arc::new(core.clock.clone()));
            if let Some(port) = environment.autoconfig_port {
                discovery = discovery.with_autoconfig_port_for_tests(port);
            }
            *lock(&core.mss.environment) = Some(Arc::new(Environment {
                settings: environment,
                trust,
                discovery: Arc::new(discovery),
            }));
            Ok(())
        })
    }

    fn add_mailbox(&self, account: MssAccount) -> BoxFuture<'_, Result<ServerSettings, HostError>> {
        Box::pin(async move { self.core()?.add_mailbox(account).await })
    }

    fn mailboxes(&self) -> BoxFuture<'_, Result<Vec<(MailAddress, MailboxKind)>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let boxes = lock(&core.mss.mailboxes);
            Ok(boxes
                .iter()
                .map(|m| (m.mailbox.address().clone(), m.mailbox.kind().clone()))
                .collect())
        })
    }

    fn patient_address<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<MailAddress>, HostError>> {
        Box::pin(async move {
            let identity = self.core()?.patients.get(file)?.identity;
            Ok(identity
                .qualified_ins()
                .and_then(|q| PatientMailbox::for_patient(&q).ok())
                .map(|p| p.address().clone()))
        })
    }

    fn send(&self, request: MssSendRequest) -> BoxFuture<'_, Result<MssSendOutcome, HostError>> {
        Box::pin(async move { self.core()?.mss_send(self, request).await })
    }

    fn sync(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move { self.core()?.mss_sync(self).await })
    }

    fn received(&self) -> BoxFuture<'_, Result<Vec<MssReceivedMessage>, HostError>> {
        Box::pin(async move { Ok(lock(&self.core()?.mss.inbox).clone()) })
    }

    fn delivery<'a>(
        &'a self,
        message_id: &'a str,
    ) -> BoxFuture<'a, Result<MssDelivery, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let status = core
                .outbox()?
                .status(message_id)
                .map_err(|e| failed("send queue", e))?
                .ok_or_else(|| HostError::failed(format!("no sent message {message_id}")))?;
            Ok(match status.state {
                MessageState::Queued => MssDelivery::Queued,
                MessageState::Sent => MssDelivery::Sent,
                MessageState::Delivered => MssDelivery::Delivered,
                MessageState::Read => MssDelivery::Read,
                _ => MssDelivery::Failed {
                    reason: status
                        .recipients
                        .iter()
                        .find(|r| r.state.is_failure())
                        .and_then(|r| r.explanation.clone().or_else(|| r.detail.clone()))
                        .or(status.entry.explanation.clone())
                        .or(status.entry.last_error.clone())
                        .unwrap_or_else(|| "message non envoyé".into()),
                },
            })
        })
    }

    fn search_directory<'a>(
        &'a self,
        search: &'a Search,
    ) -> BoxFuture<'a, Result<Vec<DirectoryEntry>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let env = core.mss_environment()?;
            let access = env
                .settings
                .annuaire
                .clone()
                .ok_or_else(|| HostError::failed("no Annuaire Santé access configured"))?;
            let client = AnnuaireClient::new(
                access.base_url.clone(),
                access.api_key.clone(),
                core.tls(&env, None)?,
            )
            .map_err(|e| failed("Annuaire Santé client", e))?;
            client
                .search(search)
                .await
                .map_err(|e| failed("Annuaire Santé", e))
        })
    }

    fn traces(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        Box::pin(async move {
            self.core()?
                .audit
                .query(&AuditFilter::new().kind_prefix("mss."))
                .map_err(|e| failed("audit trail", e))
        })
    }
}
