//! The resident's identity as the chip ID card or its QR code gave it, how it was verified,
//! and which form answers it provides (so those questions are not asked again). Pure data and
//! mapping; no IO. Holds personal data: wiped on drop, never logged (Debug shows no values).

use crate::core::address::Address;
use crate::core::answer::Answer;
use crate::core::field::{FieldKind, FieldRole};
use crate::core::personal_id::{PersonalId, Sex};
use crate::core::text::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where the identity came from and what checked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Chip read, passive authentication verified against the CSCA trust list.
    ChipVerified,
    /// Chip read, its data matches what its signer signed, but the signer is not trusted here.
    ChipSignerNotTrusted,
    /// Chip read, passive authentication failed: the data may have been altered.
    ChipFailed,
    /// Chip read, its data signed by the issuer, but the chip could not use the key the
    /// signed data names (chip authentication): the data copied onto another chip.
    ChipCloneSuspected,
    /// The printed QR only: data, not proof of holding the card.
    QrOnly,
}

impl Verification {
    pub fn describe(self) -> Text {
        match self {
            Verification::ChipVerified => Text::new(
                "Đã xác thực bằng chip trên thẻ căn cước: thông tin đúng do cơ quan cấp thẻ ghi.",
                "Verified with the ID card's chip (valid digital signature).",
            ),
            Verification::ChipSignerNotTrusted => Text::new(
                "Đã đọc chip trên thẻ; dữ liệu khớp chữ ký của thẻ nhưng máy chưa có chứng thư gốc để xác nhận nơi cấp.",
                "Chip read; the data matches the card's signature, but this kiosk has no root certificate to confirm the issuer.",
            ),
            Verification::ChipFailed => Text::new(
                "Chip trên thẻ KHÔNG qua được kiểm tra: thông tin có thể đã bị sửa. Vui lòng mang thẻ đến Bộ phận một cửa.",
                "The chip FAILED the signature check: the data may have been altered. Please see an officer.",
            ),
            Verification::ChipCloneSuspected => Text::new(
                "Chip trên thẻ KHÔNG chứng minh được là chip thật do cơ quan cấp (có thể là thẻ sao chép). Vui lòng mang thẻ đến Bộ phận một cửa.",
                "The chip could NOT prove it is the one the issuer made (the card may be a copy). Please see an officer.",
            ),
            Verification::QrOnly => Text::new(
                "Thông tin lấy từ mã QR trên thẻ (chưa xác thực bằng chip).",
                "Details from the card's QR code (not verified with the chip).",
            ),
        }
    }
}

/// What the dossier records about how the applicant was identified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityEvidence {
    pub verification: Verification,
    /// Ids of the fields answered from the card.
    pub from_card: Vec<String>,
    /// When the chip was read: what lets the portal re-check the claim (EF.SOD, DG1, DG13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<crate::core::chip_evidence::ChipEvidence>,
}

/// The identity read from the card. Optional parts are those a source may lack (the QR has
/// no ethnicity, parents…).
#[derive(Clone, Default)]
pub struct CitizenIdentity {
    pub personal_id: Option<PersonalId>,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub nationality: String,
    pub ethnicity: String,
    pub religion: String,
    pub place_of_origin: String,
    pub place_of_residence: String,
    pub father: String,
    pub mother: String,
    pub spouse: String,
    pub old_id: String,
    pub issue_date: Option<NaiveDate>,
    /// As printed ("dd/mm/yyyy" or "Không thời hạn").
    pub expiry: String,
    pub verification: Option<Verification>,
    /// What was read from the chip, for the portal to re-check (none from the QR).
    pub chip_evidence: Option<crate::core::chip_evidence::ChipEvidence>,
}

impl std::fmt::Debug for CitizenIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CitizenIdentity({:?})", self.verification)
    }
}

impl CitizenIdentity {
    /// Forgets everything: the old value is dropped, which overwrites it (see `Drop`).
    pub fn wipe(&mut self) {
        *self = CitizenIdentity::default();
    }

    fn text(value: &str) -> Option<Answer> {
        let v = value.trim();
        (!v.is_empty()).then(|| Answer::Text(v.to_string()))
    }

