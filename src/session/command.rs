//! The work a session asks for (store a dossier, take a photo, read a card, print, check a PIN…):
//! the app's effects run each off the UI thread and report back as an outcome.

use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::receipt_content::ReceiptContent;
use crate::core::stored_dossier::StoredAttachment;

/// Work the controller asks for; the adapter runs it off the UI thread and reports back.
#[derive(Debug)]
pub enum Command {
    Submit {
        draft: DossierDraft,
        attachments: Vec<StoredAttachment>,
    },
    CapturePhoto,
    Lookup(DossierCode),
    /// Read the ID card's QR code from the camera.
    ScanQr,
    /// Wait for the card on the reader, then read its chip with these keys.
    ReadCard(crate::identity::chip_keys::ChipKeys),
    /// Simulator only: put test card `n` on the reader and in front of the camera.
    PlaceTestCard(usize),
    /// Print the receipt, and the desk's queue ticket when given the dossier's storing time
    /// (its number is its place among that day's dossiers).
    PrintReceipt {
        content: ReceiptContent,
        queue_ticket: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Read a receipt's QR code from the camera, to look the dossier up.
    ScanReceiptQr,
    /// Store the resident's rating of the dossier's service.
    SaveRating {
        dossier: uuid::Uuid,
        rating: crate::core::rating::Rating,
    },
    /// Ask for a person: an assistance alert for the office (sent when online).
    CallHelp,
    /// Something the technician asked for on the admin screen.
    Admin(crate::session::admin_panel::AdminAction),
    /// Check a PIN against its (slow, salted) hash in the background.
    CheckPin {
        who: PinCheck,
        pin: String,
        hash: String,
    },
    /// Keep the PIN lockouts, so that a restart does not lift them.
    SavePinLockouts {
        admin: crate::core::assist::PinGuardState,
        helpers: crate::core::assist::PinGuardState,
    },
    /// Several pieces of work, each run on its own.
    Batch(Vec<Command>),
}

/// Whose PIN is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    Admin,
    /// The helper at this index of the roster.
    Helper(usize),
}
