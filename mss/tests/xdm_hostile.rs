//! The hostile-archive corpus, built by the test itself: every archive must
//! give its typed error, never a panic, and never write outside memory.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::io::{Cursor, Write};

use segur_mss::XdmError;
use segur_mss::xdm::{ReadmeInfo, SubsetToWrite, XdmLimits, read_archive, write_archive};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

fn opts() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A zip with the given (name, bytes) entries, written by the zip crate.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, opts()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const META: &[u8] = b"<rim:SubmitObjectsRequest/>";

fn valid() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("README.TXT", b"readme"),
        ("INDEX.HTM", b"<html/>"),
        ("IHE_XDM/SUBSET01/METADATA.XML", META),
        ("IHE_XDM/SUBSET01/DOC0001.XML", b"<ClinicalDocument/>"),
    ]
}

/// Replaces `from` by `to` (same length) everywhere in the archive bytes, so
/// local and central headers agree: lets the test write names the zip crate
/// would refuse to write.
fn patch(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    let mut n = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(n >= 2, "pattern found {n} times");
    bytes
}

fn read(bytes: &[u8]) -> Result<segur_mss::xdm::XdmArchive, XdmError> {
    read_archive(bytes, &XdmLimits::default())
}

#[test]
fn valid_archive_is_read_with_its_layout() {
    let a = read(&zip_of(&valid())).unwrap();
    assert_eq!(a.subsets.len(), 1);
    let s = &a.subsets[0];
    assert_eq!(s.name, "SUBSET01");
    assert_eq!(s.metadata, META);
    assert_eq!(s.file("DOC0001.XML").unwrap().data, b"<ClinicalDocument/>");
    assert_eq!(s.file("doc0001.xml").unwrap().name, "DOC0001.XML");
    assert_eq!(a.readme.as_deref(), Some(&b"readme"[..]));
    assert!(a.index_htm.is_some());
}

#[test]
fn zip_slip_names_are_refused() {
    // Same-length substitutions of "IHE_XDM/SUBSET01/DOC0001.XML" (28 bytes).
    let base = zip_of(&valid());
    for evil in [
        &b"../../../../../../etc/passwd"[..],
        b"/IHE_XDM/SUBSET01/DOC001.XML",
        b"IHE_XDM/SUBSET01/../../x.xml",
        b"IHE_XDM\\SUBSET01\\DOC0001.XML",
        b"C:/IHE_XDM/SUBSET01/DOC1.XML",
        b"IHE_XDM/SUBSET01/DOC0001\0XML",
    ] {
        let bytes = patch(base.clone(), b"IHE_XDM/SUBSET01/DOC0001.XML", evil);
        match read(&bytes) {
            Err(XdmError::UnsafePath { name, .. }) => assert_eq!(name.as_bytes(), evil),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(evil)),
        }
    }
}

