//! `segur ins insi …`: the INSi teleservice (against the simulator or a real
//! test platform).

use std::path::PathBuf;
use std::time::Duration;

use segur_ins::insi::{
    GivenNameStrategy, InsiAuth, InsiClient, InsiIdentity, RetryPolicy, SearchReport,
    SoftwareIdentity, TraitsDiff,
};
use segur_ins::{BirthDate, Sex, Traits};

use crate::output::{self, CliError};

/// INSi teleservice.
#[derive(Debug, clap::Args)]
pub struct InsiCommand {
    #[command(subcommand)]
    command: InsiSubcommand,
}

#[derive(Debug, clap::Subcommand)]
enum InsiSubcommand {
    /// Search the INS by identity traits (one request per birth given name,
    /// then the full list, until INSi answers 00).
    Search(Box<SearchArgs>),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Strategy {
    EachThenAll,
    FirstOnly,
    FirstThenAll,
    AllOnly,
}

#[derive(Debug, clap::Args)]
struct SearchArgs {
    /// The traits (JSON): birth_family_name, birth_given_names,
    /// [first_given_name], birth_date (YYYY-MM-DD), sex (M/F), [birth_place].
    /// Accents and lower case are normalised.
    #[arg(long, value_name = "FILE.json")]
    traits: PathBuf,
    /// The INSi endpoint (https; plain http only for a loopback simulator).
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// The structure certificate (CN INSI-AUTO / INSI-MANU) as PKCS#12, for
    /// mutual TLS. Its password is read from the environment variable named
    /// by --p12-password-env.
    #[arg(long, value_name = "FILE.p12")]
    p12: Option<PathBuf>,
    /// The environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", default_value = "SEGUR_INSI_P12_PASSWORD")]
    p12_password_env: String,
    /// PEM files of the roots authenticating the server (IGC-Santé), for https.
    #[arg(long, value_name = "FILE.pem")]
    trust: Vec<PathBuf>,
    /// The trust store holds production roots (default: test roots).
    #[arg(long)]
    production: bool,
    /// The software authorisation number (IDAM) issued by the CNDA.
    #[arg(long, default_value = "SEGUR-RS-SIM-IDAM")]
    idam: String,
    /// The software name sent in the LPS context.
    #[arg(long, default_value = "segur-cli")]
    software_name: String,
    /// The software version sent in the LPS context.
    #[arg(long, default_value = env!("CARGO_PKG_VERSION"))]
    software_version: String,
    /// The emitter (requesting professional or structure identifier).
    #[arg(long, default_value = "segur-cli")]
    emitter: String,
    /// The given-name strategy.
    #[arg(long, value_enum, default_value = "each-then-all")]
    strategy: Strategy,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Attempts per request on transient failures.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10))]
    attempts: u32,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TraitsInput {
    birth_family_name: String,
    birth_given_names: String,
    #[serde(default)]
    first_given_name: Option<String>,
    birth_date: String,
    sex: String,
    #[serde(default)]
    birth_place: Option<String>,
}

fn read_traits(path: &PathBuf) -> Result<Traits, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let input: TraitsInput = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))?;
    let mut b = Traits::builder()
        .birth_family_name(input.birth_family_name)
        .birth_given_names(input.birth_given_names)
        .birth_date(BirthDate::parse(&input.birth_date).map_err(CliError::invalid)?)
        .sex(Sex::from_code(&input.sex).map_err(CliError::invalid)?);
    if let Some(f) = input.first_given_name {
        b = b.first_given_name(f);
    }
    if let Some(p) = input.birth_place {
        b = b.birth_place(p);
    }
    b.build().map_err(CliError::invalid)
}

/// Runs `segur ins insi …`.
pub fn run(cmd: &InsiCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        InsiSubcommand::Search(args) => search(args, json),
    }
}

