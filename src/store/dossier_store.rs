//! The dossier tables: submit (one transaction: dossier, its papers, its first status event),
//! look-ups by code, status history, queue counts. Synchronous; runs on the writer thread.

use crate::core::answer::Answer;
use crate::core::dossier::{DossierDraft, DossierEvent, DossierState};
use crate::core::dossier_code::DossierCode;
use crate::core::stored_dossier::{DossierSummary, StatusEvent, StoredAttachment};
use crate::protocol::sealed_content::{SealedContent, seal_context};
use crate::protocol::sealing::{PreparedSeal, Sealer};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use std::collections::BTreeMap;
use std::path::Path;

/// The schema, one numbered file per version. Never edit a released file: add the next one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_dossiers.sql"),
    include_str!("migrations/0002_status_history.sql"),
    include_str!("migrations/0003_seal_personal_data.sql"),
    include_str!("migrations/0004_sync_state.sql"),
    include_str!("migrations/0005_receipts.sql"),
    include_str!("migrations/0006_ratings.sql"),
    include_str!("migrations/0007_alerts.sql"),
    include_str!("migrations/0008_retention.sql"),
    include_str!("migrations/0009_supplements.sql"),
    include_str!("migrations/0010_office_commune.sql"),
];

pub struct Store {
    pub(super) conn: Connection,
    /// Seals answers and photos to the portal's key before they are written; none on a kiosk
    /// that is not set up (it takes no dossier).
    sealer: Option<Sealer>,
    /// Seals prepared while idle for the next dossiers (`prepare_seals`), all for `sealer`.
    prepared_seals: Vec<PreparedSeal>,
    /// Signs each dossier's receipt with the device key (kiosk id beside it), when set.
    pub(super) signer: Option<(crate::protocol::signing::DeviceKey, String)>,
}

fn migrations(sealer: Option<&Sealer>) -> Migrations<'static> {
    let mut steps: Vec<M<'static>> = MIGRATIONS.iter().map(|sql| M::up(sql)).collect();
    let sealer = sealer.cloned();
    steps[2] = M::up_with_hook(MIGRATIONS[2], move |tx: &rusqlite::Transaction| {
        seal_clear_rows(tx, sealer.as_ref())
            .map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))?;
        Ok(())
    });
    Migrations::new(steps)
}

