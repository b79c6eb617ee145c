//! The portal's database: dossiers received (keyed by the kiosk's UUID, with the hash of the
//! body first received), sealed photos by content hash, officers' decisions as a numbered
//! change log that kiosks pull with a cursor. Every receive is one transaction, so a dossier
//! is stored once however often it is sent.

use crate::sync::contract::{Acceptance, DossierUpload, StatusChange, StatusPage};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
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
";

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
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The receipt must be genuine (signature), be about this dossier, hash exactly what arrived,
/// and come from the key this kiosk used before. Until enrollment exists (issue #3), a
/// kiosk's key is trusted on first use and pinned from then on.
fn check_receipt(
    tx: &rusqlite::Transaction,
    id: &str,
    upload: &DossierUpload,
    text: &str,
) -> Result<(), PortalError> {
    use base64::Engine as _;
    let bad = |m: &str| PortalError::BadReceipt(m.to_string());
    let receipt = crate::receipt::Receipt::parse(text).map_err(|e| bad(&e.to_string()))?;
    receipt.verify().map_err(|e| bad(&e.to_string()))?;
    if receipt.dossier_id != id
        || receipt.code != upload.code
        || receipt.kiosk_id != upload.kiosk_id
    {
        return Err(bad("it names another dossier or kiosk"));
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
    if crate::receipt::content_hash(&sealed, &photos) != receipt.content_hash {
        return Err(bad(
            "the dossier received is not the one the receipt was given for",
        ));
    }
    let known: Option<String> = tx
        .query_row(
            "SELECT public_key FROM kiosks WHERE kiosk_id = ?1",
            [&receipt.kiosk_id],
            |r| r.get(0),
        )
        .optional()?;
    match known {
        Some(key) if key != receipt.public_key => Err(bad("signed by a key this kiosk never used")),
        Some(_) => Ok(()),
        None => {
            tx.execute(
                "INSERT INTO kiosks (kiosk_id, public_key) VALUES (?1, ?2)",
                params![receipt.kiosk_id, receipt.public_key],
            )?;
            Ok(())
        }
    }
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
        let conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    pub fn open_in_memory() -> Result<PortalDb, PortalError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(PortalDb {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a sealed photo; the same one twice is a no-op.
    pub fn put_attachment(&self, id: &str, sha256: &str, bytes: &[u8]) -> Result<(), PortalError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO attachments (dossier_id, sha256, bytes) VALUES (?1, ?2, ?3)",
            params![id, sha256, bytes],
        )?;
        Ok(())
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
        let existing: Option<(String, String, String)> = tx
            .query_row(
                "SELECT body_hash, reference, received_at FROM received WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((stored_hash, reference, received_at)) = existing {
            if stored_hash != hash {
                return Err(PortalError::Conflict);
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
            "INSERT INTO received (id, body_hash, body, reference, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, hash, body, reference, now],
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

    pub fn status_since(&self, since: u64, limit: u32) -> Result<StatusPage, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT seq, id, state, note, at FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since as i64, limit], |r| {
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
    use crate::sync::contract::AttachmentDecl;

    fn upload(code: &str) -> DossierUpload {
        DossierUpload {
            code: code.into(),
            procedure_id: "dang-ky-tam-tru".into(),
            procedure_version: 1,
            kiosk_id: "K1".into(),
            submitted_at: "2026-11-24T02:00:00.000000Z".into(),
            sealed_answers: "c2VhbGVk".into(),
            attachments: vec![AttachmentDecl {
                sha256: "ab".into(),
                mime: "image/jpeg".into(),
            }],
            receipt: None,
        }
    }

    fn signed(key: &crate::receipt::DeviceKey, id: &str, mut u: DossierUpload) -> DossierUpload {
        use base64::Engine as _;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&u.sealed_answers)
            .unwrap();
        let shas: Vec<&str> = u.attachments.iter().map(|a| a.sha256.as_str()).collect();
        let hash = crate::receipt::content_hash(&sealed, &shas);
        u.receipt = Some(
            crate::receipt::Receipt::issue(
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
        let db = PortalDb::open_in_memory().unwrap();
        let key = crate::receipt::DeviceKey::from_seed([1; 32]);
        let mut u = upload("KCP36MK6N");
        u.attachments.clear();
        // Genuine: accepted, and the kiosk's key is pinned.
        db.receive(id1, &signed(&key, id1, u.clone()), "t").unwrap();
        // A receipt for other content is refused.
        let mut swapped = signed(&key, id2, u.clone());
        swapped.sealed_answers = "b3RoZXI=".into();
        assert!(matches!(
            db.receive(id2, &swapped, "t"),
            Err(PortalError::BadReceipt(_))
        ));
        // A receipt signed by another key for the same kiosk is refused.
        let forger = crate::receipt::DeviceKey::from_seed([2; 32]);
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
        let db = PortalDb::open_in_memory().unwrap();
        let u = upload("AAAA");
        assert!(
            matches!(db.receive("id-1", &u, "2026-11-24T03:00:00Z"), Err(PortalError::MissingAttachments(m)) if m == ["ab"])
        );
        db.put_attachment("id-1", "ab", b"sealed photo").unwrap();
        db.put_attachment("id-1", "ab", b"sealed photo").unwrap();
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
        let db = PortalDb::open_in_memory().unwrap();
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
        let page = db.status_since(0, 100).unwrap();
        assert_eq!(page.cursor, seq);
        assert_eq!(page.changes[0].state, "needs_fix");
        assert!(
            db.status_since(page.cursor, 100)
                .unwrap()
                .changes
                .is_empty()
        );
    }
}
