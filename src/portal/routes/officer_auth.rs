//! Who is at the officer pages: the session cookie (`HttpOnly`, `SameSite=Strict`, `Secure`
//! when the portal is published over https) looked up in the database, the `Host` a browser
//! names (a DNS-rebinding page names its own and is refused), and for every form the
//! `Origin` (or `Sec-Fetch-Site`) and the session's form token (CSRF).

use crate::portal::db::audit::Attribution;
use crate::portal::db::officer_sessions::OfficerSession;
use crate::portal::db::officers::Role;
use crate::portal::routes::{PortalState, blocking};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// The session cookie's name (`__Host-` when it is `Secure`: no other path or subdomain can
/// set it).
pub(super) fn session_cookie(state: &PortalState) -> &'static str {
    if state.https() {
        "__Host-xakiosk_officer"
    } else {
        "xakiosk_officer"
    }
}

/// A `Set-Cookie` value: `name=value` for the whole site, unreadable by scripts, never sent
/// by another site's page; `max_age` 0 deletes it.
pub(super) fn set_cookie(state: &PortalState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.https() { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The value of cookie `name` in the request.
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A fresh random token (32 bytes, base64url): session cookies and form tokens.
pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a session cookie.
pub(super) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Two secrets compared without telling how much of them matched.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The address a request came from ("" when the server was not told).
pub(super) fn source_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_default()
}

/// The address a request came from, as an extractor.
pub(super) struct Source(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Source, Self::Rejection> {
        Ok(Source(source_of(parts)))
    }
}

/// Whether the `Host` a browser sent is one this portal answers to: an IP address, the name
/// `localhost`, or the host of the public origin. A DNS-rebinding page reaches the loopback
/// port under its own name, and is refused here.
pub(super) fn host_allowed(state: &PortalState, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    if state
        .public_host()
        .is_some_and(|public| host.eq_ignore_ascii_case(public))
    {
        return true;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok()
}

/// Whether a form comes from this portal's own pages: its `Origin` is this portal (the
/// public origin, or the `Host` asked for), or, from a browser that sends none, its
/// `Sec-Fetch-Site` says same-origin. A request with neither (not a browser) passes here and
/// still needs the form token.
pub(super) fn same_origin(state: &PortalState, headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match text("origin") {
        Some(origin) => {
            let host = text("host").unwrap_or_default();
            state.public_origin.as_deref() == Some(origin)
                || origin == format!("http://{host}")
                || origin == format!("https://{host}")
        }
        None => matches!(text("sec-fetch-site"), None | Some("same-origin" | "none")),
    }
}

/// A signed-in officer: the session and where the request came from. Extracting it refuses
/// a foreign `Host` (400) and sends a browser without a live session to the sign-in page.
pub(super) struct SignedIn {
    pub session: OfficerSession,
    pub token_hash: String,
    pub source: String,
}

impl SignedIn {
    pub fn by(&self) -> Attribution {
        Attribution::officer(&self.session.officer.name, &self.source)
    }

    /// Refuses (403) a form posted from another site or without this session's form token.
    pub fn check_form(
        &self,
        state: &PortalState,
        headers: &HeaderMap,
        csrf: &str,
    ) -> Result<(), Forbidden> {
        if !same_origin(state, headers) {
            return Err(Forbidden("this form was sent from another site"));
        }
        if !same_secret(csrf, &self.session.csrf) {
            return Err(Forbidden(
                "this form is stale or forged: open the page again and resend",
            ));
        }
        Ok(())
    }

    /// Refuses (403) an officer who is not an administrator.
    pub fn require_admin(&self) -> Result<(), Forbidden> {
        if self.session.officer.role == Role::Admin {
            Ok(())
        } else {
            Err(Forbidden("this page is for administrators"))
        }
    }
}

/// A refusal (403) and why.
#[derive(Debug)]
pub(super) struct Forbidden(pub &'static str);

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, self.0).into_response()
    }
}

/// A request for an officer page that must not be answered: a foreign `Host`, or no session.
pub(super) fn refuse_host() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "this portal does not answer to that host name",
    )
        .into_response()
}

impl FromRequestParts<PortalState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<SignedIn, Response> {
        if !host_allowed(state, &parts.headers) {
            return Err(refuse_host());
        }
        let not_signed_in = || {
            if parts.method == axum::http::Method::GET {
                Redirect::to("/officer/sign-in").into_response()
            } else {
                (StatusCode::UNAUTHORIZED, "sign in first").into_response()
            }
        };
        let Some(token) = cookie(&parts.headers, session_cookie(state)) else {
            return Err(not_signed_in());
        };
        let hash = token_hash(token);
        let db = state.db.clone();
        let lookup = hash.clone();
        let now = chrono::Utc::now().timestamp();
        match blocking(move || db.session(&lookup, now)).await {
            Ok(Some(session)) => Ok(SignedIn {
                session,
                token_hash: hash,
                source: source_of(parts),
            }),
            Ok(None) => Err(not_signed_in()),
            Err(e) => Err(crate::portal::routes::portal_error(e)),
        }
    }
}
