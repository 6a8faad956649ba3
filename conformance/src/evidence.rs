//! Evidence: what scenarios record ([`EvidenceRecorder`]) and what the
//! editor declares ([`EvidenceConfig`]).
//!
//! # Recorded artefacts
//!
//! During a scenario, simulators record every raw exchange they see and the
//! scenario records the documents the host produced, the validation reports
//! and renderings it made. Each [`Artefact`] is hashed (SHA-256) when
//! recorded, listed in the JSON report and written into the evidence pack
//! under the folder of every requirement the scenario is tagged with.
//!
//! # The editor's evidence config
//!
//! Organisational requirements (check kind `evidence`: CNDA homologation,
//! security officer, PASSI penetration test…) cannot be replayed; the run
//! checks that the editor provides files for them. The editor lists them in a
//! JSON file passed with `--evidence-config FILE`:
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "comment": "Evidence for the Ségur vague 2 dossier of My LGC 4.2",
//!   "requirements": {
//!     "SC.SSI/GEN.18": [
//!       { "path": "dossier/pentest-passi-2025.pdf",
//!         "description": "PASSI penetration test report, March 2025" }
//!     ],
//!     "SC.SSI/GEN.01": ["dossier/designation-rssi.pdf"],
//!     "SC.DMP/CONF.11": [
//!       { "path": "dossier/screens/dmp-trace-notice.png",
//!         "comment": "screenshot kept with the host requirement" }
//!     ]
//!   }
//! }
//! ```
//!
//! - `schema_version`: must be `1`.
//! - `requirements`: keys are catalogue ids (an unknown id is an error); each
//!   value is a list of files, given as a path string or as an object with
//!   `path` and optional `description` and `comment`.
//! - Relative paths are resolved against the config file's directory.
//! - `comment` fields (top level and per file) are ignored: JSON has no comments.
//! - Unknown fields are errors, so a typo does not silently drop evidence.
//!
//! [`EvidenceConfig::template`] (`segur conformance evidence-template`)
//! prints a skeleton declaring a file for every `evidence` requirement of
//! the catalogue.
//!
//! At the start of a run every declared file is checked and hashed: it is
//! *provided* (readable, non-empty: SHA-256 and size recorded), *missing*,
//! *empty* or *unreadable*. For an `evidence` requirement, the built-in
//! scenario `evidence.<theme>.<id>` passes when at least one file is declared
//! and all declared files are provided, fails when a declared file is not
//! provided, and is not applicable when nothing is declared. Files may also be
//! declared for `auto` and `host` requirements (screenshots, procedures): they
//! are checked, reported and packed, but do not make the requirement covered.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::catalogue::{self, Requirement};
use crate::context::{VirtualClock, lock};
use crate::error::{Error, EvidenceConfigError};
use crate::failure::{Failure, ScenarioResult};

/// Some bytes with their media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// MIME type (`application/xml`, `text/plain; charset=utf-8`…).
    pub media_type: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

impl Payload {
    /// Bytes with a media type.
    pub fn new(media_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Payload {
            media_type: media_type.into(),
            bytes: bytes.into(),
        }
    }

    /// UTF-8 text.
    pub fn text(text: impl Into<String>) -> Self {
        Payload::new("text/plain; charset=utf-8", text.into().into_bytes())
    }

    /// An XML document (SOAP envelope, CDA…).
    pub fn xml(bytes: impl Into<Vec<u8>>) -> Self {
        Payload::new("application/xml", bytes)
    }

    /// A JSON document.
    pub fn json(bytes: impl Into<Vec<u8>>) -> Self {
        Payload::new("application/json", bytes)
    }

    /// An HTML page.
    pub fn html(html: impl Into<String>) -> Self {
        Payload::new("text/html; charset=utf-8", html.into().into_bytes())
    }
}

/// What an artefact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ArtefactKind {
    /// A raw request received by a simulated service.
    Request,
    /// The raw response it sent.
    Response,
    /// A document produced or stored by the host.
    Document,
    /// The report of a validation (native validator, schematron…).
    ValidationReport,
    /// A human rendering (e.g. a CDA N3 through the official stylesheet).
    Rendering,
    /// Any other note the scenario wants in the dossier.
    Note,
}

impl ArtefactKind {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ArtefactKind::Request => "request",
            ArtefactKind::Response => "response",
            ArtefactKind::Document => "document",
            ArtefactKind::ValidationReport => "validation_report",
            ArtefactKind::Rendering => "rendering",
            ArtefactKind::Note => "note",
        }
    }
}

