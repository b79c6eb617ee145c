//! Where the engine hands a catalogue bundle pulled from the portal: something that knows the
//! installed version and installs a newer bundle only if it verifies. The engine does no file
//! IO and no signature checks itself; `app::catalogue_install::CatalogueInstall` is the real sink.

use crate::protocol::catalogue_bundle::BundleRefused;
use crate::protocol::contract::SignedCatalogue;
use std::path::PathBuf;

/// Why a catalogue was not installed, or the installed one not read back.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not genuine, not newer or not whole: the current catalogue stays.
    #[error("{0}")]
    Refused(#[from] BundleRefused),
    /// The installed file is there but cannot be read or is not a bundle.
    #[error("{path}: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("cannot write the catalogue in {dir}: {source}")]
    Write {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// The installing task itself failed (it panicked or was cancelled).
    #[error("the installation did not finish: {0}")]
    Interrupted(String),
}

pub trait CatalogueSink: Send + Sync + 'static {
    /// The installed catalogue's version (0: the one shipped with the software).
    fn version(&self) -> u64;
    /// Checks and installs `signed`; blocking IO is allowed (the engine calls it off the
    /// runtime's worker threads). The new version, or why it was refused.
    fn install(&self, signed: &SignedCatalogue) -> Result<u64, CatalogueError>;
}
