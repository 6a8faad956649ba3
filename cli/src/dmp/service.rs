//! `segur dmp sim|status|send|search|get`: the DMP client from a terminal,
//! usable against the simulator or a real platform.
//!
//! Local state (consent records, audit trail, document history) lives in
//! SQLite files under `--state` (default `./segur-dmp-state`), so the
//! traces of every access are kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use segur_cda::xds::XdsCode;
use segur_dmp::client::{DmpClient, LocalServices};
use segur_dmp::consent::{ConsentStore, SqliteConsentStore};
use segur_dmp::feed::{Feed, FeedDocument, SubmissionContext, Visibility};
use segur_dmp::history::SqliteHistory;
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_dmp::xds::{Availability, FindDocuments};
use segur_dmp::{Error, XmlSigner};
use segur_ins::{Ins, InsOid, Nir};
use segur_ssi::antivirus::{ClamdScanner, EicarScanner, Scanner};
use segur_ssi::audit::{AuditTrail, SqliteAuditTrail};

use super::Mode;
use crate::output::{self, CliError};

/// Connection and identity options shared by the client subcommands.
#[derive(Debug, Args)]
pub(crate) struct Conn {
    /// Base URL of the DMP services (e.g. the URL `segur dmp sim` prints).
    #[arg(long)]
    endpoint: String,
    /// PKCS#12 of the structure's certificate: signs the VIHF and the
    /// submissions, and authenticates TLS.
    #[arg(long)]
    p12: PathBuf,
    /// PKCS#12 password (default: the SEGUR_P12_PASSWORD variable, else empty).
    #[arg(long)]
    password: Option<String>,
    /// PEM file of the DMP's trust anchors (required for https).
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// The anchors are production IGC-Santé roots (test anchors refused);
    /// default: a test platform.
    #[arg(long)]
    production: bool,
    /// Authentication mode.
    #[arg(long, value_enum, default_value = "indirecte-renforcee")]
    mode: Mode,
    /// National id of the professional (idNat_PS).
    #[arg(long, default_value = "810003612545")]
    national_id: String,
    /// Display name of the professional ("NOM Prénom").
    #[arg(long, default_value = "MEDECIN-TEST Jean")]
    name: String,
    /// idNat_Struct of the structure.
    #[arg(long, default_value = "499700000000001")]
    structure: String,
    /// Activity sector (JDV_J61 code).
    #[arg(long, default_value = "SA07")]
    sector: String,
    /// Directory of the local state (consent, audit trail, history).
    #[arg(long, default_value = "segur-dmp-state")]
    state: PathBuf,
    /// clamd address for the antivirus scan of retrieved documents
    /// (`host:port` or a unix socket path). Without it only the EICAR test
    /// signature is detected.
    #[arg(long)]
    clamd: Option<String>,
}

/// Patient selection.
#[derive(Debug, Args)]
pub(crate) struct PatientArg {
    /// The patient's INS: CX form (`NIR^^^&OID&ISO^NH`) or the bare matricule.
    #[arg(long)]
    patient: String,
    /// INS root of a bare matricule.
    #[arg(long, value_enum, default_value = "nir")]
    ins_root: InsRoot,
    /// Record first that the patient was informed and did not object
    /// (consultation is refused otherwise).
    #[arg(long)]
    informed: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum InsRoot {
    Nir,
    Nia,
    Test,
}

/// `segur dmp sim`.
#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Also write a PKCS#12 of a test structure certificate here; the
    /// simulator then only trusts VIHF signed by that test PKI.
    #[arg(long)]
    p12_out: Option<PathBuf>,
    /// Password of the written PKCS#12.
    #[arg(long, default_value = "")]
    password: String,
    /// Patients (CX INS) to create besides segur-cda's sample patient.
    #[arg(long)]
    patient: Vec<String>,
    /// Professionals (idNat_PS) authorised on every patient.
    #[arg(long, default_value = "810003612545")]
    authorize: Vec<String>,
}

