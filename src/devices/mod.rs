//! The kiosk's hardware, one trait per role (`Clock`, `CardReader`, `ReceiptPrinter`,
//! `Camera`, `Gpio`, `Speaker`, `Backlight`), each with a simulator that behaves like the
//! device at its protocol boundary, chosen in the configuration. A role with more than one
//! file is a folder: the trait and its simulator in `mod.rs`, each real adapter beside it.
//! Nothing under `devices/` knows about Slint, the domain's forms, the identity protocol or the
//! configuration; device calls may block, so they run off the UI thread.

pub mod backlight;
pub mod camera;
pub mod card_reader;
pub mod clock;
pub mod error;
pub mod gpio;
pub mod printer;
pub mod speaker;

pub use error::DeviceError;
