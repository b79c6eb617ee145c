//! The loudspeaker: text spoken by espeak-ng (its command, with the Vietnamese voice) and
//! played through ALSA (`aplay`). `EspeakSpeaker` plays; `RecordingSpeaker` is the simulator:
//! the same synthesis, kept as numbered WAV files in a folder instead of played, so tests and
//! the demo can check that every screen produced audio. A missing espeak-ng or sound device
//! is reported by `check`, and the kiosk then runs silently. Must not decide what is said.

use crate::core::text::Lang;
use crate::devices::DeviceError;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How to say something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voice {
    pub lang: Lang,
    /// 0–100.
    pub volume: u8,
    /// Words per minute.
    pub speed: u32,
}

pub trait Speaker: Send {
    /// Starts saying `text`, interrupting whatever was being said.
    fn speak(&mut self, text: &str, voice: Voice) -> Result<(), DeviceError>;
    /// Stops speaking.
    fn stop(&mut self);
}

/// The espeak-ng arguments for `voice` (amplitude 0–200, 100 is espeak's normal).
fn espeak_args(text: &str, voice: Voice) -> Vec<String> {
    vec![
        "-v".into(),
        match voice.lang {
            Lang::Vi => "vi".into(),
            Lang::En => "en".into(),
        },
        "-s".into(),
        voice.speed.clamp(80, 300).to_string(),
        "-a".into(),
        (u32::from(voice.volume.min(100)) * 2).to_string(),
        text.into(),
    ]
}

