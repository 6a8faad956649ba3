//! Suite `dmp`: the DMP / Mon espace santé, against the `segur_dmp::sim`
//! simulator started on loopback with the scenario's clock ([`DmpSim`]);
//! every request and response it sees is recorded as evidence, and every
//! check reads what the simulated DMP really received (its registry, its
//! associations, its exchanges) rather than what the host says it did.
//!
//! Documents of other professionals are put in the DMP by the scenario
//! itself, through a `segur_dmp` client acting for a fictitious
//! cardiologist ([`DmpSim::feed_as_correspondent`]).
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `dmp.consent.recorded` | SC.DB/TRA.03 | the patient's information and oppositions are recorded as given, default "nothing collected", every change traced |
//! | `dmp.consent.feeding-opposed` | SC.DMP/CONF.06, SC.DB/TRA.03 | feeding is allowed by default (one submission); when the patient opposed it, the DMP receives nothing and the refusal is traced |
//! | `dmp.consent.consultation` | SC.DMP/CONF.09 | consultation is refused (no query reaches the DMP, refusal traced) unless the patient was informed and did not oppose |
//! | `dmp.consent.notice` | SC.DMP/CONF.11 | the professional is told that DMP accesses are controlled and traced |
//! | `dmp.feeding.systematic` | SC.DMP/ALI/PROG.02 | a produced document of the Ségur perimeter reaches the DMP without any action: exactly one submission, accepted with a signed VIHF, with the document's bytes, patient INS, type, uniqueId, author, and a signature document covering it |
//! | `dmp.feeding.new-version` | SC.DMP/ALI/PROG.02 | a revised document is sent as a new version replacing the first (RPLC, the first deprecated), never as a second document |
//! | `dmp.feeding.held-back` | SC.DMP/ALI/PROG.03 | a document the professional held back is not sent, shows as held, and is sent once released |
//! | `dmp.feeding.queued-when-unavailable` | SC.DMP/ALI/PROG.05, SC.DMP/ALI/PROG.07, SC.DMP/UX.11 | with the DMP down the send waits in the queue, reported pending with its reason, and leaves as soon as the DMP is back |
//! | `dmp.feeding.survives-restart` | SC.DMP/ALI/PROG.06 | a queued send survives a restart of the software and reaches the DMP exactly once |
//! | `dmp.feeding.lost-response` | SC.DMP/ALI/PROG.06 | a send whose answer was lost after the DMP committed it is not sent twice |
//! | `dmp.feeding.failure-reported` | SC.DMP/ALI/PROG.07, SC.DMP/UX.11 | a send the DMP refuses for good (closed DMP) is reported failed with the DMP's reason |
//! | `dmp.history.send-from-history` | SC.DMP/HISTO.03, SC.DMP/HISTO.04, SC.DMP/HISTO.05 | a document of the local file is sent on request with the visibility chosen, tracked as sent, and not sent twice |
//! | `dmp.history.kept` | SC.DMP/HISTO.01, SC.CDA/INT.04 | the file keeps the documents sent to and received from the DMP, with their direction and status |
//! | `dmp.documents.pair-sent-and-deleted` | SC.DMP/CONF.03, SC.CDA/DD.12, SC.CDA/DD.14 | both forms of an N1/N3 pair are sent in one submission linked by XFRM, and deleted together |
//! | `dmp.documents.search` | SC.DMP/UX.17 | a multi-criteria search (type, date, author) returns exactly the DMP documents matching |
//! | `dmp.documents.integrate` | SC.DMP/UX.31, SC.DMP/UX.27, SC.CDA/DD.04, SC.CDA/DD.05 | a DMP document is selected and integrated; the search then shows it already present, integrating it again adds nothing, a newer version is detected; the contextual web DMP link opens the patient's DMP |
//! | `dmp.documents.traces` | SC.DMP/CONF.14, SC.DMP/CONF.15 | every search and retrieval is traced and the traces say who, what document and when |
//! | `dmp.view.status` | SC.DMP/UX.08, SC.DMP/UX.10, SC.DMP/UX.50 | opening a file shows, without a click and without waiting for a slow DMP, whether the patient has a DMP and whether access is authorised |
//! | `dmp.view.synthetic` | SC.DMP/UX.12, SC.DMP/UX.14, SC.DMP/UX.15 | the synthetic view shows the last feeding date and the latest documents of the types the user chose, newest first |
//! | `dmp.kos.rights` | SC.DMP/CONF.05 | an imaging professional publishes a KOS (exactly one submission, described as a KOS: `application/dicom`, classCode `31`, typeCode `IMG-KOS`, the KOS formatCode, its structure, its study); a non-imaging user is refused by the host before anything reaches the DMP, and the refusal is traced; deletion by a non-author of another structure is refused (no deletion reaches the DMP), deletion by the author is done |
//!
//! Not claimed here: SC.DMP/CONF.08 (CNDA homologation: an editor's
//! evidence). The KOS rule itself (which users may feed / delete a KOS, and
//! its UNCONFIRMED parts) is documented in `segur_dmp::rights`.

use std::sync::Arc;
use std::time::Duration;

use segur_cda::body::{Narrative, Section};
use segur_cda::builder::{HeaderBuilder, PatientBuilder, Practitioner, Structure};
use segur_cda::datatypes::{Addr, Code, Telecom};
use segur_cda::versions::DocumentPair;
use segur_cda::vocab::{self, DocumentType, code_system};
use segur_cda::xds::{ASSOCIATION_SIGNS, ASSOCIATION_XFRM, XdsCode};
use segur_cda::{Document, NonXmlBody, StructuredBody};
use segur_dmp::client::{DmpClient, FeedReceipt, LocalServices};
use segur_dmp::consent::{ConsentRecord, ConsentRefusal, SqliteConsentStore};
use segur_dmp::feed::{Feed, SubmissionContext, Visibility, is_signature_entry};
use segur_dmp::history::{
    Direction, HistoryStatus, LocalPresence, SqliteHistory, SyntheticViewConfig,
};
use segur_dmp::patient::AuthorizationStatus;
use segur_dmp::rights::{KosManifest, KosRule};
use segur_dmp::sim::{DmpSimulator, Exchange, ExchangeObserver, Fault, FaultRule, SimEntry};
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_dmp::xds::{
    Availability, FindDocuments, ITI18_ACTION, ITI41_ACTION, ITI43_ACTION, ITI57_ACTION,
};
use segur_ids::{Finess, IdNatPs, IdNatStruct, Rpps, oid};
use segur_ins::{Identity, IdentityStatus, Ins};
use segur_ssi::audit::{AuditRecord, Outcome};

use super::support::{ALICE, BRUNO, CLAIRE, DENIS, Person, fetch, patient_file};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{
    Dmp, DmpRefusal, DmpSetup, DocumentRef, DocumentRequest, ImportOutcome, PatientFileRef,
    ReceivedFile,
};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, Payload, Registry, RunContext, Scenario, VirtualClock};

/// RPPS of the correspondent cardiologist (fictitious, valid Luhn key).
const CORRESPONDENT_RPPS: &str = "10004567896";
/// How long a background refresh may take before a scenario gives up.
const BACKGROUND_WAIT: Duration = Duration::from_secs(5);
/// How long opening a file may take while the DMP is slow.
const OPEN_BUDGET: Duration = Duration::from_millis(1000);
/// How slow the DMP is made in the non-blocking scenario.
const SLOW_DMP: Duration = Duration::from_secs(2);
/// Long enough for any back-off of a send queue (the SDK's caps at 1 h).
const RETRY_LATER: Duration = Duration::from_secs(2 * 3600);

/// The DMP simulator of a scenario, with a client acting for a
/// correspondent (another professional feeding the patient's DMP).
pub struct DmpSim {
    sim: DmpSimulator,
    correspondent: DmpClient,
}

impl std::fmt::Debug for DmpSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmpSim")
            .field("base_url", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

fn exchange_summary(x: &Exchange) -> String {
    let action = x.action.as_deref().unwrap_or("(no SOAP action)");
    let outcome = match x.status {
        Some(s) => s.to_string(),
        None => "no response (connection dropped)".to_owned(),
    };
    format!("POST {} {action} -> {outcome}", x.path)
}

impl SimulatedService for DmpSim {
    const NAME: &'static str = "dmp";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let recorder = env.clone();
        let observer: ExchangeObserver = Arc::new(move |x: &Exchange| {
            recorder.record_exchange(
                &exchange_summary(x),
                Payload::new(x.request.content_type.clone(), x.request.body.clone()),
                x.response
                    .as_ref()
                    .map(|r| Payload::new(r.content_type.clone(), r.body.clone())),
            );
        });
        let sim = DmpSimulator::builder()
            .clock(Arc::new(env.clock().clone()))
            .observer(observer)
            .start()
            .await
            .map_err(|e| Failure::service(format!("DMP simulator: {e}")))?;
        let correspondent = correspondent_client(&sim, env.clock())?;
        Ok(DmpSim { sim, correspondent })
    }
}

fn service<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Failure {
    move |e| Failure::service(format!("{what}: {e}"))
}

/// The correspondent's structure.
fn correspondent_structure() -> ScenarioResult<Structure> {
    let finess = Finess::parse("750001232").or_fail("fictitious FINESS")?;
    Ok(Structure {
        id: IdNatStruct::from_finess(&finess),
        name: "Cabinet de cardiologie de test".into(),
        telecoms: vec![Telecom::phone("0100000000", Some("WP"))],
        addr: Some(Addr::street("8", "Rue des Essais", "75012", "PARIS")),
        facility_type: vocab::facility_cabinet_groupe(),
        practice_setting: vocab::practice_setting_ambulatoire(),
    })
}

