//! A software eMRTD chip (the CCCD's) answering APDUs exactly as ICAO 9303 specifies: SELECT
//! of the application and files, GET CHALLENGE, EXTERNAL AUTHENTICATE (Basic Access Control
//! with the key from the card's MRZ), then only secure-messaging commands — READ BINARY by
//! file or short file identifier, end of file with 6282, a wrong MAC ending the session, and
//! reads refused before authentication. Serves a `CardImage`; knows nothing of readers, UI
//! or the kiosk's domain.

use crate::identity::access_key::{BacKeys, mrz_information};
use crate::identity::apdu::{self, Command, Response};
use crate::identity::bac;
use crate::identity::card_image::CardImage;
use crate::identity::lds::EfId;
use crate::identity::secure_messaging::SecureChannel;

/// The largest READ BINARY a short-length chip answers under secure messaging (the protected
/// answer must fit 256 bytes).
pub const SHORT_READ_MAX: usize = crate::identity::secure_messaging::MAX_SHORT_PLAIN_READ;

enum State {
    Idle,
    Selected,
    Challenged([u8; 8]),
    Secure(SecureChannel),
}

pub struct EmrtdChip {
    image: CardImage,
    keys: Option<BacKeys>,
    state: State,
    selected: Option<EfId>,
    /// Largest plain READ BINARY answered in an extended-length APDU (`None`: short only).
    extended_read_max: Option<usize>,
    /// Commands processed since power-up.
    pub commands: usize,
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("system randomness");
    out
}

impl EmrtdChip {
    pub fn new(image: CardImage) -> EmrtdChip {
        let (number, birth, expiry) = (
            image.personal_id.get(3..).unwrap_or(""),
            &image.birth,
            &image.expiry,
        );
        let keys =
            mrz_information(number, birth, expiry).map(|info| BacKeys::from_mrz_information(&info));
        EmrtdChip {
            image,
            keys,
            state: State::Idle,
            selected: None,
            extended_read_max: None,
            commands: 0,
        }
    }

    /// A chip that also answers extended-length reads of up to `max` bytes.
    pub fn with_extended_length(mut self, max: usize) -> EmrtdChip {
        self.extended_read_max = Some(max);
        self
    }

    pub fn image(&self) -> &CardImage {
        &self.image
    }

    /// Power cycle: the session and selection are gone.
    pub fn reset(&mut self) {
        self.state = State::Idle;
        self.selected = None;
    }

