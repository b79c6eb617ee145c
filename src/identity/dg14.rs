//! DG14 (ICAO Doc 9303 part 11 §9.2.5 and part 10): the chip's SecurityInfos for chip
//! authentication — which protocol (`ChipAuthenticationInfo`: ECDH or DH, 3DES or AES, key id)
//! and the chip's static public key (`ChipAuthenticationPublicKeyInfo`: an EC
//! SubjectPublicKeyInfo on a named curve or with explicit parameters, which are recognised by
//! their generator; or a DH one, X9.42 `dhpublicnumber` with p, g, q or PKCS #3 with p, g, whose
//! group is checked by `pace_dh::Group::explicit`). DG14 is
//! hashed in EF.SOD, so once passive authentication holds, the key is the issuer's; a chip that
//! then cannot use its private key is a copy. Parsing (and, for the test issuer, encoding) over
//! the crate's BER-TLV reader; other SecurityInfos are skipped; malformed input is an error.

use crate::identity::card_access::{Cipher, DomainParameters, KeyAgreement};
use crate::identity::pace_dh;
use crate::identity::pace_mapping;
use crate::identity::tlv;
use der::asn1::ObjectIdentifier as Oid;
use thiserror::Error;

/// id-CA: 0.4.0.127.0.7.2.2.3; ECDH variants are id-CA.2.<cipher>.
pub const ID_CA: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.3");
/// id-PK-ECDH: the chip's elliptic-curve public key.
pub const ID_PK_ECDH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-PK-DH: the chip's Diffie-Hellman public key.
pub const ID_PK_DH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.1.1");
const ID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// BSI's standardizedDomainParameters: the key's parameters named by their PACE id (INTEGER).
const ID_STANDARDIZED_DOMAIN_PARAMETERS: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.2");
/// X9.42 `dhpublicnumber`: parameters p, g, q (j and validation parameters ignored).
const ID_DH_PUBLIC_NUMBER: Oid = Oid::new_unwrap("1.2.840.10046.2.1");
/// PKCS #3 `dhKeyAgreement`: parameters p, g (and a private value length, ignored).
const ID_DH_KEY_AGREEMENT: Oid = Oid::new_unwrap("1.2.840.113549.1.3.1");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Dg14Error {
    #[error("DG14 structure: {0}")]
    Tlv(#[from] tlv::TlvError),
    #[error("DG14: {0}")]
    Malformed(String),
}

fn malformed(what: &str) -> Dg14Error {
    Dg14Error::Malformed(what.to_string())
}

/// A chip authentication protocol the chip offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaInfo {
    pub protocol: Oid,
    pub agreement: KeyAgreement,
    pub cipher: Cipher,
    pub version: u32,
    pub key_id: Option<u32>,
}

/// The group a chip authentication key lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaGroup {
    /// A curve with arithmetic here.
    Curve(DomainParameters),
    /// A MODP group from the key's explicit parameters.
    Dh(Box<pace_dh::Group>),
}

impl CaGroup {
    /// The key agreement run in this group.
    pub fn agreement(&self) -> KeyAgreement {
        match self {
            CaGroup::Curve(_) => KeyAgreement::Ecdh,
            CaGroup::Dh(_) => KeyAgreement::Dh,
        }
    }
}

/// The chip's static public key for chip authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPublicKey {
    pub group: CaGroup,
    /// An uncompressed SEC1 point on a curve; an unsigned big-endian integer in a MODP group.
    pub public: Vec<u8>,
    pub key_id: Option<u32>,
}

/// id-AA: the ActiveAuthenticationInfo naming the ECDSA signature algorithm of DG15's key.
pub const ID_AA: Oid = Oid::new_unwrap("2.23.136.1.1.5");

/// What DG14 says about chip authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dg14 {
    pub protocols: Vec<CaInfo>,
    pub keys: Vec<CaPublicKey>,
    /// The signature algorithm of active authentication (ECDSA keys), when DG14 names it.
    pub active_authentication: Option<Oid>,
    /// Chip authentication offered in a form not run here (DH, an unknown curve).
    pub unsupported: Vec<String>,
}