/// Whether `command` runs (`--version`).
fn runs(command: &str) -> bool {
    Command::new(command)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Speaks through the sound card: `espeak-ng --stdout … | aplay`.
pub struct EspeakSpeaker {
    command: String,
    player: String,
    playing: Vec<Child>,
}

impl EspeakSpeaker {
    pub fn new(command: &str, player: &str) -> EspeakSpeaker {
        EspeakSpeaker {
            command: command.into(),
            player: player.into(),
            playing: Vec::new(),
        }
    }

    /// Whether speech can work here: espeak-ng runs and ALSA has a playback device.
    pub fn check(&self) -> Result<(), DeviceError> {
        if !runs(&self.command) {
            return Err(DeviceError::NotConnected {
                device: "speech (espeak-ng)",
                check: "install espeak-ng (apt install espeak-ng)",
            });
        }
        let has_playback = std::fs::read_to_string("/proc/asound/pcm")
            .map(|pcm| pcm.lines().any(|l| l.contains("playback")))
            .unwrap_or(false);
        if !has_playback {
            return Err(DeviceError::NotConnected {
                device: "loudspeaker",
                check: "no ALSA playback device: check the speaker or HDMI audio",
            });
        }
        Ok(())
    }
}

impl Speaker for EspeakSpeaker {
    fn speak(&mut self, text: &str, voice: Voice) -> Result<(), DeviceError> {
        self.stop();
        let failed = |_| DeviceError::NotConnected {
            device: "speech (espeak-ng)",
            check: "install espeak-ng and alsa-utils",
        };
        let mut synth = Command::new(&self.command)
            .arg("--stdout")
            .args(espeak_args(text, voice))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(failed)?;
        let Some(audio) = synth.stdout.take() else {
            let _ = synth.kill();
            return Err(DeviceError::Protocol {
                device: "speech (espeak-ng)",
                detail: "no audio stream".into(),
            });
        };
        let player = Command::new(&self.player)
            .arg("-q")
            .stdin(audio)
            .stderr(Stdio::null())
            .spawn()
            .map_err(failed)?;
        self.playing = vec![synth, player];
        Ok(())
    }

    fn stop(&mut self) {
        for mut child in self.playing.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for EspeakSpeaker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The simulator: every utterance synthesised to `NNN-<lang>.wav` in a folder, with its text
/// beside it in `NNN-<lang>.txt`.
pub struct RecordingSpeaker {
    command: String,
    dir: PathBuf,
    count: u32,
}

impl RecordingSpeaker {
    pub fn new(command: &str, dir: &Path) -> Result<RecordingSpeaker, DeviceError> {
        std::fs::create_dir_all(dir).map_err(|_| DeviceError::NotConnected {
            device: "speech recorder",
            check: "the [voice] record_dir folder cannot be created",
        })?;
        if !runs(command) {
            return Err(DeviceError::NotConnected {
                device: "speech (espeak-ng)",
                check: "install espeak-ng (apt install espeak-ng)",
            });
        }
        Ok(RecordingSpeaker {
            command: command.into(),
            dir: dir.to_path_buf(),
            count: 0,
        })
    }

    /// The WAV files made so far, in order.
    pub fn files(&self) -> Vec<PathBuf> {
        (1..=self.count)
            .map(|n| self.dir.join(format!("{n:03}.wav")))
            .collect()
    }
}

impl Speaker for RecordingSpeaker {
    fn speak(&mut self, text: &str, voice: Voice) -> Result<(), DeviceError> {
        self.count += 1;
        let wav = self.dir.join(format!("{:03}.wav", self.count));
        let _ = std::fs::write(wav.with_extension("txt"), text);
        let status = Command::new(&self.command)
            .arg("-w")
            .arg(&wav)
            .args(espeak_args(text, voice))
            .stderr(Stdio::null())
            .status()
            .map_err(|_| DeviceError::NotConnected {
                device: "speech (espeak-ng)",
                check: "install espeak-ng",
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(DeviceError::Protocol {
                device: "speech (espeak-ng)",
                detail: format!("espeak-ng exited with {status}"),
            })
        }
    }

    fn stop(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_pick_the_voice_speed_and_volume() {
        let args = espeak_args(
            "Xin chào",
            Voice {
                lang: Lang::Vi,
                volume: 60,
                speed: 140,
            },
        );
        assert_eq!(args, ["-v", "vi", "-s", "140", "-a", "120", "Xin chào"]);
        let loud = espeak_args(
            "x",
            Voice {
                lang: Lang::En,
                volume: 250,
                speed: 10,
            },
        );
        assert_eq!(loud[1], "en");
        assert_eq!(loud[3], "80", "speed clamped");
        assert_eq!(loud[5], "200", "volume clamped");
    }

    #[test]
    fn the_simulator_keeps_each_utterance_as_vietnamese_audio() {
        // espeak-ng is installed by scripts/setup.sh; without it this test says so.
        let dir = tempfile::tempdir().unwrap();
        let mut speaker = RecordingSpeaker::new("espeak-ng", dir.path())
            .expect("espeak-ng must be installed (scripts/setup.sh installs it)");
        let voice = Voice {
            lang: Lang::Vi,
            volume: 80,
            speed: 140,
        };
        speaker
            .speak("Xin chào. Hồ sơ đã được nộp.", voice)
            .unwrap();
        speaker
            .speak("Hẹn trả kết quả ngày hai mươi bảy.", voice)
            .unwrap();
        let files = speaker.files();
        assert_eq!(files.len(), 2);
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            assert_eq!(&bytes[..4], b"RIFF", "{}", f.display());
            assert_eq!(&bytes[8..12], b"WAVE");
            // More than a second of 22 kHz 16-bit audio: real speech, not an empty file.
            assert!(
                bytes.len() > 44_000,
                "{} is {} bytes",
                f.display(),
                bytes.len()
            );
        }
        assert_eq!(
            std::fs::read_to_string(files[0].with_extension("txt")).unwrap(),
            "Xin chào. Hồ sơ đã được nộp."
        );
    }

    #[test]
    fn a_missing_synthesiser_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        assert!(RecordingSpeaker::new("/nonexistent/espeak-ng", dir.path()).is_err());
        let speaker = EspeakSpeaker::new("/nonexistent/espeak-ng", "aplay");
        assert!(speaker.check().is_err());
    }
}
