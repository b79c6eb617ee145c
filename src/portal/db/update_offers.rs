//! Software updates the portal offers to groups of kiosks: the bundles themselves (stored once
//! by SHA-256, in pieces, so a kiosk fetches any range and a replica reads the same rows), the
//! signed offers per kiosk group (the newest live offer of a kiosk's group is the one it sees;
//! a withdrawn offer stays on record), and which group each kiosk is in. Offering, withdrawing
//! and moving a kiosk are audited.

use crate::portal::db::audit::{Attribution, append_in};
use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::{SignedUpdateOffer, UpdateOffer};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Read;

/// The size of one stored piece of a bundle.
pub const PIECE_BYTES: usize = 1024 * 1024;
pub use crate::protocol::update_offer::MAX_FETCH_BYTES;
/// The group every kiosk starts in.
pub const DEFAULT_GROUP: &str = "general";

/// One offer, for the administrators' listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    pub group: String,
    pub version: String,
    pub sha256: String,
    pub size: u64,
    pub offered_at: String,
    pub offered_by: String,
    pub withdrawn_at: Option<String>,
}

/// Whether `group` is a group name (letters, digits, '-' and '_', at most 32).
pub fn check_group(group: &str) -> Result<(), PortalError> {
    if !group.is_empty()
        && group.len() <= 32
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(PortalError::BadAccount(format!(
            "{group:?} is not a kiosk group name (letters, digits, - and _, at most 32)"
        )))
    }
}

