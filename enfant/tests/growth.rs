//! Growth charts: WHO reference values, z-scores, SVG well-formedness and
//! escaping, the measures JSON, and the Mesures HTML page with its charts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use quick_xml::events::Event;
use quick_xml::reader::NsReader;
use segur_cda::Document;
use segur_cda::test_output;
use segur_cda::volets::samples::Richness;
use segur_enfant::Error;
use segur_enfant::growth::{
    self, ChartOptions, ChildGrowth, CurveSet, Indicator, Lms, Sex, who_lms,
};
use segur_enfant::samples;
use segur_enfant::volet::ChildVolet;

/// Parses the SVG with a namespace-aware reader: the root is an SVG `svg`
/// element; returns (element local names, all text content).
fn parse_svg(svg: &str) -> (Vec<String>, String) {
    let mut r = NsReader::from_str(svg);
    let mut names = Vec::new();
    let mut text = String::new();
    let mut depth = 0i32;
    loop {
        match r.read_resolved_event().expect("well-formed SVG") {
            (ns, Event::Start(e)) => {
                if depth == 0 {
                    assert_eq!(e.local_name().as_ref(), b"svg");
                    assert_eq!(
                        ns,
                        quick_xml::name::ResolveResult::Bound(quick_xml::name::Namespace(
                            b"http://www.w3.org/2000/svg"
                        ))
                    );
                }
                depth += 1;
                names.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            (_, Event::Empty(e)) => {
                names.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            (_, Event::End(_)) => {
                depth -= 1;
                text.push('\n');
            }
            (_, Event::Text(t)) => text.push_str(&t.decode().unwrap()),
            (_, Event::GeneralRef(g)) => {
                // Entity references (&amp; …) arrive separately in quick-xml 0.38.
                let name = g.decode().unwrap();
                match name.as_ref() {
                    "amp" => text.push('&'),
                    "lt" => text.push('<'),
                    "gt" => text.push('>'),
                    "quot" => text.push('"'),
                    "apos" => text.push('\''),
                    n if n.starts_with('#') => {
                        let code = n[1..].parse::<u32>().expect("decimal character reference");
                        text.push(char::from_u32(code).expect("valid character"));
                    }
                    other => panic!("unexpected entity {other}"),
                }
            }
            (_, Event::Eof) => break,
            (_, Event::DocType(_)) => panic!("no DOCTYPE in a chart"),
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    (names, text)
}

const BOY: &str = r#"{
  "sex": "M", "birth_date": "2023-01-15", "label": "Léo <b>&</b> \"test\"",
  "measurements": [
    {"date": "2023-01-15", "weight_kg": 3.3464, "height_cm": 49.9, "head_cm": 34.5},
    {"date": "2023-03-15", "weight_kg": 5.6, "height_cm": 58.4, "head_cm": 39.1},
    {"date": "2023-07-15", "weight_kg": 7.9, "height_cm": 67.6},
    {"date": "2024-01-15", "weight_kg": 9.6, "height_cm": 75.7, "head_cm": 46.1},
    {"date": "2025-01-20", "weight_kg": 12.2, "height_cm": 87.1},
    {"date": "2027-01-15", "weight_kg": 16.3, "height_cm": 103.3, "bmi": 15.3},
    {"date": "2028-06-01", "weight_kg": 19.0, "height_cm": 112.0}
  ]}"#;

fn out_dir() -> std::path::PathBuf {
    let d = test_output::root().join("enfant-growth");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn lms_formula_and_z_scores_match_the_who_figures() {
    let birth = who_lms(Indicator::Weight, Sex::Male, 0.0).unwrap();
    // The WHO weight-for-age boys percentile table: P3 2.5 kg, P97 4.3 kg at birth.
    let p3 = birth.value_at(CurveSet::Percentiles.curves()[0].1);
    let p97 = birth.value_at(CurveSet::Percentiles.curves()[4].1);
    assert!((p3 - 2.5).abs() < 0.05, "{p3}");
    assert!((p97 - 4.3).abs() < 0.05, "{p97}");
    assert!(birth.z_score(3.3464).abs() < 1e-9);
    assert!((birth.z_score(p3) + 1.8807936).abs() < 1e-6);
    // L = 0 branch.
    let lms = Lms {
        l: 0.0,
        m: 10.0,
        s: 0.1,
    };
    assert!((lms.value_at(1.0) - 10.0 * 0.1f64.exp()).abs() < 1e-12);
    assert!((lms.z_score(lms.value_at(-1.5)) + 1.5).abs() < 1e-9);
    // Beyond +3 SD, the WHO restricted method: distance in units of the 2–3 SD gap.
    let sd3 = birth.value_at(3.0);
    let gap = sd3 - birth.value_at(2.0);
    assert!((birth.z_score(sd3 + gap) - 4.0).abs() < 1e-9);
    let sd3n = birth.value_at(-3.0);
    let gapn = birth.value_at(-2.0) - sd3n;
    assert!((birth.z_score(sd3n - gapn) + 4.0).abs() < 1e-9);
    assert!((growth::normal_cdf(0.0) - 0.5).abs() < 1e-9);
    assert!((growth::normal_cdf(1.880_793_608) - 0.97).abs() < 1e-6);
    assert!((growth::normal_cdf(-1.036_433_389) - 0.15).abs() < 1e-6);
}

#[test]
fn points_have_exact_ages_z_scores_and_skip_measures_after_five_years() {
    let child = ChildGrowth::from_json(BOY).unwrap();
    let w = child.points(Indicator::Weight).unwrap();
    assert_eq!(w.len(), 6, "the measure at 5 y 4 m is not charted");
    assert_eq!(child.beyond_reference(Indicator::Weight), 1);
    assert_eq!(w[0].age_months, 0.0);
    assert!(w[0].z_score.abs() < 1e-9);
    assert!((w[0].percentile - 50.0).abs() < 1e-6);
    // 365 days = 11.99 months.
    assert!((w[3].age_months - 365.0 / 30.4375).abs() < 1e-12);
    assert!(w[3].z_score.abs() < 0.05);
    // Height: lying before 24 months, standing from 24 months.
    let h = child.points(Indicator::Height).unwrap();
    let at_2y = h.iter().find(|p| p.date.year() == 2025).unwrap();
    assert!(at_2y.age_months > 24.0);
    let standing = who_lms(Indicator::Height, Sex::Male, at_2y.age_months).unwrap();
    assert!((at_2y.z_score - standing.z_score(87.1)).abs() < 1e-12);
    // BMI: recorded where given, else computed from weight and height.
    let b = child.points(Indicator::Bmi).unwrap();
    assert_eq!(b.len(), 6);
    assert!(b.iter().any(|p| (p.value - 15.3).abs() < 1e-9));
    assert!((b[0].value - 13.4).abs() < 1e-9, "3.3464 / 0.499² rounded");
    // Head circumference measured three times.
    assert_eq!(child.points(Indicator::HeadCircumference).unwrap().len(), 3);
}

#[test]
fn every_chart_is_well_formed_self_contained_svg_with_escaped_text() {
    let child = ChildGrowth::from_json(BOY).unwrap();
    let dir = out_dir();
    for ind in Indicator::ALL {
        for curves in [CurveSet::Percentiles, CurveSet::ZScores] {
            let opts = ChartOptions {
                curves,
                ..Default::default()
            };
            let svg = child.chart_svg(ind, &opts).unwrap();
            let (names, text) = parse_svg(&svg);
            let points = child.points(ind).unwrap();
            let circles = names.iter().filter(|n| *n == "circle").count();
            assert_eq!(circles, points.len(), "{ind:?}: one point per measure");
            let polylines = names.iter().filter(|n| *n == "polyline").count();
            let segments = if matches!(ind, Indicator::Height | Indicator::Bmi) {
                2
            } else {
                1
            };
            assert_eq!(
                polylines,
                curves.curves().len() * segments + usize::from(points.len() > 1),
                "{ind:?}"
            );
            // The label with markup characters comes back as text, never as markup.
            assert!(text.contains("Léo <b>&</b> \"test\""), "{text}");
            assert!(!svg.contains("<b>"));
            assert!(text.contains("Source : OMS"));
            assert!(text.contains(ind.title_fr()));
            assert_eq!(
                text.contains("1 mesure(s) hors de l'axe"),
                child.beyond_reference(ind) == 1,
                "{ind:?}"
            );
            // Self-contained: no link, script, stylesheet or external resource.
            for bad in [
                "href",
                "<script",
                "url(",
                "<style",
                "<image",
                "<foreignObject",
            ] {
                assert!(!svg.contains(bad), "{bad}");
            }
            for (label, _) in curves.curves() {
                assert!(text.contains(label), "{label}");
            }
            std::fs::write(
                dir.join(format!("boy-{}-{curves:?}.svg", ind.as_str())),
                &svg,
            )
            .unwrap();
        }
    }
    // The length/height step at 2 years is marked on 0–5 years charts.
    let svg = child
        .chart_svg(Indicator::Height, &ChartOptions::default())
        .unwrap();
    assert!(svg.contains("couché | debout"));
}

#[test]
fn age_axis_follows_the_measurements_or_the_option() {
    let young = ChildGrowth::from_json(
        r#"{"sex":"F","birth_date":"2024-01-10","measurements":[
            {"date":"2024-01-10","weight_kg":3.2},{"date":"2024-07-10","weight_kg":7.4}]}"#,
    )
    .unwrap();
    let svg = young
        .chart_svg(Indicator::Weight, &ChartOptions::default())
        .unwrap();
    let (_, text) = parse_svg(&svg);
    assert!(
        text.contains("\n12\n") && !text.contains("\n24\n"),
        "0–12 months axis"
    );
    let svg = young
        .chart_svg(
            Indicator::Weight,
            &ChartOptions {
                max_age_months: Some(60),
                ..Default::default()
            },
        )
        .unwrap();
    let (_, text) = parse_svg(&svg);
    assert!(text.contains("\n60\n"));
    // An axis shorter than the measures leaves the later ones out, and says so.
    let svg = young
        .chart_svg(
            Indicator::Weight,
            &ChartOptions {
                max_age_months: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
    let (names, text) = parse_svg(&svg);
    assert_eq!(names.iter().filter(|n| *n == "circle").count(), 1);
    assert!(text.contains("1 mesure(s) hors de l'axe"));
    // A chart with no measure of that kind still draws the reference.
    let svg = young
        .chart_svg(Indicator::HeadCircumference, &ChartOptions::default())
        .unwrap();
    let (names, _) = parse_svg(&svg);
    assert_eq!(names.iter().filter(|n| *n == "circle").count(), 0);
    assert_eq!(names.iter().filter(|n| *n == "polyline").count(), 5);
}

#[test]
fn bad_measures_files_are_refused_with_a_growth_error() {
    let bad = [
        r#"{"sex":"X","birth_date":"2024-01-10","measurements":[]}"#,
        r#"{"sex":"M","birth_date":"2024-02-30","measurements":[]}"#,
        r#"{"sex":"M","birth_date":"2024-01-10","measurements":[{"date":"2024-01-09","weight_kg":3}]}"#,
        r#"{"sex":"M","birth_date":"2024-01-10","measurements":[{"date":"2024-02-01","weight_kg":-3}]}"#,
        r#"{"sex":"M","birth_date":"2024-01-10","measurements":[{"date":"2024-02-01","weight_kg":0}]}"#,
        r#"{"sex":"M","birth_date":"2024-01-10","measurements":[{"date":"2024-02-01","weight":3}]}"#,
        r#"{"sex":"M","birth_date":"2024-01-10"}"#,
        r#"not json"#,
    ];
    for b in bad {
        let e = ChildGrowth::from_json(b).unwrap_err();
        assert!(
            matches!(e, Error::Growth(_) | Error::Invalid { .. } | Error::N3(_)),
            "{b}: {e:?}"
        );
    }
    // Implausible values are caught by the measurements model.
    assert!(ChildGrowth::from_json(
        r#"{"sex":"M","birth_date":"2024-01-10","measurements":[{"date":"2024-02-01","height_cm":900}]}"#
    )
    .is_err());
    assert!("weight".parse::<Indicator>().is_ok());
    assert!(matches!(
        "poids".parse::<Indicator>(),
        Err(Error::Growth(_))
    ));
}

#[test]
fn mesures_document_page_embeds_one_chart_per_measured_indicator() {
    let doc = samples::document(ChildVolet::Measurements, Richness::Maximal).unwrap();
    let doc = Document::parse(doc.to_xml()).unwrap();
    let child = ChildGrowth::from_document(&doc).unwrap();
    assert_eq!(child.sex, Sex::Female);
    assert_eq!(child.birth_date, samples::BIRTH_DATE);
    let html = growth::render_measures_html(&doc, &ChartOptions::default()).unwrap();
    assert_eq!(
        html.matches("<svg xmlns").count(),
        4,
        "weight, height, head, BMI"
    );
    assert!(html.contains("Courbe de croissance — Poids selon l&#39;âge"));
    assert!(html.contains("Source : OMS"));
    // The document's own content is still there, before the charts.
    let vitals = html.find("<h2>").unwrap();
    assert!(vitals < html.find("<svg").unwrap());
    std::fs::write(out_dir().join("mesures-maximal.html"), &html).unwrap();

    // The minimal document has a weight only.
    let doc = samples::document(ChildVolet::Measurements, Richness::Minimal).unwrap();
    let html = growth::render_measures_html(&doc, &ChartOptions::default()).unwrap();
    assert_eq!(html.matches("<svg xmlns").count(), 1);
}
