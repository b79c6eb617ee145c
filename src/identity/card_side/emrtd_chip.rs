//! A software eMRTD chip (the CCCD's) answering APDUs as ICAO 9303 specifies and as chip ID
//! cards behave: EF.CardAccess readable before anything else (by short file identifier or
//! selected directly; SELECT MF answers 6D00), PACE (MSE:Set AT, four chained General
//! Authenticate; the card access number — the last 6 digits of the ID — or the MRZ as
//! password; a wrong one answered 63Cx), Basic Access Control (GET CHALLENGE, EXTERNAL
//! AUTHENTICATE with the key from the card's MRZ), then only secure-messaging commands — READ
//! BINARY by file or short file identifier as long as the session's cipher fits, end of file
//! with 6282, a wrong MAC ending the session, and reads refused before authentication; chip
//! authentication (MSE:Set AT + General Authenticate, or MSE:Set KAT) with the private key of
//! the image, after which the session's keys change; active authentication (INTERNAL
//! AUTHENTICATE, ECDSA on P-256). A chip
//! may be made PACE-only (no BAC) or BAC-only (no EF.CardAccess). Serves a `CardImage`; knows
//! nothing of readers, UI or the kiosk's domain.

use crate::identity::access_key::{BacKeys, mrz_information};
use crate::identity::apdu::{self, Command, Response};
use crate::identity::bac;
use crate::identity::card_access::{self, PaceInfo};
use crate::identity::card_image::CardImage;
use crate::identity::lds::EfId;
use crate::identity::pace::{self, PaceError};
use crate::identity::pace_cam;
use crate::identity::pace_keys::PacePassword;
use crate::identity::pace_mapping;
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::tlv;
use crate::identity::{active_authentication, chip_authentication};

/// The largest READ BINARY a short-length chip answers under AES secure messaging (under
/// 3DES, `MAX_SHORT_PLAIN_READ_3DES`).
pub const SHORT_READ_MAX: usize = crate::identity::secure_messaging::MAX_SHORT_PLAIN_READ;

/// The tries a wrong PACE password is told it has left (63Cx); the CAN is never blocked.
const PACE_TRIES: usize = 3;

enum State {
    /// No session: plain commands only.
    Plain,
    Challenged([u8; 8]),
    /// MSE:Set AT accepted: the first General Authenticate is next.
    PaceSetUp(PaceInfo, PacePassword),
    Pace(Box<pace::Chip>),
    Secure(SecureChannel),
}

pub struct EmrtdChip {
    image: CardImage,
    keys: Option<BacKeys>,
    bac: bool,
    state: State,
    /// Whether the eMRTD application is selected (EF.CardAccess lives outside it).
    application: bool,
    selected: Option<EfId>,
    /// Largest plain READ BINARY answered in an extended-length APDU (`None`: short only).
    extended_read_max: Option<usize>,
    pace_failures: usize,
    /// Chip authentication asked for by MSE:Set AT; its General Authenticate is next.
    chip_authentication_set: bool,
    /// The session chip authentication agreed: it replaces the current one once the answer
    /// has gone out under the old keys.
    next_channel: Option<SecureChannel>,
    /// Commands processed since power-up.
    pub commands: usize,
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("system randomness");
    out
}

fn with_data(data: Vec<u8>) -> Response {
    Response {
        data,
        sw: apdu::SW_OK,
    }
}

impl EmrtdChip {
    pub fn new(image: CardImage) -> EmrtdChip {
        let keys =
            EmrtdChip::mrz_information(&image).map(|info| BacKeys::from_mrz_information(&info));
        EmrtdChip {
            image,
            keys,
            bac: true,
            state: State::Plain,
            application: false,
            selected: None,
            extended_read_max: None,
            pace_failures: 0,
            chip_authentication_set: false,
            next_channel: None,
            commands: 0,
        }
    }

    fn mrz_information(image: &CardImage) -> Option<String> {
        mrz_information(
            image.personal_id.get(3..).unwrap_or(""),
            &image.birth,
            &image.expiry,
        )
    }

    /// A chip that also answers extended-length reads of up to `max` bytes.
    pub fn with_extended_length(mut self, max: usize) -> EmrtdChip {
        self.extended_read_max = Some(max);
        self
    }

