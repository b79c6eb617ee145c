//! A window-less Slint platform: Slint's software renderer into memory, so the kiosk's real
//! UI can be driven, rendered to PNG and timed on a machine without a display (the demo,
//! screenshots, benchmarks). Background results reach the UI thread through an event queue
//! that `pump` drains, exactly as `invoke_from_event_loop` does in a windowed run.

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PhysicalSize, PlatformError};
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
        self.start.elapsed()
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
}

impl Headless {
    /// Installs the platform for this process (once) with a window of `width`×`height`.
    pub fn install(width: u32, height: u32) -> Result<Headless, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        window.set_size(PhysicalSize::new(width, height));
        let (tx, rx) = channel();
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
            start: Instant::now(),
            events: Mutex::new(tx),
        }))
        .map_err(|e| PlatformError::Other(format!("cannot install the headless platform: {e}")))?;
        Ok(Headless { window, events: rx })
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

    /// Renders the current frame.
    pub fn snapshot(&self) -> Result<image::RgbaImage, PlatformError> {
        slint::platform::update_timers_and_animations();
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