/// `segur dmp status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(flatten)]
    patient: PatientArg,
}

/// `segur dmp send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    conn: Conn,
    /// CDA files: one document, or the N3 and the N1 of a pair.
    #[arg(required = true, num_args = 1..=2)]
    files: Vec<PathBuf>,
    /// formatCode of an N3 document (`code@codingScheme`).
    #[arg(long)]
    format_code: Option<String>,
    /// Hidden from the other health professionals (MASQUE_PS).
    #[arg(long)]
    hide_from_professionals: bool,
    /// Not visible to the patient (INVISIBLE_PATIENT).
    #[arg(long)]
    invisible_to_patient: bool,
    /// Not visible to the legal representatives (INVISIBLE_REPRESENTANTS_LEGAUX).
    #[arg(long)]
    invisible_to_legal_representatives: bool,
    /// sourceId of the submission set (the sending software's OID).
    #[arg(long, default_value = "1.2.250.1.999.1.1")]
    source_id: String,
    /// contentTypeCode of the submission set (`code@codingScheme`, JDV_J59).
    #[arg(long, default_value = "04@1.2.250.1.213.2.2")]
    content_type: String,
}

/// `segur dmp search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(flatten)]
    patient: PatientArg,
    /// Document type (`code@codingScheme`); repeatable.
    #[arg(long = "type")]
    types: Vec<String>,
    /// formatCode (`code@codingScheme`); repeatable.
    #[arg(long = "format")]
    formats: Vec<String>,
    /// Created on or after (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Created before (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// Status; repeatable (default: approved).
    #[arg(long, value_enum)]
    status: Vec<StatusArg>,
    /// Author (idNat_PS, or an XCN pattern with `%`).
    #[arg(long)]
    author: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StatusArg {
    Approved,
    Archived,
    Deprecated,
    Deleted,
}

/// `segur dmp get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(flatten)]
    patient: PatientArg,
    /// uniqueId of the document.
    unique_id: String,
    /// repositoryUniqueId (default: read from the registry).
    #[arg(long)]
    repository: Option<String>,
    /// Where to write the document.
    #[arg(short, long)]
    output: PathBuf,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))
}

/// Maps a DMP error: refusals and invalid documents are invalid input,
/// the rest (network, service) failures; both exit 1.
fn failed(e: Error) -> CliError {
    match e {
        Error::Transport(_)
        | Error::Token(_)
        | Error::Protocol(_)
        | Error::Store(_)
        | Error::Audit(_)
        | Error::Credentials(_) => CliError::Failed(e.into()),
        other => CliError::invalid(other),
    }
}

fn coded(s: &str, what: &str) -> Result<XdsCode, CliError> {
    let (code, scheme) = s
        .split_once('@')
        .ok_or_else(|| CliError::usage(format!("{what} must be code@codingScheme, got {s:?}")))?;
    Ok(XdsCode::new(code, scheme, ""))
}

fn parse_patient(p: &PatientArg) -> Result<Ins, CliError> {
    if p.patient.contains('^') {
        return Ins::from_cx(&p.patient).map_err(CliError::invalid);
    }
    let nir = Nir::parse(&p.patient).map_err(CliError::invalid)?;
    let oid = match p.ins_root {
        InsRoot::Nir => InsOid::InsNir,
        InsRoot::Nia => InsOid::InsNia,
        InsRoot::Test => InsOid::Test,
    };
    Ok(Ins::new(nir, oid))
}

fn date(s: &str) -> Result<time::OffsetDateTime, CliError> {
    let d = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| CliError::usage(format!("date {s:?}: {e}")))?;
    Ok(d.midnight().assume_utc())
}

struct Session {
    client: DmpClient,
    consent: Arc<SqliteConsentStore>,
    national_id: String,
}

