//! The portal over HTTP(S) (reqwest over rustls): enrolls the kiosk with its enrollment token
//! and signs every later request with the device key (`request_signature`), keeping the
//! portal's clock offset; each failure is classified once, here, into a `SendError`. Only
//! `https://` (plain `http://` to this machine alone: the built-in portal, tests), the
//! compiled-in web roots plus an optional CA file, no redirects (a signed request is never
//! replayed elsewhere), and answers read up to `MAX_ANSWER_BYTES`.

use crate::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Enrollment, ErrorBody, Heartbeat, SignedCatalogue,
    SignedUpdateOffer, StatusPage, UploadProgress,
};
use crate::protocol::request_signature;
use crate::sync::transport::{KioskIdentity, PortalTransport, SendError};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The HTTP client could not be made (its TLS setup, a portal URL it will not use): no portal
/// call can be tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(String);

/// What may be changed about how the kiosk reaches the portal.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransportOptions<'a> {
    /// CA certificates (PEM; a national or the province's own CA) trusted beside the
    /// compiled-in web roots.
    pub ca_pem: Option<&'a [u8]>,
    /// A lab only: a plain `http://` portal on another machine.
    pub allow_plain_http: bool,
}

/// The largest answer read from the portal (a catalogue bundle with the units list and the
/// province's offices is a few MiB); a longer one is cut off and the exchange fails.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The largest error body read (it is only ever a short JSON message).
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Whether the kiosk may talk to the portal at `base_url`: `https://`, or `http://` only to
/// this machine (a loopback address or `localhost`), where nothing on the way can read or
/// change what is sent.
pub fn check_portal_url(base_url: &str, allow_plain_http: bool) -> Result<(), ClientError> {
    let url = reqwest::Url::parse(base_url.trim())
        .map_err(|e| ClientError(format!("the portal URL {base_url:?} is not a URL: {e}")))?;
    let loopback = url
        .host_str()
        .is_some_and(crate::sync::transport::loopback::is_loopback_host);
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_plain_http => Ok(()),
        "http" => Err(ClientError(format!(
            "the portal URL {base_url:?} is plain http to another machine: anyone on the way \
             could read or change what is sent; use https://"
        ))),
        other => Err(ClientError(format!(
            "the portal URL {base_url:?} has scheme {other:?}; use https://"
        ))),
    }
}

