//! Versions (RPLC), duplicates, N1/N3 pairs (XFRM), sorting, request ↔ report.
#![allow(clippy::unwrap_used)]

use segur_cda::body::{Narrative, Section};
use segur_cda::clock::FixedClock;
use segur_cda::datatypes::Code;
use segur_cda::header::Header;
use segur_cda::versions::*;
use segur_cda::vocab::code_system;
use segur_cda::{Body, Document, Level, NonXmlBody, StructuredBody, samples, test_output};
use time::macros::datetime;

fn n3(ids: &dyn segur_cda::clock::IdGenerator) -> Document {
    let patient = samples::patient().build().unwrap();
    let body = StructuredBody {
        sections: vec![Section {
            code: Some(Code::new("29545-1", &code_system::LOINC, "Examen physique")),
            title: Some("Examen clinique".into()),
            text: Some(
                Narrative::new()
                    .paragraph("Auscultation normale <RAS>.")
                    .build(),
            ),
            ..Section::default()
        }],
    };
    samples::consultation_header(patient, &samples::clock(), ids)
        .build_n3(vec![], body)
        .unwrap()
}

fn test_ids() -> segur_cda::clock::OidSequence {
    segur_cda::clock::OidSequence::new(samples::SAMPLE_STRUCTURE_OID, "VERSIONS-TEST-")
}

fn pdf() -> NonXmlBody {
    NonXmlBody::pdf(samples::simple_pdf(&[
        "Compte rendu",
        "Auscultation normale.",
    ]))
}

#[test]
fn new_version_keeps_set_and_replaces() {
    let ids = test_ids();
    let v1 = samples::n1_document().unwrap();
    let later = FixedClock(datetime!(2024-03-16 08:00:00 +01:00));
    let v2 = new_version(&v1, v1.body.clone(), &ids, &later).unwrap();
    assert_ne!(v2.header.id, v1.header.id);
    assert_eq!(v2.header.set_id, v1.header.set_id);
    assert_eq!(v2.header.version(), Some(2));
    assert_eq!(v2.header.replaces(), v1.header.id.as_ref());
    assert_eq!(
        v2.header.effective_time.as_ref().unwrap().value.as_deref(),
        Some("20240316080000+0100")
    );
    assert_eq!(
        compare(&v1.header, &v2.header),
        VersionRelation::NewerVersion
    );
    assert_eq!(
        compare(&v2.header, &v1.header),
        VersionRelation::OlderVersion
    );
    assert_eq!(compare(&v1.header, &v1.header), VersionRelation::Duplicate);
    let mut other = v2.header.clone();
    other.id = Some(segur_cda::datatypes::Ii::uuid(uuid::Uuid::nil()));
    other.related_documents.clear();
    assert_eq!(compare(&v2.header, &other), VersionRelation::Conflict);
    assert_eq!(
        compare(&v1.header, &n3(&ids).header),
        VersionRelation::Unrelated
    );
    // The replacement is itself valid, and goes to the official validators.
    test_output::write(test_output::N1, "version-2", &v2.to_xml()).unwrap();
    // Latest versions and duplicates in a list.
    let list = vec![v1.header.clone(), v2.header.clone(), v1.header.clone()];
    assert_eq!(find_duplicates(&list), vec![vec![0, 2]]);
    assert_eq!(latest_versions(&list), vec![1]);
}

#[test]
fn n1_n3_pair_linked_by_xfrm_and_replaced_together() {
    let ids = test_ids();
    let source = n3(&ids);
    test_output::write(test_output::HEADER_ONLY, "pair-n3-v1", &source.to_xml()).unwrap();
    let pair = DocumentPair::from_n3(source.clone(), pdf(), None, &ids).unwrap();
    let n1 = pair.n1();
    assert_eq!(n1.level(), Level::N1);
    assert_eq!(n1.header.transformed_from(), source.header.id.as_ref());
    assert_ne!(n1.header.id, source.header.id);
    assert_ne!(n1.header.set_id, source.header.set_id);
    assert_eq!(n1.header.template_ids.len(), 3);
    test_output::write(test_output::N1, "pair-n1-v1", &n1.to_xml()).unwrap();

    // Received separately, the two forms are recognised as a pair.
    let back = DocumentPair::link(
        Document::parse(n1.to_xml()).unwrap(),
        Document::parse(source.to_xml()).unwrap(),
    )
    .unwrap();
    assert_eq!(back.n3().header.id, source.header.id);

    // One action applied to both.
    let mut sent = Vec::new();
    pair.for_each(|d| {
        sent.push(d.header.id.clone());
        Ok::<_, ()>(())
    })
    .unwrap();
    assert_eq!(sent, vec![source.header.id.clone(), n1.header.id.clone()]);

    // Replacing the pair versions both.
    let later = FixedClock(datetime!(2024-03-20 10:00:00 +01:00));
    let v2 = pair
        .replace(
            source.structured_body().unwrap().clone(),
            pdf(),
            &ids,
            &later,
        )
        .unwrap();
    assert_eq!(v2.n3().header.version(), Some(2));
    assert_eq!(v2.n1().header.version(), Some(2));
    assert_eq!(v2.n3().header.replaces(), source.header.id.as_ref());
    assert_eq!(v2.n1().header.replaces(), n1.header.id.as_ref());
    assert_eq!(v2.n1().header.set_id, n1.header.set_id);
    assert!(DocumentPair::link(v2.n1().clone(), v2.n3().clone()).is_ok());
    test_output::write(test_output::N1, "pair-n1-v2", &v2.n1().to_xml()).unwrap();
    test_output::write(test_output::HEADER_ONLY, "pair-n3-v2", &v2.n3().to_xml()).unwrap();

    // Two N1s are not a pair; an N1 of another patient is not linked.
    assert!(DocumentPair::link(n1.clone(), n1.clone()).is_err());
    let mut other = samples::n1_document().unwrap();
    other.header.code.as_mut().unwrap().code = Some("11502-2".into());
    assert!(DocumentPair::link(other, source).is_err());
    // The source of a pair must be N3.
    assert!(DocumentPair::from_n3(n1.clone(), pdf(), None, &ids).is_err());
}

