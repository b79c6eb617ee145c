//! Keeps a software update the portal offered while it downloads, in the kiosk's downloads
//! folder (`updates/` in its data folder, the one place besides USB sticks root installs
//! from): the bundle grows in `<sha256>.part` piece by piece (a restart or a lost connection
//! resumes where it stopped), `offer-state.txt` says which offer it is and whether it was
//! already handed to root (so a bundle that failed to install or rolled back is not fetched
//! and tried again in a loop: only a newer offer starts over). Whole, the bundle must have the
//! offered SHA-256; it is renamed `xakiosk-<version>.raucb` and root is asked to install it
//! (`update_request`, origin portal). Downloads never eat into the room dossiers need: a
//! reserve stays free. Implements `UpdateSink`; must not install anything itself.

use crate::appliance::update_request::{self, DOWNLOADS_DIR, Origin, UpdateRequest};
use crate::protocol::contract::SignedUpdateOffer;
use crate::sync::update_sink::{UpdateDownloadError, UpdateSink, WantedBundle};
use sha2::{Digest, Sha256};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

/// Room kept free for dossiers beyond the update's own size.
pub const RESERVE_BYTES: u64 = 512 * 1024 * 1024;
/// Which offer is being fetched and whether root was asked to install it.
pub const STATE_FILE: &str = "offer-state.txt";

type FreeSpace = Box<dyn Fn(&Path) -> Result<u64, String> + Send + Sync>;

pub struct UpdateDownload {
    /// The kiosk's data folder (the request goes there, bundles in its `updates/`).
    data_dir: PathBuf,
    catalogue_key: String,
    running: semver::Version,
    free_space: FreeSpace,
}

/// What `STATE_FILE` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadState {
    pub version: String,
    pub sha256: String,
    pub size: u64,
    /// Handed to root (installed, refused or rolled back: not fetched again).
    pub requested: bool,
}

impl DownloadState {
    fn to_text(&self) -> String {
        format!(
            "version={}\nsha256={}\nsize={}\nstate={}\n",
            self.version,
            self.sha256,
            self.size,
            if self.requested {
                "requested"
            } else {
                "downloading"
            }
        )
    }

    fn parse(text: &str) -> Option<DownloadState> {
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::trim)
        };
        Some(DownloadState {
            version: get("version")?.to_string(),
            sha256: get("sha256")?.to_string(),
            size: get("size")?.parse().ok()?,
            requested: match get("state")? {
                "requested" => true,
                "downloading" => false,
                _ => return None,
            },
        })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> UpdateDownloadError + '_ {
    move |source| UpdateDownloadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl UpdateDownload {
    /// Downloads into `data_dir`'s `updates/` folder; offers must be signed by
    /// `catalogue_key`; `running` is this software's version (only newer ones are fetched).
    pub fn new(
        data_dir: &Path,
        catalogue_key: &str,
        running: &str,
    ) -> Result<UpdateDownload, String> {
        let data_dir =
            std::path::absolute(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let running = semver::Version::parse(running)
            .map_err(|e| format!("the running version {running:?} is not x.y.z: {e}"))?;
        Ok(UpdateDownload {
            data_dir,
            catalogue_key: catalogue_key.trim().to_string(),
            running,
            free_space: Box::new(crate::app::selftest::free_bytes),
        })
    }

    /// Measures free space with `f` instead of the filesystem's (tests fill a "disk").
    pub fn with_free_space(
        mut self,
        f: impl Fn(&Path) -> Result<u64, String> + Send + Sync + 'static,
    ) -> UpdateDownload {
        self.free_space = Box::new(f);
        self
    }

    fn dir(&self) -> PathBuf {
        self.data_dir.join(DOWNLOADS_DIR)
    }

    fn part(&self, sha256: &str) -> PathBuf {
        part_file(&self.dir(), sha256)
    }

    /// Where a whole bundle waits for root.
    fn bundle(&self, version: &str) -> PathBuf {
        self.dir().join(format!("xakiosk-{version}.raucb"))
    }

    /// The offer being fetched or last handed to root, if any.
    pub fn state(&self) -> Option<DownloadState> {
        read_state(&self.data_dir)
    }

    fn write_state(&self, state: &DownloadState) -> Result<(), UpdateDownloadError> {
        let path = self.dir().join(STATE_FILE);
        crate::store::atomic_file::write_private(&path, state.to_text().as_bytes())
            .map_err(io(&path))
    }

    /// Removes what an earlier offer left (its pieces and its bundle).
    fn clear_folder(&self) -> Result<(), UpdateDownloadError> {
        let dir = self.dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(&dir)(e)),
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".part") || name.ends_with(".raucb") {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
        Ok(())
    }
}

