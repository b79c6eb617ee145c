//! xakiosk: an offline-first public-service kiosk for Vietnamese communes, wards and
//! apartment blocks.
//!
//! # Layout
//! - [`core`]: procedures, forms, validation, dossier state, Vietnamese text. Pure; no IO.
//! - [`store`]: the dossier database on the kiosk (SQLite), one writer thread.
//! - [`devices`]: one trait per device role, with simulators.
//! - [`cabinet`], [`health`]: the cabinet's pins at work, and the health facts everyone reports.
//! - [`ui`]: the session controller and the adapters that bind it to the Slint window.
//! - [`config`], [`assets`]: configuration file and data files.
//! - [`headless`]: a window-less Slint platform for the demo, screenshots and benchmarks.
//! - [`demo`], [`bench`]: the scripted end-to-end walk and the benchmark table.

pub mod app;
pub mod appliance;
pub mod config;
pub mod core;
pub mod devices;
pub mod identity;
pub mod portal;
pub mod printing;
pub mod protocol;
pub mod session;
pub mod store;
pub mod sync;
pub mod tools;
pub mod ui;

/// The Rust side of the Slint UI (`ui/app.slint`). Generated code: the lints are Slint's.
#[allow(clippy::all, clippy::todo, clippy::pedantic)]
pub mod slint_generated {
    slint::include_modules!();
}
