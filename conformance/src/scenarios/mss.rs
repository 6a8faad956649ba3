//! Suite `mss`: MSSanté secure messaging, against the `segur_mss::sim`
//! operator simulators ([`MssSim`]): two operators on loopback (IMAP + SMTP
//! submission over TLS with a test IGC-Santé PKI), a test DNS serving the SRV
//! records of the first one, an AutoConfig server describing the second one,
//! and an Annuaire Santé FHIR fake. Every message the host submits, every
//! message delivered to it and every directory request is recorded as
//! evidence; the checks read the raw messages the operators accepted
//! (headers, `IHE_XDM.zip` content, attachments), never the host's word.
//!
//! The host is given only the addresses and credentials of its mailboxes
//! ([`MssAccount`]): it must find the servers from the address.
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `mss.connection.autoconfig-certificate` | SC.MSS/CONF.04, CONF.01, CONF.03, CONF.07, CONF.08 | the servers are found from the address (DNS SRV); every connection is TLS 1.2+ from its first byte (read from the wire); the host authenticates with a CPS certificate, reads by IMAP and submits by SMTP |
//! | `mss.connection.several-operators` | SC.MSS/CONF.22, CONF.27, CONF.03, CONF.05 | personal, organisational and applicative mailboxes on two operators found differently (SRV with implicit TLS, AutoConfig with STARTTLS), authenticated by certificate and by Pro Santé Connect token; each one sends and receives; the STARTTLS connections follow the standard sequence (greeting, capabilities, STARTTLS, credentials only under TLS 1.2+), read from the wire |
//! | `mss.connection.reopen` | SC.MSS/CONF.06 | sessions the operator ends (`BYE`) or cuts are reopened without the user |
//! | `mss.send.xdm-documents` | SC.MSS/CONF.10, CONF.11, CONF.14, CONF.15, UX.01 | a document sent from the patient file travels as `IHE_XDM.zip` (the host's exact CDA, METADATA with the INS), with the X-MSS headers, the conventional subject and the PDF named by the rule |
//! | `mss.send.identity-not-qualified` | SC.MSS/CONF.11, CONF.15 | for a non-qualified identity, `X-MSS-INS: N` and no INS anywhere in the package |
//! | `mss.send.patient-mailbox` | SC.MSS/UX.32, CONF.21 | the patient's Mon espace santé address is pre-filled only from a qualified INS; the message closes the exchange (`X-MSS-MES: FIN`) |
//! | `mss.send.notifications` | SC.MSS/CONF.16 | receipts are requested (DSN and `Disposition-Notification-To`); the delivery and read notifications move the message to delivered then read |
//! | `mss.send.operator-rejection` | SC.MSS/CONF.28 | a bounce (closed patient mailbox) turns the message to failed with a reason the user understands |
//! | `mss.send.queued-restart` | SC.MSS/CONF.08, CONF.28 | a message sent while the operator is unreachable is queued (reason shown), survives a restart of the host, and is submitted exactly once when the operator is back |
//! | `mss.send.n1-n3-pair` | SC.CDA/DD.13 | a structured document the host produced with its N1 twin, sent once from the file, arrives as exactly one message whose package holds both forms (the host's exact bytes, one subset), the N1 carrying XFRM to the N3's id and METADATA.XML an XFRM association from the N1 entry to the N3 entry; the replacement of the pair sends both new forms together, each with RPLC to its previous version (CDA and metadata), still linked by XFRM |
//! | `mss.receive.integration` | SC.MSS/UX.31, UX.25, UX.28, UX.05, CONF.07 | a received document lands in the patient's file with its exact bytes; the user sees the subject without prefix, no XDM technical file, the sender and the patient information; a patient's message shows as such |
//! | `mss.receive.patient-matching` | SC.MSS/UX.02 | a document goes to the file of its patient (INS), never to another; when the local identity is not qualified it waits for the user, with the file matching the traits proposed |
//! | `mss.receive.new-version` | SC.MSS/UX.39, UX.05 | a new version (RPLC) replaces the held one; a copy already held is not integrated twice |
//! | `mss.receive.antivirus` | SC.MSS/UX.25, SC.SSI/GEN.08 | an infected attachment is withheld and never shown; the clean documents are still integrated |
//! | `mss.directory.search` | SC.MSS/CONF.20, SENTINELLE.10 | a correspondent is found in the Annuaire Santé by RPPS and by name, with every MSSanté address and its type |
//! | `mss.traces.consult` | SC.MSS/CONF.17, CONF.18, UX.37 | sending, receiving and integrating are traced (who, which message, which patient) and the user can consult the traces |

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use segur_cda::Document;
use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::datatypes::Code;
use segur_cda::versions::DocumentPair;
use segur_cda::vocab::{DocumentType, code_system};
use segur_cda::volets::samples::{Richness, medical_summary};
use segur_cda::xds::{ASSOCIATION_RPLC, ASSOCIATION_XFRM, XdsCode};
use segur_ids::{Oid, Rpps};
use segur_ins::{Identity, IdentityStatus};
use segur_mss::annuaire::fhir::Search;
use segur_mss::autoconfig::dns::SrvRecord;
use segur_mss::config::{Security, ServerSettings};
use segur_mss::message::mdn::{Disposition, build_mdn};
use segur_mss::message::parse::{ParsedMessage, parse_message};
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient, XDM_FILE_NAME};
use segur_mss::sim::directory::{
    AnnuaireFake, AutoconfigFake, DnsFake, practitioner, practitioner_role,
};
use segur_mss::sim::{OperatorSimulator, PatientMailboxState, Submission, TokenValidator};
use segur_mss::xdm::{DocumentToPack, PackOptions, ReadmeInfo, Unpacked, XdmLimits, pack, unpack};
use segur_mss::{MailAddress, MailboxKind, PatientMailbox};
use segur_psc::{AccessToken, StaticTokenSource};
use segur_ssi::antivirus::EICAR;
use segur_ssi::test_pki::TestCert;
use time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::support::{ALICE, BRUNO, CLAIRE, DENIS, Held, Person, fetch, patient_file};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{
    AnnuaireAccess, DocumentRef, DocumentRequest, ImportOutcome, MssAccount, MssCredentials,
    MssDelivery, MssEnvironment, MssIntegration, MssReceivedMessage, MssRecipient, MssSendOutcome,
    MssSendRequest, Mssante, PatientFileRef, ReceivedFile, StructuredContent, StructuredRequest,
};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, Payload, Registry, RunContext, Scenario};

/// Domain of the first operator (found by DNS SRV, implicit TLS).
pub const CABINET_DOMAIN: &str = "cabinet-conformite.mssante.fr";
/// Domain of the second operator (found by AutoConfig, STARTTLS).
pub const HOPITAL_DOMAIN: &str = "hopital-essai.mssante.fr";
/// The professional's personal mailbox (CPS certificate).
pub const PERSONAL: &str = "jean.medecin-test@cabinet-conformite.mssante.fr";
/// The practice's organisational mailbox (Pro Santé Connect token).
pub const ORGANISATIONAL: &str = "secretariat@cabinet-conformite.mssante.fr";
/// An applicative mailbox of the practice at the second operator.
pub const APPLICATIVE: &str = "lgc-conformite@hopital-essai.mssante.fr";
/// The correspondent (a cardiologist at the second operator).
pub const CORRESPONDENT: &str = "nadia.cardio-test@hopital-essai.mssante.fr";
/// The professional's idNat_PS (the RPPS `10003612545` of `practice`).
pub const PROFESSIONAL: &str = "810003612545";
/// The Pro Santé Connect token the simulated session gives for MSSanté.
const PSC_TOKEN: &str = "psc-mssante-token-conformite";
/// The Annuaire Santé API key of the test environment.
pub const ANNUAIRE_API_KEY: &str = "conformance-annuaire-key";
/// The correspondent's RPPS in the directory (valid Luhn key).
const CORRESPONDENT_RPPS: &str = "10009999995";
/// The `X-MSS-NIL` of the messages the simulated correspondents send.
const SIM_NIL: &str = "SEGUR-RS-CONFORMANCE";

/// The first bytes of one connection through a [`Gate`], each way: enough
/// to read the clear-text phase (greeting, capabilities, `STARTTLS`) and the
/// first TLS records.
#[derive(Debug, Clone, Default)]
struct Transcript {
    client: Vec<u8>,
    server: Vec<u8>,
}

/// Bytes kept per direction and connection.
const TRANSCRIPT_LIMIT: usize = 4096;

type Transcripts = Arc<Mutex<Vec<Transcript>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Copies one direction, keeping the first bytes in the transcript.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    log: Transcripts,
    index: usize,
    client: bool,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(t) = lock(&log).get_mut(index) {
            let side = if client { &mut t.client } else { &mut t.server };
            let room = TRANSCRIPT_LIMIT.saturating_sub(side.len());
            side.extend_from_slice(&buf[..n.min(room)]);
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A TCP relay in front of an operator port: it keeps the first bytes of
/// each connection (to check the clear-text phase and that TLS follows), and
/// the scenario can cut it to play an unreachable operator.
struct Gate {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    transcripts: Transcripts,
    task: JoinHandle<()>,
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Gate {
    async fn start(target: SocketAddr) -> Result<Gate, Failure> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Failure::service(format!("relay: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::service(format!("relay: {e}")))?;
        let open = Arc::new(AtomicBool::new(true));
        let transcripts: Transcripts = Arc::default();
        let gate = open.clone();
        let log = transcripts.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if !gate.load(Ordering::SeqCst) {
                    // Unreachable operator: the connection dies at once.
                    drop(inbound);
                    continue;
                }
                let log = log.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let index = {
                        let mut all = lock(&log);
                        all.push(Transcript::default());
                        all.len() - 1
                    };
                    let (client_read, client_write) = inbound.into_split();
                    let (server_read, server_write) = outbound.into_split();
                    tokio::join!(
                        pump(client_read, server_write, log.clone(), index, true),
                        pump(server_read, client_write, log, index, false),
                    );
                });
            }
        });
        Ok(Gate {
            addr,
            open,
            transcripts,
            task,
        })
    }

    fn transcripts(&self) -> Vec<Transcript> {
        lock(&self.transcripts).clone()
    }
}

/// Where the first TLS record (handshake, `0x16 0x03`) starts.
fn tls_start(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == [0x16, 0x03])
}

