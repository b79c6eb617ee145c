//! Provisioning: binds a kiosk to its provincial portal in one step — the device key (saved
//! before anything is sent, so a key the portal learnt is never lost), the enrollment with the
//! technician's token, then the provisioned configuration layer on the data partition (portal
//! address, the keys the portal publishes, kiosk id and place from the commune code, the admin
//! PIN's hash). It never writes the configuration file, which is read-only on the appliance.
//! With no network it still works when the request carries the portal's keys: the layer is
//! written and the kiosk enrolls on its first contact with the portal. Nothing is written when
//! the portal refuses. The same request can come from a QR code on the admin screen (`XAKP1:`
//! + JSON).

use crate::appliance::device_key_file;
use crate::config::layers::LayerPaths;
use crate::config::provisioned_layer::ProvisionedValues;
use crate::core::address::AdminUnits;
use crate::protocol::signing::DeviceKey;
use crate::sync::transport::{HttpTransport, KioskIdentity, PortalTransport, SendError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// What a technician gives: the portal, the enrollment token and the commune's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionRequest {
    pub portal: String,
    pub token: String,
    pub commune: String,
    /// The kiosk's id; default: kept from the configuration, or made from the commune code and
    /// the device key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_id: Option<String>,
    /// The portal's X25519 sealing key (base64): with it, provisioning works offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealing_key: Option<String>,
    /// The portal's ed25519 catalogue key (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_key: Option<String>,
    /// The admin screen's PIN, hashed (Argon2id PHC string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_pin_hash: Option<String>,
    /// OpenSSH public keys for maintenance mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_keys: Option<Vec<String>>,
    /// A lab only (a QEMU guest reaching its host): the portal may be plain `http://` on
    /// another machine. Anyone on the way could read and change what is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_plain_http: bool,
}

const QR_PREFIX: &str = "XAKP1:";

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the portal cannot be reached: {0}")]
    Unreachable(String),
    #[error("{0}")]
    Refused(String),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    /// The device key exists but cannot be read: it is never replaced (the portal knows the
    /// kiosk by it), so a technician must fix it.
    #[error("{0}; it is never replaced by a new key — fix the file or its permissions")]
    KeyFault(String),
}

impl ProvisionError {
    /// The command's exit code: 2 bad request, 3 unreachable, 4 refused, 5 not written.
    pub fn exit_code(&self) -> u8 {
        match self {
            ProvisionError::BadRequest(_) => 2,
            ProvisionError::Unreachable(_) => 3,
            ProvisionError::Refused(_) => 4,
            ProvisionError::Write { .. } | ProvisionError::KeyFault(_) => 5,
        }
    }
}

/// What provisioning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub kiosk_id: String,
    pub place: String,
    pub device_public_key: String,
    /// The provisioned layer written.
    pub layer_path: PathBuf,
    /// When the portal enrolled the key; `None` when provisioned offline (the kiosk enrolls on
    /// its first contact).
    pub enrolled_at: Option<String>,
}

impl ProvisionRequest {
    /// Reads a provisioning QR code's text.
    pub fn from_qr(text: &str) -> Result<ProvisionRequest, ProvisionError> {
        let json = text.trim().strip_prefix(QR_PREFIX).ok_or_else(|| {
            ProvisionError::BadRequest("this QR code is not a kiosk provisioning code".into())
        })?;
        serde_json::from_str(json).map_err(|e| {
            ProvisionError::BadRequest(format!("the provisioning QR code is damaged: {e}"))
        })
    }

