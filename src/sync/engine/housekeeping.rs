//! The slower half of a pass: retention of delivered dossiers' content, a newer catalogue,
//! the update offered (`update_pull`), the heartbeat with the device states (at most every
//! `housekeeping_every`), and the decisions pulled back from the portal.

use crate::core::dossier::DossierState;
use crate::protocol::contract::Heartbeat;
use crate::store::StoreError;
use crate::sync::engine::SyncEngine;
use crate::sync::transport::{PortalTransport, SendError};

impl<T: PortalTransport> SyncEngine<T> {
    /// Heartbeat and catalogue, at most every `housekeeping_every`.
    pub(super) async fn housekeeping(&self) {
        let now = self.clock.now();
        {
            let mut last = self
                .last_housekeeping
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let every = chrono::Duration::from_std(self.housekeeping_every).unwrap_or_default();
            if last.is_some_and(|at| now - at < every) {
                return;
            }
            *last = Some(now);
        }
        if let Some(period) = self.keep_delivered {
            let held_since = now - chrono::Duration::from_std(period).unwrap_or_default();
            match self
                .store
                .call(move |s| s.delete_delivered_content(held_since, now))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    dossiers = n,
                    "content of delivered dossiers deleted after the retention period"
                ),
                Err(e) => tracing::error!(error = %e, "retention did not run"),
            }
        }
        // The catalogue first, so the heartbeat reports the version now installed.
        if let Some(sink) = &self.catalogue {
            match self.call(self.transport.catalogue(sink.version())).await {
                Ok(Some(signed)) => {
                    let sink = sink.clone();
                    let result = tokio::task::spawn_blocking(move || sink.install(&signed))
                        .await
                        .unwrap_or_else(|e| {
                            Err(crate::sync::catalogue_sink::CatalogueError::Interrupted(
                                e.to_string(),
                            ))
                        });
                    match result {
                        Ok(version) => tracing::info!(version, "new procedure catalogue installed"),
                        Err(e) => tracing::error!("catalogue update refused: {e}"),
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::debug!("catalogue not checked: {e}"),
            }
        }
        self.pull_update().await;
        let health = self.health.snapshot();
        let queued = self.store.call(|s| s.queue_len()).await.unwrap_or(0);
        let oldest = self
            .store
            .call(|s| s.oldest_queued_at())
            .await
            .ok()
            .flatten();
        let beat = Heartbeat {
            kiosk_id: self.kiosk_id.clone(),
            at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            queued,
            oldest_queued_at: oldest.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            catalogue_version: self.catalogue.as_ref().map(|c| c.version()).unwrap_or(0),
            app_version: env!("CARGO_PKG_VERSION").into(),
            printer: health.printer.label().to_string(),
            reader: health.reader.label().to_string(),
            door_open: health.door_open,
            config_fault: health.config_fault.is_some(),
        };
        if let Err(e) = self.call(self.transport.heartbeat(&beat)).await {
            tracing::debug!("heartbeat not sent: {e}");
        }
    }

    pub(super) async fn pull_statuses(&self) -> Result<(), StoreError> {
        let since = self.store.call(|s| s.status_cursor()).await?;
        match self.call(self.transport.status(since)).await {
            Ok(page) => {
                let now = self.clock.now();
                self.store
                    .call(move |s| {
                        for change in &page.changes {
                            let state = DossierState::parse(&change.state);
                            if let Some(state) = state {
                                s.apply_status(
                                    &change.id,
                                    state,
                                    change.note.as_deref(),
                                    change.request.as_ref(),
                                    now,
                                )?;
                            }
                        }
                        s.set_status_cursor(page.cursor, now)
                    })
                    .await?;
                self.publish(true, None).await;
            }
            Err(e) => {
                if matches!(e, SendError::Unauthorised(_)) {
                    self.forget_enrollment().await;
                }
                tracing::debug!("status pull failed: {e}");
                self.publish(false, None).await;
            }
        }
        Ok(())
    }
}
