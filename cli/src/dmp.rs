//! `segur dmp …`: DMP / Mon espace santé tools.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use segur_dmp::XmlSigner;
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, Vihf, VihfActor};

use crate::output::{self, CliError};

mod service;
pub(crate) use service::{GetArgs, SearchArgs, SendArgs, SimArgs, StatusArgs};

/// DMP subcommands.
#[derive(Debug, Args)]
pub struct DmpCommand {
    #[command(subcommand)]
    command: DmpSub,
}

#[derive(Debug, Subcommand)]
enum DmpSub {
    /// Build and sign a VIHF (SAML 2.0) assertion.
    Vihf(VihfArgs),
    /// Start the DMP simulator on loopback, print its URL, serve until killed.
    Sim(SimArgs),
    /// TD0.2: does the patient have a DMP, and is the user authorised.
    Status(StatusArgs),
    /// TD2.1/2.2: send one CDA document, or both forms of an N1/N3 pair.
    Send(SendArgs),
    /// TD3.1: search the patient's DMP (type, dates, status, author, format).
    Search(SearchArgs),
    /// TD3.2: retrieve a document (antivirus scan and access trace first).
    Get(GetArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Mode {
    Directe,
    Indirecte,
    IndirecteRenforcee,
}

impl From<Mode> for AuthenticationMode {
    fn from(m: Mode) -> Self {
        match m {
            Mode::Directe => Self::Directe,
            Mode::Indirecte => Self::Indirecte,
            Mode::IndirecteRenforcee => Self::IndirecteRenforcee,
        }
    }
}

#[derive(Debug, Args)]
struct VihfArgs {
    /// Use the fictitious sample claims (professional, structure, patient).
    #[arg(long, required = true)]
    sample: bool,
    /// PKCS#12 file with the signing certificate and key (structure certificate).
    #[arg(long)]
    p12: PathBuf,
    /// PKCS#12 password (default: the SEGUR_P12_PASSWORD variable, else empty).
    #[arg(long)]
    password: Option<String>,
    /// Authentication mode.
    #[arg(long, value_enum, default_value = "indirecte")]
    mode: Mode,
    /// VIHF_Version to write.
    #[arg(long, default_value = segur_dmp::vihf::DEFAULT_VIHF_VERSION)]
    vihf_version: String,
    /// Output file.
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `segur dmp …`.
pub fn run(cmd: &DmpCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        DmpSub::Vihf(args) => vihf(args, json),
        DmpSub::Sim(args) => service::sim(args, json),
        DmpSub::Status(args) => service::status(args, json),
        DmpSub::Send(args) => service::send(args, json),
        DmpSub::Search(args) => service::search(args, json),
        DmpSub::Get(args) => service::get(args, json),
    }
}

pub(crate) fn password(given: Option<&String>) -> String {
    given
        .cloned()
        .or_else(|| std::env::var("SEGUR_P12_PASSWORD").ok())
        .unwrap_or_default()
}

fn sample_vihf(mode: AuthenticationMode, version: &str) -> Result<Vihf, CliError> {
    let structure = "499700000000001".parse().map_err(CliError::invalid)?;
    let actor = VihfActor::new("810003612545", "MARTIN Jeanne", structure, "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
    let lps = LpsInfo::new("segur-rs", env!("CARGO_PKG_VERSION"), "SEGUR-RS-SAMPLE");
    let nir = "279035121518989"
        .parse::<segur_ins::Nir>()
        .map_err(CliError::invalid)?;
    let ins = segur_ins::Ins::new(nir, segur_ins::InsOid::Test);
    Ok(Vihf::new(actor, lps, mode, time::OffsetDateTime::now_utc())
        .for_patient(ins)
        .with_version(version))
}

fn vihf(args: &VihfArgs, json: bool) -> Result<(), CliError> {
    let bytes = std::fs::read(&args.p12)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", args.p12.display())))?;
    let password = args
        .password
        .clone()
        .or_else(|| std::env::var("SEGUR_P12_PASSWORD").ok())
        .unwrap_or_default();
    let identity =
        segur_ssi::tls::Identity::from_pkcs12(&bytes, &password).map_err(CliError::invalid)?;
    let signer = XmlSigner::from_identity(&identity).map_err(CliError::invalid)?;
    let mode = AuthenticationMode::from(args.mode);
    let claims = sample_vihf(mode, &args.vihf_version)?;
    let now = time::OffsetDateTime::now_utc();
    let assertion = if mode == AuthenticationMode::Directe {
        claims.unsigned(signer.subject_dn(), now)
    } else {
        claims.sign(&signer, now)
    }
    .map_err(CliError::invalid)?;
    std::fs::write(&args.output, assertion.as_xml())
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", args.output.display())))?;
    output::print(
        json,
        &serde_json::json!({
            "id": assertion.id(),
            "signed": assertion.is_signed(),
            "algorithm": signer.algorithm_uri(),
            "issuer": signer.subject_dn(),
            "output": args.output.display().to_string(),
        }),
        || {
            format!(
                "VIHF {} written to {} ({})",
                assertion.id(),
                args.output.display(),
                if assertion.is_signed() {
                    signer.algorithm_uri()
                } else {
                    "unsigned"
                }
            )
        },
    )
}
