//! Fixtures shared by the integration tests (all data fictitious).
#![allow(dead_code)]

use std::path::PathBuf;

use segur_dmp::XmlSigner;
use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, Vihf, VihfActor};
use segur_ids::IdNatStruct;
use segur_ins::{Ins, InsOid, Nir};
use segur_ssi::test_pki::{TestCert, TestPki};
use segur_ssi::tls::Identity;

/// The committed, test-only RSA-2048 key (no real use anywhere).
pub const RSA_KEY_PEM: &str = include_str!("../data/vihf-test-rsa2048.key.pem");

pub fn structure() -> IdNatStruct {
    "499700000000001".parse().expect("test structure id")
}

/// A self-signed RSA certificate for the committed key: RSA-SHA256 VIHF
/// signatures, as with an IGC-Santé organisation certificate.
pub fn rsa_identity() -> (Identity, String) {
    let key = rcgen::KeyPair::from_pem(RSA_KEY_PEM).expect("rsa key");
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CountryName, "FR");
    dn.push(rcgen::DnType::OrganizationName, "CABINET DE TEST SEGUR-RS");
    dn.push(rcgen::DnType::OrganizationalUnitName, "499700000000001");
    dn.push(rcgen::DnType::CommonName, "LGC CABINET DE TEST");
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key).expect("self-signed");
    let pem = cert.pem();
    let identity = Identity::from_pem(pem.as_bytes(), RSA_KEY_PEM.as_bytes()).expect("identity");
    (identity, pem)
}

pub fn rsa_signer() -> (XmlSigner, String) {
    let (id, pem) = rsa_identity();
    (XmlSigner::from_identity(&id).expect("signer"), pem)
}

pub struct Pki {
    pub pki: TestPki,
    pub org: TestCert,
}

pub fn pki() -> Pki {
    let pki = TestPki::generate().expect("test pki");
    let org = pki
        .issue_organisation(&structure(), "CABINET DE TEST SEGUR-RS")
        .expect("org cert");
    Pki { pki, org }
}

pub fn ins() -> Ins {
    Ins::new(Nir::parse("279035121518989").expect("nir"), InsOid::Test)
}

pub fn actor() -> VihfActor {
    VihfActor::new("810003612545", "MARTIN Jeanne", structure(), "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"))
}

pub fn lps() -> LpsInfo {
    LpsInfo::new("segur-rs", "0.1.0", "SEGUR-RS-TEST-0001").with_instance_id("POSTE-01")
}

pub fn vihf(mode: AuthenticationMode) -> Vihf {
    Vihf::new(actor(), lps(), mode, time::OffsetDateTime::now_utc()).for_patient(ins())
}

/// Where tests write their outputs (`$SEGUR_TEST_OUT` or target/segur-test-out).
pub fn test_out(sub: &str) -> PathBuf {
    let base = std::env::var_os("SEGUR_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/segur-test-out"
            ))
        });
    let dir = base.join("dmp").join(sub);
    std::fs::create_dir_all(&dir).expect("test out dir");
    dir
}

// ---------------------------------------------------------------------------
// Simulator harness

use std::sync::Arc;

use segur_cda::body::{Narrative, Section};
use segur_cda::clock::OidSequence;
use segur_cda::datatypes::Code;
use segur_cda::vocab::code_system;
use segur_cda::xds::XdsCode;
use segur_cda::{Document, NonXmlBody, StructuredBody, samples};
use segur_dmp::client::{DmpClient, LocalServices};
use segur_dmp::consent::{ConsentRecord, ConsentStore, SqliteConsentStore};
use segur_dmp::feed::SubmissionContext;
use segur_dmp::history::SqliteHistory;
use segur_dmp::sim::DmpSimulator;
use segur_dmp::vihf::SignedVihfSource;
use segur_ssi::antivirus::{EicarScanner, Scanner};
use segur_ssi::audit::MemoryAuditTrail;

/// The national id of the sample documents' author (and of [`actor`]).
pub const AUTHOR: &str = "810003612545";
/// Another professional.
pub const OTHER: &str = "810000000058";

/// The patient of segur-cda's sample documents (test INS root).
pub fn sample_patient() -> Ins {
    Ins::new(
        Nir::parse("285037511104286").expect("sample NIR"),
        InsOid::Test,
    )
}

/// A fictitious N1 consultation report with its own ids (`n` distinguishes documents).
pub fn n1_doc(n: u64) -> Document {
    let ids = OidSequence::starting_at(samples::SAMPLE_STRUCTURE_OID, "TDOC-", n * 100);
    let patient = samples::patient().build().expect("patient");
    samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n1(NonXmlBody::pdf(samples::simple_pdf(&[
            "Compte rendu",
            "RAS",
        ])))
        .expect("n1")
}

