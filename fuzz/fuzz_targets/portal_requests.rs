//! The reference portal on arbitrary requests: the input picks a route and method, carries
//! header lines and a body, and is either sent as it is or signed with an enrolled kiosk's
//! key (so it gets past authentication into the handlers' parsing of bodies, headers and
//! paths), half of those naming the body's digest in `Content-Digest` as kiosks do. The whole router runs in-process over a real database. Must never panic, and
//! never answer 500.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;
use xakiosk::portal::{PortalDb, PortalState};
use xakiosk::protocol::request_signature::{
    KIOSK_HEADER, SIGNATURE_HEADER, SignedRequest, TIME_HEADER, sign,
};
use xakiosk::protocol::signing::DeviceKey;

const KIOSK: &str = "K-FUZZ";
const DOSSIER: &str = "0190a7a4-7a2b-7c3d-8e4f-a1b2c3d4e5f6";
const SHA: &str = "abababababababababababababababababababababababababababababababab";

const ROUTES: [(&str, &str); 16] = [
    ("POST", "/v1/enroll"),
    ("PUT", "/v1/dossiers/{dossier}"),
    ("GET", "/v1/dossiers/{dossier}/attachments/{sha}"),
    ("PATCH", "/v1/dossiers/{dossier}/attachments/{sha}"),
    ("GET", "/v1/status?since=0"),
    ("GET", "/v1/catalogue?since=0"),
    ("POST", "/v1/heartbeat"),
    ("PUT", "/v1/dossiers/{dossier}/rating"),
    ("PUT", "/v1/alerts/{dossier}"),
    ("GET", "/v1/health"),
    ("GET", "/officer"),
    ("GET", "/officer/sign-in"),
    ("POST", "/officer/sign-in"),
    ("POST", "/officer/sign-out"),
    ("POST", "/officer/dossiers/{dossier}/decision"),
    ("POST", "/officer/admin/enrollment-tokens"),
];

struct Harness {
    runtime: tokio::runtime::Runtime,
    state: PortalState,
    key: DeviceKey,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let db = std::sync::Arc::new(PortalDb::open_in_memory().unwrap());
        let key = DeviceKey::from_seed([9; 32]);
        db.enroll(
            &xakiosk::protocol::contract::Enrollment {
                kiosk_id: KIOSK.into(),
                public_key: key.public_base64(),
                place: String::new(),
                commune_code: "00070".into(),
                app_version: "fuzz".into(),
                handovers: Vec::new(),
            },
            "2026-12-07T00:00:00Z",
        )
        .unwrap();
        // No per-kiosk rate: the fuzzer's signed requests must reach the handlers' parsing.
        let state =
            PortalState::new(db, "a-long-shared-enrollment-token").with_kiosk_limits(None);
        Harness {
            runtime,
            state,
            key,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let h = harness();
    let (method, template) = ROUTES[selector as usize % ROUTES.len()];
    let path = template.replace("{dossier}", DOSSIER).replace("{sha}", SHA);
    // Header lines up to a blank line, then the body.
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, &[][..]),
    };
    let mut builder = axum::http::Request::builder()
        .method(method)
        .uri(&path)
        .header("host", "127.0.0.1:8787");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in String::from_utf8_lossy(head).lines().take(16) {
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
            if axum::http::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && axum::http::HeaderValue::from_str(&value).is_ok()
            {
                headers.push((name, value));
            }
        }
    }
    if selector & 0x80 != 0 {
        // Half the signed requests name their body's digest, as a kiosk does (the large-body
        // routes then check the signature before reading).
        if selector & 0x40 != 0 && !headers.iter().any(|(n, _)| n == "content-digest") {
            headers.push((
                xakiosk::protocol::request_signature::CONTENT_DIGEST_HEADER.into(),
                xakiosk::protocol::request_signature::content_digest(body),
            ));
        }
        let time = chrono::Utc::now().timestamp();
        let lookup = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let signature = sign(
            &h.key,
            &SignedRequest {
                method,
                path_and_query: &path,
                time,
                kiosk_id: KIOSK,
                body,
                header: &lookup,
            },
        );
        headers.push((KIOSK_HEADER.into(), KIOSK.into()));
        headers.push((TIME_HEADER.into(), time.to_string()));
        headers.push((SIGNATURE_HEADER.into(), signature));
    }
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let Ok(mut request) = builder.body(axum::body::Body::from(body.to_vec())) else {
        return;
    };
    // As `portal::serve` does: the peer's address, for the audit log and the rate limits.
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000 + u16::from(selector),
        ))));
    let router = xakiosk::portal::router(h.state.clone());
    let response = h.runtime.block_on(router.oneshot(request)).unwrap();
    assert_ne!(
        response.status(),
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "{method} {path}"
    );
});
