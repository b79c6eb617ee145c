//! Sending one dossier: its sealed photos first, each from wherever the portal's copy stops,
//! a chunk at a time (a broken connection costs at most one chunk), then the dossier itself,
//! the commit point that the portal's idempotency makes safe to repeat.

use crate::store::OutboxItem;
use crate::sync::engine::{SyncEngine, upload_of};
use crate::sync::transport::{PortalTransport, SendError};
use sha2::Digest as _;

impl<T: PortalTransport> SyncEngine<T> {
    pub(super) async fn send(&self, item: OutboxItem) -> Result<String, SendError> {
        for (sha, _, sealed) in &item.attachments {
            self.upload_photo(item.id, sha, sealed).await?;
        }
        let upload = upload_of(&item, &self.kiosk_id);
        let acceptance = self
            .call(self.transport.put_dossier(item.id, &upload))
            .await?;
        Ok(acceptance.reference)
    }

    /// Sends a sealed photo from wherever the portal's copy stops, a chunk at a time.
    pub(super) async fn upload_photo(
        &self,
        id: uuid::Uuid,
        sha: &str,
        sealed: &[u8],
    ) -> Result<(), SendError> {
        let total = sealed.len() as u64;
        let checksum = hex::encode(sha2::Sha256::digest(sealed));
        let mut progress = self.call(self.transport.upload_progress(id, sha)).await?;
        // Every request must move the upload on; a portal that keeps sending the kiosk back
        // (or a transport that lies) gets a bounded number of requests, then a retry later.
        let mut budget = 2 * (sealed.len() / self.chunk_size + 1) + 4;
        while !progress.complete {
            if budget == 0 {
                return Err(SendError::retry(
                    "the portal does not take the photo's bytes",
                ));
            }
            budget -= 1;
            let from = progress.received.min(total) as usize;
            let to = (from + self.chunk_size).min(sealed.len());
            let next = self
                .call(self.transport.append_upload(
                    id,
                    sha,
                    &checksum,
                    from as u64,
                    total,
                    sealed[from..to].to_vec(),
                ))
                .await?;
            progress = next;
        }
        Ok(())
    }
}
