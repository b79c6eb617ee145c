//! ICAO 9303 part 11 §9.8 secure messaging: commands and responses wrapped in DO87
//! (encrypted data), DO97 (Le), DO99 (status) and DO8E (a MAC over the send-sequence counter
//! and the objects), both directions — the reader's (`protect`, `unprotect`) and the card's
//! (`unprotect_command`, `protect_response`, used by the chip simulator). After BAC: 3DES-CBC
//! with a zero IV and the retail MAC, an 8-byte counter. After PACE with AES: AES-CBC whose IV
//! is the counter encrypted, AES-CMAC cut to 8 bytes, a 16-byte counter starting at 0.
//! Ciphers come from RustCrypto (`des`, `aes`, `cbc`, `retail-mac`, `cmac`); this file only
//! lays out the bytes. Keys are wiped on drop and never logged.

use crate::identity::access_key::BacKeys;
use crate::identity::apdu::{Command, Response};
use crate::identity::tlv;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use retail_mac::{KeyInit, Mac, RetailMac};
use thiserror::Error;

type TdesCbcEnc = cbc::Encryptor<des::TdesEde2>;
type TdesCbcDec = cbc::Decryptor<des::TdesEde2>;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmError {
    #[error("the card answered without secure messaging (status {0:04X}): the session ended")]
    Unprotected(u16),
    #[error("the secure-messaging MAC does not match")]
    BadMac,
    #[error("malformed secure-messaging data: {0}")]
    Malformed(&'static str),
}

/// The largest plain READ BINARY whose protected answer fits a short response APDU under AES
/// (and under any session: the 256 bytes hold DO87's 4-byte head, DO99 and DO8E — 18 bytes —
/// and the padded data, so 223 plain bytes with 16-byte blocks, 231 with 3DES's 8).
pub const MAX_SHORT_PLAIN_READ: usize = 0xDF;
/// The same under 3DES.
pub const MAX_SHORT_PLAIN_READ_3DES: usize = 0xE7;

/// ISO 9797-1 padding method 2: `80` then zeros up to a multiple of 8.
pub fn pad(data: &[u8]) -> Vec<u8> {
    pad_to(data, 8)
}

/// Method-2 padding to a multiple of `block` bytes.
pub(crate) fn pad_to(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    out.push(0x80);
    while !out.len().is_multiple_of(block) {
        out.push(0);
    }
    out
}

/// Removes method-2 padding; `None` when it is not there.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|b| *b != 0)?;
    (data[end] == 0x80).then(|| &data[..end])
}

/// The retail MAC (ISO 9797-1 algorithm 3, DES) of already padded data.
pub fn retail_mac(key: &[u8; 16], padded: &[u8]) -> [u8; 8] {
    let mut mac = <RetailMac<des::Des> as KeyInit>::new_from_slice(key).expect("16-byte key");
    mac.update(padded);
    mac.finalize().into_bytes().into()
}

fn blocks_mut(data: &mut [u8]) -> impl Iterator<Item = &mut [u8; 8]> {
    data.chunks_exact_mut(8)
        .map(|c| c.try_into().expect("8-byte chunk"))
}

/// Two-key 3DES in CBC mode with a zero IV over data whose length is a multiple of 8.
pub fn tdes_encrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    debug_assert!(data.len().is_multiple_of(8));
    let mut out = data.to_vec();
    let mut enc = TdesCbcEnc::new(key.into(), &[0u8; 8].into());
    for block in blocks_mut(&mut out) {
        enc.encrypt_block(block.into());
    }
    out
}

pub fn tdes_decrypt(key: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(8) {
        return None;
    }
    let mut out = data.to_vec();
    let mut dec = TdesCbcDec::new(key.into(), &[0u8; 8].into());
    for block in blocks_mut(&mut out) {
        dec.decrypt_block(block.into());
    }
    Some(out)
}

/// The session keys, by cipher.
enum SessionKeys {
    /// After BAC (or PACE with 3DES): two-key 3DES.
    Des3(BacKeys),
    /// After PACE with AES: K_enc and K_mac of 16, 24 or 32 bytes.
    Aes { enc: Vec<u8>, mac: Vec<u8> },
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        if let SessionKeys::Aes { enc, mac } = self {
            zeroize::Zeroize::zeroize(enc);
            zeroize::Zeroize::zeroize(mac);
        }
    }
}

