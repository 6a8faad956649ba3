//! N1/N3 pairs in XDM packages (SC.CDA/DD.13): a pair packed as one unit
//! (same subset, XFRM association from the N1 entry to the N3 entry), the
//! replacement of a pair (both new forms, each RPLC to its previous version,
//! still linked by XFRM in the metadata), the bad paths (an N1 without its
//! N3, an N3 without its declared N1, two documents that are not a pair),
//! reception of a pair, and a pack → unpack round trip with pairs.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;

use segur_cda::body::Narrative;
use segur_cda::body::{Section, StructuredBody};
use segur_cda::clock::OidSequence;
use segur_cda::datatypes::Code;
use segur_cda::versions::DocumentPair;
use segur_cda::vocab::code_system;
use segur_cda::xds::{ASSOCIATION_RPLC, ASSOCIATION_XFRM, XdsCode};
use segur_cda::{Document, NonXmlBody, samples};
use segur_ids::Oid;
use segur_ins::sentinelle::{InMemoryPatientIndex, PatientIndex};
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient};
use segur_mss::reception::{InMemoryDocuments, Receiver};
use segur_mss::xdm::{
    DocumentToPack, PackItem, PackOptions, Packed, PairToPack, ReadmeInfo, XdmAction, XdmLimits,
    entry_uuid, pack, read_archive, unpack,
};
use segur_mss::{Error, MessageError};
use segur_ssi::antivirus::EicarScanner;

fn opts() -> PackOptions {
    PackOptions {
        source_id: Oid::parse("1.2.250.1.999.77.1").unwrap(),
        content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
        readme: ReadmeInfo {
            sender: "Cabinet de test".into(),
            contact: "dr@test.mssante.fr".into(),
            software: "segur-mss tests".into(),
        },
        now: time::macros::datetime!(2024-03-15 10:00 UTC),
    }
}

fn ids(prefix: &str) -> OidSequence {
    OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), prefix)
}

fn body(text: &str) -> StructuredBody {
    StructuredBody {
        sections: vec![Section {
            code: Some(Code::new(
                "29299-5",
                &code_system::LOINC,
                "Motif de consultation",
            )),
            title: Some("Motif".into()),
            text: Some(Narrative::new().paragraph(text).build()),
            ..Section::default()
        }],
    }
}

/// A consultation report as an N3 and its N1 twin (first version).
fn pair(prefix: &str, text: &str) -> DocumentPair {
    let ids = ids(prefix);
    let patient = samples::patient().build().unwrap();
    let n3 = samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n3(vec![], body(text))
        .unwrap();
    DocumentPair::from_n3(
        n3,
        NonXmlBody::pdf(samples::simple_pdf(&["CR", text])),
        None,
        &ids,
    )
    .unwrap()
}

/// The next version of a pair.
fn replaced(p: &DocumentPair, prefix: &str, text: &str) -> DocumentPair {
    p.replace(
        body(text),
        NonXmlBody::pdf(samples::simple_pdf(&["CR v2", text])),
        &ids(prefix),
        &samples::clock(),
    )
    .unwrap()
}

/// The N3 of a consultation report has no volet formatCode: give one.
fn with_format(mut d: DocumentToPack) -> DocumentToPack {
    d.entry.format_code = Some(XdsCode::new(
        "urn:ihe:pcc:xds-ms:2007",
        "1.3.6.1.4.1.19376.1.2.3",
        "Medical Summaries",
    ));
    d
}

fn unit(p: &DocumentPair) -> PairToPack {
    let mut u = PairToPack::new(p);
    u.n3 = with_format(u.n3);
    u
}

fn id(d: &Document) -> String {
    segur_mss::documents::ii_key(d.header.id.as_ref().unwrap())
}

fn patient(packed: &Packed) -> MessagePatient {
    MessagePatient {
        family_name: packed.patient.family_name.clone().unwrap(),
        given_name: packed.patient.given_names.clone().unwrap(),
        birth_date: packed.patient.birth_date.unwrap(),
        file_number: None,
        ins_qualified: true,
        key: packed.patient.key(),
    }
}

