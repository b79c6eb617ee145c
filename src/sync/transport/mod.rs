//! How the engine talks to the portal: the `PortalTransport` seam and how a failure is
//! classified — "retry later" (network, TLS, timeouts, 5xx, 429 with its Retry-After), "enroll
//! again" (401) or "will not succeed as sent" (409 conflict, other 4xx) — so the engine never
//! guesses from status codes. `http.rs` is the real transport.

mod http;
pub mod loopback;

pub(crate) use http::describe;
pub use http::{ClientError, HttpTransport, MAX_ANSWER_BYTES, TransportOptions};

use crate::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Enrollment, Heartbeat, SignedCatalogue, SignedUpdateOffer,
    StatusPage, UploadProgress,
};
use crate::protocol::signing::DeviceKey;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (no network, TLS failure, timeout, 5xx, 429).
    #[error("temporary failure: {reason}")]
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The portal does not know this kiosk's key (401): enroll again, then retry.
    #[error("not enrolled: {0}")]
    Unauthorised(String),
    /// The portal already has a different dossier under this id: never resend as is.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The portal refused the request as malformed or forbidden (4xx).
    #[error("refused by the portal: {0}")]
    Refused(String),
}

impl SendError {
    pub fn retry(reason: impl Into<String>) -> SendError {
        SendError::Retry {
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Who the kiosk is to the portal.
#[derive(Clone)]
pub struct KioskIdentity {
    pub kiosk_id: String,
    pub key: DeviceKey,
    pub place: String,
    /// The code of the commune it stands in (empty: not configured).
    pub commune_code: String,
}

impl KioskIdentity {
    pub fn enrollment(&self) -> Enrollment {
        Enrollment {
            kiosk_id: self.kiosk_id.clone(),
            public_key: self.key.public_base64(),
            place: self.place.clone(),
            commune_code: self.commune_code.clone(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            handovers: Vec::new(),
        }
    }
}

pub trait PortalTransport: Send + Sync + 'static {
    /// `POST /v1/enroll`: registers the device key; repeating it with the same key is harmless.
    fn enroll(&self) -> impl Future<Output = Result<Enrolled, SendError>> + Send;
    /// `GET /v1/dossiers/{id}/attachments/{sha256}`: how much of a photo the portal holds.
    fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha256: &str,
    ) -> impl Future<Output = Result<UploadProgress, SendError>> + Send;
    /// `PATCH /v1/dossiers/{id}/attachments/{sha256}`: appends `chunk` at `offset` of a sealed
    /// photo of `total` bytes whose own SHA-256 is `checksum`. At the wrong offset nothing is
    /// appended and the portal's progress is returned, so the caller continues from there.
    fn append_upload(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> impl Future<Output = Result<UploadProgress, SendError>> + Send;
    /// `PUT /v1/dossiers/{id}`: the commit point; replays get the original acceptance.
    fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> impl Future<Output = Result<Acceptance, SendError>> + Send;
    /// `GET /v1/status?since=`.
    fn status(&self, since: u64) -> impl Future<Output = Result<StatusPage, SendError>> + Send;
    /// `GET /v1/catalogue?since=`: a newer signed catalogue, if the portal has one.
    fn catalogue(
        &self,
        since: u64,
    ) -> impl Future<Output = Result<Option<SignedCatalogue>, SendError>> + Send;
    /// `GET /v1/update-offer`: the software update offered to this kiosk's group, if any.
    /// (A transport without updates offers none.)
    fn update_offer(
        &self,
    ) -> impl Future<Output = Result<Option<SignedUpdateOffer>, SendError>> + Send {
        async { Ok(None) }
    }
    /// `GET /v1/updates/{sha256}?offset=`: the next piece of an offered bundle (at most
    /// `update_offer::MAX_FETCH_BYTES`, never empty).
    fn update_piece(
        &self,
        sha256: &str,
        offset: u64,
    ) -> impl Future<Output = Result<Vec<u8>, SendError>> + Send {
        let _ = (sha256, offset);
        async { Err(SendError::Refused("this portal offers no updates".into())) }
    }
    /// `POST /v1/heartbeat`.
    fn heartbeat(&self, beat: &Heartbeat) -> impl Future<Output = Result<(), SendError>> + Send;
    /// `PUT /v1/alerts/{id}`.
    fn alert(
        &self,
        id: uuid::Uuid,
        alert: &crate::protocol::contract::AlertUpload,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
    /// `PUT /v1/dossiers/{id}/rating`.
    fn rating(
        &self,
        id: uuid::Uuid,
        rating: &crate::protocol::contract::RatingUpload,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
    /// Names this kiosk's enrollment (portal, kiosk id, device key): once the portal enrolled
    /// it, the engine remembers the name and does not present the (maybe one-time) enrollment
    /// token again until the portal says it does not know the kiosk. Empty: enroll each start.
    fn enrollment_name(&self) -> String {
        String::new()
    }
}

/// A shared transport (tests keep a handle on the one the engine uses).
impl<T: PortalTransport> PortalTransport for std::sync::Arc<T> {
    fn enrollment_name(&self) -> String {
        (**self).enrollment_name()
    }
    async fn alert(
        &self,
        id: uuid::Uuid,
        alert: &crate::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        (**self).alert(id, alert).await
    }
    async fn enroll(&self) -> Result<Enrolled, SendError> {
        (**self).enroll().await
    }
    async fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha256: &str,
    ) -> Result<UploadProgress, SendError> {
        (**self).upload_progress(id, sha256).await
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
        (**self)
            .append_upload(id, sha256, checksum, offset, total, chunk)
            .await
    }
    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        (**self).put_dossier(id, upload).await
    }
    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        (**self).status(since).await
    }
    async fn catalogue(&self, since: u64) -> Result<Option<SignedCatalogue>, SendError> {
        (**self).catalogue(since).await
    }
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SendError> {
        (**self).heartbeat(beat).await
    }
    async fn update_offer(&self) -> Result<Option<SignedUpdateOffer>, SendError> {
        (**self).update_offer().await
    }
    async fn update_piece(&self, sha256: &str, offset: u64) -> Result<Vec<u8>, SendError> {
        (**self).update_piece(sha256, offset).await
    }
    async fn rating(
        &self,
        id: uuid::Uuid,
        rating: &crate::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        (**self).rating(id, rating).await
    }
}
