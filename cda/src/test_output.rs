//! Where tests write the CDA documents they produce, for the official
//! validators run by `scripts/check.d/` (feature `test-util`).
//!
//! # Output-folder convention
//! Every document a test produces goes to
//! `$SEGUR_TEST_OUT/cda/<volet-key>/<file>.xml` (`SEGUR_TEST_OUT` defaults to
//! `<workspace>/target/segur-test-out`). The volet key names the volet
//! schematron the check runs besides the XSD and the header schematron:
//!
//! | key | schematron (`ans-cda/schematrons/…`) | documents |
//! |---|---|---|
//! | `N1` | none (XSD + header only) | every N1 (XDS-SD) document |
//! | `VSM_2023.01` | `CI-SIS_VSM_2023.01.sch` | VSM |
//! | `EP-MED-DM_2024.01` | `CI-SIS_EP-MED-DM_2024.01.sch` | e-prescription |
//! | `CSE-CS8_2025.01`, `CSE-CS9_2025.01`, `CSE-CS24_2025.01`, `CSE-MDE_2023.01` | `CI-SIS_<key>.sch` | child health |
//! | `HEADER` | none (XSD + header only) | N3 documents without a volet schematron |
//!
//! i.e. the key is the schematron file name without `CI-SIS_` and `.sch`. Only
//! documents that must pass go there: broken copies made on purpose belong in
//! a temporary folder.

use std::path::PathBuf;

/// The volet key of N1 documents.
pub const N1: &str = "N1";
/// The volet key of N3 documents checked with the header schematron only.
pub const HEADER_ONLY: &str = "HEADER";

/// The root output folder of the tests.
pub fn root() -> PathBuf {
    match std::env::var_os("SEGUR_TEST_OUT") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/segur-test-out"
        )),
    }
}

/// Writes `xml` as `$SEGUR_TEST_OUT/cda/<volet_key>/<name>.xml` and returns the path.
pub fn write(volet_key: &str, name: &str, xml: &[u8]) -> std::io::Result<PathBuf> {
    let dir = root().join("cda").join(volet_key);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, xml)?;
    Ok(path)
}
