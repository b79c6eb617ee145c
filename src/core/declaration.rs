//! The resident's declaration before submitting ("Tôi cam đoan…"): that the answers are true,
//! and their consent to the office using them — the card's details and the photos included —
//! to decide this procedure (Nghị định 13/2023/NĐ-CP on personal data). The exact words
//! agreed to and when are sealed into the dossier, so the officer can see the consent.

use crate::core::text::Text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the resident agreed to, as recorded in the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// The words on screen when they ticked, in Vietnamese (the legal language).
    pub words: String,
    pub at: DateTime<Utc>,
}

/// The words of the declaration for a procedure decided by `office`.
pub fn declaration_words(office: &Text) -> Text {
    Text::new(
        format!(
            "Tôi cam đoan những thông tin đã khai là đúng sự thật, và đồng ý để {} dùng các thông tin này, kể cả thông tin đọc từ thẻ căn cước và ảnh giấy tờ, để giải quyết thủ tục.",
            office.vi
        ),
        format!(
            "I declare that what I entered is true, and I agree that {} uses it, including the details read from my ID card and the photos of my papers, to decide this procedure.",
            office.en
        ),
    )
}

/// What happens to the personal data, said before the declaration: what is sent, to whom,
/// why, and what stays on the kiosk.
pub fn data_notice(office: &Text) -> Text {
    Text::new(
        format!(
            "Hồ sơ (câu trả lời, ảnh giấy tờ, thông tin thẻ căn cước) được mã hóa, chỉ gửi đến {} để giải quyết thủ tục (Nghị định 13/2023/NĐ-CP).",
            office.vi
        ),
        format!(
            "The dossier (answers, photos, ID card details) is encrypted and sent only to {}, to decide this procedure (Decree 13/2023).",
            office.en
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_name_the_office_and_what_is_used() {
        let office = Text::new("Công an cấp xã", "the commune police");
        let words = declaration_words(&office);
        assert!(words.vi.starts_with("Tôi cam đoan"));
        assert!(words.vi.contains("Công an cấp xã") && words.vi.contains("thẻ căn cước"));
        assert!(words.en.contains("the commune police"));
        assert!(data_notice(&office).vi.contains("mã hóa"));
    }
}
