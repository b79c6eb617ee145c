//! The portal's re-check of a dossier's "verified by chip" claim, so an officer need not take
//! a kiosk's word for it: passive authentication runs again on the EF.SOD and data groups the
//! kiosk sealed (`ChipEvidence`), against the portal's own CSCA list, and the applicant's ID
//! and every answer the kiosk says it took from the card must be on that chip. Pure: no IO.
//!
//! What it cannot tell: whether the chip was genuine rather than a copy of a genuine chip's
//! data — `chip_recheck` re-verifies active authentication's signature when the kiosk sealed
//! it; chip authentication is an exchange the portal cannot re-run — nor whether the resident
//! held the card.

use crate::core::answer::Answer;
use crate::core::chip_evidence::{ACTIVE_AUTHENTICATION_GROUPS, ChipEvidence, SEALED_GROUPS};
use crate::core::citizen::{IdentityEvidence, Verification};
use crate::identity::trust_list::TrustList;
use crate::identity::{citizen_from_card, dg1_mrz, dg13, passive_auth};
use base64::Engine as _;
use std::collections::BTreeMap;

/// The largest EF.SOD or data group taken as evidence (real ones are a few KiB).
const MAX_FILE_BYTES: usize = 64 * 1024;

/// What the portal found re-checking a dossier's identity evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// Not read from a chip (the printed QR, or no card): nothing to re-check.
    NotFromChip,
    /// The kiosk says the chip was read but sealed nothing to re-check it with (a kiosk older
    /// than evidence): the claim is the kiosk's word only.
    NoEvidence,
    /// The data is signed by a CSCA the portal trusts and carries the applicant's answers.
    Verified { signer: String },
    /// The data matches the chip's own signature and carries the answers, but its signer does
    /// not chain to a CSCA the portal holds.
    SignerNotTrusted { reason: String },
    /// The evidence does not hold: altered or damaged data, a false signature, or answers
    /// that are not on the chip.
    Failed { reason: String },
}

/// Re-checks `identity` (as sealed in a dossier) for the applicant `applicant_id` whose
/// answers are `answers` (by field id), against the portal's `trust` list.
pub fn recheck(
    identity: Option<&IdentityEvidence>,
    applicant_id: &str,
    answers: &BTreeMap<String, Answer>,
    trust: &TrustList,
) -> Recheck {
    let Some(identity) = identity else {
        return Recheck::NotFromChip;
    };
    if identity.verification == Verification::QrOnly {
        return Recheck::NotFromChip;
    }
    let Some(evidence) = identity.chip.as_ref() else {
        return Recheck::NoEvidence;
    };
    let failed = |reason: &str| Recheck::Failed {
        reason: reason.to_string(),
    };
    let Some((mut sod, mut groups)) = decode(evidence) else {
        return failed("the chip evidence is damaged");
    };
    let checked = passive_auth::check(&sod, &groups, trust);
    let chip_says = groups.get(&1).and_then(|dg1| {
        let mut dg1 = dg1_mrz::parse(dg1).ok()?;
        let mut dg13 = match groups.get(&13) {
            Some(bytes) => Some(dg13::parse(bytes).ok()?),
            None => None,
        };
        let identity = citizen_from_card::from_data_groups(&dg1, dg13.as_ref());
        zeroize::Zeroize::zeroize(&mut dg1.raw);
        if let Some(d) = dg13.as_mut() {
            d.wipe();
        }
        Some(identity)
    });
    zeroize::Zeroize::zeroize(&mut sod);
    for bytes in groups.values_mut() {
        zeroize::Zeroize::zeroize(bytes);
    }
    let signer = match checked.verdict {
        passive_auth::Verdict::Failed { reason } => return Recheck::Failed { reason },
        passive_auth::Verdict::Verified { signer } => Ok(signer),
        passive_auth::Verdict::SignerNotTrusted { reason } => Err(reason),
    };
    let Some(chip_says) = chip_says else {
        return failed("DG1 is missing or cannot be read");
    };
    if chip_says
        .personal_id
        .as_ref()
        .is_none_or(|id| id.as_str() != applicant_id)
    {
        return failed("the applicant's personal ID is not the chip's");
    }
    for field in &identity.from_card {
        match answers.get(field) {
            Some(answer) if chip_says.gives(answer) => {}
            Some(_) => return failed(&format!("the answer to '{field}' is not on the chip")),
            None => {
                return failed(&format!(
                    "'{field}' is said to come from the card but is not answered"
                ));
            }
        }
    }
    match signer {
        Ok(signer) => Recheck::Verified { signer },
        Err(reason) => Recheck::SignerNotTrusted { reason },
    }
}

/// EF.SOD's bytes and the data groups' (by number).
pub(crate) type Files = (Vec<u8>, BTreeMap<u8, Vec<u8>>);

/// Standard base64 of at most `MAX_FILE_BYTES`, decoded.
pub(crate) fn decode_file(text: &str) -> Option<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    (text.len() <= MAX_FILE_BYTES.div_ceil(3) * 4)
        .then(|| b64.decode(text).ok())
        .flatten()
}

