//! Basic Access Control mutual authentication (ICAO 9303 part 11 §4.3): the EXTERNAL
//! AUTHENTICATE cryptogram from the card's challenge, the check of the card's answer, and the
//! session keys and send-sequence counter that follow — for the reader and, mirrored, for the
//! chip simulator. Pure computation: the random numbers come in as arguments, the APDUs are
//! exchanged by the caller.

use crate::identity::access_key::BacKeys;
use crate::identity::secure_messaging::{
    SecureChannel, pad, retail_mac, tdes_decrypt, tdes_encrypt,
};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BacError {
    #[error("the cryptogram's MAC does not match: the access key is wrong")]
    WrongKey,
    #[error("the answer does not echo our challenge")]
    ChallengeMismatch,
    #[error("the cryptogram has the wrong length")]
    BadLength,
}

/// The reader's half of one mutual authentication.
pub struct ReaderAuthentication {
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: [u8; 16],
}

impl Drop for ReaderAuthentication {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.k_ifd);
    }
}

fn encrypt_and_mac(keys: &BacKeys, plain: &[u8]) -> Vec<u8> {
    let mut out = tdes_encrypt(&keys.k_enc, plain);
    let mac = retail_mac(&keys.k_mac, &pad(&out));
    out.extend_from_slice(&mac);
    out
}

fn check_and_decrypt(keys: &BacKeys, cryptogram: &[u8]) -> Result<Vec<u8>, BacError> {
    if cryptogram.len() != 40 {
        return Err(BacError::BadLength);
    }
    let (encrypted, mac) = cryptogram.split_at(32);
    if retail_mac(&keys.k_mac, &pad(encrypted)) != mac {
        return Err(BacError::WrongKey);
    }
    tdes_decrypt(&keys.k_enc, encrypted).ok_or(BacError::BadLength)
}

fn session(k_ifd: &[u8], k_ic: &[u8], rnd_ic: &[u8], rnd_ifd: &[u8]) -> SecureChannel {
    let mut seed = [0u8; 16];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = k_ifd[i] ^ k_ic[i];
    }
    let keys = BacKeys::from_seed(&seed);
    zeroize::Zeroize::zeroize(&mut seed);
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..8]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..8]);
    SecureChannel::new(keys, u64::from_be_bytes(ssc))
}

impl ReaderAuthentication {
    pub fn new(rnd_ic: [u8; 8], rnd_ifd: [u8; 8], k_ifd: [u8; 16]) -> ReaderAuthentication {
        ReaderAuthentication {
            rnd_ic,
            rnd_ifd,
            k_ifd,
        }
    }

    /// The 40 bytes of EXTERNAL AUTHENTICATE: E_IFD ‖ M_IFD.
    pub fn command_data(&self, keys: &BacKeys) -> Vec<u8> {
        let mut s = self.rnd_ifd.to_vec();
        s.extend_from_slice(&self.rnd_ic);
        s.extend_from_slice(&self.k_ifd);
        let out = encrypt_and_mac(keys, &s);
        zeroize::Zeroize::zeroize(&mut s);
        out
    }

    /// Checks the card's answer (E_IC ‖ M_IC) and opens the secure channel.
    pub fn complete(&self, keys: &BacKeys, answer: &[u8]) -> Result<SecureChannel, BacError> {
        let mut r = check_and_decrypt(keys, answer)?;
        if r[..8] != self.rnd_ic || r[8..16] != self.rnd_ifd {
            return Err(BacError::ChallengeMismatch);
        }
        let channel = session(&self.k_ifd, &r[16..32], &self.rnd_ic, &self.rnd_ifd);
        zeroize::Zeroize::zeroize(&mut r);
        Ok(channel)
    }
}

/// The card's half: checks the reader's cryptogram against the challenge it issued and
/// answers with its own, opening the same secure channel.
pub fn card_answer(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    k_ic: &[u8; 16],
    command_data: &[u8],
) -> Result<(Vec<u8>, SecureChannel), BacError> {
    let mut s = check_and_decrypt(keys, command_data)?;
    if s[8..16] != rnd_ic[..] {
        return Err(BacError::ChallengeMismatch);
    }
    let rnd_ifd: [u8; 8] = s[..8].try_into().expect("8 bytes");
    let mut r = rnd_ic.to_vec();
    r.extend_from_slice(&rnd_ifd);
    r.extend_from_slice(k_ic);
    let answer = encrypt_and_mac(keys, &r);
    let channel = session(&s[16..32], k_ic, rnd_ic, &rnd_ifd);
    zeroize::Zeroize::zeroize(&mut s);
    zeroize::Zeroize::zeroize(&mut r);
    Ok((answer, channel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::apdu::Command;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// ICAO Doc 9303 part 11 appendix D.3.
    #[test]
    fn the_standards_worked_example() {
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236");
        let reader = ReaderAuthentication::new(
            h("4608F91988702212"),
            h("781723860C06C226"),
            h("0B795240CB7049B01C19B33E32804F0B"),
        );
        let data = reader.command_data(&keys);
        assert_eq!(
            hex::encode_upper(&data),
            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
        );
        let answer = hex::decode(
            "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449",
        )
        .unwrap();
        let mut channel = reader.complete(&keys, &answer).unwrap();
        assert_eq!(channel.ssc(), 0x887022120C06C226);
        // The session keys are appendix D's: the first protected command matches D.4.
        let select = channel.protect(&Command::select_file(0x011E));
        assert_eq!(
            hex::encode_upper(select.to_bytes()),
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
        );

        // The card's half, given the same numbers, produces the same answer and channel.
        let (card_answer_bytes, card_channel) = card_answer(
            &keys,
            &h("4608F91988702212"),
            &h("0B4F80323EB3191CB04970CB4052790B"),
            &data,
        )
        .unwrap();
        assert_eq!(card_answer_bytes, answer);
        assert_eq!(card_channel.ssc(), 0x887022120C06C226);
    }

    #[test]
    fn a_wrong_key_or_challenge_is_refused() {
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236");
        let wrong = BacKeys::from_mrz_information("L898902C<369080619406247");
        let reader = ReaderAuthentication::new([1; 8], [2; 8], [3; 16]);
        let data = reader.command_data(&wrong);
        assert!(matches!(
            card_answer(&keys, &[1; 8], &[4; 16], &data),
            Err(BacError::WrongKey)
        ));
        let data = reader.command_data(&keys);
        assert!(matches!(
            card_answer(&keys, &[9; 8], &[4; 16], &data),
            Err(BacError::ChallengeMismatch)
        ));
        assert!(matches!(
            card_answer(&keys, &[1; 8], &[4; 16], &data[..39]),
            Err(BacError::BadLength)
        ));
        let (answer, _) = card_answer(&keys, &[1; 8], &[4; 16], &data).unwrap();
        let other = ReaderAuthentication::new([1; 8], [7; 8], [3; 16]);
        assert!(matches!(
            other.complete(&keys, &answer),
            Err(BacError::ChallengeMismatch)
        ));
    }
}
