//! Child health record (carnet de santé de l'enfant) for Ségur vague 2 LGCs.

pub mod common;
pub mod cs8;
pub mod error;
pub mod followup;
pub mod measures;
pub mod samples;
pub mod vaccination_note;
pub mod volet;
mod xml;
pub use xml::Fixed;

pub use error::{Error, Result};
