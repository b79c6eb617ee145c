//! The contactless card reader as an APDU transport (ISO 7816-4 over PC/SC): the seam the
//! ICAO 9303 reading code drives, whether the card is real (`pcsc`) or simulated.
//! `SimCardReader` holds an optional simulated chip (`identity::card_side::emrtd_chip` is the
//! CCCD one) and can take it away mid-read, as a hand lifting the card would. Nothing here
//! knows about the UI or the domain.

pub mod pcsc;

use crate::devices::DeviceError;

/// A chip the simulated reader can hold: it answers each command APDU as the card would.
pub trait SimulatedChip: Send {
    /// Back to the state just after the card is placed (no session, nothing selected).
    fn reset(&mut self);
    /// The response APDU (data + SW1 SW2) to one command APDU.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
}

/// The eMRTD application identifier (ICAO 9303 part 10).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderStatus {
    NoCard,
    CardPresent,
}

pub trait CardReader: Send {
    /// Whether a card is on the reader; an error when the reader itself is missing.
    fn status(&mut self) -> Result<ReaderStatus, DeviceError>;
    /// Sends one command APDU and returns the response APDU (data + SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError>;
    /// The reader's name, for the technician.
    fn name(&self) -> String;
    /// Waits up to `timeout` for a card; `Ok(true)` when one is there. Readers with an event
    /// wait (PC/SC) override this; the default looks twice, a short pause apart.
    fn wait_for_card(&mut self, timeout: std::time::Duration) -> Result<bool, DeviceError> {
        if self.status()? == ReaderStatus::CardPresent {
            return Ok(true);
        }
        std::thread::sleep(timeout.min(std::time::Duration::from_millis(200)));
        Ok(self.status()? == ReaderStatus::CardPresent)
    }
    /// The simulator behind this reader, if it is one (the on-screen test-card buttons).
    fn simulator(&mut self) -> Option<&mut SimCardReader> {
        None
    }
}

/// The error a lifted card gives.
pub fn card_removed() -> DeviceError {
    DeviceError::NotConnected {
        device: "card",
        check: "the card was taken off the reader: hold it still on the reader until the kiosk says so",
    }
}

/// A reader with, optionally, a simulated chip on it.
#[derive(Default)]
pub struct SimCardReader {
    chip: Option<Box<dyn SimulatedChip>>,
    /// The card is lifted when this many more APDUs have been answered.
    remove_after: Option<usize>,
    /// APDUs transmitted since the reader was made.
    pub transmitted: usize,
}

impl SimCardReader {
    pub fn new() -> SimCardReader {
        SimCardReader::default()
    }

    pub fn insert(&mut self, chip: impl SimulatedChip + 'static) {
        let mut chip = chip;
        chip.reset();
        self.chip = Some(Box::new(chip));
        self.remove_after = None;
    }

    /// Lifts the card; whether one was there.
    pub fn remove(&mut self) -> bool {
        self.chip.take().is_some()
    }

    /// Lifts the card after `n` more APDUs (card-removed-mid-read tests).
    pub fn remove_after(&mut self, n: usize) {
        self.remove_after = Some(n);
    }

    pub fn holds_card(&self) -> bool {
        self.chip.is_some()
    }
}

impl CardReader for SimCardReader {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        Ok(if self.chip.is_some() {
            ReaderStatus::CardPresent
        } else {
            ReaderStatus::NoCard
        })
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        if let Some(left) = self.remove_after.as_mut() {
            if *left == 0 {
                self.chip = None;
                self.remove_after = None;
            } else {
                *left -= 1;
            }
        }
        let chip = self.chip.as_mut().ok_or_else(card_removed)?;
        self.transmitted += 1;
        Ok(chip.process(apdu))
    }

    fn name(&self) -> String {
        "Simulated contactless reader".into()
    }

    fn simulator(&mut self) -> Option<&mut SimCardReader> {
        Some(self)
    }
}
