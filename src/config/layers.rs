//! The configuration layers, merged key by key, and what a broken layer does. From bottom to
//! top: the shipped defaults (safe: no portal, no keys); the development layer, only when asked
//! (`--development`); the configuration file (the image's read-only `/etc/xakiosk/config.toml`,
//! or the desktop's XDG file, or `--config`); the provisioned layer on the data partition
//! (`provisioned.toml`, the only file `provision` and the admin screen write).
//!
//! A layer that cannot be read or parsed never lets the defaults (or the development values)
//! stand in for what it said: the kiosk runs on the last configuration that loaded whole (kept
//! as `config.last-good.toml` beside the provisioned layer) or, with none, queue-only — no
//! portal, no sealing key, so nothing is sent and no new dossier is taken — and the fault is
//! reported. Reading files is here; no UI.

use super::{Config, ConfigError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a key's effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    Development,
    File,
    Provisioned,
    /// The whole configuration is the last one that loaded (a layer is broken now).
    LastGood,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Development => "development",
            Source::File => "file",
            Source::Provisioned => "provisioned",
            Source::LastGood => "last-good",
        }
    }
}

/// How the effective configuration was arrived at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every layer loaded.
    AsConfigured,
    /// A layer is broken: the last configuration that loaded whole is in force.
    LastGood,
    /// A layer is broken and no earlier configuration is known: nothing is sent, nothing new
    /// is taken, what is queued is kept.
    QueueOnly,
}

/// Where the layers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerPaths {
    /// The configuration file (read-only on the appliance).
    pub file: PathBuf,
    /// Whether the development layer is wanted.
    pub development: bool,
    /// The data folder: the provisioned layer and the last good configuration live there.
    pub data_dir: PathBuf,
}

impl LayerPaths {
    /// The layers for `file`. The data folder is the file's `[kiosk] data_dir` when the file
    /// reads as TOML at all; otherwise /var/lib/xakiosk/kiosk when it exists (the appliance), else
    /// the XDG data folder.
    pub fn new(file: &Path, development: bool) -> LayerPaths {
        let configured = std::fs::read_to_string(file)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|t| {
                t.get("kiosk")?
                    .get("data_dir")?
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_default();
        LayerPaths {
            file: file.to_path_buf(),
            development,
            data_dir: super::resolve_data_dir(&configured),
        }
    }

    pub fn provisioned(&self) -> PathBuf {
        self.data_dir.join("provisioned.toml")
    }

    pub fn last_good(&self) -> PathBuf {
        self.data_dir.join("config.last-good.toml")
    }
}

/// The configuration in force, where each key came from, and what is wrong.
#[derive(Debug, Clone)]
pub struct Effective {
    pub config: Config,
    pub sources: BTreeMap<String, Source>,
    pub mode: Mode,
    /// Why a layer did not load (for the log, the admin screen, metrics and the heartbeat).
    pub fault: Option<String>,
    pub paths: LayerPaths,
}

/// The shipped defaults as a TOML table.
pub fn defaults_table() -> toml::Table {
    toml::Table::try_from(Config::default()).expect("the defaults serialise")
}

/// The development layer (`assets/config/development.toml`, compiled in).
pub fn development_table() -> toml::Table {
    include_str!("../../assets/config/development.toml")
        .parse()
        .expect("the development layer is TOML")
}

/// Lays `upper` over `lower`, table by table; any other value replaces the one below.
pub fn merge(lower: &mut toml::Table, upper: toml::Table) {
    for (key, value) in upper {
        match (lower.get_mut(&key), value) {
            (Some(toml::Value::Table(below)), toml::Value::Table(above)) => merge(below, above),
            (_, value) => {
                lower.insert(key, value);
            }
        }
    }
}

/// Every key a layer sets, as "section.key" (an array is one key).
fn leaf_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => leaf_keys(inner, &path, out),
            _ => out.push(path),
        }
    }
}

/// Reads one layer file: `None` when it does not exist; its table once it parses as a whole
/// configuration on its own (so an unknown key is named with its line).
fn read_layer(path: &Path) -> Result<Option<toml::Table>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    Config::parse(&text, path)?;
    let table = text
        .parse::<toml::Table>()
        .map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(Some(table))
}

