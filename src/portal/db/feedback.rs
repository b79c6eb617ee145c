//! What kiosks report besides dossiers: residents' ratings of the service and the alerts their
//! cabinets raise (help requests, the door opened).

use crate::portal::db::{PortalDb, PortalError};
use rusqlite::{OptionalExtension, params};

impl PortalDb {
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
        let Some(internal) = crate::portal::db::claims::claimed(&conn, kiosk_id, dossier_id)?
        else {
            return Err(PortalError::NotFound);
        };
        let dossier_id = internal.as_str();
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
}
