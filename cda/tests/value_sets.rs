//! The embedded value sets against the vendored SVS files.
//!
//! `cargo test -p segur-cda --test value_sets` checks that every file of
//! `ans-cda/jeuxDeValeurs/` is embedded in `segur_cda::n3::value_sets::jdv`
//! with exactly the same concepts (code, code system, display name).
//! `SEGUR_REGENERATE_JDV=1` rewrites `src/n3/value_sets/jdv.rs` from the files
//! (run `cargo fmt` afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use quick_xml::Reader;
use quick_xml::events::Event;
use segur_cda::n3::value_sets;

fn shared() -> PathBuf {
    match std::env::var_os("SEGUR_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")),
    }
}

#[derive(Debug, PartialEq)]
struct Svs {
    file: String,
    name: String,
    oid: String,
    concepts: Vec<(String, String, String)>,
}

fn read_svs(path: &std::path::Path) -> Svs {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut r = Reader::from_str(&xml);
    let mut svs = Svs {
        file: path.file_name().unwrap().to_string_lossy().into_owned(),
        name: String::new(),
        oid: String::new(),
        concepts: Vec::new(),
    };
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |n: &str| {
                    e.attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.local_name().as_ref() == n.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap_or_default()
                };
                match e.local_name().as_ref() {
                    b"ValueSet" => {
                        svs.name = attr("displayName");
                        svs.oid = attr("id");
                    }
                    b"Concept" => {
                        svs.concepts
                            .push((attr("code"), attr("codeSystem"), attr("displayName")))
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    svs
}

fn vendored() -> Vec<Svs> {
    let dir = shared().join("vendor/ans-cda/jeuxDeValeurs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files.iter().map(|p| read_svs(p)).collect()
}

/// `JDV_HL7_ObservationInterpretation_CISIS.xml` → `HL7_OBSERVATION_INTERPRETATION`.
fn const_name(file: &str) -> String {
    let stem = file.trim_end_matches(".xml");
    let stem = stem.strip_prefix("JDV_").unwrap_or(stem);
    let stem = stem
        .strip_suffix("_CISIS")
        .or_else(|| stem.strip_suffix("-CISIS"))
        .unwrap_or(stem);
    let mut out = String::new();
    let chars: Vec<char> = stem.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            out.push('_');
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    out.replace("__", "_")
}

fn generate(sets: &[Svs]) -> String {
    let mut s = String::from(
        "//! The value sets vendored under `ans-cda/jeuxDeValeurs/`, generated from\n\
         //! those files by `SEGUR_REGENERATE_JDV=1 cargo test -p segur-cda --test\n\
         //! value_sets` (then `cargo fmt`). Do not edit: the same test checks that\n\
         //! this data equals the files.\n\n\
         use crate::n3::codes::{Concept, ValueSet};\n\n",
    );
    for v in sets {
        s.push_str(&format!(
            "/// `{}` (`{}`), {} concepts.\npub static {}: ValueSet = ValueSet {{\n    name: {:?},\n    oid: {:?},\n    source: {:?},\n    concepts: &[\n",
            v.name,
            v.oid,
            v.concepts.len(),
            const_name(&v.file),
            v.name,
            v.oid,
            format!("ans-cda/jeuxDeValeurs/{}", v.file),
        ));
        for (code, system, display) in &v.concepts {
            s.push_str(&format!(
                "        Concept {{ code: {code:?}, code_system: {system:?}, display_name: {display:?} }},\n"
            ));
        }
        s.push_str("    ],\n};\n\n");
    }
    s.push_str("/// Every vendored value set.\npub static ALL: &[&ValueSet] = &[\n");
    for v in sets {
        s.push_str(&format!("    &{},\n", const_name(&v.file)));
    }
    s.push_str("];\n");
    s
}

#[test]
fn embedded_value_sets_equal_the_vendored_files() {
    let sets = vendored();
    assert!(
        sets.len() >= 30,
        "expected the vendored JDVs, found {}",
        sets.len()
    );
    if std::env::var_os("SEGUR_REGENERATE_JDV").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/n3/value_sets/jdv.rs");
        std::fs::write(path, generate(&sets)).unwrap();
        eprintln!("regenerated {path}; run cargo fmt and the test again");
        return;
    }
    let embedded = value_sets::jdv::ALL;
    assert_eq!(
        embedded.len(),
        sets.len(),
        "vendored JDVs and embedded ones differ in number: regenerate (SEGUR_REGENERATE_JDV=1)"
    );
    for v in &sets {
        let e = embedded
            .iter()
            .find(|e| e.oid == v.oid && e.name == v.name)
            .unwrap_or_else(|| panic!("{} ({}) is not embedded", v.name, v.oid));
        assert_eq!(e.source, format!("ans-cda/jeuxDeValeurs/{}", v.file));
        let got: Vec<(String, String, String)> = e
            .concepts
            .iter()
            .map(|c| {
                (
                    c.code.to_owned(),
                    c.code_system.to_owned(),
                    c.display_name.to_owned(),
                )
            })
            .collect();
        assert_eq!(got, v.concepts, "{}: concepts differ", v.name);
    }
}

#[test]
fn hand_written_sets_are_well_formed_and_unique() {
    let mut oids = std::collections::HashSet::new();
    for v in value_sets::all() {
        assert!(!v.concepts.is_empty(), "{}", v.name);
        assert!(oids.insert(v.oid), "duplicate value set OID {}", v.oid);
        assert!(segur_ids::Oid::parse(v.oid).is_ok(), "{}", v.oid);
        let mut seen = std::collections::HashSet::new();
        for c in v.concepts {
            assert!(
                segur_ids::Oid::parse(c.code_system).is_ok(),
                "{}",
                c.code_system
            );
            assert!(!c.display_name.is_empty());
            assert!(
                seen.insert((c.code, c.code_system)),
                "{}: duplicate {}",
                v.name,
                c.code
            );
        }
    }
    for v in value_sets::HAND_WRITTEN {
        assert!(
            !v.source.starts_with("ans-cda/"),
            "{} claims to be vendored",
            v.name
        );
    }
}

#[test]
fn const_names() {
    assert_eq!(
        const_name("JDV_HL7_ObservationInterpretation_CISIS.xml"),
        "HL7_OBSERVATION_INTERPRETATION"
    );
    assert_eq!(
        const_name("JDV_Contre_indications_CISIS.xml"),
        "CONTRE_INDICATIONS"
    );
    assert_eq!(const_name("JDV_RechAgHbS_CISIS.xml"), "RECH_AG_HB_S");
}
