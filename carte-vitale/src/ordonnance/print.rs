//! A one-page A4 PDF of a prescription: text lines, and the 2D code drawn
//! as vector rectangles at the bottom left (where public sources place it)
//! with the identifier printed under it (a pharmacist types it when the code
//! cannot be read).
//!
//! Standard Type 1 font (Helvetica, WinAnsi), no image: small and exact at
//! any printer resolution. Hosts with their own layout implement
//! [`super::PrescriptionRenderer`] and may draw the symbol from
//! [`super::Symbol::dark_runs`] the same way.

use super::code::PrintedCode;

/// What to print.
#[derive(Debug, Clone)]
pub struct PrescriptionPage<'a> {
    /// The title.
    pub title: &'a str,
    /// Prescriber, structure, date.
    pub header_lines: Vec<String>,
    /// The prescription's lines.
    pub lines: Vec<&'a str>,
    /// The code, when the e-prescription service registered the prescription.
    pub code: Option<&'a PrintedCode>,
}

/// Module size on paper: 0.6 mm (1.7 pt), above the usual 0.5 mm minimum
/// for office printers (UNCONFIRMED: the official size is not public).
pub const MODULE_PT: f32 = 1.7;

fn pdf_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
            // WinAnsi covers Latin-1 letters: octal escape.
            c if (0xA0..0x100).contains(&(c as u32)) => format!("\\{:o}", c as u32),
            '’' => "'".to_owned(),
            _ => "?".to_owned(),
        })
        .collect()
}

/// The PDF bytes.
pub fn render_pdf(page: &PrescriptionPage<'_>) -> Vec<u8> {
    let mut content = String::new();
    content.push_str("BT /F2 14 Tf 50 790 Td (");
    content.push_str(&pdf_text(page.title));
    content.push_str(") Tj ET\nBT /F1 10 Tf 50 768 Td 13 TL\n");
    for l in &page.header_lines {
        content.push_str(&format!("({}) Tj T*\n", pdf_text(l)));
    }
    content.push_str("ET\nBT /F1 11 Tf 50 690 Td 15 TL\n");
    for l in &page.lines {
        content.push_str(&format!("({}) Tj T*\n", pdf_text(l)));
    }
    content.push_str("ET\n");
    if let Some(code) = page.code {
        let symbol = code.symbol();
        let q = symbol.symbology().quiet_zone() as f32;
        // Bottom-left corner of the symbol (quiet zone included) at (40, 60).
        let (x0, top) = (
            40.0 + q * MODULE_PT,
            60.0 + (symbol.height() as f32 + q) * MODULE_PT,
        );
        content.push_str("0 g\n");
        for (x, y, len) in symbol.dark_runs() {
            content.push_str(&format!(
                "{:.2} {:.2} {:.2} {MODULE_PT:.2} re\n",
                x0 + x as f32 * MODULE_PT,
                top - (y as f32 + 1.0) * MODULE_PT,
                len as f32 * MODULE_PT
            ));
        }
        content.push_str("f\n");
        content.push_str(&format!(
            "BT /F1 8 Tf 40 48 Td (Ordonnance num\\351rique n\\260 {}) Tj ET\n",
            pdf_text(code.payload().id().as_str())
        ));
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ordonnance::{CodePayload, PayloadFormat, PrescriptionId, Symbology};

    #[test]
    fn pdf_with_and_without_code() {
        let code = PrintedCode::new(
            CodePayload::new(PrescriptionId::parse("ABC-123").expect("id")),
            PayloadFormat::Identifier,
            Symbology::QrCode,
        )
        .expect("code");
        let mut page = PrescriptionPage {
            title: "Prescription d'actes infirmiers",
            header_lines: vec!["Dr Jean MEDECIN-TEST".into()],
            lines: vec!["Soins (pansement) à domicile"],
            code: Some(&code),
        };
        let with = String::from_utf8_lossy(&render_pdf(&page)).into_owned();
        assert!(with.starts_with("%PDF-1.4"));
        assert!(with.contains(" re\n"));
        assert!(with.contains("ABC-123"));
        assert!(with.contains("Soins \\(pansement\\) \\340 domicile"));
        page.code = None;
        let without = String::from_utf8_lossy(&render_pdf(&page)).into_owned();
        assert!(!without.contains(" re\n"));
        assert!(!without.contains("ABC-123"));
        assert!(without.ends_with("%%EOF\n"));
    }
}
