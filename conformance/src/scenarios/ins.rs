//! Suite `ins`: the patient identity as the host shows it.
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `ins.display.{provisoire,recuperee,validee,qualifiee}` | SENTINELLE.17, SC.CDA/INT.08 | the open patient file shows, without a click, the identity status the identity really has, and the INS of a qualified identity |
//!
//! | `ins.datamatrix.{found,different-traits,several}` | SENTINELLE.02 | a scanned INS datamatrix finds the file, shows the differing traits, offers the candidates |
//! | `ins.datamatrix.not-found-create` | SENTINELLE.02, SENTINELLE.04 | without file, the creation form is offered pre-filled and saved without retyping (traits, INS, collection method) |
//! | `ins.vitale.{found,several-beneficiaries}` | SENTINELLE.03 | a carte Vitale read asks INSi (`RECVITALE`) and finds the file; several beneficiaries → the user picks one |
//! | `ins.vitale.not-found-create` | SENTINELLE.03, SENTINELLE.04 | without file, INSi's identity is offered pre-filled and saved without retyping |
//! | `ins.background.called-on-opening` | SENTINELLE.05 | opening a non-qualified file sends an INSi traits search, records the call date and result, and calls again at a later opening |
//! | `ins.background.non-blocking` | SENTINELLE.06 | with INSi answering in 3 s, the file opens and its banner reads at once; the outcome and its explanation appear when INSi answers |
//! | `ins.qualification.one-click` | SENTINELLE.07 | refused without an INSi answer; after a conclusive one, one click qualifies with the identity document recorded |
//! | `ins.qualification.liberal-exception` | SENTINELLE.08 | the liberal-practitioner exception qualifies with a high-trust document seen earlier; a driving licence is refused |
//! | `ins.explanations.return-codes` | SENTINELLE.15 | 00, 01, 02, a refused request (`desir_550`) and HTTP 503 are each shown in plain, distinct, non-technical words |
//! | `ins.differences.before-qualification` | SENTINELLE.16 | INSi traits that differ are reported per trait (an INSi-equivalent spelling is not), and block qualification until the user accepts them |
//!
//! The Sentinelle scenarios need the host's [`crate::host::Sentinelle`] area
//! and patient files, and run against the INSi simulator of `segur-ins`
//! ([`InsiSim`]): the host is pointed at it with
//! [`crate::host::Sentinelle::configure_insi`]. Every INSi request and answer
//! is recorded as an exchange in the evidence.

mod sentinelle;

use segur_ins::IdentityStatus;

use super::support::{ALICE, BRUNO, CLAIRE, DENIS, Person, ins_text, patient_file};
use crate::failure::{Failure, ScenarioResult};
use crate::{Error, Registry, RunContext, Scenario};

pub use sentinelle::InsiSim;

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("ins", "INS and identity")?;
    let mut display = suite.group("display", "Identity status shown without a click")?;
    for (name, status, person) in [
        ("provisoire", IdentityStatus::Provisoire, DENIS),
        ("recuperee", IdentityStatus::Recuperee, CLAIRE),
        ("validee", IdentityStatus::Validee, BRUNO),
        ("qualifiee", IdentityStatus::Qualifiee, ALICE),
    ] {
        display.add(
            Scenario::new(
                name,
                format!(
                    "The patient file shows the status \u{ab} {} \u{bb} (and the INS when qualified) without a click",
                    status.label()
                ),
                move |ctx| identity_shown(ctx, status, person),
            )
            .requirements(["SENTINELLE.17", "SC.CDA/INT.08"]),
        )?;
    }
    sentinelle::register(&mut suite)?;
    Ok(())
}

async fn identity_shown(ctx: RunContext, status: IdentityStatus, person: Person) -> ScenarioResult {
    let files = ctx.patient_files()?;
    let observations = ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &person, status).await?;
    ctx.step("open the patient file", async {
        Ok(files.open(&file).await?)
    })
    .await?;
    let shown = ctx
        .step("read the identity banner shown without a click", async {
            Ok(observations.identity_display(&file).await?)
        })
        .await?;
    ctx.evidence().note(
        "identity-display",
        format!(
            "truth: status {} ({}), recorded INS {}\nshown: status {} ({}), INS {}",
            identity.status(),
            identity.status().label(),
            identity.recorded_ins().map_or("none".to_owned(), ins_text),
            shown.status,
            shown.status.label(),
            shown.ins.as_ref().map_or("none".to_owned(), ins_text),
        ),
    );
    ctx.step(
        "compare the status shown with the identity's status",
        async {
            if shown.status == identity.status() {
                Ok(())
            } else {
                Err(Failure::check(format!(
                    "the patient file shows \u{ab} {} \u{bb} but the identity is \u{ab} {} \u{bb}",
                    shown.status.label(),
                    identity.status().label()
                )))
            }
        },
    )
    .await?;
    ctx.step("compare the INS shown with the identity's INS", async {
        match (identity.qualified_ins(), shown.ins) {
            (Some(q), Some(s)) if *q.ins() == s => Ok(()),
            (Some(q), Some(s)) => Err(Failure::check(format!(
                "the patient file shows the INS {} but the qualified INS is {}",
                ins_text(&s),
                ins_text(q.ins())
            ))),
            (Some(q), None) => Err(Failure::check(format!(
                "the identity is qualified but its INS {} is not shown",
                ins_text(q.ins())
            ))),
            // Not qualified: an INS shown must be the one recorded, next to
            // the status that says it may not be shared.
            (None, Some(s)) if identity.recorded_ins() != Some(&s) => Err(Failure::check(format!(
                "the patient file shows the INS {}, which is not the identity's",
                ins_text(&s)
            ))),
            (None, _) => Ok(()),
        }
    })
    .await
}
