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

    pub fn generate() -> Result<DeviceKey, String> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| format!("no randomness for the device key: {e}"))?;
        Ok(DeviceKey::from_seed(seed))
    }

    pub fn from_base64(text: &str) -> Result<DeviceKey, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| e.to_string())?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a device key is 32 bytes".to_string())?;
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

    /// Reads the key at `path`: `None` only when there is no such file. Any other trouble
    /// (permissions, a damaged file, a disk error) is an error, never a reason for a new key:
    /// the portal knows this kiosk by its key.
    pub fn load(path: &std::path::Path) -> Result<Option<DeviceKey>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => DeviceKey::from_base64(&text)
                .map(Some)
                .map_err(|e| format!("the device key {} is damaged: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "cannot read the device key {}: {e}",
                path.display()
            )),
        }
    }

    /// Reads the key at `path`, or, only when there is no file at all, makes one and writes it
    /// (owner-only, atomically) before returning it.
    pub fn load_or_create(path: &std::path::Path) -> Result<DeviceKey, String> {
        if let Some(key) = DeviceKey::load(path)? {
            return Ok(key);
        }
        let key = DeviceKey::generate()?;
        key.save(path)?;
        Ok(key)
    }

    /// Writes the key to `path` (owner-only, atomically: a crash leaves the old file or the new).
    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        crate::store::atomic_file::write_private(path, self.to_base64().as_bytes())
            .map_err(|e| format!("cannot save the device key {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_key_file_makes_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let made = DeviceKey::load_or_create(&path).unwrap();
        assert_eq!(
            DeviceKey::load_or_create(&path).unwrap().public_base64(),
            made.public_base64()
        );
        // A damaged file is an error and stays as it is.
        std::fs::write(&path, "not a key").unwrap();
        assert!(
            DeviceKey::load_or_create(&path)
                .err()
                .unwrap()
                .contains("damaged")
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
        // So is a file that cannot be read (a folder in its place: unreadable even for root).
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(
            DeviceKey::load_or_create(&path)
                .err()
                .unwrap()
                .contains("cannot read")
        );
        assert!(path.is_dir());
    }
}
