//! PACE's elliptic-curve arithmetic (ICAO Doc 9303 part 11, §4.4.3.3.1 generic mapping, and
//! §4.4.3.4 key agreement) on the standardized curves the chip names in EF.CardAccess:
//! brainpoolP256r1 (id 13, what chip ID cards offer) and brainpoolP384r1 (16) from RustCrypto's
//! `bp256`/`bp384` with `arithmetic`, brainpoolP512r1 (17) from the same machinery
//! (`brainpool_p512`), NIST P-256 (12) and P-384 (15) from `p256`/`p384` — never written here. The mapped generator G~ = s·G + H, where H is the Diffie-Hellman point of the
//! mapping keys, the ephemeral public keys on G~, and the shared secret (its x-coordinate).
//! Points cross this module as uncompressed SEC1 bytes (`04 ‖ x ‖ y`), as the chip sends them
//! in General Authenticate. The RFC 5114 MODP groups (ids 0–2) are `pace_dh`'s, behind the same
//! functions (their values unsigned integers as long as p). The other ids (P-192/224/521,
//! Brainpool 192–320) are `Unsupported`, and the reader falls back to BAC.

use crate::identity::card_access::DomainParameters;
use crate::identity::pace_dh;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("the chip's point is not a point of the curve")]
    NotOnCurve,
    #[error("a key or nonce is out of range")]
    BadScalar,
    #[error("the mapping gave the point at infinity")]
    Infinity,
    #[error("no arithmetic for these domain parameters")]
    Unsupported,
}

/// The four operations on one curve, from its crate's types and SEC1 conversion traits.
macro_rules! curve {
    ($module:ident, $($krate:ident)::+, $len:expr, $field_bytes:ty, $scalar:ty, $projective:ty, $affine:ty,
     $encoded:ty, $from_trait:path, $from_fn:ident, $to_trait:path, $to_fn:ident) => {
        mod $module {
            use super::MappingError;
            use $from_trait as _;
            use $($krate)::+::elliptic_curve::ff::PrimeField as _;
            use $($krate)::+::elliptic_curve::group::Group as _;
            use $to_trait as _;

            pub const LEN: usize = $len;

            /// A scalar from big-endian bytes (at most the field's length, below the order).
            fn scalar(bytes: &[u8]) -> Result<$scalar, MappingError> {
                if bytes.len() > LEN {
                    return Err(MappingError::BadScalar);
                }
                let mut repr = <$field_bytes>::default();
                repr[LEN - bytes.len()..].copy_from_slice(bytes);
                Option::<$scalar>::from(<$scalar>::from_repr(repr)).ok_or(MappingError::BadScalar)
            }

            /// A point from uncompressed SEC1 bytes; infinity and points off the curve refused.
            fn point(sec1: &[u8]) -> Result<$projective, MappingError> {
                if sec1.len() != 1 + 2 * LEN || sec1[0] != 4 {
                    return Err(MappingError::NotOnCurve);
                }
                let encoded = <$encoded>::from_bytes(sec1).map_err(|_| MappingError::NotOnCurve)?;
                let affine = Option::<$affine>::from(<$affine>::$from_fn(&encoded))
                    .ok_or(MappingError::NotOnCurve)?;
                let point = <$projective>::from(affine);
                if bool::from(point.is_identity()) {
                    return Err(MappingError::NotOnCurve);
                }
                Ok(point)
            }

            fn encode(point: $projective) -> Result<Vec<u8>, MappingError> {
                if bool::from(point.is_identity()) {
                    return Err(MappingError::Infinity);
                }
                Ok(point.to_affine().$to_fn(false).as_bytes().to_vec())
            }

            pub fn valid_private(bytes: &[u8]) -> bool {
                scalar(bytes).is_ok_and(|s| {
                    !bool::from(<$scalar as $($krate)::+::elliptic_curve::ff::Field>::is_zero(&s))
                })
            }

            pub fn public_key(private: &[u8]) -> Result<Vec<u8>, MappingError> {
                encode(<$projective>::generator() * scalar(private)?)
            }

            pub fn mapped_generator(
                nonce: &[u8],
                private: &[u8],
                chip_public: &[u8],
            ) -> Result<Vec<u8>, MappingError> {
                let shared = point(chip_public)? * scalar(private)?;
                if bool::from(shared.is_identity()) {
                    return Err(MappingError::Infinity);
                }
                encode(<$projective>::generator() * scalar(nonce)? + shared)
            }

            pub fn public_key_on(
                generator: &[u8],
                private: &[u8],
            ) -> Result<Vec<u8>, MappingError> {
                encode(point(generator)? * scalar(private)?)
            }

            pub fn shared_secret(
                private: &[u8],
                chip_public: &[u8],
            ) -> Result<Vec<u8>, MappingError> {
                let encoded = encode(point(chip_public)? * scalar(private)?)?;
                Ok(encoded[1..1 + LEN].to_vec())
            }

            pub fn quotient(a: &[u8], b: &[u8]) -> Result<Vec<u8>, MappingError> {
                let inverse = Option::<$scalar>::from(scalar(b)?.invert())
                    .ok_or(MappingError::BadScalar)?;
                let q = scalar(a)? * inverse;
                if bool::from(<$scalar as $($krate)::+::elliptic_curve::ff::Field>::is_zero(&q)) {
                    return Err(MappingError::BadScalar);
                }
                Ok(q.to_repr().to_vec())
            }
        }
    };
}

