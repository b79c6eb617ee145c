//! A window-less Slint platform: Slint's software renderer into memory, so the kiosk's real
//! UI can be driven, rendered to PNG and timed on a machine without a display (the demo,
//! screenshots, benchmarks). Like the kiosk's display backends (linuxkms hands the renderer
//! the age of each scan-out buffer), it keeps one frame buffer and redraws only what changed
//! since the last frame (`draw`); a snapshot for a PNG is always drawn whole. Background results reach the UI thread through an event queue
//! that `pump` drains, exactly as `invoke_from_event_loop` does in a windowed run.

use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PhysicalSize, PlatformError};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

type Event = Box<dyn FnOnce() + Send>;

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
    events: Mutex<Sender<Event>>,
    /// While set, the platform's clock stands still at this instant (`Headless::hold_time`).
    held: std::sync::Arc<Mutex<Option<Duration>>>,
}

struct Proxy(Mutex<Sender<Event>>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        Ok(())
    }
    fn invoke_from_event_loop(&self, event: Event) -> Result<(), EventLoopError> {
        self.0
            .lock()
            .map_err(|_| EventLoopError::EventLoopTerminated)?
            .send(event)
            .map_err(|_| EventLoopError::EventLoopTerminated)
    }
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        match self.held.lock().ok().and_then(|held| *held) {
            Some(at) => at,
            None => self.start.elapsed(),
        }
    }
    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        let sender = self.events.lock().ok()?.clone();
        Some(Box::new(Proxy(Mutex::new(sender))))
    }
}

/// The installed headless platform: the window to render and the queue to pump.
pub struct Headless {
    pub window: Rc<MinimalSoftwareWindow>,
    events: Receiver<Event>,
    /// The frame `draw` keeps up to date, as a display's scan-out buffer (32-bit pixels).
    frame: RefCell<Vec<PremultipliedRgbaColor>>,
    frame_stale: std::cell::Cell<bool>,
    start: Instant,
    held: std::sync::Arc<Mutex<Option<Duration>>>,
}

/// What one `draw` repainted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repainted {
    /// Pixels inside the repainted rectangles.
    pub pixels: u64,
    /// Those pixels as a share of the window.
    pub share: f64,
}

impl Headless {
    /// Installs the platform for this process (once) with a window of `width`×`height`.
    pub fn install(width: u32, height: u32) -> Result<Headless, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        window.set_size(PhysicalSize::new(width, height));
        let (tx, rx) = channel();
        let start = Instant::now();
        let held = std::sync::Arc::new(Mutex::new(None));
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
            start,
            events: Mutex::new(tx),
            held: held.clone(),
        }))
        .map_err(|e| PlatformError::Other(format!("cannot install the headless platform: {e}")))?;
        Ok(Headless {
            window,
            events: rx,
            frame: RefCell::new(Vec::new()),
            frame_stale: std::cell::Cell::new(false),
            start,
            held,
        })
    }

    /// Stops the UI's clock (timers, animations, the text cursor's blink) where it is, or lets
    /// it run again: two renderings compared pixel for pixel see the same instant.
    pub fn hold_time(&self, hold: bool) {
        if let Ok(mut held) = self.held.lock() {
            *held = hold.then(|| held.unwrap_or_else(|| self.start.elapsed()));
        }
    }

    /// Holds the UI's clock and moves it on by `by`: animations and timers advance without
    /// anyone waiting for them.
    pub fn advance_time(&self, by: Duration) {
        if let Ok(mut held) = self.held.lock() {
            *held = Some(held.unwrap_or_else(|| self.start.elapsed()) + by);
        }
        slint::platform::update_timers_and_animations();
    }

    /// Runs every queued event without waiting.
    pub fn pump(&self) -> usize {
        let mut n = 0;
        while let Ok(event) = self.events.try_recv() {
            event();
            n += 1;
        }
        slint::platform::update_timers_and_animations();
        n
    }

    /// Waits (up to `limit`) for the next background result and runs it; false if none came.
    pub fn wait_for_event(&self, limit: Duration) -> bool {
        match self.events.recv_timeout(limit) {
            Ok(event) => {
                event();
                self.pump();
                true
            }
            Err(_) => false,
        }
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.window.set_size(PhysicalSize::new(width, height));
    }

    /// Redraws what changed since the last `draw` into the kept frame, as the kiosk's display
    /// backend does for each frame it shows; None when nothing needed drawing. A new window
    /// size starts from a whole frame.
    pub fn draw(&self) -> Option<Repainted> {
        slint::platform::update_timers_and_animations();
        let size = self.window.size();
        let (width, height) = (size.width as usize, size.height as usize);
        let mut frame = self.frame.borrow_mut();
        // A new size, or a snapshot drawn since (it consumed what had changed): the kept
        // frame is not what the renderer thinks it is, so this one is drawn whole.
        let whole = frame.len() != width * height || self.frame_stale.replace(false);
        if frame.len() != width * height {
            frame.clear();
            frame.resize(width * height, PremultipliedRgbaColor::default());
        }
        if whole {
            self.window.request_redraw();
        }
        let mut repainted = None;
        self.window.draw_if_needed(|renderer| {
            if whole {
                renderer.set_repaint_buffer_type(RepaintBufferType::NewBuffer);
            }
            let region = renderer.render(frame.as_mut_slice(), width);
            if whole {
                renderer.set_repaint_buffer_type(RepaintBufferType::ReusedBuffer);
            }
            let pixels: u64 = region
                .iter()
                .map(|(_, size)| size.width as u64 * size.height as u64)
                .sum();
            repainted = Some(Repainted {
                pixels,
                share: pixels as f64 / (width * height).max(1) as f64,
            });
        });
        repainted
    }

    /// The kept frame as an image (what a display showing `draw`'s frames shows).
    pub fn frame_image(&self) -> Option<image::RgbaImage> {
        let size = self.window.size();
        let frame = self.frame.borrow();
        let bytes: Vec<u8> = frame
            .iter()
            .flat_map(|p| [p.red, p.green, p.blue, 255])
            .collect();
        image::RgbaImage::from_raw(size.width, size.height, bytes)
    }

    /// Renders the current frame.
    pub fn snapshot(&self) -> Result<image::RgbaImage, PlatformError> {
        slint::platform::update_timers_and_animations();
        self.frame_stale.set(true);
        let buffer = self.window.window().take_snapshot()?;
        image::RgbaImage::from_raw(buffer.width(), buffer.height(), buffer.as_bytes().to_vec())
            .ok_or_else(|| PlatformError::Other("snapshot has the wrong size".into()))
    }

    /// Renders the current frame to a PNG file.
    pub fn save_png(&self, path: &Path) -> Result<(), String> {
        let image = self.snapshot().map_err(|e| e.to_string())?;
        image
            .save(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}
