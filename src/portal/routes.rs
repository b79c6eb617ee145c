//! The portal's HTTP API (`/v1/…`) and the officer page (`/officer`). A kiosk enrolls with
//! an enrollment token (`POST /v1/enroll`); every other `/v1` request must carry its device
//! key's signature (`sync::request_signature`). On the officer page received dossiers are
//! opened with the portal's private key and an officer accepts, rejects or asks for a fix —
//! decisions that flow back to the kiosks — and the fleet's heartbeats are listed.

use crate::portal::db::{PortalDb, PortalError};
use crate::protocol::contract::{DossierUpload, Enrollment, ErrorBody, Heartbeat};
use crate::protocol::request_signature::{self, RequestRefused};
use crate::protocol::sealed_content::{SealedContent, seal_context};
use crate::protocol::sealing::{KeyRing, Opener};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use std::sync::Arc;

#[derive(Clone)]
pub struct PortalState {
    pub db: Arc<PortalDb>,
    /// The token a technician gives a kiosk to enroll (`Authorization: Bearer …`).
    pub enrollment_token: Arc<String>,
    /// The private keys that open sealed dossiers (current first), for the officer page.
    pub keys: Option<Arc<KeyRing>>,
    /// Told to kiosks at enrollment: the key to seal to, the key catalogues are signed with.
    pub sealing_public_key: Option<String>,
    pub catalogue_public_key: Option<String>,
}

impl PortalState {
    pub fn new(db: Arc<PortalDb>, enrollment_token: &str) -> PortalState {
        PortalState {
            db,
            enrollment_token: Arc::new(enrollment_token.to_string()),
            keys: None,
            sealing_public_key: None,
            catalogue_public_key: None,
        }
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

    pub fn with_catalogue_key(mut self, public_key: &str) -> PortalState {
        self.catalogue_public_key = Some(public_key.to_string());
        self
    }
}

pub fn router(state: PortalState) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/dossiers/{id}", axum::routing::put(put_dossier))
        .route(
            "/v1/dossiers/{id}/attachments/{sha256}",
            get(upload_progress).patch(append_upload),
        )
        .route("/v1/status", get(status))
        .route("/v1/catalogue", get(catalogue))
        .route("/v1/heartbeat", post(heartbeat))
        .route("/v1/dossiers/{id}/rating", axum::routing::put(put_rating))
        .route("/v1/alerts/{id}", axum::routing::put(put_alert))
        .route("/officer", get(officer_page))
        .route("/officer/decide", post(decide))
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
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
    match request_signature::check(&key, signature, method, path, time, &kiosk, body, now) {
        Ok(()) => Ok(kiosk),
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
        PortalError::BadReceipt(m) => error(
            StatusCode::BAD_REQUEST,
            &format!("receipt refused: {m}"),
            Vec::new(),
        ),
        PortalError::NotEnrolled => unauthorised("this kiosk is not enrolled", None),
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
        PortalError::HashMismatch => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the photo does not match its hash; send it again from the start",
            Vec::new(),
        ),
        PortalError::BadUpload(m) => error(StatusCode::BAD_REQUEST, &m, Vec::new()),
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

async fn enroll(State(state): State<PortalState>, headers: HeaderMap, body: Bytes) -> Response {
    let expected = format!("Bearer {}", state.enrollment_token);
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return unauthorised("missing or wrong enrollment token", None);
    }
    let Ok(enrollment) = serde_json::from_slice::<Enrollment>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "not an enrollment request",
            Vec::new(),
        );
    };
    let db = state.db.clone();
    match blocking(move || db.enroll(&enrollment, &now())).await {
        Ok(mut enrolled) => {
            enrolled.sealing_public_key = state.sealing_public_key.clone();
            enrolled.catalogue_public_key = state.catalogue_public_key.clone();
            axum::Json(enrolled).into_response()
        }
        Err(e) => portal_error(e),
    }
}

