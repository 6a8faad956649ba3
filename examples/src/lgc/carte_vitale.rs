//! The Application Carte Vitale and the ordonnance numérique, with
//! `segur-carte-vitale` (SC.APCV.01, SC.ORDN/CONF.01/04/05).
//!
//! - **apCV**: each presentation opens an `ApcvSession` (sans-IO: one
//!   presentation, 2-minute lifetime) driven through the
//!   `HttpApcvService` by `apcv::identify`; every beneficiary of the read
//!   is listed (`VitaleRead::choose` never picks among several). The chosen
//!   beneficiary's file is found by the INS the apCV gave, else by its
//!   traits, and the read is applied to it (`SelectedBeneficiary::apply_to`);
//!   a new file is created with the identity qualified by the apCV
//!   (`SelectedBeneficiary::qualified_identity`). An editor with a
//!   `segur_ins::sentinelle::Sentinelle` uses `segur_carte_vitale::patient`
//!   instead, which does the same over its patient index.
//! - **Ordonnance numérique**: the identifier comes from `IdGenerator`
//!   (default template), the documents from `CisisRenderer` (N3 eP-MED-DM
//!   for health products, N1 for acts), and `EnvoiEnY` sends them to the
//!   e-prescription service (`HttpEPrescriptionService`, with the deadline
//!   of the setup) and to the DMP through segur-dmp's `Feeder`, SQLite send
//!   queue and `FeedWorker` (one pass right after each send), the DMP
//!   receiving the document without the 2D code when the service failed.
//!   Every branch is traced in the practice's audit trail.
//!
//! The structure's signing certificate (VIHF and XAdES of the DMP
//! submissions) comes from segur-ssi's test PKI: this host only ever talks
//! to the simulators of the test environment.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use segur_carte_vitale::apcv::{self, ApcvSession, HttpApcvService};
use segur_carte_vitale::envoi_y::{EnvoiEnY, MemoryYJournal, YConfig, YParts};
use segur_carte_vitale::eprescription::HttpEPrescriptionService;
use segur_carte_vitale::ordonnance::{
    CisisRenderer, IdContext, IdGenerator, IdTemplate, Prescription,
};
use segur_carte_vitale::{
    ApcvPresentation, BeneficiaryChoice, BeneficiaryKey, BeneficiaryOption, SelectedBeneficiary,
    VitaleRead,
};
use segur_cda::builder::PatientBuilder;
use segur_cda::xds::XdsCode;
use segur_conformance::host::{
    ApcvReadOutcome, BoxFuture, CarteVitale, CarteVitaleSetup, HostError, IssuedPrescription,
    PatientFileRef, PatientFiles, PrescriptionRequest,
};
use segur_dmp::client::{DmpClient, LocalServices};
use segur_dmp::consent::SqliteConsentStore;
use segur_dmp::feed::SubmissionContext;
use segur_dmp::feeding::{DmpOrderSender, FeedWorker, Feeder, SegurPerimeter};
use segur_dmp::history::SqliteHistory;
use segur_dmp::queue::{Backoff, SqliteQueue};
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
use segur_ids::{Oid, Rpps, oid};
use segur_ins::{EventContext, Identity};
use segur_psc::SharedClock;
use segur_ssi::audit::{AuditTrail, Outcome};

use super::{Core, ReferenceLgc, failed, lock};
use crate::practice;

/// OID root of the practice's prescription documents: the document id is
/// this root with the prescription identifier as extension.
pub const PRESCRIPTION_DOCUMENT_ROOT: Oid = oid!("1.2.250.1.999.2.3");

/// `sourceId` of the practice's DMP submissions.
const SOURCE_ID: Oid = oid!("1.2.250.1.999.2");

/// The national services, once configured.
struct Connected {
    apcv: HttpApcvService,
    y: EnvoiEnY,
    ids: IdGenerator,
}

/// The apCV and e-prescription state of the running software.
#[derive(Default)]
pub(super) struct CarteVitaleState {
    connected: Mutex<Option<Arc<Connected>>>,
    /// The last apCV read, until the user picks a beneficiary.
    last_read: Mutex<Option<VitaleRead>>,
}

impl std::fmt::Debug for CarteVitaleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarteVitaleState").finish_non_exhaustive()
    }
}

impl Core {
    fn shared_clock(&self) -> SharedClock {
        Arc::new(self.clock.clone())
    }

    fn connected(&self) -> Result<Arc<Connected>, HostError> {
        lock(&self.carte_vitale.connected)
            .clone()
            .ok_or_else(|| HostError::failed("the national services are not configured"))
    }