/// AES-CBC over whole blocks with `iv`, or AES of one block (the IV), or AES-CMAC, by key
/// length; None when the key is not 16, 24 or 32 bytes.
macro_rules! with_aes {
    ($key:expr, $cipher:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $cipher = aes::Aes128;
                Some($body)
            }
            24 => {
                type $cipher = aes::Aes192;
                Some($body)
            }
            32 => {
                type $cipher = aes::Aes256;
                Some($body)
            }
            _ => None,
        }
    };
}

pub(crate) fn aes_cbc(key: &[u8], iv: &[u8; 16], data: &mut [u8], encrypt: bool) -> Option<()> {
    if !data.len().is_multiple_of(16) {
        return None;
    }
    with_aes!(key, C => {
        if encrypt {
            let mut mode = cbc::Encryptor::<C>::new_from_slices(key, iv).ok()?;
            for block in data.chunks_exact_mut(16) {
                mode.encrypt_block(block.try_into().ok()?);
            }
        } else {
            let mut mode = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
            for block in data.chunks_exact_mut(16) {
                mode.decrypt_block(block.try_into().ok()?);
            }
        }
    })
}

/// AES-CMAC of `data`, cut to its first 8 bytes.
pub(crate) fn aes_cmac8(key: &[u8], data: &[u8]) -> Option<[u8; 8]> {
    use cmac::{KeyInit as _, Mac as _};
    with_aes!(key, C => {
        let mut mac = <cmac::Cmac<C>>::new_from_slice(key).ok()?;
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 8];
        out.copy_from_slice(&full[..8]);
        out
    })
}

/// A secure-messaging session: session keys and the send-sequence counter.
pub struct SecureChannel {
    keys: SessionKeys,
    ssc: u128,
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel(..)")
    }
}

fn le_object(le: usize) -> Vec<u8> {
    if le > 256 {
        tlv::encode(0x97, &((le % 65536) as u16).to_be_bytes())
    } else {
        tlv::encode(0x97, &[(le % 256) as u8])
    }
}

impl SecureChannel {
    /// After BAC: 3DES with the counter BAC's challenges made.
    pub fn new(keys: BacKeys, ssc: u64) -> SecureChannel {
        SecureChannel {
            keys: SessionKeys::Des3(keys),
            ssc: u128::from(ssc),
        }
    }

    /// After PACE with AES: the session keys (16, 24 or 32 bytes each), the counter at 0;
    /// None when a key has another length or the two differ.
    pub fn aes(k_enc: Vec<u8>, k_mac: Vec<u8>) -> Option<SecureChannel> {
        (matches!(k_enc.len(), 16 | 24 | 32) && k_enc.len() == k_mac.len()).then_some(
            SecureChannel {
                keys: SessionKeys::Aes {
                    enc: k_enc,
                    mac: k_mac,
                },
                ssc: 0,
            },
        )
    }

    pub fn ssc(&self) -> u128 {
        self.ssc
    }

    /// The largest plain READ BINARY whose protected answer still fits a short response.
    pub fn max_short_read(&self) -> usize {
        match self.keys {
            SessionKeys::Des3(_) => MAX_SHORT_PLAIN_READ_3DES,
            SessionKeys::Aes { .. } => MAX_SHORT_PLAIN_READ,
        }
    }

    /// The cipher's block: what padding and the counter are as long as.
    fn block(&self) -> usize {
        match self.keys {
            SessionKeys::Des3(_) => 8,
            SessionKeys::Aes { .. } => 16,
        }
    }

    /// The counter as the MAC and the AES IV take it: 8 bytes for 3DES, 16 for AES.
    fn ssc_bytes(&self) -> Vec<u8> {
        let all = self.ssc.to_be_bytes();
        all[16 - self.block()..].to_vec()
    }

    fn mac_over(&mut self, parts: &[&[u8]]) -> [u8; 8] {
        let mut input = self.ssc_bytes();
        for part in parts {
            input.extend_from_slice(part);
        }
        match &self.keys {
            SessionKeys::Des3(keys) => retail_mac(&keys.k_mac, &pad(&input)),
            SessionKeys::Aes { mac, .. } => {
                aes_cmac8(mac, &pad_to(&input, 16)).expect("an AES key of a checked length")
            }
        }
    }

