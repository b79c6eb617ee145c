//! The PIN lockouts kept across restarts: wrong PINs in a row and the lockout left, for the
//! admin screen and for the helpers' sign-in, with the time they were kept so that the time
//! the kiosk was off counts (`PinGuardState::as_of`).

use crate::core::assist::PinGuardState;
use crate::store::dossier_store::{parse_time, stamp};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

/// Which sign-in a lockout guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinUser {
    Admin,
    Helpers,
}

impl PinUser {
    fn key(self) -> &'static str {
        match self {
            PinUser::Admin => "pin_lockout_admin",
            PinUser::Helpers => "pin_lockout_helpers",
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    #[serde(flatten)]
    state: PinGuardState,
    saved_at: String,
}

impl Store {
    /// Keeps `state` for `user`, seen at `now`.
    pub fn save_pin_lockout(
        &mut self,
        user: PinUser,
        state: PinGuardState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(&Saved {
            state,
            saved_at: stamp(now),
        })
        .map_err(|e| StoreError::Decode(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [user.key(), value.as_str()],
        )?;
        Ok(())
    }

    /// The lockout kept for `user` and when it was kept (`None`: no wrong PIN yet).
    pub fn pin_lockout(
        &self,
        user: PinUser,
    ) -> Result<Option<(PinGuardState, DateTime<Utc>)>, StoreError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [user.key()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value
            .and_then(|v| serde_json::from_str::<Saved>(&v).ok())
            .and_then(|saved| Some((saved.state, parse_time(&saved.saved_at).ok()?))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dossier_store::tests::sealer;

    #[test]
    fn a_lockout_is_kept_per_sign_in_and_counts_the_time_the_kiosk_was_off() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let t0: DateTime<Utc> = "2026-12-06T09:00:00Z".parse().unwrap();
        assert_eq!(store.pin_lockout(PinUser::Admin).unwrap(), None);
        let locked = PinGuardState {
            failures: 5,
            lock_left_secs: 300,
        };
        store.save_pin_lockout(PinUser::Admin, locked, t0).unwrap();
        let (state, at) = store.pin_lockout(PinUser::Admin).unwrap().unwrap();
        assert_eq!((state, at), (locked, t0));
        let later = state.as_of(at, t0 + chrono::Duration::seconds(100));
        assert_eq!(later.lock_left_secs, 200);
        let earlier = state.as_of(at, t0 - chrono::Duration::hours(5));
        assert_eq!(
            earlier.lock_left_secs, 300,
            "a clock going back never shortens it"
        );
        assert_eq!(store.pin_lockout(PinUser::Helpers).unwrap(), None);
    }
}
