//! Deliberately broken MSSanté hosts: the reference host with one MSSanté
//! fault each. Every one must make the `mss` scenario of the requirement it
//! breaks FAIL with a message that names the fault; the wrapper without a
//! fault passes them all.

use std::sync::{Arc, Mutex};

use segur_conformance::host::{
    BoxFuture, Documents, HostEnvironment, Lifecycle, Login, MssAccount, MssCredentials,
    MssDelivery, MssEnvironment, MssIntegration, MssReceivedDocument, MssReceivedMessage,
    MssSendOutcome, MssSendRequest, Mssante, Observations, PatientFileRef, PatientFiles,
    ReceivedFile, Security,
};
use segur_conformance::report::{ScenarioReport, Status};

use crate::harness;
use segur_conformance::{Host, HostError, HostInfo};
use segur_examples::ReferenceLgc;
use segur_mss::annuaire::fhir::{DirectoryEntry, Search};
use segur_mss::config::{Authentication, MailboxConfig, ServerSettings};
use segur_mss::mailbox::{INBOX, Mailbox};
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient};
use segur_mss::xdm::{
    DocumentToPack, PackOptions, ReadmeInfo, SubsetToWrite, XdmLimits, pack, read_archive, unpack,
    write_archive,
};
use segur_mss::{MailAddress, MailboxKind};
use segur_ssi::audit::AuditRecord;
use segur_ssi::tls::{ClientTlsBuilder, Identity as TlsIdentity, TrustEnvironment, TrustStore};

/// One MSSanté fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Sends documents without the X-MSS headers.
    OmitsMssHeaders,
    /// Files every received document in the first patient file.
    WrongPatientFile,
    /// Never pre-fills the patient's Mon espace santé address.
    NoPatientPrefill,
    /// Never processes delivery / read notifications.
    IgnoresNotifications,
    /// Shows the technical subject prefix and the XDM package.
    ShowsTechnicalParts,
    /// Keeps unsent messages in memory only: a restart loses them.
    DropsQueuedSends,
    /// Sends the form of an N1/N3 pair the user picked, without its twin.
    SendsN3Alone,
    /// Sends both forms of a pair but drops the XFRM association from
    /// METADATA.XML.
    DropsXfrm,
    /// None: the plain reference host behind the wrapper.
    None,
}

/// The reference host with one MSSanté fault. Faults that change what goes
/// on the wire use a mailbox of their own, built like the reference host's.
struct FaultyMss {
    inner: ReferenceLgc,
    fault: Fault,
    environment: Mutex<Option<MssEnvironment>>,
    own: Mutex<Vec<(Arc<Mailbox>, u32)>>,
    inbox: Mutex<Vec<MssReceivedMessage>>,
    /// The in-memory send queue of [`Fault::DropsQueuedSends`].
    queue: Mutex<Vec<segur_mss::message::OutgoingMessage>>,
}

impl FaultyMss {
    fn new(fault: Fault) -> Self {
        FaultyMss {
            inner: ReferenceLgc::new(),
            fault,
            environment: Mutex::new(None),
            own: Mutex::new(Vec::new()),
            inbox: Mutex::new(Vec::new()),
            queue: Mutex::new(Vec::new()),
        }
    }

    fn own_mailbox(&self, address: &MailAddress) -> Result<Arc<Mailbox>, HostError> {
        self.own
            .lock()
            .expect("test mutex")
            .iter()
            .find(|(m, _)| m.address() == address)
            .map(|(m, _)| m.clone())
            .ok_or_else(|| HostError::failed(format!("no mailbox {address}")))
    }

