//! Imaging manifests (KOS, SC.DMP/CONF.05): who may feed them, who may
//! delete / archive / mask them — refused by the client before anything is
//! sent (and traced), and refused by the simulated DMP when a client skips
//! the check.

mod common;

use std::sync::Arc;

use common::*;
use segur_dmp::client::DmpClient;
use segur_dmp::feed::Visibility;
use segur_dmp::rights::{KosManifest, KosRule, RightsError};
use segur_dmp::sim::DmpSimulator;
use segur_dmp::update::StatusChange;
use segur_dmp::vihf::{
    AuthenticationMode, Role, SignedVihfSource, Vihf, VihfActor, VihfAssertion, VihfSource,
};
use segur_dmp::xds::{Availability, ITI41_ACTION, ITI57_ACTION};
use segur_dmp::{Error, XmlSigner};
use segur_ids::IdNatStruct;
use segur_ins::Ins;
use segur_ssi::audit::{AuditFilter, AuditTrail, Outcome};

const RADIOLOGIST: &str = "810002909000";
const COLLEAGUE: &str = "810002909018";
const ELSEWHERE: &str = "810002909026";
const KOS_UID: &str = "1.2.250.1.999.7.1";

fn imaging_structure() -> IdNatStruct {
    "499700000000002".parse().expect("structure")
}

fn other_structure() -> IdNatStruct {
    "499700000000003".parse().expect("structure")
}

fn radiologist(id: &str, structure: IdNatStruct) -> VihfActor {
    VihfActor::new(id, "RADIO Anne", structure, "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM44", "Radio-diagnostic"))
}

fn gp() -> VihfActor {
    actor_named(AUTHOR, "MEDECIN-TEST Jean")
}

fn dicom(n: u8) -> Vec<u8> {
    let mut d = vec![0u8; 128];
    d.extend_from_slice(b"DICM");
    d.extend_from_slice(&[n; 16]);
    d
}

fn manifest(patient: &Ins, uid: &str) -> KosManifest {
    KosManifest::builder(dicom(1), uid, patient)
        .study_instance_uid("1.2.250.1.999.7.2")
        .accession_number("A-12", "1.2.250.1.999.7")
        .modality("MR", "Magnetic Resonance")
        .author(&radiologist(RADIOLOGIST, imaging_structure()))
        .institution("Centre d'imagerie de test", &imaging_structure())
        .build(time::OffsetDateTime::now_utc())
        .expect("manifest")
}

struct Kos {
    sim: DmpSimulator,
    local: Local,
    patient: Ins,
}

impl Kos {
    async fn new() -> Self {
        let sim = DmpSimulator::start().await.expect("sim");
        let patient = sample_patient();
        sim.add_patient(&patient);
        for id in [AUTHOR, RADIOLOGIST, COLLEAGUE, ELSEWHERE] {
            sim.authorize(&patient, id);
        }
        let local = local();
        informed(&local, &patient);
        Self {
            sim,
            local,
            patient,
        }
    }

    fn client(&self, actor: VihfActor) -> DmpClient {
        client(
            &self.sim,
            actor,
            AuthenticationMode::IndirecteRenforcee,
            &self.local,
        )
    }

    fn posts(&self, action: &str) -> usize {
        self.sim
            .exchanges()
            .iter()
            .filter(|x| x.action.as_deref() == Some(action))
            .count()
    }

    fn denied(&self) -> Vec<segur_ssi::audit::AuditRecord> {
        self.local
            .audit
            .query(&AuditFilter::new().kind_prefix("dmp.rights.refused"))
            .expect("audit")
            .into_iter()
            .filter(|r| r.event.outcome == Outcome::Denied)
            .collect()
    }
}

fn kos_rule(e: &Error) -> Option<KosRule> {
    match e {
        Error::Rights(RightsError::Kos { rule, .. }) => Some(*rule),
        _ => None,
    }
}

