//! The 12-digit personal identification number (số định danh cá nhân / số CCCD):
//! 3 digits of the province where the birth was registered, 1 digit for century and sex,
//! 2 digits of the birth year, 6 random digits. Pure parsing and checks; no lookups.

use crate::core::text::Text;
use serde::{Deserialize, Serialize};

/// Province codes of birth registration (Thông tư 59/2021/TT-BCA, the 63 provinces before
/// the 2025 merger). Numbers issued since keep using them, so all 63 stay valid.
const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// A personal ID number that passed the structural checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonalId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    #[error("the personal ID must have exactly 12 digits (it has {0})")]
    WrongLength(usize),
    #[error("the personal ID may contain digits only")]
    NotDigits,
    #[error("the first three digits {0:03} are not a province code")]
    UnknownProvince(u16),
}

impl PersonalIdError {
    pub fn message(&self) -> Text {
        match self {
            PersonalIdError::WrongLength(n) => Text::new(
                format!("Số định danh cá nhân phải có đủ 12 chữ số (đang có {n})."),
                format!("The personal ID must have exactly 12 digits (it has {n})."),
            ),
            PersonalIdError::NotDigits => Text::new(
                "Số định danh cá nhân chỉ gồm chữ số.",
                "The personal ID may contain digits only.",
            ),
            PersonalIdError::UnknownProvince(p) => Text::new(
                format!("Ba số đầu {p:03} không phải mã tỉnh. Vui lòng kiểm tra lại trên thẻ."),
                format!(
                    "The first three digits {p:03} are not a province code. Please check the card."
                ),
            ),
        }
    }
}

impl PersonalId {
    /// Parses a typed number; spaces are ignored.
    pub fn parse(input: &str) -> Result<PersonalId, PersonalIdError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(PersonalIdError::NotDigits);
        }
        if digits.len() != 12 {
            return Err(PersonalIdError::WrongLength(digits.chars().count()));
        }
        let province: u16 = digits[0..3]
            .parse()
            .map_err(|_| PersonalIdError::NotDigits)?;
        if !PROVINCE_CODES.contains(&province) {
            return Err(PersonalIdError::UnknownProvince(province));
        }
        Ok(PersonalId(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province_code(&self) -> u16 {
        self.0[0..3].parse().unwrap_or_default()
    }

    fn century_sex_digit(&self) -> u32 {
        self.0.as_bytes()[3] as u32 - '0' as u32
    }

    /// 0/1: born 1900–1999, 2/3: 2000–2099, … even digits male, odd female.
    pub fn sex(&self) -> Sex {
        if self.century_sex_digit().is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn birth_year(&self) -> i32 {
        let century = 1900 + 100 * (self.century_sex_digit() / 2) as i32;
        century + self.0[4..6].parse::<i32>().unwrap_or_default()
    }

    /// The last 9 digits: the document number in the chip's MRZ.
    pub fn document_number(&self) -> &str {
        &self.0[3..]
    }

    /// Overwrites the number in memory (the value is unusable afterwards).
    pub fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }

    /// A masked form for screens and logs that must not show the whole number.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..3], &self.0[9..])
    }
}

impl TryFrom<String> for PersonalId {
    type Error = PersonalIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PersonalId::parse(&s)
    }
}

impl From<PersonalId> for String {
    fn from(id: PersonalId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_province_century_sex_and_year() {
        let id = PersonalId::parse("001093047064").unwrap();
        assert_eq!(id.province_code(), 1);
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.birth_year(), 1993);
        assert_eq!(id.document_number(), "093047064");
        let id = PersonalId::parse("079 305 123456").unwrap();
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.birth_year(), 2005);
    }

    #[test]
    fn rejects_wrong_length_letters_and_unknown_province() {
        assert_eq!(
            PersonalId::parse("00109304706"),
            Err(PersonalIdError::WrongLength(11))
        );
        assert_eq!(
            PersonalId::parse("00109304706a"),
            Err(PersonalIdError::NotDigits)
        );
        assert_eq!(
            PersonalId::parse("003093047064"),
            Err(PersonalIdError::UnknownProvince(3))
        );
        assert_eq!(
            PersonalId::parse("099093047064"),
            Err(PersonalIdError::UnknownProvince(99))
        );
    }

    #[test]
    fn masking_hides_the_middle_digits() {
        assert_eq!(
            PersonalId::parse("001093047064").unwrap().masked(),
            "001******064"
        );
    }

    #[test]
    fn every_message_is_bilingual() {
        for e in [
            PersonalIdError::WrongLength(3),
            PersonalIdError::NotDigits,
            PersonalIdError::UnknownProvince(3),
        ] {
            let m = e.message();
            assert!(!m.vi.is_empty() && !m.en.is_empty() && m.vi != m.en);
        }
    }
}
