//! The PACE exchange (ICAO Doc 9303 part 11, §4.4.4) as two pure state machines — the
//! terminal's (the kiosk's reader, `Terminal`) and the chip's (the software chip, `Chip`) —
//! and the APDUs that carry it: MSE:Set AT naming the protocol and the password, then four
//! chained General Authenticate commands whose dynamic authentication data (7C) hold the
//! encrypted nonce (80), the mapping keys (81/82), the ephemeral keys (83/84) and the
//! tokens (85/86). Generic mapping, ECDH on the curves and DH on the groups `pace_mapping` has
//! (appendix G.1 and G.2 replayed in the tests), and chip authentication mapping (ECDH with
//! AES: generic mapping whose last answer adds the chip's encrypted chip authentication data,
//! 8A, `pace_cam`); 3DES or AES session keys. Randomness comes in as arguments, so appendix G.1's worked example replays byte for
//! byte; the IO is `chip_session`'s (reader) and `emrtd_chip`'s (card). Keys are wiped on drop.

use crate::identity::apdu::Command;
use crate::identity::card_access::{Cipher, DomainParameters, KeyAgreement, Mapping, PaceInfo};
use crate::identity::pace_cam::{self, CamProof};
use crate::identity::pace_keys::{self, NonceError, PacePassword};
use crate::identity::pace_mapping::{self, MappingError};
use crate::identity::pace_token;
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::tlv;
use der::asn1::ObjectIdentifier as Oid;
use thiserror::Error;
use zeroize::Zeroizing;

pub const INS_MSE: u8 = 0x22;
pub const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// MSE:Set AT for mutual authentication (P1 C1, P2 A4).
pub const MSE_SET_AT: (u8, u8) = (0xC1, 0xA4);

/// Dynamic authentication data objects, in the order they are exchanged.
pub const TAG_ENCRYPTED_NONCE: u32 = 0x80;
pub const TAG_MAPPING_TERMINAL: u32 = 0x81;
pub const TAG_MAPPING_CHIP: u32 = 0x82;
pub const TAG_EPHEMERAL_TERMINAL: u32 = 0x83;
pub const TAG_EPHEMERAL_CHIP: u32 = 0x84;
pub const TAG_TOKEN_TERMINAL: u32 = 0x85;
pub const TAG_TOKEN_CHIP: u32 = 0x86;

/// The nonce the chip draws: 16 bytes, a whole number of blocks for 3DES and AES.
pub const NONCE_LENGTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaceError {
    #[error("PACE variant not supported here: {0}")]
    Unsupported(String),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("the nonce: {0}")]
    Nonce(#[from] NonceError),
    #[error("the key agreement: {0}")]
    Mapping(#[from] MappingError),
    #[error("the other side sent our own public key back")]
    Reflected,
    #[error("the authentication token does not match: the password is wrong")]
    WrongToken,
    #[error("a step out of order")]
    OutOfOrder,
    #[error("the chip's chip authentication data is missing or does not decrypt")]
    ChipData,
}

/// The domain parameters of a PACE offer this reader and the software chip can run: generic
/// mapping, ECDH on a curve or DH on an RFC 5114 group with arithmetic here; chip
/// authentication mapping, ECDH on a curve with AES.
pub fn runnable(info: &PaceInfo) -> Result<DomainParameters, PaceError> {
    let cam = info.mapping == Mapping::ChipAuthentication;
    if info.mapping == Mapping::Integrated
        || (cam && (info.agreement != KeyAgreement::Ecdh || info.cipher == Cipher::Des3))
    {
        return Err(PaceError::Unsupported(format!(
            "{:?} mapping",
            info.mapping
        )));
    }
    let Some(curve) = info.parameters else {
        return Err(PaceError::Unsupported(
            "proprietary domain parameters".into(),
        ));
    };
    if !pace_mapping::supports(curve) {
        return Err(PaceError::Unsupported(format!("{curve:?}")));
    }
    let dh_group = crate::identity::pace_dh::group(curve).is_some();
    if dh_group != (info.agreement == KeyAgreement::Dh) {
        return Err(PaceError::Unsupported(format!(
            "{:?} key agreement on {curve:?}",
            info.agreement
        )));
    }
    if !matches!(info.cipher, Cipher::Des3 | Cipher::Aes(128 | 192 | 256)) {
        return Err(PaceError::Unsupported(format!("{:?}", info.cipher)));
    }
    Ok(curve)
}

/// MSE:Set AT: the protocol (80), the password (83: 1 MRZ, 2 CAN) and, when the chip offers
/// the protocol on more than one set of parameters, which (84).
pub fn set_at(info: &PaceInfo, password: &PacePassword, parameter_id: Option<u32>) -> Command {
    let mut data = tlv::encode(0x80, info.protocol.as_bytes());
    data.extend(tlv::encode(0x83, &[password.reference()]));
    if let Some(id) = parameter_id {
        data.extend(tlv::encode(0x84, &[id as u8]));
    }
    Command::new(0x00, INS_MSE, MSE_SET_AT.0, MSE_SET_AT.1).with_data(data)
}

/// What an MSE:Set AT asked for (the chip's side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAt {
    pub protocol: Oid,
    pub password_reference: u8,
    pub parameter_id: Option<u32>,
}

