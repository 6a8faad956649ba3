//! The MSSanté area of the host adapter (with `segur-mss`).
//!
//! The runner configures the host with an *environment* (where the test DNS,
//! AutoConfig servers and the Annuaire Santé are, which roots to trust) and
//! the user's mailboxes — each given by its **address and credentials only**:
//! the host finds the operator's servers itself (SC.MSS/CONF.04). Scenarios
//! then act as the user would (send documents from a patient file, let the
//! host check its mailboxes, search the directory) and read what the host
//! shows (received messages and where their documents went, the status of
//! sent messages, the MSSanté traces).
//!
//! Every method has a default body returning [`HostError::NotImplemented`].
//! Time is read from the clock of [`Host::prepare`](super::Host::prepare).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use segur_mss::annuaire::fhir::{DirectoryEntry, Search};
use segur_mss::config::ServerSettings;
use segur_mss::{MailAddress, MailboxKind};
use segur_psc::TokenSource;
use segur_ssi::audit::AuditRecord;

use super::{BoxFuture, DocumentRef, HostError, ImportOutcome, PatientFileRef, not_implemented};

/// Where the host finds the MSSanté services of the (test) environment.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MssEnvironment {
    /// DNS servers to ask for the SRV records of mail domains (RFC 6186 /
    /// 8314). In production, the system resolver.
    pub dns_servers: Vec<SocketAddr>,
    /// Port of the AutoConfig HTTPS servers (`None`: 443). Tests only.
    pub autoconfig_port: Option<u16>,
    /// Trust anchors (PEM) for the operators, AutoConfig servers and the
    /// Annuaire Santé: the IGC-Santé test roots in a test environment.
    pub trust_roots_pem: String,
    /// The Annuaire Santé FHIR API, if reachable.
    pub annuaire: Option<AnnuaireAccess>,
}

impl MssEnvironment {
    /// An environment without directory.
    pub fn new(dns_servers: Vec<SocketAddr>, trust_roots_pem: impl Into<String>) -> Self {
        MssEnvironment {
            dns_servers,
            autoconfig_port: None,
            trust_roots_pem: trust_roots_pem.into(),
            annuaire: None,
        }
    }

    /// Sets the AutoConfig port.
    pub fn autoconfig_port(mut self, port: u16) -> Self {
        self.autoconfig_port = Some(port);
        self
    }

    /// Sets the Annuaire Santé access.
    pub fn annuaire(mut self, access: AnnuaireAccess) -> Self {
        self.annuaire = Some(access);
        self
    }
}

/// The Annuaire Santé FHIR API and the editor's API key (`ESANTE-API-KEY`).
#[derive(Clone)]
#[non_exhaustive]
pub struct AnnuaireAccess {
    /// Base URL of the FHIR API.
    pub base_url: String,
    /// The API key.
    pub api_key: String,
}

impl AnnuaireAccess {
    /// An access.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        AnnuaireAccess {
            base_url: base_url.into(),
            api_key: api_key.into(),
        }
    }
}

impl fmt::Debug for AnnuaireAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnnuaireAccess")
            .field("base_url", &self.base_url)
            .field("api_key", &"[redacted]")
            .finish()
    }
}

/// How the user authenticates to the operator (SC.MSS/CONF.03).
#[derive(Clone)]
#[non_exhaustive]
pub enum MssCredentials {
    /// A CPS or organisation authentication certificate (TLS client
    /// certificate, SASL `EXTERNAL`).
    Certificate {
        /// The certificate chain, PEM.
        chain_pem: String,
        /// The private key, PEM (PKCS #8).
        key_pem: String,
    },
    /// The professional's Pro Santé Connect session: tokens for the MSSanté
    /// audience (`XOAUTH2` / `OAUTHBEARER`).
    ProSanteConnect(Arc<dyn TokenSource>),
}

impl fmt::Debug for MssCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MssCredentials::Certificate { .. } => f.write_str("Certificate([redacted])"),
            MssCredentials::ProSanteConnect(_) => f.write_str("ProSanteConnect(..)"),
        }
    }
}

