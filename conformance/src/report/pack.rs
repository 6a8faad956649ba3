//! The evidence pack: what an editor attaches to its ANS proof dossier.
//!
//! Written into a new (or empty) directory by `--evidence DIR`:
//!
//! ```text
//! DIR/
//!   manifest.json            run metadata + SHA-256 and size of every other file
//!   report.json              the JSON report (schema in `report`)
//!   report.html              the HTML report, linking into the folders below
//!   report.junit.xml         the JUnit report
//!   requirements/<REQ>/      one folder per requirement that has a scenario
//!                            result or a declared evidence file; <REQ> is the
//!                            id with `/` → `_` (SC.CDA/DD.20 → SC.CDA_DD.20)
//!     index.html             the requirement's page: status, scenarios, evidence
//!     requirement.json       its coverage entry, scenario results, evidence checks
//!     manifest.json          the same metadata, for this folder's files only
//!     scenarios/<scenario id>/
//!       result.json          the scenario's result (as in report.json)
//!       NNN-kind-name.ext    its artefacts: raw exchanges, produced documents,
//!                            validation reports, renderings
//!     editor-evidence/
//!       NN-file-name         copies of the editor's declared evidence files
//! ```
//!
//! A scenario tagged with several requirements has its artefacts copied into
//! each requirement's folder, so any folder can be attached on its own.
//! [`verify`] re-hashes a pack against its manifest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::html::{self, HtmlOptions};
use super::{RunReport, SdkInfo, junit};
use crate::error::Error;
use crate::evidence::{EvidenceFileStatus, safe_file_stem, sha256_file, sha256_hex};
use crate::host::HostInfo;
use crate::runner::RunOutcome;

/// The `kind` written in every manifest.
pub const MANIFEST_KIND: &str = "segur-conformance-evidence-pack";

/// The folder name of a requirement in the pack (`SC.CDA/DD.20` → `SC.CDA_DD.20`).
pub fn requirement_dir(id: &str) -> String {
    safe_file_stem(&id.replace('/', "_"))
}

/// The pack file name of the `index`-th (from 0) evidence file declared for a
/// requirement: `NN-<file name>`.
pub fn editor_evidence_file_name(index: usize, declared_path: &str) -> String {
    let file = declared_path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(declared_path);
    format!("{:02}-{}", index + 1, safe_file_stem(file))
}

/// Whether the pack has a folder for requirement `id`: it has when a
/// scenario tagged with it ran or an evidence file is declared for it.
pub fn has_folder(report: &RunReport, id: &str) -> bool {
    report
        .scenarios
        .iter()
        .any(|s| s.requirements.iter().any(|r| r == id))
        || report.evidence.iter().any(|e| e.requirement == id)
}

/// One file listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManifestFile {
    /// Path relative to the manifest's folder, with `/` separators.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// A pack manifest (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// [`MANIFEST_KIND`].
    pub kind: String,
    /// Manifest schema version (1).
    pub schema_version: u32,
    /// The SDK.
    pub sdk: SdkInfo,
    /// The host under test.
    pub host: HostInfo,
    /// Run start (wall clock).
    #[serde(with = "time::serde::rfc3339")]
    pub run_started_at: OffsetDateTime,
    /// Run end (wall clock).
    #[serde(with = "time::serde::rfc3339")]
    pub run_finished_at: OffsetDateTime,
    /// When the pack was written.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The requirement, for a requirement folder's manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// Every file of the folder but the manifest itself, in writing order.
    pub files: Vec<ManifestFile>,
}

struct PackWriter {
    root: PathBuf,
    files: Vec<ManifestFile>,
}

