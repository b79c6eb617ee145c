//! How the installation of an update went, as root tells the kiosk (`PROGRESS_FILE` in root's
//! update folder under /run): installing, installed into the other slot (the kiosk restarts
//! the machine once nobody is using it), or refused/failed with the reason. Also the result of
//! the last trial boot that root's slot-commit recorded (`RESULT_FILE`: committed, or rolled
//! back). The kiosk reads both as untrusted, bounded text.

use std::path::{Path, PathBuf};

/// Root's note on the installation in progress or just finished.
pub const PROGRESS_FILE: &str = "progress";

/// Root's note on the last trial of an update (written by slot-commit at boot).
pub const RESULT_FILE: &str = "result";

const MAX_NOTE: u64 = 4096;

/// Where an installation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Installing {
        bundle: String,
    },
    /// In the other slot; the next boot tries it.
    Installed {
        version: String,
        slot: String,
    },
    Failed {
        reason: String,
    },
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect()
}

impl Progress {
    pub fn to_text(&self) -> String {
        match self {
            Progress::Installing { bundle } => {
                format!("state=installing\nbundle={}\n", one_line(bundle))
            }
            Progress::Installed { version, slot } => format!(
                "state=installed\nversion={}\nslot={}\n",
                one_line(version),
                one_line(slot)
            ),
            Progress::Failed { reason } => {
                format!("state=failed\nreason={}\n", one_line(reason))
            }
        }
    }

    pub fn parse(text: &str) -> Option<Progress> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(one_line)
        };
        match field("state")?.as_str() {
            "installing" => Some(Progress::Installing {
                bundle: field("bundle").unwrap_or_default(),
            }),
            "installed" => Some(Progress::Installed {
                version: field("version")?,
                slot: field("slot")?,
            }),
            "failed" => Some(Progress::Failed {
                reason: field("reason").unwrap_or_default(),
            }),
            _ => None,
        }
    }

    /// The admin screen's line (Vietnamese / English).
    pub fn line(&self) -> String {
        match self {
            Progress::Installing { .. } => {
                "Đang cài bản cập nhật vào khe dự phòng… / installing the update…".into()
            }
            Progress::Installed { version, slot } => format!(
                "Đã cài bản {version} vào khe {slot}; máy sẽ khởi động lại khi không có người dùng / installed, restarting when idle"
            ),
            Progress::Failed { reason } => {
                format!("Không cài được bản cập nhật / update not installed: {reason}")
            }
        }
    }
}

/// Reads a note root left (`PROGRESS_FILE` or `RESULT_FILE`), bounded; `None` when there is
/// none, it cannot be read or it is larger than a note can be.
pub fn read_note(path: &Path) -> Option<String> {
    crate::appliance::bounded_read::read(path, MAX_NOTE).ok()
}

/// The admin screen's lines for root's notes in `dir`: the installation in progress (or just
/// finished), and the last trial's outcome.
pub fn note_lines(dir: &Path) -> Vec<String> {
    let progress = read_note(&dir.join(PROGRESS_FILE))
        .and_then(|n| Progress::parse(&n))
        .map(|p| p.line());
    let result = read_note(&dir.join(RESULT_FILE)).and_then(|n| result_line(&n));
    progress.into_iter().chain(result).collect()
}

/// The last trial's result for the admin screen: slot-commit writes one line, e.g.
/// "committed B 0.17.0" or "rolled-back B 0.17.0 the kiosk did not report healthy".
pub fn result_line(note: &str) -> Option<String> {
    let line = one_line(note.lines().next()?.trim());
    let mut words = line.splitn(4, ' ');
    let (state, slot, version) = (words.next()?, words.next()?, words.next()?);
    let why = words.next().unwrap_or("");
    match state {
        "committed" => Some(format!(
            "Cập nhật gần nhất: {version} ở khe {slot} chạy tốt, đã giữ / kept"
        )),
        "rolled-back" => Some(format!(
            "Cập nhật gần nhất: {version} ở khe {slot} KHÔNG chạy được, đã quay về bản cũ / rolled back ({why})"
        )),
        _ => None,
    }
}

/// Writes `progress` into root's folder, readable by the kiosk and replaced whole: the kiosk
/// reads a whole note or the previous one.
pub fn write(dir: &Path, progress: &Progress) -> std::io::Result<PathBuf> {
    let path = dir.join(PROGRESS_FILE);
    crate::store::atomic_file::write_public(&path, progress.to_text().as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_hostile_text_stays_one_line() {
        for progress in [
            Progress::Installing {
                bundle: "/media/usb/x.raucb".into(),
            },
            Progress::Installed {
                version: "0.17.0".into(),
                slot: "B".into(),
            },
            Progress::Failed {
                reason: "signature not valid\nstate=installed".into(),
            },
        ] {
            let text = progress.to_text();
            let back = Progress::parse(&text).unwrap();
            assert_eq!(back.to_text(), text);
            if let Progress::Failed { reason } = back {
                assert!(!reason.contains('\n'), "{reason}");
            }
        }
        assert_eq!(Progress::parse("state=rebooting\n"), None);
        assert_eq!(Progress::parse("state=installed\nversion=1\n"), None);
    }

    #[test]
    fn the_last_trial_is_said_plainly() {
        assert!(
            result_line("committed B 0.17.0\n")
                .unwrap()
                .contains("0.17.0 ở khe B chạy tốt, đã giữ")
        );
        let rolled =
            result_line("rolled-back A 0.18.0 the kiosk did not report healthy\n").unwrap();
        assert!(rolled.contains("KHÔNG chạy được") && rolled.ends_with("did not report healthy)"));
        assert_eq!(result_line("nonsense"), None);
        assert_eq!(result_line(""), None);
    }

    #[test]
    fn the_notes_become_the_admin_screens_lines() {
        let dir = tempfile::tempdir().unwrap();
        assert!(note_lines(dir.path()).is_empty(), "no update yet");
        write(
            dir.path(),
            &Progress::Installed {
                version: "0.17.0".into(),
                slot: "B".into(),
            },
        )
        .unwrap();
        std::fs::write(dir.path().join(RESULT_FILE), "committed A 0.16.0\n").unwrap();
        let lines = note_lines(dir.path());
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("Đã cài bản 0.17.0 vào khe B"),
            "{lines:?}"
        );
        assert!(lines[1].contains("0.16.0 ở khe A chạy tốt"), "{lines:?}");
        // A note larger than any root writes is not shown.
        std::fs::write(dir.path().join(RESULT_FILE), "x".repeat(5000)).unwrap();
        assert_eq!(note_lines(dir.path()).len(), 1);
    }

    #[test]
    fn root_writes_a_whole_note() {
        let dir = tempfile::tempdir().unwrap();
        let progress = Progress::Installed {
            version: "1".into(),
            slot: "A".into(),
        };
        let path = write(dir.path(), &progress).unwrap();
        assert_eq!(
            Progress::parse(&read_note(&path).unwrap()).unwrap(),
            progress
        );
    }
}
