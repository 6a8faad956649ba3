//! Built-in fictitious fixtures: a practitioner, a structure, a patient and a
//! rich N1 document (used by `segur cda sample n1`, the tests and the docs).
//!
//! All identities are made up; the RPPS `10003612545` has a valid key and
//! belongs to nobody.

use segur_ids::{IdNatPs, IdNatStruct, Oid, Rpps, oid};
use time::macros::{date, datetime};

use crate::body::NonXmlBody;
use crate::builder::{HeaderBuilder, PatientBuilder, Practitioner, Structure};
use crate::clock::{Clock, FixedClock, IdGenerator, OidSequence};
use crate::datatypes::*;
use crate::document::Document;
use crate::error::BuildError;
use crate::header::*;
use crate::vocab::{self, DOCUMENT_TYPES};
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent, Ins,
    InsOid, Sex, Traits,
};

/// OID of the fictitious structure's own identifiers (IPP, document ids).
pub const SAMPLE_STRUCTURE_OID: Oid = oid!("1.2.250.1.999.1.1");

/// The fictitious structure: a group practice.
pub fn structure() -> Structure {
    Structure {
        // "1" + FINESS with a valid key.
        id: IdNatStruct::from_finess(
            &segur_ids::Finess::parse("750712184").expect("valid FINESS literal"),
        ),
        name: "Cabinet médical des Tilleuls".into(),
        telecoms: vec![Telecom::phone("0102030405", Some("WP"))],
        addr: Some(Addr::street("12", "Rue des Tilleuls", "75011", "PARIS")),
        facility_type: vocab::facility_cabinet_groupe(),
        practice_setting: vocab::practice_setting_ambulatoire(),
    }
}

/// The fictitious general practitioner.
pub fn practitioner() -> Practitioner {
    Practitioner {
        id: IdNatPs::from(Rpps::parse("10003612545").expect("valid RPPS literal")),
        prefix: Some("M".into()),
        given: "Jean".into(),
        family: "MEDECIN-TEST".into(),
        suffix: Some("DR".into()),
        specialty: vocab::specialty_general_practitioner(),
        telecoms: vec![Telecom::phone("0102030405", Some("WP"))],
        structure: structure(),
    }
}

/// The fictitious patient's identity, qualified (INSi answer + identity
/// document checked), with an INS under the **test** INS-NIR root. The NIR
/// `285037511104286` has a valid key and belongs to nobody.
pub fn patient_identity() -> Identity {
    let traits = || {
        Traits::builder()
            .birth_family_name("TESTPATIENT")
            .birth_given_names("CAMILLE MARIE")
            .birth_date(BirthDate::new(date!(1985 - 03 - 12)).expect("valid date literal"))
            .sex(Sex::Female)
            .birth_place("75111")
            .build()
            .expect("valid traits literal")
    };
    let ctx = EventContext::new(datetime!(2024-01-10 09:00:00 UTC), "sample");
    let mut id = Identity::new(traits(), CollectionMethod::SaisieManuelle, &ctx);
    let ins = Ins::new(
        "285037511104286".parse().expect("valid NIR literal"),
        InsOid::Test,
    );
    // Both transitions are valid from a fresh identity with matching traits.
    let _ = id.apply(
        IdentityEvent::InsiSuccess {
            ins,
            traits: traits(),
        },
        &ctx,
    );
    let _ = id.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        &ctx,
    );
    id
}

/// The fictitious patient: qualified identity (so the INS is written), local
/// IPP, address and phone.
pub fn patient() -> PatientBuilder {
    PatientBuilder::from_identity(&patient_identity())
        .local_id(&SAMPLE_STRUCTURE_OID, "IPP-000123")
        .birthplace("75111", Some("PARIS 11E ARRONDISSEMENT"))
        .addr(Addr::street("3", "Impasse des Essais", "75011", "PARIS"))
        .telecom(Telecom::phone("0600000000", Some("MC")))
}

/// The same patient before qualification: no INS in the document.
pub fn unqualified_patient() -> PatientBuilder {
    PatientBuilder::new()
        .traits(patient_identity().traits())
        .local_id(&SAMPLE_STRUCTURE_OID, "IPP-000123")
}