#[test]
fn bombs_are_refused_by_ratio_and_by_total() {
    // 8 MiB of zeros deflate to a few KiB: ratio far above 100.
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let mut entries = valid();
    entries.push(("IHE_XDM/SUBSET01/BOMB.XML", &zeros));
    let bytes = zip_of(&entries);
    assert!(bytes.len() < 100_000);
    assert!(matches!(read(&bytes), Err(XdmError::Bomb { .. })));

    // Incompressible-looking data over the total limit.
    let noise: Vec<u8> = (0..600_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut entries = valid();
    entries.push(("IHE_XDM/SUBSET01/A.XML", &noise));
    entries.push(("IHE_XDM/SUBSET01/B.XML", &noise));
    let limits = XdmLimits {
        max_total_size: 1_000_000,
        ..XdmLimits::default()
    };
    match read_archive(&zip_of(&entries), &limits) {
        Err(XdmError::Bomb { reason }) => assert!(reason.contains("archive"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let limits = XdmLimits {
        max_entry_size: 500_000,
        ..XdmLimits::default()
    };
    assert!(matches!(
        read_archive(&zip_of(&entries), &limits),
        Err(XdmError::Bomb { .. })
    ));
}

#[test]
fn lying_declared_size_is_caught_while_decompressing() {
    // An entry whose headers declare 19 bytes but which inflates to 2 MiB of
    // zeros: patch the sizes of a real entry.
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let bytes = zip_of(&[
        ("IHE_XDM/SUBSET01/METADATA.XML", META),
        ("IHE_XDM/SUBSET01/D.XML", &zeros),
    ]);
    let declared = (zeros.len() as u32).to_le_bytes();
    let bytes = patch(bytes, &declared, &19u32.to_le_bytes());
    let err = read(&bytes).unwrap_err();
    assert!(
        matches!(err, XdmError::Malformed(_) | XdmError::Bomb { .. }),
        "{err:?}"
    );
}

#[test]
fn encrypted_entries_are_refused() {
    let mut bytes = zip_of(&valid());
    // Set bit 0 (encrypted) of the general-purpose flags in every local
    // (offset 6) and central (offset 8) header.
    let mut i = 0;
    while i + 4 <= bytes.len() {
        match &bytes[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => bytes[i + 6] |= 1,
            [0x50, 0x4b, 0x01, 0x02] => bytes[i + 8] |= 1,
            _ => {}
        }
        i += 1;
    }
    assert!(matches!(read(&bytes), Err(XdmError::Encrypted(_))));
}

#[test]
fn symlinks_are_refused() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("IHE_XDM/SUBSET01/METADATA.XML", opts())
        .unwrap();
    w.write_all(META).unwrap();
    w.add_symlink("IHE_XDM/SUBSET01/DOC0001.XML", "/etc/passwd", opts())
        .unwrap();
    let bytes = w.finish().unwrap().into_inner();
    assert!(matches!(read(&bytes), Err(XdmError::Symlink(_))));
}

#[test]
fn duplicate_names_are_refused() {
    let bytes = zip_of(&[
        ("IHE_XDM/SUBSET01/METADATA.XML", META),
        ("IHE_XDM/SUBSET01/doc1.xml", b"a"),
        ("IHE_XDM/SUBSET01/DOC2.XML", b"b"),
    ]);
    let bytes = patch(bytes, b"DOC2.XML", b"DOC1.XML");
    assert!(matches!(read(&bytes), Err(XdmError::DuplicateEntry(_))));
}

#[test]
fn malformed_and_incomplete_archives() {
    assert!(matches!(read(b""), Err(XdmError::Malformed(_))));
    assert!(matches!(
        read(b"PK\x03\x04 not really a zip"),
        Err(XdmError::Malformed(_))
    ));
    let good = zip_of(&valid());
    assert!(matches!(
        read(&good[..good.len() / 2]),
        Err(XdmError::Malformed(_))
    ));
    // Corrupt the compressed data of the document: CRC or inflate error.
    let mut corrupt = good.clone();
    let pos = corrupt.windows(8).position(|w| w == b"DOC0001.").unwrap() + 20;
    for b in &mut corrupt[pos..pos + 8] {
        *b ^= 0x5a;
    }
    assert!(read(&corrupt).is_err());
    // No METADATA.XML.
    let no_meta = zip_of(&[("IHE_XDM/SUBSET01/DOC0001.XML", b"x"), ("README.TXT", b"r")]);
    assert!(matches!(read(&no_meta), Err(XdmError::MissingMetadata)));
    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..30)
        .map(|i| (format!("IHE_XDM/S/F{i}.XML"), vec![1]))
        .collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let limits = XdmLimits {
        max_entries: 10,
        ..XdmLimits::default()
    };
    assert!(matches!(
        read_archive(&zip_of(&refs), &limits),
        Err(XdmError::TooManyEntries { limit: 10 })
    ));
}

#[test]
fn unsupported_compression_is_refused() {
    let bytes = zip_of(&valid());
    // Method field: local header offset 8, central header offset 10; 8 = deflate → 12 (bzip2).
    let mut b = bytes.clone();
    let mut i = 0;
    while i + 4 <= b.len() {
        match &b[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => b[i + 8] = 12,
            [0x50, 0x4b, 0x01, 0x02] => b[i + 10] = 12,
            _ => {}
        }
        i += 1;
    }
    assert!(matches!(
        read(&b),
        Err(XdmError::UnsupportedCompression { .. }) | Err(XdmError::Malformed(_))
    ));
}

fn info() -> ReadmeInfo {
    ReadmeInfo {
        sender: "Cabinet <Test>".into(),
        contact: "dr@test.mssante.fr".into(),
        software: "segur-mss test".into(),
    }
}

#[test]
fn written_archive_has_the_ihe_layout() {
    let s = SubsetToWrite {
        name: "SUBSET01".into(),
        metadata: META.to_vec(),
        documents: vec![(
            "DOC0001.XML".into(),
            "Compte rendu <b>".into(),
            b"<ClinicalDocument/>".to_vec(),
        )],
    };
    let bytes = write_archive(&[s], &info(), time::OffsetDateTime::UNIX_EPOCH).unwrap();
    let a = read(&bytes).unwrap();
    assert_eq!(a.subsets[0].files.len(), 1);
    let index = String::from_utf8(a.index_htm.unwrap()).unwrap();
    assert!(index.contains("href=\"IHE_XDM/SUBSET01/DOC0001.XML\""));
    assert!(index.contains("Compte rendu &lt;b&gt;"));
    assert!(index.contains("Cabinet &lt;Test&gt;"));
    assert!(
        String::from_utf8(a.readme.unwrap())
            .unwrap()
            .contains("segur-mss test")
    );
    assert!(write_archive(&[], &info(), time::OffsetDateTime::UNIX_EPOCH).is_err());
    let evil = SubsetToWrite {
        name: "../x".into(),
        metadata: vec![],
        documents: vec![("a".into(), "a".into(), vec![])],
    };
    assert!(write_archive(&[evil], &info(), time::OffsetDateTime::UNIX_EPOCH).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn archive_round_trip(docs in proptest::collection::vec(("[A-Z][A-Z0-9_]{0,10}\\.XML", proptest::collection::vec(proptest::num::u8::ANY, 0..2000)), 1..6),
                          meta in proptest::collection::vec(proptest::num::u8::ANY, 0..500)) {
        let mut seen = std::collections::HashSet::new();
        let docs: Vec<_> = docs.into_iter().filter(|(n, _)| n != "METADATA.XML" && seen.insert(n.to_lowercase())).collect();
        let s = SubsetToWrite {
            name: "SUBSET01".into(),
            metadata: meta.clone(),
            documents: docs.iter().map(|(n, d)| (n.clone(), n.clone(), d.clone())).collect(),
        };
        let bytes = write_archive(&[s], &info(), time::OffsetDateTime::UNIX_EPOCH).unwrap();
        let a = read(&bytes).unwrap();
        proptest::prop_assert_eq!(&a.subsets[0].metadata, &meta);
        proptest::prop_assert_eq!(a.subsets[0].files.len(), docs.len());
        for (n, d) in &docs {
            proptest::prop_assert_eq!(&a.subsets[0].file(n).unwrap().data, d);
        }
    }

    #[test]
    fn reader_never_panics_on_mutations(pos in 0usize..2000, val in proptest::num::u8::ANY) {
        let mut bytes = zip_of(&valid());
        let p = pos % bytes.len();
        bytes[p] = val;
        let _ = read(&bytes);
    }
}
