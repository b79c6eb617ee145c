//! Wired network settings for the appliance, set from the admin screen by a QR code the
//! technician prepares on a laptop (`XAKN1:` + JSON; nobody types an IP address on a touch
//! screen): DHCP, or a static address with gateway and DNS. Rendered as a systemd-networkd
//! file kept on the data partition (the read-only root links to it). Parsing and rendering only;
//! writing the file and asking networkd to reload is the admin actions' job.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

const QR_PREFIX: &str = "XAKN1:";

/// Where the settings live (the image links /etc/systemd/network/10-admin.network here).
pub const SETTINGS_FILE: &str = "network/10-admin.network";

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
    pub fn from_qr(text: &str) -> Result<NetworkSettings, String> {
        let json = text
            .trim()
            .strip_prefix(QR_PREFIX)
            .ok_or("this QR code is not a kiosk network settings code (XAKN1:)")?;
        let settings: NetworkSettings = serde_json::from_str(json)
            .map_err(|e| format!("the network settings QR code is damaged: {e}"))?;
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
    pub fn check(&self) -> Result<(), String> {
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
                .contains("prefix")
        );
        assert!(
            bad("192.168.1.300/24", "")
                .check()
                .unwrap_err()
                .contains("not an IP")
        );
        assert!(bad("10.0.0.2/33", "").check().unwrap_err().contains("1–32"));
        assert!(
            bad("10.0.0.2/8", "gw")
                .check()
                .unwrap_err()
                .contains("gateway")
        );
        assert!(NetworkSettings::from_qr("XAKP1:{}").is_err());
        let dhcp = NetworkSettings::from_qr("XAKN1:{\"dhcp\":true}").unwrap();
        assert!(dhcp.networkd_file().contains("DHCP=yes"));
    }
}
