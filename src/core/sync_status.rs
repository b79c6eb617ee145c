//! How far the queue is from the portal, as the top bar, the health facts and the heartbeat
//! see it.

/// What the top bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncStatus {
    /// The last exchange with the portal succeeded.
    pub online: bool,
    /// Dossiers not yet accepted by the portal.
    pub queued: u64,
    /// While a pass sends: (dossiers done in this pass, dossiers it set out to send).
    pub sending: Option<(u32, u32)>,
}
