//! Produces documents for the official validators (scripts/check.d).
#![allow(clippy::unwrap_used)]
use segur_cda::test_output;

#[test]
fn sample_n1_is_valid_and_written() {
    let doc = segur_cda::samples::n1_document().expect("sample builds");
    let report = doc.validate();
    assert!(report.is_valid(), "{:#?}", report.findings);
    let xml = doc.to_xml();
    let path = test_output::write(test_output::N1, "sample-n1", &xml).unwrap();
    eprintln!("wrote {}", path.display());
    let back = segur_cda::Document::parse(xml).unwrap();
    assert_eq!(back.header, doc.header);
}
