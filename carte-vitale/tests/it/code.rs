//! 2D code round trips: encoded with `qrcode` / `datamatrix`, decoded back
//! with rxing from PNG images (clean, scaled on a page, JPEG).

use segur_carte_vitale::ordonnance::*;
use segur_ids::Rpps;
use time::macros::date;

fn payloads() -> Vec<(CodePayload, PayloadFormat)> {
    let generator = IdGenerator::new(IdTemplate::default());
    let id = generator
        .generate(&IdContext::new(crate::t0()))
        .expect("id");
    let tagged = CodePayload::new(id.clone())
        .with_prescriber(Rpps::parse("10003612545").expect("rpps"))
        .with_issued_on(date!(2025 - 03 - 01))
        .with_extension("NB", "2")
        .expect("extension");
    vec![
        (CodePayload::new(id), PayloadFormat::Identifier),
        (tagged, PayloadFormat::Tagged),
        (
            CodePayload::new(PrescriptionId::parse("ORD-20250301-10003612545-0001Q").expect("id")),
            PayloadFormat::Identifier,
        ),
    ]
}

#[test]
fn qr_and_datamatrix_round_trip_through_rxing() {
    for symbology in [Symbology::QrCode, Symbology::DataMatrix] {
        for (payload, format) in payloads() {
            let code = PrintedCode::new(payload.clone(), format, symbology).expect("code");
            for module_px in [3, 8] {
                let png = code.symbol().to_png(module_px).expect("png");
                let decoded = decode_image(&png).expect("decoded");
                assert_eq!(decoded.symbology, symbology);
                assert_eq!(decoded.text, code.text().as_bytes());
                assert_eq!(decoded.payload().expect("payload"), payload);
            }
        }
    }
}

/// The symbol printed small at the bottom left of a page with other marks.
#[test]
fn symbols_on_a_page_are_found() {
    for symbology in [Symbology::QrCode, Symbology::DataMatrix] {
        let (payload, format) = payloads().remove(0);
        let code = PrintedCode::new(payload.clone(), format, symbology).expect("code");
        let s = code.symbol();
        let (w, h) = (800usize, 1000usize);
        let mut page = vec![255u8; w * h];
        // A few text-like bars.
        for row in (50..400).step_by(20) {
            for x in 60..700 {
                if (x / 7) % 3 != 0 {
                    page[row * w + x] = 30;
                }
            }
        }
        let px = 5;
        let (x0, y0) = (40 + s.symbology().quiet_zone() * px, 700);
        for y in 0..s.height() * px {
            for x in 0..s.width() * px {
                if s.is_dark(x / px, y / px) {
                    page[(y0 + y) * w + x0 + x] = 0;
                }
            }
        }
        let decoded = decode_luma(page, w as u32, h as u32).expect("found on the page");
        assert_eq!(decoded.symbology, symbology);
        assert_eq!(decoded.payload().expect("payload"), payload);
    }
}

#[test]
fn unreadable_images_are_errors() {
    assert!(decode_image(b"not an image").is_err());
    let blank = vec![255u8; 100 * 100];
    assert_eq!(
        decode_luma(blank, 100, 100).err(),
        Some(segur_carte_vitale::CodeError::NoSymbol)
    );
    assert!(decode_luma(vec![0; 10], 100, 100).is_err());
    assert!(decode_luma(Vec::new(), 0, 0).is_err());
}
