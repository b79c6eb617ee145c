//! What a pass sends besides dossiers: the alerts raised since the last pass (help requests,
//! the cabinet door) and the residents' ratings of dossiers the portal holds. A failure leaves
//! them for the next pass.

use crate::store::StoreError;
use crate::sync::engine::SyncEngine;
use crate::sync::transport::PortalTransport;

impl<T: PortalTransport> SyncEngine<T> {
    /// Sends help requests and cabinet-door events raised since the last pass, oldest first; a
    /// failure leaves them for the next pass.
    pub(super) async fn send_alerts(&self) -> Result<(), StoreError> {
        let alerts = self.store.call(|s| s.unsent_alerts()).await?;
        for (id, kind, at) in alerts {
            let upload = crate::protocol::contract::AlertUpload {
                kind: kind.as_str().to_string(),
                raised_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            match self.call(self.transport.alert(id, &upload)).await {
                Ok(()) => {
                    let now = self.clock.now();
                    self.store.call(move |s| s.mark_alert_sent(id, now)).await?;
                }
                Err(e) => {
                    tracing::debug!("alert not sent: {e}");
                    break;
                }
            }
        }
        Ok(())
    }

    /// Sends the residents' ratings of dossiers the portal holds; a failure leaves them for
    /// the next pass.
    pub(super) async fn send_ratings(&self) -> Result<(), StoreError> {
        let ratings = self.store.call(|s| s.unsent_ratings()).await?;
        for (id, rating) in ratings {
            match self.call(self.transport.rating(id, &rating)).await {
                Ok(()) => {
                    let now = self.clock.now();
                    let rated_at = rating.rated_at.clone();
                    self.store
                        .call(move |s| s.mark_rating_sent(id, &rated_at, now))
                        .await?;
                }
                Err(e) => {
                    tracing::debug!("rating not sent: {e}");
                    break;
                }
            }
        }
        Ok(())
    }
}
