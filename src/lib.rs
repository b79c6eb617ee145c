//! xakiosk: an offline-first public-service kiosk for Vietnamese communes, wards and
//! apartment blocks. The layers, from the bottom (ARCHITECTURE.md has the rules):
//!
//! - [`core`]: procedures, forms, validation, dossiers, Vietnamese text, time. Pure.
//! - [`protocol`]: the kiosk–portal contract: wire types, signatures, seals, receipts.
//! - [`devices`]: one trait per device role, a real adapter and a simulator each.
//! - [`identity`]: the chip ID card (ICAO 9303) and its QR; the card side for simulators.
//! - [`printing`]: receipts as ESC/POS bytes and as pictures. Pure.
//! - [`store`]: the dossier database on the kiosk (SQLite), one writer thread.
//! - [`sync`]: the engine that sends queued dossiers to the portal exactly once.
//! - [`config`]: the configuration layers.
//! - [`session`]: the resident's session as Slint-free state machines.
//! - [`ui`]: the Slint adapters.
//! - [`appliance`]: the cabinet, health, watchdog, provisioning, keys on disk.
//! - [`app`]: the running kiosk wired together (`app::run`).
//! - [`portal`] (feature `portal`): the reference portal.
//! - [`cli`]: the subcommands' bodies; [`tools`] (feature `dev-tools`): demo, benchmarks.

pub mod app;
pub mod appliance;
pub mod cli;
pub mod config;
pub mod core;
pub mod devices;
pub mod identity;
#[cfg(feature = "portal")]
pub mod portal;
pub mod printing;
pub mod protocol;
pub mod session;
pub mod store;
pub mod sync;
#[cfg(feature = "dev-tools")]
pub mod tools;
pub mod ui;

/// The Rust side of the Slint UI (`ui/app.slint`). Generated code: the lints are Slint's.
#[allow(clippy::all, clippy::todo, clippy::pedantic)]
pub mod slint_generated {
    slint::include_modules!();
}
