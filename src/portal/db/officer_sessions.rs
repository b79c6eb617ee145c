//! Signed-in officers' sessions: the SHA-256 of each session cookie (a stolen database holds
//! no usable cookie), the token every form must carry, and when the session was last used.
//! A session ends at sign-out, after idling, after a working day, or when its account is
//! disabled or its password reset.

use crate::portal::db::audit::{Attribution, append_in};
use crate::portal::db::officers::{OFFICER_COLUMNS, Officer, officer_of, rfc3339};
use crate::portal::db::{PortalDb, PortalError};
use rusqlite::{OptionalExtension, params};

/// A session unused this long ends.
pub const IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after sign-in, however busy.
pub const LIFETIME_SECONDS: i64 = 10 * 3600;

/// A live session: its account and the token its forms carry.
#[derive(Debug, Clone)]
pub struct OfficerSession {
    pub officer: Officer,
    pub csrf: String,
}

impl PortalDb {
    /// Opens a session for `name` after a good password (clearing its failures), logged.
    pub fn open_session(
        &self,
        name: &str,
        token_hash: &str,
        csrf: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE officers SET failed = 0, locked_until = 0 WHERE name = ?1",
            [name],
        )?;
        tx.execute(
            "DELETE FROM officer_sessions WHERE last_seen < ?1 OR created_at < ?2",
            params![now - IDLE_SECONDS, now - LIFETIME_SECONDS],
        )?;
        tx.execute(
            "INSERT INTO officer_sessions (token_hash, officer, csrf, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![token_hash, name, csrf, now],
        )?;
        append_in(&tx, by, "sign_in", name, "", &rfc3339(now))?;
        tx.commit()?;
        Ok(())
    }

    /// The live session whose cookie hashes to `token_hash` (marking it used), or None when
    /// there is none, it idled or aged out, or its account is disabled.
    pub fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<OfficerSession>, PortalError> {
        let conn = self.lock();
        let columns = OFFICER_COLUMNS
            .split(", ")
            .map(|c| format!("o.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let found = conn
            .query_row(
                &format!(
                    "SELECT {columns}, s.csrf FROM officer_sessions s JOIN officers o ON o.name = s.officer
                     WHERE s.token_hash = ?1 AND s.last_seen >= ?2 AND s.created_at >= ?3 AND o.disabled = 0"
                ),
                params![token_hash, now - IDLE_SECONDS, now - LIFETIME_SECONDS],
                |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((row, csrf)) = found else {
            return Ok(None);
        };
        conn.execute(
            "UPDATE officer_sessions SET last_seen = ?2 WHERE token_hash = ?1",
            params![token_hash, now],
        )?;
        Ok(Some(OfficerSession {
            officer: officer_of(row)?,
            csrf,
        }))
    }

    /// Ends a session (sign-out), logged.
    pub fn close_session(
        &self,
        token_hash: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let closed = tx.execute(
            "DELETE FROM officer_sessions WHERE token_hash = ?1",
            [token_hash],
        )?;
        if closed > 0 {
            append_in(&tx, by, "sign_out", &by.actor, "", &rfc3339(now))?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::db::officers::{Communes, Role};

    #[test]
    fn a_session_ends_when_idle_when_old_at_sign_out_and_with_its_account() {
        let db = PortalDb::open_in_memory().unwrap();
        let by = Attribution::officer("lan", "127.0.0.1");
        db.add_officer("lan", "h", Role::Officer, &Communes::Every, &by, 0)
            .unwrap();
        db.open_session("lan", "a", "csrf-a", &by, 0).unwrap();
        // Used within the idle limit, again and again: alive, until its lifetime ends.
        let mut t = 0;
        while t + IDLE_SECONDS - 1 < LIFETIME_SECONDS {
            t += IDLE_SECONDS - 1;
            let s = db.session("a", t).unwrap().expect("alive while used");
            assert_eq!(
                (s.officer.name.as_str(), s.csrf.as_str()),
                ("lan", "csrf-a")
            );
        }
        assert!(db.session("a", LIFETIME_SECONDS + 1).unwrap().is_none());
        // Left idle.
        db.open_session("lan", "b", "csrf-b", &by, 100).unwrap();
        assert!(db.session("b", 100 + IDLE_SECONDS + 1).unwrap().is_none());
        // Signed out.
        db.open_session("lan", "c", "csrf-c", &by, 200).unwrap();
        db.close_session("c", &by, 201).unwrap();
        assert!(db.session("c", 202).unwrap().is_none());
        // Its account disabled, or its password reset.
        db.open_session("lan", "d", "csrf-d", &by, 300).unwrap();
        db.set_officer_password("lan", "h2", &by, 301).unwrap();
        assert!(db.session("d", 302).unwrap().is_none());
        db.open_session("lan", "e", "csrf-e", &by, 400).unwrap();
        db.set_officer_disabled("lan", true, &by, 401).unwrap();
        assert!(db.session("e", 402).unwrap().is_none());
        assert!(db.session("unknown", 402).unwrap().is_none());
    }
}
