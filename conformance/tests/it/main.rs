//! Integration tests of segur-conformance, built as one binary.

mod catalogue;
mod engine;
mod reports;
mod support;
