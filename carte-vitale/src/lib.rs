//! Carte Vitale, Application Carte Vitale (apCV) and ordonnance numérique
//! for Ségur practice software (SC.APCV.01, SENTINELLE.03,
//! SC.ORDN/CONF.01/04/05).
//!
//! # What is here
//!
//! - [`vitale`]: the typed model of a Vitale read, physical card or apCV
//!   ([`VitaleRead`]): the insured person's (*ouvrant droit*) NIR vs each
//!   beneficiary's own NIR, [`BirthRank`] (rang gémellaire), birth dates as
//!   read including lunar ones ([`VitaleDate`]), names, AMO affiliation
//!   ([`AmoAffiliation`]: régime / caisse / centre), rights periods, and for
//!   the apCV the INS with its traits ([`ApcvIdentity`]). The beneficiary
//!   choice ([`VitaleRead::choose`] → [`BeneficiaryChoice`] →
//!   [`VitaleRead::select`]) never picks silently among several, and a
//!   [`SelectedBeneficiary`] converts into what segur-ins takes: the INSi
//!   `RECVITALE` fields ([`VitaleQueryFields`]), a pre-filled patient
//!   ([`PatientDraft`]: nothing typed twice, what is missing and what to
//!   check listed), and for the apCV a **qualified** identity produced by
//!   segur-ins' own state machine ([`SelectedBeneficiary::qualified_identity`],
//!   [`SelectedBeneficiary::apply_to`]: `IdentityEvent::AppliCarteVitaleRead`).
//! - [`patient`] (feature `sentinelle`, default): the patient file of the
//!   chosen beneficiary through segur-ins' Sentinelle workflows
//!   ([`patient::find_patient`]: the apCV INS looked up in the index, a
//!   physical card through INSi `RECVITALE`; [`patient::create_patient`]
//!   without retyping, qualified at once from the apCV).
//! - [`reader`]: the [`VitaleReader`] seam over the host's SESAM-Vitale stack.
//! - [`apcv`]: the apCV identification flow (QR code / NFC presentation →
//!   [`ApcvSession`] → [`ApcvService`] → read), with an HTTP shell.
//! - [`ordonnance`]: the unique prescription identifier (configurable
//!   template, documented default, check character), the 2D code (QR code
//!   and DataMatrix; payload builder/parser; SVG, PNG and PDF drawing;
//!   reading back with rxing), the [`ordonnance::Prescription`] (content in
//!   segur-cda's volet models) and its CDA document
//!   ([`ordonnance::PrescriptionRenderer`]; [`ordonnance::CisisRenderer`]
//!   built on segur-cda's volet builders: N3 eP-MED-DM 2024.01 for health
//!   products with the identifier and the code, N1 for the other kinds).
//! - [`eprescription`]: the e-prescription service seam
//!   ([`eprescription::EPrescriptionService`]) and an HTTP shell.
//! - [`envoi_y`]: the "envoi en Y" orchestrator: e-prescription service AND
//!   the DMP (segur-dmp's `Feeder`, send queue and `FeedWorker`), the DMP
//!   receiving the document
//!   without the 2D code when the service fails or does not answer in time,
//!   every branch traced in the segur-ssi audit trail, retries never
//!   duplicated.
//! - [`sim`] (feature `sim`): Vitale reader, apCV service and e-prescription
//!   service simulators (loopback, injectable clock, recorded exchanges), and
//!   a fictitious family card.
//!
//! # Assumptions (the normative documents are not public)
//!
//! SESAM-Vitale addendum 8 (apCV), the GIE's integration guides and the CNAM
//! e-prescription specification were not available. Every technical point
//! they settle is a seam here, and these choices are documented where they
//! are made (all UNCONFIRMED):
//!
//! - the Vitale data-group layout: the host's stack maps it onto
//!   [`VitaleRead`]; the quality codes beyond 0/2/6 and the régime labels are
//!   informative ([`Quality`], [`RegimeCode::label`]);
//! - apCV: QR text `APCV1:<token>`, 2-minute single-use presentations, the
//!   HTTP exchange of [`apcv`]; an apCV identity is qualified directly (RNIV,
//!   ayants droit included, per `ins.md` §8) — whereas `carte-vitale.md`
//!   advises not to auto-qualify: we follow the RNIV text and segur-ins'
//!   state machine, and only a beneficiary for which the apCV gave an INS
//!   gets one;
//! - the prescription identifier format ([`ordonnance::id`], default
//!   `{time}{rand:16}{check}`), the 2D code symbology (QR by default,
//!   DataMatrix available) and payload (the identifier alone by default),
//!   the code's size and place on the page ([`ordonnance::print`]);
//! - the e-prescription service contract ([`eprescription`]: PUT on the
//!   identifier, idempotent) and its deadline (10 s by default);
//! - the CONF.05 rule itself (DMP without the code when the service fails)
//!   comes from the project brief;
//! - the DMP receives one document per prescription (the N3 alone for
//!   health products, its PDF copy being the printed page), queued through
//!   segur-dmp's `Feeder` ([`envoi_y`]); the N3 states the identifier (CNAM
//!   root `1.2.250.1.215.500.1.1`) only once the e-prescription service
//!   registered it.
//!
//! # Features
//!
//! - `client` (default): reqwest + rustls (ring) shells for the apCV and
//!   e-prescription services.
//! - `image` (default): PNG/JPEG reading of the 2D code (rxing QR +
//!   DataMatrix readers, without rxing's `image` feature); PNG writing is
//!   always available.
//! - `sentinelle` (default): [`patient`], over segur-ins' `insi` feature.
//! - `sim`: the simulators.
//!
//! # Example: choosing a beneficiary of a card
//!
//! ```
//! use segur_carte_vitale::*;
//! # fn card() -> Result<VitaleRead, VitaleError> {
//! #     let b = |given: &str, date: &str, rank: u8, quality: Quality| -> Result<Beneficiary, VitaleError> {
//! #         Ok(Beneficiary::new(VitaleName::parse("TESTVITALE")?, VitaleName::parse(given)?,
//! #             VitaleDate::parse(date)?, BirthRank::new(rank)?, quality))
//! #     };
//! #     VitaleRead::new(CardSource::PhysicalCard,
//! #         segur_ins::Nir::from_base("1790363220123").map_err(|_| VitaleError::NoBeneficiary)?,
//! #         AmoAffiliation::parse("01", "751", "0000")?,
//! #         vec![b("PAUL", "1979-03-28", 1, Quality::Assure)?,
//! #              b("LEA", "2015-06-12", 1, Quality::Enfant)?,
//! #              b("HUGO", "2015-06-12", 2, Quality::Enfant)?],
//! #         time::OffsetDateTime::UNIX_EPOCH)
//! # }
//! let read: VitaleRead = card()?; // from a VitaleReader, or the apCV
//! let selected = match read.choose() {
//!     BeneficiaryChoice::Single(b) => b,
//!     BeneficiaryChoice::Several(options) => {
//!         // Show the list; the user picks the second twin.
//!         let hugo = options.iter().find(|o| o.given_name == "HUGO").expect("listed");
//!         read.select(hugo.key)?
//!     }
//! };
//! // INSi RECVITALE: the ouvrant droit's NIR, the birth date and rank.
//! let query = selected.insi_query();
//! assert_eq!(query.birth_rank.get(), 2);
//! // A new patient, pre-filled: the form asks only for what is missing.
//! let draft = selected.patient_draft();
//! let traits = draft.complete(|b| b.sex(segur_ins::Sex::Male).birth_place("75111"))?;
//! assert_eq!(traits.first_given_name().as_str(), "HUGO");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The "envoi en Y" end to end (simulator, queue, audit trail) is in
//! `examples/envoi_en_y.rs`.

pub mod apcv;
pub mod envoi_y;
pub mod eprescription;
mod error;
#[cfg(feature = "client")]
mod http;
pub mod ordonnance;
#[cfg(feature = "sentinelle")]
pub mod patient;
pub mod reader;
mod serde_fmt;
#[cfg(feature = "sim")]
pub mod sim;
pub mod vitale;

pub use apcv::{ApcvPresentation, ApcvService, ApcvSession};
pub use error::{
    ApcvError, CodeError, EPrescriptionError, Error, IdError, ReaderError, RenderError, StoreError,
    VitaleError,
};
pub use reader::VitaleReader;
pub use vitale::*;

/// A boxed, `Send` future (keeps the service traits object-safe).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
