//! The kiosk's device key and its handovers on disk: `device.key` beside the database and
//! `device-key-handovers.json` beside it, both owner-only and replaced atomically. A key file
//! that exists but cannot be read is an error, never a reason for a new key: the portal knows
//! the kiosk by its key.

use crate::protocol::key_handover::KeyHandover;
use crate::protocol::signing::DeviceKey;
use crate::store::atomic_file;
use std::path::{Path, PathBuf};

const KEY: &str = "device key";
const HANDOVERS: &str = "device key handovers";

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("the {what} {path} is damaged: {reason}")]
    Damaged {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("cannot read the {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the {what} {path}: {source}")]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is no device key at {0} to rotate")]
    Missing(PathBuf),
    #[error("cannot make a new device key: {0}")]
    NoRandomness(crate::protocol::signing::KeyError),
}

/// Reads the key at `path`: `None` only when there is no such file.
pub fn load(path: &Path) -> Result<Option<DeviceKey>, KeyFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => DeviceKey::from_base64(&text)
            .map(Some)
            .map_err(|e| KeyFileError::Damaged {
                what: KEY,
                path: path.to_path_buf(),
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyFileError::Read {
            what: KEY,
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reads the key at `path`, or, only when there is no file at all, makes one and writes it
/// before returning it.
pub fn load_or_create(path: &Path) -> Result<DeviceKey, KeyFileError> {
    if let Some(key) = load(path)? {
        return Ok(key);
    }
    let key = DeviceKey::generate().map_err(KeyFileError::NoRandomness)?;
    save(&key, path)?;
    Ok(key)
}

/// Writes `key` to `path` (owner-only, atomically: a crash leaves the old file or the new).
pub fn save(key: &DeviceKey, path: &Path) -> Result<(), KeyFileError> {
    atomic_file::write_private(path, key.to_base64().as_bytes()).map_err(|source| {
        KeyFileError::Write {
            what: KEY,
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Where the handovers of the key at `key_path` are kept.
pub fn handovers_path(key_path: &Path) -> PathBuf {
    key_path.with_file_name("device-key-handovers.json")
}

/// The handovers kept at `path` (none when there is no file).
pub fn load_handovers(path: &Path) -> Result<Vec<KeyHandover>, KeyFileError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| KeyFileError::Damaged {
            what: HANDOVERS,
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(KeyFileError::Read {
            what: HANDOVERS,
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Replaces the device key at `key_path` by a new one, recording the handover first (so a
/// crash between the two steps leaves the old key in force and a harmless extra handover).
/// Returns the new key.
pub fn rotate(key_path: &Path) -> Result<DeviceKey, KeyFileError> {
    let old = load(key_path)?.ok_or_else(|| KeyFileError::Missing(key_path.to_path_buf()))?;
    let new = DeviceKey::generate().map_err(KeyFileError::NoRandomness)?;
    let path = handovers_path(key_path);
    let mut all = load_handovers(&path)?;
    all.push(KeyHandover::sign(&old, &new.public_base64()));
    let json = serde_json::to_vec_pretty(&all).expect("handovers serialize");
    atomic_file::write_private(&path, &json).map_err(|source| KeyFileError::Write {
        what: HANDOVERS,
        path: path.clone(),
        source,
    })?;
    save(&new, key_path)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::key_handover::predecessors;

    #[test]
    fn only_a_missing_key_file_makes_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let made = load_or_create(&path).unwrap();
        assert_eq!(
            load_or_create(&path).unwrap().public_base64(),
            made.public_base64()
        );
        // A damaged file is an error and stays as it is.
        std::fs::write(&path, "not a key").unwrap();
        let damaged = load_or_create(&path).err().unwrap();
        assert!(matches!(damaged, KeyFileError::Damaged { .. }), "{damaged}");
        assert!(damaged.to_string().contains("damaged"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
        // So is a file that cannot be read (a folder in its place: unreadable even for root).
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let unreadable = load_or_create(&path).err().unwrap();
        assert!(
            unreadable.to_string().contains("cannot read"),
            "{unreadable}"
        );
        assert!(path.is_dir());
    }

    #[test]
    fn rotating_keeps_the_handover_and_replaces_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("device.key");
        let old = load_or_create(&key_path).unwrap();
        let new = rotate(&key_path).unwrap();
        assert_eq!(
            load(&key_path).unwrap().unwrap().public_base64(),
            new.public_base64()
        );
        let kept = load_handovers(&handovers_path(&key_path)).unwrap();
        assert_eq!(
            predecessors(&new.public_base64(), &kept),
            vec![old.public_base64()]
        );
    }

    #[test]
    fn rotating_without_a_key_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let missing = rotate(&dir.path().join("device.key")).err().unwrap();
        assert!(matches!(missing, KeyFileError::Missing(_)), "{missing}");
    }

    #[test]
    fn the_device_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let a = load_or_create(&path).unwrap();
        let b = load_or_create(&path).unwrap();
        assert_eq!(a.public_base64(), b.public_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
