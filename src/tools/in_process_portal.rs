//! The reference portal reached without HTTP: the same `PortalDb` calls the HTTP routes make,
//! behind the `PortalTransport` seam, for one kiosk (the request signature is the HTTP
//! layer's job and is not repeated here). Tests wrap it with injected faults and drive the
//! engine with tokio's paused time, which real sockets do not allow; the benchmarks use it to
//! measure the engine without the network.

use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Heartbeat, SignedCatalogue, SignedUpdateOffer, StatusPage,
    UploadProgress,
};
use crate::sync::transport::{KioskIdentity, PortalTransport, SendError};
use std::sync::Arc;

#[derive(Clone)]
pub struct InProcessPortal {
    pub db: Arc<PortalDb>,
    pub identity: KioskIdentity,
}

impl InProcessPortal {
    pub fn new(db: Arc<PortalDb>, identity: KioskIdentity) -> InProcessPortal {
        InProcessPortal { db, identity }
    }
}

fn classify(e: PortalError) -> SendError {
    match e {
        PortalError::Conflict
        | PortalError::KeyMismatch
        | PortalError::StaleCatalogue
        | PortalError::NotSupplementable => SendError::Conflict(e.to_string()),
        PortalError::NotEnrolled | PortalError::TokenRefused(_) => {
            SendError::Unauthorised(e.to_string())
        }
        PortalError::MissingAttachments(_)
        | PortalError::HashMismatch
        | PortalError::TooManyUploads
        | PortalError::Db(_)
        | PortalError::Migration(_) => SendError::retry(e.to_string()),
        PortalError::NotFound
        | PortalError::BadDecision
        | PortalError::BadRequest(_)
        | PortalError::BadReceipt(_)
        | PortalError::BadUpload(_)
        | PortalError::BadAccount(_)
        | PortalError::WrongOffset(_) => SendError::Refused(e.to_string()),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl PortalTransport for InProcessPortal {
    async fn enroll(&self) -> Result<Enrolled, SendError> {
        self.db
            .enroll(&self.identity.enrollment(), &now())
            .map_err(classify)
    }

    async fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha256: &str,
    ) -> Result<UploadProgress, SendError> {
        self.db
            .upload_progress(&self.identity.kiosk_id, &id.to_string(), sha256)
            .map_err(classify)
    }

    async fn append_upload(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadProgress, SendError> {
        match self.db.append_upload(
            &self.identity.kiosk_id,
            &id.to_string(),
            sha256,
            checksum,
            offset,
            total,
            &chunk,
            &now(),
        ) {
            Err(PortalError::WrongOffset(received)) => Ok(UploadProgress {
                received,
                complete: false,
            }),
            other => other.map_err(classify),
        }
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
        self.db
            .status_since(&self.identity.kiosk_id, since, 500)
            .map_err(classify)
    }

    async fn catalogue(&self, since: u64) -> Result<Option<SignedCatalogue>, SendError> {
        self.db.catalogue_since(since).map_err(classify)
    }

    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SendError> {
        self.db.heartbeat(beat, &now()).map_err(classify)
    }

    async fn update_offer(&self) -> Result<Option<SignedUpdateOffer>, SendError> {
        self.db
            .update_offer_for(&self.identity.kiosk_id)
            .map_err(classify)
    }

    async fn update_piece(&self, sha256: &str, offset: u64) -> Result<Vec<u8>, SendError> {
        self.db
            .update_bundle_piece(&self.identity.kiosk_id, sha256, offset)
            .map_err(classify)
    }

    async fn alert(
        &self,
        id: uuid::Uuid,
        alert: &crate::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        self.db
            .alert(&self.identity.kiosk_id, &id.to_string(), alert, &now())
            .map_err(classify)
    }

    async fn rating(
        &self,
        id: uuid::Uuid,
        rating: &crate::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        self.db
            .rate(&self.identity.kiosk_id, &id.to_string(), rating, &now())
            .map_err(classify)
    }
}
