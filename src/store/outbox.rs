//! The store as the sync engine's outbox: claim the due dossiers, several at once (queued →
//! sending), record what the portal said to a batch of them in one transaction (sending →
//! accepted, or sending → queued with attempts, next-attempt time and last error), recover
//! dossiers a crash left "sending", and apply statuses pulled from the portal. Every state
//! change goes through `DossierState::apply` and leaves an event in the history.

use crate::core::dossier::{DossierEvent, DossierState};
use crate::core::stored_dossier::QueuedDossier;
use crate::store::dossier_store::{parse_state, parse_time, stamp};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// A dossier claimed for sending, with everything the upload needs (all sealed).
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: uuid::Uuid,
    pub code: String,
    pub procedure_id: String,
    pub procedure_version: u32,
    pub created_at: DateTime<Utc>,
    pub sealed_answers: Vec<u8>,
    /// (sha256, mime, sealed bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
    pub attempts: u32,
    /// The signed receipt the resident holds, sent along so the portal can check it.
    pub receipt: Option<String>,
    /// For a supplement: the dossier it completes.
    pub supplements: Option<uuid::Uuid>,
}

/// id, code, procedure, procedure version, created at, sealed payload, attempts, receipt,
/// supplements.
type ClaimedRow = (
    String,
    String,
    String,
    u32,
    String,
    Vec<u8>,
    u32,
    Option<String>,
    Option<String>,
);

/// What the portal said to one claimed dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted, under the portal's reference.
    Accepted { reference: String },
    /// Not taken now: queued again for `next_attempt`, with the reason kept for the admin.
    Retry {
        error: String,
        next_attempt: DateTime<Utc>,
    },
}

impl Store {
    fn transition(
        tx: &rusqlite::Transaction,
        id: &str,
        event: DossierEvent,
        now: DateTime<Utc>,
        note: Option<&str>,
    ) -> Result<Option<DossierState>, StoreError> {
        let current: Option<String> = tx
            .query_row("SELECT state FROM dossiers WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(current) = current else {
            return Ok(None);
        };
        let Ok(next) = parse_state(&current)?.apply(event) else {
            return Ok(None);
        };
        let at = stamp(now);
        tx.execute(
            "UPDATE dossiers SET state = ?1, updated_at = ?2 WHERE id = ?3",
            params![next.as_str(), at, id],
        )?;
        tx.execute(
            "INSERT INTO dossier_events (dossier_id, at, state, note) VALUES (?1, ?2, ?3, ?4)",
            params![id, at, next.as_str(), note],
        )?;
        Ok(Some(next))
    }

