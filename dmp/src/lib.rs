//! DMP / Mon espace santé client for Ségur practice software.
//!
//! Work in progress: the modules below are the sans-IO core.
//!
//! - [`vihf`]: the VIHF SAML 2.0 assertion, signed with exclusive c14n and
//!   RSA-SHA256 by an [`XmlSigner`].

// The transaction layer (next slice) uses the remaining crate-internal helpers.
#![allow(dead_code)]

pub mod consent;
mod dsig;
mod error;
pub mod mtom;
pub mod patient;
pub mod queue;
pub mod soap;
mod time_fmt;
pub mod vihf;
pub mod xds;
mod xml;

pub use dsig::XmlSigner;
pub use error::{Error, MimeError, ProtocolError, SignatureError, StoreError, VihfError};

/// A boxed, `Send` future (keeps the sender traits object-safe).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
pub use xml::XmlError;
