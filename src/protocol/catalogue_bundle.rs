//! Signed catalogue bundles: what the portal publishes to change the procedures (and the
//! administrative units) on every kiosk, and the check a kiosk makes before using one — the
//! signature must verify against the configured catalogue key, the version must be newer, and
//! every file must parse. A bundle is taken whole or not at all. No IO here: writing the
//! accepted bundle to disk is `catalogue_install`'s job.

use crate::core::address::AdminUnits;
use crate::core::catalogue::Catalogue;
use crate::protocol::contract::{CatalogueBundle, SignedCatalogue};
use crate::protocol::signing::DeviceKey;
use base64::Engine as _;

const DOMAIN: &[u8] = b"xakiosk catalogue v1\n";

/// The development portal's catalogue key (public half of `assets/dev/catalogue-development.key`).
pub const DEVELOPMENT_CATALOGUE_KEY: &str = "nRqswnk6vVktrArRemqeq8k+3WRq7Y08IrUZg6lw4/c=";

/// A bundle that passed every check, ready to use.
#[derive(Debug, Clone)]
pub struct OpenedCatalogue {
    pub version: u64,
    pub catalogue: Catalogue,
    /// Present when the bundle brings a new units list.
    pub units: Option<AdminUnits>,
    /// Present when the bundle brings the offices.
    pub offices: Option<crate::core::office::Offices>,
    /// The portal's current sealing key, when the bundle announces one.
    pub sealing_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleRefused {
    #[error("the catalogue signature does not verify: not published by the portal, or altered")]
    BadSignature,
    #[error("the catalogue bundle is damaged: {0}")]
    Malformed(String),
    #[error("catalogue version {offered} is not newer than the installed {installed}")]
    NotNewer { offered: u64, installed: u64 },
    #[error("the catalogue bundle has a broken file: {0}")]
    BrokenFile(String),
}

fn signed_message(bundle_bytes: &[u8]) -> Vec<u8> {
    [DOMAIN, bundle_bytes].concat()
}

/// Signs a bundle with the portal's catalogue key.
pub fn sign(bundle: &CatalogueBundle, key: &DeviceKey) -> SignedCatalogue {
    let bytes = serde_json::to_vec(bundle).unwrap_or_default();
    SignedCatalogue {
        version: bundle.version,
        signature: key.sign(&signed_message(&bytes)),
        bundle: base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// Checks a signed bundle against the catalogue key and the installed version, and parses it.
pub fn open(
    signed: &SignedCatalogue,
    public_key: &str,
    installed: u64,
) -> Result<OpenedCatalogue, BundleRefused> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&signed.bundle)
        .map_err(|_| BundleRefused::Malformed("the bundle is not base64".into()))?;
    crate::protocol::signing::verify(public_key, &signed_message(&bytes), &signed.signature)
        .map_err(|_| BundleRefused::BadSignature)?;
    let bundle: CatalogueBundle = serde_json::from_slice(&bytes)
        .map_err(|e| BundleRefused::Malformed(format!("not a catalogue bundle: {e}")))?;
    if bundle.version != signed.version {
        return Err(BundleRefused::Malformed(
            "the signed version differs from the announced one".into(),
        ));
    }
    if bundle.version <= installed {
        return Err(BundleRefused::NotNewer {
            offered: bundle.version,
            installed,
        });
    }
    let (catalogue, problems) = Catalogue::from_sources(
        bundle
            .procedures
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    if let Some(p) = problems.first() {
        return Err(BundleRefused::BrokenFile(p.to_string()));
    }
    if catalogue.procedures().is_empty() {
        return Err(BundleRefused::BrokenFile(
            "no procedure in the bundle".into(),
        ));
    }
    let units = match &bundle.admin_units {
        Some(text) => Some(
            AdminUnits::parse_tsv(text)
                .map_err(|e| BundleRefused::BrokenFile(format!("administrative units: {e}")))?,
        ),
        None => None,
    };
    let offices = match &bundle.offices {
        Some(text) => Some(
            crate::core::office::Offices::parse(text).map_err(|(line, e)| {
                BundleRefused::BrokenFile(match line {
                    Some(line) => format!("offices, line {line}: {e}"),
                    None => format!("offices: {e}"),
                })
            })?,
        ),
        None => None,
    };
    if let Some(key) = &bundle.sealing_public_key {
        crate::protocol::sealing::Sealer::from_base64(key)
            .map_err(|e| BundleRefused::BrokenFile(format!("sealing key: {e}")))?;
        if key.trim() == crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY {
            return Err(BundleRefused::BrokenFile(
                "the sealing key is the published development key".into(),
            ));
        }
    }
    Ok(OpenedCatalogue {
        version: bundle.version,
        catalogue,
        units,
        offices,
        sealing_key: bundle.sealing_public_key.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_bundle(version: u64) -> CatalogueBundle {
        crate::app::assets::catalogue_bundle_from_files(
            &crate::app::assets::assets_dir().join("procedures"),
            None,
            Some(&crate::app::assets::assets_dir().join("offices.toml")),
            version,
        )
        .unwrap()
    }

    #[test]
    fn the_development_catalogue_key_pair_matches() {
        let seed = std::fs::read_to_string(
            crate::app::assets::assets_dir().join("dev/catalogue-development.key"),
        )
        .unwrap();
        assert_eq!(
            DeviceKey::from_base64(&seed).unwrap().public_base64(),
            DEVELOPMENT_CATALOGUE_KEY
        );
    }

    #[test]
    fn a_genuine_newer_bundle_opens() {
        let key = DeviceKey::from_seed([9; 32]);
        let signed = sign(&shipped_bundle(3), &key);
        let opened = open(&signed, &key.public_base64(), 2).unwrap();
        assert_eq!(opened.version, 3);
        assert!(opened.catalogue.procedures().len() >= 6);
        // The offices travel with it.
        let offices = opened.offices.expect("the bundle brings the offices");
        assert!(
            offices
                .find("00070", crate::core::office::OfficeKind::Police)
                .is_some()
        );
    }

    #[test]
    fn tampered_foreign_old_or_broken_bundles_are_refused() {
        let key = DeviceKey::from_seed([9; 32]);
        let public = key.public_base64();
        let b64 = base64::engine::general_purpose::STANDARD;

        // One byte of a fee changed after signing.
        let mut tampered = sign(&shipped_bundle(3), &key);
        let mut bytes = b64.decode(&tampered.bundle).unwrap();
        let at = bytes.iter().position(|&b| b == b'0').unwrap();
        bytes[at] = b'9';
        tampered.bundle = b64.encode(&bytes);
        assert_eq!(
            open(&tampered, &public, 0).unwrap_err(),
            BundleRefused::BadSignature
        );

        // Signed by someone else.
        let forged = sign(&shipped_bundle(3), &DeviceKey::from_seed([1; 32]));
        assert_eq!(
            open(&forged, &public, 0).unwrap_err(),
            BundleRefused::BadSignature
        );

        // The announced version lies about the signed one.
        let mut relabelled = sign(&shipped_bundle(3), &key);
        relabelled.version = 9;
        assert!(matches!(
            open(&relabelled, &public, 0),
            Err(BundleRefused::Malformed(_))
        ));

        // Genuine but not newer (a replay of an old bundle).
        let old = sign(&shipped_bundle(2), &key);
        assert_eq!(
            open(&old, &public, 2).unwrap_err(),
            BundleRefused::NotNewer {
                offered: 2,
                installed: 2
            }
        );

        // Genuine but with a broken procedure: refused whole.
        let mut broken = shipped_bundle(4);
        broken
            .procedures
            .insert("zz.toml".into(), "id = \"x\"\nname = [\n".into());
        assert!(matches!(
            open(&sign(&broken, &key), &public, 0),
            Err(BundleRefused::BrokenFile(m)) if m.contains("zz.toml")
        ));

        // Genuine but with broken offices: refused whole, saying where.
        let mut broken = shipped_bundle(5);
        broken.offices = Some("[[office]]\ncommune = \"00070\"\nkind = \"army\"\n".into());
        assert!(matches!(
            open(&sign(&broken, &key), &public, 0),
            Err(BundleRefused::BrokenFile(m)) if m.starts_with("offices, line 3")
        ));
    }
}
