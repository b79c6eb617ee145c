//! A checked answer to one question, as stored in the dossier, and how it reads on the
//! review page. Produced only by `validation`; plain serialisable data.

use crate::core::address::Address;
use crate::core::personal_id::PersonalId;
use crate::core::text::{Lang, Text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Number(u32),
    Date(NaiveDate),
    PersonalId(PersonalId),
    /// Normalised to the national form, 0 followed by 9 digits.
    Phone(String),
    Email(String),
    Choice {
        id: String,
        label: Text,
    },
    YesNo(bool),
    Address(Address),
    Attachment(AttachmentRef),
    /// An optional question the resident chose not to answer.
    Skipped,
}

/// A photographed paper kept with the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// SHA-256 of the image bytes, hex: how the store and the portal address it.
    pub sha256: String,
    pub mime: String,
    pub bytes: usize,
}

impl Answer {
    /// Overwrites the personal text this answer holds (see `FormSession`'s `Drop`).
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        match self {
            Answer::Text(s) | Answer::Phone(s) | Answer::Email(s) => s.zeroize(),
            Answer::PersonalId(id) => id.wipe(),
            Answer::Address(Address::Current { detail, .. }) => detail.zeroize(),
            Answer::Address(Address::Legacy { text }) => text.zeroize(),
            _ => {}
        }
    }

    /// The answer as the review page and receipt show it.
    pub fn display(&self, lang: Lang) -> String {
        match self {
            Answer::Text(s) | Answer::Phone(s) | Answer::Email(s) => s.clone(),
            Answer::Number(n) => n.to_string(),
            Answer::Date(d) => d.format("%d/%m/%Y").to_string(),
            Answer::PersonalId(id) => id.as_str().to_string(),
            Answer::Choice { label, .. } => label.get(lang).to_string(),
            Answer::YesNo(true) => Text::new("Có", "Yes").get(lang).to_string(),
            Answer::YesNo(false) => Text::new("Không", "No").get(lang).to_string(),
            Answer::Address(a) => a.display(),
            Answer::Attachment(a) => match lang {
                Lang::Vi => format!("Đã chụp ảnh ({} KB)", a.bytes.div_ceil(1024)),
                Lang::En => format!("Photo taken ({} KB)", a.bytes.div_ceil(1024)),
            },
            Answer::Skipped => "—".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiping_removes_the_personal_text() {
        let mut answers = vec![
            Answer::Text("Nguyễn Văn An".into()),
            Answer::Phone("0912345678".into()),
            Answer::PersonalId(PersonalId::parse("001093047064").unwrap()),
            Answer::Address(Address::Legacy {
                text: "Số 5, quận Hoàn Kiếm".into(),
            }),
        ];
        for a in &mut answers {
            a.wipe();
            let shown = a.display(Lang::Vi);
            assert!(
                !shown.chars().any(|c| c.is_alphanumeric()),
                "{a:?} still shows {shown:?}"
            );
        }
    }

    #[test]
    fn answers_read_naturally_on_the_review_page() {
        let d = Answer::Date(NaiveDate::from_ymd_opt(1993, 9, 5).unwrap());
        assert_eq!(d.display(Lang::Vi), "05/09/1993");
        assert_eq!(Answer::YesNo(true).display(Lang::Vi), "Có");
        assert_eq!(Answer::YesNo(false).display(Lang::En), "No");
        let photo = AttachmentRef {
            sha256: "ab".into(),
            mime: "image/jpeg".into(),
            bytes: 2048,
        };
        assert_eq!(
            Answer::Attachment(photo).display(Lang::Vi),
            "Đã chụp ảnh (2 KB)"
        );
    }
}