/// Where the pieces of bundle `sha256` grow in the downloads folder `downloads`.
fn part_file(downloads: &Path, sha256: &str) -> PathBuf {
    downloads.join(format!("{sha256}.part"))
}

/// The download state recorded in `data_dir` (the admin screen reads it too).
pub fn read_state(data_dir: &Path) -> Option<DownloadState> {
    let path = data_dir.join(DOWNLOADS_DIR).join(STATE_FILE);
    let text = crate::appliance::bounded_read::read(&path, 4096).ok()?;
    DownloadState::parse(&text)
}

/// How far the portal's update got, for the admin screen: the version and the share of it
/// downloaded, or `None` when there is nothing in progress.
pub fn progress(data_dir: &Path) -> Option<(String, u8, bool)> {
    let state = read_state(data_dir)?;
    let part = part_file(&data_dir.join(DOWNLOADS_DIR), &state.sha256);
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let percent = if state.requested {
        100
    } else {
        (have.saturating_mul(100) / state.size.max(1)).min(99) as u8
    };
    Some((state.version, percent, state.requested))
}

/// The admin screen's line about the portal's update, when there is one.
pub fn admin_line(data_dir: &Path) -> Option<String> {
    let (version, percent, requested) = progress(data_dir)?;
    Some(if requested {
        format!(
            "Bản cập nhật {version} từ Cổng dịch vụ công: đã tải xong, đã giao để cài / downloaded, handed over to install"
        )
    } else {
        format!("Đang tải bản cập nhật {version} từ Cổng dịch vụ công: {percent}% / downloading")
    })
}

impl UpdateSink for UpdateDownload {
    fn consider(
        &self,
        signed: &SignedUpdateOffer,
    ) -> Result<Option<WantedBundle>, UpdateDownloadError> {
        let offer = crate::protocol::update_offer::open(signed, &self.catalogue_key)?;
        let version = crate::protocol::update_offer::check_version(&offer.version)?;
        if version <= self.running {
            return Ok(None);
        }
        // What is recorded of this very offer, if anything (another offer's state is replaced).
        let same_offer = self.state().filter(|s| s.sha256 == offer.sha256);
        if same_offer.as_ref().is_some_and(|s| s.requested) {
            return Ok(None);
        }
        let same = same_offer.is_some();
        let dir = self.dir();
        let part = self.part(&offer.sha256);
        let whole = same
            && std::fs::metadata(self.bundle(&offer.version)).is_ok_and(|m| m.len() == offer.size);
        let mut offset = match (same, whole) {
            // Renamed before a crash: only the last steps of `finish` remain.
            (true, true) => offer.size,
            (true, false) => std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0),
            (false, _) => 0,
        };
        if offset > offer.size {
            std::fs::remove_file(&part).map_err(io(&part))?;
            offset = 0;
        }
        // Checked before anything is written (what an older offer left is not counted).
        let needed = (offer.size - offset).saturating_add(RESERVE_BYTES);
        let available = (self.free_space)(&self.data_dir).map_err(|e| UpdateDownloadError::Io {
            path: self.data_dir.clone(),
            source: std::io::Error::other(e),
        })?;
        if available < needed {
            return Err(UpdateDownloadError::NoSpace { needed, available });
        }
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        if !same {
            // Another offer (newer, or a replacement): start over.
            self.clear_folder()?;
            self.write_state(&DownloadState {
                version: offer.version.clone(),
                sha256: offer.sha256.clone(),
                size: offer.size,
                requested: false,
            })?;
        }
        Ok(Some(WantedBundle {
            version: offer.version,
            sha256: offer.sha256,
            size: offer.size,
            offset,
        }))
    }

    fn append(
        &self,
        wanted: &WantedBundle,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64, UpdateDownloadError> {
        let part = self.part(&wanted.sha256);
        let mut options = std::fs::OpenOptions::new();
        options.create(true).write(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&part).map_err(io(&part))?;
        let len = file.metadata().map_err(io(&part))?.len();
        let end = offset + bytes.len() as u64;
        let wrong = if len != offset {
            Some(format!("holds {len} bytes, the piece starts at {offset}"))
        } else if end > wanted.size {
            Some(format!(
                "the piece would end at byte {end}, past the offered {} bytes",
                wanted.size
            ))
        } else {
            None
        };
        if let Some(wrong) = wrong {
            return Err(UpdateDownloadError::Io {
                path: part,
                source: std::io::Error::other(wrong),
            });
        }
        file.seek(std::io::SeekFrom::Start(offset))
            .and_then(|_| file.write_all(bytes))
            .map_err(io(&part))?;
        Ok(end)
    }

    fn finish(&self, wanted: &WantedBundle) -> Result<PathBuf, UpdateDownloadError> {
        // Each step can be repeated: after a crash, `consider` finds the bundle renamed and
        // whole, and this runs again from the check.
        let part = self.part(&wanted.sha256);
        let bundle = self.bundle(&wanted.version);
        let (checked, renamed) = if part.exists() {
            (part.clone(), false)
        } else {
            (bundle.clone(), true)
        };
        if sha256_of(&checked)? != wanted.sha256 {
            std::fs::remove_file(&checked).map_err(io(&checked))?;
            return Err(UpdateDownloadError::Corrupt);
        }
        if !renamed {
            std::fs::rename(&part, &bundle).map_err(io(&bundle))?;
            let dir = self.dir();
            std::fs::File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(io(&dir))?;
        }
        let request = UpdateRequest {
            bundle: bundle.clone(),
            origin: Origin::Portal,
        };
        update_request::leave(&self.data_dir, &request).map_err(io(&self.data_dir))?;
        self.write_state(&DownloadState {
            version: wanted.version.clone(),
            sha256: wanted.sha256.clone(),
            size: wanted.size,
            requested: true,
        })?;
        Ok(bundle)
    }

    fn nothing_offered(&self) -> Result<(), UpdateDownloadError> {
        if self.state().is_some_and(|s| !s.requested) {
            self.clear_folder()?;
            let path = self.dir().join(STATE_FILE);
            std::fs::remove_file(&path).map_err(io(&path))?;
            tracing::info!(
                "the portal withdrew the update being downloaded; its pieces are removed"
            );
        }
        Ok(())
    }
}

