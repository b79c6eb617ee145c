//! The kiosks the portal knows: enrollment of each one's device key (one key per kiosk id,
//! handed over only by the enrolled key), their heartbeats and the fleet view.

use crate::portal::db::{Device, PortalDb, PortalError};
use crate::protocol::contract::{Enrolled, Enrollment, Heartbeat};
use rusqlite::{Connection, OptionalExtension, params};

/// Whether `public_key` is, or was, a device key of `kiosk_id`.
pub(super) fn is_key_of(
    conn: &Connection,
    kiosk_id: &str,
    public_key: &str,
) -> Result<bool, PortalError> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM device_keys WHERE kiosk_id = ?1 AND public_key = ?2",
        [kiosk_id, public_key],
        |r| r.get(0),
    )?)
}

pub(super) fn enrolled_key(
    conn: &Connection,
    kiosk_id: &str,
) -> Result<Option<String>, PortalError> {
    Ok(conn
        .query_row(
            "SELECT public_key FROM devices WHERE kiosk_id = ?1",
            [kiosk_id],
            |r| r.get(0),
        )
        .optional()?)
}

impl PortalDb {
    /// Enrolls a kiosk's device key. The same key again is a harmless repeat; another key for
    /// an enrolled kiosk id is refused (a replaced kiosk is retired by an administrator first)
    /// unless the enrolled key handed over to it (`key_handover`).
    pub fn enroll(&self, e: &Enrollment, now: &str) -> Result<Enrolled, PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let enrolled = enroll_in(&tx, e, now)?;
        tx.commit()?;
        Ok(enrolled)
    }

    /// The device key a kiosk enrolled, if it did.
    pub fn device_key(&self, kiosk_id: &str) -> Result<Option<String>, PortalError> {
        enrolled_key(&self.lock(), kiosk_id)
    }

    /// Records a kiosk's heartbeat (the latest one is kept).
    pub fn heartbeat(&self, beat: &Heartbeat, now: &str) -> Result<(), PortalError> {
        let body = serde_json::to_string(beat).unwrap_or_default();
        let updated = self.lock().execute(
            "UPDATE devices SET last_heartbeat = ?2, last_seen_at = ?3 WHERE kiosk_id = ?1",
            params![beat.kiosk_id, body, now],
        )?;
        if updated == 0 {
            return Err(PortalError::NotEnrolled);
        }
        Ok(())
    }

    pub fn devices(&self) -> Result<Vec<Device>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT kiosk_id, place, enrolled_at, last_seen_at, last_heartbeat, commune, update_group
             FROM devices ORDER BY kiosk_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Device {
                kiosk_id: r.get(0)?,
                place: r.get(1)?,
                enrolled_at: r.get(2)?,
                last_seen_at: r.get(3)?,
                last_heartbeat: r
                    .get::<_, Option<String>>(4)?
                    .and_then(|t| serde_json::from_str(&t).ok()),
                commune: r.get(5)?,
                update_group: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Enrolls a kiosk's device key in the caller's transaction (`PortalDb::enroll`).
pub(super) fn enroll_in(
    tx: &Connection,
    e: &Enrollment,
    now: &str,
) -> Result<Enrolled, PortalError> {
    if !crate::protocol::signing::is_public_key(&e.public_key) {
        return Err(PortalError::BadUpload(
            "the device key is not an ed25519 public key".into(),
        ));
    }
    if e.kiosk_id.trim().is_empty() || e.kiosk_id.len() > 64 {
        return Err(PortalError::BadUpload(
            "the kiosk id must be 1 to 64 characters".into(),
        ));
    }
    let commune = e.commune_code.trim();
    if !commune.is_empty() && (commune.len() != 5 || !commune.bytes().all(|b| b.is_ascii_digit())) {
        return Err(PortalError::BadUpload(
            "the commune code must be the 5 digits of the administrative units list".into(),
        ));
    }
    let earlier = crate::protocol::key_handover::predecessors(&e.public_key, &e.handovers);
    let enrolled_at = match tx
        .query_row(
            "SELECT public_key, enrolled_at FROM devices WHERE kiosk_id = ?1",
            [&e.kiosk_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
    {
        // Another key for an enrolled kiosk: only when the enrolled key handed over to it.
        Some((key, _)) if key != e.public_key && !earlier.contains(&key) => {
            return Err(PortalError::KeyMismatch);
        }
        Some((_, at)) => {
            tx.execute(
                "UPDATE devices SET public_key = ?2, place = ?3, app_version = ?4, last_seen_at = ?5, commune = ?6 WHERE kiosk_id = ?1",
                params![e.kiosk_id, e.public_key, e.place, e.app_version, now, commune],
            )?;
            at
        }
        None => {
            tx.execute(
                "INSERT INTO devices (kiosk_id, public_key, place, app_version, enrolled_at, last_seen_at, commune)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                params![e.kiosk_id, e.public_key, e.place, e.app_version, now, commune],
            )?;
            now.to_string()
        }
    };
    for key in std::iter::once(&e.public_key).chain(&earlier) {
        tx.execute(
            "INSERT OR IGNORE INTO device_keys (kiosk_id, public_key, since) VALUES (?1, ?2, ?3)",
            params![e.kiosk_id, key, now],
        )?;
    }
    Ok(Enrolled {
        kiosk_id: e.kiosk_id.clone(),
        enrolled_at,
        sealing_public_key: None,
        catalogue_public_key: None,
    })
}