/// Reads at most `limit` bytes of `response`'s body; a longer one is refused.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, SendError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(SendError::retry(format!(
            "the portal's answer is longer than {limit} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SendError::retry(describe(&e)))?
    {
        if body.len() + chunk.len() > limit {
            return Err(SendError::retry(format!(
                "the portal's answer is longer than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The portal over HTTP(S).
pub struct HttpTransport {
    client: reqwest::Client,
    base: String,
    identity: KioskIdentity,
    enrollment_token: String,
    /// Seconds to add to the local clock when signing, learnt from the portal when it said
    /// the kiosk's clock is off (a Pi without a real-time clock, before time sync).
    clock_offset: AtomicI64,
    /// The handovers from earlier device keys to this one, sent with each enrollment.
    handovers: Vec<crate::protocol::key_handover::KeyHandover>,
}

/// One request before signing.
struct Request<'a> {
    method: reqwest::Method,
    path: String,
    body: Vec<u8>,
    content_type: &'a str,
    headers: Vec<(&'static str, String)>,
}

impl Request<'static> {
    fn get(path: String) -> Request<'static> {
        Request {
            method: reqwest::Method::GET,
            path,
            body: Vec::new(),
            content_type: "",
            headers: Vec::new(),
        }
    }

    /// A request whose body is `value` as JSON.
    fn json(
        method: reqwest::Method,
        path: String,
        value: &impl serde::Serialize,
    ) -> Result<Request<'static>, SendError> {
        Ok(Request {
            method,
            path,
            body: serde_json::to_vec(value).map_err(|e| SendError::Refused(e.to_string()))?,
            content_type: "application/json",
            headers: Vec::new(),
        })
    }
}

impl HttpTransport {
    pub fn new(
        base_url: &str,
        identity: KioskIdentity,
        enrollment_token: &str,
        timeout: Duration,
    ) -> Result<HttpTransport, ClientError> {
        HttpTransport::with_options(
            base_url,
            identity,
            enrollment_token,
            timeout,
            TransportOptions::default(),
        )
    }

    /// As `new`, with `options`: more CA certificates, or a lab's plain-http portal.
    pub fn with_options(
        base_url: &str,
        identity: KioskIdentity,
        enrollment_token: &str,
        timeout: Duration,
        options: TransportOptions<'_>,
    ) -> Result<HttpTransport, ClientError> {
        let TransportOptions {
            ca_pem,
            allow_plain_http,
        } = options;
        check_portal_url(base_url, allow_plain_http)?;
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("xakiosk/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError(format!("the CA file is not PEM certificates: {e}")))?;
            if certificates.is_empty() {
                return Err(ClientError("the CA file holds no certificate".into()));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|e| ClientError(describe(&e)))?;
        Ok(HttpTransport {
            client,
            base: base_url.trim_end_matches('/').to_string(),
            identity,
            enrollment_token: enrollment_token.to_string(),
            clock_offset: AtomicI64::new(0),
            handovers: Vec::new(),
        })
    }

    /// Sends these handovers from earlier device keys with each enrollment.
    pub fn with_handovers(
        mut self,
        handovers: Vec<crate::protocol::key_handover::KeyHandover>,
    ) -> Self {
        self.handovers = handovers;
        self
    }

    /// Signs as if the local clock were `secs` off (what the portal's correction sets; tests
    /// use it to play a kiosk whose clock is wrong).
    pub fn with_clock_offset(self, secs: i64) -> HttpTransport {
        self.clock_offset.store(secs, Ordering::Relaxed);
        self
    }

    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Sends a signed request; if the portal says the clock is off, corrects it and tries once
    /// more.
    async fn signed(&self, request: Request<'_>) -> Result<reqwest::Response, SendError> {
        self.signed_exchange(request)
            .await
            .map_err(Failure::into_send_error)
    }

    async fn signed_exchange(&self, request: Request<'_>) -> Result<reqwest::Response, Failure> {
        for attempt in 0..2 {
            let time = self.now();
            // The headers sent are the headers signed.
            let content_type = (!request.body.is_empty()).then_some(request.content_type);
            let sent_header = |name: &str| match name {
                "content-type" => content_type.map(str::to_string),
                name => request
                    .headers
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone()),
            };
            let signature = request_signature::sign(
                &self.identity.key,
                &request_signature::SignedRequest {
                    method: request.method.as_str(),
                    path_and_query: &request.path,
                    time,
                    kiosk_id: &self.identity.kiosk_id,
                    body: &request.body,
                    header: &sent_header,
                },
            );
            let mut builder = self
                .client
                .request(
                    request.method.clone(),
                    format!("{}{}", self.base, request.path),
                )
                .header(request_signature::KIOSK_HEADER, &self.identity.kiosk_id)
                .header(request_signature::TIME_HEADER, time.to_string())
                .header(request_signature::SIGNATURE_HEADER, signature);
            if let Some(content_type) = content_type {
                // The body's hash named first: the portal checks the signature before it
                // reads the body.
                builder = builder
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .header(
                        request_signature::CONTENT_DIGEST_HEADER,
                        request_signature::content_digest(&request.body),
                    )
                    .body(request.body.clone());
            }
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            match classify(builder.send().await).await {
                Err(Failure::ClockSkew(server_time)) if attempt == 0 => {
                    let local = chrono::Utc::now().timestamp();
                    self.clock_offset
                        .store(server_time - local, Ordering::Relaxed);
                    tracing::warn!(
                        offset_secs = server_time - local,
                        "the portal says this kiosk's clock is off; signing with its time"
                    );
                }
                other => return other,
            }
        }
        Err(Failure::Send(SendError::retry(
            "the portal keeps refusing this kiosk's clock",
        )))
    }

    async fn json<T: serde::de::DeserializeOwned>(
        response: reqwest::Response,
    ) -> Result<T, SendError> {
        let body = read_capped(response, MAX_ANSWER_BYTES).await?;
        serde_json::from_slice(&body)
            .map_err(|e| SendError::retry(format!("the portal's answer is not understood: {e}")))
    }
}

/// A failed exchange, before it becomes a `SendError`.
enum Failure {
    Send(SendError),
    ClockSkew(i64),
    /// 409 on an upload: the portal holds another number of bytes than the kiosk thought.
    WrongOffset(u64),
}

impl Failure {
    fn into_send_error(self) -> SendError {
        match self {
            Failure::Send(e) => e,
            Failure::ClockSkew(_) => SendError::retry("the kiosk's clock is off"),
            Failure::WrongOffset(_) => SendError::Conflict("upload offset mismatch".into()),
        }
    }
}

async fn classify(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<reqwest::Response, Failure> {
    let response = response.map_err(|e| Failure::Send(SendError::retry(describe(&e))))?;
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
    let body: Option<ErrorBody> = read_capped(response, MAX_ERROR_BYTES)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(b) = &body {
        if let (401, Some(t)) = (status.as_u16(), b.server_time) {
            return Err(Failure::ClockSkew(t));
        }
        if let (409, Some(received)) = (status.as_u16(), b.received) {
            return Err(Failure::WrongOffset(received));
        }
    }
    let reason = format!("{status}: {}", body.map(|b| b.error).unwrap_or_default());
    Err(Failure::Send(match status.as_u16() {
        401 => SendError::Unauthorised(reason),
        409 => SendError::Conflict(reason),
        408 | 422 | 425 | 429 | 500..=599 => SendError::Retry {
            reason,
            retry_after,
        },
        _ => SendError::Refused(reason),
    }))
}

/// Whether a rustls error is somewhere in the chain (hyper and tokio wrap it in io errors).
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        && is_tls_failure(inner)
    {
        return true;
    }
    e.source().is_some_and(is_tls_failure)
}

/// An error message without URLs or bodies (nothing personal ends up in logs).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    if e.source().is_some_and(is_tls_failure) {
        return "TLS failure (certificate or handshake)".into();
    }
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
    fn enrollment_name(&self) -> String {
        format!(
            "{} {} {}",
            self.base,
            self.identity.kiosk_id,
            self.identity.key.public_base64()
        )
    }

    async fn enroll(&self) -> Result<Enrolled, SendError> {
        let response = self
            .client
            .post(format!("{}/v1/enroll", self.base))
            .bearer_auth(&self.enrollment_token)
            .json(&Enrollment {
                handovers: self.handovers.clone(),
                ..self.identity.enrollment()
            })
            .send()
            .await;
        match classify(response).await {
            Ok(r) => HttpTransport::json(r).await,
            // A wrong enrollment token will not fix itself: say so, do not loop on it.
            Err(Failure::Send(SendError::Unauthorised(reason))) => Err(SendError::Refused(
                format!("the portal refused the enrollment token ({reason})"),
            )),
            Err(f) => Err(f.into_send_error()),
        }
    }

    async fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha256: &str,
    ) -> Result<UploadProgress, SendError> {
        let response = self
            .signed(Request::get(format!(
                "/v1/dossiers/{id}/attachments/{sha256}"
            )))
            .await?;
        HttpTransport::json(response).await
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
        let request = Request {
            method: reqwest::Method::PATCH,
            path: format!("/v1/dossiers/{id}/attachments/{sha256}"),
            body: chunk,
            content_type: "application/offset+octet-stream",
            headers: vec![
                ("upload-offset", offset.to_string()),
                ("upload-length", total.to_string()),
                ("upload-checksum", format!("sha256 {checksum}")),
            ],
        };
        match self.signed_exchange(request).await {
            Ok(response) => HttpTransport::json(response).await,
            // The portal holds another number of bytes: go on from there.
            Err(Failure::WrongOffset(received)) => Ok(UploadProgress {
                received,
                complete: false,
            }),
            Err(f) => Err(f.into_send_error()),
        }
    }

    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        let mut request =
            Request::json(reqwest::Method::PUT, format!("/v1/dossiers/{id}"), upload)?;
        request.headers.push(("idempotency-key", id.to_string()));
        let response = self.signed(request).await?;
        HttpTransport::json(response).await
    }

    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        let response = self
            .signed(Request::get(format!("/v1/status?since={since}")))
            .await?;
        HttpTransport::json(response).await
    }

    async fn catalogue(&self, since: u64) -> Result<Option<SignedCatalogue>, SendError> {
        let response = self
            .signed(Request::get(format!("/v1/catalogue?since={since}")))
            .await?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        HttpTransport::json(response).await.map(Some)
    }

    async fn update_offer(&self) -> Result<Option<SignedUpdateOffer>, SendError> {
        let response = self.signed(Request::get("/v1/update-offer".into())).await?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        HttpTransport::json(response).await.map(Some)
    }

    async fn update_piece(&self, sha256: &str, offset: u64) -> Result<Vec<u8>, SendError> {
        crate::protocol::update_offer::check_digest(sha256)
            .map_err(|e| SendError::Refused(e.to_string()))?;
        let response = self
            .signed(Request::get(format!(
                "/v1/updates/{sha256}?offset={offset}"
            )))
            .await?;
        let body = read_capped(response, crate::protocol::update_offer::MAX_FETCH_BYTES).await?;
        if body.is_empty() {
            return Err(SendError::retry(
                "the portal sent an empty piece of the update",
            ));
        }
        Ok(body)
    }

    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SendError> {
        let request = Request::json(reqwest::Method::POST, "/v1/heartbeat".into(), beat)?;
        self.signed(request).await.map(|_| ())
    }

    async fn alert(
        &self,
        id: uuid::Uuid,
        alert: &crate::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        let request = Request::json(reqwest::Method::PUT, format!("/v1/alerts/{id}"), alert)?;
        self.signed(request).await.map(|_| ())
    }

    async fn rating(
        &self,
        id: uuid::Uuid,
        rating: &crate::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        let path = format!("/v1/dossiers/{id}/rating");
        let request = Request::json(reqwest::Method::PUT, path, rating)?;
        self.signed(request).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_is_reached_over_https_or_on_this_machine_only() {
        for ok in [
            "https://dvc.example.gov.vn",
            "https://10.0.0.5:8443/portal",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
        ] {
            assert_eq!(check_portal_url(ok, false), Ok(()), "{ok}");
        }
        for refused in [
            "http://dvc.example.gov.vn",
            "http://10.0.0.5:8787",
            "http://127.0.0.1.nip.io",
            "ftp://dvc.example.gov.vn",
            "dvc.example.gov.vn",
            "",
        ] {
            assert!(check_portal_url(refused, false).is_err(), "{refused}");
        }
        // A lab's plain http, only when the configuration says so; never another scheme.
        assert_eq!(check_portal_url("http://10.0.2.2:8787", true), Ok(()));
        assert!(check_portal_url("ftp://10.0.2.2", true).is_err());
        let identity = || KioskIdentity {
            kiosk_id: "K1".into(),
            key: crate::protocol::signing::DeviceKey::from_seed([1; 32]),
            place: String::new(),
            commune_code: String::new(),
        };
        assert!(
            HttpTransport::new("http://10.0.0.5", identity(), "t", Duration::from_secs(1)).is_err()
        );
        let garbage = HttpTransport::with_options(
            "https://dvc.example.gov.vn",
            identity(),
            "t",
            Duration::from_secs(1),
            TransportOptions {
                ca_pem: Some(b"not a certificate"),
                allow_plain_http: false,
            },
        );
        assert!(garbage.is_err(), "a CA file that is not PEM is refused");
    }
}
