//! The reference portal reached without HTTP: the same `PortalDb` calls the HTTP routes make,
//! behind the `PortalTransport` seam. Tests wrap it with injected faults and drive the engine
//! with tokio's paused time, which real sockets do not allow.

use crate::portal::db::{PortalDb, PortalError};
use crate::sync::contract::{Acceptance, DossierUpload, StatusPage};
use crate::sync::transport::{PortalTransport, SendError};
use std::sync::Arc;

#[derive(Clone)]
pub struct InProcessPortal {
    pub db: Arc<PortalDb>,
}

fn classify(e: PortalError) -> SendError {
    match e {
        PortalError::Conflict => SendError::Conflict(e.to_string()),
        PortalError::MissingAttachments(_) | PortalError::Db(_) => SendError::retry(e.to_string()),
        PortalError::NotFound | PortalError::BadDecision | PortalError::BadReceipt(_) => {
            SendError::Refused(e.to_string())
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl PortalTransport for InProcessPortal {
    async fn put_attachment(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        sealed: Vec<u8>,
    ) -> Result<(), SendError> {
        self.db
            .put_attachment(&id.to_string(), sha256, &sealed)
            .map_err(classify)
    }

    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        self.db
            .receive(&id.to_string(), upload, &now())
            .map(|(a, _)| a)
            .map_err(classify)
    }

    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        self.db.status_since(since, 500).map_err(classify)
    }
}
