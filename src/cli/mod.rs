//! The bodies of the `xakiosk` subcommands (`main.rs` parses and dispatches): the kiosk and its
//! technician's commands (`kiosk`), provisioning, the card tools, the printer's sample; with
//! the `portal` feature the reference portal's commands, with `dev-tools` the developer ones.
//! Messages are English; exit codes are documented on each command.

pub mod card;
pub mod card_trust;
#[cfg(feature = "dev-tools")]
pub mod dev;
pub mod gpio;
pub mod kiosk;
#[cfg(feature = "portal")]
pub mod portal;
#[cfg(feature = "portal")]
pub mod portal_update;
#[cfg(feature = "portal")]
pub mod portal_user;
pub mod provision;
pub mod receipt_sample;
pub mod test_dossier;

/// Who runs a portal command on the portal's machine, for the audit log: the login name
/// (`USER`, else `LOGNAME`), else the user id (a script or a unit has neither variable).
#[cfg(feature = "portal")]
pub fn command_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| {
            use std::os::unix::fs::MetadataExt;
            // The owner of this process's /proc entry is its user id (no libc call needed).
            std::fs::metadata("/proc/self")
                .map(|m| format!("uid {}", m.uid()))
                .unwrap_or_else(|_| "unknown".into())
        })
}

/// A fresh salt for a PIN hash.
pub fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the system has randomness");
    salt
}
