//! The officer page (`/officer`): received dossiers opened with the portal's private key, the
//! applicant shown, a decision (accept, reject, ask for a fix) that flows back to the kiosk,
//! and the fleet's heartbeats.

use crate::core::fix_request::FixRequest;
use crate::portal::routes::{PortalState, blocking, now, portal_error};
use crate::protocol::contract::DossierUpload;
use crate::protocol::sealed_content::{SealedContent, seal_context};
use crate::protocol::sealing::KeyRing;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;

#[derive(serde::Deserialize)]
pub(super) struct Decision {
    id: String,
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

pub(super) async fn decide(State(state): State<PortalState>, Form(d): Form<Decision>) -> Response {
    let db = state.db.clone();
    let note = (!d.note.trim().is_empty()).then(|| d.note.trim().to_string());
    let request = d.request();
    match blocking(move || db.decide(&d.id, &d.state, note.as_deref(), request.as_ref(), &now()))
        .await
    {
        Ok(_) => Redirect::to("/officer").into_response(),
        Err(e) => portal_error(e),
    }
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The applicant's name and ID, opened with the portal key (or why not).
pub(super) fn applicant(opener: Option<&KeyRing>, id: &str, upload: &DossierUpload) -> String {
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
                let declared = content
                    .declaration
                    .map(|d| {
                        format!(
                            " · đã cam đoan và đồng ý lúc {}",
                            crate::core::time::vietnam_display(d.at)
                        )
                    })
                    .unwrap_or_else(|| " · CHƯA cam đoan".into());
                format!(
                    "{name} · {}{identified}{helped}{declared}",
                    content.applicant_id
                )
            }
            Err(_) => "(unreadable)".into(),
        },
        Err(_) => "(cannot open: wrong key or tampered)".into(),
    }
}

/// Every answer of a dossier, opened with the portal key ("field: answer; …"), for a
/// supplement whose few answers are the point.
pub(super) fn answers(opener: Option<&KeyRing>, id: &str, upload: &DossierUpload) -> String {
    let content = opener.and_then(|opener| {
        let uuid = uuid::Uuid::parse_str(id).ok()?;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&upload.sealed_answers)
            .ok()?;
        let clear = opener.open(&sealed, &seal_context(uuid, "answers")).ok()?;
        serde_json::from_slice::<SealedContent>(&clear).ok()
    });
    match content {
        Some(c) => c
            .answers
            .iter()
            .map(|(field, a)| format!("{field}: {}", a.display(crate::core::text::Lang::Vi)))
            .collect::<Vec<_>>()
            .join("; "),
        None => "(sealed)".into(),
    }
}

pub(super) async fn officer_page(State(state): State<PortalState>) -> Response {
    let db = state.db.clone();
    let rows = match blocking(move || db.list(200)).await {
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
        .filter_map(|r| Some((r.upload.supplements.clone()?, r.upload.code.clone())))
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
    let mut html = String::from(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Hồ sơ tiếp nhận</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em}</style>\
         </head><body><h1>Hồ sơ nhận từ máy dịch vụ công</h1>",
    );
    if state.development {
        html.push_str(
            "<p style=\"background:#b3261e;color:#fff;padding:.6em;font-weight:bold\">\
             MÔI TRƯỜNG THỬ NGHIỆM — khóa và mã đăng ký công khai của bản phát triển; \
             không dùng cho hồ sơ thật. (DEVELOPMENT — published development key and token.)</p>",
        );
    }
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
        let mut who = applicant(state.keys.as_deref(), &r.id, &r.upload);
        if let Some(original) = &r.upload.supplements {
            let code = codes
                .get(original)
                .cloned()
                .unwrap_or_else(|| original.clone());
            who = format!(
                "BỔ SUNG cho hồ sơ {code} · {who} · {}",
                answers(state.keys.as_deref(), &r.id, &r.upload)
            );
        }
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
        if let Some(supplement) = supplemented.get(&r.id) {
            status += &format!(" — đã bổ sung: hồ sơ {supplement}");
        }
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
             <form method=\"post\" action=\"/officer/decide\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
             <input name=\"note\" placeholder=\"Ghi chú / cần bổ sung gì\"> \
             <input name=\"fields\" placeholder=\"Câu hỏi cần trả lời lại (mã, cách nhau dấu phẩy)\"> \
             <input name=\"due\" type=\"date\" title=\"Hạn bổ sung\"> \
             <button name=\"state\" value=\"accepted\">Chấp nhận</button> \
             <button name=\"state\" value=\"needs_fix\">Yêu cầu bổ sung</button> \
             <button name=\"state\" value=\"rejected\">Từ chối</button></form></td></tr>",
            escape(&r.reference),
            escape(&r.upload.code),
            escape(&r.upload.procedure_id),
            escape(&who),
            escape(&r.received_at),
            escape(&status),
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
