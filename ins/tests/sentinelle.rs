//! Every Sentinelle workflow outcome against the INSi simulator, including
//! time-outs and faults.

use std::sync::Arc;
use std::time::Duration;

use segur_ins::datamatrix::{self, Payload, PngOptions};
use segur_ins::insi::sim::{InsiSimulator, SimBehaviour, SimIdentity};
use segur_ins::insi::{
    InsiClient, InsiError, ManualClock, RetryPolicy, SoftwareIdentity, TraitVerdict,
};
use segur_ins::sentinelle::{
    BackgroundCheck, CallResult, CallTrigger, CreationDraft, FindOutcome, InMemoryPatientIndex,
    InsComparison, LocalPatientId, PatientIndex, PatientRecord, QualificationError,
    QualificationMethod, Sentinelle, SentinelleConfig, SentinelleError, VerificationOutcome,
    VitaleBeneficiary, VitaleCard, VitaleLookup,
};
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityAttribute, IdentityDocumentType,
    IdentityEvent, IdentityStatus, Ins, InsOid, ScannedIdentity, Sex, TraitField, Traits,
    TransitionError,
};
use time::macros::datetime;

struct Env {
    sim: InsiSimulator,
    index: Arc<InMemoryPatientIndex>,
    clock: ManualClock,
    sentinelle: Sentinelle,
}

async fn env() -> Env {
    env_with_timeout(Duration::from_secs(5)).await
}

async fn env_with_timeout(timeout: Duration) -> Env {
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .start()
        .await
        .expect("simulator");
    let clock = ManualClock::new(datetime!(2025-06-02 09:00 UTC));
    let client = InsiClient::builder(
        sim.url(),
        SoftwareIdentity::new(InsiSimulator::DEFAULT_IDAM, "1", "tests", "1"),
        "10003612545",
    )
    .timeout(timeout)
    .retry(RetryPolicy::NONE)
    .clock(Arc::new(clock.clone()))
    .build()
    .expect("client");
    let index = Arc::new(InMemoryPatientIndex::new());
    let sentinelle = Sentinelle::builder(index.clone(), Arc::new(client))
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("sentinelle");
    Env {
        sim,
        index,
        clock,
        sentinelle,
    }
}

fn traits(family: &str, given: &str, sex: Sex, date: &str, place: Option<&str>) -> Traits {
    let mut b = Traits::builder()
        .birth_family_name(family)
        .birth_given_names(given)
        .birth_date(BirthDate::parse(date).expect("date"))
        .sex(sex);
    if let Some(p) = place {
        b = b.birth_place(p);
    }
    b.build().expect("traits")
}

fn ecetinsi() -> Traits {
    traits(
        "ECETINSI",
        "PIERRE-ALAIN MURIEL FLORIANT",
        Sex::Male,
        "2009-07-14",
        Some("63220"),
    )
}

fn ecetinsi_ins() -> Ins {
    Ins::new("109076322083489".parse().expect("nir"), InsOid::InsNir)
}

impl Env {
    fn ctx(&self) -> EventContext<'static> {
        EventContext::new(datetime!(2025-06-01 08:00 UTC), "accueil")
    }

    fn create(&self, t: Traits) -> PatientRecord {
        self.index
            .create(Identity::new(
                t,
                CollectionMethod::SaisieManuelle,
                &self.ctx(),
            ))
            .expect("create")
    }

    fn record(&self, id: &LocalPatientId) -> PatientRecord {
        self.index.get(id).expect("get").expect("exists")
    }

    async fn verify(&self, id: &LocalPatientId) -> Arc<segur_ins::sentinelle::VerificationReport> {
        let opened = self.sentinelle.open_file(id).expect("open");
        let BackgroundCheck::Started(ticket) = opened.check else {
            panic!("expected a started check, got {:?}", opened.check)
        };
        ticket.outcome().await
    }
}

fn scanned(t: &Traits, ins: Ins) -> ScannedIdentity {
    ScannedIdentity {
        ins,
        traits: t.clone(),
        from_datamatrix: true,
    }
}

