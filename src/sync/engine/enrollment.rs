//! The engine's enrollment: the kiosk makes itself known to the portal once (its device key,
//! with the provisioning token), remembers that the portal accepted it, and forgets it when
//! the portal says it does not know the kiosk (any more).

use crate::sync::engine::SyncEngine;
use crate::sync::transport::PortalTransport;
use std::sync::atomic::Ordering;

/// The store key under which the engine keeps the enrollment the portal accepted.
const ENROLLED_AS: &str = "enrolled_as";

impl<T: PortalTransport> SyncEngine<T> {
    /// Enrolls the kiosk if the portal does not know it yet; false when that failed. An
    /// enrollment the portal accepted before (kept in the store) is not repeated: the token may
    /// have been for one use only.
    pub(super) async fn ensure_enrolled(&self) -> bool {
        if self.enrolled.load(Ordering::SeqCst) {
            return true;
        }
        let name = self.transport.enrollment_name();
        if !name.is_empty() {
            let kept = self.store.call(|s| s.sync_value(ENROLLED_AS)).await;
            if kept.ok().flatten().as_deref() == Some(name.as_str()) {
                self.enrolled.store(true, Ordering::SeqCst);
                return true;
            }
        }
        match self.call(self.transport.enroll()).await {
            Ok(_) => {
                tracing::info!(kiosk = %self.kiosk_id, "enrolled with the portal");
                self.enrolled.store(true, Ordering::SeqCst);
                if !name.is_empty() {
                    let kept = self
                        .store
                        .call(move |s| s.set_sync_value(ENROLLED_AS, Some(&name)))
                        .await;
                    if let Err(e) = kept {
                        tracing::warn!("the enrollment is not remembered: {e}");
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!("cannot enroll with the portal: {e}");
                false
            }
        }
    }

    /// The portal does not know this kiosk (any more): enroll again with the token next pass.
    pub(super) async fn forget_enrollment(&self) {
        self.enrolled.store(false, Ordering::SeqCst);
        if let Err(e) = self
            .store
            .call(|s| s.set_sync_value(ENROLLED_AS, None))
            .await
        {
            tracing::warn!("{e}");
        }
    }
}