impl Dg14 {
    /// The protocol and key to run: the first protocol with a key of the same agreement and
    /// id.
    pub fn chosen(&self) -> Option<(&CaInfo, &CaPublicKey)> {
        self.protocols.iter().find_map(|info| {
            self.keys
                .iter()
                .filter(|key| key.group.agreement() == info.agreement)
                .find(|key| info.key_id.is_none() || key.key_id == info.key_id)
                .map(|key| (info, key))
        })
    }
}

/// The OID of chip authentication with `agreement` and `cipher` (id-CA-<agreement>-<cipher>).
pub fn ca_protocol(agreement: KeyAgreement, cipher: Cipher) -> Oid {
    let n = match cipher {
        Cipher::Des3 => 1,
        Cipher::Aes(128) => 2,
        Cipher::Aes(192) => 3,
        _ => 4,
    };
    let a = match agreement {
        KeyAgreement::Dh => 1,
        KeyAgreement::Ecdh => 2,
    };
    Oid::new(&format!("{ID_CA}.{a}.{n}")).expect("a well-formed OID")
}

fn ca_cipher(oid: &Oid) -> Option<Result<(KeyAgreement, Cipher), String>> {
    let arcs: Vec<u32> = oid.arcs().collect();
    let prefix: Vec<u32> = ID_CA.arcs().collect();
    let rest = arcs.strip_prefix(prefix.as_slice())?;
    let agreement = match rest {
        // A ChipAuthenticationDomainParameterInfo (id-CA-DH, id-CA-ECDH): nothing to run.
        [1] | [2] => return None,
        [1, ..] => KeyAgreement::Dh,
        [2, ..] => KeyAgreement::Ecdh,
        _ => return Some(Err(format!("chip authentication protocol {oid}"))),
    };
    Some(match rest[1..] {
        [1] => Ok((agreement, Cipher::Des3)),
        [2] => Ok((agreement, Cipher::Aes(128))),
        [3] => Ok((agreement, Cipher::Aes(192))),
        [4] => Ok((agreement, Cipher::Aes(256))),
        _ => Err(format!("chip authentication protocol {oid}")),
    })
}

/// The named curves' OIDs.
pub(crate) fn named_curve(oid: &Oid) -> Option<DomainParameters> {
    Some(match oid.to_string().as_str() {
        "1.3.36.3.3.2.8.1.1.7" => DomainParameters::BrainpoolP256r1,
        "1.3.36.3.3.2.8.1.1.11" => DomainParameters::BrainpoolP384r1,
        "1.3.36.3.3.2.8.1.1.13" => DomainParameters::BrainpoolP512r1,
        "1.2.840.10045.3.1.7" => DomainParameters::NistP256,
        "1.3.132.0.34" => DomainParameters::NistP384,
        _ => return None,
    })
}

fn named_curve_oid(curve: DomainParameters) -> Option<Oid> {
    let text = match curve {
        DomainParameters::BrainpoolP256r1 => "1.3.36.3.3.2.8.1.1.7",
        DomainParameters::BrainpoolP384r1 => "1.3.36.3.3.2.8.1.1.11",
        DomainParameters::BrainpoolP512r1 => "1.3.36.3.3.2.8.1.1.13",
        DomainParameters::NistP256 => "1.2.840.10045.3.1.7",
        DomainParameters::NistP384 => "1.3.132.0.34",
        _ => return None,
    };
    Some(Oid::new_unwrap(text))
}