/// One mailbox of the user, as they would enter it: the address, its type
/// and how they authenticate. No server name or port.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MssAccount {
    /// The address.
    pub address: MailAddress,
    /// Personal, organisational, applicative…
    pub kind: MailboxKind,
    /// Credentials.
    pub credentials: MssCredentials,
}

impl MssAccount {
    /// An account.
    pub fn new(address: MailAddress, kind: MailboxKind, credentials: MssCredentials) -> Self {
        MssAccount {
            address,
            kind,
            credentials,
        }
    }
}

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MssRecipient {
    /// A professional or organisation address.
    Correspondent(MailAddress),
    /// The patient's Mon espace santé mailbox: the host writes the address
    /// itself from the patient file (qualified INS only, SC.MSS/UX.32).
    Patient,
}

/// What the user asks the host to send from a patient file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MssSendRequest {
    /// The sending mailbox.
    pub from: MailAddress,
    /// The recipient.
    pub to: MssRecipient,
    /// The patient file the documents belong to.
    pub file: PatientFileRef,
    /// Documents of that file to attach (an N1/N3 pair goes together).
    pub documents: Vec<DocumentRef>,
    /// The text of the message.
    pub text: String,
    /// The user ticked "accusé de réception / de lecture".
    pub receipts: bool,
}

impl MssSendRequest {
    /// A request without receipts.
    pub fn new(
        from: MailAddress,
        to: MssRecipient,
        file: PatientFileRef,
        documents: Vec<DocumentRef>,
        text: impl Into<String>,
    ) -> Self {
        MssSendRequest {
            from,
            to,
            file,
            documents,
            text: text.into(),
            receipts: false,
        }
    }

    /// Asks for delivery and read notifications.
    pub fn with_receipts(mut self) -> Self {
        self.receipts = true;
        self
    }
}

/// What became of a send request, as the user is told at once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MssSendOutcome {
    /// Accepted by the operator.
    Sent {
        /// The `Message-ID` (with angle brackets).
        message_id: String,
    },
    /// Kept in the host's send queue (operator unreachable…); sent later
    /// by [`Mssante::sync`], even after a restart.
    Queued {
        /// The `Message-ID` (with angle brackets).
        message_id: String,
        /// Why it is not sent yet, as shown to the user.
        reason: String,
    },
    /// Not sent; the reason as shown to the user (refused by the operator,
    /// patient mailbox without a qualified INS…).
    Refused {
        /// The reason.
        reason: String,
    },
}

/// The status of a sent message, as the host shows it (SC.MSS/CONF.16/28).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MssDelivery {
    /// Still in the send queue.
    Queued,
    /// Accepted by the operator; no notification yet.
    Sent,
    /// A delivery notification (DSN) was received.
    Delivered,
    /// A read notification (MDN `displayed`) was received.
    Read,
    /// Failed (bounce, refusal, integration error); the reason shown.
    Failed {
        /// The reason, as shown to the user.
        reason: String,
    },
}

/// The patient information a received message carries, as shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MssPatientInfo {
    /// Birth family name.
    pub family_name: Option<String>,
    /// Given name(s).
    pub given_names: Option<String>,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// The INS matricule carried (the NIR), if any.
    pub ins: Option<String>,
}

/// Where a received document went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MssIntegration {
    /// Handled in a patient file (integrated, new version, already held or
    /// refused there).
    File {
        /// The patient file.
        file: PatientFileRef,
        /// What the file did with it.
        outcome: ImportOutcome,
    },
    /// The patient is not identified for sure: the user must choose among
    /// these files (possibly none) before integration.
    AwaitingPatient {
        /// Files proposed for visual comparison.
        candidates: Vec<PatientFileRef>,
    },
    /// Not integrated (unreadable package…); the reason shown.
    Refused {
        /// The reason.
        reason: String,
    },
}

/// A document of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MssReceivedDocument {
    /// Title or type label shown.
    pub title: String,
    /// Where it went.
    pub integration: MssIntegration,
}

impl MssReceivedDocument {
    /// A received document.
    pub fn new(title: impl Into<String>, integration: MssIntegration) -> Self {
        MssReceivedDocument {
            title: title.into(),
            integration,
        }
    }
}

