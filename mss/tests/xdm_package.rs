//! XDM packages of real CDA documents (segur-cda builder and XDS metadata):
//! pack → unpack round trip (proptest), one patient per package, N1+N3 pairs,
//! and wrong metadata giving typed errors.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use segur_cda::NonXmlBody;
use segur_cda::clock::OidSequence;
use segur_cda::samples;
use segur_cda::xds::XdsCode;
use segur_ids::Oid;
use segur_mss::XdmError;
use segur_mss::message::{MessageBuilder, Recipient};
use segur_mss::xdm::{
    DocumentToPack, PackOptions, ReadmeInfo, SubsetToWrite, XdmLimits, pack, read_archive, unpack,
    write_archive,
};

fn n1(prefix: &str, lines: &[&str], qualified: bool) -> Vec<u8> {
    let patient = if qualified {
        samples::patient()
    } else {
        samples::unqualified_patient()
    }
    .build()
    .unwrap();
    let ids = OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), prefix);
    let header = samples::consultation_header(patient, &samples::clock(), &ids);
    header
        .build_n1(NonXmlBody::pdf(samples::simple_pdf(lines)))
        .unwrap()
        .to_xml()
}

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

fn doc(cda: Vec<u8>) -> DocumentToPack {
    DocumentToPack {
        cda,
        entry: Default::default(),
        pdf: None,
        action: None,
    }
}

#[test]
fn pack_unpack_and_send_one_document() {
    let cda = n1("DOC-A-", &["Compte rendu", "RAS"], true);
    let packed = pack(vec![doc(cda.clone())], &opts()).unwrap();
    assert_eq!(packed.documents.len(), 1);
    assert!(
        packed.documents[0]
            .pdf
            .as_ref()
            .unwrap()
            .starts_with(b"%PDF"),
        "the N1's embedded PDF is the rendering"
    );
    assert!(packed.patient.ins.is_some());

    let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents.len(), 1);
    assert_eq!(un.documents[0].data, cda);
    assert_eq!(un.documents[0].uri, "DOC0001.XML");
    assert_eq!(un.documents[0].entry.type_code.code, "11488-4");
    assert_eq!(un.patient_ids().len(), 1);
    assert!(
        un.patient_ids()[0].ends_with("^NH"),
        "{:?}",
        un.patient_ids()
    );
    assert!(un.readme.unwrap().contains("segur-mss tests"));

    // The message with the conventions.
    let patient = segur_mss::message::MessagePatient {
        family_name: packed.patient.family_name.clone().unwrap(),
        given_name: packed.patient.given_names.clone().unwrap(),
        birth_date: packed.patient.birth_date.unwrap(),
        file_number: None,
        ins_qualified: packed.patient.ins.is_some(),
        key: packed.patient.key(),
    };
    let msg = MessageBuilder::new("dr@test.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("cardio@hopital.mssante.fr".parse().unwrap()).unwrap())
        .documents(packed.zip.clone(), packed.documents.clone(), patient)
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    let text = String::from_utf8_lossy(&msg.bytes);
    assert!(text.contains("X-MSS-CODECDA: 11488-4"));
    assert!(text.contains("X-MSS-INS: O"));
    assert!(
        msg.subject
            .starts_with("XDM/1.0/DDM+CR de consultation TESTPATIENT "),
        "{}",
        msg.subject
    );
    assert!(text.contains("20240315_"), "PDF named after the act date");
}

