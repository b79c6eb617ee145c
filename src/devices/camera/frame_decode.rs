//! A V4L2 frame's bytes to a picture: MJPEG (what UVC document cameras send at high
//! resolutions) through the `image` crate's JPEG decoder, YUYV 4:2:2 (what every UVC camera
//! offers) converted here — four lines of BT.601 arithmetic, which `image` does not read. The
//! bytes come from a device and are not trusted: sizes are bounded and checked before any
//! pixel is touched. Pure; the real adapter (`v4l2`) and the tests feed it.

use crate::devices::DeviceError;
use image::{Rgb, RgbImage};

/// The largest frame decoded (a 4K document camera's still is 3840×2160).
pub const MAX_SIDE: u32 = 8192;

/// The pixel formats read here, by their V4L2 four-character codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    Mjpeg,
    Yuyv,
}

impl PixelFormat {
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            PixelFormat::Mjpeg => *b"MJPG",
            PixelFormat::Yuyv => *b"YUYV",
        }
    }

    pub fn of_fourcc(code: [u8; 4]) -> Option<PixelFormat> {
        match &code {
            b"MJPG" | b"JPEG" => Some(PixelFormat::Mjpeg),
            b"YUYV" => Some(PixelFormat::Yuyv),
            _ => None,
        }
    }
}

fn bad(detail: String) -> DeviceError {
    DeviceError::Protocol {
        device: "camera",
        detail,
    }
}

/// Decodes one frame of `width`×`height` in `format`.
pub fn decode(
    format: PixelFormat,
    width: u32,
    height: u32,
    bytes: &[u8],
) -> Result<RgbImage, DeviceError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(bad(format!("a frame of {width}×{height}")));
    }
    match format {
        PixelFormat::Yuyv => yuyv(width, height, bytes),
        PixelFormat::Mjpeg => mjpeg(width, height, bytes),
    }
}

fn mjpeg(width: u32, height: u32, bytes: &[u8]) -> Result<RgbImage, DeviceError> {
    // A frame cut short on the USB bus still decodes (grey below the cut): refuse it by its
    // missing end-of-image marker (some cameras pad the buffer with zeros after it).
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if !bytes[..end].ends_with(&[0xFF, 0xD9]) {
        return Err(bad(
            "an MJPEG frame cut short (no end-of-image marker)".into()
        ));
    }
    let mut decoder =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 4);
    decoder.limits(limits);
    let picture = decoder
        .decode()
        .map_err(|e| bad(format!("an MJPEG frame that does not decode: {e}")))?
        .into_rgb8();
    if picture.dimensions() != (width, height) {
        return Err(bad(format!(
            "an MJPEG frame of {}×{} in a {width}×{height} stream",
            picture.width(),
            picture.height()
        )));
    }
    Ok(picture)
}

fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// BT.601 limited range, the UVC default: Y′ in 16–235, Cb/Cr in 16–240.
fn rgb(y: u8, u: u8, v: u8) -> Rgb<u8> {
    let c = 298 * (i32::from(y) - 16);
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    Rgb([
        clamp((c + 409 * e + 128) >> 8),
        clamp((c - 100 * d - 208 * e + 128) >> 8),
        clamp((c + 516 * d + 128) >> 8),
    ])
}

fn yuyv(width: u32, height: u32, bytes: &[u8]) -> Result<RgbImage, DeviceError> {
    if !width.is_multiple_of(2) {
        return Err(bad(format!("a YUYV frame {width} pixels wide (odd)")));
    }
    let needed = width as usize * height as usize * 2;
    if bytes.len() < needed {
        return Err(bad(format!(
            "a YUYV frame of {} bytes where {width}×{height} needs {needed}",
            bytes.len()
        )));
    }
    let mut picture = RgbImage::new(width, height);
    for (i, quad) in bytes[..needed].chunks_exact(4).enumerate() {
        let pixel = i * 2;
        let (x, y) = (
            (pixel % width as usize) as u32,
            (pixel / width as usize) as u32,
        );
        picture.put_pixel(x, y, rgb(quad[0], quad[1], quad[3]));
        picture.put_pixel(x + 1, y, rgb(quad[2], quad[1], quad[3]));
    }
    Ok(picture)
}

/// The YUYV bytes of a picture (even width), for the simulator and the tests.
pub fn encode_yuyv(picture: &RgbImage) -> Vec<u8> {
    let yuv = |p: &Rgb<u8>| {
        let [r, g, b] = p.0.map(i32::from);
        (
            clamp(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16),
            clamp(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128),
            clamp(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128),
        )
    };
    let mut out = Vec::with_capacity(picture.len() / 3 * 2);
    for row in picture.rows() {
        let pixels: Vec<&Rgb<u8>> = row.collect();
        for pair in pixels.chunks_exact(2) {
            let (y0, u0, v0) = yuv(pair[0]);
            let (y1, u1, v1) = yuv(pair[1]);
            let u = ((u16::from(u0) + u16::from(u1)) / 2) as u8;
            let v = ((u16::from(v0) + u16::from(v1)) / 2) as u8;
            out.extend([y0, u, y1, v]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card_frame() -> RgbImage {
        crate::devices::camera::scene::card_front_frame(
            "079301000456||Trần Thị Bích Ngọc|02072001|Nữ|x|10102021",
            640,
            480,
        )
    }

    #[test]
    fn a_yuyv_frame_round_trips_closely_and_keeps_its_qr_code_readable() {
        let picture = card_frame();
        let decoded = decode(PixelFormat::Yuyv, 640, 480, &encode_yuyv(&picture)).unwrap();
        let worst = picture
            .pixels()
            .zip(decoded.pixels())
            .flat_map(|(a, b)| (0..3).map(move |c| (i32::from(a[c]) - i32::from(b[c])).abs()))
            .max()
            .unwrap();
        // Chroma is shared by two pixels: colour edges move a little, grey barely.
        assert!(worst < 96, "worst channel error {worst}");
        let grey = image::DynamicImage::ImageRgb8(decoded).into_luma8();
        assert!(crate::identity::qr_camera::decode_gray(&grey).is_some());
    }

    #[test]
    fn an_mjpeg_frame_decodes_and_bad_frames_are_refused_not_panicked_on() {
        let picture = card_frame();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&picture)
            .unwrap();
        assert_eq!(
            decode(PixelFormat::Mjpeg, 640, 480, &jpeg)
                .unwrap()
                .dimensions(),
            (640, 480)
        );
        // The stream says another size; a cut frame; garbage; sizes out of bounds; short YUYV.
        assert!(decode(PixelFormat::Mjpeg, 1280, 720, &jpeg).is_err());
        assert!(decode(PixelFormat::Mjpeg, 640, 480, &jpeg[..jpeg.len() / 3]).is_err());
        assert!(decode(PixelFormat::Mjpeg, 640, 480, &[0xFF, 0xD8, 1, 2, 3]).is_err());
        assert!(decode(PixelFormat::Yuyv, 0, 480, &[]).is_err());
        assert!(decode(PixelFormat::Yuyv, MAX_SIDE + 2, 2, &[]).is_err());
        assert!(decode(PixelFormat::Yuyv, 640, 480, &[0; 100]).is_err());
        assert!(decode(PixelFormat::Yuyv, 641, 1, &[0; 2000]).is_err());
        assert_eq!(PixelFormat::of_fourcc(*b"YUYV"), Some(PixelFormat::Yuyv));
        assert_eq!(PixelFormat::of_fourcc(*b"NV12"), None);
    }
}
