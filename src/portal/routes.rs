//! The portal's HTTP API (`/v1/…`, bearer-token authenticated) and the officer page
//! (`/officer`), where received dossiers are opened with the portal's private key and an
//! officer accepts, rejects or asks for a fix — decisions that flow back to the kiosks.

use crate::portal::db::{PortalDb, PortalError};
use crate::sealing::Opener;
use crate::store::{SealedContent, seal_context};
use crate::sync::contract::{DossierUpload, ErrorBody};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;
use std::sync::Arc;

#[derive(Clone)]
pub struct PortalState {
    pub db: Arc<PortalDb>,
    /// The token kiosks present (`Authorization: Bearer …`).
    pub token: Arc<String>,
    /// The private key that opens sealed dossiers, for the officer page.
    pub opener: Option<Arc<Opener>>,
}

pub fn router(state: PortalState) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/dossiers/{id}", put(put_dossier))
        .route(
            "/v1/dossiers/{id}/attachments/{sha256}",
            put(put_attachment),
        )
        .route("/v1/status", get(status))
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
        }),
    )
        .into_response()
}

fn authorised(state: &PortalState, headers: &HeaderMap) -> Result<(), Response> {
    let expected = format!("Bearer {}", state.token);
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) if v == expected => Ok(()),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong device token",
            Vec::new(),
        )),
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

async fn put_dossier(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Json(upload): axum::Json<DossierUpload>,
) -> Response {
    if let Err(r) = authorised(&state, &headers) {
        return r;
    }
    if !valid_id(&id) {
        return error(
            StatusCode::BAD_REQUEST,
            "the dossier id must be a UUID",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.receive(&id, &upload, &now())).await {
        Ok((acceptance, true)) => (StatusCode::CREATED, axum::Json(acceptance)).into_response(),
        Ok((acceptance, false)) => (StatusCode::OK, axum::Json(acceptance)).into_response(),
        Err(e) => portal_error(e),
    }
}

async fn put_attachment(
    State(state): State<PortalState>,
    Path((id, sha256)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authorised(&state, &headers) {
        return r;
    }
    if !valid_id(&id) || sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad dossier id or content hash",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.put_attachment(&id, &sha256, &body)).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
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
    headers: HeaderMap,
    Query(q): Query<Since>,
) -> Response {
    if let Err(r) = authorised(&state, &headers) {
        return r;
    }
    let db = state.db.clone();
    match blocking(move || db.status_since(q.since, 500)).await {
        Ok(page) => axum::Json(page).into_response(),
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
fn applicant(opener: Option<&Opener>, id: &str, upload: &DossierUpload) -> String {
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
                format!("{name} · {}", content.applicant_id)
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
    let mut html = String::from(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Hồ sơ tiếp nhận</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em}</style>\
         </head><body><h1>Hồ sơ nhận từ máy dịch vụ công</h1><table><tr><th>Số tiếp nhận</th><th>Mã hồ sơ</th>\
         <th>Thủ tục</th><th>Người nộp</th><th>Nhận lúc</th><th>Trạng thái</th><th>Quyết định</th></tr>",
    );
    for r in rows {
        let who = applicant(state.opener.as_deref(), &r.id, &r.upload);
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
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
            escape(&r.id),
        ));
    }
    html.push_str("</table></body></html>");
    Html(html).into_response()
}
