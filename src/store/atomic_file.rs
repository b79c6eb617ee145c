//! Replacing a small file so that a power cut leaves either the old file or the new one, whole:
//! a temporary file beside it, written and fsynced, renamed over it, then the folder fsynced.
//! Used for the provisioned configuration layer, the last good configuration, the device key,
//! the network settings, and the update's request, trial record, notes and healthy marker. "Private" files are created owner-only (0600) from the start. A
//! file root writes into a folder someone else owns (a technician running `xakiosk provision`
//! as root in the kiosk user's folder) is given to the folder's owner, so the kiosk can read it.

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes`, readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o600)
}

/// Replaces `path` with `bytes`, readable by everyone (files root consumes, like networkd's).
pub fn write_public(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o644)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    give_to_folder_owner(&tmp, dir)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::File::open(dir)?.sync_all()
}

/// A file made by root in a folder owned by another user becomes that user's.
#[cfg(unix)]
fn give_to_folder_owner(file: &Path, dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let made = std::fs::metadata(file)?;
    let folder = std::fs::metadata(dir)?;
    if made.uid() == 0 && folder.uid() != 0 {
        std::os::unix::fs::chown(file, Some(folder.uid()), Some(folder.gid()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn give_to_folder_owner(_: &Path, _: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_file_is_replaced_whole_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/provisioned.toml");
        write_private(&path, b"a = 1").unwrap();
        write_private(&path, b"a = 2").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a = 2");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_root_writes_in_the_kiosk_users_folder_becomes_the_kiosk_users() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        std::fs::write(&probe, b"").unwrap();
        if std::fs::metadata(&probe).unwrap().uid() != 0 {
            return; // only root can give a file away
        }
        let kiosk = dir.path().join("kiosk");
        std::fs::create_dir(&kiosk).unwrap();
        std::os::unix::fs::chown(&kiosk, Some(4242), Some(4243)).unwrap();
        let path = kiosk.join("provisioned.toml");
        write_private(&path, b"x = 1").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4242, 4243));
        // In a folder of root's, root's file stays root's.
        let own = dir.path().join("network.conf");
        write_public(&own, b"x").unwrap();
        assert_eq!(std::fs::metadata(&own).unwrap().uid(), 0);
    }
}
