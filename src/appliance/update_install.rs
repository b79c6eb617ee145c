//! Root's side of an update (`xakiosk install-update`, started by xakiosk-update.path when the
//! kiosk leaves a request): takes the request away first (a failing bundle is not retried in
//! a loop), checks where the bundle is, asks RAUC what it is (RAUC checks its signature against
//! the keyring on the read-only root), refuses another kiosk model's bundle and a version older
//! than the one running, installs it into the slot not running and records the trial — the
//! slot to try and its version — that slot-commit (kiosk-image/rauc/slot-commit) reads at the
//! next boot to commit it once the kiosk there reports healthy, or to roll back. The kiosk
//! hears how it went through `update_progress`, and restarts the machine when nobody uses it.
//! RAUC itself is behind `UpdateSystem`, so all of this is tested without a disk to write.

use crate::appliance::update_progress::{self, Progress};
use crate::appliance::update_request::{UpdateRequest, UpdateRequestError};
use crate::appliance::update_slots::{Slots, SlotsError};
use std::path::{Path, PathBuf};

/// Where the trial is recorded (root's state on the data partition, read by slot-commit).
pub const TRIAL_FILE: &str = "/var/lib/xakiosk/system/rauc/trial";

/// What a bundle says it is (`rauc info`, after RAUC checked its signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    pub compatible: String,
    pub version: String,
}

/// The update system: RAUC on the appliance, a double in tests.
pub trait UpdateSystem {
    fn status(&self) -> Result<Slots, UpdateError>;
    fn bundle_info(&self, bundle: &Path) -> Result<BundleInfo, UpdateError>;
    fn install(&self, bundle: &Path) -> Result<(), UpdateError>;
}

