//! The signed receipt a resident holds: the kiosk's ed25519 device key signs the dossier's id,
//! code, a hash of exactly what was sealed, the time and the kiosk id, so the portal (and
//! anyone with `xakiosk verify-receipt`) can tell a genuine receipt from a made-up one and
//! that the dossier it received is the one the resident was given a receipt for.
//! Text form (for the QR code, kept small enough to scan from a thermal print): `XKR1:`
//! followed by base64url of a fixed binary layout — version 1, dossier UUID (16 bytes), code
//! (9), content hash (32), issue time in microseconds since 1970 (8, big-endian), kiosk id
//! (1-byte length + bytes), public key (32), signature (64). No IO here.

use crate::protocol::signing::DeviceKey;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const PREFIX: &str = "XKR1:";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub dossier_id: String,
    pub code: String,
    /// SHA-256 over the sealed answers and the photos' hashes (see `content_hash`).
    pub content_hash: String,
    pub issued_at: String,
    pub kiosk_id: String,
    /// The signing device key (base64); the portal checks it is the kiosk's enrolled key.
    pub public_key: String,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("not a xakiosk receipt")]
    NotAReceipt,
    #[error("the receipt is damaged: {0}")]
    Malformed(String),
    #[error("the signature does not match: the receipt was altered or not made by this kiosk key")]
    BadSignature,
}

