//! PDF/A-2b generation of N1 bodies (feature `pdf`, krilla).
//!
//! [`render_pdf`] lays out, on A4 pages: the document title, a readable
//! summary of the CDA header (patient, identity status and INS, author,
//! structure, dates, document type), then the text of the report. When the
//! patient identity is **qualified**, the INS datamatrix (ANS format, from
//! `segur_ins::datamatrix`) is drawn at the top right of the first page
//! (SENTINELLE.14); it is never drawn for an identity that is not qualified.
//!
//! Fonts are embedded (DejaVu Sans, from the `dejavu` crate) and krilla
//! checks PDF/A-2b conformance when it writes the file: an export that would
//! not conform fails with [`PdfError::Export`].

use krilla::Document as PdfDocument;
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use segur_ins::Identity;

use crate::datatypes::{Code, NamePartKind, Ts};
use crate::header::Header;

/// Why a PDF could not be produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The embedded font could not be loaded.
    #[error("the embedded font could not be loaded")]
    Font,
    /// krilla refused the export (e.g. a PDF/A rule would be broken).
    #[error("PDF export failed: {0}")]
    Export(String),
    /// The INS datamatrix could not be built.
    #[error("INS datamatrix: {0}")]
    Datamatrix(String),
    /// The identity given for the datamatrix is not the patient of the header.
    #[error("the identity's INS is not the INS of the document's patient")]
    IdentityMismatch,
}

/// What to write in the PDF besides the header summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfContent {
    /// Paragraphs of the report, in order (wrapped to the page width).
    pub paragraphs: Vec<String>,
}

