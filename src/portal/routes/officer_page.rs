//! The officer pages: the dossiers of the signed-in officer's communes (`/officer`, nothing
//! personal on the list), one dossier opened with the portal's private key
//! (`/officer/dossiers/{id}`, every opening in the audit log) and the decision on it (accept,
//! reject, ask for a fix) that flows back to the kiosk; help requests from their kiosks.

use crate::core::fix_request::FixRequest;
use crate::portal::db::Received;
use crate::portal::routes::officer_auth::SignedIn;
use crate::portal::routes::officer_html::{escape, page};
use crate::portal::routes::opened_dossier;
use crate::portal::routes::{PortalState, blocking, now, portal_error};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(serde::Deserialize)]
pub(super) struct Decision {
    #[serde(default)]
    csrf: String,
    state: String,
    #[serde(default)]
    note: String,
    /// With "needs_fix": the questions to answer again, field ids separated by commas.
    #[serde(default)]
    fields: String,
    /// With "needs_fix": the last day (YYYY-MM-DD), or empty.
    #[serde(default)]
    due: String,
}

impl Decision {
    /// "Yêu cầu bổ sung" as the structured request the kiosk shows (the note is what).
    fn request(&self) -> Option<FixRequest> {
        if self.state != "needs_fix" {
            return None;
        }
        Some(FixRequest {
            what: self.note.trim().to_string(),
            fields: self
                .fields
                .split([',', ' '])
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            due: chrono::NaiveDate::parse_from_str(self.due.trim(), "%Y-%m-%d").ok(),
        })
    }
}

/// A dossier's rating as officers read it ("4/5 Hài lòng (…)"), or "".
fn rating_text(rating: Option<(u8, Vec<String>)>) -> String {
    rating
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
        .unwrap_or_default()
}

/// A dossier's state with the office's pending request ("needs_fix — yêu cầu: …").
fn status_text(r: &Received) -> String {
    let mut status = r.state.clone();
    if let Some(request) = &r.request {
        status += &format!(
            " — yêu cầu: {}{}{}",
            request.what,
            if request.fields.is_empty() {
                String::new()
            } else {
                format!(" (câu hỏi: {})", request.fields.join(", "))
            },
            request
                .due
                .map(|d| format!(", hạn {}", d.format("%d/%m/%Y")))
                .unwrap_or_default()
        );
    }
    status
}

pub(super) async fn officer_page(State(state): State<PortalState>, officer: SignedIn) -> Response {
    let db = state.db.clone();
    let communes = officer.session.officer.communes.clone();
    let rows = match blocking(move || db.list_for(&communes, 200)).await {
        Ok(rows) => rows,
        Err(e) => return portal_error(e),
    };
    // Supplements name the dossier they complete: its code, and on its row the supplement's.
    let codes: std::collections::HashMap<String, String> = rows
        .iter()
        .map(|r| (r.id.clone(), r.upload.code.clone()))
        .collect();
    let supplemented: std::collections::HashMap<String, String> = rows
        .iter()
        .filter_map(|r| Some((r.supplements_of.clone()?, r.upload.code.clone())))
        .collect();
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
    let mut html = String::from("<h1>Hồ sơ nhận từ máy dịch vụ công</h1>");
    html.push_str(&format!(
        "<p>Mức độ hài lòng: {rated} lượt đánh giá, trung bình {average:.1}/5</p>"
    ));
    html.push_str(
        "<table><tr><th>Số tiếp nhận</th><th>Mã hồ sơ</th><th>Thủ tục</th><th>Xã/phường</th>\
         <th>Nhận lúc</th><th>Trạng thái</th><th>Đánh giá</th><th></th></tr>",
    );
    for (r, rating) in rows
        .into_iter()
        .zip(ratings.into_iter().chain(std::iter::repeat(None)))
    {
        let mut status = status_text(&r);
        if let Some(supplement) = supplemented.get(&r.id) {
            status += &format!(" — đã bổ sung: hồ sơ {supplement}");
        }
        let mut procedure = r.upload.procedure_id.clone();
        if let Some(original) = &r.supplements_of {
            let code = codes.get(original).unwrap_or(original);
            procedure = format!("BỔ SUNG cho hồ sơ {code} · {procedure}");
        }
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><a href=\"/officer/dossiers/{}\">Mở hồ sơ</a></td></tr>",
            escape(&r.reference),
            escape(&r.upload.code),
            escape(&procedure),
            escape(&r.commune),
            escape(&r.received_at),
            escape(&status),
            escape(&rating_text(rating)),
            escape(&r.id),
        ));
    }
    html.push_str("</table><h2>Yêu cầu hỗ trợ và cảnh báo tại máy</h2><table><tr><th>Máy</th><th>Sự việc</th><th>Lúc</th></tr>");
    let db = state.db.clone();
    let scope = officer.session.officer.communes.clone();
    let alerts = blocking(move || {
        let communes: std::collections::HashMap<String, String> = db
            .devices()?
            .into_iter()
            .map(|d| (d.kiosk_id, d.commune))
            .collect();
        Ok(db
            .alerts(50)?
            .into_iter()
            .filter(|(kiosk, _, _)| communes.get(kiosk).is_some_and(|c| scope.covers(c)))
            .collect::<Vec<_>>())
    })
    .await
    .unwrap_or_default();
    for (kiosk, kind, at) in alerts {
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
    html.push_str("</table>");
    page(&state, "Hồ sơ tiếp nhận", Some(&officer), &html).into_response()
}

