//! Active authentication (ICAO Doc 9303 part 11 §6.1): the terminal sends 8 random bytes in
//! INTERNAL AUTHENTICATE and the chip signs them with the private key of DG15's public key —
//! RSA with ISO/IEC 9796-2 scheme 1 (message recovery; SHA-1 trailer BC, or the hash named in
//! a CC trailer), or ECDSA with the plain r ‖ s signature (BSI TR-03111) and the hash DG14's
//! ActiveAuthenticationInfo names (by the curve's size when it names none). A copy of the data
//! on another chip cannot sign. Verification here is by RustCrypto (`rsa`'s big integers,
//! ECDSA through `ecdsa_check` on NIST and Brainpool curves); the 9796-2 layout is laid out by hand because no maintained crate
//! decodes it. Pure; the chip-side signer (ECDSA) is for the software chip.

use crate::identity::apdu::Command;
use crate::identity::card_access::DomainParameters;
use crate::identity::dg15::AaPublicKey;
use crate::identity::signature_check::HashAlg;
use der::asn1::ObjectIdentifier as Oid;
use thiserror::Error;

pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AaError {
    #[error("the signature does not verify with DG15's key")]
    BadSignature,
    #[error("not verified here: {0}")]
    Unsupported(String),
}

/// INTERNAL AUTHENTICATE with the terminal's challenge.
pub fn command(challenge: &[u8; 8]) -> Command {
    Command::new(0x00, INS_INTERNAL_AUTHENTICATE, 0, 0)
        .with_data(challenge.to_vec())
        .with_le(256)
}

/// The hash an ECDSA AA algorithm names: ecdsa-with-SHA1/256/384/512 (RFC 5758) and BSI's
/// ecdsa-plain-SHA* OIDs.
fn hash_of_ecdsa(oid: &Oid) -> Option<HashAlg> {
    Some(match oid.to_string().as_str() {
        "1.2.840.10045.4.1" | "0.4.0.127.0.7.1.1.4.1.1" => HashAlg::Sha1,
        "1.2.840.10045.4.3.2" | "0.4.0.127.0.7.1.1.4.1.3" => HashAlg::Sha256,
        "1.2.840.10045.4.3.3" | "0.4.0.127.0.7.1.1.4.1.4" => HashAlg::Sha384,
        "1.2.840.10045.4.3.4" | "0.4.0.127.0.7.1.1.4.1.5" => HashAlg::Sha512,
        _ => return None,
    })
}

/// The hash of an ISO/IEC 9796-2 trailer `xx CC` (ISO/IEC 10118-3 identifiers).
fn hash_of_trailer(id: u8) -> Option<HashAlg> {
    Some(match id {
        0x33 => HashAlg::Sha1,
        0x34 => HashAlg::Sha256,
        0x36 => HashAlg::Sha384,
        0x35 => HashAlg::Sha512,
        _ => return None,
    })
}

/// The ECDSA hash: DG14's algorithm, else the one of the curve's size.
fn ecdsa_hash(curve: DomainParameters, algorithm: Option<&Oid>) -> Result<HashAlg, AaError> {
    match algorithm {
        Some(oid) => hash_of_ecdsa(oid)
            .ok_or_else(|| AaError::Unsupported(format!("signature algorithm {oid}"))),
        None => Ok(match curve {
            DomainParameters::NistP384 | DomainParameters::BrainpoolP384r1 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }),
    }
}

/// Checks the chip's answer to `challenge`.
pub fn verify(
    key: &AaPublicKey,
    algorithm: Option<&Oid>,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), AaError> {
    match key {
        AaPublicKey::Rsa(key) => verify_9796_2(key, challenge, signature),
        AaPublicKey::Ec { curve, point } => {
            let digest = ecdsa_hash(*curve, algorithm)?.digest(challenge);
            verify_ecdsa(*curve, point, &digest, signature)
        }
    }
}

fn verify_ecdsa(
    curve: DomainParameters,
    point: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), AaError> {
    use crate::identity::ecdsa_check::{SignatureForm, verify_prehash};
    use crate::identity::signature_check::SignatureError;
    match verify_prehash(curve, point, digest, signature, SignatureForm::Plain) {
        Ok(()) => Ok(()),
        Err(SignatureError::Invalid) => Err(AaError::BadSignature),
        Err(SignatureError::Unsupported(why)) => Err(AaError::Unsupported(why)),
    }
}

/// ISO/IEC 9796-2 scheme 1 with partial message recovery: F = s^e mod n is
/// `6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer`.
fn verify_9796_2(
    key: &rsa::RsaPublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), AaError> {
    use rsa::traits::PublicKeyParts as _;
    let k = key.size();
    let s = rsa::BigUint::from_bytes_be(signature);
    if signature.len() != k || &s >= key.n() {
        return Err(AaError::BadSignature);
    }
    let f = s.modpow(key.e(), key.n()).to_bytes_be();
    if f.len() != k {
        return Err(AaError::BadSignature);
    }
    let (hash, trailer) = match (f[k - 1], f[k - 2]) {
        (0xBC, _) => (HashAlg::Sha1, 1),
        (0xCC, id) => (hash_of_trailer(id).ok_or(AaError::BadSignature)?, 2),
        _ => return Err(AaError::BadSignature),
    };
    let digest_at = k
        .checked_sub(trailer + hash.output_len())
        .filter(|at| *at > 1)
        .ok_or(AaError::BadSignature)?;
    if f[0] != 0x6A {
        return Err(AaError::BadSignature);
    }
    let m1 = &f[1..digest_at];
    let digest = &f[digest_at..k - trailer];
    if hash.digest(&[m1, challenge].concat()) == digest {
        Ok(())
    } else {
        Err(AaError::BadSignature)
    }
}

