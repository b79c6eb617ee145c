//! The portal's database: dossiers received (keyed by the kiosk's UUID, with the hash of the
//! body first received), sealed photos by content hash, officers' decisions as a numbered
//! change log that kiosks pull with a cursor. Every receive is one transaction, so a dossier
//! is stored once however often it is sent.

use crate::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Enrollment, Heartbeat, SignedCatalogue, StatusChange,
    StatusPage, UploadProgress,
};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;

/// The portal's schema, step by step (`PRAGMA user_version` counts the steps applied).
const MIGRATIONS: [&str; 5] = [
    "
CREATE TABLE IF NOT EXISTS received (
    id          TEXT PRIMARY KEY,
    body_hash   TEXT NOT NULL,
    body        TEXT NOT NULL,
    reference   TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'accepted'
);
CREATE TABLE IF NOT EXISTS attachments (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (dossier_id, sha256)
);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id   TEXT PRIMARY KEY,
    public_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    id    TEXT NOT NULL,
    state TEXT NOT NULL,
    note  TEXT,
    at    TEXT NOT NULL
);
",
    "
-- Enrollment replaces trust on first use: the pinned keys become enrolled devices.
CREATE TABLE devices (
    kiosk_id       TEXT PRIMARY KEY,
    public_key     TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    app_version    TEXT NOT NULL DEFAULT '',
    enrolled_at    TEXT NOT NULL,
    last_seen_at   TEXT,
    last_heartbeat TEXT
);
INSERT INTO devices (kiosk_id, public_key, enrolled_at)
    SELECT kiosk_id, public_key, '' FROM kiosks;
DROP TABLE kiosks;
ALTER TABLE received ADD COLUMN kiosk_id TEXT NOT NULL DEFAULT '';
UPDATE received SET kiosk_id = coalesce(json_extract(body, '$.kiosk_id'), '');
CREATE INDEX received_by_kiosk ON received (kiosk_id);
-- Photos arriving in chunks: kept here, assembled into attachments once whole and checked.
CREATE TABLE uploads (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    total      INTEGER NOT NULL,
    received   INTEGER NOT NULL,
    PRIMARY KEY (dossier_id, sha256)
);
CREATE TABLE upload_chunks (
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    offset     INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (dossier_id, sha256, offset)
);
CREATE TABLE catalogues (
    version INTEGER PRIMARY KEY,
    signed  TEXT NOT NULL
);
",
    "
-- Residents' satisfaction ratings, one per dossier (a later one replaces it).
CREATE TABLE ratings (
    dossier_id  TEXT PRIMARY KEY REFERENCES received (id),
    kiosk_id    TEXT NOT NULL,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    reasons     TEXT NOT NULL,
    rated_at    TEXT NOT NULL,
    received_at TEXT NOT NULL
);
",
    "
-- Help requests and cabinet-door events from kiosks, for the one-stop office and technicians.
CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (received_at);
",
    "
-- Every device key a kiosk id has used: its enrolled key, and earlier keys that handed over
-- to it (signed). A receipt is genuine when signed by one of the sending kiosk's keys.
CREATE TABLE device_keys (
    kiosk_id   TEXT NOT NULL,
    public_key TEXT NOT NULL,
    since      TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, public_key)
);
INSERT INTO device_keys (kiosk_id, public_key, since)
    SELECT kiosk_id, public_key, enrolled_at FROM devices;
",
];

/// The largest photo the portal takes (sealed bytes).
pub const MAX_ATTACHMENT_BYTES: u64 = 32 * 1024 * 1024;

