//! Suite `carte-vitale`: the Application Carte Vitale and the ordonnance
//! numérique, against three simulators started on loopback with the
//! scenario's clock — `segur_carte_vitale::sim`'s apCV service
//! ([`ApcvSim`]) and e-prescription service ([`EPrescriptionSim`]), and
//! `segur_dmp::sim`'s DMP ([`PrescriptionDmpSim`]). Every exchange they see
//! is recorded as evidence, and every document the DMP received.
//!
//! The checks read what reached the simulators, independently of what the
//! host says: the beneficiaries the apCV service gave, the prescriptions the
//! e-prescription service registered, the documents in the DMP (parsed with
//! segur-cda, checked against the eP-MED-DM rules, the printed 2D code read
//! back with rxing).
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `carte-vitale.apcv.identification` | SC.APCV.01 | an apCV QR code presentation is identified with the apCV service; every beneficiary is listed (twins told apart by rank, no silent pick); the chosen one's file carries the apCV identity, qualified; a presentation already used or expired is refused; a new read of the same person opens the same file |
//! | `carte-vitale.ordonnance.envoi-en-y` | SC.ORDN/CONF.01, SC.ORDN/CONF.04 | a prescription of health products is registered by the e-prescription service and reaches the DMP once, as an eP-MED-DM N3 stating the identifier and carrying the 2D code that reads back to it; the printed code reads back to it; a nursing prescription reaches the DMP as an N1 |
//! | `carte-vitale.ordonnance.service-unavailable` | SC.ORDN/CONF.05, SC.ORDN/CONF.04 | the e-prescription service fails: the DMP still receives the document, once, without the 2D code nor the identifier; nothing is printed as registered |
//! | `carte-vitale.ordonnance.service-timeout` | SC.ORDN/CONF.05 | the e-prescription service does not answer before the host's deadline: the DMP still receives the document, once, without the 2D code |

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use segur_carte_vitale::ordonnance::{PrescriptionContent, PrescriptionId, decode_image};
use segur_carte_vitale::sim::{
    ApcvSimulator, EPrescriptionSimulator, Exchange, SimBehaviour, sample_family,
};
use segur_carte_vitale::{ApcvChannel, ApcvPresentation, CardSource, VitaleRead};
use segur_cda::Document;
use segur_cda::datatypes::{Addr, Ii, Telecom, Ts};
use segur_cda::n3::entries::Image;
use segur_cda::n3::sections::BARCODE;
use segur_cda::volets::eprescription::{self as ep, PRESCRIPTION_ID_ROOT, PrescriptionContext};
use segur_cda::volets::n1_prescription::N1PrescriptionKind;
use segur_cda::volets::samples::{self, Richness};
use segur_dmp::sim::DmpSimulator;
use segur_ins::{IdentityStatus, Ins};
use segur_psc::SharedClock;
use time::Duration;
use url::Url;

use super::support::{ALICE, BRUNO, Person, patient_file};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{
    ApcvReadOutcome, CarteVitale, CarteVitaleSetup, IssuedPrescription, PatientFileRef,
    PrescriptionRequest,
};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, Payload, Registry, RunContext, Scenario};

/// The national id of the reference practitioner (`8` + RPPS), authorised
/// on the patients' DMP by the scenarios. A host's practitioner must be this
/// test professional to feed the simulated DMP.
pub const PRACTITIONER_NATIONAL_ID: &str = "810003612545";

/// The deadline given to the host for the e-prescription service.
const DEADLINE: StdDuration = StdDuration::from_secs(2);

fn url(base: &str, what: &str) -> ScenarioResult<Url> {
    Url::parse(base).map_err(|e| Failure::service(format!("{what} URL {base}: {e}")))
}

/// The apCV identification service simulator of a scenario.
pub type ApcvSim = HttpSim<ApcvSimulator>;

/// The e-prescription service simulator of a scenario.
pub type EPrescriptionSim = HttpSim<EPrescriptionSimulator>;

/// One of `segur_carte_vitale::sim`'s HTTP simulators, started with the
/// scenario's clock, whose exchanges are recorded as evidence.
pub struct HttpSim<S> {
    sim: S,
    env: ServiceEnv,
    recorded: AtomicUsize,
}

/// What [`HttpSim`] needs of a carte-vitale HTTP simulator.
pub trait CarteVitaleHttpSimulator: Sized + Send + Sync + 'static {
    /// The service's name in the evidence.
    const NAME: &'static str;
    /// Starts on loopback with `clock`.
    fn start(clock: SharedClock) -> impl Future<Output = Result<Self, String>> + Send;
    /// Its base URL.
    fn base_url(&self) -> String;
    /// Every exchange answered, in order.
    fn exchanges(&self) -> Vec<Exchange>;
}

