//! Benchmarks: NIR validation, datamatrix payload parsing, datamatrix PNG
//! encoding and decoding.
//!
//! ```sh
//! cargo bench -p segur-ins --bench ins
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_ins::Nir;
use segur_ins::datamatrix::{self, Payload, PngOptions};

const PAYLOAD: &str = "IS010000000000000000000000S1279035121518989S21.2.250.1.213.1.4.10S3DOMINIQUE MARIE-LOUISE\u{1d}S4PAT-TROIS\u{1d}S5FS628-03-1979S763220";

fn nir(c: &mut Criterion) {
    c.bench_function("nir/parse_valid", |b| {
        b.iter(|| Nir::parse(black_box("297022A02077878")))
    });
    c.bench_function("nir/parse_key_mismatch", |b| {
        b.iter(|| Nir::parse(black_box("297022A02077879")))
    });
    c.bench_function("nir/from_base", |b| {
        b.iter(|| Nir::from_base(black_box("2790351215189")))
    });
}

fn payload(c: &mut Criterion) {
    c.bench_function("datamatrix/payload_parse", |b| {
        b.iter(|| Payload::parse(black_box(PAYLOAD)))
    });
    let p = Payload::parse(PAYLOAD).expect("valid payload");
    c.bench_function("datamatrix/payload_serialize", |b| b.iter(|| p.serialize()));
    c.bench_function("datamatrix/module_matrix", |b| b.iter(|| p.module_matrix()));
}

fn image(c: &mut Criterion) {
    let p = Payload::parse(PAYLOAD).expect("valid payload");
    let png = datamatrix::encode_png(&p, &PngOptions::default()).expect("encodes");
    c.bench_function("datamatrix/encode_png", |b| {
        b.iter(|| datamatrix::encode_png(&p, &PngOptions::default()))
    });
    c.bench_function("datamatrix/decode_png_clean", |b| {
        b.iter(|| datamatrix::decode_image(black_box(&png)))
    });
}

criterion_group!(benches, nir, payload, image);
criterion_main!(benches);