    /// A chip without EF.CardAccess: BAC only, as older cards.
    pub fn without_pace(mut self) -> EmrtdChip {
        self.image.files.remove(&EfId::CardAccess);
        self
    }

    /// A chip that refuses BAC (GET CHALLENGE and EXTERNAL AUTHENTICATE answer 6D00).
    pub fn without_bac(mut self) -> EmrtdChip {
        self.bac = false;
        self
    }

    /// A chip holding another private key than the one its DG14 names: a copy of a genuine
    /// card's data on another chip.
    pub fn with_chip_key(mut self, private: Vec<u8>) -> EmrtdChip {
        self.image.chip_private_key = Some(private);
        self
    }

    /// A chip signing active authentication with another key than DG15's (a copy).
    pub fn with_aa_key(mut self, private: Vec<u8>) -> EmrtdChip {
        self.image.aa_private_key = Some(private);
        self
    }

    /// A chip whose EF.CardAccess offers `offers` instead.
    pub fn with_pace_offers(mut self, offers: &[PaceInfo]) -> EmrtdChip {
        self.image
            .files
            .insert(EfId::CardAccess, card_access::encode(offers));
        self
    }

    /// A chip offering PACE as German documents do: generic mapping, then chip authentication
    /// mapping (ECDH, brainpoolP256r1, AES-128). The mapping uses the chip's own key, which is
    /// on that curve on the test cards.
    pub fn with_chip_authentication_mapping(self) -> EmrtdChip {
        use crate::identity::card_access::{Cipher, DomainParameters};
        self.with_pace_offers(&[
            PaceInfo::ecdh_generic(Cipher::Aes(128), DomainParameters::BrainpoolP256r1),
            PaceInfo::ecdh_cam(Cipher::Aes(128), DomainParameters::BrainpoolP256r1),
        ])
    }

    pub fn image(&self) -> &CardImage {
        &self.image
    }

    /// Power cycle: the session and selection are gone.
    pub fn reset(&mut self) {
        self.chip_authentication_set = false;
        self.next_channel = None;
        self.state = State::Plain;
        self.application = false;
        self.selected = None;
    }

    fn offers(&self) -> Vec<PaceInfo> {
        self.image
            .files
            .get(&EfId::CardAccess)
            .and_then(|bytes| card_access::parse(bytes).ok())
            .unwrap_or_default()
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
        if command.cla & 0x80 != 0 || command.cla & !0x10 != 0 {
            return Response::status(apdu::SW_CLA_NOT_SUPPORTED).to_bytes();
        }
        if command.cla == 0x10 && command.ins != pace::INS_GENERAL_AUTHENTICATE {
            return Response::status(0x6884).to_bytes(); // chaining not supported here
        }
        // A plain command inside a session ends it.
        if matches!(self.state, State::Secure(_)) {
            self.state = State::Plain;
            return Response::status(apdu::SW_SM_DATA_OBJECTS_INCORRECT).to_bytes();
        }
        self.plain(&command).to_bytes()
    }