/// The clear-text phase of a transcript and whether TLS followed with a
/// record version of TLS 1.2 or later.
fn clear_phase(t: &Transcript) -> (String, String, bool) {
    let c = tls_start(&t.client);
    let s = tls_start(&t.server);
    let client = String::from_utf8_lossy(&t.client[..c.unwrap_or(t.client.len())]).into_owned();
    let server = String::from_utf8_lossy(&t.server[..s.unwrap_or(t.server.len())]).into_owned();
    // The server's first record carries the negotiated version (0x0303 for
    // TLS 1.2, and for TLS 1.3 by its legacy field).
    let modern = match (c, s) {
        (Some(_), Some(i)) => t.server.get(i + 1..i + 3) == Some(&[0x03, 0x03][..]),
        _ => false,
    };
    (client, server, modern)
}

/// The MSSanté environment of a scenario: two operators, DNS, AutoConfig,
/// Annuaire Santé; everything the host submits is recorded.
pub struct MssSim {
    env: ServiceEnv,
    cabinet: OperatorSimulator,
    hopital: OperatorSimulator,
    dns: DnsFake,
    autoconfig: AutoconfigFake,
    annuaire: AnnuaireFake,
    imap_gate: Gate,
    smtp_gate: Gate,
    hopital_imap_gate: Gate,
    hopital_smtp_gate: Gate,
    personal_cert: TestCert,
    recorded: Mutex<(usize, usize, usize)>,
}

impl std::fmt::Debug for MssSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MssSim")
            .field("cabinet", &self.cabinet)
            .field("hopital", &self.hopital)
            .finish_non_exhaustive()
    }
}

fn address(s: &str) -> ScenarioResult<MailAddress> {
    s.parse()
        .map_err(|e| Failure::internal(format!("address {s}: {e}")))
}

/// A message from the practitioner's personal mailbox to the correspondent
/// carrying `documents` of `file`.
fn to_correspondent(
    file: PatientFileRef,
    documents: Vec<DocumentRef>,
    text: &str,
) -> ScenarioResult<MssSendRequest> {
    Ok(MssSendRequest::new(
        address(PERSONAL)?,
        MssRecipient::Correspondent(address(CORRESPONDENT)?),
        file,
        documents,
        text,
    ))
}

fn sim_err(what: &str) -> impl Fn(segur_mss::Error) -> Failure + '_ {
    move |e| Failure::service(format!("{what}: {e}"))
}

/// The Mon espace santé address of a fictitious person.
fn patient_address(person: &Person) -> ScenarioResult<MailAddress> {
    address(&format!(
        "{}@{}",
        person.ins()?.matricule(),
        segur_mss::PATIENT_DOMAIN
    ))
}

fn srv(port: u16) -> Vec<SrvRecord> {
    vec![SrvRecord {
        priority: 0,
        weight: 1,
        port,
        target: "localhost".into(),
        ttl: 3600,
    }]
}

fn directory() -> ScenarioResult<Vec<serde_json::Value>> {
    Ok(vec![
        practitioner(
            "pr-cardio",
            CORRESPONDENT_RPPS,
            "CARDIO-TEST",
            "Nadia",
            &[(address(CORRESPONDENT)?, MailboxKind::Personal)],
        ),
        practitioner_role(
            "role-cardio",
            "pr-cardio",
            &[(
                address("cardiologie@hopital-essai.mssante.fr")?,
                MailboxKind::Organisational,
            )],
        ),
        practitioner(
            "pr-homonyme",
            "10000001916",
            "CARDIO-TEST",
            "Paul",
            &[(
                address("paul.cardio-test@medecin.mssante.fr")?,
                MailboxKind::Personal,
            )],
        ),
    ])
}

impl SimulatedService for MssSim {
    const NAME: &'static str = "mss-operator";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let clock: segur_psc::SharedClock = Arc::new(env.clock().clone());
        let validator: TokenValidator =
            Arc::new(|token: &str| (token == PSC_TOKEN).then(|| PROFESSIONAL.to_owned()));
        let cabinet = OperatorSimulator::builder()
            .account(address(PERSONAL)?, MailboxKind::Personal)
            .account(address(ORGANISATIONAL)?, MailboxKind::Organisational)
            .authorize(PROFESSIONAL, address(PERSONAL)?)
            .authorize(PROFESSIONAL, address(ORGANISATIONAL)?)
            .token_validator(validator.clone())
            .patient_mailbox(patient_address(&ALICE)?, PatientMailboxState::Open)
            .patient_mailbox(patient_address(&DENIS)?, PatientMailboxState::Closed)
            .clock(clock.clone())
            .start()
            .await
            .map_err(sim_err("first operator"))?;
        let hopital = OperatorSimulator::builder()
            .account(address(APPLICATIVE)?, MailboxKind::Applicative)
            .account(address(CORRESPONDENT)?, MailboxKind::Personal)
            .authorize(PROFESSIONAL, address(APPLICATIVE)?)
            .token_validator(validator)
            .clock(clock)
            .pki(cabinet.pki().clone())
            .start()
            .await
            .map_err(sim_err("second operator"))?;
        // The first operator is reached through relays the scenario can cut.
        let port =
            |e: segur_mss::config::ServerEndpoint| SocketAddr::from(([127, 0, 0, 1], e.port));
        let imap_gate = Gate::start(port(cabinet.imap_endpoint(Security::ImplicitTls))).await?;
        let smtp_gate = Gate::start(port(cabinet.smtp_endpoint(Security::ImplicitTls))).await?;
        let dns = DnsFake::start().await.map_err(sim_err("test DNS"))?;
        dns.set_srv(
            &format!("_imaps._tcp.{CABINET_DOMAIN}"),
            srv(imap_gate.addr.port()),
        );
        dns.set_srv(
            &format!("_submissions._tcp.{CABINET_DOMAIN}"),
            srv(smtp_gate.addr.port()),
        );
        let autoconfig = AutoconfigFake::start()
            .await
            .map_err(sim_err("AutoConfig server"))?;
        let hopital_imap_gate =
            Gate::start(port(hopital.imap_endpoint(Security::StartTls))).await?;
        let hopital_smtp_gate =
            Gate::start(port(hopital.smtp_endpoint(Security::StartTls))).await?;
        autoconfig.set_document(
            HOPITAL_DOMAIN,
            &format!(
                r#"<clientConfig version="1.1"><emailProvider id="{HOPITAL_DOMAIN}">
<incomingServer type="imap"><hostname>localhost</hostname><port>{}</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>localhost</hostname><port>{}</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication></outgoingServer>
</emailProvider></clientConfig>"#,
                hopital_imap_gate.addr.port(),
                hopital_smtp_gate.addr.port()
            ),
        );
        let annuaire = AnnuaireFake::start(ANNUAIRE_API_KEY, directory()?, 2)
            .await
            .map_err(sim_err("Annuaire Santé"))?;
        let rpps =
            Rpps::parse(PRACTICE_RPPS).map_err(|e| Failure::internal(format!("RPPS: {e}")))?;
        let personal_cert = cabinet
            .pki()
            .issue_personal(&rpps, "MEDECIN-TEST", "Jean", "Médecin")
            .map_err(|e| Failure::service(format!("CPS certificate: {e}")))?;
        Ok(MssSim {
            env,
            cabinet,
            hopital,
            dns,
            autoconfig,
            annuaire,
            imap_gate,
            smtp_gate,
            hopital_imap_gate,
            hopital_smtp_gate,
            personal_cert,
            recorded: Mutex::new((0, 0, 0)),
        })
    }
}

/// The RPPS of the professional of the practice (idNat_PS `8` + RPPS).
const PRACTICE_RPPS: &str = "10003612545";

impl MssSim {
    /// The first operator (the practice's mailboxes).
    pub fn cabinet(&self) -> &OperatorSimulator {
        &self.cabinet
    }

    /// The second operator (hospital, correspondent, applicative mailbox).
    pub fn hopital(&self) -> &OperatorSimulator {
        &self.hopital
    }

    /// The environment the host is configured with.
    pub fn environment(&self) -> MssEnvironment {
        MssEnvironment::new(vec![self.dns.addr()], self.cabinet.pki().root_pem())
            .autoconfig_port(self.autoconfig.port())
            .annuaire(AnnuaireAccess::new(
                self.annuaire.base_url(),
                ANNUAIRE_API_KEY,
            ))
    }

    /// The professional's personal mailbox, with their CPS certificate.
    pub fn personal_account(&self) -> ScenarioResult<MssAccount> {
        Ok(MssAccount::new(
            address(PERSONAL)?,
            MailboxKind::Personal,
            MssCredentials::Certificate {
                chain_pem: self.personal_cert.chain_pem(),
                key_pem: self.personal_cert.key_pem().to_string(),
            },
        ))
    }

    /// A mailbox opened with the professional's Pro Santé Connect session.
    pub fn psc_account(&self, mailbox: &str, kind: MailboxKind) -> ScenarioResult<MssAccount> {
        Ok(MssAccount::new(
            address(mailbox)?,
            kind,
            MssCredentials::ProSanteConnect(Arc::new(StaticTokenSource::for_all(
                AccessToken::new(PSC_TOKEN),
            ))),
        ))
    }

    /// Makes the first operator unreachable (`false`) or reachable again.
    pub fn set_reachable(&self, reachable: bool) {
        self.imap_gate.open.store(reachable, Ordering::SeqCst);
        self.smtp_gate.open.store(reachable, Ordering::SeqCst);
        if !reachable {
            self.cabinet.cut_connections();
        }
    }

    /// Every message submitted to either operator, recorded as evidence.
    pub fn submissions(&self) -> Vec<Submission> {
        self.record();
        let mut all = self.cabinet.submissions();
        all.extend(self.hopital.submissions());
        all
    }

    /// Delivers `raw` into `mailbox` (at the operator holding it) as a
    /// message from outside, and records it.
    pub fn deliver(&self, mailbox: &MailAddress, raw: Vec<u8>) -> ScenarioResult {
        let operator = if mailbox.domain() == HOPITAL_DOMAIN {
            &self.hopital
        } else {
            &self.cabinet
        };
        self.env.record_exchange(
            &format!("deliver to the INBOX of {mailbox}"),
            Payload::new("message/rfc822", raw.clone()),
            None,
        );
        operator
            .deliver(mailbox, raw)
            .map(|_| ())
            .or_fail(&format!("the simulator holds no mailbox {mailbox}"))
    }

    /// Records the submissions and directory requests not recorded yet.
    pub fn record(&self) {
        let mut seen = self
            .recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (i, operator) in [&self.cabinet, &self.hopital].into_iter().enumerate() {
            let subs = operator.submissions();
            let done = if i == 0 { &mut seen.0 } else { &mut seen.1 };
            for s in subs.iter().skip(*done) {
                self.env.record_exchange(
                    &format!(
                        "SMTP submission by {} MAIL FROM:<{}> RCPT TO:<{}>",
                        s.user,
                        s.from,
                        s.recipients.join(">,<")
                    ),
                    Payload::new("message/rfc822", s.raw.clone()),
                    Some(Payload::text("250 accepted")),
                );
            }
            *done = subs.len();
        }
        let requests = self.annuaire.requests();
        for r in requests.iter().skip(seen.2) {
            self.env.record_exchange(
                &format!("GET {r}"),
                Payload::text(format!("GET {r}\nESANTE-API-KEY: [redacted]")),
                None,
            );
        }
        seen.2 = requests.len();
    }

