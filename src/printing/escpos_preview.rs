//! A picture of what a thermal printer prints for a stream of ESC/POS bytes: the simulated
//! printer's "paper". Interprets the subset the kiosk emits (ESC @, ESC t, ESC a, ESC E, ESC -,
//! ESC G, ESC d, ESC J, ESC 2/3, GS !, GS b, GS v 0, GS ( k QR model/size/level/store/print,
//! GS V, DLE EOT, CAN, LF and text) and refuses anything else with its offset, so a command the
//! kiosk starts sending is noticed rather than silently dropped. Must not talk to a printer.

use crate::printing::cp1258;
use crate::printing::raster_text::{self, Align, Fonts, TextStyle};
use image::{GrayImage, Luma};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    #[error("unsupported ESC/POS command at byte {offset}: {bytes}")]
    Unsupported { offset: usize, bytes: String },
    #[error("the data ends inside a command starting at byte {0}")]
    Truncated(usize),
    #[error("the printer could not draw QR code data at byte {0}")]
    BadQr(usize),
}

/// The printed paper, and how many times it was cut.
pub struct Preview {
    pub image: GrayImage,
    pub cuts: usize,
}

struct State {
    dots: u32,
    justify: Align,
    right: bool,
    bold: bool,
    size: (u32, u32),
    code_page: Option<u8>,
    line: Vec<u8>,
    line_spacing: u32,
    qr_size: u32,
    qr_level: qrcode::EcLevel,
    qr_data: Vec<u8>,
    strips: Vec<GrayImage>,
    cuts: usize,
}

impl State {
    fn new(dots: u32) -> State {
        State {
            dots,
            justify: Align::Left,
            right: false,
            bold: false,
            size: (1, 1),
            code_page: None,
            line: Vec::new(),
            line_spacing: 30,
            qr_size: 3,
            qr_level: qrcode::EcLevel::L,
            qr_data: Vec::new(),
            strips: Vec::new(),
            cuts: 0,
        }
    }

    fn reset(&mut self) {
        let strips = std::mem::take(&mut self.strips);
        let cuts = self.cuts;
        *self = State::new(self.dots);
        self.strips = strips;
        self.cuts = cuts;
    }

    fn blank(&mut self, rows: u32) {
        if rows > 0 {
            self.strips
                .push(GrayImage::from_pixel(self.dots, rows, Luma([255])));
        }
    }

    /// Prints the line buffer (LF, ESC d): text in font A's 12×24 cell, scaled by GS !.
    fn print_line(&mut self, fonts: &Fonts) {
        let bytes = std::mem::take(&mut self.line);
        let text = match self.code_page {
            Some(_) => cp1258::decode(&bytes),
            None => bytes
                .iter()
                .map(|b| if b.is_ascii() { *b as char } else { '?' })
                .collect(),
        };
        let height = self.line_spacing.max(24 * self.size.1);
        if text.trim().is_empty() {
            self.blank(height);
            return;
        }
        let style = TextStyle {
            size: 22.0 * self.size.1 as f32,
            bold: self.bold,
            align: if self.right {
                Align::Left
            } else {
                self.justify
            },
        };
        let img = raster_text::draw(fonts, &text, style, self.dots);
        self.strips.push(img);
    }

    fn place(&mut self, img: &GrayImage) {
        let mut strip = GrayImage::from_pixel(self.dots, img.height(), Luma([255]));
        let left = match self.justify {
            Align::Center => self.dots.saturating_sub(img.width()) / 2,
            Align::Left => 0,
        };
        image::imageops::overlay(&mut strip, img, left as i64, 0);
        self.strips.push(strip);
    }

