//! The ID card's side of the effects: the reader, the CSCA trust list and the simulator's
//! test cards (`IdentityDevices`), reading the card's QR code from the camera, and waiting for
//! the card and reading its chip, off the UI thread.

use crate::app::effects::camera::capture_frame;
use crate::core::text::Text;
use crate::devices::camera::Camera;
use crate::devices::card_reader::{CardReader, ReaderStatus};
use crate::identity::card_image::CardImage;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_session::{ChipError, ReadOptions, ReadStep, read_chip};
use crate::identity::qr_camera::{self, ScanError};
use crate::identity::trust_list::TrustList;
use crate::identity::{citizen_from_card, dg2_face};
use crate::session::identity_step::CardOutcome;
use std::sync::{Arc, Mutex};

/// How the simulator's copied test card is labelled (after its holder's name).
pub const COPIED_CARD: &str = "thẻ sao chép";

/// What reading the ID card needs: the reader, the CSCA trust list, the read size and, with
/// the simulated reader, the test cards.
pub struct IdentityDevices {
    pub reader: Arc<Mutex<dyn CardReader>>,
    pub trust: TrustList,
    pub options: ReadOptions,
    pub test_cards: Vec<CardImage>,
}

impl IdentityDevices {
    /// From the configuration: the CSCA folder, the read size; with a simulated reader, also
    /// the test cards and the test CSCA that signed them (trusted for simulated cards only).
    pub fn from_config(
        config: &crate::config::IdentityConfig,
        reader: Arc<Mutex<dyn CardReader>>,
    ) -> IdentityDevices {
        let simulated = reader
            .lock()
            .map(|mut r| r.simulator().is_some())
            .unwrap_or(false);
        let mut trust = TrustList::empty();
        if !config.trust_list.is_empty() && std::path::Path::new(&config.trust_list).exists() {
            trust.add_folder(std::path::Path::new(&config.trust_list));
        }
        let mut test_cards = Vec::new();
        if simulated {
            let folder = crate::app::assets::assets_dir().join("dev/cards");
            if let Ok(pem) = std::fs::read(folder.join("csca.pem"))
                && let Ok(certs) = crate::identity::trust_list::parse_certificates(&pem)
            {
                trust.cscas.extend(certs);
            }
            test_cards = CardImage::load_folder(&folder).unwrap_or_else(|e| {
                tracing::warn!("no test cards for the simulated reader: {e}");
                Vec::new()
            });
            // And a copy of the first on another chip, to show (and train helpers on) what
            // the kiosk says of a cloned card.
            if let Some(first) = test_cards.first() {
                let label = format!("{} ({COPIED_CARD})", first.label);
                test_cards.push(first.copied_onto_another_chip(&label));
            }
        }
        for problem in &trust.problems {
            tracing::warn!("CSCA trust list: {problem}");
        }
        tracing::info!(cscas = trust.cscas.len(), "CSCA trust list loaded");
        IdentityDevices {
            reader,
            trust,
            options: ReadOptions {
                extended_read: (config.extended_read > 0).then_some(config.extended_read as usize),
            },
            test_cards,
        }
    }

    /// The test cards' names, for the buttons on the identity screen.
    pub fn test_card_names(&self) -> Vec<String> {
        self.test_cards.iter().map(|c| c.label.clone()).collect()
    }
}

/// Looks for the card's QR code in a few frames.
pub(super) fn scan_card_qr(
    camera: &Arc<Mutex<dyn Camera>>,
) -> Result<crate::identity::cccd_qr::CccdQr, Text> {
    let mut last = ScanError::NoCode;
    for _ in 0..8 {
        let frame = capture_frame(camera)?;
        match qr_camera::scan_cccd(&frame) {
            Ok(qr) => return Ok(qr),
            Err(e) => last = e,
        }
    }
    Err(match last {
        ScanError::NoCode => Text::new(
            "Chưa thấy mã QR. Vui lòng đưa mặt trước thẻ căn cước (có mã QR) vào trước camera và giữ yên.",
            "No QR code seen yet. Please hold the front of your ID card (with the QR code) still in front of the camera.",
        ),
        ScanError::NotCccd(e) => e.message(),
    })
}

/// Waits for a card (when `wait`), reads its chip and makes the identity and face preview.
pub(super) fn read_card(
    devices: &IdentityDevices,
    keys: &ChipKeys,
    wait: bool,
    progress: &mut dyn FnMut(ReadStep),
) -> CardOutcome {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let present = match devices.reader.lock() {
            Ok(mut reader) if wait => reader.wait_for_card(std::time::Duration::from_secs(1)),
            Ok(mut reader) => reader.status().map(|s| s == ReaderStatus::CardPresent),
            Err(_) => return CardOutcome::NoReader("reader lock poisoned".into()),
        };
        match present {
            Ok(true) => break,
            Ok(false) if wait && std::time::Instant::now() < deadline => {}
            Ok(false) => return CardOutcome::Failed(ChipError::NoCard),
            Err(e) => {
                tracing::warn!(error = %e, "card reader unavailable");
                return CardOutcome::NoReader(e.to_string());
            }
        }
    }
    let mut reader = match devices.reader.lock() {
        Ok(reader) => reader,
        Err(_) => return CardOutcome::NoReader("reader lock poisoned".into()),
    };
    match read_chip(
        &mut *reader,
        keys,
        &devices.trust,
        devices.options,
        progress,
    ) {
        Ok(read) => {
            tracing::info!(
                apdus = read.apdus,
                verdict = read.passive.verdict.code(),
                "ID card read"
            );
            let face = read.face.as_ref().and_then(dg2_face::decode).map(|img| {
                let img =
                    image::imageops::thumbnail(&img, 240, 240 * img.height() / img.width().max(1));
                (img.width(), img.height(), img.into_raw())
            });
            CardOutcome::Read {
                identity: citizen_from_card::from_chip(&read),
                face,
            }
        }
        Err(e) => {
            tracing::info!(error = %e, "ID card not read");
            CardOutcome::Failed(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::DeviceError;
    use crate::devices::card_reader::SimCardReader;

    /// A reader that is not the simulator (as the PC/SC one is), with no card.
    struct RealLikeReader;

    impl CardReader for RealLikeReader {
        fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
            Ok(ReaderStatus::NoCard)
        }
        fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
            Ok(vec![0x6A, 0x82])
        }
        fn name(&self) -> String {
            "real-like".into()
        }
    }

    #[test]
    fn test_cards_and_their_csca_come_only_with_the_simulated_reader() {
        let config = crate::config::IdentityConfig {
            trust_list: String::new(),
            extended_read: 0,
        };
        let simulated =
            IdentityDevices::from_config(&config, Arc::new(Mutex::new(SimCardReader::new())));
        assert!(!simulated.test_card_names().is_empty());
        assert!(!simulated.trust.cscas.is_empty());

        let real = IdentityDevices::from_config(&config, Arc::new(Mutex::new(RealLikeReader)));
        assert!(
            real.test_card_names().is_empty(),
            "no test-card buttons for residents"
        );
        assert!(
            real.trust.cscas.is_empty(),
            "the test CSCA is never trusted for real cards"
        );
    }
}
