//! PACE's chip authentication mapping (ICAO Doc 9303 part 11 §4.4.3.5): after the tokens, the
//! chip also sends A_IC = E(KS_enc, CA_IC) — AES-CBC under the new session's encryption key
//! with IV = E(KS_enc, FF…FF), ISO 9797-1 padding 2 — where CA_IC = SK_Map,IC · SK_IC⁻¹ mod n,
//! its mapping private key over its static private key. The terminal recovers CA_IC and checks
//! CA_IC · PK_IC = PK_Map,IC with the static public key the issuer signed (DG14): only the chip
//! holding SK_IC could have made that number, so the chip is proven genuine inside PACE, with no
//! separate chip authentication. Both halves; pure.

use crate::identity::card_access::DomainParameters;
use crate::identity::dg14::{CaGroup, CaPublicKey};
use crate::identity::pace_mapping::{self, MappingError};
use crate::identity::secure_messaging::{aes_cbc, pad_to, unpad};
use zeroize::Zeroizing;

/// Dynamic authentication data object of the chip's encrypted chip authentication data.
pub const TAG_ENCRYPTED_CHIP_DATA: u32 = 0x8A;

/// IV = E(KS_enc, FF…FF): one block encrypted alone (CBC with a zero IV is the block cipher).
fn iv(k_enc: &[u8]) -> Option<[u8; 16]> {
    let mut block = [0xFFu8; 16];
    aes_cbc(k_enc, &[0; 16], &mut block, true)?;
    Some(block)
}

/// The chip's side: CA_IC from its static and mapping private keys, encrypted for the terminal.
pub fn encrypted_chip_data(
    curve: DomainParameters,
    k_enc: &[u8],
    static_private: &[u8],
    mapping_private: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let data = Zeroizing::new(pace_mapping::scalar_quotient(
        curve,
        mapping_private,
        static_private,
    )?);
    let mut encrypted = pad_to(&data, 16);
    let iv = iv(k_enc).ok_or(MappingError::BadScalar)?;
    aes_cbc(k_enc, &iv, &mut encrypted, true).ok_or(MappingError::BadScalar)?;
    Ok(encrypted)
}

/// The terminal's side: CA_IC recovered from A_IC; `None` when it does not decrypt to padded
/// data.
pub fn decrypt_chip_data(k_enc: &[u8], encrypted: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if encrypted.is_empty() || encrypted.len() > 128 {
        return None;
    }
    let mut plain = Zeroizing::new(encrypted.to_vec());
    aes_cbc(k_enc, &iv(k_enc)?, &mut plain, false)?;
    unpad(&plain).map(|data| Zeroizing::new(data.to_vec()))
}

/// What PACE-CAM leaves to check once the chip's static public key is known.
#[derive(Clone)]
pub struct CamProof {
    pub curve: DomainParameters,
    /// PK_Map,IC, as the chip sent it during the mapping.
    pub chip_mapping_public: Vec<u8>,
    /// CA_IC, decrypted.
    pub chip_data: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for CamProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CamProof")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

/// What the proof says of the keys DG14 lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CamVerdict {
    /// CA_IC · PK_IC = PK_Map,IC for one of them: the chip holds its private key.
    Proven,
    /// No key on PACE's curve to check against.
    NoKey,
    /// Keys on the curve, and none matches: the chip does not hold the issuer's key.
    Mismatch,
}