    fn cut(&mut self) {
        let mut strip = GrayImage::from_pixel(self.dots, 9, Luma([255]));
        for x in (0..self.dots).filter(|x| x % 12 < 7) {
            strip.put_pixel(x, 4, Luma([96]));
        }
        self.strips.push(strip);
        self.cuts += 1;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Interprets `bytes` as a printer with `dots` of printable width would.
pub fn render(bytes: &[u8], dots: u32, fonts: &Fonts) -> Result<Preview, PreviewError> {
    let mut s = State::new(dots);
    let mut i = 0;
    let need = |i: usize, n: usize| {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(PreviewError::Truncated(i))
        }
    };
    let unsupported = |i: usize, n: usize| PreviewError::Unsupported {
        offset: i,
        bytes: hex(&bytes[i..(i + n).min(bytes.len())]),
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                s.print_line(fonts);
                i += 1;
            }
            b'\r' => i += 1,
            0x18 => {
                s.line.clear();
                i += 1;
            }
            0x10 => {
                // DLE EOT n: a real-time status request; nothing is printed.
                need(i, 3)?;
                if bytes[i + 1] != 0x04 {
                    return Err(unsupported(i, 3));
                }
                i += 3;
            }
            0x1B => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'@' => {
                        s.reset();
                        i += 2;
                    }
                    b'2' => {
                        s.line_spacing = 30;
                        i += 2;
                    }
                    b't' | b'a' | b'E' | b'-' | b'G' | b'd' | b'J' | b'3' => {
                        need(i, 3)?;
                        let n = bytes[i + 2];
                        match bytes[i + 1] {
                            b't' => s.code_page = Some(n),
                            b'a' => {
                                s.right = matches!(n, 2 | b'2');
                                s.justify = match n {
                                    1 | b'1' => Align::Center,
                                    _ => Align::Left,
                                };
                            }
                            b'E' | b'G' => s.bold = n & 1 == 1,
                            b'-' => {}
                            b'd' => {
                                s.print_line(fonts);
                                s.blank(s.line_spacing * u32::from(n.saturating_sub(1)));
                            }
                            b'J' => {
                                s.print_line(fonts);
                                s.blank(u32::from(n));
                            }
                            b'3' => s.line_spacing = u32::from(n),
                            _ => unreachable!("matched above"),
                        }
                        i += 3;
                    }
                    _ => return Err(unsupported(i, 2)),
                }
            }
            0x1D => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(i, 3)?;
                        let n = bytes[i + 2];
                        s.size = (u32::from(n >> 4) + 1, u32::from(n & 0x0F) + 1);
                        i += 3;
                    }
                    b'b' => {
                        need(i, 3)?;
                        i += 3;
                    }
                    b'V' => {
                        need(i, 3)?;
                        let m = bytes[i + 2];
                        s.print_line(fonts);
                        match m {
                            0 | 1 | 48 | 49 => i += 3,
                            65 | 66 => {
                                need(i, 4)?;
                                s.blank(u32::from(bytes[i + 3]));
                                i += 4;
                            }
                            _ => return Err(unsupported(i, 3)),
                        }
                        s.cut();
                    }
                    b'v' => {
                        need(i, 8)?;
                        if bytes[i + 2] != b'0' {
                            return Err(unsupported(i, 3));
                        }
                        let scale = bytes[i + 3];
                        let wb = u16::from_le_bytes([bytes[i + 4], bytes[i + 5]]) as u32;
                        let h = u16::from_le_bytes([bytes[i + 6], bytes[i + 7]]) as u32;
                        let len = (wb * h) as usize;
                        need(i + 8, len)?;
                        let data = &bytes[i + 8..i + 8 + len];
                        let (sx, sy) = match scale {
                            0 | 48 => (1, 1),
                            1 | 49 => (2, 1),
                            2 | 50 => (1, 2),
                            3 | 51 => (2, 2),
                            _ => return Err(unsupported(i, 4)),
                        };
                        let mut img = GrayImage::from_pixel(wb * 8 * sx, h * sy, Luma([255]));
                        for y in 0..h {
                            for x in 0..wb * 8 {
                                let byte = data[(y * wb + x / 8) as usize];
                                if byte & (0x80 >> (x % 8)) != 0 {
                                    for dy in 0..sy {
                                        for dx in 0..sx {
                                            img.put_pixel(x * sx + dx, y * sy + dy, Luma([0]));
                                        }
                                    }
                                }
                            }
                        }
                        s.place(&img);
                        i += 8 + len;
                    }
                    b'(' => {
                        need(i, 5)?;
                        if bytes[i + 2] != b'k' {
                            return Err(unsupported(i, 3));
                        }
                        let plen = u16::from_le_bytes([bytes[i + 3], bytes[i + 4]]) as usize;
                        need(i + 5, plen)?;
                        let p = &bytes[i + 5..i + 5 + plen];
                        if p.len() < 2 || p[0] != 49 {
                            return Err(unsupported(i, 7));
                        }
                        match (p[1], p.get(2).copied()) {
                            (65, _) => {}
                            (67, Some(n)) => s.qr_size = u32::from(n.clamp(1, 16)),
                            (69, Some(n)) => {
                                s.qr_level = match n {
                                    48 => qrcode::EcLevel::L,
                                    49 => qrcode::EcLevel::M,
                                    50 => qrcode::EcLevel::Q,
                                    _ => qrcode::EcLevel::H,
                                }
                            }
                            (80, Some(48)) => s.qr_data = p[3..].to_vec(),
                            (81, _) => {
                                let code = qrcode::QrCode::with_error_correction_level(
                                    &s.qr_data, s.qr_level,
                                )
                                .map_err(|_| PreviewError::BadQr(i))?;
                                let img = code
                                    .render::<Luma<u8>>()
                                    .module_dimensions(s.qr_size, s.qr_size)
                                    .quiet_zone(false)
                                    .build();
                                s.print_line(fonts);
                                s.place(&img);
                            }
                            _ => return Err(unsupported(i, 7)),
                        }
                        i += 5 + plen;
                    }
                    _ => return Err(unsupported(i, 2)),
                }
            }
            b if b >= 0x20 => {
                s.line.push(b);
                i += 1;
            }
            _ => return Err(unsupported(i, 1)),
        }
    }
    if !s.line.is_empty() {
        s.print_line(fonts);
    }
    let height: u32 = s.strips.iter().map(|st| st.height()).sum();
    let margin = 16;
    let mut paper = GrayImage::from_pixel(dots + 2 * margin, height + 2 * margin, Luma([255]));
    let mut y = margin;
    for strip in &s.strips {
        image::imageops::overlay(&mut paper, strip, i64::from(margin), i64::from(y));
        y += strip.height();
    }
    Ok(Preview {
        image: paper,
        cuts: s.cuts,
    })
}

