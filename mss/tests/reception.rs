//! The reception pipeline: antivirus (fail-closed), safe XDM unpacking,
//! patient matching, new documents and versions, hidden technical files,
//! provenance, traces.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::sync::Arc;

use segur_cda::NonXmlBody;
use segur_cda::clock::OidSequence;
use segur_cda::samples;
use segur_cda::xds::XdsCode;
use segur_ids::Oid;
use segur_ins::sentinelle::{InMemoryPatientIndex, LocalPatientId, PatientIndex};
use segur_mss::message::{MessageBuilder, MessagePatient, Recipient};
use segur_mss::reception::{
    CandidateReason, HeldDocument, InMemoryDocuments, Novelty, PatientMatch, Provenance, Receiver,
};
use segur_mss::trace::{Tracer, kinds};
use segur_mss::xdm::{DocumentToPack, PackOptions, ReadmeInfo, pack};
use segur_mss::{ReceptionError, XdmError};
use segur_ssi::antivirus::{EICAR, EicarScanner, UnavailableScanner};
use segur_ssi::audit::{AuditFilter, AuditTrail, MemoryAuditTrail};

fn n1(prefix: &str) -> Vec<u8> {
    let patient = samples::patient().build().unwrap();
    let ids = OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), prefix);
    samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n1(NonXmlBody::pdf(samples::simple_pdf(&["CR"])))
        .unwrap()
        .to_xml()
}

/// An XDM message (from `from`) with one N1, plus optional extra attachments.
fn message(from: &str, extra: Vec<(&str, &[u8])>) -> (Vec<u8>, String) {
    let packed = pack(
        vec![DocumentToPack {
            cda: n1("DOC-R-"),
            entry: Default::default(),
            pdf: None,
            action: None,
        }],
        &PackOptions {
            source_id: Oid::parse("1.2.250.1.999.77.1").unwrap(),
            content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
            readme: ReadmeInfo {
                sender: "x".into(),
                contact: "x".into(),
                software: "x".into(),
            },
            now: time::OffsetDateTime::UNIX_EPOCH,
        },
    )
    .unwrap();
    let id = packed.documents[0].facts.id.clone();
    let p = &packed.patient;
    let patient = MessagePatient {
        family_name: p.family_name.clone().unwrap(),
        given_name: "CAMILLE".into(),
        birth_date: p.birth_date.unwrap(),
        file_number: Some("IPP-000123".into()),
        ins_qualified: true,
        key: p.key(),
    };
    let mut b = MessageBuilder::new(from.parse().unwrap(), "DEV935997")
        .to(Recipient::address("dr@test.mssante.fr".parse().unwrap()).unwrap())
        .text("Bonjour")
        .documents(packed.zip, packed.documents, patient)
        .request_read_receipt();
    for (name, data) in extra {
        b = b.attachment(name, "application/octet-stream", data.to_vec());
    }
    (b.build(time::OffsetDateTime::now_utc()).unwrap().bytes, id)
}

fn unqualified_identity() -> segur_ins::Identity {
    let ctx = segur_ins::EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "t");
    segur_ins::Identity::new(
        samples::patient_identity().traits().clone(),
        segur_ins::CollectionMethod::SaisieManuelle,
        &ctx,
    )
}

/// segur-ins's in-memory patient index: the first file is `P000001`.
fn patients(qualified: bool) -> Arc<InMemoryPatientIndex> {
    let identity = if qualified {
        samples::patient_identity()
    } else {
        unqualified_identity()
    };
    let index = InMemoryPatientIndex::new();
    index.create(identity).unwrap();
    Arc::new(index)
}

