//! `segur xdm …` (XDM packages) and `segur mss …` (a configured mailbox).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use segur_cda::versions::DocumentPair;
use segur_cda::xds::XdsCode;
use segur_cda::{Document, Level};
use segur_ids::Oid;
use segur_mss::config::{Authentication, MailboxConfig, ServerSettings};
use segur_mss::mailbox::Mailbox;
use segur_mss::message::parse::parse_message;
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient, display_subject};
use segur_mss::xdm::{
    DocumentToPack, PackItem, PackOptions, PairToPack, ReadmeInfo, XdmAction, XdmLimits, pack,
    unpack,
};
use segur_mss::{MailAddress, MailboxKind};
use segur_psc::{AccessToken, StaticTokenSource, TokenSource};
use segur_ssi::tls::{ClientTlsBuilder, Identity, TrustEnvironment, TrustStore};

use crate::output::{self, CliError};

/// XDM subcommands.
#[derive(Debug, Args)]
pub struct XdmCommand {
    #[command(subcommand)]
    command: XdmSub,
}

#[derive(Debug, Subcommand)]
enum XdmSub {
    /// Pack CDA documents of one patient into an IHE_XDM.zip (METADATA.XML from segur-cda).
    Pack(PackArgs),
    /// Read an IHE_XDM.zip safely: documents, metadata, patient id.
    Unpack(UnpackArgs),
}

