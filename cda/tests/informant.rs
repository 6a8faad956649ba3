//! The informant rules of the header schematron (CI-SISInformant,
//! CI-SISRelatedEntity), natively: a relative's relationship class is one of
//! ECON, NOK, CON, CAREGIVER, PAT; an informant is one professional or one
//! relative with a person.
#![allow(clippy::unwrap_used)]

use segur_cda::Document;

fn cs8_example() -> String {
    let shared = std::env::var_os("SEGUR_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into());
    let bytes =
        std::fs::read(shared.join("vendor/ans-cda/ExemplesCDA/CSE-CS8_2025.01.xml")).unwrap();
    String::from_utf8(Document::parse(bytes).unwrap().to_xml()).unwrap()
}

fn findings(xml: &str) -> Vec<&'static str> {
    Document::parse(xml.as_bytes().to_vec())
        .unwrap()
        .validate()
        .findings
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn informant_relationship_class_outside_the_five_is_an_error() {
    let xml = cs8_example();
    assert!(!findings(&xml).iter().any(|r| r.starts_with("INF")));
    let con = "<relatedEntity classCode=\"CON\">";
    assert!(xml.contains(con));
    for bad in ["PRS", "GUARD", "PROV", "con"] {
        let broken = xml.replacen(con, &format!("<relatedEntity classCode=\"{bad}\">"), 1);
        let f = findings(&broken);
        assert!(f.contains(&"INF-02"), "{bad}: {f:?}");
    }
    for good in ["ECON", "NOK", "CAREGIVER", "PAT"] {
        let ok = xml.replacen(con, &format!("<relatedEntity classCode=\"{good}\">"), 1);
        assert!(
            !findings(&ok).iter().any(|r| r.starts_with("INF")),
            "{good}"
        );
    }
}

#[test]
fn informant_needs_a_professional_or_a_relative_with_class_and_person() {
    let xml = cs8_example();
    let con = "<relatedEntity classCode=\"CON\">";
    // No @classCode: the relative does not count (choice not satisfied).
    let no_class = xml.replacen(con, "<relatedEntity>", 1);
    assert!(findings(&no_class).contains(&"INF-01"));
    let v = Document::parse(no_class.into_bytes()).unwrap().validate();
    assert!(!v.is_valid());
}
