//! The patient file of a Vitale read through segur-ins' Sentinelle
//! workflows: the apCV INS looked up in the index without INSi and the file
//! created qualified; a physical card through INSi `RECVITALE` (segur-ins'
//! INSi simulator); the bad paths (draft mismatch, traits collision, names
//! the INS rules refuse).

use std::sync::Arc;
use std::time::Duration;

use segur_carte_vitale::patient::{PatientLookup, create_patient, find_patient, record_apcv_read};
use segur_carte_vitale::sim::{sample_family, sample_single};
use segur_carte_vitale::*;
use segur_ins::insi::sim::{InsiSimulator, SimIdentity};
use segur_ins::insi::{InsiClient, ManualClock, ResultCode, RetryPolicy, SoftwareIdentity};
use segur_ins::sentinelle::{
    FindOutcome, InMemoryPatientIndex, PatientIndex, Sentinelle, VitaleLookup,
};
use segur_ins::{CollectionMethod, EventContext, Identity, IdentityStatus, ScannedIdentity};

use crate::t0;

struct Env {
    insi: InsiSimulator,
    index: Arc<InMemoryPatientIndex>,
    sentinelle: Sentinelle,
}

async fn env() -> Env {
    let insi = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .start()
        .await
        .expect("INSi simulator");
    let clock = ManualClock::new(t0());
    let client = InsiClient::builder(
        insi.url(),
        SoftwareIdentity::new(InsiSimulator::DEFAULT_IDAM, "1", "tests", "1"),
        "10003612545",
    )
    .timeout(Duration::from_secs(5))
    .retry(RetryPolicy::NONE)
    .clock(Arc::new(clock.clone()))
    .build()
    .expect("INSi client");
    let index = Arc::new(InMemoryPatientIndex::new());
    let sentinelle = Sentinelle::builder(index.clone(), Arc::new(client))
        .clock(Arc::new(clock))
        .build()
        .expect("sentinelle");
    Env {
        insi,
        index,
        sentinelle,
    }
}

fn ctx() -> EventContext<'static> {
    EventContext::new(t0(), "accueil")
}

fn apcv() -> CardSource {
    CardSource::Apcv {
        channel: ApcvChannel::QrCode,
    }
}