pub fn parse_set_at(data: &[u8]) -> Result<SetAt, PaceError> {
    let bad = PaceError::Malformed("MSE:Set AT");
    let objects = tlv::children(data).map_err(|_| bad.clone())?;
    let find = |tag| objects.iter().find(|o| o.tag == tag).map(|o| o.value);
    let protocol = Oid::from_bytes(find(0x80).ok_or(bad.clone())?).map_err(|_| bad.clone())?;
    let password_reference = match find(0x83) {
        Some([reference]) => *reference,
        _ => return Err(bad),
    };
    let parameter_id = match find(0x84) {
        None => None,
        Some([id]) => Some(u32::from(*id)),
        Some(_) => return Err(bad),
    };
    Ok(SetAt {
        protocol,
        password_reference,
        parameter_id,
    })
}

/// One General Authenticate: `objects` inside 7C; chained (CLA 10) except the last.
pub fn general_authenticate(objects: &[(u32, &[u8])], last: bool) -> Command {
    let inner: Vec<u8> = objects
        .iter()
        .flat_map(|(tag, value)| tlv::encode(*tag, value))
        .collect();
    Command::new(
        if last { 0x00 } else { 0x10 },
        INS_GENERAL_AUTHENTICATE,
        0,
        0,
    )
    .with_data(tlv::encode(0x7C, &inner))
    .with_le(256)
}

/// The value of `tag` in dynamic authentication data (`7C { … }`).
pub fn dynamic_object(data: &[u8], tag: u32, what: &'static str) -> Result<Vec<u8>, PaceError> {
    let (outer, rest) = tlv::expect(data, 0x7C).map_err(|_| PaceError::Malformed(what))?;
    if !rest.is_empty() {
        return Err(PaceError::Malformed(what));
    }
    tlv::children(outer.value)
        .map_err(|_| PaceError::Malformed(what))?
        .into_iter()
        .find(|o| o.tag == tag)
        .map(|o| o.value.to_vec())
        .ok_or(PaceError::Malformed(what))
}

struct Suite {
    curve: DomainParameters,
    cipher: Cipher,
    protocol: Oid,
    /// Chip authentication mapping: the chip proves its static key in the last answer.
    cam: bool,
}

impl Suite {
    fn of(info: &PaceInfo) -> Result<Suite, PaceError> {
        Ok(Suite {
            curve: runnable(info)?,
            cipher: info.cipher,
            protocol: info.protocol,
            cam: info.mapping == Mapping::ChipAuthentication,
        })
    }

    fn token(&self, k_mac: &[u8], other_public: &[u8]) -> [u8; 8] {
        pace_token::token(k_mac, self.cipher, &self.protocol, other_public)
            .expect("KDF gives a MAC key of the cipher's length")
    }
}