    fn header_block(&self, cmd: &Command) -> Vec<u8> {
        pad_to(&[cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2], self.block())
    }

    /// AES's IV for this counter: the counter encrypted with K_enc.
    fn aes_iv(&self, enc: &[u8]) -> [u8; 16] {
        use cbc::cipher::BlockCipherEncrypt as _;
        let mut iv: [u8; 16] = self.ssc.to_be_bytes();
        with_aes!(enc, C => {
            let cipher = <C as cbc::cipher::KeyInit>::new_from_slice(enc)
                .expect("an AES key of a checked length");
            cipher.encrypt_block((&mut iv).into());
        });
        iv
    }

    fn encrypted_object(&self, plain: &[u8]) -> Vec<u8> {
        let mut value = vec![0x01];
        match &self.keys {
            SessionKeys::Des3(keys) => value.extend(tdes_encrypt(&keys.k_enc, &pad(plain))),
            SessionKeys::Aes { enc, .. } => {
                let mut data = pad_to(plain, 16);
                aes_cbc(enc, &self.aes_iv(enc), &mut data, true)
                    .expect("an AES key of a checked length");
                value.extend(data);
            }
        }
        tlv::encode(0x87, &value)
    }

    fn decrypt_object(&self, do87: &[u8]) -> Result<Vec<u8>, SmError> {
        let (first, cipher) = do87.split_first().ok_or(SmError::Malformed("empty DO87"))?;
        if *first != 0x01 {
            return Err(SmError::Malformed("DO87 without padding indicator 01"));
        }
        let not_blocks = SmError::Malformed("DO87 not a whole number of blocks");
        let plain = match &self.keys {
            SessionKeys::Des3(keys) => tdes_decrypt(&keys.k_enc, cipher).ok_or(not_blocks)?,
            SessionKeys::Aes { enc, .. } => {
                let mut data = cipher.to_vec();
                aes_cbc(enc, &self.aes_iv(enc), &mut data, false).ok_or(not_blocks)?;
                data
            }
        };
        unpad(&plain)
            .map(<[u8]>::to_vec)
            .ok_or(SmError::Malformed("DO87 padding"))
    }

    /// The reader's side: wraps a plain command.
    pub fn protect(&mut self, cmd: &Command) -> Command {
        self.ssc = self.ssc.wrapping_add(1);
        let do87 = if cmd.data.is_empty() {
            Vec::new()
        } else {
            self.encrypted_object(&cmd.data)
        };
        let do97 = cmd.le.map(le_object).unwrap_or_default();
        let header = self.header_block(cmd);
        let mac = self.mac_over(&[&header, &do87, &do97]);
        let mut data = do87;
        data.extend(do97);
        data.extend(tlv::encode(0x8E, &mac));
        // A protected answer adds DO87's head and padding, DO99 and DO8E: past
        // `max_short_read` plain bytes it no longer fits a short response, so the APDU goes
        // extended.
        let extended = cmd.le.is_some_and(|le| le > self.max_short_read()) || data.len() > 255;
        Command {
            cla: cmd.cla | 0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le: Some(if extended { 65536 } else { 256 }),
        }
    }

    /// The reader's side: checks and opens a protected response.
    pub fn unprotect(&mut self, response: &Response) -> Result<Response, SmError> {
        self.ssc = self.ssc.wrapping_add(1);
        if response.data.is_empty() {
            return Err(SmError::Unprotected(response.sw));
        }
        let objects =
            tlv::children(&response.data).map_err(|_| SmError::Malformed("response TLVs"))?;
        let mut covered = Vec::new();
        let (mut do87, mut do99, mut mac) = (None, None, None);
        for object in &objects {
            match object.tag {
                0x87 => {
                    do87 = Some(object.value);
                    covered.extend(tlv::encode(0x87, object.value));
                }
                0x99 => {
                    do99 = Some(object.value);
                    covered.extend(tlv::encode(0x99, object.value));
                }
                0x8E => mac = Some(object.value),
                _ => return Err(SmError::Malformed("unknown data object in the response")),
            }
        }
        let mac = mac.ok_or(SmError::Malformed("no MAC in the response"))?;
        let do99 = do99.ok_or(SmError::Malformed("no status object in the response"))?;
        if self.mac_over(&[&covered]) != mac {
            return Err(SmError::BadMac);
        }
        let sw: [u8; 2] = do99
            .try_into()
            .map_err(|_| SmError::Malformed("DO99 length"))?;
        let data = match do87 {
            Some(value) => self.decrypt_object(value)?,
            None => Vec::new(),
        };
        Ok(Response {
            data,
            sw: u16::from_be_bytes(sw),
        })
    }

