//! The kiosk's request to install a signed update bundle, as it leaves it for root in its own
//! folder of the data partition (`REQUEST_FILE`): which bundle, and where it came from (a USB
//! stick on the admin screen, or the portal's update offer). Root reads it as untrusted input
//! (`xakiosk install-update`): bounded, one bundle, only from a USB stick or the kiosk's own
//! downloads folder, a regular file reached without symbolic links. What the bundle contains
//! is RAUC's to check (its signature against the keyring on the read-only root).

use std::path::{Component, Path, PathBuf};

/// The request the kiosk leaves in its data folder; root's path unit watches it.
pub const REQUEST_FILE: &str = "update-request.txt";

/// The kiosk's folder for bundles it downloaded from the portal.
pub const DOWNLOADS_DIR: &str = "updates";

/// The largest request read: three short lines.
const MAX_REQUEST: u64 = 4096;

/// The largest bundle accepted (RAUC's own limit is set in system.conf too).
pub const MAX_BUNDLE: u64 = crate::protocol::update_offer::MAX_BUNDLE;

/// Where a bundle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A USB stick, chosen on the admin screen behind the PIN.
    UsbStick,
    /// Downloaded after the portal offered it to this kiosk's group.
    Portal,
}

impl Origin {
    fn word(self) -> &'static str {
        match self {
            Origin::UsbStick => "usb",
            Origin::Portal => "portal",
        }
    }
}

/// A request to install one bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRequest {
    pub bundle: PathBuf,
    pub origin: Origin,
}

/// Why a request is refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateRequestError {
    #[error("cannot read the update request {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the update request is larger than {MAX_REQUEST} bytes")]
    TooLarge,
    #[error("the update request is damaged: {0}")]
    Damaged(String),
    #[error(
        "the bundle {0} is not on a USB stick (/media) nor in the kiosk's downloads folder: refused"
    )]
    NotAllowedPlace(PathBuf),
    #[error("the bundle {0} is not a regular file (a link or a folder): refused")]
    NotARegularFile(PathBuf),
    #[error("the bundle {path} is {size} bytes, more than an update may be ({MAX_BUNDLE})")]
    BundleTooLarge { path: PathBuf, size: u64 },
    #[error("cannot read the bundle {path}: {source}")]
    Bundle {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl UpdateRequest {
    /// The request as written to `REQUEST_FILE`.
    pub fn to_text(&self) -> String {
        format!(
            "bundle={}\norigin={}\n",
            self.bundle.display(),
            self.origin.word()
        )
    }

    /// Parses a request's text (untrusted): exactly the two keys, an absolute path.
    pub fn parse(text: &str) -> Result<UpdateRequest, UpdateRequestError> {
        let damaged = |why: &str| UpdateRequestError::Damaged(why.to_string());
        let (mut bundle, mut origin) = (None, None);
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| damaged("a line without '='"))?;
            match key {
                "bundle" if bundle.is_none() => bundle = Some(PathBuf::from(value)),
                "origin" if origin.is_none() => {
                    origin = Some(match value {
                        "usb" => Origin::UsbStick,
                        "portal" => Origin::Portal,
                        _ => return Err(damaged("origin is neither usb nor portal")),
                    })
                }
                _ => return Err(damaged("an unknown or repeated key")),
            }
        }
        let bundle = bundle.ok_or_else(|| damaged("no bundle"))?;
        if !bundle.is_absolute()
            || bundle
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(UpdateRequestError::NotAllowedPlace(bundle));
        }
        Ok(UpdateRequest {
            bundle,
            origin: origin.ok_or_else(|| damaged("no origin"))?,
        })
    }

    /// Reads and parses the request at `path`, bounded.
    pub fn read(path: &Path) -> Result<UpdateRequest, UpdateRequestError> {
        use crate::appliance::bounded_read::{self, BoundedReadError};
        let text = bounded_read::read(path, MAX_REQUEST).map_err(|e| match e {
            BoundedReadError::Io(source) => UpdateRequestError::Read {
                path: path.to_path_buf(),
                source,
            },
            BoundedReadError::TooLarge(_) => UpdateRequestError::TooLarge,
        })?;
        UpdateRequest::parse(&text)
    }

    /// The bundle, checked: under one of `allowed` (USB sticks, the kiosk's downloads folder),
    /// a regular file with no symbolic link anywhere on its path, and not too large.
    pub fn checked_bundle(&self, allowed: &[PathBuf]) -> Result<PathBuf, UpdateRequestError> {
        let path = &self.bundle;
        if !allowed.iter().any(|root| path.starts_with(root)) {
            return Err(UpdateRequestError::NotAllowedPlace(path.clone()));
        }
        // Every prefix must be what it says (no link leading elsewhere, e.g. to a block device).
        let mut walked = PathBuf::new();
        for component in path.components() {
            walked.push(component);
            if walked.parent().is_none() {
                continue;
            }
            let meta = std::fs::symlink_metadata(&walked).map_err(|source| {
                UpdateRequestError::Bundle {
                    path: walked.clone(),
                    source,
                }
            })?;
            if meta.file_type().is_symlink() {
                return Err(UpdateRequestError::NotARegularFile(path.clone()));
            }
        }
        let meta =
            std::fs::symlink_metadata(path).map_err(|source| UpdateRequestError::Bundle {
                path: path.clone(),
                source,
            })?;
        if !meta.file_type().is_file() {
            return Err(UpdateRequestError::NotARegularFile(path.clone()));
        }
        if meta.len() > MAX_BUNDLE {
            return Err(UpdateRequestError::BundleTooLarge {
                path: path.clone(),
                size: meta.len(),
            });
        }
        Ok(path.clone())
    }
}