    /// Dossiers a crash left "sending" go back to the queue (whether they arrived is unknown;
    /// the idempotency key makes sending them again harmless). Returns how many.
    pub fn recover_after_crash(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let ids: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM dossiers WHERE state = 'sending'")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &ids {
            Store::transition(
                &tx,
                id,
                DossierEvent::RecoveredAfterCrash,
                now,
                Some("recovered after restart"),
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Claims the oldest queued dossier that is due (queued → sending).
    pub fn claim_next(&mut self, now: DateTime<Utc>) -> Result<Option<OutboxItem>, StoreError> {
        Ok(self.claim_due(now, 1)?.into_iter().next())
    }

    /// Claims up to `max` of the oldest queued dossiers that are due (queued → sending), in
    /// one transaction committed without waiting for the disk: a claim lost to a power cut
    /// leaves the dossier queued, which is where a restart would put it anyway.
    pub fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        max: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.without_waiting_for_disk(|store| {
            let tx = store.conn.transaction()?;
            let mut claimed = Vec::new();
            let rows: Vec<ClaimedRow> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, code, procedure_id, procedure_version, created_at, payload, attempts, receipt, supplements FROM dossiers
                     WHERE state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
                     ORDER BY created_at, id LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![stamp(now), max as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
                })?;
                rows.collect::<Result<_, _>>()?
            };
            for row in rows {
                claimed.push(Store::claim_row(&tx, store.signer.as_ref(), row, now)?);
            }
            tx.commit()?;
            Ok(claimed)
        })
    }

    fn claim_row(
        tx: &rusqlite::Transaction,
        signer: Option<&(crate::protocol::signing::DeviceKey, String)>,
        row: ClaimedRow,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let (
            id,
            code,
            procedure_id,
            procedure_version,
            created_at,
            sealed_answers,
            attempts,
            receipt,
            supplements,
        ) = row;
        let attachments = {
            let mut stmt = tx.prepare_cached(
                "SELECT sha256, mime, bytes FROM attachments WHERE dossier_id = ?1 ORDER BY sha256",
            )?;
            let rows = stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<Vec<(String, String, Vec<u8>)>, _>>()?
        };
        // The portal takes a new dossier only with the kiosk's signed receipt (it is what
        // proves the dossier id is this kiosk's): one stored before receipts were signed gets
        // its receipt now, dated when it was taken, kept so every later send is the same.
        let receipt = match (receipt, signer) {
            (Some(receipt), _) => Some(receipt),
            (None, None) => None,
            (None, Some((key, kiosk_id))) => {
                let photos: Vec<&str> = attachments.iter().map(|(h, _, _)| h.as_str()).collect();
                let text = crate::protocol::receipt::Receipt::issue(
                    key,
                    &id,
                    &code,
                    &crate::protocol::receipt::content_hash(&sealed_answers, &photos),
                    parse_time(&created_at)?,
                    kiosk_id,
                )
                .to_text();
                tx.execute(
                    "UPDATE dossiers SET receipt = ?1 WHERE id = ?2",
                    params![text, id],
                )?;
                Some(text)
            }
        };
        Store::transition(tx, &id, DossierEvent::SendStarted, now, None)?;
        Ok(OutboxItem {
            id: uuid::Uuid::parse_str(&id).map_err(|e| StoreError::Decode(e.to_string()))?,
            code,
            procedure_id,
            procedure_version,
            created_at: parse_time(&created_at)?,
            sealed_answers,
            attachments,
            attempts,
            receipt,
            supplements: supplements
                .as_deref()
                .map(uuid::Uuid::parse_str)
                .transpose()
                .map_err(|e| StoreError::Decode(e.to_string()))?,
        })
    }

    /// The portal accepted the dossier (sending → accepted).
    pub fn mark_accepted(
        &mut self,
        id: uuid::Uuid,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.record_outcomes(
            &[(
                id,
                SendOutcome::Accepted {
                    reference: reference.to_string(),
                },
            )],
            now,
        )
    }

    /// Sending failed; try again at `next_attempt` (sending → queued).
    pub fn schedule_retry(
        &mut self,
        id: uuid::Uuid,
        error: &str,
        next_attempt: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.record_outcomes(
            &[(
                id,
                SendOutcome::Retry {
                    error: error.to_string(),
                    next_attempt,
                },
            )],
            now,
        )
    }

    /// What the portal said to several claimed dossiers, recorded in one transaction
    /// committed without waiting for the disk: an outcome lost to a power cut leaves its
    /// dossier "sending", which the next pass queues again, and the portal answers the resend
    /// with the reference it gave the first time (the dossier id is its idempotency key).
    pub fn record_outcomes(
        &mut self,
        outcomes: &[(uuid::Uuid, SendOutcome)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.without_waiting_for_disk(|store| {
            let tx = store.conn.transaction()?;
            for (id, outcome) in outcomes {
                let id = id.to_string();
                match outcome {
                    SendOutcome::Accepted { reference } => {
                        Store::transition(
                            &tx,
                            &id,
                            DossierEvent::PortalAccepted,
                            now,
                            Some(reference),
                        )?;
                        tx.prepare_cached(
                            "UPDATE dossiers SET last_error = NULL, next_attempt_at = NULL WHERE id = ?1",
                        )?
                        .execute([&id])?;
                    }
                    SendOutcome::Retry {
                        error,
                        next_attempt,
                    } => {
                        Store::transition(&tx, &id, DossierEvent::SendFailed, now, None)?;
                        tx.prepare_cached(
                            "UPDATE dossiers SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2 WHERE id = ?3",
                        )?
                        .execute(params![error, stamp(*next_attempt), id])?;
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Runs `f` with commits that do not wait for the disk (`synchronous = NORMAL` in WAL
    /// mode: the commit is in the log, synced at the next checkpoint or the next durable
    /// commit, which syncs everything before it too), then puts the connection's own setting
    /// back whatever `f` returned. Only for writes the kiosk can lose to a power cut without
    /// losing anything: the sync engine's claims and outcomes.
    fn without_waiting_for_disk<R>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let before: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        // OFF (0) stays OFF; FULL (2) and EXTRA (3) become NORMAL (1) for these writes.
        let relaxed = before.min(1);
        self.conn
            .execute_batch(&format!("PRAGMA synchronous = {relaxed}"))?;
        let result = f(self);
        let restored = self
            .conn
            .execute_batch(&format!("PRAGMA synchronous = {before}"));
        let value = result?;
        restored?;
        Ok(value)
    }

    /// A decision pulled from the portal; unknown ids and illegal changes are ignored. A
    /// "needs fix" keeps the office's request (what, which questions, by when) with its event.
    pub fn apply_status(
        &mut self,
        id: &str,
        state: DossierState,
        note: Option<&str>,
        request: Option<&crate::core::fix_request::FixRequest>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let event = match state {
            DossierState::Rejected => DossierEvent::PortalRejected,
            DossierState::NeedsFix => DossierEvent::PortalNeedsFix,
            _ => return Ok(false),
        };
        let tx = self.conn.transaction()?;
        let changed = Store::transition(&tx, id, event, now, note)?.is_some();
        if changed
            && let Some(request) = request.filter(|r| r.check().is_ok())
            && let Ok(json) = serde_json::to_string(request)
        {
            tx.execute(
                "UPDATE dossier_events SET request = ?1 WHERE rowid = last_insert_rowid()",
                [json],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// The size of a dossier's sealed photos, as they go to the portal.
    pub fn sealed_attachment_bytes(&self, id: uuid::Uuid) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM attachments WHERE dossier_id = ?1",
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Every queued dossier due at once, the backoff waits dropped (their attempt counts and
    /// last errors stay): for a technician who fixed the network and wants them sent now.
    /// Returns how many were waiting.
    pub fn make_all_due(&mut self) -> Result<u64, StoreError> {
        Ok(self.conn.execute(
            "UPDATE dossiers SET next_attempt_at = NULL WHERE state = 'queued'",
            [],
        )? as u64)
    }

    /// How many queued dossiers are due at `now` (what a sync pass sets out to send).
    pub fn due_count(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM dossiers
             WHERE state = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)",
            [stamp(now)],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The earliest time a queued dossier becomes due, if any is waiting.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT min(coalesce(next_attempt_at, created_at)) FROM dossiers WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        due.flatten().map(|s| parse_time(&s)).transpose()
    }

    /// The queue as the admin screen shows it, oldest first: code, procedure, when stored,
    /// attempts and the last error (no personal data: that is sealed).
    pub fn queue_view(&self, limit: u32) -> Result<Vec<QueuedDossier>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT code, procedure_id, created_at, attempts, last_error FROM dossiers
             WHERE state IN ('queued', 'sending') ORDER BY created_at, id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (code, procedure_id, created_at, attempts, last_error) = row?;
            Ok(QueuedDossier {
                code,
                procedure_id,
                created_at: parse_time(&created_at)?,
                attempts,
                last_error,
            })
        })
        .collect()
    }

    /// Ratings not yet at the portal whose dossier the portal already holds.
    pub fn unsent_ratings(
        &self,
    ) -> Result<Vec<(uuid::Uuid, crate::protocol::contract::RatingUpload)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.dossier_id, r.stars, r.reasons, r.rated_at FROM ratings r
             JOIN dossiers d ON d.id = r.dossier_id
             WHERE r.sent_at IS NULL AND d.state NOT IN ('queued', 'sending')",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (id, stars, reasons, rated_at) = row?;
            Ok((
                uuid::Uuid::parse_str(&id).map_err(|e| StoreError::Decode(e.to_string()))?,
                crate::protocol::contract::RatingUpload {
                    stars,
                    reasons: crate::core::rating::split_reasons(&reasons),
                    rated_at,
                },
            ))
        })
        .collect()
    }

    /// The portal has this rating (unless it was changed meanwhile).
    pub fn mark_rating_sent(
        &mut self,
        id: uuid::Uuid,
        rated_at: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE ratings SET sent_at = ?3 WHERE dossier_id = ?1 AND rated_at = ?2",
            params![id.to_string(), rated_at, stamp(now)],
        )?;
        Ok(())
    }

    /// A small value the sync engine keeps (what it enrolled as, …).
    pub fn sync_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Keeps (or, with `None`, forgets) a small value of the sync engine.
    pub fn set_sync_value(&mut self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(value) => self.conn.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?,
            None => self
                .conn
                .execute("DELETE FROM sync_state WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// The status cursor last pulled from the portal.
    pub fn status_cursor(&self) -> Result<u64, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = 'status_cursor'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Records a successful status pull: the portal's cursor and when it was fetched (the
    /// lookup screen says how fresh the statuses it shows are).
    pub fn set_status_cursor(&mut self, cursor: u64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for (key, value) in [
            ("status_cursor", cursor.to_string()),
            ("statuses_fetched_at", stamp(now)),
        ] {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When statuses were last pulled from the portal (`None`: never).
    pub fn statuses_fetched_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = 'statuses_fetched_at'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        v.map(|s| parse_time(&s)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dossier_store::tests::{draft, sealer};

    fn synchronous(store: &Store) -> i64 {
        store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn claims_and_outcomes_in_batches_leave_submits_durable() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("k.sqlite"), sealer()).unwrap();
        let now = Utc::now();
        for seed in 1..=5 {
            store
                .submit(
                    &draft(seed),
                    &[],
                    now + chrono::Duration::seconds(seed as i64),
                )
                .unwrap();
        }
        assert_eq!(synchronous(&store), 2, "FULL");
        let batch = store
            .claim_due(now + chrono::Duration::minutes(1), 3)
            .unwrap();
        assert_eq!(batch.len(), 3, "at most the batch");
        let codes: Vec<_> = batch.iter().map(|i| i.code.clone()).collect();
        assert_eq!(
            synchronous(&store),
            2,
            "a submit after a claim waits for the disk"
        );
        let later = now + chrono::Duration::hours(1);
        store
            .record_outcomes(
                &[
                    (
                        batch[0].id,
                        SendOutcome::Accepted {
                            reference: "HS-1".into(),
                        },
                    ),
                    (
                        batch[1].id,
                        SendOutcome::Retry {
                            error: "503".into(),
                            next_attempt: later,
                        },
                    ),
                    (
                        batch[2].id,
                        SendOutcome::Accepted {
                            reference: "HS-3".into(),
                        },
                    ),
                ],
                now,
            )
            .unwrap();
        assert_eq!(synchronous(&store), 2);
        assert_eq!(
            store.queue_len().unwrap(),
            3,
            "two waiting, one back in the queue"
        );
        // The retried one waits for its time; the two never claimed come next.
        let next = store
            .claim_due(now + chrono::Duration::minutes(2), 10)
            .unwrap();
        assert_eq!(next.len(), 2);
        assert!(next.iter().all(|i| !codes.contains(&i.code)));
        assert_eq!(store.claim_due(later, 10).unwrap()[0].id, batch[1].id);
        // A store set not to wait for the disk at all stays so.
        store.skip_fsync(true).unwrap();
        store.record_outcomes(&[], now).unwrap();
        assert_eq!(synchronous(&store), 0);
    }
}
