//! The kiosk's hardware, one trait per role (`Clock`, `CardReader`, `ReceiptPrinter`,
//! `Camera`, `Gpio`), each with a simulator that behaves like the device at its protocol
//! boundary, chosen in the configuration. Nothing under `devices/` knows about Slint or the
//! domain's forms; device calls may block, so they run off the UI thread.

pub mod backlight;
pub mod camera;
pub mod camera_scene;
pub mod card_reader;
pub mod clock;
pub mod error;
pub mod gpio;
pub mod gpio_events;
pub mod pcsc_reader;
pub mod printer;
pub mod printer_links;
pub mod rppal_gpio;
pub mod speaker;

pub use error::DeviceError;
