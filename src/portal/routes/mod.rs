//! The portal's HTTP API (`/v1/…`) and the officer pages (`/officer…`). A kiosk enrolls with
//! an enrollment token (`POST /v1/enroll`); every other `/v1` request must carry its device
//! key's signature (`sync::request_signature`). Officers sign in (`/officer/sign-in`); each
//! sees the dossiers of their communes, opens one with the portal's private key and accepts,
//! rejects or asks for a fix — decisions that flow back to the kiosks; administrators see the
//! fleet, the accounts and the audit log.

use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::ErrorBody;
use crate::protocol::request_signature::{self, RequestRefused};
use crate::protocol::sealing::{KeyRing, Opener};
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use std::convert::Infallible;
use std::sync::Arc;

mod admin_page;
mod kiosk_api;
pub mod kiosk_enrollment_page;
mod officer_auth;
mod officer_html;
mod officer_page;
mod opened_dossier;
pub mod rate_limits;
mod sign_in;

use admin_page::{admin_page, audit_csv};
use kiosk_api::{
    append_upload, catalogue, enroll, heartbeat, put_alert, put_dossier, put_rating, status,
    update_bundle, update_offer, upload_progress,
};
use kiosk_enrollment_page::{issue_token, retire_kiosk};
use officer_page::{decide, dossier_page, officer_page};
use sign_in::{sign_in, sign_in_form, sign_out};

#[derive(Clone)]
pub struct PortalState {
    pub db: Arc<PortalDb>,
    /// One token every kiosk may enroll with (development, labs), besides the per-kiosk
    /// tokens administrators issue; None: per-kiosk tokens only.
    pub shared_enrollment_token: Option<Arc<String>>,
    /// The private keys that open sealed dossiers (current first), for the officer page.
    pub keys: Option<Arc<KeyRing>>,
    /// Told to kiosks at enrollment: the key to seal to, the key catalogues are signed with.
    pub sealing_public_key: Option<String>,
    pub catalogue_public_key: Option<String>,
    /// Runs on the published development key and token: every officer page says so.
    pub development: bool,
    /// Where officers' browsers reach the portal (`https://dvc.example.gov.vn`), when it is
    /// published behind a TLS proxy: its host is answered, its `Origin` accepted, and with
    /// https the session cookie is `Secure`.
    pub public_origin: Option<String>,
    /// The CSCAs the portal re-checks chip evidence against (its own list, not the kiosks').
    pub trust: Arc<crate::identity::trust_list::TrustList>,
    /// How fast each enrolled kiosk may make signed requests; None: no limit (benchmarks).
    pub kiosk_limits: Option<Arc<rate_limits::KioskLimits>>,
}

impl PortalState {
    /// A portal where any kiosk may also enroll with `shared_token` (development, tests).
    pub fn new(db: Arc<PortalDb>, shared_token: &str) -> PortalState {
        PortalState {
            shared_enrollment_token: Some(Arc::new(shared_token.to_string())),
            ..PortalState::per_kiosk_tokens(db)
        }
    }

    /// A portal where kiosks enroll only with the per-kiosk tokens administrators issue.
    pub fn per_kiosk_tokens(db: Arc<PortalDb>) -> PortalState {
        PortalState {
            db,
            shared_enrollment_token: None,
            keys: None,
            sealing_public_key: None,
            catalogue_public_key: None,
            development: false,
            public_origin: None,
            trust: Arc::new(crate::identity::trust_list::TrustList::empty()),
            kiosk_limits: Some(Arc::new(rate_limits::KioskLimits::default())),
        }
    }

    /// Officers reach the portal at `origin` (scheme, host and port, no path).
    pub fn with_public_origin(mut self, origin: &str) -> PortalState {
        self.public_origin = Some(origin.trim_end_matches('/').to_string());
        self
    }