    fn plain(&mut self, command: &Command) -> Response {
        if command.ins != pace::INS_GENERAL_AUTHENTICATE
            && matches!(self.state, State::PaceSetUp(..) | State::Pace(_))
        {
            // Anything else breaks PACE off.
            self.state = State::Plain;
        }
        match (command.ins, command.p1) {
            (apdu::INS_SELECT, 0x04) => {
                self.selected = None;
                self.state = State::Plain;
                self.application = command.data == crate::devices::card_reader::EMRTD_AID;
                Response::status(if self.application {
                    apdu::SW_OK
                } else {
                    apdu::SW_FILE_NOT_FOUND
                })
            }
            // Chip ID cards do not take SELECT of the master file.
            (apdu::INS_SELECT, 0x00) => Response::status(apdu::SW_INS_NOT_SUPPORTED),
            (apdu::INS_SELECT, 0x02) if command.data == [0x01, 0x1C] => {
                if self.image.files.contains_key(&EfId::CardAccess) {
                    self.selected = Some(EfId::CardAccess);
                    Response::status(apdu::SW_OK)
                } else {
                    Response::status(apdu::SW_FILE_NOT_FOUND)
                }
            }
            (apdu::INS_READ_BINARY, p1)
                if (p1 & 0x80 != 0 && EfId::from_sfi(p1) == Some(EfId::CardAccess))
                    || (p1 & 0x80 == 0 && self.selected == Some(EfId::CardAccess)) =>
            {
                self.read_binary(command, false, 256)
            }
            (apdu::INS_SELECT | apdu::INS_READ_BINARY, _) if !self.application => {
                Response::status(apdu::SW_FILE_NOT_FOUND)
            }
            (apdu::INS_SELECT | apdu::INS_READ_BINARY, _) => {
                Response::status(apdu::SW_SECURITY_STATUS_NOT_SATISFIED)
            }
            (apdu::INS_GET_CHALLENGE | apdu::INS_EXTERNAL_AUTHENTICATE, _) if !self.bac => {
                Response::status(apdu::SW_INS_NOT_SUPPORTED)
            }
            (apdu::INS_GET_CHALLENGE, _) if !self.application => {
                Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED)
            }
            (apdu::INS_GET_CHALLENGE, _) => {
                if command.le != Some(8) {
                    return Response::status(apdu::SW_WRONG_LENGTH);
                }
                let challenge = random::<8>();
                self.state = State::Challenged(challenge);
                with_data(challenge.to_vec())
            }
            (apdu::INS_EXTERNAL_AUTHENTICATE, _) => self.external_authenticate(command),
            (pace::INS_MSE, _) => self.set_at(command),
            (pace::INS_GENERAL_AUTHENTICATE, _) => self.general_authenticate(command),
            _ => Response::status(apdu::SW_INS_NOT_SUPPORTED),
        }
    }

    fn external_authenticate(&mut self, command: &Command) -> Response {
        let State::Challenged(rnd_ic) = self.state else {
            return Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED);
        };
        self.state = State::Plain;
        let Some(keys) = &self.keys else {
            return Response::status(apdu::SW_AUTHENTICATION_FAILED);
        };
        match bac::card_answer(keys, &rnd_ic, &random::<16>(), &command.data) {
            Ok((answer, channel)) => {
                self.state = State::Secure(channel);
                with_data(answer)
            }
            Err(_) => Response::status(apdu::SW_AUTHENTICATION_FAILED),
        }
    }

    /// MSE:Set AT: which PACE variant and which password.
    fn set_at(&mut self, command: &Command) -> Response {
        let offers = self.offers();
        if offers.is_empty() {
            return Response::status(apdu::SW_INS_NOT_SUPPORTED);
        }
        if (command.p1, command.p2) != pace::MSE_SET_AT {
            return Response::status(apdu::SW_WRONG_P1P2);
        }
        let Ok(asked) = pace::parse_set_at(&command.data) else {
            return Response::status(0x6A80);
        };
        let Some(offer) = offers.into_iter().find(|o| {
            o.protocol == asked.protocol
                && asked
                    .parameter_id
                    .is_none_or(|id| o.parameters.map(|p| p.id()) == Some(id))
        }) else {
            return Response::status(0x6A80);
        };
        let password = match asked.password_reference {
            1 => match EmrtdChip::mrz_information(&self.image) {
                Some(mrz) => PacePassword::Mrz(mrz),
                None => return Response::status(0x6A88),
            },
            2 => {
                let id = &self.image.personal_id;
                PacePassword::Can(id[id.len().saturating_sub(6)..].to_string())
            }
            _ => return Response::status(0x6A88), // referenced data not found
        };
        self.state = State::PaceSetUp(offer, password);
        Response::status(apdu::SW_OK)
    }

    fn general_authenticate(&mut self, command: &Command) -> Response {
        let state = std::mem::replace(&mut self.state, State::Plain);
        let last = command.cla == 0x00;
        let answer =
            |tag: u32, value: &[u8]| with_data(tlv::encode(0x7C, &tlv::encode(tag, value)));
        match state {
            State::PaceSetUp(offer, password) if !last && command.data == [0x7C, 0x00] => {
                let nonce = random::<{ pace::NONCE_LENGTH }>();
                match pace::Chip::new(&offer, &password, &nonce) {
                    Ok(chip) => {
                        let response = answer(pace::TAG_ENCRYPTED_NONCE, chip.encrypted_nonce());
                        self.state = State::Pace(Box::new(chip));
                        response
                    }
                    Err(_) => Response::status(0x6A80),
                }
            }
            State::Pace(mut chip) => {
                let key =
                    || pace_mapping::random_private_key(chip.curve()).expect("runnable curve");
                let step = |tag, chained: bool| {
                    (chained != last)
                        .then(|| {
                            pace::dynamic_object(&command.data, tag, "General Authenticate").ok()
                        })
                        .flatten()
                };
                let result: Result<Response, PaceError> = if let Some(public) =
                    step(pace::TAG_MAPPING_TERMINAL, true)
                {
                    chip.mapping_key(&public, key())
                        .map(|own| answer(pace::TAG_MAPPING_CHIP, &own))
                } else if let Some(public) = step(pace::TAG_EPHEMERAL_TERMINAL, true) {
                    chip.ephemeral_key(&public, key())
                        .map(|own| answer(pace::TAG_EPHEMERAL_CHIP, &own))
                } else if let Some(token) = step(pace::TAG_TOKEN_TERMINAL, false) {
                    match chip.finish(&token, self.image.chip_private_key.as_deref()) {
                        Ok(finish) => {
                            self.state = State::Secure(finish.channel);
                            let mut objects = tlv::encode(pace::TAG_TOKEN_CHIP, &finish.token);
                            if let Some(data) = finish.chip_data {
                                objects
                                    .extend(tlv::encode(pace_cam::TAG_ENCRYPTED_CHIP_DATA, &data));
                            }
                            return with_data(tlv::encode(0x7C, &objects));
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    Err(PaceError::OutOfOrder)
                };
                match result {
                    Ok(response) => {
                        self.state = State::Pace(chip);
                        response
                    }
                    Err(PaceError::WrongToken) => {
                        self.pace_failures += 1;
                        let left = PACE_TRIES.saturating_sub(self.pace_failures).max(1);
                        Response::status(0x63C0 | left as u16)
                    }
                    Err(PaceError::OutOfOrder) => {
                        Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED)
                    }
                    Err(_) => Response::status(0x6A80),
                }
            }
            _ => Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED),
        }
    }

    fn secure(&mut self, wire: &Command) -> Response {
        let State::Secure(channel) = &mut self.state else {
            return Response::status(apdu::SW_SECURITY_STATUS_NOT_SATISFIED);
        };
        let short_max = channel.max_short_read();
        let command = match channel.unprotect_command(wire) {
            Ok(command) => command,
            Err(_) => {
                self.state = State::Plain;
                return Response::status(apdu::SW_SM_DATA_OBJECTS_INCORRECT);
            }
        };
        let plain = self.answer_protected(&command, wire.is_extended(), short_max);
        let answer = match &mut self.state {
            State::Secure(channel) => channel.protect_response(&plain),
            _ => plain,
        };
        if let Some(next) = self.next_channel.take() {
            self.state = State::Secure(next);
        }
        answer
    }

    /// The chip's DG14, when it has one that parses.
    fn dg14(&self) -> Option<crate::identity::dg14::Dg14> {
        self.image
            .files
            .get(&EfId::Dg(14))
            .and_then(|bytes| crate::identity::dg14::parse(bytes).ok())
    }

    /// Chip authentication with the terminal's ephemeral key: the next session, from this
    /// chip's private key; refused when the chip has none or DG14 offers none.
    fn chip_authenticate(&mut self, terminal_public: Option<Vec<u8>>) -> Response {
        let (Some(dg14), Some(private), Some(terminal_public)) = (
            self.dg14(),
            self.image.chip_private_key.as_ref(),
            terminal_public,
        ) else {
            return Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED);
        };
        let Some((info, key)) = dg14.chosen() else {
            return Response::status(apdu::SW_CONDITIONS_NOT_SATISFIED);
        };
        match chip_authentication::session(key, info.cipher, private, &terminal_public) {
            Ok(channel) => {
                self.next_channel = Some(channel);
                Response::status(apdu::SW_OK)
            }
            Err(_) => Response::status(0x6A80),
        }
    }

    /// Whether the file can be reached now: EF.CardAccess always, the rest inside the
    /// application.
    fn reachable(&self, ef: EfId) -> bool {
        self.image.files.contains_key(&ef) && (ef == EfId::CardAccess || self.application)
    }

    fn answer_protected(
        &mut self,
        command: &Command,
        extended: bool,
        short_max: usize,
    ) -> Response {
        match (command.ins, command.p1, command.p2) {
            (apdu::INS_SELECT, 0x04, _) => {
                self.selected = None;
                self.application = command.data == crate::devices::card_reader::EMRTD_AID;
                Response::status(if self.application {
                    apdu::SW_OK
                } else {
                    apdu::SW_FILE_NOT_FOUND
                })
            }
            (apdu::INS_SELECT, 0x02, 0x0C) => {
                let fid = match command.data.as_slice() {
                    [a, b] => u16::from_be_bytes([*a, *b]),
                    _ => return Response::status(apdu::SW_WRONG_LENGTH),
                };
                match EfId::from_fid(fid).filter(|ef| self.reachable(*ef)) {
                    Some(ef) => {
                        self.selected = Some(ef);
                        Response::status(apdu::SW_OK)
                    }
                    None => Response::status(apdu::SW_FILE_NOT_FOUND),
                }
            }
            (pace::INS_MSE, p1, p2) if (p1, p2) == chip_authentication::MSE_SET_AT_CA => {
                let offered = self
                    .dg14()
                    .and_then(|dg14| dg14.chosen().map(|(info, _)| info.protocol));
                match chip_authentication::parse_set_at(&command.data) {
                    Some((protocol, _)) if Some(protocol) == offered => {
                        self.chip_authentication_set = true;
                        Response::status(apdu::SW_OK)
                    }
                    _ => Response::status(0x6A80),
                }
            }
            (pace::INS_MSE, p1, p2) if (p1, p2) == chip_authentication::MSE_SET_KAT => {
                self.chip_authenticate(chip_authentication::terminal_key(command))
            }
            (pace::INS_GENERAL_AUTHENTICATE, 0, 0) if self.chip_authentication_set => {
                self.chip_authentication_set = false;
                let answer = self.chip_authenticate(chip_authentication::terminal_key(command));
                if answer.sw == apdu::SW_OK {
                    with_data(vec![0x7C, 0x00])
                } else {
                    answer
                }
            }
            (active_authentication::INS_INTERNAL_AUTHENTICATE, 0, 0) => {
                let has_dg15 = self.image.files.contains_key(&EfId::Dg(15));
                match (&self.image.aa_private_key, has_dg15, command.data.len()) {
                    (Some(key), true, 8) => match active_authentication::sign_ecdsa(
                        crate::identity::card_access::DomainParameters::NistP256,
                        key,
                        &command.data,
                    ) {
                        Ok(signature) => with_data(signature),
                        Err(_) => Response::status(0x6A80),
                    },
                    (Some(_), true, _) => Response::status(apdu::SW_WRONG_LENGTH),
                    _ => Response::status(apdu::SW_INS_NOT_SUPPORTED),
                }
            }
            (apdu::INS_READ_BINARY, _, _) => {
                let max = match (extended, self.extended_read_max) {
                    (false, _) => short_max,
                    (true, Some(max)) => max,
                    (true, None) => return Response::status(apdu::SW_WRONG_LENGTH),
                };
                self.read_binary(command, true, max)
            }
            _ => Response::status(apdu::SW_INS_NOT_SUPPORTED),
        }
    }

    /// READ BINARY of the selected file or of the one its short file identifier names, at
    /// most `max` bytes.
    fn read_binary(&mut self, command: &Command, secure: bool, max: usize) -> Response {
        let (p1, p2) = (command.p1, command.p2);
        let offset = if p1 & 0x80 != 0 {
            match EfId::from_sfi(p1).filter(|ef| self.reachable(*ef)) {
                Some(ef) if secure || ef == EfId::CardAccess => self.selected = Some(ef),
                _ => return Response::status(apdu::SW_FILE_NOT_FOUND),
            }
            p2 as usize
        } else {
            ((p1 as usize) << 8) | p2 as usize
        };
        let Some(file) = self.selected.and_then(|ef| self.image.files.get(&ef)) else {
            return Response::status(0x6986); // no current elementary file
        };
        let le = command.le.unwrap_or(0);
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
}
impl crate::devices::card_reader::SimulatedChip for EmrtdChip {
    fn reset(&mut self) {
        EmrtdChip::reset(self)
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        EmrtdChip::process(self, apdu)
    }
}
