//! Checks that read what a host produced, independently of how it produced
//! it. Used by the built-in scenarios; public so that an editor's own tests
//! can run them too.
//!
//! - [`pdf_ins_datamatrix`]: finds and decodes the INS datamatrix printed on
//!   the PDF of an N1 document (SENTINELLE.14).

use std::io::Read;

use segur_ins::datamatrix::{DatamatrixError, Payload, decode_image, decode_luma};

/// Pixels per module when a vector symbol is rasterised for decoding.
const PX_PER_MODULE: usize = 4;
/// Light modules of quiet zone drawn around a rasterised symbol.
const QUIET_ZONE: usize = 2;
/// Largest inflated stream read (a bomb guard).
const MAX_INFLATED: u64 = 64 * 1024 * 1024;

/// Why the datamatrix of a PDF could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfDatamatrixError {
    /// Squares that look like a symbol were found but do not decode.
    #[error(
        "a {width}x{height} grid of squares was found in the PDF but is not a readable DataMatrix: {reason}"
    )]
    Unreadable {
        /// Columns of the grid.
        width: usize,
        /// Rows of the grid.
        height: usize,
        /// The decoder's message.
        reason: String,
    },
    /// A symbol was decoded but is not an INS datamatrix.
    #[error("the PDF's DataMatrix is not a valid INS datamatrix: {0}")]
    Payload(String),
    /// The page could not be rasterised with `pdftoppm`.
    #[error("pdftoppm failed: {0}")]
    Rasterise(String),
}

/// The INS datamatrix printed on a PDF, if any.
///
/// The PDF's content streams are inflated and their filled squares (drawn
/// with `re` or closed four-point paths, as PDF writers draw vector
/// DataMatrix symbols — `segur_cda::pdf` does) are put back on a grid,
/// rasterised and decoded with `segur_ins::datamatrix`. A symbol drawn as an
/// image is not seen by this reader: when `SEGUR_PDFTOPPM` names a `pdftoppm`
/// binary, the first page is also rasterised and searched.
///
/// Returns `Ok(None)` when no symbol is found, `Ok(Some(payload))` when an
/// INS datamatrix is found and valid, and an error when a symbol is found but
/// cannot be read as an INS datamatrix.
pub fn pdf_ins_datamatrix(pdf: &[u8]) -> Result<Option<Payload>, PdfDatamatrixError> {
    for stream in pdf_streams(pdf) {
        let squares = filled_squares(&stream);
        if let Some(grid) = Grid::from_squares(&squares) {
            return grid.decode().map(Some);
        }
    }
    match std::env::var_os("SEGUR_PDFTOPPM") {
        Some(pdftoppm) => rasterise_and_decode(&pdftoppm, pdf),
        None => Ok(None),
    }
}

/// The decoded content of every stream of the file (FlateDecode inflated,
/// others as they are).
fn pdf_streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(pdf, b"stream", from) {
        from = pos + 6;
        // `endstream` also contains `stream`.
        if pos >= 3 && &pdf[pos - 3..pos] == b"end" {
            continue;
        }
        let mut start = pos + 6;
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) != Some(&b'\n') {
            continue;
        }
        start += 1;
        let Some(end) = find(pdf, b"endstream", start) else {
            break;
        };
        let dict_start = pos.saturating_sub(512);
        let dict = &pdf[dict_start..pos];
        let data = &pdf[start..end];
        let flate = find(dict, b"/FlateDecode", 0).is_some();
        // Font programs, images and metadata are not content streams.
        let skip = [
            b"/Length1".as_slice(),
            b"/Image",
            b"/Type1C",
            b"/CIDFontType0C",
            b"/OpenType",
            b"/XML",
        ]
        .iter()
        .any(|k| find(&dict[last_dict_open(dict)..], k, 0).is_some());
        if !skip {
            if flate {
                let mut inflated = Vec::new();
                let reader = flate2::read::ZlibDecoder::new(data).take(MAX_INFLATED);
                if std::io::BufReader::new(reader)
                    .read_to_end(&mut inflated)
                    .is_ok()
                {
                    out.push(inflated);
                }
            } else {
                out.push(data.to_vec());
            }
        }
        from = end + 9;
    }
    out
}

/// Where the stream's own dictionary starts in the bytes before `stream`.
fn last_dict_open(dict: &[u8]) -> usize {
    let mut at = 0;
    let mut from = 0;
    while let Some(p) = find(dict, b"obj", from) {
        at = p;
        from = p + 3;
    }
    at
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// An axis-aligned filled square: lower corner and side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Square {
    x: f64,
    y: f64,
    side: f64,
}