/// Explicit ECParameters are recognised by their base point (G), compared with the
/// generators of the curves there is arithmetic for.
pub(crate) fn explicit_curve(parameters: &[u8]) -> Option<DomainParameters> {
    let fields = tlv::children(parameters).ok()?;
    let base = fields.iter().find(|f| f.tag == 0x04)?.value;
    [
        DomainParameters::BrainpoolP256r1,
        DomainParameters::BrainpoolP384r1,
        DomainParameters::BrainpoolP512r1,
        DomainParameters::NistP256,
        DomainParameters::NistP384,
    ]
    .into_iter()
    .find(|curve| {
        let Ok(g) = pace_mapping::public_key(*curve, &[1]) else {
            return false;
        };
        let len = (g.len() - 1) / 2;
        let compressed = [&[2 + (g[g.len() - 1] & 1)][..], &g[1..1 + len]].concat();
        base == g.as_slice() || base == compressed.as_slice()
    })
}

fn integer(value: &[u8]) -> Result<u32, Dg14Error> {
    tlv::small_unsigned(value).map_err(malformed)
}

fn optional_key_id(field: Option<&tlv::Tlv<'_>>) -> Result<Option<u32>, Dg14Error> {
    match field {
        None => Ok(None),
        Some(f) if f.tag == 0x02 => integer(f.value).map(Some),
        Some(_) => Err(malformed("a keyId that is not an INTEGER")),
    }
}

/// A SubjectPublicKeyInfo's content, split: the algorithm's OID, its parameters (when
/// present) and the key's BIT STRING content.
fn split_spki(spki: &[u8]) -> Result<(Oid, Option<tlv::Tlv<'_>>, &[u8]), Dg14Error> {
    let parts = tlv::children(spki)?;
    let (Some(algorithm), Some(bits)) = (parts.first(), parts.get(1)) else {
        return Err(malformed("a public key without its algorithm or key"));
    };
    if algorithm.tag != 0x30 || bits.tag != 0x03 {
        return Err(malformed("a public key that is not a SubjectPublicKeyInfo"));
    }
    let mut algorithm = tlv::children(algorithm.value)?.into_iter();
    let Some(oid) = algorithm.next().filter(|f| f.tag == 0x06) else {
        return Err(malformed("a public key algorithm without its OID"));
    };
    let oid = Oid::from_bytes(oid.value).map_err(|e| malformed(&format!("an OID: {e}")))?;
    Ok((oid, algorithm.next(), bits.value))
}

/// The curve and point of an elliptic-curve SubjectPublicKeyInfo (its content); `None` when
/// the key is of another algorithm, `Some(Err(text))` when it is on a curve not run here.
#[allow(clippy::type_complexity)]
pub(crate) fn ec_public_key(
    spki: &[u8],
) -> Result<Option<Result<(DomainParameters, Vec<u8>), String>>, Dg14Error> {
    let (oid, parameters, bits) = split_spki(spki)?;
    let curve = if oid == ID_EC_PUBLIC_KEY {
        match parameters {
            Some(p) if p.tag == 0x06 => Oid::from_bytes(p.value)
                .ok()
                .and_then(|oid| named_curve(&oid)),
            Some(p) if p.tag == 0x30 => explicit_curve(p.value),
            _ => return Err(malformed("an EC key without its parameters")),
        }
    } else if oid == ID_STANDARDIZED_DOMAIN_PARAMETERS {
        // BSI TR-03110's form (German documents): the parameters by their PACE id.
        match parameters {
            Some(p) if p.tag == 0x02 => DomainParameters::from_id(integer(p.value)?),
            _ => return Err(malformed("standardized domain parameters without their id")),
        }
    } else {
        return Ok(None);
    };
    let Some(curve) = curve.filter(|c| pace_mapping::supports(*c)) else {
        return Ok(Some(Err("a chip key on a curve not run here".into())));
    };
    let Some((0, point)) = bits.split_first() else {
        return Err(malformed("a public key BIT STRING"));
    };
    Ok(Some(Ok((curve, point.to_vec()))))
}

