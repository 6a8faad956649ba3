//! The Sentinelle scenarios of suite `ins`, against the INSi simulator of
//! `segur-ins` ([`InsiSim`]). See the table in the parent module.

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use segur_ins::insi::sim::{InsiSimulator, RecordedRequest, SimAnswer, SimBehaviour, SimIdentity};
use segur_ins::insi::soap::ReceivedQuery;
use segur_ins::insi::{InsiIdentity, InsiOutcome, LunarDate, ReturnedTraits, SharedClock};
use segur_ins::sentinelle::{
    CallResult, QualificationError, QualificationMethod, VitaleBeneficiary, VitaleCard,
};
use segur_ins::{
    CollectionMethod, EvidenceKind, Identity, IdentityDocumentType, IdentityStatus, Sex,
    TraitField, TransitionError,
};

use super::super::support::{Person, ins_text, patient_file};
use crate::evidence::Payload;
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{InsiDisplay, InsiSetup, LookupOutcome, PatientFileRef, Sentinelle};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, RunContext, Scenario};

/// The INSi simulator of `segur-ins` as a simulated service: loopback
/// HTTP, the scenario's clock, an empty identity base (scenarios add
/// theirs), the default software authorisation number.
pub struct InsiSim {
    sim: InsiSimulator,
    env: ServiceEnv,
    /// Arrival number of the last request recorded as evidence.
    recorded_up_to: Mutex<u64>,
}

impl std::fmt::Debug for InsiSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsiSim")
            .field("url", &self.sim.url())
            .finish_non_exhaustive()
    }
}

impl SimulatedService for InsiSim {
    const NAME: &'static str = "insi";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let clock: SharedClock = std::sync::Arc::new(env.clock().clone());
        let sim = InsiSimulator::builder()
            .clock(clock)
            .start()
            .await
            .map_err(|e| Failure::service(e.to_string()))?;
        Ok(InsiSim {
            sim,
            env,
            recorded_up_to: Mutex::new(0),
        })
    }
}

impl InsiSim {
    /// The running simulator (identity base, scripted behaviours, requests).
    pub fn simulator(&self) -> &InsiSimulator {
        &self.sim
    }

    /// The setup a host needs to reach it.
    pub fn setup(&self) -> InsiSetup {
        InsiSetup::new(self.sim.url(), InsiSimulator::DEFAULT_IDAM)
    }

    /// Records the answered requests not recorded yet as evidence exchanges.
    pub fn record_exchanges(&self) {
        let mut up_to = self
            .recorded_up_to
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for r in self.sim.requests() {
            if r.seq <= *up_to || r.answer == SimAnswer::Pending {
                continue;
            }
            *up_to = r.seq;
            let operation = match &r.parsed {
                Ok(p) => match p.query {
                    ReceivedQuery::Traits { .. } => "RECSANSVITALE",
                    ReceivedQuery::Vitale { .. } => "RECVITALE",
                },
                Err(_) => "unreadable request",
            };
            self.env.record_exchange(
                &format!("POST {operation} → {}", answer_text(&r.answer)),
                Payload::xml(r.body.clone().into_bytes()),
                r.response_body
                    .clone()
                    .map(|b| Payload::xml(b.into_bytes())),
            );
        }
    }
}

fn answer_text(a: &SimAnswer) -> String {
    match a {
        SimAnswer::Result(code) => code.code().to_owned(),
        SimAnswer::Fault(code) => format!("fault {code}"),
        SimAnswer::HttpStatus(s) => format!("HTTP {s}"),
        SimAnswer::Raw => "raw".to_owned(),
        SimAnswer::Pending => "pending".to_owned(),
        _ => "other".to_owned(),
    }
}

// --- fictitious people of these scenarios (valid NIR keys) -----------------

const EMILE: Person = Person {
    family: "SENTINELLE",
    given: "EMILE JEAN",
    birth_date: "1988-06-12",
    sex: Sex::Male,
    birth_place: "33063",
    nir_base: "1880633063027",
};

const FANNY: Person = Person {
    family: "VERIFINSI",
    given: "FANNY",
    birth_date: "1991-11-02",
    sex: Sex::Female,
    birth_place: "59350",
    nir_base: "2911159350018",
};

const GASTON: Person = Person {
    family: "QUALIFINSI",
    given: "GASTON",
    birth_date: "1959-01-20",
    sex: Sex::Male,
    birth_place: "67482",
    nir_base: "1590167482044",
};

const HELENE: Person = Person {
    family: "ESSAI-INSI",
    given: "HELENE",
    birth_date: "1983-09-09",
    sex: Sex::Female,
    birth_place: "13055",
    nir_base: "2830913055061",
};

const IRENE: Person = Person {
    family: "EXPLIQUINSI",
    given: "IRENE",
    birth_date: "1977-03-28",
    sex: Sex::Female,
    birth_place: "44109",
    nir_base: "2770344109052",
};

