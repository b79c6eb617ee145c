//! Binds `KeyboardAdapter`: which keyboard is shown, and every key press.

use crate::core::field::InputMode;
use crate::session::controller::KioskController;
use crate::session::screen::Screen;
use crate::slint_generated::{AppWindow, KeyboardAdapter, KeyboardMode};
use crate::ui::dispatch::Dispatch;
use slint::ComponentHandle;

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let k = kiosk.clone();
    window.global::<KeyboardAdapter>().on_key(move |key| {
        k.key(|c| {
            c.key(&key);
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController) {
    let mode = match (c.keyboard(), c.screen()) {
        (InputMode::Vietnamese, _) => KeyboardMode::Letters,
        (InputMode::Latin, Screen::Lookup) => KeyboardMode::Code,
        (InputMode::Latin, _) => KeyboardMode::Latin,
        (InputMode::Digits, _) => KeyboardMode::Digits,
        (InputMode::Phone, _) => KeyboardMode::Phone,
        (InputMode::None, _) => KeyboardMode::None,
    };
    window.global::<KeyboardAdapter>().set_mode(mode);
}
