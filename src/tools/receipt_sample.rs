//! `xakiosk receipt-sample`: a sample receipt (fictitious dossier) encoded for the configured
//! printer profile, drawn back from its own bytes to a PNG, and with `--print` sent to the
//! configured printer as a test page — what a technician runs when installing a printer.

use crate::config::Config;
use crate::core::dossier_code::DossierCode;
use crate::printing::raster_text::Fonts;
use crate::printing::receipt_content::{self, ReceiptContent, ReceiptContext};
use crate::printing::{escpos_encoder, escpos_preview};
use std::path::Path;

/// The test page for the configured printer profile: a sample receipt marked as a test print.
/// Also what `selftest` and the admin screen's printer test print.
pub fn test_page(config: &Config) -> Result<(Vec<u8>, String), String> {
    let profile = config.printer.profile()?;
    let fonts = Fonts::bundled().map_err(|e| format!("the receipt font is missing: {e}"))?;
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
        kiosk_id: config.kiosk.id.clone(),
        calendar: crate::app::assets::load_holidays(),
        beneficiary: config.payment.beneficiary(),
    };
    let code = DossierCode::from_random(&[0x5a; 8]);
    let content = ReceiptContent::new(
        &context,
        &procedure,
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
    let bytes = escpos_encoder::encode(&blocks, profile, &fonts).map_err(|e| e.to_string())?;
    Ok((bytes, procedure.name.vi.clone()))
}

pub fn run(config: &Config, out: &Path, print: bool) -> Result<(), String> {
    let profile = config.printer.profile()?;
    let fonts = Fonts::bundled().map_err(|e| format!("the receipt font is missing: {e}"))?;
    let (bytes, procedure_name) = test_page(config)?;
    let preview =
        escpos_preview::render(&bytes, profile.dots, &fonts).map_err(|e| e.to_string())?;
    preview
        .image
        .save(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "{}: {} ESC/POS bytes for {} dots, picture in {}",
        procedure_name,
        bytes.len(),
        profile.dots,
        out.display()
    );
    if print {
        let devices = crate::app::device_set::DeviceSet::from_config(
            config,
            std::sync::Arc::new(crate::devices::clock::SystemClock::new()),
        )
        .map_err(|e| e.to_string())?;
        let mut printer = devices
            .printer
            .lock()
            .map_err(|_| "the printer is busy".to_string())?;
        printer
            .print(&bytes)
            .map_err(|e| format!("not printed: {e}"))?;
        println!("printed on the {} printer", config.devices.printer);
    }
    Ok(())
}
