//! `segur cda`: inspect, validate and render CDA R2 documents; produce samples.

use std::path::{Path, PathBuf};

use segur_cda::render::{RenderOptions, render_html};
use segur_cda::stylesheet::{StylesheetError, StylesheetRenderer, XsltProcessor};
use segur_cda::validate::Severity;
use segur_cda::volets::{self, n1_prescription::N1PrescriptionKind, samples::Richness};
use segur_cda::{Document, Level};
use segur_enfant::volet::ChildVolet;
use serde_json::json;

use crate::output::{self, CliError};

/// CDA R2 documents (CI-SIS): info, validate, render, sample.
#[derive(Debug, clap::Args)]
pub struct CdaCommand {
    #[command(subcommand)]
    action: CdaAction,
}

#[derive(Debug, clap::Subcommand)]
enum CdaAction {
    /// Header facts of a document (ids, type, dates, patient, authors, body).
    Info {
        /// The CDA document (XML).
        file: PathBuf,
    },
    /// Checks the CI-SIS header rules and the N1 body (exit 1 on any error).
    Validate {
        /// The CDA document (XML).
        file: PathBuf,
    },
    /// Renders the document as a self-contained HTML page (native
    /// renderer), or through an XSLT display stylesheet with --stylesheet.
    Render {
        /// The CDA document (XML).
        file: PathBuf,
        /// Output HTML file.
        #[arg(short, long)]
        output: PathBuf,
        /// Render through this XSLT stylesheet instead, e.g. the official ANS
        /// FeuilleDeStyle/CDA-FO.xsl of ansforge/TestContenuCDA-3-0 (never
        /// shipped with segur-rs).
        #[arg(long, value_name = "PATH")]
        stylesheet: Option<PathBuf>,
        /// The XSLT processor: xsltproc (default), xsltproc:PATH, saxon:JAR or
        /// 'command:PROGRAM ARG…' with {stylesheet} {input} {output} {params}.
        #[arg(long, value_name = "SPEC", requires = "stylesheet")]
        xslt_processor: Option<String>,
        /// A stylesheet parameter, e.g. useJavascript=false (repeatable).
        #[arg(
            long = "stylesheet-param",
            value_name = "NAME=VALUE",
            requires = "stylesheet"
        )]
        stylesheet_params: Vec<String>,
        /// Seconds the processor may run.
        #[arg(long, value_name = "SECS", default_value_t = 60, requires = "stylesheet",
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        stylesheet_timeout: u64,
    },
    /// Writes a rich fictitious sample document.
    Sample {
        /// Which sample.
        #[arg(value_enum)]
        kind: SampleKind,
        /// Output XML file.
        #[arg(short, long)]
        output: PathBuf,
        /// How much content (N3 samples).
        #[arg(long, value_enum, default_value = "maximal")]
        content: SampleContent,
        /// Also write the N1 twin (VSM and e-prescription) to this file.
        #[arg(long)]
        n1: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SampleKind {
    /// An N1 consultation report with a PDF body.
    N1,
    /// A Volet de Synthèse Médicale 2023.01 (N3).
    Vsm,
    /// A prescription of health products, eP-MED-DM 2024.01 (N3).
    Eprescription,
    /// An N1 prescription of biology acts (PRESC-BIO).
    PrescBio,
    /// An N1 prescription of physiotherapy (PRESC-KINE).
    PrescKine,
    /// An N1 prescription of nursing acts (PRESC-INF).
    PrescInf,
    /// An N1 prescription of podiatry (PRESC-PEDI).
    PrescPedi,
    /// An N1 prescription of speech therapy (PRESC-ORTHOPHO).
    PrescOrthopho,
    /// An N1 prescription of orthoptics (PRESC-ORTHOPTIE).
    PrescOrthoptie,
    /// Premier certificat de santé de l'enfant, CSE-CS8 2025.01 (N3 only).
    Cs8,
    /// Deuxième certificat de santé, CSE-CS9 2025.01 (N3 only).
    Cs9,
    /// Troisième certificat de santé, CSE-CS24 2025.01 (N3 only).
    Cs24,
    /// Mesures de l'enfant, CSE-MDE 2023.01 (N3 only).
    Mesures,
    /// Note de vaccination, VAC-NOTE 2023.01 (N3 only).
    Vaccination,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SampleContent {
    /// The least the volet accepts.
    Minimal,
    /// What a practice usually writes.
    Typical,
    /// Every section and option.
    Maximal,
}

impl SampleContent {
    fn richness(self) -> Richness {
        match self {
            Self::Minimal => Richness::Minimal,
            Self::Typical => Richness::Typical,
            Self::Maximal => Richness::Maximal,
        }
    }
}

/// The sample document and, for N3 volets, its N1 twin.
fn sample(
    kind: SampleKind,
    content: SampleContent,
) -> Result<(Document, Option<Document>), CliError> {
    let failed = |e: segur_cda::N3Error| CliError::Failed(e.into());
    let r = content.richness();
    let n1 = |k: N1PrescriptionKind| volets::samples::n1_prescription_document(k).map_err(failed);
    Ok(match kind {
        SampleKind::N1 => (
            segur_cda::samples::n1_document().map_err(|e| CliError::Failed(e.into()))?,
            None,
        ),
        SampleKind::Vsm => {
            let p = volets::samples::vsm_pair(r).map_err(failed)?;
            (p.n3().clone(), Some(p.n1().clone()))
        }
        SampleKind::Eprescription => {
            let p = volets::samples::eprescription_pair(r).map_err(failed)?;
            (p.n3().clone(), Some(p.n1().clone()))
        }
        SampleKind::PrescBio => (n1(N1PrescriptionKind::Biology)?, None),
        SampleKind::PrescKine => (n1(N1PrescriptionKind::Physiotherapy)?, None),
        SampleKind::PrescInf => (n1(N1PrescriptionKind::Nursing)?, None),
        SampleKind::PrescPedi => (n1(N1PrescriptionKind::Podiatry)?, None),
        SampleKind::PrescOrthopho => (n1(N1PrescriptionKind::SpeechTherapy)?, None),
        SampleKind::PrescOrthoptie => (n1(N1PrescriptionKind::Orthoptics)?, None),
        SampleKind::Cs8 => (child(ChildVolet::Cs8, r)?, None),
        SampleKind::Cs9 => (child(ChildVolet::Cs9, r)?, None),
        SampleKind::Cs24 => (child(ChildVolet::Cs24, r)?, None),
        SampleKind::Mesures => (child(ChildVolet::Measurements, r)?, None),
        SampleKind::Vaccination => (child(ChildVolet::VaccinationNote, r)?, None),
    })
}

/// A child-health sample (segur-enfant): N3 only, no N1 twin.
fn child(volet: ChildVolet, r: Richness) -> Result<Document, CliError> {
    segur_enfant::samples::document(volet, r).map_err(|e| CliError::Failed(e.into()))
}

/// Runs `segur cda …`.
pub fn run(cmd: &CdaCommand, json: bool) -> Result<(), CliError> {
    match &cmd.action {
        CdaAction::Info { file } => info(&load(file)?, json),
        CdaAction::Validate { file } => validate(&load(file)?, json),
        CdaAction::Render {
            file,
            output,
            stylesheet,
            xslt_processor,
            stylesheet_params,
            stylesheet_timeout,
        } => {
            let html = match stylesheet {
                None => render_html(&load(file)?, &RenderOptions::default()),
                Some(stylesheet) => {
                    let mut renderer = StylesheetRenderer::new(
                        stylesheet,
                        xslt_processor
                            .as_deref()
                            .unwrap_or("xsltproc")
                            .parse::<XsltProcessor>()
                            .map_err(CliError::usage)?,
                    )
                    .with_timeout(std::time::Duration::from_secs(*stylesheet_timeout));
                    for param in stylesheet_params {
                        let (name, value) = param.split_once('=').ok_or_else(|| {
                            CliError::usage(format!(
                                "--stylesheet-param {param:?}: expected NAME=VALUE"
                            ))
                        })?;
                        renderer = renderer.with_param(name, value).map_err(CliError::usage)?;
                    }
                    let bytes = std::fs::read(file).map_err(|e| {
                        CliError::usage(format!("cannot read {}: {e}", file.display()))
                    })?;
                    renderer
                        .render(&bytes)
                        .map_err(|e| stylesheet_error(file, e))?
                        .html
                }
            };
            std::fs::write(output, html)
                .map_err(|e| CliError::usage(format!("cannot write {}: {e}", output.display())))?;
            output::print(
                json,
                &json!({"written": output.display().to_string()}),
                || format!("rendered {} to {}", file.display(), output.display()),
            )
        }
        CdaAction::Sample {
            kind,
            output,
            content,
            n1,
        } => {
            let (doc, twin) = sample(*kind, *content)?;
            if n1.is_some() && twin.is_none() {
                return Err(CliError::usage(
                    "--n1 applies to the N3 samples with an N1 twin (vsm, eprescription); the child-health documents are N3 only",
                ));
            }
            let write = |path: &Path, d: &Document| {
                std::fs::write(path, d.to_xml())
                    .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))
            };
            write(output, &doc)?;
            let twin_path = match (n1, &twin) {
                (Some(path), Some(t)) => {
                    write(path, t)?;
                    Some(path.display().to_string())
                }
                _ => None,
            };
            let level = doc.level();
            output::print(
                json,
                &json!({"written": output.display().to_string(), "level": level.to_string(), "n1": twin_path}),
                || match &twin_path {
                    Some(t) => format!(
                        "wrote sample {level} document to {} and its N1 twin to {t}",
                        output.display()
                    ),
                    None => format!("wrote sample {level} document to {}", output.display()),
                },
            )
        }
    }
}

