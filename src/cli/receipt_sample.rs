//! `xakiosk receipt-sample`: a sample receipt (fictitious dossier) encoded for the configured
//! printer profile, drawn back from its own bytes to a PNG, and with `--print` sent to the
//! configured printer as a test page — what a technician runs when installing a printer.

use crate::config::Config;
use crate::printing::escpos_preview;
use std::path::Path;

pub fn run(config: &Config, out: &Path, print: bool) -> Result<(), String> {
    let profile = config.printer.profile().map_err(|e| e.to_string())?;
    let fonts = crate::app::assets::receipt_fonts()
        .map_err(|e| format!("the receipt font is missing: {e}"))?;
    let (bytes, procedure_name) = crate::app::test_page::test_page_with(config, &fonts)?;
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