    /// The text of a provisioning QR code for this request.
    pub fn to_qr(&self) -> String {
        format!(
            "{QR_PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    fn check(&self) -> Result<String, ProvisionError> {
        let url = self.portal.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            ProvisionError::BadRequest(format!("--portal {url:?} is not a URL: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProvisionError::BadRequest(format!(
                "--portal must be an http:// or https:// address, not {url:?}"
            )));
        }
        if self.token.trim().is_empty() {
            return Err(ProvisionError::BadRequest(
                "--token is empty: ask the portal administrator for this kiosk's enrollment token"
                    .into(),
            ));
        }
        if let Some(key) = &self.sealing_key {
            crate::protocol::sealing::Sealer::from_base64(key)
                .map_err(|e| ProvisionError::BadRequest(format!("--sealing-key: {e}")))?;
            if key.trim() == crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY {
                return Err(ProvisionError::BadRequest(
                    "--sealing-key is the published development key: a real kiosk never seals to it"
                        .into(),
                ));
            }
        }
        if let Some(key) = &self.catalogue_key
            && !crate::protocol::signing::is_public_key(key)
        {
            return Err(ProvisionError::BadRequest(
                "--catalogue-key is not an ed25519 public key in base64".into(),
            ));
        }
        for key in self.ssh_keys.iter().flatten() {
            crate::appliance::maintenance_keys::check(key)
                .map_err(|e| ProvisionError::BadRequest(format!("--ssh-key: {e}")))?;
        }
        if let Some(hash) = &self.admin_pin_hash
            && !crate::core::pin_hash::is_pin_hash(hash)
        {
            return Err(ProvisionError::BadRequest(
                "the admin PIN hash is not an Argon2id hash".into(),
            ));
        }
        Ok(url.to_string())
    }
}

/// "Phường Hoàn Kiếm, Thành phố Hà Nội" for commune code "00070".
pub fn place_of(units: &AdminUnits, code: &str) -> Result<String, ProvisionError> {
    let code = code.trim();
    units
        .provinces
        .iter()
        .find_map(|p| {
            p.communes
                .iter()
                .find(|c| c.code == code)
                .map(|c| format!("{}, {}", c.name, p.name))
        })
        .ok_or_else(|| {
            ProvisionError::BadRequest(format!(
                "--commune {code:?} is not a commune code of the administrative units list \
                 (5 digits, e.g. 00070 for Phường Hoàn Kiếm)"
            ))
        })
}

