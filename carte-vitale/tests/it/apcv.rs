//! The apCV identification flow against the simulator, and the qualified
//! identity through segur-ins' state machine.

use std::time::Duration as StdDuration;

use segur_carte_vitale::apcv::{HttpApcvService, identify};
use segur_carte_vitale::sim::{ApcvSimulator, sample_family};
use segur_carte_vitale::*;
use segur_ins::{
    CollectionMethod, EventContext, Identity, IdentityStatus, InsOid, Sex, Traits, TransitionError,
};
use segur_psc::Clock;

use crate::{clock, t0};

async fn setup() -> (
    segur_psc::ManualClock,
    ApcvSimulator,
    HttpApcvService,
    VitaleRead,
) {
    let (manual, shared) = clock();
    let sim = ApcvSimulator::start(shared).await.expect("simulator");
    let service =
        HttpApcvService::new(&sim.base_url(), None, StdDuration::from_secs(5)).expect("client");
    // The data the apCV holds (the source is set by the simulator).
    let card = sample_family(
        CardSource::Apcv {
            channel: ApcvChannel::QrCode,
        },
        t0(),
    );
    (manual, sim, service, card)
}

#[tokio::test]
async fn qr_code_identification_gives_qualified_identities() {
    let (manual, sim, service, card) = setup().await;
    let qr_text = sim.present_qr(&card);
    let presentation = ApcvPresentation::from_qr_text(&qr_text).expect("presentation");
    let mut session = ApcvSession::open(ApcvChannel::QrCode, manual.now());
    let read = identify(&service, &mut session, presentation, &manual)
        .await
        .expect("identified");
    assert!(session.is_done());
    assert_eq!(
        read.source(),
        CardSource::Apcv {
            channel: ApcvChannel::QrCode
        }
    );
    // Choose a twin and qualify her identity through segur-ins.
    let BeneficiaryChoice::Several(options) = read.choose() else {
        panic!("several beneficiaries");
    };
    let lea = options.iter().find(|o| o.given_name == "LEA").expect("lea");
    assert!(lea.has_apcv_identity);
    let selected = read.select(lea.key).expect("selected");
    let ctx = EventContext::new(t0(), "dr.test");
    let identity = selected.qualified_identity(&ctx).expect("qualified");
    assert_eq!(identity.status(), IdentityStatus::Qualifiee);
    assert_eq!(
        identity.collection_method(),
        CollectionMethod::AppliCarteVitale
    );
    let ins = identity.qualified_ins().expect("shareable INS");
    assert_eq!(ins.ins().oid(), InsOid::Test);
    assert_eq!(
        *ins.ins().matricule(),
        segur_ins::Nir::from_base("2150675111201").expect("nir")
    );
    assert_eq!(identity.traits().first_given_name().as_str(), "LEA");
    // The draft of an apCV beneficiary is complete (INS traits).
    let draft = selected.patient_draft();
    assert!(draft.missing().is_empty());
    assert_eq!(
        draft.collection_method(),
        CollectionMethod::AppliCarteVitale
    );

    // An existing local patient with the same traits becomes qualified...
    let traits = identity.traits().clone();
    let mut existing = Identity::new(traits, CollectionMethod::SaisieManuelle, &ctx);
    assert_eq!(
        selected.apply_to(&mut existing, &ctx).expect("applied"),
        IdentityStatus::Qualifiee
    );
    // ...but one whose strict traits differ is left unchanged.
    let other: Traits = Traits::builder()
        .birth_family_name("AUTRENOM")
        .birth_given_names("LEA")
        .birth_date(*identity.traits().birth_date())
        .sex(Sex::Female)
        .build()
        .expect("traits");
    let mut mismatch = Identity::new(other, CollectionMethod::SaisieManuelle, &ctx);
    let before = mismatch.clone();
    assert!(matches!(
        selected.apply_to(&mut mismatch, &ctx),
        Err(VitaleError::Identity(
            TransitionError::TraitsMismatch { .. }
        ))
    ));
    assert_eq!(mismatch, before);

    // The lunar-date grandmother has no apCV identity.
    let marie = options
        .iter()
        .find(|o| o.given_name == "MARIE")
        .expect("marie");
    assert!(!marie.has_apcv_identity);
    assert_eq!(
        read.select(marie.key)
            .expect("marie")
            .qualified_identity(&ctx)
            .err(),
        Some(VitaleError::NoApcvIdentity)
    );

    // The presentation is single use.
    let again = ApcvPresentation::from_qr_text(&qr_text).expect("presentation");
    let mut session = ApcvSession::open(ApcvChannel::QrCode, t0());
    assert_eq!(
        identify(&service, &mut session, again, &manual).await.err(),
        Some(ApcvError::AlreadyUsed)
    );
    let statuses: Vec<u16> = sim.exchanges().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [200, 410]);
}

#[tokio::test]
async fn nfc_expiry_unknown_token_and_outage() {
    let (manual, sim, service, card) = setup().await;
    // NFC works the same way.
    let token = sim.present_nfc(&card);
    let mut session = ApcvSession::open(ApcvChannel::Nfc, t0());
    let read = identify(
        &service,
        &mut session,
        ApcvPresentation::from_nfc(&token).expect("nfc"),
        &manual,
    )
    .await
    .expect("identified");
    assert_eq!(
        read.source(),
        CardSource::Apcv {
            channel: ApcvChannel::Nfc
        }
    );

    // An expired presentation (the simulator's clock moved on).
    let qr = sim.present_qr(&card);
    manual.advance(time::Duration::minutes(3));
    let mut session = ApcvSession::open(ApcvChannel::QrCode, manual.now());
    assert_eq!(
        identify(
            &service,
            &mut session,
            ApcvPresentation::from_qr_text(&qr).expect("qr"),
            &manual
        )
        .await
        .err(),
        Some(ApcvError::Expired)
    );

    // A token the service does not know.
    let mut session = ApcvSession::open(ApcvChannel::QrCode, manual.now());
    let unknown = ApcvPresentation::from_qr_text("APCV1:0123456789abcdef0123").expect("qr");
    assert!(matches!(
        identify(&service, &mut session, unknown, &manual).await,
        Err(ApcvError::Refused { code, .. }) if code == "UNKNOWN_TOKEN"
    ));

    // The service is down.
    sim.set_unavailable(true);
    let qr = sim.present_qr(&card);
    let mut session = ApcvSession::open(ApcvChannel::QrCode, manual.now());
    assert!(matches!(
        identify(
            &service,
            &mut session,
            ApcvPresentation::from_qr_text(&qr).expect("qr"),
            &manual
        )
        .await,
        Err(ApcvError::Unavailable(_))
    ));
    // A plain-http endpoint off loopback is refused.
    assert!(
        HttpApcvService::new("http://apcv.example.fr/", None, StdDuration::from_secs(1)).is_err()
    );
}
