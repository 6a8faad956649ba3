//! The Vitale model, the reader simulator and the beneficiary choice flow.

use segur_carte_vitale::sim::{SimVitaleReader, sample_family, sample_single};
use segur_carte_vitale::*;
use segur_ins::{CollectionMethod, EventContext, IdentityStatus, Sex, TraitField};

use crate::{clock, t0};

#[tokio::test]
async fn reader_simulator() {
    let (manual, shared) = clock();
    let reader = SimVitaleReader::new(shared);
    assert_eq!(reader.read().await, Err(ReaderError::NoCard));
    reader.insert(sample_family(CardSource::PhysicalCard, t0()));
    manual.advance(time::Duration::minutes(5));
    let read = reader.read().await.expect("read");
    assert_eq!(read.read_at(), t0() + time::Duration::minutes(5));
    assert_eq!(read.beneficiaries().len(), 5);
    reader.fail_next(ReaderError::CardRefused("carte bloquée".into()));
    assert!(matches!(
        reader.read().await,
        Err(ReaderError::CardRefused(_))
    ));
    assert!(reader.read().await.is_ok());
    reader.remove();
    assert_eq!(reader.read().await, Err(ReaderError::NoCard));
    assert_eq!(reader.read_count(), 5);
}

#[test]
fn beneficiary_choice_flow_twins() {
    let read = sample_family(CardSource::PhysicalCard, t0());
    let BeneficiaryChoice::Several(options) = read.choose() else {
        panic!("five beneficiaries: the user must choose");
    };
    assert_eq!(options.len(), 5);
    let twins: Vec<_> = options
        .iter()
        .filter(|o| o.birth_date.to_string() == "2015-06-12")
        .collect();
    assert_eq!(twins.len(), 2, "twins share the birth date");
    assert_ne!(twins[0].key, twins[1].key, "the rank tells them apart");
    let hugo = options
        .iter()
        .find(|o| o.given_name == "HUGO")
        .expect("hugo listed");
    assert_eq!(hugo.birth_rank.get(), 2);
    assert_eq!(hugo.quality, Quality::Enfant);

    let selected = read.select(hugo.key).expect("selected");
    assert_eq!(selected.beneficiary().given_name().as_str(), "HUGO");
    // INSi RECVITALE: no own NIR for a child, the ouvrant droit's, rank 2.
    let q = selected.insi_query();
    assert_eq!(q.individual, None);
    assert_eq!(q.ouvrant_droit, *read.insured_nir());
    assert_eq!(q.birth_rank.get(), 2);
    assert_eq!(q.birth_date.to_string(), "2015-06-12");
    assert_eq!(q.birth_family_name.expect("name").as_str(), "TESTVITALE");

    // Pre-filled patient: what the card gives, what is missing.
    let draft = selected.patient_draft();
    assert_eq!(draft.collection_method(), CollectionMethod::CarteVitale);
    assert!(draft.missing().contains(&TraitField::Sex), "no NIR: no sex");
    assert!(draft.missing().contains(&TraitField::BirthPlace));
    assert!(draft.to_check().contains(&TraitField::BirthDate));
    let traits = draft
        .complete(|b| b.sex(Sex::Male).birth_place("75111"))
        .expect("completed");
    assert_eq!(traits.birth_family_name().as_str(), "TESTVITALE");
    assert_eq!(traits.first_given_name().as_str(), "HUGO");
    assert_eq!(traits.birth_date().to_iso(), "2015-06-12");
    let ctx = EventContext::new(t0(), "dr.test");
    let identity = draft.create_identity(traits, &ctx);
    assert_eq!(identity.status(), IdentityStatus::Provisoire);
    assert_eq!(identity.collection_method(), CollectionMethod::CarteVitale);
    assert!(identity.qualified_ins().is_none());

    // A key not on the card.
    let wrong = BeneficiaryKey {
        birth_date: VitaleDate::parse("2015-06-12").expect("date"),
        birth_rank: BirthRank::new(3).expect("rank"),
    };
    assert!(matches!(
        read.select(wrong),
        Err(VitaleError::NoSuchBeneficiary { .. })
    ));
}