fn migrate(conn: &mut Connection) -> Result<(), PortalError> {
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    let steps: Vec<rusqlite_migration::M<'static>> = MIGRATIONS
        .iter()
        .map(|sql| rusqlite_migration::M::up(sql))
        .collect();
    rusqlite_migration::Migrations::new(steps)
        .to_latest(conn)
        .map_err(|e| PortalError::Migration(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("a different dossier was already received under this id")]
    Conflict,
    #[error("attachments not uploaded yet: {0:?}")]
    MissingAttachments(Vec<String>),
    #[error("no such dossier")]
    NotFound,
    #[error("the receipt does not check out: {0}")]
    BadReceipt(String),
    #[error("a decision must be accepted, rejected or needs_fix")]
    BadDecision,
    #[error("this kiosk is not enrolled")]
    NotEnrolled,
    #[error("this kiosk id is enrolled with another device key")]
    KeyMismatch,
    #[error("the upload is at byte {0}, not where this chunk starts")]
    WrongOffset(u64),
    #[error("the photo does not match its hash; it must be sent again from the start")]
    HashMismatch,
    #[error("the upload is too large or inconsistent: {0}")]
    BadUpload(String),
    #[error("the catalogue bundle is not newer than the published one")]
    StaleCatalogue,
    #[error("database schema: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The receipt must be genuine (signature), be about this dossier, hash exactly what arrived,
/// and be signed by one of the sending kiosk's device keys: the one it enrolled, or an earlier
/// one that handed over to it. The kiosk id in the receipt is the one the kiosk had when it
/// took the dossier; a kiosk re-provisioned under a new id still sends what it took before.
fn check_receipt(
    tx: &rusqlite::Transaction,
    id: &str,
    upload: &DossierUpload,
    text: &str,
) -> Result<(), PortalError> {
    use base64::Engine as _;
    let bad = |m: &str| PortalError::BadReceipt(m.to_string());
    let receipt =
        crate::protocol::receipt::Receipt::parse(text).map_err(|e| bad(&e.to_string()))?;
    receipt.verify().map_err(|e| bad(&e.to_string()))?;
    if receipt.dossier_id != id || receipt.code != upload.code {
        return Err(bad("it names another dossier"));
    }
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&upload.sealed_answers)
        .map_err(|_| bad("answers are not base64"))?;
    let mut photos: Vec<&str> = upload
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    photos.sort_unstable();
    photos.dedup();
    if crate::protocol::receipt::content_hash(&sealed, &photos) != receipt.content_hash {
        return Err(bad(
            "the dossier received is not the one the receipt was given for",
        ));
    }
    if enrolled_key(tx, &upload.kiosk_id)?.is_none() {
        return Err(bad("the kiosk that sent it is not enrolled"));
    }
    if is_key_of(tx, &upload.kiosk_id, &receipt.public_key)? {
        Ok(())
    } else {
        Err(bad("signed by a key that is not the sending kiosk's"))
    }
}

/// Whether `public_key` is, or was, a device key of `kiosk_id`.
fn is_key_of(conn: &Connection, kiosk_id: &str, public_key: &str) -> Result<bool, PortalError> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM device_keys WHERE kiosk_id = ?1 AND public_key = ?2",
        [kiosk_id, public_key],
        |r| r.get(0),
    )?)
}

