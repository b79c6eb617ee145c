//! Speaks the screens: a worker thread that owns the `Speaker` and says the latest prompt
//! (a newer one replaces one not yet started, and interrupts one being said), so the UI thread
//! never waits for speech. Knows when speech is unavailable (no espeak-ng, no sound device)
//! and then stays silent. Must not decide what is said (`voice_prompt` does).

use crate::core::text::Lang;
use crate::devices::speaker::{Speaker, Voice};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

enum Job {
    Say(String, Voice),
    /// Answers once everything sent before it was said (tests and the demo).
    Flush(mpsc::Sender<()>),
}

pub struct VoiceGuide {
    jobs: mpsc::Sender<Job>,
    available: bool,
    /// Why speech is unavailable, for the help page, the log and the admin view.
    problem: Option<String>,
    /// Everything said so far, oldest first (the last 200).
    said: Arc<Mutex<Vec<String>>>,
}

impl VoiceGuide {
    /// Starts the worker over `speaker`; `problem` says why speech cannot work (then nothing
    /// is spoken and the kiosk says so).
    pub fn start(mut speaker: Box<dyn Speaker>, problem: Option<String>) -> VoiceGuide {
        let (jobs, rx) = mpsc::channel::<Job>();
        let said = Arc::new(Mutex::new(Vec::new()));
        let log = said.clone();
        let available = problem.is_none();
        if let Some(p) = &problem {
            tracing::warn!("voice guidance off: {p}");
        }
        std::thread::Builder::new()
            .name("voice".into())
            .spawn(move || {
                while let Ok(mut job) = rx.recv() {
                    // Only the newest prompt matters: skip those a newer one replaced.
                    while let Ok(next) = rx.try_recv() {
                        match (&job, next) {
                            (Job::Say(..), next @ Job::Say(..)) => job = next,
                            (_, next) => {
                                run(&mut *speaker, job, &log, available);
                                job = next;
                            }
                        }
                    }
                    run(&mut *speaker, job, &log, available);
                }
            })
            .expect("the voice thread starts");
        VoiceGuide {
            jobs,
            available,
            problem,
            said,
        }
    }

    pub fn available(&self) -> bool {
        self.available
    }
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn say(&self, text: &str, lang: Lang, volume: u8, speed: u32) {
        let _ = self.jobs.send(Job::Say(
            text.to_string(),
            Voice {
                lang,
                volume,
                speed,
            },
        ));
    }

    /// Waits until everything asked so far was said (or skipped as replaced).
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.jobs.send(Job::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }

    /// What was said, oldest first.
    pub fn said(&self) -> Vec<String> {
        self.said.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn run(speaker: &mut dyn Speaker, job: Job, log: &Mutex<Vec<String>>, available: bool) {
    match job {
        Job::Say(text, voice) => {
            if !available {
                return;
            }
            match speaker.speak(&text, voice) {
                Ok(()) => {
                    if let Ok(mut l) = log.lock() {
                        l.push(text);
                        let excess = l.len().saturating_sub(200);
                        l.drain(..excess);
                    }
                }
                Err(e) => tracing::warn!("not spoken: {e}"),
            }
        }
        Job::Flush(done) => {
            let _ = done.send(());
        }
    }
}

/// The configured speaker: recording to a folder, playing through ALSA, or silent with the
/// reason.
pub fn from_config(config: &crate::config::VoiceConfig) -> VoiceGuide {
    use crate::devices::speaker::{EspeakSpeaker, RecordingSpeaker};
    struct Silent;
    impl Speaker for Silent {
        fn speak(&mut self, _: &str, _: Voice) -> Result<(), crate::devices::DeviceError> {
            Ok(())
        }
        fn stop(&mut self) {}
    }
    if !config.enabled {
        return VoiceGuide::start(Box::new(Silent), Some("turned off in [voice]".into()));
    }
    if !config.record_dir.is_empty() {
        return match RecordingSpeaker::new(
            &config.command,
            std::path::Path::new(&config.record_dir),
        ) {
            Ok(s) => VoiceGuide::start(Box::new(s), None),
            Err(e) => VoiceGuide::start(Box::new(Silent), Some(e.to_string())),
        };
    }
    let speaker = EspeakSpeaker::new(&config.command, &config.player);
    match speaker.check() {
        Ok(()) => VoiceGuide::start(Box::new(speaker), None),
        Err(e) => VoiceGuide::start(Box::new(Silent), Some(e.to_string())),
    }
}
