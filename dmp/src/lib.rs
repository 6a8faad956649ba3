//! DMP / Mon espace santé client for Ségur practice software.
//!
//! Work in progress: the modules below are the sans-IO core.
//!
//! - [`vihf`]: the VIHF SAML 2.0 assertion, signed with exclusive c14n and
//!   RSA-SHA256 by an [`XmlSigner`].
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

/// A boxed, `Send` future (keeps the sender traits object-safe).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
pub use xml::XmlError;
