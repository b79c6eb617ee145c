//! Binds `LookupAdapter`: the typed dossier code, its error, the status history found (newest
//! first) and, for a dossier sent back, the action card ("Bổ sung tại máy").

use crate::core::text::Lang;
use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, HistoryRow, LookupAdapter};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, set_rows};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

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
    window.global::<LookupAdapter>().on_supplement(move || {
        k.update(|c| {
            c.supplement();
            None
        })
    });
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
                    let at = said_time(at, lang);
                    match (c.online, lang) {
                        (true, Lang::Vi) => {
                            format!("Tình trạng cập nhật từ Cổng dịch vụ công lúc {at}.")
                        }
                        (true, Lang::En) => format!("Status from the portal as of {at}."),
                        (false, Lang::Vi) => format!(
                            "Máy chưa có mạng: đây là tình trạng đã biết lần cuối, cập nhật lúc {at}."
                        ),
                        (false, Lang::En) => format!(
                            "The kiosk is offline: this is the last known status, fetched at {at}."
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
            render_action(&g, r.action.as_ref(), lang, c.online);
            let rows: Vec<HistoryRow> = r
                .history
                .iter()
                .rev()
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
            render_action(&g, None, lang, c.online);
            g.set_freshness("".into());
            g.set_title("".into());
            g.set_status("".into());
            set_rows(&mut cache.history, Vec::new(), |m| g.set_history(m));
        }
    }
}

/// The action card of a dossier the office sent back: what, which questions, by when, where,
/// and the supplement already made here (stored, or sent).
fn render_action(
    g: &LookupAdapter<'_>,
    action: Option<&crate::session::lookup_step::FixAction>,
    lang: Lang,
    online: bool,
) {
    g.set_needs_fix(action.is_some());
    let Some(a) = action else {
        g.set_fix_what("".into());
        g.set_fix_questions(ModelRc::default());
        g.set_fix_due("".into());
        g.set_fix_where("".into());
        g.set_fix_done("".into());
        g.set_can_supplement(false);
        return;
    };
    let what = match (a.request.what.trim(), lang) {
        ("", Lang::Vi) => "Cơ quan cần thêm thông tin hoặc giấy tờ.".to_string(),
        ("", Lang::En) => "The office needs more information or papers.".to_string(),
        (what, _) => what.to_string(),
    };
    g.set_fix_what(what.into());
    let questions: Vec<SharedString> = a
        .questions
        .iter()
        .map(|q| SharedString::from(q.get(lang)))
        .collect();
    g.set_fix_questions(ModelRc::new(VecModel::from(questions)));
    g.set_fix_due(
        a.request
            .due
            .map(|d| match lang {
                Lang::Vi => format!("Hạn bổ sung: {}", d.format("%d/%m/%Y")),
                Lang::En => format!("Add it by {}", d.format("%d/%m/%Y")),
            })
            .unwrap_or_default()
            .into(),
    );
    // The office by name, with its address and hours when the offices list has them.
    let office = match &a.office_detail {
        Some(o) => format!("{} ({})", o.name_and_address(lang), o.hours_line(lang)),
        None => a.office.get(lang).to_string(),
    };
    g.set_fix_where(
        match (a.procedure.is_some(), lang) {
            (true, Lang::Vi) => {
                format!("Bổ sung ngay tại máy này (mang theo thẻ căn cước), hoặc tại {office}.")
            }
            (true, Lang::En) => {
                format!("Add it here at this kiosk (bring your ID card), or at {office}.")
            }
            (false, Lang::Vi) => format!("Vui lòng bổ sung tại {office}."),
            (false, Lang::En) => format!("Please add it at {office}."),
        }
        .into(),
    );
    g.set_fix_done(
        a.supplement
            .as_ref()
            .map(|s| {
                let at = said_time(s.created_at, lang);
                let sent = s.state != crate::core::dossier::DossierState::Queued
                    && s.state != crate::core::dossier::DossierState::Sending;
                match lang {
                    Lang::Vi => format!(
                        "Đã bổ sung tại máy lúc {at} (mã hồ sơ bổ sung {}): {}",
                        s.code.display(),
                        if sent {
                            "đã gửi đến cơ quan."
                        } else if online {
                            "đang gửi."
                        } else {
                            "đã lưu tại máy, sẽ gửi khi có mạng."
                        }
                    ),
                    Lang::En => format!(
                        "Added here at {at} (supplement code {}): {}",
                        s.code.display(),
                        if sent {
                            "sent to the office."
                        } else if online {
                            "being sent."
                        } else {
                            "stored here, sent when online."
                        }
                    ),
                }
            })
            .unwrap_or_default()
            .into(),
    );
    g.set_can_supplement(a.procedure.is_some());
}

/// A moment as the lookup says it, Việt Nam time: "10:41 ngày 24/11/2026" ("10:41 24/11/2026").
fn said_time(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&crate::core::time::vietnam_offset());
    match lang {
        Lang::Vi => local.format("%H:%M ngày %d/%m/%Y").to_string(),
        Lang::En => local.format("%H:%M %d/%m/%Y").to_string(),
    }
}
