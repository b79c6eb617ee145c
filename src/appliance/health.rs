//! The kiosk's health facts, shared by everything that reports them (the status light, the
//! admin screen, the metrics endpoint, `selftest`): sync and queue, printer and reader state,
//! the cabinet door, a broken configuration, error counts. Writers record facts; readers take
//! a snapshot. Holds no personal data and does no IO.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A device's last known state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeviceState {
    /// Not used since start.
    #[default]
    Unknown,
    Ready,
    /// Not usable: a short reason ("paper_out", "cover_open", "offline", "no_reader"…).
    Fault(String),
}

impl DeviceState {
    pub fn is_fault(&self) -> bool {
        matches!(self, DeviceState::Fault(_))
    }
    /// For the metrics and the admin screen.
    pub fn label(&self) -> &str {
        match self {
            DeviceState::Unknown => "unknown",
            DeviceState::Ready => "ready",
            DeviceState::Fault(reason) => reason,
        }
    }
}

/// What the status light on the cabinet shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLight {
    /// Online: dossiers reach the portal.
    Green,
    /// Offline: dossiers are kept and wait for the network.
    Amber,
    /// Something needs a technician (printer, reader, configuration, open door).
    Red,
}

impl StatusLight {
    /// (green lit, red lit): amber is both.
    pub fn levels(self) -> (bool, bool) {
        match self {
            StatusLight::Green => (true, false),
            StatusLight::Amber => (true, true),
            StatusLight::Red => (false, true),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthSnapshot {
    pub online: bool,
    /// Dossiers not yet accepted by the portal.
    pub queued: u64,
    /// The last pass that reached the portal.
    pub last_sync_at: Option<DateTime<Utc>>,
    pub printer: DeviceState,
    pub reader: DeviceState,
    pub door_open: bool,
    /// A configuration layer did not load (the kiosk runs on the last good configuration or
    /// queue-only), or something else the technician must fix came up at start (a database
    /// moved aside, an unreadable device key).
    pub config_fault: Option<String>,
    /// Why the kiosk takes no new dossier (not provisioned…), when it does not.
    pub not_set_up: Option<String>,
    /// Why the kiosk is silent, when it is.
    pub voice_problem: Option<String>,
    /// Errors since start, by kind ("print", "card", "sync", "store", "gpio").
    pub errors: BTreeMap<String, u64>,
    pub help_requests: u64,
    pub sessions_completed: u64,
}

impl HealthSnapshot {
    pub fn light(&self) -> StatusLight {
        if self.printer.is_fault()
            || self.reader.is_fault()
            || self.door_open
            || self.config_fault.is_some()
            || self.not_set_up.is_some()
        {
            StatusLight::Red
        } else if self.online {
            StatusLight::Green
        } else {
            StatusLight::Amber
        }
    }
}

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

    pub fn record_sync(&self, status: &crate::sync::engine::SyncStatus, now: DateTime<Utc>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::PrinterStatus;

    #[test]
    fn the_light_is_red_for_any_fault_amber_offline_and_green_online() {
        let health = Health::new();
        assert_eq!(health.snapshot().light(), StatusLight::Amber);
        health.record_sync(
            &crate::sync::engine::SyncStatus {
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
        let status = |online| crate::sync::engine::SyncStatus {
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
