//! Finds and reads a QR code in a camera frame with rxing (a maintained ZXing port): a fast
//! pass, then a harder one. Also draws the front of a CCCD holding a QR code into a frame, as
//! the simulated camera's picture and the benchmark's test set. Pure computation over pixels;
//! a decoder panic on hostile pixels is caught and reported as "no code".

use crate::identity::cccd_qr::{self, CccdQr, QrError};
use image::{GrayImage, Luma, RgbImage};
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::scene::card_front_frame;

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
