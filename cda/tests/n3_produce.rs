//! Produces the VSM, eP-MED-DM and N1 prescription fixtures (minimal,
//! typical, maximal) for the official validators (scripts/check.d), checks
//! them natively, and reads them back into the typed model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use segur_cda::volets::n1_prescription::N1PrescriptionKind;
use segur_cda::volets::samples::{self, Richness};
use segur_cda::volets::{eprescription, vsm};
use segur_cda::{Document, Level, test_output};

#[test]
fn vsm_fixtures_are_valid_written_and_read_back() {
    for r in Richness::ALL {
        let pair = samples::vsm_pair(r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
        let doc = pair.n3();
        assert!(
            doc.validate().is_valid(),
            "{r:?}: {:#?}",
            doc.validate().findings
        );
        assert!(vsm::check(doc).is_empty(), "{r:?}: {:?}", vsm::check(doc));
        let xml = doc.to_xml();
        test_output::write(vsm::VOLET_KEY, &format!("vsm-{}", r.name()), &xml).unwrap();
        test_output::write(
            test_output::N1,
            &format!("vsm-{}-n1", r.name()),
            &pair.n1().to_xml(),
        )
        .unwrap();
        let back = Document::parse(xml).unwrap();
        assert_eq!(back.header, doc.header);
        let summary = vsm::MedicalSummary::from_document(&back).unwrap();
        same(&summary, &samples::medical_summary(r).unwrap(), r);
    }
}

#[test]
fn eprescription_fixtures_are_valid_written_and_read_back() {
    for r in Richness::ALL {
        let pair = samples::eprescription_pair(r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
        let doc = pair.n3();
        assert!(
            doc.validate().is_valid(),
            "{r:?}: {:#?}",
            doc.validate().findings
        );
        assert!(
            eprescription::check(doc).is_empty(),
            "{r:?}: {:?}",
            eprescription::check(doc)
        );
        let xml = doc.to_xml();
        test_output::write(
            eprescription::VOLET_KEY,
            &format!("ep-med-dm-{}", r.name()),
            &xml,
        )
        .unwrap();
        test_output::write(
            test_output::N1,
            &format!("ep-med-dm-{}-n1", r.name()),
            &pair.n1().to_xml(),
        )
        .unwrap();
        let back = Document::parse(xml).unwrap();
        assert_eq!(back.header, doc.header);
        let p = eprescription::Prescription::from_document(&back).unwrap();
        same(&p, &samples::prescription(r).unwrap().0, r);
    }
}

#[test]
fn n1_prescriptions_are_valid_and_written() {
    for k in N1PrescriptionKind::ALL {
        let doc = samples::n1_prescription_document(k).unwrap();
        assert_eq!(doc.level(), Level::N1);
        assert!(
            doc.validate().is_valid(),
            "{k:?}: {:#?}",
            doc.validate().findings
        );
        assert_eq!(doc.header.code.as_ref().unwrap().code_str(), k.code());
        test_output::write(test_output::N1, &k.code().to_lowercase(), &doc.to_xml()).unwrap();
    }
}

/// The Debug form of a model with the identifiers the builder generated
/// (`id`, `concern_id`, `type_id` set to `Some(…)`) replaced by `None`.
fn without_ids<T: std::fmt::Debug>(v: &T) -> String {
    let s = format!("{v:?}");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("id: Some(Ii {") {
        let before = &rest[..i];
        let is_field =
            before.ends_with(' ') || before.ends_with("concern_") || before.ends_with("type_");
        out.push_str(before);
        let after = &rest[i..];
        let end = after.find("})").map_or(after.len(), |e| e + 2);
        if is_field {
            out.push_str("id: None");
        } else {
            out.push_str(&after[..end]);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Asserts two models are equal but for generated ids, showing where they differ.
fn same<T: std::fmt::Debug>(read: &T, built: &T, r: Richness) {
    let (a, b) = (without_ids(read), without_ids(built));
    if a != b {
        let at = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let from = a[..at].char_indices().rev().nth(300).map_or(0, |(i, _)| i);
        panic!(
            "{r:?}: read back differs at byte {at}:\n read:  …{}\n built: …{}",
            &a[from..(at + 200).min(a.len())].chars().collect::<String>(),
            &b[from..(at + 200).min(b.len())].chars().collect::<String>()
        );
    }
}

#[test]
fn n3_documents_get_their_xds_metadata() {
    use segur_cda::xds::{DocumentEntry, EntryOptions};
    for (doc, code) in [
        (
            samples::vsm_document(Richness::Typical).unwrap(),
            "urn:asip:ci-sis:vsm:2012",
        ),
        (
            samples::eprescription_document(Richness::Typical).unwrap(),
            "urn:ihe:pharm:pre:2010",
        ),
    ] {
        let format_code = segur_cda::volets::format_code(&doc);
        assert_eq!(format_code.as_ref().unwrap().code, code);
        let options = EntryOptions {
            format_code,
            ..EntryOptions::default()
        };
        let xml = doc.to_xml();
        let entry = DocumentEntry::from_document(&doc, &xml, &options).unwrap();
        assert_eq!(entry.format_code.code, code);
        assert_eq!(
            entry.class_code.code,
            if code.contains("vsm") { "11" } else { "42" }
        );
    }
}

#[test]
fn summary_is_prefilled_from_the_host_patient_file() {
    use segur_cda::n3::entries::Problem;
    use segur_cda::volets::vsm::{MedicalSummary, PatientFile};

    let s = MedicalSummary::from_patient_file(&samples::SamplePatientFile).unwrap();
    assert_eq!(s, samples::medical_summary(Richness::Maximal).unwrap());

    /// A patient file whose database is down.
    struct Broken;
    impl PatientFile for Broken {
        type Error = String;
        fn allergies(&self) -> Result<Vec<segur_cda::n3::entries::Allergy>, String> {
            Err("database unavailable".into())
        }
        fn active_problems(&self) -> Result<Vec<Problem>, String> {
            Ok(Vec::new())
        }
    }
    let err = MedicalSummary::from_patient_file(&Broken).unwrap_err();
    assert_eq!(err, segur_cda::N3Error::Host("database unavailable".into()));
}
