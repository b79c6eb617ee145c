//! Binds `RatingAdapter`: the five satisfaction levels, the optional reasons and their
//! callbacks. Only renders the controller's rating state; stores nothing.

use crate::core::rating;
use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, RatingAdapter, ReasonRow};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, set_rows};
use slint::{ComponentHandle, SharedString};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<RatingAdapter>();
    let k = kiosk.clone();
    g.on_rate(move |stars| {
        k.update(|c| {
            c.rate(stars.clamp(0, 5) as u8);
            None
        })
    });
    let k = kiosk.clone();
    g.on_toggle_reason(move |id| {
        k.update(|c| {
            c.toggle_reason(&id);
            None
        })
    });
    let k = kiosk.clone();
    g.on_send(move || k.update(|c| c.send_rating()));
    let k = kiosk.clone();
    g.on_skip(move || {
        k.update(|c| {
            c.go_home();
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<RatingAdapter>();
    let lang = c.lang();
    g.set_stars(i32::from(c.rating().stars()));
    g.set_saving(c.rating().saving());
    g.set_error_text(
        c.rating()
            .error()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_default()
            .into(),
    );
    let labels: Vec<SharedString> = (1..=5)
        .map(|n| rating::level_label(n).get(lang).into())
        .collect();
    set_rows(&mut cache.rating_levels, labels, |m| g.set_level_labels(m));
    let rows: Vec<ReasonRow> = rating::REASONS
        .iter()
        .map(|(id, vi, en)| ReasonRow {
            id: (*id).into(),
            label: match lang {
                crate::core::text::Lang::Vi => (*vi).into(),
                crate::core::text::Lang::En => (*en).into(),
            },
            selected: c.rating().reasons().iter().any(|r| r == id),
        })
        .collect();
    set_rows(&mut cache.reasons, rows, |m| g.set_reasons(m));
}
