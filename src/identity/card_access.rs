//! EF.CardAccess (file 011C, readable before the chip is opened; ICAO Doc 9303 part 11 §9.2):
//! the SecurityInfos a chip offers up front — for the reader, which PACE variants it accepts
//! (`PACEInfo`: key agreement, mapping, cipher, and the standardized domain parameters by id).
//! Vietnamese chip ID cards answer SELECT MF with 6D00 but let EF.CardAccess be selected
//! directly. Parsing only, over the crate's BER-TLV reader (real cards do not always sort the
//! SET OF as DER requires, which a strict DER decoder refuses); SecurityInfos of other
//! protocols are skipped; malformed input is an error, never a panic.

use crate::identity::tlv;
use der::asn1::ObjectIdentifier as Oid;
use thiserror::Error;

/// id-PACE: 0.4.0.127.0.7.2.2.4 (BSI TR-03110 / ICAO 9303-11 §9.2.1).
pub const ID_PACE: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardAccessError {
    #[error("EF.CardAccess structure: {0}")]
    Tlv(#[from] tlv::TlvError),
    #[error("EF.CardAccess: {0}")]
    Malformed(String),
}

/// How the PACE nonce is mapped onto new domain parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    Generic,
    Integrated,
    ChipAuthentication,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAgreement {
    Dh,
    Ecdh,
}

/// The secure messaging the session keys are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// 3DES-CBC with retail MAC (as BAC).
    Des3,
    /// AES-CBC with AES-CMAC, key length in bits.
    Aes(u16),
}

/// The standardized domain parameters of ICAO 9303-11 table 6, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainParameters {
    Modp1024_160,
    Modp2048_224,
    Modp2048_256,
    NistP192,
    BrainpoolP192r1,
    NistP224,
    BrainpoolP224r1,
    NistP256,
    BrainpoolP256r1,
    BrainpoolP320r1,
    NistP384,
    BrainpoolP384r1,
    BrainpoolP512r1,
    NistP521,
}

impl DomainParameters {
    pub fn from_id(id: u32) -> Option<DomainParameters> {
        use DomainParameters::*;
        Some(match id {
            0 => Modp1024_160,
            1 => Modp2048_224,
            2 => Modp2048_256,
            8 => NistP192,
            9 => BrainpoolP192r1,
            10 => NistP224,
            11 => BrainpoolP224r1,
            12 => NistP256,
            13 => BrainpoolP256r1,
            14 => BrainpoolP320r1,
            15 => NistP384,
            16 => BrainpoolP384r1,
            17 => BrainpoolP512r1,
            18 => NistP521,
            _ => return None,
        })
    }
}

impl DomainParameters {
    /// The id ICAO 9303-11 table 6 gives these parameters.
    pub fn id(self) -> u32 {
        (0..=18)
            .find(|id| DomainParameters::from_id(*id) == Some(self))
            .expect("every variant has an id")
    }
}

/// One PACE variant the chip offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    pub protocol: Oid,
    pub agreement: KeyAgreement,
    pub mapping: Mapping,
    pub cipher: Cipher,
    pub version: u32,
    /// The standardized domain parameters; None when the chip names an id outside table 6
    /// or none (proprietary parameters in a `PACEDomainParameterInfo`, not supported).
    pub parameters: Option<DomainParameters>,
}

/// What a PACE protocol OID says, if it is one.
fn pace_protocol(oid: &Oid) -> Option<(KeyAgreement, Mapping, Cipher)> {
    let arcs: Vec<u32> = oid.arcs().collect();
    let prefix: Vec<u32> = ID_PACE.arcs().collect();
    let rest = arcs.strip_prefix(prefix.as_slice())?;
    let [variant, cipher] = rest else {
        return None;
    };
    let (agreement, mapping) = match variant {
        1 => (KeyAgreement::Dh, Mapping::Generic),
        2 => (KeyAgreement::Ecdh, Mapping::Generic),
        3 => (KeyAgreement::Dh, Mapping::Integrated),
        4 => (KeyAgreement::Ecdh, Mapping::Integrated),
        6 => (KeyAgreement::Ecdh, Mapping::ChipAuthentication),
        _ => return None,
    };
    let cipher = match cipher {
        1 => Cipher::Des3,
        2 => Cipher::Aes(128),
        3 => Cipher::Aes(192),
        4 => Cipher::Aes(256),
        _ => return None,
    };
    Some((agreement, mapping, cipher))
}

/// A small non-negative DER INTEGER's value.
fn small_integer(value: &[u8]) -> Result<u32, CardAccessError> {
    tlv::small_unsigned(value).map_err(|why| CardAccessError::Malformed(why.into()))
}

