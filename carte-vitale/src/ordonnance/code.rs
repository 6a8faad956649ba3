//! The 2D code printed on the prescription: its payload, its symbol (QR code
//! or DataMatrix), drawing it (SVG, PNG, module matrix) and reading it back
//! from an image.
//!
//! # Symbology
//! Every public source says "QR code"; earlier project notes say DataMatrix;
//! the CNAM specification that settles it is not public (UNCONFIRMED). Both
//! are supported ([`Symbology`]); [`Symbology::QrCode`] is the default.
//! Writing uses the pure-Rust `qrcode` and `datamatrix` crates; reading uses
//! rxing's QR and DataMatrix readers (feature `image`).
//!
//! # Payload
//! Public sources say the code carries the unique prescription number;
//! anything more is UNCONFIRMED. Two formats ([`PayloadFormat`]):
//!
//! - [`PayloadFormat::Identifier`] (default): the identifier alone, e.g.
//!   `01JQ7Z5M3K8D2VFQ4R6T9WXYB0N` (QR alphanumeric mode: a small symbol).
//! - [`PayloadFormat::Tagged`] (assumed, for a richer content once the
//!   specification is known): `ON1/ID:<id>[/PS:<rpps>][/DT:<YYYYMMDD>][/<TAG>:<value>]*`,
//!   tags of two letters `A-Z`, values of 1 to 64 characters from the QR
//!   alphanumeric set without `/` (`0-9 A-Z space $ % * + - . :`), each tag
//!   at most once. Every character stays in the QR alphanumeric set.
//!
//! [`CodePayload::parse`] reads both (a text starting with `ON1/` is tagged).
//!
//! ```
//! use segur_carte_vitale::ordonnance::{CodePayload, PayloadFormat, PrescriptionId, Symbol, Symbology};
//! let payload = CodePayload::new(PrescriptionId::parse("01JQ7Z5M3K8D2VFQ4R6T9WXYB0N")?);
//! let text = payload.to_text(PayloadFormat::Identifier);
//! let qr = Symbol::encode(text.as_bytes(), Symbology::QrCode)?;
//! assert_eq!(qr.width(), qr.height());
//! assert!(qr.to_svg(0.5).starts_with("<svg"));
//! assert_eq!(CodePayload::parse(text.as_bytes())?, payload);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use segur_ids::Rpps;
use time::Date;

use super::id::PrescriptionId;
use crate::error::CodeError;

/// The tagged format's header.
pub const TAGGED_HEADER: &str = "ON1";
/// Longest payload text accepted.
pub const MAX_PAYLOAD_LEN: usize = 512;

/// Which 2D symbology to print.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    /// QR code (ISO/IEC 18004), error correction level M.
    #[default]
    QrCode,
    /// DataMatrix ECC 200 (ISO/IEC 16022), square symbols.
    DataMatrix,
}

impl Symbology {
    /// A name for messages: `QR code`, `DataMatrix`.
    pub fn name(self) -> &'static str {
        match self {
            Self::QrCode => "QR code",
            Self::DataMatrix => "DataMatrix",
        }
    }

    /// The light margin the standard requires, in modules (QR 4, DataMatrix 1;
    /// we draw 2 around a DataMatrix for robust printing).
    pub fn quiet_zone(self) -> usize {
        match self {
            Self::QrCode => 4,
            Self::DataMatrix => 2,
        }
    }
}

impl fmt::Display for Symbology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The payload text format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PayloadFormat {
    /// The identifier alone (the only content public sources mention).
    #[default]
    Identifier,
    /// `ON1/ID:…` with optional fields (assumed format, see the module docs).
    Tagged,
}

/// What the 2D code carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodePayload {
    id: PrescriptionId,
    prescriber: Option<Rpps>,
    issued_on: Option<Date>,
    extensions: Vec<(String, String)>,
}

fn is_value_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || " $%*+-.:".contains(c)
}

fn payload_err(reason: impl Into<String>) -> CodeError {
    CodeError::Payload(reason.into())
}

impl CodePayload {
    /// A payload carrying `id`.
    pub fn new(id: PrescriptionId) -> Self {
        Self {
            id,
            prescriber: None,
            issued_on: None,
            extensions: Vec::new(),
        }
    }

