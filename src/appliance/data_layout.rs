//! The appliance's data partition moved from one folder the kiosk user owned to a root-owned
//! folder with the kiosk's own half (`kiosk/`) and root's (`system/`). A kiosk updated from an
//! image with the old layout must not strand what it kept: before the kiosk starts, root's
//! `xakiosk migrate-data-layout` moves the kiosk's files (dossiers, device key and handovers,
//! configuration layers, catalogue, damaged databases set aside) into `kiosk/`, and RAUC's and
//! systemd's state into `system/`. A file already at its new place is never overwritten; the
//! old one is then left where it was and reported. Renames on one file system: a power cut
//! leaves each file at its old place or its new one.

use std::path::Path;

/// What the kiosk kept at the top of the data partition in the old layout.
const KIOSK_FILES: [&str; 10] = [
    "dossiers.sqlite",
    "dossiers.sqlite-wal",
    "dossiers.sqlite-shm",
    "device.key",
    "device-key-handovers.json",
    "provisioned.toml",
    "config.last-good.toml",
    "catalogue",
    "builtin-portal.sqlite",
    "network-settings.txt",
];

/// Moves the old layout's files under `root` (the data partition) to the new one; what was
/// moved and what could not be, for the journal.
pub fn migrate(root: &Path) -> (Vec<String>, Vec<String>) {
    let mut moved = Vec::new();
    let mut left = Vec::new();
    let mut move_one = |from: &Path, to: &Path| {
        if !from.exists() {
            return;
        }
        if to.exists() {
            left.push(format!(
                "{} (kept: {} already exists)",
                from.display(),
                to.display()
            ));
            return;
        }
        if let Some(dir) = to.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match std::fs::rename(from, to) {
            Ok(()) => moved.push(format!("{} → {}", from.display(), to.display())),
            Err(e) => left.push(format!("{}: {e}", from.display())),
        }
    };
    let kiosk = root.join("kiosk");
    for name in KIOSK_FILES {
        move_one(&root.join(name), &kiosk.join(name));
    }
    for path in crate::store::set_aside::files(root) {
        if let Some(name) = path.file_name() {
            move_one(&path, &kiosk.join(name));
        }
    }
    move_one(&root.join("rauc"), &root.join("system/rauc"));
    move_one(&root.join(".system/systemd"), &root.join("system/systemd"));
    // What was moved becomes the kiosk user's (as its folder is). Never through a link: the
    // kiosk user could have planted one pointing at a file of root's.
    if let Some(owner) = owner_of(&kiosk) {
        for path in walk(&kiosk) {
            let _ = std::os::unix::fs::lchown(&path, Some(owner.0), Some(owner.1));
        }
    }
    (moved, left)
}

fn owner_of(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.uid(), m.gid()))
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if !path.is_symlink() && path.is_dir() {
            all.extend(walk(&path));
        }
        all.push(path);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_layout_moves_into_the_kiosks_folder_and_nothing_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("dossiers.sqlite"), b"queue").unwrap();
        std::fs::write(root.join("device.key"), b"key").unwrap();
        std::fs::create_dir_all(root.join("catalogue")).unwrap();
        std::fs::write(root.join("catalogue/current.json"), b"{}").unwrap();
        std::fs::write(root.join("damaged-20261206T0900Z-dossiers.sqlite"), b"old").unwrap();
        std::fs::create_dir_all(root.join(".system/systemd")).unwrap();
        std::fs::create_dir_all(root.join("kiosk")).unwrap();
        std::fs::write(root.join("kiosk/provisioned.toml"), b"new").unwrap();
        std::fs::write(root.join("provisioned.toml"), b"old").unwrap();
        let (moved, left) = migrate(root);
        assert_eq!(
            std::fs::read(root.join("kiosk/dossiers.sqlite")).unwrap(),
            b"queue"
        );
        assert_eq!(
            std::fs::read(root.join("kiosk/device.key")).unwrap(),
            b"key"
        );
        assert!(root.join("kiosk/catalogue/current.json").exists());
        assert!(
            root.join("kiosk/damaged-20261206T0900Z-dossiers.sqlite")
                .exists()
        );
        assert!(root.join("system/systemd").is_dir());
        assert_eq!(
            std::fs::read(root.join("kiosk/provisioned.toml")).unwrap(),
            b"new"
        );
        assert_eq!(
            std::fs::read(root.join("provisioned.toml")).unwrap(),
            b"old",
            "kept"
        );
        assert_eq!(moved.len(), 5, "{moved:?}");
        assert_eq!(left.len(), 1, "{left:?}");
        // Running again changes nothing.
        let (again, _) = migrate(root);
        assert!(again.is_empty());
    }
}
