//! Keeps the catalogue a kiosk received from its portal: the signed bundle exactly as it
//! arrived, in `catalogue/current.json` under the data directory, replaced atomically
//! (`atomic_file`: a temporary file, fsync, rename, fsync the folder) so a power cut leaves the
//! old catalogue or the new one, never a mix. The bundle is checked again at every start. Must not install what
//! `catalogue_bundle::open` refuses.

use crate::protocol::catalogue_bundle::OpenedCatalogue;
use crate::protocol::contract::SignedCatalogue;
use crate::sync::catalogue_sink::CatalogueError;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

type OnInstalled = Box<dyn Fn(&OpenedCatalogue) + Send + Sync>;
type OnSealingKey = Box<dyn Fn(&str) + Send + Sync>;

pub struct CatalogueInstall {
    dir: PathBuf,
    public_key: String,
    installed: Mutex<u64>,
    on_installed: Mutex<Option<OnInstalled>>,
    on_sealing_key: Mutex<Option<OnSealingKey>>,
}

impl CatalogueInstall {
    /// `dir` holds the installed bundle; `public_key` is the portal's catalogue key (base64).
    pub fn new(dir: &Path, public_key: &str) -> CatalogueInstall {
        CatalogueInstall {
            dir: dir.to_path_buf(),
            public_key: public_key.trim().to_string(),
            installed: Mutex::new(0),
            on_installed: Mutex::new(None),
            on_sealing_key: Mutex::new(None),
        }
    }

    /// Called with every catalogue installed from now on (the UI swaps its list).
    pub fn set_on_installed(&self, f: impl Fn(&OpenedCatalogue) + Send + Sync + 'static) {
        *self.on_installed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
    }

    /// Called with the sealing key of every catalogue installed from now on that announces
    /// one (the store seals new dossiers to it).
    pub fn set_on_sealing_key(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        *self
            .on_sealing_key
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
    }

    fn current_path(&self) -> PathBuf {
        self.dir.join("current.json")
    }

    /// The version installed (0: only the catalogue shipped with the software).
    pub fn version(&self) -> u64 {
        *self.installed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads and re-checks the installed bundle. `Ok(None)` when none was ever installed; an
    /// error when the file is there but damaged or not signed by the catalogue key.
    pub fn load(&self) -> Result<Option<OpenedCatalogue>, CatalogueError> {
        let damaged = |reason: String| CatalogueError::Damaged {
            path: self.current_path(),
            reason,
        };
        let text = match std::fs::read_to_string(self.current_path()) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(damaged(e.to_string())),
        };
        let signed: SignedCatalogue =
            serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        let opened = crate::protocol::catalogue_bundle::open(&signed, &self.public_key, 0)
            .map_err(|e| damaged(e.to_string()))?;
        *self.installed.lock().unwrap_or_else(|e| e.into_inner()) = opened.version;
        Ok(Some(opened))
    }

    /// Checks `signed` and, if it is genuine, newer and whole, makes it the current catalogue.
    pub fn install(&self, signed: &SignedCatalogue) -> Result<u64, CatalogueError> {
        let mut installed = self.installed.lock().unwrap_or_else(|e| e.into_inner());
        let opened = crate::protocol::catalogue_bundle::open(signed, &self.public_key, *installed)?;
        let write = |source| CatalogueError::Write {
            dir: self.dir.clone(),
            source,
        };
        let text = serde_json::to_vec(signed).map_err(|e| write(std::io::Error::other(e)))?;
        crate::store::atomic_file::write_public(&self.current_path(), &text).map_err(write)?;
        *installed = opened.version;
        drop(installed);
        if let Some(f) = &*self.on_installed.lock().unwrap_or_else(|e| e.into_inner()) {
            f(&opened);
        }
        if let (Some(key), Some(f)) = (
            &opened.sealing_key,
            &*self
                .on_sealing_key
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        ) {
            f(key);
        }
        Ok(opened.version)
    }
}

impl crate::sync::catalogue_sink::CatalogueSink for CatalogueInstall {
    fn version(&self) -> u64 {
        CatalogueInstall::version(self)
    }

    fn install(
        &self,
        signed: &crate::protocol::contract::SignedCatalogue,
    ) -> Result<u64, CatalogueError> {
        CatalogueInstall::install(self, signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalogue_bundle::sign;
    use crate::protocol::contract::CatalogueBundle;
    use crate::protocol::signing::DeviceKey;

    fn bundle(version: u64) -> CatalogueBundle {
        let text = std::fs::read_to_string(
            crate::app::assets::assets_dir().join("procedures/dang-ky-tam-tru.toml"),
        )
        .unwrap();
        let mut procedures = std::collections::BTreeMap::new();
        procedures.insert("dang-ky-tam-tru.toml".to_string(), text);
        CatalogueBundle {
            version,
            published_at: "2026-11-24T00:00:00Z".into(),
            procedures,
            admin_units: None,
            offices: None,
            sealing_public_key: None,
        }
    }

    #[test]
    fn installs_survive_restarts_and_refusals_leave_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let key = DeviceKey::from_seed([4; 32]);
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let probe = seen.clone();
        let install = CatalogueInstall::new(dir.path(), &key.public_base64());
        install.set_on_installed(move |c| probe.lock().unwrap().push(c.version));
        assert!(install.load().unwrap().is_none());
        assert_eq!(install.install(&sign(&bundle(2), &key)).unwrap(), 2);

        // A forged bundle and an old one are refused; version 2 stays.
        let forged = sign(&bundle(3), &DeviceKey::from_seed([5; 32]));
        assert!(
            install
                .install(&forged)
                .unwrap_err()
                .to_string()
                .contains("signature")
        );
        assert!(install.install(&sign(&bundle(1), &key)).is_err());
        // A crash while writing version 3 leaves only a temporary file behind.
        std::fs::write(
            dir.path().join(".current.json.tmp"),
            b"{\"version\":3,\"bund",
        )
        .unwrap();

        let restarted = CatalogueInstall::new(dir.path(), &key.public_base64());
        let loaded = restarted.load().unwrap().unwrap();
        assert_eq!((loaded.version, restarted.version()), (2, 2));
        assert_eq!(*seen.lock().unwrap(), [2]);

        // The file altered on disk is refused at start (the kiosk then uses its shipped list).
        let path = dir.path().join("current.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"version\":2", "\"version\":7", 1)).unwrap();
        assert!(
            CatalogueInstall::new(dir.path(), &key.public_base64())
                .load()
                .is_err()
        );
    }
}
