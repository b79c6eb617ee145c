//! How the controller routes the identity screen's events (QR code, chip card, typed ID, skip)
//! to the identity step, and a helper's card sign-in to the assist step.

use crate::core::text::Text;
use crate::session::command::Command;
use crate::session::controller::KioskController;
use crate::session::identity_step::CardOutcome;

impl KioskController {
    pub fn scan_qr(&mut self) -> Option<Command> {
        self.touch();
        self.identity.start_scan().then_some(Command::ScanQr)
    }

    pub fn qr_scanned(
        &mut self,
        result: Result<crate::identity::cccd_qr::CccdQr, Text>,
    ) -> Option<Command> {
        let today = self.clock.today();
        let next = self
            .identity
            .qr_scanned(result, today)
            .map(Command::ReadCard);
        self.assist_card_step();
        next
    }

    pub fn card_progress(&mut self, step: crate::identity::chip_session::ReadStep) {
        self.touch();
        self.identity.progress(step);
    }

    pub fn card_read(&mut self, outcome: CardOutcome) {
        self.touch();
        self.identity.card_read(outcome);
        self.assist_card_step();
    }

    /// "Try again": the chip again (the QR is known) or the QR again.
    pub fn retry_identity(&mut self) -> Option<Command> {
        self.touch();
        let today = self.clock.today();
        match self.identity.retry_keys(today) {
            Some(keys) => Some(Command::ReadCard(keys)),
            None => self.identity.start_scan().then_some(Command::ScanQr),
        }
    }

    /// "Type my ID and birth date" (no readable QR code).
    pub fn type_identity(&mut self) {
        self.touch();
        self.identity.start_typing();
    }

    /// "Continue" under the typed ID or birth date.
    pub fn identity_next(&mut self) -> Option<Command> {
        self.touch();
        let today = self.clock.today();
        self.identity.typed_next(today).map(Command::ReadCard)
    }

    /// "Use the QR code's details" when the chip cannot be read.
    pub fn use_qr_details(&mut self) {
        self.touch();
        self.identity.use_qr();
    }

    /// "Skip, I will type": the questions, nothing prefilled.
    pub fn skip_identity(&mut self) {
        self.touch();
        self.identity.wipe();
        self.start_form();
    }

    /// "Continue" under the identity shown: the questions, with what the card answers filled.
    pub fn continue_with_identity(&mut self) {
        self.touch();
        self.start_form();
    }

    pub fn place_test_card(&mut self, n: usize) -> Option<Command> {
        self.touch();
        (n < self.test_cards.len()).then_some(Command::PlaceTestCard(n))
    }
}
