//! The portal's database: dossiers received (keyed by the kiosk's UUID, with the hash of the
//! body first received), sealed photos by content hash, officers' decisions as a numbered
//! change log that kiosks pull with a cursor. Every receive is one transaction, so a dossier
//! is stored once however often it is sent.

use crate::protocol::contract::{DossierUpload, Heartbeat};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Mutex;

pub mod audit;
mod catalogue;
mod claims;
mod dossiers;
pub mod enrollment_tokens;
mod feedback;
mod kiosks;
pub mod officer_sessions;
pub mod officers;
mod schema;
#[cfg(test)]
mod tests;
pub mod update_offers;

/// The largest photo the portal takes (sealed bytes).
pub const MAX_ATTACHMENT_BYTES: u64 = 32 * 1024 * 1024;
/// Photos one kiosk may have begun and not finished uploading (a kiosk sends one at a time;
/// a crash may leave a few behind, resumed later).
pub const MAX_OPEN_UPLOADS: u32 = 64;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("a different dossier was already received under this id")]
    Conflict,
    #[error("attachments not uploaded yet: {0:?}")]
    MissingAttachments(Vec<String>),
    #[error("no such dossier")]
    NotFound,
    #[error("the receipt does not check out: {0}")]
    BadReceipt(String),
    #[error("a decision must be accepted, rejected or needs_fix")]
    BadDecision,
    #[error("the request for more is not usable: {0}")]
    BadRequest(#[from] crate::core::fix_request::FixRequestError),
    #[error("a supplement must complete a dossier this kiosk sent that the office sent back")]
    NotSupplementable,
    #[error("this kiosk is not enrolled")]
    NotEnrolled,
    #[error("this kiosk id is enrolled with another device key")]
    KeyMismatch,
    #[error("the upload is at byte {0}, not where this chunk starts")]
    WrongOffset(u64),
    #[error("the photo does not match its hash; it must be sent again from the start")]
    HashMismatch,
    #[error("{0}")]
    TokenRefused(String),
    #[error("this kiosk has too many unfinished photo uploads; finish those first")]
    TooManyUploads,
    #[error("the upload is too large or inconsistent: {0}")]
    BadUpload(String),
    #[error("{0}")]
    BadAccount(String),
    #[error("the catalogue bundle is not newer than the published one")]
    StaleCatalogue,
    #[error("database schema: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// An enrolled kiosk, for the officer page's fleet view.
#[derive(Debug, Clone)]
pub struct Device {
    pub kiosk_id: String,
    pub place: String,
    /// The code of the commune it stands in (empty: not told).
    pub commune: String,
    pub enrolled_at: String,
    pub last_seen_at: Option<String>,
    pub last_heartbeat: Option<Heartbeat>,
    /// The group whose update offers it gets (`update_offers.rs`).
    pub update_group: String,
}

pub struct PortalDb {
    conn: Mutex<Connection>,
}

/// One received dossier, for the officer page.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub reference: String,
    pub received_at: String,
    pub state: String,
    pub upload: DossierUpload,
    /// The office's latest request for more, while the dossier is sent back.
    pub request: Option<crate::core::fix_request::FixRequest>,
    /// The commune whose officers decide it (the sending kiosk's when it arrived; empty
    /// when that kiosk enrolled without one).
    pub commune: String,
    /// The id the sending kiosk knows it by (`id` is the portal's: the same unless another
    /// kiosk used that id first); the sealed content is bound to it.
    pub kiosk_dossier_id: String,
    /// For a supplement, the portal's id of the dossier it completes.
    pub supplements_of: Option<String>,
}

impl PortalDb {
    pub fn open(path: &Path) -> Result<PortalDb, PortalError> {
        let mut conn = Connection::open(path)?;
        schema::migrate(&mut conn)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    pub fn open_in_memory() -> Result<PortalDb, PortalError> {
        let mut conn = Connection::open_in_memory()?;
        schema::migrate(&mut conn)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}
