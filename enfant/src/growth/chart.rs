//! The SVG writer of the growth charts.

use std::fmt::Write as _;

use super::reference::{self, LENGTH_TO_HEIGHT_MONTHS, WHO_SOURCE, lms_of};
use super::{ChartOptions, ChildGrowth, GrowthPoint, Indicator};
use crate::error::Result;

/// Escapes text for XML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Decimal comma, as French charts write numbers.
fn fr(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replace('.', ",")
}

struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_max: f64,
    y_lo: f64,
    y_hi: f64,
}

impl Frame {
    fn x(&self, age: f64) -> f64 {
        self.left + (self.right - self.left) * age / self.x_max
    }
    fn y(&self, v: f64) -> f64 {
        self.bottom - (self.bottom - self.top) * (v - self.y_lo) / (self.y_hi - self.y_lo)
    }
}

/// The age segments of the curves: `(from, to, standing)`.
fn segments(ind: Indicator, x_max: f64) -> Vec<(f64, f64, bool)> {
    if matches!(ind, Indicator::Height | Indicator::Bmi) && x_max > LENGTH_TO_HEIGHT_MONTHS {
        vec![
            (0.0, LENGTH_TO_HEIGHT_MONTHS, false),
            (LENGTH_TO_HEIGHT_MONTHS, x_max, true),
        ]
    } else {
        vec![(0.0, x_max, false)]
    }
}

/// Samples of one curve on one segment, about four per month.
fn curve(
    child: &ChildGrowth,
    ind: Indicator,
    z: f64,
    (from, to, standing): (f64, f64, bool),
) -> Result<Vec<(f64, f64)>> {
    let n = ((to - from) * 4.0).ceil().max(1.0) as usize;
    (0..=n)
        .map(|i| {
            let age = from + (to - from) * i as f64 / n as f64;
            Ok((age, lms_of(ind, child.sex, standing, age)?.value_at(z)))
        })
        .collect()
}