async fn put_dossier(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (kiosk, upload) = match signed_json_put::<DossierUpload>(
        &state,
        &id,
        &uri,
        &headers,
        &body,
        "dossier",
        "not a dossier upload",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    if upload.kiosk_id != kiosk {
        return error(
            StatusCode::FORBIDDEN,
            "a kiosk may only submit its own dossiers",
            Vec::new(),
        );
    }
    if let Some(keys) = &state.keys {
        let named = base64::engine::general_purpose::STANDARD
            .decode(&upload.sealed_answers)
            .ok()
            .and_then(|sealed| crate::protocol::sealing::sealed_key_id(&sealed));
        if let Some(id) = named
            && !keys.holds(&id)
        {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("sealed to key {id}, which this portal does not hold"),
                Vec::new(),
            );
        }
    }
    let db = state.db.clone();
    match blocking(move || db.receive(&id, &upload, &now())).await {
        Ok((acceptance, true)) => (StatusCode::CREATED, axum::Json(acceptance)).into_response(),
        Ok((acceptance, false)) => (StatusCode::OK, axum::Json(acceptance)).into_response(),
        Err(e) => portal_error(e),
    }
}

fn valid_upload_address(id: &str, sha256: &str) -> bool {
    valid_id(id) && sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit())
}

async fn upload_progress(
    State(state): State<PortalState>,
    Path((id, sha256)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&state, "GET", &uri, &headers, b"").await {
        return r;
    }
    if !valid_upload_address(&id, &sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad dossier id or content hash",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.upload_progress(&id, &sha256)).await {
        Ok(progress) => axum::Json(progress).into_response(),
        Err(e) => portal_error(e),
    }
}

async fn append_upload(
    State(state): State<PortalState>,
    Path((id, sha256)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&state, "PATCH", &uri, &headers, &body).await {
        return r;
    }
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let checksum = headers
        .get("upload-checksum")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("sha256 "))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()));
    let (Some(offset), Some(total), Some(checksum)) =
        (number("upload-offset"), number("upload-length"), checksum)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Upload-Offset, Upload-Length and Upload-Checksum (sha256 <hex>) headers are required",
            Vec::new(),
        );
    };
    if !valid_upload_address(&id, &sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad dossier id or content hash",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.append_upload(&id, &sha256, &checksum, offset, total, &body)).await {
        Ok(progress) => axum::Json(progress).into_response(),
        Err(e) => portal_error(e),
    }
}

#[derive(serde::Deserialize)]
struct Since {
    #[serde(default)]
    since: u64,
}

async fn status(
    State(state): State<PortalState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(q): Query<Since>,
) -> Response {
    let kiosk = match authenticate(&state, "GET", &uri, &headers, b"").await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let db = state.db.clone();
    match blocking(move || db.status_since(&kiosk, q.since, 500)).await {
        Ok(page) => axum::Json(page).into_response(),
        Err(e) => portal_error(e),
    }
}

async fn catalogue(
    State(state): State<PortalState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(q): Query<Since>,
) -> Response {
    if let Err(r) = authenticate(&state, "GET", &uri, &headers, b"").await {
        return r;
    }
    let db = state.db.clone();
    match blocking(move || db.catalogue_since(q.since)).await {
        Ok(Some(signed)) => axum::Json(signed).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => portal_error(e),
    }
}

async fn heartbeat(
    State(state): State<PortalState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kiosk = match authenticate(&state, "POST", &uri, &headers, &body).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Ok(beat) = serde_json::from_slice::<Heartbeat>(&body) else {
        return error(StatusCode::BAD_REQUEST, "not a heartbeat", Vec::new());
    };
    if beat.kiosk_id != kiosk {
        return error(
            StatusCode::FORBIDDEN,
            "a heartbeat names its own kiosk",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.heartbeat(&beat, &now())).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => portal_error(e),
    }
}