#[tokio::test]
async fn an_imaging_professional_feeds_a_correctly_described_kos() {
    let k = Kos::new().await;
    let kos = manifest(&k.patient, KOS_UID);
    k.client(radiologist(RADIOLOGIST, imaging_structure()))
        .feed(&kos.to_feed())
        .await
        .expect("feed");
    assert_eq!(k.posts(ITI41_ACTION), 1);
    let e = k.sim.current(KOS_UID).expect("registered");
    assert_eq!(e.content.as_slice(), kos.dicom());
    assert_eq!(e.entry.mime_type, "application/dicom");
    assert_eq!(e.entry.class_code.code, "31");
    assert_eq!(e.entry.type_code.code, "IMG-KOS");
    assert_eq!(e.entry.format_code.code, "1.2.840.10008.5.1.4.1.1.88.59");
    assert_eq!(e.entry.patient_id, k.patient.to_cx());
    assert_eq!(
        segur_dmp::rights::author_structures(&e.entry),
        [imaging_structure().as_str()]
    );
    assert!(
        e.entry
            .reference_ids
            .iter()
            .any(|r| r.starts_with("1.2.250.1.999.7.2^"))
    );
    assert!(k.denied().is_empty());
}

#[tokio::test]
async fn feeding_is_refused_before_sending_and_traced() {
    let k = Kos::new().await;
    let kos = manifest(&k.patient, KOS_UID);
    // A general practitioner of the same structure: not imaging.
    let mut gp = gp();
    gp.structure = imaging_structure();
    let err = k
        .client(gp)
        .feed(&kos.to_feed())
        .await
        .expect_err("refused");
    assert_eq!(kos_rule(&err), Some(KosRule::FeedReservedToImaging));
    assert!(err.to_string().contains("SC.DMP/CONF.05"), "{err}");
    // A radiologist of another structure.
    let err = k
        .client(radiologist(ELSEWHERE, other_structure()))
        .feed(&kos.to_feed())
        .await
        .expect_err("refused");
    assert_eq!(kos_rule(&err), Some(KosRule::FeedForAnotherStructure));
    assert!(k.sim.exchanges().is_empty(), "nothing reached the DMP");
    let denied = k.denied();
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[0].event.document_ref.as_deref(), Some(KOS_UID));
    assert_eq!(
        denied[1].event.details.get("rule").map(String::as_str),
        Some("DMP_KOS_STRUCTURE_NON_AUTORISEE")
    );
}

#[tokio::test]
async fn deleting_is_reserved_to_the_author_or_the_structure() {
    let k = Kos::new().await;
    k.client(radiologist(RADIOLOGIST, imaging_structure()))
        .feed(&manifest(&k.patient, KOS_UID).to_feed())
        .await
        .expect("feed");
    let uid = [KOS_UID.to_owned()];
    // Non-authors of another structure, imaging or not: refused, no ITI-57.
    for actor in [gp(), radiologist(ELSEWHERE, other_structure())] {
        let err = k
            .client(actor)
            .change_status(&k.patient, &uid, StatusChange::Delete)
            .await
            .expect_err("refused");
        assert_eq!(
            kos_rule(&err),
            Some(KosRule::ChangeReservedToAuthorOrStructure)
        );
    }
    let err = k
        .client(gp())
        .set_visibility(
            &k.patient,
            &uid,
            Visibility {
                hidden_from_professionals: true,
                ..Visibility::default()
            },
        )
        .await
        .expect_err("refused");
    assert_eq!(
        kos_rule(&err),
        Some(KosRule::ChangeReservedToAuthorOrStructure)
    );
    assert_eq!(k.posts(ITI57_ACTION), 0);
    assert_eq!(k.denied().len(), 3);
    // An imaging colleague of the structure archives it; the author deletes it.
    k.client(radiologist(COLLEAGUE, imaging_structure()))
        .change_status(&k.patient, &uid, StatusChange::Archive)
        .await
        .expect("archive");
    k.client(radiologist(RADIOLOGIST, imaging_structure()))
        .change_status(&k.patient, &uid, StatusChange::Delete)
        .await
        .expect("delete");
    let e = k.sim.entries(&k.patient);
    let kos = e
        .iter()
        .find(|e| e.entry.unique_id == KOS_UID)
        .expect("kos");
    assert_eq!(
        kos.entry.status.as_deref(),
        Some(Availability::Deleted.as_urn())
    );
}

/// A VIHF source that claims an imaging actor to the client's checks while
/// its VIHF names someone else: what a client skipping the check sends.
struct Lying {
    vihf: SignedVihfSource,
    claimed: VihfActor,
}