curve!(
    brainpool_p256,
    bp256,
    32,
    bp256::FieldBytes,
    bp256::r1::Scalar,
    bp256::r1::ProjectivePoint,
    bp256::r1::AffinePoint,
    bp256::r1::Sec1Point,
    bp256::elliptic_curve::sec1::FromSec1Point,
    from_sec1_point,
    bp256::elliptic_curve::sec1::ToSec1Point,
    to_sec1_point
);
curve!(
    brainpool_p384,
    bp384,
    48,
    bp384::FieldBytes,
    bp384::r1::Scalar,
    bp384::r1::ProjectivePoint,
    bp384::r1::AffinePoint,
    bp384::r1::Sec1Point,
    bp384::elliptic_curve::sec1::FromSec1Point,
    from_sec1_point,
    bp384::elliptic_curve::sec1::ToSec1Point,
    to_sec1_point
);
curve!(
    brainpool_p512,
    crate::identity::brainpool_p512,
    64,
    crate::identity::brainpool_p512::FieldBytes,
    crate::identity::brainpool_p512::r1::Scalar,
    crate::identity::brainpool_p512::r1::ProjectivePoint,
    crate::identity::brainpool_p512::r1::AffinePoint,
    crate::identity::brainpool_p512::r1::Sec1Point,
    crate::identity::brainpool_p512::elliptic_curve::sec1::FromSec1Point,
    from_sec1_point,
    crate::identity::brainpool_p512::elliptic_curve::sec1::ToSec1Point,
    to_sec1_point
);
curve!(
    nist_p256,
    p256,
    32,
    p256::FieldBytes,
    p256::Scalar,
    p256::ProjectivePoint,
    p256::AffinePoint,
    p256::EncodedPoint,
    p256::elliptic_curve::sec1::FromEncodedPoint,
    from_encoded_point,
    p256::elliptic_curve::sec1::ToEncodedPoint,
    to_encoded_point
);
curve!(
    nist_p384,
    p384,
    48,
    p384::FieldBytes,
    p384::Scalar,
    p384::ProjectivePoint,
    p384::AffinePoint,
    p384::EncodedPoint,
    p384::elliptic_curve::sec1::FromEncodedPoint,
    from_encoded_point,
    p384::elliptic_curve::sec1::ToEncodedPoint,
    to_encoded_point
);

/// Runs `$call` in the module of `$curve`'s arithmetic, or answers `Unsupported`.
macro_rules! on_curve {
    ($curve:expr, $module:ident => $call:expr) => {
        match $curve {
            DomainParameters::BrainpoolP256r1 => {
                use brainpool_p256 as $module;
                $call
            }
            DomainParameters::BrainpoolP384r1 => {
                use brainpool_p384 as $module;
                $call
            }
            DomainParameters::BrainpoolP512r1 => {
                use brainpool_p512 as $module;
                $call
            }
            DomainParameters::NistP256 => {
                use nist_p256 as $module;
                $call
            }
            DomainParameters::NistP384 => {
                use nist_p384 as $module;
                $call
            }
            _ => Err(MappingError::Unsupported),
        }
    };
}

/// Whether PACE can run on these domain parameters here.
pub fn supports(curve: DomainParameters) -> bool {
    field_length(curve).is_ok()
}

/// The length of the curve's field elements (and of a private key) in bytes.
pub fn field_length(curve: DomainParameters) -> Result<usize, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return Ok(group.private_length());
    }
    on_curve!(curve, c => Ok(c::LEN))
}

/// A fresh private key (or chip nonce-sized scalar) for the curve, from system randomness.
pub fn random_private_key(
    curve: DomainParameters,
) -> Result<zeroize::Zeroizing<Vec<u8>>, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return Ok(group.random_private());
    }
    let len = field_length(curve)?;
    loop {
        let mut key = zeroize::Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut key).expect("system randomness");
        if on_curve!(curve, c => Ok(c::valid_private(&key)))? {
            return Ok(key);
        }
    }
}

