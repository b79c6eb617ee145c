//! How the controller routes the questions, the photos and "submit" to the form, photo and
//! submit steps, and which screen follows.

use crate::core::stored_dossier::DossierSummary;
use crate::core::text::Text;
use crate::session::command::Command;
use crate::session::controller::KioskController;
use crate::session::photos::Photo;
use crate::session::screen::Screen;

impl KioskController {
    pub(super) fn start_form(&mut self) {
        let Some(p) = self.chosen.clone() else { return };
        self.screen = self.form.start(
            p,
            self.units.clone(),
            self.identity.identity(),
            self.home_commune.as_deref(),
            self.supplementing.clone(),
        );
        self.submit.clear_error();
        self.submit.forget_declaration();
    }

    /// A row of a pick list; one that answers the question (an option, yes or no, a quick
    /// date or number) goes on by itself.
    pub fn pick(&mut self, id: &str) {
        self.touch();
        if self.form.pick(id, self.clock.today()) {
            self.next();
        }
    }

    /// "‹ / ›" on a date question's calendar: `months` back or forward (±12: a year).
    pub fn shift_calendar(&mut self, months: i32) {
        self.touch();
        if let Some(form) = self.form.form() {
            self.calendar.shift(form, months, self.clock.today());
        }
    }

    /// The current date question's calendar, to draw.
    pub fn calendar(&self) -> Option<crate::session::date_calendar::CalendarView> {
        self.calendar
            .view(self.form.form()?, self.clock.today(), self.lang)
    }

    pub fn next(&mut self) {
        self.touch();
        if let Some(screen) = self.form.next(self.clock.today()) {
            self.screen = screen;
        }
        self.photos.clear_error();
    }

    pub fn back(&mut self) {
        self.touch();
        if !self.form.is_open() {
            return;
        }
        match self.form.back() {
            Some(screen) => {
                self.screen = screen;
                self.submit.clear_error();
            }
            // Back from the first question: the procedure's information page.
            None => self.screen = Screen::ProcedureInfo,
        }
    }

    pub fn change(&mut self, field_id: &str) {
        self.touch();
        if self.form.change(field_id) {
            self.screen = Screen::Question;
        }
    }

    pub fn take_photo(&mut self) -> Option<Command> {
        self.touch();
        (self.form.is_open() && self.photos.take()).then_some(Command::CapturePhoto)
    }

    /// A photo arrived: it answers the question, which goes on by itself (the review page
    /// shows every photo as a thumbnail, with "Sửa" to take it again).
    pub fn photo_taken(&mut self, result: Result<Photo, Text>) {
        if let Some(reference) = self.photos.taken(result) {
            self.form.attach(reference);
            if self.screen == Screen::Question {
                self.next();
            }
        }
    }

    // ----- submit and the receipt -------------------------------------------------------

    /// "Submit": builds the dossier and asks for it to be stored. The screen changes only
    /// when the store confirms (`submitted`).
    pub fn submit(&mut self, id: uuid::Uuid, random: [u8; 8]) -> Option<Command> {
        self.touch();
        let form = self.form.form()?;
        self.submit.submit(
            form,
            &self.photos,
            self.assist.record(),
            id,
            random,
            self.clock.now(),
        )
    }

    /// The declaration's box on the review page ("Tôi cam đoan…").
    pub fn toggle_declaration(&mut self) {
        self.touch();
        self.submit.toggle_declaration();
    }

    /// The store's answer. On success the session's answers are wiped, the code shown and the
    /// receipt printed; on failure every answer stays and "submit" can be pressed again.
    pub fn submitted(&mut self, result: Result<DossierSummary, Text>) -> Option<Command> {
        match result {
            Ok(summary) => {
                let procedure = self.form.form().map(|f| f.procedure().clone());
                let papers = self
                    .form
                    .form()
                    .map(|f| f.papers_to_bring())
                    .unwrap_or_default();
                self.wipe_answers();
                self.queue_count += 1;
                self.screen = Screen::Done;
                let office = procedure
                    .as_ref()
                    .and_then(|p| self.offices.deciding(p, summary.office_commune.as_deref()))
                    .cloned();
                let at_hand =
                    summary.office_commune.is_some() && summary.office_commune == self.home_commune;
                self.submit.stored(
                    summary,
                    procedure,
                    papers,
                    office.as_ref(),
                    at_hand,
                    !self.online,
                )
            }
            Err(message) => {
                self.submit.failed(message);
                None
            }
        }
    }

    /// The printer's answer.
    pub fn printed(&mut self, result: Result<(), Text>) {
        self.submit.printed(result);
    }

    /// "Reprint" on the done screen or under a looked-up dossier.
    pub fn reprint(&mut self) -> Option<Command> {
        self.touch();
        let found = match self.screen {
            Screen::Lookup => Some(&self.lookup.result()?.summary),
            _ => None,
        };
        self.submit.reprint(found, &self.catalogue, &self.offices)
    }
}
