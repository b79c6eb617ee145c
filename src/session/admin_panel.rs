//! The technician's admin screen as state: opened by five taps on the place name within three
//! seconds, unlocked by the admin PIN (five wrong PINs lock it for five minutes, across
//! openings), then the kiosk's health, the queue (codes and procedures only: no personal data)
//! and the maintenance actions, which leave as `AdminAction`s for the effects to carry out.
//! Slint-free and IO-free.

use crate::core::assist::{PinGuard, PinGuardState, SignIn};
use crate::core::health::HealthSnapshot;
use crate::core::stored_dossier::QueuedDossier;
use crate::core::text::Text;
use std::time::Duration;

const TAPS: usize = 5;
const TAP_WINDOW: Duration = Duration::from_secs(3);

/// What the admin screen asks the kiosk to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    /// Read the health facts, the queue and the network addresses again.
    Refresh,
    /// Wake the sync engine now.
    ForceSync,
    /// Print the test page.
    PrinterTest,
    /// Switch the printer off and on (the power relay).
    PrinterPowerCycle,
    /// Copy the journal and the health table to a USB stick.
    ExportLogs,
    /// SSH until the next reboot.
    Maintenance,
    /// Read a provisioning QR code (`XAKP1:…`) at the camera and provision this kiosk.
    ProvisionFromQr,
    /// Read a network settings QR code (`XAKN1:…`) and apply it to the wired network.
    NetworkFromQr,
    Reboot,
    /// Install the newest update bundle (`*.raucb`) on the USB stick: the kiosk leaves the
    /// request, root checks and installs it into the other slot.
    UpdateFromUsb,
    /// Restart into an installed update (asked by the kiosk itself once nobody uses it).
    RestartForUpdate,
}

#[derive(Debug, Default)]
pub struct AdminPanel {
    pin_hash: String,
    guard: PinGuard,
    /// A PIN is being checked in the background.
    checking: bool,
    taps: Vec<Duration>,
    pub open: bool,
    pub unlocked: bool,
    pub pin: String,
    pub error: Option<Text>,
    pub health: HealthSnapshot,
    pub queue: Vec<QueuedDossier>,
    pub network: Vec<String>,
    /// The A/B slots and the last update, as root reported them.
    pub updates: Vec<String>,
    /// The outcome of the last action, for the technician.
    pub message: Option<String>,
    pub busy: bool,
    /// The health, queue and network lines were read since unlocking.
    pub loaded: bool,
}

impl AdminPanel {
    pub fn new(pin_hash: &str) -> AdminPanel {
        AdminPanel {
            pin_hash: pin_hash.trim().to_string(),
            ..AdminPanel::default()
        }
    }

    /// A tap on the place name at `now`; true when it was the fifth within three seconds.
    pub fn tap(&mut self, now: Duration) -> bool {
        self.taps.retain(|t| now.saturating_sub(*t) <= TAP_WINDOW);
        self.taps.push(now);
        if self.taps.len() >= TAPS {
            self.taps.clear();
            self.open = true;
            self.unlocked = false;
            self.pin.clear();
            self.error = None;
            self.message = None;
            return true;
        }
        false
    }

    pub fn key(&mut self, key: &str) {
        match key {
            "⌫" => {
                self.pin.pop();
            }
            d if d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) && self.pin.len() < 8 => {
                self.pin.push_str(d)
            }
            _ => {}
        }
    }

    /// "Unlock": the PIN typed so far and the hash to check it against (the check is slow on
    /// purpose, so it runs in the background), unless no PIN is set or sign-in is locked.
    pub fn unlock(&mut self, now: Duration) -> Option<(String, String)> {
        let pin = std::mem::take(&mut self.pin);
        if self.pin_hash.is_empty() {
            self.error = Some(Text::new(
                "Máy chưa đặt mã PIN quản trị ([admin] pin_hash); hãy cài đặt máy bằng `xakiosk provision --admin-pin` hoặc đặt mã trong tệp cấu hình.",
                "No admin PIN is set ([admin] pin_hash); provision the kiosk with --admin-pin or set it in the configuration file.",
            ));
            return None;
        }
        if let Some(left) = self.guard.locked(now) {
            self.locked_error(left);
            return None;
        }
        if self.checking {
            return None;
        }
        self.checking = true;
        Some((pin, self.pin_hash.clone()))
    }

    /// The background check of the PIN came back; the refresh to run when it opened the panel.
    pub fn pin_checked(&mut self, matched: bool, now: Duration) -> Option<AdminAction> {
        self.checking = false;
        match self.guard.record(matched, now) {
            SignIn::Accepted => {
                self.unlocked = true;
                self.error = None;
                tracing::info!("admin screen unlocked");
                Some(AdminAction::Refresh)
            }
            SignIn::WrongPin { tries_left } => {
                tracing::warn!("wrong admin PIN");
                self.error = Some(Text::new(
                    format!("Mã PIN không đúng. Còn {tries_left} lần thử."),
                    format!("Wrong PIN. {tries_left} tries left."),
                ));
                None
            }
            SignIn::Locked(left) => {
                tracing::warn!("admin screen locked after wrong PINs");
                self.locked_error(left);
                None
            }
            SignIn::UnknownHelper => None,
        }
    }

    fn locked_error(&mut self, left: Duration) {
        let minutes = left.as_secs().div_ceil(60);
        self.error = Some(Text::new(
            format!("Nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."),
            format!("Too many wrong PINs. Try again in {minutes} min."),
        ));
    }

    /// What the lockout must remember across a restart.
    pub fn guard_state(&self, now: Duration) -> PinGuardState {
        self.guard.state(now)
    }

    /// Goes on from a lockout remembered before a restart.
    pub fn restore_guard(&mut self, state: PinGuardState, now: Duration) {
        self.guard = PinGuard::restored(state, now);
    }

    /// Leaves the admin screen; what it showed is forgotten.
    pub fn close(&mut self) {
        self.open = false;
        self.unlocked = false;
        self.pin.clear();
        self.error = None;
        self.message = None;
        self.queue.clear();
        self.network.clear();
        self.loaded = false;
        self.busy = false;
    }

    /// An action pressed on the unlocked panel.
    pub fn act(&mut self, action: AdminAction) -> Option<AdminAction> {
        if !self.unlocked || self.busy {
            return None;
        }
        if action != AdminAction::Refresh {
            self.busy = true;
            self.message = None;
        }
        Some(action)
    }

    pub fn refreshed(&mut self, facts: AdminFacts) {
        self.health = facts.health;
        self.queue = facts.queue;
        self.network = facts.network;
        self.updates = facts.updates;
        self.loaded = true;
    }

    /// An action finished: its line is shown, and what it changed is read again (`loaded`
    /// until the refresh that follows arrives).
    pub fn done(&mut self, result: Result<String, String>) {
        self.busy = false;
        self.loaded = false;
        self.message = Some(match result {
            Ok(m) => m,
            Err(e) => format!("LỖI / ERROR: {e}"),
        });
    }
}