/// How long a scenario waits for the host's background work.
const PATIENCE: Duration = Duration::from_secs(10);
/// The INSi answer delay of the non-blocking scenario.
const SLOW_INSI: Duration = Duration::from_secs(3);
/// What "at once" means for opening a file or reading its banner.
const AT_ONCE: Duration = Duration::from_millis(1500);

/// Registers the Sentinelle groups into the `ins` suite.
pub(super) fn register(suite: &mut crate::model::SuiteBuilder<'_>) -> Result<(), Error> {
    let mut lookup = suite.group("datamatrix", "Find a patient file from an INS datamatrix")?;
    lookup.add(
        Scenario::new(
            "found",
            "A scanned datamatrix opens the matching file",
            dm_found,
        )
        .requirement("SENTINELLE.02"),
    )?;
    lookup.add(
        Scenario::new(
            "different-traits",
            "A scanned datamatrix whose traits differ from the file is shown with the differing traits",
            dm_different,
        )
        .requirement("SENTINELLE.02"),
    )?;
    lookup.add(
        Scenario::new(
            "several",
            "A scanned datamatrix matching several files lets the user pick one",
            dm_several,
        )
        .requirement("SENTINELLE.02"),
    )?;
    lookup.add(
        Scenario::new(
            "not-found-create",
            "A scanned datamatrix without file offers a pre-filled creation, saved without retyping",
            dm_not_found_create,
        )
        .requirements(["SENTINELLE.02", "SENTINELLE.04"]),
    )?;

    let mut vitale = suite.group("vitale", "Find a patient file from a carte Vitale")?;
    vitale.add(
        Scenario::new(
            "found",
            "A carte Vitale read finds the beneficiary's file through INSi",
            vitale_found,
        )
        .requirement("SENTINELLE.03"),
    )?;
    vitale.add(
        Scenario::new(
            "not-found-create",
            "A carte Vitale without file offers the INSi identity pre-filled, saved without retyping",
            vitale_not_found_create,
        )
        .requirements(["SENTINELLE.03", "SENTINELLE.04"]),
    )?;
    vitale.add(
        Scenario::new(
            "several-beneficiaries",
            "A carte Vitale with several beneficiaries lets the user pick one",
            vitale_several_beneficiaries,
        )
        .requirement("SENTINELLE.03"),
    )?;

    let mut background = suite.group("background", "INSi verification when a file is opened")?;
    background.add(
        Scenario::new(
            "called-on-opening",
            "Opening a file whose identity is not qualified calls INSi, records the call date, and calls again at a later opening",
            called_on_opening,
        )
        .requirement("SENTINELLE.05"),
    )?;
    background.add(
        Scenario::new(
            "non-blocking",
            "The file opens at once while INSi is slow; the outcome is shown when it arrives",
            non_blocking,
        )
        .requirement("SENTINELLE.06")
        .timeout(Duration::from_secs(40)),
    )?;

    let mut qualification = suite.group("qualification", "One-click qualification")?;
    qualification.add(
        Scenario::new(
            "one-click",
            "After a conclusive INSi answer the identity is qualified in one click with the identity document recorded; without an answer it is refused",
            one_click,
        )
        .requirement("SENTINELLE.07"),
    )?;
    qualification.add(
        Scenario::new(
            "liberal-exception",
            "The RNIV exception of liberal practitioners qualifies in one click with a high-trust document seen earlier; a weaker document is refused",
            liberal_exception,
        )
        .requirement("SENTINELLE.08"),
    )?;

    let mut explanations = suite.group("explanations", "INSi outcomes explained to the user")?;
    explanations.add(
        Scenario::new(
            "return-codes",
            "Each INSi outcome (00, 01, 02, refused request, service down) is shown in plain words, distinct from the others",
            explanations_shown,
        )
        .requirement("SENTINELLE.15")
        .timeout(Duration::from_secs(60)),
    )?;

    let mut differences = suite.group("differences", "Traits differences before qualification")?;
    differences.add(
        Scenario::new(
            "before-qualification",
            "Traits differing from INSi's are reported per trait (INSi equivalences ignored) and block qualification until accepted",
            differences_reported,
        )
        .requirement("SENTINELLE.16"),
    )?;
    Ok(())
}

// --- helpers -----------------------------------------------------------------

/// Starts the simulator with `people` in its base and points the host at it.
async fn setup<'c>(
    ctx: &'c RunContext,
    people: &[Person],
) -> ScenarioResult<(std::sync::Arc<InsiSim>, &'c dyn Sentinelle)> {
    let sentinelle = ctx.sentinelle()?;
    let insi = ctx.service::<InsiSim>().await?;
    for p in people {
        insi.simulator()
            .add_identity(SimIdentity::from_traits(&p.ins()?, &p.traits()?));
    }
    ctx.step("point the host at the INSi simulator", async {
        Ok(sentinelle.configure_insi(insi.setup()).await?)
    })
    .await?;
    Ok((insi, sentinelle))
}