/// The filled axis-aligned squares of a content stream.
fn filled_squares(content: &[u8]) -> Vec<Square> {
    let mut squares = Vec::new();
    let mut operands: Vec<f64> = Vec::new();
    // Candidate squares of the current path, kept until it is painted.
    let mut path: Vec<Square> = Vec::new();
    let mut subpath: Vec<(f64, f64)> = Vec::new();
    let close = |subpath: &mut Vec<(f64, f64)>, path: &mut Vec<Square>| {
        if let Some(sq) = square_of(subpath) {
            path.push(sq);
        }
        subpath.clear();
    };
    let mut i = 0;
    while i < content.len() {
        let c = content[i];
        match c {
            b'%' => {
                while i < content.len() && content[i] != b'\n' && content[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                // A string: skip it, with nesting and escapes.
                let mut depth = 0usize;
                while i < content.len() {
                    match content[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                operands.clear();
                i += 1;
            }
            b'<' if content.get(i + 1) != Some(&b'<') => {
                while i < content.len() && content[i] != b'>' {
                    i += 1;
                }
                operands.clear();
                i += 1;
            }
            b'[' | b']' | b'<' | b'>' | b'{' | b'}' | b'/' => {
                if c == b'/' {
                    // A name: skip it.
                    i += 1;
                    while i < content.len() && !is_delimiter(content[i]) {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
                operands.clear();
            }
            _ if is_white(c) => i += 1,
            _ => {
                let start = i;
                while i < content.len() && !is_delimiter(content[i]) {
                    i += 1;
                }
                if i == start {
                    // A stray delimiter (`)` in binary data): skip it.
                    i += 1;
                    operands.clear();
                    continue;
                }
                let token = &content[start..i];
                if let Some(n) = std::str::from_utf8(token)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|n| n.is_finite())
                {
                    operands.push(n);
                    continue;
                }
                match token {
                    b"re" => {
                        if let [.., x, y, w, h] = operands[..] {
                            close(&mut subpath, &mut path);
                            let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
                            let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
                            if w > 0.0 && (w - h).abs() <= w * 0.01 {
                                path.push(Square { x, y, side: w });
                            }
                        }
                    }
                    b"m" => {
                        close(&mut subpath, &mut path);
                        if let [.., x, y] = operands[..] {
                            subpath.push((x, y));
                        }
                    }
                    b"l" => {
                        if let [.., x, y] = operands[..] {
                            subpath.push((x, y));
                        }
                    }
                    b"h" => close(&mut subpath, &mut path),
                    b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" => {
                        close(&mut subpath, &mut path);
                        squares.append(&mut path);
                    }
                    // Clipping keeps the path for the painting operator.
                    b"n" | b"S" | b"s" => {
                        subpath.clear();
                        path.clear();
                    }
                    _ => {}
                }
                operands.clear();
            }
        }
    }
    squares
}

fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(c: u8) -> bool {
    is_white(c)
        || matches!(
            c,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
        )
}

/// The square drawn by a closed four-point (or five with the start repeated)
/// axis-aligned subpath.
fn square_of(points: &[(f64, f64)]) -> Option<Square> {
    let pts: &[(f64, f64)] = match points {
        [first, rest @ ..] if rest.last() == Some(first) => &points[..points.len() - 1],
        _ => points,
    };
    if pts.len() != 4 {
        return None;
    }
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in pts {
        min_x = min_x.min(x);
        min_y = min_y.min(y);
        max_x = max_x.max(x);
        max_y = max_y.max(y);
    }
    let (w, h) = (max_x - min_x, max_y - min_y);
    let eps = w * 0.01;
    let on_corner = pts.iter().all(|&(x, y)| {
        ((x - min_x).abs() <= eps || (x - max_x).abs() <= eps)
            && ((y - min_y).abs() <= eps || (y - max_y).abs() <= eps)
    });
    (w > 0.0 && (w - h).abs() <= eps && on_corner).then_some(Square {
        x: min_x,
        y: min_y,
        side: w,
    })
}

/// Dark modules put back on a grid.
#[derive(Debug)]
struct Grid {
    width: usize,
    height: usize,
    dark: Vec<bool>,
}

impl Grid {
    /// The grid of the most common square size, when there are enough
    /// squares of it to be a symbol (the smallest ECC200 symbol, 10x10, has
    /// more than 30 dark modules) and they sit on one lattice.
    fn from_squares(squares: &[Square]) -> Option<Grid> {
        let mut sizes: Vec<(f64, usize)> = Vec::new();
        for s in squares {
            match sizes
                .iter_mut()
                .find(|(side, _)| (side - s.side).abs() <= side * 0.01)
            {
                Some((_, n)) => *n += 1,
                None => sizes.push((s.side, 1)),
            }
        }
        let (side, count) = sizes.into_iter().max_by_key(|(_, n)| *n)?;
        if count < 30 {
            return None;
        }
        let modules: Vec<&Square> = squares
            .iter()
            .filter(|s| (s.side - side).abs() <= side * 0.01)
            .collect();
        let min_x = modules.iter().map(|s| s.x).fold(f64::MAX, f64::min);
        let min_y = modules.iter().map(|s| s.y).fold(f64::MAX, f64::min);
        let mut cells = Vec::with_capacity(modules.len());
        for s in &modules {
            let cx = (s.x - min_x) / side;
            let cy = (s.y - min_y) / side;
            if (cx - cx.round()).abs() > 0.1 || (cy - cy.round()).abs() > 0.1 {
                return None;
            }
            // Positions are checked finite and non-negative by construction.
            cells.push((cx.round() as usize, cy.round() as usize));
        }
        let width = cells.iter().map(|c| c.0).max()? + 1;
        let height = cells.iter().map(|c| c.1).max()? + 1;
        // ECC200 symbols are at most 144 modules wide.
        if width > 144 || height > 144 {
            return None;
        }
        let mut dark = vec![false; width * height];
        for (x, y) in cells {
            dark[y * width + x] = true;
        }
        Some(Grid {
            width,
            height,
            dark,
        })
    }

    /// Rasterises and decodes the grid, trying both vertical orientations
    /// (PDF coordinates may grow up or down).
    fn decode(&self) -> Result<Payload, PdfDatamatrixError> {
        let mut last = String::new();
        for flip in [false, true] {
            let (luma, w, h) = self.rasterise(flip);
            let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) else {
                break;
            };
            match decode_luma(luma, w, h) {
                Ok(text) => {
                    return Payload::parse(&text)
                        .map_err(|e| PdfDatamatrixError::Payload(e.to_string()));
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(PdfDatamatrixError::Unreadable {
            width: self.width,
            height: self.height,
            reason: last,
        })
    }

    fn rasterise(&self, flip: bool) -> (Vec<u8>, usize, usize) {
        let w = (self.width + 2 * QUIET_ZONE) * PX_PER_MODULE;
        let h = (self.height + 2 * QUIET_ZONE) * PX_PER_MODULE;
        let mut luma = vec![255u8; w * h];
        for y in 0..self.height {
            for x in 0..self.width {
                if !self.dark[y * self.width + x] {
                    continue;
                }
                let row = if flip { self.height - 1 - y } else { y };
                for py in 0..PX_PER_MODULE {
                    let line = (row + QUIET_ZONE) * PX_PER_MODULE + py;
                    let from = line * w + (x + QUIET_ZONE) * PX_PER_MODULE;
                    luma[from..from + PX_PER_MODULE].fill(0);
                }
            }
        }
        (luma, w, h)
    }
}

fn rasterise_and_decode(
    pdftoppm: &std::ffi::OsStr,
    pdf: &[u8],
) -> Result<Option<Payload>, PdfDatamatrixError> {
    // One folder per call: two scenarios (or two runs in one test process) may
    // rasterise the very same PDF at the same time, and each removes its folder.
    static NEXT_CALL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = NEXT_CALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let err = |e: std::io::Error| PdfDatamatrixError::Rasterise(e.to_string());
    let dir = std::env::temp_dir().join(format!(
        "segur-conformance-pdf-{}-{}-{call}",
        std::process::id(),
        crate::context::fnv1a64(pdf)
    ));
    std::fs::create_dir_all(&dir).map_err(err)?;
    let result = (|| {
        let input = dir.join("document.pdf");
        std::fs::write(&input, pdf).map_err(err)?;
        let status = std::process::Command::new(pdftoppm)
            .args(["-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&input)
            .arg(dir.join("page"))
            .status()
            .map_err(err)?;
        if !status.success() {
            return Err(PdfDatamatrixError::Rasterise(format!(
                "exit status {status}"
            )));
        }
        let png = std::fs::read(dir.join("page.png")).map_err(err)?;
        match decode_image(&png) {
            Ok(payload) => Ok(Some(payload)),
            Err(DatamatrixError::NoSymbol) => Ok(None),
            Err(e) => Err(PdfDatamatrixError::Payload(e.to_string())),
        }
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squares_from_re_and_paths() {
        let content = b"q 1 0 0 -1 0 842 cm 10 20 2.4 2.4 re 12.4 20 2.4 2.4 re f \
            0 0 m 5 0 l 5 5 l 0 5 l h f 1 1 m 3 1 l S (a (nested) string re) Tj";
        let s = filled_squares(content);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0],
            Square {
                x: 10.0,
                y: 20.0,
                side: 2.4
            }
        );
        assert_eq!(
            s[2],
            Square {
                x: 0.0,
                y: 0.0,
                side: 5.0
            }
        );
    }

    #[test]
    fn unpainted_paths_do_not_count() {
        assert!(filled_squares(b"0 0 2 2 re n 0 0 2 2 re S").is_empty());
    }

    #[test]
    fn too_few_squares_are_no_symbol() {
        let squares: Vec<Square> = (0..10)
            .map(|i| Square {
                x: f64::from(i) * 2.0,
                y: 0.0,
                side: 2.0,
            })
            .collect();
        assert!(Grid::from_squares(&squares).is_none());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_content_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = filled_squares(&bytes);
            let _ = pdf_streams(&bytes);
        }

        #[test]
        fn operator_soup_never_panics(tokens in proptest::collection::vec("(-?[0-9]{1,3}(\\.[0-9])?|re|m|l|h|f|n|S|\\(|\\)|<|>|\\[|\\]|/[a-z]+|%)", 0..200)) {
            let content = tokens.join(" ");
            let _ = filled_squares(content.as_bytes());
        }
    }

    #[test]
    fn no_pdf_no_symbol() {
        assert_eq!(pdf_ins_datamatrix(b"not a pdf").ok().flatten(), None);
    }
}
