//! Retention: the kiosk is a way in, not an archive. Once the portal has held a dossier for the
//! retention period (from the first time it confirmed it), its sealed answers and photos are
//! deleted from the kiosk (overwritten: `secure_delete` is on), keeping its code, status
//! history and signed receipt so residents can still look it up and reprint. A dossier the
//! portal has not confirmed is never touched, whatever its age.

use crate::store::dossier_store::stamp;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// Deletes the content of dossiers the portal confirmed at or before `held_since`; how
    /// many were emptied.
    pub fn delete_delivered_content(
        &mut self,
        held_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let ids: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT d.id FROM dossiers d
                 WHERE d.content_deleted_at IS NULL
                   AND d.state IN ('accepted', 'rejected', 'needs_fix')
                   AND (SELECT min(e.at) FROM dossier_events e
                        WHERE e.dossier_id = d.id AND e.state = 'accepted') <= ?1",
            )?;
            let rows = stmt.query_map([stamp(held_since)], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &ids {
            tx.execute("DELETE FROM attachments WHERE dossier_id = ?1", [id])?;
            tx.execute(
                "UPDATE dossiers SET payload = X'', content_deleted_at = ?2 WHERE id = ?1",
                params![id, stamp(now)],
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Whether a dossier's sealed content is still on the kiosk.
    pub fn has_content(&self, id: uuid::Uuid) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT content_deleted_at IS NULL AND length(payload) > 0 FROM dossiers WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use crate::core::answer::AttachmentRef;
    use crate::store::dossier_store::tests::{draft, sealer};
    use crate::store::{Store, StoredAttachment};
    use chrono::{DateTime, Duration, Utc};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn only_content_the_portal_has_held_for_the_period_is_deleted() {
        let mut store = Store::open_in_memory(sealer()).unwrap();
        let photo = StoredAttachment {
            reference: AttachmentRef {
                sha256: "aa".into(),
                mime: "image/jpeg".into(),
                bytes: 3,
            },
            bytes: vec![1, 2, 3],
        };
        let day0 = at("2026-11-01T02:00:00Z");
        let old = draft(1);
        let recent = draft(2);
        let unsent = draft(3);
        for d in [&old, &recent, &unsent] {
            store.submit(d, std::slice::from_ref(&photo), day0).unwrap();
        }
        // The portal takes `old` on day 0 and `recent` on day 20; `unsent` never arrives.
        for (d, when) in [(&old, day0), (&recent, day0 + Duration::days(20))] {
            let item = loop {
                let item = store.claim_next(when).unwrap().unwrap();
                if item.id == d.id {
                    break item;
                }
                store
                    .schedule_retry(item.id, "later", when + Duration::days(400), when)
                    .unwrap();
            };
            store.mark_accepted(item.id, "HS-1", when).unwrap();
        }
        store
            .apply_status(
                &old.id.to_string(),
                crate::core::dossier::DossierState::Rejected,
                Some("x"),
                None,
                day0 + Duration::days(1),
            )
            .unwrap();
        let now = day0 + Duration::days(31);
        let emptied = store
            .delete_delivered_content(now - Duration::days(30), now)
            .unwrap();
        assert_eq!(emptied, 1);
        assert!(!store.has_content(old.id).unwrap());
        assert_eq!(store.attachment_count(old.id).unwrap(), 0);
        assert!(store.has_content(recent.id).unwrap());
        assert!(store.has_content(unsent.id).unwrap());
        assert_eq!(store.attachment_count(unsent.id).unwrap(), 1);
        // What the resident holds is kept: code, history, receipt.
        let kept = store.find_by_code(&old.code).unwrap().unwrap();
        assert_eq!(kept.id, old.id);
        assert_eq!(store.history(old.id).unwrap().len(), 4);
        // A second run finds nothing more to delete; an unsent dossier is never touched.
        let much_later = now + Duration::days(1000);
        assert_eq!(
            store
                .delete_delivered_content(much_later - Duration::days(30), much_later)
                .unwrap(),
            1,
            "only `recent`, now old enough"
        );
        assert!(store.has_content(unsent.id).unwrap());
    }
}