    /// The first bytes of every connection to the first operator (implicit
    /// TLS) and to the second one (STARTTLS), by protocol, recorded as
    /// evidence.
    fn connections(&self) -> Vec<(&'static str, bool, Transcript)> {
        let mut out = Vec::new();
        for (label, starttls, gate) in [
            ("IMAP (implicit TLS)", false, &self.imap_gate),
            ("SMTP submission (implicit TLS)", false, &self.smtp_gate),
            ("IMAP (STARTTLS)", true, &self.hopital_imap_gate),
            ("SMTP submission (STARTTLS)", true, &self.hopital_smtp_gate),
        ] {
            for (i, t) in gate.transcripts().into_iter().enumerate() {
                let (client, server, _) = clear_phase(&t);
                self.env.record_exchange(
                    &format!("{label} connection {} (clear-text phase)", i + 1),
                    Payload::text(format!(
                        "{client}[then {} bytes of TLS]",
                        t.client.len() - client.len()
                    )),
                    Some(Payload::text(format!(
                        "{server}[then {} bytes of TLS]",
                        t.server.len() - server.len()
                    ))),
                );
                out.push((label, starttls, t));
            }
        }
        out
    }

    /// The directory requests received.
    pub fn directory_requests(&self) -> Vec<String> {
        self.record();
        self.annuaire.requests()
    }
}

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("mss", "MSSanté")?;
    {
        let mut g = suite.group("connection", "Connection to the operators")?;
        g.add(
            Scenario::new(
                "autoconfig-certificate",
                "The mailbox is configured from its address and opened with a CPS certificate over TLS",
                autoconfig_certificate,
            )
            .requirements([
                "SC.MSS/CONF.04",
                "SC.MSS/CONF.01",
                "SC.MSS/CONF.03",
                "SC.MSS/CONF.07",
                "SC.MSS/CONF.08",
            ]),
        )?;
        g.add(
            Scenario::new(
                "several-operators",
                "Several mailboxes on two operators, by certificate and by Pro Santé Connect",
                several_operators,
            )
            .requirements([
                "SC.MSS/CONF.22",
                "SC.MSS/CONF.27",
                "SC.MSS/CONF.03",
                "SC.MSS/CONF.05",
            ]),
        )?;
        g.add(
            Scenario::new(
                "reopen",
                "Sessions closed by the operator are reopened without the user",
                reopen,
            )
            .requirement("SC.MSS/CONF.06"),
        )?;
    }
    {
        let mut g = suite.group("send", "Sending")?;
        g.add(
            Scenario::new(
                "xdm-documents",
                "A document sent from the patient file follows the MSSanté conventions",
                xdm_documents,
            )
            .requirements([
                "SC.MSS/CONF.10",
                "SC.MSS/CONF.11",
                "SC.MSS/CONF.14",
                "SC.MSS/CONF.15",
                "SC.MSS/UX.01",
            ]),
        )?;
        g.add(
            Scenario::new(
                "identity-not-qualified",
                "A document of a non-qualified identity carries no INS",
                identity_not_qualified,
            )
            .requirements(["SC.MSS/CONF.11", "SC.MSS/CONF.15"]),
        )?;
        g.add(
            Scenario::new(
                "patient-mailbox",
                "Writing to the patient's Mon espace santé mailbox",
                patient_mailbox,
            )
            .requirements(["SC.MSS/UX.32", "SC.MSS/CONF.21"]),
        )?;
        g.add(
            Scenario::new(
                "notifications",
                "Delivery and read notifications are requested and processed",
                notifications,
            )
            .requirement("SC.MSS/CONF.16"),
        )?;
        g.add(
            Scenario::new(
                "operator-rejection",
                "A bounce is shown as a failure with a clear reason",
                operator_rejection,
            )
            .requirement("SC.MSS/CONF.28"),
        )?;
        g.add(
            Scenario::new(
                "queued-restart",
                "A message sent while the operator is unreachable survives a restart and is sent once",
                queued_restart,
            )
            .requirements(["SC.MSS/CONF.08", "SC.MSS/CONF.28"]),
        )?;
        g.add(
            Scenario::new(
                "n1-n3-pair",
                "The N1 and N3 forms of a document are sent together by MSSanté, linked by XFRM, and replaced together",
                n1_n3_pair,
            )
            .requirement("SC.CDA/DD.13"),
        )?;
    }
    {
        let mut g = suite.group("receive", "Reception")?;
        g.add(
            Scenario::new(
                "integration",
                "A received document lands in the patient file; the message is shown without technical parts",
                receive_integration,
            )
            .requirements([
                "SC.MSS/UX.31",
                "SC.MSS/UX.25",
                "SC.MSS/UX.28",
                "SC.MSS/UX.05",
                "SC.MSS/CONF.07",
            ]),
        )?;
        g.add(
            Scenario::new(
                "patient-matching",
                "Received documents go to the right patient file only",
                patient_matching,
            )
            .requirement("SC.MSS/UX.02"),
        )?;
        g.add(
            Scenario::new(
                "new-version",
                "A received new version replaces the held one; duplicates are not integrated",
                new_version,
            )
            .requirements(["SC.MSS/UX.39", "SC.MSS/UX.05"]),
        )?;
        g.add(
            Scenario::new("antivirus", "An infected attachment is withheld", antivirus)
                .requirements(["SC.MSS/UX.25", "SC.SSI/GEN.08"]),
        )?;
    }
    suite.group("directory", "Annuaire Santé")?.add(
        Scenario::new(
            "search",
            "Correspondents' MSSanté addresses are found in the Annuaire Santé",
            directory_search,
        )
        .requirements(["SC.MSS/CONF.20", "SENTINELLE.10"]),
    )?;
    suite.group("traces", "Traces")?.add(
        Scenario::new(
            "consult",
            "MSSanté actions and flows are traced and can be consulted",
            traces,
        )
        .requirements(["SC.MSS/CONF.17", "SC.MSS/CONF.18", "SC.MSS/UX.37"]),
    )?;
    Ok(())
}

// ---------------------------------------------------------------- helpers

/// Starts the environment, configures the host and adds the personal mailbox.
async fn setup(ctx: &RunContext) -> ScenarioResult<(Arc<MssSim>, &dyn Mssante, ServerSettings)> {
    let mss = ctx.mssante()?;
    let sim = ctx.service::<MssSim>().await?;
    let env = sim.environment();
    ctx.step("configure the host's MSSanté environment", async {
        Ok(mss.configure(env).await?)
    })
    .await?;
    let account = sim.personal_account()?;
    let settings = ctx
        .step(
            format!("add the personal mailbox {PERSONAL} (address and CPS certificate only)"),
            async { Ok(mss.add_mailbox(account).await?) },
        )
        .await?;
    Ok((sim, mss, settings))
}

fn consultation() -> ScenarioResult<Code> {
    DocumentType::lookup("11488-4", code_system::LOINC.as_str())
        .map(DocumentType::to_code)
        .or_fail("document type 11488-4")
}

/// Has the host produce a consultation report in `file`.
async fn produce(ctx: &RunContext, file: &PatientFileRef) -> ScenarioResult<DocumentRef> {
    let docs = ctx.documents()?;
    let request = DocumentRequest::new(
        consultation()?,
        "Compte rendu de consultation",
        ctx.now() - Duration::hours(2),
    )
    .paragraph("Consultation de suivi, examen clinique sans particularité.");
    ctx.step("the professional writes a consultation report", async {
        Ok(docs.produce(file, &request).await?)
    })
    .await
}

async fn send(
    ctx: &RunContext,
    mss: &dyn Mssante,
    what: &str,
    request: MssSendRequest,
) -> ScenarioResult<MssSendOutcome> {
    ctx.step(what.to_owned(), async { Ok(mss.send(request).await?) })
        .await
}

fn sent_id(outcome: MssSendOutcome) -> ScenarioResult<String> {
    match outcome {
        MssSendOutcome::Sent { message_id } => Ok(message_id),
        other => Err(Failure::check(format!(
            "the operator is reachable: the message should have been sent, the host answered {other:?}"
        ))),
    }
}

async fn sync(ctx: &RunContext, mss: &dyn Mssante, why: &str) -> ScenarioResult {
    ctx.step(format!("the host checks its mailboxes ({why})"), async {
        Ok(mss.sync().await?)
    })
    .await
}

async fn received(ctx: &RunContext, mss: &dyn Mssante) -> ScenarioResult<Vec<MssReceivedMessage>> {
    ctx.step("read the host's MSSanté inbox", async {
        Ok(mss.received().await?)
    })
    .await
}

/// The one submission with this Message-ID.
fn submission_of(sim: &MssSim, message_id: &str) -> ScenarioResult<Submission> {
    let all = sim.submissions();
    let subs: Vec<Submission> = all
        .iter()
        .filter(|s| header(&s.raw, "Message-ID").as_deref() == Some(message_id))
        .cloned()
        .collect();
    match subs.len() {
        1 => subs.into_iter().next().or_fail("the submission"),
        0 => Err(Failure::check(format!(
            "no operator received the message {message_id} the host reported as sent (received: {:?})",
            all.iter()
                .map(|s| header(&s.raw, "Message-ID").unwrap_or_default())
                .collect::<Vec<_>>()
        ))),
        n => Err(Failure::check(format!(
            "the operators received the message {message_id} {n} times instead of once"
        ))),
    }
}

/// The unfolded value of a header of a raw message (first occurrence).
fn header(raw: &[u8], name: &str) -> Option<String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut value: Option<String> = None;
    for line in text.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_owned());
            }
        }
    }
    value.map(|v| v.trim().to_owned())
}

fn parsed(sub: &Submission) -> ScenarioResult<ParsedMessage> {
    parse_message(&sub.raw)
        .map_err(|e| Failure::check(format!("the submitted message is not readable: {e}")))
}

/// The `IHE_XDM.zip` of a message, unpacked and checked against its metadata.
fn xdm_of(msg: &ParsedMessage) -> ScenarioResult<Unpacked> {
    let zips: Vec<_> = msg
        .attachments
        .iter()
        .filter(|a| a.filename.as_deref() == Some(XDM_FILE_NAME))
        .collect();
    ensure_eq("number of IHE_XDM.zip attachments", 1, zips.len())?;
    let zip = zips.first().or_fail("IHE_XDM.zip")?;
    unpack(&zip.data, &XdmLimits::default())
        .map_err(|e| Failure::check(format!("IHE_XDM.zip is not a valid XDM package: {e}")))
}

