//! What the office asks a resident to add to a dossier it sent back ("Cần bổ sung"): in the
//! officer's words, which questions to answer again or papers to photograph (field ids of the
//! dossier's procedure), and by when. It travels from the officer page to the kiosk with the
//! status change, and the kiosk turns it into the short form of a supplement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The longest explanation an officer may write (characters).
pub const MAX_WHAT: usize = 1000;
/// The most questions one request may name.
pub const MAX_FIELDS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixRequest {
    /// What is missing or wrong, in the officer's words.
    pub what: String,
    /// The questions of the procedure to answer again (photos included), in the procedure's
    /// order; empty when the officer named none (the kiosk then asks for a photo and a note).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The last day to add it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// Why a request cannot be kept (the officer page and the kiosk both check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixRequestError {
    #[error("say what is missing (at most {MAX_WHAT} characters)")]
    What,
    #[error("at most {MAX_FIELDS} questions, each a field id of the procedure")]
    Fields,
}

impl FixRequest {
    /// A request within bounds: some words, not too many, field ids that look like ids.
    pub fn check(&self) -> Result<(), FixRequestError> {
        let what = self.what.trim();
        if what.is_empty() || what.chars().count() > MAX_WHAT {
            return Err(FixRequestError::What);
        }
        let id_like = |f: &String| {
            !f.is_empty()
                && f.len() <= 64
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if self.fields.len() > MAX_FIELDS || !self.fields.iter().all(id_like) {
            return Err(FixRequestError::Fields);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(what: &str, fields: &[&str]) -> FixRequest {
        FixRequest {
            what: what.into(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            due: None,
        }
    }

    #[test]
    fn a_request_needs_words_and_bounded_field_ids() {
        assert!(
            request("Thiếu hợp đồng thuê nhà", &["rent_paper"])
                .check()
                .is_ok()
        );
        assert_eq!(request("  ", &[]).check(), Err(FixRequestError::What));
        assert_eq!(
            request(&"x".repeat(MAX_WHAT + 1), &[]).check(),
            Err(FixRequestError::What)
        );
        assert_eq!(
            request("Thiếu", &["rent paper; drop"]).check(),
            Err(FixRequestError::Fields)
        );
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("f{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            request("Thiếu", &many).check(),
            Err(FixRequestError::Fields)
        );
    }

    #[test]
    fn it_travels_as_json_without_empty_parts() {
        let r = FixRequest {
            due: NaiveDate::from_ymd_opt(2026, 12, 20),
            ..request("Thiếu hợp đồng", &["rent_paper"])
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"what":"Thiếu hợp đồng","fields":["rent_paper"],"due":"2026-12-20"}"#
        );
        let bare: FixRequest = serde_json::from_str(r#"{"what":"Thiếu"}"#).unwrap();
        assert!(bare.fields.is_empty() && bare.due.is_none());
    }
}
