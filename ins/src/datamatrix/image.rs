//! PNG encoding and PNG / JPEG decoding of the INS datamatrix
//! (feature `datamatrix-image`).

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

use super::{DatamatrixError, ModuleMatrix, Payload};

/// Images larger than this are refused (decompression bombs, camera dumps).
pub const MAX_PIXELS: u64 = 40_000_000;

/// Rasterisation options for [`encode_png`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngOptions {
    /// Pixels per module (at least 1).
    pub module_px: u32,
    /// Light modules of quiet zone on each side (the format requires at least 1).
    pub quiet_zone: u32,
}

impl Default for PngOptions {
    /// 8 pixels per module, 2 modules of quiet zone: a 40×40 symbol gives a
    /// 352-pixel image, about 3 cm at 300 dpi.
    fn default() -> Self {
        Self {
            module_px: 8,
            quiet_zone: 2,
        }
    }
}

/// Encodes the payload as a PNG image (1-bit greyscale).
pub fn encode_png(payload: &Payload, options: &PngOptions) -> Result<Vec<u8>, DatamatrixError> {
    let matrix = payload.module_matrix()?;
    matrix_to_png(&matrix, options)
}

pub(crate) fn matrix_to_png(
    matrix: &ModuleMatrix,
    options: &PngOptions,
) -> Result<Vec<u8>, DatamatrixError> {
    let px = options.module_px.max(1) as usize;
    let quiet = options.quiet_zone.max(1) as usize;
    let width = (matrix.width() + 2 * quiet) * px;
    let height = (matrix.height() + 2 * quiet) * px;
    let stride = width.div_ceil(8);
    let mut rows = vec![0u8; stride * height];
    for y in 0..height {
        let my = (y / px).checked_sub(quiet);
        for x in 0..width {
            let mx = (x / px).checked_sub(quiet);
            let dark = match (mx, my) {
                (Some(mx), Some(my)) => matrix.is_dark(mx, my),
                _ => false,
            };
            // 1-bit greyscale: 1 is white.
            if !dark {
                rows[y * stride + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let too_big = |_| DatamatrixError::Encode("image too large".into());
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(
        &mut out,
        u32::try_from(width).map_err(too_big)?,
        u32::try_from(height).map_err(too_big)?,
    );
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    let mut writer = enc
        .write_header()
        .map_err(|e| DatamatrixError::Encode(e.to_string()))?;
    writer
        .write_image_data(&rows)
        .map_err(|e| DatamatrixError::Encode(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| DatamatrixError::Encode(e.to_string()))?;
    Ok(out)
}

/// Reads an INS datamatrix from a PNG or JPEG image and validates its payload.
pub fn decode_image(bytes: &[u8]) -> Result<Payload, DatamatrixError> {
    Payload::parse(decode_image_text(bytes)?)
}

/// Reads the raw text of the first DataMatrix symbol of a PNG or JPEG image
/// (GS kept as 0x1D), without interpreting it.
pub fn decode_image_text(bytes: &[u8]) -> Result<Vec<u8>, DatamatrixError> {
    let (luma, width, height) = load_luma(bytes)?;
    decode_luma(luma, width, height)
}

/// Reads the raw text of a DataMatrix symbol from 8-bit greyscale pixels
/// (row-major, `width * height` bytes), e.g. a camera frame.
pub fn decode_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<Vec<u8>, DatamatrixError> {
    check_size(width, height)?;
    if luma.len() as u64 != u64::from(width) * u64::from(height) {
        return Err(DatamatrixError::Image(format!(
            "{} bytes of pixels for a {width}x{height} image",
            luma.len()
        )));
    }
    // TryHarder finds symbols on a busy page; PureBarcode stays off so that
    // rotated, scaled and framed symbols are found (spike notes §2).
    let mut hints = DecodeHints::default()
        .with(DecodeHintValue::TryHarder(true))
        .with(DecodeHintValue::PossibleFormats(HashSet::from([
            BarcodeFormat::DATA_MATRIX,
        ])));
    // rxing is a port of Java code and may panic on odd input: contain it, an
    // unreadable image is an error, never a crash of the host.
    let result = catch_unwind(AssertUnwindSafe(|| {
        rxing::helpers::detect_in_luma_with_hints(
            luma,
            width,
            height,
            Some(BarcodeFormat::DATA_MATRIX),
            &mut hints,
        )
    }));
    match result {
        Ok(Ok(r)) => Ok(r.getText().as_bytes().to_vec()),
        Ok(Err(_)) | Err(_) => Err(DatamatrixError::NoSymbol),
    }
}

fn check_size(width: u32, height: u32) -> Result<(), DatamatrixError> {
    if width == 0 || height == 0 {
        return Err(DatamatrixError::Image("empty image".into()));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DatamatrixError::ImageTooLarge {
            width,
            height,
            max_pixels: MAX_PIXELS,
        });
    }
    Ok(())
}

/// Loads a PNG or JPEG image as 8-bit greyscale pixels (row-major), with
/// transparency composited on white and the [`MAX_PIXELS`] limit: the input
/// of [`decode_luma`] and of other symbol readers (e.g. the ordonnance
/// numérique 2D code in segur-carte-vitale).
pub fn load_luma(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), DatamatrixError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_luma(bytes)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg_luma(bytes)
    } else {
        Err(DatamatrixError::Image(
            "not a PNG nor a JPEG image".to_owned(),
        ))
    }
}

fn png_luma(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), DatamatrixError> {
    let err = |e: png::DecodingError| DatamatrixError::Image(format!("PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(err)?;
    let (w, h) = {
        let info = reader.info();
        (info.width, info.height)
    };
    check_size(w, h)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| DatamatrixError::Image("PNG: image too large".into()))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(err)?;
    let (color, _) = reader.output_color_type();
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => {
            return Err(DatamatrixError::Image(
                "PNG: palette not expanded".to_owned(),
            ));
        }
    };
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut luma = Vec::with_capacity(w * h);
    for row in buf.chunks(frame.line_size).take(h) {
        for px in row.chunks(channels).take(w) {
            let (l, a) = match *px {
                [l] => (u32::from(l), 255),
                [l, a] => (u32::from(l), u32::from(a)),
                [r, g, b] => (rgb_luma(r, g, b), 255),
                [r, g, b, a] => (rgb_luma(r, g, b), u32::from(a)),
                _ => (255, 255),
            };
            // Transparent pixels are composited on white paper.
            luma.push(((l * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    Ok((luma, frame.width, frame.height))
}

fn rgb_luma(r: u8, g: u8, b: u8) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000
}

fn jpeg_luma(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), DatamatrixError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let err = |e: zune_jpeg::errors::DecodeErrors| DatamatrixError::Image(format!("JPEG: {e:?}"));
    decoder.decode_headers().map_err(err)?;
    let info = decoder
        .info()
        .ok_or_else(|| DatamatrixError::Image("JPEG: no header".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_size(w, h)?;
    let luma = decoder.decode().map_err(err)?;
    if luma.len() != (w as usize) * (h as usize) {
        return Err(DatamatrixError::Image(format!(
            "JPEG: decoded {} bytes for {w}x{h} luma",
            luma.len()
        )));
    }
    Ok((luma, w, h))
}
