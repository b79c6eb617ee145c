//! DG15 (ICAO Doc 9303 part 10 §4.7.15 and part 11 §6.1): the chip's active authentication
//! public key, a SubjectPublicKeyInfo — RSA, or an elliptic-curve key on a named curve or
//! with explicit parameters (recognised by their generator, as in DG14). DG15 is hashed in
//! EF.SOD, so once passive authentication holds, a signature with it proves the chip holds the
//! issuer's key. Parsing (and, for the test issuer, encoding an EC key); malformed input is an
//! error, a key of a kind not verified here is said as such.

use crate::identity::card_access::DomainParameters;
use crate::identity::dg14;
use crate::identity::tlv;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Dg15Error {
    #[error("DG15 structure: {0}")]
    Tlv(#[from] tlv::TlvError),
    #[error("DG15: {0}")]
    Malformed(String),
}

/// The chip's active authentication key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AaPublicKey {
    Rsa(Box<rsa::RsaPublicKey>),
    Ec {
        curve: DomainParameters,
        /// Uncompressed SEC1 point.
        point: Vec<u8>,
    },
}

/// Parses DG15 (`6F { SubjectPublicKeyInfo }`); `Ok(Err(why))` for a key not verified here.
pub fn parse(bytes: &[u8]) -> Result<Result<AaPublicKey, String>, Dg15Error> {
    let (outer, _) = tlv::expect(bytes, 0x6F)?;
    let (spki, _) = tlv::expect(outer.value, 0x30)?;
    let whole = &outer.value[..spki.encoded_len];
    if let Some(key) =
        dg14::ec_public_key(spki.value).map_err(|e| Dg15Error::Malformed(e.to_string()))?
    {
        return Ok(key.map(|(curve, point)| AaPublicKey::Ec { curve, point }));
    }
    use rsa::pkcs8::DecodePublicKey as _;
    match rsa::RsaPublicKey::from_public_key_der(whole) {
        Ok(key) => Ok(Ok(AaPublicKey::Rsa(Box::new(key)))),
        Err(e) => Ok(Err(format!(
            "an active authentication key not read here: {e}"
        ))),
    }
}

/// DG15 holding the EC key `point` on `curve` (named), for the test issuer.
pub fn encode_ec(curve: DomainParameters, point: &[u8]) -> Vec<u8> {
    tlv::encode(0x6F, &dg14::encode_ec_public_key(curve, point))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::pace_mapping;

    #[test]
    fn an_ec_key_and_an_rsa_key_parse_and_broken_files_do_not() {
        let point = pace_mapping::public_key(DomainParameters::NistP256, &[5; 32]).unwrap();
        let file = encode_ec(DomainParameters::NistP256, &point);
        assert_eq!(
            parse(&file).unwrap(),
            Ok(AaPublicKey::Ec {
                curve: DomainParameters::NistP256,
                point
            })
        );
        for cut in 0..file.len() {
            assert!(parse(&file[..cut]).is_err(), "cut at {cut}");
        }
        use rsa::pkcs8::EncodePublicKey as _;
        let private = crate::identity::test_cards::test_rsa_key();
        let spki = private.to_public_key().to_public_key_der().unwrap();
        let file = tlv::encode(0x6F, spki.as_bytes());
        assert_eq!(
            parse(&file).unwrap(),
            Ok(AaPublicKey::Rsa(Box::new(private.to_public_key())))
        );
        // A SubjectPublicKeyInfo of another algorithm.
        let other = tlv::encode(
            0x6F,
            &tlv::encode(
                0x30,
                &[
                    tlv::encode(0x30, &tlv::encode(0x06, &[0x2B, 0x65, 0x70])),
                    tlv::encode(0x03, &[0, 1, 2]),
                ]
                .concat(),
            ),
        );
        assert!(parse(&other).unwrap().is_err());
    }
}
