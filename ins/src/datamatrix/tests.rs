use super::*;
use crate::{
    CollectionMethod, EventContext, IdentityDocumentType, IdentityEvent, IdentityStatus, Ins,
};

const GS_S: &str = "\u{1d}";

/// §6.2 vector 1 (104 bytes).
fn vector1() -> String {
    format!(
        "IS010000000000000000000000S1185057512345673S21.2.250.1.213.1.4.8{GS_S}S3ADA{GS_S}S4LOVELACE{GS_S}S5FS610-12-1815S799100"
    )
}

pub(super) fn qualified_identity() -> Identity {
    let traits = Traits::builder()
        .birth_family_name("PAT-TROIS")
        .birth_given_names("DOMINIQUE MARIE-LOUISE")
        .birth_date(BirthDate::parse("1979-03-28").unwrap())
        .sex(Sex::Female)
        .birth_place("63220")
        .build()
        .unwrap();
    let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "test");
    let mut id = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);
    let ins = Ins::new(Nir::parse("279035121518989").unwrap(), InsOid::Test);
    id.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)
        .unwrap();
    id.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(id.status(), IdentityStatus::Qualifiee);
    id
}

#[test]
fn vector1_parses_and_serialises_byte_exact() {
    let v = vector1();
    assert_eq!(v.len(), 104);
    let p = Payload::parse(&v).unwrap();
    assert_eq!(p.ins().matricule().as_str(), "185057512345673");
    assert_eq!(p.ins().oid(), InsOid::InsNir);
    assert_eq!(p.birth_given_names_joined(), "ADA");
    assert_eq!(p.birth_family_name().as_str(), "LOVELACE");
    assert_eq!(p.sex(), Sex::Female);
    assert_eq!(p.birth_date().to_iso(), "1815-12-10");
    assert_eq!(p.birth_place().unwrap().as_str(), "99100");
    assert_eq!(p.serialize(), v);
    let s = p.scanned_identity();
    assert!(s.from_datamatrix);
    assert_eq!(s.traits.first_given_name().as_str(), "ADA");
    assert_eq!(s.ins, *p.ins());
}

#[test]
fn vectors_2_to_4_layout_and_typed_rejection() {
    // 20-character S2: no GS after it; S7 commune.
    let v2 = format!(
        "IS010000000000000000000000S1123549685274612S225978456325481569525S3TEST1 TEST2 TEST{GS_S}S4DATAMATRIXTEST{GS_S}S5MS631-08-2021S717000"
    );
    let r = RawFields::parse(v2.as_bytes()).unwrap();
    assert_eq!(r.get(FieldId::S2), Some("25978456325481569525"));
    assert_eq!(r.get(FieldId::S3), Some("TEST1 TEST2 TEST"));
    assert_eq!(r.get(FieldId::S7), Some("17000"));
    assert!(!r.missing_gs());
    // 19-character S2 + GS, foreign birth.
    let v3 = format!(
        "IS010000000000000000000000S1123549685274612S22597845632548156952{GS_S}S3TEST1 TEST2 TEST{GS_S}S4DATAMATRIXTEST{GS_S}S5MS631-08-2021S799255"
    );
    let r = RawFields::parse(v3.as_bytes()).unwrap();
    assert_eq!(r.get(FieldId::S2), Some("2597845632548156952"));
    assert_eq!(r.get(FieldId::S7), Some("99255"));
    // Fields out of order, no S7 (the "<GS>" placeholder of that test replaced by GS).
    let v4 = "IS010000000000000000000000S1123549685274612S22597845632548156952<GS>S4TEST<GS>S5FS625-06-1990S3TEST1 TEST2 TEST"
        .replace("<GS>", GS_S);
    let r = RawFields::parse(v4.as_bytes()).unwrap();
    assert_eq!(
        r.order(),
        [
            FieldId::S1,
            FieldId::S2,
            FieldId::S4,
            FieldId::S5,
            FieldId::S6,
            FieldId::S3
        ]
    );
    assert_eq!(r.get(FieldId::S3), Some("TEST1 TEST2 TEST"));
    assert_eq!(r.get(FieldId::S7), None);
    // Their matricule is fake (key 83 expected): typed parsing says so first.
    for v in [&v2, &v3, &v4] {
        assert_eq!(
            Payload::parse(v),
            Err(DatamatrixError::Matricule(NirError::KeyMismatch {
                expected: 83,
                found: 12
            }))
        );
    }
    // ZXing's padding string: spaces where GS would be, invalid NIR.
    let v5 = "IS010000000000000000000000S1118058599124123S21.2.250.1.213.1.4.8 S3FIRST NAMETEST S5MS618-06-1985S713201S4LASTNAMETEST";
    assert!(Payload::parse(v5).is_err());
}

