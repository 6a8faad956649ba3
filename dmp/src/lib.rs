//! DMP / Mon espace santé client for Ségur practice software.
//!
//! Work in progress: the modules below are the sans-IO core.
//!
//! - [`vihf`]: the VIHF SAML 2.0 assertion, signed with exclusive c14n and
//!   RSA-SHA256 by an [`XmlSigner`].

// The transaction layer (next slice) uses the remaining crate-internal helpers.
#![allow(dead_code)]

mod dsig;
mod error;
pub mod mtom;
pub mod soap;
pub mod vihf;
mod xml;

pub use dsig::XmlSigner;
pub use error::{Error, MimeError, ProtocolError, SignatureError, VihfError};
pub use xml::XmlError;