#[derive(Debug, Clone)]
enum Content {
    Bytes(Arc<Vec<u8>>),
    File(PathBuf),
}

/// One recorded artefact.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Artefact {
    /// Order of recording in the scenario, from 1.
    pub seq: u32,
    /// What it is.
    pub kind: ArtefactKind,
    /// Name given by the recorder (a summary for exchanges).
    pub name: String,
    /// The simulated service that saw it, for exchanges.
    pub service: Option<String>,
    /// MIME type.
    pub media_type: String,
    /// Virtual time of recording.
    pub recorded_at: OffsetDateTime,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    content: Content,
}

impl Artefact {
    /// The file name used in the evidence pack: `NNN-kind-name.ext`, with
    /// only `[A-Za-z0-9._-]` characters (never a path).
    pub fn file_name(&self) -> String {
        let mut stem = String::new();
        if let Some(service) = &self.service {
            stem.push_str(service);
            stem.push('-');
        }
        stem.push_str(&self.name);
        let mut name = format!(
            "{:03}-{}-{}",
            self.seq,
            self.kind.as_str(),
            safe_file_stem(&stem)
        );
        let ext = extension_for(&self.media_type);
        if !name.to_ascii_lowercase().ends_with(ext) {
            name.push_str(ext);
        }
        name
    }

    /// The content, reading it from disk for file artefacts.
    pub fn bytes(&self) -> std::io::Result<Vec<u8>> {
        match &self.content {
            Content::Bytes(b) => Ok(b.as_ref().clone()),
            Content::File(p) => std::fs::read(p),
        }
    }

    /// Copies the content to `dest`.
    pub(crate) fn write_to(&self, dest: &Path) -> std::io::Result<()> {
        match &self.content {
            Content::Bytes(b) => std::fs::write(dest, b.as_slice()),
            Content::File(p) => std::fs::copy(p, dest).map(|_| ()),
        }
    }
}

/// Keeps `[A-Za-z0-9._-]`, turns every other run into one `-`, trims leading
/// dots and dashes and caps the length: safe as a single path component.
pub(crate) fn safe_file_stem(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_start_matches(['.', '-']).trim_end_matches('-');
    let mut capped: String = trimmed.chars().take(80).collect();
    // ".." cannot remain as a component: dots only survive inside a name.
    if capped.is_empty() || capped.chars().all(|c| c == '.') {
        capped = "artefact".to_owned();
    }
    capped
}

fn extension_for(media_type: &str) -> &'static str {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/xml" | "text/xml" | "application/soap+xml" | "application/hl7-v3+xml" => {
            ".xml"
        }
        "application/json" | "application/fhir+json" => ".json",
        "text/html" | "application/xhtml+xml" => ".html",
        "text/plain" => ".txt",
        "message/rfc822" => ".eml",
        "message/http" => ".http",
        "application/x-ndjson" => ".jsonl",
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "application/zip" => ".zip",
        _ => ".bin",
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Streams a file through SHA-256: `(hex digest, size)`.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}

/// Records artefacts for the running scenario. Clones share the record.
#[derive(Debug, Clone)]
pub struct EvidenceRecorder {
    clock: VirtualClock,
    artefacts: Arc<Mutex<Vec<Artefact>>>,
}

impl EvidenceRecorder {
    pub(crate) fn new(clock: VirtualClock) -> Self {
        EvidenceRecorder {
            clock,
            artefacts: Arc::default(),
        }
    }

    fn push(&self, mut artefact: Artefact) {
        let mut artefacts = lock(&self.artefacts);
        artefact.seq = u32::try_from(artefacts.len() + 1).unwrap_or(u32::MAX);
        artefact.recorded_at = self.clock.now();
        artefacts.push(artefact);
    }

    fn draft(
        kind: ArtefactKind,
        name: &str,
        service: Option<&str>,
        media_type: String,
    ) -> Artefact {
        Artefact {
            seq: 0,
            kind,
            name: name.to_owned(),
            service: service.filter(|s| !s.is_empty()).map(str::to_owned),
            media_type,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            sha256: String::new(),
            size: 0,
            content: Content::Bytes(Arc::default()),
        }
    }

    /// Records an artefact held in memory.
    pub fn record(&self, kind: ArtefactKind, name: &str, payload: Payload) {
        self.record_from(kind, name, None, payload);
    }