/// The correspondent cardiologist (fictitious).
fn correspondent() -> ScenarioResult<Practitioner> {
    let rpps = Rpps::parse(CORRESPONDENT_RPPS).or_fail("fictitious RPPS")?;
    Ok(Practitioner {
        id: IdNatPs::from(rpps),
        prefix: Some("M".into()),
        given: "Paul".into(),
        family: "CARDIO-TEST".into(),
        suffix: Some("DR".into()),
        specialty: Code::new(
            "G15_03",
            &code_system::AUTHOR_SPECIALTY,
            "Médecin - Cardiologie et maladies vasculaires",
        ),
        telecoms: vec![Telecom::phone("0100000000", Some("WP"))],
        structure: correspondent_structure()?,
    })
}

/// A `segur_dmp` client acting for the correspondent, signing its VIHF with
/// a test-PKI certificate of its structure.
fn correspondent_client(sim: &DmpSimulator, clock: &VirtualClock) -> Result<DmpClient, Failure> {
    let now = clock.now();
    let pki = segur_ssi::test_pki::TestPki::generate_at(now).map_err(service("test PKI"))?;
    let structure = correspondent_structure()?.id;
    let cert = pki
        .issue_organisation(&structure, "CABINET DE CARDIOLOGIE DE TEST")
        .map_err(service("structure certificate"))?;
    let identity = cert.identity().map_err(service("structure certificate"))?;
    let signer =
        Arc::new(segur_dmp::XmlSigner::from_identity(&identity).map_err(service("VIHF signer"))?);
    let practitioner = correspondent()?;
    let actor = VihfActor::new(
        practitioner.id.as_str(),
        "CARDIO-TEST Paul",
        structure,
        "SA07",
    )
    .with_role(Role::profession("10", "Médecin"));
    let claims = Vihf::new(
        actor,
        LpsInfo::new(
            "segur-conformance",
            env!("CARGO_PKG_VERSION"),
            "CONFORMITE-0001",
        ),
        AuthenticationMode::IndirecteRenforcee,
        now,
    );
    let audit = Arc::new(segur_ssi::audit::MemoryAuditTrail::new());
    let memory = || rusqlite::Connection::open_in_memory().map_err(service("in-memory store"));
    let local = LocalServices {
        consent: Arc::new(
            SqliteConsentStore::new(memory()?, audit.clone()).map_err(service("consent store"))?,
        ),
        audit,
        scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
        history: Arc::new(SqliteHistory::new(memory()?).map_err(service("history"))?),
    };
    let context = SubmissionContext {
        source_id: oid!("1.2.250.1.999.3.1"),
        content_type_code: XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
    };
    let clock = clock.clone();
    DmpClient::builder(
        &sim.base_url(),
        Arc::new(SignedVihfSource::new(claims, signer.clone())),
        signer,
        local,
        context,
    )
    .clock_fn(move || clock.now())
    .timeout(Duration::from_secs(10))
    .build()
    .map_err(service("correspondent DMP client"))
}

impl DmpSim {
    /// The simulator.
    pub fn simulator(&self) -> &DmpSimulator {
        &self.sim
    }

    /// The setup given to the host.
    pub fn setup(&self) -> DmpSetup {
        DmpSetup::new(self.sim.base_url(), self.sim.web_url())
    }

    /// The correspondent sends a document to the patient's DMP.
    pub async fn feed_as_correspondent(&self, document: &Document) -> ScenarioResult<FeedReceipt> {
        self.correspondent
            .feed(&Feed::document(document.to_xml()))
            .await
            .map_err(|e| Failure::service(format!("the correspondent's feed failed: {e}")))
    }

    /// The documents of the patient in the DMP (every version and status),
    /// signature documents left out.
    pub fn documents(&self, patient: &Ins) -> Vec<SimEntry> {
        self.sim
            .entries(patient)
            .into_iter()
            .filter(|e| !is_signature_entry(&e.entry))
            .collect()
    }

    /// The ITI-41 submissions the DMP refused or did not answer, with the
    /// reason it gave: what a failure message must show.
    fn refused_submissions(&self) -> Vec<String> {
        self.sim
            .exchanges()
            .iter()
            .filter(|x| x.action.as_deref() == Some(ITI41_ACTION) && x.status != Some(200))
            .map(|x| format!("{} ({})", exchange_summary(x), fault_text(x)))
            .collect()
    }

    /// The exchanges with `action` about `patient` (the INS appears in
    /// every patient-scoped request).
    fn exchanges_about(&self, action: &str, patient: &Ins) -> Vec<Exchange> {
        let (_, matricule) = patient.cda_id();
        self.sim
            .exchanges()
            .into_iter()
            .filter(|x| x.action.as_deref() == Some(action))
            .filter(|x| memchr_contains(&x.request.body, matricule.as_bytes()))
            .collect()
    }
}

