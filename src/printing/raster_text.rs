//! Vietnamese text drawn to a 1-bit bitmap from the bundled Noto Sans, for printers whose code
//! pages break letters with two diacritics (ệ, ữ, ặ): the printer receives pixels, not
//! characters. Owns glyph rasterising (swash), word wrapping and alignment; must not know
//! ESC/POS or any printer.

use image::{GrayImage, Luma};
use swash::FontRef;
use swash::scale::{Render, ScaleContext, Source};
use swash::zeno::Format;
use unicode_normalization::UnicodeNormalization;

/// The two faces a receipt uses, as font file bytes.
pub struct Fonts {
    pub regular: Vec<u8>,
    pub bold: Vec<u8>,
}

pub use crate::core::receipt_content::Align;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Pixel size of the em (at 203 dpi, 24 px ≈ 8.6 pt).
    pub size: f32,
    pub bold: bool,
    pub align: Align,
}

impl Fonts {
    /// The faces from their font files' bytes (`app::assets::receipt_fonts` reads the bundled
    /// Noto Sans).
    pub fn from_bytes(regular: Vec<u8>, bold: Vec<u8>) -> Fonts {
        Fonts { regular, bold }
    }

    fn face(&self, bold: bool) -> Option<FontRef<'_>> {
        FontRef::from_index(if bold { &self.bold } else { &self.regular }, 0)
    }
}

/// Words of `text` laid into lines no wider than `width` pixels (a word wider than a line is
/// cut by characters). Composed (NFC) first, so every Vietnamese letter is one glyph.
pub fn wrap(fonts: &Fonts, text: &str, style: TextStyle, width: u32) -> Vec<String> {
    let Some(font) = fonts.face(style.bold) else {
        return Vec::new();
    };
    let text: String = text.nfc().collect();
    let measure = |s: &str| measure_with(&font, s, style.size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if measure(&candidate) <= width as f32 {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A single word too wide for a line: cut it.
            for c in word.chars() {
                line.push(c);
                if measure(&line) > width as f32 && line.chars().count() > 1 {
                    let last = line.pop().unwrap_or(c);
                    lines.push(std::mem::take(&mut line));
                    line.push(last);
                }
            }
        }
        lines.push(line);
    }
    lines
}

fn measure_with(font: &FontRef, text: &str, size: f32) -> f32 {
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(&[]).scale(size);
    text.chars()
        .map(|c| metrics.advance_width(charmap.map(c)))
        .sum()
}

/// The height of one line of `style` (ascent + descent + a little leading).
pub fn line_height(fonts: &Fonts, style: TextStyle) -> u32 {
    let Some(font) = fonts.face(style.bold) else {
        return style.size.ceil() as u32;
    };
    let m = font.metrics(&[]).scale(style.size);
    (m.ascent + m.descent + m.leading).ceil() as u32 + (style.size / 6.0).ceil() as u32
}

/// Draws `text` wrapped to `width` pixels: black text on white, one image for the block.
pub fn draw(fonts: &Fonts, text: &str, style: TextStyle, width: u32) -> GrayImage {
    let lines = wrap(fonts, text, style, width);
    let line_h = line_height(fonts, style);
    let mut img = GrayImage::from_pixel(width, line_h * lines.len() as u32, Luma([255]));
    let Some(font) = fonts.face(style.bold) else {
        return img;
    };
    let ascent = font.metrics(&[]).scale(style.size).ascent;
    let charmap = font.charmap();
    let advances = font.glyph_metrics(&[]).scale(style.size);
    let mut context = ScaleContext::new();
    let mut scaler = context.builder(font).size(style.size).hint(true).build();
    for (row, line) in lines.iter().enumerate() {
        let line_width = measure_with(&font, line, style.size);
        let mut x = match style.align {
            Align::Left => 0.0,
            Align::Center => ((width as f32 - line_width) / 2.0).max(0.0),
        };
        let baseline = row as f32 * line_h as f32 + ascent + (style.size / 12.0);
        for c in line.chars() {
            let glyph = charmap.map(c);
            let rendered = Render::new(&[Source::Outline])
                .format(Format::Alpha)
                .offset(swash::zeno::Vector::new(x.fract(), 0.0))
                .render(&mut scaler, glyph);
            if let Some(glyph_img) = rendered {
                let p = glyph_img.placement;
                for gy in 0..p.height {
                    for gx in 0..p.width {
                        let alpha = glyph_img.data[(gy * p.width + gx) as usize];
                        let px = x.floor() as i32 + p.left + gx as i32;
                        let py = baseline.round() as i32 - p.top + gy as i32;
                        if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < img.height() {
                            let old = img.get_pixel(px as u32, py as u32)[0];
                            img.put_pixel(px as u32, py as u32, Luma([old.min(255 - alpha)]));
                        }
                    }
                }
            }
            x += advances.advance_width(glyph);
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(size: f32) -> TextStyle {
        TextStyle {
            size,
            bold: false,
            align: Align::Left,
        }
    }

    #[test]
    fn long_text_wraps_within_the_paper_and_keeps_every_word() {
        let fonts = crate::app::assets::receipt_fonts().unwrap();
        let text = "Hồ sơ đã được lưu an toàn tại máy và sẽ tự động gửi lên Cổng dịch vụ công khi có mạng.";
        let lines = wrap(&fonts, text, style(24.0), 384);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let fonts_ref = fonts.face(false).unwrap();
        for l in &lines {
            assert!(measure_with(&fonts_ref, l, 24.0) <= 384.0, "{l}");
        }
        // Decomposed input (e + combining marks) is composed first.
        let decomposed: String = "Nguyễn".nfd().collect();
        assert_eq!(wrap(&fonts, &decomposed, style(24.0), 384), vec!["Nguyễn"]);
    }

    #[test]
    fn stacked_diacritics_are_drawn_above_and_below_the_letter() {
        // "ệ" has a circumflex above and a dot below: ink must reach above the x-height of
        // "e" and below its baseline.
        let fonts = crate::app::assets::receipt_fonts().unwrap();
        let ink_rows = |text: &str| {
            let img = draw(&fonts, text, style(48.0), 100);
            let rows: Vec<u32> = (0..img.height())
                .filter(|y| (0..img.width()).any(|x| img.get_pixel(x, *y)[0] < 128))
                .collect();
            (*rows.first().unwrap(), *rows.last().unwrap())
        };
        let (e_top, e_bottom) = ink_rows("e");
        let (top, bottom) = ink_rows("ệ");
        assert!(top + 5 < e_top, "circumflex above: {top} vs {e_top}");
        assert!(bottom > e_bottom + 3, "dot below: {bottom} vs {e_bottom}");
    }
}
