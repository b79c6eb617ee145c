//! brainpoolP512r1 (RFC 5639 §3.7) for RustCrypto's `elliptic-curve` 0.14: the curve the
//! Vietnamese CSCA signs with (its certificate, in the ICAO master lists, carries a 512-bit key
//! with explicit brainpoolP512r1 parameters) and PACE's domain parameters id 17. RustCrypto
//! publishes `bp256` and `bp384` but no `bp512`, so this file wires the curve the way those
//! crates do with their `bigint` backend — nothing here is arithmetic written by hand: the
//! field and scalar are `primefield`'s Montgomery arithmetic over `crypto-bigint`, the points
//! `primeorder`'s complete formulas, signatures `ecdsa`'s. It only states the curve's published
//! constants (checked against OpenSSL's `ecparam -name brainpoolP512r1 -param_enc explicit`)
//! and implements the traits. Module layout mirrors the crates' (`r1`, `FieldBytes`,
//! `elliptic_curve`) so code written for `bp256`/`bp384` takes it unchanged.

pub use bp384::elliptic_curve;
use elliptic_curve::bigint::{Odd, U512};
use elliptic_curve::consts::U64;
use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic, wnaf};

/// p.
const FIELD_HEX: &str = "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3";
/// n, the order of the generator.
const ORDER_HEX: &str = "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069";
const ORDER: Odd<U512> = Odd::<U512>::from_be_hex(ORDER_HEX);

/// brainpoolP512r1.
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
pub struct BrainpoolP512r1;

impl elliptic_curve::Curve for BrainpoolP512r1 {
    type FieldBytesSize = U64;
    type Uint = U512;
    const ORDER: Odd<U512> = ORDER;
}

impl elliptic_curve::PrimeCurve for BrainpoolP512r1 {}

impl elliptic_curve::point::PointCompression for BrainpoolP512r1 {
    const COMPRESS_POINTS: bool = false;
}

pub type FieldBytes = elliptic_curve::FieldBytes<BrainpoolP512r1>;
pub type Sec1Point = elliptic_curve::sec1::Sec1Point<BrainpoolP512r1>;

/// The field modulo p. (`primefield` 0.14's macro calls a `crypto-bigint` method since
/// deprecated: allowed here, as it is inside the bp256/bp384 crates.)
#[allow(deprecated)]
mod field {
    // What `primefield`'s macros expect in scope (as in bp384's field module).
    use super::{FIELD_HEX, U512, elliptic_curve};
    #[allow(unused_imports)]
    use elliptic_curve::{
        ff::PrimeField,
        subtle::{Choice, ConstantTimeEq, CtOption},
    };

    // The multiplicative generators below are the smallest quadratic non-residues of p and n,
    // which is what the square roots of `ff::PrimeField` need.
    primefield::monty_field_params! {
        name: FieldParams,
        modulus: FIELD_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 2,
        doc: "Montgomery parameters for brainpoolP512's field modulus"
    }

    primefield::monty_field_element! {
        name: FieldElement,
        params: FieldParams,
        uint: U512,
        doc: "Element in the brainpoolP512 finite field modulo p"
    }

    primefield::monty_field_arithmetic! {
        name: FieldElement,
        params: FieldParams,
        uint: U512
    }

    impl elliptic_curve::ops::BatchInvert for FieldElement {}
}

/// The scalars modulo n.
#[allow(deprecated)]
mod scalar {
    use super::{BrainpoolP512r1, ORDER, ORDER_HEX, U512, elliptic_curve, wnaf};
    use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
    #[allow(unused_imports)]
    use elliptic_curve::{
        ff::PrimeField,
        subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption},
    };

    primefield::monty_field_params! {
        name: ScalarParams,
        modulus: ORDER_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 7,
        doc: "Montgomery parameters for brainpoolP512's scalar modulus"
    }

    primefield::monty_field_element! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
        doc: "Element in the brainpoolP512 scalar field modulo n"
    }

    primefield::monty_field_arithmetic! {
        name: Scalar,
        params: ScalarParams,
        uint: U512
    }

    primefield::monty_field_reduce! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
    }

    elliptic_curve::scalar_impls!(BrainpoolP512r1, Scalar);

    wnaf::impl_wnaf_size_for_scalar!(Scalar);

    impl AsRef<Scalar> for Scalar {
        fn as_ref(&self) -> &Scalar {
            self
        }
    }

    impl FromUintUnchecked for Scalar {
        type Uint = U512;

        fn from_uint_unchecked(uint: Self::Uint) -> Self {
            Self::from_uint_unchecked(uint)
        }
    }

    impl IsHigh for Scalar {
        fn is_high(&self) -> Choice {
            const MODULUS_SHR1: U512 = ORDER.as_ref().shr_vartime(1);
            self.to_canonical().ct_gt(&MODULUS_SHR1)
        }
    }
}

pub use field::FieldElement;
pub use scalar::Scalar;

pub type AffinePoint = primeorder::AffinePoint<BrainpoolP512r1>;
pub type ProjectivePoint = primeorder::ProjectivePoint<BrainpoolP512r1>;

impl CurveArithmetic for BrainpoolP512r1 {
    type AffinePoint = AffinePoint;
    type ProjectivePoint = ProjectivePoint;
    type Scalar = Scalar;
}

impl FieldArithmetic for BrainpoolP512r1 {
    type FieldElement = FieldElement;
}

impl PrimeCurveArithmetic for BrainpoolP512r1 {
    type CurveGroup = ProjectivePoint;
}

impl PrimeCurveParams for BrainpoolP512r1 {
    type PointArithmetic = point_arithmetic::EquationAIsGeneric;
    type Backend = mul_backend::VariableOnly;

    const EQUATION_A: FieldElement = FieldElement::from_hex_vartime(
        "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
    );
    const EQUATION_B: FieldElement = FieldElement::from_hex_vartime(
        "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
    );
    const GENERATOR: (FieldElement, FieldElement) = (
        FieldElement::from_hex_vartime(
            "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
        ),
        FieldElement::from_hex_vartime(
            "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        ),
    );
}

impl ecdsa_brainpool::EcdsaCurve for BrainpoolP512r1 {
    const NORMALIZE_S: bool = false;
}

/// The names `bp256::r1` and `bp384::r1` use.
pub mod r1 {
    pub use super::{AffinePoint, ProjectivePoint, Scalar, Sec1Point};
}