#[test]
fn out_of_order_and_missing_gs_are_tolerated() {
    let p = Payload::parse(vector1()).unwrap();
    let no_gs = vector1().replace(GS_S, "");
    let raw = RawFields::parse(no_gs.as_bytes()).unwrap();
    assert!(raw.missing_gs());
    assert_eq!(Payload::from_raw(&raw).unwrap(), p);
    let reordered = format!(
        "IS010000000000000000000000S799100S5FS4LOVELACE{GS_S}S610-12-1815S3ADA{GS_S}S21.2.250.1.213.1.4.8{GS_S}S1185057512345673"
    );
    assert_eq!(Payload::parse(reordered).unwrap(), p);
    // AIM identifier and a trailing newline from a keyboard-wedge scanner.
    assert_eq!(Payload::parse(format!("]d1{}\r\n", vector1())).unwrap(), p);
}

#[test]
fn error_paths() {
    let v = vector1();
    assert!(matches!(
        Payload::parse("IS02"),
        Err(DatamatrixError::Header { .. })
    ));
    assert!(matches!(
        Payload::parse(v.replacen("IS01", "IS02", 1)),
        Err(DatamatrixError::Header { .. })
    ));
    assert!(matches!(
        Payload::parse(v.replacen("0000S1", "0001S1", 1)),
        Err(DatamatrixError::Header { .. })
    ));
    assert_eq!(
        Payload::parse(v.replace("S799100", "")),
        Ok(Payload::parse(&v).unwrap().without_birth_place_for_test())
    );
    assert_eq!(
        Payload::parse(v.replace("S5F", "")),
        Err(DatamatrixError::MissingField(FieldId::S5))
    );
    assert_eq!(
        Payload::parse(format!("{v}S5M")),
        Err(DatamatrixError::DuplicateField(FieldId::S5))
    );
    assert!(matches!(
        Payload::parse(format!("{v}S8X")),
        Err(DatamatrixError::UnknownField { found, .. }) if found == "S8"
    ));
    assert!(matches!(
        Payload::parse(format!("{v}X")),
        Err(DatamatrixError::UnknownField { .. })
    ));
    assert!(matches!(
        Payload::parse(v.replace("S1185057512345673", "S118505751234567")),
        Err(DatamatrixError::FieldLength {
            field: FieldId::S1,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(v.replace("S799100", "S79910")),
        Err(DatamatrixError::FieldLength {
            field: FieldId::S7,
            actual: 4,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(v.replace("S3ADA", &format!("S3{}", "A".repeat(101)))),
        Err(DatamatrixError::FieldLength {
            field: FieldId::S3,
            actual: 101,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(v.replace("S3ADA", "S3")),
        Err(DatamatrixError::FieldLength {
            field: FieldId::S3,
            actual: 0,
            ..
        })
    ));
    assert_eq!(
        Payload::parse(v.replace("673S2", "674S2")),
        Err(DatamatrixError::Matricule(NirError::KeyMismatch {
            expected: 73,
            found: 74
        }))
    );
    assert!(matches!(
        Payload::parse(v.replace("1.4.8", "1.4.2")),
        Err(DatamatrixError::Oid(InsError::UnknownOid { .. }))
    ));
    assert!(matches!(
        Payload::parse(v.replace("S3ADA", "S3Ada")),
        Err(DatamatrixError::Name {
            field: FieldId::S3,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(v.replace("S4LOVELACE", "S4LOVE--")),
        Err(DatamatrixError::Name {
            field: FieldId::S4,
            ..
        })
    ));
    assert_eq!(
        Payload::parse(v.replace("S5F", "S5X")),
        Err(DatamatrixError::Sex { found: "X".into() })
    );
    assert!(matches!(
        Payload::parse(v.replace("10-12-1815", "31-02-1815")),
        Err(DatamatrixError::Trait {
            field: FieldId::S6,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(v.replace("99100", "2C100")),
        Err(DatamatrixError::Trait {
            field: FieldId::S7,
            ..
        })
    ));
    assert!(matches!(
        Payload::parse(format!("{v}\u{7f}")),
        Err(DatamatrixError::Character { byte: 0x7f, .. })
    ));
    assert!(matches!(
        Payload::parse("IS010000000000000000000000S3DÉ".as_bytes()),
        Err(DatamatrixError::Character { .. })
    ));
}

impl Payload {
    fn without_birth_place_for_test(mut self) -> Self {
        self.birth_place = None;
        self
    }
}

#[test]
fn only_qualified_identities_get_a_payload() {
    let id = qualified_identity();
    let p = Payload::from_identity(&id).unwrap();
    assert_eq!(
        p.serialize(),
        format!(
            "IS010000000000000000000000S1279035121518989S21.2.250.1.213.1.4.10S3DOMINIQUE MARIE-LOUISE{GS_S}S4PAT-TROIS{GS_S}S5FS628-03-1979S763220"
        )
    );
    let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "test");
    let provisional = Identity::new(id.traits().clone(), CollectionMethod::SaisieManuelle, &ctx);
    assert_eq!(
        Payload::from_identity(&provisional),
        Err(DatamatrixError::NotQualified {
            status: IdentityStatus::Provisoire
        })
    );
    // Round trip back to an identity.
    let scanned = Payload::parse(p.serialize()).unwrap().scanned_identity();
    assert_eq!(scanned.ins, *id.recorded_ins().unwrap());
    assert!(scanned.traits.strict_differences(id.traits()).is_empty());
    let from_scan = Identity::from_scanned(scanned, &ctx);
    assert!(from_scan.from_datamatrix());
    assert_eq!(from_scan.status(), IdentityStatus::Provisoire);
}

#[test]
fn uncertain_date_writes_substituted_date() {
    let id = qualified_identity();
    let t = id
        .traits()
        .to_builder()
        .birth_date(BirthDate::from_parts(1979, None, None).unwrap())
        .build()
        .unwrap();
    let q = id.qualified_ins().unwrap();
    let p = Payload::new(&q, &t).unwrap();
    assert!(p.serialize().contains("S631-12-1979"));
    let t = t.to_builder().sex(Sex::Unknown).build().unwrap();
    assert_eq!(Payload::new(&q, &t), Err(DatamatrixError::SexUnknown));
}

#[test]
fn module_matrix_is_square_and_decodes() {
    let p = Payload::parse(vector1()).unwrap();
    let m = p.module_matrix().unwrap();
    assert_eq!(m.width(), m.height());
    assert!([32, 36, 40, 44].contains(&m.width()), "{}", m.width());
    assert_eq!(m.decode().unwrap(), vector1().as_bytes());
    // The finder pattern: left column and bottom row all dark.
    assert!((0..m.height()).all(|y| m.is_dark(0, y)));
    assert!((0..m.width()).all(|x| m.is_dark(x, m.height() - 1)));
    assert!(!m.is_dark(m.width(), 0));
    assert_eq!(
        m.dark_modules().count(),
        m.modules().iter().filter(|d| **d).count()
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn name(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[A-Z]{{1,8}}([ '-][A-Z]{{1,8}}){{0,{max}}}"))
            .expect("valid regex")
    }

    prop_compose! {
        fn payload()(
            base in "[12][0-9]{2}(0[1-9]|1[0-2])[0-9]{8}",
            oid in prop::sample::select(InsOid::ALL.to_vec()),
            given in name(5),
            family in name(5),
            male in any::<bool>(),
            day in 1u8..=28, month in 1u8..=12, year in 1900i32..2030,
            place in proptest::option::of("[0-9]{5}"),
        ) -> Payload {
            let list = names::parse_given_name_list(&given).unwrap();
            Payload {
                ins: crate::Ins::new(Nir::from_base(&base).unwrap(), oid),
                first_given_name: list[0].clone(),
                birth_given_names: list,
                birth_family_name: FamilyName::parse(&family).unwrap(),
                sex: if male { Sex::Male } else { Sex::Female },
                birth_date: BirthDate::from_parts(year, Some(month), Some(day)).unwrap(),
                birth_place: place.map(|p| InseeCode::parse(&p).unwrap()),
            }
        }
    }

    proptest! {
        #[test]
        fn serialise_parse_round_trip(p in payload()) {
            let text = p.serialize();
            prop_assert_eq!(Payload::parse(&text).unwrap(), p.clone());
            // And without any GS (scanner dropping them).
            let no_gs = text.replace('\u{1d}', "");
            prop_assert_eq!(Payload::parse(no_gs).unwrap(), p);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut v = HEADER.as_bytes().to_vec();
            v.extend(bytes);
            let _ = Payload::parse(&v);
        }

        #[test]
        fn never_panics_on_field_soup(s in "(S[1-8]|[0-9A-Z .'-]|\u{1d}){0,60}") {
            let _ = Payload::parse(format!("{HEADER}{s}"));
        }
    }
}

#[cfg(feature = "datamatrix-image")]
mod images;
