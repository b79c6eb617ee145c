//! Provisioning: binds a kiosk to its provincial portal in one step — the device key, the
//! enrollment with the technician's token, then the configuration (portal address, the keys the
//! portal publishes, kiosk id and place from the commune code). Atomic: nothing is written
//! unless the portal accepted the enrollment, and the configuration file is replaced in one
//! rename. The same request can come from a QR code on the admin screen (`XAKP1:` + JSON).

use crate::config::Config;
use crate::core::address::AdminUnits;
use crate::signing::DeviceKey;
use crate::sync::transport::{HttpTransport, KioskIdentity, PortalTransport, SendError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
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
}

impl ProvisionError {
    /// The command's exit code: 2 bad request, 3 unreachable, 4 refused, 5 not written.
    pub fn exit_code(&self) -> u8 {
        match self {
            ProvisionError::BadRequest(_) => 2,
            ProvisionError::Unreachable(_) => 3,
            ProvisionError::Refused(_) => 4,
            ProvisionError::Write { .. } => 5,
        }
    }
}

/// What provisioning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub kiosk_id: String,
    pub place: String,
    pub device_public_key: String,
    pub config_path: PathBuf,
    pub enrolled_at: String,
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

/// Writes `text` to `path` so that a crash leaves either the old file or the new one.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), ProvisionError> {
    let fail = |e: std::io::Error| ProvisionError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(fail)?;
        f.write_all(text.as_bytes()).map_err(fail)?;
        f.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, path).map_err(fail)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Provisions the kiosk whose configuration is at `config_path`.
pub async fn provision(
    config_path: &Path,
    request: &ProvisionRequest,
    units: &AdminUnits,
) -> Result<Provisioned, ProvisionError> {
    let portal = request.check()?;
    let place = place_of(units, &request.commune)?;
    // A broken file is replaced; an unreadable one stops here (nothing written).
    let mut config = match Config::load(config_path) {
        Ok(c) => c,
        Err(crate::config::ConfigError::Invalid { .. }) => Config::default(),
        Err(e) => return Err(ProvisionError::BadRequest(e.to_string())),
    };
    let key_path = config.data_dir().join("device.key");
    // The kiosk keeps its key across re-provisioning; a new key is kept in memory until the
    // portal has accepted it.
    let (key, new_key) = match std::fs::read_to_string(&key_path) {
        Ok(text) => (
            DeviceKey::from_base64(&text)
                .map_err(|e| ProvisionError::BadRequest(format!("{}: {e}", key_path.display())))?,
            false,
        ),
        Err(_) => (
            DeviceKey::generate().map_err(ProvisionError::BadRequest)?,
            true,
        ),
    };
    let kiosk_id = match &request.kiosk_id {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ if config.kiosk.id != crate::config::KioskConfig::default().id => config.kiosk.id.clone(),
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
    let transport = HttpTransport::new(
        &portal,
        KioskIdentity {
            kiosk_id: kiosk_id.clone(),
            key: key.clone(),
            place: place.clone(),
        },
        request.token.trim(),
        Duration::from_secs(20),
    )
    .map_err(ProvisionError::BadRequest)?;
    let enrolled = transport.enroll().await.map_err(|e| match e {
        SendError::Retry { reason, .. } => {
            ProvisionError::Unreachable(format!("{portal}: {reason}"))
        }
        other => ProvisionError::Refused(other.to_string()),
    })?;
    if let Some(sealing) = &enrolled.sealing_public_key {
        crate::sealing::Sealer::from_base64(sealing).map_err(|e| {
            ProvisionError::Refused(format!("the portal's sealing key is not usable: {e}"))
        })?;
        config.portal.public_key = sealing.clone();
    }
    if let Some(catalogue) = &enrolled.catalogue_public_key {
        if !crate::signing::is_public_key(catalogue) {
            return Err(ProvisionError::Refused(
                "the portal's catalogue key is not an ed25519 public key".into(),
            ));
        }
        config.catalogue.public_key = catalogue.clone();
    }
    config.portal.url = portal;
    config.portal.token = request.token.trim().to_string();
    config.kiosk.id = kiosk_id.clone();
    config.kiosk.place = place.clone();
    let text = toml::to_string_pretty(&config).map_err(|e| ProvisionError::Write {
        path: config_path.to_path_buf(),
        message: e.to_string(),
    })?;
    if new_key {
        key.save(&key_path)
            .map_err(|message| ProvisionError::Write {
                path: key_path.clone(),
                message,
            })?;
    }
    write_atomically(
        config_path,
        &format!(
            "# Written by `xakiosk provision` on {}. Every key is documented in\n\
             # `xakiosk default-config`.\n\n{text}",
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
        ),
    )?;
    Ok(Provisioned {
        kiosk_id,
        place,
        device_public_key: key.public_base64(),
        config_path: config_path.to_path_buf(),
        enrolled_at: enrolled.enrolled_at,
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