async fn put_rating(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (kiosk, rating) = match signed_json_put::<crate::protocol::contract::RatingUpload>(
        &state,
        &id,
        &uri,
        &headers,
        &body,
        "dossier",
        "not a rating",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let db = state.db.clone();
    match blocking(move || db.rate(&kiosk, &id, &rating, &now())).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => portal_error(e),
    }
}

async fn put_alert(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (kiosk, alert) = match signed_json_put::<crate::protocol::contract::AlertUpload>(
        &state,
        &id,
        &uri,
        &headers,
        &body,
        "alert",
        "not an alert",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let db = state.db.clone();
    match blocking(move || db.alert(&kiosk, &id, &alert, &now())).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => portal_error(e),
    }
}

#[derive(serde::Deserialize)]
struct Decision {
    id: String,
    state: String,
    #[serde(default)]
    note: String,
}

async fn decide(State(state): State<PortalState>, Form(d): Form<Decision>) -> Response {
    let db = state.db.clone();
    let note = (!d.note.trim().is_empty()).then(|| d.note.trim().to_string());
    match blocking(move || db.decide(&d.id, &d.state, note.as_deref(), &now())).await {
        Ok(_) => Redirect::to("/officer").into_response(),
        Err(e) => portal_error(e),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The applicant's name and ID, opened with the portal key (or why not).
fn applicant(opener: Option<&KeyRing>, id: &str, upload: &DossierUpload) -> String {
    let Some(opener) = opener else {
        return "(sealed: no private key configured)".into();
    };
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return "(bad id)".into();
    };
    let Ok(sealed) = base64::engine::general_purpose::STANDARD.decode(&upload.sealed_answers)
    else {
        return "(damaged)".into();
    };
    match opener.open(&sealed, &seal_context(uuid, "answers")) {
        Ok(clear) => match serde_json::from_slice::<SealedContent>(&clear) {
            Ok(content) => {
                let name = content
                    .answers
                    .get("applicant_name")
                    .map(|a| a.display(crate::core::text::Lang::Vi))
                    .unwrap_or_default();
                let identified = match content.identity.map(|i| i.verification) {
                    Some(v) => format!(" · {}", v.describe().vi),
                    None => " · tự khai (không dùng thẻ)".to_string(),
                };
                let helped = content
                    .assisted_by
                    .map(|a| format!(" · được hỗ trợ bởi {} ({})", a.helper_name, a.helper_id))
                    .unwrap_or_default();
                format!("{name} · {}{identified}{helped}", content.applicant_id)
            }
            Err(_) => "(unreadable)".into(),
        },
        Err(_) => "(cannot open: wrong key or tampered)".into(),
    }
}

async fn officer_page(State(state): State<PortalState>) -> Response {
    let db = state.db.clone();
    let rows = match blocking(move || db.list(200)).await {
        Ok(rows) => rows,
        Err(e) => return portal_error(e),
    };
    let db = state.db.clone();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let (ratings, (rated, average)) = blocking(move || {
        let ratings: Vec<Option<(u8, Vec<String>)>> = ids
            .iter()
            .map(|id| db.rating_of(id).unwrap_or(None))
            .collect();
        Ok((ratings, db.rating_summary().unwrap_or((0, 0.0))))
    })
    .await
    .unwrap_or_default();
    let mut html = String::from(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Hồ sơ tiếp nhận</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em}</style>\
         </head><body><h1>Hồ sơ nhận từ máy dịch vụ công</h1>",
    );
    html.push_str(&format!(
        "<p>Mức độ hài lòng: {rated} lượt đánh giá, trung bình {average:.1}/5</p>"
    ));
    html.push_str(
        "<table><tr><th>Số tiếp nhận</th><th>Mã hồ sơ</th>\
         <th>Thủ tục</th><th>Người nộp</th><th>Nhận lúc</th><th>Trạng thái</th><th>Đánh giá</th><th>Quyết định</th></tr>",
    );
    for (r, rating) in rows
        .into_iter()
        .zip(ratings.into_iter().chain(std::iter::repeat(None)))
    {
        let rating = rating
            .map(|(stars, reasons)| {
                let words: Vec<String> = reasons
                    .iter()
                    .filter_map(|id| crate::core::rating::reason_label(id).map(|t| t.vi))
                    .collect();
                format!(
                    "{stars}/5 {}{}",
                    crate::core::rating::level_label(stars).vi,
                    if words.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", words.join(", "))
                    }
                )
            })
            .unwrap_or_default();
        let who = applicant(state.keys.as_deref(), &r.id, &r.upload);
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
             <form method=\"post\" action=\"/officer/decide\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
             <input name=\"note\" placeholder=\"Ghi chú\"> \
             <button name=\"state\" value=\"accepted\">Chấp nhận</button> \
             <button name=\"state\" value=\"needs_fix\">Yêu cầu bổ sung</button> \
             <button name=\"state\" value=\"rejected\">Từ chối</button></form></td></tr>",
            escape(&r.reference),
            escape(&r.upload.code),
            escape(&r.upload.procedure_id),
            escape(&who),
            escape(&r.received_at),
            escape(&r.state),
            escape(&rating),
            escape(&r.id),
        ));
    }
    html.push_str("</table><h2>Yêu cầu hỗ trợ và cảnh báo tại máy</h2><table><tr><th>Máy</th><th>Sự việc</th><th>Lúc</th></tr>");
    let db = state.db.clone();
    for (kiosk, kind, at) in blocking(move || db.alerts(50)).await.unwrap_or_default() {
        let what = match kind.as_str() {
            "assistance" => "Người dân bấm nút gọi hỗ trợ",
            "door_opened" => "Cửa tủ máy bị mở",
            "door_closed" => "Cửa tủ máy đã đóng",
            other => other,
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&kiosk),
            escape(what),
            escape(&at)
        ));
    }
    html.push_str("</table><h2>Máy dịch vụ công</h2><table><tr><th>Máy</th><th>Địa điểm</th>\
        <th>Đăng ký lúc</th><th>Liên lạc gần nhất</th><th>Hồ sơ chờ gửi</th><th>Phiên bản danh mục</th>\
        <th>Máy in</th><th>Đầu đọc thẻ</th><th>Cửa tủ</th></tr>");
    let db = state.db.clone();
    for d in blocking(move || db.devices()).await.unwrap_or_default() {
        let (queued, catalogue, printer, reader, door) = d
            .last_heartbeat
            .as_ref()
            .map(|h| {
                (
                    h.queued.to_string(),
                    h.catalogue_version.to_string(),
                    h.printer.clone(),
                    h.reader.clone(),
                    if h.door_open { "MỞ" } else { "đóng" }.to_string(),
                )
            })
            .unwrap_or_default();
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&d.kiosk_id),
            escape(&d.place),
            escape(&d.enrolled_at),
            escape(d.last_seen_at.as_deref().unwrap_or("—")),
            escape(&queued),
            escape(&catalogue),
            escape(&printer),
            escape(&reader),
            escape(&door),
        ));
    }
    html.push_str("</table></body></html>");
    Html(html).into_response()
}

#[cfg(test)]
mod tests {
    /// The published contract names every kiosk-facing route this server answers.
    #[test]
    fn the_openapi_document_covers_every_route() {
        let contract = include_str!("../../docs/portal-openapi.yaml");
        let source = include_str!("routes.rs");
        let routes: Vec<&str> = source
            .match_indices(".route(\"/v1/")
            .map(|(at, _)| {
                let rest = &source[at + 8..];
                &rest[..rest.find('"').unwrap_or(0)]
            })
            .chain(
                source
                    .match_indices("\"/v1/dossiers/{id}/attachments/{sha256}\"")
                    .map(|_| "/v1/dossiers/{id}/attachments/{sha256}"),
            )
            .collect();
        assert!(routes.len() >= 7, "{routes:?}");
        for route in routes {
            assert!(
                contract.contains(&format!("  {route}:")),
                "{route} is not in docs/portal-openapi.yaml"
            );
        }
    }
}
