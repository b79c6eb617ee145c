//! The A/B root slots as RAUC reports them (`rauc status --detailed --output-format=json`):
//! which slot is running, which one the next boot takes, each slot's health and the version
//! of the bundle last installed in it. Root writes that report to `SLOTS_FILE` at every boot
//! (kiosk-image/rauc/slot-commit); the kiosk reads it (untrusted, bounded) for the admin
//! screen, and `xakiosk install-update` reads it from RAUC directly.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Root's folder of update facts the kiosk may read (a runtime directory of root's units).
pub const STATUS_DIR: &str = "/run/xakiosk-update";

/// RAUC's status, as root's slot-commit saved it at boot.
pub const SLOTS_FILE: &str = "slots.json";

/// The largest status read: a few slots, a few hundred bytes each.
const MAX_STATUS: u64 = 64 * 1024;

/// One root slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// RAUC's name, e.g. "rootfs.1".
    pub name: String,
    /// The bootloader's name, e.g. "B".
    pub bootname: String,
    /// "booted", "active" or "inactive".
    pub state: String,
    /// "good" or "bad", as the bootloader keeps it.
    pub boot_status: String,
    /// The version of the bundle RAUC last installed here (none for the image's own slot).
    pub version: Option<String>,
    /// When that bundle was installed (RFC 3339).
    pub installed_at: Option<String>,
}

/// The system as RAUC sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slots {
    pub compatible: String,
    /// The bootname of the slot running now.
    pub booted: String,
    /// The slot the next boot takes (RAUC's slot name).
    pub primary: Option<String>,
    /// Root slots only (boot partitions follow their root slot).
    pub roots: Vec<Slot>,
}

#[derive(Deserialize)]
struct RawStatus {
    compatible: String,
    booted: Option<String>,
    boot_primary: Option<String>,
    slots: Vec<BTreeMap<String, RawSlot>>,
}

#[derive(Deserialize)]
struct RawSlot {
    class: String,
    bootname: Option<String>,
    state: Option<String>,
    boot_status: Option<String>,
    slot_status: Option<RawSlotStatus>,
}

#[derive(Deserialize)]
struct RawSlotStatus {
    bundle: Option<RawBundle>,
    installed: Option<RawInstalled>,
}

#[derive(Deserialize)]
struct RawBundle {
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawInstalled {
    timestamp: Option<String>,
}

/// What is wrong with a status report.
#[derive(Debug, thiserror::Error)]
pub enum SlotsError {
    #[error("RAUC's status is not what was expected: {0}")]
    Damaged(String),
    #[error("RAUC's status is larger than {MAX_STATUS} bytes")]
    TooLarge,
    #[error("cannot read RAUC's status {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Shortens what an untrusted report says to something fit for one line.
fn tidy(text: Option<String>) -> Option<String> {
    text.map(|t| t.chars().filter(|c| !c.is_control()).take(64).collect())
}

impl Slots {
    pub fn parse(json: &str) -> Result<Slots, SlotsError> {
        if json.len() as u64 > MAX_STATUS {
            return Err(SlotsError::TooLarge);
        }
        let raw: RawStatus =
            serde_json::from_str(json).map_err(|e| SlotsError::Damaged(e.to_string()))?;
        let mut roots = Vec::new();
        for (name, slot) in raw.slots.into_iter().flatten() {
            if slot.class != "rootfs" {
                continue;
            }
            let status = slot.slot_status;
            let (version, installed_at) = match status {
                Some(s) => (
                    s.bundle.and_then(|b| b.version),
                    s.installed.and_then(|i| i.timestamp),
                ),
                None => (None, None),
            };
            roots.push(Slot {
                name: tidy(Some(name)).unwrap_or_default(),
                bootname: tidy(slot.bootname).unwrap_or_default(),
                state: tidy(slot.state).unwrap_or_default(),
                boot_status: tidy(slot.boot_status).unwrap_or_default(),
                version: tidy(version),
                installed_at: tidy(installed_at),
            });
        }
        if roots.is_empty() {
            return Err(SlotsError::Damaged("no root slot".into()));
        }
        roots.sort_by(|a, b| a.bootname.cmp(&b.bootname));
        Ok(Slots {
            compatible: tidy(Some(raw.compatible)).unwrap_or_default(),
            booted: tidy(raw.booted).unwrap_or_default(),
            primary: tidy(raw.boot_primary),
            roots,
        })
    }

