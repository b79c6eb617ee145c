//! What the simulated camera sees when something is held up to it: a card front with its QR
//! code (the CCCD's printed QR), drawn as a real camera frame would show it.

use image::{Rgb, RgbImage};

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
    if let Some(qr) = crate::core::qr_picture::qr_picture(qr_text, (cw / 5 / 45).max(2)) {
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