impl CarteVitaleHttpSimulator for ApcvSimulator {
    const NAME: &'static str = "apcv";
    async fn start(clock: SharedClock) -> Result<Self, String> {
        ApcvSimulator::start(clock).await.map_err(|e| e.to_string())
    }
    fn base_url(&self) -> String {
        ApcvSimulator::base_url(self)
    }
    fn exchanges(&self) -> Vec<Exchange> {
        ApcvSimulator::exchanges(self)
    }
}

impl CarteVitaleHttpSimulator for EPrescriptionSimulator {
    const NAME: &'static str = "eprescription";
    async fn start(clock: SharedClock) -> Result<Self, String> {
        EPrescriptionSimulator::start(clock)
            .await
            .map_err(|e| e.to_string())
    }
    fn base_url(&self) -> String {
        EPrescriptionSimulator::base_url(self)
    }
    fn exchanges(&self) -> Vec<Exchange> {
        EPrescriptionSimulator::exchanges(self)
    }
}

impl<S: CarteVitaleHttpSimulator> std::fmt::Debug for HttpSim<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSim")
            .field("service", &S::NAME)
            .field("base_url", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

impl<S: CarteVitaleHttpSimulator> SimulatedService for HttpSim<S> {
    const NAME: &'static str = S::NAME;

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let sim = S::start(Arc::new(env.clock().clone()))
            .await
            .map_err(Failure::service)?;
        Ok(HttpSim {
            sim,
            env,
            recorded: AtomicUsize::new(0),
        })
    }
}

impl<S: CarteVitaleHttpSimulator> HttpSim<S> {
    /// The simulator.
    pub fn simulator(&self) -> &S {
        &self.sim
    }

    /// Records the exchanges answered since the last call.
    pub fn record_exchanges(&self) {
        let all = self.sim.exchanges();
        let from = self.recorded.swap(all.len(), Ordering::SeqCst);
        for x in all.iter().skip(from) {
            let line = format!(
                "{} {} -> {}{}",
                x.method,
                x.path,
                x.status,
                x.idempotency_key
                    .as_deref()
                    .map(|k| format!(" (Idempotency-Key {k})"))
                    .unwrap_or_default()
            );
            self.env
                .record_exchange(&line, Payload::text(line.clone()), None);
        }
    }
}

/// The DMP simulator of the e-prescription scenarios.
pub struct PrescriptionDmpSim {
    sim: DmpSimulator,
    env: ServiceEnv,
    recorded: AtomicUsize,
}

impl std::fmt::Debug for PrescriptionDmpSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrescriptionDmpSim")
            .field("base_url", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

impl SimulatedService for PrescriptionDmpSim {
    const NAME: &'static str = "dmp";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let clock = env.clock().clone();
        let sim = DmpSimulator::builder()
            .clock_fn(move || clock.now())
            .start()
            .await
            .map_err(|e| Failure::service(e.to_string()))?;
        Ok(PrescriptionDmpSim {
            sim,
            env,
            recorded: AtomicUsize::new(0),
        })
    }
}

impl PrescriptionDmpSim {
    /// The simulator.
    pub fn simulator(&self) -> &DmpSimulator {
        &self.sim
    }

    /// Records the exchanges seen since the last call (SOAP messages).
    pub fn record_exchanges(&self) {
        let all = self.sim.exchanges();
        let from = self.recorded.swap(all.len(), Ordering::SeqCst);
        for x in all.iter().skip(from) {
            let summary = format!(
                "POST {} {} -> {}",
                x.path,
                x.action.as_deref().unwrap_or("(no action)"),
                x.status.map_or("no response".to_owned(), |s| s.to_string())
            );
            self.env.record_exchange(
                &summary,
                Payload::new(x.request.content_type.clone(), x.request.body.clone()),
                x.response
                    .as_ref()
                    .map(|r| Payload::new(r.content_type.clone(), r.body.clone())),
            );
        }
    }

    /// The documents of `patient` in the DMP (not the submissions'
    /// signature documents), parsed.
    pub fn documents(&self, patient: &Ins) -> ScenarioResult<Vec<(String, Document)>> {
        self.sim
            .entries(patient)
            .into_iter()
            .filter(|e| !segur_dmp::feed::is_signature_entry(&e.entry))
            .map(|e| {
                let doc = Document::parse(e.content.to_vec())
                    .or_fail("a document the DMP received is not a CDA document")?;
                Ok((e.entry.unique_id.clone(), doc))
            })
            .collect()
    }
}

