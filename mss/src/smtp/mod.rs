//! SMTP submission: the sans-IO [`proto`] core and the tokio [`client`].

pub mod client;
pub mod proto;
