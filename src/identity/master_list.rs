//! ICAO CSCA master lists (Doc 9303 part 12 §9; the `.ml` files states and the ICAO PKD
//! publish): a CMS SignedData whose content (id-icao-cscaMasterList) is `CscaMasterList {
//! version, certList SET OF Certificate }`, signed by a master list signer whose certificate
//! travels inside. Opening one checks the signature over the content with that certificate
//! and, when the technician names the master list signers (or the CSCAs that issue them) they
//! trust, that the signer is one of them or issued by one; then hands back the CSCAs — self-
//! signed ones and link certificates alike. The SET is read element by element (lists are not
//! always sorted as DER wants). Pure; a broken list is an error, never a panic.

use crate::identity::cms_signer;
use crate::identity::sod::OID_SIGNED_DATA;
use crate::identity::tlv;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode};
use thiserror::Error;
use x509_cert::Certificate;

/// id-icao-cscaMasterList.
pub const OID_CSCA_MASTER_LIST: Oid = Oid::new_unwrap("2.23.136.1.1.2");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MasterListError {
    #[error("not a CSCA master list: {0}")]
    NotAMasterList(String),
    #[error("the master list's signature does not hold: {0}")]
    BadSignature(String),
    #[error("the master list is not signed by a signer you trust: {0}")]
    UntrustedSigner(String),
}

/// An opened master list.
#[derive(Debug, Clone)]
pub struct MasterList {
    pub cscas: Vec<Certificate>,
    /// Who signed it (the master list signer's subject).
    pub signer: String,
    /// Whether the signer was checked against signers the technician trusts.
    pub signer_trusted: bool,
}

/// Whether `bytes` look like a master list (a SignedData of master-list content).
pub fn is_master_list(bytes: &[u8]) -> bool {
    signed_data(bytes).is_ok_and(|s| s.encap_content_info.econtent_type == OID_CSCA_MASTER_LIST)
}

fn signed_data(bytes: &[u8]) -> Result<SignedData, MasterListError> {
    let not = |e: der::Error| MasterListError::NotAMasterList(e.to_string());
    let info = ContentInfo::from_der(bytes).map_err(not)?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(MasterListError::NotAMasterList(format!(
            "content type {}",
            info.content_type
        )));
    }
    info.content.decode_as::<SignedData>().map_err(not)
}

/// The certificates of `CscaMasterList`'s certList.
fn certificates(content: &[u8]) -> Result<Vec<Certificate>, MasterListError> {
    let bad = |what: &str| MasterListError::NotAMasterList(what.to_string());
    let (list, _) = tlv::expect(content, 0x30).map_err(|e| bad(&e.to_string()))?;
    let fields = tlv::children(list.value).map_err(|e| bad(&e.to_string()))?;
    let set = fields
        .iter()
        .find(|f| f.tag == 0x31)
        .ok_or_else(|| bad("no certificate list"))?;
    let mut out = Vec::new();
    let mut rest = set.value;
    while !rest.is_empty() {
        let (cert, after) = tlv::expect(rest, 0x30).map_err(|e| bad(&e.to_string()))?;
        let whole = &rest[..cert.encoded_len];
        out.push(
            Certificate::from_der(whole)
                .map_err(|e| bad(&format!("a certificate in the list: {e}")))?,
        );
        rest = after;
    }
    Ok(out)
}

/// Opens a master list: its signature must hold; when `trusted_signers` is not empty, its
/// signer must be one of them or be issued by one.
pub fn open(bytes: &[u8], trusted_signers: &[Certificate]) -> Result<MasterList, MasterListError> {
    let signed = signed_data(bytes)?;
    if signed.encap_content_info.econtent_type != OID_CSCA_MASTER_LIST {
        return Err(MasterListError::NotAMasterList(format!(
            "content {}",
            signed.encap_content_info.econtent_type
        )));
    }
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| MasterListError::NotAMasterList("no content".into()))?
        .decode_as::<OctetString>()
        .map_err(|e| MasterListError::NotAMasterList(e.to_string()))?
        .as_bytes()
        .to_vec();
    let cscas = certificates(&content)?;
    let enclosed = cms_signer::enclosed_certificates(signed.certificates);
    let signer = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| MasterListError::BadSignature("no signer".into()))?;
    let cert = cms_signer::signer_certificate(signer, &enclosed)
        .ok_or_else(|| MasterListError::BadSignature("no signer certificate inside".into()))?;
    cms_signer::check_signature(signer, &content, cert).map_err(MasterListError::BadSignature)?;
    let signer_trusted = if trusted_signers.is_empty() {
        false
    } else {
        let same = cert.to_der().ok();
        let named = trusted_signers.iter().any(|t| t.to_der().ok() == same);
        if !named {
            cms_signer::issued_by(cert, trusted_signers, "master list signer")
                .map_err(MasterListError::UntrustedSigner)?;
        }
        true
    };
    Ok(MasterList {
        cscas,
        signer: cert.tbs_certificate.subject.to_string(),
        signer_trusted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::card_side::test_issuer;
    use crate::identity::test_cards::{cards_folder, test_csca};

    fn issuer() -> test_issuer::Issuer {
        test_issuer::load_issuer(&cards_folder()).unwrap()
    }

    #[test]
    fn a_signed_master_list_opens_and_gives_its_cscas() {
        let cscas = test_csca().cscas;
        let list = issuer().master_list(&cscas).unwrap();
        assert!(is_master_list(&list));
        // Checked against the CSCA that issued its signer: trusted.
        let opened = open(&list, &cscas).unwrap();
        assert_eq!(opened.cscas, cscas);
        assert!(opened.signer_trusted);
        assert!(
            opened.signer.contains("document signer"),
            "{}",
            opened.signer
        );
        // With no signer named, the signature still has to hold, and it says so.
        let unchecked = open(&list, &[]).unwrap();
        assert!(!unchecked.signer_trusted);
    }

    #[test]
    fn a_broken_signature_an_unknown_signer_and_other_files_are_refused() {
        let cscas = test_csca().cscas;
        let list = issuer().master_list(&cscas).unwrap();
        // Flip one byte inside the certificate list (the signed content).
        let der = cscas[0].to_der().unwrap();
        let at = list
            .windows(der.len())
            .position(|w| w == der.as_slice())
            .unwrap()
            + der.len() / 2;
        let mut broken = list.clone();
        broken[at] ^= 0x01;
        assert!(matches!(
            open(&broken, &[]),
            Err(MasterListError::BadSignature(_) | MasterListError::NotAMasterList(_))
        ));
        // A signer nobody trusts: the document signer's own certificate is not its issuer.
        let other = crate::identity::sod::parse(
            &crate::identity::test_cards::cards()[0].files[&crate::identity::lds::EfId::Sod],
        )
        .unwrap()
        .certificates;
        let not_issuer: Vec<Certificate> = other
            .into_iter()
            .map(|mut c| {
                c.tbs_certificate.subject = c.tbs_certificate.issuer.clone();
                c.tbs_certificate.issuer = c.tbs_certificate.subject.clone();
                c
            })
            .collect();
        assert!(matches!(
            open(&list, &not_issuer),
            Err(MasterListError::UntrustedSigner(_))
        ));
        assert!(!is_master_list(&cscas[0].to_der().unwrap()));
        for cut in [0, 10, list.len() / 2, list.len() - 1] {
            assert!(open(&list[..cut], &[]).is_err(), "cut at {cut}");
        }
    }
}