    /// Answers one command APDU.
    pub fn process(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.commands += 1;
        let Some(command) = Command::parse(bytes) else {
            return Response::status(apdu::SW_WRONG_LENGTH).to_bytes();
        };
        if command.cla & 0x0C == 0x0C {
            return self.secure(&command).to_bytes();
        }
        if command.cla & 0x80 != 0 {
            return Response::status(apdu::SW_CLA_NOT_SUPPORTED).to_bytes();
        }
        let answer = match (command.ins, command.p1, &self.state) {
            (apdu::INS_SELECT, 0x04, _) => {
                self.selected = None;
                if command.data == crate::devices::card_reader::EMRTD_AID {
                    self.state = State::Selected;
                    Response::status(apdu::SW_OK)
                } else {
                    self.state = State::Idle;
                    Response::status(apdu::SW_FILE_NOT_FOUND)
                }
            }
            (apdu::INS_GET_CHALLENGE, _, State::Idle) => {
                Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED)
            }
            (apdu::INS_GET_CHALLENGE, _, _) => {
                if command.le != Some(8) {
                    Response::status(apdu::SW_WRONG_LENGTH)
                } else {
                    let challenge = random::<8>();
                    self.state = State::Challenged(challenge);
                    Response {
                        data: challenge.to_vec(),
                        sw: apdu::SW_OK,
                    }
                }
            }
            (apdu::INS_EXTERNAL_AUTHENTICATE, _, State::Challenged(rnd_ic)) => {
                let rnd_ic = *rnd_ic;
                self.state = State::Selected;
                match &self.keys {
                    Some(keys) => {
                        match bac::card_answer(keys, &rnd_ic, &random::<16>(), &command.data) {
                            Ok((answer, channel)) => {
                                self.state = State::Secure(channel);
                                Response {
                                    data: answer,
                                    sw: apdu::SW_OK,
                                }
                            }
                            Err(_) => Response::status(apdu::SW_AUTHENTICATION_FAILED),
                        }
                    }
                    None => Response::status(apdu::SW_AUTHENTICATION_FAILED),
                }
            }
            (apdu::INS_EXTERNAL_AUTHENTICATE, _, _) => {
                Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED)
            }
            // A plain command inside a session ends it.
            (_, _, State::Secure(_)) => {
                self.state = State::Selected;
                Response::status(apdu::SW_SM_DATA_OBJECTS_INCORRECT)
            }
            (apdu::INS_SELECT | apdu::INS_READ_BINARY, _, State::Idle) => {
                Response::status(apdu::SW_FILE_NOT_FOUND)
            }
            (apdu::INS_SELECT | apdu::INS_READ_BINARY, _, _) => {
                Response::status(apdu::SW_SECURITY_STATUS_NOT_SATISFIED)
            }
            _ => Response::status(apdu::SW_INS_NOT_SUPPORTED),
        };
        answer.to_bytes()
    }

    fn secure(&mut self, wire: &Command) -> Response {
        let State::Secure(channel) = &mut self.state else {
            return Response::status(apdu::SW_SECURITY_STATUS_NOT_SATISFIED);
        };
        let command = match channel.unprotect_command(wire) {
            Ok(command) => command,
            Err(_) => {
                self.state = State::Selected;
                return Response::status(apdu::SW_SM_DATA_OBJECTS_INCORRECT);
            }
        };
        let plain = self.answer_protected(&command, wire.is_extended());
        match &mut self.state {
            State::Secure(channel) => channel.protect_response(&plain),
            _ => plain,
        }
    }

    fn answer_protected(&mut self, command: &Command, extended: bool) -> Response {
        match (command.ins, command.p1, command.p2) {
            (apdu::INS_SELECT, 0x02, 0x0C) => {
                let fid = match command.data.as_slice() {
                    [a, b] => u16::from_be_bytes([*a, *b]),
                    _ => return Response::status(apdu::SW_WRONG_LENGTH),
                };
                match EfId::from_fid(fid).filter(|ef| self.image.files.contains_key(ef)) {
                    Some(ef) => {
                        self.selected = Some(ef);
                        Response::status(apdu::SW_OK)
                    }
                    None => Response::status(apdu::SW_FILE_NOT_FOUND),
                }
            }
            (apdu::INS_READ_BINARY, p1, p2) => {
                let offset = if p1 & 0x80 != 0 {
                    // A short file identifier is the low byte of the file's identifier.
                    let ef = EfId::from_fid(0x0100 | (p1 & 0x1F) as u16);
                    match ef.filter(|ef| self.image.files.contains_key(ef)) {
                        Some(ef) => self.selected = Some(ef),
                        None => return Response::status(apdu::SW_FILE_NOT_FOUND),
                    }
                    p2 as usize
                } else {
                    ((p1 as usize) << 8) | p2 as usize
                };
                let Some(file) = self.selected.and_then(|ef| self.image.files.get(&ef)) else {
                    return Response::status(0x6986); // no current elementary file
                };
                let le = command.le.unwrap_or(0);
                let max = match (extended, self.extended_read_max) {
                    (false, _) => SHORT_READ_MAX,
                    (true, Some(max)) => max,
                    (true, None) => return Response::status(apdu::SW_WRONG_LENGTH),
                };
                if le > max {
                    return Response::status(apdu::SW_WRONG_LENGTH);
                }
                if offset > file.len() {
                    return Response::status(apdu::SW_WRONG_P1P2);
                }
                let end = (offset + le).min(file.len());
                Response {
                    data: file[offset..end].to_vec(),
                    sw: if end - offset < le {
                        apdu::SW_END_OF_FILE
                    } else {
                        apdu::SW_OK
                    },
                }
            }
            _ => Response::status(apdu::SW_INS_NOT_SUPPORTED),
        }
    }
}
impl crate::devices::card_reader::SimulatedChip for EmrtdChip {
    fn reset(&mut self) {
        EmrtdChip::reset(self)
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        EmrtdChip::process(self, apdu)
    }
}