/// The SHA-256 (hex) of the file at `path`, after it is on the disk.
fn sha256_of(path: &Path) -> Result<String, UpdateDownloadError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::contract::UpdateOffer;
    use crate::protocol::signing::DeviceKey;

    const KEY: [u8; 32] = [5; 32];

    fn signed(bundle: &[u8], version: &str) -> SignedUpdateOffer {
        crate::protocol::update_offer::sign(
            &UpdateOffer {
                version: version.into(),
                sha256: hex::encode(Sha256::digest(bundle)),
                size: bundle.len() as u64,
                group: "general".into(),
                offered_at: "2026-12-07T00:00:00Z".into(),
            },
            &DeviceKey::from_seed(KEY),
        )
    }

    fn sink(dir: &Path) -> UpdateDownload {
        UpdateDownload::new(dir, &DeviceKey::from_seed(KEY).public_base64(), "0.17.0")
            .unwrap()
            .with_free_space(|_| Ok(u64::MAX))
    }

    #[test]
    fn a_damaged_download_is_thrown_away_and_fetched_again_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = b"a RAUC bundle, in two pieces".to_vec();
        let offer = signed(&bundle, "0.18.0");
        let s = sink(dir.path());
        let wanted = s.consider(&offer).unwrap().unwrap();
        assert_eq!(wanted.offset, 0);
        let kept = s.append(&wanted, 0, &bundle[..10]).unwrap();
        // A restart resumes where the pieces stopped.
        let again = sink(dir.path()).consider(&offer).unwrap().unwrap();
        assert_eq!(again.offset, 10);
        // A piece at the wrong offset is refused, not written.
        assert!(s.append(&wanted, 3, b"xyz").is_err());
        // Longer than offered: refused; the right length of the wrong bytes is kept.
        assert!(s.append(&wanted, kept, &[b'x'; 40]).is_err());
        s.append(&wanted, kept, &vec![b'x'; bundle.len() - 10])
            .unwrap();
        assert!(matches!(
            s.finish(&wanted),
            Err(UpdateDownloadError::Corrupt)
        ));
        assert!(!dir.path().join(REQUEST_FILE_NAME).exists());
        assert_eq!(s.consider(&offer).unwrap().unwrap().offset, 0);
        // Withdrawn while downloading: the pieces go, the next offer starts afresh.
        s.append(&wanted, 0, &bundle[..5]).unwrap();
        s.nothing_offered().unwrap();
        assert!(!s.part(&wanted.sha256).exists());
        assert_eq!(progress(dir.path()), None);
    }

    const REQUEST_FILE_NAME: &str = update_request::REQUEST_FILE;

    /// A sink over `dir` that was offered "bundle 0.18.0" and kept all of it (not finished).
    fn fetched(dir: &Path) -> (UpdateDownload, SignedUpdateOffer, WantedBundle, Vec<u8>) {
        let bundle = b"bundle 0.18.0".to_vec();
        let offer = signed(&bundle, "0.18.0");
        let s = sink(dir);
        let wanted = s.consider(&offer).unwrap().unwrap();
        s.append(&wanted, 0, &bundle).unwrap();
        (s, offer, wanted, bundle)
    }

    #[test]
    fn a_whole_bundle_is_handed_to_root_once_and_never_fetched_again() {
        let dir = tempfile::tempdir().unwrap();
        let (s, offer, wanted, bundle) = fetched(dir.path());
        let path = s.finish(&wanted).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bundle);
        let request = UpdateRequest::read(&dir.path().join(update_request::REQUEST_FILE)).unwrap();
        assert_eq!(request.origin, Origin::Portal);
        // Root's own check of the place passes.
        let allowed = [std::path::absolute(dir.path().join(DOWNLOADS_DIR)).unwrap()];
        assert_eq!(request.checked_bundle(&allowed).unwrap(), path);
        assert_eq!(progress(dir.path()), Some(("0.18.0".into(), 100, true)));
        assert!(admin_line(dir.path()).unwrap().contains("0.18.0"));
        // Root took the request (installed, refused or rolled back): not fetched again, and
        // the offer ending leaves the handed-over bundle alone.
        std::fs::remove_file(dir.path().join(update_request::REQUEST_FILE)).unwrap();
        assert_eq!(sink(dir.path()).consider(&offer).unwrap(), None);
        s.nothing_offered().unwrap();
        assert!(path.exists());
        // A newer offer starts over and removes the older bundle.
        let newer = signed(b"bundle 0.18.1", "0.18.1");
        let wanted = s.consider(&newer).unwrap().unwrap();
        assert_eq!(wanted.offset, 0);
        assert!(!path.exists());
        assert_eq!(progress(dir.path()), Some(("0.18.1".into(), 0, false)));
    }

    #[test]
    fn a_crash_after_the_rename_finishes_on_the_next_pass() {
        let dir = tempfile::tempdir().unwrap();
        let (s, offer, wanted, _) = fetched(dir.path());
        // The power went after the rename, before the request.
        std::fs::rename(s.part(&wanted.sha256), s.dir().join("xakiosk-0.18.0.raucb")).unwrap();
        let resumed = sink(dir.path()).consider(&offer).unwrap().unwrap();
        assert_eq!(resumed.offset, resumed.size, "nothing left to fetch");
        s.finish(&resumed).unwrap();
        assert!(dir.path().join(update_request::REQUEST_FILE).exists());
    }

    #[test]
    fn older_forged_or_too_large_for_the_disk_offers_fetch_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = sink(dir.path());
        assert_eq!(s.consider(&signed(b"old", "0.16.2")).unwrap(), None);
        assert_eq!(s.consider(&signed(b"same", "0.17.0")).unwrap(), None);
        let forged = crate::protocol::update_offer::sign(
            &crate::protocol::update_offer::open(
                &signed(b"x", "0.18.0"),
                &DeviceKey::from_seed(KEY).public_base64(),
            )
            .unwrap(),
            &DeviceKey::from_seed([6; 32]),
        );
        assert!(matches!(
            s.consider(&forged),
            Err(UpdateDownloadError::Refused(_))
        ));
        let full = sink(dir.path()).with_free_space(|_| Ok(RESERVE_BYTES + 3));
        assert!(matches!(
            full.consider(&signed(b"four", "0.18.0")),
            Err(UpdateDownloadError::NoSpace { .. })
        ));
        assert!(!dir.path().join(DOWNLOADS_DIR).exists(), "nothing written");
    }
}
