//! The kiosk-facing API (`/v1/…`): enrollment with the token, then signed requests — a
//! dossier put once (a replay answered alike), its photos appended in chunks, the decisions
//! pulled with a cursor, the catalogue, the update offered to the kiosk's group and its bundle
//! in pieces, heartbeats, ratings and alerts.

use crate::portal::routes::{
    PortalState, authenticate, blocking, error, now, portal_error, signed_json_put,
    signed_large_body, unauthorised, valid_id,
};
use crate::protocol::contract::{DossierUpload, Enrollment, Heartbeat};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

pub(super) async fn enroll(
    State(state): State<PortalState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Compared as hashes: the time taken says nothing about how much of the token matched.
    // A per-kiosk token is looked up by the hash it was issued under (`token_hash`, the one
    // the administrators' page stores).
    use crate::portal::routes::officer_auth::{same_secret, token_hash};
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return unauthorised("missing enrollment token", None);
    };
    let shared = state
        .shared_enrollment_token
        .as_ref()
        .is_some_and(|t| same_secret(t, presented));
    let Ok(enrollment) = serde_json::from_slice::<Enrollment>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "not an enrollment request",
            Vec::new(),
        );
    };
    let db = state.db.clone();
    let token_hash = token_hash(presented);
    let enrolled = blocking(move || {
        if shared {
            db.enroll(&enrollment, &now())
        } else {
            db.enroll_with_token(&token_hash, &enrollment, chrono::Utc::now().timestamp())
        }
    })
    .await;
    match enrolled {
        Ok(mut enrolled) => {
            enrolled.sealing_public_key = state.sealing_public_key.clone();
            enrolled.catalogue_public_key = state.catalogue_public_key.clone();
            axum::Json(enrolled).into_response()
        }
        Err(e) => portal_error(e),
    }
}

pub(super) async fn put_dossier(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    use crate::protocol::contract::body_limits::DOSSIER;
    let (kiosk, body) = match signed_large_body(&state, "PUT", &uri, &headers, body, DOSSIER).await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !valid_id(&id) {
        return error(
            StatusCode::BAD_REQUEST,
            "the dossier id must be a UUID",
            Vec::new(),
        );
    }
    let Ok(upload) = serde_json::from_slice::<DossierUpload>(&body) else {
        return error(StatusCode::BAD_REQUEST, "not a dossier upload", Vec::new());
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

pub(super) fn valid_upload_address(id: &str, sha256: &str) -> bool {
    valid_id(id) && sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit())
}

pub(super) async fn upload_progress(
    State(state): State<PortalState>,
    Path((id, sha256)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let kiosk = match authenticate(&state, "GET", &uri, &headers, b"").await {
        Ok(kiosk) => kiosk,
        Err(r) => return r,
    };
    if !valid_upload_address(&id, &sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad dossier id or content hash",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.upload_progress(&kiosk, &id, &sha256)).await {
        Ok(progress) => axum::Json(progress).into_response(),
        Err(e) => portal_error(e),
    }
}

pub(super) async fn append_upload(
    State(state): State<PortalState>,
    Path((id, sha256)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    use crate::protocol::contract::body_limits::UPLOAD_CHUNK;
    let (kiosk, body) =
        match signed_large_body(&state, "PATCH", &uri, &headers, body, UPLOAD_CHUNK).await {
            Ok(v) => v,
            Err(r) => return r,
        };
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
    match blocking(move || {
        db.append_upload(
            &kiosk,
            &id,
            &sha256,
            &checksum,
            offset,
            total,
            &body,
            &now(),
        )
    })
    .await
    {
        Ok(progress) => axum::Json(progress).into_response(),
        Err(e) => portal_error(e),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct Since {
    #[serde(default)]
    since: u64,
}

pub(super) async fn status(
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

pub(super) async fn catalogue(
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

pub(super) async fn update_offer(
    State(state): State<PortalState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let kiosk = match authenticate(&state, "GET", &uri, &headers, b"").await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let db = state.db.clone();
    match blocking(move || db.update_offer_for(&kiosk)).await {
        Ok(Some(signed)) => axum::Json(signed).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => portal_error(e),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct Offset {
    #[serde(default)]
    offset: u64,
}

pub(super) async fn update_bundle(
    State(state): State<PortalState>,
    Path(sha256): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(q): Query<Offset>,
) -> Response {
    let kiosk = match authenticate(&state, "GET", &uri, &headers, b"").await {
        Ok(k) => k,
        Err(r) => return r,
    };
    if crate::protocol::update_offer::check_digest(&sha256).is_err() {
        return error(
            StatusCode::BAD_REQUEST,
            "not a SHA-256 in lower-case hex",
            Vec::new(),
        );
    }
    let db = state.db.clone();
    match blocking(move || db.update_bundle_piece(&kiosk, &sha256, q.offset)).await {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            Bytes::from(bytes),
        )
            .into_response(),
        Err(crate::portal::db::PortalError::NotFound) => error(
            StatusCode::NOT_FOUND,
            "no such bundle offered to this kiosk's group, or the offset is past its end",
            Vec::new(),
        ),
        Err(e) => portal_error(e),
    }
}

pub(super) async fn heartbeat(
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

pub(super) async fn put_rating(
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

pub(super) async fn put_alert(
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
