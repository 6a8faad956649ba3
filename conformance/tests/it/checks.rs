//! The independent readers of `segur_conformance::checks`.

use segur_cda::pdf::{PdfContent, render_pdf};
use segur_cda::samples;
use segur_conformance::checks::pdf_ins_datamatrix;

#[test]
fn reads_the_ins_datamatrix_of_a_generated_pdf() {
    let identity = samples::patient_identity();
    let role = samples::patient().build().expect("patient");
    let ids = samples::ids();
    let header = samples::consultation_header(role, &samples::clock(), &ids);
    let pdf = render_pdf(
        header.header(),
        &PdfContent::from_lines(&["Texte du compte rendu."]),
        Some(&identity),
    )
    .expect("pdf");
    let started = std::time::Instant::now();
    let payload = pdf_ins_datamatrix(&pdf)
        .expect("readable")
        .expect("a datamatrix");
    eprintln!("datamatrix read in {:?}", started.elapsed());
    assert_eq!(
        payload.ins(),
        identity.qualified_ins().expect("qualified").ins()
    );
    assert_eq!(payload.birth_family_name().as_str(), "TESTPATIENT");
}

#[test]
fn no_datamatrix_without_a_qualified_identity() {
    let role = samples::unqualified_patient().build().expect("patient");
    let ids = samples::ids();
    let header = samples::consultation_header(role, &samples::clock(), &ids);
    let pdf = render_pdf(header.header(), &PdfContent::from_lines(&["Texte."]), None).expect("pdf");
    assert!(pdf_ins_datamatrix(&pdf).expect("no error").is_none());
}
