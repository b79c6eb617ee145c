//! Per-kiosk enrollment tokens: an administrator issues one for a kiosk id and its commune;
//! it expires, and it enrolls one device key — the same key may repeat its enrollment (a
//! kiosk enrolls again after each restart), another key is refused. Only the SHA-256 of a
//! token is kept. Retiring a kiosk forgets its keys, so a replacement can enroll under the
//! same id with a new token.

use crate::portal::db::audit::{Attribution, append_in};
use crate::portal::db::kiosks::enroll_in;
use crate::portal::db::officers::rfc3339;
use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::{Enrolled, Enrollment};
use rusqlite::{OptionalExtension, params};

/// An issued token, as the administrators' page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub kiosk_id: String,
    pub commune: String,
    pub issued_by: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub expires_at: i64,
    /// The device key it enrolled, once used.
    pub used_by_key: Option<String>,
}

fn valid_commune(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

impl PortalDb {
    /// Records a token (its hash) for `kiosk_id` in `commune`, valid `valid_for` seconds.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_enrollment_token(
        &self,
        token_hash: &str,
        kiosk_id: &str,
        commune: &str,
        valid_for: i64,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let kiosk_id = kiosk_id.trim();
        if kiosk_id.is_empty() || kiosk_id.len() > 64 || kiosk_id.chars().any(char::is_control) {
            return Err(PortalError::BadAccount(
                "the kiosk id must be 1 to 64 printable characters".into(),
            ));
        }
        if !valid_commune(commune.trim()) {
            return Err(PortalError::BadAccount(
                "the commune code must be the 5 digits of the administrative units list".into(),
            ));
        }
        if !(3600..=90 * 24 * 3600).contains(&valid_for) {
            return Err(PortalError::BadAccount(
                "a token is valid from one hour to 90 days".into(),
            ));
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO enrollment_tokens (token_hash, kiosk_id, commune, issued_by, issued_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, kiosk_id, commune.trim(), by.actor, now, now + valid_for],
        )?;
        let detail = format!(
            "commune {} until {}",
            commune.trim(),
            rfc3339(now + valid_for)
        );
        append_in(&tx, by, "token_issued", kiosk_id, &detail, &rfc3339(now))?;
        tx.commit()?;
        Ok(())
    }

    /// Enrolls with a per-kiosk token: it must exist, name this kiosk id, and be unused and
    /// unexpired — or have enrolled this very key before (a repeat). The kiosk's commune is
    /// the token's, whatever the kiosk says.
    pub fn enroll_with_token(
        &self,
        token_hash: &str,
        e: &Enrollment,
        now: i64,
    ) -> Result<Enrolled, PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let token: Option<(String, String, i64, Option<String>)> = tx
            .query_row(
                "SELECT kiosk_id, commune, expires_at, used_by_key FROM enrollment_tokens WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let refused = |why: &str| Err(PortalError::TokenRefused(why.to_string()));
        let Some((kiosk_id, commune, expires_at, used_by_key)) = token else {
            return refused("unknown enrollment token");
        };
        if kiosk_id != e.kiosk_id {
            return refused("this enrollment token was issued for another kiosk id");
        }
        match used_by_key {
            Some(key) if key != e.public_key => {
                return refused("this enrollment token has already been used");
            }
            Some(_) => {}
            None if expires_at <= now => return refused("this enrollment token has expired"),
            None => {}
        }
        let bound = Enrollment {
            commune_code: commune,
            ..e.clone()
        };
        let enrolled = enroll_in(&tx, &bound, &rfc3339(now))?;
        tx.execute(
            "UPDATE enrollment_tokens SET used_by_key = ?2, used_at = coalesce(used_at, ?3) WHERE token_hash = ?1",
            params![token_hash, e.public_key, now],
        )?;
        tx.commit()?;
        Ok(enrolled)
    }

    /// The tokens issued, newest first.
    pub fn enrollment_tokens(&self) -> Result<Vec<IssuedToken>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT kiosk_id, commune, issued_by, issued_at, expires_at, used_by_key
             FROM enrollment_tokens ORDER BY issued_at DESC LIMIT 200",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(IssuedToken {
                kiosk_id: r.get(0)?,
                commune: r.get(1)?,
                issued_by: r.get(2)?,
                issued_at: r.get(3)?,
                expires_at: r.get(4)?,
                used_by_key: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Retires a kiosk: its device keys are forgotten (its requests are refused from now on)
    /// and its unused tokens too; its dossiers stay. A replacement enrolls with a new token.
    pub fn retire_kiosk(
        &self,
        kiosk_id: &str,
        by: &Attribution,
        now: i64,
    ) -> Result<(), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let retired = tx.execute("DELETE FROM devices WHERE kiosk_id = ?1", [kiosk_id])?;
        if retired == 0 {
            return Err(PortalError::NotFound);
        }
        tx.execute("DELETE FROM device_keys WHERE kiosk_id = ?1", [kiosk_id])?;
        tx.execute(
            "DELETE FROM enrollment_tokens WHERE kiosk_id = ?1",
            [kiosk_id],
        )?;
        append_in(&tx, by, "kiosk_retired", kiosk_id, "", &rfc3339(now))?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrollment(kiosk: &str, seed: u8) -> Enrollment {
        Enrollment {
            kiosk_id: kiosk.into(),
            public_key: crate::protocol::signing::DeviceKey::from_seed([seed; 32]).public_base64(),
            place: String::new(),
            commune_code: String::new(),
            app_version: "test".into(),
            handovers: Vec::new(),
        }
    }

    #[test]
    fn a_token_enrolls_one_key_of_one_kiosk_before_it_expires() {
        let db = PortalDb::open_in_memory().unwrap();
        let by = Attribution::officer("quan-tri", "127.0.0.1");
        db.issue_enrollment_token("h1", "K1", "00070", 86400, &by, 1000)
            .unwrap();
        db.issue_enrollment_token("h2", "K2", "00070", 3600, &by, 1000)
            .unwrap();
        // Expired before use.
        let late = db.enroll_with_token("h2", &enrollment("K2", 2), 1000 + 3600);
        assert!(matches!(late, Err(PortalError::TokenRefused(m)) if m.contains("expired")));
        // Used once; the same key again, even after expiry, is a repeat.
        db.enroll_with_token("h1", &enrollment("K1", 1), 2000)
            .unwrap();
        db.enroll_with_token("h1", &enrollment("K1", 1), 1000 + 86400 * 2)
            .unwrap();
        let twice = db.enroll_with_token("h1", &enrollment("K1", 9), 2001);
        assert!(matches!(twice, Err(PortalError::TokenRefused(m)) if m.contains("already")));
        let unknown = db.enroll_with_token("nope", &enrollment("K1", 1), 2001);
        assert!(matches!(unknown, Err(PortalError::TokenRefused(_))));
        // Bad requests to issue.
        assert!(
            db.issue_enrollment_token("h3", "", "00070", 86400, &by, 0)
                .is_err()
        );
        assert!(
            db.issue_enrollment_token("h3", "K3", "Hà Nội", 86400, &by, 0)
                .is_err()
        );
        assert!(
            db.issue_enrollment_token("h3", "K3", "00070", 60, &by, 0)
                .is_err()
        );
        assert_eq!(db.enrollment_tokens().unwrap().len(), 2);
        // Retired: its keys and tokens are forgotten; its id can enroll anew with a new token.
        db.retire_kiosk("K1", &by, 3000).unwrap();
        assert_eq!(db.device_key("K1").unwrap(), None);
        assert!(
            db.enroll_with_token("h1", &enrollment("K1", 1), 3001)
                .is_err()
        );
        db.issue_enrollment_token("h4", "K1", "00073", 86400, &by, 3002)
            .unwrap();
        db.enroll_with_token("h4", &enrollment("K1", 5), 3003)
            .unwrap();
        assert!(matches!(
            db.retire_kiosk("K9", &by, 0),
            Err(PortalError::NotFound)
        ));
    }
}
