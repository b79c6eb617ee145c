//! The resident's satisfaction rating of a service: five levels (1 very dissatisfied … 5 very
//! satisfied) and optional reasons from a fixed list, so ratings can be counted across kiosks.
//! Owns the levels, the reasons and their words; must not store or send anything.

use crate::core::text::Text;
use serde::{Deserialize, Serialize};

/// The reasons a resident may tick, by stable id (ids go to the portal; words are shown).
pub const REASONS: [(&str, &str, &str); 6] = [
    ("easy", "Dễ làm theo", "Easy to follow"),
    ("fast", "Nhanh", "Quick"),
    ("hard", "Khó hiểu", "Hard to understand"),
    ("small-text", "Chữ nhỏ, khó đọc", "Text too small"),
    ("card", "Khó đọc thẻ căn cước", "ID card hard to read"),
    ("printer", "Biên nhận in lỗi", "Receipt printing failed"),
];

pub fn level_label(stars: u8) -> Text {
    match stars {
        1 => Text::new("Rất không hài lòng", "Very dissatisfied"),
        2 => Text::new("Không hài lòng", "Dissatisfied"),
        3 => Text::new("Bình thường", "Neutral"),
        4 => Text::new("Hài lòng", "Satisfied"),
        _ => Text::new("Rất hài lòng", "Very satisfied"),
    }
}

pub fn reason_label(id: &str) -> Option<Text> {
    REASONS
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|(_, vi, en)| Text::new(*vi, *en))
}

/// Reason ids as stored and sent: comma-separated.
pub fn join_reasons(reasons: &[String]) -> String {
    reasons.join(",")
}

/// The reason ids of `join_reasons` text.
pub fn split_reasons(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub stars: u8,
    /// Reason ids from `REASONS`, in list order, no repeats.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("a rating is 1 to 5 stars, not {0}")]
    Stars(u8),
    #[error("unknown rating reason \"{0}\"")]
    Reason(String),
}

impl Rating {
    /// A checked rating; reasons are put in list order and deduplicated.
    pub fn new(stars: u8, reasons: &[String]) -> Result<Rating, RatingError> {
        if !(1..=5).contains(&stars) {
            return Err(RatingError::Stars(stars));
        }
        if let Some(bad) = reasons.iter().find(|r| reason_label(r).is_none()) {
            return Err(RatingError::Reason(bad.clone()));
        }
        let reasons = REASONS
            .iter()
            .map(|(id, _, _)| id.to_string())
            .filter(|id| reasons.contains(id))
            .collect();
        Ok(Rating { stars, reasons })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked_and_normalised() {
        let r = Rating::new(4, &["printer".into(), "easy".into(), "easy".into()]).unwrap();
        assert_eq!(r.reasons, vec!["easy", "printer"]);
        assert_eq!(Rating::new(0, &[]), Err(RatingError::Stars(0)));
        assert_eq!(Rating::new(6, &[]), Err(RatingError::Stars(6)));
        assert_eq!(
            Rating::new(3, &["rude".into()]),
            Err(RatingError::Reason("rude".into()))
        );
        assert_eq!(level_label(5).vi, "Rất hài lòng");
    }
}