impl VihfSource for Lying {
    fn assertion<'a>(
        &'a self,
        patient: Option<&'a Ins>,
        now: time::OffsetDateTime,
    ) -> segur_dmp::BoxFuture<'a, Result<VihfAssertion, Error>> {
        self.vihf.assertion(patient, now)
    }
    fn actor_id(&self) -> &str {
        self.vihf.actor_id()
    }
    fn mode(&self) -> AuthenticationMode {
        self.vihf.mode()
    }
    fn actor(&self) -> Option<&VihfActor> {
        Some(&self.claimed)
    }
}

fn lying_client(k: &Kos, real: VihfActor) -> DmpClient {
    let signer = Arc::new(rsa_signer().0);
    let claims = Vihf::new(
        real,
        lps(),
        AuthenticationMode::IndirecteRenforcee,
        time::OffsetDateTime::now_utc(),
    );
    let source = Lying {
        vihf: SignedVihfSource::new(claims, signer.clone()),
        claimed: radiologist(RADIOLOGIST, imaging_structure()),
    };
    DmpClient::builder(
        &k.sim.base_url(),
        Arc::new(source),
        signer,
        k.local.services.clone(),
        context(),
    )
    .build()
    .expect("client")
}

#[tokio::test]
async fn the_simulated_dmp_applies_the_same_rule() {
    let k = Kos::new().await;
    let kos = manifest(&k.patient, KOS_UID);
    let mut gp_here = gp();
    gp_here.structure = imaging_structure();
    let err = lying_client(&k, gp_here)
        .feed(&kos.to_feed())
        .await
        .expect_err("the DMP refuses");
    match &err {
        Error::Registry(f) => assert!(f.has_code("DMP_KOS_PROFESSION_NON_AUTORISEE"), "{f}"),
        other => panic!("expected a registry failure, got {other}"),
    }
    assert!(k.sim.current(KOS_UID).is_none(), "nothing registered");
    let err = lying_client(&k, radiologist(ELSEWHERE, other_structure()))
        .feed(&kos.to_feed())
        .await
        .expect_err("the DMP refuses");
    assert!(matches!(&err, Error::Registry(f) if f.has_code("DMP_KOS_STRUCTURE_NON_AUTORISEE")));
    // Registered by the radiologist, then a non-author tries to delete it.
    k.client(radiologist(RADIOLOGIST, imaging_structure()))
        .feed(&kos.to_feed())
        .await
        .expect("feed");
    let err = lying_client(&k, radiologist(ELSEWHERE, other_structure()))
        .change_status(&k.patient, &[KOS_UID.to_owned()], StatusChange::Delete)
        .await
        .expect_err("the DMP refuses");
    assert!(matches!(&err, Error::Registry(f) if f.has_code("DMP_KOS_AUTEUR_OU_STRUCTURE")));
    assert_eq!(
        k.sim.current(KOS_UID).and_then(|e| e.entry.status),
        Some(Availability::Approved.as_urn().to_owned())
    );
}

#[tokio::test]
async fn an_unknown_user_is_refused_for_kos_only() {
    struct Anonymous(SignedVihfSource);
    impl VihfSource for Anonymous {
        fn assertion<'a>(
            &'a self,
            patient: Option<&'a Ins>,
            now: time::OffsetDateTime,
        ) -> segur_dmp::BoxFuture<'a, Result<VihfAssertion, Error>> {
            self.0.assertion(patient, now)
        }
        fn actor_id(&self) -> &str {
            self.0.actor_id()
        }
        fn mode(&self) -> AuthenticationMode {
            self.0.mode()
        }
    }
    let k = Kos::new().await;
    let signer: Arc<XmlSigner> = Arc::new(rsa_signer().0);
    let claims = Vihf::new(
        radiologist(RADIOLOGIST, imaging_structure()),
        lps(),
        AuthenticationMode::IndirecteRenforcee,
        time::OffsetDateTime::now_utc(),
    );
    let client = DmpClient::builder(
        &k.sim.base_url(),
        Arc::new(Anonymous(SignedVihfSource::new(claims, signer.clone()))),
        signer,
        k.local.services.clone(),
        context(),
    )
    .build()
    .expect("client");
    let err = client
        .feed(&manifest(&k.patient, KOS_UID).to_feed())
        .await
        .expect_err("fail-closed");
    assert!(matches!(
        err,
        Error::Rights(RightsError::UnknownProfessional)
    ));
    // Other documents are not concerned.
    client
        .feed(&segur_dmp::feed::Feed::document(n1_doc(1).to_xml()))
        .await
        .expect("CDA feed");
}
