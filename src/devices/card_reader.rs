//! The contactless card reader as an APDU transport (ISO 7816-4 over PC/SC): the seam that
//! the ICAO 9303 reading code will drive, whether the card is real or simulated.
//! `SimCardReader` answers like an empty reader, or like a card that only knows how to be
//! selected; the full eMRTD chip simulator (BAC, secure messaging, DG files) is issue 4.

use crate::devices::DeviceError;

/// The eMRTD application identifier (ICAO 9303 part 10).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderStatus {
    NoCard,
    CardPresent,
}

pub trait CardReader: Send {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError>;
    /// Sends one command APDU and returns the response APDU (data + SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError>;
}

/// A reader with, optionally, a card that answers SELECT of the eMRTD application.
pub struct SimCardReader {
    card_present: bool,
    selected: bool,
}

impl SimCardReader {
    pub fn new() -> SimCardReader {
        SimCardReader {
            card_present: false,
            selected: false,
        }
    }

    pub fn insert_card(&mut self) {
        self.card_present = true;
        self.selected = false;
    }

    pub fn remove_card(&mut self) {
        self.card_present = false;
    }
}

impl Default for SimCardReader {
    fn default() -> Self {
        SimCardReader::new()
    }
}

impl CardReader for SimCardReader {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        Ok(if self.card_present {
            ReaderStatus::CardPresent
        } else {
            ReaderStatus::NoCard
        })
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        if !self.card_present {
            return Err(DeviceError::NotConnected {
                device: "card",
                check: "no card on the reader: ask the resident to hold the card still on the reader",
            });
        }
        if apdu.len() < 4 {
            return Ok(vec![0x67, 0x00]); // wrong length
        }
        let (cla, ins, p1) = (apdu[0], apdu[1], apdu[2]);
        if cla & 0x80 != 0 {
            return Ok(vec![0x6E, 0x00]); // class not supported
        }
        match ins {
            0xA4 if p1 == 0x04 => {
                let lc = *apdu.get(4).unwrap_or(&0) as usize;
                let aid = apdu.get(5..5 + lc).unwrap_or(&[]);
                if aid == EMRTD_AID {
                    self.selected = true;
                    Ok(vec![0x90, 0x00])
                } else {
                    Ok(vec![0x6A, 0x82]) // file or application not found
                }
            }
            // Everything else needs Basic Access Control first.
            _ if self.selected => Ok(vec![0x69, 0x82]), // security status not satisfied
            _ => Ok(vec![0x6D, 0x00]),                  // instruction not supported
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_the_emrtd_application_and_refuses_reads_without_bac() {
        let mut r = SimCardReader::new();
        assert!(
            r.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x07]).is_err(),
            "no card yet"
        );
        r.insert_card();
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
        select.extend_from_slice(&EMRTD_AID);
        assert_eq!(r.transmit(&select).unwrap(), [0x90, 0x00]);
        assert_eq!(
            r.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04]).unwrap(),
            [0x69, 0x82]
        );
        assert_eq!(
            r.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xAB, 0xCD])
                .unwrap(),
            [0x6A, 0x82]
        );
    }
}