fn open(conn: &Conn, source_id: &str, content_type: &str) -> Result<Session, CliError> {
    let bytes = std::fs::read(&conn.p12)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", conn.p12.display())))?;
    let identity =
        segur_ssi::tls::Identity::from_pkcs12(&bytes, &super::password(conn.password.as_ref()))
            .map_err(CliError::invalid)?;
    let signer = Arc::new(XmlSigner::from_identity(&identity).map_err(CliError::invalid)?);
    std::fs::create_dir_all(&conn.state)
        .map_err(|e| CliError::usage(format!("cannot create {}: {e}", conn.state.display())))?;
    let state = |f: &str| conn.state.join(f);
    let audit: Arc<dyn AuditTrail> = Arc::new(
        SqliteAuditTrail::open(state("audit.db")).map_err(|e| CliError::Failed(e.into()))?,
    );
    let consent =
        Arc::new(SqliteConsentStore::open(state("consent.db"), audit.clone()).map_err(failed)?);
    let history = Arc::new(SqliteHistory::open(state("history.db")).map_err(failed)?);
    let scanner: Arc<dyn Scanner> = match &conn.clamd {
        Some(addr) => Arc::new(ClamdScanner::new(segur_ssi::antivirus::ClamdConfig::new(
            addr.parse().map_err(CliError::invalid)?,
        ))),
        None => Arc::new(EicarScanner::new()),
    };
    let structure = conn.structure.parse().map_err(CliError::invalid)?;
    let actor = VihfActor::new(&conn.national_id, &conn.name, structure, &conn.sector)
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
    let lps = LpsInfo::new("segur-rs", env!("CARGO_PKG_VERSION"), "SEGUR-RS-CLI");
    let claims = Vihf::new(
        actor,
        lps,
        AuthenticationMode::from(conn.mode),
        time::OffsetDateTime::now_utc(),
    );
    let context = SubmissionContext {
        source_id: segur_ids::Oid::parse(source_id).map_err(CliError::invalid)?,
        content_type_code: coded(content_type, "--content-type")?,
    };
    let mut builder = DmpClient::builder(
        &conn.endpoint,
        Arc::new(SignedVihfSource::new(claims, signer.clone())),
        signer,
        LocalServices {
            consent: consent.clone(),
            audit,
            scanner,
            history,
        },
        context,
    );
    if conn.endpoint.starts_with("https://") {
        let ca = conn.ca_file.as_ref().ok_or_else(|| {
            CliError::usage(
                "an https endpoint needs --ca-file (segur-rs never trusts system roots implicitly)",
            )
        })?;
        let environment = if conn.production {
            segur_ssi::tls::TrustEnvironment::Production
        } else {
            segur_ssi::tls::TrustEnvironment::Test
        };
        let trust =
            segur_ssi::tls::TrustStore::from_files(environment, [ca]).map_err(CliError::invalid)?;
        let tls = segur_ssi::tls::ClientTlsBuilder::new(trust)
            .with_identity(identity)
            .build()
            .map_err(CliError::invalid)?;
        builder = builder.tls(tls);
    }
    Ok(Session {
        client: builder
            .build()
            .map_err(|e| CliError::usage(e.to_string()))?,
        consent,
        national_id: conn.national_id.clone(),
    })
}

