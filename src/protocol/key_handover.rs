//! Device-key continuity: when a kiosk replaces its device key, the old key signs a handover
//! to the new one. The kiosk keeps every handover it made (`device-key-handovers.json` beside
//! the key, owner-only) and sends them with each enrollment; a portal that checks them knows
//! that receipts signed by the old key are this kiosk's, so dossiers queued before the
//! rotation still arrive with a verifiable receipt, and the kiosk id may keep its enrollment.
//! Signed text: `xakiosk device key handover v1\n{from}\n{to}` (base64 public keys).

use crate::protocol::signing::DeviceKey;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One handover: the key `from` vouches for the key `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHandover {
    pub from: String,
    pub to: String,
    /// By `from`, base64.
    pub signature: String,
}

fn message(from: &str, to: &str) -> Vec<u8> {
    format!("xakiosk device key handover v1\n{from}\n{to}").into_bytes()
}

impl KeyHandover {
    pub fn sign(old: &DeviceKey, new_public: &str) -> KeyHandover {
        let from = old.public_base64();
        KeyHandover {
            signature: old.sign(&message(&from, new_public)),
            from,
            to: new_public.to_string(),
        }
    }

    pub fn verifies(&self) -> bool {
        crate::protocol::signing::verify(&self.from, &message(&self.from, &self.to), &self.signature).is_ok()
    }
}

/// The keys that handed over, directly or through others, to `current` (each handover
/// checked; forged or unrelated ones are ignored). `current` itself is not in the list.
pub fn predecessors(current: &str, handovers: &[KeyHandover]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![current.to_string()];
    while let Some(key) = frontier.pop() {
        for h in handovers.iter().filter(|h| h.to == key && h.verifies()) {
            if h.from != current && !found.contains(&h.from) {
                found.push(h.from.clone());
                frontier.push(h.from.clone());
            }
        }
    }
    found
}

/// The handovers kept at `path` (none when there is no file).
pub fn load(path: &Path) -> Result<Vec<KeyHandover>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is damaged: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Replaces the device key at `key_path` by a new one, recording the handover first (so a
/// crash between the two steps leaves the old key in force and a harmless extra handover).
/// Returns the new key.
pub fn rotate(key_path: &Path) -> Result<DeviceKey, String> {
    let old = DeviceKey::load(key_path)?
        .ok_or_else(|| format!("there is no device key at {} to rotate", key_path.display()))?;
    let new = DeviceKey::generate()?;
    let path = handovers_path(key_path);
    let mut all = load(&path)?;
    all.push(KeyHandover::sign(&old, &new.public_base64()));
    let json = serde_json::to_vec_pretty(&all).map_err(|e| e.to_string())?;
    crate::store::atomic_file::write_private(&path, &json)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    new.save(key_path)?;
    Ok(new)
}

/// Where the handovers of the key at `key_path` are kept.
pub fn handovers_path(key_path: &Path) -> std::path::PathBuf {
    key_path.with_file_name("device-key-handovers.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_of_handovers_leads_back_to_every_earlier_key_and_forgeries_do_not() {
        let k0 = DeviceKey::from_seed([1; 32]);
        let k1 = DeviceKey::from_seed([2; 32]);
        let k2 = DeviceKey::from_seed([3; 32]);
        let stranger = DeviceKey::from_seed([4; 32]);
        let mut forged = KeyHandover::sign(&k0, &k2.public_base64());
        forged.from = stranger.public_base64();
        let chain = vec![
            KeyHandover::sign(&k0, &k1.public_base64()),
            KeyHandover::sign(&k1, &k2.public_base64()),
            forged,
        ];
        let mut found = predecessors(&k2.public_base64(), &chain);
        found.sort();
        let mut expected = vec![k0.public_base64(), k1.public_base64()];
        expected.sort();
        assert_eq!(found, expected);
        assert!(predecessors(&k0.public_base64(), &chain).is_empty());
    }

    #[test]
    fn rotating_keeps_the_handover_and_replaces_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("device.key");
        let old = DeviceKey::load_or_create(&key_path).unwrap();
        let new = rotate(&key_path).unwrap();
        assert_eq!(
            DeviceKey::load(&key_path).unwrap().unwrap().public_base64(),
            new.public_base64()
        );
        let kept = load(&handovers_path(&key_path)).unwrap();
        assert_eq!(
            predecessors(&new.public_base64(), &kept),
            vec![old.public_base64()]
        );
    }
}
