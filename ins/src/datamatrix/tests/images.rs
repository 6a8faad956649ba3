//! Image round trips: the symbol is encoded, transformed (rotation, scaling,
//! blur, placement on a page, JPEG compression) and decoded back.

use super::super::image::load_luma;
use super::*;

struct Gray {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Gray {
    fn get(&self, x: isize, y: isize) -> u8 {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            255
        } else {
            self.px[y as usize * self.w + x as usize]
        }
    }

    fn from_png(bytes: &[u8]) -> Self {
        let (px, w, h) = load_luma(bytes).unwrap();
        Self {
            w: w as usize,
            h: h as usize,
            px,
        }
    }

    fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&self.px).unwrap();
        w.finish().unwrap();
        out
    }

    fn jpeg(&self, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, quality)
            .encode(
                &self.px,
                self.w as u16,
                self.h as u16,
                jpeg_encoder::ColorType::Luma,
            )
            .unwrap();
        out
    }

    fn rotate90(&self) -> Self {
        let mut px = vec![0; self.w * self.h];
        for y in 0..self.h {
            for x in 0..self.w {
                px[x * self.h + (self.h - 1 - y)] = self.px[y * self.w + x];
            }
        }
        Self {
            w: self.h,
            h: self.w,
            px,
        }
    }

    /// Rotation by `deg` around the centre, bilinear, white background.
    fn rotate(&self, deg: f64) -> Self {
        let (s, c) = deg.to_radians().sin_cos();
        let side = ((self.w.max(self.h) as f64) * 1.5) as usize;
        let (cx, cy) = (self.w as f64 / 2.0, self.h as f64 / 2.0);
        let (ox, oy) = (side as f64 / 2.0, side as f64 / 2.0);
        let mut px = vec![255; side * side];
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = (x as f64 - ox, y as f64 - oy);
                let sx = c * dx + s * dy + cx;
                let sy = -s * dx + c * dy + cy;
                let (x0, y0) = (sx.floor(), sy.floor());
                let (fx, fy) = (sx - x0, sy - y0);
                let g = |a: f64, b: f64| f64::from(self.get(a as isize, b as isize));
                let v = g(x0, y0) * (1.0 - fx) * (1.0 - fy)
                    + g(x0 + 1.0, y0) * fx * (1.0 - fy)
                    + g(x0, y0 + 1.0) * (1.0 - fx) * fy
                    + g(x0 + 1.0, y0 + 1.0) * fx * fy;
                px[y * side + x] = v.round() as u8;
            }
        }
        Self {
            w: side,
            h: side,
            px,
        }
    }

    /// Nearest-neighbour scaling by a rational factor, then a 3x3 box blur.
    fn scale_blur(&self, num: usize, den: usize) -> Self {
        let (w, h) = (self.w * num / den, self.h * num / den);
        let mut px = vec![0; w * h];
        for y in 0..h {
            for x in 0..w {
                px[y * w + x] = self.px[(y * den / num) * self.w + x * den / num];
            }
        }
        let src = Self { w, h, px };
        let mut out = vec![0; w * h];
        for y in 0..h as isize {
            for x in 0..w as isize {
                let mut sum = 0u32;
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        sum += u32::from(src.get(x + dx, y + dy));
                    }
                }
                out[y as usize * w + x as usize] = (sum / 9) as u8;
            }
        }
        Self { w, h, px: out }
    }

    /// An A4-ish page at 150 dpi with text-like bars, lines, a frame and a
    /// circle, the symbol pasted near the bottom right.
    fn on_page(&self) -> Self {
        let (w, h) = (1240usize, 877usize);
        let mut px = vec![250u8; w * h];
        for line in 0..12 {
            let y0 = 60 + line * 40;
            for y in y0..y0 + 12 {
                for x in 80..(700 + (line * 37) % 300) {
                    // "Words": dark runs separated by gaps.
                    if (x / 7 + line) % 9 != 0 {
                        px[y * w + x] = 30;
                    }
                }
            }
        }
        for x in 40..1200 {
            px[620 * w + x] = 0;
            px[40 * w + x] = 0;
        }
        for y in 40..840 {
            px[y * w + 40] = 0;
            px[y * w + 1199] = 0;
        }
        for a in 0..3600 {
            let t = f64::from(a).to_radians() / 10.0;
            let (x, y) = (300.0 + 120.0 * t.cos(), 740.0 + 80.0 * t.sin());
            px[y as usize * w + x as usize] = 0;
        }
        let (ox, oy) = (w - self.w - 120, h - self.h - 60);
        for y in 0..self.h {
            for x in 0..self.w {
                px[(oy + y) * w + ox + x] = self.px[y * self.w + x];
            }
        }
        Self { w, h, px }
    }
}