/// Loads the layers at `paths`.
pub fn load(paths: &LayerPaths) -> Effective {
    match load_layers(paths) {
        Ok((mut config, sources)) => {
            config.kiosk.data_dir = paths.data_dir.display().to_string();
            Effective {
                config,
                sources,
                mode: Mode::AsConfigured,
                fault: None,
                paths: paths.clone(),
            }
        }
        Err(fault) => {
            let fault = fault.to_string();
            let (mut config, mode) = match read_layer(&paths.last_good()) {
                Ok(Some(table)) => match Config::deserialize(toml::Value::Table(table)) {
                    Ok(config) => (config, Mode::LastGood),
                    Err(_) => (Config::default(), Mode::QueueOnly),
                },
                _ => (Config::default(), Mode::QueueOnly),
            };
            config.kiosk.data_dir = paths.data_dir.display().to_string();
            let sources = BTreeMap::from_iter(leaf_keys_of(&config).into_iter().map(|k| {
                (
                    k,
                    if mode == Mode::LastGood {
                        Source::LastGood
                    } else {
                        Source::Default
                    },
                )
            }));
            Effective {
                config,
                sources,
                mode,
                fault: Some(fault),
                paths: paths.clone(),
            }
        }
    }
}

fn leaf_keys_of(config: &Config) -> Vec<String> {
    let mut keys = Vec::new();
    leaf_keys(
        &toml::Table::try_from(config).unwrap_or_default(),
        "",
        &mut keys,
    );
    keys
}

fn load_layers(paths: &LayerPaths) -> Result<(Config, BTreeMap<String, Source>), ConfigError> {
    let mut merged = defaults_table();
    let mut sources = BTreeMap::new();
    let mut lay = |merged: &mut toml::Table, table: toml::Table, source: Source| {
        let mut keys = Vec::new();
        leaf_keys(&table, "", &mut keys);
        for key in keys {
            sources.insert(key, source);
        }
        merge(merged, table);
    };
    if paths.development {
        lay(&mut merged, development_table(), Source::Development);
    }
    if let Some(file) = read_layer(&paths.file)? {
        lay(&mut merged, file, Source::File);
    }
    let provisioned_path = paths.provisioned();
    if let Some(provisioned) = read_layer(&provisioned_path)? {
        if provisioned
            .get("kiosk")
            .and_then(|k| k.get("data_dir"))
            .is_some()
        {
            return Err(ConfigError::Invalid {
                path: provisioned_path,
                message: "kiosk.data_dir cannot be set in the provisioned layer, which lives in \
                          the data folder"
                    .into(),
            });
        }
        lay(&mut merged, provisioned, Source::Provisioned);
    }
    let config =
        Config::deserialize(toml::Value::Table(merged)).map_err(|e| ConfigError::Invalid {
            path: paths.file.clone(),
            message: format!("the layers together: {e}"),
        })?;
    if crate::core::text::Lang::from_tag(&config.kiosk.language).is_none() {
        return Err(ConfigError::Invalid {
            path: paths.file.clone(),
            message: format!(
                "kiosk.language must be \"vi\" or \"en\", not \"{}\"",
                config.kiosk.language
            ),
        });
    }
    Ok((config, sources))
}

/// Keeps the configuration that just loaded whole as the one to fall back on (only the kiosk
/// itself calls this, never a tool). Written only when it changed.
pub fn remember_last_good(effective: &Effective) -> Result<(), super::ConfigError> {
    if effective.mode != Mode::AsConfigured {
        return Ok(());
    }
    let path = effective.paths.last_good();
    let write = |source| super::ConfigError::Write {
        path: path.clone(),
        source,
    };
    let text =
        toml::to_string_pretty(&effective.config).map_err(|e| write(std::io::Error::other(e)))?;
    let text = format!(
        "# The last configuration that loaded whole: the kiosk runs on it while a layer is\n\
         # broken. Written by the kiosk; do not edit.\n\n{text}"
    );
    if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    crate::store::atomic_file::write_private(&path, text.as_bytes()).map_err(write)
}

