//! What opens a resident's chip: the card access number for PACE (the last 6 digits of the
//! personal ID — the printed QR or the typed ID gives it) and the MRZ access keys for BAC or
//! PACE with the MRZ (the document number, birth date and each candidate expiry). Personal:
//! never logged, wiped on drop.

use crate::identity::access_key::{BacKeys, mrz_information};
use crate::identity::pace_keys::PacePassword;

/// The three MRZ fields that open the chip.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub document_number: String,
    /// YYMMDD.
    pub birth: String,
    /// YYMMDD or the no-expiry encoding.
    pub expiry: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(..)")
    }
}

impl AccessKey {
    /// The keys to try for a holder: the document number (last 9 digits of the ID) and birth
    /// date with each candidate expiry — the typed one alone when the resident gave it.
    pub fn candidates(
        id: &crate::core::personal_id::PersonalId,
        birth: chrono::NaiveDate,
        issue: Option<chrono::NaiveDate>,
        typed_expiry: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> Vec<AccessKey> {
        use crate::identity::expiry_candidates::{self, Expiry};
        let expiries = match typed_expiry {
            Some(date) => vec![Expiry::On(date)],
            None => expiry_candidates::candidates(birth, issue, today),
        };
        expiry_candidates::mrz_fields(&expiries)
            .into_iter()
            .map(|expiry| AccessKey {
                document_number: id.document_number().to_string(),
                birth: birth.format("%y%m%d").to_string(),
                expiry,
            })
            .collect()
    }

    pub fn bac_keys(&self) -> Option<BacKeys> {
        mrz_information(&self.document_number, &self.birth, &self.expiry)
            .map(|i| BacKeys::from_mrz_information(&i))
    }

    /// The same fields as PACE's MRZ password.
    pub fn pace_password(&self) -> Option<PacePassword> {
        mrz_information(&self.document_number, &self.birth, &self.expiry).map(PacePassword::Mrz)
    }
}

/// Every way the kiosk may open one resident's chip, in the order it tries them: the CAN
/// first (PACE), then the MRZ keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipKeys {
    pub can: Option<PacePassword>,
    pub mrz: Vec<AccessKey>,
}

impl ChipKeys {
    /// The keys for the holder of `id`: its CAN and the MRZ keys of `AccessKey::candidates`.
    pub fn for_holder(
        id: &crate::core::personal_id::PersonalId,
        birth: chrono::NaiveDate,
        issue: Option<chrono::NaiveDate>,
        typed_expiry: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> ChipKeys {
        ChipKeys {
            can: Some(PacePassword::can_of(id)),
            mrz: AccessKey::candidates(id, birth, issue, typed_expiry, today),
        }
    }

    /// MRZ keys only (a chip opened by BAC or PACE-MRZ).
    pub fn mrz_only(mrz: Vec<AccessKey>) -> ChipKeys {
        ChipKeys { can: None, mrz }
    }
}
