//! The update half of housekeeping: asks the portal which update it offers this kiosk's
//! group, lets the `UpdateSink` decide whether it is wanted, and fetches the bundle piece by
//! piece from where the last pass stopped — for at most `UPDATE_TIME_PER_PASS` each pass, so
//! dossiers and statuses never wait long behind a large download.

use crate::sync::engine::SyncEngine;
use crate::sync::transport::PortalTransport;
use crate::sync::update_sink::{UpdateDownloadError, UpdateSink, WantedBundle};
use std::sync::Arc;
use std::time::Duration;

/// How long one pass keeps fetching an update before the next pass goes on.
pub(crate) const UPDATE_TIME_PER_PASS: Duration = Duration::from_secs(60);

/// Runs a blocking sink step off the runtime's workers.
async fn blocking<R: Send + 'static>(
    sink: &Arc<dyn UpdateSink>,
    step: impl FnOnce(&dyn UpdateSink) -> Result<R, UpdateDownloadError> + Send + 'static,
) -> Result<R, UpdateDownloadError> {
    let sink = sink.clone();
    tokio::task::spawn_blocking(move || step(&*sink))
        .await
        .unwrap_or_else(|e| Err(UpdateDownloadError::Interrupted(e.to_string())))
}

impl<T: PortalTransport> SyncEngine<T> {
    pub(super) async fn pull_update(&self) {
        let Some(sink) = &self.updates else { return };
        let offer = match self.call(self.transport.update_offer()).await {
            Ok(Some(offer)) => offer,
            Ok(None) => {
                if let Err(e) = blocking(sink, |s| s.nothing_offered()).await {
                    tracing::warn!("a withdrawn update's download was not removed: {e}");
                }
                return;
            }
            Err(e) => {
                tracing::debug!("update offer not checked: {e}");
                return;
            }
        };
        let wanted = match blocking(sink, move |s| s.consider(&offer)).await {
            Ok(Some(wanted)) => wanted,
            Ok(None) => return,
            Err(e) => {
                tracing::error!("update offer not taken: {e}");
                return;
            }
        };
        if wanted.offset == 0 {
            tracing::info!(version = %wanted.version, bytes = wanted.size, "downloading an update");
        }
        let started = tokio::time::Instant::now();
        let mut offset = wanted.offset;
        while offset < wanted.size && started.elapsed() < UPDATE_TIME_PER_PASS {
            let piece = match self
                .call(self.transport.update_piece(&wanted.sha256, offset))
                .await
            {
                Ok(piece) => piece,
                Err(e) => {
                    tracing::info!(offset, "update download paused: {e}");
                    return;
                }
            };
            if piece.is_empty() || piece.len() as u64 > wanted.size - offset {
                tracing::error!(
                    offset,
                    "the portal sent a piece that does not fit the offered bundle"
                );
                return;
            }
            let step = wanted.clone();
            offset = match blocking(sink, move |s| s.append(&step, offset, &piece)).await {
                Ok(kept) => kept,
                Err(e) => {
                    tracing::error!("update download stopped: {e}");
                    return;
                }
            };
        }
        if offset < wanted.size {
            return;
        }
        let done: WantedBundle = wanted.clone();
        match blocking(sink, move |s| s.finish(&done)).await {
            Ok(path) => tracing::info!(
                version = %wanted.version,
                bundle = %path.display(),
                "update downloaded; asked the system to install it"
            ),
            Err(e) => tracing::error!("downloaded update not installed: {e}"),
        }
    }
}