/// Provisions the kiosk whose configuration layers are at `layers`.
pub async fn provision(
    layers: &LayerPaths,
    request: &ProvisionRequest,
    units: &AdminUnits,
) -> Result<Provisioned, ProvisionError> {
    let portal = request.check()?;
    let place = place_of(units, &request.commune)?;
    let current = crate::config::layers::load(layers).config;
    // The kiosk keeps its key across re-provisioning. A new one is saved before the portal
    // hears of it: a key the portal enrolled is never lost.
    let key_path = layers.data_dir.join("device.key");
    let key = match device_key_file::load(&key_path)
        .map_err(|e| ProvisionError::KeyFault(e.to_string()))?
    {
        Some(key) => key,
        None => {
            let key =
                DeviceKey::generate().map_err(|e| ProvisionError::BadRequest(e.to_string()))?;
            device_key_file::save(&key, &key_path).map_err(|e| ProvisionError::Write {
                path: key_path.clone(),
                message: e.to_string(),
            })?;
            key
        }
    };
    let kiosk_id = match &request.kiosk_id {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ if !current.kiosk.id.trim().is_empty() => current.kiosk.id.clone(),
        _ => {
            let fingerprint: String = hex::encode(
                base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    key.public_base64(),
                )
                .unwrap_or_default(),
            )
            .chars()
            .take(6)
            .collect();
            format!(
                "KIOSK-{}-{}",
                request.commune.trim(),
                fingerprint.to_uppercase()
            )
        }
    };
    let transport = HttpTransport::with_options(
        &portal,
        KioskIdentity {
            kiosk_id: kiosk_id.clone(),
            key: key.clone(),
            place: place.clone(),
            commune_code: request.commune.trim().to_string(),
        },
        request.token.trim(),
        Duration::from_secs(20),
        crate::sync::transport::TransportOptions {
            ca_pem: None,
            allow_plain_http: request.allow_plain_http,
        },
    )
    .map_err(|e| ProvisionError::BadRequest(e.to_string()))?;
    let (sealing_key, catalogue_key, enrolled_at) = match transport.enroll().await {
        Ok(enrolled) => {
            let sealing = match (&enrolled.sealing_public_key, &request.sealing_key) {
                (Some(told), Some(carried)) if told.trim() != carried.trim() => {
                    return Err(ProvisionError::Refused(
                        "the portal answers with another sealing key than the provisioning \
                         code carries: check the code and the portal address"
                            .into(),
                    ));
                }
                (Some(told), _) => told.clone(),
                (None, Some(carried)) => carried.clone(),
                (None, None) => {
                    return Err(ProvisionError::Refused(
                        "the portal publishes no sealing key and none was given (--sealing-key)"
                            .into(),
                    ));
                }
            };
            crate::protocol::sealing::Sealer::from_base64(&sealing).map_err(|e| {
                ProvisionError::Refused(format!("the portal's sealing key is not usable: {e}"))
            })?;
            let catalogue = enrolled
                .catalogue_public_key
                .clone()
                .or_else(|| request.catalogue_key.clone());
            if let Some(c) = &catalogue
                && !crate::protocol::signing::is_public_key(c)
            {
                return Err(ProvisionError::Refused(
                    "the portal's catalogue key is not an ed25519 public key".into(),
                ));
            }
            (sealing, catalogue, Some(enrolled.enrolled_at))
        }
        Err(SendError::Retry { reason, .. }) => match &request.sealing_key {
            // Offline: the code carries what the kiosk needs to take dossiers now.
            Some(sealing) => (sealing.clone(), request.catalogue_key.clone(), None),
            None => {
                return Err(ProvisionError::Unreachable(format!(
                    "{portal}: {reason} (to provision with no network, give the portal's \
                     sealing key: --sealing-key, or a provisioning QR code that carries it)"
                )));
            }
        },
        Err(other) => return Err(ProvisionError::Refused(other.to_string())),
    };
    if sealing_key.trim() == crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY {
        return Err(ProvisionError::Refused(
            "the portal tells kiosks to seal to the published development key: it is a \
             development portal, not one for residents' dossiers"
                .into(),
        ));
    }
    // A catalogue installed from another portal (or under another sealing key) is not this
    // portal's word: forget it, so its sealing key cannot override the one just provisioned.
    if current.portal.url.trim() != portal.as_str()
        || current.portal.public_key.trim() != sealing_key.trim()
    {
        let installed = layers.data_dir.join("catalogue/current.json");
        if installed.exists()
            && let Err(e) = std::fs::remove_file(&installed)
        {
            tracing::warn!("cannot forget the previous portal's catalogue: {e}");
        }
    }
    let layer_path = layers.provisioned();
    crate::config::provisioned_layer::write(
        &layer_path,
        &ProvisionedValues {
            kiosk_id: kiosk_id.clone(),
            place: place.clone(),
            portal_url: portal,
            token: request.token.trim().to_string(),
            sealing_key,
            catalogue_key,
            admin_pin_hash: request.admin_pin_hash.clone(),
            ssh_keys: request.ssh_keys.clone(),
            allow_plain_http: request.allow_plain_http,
        },
    )
    .map_err(|e| ProvisionError::Write {
        path: layer_path.clone(),
        message: e.to_string(),
    })?;
    Ok(Provisioned {
        kiosk_id,
        place,
        device_public_key: key.public_base64(),
        layer_path,
        enrolled_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provisioning_qr_round_trips_and_other_codes_are_refused() {
        let r = ProvisionRequest {
            portal: "https://dvc.example.vn".into(),
            token: "t0k".into(),
            commune: "00070".into(),
            kiosk_id: None,
            sealing_key: Some(crate::protocol::sealing::Opener::generate().1),
            catalogue_key: None,
            admin_pin_hash: None,
            ssh_keys: None,
            allow_plain_http: false,
        };
        assert_eq!(ProvisionRequest::from_qr(&r.to_qr()).unwrap(), r);
        assert!(ProvisionRequest::from_qr("XKR1:abc").is_err());
        assert!(ProvisionRequest::from_qr("XAKP1:{not json").is_err());
    }

    #[test]
    fn bad_arguments_are_named() {
        let r = |portal: &str, token: &str| ProvisionRequest {
            portal: portal.into(),
            token: token.into(),
            commune: "00070".into(),
            kiosk_id: None,
            sealing_key: None,
            catalogue_key: None,
            admin_pin_hash: None,
            ssh_keys: None,
            allow_plain_http: false,
        };
        assert!(
            r("ftp://x", "t")
                .check()
                .unwrap_err()
                .to_string()
                .contains("http")
        );
        assert!(r("not a url", "t").check().is_err());
        assert!(
            r("http://x", " ")
                .check()
                .unwrap_err()
                .to_string()
                .contains("--token")
        );
        let units =
            AdminUnits::parse_tsv("# h\n01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap();
        assert_eq!(
            place_of(&units, "00070").unwrap(),
            "Phường Hoàn Kiếm, Thành phố Hà Nội"
        );
        assert_eq!(place_of(&units, "99999").unwrap_err().exit_code(), 2);
    }
}
