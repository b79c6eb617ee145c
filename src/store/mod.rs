//! Durable storage of submitted dossiers on the kiosk (SQLite through rusqlite, WAL,
//! `synchronous=FULL`, numbered migrations in `migrations/`). Owns the database file and is
//! the only code that touches it. It must not be called from the UI thread: the app reaches it
//! through `StoreHandle`, one writer thread.

mod alerts;
pub mod atomic_file;
mod dossier_store;
mod error;
#[cfg(any(test, feature = "dev-tools"))]
mod fault_injection;
mod handle;
mod integrity;
mod outbox;
mod pin_lockout;
mod retention;
pub mod set_aside;

pub use crate::core::stored_dossier::{
    DossierSummary, QueuedDossier, StatusEvent, StoredAttachment,
};
pub use alerts::AlertKind;
pub use dossier_store::Store;
pub use error::StoreError;
pub use handle::StoreHandle;
pub use integrity::IntegrityCheck;
pub use outbox::{OutboxItem, SendOutcome};
pub use pin_lockout::PinUser;
