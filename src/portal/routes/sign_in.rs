//! Signing officers in and out: the sign-in page and its form (guarded by a short-lived
//! cookie it must echo, and by its `Origin`), the password checked against the Argon2id hash
//! off the async threads, failures counted towards the account's lockout and logged, and the
//! session cookie handed out or taken back.

use crate::portal::db::audit::Attribution;
use crate::portal::db::officers::{FIRST_LOCKOUT_SECONDS, FREE_FAILURES};
use crate::portal::routes::officer_auth::{
    SignedIn, Source, cookie, host_allowed, random_token, refuse_host, same_origin, same_secret,
    session_cookie, set_cookie, token_hash,
};
use crate::portal::routes::officer_html::{escape, page};
use crate::portal::routes::{PortalState, blocking, portal_error};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The cookie the sign-in form must echo in its `form_token` (a page on another site can
/// neither read it nor make the browser send it).
const SIGN_IN_COOKIE: &str = "xakiosk_sign_in";

#[derive(serde::Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    form_token: String,
}

#[derive(serde::Deserialize)]
pub(super) struct FormToken {
    #[serde(default)]
    csrf: String,
}

/// The sign-in page, with `message` above the form (an error, or nothing).
fn sign_in_page(state: &PortalState, status: StatusCode, message: &str) -> Response {
    let token = random_token();
    let body = format!(
        "<h1>Đăng nhập dành cho cán bộ</h1>{}\
         <form method=\"post\" action=\"/officer/sign-in\">\
         <input type=\"hidden\" name=\"form_token\" value=\"{token}\">\
         <p><label>Tên đăng nhập<br><input name=\"name\" autocomplete=\"username\" required></label></p>\
         <p><label>Mật khẩu<br><input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
         <p><button>Đăng nhập</button></p></form>\
         <p>Sau {FREE_FAILURES} lần nhập sai liên tiếp, tài khoản bị tạm khóa {} phút.</p>",
        if message.is_empty() {
            String::new()
        } else {
            format!(
                "<p role=\"alert\" style=\"color:#b3261e\">{}</p>",
                escape(message)
            )
        },
        FIRST_LOCKOUT_SECONDS / 60,
    );
    let mut response = (status, page(state, "Đăng nhập", None, &body)).into_response();
    if let Ok(value) = set_cookie(state, SIGN_IN_COOKIE, &token, 600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(super) async fn sign_in_form(State(state): State<PortalState>, headers: HeaderMap) -> Response {
    if !host_allowed(&state, &headers) {
        return refuse_host();
    }
    sign_in_page(&state, StatusCode::OK, "")
}

/// A hash no password matches, checked when the name is unknown so that a wrong name takes
/// as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| crate::portal::password::hash_password(&random_token()))
}

pub(super) async fn sign_in(
    State(state): State<PortalState>,
    Source(source): Source,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !host_allowed(&state, &headers) {
        return refuse_host();
    }
    let form = match form {
        Ok(Form(form)) => form,
        // Too large (413), not a form (415), malformed (400): said with its own status.
        Err(refused) => return sign_in_page(&state, refused.status(), "Biểu mẫu không hợp lệ."),
    };
    let echoed = cookie(&headers, SIGN_IN_COOKIE)
        .is_some_and(|expected| same_secret(expected, &form.form_token));
    if !same_origin(&state, &headers) || !echoed {
        return sign_in_page(
            &state,
            StatusCode::FORBIDDEN,
            "Trang đăng nhập đã cũ hoặc biểu mẫu không gửi từ cổng này: hãy đăng nhập lại.",
        );
    }
    let name: String = form.name.trim().chars().take(64).collect();
    let now = chrono::Utc::now().timestamp();
    let db = state.db.clone();
    let lookup = name.clone();
    let credentials = match blocking(move || db.credentials(&lookup)).await {
        Ok(c) => c,
        Err(e) => return portal_error(e),
    };
    let by = Attribution::officer(&name, &source);
    if let Some(c) = credentials
        .as_ref()
        .filter(|c| c.locked_until > now && !c.disabled)
    {
        let until = crate::core::time::vietnam_display(
            chrono::DateTime::from_timestamp(c.locked_until, 0).unwrap_or_default(),
        );
        let db = state.db.clone();
        let (who, at) = (by.clone(), crate::portal::routes::now());
        let _ =
            blocking(move || db.audit(&who, "sign_in_refused", &who.actor, "locked", &at)).await;
        return sign_in_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Tài khoản đang tạm khóa do nhập sai nhiều lần, đến {until}."),
        );
    }
    let hash = credentials
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let typed = form.password;
    let good = tokio::task::spawn_blocking(move || {
        crate::portal::password::password_matches(&hash, &typed)
    })
    .await
    .unwrap_or(false);
    let usable = credentials.as_ref().is_some_and(|c| !c.disabled);
    if !(good && usable) {
        let db = state.db.clone();
        let (who, account) = (by.clone(), name.clone());
        let locked = blocking(move || db.sign_in_failed(&account, &who, now))
            .await
            .ok()
            .flatten();
        let message = match locked {
            Some(_) => format!(
                "Sai tên đăng nhập hoặc mật khẩu. Tài khoản bị tạm khóa {} phút.",
                FIRST_LOCKOUT_SECONDS / 60
            ),
            None => "Sai tên đăng nhập hoặc mật khẩu.".to_string(),
        };
        return sign_in_page(&state, StatusCode::UNAUTHORIZED, &message);
    }
    let (token, csrf) = (random_token(), random_token());
    let db = state.db.clone();
    let hash = token_hash(&token);
    if let Err(e) = blocking(move || db.open_session(&name, &hash, &csrf, &by, now)).await {
        return portal_error(e);
    }
    let mut response = Redirect::to("/officer").into_response();
    for cookie in [
        set_cookie(&state, session_cookie(&state), &token, 10 * 3600),
        set_cookie(&state, SIGN_IN_COOKIE, "", 0),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

pub(super) async fn sign_out(
    State(state): State<PortalState>,
    officer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<FormToken>,
) -> Response {
    if let Err(refused) = officer.check_form(&state, &headers, &form.csrf) {
        return refused.into_response();
    }
    let db = state.db.clone();
    let (hash, by) = (officer.token_hash.clone(), officer.by());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = blocking(move || db.close_session(&hash, &by, now)).await {
        return portal_error(e);
    }
    let mut response = Redirect::to("/officer/sign-in").into_response();
    if let Ok(value) = set_cookie(&state, session_cookie(&state), "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
