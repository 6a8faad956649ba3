//! XDS metadata derived from a header, ebRIM write → parse round trip.
#![allow(clippy::unwrap_used)]

use segur_cda::samples;
use segur_cda::xds::*;
use segur_ids::oid;

fn entry() -> (segur_cda::Document, Vec<u8>, DocumentEntry) {
    let doc = samples::n1_document().unwrap();
    let bytes = doc.to_xml();
    let e = DocumentEntry::from_document(&doc, &bytes, &EntryOptions::default()).unwrap();
    (doc, bytes, e)
}

#[test]
fn document_entry_derived_from_header() {
    let (doc, bytes, e) = entry();
    assert_eq!(e.unique_id, "1.2.250.1.999.1.1^DOC-1");
    assert_eq!(
        e.patient_id,
        "285037511104286^^^&1.2.250.1.213.1.4.10&ISO^NH"
    );
    assert_eq!(
        e.source_patient_id.as_deref(),
        Some("IPP-000123^^^&1.2.250.1.999.1.1&ISO^PI")
    );
    assert_eq!(
        e.source_patient_info,
        [
            "PID-5|TESTPATIENT^CAMILLE MARIE^^^^^L",
            "PID-7|19850312",
            "PID-8|F"
        ]
    );
    assert_eq!(e.mime_type, "text/xml");
    assert_eq!(
        e.type_code,
        XdsCode::new("11488-4", "2.16.840.1.113883.6.1", "CR de consultation")
    );
    assert_eq!(
        e.class_code,
        XdsCode::new("10", "1.2.250.1.213.1.1.4.1", "Compte rendu")
    );
    assert_eq!(
        e.confidentiality_codes,
        [XdsCode::new("N", "2.16.840.1.113883.5.25", "Normal")]
    );
    assert_eq!(e.format_code.code, "urn:ihe:iti:xds-sd:pdf:2008");
    assert_eq!(e.healthcare_facility_type_code.code, "SA08");
    assert_eq!(e.practice_setting_code.code, "AMBULATOIRE");
    // Times in UTC.
    assert_eq!(e.creation_time.as_deref(), Some("20240315093000"));
    assert_eq!(e.service_start_time.as_deref(), Some("20240315084500"));
    assert_eq!(e.service_stop_time, None);
    assert_eq!(e.language_code.as_deref(), Some("fr-FR"));
    assert_eq!(e.title.as_deref(), Some("Compte rendu de consultation"));
    assert_eq!(e.size, Some(bytes.len() as u64));
    assert_eq!(e.hash.as_ref().unwrap().len(), 40);
    assert_eq!(e.authors.len(), 1);
    let a = &e.authors[0];
    assert_eq!(
        a.person.as_deref(),
        Some("810003612545^MEDECIN-TEST^Jean^^^M^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS")
    );
    assert_eq!(
        a.institutions,
        ["Cabinet médical des Tilleuls^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1750712184"]
    );
    assert_eq!(
        a.specialties,
        ["G15_10/SM54^Médecin - Médecine Générale (SM)^&1.2.250.1.213.1.1.4.5&ISO"]
    );
    assert_eq!(e.legal_authenticator, a.person);
    assert_eq!(
        e.reference_ids,
        ["DEMANDE-42^^^&1.2.250.1.999.1.1&ISO^urn:ihe:iti:xds:2013:order"]
    );
    assert!(check_against(&e, &doc.header).is_empty());

    // Hash: SHA-1 of exactly the bytes given (test vector of "abc").
    let e = DocumentEntry::from_document(&doc, b"abc", &EntryOptions::default()).unwrap();
    assert_eq!(
        e.hash.as_deref(),
        Some("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
}

#[test]
fn missing_facts_are_typed_errors() {
    let mut doc = samples::n1_document().unwrap();
    doc.header.record_targets[0].patient_role.ids.remove(0);
    let err = DocumentEntry::from_document(&doc, b"x", &EntryOptions::default()).unwrap_err();
    assert_eq!(err, segur_cda::XdsError::MissingInHeader("patient INS"));
    let mut doc = samples::n1_document().unwrap();
    doc.header.code.as_mut().unwrap().code = Some("99999-9".into());
    let err = DocumentEntry::from_document(&doc, b"x", &EntryOptions::default()).unwrap_err();
    assert!(matches!(err, segur_cda::XdsError::MissingInHeader(_)));
    let ok = DocumentEntry::from_document(
        &doc,
        b"x",
        &EntryOptions {
            class_code: Some(XdsCode::new("10", "1.2.250.1.213.1.1.4.1", "Compte rendu")),
            ..Default::default()
        },
    );
    assert!(ok.is_ok());
}

#[test]
fn ebrim_round_trip_with_submission_set_and_replacement() {
    let (_, _, mut e) = entry();
    e.comments = Some("Commentaire & <spécial>".into());
    e.uri = Some("DOC0001.XML".into());
    e.confidentiality_codes.push(XdsCode::new(
        "MASQUE_PS",
        "1.2.250.1.213.1.1.4.13",
        "Masqué aux professionnels de santé",
    ));
    let set = SubmissionSet::for_entry(
        &e,
        &oid!("1.2.250.1.999.1.1.2.1"),
        &oid!("1.2.250.1.999.1.1"),
        time::macros::datetime!(2024-03-15 11:00:00 +01:00),
        XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
    );
    assert_eq!(set.submission_time, "20240315100000");
    let sub = Submission {
        submission_set: Some(set),
        entries: vec![e],
        replacements: vec![(
            "Document01".into(),
            "urn:uuid:6b0f3c2e-0000-4000-8000-000000000001".into(),
        )],
        ..Default::default()
    };
    let xml = sub.to_ebrim();
    for needle in [
        "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
        "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
        "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
        "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
        "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
        "urn:ihe:iti:2007:AssociationType:RPLC",
        "<rim:Value>Original</rim:Value>",
    ] {
        assert!(xml.contains(needle), "{needle}");
    }
    let back = Submission::from_ebrim(xml.as_bytes()).unwrap();
    assert_eq!(back, sub);
    // Deterministic.
    assert_eq!(back.to_ebrim(), xml);
}

#[test]
fn ebrim_errors() {
    assert!(Submission::from_ebrim(b"").is_err());
    assert!(Submission::from_ebrim(b"<a><b></a>").is_err());
    let (_, _, e) = entry();
    let xml = Submission {
        entries: vec![e],
        ..Default::default()
    }
    .to_ebrim();
    assert!(Submission::from_ebrim(&xml.as_bytes()[..xml.len() / 2]).is_err());
    let with_entity = xml.replacen("<rim:Value>", "<rim:Value>&ent;", 1);
    assert!(Submission::from_ebrim(with_entity.as_bytes()).is_err());
}

#[test]
fn ebrim_round_trip_of_xfrm_signs_and_iti57_updates() {
    let (_, _, e) = entry();
    let mut n1 = e.clone();
    n1.entry_uuid = "Document02".into();
    n1.unique_id = "1.2.250.1.999.1.1^DOC-2".into();
    let set = SubmissionSet::for_entry(
        &e,
        &oid!("1.2.250.1.999.1.1.2.2"),
        &oid!("1.2.250.1.999.1.1"),
        time::macros::datetime!(2024-03-15 11:00:00 +01:00),
        XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
    );
    let sub = Submission {
        submission_set: Some(set.clone()),
        entries: vec![e.clone(), n1],
        associations: vec![
            Association::new(ASSOCIATION_XFRM, "Document02", "Document01"),
            Association::new(ASSOCIATION_SIGNS, "Document02", "SubmissionSet01"),
        ],
        ..Default::default()
    };
    let xml = sub.to_ebrim();
    assert!(xml.contains("urn:ihe:iti:2007:AssociationType:XFRM"));
    assert!(xml.contains("urn:ihe:iti:2007:AssociationType:signs"));
    assert_eq!(Submission::from_ebrim(xml.as_bytes()).unwrap(), sub);

    // ITI-57 metadata update: same logicalId, PreviousVersion on HasMember.
    let mut updated = e.clone();
    updated.entry_uuid = "urn:uuid:00000000-0000-4000-8000-0000000000aa".into();
    updated.logical_id = Some("urn:uuid:00000000-0000-4000-8000-0000000000bb".into());
    updated.version = Some("2".into());
    let update = Submission {
        submission_set: Some(set.clone()),
        entries: vec![updated.clone()],
        previous_versions: vec![(updated.entry_uuid.clone(), "1".into())],
        ..Default::default()
    };
    let xml = update.to_ebrim();
    assert!(xml.contains("lid=\"urn:uuid:00000000-0000-4000-8000-0000000000bb\""));
    assert!(xml.contains("<rim:VersionInfo versionName=\"2\"/>"));
    assert!(
        xml.contains("<rim:Slot name=\"PreviousVersion\"><rim:ValueList><rim:Value>1</rim:Value>")
    );
    assert_eq!(Submission::from_ebrim(xml.as_bytes()).unwrap(), update);

    // ITI-57 availability status update: no entry, one association with slots.
    let status = Submission {
        submission_set: Some(set),
        associations: vec![
            Association::new(
                ASSOCIATION_UPDATE_AVAILABILITY_STATUS,
                "SubmissionSet01",
                "urn:uuid:00000000-0000-4000-8000-0000000000aa",
            )
            .with_slot(
                "OriginalStatus",
                "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",
            )
            .with_slot("NewStatus", "urn:asip:ci-sis:2010:StatusType:Deleted"),
        ],
        ..Default::default()
    };
    let back = Submission::from_ebrim(status.to_ebrim().as_bytes()).unwrap();
    assert_eq!(back, status);
    assert_eq!(
        back.associations[0].slot("NewStatus"),
        Some("urn:asip:ci-sis:2010:StatusType:Deleted")
    );
}