/// Where an exchange is; every key wiped when it moves on or is dropped.
enum Step {
    /// The terminal, before the chip's nonce.
    Nonce {
        k_pi: Zeroizing<Vec<u8>>,
    },
    /// The chip, its nonce sent, before the terminal's mapping key.
    NonceSent {
        nonce: Zeroizing<Vec<u8>>,
    },
    /// The chip, the generator mapped, before the terminal's ephemeral key.
    Mapped {
        generator: Vec<u8>,
        mapping_private: Zeroizing<Vec<u8>>,
    },
    Mapping {
        nonce: Zeroizing<Vec<u8>>,
        private: Zeroizing<Vec<u8>>,
        public: Vec<u8>,
    },
    Ephemeral {
        private: Zeroizing<Vec<u8>>,
        public: Vec<u8>,
        chip_mapping_public: Vec<u8>,
    },
    Keyed {
        own_public: Vec<u8>,
        other_public: Vec<u8>,
        channel: Box<SecureChannel>,
        keys: pace_keys::SessionKeys,
        /// The chip's mapping key, for chip authentication mapping: its public half on the
        /// terminal's side, its private half on the chip's.
        chip_mapping: Zeroizing<Vec<u8>>,
    },
    Done,
}

/// The terminal's half. Each method takes the chip's last answer (and this side's random
/// key for the step) and gives what to send next.
pub struct Terminal {
    suite: Suite,
    step: Step,
}

impl Terminal {
    pub fn new(info: &PaceInfo, password: &PacePassword) -> Result<Terminal, PaceError> {
        let suite = Suite::of(info)?;
        let k_pi = Zeroizing::new(password.key(suite.cipher));
        Ok(Terminal {
            suite,
            step: Step::Nonce { k_pi },
        })
    }

    pub fn curve(&self) -> DomainParameters {
        self.suite.curve
    }

    /// The chip's encrypted nonce in; the terminal's mapping public key out.
    pub fn mapping_key(
        &mut self,
        encrypted_nonce: &[u8],
        private: Zeroizing<Vec<u8>>,
    ) -> Result<Vec<u8>, PaceError> {
        let Step::Nonce { k_pi } = &self.step else {
            return Err(PaceError::OutOfOrder);
        };
        let nonce = Zeroizing::new(pace_keys::decrypt_nonce(
            k_pi,
            self.suite.cipher,
            encrypted_nonce,
        )?);
        let public = pace_mapping::public_key(self.suite.curve, &private)?;
        self.step = Step::Mapping {
            nonce,
            private,
            public: public.clone(),
        };
        Ok(public)
    }

    /// The chip's mapping public key in; the terminal's ephemeral public key out.
    pub fn ephemeral_key(
        &mut self,
        chip_mapping_public: &[u8],
        private: Zeroizing<Vec<u8>>,
    ) -> Result<Vec<u8>, PaceError> {
        let Step::Mapping {
            nonce,
            private: mapping_private,
            public: mapping_public,
        } = &self.step
        else {
            return Err(PaceError::OutOfOrder);
        };
        if chip_mapping_public == mapping_public.as_slice() {
            return Err(PaceError::Reflected);
        }
        let generator = pace_mapping::mapped_generator(
            self.suite.curve,
            nonce,
            mapping_private,
            chip_mapping_public,
        )?;
        let public = pace_mapping::public_key_on(self.suite.curve, &generator, &private)?;
        self.step = Step::Ephemeral {
            private,
            public: public.clone(),
            chip_mapping_public: chip_mapping_public.to_vec(),
        };
        Ok(public)
    }

