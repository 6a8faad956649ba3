//! MSSanté secure messaging for Ségur practice software (segur-rs).
//!
//! # Layers
//!
//! | module | what |
//! |---|---|
//! | [`imap::proto`], [`smtp::proto`], [`sasl`] | sans-IO protocol cores: command encoding and response parsing as pure functions (table-driven tests) |
//! | [`imap::client`], [`smtp::client`] | tokio shells: the standard connection sequence over TLS 1.2+ (rustls, segur-ssi configurations), implicit TLS or STARTTLS |
//! | [`mailbox`] | [`Mailbox`](mailbox::Mailbox): authentication by client certificate (`EXTERNAL`) or Pro Santé Connect token (`XOAUTH2` / `OAUTHBEARER`), automatic reopening of closed sessions without losing the operation, several mailboxes per user ([`MailboxSet`](mailbox::MailboxSet)) |
//! | [`message`] | outgoing messages with every MSSanté convention (X-MSS-* headers, XDM subject, PDF naming, threading, MDN/DSN requests, one patient per message, N1+N3 pairs), reading received ones, MDN/DSN |
//! | [`PatientMailbox`] | Mon espace santé patient mailboxes, built only from a qualified INS |
//! | [`xdm`] | `IHE_XDM.zip`: IHE layout, defensive reading (zip slip, bombs, encryption, links → typed errors), packing with segur-cda's XDS metadata and unpacking with hash/size checks; N1/N3 pairs packed and read back as one unit linked by XFRM ([`xdm::PackItem`], SC.CDA/DD.13); the replace / withdraw action of each document ([`xdm::XdmAction`]) |
//! | [`documents`] | the message-convention facts of a CDA (segur-cda header) |
//! | [`reception`] | received messages: antivirus (segur-ssi `Scanner`), XDM, patient matching, new documents and versions, provenance |
//! | [`autoconfig`] | DNS SRV (RFC 6186/8314, resolver pointable at a test DNS), AutoConfig XML, manual override; cached and explained |
//! | [`annuaire`] | Annuaire Santé FHIR client (every MSSanté address with its type) and the streamed `Extraction_Correspondance_MSSante` parser |
//! | [`outbox`] | the persistent send queue (SQLite behind a trait): idempotent on `Message-ID`, retries with back-off, survives crashes without losing or duplicating a message; the delivery / read status of sent messages from DSNs (delivered, delayed, failed) and MDNs, and read receipts sent under the host's policy |
//! | [`trace`] | functional traces in the segur-ssi audit trail |
//! | `sim` (feature `sim`) | a loopback MSSanté operator: IMAP + SMTP submission over TLS with the test PKI, token check, session kills, bounces; fakes of the Annuaire Santé FHIR API, a DNS and an AutoConfig server |
//!
//! Errors are one [`Error`] enum with a family per area; transport errors
//! answer [`Error::is_connection_lost`] and [`Error::is_transient`].
//!
//! # Example
//!
//! Building a message needs no network (the IO shell sends it with
//! [`Mailbox::send`](mailbox::Mailbox::send)):
//!
//! ```
//! use segur_mss::message::{MessageBuilder, Recipient, display_subject};
//! use segur_mss::MailAddress;
//!
//! let from: MailAddress = "dr.martin@medecin.mssante.fr".parse()?;
//! let msg = MessageBuilder::new(from, "DEV935997")
//!     .to(Recipient::address("cardio@hopital.mssante.fr".parse()?)?)
//!     .subject("Demande d'avis")
//!     .text("Bonjour,")
//!     .build(time::OffsetDateTime::UNIX_EPOCH)?;
//! assert!(msg.message_id.ends_with("@medecin.mssante.fr>"));
//! assert_eq!(display_subject("XDM/1.0/DDM+CR CORSE Figatellix 12/10/1988"), "CR CORSE Figatellix 12/10/1988");
//! // A patient mailbox address cannot be used as a plain recipient.
//! assert!(Recipient::address("279035121518989@patient.mssante.fr".parse()?).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod address;
pub mod annuaire;
pub mod autoconfig;
pub mod config;
pub mod documents;
mod error;
pub mod imap;
pub mod mailbox;
pub mod message;
mod net;
pub mod outbox;
mod patient_mailbox;
pub mod reception;
pub mod sasl;
#[cfg(feature = "sim")]
pub mod sim;
pub mod smtp;
pub mod trace;
pub mod xdm;

pub use address::{MailAddress, MailboxKind, PATIENT_DOMAIN};
pub use error::{
    AddressError, AnnuaireError, AuthError, AutoconfigError, BounceReason, ConnectionError,
    DeliveryError, Error, MessageError, OutboxError, Protocol, ProtocolError, ReceptionError,
    RefusalKind, Result, XdmError,
};
pub use patient_mailbox::{PatientMailbox, matricule_of};
