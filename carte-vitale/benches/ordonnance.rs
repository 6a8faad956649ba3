//! Benchmarks of the prescriber's hot path: identifier generation and
//! check, 2D code payload, symbol encoding (QR code, DataMatrix), PNG
//! writing and reading back with rxing, and the prescription documents
//! (N3 eP-MED-DM with its PDF copy, N1 nursing) — plus the beneficiary
//! mapping for segur-ins.
//!
//! ```sh
//! cargo bench -p segur-carte-vitale --bench ordonnance
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_carte_vitale::ordonnance::*;
use segur_carte_vitale::sim::sample_family;
use segur_carte_vitale::{ApcvChannel, CardSource};
use segur_cda::datatypes::{Ii, Ts};
use segur_cda::volets::eprescription::PrescriptionContext;
use segur_cda::volets::n1_prescription::N1PrescriptionKind;
use segur_cda::volets::samples::{self, Richness};
use segur_ids::{Rpps, oid};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2025-03-01 09:00 +01:00);

fn identifier(c: &mut Criterion) {
    let generator = IdGenerator::new(IdTemplate::default());
    let ctx = IdContext::new(NOW);
    c.bench_function("id/generate_default", |b| {
        b.iter(|| generator.generate(black_box(&ctx)))
    });
    let id = generator.generate(&ctx).expect("generates");
    let template = IdTemplate::default();
    c.bench_function("id/check_default", |b| {
        b.iter(|| template.check(black_box(id.as_str())))
    });
}

fn code(c: &mut Criterion) {
    let id = IdGenerator::new(IdTemplate::default())
        .generate(&IdContext::new(NOW))
        .expect("generates");
    let payload = CodePayload::new(id)
        .with_prescriber(Rpps::parse("10003612545").expect("valid RPPS"))
        .with_issued_on(NOW.date());
    let text = payload.to_text(PayloadFormat::Tagged);
    c.bench_function("code/payload_parse_tagged", |b| {
        b.iter(|| CodePayload::parse(black_box(text.as_bytes())))
    });
    for symbology in [Symbology::QrCode, Symbology::DataMatrix] {
        let name = match symbology {
            Symbology::QrCode => "qr",
            _ => "datamatrix",
        };
        c.bench_function(&format!("code/{name}/encode"), |b| {
            b.iter(|| Symbol::encode(black_box(text.as_bytes()), symbology))
        });
        let code =
            PrintedCode::new(payload.clone(), PayloadFormat::Tagged, symbology).expect("encodes");
        c.bench_function(&format!("code/{name}/png_4px"), |b| {
            b.iter(|| code.symbol().to_png(4))
        });
        let png = code.symbol().to_png(4).expect("png");
        c.bench_function(&format!("code/{name}/decode_png_4px"), |b| {
            b.iter(|| decode_image(black_box(&png)))
        });
    }
}

fn documents(c: &mut Criterion) {
    let renderer = CisisRenderer::new(segur_cda::samples::practitioner());
    let id = IdGenerator::new(IdTemplate::default())
        .generate(&IdContext::new(NOW))
        .expect("generates");
    let code = PrintedCode::new(
        CodePayload::new(id.clone()),
        PayloadFormat::Identifier,
        Symbology::QrCode,
    )
    .expect("encodes");
    let root = oid!("1.2.250.1.999.1.1.7");
    let doc_id = Ii::oid(&root, Some(id.to_string()));
    let set_id = Ii::oid(&root, Some(format!("{id}-SET")));
    let (products, _) = samples::prescription(Richness::Typical).expect("sample products");
    let base = Prescription {
        id,
        prescriber: Rpps::parse("10003612545").expect("valid RPPS"),
        patient: segur_cda::samples::patient()
            .build()
            .expect("sample patient"),
        patient_ref: "PAT-0001".into(),
        issued_at: NOW,
        content: PrescriptionContent::HealthProducts {
            products,
            context: PrescriptionContext::new(
                Ts::from_datetime(NOW),
                Ts::from_datetime(NOW + time::Duration::days(90)),
            ),
        },
    };
    let mut nursing = base.clone();
    nursing.content =
        PrescriptionContent::Acts(samples::n1_prescription(N1PrescriptionKind::Nursing));
    for (name, p) in [("n3_ep_med_dm", &base), ("n1_nursing", &nursing)] {
        let request = RenderRequest {
            prescription: p,
            document_id: &doc_id,
            set_id: &set_id,
            state_identifier: true,
            code: Some(&code),
        };
        c.bench_function(&format!("document/{name}/render_to_xml"), |b| {
            b.iter(|| renderer.render(black_box(&request)).map(|d| d.to_xml()))
        });
    }
}

fn beneficiaries(c: &mut Criterion) {
    let read = sample_family(
        CardSource::Apcv {
            channel: ApcvChannel::QrCode,
        },
        NOW,
    );
    c.bench_function("vitale/family_card_for_sentinelle", |b| {
        b.iter(|| black_box(&read).sentinelle_card())
    });
}

criterion_group!(benches, identifier, code, documents, beneficiaries);
criterion_main!(benches);
