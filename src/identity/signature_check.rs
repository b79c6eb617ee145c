//! Checks one X.509/CMS signature: the hash named by an algorithm OID and the RSA (PKCS#1
//! v1.5, PSS) or ECDSA (NIST P-256/P-384, brainpoolP256r1/P384r1, named or with explicit
//! parameters; `ecdsa_check`) verification of RustCrypto. Used by passive authentication for
//! the SOD and the document signer's certificate, and for master lists. Pure computation;
//! other curves are reported as unsupported, never as valid.

use crate::identity::ecdsa_check;
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("the signature does not verify")]
    Invalid,
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

pub const OID_SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub const OID_SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
pub const OID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const OID_SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const OID_SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
const OID_RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const OID_RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const OID_RSA_SHA224: Oid = Oid::new_unwrap("1.2.840.113549.1.1.14");
const OID_RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
const OID_ECDSA_SHA224: Oid = Oid::new_unwrap("1.2.840.10045.4.3.1");
const OID_ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

impl HashAlg {
    pub fn from_oid(oid: &Oid) -> Option<HashAlg> {
        Some(match *oid {
            OID_SHA1 => HashAlg::Sha1,
            OID_SHA224 => HashAlg::Sha224,
            OID_SHA256 => HashAlg::Sha256,
            OID_SHA384 => HashAlg::Sha384,
            OID_SHA512 => HashAlg::Sha512,
            _ => return None,
        })
    }

    pub fn oid(self) -> Oid {
        match self {
            HashAlg::Sha1 => OID_SHA1,
            HashAlg::Sha224 => OID_SHA224,
            HashAlg::Sha256 => OID_SHA256,
            HashAlg::Sha384 => OID_SHA384,
            HashAlg::Sha512 => OID_SHA512,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    /// The digest's length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 => 28,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha224 => sha2::Sha224::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

fn rsa_pkcs1(hash: HashAlg) -> rsa::Pkcs1v15Sign {
    match hash {
        HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlg::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

fn rsa_pss(hash: HashAlg, salt: usize) -> rsa::Pss {
    match hash {
        HashAlg::Sha1 => rsa::Pss::new_with_salt::<sha1::Sha1>(salt),
        HashAlg::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(salt),
        HashAlg::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
        HashAlg::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
        HashAlg::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
    }
}

/// Verifies `signature` over `message` with the key in `spki`. `algorithm` is the signature
/// algorithm; `digest` is the digest algorithm to use when the signature algorithm does not
/// name one (plain `rsaEncryption` in a CMS SignerInfo).
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest: Option<HashAlg>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let unsupported = |what: &str| SignatureError::Unsupported(what.to_string());
    let need_digest = || digest.ok_or_else(|| unsupported("no digest algorithm"));
    match algorithm.oid {
        OID_RSA | OID_RSA_SHA1 | OID_RSA_SHA224 | OID_RSA_SHA256 | OID_RSA_SHA384
        | OID_RSA_SHA512 | OID_RSA_PSS => {
            use rsa::pkcs8::DecodePublicKey;
            let der = spki.to_der().map_err(|_| unsupported("RSA key encoding"))?;
            let key =
                rsa::RsaPublicKey::from_public_key_der(&der).map_err(|_| unsupported("RSA key"))?;
            let (hash, pss_salt) = match algorithm.oid {
                OID_RSA_SHA1 => (HashAlg::Sha1, None),
                OID_RSA_SHA224 => (HashAlg::Sha224, None),
                OID_RSA_SHA256 => (HashAlg::Sha256, None),
                OID_RSA_SHA384 => (HashAlg::Sha384, None),
                OID_RSA_SHA512 => (HashAlg::Sha512, None),
                OID_RSA_PSS => {
                    let params = algorithm
                        .parameters
                        .as_ref()
                        .ok_or_else(|| unsupported("RSA-PSS without parameters"))?;
                    let der = params
                        .to_der()
                        .map_err(|_| unsupported("RSA-PSS parameters"))?;
                    let params = rsa::pkcs1::RsaPssParams::from_der(&der)
                        .map_err(|_| unsupported("RSA-PSS parameters"))?;
                    let hash = HashAlg::from_oid(&params.hash.oid)
                        .ok_or_else(|| unsupported("RSA-PSS hash"))?;
                    (hash, Some(params.salt_len as usize))
                }
                _ => (need_digest()?, None),
            };
            let hashed = hash.digest(message);
            let result = match pss_salt {
                Some(salt) => key.verify(rsa_pss(hash, salt), &hashed, signature),
                None => key.verify(rsa_pkcs1(hash), &hashed, signature),
            };
            result.map_err(|_| SignatureError::Invalid)
        }
        OID_ECDSA_SHA1 | OID_ECDSA_SHA224 | OID_ECDSA_SHA256 | OID_ECDSA_SHA384
        | OID_ECDSA_SHA512 => {
            let hash = match algorithm.oid {
                OID_ECDSA_SHA1 => HashAlg::Sha1,
                OID_ECDSA_SHA224 => HashAlg::Sha224,
                OID_ECDSA_SHA256 => HashAlg::Sha256,
                OID_ECDSA_SHA384 => HashAlg::Sha384,
                _ => HashAlg::Sha512,
            };
            if spki.algorithm.oid != OID_EC_PUBLIC_KEY {
                return Err(unsupported("ECDSA signature with a non-EC key"));
            }
            let curve = ecdsa_check::curve_of(spki.algorithm.parameters.as_ref())
                .ok_or_else(|| unsupported("EC key on a curve not known here"))?;
            ecdsa_check::verify_prehash(
                curve,
                spki.subject_public_key.raw_bytes(),
                &hash.digest(message),
                signature,
                ecdsa_check::SignatureForm::Der,
            )
        }
        other => Err(SignatureError::Unsupported(format!(
            "signature algorithm {other}"
        ))),
    }
}
