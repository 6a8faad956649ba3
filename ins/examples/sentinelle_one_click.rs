//! A practice software's patient file, end to end against the INSi simulator:
//! open the file (the INSi check starts in the background without blocking),
//! show the outcome when it arrives, then qualify the identity in one click.
//!
//! ```text
//! cargo run -p segur-ins --example sentinelle_one_click --features sim
//! ```

use std::sync::Arc;

use segur_ins::insi::sim::{InsiSimulator, SimIdentity};
use segur_ins::insi::{InsiClient, SoftwareIdentity};
use segur_ins::sentinelle::{
    BackgroundCheck, InMemoryPatientIndex, PatientIndex, QualificationMethod, Sentinelle,
    VerificationOutcome,
};
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, Sex, Traits,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The national service, simulated on loopback with the CNDA test identities.
    let sim = InsiSimulator::builder()
        .identities(SimIdentity::test_identities())
        .start()
        .await?;
    let insi = InsiClient::builder(
        sim.url(),
        SoftwareIdentity::new(
            InsiSimulator::DEFAULT_IDAM,
            "1.0",
            "LGC exemple",
            "poste-accueil",
        ),
        "10003612545",
    )
    .build()?;

    // The host's patient index, with a file typed at the front desk.
    let index = Arc::new(InMemoryPatientIndex::new());
    let traits = Traits::builder()
        .birth_family_name("Écetinsi")
        .birth_given_names("Pierre-Alain Muriel Floriant")
        .birth_date(BirthDate::parse("2009-07-14")?)
        .sex(Sex::Male)
        .birth_place("63220")
        .build()?;
    let now = time::OffsetDateTime::now_utc();
    let file = index.create(Identity::new(
        traits,
        CollectionMethod::SaisieManuelle,
        &EventContext::new(now, "accueil"),
    ))?;

    let sentinelle = Sentinelle::builder(index.clone(), Arc::new(insi)).build()?;

    // 1. The user opens the file: the call returns at once.
    let opened = sentinelle.open_file(&file.id)?;
    println!(
        "Dossier {} ouvert — {} ({})",
        file.id, opened.display.status_label, opened.display.status
    );
    let BackgroundCheck::Started(ticket) = opened.check else {
        return Err("expected a background INSi check".into());
    };
    println!("Vérification INSi lancée en arrière-plan…");

    // 2. The outcome arrives later (a UI would listen to `sentinelle.subscribe()`).
    let report = ticket.outcome().await;
    println!("Réponse INSi : {}", report.outcome.explanation());
    if let VerificationOutcome::Conclusive { answer, .. } = &report.outcome {
        print!("{}", answer.diff);
    }

    // 3. The user checked the passport: one click.
    let qualified = sentinelle.qualify(
        &file.id,
        QualificationMethod::Document {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        false,
        "dr.martin",
    )?;
    let display = qualified.display();
    println!(
        "{} — INS {} (partageable : {})",
        display.status_label,
        display
            .ins
            .map(|i| format!("{} ({})", i.matricule(), i.oid()))
            .unwrap_or_default(),
        if display.ins_shareable { "oui" } else { "non" }
    );

    // 4. Next opening: nothing to verify any more.
    let again = sentinelle.open_file(&file.id)?;
    assert!(matches!(again.check, BackgroundCheck::NotNeeded));
    println!(
        "Requêtes reçues par le simulateur INSi : {}",
        sim.requests().len()
    );
    Ok(())
}