/// An unsigned INTEGER's magnitude, without its sign octet.
fn unsigned(field: Option<&tlv::Tlv<'_>>, what: &str) -> Result<Vec<u8>, Dg14Error> {
    match field {
        Some(f) if f.tag == 0x02 && !f.value.is_empty() && f.value[0] & 0x80 == 0 => {
            let first = f
                .value
                .iter()
                .position(|b| *b != 0)
                .unwrap_or(f.value.len());
            Ok(f.value[first..].to_vec())
        }
        _ => Err(malformed(&format!("{what} that is not a positive INTEGER"))),
    }
}

/// The group and public value of a Diffie-Hellman SubjectPublicKeyInfo (its content); `None`
/// when the key is of another algorithm, `Some(Err(text))` when its group is refused.
#[allow(clippy::type_complexity)]
fn dh_public_key(spki: &[u8]) -> Result<Option<Result<(CaGroup, Vec<u8>), String>>, Dg14Error> {
    let (oid, parameters, bits) = split_spki(spki)?;
    let with_q = if oid == ID_DH_PUBLIC_NUMBER {
        true
    } else if oid == ID_DH_KEY_AGREEMENT {
        false
    } else {
        return Ok(None);
    };
    let Some(parameters) = parameters.filter(|p| p.tag == 0x30) else {
        return Err(malformed("a DH key without its parameters"));
    };
    let fields = tlv::children(parameters.value)?;
    let p = unsigned(fields.first(), "a DH p")?;
    let g = unsigned(fields.get(1), "a DH g")?;
    let q = with_q
        .then(|| unsigned(fields.get(2), "a DH q"))
        .transpose()?;
    let Some((0, public)) = bits.split_first() else {
        return Err(malformed("a public key BIT STRING"));
    };
    let (y, rest) = tlv::expect(public, 0x02)?;
    if !rest.is_empty() {
        return Err(malformed("bytes after a DH public value"));
    }
    let y = unsigned(Some(&y), "a DH public value")?;
    Ok(Some(match pace_dh::Group::explicit(&p, &g, q.as_deref()) {
        Some(group) => Ok((CaGroup::Dh(Box::new(group)), y)),
        None => Err("a chip key in a DH group refused here".into()),
    }))
}

/// The public key of a `ChipAuthenticationPublicKeyInfo`; `Err(text)` when it is of a kind not
/// run here.
fn public_key(spki: &[u8]) -> Result<Result<(CaGroup, Vec<u8>), String>, Dg14Error> {
    if let Some(ec) = ec_public_key(spki)? {
        return Ok(ec.map(|(curve, point)| (CaGroup::Curve(curve), point)));
    }
    Ok(dh_public_key(spki)?
        .unwrap_or_else(|| Err("a chip key that is neither an EC nor a DH key".into())))
}

/// The most chip authentication keys read from one DG14 (chips carry one, rarely two).
const MAX_KEYS: usize = 8;

