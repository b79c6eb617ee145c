//! Chip authentication (ICAO Doc 9303 part 11 §6.2), both halves: the terminal sends a fresh
//! ephemeral public key in the group of the chip's static key from DG14 (a curve, or a MODP
//! group given by DG14's DH parameters) — MSE:Set AT then General Authenticate (7C { 80 key })
//! for AES, MSE:Set KAT (91 key) for 3DES — both sides agree K (x(ECDH), or y^x mod p as long
//! as p), and secure messaging restarts with KS_enc = KDF(K, 1), KS_mac =
//! KDF(K, 2) and a zero counter. Only a chip holding the private key of the key the issuer
//! signed (DG14 is in EF.SOD) can answer under the new keys: a copy of the data on another
//! chip cannot. Pure: the caller sends the commands and draws the ephemeral key.

use crate::identity::apdu::Command;
use crate::identity::card_access::Cipher;
use crate::identity::dg14::{CaGroup, CaInfo, CaPublicKey};
use crate::identity::pace::{INS_GENERAL_AUTHENTICATE, INS_MSE};
use crate::identity::pace_keys;
use crate::identity::pace_mapping::{self, MappingError};
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::tlv;
use der::asn1::ObjectIdentifier as Oid;
use zeroize::Zeroizing;

/// MSE:Set AT for chip authentication (P1 41, P2 A4).
pub const MSE_SET_AT_CA: (u8, u8) = (0x41, 0xA4);
/// MSE:Set KAT, 3DES chip authentication (P1 41, P2 A6).
pub const MSE_SET_KAT: (u8, u8) = (0x41, 0xA6);

fn key_id_object(key_id: Option<u32>) -> Vec<u8> {
    key_id
        .map(|id| {
            let bytes = id.to_be_bytes();
            let first = bytes.iter().position(|b| *b != 0).unwrap_or(3);
            tlv::encode(0x84, &bytes[first..])
        })
        .unwrap_or_default()
}

/// The commands (to send under the current secure channel) that give the chip
/// `terminal_public`.
pub fn commands(info: &CaInfo, key: &CaPublicKey, terminal_public: &[u8]) -> Vec<Command> {
    match info.cipher {
        Cipher::Des3 => {
            let mut data = tlv::encode(0x91, terminal_public);
            data.extend(key_id_object(key.key_id));
            vec![Command::new(0x00, INS_MSE, MSE_SET_KAT.0, MSE_SET_KAT.1).with_data(data)]
        }
        Cipher::Aes(_) => {
            let mut data = tlv::encode(0x80, info.protocol.as_bytes());
            data.extend(key_id_object(key.key_id));
            vec![
                Command::new(0x00, INS_MSE, MSE_SET_AT_CA.0, MSE_SET_AT_CA.1).with_data(data),
                Command::new(0x00, INS_GENERAL_AUTHENTICATE, 0, 0)
                    .with_data(tlv::encode(0x7C, &tlv::encode(0x80, terminal_public)))
                    .with_le(256),
            ]
        }
    }
}

/// The secure channel after chip authentication, from one side's private key and the other's
/// public key.
pub fn session(
    key: &CaPublicKey,
    cipher: Cipher,
    private: &[u8],
    other_public: &[u8],
) -> Result<SecureChannel, MappingError> {
    let secret = Zeroizing::new(match &key.group {
        CaGroup::Curve(curve) => pace_mapping::shared_secret(*curve, private, other_public)?,
        CaGroup::Dh(group) => group.shared_secret(private, other_public)?,
    });
    Ok(pace_keys::session(&secret, cipher).0)
}

/// The terminal's side: a fresh ephemeral key pair in the chip key's group.
pub fn ephemeral_key(key: &CaPublicKey) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), MappingError> {
    match &key.group {
        CaGroup::Curve(curve) => {
            let private = pace_mapping::random_private_key(*curve)?;
            let public = pace_mapping::public_key(*curve, &private)?;
            Ok((private, public))
        }
        CaGroup::Dh(group) => {
            let private = group.random_private();
            let public = group.public_key(&private)?;
            Ok((private, public))
        }
    }
}

/// What a chip was asked by MSE:Set AT (41 A4): the protocol and key id.
pub fn parse_set_at(data: &[u8]) -> Option<(Oid, Option<u32>)> {
    let objects = tlv::children(data).ok()?;
    let protocol = Oid::from_bytes(objects.iter().find(|o| o.tag == 0x80)?.value).ok()?;
    let key_id = match objects.iter().find(|o| o.tag == 0x84) {
        None => None,
        Some(o) if !o.value.is_empty() && o.value.len() <= 4 => {
            Some(o.value.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)))
        }
        Some(_) => return None,
    };
    Some((protocol, key_id))
}

