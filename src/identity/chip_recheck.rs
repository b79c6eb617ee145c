//! The portal's re-check of a kiosk's "genuine chip" claim, where one is possible: when the
//! kiosk proved the chip by active authentication it sealed its challenge, the chip's signature
//! and DG14/DG15 (`ChipEvidence`), and the portal verifies the signature with the key DG15
//! names, DG15 and DG14 being the ones EF.SOD hashes (EF.SOD's own signature is
//! `evidence_recheck`'s). Chip authentication and PACE's chip authentication mapping are
//! exchanges with the chip the portal cannot replay: their verdict stays the kiosk's word, as
//! does the freshness of the challenge. Pure: no IO.

use crate::core::chip_evidence::ChipEvidence;
use crate::identity::evidence_recheck::{decode, decode_file};
use crate::identity::{active_authentication, dg14, dg15, sod};

/// What the portal found of the chip's own claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipRecheck {
    /// Nothing sealed to re-check it with: the kiosk's word only.
    KioskWord,
    /// The chip's signature over the kiosk's challenge verifies with DG15's key.
    Signed,
    /// It does not, or the evidence is damaged or inconsistent.
    NotSigned { reason: String },
}

/// Re-checks active authentication's sealed exchange, if any.
pub fn recheck_chip(evidence: &ChipEvidence) -> ChipRecheck {
    let Some(exchange) = evidence.active_authentication.as_ref() else {
        return ChipRecheck::KioskWord;
    };
    let not_signed = |reason: &str| ChipRecheck::NotSigned {
        reason: reason.to_string(),
    };
    let (Some((sod_bytes, groups)), Some(challenge), Some(signature)) = (
        decode(evidence),
        decode_file(&exchange.challenge),
        decode_file(&exchange.signature),
    ) else {
        return not_signed("the sealed exchange is damaged");
    };
    if challenge.len() != 8 {
        return not_signed("the challenge is not 8 bytes");
    }
    let Ok(sod) = sod::parse(&sod_bytes) else {
        return not_signed("EF.SOD cannot be read");
    };
    let signed = |n: u8| groups.get(&n).is_some_and(|bytes| sod.covers(n, bytes));
    let Some(dg15_bytes) = groups.get(&15).filter(|_| signed(15)) else {
        return not_signed("DG15 is missing or not the one EF.SOD hashes");
    };
    let algorithm = match groups.get(&14) {
        None => None,
        Some(_) if !signed(14) => return not_signed("DG14 is not the one EF.SOD hashes"),
        Some(bytes) => match dg14::parse(bytes) {
            Ok(dg14) => dg14.active_authentication,
            Err(e) => return not_signed(&format!("DG14: {e}")),
        },
    };
    let key = match dg15::parse(dg15_bytes) {
        Ok(Ok(key)) => key,
        Ok(Err(why)) => return not_signed(&why),
        Err(e) => return not_signed(&format!("DG15: {e}")),
    };
    match active_authentication::verify(&key, algorithm.as_ref(), &challenge, &signature) {
        Ok(()) => ChipRecheck::Signed,
        Err(e) => not_signed(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::card_access::DomainParameters;
    use crate::identity::lds::EfId;
    use crate::identity::test_cards::cards;

    /// What a kiosk seals after proving a test card by active authentication.
    fn sealed(challenge: [u8; 8], sign: &[u8]) -> ChipEvidence {
        let card = &cards()[0];
        let groups = card.data_groups();
        let mut evidence = ChipEvidence::from_files(&card.files[&EfId::Sod], &groups);
        evidence.seal_active_authentication(&challenge, sign, &groups);
        evidence
    }

    fn chip_signature(challenge: &[u8]) -> Vec<u8> {
        let key = cards()[0].aa_private_key.clone().unwrap();
        active_authentication::sign_ecdsa(DomainParameters::NistP256, &key, challenge).unwrap()
    }

    #[test]
    fn a_genuine_chips_signature_is_verified_and_anything_else_is_not() {
        let challenge = [3u8; 8];
        let evidence = sealed(challenge, &chip_signature(&challenge));
        assert_eq!(
            evidence.data_groups.keys().copied().collect::<Vec<_>>(),
            [1, 13, 14, 15]
        );
        assert_eq!(recheck_chip(&evidence), ChipRecheck::Signed);
        // It round-trips through the sealed JSON.
        let json = serde_json::to_string(&evidence).unwrap();
        let back: ChipEvidence = serde_json::from_str(&json).unwrap();
        assert_eq!(recheck_chip(&back), ChipRecheck::Signed);

        // A signature over another challenge, or by another key.
        let other = sealed(challenge, &chip_signature(&[4u8; 8]));
        assert!(matches!(
            recheck_chip(&other),
            ChipRecheck::NotSigned { .. }
        ));
        let forged =
            active_authentication::sign_ecdsa(DomainParameters::NistP256, &[0x33; 32], &challenge)
                .unwrap();
        assert!(matches!(
            recheck_chip(&sealed(challenge, &forged)),
            ChipRecheck::NotSigned { .. }
        ));
        // DG15 replaced by the forger's key: EF.SOD does not hash it.
        let mut swapped = sealed(challenge, &forged);
        let forger_key =
            crate::identity::pace_mapping::public_key(DomainParameters::NistP256, &[0x33; 32])
                .unwrap();
        use base64::Engine as _;
        swapped.data_groups.insert(
            15,
            base64::engine::general_purpose::STANDARD
                .encode(dg15::encode_ec(DomainParameters::NistP256, &forger_key)),
        );
        assert_eq!(
            recheck_chip(&swapped),
            ChipRecheck::NotSigned {
                reason: "DG15 is missing or not the one EF.SOD hashes".into()
            }
        );
        // Damaged base64.
        let mut damaged = evidence.clone();
        damaged.active_authentication.as_mut().unwrap().signature = "!!".into();
        assert!(matches!(
            recheck_chip(&damaged),
            ChipRecheck::NotSigned { .. }
        ));
    }

    #[test]
    fn without_a_sealed_exchange_it_is_the_kiosks_word_and_aa_groups_alone_are_refused() {
        let card = &cards()[0];
        let groups = card.data_groups();
        let evidence = ChipEvidence::from_files(&card.files[&EfId::Sod], &groups);
        assert_eq!(recheck_chip(&evidence), ChipRecheck::KioskWord);
        // DG15 sealed without an exchange is not evidence the portal accepts.
        let mut smuggled = evidence.clone();
        smuggled.data_groups.insert(15, "AAAA".into());
        assert!(decode(&smuggled).is_none());
    }
}
