//! Pro Santé Connect, the national OpenID Connect provider for health professionals.
//!
//! This crate will hold the PSC client (authorization code with PKCE, CIBA,
//! token exchange, account linking), the `TokenSource` trait used by the other
//! service crates, and a PSC simulator behind the `sim` feature.
