//! Every DMP transaction against the simulator: TD0.2, authorisations,
//! ITI-41 (single, pair with XFRM, replacement with RPLC, signature
//! document), ITI-18 with filters, ITI-43 with antivirus and traces, ITI-57
//! (visibility, archive, delete) on both forms of a pair.

mod common;

use common::*;
use segur_cda::versions::{DocumentPair, new_version};
use segur_cda::xds::{ASSOCIATION_RPLC, ASSOCIATION_SIGNS, ASSOCIATION_XFRM};
use segur_cda::{NonXmlBody, samples};
use segur_dmp::Error;
use segur_dmp::feed::{Feed, FeedDocument, Visibility, pair_unique_ids};
use segur_dmp::history::{Direction, DocumentHistory, HistoryStatus, LocalPresence};
use segur_dmp::patient::AuthorizationStatus;
use segur_dmp::update::StatusChange;
use segur_dmp::vihf::AuthenticationMode;
use segur_dmp::xds::{Availability, FindDocuments, error_codes};

#[tokio::test]
async fn td02_and_authorisations() {
    let e = env().await;
    // Unknown patient: not an error, "no DMP".
    let unknown = common::ins();
    let status = e.client.status(&unknown).await.expect("TD0.2");
    assert!(!status.exists);

    let s = e.client.status(&e.patient).await.expect("TD0.2");
    assert!(s.exists && !s.closed);
    assert_eq!(s.authorization, AuthorizationStatus::Valid);
    assert!(!s.treating_physician);

    // Another professional: not authorised; declares itself (treating).
    let other_local = local();
    informed(&other_local, &e.patient);
    let other = client(
        &e.sim,
        actor_named(OTHER, "CARDIO-TEST Claire"),
        AuthenticationMode::IndirecteRenforcee,
        &other_local,
    );
    assert_eq!(
        other.status(&e.patient).await.expect("TD0.2").authorization,
        AuthorizationStatus::None
    );
    other
        .set_authorization(&e.patient, true)
        .await
        .expect("set");
    let s = other.status(&e.patient).await.expect("TD0.2");
    assert_eq!(s.authorization, AuthorizationStatus::Valid);
    assert!(s.treating_physician);
    let list = other.list_authorizations(&e.patient).await.expect("list");
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .any(|a| a.national_id == OTHER && a.treating_physician)
    );
    other
        .remove_authorization(&e.patient)
        .await
        .expect("remove");
    assert_eq!(
        other.status(&e.patient).await.expect("TD0.2").authorization,
        AuthorizationStatus::None
    );

    // Blocked by the patient: cannot declare itself.
    e.sim.block(&e.patient, OTHER);
    assert_eq!(
        other.status(&e.patient).await.expect("TD0.2").authorization,
        AuthorizationStatus::Blocked
    );
    match other.set_authorization(&e.patient, false).await {
        Err(Error::Habilitation(h)) => assert_eq!(h.status, "KO_ACCES_INTERDIT"),
        r => panic!("{r:?}"),
    }

    // Closed DMP.
    e.sim.close_dmp(&e.patient, "20250101");
    let s = e.client.status(&e.patient).await.expect("TD0.2");
    assert!(s.closed);
    assert_eq!(s.closure_date.as_deref(), Some("20250101"));
    let doc = n1_doc(1);
    match e.client.feed(&Feed::document(doc.to_xml())).await {
        Err(Error::Registry(f)) => assert!(f.has_code("DMP_FERME")),
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn feed_search_retrieve_with_signature_traces_and_history() {
    let e = env().await;
    let doc = n1_doc(1);
    let bytes = doc.to_xml();
    let receipt = e
        .client
        .feed(&Feed::document(bytes.clone()))
        .await
        .expect("feed");
    let uid = "1.2.250.1.999.1.1^TDOC-100";
    assert_eq!(receipt.unique_ids, [uid]);
    assert!(receipt.submission_set_unique_id.starts_with("2.25."));

    // The registry: the document, the signature document, `signs`.
    let entries = e.sim.entries(&e.patient);
    assert_eq!(entries.len(), 2);
    let stored = e.sim.current(uid).expect("stored");
    assert_eq!(stored.content.as_slice(), bytes.as_slice());
    assert_eq!(stored.entry.version.as_deref(), Some("1"));
    assert_eq!(
        stored.entry.logical_id.as_deref(),
        Some(stored.entry.entry_uuid.as_str())
    );
    assert!(
        e.sim
            .associations()
            .iter()
            .any(|a| a.association_type == ASSOCIATION_SIGNS
                && a.target == receipt.submission_set_unique_id)
    );
    // The request was MTOM with the action in the Content-Type.
    let x = e
        .sim
        .exchanges()
        .into_iter()
        .find(|x| x.action.as_deref() == Some(segur_dmp::xds::ITI41_ACTION))
        .expect("ITI-41 recorded");
    assert!(x.request.content_type.starts_with("multipart/related"));
    assert!(x.request.content_type.contains("application/xop+xml"));
    assert_eq!(x.status, Some(200));

    // Search: the signature document is not shown; the document is known
    // locally (sent from here).
    let found = e
        .client
        .search(&e.patient, &FindDocuments::new())
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entry.unique_id, uid);
    assert!(matches!(
        found[0].local,
        LocalPresence::AlreadyPresent { .. }
    ));
    assert_eq!(
        found[0].entry.repository_unique_id.as_deref(),
        Some(e.sim.repository_unique_id())
    );

    // Filters: type, date, author, format, status.
    let t = found[0].entry.type_code.clone();
    let f = found[0].entry.format_code.clone();
    for (filter, expected) in [
        (FindDocuments::new().type_code(&t), 1),
        (
            FindDocuments::new().type_code(&segur_cda::xds::XdsCode::new(
                "11502-2",
                "2.16.840.1.113883.6.1",
                "",
            )),
            0,
        ),
        (FindDocuments::new().format_code(&f), 1),
        (FindDocuments::new().author(format!("{AUTHOR}%")), 1),
        (FindDocuments::new().author("999%"), 0),
        (
            FindDocuments::new().created_between(
                Some(time::macros::datetime!(2024-03-15 00:00 UTC)),
                Some(time::macros::datetime!(2024-03-16 00:00 UTC)),
            ),
            1,
        ),
        (
            FindDocuments::new()
                .created_between(Some(time::macros::datetime!(2024-03-16 00:00 UTC)), None),
            0,
        ),
        (FindDocuments::new().status(Availability::Deleted), 0),
    ] {
        let n = e
            .client
            .search(&e.patient, &filter)
            .await
            .expect("search")
            .len();
        assert_eq!(n, expected, "{filter:?}");
    }

    // Retrieve by another authorised professional: scanned, traced, in the
    // history as received.
    let other_local = local();
    informed(&other_local, &e.patient);
    e.sim.authorize(&e.patient, OTHER);
    let other = client(
        &e.sim,
        actor_named(OTHER, "CARDIO-TEST Claire"),
        AuthenticationMode::IndirecteRenforcee,
        &other_local,
    );
    let got = other
        .retrieve(&e.patient, &found[0].entry)
        .await
        .expect("retrieve");
    assert_eq!(got.document.content, bytes);
    assert_eq!(got.document.mime_type, "text/xml");
    assert_eq!(got.local, LocalPresence::NotPresent);
    assert_eq!(
        got.header.as_ref().and_then(|h| h.title.clone()).as_deref(),
        Some("Compte rendu de consultation")
    );
    let rec = other_local
        .history
        .get(uid, Direction::Received)
        .expect("history")
        .expect("recorded");
    assert_eq!(rec.status, HistoryStatus::Received);
    // Retrieving again: already present.
    let again = other
        .retrieve(&e.patient, &found[0].entry)
        .await
        .expect("retrieve");
    assert!(matches!(again.local, LocalPresence::AlreadyPresent { .. }));
    let traces =
        segur_dmp::history::access_traces(other_local.audit.as_ref(), &e.patient).expect("traces");
    let kinds: Vec<(&str, &str)> = traces
        .iter()
        .map(|r| (r.event.kind.as_str(), r.event.outcome.as_str()))
        .collect();
    assert!(kinds.contains(&("dmp.document.retrieve", "success")));
    let retrieve = traces
        .iter()
        .find(|r| r.event.kind.as_str() == "dmp.document.retrieve")
        .expect("trace");
    assert_eq!(retrieve.event.actor, OTHER);
    assert_eq!(retrieve.event.document_ref.as_deref(), Some(uid));
    assert_eq!(
        retrieve.event.details.get("antivirus").map(String::as_str),
        Some("eicar-test-double")
    );

    // The author's history: sent.
    let sent = e
        .local
        .history
        .get(uid, Direction::Sent)
        .expect("history")
        .expect("sent");
    assert_eq!(sent.status, HistoryStatus::Sent);
    assert_eq!(sent.set_id.as_deref(), Some("1.2.250.1.999.1.1^TDOC-101"));

    // Synthetic view, refreshed in the background: last feeding date,
    // latest documents of the chosen types.
    let c = e.client.clone();
    let p = e.patient;
    let view = tokio::spawn(async move {
        c.synthetic_view(
            &p,
            &segur_dmp::history::SyntheticViewConfig {
                type_codes: vec!["11488-4".into()],
                limit: 5,
            },
        )
        .await
    })
    .await
    .expect("join")
    .expect("view");
    assert!(view.last_feeding.is_some());
    assert_eq!(view.latest.len(), 1);
    let none = e
        .client
        .synthetic_view(
            &e.patient,
            &segur_dmp::history::SyntheticViewConfig {
                type_codes: vec!["11502-2".into()],
                limit: 5,
            },
        )
        .await
        .expect("view");
    assert!(none.latest.is_empty());
}

