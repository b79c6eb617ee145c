//! The key material of PACE (ICAO Doc 9303 part 11, §4.4 and §9.7): the password — the card
//! access number (CAN, for a CCCD the last 6 digits of the personal ID, which the printed QR
//! gives) or the MRZ information — its key K_π, the decryption of the chip's nonce with it,
//! and the session keys from the agreed secret. KDF(K, c) = H(K ‖ c) with c = 1 (encryption),
//! 2 (MAC), 3 (K_π): SHA-1 for 3DES (parity set) and AES-128, SHA-256 for AES-192 and
//! AES-256. Pure functions; passwords and keys are personal, wiped on drop, never logged.

use crate::identity::card_access::Cipher;
use crate::identity::secure_messaging::SecureChannel;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// What the resident's card is opened with.
#[derive(Clone, PartialEq, Eq)]
pub enum PacePassword {
    /// The card access number: for a CCCD, the last 6 digits of the 12-digit personal ID.
    Can(String),
    /// The MRZ information (document number, birth and expiry with check digits), as BAC.
    Mrz(String),
}

impl std::fmt::Debug for PacePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PacePassword::Can(_) => "PacePassword::Can(..)",
            PacePassword::Mrz(_) => "PacePassword::Mrz(..)",
        })
    }
}

impl Drop for PacePassword {
    fn drop(&mut self) {
        match self {
            PacePassword::Can(s) | PacePassword::Mrz(s) => zeroize::Zeroize::zeroize(s),
        }
    }
}

impl PacePassword {
    /// The CAN of a CCCD from its 12-digit personal ID (the QR's first field).
    pub fn can_of(personal_id: &crate::core::personal_id::PersonalId) -> PacePassword {
        let digits = personal_id.as_str();
        PacePassword::Can(digits[digits.len().saturating_sub(6)..].to_string())
    }

    /// The password reference MSE:Set AT names (tag 83): 1 for the MRZ, 2 for the CAN.
    pub fn reference(&self) -> u8 {
        match self {
            PacePassword::Mrz(_) => 1,
            PacePassword::Can(_) => 2,
        }
    }

    /// The secret K_π is derived from: the CAN's characters, or SHA-1 of the MRZ information.
    fn secret(&self) -> Vec<u8> {
        match self {
            PacePassword::Can(can) => can.as_bytes().to_vec(),
            PacePassword::Mrz(mrz) => Sha1::digest(mrz.as_bytes()).to_vec(),
        }
    }

    /// K_π, the key the chip's nonce is encrypted with.
    pub fn key(&self, cipher: Cipher) -> Vec<u8> {
        let mut secret = self.secret();
        let key = kdf(&secret, 3, cipher);
        zeroize::Zeroize::zeroize(&mut secret);
        key
    }
}

/// KDF(K, c) for `cipher`: the key of counter `c` (1 encryption, 2 MAC, 3 password).
pub fn kdf(secret: &[u8], counter: u32, cipher: Cipher) -> Vec<u8> {
    match cipher {
        Cipher::Des3 => crate::identity::access_key::derive_3des_key(secret, counter).to_vec(),
        Cipher::Aes(128) => {
            let mut h = Sha1::new();
            h.update(secret);
            h.update(counter.to_be_bytes());
            h.finalize()[..16].to_vec()
        }
        Cipher::Aes(bits) => {
            let mut h = Sha256::new();
            h.update(secret);
            h.update(counter.to_be_bytes());
            h.finalize()[..usize::from(bits / 8).min(32)].to_vec()
        }
    }
}

/// A session's two keys, kept beside its channel: KS_mac for PACE's tokens, KS_enc for chip
/// authentication mapping's encrypted chip data.
pub struct SessionKeys {
    pub k_enc: zeroize::Zeroizing<Vec<u8>>,
    pub k_mac: zeroize::Zeroizing<Vec<u8>>,
}

/// The secure channel an agreed secret opens (PACE, or chip authentication): KS_enc =
/// KDF(K, 1), KS_mac = KDF(K, 2), the counter at 0; with the keys themselves.
pub fn session(secret: &[u8], cipher: Cipher) -> (SecureChannel, SessionKeys) {
    let k_enc = zeroize::Zeroizing::new(kdf(secret, 1, cipher));
    let k_mac = zeroize::Zeroizing::new(kdf(secret, 2, cipher));
    let channel = match cipher {
        Cipher::Des3 => {
            let mut keys = crate::identity::access_key::BacKeys {
                k_enc: [0; 16],
                k_mac: [0; 16],
            };
            keys.k_enc.copy_from_slice(&k_enc);
            keys.k_mac.copy_from_slice(&k_mac);
            SecureChannel::new(keys, 0)
        }
        Cipher::Aes(_) => SecureChannel::aes(k_enc.to_vec(), k_mac.to_vec())
            .expect("KDF gives keys of the cipher's length"),
    };
    (channel, SessionKeys { k_enc, k_mac })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    #[error("the chip's nonce is not a whole number of cipher blocks")]
    NotBlocks,
    #[error("the key does not fit the cipher")]
    BadKey,
}