    /// The card's side: checks and opens a protected command.
    pub fn unprotect_command(&mut self, cmd: &Command) -> Result<Command, SmError> {
        self.ssc = self.ssc.wrapping_add(1);
        if cmd.cla & 0x0C != 0x0C {
            return Err(SmError::Malformed("command without secure messaging"));
        }
        let objects = tlv::children(&cmd.data).map_err(|_| SmError::Malformed("command TLVs"))?;
        let (mut do87, mut le, mut mac) = (None, None, None);
        let mut covered = self.header_block(cmd);
        for object in &objects {
            match object.tag {
                0x87 => {
                    do87 = Some(object.value);
                    covered.extend(tlv::encode(0x87, object.value));
                }
                0x97 => {
                    le = Some(match object.value {
                        [0] => 256,
                        [b] => *b as usize,
                        [0, 0] => 65536,
                        [a, b] => u16::from_be_bytes([*a, *b]) as usize,
                        _ => return Err(SmError::Malformed("DO97 length")),
                    });
                    covered.extend(tlv::encode(0x97, object.value));
                }
                0x8E => mac = Some(object.value),
                _ => return Err(SmError::Malformed("unknown data object in the command")),
            }
        }
        let mac = mac.ok_or(SmError::Malformed("no MAC in the command"))?;
        if self.mac_over(&[&covered]) != mac {
            return Err(SmError::BadMac);
        }
        Ok(Command {
            cla: cmd.cla & !0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: match do87 {
                Some(value) => self.decrypt_object(value)?,
                None => Vec::new(),
            },
            le,
        })
    }