fn memchr_contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The readable text of a SOAP fault (or of a non-SOAP answer), short.
fn fault_text(x: &Exchange) -> String {
    let Some(r) = &x.response else {
        return "no answer".to_owned();
    };
    let body = String::from_utf8_lossy(&r.body);
    let start = body.find("Fault").unwrap_or(0);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[start..].chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(240).collect()
}

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("dmp", "DMP / Mon espace santé")?;
    {
        let mut g = suite.group("consent", "Patient information and non-opposition")?;
        g.add(
            Scenario::new(
                "recorded",
                "The patient's information and oppositions are recorded and every change traced",
                consent_recorded,
            )
            .requirement("SC.DB/TRA.03"),
        )?;
        g.add(
            Scenario::new(
                "feeding-opposed",
                "Feeding is allowed by default and blocked when the patient opposed it",
                feeding_opposed,
            )
            .requirements(["SC.DMP/CONF.06", "SC.DB/TRA.03"]),
        )?;
        g.add(
            Scenario::new(
                "consultation",
                "Consultation is refused unless the patient was informed and did not oppose",
                consultation,
            )
            .requirement("SC.DMP/CONF.09"),
        )?;
        g.add(
            Scenario::new(
                "notice",
                "The professional is told that DMP accesses are controlled and traced",
                notice,
            )
            .requirement("SC.DMP/CONF.11"),
        )?;
    }
    {
        let mut g = suite.group("feeding", "Systematic feeding and the send queue")?;
        g.add(
            Scenario::new(
                "systematic",
                "A produced document of the Ségur perimeter is sent to the DMP automatically, once, signed, with the right metadata",
                systematic,
            )
            .requirement("SC.DMP/ALI/PROG.02"),
        )?;
        g.add(
            Scenario::new(
                "new-version",
                "A revised document replaces its first version in the DMP (RPLC)",
                new_version,
            )
            .requirement("SC.DMP/ALI/PROG.02"),
        )?;
        g.add(
            Scenario::new(
                "held-back",
                "A document held back by the professional is not sent until released",
                held_back,
            )
            .requirement("SC.DMP/ALI/PROG.03"),
        )?;
        g.add(
            Scenario::new(
                "queued-when-unavailable",
                "With the DMP down the send waits in the queue, reported with its reason, and leaves once the DMP is back",
                queued_when_unavailable,
            )
            .requirements([
                "SC.DMP/ALI/PROG.05",
                "SC.DMP/ALI/PROG.07",
                "SC.DMP/UX.11",
            ]),
        )?;
        g.add(
            Scenario::new(
                "survives-restart",
                "A queued send survives a restart and reaches the DMP exactly once",
                survives_restart,
            )
            .requirement("SC.DMP/ALI/PROG.06"),
        )?;
        g.add(
            Scenario::new(
                "lost-response",
                "A send whose answer was lost after the DMP committed it is not sent twice",
                lost_response,
            )
            .requirement("SC.DMP/ALI/PROG.06"),
        )?;
        g.add(
            Scenario::new(
                "failure-reported",
                "A send the DMP refuses for good is reported failed with the reason",
                failure_reported,
            )
            .requirements(["SC.DMP/ALI/PROG.07", "SC.DMP/UX.11"]),
        )?;
    }
    {
        let mut g = suite.group("history", "History of documents exchanged with the DMP")?;
        g.add(
            Scenario::new(
                "send-from-history",
                "A document of the local file is sent with the visibility chosen, once",
                send_from_history,
            )
            .requirements(["SC.DMP/HISTO.03", "SC.DMP/HISTO.04", "SC.DMP/HISTO.05"]),
        )?;
        g.add(
            Scenario::new(
                "kept",
                "The file keeps the documents sent to and received from the DMP",
                history_kept,
            )
            .requirements(["SC.DMP/HISTO.01", "SC.CDA/INT.04"]),
        )?;
    }
    {
        let mut g = suite.group("documents", "DMP documents")?;
        g.add(
            Scenario::new(
                "pair-sent-and-deleted",
                "Both forms of an N1/N3 pair are sent together (XFRM) and deleted together",
                pair_sent_and_deleted,
            )
            .requirements(["SC.DMP/CONF.03", "SC.CDA/DD.12", "SC.CDA/DD.14"]),
        )?;
        g.add(
            Scenario::new(
                "search",
                "A multi-criteria search returns exactly the matching DMP documents",
                search,
            )
            .requirement("SC.DMP/UX.17"),
        )?;
        g.add(
            Scenario::new(
                "integrate",
                "DMP documents are integrated once, newer versions detected, the web DMP opened in context",
                integrate,
            )
            .requirements([
                "SC.DMP/UX.31",
                "SC.DMP/UX.27",
                "SC.CDA/DD.04",
                "SC.CDA/DD.05",
            ]),
        )?;
        g.add(
            Scenario::new(
                "traces",
                "Every access to DMP documents is traced with who, what and when",
                traces,
            )
            .requirements(["SC.DMP/CONF.14", "SC.DMP/CONF.15"]),
        )?;
    }
    {
        let mut g = suite.group("kos", "Imaging manifests (KOS)")?;
        g.add(
            Scenario::new(
                "rights",
                "Only imaging professionals feed a KOS; only its author (or its structure) deletes it; refusals happen before the DMP and are traced",
                kos_rights,
            )
            .requirement("SC.DMP/CONF.05"),
        )?;
    }
    {
        let mut g = suite.group("view", "What the patient file shows about the DMP")?;
        g.add(
            Scenario::new(
                "status",
                "Opening a file shows whether the patient has a DMP and access is authorised, without waiting for the DMP",
                status,
            )
            .requirements(["SC.DMP/UX.08", "SC.DMP/UX.10", "SC.DMP/UX.50"]),
        )?;
        g.add(
            Scenario::new(
                "synthetic",
                "The synthetic view shows the last feeding and the latest documents of the chosen types",
                synthetic,
            )
            .requirements(["SC.DMP/UX.12", "SC.DMP/UX.14", "SC.DMP/UX.15"]),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Building blocks

/// What most scenarios start from.
struct Setup {
    sim: Arc<DmpSim>,
    /// The professional the host acts for (VIHF NameID).
    actor: String,
}

/// Starts the simulator and points the host at it.
async fn setup(ctx: &RunContext) -> ScenarioResult<Setup> {
    let dmp = ctx.dmp()?;
    let sim = ctx.service::<DmpSim>().await?;
    let actor = ctx
        .step("point the host's DMP client at the simulated DMP", async {
            Ok(dmp.configure(sim.setup()).await?)
        })
        .await?;
    ensure(
        !actor.is_empty(),
        "the host gave no national id for the professional it acts for",
    )?;
    Ok(Setup { sim, actor })
}

/// A patient file with a qualified identity, whose DMP exists (and, when
/// `authorised`, where the host's professional is authorised).
async fn dmp_patient(
    ctx: &RunContext,
    s: &Setup,
    person: &Person,
    authorised: bool,
) -> ScenarioResult<(PatientFileRef, Identity, Ins)> {
    let (file, identity) = patient_file(ctx, person, IdentityStatus::Qualifiee).await?;
    let ins = person.ins()?;
    s.sim.simulator().add_patient(&ins);
    if authorised {
        s.sim.simulator().authorize(&ins, &s.actor);
    }
    Ok((file, identity, ins))
}

fn doc_type(code: &str) -> ScenarioResult<Code> {
    DocumentType::lookup(code, code_system::LOINC.as_str())
        .map(DocumentType::to_code)
        .or_fail(&format!("document type {code}"))
}

fn consultation_request(ctx: &RunContext, title: &str) -> ScenarioResult<DocumentRequest> {
    Ok(DocumentRequest::new(
        doc_type("11488-4")?,
        title,
        ctx.now() - time::Duration::hours(1),
    )
    .paragraph("Consultation de suivi (document fictif de conformité)."))
}

/// The XDS uniqueId (`root^extension`) of a CDA document.
fn unique_id(document: &Document) -> ScenarioResult<String> {
    let id = document.header.id.as_ref().or_fail("the document's id")?;
    match (&id.root, &id.extension) {
        (Some(r), Some(e)) => Ok(format!("{r}^{e}")),
        (Some(r), None) => Ok(r.clone()),
        _ => Err(Failure::check("the document's id has no root")),
    }
}

/// Produces a document in the file; returns its reference, bytes and uniqueId.
async fn produce(
    ctx: &RunContext,
    file: &PatientFileRef,
    request: &DocumentRequest,
) -> ScenarioResult<(DocumentRef, Vec<u8>, String)> {
    let docs = ctx.documents()?;
    let reference = ctx
        .step(
            format!("the professional writes \u{ab} {} \u{bb}", request.title),
            async { Ok(docs.produce(file, request).await?) },
        )
        .await?;
    let held = fetch(docs, &reference).await?;
    let uid = unique_id(&held.document)?;
    Ok((reference, held.xml, uid))
}

async fn process_queue(ctx: &RunContext, dmp: &dyn Dmp, why: &str) -> ScenarioResult {
    ctx.step(format!("the host's send queue runs ({why})"), async {
        Ok(dmp.process_queue().await?)
    })
    .await
}

fn status_of(e: &SimEntry) -> Availability {
    e.entry
        .status
        .as_deref()
        .and_then(Availability::from_urn)
        .unwrap_or(Availability::Approved)
}

/// Expects exactly one live registration of `uid` for the patient.
fn exactly_one(sim: &DmpSim, patient: &Ins, uid: &str, what: &str) -> ScenarioResult<SimEntry> {
    let registered = sim.simulator().registrations(uid);
    let refused = sim.refused_submissions();
    if registered == 0 {
        return Err(Failure::check(if refused.is_empty() {
            format!("{what}: the DMP never received document {uid}")
        } else {
            format!(
                "{what}: the DMP never accepted document {uid}; it refused: {}",
                refused.join("; ")
            )
        }));
    }
    ensure_eq(
        &format!("{what}: registrations of document {uid} in the DMP"),
        1,
        registered,
    )?;
    let same: Vec<SimEntry> = sim
        .documents(patient)
        .into_iter()
        .filter(|e| e.entry.unique_id == uid)
        .collect();
    ensure(
        same.len() == 1,
        format!(
            "{what}: the DMP holds {} entries for document {uid}, expected exactly one",
            same.len()
        ),
    )?;
    same.into_iter().next().or_fail("the registered document")
}

fn expect_refusal<T: std::fmt::Debug>(
    what: &str,
    decision: Result<T, DmpRefusal>,
) -> ScenarioResult<DmpRefusal> {
    match decision {
        Ok(v) => Err(Failure::check(format!(
            "{what}: the host did it ({v:?}) instead of refusing"
        ))),
        Err(r) => Ok(r),
    }
}

fn accepted<T>(what: &str, decision: Result<T, DmpRefusal>) -> ScenarioResult<T> {
    decision.map_err(|r| Failure::check(format!("{what}: the host refused: {r}")))
}

/// The traces of the file's patient, as the host shows them.
async fn traces_of(dmp: &dyn Dmp, file: &PatientFileRef) -> ScenarioResult<Vec<AuditRecord>> {
    Ok(dmp.access_traces(file).await?)
}

fn record_traces(ctx: &RunContext, name: &str, traces: &[AuditRecord]) {
    if let Ok(json) = serde_json::to_vec_pretty(traces) {
        ctx.evidence()
            .record(crate::ArtefactKind::Note, name, Payload::json(json));
    }
}

/// A consultation report of the correspondent about the patient (N1 with a
/// small PDF), created `days_ago`.
fn correspondent_document(
    ctx: &RunContext,
    identity: &Identity,
    type_code: &str,
    title: &str,
    days_ago: i64,
) -> ScenarioResult<Document> {
    let patient = PatientBuilder::from_identity(identity)
        .build()
        .or_fail("patient of the correspondent's document")?;
    // Written `days_ago`: its creation time is then.
    let written = VirtualClock::new(ctx.now() - time::Duration::days(days_ago));
    HeaderBuilder::for_practice(
        doc_type(type_code)?,
        title,
        &correspondent()?,
        patient,
        written.now() - time::Duration::hours(1),
        &written,
        ctx.ids(),
    )
    .build_n1(NonXmlBody::pdf(segur_cda::samples::simple_pdf(&[
        title,
        "Document fictif d'un correspondant, deposé dans le DMP.",
    ])))
    .map_err(|e| Failure::internal(format!("correspondent document fixture: {e}")))
}

// ---------------------------------------------------------------------------
// Consent

async fn consent_recorded(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    setup(&ctx).await?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    ctx.step("a new patient's record says nothing was collected", async {
        let record = dmp.consent(&file).await?;
        ensure_eq(
            "the consent record of a new patient",
            ConsentRecord::default(),
            record,
        )
    })
    .await?;
    let before = traces_of(dmp, &file).await?.len();
    let collected = ConsentRecord {
        informed: true,
        opposed_to_feeding: false,
        opposed_to_consultation: true,
    };
    ctx.step(
        "the professional records: informed, objects to consultation",
        async { Ok(dmp.set_consent(&file, collected).await?) },
    )
    .await?;
    ctx.step("the record reads back as collected", async {
        ensure_eq("the recorded consent", collected, dmp.consent(&file).await?)
    })
    .await?;
    let changed = ConsentRecord {
        opposed_to_consultation: false,
        ..collected
    };
    ctx.step("the patient withdraws the objection", async {
        dmp.set_consent(&file, changed).await?;
        ensure_eq("the recorded consent", changed, dmp.consent(&file).await?)
    })
    .await?;
    ctx.step(
        "both changes are traced, at the time they were made",
        async {
            let traces = traces_of(dmp, &file).await?;
            record_traces(&ctx, "consent-traces.json", &traces);
            let changes: Vec<&AuditRecord> = traces
                .iter()
                .skip(before)
                .filter(|r| r.event.kind.as_str().contains("consent"))
                .collect();
            ensure(
                changes.len() >= 2,
                format!(
                    "two consent changes must leave two traces; the host shows {} ({:?})",
                    changes.len(),
                    traces
                        .iter()
                        .map(|r| r.event.kind.as_str().to_owned())
                        .collect::<Vec<_>>()
                ),
            )?;
            ensure(
                changes.iter().all(|r| r.event.occurred_at == ctx.now()),
                "the consent traces do not carry the time of the change",
            )
        },
    )
    .await
}

async fn feeding_opposed(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    // Default: feeding allowed.
    let (file_a, _, ins_a) = dmp_patient(&ctx, &s, &ALICE, false).await?;
    let (_, _, uid_a) = produce(
        &ctx,
        &file_a,
        &consultation_request(&ctx, "Consultation du patient sans opposition")?,
    )
    .await?;
    process_queue(&ctx, dmp, "after the first document").await?;
    ctx.step(
        "feeding is allowed by default: the document reaches the DMP",
        async { exactly_one(&s.sim, &ins_a, &uid_a, "default consent").map(|_| ()) },
    )
    .await?;
    // Opposed to feeding.
    let (file_b, _, ins_b) = dmp_patient(&ctx, &s, &BRUNO, false).await?;
    ctx.step(
        "the patient, informed, opposes the feeding of their DMP",
        async {
            Ok(dmp
                .set_consent(
                    &file_b,
                    ConsentRecord {
                        informed: true,
                        opposed_to_feeding: true,
                        opposed_to_consultation: false,
                    },
                )
                .await?)
        },
    )
    .await?;
    let before = traces_of(dmp, &file_b).await?.len();
    let (_, _, uid_b) = produce(
        &ctx,
        &file_b,
        &consultation_request(&ctx, "Consultation du patient opposé")?,
    )
    .await?;
    process_queue(&ctx, dmp, "after the document of the opposed patient").await?;
    ctx.step("the DMP of the opposed patient received nothing", async {
        let received = s.sim.documents(&ins_b);
        ensure(
            received.is_empty(),
            format!(
                "the host fed the DMP of a patient who opposed it: the DMP holds {} document(s) ({})",
                received.len(),
                received
                    .iter()
                    .map(|e| e.entry.unique_id.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )?;
        ensure_eq(
            "registrations of the opposed patient's document",
            0,
            s.sim.simulator().registrations(&uid_b),
        )
    })
    .await?;
    ctx.step("the refusal is traced", async {
        let traces = traces_of(dmp, &file_b).await?;
        record_traces(&ctx, "refusal-traces.json", &traces);
        ensure(
            traces
                .iter()
                .skip(before)
                .any(|r| r.event.outcome == Outcome::Denied),
            "no trace of the refused feeding (a denied event) for the opposed patient",
        )
    })
    .await
}

async fn consultation(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &CLAIRE, true).await?;
    let doc = correspondent_document(&ctx, &identity, "11488-4", "Consultation de cardiologie", 3)?;
    s.sim.feed_as_correspondent(&doc).await?;
    let all = FindDocuments::new();
    let refused_search = |label: &'static str, expected: ConsentRefusal| {
        let ctx = &ctx;
        let s = &s;
        let file = &file;
        let all = &all;
        async move {
            let before_queries = s.sim.exchanges_about(ITI18_ACTION, &ins).len();
            let before = traces_of(dmp, file).await?.len();
            let decision = dmp.search(file, all).await?;
            let refusal = expect_refusal(&format!("a search {label}"), decision)?;
            ensure(
                refusal == DmpRefusal::Consent(expected),
                format!(
                    "a search {label} must be refused because {expected}; the host said: {refusal}"
                ),
            )?;
            let after_queries = s.sim.exchanges_about(ITI18_ACTION, &ins).len();
            ensure(
                after_queries == before_queries,
                format!(
                    "a search {label} was refused but the host still queried the DMP ({} request(s))",
                    after_queries - before_queries
                ),
            )?;
            let traces = traces_of(dmp, file).await?;
            record_traces(
                ctx,
                &format!("refusal-{}.json", label.replace(' ', "-")),
                &traces,
            );
            ensure(
                traces
                    .iter()
                    .skip(before)
                    .any(|r| r.event.outcome == Outcome::Denied),
                format!("the refused search {label} left no trace"),
            )
        }
    };
    ctx.step(
        "by default (patient not informed) the search is refused",
        refused_search("by default", ConsentRefusal::NotInformed),
    )
    .await?;
    ctx.step(
        "the patient is informed but objects to consultation",
        async {
            Ok(dmp
                .set_consent(
                    &file,
                    ConsentRecord {
                        informed: true,
                        opposed_to_feeding: false,
                        opposed_to_consultation: true,
                    },
                )
                .await?)
        },
    )
    .await?;
    ctx.step(
        "the search is refused",
        refused_search("after the objection", ConsentRefusal::OpposedToConsultation),
    )
    .await?;
    ctx.step("the patient, informed, does not object", async {
        Ok(dmp
            .set_consent(
                &file,
                ConsentRecord {
                    informed: true,
                    ..ConsentRecord::default()
                },
            )
            .await?)
    })
    .await?;
    let uid = unique_id(&doc)?;
    ctx.step("the search is done and finds the DMP document", async {
        let found = accepted(
            "the search of an informed patient",
            dmp.search(&file, &all).await?,
        )?;
        ensure(
            found.iter().any(|f| f.entry.unique_id == uid),
            format!(
                "the search did not return the correspondent's document {uid} (got {:?})",
                found.iter().map(|f| &f.entry.unique_id).collect::<Vec<_>>()
            ),
        )
    })
    .await
}

async fn notice(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let text = ctx
        .step("read the notice shown with the DMP features", async {
            Ok(dmp.access_notice().await?)
        })
        .await?;
    ctx.evidence().note("dmp-access-notice.txt", text.clone());
    let lower = text.to_lowercase();
    ensure(
        lower.contains("trac"),
        format!("the notice does not say that DMP accesses are traced: {text:?}"),
    )?;
    ensure(
        lower.contains("contr"),
        format!("the notice does not say that DMP accesses are controlled: {text:?}"),
    )
}

// ---------------------------------------------------------------------------
// Feeding

async fn systematic(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &ALICE, false).await?;
    let (_, xml, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Compte rendu de consultation")?,
    )
    .await?;
    process_queue(&ctx, dmp, "no action of the professional").await?;
    let entry = ctx
        .step("the DMP received the document exactly once", async {
            exactly_one(&s.sim, &ins, &uid, "systematic feeding")
        })
        .await?;
    ctx.evidence().document(
        "registered-document.xml",
        Payload::xml(entry.content.to_vec()),
    );
    ctx.step("the submission carries the document as produced", async {
        ensure(
            entry.content.as_slice() == xml.as_slice(),
            "the document in the DMP differs from the document the host produced",
        )?;
        ensure_eq("patientId", ins.to_cx(), entry.entry.patient_id.clone())?;
        ensure_eq(
            "typeCode",
            "11488-4".to_owned(),
            entry.entry.type_code.code.clone(),
        )?;
        ensure_eq(
            "mimeType",
            "text/xml".to_owned(),
            entry.entry.mime_type.clone(),
        )?;
        ensure(
            entry
                .entry
                .authors
                .iter()
                .filter_map(|a| a.person.as_deref())
                .any(|p| p.starts_with(s.actor.as_str())),
            format!(
                "the document's author in the DMP is not the professional {} (authors: {:?})",
                s.actor,
                entry
                    .entry
                    .authors
                    .iter()
                    .map(|a| a.person.clone())
                    .collect::<Vec<_>>()
            ),
        )
    })
    .await?;
    ctx.step(
        "the submission was accepted with a signed VIHF of the professional and a signature document",
        async {
            ensure_eq(
                "the professional named in the VIHF of the submission",
                s.actor.clone(),
                entry.submitter.clone(),
            )?;
            let signed = s.sim.simulator().associations().iter().any(|a| {
                a.association_type == ASSOCIATION_SIGNS && a.target == entry.submission_set
            });
            ensure(
                signed,
                format!(
                    "no signature document signs the submission set {}",
                    entry.submission_set
                ),
            )?;
            let submissions = s.sim.exchanges_about(ITI41_ACTION, &ins);
            ensure(
                submissions
                    .iter()
                    .all(|x| memchr_contains(&x.request.body, b"SignatureValue")),
                "a submission was sent without a signed VIHF",
            )
        },
    )
    .await
}

async fn new_version(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let docs = ctx.documents()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &BRUNO, false).await?;
    let request = consultation_request(&ctx, "Compte rendu de consultation")?;
    let (first_ref, _, first_uid) = produce(&ctx, &file, &request).await?;
    process_queue(&ctx, dmp, "first version").await?;
    let first = ctx
        .step("the first version is in the DMP", async {
            exactly_one(&s.sim, &ins, &first_uid, "first version")
        })
        .await?;
    let revised = ctx
        .step("the professional corrects the document", async {
            Ok(docs
                .revise(
                    &first_ref,
                    &request
                        .clone()
                        .paragraph("Correction : posologie modifiée."),
                )
                .await?)
        })
        .await?;
    let second = fetch(docs, &revised).await?;
    let second_uid = unique_id(&second.document)?;
    process_queue(&ctx, dmp, "second version").await?;
    ctx.step(
        "the DMP received the correction as a new version replacing the first",
        async {
            let second_entry = exactly_one(&s.sim, &ins, &second_uid, "second version")?;
            let rplc = s.sim.simulator().associations().into_iter().any(|a| {
                a.association_type.ends_with(":RPLC")
                    && a.source == second_entry.entry.entry_uuid
                    && a.target == first.entry.entry_uuid
            });
            ensure(
                rplc,
                format!(
                    "the second version {second_uid} was sent as a separate document, not as a replacement (no RPLC to {})",
                    first.entry.entry_uuid
                ),
            )?;
            let live: Vec<String> = s
                .sim
                .documents(&ins)
                .iter()
                .filter(|e| status_of(e) == Availability::Approved)
                .map(|e| e.entry.unique_id.clone())
                .collect();
            ensure(
                live == vec![second_uid.clone()],
                format!(
                    "after the replacement the DMP must show only the new version {second_uid}; approved documents: {live:?}"
                ),
            )
        },
    )
    .await
}

