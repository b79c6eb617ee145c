//! Passive authentication (ICAO 9303 part 11 §5.1): every data group read must hash to the
//! value in EF.SOD, the SOD's signature must verify with the document signer's certificate,
//! and that certificate must be signed by a CSCA of the trust list. The verdict is one of
//! three, stated honestly: verified, hashes match but the signer is not trusted (or could not
//! be checked), or failed. Pure computation.

use crate::identity::cms_signer;
use crate::identity::sod;
use crate::identity::trust_list::TrustList;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// Hashes match, the SOD signature verifies and its signer chains to a trusted CSCA.
    Verified { signer: String },
    /// The data matches what the card's signer signed, but that signer is not vouched for by
    /// the trust list (or its signature could not be checked here).
    SignerNotTrusted { reason: String },
    /// The data was altered, or the SOD is broken or its signature is false.
    Failed { reason: String },
}

impl Verdict {
    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified { .. })
    }

    /// A short code for the dossier and the receipt.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Verified { .. } => "chip_verified",
            Verdict::SignerNotTrusted { .. } => "chip_signer_not_trusted",
            Verdict::Failed { .. } => "chip_failed",
        }
    }
}

fn failed(reason: impl Into<String>) -> Verdict {
    Verdict::Failed {
        reason: reason.into(),
    }
}

/// Result of passive authentication, with the per-file hash results.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PassiveAuthentication {
    pub verdict: Verdict,
    pub hash_algorithm: Option<&'static str>,
    /// Data-group number → whether its hash matched.
    pub data_groups: BTreeMap<u8, bool>,
}

/// Checks the data groups read (number → whole file bytes) against EF.SOD.
pub fn check(
    sod_bytes: &[u8],
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustList,
) -> PassiveAuthentication {
    let sod = match sod::parse(sod_bytes) {
        Ok(sod) => sod,
        Err(e) => {
            return PassiveAuthentication {
                verdict: failed(e.to_string()),
                hash_algorithm: None,
                data_groups: BTreeMap::new(),
            };
        }
    };
    let mut results = BTreeMap::new();
    let mut mismatch = Vec::new();
    for (number, bytes) in data_groups {
        let ok = sod.covers(*number, bytes);
        results.insert(*number, ok);
        if !ok {
            mismatch.push(format!("DG{number}"));
        }
    }
    let verdict = if !mismatch.is_empty() {
        failed(format!(
            "{} do not match the signed hashes",
            mismatch.join(", ")
        ))
    } else if data_groups.is_empty() {
        failed("no data group was read")
    } else {
        match cms_signer::signer_certificate(&sod.signer, &sod.certificates) {
            None => Verdict::SignerNotTrusted {
                reason: "EF.SOD carries no document signer certificate".into(),
            },
            Some(cert) => match cms_signer::check_signature(&sod.signer, &sod.econtent, cert) {
                Err(reason) if reason.contains("unsupported") => {
                    Verdict::SignerNotTrusted { reason }
                }
                Err(reason) => failed(format!("the SOD signature is false: {reason}")),
                Ok(()) => match cms_signer::signing_time(&sod.signer) {
                    // The document signer signs only while its certificate is valid.
                    Some(at) if !cms_signer::valid_at(cert, at) => Verdict::SignerNotTrusted {
                        reason: "the document signer's certificate was not valid when it \
                                 signed"
                            .into(),
                    },
                    _ => match cms_signer::issued_by(cert, &trust.cscas, "document signer") {
                        Ok(csca) => Verdict::Verified { signer: csca },
                        Err(reason) => Verdict::SignerNotTrusted { reason },
                    },
                },
            },
        }
    };
    PassiveAuthentication {
        verdict,
        hash_algorithm: Some(sod.hash.name()),
        data_groups: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::card_image::CardImage;
    use crate::identity::card_side::test_issuer::{self, IssuerKeys};
    use crate::identity::lds::EfId;
    use crate::identity::test_cards::{cards, cards_folder, test_csca};

    #[test]
    fn verified_untrusted_and_tampered() {
        let cards = cards();
        assert_eq!(cards.len(), 4);
        for card in &cards {
            let sod = &card.files[&EfId::Sod];
            let result = check(sod, &card.data_groups(), &test_csca());
            assert!(result.verdict.is_verified(), "{:?}", result.verdict);
            assert_eq!(result.hash_algorithm, Some("SHA-256"));
            assert_eq!(result.data_groups.len(), 5, "DG1, DG2, DG13, DG14, DG15");

            // No trust list: the data matches its signer, but nobody vouches for the signer.
            let untrusted = check(sod, &card.data_groups(), &TrustList::empty());
            assert!(matches!(
                untrusted.verdict,
                Verdict::SignerNotTrusted { .. }
            ));

            // One changed byte in DG13 (a different name): failed, and which group says so.
            let mut altered = card.data_groups();
            let dg13 = altered.get_mut(&13).unwrap();
            let last = dg13.len() - 3;
            dg13[last] ^= 0x01;
            let tampered = check(sod, &altered, &test_csca());
            assert_eq!(tampered.verdict.code(), "chip_failed");
            assert!(!tampered.data_groups[&13]);
            assert!(tampered.data_groups[&1]);
        }
    }

    #[test]
    fn a_forged_sod_or_an_impostor_csca_is_not_verified() {
        let card = &cards()[0];
        let mut altered = card.data_groups();
        altered.get_mut(&1).unwrap()[10] ^= 1;
        // A forger with their own keys re-signs the altered data under the same names.
        let forger = test_issuer::Issuer::new(&IssuerKeys::generate()).unwrap();
        let forged_sod = forger.sign_sod(&altered).unwrap();
        let result = check(&forged_sod, &altered, &test_csca());
        assert!(
            matches!(&result.verdict, Verdict::SignerNotTrusted { reason } if reason.contains("not signed by the CSCA")),
            "{:?}",
            result.verdict
        );
        // A broken signature byte inside the real SOD: failed.
        let mut sod = card.files[&EfId::Sod].clone();
        let at = sod.len() - 5;
        sod[at] ^= 0x40;
        assert_eq!(
            check(&sod, &card.data_groups(), &test_csca())
                .verdict
                .code(),
            "chip_failed"
        );
        // Garbage instead of a SOD.
        assert_eq!(
            check(&[0x77, 2, 1, 2], &card.data_groups(), &test_csca())
                .verdict
                .code(),
            "chip_failed"
        );
    }

    /// The committed card files are exactly what the issuer makes from holders.toml.
    #[test]
    fn committed_test_cards_match_the_issuer() {
        let folder = cards_folder();
        let issuer = test_issuer::load_issuer(&folder).unwrap();
        assert_eq!(
            std::fs::read_to_string(folder.join("csca.pem")).unwrap(),
            issuer.csca_pem()
        );
        for holder in test_issuer::holders(&folder).unwrap() {
            let fresh = issuer.issue(&holder).unwrap();
            let path = folder.join(format!("{}.card.json", holder.file));
            let committed = CardImage::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert_eq!(
                fresh, committed,
                "{} differs: run `xakiosk dev-issue-cards`",
                holder.file
            );
        }
    }
}