/// The host's carte Vitale area, or a not-applicable failure.
fn area(ctx: &RunContext) -> ScenarioResult<&dyn CarteVitale> {
    ctx.host()
        .carte_vitale()
        .ok_or_else(|| Failure::not_implemented_by_host("carte Vitale and e-prescription"))
}

/// The three simulators, and the host configured against them.
struct Services {
    apcv: Arc<ApcvSim>,
    eprescription: Arc<EPrescriptionSim>,
    dmp: Arc<PrescriptionDmpSim>,
}

impl Services {
    fn record_exchanges(&self) {
        self.apcv.record_exchanges();
        self.eprescription.record_exchanges();
        self.dmp.record_exchanges();
    }
}

async fn configured(ctx: &RunContext, host: &dyn CarteVitale) -> ScenarioResult<Services> {
    let services = Services {
        apcv: ctx.service::<ApcvSim>().await?,
        eprescription: ctx.service::<EPrescriptionSim>().await?,
        dmp: ctx.service::<PrescriptionDmpSim>().await?,
    };
    let setup = CarteVitaleSetup::new(
        url(&services.apcv.sim.base_url(), "apCV service")?,
        url(
            &services.eprescription.sim.base_url(),
            "e-prescription service",
        )?,
        DEADLINE,
        url(&services.dmp.sim.base_url(), "DMP")?,
    );
    ctx.step(
        "configure the host with the apCV, e-prescription and DMP simulators",
        async { Ok(host.configure_carte_vitale(setup).await?) },
    )
    .await?;
    Ok(services)
}

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("carte-vitale", "Carte Vitale app and e-prescription")?;
    {
        let mut g = suite.group("apcv", "Application Carte Vitale")?;
        g.add(
            Scenario::new(
                "identification",
                "An apCV presentation identifies the beneficiaries; the chosen one's file is qualified",
                apcv_identification,
            )
            .requirement("SC.APCV.01"),
        )?;
    }
    let mut g = suite.group("ordonnance", "Ordonnance numérique")?;
    g.add(
        Scenario::new(
            "envoi-en-y",
            "A prescription goes to the e-prescription service and to the DMP, with its 2D code",
            envoi_en_y,
        )
        .requirements(["SC.ORDN/CONF.01", "SC.ORDN/CONF.04"]),
    )?;
    g.add(
        Scenario::new(
            "service-unavailable",
            "The e-prescription service fails: the DMP still gets the document, without the 2D code",
            service_unavailable,
        )
        .requirements(["SC.ORDN/CONF.05", "SC.ORDN/CONF.04"]),
    )?;
    g.add(
        Scenario::new(
            "service-timeout",
            "The e-prescription service does not answer in time: the DMP still gets the document, without the 2D code",
            service_timeout,
        )
        .requirement("SC.ORDN/CONF.05"),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------
// apCV

async fn apcv_read(
    ctx: &RunContext,
    host: &dyn CarteVitale,
    what: &str,
    qr_text: &str,
) -> ScenarioResult<ApcvReadOutcome> {
    let presentation =
        ApcvPresentation::from_qr_text(qr_text).or_fail("the simulator's apCV QR code")?;
    ctx.step(what.to_owned(), async {
        Ok(host.apcv_read(presentation).await?)
    })
    .await
}

async fn apcv_identification(ctx: RunContext) -> ScenarioResult {
    let host = area(&ctx)?;
    let observations = ctx.observations()?;
    let files = ctx.patient_files()?;
    let services = configured(&ctx, host).await?;
    let apcv = &services.apcv;
    let family: VitaleRead = sample_family(
        CardSource::Apcv {
            channel: ApcvChannel::QrCode,
        },
        ctx.now(),
    );
    let qr = apcv.sim.present_qr(&family);
    let outcome = apcv_read(
        &ctx,
        host,
        "the patient shows the apCV QR code of a family of five; the host reads it",
        &qr,
    )
    .await?;
    apcv.record_exchanges();
    let options = ctx
        .step("every beneficiary is listed, none picked silently", async {
            let options = match outcome {
                ApcvReadOutcome::Read(options) => options,
                refused => {
                    return Err(Failure::check(format!(
                        "the apCV read of a valid presentation was refused: {refused:?}"
                    )));
                }
            };
            ensure_eq(
                "beneficiaries listed",
                family.beneficiaries().len(),
                options.len(),
            )?;
            for b in family.beneficiaries() {
                let listed = options.iter().find(|o| o.key == b.key()).or_fail(&format!(
                    "beneficiary {} {} (born {}, rank {}) in the list",
                    b.usual_name(),
                    b.given_name(),
                    b.birth_date(),
                    b.birth_rank()
                ))?;
                ensure_eq(
                    &format!("given name of beneficiary {}", b.key()),
                    b.given_name().as_str(),
                    listed.given_name.as_str(),
                )?;
                ensure_eq(
                    &format!("apCV identity of beneficiary {}", b.key()),
                    b.apcv_identity().is_some(),
                    listed.has_apcv_identity,
                )?;
            }
            Ok(options)
        })
        .await?;
    // The second twin: same birth date as her sister, rank 2.
    let hugo = family
        .beneficiaries()
        .iter()
        .find(|b| b.given_name().as_str() == "HUGO")
        .or_fail("HUGO in the sample family")?;
    let hugo_ins = hugo
        .apcv_identity()
        .or_fail("HUGO's apCV identity in the sample family")?
        .ins;
    ensure(
        options.iter().any(|o| o.key == hugo.key()),
        "HUGO is listed",
    )?;
    let file = ctx
        .step("the user picks the second twin, HUGO", async {
            Ok(host.choose_beneficiary(hugo.key()).await?)
        })
        .await?;
    ctx.step(
        "HUGO's file shows the identity qualified with the INS the apCV gave",
        async {
            let display = observations.identity_display(&file).await?;
            ensure_eq("identity status", IdentityStatus::Qualifiee, display.status)?;
            ensure_eq("INS shown", Some(hugo_ins), display.ins)
        },
    )
    .await?;
    let outcome = apcv_read(&ctx, host, "the same QR code is presented again", &qr).await?;
    apcv.record_exchanges();
    ctx.step("a presentation is single-use: refused", async {
        ensure(
            matches!(outcome, ApcvReadOutcome::Refused(_)),
            format!("a replayed apCV presentation was accepted: {outcome:?}"),
        )
    })
    .await?;
    let stale = apcv.sim.present_qr(&family);
    ctx.clock().advance(StdDuration::from_secs(5 * 60));
    let outcome = apcv_read(
        &ctx,
        host,
        "a QR code shown five minutes ago is presented",
        &stale,
    )
    .await?;
    apcv.record_exchanges();
    ctx.step("an expired presentation is refused", async {
        ensure(
            matches!(outcome, ApcvReadOutcome::Refused(_)),
            format!("an expired apCV presentation was accepted: {outcome:?}"),
        )
    })
    .await?;
    let before = files.list().await?.len();
    let fresh = apcv.sim.present_qr(&family);
    let outcome = apcv_read(
        &ctx,
        host,
        "HUGO's family comes back: a new QR code",
        &fresh,
    )
    .await?;
    apcv.record_exchanges();
    ensure(
        matches!(outcome, ApcvReadOutcome::Read(_)),
        format!("a fresh apCV presentation was refused: {outcome:?}"),
    )?;
    let again = ctx
        .step("the user picks HUGO again", async {
            Ok(host.choose_beneficiary(hugo.key()).await?)
        })
        .await?;
    ctx.step("the same file opens: no duplicate", async {
        ensure_eq("file opened", &file, &again)?;
        ensure_eq("number of patient files", before, files.list().await?.len())
    })
    .await
}

// ---------------------------------------------------------------------------
// Ordonnance numérique

/// A qualified patient whose DMP exists and authorises the practitioner.
async fn dmp_patient(
    ctx: &RunContext,
    services: &Services,
    person: &Person,
) -> ScenarioResult<(PatientFileRef, Ins)> {
    let (file, _) = patient_file(ctx, person, IdentityStatus::Qualifiee).await?;
    let ins = person.ins()?;
    ctx.step(
        format!(
            "the DMP of {} {} exists and authorises the practitioner {PRACTITIONER_NATIONAL_ID}",
            person.family, person.given
        ),
        async {
            services.dmp.sim.add_patient(&ins);
            services.dmp.sim.authorize(&ins, PRACTITIONER_NATIONAL_ID);
            Ok(())
        },
    )
    .await?;
    Ok((file, ins))
}

fn request(content: PrescriptionContent) -> PrescriptionRequest {
    PrescriptionRequest::new(
        content,
        Addr::street("12", "Rue des Essais", "13001", "MARSEILLE"),
        Telecom::phone("0600000000", Some("MC")),
    )
}

fn health_products(ctx: &RunContext) -> ScenarioResult<PrescriptionContent> {
    let (products, _) = samples::prescription(Richness::Typical)
        .map_err(|e| Failure::internal(format!("sample prescription: {e}")))?;
    let now = ctx.now();
    Ok(PrescriptionContent::HealthProducts {
        products,
        context: PrescriptionContext::new(
            Ts::from_datetime(now),
            Ts::from_datetime(now + Duration::days(90)),
        ),
    })
}

fn nursing(ctx: &RunContext) -> PrescriptionContent {
    let mut acts = samples::n1_prescription(N1PrescriptionKind::Nursing);
    let now = ctx.now();
    acts.validity = Some((
        Ts::from_datetime(now),
        Ts::from_datetime(now + Duration::days(90)),
    ));
    PrescriptionContent::Acts(acts)
}

async fn issue(
    ctx: &RunContext,
    host: &dyn CarteVitale,
    file: &PatientFileRef,
    what: &str,
    content: PrescriptionContent,
) -> ScenarioResult<IssuedPrescription> {
    let request = request(content);
    ctx.step(format!("the professional issues {what}"), async {
        Ok(host.issue_prescription(file, request).await?)
    })
    .await
}

/// The FR-Code-a-barres image of an N3, if any.
fn barcode(doc: &Document) -> ScenarioResult<Option<Image>> {
    let Some(body) = doc.structured_body() else {
        return Ok(None);
    };
    let Some(section) = BARCODE.find(&body.sections) else {
        return Ok(None);
    };
    let images: Vec<Image> = BARCODE
        .read_entries(section, &doc.namespaces)
        .or_fail("the FR-Code-a-barres section of the document")?;
    Ok(images.into_iter().next())
}

/// Reads a 2D code image with rxing and checks it carries `id`.
fn code_reads_back(what: &str, png: &[u8], id: &PrescriptionId) -> ScenarioResult {
    let decoded = decode_image(png).or_fail(&format!("{what}: reading it with rxing"))?;
    let payload = decoded.payload().or_fail(&format!("{what}: its payload"))?;
    ensure_eq(
        &format!("{what}: prescription identifier"),
        id.as_str(),
        payload.id().as_str(),
    )
}

/// The `uniqueId`s of the documents the DMP holds for `patient`.
fn dmp_ids(services: &Services, patient: &Ins) -> ScenarioResult<Vec<String>> {
    Ok(services
        .dmp
        .documents(patient)?
        .into_iter()
        .map(|(unique_id, _)| unique_id)
        .collect())
}

/// The one document the DMP received for `patient` since `before` (its
/// `uniqueId`s then), recorded as evidence; fails when there is none or
/// several: the prescription reaches the DMP exactly once, whatever the
/// e-prescription service did.
fn dmp_document(
    ctx: &RunContext,
    services: &Services,
    patient: &Ins,
    before: &[String],
    id: &PrescriptionId,
) -> ScenarioResult<Document> {
    let mut new: Vec<(String, Document)> = services
        .dmp
        .documents(patient)?
        .into_iter()
        .filter(|(unique_id, _)| !before.contains(unique_id))
        .collect();
    ensure_eq(
        &format!("documents the DMP received for prescription {id}"),
        1,
        new.len(),
    )?;
    let (unique_id, doc) = new.remove(0);
    ctx.evidence().document(
        &format!("dmp-{}.xml", unique_id.replace(['^', '.'], "-")),
        Payload::xml(doc.to_xml()),
    );
    Ok(doc)
}

/// Checks an eP-MED-DM N3 in the DMP: valid, and stating the identifier
/// with the 2D code exactly when `registered`.
fn check_n3(doc: &Document, id: &PrescriptionId, registered: bool) -> ScenarioResult {
    ensure(
        doc.structured_body().is_some(),
        "a prescription of health products must reach the DMP as an N3 eP-MED-DM document",
    )?;
    let problems = ep::check(doc);
    ensure(
        problems.is_empty(),
        format!("the eP-MED-DM document breaks the volet's rules: {problems:?}"),
    )?;
    let stated = PrescriptionContext::from_header(&doc.header)
        .or_fail("the eP-MED-DM prescription context")?
        .prescription_id;
    let image = barcode(doc)?;
    if registered {
        ensure_eq(
            "prescription identifier stated in the document",
            Some(Ii::oid(&PRESCRIPTION_ID_ROOT, Some(id.to_string()))),
            stated,
        )?;
        let image = image.or_fail(
            "the 2D code (FR-Code-a-barres section) of a registered prescription in the DMP",
        )?;
        code_reads_back("the 2D code of the DMP document", &image.data, id)
    } else {
        ensure(
            stated.is_none(),
            "the DMP document states a prescription identifier the e-prescription service \
             never registered",
        )?;
        ensure(
            image.is_none(),
            "the DMP document carries a 2D code although the e-prescription service did not \
             register the prescription (SC.ORDN/CONF.05: send it without the code)",
        )
    }
}

async fn envoi_en_y(ctx: RunContext) -> ScenarioResult {
    let host = area(&ctx)?;
    ctx.patient_files()?;
    let services = configured(&ctx, host).await?;
    let (file, ins) = dmp_patient(&ctx, &services, &ALICE).await?;
    let before = dmp_ids(&services, &ins)?;
    let content = health_products(&ctx)?;
    let issued = issue(
        &ctx,
        host,
        &file,
        "a prescription of health products",
        content,
    )
    .await?;
    services.record_exchanges();
    ctx.step(
        "the e-prescription service registered it, and the host prints its 2D code",
        async {
            ensure(
                services
                    .eprescription
                    .sim
                    .registered()
                    .contains(&issued.id),
                format!(
                    "the e-prescription service did not register prescription {}",
                    issued.id
                ),
            )?;
            ensure(
                issued.registered,
                "the host says the prescription is not registered although the service registered it",
            )?;
            let png = issued
                .printed_code
                .as_deref()
                .or_fail("the 2D code printed on the patient's copy")?;
            ctx.evidence()
                .record(crate::ArtefactKind::Rendering, "printed-code.png", Payload::new("image/png", png.to_vec()));
            code_reads_back("the printed 2D code", png, &issued.id)
        },
    )
    .await?;
    ctx.step(
        "the DMP received the N3 eP-MED-DM once, with the identifier and the 2D code",
        async {
            let doc = dmp_document(&ctx, &services, &ins, &before, &issued.id)?;
            check_n3(&doc, &issued.id, true)
        },
    )
    .await?;
    let before = dmp_ids(&services, &ins)?;
    let issued = issue(&ctx, host, &file, "a nursing prescription", nursing(&ctx)).await?;
    services.record_exchanges();
    ctx.step(
        "the DMP received the nursing prescription once, as an N1",
        async {
            ensure(
                issued.registered,
                format!("the nursing prescription {} was not registered", issued.id),
            )?;
            let doc = dmp_document(&ctx, &services, &ins, &before, &issued.id)?;
            ensure(
                doc.non_xml_body().is_some(),
                "a prescription of acts must reach the DMP as an N1 document",
            )
        },
    )
    .await
}

async fn degraded(ctx: RunContext, behaviour: SimBehaviour, person: &Person) -> ScenarioResult {
    let host = area(&ctx)?;
    ctx.patient_files()?;
    let services = configured(&ctx, host).await?;
    let (file, ins) = dmp_patient(&ctx, &services, person).await?;
    services.eprescription.sim.script([behaviour]);
    let before = dmp_ids(&services, &ins)?;
    let content = health_products(&ctx)?;
    let issued = issue(
        &ctx,
        host,
        &file,
        "a prescription of health products",
        content,
    )
    .await?;
    services.record_exchanges();
    ctx.step("the host prints no 2D code", async {
        ensure(
            !issued.registered,
            "the host says the prescription is registered although the e-prescription service \
             did not confirm it",
        )?;
        ensure(
            issued.printed_code.is_none(),
            "the host prints a 2D code although the e-prescription service did not confirm the \
             prescription",
        )
    })
    .await?;
    ctx.step(
        "the DMP still received the document once, without the 2D code nor the identifier",
        async {
            let doc = dmp_document(&ctx, &services, &ins, &before, &issued.id)?;
            check_n3(&doc, &issued.id, false)
        },
    )
    .await
}

async fn service_unavailable(ctx: RunContext) -> ScenarioResult {
    degraded(ctx, SimBehaviour::Fail(503), &BRUNO).await
}

async fn service_timeout(ctx: RunContext) -> ScenarioResult {
    // Longer than the host's deadline: the host cannot know the outcome.
    degraded(ctx, SimBehaviour::Delay(DEADLINE * 3), &BRUNO).await
}