/// The dossier `id` when the officer's communes cover it; otherwise 404 (whether it exists
/// elsewhere is not theirs to know).
async fn dossier_in_scope(
    state: &PortalState,
    officer: &SignedIn,
    id: &str,
) -> Result<Received, Response> {
    let db = state.db.clone();
    let lookup = id.to_string();
    match blocking(move || db.received(&lookup)).await {
        Ok(Some(r)) if officer.session.officer.communes.covers(&r.commune) => Ok(r),
        Ok(_) => Err((StatusCode::NOT_FOUND, "no such dossier in your communes").into_response()),
        Err(e) => Err(portal_error(e)),
    }
}

pub(super) async fn dossier_page(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    officer: SignedIn,
) -> Response {
    let r = match dossier_in_scope(&state, &officer, &id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let db = state.db.clone();
    let (by, subject, code, at) = (officer.by(), r.id.clone(), r.upload.code.clone(), now());
    if let Err(e) = blocking(move || db.audit(&by, "open_dossier", &subject, &code, &at)).await {
        return portal_error(e);
    }
    let db = state.db.clone();
    let rated = r.id.clone();
    let rating = blocking(move || db.rating_of(&rated)).await.ok().flatten();
    let opened = opened_dossier::open(state.keys.as_deref(), &r.kiosk_dossier_id, &r.upload);
    let (mut who, answers, identity) = match &opened {
        Ok(content) => (
            opened_dossier::applicant(content),
            opened_dossier::answers(content),
            opened_dossier::identity_check(content, &state.trust),
        ),
        Err(why) => (why.to_string(), why.to_string(), why.to_string()),
    };
    drop(opened);
    if let Some(original) = &r.supplements_of {
        who = format!("BỔ SUNG cho hồ sơ {original} · {who}");
    }
    let body = format!(
        "<h1>Hồ sơ {code}</h1><table>\
         <tr><th>Số tiếp nhận</th><td>{reference}</td></tr>\
         <tr><th>Thủ tục</th><td>{procedure}</td></tr>\
         <tr><th>Người nộp</th><td>{who}</td></tr>\
         <tr><th>Kiểm tra danh tính</th><td>{identity}</td></tr>\
         <tr><th>Các câu trả lời</th><td>{answers}</td></tr>\
         <tr><th>Ảnh giấy tờ</th><td>{photos}</td></tr>\
         <tr><th>Máy gửi</th><td>{kiosk} (xã/phường {commune})</td></tr>\
         <tr><th>Nhận lúc</th><td>{received}</td></tr>\
         <tr><th>Trạng thái</th><td>{status}</td></tr>\
         <tr><th>Đánh giá</th><td>{rating}</td></tr></table>\
         <h2>Quyết định</h2>\
         <form method=\"post\" action=\"/officer/dossiers/{id}/decision\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><input name=\"note\" size=\"60\" placeholder=\"Ghi chú / cần bổ sung gì\"></p>\
         <p><input name=\"fields\" size=\"60\" placeholder=\"Câu hỏi cần trả lời lại (mã, cách nhau dấu phẩy)\"> \
         <input name=\"due\" type=\"date\" title=\"Hạn bổ sung\"></p>\
         <p><button name=\"state\" value=\"accepted\">Chấp nhận</button> \
         <button name=\"state\" value=\"needs_fix\">Yêu cầu bổ sung</button> \
         <button name=\"state\" value=\"rejected\">Từ chối</button></p></form>",
        code = escape(&r.upload.code),
        reference = escape(&r.reference),
        procedure = escape(&r.upload.procedure_id),
        who = escape(&who),
        identity = escape(&identity),
        answers = escape(&answers),
        photos = r.upload.attachments.len(),
        kiosk = escape(&r.upload.kiosk_id),
        commune = escape(&r.commune),
        received = escape(&r.received_at),
        status = escape(&status_text(&r)),
        rating = escape(&rating_text(rating)),
        id = escape(&r.id),
        csrf = escape(&officer.session.csrf),
    );
    page(
        &state,
        &format!("Hồ sơ {}", r.upload.code),
        Some(&officer),
        &body,
    )
    .into_response()
}

pub(super) async fn decide(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    officer: SignedIn,
    headers: HeaderMap,
    Form(d): Form<Decision>,
) -> Response {
    if let Err(refused) = officer.check_form(&state, &headers, &d.csrf) {
        return refused.into_response();
    }
    if let Err(refused) = dossier_in_scope(&state, &officer, &id).await {
        return refused;
    }
    let db = state.db.clone();
    let note = (!d.note.trim().is_empty()).then(|| d.note.trim().to_string());
    let request = d.request();
    let by = officer.by();
    match blocking(move || {
        db.decide(
            &id,
            &d.state,
            note.as_deref(),
            request.as_ref(),
            &by,
            &now(),
        )
    })
    .await
    {
        Ok(_) => Redirect::to("/officer").into_response(),
        Err(e) => portal_error(e),
    }
}