async fn held_back(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &CLAIRE, false).await?;
    ctx.step(
        "the professional unticks \u{ab} send to the DMP \u{bb}",
        async { Ok(dmp.hold_next(&file).await?) },
    )
    .await?;
    let (reference, _, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation à ne pas envoyer tout de suite")?,
    )
    .await?;
    process_queue(&ctx, dmp, "a held document").await?;
    ctx.step("the held document is not sent and shows as held", async {
        ensure(
            s.sim.simulator().registrations(&uid) == 0 && s.sim.documents(&ins).is_empty(),
            format!("the document {uid} held back by the professional was sent to the DMP"),
        )?;
        let report = dmp.feed_report().await?;
        ensure(
            report.held.iter().any(|o| o.key == uid),
            format!(
                "the held document {uid} is not reported as held (held: {:?})",
                report.held.iter().map(|o| &o.key).collect::<Vec<_>>()
            ),
        )
    })
    .await?;
    ctx.step("the professional releases it", async {
        Ok(dmp.release(&reference).await?)
    })
    .await?;
    process_queue(&ctx, dmp, "after the release").await?;
    ctx.step("the released document reaches the DMP once", async {
        exactly_one(&s.sim, &ins, &uid, "released document").map(|_| ())
    })
    .await
}

async fn queued_when_unavailable(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &DENIS, false).await?;
    s.sim.simulator().inject(FaultRule::always(Fault::Outage));
    let (_, _, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation pendant la panne")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the DMP is down").await?;
    ctx.step(
        "the send waits in the queue, reported pending with the reason",
        async {
            ensure(
                s.sim.documents(&ins).is_empty(),
                "the DMP was down but holds the document",
            )?;
            let report = dmp.feed_report().await?;
            if let Ok(json) = serde_json::to_vec_pretty(&report) {
                ctx.evidence()
                    .record(crate::ArtefactKind::Note, "feed-report-outage.json", Payload::json(json));
            }
            let order = report
                .pending
                .iter()
                .find(|o| o.key == uid)
                .or_fail(&format!(
                    "the document {uid} sent while the DMP was down is not reported pending (pending: {:?}, failed: {:?})",
                    report.pending.iter().map(|o| &o.key).collect::<Vec<_>>(),
                    report.failed.iter().map(|o| (&o.key, &o.reason)).collect::<Vec<_>>()
                ))?;
            ensure(
                order.reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
                format!("the pending send of {uid} is reported without a reason"),
            )
        },
    )
    .await?;
    s.sim.simulator().clear_faults();
    ctx.clock().advance(RETRY_LATER);
    process_queue(&ctx, dmp, "the DMP is back").await?;
    ctx.step("the send left as soon as possible, once", async {
        exactly_one(&s.sim, &ins, &uid, "send after the outage")?;
        let report = dmp.feed_report().await?;
        ensure(
            !report
                .pending
                .iter()
                .chain(&report.failed)
                .any(|o| o.key == uid),
            format!("the document {uid} is in the DMP but still reported pending or failed"),
        )
    })
    .await
}

