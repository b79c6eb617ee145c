//! Where the engine hands a software update the portal offers: something that checks the
//! signed offer, decides whether this kiosk wants it (newer than what runs, not already handed
//! to root, room on the disk), keeps the bundle's pieces as they arrive (resumable across
//! passes and restarts) and, once whole and matching its digest, asks root to install it. The
//! engine does no file IO and no checks itself; `app::update_download::UpdateDownload` is the
//! real sink.

use crate::protocol::contract::SignedUpdateOffer;
use crate::protocol::update_offer::OfferRefused;
use std::path::PathBuf;

/// A bundle this kiosk wants, and how much of it it already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedBundle {
    pub version: String,
    pub sha256: String,
    pub size: u64,
    /// The bytes already kept (the next piece starts here).
    pub offset: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateDownloadError {
    /// Not signed by the portal's catalogue key, or not a usable offer: nothing is fetched.
    #[error("{0}")]
    Refused(#[from] OfferRefused),
    /// Fetching it would leave too little room for dossiers: nothing is fetched until there is.
    #[error(
        "not enough room for the update: {needed} bytes wanted (with a reserve for dossiers), {available} free"
    )]
    NoSpace { needed: u64, available: u64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The whole bundle does not have the offered digest: it is deleted and fetched again.
    #[error("the downloaded update does not match the offered SHA-256; it will be fetched again")]
    Corrupt,
    /// The blocking task itself failed (it panicked or was cancelled).
    #[error("the download step did not finish: {0}")]
    Interrupted(String),
}

pub trait UpdateSink: Send + Sync + 'static {
    /// Checks `offer`; the bundle to fetch (from its offset), or `None` when not wanted.
    /// Blocking IO is allowed (the engine calls it off the runtime's worker threads).
    fn consider(
        &self,
        offer: &SignedUpdateOffer,
    ) -> Result<Option<WantedBundle>, UpdateDownloadError>;
    /// Keeps `bytes` at `offset` of `wanted`; the bytes now kept.
    fn append(
        &self,
        wanted: &WantedBundle,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64, UpdateDownloadError>;
    /// The whole bundle is kept: checks its digest and hands it to root; where it lies.
    fn finish(&self, wanted: &WantedBundle) -> Result<PathBuf, UpdateDownloadError>;
    /// The portal offers nothing (any more): a download begun for an offer since withdrawn is
    /// thrown away, so it does not hold the disk. A bundle already handed to root is not
    /// touched.
    fn nothing_offered(&self) -> Result<(), UpdateDownloadError>;
}
