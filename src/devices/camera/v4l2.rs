//! A real camera through Video4Linux2 (the `v4l` crate): a USB (UVC) document camera, or the
//! Raspberry Pi's CSI camera through libcamera's V4L2 compatibility layer. The device is named by
//! path (`/dev/video0`) or by part of its name ("" takes the first capture device), opened on
//! first use and again after it was unplugged. Each capture streams a few memory-mapped frames
//! (the first ones let auto-exposure settle) and decodes the last (`frame_decode`): QR scans use
//! a mode near 1280×720, document photos the camera's largest; MJPEG is preferred, YUYV taken
//! otherwise. Continuous autofocus and aperture-priority exposure are asked for when the camera
//! has them. Blocking: called off the UI thread.

use crate::devices::DeviceError;
use crate::devices::camera::Camera;
use crate::devices::camera::frame_decode::{self, PixelFormat};
use image::RgbImage;
use std::path::{Path, PathBuf};
use v4l::buffer::Type;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;

/// What a frame is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// QR codes: about 1280×720 is plenty, and quick.
    Scan,
    /// A paper photographed: the largest the camera gives.
    Still,
}

/// One way the camera can stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
}

/// The mode for `purpose` among what the camera offers: for a scan the smallest at least
/// 1280 wide (else the largest), for a still the largest within `frame_decode::MAX_SIDE`;
/// MJPEG before YUYV at the same size. `None` when nothing offered is read here.
pub fn choose_mode(offered: &[Mode], purpose: Purpose) -> Option<Mode> {
    let usable: Vec<Mode> = offered
        .iter()
        .copied()
        .filter(|m| m.width > 0 && m.height > 0)
        .filter(|m| m.width <= frame_decode::MAX_SIDE && m.height <= frame_decode::MAX_SIDE)
        .collect();
    let area = |m: &Mode| u64::from(m.width) * u64::from(m.height);
    let mjpeg_first = |m: &Mode| u8::from(m.format != PixelFormat::Mjpeg);
    let largest = usable
        .iter()
        .copied()
        .max_by_key(|m| (area(m), std::cmp::Reverse(mjpeg_first(m))));
    match purpose {
        Purpose::Still => largest,
        Purpose::Scan => usable
            .iter()
            .copied()
            .filter(|m| m.width >= 1280)
            .min_by_key(|m| (area(m), mjpeg_first(m)))
            .or(largest),
    }
}

/// Frames dropped after the stream starts, while exposure and focus settle.
const SETTLE_FRAMES: usize = 4;
/// V4L2 control ids (linux/v4l2-controls.h).
const CID_FOCUS_AUTO: u32 = 0x009a_090c;
const CID_EXPOSURE_AUTO: u32 = 0x009a_0901;
/// V4L2_EXPOSURE_APERTURE_PRIORITY: automatic exposure time, what UVC cameras offer.
const EXPOSURE_APERTURE_PRIORITY: i64 = 3;

pub struct V4l2Camera {
    selector: String,
    open: Option<Opened>,
}

struct Opened {
    device: v4l::Device,
    path: PathBuf,
    name: String,
    modes: Vec<Mode>,
}

fn not_connected() -> DeviceError {
    DeviceError::NotConnected {
        device: "camera",
        check: "is the camera's USB cable plugged in (see `xakiosk selftest`)?",
    }
}

fn io_error(what: &str, e: std::io::Error) -> DeviceError {
    match e.raw_os_error() {
        // ENODEV, ENOENT, EIO: unplugged while in use.
        Some(19) | Some(2) | Some(5) => not_connected(),
        _ => DeviceError::Protocol {
            device: "camera",
            detail: format!("{what}: {e}"),
        },
    }
}

fn fourcc_bytes(fourcc: v4l::FourCC) -> [u8; 4] {
    fourcc.repr
}

impl V4l2Camera {
    /// The camera `selector` names (a path, or part of its name; "" for the first); opened on
    /// first use.
    pub fn new(selector: &str) -> V4l2Camera {
        V4l2Camera {
            selector: selector.to_string(),
            open: None,
        }
    }

    fn find(&self) -> Result<PathBuf, DeviceError> {
        if self.selector.starts_with('/') {
            return Ok(PathBuf::from(&self.selector));
        }
        let mut nodes = v4l::context::enum_devices();
        nodes.sort_by_key(|n| n.index());
        nodes
            .into_iter()
            .filter(|n| {
                self.selector.is_empty()
                    || n.name().is_some_and(|name| {
                        name.to_lowercase().contains(&self.selector.to_lowercase())
                    })
            })
            .map(|n| n.path().to_path_buf())
            .find(|path| is_capture_device(path))
            .ok_or_else(not_connected)
    }

    fn opened(&mut self) -> Result<&mut Opened, DeviceError> {
        if self.open.is_none() {
            let path = self.find()?;
            let device = v4l::Device::with_path(&path).map_err(|e| io_error("open", e))?;
            let caps = device.query_caps().map_err(|e| io_error("query", e))?;
            let mut modes = Vec::new();
            for description in device.enum_formats().map_err(|e| io_error("formats", e))? {
                let Some(format) = PixelFormat::of_fourcc(fourcc_bytes(description.fourcc)) else {
                    continue;
                };
                for size in device
                    .enum_framesizes(description.fourcc)
                    .map_err(|e| io_error("sizes", e))?
                {
                    for discrete in size.size.to_discrete() {
                        modes.push(Mode {
                            format,
                            width: discrete.width,
                            height: discrete.height,
                        });
                    }
                }
            }
            ask_for_automatic_focus_and_exposure(&device);
            tracing::info!(camera = %path.display(), name = %caps.card, modes = modes.len(), "camera opened");
            self.open = Some(Opened {
                device,
                path,
                name: caps.card,
                modes,
            });
        }
        self.open.as_mut().ok_or_else(not_connected)
    }