/// The effective configuration as TOML, each key followed by its source; secrets are hidden.
pub fn show(effective: &Effective) -> String {
    let table = toml::Table::try_from(&effective.config).unwrap_or_default();
    let mut out = format!(
        "# configuration file: {}\n# provisioned layer: {}\n# mode: {}\n",
        effective.paths.file.display(),
        effective.paths.provisioned().display(),
        match effective.mode {
            Mode::AsConfigured => "as configured",
            Mode::LastGood => "LAST GOOD (a layer is broken)",
            Mode::QueueOnly => "QUEUE-ONLY (a layer is broken and none loaded before)",
        }
    );
    if let Some(fault) = &effective.fault {
        out.push_str(&format!("# FAULT: {fault}\n"));
    }
    // A key shown whole (a pin of [gpio]) comes from the highest layer that set part of it.
    let source_of = |key: &str| {
        let inner = format!("{key}.");
        effective
            .sources
            .iter()
            .filter(|(k, _)| k.as_str() == key || k.starts_with(&inner))
            .map(|(_, s)| *s)
            .max_by_key(|s| *s as u8)
            .unwrap_or(Source::Default)
            .label()
    };
    let line = |key: &str, path: &str, value: &toml::Value| {
        let secret = matches!(key, "token" | "pin_hash");
        let shown = match value {
            toml::Value::String(s) if secret && !s.is_empty() => "\"<hidden>\"".to_string(),
            toml::Value::Array(a) if path == "assist.helpers" => format!("{} helper(s)", a.len()),
            other => other.to_string(),
        };
        format!("{key} = {shown}  # {}\n", source_of(path))
    };
    for (key, value) in &table {
        if !value.is_table() {
            out.push_str(&line(key, key, value));
        }
    }
    for (section, value) in &table {
        let Some(inner) = value.as_table() else {
            continue;
        };
        out.push_str(&format!("\n[{section}]\n"));
        for (key, value) in inner {
            let path = format!("{section}.{key}");
            match value {
                toml::Value::Array(_) if path == "assist.helpers" => {
                    out.push_str(&format!("# {}\n", line(key, &path, value).trim_end()));
                }
                _ => out.push_str(&line(key, &path, value)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path, file: &str) -> LayerPaths {
        let path = dir.join("config.toml");
        std::fs::write(&path, file).unwrap();
        LayerPaths {
            file: path,
            development: false,
            data_dir: dir.join("data"),
        }
    }

    #[test]
    fn each_key_comes_from_the_highest_layer_that_sets_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(
            dir.path(),
            "[kiosk]\nplace = \"Xã A\"\n[session]\nwarn_after_secs = 90\n[gpio.presence]\npin = 5\n",
        );
        std::fs::create_dir_all(&p.data_dir).unwrap();
        std::fs::write(
            p.provisioned(),
            "[kiosk]\nplace = \"Phường B\"\nid = \"K-1\"\n",
        )
        .unwrap();
        let e = load(&p);
        assert_eq!(e.mode, Mode::AsConfigured);
        assert_eq!(e.config.kiosk.place, "Phường B");
        assert_eq!(e.config.session.warn_after_secs, 90);
        assert_eq!(e.sources["kiosk.place"], Source::Provisioned);
        assert_eq!(e.sources["session.warn_after_secs"], Source::File);
        assert!(!e.sources.contains_key("session.grace_secs"));
        let shown = show(&e);
        assert!(
            shown.contains("place = \"Phường B\"  # provisioned"),
            "{shown}"
        );
        assert!(shown.contains("grace_secs = 30  # default"), "{shown}");
        assert!(shown.contains("pin = 5 }  # file"), "{shown}");
    }

    #[test]
    fn a_broken_layer_never_brings_in_development_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = paths(
            dir.path(),
            "[portal]\nurl = \"https://dvc.example.vn\"\nurll = \"typo\"\n",
        );
        p.development = true;
        let e = load(&p);
        assert_eq!(e.mode, Mode::QueueOnly);
        assert!(
            e.fault.as_deref().unwrap().contains("line 3"),
            "{:?}",
            e.fault
        );
        assert_eq!(e.config.portal.url, "");
        assert_eq!(e.config.portal.public_key, "");
        assert_eq!(e.config.portal.token, "");
        assert!(e.config.readiness().is_err());
    }

    #[test]
    fn a_broken_layer_falls_back_to_the_last_configuration_that_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path(), "[portal]\nurl = \"https://dvc.example.vn\"\n");
        let good = load(&p);
        remember_last_good(&good).unwrap();
        std::fs::write(&p.file, "[portal\nurl = ").unwrap();
        let e = load(&p);
        assert_eq!(e.mode, Mode::LastGood);
        assert_eq!(e.config.portal.url, "https://dvc.example.vn");
        assert!(e.fault.is_some());
        // A broken provisioned layer is a fault too.
        std::fs::write(&p.file, "").unwrap();
        std::fs::write(p.provisioned(), "[kiosk]\ndata_dir = \"/elsewhere\"\n").unwrap();
        assert_eq!(load(&p).mode, Mode::LastGood);
    }

    #[test]
    fn an_unreadable_layer_is_a_fault_not_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path(), "");
        // A folder where the file should be cannot be read, even by root.
        std::fs::remove_file(&p.file).unwrap();
        std::fs::create_dir(&p.file).unwrap();
        let e = load(&p);
        assert_eq!(e.mode, Mode::QueueOnly);
        assert!(e.fault.unwrap().contains("cannot read"));
    }
}
