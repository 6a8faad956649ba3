//! Benchmarks of the sans-IO INSi core: writing a request, reading an
//! answer (code 00 with history), comparing traits, and one search against
//! the loopback simulator (HTTP round trip included).
//!
//! ```sh
//! cargo bench -p segur-ins --bench insi --features sim
//! ```

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use segur_ins::insi::sim::{InsiSimulator, SimIdentity};
use segur_ins::insi::soap::{self, RequestHeaders, SoftwareIdentity};
use segur_ins::insi::{
    GivenNameStrategy, InsiClient, InsiIdentity, InsiOutcome, Query, RetryPolicy, TraitsDiff,
    TraitsQuery,
};
use segur_ins::{BirthDate, Sex, Traits};

fn traits() -> Traits {
    Traits::builder()
        .birth_family_name("ECETINSI")
        .birth_given_names("PIERRE-ALAIN MURIEL FLORIANT")
        .birth_date(BirthDate::parse("2009-07-14").expect("date"))
        .sex(Sex::Male)
        .birth_place("63220")
        .build()
        .expect("traits")
}

fn core(c: &mut Criterion) {
    let software = SoftwareIdentity::new("IDAM", "1.0", "bench", "poste");
    let t = traits();
    let query =
        Query::Traits(TraitsQuery::from_traits(&t, t.first_given_name().clone()).expect("query"));
    let headers = RequestHeaders {
        software: &software,
        emitter: "10003612545",
        message_id: "uuid:11111111-2222-4333-8444-555555555555",
        lps_context_id: "6a1c8f0e-0000-4000-8000-000000000001",
        bam_context_id: "6a1c8f0e-0000-4000-8000-000000000002",
        now: time::macros::datetime!(2025-03-04 05:06:07 UTC),
        security: None,
    };
    c.bench_function("insi/build_request", |b| {
        b.iter(|| soap::build_request(black_box(&query), black_box(&headers)))
    });
    let request = soap::build_request(&query, &headers);
    c.bench_function("insi/parse_request", |b| {
        b.iter(|| soap::parse_request(black_box(request.as_bytes())))
    });
    let e = SimIdentity::ecetinsi_pierre_alain();
    let answer = soap::build_result(
        &InsiOutcome::Found(Box::new(InsiIdentity {
            active: e.active.clone(),
            history: e.history.clone(),
            traits: e.traits.clone(),
        })),
        None,
    );
    c.bench_function("insi/parse_response_00_history", |b| {
        b.iter(|| soap::parse_response(200, black_box(answer.as_bytes())))
    });
    c.bench_function("insi/traits_diff", |b| {
        b.iter(|| TraitsDiff::compare(black_box(&t), black_box(&e.traits)))
    });
}

fn round_trip(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = rt
        .block_on(
            InsiSimulator::builder()
                .identities(SimIdentity::test_identities())
                .record_limit(16)
                .start(),
        )
        .expect("simulator");
    let client = rt.block_on(async {
        InsiClient::builder(
            sim.url(),
            SoftwareIdentity::new(InsiSimulator::DEFAULT_IDAM, "1", "bench", "1"),
            "e",
        )
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client")
    });
    let client = Arc::new(client);
    let t = traits();
    c.bench_function("insi/search_loopback_simulator", |b| {
        b.iter(|| {
            rt.block_on(client.search(black_box(&t), GivenNameStrategy::EachThenAll))
                .expect("search")
        })
    });
    assert!(sim.received_count() > 0);
}

criterion_group!(benches, core, round_trip);
criterion_main!(benches);