/// Parses DG14 (`6E { SET OF SecurityInfo }`).
pub fn parse(bytes: &[u8]) -> Result<Dg14, Dg14Error> {
    let (outer, _) = tlv::expect(bytes, 0x6E)?;
    let (set, _) = tlv::expect(outer.value, 0x31)?;
    let mut dg14 = Dg14::default();
    for info in tlv::children(set.value)? {
        if info.tag != 0x30 {
            return Err(malformed("a SecurityInfo that is not a SEQUENCE"));
        }
        let fields = tlv::children(info.value)?;
        let Some(first) = fields.first().filter(|f| f.tag == 0x06) else {
            return Err(malformed("a SecurityInfo without its protocol"));
        };
        let protocol =
            Oid::from_bytes(first.value).map_err(|e| malformed(&format!("a protocol: {e}")))?;
        if protocol == ID_AA {
            let Some(algorithm) = fields.get(2).filter(|f| f.tag == 0x06) else {
                return Err(malformed(
                    "an active authentication info without its algorithm",
                ));
            };
            dg14.active_authentication = Some(
                Oid::from_bytes(algorithm.value)
                    .map_err(|e| malformed(&format!("an algorithm: {e}")))?,
            );
        } else if protocol == ID_PK_ECDH || protocol == ID_PK_DH {
            let Some(spki) = fields.get(1).filter(|f| f.tag == 0x30) else {
                return Err(malformed("a chip public key info without its key"));
            };
            if dg14.keys.len() + dg14.unsupported.len() >= MAX_KEYS {
                // Checking a DH group costs a modular exponentiation: a hostile file does not
                // get to ask for many.
                return Err(malformed("more chip keys than a chip has"));
            }
            let key_id = optional_key_id(fields.get(2))?;
            match public_key(spki.value)? {
                Ok((group, public)) => dg14.keys.push(CaPublicKey {
                    group,
                    public,
                    key_id,
                }),
                Err(why) => dg14.unsupported.push(why),
            }
        } else if let Some(cipher) = ca_cipher(&protocol) {
            let Some(version) = fields.get(1).filter(|f| f.tag == 0x02) else {
                return Err(malformed("a chip authentication info without its version"));
            };
            let version = integer(version.value)?;
            let key_id = optional_key_id(fields.get(2))?;
            match cipher {
                Ok((agreement, cipher)) => dg14.protocols.push(CaInfo {
                    protocol,
                    agreement,
                    cipher,
                    version,
                    key_id,
                }),
                Err(why) => dg14.unsupported.push(why),
            }
        }
    }
    Ok(dg14)
}

/// An EC SubjectPublicKeyInfo on a named curve.
pub(crate) fn encode_ec_public_key(curve: DomainParameters, point: &[u8]) -> Vec<u8> {
    let curve_oid = named_curve_oid(curve).expect("a curve with a name");
    let algorithm = tlv::encode(
        0x30,
        &[
            tlv::encode(0x06, ID_EC_PUBLIC_KEY.as_bytes()),
            tlv::encode(0x06, curve_oid.as_bytes()),
        ]
        .concat(),
    );
    tlv::encode(
        0x30,
        &[algorithm, tlv::encode(0x03, &[&[0u8][..], point].concat())].concat(),
    )
}

/// DG14 offering ECDH chip authentication with `cipher` and the chip key `point` on `curve`
/// (named), and naming active authentication's ECDSA algorithm when given — for the test
/// issuer.
pub fn encode_with(
    cipher: Cipher,
    curve: DomainParameters,
    point: &[u8],
    active_authentication: Option<&Oid>,
) -> Vec<u8> {
    let aa = active_authentication
        .map(|algorithm| {
            tlv::encode(
                0x30,
                &[
                    tlv::encode(0x06, ID_AA.as_bytes()),
                    tlv::encode(0x02, &[1]),
                    tlv::encode(0x06, algorithm.as_bytes()),
                ]
                .concat(),
            )
        })
        .unwrap_or_default();
    encode_key(
        KeyAgreement::Ecdh,
        cipher,
        ID_PK_ECDH,
        encode_ec_public_key(curve, point),
        &aa,
    )
}

/// DG14 offering ECDH chip authentication with `cipher` and the chip key `point` on `curve`
/// (named), for the test issuer.
pub fn encode(cipher: Cipher, curve: DomainParameters, point: &[u8]) -> Vec<u8> {
    encode_with(cipher, curve, point, None)
}

/// DG14 offering DH chip authentication with `cipher` and the chip key `y` in `group` (X9.42
/// parameters), for tests.
pub fn encode_dh(cipher: Cipher, group: &pace_dh::Group, y: &[u8]) -> Vec<u8> {
    let integer = |value: &[u8]| tlv::encode(0x02, &[&[0u8][..], value].concat());
    let (p, g, q) = group.parameters();
    let mut parameters = [integer(&p), integer(&g)].concat();
    if let Some(q) = q {
        parameters.extend(integer(&q));
    }
    let algorithm = tlv::encode(
        0x30,
        &[
            tlv::encode(0x06, ID_DH_PUBLIC_NUMBER.as_bytes()),
            tlv::encode(0x30, &parameters),
        ]
        .concat(),
    );
    let key = tlv::encode(0x03, &[&[0u8][..], &integer(y)].concat());
    let spki = tlv::encode(0x30, &[algorithm, key].concat());
    encode_key(KeyAgreement::Dh, cipher, ID_PK_DH, spki, &[])
}

