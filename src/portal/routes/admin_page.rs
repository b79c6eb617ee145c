//! The administrators' page (`/officer/admin`): the fleet of kiosks with their last
//! heartbeat (software version and update group too), the software updates offered, the
//! officer accounts, and the audit log — the latest lines on the page, every
//! line as CSV (`/officer/admin/audit.csv`). Reading or exporting the log is itself logged.
//! The CSV is written here (RFC 4180 quoting, and a leading `'` on cells a spreadsheet would
//! run as a formula): a dozen lines, not worth a crate.

use crate::portal::db::audit::AuditEntry;
use crate::portal::routes::officer_auth::SignedIn;
use crate::portal::routes::officer_html::{escape, page};
use crate::portal::routes::{PortalState, blocking, now, portal_error};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) async fn admin_page(State(state): State<PortalState>, officer: SignedIn) -> Response {
    if let Err(refused) = officer.require_admin() {
        return refused.into_response();
    }
    let db = state.db.clone();
    let by = officer.by();
    let loaded = blocking(move || {
        db.audit(&by, "view_audit", "", "", &now())?;
        Ok((
            db.devices()?,
            db.officers()?,
            db.audit_log(Some(200))?,
            db.enrollment_tokens()?,
            db.update_offers()?,
        ))
    })
    .await;
    let (devices, officers, log, tokens, offers) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return portal_error(e),
    };
    let mut html = String::from(
        "<h1>Quản trị</h1><h2>Máy dịch vụ công</h2><table><tr><th>Máy</th><th>Địa điểm</th>\
         <th>Mã xã/phường</th><th>Đăng ký lúc</th><th>Liên lạc gần nhất</th><th>Hồ sơ chờ gửi</th>\
         <th>Phiên bản phần mềm</th><th>Nhóm cập nhật</th>\
         <th>Phiên bản danh mục</th><th>Máy in</th><th>Đầu đọc thẻ</th><th>Cửa tủ</th><th></th></tr>",
    );
    let csrf = escape(&officer.session.csrf);
    for d in devices {
        let (queued, software, catalogue, printer, reader, door) = d
            .last_heartbeat
            .as_ref()
            .map(|h| {
                (
                    h.queued.to_string(),
                    h.app_version.clone(),
                    h.catalogue_version.to_string(),
                    h.printer.clone(),
                    h.reader.clone(),
                    if h.door_open { "MỞ" } else { "đóng" }.to_string(),
                )
            })
            .unwrap_or_default();
        html.push_str("<tr>");
        for cell in [
            d.kiosk_id.as_str(),
            &d.place,
            &d.commune,
            &d.enrolled_at,
            d.last_seen_at.as_deref().unwrap_or("—"),
            &queued,
            &software,
            &d.update_group,
            &catalogue,
            &printer,
            &reader,
            &door,
        ] {
            html.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        html.push_str(&format!(
            "<td><form method=\"post\" action=\"/officer/admin/kiosks/{}/retire\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button>Thu hồi khóa của máy</button></form></td></tr>",
            escape(&d.kiosk_id)
        ));
    }
    html.push_str(&format!(
        "</table><h2>Đăng ký máy mới</h2>\
         <form method=\"post\" action=\"/officer/admin/enrollment-tokens\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Mã máy <input name=\"kiosk_id\" required></label> \
         <label>Mã xã/phường <input name=\"commune\" pattern=\"[0-9]{{5}}\" required></label> \
         <label>Hiệu lực (ngày) <input name=\"days\" value=\"7\" size=\"3\"></label> \
         <button>Cấp mã đăng ký</button></form>\
         <table><tr><th>Máy</th><th>Xã/phường</th><th>Người cấp</th><th>Hết hạn</th><th>Đã dùng</th></tr>"
    ));
    for t in tokens {
        let expires = chrono::DateTime::from_timestamp(t.expires_at, 0).unwrap_or_default();
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.kiosk_id),
            escape(&t.commune),
            escape(&t.issued_by),
            escape(&crate::core::time::vietnam_display(expires)),
            if t.used_by_key.is_some() {
                "đã dùng"
            } else {
                "chưa"
            }
        ));
    }
    html.push_str(
        "</table><h2>Bản cập nhật phần mềm</h2><p>Phát hành cho một nhóm máy, rút lại, xếp máy \
         vào nhóm: <code>xakiosk portal-update</code> trên máy chủ cổng. Máy chỉ tải bản mới hơn \
         bản đang chạy, có chữ ký của cổng; hệ thống của máy kiểm tra chữ ký của bản cập nhật \
         trước khi cài.</p>\
         <table><tr><th>Nhóm</th><th>Phiên bản</th><th>Dung lượng</th><th>Phát hành lúc</th>\
         <th>Người phát hành</th><th>Tình trạng</th></tr>",
    );
    for o in offers {
        let withdrawn = o.withdrawn_at.map(|at| format!("đã rút lại {at}"));
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{} MB</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.group),
            escape(&o.version),
            o.size.div_ceil(1_000_000),
            escape(&o.offered_at),
            escape(&o.offered_by),
            escape(withdrawn.as_deref().unwrap_or("đang phát hành")),
        ));
    }
    html.push_str(
        "</table><h2>Tài khoản cán bộ</h2><p>Thêm, khóa, đặt lại mật khẩu: \
         <code>xakiosk portal-user</code> trên máy chủ cổng.</p><table><tr><th>Tên</th>\
         <th>Vai trò</th><th>Xã/phường</th><th>Tình trạng</th></tr>",
    );
    let now_unix = chrono::Utc::now().timestamp();
    for o in officers {
        let condition = if o.disabled {
            "đã khóa"
        } else if o.locked_until > now_unix {
            "tạm khóa (nhập sai mật khẩu)"
        } else {
            "hoạt động"
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.name),
            if o.role == crate::portal::db::officers::Role::Admin {
                "quản trị"
            } else {
                "cán bộ"
            },
            escape(&o.communes.to_text()),
            condition
        ));
    }
    html.push_str(
        "</table><h2>Nhật ký truy cập</h2><p><a href=\"/officer/admin/audit.csv\">Tải toàn bộ \
         nhật ký (CSV)</a></p><table><tr><th>#</th><th>Lúc</th><th>Ai</th><th>Việc</th>\
         <th>Đối tượng</th><th>Chi tiết</th><th>Từ địa chỉ</th></tr>",
    );
    for e in log {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            escape(&e.at),
            escape(&e.actor),
            escape(&e.action),
            escape(&e.subject),
            escape(&e.detail),
            escape(&e.source)
        ));
    }
    html.push_str("</table>");
    page(&state, "Quản trị", Some(&officer), &html).into_response()
}

