//! The frame of every officer page: the document head, the development warning when the
//! portal runs on published keys, and for a signed-in officer who they are, where they may go
//! and the sign-out button (a form carrying the session's token).

use crate::portal::db::officers::Role;
use crate::portal::routes::PortalState;
use crate::portal::routes::officer_auth::SignedIn;
use axum::response::Html;

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A whole officer page titled `title` around `body` (already HTML).
pub(super) fn page(
    state: &PortalState,
    title: &str,
    officer: Option<&SignedIn>,
    body: &str,
) -> Html<String> {
    let mut html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.4em;vertical-align:top}}\
         nav form{{display:inline}}nav{{margin-bottom:1em}}</style></head><body>",
        escape(title)
    );
    if state.development {
        html.push_str(
            "<p style=\"background:#b3261e;color:#fff;padding:.6em;font-weight:bold\">\
             MÔI TRƯỜNG THỬ NGHIỆM — khóa và mã đăng ký công khai của bản phát triển; \
             không dùng cho hồ sơ thật. (DEVELOPMENT — published development key and token.)</p>",
        );
    }
    if let Some(signed_in) = officer {
        let officer = &signed_in.session.officer;
        html.push_str(&format!(
            "<nav><a href=\"/officer\">Hồ sơ</a>{} · Đang đăng nhập: <b>{}</b> · \
             <form method=\"post\" action=\"/officer/sign-out\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Đăng xuất</button></form></nav>",
            if officer.role == Role::Admin {
                " · <a href=\"/officer/admin\">Quản trị</a>"
            } else {
                ""
            },
            escape(&officer.name),
            escape(&signed_in.session.csrf),
        ));
    }
    html.push_str(body);
    html.push_str("</body></html>");
    Html(html)
}
