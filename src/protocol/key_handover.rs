//! Device-key continuity: when a kiosk replaces its device key, the old key signs a handover
//! to the new one. The kiosk keeps every handover it made (`device-key-handovers.json` beside
//! the key, owner-only: `appliance::device_key_file`) and sends them with each enrollment; a portal that checks them knows
//! that receipts signed by the old key are this kiosk's, so dossiers queued before the
//! rotation still arrive with a verifiable receipt, and the kiosk id may keep its enrollment.
//! Signed text: `xakiosk device key handover v1\n{from}\n{to}` (base64 public keys).

use crate::protocol::signing::DeviceKey;
use serde::{Deserialize, Serialize};

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
        crate::protocol::signing::verify(
            &self.from,
            &message(&self.from, &self.to),
            &self.signature,
        )
        .is_ok()
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
}
