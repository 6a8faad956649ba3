//! Cost of the child-health operations an LGC runs interactively: building
//! and re-reading a typical CS8 (the largest volet), drawing a growth chart
//! over the WHO curves, and the examination calendar of a child.

#![allow(clippy::unwrap_used)] // benchmark fixtures

use criterion::{Criterion, criterion_group, criterion_main};
use segur_cda::volets::samples::Richness;
use segur_enfant::cs8::Cs8Certificate;
use segur_enfant::growth::{ChartOptions, ChildGrowth, Indicator};
use segur_enfant::volet::ChildVolet;
use segur_enfant::{exams, samples};
use time::macros::date;

fn certificates(c: &mut Criterion) {
    let cert = samples::cs8(Richness::Typical).unwrap();
    let mut g = c.benchmark_group("cs8");
    g.bench_function("build + serialise (typical)", |b| {
        b.iter(|| {
            let ids = samples::ids();
            let header = samples::header(ChildVolet::Cs8, &ids).unwrap();
            cert.build(header, &ids).unwrap().to_xml()
        })
    });
    let xml = samples::document(ChildVolet::Cs8, Richness::Typical)
        .unwrap()
        .to_xml();
    g.bench_function("parse + typed model (typical)", |b| {
        b.iter(|| {
            let doc = segur_cda::Document::parse(xml.clone()).unwrap();
            Cs8Certificate::from_document(&doc).unwrap()
        })
    });
    g.finish();
}

fn growth(c: &mut Criterion) {
    let mut measurements = String::new();
    for m in 0..60u32 {
        let d = exams::add_months(date!(2021 - 01 - 10), m).unwrap();
        if m > 0 {
            measurements.push(',');
        }
        measurements.push_str(&format!(
            r#"{{"date":"{d}","weight_kg":{:.1},"height_cm":{:.1},"head_cm":{:.1}}}"#,
            3.3 + f64::from(m) * 0.25,
            50.0 + f64::from(m) * 0.9,
            34.5 + f64::from(m) * 0.25
        ));
    }
    let json =
        format!(r#"{{"sex":"F","birth_date":"2021-01-10","measurements":[{measurements}]}}"#);
    let child = ChildGrowth::from_json(&json).unwrap();
    let options = ChartOptions::default();
    c.bench_function("growth chart SVG (weight, 60 points, 0-5 y)", |b| {
        b.iter(|| child.chart_svg(Indicator::Weight, &options).unwrap())
    });
}

fn calendar(c: &mut Criterion) {
    c.bench_function("calendar: 20 examinations due/overdue", |b| {
        b.iter(|| {
            exams::schedule(
                date!(2023 - 05 - 17),
                date!(2025 - 11 - 26),
                &["MED-1224", "MED-1225"],
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, certificates, growth, calendar);
criterion_main!(benches);