#[derive(Debug, Args)]
struct PackArgs {
    /// CDA documents (one patient). An N1 and the N3 it is the twin of
    /// (XFRM to the N3, or both new versions of one document) are packed as
    /// a pair; an N1 whose N3 is missing is refused.
    #[arg(required = true)]
    documents: Vec<PathBuf>,
    /// Output zip.
    #[arg(short, long)]
    output: PathBuf,
    /// sourceId OID of the sending software.
    #[arg(long, default_value = "1.2.250.1.999.1.1")]
    source_id: String,
    /// Sender shown in README.TXT / INDEX.HTM.
    #[arg(long, default_value = "segur CLI")]
    sender: String,
    /// Sender contact (MSSanté address) for README.TXT.
    #[arg(long, default_value = "")]
    contact: String,
    /// What the recipient is asked to do: `auto` (a new version when the CDA
    /// replaces one with RPLC, else a first sending), `replace` (the CDA must
    /// carry RPLC), `withdraw` (cancel documents sent before).
    #[arg(long, value_enum, default_value_t = ActionArg::Auto)]
    action: ActionArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ActionArg {
    Auto,
    Replace,
    Withdraw,
}

impl ActionArg {
    fn action(self) -> Option<XdmAction> {
        match self {
            Self::Auto => None,
            Self::Replace => Some(XdmAction::Replace),
            Self::Withdraw => Some(XdmAction::Delete),
        }
    }
}

#[derive(Debug, Args)]
struct UnpackArgs {
    /// The IHE_XDM.zip.
    zip: PathBuf,
    /// Also write the documents into this folder (file names from the metadata URI).
    #[arg(short = 'd', long)]
    extract_to: Option<PathBuf>,
}

/// MSSanté subcommands.
#[derive(Debug, Args)]
pub struct MssCommand {
    #[command(subcommand)]
    command: MssSub,
}

#[derive(Debug, Subcommand)]
enum MssSub {
    /// Send a message (optionally with CDA documents as an XDM package).
    Send(SendArgs),
    /// List the messages of a folder (after a UID).
    Fetch(FetchArgs),
}

#[derive(Debug, Args)]
struct MailboxArgs {
    /// Mailbox configuration (JSON: address, imap, smtp, trust, auth, nil).
    #[arg(long)]
    config: PathBuf,
}

#[derive(Debug, Args)]
struct SendArgs {
    #[command(flatten)]
    mailbox: MailboxArgs,
    /// Recipient (repeat for several).
    #[arg(long, required = true)]
    to: Vec<String>,
    /// Subject (ignored with documents: the XDM convention is used).
    #[arg(long, default_value = "")]
    subject: String,
    /// Text body.
    #[arg(long, default_value = "")]
    text: String,
    /// CDA documents to send in an IHE_XDM.zip.
    #[arg(long)]
    cda: Vec<PathBuf>,
    /// Ask for a read notification (MDN).
    #[arg(long)]
    read_receipt: bool,
}

#[derive(Debug, Args)]
struct FetchArgs {
    #[command(flatten)]
    mailbox: MailboxArgs,
    /// Folder.
    #[arg(long, default_value = "INBOX")]
    folder: String,
    /// Only messages with a UID above this one.
    #[arg(long, default_value_t = 0)]
    after_uid: u32,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MailboxFile {
    address: String,
    #[serde(default)]
    kind: Option<String>,
    imap: segur_mss::config::ServerEndpoint,
    smtp: segur_mss::config::ServerEndpoint,
    /// PEM files of the trusted roots.
    trust: Vec<PathBuf>,
    /// `production` (default) or `test`.
    #[serde(default)]
    environment: Option<String>,
    auth: AuthFile,
    /// X-MSS-NIL product reference.
    nil: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum AuthFile {
    /// Client certificate (PEM pair or PKCS#12).
    Certificate {
        #[serde(default)]
        cert_pem: Option<PathBuf>,
        #[serde(default)]
        key_pem: Option<PathBuf>,
        #[serde(default)]
        p12: Option<PathBuf>,
        #[serde(default)]
        p12_password_env: Option<String>,
        #[serde(default)]
        authzid: Option<String>,
    },
    /// XOAUTH2 with a token read from an environment variable.
    Xoauth2 { token_env: String },
    /// OAUTHBEARER with a token read from an environment variable.
    Oauthbearer { token_env: String },
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

/// The package units of the given CDA files: every N1 that is the twin of
/// one of the N3s (`DocumentPair::link`: XFRM to it, or both new versions
/// of the same act) is packed with it as a pair, in the N3's place; the
/// other files as single documents (an N1 whose XFRM target is not among
/// them is then refused by `pack`).
fn pack_items(paths: &[PathBuf], action: Option<XdmAction>) -> Result<Vec<PackItem>, CliError> {
    let mut files = Vec::new();
    for p in paths {
        let cda = read(p)?;
        let doc = Document::parse(cda.clone())
            .map_err(|e| CliError::invalid(format!("{}: {e}", p.display())))?;
        files.push((cda, doc));
    }
    let mut twin: Vec<Option<usize>> = vec![None; files.len()];
    for i in 0..files.len() {
        if files[i].1.level() != Level::N1 || twin[i].is_some() {
            continue;
        }
        let found = (0..files.len()).find(|&j| {
            twin[j].is_none()
                && files[j].1.level() == Level::N3
                && DocumentPair::link(files[i].1.clone(), files[j].1.clone()).is_ok()
        });
        if let Some(j) = found {
            twin[i] = Some(j);
            twin[j] = Some(i);
        }
    }
    let with_action = |cda: Vec<u8>| DocumentToPack {
        action,
        ..DocumentToPack::new(cda)
    };
    let mut items = Vec::new();
    for (i, (cda, doc)) in files.iter().enumerate() {
        match twin[i] {
            None => items.push(with_action(cda.clone()).into()),
            // The pair goes where its N3 is.
            Some(j) if doc.level() == Level::N3 => items.push(
                PairToPack {
                    n3: with_action(cda.clone()),
                    n1: with_action(files[j].0.clone()),
                }
                .into(),
            ),
            Some(_) => {}
        }
    }
    Ok(items)
}

/// Runs `segur xdm …`.
pub fn run_xdm(cmd: &XdmCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        XdmSub::Pack(a) => {
            let source_id = Oid::parse(&a.source_id).map_err(CliError::invalid)?;
            let docs = pack_items(&a.documents, a.action.action())?;
            let opts = PackOptions {
                source_id,
                content_type_code: XdsCode::new(
                    "04",
                    "1.2.250.1.213.1.1.4.12",
                    "Hospitalisation de jour",
                ),
                readme: ReadmeInfo {
                    sender: a.sender.clone(),
                    contact: a.contact.clone(),
                    software: format!("segur {}", env!("CARGO_PKG_VERSION")),
                },
                now: time::OffsetDateTime::now_utc(),
            };
            let packed = pack(docs, &opts).map_err(CliError::invalid)?;
            std::fs::write(&a.output, &packed.zip).map_err(|e| {
                CliError::usage(format!("cannot write {}: {e}", a.output.display()))
            })?;
            let ids: Vec<String> = packed
                .documents
                .iter()
                .map(|d| d.facts.id.clone())
                .collect();
            // The pairs, from the XFRM associations written (N1 → N3).
            let unique_id = |uuid: &str| {
                packed
                    .submission
                    .entries
                    .iter()
                    .find(|e| e.entry_uuid == uuid)
                    .map(|e| e.unique_id.clone())
            };
            let pairs: Vec<serde_json::Value> = packed
                .submission
                .associations
                .iter()
                .filter(|a| a.association_type == segur_cda::xds::ASSOCIATION_XFRM)
                .filter_map(|a| {
                    Some(serde_json::json!({"n3": unique_id(&a.target)?, "n1": unique_id(&a.source)?}))
                })
                .collect();
            output::print(
                json,
                &serde_json::json!({"output": a.output, "documents": ids, "pairs": pairs, "patient_id": packed.submission.entries.first().map(|e| e.patient_id.clone()), "bytes": packed.zip.len()}),
                || {
                    let mut s = format!(
                        "{}: {} document(s), {} bytes",
                        a.output.display(),
                        ids.len(),
                        packed.zip.len()
                    );
                    for p in &pairs {
                        s.push_str(&format!(
                            "\nN1/N3 pair (XFRM): {} → {}",
                            p["n1"].as_str().unwrap_or_default(),
                            p["n3"].as_str().unwrap_or_default()
                        ));
                    }
                    s
                },
            )
        }
        XdmSub::Unpack(a) => {
            let zip = read(&a.zip)?;
            let un = unpack(&zip, &XdmLimits::default()).map_err(CliError::invalid)?;
            if let Some(dir) = &a.extract_to {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::usage(format!("cannot create {}: {e}", dir.display()))
                })?;
                for d in &un.documents {
                    // URIs were checked by unpack; keep only the file name anyway.
                    let name = Path::new(&d.uri)
                        .file_name()
                        .map(|n| n.to_owned())
                        .unwrap_or_default();
                    std::fs::write(dir.join(name), &d.data)
                        .map_err(|e| CliError::usage(format!("cannot write: {e}")))?;
                }
            }
            let docs: Vec<serde_json::Value> = un
                .documents
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "subset": d.subset, "uri": d.uri, "unique_id": d.entry.unique_id,
                        "type_code": d.entry.type_code.code, "type": d.entry.type_code.display_name,
                        "title": d.entry.title, "size": d.data.len(), "hash": d.entry.hash,
                        "action": d.action, "metadata": d.entry,
                    })
                })
                .collect();
            let patients = un.patient_ids();
            output::print(
                json,
                &serde_json::json!({"documents": docs, "pairs": un.pairs, "patient_ids": patients}),
                || {
                    let mut s = format!("patient: {}\n", patients.join(", "));
                    for d in &un.documents {
                        let action = match d.action {
                            XdmAction::Replace => "  [new version]",
                            XdmAction::Delete => "  [withdrawal]",
                            _ => "",
                        };
                        let pair = match un
                            .pairs
                            .iter()
                            .find(|p| p.n1 == d.entry.unique_id || p.n3 == d.entry.unique_id)
                        {
                            Some(p) if p.n1 == d.entry.unique_id => format!("  [N1 of {}]", p.n3),
                            Some(p) => format!("  [N3 of {}]", p.n1),
                            None => String::new(),
                        };
                        s.push_str(&format!(
                            "{}/{}  {}  {} ({}){action}{pair}\n",
                            d.subset,
                            d.uri,
                            d.entry.unique_id,
                            d.entry.type_code.display_name,
                            d.entry.type_code.code
                        ));
                    }
                    s.trim_end().to_owned()
                },
            )
        }
    }
}

