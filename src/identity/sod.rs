//! EF.SOD (tag 77): the CMS SignedData over the LDS security object — the hash of every data
//! group — with the document signer's certificate. Parsing only (the checks are in
//! `passive_auth`); malformed input is an error, never a panic.

use crate::identity::signature_check::HashAlg;
use crate::identity::tlv;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierOwned;
use std::collections::BTreeMap;
use thiserror::Error;
use x509_cert::Certificate;

pub const OID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub const OID_LDS_SECURITY_OBJECT: Oid = Oid::new_unwrap("2.23.136.1.1.1");
pub const OID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SodError {
    #[error("EF.SOD structure: {0}")]
    Tlv(#[from] tlv::TlvError),
    #[error("EF.SOD is not a CMS SignedData: {0}")]
    NotSignedData(String),
    #[error("EF.SOD does not carry an LDS security object")]
    NoSecurityObject,
    #[error("the LDS security object names an unknown hash algorithm")]
    UnknownHash,
    #[error("EF.SOD has no signer")]
    NoSigner,
}

/// DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct DataGroupHash {
    pub data_group_number: u8,
    pub data_group_hash_value: OctetString,
}

/// LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo? }
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub data_group_hash_values: Vec<DataGroupHash>,
    #[asn1(optional = "true")]
    pub lds_version_info: Option<der::Any>,
}

/// A parsed EF.SOD.
#[derive(Debug, Clone)]
pub struct Sod {
    pub hash: HashAlg,
    /// Data-group number → the hash the issuer signed.
    pub hashes: BTreeMap<u8, Vec<u8>>,
    /// The encapsulated content (DER of the security object), which the signature covers.
    pub econtent: Vec<u8>,
    pub signer: SignerInfo,
    pub certificates: Vec<Certificate>,
}

impl Sod {
    /// Whether `bytes` are data group `number` as the issuer hashed it.
    pub fn covers(&self, number: u8, bytes: &[u8]) -> bool {
        self.hashes
            .get(&number)
            .is_some_and(|h| *h == self.hash.digest(bytes))
    }
}

pub fn parse(bytes: &[u8]) -> Result<Sod, SodError> {
    let (sod, _) = tlv::expect(bytes, 0x77)?;
    let not_signed = |e: der::Error| SodError::NotSignedData(e.to_string());
    let info = ContentInfo::from_der(sod.value).map_err(not_signed)?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(SodError::NotSignedData(format!(
            "content type {}",
            info.content_type
        )));
    }
    let signed: SignedData = info.content.decode_as().map_err(not_signed)?;
    if signed.encap_content_info.econtent_type != OID_LDS_SECURITY_OBJECT {
        return Err(SodError::NoSecurityObject);
    }
    let econtent = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or(SodError::NoSecurityObject)?
        .decode_as::<OctetString>()
        .map_err(|_| SodError::NoSecurityObject)?
        .as_bytes()
        .to_vec();
    let lds = LdsSecurityObject::from_der(&econtent).map_err(|_| SodError::NoSecurityObject)?;
    let hash = HashAlg::from_oid(&lds.hash_algorithm.oid).ok_or(SodError::UnknownHash)?;
    let hashes = lds
        .data_group_hash_values
        .iter()
        .map(|h| {
            (
                h.data_group_number,
                h.data_group_hash_value.as_bytes().to_vec(),
            )
        })
        .collect();
    let signer = signed
        .signer_infos
        .0
        .iter()
        .next()
        .cloned()
        .ok_or(SodError::NoSigner)?;
    let certificates = crate::identity::cms_signer::enclosed_certificates(signed.certificates);
    Ok(Sod {
        hash,
        hashes,
        econtent,
        signer,
        certificates,
    })
}
