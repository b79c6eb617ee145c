//! Assisted mode: a community digital-tech team member (tổ công nghệ số cộng đồng) signs in to
//! act for a resident, after the resident consents on screen; the dossier records who helped.
//! Owns the helper roster, PIN checking and the lockout after repeated wrong PINs. Pure: time
//! comes in as an argument; must not read the configuration file or know the screen.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Wrong PINs in a row before sign-in is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long sign-in stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    pub id: String,
    pub name: String,
    /// hex SHA-256 of `pin_message(id, pin)`.
    pub pin_sha256: String,
    /// Their 12-digit personal ID (sign-in with their own card), if given.
    pub personal_id: String,
}

/// What is hashed for a helper's PIN (the id salts it, so equal PINs differ).
pub fn pin_hash(helper_id: &str, pin: &str) -> String {
    hex::encode(Sha256::digest(format!("xakiosk-helper:{helper_id}:{pin}")))
}

/// The stored form of the technician's admin-screen PIN (`[admin] pin_sha256`).
pub fn admin_pin_hash(pin: &str) -> String {
    pin_hash("xakiosk-admin", pin)
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

impl PinGuard {
    /// Checks `pin` for `helper` at `now` (time since the kiosk started).
    pub fn sign_in(&mut self, helper: Option<&Helper>, pin: &str, now: Duration) -> SignIn {
        if let Some(until) = self.locked_until {
            if now < until {
                return SignIn::Locked(until - now);
            }
            self.locked_until = None;
            self.failures = 0;
        }
        let Some(helper) = helper else {
            return SignIn::UnknownHelper;
        };
        let expected = helper.pin_sha256.to_ascii_lowercase();
        let given = pin_hash(&helper.id, pin);
        // Compare every byte (no early exit on the first difference).
        let same = expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same && !pin.is_empty() {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> Helper {
        Helper {
            id: "TCN-01".into(),
            name: "Nguyễn Thị Hoa".into(),
            pin_sha256: pin_hash("TCN-01", "2468"),
            personal_id: String::new(),
        }
    }

    #[test]
    fn the_right_pin_signs_in_and_the_hash_is_salted_by_id() {
        let mut g = PinGuard::default();
        assert_eq!(
            g.sign_in(Some(&helper()), "2468", Duration::ZERO),
            SignIn::Accepted
        );
        assert_ne!(pin_hash("TCN-01", "2468"), pin_hash("TCN-02", "2468"));
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
}