/// Every QR code on the printed paper, top to bottom. The paper is cut into pieces at
/// printed rules (rows dark across the paper) and at blank stretches taller than a QR module
/// can be (inside a symbol at most one module row is light: 16 dots at the largest size), and
/// each piece, given a white margin, is read alone by `decode` (`identity::qr_camera::decode_gray`).
pub fn qr_codes(paper: &GrayImage, decode: impl Fn(&GrayImage) -> Option<String>) -> Vec<String> {
    qr_codes_at(paper, decode)
        .into_iter()
        .map(|(text, _)| text)
        .collect()
}

/// As `qr_codes`, with the rows (top, bottom) of the paper each code was read from.
pub fn qr_codes_at(
    paper: &GrayImage,
    decode: impl Fn(&GrayImage) -> Option<String>,
) -> Vec<(String, (u32, u32))> {
    const LONGEST_LIGHT_RUN_IN_A_SYMBOL: u32 = 16;
    let dark = |x: u32, y: u32| paper.get_pixel(x, y)[0] < 128;
    let row_ink = |y: u32| (0..paper.width()).filter(|x| dark(*x, y)).count() as u32;
    let mut out = Vec::new();
    let mut read = |top: u32, bottom: u32| {
        if bottom > top {
            let mut piece = GrayImage::from_pixel(paper.width(), bottom - top + 48, Luma([255]));
            let cut = image::imageops::crop_imm(paper, 0, top, paper.width(), bottom - top);
            image::imageops::overlay(&mut piece, &cut.to_image(), 0, 24);
            out.extend(decode(&piece).map(|text| (text, (top, bottom))));
        }
    };
    let mut top: Option<u32> = None;
    let mut blanks = 0;
    for y in 0..paper.height() {
        let ink = row_ink(y);
        let rule = ink > paper.width() * 8 / 10;
        blanks = if ink == 0 { blanks + 1 } else { 0 };
        if rule || blanks > LONGEST_LIGHT_RUN_IN_A_SYMBOL {
            if let Some(t) = top.take() {
                read(t, y + 1 - blanks.max(1));
            }
        } else if ink > 0 {
            top.get_or_insert(y);
        }
    }
    if let Some(t) = top {
        read(t, paper.height());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_commands_are_named_not_skipped() {
        let fonts = crate::app::assets::receipt_fonts().unwrap();
        let e = render(&[0x1B, b'@', 0x1B, b'Z', 1], 384, &fonts)
            .err()
            .unwrap();
        assert_eq!(
            e,
            PreviewError::Unsupported {
                offset: 2,
                bytes: "1B 5A".into()
            }
        );
        assert_eq!(
            render(&[0x1D, b'v', b'0', 0, 2, 0, 10, 0, 1], 384, &fonts).err(),
            Some(PreviewError::Truncated(8))
        );
    }
}
