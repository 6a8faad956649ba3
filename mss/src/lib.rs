//! MSSanté secure messaging for Ségur practice software.
//!
//! Work in progress: see the module list.

mod address;
mod error;
pub mod imap;
pub mod message;
mod patient_mailbox;
pub mod sasl;
pub mod smtp;
pub mod xdm;

pub use address::{MailAddress, MailboxKind, PATIENT_DOMAIN};
pub use error::{
    AddressError, AnnuaireError, AuthError, AutoconfigError, BounceReason, ConnectionError,
    DeliveryError, Error, MessageError, Protocol, ProtocolError, ReceptionError, Result, XdmError,
};
pub use patient_mailbox::{PatientMailbox, matricule_of};
