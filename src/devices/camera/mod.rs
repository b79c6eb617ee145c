//! The camera (papers and the ID card's QR code): the `Camera` seam, with a real adapter
//! (`v4l2`: UVC document cameras, the Pi's camera through libcamera's V4L2 layer) and
//! `SimCamera`, which "photographs" a paper: a synthetic frame of a page with printed lines on a
//! desk, different each shot, so the attachment path (JPEG encoding, hashing, storage) runs
//! exactly as with a real camera.

pub mod frame_decode;
pub mod scene;
pub mod v4l2;

use crate::devices::DeviceError;
use image::{Rgb, RgbImage};

pub trait Camera: Send {
    /// Captures one frame for reading a QR code (quick, about 1280×720).
    fn capture(&mut self) -> Result<RgbImage, DeviceError>;
    /// Captures a paper at the camera's full resolution.
    fn capture_still(&mut self) -> Result<RgbImage, DeviceError> {
        self.capture()
    }
    /// Which camera this is ("/dev/video0 (name)"), for the self-test; `None` for a simulator.
    fn describe(&mut self) -> Option<String> {
        None
    }
    /// The simulator behind this camera, if it is one (the on-screen test-card buttons).
    fn simulator(&mut self) -> Option<&mut SimCamera> {
        None
    }
}

pub struct SimCamera {
    /// A card front held up to the camera: its QR text (the next frames show it).
    card_qr: Option<String>,
    /// A paper held up to the camera (a printed receipt), shown on the desk.
    paper: Option<image::GrayImage>,
    shots: u32,
    width: u32,
    height: u32,
}

impl SimCamera {
    pub fn new(width: u32, height: u32) -> SimCamera {
        SimCamera {
            card_qr: None,
            paper: None,
            shots: 0,
            width,
            height,
        }
    }
}

impl SimCamera {
    /// Holds a card with this QR text up to the camera (`None` takes it away).
    pub fn hold_card(&mut self, qr: Option<String>) {
        self.card_qr = qr;
    }

    /// Holds a paper (say, the part of a printed receipt with its QR code) up to the camera;
    /// it fills at most nine tenths of the frame. `None` takes it away.
    pub fn hold_paper(&mut self, paper: Option<image::GrayImage>) {
        self.paper = paper;
    }
}

impl Camera for SimCamera {
    fn simulator(&mut self) -> Option<&mut SimCamera> {
        Some(self)
    }

    fn capture(&mut self) -> Result<RgbImage, DeviceError> {
        if let Some(qr) = &self.card_qr {
            return Ok(crate::devices::camera::scene::card_front_frame(
                qr,
                self.width,
                self.height,
            ));
        }
        if let Some(paper) = &self.paper {
            let (w, h) = (self.width, self.height);
            let scale = (w as f32 * 0.9 / paper.width() as f32)
                .min(h as f32 * 0.9 / paper.height() as f32)
                .min(2.0);
            let (pw, ph) = (
                (paper.width() as f32 * scale) as u32,
                (paper.height() as f32 * scale) as u32,
            );
            let scaled = image::imageops::resize(
                paper,
                pw.max(1),
                ph.max(1),
                image::imageops::FilterType::Triangle,
            );
            let mut img = RgbImage::from_pixel(w, h, Rgb([74, 60, 48]));
            let (left, top) = ((w - pw.min(w)) / 2, (h - ph.min(h)) / 2);
            for (x, y, p) in scaled.enumerate_pixels() {
                if left + x < w && top + y < h {
                    let v = p[0].saturating_sub(8);
                    img.put_pixel(left + x, top + y, Rgb([v, v, v.saturating_sub(6)]));
                }
            }
            return Ok(img);
        }
        self.shots += 1;
        let (w, h) = (self.width, self.height);
        let tilt = (self.shots % 5) as i64 - 2;
        let mut img = RgbImage::from_pixel(w, h, Rgb([74, 60, 48]));
        let (px, py, pw, ph) = (w / 6, h / 12, w * 2 / 3, h * 5 / 6);
        for y in py..py + ph {
            let shift = tilt * (y - py) as i64 / ph.max(1) as i64 * 8;
            for x in px..px + pw {
                let xx = (x as i64 + shift).clamp(0, w as i64 - 1) as u32;
                let line = (y - py) % 28;
                let in_text = line < 9
                    && (y - py) > 60
                    && (x - px) % 97 < 80
                    && (x - px) > 40
                    && (x - px) < pw - 40;
                let header =
                    (y - py) < 40 && (y - py) > 16 && (x - px) > pw / 4 && (x - px) < pw * 3 / 4;
                let stamp = {
                    let (cx, cy) = ((px + pw * 3 / 4) as i64, (py + ph * 4 / 5) as i64);
                    let d = (x as i64 - cx).pow(2) + (y as i64 - cy).pow(2);
                    d > 45 * 45 && d < 52 * 52
                };
                let colour = if stamp {
                    Rgb([200, 40, 40])
                } else if in_text || header {
                    Rgb([40, 40, 48])
                } else {
                    Rgb([245, 242, 232])
                };
                img.put_pixel(xx, y, colour);
            }
        }
        Ok(img)
    }
}
