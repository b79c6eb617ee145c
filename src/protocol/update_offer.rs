//! Signed update offers: what the portal publishes to offer a software update (a RAUC bundle)
//! to a group of kiosks, and the check a kiosk makes before fetching it — the signature must
//! verify against its catalogue key (the portal's publishing key it already trusts), the
//! version must be x.y.z, the digest a SHA-256 and the size within what root installs. The
//! bundle's own signature is RAUC's to check at install, against the keyring on the read-only
//! root: this offer only says which bundle to fetch. No IO here.

use crate::protocol::contract::{SignedUpdateOffer, UpdateOffer};
use crate::protocol::signing::DeviceKey;
use base64::Engine as _;

const DOMAIN: &[u8] = b"xakiosk update offer v1\n";

/// The largest bundle offered or installed (root applies the same bound before RAUC sees it).
pub const MAX_BUNDLE: u64 = 2 * 1024 * 1024 * 1024;

/// The most of a bundle the portal sends in one answer (a kiosk asks again from where it is).
pub const MAX_FETCH_BYTES: usize = 4 * 1024 * 1024;

/// The largest signed offer read (a few hundred bytes in practice).
pub const MAX_OFFER_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferRefused {
    #[error(
        "the update offer's signature does not verify: not published by the portal, or altered"
    )]
    BadSignature,
    #[error("the update offer is damaged: {0}")]
    Malformed(String),
}

fn signed_message(offer_bytes: &[u8]) -> Vec<u8> {
    [DOMAIN, offer_bytes].concat()
}

/// Signs an offer with the portal's catalogue key.
pub fn sign(offer: &UpdateOffer, key: &DeviceKey) -> SignedUpdateOffer {
    let bytes = serde_json::to_vec(offer).unwrap_or_default();
    SignedUpdateOffer {
        signature: key.sign(&signed_message(&bytes)),
        offer: base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// Whether `version` is a version a kiosk compares (x.y.z, semver).
pub fn check_version(version: &str) -> Result<semver::Version, OfferRefused> {
    semver::Version::parse(version)
        .map_err(|_| OfferRefused::Malformed(format!("the version {version:?} is not x.y.z")))
}

/// Whether `sha256` is a SHA-256 in lower-case hex.
pub fn check_digest(sha256: &str) -> Result<(), OfferRefused> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(OfferRefused::Malformed(
            "the digest is not a SHA-256 in lower-case hex".into(),
        ))
    }
}

/// Checks a signed offer against the catalogue key and reads it.
pub fn open(signed: &SignedUpdateOffer, public_key: &str) -> Result<UpdateOffer, OfferRefused> {
    if signed.offer.len() > MAX_OFFER_BYTES {
        return Err(OfferRefused::Malformed("the offer is too large".into()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&signed.offer)
        .map_err(|_| OfferRefused::Malformed("the offer is not base64".into()))?;
    crate::protocol::signing::verify(public_key, &signed_message(&bytes), &signed.signature)
        .map_err(|_| OfferRefused::BadSignature)?;
    let offer: UpdateOffer = serde_json::from_slice(&bytes)
        .map_err(|e| OfferRefused::Malformed(format!("not an update offer: {e}")))?;
    check_version(&offer.version)?;
    check_digest(&offer.sha256)?;
    if offer.size == 0 || offer.size > MAX_BUNDLE {
        return Err(OfferRefused::Malformed(format!(
            "a bundle of {} bytes (1 to {MAX_BUNDLE} accepted)",
            offer.size
        )));
    }
    Ok(offer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> UpdateOffer {
        UpdateOffer {
            version: "0.18.0".into(),
            sha256: "ab".repeat(32),
            size: 1234,
            group: "pilot".into(),
            offered_at: "2026-12-07T00:00:00Z".into(),
        }
    }

    #[test]
    fn an_offer_signed_by_the_catalogue_key_opens_and_nothing_else_does() {
        let key = DeviceKey::from_seed([7; 32]);
        let signed = sign(&offer(), &key);
        assert_eq!(open(&signed, &key.public_base64()).unwrap(), offer());
        let other = DeviceKey::from_seed([8; 32]);
        assert_eq!(
            open(&signed, &other.public_base64()),
            Err(OfferRefused::BadSignature)
        );
        // The catalogue's signature over the same bytes is not an offer's (another domain).
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&signed.offer)
            .unwrap();
        let cross = SignedUpdateOffer {
            offer: signed.offer.clone(),
            signature: key.sign(&[b"xakiosk catalogue v1\n".as_slice(), &bytes].concat()),
        };
        assert_eq!(
            open(&cross, &key.public_base64()),
            Err(OfferRefused::BadSignature)
        );
    }

    #[test]
    fn a_signed_offer_with_a_bad_version_digest_or_size_is_refused() {
        let key = DeviceKey::from_seed([7; 32]);
        for bad in [
            UpdateOffer {
                version: "latest".into(),
                ..offer()
            },
            UpdateOffer {
                sha256: "AB".repeat(32),
                ..offer()
            },
            UpdateOffer {
                sha256: "ab".into(),
                ..offer()
            },
            UpdateOffer { size: 0, ..offer() },
            UpdateOffer {
                size: MAX_BUNDLE + 1,
                ..offer()
            },
        ] {
            let refused = open(&sign(&bad, &key), &key.public_base64());
            assert!(
                matches!(refused, Err(OfferRefused::Malformed(_))),
                "{bad:?}"
            );
        }
    }
}
