//! Binds `LookupAdapter`: the typed dossier code, its error, and the status history found.

use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, HistoryRow, LookupAdapter};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, set_rows};
use slint::ComponentHandle;

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let k = kiosk.clone();
    window
        .global::<LookupAdapter>()
        .on_lookup(move || k.update(|c| c.lookup()));
    let k = kiosk.clone();
    window
        .global::<LookupAdapter>()
        .on_scan(move || k.update(|c| c.scan_receipt_qr()));
    let k = kiosk.clone();
    window
        .global::<LookupAdapter>()
        .on_reprint(move || k.update(|c| c.reprint()));
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
    g.set_code_text(crate::core::dossier_code::group_typed(c.lookup_step().text()).into());
    g.set_error_text(
        c.lookup_step()
            .error()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_default()
            .into(),
    );
    let vn = crate::core::time::vietnam_offset();
    g.set_scanning(c.lookup_step().scanning());
    crate::ui::form_adapter::render_print_state(c, lang, |text, failed, _| {
        g.set_print_status(text.into());
        g.set_print_failed(failed);
    });
    match c.lookup_step().result() {
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
            let freshness = match r.statuses_fetched_at {
                Some(at) => {
                    let at = at.with_timezone(&vn).format("%H:%M ngày %d/%m/%Y").to_string();
                    match (c.online, lang) {
                        (true, crate::core::text::Lang::Vi) => {
                            format!("Tình trạng cập nhật từ Cổng dịch vụ công lúc {at}.")
                        }
                        (true, crate::core::text::Lang::En) => {
                            format!("Status from the portal as of {}.", at.replace(" ngày ", " "))
                        }
                        (false, crate::core::text::Lang::Vi) => format!(
                            "Máy chưa có mạng: đây là tình trạng đã biết lần cuối, cập nhật lúc {at}."
                        ),
                        (false, crate::core::text::Lang::En) => format!(
                            "The kiosk is offline: this is the last known status, fetched at {}.",
                            at.replace(" ngày ", " ")
                        ),
                    }
                }
                None => crate::core::text::Text::new(
                    "Máy chưa lấy được tình trạng từ Cổng dịch vụ công: đây là tình trạng tại máy.",
                    "The kiosk has not fetched statuses from the portal yet: this is the status on the kiosk.",
                )
                .get(lang)
                .to_string(),
            };
            g.set_freshness(freshness.into());
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
            g.set_freshness("".into());
            g.set_title("".into());
            g.set_status("".into());
            set_rows(&mut cache.history, Vec::new(), |m| g.set_history(m));
        }
    }
}