    /// Whether officers' browsers reach the portal over https (cookies are then `Secure`).
    pub fn https(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// The `host[:port]` of the public origin.
    pub fn public_host(&self) -> Option<&str> {
        let origin = self.public_origin.as_deref()?;
        Some(origin.split_once("://").map_or(origin, |(_, host)| host))
    }

    /// Marks a portal running on the published development key and token.
    pub fn development(mut self) -> PortalState {
        self.development = true;
        self
    }

    /// Opens dossiers on the officer page with `opener`, and tells kiosks its public key.
    pub fn with_opener(self, opener: Opener) -> PortalState {
        self.with_key_ring(KeyRing::new(opener, Vec::new()))
    }

    /// Opens dossiers with the ring's keys (sealed before or after a rotation), tells kiosks
    /// the current key, and refuses dossiers sealed to a key it does not hold (the kiosk
    /// keeps them and says so).
    pub fn with_key_ring(mut self, keys: KeyRing) -> PortalState {
        self.sealing_public_key = Some(keys.current().public_base64());
        self.keys = Some(Arc::new(keys));
        self
    }

    /// Each kiosk may make `burst` signed requests at once, then one per `refill`; None: no
    /// limit (a benchmark of the kiosk's side).
    pub fn with_kiosk_limits(mut self, limits: Option<(u32, std::time::Duration)>) -> PortalState {
        self.kiosk_limits =
            limits.map(|(burst, refill)| Arc::new(rate_limits::KioskLimits::new(burst, refill)));
        self
    }

    /// Re-checks chip evidence against `trust` (CSCA certificates the province installed).
    pub fn with_trust_list(mut self, trust: crate::identity::trust_list::TrustList) -> PortalState {
        self.trust = Arc::new(trust);
        self
    }

    pub fn with_catalogue_key(mut self, public_key: &str) -> PortalState {
        self.catalogue_public_key = Some(public_key.to_string());
        self
    }
}

/// How long one request may take before the portal answers 408 (a slow sender holds nothing).
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);
/// Requests handled at once; more wait their turn (within their deadline).
pub const MAX_IN_FLIGHT: usize = 256;

/// A route that takes at most `n` bytes of body: a `Content-Length` over it is answered 413
/// before a byte of the body is read (`RequestBodyLimitLayer`), and a body without one is cut
/// off at `n` (axum's extractors and the limit layer both).
fn at_most(route: MethodRouter<PortalState>, n: usize) -> MethodRouter<PortalState> {
    route
        .layer::<_, Infallible>(DefaultBodyLimit::max(n))
        .layer::<_, Infallible>(tower_http::limit::RequestBodyLimitLayer::new(n))
}

/// Every route reads at most its kind's body (`contract::body_limits`): a larger one is
/// refused with 413 before it is read, whoever sends it; every request has a deadline and
/// only so many are handled at once.
pub fn router(state: PortalState) -> Router {
    use crate::protocol::contract::body_limits::{DOSSIER, SMALL, UPLOAD_CHUNK};
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route(
            "/v1/enroll",
            at_most(post(enroll), SMALL).layer::<_, Infallible>(rate_limits::per_address()),
        )
        .route(
            "/v1/dossiers/{id}",
            at_most(axum::routing::put(put_dossier), DOSSIER),
        )
        .route(
            "/v1/dossiers/{id}/attachments/{sha256}",
            at_most(get(upload_progress).patch(append_upload), UPLOAD_CHUNK),
        )
        .route("/v1/status", get(status))
        .route("/v1/catalogue", get(catalogue))
        .route("/v1/update-offer", get(update_offer))
        .route("/v1/updates/{sha256}", get(update_bundle))
        .route("/v1/heartbeat", at_most(post(heartbeat), SMALL))
        .route(
            "/v1/dossiers/{id}/rating",
            at_most(axum::routing::put(put_rating), SMALL),
        )
        .route(
            "/v1/alerts/{id}",
            at_most(axum::routing::put(put_alert), SMALL),
        )
        .route("/officer", get(officer_page))
        .route(
            "/officer/sign-in",
            at_most(get(sign_in_form).post(sign_in), SMALL)
                .layer::<_, Infallible>(rate_limits::per_address()),
        )
        .route("/officer/sign-out", at_most(post(sign_out), SMALL))
        .route("/officer/dossiers/{id}", get(dossier_page))
        .route(
            "/officer/dossiers/{id}/decision",
            at_most(post(decide), SMALL),
        )
        .route("/officer/admin", get(admin_page))
        .route("/officer/admin/audit.csv", get(audit_csv))
        .route(
            "/officer/admin/enrollment-tokens",
            at_most(post(issue_token), SMALL),
        )
        .route(
            "/officer/admin/kiosks/{id}/retire",
            at_most(post(retire_kiosk), SMALL),
        )
        .layer(DefaultBodyLimit::max(SMALL))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_DEADLINE,
        ))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_IN_FLIGHT,
        ))
        .with_state(state)
}

