//! The real contactless reader through pcscd (the `pcsc` crate): finds the configured reader
//! (or the first one), notices a card put down or lifted, connects, and passes APDUs. When
//! pcscd is missing or restarts, or the reader is unplugged, it says so and reconnects on the
//! next call. The same `CardReader` seam as the simulator; knows nothing of eMRTDs.

use crate::devices::DeviceError;
use crate::devices::card_reader::{CardReader, ReaderStatus, card_removed};
use std::ffi::CString;

pub struct PcscReader {
    /// Part of the reader's name to look for ("" = the first reader).
    wanted: String,
    context: Option<pcsc::Context>,
    reader: Option<CString>,
    card: Option<pcsc::Card>,
}

fn no_service() -> DeviceError {
    DeviceError::NotConnected {
        device: "card reader",
        check: "the smart-card service (pcscd) is not running: `systemctl start pcscd`",
    }
}

fn no_reader() -> DeviceError {
    DeviceError::NotConnected {
        device: "card reader",
        check: "no contactless reader is plugged in (or not the one configured in [identity] reader_name)",
    }
}

fn service_gone(e: pcsc::Error) -> bool {
    matches!(
        e,
        pcsc::Error::NoService
            | pcsc::Error::ServiceStopped
            | pcsc::Error::InvalidHandle
            | pcsc::Error::CommError
    )
}

impl PcscReader {
    pub fn new(wanted: &str) -> PcscReader {
        PcscReader {
            wanted: wanted.to_string(),
            context: None,
            reader: None,
            card: None,
        }
    }

    /// Every reader pcscd knows (for `xakiosk card readers` and error messages).
    pub fn list() -> Result<Vec<String>, DeviceError> {
        let context = pcsc::Context::establish(pcsc::Scope::User).map_err(|_| no_service())?;
        match context.list_readers_owned() {
            Ok(names) => Ok(names
                .iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(_) => Err(no_service()),
        }
    }

    /// Blocks until a card is on the reader or `timeout` passes (pcscd's own event wait, no
    /// polling). `Ok(false)` on timeout.
    pub fn wait_for_card_event(
        &mut self,
        timeout: std::time::Duration,
    ) -> Result<bool, DeviceError> {
        let reader = self.find_reader()?;
        let mut states = [pcsc::ReaderState::new(reader, pcsc::State::UNAWARE)];
        let context = self.context()?;
        // The first call reports the current state; wait for a change only if there is no card.
        let _ = context.get_status_change(std::time::Duration::ZERO, &mut states);
        if states[0].event_state().contains(pcsc::State::PRESENT) {
            return Ok(true);
        }
        states[0].sync_current_state();
        match context.get_status_change(timeout, &mut states) {
            Ok(()) => Ok(states[0].event_state().contains(pcsc::State::PRESENT)),
            Err(pcsc::Error::Timeout) => Ok(false),
            Err(e) if service_gone(e) => {
                self.forget();
                Err(no_service())
            }
            Err(_) => Err(no_reader()),
        }
    }

    fn forget(&mut self) {
        self.card = None;
        self.reader = None;
        self.context = None;
    }

    fn context(&mut self) -> Result<&pcsc::Context, DeviceError> {
        if self.context.as_ref().is_some_and(|c| c.is_valid().is_err()) {
            self.forget();
        }
        if self.context.is_none() {
            self.context =
                Some(pcsc::Context::establish(pcsc::Scope::User).map_err(|_| no_service())?);
        }
        Ok(self.context.as_ref().expect("just set"))
    }

    fn find_reader(&mut self) -> Result<CString, DeviceError> {
        let wanted = self.wanted.clone();
        let names = match self.context()?.list_readers_owned() {
            Ok(names) => names,
            Err(pcsc::Error::NoReadersAvailable) => return Err(no_reader()),
            Err(e) => {
                if service_gone(e) {
                    self.forget();
                }
                return Err(no_service());
            }
        };
        names
            .into_iter()
            .find(|n| wanted.is_empty() || n.to_string_lossy().contains(&wanted))
            .ok_or_else(no_reader)
    }
}

impl CardReader for PcscReader {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        let reader = self.find_reader()?;
        let mut states = [pcsc::ReaderState::new(reader.clone(), pcsc::State::UNAWARE)];
        if let Err(e) = self
            .context()?
            .get_status_change(std::time::Duration::ZERO, &mut states)
        {
            if service_gone(e) {
                self.forget();
                return Err(no_service());
            }
            if e != pcsc::Error::Timeout {
                return Err(no_reader());
            }
        }
        let state = states[0].event_state();
        if !state.contains(pcsc::State::PRESENT) || state.contains(pcsc::State::MUTE) {
            self.card = None;
            return Ok(ReaderStatus::NoCard);
        }
        if self.card.is_none() || self.reader.as_ref() != Some(&reader) {
            let card = self
                .context()?
                .connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
                .map_err(|e| match e {
                    pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => card_removed(),
                    _ => DeviceError::Protocol {
                        device: "card reader",
                        detail: format!("cannot connect to the card: {e}"),
                    },
                })?;
            self.card = Some(card);
            self.reader = Some(reader);
        }
        Ok(ReaderStatus::CardPresent)
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        if self.card.is_none() {
            self.status()?;
        }
        let card = self.card.as_ref().ok_or_else(card_removed)?;
        let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        match card.transmit(apdu, &mut buffer) {
            // No status word: the card left the field during the exchange (what vpcd and some
            // readers report instead of SCARD_W_REMOVED_CARD).
            Ok(answer) if answer.len() < 2 => {
                self.card = None;
                Err(card_removed())
            }
            Ok(answer) => Ok(answer.to_vec()),
            Err(pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard) => {
                self.card = None;
                Err(card_removed())
            }
            Err(e) if service_gone(e) => {
                self.forget();
                Err(no_service())
            }
            Err(e) => Err(DeviceError::Protocol {
                device: "card reader",
                detail: format!("transmit failed: {e}"),
            }),
        }
    }

    fn wait_for_card(&mut self, timeout: std::time::Duration) -> Result<bool, DeviceError> {
        if self.wait_for_card_event(timeout)? {
            return Ok(self.status()? == ReaderStatus::CardPresent);
        }
        Ok(false)
    }

    fn name(&self) -> String {
        self.reader
            .as_ref()
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("PC/SC reader {:?}", self.wanted))
    }
}