fn message(
    packed: &Packed,
    docs: Vec<segur_mss::message::SentDocument>,
) -> Result<segur_mss::message::OutgoingMessage, MessageError> {
    MessageBuilder::new("dr@test.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("cardio@hopital.mssante.fr".parse().unwrap()).unwrap())
        .documents(packed.zip.clone(), docs, patient(packed))
        .build(time::OffsetDateTime::now_utc())
}

fn xfrm(packed: &Packed) -> Vec<(String, String)> {
    packed
        .submission
        .associations
        .iter()
        .filter(|a| a.association_type == ASSOCIATION_XFRM)
        .map(|a| (a.source.clone(), a.target.clone()))
        .collect()
}

#[test]
fn a_pair_is_packed_as_one_unit_with_an_xfrm_association() {
    let p = pair("PAIR-A-", "Toux depuis 3 jours.");
    let (n3_id, n1_id) = (id(p.n3()), id(p.n1()));
    let packed = pack([unit(&p)], &opts()).unwrap();

    // Both forms, N3 first, naming each other.
    assert_eq!(packed.documents.len(), 2);
    assert_eq!(packed.documents[0].facts.id, n3_id);
    assert_eq!(packed.documents[1].facts.id, n1_id);
    assert_eq!(packed.documents[0].facts.paired_with, Some(n1_id.clone()));
    assert_eq!(packed.documents[1].facts.paired_with, Some(n3_id.clone()));
    // One rendering: the N1's PDF, the N3 shares it.
    assert!(packed.documents[0].pdf.is_none());
    assert!(
        packed.documents[1]
            .pdf
            .as_ref()
            .unwrap()
            .starts_with(b"%PDF")
    );

    // XFRM: source = the N1 entry (transformed), target = the N3 entry.
    let e = &packed.submission.entries;
    assert_eq!(e[0].entry_uuid, entry_uuid(&n3_id));
    assert_eq!(
        xfrm(&packed),
        vec![(e[1].entry_uuid.clone(), e[0].entry_uuid.clone())]
    );
    let archive = read_archive(&packed.zip, &XdmLimits::default()).unwrap();
    assert_eq!(archive.subsets.len(), 1);
    assert_eq!(archive.subsets[0].files.len(), 2);
    let metadata = String::from_utf8(archive.subsets[0].metadata.clone()).unwrap();
    assert!(
        metadata.contains(&format!(
            "associationType=\"{ASSOCIATION_XFRM}\" sourceObject=\"{}\" targetObject=\"{}\"",
            e[1].entry_uuid, e[0].entry_uuid
        )),
        "{metadata}"
    );
    // A first version: no RPLC, no action slot.
    assert!(packed.submission.replacements.is_empty());
    assert!(!metadata.contains(ASSOCIATION_RPLC));

    // Unpacking reports the pair back.
    let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.pairs.len(), 1);
    assert_eq!(
        (un.pairs[0].n3.as_str(), un.pairs[0].n1.as_str()),
        (n3_id.as_str(), n1_id.as_str())
    );
    assert_eq!(un.twin_of(&n3_id), Some(n1_id.as_str()));
    assert_eq!(un.twin_of(&n1_id), Some(n3_id.as_str()));

    // The message: one document in the subject, one PDF attached.
    let msg = message(&packed, packed.documents.clone()).unwrap();
    assert!(
        msg.subject.starts_with("XDM/1.0/DDM+CR de consultation "),
        "{}",
        msg.subject
    );
    let parsed = segur_mss::message::parse::parse_message(&msg.bytes).unwrap();
    let pdfs = parsed
        .attachments
        .iter()
        .filter(|a| a.content_type == "application/pdf")
        .count();
    assert_eq!(pdfs, 1);

    // The same with a segur-cda pair given directly (VSM: formatCode known).
    let vsm = segur_cda::volets::samples::vsm_pair(segur_cda::volets::samples::Richness::Minimal)
        .unwrap();
    let packed = pack([&vsm], &opts()).unwrap();
    assert_eq!(xfrm(&packed).len(), 1);
    let packed = pack([DocumentToPack::pair(&vsm)], &opts()).unwrap();
    assert_eq!(xfrm(&packed).len(), 1);
}

#[test]
fn an_n1_and_its_n3_given_apart_are_packed_as_a_pair() {
    let p = pair("PAIR-B-", "Contrôle tensionnel.");
    let items: Vec<PackItem> = vec![
        DocumentToPack::new(p.n1().to_xml()).into(),
        with_format(DocumentToPack::new(p.n3().to_xml())).into(),
    ];
    let packed = pack(items, &opts()).unwrap();
    let e = &packed.submission.entries;
    // Order kept; the XFRM still goes from the N1 to the N3.
    assert_eq!(
        xfrm(&packed),
        vec![(e[0].entry_uuid.clone(), e[1].entry_uuid.clone())]
    );
    assert_eq!(packed.documents[1].facts.paired_with, Some(id(p.n1())));
}