#[test]
fn one_patient_per_package() {
    let a = n1("DOC-A-", &["a"], true);
    let b = n1("DOC-B-", &["b"], false);
    let err = pack(vec![doc(a), doc(b)], &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            segur_mss::Error::Message(segur_mss::MessageError::SeveralPatients { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn wrong_metadata_gives_typed_errors() {
    let cda = n1("DOC-A-", &["x"], true);
    let packed = pack(vec![doc(cda.clone())], &opts()).unwrap();
    let metadata = read_archive(&packed.zip, &XdmLimits::default())
        .unwrap()
        .subsets[0]
        .metadata
        .clone();
    let info = opts().readme;
    let rebuild = |metadata: Vec<u8>, docs: Vec<(String, String, Vec<u8>)>| {
        write_archive(
            &[SubsetToWrite {
                name: "SUBSET01".into(),
                metadata,
                documents: docs,
            }],
            &info,
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap()
    };
    // Tampered document: hash mismatch.
    let mut tampered = cda.clone();
    let last = tampered.len() - 20;
    tampered[last] ^= 1;
    let z = rebuild(
        metadata.clone(),
        vec![("DOC0001.XML".into(), "x".into(), tampered)],
    );
    assert!(matches!(
        unpack(&z, &XdmLimits::default()),
        Err(XdmError::IntegrityMismatch { what: "hash", .. })
    ));
    // Document listed but absent.
    let z = rebuild(
        metadata.clone(),
        vec![("OTHER.XML".into(), "x".into(), cda.clone())],
    );
    assert!(matches!(
        unpack(&z, &XdmLimits::default()),
        Err(XdmError::MissingDocument { .. })
    ));
    // Malformed metadata.
    let z = rebuild(
        b"<not-ebrim".to_vec(),
        vec![("DOC0001.XML".into(), "x".into(), cda.clone())],
    );
    assert!(matches!(
        unpack(&z, &XdmLimits::default()),
        Err(XdmError::BadMetadata { .. })
    ));
    // Metadata whose URI escapes the subset folder.
    let evil = String::from_utf8(metadata)
        .unwrap()
        .replace(">DOC0001.XML<", ">../../DOC0001.XML<");
    let z = rebuild(
        evil.into_bytes(),
        vec![("DOC0001.XML".into(), "x".into(), cda)],
    );
    assert!(matches!(
        unpack(&z, &XdmLimits::default()),
        Err(XdmError::BadMetadata { .. })
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    #[test]
    fn pack_unpack_round_trip(texts in proptest::collection::vec(proptest::collection::vec("[A-Za-z0-9 ,.]{0,40}", 1..4), 1..4)) {
        let cdas: Vec<Vec<u8>> = texts
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                n1(&format!("DOC-{i}-"), &refs, true)
            })
            .collect();
        let packed = pack(cdas.iter().cloned().map(doc), &opts()).unwrap();
        let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
        proptest::prop_assert_eq!(un.documents.len(), cdas.len());
        for (d, cda) in un.documents.iter().zip(&cdas) {
            proptest::prop_assert_eq!(&d.data, cda);
        }
        proptest::prop_assert_eq!(&un.submissions[0].1.entries, &packed.submission.entries);
        proptest::prop_assert_eq!(un.patient_ids().len(), 1);
    }
}

#[test]
fn replace_and_withdraw_actions_round_trip() {
    use segur_mss::xdm::XdmAction;
    let patient = samples::patient().build().unwrap();
    let ids = OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), "DOC-V-");
    let v1 = samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n1(NonXmlBody::pdf(samples::simple_pdf(&["version 1"])))
        .unwrap();
    let v2 =
        segur_cda::versions::new_version(&v1, v1.body.clone(), &ids, &samples::clock()).unwrap();

    // A new version (RPLC in the CDA): the action is `C` without asking.
    let packed = pack(vec![doc(v2.to_xml())], &opts()).unwrap();
    assert_eq!(packed.documents[0].facts.action, XdmAction::Replace);
    let archive = read_archive(&packed.zip, &XdmLimits::default()).unwrap();
    let metadata = String::from_utf8(archive.subsets[0].metadata.clone()).unwrap();
    assert!(
        metadata.contains(
            "<rim:Slot name=\"urn:action:extraMetadataSlot\"><rim:ValueList><rim:Value>C</rim:Value>"
        ),
        "{metadata}"
    );
    let un = unpack(&packed.zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents[0].action, XdmAction::Replace);
    let patient = message_patient(&packed);
    let msg = MessageBuilder::new("dr@test.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("cardio@hopital.mssante.fr".parse().unwrap()).unwrap())
        .documents(
            packed.zip.clone(),
            packed.documents.clone(),
            patient.clone(),
        )
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    assert!(
        msg.subject
            .starts_with("XDM/1.0/DDM+Annule et remplace CR de consultation "),
        "{}",
        msg.subject
    );

    // A first sending has no slot and no prefix.
    let packed1 = pack(vec![doc(v1.to_xml())], &opts()).unwrap();
    assert_eq!(packed1.documents[0].facts.action, XdmAction::Original);
    let md1 = read_archive(&packed1.zip, &XdmLimits::default()).unwrap();
    assert!(
        !String::from_utf8_lossy(&md1.subsets[0].metadata).contains("urn:action:extraMetadataSlot")
    );
    assert_eq!(
        unpack(&packed1.zip, &XdmLimits::default())
            .unwrap()
            .documents[0]
            .action,
        XdmAction::Original
    );

    // Asking for a replacement without RPLC in the CDA is refused.
    let mut bad = doc(v1.to_xml());
    bad.action = Some(XdmAction::Replace);
    match pack(vec![bad], &opts()).unwrap_err() {
        segur_mss::Error::Message(segur_mss::MessageError::InvalidDocument { reason, .. }) => {
            assert!(reason.contains("RPLC"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    // A withdrawal: `D`, read back, subject « Annulation ».
    let mut withdraw = doc(v1.to_xml());
    withdraw.action = Some(XdmAction::Delete);
    let packed_d = pack(vec![withdraw], &opts()).unwrap();
    let un = unpack(&packed_d.zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents[0].action, XdmAction::Delete);
    let msg = MessageBuilder::new("dr@test.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("cardio@hopital.mssante.fr".parse().unwrap()).unwrap())
        .documents(packed_d.zip.clone(), packed_d.documents.clone(), patient)
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    assert!(
        msg.subject
            .starts_with("XDM/1.0/DDM+Annulation CR de consultation "),
        "{}",
        msg.subject
    );
}

#[test]
fn an_unknown_action_value_is_read_as_a_first_sending() {
    use segur_mss::xdm::XdmAction;
    let cda = n1("DOC-U-", &["u"], true);
    let packed = pack(vec![doc(cda)], &opts()).unwrap();
    let archive = read_archive(&packed.zip, &XdmLimits::default()).unwrap();
    let s = &archive.subsets[0];
    let metadata = String::from_utf8(s.metadata.clone()).unwrap();
    // Insert an action slot with a value no convention knows.
    let pos = metadata.find("<rim:ExtrinsicObject").unwrap();
    let end = pos + metadata[pos..].find('>').unwrap() + 1;
    let tampered = format!(
        "{}<rim:Slot name=\"urn:action:extraMetadataSlot\"><rim:ValueList><rim:Value>X</rim:Value></rim:ValueList></rim:Slot>{}",
        &metadata[..end],
        &metadata[end..]
    );
    let documents = s
        .files
        .iter()
        .map(|f| (f.name.clone(), "x".to_owned(), f.data.clone()))
        .collect();
    let zip = write_archive(
        &[SubsetToWrite {
            name: s.name.clone(),
            metadata: tampered.into_bytes(),
            documents,
        }],
        &opts().readme,
        time::OffsetDateTime::UNIX_EPOCH,
    )
    .unwrap();
    let un = unpack(&zip, &XdmLimits::default()).unwrap();
    assert_eq!(un.documents[0].action, XdmAction::Original);
}

fn message_patient(packed: &segur_mss::xdm::Packed) -> segur_mss::message::MessagePatient {
    segur_mss::message::MessagePatient {
        family_name: packed.patient.family_name.clone().unwrap(),
        given_name: packed.patient.given_names.clone().unwrap(),
        birth_date: packed.patient.birth_date.unwrap(),
        file_number: None,
        ins_qualified: packed.patient.ins.is_some(),
        key: packed.patient.key(),
    }
}