#[tokio::test]
async fn xdm_message_is_matched_and_integrated_automatically() {
    let trail = Arc::new(MemoryAuditTrail::new());
    let tracer = Tracer::new(
        Some(trail.clone()),
        "810003612545",
        "dr@test.mssante.fr",
        Arc::new(segur_psc::SystemClock),
    );
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    )
    .with_tracer(tracer);
    let (raw, id) = message("cardio@hopital.mssante.fr", vec![]);
    let rec = r.receive(&raw).await.unwrap();
    assert_eq!(rec.provenance, Provenance::Professional);
    assert!(
        rec.subject
            .starts_with("CR de consultation TESTPATIENT CAMILLE 12/03/1985"),
        "{}",
        rec.subject
    );
    assert_eq!(rec.documents.len(), 1);
    let d = &rec.documents[0];
    assert_eq!(d.unique_id, id);
    assert_eq!(d.novelty, Novelty::New);
    // The document's strict traits are complete: the INSi equivalence
    // rules of segur-ins decide the automatic match.
    let traits = rec.patient_info.as_ref().unwrap().traits().unwrap();
    assert!(segur_ins::sentinelle::traits_match(
        samples::patient_identity().traits(),
        &traits
    ));
    assert!(d.pdf.as_ref().unwrap().starts_with(b"%PDF"));
    assert_eq!(
        rec.patient,
        Some(PatientMatch::Automatic {
            local_id: LocalPatientId::new("P000001")
        })
    );
    assert!(rec.patient_info.as_ref().unwrap().ins.is_some());
    // The zip and its technical files are hidden; the PDF rendering is shown.
    assert_eq!(rec.attachments.len(), 1);
    assert!(
        rec.attachments[0]
            .filename
            .as_deref()
            .unwrap()
            .ends_with(".pdf")
    );
    assert_eq!(rec.mss.code_cda, vec!["11488-4"]);
    assert!(rec.notification_requested.is_some());
    let traced = trail
        .query(&AuditFilter::new().kind(kinds::MESSAGE_RECEIVED))
        .unwrap();
    assert_eq!(traced.len(), 1);
    assert_eq!(traced[0].event.patient_ref.as_deref(), Some("P000001"));
    assert_eq!(traced[0].event.document_ref.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn unqualified_or_unknown_patients_give_candidates() {
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(false),
        Arc::new(InMemoryDocuments::default()),
    );
    let (raw, _) = message("cardio@hopital.mssante.fr", vec![]);
    match r.receive(&raw).await.unwrap().patient {
        Some(PatientMatch::Candidates(c)) => {
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].reason, CandidateReason::SameTraits);
        }
        other => panic!("{other:?}"),
    }
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        Arc::new(InMemoryPatientIndex::new()),
        Arc::new(InMemoryDocuments::default()),
    );
    assert_eq!(
        r.receive(&raw).await.unwrap().patient,
        Some(PatientMatch::NotFound)
    );
    // Two files with the same traits (a duplicate): both proposed, never
    // an automatic choice.
    let index = InMemoryPatientIndex::new();
    index.create(unqualified_identity()).unwrap();
    index.create(unqualified_identity()).unwrap();
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        Arc::new(index),
        Arc::new(InMemoryDocuments::default()),
    );
    match r.receive(&raw).await.unwrap().patient {
        Some(PatientMatch::Candidates(c)) => assert_eq!(c.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn held_documents_and_versions() {
    let (raw, id) = message("cardio@hopital.mssante.fr", vec![]);
    let held = |unique_id: &str, version| HeldDocument {
        unique_id: unique_id.into(),
        set_id: None,
        version,
        patient_local_id: LocalPatientId::new("P000001"),
    };
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments(vec![held(&id, Some(1))])),
    );
    assert_eq!(
        r.receive(&raw).await.unwrap().documents[0].novelty,
        Novelty::AlreadyHeld
    );

    // Same setId held with a version 0: the received version 1 is a new version.
    let rec = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    )
    .receive(&raw)
    .await
    .unwrap();
    let set_id = rec.documents[0].set_id.clone().unwrap();
    let older = HeldDocument {
        unique_id: "old^1".into(),
        set_id: Some(set_id),
        version: Some(0),
        patient_local_id: LocalPatientId::new("P000001"),
    };
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments(vec![older])),
    );
    assert_eq!(
        r.receive(&raw).await.unwrap().documents[0].novelty,
        Novelty::NewVersion {
            replaces: Some("old^1".into())
        }
    );
}