/// A received message as the user sees it in the host's MSSanté screen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MssReceivedMessage {
    /// The mailbox it arrived in.
    pub mailbox: MailAddress,
    /// Its `Message-ID`.
    pub message_id: Option<String>,
    /// The sender's address.
    pub from: Option<MailAddress>,
    /// Sent from a patient's Mon espace santé mailbox (provenance shown).
    pub from_patient: bool,
    /// The subject as displayed (without technical prefix).
    pub subject: String,
    /// The attachments shown (technical XDM files hidden).
    pub attachments: Vec<String>,
    /// Attachments withheld (antivirus…), with the reason shown.
    pub withheld: Vec<String>,
    /// The patient information carried, as shown.
    pub patient: Option<MssPatientInfo>,
    /// The documents carried and where they went.
    pub documents: Vec<MssReceivedDocument>,
}

impl MssReceivedMessage {
    /// A message of `mailbox` with this displayed subject; the other fields
    /// are empty, to be set.
    pub fn new(mailbox: MailAddress, subject: impl Into<String>) -> Self {
        MssReceivedMessage {
            mailbox,
            message_id: None,
            from: None,
            from_patient: false,
            subject: subject.into(),
            attachments: Vec::new(),
            withheld: Vec::new(),
            patient: None,
            documents: Vec::new(),
        }
    }
}

/// MSSanté actions of the host (mailboxes, sending, reception and
/// integration into patient files, notifications, directory, traces).
pub trait Mssante: Send + Sync {
    /// Configures where the MSSanté services are and which roots to trust.
    fn configure(&self, environment: MssEnvironment) -> BoxFuture<'_, Result<(), HostError>> {
        let _ = environment;
        not_implemented("mssante.configure")
    }

    /// Adds a mailbox of the user: the host discovers the operator's
    /// servers from the address (SC.MSS/CONF.04) and returns them.
    fn add_mailbox(&self, account: MssAccount) -> BoxFuture<'_, Result<ServerSettings, HostError>> {
        let _ = account;
        not_implemented("mssante.add_mailbox")
    }

    /// The user's mailboxes, as the host lists them.
    fn mailboxes(&self) -> BoxFuture<'_, Result<Vec<(MailAddress, MailboxKind)>, HostError>> {
        not_implemented("mssante.mailboxes")
    }

    /// The recipient the host pre-fills when the user writes to the patient
    /// of `file` (their Mon espace santé address), or `None` when it may not.
    fn patient_address<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Option<MailAddress>, HostError>> {
        let _ = file;
        not_implemented("mssante.patient_address")
    }

    /// Sends documents of a patient file as the user asked.
    fn send(&self, request: MssSendRequest) -> BoxFuture<'_, Result<MssSendOutcome, HostError>> {
        let _ = request;
        not_implemented("mssante.send")
    }

    /// The host's periodic MSSanté work, as it runs in the background: send
    /// what is queued, fetch new messages of every mailbox, integrate their
    /// documents, process notifications. Resolves when done.
    fn sync(&self) -> BoxFuture<'_, Result<(), HostError>> {
        not_implemented("mssante.sync")
    }

    /// The received messages, oldest first, as the user sees them.
    fn received(&self) -> BoxFuture<'_, Result<Vec<MssReceivedMessage>, HostError>> {
        not_implemented("mssante.received")
    }

    /// The status of a sent message (by `Message-ID`).
    fn delivery<'a>(
        &'a self,
        message_id: &'a str,
    ) -> BoxFuture<'a, Result<MssDelivery, HostError>> {
        let _ = message_id;
        not_implemented("mssante.delivery")
    }

    /// Searches the Annuaire Santé for correspondents and their MSSanté
    /// addresses (every address, with its type).
    fn search_directory<'a>(
        &'a self,
        search: &'a Search,
    ) -> BoxFuture<'a, Result<Vec<DirectoryEntry>, HostError>> {
        let _ = search;
        not_implemented("mssante.search_directory")
    }

    /// The MSSanté traces the user can consult (actions and flows), oldest
    /// first.
    fn traces(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        not_implemented("mssante.traces")
    }
}
