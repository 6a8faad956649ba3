//! MSSanté secure messaging for Ségur practice software.
//!
//! Work in progress: see the module list.

mod address;
mod error;
pub mod imap;
pub mod sasl;
pub mod smtp;

pub use address::{MailAddress, MailboxKind, PATIENT_DOMAIN};
pub use error::{
    AddressError, AnnuaireError, AuthError, AutoconfigError, BounceReason, ConnectionError,
    DeliveryError, Error, MessageError, Protocol, ProtocolError, ReceptionError, Result, XdmError,
};
