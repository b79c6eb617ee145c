//! Binds `CatalogueAdapter`: the procedure list (filtered by the search text) and the
//! information page of the chosen procedure.

use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, CatalogueAdapter, ProcedureRow};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, set_rows};
use slint::{ComponentHandle, SharedString};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<CatalogueAdapter>();
    let k = kiosk.clone();
    g.on_pick(move |id| {
        k.update(|c| {
            c.pick_procedure(&id);
            None
        })
    });
    let k = kiosk.clone();
    g.on_begin(move || {
        k.update(|c| {
            c.begin();
            None
        })
    });
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<CatalogueAdapter>();
    let lang = c.lang();
    let rows: Vec<ProcedureRow> = c
        .matching_procedures()
        .iter()
        .map(|p| ProcedureRow {
            id: p.id.as_str().into(),
            name: p.name.get(lang).into(),
            summary: p.summary.get(lang).into(),
            fee: p.fee_text().get(lang).into(),
            duration: p.processing_text().get(lang).into(),
        })
        .collect();
    set_rows(&mut cache.procedures, rows, |m| g.set_procedures(m));
    g.set_search_text(c.search_text().into());
    g.set_total(c.catalogue().procedures().len() as i32);
    if let Some(p) = c.chosen() {
        g.set_name(p.name.get(lang).into());
        g.set_summary(p.summary.get(lang).into());
        g.set_authority(p.authority.get(lang).into());
        let fee = match &p.fee.note {
            Some(note) => format!("{} — {}", p.fee_text().get(lang), note.get(lang)),
            None => p.fee_text().get(lang).to_string(),
        };
        g.set_fee(fee.into());
        g.set_duration(p.processing_text().get(lang).into());
        let papers: Vec<SharedString> = p.papers.iter().map(|x| x.name.get(lang).into()).collect();
        set_rows(&mut cache.papers, papers, |m| g.set_papers(m));
        let (without_card, with_card) = crate::core::form::question_counts(p);
        g.set_question_count(without_card as i32);
        g.set_question_count_with_card(with_card as i32);
    }
}