#[tokio::test]
async fn pair_is_sent_together_with_xfrm_and_updated_together() {
    let e = env().await;
    let ids = segur_cda::clock::OidSequence::starting_at(samples::SAMPLE_STRUCTURE_OID, "PAIR-", 1);
    let n3 = n3_doc(7);
    let pdf = NonXmlBody::pdf(samples::simple_pdf(&["Compte rendu (N1)"]));
    let pair = DocumentPair::from_n3(n3, pdf, None, &ids).expect("pair");
    let mut feed = Feed::pair(&pair);
    feed.documents[0] = FeedDocument::cda(pair.n3().to_xml()).format_code(n3_format());
    let receipt = e.client.feed(&feed).await.expect("feed pair");
    let uids = pair_unique_ids(&pair);
    assert_eq!(receipt.unique_ids, uids);
    let n3_entry = e.sim.current(&uids[0]).expect("n3");
    let n1_entry = e.sim.current(&uids[1]).expect("n1");
    assert_eq!(
        n1_entry.submission_set, n3_entry.submission_set,
        "one submission"
    );
    assert!(e.sim.associations().iter().any(|a| {
        a.association_type == ASSOCIATION_XFRM
            && a.source == n1_entry.entry.entry_uuid
            && a.target == n3_entry.entry.entry_uuid
    }));

    // Mask both from professionals: new metadata versions, same logicalIds.
    e.client
        .set_visibility(
            &e.patient,
            &uids,
            Visibility {
                hidden_from_professionals: true,
                ..Visibility::default()
            },
        )
        .await
        .expect("mask");
    for (uid, before) in uids.iter().zip([&n3_entry, &n1_entry]) {
        let now = e.sim.current(uid).expect("current");
        assert_ne!(
            now.entry.entry_uuid, before.entry.entry_uuid,
            "new entryUUID"
        );
        assert_eq!(
            now.entry.logical_id, before.entry.logical_id,
            "same logicalId"
        );
        assert_eq!(now.entry.version.as_deref(), Some("2"));
        assert!(
            now.entry
                .confidentiality_codes
                .iter()
                .any(|c| c.code == "MASQUE_PS")
        );
        let all = e.sim.entries(&e.patient);
        let old = all
            .iter()
            .find(|x| x.entry.entry_uuid == before.entry.entry_uuid)
            .expect("old version kept");
        assert_eq!(
            old.entry.status.as_deref(),
            Some(Availability::Deprecated.as_urn())
        );
    }
    // Another professional no longer sees them.
    e.sim.authorize(&e.patient, OTHER);
    let other_local = local();
    informed(&other_local, &e.patient);
    let other = client(
        &e.sim,
        actor_named(OTHER, "CARDIO-TEST Claire"),
        AuthenticationMode::IndirecteRenforcee,
        &other_local,
    );
    assert!(
        other
            .search(&e.patient, &FindDocuments::new())
            .await
            .expect("search")
            .is_empty()
    );
    // The author still does.
    assert_eq!(
        e.client
            .search(&e.patient, &FindDocuments::new())
            .await
            .expect("search")
            .len(),
        2
    );
    // Unmask.
    e.client
        .set_visibility(&e.patient, &uids, Visibility::default())
        .await
        .expect("unmask");
    assert_eq!(
        other
            .search(&e.patient, &FindDocuments::new())
            .await
            .expect("search")
            .len(),
        2
    );

    // Archive both, unarchive, then delete both (author only).
    e.client
        .change_status(&e.patient, &uids, StatusChange::Archive)
        .await
        .expect("archive");
    for uid in &uids {
        assert_eq!(
            e.sim.current(uid).expect("current").entry.status.as_deref(),
            Some(Availability::Archived.as_urn())
        );
    }
    e.client
        .change_status(&e.patient, &uids, StatusChange::Unarchive)
        .await
        .expect("unarchive");
    match other
        .change_status(&e.patient, &uids, StatusChange::Delete)
        .await
    {
        Err(Error::Rights(_)) => {}
        r => panic!("only the author may delete: {r:?}"),
    }
    e.client
        .change_status(&e.patient, &uids, StatusChange::Delete)
        .await
        .expect("delete");
    for uid in &uids {
        assert_eq!(
            e.sim.current(uid).expect("current").entry.status.as_deref(),
            Some(Availability::Deleted.as_urn())
        );
        assert_eq!(
            e.local
                .history
                .get(uid, Direction::Sent)
                .expect("h")
                .expect("rec")
                .status,
            HistoryStatus::Deleted
        );
    }
    // Deleting again is a no-op; searching Approved finds nothing.
    e.client
        .change_status(&e.patient, &uids, StatusChange::Delete)
        .await
        .expect("idempotent");
    assert!(
        e.client
            .search(&e.patient, &FindDocuments::new())
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        e.client
            .search(
                &e.patient,
                &FindDocuments::new().status(Availability::Deleted)
            )
            .await
            .expect("search")
            .len(),
        2
    );
}

