//! The questions: the form being filled one question per screen (prefilled from the card),
//! moving forward, back and to a review row, and what the address picker shows above its
//! list. The rules of each answer live in `core::form`; this owns the session's form and which
//! screen it puts up.

use crate::core::address::AdminUnits;
use crate::core::answer::AttachmentRef;
use crate::core::citizen::CitizenIdentity;
use crate::core::field::FieldKind;
use crate::core::form::{AddressStage, Draft, FormSession, Key, Position};
use crate::core::procedure::Procedure;
use crate::session::screen::Screen;
use std::sync::Arc;

#[derive(Default)]
pub struct FormStep {
    form: Option<FormSession>,
}

fn screen_of(position: Position) -> Screen {
    match position {
        Position::Review => Screen::Review,
        // A stop is said on the question's page, in place of its answers.
        Position::Question(_) | Position::Stopped(_) => Screen::Question,
    }
}

impl FormStep {
    /// A new form for `procedure`, with what the card answers filled; the screen it opens on
    /// (the review when the card answered everything).
    pub fn start(
        &mut self,
        procedure: Arc<Procedure>,
        units: Arc<AdminUnits>,
        identity: Option<&CitizenIdentity>,
        home_commune: Option<&str>,
        supplements: Option<crate::core::supplement_form::Original>,
    ) -> Screen {
        let mut form = FormSession::new(procedure, units).with_home_commune(home_commune);
        if let Some(original) = supplements {
            form = form.supplementing(original);
        }
        if let Some(identity) = identity {
            form.prefill(identity);
        }
        let screen = screen_of(form.position());
        self.form = Some(form);
        screen
    }

    pub fn form(&self) -> Option<&FormSession> {
        self.form.as_ref()
    }
    pub fn is_open(&self) -> bool {
        self.form.is_some()
    }

    pub fn key(&mut self, key: Key) {
        if let Some(f) = self.form.as_mut() {
            f.key(key);
        }
    }

    /// A choice in a pick list: true when it answered the question (the caller goes on).
    pub fn pick(&mut self, id: &str, today: chrono::NaiveDate) -> bool {
        self.form.as_mut().is_some_and(|f| f.choose(id, today))
    }

    /// "Continue": the screen it leads to (the same question while its answer does not check).
    pub fn next(&mut self, today: chrono::NaiveDate) -> Option<Screen> {
        let f = self.form.as_mut()?;
        let _ = f.next(today);
        Some(screen_of(f.position()))
    }

    /// "Back": the screen it leads to, or `None` from the first question (the form is then
    /// dropped: the resident has typed at most one answer).
    pub fn back(&mut self) -> Option<Screen> {
        let f = self.form.as_mut()?;
        if f.back() {
            Some(screen_of(f.position()))
        } else {
            self.form = None;
            None
        }
    }

    /// "Change" on a review row: true when that question is up again.
    pub fn change(&mut self, field_id: &str) -> bool {
        let Some(f) = self.form.as_mut() else {
            return false;
        };
        f.edit(field_id);
        true
    }

    /// A photo answers the current question.
    pub fn attach(&mut self, reference: AttachmentRef) {
        if let Some(f) = self.form.as_mut() {
            f.attach(reference);
        }
    }

    /// The photo reference answering the current question, if one was taken.
    pub fn current_attachment(&self) -> Option<&AttachmentRef> {
        match self.form.as_ref()?.draft()? {
            Draft::Attachment(Some(r)) => Some(r),
            _ => None,
        }
    }

    /// Drops the form and every answer in it.
    pub fn wipe(&mut self) {
        self.form = None;
    }

    /// Text for the pick-list trail ("Thành phố Hà Nội › Phường Hoàn Kiếm").
    pub fn address_trail(&self, units: &AdminUnits) -> String {
        let Some(Draft::Address(a)) = self.form.as_ref().and_then(|f| f.draft()) else {
            return String::new();
        };
        let province = a.province_code.as_deref().and_then(|c| units.province(c));
        let commune = province.and_then(|p| a.commune_code.as_deref().and_then(|c| p.commune(c)));
        match (a.stage, province, commune) {
            (AddressStage::Commune, Some(p), _) => format!("{} ›", p.name),
            (AddressStage::Detail, Some(p), Some(c)) => format!("{} › {}", p.name, c.name),
            _ => String::new(),
        }
    }

    /// Whether the current pick list offers "my paper shows an old address".
    pub fn offers_legacy_address(&self) -> bool {
        self.form.as_ref().is_some_and(|f| {
            matches!(f.current_field().map(|x| &x.kind), Some(FieldKind::Address))
                && f.address_stage() == Some(AddressStage::Province)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = r#"
[[fields]]
id = "home"
label = { vi = "Nơi ở", en = "Home" }
kind = "address"
"#;

    fn units() -> Arc<AdminUnits> {
        Arc::new(AdminUnits::parse_tsv("01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap())
    }

    fn started() -> FormStep {
        let catalogue = crate::core::test_procedure::catalogue_with(HOME);
        let mut step = FormStep::default();
        let screen = step.start(
            catalogue.get("p").unwrap().clone(),
            units(),
            None,
            None,
            None,
        );
        assert_eq!(screen, Screen::Question);
        step
    }

    #[test]
    fn the_address_picker_shows_where_the_resident_is_in_the_list() {
        let mut step = started();
        let units = units();
        assert!(
            !step.offers_legacy_address(),
            "the first question is the personal ID"
        );
        for c in "001093047064".chars() {
            step.key(Key::Char(c));
        }
        assert_eq!(
            step.next(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            Some(Screen::Question)
        );
        assert!(
            step.offers_legacy_address(),
            "the province list offers the old address"
        );
        assert_eq!(step.address_trail(&units), "");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert!(!step.pick("01", today), "a province is not yet an answer");
        assert_eq!(step.address_trail(&units), "Thành phố Hà Nội ›");
        assert!(!step.offers_legacy_address());
        assert!(!step.pick("00070", today));
        assert_eq!(
            step.address_trail(&units),
            "Thành phố Hà Nội › Phường Hoàn Kiếm"
        );
    }

    #[test]
    fn back_from_the_first_question_drops_the_form() {
        let mut step = started();
        assert_eq!(step.back(), None);
        assert!(!step.is_open());
        assert_eq!(step.back(), None, "nothing to go back in");
        assert_eq!(step.next(chrono::NaiveDate::MIN), None);
    }
}
