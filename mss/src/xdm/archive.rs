//! The `IHE_XDM.zip` container (IHE ITI-32 "Distribute Document Set on
//! Media", zip over e-mail): writing the layout, and reading it defensively.
//!
//! ```text
//! IHE_XDM.zip
//! ├── INDEX.HTM            human-readable index
//! ├── README.TXT           sender and software information
//! └── IHE_XDM/
//!     └── SUBSET01/
//!         ├── METADATA.XML ebRIM SubmitObjectsRequest
//!         └── DOC0001.XML  the documents, referenced by the "URI" slot
//! ```
//!
//! Reading never trusts the archive: every entry name is checked (no `..`, no
//! absolute path, no drive letter, no backslash, no control character), links,
//! encrypted entries, duplicate names and unknown compression methods are
//! refused, and sizes are enforced on the bytes actually decompressed (entry
//! size, total size, compression ratio) so a zip bomb stops early.

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read, Write};

use zip::CompressionMethod;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;

use crate::error::XdmError;

/// Limits applied when reading an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XdmLimits {
    /// Most entries (files and folders).
    pub max_entries: usize,
    /// Largest decompressed entry, in bytes.
    pub max_entry_size: u64,
    /// Largest decompressed total, in bytes.
    pub max_total_size: u64,
    /// Highest decompressed/compressed ratio of an entry…
    pub max_ratio: u64,
    /// …checked for entries larger than this (small text files compress well).
    pub ratio_threshold: u64,
}

impl Default for XdmLimits {
    /// 1000 entries, 100 MiB per entry, 200 MiB in total, ratio 100 above 1 MiB:
    /// Mon espace santé caps a whole message at 25 MB, and CDA documents with
    /// an embedded PDF compress around 1.5:1 (XML alone around 10:1).
    fn default() -> Self {
        Self {
            max_entries: 1000,
            max_entry_size: 100 * 1024 * 1024,
            max_total_size: 200 * 1024 * 1024,
            max_ratio: 100,
            ratio_threshold: 1024 * 1024,
        }
    }
}

/// One file read from (or to write into) a subset folder.
#[derive(Clone, PartialEq, Eq)]
pub struct XdmFile {
    /// Path relative to the subset folder (`DOC0001.XML`).
    pub name: String,
    /// Bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for XdmFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XdmFile")
            .field("name", &self.name)
            .field("len", &self.data.len())
            .finish()
    }
}

/// One submission set folder `IHE_XDM/<name>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XdmSubset {
    /// Folder name (`SUBSET01`).
    pub name: String,
    /// `METADATA.XML` bytes.
    pub metadata: Vec<u8>,
    /// The other files of the folder (documents), by path relative to it.
    pub files: Vec<XdmFile>,
}

impl XdmSubset {
    /// The file at `uri` (relative to the folder, case-insensitive), as the
    /// metadata `URI` slot names it.
    pub fn file(&self, uri: &str) -> Option<&XdmFile> {
        let wanted = uri.trim_start_matches("./");
        self.files
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(wanted))
    }
}

/// A whole archive, read safely.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XdmArchive {
    /// The submission sets, in folder-name order.
    pub subsets: Vec<XdmSubset>,
    /// `INDEX.HTM`, when present.
    pub index_htm: Option<Vec<u8>>,
    /// `README.TXT`, when present.
    pub readme: Option<Vec<u8>>,
    /// Any other file outside the subsets (ignored by integration).
    pub other: Vec<XdmFile>,
}