/// The hash a receipt binds: the sealed answers, then each photo's hash, in order.
pub fn content_hash(sealed_answers: &[u8], photo_hashes: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(sealed_answers);
    for p in photo_hashes {
        h.update(b"\n");
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The hash a receipt for `upload` must bind: its sealed answers and its photos' hashes in
/// hash order, each once (as the outbox sends them). None when the answers are not base64.
pub fn upload_content_hash(upload: &crate::protocol::contract::DossierUpload) -> Option<String> {
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&upload.sealed_answers)
        .ok()?;
    let mut photos: Vec<&str> = upload
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    photos.sort_unstable();
    photos.dedup();
    Some(content_hash(&sealed, &photos))
}

impl Receipt {
    fn message(&self) -> Vec<u8> {
        format!(
            "xakiosk receipt v1\n{}\n{}\n{}\n{}\n{}\n{}",
            self.dossier_id,
            self.code,
            self.content_hash,
            self.issued_at,
            self.kiosk_id,
            self.public_key
        )
        .into_bytes()
    }

    pub fn issue(
        key: &DeviceKey,
        dossier_id: &str,
        code: &str,
        content_hash: &str,
        issued_at: chrono::DateTime<chrono::Utc>,
        kiosk_id: &str,
    ) -> Receipt {
        let mut r = Receipt {
            dossier_id: dossier_id.into(),
            code: code.into(),
            content_hash: content_hash.into(),
            issued_at: issued_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            kiosk_id: kiosk_id.into(),
            public_key: key.public_base64(),
            signature: String::new(),
        };
        r.signature = key.sign(&r.message());
        r
    }

    /// The receipt `key` signs for `upload` under `dossier_id` (what a kiosk's store signs at
    /// submit; tests and tools use it to make a genuine upload). None when the upload's answers
    /// are not base64.
    pub fn for_upload(
        key: &DeviceKey,
        dossier_id: &str,
        upload: &crate::protocol::contract::DossierUpload,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> Option<Receipt> {
        Some(Receipt::issue(
            key,
            dossier_id,
            &upload.code,
            &upload_content_hash(upload)?,
            issued_at,
            &upload.kiosk_id,
        ))
    }

    /// The compact text for the QR code. A receipt whose fields do not fit the layout (one not
    /// made by `issue`) gives an empty payload, which `parse` refuses.
    pub fn to_text(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut out = vec![1u8];
        let packed = (|| -> Option<()> {
            out.extend_from_slice(uuid::Uuid::parse_str(&self.dossier_id).ok()?.as_bytes());
            (self.code.len() == 9 && self.code.is_ascii()).then_some(())?;
            out.extend_from_slice(self.code.as_bytes());
            out.extend_from_slice(
                &hex::decode(&self.content_hash)
                    .ok()
                    .filter(|h| h.len() == 32)?,
            );
            let at = chrono::DateTime::parse_from_rfc3339(&self.issued_at).ok()?;
            out.extend_from_slice(&at.timestamp_micros().to_be_bytes());
            let kiosk = self.kiosk_id.as_bytes();
            out.push(u8::try_from(kiosk.len()).ok()?);
            out.extend_from_slice(kiosk);
            out.extend_from_slice(
                &b64.decode(&self.public_key)
                    .ok()
                    .filter(|k| k.len() == 32)?,
            );
            out.extend_from_slice(&b64.decode(&self.signature).ok().filter(|s| s.len() == 64)?);
            Some(())
        })();
        if packed.is_none() {
            out.clear();
        }
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
        )
    }

    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(ReceiptError::NotAReceipt)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let mut rest: &[u8] = &bytes;
        let mut take = |n: usize| -> Result<&[u8], ReceiptError> {
            if rest.len() < n {
                return Err(ReceiptError::Malformed("too short".into()));
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        if take(1)? != [1] {
            return Err(ReceiptError::Malformed("unknown receipt version".into()));
        }
        let bad = |what: &str| ReceiptError::Malformed(format!("bad {what}"));
        let id = uuid::Uuid::from_slice(take(16)?).map_err(|_| bad("dossier id"))?;
        let code = std::str::from_utf8(take(9)?)
            .map_err(|_| bad("code"))?
            .to_string();
        let content_hash = hex::encode(take(32)?);
        let micros = i64::from_be_bytes(take(8)?.try_into().map_err(|_| bad("time"))?);
        let issued_at = chrono::DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| bad("time"))?
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let len = take(1)?[0] as usize;
        let kiosk_id = std::str::from_utf8(take(len)?)
            .map_err(|_| bad("kiosk id"))?
            .to_string();
        let b64 = base64::engine::general_purpose::STANDARD;
        let public_key = b64.encode(take(32)?);
        let signature = b64.encode(take(64)?);
        if !rest.is_empty() {
            return Err(ReceiptError::Malformed("trailing bytes".into()));
        }
        Ok(Receipt {
            dossier_id: id.to_string(),
            code,
            content_hash,
            issued_at,
            kiosk_id,
            public_key,
            signature,
        })
    }

    /// Checks the signature against the key the receipt names. Whether that key is the
    /// kiosk's is for the caller to check.
    pub fn verify(&self) -> Result<(), ReceiptError> {
        crate::protocol::signing::verify(&self.public_key, &self.message(), &self.signature)
            .map_err(|e| match e {
                crate::protocol::signing::SignatureError::Malformed(m) => {
                    ReceiptError::Malformed(m)
                }
                crate::protocol::signing::SignatureError::Mismatch => ReceiptError::BadSignature,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> (DeviceKey, Receipt) {
        let key = DeviceKey::from_seed([7; 32]);
        let hash = content_hash(b"sealed", &["ab"]);
        let at = "2026-11-24T02:00:00Z".parse().unwrap();
        let r = Receipt::issue(
            &key,
            "0190e5b2-7c1a-7000-8000-000000000001",
            "KCP36MK6N",
            &hash,
            at,
            "KIOSK-1",
        );
        (key, r)
    }

    #[test]
    fn a_receipt_round_trips_through_its_text_and_verifies() {
        let (_, r) = receipt();
        let text = r.to_text();
        assert!(text.starts_with("XKR1:"));
        assert!(
            text.len() < 250,
            "small enough for a thermal-printed QR: {} chars",
            text.len()
        );
        let parsed = Receipt::parse(&text).unwrap();
        assert_eq!(parsed, r);
        parsed.verify().unwrap();
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let (_, r) = receipt();
        for tamper in [
            |r: &mut Receipt| r.code = "KCP36MK6P".into(),
            |r: &mut Receipt| r.content_hash = content_hash(b"other", &[]),
            |r: &mut Receipt| r.issued_at = "2026-11-25T02:00:00.000000Z".into(),
            |r: &mut Receipt| r.kiosk_id = "KIOSK-2".into(),
        ] {
            let mut t = r.clone();
            tamper(&mut t);
            assert_eq!(t.verify(), Err(ReceiptError::BadSignature));
        }
        let mut other_key = r.clone();
        other_key.public_key = DeviceKey::from_seed([8; 32]).public_base64();
        assert_eq!(other_key.verify(), Err(ReceiptError::BadSignature));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(Receipt::parse("hello"), Err(ReceiptError::NotAReceipt));
        assert!(matches!(
            Receipt::parse("XKR1:!!!"),
            Err(ReceiptError::Malformed(_))
        ));
        assert!(matches!(
            Receipt::parse("XKR1:e30"),
            Err(ReceiptError::Malformed(_))
        ));
        // Every truncation of a genuine receipt is refused, never a panic.
        let text = receipt().1.to_text();
        for end in 5..text.len() {
            assert!(Receipt::parse(&text[..end]).is_err(), "{end}");
        }
        let (_, mut r) = receipt();
        r.signature = "AAAA".into();
        assert!(matches!(r.verify(), Err(ReceiptError::Malformed(_))));
    }
}