#[tokio::test]
async fn new_version_replaces_with_rplc_and_is_detected_as_newer() {
    let e = env().await;
    let v1 = n1_doc(3);
    e.client
        .feed(&Feed::document(v1.to_xml()))
        .await
        .expect("v1");
    let v1_uid = "1.2.250.1.999.1.1^TDOC-300";
    let v1_entry = e.sim.current(v1_uid).expect("v1").entry;
    let ids =
        segur_cda::clock::OidSequence::starting_at(samples::SAMPLE_STRUCTURE_OID, "TDOC-V2-", 1);
    let later = segur_cda::clock::FixedClock(time::macros::datetime!(2024-03-16 10:00 +01:00));
    let v2 = new_version(&v1, v1.body.clone(), &ids, &later).expect("v2");
    e.client
        .feed(&Feed::document(v2.to_xml()))
        .await
        .expect("v2");
    let v2_uid = "1.2.250.1.999.1.1^TDOC-V2-1";
    let v2_entry = e.sim.current(v2_uid).expect("v2").entry;
    assert!(e.sim.associations().iter().any(|a| {
        a.association_type == ASSOCIATION_RPLC
            && a.source == v2_entry.entry_uuid
            && a.target == v1_entry.entry_uuid
    }));
    assert_ne!(
        v2_entry.logical_id, v1_entry.logical_id,
        "replacement: new logicalId"
    );
    let all = e.sim.entries(&e.patient);
    let old = all
        .iter()
        .find(|x| x.entry.entry_uuid == v1_entry.entry_uuid)
        .expect("v1");
    assert_eq!(
        old.entry.status.as_deref(),
        Some(Availability::Deprecated.as_urn())
    );
    assert_eq!(
        e.local
            .history
            .get(v1_uid, Direction::Sent)
            .expect("h")
            .expect("v1")
            .status,
        HistoryStatus::Replaced
    );

    // A professional who integrated v1 sees v2 as a newer version.
    e.sim.authorize(&e.patient, OTHER);
    let other_local = local();
    informed(&other_local, &e.patient);
    let other = client(
        &e.sim,
        actor_named(OTHER, "CARDIO-TEST Claire"),
        AuthenticationMode::IndirecteRenforcee,
        &other_local,
    );
    other
        .retrieve_by_id(&e.patient, e.sim.repository_unique_id(), v1_uid)
        .await
        .expect_err("v1 is deprecated");
    // Integrate v1 locally as the other professional would have earlier.
    other_local
        .history
        .upsert(&segur_dmp::history::HistoryRecord::from_entry(
            &v1_entry,
            Some(&v1.header),
            Direction::Received,
            HistoryStatus::Received,
            time::OffsetDateTime::now_utc(),
        ))
        .expect("record");
    let got = other
        .retrieve_by_id(&e.patient, e.sim.repository_unique_id(), v2_uid)
        .await
        .expect("v2");
    match got.local {
        LocalPresence::NewerVersion { local } => assert_eq!(local.unique_id, v1_uid),
        other => panic!("{other:?}"),
    }

    // A replacement of a version the DMP does not have is refused before
    // sending.
    let orphan = new_version(&n1_doc(4), n1_doc(4).body.clone(), &ids, &later).expect("v2");
    match e.client.feed(&Feed::document(orphan.to_xml())).await {
        Err(Error::Feed(segur_dmp::FeedError::ReplacedNotFound(_))) => {}
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn duplicates_are_refused_by_the_registry() {
    let e = env().await;
    let doc = n1_doc(5);
    e.client
        .feed(&Feed::document(doc.to_xml()))
        .await
        .expect("feed");
    match e.client.feed(&Feed::document(doc.to_xml())).await {
        Err(Error::Registry(f)) => assert!(f.has_code(error_codes::DUPLICATE_UNIQUE_ID)),
        r => panic!("{r:?}"),
    }
    // Same uniqueId, other content.
    let mut changed = doc.clone();
    changed.header.title = Some("Autre titre".into());
    match e.client.feed(&Feed::document(changed.to_xml())).await {
        Err(Error::Registry(f)) => assert!(f.has_code(error_codes::NON_IDENTICAL_HASH)),
        r => panic!("{r:?}"),
    }
    assert_eq!(e.sim.registrations("1.2.250.1.999.1.1^TDOC-500"), 1);
}

#[tokio::test]
async fn visibility_choices_at_feeding() {
    let e = env().await;
    let feed = Feed::document(n1_doc(6).to_xml()).with_visibility(Visibility {
        invisible_to_patient: true,
        invisible_to_legal_representatives: true,
        hidden_from_professionals: false,
    });
    e.client.feed(&feed).await.expect("feed");
    let stored = e.sim.current("1.2.250.1.999.1.1^TDOC-600").expect("stored");
    let codes: Vec<&str> = stored
        .entry
        .confidentiality_codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        codes,
        ["N", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"]
    );
    assert_eq!(
        Visibility::from_codes(&stored.entry.confidentiality_codes),
        feed.visibility
    );
}

#[tokio::test]
async fn replacing_a_pair_replaces_both_forms_together() {
    let e = env().await;
    let ids =
        segur_cda::clock::OidSequence::starting_at(samples::SAMPLE_STRUCTURE_OID, "PAIRV-", 1);
    let pdf = || NonXmlBody::pdf(samples::simple_pdf(&["Compte rendu (N1)"]));
    let v1 = DocumentPair::from_n3(n3_doc(9), pdf(), None, &ids).expect("pair");
    let feed_of = |p: &DocumentPair| {
        let mut f = Feed::pair(p);
        f.documents[0] = FeedDocument::cda(p.n3().to_xml()).format_code(n3_format());
        f
    };
    e.client.feed(&feed_of(&v1)).await.expect("v1");
    let v1_uuids: Vec<String> = pair_unique_ids(&v1)
        .iter()
        .map(|u| e.sim.current(u).expect("v1").entry.entry_uuid)
        .collect();
    let later = segur_cda::clock::FixedClock(time::macros::datetime!(2024-03-20 10:00 +01:00));
    let v2 = v1
        .replace(
            v1.n3().structured_body().expect("n3 body").clone(),
            pdf(),
            &ids,
            &later,
        )
        .expect("v2");
    e.client.feed(&feed_of(&v2)).await.expect("v2");
    let v2_uuids: Vec<String> = pair_unique_ids(&v2)
        .iter()
        .map(|u| e.sim.current(u).expect("v2").entry.entry_uuid)
        .collect();
    let assocs = e.sim.associations();
    let has = |t: &str, s: &str, d: &str| {
        assocs
            .iter()
            .any(|a| a.association_type == t && a.source == s && a.target == d)
    };
    // Each form replaces its own previous version; the new forms are linked.
    assert!(has(ASSOCIATION_RPLC, &v2_uuids[0], &v1_uuids[0]));
    assert!(has(ASSOCIATION_RPLC, &v2_uuids[1], &v1_uuids[1]));
    assert!(has(ASSOCIATION_XFRM, &v2_uuids[1], &v2_uuids[0]));
    // Both old forms are deprecated; a search shows the two new ones.
    let found = e
        .client
        .search(&e.patient, &FindDocuments::new())
        .await
        .expect("search");
    let mut uids: Vec<String> = found.into_iter().map(|f| f.entry.unique_id).collect();
    uids.sort();
    let mut expected = pair_unique_ids(&v2);
    expected.sort();
    assert_eq!(uids, expected);
}
