//! Finding MSSanté addresses (SC.MSS/CONF.20, SENTINELLE.10).
//!
//! - [`fhir`]: the Annuaire Santé FHIR API v2 (`ESANTE-API-KEY`, searches by
//!   RPPS, name, mailbox, paging by `next` links), returning every MSSanté
//!   address of a professional or organisation with its type (`PER`, `ORG`,
//!   `APP`, `CAB`), filtered client-side since the gateway lacks
//!   `mailbox-mss-type`;
//! - [`extraction`]: a streamed parser of the daily
//!   `Extraction_Correspondance_MSSante` flat file.

pub mod extraction;
pub mod fhir;