impl PackWriter {
    fn path(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |p, c| p.join(c))
    }

    fn prepare(&self, rel: &str) -> Result<PathBuf, Error> {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io("create directory", parent, e))?;
        }
        Ok(path)
    }

    fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.prepare(rel)?;
        std::fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))?;
        self.files.push(ManifestFile {
            path: rel.to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        });
        Ok(())
    }

    /// Records a file written by `fill`, hashing what ended up on disk.
    fn write_with(
        &mut self,
        rel: &str,
        fill: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let path = self.prepare(rel)?;
        fill(&path).map_err(|e| Error::io("write", &path, e))?;
        let (sha256, size) = sha256_file(&path).map_err(|e| Error::io("read", &path, e))?;
        self.files.push(ManifestFile {
            path: rel.to_owned(),
            sha256,
            size,
        });
        Ok(())
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Our report types always serialise (string keys, no failing impls).
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

fn manifest(report: &RunReport, requirement: Option<&str>, files: Vec<ManifestFile>) -> Manifest {
    Manifest {
        kind: MANIFEST_KIND.to_owned(),
        schema_version: 1,
        sdk: report.sdk.clone(),
        host: report.host.clone(),
        run_started_at: report.started_at,
        run_finished_at: report.finished_at,
        generated_at: OffsetDateTime::now_utc(),
        requirement: requirement.map(str::to_owned),
        files,
    }
}

/// Writes the evidence pack of `outcome` into `dir` (created if needed; must
/// be empty) and returns the top-level manifest.
pub fn write(dir: &Path, outcome: &RunOutcome) -> Result<Manifest, Error> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::PackDirNotEmpty(dir.to_owned()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        Err(e) => return Err(Error::io("read directory", dir, e)),
    }
    let report = outcome.report();
    let mut w = PackWriter {
        root: dir.to_owned(),
        files: Vec::new(),
    };

    for r in &report.coverage.requirements {
        if !has_folder(report, &r.id) {
            continue;
        }
        let ran: Vec<_> = report
            .scenarios
            .iter()
            .filter(|s| s.requirements.contains(&r.id))
            .collect();
        let declared: Vec<_> = outcome
            .editor_evidence()
            .iter()
            .filter(|c| c.requirement.id == r.id)
            .collect();
        let base = format!("requirements/{}", requirement_dir(&r.id));
        let first_file = w.files.len();

        for s in &ran {
            let sdir = format!("{base}/scenarios/{}", safe_file_stem(&s.id));
            w.write(&format!("{sdir}/result.json"), &json(s))?;
            for a in outcome.artefacts(&s.id) {
                w.write_with(&format!("{sdir}/{}", a.file_name()), |p| a.write_to(p))?;
            }
        }
        for (i, c) in declared.iter().enumerate() {
            if c.status != EvidenceFileStatus::Provided {
                continue;
            }
            let name = editor_evidence_file_name(i, &c.path);
            w.write_with(&format!("{base}/editor-evidence/{name}"), |p| {
                std::fs::copy(&c.resolved, p).map(|_| ())
            })?;
        }
        let evidence: Vec<_> = report
            .evidence
            .iter()
            .filter(|e| e.requirement == r.id)
            .collect();
        w.write(
            &format!("{base}/requirement.json"),
            &json(&serde_json::json!({
                "schema_version": super::SCHEMA_VERSION,
                "requirement": r,
                "scenarios": ran,
                "evidence": evidence,
            })),
        )?;
        if let Some(page) = html::render_requirement(report, &r.id) {
            w.write(&format!("{base}/index.html"), page.as_bytes())?;
        }
        let prefix = format!("{base}/");
        let local: Vec<ManifestFile> = w.files[first_file..]
            .iter()
            .map(|f| ManifestFile {
                path: f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_owned(),
                ..f.clone()
            })
            .collect();
        w.write(
            &format!("{base}/manifest.json"),
            &json(&manifest(report, Some(&r.id), local)),
        )?;
    }

    w.write("report.json", report.to_json().as_bytes())?;
    w.write(
        "report.html",
        html::render(report, &HtmlOptions::with_pack("")).as_bytes(),
    )?;
    w.write("report.junit.xml", junit::render(report).as_bytes())?;

    let top = manifest(report, None, std::mem::take(&mut w.files));
    let bytes = json(&top);
    let path = w.path("manifest.json");
    std::fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))?;
    Ok(top)
}

/// A difference between a pack and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackProblem {
    /// A listed file is absent.
    Missing(String),
    /// A listed file's content changed.
    Changed(String),
    /// A file is present but not listed.
    Unlisted(String),
}

/// Re-hashes every file of the pack at `dir` against its top-level
/// manifest. Returns the problems found (empty: the pack is intact).
pub fn verify(dir: &Path) -> Result<Vec<PackProblem>, Error> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| Error::Report(format!("{}: {e}", path.display())))?;
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        listed.insert(f.path.clone());
        let p = f.path.split('/').fold(dir.to_owned(), |p, c| p.join(c));
        match sha256_file(&p) {
            Err(_) => problems.push(PackProblem::Missing(f.path.clone())),
            Ok((sha, size)) if sha != f.sha256 || size != f.size => {
                problems.push(PackProblem::Changed(f.path.clone()));
            }
            Ok(_) => {}
        }
    }
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io("read directory", &d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read directory", &d, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel_path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if entry.path().is_dir() {
                stack.push((entry.path(), rel_path));
            } else if rel_path != "manifest.json" && !listed.contains(&rel_path) {
                problems.push(PackProblem::Unlisted(rel_path));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(requirement_dir("SC.DMP/ALI/PROG.02"), "SC.DMP_ALI_PROG.02");
        assert_eq!(requirement_dir("SENTINELLE.02"), "SENTINELLE.02");
        assert_eq!(
            editor_evidence_file_name(0, "dossier/pentest 2025.pdf"),
            "01-pentest-2025.pdf"
        );
        assert_eq!(
            editor_evidence_file_name(11, "C:\\dossier\\rssi.pdf"),
            "12-rssi.pdf"
        );
        assert_eq!(editor_evidence_file_name(0, "../.."), "01-artefact");
    }
}