fn nice_step(range: f64) -> f64 {
    let raw = range / 10.0;
    [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        .into_iter()
        .find(|s| *s >= raw)
        .unwrap_or(100.0)
}

fn auto_x_max(points: &[GrowthPoint]) -> f64 {
    let oldest = points.iter().map(|p| p.age_months).fold(0.0, f64::max);
    if oldest <= 12.0 {
        12.0
    } else if oldest <= 24.0 {
        24.0
    } else {
        reference::MAX_AGE_MONTHS
    }
}

fn color(z: f64) -> (&'static str, f64, &'static str) {
    let a = z.abs();
    if a < 0.01 {
        ("#1b7f3b", 2.2, "")
    } else if a < 1.5 {
        ("#c98a0b", 1.3, "")
    } else if a < 2.5 {
        ("#c0392b", 1.3, "")
    } else {
        ("#7b241c", 1.1, " stroke-dasharray=\"5 3\"")
    }
}

pub(super) fn svg(child: &ChildGrowth, ind: Indicator, opts: &ChartOptions) -> Result<String> {
    let all_points = child.points(ind)?;
    let x_max = match opts.max_age_months {
        Some(m) => f64::from(m.clamp(1, 60)),
        None => auto_x_max(&all_points),
    };
    let (shown, hidden_by_axis): (Vec<_>, Vec<_>) =
        all_points.into_iter().partition(|p| p.age_months <= x_max);
    let beyond = child.beyond_reference(ind) + hidden_by_axis.len();
    let w = f64::from(opts.width.max(320));
    let h = f64::from(opts.height.max(240));
    let segs = segments(ind, x_max);
    let set = opts.curves.curves();

    // The curves, and the value range of curves and points.
    let mut curves = Vec::with_capacity(set.len());
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (label, z) in set {
        let mut parts = Vec::with_capacity(segs.len());
        for s in &segs {
            let c = curve(child, ind, *z, *s)?;
            for (_, v) in &c {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
            parts.push(c);
        }
        curves.push((*label, *z, parts));
    }
    for p in &shown {
        lo = lo.min(p.value);
        hi = hi.max(p.value);
    }
    let step = nice_step(hi - lo);
    let frame = Frame {
        left: 64.0,
        right: w - 64.0,
        top: 62.0,
        bottom: h - 80.0,
        x_max,
        y_lo: (lo / step).floor() * step,
        y_hi: (hi / step).ceil() * step,
    };

    let mut o = String::with_capacity(24 * 1024);
    let title = match &child.label {
        Some(l) => format!("{} — {} — {}", ind.title_fr(), child.sex.label_fr(), l),
        None => format!("{} — {}", ind.title_fr(), child.sex.label_fr()),
    };
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\n\
<title>{}</title>\n<desc>{}</desc>\n\
<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        esc(&title),
        esc(&format!(
            "Mesures de l'enfant sur les courbes de référence ({}). Source : {WHO_SOURCE}.",
            opts.curves.caption_fr()
        )),
    );
    let _ = write!(
        o,
        "<text x=\"{:.1}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#222222\">{}</text>\n\
<text x=\"{:.1}\" y=\"42\" fill=\"#555555\">{}</text>\n",
        frame.left,
        esc(&title),
        frame.left,
        esc(&format!(
            "Référence OMS 2006, {} ; points : mesures de l'enfant",
            opts.curves.caption_fr()
        ))
    );

    // Grid and axes.
    o.push_str("<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
    let x_step = if x_max <= 12.0 {
        1.0
    } else if x_max <= 24.0 {
        2.0
    } else if x_max <= 36.0 {
        3.0
    } else {
        6.0
    };
    let mut ticks_x = Vec::new();
    let mut a = 0.0;
    while a <= x_max + 1e-9 {
        ticks_x.push(a);
        let x = frame.x(a);
        let _ = writeln!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"{}/>",
            frame.top,
            frame.bottom,
            if (a % 12.0).abs() < 1e-9 {
                " stroke=\"#c8c8c8\""
            } else {
                ""
            }
        );
        a += x_step;
    }
    let mut ticks_y = Vec::new();
    let mut v = frame.y_lo;
    while v <= frame.y_hi + step / 1000.0 {
        ticks_y.push(v);
        let y = frame.y(v);
        let _ = writeln!(
            o,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
            frame.left, frame.right
        );
        v += step;
    }
    o.push_str("</g>\n");
    let _ = writeln!(
        o,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#888888\"/>",
        frame.left,
        frame.top,
        frame.right - frame.left,
        frame.bottom - frame.top
    );
    o.push_str("<g fill=\"#444444\">\n");
    for a in &ticks_x {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            frame.x(*a),
            frame.bottom + 16.0,
            fr(*a, 0)
        );
    }
    let decimals = if step < 1.0 { 1 } else { 0 };
    for v in &ticks_y {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            frame.left - 6.0,
            frame.y(*v) + 4.0,
            fr(*v, decimals)
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Âge (mois)</text>",
        (frame.left + frame.right) / 2.0,
        frame.bottom + 34.0
    );
    let _ = writeln!(
        o,
        "<text x=\"16\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.1})\">{}</text>",
        (frame.top + frame.bottom) / 2.0,
        (frame.top + frame.bottom) / 2.0,
        esc(&format!(
            "{} ({})",
            match ind {
                Indicator::Weight => "Poids",
                Indicator::Height => "Taille",
                Indicator::HeadCircumference => "Périmètre crânien",
                Indicator::Bmi => "IMC",
            },
            ind.unit()
        ))
    );
    o.push_str("</g>\n");
    if segs.len() > 1 {
        let x = frame.x(LENGTH_TO_HEIGHT_MONTHS);
        let _ = writeln!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999999\" stroke-dasharray=\"2 3\"/>\n\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777777\" font-size=\"9\">couché | debout</text>",
            frame.top,
            frame.bottom,
            x - 34.0,
            frame.top + 12.0
        );
    }

    // Reference curves, labelled at their right end.
    o.push_str("<g fill=\"none\">\n");
    for (label, z, parts) in &curves {
        let (stroke, width, dash) = color(*z);
        for part in parts {
            let pts: Vec<String> = part
                .iter()
                .map(|(a, v)| format!("{:.1},{:.1}", frame.x(*a), frame.y(*v)))
                .collect();
            let _ = writeln!(
                o,
                "<polyline points=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}><title>{}</title></polyline>",
                pts.join(" "),
                esc(label)
            );
        }
        if let Some((a, v)) = parts.last().and_then(|p| p.last()) {
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{stroke}\" stroke=\"none\" font-size=\"10\">{}</text>",
                frame.x(*a) + 4.0,
                frame.y(*v) + 3.5,
                esc(label)
            );
        }
    }
    o.push_str("</g>\n");

    // The child's measurements.
    if shown.len() > 1 {
        let pts: Vec<String> = shown
            .iter()
            .map(|p| format!("{:.1},{:.1}", frame.x(p.age_months), frame.y(p.value)))
            .collect();
        let _ = writeln!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f4e9c\" stroke-width=\"1.5\"/>",
            pts.join(" ")
        );
    }
    o.push_str("<g fill=\"#1f4e9c\" stroke=\"#ffffff\" stroke-width=\"1\">\n");
    for p in &shown {
        let decimals = if ind == Indicator::Weight { 3 } else { 1 };
        let _ = writeln!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>{}</title></circle>",
            frame.x(p.age_months),
            frame.y(p.value),
            esc(&format!(
                "{} ({} mois) : {} {} — z = {} (P{})",
                p.date,
                fr(p.age_months, 1),
                fr(p.value, decimals),
                ind.unit(),
                fr(p.z_score, 2),
                fr(
                    p.percentile.clamp(0.1, 99.9),
                    if (1.0..=99.0).contains(&p.percentile) {
                        0
                    } else {
                        1
                    }
                )
            ))
        );
    }
    o.push_str("</g>\n");

    // Source and notes.
    let mut y = h - 14.0;
    let _ = writeln!(
        o,
        "<text x=\"{:.1}\" y=\"{y:.1}\" fill=\"#555555\" font-size=\"10\">{}</text>",
        frame.left,
        esc(&format!("Source : {WHO_SOURCE}."))
    );
    if beyond > 0 {
        y -= 14.0;
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{y:.1}\" fill=\"#9a5b00\" font-size=\"10\">{}</text>",
            frame.left,
            esc(&format!(
                "{beyond} mesure(s) hors de l'axe des âges affiché (après {} mois) non représentée(s).",
                fr(x_max, 0)
            ))
        );
    }
    o.push_str("</svg>\n");
    Ok(o)
}