impl Session {
    fn informed(&self, patient: &Ins, p: &PatientArg) -> Result<(), CliError> {
        if p.informed {
            let mut record = self.consent.get(patient).map_err(failed)?;
            record.informed = true;
            record.opposed_to_consultation = false;
            self.consent
                .set(
                    patient,
                    record,
                    &self.national_id,
                    time::OffsetDateTime::now_utc(),
                )
                .map_err(failed)?;
        }
        Ok(())
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(v).map_err(|e| CliError::Failed(e.into()))
}

pub(crate) fn sim(args: &SimArgs, json: bool) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let mut builder = segur_dmp::sim::DmpSimulator::builder();
        if let Some(out) = &args.p12_out {
            let pki =
                segur_ssi::test_pki::TestPki::generate().map_err(|e| CliError::Failed(e.into()))?;
            let structure = "499700000000001".parse().map_err(CliError::invalid)?;
            let org = pki
                .issue_organisation(&structure, "CABINET DE TEST SEGUR-RS")
                .map_err(|e| CliError::Failed(e.into()))?;
            let p12 = org
                .pkcs12(&args.password)
                .map_err(|e| CliError::Failed(e.into()))?;
            std::fs::write(out, p12)
                .map_err(|e| CliError::usage(format!("cannot write {}: {e}", out.display())))?;
            builder = builder
                .trust_vihf_signers(pki.trust_store().map_err(|e| CliError::Failed(e.into()))?);
        }
        let sim = builder.start().await.map_err(failed)?;
        // segur-cda's sample patient (fictitious, test INS root).
        let mut patients = vec![Ins::new(
            Nir::parse("285037511104286").map_err(CliError::invalid)?,
            InsOid::Test,
        )];
        for p in &args.patient {
            patients.push(Ins::from_cx(p).map_err(CliError::invalid)?);
        }
        for p in &patients {
            sim.add_patient(p);
            for a in &args.authorize {
                sim.authorize(p, a);
            }
        }
        let text = if json {
            serde_json::to_string(&serde_json::json!({
                "endpoint": sim.base_url(),
                "web": sim.web_url(),
                "patients": patients.iter().map(Ins::to_cx).collect::<Vec<_>>(),
                "p12": args.p12_out.as_ref().map(|p| p.display().to_string()),
            }))
            .map_err(|e| CliError::Failed(e.into()))?
        } else {
            format!(
                "DMP simulator: {}\nweb access: {}\npatients: {}",
                sim.base_url(),
                sim.web_url(),
                patients
                    .iter()
                    .map(Ins::to_cx)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // The simulator keeps serving even if nobody reads its output any more.
        use std::io::Write as _;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        std::future::pending::<()>().await;
        Ok(())
    })
}

