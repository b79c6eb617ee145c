//! Dossiers received: each once however often it is sent (keyed by the kiosk's id, with the
//! hash of the body first received), its signed receipt checked on arrival, its sealed photos
//! uploaded in resumable chunks, officers' decisions as a change log pulled with a cursor.

use crate::portal::db::claims::{claim, claimed};
use crate::portal::db::kiosks::{enrolled_key, is_key_of};
use crate::portal::db::{MAX_ATTACHMENT_BYTES, MAX_OPEN_UPLOADS, PortalDb, PortalError, Received};
use crate::protocol::contract::{
    Acceptance, DossierUpload, StatusChange, StatusPage, UploadProgress,
};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The receipt must be genuine (signature), be about this dossier, hash exactly what arrived,
/// and be signed by one of the sending kiosk's device keys: the one it enrolled, or an earlier
/// one that handed over to it. The kiosk id in the receipt is the one the kiosk had when it
/// took the dossier; a kiosk re-provisioned under a new id still sends what it took before.
pub(super) fn check_receipt(
    tx: &rusqlite::Transaction,
    id: &str,
    upload: &DossierUpload,
    text: &str,
) -> Result<(), PortalError> {
    let bad = |m: &str| PortalError::BadReceipt(m.to_string());
    let receipt =
        crate::protocol::receipt::Receipt::parse(text).map_err(|e| bad(&e.to_string()))?;
    receipt.verify().map_err(|e| bad(&e.to_string()))?;
    if receipt.dossier_id != id || receipt.code != upload.code {
        return Err(bad("it names another dossier"));
    }
    match crate::protocol::receipt::upload_content_hash(upload) {
        None => return Err(bad("answers are not base64")),
        Some(hash) if hash != receipt.content_hash => {
            return Err(bad(
                "the dossier received is not the one the receipt was given for",
            ));
        }
        Some(_) => {}
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

/// How much of a photo the portal holds: whole in `attachments`, or in part in `uploads`.
pub(super) fn upload_progress_in(
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

impl PortalDb {
    /// How much of `kiosk`'s photo of its dossier `id` the portal holds (nothing, for a
    /// dossier id it has not claimed: another kiosk's photos are not its to see).
    pub fn upload_progress(
        &self,
        kiosk: &str,
        id: &str,
        sha256: &str,
    ) -> Result<UploadProgress, PortalError> {
        let conn = self.lock();
        match claimed(&conn, kiosk, id)? {
            Some(internal) => upload_progress_in(&conn, &internal, sha256),
            None => Ok(UploadProgress {
                received: 0,
                complete: false,
            }),
        }
    }

    /// Appends a chunk of a sealed photo at `offset`. The photo is addressed by the SHA-256 of
    /// the clear image (which only the portal's private key can check); `checksum` is the
    /// SHA-256 of the sealed bytes, checked when the last byte arrives — a mismatch discards
    /// the upload. A photo already complete is a harmless repeat. The first chunk claims the
    /// dossier id for `kiosk` (`claims`); a kiosk has at most `MAX_OPEN_UPLOADS` photos
    /// begun and not finished.
    #[allow(clippy::too_many_arguments)]
    pub fn append_upload(
        &self,
        kiosk: &str,
        id: &str,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
        now: &str,
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
        let internal = claim(&tx, kiosk, id, now)?;
        let id = internal.as_str();
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
                let open: u32 = tx.query_row(
                    "SELECT count(*) FROM uploads u JOIN claims c ON c.internal_id = u.dossier_id
                     WHERE c.kiosk_id = ?1",
                    [kiosk],
                    |r| r.get(0),
                )?;
                if open >= MAX_OPEN_UPLOADS {
                    return Err(PortalError::TooManyUploads);
                }
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
        let internal = claim(&tx, &upload.kiosk_id, id, now)?;
        let existing: Option<(String, String, String, String)> = tx
            .query_row(
                "SELECT body_hash, reference, received_at, kiosk_id FROM received WHERE id = ?1",
                [&internal],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((stored_hash, reference, received_at, sender)) = existing {
            // A dossier received before receipts were required, sent again by a kiosk that
            // has since signed its receipt, is the same dossier.
            let same_without_receipt = || {
                upload.receipt.is_some()
                    && DossierUpload {
                        receipt: None,
                        ..upload.clone()
                    }
                    .body_hash()
                        == stored_hash
            };
            if stored_hash != hash && !same_without_receipt() {
                return Err(PortalError::Conflict);
            }
            if stored_hash != hash
                && let Some(text) = &upload.receipt
            {
                check_receipt(&tx, id, upload, text)?;
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
                params![internal, a.sha256],
                |r| r.get(0),
            )?;
            if !present {
                missing.push(a.sha256.clone());
            }
        }
        if !missing.is_empty() {
            return Err(PortalError::MissingAttachments(missing));
        }
        // The receipt is what shows the dossier id is this kiosk's: no receipt, no dossier.
        let Some(text) = &upload.receipt else {
            return Err(PortalError::BadReceipt(
                "a new dossier must carry the receipt its kiosk signed".into(),
            ));
        };
        check_receipt(&tx, id, upload, text)?;
        // A supplement completes a dossier the same kiosk sent and the office sent back: no
        // kiosk may attach papers to another's dossier.
        let supplements = match &upload.supplements {
            None => None,
            Some(original) => {
                let Some(original) = claimed(&tx, &upload.kiosk_id, original)? else {
                    return Err(PortalError::NotSupplementable);
                };
                let owner: Option<(String, String)> = tx
                    .query_row(
                        "SELECT kiosk_id, state FROM received WHERE id = ?1",
                        [&original],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match owner {
                    Some((kiosk, state)) if kiosk == upload.kiosk_id && state == "needs_fix" => {}
                    _ => return Err(PortalError::NotSupplementable),
                }
                Some(original)
            }
        };
        let count: i64 = tx.query_row("SELECT count(*) FROM received", [], |r| r.get(0))?;
        let reference = format!("HS-{}-{:06}", &now[..4.min(now.len())], count + 1);
        let body = serde_json::to_string(upload).unwrap_or_default();
        tx.execute(
            "INSERT INTO received (id, body_hash, body, reference, received_at, kiosk_id, supplements, commune)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce((SELECT commune FROM devices WHERE kiosk_id = ?6), ''))",
            params![internal, hash, body, reference, now, upload.kiosk_id, supplements],
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

    /// An officer's decision, appended to the change log kiosks pull and to the audit log
    /// (who, from where) in one transaction; "needs_fix" may carry the structured request
    /// (what, which questions, by when).
    pub fn decide(
        &self,
        id: &str,
        state: &str,
        note: Option<&str>,
        request: Option<&crate::core::fix_request::FixRequest>,
        by: &crate::portal::db::audit::Attribution,
        now: &str,
    ) -> Result<u64, PortalError> {
        if !matches!(state, "accepted" | "rejected" | "needs_fix") {
            return Err(PortalError::BadDecision);
        }
        let request = match request {
            Some(r) if state == "needs_fix" => {
                r.check()?;
                serde_json::to_string(r).ok()
            }
            _ => None,
        };
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
            "INSERT INTO changes (id, state, note, at, request) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, state, note, now, request],
        )?;
        let seq = tx.last_insert_rowid() as u64;
        let detail = match note {
            Some(note) => format!("{state}: {note}"),
            None => state.to_string(),
        };
        crate::portal::db::audit::append_in(&tx, by, "decide", id, &detail, now)?;
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
            "SELECT c.seq, coalesce((SELECT cl.dossier_id FROM claims cl WHERE cl.internal_id = c.id), c.id),
                    c.state, c.note, c.at, c.request FROM changes c JOIN received r ON r.id = c.id
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
                    request: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|json| serde_json::from_str(&json).ok()),
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

    /// The newest dossiers first, each with the office's latest request for more while it is
    /// sent back.
    pub fn list(&self, limit: u32) -> Result<Vec<Received>, PortalError> {
        self.list_where("1 = 1", [limit])
    }

    /// The newest dossiers of `communes` first (what an officer of those communes sees).
    pub fn list_for(
        &self,
        communes: &crate::portal::db::officers::Communes,
        limit: u32,
    ) -> Result<Vec<Received>, PortalError> {
        use crate::portal::db::officers::Communes;
        match communes {
            Communes::Every => self.list(limit),
            Communes::These(codes) => {
                let codes = serde_json::to_string(codes).unwrap_or_default();
                self.list_where(
                    "commune IN (SELECT value FROM json_each(?2))",
                    rusqlite::params![limit, codes],
                )
            }
        }
    }

    /// One received dossier, whoever may see it (the caller checks its commune).
    pub fn received(&self, id: &str) -> Result<Option<Received>, PortalError> {
        Ok(self
            .list_where("id = ?2", rusqlite::params![1, id])?
            .into_iter()
            .next())
    }

    /// The newest dossiers matching `filter` (SQL over `received`, `?1` is the limit).
    fn list_where(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Received>, PortalError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, reference, received_at, state, body,
                    (SELECT c.request FROM changes c WHERE c.id = received.id ORDER BY c.seq DESC LIMIT 1),
                    commune,
                    coalesce((SELECT cl.dossier_id FROM claims cl WHERE cl.internal_id = received.id), id),
                    supplements
             FROM received WHERE {filter} ORDER BY received_at DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                reference,
                received_at,
                state,
                body,
                request,
                commune,
                kiosk_dossier_id,
                supplements_of,
            ) = row?;
            if let Ok(upload) = serde_json::from_str(&body) {
                let request = request
                    .filter(|_| state == "needs_fix")
                    .and_then(|json| serde_json::from_str(&json).ok());
                out.push(Received {
                    id,
                    reference,
                    received_at,
                    state,
                    upload,
                    request,
                    commune,
                    kiosk_dossier_id,
                    supplements_of,
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
