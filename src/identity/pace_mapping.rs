//! PACE's elliptic-curve arithmetic (ICAO Doc 9303 part 11, §4.4.3.3.1 generic mapping, and
//! §4.4.3.4 key agreement) on brainpoolP256r1, the domain parameters (id 13) that chip ID
//! cards offer in EF.CardAccess: the mapped generator G~ = s·G + H, where H is the
//! Diffie-Hellman point of the mapping keys, the ephemeral public keys on G~, and the shared
//! secret (its x-coordinate). Curve arithmetic is RustCrypto's (`bp256` with `arithmetic`),
//! never written here. Points cross this module as uncompressed SEC1 bytes (`04 ‖ x ‖ y`),
//! as the chip sends them in General Authenticate.

use bp256::elliptic_curve::ff::PrimeField;
use bp256::elliptic_curve::group::Group as _;
use bp256::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use bp256::r1::{AffinePoint, ProjectivePoint, Scalar};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("the chip's point is not a point of the curve")]
    NotOnCurve,
    #[error("a key or nonce is out of range")]
    BadScalar,
    #[error("the mapping gave the point at infinity")]
    Infinity,
}

/// A scalar from big-endian bytes (a nonce or private key, at most 32 bytes, below the order).
fn scalar(bytes: &[u8]) -> Result<Scalar, MappingError> {
    if bytes.len() > 32 {
        return Err(MappingError::BadScalar);
    }
    let mut repr = bp256::FieldBytes::default();
    repr[32 - bytes.len()..].copy_from_slice(bytes);
    Option::<Scalar>::from(Scalar::from_repr(repr)).ok_or(MappingError::BadScalar)
}

/// A point from uncompressed SEC1 bytes; the point at infinity and points off the curve are
/// refused.
fn point(sec1: &[u8]) -> Result<ProjectivePoint, MappingError> {
    let encoded = bp256::r1::Sec1Point::from_bytes(sec1).map_err(|_| MappingError::NotOnCurve)?;
    let affine = Option::<AffinePoint>::from(AffinePoint::from_sec1_point(&encoded))
        .ok_or(MappingError::NotOnCurve)?;
    let point = ProjectivePoint::from(affine);
    if bool::from(point.is_identity()) {
        return Err(MappingError::NotOnCurve);
    }
    Ok(point)
}

/// Uncompressed SEC1 bytes of a point that is not the point at infinity.
fn encode(point: ProjectivePoint) -> Result<Vec<u8>, MappingError> {
    if bool::from(point.is_identity()) {
        return Err(MappingError::Infinity);
    }
    Ok(point.to_affine().to_sec1_point(false).as_bytes().to_vec())
}

/// `private`·G: a public key on the curve's own generator (the mapping keys).
pub fn public_key(private: &[u8]) -> Result<Vec<u8>, MappingError> {
    encode(ProjectivePoint::generator() * scalar(private)?)
}

/// Generic mapping: G~ = s·G + private·chip_public, from the nonce `s` and the terminal's
/// mapping key with the chip's mapping public key.
pub fn mapped_generator(
    nonce: &[u8],
    private: &[u8],
    chip_public: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let shared = point(chip_public)? * scalar(private)?;
    if bool::from(shared.is_identity()) {
        return Err(MappingError::Infinity);
    }
    encode(ProjectivePoint::generator() * scalar(nonce)? + shared)
}

/// `private`·`generator` (SEC1): the ephemeral public key on the mapped generator.
pub fn public_key_on(generator: &[u8], private: &[u8]) -> Result<Vec<u8>, MappingError> {
    encode(point(generator)? * scalar(private)?)
}

/// The shared secret of the key agreement: the x-coordinate of `private`·`chip_public`.
pub fn shared_secret(private: &[u8], chip_public: &[u8]) -> Result<Vec<u8>, MappingError> {
    let encoded = encode(point(chip_public)? * scalar(private)?)?;
    Ok(encoded[1..33].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_vectors::{self as g1, hex, sec1};

    /// ICAO 9303-11 appendix G.1: ECDH generic mapping on brainpoolP256r1, every value.
    #[test]
    fn the_worked_example_maps_and_agrees() {
        let (sk_map_pcd, sk_map_picc) = (hex(g1::SK_MAP_PCD), hex(g1::SK_MAP_PICC));
        let (pk_map_pcd, pk_map_picc) = (sec1(g1::PK_MAP_PCD), sec1(g1::PK_MAP_PICC));
        assert_eq!(public_key(&sk_map_pcd).unwrap(), pk_map_pcd);
        assert_eq!(public_key(&sk_map_picc).unwrap(), pk_map_picc);
        let s = hex(g1::NONCE);
        let mapped = sec1(g1::MAPPED_GENERATOR);
        // Both sides reach the same generator.
        assert_eq!(
            mapped_generator(&s, &sk_map_pcd, &pk_map_picc).unwrap(),
            mapped
        );
        assert_eq!(
            mapped_generator(&s, &sk_map_picc, &pk_map_pcd).unwrap(),
            mapped
        );
        let (sk_pcd, sk_picc) = (hex(g1::SK_PCD), hex(g1::SK_PICC));
        let pk_pcd = public_key_on(&mapped, &sk_pcd).unwrap();
        let pk_picc = public_key_on(&mapped, &sk_picc).unwrap();
        assert_eq!(pk_pcd, sec1(g1::PK_PCD));
        assert_eq!(pk_picc, sec1(g1::PK_PICC));
        let k = hex(g1::SHARED_SECRET);
        assert_eq!(shared_secret(&sk_pcd, &pk_picc).unwrap(), k);
        assert_eq!(shared_secret(&sk_picc, &pk_pcd).unwrap(), k);
    }

    #[test]
    fn a_point_off_the_curve_or_a_scalar_out_of_range_is_refused() {
        let key = hex(g1::SK_MAP_PCD);
        let mut off = public_key(&key).unwrap();
        off[64] ^= 1;
        assert_eq!(shared_secret(&key, &off), Err(MappingError::NotOnCurve));
        assert_eq!(
            shared_secret(&key, &[4, 1, 2]),
            Err(MappingError::NotOnCurve)
        );
        assert_eq!(shared_secret(&key, &[0]), Err(MappingError::NotOnCurve));
        assert_eq!(public_key(&[0xFF; 32]), Err(MappingError::BadScalar));
        assert_eq!(public_key(&[1; 33]), Err(MappingError::BadScalar));
        assert_eq!(public_key(&[0; 32]), Err(MappingError::Infinity));
    }
}