    fn record_from(&self, kind: ArtefactKind, name: &str, service: Option<&str>, payload: Payload) {
        let mut a = Self::draft(kind, name, service, payload.media_type);
        a.sha256 = sha256_hex(&payload.bytes);
        a.size = payload.bytes.len() as u64;
        a.content = Content::Bytes(Arc::new(payload.bytes));
        self.push(a);
    }

    /// Records a raw exchange seen by `service`: the request, then the
    /// response if there was one.
    pub fn exchange(
        &self,
        service: &str,
        summary: &str,
        request: Payload,
        response: Option<Payload>,
    ) {
        self.record_from(ArtefactKind::Request, summary, Some(service), request);
        if let Some(response) = response {
            self.record_from(ArtefactKind::Response, summary, Some(service), response);
        }
    }

    /// Records a document produced or stored by the host.
    pub fn document(&self, name: &str, payload: Payload) {
        self.record(ArtefactKind::Document, name, payload);
    }

    /// Records a validation report.
    pub fn validation_report(&self, name: &str, payload: Payload) {
        self.record(ArtefactKind::ValidationReport, name, payload);
    }

    /// Records an HTML rendering.
    pub fn rendering(&self, name: &str, html: impl Into<String>) {
        self.record(ArtefactKind::Rendering, name, Payload::html(html));
    }

    /// Records a text note.
    pub fn note(&self, name: &str, text: impl Into<String>) {
        self.record(ArtefactKind::Note, name, Payload::text(text));
    }

    /// Records a file on disk without loading it: hashed now, copied into the
    /// evidence pack when it is written.
    pub fn file(
        &self,
        kind: ArtefactKind,
        name: &str,
        media_type: &str,
        path: &Path,
    ) -> ScenarioResult {
        let (sha, size) = sha256_file(path).map_err(|e| {
            Failure::new(
                crate::FailureKind::Internal,
                format!("cannot read artefact file {}: {e}", path.display()),
            )
        })?;
        let mut a = Self::draft(kind, name, None, media_type.to_owned());
        a.sha256 = sha;
        a.size = size;
        a.content = Content::File(path.to_owned());
        self.push(a);
        Ok(())
    }

    /// A snapshot of what was recorded so far, in order.
    pub fn artefacts(&self) -> Vec<Artefact> {
        lock(&self.artefacts).clone()
    }
}

/// One evidence file declared by the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeclaredEvidence {
    /// The requirement it supports.
    pub requirement: &'static Requirement,
    /// The path as written in the config.
    pub path: String,
    /// The path resolved against the config file's directory.
    pub resolved: PathBuf,
    /// The editor's description.
    pub description: Option<String>,
}

