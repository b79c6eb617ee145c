//! How a request proves it comes from an enrolled kiosk: the kiosk signs the method, path and
//! query, time, kiosk id, the SHA-256 of the body and every header that changes what the
//! request means (`SIGNED_HEADERS`: the body's type, an upload's offset, length and checksum,
//! the idempotency key) with its device key and sends three headers; the portal checks the
//! signature against the key it enrolled and refuses a time more than `MAX_SKEW_SECS` away
//! from its own. An on-path attacker can therefore neither move an upload's offset nor change
//! its checksum or length. Pure functions, used by both sides; no IO.
//!
//! Replaying a captured request within the window does no harm: every write is idempotent
//! (dossiers by id, photos by offset and hash) and reads return only this kiosk's statuses.

use crate::protocol::signing::{DeviceKey, SignatureError};
use sha2::{Digest, Sha256};

pub const KIOSK_HEADER: &str = "x-xakiosk-kiosk";
pub const TIME_HEADER: &str = "x-xakiosk-time";
pub const SIGNATURE_HEADER: &str = "x-xakiosk-signature";
/// How far a request's time may be from the portal's (kiosks without a real-time clock drift).
pub const MAX_SKEW_SECS: i64 = 600;

/// The headers whose values change what a request means, in the order they are signed (names
/// in lower case; an absent header is signed as empty, so adding one breaks the signature).
pub const SIGNED_HEADERS: [&str; 5] = [
    "content-type",
    "upload-offset",
    "upload-length",
    "upload-checksum",
    "idempotency-key",
];

/// One request as it is signed. `header` gives a header's value by its lower-case name.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub time: i64,
    pub kiosk_id: &'a str,
    pub body: &'a [u8],
    pub header: &'a dyn Fn(&str) -> Option<String>,
}

/// What is signed: `"xakiosk request v2\n{METHOD}\n{path?query}\n{time}\n{kiosk}\n{sha256
/// hex}"`, then one line `{name}:{value}` for each of `SIGNED_HEADERS` (value trimmed, empty
/// when absent).
pub fn message(r: &SignedRequest<'_>) -> Vec<u8> {
    message_with_body_hash(r, &hex::encode(Sha256::digest(r.body)))
}

/// The message for a body known only by its SHA-256 (hex): what the portal checks before it
/// reads a large body, from the hash the kiosk names in `Content-Digest` (`r.body` unused).
fn message_with_body_hash(r: &SignedRequest<'_>, body_sha256: &str) -> Vec<u8> {
    let mut text = format!(
        "xakiosk request v2\n{}\n{}\n{}\n{}\n{}",
        r.method.to_ascii_uppercase(),
        r.path_and_query,
        r.time,
        r.kiosk_id,
        body_sha256
    );
    for name in SIGNED_HEADERS {
        let value = (r.header)(name).unwrap_or_default();
        text.push('\n');
        text.push_str(name);
        text.push(':');
        text.push_str(value.trim());
    }
    text.into_bytes()
}

/// The signature header's value.
pub fn sign(key: &DeviceKey, request: &SignedRequest<'_>) -> String {
    key.sign(&message(request))
}

/// The standard header (RFC 9530) a kiosk names its body's SHA-256 in, so the portal checks
/// the signature before it reads the body.
pub const CONTENT_DIGEST_HEADER: &str = "content-digest";

/// `Content-Digest`'s value for `body`: `sha-256=:BASE64:`.
pub fn content_digest(body: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
    )
}

