//! Property tests: the LMS round trip over every WHO table, and the parsers
//! of outside input (measures files, postal codes, CDA documents) never
//! panic.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use segur_enfant::growth::{ChildGrowth, Indicator, Sex, who_lms};
use segur_enfant::sending::department_of;

fn indicator() -> impl Strategy<Value = Indicator> {
    prop::sample::select(Indicator::ALL.to_vec())
}

fn sex() -> impl Strategy<Value = Sex> {
    prop::sample::select(vec![Sex::Male, Sex::Female])
}

proptest! {
    /// value_at and z_score are inverse within ±3 SD on the whole 0–60
    /// months range; beyond, the WHO's restricted application keeps the
    /// z-score beyond ±3 on the same side.
    #[test]
    fn lms_value_and_z_score_round_trip(
        i in indicator(),
        s in sex(),
        age in 0.0f64..=60.0,
        z in -4.0f64..=4.0,
    ) {
        let lms = who_lms(i, s, age).unwrap();
        let v = lms.value_at(z);
        prop_assert!(v.is_finite() && v > 0.0, "{v}");
        let back = lms.z_score(v);
        if z.abs() <= 3.0 {
            prop_assert!((back - z).abs() < 1e-6, "{i:?} {s:?} {age} z {z} -> {v} -> {back}");
        } else {
            prop_assert!(back.abs() >= 3.0 - 1e-9 && back.signum() == z.signum(), "{z} -> {back}");
        }
    }

    /// Curves are increasing in z at every age (percentiles never cross).
    #[test]
    fn percentile_curves_never_cross(i in indicator(), s in sex(), age in 0.0f64..=60.0) {
        let lms = who_lms(i, s, age).unwrap();
        let mut last = 0.0;
        for z in [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0] {
            let v = lms.value_at(z);
            prop_assert!(v > last);
            last = v;
        }
    }

    /// Ages outside the standards are refused, not extrapolated.
    #[test]
    fn ages_outside_the_standards_are_refused(i in indicator(), s in sex(), age in 60.01f64..1000.0) {
        prop_assert!(who_lms(i, s, age).is_err());
        prop_assert!(who_lms(i, s, -age).is_err());
    }

    /// Any text as a measures file: a value or an error, never a panic.
    #[test]
    fn measures_files_never_panic(text in ".{0,300}") {
        let _ = ChildGrowth::from_json(&text);
    }

    /// Measures files with arbitrary numbers: a chart or an error.
    #[test]
    fn arbitrary_measures_chart_or_error(
        w in prop::num::f64::ANY,
        h in -10.0f64..300.0,
        days in 0u32..3000,
    ) {
        let d = time::macros::date!(2024 - 01 - 01) + time::Duration::days(i64::from(days));
        let json = format!(
            r#"{{"sex":"F","birth_date":"2024-01-01","measurements":[{{"date":"{d}","weight_kg":{w},"height_cm":{h}}}]}}"#
        );
        if let Ok(child) = ChildGrowth::from_json(&json) {
            for i in Indicator::ALL {
                let _ = child.chart_svg(i, &Default::default());
            }
        }
    }

    /// Postal codes: any text is safe; five digits give the department.
    #[test]
    fn postal_codes(text in ".{0,12}", code in "[0-9]{5}") {
        let _ = department_of(&text);
        if let Some(d) = department_of(&code) {
            prop_assert!(code.starts_with(&d[..2]) || d == "2A" || d == "2B");
        } else {
            prop_assert!(
                ["00", "96", "98", "99", "970", "977", "978", "979"]
                    .iter()
                    .any(|p| code.starts_with(p)),
                "{code}"
            );
        }
    }

    /// The department parser accepts exactly 01–95 but 20, 2A/2B (any
    /// case) and 971–976, and round-trips its canonical form.
    #[test]
    fn departement_parser(text in ".{0,6}", n in 0u32..1000, corsica in "[2][aAbB]") {
        use segur_enfant::recipients::Departement;
        let _ = Departement::parse(&text);
        let two = format!("{n:02}");
        let three = format!("{n:03}");
        if n <= 99 {
            let ok2 = (1..=95).contains(&n) && n != 20;
            prop_assert_eq!(Departement::parse(&two).is_ok(), ok2, "{}", two);
        }
        let ok3 = (971..=976).contains(&n);
        prop_assert_eq!(Departement::parse(&three).is_ok(), ok3, "{}", three);
        let c = Departement::parse(&corsica).unwrap();
        prop_assert_eq!(c.as_str(), corsica.to_uppercase());
        for d in [Departement::parse(&two), Departement::parse(&three)].into_iter().flatten() {
            prop_assert_eq!(Departement::parse(d.as_str()).unwrap(), d.clone());
            prop_assert_eq!(d.to_string().parse::<Departement>().unwrap(), d);
        }
    }

    /// Every postal code of a department maps back to it.
    #[test]
    fn postal_codes_of_a_department(n in 1u32..=95, rest in 0u32..1000) {
        use segur_enfant::recipients::Departement;
        prop_assume!(n != 20);
        let d = Departement::parse(&format!("{n:02}")).unwrap();
        let code = format!("{n:02}{rest:03}");
        prop_assert!(d.contains_postal_code(&code));
        prop_assert_eq!(Departement::from_postal_code(&code), Some(d));
    }

    /// Truncated or altered certificates: a typed error, never a panic.
    #[test]
    fn damaged_certificates_never_panic(cut in 0usize..20_000, byte in any::<u8>(), at in 0usize..20_000) {
        use segur_cda::volets::samples::Richness;
        use segur_enfant::volet::ChildVolet;
        let xml = segur_enfant::samples::document(ChildVolet::Cs8, Richness::Typical).unwrap().to_xml();
        let mut bytes = xml[..cut.min(xml.len())].to_vec();
        if !bytes.is_empty() {
            let n = bytes.len();
            bytes[at % n] = byte;
        }
        if let Ok(doc) = segur_cda::Document::parse(bytes) {
            let _ = segur_enfant::cs8::Cs8Certificate::from_document(&doc);
        }
    }
}
