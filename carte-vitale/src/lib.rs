//! Carte Vitale, Application Carte Vitale and ordonnance numérique.
//!
//! This crate will hold the typed model of Vitale data, the reader and apCV
//! traits with simulators, the e-prescription identifier and 2D code, and the
//! "envoi en Y" orchestrator (e-prescription service and DMP).