fn client(args: &SearchArgs) -> Result<InsiClient, CliError> {
    let software = SoftwareIdentity::new(
        args.idam.clone(),
        args.software_version.clone(),
        args.software_name.clone(),
        format!("segur-cli-{}", std::process::id()),
    );
    let mut b = InsiClient::builder(args.endpoint.clone(), software, args.emitter.clone())
        .timeout(Duration::from_secs(args.timeout))
        .retry(RetryPolicy {
            max_attempts: args.attempts,
            ..RetryPolicy::default()
        });
    if let Some(p12) = &args.p12 {
        let password = std::env::var(&args.p12_password_env).unwrap_or_default();
        let identity = segur_ssi::tls::Identity::from_pkcs12_file(p12, &password)
            .map_err(|e| CliError::usage(format!("{}: {e}", p12.display())))?;
        b = b.auth(InsiAuth::ServerCertificate(identity));
    }
    if !args.trust.is_empty() {
        let env = if args.production {
            segur_ssi::tls::TrustEnvironment::Production
        } else {
            segur_ssi::tls::TrustEnvironment::Test
        };
        let trust = segur_ssi::tls::TrustStore::from_files(env, &args.trust)
            .map_err(|e| CliError::usage(format!("trust store: {e}")))?;
        b = b.trust_store(trust);
    }
    b.build().map_err(|e| CliError::usage(e.to_string()))
}

fn identity_json(id: &InsiIdentity) -> serde_json::Value {
    let ins = |r: &segur_ins::insi::ReturnedIns| {
        serde_json::json!({
            "matricule": r.matricule.as_str(),
            "oid": r.oid,
            "key_valid": r.matricule.key_matches(),
            "type_matricule": r.type_matricule,
        })
    };
    serde_json::json!({
        "ins": ins(&id.active),
        "history": id.history.iter().map(ins).collect::<Vec<_>>(),
        "traits": id.traits,
    })
}

fn report_json(report: &SearchReport, traits: &Traits) -> serde_json::Value {
    let r = &report.response;
    let identity = r.outcome.identity();
    serde_json::json!({
        "code": r.outcome.code().code(),
        "label": r.label,
        "explanation": r.explanation(),
        "attempts": report.attempts.iter().map(|a| serde_json::json!({
            "given_name": a.given_name.as_str(),
            "message_id": a.message_id,
            "code": a.code.code(),
        })).collect::<Vec<_>>(),
        "identity": identity.map(identity_json),
        "diff": identity.map(|i| TraitsDiff::compare(traits, &i.traits)),
        "warnings": r.warnings.iter().map(|w| serde_json::json!({
            "warning": w,
            "explanation": w.explanation(),
        })).collect::<Vec<_>>(),
    })
}

fn report_text(report: &SearchReport, traits: &Traits) -> String {
    let r = &report.response;
    let mut s = format!(
        "INSi {} ({}) after {} request(s)\n{}\n",
        r.outcome.code(),
        r.label,
        report.attempts.len(),
        r.explanation()
    );
    if let Some(id) = r.outcome.identity() {
        s.push_str(&format!(
            "INS: {} ({}){}\n",
            id.active.matricule,
            id.active.oid,
            if id.active.matricule.key_matches() {
                ""
            } else {
                " — wrong key"
            }
        ));
        for h in &id.history {
            s.push_str(&format!("previous INS: {} ({})\n", h.matricule, h.oid));
        }
        s.push_str(&TraitsDiff::compare(traits, &id.traits).to_string());
    }
    for w in &r.warnings {
        s.push_str(&format!("warning: {}\n", w.explanation()));
    }
    s.trim_end().to_owned()
}

fn search(args: &SearchArgs, json: bool) -> Result<(), CliError> {
    let traits = read_traits(&args.traits)?;
    let client = client(args)?;
    let strategy = match args.strategy {
        Strategy::EachThenAll => GivenNameStrategy::EachThenAll,
        Strategy::FirstOnly => GivenNameStrategy::FirstOnly,
        Strategy::FirstThenAll => GivenNameStrategy::FirstThenAll,
        Strategy::AllOnly => GivenNameStrategy::AllOnly,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))?;
    let report = runtime
        .block_on(client.search(&traits, strategy))
        .map_err(|e| match e {
            segur_ins::insi::InsiError::Query(q) => CliError::invalid(q),
            e => CliError::Failed(anyhow::anyhow!("{e} — {}", e.explanation())),
        })?;
    output::print(json, &report_json(&report, &traits), || {
        report_text(&report, &traits)
    })
}
