//! The kiosk's health facts as data: sync and queue, printer and reader state, the cabinet door,
//! a broken configuration, error counts, and the status light they add up to. Shared and
//! recorded through `appliance::health::Health`. Holds no personal data.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

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
    /// What the technician reads on the admin screen, Vietnamese first.
    pub fn describe(&self) -> crate::core::text::Text {
        use crate::core::text::Text;
        match self {
            DeviceState::Unknown => Text::new("chưa rõ", "unknown"),
            DeviceState::Ready => Text::new("sẵn sàng", "ready"),
            DeviceState::Fault(reason) => match reason.as_str() {
                "paper_out" => Text::new("hết giấy", "paper out"),
                "cover_open" => Text::new("nắp đang mở", "cover open"),
                "offline" => Text::new("chưa kết nối", "not connected"),
                "no_reader" => Text::new("không thấy đầu đọc", "no reader"),
                other => Text::new(format!("lỗi: {other}"), format!("fault: {other}")),
            },
        }
    }

    /// For the metrics (stable codes, not words).
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