fn mailbox(path: &Path) -> Result<(Mailbox, String), CliError> {
    let f: MailboxFile = serde_json::from_slice(&read(path)?)
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let address = MailAddress::parse(&f.address).map_err(CliError::invalid)?;
    let env = match f.environment.as_deref() {
        Some("test") => TrustEnvironment::Test,
        None | Some("production") => TrustEnvironment::Production,
        Some(other) => return Err(CliError::usage(format!("unknown environment {other:?}"))),
    };
    let trust = TrustStore::from_files(env, &f.trust).map_err(CliError::invalid)?;
    let mut tls = ClientTlsBuilder::new(trust);
    let auth = match f.auth {
        AuthFile::Certificate {
            cert_pem,
            key_pem,
            p12,
            p12_password_env,
            authzid,
        } => {
            let identity = match (cert_pem, key_pem, p12) {
                (Some(c), Some(k), None) => Identity::from_pem_files(c, k),
                (None, None, Some(p)) => {
                    let pw = p12_password_env
                        .and_then(|v| std::env::var(v).ok())
                        .unwrap_or_default();
                    Identity::from_pkcs12_file(p, &pw)
                }
                _ => {
                    return Err(CliError::usage(
                        "certificate auth needs cert_pem + key_pem, or p12",
                    ));
                }
            }
            .map_err(CliError::invalid)?;
            tls = tls.with_identity(identity);
            Authentication::ClientCertificate { authzid }
        }
        AuthFile::Xoauth2 { token_env } => Authentication::xoauth2(token_source(&token_env)?),
        AuthFile::Oauthbearer { token_env } => {
            Authentication::oauthbearer(token_source(&token_env)?)
        }
    };
    let tls = Arc::new(tls.build().map_err(CliError::invalid)?);
    let kind = f
        .kind
        .as_deref()
        .map(MailboxKind::from_code)
        .unwrap_or(MailboxKind::Personal);
    let config = MailboxConfig::new(
        address,
        kind,
        ServerSettings {
            imap: f.imap,
            smtp: f.smtp,
        },
        auth,
        tls,
    );
    Ok((Mailbox::new(config), f.nil))
}

