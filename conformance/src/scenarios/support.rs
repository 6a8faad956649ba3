//! Helpers shared by the built-in scenarios: fictitious patients and
//! identities, document fetching and validation with evidence, login steps.

use segur_cda::Document;
use segur_cda::validate::Report;
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent,
    IdentityStatus, Ins, InsOid, Nir, Sex, Traits,
};
use segur_ssi::AuthError;
use segur_ssi::account::AccountId;

use crate::RunContext;
use crate::evidence::Payload;
use crate::failure::{Failure, OrFail, ScenarioResult};
use crate::host::{Decision, DocumentRef, Documents, LoginOutcome, PatientFileRef};

/// The user recorded in the identity evidence the scenarios build.
pub(crate) const ACTOR: &str = "segur-conformance";

/// A fictitious person (valid NIR key, made-up traits).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Person {
    pub family: &'static str,
    pub given: &'static str,
    pub birth_date: &'static str,
    pub sex: Sex,
    pub birth_place: &'static str,
    /// The 13 first characters of the NIR; the key is computed.
    pub nir_base: &'static str,
}

pub(crate) const ALICE: Person = Person {
    family: "CONFORMITE",
    given: "ALICE MARIE",
    birth_date: "1980-04-15",
    sex: Sex::Female,
    birth_place: "75112",
    nir_base: "2800475112014",
};

pub(crate) const BRUNO: Person = Person {
    family: "ESSAI-SEGUR",
    given: "BRUNO",
    birth_date: "1972-05-03",
    sex: Sex::Male,
    birth_place: "69123",
    nir_base: "1720569123045",
};

pub(crate) const CLAIRE: Person = Person {
    family: "TESTIDENTITE",
    given: "CLAIRE LOUISE",
    birth_date: "1995-02-21",
    sex: Sex::Female,
    birth_place: "31555",
    nir_base: "2950231555071",
};

pub(crate) const DENIS: Person = Person {
    family: "FICTIF",
    given: "DENIS",
    birth_date: "1965-08-30",
    sex: Sex::Male,
    birth_place: "13055",
    nir_base: "1650813055032",
};

impl Person {
    /// The strict traits.
    pub fn traits(&self) -> ScenarioResult<Traits> {
        Traits::builder()
            .birth_family_name(self.family)
            .birth_given_names(self.given)
            .birth_date(BirthDate::parse(self.birth_date).or_fail("fictitious birth date")?)
            .sex(self.sex)
            .birth_place(self.birth_place)
            .build()
            .map_err(|e| Failure::internal(format!("fictitious traits: {e}")))
    }

    /// The INS under the test OID.
    pub fn ins(&self) -> ScenarioResult<Ins> {
        let nir = Nir::from_base(self.nir_base)
            .map_err(|e| Failure::internal(format!("fictitious NIR: {e}")))?;
        Ok(Ins::new(nir, InsOid::Test))
    }

    /// An identity with the given RNIV status, built with the events that
    /// lead to it (INSi answer, identity document check).
    pub fn identity(&self, ctx: &RunContext, status: IdentityStatus) -> ScenarioResult<Identity> {
        let now = ctx.now();
        let ev = EventContext::new(now, ACTOR);
        let mut id = Identity::new(self.traits()?, CollectionMethod::SaisieManuelle, &ev);
        let apply = |id: &mut Identity, event: IdentityEvent| {
            id.apply(event, &ev)
                .map(|_| ())
                .map_err(|e| Failure::internal(format!("fictitious identity: {e}")))
        };
        if matches!(
            status,
            IdentityStatus::Recuperee | IdentityStatus::Qualifiee
        ) {
            apply(
                &mut id,
                IdentityEvent::InsiSuccess {
                    ins: self.ins()?,
                    traits: self.traits()?,
                },
            )?;
        }
        if matches!(status, IdentityStatus::Validee | IdentityStatus::Qualifiee) {
            apply(
                &mut id,
                IdentityEvent::DocumentChecked {
                    document: IdentityDocumentType::CarteNationaleIdentite,
                    exception: None,
                },
            )?;
        }
        if id.status() != status {
            return Err(Failure::internal(format!(
                "fictitious identity ended {} instead of {}",
                id.status(),
                status
            )));
        }
        Ok(id)
    }
}

