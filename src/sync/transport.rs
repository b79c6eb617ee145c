//! How the engine talks to the portal: the `PortalTransport` seam, and `HttpTransport`, the
//! real one (reqwest over rustls). Every failure is classified once, here, as "retry later"
//! (network, timeouts, 5xx, 429 with its Retry-After) or "will not succeed as sent" (409
//! conflict, other 4xx), so the engine never guesses from status codes.

use crate::sync::contract::{Acceptance, DossierUpload, ErrorBody, StatusPage};
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (no network, timeout, 5xx, 429).
    #[error("temporary failure: {reason}")]
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The portal already has a different dossier under this id: never resend as is.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The portal refused the request as malformed or unauthorised (4xx).
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

pub trait PortalTransport: Send + Sync + 'static {
    /// `PUT /v1/dossiers/{id}/attachments/{sha256}`: idempotent by content hash.
    fn put_attachment(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        sealed: Vec<u8>,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
    /// `PUT /v1/dossiers/{id}`: the commit point; replays get the original acceptance.
    fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> impl Future<Output = Result<Acceptance, SendError>> + Send;
    /// `GET /v1/status?since=`.
    fn status(&self, since: u64) -> impl Future<Output = Result<StatusPage, SendError>> + Send;
}

/// The portal over HTTP(S).
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl HttpTransport {
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<HttpTransport, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("xakiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpTransport {
            client,
            base: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    async fn classify(
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<reqwest::Response, SendError> {
        let response = response.map_err(|e| SendError::retry(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body: Option<ErrorBody> = response.json().await.ok();
        let reason = format!("{status}: {}", body.map(|b| b.error).unwrap_or_default());
        Err(match status.as_u16() {
            409 => SendError::Conflict(reason),
            408 | 422 | 425 | 429 | 500..=599 => SendError::Retry {
                reason,
                retry_after,
            },
            _ => SendError::Refused(reason),
        })
    }
}

/// An error message without URLs or bodies (nothing personal ends up in logs).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_body() || e.is_decode() {
        "connection broken while reading".into()
    } else {
        "network error".into()
    }
}

impl PortalTransport for HttpTransport {
    async fn put_attachment(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        sealed: Vec<u8>,
    ) -> Result<(), SendError> {
        let url = format!("{}/v1/dossiers/{id}/attachments/{sha256}", self.base);
        let response = self
            .client
            .put(url)
            .bearer_auth(&self.token)
            .body(sealed)
            .send()
            .await;
        HttpTransport::classify(response).await.map(|_| ())
    }

    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        let url = format!("{}/v1/dossiers/{id}", self.base);
        let response = self
            .client
            .put(url)
            .bearer_auth(&self.token)
            .header("Idempotency-Key", id.to_string())
            .json(upload)
            .send()
            .await;
        let response = HttpTransport::classify(response).await?;
        response
            .json()
            .await
            .map_err(|e| SendError::retry(describe(&e)))
    }

    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        let url = format!("{}/v1/status?since={since}", self.base);
        let response = self.client.get(url).bearer_auth(&self.token).send().await;
        let response = HttpTransport::classify(response).await?;
        response
            .json()
            .await
            .map_err(|e| SendError::retry(describe(&e)))
    }
}