    /// Sends like the reference host; with [`Fault::OmitsMssHeaders`] every
    /// `X-MSS-*` header is stripped, with [`Fault::DropsQueuedSends`] a
    /// message the operator cannot take now waits in memory.
    async fn send_own(&self, request: MssSendRequest) -> Result<MssSendOutcome, HostError> {
        let mailbox = self.own_mailbox(&request.from)?;
        let mut docs = Vec::new();
        let mut refs = request.documents.clone();
        if self.fault == Fault::DropsXfrm {
            // Both forms, as separate documents.
            for d in &request.documents {
                let view = self
                    .inner
                    .observations()
                    .expect("observations")
                    .document_view(d)
                    .await?;
                for f in view.forms {
                    if !refs.contains(&f) {
                        refs.push(f);
                    }
                }
            }
        }
        for d in &refs {
            docs.push(DocumentToPack {
                cda: Documents::content(&self.inner, d).await?,
                entry: Default::default(),
                pdf: None,
                action: None,
            });
        }
        let mut packed = pack(
            docs,
            &PackOptions {
                source_id: segur_ids::Oid::parse("1.2.250.1.999.2.9").expect("OID literal"),
                content_type_code: segur_cda::xds::XdsCode::new(
                    "04",
                    "1.2.250.1.213.1.1.4.12",
                    "Consultation",
                ),
                readme: ReadmeInfo {
                    sender: "faulty".into(),
                    contact: "faulty".into(),
                    software: "faulty".into(),
                },
                now: time::OffsetDateTime::now_utc(),
            },
        )
        .map_err(|e| HostError::failed(e.to_string()))?;
        if self.fault == Fault::DropsXfrm {
            packed.zip = without_xfrm(&packed.zip);
        }
        let p = packed.patient.clone();
        let to = match &request.to {
            segur_conformance::host::MssRecipient::Correspondent(a) => {
                Recipient::address(a.clone()).map_err(|e| HostError::failed(e.to_string()))?
            }
            _ => return Err(HostError::failed("faulty host: correspondents only")),
        };
        let mut msg = MessageBuilder::new(request.from.clone(), "FAULTY")
            .to(to)
            .text(request.text.clone())
            .documents(
                packed.zip,
                packed.documents,
                MessagePatient {
                    family_name: p.family_name.clone().unwrap_or_default(),
                    given_name: p.given_names.clone().unwrap_or_default(),
                    birth_date: p.birth_date.expect("birth date"),
                    file_number: None,
                    ins_qualified: p.ins.is_some(),
                    key: p.key(),
                },
            )
            .build(time::OffsetDateTime::now_utc())
            .map_err(|e| HostError::failed(e.to_string()))?;
        if self.fault == Fault::OmitsMssHeaders {
            let text = String::from_utf8_lossy(&msg.bytes).into_owned();
            let (head, body) = text.split_once("\r\n\r\n").expect("header block");
            let head: Vec<&str> = head
                .split("\r\n")
                .filter(|l| !l.to_ascii_uppercase().starts_with("X-MSS-"))
                .collect();
            msg.bytes = format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes();
        }
        match mailbox.send(&msg).await {
            Ok(_) => Ok(MssSendOutcome::Sent {
                message_id: msg.message_id,
            }),
            Err(e) if self.fault == Fault::DropsQueuedSends => {
                let id = msg.message_id.clone();
                self.queue.lock().expect("test mutex").push(msg);
                Ok(MssSendOutcome::Queued {
                    message_id: id,
                    reason: e.to_string(),
                })
            }
            Err(e) => Err(HostError::failed(e.to_string())),
        }
    }

    /// Sends what waits in memory ([`Fault::DropsQueuedSends`]).
    async fn flush_memory_queue(&self) -> Result<(), HostError> {
        let queued: Vec<_> = self.queue.lock().expect("test mutex").drain(..).collect();
        for msg in queued {
            let mailbox = self.own_mailbox(&msg.from)?;
            if mailbox.send(&msg).await.is_err() {
                self.queue.lock().expect("test mutex").push(msg);
            }
        }
        Ok(())
    }