#[tokio::test]
async fn infected_attachments_are_quarantined_and_scanner_failures_fail_closed() {
    let (raw, _) = message("cardio@hopital.mssante.fr", vec![("notes.bin", EICAR)]);
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    );
    let rec = r.receive(&raw).await.unwrap();
    assert!(
        matches!(&rec.quarantined[..], [ReceptionError::Infected { attachment, .. }] if attachment == "notes.bin")
    );
    assert!(
        rec.attachments
            .iter()
            .all(|a| a.filename.as_deref() != Some("notes.bin"))
    );
    assert_eq!(rec.documents.len(), 1);

    let r = Receiver::new(
        Arc::new(UnavailableScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    );
    let rec = r.receive(&raw).await.unwrap();
    assert!(rec.documents.is_empty() && rec.attachments.is_empty());
    assert!(
        rec.quarantined
            .iter()
            .all(|q| matches!(q, ReceptionError::ScanFailed { .. }))
    );
}

#[tokio::test]
async fn patient_provenance_and_unsafe_archives() {
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    );
    let raw = b"From: <285037511104286@patient.mssante.fr>\r\nTo: <dr@test.mssante.fr>\r\nSubject: Question\r\nMessage-ID: <q@patient.mssante.fr>\r\n\r\nBonjour docteur\r\n";
    let rec = r.receive(raw).await.unwrap();
    assert_eq!(
        rec.provenance,
        Provenance::Patient {
            matricule: Some("285037511104286".into())
        }
    );

    // An IHE_XDM.zip that is a bomb: typed error, message still readable.
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("IHE_XDM/SUBSET01/METADATA.XML", o).unwrap();
    std::io::Write::write_all(&mut w, &zeros).unwrap();
    let bomb = w.finish().unwrap().into_inner();
    let msg = MessageBuilder::new("a@b.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("dr@test.mssante.fr".parse().unwrap()).unwrap())
        .subject("x")
        .text("x")
        .attachment("IHE_XDM.zip", "application/zip", bomb)
        .build(time::OffsetDateTime::now_utc())
        .unwrap();
    let rec = r.receive(&msg.bytes).await.unwrap();
    assert!(
        matches!(rec.xdm_error, Some(XdmError::Bomb { .. })),
        "{:?}",
        rec.xdm_error
    );
    assert!(rec.documents.is_empty());
}

fn pack_message<I: Into<segur_mss::xdm::PackItem>>(docs: Vec<I>) -> (Vec<u8>, Vec<String>) {
    let packed = pack(
        docs,
        &PackOptions {
            source_id: Oid::parse("1.2.250.1.999.77.1").unwrap(),
            content_type_code: XdsCode::new("04", "1.2.250.1.213.1.1.4.12", "Consultation"),
            readme: ReadmeInfo {
                sender: "x".into(),
                contact: "x".into(),
                software: "x".into(),
            },
            now: time::OffsetDateTime::UNIX_EPOCH,
        },
    )
    .unwrap();
    let ids = packed
        .documents
        .iter()
        .map(|d| d.facts.id.clone())
        .collect();
    let p = &packed.patient;
    let patient = MessagePatient {
        family_name: p.family_name.clone().unwrap(),
        given_name: "CAMILLE".into(),
        birth_date: p.birth_date.unwrap(),
        file_number: None,
        ins_qualified: true,
        key: p.key(),
    };
    let raw = MessageBuilder::new("cardio@hopital.mssante.fr".parse().unwrap(), "DEV935997")
        .to(Recipient::address("dr@test.mssante.fr".parse().unwrap()).unwrap())
        .text("Bonjour")
        .documents(packed.zip, packed.documents, patient)
        .build(time::OffsetDateTime::now_utc())
        .unwrap()
        .bytes;
    (raw, ids)
}

