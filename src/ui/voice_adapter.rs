//! Binds `VoiceAdapter` (replay, volume, read the receipt aloud) and the elder-mode switch,
//! and after each render hands the screen's prompt to the `VoiceGuide` when it changed.
//! Decides nothing about wording (`voice_prompt`) or playing (`voice_guide`).

use crate::slint_generated::{AppWindow, SessionAdapter, VoiceAdapter};
use crate::ui::Kiosk;
use crate::session::controller::KioskController;
use crate::app::voice_guide::VoiceGuide;
use slint::ComponentHandle;
use std::rc::Rc;

/// The kiosk's voice: the guide, where the kiosk is (said on the home screen), the speed,
/// and what was last handed over (so a re-render does not repeat it).
pub struct Voice {
    pub guide: VoiceGuide,
    pub place: String,
    pub speed: u32,
    pub last: Option<(String, u64)>,
}

pub fn connect(window: &AppWindow, kiosk: &Rc<Kiosk>) {
    let g = window.global::<VoiceAdapter>();
    let k = kiosk.clone();
    g.on_replay(move || {
        k.update(|c| {
            c.replay();
            None
        })
    });
    let k = kiosk.clone();
    g.on_louder(move || {
        k.update(|c| {
            c.louder();
            None
        })
    });
    let k = kiosk.clone();
    g.on_quieter(move || {
        k.update(|c| {
            c.quieter();
            None
        })
    });
    let k = kiosk.clone();
    g.on_read_receipt(move || {
        k.update(|c| {
            c.read_receipt();
            None
        })
    });
    let k = kiosk.clone();
    window.global::<SessionAdapter>().on_toggle_elder(move || {
        k.update(|c| {
            c.toggle_elder();
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, voice: Option<&mut Voice>) {
    let g = window.global::<VoiceAdapter>();
    window.global::<SessionAdapter>().set_elder(c.elder());
    g.set_volume(i32::from(c.volume()));
    let Some(voice) = voice else {
        g.set_available(false);
        return;
    };
    g.set_available(voice.guide.available());
    let (text, nonce) = c.utterance(&voice.place);
    let words = text.get(c.lang()).to_string();
    let key = (words.clone(), nonce);
    if voice.last.as_ref() != Some(&key) {
        let speed = if c.elder() {
            voice.speed * 4 / 5
        } else {
            voice.speed
        };
        voice.guide.say(&words, c.lang(), c.volume(), speed);
        voice.last = Some(key);
    }
}
