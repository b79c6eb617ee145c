//! The rating step: after a dossier is submitted, the resident may say how satisfied they were
//! (one of five levels and any of the reasons) and send it with the dossier, or skip. Holds
//! what is chosen and whether it is being saved; the controller routes the events here and
//! turns `send` into the store command.

use crate::core::rating::Rating;
use crate::core::text::Text;

#[derive(Debug, Default)]
pub struct RatingStep {
    stars: u8,
    reasons: Vec<String>,
    saving: bool,
    error: Option<Text>,
}

impl RatingStep {
    /// Nothing chosen, nothing being saved (a new rating, or the session's end).
    pub fn clear(&mut self) {
        *self = RatingStep::default();
    }

    pub fn stars(&self) -> u8 {
        self.stars
    }
    pub fn reasons(&self) -> &[String] {
        &self.reasons
    }
    pub fn saving(&self) -> bool {
        self.saving
    }
    pub fn error(&self) -> Option<&Text> {
        self.error.as_ref()
    }

    /// Chooses a level (1 to 5; anything else is ignored).
    pub fn rate(&mut self, stars: u8) {
        if (1..=5).contains(&stars) {
            self.stars = stars;
            self.error = None;
        }
    }

    /// Adds or removes a reason the catalogue of reasons knows.
    pub fn toggle_reason(&mut self, id: &str) {
        if let Some(i) = self.reasons.iter().position(|r| r == id) {
            self.reasons.remove(i);
        } else if crate::core::rating::reason_label(id).is_some() {
            self.reasons.push(id.to_string());
        }
    }

    /// The rating to store, now being saved; `None` while one is saved, or when no level is
    /// chosen (then the step says so).
    pub fn send(&mut self) -> Option<Rating> {
        if self.saving {
            return None;
        }
        match Rating::new(self.stars, &self.reasons) {
            Ok(rating) => {
                self.saving = true;
                Some(rating)
            }
            Err(_) => {
                self.error = Some(Text::new(
                    "Vui lòng chọn một mức hài lòng, hoặc bấm Bỏ qua.",
                    "Please choose how satisfied you are, or press Skip.",
                ));
                None
            }
        }
    }

    /// The store's answer; `true` when the rating is kept (the session may end), otherwise
    /// the resident may try again or skip.
    pub fn saved(&mut self, result: Result<(), Text>) -> bool {
        self.saving = false;
        match result {
            Ok(()) => true,
            Err(message) => {
                self.error = Some(message);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_needed_before_sending_and_only_one_send_at_a_time() {
        let mut step = RatingStep::default();
        assert_eq!(step.send(), None);
        assert!(step.error().is_some(), "says a level is needed");
        step.rate(9);
        assert_eq!(step.stars(), 0, "out of range is ignored");
        step.rate(4);
        assert!(step.error().is_none());
        step.toggle_reason("easy");
        step.toggle_reason("no-such-reason");
        assert_eq!(step.reasons(), ["easy".to_string()]);
        let rating = step.send().expect("a level is chosen");
        assert_eq!(rating, Rating::new(4, &["easy".to_string()]).unwrap());
        assert!(step.saving());
        assert_eq!(step.send(), None, "not twice while saving");
    }

    #[test]
    fn a_failed_save_can_be_retried_and_clear_forgets_everything() {
        let mut step = RatingStep::default();
        step.rate(2);
        step.toggle_reason("easy");
        step.toggle_reason("easy");
        assert!(
            step.reasons().is_empty(),
            "a second touch removes the reason"
        );
        step.send().unwrap();
        assert!(!step.saved(Err(Text::new("đĩa đầy", "disk full"))));
        assert!(!step.saving());
        assert!(step.error().is_some());
        assert!(step.send().is_some(), "tried again");
        assert!(step.saved(Ok(())));
        step.clear();
        assert_eq!(
            (step.stars(), step.saving(), step.error()),
            (0, false, None)
        );
    }
}