/// The text a datamatrix scanner gives for the documents of `person`
/// (written by another professional, for whom the identity is qualified).
fn scanned_datamatrix(ctx: &RunContext, person: &Person) -> ScenarioResult<Vec<u8>> {
    let identity = person.identity(ctx, IdentityStatus::Qualifiee)?;
    let payload = segur_ins::datamatrix::Payload::from_identity(&identity)
        .map_err(|e| Failure::internal(format!("datamatrix payload: {e}")))?;
    Ok(payload.serialize().into_bytes())
}

fn describe(outcome: &LookupOutcome) -> String {
    match outcome {
        LookupOutcome::Found(f) => format!("the file {f} found"),
        LookupOutcome::FoundWithDifferences {
            file,
            differing_traits,
            other_ins,
        } => format!(
            "the file {file} found with differing traits {differing_traits:?}{}",
            if *other_ins { " and another INS" } else { "" }
        ),
        LookupOutcome::NotFound(Some(_)) => "no file, a pre-filled creation offered".to_owned(),
        LookupOutcome::NotFound(None) => "no file, no pre-filled creation".to_owned(),
        LookupOutcome::Several(files) => format!("several files {files:?}"),
        LookupOutcome::ChooseBeneficiary(b) => format!("a choice among {} beneficiaries", b.len()),
    }
}

async fn scan(
    ctx: &RunContext,
    sentinelle: &dyn Sentinelle,
    person: &Person,
) -> ScenarioResult<LookupOutcome> {
    let text = scanned_datamatrix(ctx, person)?;
    ctx.evidence().note(
        "scanned-datamatrix",
        String::from_utf8_lossy(&text).into_owned(),
    );
    ctx.step(
        format!(
            "scan the INS datamatrix of {} {}",
            person.family, person.given
        ),
        async { Ok(sentinelle.find_by_datamatrix(&text).await?) },
    )
    .await
}

fn beneficiary(
    person: &Person,
    ouvrant_droit: &Person,
    rank: u8,
) -> ScenarioResult<VitaleBeneficiary> {
    let traits = person.traits()?;
    Ok(VitaleBeneficiary {
        individual: Some(*person.ins()?.matricule()),
        ouvrant_droit: *ouvrant_droit.ins()?.matricule(),
        family_name: traits.birth_family_name().clone(),
        given_name: Some(traits.first_given_name().clone()),
        birth_date: LunarDate::from_birth_date(traits.birth_date()),
        birth_rank: rank,
    })
}

/// Adds `person` to the simulator's base with a carte Vitale link.
fn add_vitale_identity(
    insi: &InsiSim,
    person: &Person,
    ouvrant_droit: &Person,
    rank: u8,
) -> ScenarioResult {
    let od = ouvrant_droit.ins()?.matricule().to_string();
    insi.simulator().add_identity(
        SimIdentity::from_traits(&person.ins()?, &person.traits()?).with_vitale(&od, rank),
    );
    Ok(())
}

async fn open(ctx: &RunContext, file: &PatientFileRef) -> ScenarioResult {
    let files = ctx.patient_files()?;
    ctx.step(format!("open the patient file {file}"), async {
        match tokio::time::timeout(AT_ONCE, files.open(file)).await {
            Ok(r) => Ok(r?),
            Err(_) => Err(Failure::check(format!(
                "the patient file did not open within {} ms: the host waits for INSi instead of verifying in the background",
                AT_ONCE.as_millis()
            ))),
        }
    })
    .await
}

async fn banner(sentinelle: &dyn Sentinelle, file: &PatientFileRef) -> ScenarioResult<InsiDisplay> {
    match tokio::time::timeout(AT_ONCE, sentinelle.insi_display(file)).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(Failure::check(format!(
            "the file {file} could not show its INSi state within {} ms (blocked by the INSi call)",
            AT_ONCE.as_millis()
        ))),
    }
}