/// Creates a patient file for `person` with the given status.
pub(crate) async fn patient_file(
    ctx: &RunContext,
    person: &Person,
    status: IdentityStatus,
) -> ScenarioResult<(PatientFileRef, Identity)> {
    let files = ctx.patient_files()?;
    let identity = person.identity(ctx, status)?;
    let file = ctx
        .step(
            format!(
                "create the patient file of {} {} ({})",
                person.family,
                person.given,
                status.label()
            ),
            async { Ok(files.create(&identity).await?) },
        )
        .await?;
    Ok((file, identity))
}

/// A document held by the host, parsed.
pub(crate) struct Held {
    pub reference: DocumentRef,
    pub xml: Vec<u8>,
    pub document: Document,
}

/// Fetches and parses a document of the host.
pub(crate) async fn fetch(docs: &dyn Documents, reference: &DocumentRef) -> ScenarioResult<Held> {
    let xml = docs.content(reference).await?;
    let document = Document::parse(xml.clone()).map_err(|e| {
        Failure::check(format!(
            "document {reference} is not a readable CDA document: {e}"
        ))
    })?;
    Ok(Held {
        reference: reference.clone(),
        xml,
        document,
    })
}

/// Records a produced document and its native validation report as
/// evidence, and fails on any error-level finding.
pub(crate) fn record_and_validate(
    ctx: &RunContext,
    name: &str,
    held: &Held,
) -> ScenarioResult<Report> {
    ctx.evidence()
        .document(&format!("{name}.xml"), Payload::xml(held.xml.clone()));
    let report = held.document.validate();
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    ctx.evidence().validation_report(
        &format!("{name}-native-validation.json"),
        Payload::json(json),
    );
    let errors: Vec<String> = report.errors().map(|f| f.to_string()).collect();
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(Failure::check(format!(
            "document {} breaks {} CI-SIS rule(s): {}",
            held.reference,
            errors.len(),
            errors.join("; ")
        )))
    }
}

/// A login id, parsed.
pub(crate) fn login_id(s: &str) -> ScenarioResult<AccountId> {
    AccountId::parse(s).map_err(|e| Failure::internal(format!("login {s:?}: {e}")))
}

/// Expects the host to have decided `Ok`.
pub(crate) fn accepted<T>(what: &str, decision: Decision<T>) -> ScenarioResult<T> {
    decision.map_err(|e| Failure::check(format!("{what}: the host refused: {e}")))
}

/// Expects the host to have refused, and returns the reason.
pub(crate) fn refused<T>(what: &str, decision: Decision<T>) -> ScenarioResult<AuthError> {
    match decision {
        Ok(_) => Err(Failure::check(format!("{what}: the host accepted it"))),
        Err(e) => Ok(e),
    }
}

/// Expects a logged-in outcome.
pub(crate) fn logged_in(
    what: &str,
    outcome: LoginOutcome,
) -> ScenarioResult<crate::host::SessionRef> {
    match outcome {
        LoginOutcome::LoggedIn(s) => Ok(s),
        other => Err(Failure::check(format!(
            "{what}: expected the user to be logged in, got {}",
            describe(&other)
        ))),
    }
}

/// A short description of a login outcome for messages.
pub(crate) fn describe(outcome: &LoginOutcome) -> String {
    match outcome {
        LoginOutcome::LoggedIn(s) => format!("logged in (session {s})"),
        LoginOutcome::SecondFactorRequired(_) => "a second factor asked".to_owned(),
        LoginOutcome::LinkConfirmationRequired(_) => {
            "a local password asked to link the PSC identity".to_owned()
        }
        LoginOutcome::Refused(e) => format!("refused: {e}"),
        LoginOutcome::PscRefused(m) => format!("refused by the PSC login: {m}"),
    }
}

/// An INS for messages: matricule and OID.
pub(crate) fn ins_text(ins: &Ins) -> String {
    format!("{} ({})", ins.matricule(), ins.oid().as_str())
}
