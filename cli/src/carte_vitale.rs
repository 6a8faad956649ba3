//! `segur ordonnance …`: prescription identifiers and the 2D code of the
//! ordonnance numérique (segur-carte-vitale).

use std::path::PathBuf;

use segur_carte_vitale::ordonnance::{
    CodePayload, IdContext, IdGenerator, IdTemplate, MemorySequence, PayloadFormat, PrescriptionId,
    PrintedCode, Symbology, decode_image,
};
use segur_ids::Rpps;

use crate::output::{self, CliError};

/// Ordonnance numérique: prescription identifiers and 2D codes.
#[derive(Debug, clap::Args)]
pub struct OrdonnanceCommand {
    #[command(subcommand)]
    command: OrdonnanceSubcommand,
}

#[derive(Debug, clap::Subcommand)]
enum OrdonnanceSubcommand {
    /// Generate or check unique prescription identifiers.
    Id(IdCommand),
    /// Encode or decode the 2D code printed on a prescription.
    Code(CodeCommand),
}

#[derive(Debug, clap::Args)]
struct IdCommand {
    #[command(subcommand)]
    command: IdSubcommand,
}

#[derive(Debug, clap::Subcommand)]
enum IdSubcommand {
    /// Generate identifiers ({time}{rand:16}{check} by default).
    Generate {
        /// The identifier template (tokens {time} {rand:N} {date} {seq:N} {rpps} {check}).
        #[arg(long, default_value = IdTemplate::DEFAULT)]
        template: String,
        /// The prescriber's RPPS (for {rpps}).
        #[arg(long)]
        rpps: Option<String>,
        /// How many (a {seq:N} counter starts at 1 for this run only).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        count: u32,
    },
    /// Check an identifier against a template (exit 1 when it does not follow it).
    Check {
        /// The identifier.
        id: String,
        /// The identifier template.
        #[arg(long, default_value = IdTemplate::DEFAULT)]
        template: String,
    },
}

#[derive(Debug, clap::Args)]
struct CodeCommand {
    #[command(subcommand)]
    command: CodeSubcommand,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SymbologyArg {
    Qr,
    Datamatrix,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Identifier,
    Tagged,
}

#[derive(Debug, clap::Subcommand)]
enum CodeSubcommand {
    /// Write the 2D code of an identifier as PNG or SVG (by the file extension).
    Encode {
        /// The prescription identifier.
        id: String,
        /// The file to write (`.png` or `.svg`).
        #[arg(short, long, value_name = "OUT.png|OUT.svg")]
        output: PathBuf,
        /// QR code or DataMatrix.
        #[arg(long, value_enum, default_value_t = SymbologyArg::Qr)]
        symbology: SymbologyArg,
        /// The identifier alone, or the tagged format (ON1/ID:…).
        #[arg(long, value_enum, default_value_t = FormatArg::Identifier)]
        format: FormatArg,
        /// The prescriber's RPPS (tagged format).
        #[arg(long)]
        rpps: Option<String>,
        /// The prescription date YYYY-MM-DD (tagged format).
        #[arg(long)]
        date: Option<String>,
        /// Pixels per module (PNG) .
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
        module_px: u32,
    },
    /// Read the 2D code of a prescription from a PNG or JPEG image.
    Decode {
        /// The image.
        image: PathBuf,
    },
}

/// Runs `segur ordonnance …`.
pub fn run(cmd: &OrdonnanceCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        OrdonnanceSubcommand::Id(id) => match &id.command {
            IdSubcommand::Generate {
                template,
                rpps,
                count,
            } => generate(template, rpps.as_deref(), *count, json),
            IdSubcommand::Check { id, template } => {
                let template = IdTemplate::parse(template).map_err(CliError::usage)?;
                let id = template.check(id).map_err(CliError::invalid)?;
                output::print(
                    json,
                    &serde_json::json!({"valid": true, "id": id, "template": template.as_str()}),
                    || format!("valid: {id}"),
                )
            }
        },
        OrdonnanceSubcommand::Code(code) => match &code.command {
            CodeSubcommand::Encode {
                id,
                output,
                symbology,
                format,
                rpps,
                date,
                module_px,
            } => encode(
                id,
                output,
                *symbology,
                *format,
                rpps.as_deref(),
                date.as_deref(),
                *module_px,
                json,
            ),
            CodeSubcommand::Decode { image } => {
                let bytes = std::fs::read(image)
                    .map_err(|e| CliError::usage(format!("{}: {e}", image.display())))?;
                let decoded = decode_image(&bytes).map_err(CliError::invalid)?;
                let text = String::from_utf8_lossy(&decoded.text).into_owned();
                let payload = decoded.payload().map_err(CliError::invalid)?;
                output::print(
                    json,
                    &serde_json::json!({
                        "symbology": decoded.symbology,
                        "text": text,
                        "id": payload.id(),
                        "prescriber_rpps": payload.prescriber().map(|r| r.to_string()),
                        "issued_on": payload.issued_on().map(|d| d.to_string()),
                        "extensions": payload.extensions(),
                    }),
                    || format!("{}: {}", decoded.symbology, payload.id()),
                )
            }
        },
    }
}

