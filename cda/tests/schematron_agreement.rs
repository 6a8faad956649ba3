//! Opt-in (SEGUR_SCHEMATRON_PYTHON, set by scripts/setup.d/20-schematron.sh):
//! the native validator and the official "Structuration minimale" header
//! schematron flag exactly the same documents, on produced documents and on
//! deliberately broken copies.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use segur_cda::{Document, samples};

fn shared() -> PathBuf {
    std::env::var_os("SEGUR_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into())
}

/// Mutations of a valid N1 document, each breaking one header rule that both
/// validators cover: (name, from, to, native rule expected).
const BROKEN: &[(&str, &str, &str, &str)] = &[
    ("no-realm", "<realmCode code=\"FR\"/>", "", "HDR-01"),
    (
        "language-fr",
        "<languageCode code=\"fr-FR\"/>",
        "<languageCode code=\"fr\"/>",
        "HDR-12",
    ),
    (
        "no-title",
        "<title>Compte rendu de consultation</title>",
        "",
        "HDR-08",
    ),
    (
        "signature-x",
        "<signatureCode code=\"S\"/>",
        "<signatureCode code=\"X\"/>",
        "LEG-02",
    ),
    (
        "four-templates",
        "<templateId root=\"1.3.6.1.4.1.19376.1.2.20\"/>",
        "<templateId root=\"1.3.6.1.4.1.19376.1.2.20\"/><templateId root=\"1.2.250.1.213.1.1.1.99\"/>",
        "HDR-04",
    ),
    (
        "ins-without-birth-name",
        "<family qualifier=\"BR\">TESTPATIENT</family>",
        "",
        "RT-04",
    ),
    (
        "ins-without-extension",
        "<id root=\"1.2.250.1.213.1.4.10\" extension=\"285037511104286\"/>",
        "<id root=\"1.2.250.1.213.1.4.10\"/>",
        "RT-02",
    ),
    (
        "bad-effective-time",
        "<effectiveTime value=\"20240315103000+0100\"/>",
        "<effectiveTime value=\"2024133\"/>",
        "HDR-09",
    ),
    (
        "order-without-root",
        "<id root=\"1.2.250.1.999.1.1\" extension=\"DEMANDE-42\"/>",
        "<id extension=\"DEMANDE-42\"/>",
        "IFO-01",
    ),
    (
        "no-author-time",
        "<time value=\"20240315103000+0100\"/>\n    <assignedAuthor>",
        "<assignedAuthor>",
        "AUT-02",
    ),
    (
        "gender-x",
        "<administrativeGenderCode code=\"F\"",
        "<administrativeGenderCode code=\"X\"",
        "RT-06",
    ),
    (
        "participant-type",
        "<participant typeCode=\"REF\">",
        "<participant typeCode=\"XYZ\">",
        "PRT-01",
    ),
    // Every occurrence (author's and performer's organisations).
    (
        "practice-setting-not-j04",
        "\"AMBULATOIRE\"",
        "\"XXX\"",
        "DOC-04",
    ),
    (
        "facility-not-j02",
        "code=\"SA08\"",
        "code=\"XXX\"",
        "ENC-02",
    ),
    (
        "author-prefix-not-civilite",
        "<prefix>M</prefix>",
        "<prefix>ZZ</prefix>",
        "DT-06",
    ),
    (
        "two-version-numbers",
        "<versionNumber value=\"1\"/>",
        "<versionNumber value=\"1\"/><versionNumber value=\"2\"/>",
        "HDR-16",
    ),
];

#[test]
fn native_validator_agrees_with_the_official_header_schematron() {
    let Some(python) = std::env::var_os("SEGUR_SCHEMATRON_PYTHON") else {
        eprintln!(
            "skipped: set SEGUR_SCHEMATRON_PYTHON (scripts/setup.d/20-schematron.sh, run by scripts/test-all) to compare with the official schematron"
        );
        return;
    };
    let tool = std::env::var_os("SEGUR_SCHEMATRON_TOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared().join("tools/schematron.py"));
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    // Produced documents (must pass both).
    let ids = segur_cda::clock::OidSequence::new(samples::SAMPLE_STRUCTURE_OID, "AGREE-");
    let n1 = samples::n1_document().unwrap();
    files.push(("good-sample-n1".into(), n1.to_xml()));
    let unq = samples::consultation_header(
        samples::unqualified_patient().build().unwrap(),
        &samples::clock(),
        &ids,
    )
    .build_n1(segur_cda::NonXmlBody::pdf(samples::simple_pdf(&["x"])))
    .unwrap();
    files.push(("good-unqualified".into(), unq.to_xml()));
    let v2 =
        segur_cda::versions::new_version(&n1, n1.body.clone(), &ids, &samples::clock()).unwrap();
    files.push(("good-version-2".into(), v2.to_xml()));
    // Official examples (valid per ANS).
    for f in [
        "DOC_NON_STRUCTURE_CDA-R2-N1.xml",
        "VSM_1.4_2022.01.xml",
        "CSE-CS8_2025.01.xml",
    ] {
        let bytes = std::fs::read(shared().join("vendor/ans-cda/ExemplesCDA").join(f)).unwrap();
        files.push((
            format!("good-{f}"),
            Document::parse(bytes).unwrap().to_xml(),
        ));
    }
    // Broken copies.
    let base = String::from_utf8(n1.to_xml()).unwrap();
    for (name, from, to, _) in BROKEN {
        assert!(base.contains(from), "{name}: pattern not found");
        // The practice setting is changed everywhere (author and performer
        // organisations); other mutations touch the first occurrence only.
        let mutated = if *name == "practice-setting-not-j04" {
            base.replace(from, to)
        } else {
            base.replacen(from, to, 1)
        };
        files.push((format!("broken-{name}"), mutated.into_bytes()));
    }

    // Broken copy of the official CS8 example: its mother informant with a
    // relationship class the header schematron does not allow (PRS).
    let cs8 = String::from_utf8(
        Document::parse(
            std::fs::read(shared().join("vendor/ans-cda/ExemplesCDA/CSE-CS8_2025.01.xml")).unwrap(),
        )
        .unwrap()
        .to_xml(),
    )
    .unwrap();
    let con = "<relatedEntity classCode=\"CON\">";
    assert!(cs8.contains(con), "CS8 informant pattern not found");
    files.push((
        "broken-informant-prs".into(),
        cs8.replacen(con, "<relatedEntity classCode=\"PRS\">", 1)
            .into_bytes(),
    ));

    let mut paths = Vec::new();
    let mut native_flagged = BTreeSet::new();
    for (name, bytes) in &files {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
        let doc = Document::parse(bytes.clone()).unwrap();
        let report = doc.validate();
        if !report.is_valid() {
            native_flagged.insert(name.clone());
        }
        if name == "broken-informant-prs" {
            assert!(report.has("INF-02"), "{:?}", report.findings);
        }
        if let Some((_, _, _, rule)) = BROKEN.iter().find(|(n, ..)| format!("broken-{n}") == *name)
        {
            assert!(
                report.has(rule),
                "{name}: native rule {rule} not reported: {:?}",
                report.findings
            );
        }
    }

    let out = Command::new(python)
        .arg(&tool)
        .arg("--json")
        .arg("--sch")
        .arg(shared().join("vendor/ans-cda/strucmin/STRUCT-MIN-B2023-06-14/schematron.sch"))
        .args(&paths)
        .output()
        .expect("the schematron tool runs");
    assert!(
        out.status.code() != Some(2),
        "tool error: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut official_flagged = BTreeSet::new();
    for d in report["documents"].as_array().unwrap() {
        let name = PathBuf::from(d["document"].as_str().unwrap())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let errors: u64 = d["schematrons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["errors"].as_u64().unwrap())
            .sum();
        if errors > 0 {
            official_flagged.insert(name);
        }
    }
    let mut expected: BTreeSet<String> =
        BROKEN.iter().map(|(n, ..)| format!("broken-{n}")).collect();
    expected.insert("broken-informant-prs".into());
    assert_eq!(native_flagged, expected, "native validator");
    assert_eq!(official_flagged, expected, "official schematron");
}
