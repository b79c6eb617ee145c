//! Assisted mode: a community digital-tech team member (tổ công nghệ số cộng đồng) signs in to
//! act for a resident, after the resident consents on screen; the dossier records who helped.
//! Owns the helper roster, PIN checking and the lockout after repeated wrong PINs. Pure: time
//! comes in as an argument; must not read the configuration file or know the screen.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Wrong PINs in a row before sign-in is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long sign-in stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    pub id: String,
    pub name: String,
    /// The PIN's Argon2id hash (PHC string, `pin_hash::hash_pin`).
    pub pin_hash: String,
    /// Their 12-digit personal ID (sign-in with their own card), if given.
    pub personal_id: String,
}

/// A new stored form of a helper's or the admin screen's PIN: Argon2id with a fresh salt
/// (the random salt comes from the caller; see `pin_hash`).
pub fn pin_hash(pin: &str, salt: [u8; 16]) -> String {
    crate::core::pin_hash::hash_pin(pin, salt)
}

/// Who helped with a dossier, sealed with its answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistedBy {
    pub helper_id: String,
    pub helper_name: String,
    /// How the helper proved who they are: "pin" or "card".
    pub signed_in_with: String,
    /// When the resident consented (RFC 3339).
    pub consented_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Accepted,
    WrongPin {
        tries_left: u32,
    },
    /// Locked for this much longer.
    Locked(Duration),
    UnknownHelper,
}

/// Counts wrong PINs and locks sign-in after `MAX_FAILURES` in a row.
#[derive(Debug, Clone, Default)]
pub struct PinGuard {
    failures: u32,
    locked_until: Option<Duration>,
}

/// What a `PinGuard` must remember across a restart: wrong PINs in a row, and how much of a
/// lockout is left (restarting the kiosk must not reset either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PinGuardState {
    pub failures: u32,
    pub lock_left_secs: u64,
}

/// A lockout as it was kept, and when (`None`: nothing kept).
pub type SavedLockout = Option<(PinGuardState, chrono::DateTime<chrono::Utc>)>;

impl PinGuardState {
    /// This state, kept at `saved_at`, as it stands at `now`: the time the kiosk was off counts
    /// against the lockout; a clock that went backwards never shortens it.
    pub fn as_of(
        self,
        saved_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> PinGuardState {
        let off_for = (now - saved_at).num_seconds().max(0) as u64;
        PinGuardState {
            failures: self.failures,
            lock_left_secs: self.lock_left_secs.saturating_sub(off_for),
        }
    }
}

impl PinGuard {
    /// The state to keep, seen at `now`.
    pub fn state(&self, now: Duration) -> PinGuardState {
        PinGuardState {
            failures: self.failures,
            lock_left_secs: self
                .locked_until
                .map(|until| until.saturating_sub(now).as_secs())
                .unwrap_or(0),
        }
    }

    /// A guard that goes on from `state` at `now` (time since this start).
    pub fn restored(state: PinGuardState, now: Duration) -> PinGuard {
        let lock = Duration::from_secs(state.lock_left_secs).min(LOCKOUT);
        PinGuard {
            failures: state.failures.min(MAX_FAILURES),
            locked_until: (!lock.is_zero()).then(|| now + lock),
        }
    }

    /// How much longer sign-in is locked at `now` (time since the kiosk started), if it is.
    pub fn locked(&mut self, now: Duration) -> Option<Duration> {
        if let Some(until) = self.locked_until {
            if now < until {
                return Some(until - now);
            }
            self.locked_until = None;
            self.failures = 0;
        }
        None
    }

    /// Records whether a PIN matched (the slow hash is checked away from the screen's
    /// thread): accepted, the tries left, or locked.
    pub fn record(&mut self, matched: bool, now: Duration) -> SignIn {
        if let Some(left) = self.locked(now) {
            return SignIn::Locked(left);
        }
        if matched {
            self.failures = 0;
            return SignIn::Accepted;
        }
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            self.locked_until = Some(now + LOCKOUT);
            return SignIn::Locked(LOCKOUT);
        }
        SignIn::WrongPin {
            tries_left: MAX_FAILURES - self.failures,
        }
    }

    /// Checks `pin` for `helper` at `now` in one step (tools and tests; the screens use
    /// `locked`, then `record` once the hash was checked in the background).
    pub fn sign_in(&mut self, helper: Option<&Helper>, pin: &str, now: Duration) -> SignIn {
        if let Some(left) = self.locked(now) {
            return SignIn::Locked(left);
        }
        let Some(helper) = helper else {
            return SignIn::UnknownHelper;
        };
        let matched = crate::core::pin_hash::verify_pin(&helper.pin_hash, pin);
        self.record(matched, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> Helper {
        Helper {
            id: "TCN-01".into(),
            name: "Nguyễn Thị Hoa".into(),
            pin_hash: pin_hash("2468", [9; 16]),
            personal_id: String::new(),
        }
    }

    #[test]
    fn the_right_pin_signs_in_and_the_hash_is_salted() {
        let mut g = PinGuard::default();
        assert_eq!(
            g.sign_in(Some(&helper()), "2468", Duration::ZERO),
            SignIn::Accepted
        );
        assert_ne!(pin_hash("2468", [1; 16]), pin_hash("2468", [2; 16]));
        assert_eq!(
            g.sign_in(None, "2468", Duration::ZERO),
            SignIn::UnknownHelper
        );
    }

    #[test]
    fn five_wrong_pins_lock_sign_in_for_five_minutes() {
        let mut g = PinGuard::default();
        let h = helper();
        for left in (1..MAX_FAILURES).rev() {
            assert_eq!(
                g.sign_in(Some(&h), "0000", Duration::ZERO),
                SignIn::WrongPin { tries_left: left }
            );
        }
        assert_eq!(
            g.sign_in(Some(&h), "0000", Duration::ZERO),
            SignIn::Locked(LOCKOUT)
        );
        // Even the right PIN is refused while locked.
        assert_eq!(
            g.sign_in(Some(&h), "2468", Duration::from_secs(60)),
            SignIn::Locked(Duration::from_secs(240))
        );
        assert_eq!(g.sign_in(Some(&h), "2468", LOCKOUT), SignIn::Accepted);
    }

    #[test]
    fn a_lockout_survives_being_saved_and_restored() {
        let h = helper();
        let mut g = PinGuard::default();
        for _ in 0..MAX_FAILURES {
            g.sign_in(Some(&h), "0000", Duration::ZERO);
        }
        let saved = g.state(Duration::from_secs(100));
        assert_eq!(saved.lock_left_secs, LOCKOUT.as_secs() - 100);
        // After a restart the clock starts again at zero.
        let mut again = PinGuard::restored(saved, Duration::ZERO);
        assert!(matches!(
            again.sign_in(Some(&h), "2468", Duration::from_secs(10)),
            SignIn::Locked(_)
        ));
        assert_eq!(
            again.sign_in(Some(&h), "2468", LOCKOUT - Duration::from_secs(100)),
            SignIn::Accepted
        );
        // Wrong PINs short of a lockout are remembered too.
        let mut g = PinGuard::default();
        g.sign_in(Some(&h), "0000", Duration::ZERO);
        let mut again = PinGuard::restored(g.state(Duration::ZERO), Duration::ZERO);
        assert_eq!(
            again.sign_in(Some(&h), "0000", Duration::ZERO),
            SignIn::WrongPin {
                tries_left: MAX_FAILURES - 2
            }
        );
    }
}