    /// The chip's ephemeral public key in; the terminal's token out.
    pub fn token(&mut self, chip_public: &[u8]) -> Result<[u8; 8], PaceError> {
        let Step::Ephemeral {
            private,
            public,
            chip_mapping_public,
        } = &self.step
        else {
            return Err(PaceError::OutOfOrder);
        };
        if chip_public == public.as_slice() {
            return Err(PaceError::Reflected);
        }
        let secret = Zeroizing::new(pace_mapping::shared_secret(
            self.suite.curve,
            private,
            chip_public,
        )?);
        let (channel, keys) = pace_keys::session(&secret, self.suite.cipher);
        let token = self.suite.token(&keys.k_mac, chip_public);
        self.step = Step::Keyed {
            own_public: public.clone(),
            other_public: chip_public.to_vec(),
            channel: Box::new(channel),
            keys,
            chip_mapping: Zeroizing::new(chip_mapping_public.clone()),
        };
        Ok(token)
    }

    /// Whether this exchange is chip authentication mapping (its last answer carries 8A).
    pub fn chip_authentication_mapping(&self) -> bool {
        self.suite.cam
    }

    /// The chip's token (and, for chip authentication mapping, its encrypted chip
    /// authentication data) in; the secure channel out when the token proves the chip knew the
    /// password, with what remains to check of chip authentication mapping.
    pub fn finish(
        &mut self,
        chip_token: &[u8],
        encrypted_chip_data: Option<&[u8]>,
    ) -> Result<(SecureChannel, Option<CamProof>), PaceError> {
        let Step::Keyed {
            own_public,
            keys,
            chip_mapping,
            ..
        } = &self.step
        else {
            return Err(PaceError::OutOfOrder);
        };
        let expected = self.suite.token(&keys.k_mac, own_public);
        if !pace_token::same_token(&expected, chip_token) {
            return Err(PaceError::WrongToken);
        }
        let proof = if self.suite.cam {
            let chip_data = encrypted_chip_data
                .and_then(|data| pace_cam::decrypt_chip_data(&keys.k_enc, data))
                .ok_or(PaceError::ChipData)?;
            Some(CamProof {
                curve: self.suite.curve,
                chip_mapping_public: chip_mapping.to_vec(),
                chip_data,
            })
        } else {
            None
        };
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Keyed { channel, .. } => Ok((*channel, proof)),
            _ => Err(PaceError::OutOfOrder),
        }
    }
}

/// The chip's last answer: its token, the session, and for chip authentication mapping the
/// encrypted chip authentication data (8A).
pub struct ChipFinish {
    pub token: [u8; 8],
    pub channel: SecureChannel,
    pub chip_data: Option<Vec<u8>>,
}

/// The chip's half, mirrored: the nonce first, then an answer to each terminal message.
pub struct Chip {
    suite: Suite,
    step: Step,
    encrypted_nonce: Vec<u8>,
}

impl Chip {
    /// Starts an exchange with the password the terminal named and a fresh `nonce`.
    pub fn new(info: &PaceInfo, password: &PacePassword, nonce: &[u8]) -> Result<Chip, PaceError> {
        let suite = Suite::of(info)?;
        let k_pi = Zeroizing::new(password.key(suite.cipher));
        let encrypted_nonce = pace_keys::encrypt_nonce(&k_pi, suite.cipher, nonce)?;
        Ok(Chip {
            suite,
            step: Step::NonceSent {
                nonce: Zeroizing::new(nonce.to_vec()),
            },
            encrypted_nonce,
        })
    }

    pub fn curve(&self) -> DomainParameters {
        self.suite.curve
    }

    pub fn encrypted_nonce(&self) -> &[u8] {
        &self.encrypted_nonce
    }

    /// The terminal's mapping public key in; the chip's out.
    pub fn mapping_key(
        &mut self,
        terminal_public: &[u8],
        private: Zeroizing<Vec<u8>>,
    ) -> Result<Vec<u8>, PaceError> {
        let Step::NonceSent { nonce } = &self.step else {
            return Err(PaceError::OutOfOrder);
        };
        let own = pace_mapping::public_key(self.suite.curve, &private)?;
        if own == terminal_public {
            return Err(PaceError::Reflected);
        }
        let generator =
            pace_mapping::mapped_generator(self.suite.curve, nonce, &private, terminal_public)?;
        self.step = Step::Mapped {
            generator,
            mapping_private: private,
        };
        Ok(own)
    }