fn sample() -> (Payload, Vec<u8>) {
    let p = Payload::from_identity(&qualified_identity()).unwrap();
    let png = encode_png(&p, &PngOptions::default()).unwrap();
    (p, png)
}

#[test]
fn png_round_trip() {
    let (p, png) = sample();
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(decode_image(&png).unwrap(), p);
    assert_eq!(decode_image_text(&png).unwrap(), p.serialize().as_bytes());
    // Smallest rendering: 1 pixel per module, 1 module of quiet zone.
    let tiny = encode_png(
        &p,
        &PngOptions {
            module_px: 1,
            quiet_zone: 1,
        },
    )
    .unwrap();
    let g = Gray::from_png(&tiny);
    let m = p.module_matrix().unwrap();
    assert_eq!(g.w, m.width() + 2);
    // Upscaled ×4 to be readable.
    assert_eq!(decode_image(&g.scale_blur(4, 1).png()).unwrap(), p);
}

#[test]
fn rotated_symbols() {
    let (p, png) = sample();
    let g = Gray::from_png(&png);
    let r90 = g.rotate90();
    assert_eq!(decode_image(&r90.png()).unwrap(), p);
    assert_eq!(decode_image(&r90.rotate90().png()).unwrap(), p);
    for deg in [12.0, 33.0, -25.0] {
        assert_eq!(decode_image(&g.rotate(deg).png()).unwrap(), p, "{deg}°");
    }
}

#[test]
fn scaled_and_blurred() {
    let (p, png) = sample();
    let g = Gray::from_png(&png);
    assert_eq!(decode_image(&g.scale_blur(3, 1).png()).unwrap(), p);
    assert_eq!(decode_image(&g.scale_blur(5, 8).png()).unwrap(), p);
}

#[test]
fn symbol_on_a_larger_page() {
    let (p, png) = sample();
    let page = Gray::from_png(&png).scale_blur(1, 2).on_page();
    assert_eq!(decode_image(&page.png()).unwrap(), p);
}

#[test]
fn jpeg_images() {
    let (p, png) = sample();
    let g = Gray::from_png(&png);
    assert_eq!(decode_image(&g.jpeg(80)).unwrap(), p);
    assert_eq!(decode_image(&g.rotate(20.0).jpeg(60)).unwrap(), p);
    assert_eq!(
        decode_image(&g.scale_blur(1, 2).on_page().jpeg(75)).unwrap(),
        p
    );
}

#[test]
fn colour_and_alpha_pngs() {
    let (p, png) = sample();
    let g = Gray::from_png(&png);
    // RGBA, symbol drawn in dark blue on a transparent background.
    let mut rgba = Vec::with_capacity(g.w * g.h * 4);
    for &l in &g.px {
        if l < 128 {
            rgba.extend([10, 20, 90, 255]);
        } else {
            rgba.extend([0, 0, 0, 0]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, g.w as u32, g.h as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().unwrap();
    w.write_image_data(&rgba).unwrap();
    w.finish().unwrap();
    assert_eq!(decode_image(&out).unwrap(), p);
}

#[test]
fn bad_images() {
    assert!(matches!(
        decode_image(b"GIF89a..."),
        Err(DatamatrixError::Image(_))
    ));
    assert!(matches!(
        decode_image(b"\x89PNG\r\n\x1a\nbroken"),
        Err(DatamatrixError::Image(_))
    ));
    assert!(matches!(
        decode_image(&[0xff, 0xd8, 0xff, 0xe0, 0, 1, 2]),
        Err(DatamatrixError::Image(_))
    ));
    // A blank page: no symbol.
    let blank = Gray {
        w: 300,
        h: 200,
        px: vec![255; 300 * 200],
    };
    assert_eq!(decode_image(&blank.png()), Err(DatamatrixError::NoSymbol));
    assert_eq!(
        decode_image(&blank.jpeg(90)),
        Err(DatamatrixError::NoSymbol)
    );
    assert!(matches!(
        decode_luma(vec![0; 10], 3, 3),
        Err(DatamatrixError::Image(_))
    ));
    assert!(matches!(
        decode_luma(Vec::new(), 100_000, 100_000),
        Err(DatamatrixError::ImageTooLarge { .. })
    ));
    // A DataMatrix that is not an INS payload.
    let other = ModuleMatrix::encode(b"HELLO WORLD, NOT AN INS").unwrap();
    let png = super::super::image::matrix_to_png(&other, &PngOptions::default()).unwrap();
    assert_eq!(decode_image_text(&png).unwrap(), b"HELLO WORLD, NOT AN INS");
    assert!(matches!(
        decode_image(&png),
        Err(DatamatrixError::Header { .. })
    ));
}
