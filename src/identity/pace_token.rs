//! PACE's mutual authentication tokens (ICAO Doc 9303 part 11, §4.4.3.4 and §9.4.5): each
//! side MACs the other's ephemeral public key, wrapped as the authentication data
//! `7F49 { 06 protocol OID, 86 public point }` (`84 y` for DH), with the session MAC key — AES-CMAC for the
//! AES ciphers, the 3DES retail MAC (over method-2 padding) for 3DES — and keeps 8 bytes.
//! The chip's token proves it knew the password; a wrong one ends the attempt. MACs come from
//! RustCrypto (through `secure_messaging`); this file only lays out the bytes.

use crate::identity::card_access::Cipher;
use crate::identity::tlv;
use der::asn1::ObjectIdentifier as Oid;

/// `7F49 { 06 oid, 86 point }` for an elliptic-curve key (the uncompressed SEC1 bytes), or
/// `7F49 { 06 oid, 84 y }` for a DH key (the unsigned integer): what a token is computed over.
pub fn authentication_data(protocol: &Oid, public: &[u8]) -> Vec<u8> {
    let tag = match crate::identity::card_access::agreement_of(protocol) {
        Some(crate::identity::card_access::KeyAgreement::Dh) => 0x84,
        _ => 0x86,
    };
    let inner = [
        tlv::encode(0x06, protocol.as_bytes()),
        tlv::encode(tag, public),
    ]
    .concat();
    tlv::encode(0x7F49, &inner)
}

/// The token over `other_public` (the other side's ephemeral key) with the session MAC key;
/// None when the key does not fit the cipher.
pub fn token(k_mac: &[u8], cipher: Cipher, protocol: &Oid, other_public: &[u8]) -> Option<[u8; 8]> {
    let data = authentication_data(protocol, other_public);
    let full: Vec<u8> = match cipher {
        Cipher::Des3 => {
            let key: &[u8; 16] = k_mac.try_into().ok()?;
            crate::identity::secure_messaging::retail_mac(
                key,
                &crate::identity::secure_messaging::pad(&data),
            )
            .to_vec()
        }
        Cipher::Aes(bits) if k_mac.len() == usize::from(bits / 8) => {
            crate::identity::secure_messaging::aes_cmac8(k_mac, &data)?.to_vec()
        }
        Cipher::Aes(_) => return None,
    };
    full.try_into().ok()
}

/// Whether the chip's token is the one expected. A plain comparison: the reader checks the
/// card's answer, so its timing tells the card nothing it did not send.
pub fn same_token(expected: &[u8; 8], received: &[u8]) -> bool {
    received == expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_vectors::{self as g1, hex, sec1};

    /// ICAO 9303-11 appendix G.1: the terminal's token over the chip's ephemeral key and the
    /// chip's over the terminal's, with KS_mac.
    #[test]
    fn the_worked_example_tokens() {
        let k_mac = hex(g1::KS_MAC);
        let protocol = Oid::new_unwrap(g1::PROTOCOL);
        let t_pcd = token(&k_mac, Cipher::Aes(128), &protocol, &sec1(g1::PK_PICC)).unwrap();
        assert_eq!(t_pcd.to_vec(), hex(g1::T_PCD));
        let t_picc = token(&k_mac, Cipher::Aes(128), &protocol, &sec1(g1::PK_PCD)).unwrap();
        assert_eq!(t_picc.to_vec(), hex(g1::T_PICC));
        assert!(same_token(&t_picc, &hex(g1::T_PICC)));
        let mut wrong = hex(g1::T_PICC);
        wrong[7] ^= 1;
        assert!(!same_token(&t_picc, &wrong));
        assert!(!same_token(&t_picc, &wrong[..7]));
    }

    /// Appendix G.2: the DH tokens carry the public key as `84 y`.
    #[test]
    fn the_dh_worked_example_tokens() {
        use crate::identity::test_vectors::g2;
        let k_mac = hex(g2::KS_MAC);
        let protocol = Oid::new_unwrap(g2::PROTOCOL);
        let t_pcd = token(&k_mac, Cipher::Aes(128), &protocol, &hex(g2::PK_PICC)).unwrap();
        assert_eq!(t_pcd.to_vec(), hex(g2::T_PCD));
        let t_picc = token(&k_mac, Cipher::Aes(128), &protocol, &hex(g2::PK_PCD)).unwrap();
        assert_eq!(t_picc.to_vec(), hex(g2::T_PICC));
    }

    #[test]
    fn a_key_that_does_not_fit_gives_no_token() {
        let protocol = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.2.4");
        assert_eq!(token(&[0; 16], Cipher::Aes(256), &protocol, &[4]), None);
        assert_eq!(token(&[0; 8], Cipher::Des3, &protocol, &[4]), None);
        assert!(token(&[0; 32], Cipher::Aes(256), &protocol, &[4]).is_some());
        assert!(token(&[1; 16], Cipher::Des3, &protocol, &[4]).is_some());
    }
}
