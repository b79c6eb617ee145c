//! The kiosk's health facts, shared by everything that reports them (the status light, the
//! admin screen, the metrics endpoint, `selftest`, the heartbeat): writers record facts,
//! readers take a snapshot, the status light follows each change. Does no IO.

use crate::core::health::{DeviceState, HealthSnapshot};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// The shared facts; cheap to clone.
#[derive(Clone, Default)]
pub struct Health {
    inner: Arc<Mutex<HealthSnapshot>>,
    changed: Arc<tokio::sync::Notify>,
}

impl Health {
    pub fn new() -> Health {
        Health::default()
    }

    pub fn snapshot(&self) -> HealthSnapshot {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the facts and wakes their one follower (the status light); a change made while
    /// it is busy is kept for it.
    pub fn update(&self, change: impl FnOnce(&mut HealthSnapshot)) {
        {
            let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            change(&mut s);
        }
        self.changed.notify_one();
    }

    /// Resolves after the next change (for one follower only).
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    pub fn count_error(&self, kind: &str) {
        self.update(|s| *s.errors.entry(kind.to_string()).or_default() += 1);
    }

    pub fn record_sync(&self, status: &crate::core::sync_status::SyncStatus, now: DateTime<Utc>) {
        self.update(|s| {
            if status.online {
                s.last_sync_at = Some(now);
            } else if s.online {
                *s.errors.entry("sync".into()).or_default() += 1;
            }
            s.online = status.online;
            s.queued = status.queued;
        });
    }

    pub fn record_printer(&self, status: crate::devices::printer::PrinterStatus) {
        use crate::devices::printer::PrinterStatus;
        let state = match status {
            PrinterStatus::Ready => DeviceState::Ready,
            PrinterStatus::PaperOut => DeviceState::Fault("paper_out".into()),
            PrinterStatus::CoverOpen => DeviceState::Fault("cover_open".into()),
            PrinterStatus::Offline => DeviceState::Fault("offline".into()),
        };
        self.update(|s| {
            if state.is_fault() {
                *s.errors.entry("print".into()).or_default() += 1;
            }
            s.printer = state;
        });
    }
}

impl crate::sync::health_facts::HealthFacts for Health {
    fn snapshot(&self) -> HealthSnapshot {
        Health::snapshot(self)
    }
    fn record_sync(&self, status: &crate::core::sync_status::SyncStatus, now: DateTime<Utc>) {
        Health::record_sync(self, status, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::health::StatusLight;
    use crate::devices::printer::PrinterStatus;

    #[test]
    fn the_light_is_red_for_any_fault_amber_offline_and_green_online() {
        let health = Health::new();
        assert_eq!(health.snapshot().light(), StatusLight::Amber);
        health.record_sync(
            &crate::core::sync_status::SyncStatus {
                online: true,
                queued: 0,
                sending: None,
            },
            Utc::now(),
        );
        assert_eq!(health.snapshot().light(), StatusLight::Green);
        health.record_printer(PrinterStatus::PaperOut);
        let s = health.snapshot();
        assert_eq!(s.light(), StatusLight::Red);
        assert_eq!(s.printer.label(), "paper_out");
        assert_eq!(s.errors.get("print"), Some(&1));
        health.record_printer(PrinterStatus::Ready);
        assert_eq!(health.snapshot().light(), StatusLight::Green);
        health.update(|s| s.door_open = true);
        assert_eq!(health.snapshot().light(), StatusLight::Red);
    }

    #[test]
    fn going_offline_counts_a_sync_error_once_and_keeps_the_last_success() {
        let health = Health::new();
        let at = Utc::now();
        let status = |online| crate::core::sync_status::SyncStatus {
            online,
            queued: 3,
            sending: None,
        };
        health.record_sync(&status(true), at);
        health.record_sync(&status(false), at + chrono::Duration::minutes(1));
        health.record_sync(&status(false), at + chrono::Duration::minutes(2));
        let s = health.snapshot();
        assert_eq!(s.last_sync_at, Some(at));
        assert_eq!(s.errors.get("sync"), Some(&1));
        assert_eq!(s.queued, 3);
        assert!(!s.online);
    }
}
