//! The "envoi en Y" end to end against the simulators: one prescription
//! registered (the DMP gets it with its QR code), one while the
//! e-prescription service is down (the DMP gets it without the code).
//!
//! `cargo run -p segur-carte-vitale --example envoi_en_y --features sim`

use std::sync::Arc;
use std::time::Duration;

use segur_carte_vitale::envoi_y::{EnvoiEnY, MemoryYJournal, YConfig, YParts};
use segur_carte_vitale::eprescription::HttpEPrescriptionService;
use segur_carte_vitale::ordonnance::{
    IdContext, IdGenerator, IdTemplate, N1Renderer, Prescription, PrescriptionKind,
};
use segur_carte_vitale::sim::{EPrescriptionSimulator, SimBehaviour};
use segur_dmp::queue::SqliteQueue;
use segur_ids::{Rpps, oid};
use segur_psc::{SharedClock, SystemClock};
use segur_ssi::audit::MemoryAuditTrail;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock: SharedClock = Arc::new(SystemClock);
    let sim = EPrescriptionSimulator::start(clock.clone()).await?;
    let audit = Arc::new(MemoryAuditTrail::new());
    let y = EnvoiEnY::new(
        YParts {
            eprescription: Arc::new(HttpEPrescriptionService::new(
                &sim.base_url(),
                None,
                Duration::from_secs(10),
            )?),
            renderer: Arc::new(N1Renderer::new(segur_cda::samples::practitioner())),
            queue: Arc::new(SqliteQueue::new(rusqlite::Connection::open_in_memory()?)?),
            journal: Arc::new(MemoryYJournal::default()),
            audit: audit.clone(),
            clock: clock.clone(),
        },
        YConfig::new(oid!("1.2.250.1.999.1.1.7"), "810003612545"),
    );
    let ids = IdGenerator::new(IdTemplate::default());
    let prescription = |lines: &[&str]| -> Result<Prescription, Box<dyn std::error::Error>> {
        let now = clock.now();
        Ok(Prescription {
            id: ids.generate(&IdContext::new(now))?,
            kind: PrescriptionKind::SoinsInfirmiers,
            prescriber: Rpps::parse("10003612545")?,
            patient: segur_cda::samples::patient().build()?,
            patient_ref: "PAT-0001".into(),
            issued_at: now,
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        })
    };

    let out = y
        .send(&prescription(&[
            "Pansement simple, 1 fois par jour, 10 jours",
        ])?)
        .await?;
    println!(
        "{}: e-prescription {:?}; DMP order {} ({}), code printed: {}",
        out.id,
        out.eprescription,
        out.dmp.key,
        if out.dmp.with_code {
            "with code"
        } else {
            "without code"
        },
        out.code.is_some()
    );

    sim.script([SimBehaviour::Fail(503)]);
    let out = y
        .send(&prescription(&["Prise de sang à domicile"])?)
        .await?;
    println!(
        "{}: e-prescription {:?}; DMP order {} ({})",
        out.id,
        out.eprescription,
        out.dmp.key,
        if out.dmp.with_code {
            "with code"
        } else {
            "without code"
        },
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