/// Waits until the file shows the result of an INSi call made at or after
/// `since` (and no verification is running).
async fn wait_for_result(
    ctx: &RunContext,
    sentinelle: &dyn Sentinelle,
    file: &PatientFileRef,
    since: time::OffsetDateTime,
) -> ScenarioResult<InsiDisplay> {
    ctx.step("wait until the file shows the INSi result", async {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let shown = banner(sentinelle, file).await?;
            if !shown.running && shown.last_call.as_ref().is_some_and(|c| c.at >= since) {
                return Ok(shown);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Failure::check(format!(
                    "the file {file} shows no INSi result {} s after it was opened (shown: running {}, last call {:?})",
                    PATIENCE.as_secs(),
                    shown.running,
                    shown.last_call
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

async fn waited_requests(insi: &InsiSim, n: usize) -> Vec<RecordedRequest> {
    insi.simulator().wait_for_requests(n, PATIENCE).await
}

async fn identity_of(
    ctx: &RunContext,
    sentinelle: &dyn Sentinelle,
    file: &PatientFileRef,
) -> ScenarioResult<Identity> {
    ctx.step(format!("read the identity of the file {file}"), async {
        Ok(sentinelle.identity(file).await?)
    })
    .await
}

fn has_evidence(identity: &Identity, what: impl Fn(&EvidenceKind) -> bool) -> bool {
    identity.evidence().iter().any(|e| what(&e.kind))
}

async fn qualify(
    ctx: &RunContext,
    sentinelle: &dyn Sentinelle,
    file: &PatientFileRef,
    what: &str,
    method: QualificationMethod,
    accept: bool,
) -> ScenarioResult<Result<(), QualificationError>> {
    ctx.step(what.to_owned(), async {
        Ok(sentinelle.qualify(file, method, accept).await?)
    })
    .await
}

// --- SENTINELLE.02 / .04: datamatrix -----------------------------------------

async fn dm_found(ctx: RunContext) -> ScenarioResult {
    let (_insi, sentinelle) = setup(&ctx, &[]).await?;
    let (file, _) = patient_file(&ctx, &EMILE, IdentityStatus::Recuperee).await?;
    let outcome = scan(&ctx, sentinelle, &EMILE).await?;
    ctx.step("check that the matching file is found", async {
        match outcome {
            LookupOutcome::Found(f) if f == file => Ok(()),
            other => Err(Failure::check(format!(
                "expected the file {file} to be found, got {}",
                describe(&other)
            ))),
        }
    })
    .await
}

async fn dm_different(ctx: RunContext) -> ScenarioResult {
    let (_insi, sentinelle) = setup(&ctx, &[]).await?;
    // The file records FANNY's INS with another birth place.
    let local = Person {
        birth_place: "59183",
        ..FANNY
    };
    let (file, _) = patient_file(&ctx, &local, IdentityStatus::Recuperee).await?;
    let outcome = scan(&ctx, sentinelle, &FANNY).await?;
    ctx.step("check that the file is shown with the differing birth place", async {
        match outcome {
            LookupOutcome::FoundWithDifferences {
                file: f,
                differing_traits,
                ..
            } if f == file => ensure(
                differing_traits.contains(&TraitField::BirthPlace),
                format!(
                    "the birth place differs (file 59183, datamatrix 59350) but the host reports {differing_traits:?}"
                ),
            ),
            other => Err(Failure::check(format!(
                "the file {file} records the scanned INS with another birth place: expected it shown with its differences, got {}",
                describe(&other)
            ))),
        }
    })
    .await
}

async fn dm_several(ctx: RunContext) -> ScenarioResult {
    let (_insi, sentinelle) = setup(&ctx, &[]).await?;
    let (a, _) = patient_file(&ctx, &GASTON, IdentityStatus::Provisoire).await?;
    let (b, _) = patient_file(&ctx, &GASTON, IdentityStatus::Provisoire).await?;
    let outcome = scan(&ctx, sentinelle, &GASTON).await?;
    ctx.step("check that both candidate files are offered", async {
        match outcome {
            LookupOutcome::Several(files) => {
                let got: BTreeSet<_> = files.into_iter().collect();
                ensure_eq(
                    "candidate files",
                    BTreeSet::from([a.clone(), b.clone()]),
                    got,
                )
            }
            other => Err(Failure::check(format!(
                "two files match the scanned traits: expected both offered, got {}",
                describe(&other)
            ))),
        }
    })
    .await
}

async fn dm_not_found_create(ctx: RunContext) -> ScenarioResult {
    let (_insi, sentinelle) = setup(&ctx, &[]).await?;
    let outcome = scan(&ctx, sentinelle, &HELENE).await?;
    let expected_traits = HELENE.traits()?;
    let expected_ins = HELENE.ins()?;
    let offer = ctx
        .step("check that a pre-filled creation is offered", async {
            match outcome {
                LookupOutcome::NotFound(Some(offer)) => {
                    ensure_eq("pre-filled traits", &expected_traits, &offer.traits)?;
                    ensure_eq("pre-filled INS", Some(expected_ins), offer.ins)?;
                    Ok(offer)
                }
                other => Err(Failure::check(format!(
                    "no file matches: expected a pre-filled creation, got {}",
                    describe(&other)
                ))),
            }
        })
        .await?;
    let file = ctx
        .step("save the pre-filled file without typing", async {
            Ok(sentinelle.create_from_offer(&offer.draft).await?)
        })
        .await?;
    let identity = identity_of(&ctx, sentinelle, &file).await?;
    ctx.step("check the file holds the traits and INS read", async {
        ensure_eq(
            "traits of the new file",
            &expected_traits,
            identity.traits(),
        )?;
        ensure_eq(
            "INS recorded on the new file",
            Some(&expected_ins),
            identity.recorded_ins(),
        )?;
        ensure_eq(
            "collection method",
            CollectionMethod::Datamatrix,
            identity.collection_method(),
        )
    })
    .await
}

// --- SENTINELLE.03 / .04: carte Vitale --------------------------------------

async fn vitale_found(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[]).await?;
    add_vitale_identity(&insi, &EMILE, &EMILE, 1)?;
    let (file, _) = patient_file(&ctx, &EMILE, IdentityStatus::Recuperee).await?;
    let card = VitaleCard {
        beneficiaries: vec![beneficiary(&EMILE, &EMILE, 1)?],
    };
    let outcome = ctx
        .step("read the carte Vitale", async {
            Ok(sentinelle.find_by_vitale(&card).await?)
        })
        .await?;
    insi.record_exchanges();
    ctx.step(
        "check INSi was asked with the card data and the file found",
        async {
            let asked = insi.simulator().requests().iter().any(
                |r| matches!(&r.parsed, Ok(p) if matches!(p.query, ReceivedQuery::Vitale { .. })),
            );
            ensure(
                asked,
                "the host did not ask INSi (RECVITALE) with the carte Vitale data",
            )?;
            match outcome {
                LookupOutcome::Found(f) if f == file => Ok(()),
                other => Err(Failure::check(format!(
                    "expected the file {file} of the beneficiary, got {}",
                    describe(&other)
                ))),
            }
        },
    )
    .await
}

async fn vitale_not_found_create(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[]).await?;
    add_vitale_identity(&insi, &GASTON, &GASTON, 1)?;
    let card = VitaleCard {
        beneficiaries: vec![beneficiary(&GASTON, &GASTON, 1)?],
    };
    let outcome = ctx
        .step("read the carte Vitale of a patient without file", async {
            Ok(sentinelle.find_by_vitale(&card).await?)
        })
        .await?;
    insi.record_exchanges();
    let expected = GASTON.traits()?;
    let offer = ctx
        .step(
            "check that the INSi identity is offered pre-filled",
            async {
                match outcome {
                    LookupOutcome::NotFound(Some(offer)) => {
                        ensure_eq("pre-filled traits (INSi's)", &expected, &offer.traits)?;
                        Ok(offer)
                    }
                    other => Err(Failure::check(format!(
                        "no file for the beneficiary: expected a pre-filled creation, got {}",
                        describe(&other)
                    ))),
                }
            },
        )
        .await?;
    let file = ctx
        .step("save the pre-filled file without typing", async {
            Ok(sentinelle.create_from_offer(&offer.draft).await?)
        })
        .await?;
    let identity = identity_of(&ctx, sentinelle, &file).await?;
    let shown = banner(sentinelle, &file).await?;
    ctx.step("check the file holds INSi's traits and its INS is at hand", async {
        ensure_eq("traits of the new file", &expected, identity.traits())?;
        let ins = GASTON.ins()?;
        ensure(
            identity.recorded_ins() == Some(&ins) || shown.qualification_offered,
            format!(
                "the INS {} returned by INSi is neither recorded on the new file nor offered for qualification",
                ins_text(&ins)
            ),
        )
    })
    .await
}

async fn vitale_several_beneficiaries(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[]).await?;
    // FANNY is a beneficiary on EMILE's card (rank 2).
    add_vitale_identity(&insi, &EMILE, &EMILE, 1)?;
    add_vitale_identity(&insi, &FANNY, &EMILE, 2)?;
    let (fanny_file, _) = patient_file(&ctx, &FANNY, IdentityStatus::Recuperee).await?;
    let fanny = beneficiary(&FANNY, &EMILE, 2)?;
    let card = VitaleCard {
        beneficiaries: vec![beneficiary(&EMILE, &EMILE, 1)?, fanny.clone()],
    };
    let outcome = ctx
        .step("read a carte Vitale with two beneficiaries", async {
            Ok(sentinelle.find_by_vitale(&card).await?)
        })
        .await?;
    ctx.step("check the user is asked to pick a beneficiary", async {
        match outcome {
            LookupOutcome::ChooseBeneficiary(b) => ensure_eq("beneficiaries offered", 2, b.len()),
            other => Err(Failure::check(format!(
                "the card holds two beneficiaries: expected a choice, got {}",
                describe(&other)
            ))),
        }
    })
    .await?;
    let picked = ctx
        .step("pick the second beneficiary", async {
            Ok(sentinelle.find_by_vitale_beneficiary(&fanny).await?)
        })
        .await?;
    insi.record_exchanges();
    ctx.step("check the picked beneficiary's file is found", async {
        match picked {
            LookupOutcome::Found(f) if f == fanny_file => Ok(()),
            other => Err(Failure::check(format!(
                "expected the file {fanny_file} of the picked beneficiary, got {}",
                describe(&other)
            ))),
        }
    })
    .await
}

// --- SENTINELLE.05 / .06: background verification -----------------------------

async fn called_on_opening(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[FANNY]).await?;
    let (file, _) = patient_file(&ctx, &FANNY, IdentityStatus::Provisoire).await?;
    let opened_at = ctx.now();
    open(&ctx, &file).await?;
    let requests = ctx
        .step("wait for the INSi request", async {
            let r = waited_requests(&insi, 1).await;
            ensure(
                !r.is_empty(),
                format!(
                    "INSi received no request within {} s after the file of a non-qualified identity (Identité provisoire) was opened",
                    PATIENCE.as_secs()
                ),
            )?;
            Ok(r)
        })
        .await?;
    ctx.step("check it is a traits search for this patient", async {
        match &requests[0].parsed {
            Ok(p) => match &p.query {
                ReceivedQuery::Traits {
                    birth_family_name, ..
                } => ensure_eq(
                    "NomNaissance searched",
                    Some(FANNY.family),
                    birth_family_name.as_deref(),
                ),
                ReceivedQuery::Vitale { .. } => Err(Failure::check(
                    "the host sent a carte Vitale search (RECVITALE) without a card",
                )),
            },
            Err(e) => Err(Failure::check(format!(
                "the INSi request is not readable: {e}"
            ))),
        }
    })
    .await?;
    let shown = wait_for_result(&ctx, sentinelle, &file, opened_at).await?;
    insi.record_exchanges();
    ctx.step(
        "check the call date and result are recorded on the file",
        async {
            let call = shown
                .last_call
                .or_fail("the INSi call recorded on the file")?;
            ensure_eq("date of the INSi call", opened_at, call.at)?;
            ensure_eq("result recorded", CallResult::Found, call.result)
        },
    )
    .await?;
    ctx.clock().advance(Duration::from_secs(24 * 3600));
    let reopened_at = ctx.now();
    let before = insi.simulator().received_count();
    open(&ctx, &file).await?;
    ctx.step("check that opening the file the next day calls INSi again", async {
        let r = waited_requests(&insi, before as usize + 1).await;
        ensure(
            r.len() as u64 > before,
            "the file (still not qualified) was opened again the next day but INSi was not called",
        )
    })
    .await?;
    wait_for_result(&ctx, sentinelle, &file, reopened_at).await?;
    insi.record_exchanges();
    Ok(())
}

async fn non_blocking(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[GASTON]).await?;
    insi.simulator()
        .set_default_behaviour(SimBehaviour::slow(SLOW_INSI));
    let (file, _) = patient_file(&ctx, &GASTON, IdentityStatus::Provisoire).await?;
    let opened_at = ctx.now();
    open(&ctx, &file).await?;
    ctx.step("check the file opened before INSi answered", async {
        let answered = insi
            .simulator()
            .requests()
            .iter()
            .filter(|r| r.answer != SimAnswer::Pending)
            .count();
        ensure_eq("INSi answers received before the file opened", 0, answered)
    })
    .await?;
    ctx.step("read the banner while INSi has not answered", async {
        let shown = banner(sentinelle, &file).await?;
        ensure(
            shown.last_call.is_none_or(|c| c.at < opened_at) || shown.running,
            "the banner shows an INSi result before INSi answered",
        )
    })
    .await?;
    let shown = wait_for_result(&ctx, sentinelle, &file, opened_at).await?;
    insi.record_exchanges();
    ctx.step("check the outcome is shown with its explanation", async {
        let call = shown
            .last_call
            .or_fail("the INSi call recorded on the file")?;
        ensure_eq("result shown", CallResult::Found, call.result)?;
        let text = shown.explanation.unwrap_or_default();
        ensure(
            !text.trim().is_empty(),
            "the INSi outcome is recorded but nothing is shown to the user",
        )
    })
    .await
}

// --- SENTINELLE.07 / .08: one-click qualification ----------------------------

/// Opens `file`, waits for the conclusive answer and the offer to qualify.
async fn conclusive_answer(
    ctx: &RunContext,
    sentinelle: &dyn Sentinelle,
    file: &PatientFileRef,
) -> ScenarioResult {
    let opened_at = ctx.now();
    open(ctx, file).await?;
    let shown = wait_for_result(ctx, sentinelle, file, opened_at).await?;
    ctx.step("check the one-click qualification is offered", async {
        ensure(
            shown.qualification_offered,
            "INSi answered 00 with the file's traits but the one-click qualification is not offered",
        )
    })
    .await
}

async fn one_click(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[EMILE]).await?;
    let (file, _) = patient_file(&ctx, &EMILE, IdentityStatus::Provisoire).await?;
    let refused = qualify(
        &ctx,
        sentinelle,
        &file,
        "qualify before any INSi answer",
        QualificationMethod::Document {
            document: IdentityDocumentType::CarteNationaleIdentite,
            exception: None,
        },
        false,
    )
    .await?;
    ctx.step(
        "check the qualification was refused, the file unchanged",
        async {
            ensure(
                matches!(refused, Err(QualificationError::NoInsiAnswer)),
                format!(
                    "qualifying without a conclusive INSi answer must be refused (got {refused:?})"
                ),
            )?;
            let identity = sentinelle.identity(&file).await?;
            ensure_eq("status", IdentityStatus::Provisoire, identity.status())
        },
    )
    .await?;
    conclusive_answer(&ctx, sentinelle, &file).await?;
    let done = qualify(
        &ctx,
        sentinelle,
        &file,
        "qualify in one click with the carte nationale d'identité seen",
        QualificationMethod::Document {
            document: IdentityDocumentType::CarteNationaleIdentite,
            exception: None,
        },
        false,
    )
    .await?;
    insi.record_exchanges();
    let identity = identity_of(&ctx, sentinelle, &file).await?;
    ctx.step(
        "check the identity is qualified with the document recorded",
        async {
            done.map_err(|e| Failure::check(format!("the host refused the qualification: {e}")))?;
            ensure_eq("status", IdentityStatus::Qualifiee, identity.status())?;
            ensure_eq("INS", Some(&EMILE.ins()?), identity.recorded_ins())?;
            ensure_eq(
                "identity document recorded",
                Some(IdentityDocumentType::CarteNationaleIdentite),
                identity.document_check().map(|d| d.document),
            )?;
            ensure(
                has_evidence(&identity, |k| {
                    matches!(
                        k,
                        EvidenceKind::DocumentChecked {
                            document: IdentityDocumentType::CarteNationaleIdentite,
                            ..
                        }
                    )
                }),
                "the evidence history does not record the identity document check",
            )
        },
    )
    .await
}