/// The SHA-256 (hex) a `Content-Digest` value names, if it names one well formed.
pub fn sha256_of_content_digest(value: &str) -> Option<String> {
    use base64::Engine as _;
    value.split(',').find_map(|member| {
        let encoded = member.trim().strip_prefix("sha-256=:")?.strip_suffix(':')?;
        let digest = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        (digest.len() == 32).then(|| hex::encode(digest))
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefused {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the request's time is too far from the portal's")]
    ClockSkew,
    #[error("the signature does not match the enrolled device key")]
    BadSignature,
}

/// Checks a request's signature and time against the enrolled `public_key` and `now`.
pub fn check(
    public_key: &str,
    signature: &str,
    request: &SignedRequest<'_>,
    now: i64,
) -> Result<(), RequestRefused> {
    let body_sha256 = hex::encode(Sha256::digest(request.body));
    check_with_body_hash(public_key, signature, request, &body_sha256, now)
}

/// As `check`, for a body not read yet: signed over `body_sha256` (hex), which the caller
/// must then find the body has.
pub fn check_with_body_hash(
    public_key: &str,
    signature: &str,
    request: &SignedRequest<'_>,
    body_sha256: &str,
    now: i64,
) -> Result<(), RequestRefused> {
    if (now - request.time).abs() > MAX_SKEW_SECS {
        return Err(RequestRefused::ClockSkew);
    }
    let message = message_with_body_hash(request, body_sha256);
    crate::protocol::signing::verify(public_key, &message, signature).map_err(|e| match e {
        SignatureError::Malformed(_) => RequestRefused::Unsigned,
        SignatureError::Mismatch => RequestRefused::BadSignature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_against_the_digest_the_body_will_have() {
        let key = DeviceKey::from_seed([6; 32]);
        let body = vec![7u8; 300_000];
        let none = |_: &str| None;
        let request = SignedRequest {
            method: "PATCH",
            path_and_query: "/v1/dossiers/x/attachments/ab",
            time: 50,
            kiosk_id: "K1",
            body: &body,
            header: &none,
        };
        let signature = sign(&key, &request);
        let named = sha256_of_content_digest(&content_digest(&body)).unwrap();
        let unread = SignedRequest {
            body: &[],
            ..request
        };
        let public = key.public_base64();
        assert_eq!(
            check_with_body_hash(&public, &signature, &unread, &named, 50),
            Ok(())
        );
        let other = sha256_of_content_digest(&content_digest(b"other")).unwrap();
        assert_eq!(
            check_with_body_hash(&public, &signature, &unread, &other, 50),
            Err(RequestRefused::BadSignature)
        );
        // Other algorithms beside it are skipped; a malformed value names nothing.
        let both = format!("sha-512=:AAAA:, {}", content_digest(&body));
        assert_eq!(sha256_of_content_digest(&both), Some(named));
        for bad in [
            "",
            "sha-256=AAAA",
            "sha-256=:AAAA:",
            "md5=:AAAA:",
            "sha-256=:!!:",
        ] {
            assert_eq!(sha256_of_content_digest(bad), None, "{bad}");
        }
    }

    fn headers(list: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let list: Vec<(String, String)> = list
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        move |name| list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_signed_request_checks_and_any_change_is_refused() {
        let key = DeviceKey::from_seed([5; 32]);
        let public = key.public_base64();
        let body = br#"{"code":"KCP36MK6N"}"#;
        let upload = headers(&[
            ("content-type", "application/offset+octet-stream"),
            ("upload-offset", "65536"),
            ("upload-length", "200000"),
            ("upload-checksum", "sha256 ab"),
        ]);
        let signed = SignedRequest {
            method: "patch",
            path_and_query: "/v1/dossiers/x/attachments/ab",
            time: 1_000,
            kiosk_id: "K1",
            body,
            header: &upload,
        };
        let sig = sign(&key, &signed);
        assert_eq!(check(&public, &sig, &signed, 1_100), Ok(()));
        let refused = |r: SignedRequest<'_>| check(&public, &sig, &r, 1_000);
        let as_signed = || SignedRequest {
            method: "PATCH",
            path_and_query: "/v1/dossiers/x/attachments/ab",
            time: 1_000,
            kiosk_id: "K1",
            body,
            header: &upload,
        };
        let bad = Err(RequestRefused::BadSignature);
        assert_eq!(
            refused(SignedRequest {
                method: "PUT",
                ..as_signed()
            }),
            bad
        );
        assert_eq!(
            refused(SignedRequest {
                path_and_query: "/v1/dossiers/y/attachments/ab",
                ..as_signed()
            }),
            bad
        );
        assert_eq!(
            refused(SignedRequest {
                time: 1_001,
                ..as_signed()
            }),
            bad
        );
        assert_eq!(
            refused(SignedRequest {
                kiosk_id: "K2",
                ..as_signed()
            }),
            bad
        );
        assert_eq!(
            refused(SignedRequest {
                body: b"{}",
                ..as_signed()
            }),
            bad
        );
        // Every meaningful header is signed: moved, dropped or added, the request is refused.
        for changed in [
            headers(&[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "0"),
                ("upload-length", "200000"),
                ("upload-checksum", "sha256 ab"),
            ]),
            headers(&[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "65536"),
                ("upload-length", "70000"),
                ("upload-checksum", "sha256 ab"),
            ]),
            headers(&[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "65536"),
                ("upload-length", "200000"),
                ("upload-checksum", "sha256 cd"),
            ]),
            headers(&[
                ("content-type", "application/json"),
                ("upload-offset", "65536"),
                ("upload-length", "200000"),
                ("upload-checksum", "sha256 ab"),
            ]),
            headers(&[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "65536"),
                ("upload-length", "200000"),
            ]),
            headers(&[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "65536"),
                ("upload-length", "200000"),
                ("upload-checksum", "sha256 ab"),
                ("idempotency-key", "x"),
            ]),
        ] {
            assert_eq!(
                refused(SignedRequest {
                    header: &changed,
                    ..as_signed()
                }),
                bad
            );
        }
        // Headers outside the list (a proxy's) do not matter; spacing around a value neither.
        let proxied = headers(&[
            ("content-type", " application/offset+octet-stream"),
            ("upload-offset", "65536 "),
            ("upload-length", "200000"),
            ("upload-checksum", "sha256 ab"),
            ("x-forwarded-for", "10.0.0.1"),
        ]);
        assert_eq!(
            refused(SignedRequest {
                header: &proxied,
                ..as_signed()
            }),
            Ok(())
        );
        let other = DeviceKey::from_seed([6; 32]).public_base64();
        assert_eq!(check(&other, &sig, &as_signed(), 1_000), bad);
        assert_eq!(
            check(&public, &sig, &as_signed(), 1_000 + MAX_SKEW_SECS + 1),
            Err(RequestRefused::ClockSkew)
        );
        assert_eq!(
            check(&public, "not base64!", &as_signed(), 1_000),
            Err(RequestRefused::Unsigned)
        );
    }
}
