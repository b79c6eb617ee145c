//! Wired network settings for the appliance, set from the admin screen by a QR code the
//! technician prepares on a laptop (`XAKN1:` + JSON; nobody types an IP address on a touch
//! screen): DHCP, or a static address with gateway and DNS. The kiosk (an unprivileged user)
//! only leaves the code's text as a request in its own folder (`REQUEST_FILE`); root's
//! `xakiosk apply-network` reads it as untrusted input (bounded, parsed and checked again here)
//! and renders the systemd-networkd file into a root-owned folder of the data partition that
//! the read-only root links to. Parsing, checking, rendering and that one narrow step.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

const QR_PREFIX: &str = "XAKN1:";

/// The request the kiosk leaves in its data folder: the text of the code, checked.
pub const REQUEST_FILE: &str = "network-settings.txt";

/// Where root renders the networkd file on the appliance (the image links
/// /etc/systemd/network/10-admin.network here).
pub const NETWORKD_FILE: &str = "/var/lib/xakiosk/system/network/10-admin.network";

/// The largest request read: a settings code is a few hundred bytes.
const MAX_REQUEST: u64 = 4096;

/// What is wrong with network settings, or with applying them.
#[derive(Debug, thiserror::Error)]
pub enum NetworkSettingsError {
    #[error("this QR code is not a kiosk network settings code (XAKN1:)")]
    NotASettingsCode,
    #[error("the network settings QR code is damaged: {0}")]
    Damaged(String),
    /// A value that is not an address, a prefix or an IP (said in full).
    #[error("{0}")]
    BadValue(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is too large for network settings")]
    TooLarge(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Root's side: reads the kiosk's request at `request` (untrusted), checks it, and writes the
/// networkd file at `out` (world-readable, atomically). What it applied, for the journal.
pub fn apply_request(request: &Path, out: &Path) -> Result<String, NetworkSettingsError> {
    use crate::appliance::bounded_read::{self, BoundedReadError};
    let text = bounded_read::read(request, MAX_REQUEST).map_err(|e| match e {
        BoundedReadError::Io(source) => NetworkSettingsError::Read {
            path: request.to_path_buf(),
            source,
        },
        BoundedReadError::TooLarge(_) => NetworkSettingsError::TooLarge(request.to_path_buf()),
    })?;
    let settings = NetworkSettings::from_qr(&text)?;
    crate::store::atomic_file::write_public(out, settings.networkd_file().as_bytes()).map_err(
        |source| NetworkSettingsError::Write {
            path: out.to_path_buf(),
            source,
        },
    )?;
    Ok(settings.summary())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// true: DHCP (the other fields are ignored).
    #[serde(default)]
    pub dhcp: bool,
    /// "192.168.1.20/24"
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub gateway: String,
    #[serde(default)]
    pub dns: Vec<String>,
}

impl NetworkSettings {
    pub fn from_qr(text: &str) -> Result<NetworkSettings, NetworkSettingsError> {
        let json = text
            .trim()
            .strip_prefix(QR_PREFIX)
            .ok_or(NetworkSettingsError::NotASettingsCode)?;
        let settings: NetworkSettings =
            serde_json::from_str(json).map_err(|e| NetworkSettingsError::Damaged(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    pub fn to_qr(&self) -> String {
        format!(
            "{QR_PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// A static address must be an IP with a prefix length; gateway and DNS must be IPs.
    pub fn check(&self) -> Result<(), NetworkSettingsError> {
        self.check_values().map_err(NetworkSettingsError::BadValue)
    }

    fn check_values(&self) -> Result<(), String> {
        if self.dhcp {
            return Ok(());
        }
        let (ip, prefix) = self
            .address
            .split_once('/')
            .ok_or_else(|| format!("address {:?} needs a prefix length, e.g. /24", self.address))?;
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("address {:?} is not an IP address", self.address))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        match prefix.parse::<u8>() {
            Ok(p) if (1..=max).contains(&p) => {}
            _ => return Err(format!("prefix length /{prefix} is not 1–{max}")),
        }
        if !self.gateway.is_empty() {
            self.gateway
                .parse::<IpAddr>()
                .map_err(|_| format!("gateway {:?} is not an IP address", self.gateway))?;
        }
        for d in &self.dns {
            d.parse::<IpAddr>()
                .map_err(|_| format!("DNS server {d:?} is not an IP address"))?;
        }
        Ok(())
    }

    /// The systemd-networkd file for the wired interfaces.
    pub fn networkd_file(&self) -> String {
        let mut text = String::from(
            "# Written by the xakiosk admin screen (network settings QR code).\n\
             [Match]\nName=en* eth*\n\n[Network]\n",
        );
        if self.dhcp {
            text.push_str("DHCP=yes\n");
        } else {
            text.push_str(&format!("Address={}\n", self.address));
            if !self.gateway.is_empty() {
                text.push_str(&format!("Gateway={}\n", self.gateway));
            }
            for d in &self.dns {
                text.push_str(&format!("DNS={d}\n"));
            }
        }
        text
    }

    /// One line for the technician.
    pub fn summary(&self) -> String {
        if self.dhcp {
            "DHCP".into()
        } else {
            format!(
                "{} gw {} dns {}",
                self.address,
                if self.gateway.is_empty() {
                    "—"
                } else {
                    &self.gateway
                },
                self.dns.join(",")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_address_becomes_a_networkd_file_and_bad_ones_are_named() {
        let s = NetworkSettings {
            dhcp: false,
            address: "192.168.1.20/24".into(),
            gateway: "192.168.1.1".into(),
            dns: vec!["1.1.1.1".into()],
        };
        let parsed = NetworkSettings::from_qr(&s.to_qr()).unwrap();
        assert_eq!(parsed, s);
        let file = parsed.networkd_file();
        assert!(file.contains("Address=192.168.1.20/24\nGateway=192.168.1.1\nDNS=1.1.1.1\n"));
        assert!(!file.contains("DHCP"));
        let bad = |address: &str, gateway: &str| NetworkSettings {
            address: address.into(),
            gateway: gateway.into(),
            ..s.clone()
        };
        assert!(
            bad("192.168.1.20", "")
                .check()
                .unwrap_err()
                .to_string()
                .contains("prefix")
        );
        assert!(
            bad("192.168.1.300/24", "")
                .check()
                .unwrap_err()
                .to_string()
                .contains("not an IP")
        );
        assert!(
            bad("10.0.0.2/33", "")
                .check()
                .unwrap_err()
                .to_string()
                .contains("1–32")
        );
        assert!(
            bad("10.0.0.2/8", "gw")
                .check()
                .unwrap_err()
                .to_string()
                .contains("gateway")
        );
        assert!(NetworkSettings::from_qr("XAKP1:{}").is_err());
        let dhcp = NetworkSettings::from_qr("XAKN1:{\"dhcp\":true}").unwrap();
        assert!(dhcp.networkd_file().contains("DHCP=yes"));
    }
}