fn error(status: StatusCode, message: &str, missing: Vec<String>) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: message.to_string(),
            missing,
            server_time: None,
            received: None,
        }),
    )
        .into_response()
}

fn unauthorised(message: &str, server_time: Option<i64>) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(ErrorBody {
            error: message.to_string(),
            missing: Vec::new(),
            server_time,
            received: None,
        }),
    )
        .into_response()
}

/// Checks a signed request; the kiosk it comes from.
async fn authenticate(
    state: &PortalState,
    method: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Response> {
    use sha2::Digest as _;
    let body_sha256 = hex::encode(sha2::Sha256::digest(body));
    authenticate_body_hash(state, method, uri, headers, &body_sha256).await
}

/// A signed request on a route that takes a large body (a dossier, a photo chunk): refused
/// with 413 when its `Content-Length` is over `limit`; its signature checked against the
/// SHA-256 it names in `Content-Digest` before a byte of the body is read (401); then the body
/// is read (at most `limit`: 413) and must have that hash (400). A request that names no
/// digest (a kiosk of an earlier release) is read only up to `SMALL` before its signature is
/// checked. The signing kiosk and the body.
async fn signed_large_body(
    state: &PortalState,
    method: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<(String, Bytes), Response> {
    use crate::protocol::contract::body_limits::SMALL;
    use sha2::Digest as _;
    let too_large = |message: &str| error(StatusCode::PAYLOAD_TOO_LARGE, message, Vec::new());
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large("the body is larger than this route takes"));
    }
    let named = headers
        .get(request_signature::CONTENT_DIGEST_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(request_signature::sha256_of_content_digest);
    let Some(named) = named else {
        // Known too long from its head: refused before a byte of it is read.
        if declared.is_some_and(|n| n > SMALL as u64) {
            return Err(too_large(
                "a body over 64 KiB must name its SHA-256 in Content-Digest first",
            ));
        }
        let body = axum::body::to_bytes(body, SMALL).await.map_err(|_| {
            too_large("a body over 64 KiB must name its SHA-256 in Content-Digest first")
        })?;
        let kiosk = authenticate(state, method, uri, headers, &body).await?;
        return Ok((kiosk, body));
    };
    let kiosk = authenticate_body_hash(state, method, uri, headers, &named).await?;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large("the body is larger than this route takes"))?;
    if hex::encode(sha2::Sha256::digest(&body)) != named {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "the body is not the one its Content-Digest names",
            Vec::new(),
        ));
    }
    Ok((kiosk, body))
}

/// Checks a signed request whose body has the SHA-256 `body_sha256` (hex), and that its kiosk
/// is within its rate; the kiosk it comes from.
async fn authenticate_body_hash(
    state: &PortalState,
    method: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body_sha256: &str,
) -> Result<String, Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(kiosk), Some(time), Some(signature)) = (
        header(request_signature::KIOSK_HEADER),
        header(request_signature::TIME_HEADER).and_then(|t| t.parse::<i64>().ok()),
        header(request_signature::SIGNATURE_HEADER),
    ) else {
        return Err(unauthorised(
            "the request is not signed by an enrolled kiosk",
            None,
        ));
    };
    let kiosk = kiosk.to_string();
    let db = state.db.clone();
    let lookup = kiosk.clone();
    let key = match blocking(move || db.device_key(&lookup)).await {
        Ok(Some(key)) => key,
        Ok(None) => return Err(unauthorised("this kiosk is not enrolled", None)),
        Err(e) => return Err(portal_error(e)),
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let now = chrono::Utc::now().timestamp();
    let signed_header = |name: &str| header(name).map(str::to_string);
    let request = request_signature::SignedRequest {
        method,
        path_and_query: path,
        time,
        kiosk_id: &kiosk,
        body: &[],
        header: &signed_header,
    };
    match request_signature::check_with_body_hash(&key, signature, &request, body_sha256, now) {
        // Counted only once the signature holds: nobody spends a kiosk's allowance for it.
        Ok(()) => match state.kiosk_limits.as_deref().map(|l| l.check(&kiosk)) {
            Some(Err(wait)) => Err(rate_limits::slow_down(wait)),
            _ => Ok(kiosk),
        },
        Err(RequestRefused::ClockSkew) => Err(unauthorised("clock_skew", Some(now))),
        Err(e) => Err(unauthorised(&e.to_string(), None)),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PortalError> + Send + 'static,
) -> Result<T, PortalError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(PortalError::BadDecision))
}

