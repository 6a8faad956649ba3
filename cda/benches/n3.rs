//! Criterion benches of the N3 framework: building the maximal VSM and
//! e-prescription fixtures (narratives, entries, PDF copy, header check),
//! and reading documents back into the typed models.
//!
//! `cargo bench -p segur-cda --bench n3` (without the `pdf` feature the PDF
//! copy is the plain text PDF, so the figures are those of the N3 machinery).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_cda::Document;
use segur_cda::volets::eprescription::Prescription;
use segur_cda::volets::samples::{self, Richness};
use segur_cda::volets::vsm::MedicalSummary;

fn bench(c: &mut Criterion) {
    let vsm = samples::vsm_document(Richness::Maximal).expect("fixture");
    let ep = samples::eprescription_document(Richness::Maximal).expect("fixture");
    let vsm_xml = vsm.to_xml();
    let ep_xml = ep.to_xml();

    let mut g = c.benchmark_group("n3");
    g.bench_function("build_vsm_maximal", |b| {
        b.iter(|| black_box(samples::vsm_document(Richness::Maximal).expect("fixture")))
    });
    g.bench_function("build_eprescription_maximal", |b| {
        b.iter(|| black_box(samples::eprescription_document(Richness::Maximal).expect("fixture")))
    });
    g.bench_function("parse_and_read_vsm_maximal", |b| {
        b.iter(|| {
            let d = Document::parse(vsm_xml.clone()).expect("parse");
            black_box(MedicalSummary::from_document(&d).expect("read"))
        })
    });
    g.bench_function("read_eprescription_maximal_model_only", |b| {
        b.iter(|| black_box(Prescription::from_document(&ep).expect("read")))
    });
    g.bench_function("parse_and_read_eprescription_maximal", |b| {
        b.iter(|| {
            let d = Document::parse(ep_xml.clone()).expect("parse");
            black_box(Prescription::from_document(&d).expect("read"))
        })
    });
    g.finish();
    eprintln!(
        "sizes: VSM maximal {} bytes, eP-MED-DM maximal {} bytes",
        vsm_xml.len(),
        ep_xml.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