/// `private`·G: a public key on the curve's own generator (the mapping keys).
pub fn public_key(curve: DomainParameters, private: &[u8]) -> Result<Vec<u8>, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return group.public_key(private);
    }
    on_curve!(curve, c => c::public_key(private))
}

/// Generic mapping: G~ = s·G + private·chip_public, from the nonce `s` and this side's
/// mapping key with the other side's mapping public key.
pub fn mapped_generator(
    curve: DomainParameters,
    nonce: &[u8],
    private: &[u8],
    other_public: &[u8],
) -> Result<Vec<u8>, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return group.mapped_generator(nonce, private, other_public);
    }
    on_curve!(curve, c => c::mapped_generator(nonce, private, other_public))
}

/// `private`·`generator` (SEC1): the ephemeral public key on the mapped generator.
pub fn public_key_on(
    curve: DomainParameters,
    generator: &[u8],
    private: &[u8],
) -> Result<Vec<u8>, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return group.public_key_on(generator, private);
    }
    on_curve!(curve, c => c::public_key_on(generator, private))
}

/// The shared secret of the key agreement: the x-coordinate of `private`·`other_public`.
pub fn shared_secret(
    curve: DomainParameters,
    private: &[u8],
    other_public: &[u8],
) -> Result<Vec<u8>, MappingError> {
    if let Some(group) = pace_dh::group(curve) {
        return group.shared_secret(private, other_public);
    }
    on_curve!(curve, c => c::shared_secret(private, other_public))
}