    /// The terminal's ephemeral public key in; the chip's out (the session keys are agreed).
    pub fn ephemeral_key(
        &mut self,
        terminal_public: &[u8],
        private: Zeroizing<Vec<u8>>,
    ) -> Result<Vec<u8>, PaceError> {
        let Step::Mapped {
            generator,
            mapping_private,
        } = &self.step
        else {
            return Err(PaceError::OutOfOrder);
        };
        let own = pace_mapping::public_key_on(self.suite.curve, generator, &private)?;
        if own == terminal_public {
            return Err(PaceError::Reflected);
        }
        let secret = Zeroizing::new(pace_mapping::shared_secret(
            self.suite.curve,
            &private,
            terminal_public,
        )?);
        let (channel, keys) = pace_keys::session(&secret, self.suite.cipher);
        self.step = Step::Keyed {
            own_public: own.clone(),
            other_public: terminal_public.to_vec(),
            channel: Box::new(channel),
            keys,
            chip_mapping: mapping_private.clone(),
        };
        Ok(own)
    }

    /// The terminal's token in; the chip's token, the secure channel and, for chip
    /// authentication mapping, the encrypted chip authentication data from the chip's
    /// `static_private` key out when the terminal knew the password (`WrongToken` otherwise).
    pub fn finish(
        &mut self,
        terminal_token: &[u8],
        static_private: Option<&[u8]>,
    ) -> Result<ChipFinish, PaceError> {
        let Step::Keyed {
            own_public,
            other_public,
            keys,
            chip_mapping,
            ..
        } = &self.step
        else {
            return Err(PaceError::OutOfOrder);
        };
        let expected = self.suite.token(&keys.k_mac, own_public);
        if !pace_token::same_token(&expected, terminal_token) {
            self.step = Step::Done;
            return Err(PaceError::WrongToken);
        }
        let token = self.suite.token(&keys.k_mac, other_public);
        let chip_data = if self.suite.cam {
            let private = static_private.ok_or(PaceError::ChipData)?;
            Some(pace_cam::encrypted_chip_data(
                self.suite.curve,
                &keys.k_enc,
                private,
                chip_mapping,
            )?)
        } else {
            None
        };
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Keyed { channel, .. } => Ok(ChipFinish {
                token,
                channel: *channel,
                chip_data,
            }),
            _ => Err(PaceError::OutOfOrder),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::apdu::Response;
    use crate::identity::card_access;
    use crate::identity::test_vectors::{self as g1, hex, sec1};

    fn secret(text: &str) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(hex(text))
    }

    fn worked_example_offer() -> PaceInfo {
        card_access::parse(&hex(g1::CARD_ACCESS)).unwrap().remove(0)
    }

