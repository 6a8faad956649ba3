//! DMP / Mon espace santé for Ségur practice software: the XDS.b client over
//! SOAP 1.2 / MTOM with the VIHF, the patient's consent rules, the
//! crash-safe send queue of systematic feeding, the document history and
//! access traces, and a DMP simulator.
//!
//! # Layers
//!
//! **Sans-IO core** (no tokio, no network; bytes and `now` in, bytes out):
//!
//! - [`vihf`]: the VIHF SAML 2.0 assertion, signed by an [`XmlSigner`]
//!   (enveloped XML-DSig, exclusive c14n, RSA-SHA256 / ECDSA), verified by
//!   xmlsec1 in the tests; [`vihf::VihfSource`] gives one per call;
//! - [`soap`], [`mtom`]: SOAP 1.2 envelopes with WS-Addressing and
//!   WS-Security, MTOM/XOP encoding and decoding (property-tested);
//! - [`patient`]: TD0.2 (DMP existence, authorisation status) and the
//!   authorisation service;
//! - [`feed`]: TD2.1/2.2 ITI-41 — metadata from segur-cda, the signature
//!   document ([`xades`]), RPLC for new versions, XFRM for N1/N3 pairs sent
//!   together, visibility choices;
//! - [`xds`]: ITI-18 stored queries with every filter and typed results,
//!   ITI-43 retrieval, registry errors;
//! - [`update`]: TD3.3 ITI-57 — visibility, archive, delete, applied to
//!   several documents in one request (both forms of a pair);
//! - [`consent`]: the patient's consent record, its defaults and the rule
//!   checked before every transaction (traced);
//! - [`queue`]: the send queue's state machine and its SQLite store;
//! - [`history`]: documents sent / received per patient, duplicate and
//!   newer-version detection, synthetic view, access traces;
//! - [`rights`]: author-only deletion; imaging manifests (KOS): their
//!   metadata ([`rights::KosManifest`]) and who may feed / delete them
//!   ([`rights::KosRights`], SC.DMP/CONF.05), checked by the client and by
//!   the simulator alike;
//! - [`web`]: the contextual link to the web DMP.
//!
//! **IO shell** (feature `client`, default): [`client::DmpClient`], async and
//! cancellable, on reqwest + rustls (mutual TLS with segur-ssi
//! configurations, optional `segur_psc::TokenSource`); [`feeding`] wires
//! systematic feeding: the [`feeding::Feeder`] queues documents of the Ségur
//! perimeter, the [`feeding::FeedWorker`] drains the queue through the
//! client, exactly once.
//!
//! **Simulator** (feature `sim`): `sim::DmpSimulator`, a loopback DMP
//! speaking the real wire format, with fault injection and recorded
//! exchanges — the crate's tests and segur-conformance use it.
//!
//! # Example
//!
//! ```
//! # #[cfg(all(feature = "client", feature = "sim"))]
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use segur_dmp::client::{DmpClient, LocalServices};
//! use segur_dmp::consent::{ConsentRecord, ConsentStore, SqliteConsentStore};
//! use segur_dmp::feed::{Feed, SubmissionContext};
//! use segur_dmp::history::SqliteHistory;
//! use segur_dmp::sim::DmpSimulator;
//! use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, SignedVihfSource, Vihf, VihfActor};
//! use segur_dmp::xds::FindDocuments;
//!
//! // A simulated DMP with the (fictitious) patient of segur-cda's samples.
//! let doc = segur_cda::samples::n1_document()?;
//! let patient = segur_ins::Ins::new("285037511104286".parse()?, segur_ins::InsOid::Test);
//! let sim = DmpSimulator::start().await?;
//! sim.add_patient(&patient);
//! sim.authorize(&patient, "810003612545");
//!
//! // The structure's certificate signs the VIHF and the submissions.
//! let pki = segur_ssi::test_pki::TestPki::generate()?;
//! let structure: segur_ids::IdNatStruct = "499700000000001".parse()?;
//! let cert = pki.issue_organisation(&structure, "CABINET TEST")?;
//! let signer = Arc::new(segur_dmp::XmlSigner::from_identity(&cert.identity()?)?);
//! let actor = VihfActor::new("810003612545", "MEDECIN-TEST Jean", structure, "SA07")
//!     .with_role(Role::profession("10", "Médecin"));
//! let claims = Vihf::new(actor, LpsInfo::new("mon-lgc", "1.0", "HOMOLOGATION-0001"),
//!     AuthenticationMode::IndirecteRenforcee, time::OffsetDateTime::now_utc());
//!
//! // Local services: consent records, audit trail, antivirus, history.
//! let audit = Arc::new(segur_ssi::audit::MemoryAuditTrail::new());
//! let consent = Arc::new(SqliteConsentStore::new(rusqlite::Connection::open_in_memory()?, audit.clone())?);
//! let local = LocalServices {
//!     consent: consent.clone(),
//!     audit,
//!     scanner: Arc::new(segur_ssi::antivirus::EicarScanner::new()),
//!     history: Arc::new(SqliteHistory::new(rusqlite::Connection::open_in_memory()?)?),
//! };
//! let context = SubmissionContext {
//!     source_id: segur_cda::samples::SAMPLE_STRUCTURE_OID,
//!     content_type_code: segur_cda::xds::XdsCode::new("04", "1.2.250.1.213.2.2", "Hospitalisation de jour"),
//! };
//! let client = DmpClient::builder(&sim.base_url(),
//!     Arc::new(SignedVihfSource::new(claims, signer.clone())), signer, local, context).build()?;
//!
//! // Feeding is allowed by default; consultation needs the patient informed.
//! client.feed(&Feed::document(doc.to_xml())).await?;
//! consent.set(&patient, ConsentRecord { informed: true, ..Default::default() },
//!     "810003612545", time::OffsetDateTime::now_utc())?;
//! let found = client.search(&patient, &FindDocuments::new()).await?;
//! assert_eq!(found[0].entry.title.as_deref(), Some("Compte rendu de consultation"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

// The crate-private sans-IO builders and readers serve both directions: the
// client writes requests and reads responses, the simulator the reverse.
// Without both features some of them are unused.
#![cfg_attr(not(all(feature = "client", feature = "sim")), allow(dead_code))]

#[cfg(feature = "client")]
pub mod client;
pub mod consent;
mod dsig;
mod error;
pub mod feed;
pub mod feeding;
pub mod history;
pub mod mtom;
pub mod patient;
pub mod queue;
pub mod rights;
#[cfg(feature = "sim")]
pub mod sim;
pub mod soap;
mod time_fmt;
pub mod update;
pub mod vihf;
pub mod web;
pub mod xades;
pub mod xds;
mod xml;

pub use dsig::XmlSigner;
pub use error::{
    Error, FeedError, MimeError, ProtocolError, SignatureError, StoreError, TransportError,
    TransportErrorKind, VihfError,
};

/// A [`segur_psc::Clock`] reading a closure.
pub struct FnClock(Box<dyn Fn() -> time::OffsetDateTime + Send + Sync>);

impl FnClock {
    /// A clock reading `now`.
    pub fn new(now: impl Fn() -> time::OffsetDateTime + Send + Sync + 'static) -> Self {
        Self(Box::new(now))
    }
}

impl std::fmt::Debug for FnClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnClock")
    }
}

impl segur_psc::Clock for FnClock {
    fn now(&self) -> time::OffsetDateTime {
        (self.0)()
    }
}
/// A boxed, `Send` future (keeps the sender traits object-safe).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
pub use xml::XmlError;