impl CamProof {
    /// Checks the proof against every static key on PACE's curve.
    pub fn verify(&self, keys: &[CaPublicKey]) -> CamVerdict {
        let on_curve: Vec<&CaPublicKey> = keys
            .iter()
            .filter(|k| k.group == CaGroup::Curve(self.curve))
            .collect();
        if on_curve.is_empty() {
            return CamVerdict::NoKey;
        }
        let proven = on_curve.iter().any(|key| {
            pace_mapping::public_key_on(self.curve, &key.public, &self.chip_data)
                .is_ok_and(|point| point == self.chip_mapping_public)
        });
        if proven {
            CamVerdict::Proven
        } else {
            CamVerdict::Mismatch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chips_data_decrypts_and_proves_its_static_key_and_no_other() {
        for curve in [
            DomainParameters::BrainpoolP256r1,
            DomainParameters::NistP384,
            DomainParameters::BrainpoolP512r1,
        ] {
            let static_private = pace_mapping::random_private_key(curve).unwrap();
            let mapping_private = pace_mapping::random_private_key(curve).unwrap();
            let k_enc = [7u8; 16];
            let encrypted =
                encrypted_chip_data(curve, &k_enc, &static_private, &mapping_private).unwrap();
            let chip_data = decrypt_chip_data(&k_enc, &encrypted).unwrap();
            let key = |private: &[u8]| CaPublicKey {
                group: CaGroup::Curve(curve),
                public: pace_mapping::public_key(curve, private).unwrap(),
                key_id: None,
            };
            let proof = CamProof {
                curve,
                chip_mapping_public: pace_mapping::public_key(curve, &mapping_private).unwrap(),
                chip_data,
            };
            assert_eq!(proof.verify(&[key(&static_private)]), CamVerdict::Proven);
            let other = pace_mapping::random_private_key(curve).unwrap();
            assert_eq!(proof.verify(&[key(&other)]), CamVerdict::Mismatch);
            assert_eq!(
                proof.verify(&[key(&other), key(&static_private)]),
                CamVerdict::Proven
            );
            assert_eq!(proof.verify(&[]), CamVerdict::NoKey);
            // Under another key the data does not decrypt to the same number.
            let wrong = decrypt_chip_data(&[8u8; 16], &encrypted);
            assert!(wrong.is_none_or(|d| *d != *proof.chip_data));
        }
    }
}

/// A real German document's PACE-CAM (ECDH, brainpoolP256r1, AES-128, the MRZ as password), as
/// recorded with the terminal's keys fixed (gmrtd's test suite, `TestDoPace_CAM_ECDH_DE`):
/// this terminal sends the same keys and token, accepts the chip's token, decrypts the chip
/// authentication data, reads EF.CardSecurity under the recorded session and proves the chip
/// with the static key the file names.
#[cfg(test)]
mod real_card {
    use super::*;
    use crate::identity::apdu::{Command, Response};
    use crate::identity::card_access::{self, Mapping};
    use crate::identity::pace::{self, Terminal};
    use crate::identity::pace_keys::PacePassword;

    fn hex(text: &str) -> Vec<u8> {
        ::hex::decode(text).unwrap()
    }

    fn secret(text: &str) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(hex(text))
    }

    /// The recorded secure reads of EF.CardSecurity: (command, response).
    const CARD_SECURITY_READS: [(&str, &str); 4] = [
        (
            "0ca4020c1d87110147ee2e3bd440fb596167f2bb6cd6395e8e08a105747484314bcf00",
            "990290008e085f570baddd1002d29000",
        ),
        (
            "0cb000000d9701048e085d283ec183cbb99800",
            "871101d688d27a6d16f03619e76dcb59c1f1ec990290008e08b7df9a5982bb17299000",
        ),
        (
            "0cb000040d9701008e08a893fca2cd1cb17d00",
            "8781e10191b363a7569f49734c418c91ace47aa27886ffd841802c1402793032b9a15568d16bddd290885c7bb6672c459be06fda2464b3ac216272142d6bdc10e60a8d977143e10b095c1066624a3cae65e422a5ad6faf4b2bbbdf3789e11632fda8317d15db2c6d5b1d77ee46e693afecf0bf6cc227d0106fda370f4a43fd70088362869acd7c55fe00a13c5eafa9f11c217d3a872075209d98709aec16b8a70bc1010497eb4eb2867044b8cb6fba76247b8240036aabf3a179c9adbdacf5cf83506effc723b51af2e2b4868f74e2f9aac7ecc29626ad19a75a1d1469f6123c69b9c223990290008e08ea0238ad4096f04d9000",
        ),
        (
            "0cb000e30d9701008e085dcb938a53abd87400",
            "8781e1011c7177d401c84023ee49f0a6813e1af16b43052d4478a78b0af39b329e7a8f4fc101c9f558527c453e2cfa02b5088b4d64a5e8b8d752c9fc64ab419224f5d6f014e327e16c9adcb5e1bb48b41327b858ab4f3b9f281d5a4735529cc69456f1076ceabb7335f649535bdb25900aca7138f44fc47f96528590c5bc271d411c74750843e39fa282e2068c122534380da8c5617d45040854f773c6b47b5929b6272684a1e95bfddb54334380a63907e028710cb92030f83b49fd76fe5392057e52eef9fc6319c4ac400cf1761a45e34f7f3bb7860bcb1bc230ef00a2a011b8ad2c26990290008e08f18d62f004f604ca9000",
        ),
    ];

    #[test]
    fn a_real_documents_chip_authentication_mapping_replays_and_proves_the_chip() {
        let offers = card_access::parse(&hex(
            "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D",
        ))
        .unwrap();
        let offer = offers
            .iter()
            .find(|o| o.mapping == Mapping::ChipAuthentication)
            .unwrap();
        let mrz =
            crate::identity::access_key::mrz_information("C4KHNY1PF", "780214", "330315").unwrap();
        let password = PacePassword::Mrz(mrz);
        assert_eq!(
            hex::encode(pace::set_at(offer, &password, Some(13)).to_bytes()),
            "0022c1a412800a04007f0007020204060283010184010d"
        );
        let mut terminal = Terminal::new(offer, &password).unwrap();
        assert!(terminal.chip_authentication_mapping());
        let pk_map = terminal
            .mapping_key(
                &hex("9bff93e6ed9f5f9764ec0d783d14fb03"),
                secret("01fd26013f5bc41fad8bb09811e435f16fbe2eb3c2e1d999b0f63da8c3d58bb5"),
            )
            .unwrap();
        assert_eq!(
            pk_map,
            hex(
                "04303f340815eea501772393e299a4a6f6694600189c249c63a8513ff3fefa66e346d11970b5f76fb564c3b0e54b215528f647ec5a9ab209cdbe262e763d6119a1"
            )
        );
        let chip_mapping = hex(
            "0476dc295c4fb14237d87318d70967e25ec45f74d6fd4aff588c90efb3d868f05b450ba6b64967227c2246dbe2905522c8086dac7f3bbe5cf3b192f0a0c2d97ee5",
        );
        let pk = terminal
            .ephemeral_key(
                &chip_mapping,
                secret("1fcd3d8ac4fae3960a14fea2925d75add335f13b248eba192358dded93a89552"),
            )
            .unwrap();
        assert_eq!(
            pk,
            hex(
                "048442b191ef5346a6b6dacb6cd5728c4a72f0ca7aecdf7afdfb3ef175e12a6f7c74f509af768b8dbe2cf42d16c1f00714691d78a19cdf1b493390d1173785f2b7"
            )
        );
        let token = terminal
            .token(&hex("042315ae8143f21de15b35f083cfa148c5fcbd9f2eb9dcdc4519bcf337443e79e55b28a5e218fb919c30880d263e469645ff114c46ed29918910be3453527d2164"))
            .unwrap();
        assert_eq!(token.to_vec(), hex("fee088a4d7be1b7f"));
        // The chip's last answer: its token (86) and its chip authentication data (8A).
        let last = hex(
            "7c3c860819a2b9192e11512a8a30b3ae8830311b1d5605777f47cb4ed028346cd00105d32859de127da3d8398865358f26f08ebe410864eaf6e39f33f3f5",
        );
        let chip_token = pace::dynamic_object(&last, pace::TAG_TOKEN_CHIP, "token").unwrap();
        let chip_data = pace::dynamic_object(&last, TAG_ENCRYPTED_CHIP_DATA, "chip data").unwrap();
        let (mut channel, proof) = terminal.finish(&chip_token, Some(&chip_data)).unwrap();
        let proof = proof.unwrap();
        assert_eq!(proof.chip_mapping_public, chip_mapping);
        assert_eq!(proof.chip_data.len(), 32);

        // EF.CardSecurity's first 0xE3 bytes under the session, commands byte for byte.
        let plain = [
            Command::select_file(0x011D),
            Command::read_binary(0, 4),
            Command::read_binary(4, 0xDF),
            Command::read_binary(4 + 0xDF, 0xDF),
        ];
        let mut file = Vec::new();
        for (n, (command, (sent, answered))) in plain.iter().zip(CARD_SECURITY_READS).enumerate() {
            let protected = channel.protect(command);
            // The last read asked a short 256 where this reader asks what fits (223): the
            // counter moves the same, the answer is the recorded one.
            if n < 2 {
                assert_eq!(hex::encode(protected.to_bytes()), sent);
            }
            let answer = channel
                .unprotect(&Response::parse(&hex(answered)).unwrap())
                .unwrap();
            assert_eq!(answer.sw, 0x9000);
            file.extend(answer.data);
        }
        // Its security infos (the eContent after the id-SecurityObject content type; only the
        // file's start was read), parsed as DG14 parses them: two chip keys on
        // brainpoolP256r1 (ids 13 and 72), named the BSI way by their PACE parameters id.
        use crate::identity::tlv;
        let content_type = tlv::encode(0x06, &hex("04007f0007030201"));
        let at = file
            .windows(content_type.len())
            .position(|w| w == content_type.as_slice())
            .unwrap()
            + content_type.len();
        let (explicit, _) = tlv::expect(&file[at..], 0xA0).unwrap();
        let (octets, _) = tlv::expect(explicit.value, 0x04).unwrap();
        let dg14 = crate::identity::dg14::parse(&tlv::encode(0x6E, octets.value)).unwrap();
        assert_eq!(
            dg14.keys.iter().map(|k| k.key_id).collect::<Vec<_>>(),
            [Some(13), Some(72)]
        );
        assert_eq!(proof.verify(&dg14.keys), CamVerdict::Proven);
        assert_eq!(proof.verify(&dg14.keys[..1]), CamVerdict::Proven);
        // The second key (chip authentication's) is not the one the mapping proves.
        assert_eq!(proof.verify(&dg14.keys[1..]), CamVerdict::Mismatch);
    }
}
