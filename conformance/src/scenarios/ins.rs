//! Suite `ins`: the patient identity as the host shows it.
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `ins.display.{provisoire,recuperee,validee,qualifiee}` | SENTINELLE.17, SC.CDA/INT.08 | the open patient file shows, without a click, the identity status the identity really has, and the INS of a qualified identity |
//!
//! The INSi / Sentinelle workflows (SENTINELLE.02–08, .15, .16) are added
//! with the Sentinelle workflows of `segur-ins`.

use segur_ins::IdentityStatus;

use super::support::{ALICE, BRUNO, CLAIRE, DENIS, Person, ins_text, patient_file};
use crate::failure::{Failure, ScenarioResult};
use crate::{Error, Registry, RunContext, Scenario};

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
