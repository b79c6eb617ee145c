//! Administrators enroll and retire kiosks: a per-kiosk enrollment token issued for a kiosk
//! id and its commune (shown once, with the provisioning QR code the technician scans at the
//! kiosk's admin screen: `XAKP1:` and the JSON of `appliance::provision::ProvisionRequest`),
//! and a kiosk's keys retired so a replacement can enroll. Both are in the audit log.

use crate::portal::routes::officer_auth::{SignedIn, random_token, token_hash};
use crate::portal::routes::officer_html::{escape, page};
use crate::portal::routes::{PortalState, blocking, portal_error};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;

#[derive(serde::Deserialize)]
pub(super) struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kiosk_id: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    days: String,
}

#[derive(serde::Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The provisioning code a kiosk's admin screen reads: the portal, the token, the kiosk id
/// and commune, and the keys the portal publishes (so provisioning works offline too).
pub fn provisioning_code(
    portal: &str,
    token: &str,
    kiosk_id: &str,
    commune: &str,
    sealing_key: Option<&str>,
    catalogue_key: Option<&str>,
) -> String {
    let mut request = serde_json::json!({
        "portal": portal,
        "token": token,
        "commune": commune,
        "kiosk_id": kiosk_id,
    });
    if let Some(key) = sealing_key {
        request["sealing_key"] = key.into();
    }
    if let Some(key) = catalogue_key {
        request["catalogue_key"] = key.into();
    }
    format!("XAKP1:{request}")
}

/// Where kiosks reach this portal: its public origin, or the origin the administrator's
/// browser used.
fn portal_url(state: &PortalState, headers: &HeaderMap) -> String {
    if let Some(origin) = &state.public_origin {
        return origin.clone();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// A QR code as a PNG data URL, or "" when the text does not fit one.
fn qr_data_url(text: &str) -> String {
    let Some(picture) = crate::core::qr_picture::qr_picture_about(text, 360) else {
        return String::new();
    };
    let mut png = Vec::new();
    if image::DynamicImage::ImageLuma8(picture)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .is_err()
    {
        return String::new();
    }
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

pub(super) async fn issue_token(
    State(state): State<PortalState>,
    officer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<IssueForm>,
) -> Response {
    if let Err(refused) = officer
        .check_form(&state, &headers, &form.csrf)
        .and_then(|()| officer.require_admin())
    {
        return refused.into_response();
    }
    let days: i64 = form.days.trim().parse().unwrap_or(7);
    let token = random_token();
    let db = state.db.clone();
    let (hash, by) = (token_hash(&token), officer.by());
    let (kiosk_id, commune) = (
        form.kiosk_id.trim().to_string(),
        form.commune.trim().to_string(),
    );
    let (k, c) = (kiosk_id.clone(), commune.clone());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) =
        blocking(move || db.issue_enrollment_token(&hash, &k, &c, days * 86400, &by, now)).await
    {
        return portal_error(e);
    }
    let code = provisioning_code(
        &portal_url(&state, &headers),
        &token,
        &kiosk_id,
        &commune,
        state.sealing_public_key.as_deref(),
        state.catalogue_public_key.as_deref(),
    );
    let body = format!(
        "<h1>Mã đăng ký cho máy {kiosk}</h1>\
         <p>Dùng một lần, trong {days} ngày, cho máy <b>{kiosk}</b> ở xã/phường <b>{commune}</b>. \
         Mã chỉ hiện lần này: in hoặc đưa tận tay kỹ thuật viên.</p>\
         <p><img alt=\"Mã QR cấu hình máy\" src=\"{qr}\"></p>\
         <p>Tại máy: màn hình quản trị → Cấu hình máy → quét mã này; hoặc \
         <code>xakiosk provision --qr '…'</code> với nội dung:</p><pre>{code}</pre>\
         <p><a href=\"/officer/admin\">Quay lại trang quản trị</a></p>",
        kiosk = escape(&kiosk_id),
        commune = escape(&commune),
        qr = qr_data_url(&code),
        code = escape(&code),
    );
    page(&state, "Mã đăng ký máy", Some(&officer), &body).into_response()
}

pub(super) async fn retire_kiosk(
    State(state): State<PortalState>,
    Path(kiosk_id): Path<String>,
    officer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(refused) = officer
        .check_form(&state, &headers, &form.csrf)
        .and_then(|()| officer.require_admin())
    {
        return refused.into_response();
    }
    let db = state.db.clone();
    let by = officer.by();
    let now = chrono::Utc::now().timestamp();
    match blocking(move || db.retire_kiosk(&kiosk_id, &by, now)).await {
        Ok(()) => Redirect::to("/officer/admin").into_response(),
        Err(e) => portal_error(e),
    }
}
