//! What every adapter shares when it renders: the rows last handed to each list (a list is only
//! replaced when its rows change), and the screen's QR images.

use crate::core::form::AddressStage;
use crate::core::text::Lang;
use crate::slint_generated::{HistoryRow, PickRow, ProcedureRow, ReviewRow};
use slint::{ModelRc, SharedString, VecModel};

/// The rows last handed to each list, so a list is only replaced when its rows change (a
/// replaced model scrolls back to the top), and other render-to-render memory.
#[derive(Default)]
pub struct RenderCache {
    pub procedures: Option<Vec<ProcedureRow>>,
    pub papers: Option<Vec<SharedString>>,
    pub options: Option<Vec<PickRow>>,
    /// The days of the date question's calendar on screen.
    pub calendar: Option<Vec<crate::slint_generated::CalendarCell>>,
    /// Its weekday headings (they change only with the language).
    pub calendar_weekdays: Option<Vec<SharedString>>,
    pub review: Option<Vec<ReviewRow>>,
    pub done_papers: Option<Vec<SharedString>>,
    pub history: Option<Vec<HistoryRow>>,
    pub language: Option<Lang>,
    /// The question (and address step) last shown: a new one closes the list search.
    pub question: Option<(usize, Option<AddressStage>)>,
    pub photo: Option<String>,
    /// The dossier code whose receipt QR is on the done page.
    pub receipt_qr: Option<String>,
    /// The payment code on the done page.
    pub payment_qr: Option<String>,
    pub reasons: Option<Vec<crate::slint_generated::ReasonRow>>,
    pub rating_levels: Option<Vec<SharedString>>,
    pub helpers: Option<Vec<SharedString>>,
    /// The card's portrait is in the window.
    pub identity_photo: bool,
    pub test_cards: Option<Vec<String>>,
}

/// A QR code image (black on white, with its quiet zone) for the screen.
pub fn qr_image(text: &str) -> Option<slint::Image> {
    // Crisp at its natural size (~200 px).
    let img = crate::core::qr_picture::qr_picture_about(text, 200)?;
    let (w, h) = img.dimensions();
    let rgb: Vec<u8> = img.into_raw().into_iter().flat_map(|v| [v, v, v]).collect();
    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&rgb, w, h);
    Some(slint::Image::from_rgb8(buffer))
}

/// Replaces a list's model only when its rows changed. `None` means the list still shows the
/// .slint preview rows, so the first render always replaces them.
pub fn set_rows<T: Clone + PartialEq + 'static>(
    last: &mut Option<Vec<T>>,
    rows: Vec<T>,
    set: impl FnOnce(ModelRc<T>),
) {
    if last.as_ref() != Some(&rows) {
        *last = Some(rows.clone());
        set(ModelRc::new(VecModel::from(rows)));
    }
}