/// Configuration errors are usage errors; a document that is not a CDA
/// document is invalid input; a processor that fails is a failure.
fn stylesheet_error(file: &Path, e: StylesheetError) -> CliError {
    match e {
        StylesheetError::StylesheetMissing { .. }
        | StylesheetError::InvalidProcessor { .. }
        | StylesheetError::InvalidParam { .. } => CliError::usage(e),
        StylesheetError::NotCda(_) | StylesheetError::Doctype => {
            CliError::invalid(format!("{}: {e}", file.display()))
        }
        other => CliError::Failed(other.into()),
    }
}

fn load(file: &Path) -> Result<Document, CliError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    Document::parse(bytes).map_err(|e| CliError::invalid(format!("{}: {e}", file.display())))
}

fn ii(i: &segur_cda::datatypes::Ii) -> serde_json::Value {
    json!({"root": i.root, "extension": i.extension})
}

fn info(doc: &Document, json_out: bool) -> Result<(), CliError> {
    let h = &doc.header;
    let patient = h.patient_role();
    let p = patient.and_then(|r| r.patient.as_ref());
    let n1 = doc.non_xml_body();
    let sections: Vec<String> = doc
        .structured_body()
        .map(|b| {
            b.all_sections()
                .iter()
                .filter_map(|s| s.code.as_ref().and_then(|c| c.code.clone()))
                .collect()
        })
        .unwrap_or_default();
    let value = json!({
        "level": doc.level().to_string(),
        "template_ids": h.template_ids.iter().map(ii).collect::<Vec<_>>(),
        "id": h.id.as_ref().map(ii),
        "code": h.code.as_ref().map(|c| json!({"code": c.code, "code_system": c.code_system, "display_name": c.display_name})),
        "title": h.title,
        "effective_time": h.effective_time.as_ref().and_then(|t| t.value.clone()),
        "confidentiality": h.confidentiality_code.as_ref().and_then(|c| c.code.clone()),
        "language": h.language_code,
        "set_id": h.set_id.as_ref().map(ii),
        "version": h.version_number,
        "patient": {
            "ids": patient.map(|r| r.ids.iter().map(ii).collect::<Vec<_>>()).unwrap_or_default(),
            "ins": h.patient_ins().map(ii),
            "birth_name": p.and_then(|p| p.birth_name()),
            "given_names": p.and_then(|p| p.given_names()),
            "gender": p.and_then(|p| p.administrative_gender_code.as_ref()).and_then(|g| g.code.clone()),
            "birth_time": p.and_then(|p| p.birth_time.as_ref()).and_then(|b| b.value.clone()),
        },
        "authors": h.authors.iter().map(|a| json!({
            "ids": a.assigned_author.ids.iter().map(ii).collect::<Vec<_>>(),
            "name": a.assigned_author.display_name(),
            "time": a.time.as_ref().and_then(|t| t.value.clone()),
        })).collect::<Vec<_>>(),
        "custodian": h.custodian.as_ref().and_then(|c| c.organization.name.clone()),
        "n1": n1.map(|b| json!({"media_type": b.media_type(), "decoded_size": b.decoded_len()})),
        "section_codes": sections,
        "related_documents": h.related_documents.iter().map(|r| json!({
            "type_code": r.type_code,
            "parent_ids": r.parent_ids.iter().map(ii).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    output::print(json_out, &value, || {
        let mut lines = Vec::new();
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        lines.push(format!("level:            {}", doc.level()));
        lines.push(format!(
            "templateIds:      {}",
            h.template_ids
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        lines.push(format!(
            "id:               {}",
            opt(h.id.as_ref().map(|i| i.to_string()))
        ));
        lines.push(format!(
            "code:             {}",
            opt(h.code.as_ref().map(|c| format!(
                "{} ({}) {}",
                c.code_str(),
                c.code_system.as_deref().unwrap_or(""),
                c.display_name.as_deref().unwrap_or("")
            )))
        ));
        lines.push(format!("title:            {}", opt(h.title.clone())));
        lines.push(format!(
            "effectiveTime:    {}",
            opt(h.effective_time.as_ref().and_then(|t| t.value.clone()))
        ));
        lines.push(format!(
            "confidentiality:  {}",
            opt(h.confidentiality_code.as_ref().and_then(|c| c.code.clone()))
        ));
        lines.push(format!(
            "language:         {}",
            opt(h.language_code.clone())
        ));
        lines.push(format!(
            "setId:            {}",
            opt(h.set_id.as_ref().map(|i| i.to_string()))
        ));
        lines.push(format!(
            "version:          {}",
            opt(h.version_number.clone())
        ));
        if let Some(r) = patient {
            lines.push(format!(
                "patient ids:      {}",
                r.ids
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(p) = p {
            lines.push(format!(
                "birth name:       {}",
                p.birth_name().unwrap_or("-")
            ));
            lines.push(format!(
                "given names:      {}",
                p.given_names().unwrap_or("-")
            ));
            lines.push(format!(
                "gender:           {}",
                p.administrative_gender_code
                    .as_ref()
                    .map(|g| g.code_str())
                    .unwrap_or("-")
            ));
            lines.push(format!(
                "birthTime:        {}",
                p.birth_time
                    .as_ref()
                    .and_then(|b| b.value.as_deref())
                    .unwrap_or("-")
            ));
        }
        for a in &h.authors {
            lines.push(format!(
                "author:           {}",
                a.assigned_author.display_name()
            ));
        }
        lines.push(format!(
            "custodian:        {}",
            opt(h
                .custodian
                .as_ref()
                .and_then(|c| c.organization.name.clone()))
        ));
        match doc.level() {
            Level::N1 => {
                if let Some(b) = n1 {
                    lines.push(format!(
                        "body:             {} ({} bytes decoded)",
                        b.media_type(),
                        b.decoded_len()
                    ));
                }
            }
            _ => lines.push(format!("sections:         {}", sections.join(", "))),
        }
        for r in &h.related_documents {
            lines.push(format!(
                "related:          {} {}",
                r.type_code.as_deref().unwrap_or("?"),
                r.parent_ids
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        lines.join("\n")
    })
}

fn validate(doc: &Document, json_out: bool) -> Result<(), CliError> {
    let report = doc.validate();
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    output::print(
        json_out,
        &json!({"valid": report.is_valid(), "errors": errors, "warnings": warnings, "findings": report.findings}),
        || {
            let mut lines: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
            lines.push(format!(
                "{}: {errors} error(s), {warnings} warning(s)",
                if report.is_valid() {
                    "valid"
                } else {
                    "invalid"
                }
            ));
            lines.join("\n")
        },
    )?;
    if report.is_valid() {
        Ok(())
    } else {
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error);
        Err(CliError::invalid(format!(
            "{errors} error(s); first: {}",
            first.map(|f| f.to_string()).unwrap_or_default()
        )))
    }
}