    /// The card's side: wraps a plain response.
    pub fn protect_response(&mut self, response: &Response) -> Response {
        self.ssc = self.ssc.wrapping_add(1);
        let mut data = if response.data.is_empty() {
            Vec::new()
        } else {
            self.encrypted_object(&response.data)
        };
        data.extend(tlv::encode(0x99, &response.sw.to_be_bytes()));
        let mac = self.mac_over(&[&data]);
        data.extend(tlv::encode(0x8E, &mac));
        Response {
            data,
            sw: response.sw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    fn appendix_d_channel() -> SecureChannel {
        let keys = BacKeys {
            k_enc: h("979EC13B1CBFE9DCD01AB0FED307EAE5").try_into().unwrap(),
            k_mac: h("F1CB1F1FB5ADF208806B89DC579DC1F8").try_into().unwrap(),
        };
        SecureChannel::new(keys, 0x887022120C06C226)
    }

    /// ICAO Doc 9303 part 11 appendix D.4: SELECT EF.COM and two READ BINARYs.
    #[test]
    fn the_standards_worked_example() {
        let mut sm = appendix_d_channel();
        let select = sm.protect(&Command::select_file(0x011E));
        assert_eq!(
            select.to_bytes(),
            h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
        );
        let answer = Response::parse(&h("990290008E08FA855A5D4C50A8ED9000")).unwrap();
        assert_eq!(sm.unprotect(&answer).unwrap(), Response::status(0x9000));

        let read = sm.protect(&Command::read_binary(0, 4));
        assert_eq!(read.to_bytes(), h("0CB000000D9701048E08ED6705417E96BA5500"));
        let answer =
            Response::parse(&h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")).unwrap();
        assert_eq!(sm.unprotect(&answer).unwrap().data, h("60145F01"));

        let read = sm.protect(&Command::read_binary(4, 0x12));
        assert_eq!(read.to_bytes(), h("0CB000040D9701128E082EA28A70F3C7B53500"));
        let answer = Response::parse(&h(
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        ))
        .unwrap();
        assert_eq!(
            sm.unprotect(&answer).unwrap().data,
            h("04303130365F36063034303030305C026175")
        );
        assert_eq!(sm.ssc(), 0x887022120C06C22C);
    }

    /// After PACE with AES-128 (the session keys of ICAO 9303-11 appendix G.1, counter from
    /// 0): SELECT EF.COM and a READ BINARY, the bytes computed independently (Python's
    /// `cryptography`: AES-CBC with the encrypted counter as IV, AES-CMAC cut to 8).
    #[test]
    fn aes_secure_messaging_after_pace() {
        let mut sm = SecureChannel::aes(
            h("F5F0E35C0D7161EE6724EE513A0D9A7F"),
            h("FE251C7858B356B24514B3BD5F4297D1"),
        )
        .unwrap();
        let select = sm.protect(&Command::select_file(0x011E));
        assert_eq!(
            select.to_bytes(),
            h("0CA4020C1D871101EE0E4724F4465C1BE9C2F73ABDD73A3D8E08835D1B54575C955F00")
        );
        let answer = Response::parse(&h("990290008E08BEA7B381C494A0799000")).unwrap();
        assert_eq!(sm.unprotect(&answer).unwrap(), Response::status(0x9000));
        let read = sm.protect(&Command::read_binary(0, 4));
        assert_eq!(read.to_bytes(), h("0CB000000D9701048E08AA6BA54F44DF836400"));
        let answer = Response::parse(&h(
            "871101645C0B1F998A088278D07942BBE94B60990290008E0894A33C6AA2D8CCC89000",
        ))
        .unwrap();
        assert_eq!(sm.unprotect(&answer).unwrap().data, h("60145F01"));
        assert_eq!(sm.ssc(), 4);
        // A changed byte of the answer: refused.
        let mut forged =
            h("871101645C0B1F998A088278D07942BBE94B60990290008E0894A33C6AA2D8CCC89000");
        forged[5] ^= 1;
        let mut sm2 = SecureChannel::aes(vec![1; 16], vec![2; 16]).unwrap();
        sm2.protect(&Command::read_binary(0, 4));
        assert_eq!(
            sm2.unprotect(&Response::parse(&forged).unwrap()),
            Err(SmError::BadMac)
        );
        assert!(SecureChannel::aes(vec![0; 16], vec![0; 24]).is_none());
        assert!(SecureChannel::aes(vec![0; 20], vec![0; 20]).is_none());
    }

    /// A command the reader protects opens on the card, and the card's protected answer opens
    /// at the reader; the answer, for more checks.
    fn round_trip(reader: &mut SecureChannel, card: &mut SecureChannel) -> (Response, Response) {
        let plain = Command::new(0x00, 0xB0, 0x01, 0x00)
            .with_data(vec![1, 2, 3])
            .with_le(0xDF);
        let wire = reader.protect(&plain);
        assert_eq!(card.unprotect_command(&wire).unwrap(), plain);
        let answer = Response {
            data: b"hello chip, twenty bytes".to_vec(),
            sw: 0x9000,
        };
        let protected = card.protect_response(&answer);
        assert_eq!(reader.unprotect(&protected).unwrap(), answer);
        (answer, protected)
    }

    #[test]
    fn the_card_side_mirrors_the_reader_side_with_aes_256() {
        let channel = || SecureChannel::aes(vec![7; 32], vec![9; 32]).unwrap();
        round_trip(&mut channel(), &mut channel());
    }

    #[test]
    fn the_card_side_mirrors_the_reader_side() {
        let (mut reader, mut card) = (appendix_d_channel(), appendix_d_channel());
        let (answer, protected) = round_trip(&mut reader, &mut card);
        // A tampered byte, a replay (stale counter) or a bare status word are all refused.
        let mut tampered = card.protect_response(&answer);
        tampered.data[3] ^= 1;
        assert_eq!(reader.unprotect(&tampered), Err(SmError::BadMac));
        assert_eq!(reader.unprotect(&protected), Err(SmError::BadMac));
        assert_eq!(
            reader.unprotect(&Response::status(0x6988)),
            Err(SmError::Unprotected(0x6988))
        );
    }

    #[test]
    fn padding() {
        assert_eq!(pad(&[1, 2]), [1, 2, 0x80, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8]).len(), 16);
        assert_eq!(unpad(&[1, 0x80, 0]), Some(&[1u8][..]));
        assert_eq!(unpad(&[1, 0, 0]), None);
        assert_eq!(unpad(&[0, 0]), None);
    }
}
