//! Turns a receipt layout (`Block`s) into the ESC/POS bytes a thermal printer receives, for a
//! printer profile: paper width (58 mm = 384 dots, 80 mm = 576 dots at 203 dpi), text as raster
//! from the bundled font (default) or as code page 1258 characters, QR codes drawn by the
//! printer (GS ( k) or sent as pixels. Uses the `escpos` crate's command builder; raster images
//! (GS v 0) are built here because the crate's `graphics` feature needs a newer `image` than
//! the QR decoder allows. Pure: bytes out, no printer.

use crate::core::receipt_content::{Block, TextSize};
use crate::printing::cp1258;
use crate::printing::raster_text::{self, Align, Fonts, TextStyle};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use image::{GrayImage, Luma};
use std::sync::{Arc, Mutex};

/// How a printer is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMode {
    /// Text drawn from the bundled font and sent as pixels: every diacritic right.
    Raster,
    /// Text sent as CP1258 characters after `ESC t n` (n differs per printer brand).
    CodePage(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterProfile {
    /// Printable width in dots.
    pub dots: u32,
    pub text: TextMode,
    /// The printer draws QR codes itself (GS ( k); otherwise they are sent as pixels.
    pub native_qr: bool,
}

impl PrinterProfile {
    /// 58 mm or 80 mm paper (anything else is refused by the configuration check).
    pub fn for_paper(paper_mm: u32) -> PrinterProfile {
        PrinterProfile {
            dots: if paper_mm >= 80 { 576 } else { 384 },
            text: TextMode::Raster,
            native_qr: true,
        }
    }

    /// Characters per line of font A (12 dots wide).
    fn columns(&self) -> u32 {
        self.dots / 12
    }
}

/// The largest raster band sent in one GS v 0 command (some printers' buffers are small).
const BAND_ROWS: u32 = 240;

/// An `escpos` driver that keeps the bytes instead of sending them.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0
            .lock()
            .map_err(|_| escpos::errors::PrinterError::Io("capture lock".into()))?
            .extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

fn style(size: TextSize, bold: bool, align: Align) -> TextStyle {
    TextStyle {
        size: match size {
            TextSize::Small => 20.0,
            TextSize::Normal => 24.0,
            TextSize::Large => 34.0,
            TextSize::Huge => 110.0,
        },
        bold,
        align,
    }
}

/// GS v 0 commands for a grey image (dark < 128 is printed), in bands.
pub fn raster_commands(img: &GrayImage) -> Vec<u8> {
    let width_bytes = img.width().div_ceil(8);
    let mut out = Vec::new();
    let mut top = 0;
    while top < img.height() {
        let rows = BAND_ROWS.min(img.height() - top);
        out.extend_from_slice(&[0x1D, b'v', b'0', 0]);
        out.extend_from_slice(&(width_bytes as u16).to_le_bytes());
        out.extend_from_slice(&(rows as u16).to_le_bytes());
        for y in top..top + rows {
            for xb in 0..width_bytes {
                let mut byte = 0u8;
                for bit in 0..8 {
                    let x = xb * 8 + bit;
                    if x < img.width() && img.get_pixel(x, y)[0] < 128 {
                        byte |= 0x80 >> bit;
                    }
                }
                out.push(byte);
            }
        }
        top += rows;
    }
    out
}

/// Module size (dots) that fits a QR of `modules` with its quiet zone in ~70% of the paper.
fn qr_module_dots(modules: u32, dots: u32) -> u32 {
    (dots * 7 / 10 / (modules + 8)).clamp(2, 8)
}

/// A QR code drawn as pixels, centred on the paper width.
pub fn qr_image(data: &str, dots: u32) -> Option<GrayImage> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M).ok()?;
    let modules = code.width() as u32;
    let size = qr_module_dots(modules, dots);
    let side = (modules + 8) * size;
    let mut img = GrayImage::from_pixel(dots, side, Luma([255]));
    let left = dots.saturating_sub(side) / 2 + 4 * size;
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = ((i as u32) % modules, (i as u32) / modules);
            for dy in 0..size {
                for dx in 0..size {
                    let (x, y) = (left + mx * size + dx, 4 * size + my * size + dy);
                    if x < dots {
                        img.put_pixel(x, y, Luma([0]));
                    }
                }
            }
        }
    }
    Some(img)
}

