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

    fn hex(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).unwrap()
    }

    fn sec1(x: &str, y: &str) -> Vec<u8> {
        [vec![4], hex(x), hex(y)].concat()
    }

    /// ICAO 9303-11 appendix G.1: ECDH generic mapping on brainpoolP256r1, every value.
    #[test]
    fn the_worked_example_maps_and_agrees() {
        let sk_map_pcd = hex("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99");
        let sk_map_picc = hex("498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560");
        let pk_map_pcd = sec1(
            "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E",
            "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D",
        );
        let pk_map_picc = sec1(
            "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57",
            "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54",
        );
        assert_eq!(public_key(&sk_map_pcd).unwrap(), pk_map_pcd);
        assert_eq!(public_key(&sk_map_picc).unwrap(), pk_map_picc);
        let s = hex("3F00C4D39D153F2B2A214A078D899B22");
        let mapped = sec1(
            "8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2",
            "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522",
        );
        // Both sides reach the same generator.
        assert_eq!(
            mapped_generator(&s, &sk_map_pcd, &pk_map_picc).unwrap(),
            mapped
        );
        assert_eq!(
            mapped_generator(&s, &sk_map_picc, &pk_map_pcd).unwrap(),
            mapped
        );
        let sk_pcd = hex("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595");
        let sk_picc = hex("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A");
        let pk_pcd = public_key_on(&mapped, &sk_pcd).unwrap();
        let pk_picc = public_key_on(&mapped, &sk_picc).unwrap();
        assert_eq!(
            pk_pcd,
            sec1(
                "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C",
                "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462",
            )
        );
        assert_eq!(
            pk_picc,
            sec1(
                "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB",
                "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094",
            )
        );
        let k = hex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
        assert_eq!(shared_secret(&sk_pcd, &pk_picc).unwrap(), k);
        assert_eq!(shared_secret(&sk_picc, &pk_pcd).unwrap(), k);
    }

    #[test]
    fn a_point_off_the_curve_or_a_scalar_out_of_range_is_refused() {
        let key = hex("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99");
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
