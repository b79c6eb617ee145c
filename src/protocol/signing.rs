//! Ed25519 signatures as the kiosk and the portal exchange them (base64 text): the kiosk's
//! device key, which signs receipts and requests, and the check of a signature against a
//! public key. The key file is read and written here; nothing else touches it.

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("the signature does not match")]
    Mismatch,
}

/// Whether `text` is the base64 of an ed25519 public key.
pub fn is_public_key(text: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .is_some_and(|k| VerifyingKey::from_bytes(&k).is_ok())
}

/// Checks `signature` (base64 of 64 bytes) over `message` against `public_key` (base64 of 32).
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> Result<(), SignatureError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key: [u8; 32] = b64
        .decode(public_key.trim())
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| SignatureError::Malformed("bad public key".into()))?;
    let key = VerifyingKey::from_bytes(&key)
        .map_err(|_| SignatureError::Malformed("bad public key".into()))?;
    let sig: [u8; 64] = b64
        .decode(signature.trim())
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| SignatureError::Malformed("bad signature".into()))?;
    key.verify(message, &Signature::from_bytes(&sig))
        .map_err(|_| SignatureError::Mismatch)
}

/// Why a signing key could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no randomness for a new key: {0}")]
    NoRandomness(String),
    #[error("not base64: {0}")]
    NotBase64(String),
    #[error("a signing key is 32 bytes, this is {0}")]
    WrongLength(usize),
}

/// An ed25519 signing key: the kiosk's device key, or the portal's catalogue key.
#[derive(Clone)]
pub struct DeviceKey {
    key: SigningKey,
}

impl DeviceKey {
    pub fn from_seed(seed: [u8; 32]) -> DeviceKey {
        DeviceKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    pub fn generate() -> Result<DeviceKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
        Ok(DeviceKey::from_seed(seed))
    }

    pub fn from_base64(text: &str) -> Result<DeviceKey, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| KeyError::NotBase64(e.to_string()))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| KeyError::WrongLength(b.len()))?;
        Ok(DeviceKey::from_seed(seed))
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.to_bytes())
    }

    /// Signs `message`; the signature in base64.
    pub fn sign(&self, message: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.sign(message).to_bytes())
    }

    pub fn public_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.verifying_key().to_bytes())
    }
}