/// Checks an entry name and returns its components.
pub fn check_entry_name(name: &str) -> Result<Vec<&str>, XdmError> {
    let fail = |reason| XdmError::UnsafePath {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(fail("empty name"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(fail("control character"));
    }
    if name.contains('\\') {
        return Err(fail("backslash"));
    }
    if name.starts_with('/') {
        return Err(fail("absolute path"));
    }
    if name.contains(':') {
        return Err(fail("drive letter or stream name"));
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    let mut parts = Vec::new();
    for part in trimmed.split('/') {
        match part {
            "" => return Err(fail("empty path component")),
            "." | ".." => return Err(fail("dot component")),
            p if p.trim().is_empty() || p.ends_with('.') || p.ends_with(' ') => {
                return Err(fail("component ending with a dot or space"));
            }
            p => parts.push(p),
        }
    }
    Ok(parts)
}

fn zip_error(e: ZipError) -> XdmError {
    match e {
        ZipError::UnsupportedArchive(m) if m.to_ascii_lowercase().contains("password") => {
            XdmError::Encrypted(String::new())
        }
        ZipError::InvalidPassword => XdmError::Encrypted(String::new()),
        other => XdmError::Malformed(other.to_string()),
    }
}

/// Reads an archive with `limits`.
pub fn read_archive(bytes: &[u8], limits: &XdmLimits) -> Result<XdmArchive, XdmError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    if zip.len() > limits.max_entries {
        return Err(XdmError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    let mut seen = HashSet::new();
    let mut total: u64 = 0;
    let mut files: Vec<(Vec<String>, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let (name, is_dir) = {
            let raw = zip.by_index_raw(i).map_err(zip_error)?;
            // Names that are not UTF-8 are CP437 (zip APPNOTE); the zip crate decodes them.
            let name = String::from_utf8(raw.name_raw().to_vec())
                .unwrap_or_else(|_| raw.name().to_owned());
            check_entry_name(&name)?;
            if raw.encrypted() {
                return Err(XdmError::Encrypted(name));
            }
            if raw.is_symlink() {
                return Err(XdmError::Symlink(name));
            }
            match raw.compression() {
                CompressionMethod::Stored | CompressionMethod::Deflated => {}
                other => {
                    return Err(XdmError::UnsupportedCompression {
                        name,
                        method: format!("{other:?}"),
                    });
                }
            }
            let key = name.trim_end_matches('/').to_lowercase();
            if !seen.insert(key) {
                return Err(XdmError::DuplicateEntry(name));
            }
            // Declared sizes first (cheap early refusal); actual bytes below.
            let declared = raw.size();
            if declared > limits.max_entry_size {
                return Err(XdmError::Bomb {
                    reason: format!(
                        "{name} declares {declared} bytes (limit {})",
                        limits.max_entry_size
                    ),
                });
            }
            let compressed = raw.compressed_size().max(1);
            if declared > limits.ratio_threshold && declared / compressed > limits.max_ratio {
                return Err(XdmError::Bomb {
                    reason: format!(
                        "{name} declares a compression ratio of {} (limit {})",
                        declared / compressed,
                        limits.max_ratio
                    ),
                });
            }
            (name, raw.is_dir())
        };
        if is_dir {
            continue;
        }
        let mut entry = zip.by_index(i).map_err(|e| match zip_error(e) {
            XdmError::Encrypted(_) => XdmError::Encrypted(name.clone()),
            other => other,
        })?;
        let compressed = entry.compressed_size().max(1);
        let cap = limits
            .max_entry_size
            .min(limits.max_total_size.saturating_sub(total));
        let mut data = Vec::new();
        let mut limited = (&mut entry).take(cap.saturating_add(1));
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = limited
                .read(&mut buf)
                .map_err(|e| XdmError::Malformed(format!("{name}: {e}")))?;
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
            let len = data.len() as u64;
            if len > cap {
                let reason = if len > limits.max_entry_size {
                    format!("{name} decompresses beyond {} bytes", limits.max_entry_size)
                } else {
                    format!(
                        "the archive decompresses beyond {} bytes",
                        limits.max_total_size
                    )
                };
                return Err(XdmError::Bomb { reason });
            }
            if len > limits.ratio_threshold && len / compressed > limits.max_ratio {
                return Err(XdmError::Bomb {
                    reason: format!(
                        "{name} decompresses with a ratio above {}",
                        limits.max_ratio
                    ),
                });
            }
        }
        // The zip reader checks the CRC when the end of the entry is reached;
        // a short read means the declared size lied.
        if data.len() as u64 != entry.size() {
            return Err(XdmError::Malformed(format!(
                "{name}: {} bytes read, {} declared",
                data.len(),
                entry.size()
            )));
        }
        total += data.len() as u64;
        let parts = check_entry_name(&name)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        files.push((parts, data));
    }
    layout(files)
}

fn layout(files: Vec<(Vec<String>, Vec<u8>)>) -> Result<XdmArchive, XdmError> {
    let mut archive = XdmArchive::default();
    let mut subsets: BTreeMap<String, (Option<Vec<u8>>, Vec<XdmFile>)> = BTreeMap::new();
    let mut loose = Vec::new();
    for (parts, data) in files {
        let in_xdm = parts.len() >= 3 && parts[0].eq_ignore_ascii_case("IHE_XDM");
        if in_xdm {
            let entry = subsets.entry(parts[1].clone()).or_default();
            let rest = parts[2..].join("/");
            if parts.len() == 3 && parts[2].eq_ignore_ascii_case("METADATA.XML") {
                entry.0 = Some(data);
            } else {
                entry.1.push(XdmFile { name: rest, data });
            }
        } else if parts.len() == 1 && parts[0].eq_ignore_ascii_case("INDEX.HTM") {
            archive.index_htm = Some(data);
        } else if parts.len() == 1 && parts[0].eq_ignore_ascii_case("README.TXT") {
            archive.readme = Some(data);
        } else {
            loose.push((parts.join("/"), data));
        }
    }
    for (name, (metadata, files)) in subsets {
        match metadata {
            Some(metadata) => archive.subsets.push(XdmSubset {
                name,
                metadata,
                files,
            }),
            // Files in a folder without metadata are kept as loose files.
            None => loose.extend(
                files
                    .into_iter()
                    .map(|f| (format!("IHE_XDM/{name}/{}", f.name), f.data)),
            ),
        }
    }
    if archive.subsets.is_empty() {
        return Err(XdmError::MissingMetadata);
    }
    archive.other = loose
        .into_iter()
        .map(|(name, data)| XdmFile { name, data })
        .collect();
    Ok(archive)
}

/// What README.TXT says about the sender (IHE ITI TF-1 §16: contact of the
/// sending organisation and the application that wrote the package).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadmeInfo {
    /// Sending organisation or professional.
    pub sender: String,
    /// Contact (MSSanté address, phone).
    pub contact: String,
    /// Software name and version.
    pub software: String,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `README.TXT` content.
pub fn readme_text(info: &ReadmeInfo, created: time::OffsetDateTime) -> String {
    format!(
        "IHE XDM - Distribute Document Set on Media\r\n\r\nExpediteur : {}\r\nContact : {}\r\nLogiciel : {}\r\nCree le : {}\r\n\r\nCe paquet contient des documents de sante au format CDA R2 (dossier IHE_XDM),\r\ndecrits par les metadonnees XDS du fichier METADATA.XML de chaque sous-dossier.\r\nOuvrir INDEX.HTM pour la liste des documents.\r\n",
        info.sender,
        info.contact,
        info.software,
        created.date()
    )
}

/// `INDEX.HTM` content: a link per document.
pub fn index_html(info: &ReadmeInfo, entries: &[(String, String)]) -> String {
    let mut rows = String::new();
    for (path, title) in entries {
        rows.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            html_escape(path),
            html_escape(title)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"UTF-8\"><title>IHE XDM</title></head><body>\n<h1>Documents transmis</h1>\n<p>Expéditeur : {}</p>\n<ul>\n{rows}</ul>\n<p><a href=\"README.TXT\">README.TXT</a></p>\n</body></html>\n",
        html_escape(&info.sender)
    )
}

/// One subset to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetToWrite {
    /// Folder name (`SUBSET01`).
    pub name: String,
    /// `METADATA.XML`.
    pub metadata: Vec<u8>,
    /// Documents: (file name relative to the folder, title for INDEX.HTM, bytes).
    pub documents: Vec<(String, String, Vec<u8>)>,
}

/// Writes an archive (deflated entries, folders first).
pub fn write_archive(
    subsets: &[SubsetToWrite],
    info: &ReadmeInfo,
    created: time::OffsetDateTime,
) -> Result<Vec<u8>, XdmError> {
    if subsets.is_empty() || subsets.iter().all(|s| s.documents.is_empty()) {
        return Err(XdmError::Pack("no document".into()));
    }
    let when = zip::DateTime::from_date_and_time(
        created.year().clamp(1980, 2107) as u16,
        u8::from(created.month()),
        created.day(),
        created.hour(),
        created.minute(),
        created.second(),
    )
    .unwrap_or_default();
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(when);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let pack = |e: ZipError| XdmError::Pack(e.to_string());
    let io = |e: std::io::Error| XdmError::Pack(e.to_string());
    let mut index_entries = Vec::new();
    for s in subsets {
        check_entry_name(&s.name)?;
        for (name, title, _) in &s.documents {
            check_entry_name(name)?;
            if name.eq_ignore_ascii_case("METADATA.XML") {
                return Err(XdmError::Pack(
                    "a document may not be named METADATA.XML".into(),
                ));
            }
            index_entries.push((format!("IHE_XDM/{}/{name}", s.name), title.clone()));
        }
    }
    w.start_file("INDEX.HTM", opts).map_err(pack)?;
    w.write_all(index_html(info, &index_entries).as_bytes())
        .map_err(io)?;
    w.start_file("README.TXT", opts).map_err(pack)?;
    w.write_all(readme_text(info, created).as_bytes())
        .map_err(io)?;
    w.add_directory("IHE_XDM/", opts).map_err(pack)?;
    for s in subsets {
        w.add_directory(format!("IHE_XDM/{}/", s.name), opts)
            .map_err(pack)?;
        w.start_file(format!("IHE_XDM/{}/METADATA.XML", s.name), opts)
            .map_err(pack)?;
        w.write_all(&s.metadata).map_err(io)?;
        for (name, _, data) in &s.documents {
            w.start_file(format!("IHE_XDM/{}/{name}", s.name), opts)
                .map_err(pack)?;
            w.write_all(data).map_err(io)?;
        }
    }
    Ok(w.finish().map_err(pack)?.into_inner())
}

/// SHA-1 (hex, lower case) and size of a document, as the XDS `hash` and
/// `size` slots carry them.
pub fn hash_and_size(data: &[u8]) -> (String, u64) {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    (hex, data.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        for ok in [
            "IHE_XDM/SUBSET01/DOC0001.XML",
            "INDEX.HTM",
            "IHE_XDM/",
            "a/b c/d.xml",
        ] {
            assert!(check_entry_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "../evil",
            "IHE_XDM/../../etc/passwd",
            "/etc/passwd",
            "C:/Windows/x",
            "IHE_XDM\\..\\x",
            "a//b",
            "./a",
            "a/./b",
            "a\0b",
            "a\nb",
            "",
            "a/b.",
            "a/ ",
            "file.xml:stream",
        ] {
            assert!(check_entry_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sha1_of_known_value() {
        assert_eq!(
            hash_and_size(b"abc"),
            ("a9993e364706816aba3e25717850c26c9cd0d89d".into(), 3)
        );
    }
}
