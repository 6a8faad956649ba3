//! The practice the reference host runs in: one general practitioner in a
//! group practice. All identifiers are fictitious, with valid keys.

use segur_cda::builder::{Practitioner, Structure};
use segur_cda::datatypes::{Addr, Telecom};
use segur_cda::vocab;
use segur_ids::{Finess, IdNatPs, IdNatStruct, Oid, Rpps, oid};

/// The OID under which the practice numbers its patient files (local
/// patient identifiers written next to the INS in documents).
pub const PATIENT_ID_ROOT: Oid = oid!("1.2.250.1.999.2.1");

/// The RPPS of the practitioner: the same test professional as
/// `segur_psc::sim::TestProfessional::medecin`, so a PSC login is theirs.
pub const RPPS: &str = "10003612545";

/// The practice's structure.
pub fn structure() -> Structure {
    Structure {
        id: IdNatStruct::from_finess(
            // A literal FINESS with a valid key.
            &Finess::parse("130002223").expect("valid FINESS literal"),
        ),
        name: "Maison de santé de la Conformité".into(),
        telecoms: vec![Telecom::phone("0491000000", Some("WP"))],
        addr: Some(Addr::street("1", "Place des Essais", "13001", "MARSEILLE")),
        facility_type: vocab::facility_cabinet_groupe(),
        practice_setting: vocab::practice_setting_ambulatoire(),
    }
}

/// The practitioner who writes and signs the documents.
pub fn practitioner() -> Practitioner {
    Practitioner {
        // A literal RPPS with a valid Luhn key.
        id: IdNatPs::from(Rpps::parse(RPPS).expect("valid RPPS literal")),
        prefix: Some("M".into()),
        given: "Jean".into(),
        family: "MEDECIN-TEST".into(),
        suffix: Some("DR".into()),
        specialty: vocab::specialty_general_practitioner(),
        telecoms: vec![Telecom::phone("0491000000", Some("WP"))],
        structure: structure(),
    }
}