    /// ICAO 9303-11 appendix G.1 end to end: both halves, given the example's random numbers,
    /// send exactly the example's messages and open the same channel.
    #[test]
    fn the_worked_example_runs_between_terminal_and_chip() {
        let offer = worked_example_offer();
        let password = PacePassword::Mrz(g1::MRZ.into());
        let set_at = set_at(&offer, &password, None);
        assert_eq!(
            hex::encode_upper(set_at.to_bytes()),
            "0022C1A40F800A04007F00070202040202830101"
        );
        assert_eq!(
            parse_set_at(&set_at.data).unwrap(),
            SetAt {
                protocol: offer.protocol,
                password_reference: 1,
                parameter_id: None
            }
        );

        let mut chip = Chip::new(&offer, &password, &hex(g1::NONCE)).unwrap();
        let mut terminal = Terminal::new(&offer, &password).unwrap();
        assert_eq!(chip.encrypted_nonce(), hex(g1::NONCE_ENCRYPTED));

        let pk_map_pcd = terminal
            .mapping_key(chip.encrypted_nonce(), secret(g1::SK_MAP_PCD))
            .unwrap();
        assert_eq!(pk_map_pcd, sec1(g1::PK_MAP_PCD));
        let pk_map_picc = chip
            .mapping_key(&pk_map_pcd, secret(g1::SK_MAP_PICC))
            .unwrap();
        assert_eq!(pk_map_picc, sec1(g1::PK_MAP_PICC));

        let pk_pcd = terminal
            .ephemeral_key(&pk_map_picc, secret(g1::SK_PCD))
            .unwrap();
        assert_eq!(pk_pcd, sec1(g1::PK_PCD));
        let pk_picc = chip.ephemeral_key(&pk_pcd, secret(g1::SK_PICC)).unwrap();
        assert_eq!(pk_picc, sec1(g1::PK_PICC));

        let t_pcd = terminal.token(&pk_picc).unwrap();
        assert_eq!(t_pcd.to_vec(), hex(g1::T_PCD));
        let finish = chip.finish(&t_pcd, None).unwrap();
        let (t_picc, mut chip_channel) = (finish.token, finish.channel);
        assert_eq!(t_picc.to_vec(), hex(g1::T_PICC));
        let (mut channel, cam) = terminal.finish(&t_picc, None).unwrap();
        assert!(cam.is_none());

        // The first protected command goes through and back on both sides.
        let select = Command::select_application(&crate::devices::card_reader::EMRTD_AID);
        let wire = channel.protect(&select);
        assert_eq!(chip_channel.unprotect_command(&wire).unwrap(), select);
        let answer = chip_channel.protect_response(&Response::status(0x9000));
        assert_eq!(channel.unprotect(&answer).unwrap().sw, 0x9000);
        assert_eq!(channel.ssc(), 2);
    }

    /// A real New Zealand passport's PACE (ECDH generic mapping, brainpoolP256r1, 3DES, the
    /// MRZ as password), as recorded with the terminal's keys fixed (in gmrtd's test suite):
    /// given the same keys, this terminal sends the same keys and token, accepts the chip's
    /// token, and derives the session keys that recording states.
    #[test]
    fn a_real_passports_3des_exchange_replays() {
        let offer = card_access::parse(&hex("31143012060a04007f0007020204020102010202010d"))
            .unwrap()
            .remove(0);
        assert_eq!(offer.cipher, Cipher::Des3);
        let mrz =
            crate::identity::access_key::mrz_information("LM277954", "781214", "271115").unwrap();
        let password = PacePassword::Mrz(mrz);
        let mut terminal = Terminal::new(&offer, &password).unwrap();
        let pk_map = terminal
            .mapping_key(
                &hex("b88382812290017af1cc906ff00e7f4d"),
                secret("2808272c0ec20e01a3450030ef32855e9feb5cb17719e985389b1cf47609e69f"),
            )
            .unwrap();
        assert_eq!(
            pk_map,
            hex(
                "047706b2b6246ab4612229b8a11212ddba7fea0568c9c0975dee22c0e3dd3a3f0321e8afee836e373b570d24000d56fb195104d486e63321ff8c819dd5ee018dcb"
            )
        );
        let pk = terminal
            .ephemeral_key(
                &hex("04780b4edec9b926f9f964fad826d9990a667608d96ba7b397ae8609b6533e0d036d148365ddf4e5ff6611c2b62aa17fc9899f327bc929db543e7abd0ee724e4be"),
                secret("8f89449052df6c7983750c7b042c3cea12b36819174424c7cd28153f7b70b402"),
            )
            .unwrap();
        assert_eq!(
            pk,
            hex(
                "04507a0156efae8fb8acc519036c0b2fe0393c878744c7f91878ee4e07a41412ba5c0753d68a44a91e9f57f3f992ab689e6c2065d3b2a27c3658a4fd632931ee38"
            )
        );
        let token = terminal
            .token(&hex("042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b"))
            .unwrap();
        assert_eq!(token.to_vec(), hex("8d7c617d43efe09e"));
        let (mut channel, _) = terminal.finish(&hex("cb57047c809079f6"), None).unwrap();
        // The recorded session keys, counter 0: the same protected command.
        let mut keys = crate::identity::access_key::BacKeys {
            k_enc: [0; 16],
            k_mac: [0; 16],
        };
        keys.k_enc
            .copy_from_slice(&hex("430e4c8c38dfefaed92067b919a897f8"));
        keys.k_mac
            .copy_from_slice(&hex("c1bc1f075797b970b5a45e64a764b0cb"));
        let mut recorded = SecureChannel::new(keys, 0);
        let select = Command::select_application(&crate::devices::card_reader::EMRTD_AID);
        assert_eq!(channel.protect(&select), recorded.protect(&select));
    }

