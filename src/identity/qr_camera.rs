//! Finds and reads a QR code in a camera frame with rxing (a maintained ZXing port): a fast
//! pass, then a harder one. Also draws the front of a CCCD holding a QR code into a frame, as
//! the simulated camera's picture and the benchmark's test set. Pure computation over pixels;
//! a decoder panic on hostile pixels is caught and reported as "no code".

use crate::identity::cccd_qr::{self, CccdQr, QrError};
use image::{GrayImage, Luma, Rgb, RgbImage};
use rxing::{BarcodeFormat, DecodeHints};

/// The text of the first QR code found in `frame`, if any.
pub fn decode_text(frame: &RgbImage) -> Option<String> {
    let gray = image::imageops::grayscale(frame);
    decode_gray(&gray)
}

pub fn decode_gray(gray: &GrayImage) -> Option<String> {
    let (w, h) = gray.dimensions();
    if w == 0 || h == 0 {
        return None;
    }
    attempt(gray, false)
        .or_else(|| attempt(gray, true))
        // A blurred or dim frame: sharpen and stretch the contrast, then look again.
        .or_else(|| attempt(&stretch(&image::imageops::unsharpen(gray, 2.0, 4)), true))
}

/// Stretches the grey levels to the full range (dim frames).
fn stretch(gray: &GrayImage) -> GrayImage {
    let (lo, hi) = gray
        .pixels()
        .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p.0[0]), hi.max(p.0[0])));
    let range = (hi.saturating_sub(lo)).max(1) as u32;
    GrayImage::from_fn(gray.width(), gray.height(), |x, y| {
        Luma([((gray.get_pixel(x, y).0[0].saturating_sub(lo)) as u32 * 255 / range) as u8])
    })
}

fn attempt(gray: &GrayImage, try_harder: bool) -> Option<String> {
    let (w, h) = gray.dimensions();
    let luma = gray.as_raw().clone();
    std::panic::catch_unwind(move || {
        let mut hints = DecodeHints::default().with(rxing::DecodeHintValue::TryHarder(try_harder));
        rxing::helpers::detect_in_luma_with_hints(
            luma,
            w,
            h,
            Some(BarcodeFormat::QR_CODE),
            &mut hints,
        )
        .ok()
        .map(|r| r.getText().to_string())
    })
    .ok()
    .flatten()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("no QR code in the picture")]
    NoCode,
    #[error("{0}")]
    NotCccd(QrError),
}

/// Reads the CCCD's QR code from a frame.
pub fn scan_cccd(frame: &RgbImage) -> Result<CccdQr, ScanError> {
    let text = decode_text(frame).ok_or(ScanError::NoCode)?;
    cccd_qr::parse(&text).map_err(ScanError::NotCccd)
}

/// A QR code as black modules on white, `scale` pixels per module, with its quiet zone.
pub fn render_qr(text: &str, scale: u32) -> Option<GrayImage> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<Luma<u8>>()
            .module_dimensions(scale, scale)
            .build(),
    )
}

/// A camera frame of a card front held up to the camera: a pale card with a photo box, text
/// lines and the QR code in its top-right corner, on a darker background.
pub fn card_front_frame(qr_text: &str, width: u32, height: u32) -> RgbImage {
    let mut frame = RgbImage::from_pixel(width, height, Rgb([58, 64, 72]));
    let (cw, ch) = (width * 11 / 20, width * 11 / 20 * 54 / 86);
    let (cx, cy) = ((width - cw) / 2, (height.saturating_sub(ch)) / 2);
    for y in cy..(cy + ch).min(height) {
        for x in cx..(cx + cw).min(width) {
            let band = (y - cy) < ch / 7;
            let photo = (x - cx) > cw / 20
                && (x - cx) < cw / 4
                && (y - cy) > ch / 4
                && (y - cy) < ch * 3 / 4;
            let line = (y - cy) > ch / 3
                && (y - cy) % (ch / 9).max(1) < 4
                && (x - cx) > cw * 3 / 10
                && (x - cx) < cw * 3 / 4;
            let c = if band {
                Rgb([196, 58, 48])
            } else if photo {
                Rgb([150, 160, 175])
            } else if line {
                Rgb([60, 60, 70])
            } else {
                Rgb([236, 232, 214])
            };
            frame.put_pixel(x, y, c);
        }
    }
    if let Some(qr) = render_qr(qr_text, (cw / 5 / 45).max(2)) {
        let (qx, qy) = (cx + cw - qr.width() - cw / 30, cy + ch / 6);
        for (x, y, p) in qr.enumerate_pixels() {
            if qx + x < width && qy + y < height {
                let v = p.0[0];
                frame.put_pixel(qx + x, qy + y, Rgb([v, v, v]));
            }
        }
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    const QR: &str = "001093000123|013456789|Nguyễn Văn An|15011993|Nam|Số 12 phố Hàng Bông, Hoàn Kiếm, Hà Nội|10042021";

    #[test]
    fn a_card_held_to_the_camera_reads_and_parses() {
        let frame = card_front_frame(QR, 1280, 720);
        let qr = scan_cccd(&frame).unwrap();
        assert_eq!(qr.full_name, "Nguyễn Văn An");
        assert_eq!(qr.personal_id.as_str(), "001093000123");
    }

    #[test]
    fn empty_frames_and_other_codes() {
        assert_eq!(scan_cccd(&RgbImage::new(640, 480)), Err(ScanError::NoCode));
        assert_eq!(decode_text(&RgbImage::new(0, 0)), None);
        let other = card_front_frame("https://dichvucong.gov.vn", 1280, 720);
        assert!(matches!(
            scan_cccd(&other),
            Err(ScanError::NotCccd(QrError::NotCccd(1)))
        ));
    }
}