/// ADRUN ZOE of segur-ins' INSi simulator, on a physical card.
fn zoe_card() -> VitaleRead {
    VitaleRead::new(
        CardSource::PhysicalCard,
        segur_ins::Nir::from_base("1850575123456").expect("nir"),
        AmoAffiliation::parse("01", "751", "0000").expect("amo"),
        vec![Beneficiary::new(
            VitaleName::parse("ADRUN").expect("name"),
            VitaleName::parse("ZOE").expect("name"),
            VitaleDate::parse("1975-12-31").expect("date"),
            BirthRank::FIRST,
            Quality::Assure,
        )],
        t0(),
    )
    .expect("card")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apcv_not_found_creates_a_qualified_file_without_insi() {
    let env = env().await;
    let read = sample_single(apcv(), t0());
    let BeneficiaryChoice::Single(paul) = read.choose() else {
        panic!("one beneficiary")
    };
    let lookup = find_patient(&env.sentinelle, &paul).await.expect("lookup");
    let PatientLookup::Apcv(FindOutcome::NotFound { draft: Some(draft) }) = lookup.clone() else {
        panic!("expected an apCV draft, got {lookup:?}")
    };
    assert_eq!(draft.method, CollectionMethod::AppliCarteVitale);
    let apcv = paul.beneficiary().apcv_identity().expect("apCV identity");
    assert_eq!(draft.traits, apcv.traits);
    assert!(!lookup.explanation().is_empty());
    let record = create_patient(&env.sentinelle, &paul, *draft, &ctx()).expect("create");
    assert_eq!(record.identity.status(), IdentityStatus::Qualifiee);
    assert_eq!(record.identity.recorded_ins(), Some(&apcv.ins));
    // Stored qualified, and found by its INS at the next read.
    let stored = env.index.get(&record.id).expect("get").expect("stored");
    assert_eq!(stored.identity.status(), IdentityStatus::Qualifiee);
    let again = find_patient(&env.sentinelle, &paul).await.expect("lookup");
    assert!(
        matches!(again.outcome(), FindOutcome::Found { record: r } if r.id == record.id),
        "{again:?}"
    );
    assert!(
        env.insi.requests().is_empty(),
        "the apCV path never calls INSi"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apcv_read_qualifies_a_provisional_file_found_by_traits() {
    let env = env().await;
    let read = sample_family(apcv(), t0());
    let BeneficiaryChoice::Several(options) = read.choose() else {
        panic!("a family card")
    };
    let hugo_key = options
        .iter()
        .find(|o| o.given_name == "HUGO")
        .expect("listed")
        .key;
    let hugo = read.select(hugo_key).expect("select");
    let traits = hugo
        .beneficiary()
        .apcv_identity()
        .expect("apCV identity")
        .traits
        .clone();
    let existing = env
        .index
        .create(Identity::new(
            traits,
            CollectionMethod::SaisieManuelle,
            &ctx(),
        ))
        .expect("create");
    let lookup = find_patient(&env.sentinelle, &hugo).await.expect("lookup");
    let FindOutcome::Found { record } = lookup.outcome() else {
        panic!("expected the provisional file, got {lookup:?}")
    };
    assert_eq!(record.id, existing.id);
    let mut record = (**record).clone();
    let status = record_apcv_read(&env.sentinelle, &hugo, &mut record, &ctx()).expect("apply");
    assert_eq!(status, IdentityStatus::Qualifiee);
    let stored = env.index.get(&existing.id).expect("get").expect("stored");
    assert_eq!(stored.identity.status(), IdentityStatus::Qualifiee);
    assert_eq!(stored, record);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apcv_read_on_a_file_with_other_traits_changes_nothing() {
    let env = env().await;
    let read = sample_single(apcv(), t0());
    let BeneficiaryChoice::Single(paul) = read.choose() else {
        panic!("one beneficiary")
    };
    let apcv = paul.beneficiary().apcv_identity().expect("apCV identity");
    // A file holding the same INS under other traits (a collision).
    let other = apcv
        .traits
        .to_builder()
        .birth_date(segur_ins::BirthDate::parse("1979-03-29").expect("date"))
        .build()
        .expect("traits");
    let file = Identity::from_scanned(
        ScannedIdentity {
            ins: apcv.ins,
            traits: other,
            from_datamatrix: true,
        },
        &ctx(),
    );
    let existing = env.index.create(file).expect("create");
    let lookup = find_patient(&env.sentinelle, &paul).await.expect("lookup");
    let FindOutcome::FoundWithDifferentTraits { record, .. } = lookup.outcome() else {
        panic!("expected a difference, got {lookup:?}")
    };
    let mut record = (**record).clone();
    let before = record.clone();
    let err =
        record_apcv_read(&env.sentinelle, &paul, &mut record, &ctx()).expect_err("traits differ");
    assert!(
        matches!(err, Error::Vitale(VitaleError::Identity(_))),
        "{err}"
    );
    assert_eq!(record, before, "the caller's record is unchanged");
    let stored = env.index.get(&existing.id).expect("get").expect("stored");
    assert_eq!(stored, before, "the stored file is unchanged");
    assert_ne!(stored.identity.status(), IdentityStatus::Qualifiee);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_for_someone_else_creates_nothing() {
    let env = env().await;
    let read = sample_family(apcv(), t0());
    let BeneficiaryChoice::Several(options) = read.choose() else {
        panic!("a family card")
    };
    let lea = read.select(options[2].key).expect("LEA");
    let hugo = read.select(options[3].key).expect("HUGO");
    let lookup = find_patient(&env.sentinelle, &lea).await.expect("lookup");
    let FindOutcome::NotFound { draft: Some(draft) } = lookup.outcome().clone() else {
        panic!("expected a draft, got {lookup:?}")
    };
    let err = create_patient(&env.sentinelle, &hugo, *draft, &ctx()).expect_err("mismatch");
    assert!(
        matches!(err, Error::Vitale(VitaleError::DraftMismatch)),
        "{err}"
    );
    for b in [&lea, &hugo] {
        let traits = &b.beneficiary().apcv_identity().expect("apCV").traits;
        assert!(env.index.find_by_traits(traits).expect("find").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn physical_card_goes_through_insi_and_creates_a_provisional_file() {
    let env = env().await;
    let read = zoe_card();
    let BeneficiaryChoice::Single(zoe) = read.choose() else {
        panic!("one beneficiary")
    };
    let lookup = find_patient(&env.sentinelle, &zoe).await.expect("lookup");
    let PatientLookup::Card(result) = &lookup else {
        panic!("expected the INSi path, got {lookup:?}")
    };
    assert_eq!(result.insi, Ok(ResultCode::Found));
    let FindOutcome::NotFound { draft: Some(draft) } = result.outcome.clone() else {
        panic!("expected a draft, got {:?}", result.outcome)
    };
    assert_eq!(draft.method, CollectionMethod::CarteVitale);
    assert_eq!(draft.traits.birth_family_name().as_str(), "ADRUN");
    assert_eq!(env.insi.requests().len(), 1);
    let record = create_patient(&env.sentinelle, &zoe, *draft, &ctx()).expect("create");
    // Not qualified by the card: one click later, from the pending answer.
    assert_eq!(record.identity.status(), IdentityStatus::Provisoire);
    assert!(record.display().qualification_ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apcv_beneficiary_without_ins_goes_through_insi() {
    let env = env().await;
    let read = sample_family(apcv(), t0());
    let BeneficiaryChoice::Several(options) = read.choose() else {
        panic!("a family card")
    };
    let marie = options
        .iter()
        .find(|o| o.given_name == "MARIE")
        .expect("listed");
    assert!(!marie.has_apcv_identity);
    let marie = read.select(marie.key).expect("select");
    let lookup = find_patient(&env.sentinelle, &marie).await.expect("lookup");
    let PatientLookup::Card(result) = &lookup else {
        panic!("expected the INSi path, got {lookup:?}")
    };
    // Unknown to the INSi simulator: not found, and no draft to create from.
    assert_eq!(result.insi, Ok(ResultCode::NotFound));
    assert_eq!(result.outcome, FindOutcome::NotFound { draft: None });
    assert_eq!(env.insi.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_for_segur_ins_keeps_every_beneficiary_and_lunar_dates() {
    let env = env().await;
    let read = sample_family(CardSource::PhysicalCard, t0());
    let card = read.sentinelle_card().expect("card");
    assert_eq!(card.beneficiaries.len(), 5);
    let claire = &card.beneficiaries[1];
    assert_eq!(
        claire.family_name.as_str(),
        "TESTNAISSANCE",
        "birth name first"
    );
    assert_eq!(claire.ouvrant_droit, *read.insured_nir());
    assert!(claire.individual.is_some());
    let lea = &card.beneficiaries[2];
    assert_eq!(lea.individual, None, "a child has no NIR of her own");
    let hugo = &card.beneficiaries[3];
    assert_eq!(hugo.birth_rank, 2);
    let marie = &card.beneficiaries[4];
    assert_eq!(marie.birth_date.to_string(), "1940-02-30");
    // Several beneficiaries: segur-ins asks for a choice and calls nobody.
    let lookup = env.sentinelle.find_by_vitale(&card).await.expect("lookup");
    assert!(
        matches!(lookup, VitaleLookup::ChooseBeneficiary { ref beneficiaries } if beneficiaries.len() == 5)
    );
    assert!(env.insi.requests().is_empty());
}

#[test]
fn names_the_ins_rules_refuse_are_a_typed_error() {
    let read = VitaleRead::new(
        CardSource::PhysicalCard,
        segur_ins::Nir::from_base("1790363220123").expect("nir"),
        AmoAffiliation::parse("01", "751", "0000").expect("amo"),
        vec![Beneficiary::new(
            VitaleName::parse("1234").expect("a card name"),
            VitaleName::parse("PAUL").expect("name"),
            VitaleDate::parse("1979-03-28").expect("date"),
            BirthRank::FIRST,
            Quality::Assure,
        )],
        t0(),
    )
    .expect("card");
    let BeneficiaryChoice::Single(b) = read.choose() else {
        panic!("one beneficiary")
    };
    let err = b.sentinelle_beneficiary().expect_err("digits only");
    assert!(
        matches!(
            err,
            VitaleError::NotInsCompatible {
                field: "birth name"
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("search the patient by traits"));
    assert!(read.sentinelle_card().is_err());
}
