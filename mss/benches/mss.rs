//! Throughput of the sans-IO IMAP parser on a large FETCH, of XDM unpacking
//! (safe reading + metadata checks) and of the MIME writer.

#![allow(clippy::unwrap_used)] // benchmark fixtures

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segur_cda::clock::OidSequence;
use segur_cda::xds::XdsCode;
use segur_cda::{NonXmlBody, samples};
use segur_ids::Oid;
use segur_mss::imap::proto::{DEFAULT_MAX_LITERAL, frame_len, parse_response};
use segur_mss::xdm::{DocumentToPack, PackOptions, ReadmeInfo, XdmLimits, pack, unpack};

fn imap_fetch(c: &mut Criterion) {
    let body = vec![b'x'; 1024 * 1024];
    let mut frame = format!(
        "* 1 FETCH (UID 42 FLAGS (\\Seen) RFC822.SIZE {} BODY[] {{{}}}\r\n",
        body.len(),
        body.len()
    )
    .into_bytes();
    frame.extend_from_slice(&body);
    frame.extend_from_slice(b")\r\n");
    let mut g = c.benchmark_group("imap");
    g.throughput(Throughput::Bytes(frame.len() as u64));
    g.bench_function("frame+parse 1 MiB FETCH", |b| {
        b.iter(|| {
            let n = frame_len(&frame, DEFAULT_MAX_LITERAL).unwrap().unwrap();
            parse_response(&frame[..n]).unwrap()
        })
    });
    g.finish();
}

fn xdm(c: &mut Criterion) {
    let lines: Vec<String> = (0..400)
        .map(|i| format!("Ligne {i} du compte rendu de consultation."))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let docs: Vec<DocumentToPack> = (0..3)
        .map(|i| {
            let ids = OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), &format!("B{i}-"));
            let cda = samples::consultation_header(
                samples::patient().build().unwrap(),
                &samples::clock(),
                &ids,
            )
            .build_n1(NonXmlBody::pdf(samples::simple_pdf(&refs)))
            .unwrap()
            .to_xml();
            DocumentToPack {
                cda,
                entry: Default::default(),
                pdf: None,
                action: None,
            }
        })
        .collect();
    let opts = PackOptions {
        source_id: Oid::parse("1.2.250.1.999.77.1").unwrap(),
        content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
        readme: ReadmeInfo {
            sender: "bench".into(),
            contact: "bench".into(),
            software: "bench".into(),
        },
        now: time::OffsetDateTime::UNIX_EPOCH,
    };
    let packed = pack(docs.clone(), &opts).unwrap();
    let mut g = c.benchmark_group("xdm");
    g.throughput(Throughput::Bytes(packed.zip.len() as u64));
    g.bench_function("pack 3 N1", |b| {
        b.iter(|| pack(docs.clone(), &opts).unwrap())
    });
    g.bench_function("unpack 3 N1", |b| {
        b.iter(|| unpack(&packed.zip, &XdmLimits::default()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, imap_fetch, xdm);
criterion_main!(benches);
