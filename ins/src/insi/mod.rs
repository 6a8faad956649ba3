//! The INSi teleservice (CNAM / GIE SESAM-Vitale): search of the INS by
//! identity traits (`RECSANSVITALE`) or with carte Vitale data (`RECVITALE`).
//!
//! # Layers
//!
//! - [`soap`]: the **sans-IO core**. [`soap::build_request`] writes the SOAP
//!   1.2 envelope with every header block of the WSDL (`wsse:Security` with
//!   the professional's assertion when there is one, `ctxlps:ContexteLPS`,
//!   `ctxbam:ContexteBAM`, `wsa:Action`, `wsa:MessageID`);
//!   [`soap::parse_response`] turns the HTTP status and body into an
//!   [`InsiResponse`] or a typed [`InsiError`]. Ids and `now` are parameters.
//!   The service side ([`soap::parse_request`], [`soap::build_result`],
//!   [`soap::build_fault`]) serves the simulator and conformance checks.
//! - [`InsiClient`]: the **async shell** (reqwest + rustls, ring provider):
//!   authentication ([`InsiAuth`]: structure certificate from PKCS#12 for
//!   mutual TLS, Pro Santé Connect bearer token from a
//!   [`segur_psc::TokenSource`], CPS card through a [`CpsSigner`] the host
//!   implements), timeouts, retries of transient failures ([`RetryPolicy`]),
//!   injectable clock, optional audit trail. It never blocks a thread.
//! - [`GivenNameStrategy`]: which `Prenom` values to try when the patient
//!   has several birth given names; [`InsiClient::search`] combines the
//!   answers into a [`SearchReport`].
//! - [`TraitsDiff`]: the per-trait comparison of local and returned traits
//!   with the INSi equivalence rules (SENTINELLE.16).
//! - `sim` (feature `sim`): an in-process INSi simulator on loopback.
//!
//! Every outcome, warning and error has `explanation()`: a plain-French
//! sentence with the action the user should take (SENTINELLE.15).
//!
//! # Answers
//!
//! Code `00` gives one [`InsiIdentity`] (current INS, history of previous
//! matricules, returned traits), `01` none, `02` several. A returned
//! matricule whose key does not match (some official test answers carry one)
//! is kept as received, reported as a [`ResponseWarning::KeyMismatch`] and
//! never turned into a checked [`crate::Ins`].
//!
//! # Example
//!
//! ```no_run
//! use segur_ins::insi::{GivenNameStrategy, InsiAuth, InsiClient, SoftwareIdentity};
//! use segur_ins::{BirthDate, Sex, Traits};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let identity = segur_ssi::tls::Identity::from_pkcs12_file("INSI-AUTO.p12", "secret")?;
//! let trust = segur_ssi::tls::TrustStore::from_files(
//!     segur_ssi::tls::TrustEnvironment::Test,
//!     ["ACR-EL.pem", "ACI-EL-ORG.pem"],
//! )?;
//! let client = InsiClient::builder(
//!     segur_ins::insi::QUALIF_MTLS_ENDPOINT,
//!     SoftwareIdentity::new("IDAM-CNDA", "1.0", "MonLogiciel", "poste-1"),
//!     "499700000000001",
//! )
//! .auth(InsiAuth::ServerCertificate(identity))
//! .trust_store(trust)
//! .build()?;
//! let traits = Traits::builder()
//!     .birth_family_name("ECETINSI")
//!     .birth_given_names("PIERRE-ALAIN MURIEL FLORIANT")
//!     .birth_date(BirthDate::parse("2009-07-14")?)
//!     .sex(Sex::Male)
//!     .build()?;
//! let report = client.search(&traits, GivenNameStrategy::EachThenAll).await?;
//! println!("{}", report.explanation());
//! # Ok(()) }
//! ```

pub mod assertion;
mod client;
mod diff;
mod error;
mod explain;
mod model;
pub mod soap;
mod strategy;
mod xml;

#[cfg(feature = "sim")]
pub mod sim;

pub use assertion::{
    CpsSigner, ProfessionalAttributes, SignatureAlgorithm, SignerError, SoftwareSigner,
};
pub use client::{
    CertificateMode, InsiAuth, InsiClient, InsiClientBuilder, InsiExchange, InsiService,
    QUALIF_CPX_ENDPOINT, QUALIF_MTLS_ENDPOINT, RetryPolicy,
};
pub use diff::{TraitComparison, TraitVerdict, TraitsDiff, field_label};
pub use error::{
    FaultCode, InsiError, KnownFault, QueryError, SiramError, SoapFault, TransportKind,
};
pub use model::{
    InsPosition, InsiIdentity, InsiOutcome, InsiResponse, LunarDate, Operation, Query,
    ResponseWarning, ResultCode, ReturnedIns, ReturnedTraits, TraitsQuery, VitaleQuery,
};
pub use model::{
    NS_CTXBAM, NS_CTXLPS, NS_DSIG, NS_RECSANS, NS_RECVIT, NS_RESULTAT, NS_SAML, NS_SIRAM,
    NS_SOAP12, NS_WSA, NS_WSSE,
};
pub use soap::SoftwareIdentity;
pub use strategy::{GivenNameStrategy, SearchAttempt, SearchReport};

/// The injectable clock (shared with segur-psc).
pub use segur_psc::{Clock, ManualClock, SharedClock, SystemClock};