/// Where [`EvidenceConfig::template`] suggests putting the evidence file of
/// a requirement: `evidence/<id>.pdf`, the id in lower case with `/` and `.`
/// as `-` (`SC.SSI/GEN.18` → `evidence/sc-ssi-gen-18.pdf`).
pub fn template_path(requirement: &Requirement) -> String {
    let name: String = requirement
        .id
        .chars()
        .map(|c| match c {
            '/' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    format!("evidence/{name}.pdf")
}

/// The editor's evidence configuration (see the module docs for the format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceConfig {
    source: Option<PathBuf>,
    entries: Vec<DeclaredEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    schema_version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    comment: Option<String>,
    #[serde(default)]
    requirements: BTreeMap<String, Vec<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Path(String),
    File(RawFile),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    path: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    comment: Option<String>,
}

impl EvidenceConfig {
    /// No evidence declared.
    pub fn empty() -> Self {
        EvidenceConfig::default()
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let parent = path.parent().unwrap_or(Path::new("."));
        // Absolute, so reports say exactly where a missing file was looked for.
        let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned());
        let mut config = Self::parse(&text, &base, path)?;
        config.source = Some(path.to_owned());
        Ok(config)
    }

    /// Parses a config from text; relative paths resolve against `base_dir`.
    pub fn from_json(text: &str, base_dir: &Path) -> Result<Self, Error> {
        Self::parse(text, base_dir, Path::new("<evidence config>"))
    }

    fn parse(text: &str, base_dir: &Path, source: &Path) -> Result<Self, Error> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| EvidenceConfigError::Syntax {
                path: source.to_owned(),
                message: e.to_string(),
            })?;
        if raw.schema_version != 1 {
            return Err(EvidenceConfigError::UnsupportedVersion {
                path: source.to_owned(),
                found: raw.schema_version,
            }
            .into());
        }
        let mut entries = Vec::new();
        for (id, files) in raw.requirements {
            let requirement = catalogue::requirement(&id).ok_or_else(|| {
                EvidenceConfigError::UnknownRequirement {
                    path: source.to_owned(),
                    id: id.clone(),
                }
            })?;
            for file in files {
                let (path, description) = match file {
                    RawEntry::Path(p) => (p, None),
                    RawEntry::File(f) => (f.path, f.description),
                };
                if path.trim().is_empty() {
                    return Err(EvidenceConfigError::EmptyPath {
                        path: source.to_owned(),
                        id: id.clone(),
                    }
                    .into());
                }
                let resolved = base_dir.join(&path);
                entries.push(DeclaredEvidence {
                    requirement,
                    path,
                    resolved,
                    description,
                });
            }
        }
        // Catalogue order, then declaration order, for stable reports.
        entries.sort_by_key(|e| {
            catalogue::CATALOGUE
                .iter()
                .position(|r| r.id == e.requirement.id)
        });
        Ok(EvidenceConfig {
            source: None,
            entries,
        })
    }

    /// A config skeleton declaring one file for every `evidence`
    /// requirement of the catalogue (at [`template_path`], described by the
    /// requirement's summary), for the editor to copy next to their dossier
    /// and fill in: `segur conformance evidence-template > evidence.json`.
    /// Generated from the catalogue, so it never misses one; until the files
    /// exist, the run reports each as missing.
    pub fn template() -> String {
        let requirements: serde_json::Map<String, serde_json::Value> = catalogue::CATALOGUE
            .iter()
            .filter(|r| r.check == catalogue::CheckKind::Evidence)
            .map(|r| {
                (
                    r.id.to_owned(),
                    serde_json::json!([{
                        "path": template_path(r),
                        "description": r.summary,
                        "comment": "replace with the path of your document (relative to this file)"
                    }]),
                )
            })
            .collect();
        let value = serde_json::json!({
            "schema_version": 1,
            "comment": "Evidence files of the organisational (evidence) REM requirements, checked by `segur conformance run --evidence-config FILE`",
            "requirements": requirements,
        });
        // A map of strings and arrays always serialises.
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The file it was loaded from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// Every declared file.
    pub fn entries(&self) -> &[DeclaredEvidence] {
        &self.entries
    }

    /// The files declared for one requirement.
    pub fn declared(&self, requirement_id: &str) -> impl Iterator<Item = &DeclaredEvidence> {
        self.entries
            .iter()
            .filter(move |e| e.requirement.id == requirement_id)
    }

    /// Checks and hashes every declared file.
    pub fn check(&self) -> Vec<EditorEvidenceCheck> {
        self.entries.iter().map(EditorEvidenceCheck::run).collect()
    }
}

/// State of one declared evidence file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvidenceFileStatus {
    /// Readable and non-empty.
    Provided,
    /// Does not exist.
    Missing,
    /// Exists but is empty.
    Empty,
    /// Exists but cannot be read (or is not a regular file).
    Unreadable,
}

impl EvidenceFileStatus {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EvidenceFileStatus::Provided => "provided",
            EvidenceFileStatus::Missing => "missing",
            EvidenceFileStatus::Empty => "empty",
            EvidenceFileStatus::Unreadable => "unreadable",
        }
    }
}

/// The check of one declared evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EditorEvidenceCheck {
    /// The requirement it supports.
    pub requirement: &'static Requirement,
    /// The path as written in the config.
    pub path: String,
    /// The resolved path.
    pub resolved: PathBuf,
    /// The editor's description.
    pub description: Option<String>,
    /// What the check found.
    pub status: EvidenceFileStatus,
    /// SHA-256 (hex) when provided.
    pub sha256: Option<String>,
    /// Size in bytes when it could be read.
    pub size: Option<u64>,
    /// Why it is not provided.
    pub message: Option<String>,
}