/// Leaves `request` for root in the kiosk's data folder (owner-only, replaced whole: root's
/// path unit never sees half a request).
pub fn leave(data_dir: &Path, request: &UpdateRequest) -> std::io::Result<PathBuf> {
    let path = data_dir.join(REQUEST_FILE);
    crate::store::atomic_file::write_private(&path, request.to_text().as_bytes())?;
    Ok(path)
}

/// The newest update bundle (`*.raucb`) at the top of a USB stick's folder.
pub fn bundle_on_stick(stick: &Path) -> Option<PathBuf> {
    std::fs::read_dir(stick)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().map(|t| t.is_file()).unwrap_or(false)
                && e.path()
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("raucb"))
        })
        .max_by_key(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH)
        })
        .map(|e| e.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_a_damaged_one_is_refused() {
        let request = UpdateRequest {
            bundle: "/media/usb/xakiosk-1.2.0.raucb".into(),
            origin: Origin::UsbStick,
        };
        assert_eq!(UpdateRequest::parse(&request.to_text()).unwrap(), request);
        for bad in [
            "bundle=/media/a.raucb\n",
            "origin=usb\n",
            "bundle=/media/a.raucb\norigin=ftp\n",
            "bundle=/media/a.raucb\nbundle=/media/b.raucb\norigin=usb\n",
            "bundle=/media/a.raucb\norigin=usb\nrun=/bin/sh\n",
            "just text",
        ] {
            assert!(
                matches!(
                    UpdateRequest::parse(bad),
                    Err(UpdateRequestError::Damaged(_))
                ),
                "{bad:?}"
            );
        }
        for outside in [
            "bundle=relative.raucb\norigin=usb\n",
            "bundle=/media/../etc/shadow\norigin=usb\n",
        ] {
            assert!(matches!(
                UpdateRequest::parse(outside),
                Err(UpdateRequestError::NotAllowedPlace(_))
            ));
        }
    }

    #[test]
    fn only_a_regular_file_in_an_allowed_place_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let stick = dir.path().join("media/usb");
        std::fs::create_dir_all(&stick).unwrap();
        let bundle = stick.join("xakiosk.raucb");
        std::fs::write(&bundle, b"bundle").unwrap();
        let allowed = vec![dir.path().join("media")];
        let request = |bundle: PathBuf| UpdateRequest {
            bundle,
            origin: Origin::UsbStick,
        };
        assert_eq!(
            request(bundle.clone()).checked_bundle(&allowed).unwrap(),
            bundle
        );
        // Elsewhere on the disk.
        let elsewhere = dir.path().join("other.raucb");
        std::fs::write(&elsewhere, b"x").unwrap();
        assert!(matches!(
            request(elsewhere.clone()).checked_bundle(&allowed),
            Err(UpdateRequestError::NotAllowedPlace(_))
        ));
        // A link on the stick to a file elsewhere, and a folder on the way that is a link.
        std::os::unix::fs::symlink(&elsewhere, stick.join("link.raucb")).unwrap();
        assert!(matches!(
            request(stick.join("link.raucb")).checked_bundle(&allowed),
            Err(UpdateRequestError::NotARegularFile(_))
        ));
        std::os::unix::fs::symlink(dir.path(), stick.join("up")).unwrap();
        assert!(matches!(
            request(stick.join("up/other.raucb")).checked_bundle(&allowed),
            Err(UpdateRequestError::NotARegularFile(_))
        ));
        // A folder, and a file that is not there.
        std::fs::create_dir(stick.join("dir.raucb")).unwrap();
        assert!(matches!(
            request(stick.join("dir.raucb")).checked_bundle(&allowed),
            Err(UpdateRequestError::NotARegularFile(_))
        ));
        assert!(matches!(
            request(stick.join("gone.raucb")).checked_bundle(&allowed),
            Err(UpdateRequestError::Bundle { .. })
        ));
    }

    #[test]
    fn the_request_is_left_whole_and_the_newest_bundle_on_a_stick_is_found() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(bundle_on_stick(dir.path()), None);
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("xakiosk-1.raucb"), b"x").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("xakiosk-1.raucb"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::write(dir.path().join("xakiosk-2.RAUCB"), b"x").unwrap();
        let found = bundle_on_stick(dir.path()).unwrap();
        assert_eq!(found.file_name().unwrap(), "xakiosk-2.RAUCB");
        let request = UpdateRequest {
            bundle: found,
            origin: Origin::UsbStick,
        };
        let path = leave(dir.path(), &request).unwrap();
        assert_eq!(UpdateRequest::read(&path).unwrap(), request);
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the request is the kiosk's alone");
        }
        std::fs::write(&path, "x".repeat(5000)).unwrap();
        assert!(matches!(
            UpdateRequest::read(&path),
            Err(UpdateRequestError::TooLarge)
        ));
    }
}
