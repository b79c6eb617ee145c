//! Binds `AssistAdapter`: the helper roster, the masked PIN, the sign-in error, the helper
//! acting now; callbacks to sign in and to consent. Renders only; decides nothing.

use crate::session::controller::KioskController;
use crate::session::screen::Screen;
use crate::slint_generated::{AppWindow, AssistAdapter};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, set_rows};
use slint::{ComponentHandle, SharedString};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<AssistAdapter>();
    let k = kiosk.clone();
    g.on_open(move || {
        k.update(|c| {
            c.open_assist();
            None
        })
    });
    let k = kiosk.clone();
    g.on_choose(move |i| {
        k.update(|c| {
            c.choose_helper(usize::try_from(i).unwrap_or(usize::MAX));
            None
        })
    });
    let k = kiosk.clone();
    g.on_sign_in(move || k.update(|c| c.assist_sign_in()));
    let k = kiosk.clone();
    g.on_sign_in_with_card(move || k.update(|c| c.assist_sign_in_with_card()));
    let k = kiosk.clone();
    g.on_consent(move |agreed| {
        k.update(|c| {
            c.consent(agreed);
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<AssistAdapter>();
    let a = c.assist();
    let names: Vec<SharedString> = a.helpers.iter().map(|h| h.name.as_str().into()).collect();
    set_rows(&mut cache.helpers, names, |m| g.set_helpers(m));
    g.set_chosen(a.chosen.map(|i| i as i32).unwrap_or(-1));
    g.set_card_sign_in(a.helpers.iter().any(|h| !h.personal_id.is_empty()));
    g.set_card_status(
        c.assist_card_status()
            .map(|t| t.get(c.lang()).to_string())
            .unwrap_or_default()
            .into(),
    );
    g.set_pin_masked("•".repeat(a.pin.chars().count()).into());
    g.set_error_text(
        a.error
            .as_ref()
            .map(|t| t.get(c.lang()).to_string())
            .unwrap_or_default()
            .into(),
    );
    let name = match (c.assisting(), c.screen()) {
        (Some(h), _) => h.name.clone(),
        (None, Screen::AssistConsent) => a
            .helper
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    g.set_helper_name(name.into());
}