    /// Reads the report root saved, bounded.
    pub fn read(path: &Path) -> Result<Slots, SlotsError> {
        use crate::appliance::bounded_read::{self, BoundedReadError};
        let text = bounded_read::read(path, MAX_STATUS).map_err(|e| match e {
            BoundedReadError::Io(source) => SlotsError::Read {
                path: path.to_path_buf(),
                source,
            },
            BoundedReadError::TooLarge(_) => SlotsError::TooLarge,
        })?;
        Slots::parse(&text)
    }

    /// The root slot the next boot takes.
    pub fn primary_root(&self) -> Option<&Slot> {
        let primary = self.primary.as_deref()?;
        self.roots.iter().find(|s| s.name == primary)
    }

    /// One line per slot for the admin screen (Vietnamese / English), the running one marked,
    /// the image's own version said as such when RAUC installed nothing in the running one.
    pub fn lines(&self, running_version: &str) -> Vec<String> {
        self.roots
            .iter()
            .map(|slot| {
                let running = slot.bootname == self.booted;
                let version = match (&slot.version, running) {
                    (Some(v), _) => v.clone(),
                    (None, true) => format!("{running_version} (ảnh đĩa / image)"),
                    (None, false) => "chưa rõ bản / version unknown".into(),
                };
                let state = if running {
                    "đang chạy / running"
                } else if self.primary.as_deref() == Some(slot.name.as_str()) {
                    "lần khởi động sau / next boot"
                } else {
                    "dự phòng / standby"
                };
                let health = match slot.boot_status.as_str() {
                    "good" => "tốt / good",
                    "bad" => "HỎNG / BAD",
                    _ => "chưa rõ / unknown",
                };
                format!("Khe {}: {version} · {state} · {health}", slot.bootname)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What RAUC 1.13 prints for the amd64 image after one update (rootfs.1 booted).
    pub const AFTER_UPDATE: &str = r#"{"compatible":"xakiosk-pc-amd64","variant":"","booted":"B","boot_primary":"rootfs.1","slots":[{"rootfs.0":{"class":"rootfs","device":"/dev/disk/by-partlabel/root-a","type":"ext4","bootname":"A","state":"inactive","parent":null,"mountpoint":null,"boot_status":"good","slot_status":{"bundle":{"compatible":null},"status":null}}},{"rootfs.1":{"class":"rootfs","device":"/dev/disk/by-partlabel/root-b","type":"ext4","bootname":"B","state":"booted","parent":null,"mountpoint":"/","boot_status":"good","slot_status":{"bundle":{"compatible":"xakiosk-pc-amd64","version":"0.17.0+update1","description":"xakiosk"},"checksum":{"sha256":"ab","size":1},"installed":{"timestamp":"2026-12-07T15:00:00Z","count":1},"activated":{"timestamp":"2026-12-07T15:00:01Z","count":1},"status":"ok"}}},{"efi.0":{"class":"efi","device":"/dev/x","type":"vfat","bootname":null,"state":"inactive","parent":null,"mountpoint":null,"boot_status":null}}]}"#;

    #[test]
    fn rauc_status_is_read_into_the_two_root_slots() {
        let slots = Slots::parse(AFTER_UPDATE).unwrap();
        assert_eq!(slots.compatible, "xakiosk-pc-amd64");
        assert_eq!(slots.booted, "B");
        assert_eq!(slots.roots.len(), 2, "the efi slot is not a root");
        assert_eq!(slots.primary_root().unwrap().bootname, "B");
        assert_eq!(slots.roots[1].version.as_deref(), Some("0.17.0+update1"));
        assert_eq!(
            slots.lines("0.16.0"),
            vec![
                "Khe A: chưa rõ bản / version unknown · dự phòng / standby · tốt / good",
                "Khe B: 0.17.0+update1 · đang chạy / running · tốt / good",
            ]
        );
    }

    #[test]
    fn a_damaged_or_hostile_report_is_refused_or_tidied() {
        assert!(matches!(Slots::parse("{"), Err(SlotsError::Damaged(_))));
        assert!(matches!(
            Slots::parse(r#"{"compatible":"x","booted":"A","slots":[]}"#),
            Err(SlotsError::Damaged(_))
        ));
        assert!(matches!(
            Slots::parse(&" ".repeat(70_000)),
            Err(SlotsError::TooLarge)
        ));
        let hostile =
            AFTER_UPDATE.replace("0.17.0+update1", &format!("1\\u001b[2J{}", "9".repeat(200)));
        let slots = Slots::parse(&hostile).unwrap();
        let version = slots.roots[1].version.as_deref().unwrap();
        assert!(
            version.len() <= 64 && !version.contains('\u{1b}'),
            "{version}"
        );
    }
}
