//! The scripted resident: a walk through the real UI (headless) that types, taps, waits for
//! the kiosk to settle, saves each screen as a PNG and records each check, through a whole
//! procedure (the answers themselves are `answers.rs`).

use super::DemoReport;
use crate::app::kiosk::Kiosk;
use crate::core::dossier_code::DossierCode;
use crate::devices::camera::SimCamera;
use crate::devices::clock::SimClock;
use crate::session::controller::KioskController;
use crate::session::screen::Screen;
use crate::slint_generated::{
    AppWindow, CatalogueAdapter, FormAdapter, KeyboardAdapter, SessionAdapter,
};
use crate::tools::headless::Headless;
use slint::ComponentHandle;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(super) struct Walk {
    pub(super) reader: Arc<Mutex<crate::devices::card_reader::SimCardReader>>,
    /// The simulated printer's paper (what was printed) and state.
    pub(super) printer: Arc<Mutex<crate::devices::printer::SimPrinter>>,
    pub(super) profile: crate::printing::escpos_encoder::PrinterProfile,
    /// The first receipt as printed (its picture), for the lookup by scanning.
    pub(super) first_receipt: Option<image::GrayImage>,
    pub(super) camera: Arc<Mutex<SimCamera>>,
    pub(super) headless: Headless,
    pub(super) app: AppWindow,
    pub(super) kiosk: Rc<Kiosk>,
    pub(super) clock: Arc<SimClock>,
    pub(super) store: crate::store::StoreHandle,
    pub(super) out: PathBuf,
    pub(super) report: DemoReport,
}

impl Walk {
    pub(super) fn shot(&mut self, name: &str) {
        self.headless.pump();
        let path = self.out.join(format!(
            "{:02}-{name}.png",
            self.report.screenshots.len() + 1
        ));
        match self.headless.save_png(&path) {
            Ok(()) => self.report.screenshots.push(path),
            Err(e) => self.check(&format!("screenshot {name}: {e}"), false),
        }
    }

    pub(super) fn check(&mut self, what: &str, ok: bool) {
        if !ok {
            tracing::error!("demo step failed: {what}");
        }
        self.report.checks.push((what.to_string(), ok));
    }

    pub(super) fn controller<T>(&self, f: impl FnOnce(&KioskController) -> T) -> T {
        f(&self.kiosk.controller.borrow())
    }

    pub(super) fn screen(&self) -> Screen {
        self.controller(|c| c.screen())
    }

