//! Criterion benches: header extraction of the official examples, full parse,
//! validation, writing, and a 20 MB N1 document.
//!
//! `cargo bench -p segur-cda --bench cda`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segur_cda::{Body, Document, NonXmlBody, samples};

fn examples() -> Vec<(String, Vec<u8>)> {
    let shared: PathBuf = std::env::var_os("SEGUR_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into());
    let dir = shared.join("vendor/ans-cda/ExemplesCDA");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::fs::read(&p).expect("readable example"),
            )
        })
        .collect();
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let ex = examples();
    let total: u64 = ex.iter().map(|(_, b)| b.len() as u64).sum();

    let mut g = c.benchmark_group("examples");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("header_extraction_all_8", |b| {
        b.iter(|| {
            for (_, bytes) in &ex {
                black_box(Document::parse_header(bytes).expect("parses"));
            }
        })
    });
    g.bench_function("full_parse_all_8", |b| {
        b.iter(|| {
            for (_, bytes) in &ex {
                black_box(Document::parse(bytes.clone()).expect("parses"));
            }
        })
    });
    let docs: Vec<Document> = ex
        .iter()
        .map(|(_, b)| Document::parse(b.clone()).expect("parses"))
        .collect();
    g.bench_function("validate_all_8", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(d.validate());
            }
        })
    });
    g.bench_function("write_all_8", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(d.to_xml());
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("per_example_header");
    for (name, bytes) in &ex {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name.as_str(), |b| {
            b.iter(|| black_box(Document::parse_header(bytes).expect("parses")))
        });
    }
    g.finish();

    // A 20 MB PDF in an N1 document: parse (no copy of the body), header only, decode.
    let mut big = samples::n1_document().expect("sample");
    let payload: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..20_000_000u32).map(|i| (i % 251) as u8))
        .collect();
    big.body = Body::NonXml(NonXmlBody::pdf(payload));
    let xml = bytes::Bytes::from(big.to_xml());
    let mut g = c.benchmark_group("n1_20mb");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| black_box(Document::parse(xml.clone()).expect("parses")))
    });
    g.bench_function("header_only", |b| {
        b.iter(|| black_box(Document::parse_header(&xml).expect("parses")))
    });
    let parsed = Document::parse(xml.clone()).expect("parses");
    g.bench_function("decode_body", |b| {
        b.iter(|| black_box(parsed.non_xml_body().expect("N1").decode().len()))
    });
    g.bench_function("write", |b| b.iter(|| black_box(big.to_xml().len())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