/// The terminal's ephemeral key in an MSE:Set KAT (91) or a General Authenticate (7C { 80 }).
pub fn terminal_key(command: &Command) -> Option<Vec<u8>> {
    match command.ins {
        INS_MSE => tlv::children(&command.data)
            .ok()?
            .into_iter()
            .find(|o| o.tag == 0x91)
            .map(|o| o.value.to_vec()),
        INS_GENERAL_AUTHENTICATE => {
            crate::identity::pace::dynamic_object(&command.data, 0x80, "chip authentication").ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::apdu::Response;
    use crate::identity::card_access::{DomainParameters, KeyAgreement};
    use crate::identity::dg14;
    use crate::identity::pace_dh;

    #[test]
    fn both_sides_reach_the_same_new_channel_and_another_chip_key_does_not() {
        for (cipher, curve) in [
            (Cipher::Aes(128), DomainParameters::BrainpoolP256r1),
            (Cipher::Des3, DomainParameters::NistP256),
            (Cipher::Aes(256), DomainParameters::BrainpoolP384r1),
        ] {
            let chip_private = pace_mapping::random_private_key(curve).unwrap();
            let chip_public = pace_mapping::public_key(curve, &chip_private).unwrap();
            let file = dg14::encode(cipher, curve, &chip_public);
            let parsed = dg14::parse(&file).unwrap();
            let (info, key) = parsed.chosen().unwrap();
            let (private, public) = ephemeral_key(key).unwrap();
            let sent = commands(info, key, &public);
            assert_eq!(sent.len(), if cipher == Cipher::Des3 { 1 } else { 2 });
            let received = terminal_key(sent.last().unwrap()).unwrap();
            assert_eq!(received, public);
            if let Some(set_at) = sent.first().filter(|_| sent.len() == 2) {
                assert_eq!(parse_set_at(&set_at.data), Some((info.protocol, None)));
            }
            let other = pace_mapping::random_private_key(curve).unwrap();
            check_sessions(key, cipher, &private, &chip_private, &other, &received);
        }
    }

    /// The reader's and the chip's new channels carry a command and its answer; a chip with
    /// the `other` private key (a copy of the data on another chip) cannot open the command.
    fn check_sessions(
        key: &CaPublicKey,
        cipher: Cipher,
        private: &[u8],
        chip_private: &[u8],
        other: &[u8],
        received: &[u8],
    ) {
        let mut reader = session(key, cipher, private, &key.public).unwrap();
        let mut chip = session(key, cipher, chip_private, received).unwrap();
        let read = Command::read_binary(0, 16);
        assert_eq!(
            chip.unprotect_command(&reader.protect(&read)).unwrap(),
            read
        );
        let answer = chip.protect_response(&Response::status(0x9000));
        assert_eq!(reader.unprotect(&answer).unwrap().sw, 0x9000);
        let mut clone = session(key, cipher, other, received).unwrap();
        let mut reader = session(key, cipher, private, &key.public).unwrap();
        assert!(clone.unprotect_command(&reader.protect(&read)).is_err());
    }

    #[test]
    fn dh_chip_authentication_agrees_in_the_group_dg14_names() {
        let group = pace_dh::group(DomainParameters::Modp2048_256).unwrap();
        let chip_private = group.random_private();
        let chip_public = group.public_key(&chip_private).unwrap();
        for cipher in [Cipher::Des3, Cipher::Aes(128)] {
            let file = dg14::encode_dh(cipher, &group, &chip_public);
            let parsed = dg14::parse(&file).unwrap();
            let (info, key) = parsed.chosen().unwrap();
            assert_eq!(info.agreement, KeyAgreement::Dh);
            assert_eq!(key.group, CaGroup::Dh(Box::new(group.clone())));
            let (private, public) = ephemeral_key(key).unwrap();
            assert_eq!(public.len(), 256);
            let received = terminal_key(commands(info, key, &public).last().unwrap()).unwrap();
            let other = group.random_private();
            check_sessions(key, cipher, &private, &chip_private, &other, &received);
            // A value outside the group is refused, not agreed on.
            assert!(session(key, cipher, &private, &[1]).is_err());
        }
    }

    #[test]
    fn a_key_id_is_named_and_read_back() {
        let point = pace_mapping::public_key(DomainParameters::NistP256, &[9; 32]).unwrap();
        let key = CaPublicKey {
            group: CaGroup::Curve(DomainParameters::NistP256),
            public: point.clone(),
            key_id: Some(300),
        };
        let info = CaInfo {
            protocol: dg14::ca_protocol(KeyAgreement::Ecdh, Cipher::Aes(128)),
            agreement: KeyAgreement::Ecdh,
            cipher: Cipher::Aes(128),
            version: 1,
            key_id: Some(300),
        };
        let sent = commands(&info, &key, &point);
        assert_eq!(
            parse_set_at(&sent[0].data),
            Some((info.protocol, Some(300)))
        );
        assert_eq!(parse_set_at(&[0x80, 0x01]), None);
    }
}