/// The OID of a PACE variant (`id-PACE-<agreement>-<mapping>-<cipher>`).
pub fn protocol_oid(agreement: KeyAgreement, mapping: Mapping, cipher: Cipher) -> Oid {
    let variant = match (agreement, mapping) {
        (KeyAgreement::Dh, Mapping::Generic) => 1,
        (KeyAgreement::Ecdh, Mapping::Generic) => 2,
        (KeyAgreement::Dh, Mapping::Integrated) => 3,
        (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
        // Chip authentication mapping is defined for ECDH only; DH-CAM has no OID.
        (_, Mapping::ChipAuthentication) => 6,
    };
    let cipher = match cipher {
        Cipher::Des3 => 1,
        Cipher::Aes(128) => 2,
        Cipher::Aes(192) => 3,
        _ => 4,
    };
    let mut arcs = ID_PACE.to_string();
    arcs.push_str(&format!(".{variant}.{cipher}"));
    Oid::new(&arcs).expect("a well-formed OID")
}

/// EF.CardAccess offering `offers` (for the software chip and the test cards): a SET OF
/// `PACEInfo { protocol, version, parameterId }`.
pub fn encode(offers: &[PaceInfo]) -> Vec<u8> {
    let infos: Vec<u8> = offers
        .iter()
        .flat_map(|info| {
            let mut fields = tlv::encode(0x06, info.protocol.as_bytes());
            fields.extend(tlv::encode(0x02, &integer(info.version)));
            if let Some(parameters) = info.parameters {
                fields.extend(tlv::encode(0x02, &integer(parameters.id())));
            }
            tlv::encode(0x30, &fields)
        })
        .collect();
    tlv::encode(0x31, &infos)
}

/// A small non-negative INTEGER's DER content.
fn integer(n: u32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

/// The key agreement a PACE protocol OID names, if it is one.
pub fn agreement_of(oid: &Oid) -> Option<KeyAgreement> {
    pace_protocol(oid).map(|(agreement, _, _)| agreement)
}

impl PaceInfo {
    /// A DH generic mapping offer on an RFC 5114 group, version 2.
    pub fn dh_generic(cipher: Cipher, parameters: DomainParameters) -> PaceInfo {
        PaceInfo {
            protocol: protocol_oid(KeyAgreement::Dh, Mapping::Generic, cipher),
            agreement: KeyAgreement::Dh,
            mapping: Mapping::Generic,
            cipher,
            version: 2,
            parameters: Some(parameters),
        }
    }

    /// An ECDH chip authentication mapping offer (AES only), version 2.
    pub fn ecdh_cam(cipher: Cipher, parameters: DomainParameters) -> PaceInfo {
        PaceInfo {
            protocol: protocol_oid(KeyAgreement::Ecdh, Mapping::ChipAuthentication, cipher),
            agreement: KeyAgreement::Ecdh,
            mapping: Mapping::ChipAuthentication,
            cipher,
            version: 2,
            parameters: Some(parameters),
        }
    }

    /// A chip ID card's offer: ECDH generic mapping, AES-128, brainpoolP256r1, version 2.
    pub fn ecdh_generic(cipher: Cipher, parameters: DomainParameters) -> PaceInfo {
        PaceInfo {
            protocol: protocol_oid(KeyAgreement::Ecdh, Mapping::Generic, cipher),
            agreement: KeyAgreement::Ecdh,
            mapping: Mapping::Generic,
            cipher,
            version: 2,
            parameters: Some(parameters),
        }
    }
}

/// The PACE variants EF.CardAccess offers, in the order the chip lists them.
pub fn parse(bytes: &[u8]) -> Result<Vec<PaceInfo>, CardAccessError> {
    let (set, _) = tlv::expect(bytes, 0x31)?;
    let mut offers = Vec::new();
    for info in tlv::children(set.value)? {
        if info.tag != 0x30 {
            return Err(CardAccessError::Malformed(format!(
                "a SecurityInfo with tag {:X}",
                info.tag
            )));
        }
        let fields = tlv::children(info.value)?;
        let Some(first) = fields.first().filter(|f| f.tag == 0x06) else {
            return Err(CardAccessError::Malformed(
                "a SecurityInfo without its protocol".into(),
            ));
        };
        let protocol = Oid::from_bytes(first.value)
            .map_err(|e| CardAccessError::Malformed(format!("a protocol OID: {e}")))?;
        let Some((agreement, mapping, cipher)) = pace_protocol(&protocol) else {
            continue; // another protocol's SecurityInfo (chip authentication, …)
        };
        let version = match fields.get(1) {
            Some(v) if v.tag == 0x02 => small_integer(v.value)?,
            _ => {
                return Err(CardAccessError::Malformed(
                    "a PACEInfo without its version".into(),
                ));
            }
        };
        let parameter_id = match fields.get(2) {
            Some(p) if p.tag == 0x02 => Some(small_integer(p.value)?),
            Some(_) => {
                return Err(CardAccessError::Malformed(
                    "a PACEInfo parameterId that is not an INTEGER".into(),
                ));
            }
            None => None,
        };
        offers.push(PaceInfo {
            protocol,
            agreement,
            mapping,
            cipher,
            version,
            parameters: parameter_id.and_then(DomainParameters::from_id),
        });
    }
    Ok(offers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_vectors::{CARD_ACCESS as WORKED_EXAMPLE, PROTOCOL, hex};

    /// EF.CardAccess of the ICAO 9303-11 worked example (appendix G.1): PACE ECDH generic
    /// mapping, AES-128, version 2, brainpoolP256r1 (id 13).
    #[test]
    fn the_worked_example_offers_ecdh_generic_mapping_with_aes_128_on_brainpool_p256() {
        let offers = parse(&hex(WORKED_EXAMPLE)).unwrap();
        assert_eq!(
            offers,
            [PaceInfo {
                protocol: Oid::new_unwrap(PROTOCOL),
                agreement: KeyAgreement::Ecdh,
                mapping: Mapping::Generic,
                cipher: Cipher::Aes(128),
                version: 2,
                parameters: Some(DomainParameters::BrainpoolP256r1),
            }]
        );
    }

    #[test]
    fn encoding_gives_back_the_worked_examples_file() {
        let offer = PaceInfo::ecdh_generic(Cipher::Aes(128), DomainParameters::BrainpoolP256r1);
        assert_eq!(offer.protocol, Oid::new_unwrap(PROTOCOL));
        assert_eq!(encode(std::slice::from_ref(&offer)), hex(WORKED_EXAMPLE));
        for id in 0..=18 {
            if let Some(p) = DomainParameters::from_id(id) {
                assert_eq!(p.id(), id);
            }
        }
        let many = [
            PaceInfo::ecdh_generic(Cipher::Des3, DomainParameters::NistP384),
            PaceInfo {
                version: 300,
                ..PaceInfo::ecdh_generic(Cipher::Aes(256), DomainParameters::BrainpoolP512r1)
            },
        ];
        assert_eq!(parse(&encode(&many)).unwrap(), many);
    }

    #[test]
    fn other_protocols_are_skipped_and_every_variant_is_named() {
        // A chip authentication info (id-CA-ECDH-AES-CBC-CMAC-128, version 1), then PACE
        // DH-IM-3DES without parameterId, then PACE ECDH-CAM-AES-256 on NIST P-384.
        let ca = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, &hex("04007F00070202030202")),
                tlv::encode(0x02, &[1]),
            ]
            .concat(),
        );
        let dh_im = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, &hex("04007F00070202040301")),
                tlv::encode(0x02, &[2]),
            ]
            .concat(),
        );
        let cam = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, &hex("04007F00070202040604")),
                tlv::encode(0x02, &[2]),
                tlv::encode(0x02, &[15]),
            ]
            .concat(),
        );
        let file = tlv::encode(0x31, &[ca, dh_im, cam].concat());
        let offers = parse(&file).unwrap();
        assert_eq!(offers.len(), 2);
        assert_eq!(
            (offers[0].agreement, offers[0].mapping, offers[0].cipher),
            (KeyAgreement::Dh, Mapping::Integrated, Cipher::Des3)
        );
        assert_eq!(offers[0].parameters, None);
        assert_eq!(
            (offers[1].mapping, offers[1].cipher, offers[1].parameters),
            (
                Mapping::ChipAuthentication,
                Cipher::Aes(256),
                Some(DomainParameters::NistP384)
            )
        );
    }

    #[test]
    fn malformed_files_are_errors_not_panics() {
        let good = hex(WORKED_EXAMPLE);
        for cut in 0..good.len() {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let oid = tlv::encode(0x06, &hex("04007F00070202040202"));
        let info = |fields: &[Vec<u8>]| tlv::encode(0x31, &tlv::encode(0x30, &fields.concat()));
        let malformed = [
            ("not a SET", tlv::encode(0x30, &[])),
            ("no protocol", info(&[tlv::encode(0x02, &[2])])),
            ("no version", info(std::slice::from_ref(&oid))),
            (
                "version not an INTEGER",
                info(&[oid.clone(), tlv::encode(0x04, &[2])]),
            ),
            (
                "negative version",
                info(&[oid.clone(), tlv::encode(0x02, &[0x80])]),
            ),
            (
                "empty INTEGER",
                info(&[oid.clone(), tlv::encode(0x02, &[])]),
            ),
            (
                "huge parameterId",
                info(&[
                    oid.clone(),
                    tlv::encode(0x02, &[2]),
                    tlv::encode(0x02, &[1; 6]),
                ]),
            ),
            (
                "parameterId not an INTEGER",
                info(&[
                    oid.clone(),
                    tlv::encode(0x02, &[2]),
                    tlv::encode(0x81, &[13]),
                ]),
            ),
            (
                "a SecurityInfo that is not a SEQUENCE",
                tlv::encode(0x31, &tlv::encode(0x04, &[])),
            ),
            (
                "a broken OID",
                info(&[tlv::encode(0x06, &[0x80]), tlv::encode(0x02, &[2])]),
            ),
        ];
        for (what, bytes) in malformed {
            assert!(parse(&bytes).is_err(), "{what}");
        }
        // An empty list, or one with an unknown parameter id: no error, nothing usable.
        assert_eq!(parse(&tlv::encode(0x31, &[])).unwrap(), []);
        let unknown = info(&[oid, tlv::encode(0x02, &[2]), tlv::encode(0x02, &[30])]);
        assert_eq!(parse(&unknown).unwrap()[0].parameters, None);
    }
}
