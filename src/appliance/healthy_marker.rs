//! Tells root that the kiosk is serving residents: once its store is open, systemd has heard
//! READY from the event loop and the home screen has been drawn, the kiosk writes `FILE` in its
//! runtime folder (/run/xakiosk). Root's slot-commit (kiosk-image/rauc/slot-commit) waits for
//! it before committing a freshly installed update; without it by the deadline, the update is
//! rolled back. Outside systemd (no RUNTIME_DIRECTORY) nothing is written.

use std::path::{Path, PathBuf};

/// The marker's name in the kiosk's runtime folder.
pub const FILE: &str = "healthy";

/// The runtime folder systemd made for the kiosk (`RuntimeDirectory=`), if run by systemd.
pub fn runtime_dir() -> Option<PathBuf> {
    let dirs = std::env::var_os("RUNTIME_DIRECTORY")?;
    // systemd lists several folders separated by ':' when a unit asks for several.
    let first = dirs.to_string_lossy().split(':').next()?.to_string();
    (!first.is_empty()).then(|| PathBuf::from(first))
}

/// Writes the marker: this version, serving since `since` (RFC 3339).
pub fn write(dir: &Path, version: &str, since: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(FILE);
    crate::store::atomic_file::write_private(
        &path,
        format!("version={version}\nsince={since}\n").as_bytes(),
    )?;
    Ok(path)
}

/// Writes the marker once the home screen has been drawn: the software renderer has no
/// rendering notifier, so a turn of the event loop a moment after start draws the window
/// (`take_snapshot`, the same renderer and scene the screen gets) and writes it when that
/// worked. Keep the returned timer alive while the window runs.
pub fn write_after_first_frame<C: slint::ComponentHandle + 'static>(
    app: &C,
) -> Option<slint::Timer> {
    let dir = runtime_dir()?;
    let app = app.as_weak();
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::SingleShot,
        std::time::Duration::from_secs(1),
        move || match app.upgrade().map(|app| app.window().take_snapshot()) {
            None => {}
            Some(frame) => match frame {
            Ok(frame) if frame.width() > 0 && frame.height() > 0 => {
                let since = chrono::Utc::now().to_rfc3339();
                match write(&dir, env!("CARGO_PKG_VERSION"), &since) {
                    Ok(path) => tracing::info!(marker = %path.display(), "the kiosk is serving: healthy"),
                    Err(e) => tracing::error!("cannot write the healthy marker in {}: {e}", dir.display()),
                }
            }
            Ok(_) => tracing::error!("the first frame was empty: not reporting healthy"),
            Err(e) => tracing::error!("cannot draw the first frame ({e}): not reporting healthy"),
            },
        },
    );
    Some(timer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_the_version_and_replaces_an_old_one() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "0.16.0", "2026-12-07T10:00:00Z").unwrap();
        let path = write(dir.path(), "0.17.0", "2026-12-07T11:00:00Z").unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "version=0.17.0\nsince=2026-12-07T11:00:00Z\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["healthy"], "nothing left beside it");
    }
}
