//! Watches root's note on an update installation (`/run/xakiosk-update/progress`) and tells
//! the kiosk once an update waits in the other slot, so that it restarts into it at a quiet
//! moment (`KioskController::update_installed`). A background task on the kiosk's runtime:
//! the note is read every `EVERY`, never on the UI thread.

use crate::appliance::update_progress::{self, Progress};
use std::path::PathBuf;
use std::time::Duration;

/// How often root's note is read.
pub const EVERY: Duration = Duration::from_secs(15);

/// The version waiting in the other slot, if root's note says one was installed.
pub fn installed_version(note: Option<String>) -> Option<String> {
    match Progress::parse(&note?)? {
        Progress::Installed { version, .. } => Some(version),
        _ => None,
    }
}

/// Reads the note in `dir` every `EVERY` and calls `installed` once per installed version.
pub async fn watch(dir: PathBuf, installed: impl Fn(String) + Send + 'static) {
    let mut told: Option<String> = None;
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        let path = dir.join(update_progress::PROGRESS_FILE);
        let note = tokio::task::spawn_blocking(move || update_progress::read_note(&path))
            .await
            .ok()
            .flatten();
        if let Some(version) = installed_version(note)
            && told.as_deref() != Some(version.as_str())
        {
            told = Some(version.clone());
            installed(version);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_installed_update_is_told_once() {
        let dir = tempfile::tempdir().unwrap();
        let (send, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(watch(dir.path().to_path_buf(), move |v| {
            send.send(v).unwrap();
        }));
        update_progress::write(
            dir.path(),
            &Progress::Installing {
                bundle: "/media/x.raucb".into(),
            },
        )
        .unwrap();
        tokio::time::sleep(EVERY * 2).await;
        assert!(heard.try_recv().is_err(), "installing is not installed");
        update_progress::write(
            dir.path(),
            &Progress::Installed {
                version: "0.17.0".into(),
                slot: "B".into(),
            },
        )
        .unwrap();
        assert_eq!(heard.recv().await.as_deref(), Some("0.17.0"));
        tokio::time::sleep(EVERY * 3).await;
        assert!(heard.try_recv().is_err(), "told once");
        task.abort();
    }
}