    /// Reads the own mailboxes and imports every document in the first file.
    async fn sync_into_first_file(&self) -> Result<(), HostError> {
        let files = PatientFiles::list(&self.inner).await?;
        let first = files.first().cloned().expect("a patient file");
        let boxes: Vec<_> = self.own.lock().expect("test mutex").clone();
        for (mailbox, after) in boxes {
            let fetched = mailbox
                .fetch_new(INBOX, after)
                .await
                .map_err(|e| HostError::failed(e.to_string()))?;
            for m in fetched {
                let parsed = segur_mss::message::parse::parse_message(&m.raw)
                    .map_err(|e| HostError::failed(e.to_string()))?;
                let mut shown = MssReceivedMessage::new(
                    mailbox.address().clone(),
                    parsed.subject.clone().unwrap_or_default(),
                );
                shown.message_id = parsed.message_id.clone();
                for a in &parsed.attachments {
                    if a.filename.as_deref() != Some("IHE_XDM.zip") {
                        continue;
                    }
                    let xdm = unpack(&a.data, &XdmLimits::default())
                        .map_err(|e| HostError::failed(e.to_string()))?;
                    for d in xdm.documents {
                        let outcome = Documents::import(
                            &self.inner,
                            &first,
                            &ReceivedFile::new(d.uri.clone(), "text/xml", d.data.clone()),
                        )
                        .await?;
                        shown.documents.push(MssReceivedDocument::new(
                            d.uri,
                            MssIntegration::File {
                                file: first.clone(),
                                outcome,
                            },
                        ));
                    }
                }
                self.inbox.lock().expect("test mutex").push(shown);
                for (b, last) in self.own.lock().expect("test mutex").iter_mut() {
                    if b.address() == mailbox.address() {
                        *last = (*last).max(m.uid);
                    }
                }
            }
        }
        Ok(())
    }

    fn uses_own_mailboxes(&self) -> bool {
        matches!(
            self.fault,
            Fault::OmitsMssHeaders
                | Fault::WrongPatientFile
                | Fault::DropsQueuedSends
                | Fault::SendsN3Alone
                | Fault::DropsXfrm
        )
    }
}

impl Host for FaultyMss {
    fn info(&self) -> HostInfo {
        HostInfo::new(format!("faulty MSSanté host ({:?})", self.fault), "0")
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        *self.environment.lock().expect("test mutex") = None;
        self.own.lock().expect("test mutex").clear();
        self.inbox.lock().expect("test mutex").clear();
        self.inner.reset()
    }
    fn prepare(&self, env: HostEnvironment) {
        self.inner.prepare(env);
    }
    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        self.inner.patient_files()
    }
    fn documents(&self) -> Option<&dyn Documents> {
        self.inner.documents()
    }
    fn login(&self) -> Option<&dyn Login> {
        self.inner.login()
    }
    fn security(&self) -> Option<&dyn Security> {
        self.inner.security()
    }
    fn observations(&self) -> Option<&dyn Observations> {
        self.inner.observations()
    }
    fn lifecycle(&self) -> Option<&dyn Lifecycle> {
        if self.fault == Fault::DropsQueuedSends {
            return Some(self);
        }
        self.inner.lifecycle()
    }
    fn mssante(&self) -> Option<&dyn Mssante> {
        Some(self)
    }
}

/// A restart of [`Fault::DropsQueuedSends`]: the memory queue is lost.
impl Lifecycle for FaultyMss {
    fn restart(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            self.queue.lock().expect("test mutex").clear();
            match self.inner.lifecycle() {
                Some(l) => l.restart().await,
                None => Ok(()),
            }
        })
    }
}

