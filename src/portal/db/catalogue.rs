//! The signed procedure catalogue the portal publishes, and the newest one a kiosk has not got.

use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::SignedCatalogue;
use rusqlite::{OptionalExtension, params};

impl PortalDb {
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
}