/// The chip's side with an ECDSA key on NIST P-256 or P-384: r ‖ s over the challenge's
/// hash (the curve's size). For the software chip.
pub fn sign_ecdsa(
    curve: DomainParameters,
    private: &[u8],
    challenge: &[u8],
) -> Result<Vec<u8>, AaError> {
    use signature::hazmat::PrehashSigner as _;
    let digest = ecdsa_hash(curve, None)?.digest(challenge);
    let bad = |e: &dyn std::fmt::Display| AaError::Unsupported(e.to_string());
    match curve {
        DomainParameters::NistP256 => {
            let key = p256::ecdsa::SigningKey::from_slice(private).map_err(|e| bad(&e))?;
            let signature: p256::ecdsa::Signature =
                key.sign_prehash(&digest).map_err(|e| bad(&e))?;
            Ok(signature.to_bytes().to_vec())
        }
        DomainParameters::NistP384 => {
            let key = p384::ecdsa::SigningKey::from_slice(private).map_err(|e| bad(&e))?;
            let signature: p384::ecdsa::Signature =
                key.sign_prehash(&digest).map_err(|e| bad(&e))?;
            Ok(signature.to_bytes().to_vec())
        }
        other => Err(AaError::Unsupported(format!("ECDSA on {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::pace_mapping;

    #[test]
    fn an_ecdsa_answer_verifies_and_another_keys_does_not() {
        for curve in [DomainParameters::NistP256, DomainParameters::NistP384] {
            let private = pace_mapping::random_private_key(curve).unwrap();
            let key = AaPublicKey::Ec {
                curve,
                point: pace_mapping::public_key(curve, &private).unwrap(),
            };
            let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
            let signature = sign_ecdsa(curve, &private, &challenge).unwrap();
            assert_eq!(verify(&key, None, &challenge, &signature), Ok(()));
            assert_eq!(
                verify(&key, None, &[0; 8], &signature),
                Err(AaError::BadSignature),
                "another challenge"
            );
            let other = pace_mapping::random_private_key(curve).unwrap();
            let forged = sign_ecdsa(curve, &other, &challenge).unwrap();
            assert_eq!(
                verify(&key, None, &challenge, &forged),
                Err(AaError::BadSignature)
            );
            assert_eq!(
                verify(&key, None, &challenge, &signature[1..]),
                Err(AaError::BadSignature)
            );
        }
        // DG14 naming SHA-256 explicitly; an algorithm not known here.
        let curve = DomainParameters::NistP256;
        let private = pace_mapping::random_private_key(curve).unwrap();
        let key = AaPublicKey::Ec {
            curve,
            point: pace_mapping::public_key(curve, &private).unwrap(),
        };
        let signature = sign_ecdsa(curve, &private, &[9; 8]).unwrap();
        let sha256 = Oid::new_unwrap("1.2.840.10045.4.3.2");
        assert_eq!(verify(&key, Some(&sha256), &[9; 8], &signature), Ok(()));
        let unknown = Oid::new_unwrap("1.2.3.4");
        assert!(matches!(
            verify(&key, Some(&unknown), &[9; 8], &signature),
            Err(AaError::Unsupported(_))
        ));
    }

    /// The chip's 9796-2 scheme 1 signature, as a card makes it (tests only).
    fn sign_9796_2(key: &rsa::RsaPrivateKey, challenge: &[u8], trailer: &[u8]) -> Vec<u8> {
        use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
        let k = key.size();
        let hash = if trailer == [0xBC] {
            HashAlg::Sha1
        } else {
            hash_of_trailer(trailer[0]).unwrap()
        };
        let m1 = vec![0x5A; k - 1 - hash.output_len() - trailer.len()];
        let digest = hash.digest(&[&m1[..], challenge].concat());
        let f = [&[0x6A][..], &m1, &digest, trailer].concat();
        let s = rsa::BigUint::from_bytes_be(&f).modpow(key.d(), key.n());
        let mut out = s.to_bytes_be();
        while out.len() < k {
            out.insert(0, 0);
        }
        out
    }

    #[test]
    fn an_rsa_9796_2_answer_verifies_with_either_trailer_and_a_forgery_does_not() {
        let private = crate::identity::test_cards::test_rsa_key();
        let key = AaPublicKey::Rsa(Box::new(private.to_public_key()));
        let challenge = [0xA1; 8];
        for trailer in [&[0xBC][..], &[0x34, 0xCC][..]] {
            let signature = sign_9796_2(&private, &challenge, trailer);
            assert_eq!(
                verify(&key, None, &challenge, &signature),
                Ok(()),
                "{trailer:02X?}"
            );
            assert_eq!(
                verify(&key, None, &[0; 8], &signature),
                Err(AaError::BadSignature)
            );
            let mut forged = signature.clone();
            forged[10] ^= 1;
            assert_eq!(
                verify(&key, None, &challenge, &forged),
                Err(AaError::BadSignature)
            );
        }
        assert_eq!(
            verify(&key, None, &challenge, &[1, 2, 3]),
            Err(AaError::BadSignature)
        );
    }
}