async fn survives_restart(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let lifecycle = ctx.lifecycle()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &ALICE, false).await?;
    s.sim.simulator().inject(FaultRule::always(Fault::Outage));
    let (_, _, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation avant le redémarrage")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the DMP is down").await?;
    ensure(
        s.sim.documents(&ins).is_empty(),
        "the DMP was down but holds the document",
    )?;
    ctx.step("the software is closed and started again", async {
        Ok(lifecycle.restart().await?)
    })
    .await?;
    s.sim.simulator().clear_faults();
    ctx.clock().advance(RETRY_LATER);
    process_queue(&ctx, dmp, "after the restart, the DMP is back").await?;
    ctx.step(
        "the send queued before the restart reached the DMP exactly once",
        async {
            if s.sim.simulator().registrations(&uid) == 0 {
                return Err(Failure::check(format!(
                    "the document {uid} queued before the restart never reached the DMP: the queue did not survive the restart"
                )));
            }
            exactly_one(&s.sim, &ins, &uid, "send queued before the restart").map(|_| ())
        },
    )
    .await
}

async fn lost_response(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &BRUNO, false).await?;
    s.sim.simulator().inject(FaultRule::next(
        ITI41_ACTION,
        Fault::LostResponseAfterCommit,
        1,
    ));
    let (_, _, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation à la réponse perdue")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the DMP commits but the answer is lost").await?;
    ctx.clock().advance(RETRY_LATER);
    process_queue(&ctx, dmp, "later").await?;
    ctx.clock().advance(RETRY_LATER);
    process_queue(&ctx, dmp, "later again").await?;
    ctx.step("the document is in the DMP once, and reported sent", async {
        exactly_one(&s.sim, &ins, &uid, "send with a lost answer")?;
        let report = dmp.feed_report().await?;
        ensure(
            !report.pending.iter().chain(&report.failed).any(|o| o.key == uid),
            format!(
                "the document {uid} is in the DMP but the host still reports it pending or failed: {:?}",
                report
                    .pending
                    .iter()
                    .chain(&report.failed)
                    .map(|o| (&o.key, &o.reason))
                    .collect::<Vec<_>>()
            ),
        )
    })
    .await
}