#[test]
fn an_n1_without_its_n3_is_refused() {
    let p = pair("PAIR-C-", "x");
    match pack([DocumentToPack::new(p.n1().to_xml())], &opts()).unwrap_err() {
        Error::Message(MessageError::IncompletePair { present, missing }) => {
            assert_eq!(present, id(p.n1()));
            assert_eq!(missing, id(p.n3()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_n3_without_its_declared_n1_is_refused_by_the_message() {
    let p = pair("PAIR-D-", "x");
    let packed = pack([unit(&p)], &opts()).unwrap();
    // A caller dropping the N1 from what the message carries.
    let n3_only = vec![packed.documents[0].clone()];
    match message(&packed, n3_only).unwrap_err() {
        MessageError::IncompletePair { present, missing } => {
            assert_eq!(present, id(p.n3()));
            assert_eq!(missing, id(p.n1()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn documents_that_are_not_a_pair_are_refused() {
    let a = pair("PAIR-E-", "a");
    let b = pair("PAIR-F-", "b");
    // The N3 of one pair with the N1 of another.
    let mixed = PairToPack {
        n3: with_format(DocumentToPack::new(a.n3().to_xml())),
        n1: DocumentToPack::new(b.n1().to_xml()),
    };
    match pack([mixed], &opts()).unwrap_err() {
        Error::Message(MessageError::NotAPair { reason, .. }) => {
            assert!(reason.contains("XFRM"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Two N1 documents.
    match PairToPack::from_cda(a.n1().to_xml(), b.n1().to_xml()).unwrap_err() {
        Error::Message(MessageError::NotAPair { reason, .. }) => {
            assert!(reason.contains("one N3 and one N1"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // In any order, the N3 is found.
    let u = PairToPack::from_cda(a.n1().to_xml(), a.n3().to_xml()).unwrap();
    assert_eq!(u.n3.cda, a.n3().to_xml());
    // Forms sent with different actions.
    let mut split = unit(&a);
    split.n1.action = Some(XdmAction::Delete);
    match pack([split], &opts()).unwrap_err() {
        Error::Message(MessageError::InvalidDocument { reason, .. }) => {
            assert!(reason.contains("together"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // An N3 given to two N1s.
    let second = DocumentPair::from_n3(
        a.n3().clone(),
        NonXmlBody::pdf(samples::simple_pdf(&["autre rendu"])),
        None,
        &ids("PAIR-E2-"),
    )
    .unwrap();
    let items: Vec<PackItem> = vec![
        unit(&a).into(),
        DocumentToPack::new(second.n1().to_xml()).into(),
    ];
    assert!(matches!(
        pack(items, &opts()).unwrap_err(),
        Error::Message(MessageError::NotAPair { .. })
    ));
}

#[test]
fn a_document_given_twice_is_refused() {
    let p = pair("PAIR-T-", "x");
    let items: Vec<PackItem> = vec![unit(&p).into(), unit(&p).into()];
    match pack(items, &opts()).unwrap_err() {
        Error::Message(MessageError::InvalidDocument { reason, .. }) => {
            assert!(reason.contains("twice"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_xfrm_association_to_an_entry_outside_the_package_is_no_pair() {
    let p = pair("PAIR-X-", "x");
    let packed = pack([unit(&p)], &opts()).unwrap();
    let archive = read_archive(&packed.zip, &XdmLimits::default()).unwrap();
    let s = &archive.subsets[0];
    // The N1 only, with the metadata still naming the N3's entry.
    let metadata = String::from_utf8(s.metadata.clone()).unwrap();
    let n3_entry = &packed.submission.entries[0];
    let start = metadata
        .find(&format!(
            "<rim:ExtrinsicObject id=\"{}\"",
            n3_entry.entry_uuid
        ))
        .or_else(|| metadata.find("<rim:ExtrinsicObject"))
        .unwrap();
    let end = start
        + metadata[start..].find("</rim:ExtrinsicObject>").unwrap()
        + "</rim:ExtrinsicObject>".len();
    let mut tampered = metadata.clone();
    tampered.replace_range(start..end, "");
    let zip = segur_mss::xdm::write_archive(
        &[segur_mss::xdm::SubsetToWrite {
            name: s.name.clone(),
            metadata: tampered.into_bytes(),
            documents: s
                .files
                .iter()
                .filter(|f| f.name == "DOC0002.XML")
                .map(|f| (f.name.clone(), "N1".to_owned(), f.data.clone()))
                .collect(),
        }],
        &opts().readme,
        time::OffsetDateTime::UNIX_EPOCH,
    )
    .unwrap();
    let un = unpack(&zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents.len(), 1);
    assert!(un.pairs.is_empty());
    assert_eq!(un.twin_of(&id(p.n1())), None);
}

#[test]
fn a_replaced_pair_travels_whole_with_rplc_and_xfrm() {
    let v1 = pair("PAIR-G-", "version 1");
    let v2 = replaced(&v1, "PAIR-G2-", "version 2");
    // The CDA of the new N1 carries RPLC to the previous N1, no XFRM.
    assert!(v2.n1().header.transformed_from().is_none());
    let packed = pack([unit(&v2)], &opts()).unwrap();
    let e = &packed.submission.entries;
    // Still one unit in the metadata.
    assert_eq!(
        xfrm(&packed),
        vec![(e[1].entry_uuid.clone(), e[0].entry_uuid.clone())]
    );
    // Each form replaces its own previous version: RPLC to the entry of
    // the version sent before (same entry id in every package).
    let first = pack([unit(&v1)], &opts()).unwrap();
    let old = &first.submission.entries;
    assert_eq!(
        packed.submission.replacements,
        vec![
            (e[0].entry_uuid.clone(), old[0].entry_uuid.clone()),
            (e[1].entry_uuid.clone(), old[1].entry_uuid.clone()),
        ]
    );
    assert!(
        packed
            .documents
            .iter()
            .all(|d| d.facts.action == XdmAction::Replace)
    );
    let msg = message(&packed, packed.documents.clone()).unwrap();
    assert!(
        msg.subject
            .starts_with("XDM/1.0/DDM+Annule et remplace CR de consultation "),
        "{}",
        msg.subject
    );
    // Read back: the pair, the RPLC associations and the actions.
    let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.pairs.len(), 1);
    assert_eq!(un.pairs[0].n1, id(v2.n1()));
    assert_eq!(
        un.submissions[0].1.replacements,
        packed.submission.replacements
    );
    assert!(un.documents.iter().all(|d| d.action == XdmAction::Replace));

    // The new N1 with the old N3 is not a pair: a pair is replaced whole.
    let half = PairToPack {
        n3: with_format(DocumentToPack::new(v1.n3().to_xml())),
        n1: DocumentToPack::new(v2.n1().to_xml()),
    };
    match pack([half], &opts()).unwrap_err() {
        Error::Message(MessageError::NotAPair { reason, .. }) => {
            assert!(reason.contains("replaced as a whole"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_received_pair_is_one_document_with_two_renderings() {
    let p = pair("PAIR-R-", "Reçu.");
    let packed = pack([unit(&p)], &opts()).unwrap();
    let raw = message(&packed, packed.documents.clone()).unwrap().bytes;
    let index = InMemoryPatientIndex::new();
    index.create(samples::patient_identity()).unwrap();
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        Arc::new(index),
        Arc::new(InMemoryDocuments::default()),
    );
    let rec = r.receive(&raw).await.unwrap();
    assert_eq!(rec.documents.len(), 2);
    let (n3, n1) = (&rec.documents[0], &rec.documents[1]);
    assert_eq!(n3.pair.as_deref(), Some(n1.unique_id.as_str()));
    assert_eq!(n1.pair.as_deref(), Some(n3.unique_id.as_str()));
    assert!(n1.pdf.is_some() && n3.pdf.is_none());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10))]

    /// Any mix of single N1 documents and pairs (first versions or
    /// replacements) comes back whole: bytes, pairs, actions.
    #[test]
    fn pack_unpack_round_trip_with_pairs(units in proptest::collection::vec((0u8..3, "[A-Za-z0-9 ,.]{1,30}"), 1..5)) {
        let mut items: Vec<PackItem> = Vec::new();
        let mut expected_pairs = Vec::new();
        let mut bytes = Vec::new();
        for (i, (kind, text)) in units.iter().enumerate() {
            match kind {
                0 => {
                    let ids = ids(&format!("RT-{i}-"));
                    let d = samples::consultation_header(samples::patient().build().unwrap(), &samples::clock(), &ids)
                        .build_n1(NonXmlBody::pdf(samples::simple_pdf(&[text])))
                        .unwrap();
                    bytes.push(d.to_xml());
                    items.push(DocumentToPack::new(d.to_xml()).into());
                }
                k => {
                    let mut p = pair(&format!("RT-{i}-"), text);
                    if *k == 2 {
                        p = replaced(&p, &format!("RT-{i}b-"), text);
                    }
                    expected_pairs.push((id(p.n3()), id(p.n1())));
                    bytes.push(p.n3().to_xml());
                    bytes.push(p.n1().to_xml());
                    items.push(unit(&p).into());
                }
            }
        }
        let packed = pack(items, &opts()).unwrap();
        let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
        proptest::prop_assert_eq!(un.documents.len(), bytes.len());
        for (d, b) in un.documents.iter().zip(&bytes) {
            proptest::prop_assert_eq!(&d.data, b);
        }
        let got: Vec<(String, String)> = un.pairs.iter().map(|p| (p.n3.clone(), p.n1.clone())).collect();
        proptest::prop_assert_eq!(got, expected_pairs);
        proptest::prop_assert_eq!(&un.submissions[0].1, &packed.submission);
        for (d, s) in un.documents.iter().zip(&packed.documents) {
            proptest::prop_assert_eq!(d.action, s.facts.action);
        }
    }
}
