//! `segur ins …`: NIR / NIA checks and the INS datamatrix.

use std::path::PathBuf;

use segur_ins::datamatrix::{self, Payload, PngOptions};
use segur_ins::{Identity, Nir};

use crate::output::{self, CliError};

/// INS: NIR / NIA, INS datamatrix.
#[derive(Debug, clap::Args)]
pub struct InsCommand {
    #[command(subcommand)]
    command: InsSubcommand,
}

#[derive(Debug, clap::Subcommand)]
enum InsSubcommand {
    /// Check a NIR / NIA: 15 characters, or a 13-character base whose key is computed.
    Nir {
        /// The value (spaces allowed).
        value: String,
    },
    /// Read or write the INS datamatrix.
    Datamatrix(DatamatrixCommand),
    /// The INSi teleservice.
    Insi(crate::ins_insi::InsiCommand),
}

#[derive(Debug, clap::Args)]
struct DatamatrixCommand {
    #[command(subcommand)]
    command: DatamatrixSubcommand,
}

#[derive(Debug, clap::Subcommand)]
enum DatamatrixSubcommand {
    /// Decode an INS datamatrix from a PNG / JPEG image, or from its payload text.
    Decode {
        /// The image file (PNG or JPEG).
        #[arg(required_unless_present = "payload", conflicts_with = "payload")]
        image: Option<PathBuf>,
        /// The payload text instead of an image; the group separator may be
        /// written as a real 0x1D or as the placeholder `<GS>`, or omitted.
        #[arg(long)]
        payload: Option<String>,
    },
    /// Encode the INS datamatrix of a qualified identity as a PNG image.
    Encode {
        /// The identity record (JSON, as serialised by `segur_ins::Identity`);
        /// its status must be QUAL.
        #[arg(long, value_name = "FILE.json")]
        identity: PathBuf,
        /// The PNG file to write.
        #[arg(short, long, value_name = "OUT.png")]
        output: PathBuf,
        /// Pixels per module.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
        module_px: u32,
        /// Quiet zone around the symbol, in modules.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=20))]
        quiet_zone: u32,
    },
}

/// Runs `segur ins …`.
pub fn run(cmd: &InsCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        InsSubcommand::Nir { value } => nir(value, json),
        InsSubcommand::Insi(c) => crate::ins_insi::run(c, json),
        InsSubcommand::Datamatrix(dm) => match &dm.command {
            DatamatrixSubcommand::Decode { image, payload } => {
                decode(image.as_ref(), payload.as_deref(), json)
            }
            DatamatrixSubcommand::Encode {
                identity,
                output,
                module_px,
                quiet_zone,
            } => encode(
                identity,
                output,
                PngOptions {
                    module_px: *module_px,
                    quiet_zone: *quiet_zone,
                },
                json,
            ),
        },
    }
}

fn nir(value: &str, json: bool) -> Result<(), CliError> {
    let (nir, key_computed) = match Nir::parse_or_complete(value) {
        Ok(v) => v,
        Err(e) => {
            if json {
                output::print(
                    true,
                    &serde_json::json!({"valid": false, "error": e.to_string()}),
                    String::new,
                )?;
            }
            return Err(CliError::invalid(e));
        }
    };
    let place = nir.place();
    let month = nir.birth_month();
    let v = serde_json::json!({
        "valid": true,
        "value": nir.as_str(),
        "key": format!("{:02}", nir.key()),
        "key_computed": key_computed,
        "sex": nir.sex().code(),
        "sex_digit": nir.sex_digit(),
        "birth_year": format!("{:02}", nir.birth_year()),
        "birth_month": format!("{:02}", month.code()),
        "birth_month_known": matches!(month, segur_ins::NirMonth::Known(_)),
        "place": {
            "kind": place.kind(),
            "insee_code": place.insee_code(),
            "department": place.department(),
            "commune": place.commune(),
            "country": place.country(),
        },
        "order": nir.order(),
    });
    output::print(json, &v, || {
        format!(
            "valid: {}{}\nsex: {} (digit {})\nbirth: {:02}/{:02}{}\nplace: {} ({})\norder: {}\nkey: {:02}",
            nir,
            if key_computed { " (key computed)" } else { "" },
            nir.sex().code(),
            nir.sex_digit(),
            month.code(),
            nir.birth_year(),
            if matches!(month, segur_ins::NirMonth::Known(_)) {
                ""
            } else {
                " (month unknown: special code)"
            },
            place.insee_code(),
            place.kind(),
            nir.order(),
            nir.key()
        )
    })
}

fn decode(image: Option<&PathBuf>, payload: Option<&str>, json: bool) -> Result<(), CliError> {
    let payload = match (image, payload) {
        (_, Some(text)) => Payload::parse(text.replace("<GS>", "\u{1d}")),
        (Some(path), None) => {
            let bytes = std::fs::read(path)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
            datamatrix::decode_image(&bytes)
        }
        (None, None) => return Err(CliError::usage("give an IMAGE or --payload")),
    }
    .map_err(CliError::invalid)?;
    let ins = payload.ins();
    let traits = payload.traits();
    let v = serde_json::json!({
        "matricule": ins.matricule().as_str(),
        "oid": ins.oid().as_str(),
        "oid_kind": ins.oid().fhir_type_code(),
        "production": ins.oid().is_production(),
        "given_names": payload.birth_given_names_joined(),
        "first_given_name": traits.first_given_name().as_str(),
        "birth_family_name": payload.birth_family_name().as_str(),
        "sex": payload.sex().code(),
        "birth_date": payload.birth_date().to_iso(),
        "birth_place": payload.birth_place().map(|p| p.as_str()),
        "from_datamatrix": true,
    });
    output::print(json, &v, || {
        format!(
            "matricule: {}\noid: {} ({})\nbirth family name: {}\ngiven names: {}\nfirst given name: {}\nsex: {}\nbirth date: {}\nbirth place: {}\nnote: read from a datamatrix, verify with INSi before use",
            ins.matricule(),
            ins.oid(),
            ins.oid().fhir_type_code(),
            payload.birth_family_name(),
            payload.birth_given_names_joined(),
            traits.first_given_name(),
            payload.sex().code(),
            payload.birth_date().to_iso(),
            payload.birth_place().map_or("-", |p| p.as_str()),
        )
    })
}

fn encode(
    identity: &PathBuf,
    output_path: &PathBuf,
    options: PngOptions,
    json: bool,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(identity)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", identity.display())))?;
    let identity: Identity = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("identity record: {e}")))?;
    let payload = Payload::from_identity(&identity).map_err(CliError::invalid)?;
    let png = datamatrix::encode_png(&payload, &options).map_err(CliError::invalid)?;
    std::fs::write(output_path, &png).map_err(|e| {
        CliError::Failed(anyhow::anyhow!(
            "cannot write {}: {e}",
            output_path.display()
        ))
    })?;
    let modules = payload
        .module_matrix()
        .map(|m| m.width())
        .map_err(CliError::invalid)?;
    let v = serde_json::json!({
        "output": output_path.display().to_string(),
        "bytes": png.len(),
        "modules": modules,
        "payload": payload.serialize(),
    });
    output::print(json, &v, || {
        format!(
            "wrote {} ({} bytes, {modules}x{modules} modules)",
            output_path.display(),
            png.len()
        )
    })
}