impl Mssante for FaultyMss {
    fn configure(&self, environment: MssEnvironment) -> BoxFuture<'_, Result<(), HostError>> {
        *self.environment.lock().expect("test mutex") = Some(environment.clone());
        Mssante::configure(&self.inner, environment)
    }

    fn add_mailbox(&self, account: MssAccount) -> BoxFuture<'_, Result<ServerSettings, HostError>> {
        Box::pin(async move {
            let settings = Mssante::add_mailbox(&self.inner, account.clone()).await?;
            if self.uses_own_mailboxes() {
                let env = self
                    .environment
                    .lock()
                    .expect("test mutex")
                    .clone()
                    .expect("configured");
                let mut trust = TrustStore::new(TrustEnvironment::Test);
                trust
                    .add_pem(env.trust_roots_pem.as_bytes())
                    .expect("test roots");
                let mut tls = ClientTlsBuilder::new(trust);
                let auth = match &account.credentials {
                    MssCredentials::Certificate { chain_pem, key_pem } => {
                        tls = tls.with_identity(
                            TlsIdentity::from_pem(chain_pem.as_bytes(), key_pem.as_bytes())
                                .expect("test certificate"),
                        );
                        Authentication::certificate()
                    }
                    MssCredentials::ProSanteConnect(t) => Authentication::xoauth2(t.clone()),
                    _ => unreachable!("test credentials"),
                };
                let config = MailboxConfig::new(
                    account.address.clone(),
                    account.kind.clone(),
                    settings.clone(),
                    auth,
                    Arc::new(tls.build().expect("TLS")),
                );
                self.own
                    .lock()
                    .expect("test mutex")
                    .push((Arc::new(Mailbox::new(config)), 0));
            }
            Ok(settings)
        })
    }

    fn mailboxes(&self) -> BoxFuture<'_, Result<Vec<(MailAddress, MailboxKind)>, HostError>> {
        Mssante::mailboxes(&self.inner)
    }

    fn patient_address<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<MailAddress>, HostError>> {
        if self.fault == Fault::NoPatientPrefill {
            return Box::pin(async { Ok(None) });
        }
        Mssante::patient_address(&self.inner, file)
    }

    fn send(&self, request: MssSendRequest) -> BoxFuture<'_, Result<MssSendOutcome, HostError>> {
        if matches!(
            self.fault,
            Fault::OmitsMssHeaders
                | Fault::DropsQueuedSends
                | Fault::SendsN3Alone
                | Fault::DropsXfrm
        ) {
            return Box::pin(self.send_own(request));
        }
        Mssante::send(&self.inner, request)
    }

    fn sync(&self) -> BoxFuture<'_, Result<(), HostError>> {
        if self.fault == Fault::WrongPatientFile {
            return Box::pin(self.sync_into_first_file());
        }
        if self.fault == Fault::DropsQueuedSends {
            return Box::pin(async move {
                self.flush_memory_queue().await?;
                Mssante::sync(&self.inner).await
            });
        }
        Mssante::sync(&self.inner)
    }

    fn received(&self) -> BoxFuture<'_, Result<Vec<MssReceivedMessage>, HostError>> {
        Box::pin(async move {
            if self.fault == Fault::WrongPatientFile {
                return Ok(self.inbox.lock().expect("test mutex").clone());
            }
            let mut shown = Mssante::received(&self.inner).await?;
            if self.fault == Fault::ShowsTechnicalParts {
                for m in &mut shown {
                    if !m.documents.is_empty() {
                        m.subject = format!("XDM/1.0/DDM+{}", m.subject);
                        m.attachments.push("IHE_XDM.zip".into());
                    }
                }
            }
            Ok(shown)
        })
    }

    fn delivery<'a>(
        &'a self,
        message_id: &'a str,
    ) -> BoxFuture<'a, Result<MssDelivery, HostError>> {
        Box::pin(async move {
            if self.fault == Fault::DropsQueuedSends
                && self
                    .queue
                    .lock()
                    .expect("test mutex")
                    .iter()
                    .any(|m| m.message_id == message_id)
            {
                return Ok(MssDelivery::Queued);
            }
            let state = Mssante::delivery(&self.inner, message_id).await?;
            if self.fault == Fault::IgnoresNotifications
                && matches!(state, MssDelivery::Delivered | MssDelivery::Read)
            {
                return Ok(MssDelivery::Sent);
            }
            Ok(state)
        })
    }

    fn search_directory<'a>(
        &'a self,
        search: &'a Search,
    ) -> BoxFuture<'a, Result<Vec<DirectoryEntry>, HostError>> {
        Mssante::search_directory(&self.inner, search)
    }

    fn traces(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        Mssante::traces(&self.inner)
    }
}

