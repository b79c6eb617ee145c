//! What the resident set to see and hear the kiosk better: the speech volume (kept across
//! sessions), "say it again", the receipt read aloud, and large-text mode (this session only).
//! The words said come from `voice_prompt`; this owns only the settings and when to say again.

use crate::core::text::Text;

#[derive(Debug)]
pub struct Accessibility {
    /// Speech volume (0–100), changed with the volume buttons; kept across sessions.
    volume: u8,
    /// Bumped by "replay" (and volume changes) so the same prompt is said again.
    speech_nonce: u64,
    /// The receipt read aloud on request (replaces the done page's prompt until it changes).
    readout: Option<Text>,
    /// Large text, high contrast, longer timeouts, slower speech: for this session.
    elder: bool,
}

impl Default for Accessibility {
    fn default() -> Self {
        Accessibility {
            volume: 80,
            speech_nonce: 0,
            readout: None,
            elder: false,
        }
    }
}

const STEP: u8 = 20;
/// The quietest the buttons go: a resident must not silence the kiosk for the next one.
const QUIETEST: u8 = 20;

impl Accessibility {
    pub fn volume(&self) -> u8 {
        self.volume
    }
    /// The configured volume (0–100).
    pub fn set_volume(&mut self, volume: u8) {
        self.volume = volume.min(100);
    }
    pub fn louder(&mut self) {
        self.volume = (self.volume + STEP).min(100);
        self.say_again();
    }
    pub fn quieter(&mut self) {
        self.volume = self.volume.saturating_sub(STEP).max(QUIETEST);
        self.say_again();
    }

    /// The current words are said again, even if they are the same.
    pub fn say_again(&mut self) {
        self.speech_nonce += 1;
    }
    /// Changes whenever the current words must be said again.
    pub fn speech_nonce(&self) -> u64 {
        self.speech_nonce
    }

    /// Reads this aloud in place of the screen's prompt (the receipt on the done page).
    pub fn read_aloud(&mut self, text: String) {
        self.readout = Some(Text::new(text.clone(), text));
        self.say_again();
    }
    pub fn readout(&self) -> Option<&Text> {
        self.readout.as_ref()
    }

    pub fn elder(&self) -> bool {
        self.elder
    }
    /// Large-text mode on or off; returns the new state.
    pub fn toggle_elder(&mut self) -> bool {
        self.elder = !self.elder;
        self.say_again();
        self.elder
    }

    /// The session ended: large text off, nothing read aloud; the volume stays.
    pub fn end_session(&mut self) {
        self.readout = None;
        self.elder = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_volume_buttons_stay_audible_and_each_press_says_the_prompt_again() {
        let mut a = Accessibility::default();
        let start = a.speech_nonce();
        for _ in 0..10 {
            a.quieter();
        }
        assert_eq!(a.volume(), QUIETEST, "never silent");
        for _ in 0..10 {
            a.louder();
        }
        assert_eq!(a.volume(), 100);
        assert_eq!(a.speech_nonce(), start + 20);
        a.set_volume(250);
        assert_eq!(a.volume(), 100);
    }

    #[test]
    fn the_session_end_turns_large_text_off_and_forgets_the_readout_but_not_the_volume() {
        let mut a = Accessibility::default();
        a.set_volume(40);
        assert!(a.toggle_elder());
        a.read_aloud("Mã hồ sơ HS123".into());
        assert_eq!(a.readout().unwrap().vi, "Mã hồ sơ HS123");
        a.end_session();
        assert!(!a.elder());
        assert!(a.readout().is_none());
        assert_eq!(a.volume(), 40);
    }
}