    /// Adds the prescriber's RPPS (tagged format only).
    pub fn with_prescriber(mut self, rpps: Rpps) -> Self {
        self.prescriber = Some(rpps);
        self
    }

    /// Adds the prescription date (tagged format only).
    pub fn with_issued_on(mut self, date: Date) -> Self {
        self.issued_on = Some(date);
        self
    }

    /// Adds a field (tagged format only): a two-letter tag other than `ID`,
    /// `PS`, `DT` and not already present; a value of 1 to 64 characters
    /// `0-9 A-Z space $ % * + - . :`.
    pub fn with_extension(mut self, tag: &str, value: &str) -> Result<Self, CodeError> {
        if tag.len() != 2 || !tag.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(payload_err(format!("tag {tag:?}: two letters A-Z")));
        }
        if matches!(tag, "ID" | "PS" | "DT") || self.extensions.iter().any(|(t, _)| t == tag) {
            return Err(payload_err(format!("tag {tag} given twice")));
        }
        if value.is_empty() || value.len() > 64 || !value.chars().all(is_value_char) {
            return Err(payload_err(format!(
                "value of {tag}: 1 to 64 characters 0-9 A-Z space $ % * + - . :"
            )));
        }
        self.extensions.push((tag.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// The identifier.
    pub fn id(&self) -> &PrescriptionId {
        &self.id
    }

    /// The prescriber, when carried.
    pub fn prescriber(&self) -> Option<&Rpps> {
        self.prescriber.as_ref()
    }

    /// The prescription date, when carried.
    pub fn issued_on(&self) -> Option<Date> {
        self.issued_on
    }

    /// Other fields, in order.
    pub fn extensions(&self) -> &[(String, String)] {
        &self.extensions
    }

    /// Whether only the identifier is carried.
    pub fn is_identifier_only(&self) -> bool {
        self.prescriber.is_none() && self.issued_on.is_none() && self.extensions.is_empty()
    }

    /// The text to encode. [`PayloadFormat::Identifier`] writes the
    /// identifier only (other fields are not carried).
    pub fn to_text(&self, format: PayloadFormat) -> String {
        match format {
            PayloadFormat::Identifier => self.id.to_string(),
            PayloadFormat::Tagged => {
                let mut s = format!("{TAGGED_HEADER}/ID:{}", self.id);
                if let Some(p) = &self.prescriber {
                    s.push_str(&format!("/PS:{p}"));
                }
                if let Some(d) = self.issued_on {
                    s.push_str(&format!(
                        "/DT:{:04}{:02}{:02}",
                        d.year(),
                        u8::from(d.month()),
                        d.day()
                    ));
                }
                for (t, v) in &self.extensions {
                    s.push_str(&format!("/{t}:{v}"));
                }
                s
            }
        }
    }

    /// Reads a decoded payload (either format).
    pub fn parse(bytes: &[u8]) -> Result<Self, CodeError> {
        if bytes.len() > MAX_PAYLOAD_LEN {
            return Err(payload_err(format!(
                "{} bytes (at most {MAX_PAYLOAD_LEN})",
                bytes.len()
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| payload_err("not ASCII text"))?;
        let Some(rest) = text
            .strip_prefix(TAGGED_HEADER)
            .and_then(|r| r.strip_prefix('/'))
        else {
            let id = PrescriptionId::parse(text).map_err(|e| payload_err(e.to_string()))?;
            return Ok(Self::new(id));
        };
        let mut fields = rest.split('/');
        let id = fields
            .next()
            .and_then(|f| f.strip_prefix("ID:"))
            .ok_or_else(|| payload_err("the first field must be ID:"))?;
        let mut out = Self::new(PrescriptionId::parse(id).map_err(|e| payload_err(e.to_string()))?);
        for field in fields {
            let (tag, value) = field
                .split_once(':')
                .ok_or_else(|| payload_err(format!("field {field:?} is not TAG:value")))?;
            match tag {
                "PS" if out.prescriber.is_none() => {
                    out.prescriber =
                        Some(Rpps::parse(value).map_err(|e| payload_err(format!("PS: {e}")))?);
                }
                "DT" if out.issued_on.is_none() => {
                    let ok = value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit());
                    let date = ok
                        .then(|| {
                            crate::serde_fmt::parse_date(&format!(
                                "{}-{}-{}",
                                &value[..4],
                                &value[4..6],
                                &value[6..]
                            ))
                        })
                        .flatten()
                        .ok_or_else(|| payload_err(format!("DT: {value:?} is not YYYYMMDD")))?;
                    out.issued_on = Some(date);
                }
                _ => out = out.with_extension(tag, value)?,
            }
        }
        Ok(out)
    }
}

/// A 2D symbol's modules, without quiet zone: row-major, `true` = dark.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Symbol {
    symbology: Symbology,
    width: usize,
    height: usize,
    dark: Vec<bool>,
}

impl Symbol {
    /// Encodes `data` (QR: level M, the smallest version; DataMatrix: the
    /// smallest square ECC 200 symbol).
    pub fn encode(data: &[u8], symbology: Symbology) -> Result<Self, CodeError> {
        let encode_err = |reason: String| CodeError::Encode {
            symbology: symbology.name(),
            len: data.len(),
            reason,
        };
        if data.is_empty() || data.len() > MAX_PAYLOAD_LEN {
            return Err(encode_err(format!("1 to {MAX_PAYLOAD_LEN} bytes")));
        }
        match symbology {
            Symbology::QrCode => {
                let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
                    .map_err(|e| encode_err(e.to_string()))?;
                let width = code.width();
                let dark = code
                    .to_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect();
                Ok(Self {
                    symbology,
                    width,
                    height: width,
                    dark,
                })
            }
            Symbology::DataMatrix => {
                let code = datamatrix::DataMatrix::encode(
                    data,
                    datamatrix::SymbolList::default().enforce_square(),
                )
                .map_err(|e| encode_err(format!("{e:?}")))?;
                let bitmap = code.bitmap();
                Ok(Self {
                    symbology,
                    width: bitmap.width(),
                    height: bitmap.height(),
                    dark: bitmap.bits().to_vec(),
                })
            }
        }
    }

    /// The symbology.
    pub fn symbology(&self) -> Symbology {
        self.symbology
    }

    /// Width in modules (no quiet zone).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in modules (no quiet zone).
    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether the module at column `x`, row `y` is dark (`false` outside).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.dark[y * self.width + x]
    }

    /// The modules, row-major.
    pub fn modules(&self) -> &[bool] {
        &self.dark
    }

    /// Horizontal runs of dark modules `(x, y, length)`: few rectangles to
    /// draw, e.g. in a PDF content stream.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.height {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// An SVG image with the quiet zone, `module_mm` millimetres per module.
    pub fn to_svg(&self, module_mm: f32) -> String {
        let q = self.symbology.quiet_zone();
        let (w, h) = (self.width + 2 * q, self.height + 2 * q);
        let mut path = String::new();
        for (x, y, len) in self.dark_runs() {
            path.push_str(&format!("M{} {}h{len}v1h-{len}z", x + q, y + q));
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.2}mm\" height=\"{:.2}mm\" viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
            w as f32 * module_mm,
            h as f32 * module_mm,
        )
    }

    /// A 1-bit greyscale PNG with the quiet zone, `module_px` pixels per module.
    pub fn to_png(&self, module_px: u32) -> Result<Vec<u8>, CodeError> {
        let px = module_px.clamp(1, 64) as usize;
        let q = self.symbology.quiet_zone();
        let width = (self.width + 2 * q) * px;
        let height = (self.height + 2 * q) * px;
        let stride = width.div_ceil(8);
        let mut rows = vec![0u8; stride * height];
        for y in 0..height {
            for x in 0..width {
                let dark = match ((x / px).checked_sub(q), (y / px).checked_sub(q)) {
                    (Some(mx), Some(my)) => self.is_dark(mx, my),
                    _ => false,
                };
                // 1-bit greyscale: 1 is white.
                if !dark {
                    rows[y * stride + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        let err = |e: String| CodeError::Image(format!("PNG: {e}"));
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(
            &mut out,
            u32::try_from(width).map_err(|e| err(e.to_string()))?,
            u32::try_from(height).map_err(|e| err(e.to_string()))?,
        );
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut writer = enc.write_header().map_err(|e| err(e.to_string()))?;
        writer
            .write_image_data(&rows)
            .map_err(|e| err(e.to_string()))?;
        writer.finish().map_err(|e| err(e.to_string()))?;
        Ok(out)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Symbol({}, {}x{})",
            self.symbology, self.width, self.height
        )
    }
}

/// The code printed on a prescription: payload, its text, its symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedCode {
    payload: CodePayload,
    text: String,
    symbol: Symbol,
}

impl PrintedCode {
    /// Encodes a payload.
    pub fn new(
        payload: CodePayload,
        format: PayloadFormat,
        symbology: Symbology,
    ) -> Result<Self, CodeError> {
        let text = payload.to_text(format);
        let symbol = Symbol::encode(text.as_bytes(), symbology)?;
        Ok(Self {
            payload,
            text,
            symbol,
        })
    }

    /// The payload.
    pub fn payload(&self) -> &CodePayload {
        &self.payload
    }

    /// The encoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The symbol.
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }
}

/// A symbol read from an image.
#[cfg(feature = "image")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Which symbology was found.
    pub symbology: Symbology,
    /// The decoded bytes (never the raw codewords).
    pub text: Vec<u8>,
}

#[cfg(feature = "image")]
impl Decoded {
    /// The payload.
    pub fn payload(&self) -> Result<CodePayload, CodeError> {
        CodePayload::parse(&self.text)
    }
}

/// Reads the first QR code or DataMatrix of a PNG or JPEG image.
#[cfg(feature = "image")]
pub fn decode_image(bytes: &[u8]) -> Result<Decoded, CodeError> {
    let (luma, w, h) =
        segur_ins::datamatrix::load_luma(bytes).map_err(|e| CodeError::Image(e.to_string()))?;
    decode_luma(luma, w, h)
}

/// Reads the first QR code or DataMatrix of 8-bit greyscale pixels
/// (row-major, `width * height` bytes), e.g. a camera frame.
#[cfg(feature = "image")]
pub fn decode_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<Decoded, CodeError> {
    use std::collections::HashSet;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

    if width == 0
        || height == 0
        || u64::from(width) * u64::from(height) > segur_ins::datamatrix::MAX_PIXELS
        || luma.len() as u64 != u64::from(width) * u64::from(height)
    {
        return Err(CodeError::Image(format!(
            "{} bytes of pixels for a {width}x{height} image (at most {} pixels)",
            luma.len(),
            segur_ins::datamatrix::MAX_PIXELS
        )));
    }
    // TryHarder finds symbols on a busy page; PureBarcode stays off so that
    // rotated, scaled and framed symbols are found (spike notes §2).
    let mut hints = DecodeHints::default()
        .with(DecodeHintValue::TryHarder(true))
        .with(DecodeHintValue::PossibleFormats(HashSet::from([
            BarcodeFormat::QR_CODE,
            BarcodeFormat::DATA_MATRIX,
        ])));
    // rxing is a port of Java code and may panic on odd input: an unreadable
    // image is an error, never a crash of the host.
    let result = catch_unwind(AssertUnwindSafe(|| {
        rxing::helpers::detect_in_luma_with_hints(luma, width, height, None, &mut hints)
    }));
    let r = match result {
        Ok(Ok(r)) => r,
        Ok(Err(_)) | Err(_) => return Err(CodeError::NoSymbol),
    };
    let symbology = match r.getBarcodeFormat() {
        BarcodeFormat::QR_CODE => Symbology::QrCode,
        BarcodeFormat::DATA_MATRIX => Symbology::DataMatrix,
        _ => return Err(CodeError::NoSymbol),
    };
    Ok(Decoded {
        symbology,
        text: r.getText().as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn id() -> PrescriptionId {
        PrescriptionId::parse("01JQ7Z5M3K8D2VFQ4R6T9WXYB0N").expect("id")
    }

    #[test]
    fn payload_formats() {
        let p = CodePayload::new(id())
            .with_prescriber(Rpps::parse("10003612545").expect("rpps"))
            .with_issued_on(date!(2025 - 03 - 01))
            .with_extension("NB", "3")
            .expect("ext");
        let t = p.to_text(PayloadFormat::Tagged);
        assert_eq!(
            t,
            "ON1/ID:01JQ7Z5M3K8D2VFQ4R6T9WXYB0N/PS:10003612545/DT:20250301/NB:3"
        );
        assert_eq!(CodePayload::parse(t.as_bytes()).expect("parse"), p);
        assert_eq!(
            p.to_text(PayloadFormat::Identifier),
            "01JQ7Z5M3K8D2VFQ4R6T9WXYB0N"
        );
        for bad in [
            "ON1/",
            "ON1/PS:10003612545",
            "ON1/ID:A/PS:10003612546",
            "ON1/ID:A/DT:20250230",
            "ON1/ID:A/DT:2025-03-01",
            "ON1/ID:A/NB:1/NB:2",
            "ON1/ID:A/ID:B",
            "ON1/ID:A/nb:1",
            "ON1/ID:A/NB",
            "ON1/ID:A/NB:",
            "ON1/ID:A/NB:a",
            "a",
            "",
        ] {
            assert!(CodePayload::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(CodePayload::parse(&[0xff, 0xfe]).is_err());
        assert!(CodePayload::parse(&[b'A'; 600]).is_err());
    }

    #[test]
    fn symbols_are_valid_and_decode_without_image_detection() {
        let text = id().to_string();
        let dm = Symbol::encode(text.as_bytes(), Symbology::DataMatrix).expect("dm");
        assert_eq!(dm.width(), dm.height());
        assert_eq!(
            datamatrix::DataMatrix::decode(dm.modules(), dm.width()).expect("decode"),
            text.as_bytes()
        );
        let qr = Symbol::encode(text.as_bytes(), Symbology::QrCode).expect("qr");
        // 27 alphanumeric characters at level M fit version 2 (25 modules).
        assert_eq!(qr.width(), 25);
        let svg = qr.to_svg(0.5);
        assert!(svg.contains("viewBox=\"0 0 33 33\""));
        assert!(Symbol::encode(b"", Symbology::QrCode).is_err());
        assert!(Symbol::encode(&[b'A'; 513], Symbology::DataMatrix).is_err());
        let runs: usize = qr.dark_runs().iter().map(|r| r.2).sum();
        assert_eq!(runs, qr.modules().iter().filter(|d| **d).count());
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = CodePayload::parse(&bytes);
        }

        #[test]
        fn parse_never_panics_on_tagged_like_text(s in "ON1/[A-Z0-9:/ .-]{0,80}") {
            if let Ok(p) = CodePayload::parse(s.as_bytes()) {
                let again = CodePayload::parse(p.to_text(PayloadFormat::Tagged).as_bytes());
                prop_assert_eq!(again.ok(), Some(p));
            }
        }

        #[test]
        fn tagged_round_trip(
            id in "[0-9A-Z-]{1,64}",
            day in 0u32..40_000,
            with_ps in any::<bool>(),
            ext in proptest::option::of(("[A-Z]{2}", "[0-9A-Z $%*+.:-]{1,64}")),
        ) {
            let mut p = CodePayload::new(PrescriptionId::parse(&id).expect("id"));
            if with_ps {
                p = p.with_prescriber(Rpps::parse("10003612545").expect("rpps"));
            }
            let d = date!(1950 - 01 - 01) + time::Duration::days(i64::from(day));
            p = p.with_issued_on(d);
            if let Some((tag, value)) = ext
                && let Ok(q) = p.clone().with_extension(&tag, &value)
            {
                p = q;
            }
            let text = p.to_text(PayloadFormat::Tagged);
            prop_assert!(text.chars().all(|c| c == '/' || is_value_char(c)));
            prop_assert_eq!(CodePayload::parse(text.as_bytes()).ok(), Some(p.clone()));
            let bare = CodePayload::parse(p.to_text(PayloadFormat::Identifier).as_bytes());
            prop_assert_eq!(bare.ok(), Some(CodePayload::new(p.id().clone())));
        }
    }
}