pub(super) async fn audit_csv(State(state): State<PortalState>, officer: SignedIn) -> Response {
    if let Err(refused) = officer.require_admin() {
        return refused.into_response();
    }
    let db = state.db.clone();
    let by = officer.by();
    let log = match blocking(move || {
        db.audit(&by, "export_audit", "", "", &now())?;
        db.audit_log(None)
    })
    .await
    {
        Ok(log) => log,
        Err(e) => return portal_error(e),
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"nhat-ky-truy-cap.csv\"",
            ),
        ],
        audit_csv_text(&log),
    )
        .into_response()
}

/// The log as CSV with a header row.
pub(super) fn audit_csv_text(log: &[AuditEntry]) -> String {
    let mut out = String::from("seq,at,actor,action,subject,detail,source\r\n");
    for e in log {
        let seq = e.seq.to_string();
        let cells = [
            seq.as_str(),
            &e.at,
            &e.actor,
            &e.action,
            &e.subject,
            &e.detail,
            &e.source,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_quotes_what_needs_it_and_defuses_formulas() {
        let entry = AuditEntry {
            seq: 7,
            at: "2026-12-07T03:00:00Z".into(),
            actor: "lan".into(),
            action: "decide".into(),
            subject: "id-1".into(),
            detail: "needs_fix: Thiếu \"hợp đồng\", ảnh mờ".into(),
            source: "=cmd|' /C calc'!A0".into(),
        };
        let csv = audit_csv_text(&[entry]);
        assert_eq!(
            csv,
            "seq,at,actor,action,subject,detail,source\r\n\
             7,2026-12-07T03:00:00Z,lan,decide,id-1,\"needs_fix: Thiếu \"\"hợp đồng\"\", ảnh mờ\",'=cmd|' /C calc'!A0\r\n"
        );
    }
}