    pub(super) fn keys(&self, text: &str) {
        let kb = self.app.global::<KeyboardAdapter>();
        for c in text.chars() {
            let key = if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            };
            kb.invoke_key(key.into());
        }
    }

    pub(super) fn clear(&self) {
        self.app
            .global::<KeyboardAdapter>()
            .invoke_key("clear".into());
    }

    /// Waits for background work (storage, camera) to report back.
    pub(super) fn settle(&mut self, what: &str, done: impl Fn(&KioskController) -> bool) {
        let kiosk = self.kiosk.clone();
        self.wait_until(what, || done(&kiosk.controller.borrow()));
    }

    /// Lets the event loop run until `done` (a background result arrived), at most 10 s.
    pub(super) fn wait_until(&mut self, what: &str, done: impl Fn() -> bool) {
        for _ in 0..100 {
            if done() {
                return;
            }
            self.headless.wait_for_event(Duration::from_millis(100));
        }
        let ok = done();
        self.check(what, ok);
    }

    /// Places the simulator's test card `name` (QR before the camera, chip on the reader) and
    /// waits for the identity step to read it; the verification it reached.
    pub(super) fn read_test_card(
        &mut self,
        name: &str,
    ) -> Option<crate::core::citizen::Verification> {
        use crate::session::identity_step::Phase;
        let app = self.app.clone_strong();
        let identity = app.global::<crate::slint_generated::IdentityAdapter>();
        let card = self.controller(|c| c.test_cards().iter().position(|n| n == name));
        let Some(card) = card else {
            self.check(&format!("the simulator offers the test card {name}"), false);
            return None;
        };
        identity.invoke_place_test_card(card as i32);
        let reader = self.reader.clone();
        for _ in 0..100 {
            if reader.lock().map(|r| r.holds_card()).unwrap_or(false) {
                break;
            }
            self.headless.wait_for_event(Duration::from_millis(50));
        }
        // Nobody taps "scan": the camera looks for the QR code each second by itself.
        for _ in 0..20 {
            let phase = self.controller(|c| c.identity_step().phase.clone());
            if matches!(phase, Phase::Done | Phase::Failed { .. }) {
                break;
            }
            if matches!(phase, Phase::Choose) {
                self.kiosk.update(|c| c.tick());
            }
            self.headless.wait_for_event(Duration::from_millis(100));
        }
        self.settle("the card's QR code is scanned and its chip read", |c| {
            matches!(c.identity_step().phase, Phase::Done | Phase::Failed { .. })
        });
        self.controller(|c| c.identity_step().verification())
    }

    /// The simulator's test card "Nguyễn Văn An": QR scanned by the camera, chip read,
    /// verified; the questions it answers are skipped.
    pub(super) fn identify_with_test_card(&mut self, id: &str) {
        let app = self.app.clone_strong();
        let identity = app.global::<crate::slint_generated::IdentityAdapter>();
        self.shot(&format!("{id}-identity"));
        let verified = self.read_test_card("Nguyễn Văn An")
            == Some(crate::core::citizen::Verification::ChipVerified);
        self.check(
            "the test card's chip is verified against the test CSCA",
            verified,
        );
        self.shot(&format!("{id}-identity-verified"));
        identity.invoke_continue();
        if let Ok(mut camera) = self.camera.lock() {
            camera.hold_card(None);
        }
        // (A supplement's short form may not ask the name at all.)
        let skipped = self.controller(|c| {
            c.form().is_some_and(|f| {
                f.is_from_card("applicant_name")
                    || !f
                        .procedure()
                        .fields
                        .iter()
                        .any(|x| x.id == "applicant_name")
            })
        });
        self.check(
            &format!("{id}: the name comes from the card and is not asked"),
            skipped,
        );
    }

    /// The search page, asked for from home: the list and a search without diacritics, as a
    /// resident on a keyboard would type it; then home again.
    fn search_for(&mut self, id: &str, first: bool) {
        let session = self.app.global::<SessionAdapter>();
        session.invoke_start_submit();
        let query = self.controller(|c| {
            c.catalogue()
                .get(id)
                .map(|p| crate::core::fold::fold(&p.name.vi))
        });
        let Some(query) = query else {
            self.check(&format!("procedure {id} is in the catalogue"), false);
            return;
        };
        if first {
            self.shot("procedures");
        }
        let words: Vec<&str> = query.split(' ').skip(2).collect();
        self.keys(&words.join(" "));
        let found = self.controller(|c| c.matching_procedures().iter().any(|p| p.id == id));
        self.check(
            &format!("searching \"{}\" finds {id}", words.join(" ")),
            found,
        );
        if first {
            self.shot("procedures-search");
        }
        self.app.global::<SessionAdapter>().invoke_go_home();
    }

    /// One procedure from the home screen's tile to the rating, identified with the test card
    /// (`with_card`) or typing everything.
    pub(super) fn walk_procedure(&mut self, id: &str, first: bool, with_card: bool) {
        self.search_for(id, first);
        let touches_before = self.kiosk.touches();
        let app = self.app.clone_strong();
        let session = app.global::<SessionAdapter>();
        let form = app.global::<FormAdapter>();
        app.global::<CatalogueAdapter>().invoke_pick(id.into());
        self.check(
            &format!("{id}: information page"),
            self.screen() == Screen::ProcedureInfo,
        );
        self.shot(&format!("{id}-info"));
        app.global::<CatalogueAdapter>().invoke_begin();
        self.check(
            &format!("{id}: identity step first"),
            self.screen() == Screen::Identity,
        );
        let identity = app.global::<crate::slint_generated::IdentityAdapter>();
        if with_card {
            self.identify_with_test_card(id);
        } else {
            identity.invoke_skip();
        }
        self.answer_questions(id, first, with_card);
        self.check(
            &format!("{id}: review page"),
            self.screen() == Screen::Review,
        );
        self.shot(&format!("{id}-review"));
        form.invoke_toggle_declaration();
        self.check(
            &format!("{id}: the declaration is ticked"),
            self.controller(|c| c.submission().declared()),
        );
        form.invoke_submit();
        self.settle(
            &format!("{id}: dossier stored before the done screen"),
            |c| !c.submission().submitting(),
        );
        self.check(&format!("{id}: done screen"), self.screen() == Screen::Done);
        // Home to the dossier submitted: the resident's touches (#15 counts them down).
        let made = self.kiosk.touches().since(touches_before);
        self.report.touches.push((id.to_string(), made));
        self.shot(&format!("{id}-done"));
        // Where to go: the police of the ward where the resident stays (answered "here"),
        // with its address and hours; for a death, whose deciding commune no question asks,
        // no office is named in place of the authority.
        let office_where = form.get_office_where().to_string();
        match id {
            "dang-ky-tam-tru" => self.check(
                &format!("{id}: the done page names the ward police with its address and hours"),
                office_where.contains("Công an phường Hoàn Kiếm")
                    && office_where.contains("phố")
                    && form.get_office_hours().starts_with("Giờ làm việc"),
            ),
            "dang-ky-khai-tu" => self.check(
                &format!("{id}: no office is named when the deciding commune is not known"),
                office_where.is_empty(),
            ),
            _ => {}
        }
        let code = form.get_dossier_code().to_string();
        let stored = DossierCode::parse(&code)
            .ok()
            .and_then(|c| {
                let store = self.store.clone();
                store
                    .call_blocking(move |s| s.find_by_code(&c))
                    .ok()
                    .flatten()
            })
            .is_some();
        self.check(&format!("{id}: dossier {code} is on disk"), stored);
        self.print_check(id, &code, first);
        self.report.dossier_codes.push(code.clone());
        session.invoke_finish();
        self.check(
            "finish clears every answer",
            self.controller(|c| c.form().is_none()) && form.get_input_text().is_empty(),
        );
        self.check(
            &format!("{id}: rating screen"),
            self.screen() == Screen::Rating,
        );
        let rating = self.app.global::<crate::slint_generated::RatingAdapter>();
        rating.invoke_rate(5);
        rating.invoke_toggle_reason("easy".into());
        if first {
            self.shot("rating");
        }
        self.app
            .global::<crate::slint_generated::RatingAdapter>()
            .invoke_send();
        self.settle(&format!("{id}: rating stored, back home"), |c| {
            c.screen() == Screen::Home
        });
        let stored = DossierCode::parse(&code).ok().and_then(|c| {
            self.store
                .call_blocking(move |s| {
                    let d = s.find_by_code(&c)?;
                    d.map(|d| s.rating(d.id)).transpose()
                })
                .ok()
                .flatten()
                .flatten()
        });
        self.check(
            &format!("{id}: the rating is stored with the dossier"),
            stored.is_some_and(|r| r.stars == 5 && r.reasons == ["easy"]),
        );
    }
}