    /// Appendix G.2 (DH generic mapping, 1024-bit group, AES-128) through the terminal.
    #[test]
    fn the_dh_worked_example_runs_through_the_terminal() {
        use crate::identity::test_vectors::g2;
        let offer = PaceInfo::dh_generic(Cipher::Aes(128), DomainParameters::Modp1024_160);
        assert_eq!(offer.protocol, Oid::new_unwrap(g2::PROTOCOL));
        let password = PacePassword::Mrz(g1::MRZ.into());
        let mut terminal = Terminal::new(&offer, &password).unwrap();
        let pk_map = terminal
            .mapping_key(&hex(g2::NONCE_ENCRYPTED), secret(g2::SK_MAP_PCD))
            .unwrap();
        assert_eq!(pk_map, hex(g2::PK_MAP_PCD));
        let pk = terminal
            .ephemeral_key(&hex(g2::PK_MAP_PICC), secret(g2::SK_PCD))
            .unwrap();
        assert_eq!(pk, hex(g2::PK_PCD));
        let t = terminal.token(&hex(g2::PK_PICC)).unwrap();
        assert_eq!(t.to_vec(), hex(g2::T_PCD));
        assert!(terminal.finish(&hex(g2::T_PICC), None).is_ok());
        // And the chip's side runs DH against the terminal on every group.
        let can = PacePassword::Can("047064".into());
        for group in [
            DomainParameters::Modp1024_160,
            DomainParameters::Modp2048_224,
            DomainParameters::Modp2048_256,
        ] {
            let offer = PaceInfo::dh_generic(Cipher::Aes(256), group);
            let (mut reader, mut card) = exchange(&offer, &can, &can).unwrap();
            let read = Command::read_binary(0, 4);
            assert_eq!(
                card.unprotect_command(&reader.protect(&read)).unwrap(),
                read
            );
        }
    }

    #[test]
    fn the_general_authenticate_messages_are_chained_and_wrapped() {
        let first = general_authenticate(&[], false);
        assert_eq!(hex::encode_upper(first.to_bytes()), "10860000027C0000");
        let last = general_authenticate(&[(TAG_TOKEN_TERMINAL, &hex(g1::T_PCD))], true);
        assert_eq!(
            hex::encode_upper(last.to_bytes()),
            "008600000C7C0A8508C2B0BD78D94BA86600"
        );
        let answer = tlv::encode(0x7C, &tlv::encode(0x86, &hex(g1::T_PICC)));
        assert_eq!(
            dynamic_object(&answer, TAG_TOKEN_CHIP, "token").unwrap(),
            hex(g1::T_PICC)
        );
        for broken in [&answer[..answer.len() - 1], &answer[2..], &[0x7C, 0][..]] {
            assert!(dynamic_object(broken, TAG_TOKEN_CHIP, "token").is_err());
        }
        let mut trailing = answer.clone();
        trailing.push(0);
        assert!(dynamic_object(&trailing, TAG_TOKEN_CHIP, "token").is_err());
    }

    /// Runs a whole exchange with fresh random keys; the chip's password may differ.
    fn exchange(
        offer: &PaceInfo,
        terminal_password: &PacePassword,
        chip_password: &PacePassword,
    ) -> Result<(SecureChannel, SecureChannel), PaceError> {
        let curve = runnable(offer)?;
        let key = || pace_mapping::random_private_key(curve).unwrap();
        let mut chip = Chip::new(offer, chip_password, &[0x5A; NONCE_LENGTH])?;
        let mut terminal = Terminal::new(offer, terminal_password)?;
        let a = terminal.mapping_key(chip.encrypted_nonce(), key())?;
        let b = chip.mapping_key(&a, key())?;
        let c = terminal.ephemeral_key(&b, key())?;
        let d = chip.ephemeral_key(&c, key())?;
        let t = terminal.token(&d)?;
        let finish = chip.finish(&t, None)?;
        Ok((terminal.finish(&finish.token, None)?.0, finish.channel))
    }

