//! Reference host LGC and runnable examples for segur-rs.
//!
//! This crate will hold a small in-memory practice software (LGC) built only on
//! the public APIs of the segur-rs crates: it implements the conformance host
//! adapter and is what `segur conformance run` exercises by default. The
//! `examples/` folder of this crate holds runnable examples, one per workflow.
