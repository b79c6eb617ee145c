//! Binds `VoiceAdapter` (replay, volume, read the receipt aloud) and the elder-mode switch.
//! Decides nothing about wording (`session::voice_prompt`) or playing (`app::kiosk` hands each
//! new prompt to `app::voice_guide`).

use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, SessionAdapter, VoiceAdapter};
use crate::ui::dispatch::Dispatch;
use slint::ComponentHandle;

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
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

/// The voice controls: elder mode, volume, and whether the speaker button works
/// (`voice_available`: `None` when the kiosk has no voice at all).
pub fn render(window: &AppWindow, c: &KioskController, voice_available: Option<bool>) {
    let g = window.global::<VoiceAdapter>();
    window
        .global::<SessionAdapter>()
        .set_elder(c.accessibility().elder());
    g.set_volume(i32::from(c.accessibility().volume()));
    g.set_available(voice_available.unwrap_or(false));
}