/// A CDA N1 document written by a correspondent about `identity` (its INS
/// only when the identity is qualified at the sender).
fn correspondent_document(ctx: &RunContext, identity: &Identity) -> ScenarioResult<Document> {
    let ipp = format!("IPP-{}", identity.traits().birth_family_name().as_str());
    let patient = PatientBuilder::from_identity(identity)
        .local_id(&Oid::parse("1.2.250.1.999.77.2").or_fail("IPP root")?, &ipp)
        .build()
        .map_err(|e| Failure::internal(format!("patient: {e}")))?;
    HeaderBuilder::for_practice(
        consultation()?,
        "Compte rendu de consultation de cardiologie",
        &segur_cda::samples::practitioner(),
        patient,
        ctx.now() - Duration::days(1),
        ctx.clock(),
        ctx.ids(),
    )
    .build_n1(segur_cda::NonXmlBody::pdf(segur_cda::samples::simple_pdf(
        &["Compte rendu de cardiologie", "Echocardiographie normale."],
    )))
    .map_err(|e| Failure::internal(format!("correspondent's document: {e}")))
}

/// A message from `from` to `to` carrying `documents` in an XDM package,
/// plus `extra` attachments.
fn xdm_message(
    ctx: &RunContext,
    from: &str,
    to: &str,
    documents: &[&Document],
    identity: &Identity,
    extra: Vec<(&str, Vec<u8>)>,
) -> ScenarioResult<Vec<u8>> {
    let packed = pack(
        documents
            .iter()
            .map(|d| DocumentToPack {
                cda: d.to_xml(),
                entry: Default::default(),
                pdf: None,
                action: None,
            })
            .collect::<Vec<_>>(),
        &PackOptions {
            source_id: Oid::parse("1.2.250.1.999.77.1").or_fail("source OID")?,
            content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
            readme: ReadmeInfo {
                sender: from.into(),
                contact: from.into(),
                software: SIM_NIL.into(),
            },
            now: ctx.now(),
        },
    )
    .map_err(|e| Failure::internal(format!("XDM package: {e}")))?;
    let traits = identity.traits();
    let patient = MessagePatient {
        family_name: traits.birth_family_name().as_str().to_owned(),
        given_name: traits.first_given_name().as_str().to_owned(),
        birth_date: traits.birth_date().date(),
        file_number: None,
        ins_qualified: identity.qualified_ins().is_some(),
        key: packed.patient.key(),
    };
    let mut b = MessageBuilder::new(address(from)?, SIM_NIL)
        .to(Recipient::address(address(to)?).map_err(|e| Failure::internal(e.to_string()))?)
        .text("Bonjour, veuillez trouver le compte rendu ci-joint. Confraternellement.")
        .documents(packed.zip, packed.documents, patient);
    for (name, data) in extra {
        b = b.attachment(name, "application/octet-stream", data);
    }
    Ok(b.build(ctx.now())
        .map_err(|e| Failure::internal(format!("message: {e}")))?
        .bytes)
}

/// The message of `inbox` with this Message-ID.
fn message_with<'a>(
    inbox: &'a [MssReceivedMessage],
    raw: &[u8],
) -> ScenarioResult<&'a MssReceivedMessage> {
    let id = header(raw, "Message-ID").or_fail("Message-ID of the delivered message")?;
    inbox
        .iter()
        .find(|m| m.message_id.as_deref() == Some(id.as_str()))
        .ok_or_else(|| {
            Failure::check(format!(
                "the message {id} delivered to the mailbox is not shown by the host after a check ({} message(s) shown)",
                inbox.len()
            ))
        })
}

/// The document the host says it integrated (new) in `file`.
fn integrated_in(msg: &MssReceivedMessage, file: &PatientFileRef) -> ScenarioResult<DocumentRef> {
    ensure_eq("documents shown in the message", 1, msg.documents.len())?;
    let doc = msg.documents.first().or_fail("the document")?;
    match &doc.integration {
        MssIntegration::File {
            file: f,
            outcome: ImportOutcome::Integrated(d),
        } if f == file => Ok(d.clone()),
        other => Err(Failure::check(format!(
            "the received document should have been integrated as new into the file {file}, the host shows {other:?}"
        ))),
    }
}

/// Checks the host's file holds exactly `cda` as `document`.
async fn holds(
    ctx: &RunContext,
    file: &PatientFileRef,
    document: &DocumentRef,
    cda: &[u8],
) -> ScenarioResult {
    let docs = ctx.documents()?;
    let listed = docs.list(file).await?;
    ensure(
        listed.contains(document),
        format!("the patient file {file} does not list the integrated document {document}"),
    )?;
    let held = fetch(docs, document).await?;
    ensure(
        held.xml == cda,
        format!("the document {document} held by the host differs from the CDA received"),
    )
}

// ---------------------------------------------------------------- connection

async fn autoconfig_certificate(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, settings) = setup(&ctx).await?;
    ctx.evidence()
        .note("discovered-settings", format!("{settings:#?}"));
    ctx.step(
        "the servers found are the operator's, from its DNS SRV records, over TLS",
        async {
            ensure_eq(
                "IMAP port (from _imaps._tcp)",
                sim.imap_gate.addr.port(),
                settings.imap.port,
            )?;
            ensure_eq(
                "SMTP submission port (from _submissions._tcp)",
                sim.smtp_gate.addr.port(),
                settings.smtp.port,
            )?;
            ensure_eq(
                "IMAP security",
                Security::ImplicitTls,
                settings.imap.security,
            )?;
            ensure_eq(
                "SMTP security",
                Security::ImplicitTls,
                settings.smtp.security,
            )
        },
    )
    .await?;
    // Sending: SMTP submission authenticated by the certificate.
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    let outcome = send(
        &ctx,
        mss,
        "send the report to the cardiologist",
        to_correspondent(
            file.clone(),
            vec![doc],
            "Chère consœur, voici le compte rendu.",
        )?,
    )
    .await?;
    let id = sent_id(outcome)?;
    ctx.step(
        "the operator accepted it by SMTP submission, authenticated by the CPS certificate",
        async {
            let sub = submission_of(&sim, &id)?;
            ensure_eq(
                "authenticated user (certificate subject)",
                PROFESSIONAL,
                sub.user.as_str(),
            )?;
            ensure_eq("MAIL FROM", PERSONAL, sub.from.as_str())?;
            ensure_eq("RCPT TO", vec![CORRESPONDENT.to_owned()], sub.recipients)
        },
    )
    .await?;
    // Reading: IMAP, same authentication.
    let raw = MessageBuilder::new(address(CORRESPONDENT)?, SIM_NIL)
        .to(Recipient::address(address(PERSONAL)?).map_err(|e| Failure::internal(e.to_string()))?)
        .subject("Avis de cardiologie")
        .text("Bonjour, je vous confirme le rendez-vous.")
        .build(ctx.now())
        .map_err(|e| Failure::internal(e.to_string()))?
        .bytes;
    sim.deliver(&address(PERSONAL)?, raw.clone())?;
    sync(&ctx, mss, "a message arrived").await?;
    let inbox = received(&ctx, mss).await?;
    ctx.step("the message read by IMAP is shown", async {
        let msg = message_with(&inbox, &raw)?;
        ensure_eq("mailbox", PERSONAL, msg.mailbox.as_str())?;
        ensure_eq("subject", "Avis de cardiologie", msg.subject.as_str())?;
        let stats = sim.cabinet().stats();
        ensure(
            stats.imap_logins >= 1 && stats.smtp_logins >= 1,
            format!("the operator saw {stats:?}: expected IMAP and SMTP logins"),
        )
    })
    .await?;
    ctx.step(
        "every connection was TLS from its first byte, TLS 1.2 or later",
        async {
            let connections = sim.connections();
            ensure(
                connections.len() >= 2,
                format!("{} connection(s) seen", connections.len()),
            )?;
            for (label, _, t) in &connections {
                ensure(
                    tls_start(&t.client) == Some(0),
                    format!(
                        "{label}: the host sent {:?} in clear instead of a TLS handshake",
                        String::from_utf8_lossy(&t.client[..t.client.len().min(40)])
                    ),
                )?;
                ensure(clear_phase(t).2, format!("{label}: TLS older than 1.2"))?;
            }
            Ok(())
        },
    )
    .await
}

/// Checks the clear-text phase of STARTTLS connections: the server's
/// greeting, the client's capability request and `STARTTLS`, nothing else —
/// above all no credentials — before TLS 1.2+.
fn standard_sequence(label: &str, t: &Transcript) -> ScenarioResult {
    let (client, server, modern) = clear_phase(t);
    let upper = client.to_ascii_uppercase();
    let imap = label.starts_with("IMAP");
    let (greeting, capability) = if imap {
        ("* OK", "CAPABILITY")
    } else {
        ("220", "EHLO")
    };
    ensure(
        server.starts_with(greeting),
        format!("{label}: the server's greeting is {server:?}"),
    )?;
    let starttls = upper.find("STARTTLS").ok_or_else(|| {
        Failure::check(format!(
            "{label}: the host never asked STARTTLS (clear text sent: {client:?})"
        ))
    })?;
    if !imap {
        ensure(
            upper.find(capability).is_some_and(|p| p < starttls),
            format!("{label}: no {capability} before STARTTLS (clear text sent: {client:?})"),
        )?;
    }
    for secret in ["AUTHENTICATE", "LOGIN ", "AUTH "] {
        ensure(
            !upper.contains(secret),
            format!("{label}: credentials ({secret}) sent before TLS: {client:?}"),
        )?;
    }
    ensure(
        modern,
        format!("{label}: no TLS 1.2+ session after STARTTLS"),
    )
}

