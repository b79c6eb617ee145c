//! Printing's side of the effects: the printer with its profile and font (`PrintDevices`),
//! a receipt encoded and printed (then the desk's queue ticket, numbered from the store), and
//! the printer's state recorded for the health facts.

use crate::app::effects::Effects;
use crate::core::receipt_content::{self, ReceiptContent};
use crate::core::text::Text;
use crate::devices::printer::ReceiptPrinter;
use crate::printing::escpos_encoder::{self, PrinterProfile};
use crate::printing::raster_text::Fonts;
use std::sync::{Arc, Mutex};

/// Why receipts cannot be printed with this configuration.
#[derive(Debug, thiserror::Error)]
pub enum PrintSetupError {
    #[error("{0}")]
    Setting(#[from] crate::config::ConfigError),
    #[error("the receipt font is missing: {0}")]
    NoFont(std::io::Error),
}

/// What printing needs: the printer, its profile and the receipt font.
pub struct PrintDevices {
    pub printer: Arc<Mutex<dyn ReceiptPrinter>>,
    pub profile: PrinterProfile,
    pub fonts: Fonts,
    /// Where the printer's state after each job is recorded.
    pub health: crate::appliance::health::Health,
}

impl PrintDevices {
    /// The configured printer with its profile and the bundled font; a bad `[printer]`
    /// setting or a missing font is an error naming it.
    pub fn from_config(
        config: &crate::config::PrinterConfig,
        printer: Arc<Mutex<dyn ReceiptPrinter>>,
    ) -> Result<PrintDevices, PrintSetupError> {
        Ok(PrintDevices {
            printer,
            profile: config.profile()?,
            fonts: crate::app::assets::receipt_fonts().map_err(PrintSetupError::NoFont)?,
            health: crate::appliance::health::Health::new(),
        })
    }

    pub fn with_health(mut self, health: crate::appliance::health::Health) -> PrintDevices {
        self.health = health;
        self
    }

    /// Encodes and prints a receipt (then the queue ticket); the advice to show on failure.
    pub fn print(&self, content: &ReceiptContent, queue_ticket: bool) -> Result<(), Text> {
        let mut jobs = vec![receipt_content::receipt_blocks(content)];
        if queue_ticket {
            jobs.push(receipt_content::queue_ticket_blocks(content));
        }
        for blocks in jobs {
            let bytes =
                escpos_encoder::encode(&blocks, self.profile, &self.fonts).map_err(|e| {
                    tracing::error!(error = %e, "receipt not encoded");
                    crate::devices::printer::PrinterStatus::Offline.advice()
                })?;
            let mut printer = self
                .printer
                .lock()
                .map_err(|_| crate::devices::printer::PrinterStatus::Offline.advice())?;
            printer.print(&bytes).map_err(|e| {
                tracing::warn!(error = %e, "receipt not printed");
                self.health.record_printer(e.status());
                e.status().advice()
            })?;
        }
        self.health
            .record_printer(crate::devices::printer::PrinterStatus::Ready);
        Ok(())
    }
}

impl Effects {
    /// The queue ticket's number: the place of the dossier stored at `stored_at` among that day's (Việt Nam time).
    pub(super) async fn ticket_number(&self, stored_at: chrono::DateTime<chrono::Utc>) -> u32 {
        let vn = crate::core::time::vietnam_offset();
        let midnight = stored_at
            .with_timezone(&vn)
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(vn).single())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(stored_at);
        self.store
            .call(move |s| s.count_between(midnight, stored_at))
            .await
            .map(|n| n as u32)
            .unwrap_or(0)
    }
}
