//! The QR code printed on the CCCD's front: `ID|old ID|name|DDMMYYYY birth|Nam/Nữ|address|
//! DDMMYYYY issue` (7 fields; a 6-field variant lacks the old ID; extra trailing fields are
//! ignored). Parsed and checked: the ID's structure, real dates, a birth date that agrees
//! with the ID's century and year, a sex that agrees with the ID. The QR gives data but does
//! not prove the resident holds the card. Pure parsing; personal data, never logged.

use crate::core::personal_id::{PersonalId, Sex};
use crate::core::text::Text;
use chrono::{Datelike, NaiveDate};
use thiserror::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct CccdQr {
    pub personal_id: PersonalId,
    /// The 9-digit ID card number it replaced, when printed.
    pub old_id: Option<String>,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub residence: String,
    pub issue_date: NaiveDate,
}

impl std::fmt::Debug for CccdQr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CccdQr({})", self.personal_id.masked())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QrError {
    #[error("not a citizen ID card QR code ({0} fields)")]
    NotCccd(usize),
    #[error("the ID number in the QR code is not valid: {0}")]
    BadId(String),
    #[error("the {0} in the QR code is not a real date")]
    BadDate(&'static str),
    #[error("the birth date in the QR code does not match the ID number")]
    BirthDisagrees,
    #[error("the sex in the QR code is neither Nam nor Nữ, or does not match the ID number")]
    BadSex,
    #[error("the QR code has no name")]
    NoName,
}

impl QrError {
    pub fn message(&self) -> Text {
        match self {
            QrError::NotCccd(_) => Text::new(
                "Đây không phải mã QR của thẻ căn cước. Vui lòng đưa mã QR ở mặt trước thẻ.",
                "This is not a citizen ID card QR code. Please show the QR code on the front of the card.",
            ),
            _ => Text::new(
                "Mã QR trên thẻ không đọc được đúng. Vui lòng thử lại hoặc chạm thẻ vào đầu đọc.",
                "The card's QR code did not read correctly. Please try again or tap the card on the reader.",
            ),
        }
    }
}

fn date(field: &str, what: &'static str) -> Result<NaiveDate, QrError> {
    let f = field.trim();
    if f.len() != 8 || !f.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrError::BadDate(what));
    }
    let n = |r: std::ops::Range<usize>| f[r].parse::<u32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(n(4..8) as i32, n(2..4), n(0..2)).ok_or(QrError::BadDate(what))
}

pub fn parse(text: &str) -> Result<CccdQr, QrError> {
    let fields: Vec<&str> = text.trim().split('|').collect();
    let old_id_at_1 = fields.len() >= 7
        && (fields[1].trim().is_empty()
            || (fields[1].trim().len() == 9
                && fields[1].trim().bytes().all(|b| b.is_ascii_digit())));
    let (id, old_id, rest) = if old_id_at_1 {
        (
            fields[0],
            Some(fields[1].trim()).filter(|s| !s.is_empty()),
            &fields[2..],
        )
    } else if fields.len() >= 6 {
        (fields[0], None, &fields[1..])
    } else {
        return Err(QrError::NotCccd(fields.len()));
    };
    let personal_id = PersonalId::parse(id).map_err(|e| QrError::BadId(e.to_string()))?;
    let full_name = rest[0].trim().to_string();
    if full_name.is_empty() {
        return Err(QrError::NoName);
    }
    let birth_date = date(rest[1], "birth date")?;
    if birth_date.year() != personal_id.birth_year() {
        return Err(QrError::BirthDisagrees);
    }
    let sex = match rest[2].trim() {
        "Nam" => Sex::Male,
        "Nữ" | "Nu\u{0303}" => Sex::Female,
        _ => return Err(QrError::BadSex),
    };
    if sex != personal_id.sex() {
        return Err(QrError::BadSex);
    }
    let issue_date = date(rest[4], "issue date")?;
    if issue_date < birth_date {
        return Err(QrError::BadDate("issue date"));
    }
    Ok(CccdQr {
        personal_id,
        old_id: old_id.map(str::to_string),
        full_name,
        birth_date,
        sex,
        residence: rest[3].trim().to_string(),
        issue_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEVEN: &str = "001093000123|013456789|Nguyễn Văn An|15011993|Nam|Số 12, ngõ 5 phố Hàng Bông, Hoàn Kiếm, Hà Nội|10042021";

    #[test]
    fn both_variants() {
        let qr = parse(SEVEN).unwrap();
        assert_eq!(qr.personal_id.as_str(), "001093000123");
        assert_eq!(qr.old_id.as_deref(), Some("013456789"));
        assert_eq!(qr.full_name, "Nguyễn Văn An");
        assert_eq!(qr.birth_date, NaiveDate::from_ymd_opt(1993, 1, 15).unwrap());
        assert_eq!(qr.issue_date, NaiveDate::from_ymd_opt(2021, 4, 10).unwrap());
        let empty_old =
            parse("079301000456||Trần Thị Bích Ngọc|02072001|Nữ|Quận 1, TP. Hồ Chí Minh|10092024")
                .unwrap();
        assert_eq!(empty_old.old_id, None);
        assert_eq!(empty_old.sex, Sex::Female);
        let six =
            parse("079301000456|Trần Thị Bích Ngọc|02072001|Nữ|Quận 1, TP. Hồ Chí Minh|10092024")
                .unwrap();
        assert_eq!(six.full_name, "Trần Thị Bích Ngọc");
        assert_eq!(six.residence, "Quận 1, TP. Hồ Chí Minh");
        // Extra trailing fields (newer cards) are ignored.
        assert!(parse(&format!("{SEVEN}|extra|more")).is_ok());
    }

    #[test]
    fn garbage_and_inconsistencies() {
        assert_eq!(parse("https://example.com"), Err(QrError::NotCccd(1)));
        assert_eq!(parse(""), Err(QrError::NotCccd(1)));
        assert!(matches!(
            parse(&SEVEN.replace("001093000123", "00109300012")),
            Err(QrError::BadId(_))
        ));
        assert_eq!(
            parse(&SEVEN.replace("15011993", "31021993")),
            Err(QrError::BadDate("birth date"))
        );
        assert_eq!(
            parse(&SEVEN.replace("15011993", "15011994")),
            Err(QrError::BirthDisagrees)
        );
        assert_eq!(parse(&SEVEN.replace("|Nam|", "|Nữ|")), Err(QrError::BadSex));
        assert_eq!(
            parse(&SEVEN.replace("Nguyễn Văn An", " ")),
            Err(QrError::NoName)
        );
        assert_eq!(
            parse(&SEVEN.replace("10042021", "10041990")),
            Err(QrError::BadDate("issue date"))
        );
    }
}
