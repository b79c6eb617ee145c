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

pub mod assets;
pub mod atomic_file;
pub mod bench;
pub mod bench_identity;
pub mod bench_sync;
pub mod cabinet;
pub mod card_cli;
pub mod catalogue_bundle;
pub mod catalogue_install;
pub mod config;
pub mod core;
pub mod data_layout;
pub mod demo;
pub mod devices;
pub mod headless;
pub mod health;
pub mod health_endpoint;
pub mod identity;
pub mod key_handover;
pub mod maintenance_keys;
pub mod network_settings;
pub mod portal;
pub mod printing;
pub mod provision;
pub mod receipt;
pub mod sealing;
pub mod selftest;
pub mod signing;
pub mod startup;
pub mod store;
pub mod sync;
pub mod test_dossier;
pub mod ui;
pub mod watchdog;

/// The Rust side of the Slint UI (`ui/app.slint`).
pub mod slint_generated {
    slint::include_modules!();
}