    /// One frame for `purpose`; an unplugged camera is dropped, to be reopened next time.
    pub fn capture_for(&mut self, purpose: Purpose) -> Result<RgbImage, DeviceError> {
        let result = self.try_capture(purpose);
        if matches!(result, Err(DeviceError::NotConnected { .. })) {
            self.open = None;
        }
        result
    }

    fn try_capture(&mut self, purpose: Purpose) -> Result<RgbImage, DeviceError> {
        let opened = self.opened()?;
        let mode = choose_mode(&opened.modes, purpose).ok_or_else(|| DeviceError::Protocol {
            device: "camera",
            detail: format!("{} offers neither MJPEG nor YUYV", opened.path.display()),
        })?;
        let mut format = opened.device.format().map_err(|e| io_error("format", e))?;
        format.width = mode.width;
        format.height = mode.height;
        format.fourcc = v4l::FourCC::new(&mode.format.fourcc());
        let format = opened
            .device
            .set_format(&format)
            .map_err(|e| io_error("set format", e))?;
        let Some(actual) = PixelFormat::of_fourcc(fourcc_bytes(format.fourcc)) else {
            return Err(DeviceError::Protocol {
                device: "camera",
                detail: "the camera changed the pixel format it was asked for".into(),
            });
        };
        let mut stream = v4l::io::mmap::Stream::with_buffers(&opened.device, Type::VideoCapture, 4)
            .map_err(|e| io_error("stream", e))?;
        let mut last = Vec::new();
        for _ in 0..=SETTLE_FRAMES {
            let (buffer, meta) = stream.next().map_err(|e| io_error("frame", e))?;
            let used = (meta.bytesused as usize).min(buffer.len());
            last.clear();
            last.extend_from_slice(&buffer[..used]);
        }
        frame_decode::decode(actual, format.width, format.height, &last)
    }
}

fn is_capture_device(path: &Path) -> bool {
    v4l::Device::with_path(path)
        .and_then(|d| d.query_caps())
        .is_ok_and(|caps| {
            caps.capabilities
                .contains(v4l::capability::Flags::VIDEO_CAPTURE)
                && caps
                    .capabilities
                    .contains(v4l::capability::Flags::STREAMING)
        })
}

/// Continuous autofocus and automatic exposure, where the camera has the controls; a camera
/// without them (fixed focus) is fine as it is.
fn ask_for_automatic_focus_and_exposure(device: &v4l::Device) {
    let Ok(controls) = device.query_controls() else {
        return;
    };
    for (id, value) in [
        (CID_FOCUS_AUTO, 1),
        (CID_EXPOSURE_AUTO, EXPOSURE_APERTURE_PRIORITY),
    ] {
        if controls.iter().any(|c| c.id == id) {
            let control = v4l::control::Control {
                id,
                value: v4l::control::Value::Integer(value),
            };
            if let Err(e) = device.set_control(control) {
                tracing::debug!(control = id, error = %e, "camera control not taken");
            }
        }
    }
}

impl Camera for V4l2Camera {
    fn capture(&mut self) -> Result<RgbImage, DeviceError> {
        self.capture_for(Purpose::Scan)
    }

    fn capture_still(&mut self) -> Result<RgbImage, DeviceError> {
        self.capture_for(Purpose::Still)
    }

    fn describe(&mut self) -> Option<String> {
        let opened = self.opened().ok()?;
        Some(format!("{} ({})", opened.path.display(), opened.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(format: PixelFormat, width: u32, height: u32) -> Mode {
        Mode {
            format,
            width,
            height,
        }
    }

    #[test]
    fn scans_take_about_720p_and_stills_the_largest_mjpeg_first() {
        use PixelFormat::{Mjpeg, Yuyv};
        // A typical UVC document camera: YUYV small, MJPEG up to 8 MP.
        let offered = [
            mode(Yuyv, 640, 480),
            mode(Yuyv, 1280, 720),
            mode(Mjpeg, 640, 480),
            mode(Mjpeg, 1280, 720),
            mode(Mjpeg, 1920, 1080),
            mode(Mjpeg, 3264, 2448),
        ];
        assert_eq!(
            choose_mode(&offered, Purpose::Scan),
            Some(mode(Mjpeg, 1280, 720))
        );
        assert_eq!(
            choose_mode(&offered, Purpose::Still),
            Some(mode(Mjpeg, 3264, 2448))
        );
        // A small YUYV-only webcam: its largest for both.
        let small = [mode(Yuyv, 320, 240), mode(Yuyv, 640, 480)];
        assert_eq!(
            choose_mode(&small, Purpose::Scan),
            Some(mode(Yuyv, 640, 480))
        );
        // Sizes past what is decoded are not chosen; nothing usable is None.
        let huge = [mode(Mjpeg, 10000, 8000), mode(Yuyv, 1920, 1080)];
        assert_eq!(
            choose_mode(&huge, Purpose::Still),
            Some(mode(Yuyv, 1920, 1080))
        );
        assert_eq!(choose_mode(&[], Purpose::Scan), None);
    }

    #[test]
    fn a_camera_that_is_not_there_is_said_to_be_not_connected() {
        let mut camera = V4l2Camera::new("/dev/video-that-does-not-exist");
        assert!(matches!(
            camera.capture(),
            Err(DeviceError::NotConnected { .. })
        ));
        // And asked again later (a replug) it is looked for again, not remembered as gone.
        assert!(camera.open.is_none());
        let mut by_name = V4l2Camera::new("no camera has this name");
        assert!(matches!(
            by_name.capture_still(),
            Err(DeviceError::NotConnected { .. })
        ));
    }
}