// --- SENTINELLE.02 / .04: datamatrix -----------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datamatrix_not_found_then_created_without_retyping_then_found() {
    let env = env().await;
    let outcome = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    let FindOutcome::NotFound { draft: Some(draft) } = outcome else {
        panic!("expected NotFound with a draft, got {outcome:?}")
    };
    assert!(outcome_explanation_ok(&FindOutcome::NotFound {
        draft: Some(draft.clone())
    }));
    assert_eq!(draft.method, CollectionMethod::Datamatrix);
    let record = env
        .sentinelle
        .create_patient(*draft, "accueil")
        .expect("create");
    assert_eq!(record.identity.traits(), &ecetinsi());
    assert_eq!(record.identity.recorded_ins(), Some(&ecetinsi_ins()));
    assert!(record.identity.from_datamatrix());
    assert_eq!(record.identity.status(), IdentityStatus::Provisoire);
    // Scanned again: found by INS.
    let again = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    assert!(
        matches!(again, FindOutcome::Found { ref record } if record.id == LocalPatientId::from("P000001"))
    );
    assert!(env.sim.requests().is_empty(), "lookups never call INSi");
}

fn outcome_explanation_ok(o: &FindOutcome) -> bool {
    !o.explanation().is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datamatrix_found_with_different_traits_or_ins() {
    let env = env().await;
    // The file was typed by hand with a wrong given-name list and place, and holds the INS.
    let ctx = env.ctx();
    let typed = traits(
        "ECETINSI",
        "PIERRE-ALAIN",
        Sex::Male,
        "2009-07-14",
        Some("75056"),
    );
    let rec = env
        .index
        .create(Identity::from_scanned(
            scanned(&typed, ecetinsi_ins()),
            &ctx,
        ))
        .expect("create");
    let outcome = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    let FindOutcome::FoundWithDifferentTraits {
        record,
        differences,
    } = outcome
    else {
        panic!("expected differences, got {outcome:?}")
    };
    assert_eq!(record.id, rec.id);
    assert_eq!(differences.ins, InsComparison::Same);
    assert_eq!(
        differences.traits.differing_fields(),
        vec![TraitField::BirthGivenNames, TraitField::BirthPlace]
    );
    // Same traits, another INS on the file.
    let env = self::env().await;
    let other_ins = Ins::new("209076322083439".parse().expect("nir"), InsOid::InsNir);
    env.index
        .create(Identity::from_scanned(
            scanned(&ecetinsi(), other_ins),
            &ctx,
        ))
        .expect("create");
    let outcome = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    assert!(
        matches!(
            &outcome,
            FindOutcome::FoundWithDifferentTraits { differences, .. }
                if differences.ins == InsComparison::Different { local: other_ins }
        ),
        "{outcome:?}"
    );
    assert!(outcome.explanation().contains("diffèrent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datamatrix_found_by_traits_or_several() {
    let env = env().await;
    // Hyphen vs space: same person under the INSi equivalence rules.
    let typed = traits(
        "ECETINSI",
        "PIERRE ALAIN MURIEL FLORIANT",
        Sex::Male,
        "2009-07-14",
        None,
    );
    let first = env.create(typed);
    let outcome = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    let FindOutcome::Found { record } = &outcome else {
        panic!("expected Found, got {outcome:?}")
    };
    assert_eq!(record.id, first.id);
    // A duplicate file: several candidates.
    env.create(ecetinsi());
    let outcome = env
        .sentinelle
        .find_by_scanned(&scanned(&ecetinsi(), ecetinsi_ins()))
        .expect("lookup");
    assert!(matches!(&outcome, FindOutcome::Several { candidates } if candidates.len() == 2));
    assert!(outcome.explanation().contains("doublons"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datamatrix_payload_text_and_image() {
    let env = env().await;
    // A qualified identity elsewhere prints the datamatrix on its documents.
    let ctx = env.ctx();
    let t = traits(
        "ADRTROIS",
        "DOMINIQUE",
        Sex::Female,
        "1997-02-26",
        Some("20020"),
    );
    let ins = Ins::new("297022A02077878".parse().expect("nir"), InsOid::InsNir);
    let mut printed = Identity::new(t.clone(), CollectionMethod::SaisieManuelle, &ctx);
    printed
        .apply(
            IdentityEvent::InsiSuccess {
                ins,
                traits: t.clone(),
            },
            &ctx,
        )
        .expect("insi");
    printed
        .apply(
            IdentityEvent::DocumentChecked {
                document: IdentityDocumentType::CarteNationaleIdentite,
                exception: None,
            },
            &ctx,
        )
        .expect("document");
    let payload = Payload::from_identity(&printed).expect("payload");
    let text = payload.serialize();
    let png = datamatrix::encode_png(&payload, &PngOptions::default()).expect("png");

    let by_text = env
        .sentinelle
        .find_by_datamatrix_text(text.as_bytes())
        .expect("text lookup");
    assert!(matches!(&by_text, FindOutcome::NotFound { draft: Some(d) } if d.ins == Some(ins)));
    let by_image = env
        .sentinelle
        .find_by_datamatrix_image(&png)
        .expect("image lookup");
    assert_eq!(by_text, by_image);
    let by_payload = env
        .sentinelle
        .find_by_datamatrix(&payload)
        .expect("payload lookup");
    assert_eq!(by_text, by_payload);

    let e = env
        .sentinelle
        .find_by_datamatrix_text(b"IS01 not a payload")
        .expect_err("bad payload");
    assert!(matches!(e, SentinelleError::Datamatrix(_)));
    assert!(e.explanation().contains("Rescannez"));
    assert!(matches!(
        env.sentinelle.find_by_datamatrix_image(b"\x89PNG garbage"),
        Err(SentinelleError::Datamatrix(_))
    ));
}

// --- SENTINELLE.03: carte Vitale ----------------------------------------------

fn zoe_beneficiary() -> VitaleBeneficiary {
    VitaleBeneficiary {
        individual: None,
        ouvrant_droit: "185057512345673".parse().expect("nir"),
        family_name: "ADRUN".parse().expect("name"),
        given_name: Some("ZOE".parse().expect("given")),
        birth_date: segur_ins::insi::LunarDate::parse("1975-12-31").expect("date"),
        birth_rank: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vitale_not_found_locally_creates_from_insi_then_one_click_qualification() {
    let env = env().await;
    let lookup = env
        .sentinelle
        .find_by_vitale(&VitaleCard {
            beneficiaries: vec![zoe_beneficiary()],
        })
        .await
        .expect("vitale");
    let VitaleLookup::Done(result) = lookup else {
        panic!("one beneficiary")
    };
    assert_eq!(result.insi, Ok(segur_ins::insi::ResultCode::Found));
    let FindOutcome::NotFound { draft: Some(draft) } = result.outcome.clone() else {
        panic!("expected a draft, got {:?}", result.outcome)
    };
    assert_eq!(draft.method, CollectionMethod::CarteVitale);
    assert_eq!(draft.traits.birth_family_name().as_str(), "ADRUN");
    assert!(draft.insi_answer.is_some());
    assert!(!result.explanation().is_empty());
    let record = env
        .sentinelle
        .create_patient(*draft, "accueil")
        .expect("create");
    let display = record.display();
    assert_eq!(display.status, IdentityStatus::Provisoire);
    assert!(display.qualification_ready);
    assert_eq!(
        record.last_insi_call.as_ref().map(|c| c.trigger),
        Some(CallTrigger::Vitale)
    );
    let q = env
        .sentinelle
        .qualify(
            &record.id,
            QualificationMethod::Document {
                document: IdentityDocumentType::Passeport,
                exception: None,
            },
            false,
            "dr.martin",
        )
        .expect("qualified");
    assert_eq!(q.identity.status(), IdentityStatus::Qualifiee);
    assert_eq!(
        q.identity
            .qualified_ins()
            .map(|i| i.ins().matricule().to_string()),
        Some("275126322074974".into())
    );
    assert!(q.pending_answer.is_none());
    assert!(q.display().ins_shareable);
    // Read again: found by INS, the answer is attached to the file.
    let again = env
        .sentinelle
        .find_by_vitale_beneficiary(&zoe_beneficiary())
        .await
        .expect("vitale");
    assert!(
        matches!(again.outcome, FindOutcome::Found { .. }),
        "{again:?}"
    );
    assert!(env.record(&record.id).pending_answer.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vitale_several_beneficiaries_and_insi_failures() {
    let env = env().await;
    let mut child = zoe_beneficiary();
    child.birth_rank = 2;
    let lookup = env
        .sentinelle
        .find_by_vitale(&VitaleCard {
            beneficiaries: vec![zoe_beneficiary(), child],
        })
        .await
        .expect("vitale");
    assert!(
        matches!(lookup, VitaleLookup::ChooseBeneficiary { ref beneficiaries } if beneficiaries.len() == 2)
    );
    assert!(env.sim.requests().is_empty());
    assert!(matches!(
        env.sentinelle
            .find_by_vitale(&VitaleCard {
                beneficiaries: vec![]
            })
            .await,
        Err(SentinelleError::NoBeneficiary)
    ));
    // INSi fails: the index is searched by the beneficiary's own NIR.
    let t = traits(
        "ECETINSI",
        "PIERRE-ALAIN MURIEL FLORIANT",
        Sex::Male,
        "2009-07-14",
        None,
    );
    let ctx = env.ctx();
    let rec = env
        .index
        .create(Identity::from_scanned(scanned(&t, ecetinsi_ins()), &ctx))
        .expect("create");
    env.sim.script([SimBehaviour::fault_service_unavailable()]);
    let mut holder = zoe_beneficiary();
    holder.individual = Some("109076322083489".parse().expect("nir"));
    let result = env
        .sentinelle
        .find_by_vitale_beneficiary(&holder)
        .await
        .expect("vitale");
    assert!(result.insi.is_err());
    assert!(matches!(&result.outcome, FindOutcome::Found { record } if record.id == rec.id));
    assert!(result.explanation().contains("Réessayez"));
    // INSi finds nobody and nothing matches locally: no draft (no reference traits).
    let mut stranger = zoe_beneficiary();
    stranger.birth_rank = 3;
    let result = env
        .sentinelle
        .find_by_vitale_beneficiary(&stranger)
        .await
        .expect("vitale");
    assert_eq!(result.insi, Ok(segur_ins::insi::ResultCode::NotFound));
    assert_eq!(result.outcome, FindOutcome::NotFound { draft: None });
}

// --- SENTINELLE.05 / .06: background verification -----------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_check_conclusive_debounced_and_recorded() {
    let env = env().await;
    let mut reports = env.sentinelle.subscribe();
    let rec = env.create(ecetinsi());
    let report = env.verify(&rec.id).await;
    let VerificationOutcome::Conclusive { answer, ins } = &report.outcome else {
        panic!("expected a conclusive answer, got {:?}", report.outcome)
    };
    assert!(answer.diff.is_match());
    assert_eq!(*ins, Some(InsComparison::NotRecordedLocally));
    assert!(report.outcome.explanation().contains("qualifiez"));
    assert_eq!(report.started_at, datetime!(2025-06-02 09:00 UTC));
    let display = report.display.clone().expect("display");
    assert!(display.qualification_ready);
    assert_eq!(
        display.status,
        IdentityStatus::Provisoire,
        "the identity is not changed"
    );
    // Broadcast too.
    let broadcast = tokio::time::timeout(Duration::from_secs(5), reports.recv())
        .await
        .expect("in time")
        .expect("report");
    assert_eq!(broadcast, report);
    // Recorded on the file.
    let stored = env.record(&rec.id);
    let call = stored.last_insi_call.clone().expect("call recorded");
    assert_eq!(call.at, datetime!(2025-06-02 09:00 UTC));
    assert_eq!(call.trigger, CallTrigger::Background);
    assert_eq!(call.result, CallResult::Found);
    assert!(stored.pending_answer.is_some());
    // Opened again soon after: debounced, no call.
    env.clock.advance(time::Duration::minutes(5));
    let opened = env.sentinelle.open_file(&rec.id).expect("open");
    assert!(
        matches!(opened.check, BackgroundCheck::Debounced { last_call_at } if last_call_at == call.at)
    );
    assert!(opened.display.qualification_ready);
    assert_eq!(env.sim.requests().len(), 1);
    // After the debounce delay: a new call.
    env.clock.advance(time::Duration::minutes(6));
    let report = env.verify(&rec.id).await;
    assert!(matches!(
        report.outcome,
        VerificationOutcome::Conclusive { .. }
    ));
    assert_eq!(env.sim.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_check_never_blocks_and_joins_a_running_check() {
    let env = env().await;
    let rec = env.create(ecetinsi());
    env.sim
        .script([SimBehaviour::slow(Duration::from_millis(600))]);
    let first = env.sentinelle.open_file(&rec.id).expect("open");
    let BackgroundCheck::Started(ticket) = first.check else {
        panic!("started")
    };
    // open_file returned while INSi is still answering.
    assert!(ticket.try_outcome().is_none());
    assert_eq!(first.display.status, IdentityStatus::Provisoire);
    let second = env.sentinelle.open_file(&rec.id).expect("open again");
    let BackgroundCheck::Joined(joined) = second.check else {
        panic!("expected Joined, got {:?}", second.check)
    };
    let (a, b) = tokio::join!(ticket.outcome(), joined.outcome());
    assert_eq!(a, b);
    assert_eq!(
        env.sim.requests().len(),
        1,
        "one INSi call for both openings"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_check_not_found_several_timeout_and_fault() {
    let env = env_with_timeout(Duration::from_millis(300)).await;
    // 01: HOUILLES is unknown (all four given-name searches).
    let houilles = env.create(traits(
        "HOUILLES",
        "PIERRE PAUL JACQUES",
        Sex::Male,
        "1989-06-01",
        None,
    ));
    let report = env.verify(&houilles.id).await;
    assert_eq!(report.outcome, VerificationOutcome::NotFound);
    assert_eq!(env.sim.requests().len(), 4);
    assert_eq!(
        env.record(&houilles.id).last_insi_call.map(|c| c.result),
        Some(CallResult::NotFound)
    );
    // 02.
    env.sim.add_identity(
        SimIdentity::new(
            "297022A02077878",
            "1.2.250.1.213.1.4.8",
            SimIdentity::adrtrois_dominique().traits,
        )
        .expect("twin"),
    );
    let adrtrois = env.create(traits(
        "ADRTROIS",
        "DOMINIQUE",
        Sex::Female,
        "1997-02-26",
        None,
    ));
    assert_eq!(
        env.verify(&adrtrois.id).await.outcome,
        VerificationOutcome::Several
    );

    // Conclusive first, then a time-out: the earlier answer is kept.
    let rec = env.create(ecetinsi());
    assert!(matches!(
        env.verify(&rec.id).await.outcome,
        VerificationOutcome::Conclusive { .. }
    ));
    env.clock.advance(time::Duration::hours(1));
    env.sim.script([SimBehaviour::Hang]);
    let report = env.verify(&rec.id).await;
    let VerificationOutcome::Failed { error } = &report.outcome else {
        panic!("expected a failure, got {:?}", report.outcome)
    };
    assert!(matches!(error, InsiError::Timeout { .. }));
    assert!(report.outcome.explanation().contains("pas répondu"));
    let stored = env.record(&rec.id);
    assert!(matches!(
        stored.last_insi_call.as_ref().map(|c| &c.result),
        Some(CallResult::Failed {
            transient: true,
            ..
        })
    ));
    assert!(
        stored.pending_answer.is_some(),
        "a failure keeps the earlier answer"
    );
    // A fault.
    env.clock.advance(time::Duration::hours(1));
    env.sim.script([SimBehaviour::fault_unknown_software(None)]);
    let report = env.verify(&rec.id).await;
    assert!(matches!(
        &report.outcome,
        VerificationOutcome::Failed { error: InsiError::Fault(f) } if f.known() == Some(segur_ins::insi::KnownFault::UnknownSoftware)
    ));
    assert!(report.outcome.explanation().contains("CNDA"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_background_check_for_qualified_or_doubtful_identities() {
    let env = env().await;
    let rec = env.create(ecetinsi());
    env.verify(&rec.id).await;
    env.sentinelle
        .qualify(
            &rec.id,
            QualificationMethod::Document {
                document: IdentityDocumentType::CarteNationaleIdentite,
                exception: None,
            },
            false,
            "dr.martin",
        )
        .expect("qualified");
    env.clock.advance(time::Duration::days(1));
    let opened = env.sentinelle.open_file(&rec.id).expect("open");
    assert!(matches!(opened.check, BackgroundCheck::NotNeeded));
    assert_eq!(opened.display.status, IdentityStatus::Qualifiee);
    assert_eq!(opened.display.ins, Some(ecetinsi_ins()));
    assert!(opened.display.ins_shareable);

    let mut doubtful = env.create(traits(
        "ADRTROIS",
        "DOMINIQUE",
        Sex::Female,
        "1997-02-26",
        None,
    ));
    doubtful
        .identity
        .apply(
            IdentityEvent::AttributeSet(IdentityAttribute::Douteuse),
            &env.ctx(),
        )
        .expect("douteuse");
    env.index.update(&doubtful).expect("update");
    let opened = env.sentinelle.open_file(&doubtful.id).expect("open");
    assert!(matches!(
        opened.check,
        BackgroundCheck::NotAllowed(IdentityAttribute::Douteuse)
    ));
    let e = env
        .sentinelle
        .verify_now(&doubtful.id)
        .await
        .expect_err("forbidden");
    assert!(matches!(
        e,
        SentinelleError::InsiForbidden(IdentityAttribute::Douteuse)
    ));
    assert!(e.explanation().contains("douteuse"));
    assert!(matches!(
        env.sentinelle.open_file(&LocalPatientId::from("nope")),
        Err(SentinelleError::UnknownPatient(_))
    ));
    assert_eq!(env.sim.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_check_reports_another_ins_on_the_file() {
    let env = env().await;
    let other = Ins::new("209076322083439".parse().expect("nir"), InsOid::InsNir);
    let rec = env
        .index
        .create(Identity::from_scanned(
            scanned(&ecetinsi(), other),
            &env.ctx(),
        ))
        .expect("create");
    let report = env.verify(&rec.id).await;
    let VerificationOutcome::Conclusive { ins, .. } = &report.outcome else {
        panic!("conclusive")
    };
    assert_eq!(*ins, Some(InsComparison::Different { local: other }));
    assert!(report.outcome.explanation().contains("INS diffère"));
    let json = serde_json::to_value(&*report).expect("serialisable report");
    assert_eq!(json["outcome"]["outcome"], "conclusive");
}

// --- SENTINELLE.07 / .08: qualification ---------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualification_preconditions() {
    let env = env().await;
    let passport = QualificationMethod::Document {
        document: IdentityDocumentType::Passeport,
        exception: None,
    };
    let rec = env.create(ecetinsi());
    // No INSi answer yet.
    assert_eq!(
        env.sentinelle
            .qualify(&rec.id, passport.clone(), false, "u")
            .map(|_| ()),
        Err(QualificationError::NoInsiAnswer)
    );
    env.verify(&rec.id).await;
    // A driving licence is not a high-trust document: refused, file unchanged.
    let e = env
        .sentinelle
        .qualify(
            &rec.id,
            QualificationMethod::Document {
                document: IdentityDocumentType::PermisConduire,
                exception: None,
            },
            false,
            "u",
        )
        .expect_err("refused");
    assert!(matches!(
        e,
        QualificationError::Refused(TransitionError::DocumentNotHighTrust { .. })
    ));
    assert!(e.explanation().contains("haut niveau de confiance"));
    assert_eq!(
        env.record(&rec.id).identity.status(),
        IdentityStatus::Provisoire
    );
    assert!(env.record(&rec.id).pending_answer.is_some());
    // ExistingDocumentCheck without one.
    assert_eq!(
        env.sentinelle
            .qualify(
                &rec.id,
                QualificationMethod::ExistingDocumentCheck,
                false,
                "u"
            )
            .map(|_| ()),
        Err(QualificationError::NoDocumentCheck)
    );
    // Traits edited since the answer: outdated.
    let mut edited = env.record(&rec.id);
    let new_traits = edited
        .identity
        .traits()
        .to_builder()
        .birth_place("75056")
        .build()
        .expect("traits");
    edited
        .identity
        .apply(
            IdentityEvent::TraitsModified { traits: new_traits },
            &env.ctx(),
        )
        .expect("edit");
    env.index.update(&edited).expect("update");
    assert_eq!(
        env.sentinelle
            .qualify(&rec.id, passport.clone(), false, "u")
            .map(|_| ()),
        Err(QualificationError::AnswerOutdated)
    );
    // Doubtful.
    let mut d = env.record(&rec.id);
    d.identity
        .apply(
            IdentityEvent::AttributeSet(IdentityAttribute::Douteuse),
            &env.ctx(),
        )
        .expect("douteuse");
    env.index.update(&d).expect("update");
    assert_eq!(
        env.sentinelle
            .qualify(&rec.id, passport, false, "u")
            .map(|_| ()),
        Err(QualificationError::DoubtfulIdentity(
            IdentityAttribute::Douteuse
        ))
    );
    assert!(matches!(
        env.sentinelle.qualify(
            &LocalPatientId::from("nope"),
            QualificationMethod::ExistingDocumentCheck,
            false,
            "u"
        ),
        Err(QualificationError::UnknownPatient(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualification_with_differing_traits_needs_the_users_acceptance() {
    let env = env().await;
    // Local file: only the first given name, a typo-free name, no place.
    let rec = env.create(traits(
        "TCHITCHI",
        "CATARINA",
        Sex::Female,
        "1936-06-21",
        None,
    ));
    let report = env.verify(&rec.id).await;
    let VerificationOutcome::Conclusive { answer, .. } = &report.outcome else {
        panic!("conclusive")
    };
    assert_eq!(
        answer
            .diff
            .get(TraitField::BirthGivenNames)
            .map(|c| c.verdict),
        Some(TraitVerdict::Different)
    );
    assert!(
        report
            .display
            .as_ref()
            .is_some_and(|d| d.answer_to_review && !d.qualification_ready)
    );
    let method = QualificationMethod::Document {
        document: IdentityDocumentType::CarteSejour,
        exception: None,
    };
    let e = env
        .sentinelle
        .qualify(&rec.id, method.clone(), false, "dr.martin")
        .expect_err("differences not accepted");
    let QualificationError::DifferingTraits(diff) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(diff.differing_fields(), vec![TraitField::BirthGivenNames]);
    assert!(e.explanation().contains("acceptez"));
    let q = env
        .sentinelle
        .qualify(&rec.id, method, true, "dr.martin")
        .expect("qualified with the INSi traits");
    assert_eq!(q.identity.status(), IdentityStatus::Qualifiee);
    assert_eq!(
        q.identity.traits().birth_given_names_joined(),
        "CATARINA BELLA"
    );
    assert_eq!(
        q.identity.traits().birth_place().map(|p| p.as_str()),
        Some("63220")
    );
    assert_eq!(
        q.identity.evidence().last().map(|e| e.user.as_str()),
        Some("dr.martin")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualification_by_liberal_exception_existing_check_or_acceptance_only() {
    let env = env().await;
    // RNIV exception procedure (liberal practitioner, known patient).
    let rec = env.create(ecetinsi());
    env.verify(&rec.id).await;
    let q = env
        .sentinelle
        .qualify(
            &rec.id,
            QualificationMethod::LiberalPractitionerException {
                document: IdentityDocumentType::CarteNationaleIdentite,
                originally_checked_at: datetime!(2024-01-10 10:00 UTC),
            },
            false,
            "dr.martin",
        )
        .expect("qualified");
    assert_eq!(q.identity.status(), IdentityStatus::Qualifiee);

    // Already validated (document checked at the desk): qualify on the INSi answer.
    let mut validated = env.create(traits(
        "CORSE",
        "ANTHONY",
        Sex::Male,
        "1980-03-02",
        Some("2B020"),
    ));
    validated
        .identity
        .apply(
            IdentityEvent::DocumentChecked {
                document: IdentityDocumentType::Passeport,
                exception: None,
            },
            &env.ctx(),
        )
        .expect("validated");
    env.index.update(&validated).expect("update");
    assert_eq!(validated.identity.status(), IdentityStatus::Validee);
    let report = env.verify(&validated.id).await;
    // CORSE ANTHONY's history repeats the active INS: stored as received.
    let VerificationOutcome::Conclusive { answer, .. } = &report.outcome else {
        panic!("conclusive")
    };
    assert_eq!(answer.identity.history.len(), 1);
    let q = env
        .sentinelle
        .qualify(
            &validated.id,
            QualificationMethod::ExistingDocumentCheck,
            false,
            "u",
        )
        .expect("qualified");
    assert_eq!(q.identity.status(), IdentityStatus::Qualifiee);

    // Accepting the answer without a document: récupérée.
    let rec = env.create(traits(
        "ADRTROIS",
        "DOMINIQUE",
        Sex::Female,
        "1997-02-26",
        Some("20020"),
    ));
    env.verify(&rec.id).await;
    let r = env
        .sentinelle
        .accept_insi_answer(&rec.id, false, "u")
        .expect("accepted");
    assert_eq!(r.identity.status(), IdentityStatus::Recuperee);
    assert!(r.identity.qualified_ins().is_none());
    assert!(!r.display().ins_shareable);
    assert!(r.display().ins.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_key_answers_cannot_qualify() {
    let env = env().await;
    let rec = env.create(traits(
        "HERMANN",
        "GATIEN",
        Sex::Male,
        "1981-03-24",
        Some("63220"),
    ));
    let report = env.verify(&rec.id).await;
    let VerificationOutcome::Conclusive { ins, .. } = &report.outcome else {
        panic!("conclusive")
    };
    assert_eq!(*ins, None);
    assert!(report.outcome.explanation().contains("inexploitable"));
    assert!(
        !report
            .display
            .as_ref()
            .expect("display")
            .qualification_ready
    );
    let e = env
        .sentinelle
        .qualify(
            &rec.id,
            QualificationMethod::Document {
                document: IdentityDocumentType::Passeport,
                exception: None,
            },
            false,
            "u",
        )
        .expect_err("bad key");
    assert!(matches!(e, QualificationError::InvalidInsInAnswer(_)));
    assert!(e.explanation().contains("inexploitable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_now_bypasses_the_debounce_and_uses_the_manual_service() {
    let env = env().await;
    let rec = env.create(ecetinsi());
    env.verify(&rec.id).await;
    let report = env.sentinelle.verify_now(&rec.id).await.expect("verified");
    assert!(matches!(
        report.outcome,
        VerificationOutcome::Conclusive { .. }
    ));
    assert_eq!(
        env.record(&rec.id).last_insi_call.map(|c| c.trigger),
        Some(CallTrigger::Manual)
    );
    assert_eq!(env.sim.requests().len(), 2);
    // A draft can also come from the host (manual entry): no INS, no answer.
    let draft = CreationDraft {
        traits: traits("NOUVEAU", "PATIENT", Sex::Male, "2000-01-01", None),
        ins: None,
        method: CollectionMethod::SaisieManuelle,
        insi_answer: None,
    };
    let created = env
        .sentinelle
        .create_patient(draft, "accueil")
        .expect("created");
    assert!(created.identity.recorded_ins().is_none());
    assert_eq!(
        env.sentinelle.display(&created.id).expect("display").status,
        IdentityStatus::Provisoire
    );
    let _ = SentinelleConfig::default();
}
