//! The signer side of the CMS SignedData the eMRTD world uses (EF.SOD, CSCA master lists):
//! which enclosed certificate signed, whether its signature over the content holds (through
//! the signed attributes' message digest when there are some), when it says it signed, and
//! whether a certificate was issued by one of a set of authorities and was valid then. Pure
//! computation over `cms`/`x509-cert` types; signatures are checked by `signature_check`.

use crate::identity::signature_check::{self, HashAlg, SignatureError};
use crate::identity::sod::OID_MESSAGE_DIGEST;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::Encode;
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use x509_cert::Certificate;

pub const OID_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// The X.509 certificates a SignedData carries (other kinds are left out).
pub fn enclosed_certificates(set: Option<cms::signed_data::CertificateSet>) -> Vec<Certificate> {
    set.map(|set| {
        set.0
            .into_vec()
            .into_iter()
            .filter_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(cert) => Some(cert),
                cms::cert::CertificateChoices::Other(_) => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The certificate among `certificates` the signer names.
pub fn signer_certificate<'a>(
    signer: &SignerInfo,
    certificates: &'a [Certificate],
) -> Option<&'a Certificate> {
    certificates.iter().find(|cert| match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            cert.tbs_certificate.issuer == ias.issuer
                && cert.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(_) => true,
    })
}

/// Whether `signer`'s signature over `econtent` holds with `cert`'s key.
pub fn check_signature(
    signer: &SignerInfo,
    econtent: &[u8],
    cert: &Certificate,
) -> Result<(), String> {
    let digest = HashAlg::from_oid(&signer.digest_alg.oid)
        .ok_or("the signer's digest algorithm is unknown")?;
    let message = match &signer.signed_attrs {
        Some(attrs) => {
            let wanted = digest.digest(econtent);
            let found = attrs
                .iter()
                .find(|a| a.oid == OID_MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or("the signed attributes carry no message digest")?;
            if found.as_bytes() != wanted.as_slice() {
                return Err("the signed message digest does not match the signed content".into());
            }
            attrs.to_der().map_err(|e| e.to_string())?
        }
        None => econtent.to_vec(),
    };
    signature_check::verify(
        &cert.tbs_certificate.subject_public_key_info,
        &signer.signature_algorithm,
        Some(digest),
        &message,
        signer.signature.as_bytes(),
    )
    .map_err(|e| e.to_string())
}

/// The signing time the signer states in its signed attributes, if any.
pub fn signing_time(signer: &SignerInfo) -> Option<std::time::SystemTime> {
    let attr = signer
        .signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == OID_SIGNING_TIME)?;
    let value = attr.values.iter().next()?;
    let der = value.to_der().ok()?;
    <x509_cert::time::Time as der::Decode>::from_der(&der)
        .ok()
        .map(|t| t.to_system_time())
}

/// Whether `at` lies within `cert`'s validity period.
pub fn valid_at(cert: &Certificate, at: std::time::SystemTime) -> bool {
    let validity = &cert.tbs_certificate.validity;
    validity.not_before.to_system_time() <= at && at <= validity.not_after.to_system_time()
}

/// The subject of the authority among `issuers` that signed `cert` (and was valid when it
/// issued it), or why none did.
pub fn issued_by(
    cert: &Certificate,
    issuers: &[Certificate],
    what: &str,
) -> Result<String, String> {
    let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let signature = cert
        .signature
        .as_bytes()
        .ok_or("certificate signature has unused bits")?;
    let issued = cert.tbs_certificate.validity.not_before.to_system_time();
    let mut last = format!(
        "no CSCA in the trust list issued the {what} ({})",
        cert.tbs_certificate.issuer
    );
    for authority in issuers
        .iter()
        .filter(|c| c.tbs_certificate.subject == cert.tbs_certificate.issuer)
    {
        match signature_check::verify(
            &authority.tbs_certificate.subject_public_key_info,
            &cert.signature_algorithm,
            None,
            &tbs,
            signature,
        ) {
            Ok(()) if valid_at(authority, issued) => {
                return Ok(authority.tbs_certificate.subject.to_string());
            }
            Ok(()) => {
                last = format!("the CSCA that signed the {what} was not valid when it issued it")
            }
            Err(SignatureError::Invalid) => {
                last = format!("the {what}'s certificate is not signed by the CSCA of that name")
            }
            Err(e) => last = format!("the CSCA's signature could not be checked: {e}"),
        }
    }
    Err(last)
}