#[tokio::test]
async fn replacement_and_withdrawal_of_a_held_document() {
    use segur_mss::xdm::XdmAction;
    let patient = samples::patient().build().unwrap();
    let ids = OidSequence::new(Oid::parse("1.2.250.1.999.77").unwrap(), "DOC-W-");
    let v1 = samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n1(NonXmlBody::pdf(samples::simple_pdf(&["version 1"])))
        .unwrap();
    let v2 =
        segur_cda::versions::new_version(&v1, v1.body.clone(), &ids, &samples::clock()).unwrap();
    let to_pack = |d: &segur_cda::Document, action| DocumentToPack {
        cda: d.to_xml(),
        entry: Default::default(),
        pdf: None,
        action,
    };
    let (_, v1_ids) = pack_message(vec![to_pack(&v1, None)]);
    let held_v1 = HeldDocument {
        unique_id: v1_ids[0].clone(),
        set_id: None,
        version: Some(1),
        patient_local_id: LocalPatientId::new("P000001"),
    };
    let receiver = |held: Vec<HeldDocument>| {
        Receiver::new(
            Arc::new(EicarScanner::new()),
            patients(true),
            Arc::new(InMemoryDocuments(held)),
        )
    };

    // The new version: action `C`, the held copy it replaces, the subject
    // shown without the technical prefix.
    let (raw, _) = pack_message(vec![to_pack(&v2, None)]);
    let rec = receiver(vec![held_v1.clone()]).receive(&raw).await.unwrap();
    assert!(
        rec.subject
            .starts_with("Annule et remplace CR de consultation"),
        "{}",
        rec.subject
    );
    let d = &rec.documents[0];
    assert_eq!(d.action, XdmAction::Replace);
    assert_eq!(
        d.novelty,
        Novelty::NewVersion {
            replaces: Some(v1_ids[0].clone())
        }
    );

    // The withdrawal of v1: never integrated as new, the held copy named.
    let (raw, _) = pack_message(vec![to_pack(&v1, Some(XdmAction::Delete))]);
    let rec = receiver(vec![held_v1]).receive(&raw).await.unwrap();
    assert!(rec.subject.starts_with("Annulation "), "{}", rec.subject);
    assert_eq!(rec.documents[0].action, XdmAction::Delete);
    assert_eq!(
        rec.documents[0].novelty,
        Novelty::Withdrawn {
            held: Some(v1_ids[0].clone())
        }
    );
    // The withdrawal of a document never received: nothing to withdraw.
    let rec = receiver(vec![]).receive(&raw).await.unwrap();
    assert_eq!(rec.documents[0].novelty, Novelty::Withdrawn { held: None });
}

#[tokio::test]
async fn integration_and_its_failure_are_traced() {
    let trail = Arc::new(MemoryAuditTrail::new());
    let tracer = Tracer::new(
        Some(trail.clone()),
        "810003612545",
        "dr@test.mssante.fr",
        Arc::new(segur_psc::SystemClock),
    );
    let r = Receiver::new(
        Arc::new(EicarScanner::new()),
        patients(true),
        Arc::new(InMemoryDocuments::default()),
    )
    .with_tracer(tracer);
    let (raw, id) = message("cardio@hopital.mssante.fr", vec![]);
    let rec = r.receive(&raw).await.unwrap();
    let Some(PatientMatch::Automatic { local_id }) = &rec.patient else {
        panic!("{:?}", rec.patient)
    };
    r.record_integration(&rec, &rec.documents[0], local_id, Ok(()));
    r.record_integration(&rec, &rec.documents[0], local_id, Err("disque plein"));
    let events = trail
        .query(&AuditFilter::new().kind_prefix(kinds::DOCUMENT_INTEGRATED.as_str()))
        .unwrap();
    assert_eq!(events.len(), 2);
    let ok = &events[0].event;
    assert_eq!(ok.outcome, segur_ssi::audit::Outcome::Success);
    assert_eq!(ok.document_ref.as_deref(), Some(id.as_str()));
    assert_eq!(
        ok.patient_ref.as_deref(),
        Some(local_id.to_string().as_str())
    );
    assert_eq!(ok.request_id, rec.message_id);
    let failed = &events[1].event;
    assert_eq!(failed.outcome, segur_ssi::audit::Outcome::Failure);
    assert_eq!(
        failed.details.get("reason").map(String::as_str),
        Some("disque plein")
    );
}
