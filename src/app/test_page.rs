//! The printer's test page: a sample receipt for a fictitious dossier, marked as a test print,
//! encoded for the configured printer profile (`selftest`, the admin screen's printer test,
//! `xakiosk receipt-sample`).

use crate::config::Config;
use crate::core::dossier_code::DossierCode;
use crate::core::receipt_content::{self, ReceiptContent, ReceiptContext};
use crate::printing::escpos_encoder;

/// The test page for the configured printer profile: a sample receipt marked as a test print.
/// Also what `selftest` and the admin screen's printer test print.
pub fn test_page(config: &Config) -> Result<(Vec<u8>, String), String> {
    let fonts = crate::app::assets::receipt_fonts()
        .map_err(|e| format!("the receipt font is missing: {e}"))?;
    test_page_with(config, &fonts)
}

/// The test page, with the receipt font already read (`receipt-sample` draws the page back
/// with the same font).
pub fn test_page_with(
    config: &Config,
    fonts: &crate::printing::raster_text::Fonts,
) -> Result<(Vec<u8>, String), String> {
    let profile = config.printer.profile().map_err(|e| e.to_string())?;
    let (catalogue, _) =
        crate::app::assets::load_catalogue(&crate::app::assets::assets_dir().join("procedures"));
    let procedure = catalogue
        .procedures()
        .iter()
        .max_by_key(|p| (p.fee.amount_vnd, p.papers.len()))
        .cloned()
        .ok_or("the procedure catalogue is empty")?;
    let context = ReceiptContext {
        place: config.kiosk.place.clone(),
        commune: String::new(),
        kiosk_id: config.kiosk.id.clone(),
        calendar: crate::app::assets::load_holidays(),
        beneficiary: config.payment.beneficiary(),
        help_phone: config.assist.phone.clone(),
    };
    let code = DossierCode::from_random(&[0x5a; 8]);
    let content = ReceiptContent::new(
        &context,
        &procedure,
        None,
        &procedure.papers,
        &code,
        chrono::Utc::now(),
        None,
        true,
        1,
    );
    // A test page must never pass for a real receipt.
    let mut blocks = vec![receipt_content::Block::Text {
        text: "IN THỬ — KHÔNG CÓ GIÁ TRỊ".into(),
        size: receipt_content::TextSize::Large,
        bold: true,
        align: crate::printing::raster_text::Align::Center,
    }];
    blocks.extend(receipt_content::receipt_blocks(&content));
    let bytes = escpos_encoder::encode(&blocks, profile, fonts).map_err(|e| e.to_string())?;
    Ok((bytes, procedure.name.vi.clone()))
}
