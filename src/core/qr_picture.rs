//! A QR code drawn as black modules on white (error correction M, quiet zone included), in
//! whole pixels per module so it stays crisp: the one drawing the screen's codes and the
//! simulated camera's card front share. (The receipt's codes are drawn by the printer's own
//! rules in `printing`.)

use image::{GrayImage, Luma};

fn code(text: &str) -> Option<qrcode::QrCode> {
    qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()
}

fn draw(code: &qrcode::QrCode, scale: u32) -> GrayImage {
    code.render::<Luma<u8>>()
        .module_dimensions(scale, scale)
        .build()
}

/// `scale` pixels per module; `None` when the text is too long for a QR code.
pub fn qr_picture(text: &str, scale: u32) -> Option<GrayImage> {
    Some(draw(&code(text)?, scale.max(1)))
}

/// As near `pixels` wide as whole modules allow, and at least two pixels per module.
pub fn qr_picture_about(text: &str, pixels: u32) -> Option<GrayImage> {
    let code = code(text)?;
    // The quiet zone is four modules on each side.
    let scale = (pixels / (code.width() as u32 + 8)).max(2);
    Some(draw(&code, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_is_black_on_white_in_whole_pixels_per_module() {
        let text = "HS-7K3M9Q2PX";
        let picture = qr_picture_about(text, 200).unwrap();
        assert!(
            picture.width() <= 200 && picture.width() > 100,
            "{}",
            picture.width()
        );
        let modules = code(text).unwrap().width() as u32 + 8;
        assert_eq!(picture.width() % modules, 0, "whole pixels per module");
        let pixels: Vec<u8> = picture.pixels().map(|p| p[0]).collect();
        assert!(
            pixels.contains(&0) && pixels.contains(&255),
            "black on white"
        );
        assert_eq!(qr_picture(text, 3).unwrap().width(), modules * 3);
    }

    #[test]
    fn text_too_long_for_a_qr_code_has_no_picture() {
        assert!(qr_picture(&"x".repeat(8000), 2).is_none());
        assert!(qr_picture_about(&"x".repeat(8000), 200).is_none());
    }
}
