//! Opening the dossier database when the SD card may have damaged it: a file that does not
//! open, does not upgrade, or fails `PRAGMA quick_check` is moved aside whole — the database
//! with its `-wal` and `-shm` files, renamed, never deleted or rewritten — and a fresh database
//! is started in its place, so the kiosk keeps taking and keeping dossiers. The old file stays
//! for the technician to export (the admin screen's "export logs" copies it to the USB stick)
//! and send to the province, where what it still holds can be recovered. Errors that are not
//! damage (a read-only or full partition, a permission, a folder that cannot be created) are
//! returned as they are: moving the file would not help, and the kiosk starts without taking
//! dossiers until the technician fixes it (`Store::unavailable`).

use crate::protocol::sealing::Sealer;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

/// A database that was moved aside at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// Where the old database is now.
    pub moved_to: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

/// The file name prefix set-aside databases get (with the time and the original name).
pub const SET_ASIDE_PREFIX: &str = "damaged-";

/// Damage, as opposed to a folder or permission problem that moving the file would not fix
/// (those are reported and the file is left where it is).
fn damaged(e: &StoreError) -> bool {
    matches!(e, StoreError::Corrupt(_) | StoreError::Migration(_))
}

fn check(store: &Store) -> Result<(), String> {
    match store.integrity_problem(crate::store::IntegrityCheck::Quick) {
        Ok(None) => Ok(()),
        Ok(Some(verdict)) => Err(format!("quick_check: {verdict}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Opens the database at `path`; a damaged one is moved aside (named with `stamp`, e.g. the
/// current time) and a fresh one opened.
pub fn open_or_set_aside(
    path: &Path,
    sealer: Option<Sealer>,
    stamp: &str,
) -> Result<(Store, Option<SetAside>), StoreError> {
    let reason = match Store::open_with(path, sealer.clone()) {
        Ok(store) => match check(&store) {
            Ok(()) => return Ok((store, None)),
            Err(reason) => reason,
        },
        Err(e) if damaged(&e) => e.to_string(),
        Err(e) => return Err(e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let moved_to = dir.join(format!("{SET_ASIDE_PREFIX}{stamp}-{name}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", moved_to.display()));
            std::fs::rename(&from, &to).map_err(|e| StoreError::CannotOpen {
                path: from.display().to_string(),
                source: rusqlite::Error::InvalidPath(PathBuf::from(e.to_string())),
            })?;
        }
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    tracing::error!(
        moved_to = %moved_to.display(),
        "the dossier database was damaged ({reason}); it was moved aside whole and a fresh one started"
    );
    let store = Store::open_with(path, sealer)?;
    Ok((store, Some(SetAside { moved_to, reason })))
}

/// The databases moved aside in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect()
}

/// Every file of the databases moved aside in `dir` (with their `-wal` and `-shm`), sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SET_ASIDE_PREFIX))
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::from_base64(crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY).unwrap()
    }

    #[test]
    fn a_file_that_is_not_a_database_is_kept_byte_for_byte_and_a_fresh_one_started() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dossiers.sqlite");
        let garbage: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &garbage).unwrap();
        let (store, aside) = open_or_set_aside(&path, Some(sealer()), "20261206T0900Z").unwrap();
        let aside = aside.expect("moved aside");
        assert_eq!(std::fs::read(&aside.moved_to).unwrap(), garbage);
        assert_eq!(store.dossier_count().unwrap(), 0);
        assert_eq!(list(dir.path()), vec![aside.moved_to.clone()]);
        // The fresh database opens as it is next time.
        drop(store);
        let (_, again) = open_or_set_aside(&path, Some(sealer()), "later").unwrap();
        assert_eq!(again, None);
    }
}