async fn several_operators(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let org = sim.psc_account(ORGANISATIONAL, MailboxKind::Organisational)?;
    let app = sim.psc_account(APPLICATIVE, MailboxKind::Applicative)?;
    ctx.step(
        format!("add the organisational mailbox {ORGANISATIONAL} (Pro Santé Connect)"),
        async { Ok(mss.add_mailbox(org).await?) },
    )
    .await?;
    let hopital = ctx
        .step(
            format!(
                "add the applicative mailbox {APPLICATIVE} at another operator (Pro Santé Connect)"
            ),
            async { Ok(mss.add_mailbox(app).await?) },
        )
        .await?;
    ctx.step(
        "the second operator's servers come from its AutoConfig document (STARTTLS)",
        async {
            ensure_eq(
                "IMAP port",
                sim.hopital_imap_gate.addr.port(),
                hopital.imap.port,
            )?;
            ensure_eq(
                "SMTP port",
                sim.hopital_smtp_gate.addr.port(),
                hopital.smtp.port,
            )?;
            ensure_eq("IMAP security", Security::StartTls, hopital.imap.security)?;
            ensure_eq("SMTP security", Security::StartTls, hopital.smtp.security)
        },
    )
    .await?;
    let listed = ctx
        .step("the host lists the user's mailboxes", async {
            Ok(mss.mailboxes().await?)
        })
        .await?;
    ctx.step("the three mailboxes are listed with their type", async {
        for (a, kind) in [
            (PERSONAL, MailboxKind::Personal),
            (ORGANISATIONAL, MailboxKind::Organisational),
            (APPLICATIVE, MailboxKind::Applicative),
        ] {
            ensure(
                listed.iter().any(|(m, k)| m.as_str() == a && *k == kind),
                format!("the mailbox {a} ({kind:?}) is not listed: {listed:?}"),
            )?;
        }
        Ok(())
    })
    .await?;
    // Each mailbox sends and receives.
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    let mut raws = Vec::new();
    for from in [PERSONAL, ORGANISATIONAL, APPLICATIVE] {
        let outcome = send(
            &ctx,
            mss,
            &format!("send the report from {from}"),
            MssSendRequest::new(
                address(from)?,
                MssRecipient::Correspondent(address(CORRESPONDENT)?),
                file.clone(),
                vec![doc.clone()],
                "Bonjour, voici le compte rendu.",
            ),
        )
        .await?;
        let id = sent_id(outcome)?;
        ctx.step(
            format!("{from}: the operator received the message"),
            async {
                let sub = submission_of(&sim, &id)?;
                ensure_eq("MAIL FROM", from, sub.from.as_str())?;
                let expected_user = if from == PERSONAL { PROFESSIONAL } else { from };
                ensure_eq("authenticated user", expected_user, sub.user.as_str())
            },
        )
        .await?;
        let raw = MessageBuilder::new(address(CORRESPONDENT)?, SIM_NIL)
            .to(Recipient::address(address(from)?).map_err(|e| Failure::internal(e.to_string()))?)
            .subject(format!("Réponse pour {from}"))
            .text("Bien reçu.")
            .build(ctx.now())
            .map_err(|e| Failure::internal(e.to_string()))?
            .bytes;
        sim.deliver(&address(from)?, raw.clone())?;
        raws.push((from, raw));
    }
    sync(&ctx, mss, "a message arrived in each mailbox").await?;
    let inbox = received(&ctx, mss).await?;
    ctx.step("each message is shown in its own mailbox", async {
        for (mailbox, raw) in &raws {
            let msg = message_with(&inbox, raw)?;
            ensure_eq("mailbox of the message", *mailbox, msg.mailbox.as_str())?;
        }
        Ok(())
    })
    .await?;
    ctx.step(
        "the STARTTLS connections follow the standard sequence, credentials only under TLS",
        async {
            let starttls: Vec<_> = sim
                .connections()
                .into_iter()
                .filter(|(_, starttls, _)| *starttls)
                .collect();
            for proto in ["IMAP", "SMTP"] {
                ensure(
                    starttls.iter().any(|(l, _, _)| l.starts_with(proto)),
                    format!("no {proto} connection to the second operator"),
                )?;
            }
            for (label, _, t) in &starttls {
                standard_sequence(label, t)?;
            }
            Ok(())
        },
    )
    .await
}

async fn reopen(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    sync(&ctx, mss, "opens the session").await?;
    let before = sim.cabinet().stats().imap_logins;
    ctx.step(
        "the operator ends every session (BYE), then a message arrives",
        async { Ok(()) },
    )
    .await?;
    sim.cabinet().kill_sessions();
    let mut raws = Vec::new();
    for (i, cut) in [false, true].into_iter().enumerate() {
        if cut {
            sim.cabinet().cut_connections();
        }
        let raw = MessageBuilder::new(address(CORRESPONDENT)?, SIM_NIL)
            .to(Recipient::address(address(PERSONAL)?)
                .map_err(|e| Failure::internal(e.to_string()))?)
            .subject(format!("Message {}", i + 1))
            .text("Bonjour.")
            .build(ctx.now())
            .map_err(|e| Failure::internal(e.to_string()))?
            .bytes;
        sim.deliver(&address(PERSONAL)?, raw.clone())?;
        sync(
            &ctx,
            mss,
            if cut {
                "after a network cut"
            } else {
                "after the operator closed the session"
            },
        )
        .await?;
        raws.push(raw);
    }
    let inbox = received(&ctx, mss).await?;
    ctx.step(
        "both messages were fetched on new sessions, without error shown to the user",
        async {
            for raw in &raws {
                message_with(&inbox, raw)?;
            }
            let after = sim.cabinet().stats().imap_logins;
            ensure(
                after > before,
                format!("the host did not open a new IMAP session ({before} then {after} logins)"),
            )
        },
    )
    .await
}

// ---------------------------------------------------------------- sending

async fn xdm_documents(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    let held = fetch(ctx.documents()?, &doc).await?;
    let outcome = send(
        &ctx,
        mss,
        "from the patient file, send the report to the cardiologist",
        to_correspondent(
            file.clone(),
            vec![doc.clone()],
            "Chère consœur, voici le compte rendu de consultation.",
        )?,
    )
    .await?;
    let id = sent_id(outcome)?;
    let sub = ctx
        .step("the operator received exactly one message", async {
            submission_of(&sim, &id)
        })
        .await?;
    let msg = parsed(&sub)?;
    let code = held
        .document
        .header
        .code
        .as_ref()
        .and_then(|c| c.code.clone())
        .or_fail("document type code")?;
    ctx.step("the X-MSS headers are set", async {
        let nil = header(&sub.raw, "X-MSS-NIL").unwrap_or_default();
        ensure(
            !nil.trim().is_empty(),
            "X-MSS-NIL (the software's product reference) is missing",
        )?;
        ensure_eq(
            "X-MSS-CODECDA",
            Some(code.clone()),
            header(&sub.raw, "X-MSS-CODECDA"),
        )?;
        ensure_eq(
            "X-MSS-INS (qualified identity)",
            Some("O".to_owned()),
            header(&sub.raw, "X-MSS-INS"),
        )
    })
    .await?;
    let traits = identity.traits();
    ctx.step("the subject follows XDM/1.0/DDM+<type> <NOM> <prénom> <date>", async {
        let subject = header(&sub.raw, "Subject").unwrap_or_default();
        let b = traits.birth_date().date();
        let date = format!(
            "{:02}/{:02}/{:04}",
            b.day(),
            u8::from(b.month()),
            b.year()
        );
        ensure(
            subject.starts_with("XDM/1.0/DDM+")
                && subject.contains(traits.birth_family_name().as_str())
                && subject.ends_with(&date),
            format!("subject {subject:?} does not follow the convention (expected XDM/1.0/DDM+… {} … {date})", traits.birth_family_name().as_str()),
        )
    })
    .await?;
    let xdm = ctx
        .step(
            "IHE_XDM.zip is a valid XDM package (metadata, hashes, sizes)",
            async { xdm_of(&msg) },
        )
        .await?;
    let ins = identity.qualified_ins().or_fail("qualified INS")?;
    ctx.step(
        "the package carries the host's exact document, and the INS in its metadata",
        async {
            ensure_eq("documents in the package", 1, xdm.documents.len())?;
            let d = xdm.documents.first().or_fail("the packed document")?;
            ensure(
                d.data == held.xml,
                "the CDA in IHE_XDM.zip differs from the document held by the host",
            )?;
            let (root, ext) = ins.ins().cda_id();
            ensure(
                d.entry.patient_id.contains(ext) && d.entry.patient_id.contains(root.as_str()),
                format!(
                    "the metadata patientId {:?} is not the INS {ext} ({root})",
                    d.entry.patient_id
                ),
            )?;
            ensure(xdm.readme.is_some(), "the package has no README.TXT")
        },
    )
    .await?;
    ctx.step(
        "the PDF rendering is attached next to the package, named by the rule",
        async {
            let pdfs: Vec<_> = msg
                .attachments
                .iter()
                .filter(|a| a.content_type == "application/pdf")
                .collect();
            ensure_eq("PDF attachments", 1, pdfs.len())?;
            let pdf = pdfs.first().or_fail("the PDF")?;
            let name = pdf.filename.clone().unwrap_or_default();
            let act = held
                .document
                .header
                .act_time()
                .and_then(|t| t.date())
                .or_fail("act date")?;
            let prefix = format!(
                "{:04}{:02}{:02}_",
                act.year(),
                u8::from(act.month()),
                act.day()
            );
            ensure(
                name.starts_with(&prefix)
                    && name.ends_with(".pdf")
                    && name.contains(traits.birth_family_name().as_str()),
                format!(
                    "PDF attachment named {name:?}: expected {prefix}<type>_<NOM>_<prénom>.pdf"
                ),
            )?;
            let embedded = match &held.document.body {
                segur_cda::Body::NonXml(n) => n.decode().into_owned(),
                _ => Vec::new(),
            };
            ensure(
                pdf.data == embedded,
                "the attached PDF is not the rendering embedded in the document",
            )
        },
    )
    .await
}

async fn identity_not_qualified(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    // The INS was retrieved from INSi but the identity was never checked
    // against an identity document: it may not be shared.
    let (file, _) = patient_file(&ctx, &BRUNO, IdentityStatus::Recuperee).await?;
    let doc = produce(&ctx, &file).await?;
    let outcome = send(
        &ctx,
        mss,
        "send the report of a patient whose identity is not qualified",
        to_correspondent(file, vec![doc], "Bonjour.")?,
    )
    .await?;
    let id = sent_id(outcome)?;
    let sub = submission_of(&sim, &id)?;
    let nir = BRUNO.ins()?.matricule().to_string();
    ctx.step("no INS travels, and the message does not claim one", async {
        ensure(
            header(&sub.raw, "X-MSS-INS").is_none_or(|v| v.eq_ignore_ascii_case("N")),
            format!(
                "X-MSS-INS is {:?} for an identity that is not qualified (expected N or absent)",
                header(&sub.raw, "X-MSS-INS")
            ),
        )?;
        ensure(
            header(&sub.raw, "X-MSS-NIL").is_some_and(|n| !n.trim().is_empty()),
            "X-MSS-NIL (the software's product reference) is missing",
        )?;
        let msg = parsed(&sub)?;
        let mut texts = vec![String::from_utf8_lossy(&sub.raw).into_owned()];
        for a in &msg.attachments {
            texts.push(String::from_utf8_lossy(&a.data).into_owned());
            if a.filename.as_deref() == Some(XDM_FILE_NAME) {
                for d in xdm_of(&msg)?.documents {
                    texts.push(d.entry.patient_id.clone());
                    texts.push(String::from_utf8_lossy(&d.data).into_owned());
                }
            }
        }
        ensure(
            !texts.iter().any(|t| t.contains(&nir)),
            format!("the message carries the NIR {nir} of an identity that is not qualified"),
        )
    })
    .await
}

