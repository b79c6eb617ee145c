//! Binds `LookupAdapter`: the typed dossier code, its error, and the status history found.

use crate::slint_generated::{AppWindow, HistoryRow, LookupAdapter};
use crate::ui::Kiosk;
use crate::ui::controller::KioskController;
use crate::ui::form_adapter::{RenderCache, set_rows};
use chrono::FixedOffset;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(window: &AppWindow, kiosk: &Rc<Kiosk>) {
    let k = kiosk.clone();
    window
        .global::<LookupAdapter>()
        .on_lookup(move || k.update(|c| c.lookup()));
    let k = kiosk.clone();
    window.global::<LookupAdapter>().on_again(move || {
        k.update(|c| {
            c.open_lookup();
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<LookupAdapter>();
    let lang = c.lang();
    g.set_code_text(crate::core::dossier_code::group_typed(c.lookup_text()).into());
    g.set_error_text(
        c.lookup_error()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_default()
            .into(),
    );
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    match c.lookup_result() {
        Some(r) => {
            g.set_title(
                format!(
                    "{} · {}",
                    r.procedure_name.get(lang),
                    r.summary.code.display()
                )
                .into(),
            );
            g.set_status(r.summary.state.label().get(lang).into());
            let rows: Vec<HistoryRow> = r
                .history
                .iter()
                .map(|e| HistoryRow {
                    when: e
                        .at
                        .with_timezone(&vn)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                        .into(),
                    status: match &e.note {
                        // Officers' notes are shown; the engine's own notes are for the log.
                        Some(note)
                            if !note.starts_with("HS-") && note != "recovered after restart" =>
                        {
                            format!("{} — {note}", e.state.label().get(lang)).into()
                        }
                        _ => e.state.label().get(lang).into(),
                    },
                })
                .collect();
            set_rows(&mut cache.history, rows, |m| g.set_history(m));
        }
        None => {
            g.set_title("".into());
            g.set_status("".into());
            set_rows(&mut cache.history, Vec::new(), |m| g.set_history(m));
        }
    }
}
