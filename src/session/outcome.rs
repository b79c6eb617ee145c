//! What comes back to the session from the world: the result of each command the effects ran
//! (a stored dossier, a photo, a read card…) and the facts that arrive unasked (sync status, a
//! new catalogue, a cabinet event). `apply_to` hands each to the step it concerns.

use crate::core::stored_dossier::DossierSummary;
use crate::core::text::Text;
use crate::session::command::{Command, PinCheck};
use crate::session::controller::KioskController;
use crate::session::identity_step::CardOutcome;
use crate::session::lookup_step::LookupFound;
use crate::session::photos::Photo;
use std::sync::Arc;

/// A finished background job.
pub enum Outcome {
    Submitted(Result<DossierSummary, Text>),
    PhotoTaken(Result<Photo, Text>),
    LookedUp(Result<Option<LookupFound>, Text>),
    /// The receipt printed, or what to do about the printer.
    Printed(Result<(), Text>),
    ReceiptQrScanned(Result<crate::core::dossier_code::DossierCode, Text>),
    RatingSaved(Result<(), Text>),
    /// The sync engine's view: online, and how many dossiers still wait.
    Sync(crate::core::sync_status::SyncStatus),
    /// A newer procedure catalogue (and maybe units list) from the portal.
    CatalogueInstalled(
        Arc<crate::core::catalogue::Catalogue>,
        Option<Arc<crate::core::address::AdminUnits>>,
        Option<Arc<crate::core::office::Offices>>,
    ),
    QrScanned(Result<crate::identity::cccd_qr::CccdQr, Text>),
    CardProgress(crate::identity::chip_session::ReadStep),
    CardRead(CardOutcome),
    /// A test card is on the simulated reader (nothing to change on screen).
    TestCardPlaced,
    /// The assistance alert is stored (the screen already says help is coming).
    HelpCalled,
    Admin(crate::session::admin_panel::AdminResult),
    /// The presence sensor, help button or cabinet door changed.
    Cabinet(crate::devices::gpio::events::CabinetEvent),
    /// A PIN was checked against its hash.
    PinChecked {
        who: PinCheck,
        matched: bool,
    },
    /// Something was kept on disk; nothing changes on screen.
    Kept,
    /// Root installed an update (this version) into the other slot: restart into it once
    /// nobody is using the kiosk.
    UpdateInstalled(String),
}

impl Outcome {
    /// Applies a result; some results ask for the next piece of work (QR → chip).
    pub fn apply_to(self, c: &mut KioskController) -> Option<Command> {
        match self {
            Outcome::QrScanned(r) => return c.qr_scanned(r),
            Outcome::CardProgress(step) => c.card_progress(step),
            Outcome::CardRead(outcome) => c.card_read(outcome),
            Outcome::TestCardPlaced | Outcome::HelpCalled | Outcome::Kept => {}
            Outcome::PinChecked { who, matched } => return c.pin_checked(who, matched),
            Outcome::Cabinet(event) => c.cabinet_event(event),
            Outcome::Admin(crate::session::admin_panel::AdminResult::Refreshed(facts)) => {
                c.admin.refreshed(*facts)
            }
            Outcome::UpdateInstalled(version) => c.update_installed(version),
            Outcome::Admin(crate::session::admin_panel::AdminResult::Done(r)) => {
                c.admin.done(r);
                // Show what the action changed (queue after a sync, printer state…).
                return Some(Command::Admin(
                    crate::session::admin_panel::AdminAction::Refresh,
                ));
            }
            Outcome::Submitted(r) => return c.submitted(r),
            Outcome::Printed(r) => c.printed(r),
            Outcome::RatingSaved(r) => c.rating_saved(r),
            Outcome::ReceiptQrScanned(r) => return c.receipt_qr_scanned(r),
            Outcome::PhotoTaken(r) => c.photo_taken(r),
            Outcome::LookedUp(r) => c.looked_up(r),
            Outcome::Sync(s) => {
                c.online = s.online;
                c.queue_count = s.queued;
                c.sending = s.sending;
            }
            Outcome::CatalogueInstalled(catalogue, units, offices) => {
                c.replace_catalogue(catalogue, units, offices)
            }
        }
        None
    }
}