fn portal_error(e: PortalError) -> Response {
    match e {
        PortalError::Conflict => error(
            StatusCode::CONFLICT,
            "a different dossier was already received under this id",
            Vec::new(),
        ),
        PortalError::MissingAttachments(m) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "attachments missing", m)
        }
        PortalError::NotFound => error(StatusCode::NOT_FOUND, "no such dossier", Vec::new()),
        PortalError::BadDecision => error(StatusCode::BAD_REQUEST, "bad decision", Vec::new()),
        PortalError::BadRequest(e) => error(
            StatusCode::BAD_REQUEST,
            &format!("bad request for more: {e}"),
            Vec::new(),
        ),
        PortalError::NotSupplementable => error(
            StatusCode::CONFLICT,
            "a supplement must complete a dossier this kiosk sent that the office sent back",
            Vec::new(),
        ),
        PortalError::BadReceipt(m) => error(
            StatusCode::BAD_REQUEST,
            &format!("receipt refused: {m}"),
            Vec::new(),
        ),
        PortalError::NotEnrolled => unauthorised("this kiosk is not enrolled", None),
        PortalError::TokenRefused(why) => unauthorised(&why, None),
        PortalError::KeyMismatch => error(
            StatusCode::CONFLICT,
            "this kiosk id is enrolled with another device key; an administrator must retire it first",
            Vec::new(),
        ),
        PortalError::WrongOffset(received) => (
            StatusCode::CONFLICT,
            axum::Json(ErrorBody {
                error: "upload offset mismatch".into(),
                missing: Vec::new(),
                server_time: None,
                received: Some(received),
            }),
        )
            .into_response(),
        PortalError::TooManyUploads => error(
            StatusCode::TOO_MANY_REQUESTS,
            "this kiosk has too many unfinished photo uploads; finish those first",
            Vec::new(),
        ),
        PortalError::HashMismatch => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the photo does not match its hash; send it again from the start",
            Vec::new(),
        ),
        PortalError::BadUpload(m) | PortalError::BadAccount(m) => {
            error(StatusCode::BAD_REQUEST, &m, Vec::new())
        }
        PortalError::StaleCatalogue => error(
            StatusCode::CONFLICT,
            "the catalogue is not newer than the published one",
            Vec::new(),
        ),
        PortalError::Migration(m) => {
            tracing::error!("portal database schema: {m}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
                Vec::new(),
            )
        }
        PortalError::Db(e) => {
            tracing::error!(error = %e, "portal database error");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
                Vec::new(),
            )
        }
    }
}

fn valid_id(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

/// The common start of a signed `PUT …/{id}` with a JSON body: the signing kiosk and the body
/// read as `T`, once the signature holds and `id` is a UUID; otherwise the error response
/// ("the {what} id must be a UUID", or `not_json` when the body is not a `T`).
async fn signed_json_put<T: serde::de::DeserializeOwned>(
    state: &PortalState,
    id: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &Bytes,
    what: &str,
    not_json: &str,
) -> Result<(String, T), Response> {
    let kiosk = authenticate(state, "PUT", uri, headers, body).await?;
    if !valid_id(id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("the {what} id must be a UUID"),
            Vec::new(),
        ));
    }
    let Ok(value) = serde_json::from_slice::<T>(body) else {
        return Err(error(StatusCode::BAD_REQUEST, not_json, Vec::new()));
    };
    Ok((kiosk, value))
}

#[cfg(test)]
mod tests {
    /// The published contract names every kiosk-facing route this server answers.
    #[test]
    fn the_openapi_document_covers_every_route() {
        let contract = include_str!("../../../docs/portal-openapi.yaml");
        let source = include_str!("mod.rs");
        let router = &source[source.find("pub fn router(").unwrap_or(0)..];
        let router = &router[..router.find("\n}\n").unwrap_or(router.len())];
        let routes: Vec<&str> = router
            .match_indices("\"/v1/")
            .map(|(at, _)| {
                let rest = &router[at + 1..];
                &rest[..rest.find('"').unwrap_or(0)]
            })
            .collect();
        assert!(routes.len() >= 9, "{routes:?}");
        for route in routes {
            assert!(
                contract.contains(&format!("  {route}:")),
                "{route} is not in docs/portal-openapi.yaml"
            );
        }
    }
}
