//! Faults a test or a developer tool switches on in a store, to show what the kiosk does when
//! the disk misbehaves: writes refused (a failing or read-only disk), the file capped at its
//! present size (a full disk), and durability off while a benchmark fills a store. Only with
//! the developer tools or in tests: the appliance build has no such door into its database.

use crate::store::{Store, StoreError};

impl Store {
    /// Every write fails from now on (until switched off), as on a failing disk.
    pub fn refuse_writes(&self, refuse: bool) -> Result<(), StoreError> {
        let on = if refuse { "ON" } else { "OFF" };
        self.conn
            .execute_batch(&format!("PRAGMA query_only = {on}"))?;
        Ok(())
    }

    /// The database may not grow past its present size (until switched off): a full disk.
    pub fn cap_size(&self, capped: bool) -> Result<(), StoreError> {
        let pages: i64 = if capped {
            self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?
        } else {
            // SQLite's own ceiling.
            1_073_741_823
        };
        self.conn
            .execute_batch(&format!("PRAGMA max_page_count = {pages}"))?;
        Ok(())
    }

    /// Writes without waiting for the disk (`synchronous = OFF`), to fill a benchmark's store
    /// quickly; switched back, every write is durable again. Never on a kiosk.
    pub fn skip_fsync(&self, skip: bool) -> Result<(), StoreError> {
        let mode = if skip { "OFF" } else { "FULL" };
        self.conn
            .execute_batch(&format!("PRAGMA synchronous = {mode}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;
    use crate::store::dossier_store::tests::{draft, sealer};

    #[test]
    fn refused_writes_and_a_full_disk_fail_writes_until_switched_off() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("kiosk.db"), sealer()).unwrap();
        s.refuse_writes(true).unwrap();
        assert!(s.submit(&draft(1), &[], chrono::Utc::now()).is_err());
        s.refuse_writes(false).unwrap();
        s.cap_size(true).unwrap();
        let big = crate::core::stored_dossier::StoredAttachment {
            reference: crate::core::answer::AttachmentRef {
                sha256: "00".repeat(32),
                mime: "image/jpeg".into(),
                bytes: 1 << 20,
            },
            bytes: vec![7; 1 << 20],
        };
        assert!(s.submit(&draft(2), &[big], chrono::Utc::now()).is_err());
        s.cap_size(false).unwrap();
        assert!(s.submit(&draft(3), &[], chrono::Utc::now()).is_ok());
        assert_eq!(
            s.queue_len().unwrap(),
            1,
            "the refused ones left nothing behind"
        );
    }
}