/// A fictitious N3 consultation report.
pub fn n3_doc(n: u64) -> Document {
    let ids = OidSequence::starting_at(samples::SAMPLE_STRUCTURE_OID, "TN3-", n * 100);
    let patient = samples::patient().build().expect("patient");
    let body = StructuredBody {
        sections: vec![Section {
            code: Some(Code::new("29545-1", &code_system::LOINC, "Examen physique")),
            title: Some("Examen clinique".into()),
            text: Some(Narrative::new().paragraph("Auscultation normale.").build()),
            ..Section::default()
        }],
    };
    samples::consultation_header(patient, &samples::clock(), &ids)
        .build_n3(vec![], body)
        .expect("n3")
}

/// A fictitious formatCode for the N3 test documents.
pub fn n3_format() -> XdsCode {
    XdsCode::new(
        "urn:segur-rs:test:cr-consultation",
        "1.2.250.1.213.1.1.4.2.282",
        "CR de consultation (test)",
    )
}

pub fn context() -> SubmissionContext {
    SubmissionContext {
        source_id: samples::SAMPLE_STRUCTURE_OID,
        content_type_code: XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
    }
}

/// The local services of one test, in memory.
pub struct Local {
    pub consent: Arc<SqliteConsentStore>,
    pub audit: Arc<MemoryAuditTrail>,
    pub history: Arc<SqliteHistory>,
    pub services: LocalServices,
}

pub fn local_with(scanner: Arc<dyn Scanner>) -> Local {
    let audit = Arc::new(MemoryAuditTrail::new());
    let consent = Arc::new(
        SqliteConsentStore::new(
            rusqlite::Connection::open_in_memory().expect("db"),
            audit.clone(),
        )
        .expect("consent"),
    );
    let history = Arc::new(
        SqliteHistory::new(rusqlite::Connection::open_in_memory().expect("db")).expect("history"),
    );
    let services = LocalServices {
        consent: consent.clone(),
        audit: audit.clone(),
        scanner,
        history: history.clone(),
    };
    Local {
        consent,
        audit,
        history,
        services,
    }
}

pub fn local() -> Local {
    local_with(Arc::new(EicarScanner::new()))
}

/// A professional's actor.
pub fn actor_named(name_id: &str, display: &str) -> VihfActor {
    VihfActor::new(name_id, display, structure(), "SA07")
        .with_role(Role::profession("10", "Médecin"))
        .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"))
}

/// A client builder for `base_url` acting as `actor` in `mode`, signing
/// with `signer`.
pub fn builder_with(
    base_url: &str,
    actor: VihfActor,
    mode: AuthenticationMode,
    local: &Local,
    signer: XmlSigner,
) -> segur_dmp::client::DmpClientBuilder {
    let signer = Arc::new(signer);
    let claims = Vihf::new(actor, lps(), mode, time::OffsetDateTime::now_utc());
    DmpClient::builder(
        base_url,
        Arc::new(SignedVihfSource::new(claims, signer.clone())),
        signer,
        local.services.clone(),
        context(),
    )
}

/// A client for the simulator acting as `actor` in `mode` (RSA signer).
pub fn client(
    sim: &DmpSimulator,
    actor: VihfActor,
    mode: AuthenticationMode,
    local: &Local,
) -> DmpClient {
    builder_with(&sim.base_url(), actor, mode, local, rsa_signer().0)
        .build()
        .expect("client")
}

/// Records that the patient was informed and did not object.
pub fn informed(local: &Local, patient: &Ins) {
    local
        .consent
        .set(
            patient,
            ConsentRecord {
                informed: true,
                ..ConsentRecord::default()
            },
            AUTHOR,
            time::OffsetDateTime::now_utc(),
        )
        .expect("consent");
}

/// Simulator + author client, patient with a DMP, author authorised,
/// patient informed.
pub struct Env {
    pub sim: DmpSimulator,
    pub local: Local,
    pub client: DmpClient,
    pub patient: Ins,
}

pub async fn env() -> Env {
    let sim = DmpSimulator::start().await.expect("sim");
    let patient = sample_patient();
    sim.add_patient(&patient);
    sim.authorize(&patient, AUTHOR);
    let local = local();
    informed(&local, &patient);
    let client = client(
        &sim,
        actor_named(AUTHOR, "MEDECIN-TEST Jean"),
        AuthenticationMode::IndirecteRenforcee,
        &local,
    );
    Env {
        sim,
        local,
        client,
        patient,
    }
}