    /// The answer this identity gives to a field with `role` and `kind`, if any.
    pub fn answer_for(&self, role: FieldRole, kind: &FieldKind) -> Option<Answer> {
        match (role, kind) {
            (FieldRole::ApplicantId, FieldKind::PersonalId) => {
                self.personal_id.clone().map(Answer::PersonalId)
            }
            (FieldRole::ApplicantName, FieldKind::Text { max_len })
                if self.full_name.chars().count() <= *max_len =>
            {
                Self::text(&self.full_name)
            }
            (FieldRole::ApplicantBirthDate, FieldKind::Date { .. }) => {
                self.birth_date.map(Answer::Date)
            }
            (FieldRole::ApplicantSex, FieldKind::Choice { options }) => {
                let sex = self.sex?;
                let wanted: &[&str] = match sex {
                    Sex::Male => &["male", "nam"],
                    Sex::Female => &["female", "nu"],
                };
                let option = options.iter().find(|o| wanted.contains(&o.id.as_str()))?;
                Some(Answer::Choice {
                    id: option.id.clone(),
                    label: option.label.clone(),
                })
            }
            (FieldRole::ApplicantResidence, FieldKind::Address) => {
                let v = self.place_of_residence.trim();
                // Cards carry the address of their issue day, often in the old three-level
                // form: kept as given (the commune converts it), never guessed.
                (!v.is_empty()).then(|| {
                    Answer::Address(Address::Legacy {
                        text: v.to_string(),
                    })
                })
            }
            (role, FieldKind::Text { max_len }) => {
                let value = match role {
                    FieldRole::ApplicantNationality => &self.nationality,
                    FieldRole::ApplicantEthnicity => &self.ethnicity,
                    FieldRole::ApplicantReligion => &self.religion,
                    FieldRole::ApplicantOrigin => &self.place_of_origin,
                    FieldRole::ApplicantResidence => &self.place_of_residence,
                    FieldRole::ApplicantFather => &self.father,
                    FieldRole::ApplicantMother => &self.mother,
                    FieldRole::ApplicantSpouse => &self.spouse,
                    _ => return None,
                };
                if value.chars().count() > *max_len {
                    return None;
                }
                Self::text(value)
            }
            _ => None,
        }
    }
}

impl CitizenIdentity {
    /// Whether this identity gives `answer` to some question, by the same mapping as
    /// `answer_for`: how the portal checks that what a kiosk says it took from the card is on
    /// the chip.
    pub fn gives(&self, answer: &Answer) -> bool {
        let same = |mine: &str, theirs: &str| {
            let mine = mine.trim();
            !mine.is_empty() && mine == theirs.trim()
        };
        match answer {
            Answer::PersonalId(id) => self.personal_id.as_ref() == Some(id),
            Answer::Date(date) => self.birth_date == Some(*date),
            Answer::Choice { id, .. } => match self.sex {
                Some(Sex::Male) => ["male", "nam"].contains(&id.as_str()),
                Some(Sex::Female) => ["female", "nu"].contains(&id.as_str()),
                None => false,
            },
            Answer::Address(Address::Legacy { text }) => same(&self.place_of_residence, text),
            Answer::Text(text) => [
                &self.full_name,
                &self.nationality,
                &self.ethnicity,
                &self.religion,
                &self.place_of_origin,
                &self.place_of_residence,
                &self.father,
                &self.mother,
                &self.spouse,
            ]
            .iter()
            .any(|mine| same(mine, text)),
            _ => false,
        }
    }
}

/// The identity does not outlive its use: every personal string is overwritten in memory.
impl Drop for CitizenIdentity {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(id) = self.personal_id.as_mut() {
            id.wipe();
        }
        for s in [
            &mut self.full_name,
            &mut self.nationality,
            &mut self.ethnicity,
            &mut self.religion,
            &mut self.place_of_origin,
            &mut self.place_of_residence,
            &mut self.father,
            &mut self.mother,
            &mut self.spouse,
            &mut self.old_id,
            &mut self.expiry,
        ] {
            s.zeroize();
        }
    }
}
