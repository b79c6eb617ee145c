//! How the controller routes the lookup screen (a typed or scanned code) and the rating after
//! a dossier to their steps.

use crate::core::text::Text;
use crate::session::command::Command;
use crate::session::controller::KioskController;
use crate::session::lookup_step::LookupFound;
use crate::session::screen::Screen;

impl KioskController {
    pub fn lookup(&mut self) -> Option<Command> {
        self.touch();
        self.submit.clear_receipt();
        self.lookup.start().map(Command::Lookup)
    }

    /// "Scan the receipt's QR code" on the lookup screen.
    pub fn scan_receipt_qr(&mut self) -> Option<Command> {
        self.touch();
        if !self.lookup.scan() {
            return None;
        }
        self.submit.clear_receipt();
        Some(Command::ScanReceiptQr)
    }

    /// The code read off a receipt: looked up at once.
    pub fn receipt_qr_scanned(
        &mut self,
        result: Result<crate::core::dossier_code::DossierCode, Text>,
    ) -> Option<Command> {
        if self.lookup.scanned(result) {
            self.lookup()
        } else {
            None
        }
    }

    pub fn looked_up(&mut self, result: Result<Option<LookupFound>, Text>) {
        self.lookup.found(result, &self.catalogue, &self.offices);
    }

    /// "Bổ sung tại máy" on a dossier the office sent back: the short form of what it asks
    /// (`core::supplement_form`), after the identity step like any procedure; submitted, it
    /// is a dossier naming the original, sent once like any other.
    pub fn supplement(&mut self) {
        self.touch();
        let Some(result) = self.lookup.result() else {
            return;
        };
        let Some(action) = &result.action else { return };
        let Some(procedure) = &action.procedure else {
            return;
        };
        let form = crate::core::supplement_form::supplement_form(procedure, &action.request);
        self.supplementing = Some(crate::core::supplement_form::Original {
            id: result.summary.id,
            office_commune: result.summary.office_commune.clone(),
        });
        self.chosen = Some(std::sync::Arc::new(form));
        self.submit.clear_receipt();
        self.identity.wipe();
        self.screen = Screen::Identity;
    }

    // ----- the rating -------------------------------------------------------------------

    /// "Finish" on the done page: the rating, when there is a dossier to rate.
    pub fn finish(&mut self) {
        self.touch();
        if self.screen == Screen::Done && self.submit.submitted_id().is_some() {
            self.rating.clear();
            self.screen = Screen::Rating;
        } else {
            self.go_home();
        }
    }

    pub fn rate(&mut self, stars: u8) {
        self.touch();
        self.rating.rate(stars);
    }

    pub fn toggle_reason(&mut self, id: &str) {
        self.touch();
        self.rating.toggle_reason(id);
    }

    /// "Send rating": stored with the dossier (and sent to the portal by the sync engine).
    pub fn send_rating(&mut self) -> Option<Command> {
        self.touch();
        let dossier = self.submit.submitted_id()?;
        let rating = self.rating.send()?;
        Some(Command::SaveRating { dossier, rating })
    }

    /// The store's answer: thanks and home; on failure the resident may try again or skip.
    pub fn rating_saved(&mut self, result: Result<(), Text>) {
        if self.rating.saved(result) {
            self.go_home();
        }
    }
}
