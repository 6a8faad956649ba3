//! N3 (structured body) framework.
pub mod codes;
pub mod entries;
pub mod entry;
pub mod narrative;
pub mod pdf;
pub mod sections;
pub mod templates;
pub mod types;
pub mod value_sets;
pub mod xml;