/// Version 3: seals the answers and photos that versions 1–2 stored in clear, then drops the
/// clear applicant_id column.
fn seal_clear_rows(tx: &rusqlite::Transaction, sealer: Option<&Sealer>) -> Result<(), StoreError> {
    let rows: Vec<(String, String, Vec<u8>)> = {
        let mut stmt = tx.prepare("SELECT id, applicant_id, payload FROM dossiers")?;
        let mapped = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        mapped.collect::<Result<_, _>>()?
    };
    let sealer = match (sealer, rows.is_empty()) {
        (Some(sealer), _) => sealer,
        (None, true) => {
            tx.execute_batch("ALTER TABLE dossiers DROP COLUMN applicant_id;")?;
            return Ok(());
        }
        (None, false) => {
            return Err(StoreError::NotSetUp(
                "dossiers stored in clear by an old version must be sealed to the portal key"
                    .into(),
            ));
        }
    };
    for (id, applicant_id, payload) in rows {
        let dossier = uuid::Uuid::parse_str(&id).map_err(|e| StoreError::Decode(e.to_string()))?;
        let answers: BTreeMap<String, Answer> =
            serde_json::from_slice(&payload).map_err(|e| StoreError::Decode(e.to_string()))?;
        let content = serde_json::to_vec(&SealedContent {
            applicant_id,
            answers,
            identity: None,
            assisted_by: None,
            declaration: None,
        })
        .map_err(|e| StoreError::Decode(e.to_string()))?;
        let sealed = sealer
            .seal(&content, &seal_context(dossier, "answers"))
            .map_err(|e| StoreError::Decode(e.to_string()))?;
        tx.execute(
            "UPDATE dossiers SET payload = ?1 WHERE id = ?2",
            params![sealed, id],
        )?;
        let photos: Vec<(String, Vec<u8>)> = {
            let mut stmt =
                tx.prepare("SELECT sha256, bytes FROM attachments WHERE dossier_id = ?1")?;
            let mapped = stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            mapped.collect::<Result<_, _>>()?
        };
        for (sha, bytes) in photos {
            let sealed = sealer
                .seal(&bytes, &seal_context(dossier, &sha))
                .map_err(|e| StoreError::Decode(e.to_string()))?;
            tx.execute(
                "UPDATE attachments SET bytes = ?1 WHERE dossier_id = ?2 AND sha256 = ?3",
                params![sealed, id, sha],
            )?;
        }
    }
    tx.execute_batch("ALTER TABLE dossiers DROP COLUMN applicant_id;")?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and upgrades the database at `path`.
    pub fn open(path: &Path, sealer: Sealer) -> Result<Store, StoreError> {
        Store::open_with(path, Some(sealer))
    }

    /// Opens the database of a kiosk that may not be set up (`None`: it keeps and sends what
    /// it holds, and refuses new dossiers).
    pub fn open_with(path: &Path, sealer: Option<Sealer>) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(|source| StoreError::CannotOpen {
            path: path.display().to_string(),
            source,
        })?;
        Store::setup(conn, sealer)
    }

    /// What the kiosk runs on when its database cannot be opened for a reason other than
    /// damage (permissions, a missing mount): an empty store in memory that refuses every new
    /// dossier, so the screen, the admin screen and the heartbeat still work and say what is
    /// wrong, and the file on disk is left as it is.
    pub fn unavailable() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, None)
    }

    /// A private database in memory (tests and benchmarks).
    pub fn open_in_memory(sealer: Sealer) -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, Some(sealer))
    }

    /// The pragmas every connection uses; shared with the benchmark's raw-SQLite baseline.
    pub const PRAGMAS: &'static str = "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;";

    fn setup(mut conn: Connection, sealer: Option<Sealer>) -> Result<Store, StoreError> {
        conn.execute_batch(Store::PRAGMAS)?;
        migrations(sealer.as_ref())
            .to_latest(&mut conn)
            .map_err(|e| match e {
                rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from(err),
                other => StoreError::Migration(other.to_string()),
            })?;
        // An upgrade may have rewritten clear rows: push the old pages out of the WAL too.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(Store {
            conn,
            sealer,
            prepared_seals: Vec::new(),
            signer: None,
        })
    }

    /// How many seals `prepare_seals` keeps ready: a dossier's answers and its photos.
    pub const SEAL_STOCK: usize = 12;

    /// Prepares seals for the next dossiers while the kiosk is idle (after a start, after a
    /// submit), so that a resident's submit does only the cheap half of sealing
    /// (`Sealer::prepare`). Returns how many are ready; none on a kiosk that is not set up.
    pub fn prepare_seals(&mut self) -> usize {
        let Some(sealer) = self.sealer.as_ref() else {
            return 0;
        };
        self.prepared_seals.retain(|p| p.is_for(sealer));
        while self.prepared_seals.len() < Store::SEAL_STOCK {
            match sealer.prepare() {
                Ok(p) => self.prepared_seals.push(p),
                Err(e) => {
                    tracing::warn!("cannot prepare seals ahead: {e}");
                    break;
                }
            }
        }
        self.prepared_seals.len()
    }

    /// Seals one item to the portal's key, with a prepared seal when one is ready.
    fn seal_item(&mut self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let Some(sealer) = self.sealer.as_ref() else {
            return Err(StoreError::NotSetUp("no portal sealing key".into()));
        };
        let prepared = match self.prepared_seals.pop() {
            Some(p) if p.is_for(sealer) => p,
            _ => {
                self.prepared_seals.clear();
                sealer
                    .prepare()
                    .map_err(|e| StoreError::Decode(e.to_string()))?
            }
        };
        prepared
            .seal(plaintext, context)
            .map_err(|e| StoreError::Decode(e.to_string()))
    }

    /// Seals new dossiers to `sealer` from now on (the portal rotated its key). A store that is
    /// not set up stays so: a key alone does not make a kiosk provisioned.
    pub fn set_sealer(&mut self, sealer: Sealer) -> bool {
        if self.sealer.is_none() {
            return false;
        }
        self.sealer = Some(sealer);
        self.prepared_seals.clear();
        true
    }

    /// Whether the store can take new dossiers (it has a portal key to seal to).
    pub fn is_set_up(&self) -> bool {
        self.sealer.is_some()
    }

    /// Signs a receipt for every dossier stored from now on.
    pub fn sign_receipts(&mut self, key: crate::protocol::signing::DeviceKey, kiosk_id: &str) {
        self.signer = Some((key, kiosk_id.to_string()));
    }

    /// Applies only the first `version` migrations: how tests build an older database.
    pub fn create_at_version(
        path: &Path,
        version: usize,
        sealer: &Sealer,
    ) -> Result<(), StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(Store::PRAGMAS)?;
        migrations(Some(sealer))
            .to_version(&mut conn, version)
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// Stores a finished dossier durably. When this returns `Ok`, the dossier survives a power
    /// cut; on `Err` nothing was written and the caller still holds every answer.
    pub fn submit(
        &mut self,
        draft: &DossierDraft,
        attachments: &[StoredAttachment],
        now: DateTime<Utc>,
    ) -> Result<DossierSummary, StoreError> {
        let state = DossierState::Draft
            .apply(DossierEvent::Submitted)
            .map_err(|e| StoreError::Decode(e.to_string()))?;
        let content = SealedContent {
            applicant_id: draft.applicant_id.as_str().to_string(),
            answers: draft.answers.clone(),
            identity: draft.identity.clone(),
            assisted_by: draft.assisted_by.clone(),
            declaration: draft.declaration.clone(),
        };
        let mut clear =
            serde_json::to_vec(&content).map_err(|e| StoreError::Decode(e.to_string()))?;
        let payload = self.seal_item(&clear, &seal_context(draft.id, "answers"));
        zeroize::Zeroize::zeroize(&mut clear);
        let payload = payload?;
        let sealed_photos = attachments
            .iter()
            .map(|a| self.seal_item(&a.bytes, &seal_context(draft.id, &a.reference.sha256)))
            .collect::<Result<Vec<_>, _>>()?;
        let at = stamp(now);
        let receipt = self.signer.as_ref().map(|(key, kiosk_id)| {
            // Photos in hash order, as the outbox sends them.
            let mut photos: Vec<&str> = attachments
                .iter()
                .map(|a| a.reference.sha256.as_str())
                .collect();
            photos.sort_unstable();
            photos.dedup();
            let hash = crate::protocol::receipt::content_hash(&payload, &photos);
            crate::protocol::receipt::Receipt::issue(
                key,
                &draft.id.to_string(),
                draft.code.as_str(),
                &hash,
                now,
                kiosk_id,
            )
            .to_text()
        });
        // One transaction, one fsync; the statements are kept prepared between submits.
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO dossiers (id, code, procedure_id, procedure_version, state, payload, created_at, updated_at, receipt, supplements, office_commune)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
                draft.id.to_string(),
                draft.code.as_str(),
                draft.procedure_id,
                draft.procedure_version,
                state.as_str(),
                payload,
                at,
                receipt,
                draft.supplements.map(|u| u.to_string()),
                draft.office_commune,
        ])?;
        for (a, sealed) in attachments.iter().zip(&sealed_photos) {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO attachments (dossier_id, sha256, mime, bytes) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![draft.id.to_string(), a.reference.sha256, a.reference.mime, sealed])?;
        }
        tx.prepare_cached(
            "INSERT INTO dossier_events (dossier_id, at, state) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![draft.id.to_string(), at, state.as_str()])?;
        tx.commit()?;
        Ok(DossierSummary {
            receipt,
            id: draft.id,
            code: draft.code.clone(),
            procedure_id: draft.procedure_id.clone(),
            state,
            created_at: now,
            supplements: draft.supplements,
            office_commune: draft.office_commune.clone(),
        })
    }

    pub fn find_by_code(&self, code: &DossierCode) -> Result<Option<DossierSummary>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("{SUMMARY_COLUMNS} WHERE code = ?1"),
                [code.as_str()],
                summary_row,
            )
            .optional()?;
        row.map(summary_of).transpose()
    }

    /// The latest supplement made at this kiosk for a dossier the office sent back.
    pub fn supplement_of(
        &self,
        original: uuid::Uuid,
    ) -> Result<Option<DossierSummary>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "{SUMMARY_COLUMNS} WHERE supplements = ?1 ORDER BY created_at DESC, id DESC LIMIT 1"
                ),
                [original.to_string()],
                summary_row,
            )
            .optional()?;
        row.map(summary_of).transpose()
    }

    /// Every state the dossier went through, oldest first.
    pub fn history(&self, id: uuid::Uuid) -> Result<Vec<StatusEvent>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, state, note, request FROM dossier_events WHERE dossier_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (at, state, note, request) = row?;
            Ok(StatusEvent {
                at: parse_time(&at)?,
                state: parse_state(&state)?,
                note,
                // A request that does not read is dropped, not the event (the note stays).
                request: request.and_then(|json| serde_json::from_str(&json).ok()),
            })
        })
        .collect()
    }

    /// The sealed answers of a dossier (for sync and for tests); only the portal can open them.
    pub fn payload(&self, id: uuid::Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT payload FROM dossiers WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn attachment_count(&self, id: uuid::Uuid) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM attachments WHERE dossier_id = ?1",
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Dossiers still to reach the portal (queued or sending).
    pub fn queue_len(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM dossiers WHERE state IN ('queued', 'sending')",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// When the oldest dossier not yet accepted by the portal was submitted.
    pub fn oldest_queued_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> = self.conn.query_row(
            "SELECT min(created_at) FROM dossiers WHERE state IN ('queued', 'sending')",
            [],
            |r| r.get(0),
        )?;
        Ok(text.and_then(|t| t.parse().ok()))
    }

    /// Stores the resident's rating of a dossier's service (a second rating replaces the
    /// first and is sent again).
    pub fn rate(
        &mut self,
        dossier: uuid::Uuid,
        rating: &crate::core::rating::Rating,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO ratings (dossier_id, stars, reasons, rated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (dossier_id) DO UPDATE SET stars = excluded.stars,
                 reasons = excluded.reasons, rated_at = excluded.rated_at, sent_at = NULL",
            params![
                dossier.to_string(),
                rating.stars,
                crate::core::rating::join_reasons(&rating.reasons),
                stamp(now)
            ],
        )?;
        Ok(())
    }

    /// The rating of a dossier, if the resident gave one.
    pub fn rating(
        &self,
        dossier: uuid::Uuid,
    ) -> Result<Option<crate::core::rating::Rating>, StoreError> {
        let row: Option<(u8, String)> = self
            .conn
            .query_row(
                "SELECT stars, reasons FROM ratings WHERE dossier_id = ?1",
                [dossier.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(stars, reasons)| crate::core::rating::Rating {
            stars,
            reasons: crate::core::rating::split_reasons(&reasons),
        }))
    }

    /// How many dossiers were stored from `since` up to and including `until` (the queue
    /// ticket's number among the day's).
    pub fn count_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM dossiers WHERE created_at >= ?1 AND created_at <= ?2",
            [stamp(since), stamp(until)],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    pub fn dossier_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM dossiers", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}

/// Times are stored in one fixed-width UTC form so that SQL compares them correctly.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(super) fn parse_state(s: &str) -> Result<DossierState, StoreError> {
    DossierState::parse(s).ok_or_else(|| StoreError::Decode(format!("unknown dossier state '{s}'")))
}

pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Decode(format!("bad time '{s}': {e}")))
}

/// The columns a `DossierSummary` is read from, before a `WHERE`.
const SUMMARY_COLUMNS: &str = "SELECT id, code, procedure_id, state, created_at, receipt, supplements, office_commune FROM dossiers";

type SummaryRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn summary_of(row: SummaryRow) -> Result<DossierSummary, StoreError> {
    let (id, code, procedure_id, state, created_at, receipt, supplements, office_commune) = row;
    let uuid = |s: &str| uuid::Uuid::parse_str(s).map_err(|e| StoreError::Decode(e.to_string()));
    Ok(DossierSummary {
        receipt,
        id: uuid(&id)?,
        code: DossierCode::parse(&code).map_err(|e| StoreError::Decode(e.to_string()))?,
        procedure_id,
        state: parse_state(&state)?,
        created_at: parse_time(&created_at)?,
        supplements: supplements.as_deref().map(uuid).transpose()?,
        office_commune,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::answer::{Answer, AttachmentRef};
    use crate::core::personal_id::PersonalId;
    use std::collections::BTreeMap;

    pub(crate) fn draft(seed: u8) -> DossierDraft {
        let mut answers = BTreeMap::new();
        answers.insert("name".to_string(), Answer::Text("Nguyễn Văn An".into()));
        DossierDraft {
            id: uuid::Uuid::now_v7(),
            code: DossierCode::from_random(&[seed, 2, 3, 4, 5, 6, 7, seed]),
            procedure_id: "tam-tru".into(),
            procedure_version: 1,
            applicant_id: PersonalId::parse("001093047064").unwrap(),
            answers,
            identity: None,
            assisted_by: None,
            supplements: None,
            office_commune: None,
            declaration: None,
        }
    }

    pub(crate) fn sealer() -> Sealer {
        Sealer::from_base64(crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY).unwrap()
    }

    #[test]
    fn migrations_are_valid() {
        migrations(Some(&sealer())).validate().unwrap();
    }

    #[test]
    fn a_submitted_dossier_is_found_by_code_with_its_history() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let d = DossierDraft {
            office_commune: Some("00070".into()),
            ..draft(1)
        };
        let now = Utc::now();
        let saved = store.submit(&d, &[], now).unwrap();
        assert_eq!(saved.state, DossierState::Queued);
        let found = store.find_by_code(&d.code).unwrap().unwrap();
        assert_eq!(found.id, d.id);
        // Where the resident was told to go is read back for the lookup and a reprint.
        assert_eq!(found.office_commune.as_deref(), Some("00070"));
        assert_eq!(saved.office_commune, found.office_commune);
        assert_eq!(store.history(d.id).unwrap().len(), 1);
        assert_eq!(store.queue_len().unwrap(), 1);
    }

    #[test]
    fn seals_prepared_while_idle_are_used_once_each_and_follow_a_new_portal_key() {
        use crate::protocol::sealing::Opener;
        let dev =
            Opener::from_base64(include_str!("../../assets/dev/portal-development.key")).unwrap();
        let mut store = Store::open_in_memory(sealer()).unwrap();
        assert_eq!(store.prepare_seals(), Store::SEAL_STOCK);
        let d = draft(1);
        store.submit(&d, &[], Utc::now()).unwrap();
        assert_eq!(
            store.prepared_seals.len(),
            Store::SEAL_STOCK - 1,
            "one taken"
        );
        let sealed = store.payload(d.id).unwrap().unwrap();
        let context = seal_context(d.id, "answers");
        assert!(
            dev.open(&sealed, &context).is_ok(),
            "opens like any sealed item"
        );
        // A second dossier gets another seal: never the same encapsulated key.
        let e = draft(2);
        store.submit(&e, &[], Utc::now()).unwrap();
        let other = store.payload(e.id).unwrap().unwrap();
        assert_ne!(sealed[9..41], other[9..41]);
        // The portal rotates its key: what was prepared for the old one is not used.
        let (private, public) = Opener::generate();
        assert!(store.set_sealer(Sealer::from_base64(&public).unwrap()));
        let f = draft(3);
        store.submit(&f, &[], Utc::now()).unwrap();
        let rotated = store.payload(f.id).unwrap().unwrap();
        let context = seal_context(f.id, "answers");
        assert!(
            Opener::from_base64(&private)
                .unwrap()
                .open(&rotated, &context)
                .is_ok()
        );
        assert!(dev.open(&rotated, &context).is_err());
        assert_eq!(store.prepare_seals(), Store::SEAL_STOCK);
        // A kiosk that is not set up prepares nothing.
        assert_eq!(Store::unavailable().unwrap().prepare_seals(), 0);
    }

    #[test]
    fn a_queue_number_counts_the_dossiers_stored_since_midnight_up_to_this_one() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 16:59 UTC on the 23rd is 23:59 in Việt Nam: the day before.
        store
            .submit(&draft(1), &[], t("2026-11-23T16:59:00Z"))
            .unwrap();
        store
            .submit(&draft(2), &[], t("2026-11-24T01:00:00Z"))
            .unwrap();
        store
            .submit(&draft(3), &[], t("2026-11-24T02:00:00Z"))
            .unwrap();
        store
            .submit(&draft(4), &[], t("2026-11-24T03:00:00Z"))
            .unwrap();
        let midnight = t("2026-11-23T17:00:00Z");
        assert_eq!(
            store
                .count_between(midnight, t("2026-11-24T02:00:00Z"))
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .count_between(midnight, t("2026-11-24T03:00:00Z"))
                .unwrap(),
            3
        );
    }

    #[test]
    fn a_signed_receipt_binds_exactly_what_was_sealed() {
        use crate::protocol::receipt::{Receipt, content_hash};
        use crate::protocol::signing::DeviceKey;
        let mut store = Store::open_in_memory(sealer()).unwrap();
        store.sign_receipts(DeviceKey::from_seed([3; 32]), "KIOSK-1");
        let photo = StoredAttachment {
            reference: AttachmentRef {
                sha256: "bb".into(),
                mime: "image/jpeg".into(),
                bytes: 3,
            },
            bytes: vec![1, 2, 3],
        };
        let now = Utc::now();
        let saved = store.submit(&draft(5), &[photo], now).unwrap();
        let receipt = Receipt::parse(saved.receipt.as_deref().unwrap()).unwrap();
        receipt.verify().unwrap();
        assert_eq!(receipt.code, saved.code.as_str());
        assert_eq!(receipt.kiosk_id, "KIOSK-1");
        let item = store.claim_next(now).unwrap().unwrap();
        let photos: Vec<&str> = item
            .attachments
            .iter()
            .map(|(sha, _, _)| sha.as_str())
            .collect();
        assert_eq!(
            content_hash(&item.sealed_answers, &photos),
            receipt.content_hash
        );
        assert_eq!(item.receipt.as_deref(), saved.receipt.as_deref());
    }

    #[test]
    fn a_dossier_stored_without_a_receipt_gets_one_when_it_is_first_sent() {
        use crate::protocol::receipt::{Receipt, content_hash};
        use crate::protocol::signing::DeviceKey;
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let photo = StoredAttachment {
            reference: AttachmentRef {
                sha256: "cc".into(),
                mime: "image/jpeg".into(),
                bytes: 2,
            },
            bytes: vec![7, 8],
        };
        let taken = Utc::now();
        let saved = store.submit(&draft(6), &[photo], taken).unwrap();
        assert_eq!(saved.receipt, None, "no signer yet: no receipt");
        store.sign_receipts(DeviceKey::from_seed([4; 32]), "KIOSK-2");
        let later = taken + chrono::Duration::hours(5);
        let first = store.claim_next(later).unwrap().unwrap();
        let text = first.receipt.clone().expect("signed at the first send");
        let receipt = Receipt::parse(&text).unwrap();
        receipt.verify().unwrap();
        assert_eq!(receipt.dossier_id, saved.id.to_string());
        assert_eq!(receipt.kiosk_id, "KIOSK-2");
        assert_eq!(
            receipt.issued_at,
            taken.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "dated when the dossier was taken, not when it was sent"
        );
        let photos: Vec<&str> = first
            .attachments
            .iter()
            .map(|(s, _, _)| s.as_str())
            .collect();
        assert_eq!(
            content_hash(&first.sealed_answers, &photos),
            receipt.content_hash
        );
        // Kept: a second send carries the same receipt, so the portal sees the same dossier.
        store
            .schedule_retry(first.id, "offline", later, later)
            .unwrap();
        let again = store.claim_next(later).unwrap().unwrap();
        assert_eq!(again.receipt.as_deref(), Some(text.as_str()));
        assert_eq!(
            store
                .find_by_code(&saved.code)
                .unwrap()
                .unwrap()
                .receipt
                .as_deref(),
            Some(text.as_str())
        );
    }

    #[test]
    fn the_same_dossier_cannot_be_stored_twice() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let d = draft(1);
        store.submit(&d, &[], Utc::now()).unwrap();
        assert!(store.submit(&d, &[], Utc::now()).is_err());
        assert_eq!(store.dossier_count().unwrap(), 1);
    }

    #[test]
    fn a_read_only_database_is_reported_as_such_and_a_retry_can_work() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        store.conn.execute_batch("PRAGMA query_only = ON").unwrap();
        let err = store.submit(&draft(3), &[], Utc::now()).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly), "{err:?}");
        assert!(err.is_retryable());
        assert!(err.message().vi.contains("Nộp lại"));
        store.conn.execute_batch("PRAGMA query_only = OFF").unwrap();
        assert!(store.submit(&draft(3), &[], Utc::now()).is_ok());
    }

    #[test]
    fn a_full_disk_is_reported_as_full_and_writes_nothing() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let page_count: i64 = store
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        store
            .conn
            .execute_batch(&format!("PRAGMA max_page_count = {page_count}"))
            .unwrap();
        let big = StoredAttachment {
            reference: AttachmentRef {
                sha256: "ab".into(),
                mime: "image/jpeg".into(),
                bytes: 200_000,
            },
            bytes: vec![7u8; 200_000],
        };
        let err = store.submit(&draft(2), &[big], Utc::now()).unwrap_err();
        assert!(matches!(err, StoreError::Full), "{err:?}");
        assert!(err.is_retryable());
        assert_eq!(
            store.dossier_count().unwrap(),
            0,
            "the transaction rolled back whole"
        );
    }
}