fn header(code: &str, act: &str) -> Header {
    let mut h = samples::n1_document().unwrap().header;
    h.code.as_mut().unwrap().code = Some(code.into());
    h.documentation_of[0].effective_time.as_mut().unwrap().low =
        Some(segur_cda::datatypes::Ts::from_value(act));
    h
}

#[test]
fn sort_and_filter_by_type_and_act_date() {
    let docs = vec![
        header("11488-4", "20240301100000+0100"),
        header("11502-2", "20240110100000+0100"),
        header("11488-4", "20231201100000+0100"),
        header("11488-4", "not-a-date"),
    ];
    let all = DocumentFilter::default().apply(&docs, SortOrder::LatestFirst);
    let codes: Vec<_> = all
        .iter()
        .map(|h| h.act_time().unwrap().value.clone().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "20240301100000+0100",
            "20240110100000+0100",
            "20231201100000+0100",
            "not-a-date"
        ]
    );
    let f = DocumentFilter {
        type_codes: vec!["11488-4".into()],
        from: Some(datetime!(2023-12-15 00:00 +01:00)),
        until: None,
    };
    let kept = f.apply(&docs, SortOrder::OldestFirst);
    assert_eq!(kept.len(), 1);
    assert!(std::ptr::eq(kept[0], &docs[0]));
}

#[test]
fn request_and_report_are_linked_both_ways() {
    let ids = test_ids();
    let request = samples::n1_document().unwrap();
    let order = order_for(&request.header).unwrap();
    let patient = samples::patient().build().unwrap();
    let report = samples::consultation_header(patient, &samples::clock(), &ids)
        .in_fulfillment_of(order)
        .build_n1(pdf())
        .unwrap();
    assert!(fulfills(&report.header, &request.header));
    assert!(!fulfills(&request.header, &report.header));
    let unrelated = n3(&ids);
    let links = link_requests(
        &[request.header.clone(), unrelated.header.clone()],
        &[unrelated.header.clone(), report.header.clone()],
    );
    assert_eq!(links, vec![(0, 1)]);
    test_output::write(
        test_output::N1,
        "report-fulfilling-request",
        &report.to_xml(),
    )
    .unwrap();
    let _ = Body::Structured(StructuredBody::default());
}

#[test]
fn n3_only_volets_get_no_n1_twin_whoever_asks() {
    let ids = test_ids();
    // The official examples of the child-health volets and the vaccination note.
    for (file, template) in [
        ("CSE-CS8_2025.01.xml", "1.2.250.1.213.1.1.1.5"),
        ("CSE-CS9_2025.01.xml", "1.2.250.1.213.1.1.1.5"),
        ("CSE-CS24_2025.01.xml", "1.2.250.1.213.1.1.1.5"),
        ("CSE-MDE_2023.01.xml", "1.2.250.1.213.1.1.1.5"),
        ("VAC-NOTE_2023.01.xml", "1.2.250.1.213.1.1.1.46"),
    ] {
        let path = std::env::var_os("SEGUR_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into())
            .join("vendor/ans-cda/ExemplesCDA")
            .join(file);
        let doc = Document::parse(std::fs::read(path).unwrap()).unwrap();
        assert!(n3_only_volet(&doc.header).is_some(), "{file}");
        match DocumentPair::from_n3(doc, pdf(), None, &ids) {
            Err(segur_cda::BuildError::N3Only { template: t, .. }) => assert_eq!(t, template),
            other => panic!("{file}: {other:?}"),
        }
    }
    // A generic N3 document still gets its twin.
    let doc = n3(&ids);
    assert!(n3_only_volet(&doc.header).is_none());
    assert!(DocumentPair::from_n3(doc, pdf(), None, &ids).is_ok());
}