pub(crate) fn status(args: &StatusArgs, json: bool) -> Result<(), CliError> {
    let patient = parse_patient(&args.patient)?;
    let s = open(&args.conn, "1.2.250.1.999.1.1", "04@1.2.250.1.213.2.2")?;
    s.informed(&patient, &args.patient)?;
    let st = runtime()?
        .block_on(s.client.status(&patient))
        .map_err(failed)?;
    output::print(json, &to_json(&st)?, || {
        if !st.exists {
            "no DMP for this patient".to_owned()
        } else {
            format!(
                "DMP {} — authorisation {}{}",
                if st.closed { "closed" } else { "active" },
                st.authorization.as_str(),
                if st.treating_physician {
                    ", médecin traitant DMP"
                } else {
                    ""
                }
            )
        }
    })
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

pub(crate) fn send(args: &SendArgs, json: bool) -> Result<(), CliError> {
    let s = open(&args.conn, &args.source_id, &args.content_type)?;
    let format = args
        .format_code
        .as_deref()
        .map(|f| coded(f, "--format-code"))
        .transpose()?;
    let mut feed = Feed::default().with_visibility(Visibility {
        hidden_from_professionals: args.hide_from_professionals,
        invisible_to_patient: args.invisible_to_patient,
        invisible_to_legal_representatives: args.invisible_to_legal_representatives,
    });
    for f in &args.files {
        let bytes = read(f)?;
        let is_n3 = segur_cda::Document::parse(bytes.clone())
            .map(|d| d.level() == segur_cda::Level::N3)
            .map_err(CliError::invalid)?;
        let mut doc = FeedDocument::cda(bytes);
        if is_n3 && let Some(code) = &format {
            doc = doc.format_code(code.clone());
        }
        feed = feed.with_document(doc);
    }
    let receipt = runtime()?.block_on(s.client.feed(&feed)).map_err(failed)?;
    output::print(json, &to_json(&receipt)?, || {
        format!(
            "sent {} (submission set {})",
            receipt.unique_ids.join(", "),
            receipt.submission_set_unique_id
        )
    })
}

pub(crate) fn search(args: &SearchArgs, json: bool) -> Result<(), CliError> {
    let patient = parse_patient(&args.patient)?;
    let s = open(&args.conn, "1.2.250.1.999.1.1", "04@1.2.250.1.213.2.2")?;
    s.informed(&patient, &args.patient)?;
    let mut filter = FindDocuments::new().created_between(
        args.from.as_deref().map(date).transpose()?,
        args.to.as_deref().map(date).transpose()?,
    );
    for t in &args.types {
        filter = filter.type_code(&coded(t, "--type")?);
    }
    for f in &args.formats {
        filter = filter.format_code(&coded(f, "--format")?);
    }
    for st in &args.status {
        filter = filter.status(match st {
            StatusArg::Approved => Availability::Approved,
            StatusArg::Archived => Availability::Archived,
            StatusArg::Deprecated => Availability::Deprecated,
            StatusArg::Deleted => Availability::Deleted,
        });
    }
    if let Some(a) = &args.author {
        filter = filter.author(if a.contains('%') || a.contains('^') {
            a.clone()
        } else {
            format!("{a}^%")
        });
    }
    let found = runtime()?
        .block_on(s.client.search(&patient, &filter))
        .map_err(failed)?;
    output::print(json, &to_json(&found)?, || {
        if found.is_empty() {
            return "no document".to_owned();
        }
        found
            .iter()
            .map(|f| {
                format!(
                    "{}  {}  {}  {}  {}",
                    f.entry.unique_id,
                    f.entry.creation_time.as_deref().unwrap_or("-"),
                    f.entry.type_code.code,
                    f.entry.title.as_deref().unwrap_or("-"),
                    match f.local {
                        segur_dmp::history::LocalPresence::NotPresent => "new",
                        segur_dmp::history::LocalPresence::AlreadyPresent { .. } => "already here",
                        segur_dmp::history::LocalPresence::NewerVersion { .. } => "newer version",
                        _ => "older version",
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

pub(crate) fn get(args: &GetArgs, json: bool) -> Result<(), CliError> {
    let patient = parse_patient(&args.patient)?;
    let s = open(&args.conn, "1.2.250.1.999.1.1", "04@1.2.250.1.213.2.2")?;
    s.informed(&patient, &args.patient)?;
    if args.conn.clamd.is_none() {
        eprintln!(
            "segur: warning: no --clamd: the document is only checked for the EICAR test signature"
        );
    }
    let got = runtime()?
        .block_on(async {
            let repository = match &args.repository {
                Some(r) => r.clone(),
                None => s
                    .client
                    .get_documents(&patient, std::slice::from_ref(&args.unique_id))
                    .await?
                    .into_iter()
                    .find_map(|e| e.repository_unique_id)
                    .ok_or_else(|| Error::NotFound(args.unique_id.clone()))?,
            };
            s.client
                .retrieve_by_id(&patient, &repository, &args.unique_id)
                .await
        })
        .map_err(failed)?;
    std::fs::write(&args.output, &got.document.content)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", args.output.display())))?;
    output::print(
        json,
        &serde_json::json!({
            "unique_id": got.document.document_unique_id,
            "mime_type": got.document.mime_type,
            "size": got.document.content.len(),
            "title": got.header.as_ref().and_then(|h| h.title.clone()),
            "local": to_json(&got.local)?,
            "output": args.output.display().to_string(),
        }),
        || {
            format!(
                "{} ({}, {} bytes) written to {}",
                got.document.document_unique_id,
                got.document.mime_type,
                got.document.content.len(),
                args.output.display()
            )
        },
    )
}
