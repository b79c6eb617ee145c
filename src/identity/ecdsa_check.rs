//! ECDSA verification on the curves the chip ID world signs with — NIST P-256 and P-384
//! (`p256`/`p384`) and brainpoolP256r1, P384r1 and P512r1 (`bp256`/`bp384`/`brainpool_p512`
//! on `ecdsa` 0.17) — over
//! a hash the caller computed, with the signature DER-encoded (X.509, CMS) or plain r ‖ s
//! (BSI TR-03111, active authentication); and which curve a key's parameters name (a named
//! curve's OID, or explicit parameters recognised by their generator). Verification is
//! RustCrypto's; nothing is computed by hand. Pure.

use crate::identity::card_access::DomainParameters;
use crate::identity::signature_check::SignatureError;

/// How the signature's r and s are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureForm {
    Der,
    /// r ‖ s, each the field's length.
    Plain,
}

/// The curve an EC key's algorithm parameters name.
pub fn curve_of(parameters: Option<&der::Any>) -> Option<DomainParameters> {
    let parameters = parameters?;
    if let Ok(oid) = parameters.decode_as::<der::asn1::ObjectIdentifier>() {
        return crate::identity::dg14::named_curve(&oid);
    }
    use der::Tagged as _;
    (parameters.tag() == der::Tag::Sequence)
        .then(|| crate::identity::dg14::explicit_curve(parameters.value()))
        .flatten()
}

macro_rules! verify_with {
    ($verifying:ty, $signature:ty, $point:expr, $prehash:expr, $bytes:expr, $form:expr) => {{
        let key = <$verifying>::from_sec1_bytes($point)
            .map_err(|_| SignatureError::Unsupported("an EC key not on its curve".into()))?;
        let signature = match $form {
            SignatureForm::Der => <$signature>::from_der($bytes),
            SignatureForm::Plain => <$signature>::from_slice($bytes),
        }
        .map_err(|_| SignatureError::Invalid)?;
        key.verify_prehash($prehash, &signature)
            .map_err(|_| SignatureError::Invalid)
    }};
}

