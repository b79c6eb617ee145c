//! How a request proves it comes from an enrolled kiosk: the kiosk signs the method, path and
//! query, time, kiosk id and the SHA-256 of the body with its device key and sends three
//! headers; the portal checks the signature against the key it enrolled and refuses a time
//! more than `MAX_SKEW_SECS` away from its own. Pure functions, used by both sides; no IO.
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

/// What is signed: `"xakiosk request v1\n{METHOD}\n{path?query}\n{time}\n{kiosk}\n{sha256 hex}"`.
pub fn message(
    method: &str,
    path_and_query: &str,
    time: i64,
    kiosk_id: &str,
    body: &[u8],
) -> Vec<u8> {
    format!(
        "xakiosk request v1\n{}\n{path_and_query}\n{time}\n{kiosk_id}\n{}",
        method.to_ascii_uppercase(),
        hex::encode(Sha256::digest(body))
    )
    .into_bytes()
}

/// The signature header's value.
pub fn sign(
    key: &DeviceKey,
    method: &str,
    path_and_query: &str,
    time: i64,
    kiosk_id: &str,
    body: &[u8],
) -> String {
    key.sign(&message(method, path_and_query, time, kiosk_id, body))
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
#[allow(clippy::too_many_arguments)]
pub fn check(
    public_key: &str,
    signature: &str,
    method: &str,
    path_and_query: &str,
    time: i64,
    kiosk_id: &str,
    body: &[u8],
    now: i64,
) -> Result<(), RequestRefused> {
    if (now - time).abs() > MAX_SKEW_SECS {
        return Err(RequestRefused::ClockSkew);
    }
    crate::protocol::signing::verify(
        public_key,
        &message(method, path_and_query, time, kiosk_id, body),
        signature,
    )
    .map_err(|e| match e {
        SignatureError::Malformed(_) => RequestRefused::Unsigned,
        SignatureError::Mismatch => RequestRefused::BadSignature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_checks_and_any_change_is_refused() {
        let key = DeviceKey::from_seed([5; 32]);
        let public = key.public_base64();
        let body = br#"{"code":"KCP36MK6N"}"#;
        let sig = sign(&key, "put", "/v1/dossiers/x", 1_000, "K1", body);
        assert_eq!(
            check(
                &public,
                &sig,
                "PUT",
                "/v1/dossiers/x",
                1_000,
                "K1",
                body,
                1_100
            ),
            Ok(())
        );
        let refused = |m: &str, p: &str, t: i64, k: &str, b: &[u8]| {
            check(&public, &sig, m, p, t, k, b, 1_000)
        };
        assert_eq!(
            refused("POST", "/v1/dossiers/x", 1_000, "K1", body),
            Err(RequestRefused::BadSignature)
        );
        assert_eq!(
            refused("PUT", "/v1/dossiers/y", 1_000, "K1", body),
            Err(RequestRefused::BadSignature)
        );
        assert_eq!(
            refused("PUT", "/v1/dossiers/x", 1_001, "K1", body),
            Err(RequestRefused::BadSignature)
        );
        assert_eq!(
            refused("PUT", "/v1/dossiers/x", 1_000, "K2", body),
            Err(RequestRefused::BadSignature)
        );
        assert_eq!(
            refused("PUT", "/v1/dossiers/x", 1_000, "K1", b"{}"),
            Err(RequestRefused::BadSignature)
        );
        let other = DeviceKey::from_seed([6; 32]).public_base64();
        assert_eq!(
            check(
                &other,
                &sig,
                "PUT",
                "/v1/dossiers/x",
                1_000,
                "K1",
                body,
                1_000
            ),
            Err(RequestRefused::BadSignature)
        );
        assert_eq!(
            check(
                &public,
                &sig,
                "PUT",
                "/v1/dossiers/x",
                1_000,
                "K1",
                body,
                1_000 + MAX_SKEW_SECS + 1
            ),
            Err(RequestRefused::ClockSkew)
        );
        assert_eq!(
            check(
                &public,
                "not base64!",
                "PUT",
                "/v1/dossiers/x",
                1_000,
                "K1",
                body,
                1_000
            ),
            Err(RequestRefused::Unsigned)
        );
    }
}
