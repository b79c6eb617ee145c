//! The reader's end of one card session: sends command APDUs through a `CardReader`, counts
//! them, parses the answers, and wraps and unwraps them when a secure channel is open. A card
//! lifted off the reader becomes `ChipError::Removed`. Blocking; never logs card data.

use crate::devices::card_reader::{CardReader, card_removed};
use crate::identity::apdu::{Command, Response};
use crate::identity::chip_session::ChipError;
use crate::identity::secure_messaging::SecureChannel;

pub(crate) struct Link<'a> {
    pub reader: &'a mut dyn CardReader,
    /// Every APDU sent so far.
    pub apdus: usize,
}

impl Link<'_> {
    pub fn send(&mut self, command: &Command) -> Result<Response, ChipError> {
        self.apdus += 1;
        let bytes = self.reader.transmit(&command.to_bytes()).map_err(|e| {
            if e == card_removed() {
                ChipError::Removed
            } else {
                ChipError::Reader(e)
            }
        })?;
        Response::parse(&bytes)
            .ok_or_else(|| ChipError::Protocol("an answer shorter than a status word".into()))
    }

    pub fn send_secure(
        &mut self,
        channel: &mut SecureChannel,
        command: &Command,
    ) -> Result<Response, ChipError> {
        let answer = self.send(&channel.protect(command))?;
        channel
            .unprotect(&answer)
            .map_err(|e| ChipError::Protocol(e.to_string()))
    }
}
