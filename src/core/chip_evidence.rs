//! What a chip read leaves in the dossier so the portal can re-check a "verified by chip"
//! claim instead of trusting the kiosk's word: EF.SOD (the issuer's signature over the data
//! groups' hashes, with the document signer's certificate) and the data groups the answers
//! came from (DG1, DG13), each whole, as the chip gave them; and, when the chip was proven by
//! active authentication, the kiosk's challenge, the chip's signature over it and the files
//! that name its key (DG15) and algorithm (DG14), so the portal verifies the signature itself.
//! Sealed to the portal's key with the rest of the dossier; wiped on drop; Debug shows sizes
//! only.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The data groups sealed as evidence: the MRZ (DG1) and the Vietnamese citizen data (DG13).
/// The face (DG2) stays out: nothing in a dossier is answered from it.
pub const SEALED_GROUPS: [u8; 2] = [1, 13];
/// Sealed as well when active authentication ran: DG14 (the signature algorithm) and DG15 (the
/// chip's public key), both covered by EF.SOD.
pub const ACTIVE_AUTHENTICATION_GROUPS: [u8; 2] = [14, 15];

/// The chip's answer to active authentication: the challenge the kiosk drew and the chip's
/// signature over it (standard base64).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveAuthenticationEvidence {
    pub challenge: String,
    pub signature: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipEvidence {
    /// EF.SOD as read (standard base64).
    pub sod: String,
    /// Data group number → the file as read (standard base64).
    pub data_groups: BTreeMap<u8, String>,
    /// The kiosk's word on the chip itself (chip authentication is an exchange with the chip:
    /// the portal cannot re-run it): "chip_genuine", "chip_not_offered" (no DG14),
    /// "chip_not_proven" or "chip_clone_suspected"; empty from kiosks before it was read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub chip_authentication: String,
    /// Active authentication's exchange, when it ran (and DG14/DG15 are then in
    /// `data_groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_authentication: Option<ActiveAuthenticationEvidence>,
}

impl ChipEvidence {
    /// From the files as read: EF.SOD and the groups of `SEALED_GROUPS` among `groups`.
    pub fn from_files(sod: &[u8], groups: &BTreeMap<u8, Vec<u8>>) -> ChipEvidence {
        let b64 = base64::engine::general_purpose::STANDARD;
        ChipEvidence {
            sod: b64.encode(sod),
            data_groups: groups
                .iter()
                .filter(|(n, _)| SEALED_GROUPS.contains(n))
                .map(|(n, bytes)| (*n, b64.encode(bytes)))
                .collect(),
            chip_authentication: String::new(),
            active_authentication: None,
        }
    }

    /// Adds active authentication's exchange and the groups that name the key and algorithm.
    pub fn seal_active_authentication(
        &mut self,
        challenge: &[u8],
        signature: &[u8],
        groups: &BTreeMap<u8, Vec<u8>>,
    ) {
        let b64 = base64::engine::general_purpose::STANDARD;
        for n in ACTIVE_AUTHENTICATION_GROUPS {
            if let Some(bytes) = groups.get(&n) {
                self.data_groups.insert(n, b64.encode(bytes));
            }
        }
        self.active_authentication = Some(ActiveAuthenticationEvidence {
            challenge: b64.encode(challenge),
            signature: b64.encode(signature),
        });
    }
}

impl std::fmt::Debug for ChipEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ChipEvidence(SOD {} chars, DG {:?})",
            self.sod.len(),
            self.data_groups.keys().collect::<Vec<_>>()
        )
    }
}

impl Drop for ChipEvidence {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.sod.zeroize();
        self.chip_authentication.zeroize();
        if let Some(aa) = self.active_authentication.as_mut() {
            aa.challenge.zeroize();
            aa.signature.zeroize();
        }
        for value in self.data_groups.values_mut() {
            value.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_groups_answers_come_from_are_kept_and_nothing_shows_in_debug() {
        let groups: BTreeMap<u8, Vec<u8>> = [(1, vec![1, 2]), (2, vec![9; 50]), (13, vec![3])]
            .into_iter()
            .collect();
        let evidence = ChipEvidence::from_files(&[7, 7, 7], &groups);
        assert_eq!(
            evidence.data_groups.keys().copied().collect::<Vec<_>>(),
            [1, 13]
        );
        assert_eq!(evidence.sod, "BwcH");
        let shown = format!("{evidence:?}");
        assert!(
            !shown.contains("BwcH") && !shown.contains("AQI="),
            "{shown}"
        );
        let json = serde_json::to_string(&evidence).unwrap();
        let back: ChipEvidence = serde_json::from_str(&json).unwrap();
        assert_eq!(back, evidence);
    }
}