/// `6E { 31 { ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, other infos } }`.
fn encode_key(
    agreement: KeyAgreement,
    cipher: Cipher,
    key_kind: Oid,
    spki: Vec<u8>,
    other_infos: &[u8],
) -> Vec<u8> {
    let info = tlv::encode(
        0x30,
        &[
            tlv::encode(0x06, ca_protocol(agreement, cipher).as_bytes()),
            tlv::encode(0x02, &[1]),
        ]
        .concat(),
    );
    let key = tlv::encode(
        0x30,
        &[tlv::encode(0x06, key_kind.as_bytes()), spki].concat(),
    );
    tlv::encode(
        0x6E,
        &tlv::encode(0x31, &[&info, &key, other_infos].concat()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chip_point(curve: DomainParameters) -> Vec<u8> {
        pace_mapping::public_key(curve, &[0x42; 20]).unwrap()
    }

    #[test]
    fn an_encoded_dg14_parses_back_to_its_protocol_and_key() {
        let point = chip_point(DomainParameters::BrainpoolP256r1);
        let dg14 = parse(&encode(
            Cipher::Aes(128),
            DomainParameters::BrainpoolP256r1,
            &point,
        ))
        .unwrap();
        let (info, key) = dg14.chosen().unwrap();
        assert_eq!(info.protocol.to_string(), "0.4.0.127.0.7.2.2.3.2.2");
        assert_eq!((info.cipher, info.version), (Cipher::Aes(128), 1));
        assert_eq!(key.group, CaGroup::Curve(DomainParameters::BrainpoolP256r1));
        assert_eq!(key.public, point);
        assert!(dg14.unsupported.is_empty());
    }

    #[test]
    fn explicit_parameters_are_recognised_by_their_generator() {
        for curve in [
            DomainParameters::BrainpoolP384r1,
            DomainParameters::NistP256,
        ] {
            let g = pace_mapping::public_key(curve, &[1]).unwrap();
            // ECParameters { version, fieldID, curve, base, order } — only the base matters.
            let explicit = tlv::encode(
                0x30,
                &[
                    tlv::encode(0x02, &[1]),
                    tlv::encode(0x30, &[]),
                    tlv::encode(0x30, &[]),
                    tlv::encode(0x04, &g),
                    tlv::encode(0x02, &[1]),
                ]
                .concat(),
            );
            let inner = &tlv::expect(&explicit, 0x30).unwrap().0;
            assert_eq!(explicit_curve(inner.value), Some(curve));
            let algorithm = tlv::encode(
                0x30,
                &[tlv::encode(0x06, ID_EC_PUBLIC_KEY.as_bytes()), explicit].concat(),
            );
            let point = chip_point(curve);
            let spki = [algorithm, tlv::encode(0x03, &[&[0u8][..], &point].concat())].concat();
            assert_eq!(
                public_key(&spki).unwrap(),
                Ok((CaGroup::Curve(curve), point))
            );
            assert_eq!(
                ec_public_key(&spki).unwrap(),
                Some(Ok((curve, chip_point(curve))))
            );
        }
    }

    fn dh_group() -> pace_dh::Group {
        pace_dh::group(DomainParameters::Modp1024_160).unwrap()
    }

    #[test]
    fn a_dh_key_parses_back_with_its_group_and_pkcs3_parameters_are_accepted() {
        let group = dh_group();
        let y = group.public_key(&[7; 20]).unwrap();
        let file = encode_dh(Cipher::Aes(256), &group, &y);
        let dg14 = parse(&file).unwrap();
        let (info, key) = dg14.chosen().unwrap();
        assert_eq!(info.protocol.to_string(), "0.4.0.127.0.7.2.2.3.1.4");
        assert_eq!(
            (info.agreement, info.cipher),
            (KeyAgreement::Dh, Cipher::Aes(256))
        );
        assert_eq!(key.group, CaGroup::Dh(Box::new(group.clone())));
        assert_eq!(key.public, y.strip_prefix(&[0]).unwrap_or(&y));
        // The same key under PKCS #3 parameters (p, g, no q).
        let (p, g, _) = group.parameters();
        let integer = |v: &[u8]| tlv::encode(0x02, &[&[0u8][..], v].concat());
        let algorithm = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, ID_DH_KEY_AGREEMENT.as_bytes()),
                tlv::encode(0x30, &[integer(&p), integer(&g)].concat()),
            ]
            .concat(),
        );
        let spki = [
            algorithm,
            tlv::encode(0x03, &[&[0u8][..], &integer(&y)].concat()),
        ]
        .concat();
        let (loose, public) = public_key(&spki).unwrap().unwrap();
        assert_eq!(public, key.public);
        assert_eq!(
            loose,
            CaGroup::Dh(Box::new(pace_dh::Group::explicit(&p, &g, None).unwrap()))
        );
        // An ECDH protocol is not paired with a DH key.
        let ecdh_info = tlv::encode(
            0x30,
            &[
                tlv::encode(
                    0x06,
                    ca_protocol(KeyAgreement::Ecdh, Cipher::Aes(128)).as_bytes(),
                ),
                tlv::encode(0x02, &[1]),
            ]
            .concat(),
        );
        let (outer, _) = tlv::expect(&file, 0x6E).unwrap();
        let (set, _) = tlv::expect(outer.value, 0x31).unwrap();
        let (_, key_only) = tlv::expect(set.value, 0x30).unwrap();
        let mixed = tlv::encode(
            0x6E,
            &tlv::encode(0x31, &[&ecdh_info[..], key_only].concat()),
        );
        assert!(parse(&mixed).unwrap().chosen().is_none());
    }

    #[test]
    fn unknown_protocols_and_refused_groups_are_reported_and_malformed_files_are_errors() {
        let unknown = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, Oid::new_unwrap("0.4.0.127.0.7.2.2.3.3.1").as_bytes()),
                tlv::encode(0x02, &[1]),
            ]
            .concat(),
        );
        let file = tlv::encode(0x6E, &tlv::encode(0x31, &unknown));
        let dg14 = parse(&file).unwrap();
        assert!(dg14.chosen().is_none());
        assert_eq!(
            dg14.unsupported,
            ["chip authentication protocol 0.4.0.127.0.7.2.2.3.3.1"]
        );
        // A DH key whose g is 1: refused, reported, not run.
        let group = dh_group();
        let y = group.public_key(&[7; 20]).unwrap();
        let (p, _, q) = group.parameters();
        let integer = |v: &[u8]| tlv::encode(0x02, &[&[0u8][..], v].concat());
        let algorithm = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, ID_DH_PUBLIC_NUMBER.as_bytes()),
                tlv::encode(
                    0x30,
                    &[integer(&p), integer(&[1]), integer(&q.unwrap())].concat(),
                ),
            ]
            .concat(),
        );
        let spki = [
            algorithm,
            tlv::encode(0x03, &[&[0u8][..], &integer(&y)].concat()),
        ]
        .concat();
        assert_eq!(
            public_key(&spki).unwrap(),
            Err("a chip key in a DH group refused here".to_string())
        );
        let good = encode_dh(Cipher::Des3, &group, &y);
        for cut in 0..good.len() {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let good = encode(
            Cipher::Aes(256),
            DomainParameters::NistP384,
            &chip_point(DomainParameters::NistP384),
        );
        for cut in 0..good.len() {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(
            parse(&tlv::encode(
                0x6E,
                &tlv::encode(0x31, &tlv::encode(0x04, &[]))
            ))
            .is_err()
        );
    }
}