/// What the admin screen shows, read again.
pub struct AdminFacts {
    pub health: HealthSnapshot,
    pub queue: Vec<QueuedDossier>,
    /// One line per network interface.
    pub network: Vec<String>,
    /// The A/B slots and the last update.
    pub updates: Vec<String>,
}

/// The result of one action.
pub enum AdminResult {
    Refreshed(Box<AdminFacts>),
    /// The line the admin screen shows: what was done, or why not (the app's typed error,
    /// already said as text: the session keeps only what it displays).
    Done(Result<String, String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel() -> AdminPanel {
        AdminPanel::new(&crate::core::assist::pin_hash("246810", [7; 16]))
    }

    fn type_pin(p: &mut AdminPanel, pin: &str) {
        for c in pin.chars() {
            p.key(&c.to_string());
        }
    }

    /// "Unlock" and the background check, as the screen runs them.
    fn unlock(p: &mut AdminPanel, now: Duration) -> Option<AdminAction> {
        let (pin, hash) = p.unlock(now)?;
        p.pin_checked(crate::core::pin_hash::verify_pin(&hash, &pin), now)
    }

    #[test]
    fn five_quick_taps_open_it_and_slow_ones_do_not() {
        let mut p = panel();
        for s in [0, 2, 4, 6, 8] {
            assert!(!p.tap(Duration::from_secs(s)));
        }
        assert!(!p.open);
        let taps: Vec<bool> = (0..5)
            .map(|i| p.tap(Duration::from_millis(20_000 + i * 300)))
            .collect();
        assert_eq!(taps, [false, false, false, false, true]);
        assert!(p.open && !p.unlocked);
    }

    #[test]
    fn the_right_pin_unlocks_and_five_wrong_ones_lock_it_for_five_minutes() {
        let mut p = panel();
        let t = Duration::from_secs(100);
        assert_eq!(p.act(AdminAction::Reboot), None, "nothing before the PIN");
        for _ in 0..4 {
            type_pin(&mut p, "000000");
            assert_eq!(unlock(&mut p, t), None);
        }
        assert!(p.error.as_ref().unwrap().en.contains("1 tries left"));
        type_pin(&mut p, "000000");
        unlock(&mut p, t);
        assert!(p.error.as_ref().unwrap().en.contains("5 min"));
        // Locked: even the right PIN waits.
        type_pin(&mut p, "246810");
        assert_eq!(
            p.unlock(t + Duration::from_secs(60)),
            None,
            "not even checked"
        );
        // A restart does not lift it.
        let saved = p.guard_state(t + Duration::from_secs(60));
        let mut p = panel();
        p.restore_guard(saved, Duration::ZERO);
        type_pin(&mut p, "246810");
        assert_eq!(unlock(&mut p, Duration::from_secs(200)), None);
        assert!(p.error.as_ref().unwrap().en.contains("1 min"));
        p.close();
        type_pin(&mut p, "246810");
        assert_eq!(
            unlock(&mut p, Duration::from_secs(241)),
            Some(AdminAction::Refresh),
            "the rest of the five minutes, counted across the restart"
        );
        assert!(p.unlocked);
        assert_eq!(p.act(AdminAction::Reboot), Some(AdminAction::Reboot));
        assert_eq!(p.act(AdminAction::ForceSync), None, "one action at a time");
        p.done(Ok("ok".into()));
        assert_eq!(p.act(AdminAction::ForceSync), Some(AdminAction::ForceSync));
    }

    #[test]
    fn without_a_configured_pin_it_stays_locked_and_says_why() {
        let mut p = AdminPanel::new("");
        type_pin(&mut p, "123456");
        assert_eq!(unlock(&mut p, Duration::ZERO), None);
        assert!(p.error.as_ref().unwrap().en.contains("pin_hash"));
    }
}