fn token_source(var: &str) -> Result<Arc<dyn TokenSource>, CliError> {
    let token = std::env::var(var)
        .map_err(|_| CliError::usage(format!("the token variable {var} is not set")))?;
    Ok(Arc::new(StaticTokenSource::for_all(AccessToken::new(
        token,
    ))))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))
}

/// Runs `segur mss …`.
pub fn run_mss(cmd: &MssCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        MssSub::Send(a) => {
            let (m, nil) = mailbox(&a.mailbox.config)?;
            let mut b = MessageBuilder::new(m.address().clone(), nil).text(a.text.clone());
            for to in &a.to {
                let addr = MailAddress::parse(to).map_err(CliError::invalid)?;
                b = b.to(Recipient::address(addr).map_err(CliError::invalid)?);
            }
            if a.cda.is_empty() {
                b = b.subject(a.subject.clone());
            } else {
                let docs = pack_items(&a.cda, None)?;
                let opts = PackOptions {
                    source_id: Oid::parse("1.2.250.1.999.1.1").map_err(CliError::invalid)?,
                    content_type_code: XdsCode::new(
                        "04",
                        "1.2.250.1.213.1.1.4.12",
                        "Hospitalisation de jour",
                    ),
                    readme: ReadmeInfo {
                        sender: m.address().to_string(),
                        contact: m.address().to_string(),
                        software: format!("segur {}", env!("CARGO_PKG_VERSION")),
                    },
                    now: time::OffsetDateTime::now_utc(),
                };
                let packed = pack(docs, &opts).map_err(CliError::invalid)?;
                let p = &packed.patient;
                let patient = MessagePatient {
                    family_name: p.family_name.clone().unwrap_or_default(),
                    given_name: p
                        .given_names
                        .as_deref()
                        .and_then(|g| g.split_whitespace().next())
                        .unwrap_or("")
                        .to_owned(),
                    birth_date: p.birth_date.ok_or_else(|| {
                        CliError::invalid("the documents carry no patient birth date")
                    })?,
                    file_number: None,
                    ins_qualified: p.ins.is_some(),
                    key: p.key(),
                };
                b = b.documents(packed.zip, packed.documents, patient);
            }
            if a.read_receipt {
                b = b.request_read_receipt();
            }
            let msg = b
                .build(time::OffsetDateTime::now_utc())
                .map_err(CliError::invalid)?;
            let report = runtime()?
                .block_on(m.send(&msg))
                .map_err(|e| CliError::Failed(e.into()))?;
            output::print(
                json,
                &serde_json::to_value(&report).unwrap_or_default(),
                || {
                    format!(
                        "sent {} to {} recipient(s): {}",
                        report.message_id,
                        report.accepted.len(),
                        report.server_reply
                    )
                },
            )
        }
        MssSub::Fetch(a) => {
            let (m, _) = mailbox(&a.mailbox.config)?;
            let rt = runtime()?;
            let msgs = rt
                .block_on(m.fetch_new(&a.folder, a.after_uid))
                .map_err(|e| CliError::Failed(e.into()))?;
            let _ = rt.block_on(m.close());
            let list: Vec<serde_json::Value> = msgs
                .iter()
                .map(|f| {
                    let p = parse_message(&f.raw).ok();
                    serde_json::json!({
                        "uid": f.uid, "seen": f.is_seen(), "size": f.raw.len(),
                        "message_id": p.as_ref().and_then(|p| p.message_id.clone()),
                        "from": p.as_ref().and_then(|p| p.from.as_ref().map(|f| f.raw.clone())),
                        "subject": p.as_ref().and_then(|p| p.subject.as_deref().map(|s| display_subject(s).to_owned())),
                        "attachments": p.as_ref().map(|p| p.attachments.iter().map(|a| a.filename.clone()).collect::<Vec<_>>()),
                        "x_mss_codecda": p.as_ref().map(|p| p.mss.code_cda.clone()),
                    })
                })
                .collect();
            output::print(
                json,
                &serde_json::json!({"folder": a.folder, "messages": list}),
                || {
                    let mut s = String::new();
                    for v in &list {
                        s.push_str(&format!(
                            "{}  {}  {}\n",
                            v["uid"],
                            v["from"].as_str().unwrap_or(""),
                            v["subject"].as_str().unwrap_or("")
                        ));
                    }
                    if s.is_empty() {
                        "no message".to_owned()
                    } else {
                        s.trim_end().to_owned()
                    }
                },
            )
        }
    }
}