/// The fixed clock of the samples.
pub fn clock() -> FixedClock {
    FixedClock(datetime!(2024-03-15 10:30:00 +01:00))
}

/// The id generator of the samples.
pub fn ids() -> OidSequence {
    OidSequence::new(SAMPLE_STRUCTURE_OID, "DOC-")
}

/// A rich header for a consultation report (CR de consultation, N1).
pub fn consultation_header(
    patient: PatientRole,
    clock: &dyn Clock,
    ids: &dyn IdGenerator,
) -> HeaderBuilder {
    let pr = practitioner();
    let consult = DOCUMENT_TYPES
        .iter()
        .find(|t| t.code == "11488-4")
        .map(vocab::DocumentType::to_code)
        .unwrap_or_default();
    let act = datetime!(2024-03-15 09:45:00 +01:00);
    HeaderBuilder::for_practice(
        consult,
        "Compte rendu de consultation",
        &pr,
        patient,
        act,
        clock,
        ids,
    )
    .information_recipient(InformationRecipient {
        type_code: Some("PRCP".into()),
        intended_recipient: RoleEntity {
            ids: vec![Ii::oid(
                &vocab::id_root::ID_NAT_PS,
                Some("810000000058".into()),
            )],
            person_names: vec![PersonName::simple(Some("MME"), "Claire", "CARDIO-TEST")],
            has_person: true,
            ..RoleEntity::default()
        },
    })
    .participant(Participant {
        type_code: Some("REF".into()),
        function_code: None,
        time: Some(IvlTs::until(Ts::from_value("20240315"))),
        associated_entity: RoleEntity {
            class_code: Some("PROV".into()),
            ids: vec![Ii::oid(
                &vocab::id_root::ID_NAT_PS,
                Some("810000000058".into()),
            )],
            person_names: vec![PersonName::simple(Some("MME"), "Claire", "CARDIO-TEST")],
            has_person: true,
            ..RoleEntity::default()
        },
    })
    .in_fulfillment_of(Order {
        ids: vec![Ii::oid(&SAMPLE_STRUCTURE_OID, Some("DEMANDE-42".into()))],
        code: None,
    })
}

/// A small text PDF (PDF 1.4, Helvetica), used when the `pdf` feature is off.
/// It is a real, readable PDF but not PDF/A (its font is not embedded).
pub fn simple_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 11 Tf 50 800 Td 14 TL\n");
    for l in lines {
        let esc: String = l
            .chars()
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
                // WinAnsi octal escape for Latin-1 letters, '?' otherwise.
                c if (c as u32) < 256 => format!("\\{:o}", c as u32),
                _ => "?".to_owned(),
            })
            .collect();
        content.push_str(&format!("({esc}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The text of the sample report.
pub const SAMPLE_REPORT_TEXT: &[&str] = &[
    "Motif : bilan annuel.",
    "Examen clinique : tension artérielle 12/8, auscultation normale.",
    "Conclusion : pas d'anomalie. Prochain contrôle dans un an.",
];

/// A rich fictitious N1 document (CR de consultation with a PDF body).
pub fn n1_document() -> Result<Document, BuildError> {
    let patient = patient().build()?;
    let header = consultation_header(patient, &clock(), &ids());
    let pdf = sample_pdf(header.header())?;
    header.build_n1(NonXmlBody::pdf(pdf))
}

#[cfg(not(feature = "pdf"))]
fn sample_pdf(_h: &Header) -> Result<Vec<u8>, BuildError> {
    let mut lines = vec!["Compte rendu de consultation", ""];
    lines.extend_from_slice(SAMPLE_REPORT_TEXT);
    Ok(simple_pdf(&lines))
}

#[cfg(feature = "pdf")]
fn sample_pdf(h: &Header) -> Result<Vec<u8>, BuildError> {
    // The sample identity is qualified: the INS datamatrix is drawn.
    let identity = patient_identity();
    crate::pdf::render_pdf(
        h,
        &crate::pdf::PdfContent::from_lines(SAMPLE_REPORT_TEXT),
        Some(&identity),
    )
    .map_err(|e| BuildError::Invalid {
        field: "PDF",
        reason: e.to_string(),
    })
}