/// s = D(K_π, z): the chip's encrypted nonce decrypted (CBC, zero IV).
pub fn decrypt_nonce(key: &[u8], cipher: Cipher, encrypted: &[u8]) -> Result<Vec<u8>, NonceError> {
    use crate::identity::secure_messaging::{aes_cbc, tdes_decrypt};
    let block = match cipher {
        Cipher::Des3 => 8,
        Cipher::Aes(_) => 16,
    };
    if encrypted.is_empty() || !encrypted.len().is_multiple_of(block) {
        return Err(NonceError::NotBlocks);
    }
    match cipher {
        Cipher::Des3 => {
            let key: &[u8; 16] = key.try_into().map_err(|_| NonceError::BadKey)?;
            tdes_decrypt(key, encrypted).ok_or(NonceError::NotBlocks)
        }
        Cipher::Aes(bits) if key.len() == usize::from(bits / 8) => {
            let mut nonce = encrypted.to_vec();
            aes_cbc(key, &[0; 16], &mut nonce, false).ok_or(NonceError::BadKey)?;
            Ok(nonce)
        }
        Cipher::Aes(_) => Err(NonceError::BadKey),
    }
}

/// z = E(K_π, s): the chip's side, its nonce encrypted for the terminal (CBC, zero IV).
pub fn encrypt_nonce(key: &[u8], cipher: Cipher, nonce: &[u8]) -> Result<Vec<u8>, NonceError> {
    use crate::identity::secure_messaging::{aes_cbc, tdes_encrypt};
    let block = match cipher {
        Cipher::Des3 => 8,
        Cipher::Aes(_) => 16,
    };
    if nonce.is_empty() || !nonce.len().is_multiple_of(block) {
        return Err(NonceError::NotBlocks);
    }
    match cipher {
        Cipher::Des3 => {
            let key: &[u8; 16] = key.try_into().map_err(|_| NonceError::BadKey)?;
            Ok(tdes_encrypt(key, nonce))
        }
        Cipher::Aes(bits) if key.len() == usize::from(bits / 8) => {
            let mut encrypted = nonce.to_vec();
            aes_cbc(key, &[0; 16], &mut encrypted, true).ok_or(NonceError::BadKey)?;
            Ok(encrypted)
        }
        Cipher::Aes(_) => Err(NonceError::BadKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_vectors::{self as g1, hex};

    /// ICAO 9303-11 appendix G.1 (PACE, ECDH generic mapping, brainpoolP256r1, AES-128,
    /// password the MRZ).
    #[test]
    fn the_worked_example_keys_and_nonce() {
        let password = PacePassword::Mrz(g1::MRZ.into());
        let k_pi = password.key(Cipher::Aes(128));
        assert_eq!(k_pi, hex(g1::K_PI));
        let s = decrypt_nonce(&k_pi, Cipher::Aes(128), &hex(g1::NONCE_ENCRYPTED)).unwrap();
        assert_eq!(s, hex(g1::NONCE));
        assert_eq!(
            encrypt_nonce(&k_pi, Cipher::Aes(128), &s).unwrap(),
            hex(g1::NONCE_ENCRYPTED)
        );
        let shared = hex(g1::SHARED_SECRET);
        assert_eq!(kdf(&shared, 1, Cipher::Aes(128)), hex(g1::KS_ENC));
        assert_eq!(kdf(&shared, 2, Cipher::Aes(128)), hex(g1::KS_MAC));
        assert_eq!(password.reference(), 1);
    }

    #[test]
    fn a_cccds_can_is_the_last_six_digits_of_its_personal_id() {
        let id = crate::core::personal_id::PersonalId::parse("001093047064").unwrap();
        let can = PacePassword::can_of(&id);
        assert_eq!(can, PacePassword::Can("047064".into()));
        assert_eq!(can.reference(), 2);
        assert_eq!(format!("{can:?}"), "PacePassword::Can(..)");
        // K_π from the CAN's characters: SHA-1("047064" ‖ 00000003), 16 bytes.
        let mut h = Sha1::new();
        h.update(b"047064");
        h.update(3u32.to_be_bytes());
        assert_eq!(can.key(Cipher::Aes(128)), h.finalize()[..16].to_vec());
    }

    #[test]
    fn longer_aes_keys_come_from_sha_256_and_3des_keys_have_parity() {
        let secret = b"secret";
        let mut h = Sha256::new();
        h.update(secret);
        h.update(1u32.to_be_bytes());
        let full = h.finalize();
        assert_eq!(kdf(secret, 1, Cipher::Aes(192)), full[..24].to_vec());
        assert_eq!(kdf(secret, 1, Cipher::Aes(256)), full.to_vec());
        let des = kdf(secret, 1, Cipher::Des3);
        assert_eq!(des.len(), 16);
        assert!(des.iter().all(|b| b.count_ones() % 2 == 1), "odd parity");
    }

    #[test]
    fn a_nonce_of_the_wrong_size_or_a_key_of_the_wrong_length_is_an_error() {
        let key = [0u8; 16];
        assert_eq!(
            decrypt_nonce(&key, Cipher::Aes(128), &[0; 15]),
            Err(NonceError::NotBlocks)
        );
        assert_eq!(
            decrypt_nonce(&key, Cipher::Aes(128), &[]),
            Err(NonceError::NotBlocks)
        );
        assert_eq!(
            decrypt_nonce(&key, Cipher::Aes(256), &[0; 16]),
            Err(NonceError::BadKey)
        );
        assert_eq!(
            decrypt_nonce(&key, Cipher::Des3, &[0; 8]).map(|n| n.len()),
            Ok(8)
        );
    }
}