impl PdfContent {
    /// One paragraph per line given.
    pub fn from_lines(lines: &[&str]) -> Self {
        Self {
            paragraphs: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY_SIZE: f32 = 10.0;
const LINE: f32 = 14.0;
/// Side of one datamatrix module, in points (about 0.85 mm).
const MODULE: f32 = 2.4;

fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn date(ts: Option<&Ts>) -> String {
    match ts.and_then(Ts::parts) {
        Some(p) => {
            let d = p.date;
            let mut s = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
            if p.precision >= 5 {
                s.push_str(&format!(" {:02}:{:02}", p.time.hour(), p.time.minute()));
            }
            s
        }
        None => String::new(),
    }
}

fn label(c: Option<&Code>) -> String {
    c.and_then(|c| c.display_name.clone().or_else(|| c.code.clone()))
        .unwrap_or_default()
}

/// The header summary as (label, value) lines.
fn summary(h: &Header) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |k: &str, v: String| {
        if !v.trim().is_empty() {
            out.push((k.to_owned(), v));
        }
    };
    if let Some(p) = h.patient_role().and_then(|r| r.patient.as_ref()) {
        let birth = p.birth_name().unwrap_or("");
        let given = p.given_names().unwrap_or("");
        push("Patient", format!("{birth} {given}"));
        if let Some(used) = p
            .names
            .first()
            .and_then(|n| n.part(&NamePartKind::Family, Some("CL")))
            .filter(|u| *u != birth)
        {
            push("Nom utilisé", used.to_owned());
        }
        let sex = match p.administrative_gender_code.as_ref().map(Code::code_str) {
            Some("F") => "Féminin",
            Some("M") => "Masculin",
            Some("UN") => "Indéterminé",
            _ => "",
        };
        push("Sexe", sex.to_owned());
        push("Né(e) le", date(p.birth_time.as_ref()));
        if let Some(cog) = p.birthplace.as_ref().and_then(|b| b.part("county")) {
            push("Lieu de naissance (COG)", cog.to_owned());
        }
    }
    match h.patient_ins() {
        Some(ins) => push(
            "INS (identité qualifiée)",
            format!(
                "{} ({})",
                ins.extension.as_deref().unwrap_or(""),
                ins.root.as_deref().unwrap_or("")
            ),
        ),
        None => push("Identité", "non qualifiée (INS non transmis)".to_owned()),
    }
    push("Type de document", label(h.code.as_ref()));
    push("Date du document", date(h.effective_time.as_ref()));
    push("Date de l'acte", date(h.act_time()));
    for a in &h.authors {
        let r = &a.assigned_author;
        let mut v = r.display_name();
        if let Some(c) = &r.code {
            v.push_str(&format!(" — {}", label(Some(c))));
        }
        push("Auteur", v);
    }
    if let Some(c) = &h.custodian {
        push("Structure", c.organization.name.clone().unwrap_or_default());
    }
    out
}

/// Greedy word wrap to `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

fn draw_matrix(
    surface: &mut Surface<'_>,
    m: &segur_ins::datamatrix::ModuleMatrix,
    x0: f32,
    y0: f32,
) {
    let mut pb = PathBuilder::new();
    for (x, y) in m.dark_modules() {
        // Module indices are small (≤ 144): exact in f32.
        let (fx, fy) = (x as f32, y as f32);
        if let Some(r) = Rect::from_xywh(x0 + fx * MODULE, y0 + fy * MODULE, MODULE, MODULE) {
            pb.push_rect(r);
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(Some(black()));
        surface.draw_path(&path);
    }
}

/// Renders the N1 PDF (PDF/A-2b) for a header and a report text. Give the
/// patient's `identity` to draw the INS datamatrix: it is drawn only when
/// the identity is qualified, and its INS must be the header's.
pub fn render_pdf(
    header: &Header,
    content: &PdfContent,
    identity: Option<&Identity>,
) -> Result<Vec<u8>, PdfError> {
    render(header, content, identity, true)
}

fn render(
    header: &Header,
    content: &PdfContent,
    identity: Option<&Identity>,
    compress: bool,
) -> Result<Vec<u8>, PdfError> {
    let matrix = match identity.and_then(|i| i.qualified_ins().map(|q| (i, q))) {
        Some((id, q)) => {
            let (root, ext) = q.ins().cda_id();
            let same = header.patient_ins().is_some_and(|i| {
                i.root.as_deref() == Some(root.as_str()) && i.extension.as_deref() == Some(ext)
            });
            if !same {
                return Err(PdfError::IdentityMismatch);
            }
            let payload = segur_ins::datamatrix::Payload::from_identity(id)
                .map_err(|e| PdfError::Datamatrix(e.to_string()))?;
            Some(
                payload
                    .module_matrix()
                    .map_err(|e| PdfError::Datamatrix(e.to_string()))?,
            )
        }
        None => None,
    };

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| PdfError::Export(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        compress_content_streams: compress,
        ..SerializeSettings::default()
    };
    let mut doc = PdfDocument::new_with(settings);
    let font = Font::new(dejavu::sans::regular().into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(dejavu::sans::bold().into(), 0).ok_or(PdfError::Font)?;
    let title = header
        .title
        .clone()
        .unwrap_or_else(|| "Document".to_owned());

    let mut meta = Metadata::new()
        .title(title.clone())
        .language("fr-FR".to_owned())
        .creator("segur-cda".to_owned());
    if let Some(p) = header.effective_time.as_ref().and_then(Ts::parts) {
        let d = p.date;
        let mut dt = DateTime::new(u16::try_from(d.year()).unwrap_or(2000))
            .month(u8::from(d.month()))
            .day(d.day())
            .hour(p.time.hour())
            .minute(p.time.minute())
            .second(p.time.second());
        if let Some(o) = p.offset {
            let (h, m, _) = o.as_hms();
            dt = dt.utc_offset_hour(h).utc_offset_minute(m.unsigned_abs());
        }
        meta = meta.creation_date(dt);
    }
    if let Some(a) = header.authors.first() {
        meta = meta.authors(vec![a.assigned_author.display_name()]);
    }
    doc.set_metadata(meta);

    // Lines of the first page: summary, then the report text.
    let mut body_lines: Vec<(bool, String)> = Vec::new();
    for p in &content.paragraphs {
        for l in wrap(p, 90) {
            body_lines.push((false, l));
        }
    }
    let page_settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfError::Export("page size".into()))?;
    let mut remaining = body_lines.into_iter().peekable();
    let mut first = true;
    loop {
        let mut page = doc.start_page_with(page_settings.clone());
        let mut s = page.surface();
        s.set_fill(Some(black()));
        let mut y = MARGIN + 16.0;
        if first {
            for l in wrap(&title, 50) {
                s.draw_text(
                    Point::from_xy(MARGIN, y),
                    bold.clone(),
                    16.0,
                    &l,
                    false,
                    TextDirection::Auto,
                );
                y += 22.0;
            }
            if let Some(m) = &matrix {
                // Top right, below the title band's baseline.
                let side = m.width() as f32 * MODULE;
                draw_matrix(&mut s, m, PAGE_W - MARGIN - side, MARGIN);
                s.set_fill(Some(black()));
                s.draw_text(
                    Point::from_xy(PAGE_W - MARGIN - side, MARGIN + side + 10.0),
                    font.clone(),
                    7.0,
                    "INS",
                    false,
                    TextDirection::Auto,
                );
                y = y.max(MARGIN + side + 24.0);
            }
            y += 6.0;
            for (k, v) in summary(header) {
                s.draw_text(
                    Point::from_xy(MARGIN, y),
                    bold.clone(),
                    BODY_SIZE,
                    &k,
                    false,
                    TextDirection::Auto,
                );
                for (i, l) in wrap(&v, 60).iter().enumerate() {
                    s.draw_text(
                        Point::from_xy(MARGIN + 150.0, y + i as f32 * LINE),
                        font.clone(),
                        BODY_SIZE,
                        l,
                        false,
                        TextDirection::Auto,
                    );
                    if i > 0 {
                        y += LINE;
                    }
                }
                y += LINE;
            }
            y += LINE;
            first = false;
        }
        while let Some((_, l)) = remaining.peek() {
            if y > PAGE_H - MARGIN {
                break;
            }
            if !l.is_empty() {
                s.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.clone(),
                    BODY_SIZE,
                    l,
                    false,
                    TextDirection::Auto,
                );
            }
            y += LINE;
            remaining.next();
        }
        s.finish();
        page.finish();
        if remaining.peek().is_none() {
            break;
        }
    }
    doc.finish().map_err(|e| PdfError::Export(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    fn count_rects(pdf: &[u8]) -> usize {
        // Each module is a closed rectangle path: `x y m … l\nh`.
        String::from_utf8_lossy(pdf).matches(" l\nh").count()
    }

    #[test]
    fn datamatrix_only_for_a_qualified_identity() {
        let doc = samples::n1_document().unwrap();
        let content = PdfContent::from_lines(samples::SAMPLE_REPORT_TEXT);
        let identity = samples::patient_identity();
        let with = render(&doc.header, &content, Some(&identity), false).unwrap();
        let matrix = segur_ins::datamatrix::Payload::from_identity(&identity)
            .unwrap()
            .module_matrix()
            .unwrap();
        assert_eq!(count_rects(&with), matrix.dark_modules().count());
        let without = render(&doc.header, &content, None, false).unwrap();
        assert_eq!(count_rects(&without), 0);
        // An identity that is not qualified gives no datamatrix either.
        let unqualified = segur_ins::Identity::new(
            identity.traits().clone(),
            segur_ins::CollectionMethod::SaisieManuelle,
            &segur_ins::EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "t"),
        );
        let none = render(&doc.header, &content, Some(&unqualified), false).unwrap();
        assert_eq!(count_rects(&none), 0);
        // The identity must be the document's patient.
        let mut other = doc.header.clone();
        other.record_targets[0].patient_role.ids[0].extension = Some("185057512345673".into());
        assert_eq!(
            render_pdf(&other, &content, Some(&identity)),
            Err(PdfError::IdentityMismatch)
        );
    }

    #[test]
    fn long_text_flows_onto_more_pages() {
        let doc = samples::n1_document().unwrap();
        let long = PdfContent {
            paragraphs: (0..200)
                .map(|i| format!("Ligne {i} du compte rendu."))
                .collect(),
        };
        let pdf = render(&doc.header, &long, None, false).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        let count: usize = text
            .split("/Count ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        // 200 lines of 14 pt on A4 pages after the summary.
        assert!((4..=6).contains(&count), "{count} pages");
    }
}