async fn liberal_exception(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[GASTON]).await?;
    let (file, _) = patient_file(&ctx, &GASTON, IdentityStatus::Provisoire).await?;
    conclusive_answer(&ctx, sentinelle, &file).await?;
    let seen_at = ctx.now() - time::Duration::days(400);
    let weak = qualify(
        &ctx,
        sentinelle,
        &file,
        "use the exception with a driving licence seen earlier",
        QualificationMethod::LiberalPractitionerException {
            document: IdentityDocumentType::PermisConduire,
            originally_checked_at: seen_at,
        },
        false,
    )
    .await?;
    ctx.step("check a document that is not high trust is refused", async {
        ensure(
            matches!(
                weak,
                Err(QualificationError::Refused(TransitionError::DocumentNotHighTrust { .. }))
            ),
            format!("a driving licence is not a high-trust document: the exception must be refused (got {weak:?})"),
        )?;
        let identity = sentinelle.identity(&file).await?;
        ensure(
            identity.status() != IdentityStatus::Qualifiee,
            "the identity was qualified with a driving licence",
        )
    })
    .await?;
    let done = qualify(
        &ctx,
        sentinelle,
        &file,
        "use the exception with the passport seen at an earlier encounter",
        QualificationMethod::LiberalPractitionerException {
            document: IdentityDocumentType::Passeport,
            originally_checked_at: seen_at,
        },
        false,
    )
    .await?;
    insi.record_exchanges();
    let identity = identity_of(&ctx, sentinelle, &file).await?;
    ctx.step("check the identity is qualified through the exception", async {
        done.map_err(|e| Failure::check(format!("the host refused the exception: {e}")))?;
        ensure_eq("status", IdentityStatus::Qualifiee, identity.status())?;
        ensure(
            has_evidence(&identity, |k| {
                matches!(k, EvidenceKind::LiberalPractitionerException { document: IdentityDocumentType::Passeport, originally_checked_at } if *originally_checked_at == seen_at)
            }),
            "the evidence history does not record the liberal-practitioner exception with the passport and its date",
        )
    })
    .await
}