async fn patient_mailbox(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (alice, alice_id) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let (claire, _) = patient_file(&ctx, &CLAIRE, IdentityStatus::Recuperee).await?;
    let q = alice_id.qualified_ins().or_fail("qualified INS")?;
    let expected = PatientMailbox::for_patient(&q)
        .map_err(|e| Failure::internal(format!("patient mailbox: {e}")))?
        .address()
        .clone();
    let prefilled = ctx
        .step("write to the patient (qualified identity)", async {
            Ok(mss.patient_address(&alice).await?)
        })
        .await?;
    ensure_eq(
        "recipient pre-filled from the qualified INS",
        Some(expected.clone()),
        prefilled,
    )?;
    let none = ctx
        .step(
            "write to a patient whose identity is not qualified",
            async { Ok(mss.patient_address(&claire).await?) },
        )
        .await?;
    ensure(
        none.is_none(),
        format!("the host pre-filled {none:?} without a qualified INS"),
    )?;
    let doc = produce(&ctx, &alice).await?;
    let outcome = send(
        &ctx,
        mss,
        "send the report to the patient's Mon espace santé mailbox",
        MssSendRequest::new(
            address(PERSONAL)?,
            MssRecipient::Patient,
            alice,
            vec![doc],
            "Bonjour, voici votre compte rendu.",
        ),
    )
    .await?;
    let id = sent_id(outcome)?;
    ctx.step(
        "the message reached the patient and closed the exchange",
        async {
            let sub = submission_of(&sim, &id)?;
            ensure_eq(
                "RCPT TO",
                vec![expected.as_str().to_owned()],
                sub.recipients.clone(),
            )?;
            ensure_eq(
                "X-MSS-MES",
                Some("FIN".to_owned()),
                header(&sub.raw, "X-MSS-MES").map(|v| v.to_uppercase()),
            )?;
            ensure(
                sim.cabinet().exchange_closed(&expected),
                "the operator did not record the exchange as closed",
            )?;
            ensure_eq(
                "messages in the patient's mailbox",
                1,
                sim.cabinet().messages(&expected, "INBOX").len(),
            )
        },
    )
    .await?;
    let refused = send(
        &ctx,
        mss,
        "try to send to the patient mailbox of the non-qualified identity",
        MssSendRequest::new(
            address(PERSONAL)?,
            MssRecipient::Patient,
            claire,
            Vec::new(),
            "Bonjour.",
        ),
    )
    .await?;
    ctx.step("the host refuses it", async {
        match refused {
            MssSendOutcome::Refused { reason } if !reason.trim().is_empty() => Ok(()),
            other => Err(Failure::check(format!(
                "a patient mailbox must come from a qualified INS; the host answered {other:?}"
            ))),
        }
    })
    .await
}

async fn delivery(ctx: &RunContext, mss: &dyn Mssante, id: &str) -> ScenarioResult<MssDelivery> {
    ctx.step(format!("read the status of {id}"), async {
        Ok(mss.delivery(id).await?)
    })
    .await
}

async fn notifications(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    let outcome = send(
        &ctx,
        mss,
        "send the report asking for receipts",
        to_correspondent(file, vec![doc], "Bonjour.")?.with_receipts(),
    )
    .await?;
    let id = sent_id(outcome)?;
    let sub = submission_of(&sim, &id)?;
    ctx.step("a read notification is requested", async {
        ensure(
            header(&sub.raw, "Disposition-Notification-To").is_some_and(|v| v.contains(PERSONAL)),
            "Disposition-Notification-To is missing or not the sender",
        )
    })
    .await?;
    // The simulator returns a DSN when the delivery receipt was requested
    // by SMTP (NOTIFY=SUCCESS).
    sync(&ctx, mss, "the delivery notification arrived").await?;
    let state = delivery(&ctx, mss, &id).await?;
    ensure_eq(
        "status after the delivery notification (DSN requested with NOTIFY=SUCCESS)",
        MssDelivery::Delivered,
        state,
    )?;
    let original =
        parse_message(&sub.raw).map_err(|e| Failure::internal(format!("original message: {e}")))?;
    let mdn = build_mdn(
        &original,
        &address(CORRESPONDENT)?,
        &Disposition::displayed(),
        SIM_NIL,
        ctx.now(),
    )
    .map_err(|e| Failure::internal(format!("MDN: {e}")))?;
    sim.deliver(&address(PERSONAL)?, mdn.bytes)?;
    sync(&ctx, mss, "the read notification arrived").await?;
    let state = delivery(&ctx, mss, &id).await?;
    ensure_eq(
        "status after the read notification",
        MssDelivery::Read,
        state,
    )
}

async fn operator_rejection(ctx: RunContext) -> ScenarioResult {
    let (_, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &DENIS, IdentityStatus::Qualifiee).await?;
    let q = identity.qualified_ins().or_fail("qualified INS")?;
    let mailbox = PatientMailbox::for_patient(&q)
        .map_err(|e| Failure::internal(format!("patient mailbox: {e}")))?
        .address()
        .clone();
    ensure_eq(
        "patient mailbox of the simulator (closed)",
        patient_address(&DENIS)?,
        mailbox,
    )?;
    let doc = produce(&ctx, &file).await?;
    let outcome = send(
        &ctx,
        mss,
        "send the report to a patient who closed their Mon espace santé",
        MssSendRequest::new(
            address(PERSONAL)?,
            MssRecipient::Patient,
            file,
            vec![doc],
            "Bonjour.",
        ),
    )
    .await?;
    let id = match outcome {
        MssSendOutcome::Sent { message_id } => message_id,
        MssSendOutcome::Refused { reason } => {
            // Refused at submission: acceptable when the reason is clear.
            return ensure(
                !reason.trim().is_empty(),
                "the refusal is shown without a reason",
            );
        }
        other => {
            return Err(Failure::check(format!(
                "the operator is reachable; the host answered {other:?}"
            )));
        }
    };
    sync(&ctx, mss, "the operator's bounce arrived").await?;
    let state = delivery(&ctx, mss, &id).await?;
    ctx.step("the message is shown as failed, with a reason", async {
        match &state {
            MssDelivery::Failed { reason } => {
                ensure(
                    reason.chars().filter(|c| c.is_alphabetic()).count() >= 10,
                    format!("the failure reason {reason:?} does not explain anything"),
                )?;
                ctx.evidence().note("failure-reason-shown", reason.clone());
                Ok(())
            }
            other => Err(Failure::check(format!(
                "after the bounce (mailbox closed, 5.2.1) the message shows as {other:?} instead of failed"
            ))),
        }
    })
    .await
}

async fn queued_restart(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let lifecycle = ctx.lifecycle()?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    sim.set_reachable(false);
    let outcome = send(
        &ctx,
        mss,
        "send the report while the operator is unreachable",
        to_correspondent(file, vec![doc], "Bonjour.")?,
    )
    .await?;
    let id = match outcome {
        MssSendOutcome::Queued { message_id, reason } => {
            ctx.evidence().note("queued-reason-shown", reason);
            message_id
        }
        other => {
            return Err(Failure::check(format!(
                "the operator is unreachable: the message must be kept in the send queue, the host answered {other:?}"
            )));
        }
    };
    ensure_eq(
        "status while unreachable",
        MssDelivery::Queued,
        delivery(&ctx, mss, &id).await?,
    )?;
    ctx.step("the software is closed and started again", async {
        Ok(lifecycle.restart().await?)
    })
    .await?;
    ensure_eq(
        "status after the restart",
        MssDelivery::Queued,
        delivery(&ctx, mss, &id).await?,
    )?;
    sim.set_reachable(true);
    // Past any retry back-off.
    ctx.clock().advance(StdDuration::from_secs(3600));
    sync(&ctx, mss, "the operator is reachable again").await?;
    sync(&ctx, mss, "once more").await?;
    ctx.step(
        "the operator received the queued message exactly once",
        async { submission_of(&sim, &id).map(|_| ()) },
    )
    .await?;
    let state = delivery(&ctx, mss, &id).await?;
    ensure(
        matches!(state, MssDelivery::Sent | MssDelivery::Delivered),
        format!("after sending, the status is {state:?}"),
    )
}

// ---------------------------------------------------------------- reception

async fn receive_integration(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = correspondent_document(&ctx, &identity)?;
    let cda = doc.to_xml();
    let raw = xdm_message(
        &ctx,
        CORRESPONDENT,
        PERSONAL,
        &[&doc],
        &identity,
        Vec::new(),
    )?;
    sim.deliver(&address(PERSONAL)?, raw.clone())?;
    // A patient writes from Mon espace santé.
    let q = identity.qualified_ins().or_fail("qualified INS")?;
    let patient = PatientMailbox::for_patient(&q)
        .map_err(|e| Failure::internal(e.to_string()))?
        .address()
        .clone();
    let from_patient = MessageBuilder::new(patient.clone(), "MES")
        .to(Recipient::address(address(PERSONAL)?).map_err(|e| Failure::internal(e.to_string()))?)
        .subject("Question sur mon traitement")
        .text("Bonjour docteur, dois-je continuer le traitement ?")
        .build(ctx.now())
        .map_err(|e| Failure::internal(e.to_string()))?
        .bytes;
    sim.deliver(&address(PERSONAL)?, from_patient.clone())?;
    sync(&ctx, mss, "two messages arrived").await?;
    let inbox = received(&ctx, mss).await?;
    let msg = message_with(&inbox, &raw)?;
    let traits = identity.traits();
    ctx.step("the message is shown without its technical parts", async {
        ensure(
            !msg.subject.contains("XDM/1.0/DDM"),
            format!("the subject shows the technical prefix: {:?}", msg.subject),
        )?;
        ensure(
            msg.subject.contains(traits.birth_family_name().as_str()),
            format!("the subject {:?} lost the patient's name", msg.subject),
        )?;
        ensure(
            !msg.attachments.iter().any(|a| {
                a.eq_ignore_ascii_case(XDM_FILE_NAME)
                    || a.to_uppercase().contains("METADATA")
                    || a.to_uppercase().contains("README")
            }),
            format!("XDM technical files are shown: {:?}", msg.attachments),
        )?;
        ensure(
            msg.attachments.iter().any(|a| a.ends_with(".pdf")),
            format!("the PDF attachment is not shown: {:?}", msg.attachments),
        )
    })
    .await?;
    ctx.step("the provenance and the patient carried are shown", async {
        ensure_eq(
            "sender",
            Some(CORRESPONDENT.to_owned()),
            msg.from.as_ref().map(|a| a.as_str().to_owned()),
        )?;
        ensure(
            !msg.from_patient,
            "a professional's message is shown as a patient's",
        )?;
        let p = msg.patient.clone().unwrap_or_default();
        ensure_eq(
            "patient family name shown",
            Some(traits.birth_family_name().as_str().to_owned()),
            p.family_name,
        )?;
        ensure_eq(
            "patient birth date shown",
            Some(traits.birth_date().date().to_string()),
            p.birth_date,
        )?;
        ensure_eq(
            "patient INS shown",
            Some(ALICE.ins()?.matricule().to_string()),
            p.ins,
        )?;
        let pm = message_with(&inbox, &from_patient)?;
        ensure(
            pm.from_patient,
            "a message from a Mon espace santé mailbox is not shown as coming from the patient",
        )
    })
    .await?;
    let integrated = ctx
        .step(
            "the document was integrated, as new, into the patient's file",
            async { integrated_in(msg, &file) },
        )
        .await?;
    ctx.step("the patient file holds the exact CDA received", async {
        holds(&ctx, &file, &integrated, &cda).await
    })
    .await
}

