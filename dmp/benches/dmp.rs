//! Speed of the hot paths of segur-dmp: VIHF signature and verification,
//! MTOM encoding / decoding of a 5 MB document, ITI-41 request building
//! (metadata, signature document, MTOM parts), and a whole feed against the
//! loopback simulator.
//!
//! `cargo bench -p segur-dmp --bench dmp`

#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segur_dmp::XmlSigner;
use segur_dmp::feed::{Feed, SubmissionContext, provide_and_register};
use segur_dmp::mtom::{self, Part};
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, Vihf, VihfActor};
use time::OffsetDateTime;

const RSA_KEY_PEM: &str = include_str!("../tests/data/vihf-test-rsa2048.key.pem");

fn rsa_signer() -> XmlSigner {
    let key = rcgen::KeyPair::from_pem(RSA_KEY_PEM).unwrap();
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, "LGC CABINET DE TEST");
    params.distinguished_name = dn;
    let cert = params.self_signed(&key).unwrap();
    let identity =
        segur_ssi::tls::Identity::from_pem(cert.pem().as_bytes(), RSA_KEY_PEM.as_bytes()).unwrap();
    XmlSigner::from_identity(&identity).unwrap()
}

fn claims() -> Vihf {
    let actor = VihfActor::new(
        "810003612545",
        "MEDECIN-TEST Jean",
        "499700000000001".parse().unwrap(),
        "SA07",
    )
    .with_role(Role::profession("10", "Médecin"))
    .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
    let ins = segur_ins::Ins::new("285037511104286".parse().unwrap(), segur_ins::InsOid::Test);
    Vihf::new(
        actor,
        LpsInfo::new("segur-rs", "0.1.0", "BENCH"),
        AuthenticationMode::IndirecteRenforcee,
        OffsetDateTime::now_utc(),
    )
    .for_patient(ins)
}

fn vihf(c: &mut Criterion) {
    let signer = rsa_signer();
    let v = claims();
    c.bench_function("vihf_sign_rsa2048", |b| {
        b.iter(|| v.sign(&signer, OffsetDateTime::now_utc()).unwrap())
    });
    let xml = v
        .sign(&signer, OffsetDateTime::now_utc())
        .unwrap()
        .as_xml()
        .to_owned();
    c.bench_function("vihf_verify_rsa2048", |b| {
        b.iter(|| segur_dmp::vihf::verify_standalone(&xml).unwrap())
    });
}

fn mtom_5mb(c: &mut Criterion) {
    // 5 MB of pseudo-random bytes (a scanned PDF compresses no further).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let doc: Vec<u8> = (0..5 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let root = br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>"#;
    let parts = vec![Part::new("doc1@segur-rs", "application/pdf", doc)];
    let mut g = c.benchmark_group("mtom_5mb");
    g.throughput(Throughput::Bytes(5 * 1024 * 1024));
    g.sample_size(20);
    g.bench_function("encode", |b| {
        b.iter(|| {
            mtom::encode(
                root,
                &parts,
                Some("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"),
            )
        })
    });
    let msg = mtom::encode(root, &parts, None);
    g.bench_function("decode", |b| {
        b.iter(|| mtom::decode(&msg.content_type, &msg.body).unwrap())
    });
    g.finish();
}

fn context() -> SubmissionContext {
    SubmissionContext {
        source_id: segur_cda::samples::SAMPLE_STRUCTURE_OID,
        content_type_code: segur_cda::xds::XdsCode::new(
            "04",
            "1.2.250.1.213.2.2",
            "Hospitalisation de jour",
        ),
    }
}

fn iti41(c: &mut Criterion) {
    let signer = rsa_signer();
    let doc = segur_cda::samples::n1_document().unwrap().to_xml();
    c.bench_function("iti41_build_n1", |b| {
        b.iter(|| {
            let prepared = Feed::document(doc.clone()).prepare().unwrap();
            provide_and_register(
                &prepared,
                &BTreeMap::new(),
                &context(),
                &signer,
                OffsetDateTime::now_utc(),
            )
            .unwrap()
        })
    });
}

fn feed_against_simulator(c: &mut Criterion) {
    use segur_dmp::client::{DmpClient, LocalServices};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(segur_dmp::sim::DmpSimulator::start()).unwrap();
    let patient = segur_ins::Ins::new("285037511104286".parse().unwrap(), segur_ins::InsOid::Test);
    sim.add_patient(&patient);
    let audit = Arc::new(segur_ssi::audit::MemoryAuditTrail::new());
    let local = LocalServices {
        consent: Arc::new(
            segur_dmp::consent::SqliteConsentStore::new(
                rusqlite::Connection::open_in_memory().unwrap(),
                audit.clone(),
            )
            .unwrap(),
        ),
        audit,
        scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
        history: Arc::new(
            segur_dmp::history::SqliteHistory::new(rusqlite::Connection::open_in_memory().unwrap())
                .unwrap(),
        ),
    };
    let signer = Arc::new(rsa_signer());
    let client = rt
        .block_on(async {
            DmpClient::builder(
                &sim.base_url(),
                Arc::new(segur_dmp::vihf::SignedVihfSource::new(
                    claims(),
                    signer.clone(),
                )),
                signer,
                local,
                context(),
            )
            .build()
        })
        .unwrap();
    let ids =
        segur_cda::clock::OidSequence::new(segur_cda::samples::SAMPLE_STRUCTURE_OID, "BENCH-");
    let mut g = c.benchmark_group("simulator");
    g.sample_size(30);
    g.bench_function("feed_n1_end_to_end", |b| {
        b.iter(|| {
            let patient_role = segur_cda::samples::patient().build().unwrap();
            let doc = segur_cda::samples::consultation_header(
                patient_role,
                &segur_cda::samples::clock(),
                &ids,
            )
            .build_n1(segur_cda::NonXmlBody::pdf(segur_cda::samples::simple_pdf(
                &["Bench"],
            )))
            .unwrap();
            rt.block_on(client.feed(&Feed::document(doc.to_xml())))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, vihf, mtom_5mb, iti41, feed_against_simulator);
criterion_main!(benches);