impl PortalDb {
    /// Stores a bundle read from `bundle` (at most `max` bytes) unless it is already stored;
    /// its SHA-256 and size. One transaction: a bundle is stored whole or not at all.
    pub fn store_update_bundle(
        &self,
        mut bundle: impl Read,
        max: u64,
        now: &str,
    ) -> Result<(String, u64), PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        // Stored under a provisional name until the digest is known.
        let provisional = format!("incoming-{}", uuid::Uuid::now_v7());
        tx.execute(
            "INSERT INTO update_bundles (sha256, size, stored_at) VALUES (?1, 0, ?2)",
            params![provisional, now],
        )?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut piece = Vec::with_capacity(PIECE_BYTES);
        for seq in 0i64.. {
            piece.clear();
            (&mut bundle)
                .take(PIECE_BYTES as u64)
                .read_to_end(&mut piece)
                .map_err(|e| PortalError::BadUpload(format!("cannot read the bundle: {e}")))?;
            if piece.is_empty() {
                break;
            }
            size += piece.len() as u64;
            if size > max {
                return Err(PortalError::BadUpload(format!(
                    "the bundle is larger than {max} bytes"
                )));
            }
            hasher.update(&piece);
            tx.execute(
                "INSERT INTO update_bundle_pieces (sha256, seq, bytes) VALUES (?1, ?2, ?3)",
                params![provisional, seq, &piece],
            )?;
        }
        if size == 0 {
            return Err(PortalError::BadUpload("the bundle is empty".into()));
        }
        let sha256 = hex::encode(hasher.finalize());
        let known: bool = tx.query_row(
            "SELECT count(*) > 0 FROM update_bundles WHERE sha256 = ?1",
            [&sha256],
            |r| r.get(0),
        )?;
        if known {
            // Already stored: the transaction is dropped, the provisional copy with it.
            return Ok((sha256, size));
        }
        tx.execute(
            "INSERT INTO update_bundles (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
            params![sha256, size as i64, now],
        )?;
        tx.execute(
            "UPDATE update_bundle_pieces SET sha256 = ?1 WHERE sha256 = ?2",
            params![sha256, provisional],
        )?;
        tx.execute(
            "DELETE FROM update_bundles WHERE sha256 = ?1",
            [&provisional],
        )?;
        tx.commit()?;
        Ok((sha256, size))
    }

    /// Offers a stored bundle to `group` with its signed offer (what kiosks verify).
    pub fn offer_update(
        &self,
        offer: &UpdateOffer,
        signed: &SignedUpdateOffer,
        by: &Attribution,
    ) -> Result<(), PortalError> {
        check_group(&offer.group)?;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let size: Option<i64> = tx
            .query_row(
                "SELECT size FROM update_bundles WHERE sha256 = ?1",
                [&offer.sha256],
                |r| r.get(0),
            )
            .optional()?;
        if size != Some(offer.size as i64) {
            return Err(PortalError::BadUpload(
                "the offer names a bundle the portal does not hold at that size".into(),
            ));
        }
        tx.execute(
            "INSERT INTO update_offers (kiosk_group, version, sha256, signed, offered_at, offered_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                offer.group,
                offer.version,
                offer.sha256,
                serde_json::to_string(signed).unwrap_or_default(),
                offer.offered_at,
                by.actor
            ],
        )?;
        append_in(
            &tx,
            by,
            "update_offered",
            &offer.group,
            &format!("{} {}", offer.version, offer.sha256),
            &offer.offered_at,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Withdraws the live offers of `version` to `group`; how many.
    pub fn withdraw_update(
        &self,
        group: &str,
        version: &str,
        by: &Attribution,
        now: &str,
    ) -> Result<usize, PortalError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE update_offers SET withdrawn_at = ?3
             WHERE kiosk_group = ?1 AND version = ?2 AND withdrawn_at IS NULL",
            params![group, version, now],
        )?;
        if n > 0 {
            append_in(&tx, by, "update_withdrawn", group, version, now)?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Puts a kiosk in a group; false when no such kiosk is enrolled.
    pub fn set_update_group(
        &self,
        kiosk_id: &str,
        group: &str,
        by: &Attribution,
        now: &str,
    ) -> Result<bool, PortalError> {
        check_group(group)?;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE devices SET update_group = ?2 WHERE kiosk_id = ?1",
            params![kiosk_id, group],
        )?;
        if n > 0 {
            append_in(&tx, by, "kiosk_group_set", kiosk_id, group, now)?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// The newest live offer to the group `kiosk_id` is in.
    pub fn update_offer_for(
        &self,
        kiosk_id: &str,
    ) -> Result<Option<SignedUpdateOffer>, PortalError> {
        let text: Option<String> = self
            .lock()
            .query_row(
                "SELECT o.signed FROM update_offers o
                 JOIN devices d ON d.update_group = o.kiosk_group
                 WHERE d.kiosk_id = ?1 AND o.withdrawn_at IS NULL
                 ORDER BY o.id DESC LIMIT 1",
                [kiosk_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Up to `MAX_FETCH_BYTES` of bundle `sha256` from `offset`, for `kiosk_id` only while its
    /// group has a live offer of that bundle (`NotFound` otherwise, and past the end).
    pub fn update_bundle_piece(
        &self,
        kiosk_id: &str,
        sha256: &str,
        offset: u64,
    ) -> Result<Vec<u8>, PortalError> {
        let conn = self.lock();
        let size: Option<i64> = conn
            .query_row(
                "SELECT b.size FROM update_bundles b
                 JOIN update_offers o ON o.sha256 = b.sha256 AND o.withdrawn_at IS NULL
                 JOIN devices d ON d.update_group = o.kiosk_group AND d.kiosk_id = ?1
                 WHERE b.sha256 = ?2 LIMIT 1",
                params![kiosk_id, sha256],
                |r| r.get(0),
            )
            .optional()?;
        let size = size.ok_or(PortalError::NotFound)? as u64;
        if offset >= size {
            return Err(PortalError::NotFound);
        }
        let end = (offset + MAX_FETCH_BYTES as u64).min(size);
        let (first, last) = (offset / PIECE_BYTES as u64, (end - 1) / PIECE_BYTES as u64);
        let mut statement = conn.prepare(
            "SELECT seq, bytes FROM update_bundle_pieces
             WHERE sha256 = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
        )?;
        let mut out = Vec::with_capacity((end - offset) as usize);
        let rows = statement.query_map(params![sha256, first as i64, last as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (seq, bytes) = row?;
            let start = seq as u64 * PIECE_BYTES as u64;
            let from = offset.saturating_sub(start) as usize;
            let to = ((end - start) as usize).min(bytes.len());
            if from < to {
                out.extend_from_slice(&bytes[from..to]);
            }
        }
        if out.len() as u64 != end - offset {
            return Err(PortalError::BadUpload(format!(
                "bundle {sha256} is incomplete in the database"
            )));
        }
        Ok(out)
    }

    /// Every offer, newest first.
    pub fn update_offers(&self) -> Result<Vec<OfferRecord>, PortalError> {
        let conn = self.lock();
        let mut statement = conn.prepare(
            "SELECT o.kiosk_group, o.version, o.sha256, b.size, o.offered_at, o.offered_by,
                    o.withdrawn_at
             FROM update_offers o JOIN update_bundles b ON b.sha256 = o.sha256
             ORDER BY o.id DESC",
        )?;
        let rows = statement.query_map([], |r| {
            Ok(OfferRecord {
                group: r.get(0)?,
                version: r.get(1)?,
                sha256: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
                offered_at: r.get(4)?,
                offered_by: r.get(5)?,
                withdrawn_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::contract::Enrollment;
    use crate::protocol::signing::DeviceKey;

    fn enroll(db: &PortalDb, kiosk: &str) {
        db.enroll(
            &Enrollment {
                kiosk_id: kiosk.into(),
                public_key: DeviceKey::generate().unwrap().public_base64(),
                place: String::new(),
                commune_code: String::new(),
                app_version: "0.17.0".into(),
                handovers: Vec::new(),
            },
            "2026-12-07T00:00:00Z",
        )
        .unwrap();
    }

    fn offer(db: &PortalDb, bundle: &[u8], version: &str, group: &str) -> UpdateOffer {
        let (sha256, size) = db
            .store_update_bundle(bundle, 1 << 30, "2026-12-07T00:00:00Z")
            .unwrap();
        let offer = UpdateOffer {
            version: version.into(),
            sha256,
            size,
            group: group.into(),
            offered_at: "2026-12-07T00:00:00Z".into(),
        };
        let signed = crate::protocol::update_offer::sign(&offer, &DeviceKey::from_seed([3; 32]));
        db.offer_update(&offer, &signed, &Attribution::command("test"))
            .unwrap();
        offer
    }

    #[test]
    fn a_bundle_is_fetched_whole_from_any_offset_across_its_pieces() {
        let db = PortalDb::open_in_memory().unwrap();
        enroll(&db, "K1");
        // Two and a half pieces, with a pattern that shows any misplaced byte.
        let bundle: Vec<u8> = (0..(PIECE_BYTES * 5 / 2) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        let o = offer(&db, &bundle, "0.18.0", DEFAULT_GROUP);
        assert_eq!(o.size, bundle.len() as u64);
        assert_eq!(o.sha256, hex::encode(Sha256::digest(&bundle)));
        let mut fetched = db.update_bundle_piece("K1", &o.sha256, 0).unwrap();
        assert_eq!(fetched.len(), bundle.len().min(MAX_FETCH_BYTES));
        // Resumed from an odd offset inside a piece.
        fetched.truncate(PIECE_BYTES + 12_345);
        while (fetched.len() as u64) < o.size {
            let more = db
                .update_bundle_piece("K1", &o.sha256, fetched.len() as u64)
                .unwrap();
            assert!(!more.is_empty());
            fetched.extend(more);
        }
        assert!(fetched == bundle, "the fetched bundle differs");
        assert!(matches!(
            db.update_bundle_piece("K1", &o.sha256, o.size),
            Err(PortalError::NotFound)
        ));
        // Storing the same bundle again keeps one copy.
        let again = db
            .store_update_bundle(bundle.as_slice(), 1 << 30, "x")
            .unwrap();
        assert_eq!(again, (o.sha256.clone(), o.size));
        let pieces: i64 = db
            .lock()
            .query_row("SELECT count(*) FROM update_bundle_pieces", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(pieces, 3);
    }

    #[test]
    fn offers_reach_only_their_group_and_a_withdrawn_one_is_no_longer_served() {
        let db = PortalDb::open_in_memory().unwrap();
        enroll(&db, "PILOT-1");
        enroll(&db, "K2");
        let by = Attribution::command("test");
        assert!(db.set_update_group("PILOT-1", "pilot", &by, "t").unwrap());
        assert!(!db.set_update_group("NOBODY", "pilot", &by, "t").unwrap());
        assert!(db.set_update_group("K2", "no spaces", &by, "t").is_err());
        let o = offer(&db, b"bundle 0.18.0", "0.18.0", "pilot");
        assert!(db.update_offer_for("PILOT-1").unwrap().is_some());
        assert!(
            db.update_offer_for("K2").unwrap().is_none(),
            "not its group"
        );
        assert!(matches!(
            db.update_bundle_piece("K2", &o.sha256, 0),
            Err(PortalError::NotFound)
        ));
        // The general group gets it later; a newer offer replaces the older for the pilot.
        offer(&db, b"bundle 0.18.0", "0.18.0", DEFAULT_GROUP);
        assert!(db.update_offer_for("K2").unwrap().is_some());
        let newer = offer(&db, b"bundle 0.18.1", "0.18.1", "pilot");
        let seen = db.update_offer_for("PILOT-1").unwrap().unwrap();
        let opened = crate::protocol::update_offer::open(
            &seen,
            &DeviceKey::from_seed([3; 32]).public_base64(),
        )
        .unwrap();
        assert_eq!(opened, newer);
        // Withdrawn: the pilot falls back to its previous live offer, then to none.
        assert_eq!(db.withdraw_update("pilot", "0.18.1", &by, "t").unwrap(), 1);
        let seen = db.update_offer_for("PILOT-1").unwrap().unwrap();
        assert!(
            crate::protocol::update_offer::open(
                &seen,
                &DeviceKey::from_seed([3; 32]).public_base64()
            )
            .unwrap()
            .version
                == "0.18.0"
        );
        assert!(matches!(
            db.update_bundle_piece("PILOT-1", &newer.sha256, 0),
            Err(PortalError::NotFound)
        ));
        db.withdraw_update("pilot", "0.18.0", &by, "t").unwrap();
        assert!(db.update_offer_for("PILOT-1").unwrap().is_none());
        assert_eq!(
            db.update_offers().unwrap().len(),
            3,
            "withdrawn stays on record"
        );
        let actions: Vec<String> = db
            .audit_log(Some(100))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.iter().any(|a| a == "update_offered"), "{actions:?}");
        assert!(actions.iter().any(|a| a == "update_withdrawn"));
        assert!(actions.iter().any(|a| a == "kiosk_group_set"));
    }
}