impl Walk {
    /// From home: "submit", the procedure, "start" — the identity step is on screen.
    pub(super) fn open_procedure(&self, id: &str) {
        self.app.global::<SessionAdapter>().invoke_start_submit();
        self.app.global::<CatalogueAdapter>().invoke_pick(id.into());
        self.app.global::<CatalogueAdapter>().invoke_begin();
    }

    /// The receipt (and queue ticket) the simulated printer received: printed, a picture of
    /// it saved for the first dossier, its QR code read back.
    pub(super) fn print_check(&mut self, id: &str, code: &str, first: bool) {
        self.settle(&format!("{id}: receipt printed"), |c| {
            c.submission().print_state() == &crate::session::submit_step::PrintState::Printed
        });
        let bytes = std::mem::take(
            &mut self
                .printer
                .lock()
                .map(|mut p| std::mem::take(&mut p.printed))
                .unwrap_or_default(),
        );
        let fonts = match crate::app::assets::receipt_fonts() {
            Ok(f) => f,
            Err(e) => return self.check(&format!("receipt font: {e}"), false),
        };
        let preview =
            match crate::printing::escpos_preview::render(&bytes, self.profile.dots, &fonts) {
                Ok(p) => p,
                Err(e) => {
                    return self.check(&format!("{id}: the printed bytes render: {e}"), false);
                }
            };
        let receipt_qr =
            self.controller(|c| c.submission().last_submitted().and_then(|s| s.2.clone()));
        let found = crate::printing::escpos_preview::qr_codes_at(
            &preview.image,
            crate::identity::qr_camera::decode_gray,
        );
        let codes: Vec<String> = found.iter().map(|(text, _)| text.clone()).collect();
        let read = codes.first().cloned();
        if self.controller(|c| c.submission().receipt().is_some_and(|r| r.fee.is_some())) {
            let payment = self.controller(|c| {
                c.submission()
                    .receipt()
                    .and_then(|r| r.fee.as_ref())
                    .and_then(|f| f.payment_qr.clone())
            });
            self.check(
                &format!("{id}: the fee's VietQR code is printed and reads back"),
                payment.is_some() && codes.get(1) == payment.as_ref(),
            );
        }
        self.check(
            &format!("{id}: the printed receipt's QR code reads back as the signed receipt"),
            read.is_some() && read == receipt_qr,
        );
        self.check(
            &format!("{id}: the code {code} is on the paper"),
            read.as_deref()
                .and_then(|t| crate::printing::receipt_qr::code_from_receipt_qr(t).ok())
                .map(|c| c.display())
                .as_deref()
                == Some(code),
        );
        if first {
            let n = self.report.screenshots.len() + 1;
            let path = self.out.join(format!("{n:02}-receipt-printed.png"));
            match preview.image.save(&path) {
                Ok(()) => self.report.screenshots.push(path),
                Err(e) => self.check(&format!("receipt picture: {e}"), false),
            }
            // What a resident holds up to the camera later: the part of the receipt with its
            // QR code (and some text above it).
            if let Some((_, (top, bottom))) = found.first() {
                let top = top.saturating_sub(400);
                let bottom = (bottom + 40).min(preview.image.height());
                self.first_receipt = Some(
                    image::imageops::crop_imm(
                        &preview.image,
                        0,
                        top,
                        preview.image.width(),
                        bottom - top,
                    )
                    .to_image(),
                );
            }
        }
    }
}