/// A horizontal rule: a 2-dot line with a little space above and below.
fn rule_image(dots: u32) -> GrayImage {
    let mut img = GrayImage::from_pixel(dots, 14, Luma([255]));
    for y in 6..8 {
        for x in 0..dots {
            img.put_pixel(x, y, Luma([0]));
        }
    }
    img
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the receipt could not be encoded: {0}")]
    Escpos(String),
    #[error("a QR code is too long to print: {0} characters")]
    QrTooLong(usize),
}

fn esc(e: escpos::errors::PrinterError) -> EncodeError {
    EncodeError::Escpos(e.to_string())
}

/// The ESC/POS bytes for `blocks`, ending with a partial cut.
pub fn encode(
    blocks: &[Block],
    profile: PrinterProfile,
    fonts: &Fonts,
) -> Result<Vec<u8>, EncodeError> {
    let capture = Capture::default();
    let mut p = Printer::new(capture.clone(), Protocol::default(), None);
    p.init().map_err(esc)?;
    if let TextMode::CodePage(n) = profile.text {
        p.custom(&[0x1B, b't', n]).map_err(esc)?;
    }
    for block in blocks {
        match block {
            Block::Text {
                text,
                size,
                bold,
                align,
            } => match profile.text {
                TextMode::Raster => {
                    let img =
                        raster_text::draw(fonts, text, style(*size, *bold, *align), profile.dots);
                    p.custom(&raster_commands(&img)).map_err(esc)?;
                }
                TextMode::CodePage(_) => {
                    p.justify(match align {
                        Align::Left => JustifyMode::LEFT,
                        Align::Center => JustifyMode::CENTER,
                    })
                    .map_err(esc)?;
                    p.bold(*bold).map_err(esc)?;
                    let (w, h) = match size {
                        TextSize::Small | TextSize::Normal => (1, 1),
                        TextSize::Large => (2, 2),
                        TextSize::Huge => (4, 4),
                    };
                    p.size(w, h).map_err(esc)?;
                    let mut bytes = cp1258::encode(text);
                    bytes.push(b'\n');
                    p.custom(&bytes).map_err(esc)?;
                    p.reset_size().map_err(esc)?;
                    p.bold(false).map_err(esc)?;
                }
            },
            Block::Rule => match profile.text {
                TextMode::Raster => {
                    p.custom(&raster_commands(&rule_image(profile.dots)))
                        .map_err(esc)?;
                }
                TextMode::CodePage(_) => {
                    p.justify(JustifyMode::LEFT).map_err(esc)?;
                    let mut line = vec![b'-'; profile.columns() as usize];
                    line.push(b'\n');
                    p.custom(&line).map_err(esc)?;
                }
            },
            Block::Qr(data) => {
                if profile.native_qr {
                    let code =
                        qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
                            .map_err(|_| EncodeError::QrTooLong(data.len()))?;
                    let size = qr_module_dots(code.width() as u32, profile.dots) as u8;
                    p.justify(JustifyMode::CENTER).map_err(esc)?;
                    p.qrcode_option(
                        data,
                        QRCodeOption::new(QRCodeModel::Model2, size, QRCodeCorrectionLevel::M),
                    )
                    .map_err(esc)?;
                    p.feed().map_err(esc)?;
                    p.justify(JustifyMode::LEFT).map_err(esc)?;
                } else {
                    let img =
                        qr_image(data, profile.dots).ok_or(EncodeError::QrTooLong(data.len()))?;
                    p.custom(&raster_commands(&img)).map_err(esc)?;
                }
            }
            Block::Feed(n) => {
                p.feeds(*n).map_err(esc)?;
            }
        }
    }
    p.partial_cut().map_err(esc)?;
    p.print().map_err(esc)?;
    let bytes = capture
        .0
        .lock()
        .map(|b| b.clone())
        .map_err(|_| EncodeError::Escpos("capture lock".into()))?;
    Ok(bytes)
}