async fn failure_reported(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &CLAIRE, false).await?;
    s.sim.simulator().close_dmp(&ins, "20250101");
    let (_, _, uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation d'un patient au DMP fermé")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the patient's DMP is closed").await?;
    ctx.clock().advance(RETRY_LATER);
    process_queue(&ctx, dmp, "later").await?;
    ctx.step(
        "the send is reported failed, with the DMP's reason",
        async {
            ensure(
                s.sim.documents(&ins).is_empty(),
                "a closed DMP must not hold the document",
            )?;
            let report = dmp.feed_report().await?;
            if let Ok(json) = serde_json::to_vec_pretty(&report) {
                ctx.evidence().record(
                    crate::ArtefactKind::Note,
                    "feed-report-failed.json",
                    Payload::json(json),
                );
            }
            let order = report
                .failed
                .iter()
                .chain(&report.pending)
                .find(|o| o.key == uid)
                .or_fail(&format!(
                    "the refused send of {uid} is not reported to the user (failed: {:?})",
                    report.failed.iter().map(|o| &o.key).collect::<Vec<_>>()
                ))?;
            let reason = order.reason.clone().unwrap_or_default();
            ensure(
                !reason.trim().is_empty(),
                format!("the failed send of {uid} is reported without its reason"),
            )
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// History

async fn send_from_history(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let docs = ctx.documents()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &DENIS, false).await?;
    // A document received by mail months ago, in the local file only.
    let old = correspondent_document(
        &ctx,
        &identity,
        "11488-4",
        "Ancien compte rendu de cardiologie",
        200,
    )?;
    let uid = unique_id(&old)?;
    let reference = ctx
        .step(
            "the file holds an older document received from a correspondent",
            async {
                match docs
                    .import(
                        &file,
                        &ReceivedFile::new("ancien-cr.xml", "text/xml", old.to_xml()),
                    )
                    .await?
                {
                    ImportOutcome::Integrated(r) => Ok(r),
                    other => Err(Failure::host(format!(
                        "the host did not integrate the fixture: {other:?}"
                    ))),
                }
            },
        )
        .await?;
    let visibility = Visibility {
        invisible_to_patient: true,
        ..Visibility::default()
    };
    ctx.step(
        "the professional sends it to the DMP, invisible to the patient",
        async {
            accepted(
                "sending from the history",
                dmp.send(&reference, visibility).await?,
            )
        },
    )
    .await?;
    process_queue(&ctx, dmp, "the document sent from the history").await?;
    let entry = ctx
        .step("the DMP holds it once, with the visibility chosen", async {
            let entry = exactly_one(&s.sim, &ins, &uid, "document sent from the history")?;
            ensure_eq(
                "the visibility of the document in the DMP",
                visibility,
                Visibility::from_codes(&entry.entry.confidentiality_codes),
            )?;
            Ok(entry)
        })
        .await?;
    ctx.evidence().document(
        "sent-from-history.xml",
        Payload::xml(entry.content.to_vec()),
    );
    ctx.step("the file shows it as sent", async {
        let history = dmp.history(&file).await?;
        ensure(
            history.iter().any(|r| {
                r.unique_id == uid
                    && r.direction == Direction::Sent
                    && r.status == HistoryStatus::Sent
            }),
            format!(
                "the history does not show {uid} as sent: {:?}",
                history
                    .iter()
                    .map(|r| (&r.unique_id, r.direction, r.status))
                    .collect::<Vec<_>>()
            ),
        )
    })
    .await?;
    ctx.step("sending it again does not send it twice", async {
        let _ = dmp.send(&reference, visibility).await?;
        dmp.process_queue().await?;
        ensure_eq(
            "registrations of a document sent twice from the history",
            1,
            s.sim.simulator().registrations(&uid),
        )?;
        let submissions = s.sim.exchanges_about(ITI41_ACTION, &ins).len();
        ensure(
            submissions == 1,
            format!(
                "the host submitted the already-sent document again ({submissions} submissions)"
            ),
        )
    })
    .await
}

async fn history_kept(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &ALICE, true).await?;
    let (_, _, sent_uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation envoyée au DMP")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the produced document").await?;
    exactly_one(&s.sim, &ins, &sent_uid, "produced document")?;
    let theirs =
        correspondent_document(&ctx, &identity, "11488-4", "Consultation de cardiologie", 2)?;
    let received_uid = unique_id(&theirs)?;
    s.sim.feed_as_correspondent(&theirs).await?;
    ctx.step(
        "the patient, informed, does not object to consultation",
        async {
            Ok(dmp
                .set_consent(
                    &file,
                    ConsentRecord {
                        informed: true,
                        ..ConsentRecord::default()
                    },
                )
                .await?)
        },
    )
    .await?;
    ctx.step(
        "the professional integrates the correspondent's DMP document",
        async {
            let outcome = accepted("integration", dmp.integrate(&file, &received_uid).await?)?;
            match outcome {
                ImportOutcome::Integrated(_) => Ok(()),
                other => Err(Failure::check(format!(
                    "the DMP document {received_uid} was not integrated: {other:?}"
                ))),
            }
        },
    )
    .await?;
    ctx.step(
        "the file shows which document went to the DMP and which came from it",
        async {
            let history = dmp.history(&file).await?;
            if let Ok(json) = serde_json::to_vec_pretty(&history) {
                ctx.evidence()
                    .record(crate::ArtefactKind::Note, "dmp-history.json", Payload::json(json));
            }
            let sent = history
                .iter()
                .find(|r| r.unique_id == sent_uid)
                .or_fail(&format!("the history of the file lacks the sent document {sent_uid}"))?;
            ensure(
                sent.direction == Direction::Sent && sent.status == HistoryStatus::Sent,
                format!(
                    "the sent document {sent_uid} shows as {:?} / {:?}",
                    sent.direction, sent.status
                ),
            )?;
            let received = history
                .iter()
                .find(|r| r.unique_id == received_uid)
                .or_fail(&format!(
                    "the history of the file lacks the document {received_uid} received from the DMP"
                ))?;
            ensure(
                received.direction == Direction::Received,
                format!(
                    "the document {received_uid} received from the DMP shows as {:?}",
                    received.direction
                ),
            )
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// DMP documents

/// A consultation report of the host's professional as an N1/N3 pair, as
/// written in a previous software and kept in the file.
fn own_pair(ctx: &RunContext, identity: &Identity, actor: &str) -> ScenarioResult<DocumentPair> {
    let id = IdNatPs::parse(actor).or_fail("the national id the host gave")?;
    let author = Practitioner {
        id,
        prefix: Some("M".into()),
        given: "Jean".into(),
        family: "MEDECIN-TEST".into(),
        suffix: Some("DR".into()),
        specialty: vocab::specialty_general_practitioner(),
        telecoms: vec![Telecom::phone("0491000000", Some("WP"))],
        structure: correspondent_structure()?,
    };
    let patient = PatientBuilder::from_identity(identity)
        .build()
        .or_fail("patient of the pair")?;
    let sections = vec![Section {
        code: Some(Code::new(
            "29299-5",
            &code_system::LOINC,
            "Motif de consultation",
        )),
        title: Some("Motif".into()),
        text: Some(
            Narrative::new()
                .paragraph("Renouvellement de traitement.")
                .build(),
        ),
        ..Section::default()
    }];
    let written = VirtualClock::new(ctx.now() - time::Duration::days(30));
    let n3 = HeaderBuilder::for_practice(
        doc_type("11488-4")?,
        "Compte rendu de consultation (N1/N3)",
        &author,
        patient,
        written.now() - time::Duration::hours(1),
        &written,
        ctx.ids(),
    )
    .build_n3(vec![], StructuredBody { sections })
    .map_err(|e| Failure::internal(format!("N3 fixture: {e}")))?;
    let pdf = segur_cda::samples::simple_pdf(&[
        "Compte rendu de consultation (N1/N3)",
        "Motif : renouvellement de traitement.",
    ]);
    DocumentPair::from_n3(n3, NonXmlBody::pdf(pdf), None, ctx.ids())
        .map_err(|e| Failure::internal(format!("N1 form fixture: {e}")))
}

async fn pair_sent_and_deleted(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let docs = ctx.documents()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &BRUNO, false).await?;
    let pair = own_pair(&ctx, &identity, &s.actor)?;
    let n3_uid = unique_id(pair.n3())?;
    let n1_uid = unique_id(pair.n1())?;
    let mut refs = Vec::new();
    for (name, doc) in [("cr-n3.xml", pair.n3()), ("cr-n1.xml", pair.n1())] {
        let r = ctx
            .step(format!("the file holds the pair's form {name}"), async {
                match docs
                    .import(&file, &ReceivedFile::new(name, "text/xml", doc.to_xml()))
                    .await?
                {
                    ImportOutcome::Integrated(r) => Ok(r),
                    other => Err(Failure::host(format!(
                        "the host did not integrate the fixture {name}: {other:?}"
                    ))),
                }
            })
            .await?;
        refs.push(r);
    }
    let n1_ref = refs.pop().or_fail("the N1 form")?;
    ctx.step(
        "the professional sends the document (from its N1 form)",
        async {
            accepted(
                "sending the pair",
                dmp.send(&n1_ref, Visibility::default()).await?,
            )
        },
    )
    .await?;
    process_queue(&ctx, dmp, "the pair").await?;
    ctx.step(
        "both forms reached the DMP in one submission, linked by XFRM",
        async {
            let n3 = exactly_one(&s.sim, &ins, &n3_uid, "the N3 form")?;
            let n1 = exactly_one(&s.sim, &ins, &n1_uid, "the N1 form")?;
            ensure_eq(
                "submission set of the N1 form (both forms are sent together)",
                n3.submission_set.clone(),
                n1.submission_set.clone(),
            )?;
            let xfrm = s.sim.simulator().associations().into_iter().any(|a| {
                a.association_type == ASSOCIATION_XFRM
                    && a.source == n1.entry.entry_uuid
                    && a.target == n3.entry.entry_uuid
            });
            ensure(
                xfrm,
                "the N1 form is not linked to the N3 form by an XFRM association",
            )
        },
    )
    .await?;
    ctx.step(
        "the professional deletes the document from the DMP",
        async { accepted("deleting the pair", dmp.delete(&n1_ref).await?) },
    )
    .await?;
    ctx.step("both forms are deleted in the DMP", async {
        for uid in [&n3_uid, &n1_uid] {
            let current = s
                .sim
                .simulator()
                .current(uid)
                .or_fail(&format!("the DMP entry of {uid}"))?;
            ensure(
                status_of(&current) == Availability::Deleted,
                format!(
                    "after the deletion, {uid} is still {:?} in the DMP (both forms must be deleted)",
                    status_of(&current)
                ),
            )?;
        }
        Ok(())
    })
    .await
}

async fn informed(ctx: &RunContext, dmp: &dyn Dmp, file: &PatientFileRef) -> ScenarioResult {
    ctx.step(
        "the patient, informed, does not object to consultation",
        async {
            Ok(dmp
                .set_consent(
                    file,
                    ConsentRecord {
                        informed: true,
                        ..ConsentRecord::default()
                    },
                )
                .await?)
        },
    )
    .await
}

async fn search(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &CLAIRE, true).await?;
    informed(&ctx, dmp, &file).await?;
    // Three correspondent documents (two types, three dates) and one of the
    // host's own.
    let recent = correspondent_document(&ctx, &identity, "11488-4", "Consultation récente", 2)?;
    let old = correspondent_document(&ctx, &identity, "11488-4", "Consultation ancienne", 400)?;
    let discharge = correspondent_document(&ctx, &identity, "60591-5", "Synthèse médicale", 10)?;
    for d in [&recent, &old, &discharge] {
        s.sim.feed_as_correspondent(d).await?;
    }
    let (_, _, own_uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation du médecin traitant")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the host's own document").await?;
    exactly_one(&s.sim, &ins, &own_uid, "the host's own document")?;
    let uids = |docs: &[&Document]| -> ScenarioResult<Vec<String>> {
        let mut v = docs
            .iter()
            .map(|d| unique_id(d))
            .collect::<ScenarioResult<Vec<_>>>()?;
        v.sort();
        Ok(v)
    };
    let check = |label: &'static str, filter: FindDocuments, expected: Vec<String>| {
        let file = &file;
        async move {
            let found = accepted(label, dmp.search(file, &filter).await?)?;
            let mut got: Vec<String> = found.into_iter().map(|f| f.entry.unique_id).collect();
            got.sort();
            ensure(
                got == expected,
                format!("the search {label} returned {got:?}, expected exactly {expected:?}"),
            )
        }
    };
    let consultation_code = XdsCode::new("11488-4", code_system::LOINC.as_str(), "");
    let mut by_type = uids(&[&recent, &old])?;
    by_type.push(own_uid.clone());
    by_type.sort();
    ctx.step(
        "search by type (consultation reports)",
        check(
            "by type",
            FindDocuments::new().type_code(&consultation_code),
            by_type,
        ),
    )
    .await?;
    let since = ctx.now() - time::Duration::days(30);
    let mut by_type_and_date = uids(&[&recent])?;
    by_type_and_date.push(own_uid.clone());
    by_type_and_date.sort();
    ctx.step(
        "search by type and creation date (last 30 days)",
        check(
            "by type and date",
            FindDocuments::new()
                .type_code(&consultation_code)
                .created_between(Some(since), None),
            by_type_and_date,
        ),
    )
    .await?;
    let cardiologist = format!("{}%", correspondent()?.id.as_str());
    ctx.step(
        "search by author (the cardiologist)",
        check(
            "by author",
            FindDocuments::new().author(cardiologist),
            uids(&[&recent, &old, &discharge])?,
        ),
    )
    .await
}

async fn integrate(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let docs = ctx.documents()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &DENIS, true).await?;
    informed(&ctx, dmp, &file).await?;
    let v1 = correspondent_document(&ctx, &identity, "11488-4", "Consultation de cardiologie", 5)?;
    let v1_uid = unique_id(&v1)?;
    s.sim.feed_as_correspondent(&v1).await?;
    let presence = |uid: String| {
        let file = &file;
        async move {
            let found = accepted("the search", dmp.search(file, &FindDocuments::new()).await?)?;
            found
                .into_iter()
                .find(|f| f.entry.unique_id == uid)
                .map(|f| f.local)
                .or_fail(&format!("the DMP document {uid} in the search results"))
        }
    };
    ctx.step(
        "the search shows the DMP document as not in the file",
        async {
            match presence(v1_uid.clone()).await? {
                LocalPresence::NotPresent => Ok(()),
                other => Err(Failure::check(format!(
                    "a DMP document never integrated is shown as {other:?}"
                ))),
            }
        },
    )
    .await?;
    let integrated = ctx
        .step(
            "the professional selects it and integrates it into the file",
            async {
                match accepted("integration", dmp.integrate(&file, &v1_uid).await?)? {
                    ImportOutcome::Integrated(r) => Ok(r),
                    other => Err(Failure::check(format!(
                        "the selected DMP document was not integrated: {other:?}"
                    ))),
                }
            },
        )
        .await?;
    ctx.step("the integrated document is the DMP document", async {
        let held = fetch(docs, &integrated).await?;
        ensure_eq(
            "uniqueId of the integrated document",
            v1_uid.clone(),
            unique_id(&held.document)?,
        )
    })
    .await?;
    ctx.step("the search now shows it already present in the file", async {
        match presence(v1_uid.clone()).await? {
            LocalPresence::AlreadyPresent { .. } => Ok(()),
            other => Err(Failure::check(format!(
                "a DMP document already integrated is shown as {other:?}, not as already present"
            ))),
        }
    })
    .await?;
    ctx.step("integrating it again adds nothing to the file", async {
        let before = docs.list(&file).await?.len();
        let outcome = accepted("integration", dmp.integrate(&file, &v1_uid).await?)?;
        let after = docs.list(&file).await?.len();
        ensure(
            matches!(outcome, ImportOutcome::AlreadyHeld(_)) && after == before,
            format!(
                "integrating the same DMP document twice gave {outcome:?} and {} more document(s) in the file",
                after - before
            ),
        )
    })
    .await?;
    let v2 = segur_cda::versions::new_version(&v1, v1.body.clone(), ctx.ids(), ctx.clock())
        .map_err(|e| Failure::internal(format!("second version fixture: {e}")))?;
    let v2_uid = unique_id(&v2)?;
    s.sim.feed_as_correspondent(&v2).await?;
    ctx.step("a newer version in the DMP is detected as such", async {
        match accepted("integration", dmp.integrate(&file, &v2_uid).await?)? {
            ImportOutcome::NewerVersion { replaces, .. } if replaces == integrated => Ok(()),
            other => Err(Failure::check(format!(
                "the newer version {v2_uid} of the integrated document was not detected as such: {other:?}"
            ))),
        }
    })
    .await?;
    ctx.step("the contextual link opens the patient's web DMP", async {
        let link = accepted("the web DMP link", dmp.web_link(&file).await?)?;
        let body = link
            .fields
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let tls = segur_psc::loopback_tls_config()
            .map_err(|e| Failure::internal(format!("browser TLS: {e}")))?;
        let browser = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .build()
            .map_err(|e| Failure::internal(format!("browser: {e}")))?;
        let response = browser
            .post(&link.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| {
                Failure::check(format!(
                    "the web DMP link {} cannot be opened: {e}",
                    link.url
                ))
            })?;
        let status = response.status();
        let page = response.text().await.unwrap_or_default();
        ctx.evidence().rendering("web-dmp.html", page.clone());
        ensure(
            status.is_success(),
            format!(
                "the web DMP refused the contextual call: HTTP {status}: {}",
                page.chars().take(300).collect::<String>()
            ),
        )?;
        ensure(
            page.contains(&v2_uid) || page.contains("Consultation de cardiologie"),
            "the web DMP page does not show the patient's documents",
        )?;
        let _ = ins;
        Ok(())
    })
    .await
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn traces(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &ALICE, true).await?;
    informed(&ctx, dmp, &file).await?;
    let doc = correspondent_document(&ctx, &identity, "11488-4", "Consultation de cardiologie", 4)?;
    let uid = unique_id(&doc)?;
    s.sim.feed_as_correspondent(&doc).await?;
    let searched_at = ctx.now();
    ctx.step("the professional searches the DMP", async {
        accepted(
            "the search",
            dmp.search(&file, &FindDocuments::new()).await?,
        )
        .map(|_| ())
    })
    .await?;
    ctx.clock().advance(Duration::from_secs(60));
    let retrieved_at = ctx.now();
    ctx.step("the professional opens a DMP document", async {
        accepted("integration", dmp.integrate(&file, &uid).await?).map(|_| ())
    })
    .await?;
    ensure(
        !s.sim.exchanges_about(ITI43_ACTION, &ins).is_empty()
            || s.sim
                .simulator()
                .exchanges()
                .iter()
                .any(|x| x.action.as_deref() == Some(ITI43_ACTION)),
        "the host never retrieved the document from the DMP",
    )?;
    ctx.step(
        "the traces of the file say who searched, who retrieved which document, and when",
        async {
            let traces = traces_of(dmp, &file).await?;
            record_traces(&ctx, "dmp-access-traces.json", &traces);
            let by_actor = |r: &&AuditRecord| r.event.actor == s.actor;
            let search = traces
                .iter()
                .filter(by_actor)
                .find(|r| {
                    r.event.occurred_at == searched_at
                        && r.event.outcome == Outcome::Success
                        && r.event.document_ref.is_none()
                })
                .or_fail(&format!(
                    "no trace of the search by {} at {searched_at} (traces: {})",
                    s.actor,
                    describe_traces(&traces)
                ))?;
            let _ = search;
            traces
                .iter()
                .filter(by_actor)
                .find(|r| {
                    r.event.occurred_at == retrieved_at
                        && r.event.document_ref.as_deref() == Some(uid.as_str())
                })
                .or_fail(&format!(
                    "no trace of the retrieval of {uid} by {} at {retrieved_at} (traces: {})",
                    s.actor,
                    describe_traces(&traces)
                ))?;
            Ok(())
        },
    )
    .await
}