    /// Builds the apCV client and the "envoi en Y" over the DMP stack.
    fn connect(&self, setup: &CarteVitaleSetup) -> Result<Connected, HostError> {
        let clock = self.shared_clock();
        let audit: Arc<dyn AuditTrail> = self.audit.clone();
        let apcv = HttpApcvService::new(setup.apcv.as_str(), None, Duration::from_secs(10))
            .map_err(|e| failed("apCV service")(&e))?;
        // The host's own deadline (EnvoiEnY) is the one that matters; the
        // HTTP timeout only bounds a stuck connection.
        let eprescription = HttpEPrescriptionService::new(
            setup.eprescription.as_str(),
            None,
            setup.eprescription_deadline + Duration::from_secs(30),
        )
        .map_err(|e| failed("e-prescription service")(&e))?;

        let memory =
            || rusqlite::Connection::open_in_memory().map_err(|e| failed("in-memory database")(&e));
        let consent = Arc::new(
            SqliteConsentStore::new(memory()?, audit.clone())
                .map_err(|e| failed("DMP consent store")(&e))?,
        );
        let history = Arc::new(
            SqliteHistory::new(memory()?).map_err(|e| failed("DMP document history")(&e))?,
        );
        let queue =
            Arc::new(SqliteQueue::new(memory()?).map_err(|e| failed("DMP send queue")(&e))?);

        // The structure's certificate, from the test PKI (test environment).
        let structure = practice::structure();
        let pki = segur_ssi::test_pki::TestPki::generate_at(self.now())
            .map_err(|e| failed("test PKI")(&e))?;
        let cert = pki
            .issue_organisation(&structure.id, &structure.name)
            .map_err(|e| failed("structure certificate")(&e))?;
        let signer = Arc::new(
            segur_dmp::XmlSigner::from_identity(
                &cert
                    .identity()
                    .map_err(|e| failed("structure identity")(&e))?,
            )
            .map_err(|e| failed("XML signer")(&e))?,
        );
        let practitioner = practice::practitioner();
        let actor = VihfActor::new(
            practitioner.id.to_string(),
            format!("{} {}", practitioner.family, practitioner.given),
            structure.id.clone(),
            "SA07",
        )
        .with_role(Role::profession("10", "Médecin"));
        let claims = Vihf::new(
            actor,
            LpsInfo::new(
                "segur-rs reference LGC",
                env!("CARGO_PKG_VERSION"),
                "SEGUR-RS-REF-0001",
            ),
            AuthenticationMode::IndirecteRenforcee,
            self.now(),
        );
        let local = LocalServices {
            consent: consent.clone(),
            audit: audit.clone(),
            scanner: self.scanner.clone(),
            history: history.clone(),
        };
        let context = SubmissionContext {
            source_id: SOURCE_ID,
            content_type_code: XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
        };
        let client = DmpClient::builder(
            setup.dmp.as_str(),
            Arc::new(SignedVihfSource::new(claims, signer.clone())),
            signer,
            local,
            context,
        )
        .clock(clock.clone())
        .build()
        .map_err(|e| failed("DMP client")(&e))?;
        let feeder = Arc::new(Feeder::new(
            queue.clone(),
            consent,
            audit.clone(),
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
        let mut config = YConfig::new(PRESCRIPTION_DOCUMENT_ROOT, practitioner.id.to_string());
        config.eprescription_timeout = setup.eprescription_deadline;
        let y = EnvoiEnY::new(
            YParts {
                eprescription: Arc::new(eprescription),
                renderer: Arc::new(CisisRenderer::new(practitioner)),
                queue,
                feeder,
                journal: Arc::new(MemoryYJournal::default()),
                audit,
                clock,
            },
            config,
        )
        .with_worker(worker);
        Ok(Connected {
            apcv,
            y,
            ids: IdGenerator::new(IdTemplate::default()),
        })
    }

    /// What the beneficiary list shows.
    fn beneficiary_options(read: &VitaleRead) -> Vec<BeneficiaryOption> {
        match read.choose() {
            BeneficiaryChoice::Several(options) => options,
            BeneficiaryChoice::Single(b) => {
                let one = b.beneficiary();
                vec![BeneficiaryOption {
                    key: one.key(),
                    usual_name: one.usual_name().to_string(),
                    given_name: one.given_name().to_string(),
                    birth_date: one.birth_date(),
                    birth_rank: one.birth_rank(),
                    quality: one.quality(),
                    has_apcv_identity: one.apcv_identity().is_some(),
                }]
            }
        }
    }

    /// The file of the chosen beneficiary: found by the apCV INS, else by
    /// traits, and qualified by the read; created qualified otherwise.
    fn open_beneficiary_file(
        &self,
        selected: &SelectedBeneficiary<'_>,
    ) -> Result<Option<PatientFileRef>, HostError> {
        let Some(apcv) = selected.beneficiary().apcv_identity() else {
            return Ok(None);
        };
        let user = practice::RPPS;
        let ctx = EventContext::new(self.now(), user);
        let by_ins = self.patients.find(|i| i.recorded_ins() == Some(&apcv.ins));
        let found = if by_ins.is_empty() {
            self.patients
                .find(|i| i.traits().strict_differences(&apcv.traits).is_empty())
        } else {
            by_ins
        };
        match found.as_slice() {
            [] => Ok(None),
            [(reference, identity)] => {
                let mut identity: Identity = identity.clone();
                selected
                    .apply_to(&mut identity, &ctx)
                    .map_err(|e| failed("the apCV identity does not match the file")(&e))?;
                self.patients.set_identity(reference, identity)?;
                self.trace(
                    self.event("patient.apcv.read", user, Outcome::Success)?
                        .with_patient(reference.as_str()),
                )?;
                Ok(Some(reference.clone()))
            }
            _ => Err(HostError::failed(
                "several files match the apCV identity: possible duplicates to resolve",
            )),
        }
    }
}

impl CarteVitale for ReferenceLgc {
    fn configure_carte_vitale(
        &self,
        setup: CarteVitaleSetup,
    ) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let connected = core.connect(&setup)?;
            *lock(&core.carte_vitale.connected) = Some(Arc::new(connected));
            Ok(())
        })
    }

    fn apcv_read(
        &self,
        presentation: ApcvPresentation,
    ) -> BoxFuture<'_, Result<ApcvReadOutcome, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let connected = core.connected()?;
            let clock = core.shared_clock();
            let mut session = ApcvSession::open(presentation.channel(), core.now());
            let read =
                match apcv::identify(&connected.apcv, &mut session, presentation, &*clock).await {
                    Ok(read) => read,
                    Err(e) => {
                        core.trace(
                            core.event("patient.apcv.read", practice::RPPS, Outcome::Failure)?
                                .with_detail("reason", e.to_string()),
                        )?;
                        return Ok(ApcvReadOutcome::Refused(e.to_string()));
                    }
                };
            let options = Core::beneficiary_options(&read);
            *lock(&core.carte_vitale.last_read) = Some(read);
            Ok(ApcvReadOutcome::Read(options))
        })
    }

    fn choose_beneficiary(
        &self,
        key: BeneficiaryKey,
    ) -> BoxFuture<'_, Result<PatientFileRef, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let read = lock(&core.carte_vitale.last_read)
                .clone()
                .ok_or_else(|| HostError::failed("no apCV read to choose from"))?;
            let selected = read.select(key).map_err(|e| failed("beneficiary")(&e))?;
            if let Some(file) = core.open_beneficiary_file(&selected)? {
                return Ok(file);
            }
            let ctx = EventContext::new(core.now(), practice::RPPS);
            let identity = selected
                .qualified_identity(&ctx)
                .map_err(|e| failed("apCV identity")(&e))?;
            self.create(&identity).await
        })
    }

    fn issue_prescription<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: PrescriptionRequest,
    ) -> BoxFuture<'a, Result<IssuedPrescription, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let connected = core.connected()?;
            let identity = core.patients.get(file)?.identity;
            let patient = PatientBuilder::from_identity(&identity)
                .local_id(&practice::PATIENT_ID_ROOT, file.as_str())
                .addr(request.patient_address)
                .telecom(request.patient_telecom)
                .build()
                .map_err(|e| failed("patient of the prescription")(&e))?;
            let prescriber =
                Rpps::parse(practice::RPPS).map_err(|e| failed("practitioner RPPS")(&e))?;
            let now = core.now();
            let id = connected
                .ids
                .generate(&IdContext::new(now).with_prescriber(&prescriber))
                .map_err(|e| failed("prescription identifier")(&e))?;
            let prescription = Prescription {
                id,
                prescriber,
                patient,
                patient_ref: file.as_str().to_owned(),
                issued_at: now,
                content: request.content,
            };
            let out = connected
                .y
                .send(&prescription)
                .await
                .map_err(|e| failed("envoi en Y")(&e))?;
            let printed_code = match &out.code {
                Some(code) => Some(
                    code.symbol()
                        .to_png(4)
                        .map_err(|e| failed("printed 2D code")(&e))?,
                ),
                None => None,
            };
            Ok(IssuedPrescription::new(
                out.id,
                out.eprescription.is_registered(),
                printed_code,
            ))
        })
    }
}