/// The package with its XFRM associations removed from METADATA.XML.
fn without_xfrm(zip: &[u8]) -> Vec<u8> {
    let archive = read_archive(zip, &XdmLimits::default()).expect("own package");
    let subsets: Vec<SubsetToWrite> = archive
        .subsets
        .iter()
        .map(|s| {
            let mut metadata = String::from_utf8(s.metadata.clone()).expect("UTF-8 metadata");
            let tag = format!(
                "<rim:Association associationType=\"{}\"",
                segur_cda::xds::ASSOCIATION_XFRM
            );
            while let Some(start) = metadata.find(&tag) {
                let end = start
                    + metadata[start..]
                        .find("</rim:Association>")
                        .expect("association end")
                    + "</rim:Association>".len();
                metadata.replace_range(start..end, "");
            }
            SubsetToWrite {
                name: s.name.clone(),
                metadata: metadata.into_bytes(),
                documents: s
                    .files
                    .iter()
                    .map(|f| (f.name.clone(), f.name.clone(), f.data.clone()))
                    .collect(),
            }
        })
        .collect();
    let readme = ReadmeInfo {
        sender: "faulty".into(),
        contact: "faulty".into(),
        software: "faulty".into(),
    };
    write_archive(&subsets, &readme, time::OffsetDateTime::now_utc()).expect("package")
}

fn run(fault: Fault, glob: &str) -> Vec<ScenarioReport> {
    harness::run(Arc::new(FaultyMss::new(fault)), glob)
}

/// Runs scenario `id` against the host with `fault` and expects it to fail
/// with a message containing `expected`.
fn expect_failure(fault: Fault, id: &str, expected: &str) {
    harness::expect_failure(Arc::new(FaultyMss::new(fault)), id, id, expected);
}

#[test]
fn the_mss_wrapper_alone_passes() {
    for s in run(Fault::None, "mss.*") {
        assert_eq!(s.status, Status::Passed, "{}: {:?}", s.id, s.failure);
    }
}

#[test]
fn omitted_x_mss_headers_fail() {
    expect_failure(
        Fault::OmitsMssHeaders,
        "mss.send.xdm-documents",
        "X-MSS-NIL (the software's product reference) is missing",
    );
}

#[test]
fn a_document_filed_in_the_wrong_patient_file_fails() {
    expect_failure(
        Fault::WrongPatientFile,
        "mss.receive.patient-matching",
        "should have been integrated as new into the file",
    );
}

#[test]
fn no_patient_address_prefilled_fails() {
    expect_failure(
        Fault::NoPatientPrefill,
        "mss.send.patient-mailbox",
        "recipient pre-filled from the qualified INS",
    );
}

#[test]
fn ignored_notifications_fail() {
    expect_failure(
        Fault::IgnoresNotifications,
        "mss.send.notifications",
        "status after the delivery notification",
    );
}

#[test]
fn dropped_queued_sends_fail() {
    expect_failure(
        Fault::DropsQueuedSends,
        "mss.send.queued-restart",
        "no sent message",
    );
}

#[test]
fn technical_parts_shown_fail() {
    expect_failure(
        Fault::ShowsTechnicalParts,
        "mss.receive.integration",
        "the subject shows the technical prefix",
    );
}

#[test]
fn an_n3_sent_without_its_n1_twin_fails() {
    expect_failure(
        Fault::SendsN3Alone,
        "mss.send.n1-n3-pair",
        "without its N1 twin",
    );
}

#[test]
fn a_pair_sent_without_the_xfrm_association_fails() {
    expect_failure(
        Fault::DropsXfrm,
        "mss.send.n1-n3-pair",
        "METADATA.XML has no urn:ihe:iti:2007:AssociationType:XFRM association",
    );
}
