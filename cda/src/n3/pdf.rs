//! The readable text of an N3 document and its PDF rendering, used for the
//! FR-Document-PDF-copie section and for the N1 twin of a document.
//!
//! Hosts that produce their own PDF (their print layout) pass it to the
//! volet builders instead. With the crate's `pdf` feature the PDF is a
//! PDF/A-2b made by the crate's `pdf` module (header summary, then the sections'
//! text, on as many pages as needed); without it, a plain one-page text PDF
//! (readable, not PDF/A, long documents cut with a notice).

use crate::body::Section;
use crate::error::N3Error;
use crate::header::Header;
use crate::n3::narrative::plain_lines;
use crate::n3::types::fr_date;

/// Lines that fit one page of the plain PDF.
#[cfg(not(feature = "pdf"))]
const PAGE_LINES: usize = 54;
/// Characters per line of the plain PDF.
#[cfg(not(feature = "pdf"))]
const LINE_WIDTH: usize = 95;

/// The header part of a document's text: title, patient, author, date.
pub fn header_lines(header: &Header) -> Vec<String> {
    let mut out = Vec::new();
    out.push(header.title.clone().unwrap_or_else(|| "Document".into()));
    if let Some(p) = header.patient_role().and_then(|r| r.patient.as_ref()) {
        let name = p
            .names
            .first()
            .map(|n| {
                format!(
                    "{} {}",
                    p.birth_name().unwrap_or_else(|| n.family().unwrap_or("")),
                    p.given_names().unwrap_or_else(|| n.given().unwrap_or(""))
                )
            })
            .unwrap_or_default();
        let born = p
            .birth_time
            .as_ref()
            .map(|b| format!(", né(e) le {}", fr_date(b)))
            .unwrap_or_default();
        out.push(format!("Patient : {}{born}", name.trim()));
    }
    for a in &header.authors {
        out.push(format!("Auteur : {}", a.assigned_author.display_name()));
    }
    if let Some(t) = &header.effective_time {
        out.push(format!("Date : {}", fr_date(t)));
    }
    out
}

/// The body part of a document's text: each section (title and narrative
/// lines), subsections indented.
pub fn section_lines(sections: &[Section], namespaces: &[(String, String)]) -> Vec<String> {
    fn walk(s: &Section, depth: usize, ns: &[(String, String)], out: &mut Vec<String>) {
        let indent = "  ".repeat(depth);
        out.push(String::new());
        out.push(format!(
            "{indent}{}",
            s.title.clone().unwrap_or_else(|| "Section".into())
        ));
        if let Some(t) = &s.text {
            for l in plain_lines(t, ns) {
                out.push(format!("{indent}  {l}"));
            }
        }
        for c in &s.sections {
            walk(c, depth + 1, ns, out);
        }
    }
    let mut out = Vec::new();
    for s in sections {
        walk(s, 0, namespaces, &mut out);
    }
    out
}

/// The text of a document: [`header_lines`] then [`section_lines`].
pub fn document_lines(
    header: &Header,
    sections: &[Section],
    namespaces: &[(String, String)],
) -> Vec<String> {
    let mut out = header_lines(header);
    out.extend(section_lines(sections, namespaces));
    out
}

/// Wraps lines at `width` characters (on spaces when possible).
#[cfg(any(test, not(feature = "pdf")))]
fn wrap(lines: &[String], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for l in lines {
        let mut cur = String::new();
        for word in l.split(' ') {
            if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            while cur.chars().count() > width {
                let head: String = cur.chars().take(width).collect();
                let tail: String = cur.chars().skip(width).collect();
                out.push(head);
                cur = tail;
            }
        }
        out.push(cur);
    }
    out
}

/// A PDF of a document whose body text is `body` (the header is summarised
/// from `header`): PDF/A-2b with the `pdf` feature (module `pdf`),
/// otherwise a one-page plain text PDF.
pub fn lines_pdf(header: &Header, body: &[String]) -> Result<Vec<u8>, N3Error> {
    #[cfg(feature = "pdf")]
    {
        crate::pdf::render_pdf(
            header,
            &crate::pdf::PdfContent {
                paragraphs: body.to_vec(),
            },
            None,
        )
        .map_err(|e| N3Error::Invalid {
            field: "PDF",
            reason: e.to_string(),
        })
    }
    #[cfg(not(feature = "pdf"))]
    {
        let mut lines = header_lines(header);
        lines.extend(body.iter().cloned());
        let mut wrapped = wrap(&lines, LINE_WIDTH);
        if wrapped.len() > PAGE_LINES {
            wrapped.truncate(PAGE_LINES - 1);
            wrapped.push("[…] Suite dans le document structuré (CDA niveau 3).".into());
        }
        let refs: Vec<&str> = wrapped.iter().map(String::as_str).collect();
        Ok(crate::samples::simple_pdf(&refs))
    }
}

/// The PDF of an N3 document's content.
pub fn document_pdf(
    header: &Header,
    sections: &[Section],
    namespaces: &[(String, String)],
) -> Result<Vec<u8>, N3Error> {
    lines_pdf(header, &section_lines(sections, namespaces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_lines() {
        let w = wrap(&["a ".repeat(100)], 20);
        assert!(w.iter().all(|l| l.chars().count() <= 20));
        let w = wrap(&["x".repeat(50)], 20);
        assert_eq!(w.len(), 3);
    }
}