// --- SENTINELLE.15: explanations ------------------------------------------------

/// An INSi behaviour, its label, and the result the file must record.
type Case = (&'static str, SimBehaviour, fn(&CallResult) -> bool);

async fn explanations_shown(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[IRENE]).await?;
    let cases: [Case; 5] = [
        ("00 (one identity)", SimBehaviour::Answer, |r| {
            *r == CallResult::Found
        }),
        (
            "01 (no identity)",
            SimBehaviour::Result {
                outcome: InsiOutcome::NotFound,
                label: None,
            },
            |r| *r == CallResult::NotFound,
        ),
        (
            "02 (several identities)",
            SimBehaviour::Result {
                outcome: InsiOutcome::Several,
                label: None,
            },
            |r| *r == CallResult::Several,
        ),
        (
            "fault desir_550 (software not authorised)",
            SimBehaviour::fault_unknown_software(None),
            |r| matches!(r, CallResult::Failed { .. }),
        ),
        (
            "HTTP 503 (service down)",
            SimBehaviour::HttpStatus {
                status: 503,
                body: "Service Unavailable".into(),
            },
            |r| matches!(r, CallResult::Failed { .. }),
        ),
    ];
    let mut shown_texts: Vec<(String, String)> = Vec::new();
    for (label, behaviour, expected) in cases {
        insi.simulator().set_default_behaviour(behaviour);
        // A fresh file per outcome (a reopened file would be debounced).
        let (file, _) = patient_file(&ctx, &IRENE, IdentityStatus::Provisoire).await?;
        let opened_at = ctx.now();
        open(&ctx, &file).await?;
        let shown = wait_for_result(&ctx, sentinelle, &file, opened_at).await?;
        insi.record_exchanges();
        let text = ctx
            .step(
                format!("read the explanation shown for INSi {label}"),
                async {
                    let call = shown
                        .last_call
                        .or_fail("the INSi call recorded on the file")?;
                    ensure(
                        expected(&call.result),
                        format!("INSi {label}: the file records {:?}", call.result),
                    )?;
                    let text = shown.explanation.unwrap_or_default();
                    ensure(
                        !text.trim().is_empty(),
                        format!("INSi {label}: no explanation is shown to the user"),
                    )?;
                    let lower = text.to_lowercase();
                    for technical in ["<", "soap", "desir_", "fault"] {
                        ensure(
                            !lower.contains(technical),
                            format!(
                                "INSi {label}: the text shown is technical ({technical:?}): {text}"
                            ),
                        )?;
                    }
                    Ok(text)
                },
            )
            .await?;
        shown_texts.push((label.to_owned(), text));
    }
    ctx.evidence().note(
        "insi-explanations",
        shown_texts
            .iter()
            .map(|(l, t)| format!("{l}: {t}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    ctx.step("check each outcome has its own explanation", async {
        // 00, 01, 02 and a failure must read differently; the two failures may share one.
        for i in 0..4 {
            for j in (i + 1)..4 {
                ensure(
                    shown_texts[i].1 != shown_texts[j].1,
                    format!(
                        "INSi {} and INSi {} are shown with the same text: {}",
                        shown_texts[i].0, shown_texts[j].0, shown_texts[i].1
                    ),
                )?;
            }
        }
        for i in 0..3 {
            ensure(
                shown_texts[i].1 != shown_texts[4].1,
                format!(
                    "INSi {} and INSi {} are shown with the same text",
                    shown_texts[i].0, shown_texts[4].0
                ),
            )?;
        }
        Ok(())
    })
    .await
}

// --- SENTINELLE.16: differences -------------------------------------------------

async fn differences_reported(ctx: RunContext) -> ScenarioResult {
    let (insi, sentinelle) = setup(&ctx, &[]).await?;
    // INSi returns the family name with a space (equivalent to the file's
    // hyphen) and another birth place (a real difference).
    let mut returned = ReturnedTraits::from_traits(&HELENE.traits()?);
    returned.birth_family_name = Some("ESSAI INSI".into());
    returned.birth_place = Some("13201".into());
    let identity = InsiIdentity {
        active: SimIdentity::from_traits(&HELENE.ins()?, &HELENE.traits()?).active,
        history: Vec::new(),
        traits: returned,
    };
    insi.simulator()
        .set_default_behaviour(SimBehaviour::Result {
            outcome: InsiOutcome::Found(Box::new(identity)),
            label: None,
        });
    let (file, _) = patient_file(&ctx, &HELENE, IdentityStatus::Provisoire).await?;
    let opened_at = ctx.now();
    open(&ctx, &file).await?;
    let shown = wait_for_result(&ctx, sentinelle, &file, opened_at).await?;
    insi.record_exchanges();
    ctx.step("check the differing traits reported", async {
        let got: HashSet<_> = shown.differing_traits.iter().copied().collect();
        ensure(
            !got.contains(&TraitField::BirthFamilyName),
            "the birth family name is reported as different, but « ESSAI-INSI » and « ESSAI INSI » are equivalent for INSi",
        )?;
        ensure_eq(
            "traits reported as different (file 13055, INSi 13201)",
            HashSet::from([TraitField::BirthPlace]),
            got,
        )
    })
    .await?;
    let refused = qualify(
        &ctx,
        sentinelle,
        &file,
        "qualify without accepting INSi's traits",
        QualificationMethod::Document {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        false,
    )
    .await?;
    ctx.step("check the qualification is refused, the file unchanged", async {
        ensure(
            matches!(refused, Err(QualificationError::DifferingTraits(_))),
            format!("qualifying with differing traits not accepted must be refused (got {refused:?})"),
        )?;
        let identity = sentinelle.identity(&file).await?;
        ensure_eq("status", IdentityStatus::Provisoire, identity.status())?;
        ensure_eq(
            "birth place on the file",
            Some("13055".to_owned()),
            identity.traits().birth_place().map(|p| p.to_string()),
        )
    })
    .await?;
    let done = qualify(
        &ctx,
        sentinelle,
        &file,
        "accept INSi's traits (the passport confirms them) and qualify",
        QualificationMethod::Document {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        true,
    )
    .await?;
    let identity = identity_of(&ctx, sentinelle, &file).await?;
    ctx.step(
        "check the identity is qualified with INSi's traits",
        async {
            done.map_err(|e| Failure::check(format!("the host refused the qualification: {e}")))?;
            ensure_eq("status", IdentityStatus::Qualifiee, identity.status())?;
            ensure_eq(
                "birth place on the file",
                Some("13201".to_owned()),
                identity.traits().birth_place().map(|p| p.to_string()),
            )
        },
    )
    .await
}