fn describe_traces(traces: &[AuditRecord]) -> String {
    traces
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {:?}",
                r.event.occurred_at,
                r.event.actor,
                r.event.kind.as_str(),
                r.event.document_ref
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

// ---------------------------------------------------------------------------
// What the file shows

async fn status(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let files = ctx.patient_files()?;
    let s = setup(&ctx).await?;
    let (with_dmp, _, _) = dmp_patient(&ctx, &s, &ALICE, true).await?;
    let (without_dmp, _) = patient_file(&ctx, &BRUNO, IdentityStatus::Qualifiee).await?;
    s.sim
        .simulator()
        .inject(FaultRule::always(Fault::Slow(SLOW_DMP)));
    ctx.step(
        "opening the file does not wait for the (slow) DMP",
        async {
            let started = std::time::Instant::now();
            files.open(&with_dmp).await?;
            let took = started.elapsed();
            ensure(
                took < OPEN_BUDGET,
                format!(
                    "opening the file took {} ms while the DMP answered in {} s: the DMP call blocks the user",
                    took.as_millis(),
                    SLOW_DMP.as_secs()
                ),
            )
        },
    )
    .await?;
    ctx.step(
        "without a click, the file shows that the patient has a DMP with access authorised",
        async {
            let shown = wait_for(|| dmp.status(&with_dmp), SLOW_DMP + BACKGROUND_WAIT).await?;
            let shown = shown.or_fail("the DMP status of the opened file (never shown)")?;
            ensure(
                shown.exists && shown.authorization == AuthorizationStatus::Valid,
                format!("the file of a patient with a DMP and an authorisation shows {shown:?}"),
            )
        },
    )
    .await?;
    s.sim.simulator().clear_faults();
    ctx.step("a patient without a DMP shows no DMP", async {
        files.open(&without_dmp).await?;
        let shown = wait_for(|| dmp.status(&without_dmp), BACKGROUND_WAIT).await?;
        let shown = shown.or_fail("the DMP status of the opened file (never shown)")?;
        ensure(
            !shown.exists,
            format!("the file of a patient without a DMP shows {shown:?}"),
        )
    })
    .await
}

/// Polls `probe` until it gives `Some` or `limit` passes (wall clock: the
/// host refreshes in the background).
async fn wait_for<T, F, Fut>(probe: F, limit: Duration) -> ScenarioResult<Option<T>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, crate::HostError>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(v) = probe().await? {
            return Ok(Some(v));
        }
        if started.elapsed() > limit {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn synthetic(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let files = ctx.patient_files()?;
    let s = setup(&ctx).await?;
    let (file, identity, ins) = dmp_patient(&ctx, &s, &DENIS, true).await?;
    informed(&ctx, dmp, &file).await?;
    ctx.step(
        "the user chooses to see the latest consultation reports only (2)",
        async {
            Ok(dmp
                .configure_synthetic_view(SyntheticViewConfig {
                    type_codes: vec!["11488-4".into()],
                    limit: 2,
                })
                .await?)
        },
    )
    .await?;
    let docs = [
        correspondent_document(&ctx, &identity, "11488-4", "Consultation ancienne", 90)?,
        correspondent_document(&ctx, &identity, "60591-5", "Synthèse médicale", 1)?,
        correspondent_document(&ctx, &identity, "11488-4", "Consultation récente", 3)?,
    ];
    for d in &docs {
        s.sim.feed_as_correspondent(d).await?;
    }
    ctx.clock().advance(Duration::from_secs(600));
    let fed_at = ctx.now();
    let (_, _, own_uid) = produce(
        &ctx,
        &file,
        &consultation_request(&ctx, "Consultation du jour")?,
    )
    .await?;
    process_queue(&ctx, dmp, "the host's document").await?;
    exactly_one(&s.sim, &ins, &own_uid, "the host's document")?;
    ctx.clock().advance(Duration::from_secs(600));
    ctx.step("the professional opens the file", async {
        Ok(files.open(&file).await?)
    })
    .await?;
    ctx.step(
        "without a click, the view shows the last feeding and the latest documents of the chosen types",
        async {
            let view = wait_for(|| dmp.synthetic_view(&file), BACKGROUND_WAIT)
                .await?
                .or_fail("the synthetic view of the opened file (never shown)")?;
            if let Ok(json) = serde_json::to_vec_pretty(&view) {
                ctx.evidence()
                    .record(crate::ArtefactKind::Note, "synthetic-view.json", Payload::json(json));
            }
            ensure_eq("date of the last feeding shown", Some(fed_at), view.last_feeding)?;
            let shown: Vec<String> = view.latest.iter().map(|e| e.unique_id.clone()).collect();
            let expected = vec![own_uid.clone(), unique_id(&docs[2])?];
            ensure(
                shown == expected,
                format!(
                    "the view must show the 2 latest consultation reports, newest first ({expected:?}); it shows {shown:?}"
                ),
            )
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// Imaging manifests (KOS)

/// The imaging centre publishing the manifests (fictitious FINESS).
const IMAGING_FINESS: &str = "750004509";
/// Another imaging centre (fictitious FINESS).
const OTHER_IMAGING_FINESS: &str = "750004517";
/// The radiologist of the imaging centre (fictitious RPPS, valid key).
const RADIOLOGIST_RPPS: &str = "10004500012";
/// A general practitioner of the imaging centre (fictitious RPPS).
const CENTRE_GP_RPPS: &str = "10004500020";
/// A radiologist of the other centre (fictitious RPPS).
const OTHER_RADIOLOGIST_RPPS: &str = "10004500038";

fn imaging_structure(finess: &str) -> ScenarioResult<IdNatStruct> {
    Ok(IdNatStruct::from_finess(
        &Finess::parse(finess).or_fail("fictitious FINESS")?,
    ))
}

/// A user of the host, as its VIHF describes them.
fn kos_user(
    rpps: &str,
    name: &str,
    structure: IdNatStruct,
    savoir_faire: (&str, &str),
) -> ScenarioResult<VihfActor> {
    let id = IdNatPs::from(Rpps::parse(rpps).or_fail("fictitious RPPS")?);
    Ok(VihfActor::new(id.as_str(), name, structure, "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire(savoir_faire.0, savoir_faire.1)))
}

/// A fictitious DICOM Part 10 KOS (preamble, `DICM`, then opaque bytes).
fn kos_dicom(n: u8) -> Vec<u8> {
    let mut d = vec![0u8; 128];
    d.extend_from_slice(b"DICM");
    d.extend_from_slice(format!("fictitious KOS {n} of segur-conformance").as_bytes());
    d
}

/// The KOS of exam `n` of `patient`, published by `author` for `centre`.
fn kos_of(
    ctx: &RunContext,
    patient: &Ins,
    n: u8,
    author: &VihfActor,
    centre: &IdNatStruct,
) -> ScenarioResult<KosManifest> {
    KosManifest::builder(kos_dicom(n), &format!("1.2.250.1.999.5.1.{n}"), patient)
        .study_instance_uid(&format!("1.2.250.1.999.5.2.{n}"))
        .accession_number(&format!("ACC-{n}"), "1.2.250.1.999.5.3")
        .modality("MR", "Magnetic Resonance")
        .author(author)
        .institution("Centre d'imagerie de test", centre)
        .exam_time(ctx.now() - time::Duration::hours(2))
        .build(ctx.now())
        .map_err(|e| Failure::internal(format!("KOS fixture: {e}")))
}

/// Every exchange about `patient` (any action).
fn exchanges_with(sim: &DmpSim, patient: &Ins) -> Vec<Exchange> {
    let (_, matricule) = patient.cda_id();
    sim.simulator()
        .exchanges()
        .into_iter()
        .filter(|x| memchr_contains(&x.request.body, matricule.as_bytes()))
        .collect()
}

/// What a refused request the DMP received says (action, status, reason).
fn describe_exchanges(xs: &[Exchange]) -> String {
    xs.iter()
        .map(|x| {
            let body = String::from_utf8_lossy(x.response.as_ref().map_or(&[][..], |r| &r.body))
                .into_owned();
            let code = KosRule::ALL
                .into_iter()
                .map(KosRule::code)
                .find(|c| body.contains(c))
                .map(|c| format!(", the DMP answered {c}"))
                .unwrap_or_default();
            format!("{}{code}", exchange_summary(x))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A new denied trace about `uid` among the host's traces after `before`.
async fn denied_trace(
    ctx: &RunContext,
    dmp: &dyn Dmp,
    file: &PatientFileRef,
    before: usize,
    uid: &str,
    what: &str,
) -> ScenarioResult {
    let traces = traces_of(dmp, file).await?;
    record_traces(ctx, &format!("kos-{what}-traces.json"), &traces);
    ensure(
        traces.iter().skip(before).any(|r| {
            r.event.outcome == Outcome::Denied && r.event.document_ref.as_deref() == Some(uid)
        }),
        format!(
            "no trace of the refused {what} of the imaging manifest {uid} (a denied event naming it); new traces: {}",
            describe_traces(&traces[before.min(traces.len())..])
        ),
    )
}

async fn kos_rights(ctx: RunContext) -> ScenarioResult {
    let dmp = ctx.dmp()?;
    let s = setup(&ctx).await?;
    let (file, _, ins) = dmp_patient(&ctx, &s, &DENIS, false).await?;
    let centre = imaging_structure(IMAGING_FINESS)?;
    let radiologist = kos_user(
        RADIOLOGIST_RPPS,
        "RADIO-TEST Anne",
        centre.clone(),
        ("SM44", "Radio-diagnostic"),
    )?;
    let centre_gp = kos_user(
        CENTRE_GP_RPPS,
        "GENERALISTE-TEST Marc",
        centre.clone(),
        ("SM26", "Qualifié en médecine générale"),
    )?;
    let elsewhere = kos_user(
        OTHER_RADIOLOGIST_RPPS,
        "RADIO-AUTRE Lise",
        imaging_structure(OTHER_IMAGING_FINESS)?,
        ("SM44", "Radio-diagnostic"),
    )?;
    // Every user may consult the patient's DMP: only the KOS rule decides.
    for user in [&radiologist, &centre_gp, &elsewhere] {
        s.sim.simulator().authorize(&ins, &user.name_id);
    }
    informed(&ctx, dmp, &file).await?;

    // 1. The radiologist publishes the KOS of the exam.
    let kos = kos_of(&ctx, &ins, 1, &radiologist, &centre)?;
    let uid = kos.unique_id().to_owned();
    ctx.step(
        "the radiologist publishes the exam's imaging manifest",
        async {
            accepted(
                "publishing the KOS as the radiologist",
                dmp.feed_kos(&file, &radiologist, &kos).await?,
            )
        },
    )
    .await?;
    ctx.step(
        "the DMP received exactly one submission, described as a KOS",
        async {
            let submissions = s.sim.exchanges_about(ITI41_ACTION, &ins);
            ensure_eq("ITI-41 submissions for the patient", 1, submissions.len())?;
            let e = exactly_one(&s.sim, &ins, &uid, "the KOS")?;
            ensure(
                e.content.as_slice() == kos.dicom(),
                "the DMP did not receive the KOS's DICOM bytes unchanged",
            )?;
            let m = &e.entry;
            ensure_eq("mimeType", "application/dicom", m.mime_type.as_str())?;
            ensure_eq(
                "classCode",
                ("31", "1.2.250.1.213.1.1.4.1"),
                (
                    m.class_code.code.as_str(),
                    m.class_code.coding_scheme.as_str(),
                ),
            )?;
            ensure_eq(
                "typeCode",
                ("IMG-KOS", "1.2.250.1.213.1.1.4.12"),
                (
                    m.type_code.code.as_str(),
                    m.type_code.coding_scheme.as_str(),
                ),
            )?;
            ensure_eq(
                "formatCode",
                ("1.2.840.10008.5.1.4.1.1.88.59", "1.2.840.10008.2.6.1"),
                (
                    m.format_code.code.as_str(),
                    m.format_code.coding_scheme.as_str(),
                ),
            )?;
            ensure_eq("patientId", ins.to_cx(), m.patient_id.clone())?;
            ensure_eq(
                "authorInstitution (the publishing structure)",
                vec![centre.as_str()],
                segur_dmp::rights::author_structures(m),
            )?;
            ensure(
                m.reference_ids
                    .iter()
                    .any(|r| r.starts_with("1.2.250.1.999.5.2.1^")),
                "the KOS's referenceIdList does not carry the exam's Study Instance UID",
            )
        },
    )
    .await?;

    // 2. A general practitioner of the centre is refused, before the DMP.
    let refused_kos = kos_of(&ctx, &ins, 2, &radiologist, &centre)?;
    let refused_uid = refused_kos.unique_id().to_owned();
    let before_exchanges = exchanges_with(&s.sim, &ins).len();
    let before_traces = traces_of(dmp, &file).await?.len();
    ctx.step(
        "a general practitioner of the centre tries to publish a KOS: refused",
        async {
            let refusal = expect_refusal(
                "publishing a KOS as a non-imaging professional",
                dmp.feed_kos(&file, &centre_gp, &refused_kos).await?,
            )?;
            ctx.evidence().record(
                crate::ArtefactKind::Note,
                "kos-feed-refusal.txt",
                Payload::text(refusal.to_string()),
            );
            Ok(())
        },
    )
    .await?;
    ctx.step("nothing reached the DMP for the refused KOS", async {
        let new: Vec<Exchange> = exchanges_with(&s.sim, &ins)
            .into_iter()
            .skip(before_exchanges)
            .collect();
        ensure(
            new.is_empty(),
            format!(
                "the host sent the imaging manifest of a user who may not feed it to the DMP instead of refusing it itself (SC.DMP/CONF.05: the host must check the user's right before sending): {}",
                describe_exchanges(&new)
            ),
        )?;
        ensure_eq(
            "registrations of the refused KOS",
            0,
            s.sim.simulator().registrations(&refused_uid),
        )
    })
    .await?;
    ctx.step("the refused publication is traced", async {
        denied_trace(&ctx, dmp, &file, before_traces, &refused_uid, "publication").await
    })
    .await?;

    // 3. A radiologist of another centre (not an author) cannot delete it.
    let before_traces = traces_of(dmp, &file).await?.len();
    ctx.step(
        "a radiologist of another centre tries to delete the KOS: refused",
        async {
            expect_refusal(
                "deleting the KOS as a non-author of another structure",
                dmp.delete_kos(&file, &elsewhere, &uid).await?,
            )
            .map(|_| ())
        },
    )
    .await?;
    ctx.step("no deletion reached the DMP; the KOS is still there", async {
        let deletions = s.sim.exchanges_about(ITI57_ACTION, &ins);
        ensure(
            deletions.is_empty(),
            format!(
                "the host sent the deletion of a non-author to the DMP instead of refusing it itself (SC.DMP/CONF.05): {}",
                describe_exchanges(&deletions)
            ),
        )?;
        let current = s.sim.simulator().current(&uid).or_fail("the KOS in the DMP")?;
        ensure_eq(
            "status of the KOS after the refused deletion",
            Availability::Approved,
            status_of(&current),
        )
    })
    .await?;
    ctx.step("the refused deletion is traced", async {
        denied_trace(&ctx, dmp, &file, before_traces, &uid, "deletion").await
    })
    .await?;

    // 4. Its author deletes it.
    ctx.step("the radiologist who published it deletes the KOS", async {
        accepted(
            "deleting the KOS as its author",
            dmp.delete_kos(&file, &radiologist, &uid).await?,
        )
    })
    .await?;
    ctx.step("the KOS is deleted in the DMP", async {
        let current = s
            .sim
            .simulator()
            .current(&uid)
            .or_fail("the KOS in the DMP")?;
        ensure_eq(
            "status of the KOS after its author deleted it",
            Availability::Deleted,
            status_of(&current),
        )
    })
    .await
}