    #[test]
    fn every_cipher_and_curve_opens_a_working_channel_with_the_right_can_only() {
        let can = PacePassword::Can("047064".into());
        for cipher in [
            Cipher::Des3,
            Cipher::Aes(128),
            Cipher::Aes(192),
            Cipher::Aes(256),
        ] {
            for curve in [
                DomainParameters::BrainpoolP256r1,
                DomainParameters::BrainpoolP384r1,
                DomainParameters::NistP256,
                DomainParameters::NistP384,
            ] {
                let offer = PaceInfo::ecdh_generic(cipher, curve);
                let (mut reader, mut card) = exchange(&offer, &can, &can).unwrap();
                let read = Command::read_binary(0, 4);
                assert_eq!(
                    card.unprotect_command(&reader.protect(&read)).unwrap(),
                    read
                );
                let wrong = PacePassword::Can("047065".into());
                assert_eq!(
                    exchange(&offer, &wrong, &can).err(),
                    Some(PaceError::WrongToken),
                    "{cipher:?} {curve:?}"
                );
            }
        }
    }

    #[test]
    fn unsupported_offers_steps_out_of_order_and_reflected_keys_are_refused() {
        let mut offer = PaceInfo::ecdh_generic(Cipher::Aes(128), DomainParameters::BrainpoolP320r1);
        assert!(matches!(runnable(&offer), Err(PaceError::Unsupported(_))));
        offer.parameters = Some(DomainParameters::BrainpoolP256r1);
        for (agreement, mapping, cipher) in [
            (KeyAgreement::Dh, Mapping::Generic, Cipher::Aes(128)),
            (KeyAgreement::Ecdh, Mapping::Integrated, Cipher::Aes(128)),
            // Chip authentication mapping is ECDH with AES only.
            (
                KeyAgreement::Ecdh,
                Mapping::ChipAuthentication,
                Cipher::Des3,
            ),
            (
                KeyAgreement::Dh,
                Mapping::ChipAuthentication,
                Cipher::Aes(128),
            ),
        ] {
            let other = PaceInfo {
                agreement,
                mapping,
                cipher,
                ..offer.clone()
            };
            assert!(matches!(runnable(&other), Err(PaceError::Unsupported(_))));
        }
        let cam = PaceInfo {
            mapping: Mapping::ChipAuthentication,
            ..offer.clone()
        };
        assert_eq!(runnable(&cam), Ok(DomainParameters::BrainpoolP256r1));
        let can = PacePassword::Can("123456".into());
        let mut terminal = Terminal::new(&offer, &can).unwrap();
        assert_eq!(terminal.token(&[4; 65]), Err(PaceError::OutOfOrder));
        assert_eq!(
            terminal.finish(&[0; 8], None).err(),
            Some(PaceError::OutOfOrder)
        );
        let key = || pace_mapping::random_private_key(DomainParameters::BrainpoolP256r1).unwrap();
        let mine = terminal.mapping_key(&[1; 16], key()).unwrap();
        assert_eq!(
            terminal.ephemeral_key(&mine, key()),
            Err(PaceError::Reflected)
        );
        assert!(matches!(
            terminal.ephemeral_key(&[4, 1, 2], key()),
            Err(PaceError::Mapping(MappingError::NotOnCurve))
        ));
        let mut chip = Chip::new(&offer, &can, &[1; 16]).unwrap();
        assert!(matches!(
            chip.finish(&[0; 8], None),
            Err(PaceError::OutOfOrder)
        ));
        assert!(Chip::new(&offer, &can, &[1; 15]).is_err());
    }
}
