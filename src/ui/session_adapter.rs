//! Binds `SessionAdapter`: the screen on show, language, top-bar status and the inactivity
//! warning; navigation callbacks.

use crate::session::controller::KioskController;
use crate::session::screen::Screen;
use crate::slint_generated::{AppWindow, Screen as UiScreen, SessionAdapter};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::RenderCache;
use slint::ComponentHandle;

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<SessionAdapter>();
    let k = kiosk.clone();
    g.on_go_home(move || {
        k.update(|c| {
            c.go_home();
            None
        })
    });
    let k = kiosk.clone();
    g.on_finish(move || {
        k.update(|c| {
            c.finish();
            None
        })
    });
    let k = kiosk.clone();
    g.on_start_submit(move || {
        k.update(|c| {
            c.start_submit();
            None
        })
    });
    let k = kiosk.clone();
    g.on_open_lookup(move || {
        k.update(|c| {
            c.open_lookup();
            None
        })
    });
    let k = kiosk.clone();
    g.on_open_help(move || {
        k.update(|c| {
            c.open_help();
            None
        })
    });
    let k = kiosk.clone();
    g.on_set_language(move |tag| {
        k.update(|c| {
            c.set_language(&tag);
            None
        })
    });
    let k = kiosk.clone();
    g.on_wake(move || {
        k.update(|c| {
            c.wake();
            None
        })
    });
    let k = kiosk.clone();
    g.on_tap_place(move || {
        k.update(|c| {
            c.tap_place();
            None
        })
    });
    let k = kiosk.clone();
    g.on_call_help(move || k.update(|c| c.call_help()));
    let k = kiosk.clone();
    g.on_dismiss_help(move || {
        k.update(|c| {
            c.dismiss_help();
            None
        })
    });
    let k = kiosk.clone();
    g.on_stay(move || {
        k.update(|c| {
            c.stay();
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<SessionAdapter>();
    g.set_screen(match c.screen() {
        Screen::Home => UiScreen::Home,
        Screen::Procedures => UiScreen::Procedures,
        Screen::ProcedureInfo => UiScreen::ProcedureInfo,
        Screen::Question => UiScreen::Question,
        Screen::Review => UiScreen::Review,
        Screen::Done => UiScreen::Done,
        Screen::Lookup => UiScreen::Lookup,
        Screen::Help => UiScreen::Help,
        Screen::Identity => UiScreen::Identity,
        Screen::Rating => UiScreen::Rating,
        Screen::AssistSignIn => UiScreen::AssistSignIn,
        Screen::AssistConsent => UiScreen::AssistConsent,
        Screen::Admin => UiScreen::Admin,
    });
    if cache.language != Some(c.lang()) {
        // English is the source language of the UI strings; Vietnamese is the bundled translation.
        let tag = match c.lang() {
            crate::core::text::Lang::Vi => "vi",
            crate::core::text::Lang::En => "",
        };
        if let Err(e) = slint::select_bundled_translation(tag) {
            tracing::warn!("cannot select UI language {tag:?}: {e}");
        }
        cache.language = Some(c.lang());
    }
    g.set_language(c.lang().tag().into());
    g.set_online(c.online);
    g.set_queue_count(c.queue_count.min(i32::MAX as u64) as i32);
    let (done, total) = c.sending.unwrap_or((0, 0));
    g.set_sending_done(done.min(i32::MAX as u32) as i32);
    g.set_sending_total(total.min(i32::MAX as u32) as i32);
    g.set_help_notice(c.help_notice());
    g.set_help_notice_open(c.help_notice_open());
    g.set_help_notice_text(c.help().notice_words().get(c.lang()).into());
    g.set_asleep(c.idle().asleep());
    g.set_timeout_warning(c.idle().warning_seconds().is_some());
    g.set_seconds_left(c.idle().warning_seconds().unwrap_or(0) as i32);
}