async fn patient_matching(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (alice, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let (bruno, bruno_id) = patient_file(&ctx, &BRUNO, IdentityStatus::Qualifiee).await?;
    let (claire, claire_id) = patient_file(&ctx, &CLAIRE, IdentityStatus::Provisoire).await?;
    let for_bruno = correspondent_document(&ctx, &bruno_id)?;
    let raw_b = xdm_message(
        &ctx,
        CORRESPONDENT,
        PERSONAL,
        &[&for_bruno],
        &bruno_id,
        Vec::new(),
    )?;
    sim.deliver(&address(PERSONAL)?, raw_b.clone())?;
    // The sender qualified Claire's identity; the practice did not (its
    // file holds no INS): the traits match, the INS cannot be checked.
    let _ = claire_id;
    let claire_sender = CLAIRE.identity(&ctx, IdentityStatus::Qualifiee)?;
    let for_claire = correspondent_document(&ctx, &claire_sender)?;
    let raw_c = xdm_message(
        &ctx,
        CORRESPONDENT,
        PERSONAL,
        &[&for_claire],
        &claire_sender,
        Vec::new(),
    )?;
    sim.deliver(&address(PERSONAL)?, raw_c.clone())?;
    sync(&ctx, mss, "two documents arrived").await?;
    let inbox = received(&ctx, mss).await?;
    let docs = ctx.documents()?;
    let b = message_with(&inbox, &raw_b)?;
    let integrated = ctx
        .step(
            "the document carrying Bruno's qualified INS went to Bruno's file",
            async { integrated_in(b, &bruno) },
        )
        .await?;
    holds(&ctx, &bruno, &integrated, &for_bruno.to_xml()).await?;
    ctx.step("no other file received it", async {
        for other in [&alice, &claire] {
            let listed = docs.list(other).await?;
            ensure(
                listed.is_empty(),
                format!(
                    "the file {other} received {listed:?}: a document went to the wrong patient"
                ),
            )?;
        }
        Ok(())
    })
    .await?;
    let c = message_with(&inbox, &raw_c)?;
    ctx.step(
        "a document whose INS the practice cannot check waits for the user, with Claire's file proposed",
        async {
            ensure_eq("documents", 1, c.documents.len())?;
            match &c.documents.first().or_fail("document")?.integration {
                MssIntegration::AwaitingPatient { candidates } => ensure(
                    candidates.contains(&claire) && !candidates.contains(&alice),
                    format!("candidates proposed {candidates:?}: expected Claire's file {claire}"),
                ),
                other => Err(Failure::check(format!(
                    "a document whose INS matches no qualified identity must not be attached automatically; the host shows {other:?}"
                ))),
            }
        },
    )
    .await
}

async fn new_version(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let v1 = correspondent_document(&ctx, &identity)?;
    let raw1 = xdm_message(&ctx, CORRESPONDENT, PERSONAL, &[&v1], &identity, Vec::new())?;
    sim.deliver(&address(PERSONAL)?, raw1.clone())?;
    sync(&ctx, mss, "a report arrived").await?;
    let inbox = received(&ctx, mss).await?;
    let first = integrated_in(message_with(&inbox, &raw1)?, &file)?;
    let v2 = segur_cda::versions::new_version(&v1, v1.body.clone(), ctx.ids(), ctx.clock())
        .map_err(|e| Failure::internal(format!("new version: {e}")))?;
    let raw2 = xdm_message(&ctx, CORRESPONDENT, PERSONAL, &[&v2], &identity, Vec::new())?;
    sim.deliver(&address(PERSONAL)?, raw2.clone())?;
    // The same first version, sent again.
    let raw3 = xdm_message(&ctx, CORRESPONDENT, PERSONAL, &[&v1], &identity, Vec::new())?;
    sim.deliver(&address(PERSONAL)?, raw3.clone())?;
    sync(&ctx, mss, "a new version and a copy arrived").await?;
    let inbox = received(&ctx, mss).await?;
    let m2 = message_with(&inbox, &raw2)?;
    let second = ctx
        .step("the new version is shown as replacing the held one", async {
            match &m2.documents.first().or_fail("document")?.integration {
                MssIntegration::File {
                    file: f,
                    outcome: ImportOutcome::NewerVersion { document, replaces },
                } if f == &file && replaces == &first => Ok(document.clone()),
                other => Err(Failure::check(format!(
                    "the new version (RPLC) should replace {first} in {file}; the host shows {other:?}"
                ))),
            }
        })
        .await?;
    holds(&ctx, &file, &second, &v2.to_xml()).await?;
    let m3 = message_with(&inbox, &raw3)?;
    ctx.step(
        "the copy of a held document is not integrated twice",
        async {
            match &m3.documents.first().or_fail("document")?.integration {
                MssIntegration::File {
                    outcome: ImportOutcome::AlreadyHeld(_),
                    ..
                } => Ok(()),
                other => Err(Failure::check(format!(
                    "a document already held was handled as {other:?}"
                ))),
            }?;
            let listed = ctx.documents()?.list(&file).await?;
            ensure_eq("documents in the file", 2, listed.len())
        },
    )
    .await
}

async fn antivirus(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = correspondent_document(&ctx, &identity)?;
    let raw = xdm_message(
        &ctx,
        CORRESPONDENT,
        PERSONAL,
        &[&doc],
        &identity,
        vec![("resultats-biologie.txt", EICAR.to_vec())],
    )?;
    sim.deliver(&address(PERSONAL)?, raw.clone())?;
    sync(&ctx, mss, "a message with an infected attachment arrived").await?;
    let inbox = received(&ctx, mss).await?;
    let msg = message_with(&inbox, &raw)?;
    ctx.step(
        "the infected attachment is withheld and never shown",
        async {
            ensure(
                !msg.attachments
                    .iter()
                    .any(|a| a.contains("resultats-biologie")),
                format!("the infected attachment is shown: {:?}", msg.attachments),
            )?;
            ensure(
                !msg.withheld.is_empty(),
                "the user is not told that an attachment was withheld",
            )
        },
    )
    .await?;
    let integrated = ctx
        .step("the clean document is still integrated", async {
            integrated_in(msg, &file)
        })
        .await?;
    holds(&ctx, &file, &integrated, &doc.to_xml()).await
}

// ---------------------------------------------------------------- directory

async fn directory_search(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let rpps = Rpps::parse(CORRESPONDENT_RPPS).or_fail("fictitious RPPS")?;
    let by_rpps = ctx
        .step("search the cardiologist by RPPS", async {
            Ok(mss.search_directory(&Search::Rpps(rpps)).await?)
        })
        .await?;
    ctx.step(
        "every MSSanté address of the professional is found, with its type",
        async {
            let mut found: Vec<(String, Option<MailboxKind>)> = by_rpps
                .iter()
                .flat_map(|e| e.mailboxes.iter())
                .map(|m| (m.address.as_str().to_owned(), m.kind.clone()))
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            found.dedup();
            ensure_eq(
                "addresses",
                vec![
                    (
                        "cardiologie@hopital-essai.mssante.fr".to_owned(),
                        Some(MailboxKind::Organisational),
                    ),
                    (CORRESPONDENT.to_owned(), Some(MailboxKind::Personal)),
                ],
                found,
            )
        },
    )
    .await?;
    let by_name = ctx
        .step("search by name (CARDIO-TEST)", async {
            Ok(mss
                .search_directory(&Search::Name {
                    family: "CARDIO-TEST".into(),
                    given: None,
                })
                .await?)
        })
        .await?;
    ctx.step(
        "both homonyms are found, each with their addresses",
        async {
            let all: Vec<&str> = by_name
                .iter()
                .flat_map(|e| e.mailboxes.iter())
                .map(|m| m.address.as_str())
                .collect();
            for a in [CORRESPONDENT, "paul.cardio-test@medecin.mssante.fr"] {
                ensure(
                    all.contains(&a),
                    format!("{a} is missing from the name search: {all:?}"),
                )?;
            }
            Ok(())
        },
    )
    .await?;
    ctx.step("the directory was really asked", async {
        let requests = sim.directory_requests();
        ensure(
            requests.len() >= 2,
            format!("the Annuaire Santé received {} request(s)", requests.len()),
        )
    })
    .await
}

// ---------------------------------------------------------------- traces

async fn traces(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let doc = produce(&ctx, &file).await?;
    let id = sent_id(
        send(
            &ctx,
            mss,
            "send the report",
            to_correspondent(file.clone(), vec![doc], "Bonjour.")?,
        )
        .await?,
    )?;
    let incoming = correspondent_document(&ctx, &identity)?;
    let raw = xdm_message(
        &ctx,
        CORRESPONDENT,
        PERSONAL,
        &[&incoming],
        &identity,
        Vec::new(),
    )?;
    let incoming_id = header(&raw, "Message-ID").or_fail("Message-ID")?;
    sim.deliver(&address(PERSONAL)?, raw)?;
    sync(&ctx, mss, "a report arrived").await?;
    let records = ctx
        .step("the user opens the MSSanté traces", async {
            Ok(mss.traces().await?)
        })
        .await?;
    ctx.evidence().note(
        "mssante-traces",
        records
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    ctx.step("sending, receiving and integrating are traced", async {
        let kind = |r: &segur_ssi::audit::AuditRecord| r.event.kind.as_str().to_owned();
        let sent = records.iter().find(|r| {
            kind(r).contains("sent") && r.event.request_id.as_deref() == Some(id.as_str())
        });
        ensure(
            sent.is_some(),
            format!("no trace of the sending of {id} (with its Message-ID)"),
        )?;
        ensure(
            records.iter().any(|r| {
                kind(r).contains("received")
                    && r.event.request_id.as_deref() == Some(incoming_id.as_str())
            }),
            format!("no trace of the reception of {incoming_id}"),
        )?;
        ensure(
            records
                .iter()
                .any(|r| kind(r).contains("integrated") && r.event.patient_ref.is_some()),
            "no trace of the integration of the received document in a patient file",
        )?;
        ensure(
            records.iter().all(|r| !r.event.actor.trim().is_empty()),
            "a trace does not say who acted",
        )
    })
    .await
}

// ---------------------------------------------------------------- N1/N3 pairs

/// `root^extension` (or `root`) of a document id, as XDS `uniqueId`.
fn unique_id_of(doc: &Document) -> ScenarioResult<String> {
    let id = doc.header.id.as_ref().or_fail("ClinicalDocument/id")?;
    Ok(segur_mss::documents::ii_key(id))
}

/// One send of the pair's document from the file (the user picks it once,
/// by its N3 form): the one message the operator received, unpacked.
async fn send_pair(
    ctx: &RunContext,
    sim: &MssSim,
    mss: &dyn Mssante,
    file: &PatientFileRef,
    picked: &DocumentRef,
    what: &str,
) -> ScenarioResult<Unpacked> {
    let before = sim.submissions().len();
    let outcome = send(
        ctx,
        mss,
        what,
        to_correspondent(
            file.clone(),
            vec![picked.clone()],
            "Chère consœur, voici la synthèse médicale de notre patiente.",
        )?,
    )
    .await?;
    let id = sent_id(outcome)?;
    let sub = ctx
        .step(
            "the operator received exactly one message for the document",
            async {
                let after = sim.submissions().len();
                ensure(
                    after == before + 1,
                    format!(
                        "one send of one document (an N1/N3 pair) must give exactly one message: the operators received {} message(s)",
                        after.saturating_sub(before)
                    ),
                )?;
                submission_of(sim, &id)
            },
        )
        .await?;
    let msg = parsed(&sub)?;
    ctx.step(
        "IHE_XDM.zip is a valid XDM package (metadata, hashes, sizes)",
        async { xdm_of(&msg) },
    )
    .await
}

/// What a package must show of a pair: both forms (exact bytes) in one
/// subset and the XFRM association from the N1 entry to the N3 entry.
/// Returns the entries' ids `(n3, n1)`.
async fn pair_in_package(
    ctx: &RunContext,
    xdm: &Unpacked,
    n3: &Held,
    n1: &Held,
) -> ScenarioResult<(String, String)> {
    let (n3_uid, n1_uid) = (unique_id_of(&n3.document)?, unique_id_of(&n1.document)?);
    let (n3_entry, n1_entry) = ctx
        .step(
            "the package holds both forms, exactly as the file holds them, in one subset",
            async {
                let find = |held: &Held| xdm.documents.iter().find(|d| d.data == held.xml);
                let (p3, p1) = (find(n3), find(n1));
                let p3 = match (p3, p1) {
                    (Some(p3), Some(_)) => p3,
                    (Some(_), None) => {
                        return Err(Failure::check(format!(
                            "the package carries the N3 form {n3_uid} without its N1 twin {n1_uid}: both forms of an N1/N3 pair must travel together in the message"
                        )));
                    }
                    (None, Some(_)) => {
                        return Err(Failure::check(format!(
                            "the package carries the N1 form {n1_uid} without the N3 form {n3_uid}: both forms of an N1/N3 pair must travel together in the message"
                        )));
                    }
                    (None, None) => {
                        return Err(Failure::check(format!(
                            "the package carries neither form of the document (N3 {n3_uid}, N1 {n1_uid}) exactly as held by the host ({} document(s) in the package)",
                            xdm.documents.len()
                        )));
                    }
                };
                let p1 = find(n1).or_fail("the N1 form in the package")?;
                ensure_eq("documents in the package", 2, xdm.documents.len())?;
                ensure(
                    p3.subset == p1.subset,
                    format!(
                        "the N3 form is in {} and the N1 form in {}: a pair travels in one submission set",
                        p3.subset, p1.subset
                    ),
                )?;
                Ok((p3.entry.clone(), p1.entry.clone()))
            },
        )
        .await?;
    ctx.step(
        "METADATA.XML links the N1 entry to the N3 entry by XFRM",
        async {
            let associations: Vec<_> = xdm
                .submissions
                .iter()
                .flat_map(|(_, s)| s.associations.iter())
                .collect();
            let linked = associations.iter().any(|a| {
                a.association_type == ASSOCIATION_XFRM
                    && a.source == n1_entry.entry_uuid
                    && a.target == n3_entry.entry_uuid
            });
            ensure(
                linked,
                format!(
                    "METADATA.XML has no {ASSOCIATION_XFRM} association from the N1 entry {} to the N3 entry {} (associations: {:?})",
                    n1_entry.entry_uuid,
                    n3_entry.entry_uuid,
                    associations
                        .iter()
                        .map(|a| format!("{} {} -> {}", a.association_type, a.source, a.target))
                        .collect::<Vec<_>>()
                ),
            )
        },
    )
    .await?;
    Ok((n3_entry.entry_uuid, n1_entry.entry_uuid))
}

async fn n1_n3_pair(ctx: RunContext) -> ScenarioResult {
    let (sim, mss, _) = setup(&ctx).await?;
    let docs = ctx.documents()?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let summary = medical_summary(Richness::Minimal)
        .map_err(|e| Failure::internal(format!("medical summary fixture: {e}")))?;
    let request = StructuredRequest::new(
        "Synthèse médicale",
        ctx.now() - Duration::minutes(30),
        StructuredContent::MedicalSummary(summary),
    );
    let pair = ctx
        .step(
            "the professional writes a medical summary (N3) with its N1 twin",
            async { Ok(docs.produce_structured(&file, &request).await?) },
        )
        .await?;
    let n3 = fetch(docs, &pair.n3).await?;
    let n1 = fetch(docs, &pair.n1).await?;
    let n3_id = n3.document.header.id.clone().or_fail("id of the N3 form")?;

    // 1. The first version.
    let xdm = send_pair(
        &ctx,
        &sim,
        mss,
        &file,
        &pair.n3,
        "from the patient file, send the medical summary to the cardiologist (the user picks the document once)",
    )
    .await?;
    pair_in_package(&ctx, &xdm, &n3, &n1).await?;
    ctx.step("the N1 form carries relatedDocument XFRM to the N3's id", async {
        let sent = xdm
            .documents
            .iter()
            .find(|d| d.data == n1.xml)
            .or_fail("the N1 form in the package")?;
        let doc = Document::parse(sent.data.clone())
            .map_err(|e| Failure::check(format!("the N1 form in the package: {e}")))?;
        ensure(
            doc.header
                .transformed_from()
                .is_some_and(|src| src.same_as(&n3_id)),
            format!(
                "the N1 form sent must carry relatedDocument typeCode=\"XFRM\" to the N3 id {n3_id}, it carries {:?}",
                doc.header.transformed_from().map(ToString::to_string)
            ),
        )
    })
    .await?;

    // 2. The replacement of the pair.
    let v1 = DocumentPair::link(n1.document.clone(), n3.document.clone())
        .map_err(|_| Failure::check("the host's N1 and N3 forms are not an N1/N3 pair"))?;
    let body = match &n3.document.body {
        segur_cda::Body::Structured(b) => b.clone(),
        segur_cda::Body::NonXml(_) => {
            return Err(Failure::check("the N3 form has no structured body"));
        }
    };
    let pdf = n1
        .document
        .non_xml_body()
        .or_fail("the PDF of the N1 form")?
        .clone();
    let v2 = v1
        .replace(body, pdf, ctx.ids(), ctx.clock())
        .map_err(|e| Failure::internal(format!("new version of the pair: {e}")))?;
    let mut new_refs = Vec::new();
    for (name, doc, previous) in [
        ("synthese-v2-n3.xml", v2.n3(), &pair.n3),
        ("synthese-v2-n1.xml", v2.n1(), &pair.n1),
    ] {
        let r = ctx
            .step(
                format!(
                    "the revised form {name} (RPLC to {previous}) is filed in the patient file"
                ),
                async {
                    match docs
                        .import(&file, &ReceivedFile::new(name, "text/xml", doc.to_xml()))
                        .await?
                    {
                        ImportOutcome::NewerVersion { document, .. }
                        | ImportOutcome::Integrated(document) => Ok(document),
                        other => Err(Failure::host(format!(
                            "the host did not file the new version {name}: {other:?}"
                        ))),
                    }
                },
            )
            .await?;
        new_refs.push(r);
    }
    let n3_v2 = fetch(docs, new_refs.first().or_fail("the new N3")?).await?;
    let n1_v2 = fetch(docs, new_refs.get(1).or_fail("the new N1")?).await?;
    let xdm = send_pair(
        &ctx,
        &sim,
        mss,
        &file,
        &n3_v2.reference,
        "send the new version of the medical summary to the cardiologist",
    )
    .await?;
    let (n3_entry, n1_entry) = pair_in_package(&ctx, &xdm, &n3_v2, &n1_v2).await?;
    ctx.step(
        "each new form replaces its own previous version (RPLC in the CDA and in METADATA.XML)",
        async {
            for (label, new, old, entry) in [
                ("N3", &n3_v2, &n3, &n3_entry),
                ("N1", &n1_v2, &n1, &n1_entry),
            ] {
                let old_id = old.document.header.id.as_ref().or_fail("previous id")?;
                ensure(
                    new.document
                        .header
                        .replaces()
                        .is_some_and(|r| r.same_as(old_id)),
                    format!(
                        "the new {label} form must carry relatedDocument typeCode=\"RPLC\" to its previous version {old_id}, it carries {:?}",
                        new.document.header.replaces().map(ToString::to_string)
                    ),
                )?;
                let rplc = xdm
                    .submissions
                    .iter()
                    .flat_map(|(_, s)| s.replacements.iter())
                    .any(|(source, _)| source == entry);
                ensure(
                    rplc,
                    format!(
                        "METADATA.XML has no {ASSOCIATION_RPLC} association from the new {label} entry {entry} to the version it replaces"
                    ),
                )?;
            }
            Ok(())
        },
    )
    .await
}
