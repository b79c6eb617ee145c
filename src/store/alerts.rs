//! The alerts table: help requests and cabinet-door events waiting to reach the portal, kept
//! durably so that one raised offline is reported when the network returns. No personal data.

use crate::store::StoreError;
use crate::store::dossier_store::{Store, parse_time, stamp};
use chrono::{DateTime, Utc};
use rusqlite::params;

pub use crate::protocol::contract::AlertKind;

impl Store {
    /// Records an alert to send; its id is the idempotency key at the portal.
    pub fn raise_alert(
        &mut self,
        kind: AlertKind,
        at: DateTime<Utc>,
    ) -> Result<uuid::Uuid, StoreError> {
        let id = uuid::Uuid::now_v7();
        self.conn.execute(
            "INSERT INTO alerts (id, kind, raised_at) VALUES (?1, ?2, ?3)",
            params![id.to_string(), kind.as_str(), stamp(at)],
        )?;
        Ok(id)
    }

    /// Alerts the portal has not acknowledged, oldest first.
    pub fn unsent_alerts(&self) -> Result<Vec<(uuid::Uuid, AlertKind, DateTime<Utc>)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, raised_at FROM alerts WHERE sent_at IS NULL ORDER BY raised_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (id, kind, at) = row?;
            Ok((
                uuid::Uuid::parse_str(&id).map_err(|e| StoreError::Decode(e.to_string()))?,
                AlertKind::parse(&kind)
                    .ok_or_else(|| StoreError::Decode(format!("unknown alert kind {kind}")))?,
                parse_time(&at)?,
            ))
        })
        .collect()
    }

    pub fn mark_alert_sent(
        &mut self,
        id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE alerts SET sent_at = ?2 WHERE id = ?1",
            params![id.to_string(), stamp(now)],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_waits_until_marked_sent_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.sqlite");
        let sealer = || {
            crate::protocol::sealing::Sealer::from_base64(
                crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
            )
            .unwrap()
        };
        let at = Utc::now();
        let id = {
            let mut store = Store::open(&path, sealer()).unwrap();
            store.raise_alert(AlertKind::DoorOpened, at).unwrap()
        };
        let mut store = Store::open(&path, sealer()).unwrap();
        let unsent = store.unsent_alerts().unwrap();
        assert_eq!(unsent.len(), 1);
        assert_eq!((unsent[0].0, unsent[0].1), (id, AlertKind::DoorOpened));
        store.mark_alert_sent(id, at).unwrap();
        assert!(store.unsent_alerts().unwrap().is_empty());
    }
}
