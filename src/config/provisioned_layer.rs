//! The provisioned layer: the one configuration file the kiosk itself writes (provisioning from
//! the command line or from a QR code on the admin screen). It lives on the data partition, so
//! it survives A/B updates of the read-only root and is writable there; it is owner-only
//! (it holds the enrollment token and the PIN hashes) and replaced atomically. Keys other than
//! the ones provisioning owns are kept as they were.

use std::path::Path;

/// What provisioning decides about a kiosk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisionedValues {
    pub kiosk_id: String,
    pub place: String,
    pub portal_url: String,
    pub token: String,
    /// The portal's X25519 sealing key (base64).
    pub sealing_key: String,
    /// The portal's ed25519 catalogue key (base64), when known.
    pub catalogue_key: Option<String>,
    /// The admin screen's PIN hash (Argon2id PHC string), when set at provisioning.
    pub admin_pin_hash: Option<String>,
    /// OpenSSH public keys for maintenance mode, when given at provisioning.
    pub ssh_keys: Option<Vec<String>>,
    /// A lab's plain-http portal (`[portal] allow_plain_http`).
    pub allow_plain_http: bool,
}

fn section<'a>(table: &'a mut toml::Table, name: &str) -> &'a mut toml::Table {
    let entry = table
        .entry(name.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    entry.as_table_mut().expect("made a table above")
}

/// The layer's text with `values` set over what `existing` held (a broken or missing layer
/// starts empty).
pub fn render(existing: Option<&str>, values: &ProvisionedValues, at: &str) -> String {
    let mut table: toml::Table = existing.and_then(|t| t.parse().ok()).unwrap_or_default();
    let s = |v: &str| toml::Value::String(v.to_string());
    let kiosk = section(&mut table, "kiosk");
    kiosk.insert("id".into(), s(&values.kiosk_id));
    kiosk.insert("place".into(), s(&values.place));
    let portal = section(&mut table, "portal");
    portal.insert("url".into(), s(&values.portal_url));
    portal.insert("token".into(), s(&values.token));
    portal.insert("public_key".into(), s(&values.sealing_key));
    if values.allow_plain_http {
        portal.insert("allow_plain_http".into(), toml::Value::Boolean(true));
    }
    if let Some(key) = &values.catalogue_key {
        section(&mut table, "catalogue").insert("public_key".into(), s(key));
    }
    if let Some(hash) = &values.admin_pin_hash {
        section(&mut table, "admin").insert("pin_hash".into(), s(hash));
    }
    if let Some(keys) = &values.ssh_keys {
        section(&mut table, "admin").insert(
            "ssh_authorized_keys".into(),
            toml::Value::Array(keys.iter().map(|k| s(k)).collect()),
        );
    }
    format!(
        "# The provisioned layer, written by `xakiosk provision` (or the admin screen's\n\
         # provisioning QR code) on {at}. It is laid over /etc/xakiosk/config.toml; see\n\
         # `xakiosk config show`.\n\n{}",
        toml::to_string_pretty(&table).unwrap_or_default()
    )
}

/// Writes `values` into the layer at `path` (owner-only, atomically).
pub fn write(path: &Path, values: &ProvisionedValues) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).ok();
    let at = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    crate::store::atomic_file::write_private(
        path,
        render(existing.as_deref(), values, &at).as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisioning_sets_its_keys_and_keeps_the_others() {
        let values = ProvisionedValues {
            kiosk_id: "KIOSK-00070-AB12CD".into(),
            place: "Phường Hoàn Kiếm, Thành phố Hà Nội".into(),
            portal_url: "https://dvc.example.vn".into(),
            token: "t".into(),
            sealing_key: "k".into(),
            catalogue_key: None,
            admin_pin_hash: None,
            ssh_keys: None,
            allow_plain_http: false,
        };
        let text = render(
            Some("[session]\nwarn_after_secs = 90\n[catalogue]\npublic_key = \"c\"\n"),
            &values,
            "now",
        );
        let t: toml::Table = text.parse().unwrap();
        assert_eq!(t["session"]["warn_after_secs"].as_integer(), Some(90));
        assert_eq!(t["catalogue"]["public_key"].as_str(), Some("c"));
        assert_eq!(t["kiosk"]["id"].as_str(), Some("KIOSK-00070-AB12CD"));
        assert_eq!(t["portal"]["public_key"].as_str(), Some("k"));
        crate::config::Config::parse(&text, Path::new("p.toml")).unwrap();
        // A broken layer is replaced.
        let t: toml::Table = render(Some("[kiosk\n"), &values, "now").parse().unwrap();
        assert_eq!(t["portal"]["url"].as_str(), Some("https://dvc.example.vn"));
    }
}
