//! Where the engine hands a catalogue bundle pulled from the portal: something that knows the
//! installed version and installs a newer bundle only if it verifies. The engine does no file
//! IO and no signature checks itself; `app::catalogue_install::CatalogueInstall` is the real sink.

use crate::protocol::contract::SignedCatalogue;

pub trait CatalogueSink: Send + Sync + 'static {
    /// The installed catalogue's version (0: the one shipped with the software).
    fn version(&self) -> u64;
    /// Checks and installs `signed`; blocking IO is allowed (the engine calls it off the
    /// runtime's worker threads). The new version, or why it was refused.
    fn install(&self, signed: &SignedCatalogue) -> Result<u64, String>;
}
