//! The kiosk's health facts as the sync engine sees them: the heartbeat reads device states
//! from them, each pass records whether the portal was reached.

use crate::core::health::HealthSnapshot;
use crate::core::sync_status::SyncStatus;

/// The kiosk's health facts as the engine sees them (the appliance's shared `Health`; a fixed
/// snapshot in tests): the heartbeat reads device states from them, each pass records whether
/// the portal was reached.
pub trait HealthFacts: Send + Sync {
    fn snapshot(&self) -> HealthSnapshot;
    fn record_sync(&self, status: &SyncStatus, now: chrono::DateTime<chrono::Utc>);
}

impl HealthFacts for HealthSnapshot {
    fn snapshot(&self) -> HealthSnapshot {
        self.clone()
    }
    fn record_sync(&self, _: &SyncStatus, _: chrono::DateTime<chrono::Utc>) {}
}
