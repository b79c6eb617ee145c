//! What a chip read leaves in the dossier so the portal can re-check a "verified by chip"
//! claim instead of trusting the kiosk's word: EF.SOD (the issuer's signature over the data
//! groups' hashes, with the document signer's certificate) and the data groups the answers
//! came from (DG1, DG13), each whole, as the chip gave them. Sealed to the portal's key with
//! the rest of the dossier; wiped on drop; Debug shows sizes only.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The data groups sealed as evidence: the MRZ (DG1) and the Vietnamese citizen data (DG13).
/// The face (DG2) stays out: nothing in a dossier is answered from it.
pub const SEALED_GROUPS: [u8; 2] = [1, 13];

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
        }
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