/// a · b⁻¹ modulo the curve's order, as many bytes as a private key: PACE-CAM's chip
/// authentication data from the chip's mapping and static private keys. Curves only.
pub fn scalar_quotient(
    curve: DomainParameters,
    a: &[u8],
    b: &[u8],
) -> Result<Vec<u8>, MappingError> {
    on_curve!(curve, c => c::quotient(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_vectors::{self as g1, hex, sec1};
    const BP256: DomainParameters = DomainParameters::BrainpoolP256r1;

    /// ICAO 9303-11 appendix G.1: ECDH generic mapping on brainpoolP256r1, every value.
    #[test]
    fn the_worked_example_maps_and_agrees() {
        let (sk_map_pcd, sk_map_picc) = (hex(g1::SK_MAP_PCD), hex(g1::SK_MAP_PICC));
        let (pk_map_pcd, pk_map_picc) = (sec1(g1::PK_MAP_PCD), sec1(g1::PK_MAP_PICC));
        assert_eq!(public_key(BP256, &sk_map_pcd).unwrap(), pk_map_pcd);
        assert_eq!(public_key(BP256, &sk_map_picc).unwrap(), pk_map_picc);
        let s = hex(g1::NONCE);
        let mapped = sec1(g1::MAPPED_GENERATOR);
        // Both sides reach the same generator.
        assert_eq!(
            mapped_generator(BP256, &s, &sk_map_pcd, &pk_map_picc).unwrap(),
            mapped
        );
        assert_eq!(
            mapped_generator(BP256, &s, &sk_map_picc, &pk_map_pcd).unwrap(),
            mapped
        );
        let (sk_pcd, sk_picc) = (hex(g1::SK_PCD), hex(g1::SK_PICC));
        let pk_pcd = public_key_on(BP256, &mapped, &sk_pcd).unwrap();
        let pk_picc = public_key_on(BP256, &mapped, &sk_picc).unwrap();
        assert_eq!(pk_pcd, sec1(g1::PK_PCD));
        assert_eq!(pk_picc, sec1(g1::PK_PICC));
        let k = hex(g1::SHARED_SECRET);
        assert_eq!(shared_secret(BP256, &sk_pcd, &pk_picc).unwrap(), k);
        assert_eq!(shared_secret(BP256, &sk_picc, &pk_pcd).unwrap(), k);
    }

    #[test]
    fn a_point_off_the_curve_or_a_scalar_out_of_range_is_refused() {
        let key = hex(g1::SK_MAP_PCD);
        let mut off = public_key(BP256, &key).unwrap();
        off[64] ^= 1;
        assert_eq!(
            shared_secret(BP256, &key, &off),
            Err(MappingError::NotOnCurve)
        );
        assert_eq!(
            shared_secret(BP256, &key, &[4, 1, 2]),
            Err(MappingError::NotOnCurve)
        );
        assert_eq!(
            shared_secret(BP256, &key, &[0]),
            Err(MappingError::NotOnCurve)
        );
        assert_eq!(public_key(BP256, &[0xFF; 32]), Err(MappingError::BadScalar));
        assert_eq!(public_key(BP256, &[1; 33]), Err(MappingError::BadScalar));
        assert_eq!(public_key(BP256, &[0; 32]), Err(MappingError::Infinity));
    }

    #[test]
    fn every_supported_curve_agrees_on_one_secret_and_others_are_unsupported() {
        for curve in [
            DomainParameters::BrainpoolP256r1,
            DomainParameters::BrainpoolP384r1,
            DomainParameters::BrainpoolP512r1,
            DomainParameters::NistP256,
            DomainParameters::NistP384,
        ] {
            assert!(supports(curve));
            let len = field_length(curve).unwrap();
            let nonce = [7u8; 16];
            let (a_map, b_map) = (
                random_private_key(curve).unwrap(),
                random_private_key(curve).unwrap(),
            );
            let (a_map_pub, b_map_pub) = (
                public_key(curve, &a_map).unwrap(),
                public_key(curve, &b_map).unwrap(),
            );
            assert_eq!(a_map_pub.len(), 1 + 2 * len);
            let g = mapped_generator(curve, &nonce, &a_map, &b_map_pub).unwrap();
            assert_eq!(
                g,
                mapped_generator(curve, &nonce, &b_map, &a_map_pub).unwrap(),
                "{curve:?}"
            );
            let (a, b) = (
                random_private_key(curve).unwrap(),
                random_private_key(curve).unwrap(),
            );
            let (a_pub, b_pub) = (
                public_key_on(curve, &g, &a).unwrap(),
                public_key_on(curve, &g, &b).unwrap(),
            );
            let secret = shared_secret(curve, &a, &b_pub).unwrap();
            assert_eq!(secret.len(), len);
            assert_eq!(secret, shared_secret(curve, &b, &a_pub).unwrap());
            // A point of another length is not on this curve.
            assert_eq!(
                shared_secret(curve, &a, &[4; 65 + 32]),
                Err(MappingError::NotOnCurve)
            );
        }
        for curve in [
            DomainParameters::BrainpoolP320r1,
            DomainParameters::BrainpoolP224r1,
            DomainParameters::NistP521,
        ] {
            assert!(!supports(curve));
            assert_eq!(public_key(curve, &[1]), Err(MappingError::Unsupported));
        }
    }

    /// ICAO 9303-11 appendix G.2: DH generic mapping on the 1024-bit RFC 5114 group.
    #[test]
    fn the_dh_worked_example_maps_and_agrees() {
        use crate::identity::test_vectors::g2;
        let group = DomainParameters::Modp1024_160;
        assert_eq!(
            public_key(group, &hex(g2::SK_MAP_PCD)).unwrap(),
            hex(g2::PK_MAP_PCD)
        );
        let mapped = mapped_generator(
            group,
            &hex(g2::NONCE),
            &hex(g2::SK_MAP_PCD),
            &hex(g2::PK_MAP_PICC),
        )
        .unwrap();
        assert_eq!(mapped, hex(g2::MAPPED_GENERATOR));
        assert_eq!(
            public_key_on(group, &mapped, &hex(g2::SK_PCD)).unwrap(),
            hex(g2::PK_PCD)
        );
        let k = shared_secret(group, &hex(g2::SK_PCD), &hex(g2::PK_PICC)).unwrap();
        assert_eq!(k, hex(g2::SHARED_SECRET));
        use crate::identity::card_access::Cipher;
        use crate::identity::pace_keys::kdf;
        assert_eq!(kdf(&k, 1, Cipher::Aes(128)), hex(g2::KS_ENC));
        assert_eq!(kdf(&k, 2, Cipher::Aes(128)), hex(g2::KS_MAC));
        // Values outside the subgroup, 0, 1 and p − 1 are refused.
        for bad in [vec![0u8], vec![1u8], vec![0xFF; 129]] {
            assert_eq!(
                shared_secret(group, &hex(g2::SK_PCD), &bad),
                Err(MappingError::NotOnCurve)
            );
        }
        let mut outside = hex(g2::PK_PICC);
        outside[127] ^= 1;
        assert_eq!(
            shared_secret(group, &hex(g2::SK_PCD), &outside),
            Err(MappingError::NotOnCurve)
        );
        // Both 2048-bit groups agree too.
        for group in [
            DomainParameters::Modp2048_224,
            DomainParameters::Modp2048_256,
        ] {
            let (a, b) = (
                random_private_key(group).unwrap(),
                random_private_key(group).unwrap(),
            );
            let (a_pub, b_pub) = (
                public_key(group, &a).unwrap(),
                public_key(group, &b).unwrap(),
            );
            assert_eq!(a_pub.len(), 256);
            assert_eq!(
                shared_secret(group, &a, &b_pub).unwrap(),
                shared_secret(group, &b, &a_pub).unwrap()
            );
        }
    }
}