impl EditorEvidenceCheck {
    fn run(declared: &DeclaredEvidence) -> Self {
        let mut check = EditorEvidenceCheck {
            requirement: declared.requirement,
            path: declared.path.clone(),
            resolved: declared.resolved.clone(),
            description: declared.description.clone(),
            status: EvidenceFileStatus::Provided,
            sha256: None,
            size: None,
            message: None,
        };
        let shown = declared.resolved.display();
        match std::fs::metadata(&declared.resolved) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                check.status = EvidenceFileStatus::Missing;
                check.message = Some(format!("not found at {shown}"));
            }
            Err(e) => {
                check.status = EvidenceFileStatus::Unreadable;
                check.message = Some(format!("{shown}: {e}"));
            }
            Ok(meta) if !meta.is_file() => {
                check.status = EvidenceFileStatus::Unreadable;
                check.message = Some(format!("{shown} is not a regular file"));
            }
            Ok(_) => match sha256_file(&declared.resolved) {
                Err(e) => {
                    check.status = EvidenceFileStatus::Unreadable;
                    check.message = Some(format!("{shown}: {e}"));
                }
                Ok((_, 0)) => {
                    check.status = EvidenceFileStatus::Empty;
                    check.size = Some(0);
                    check.message = Some(format!("{shown} has no content"));
                }
                Ok((sha, size)) => {
                    check.sha256 = Some(sha);
                    check.size = Some(size);
                }
            },
        }
        check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(safe_file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_stem(".."), "artefact");
        assert_eq!(safe_file_stem(""), "artefact");
        assert_eq!(
            safe_file_stem("POST /insi rechercher"),
            "POST-insi-rechercher"
        );
        assert_eq!(safe_file_stem("cda_n3.v2.xml"), "cda_n3.v2.xml");
        assert_eq!(safe_file_stem("é/ü"), "artefact");
        assert!(safe_file_stem(&"x".repeat(500)).len() <= 80);
    }

    #[test]
    fn artefact_names_and_hashes() {
        let clock = VirtualClock::new(time::macros::datetime!(2025-03-03 08:00 UTC));
        let r = EvidenceRecorder::new(clock);
        r.exchange(
            "insi",
            "POST /insi",
            Payload::xml(b"<a/>".to_vec()),
            Some(Payload::xml(b"<b/>".to_vec())),
        );
        r.document("../vsm.xml", Payload::xml(b"<ClinicalDocument/>".to_vec()));
        r.note("why", "text");
        let a = r.artefacts();
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].file_name(), "001-request-insi-POST-insi.xml");
        assert_eq!(a[1].file_name(), "002-response-insi-POST-insi.xml");
        assert_eq!(a[2].file_name(), "003-document-vsm.xml");
        assert_eq!(a[3].file_name(), "004-note-why.txt");
        assert_eq!(
            a[3].sha256,
            "982d9e3eb996f559e633f4d194def3761d909f5a3b647d1a851fead67c32c9d1"
        );
        assert_eq!(a[3].size, 4);
    }

    #[test]
    fn config_parses_and_validates() {
        let base = Path::new("/dossier");
        let c = EvidenceConfig::from_json(
            r#"{"schema_version":1,"comment":"x","requirements":{
                "SC.SSI/GEN.18":[{"path":"pentest.pdf","description":"PASSI"}],
                "SC.SSI/GEN.01":["/abs/rssi.pdf"]}}"#,
            base,
        )
        .unwrap();
        let e = c.entries();
        assert_eq!(e.len(), 2);
        // Catalogue order: GEN.01 before GEN.18.
        assert_eq!(e[0].requirement.id, "SC.SSI/GEN.01");
        assert_eq!(e[0].resolved, PathBuf::from("/abs/rssi.pdf"));
        assert_eq!(e[1].resolved, PathBuf::from("/dossier/pentest.pdf"));
        assert_eq!(e[1].description.as_deref(), Some("PASSI"));
        assert_eq!(c.declared("SC.SSI/GEN.18").count(), 1);

        let bad = |json: &str| {
            EvidenceConfig::from_json(json, base)
                .unwrap_err()
                .to_string()
        };
        assert!(bad(r#"{"schema_version":2}"#).contains("schema_version 2"));
        assert!(
            bad(r#"{"schema_version":1,"requirements":{"SC.SSI/GEN.99":["a"]}}"#)
                .contains("SC.SSI/GEN.99")
        );
        assert!(
            bad(r#"{"schema_version":1,"requirments":{}}"#).contains("invalid evidence config")
        );
        assert!(
            bad(r#"{"schema_version":1,"requirements":{"SC.SSI/GEN.18":[" "]}}"#)
                .contains("empty evidence path")
        );
        assert!(bad("not json").contains("invalid evidence config"));
    }
}