/// EF.SOD and the data groups, decoded; None when any is not base64, too large, or a group
/// the kiosk does not seal (DG14 and DG15 only beside active authentication's exchange).
pub(crate) fn decode(evidence: &ChipEvidence) -> Option<Files> {
    let sod = decode_file(&evidence.sod)?;
    let mut groups = BTreeMap::new();
    for (number, text) in &evidence.data_groups {
        let sealed = SEALED_GROUPS.contains(number)
            || (evidence.active_authentication.is_some()
                && ACTIVE_AUTHENTICATION_GROUPS.contains(number));
        if !sealed {
            return None;
        }
        groups.insert(*number, decode_file(text)?);
    }
    Some((sod, groups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::card_side::test_issuer::{Issuer, IssuerKeys};
    use crate::identity::lds::EfId;
    use crate::identity::test_cards::{cards, test_csca};

    /// What a kiosk seals after reading `card`: the evidence, the applicant's ID and the
    /// answers it took from the card (ID, name, birth date, residence).
    fn dossier_of(
        sod: &[u8],
        groups: &BTreeMap<u8, Vec<u8>>,
    ) -> (IdentityEvidence, String, BTreeMap<String, Answer>) {
        let dg1 = dg1_mrz::parse(&groups[&1]).unwrap();
        let dg13 = dg13::parse(&groups[&13]).unwrap();
        let chip = citizen_from_card::from_data_groups(&dg1, Some(&dg13));
        let id = chip.personal_id.clone().unwrap();
        let answers: BTreeMap<String, Answer> = [
            ("id".to_string(), Answer::PersonalId(id.clone())),
            ("name".to_string(), Answer::Text(chip.full_name.clone())),
            ("born".to_string(), Answer::Date(chip.birth_date.unwrap())),
            (
                "home".to_string(),
                Answer::Address(crate::core::address::Address::Legacy {
                    text: chip.place_of_residence.clone(),
                }),
            ),
            ("phone".to_string(), Answer::Phone("0912345678".into())),
        ]
        .into_iter()
        .collect();
        let evidence = IdentityEvidence {
            verification: Verification::ChipVerified,
            from_card: ["id", "name", "born", "home"].map(String::from).to_vec(),
            chip: Some(ChipEvidence::from_files(sod, groups)),
        };
        (evidence, id.as_str().to_string(), answers)
    }

    #[test]
    fn genuine_evidence_is_verified_against_the_portals_own_list_only() {
        for card in cards() {
            let (evidence, id, answers) = dossier_of(&card.files[&EfId::Sod], &card.data_groups());
            assert!(
                matches!(
                    recheck(Some(&evidence), &id, &answers, &test_csca()),
                    Recheck::Verified { .. }
                ),
                "{}",
                card.label
            );
            assert!(matches!(
                recheck(Some(&evidence), &id, &answers, &TrustList::empty()),
                Recheck::SignerNotTrusted { .. }
            ));
        }
    }

    #[test]
    fn altered_data_other_answers_or_another_applicant_fail() {
        let card = &cards()[0];
        let sod = &card.files[&EfId::Sod];
        let (evidence, id, answers) = dossier_of(sod, &card.data_groups());
        let trust = test_csca();
        let fails = |e: &IdentityEvidence, id: &str, a: &BTreeMap<String, Answer>| {
            matches!(recheck(Some(e), id, a, &trust), Recheck::Failed { .. })
        };

        // One byte of DG13 changed after reading.
        let mut altered = card.data_groups();
        let dg13 = altered.get_mut(&13).unwrap();
        let at = dg13.len() - 3;
        dg13[at] ^= 1;
        let (tampered, _, _) = dossier_of(sod, &altered);
        assert!(fails(&tampered, &id, &answers));

        // A name the kiosk says came from the card, but not the chip's.
        let mut renamed = answers.clone();
        renamed.insert("name".into(), Answer::Text("Nguyễn Văn Giả".into()));
        assert!(fails(&evidence, &id, &renamed));

        // Genuine evidence of someone else's card under this applicant's ID.
        assert!(fails(&evidence, "001099012345", &answers));

        // A field said to be from the card that is not answered at all.
        let mut unanswered = answers.clone();
        unanswered.remove("home");
        assert!(fails(&evidence, &id, &unanswered));

        // Damaged base64, or a group the kiosk never seals.
        let mut damaged = evidence.clone();
        damaged.chip.as_mut().unwrap().sod = "not base64!".into();
        assert!(fails(&damaged, &id, &answers));
        let mut extra = evidence.clone();
        extra
            .chip
            .as_mut()
            .unwrap()
            .data_groups
            .insert(2, "AAAA".into());
        assert!(fails(&extra, &id, &answers));

        // Answers the kiosk did not take from the card are not the chip's business.
        let mut phone = answers.clone();
        phone.insert("phone".into(), Answer::Phone("0987654321".into()));
        assert!(matches!(
            recheck(Some(&evidence), &id, &phone, &trust),
            Recheck::Verified { .. }
        ));
    }

    #[test]
    fn evidence_a_forger_signed_is_never_verified() {
        let card = &cards()[0];
        let mut altered = card.data_groups();
        altered.get_mut(&1).unwrap()[10] ^= 1;
        let forger = Issuer::new(&IssuerKeys::generate()).unwrap();
        let forged_sod = forger.sign_sod(&altered).unwrap();
        let (evidence, id, answers) = dossier_of(&forged_sod, &altered);
        assert!(!matches!(
            recheck(Some(&evidence), &id, &answers, &test_csca()),
            Recheck::Verified { .. }
        ));
    }

    #[test]
    fn a_claim_without_evidence_is_only_the_kiosks_word() {
        let answers = BTreeMap::new();
        let trust = test_csca();
        let claim = |verification| IdentityEvidence {
            verification,
            from_card: vec!["id".into()],
            chip: None,
        };
        assert_eq!(
            recheck(
                Some(&claim(Verification::ChipVerified)),
                "001099012345",
                &answers,
                &trust
            ),
            Recheck::NoEvidence
        );
        assert_eq!(
            recheck(
                Some(&claim(Verification::QrOnly)),
                "001099012345",
                &answers,
                &trust
            ),
            Recheck::NotFromChip
        );
        assert_eq!(
            recheck(None, "001099012345", &answers, &trust),
            Recheck::NotFromChip
        );
    }
}
