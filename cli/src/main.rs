//! `segur`: the segur-rs command-line tool.
//!
//! Contract of every subcommand (see `README.md`):
//! - exit 0 on success;
//! - exit 1 when the input is invalid for the domain, with one clear line on stderr;
//! - exit 2 on usage errors (unknown flag, missing argument, unreadable file);
//! - `--json` prints machine-readable output on stdout.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod carte_vitale;
mod cda;
mod conformance;
mod dmp;
mod enfant;
mod ins;
mod ins_insi;
mod mss;
mod output;
mod psc;
mod ssi;

use output::CliError;

/// Ségur du numérique toolkit: INS, CDA documents, DMP, MSSanté, Pro Santé Connect.
#[derive(Debug, Parser)]
#[command(name = "segur", version, about, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// INS: NIR / NIA checks, INS datamatrix.
    Ins(ins::InsCommand),
    /// Identifier checks (OID, RPPS, idNat_PS).
    Id(IdCommand),
    /// DMP / Mon espace santé: VIHF, feeding, search, retrieval.
    Dmp(dmp::DmpCommand),
    /// REM conformance: requirement catalogue, scenario runs, coverage gate.
    Conformance(conformance::ConformanceCommand),
    /// Pro Santé Connect: discovery, desktop login, simulator.
    Psc(psc::PscCommand),
    /// CDA R2 documents: info, validate, render, sample.
    Cda(cda::CdaCommand),
    /// Child health record: examination calendar, growth charts.
    Enfant(enfant::EnfantCommand),
    /// Security: password policy, audit trail, certificates, backups.
    Ssi(ssi::SsiCommand),
    /// XDM packages (IHE_XDM.zip): pack CDA documents, unpack safely.
    Xdm(mss::XdmCommand),
    /// MSSanté: send and fetch with a configured mailbox.
    Mss(mss::MssCommand),
    /// Ordonnance numérique: prescription identifiers and their 2D code.
    Ordonnance(carte_vitale::OrdonnanceCommand),
}

#[derive(Debug, clap::Args)]
struct IdCommand {
    /// Kind of identifier.
    #[arg(value_enum)]
    kind: IdKind,
    /// The value to check.
    value: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum IdKind {
    Oid,
    Rpps,
    IdNatPs,
    Finess,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version with exit 0 and usage errors with exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Id(cmd) => id(cmd, cli.json),
        Command::Dmp(cmd) => dmp::run(cmd, cli.json),
        Command::Conformance(cmd) => conformance::run(cmd, cli.json),
        Command::Ins(cmd) => ins::run(cmd, cli.json),
        Command::Psc(cmd) => psc::run(cmd, cli.json),
        Command::Cda(cmd) => cda::run(cmd, cli.json),
        Command::Enfant(cmd) => enfant::run(cmd, cli.json),
        Command::Ssi(cmd) => ssi::run(cmd, cli.json),
        Command::Xdm(cmd) => mss::run_xdm(cmd, cli.json),
        Command::Mss(cmd) => mss::run_mss(cmd, cli.json),
        Command::Ordonnance(cmd) => carte_vitale::run(cmd, cli.json),
    }
}

fn id(cmd: &IdCommand, json: bool) -> Result<(), CliError> {
    use segur_ids::{Finess, IdNatPs, Oid, Rpps};
    let normalised = match cmd.kind {
        IdKind::Oid => Oid::parse(&cmd.value).map(|v| v.to_string()),
        IdKind::Rpps => Rpps::parse(&cmd.value).map(|v| v.to_string()),
        IdKind::IdNatPs => IdNatPs::parse(&cmd.value).map(|v| v.to_string()),
        IdKind::Finess => Finess::parse(&cmd.value).map(|v| v.to_string()),
    }
    .map_err(CliError::invalid)?;
    output::print(
        json,
        &serde_json::json!({"valid": true, "value": normalised}),
        || format!("valid: {normalised}"),
    )
}