fn generate(template: &str, rpps: Option<&str>, count: u32, json: bool) -> Result<(), CliError> {
    let template = IdTemplate::parse(template).map_err(CliError::usage)?;
    let rpps = rpps
        .map(Rpps::parse)
        .transpose()
        .map_err(CliError::invalid)?;
    let generator =
        IdGenerator::new(template).with_sequence(std::sync::Arc::new(MemorySequence::default()));
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let mut ctx = IdContext::new(now);
    if let Some(r) = &rpps {
        ctx = ctx.with_prescriber(r);
    }
    let ids = (0..count)
        .map(|_| generator.generate(&ctx))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)?;
    // A template without {rand:N}, {seq:N} or {time} gives the same
    // identifier every time: a batch of them would not be unique.
    let distinct: std::collections::BTreeSet<&PrescriptionId> = ids.iter().collect();
    if distinct.len() != ids.len() {
        return Err(CliError::usage(format!(
            "the template {} gives the same identifier twice in one run: add {{rand:N}} or {{seq:N}}",
            generator.template().as_str()
        )));
    }
    output::print(json, &serde_json::json!({ "ids": ids }), || {
        ids.iter()
            .map(PrescriptionId::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[allow(clippy::too_many_arguments)]
fn encode(
    id: &str,
    out: &std::path::Path,
    symbology: SymbologyArg,
    format: FormatArg,
    rpps: Option<&str>,
    date: Option<&str>,
    module_px: u32,
    json: bool,
) -> Result<(), CliError> {
    let id = PrescriptionId::parse(id).map_err(CliError::invalid)?;
    let mut payload = CodePayload::new(id);
    if let Some(r) = rpps {
        payload = payload.with_prescriber(Rpps::parse(r).map_err(CliError::invalid)?);
    }
    if let Some(d) = date {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d =
            time::Date::parse(d, fmt).map_err(|e| CliError::invalid(format!("date {d:?}: {e}")))?;
        payload = payload.with_issued_on(d);
    }
    let format = match format {
        FormatArg::Identifier if !payload.is_identifier_only() => {
            return Err(CliError::usage(
                "--rpps and --date are carried by the tagged format only (--format tagged)",
            ));
        }
        FormatArg::Identifier => PayloadFormat::Identifier,
        FormatArg::Tagged => PayloadFormat::Tagged,
    };
    let symbology = match symbology {
        SymbologyArg::Qr => Symbology::QrCode,
        SymbologyArg::Datamatrix => Symbology::DataMatrix,
    };
    let code = PrintedCode::new(payload, format, symbology).map_err(CliError::invalid)?;
    let bytes = match out.extension().and_then(|e| e.to_str()) {
        Some("svg") => code.symbol().to_svg(0.5).into_bytes(),
        Some("png") => code.symbol().to_png(module_px).map_err(CliError::invalid)?,
        _ => return Err(CliError::usage("the output file must end in .png or .svg")),
    };
    std::fs::write(out, bytes).map_err(|e| CliError::usage(format!("{}: {e}", out.display())))?;
    output::print(
        json,
        &serde_json::json!({
            "symbology": symbology,
            "text": code.text(),
            "modules": code.symbol().width(),
            "output": out.display().to_string(),
        }),
        || {
            format!(
                "{} {}x{} modules ({}) written to {}",
                symbology,
                code.symbol().width(),
                code.symbol().height(),
                code.text(),
                out.display()
            )
        },
    )
}
