//! The "envoi en Y" end to end against the simulators: a prescription of
//! health products (N3 eP-MED-DM) registered by the e-prescription service —
//! the DMP gets it with its identifier and QR code — then a nursing
//! prescription (N1) while the service is down — the DMP gets it without
//! the code. The DMP leg is segur-dmp's real path: `Feeder`, SQLite queue,
//! `FeedWorker` and `DmpOrderSender` to the DMP simulator.
//!
//! `cargo run -p segur-carte-vitale --example envoi_en_y --features sim`

use std::sync::Arc;
use std::time::Duration;

use segur_carte_vitale::envoi_y::{EnvoiEnY, MemoryYJournal, YConfig, YParts};
use segur_carte_vitale::eprescription::HttpEPrescriptionService;
use segur_carte_vitale::ordonnance::{
    CisisRenderer, IdContext, IdGenerator, IdTemplate, Prescription, PrescriptionContent,
};
use segur_carte_vitale::sim::{EPrescriptionSimulator, SimBehaviour};
use segur_cda::datatypes::Ts;
use segur_cda::volets::eprescription::PrescriptionContext;
use segur_cda::volets::n1_prescription::N1PrescriptionKind;
use segur_cda::volets::samples::{self, Richness};
use segur_dmp::client::{DmpClient, LocalServices};
use segur_dmp::consent::SqliteConsentStore;
use segur_dmp::feed::SubmissionContext;
use segur_dmp::feeding::{DmpOrderSender, FeedWorker, Feeder, SegurPerimeter};
use segur_dmp::history::SqliteHistory;
use segur_dmp::queue::{Backoff, SqliteQueue};
use segur_dmp::sim::DmpSimulator;
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_ids::{Rpps, oid};
use segur_psc::{SharedClock, SystemClock};
use segur_ssi::audit::MemoryAuditTrail;

type AnyError = Box<dyn std::error::Error>;

/// The DMP simulator with the sample patient, and a client signing as the
/// sample structure (test PKI).
async fn dmp(local: LocalServices) -> Result<(DmpSimulator, DmpClient), AnyError> {
    let sim = DmpSimulator::start().await?;
    let patient = segur_ins::Ins::new("285037511104286".parse()?, segur_ins::InsOid::Test);
    sim.add_patient(&patient);
    sim.authorize(&patient, "810003612545");
    let pki = segur_ssi::test_pki::TestPki::generate()?;
    let structure: segur_ids::IdNatStruct = "499700000000001".parse()?;
    let cert = pki.issue_organisation(&structure, "CABINET TEST")?;
    let signer = Arc::new(segur_dmp::XmlSigner::from_identity(&cert.identity()?)?);
    let actor = VihfActor::new("810003612545", "MEDECIN-TEST Jean", structure, "SA07")
        .with_role(Role::profession("10", "Médecin"));
    let claims = Vihf::new(
        actor,
        LpsInfo::new("mon-lgc", "1.0", "HOMOLOGATION-0001"),
        AuthenticationMode::IndirecteRenforcee,
        time::OffsetDateTime::now_utc(),
    );
    let context = SubmissionContext {
        source_id: segur_cda::samples::SAMPLE_STRUCTURE_OID,
        content_type_code: segur_cda::xds::XdsCode::new(
            "04",
            "1.2.250.1.213.2.2",
            "Hospitalisation de jour",
        ),
    };
    let client = DmpClient::builder(
        &sim.base_url(),
        Arc::new(SignedVihfSource::new(claims, signer.clone())),
        signer,
        local,
        context,
    )
    .build()?;
    Ok((sim, client))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), AnyError> {
    let clock: SharedClock = Arc::new(SystemClock);
    let esim = EPrescriptionSimulator::start(clock.clone()).await?;

    // The host's DMP services (in memory here; files in a real LGC).
    let dmp_audit = Arc::new(MemoryAuditTrail::new());
    let consent = Arc::new(SqliteConsentStore::new(
        rusqlite::Connection::open_in_memory()?,
        dmp_audit.clone(),
    )?);
    let history = Arc::new(SqliteHistory::new(rusqlite::Connection::open_in_memory()?)?);
    let local = LocalServices {
        consent: consent.clone(),
        audit: dmp_audit.clone(),
        scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
        history: history.clone(),
    };
    let (dmp_sim, client) = dmp(local).await?;
    let queue = Arc::new(SqliteQueue::new(rusqlite::Connection::open_in_memory()?)?);
    let feeder = Arc::new(Feeder::new(
        queue.clone(),
        consent,
        dmp_audit,
        history,
        SegurPerimeter::default(),
        clock.clone(),
    ));
    let worker = Arc::new(
        FeedWorker::new(
            queue.clone(),
            Arc::new(DmpOrderSender::new(client)),
            clock.clone(),
            Backoff::default(),
        )
        .with_feeder(feeder.clone()),
    );

    let audit = Arc::new(MemoryAuditTrail::new());
    let y = EnvoiEnY::new(
        YParts {
            eprescription: Arc::new(HttpEPrescriptionService::new(
                &esim.base_url(),
                None,
                Duration::from_secs(10),
            )?),
            renderer: Arc::new(CisisRenderer::new(segur_cda::samples::practitioner())),
            queue,
            feeder,
            journal: Arc::new(MemoryYJournal::default()),
            audit: audit.clone(),
            clock: clock.clone(),
        },
        YConfig::new(oid!("1.2.250.1.999.1.1.7"), "810003612545"),
    )
    .with_worker(worker);

    let ids = IdGenerator::new(IdTemplate::default());
    let prescription = |content: PrescriptionContent| -> Result<Prescription, AnyError> {
        let now = clock.now();
        Ok(Prescription {
            id: ids.generate(&IdContext::new(now))?,
            prescriber: Rpps::parse("10003612545")?,
            patient: segur_cda::samples::patient().build()?,
            patient_ref: "PAT-0001".into(),
            issued_at: now,
            content,
        })
    };
    let now = clock.now();
    let (products, _) = samples::prescription(Richness::Typical)?;
    let drugs = prescription(PrescriptionContent::HealthProducts {
        products,
        context: PrescriptionContext::new(
            Ts::from_datetime(now),
            Ts::from_datetime(now + time::Duration::days(90)),
        ),
    })?;
    let out = y.send(&drugs).await?;
    println!(
        "{} (N3 eP-MED-DM): e-prescription {:?}; DMP {:?} {}, code printed: {}",
        out.id,
        out.eprescription,
        out.dmp.status,
        out.dmp.key,
        out.code.is_some()
    );

    esim.script([SimBehaviour::Fail(503)]);
    let nursing = prescription(PrescriptionContent::Acts(samples::n1_prescription(
        N1PrescriptionKind::Nursing,
    )))?;
    let out = y.send(&nursing).await?;
    println!(
        "{} (N1 PRESC-INF): e-prescription {:?}; DMP {:?} {}, code printed: {}",
        out.id,
        out.eprescription,
        out.dmp.status,
        out.dmp.key,
        out.code.is_some()
    );
    let patient = segur_ins::Ins::new("285037511104286".parse()?, segur_ins::InsOid::Test);
    println!(
        "documents in the DMP simulator: {}",
        dmp_sim.entries(&patient).len()
    );
    for r in audit.records() {
        println!(
            "audit #{} {} {} {:?}",
            r.seq,
            r.event.kind,
            r.event.outcome.as_str(),
            r.event.details
        );
    }
    Ok(())
}
