//! A chip image: the files of one (simulated) eMRTD and what is printed on the card — the
//! access-key fields and the QR text — stored as JSON in `assets/dev/cards/*.card.json`.
//! Data only; the chip's behaviour is `identity::card_side::emrtd_chip`.

use crate::identity::lds::EfId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a chip image could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CardImageError {
    #[error("{path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("not a chip image: {0}")]
    Syntax(String),
    #[error("unknown file {0}")]
    UnknownFile(String),
    #[error("{file}: not hex: {reason}")]
    NotHex { file: String, reason: String },
    #[error("{path}: {source}")]
    InFile {
        path: std::path::PathBuf,
        source: Box<CardImageError>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardImage {
    pub label: String,
    pub personal_id: String,
    /// YYMMDD.
    pub birth: String,
    /// YYMMDD, or `<<<<<<` for a card without expiry.
    pub expiry: String,
    pub qr: String,
    pub files: BTreeMap<EfId, Vec<u8>>,
    /// The chip's chip-authentication private key (its public half is in DG14): what a real
    /// chip never gives out, kept here so the software chip can prove itself.
    pub chip_private_key: Option<Vec<u8>>,
    /// The active authentication private key (ECDSA on NIST P-256; its public half is DG15).
    pub aa_private_key: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
struct CardJson {
    label: String,
    personal_id: String,
    birth: String,
    expiry: String,
    qr: String,
    /// File name (EF.COM, DG1…) → hex.
    files: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chip_private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aa_private_key: Option<String>,
}

fn ef_from_name(name: &str) -> Option<EfId> {
    match name {
        "EF.CardAccess" => Some(EfId::CardAccess),
        "EF.COM" => Some(EfId::Com),
        "EF.SOD" => Some(EfId::Sod),
        _ => name.strip_prefix("DG")?.parse().ok().map(EfId::Dg),
    }
}

impl CardImage {
    pub fn to_json(&self) -> String {
        let json = CardJson {
            label: self.label.clone(),
            personal_id: self.personal_id.clone(),
            birth: self.birth.clone(),
            expiry: self.expiry.clone(),
            qr: self.qr.clone(),
            files: self
                .files
                .iter()
                .map(|(k, v)| (k.name(), hex::encode_upper(v)))
                .collect(),
            chip_private_key: self.chip_private_key.as_ref().map(hex::encode_upper),
            aa_private_key: self.aa_private_key.as_ref().map(hex::encode_upper),
        };
        serde_json::to_string_pretty(&json).expect("serialises") + "\n"
    }

    pub fn from_json(text: &str) -> Result<CardImage, CardImageError> {
        let json: CardJson =
            serde_json::from_str(text).map_err(|e| CardImageError::Syntax(e.to_string()))?;
        let mut files = BTreeMap::new();
        for (name, hex_bytes) in json.files {
            let ef =
                ef_from_name(&name).ok_or_else(|| CardImageError::UnknownFile(name.clone()))?;
            let bytes = hex::decode(hex_bytes).map_err(|e| CardImageError::NotHex {
                file: name.clone(),
                reason: e.to_string(),
            })?;
            files.insert(ef, bytes);
        }
        let key = |hex_key: Option<String>, name: &str| {
            hex_key
                .map(|key| {
                    hex::decode(key).map_err(|e| CardImageError::NotHex {
                        file: name.into(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        };
        let chip_private_key = key(json.chip_private_key, "chip_private_key")?;
        let aa_private_key = key(json.aa_private_key, "aa_private_key")?;
        Ok(CardImage {
            chip_private_key,
            aa_private_key,
            label: json.label,
            personal_id: json.personal_id,
            birth: json.birth,
            expiry: json.expiry,
            qr: json.qr,
            files,
        })
    }

    /// The data groups by number (DG1, DG2, DG13…), as the chip serves them.
    pub fn data_groups(&self) -> BTreeMap<u8, Vec<u8>> {
        self.files
            .iter()
            .filter_map(|(ef, bytes)| match ef {
                EfId::Dg(n) => Some((*n, bytes.clone())),
                _ => None,
            })
            .collect()
    }

    /// The same files on another chip: what a cloner makes of a genuine card — the issuer's
    /// data, signed and intact, on a chip that holds other private keys (fixed ones, valid on
    /// the test cards' curves: brainpoolP256r1 for chip authentication, P-256 for active
    /// authentication). For the simulator's "copied card", which shows the kiosk's warning.
    pub fn copied_onto_another_chip(&self, label: &str) -> CardImage {
        let mut copy = self.clone();
        copy.label = label.to_string();
        copy.chip_private_key = self.chip_private_key.as_ref().map(|_| vec![0x11; 32]);
        copy.aa_private_key = self.aa_private_key.as_ref().map(|_| vec![0x33; 32]);
        copy
    }

    /// Every `*.card.json` of a folder, sorted by file name.
    pub fn load_folder(folder: &std::path::Path) -> Result<Vec<CardImage>, CardImageError> {
        fn read(path: &std::path::Path) -> impl Fn(std::io::Error) -> CardImageError + '_ {
            move |source| CardImageError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
        let mut paths: Vec<_> = std::fs::read_dir(folder)
            .map_err(read(folder))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".card.json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).map_err(read(p))?;
                CardImage::from_json(&text).map_err(|e| CardImageError::InFile {
                    path: p.clone(),
                    source: Box::new(e),
                })
            })
            .collect()
    }
}