#[test]
fn insured_spouse_and_lunar_date() {
    let read = sample_family(CardSource::PhysicalCard, t0());
    let key = |given: &str| {
        read.beneficiaries()
            .iter()
            .find(|b| b.given_name().as_str() == given)
            .expect("beneficiary")
            .key()
    };
    // The insured: own NIR = the card's, sex from the NIR.
    let paul = read.select(key("PAUL")).expect("paul");
    assert_eq!(paul.insi_query().individual, Some(*read.insured_nir()));
    let d = paul.patient_draft();
    assert!(!d.missing().contains(&TraitField::Sex));
    assert_eq!(
        d.complete(|b| b.birth_place("63220"))
            .expect("traits")
            .sex(),
        Sex::Male
    );
    // The spouse: birth name used as birth family name, usual name as used name.
    let claire = read.select(key("CLAIRE")).expect("claire");
    let t = claire
        .patient_draft()
        .complete(|b| b.birth_place("75111"))
        .expect("traits");
    assert_eq!(t.birth_family_name().as_str(), "TESTNAISSANCE");
    assert_eq!(t.used_family_name().expect("used").as_str(), "TESTVITALE");
    assert_eq!(t.sex(), Sex::Female);
    // The grandmother: a lunar birth date cannot be a birth date trait.
    let marie = read.select(key("MARIE")).expect("marie");
    assert!(marie.beneficiary().birth_date().is_lunar());
    assert_eq!(marie.insi_query().birth_date.to_string(), "1940-02-30");
    let d = marie.patient_draft();
    assert!(d.missing().contains(&TraitField::BirthDate));
    assert!(
        d.complete(|b| b.birth_place("99350")).is_err(),
        "birth date still missing"
    );
    // Pre-selection from an open patient file.
    let candidates = read.candidates_for(&t);
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].key(), key("CLAIRE"));
    // Physical card: no apCV identity.
    let ctx = EventContext::new(t0(), "dr.test");
    assert_eq!(
        claire.qualified_identity(&ctx).err(),
        Some(VitaleError::NoApcvIdentity)
    );
}

#[test]
fn single_beneficiary_needs_no_choice() {
    let read = sample_single(CardSource::PhysicalCard, t0());
    match read.choose() {
        BeneficiaryChoice::Single(b) => assert_eq!(b.beneficiary().quality(), Quality::Assure),
        BeneficiaryChoice::Several(_) => panic!("one beneficiary"),
    }
}

#[test]
fn invariants_and_serde() {
    let read = sample_family(
        CardSource::Apcv {
            channel: ApcvChannel::QrCode,
        },
        t0(),
    );
    let json = serde_json::to_string(&read).expect("json");
    let back: VitaleRead = serde_json::from_str(&json).expect("back");
    assert_eq!(back, read);
    // An apCV identity on a physical card is refused.
    assert_eq!(
        read.reread(CardSource::PhysicalCard, t0()).err(),
        Some(VitaleError::ApcvIdentityOnPhysicalCard)
    );
    let tampered = json.replace(
        "\"kind\":\"apcv\",\"channel\":\"qr_code\"",
        "\"kind\":\"physical_card\"",
    );
    assert_ne!(tampered, json);
    assert!(serde_json::from_str::<VitaleRead>(&tampered).is_err());
    // Two beneficiaries with the same key.
    let b = read.beneficiaries()[2].clone();
    let err = VitaleRead::new(
        read.source(),
        *read.insured_nir(),
        *read.amo(),
        vec![b.clone(), b],
        t0(),
    );
    assert!(matches!(
        err,
        Err(VitaleError::AmbiguousBeneficiaries { .. })
    ));
    assert_eq!(
        VitaleRead::new(
            read.source(),
            *read.insured_nir(),
            *read.amo(),
            vec![],
            t0()
        )
        .err(),
        Some(VitaleError::NoBeneficiary)
    );
    // The insured beneficiary must carry the insured NIR.
    let paul = read.beneficiaries()[0]
        .clone()
        .with_nir(segur_ins::Nir::from_base("2810775111045").expect("nir"));
    assert_eq!(
        VitaleRead::new(
            read.source(),
            *read.insured_nir(),
            *read.amo(),
            vec![paul],
            t0()
        )
        .err(),
        Some(VitaleError::InsuredNirMismatch)
    );
    assert!(read.beneficiaries()[0].has_rights_on(time::macros::date!(2025 - 03 - 01)));
    assert!(!read.beneficiaries()[0].has_rights_on(time::macros::date!(2027 - 01 - 01)));
}