/// Verifies `signature` over `prehash` with the public `point` on `curve`.
pub fn verify_prehash(
    curve: DomainParameters,
    point: &[u8],
    prehash: &[u8],
    signature: &[u8],
    form: SignatureForm,
) -> Result<(), SignatureError> {
    match curve {
        DomainParameters::NistP256 => {
            use signature::hazmat::PrehashVerifier as _;
            verify_with!(
                p256::ecdsa::VerifyingKey,
                p256::ecdsa::Signature,
                point,
                prehash,
                signature,
                form
            )
        }
        DomainParameters::NistP384 => {
            use signature::hazmat::PrehashVerifier as _;
            verify_with!(
                p384::ecdsa::VerifyingKey,
                p384::ecdsa::Signature,
                point,
                prehash,
                signature,
                form
            )
        }
        DomainParameters::BrainpoolP256r1 => {
            use ecdsa_brainpool::signature::hazmat::PrehashVerifier as _;
            verify_with!(
                ecdsa_brainpool::VerifyingKey<bp256::BrainpoolP256r1>,
                ecdsa_brainpool::Signature<bp256::BrainpoolP256r1>,
                point,
                prehash,
                signature,
                form
            )
        }
        DomainParameters::BrainpoolP384r1 => {
            use ecdsa_brainpool::signature::hazmat::PrehashVerifier as _;
            verify_with!(
                ecdsa_brainpool::VerifyingKey<bp384::BrainpoolP384r1>,
                ecdsa_brainpool::Signature<bp384::BrainpoolP384r1>,
                point,
                prehash,
                signature,
                form
            )
        }
        DomainParameters::BrainpoolP512r1 => {
            use crate::identity::brainpool_p512::BrainpoolP512r1;
            use ecdsa_brainpool::signature::hazmat::PrehashVerifier as _;
            verify_with!(
                ecdsa_brainpool::VerifyingKey<BrainpoolP512r1>,
                ecdsa_brainpool::Signature<BrainpoolP512r1>,
                point,
                prehash,
                signature,
                form
            )
        }
        other => Err(SignatureError::Unsupported(format!("ECDSA on {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::pace_mapping;
    use ecdsa_brainpool::signature::hazmat::PrehashSigner as _;

    #[test]
    fn brainpool_signatures_verify_in_both_forms_and_a_forgery_does_not() {
        let private = pace_mapping::random_private_key(DomainParameters::BrainpoolP256r1).unwrap();
        let point = pace_mapping::public_key(DomainParameters::BrainpoolP256r1, &private).unwrap();
        let key =
            ecdsa_brainpool::SigningKey::<bp256::BrainpoolP256r1>::from_slice(&private).unwrap();
        let prehash = [7u8; 32];
        let signature: ecdsa_brainpool::Signature<bp256::BrainpoolP256r1> =
            key.sign_prehash(&prehash).unwrap();
        let curve = DomainParameters::BrainpoolP256r1;
        let plain = signature.to_bytes().to_vec();
        let der = signature.to_der().as_bytes().to_vec();
        assert_eq!(
            verify_prehash(curve, &point, &prehash, &plain, SignatureForm::Plain),
            Ok(())
        );
        assert_eq!(
            verify_prehash(curve, &point, &prehash, &der, SignatureForm::Der),
            Ok(())
        );
        assert_eq!(
            verify_prehash(curve, &point, &[8u8; 32], &plain, SignatureForm::Plain),
            Err(SignatureError::Invalid)
        );
        let other = pace_mapping::public_key(curve, &[3; 32]).unwrap();
        assert_eq!(
            verify_prehash(curve, &other, &prehash, &plain, SignatureForm::Plain),
            Err(SignatureError::Invalid)
        );
        assert!(matches!(
            verify_prehash(
                DomainParameters::NistP521,
                &point,
                &prehash,
                &plain,
                SignatureForm::Plain
            ),
            Err(SignatureError::Unsupported(_))
        ));
    }

    #[test]
    fn named_and_explicit_parameters_name_their_curve() {
        use der::Encode as _;
        let named = der::Any::encode_from(&der::asn1::ObjectIdentifier::new_unwrap(
            "1.3.36.3.3.2.8.1.1.11",
        ))
        .unwrap();
        assert_eq!(
            curve_of(Some(&named)),
            Some(DomainParameters::BrainpoolP384r1)
        );
        let g = pace_mapping::public_key(DomainParameters::BrainpoolP256r1, &[1]).unwrap();
        let explicit = crate::identity::tlv::encode(
            0x30,
            &[
                crate::identity::tlv::encode(0x02, &[1]),
                crate::identity::tlv::encode(0x04, &g),
            ]
            .concat(),
        );
        let explicit = <der::Any as der::Decode>::from_der(&explicit).unwrap();
        assert_eq!(
            curve_of(Some(&explicit)),
            Some(DomainParameters::BrainpoolP256r1)
        );
        let _ = named.to_der();
        assert_eq!(curve_of(None), None);
    }

    /// A certificate-style check (X.509 signature algorithm, DER signature) with a Brainpool
    /// key written with explicit parameters, as some CSCAs are.
    #[test]
    fn a_brainpool_key_with_explicit_parameters_verifies_through_signature_check() {
        use crate::identity::tlv;
        use der::Decode as _;
        let curve = DomainParameters::BrainpoolP256r1;
        let private = pace_mapping::random_private_key(curve).unwrap();
        let point = pace_mapping::public_key(curve, &private).unwrap();
        let g = pace_mapping::public_key(curve, &[1]).unwrap();
        let explicit = tlv::encode(
            0x30,
            &[tlv::encode(0x02, &[1]), tlv::encode(0x04, &g)].concat(),
        );
        let spki = tlv::encode(
            0x30,
            &[
                tlv::encode(
                    0x30,
                    &[
                        tlv::encode(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
                        explicit,
                    ]
                    .concat(),
                ),
                tlv::encode(0x03, &[&[0u8][..], &point].concat()),
            ]
            .concat(),
        );
        let spki = spki::SubjectPublicKeyInfoOwned::from_der(&spki).unwrap();
        let algorithm = spki::AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        };
        let message = b"to be signed";
        let key =
            ecdsa_brainpool::SigningKey::<bp256::BrainpoolP256r1>::from_slice(&private).unwrap();
        let prehash = crate::identity::signature_check::HashAlg::Sha256.digest(message);
        let signature: ecdsa_brainpool::Signature<bp256::BrainpoolP256r1> =
            key.sign_prehash(&prehash).unwrap();
        let der = signature.to_der().as_bytes().to_vec();
        use crate::identity::signature_check::verify;
        assert_eq!(verify(&spki, &algorithm, None, message, &der), Ok(()));
        assert_eq!(
            verify(&spki, &algorithm, None, b"something else", &der),
            Err(SignatureError::Invalid)
        );
    }

    /// The real Vietnamese CSCA (brainpoolP512r1, explicit parameters, ecdsa-with-SHA512)
    /// verifies its own certificate; one changed byte does not.
    #[test]
    fn the_vietnamese_cscas_self_signature_verifies() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/dev/pki/vn-csca-epassport-2022.pem");
        let cert = crate::identity::trust_list::parse_certificates(&std::fs::read(path).unwrap())
            .unwrap()
            .remove(0);
        let spki = &cert.tbs_certificate.subject_public_key_info;
        assert_eq!(
            curve_of(spki.algorithm.parameters.as_ref()),
            Some(DomainParameters::BrainpoolP512r1)
        );
        assert!(
            crate::identity::cms_signer::issued_by(&cert, std::slice::from_ref(&cert), "CSCA")
                .unwrap()
                .contains("CSCA ePassport Vietnam")
        );
        let tbs = der::Encode::to_der(&cert.tbs_certificate).unwrap();
        let mut altered = tbs.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(
            crate::identity::signature_check::verify(
                spki,
                &cert.signature_algorithm,
                None,
                &altered,
                cert.signature.as_bytes().unwrap()
            ),
            Err(SignatureError::Invalid)
        );
    }
}