/// Why an update was not installed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{0}")]
    Request(#[from] UpdateRequestError),
    #[error("{0}")]
    Slots(#[from] SlotsError),
    #[error("the bundle is for {bundle}, this kiosk is {system}: refused")]
    NotForThisKiosk { bundle: String, system: String },
    #[error(
        "the bundle's version {bundle} is older than the running {running}: refused (no downgrade)"
    )]
    Older { bundle: String, running: String },
    #[error("the bundle's version {0:?} is not a version (x.y.z): refused")]
    BadVersion(String),
    #[error("rauc {step}: {message}")]
    Rauc { step: &'static str, message: String },
    #[error("after installing, RAUC does not name another slot to boot")]
    NoTarget,
    #[error("cannot record the trial in {path}: {source}")]
    Trial {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The files an installation reads and writes.
pub struct UpdatePaths {
    /// The kiosk's request.
    pub request: PathBuf,
    /// Where bundles may come from: USB sticks and the kiosk's downloads folder.
    pub allowed: Vec<PathBuf>,
    /// Root's folder the kiosk reads (`update_progress`).
    pub status_dir: PathBuf,
    /// The trial record for slot-commit.
    pub trial: PathBuf,
    /// How long a bundle on a USB stick may take to appear (the stick still being mounted).
    pub stick_wait: std::time::Duration,
}

impl UpdatePaths {
    /// The appliance's: the kiosk's folder of the data partition, /media, root's folders.
    pub fn appliance(kiosk_data: &Path) -> UpdatePaths {
        UpdatePaths {
            request: kiosk_data.join(crate::appliance::update_request::REQUEST_FILE),
            allowed: vec![
                PathBuf::from("/media"),
                PathBuf::from("/run/media"),
                kiosk_data.join(crate::appliance::update_request::DOWNLOADS_DIR),
            ],
            status_dir: PathBuf::from(crate::appliance::update_slots::STATUS_DIR),
            trial: PathBuf::from(TRIAL_FILE),
            stick_wait: std::time::Duration::from_secs(60),
        }
    }
}

/// What was installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub version: String,
    /// The bootname of the slot the next boot tries.
    pub slot: String,
}

/// Installs the requested bundle; the kiosk hears the outcome either way.
pub fn install(
    paths: &UpdatePaths,
    system: &dyn UpdateSystem,
    running_version: &str,
) -> Result<Installed, UpdateError> {
    let request = UpdateRequest::read(&paths.request);
    // Taken away whatever it holds: the path unit must not start again on the same request.
    let _ = std::fs::remove_file(&paths.request);
    let outcome = request
        .map_err(UpdateError::from)
        .and_then(|request| install_request(&request, paths, system, running_version));
    let progress = match &outcome {
        Ok(done) => Progress::Installed {
            version: done.version.clone(),
            slot: done.slot.clone(),
        },
        Err(e) => Progress::Failed {
            reason: e.to_string(),
        },
    };
    if let Err(e) = update_progress::write(&paths.status_dir, &progress) {
        tracing::warn!("cannot tell the kiosk how the update went: {e}");
    }
    outcome
}

fn install_request(
    request: &UpdateRequest,
    paths: &UpdatePaths,
    system: &dyn UpdateSystem,
    running_version: &str,
) -> Result<Installed, UpdateError> {
    wait_for_stick(&request.bundle, paths);
    let bundle = request.checked_bundle(&paths.allowed)?;
    let before = system.status()?;
    let info = system.bundle_info(&bundle)?;
    if info.compatible != before.compatible {
        return Err(UpdateError::NotForThisKiosk {
            bundle: info.compatible,
            system: before.compatible,
        });
    }
    check_not_older(&info.version, running_version)?;
    let _ = update_progress::write(
        &paths.status_dir,
        &Progress::Installing {
            bundle: bundle.display().to_string(),
        },
    );
    tracing::info!(bundle = %bundle.display(), version = %info.version, "installing an update");
    system.install(&bundle)?;
    let after = system.status()?;
    let target = after
        .primary_root()
        .filter(|slot| slot.bootname != after.booted)
        .ok_or(UpdateError::NoTarget)?;
    let done = Installed {
        version: info.version,
        slot: target.bootname.clone(),
    };
    record_trial(&paths.trial, &done)?;
    tracing::info!(slot = %done.slot, version = %done.version, "update installed; the next boot tries it");
    Ok(done)
}

/// A bundle on a USB stick that was just plugged in may still be mounting (udev, then
/// systemd-mount): give it a moment before saying it is not there.
fn wait_for_stick(bundle: &Path, paths: &UpdatePaths) {
    let on_stick = paths
        .allowed
        .iter()
        .filter(|root| root.starts_with("/media") || root.starts_with("/run/media"))
        .any(|root| bundle.starts_with(root));
    let started = std::time::Instant::now();
    while on_stick && !bundle.exists() && started.elapsed() < paths.stick_wait {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// A downgrade is refused (an old version may carry fixed flaws); the same version may be
/// installed again (a repair).
fn check_not_older(bundle: &str, running: &str) -> Result<(), UpdateError> {
    let parse = |v: &str| {
        semver::Version::parse(v.trim()).map_err(|_| UpdateError::BadVersion(v.to_string()))
    };
    let (new, old) = (parse(bundle)?, parse(running)?);
    if new.cmp_precedence(&old) == std::cmp::Ordering::Less {
        return Err(UpdateError::Older {
            bundle: bundle.into(),
            running: running.into(),
        });
    }
    Ok(())
}

/// "slot=B\nversion=…\n", synced: slot-commit must find it after the reboot.
fn record_trial(path: &Path, done: &Installed) -> Result<(), UpdateError> {
    crate::store::atomic_file::write_private(
        path,
        format!("slot={}\nversion={}\n", done.slot, done.version).as_bytes(),
    )
    .map_err(|source| UpdateError::Trial {
        path: path.to_path_buf(),
        source,
    })
}

/// RAUC on the appliance, through its command line (which talks to the RAUC service).
pub struct Rauc;

impl Rauc {
    fn run(step: &'static str, args: &[&std::ffi::OsStr]) -> Result<String, UpdateError> {
        let output = std::process::Command::new("rauc")
            .args(args)
            .output()
            .map_err(|e| UpdateError::Rauc {
                step,
                message: e.to_string(),
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(UpdateError::Rauc {
                step,
                message: stderr.trim().lines().last().unwrap_or("failed").to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl UpdateSystem for Rauc {
    fn status(&self) -> Result<Slots, UpdateError> {
        let json = Rauc::run(
            "status",
            &["status", "--detailed", "--output-format=json"].map(std::ffi::OsStr::new),
        )?;
        Ok(Slots::parse(&json)?)
    }

    fn bundle_info(&self, bundle: &Path) -> Result<BundleInfo, UpdateError> {
        let json = Rauc::run(
            "info",
            &[
                "info".as_ref(),
                "--output-format=json".as_ref(),
                bundle.as_os_str(),
            ],
        )?;
        #[derive(serde::Deserialize)]
        struct Info {
            compatible: String,
            version: Option<String>,
        }
        let info: Info = serde_json::from_str(&json).map_err(|e| UpdateError::Rauc {
            step: "info",
            message: e.to_string(),
        })?;
        Ok(BundleInfo {
            compatible: info.compatible,
            version: info.version.unwrap_or_default(),
        })
    }

    fn install(&self, bundle: &Path) -> Result<(), UpdateError> {
        Rauc::run("install", &["install".as_ref(), bundle.as_os_str()]).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// RAUC as a double: one system, booted on A, installing switches the primary to B.
    struct FakeRauc {
        info: BundleInfo,
        installed: RefCell<Vec<PathBuf>>,
        install_fails: bool,
    }

    fn status(primary: &str) -> String {
        format!(
            r#"{{"compatible":"xakiosk-pc-amd64","booted":"A","boot_primary":"{primary}","slots":[{{"rootfs.0":{{"class":"rootfs","bootname":"A","state":"booted","boot_status":"good"}}}},{{"rootfs.1":{{"class":"rootfs","bootname":"B","state":"inactive","boot_status":"good"}}}}]}}"#
        )
    }

    impl UpdateSystem for FakeRauc {
        fn status(&self) -> Result<Slots, UpdateError> {
            let primary = if self.installed.borrow().is_empty() {
                "rootfs.0"
            } else {
                "rootfs.1"
            };
            Ok(Slots::parse(&status(primary))?)
        }
        fn bundle_info(&self, _: &Path) -> Result<BundleInfo, UpdateError> {
            Ok(self.info.clone())
        }
        fn install(&self, bundle: &Path) -> Result<(), UpdateError> {
            if self.install_fails {
                return Err(UpdateError::Rauc {
                    step: "install",
                    message: "signature verification failed".into(),
                });
            }
            self.installed.borrow_mut().push(bundle.to_path_buf());
            Ok(())
        }
    }

    struct Setup {
        _dir: tempfile::TempDir,
        paths: UpdatePaths,
        bundle: PathBuf,
    }

    fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let stick = dir.path().join("media/usb");
        std::fs::create_dir_all(&stick).unwrap();
        let bundle = stick.join("xakiosk-0.17.0.raucb");
        std::fs::write(&bundle, b"bundle").unwrap();
        let kiosk = dir.path().join("kiosk");
        std::fs::create_dir_all(&kiosk).unwrap();
        let state = dir.path().join("system/rauc");
        std::fs::create_dir_all(&state).unwrap();
        let paths = UpdatePaths {
            request: kiosk.join("update-request.txt"),
            allowed: vec![dir.path().join("media")],
            status_dir: dir.path().join("run"),
            trial: state.join("trial"),
            stick_wait: std::time::Duration::ZERO,
        };
        Setup {
            _dir: dir,
            paths,
            bundle,
        }
    }

    fn fake(compatible: &str, version: &str) -> FakeRauc {
        FakeRauc {
            info: BundleInfo {
                compatible: compatible.into(),
                version: version.into(),
            },
            installed: RefCell::new(Vec::new()),
            install_fails: false,
        }
    }

    fn request(s: &Setup, bundle: &Path) {
        crate::appliance::update_request::leave(
            s.paths.request.parent().unwrap(),
            &UpdateRequest {
                bundle: bundle.to_path_buf(),
                origin: crate::appliance::update_request::Origin::UsbStick,
            },
        )
        .unwrap();
    }

    fn progress(s: &Setup) -> Progress {
        let note =
            update_progress::read_note(&s.paths.status_dir.join(update_progress::PROGRESS_FILE))
                .unwrap();
        Progress::parse(&note).unwrap()
    }

    #[test]
    fn a_bundle_for_this_kiosk_is_installed_and_its_trial_recorded() {
        let s = setup();
        request(&s, &s.bundle);
        let rauc = fake("xakiosk-pc-amd64", "0.17.0");
        let done = install(&s.paths, &rauc, "0.16.2").unwrap();
        assert_eq!(
            done,
            Installed {
                version: "0.17.0".into(),
                slot: "B".into()
            }
        );
        assert_eq!(*rauc.installed.borrow(), vec![s.bundle.clone()]);
        assert_eq!(
            std::fs::read_to_string(&s.paths.trial).unwrap(),
            "slot=B\nversion=0.17.0\n"
        );
        assert_eq!(
            progress(&s),
            Progress::Installed {
                version: "0.17.0".into(),
                slot: "B".into()
            }
        );
        assert!(!s.paths.request.exists(), "the request is taken away");
        // The same version again is a repair, allowed.
        request(&s, &s.bundle);
        assert!(install(&s.paths, &fake("xakiosk-pc-amd64", "0.16.2"), "0.16.2").is_ok());
    }

    #[test]
    fn another_model_an_older_version_or_a_refused_signature_install_nothing() {
        type Expected = fn(&UpdateError) -> bool;
        let cases: [(FakeRauc, Expected); 4] = [
            (fake("xakiosk-rpi-arm64", "0.17.0"), |e| {
                matches!(e, UpdateError::NotForThisKiosk { .. })
            }),
            (fake("xakiosk-pc-amd64", "0.15.9"), |e| {
                matches!(e, UpdateError::Older { .. })
            }),
            (fake("xakiosk-pc-amd64", "latest"), |e| {
                matches!(e, UpdateError::BadVersion(_))
            }),
            (
                FakeRauc {
                    install_fails: true,
                    ..fake("xakiosk-pc-amd64", "0.17.0")
                },
                |e| matches!(e, UpdateError::Rauc { .. }),
            ),
        ];
        for (rauc, expected) in cases {
            let s = setup();
            request(&s, &s.bundle);
            let e = install(&s.paths, &rauc, "0.16.2").unwrap_err();
            assert!(expected(&e), "{e}");
            assert!(!s.paths.trial.exists(), "no trial recorded: {e}");
            assert!(!s.paths.request.exists(), "the request is not retried: {e}");
            match progress(&s) {
                Progress::Failed { reason } => assert_eq!(reason, e.to_string()),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_bundle_outside_the_allowed_places_never_reaches_rauc() {
        let s = setup();
        let elsewhere = s.paths.trial.parent().unwrap().join("evil.raucb");
        std::fs::write(&elsewhere, b"x").unwrap();
        request(&s, &elsewhere);
        let rauc = fake("xakiosk-pc-amd64", "0.17.0");
        assert!(matches!(
            install(&s.paths, &rauc, "0.16.2"),
            Err(UpdateError::Request(UpdateRequestError::NotAllowedPlace(_)))
        ));
        assert!(rauc.installed.borrow().is_empty());
        // No request at all: said, nothing installed.
        assert!(matches!(
            install(&s.paths, &rauc, "0.16.2"),
            Err(UpdateError::Request(UpdateRequestError::Read { .. }))
        ));
    }
}
