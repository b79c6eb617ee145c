//! Finds and reads the kiosk's data files: the procedure catalogue, the administrative units
//! list and the announced holidays. A broken procedure file is logged (file and line) and skipped; the rest load.

use crate::core::address::AdminUnits;
use crate::core::catalogue::{Catalogue, CatalogueProblem};
use std::path::{Path, PathBuf};

/// The assets folder: $XAKIOSK_ASSETS, then the installed locations, then the source tree
/// this binary was built from (so `cargo run` and the tests work from anywhere).
pub fn assets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XAKIOSK_ASSETS") {
        return PathBuf::from(dir);
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(bin) = exe.parent()
    {
        candidates.push(bin.join("../share/xakiosk/assets"));
    }
    candidates.push(PathBuf::from("/usr/share/xakiosk/assets"));
    candidates.push(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets"
    )));
    candidates
        .into_iter()
        .find(|d| d.join("procedures").is_dir())
        .unwrap_or_else(|| PathBuf::from("assets"))
}

/// The holiday calendar: the rules, with the announced years of
/// `assets/calendar/holidays.toml`. A broken file is logged and the rules alone are used.
pub fn load_holidays() -> crate::core::working_days::HolidayCalendar {
    use crate::core::working_days::HolidayCalendar;
    let path = assets_dir().join("calendar/holidays.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => HolidayCalendar::with_announced(&text).unwrap_or_else(|e| {
            tracing::error!("{}: {e}; using the holiday rules alone", path.display());
            HolidayCalendar::computed()
        }),
        Err(e) => {
            tracing::warn!("{}: {e}; using the holiday rules alone", path.display());
            HolidayCalendar::computed()
        }
    }
}

/// Reads every `*.toml` in `dir` (in name order) into a catalogue. Problems are logged and
/// returned; an unreadable folder gives an empty catalogue and one problem.
pub fn load_catalogue(dir: &Path) -> (Catalogue, Vec<CatalogueProblem>) {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match std::fs::read_to_string(&path) {
                    Ok(text) => files.push((name, text)),
                    Err(e) => problems.push(CatalogueProblem {
                        file: name,
                        line: None,
                        message: e.to_string(),
                    }),
                }
            }
        }
        Err(e) => problems.push(CatalogueProblem {
            file: dir.display().to_string(),
            line: None,
            message: format!("cannot read the procedure folder: {e}"),
        }),
    }
    let (catalogue, mut parse_problems) =
        Catalogue::from_sources(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    problems.append(&mut parse_problems);
    for p in &problems {
        tracing::warn!(file = %p.file, line = ?p.line, "procedure skipped: {}", p.message);
    }
    (catalogue, problems)
}

/// Reads the administrative units list.
pub fn load_admin_units(path: &Path) -> Result<AdminUnits, AssetError> {
    let text = read_text(path)?;
    AdminUnits::parse_tsv(&text).map_err(|e| AssetError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Reads the published offices (`offices.toml`); a missing file is an empty list (the kiosk
/// then names the authority only), a broken one an error.
pub fn load_offices(path: &Path) -> Result<crate::core::office::Offices, AssetError> {
    if !path.exists() {
        return Ok(crate::core::office::Offices::default());
    }
    let text = read_text(path)?;
    crate::core::office::Offices::parse(&text).map_err(|(line, reason)| AssetError::Invalid {
        path: path.to_path_buf(),
        reason: match line {
            Some(line) => format!("line {line}: {reason}"),
            None => reason,
        },
    })
}

/// Why a file shipped with the software (or named by a tool) could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid {
        path: std::path::PathBuf,
        reason: String,
    },
}

fn read_text(path: &Path) -> Result<String, AssetError> {
    std::fs::read_to_string(path).map_err(|source| AssetError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A catalogue bundle of every `*.toml` in `procedures` (and the units list at `units` and the
/// offices at `offices`, if given), for the portal to sign and publish.
pub fn catalogue_bundle_from_files(
    procedures: &Path,
    units: Option<&Path>,
    offices: Option<&Path>,
    version: u64,
) -> Result<crate::protocol::contract::CatalogueBundle, AssetError> {
    let mut files = std::collections::BTreeMap::new();
    let folder = |source| AssetError::Read {
        path: procedures.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(procedures).map_err(folder)? {
        let path = entry.map_err(folder)?.path();
        if path.extension().is_some_and(|x| x == "toml") {
            let text = read_text(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.insert(name, text);
        }
    }
    let admin_units = units.map(read_text).transpose()?;
    let offices = offices.map(read_text).transpose()?;
    Ok(crate::protocol::contract::CatalogueBundle {
        version,
        published_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        procedures: files,
        admin_units,
        offices,
        sealing_public_key: None,
    })
}

/// The receipt's font: the bundled Noto Sans, regular and bold.
pub fn receipt_fonts() -> std::io::Result<crate::printing::raster_text::Fonts> {
    let dir = assets_dir().join("fonts");
    Ok(crate::printing::raster_text::Fonts::from_bytes(
        std::fs::read(dir.join("NotoSans-Regular.ttf"))?,
        std::fs::read(dir.join("NotoSans-Bold.ttf"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_loads_without_problems() {
        let (catalogue, problems) = load_catalogue(&assets_dir().join("procedures"));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(catalogue.procedures().len() >= 6);
    }

    #[test]
    fn a_broken_file_beside_good_ones_is_skipped_and_named() {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(assets_dir().join("procedures")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "toml") {
                std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::write(
            dir.path().join("zz-broken.toml"),
            "id = \"broken\"\nname = [\n",
        )
        .unwrap();
        let (catalogue, problems) = load_catalogue(dir.path());
        assert!(catalogue.procedures().len() >= 6);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "zz-broken.toml");
        assert!(problems[0].line.is_some());
    }
}