fn enrolled_key(conn: &Connection, kiosk_id: &str) -> Result<Option<String>, PortalError> {
    Ok(conn
        .query_row(
            "SELECT public_key FROM devices WHERE kiosk_id = ?1",
            [kiosk_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// How much of a photo the portal holds: whole in `attachments`, or in part in `uploads`.
fn upload_progress_in(
    conn: &Connection,
    id: &str,
    sha256: &str,
) -> Result<UploadProgress, PortalError> {
    if let Some(len) = conn
        .query_row(
            "SELECT length(bytes) FROM attachments WHERE dossier_id = ?1 AND sha256 = ?2",
            params![id, sha256],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        return Ok(UploadProgress {
            received: len as u64,
            complete: true,
        });
    }
    let received = conn
        .query_row(
            "SELECT received FROM uploads WHERE dossier_id = ?1 AND sha256 = ?2",
            params![id, sha256],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0);
    Ok(UploadProgress {
        received: received as u64,
        complete: false,
    })
}

/// An enrolled kiosk, for the officer page's fleet view.
#[derive(Debug, Clone)]
pub struct Device {
    pub kiosk_id: String,
    pub place: String,
    pub enrolled_at: String,
    pub last_seen_at: Option<String>,
    pub last_heartbeat: Option<Heartbeat>,
}

pub struct PortalDb {
    conn: Mutex<Connection>,
}

/// One received dossier, for the officer page.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub reference: String,
    pub received_at: String,
    pub state: String,
    pub upload: DossierUpload,
}

impl PortalDb {
    pub fn open(path: &Path) -> Result<PortalDb, PortalError> {
        let mut conn = Connection::open(path)?;
        migrate(&mut conn)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    pub fn open_in_memory() -> Result<PortalDb, PortalError> {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Enrolls a kiosk's device key. The same key again is a harmless repeat; another key for
    /// an enrolled kiosk id is refused (a replaced kiosk is retired by an administrator first)
    /// unless the enrolled key handed over to it (`key_handover`).
    pub fn enroll(&self, e: &Enrollment, now: &str) -> Result<Enrolled, PortalError> {
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
        let earlier = crate::protocol::key_handover::predecessors(&e.public_key, &e.handovers);
        let mut conn = self.lock();
        let tx = conn.transaction()?;
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
                    "UPDATE devices SET public_key = ?2, place = ?3, app_version = ?4, last_seen_at = ?5 WHERE kiosk_id = ?1",
                    params![e.kiosk_id, e.public_key, e.place, e.app_version, now],
                )?;
                at
            }
            None => {
                tx.execute(
                    "INSERT INTO devices (kiosk_id, public_key, place, app_version, enrolled_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                    params![e.kiosk_id, e.public_key, e.place, e.app_version, now],
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
        tx.commit()?;
        Ok(Enrolled {
            kiosk_id: e.kiosk_id.clone(),
            enrolled_at,
            sealing_public_key: None,
            catalogue_public_key: None,
        })
    }

    /// The device key a kiosk enrolled, if it did.
    pub fn device_key(&self, kiosk_id: &str) -> Result<Option<String>, PortalError> {
        enrolled_key(&self.lock(), kiosk_id)
    }

    /// How much of a photo the portal holds.
    pub fn upload_progress(&self, id: &str, sha256: &str) -> Result<UploadProgress, PortalError> {
        upload_progress_in(&self.lock(), id, sha256)
    }

    /// Appends a chunk of a sealed photo at `offset`. The photo is addressed by the SHA-256 of
    /// the clear image (which only the portal's private key can check); `checksum` is the
    /// SHA-256 of the sealed bytes, checked when the last byte arrives — a mismatch discards
    /// the upload. A photo already complete is a harmless repeat.
    pub fn append_upload(
        &self,
        id: &str,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<UploadProgress, PortalError> {
        if total > MAX_ATTACHMENT_BYTES || offset + chunk.len() as u64 > total {
            return Err(PortalError::BadUpload(format!(
                "{} bytes at {offset} of a {total}-byte photo (at most {MAX_ATTACHMENT_BYTES})",
                chunk.len()
            )));
        }
        // Checked inside the transaction, so two requests for the same photo cannot both
        // append at the same offset.
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let progress = upload_progress_in(&tx, id, sha256)?;
        if progress.complete {
            return Ok(progress);
        }
        if progress.received != offset {
            return Err(PortalError::WrongOffset(progress.received));
        }
        let stored: Option<(i64, String)> = tx
            .query_row(
                "SELECT total, checksum FROM uploads WHERE dossier_id = ?1 AND sha256 = ?2",
                params![id, sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match stored.map(|(t, c)| (t as u64, c)) {
            Some((t, c)) if t != total || c != checksum => {
                return Err(PortalError::BadUpload(
                    "the photo's length or checksum changed mid-upload".into(),
                ));
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO uploads (dossier_id, sha256, checksum, total, received) VALUES (?1, ?2, ?3, ?4, 0)",
                    params![id, sha256, checksum, total as i64],
                )?;
            }
        }
        let received = offset + chunk.len() as u64;
        if !chunk.is_empty() {
            tx.execute(
                "INSERT INTO upload_chunks (dossier_id, sha256, offset, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![id, sha256, offset as i64, chunk],
            )?;
        }
        tx.execute(
            "UPDATE uploads SET received = ?3 WHERE dossier_id = ?1 AND sha256 = ?2",
            params![id, sha256, received as i64],
        )?;
        if received < total {
            tx.commit()?;
            return Ok(UploadProgress {
                received,
                complete: false,
            });
        }
        let mut bytes = Vec::with_capacity(total as usize);
        {
            let mut stmt = tx.prepare(
                "SELECT bytes FROM upload_chunks WHERE dossier_id = ?1 AND sha256 = ?2 ORDER BY offset",
            )?;
            let mut rows = stmt.query(params![id, sha256])?;
            while let Some(row) = rows.next()? {
                bytes.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
            }
        }
        for table in ["uploads", "upload_chunks"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE dossier_id = ?1 AND sha256 = ?2"),
                params![id, sha256],
            )?;
        }
        if hex::encode(Sha256::digest(&bytes)) != checksum {
            tx.commit()?;
            return Err(PortalError::HashMismatch);
        }
        tx.execute(
            "INSERT OR IGNORE INTO attachments (dossier_id, sha256, bytes) VALUES (?1, ?2, ?3)",
            params![id, sha256, bytes],
        )?;
        tx.commit()?;
        Ok(UploadProgress {
            received,
            complete: true,
        })
    }

    /// Records a resident's rating of a dossier this kiosk sent (replacing an earlier one).
    pub fn rate(
        &self,
        kiosk_id: &str,
        dossier_id: &str,
        rating: &crate::protocol::contract::RatingUpload,
        now: &str,
    ) -> Result<(), PortalError> {
        crate::core::rating::Rating::new(rating.stars, &rating.reasons)
            .map_err(|e| PortalError::BadUpload(e.to_string()))?;
        let conn = self.lock();
        let sender: Option<String> = conn
            .query_row(
                "SELECT kiosk_id FROM received WHERE id = ?1",
                [dossier_id],
                |r| r.get(0),
            )
            .optional()?;
        if sender.as_deref() != Some(kiosk_id) {
            return Err(PortalError::NotFound);
        }
        conn.execute(
            "INSERT INTO ratings (dossier_id, kiosk_id, stars, reasons, rated_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (dossier_id) DO UPDATE SET stars = excluded.stars,
                 reasons = excluded.reasons, rated_at = excluded.rated_at,
                 received_at = excluded.received_at",
            rusqlite::params![
                dossier_id,
                kiosk_id,
                rating.stars,
                crate::core::rating::join_reasons(&rating.reasons),
                rating.rated_at,
                now
            ],
        )?;
        Ok(())
    }

    /// A dossier's rating: (stars, reason ids).
    pub fn rating_of(&self, dossier_id: &str) -> Result<Option<(u8, Vec<String>)>, PortalError> {
        let row: Option<(u8, String)> = self
            .lock()
            .query_row(
                "SELECT stars, reasons FROM ratings WHERE dossier_id = ?1",
                [dossier_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(stars, reasons)| (stars, crate::core::rating::split_reasons(&reasons))))
    }

    /// Ratings received: how many, and their average (the satisfaction shown openly).
    pub fn rating_summary(&self) -> Result<(u64, f64), PortalError> {
        Ok(self.lock().query_row(
            "SELECT count(*), coalesce(avg(stars), 0) FROM ratings",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
        )?)
    }

    /// Records an alert from a kiosk; the same id again changes nothing.
    pub fn alert(
        &self,
        kiosk_id: &str,
        id: &str,
        alert: &crate::protocol::contract::AlertUpload,
        now: &str,
    ) -> Result<(), PortalError> {
        if crate::protocol::contract::AlertKind::parse(&alert.kind).is_none() {
            return Err(PortalError::BadUpload(format!(
                "unknown alert kind \"{}\"",
                alert.kind
            )));
        }
        let conn = self.lock();
        let owner: Option<String> = conn
            .query_row("SELECT kiosk_id FROM alerts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match owner {
            Some(owner) if owner != kiosk_id => Err(PortalError::Conflict),
            Some(_) => Ok(()),
            None => {
                conn.execute(
                    "INSERT INTO alerts (id, kiosk_id, kind, raised_at, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, kiosk_id, alert.kind, alert.raised_at, now],
                )?;
                Ok(())
            }
        }
    }

    /// The latest alerts: (kiosk, kind, raised at), newest first.
    pub fn alerts(&self, limit: u32) -> Result<Vec<(String, String, String)>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT kiosk_id, kind, raised_at FROM alerts ORDER BY raised_at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
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
            "SELECT kiosk_id, place, enrolled_at, last_seen_at, last_heartbeat FROM devices ORDER BY kiosk_id",
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
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Publishes a signed catalogue bundle; its version must be newer than the last one.
    pub fn publish_catalogue(&self, signed: &SignedCatalogue) -> Result<(), PortalError> {
        let conn = self.lock();
        let latest: Option<i64> =
            conn.query_row("SELECT max(version) FROM catalogues", [], |r| r.get(0))?;
        if latest.is_some_and(|v| v as u64 >= signed.version) {
            return Err(PortalError::StaleCatalogue);
        }
        conn.execute(
            "INSERT INTO catalogues (version, signed) VALUES (?1, ?2)",
            params![
                signed.version as i64,
                serde_json::to_string(signed).unwrap_or_default()
            ],
        )?;
        Ok(())
    }

    /// The newest catalogue, if newer than `since`.
    pub fn catalogue_since(&self, since: u64) -> Result<Option<SignedCatalogue>, PortalError> {
        let text: Option<String> = self
            .lock()
            .query_row(
                "SELECT signed FROM catalogues WHERE version > ?1 ORDER BY version DESC LIMIT 1",
                [since as i64],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Receives a dossier. Returns the acceptance and whether it was new: a replay of the same
    /// body gets the original acceptance, a different body under the same id is a conflict.
    pub fn receive(
        &self,
        id: &str,
        upload: &DossierUpload,
        now: &str,
    ) -> Result<(Acceptance, bool), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let hash = upload.body_hash();
        let existing: Option<(String, String, String, String)> = tx
            .query_row(
                "SELECT body_hash, reference, received_at, kiosk_id FROM received WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((stored_hash, reference, received_at, sender)) = existing {
            if stored_hash != hash {
                return Err(PortalError::Conflict);
            }
            // The same dossier from another kiosk id: only the kiosk that took it, renamed
            // (its receipt is signed by one of the sender's keys).
            if sender != upload.kiosk_id {
                match &upload.receipt {
                    Some(text) => check_receipt(&tx, id, upload, text)?,
                    None => return Err(PortalError::Conflict),
                }
            }
            return Ok((
                Acceptance {
                    id: id.to_string(),
                    reference,
                    received_at,
                },
                false,
            ));
        }
        if enrolled_key(&tx, &upload.kiosk_id)?.is_none() {
            return Err(PortalError::NotEnrolled);
        }
        let mut missing = Vec::new();
        for a in &upload.attachments {
            let present: bool = tx.query_row(
                "SELECT count(*) > 0 FROM attachments WHERE dossier_id = ?1 AND sha256 = ?2",
                params![id, a.sha256],
                |r| r.get(0),
            )?;
            if !present {
                missing.push(a.sha256.clone());
            }
        }
        if !missing.is_empty() {
            return Err(PortalError::MissingAttachments(missing));
        }
        if let Some(text) = &upload.receipt {
            check_receipt(&tx, id, upload, text)?;
        }
        let count: i64 = tx.query_row("SELECT count(*) FROM received", [], |r| r.get(0))?;
        let reference = format!("HS-{}-{:06}", &now[..4.min(now.len())], count + 1);
        let body = serde_json::to_string(upload).unwrap_or_default();
        tx.execute(
            "INSERT INTO received (id, body_hash, body, reference, received_at, kiosk_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, hash, body, reference, now, upload.kiosk_id],
        )?;
        tx.commit()?;
        Ok((
            Acceptance {
                id: id.to_string(),
                reference,
                received_at: now.to_string(),
            },
            true,
        ))
    }

    /// An officer's decision, appended to the change log kiosks pull.
    pub fn decide(
        &self,
        id: &str,
        state: &str,
        note: Option<&str>,
        now: &str,
    ) -> Result<u64, PortalError> {
        if !matches!(state, "accepted" | "rejected" | "needs_fix") {
            return Err(PortalError::BadDecision);
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let updated = tx.execute(
            "UPDATE received SET state = ?1 WHERE id = ?2",
            params![state, id],
        )?;
        if updated == 0 {
            return Err(PortalError::NotFound);
        }
        tx.execute(
            "INSERT INTO changes (id, state, note, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, state, note, now],
        )?;
        let seq = tx.last_insert_rowid() as u64;
        tx.commit()?;
        Ok(seq)
    }

    /// Decisions on `kiosk_id`'s dossiers after `since`, oldest first.
    pub fn status_since(
        &self,
        kiosk_id: &str,
        since: u64,
        limit: u32,
    ) -> Result<StatusPage, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT c.seq, c.id, c.state, c.note, c.at FROM changes c JOIN received r ON r.id = c.id
             WHERE c.seq > ?1 AND r.kiosk_id = ?2 ORDER BY c.seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![since as i64, kiosk_id, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                StatusChange {
                    id: r.get(1)?,
                    state: r.get(2)?,
                    note: r.get(3)?,
                    at: r.get(4)?,
                },
            ))
        })?;
        let mut cursor = since;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, change) = row?;
            cursor = cursor.max(seq as u64);
            changes.push(change);
        }
        Ok(StatusPage { cursor, changes })
    }

    pub fn received_count(&self) -> Result<u64, PortalError> {
        Ok(self
            .lock()
            .query_row("SELECT count(*) FROM received", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    pub fn list(&self, limit: u32) -> Result<Vec<Received>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, reference, received_at, state, body FROM received ORDER BY received_at DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reference, received_at, state, body) = row?;
            if let Ok(upload) = serde_json::from_str(&body) {
                out.push(Received {
                    id,
                    reference,
                    received_at,
                    state,
                    upload,
                });
            }
        }
        Ok(out)
    }

    pub fn attachment(&self, id: &str, sha256: &str) -> Result<Option<Vec<u8>>, PortalError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT bytes FROM attachments WHERE dossier_id = ?1 AND sha256 = ?2",
                params![id, sha256],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::contract::AttachmentDecl;

    const PHOTO: &[u8] = b"sealed photo";

    fn photo_sha() -> String {
        hex::encode(Sha256::digest(PHOTO))
    }

    /// A portal where kiosk K1 is enrolled with `key`.
    fn enrolled(key: &crate::protocol::signing::DeviceKey) -> PortalDb {
        let db = PortalDb::open_in_memory().unwrap();
        db.enroll(
            &Enrollment {
                kiosk_id: "K1".into(),
                public_key: key.public_base64(),
                place: "Phường Hoàn Kiếm".into(),
                app_version: "test".into(),
                handovers: Vec::new(),
            },
            "2026-11-24T01:00:00Z",
        )
        .unwrap();
        db
    }

    fn upload(code: &str) -> DossierUpload {
        DossierUpload {
            code: code.into(),
            procedure_id: "dang-ky-tam-tru".into(),
            procedure_version: 1,
            kiosk_id: "K1".into(),
            submitted_at: "2026-11-24T02:00:00.000000Z".into(),
            sealed_answers: "c2VhbGVk".into(),
            attachments: vec![AttachmentDecl {
                sha256: photo_sha(),
                mime: "image/jpeg".into(),
            }],
            receipt: None,
        }
    }

    fn signed(
        key: &crate::protocol::signing::DeviceKey,
        id: &str,
        mut u: DossierUpload,
    ) -> DossierUpload {
        use base64::Engine as _;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&u.sealed_answers)
            .unwrap();
        let shas: Vec<&str> = u.attachments.iter().map(|a| a.sha256.as_str()).collect();
        let hash = crate::protocol::receipt::content_hash(&sealed, &shas);
        u.receipt = Some(
            crate::protocol::receipt::Receipt::issue(
                key,
                id,
                &u.code,
                &hash,
                "2026-11-24T02:00:00Z".parse().unwrap(),
                &u.kiosk_id,
            )
            .to_text(),
        );
        u
    }

    #[test]
    fn receipts_are_checked_on_arrival() {
        let [id1, id2, id3, id4, id9] =
            [1, 2, 3, 4, 9].map(|n| format!("0190e5b2-7c1a-7000-8000-00000000000{n}"));
        let (id1, id2, id3, id4, id9) = (
            id1.as_str(),
            id2.as_str(),
            id3.as_str(),
            id4.as_str(),
            id9.as_str(),
        );
        let key = crate::protocol::signing::DeviceKey::from_seed([1; 32]);
        let db = enrolled(&key);
        let mut u = upload("KCP36MK6N");
        u.attachments.clear();
        // Genuine: accepted.
        db.receive(id1, &signed(&key, id1, u.clone()), "t").unwrap();
        // A receipt for other content is refused.
        let mut swapped = signed(&key, id2, u.clone());
        swapped.sealed_answers = "b3RoZXI=".into();
        assert!(matches!(
            db.receive(id2, &swapped, "t"),
            Err(PortalError::BadReceipt(_))
        ));
        // A receipt signed by another key than the kiosk enrolled is refused.
        let forger = crate::protocol::signing::DeviceKey::from_seed([2; 32]);
        assert!(matches!(
            db.receive(id3, &signed(&forger, id3, u.clone()), "t"),
            Err(PortalError::BadReceipt(_))
        ));
        // A receipt naming another dossier is refused.
        assert!(matches!(
            db.receive(id4, &signed(&key, id9, u.clone()), "t"),
            Err(PortalError::BadReceipt(_))
        ));
        assert_eq!(db.received_count().unwrap(), 1);
    }

    #[test]
    fn a_replay_gets_the_original_acceptance_and_a_different_body_a_conflict() {
        let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
        let u = upload("AAAA");
        assert!(
            matches!(db.receive("id-1", &u, "2026-11-24T03:00:00Z"), Err(PortalError::MissingAttachments(m)) if m == [photo_sha()])
        );
        let total = PHOTO.len() as u64;
        db.append_upload("id-1", &photo_sha(), &photo_sha(), 0, total, PHOTO)
            .unwrap();
        // A repeat of a finished upload is harmless.
        db.append_upload("id-1", &photo_sha(), &photo_sha(), 0, total, PHOTO)
            .unwrap();
        let (first, new) = db.receive("id-1", &u, "2026-11-24T03:00:00Z").unwrap();
        assert!(new);
        let (again, new) = db.receive("id-1", &u, "2026-11-24T04:00:00Z").unwrap();
        assert!(!new);
        assert_eq!(
            again, first,
            "the replay is answered with the original acceptance"
        );
        assert!(matches!(
            db.receive("id-1", &upload("BBBB"), "2026-11-24T04:00:00Z"),
            Err(PortalError::Conflict)
        ));
        assert_eq!(db.received_count().unwrap(), 1);
    }

    #[test]
    fn decisions_flow_out_through_a_cursor() {
        let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
        let mut u = upload("AAAA");
        u.attachments.clear();
        db.receive("id-1", &u, "2026-11-24T03:00:00Z").unwrap();
        assert!(matches!(
            db.decide("nope", "rejected", None, "t"),
            Err(PortalError::NotFound)
        ));
        assert!(matches!(
            db.decide("id-1", "lost", None, "t"),
            Err(PortalError::BadDecision)
        ));
        let seq = db
            .decide("id-1", "needs_fix", Some("Thiếu hợp đồng thuê nhà"), "t")
            .unwrap();
        let page = db.status_since("K1", 0, 100).unwrap();
        assert!(
            db.status_since("K2", 0, 100).unwrap().changes.is_empty(),
            "a kiosk sees only its own dossiers' decisions"
        );
        assert_eq!(page.cursor, seq);
        assert_eq!(page.changes[0].state, "needs_fix");
        assert!(
            db.status_since("K1", page.cursor, 100)
                .unwrap()
                .changes
                .is_empty()
        );
    }

    #[test]
    fn photos_arrive_in_chunks_resume_at_the_portals_offset_and_are_checked() {
        let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
        let sha = photo_sha();
        let total = PHOTO.len() as u64;
        let p = db
            .append_upload("d", &sha, &photo_sha(), 0, total, &PHOTO[..5])
            .unwrap();
        assert_eq!((p.received, p.complete), (5, false));
        // A chunk from the wrong place is refused with where to go on.
        assert!(matches!(
            db.append_upload("d", &sha, &photo_sha(), 0, total, &PHOTO[..5]),
            Err(PortalError::WrongOffset(5))
        ));
        assert_eq!(db.upload_progress("d", &sha).unwrap().received, 5);
        let p = db
            .append_upload("d", &sha, &photo_sha(), 5, total, &PHOTO[5..])
            .unwrap();
        assert!(p.complete);
        assert_eq!(db.attachment("d", &sha).unwrap().as_deref(), Some(PHOTO));

        // Bytes that do not match the checksum given are discarded whole.
        let wrong = hex::encode(Sha256::digest(b"something else"));
        assert!(matches!(
            db.append_upload("d", &wrong, &wrong, 0, total, PHOTO),
            Err(PortalError::HashMismatch)
        ));
        assert_eq!(db.upload_progress("d", &wrong).unwrap().received, 0);
        // Beyond the declared length, or over the limit: refused.
        assert!(matches!(
            db.append_upload("e", &sha, &photo_sha(), 0, 3, PHOTO),
            Err(PortalError::BadUpload(_))
        ));
        assert!(matches!(
            db.append_upload("e", &sha, &photo_sha(), 0, MAX_ATTACHMENT_BYTES + 1, PHOTO),
            Err(PortalError::BadUpload(_))
        ));
    }

    #[test]
    fn enrollment_binds_one_key_to_a_kiosk_id() {
        let key = crate::protocol::signing::DeviceKey::from_seed([1; 32]);
        let db = enrolled(&key);
        let again = Enrollment {
            kiosk_id: "K1".into(),
            public_key: key.public_base64(),
            place: "Phường Hoàn Kiếm".into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        };
        let first = db.enroll(&again, "later").unwrap();
        assert_eq!(
            first.enrolled_at, "2026-11-24T01:00:00Z",
            "a repeat keeps the enrollment"
        );
        let thief = Enrollment {
            public_key: crate::protocol::signing::DeviceKey::from_seed([2; 32]).public_base64(),
            ..again.clone()
        };
        assert!(matches!(
            db.enroll(&thief, "t"),
            Err(PortalError::KeyMismatch)
        ));
        // A handover signed by someone else's key does not move the enrollment either.
        let next = crate::protocol::signing::DeviceKey::from_seed([5; 32]);
        let forged = Enrollment {
            public_key: next.public_base64(),
            handovers: vec![crate::protocol::key_handover::KeyHandover::sign(
                &crate::protocol::signing::DeviceKey::from_seed([2; 32]),
                &next.public_base64(),
            )],
            ..again.clone()
        };
        assert!(matches!(
            db.enroll(&forged, "t"),
            Err(PortalError::KeyMismatch)
        ));
        let junk = Enrollment {
            public_key: "not a key".into(),
            kiosk_id: "K9".into(),
            ..again
        };
        assert!(matches!(
            db.enroll(&junk, "t"),
            Err(PortalError::BadUpload(_))
        ));
        assert_eq!(db.device_key("K1").unwrap(), Some(key.public_base64()));
        // A dossier from a kiosk that never enrolled is refused.
        let mut u = upload("AAAA");
        u.attachments.clear();
        u.kiosk_id = "K9".into();
        assert!(matches!(
            db.receive("x", &u, "t"),
            Err(PortalError::NotEnrolled)
        ));
    }

    #[test]
    fn an_old_portal_database_is_upgraded_and_its_pinned_keys_become_enrollments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute(
                "INSERT INTO kiosks (kiosk_id, public_key) VALUES ('K1', 'pinned')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO received (id, body_hash, body, reference, received_at) VALUES ('x', 'h', '{\"kiosk_id\":\"K1\"}', 'HS-1', 't')",
                [],
            )
            .unwrap();
        }
        let db = PortalDb::open(&path).unwrap();
        assert_eq!(db.device_key("K1").unwrap().as_deref(), Some("pinned"));
        db.decide("x", "accepted", None, "t").unwrap();
        assert_eq!(db.status_since("K1", 0, 10).unwrap().changes.len(), 1);
    }
}
