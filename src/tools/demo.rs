//! `xakiosk demo`: a scripted resident walks through a procedure on the real UI, headless,
//! with simulated devices and a fresh database; every screen is saved as a PNG and each step
//! is checked. The walk answers any procedure in the catalogue by field kind, so it also
//! proves every shipped procedure can be completed offline.

use crate::app::effects::Effects;
use crate::app::kiosk::Kiosk;
use crate::app::startup::Startup;
use crate::config::Config;
use crate::core::dossier_code::DossierCode;
use crate::core::field::FieldKind;
use crate::core::form::{AddressStage, Position};
use crate::devices::camera::SimCamera;
use crate::devices::clock::{Clock, SimClock};
use crate::session::controller::KioskController;
use crate::session::screen::Screen;
use crate::slint_generated::{
    AppWindow, CatalogueAdapter, FormAdapter, KeyboardAdapter, LookupAdapter, SessionAdapter,
};
use crate::tools::headless::Headless;
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct DemoOptions {
    pub out: PathBuf,
    /// Procedure ids to walk; empty means the default (temporary residence).
    pub procedures: Vec<String>,
}

pub struct DemoReport {
    pub screenshots: Vec<PathBuf>,
    pub checks: Vec<(String, bool)>,
    pub dossier_codes: Vec<String>,
}

impl DemoReport {
    pub fn failures(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

struct Walk {
    reader: Arc<Mutex<crate::devices::card_reader::SimCardReader>>,
    /// The simulated printer's paper (what was printed) and state.
    printer: Arc<Mutex<crate::devices::printer::SimPrinter>>,
    profile: crate::printing::escpos_encoder::PrinterProfile,
    /// The first receipt as printed (its picture), for the lookup by scanning.
    first_receipt: Option<image::GrayImage>,
    camera: Arc<Mutex<SimCamera>>,
    headless: Headless,
    app: AppWindow,
    kiosk: Rc<Kiosk>,
    clock: Arc<SimClock>,
    store: crate::store::StoreHandle,
    out: PathBuf,
    report: DemoReport,
}

impl Walk {
    fn shot(&mut self, name: &str) {
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

    fn check(&mut self, what: &str, ok: bool) {
        if !ok {
            tracing::error!("demo step failed: {what}");
        }
        self.report.checks.push((what.to_string(), ok));
    }

    fn controller<T>(&self, f: impl FnOnce(&KioskController) -> T) -> T {
        f(&self.kiosk.controller.borrow())
    }

    fn screen(&self) -> Screen {
        self.controller(|c| c.screen())
    }

    fn keys(&self, text: &str) {
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

    fn clear(&self) {
        self.app
            .global::<KeyboardAdapter>()
            .invoke_key("clear".into());
    }

    /// Waits for background work (storage, camera) to report back.
    fn settle(&mut self, what: &str, done: impl Fn(&KioskController) -> bool) {
        let kiosk = self.kiosk.clone();
        self.wait_until(what, || done(&kiosk.controller.borrow()));
    }

    /// Lets the event loop run until `done` (a background result arrived), at most 10 s.
    fn wait_until(&mut self, what: &str, done: impl Fn() -> bool) {
        for _ in 0..100 {
            if done() {
                return;
            }
            self.headless.wait_for_event(Duration::from_millis(100));
        }
        let ok = done();
        self.check(what, ok);
    }

    /// The simulator's test card "Nguyễn Văn An": QR scanned by the camera, chip read,
    /// verified; the questions it answers are skipped.
    fn identify_with_test_card(&mut self, id: &str) {
        use crate::session::identity_step::Phase;
        let app = self.app.clone_strong();
        let identity = app.global::<crate::slint_generated::IdentityAdapter>();
        self.shot(&format!("{id}-identity"));
        let card = self.controller(|c| c.test_cards().iter().position(|n| n == "Nguyễn Văn An"));
        let Some(card) = card else {
            self.check("the simulator offers the test card Nguyễn Văn An", false);
            return;
        };
        identity.invoke_place_test_card(card as i32);
        let reader = self.reader.clone();
        for _ in 0..100 {
            if reader.lock().map(|r| r.holds_card()).unwrap_or(false) {
                break;
            }
            self.headless.wait_for_event(Duration::from_millis(50));
        }
        identity.invoke_scan_qr();
        self.settle("the card's QR code is scanned and its chip read", |c| {
            matches!(c.identity_step().phase, Phase::Done | Phase::Failed { .. })
        });
        let verified = self.controller(|c| {
            c.identity_step().verification()
                == Some(crate::core::citizen::Verification::ChipVerified)
        });
        self.check(
            "the test card's chip is verified against the test CSCA",
            verified,
        );
        self.shot(&format!("{id}-identity-verified"));
        identity.invoke_continue();
        if let Ok(mut camera) = self.camera.lock() {
            camera.hold_card(None);
        }
        let skipped =
            self.controller(|c| c.form().is_some_and(|f| f.is_from_card("applicant_name")));
        self.check(
            &format!("{id}: the name comes from the card and is not asked"),
            skipped,
        );
    }

    fn walk_procedure(&mut self, id: &str, first: bool) {
        let app = self.app.clone_strong();
        let session = app.global::<SessionAdapter>();
        let form = app.global::<FormAdapter>();
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
        // Search without diacritics, as a resident on a keyboard would.
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
        if first {
            self.identify_with_test_card(id);
        } else {
            identity.invoke_skip();
        }
        let mut shown_invalid = false;
        for _ in 0..60 {
            let (position, field) = self.controller(|c| {
                let f = c.form();
                (
                    f.map(|f| f.position()),
                    f.and_then(|f| f.current_field().cloned()),
                )
            });
            let (Some(Position::Question(index)), Some(field)) = (position, field) else {
                break;
            };
            let name = format!("{id}-q{:02}-{}", index + 1, field.id);
            match &field.kind {
                FieldKind::PersonalId if first && !shown_invalid => {
                    self.keys("0010930");
                    let blocked = !form.get_can_continue() && !form.get_error_text().is_empty();
                    self.check(
                        "a short personal ID shows a message and disables continue",
                        blocked,
                    );
                    self.shot(&format!("{name}-invalid"));
                    self.clear();
                    self.keys("001093047064");
                    shown_invalid = true;
                }
                FieldKind::PersonalId => self.keys("001093047064"),
                FieldKind::Text { .. } => self.keys(sample_text(&field.id)),
                FieldKind::Number { min, .. } => self.keys(&min.max(&1).to_string()),
                FieldKind::Date {
                    allow_future: true, ..
                } => self.keys("15122026"),
                FieldKind::Date { .. } => self.keys(sample_date(&field.id)),
                FieldKind::Phone => self.keys("0912345678"),
                FieldKind::Email => self.keys("an.nguyen@gmail.com"),
                FieldKind::Choice { options } => form.invoke_pick(options[0].id.as_str().into()),
                FieldKind::YesNo => form.invoke_pick("yes".into()),
                FieldKind::Address => {
                    if first {
                        self.shot(&format!("{name}-province"));
                    }
                    form.invoke_pick("01".into());
                    form.set_search_open(true);
                    self.keys("hoan kiem");
                    if first {
                        self.shot(&format!("{name}-commune"));
                    }
                    let commune =
                        slint::Model::row_data(&form.get_options(), 0).map(|r| r.id.to_string());
                    self.check(
                        &format!("{id}: commune search finds Hoàn Kiếm"),
                        commune.is_some(),
                    );
                    form.invoke_pick(commune.unwrap_or_default().into());
                    let stage = self.controller(|c| c.form().and_then(|f| f.address_stage()));
                    self.check(
                        &format!("{id}: address reaches the street step"),
                        stage == Some(AddressStage::Detail),
                    );
                    self.keys("12 Hangf Bacj");
                }
                FieldKind::Attachment => {
                    form.invoke_take_photo();
                    self.settle(&format!("{id}: photo of {} taken", field.id), |c| {
                        !c.photos().camera_busy()
                    });
                }
            }
            self.shot(&name);
            let ok = form.get_can_continue();
            self.check(
                &format!("{id}: question {} accepts the answer", field.id),
                ok,
            );
            form.invoke_next();
            let moved = self.controller(|c| c.form().map(|f| f.position()))
                != Some(Position::Question(index));
            self.check(
                &format!("{id}: continue leaves question {}", field.id),
                moved,
            );
            if !moved {
                break;
            }
        }
        self.check(
            &format!("{id}: review page"),
            self.screen() == Screen::Review,
        );
        self.shot(&format!("{id}-review"));
        form.invoke_submit();
        self.settle(
            &format!("{id}: dossier stored before the done screen"),
            |c| !c.submission().submitting(),
        );
        self.check(&format!("{id}: done screen"), self.screen() == Screen::Done);
        self.shot(&format!("{id}-done"));
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
    fn open_procedure(&self, id: &str) {
        self.app.global::<SessionAdapter>().invoke_start_submit();
        self.app.global::<CatalogueAdapter>().invoke_pick(id.into());
        self.app.global::<CatalogueAdapter>().invoke_begin();
    }

    /// The receipt (and queue ticket) the simulated printer received: printed, a picture of
    /// it saved for the first dossier, its QR code read back.
    fn print_check(&mut self, id: &str, code: &str, first: bool) {
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
        let codes = crate::printing::escpos_preview::qr_codes(
            &preview.image,
            crate::identity::qr_camera::decode_gray,
        );
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
            // What a resident holds up to the camera later: the top of the receipt, QR included.
            let h = preview.image.height().min(1100);
            self.first_receipt = Some(
                image::imageops::crop_imm(&preview.image, 0, 0, preview.image.width(), h)
                    .to_image(),
            );
        }
    }
}

fn sample_text(field_id: &str) -> &'static str {
    if field_id.contains("reason") || field_id.contains("purpose") || field_id.contains("cause") {
        "Ddi laf m vieecj taij Haf Nooij"
    } else if field_id.contains("place") {
        "Beenhj vieenj Phuj sanr Haf Nooij"
    } else if field_id.contains("mother") {
        "Traanf Thij Mai"
    } else if field_id.contains("father") {
        "Nguyeenx Vawn Binhf"
    } else if field_id.contains("child") {
        "Nguyeenx Minh Khoa"
    } else if field_id.contains("deceased") {
        "Leee Vawn Tuwf"
    } else {
        "Nguyeenx Vawn An"
    }
}

fn sample_date(field_id: &str) -> &'static str {
    if field_id.contains("child") || field_id.contains("death") || field_id.contains("from") {
        "20112026"
    } else {
        "05091993"
    }
}

/// Runs the walk; the caller turns failures into an exit code.
pub fn run(options: &DemoOptions) -> Result<DemoReport, String> {
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let database = options.out.join("demo-dossiers.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let mut config = Config::development();
    // A fee account for the demo's payment QR (a made-up account: never pay into it).
    config.payment = crate::config::PaymentConfig {
        bank_bin: "970415".into(),
        account: "0000000000000".into(),
        account_name: "UBND PHUONG HOAN KIEM (DEMO)".into(),
    };
    let startup = Startup::prepare(&config, Some(&database))?;
    let start: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().map_err(|e| format!("{e}"))?;
    let clock = Arc::new(SimClock::new(start));
    let headless = Headless::install(1280, 800).map_err(|e| e.to_string())?;
    let app = AppWindow::new().map_err(|e| e.to_string())?;
    app.show().map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let camera = Arc::new(Mutex::new(SimCamera::new(1280, 720)));
    let reader = Arc::new(Mutex::new(crate::devices::card_reader::SimCardReader::new()));
    let identity = crate::app::effects::IdentityDevices::from_config(
        &config.identity,
        reader.clone() as Arc<Mutex<dyn crate::devices::card_reader::CardReader>>,
    );
    let mut controller = startup.controller(clock.clone() as Arc<dyn Clock>);
    controller.set_test_cards(identity.test_card_names());
    let printer = crate::devices::printer::SimulatedPrinter::new();
    let paper = printer.hardware();
    let print = crate::app::effects::PrintDevices::from_config(
        &config.printer,
        Arc::new(Mutex::new(printer)),
    )?;
    let profile = print.profile;
    let backlight = Arc::new(Mutex::new(
        crate::devices::backlight::SimBacklight::default(),
    ));
    let kiosk = Kiosk::attach(
        &app,
        controller,
        Effects::background(
            startup.store.clone(),
            camera.clone() as Arc<Mutex<dyn crate::devices::camera::Camera>>,
            runtime.handle().clone(),
        )
        .with_identity(identity)
        .with_printing(print)
        .with_backlight(backlight.clone() as Arc<Mutex<dyn crate::devices::backlight::Backlight>>)
        .with_admin(crate::app::admin_actions::AdminDevices {
            config: config.clone(),
            layers: crate::config::layers::LayerPaths {
                file: options.out.join("demo-config.toml"),
                development: true,
                data_dir: options.out.clone(),
            },
            camera: camera.clone() as Arc<Mutex<dyn crate::devices::camera::Camera>>,
            gpio: Arc::new(Mutex::new(
                crate::devices::gpio::SimGpio::simulated(config.gpio).map_err(|e| e.to_string())?,
            )),
        }),
    );
    // Every spoken prompt is kept as a WAV file in voice/.
    let voice_dir = options.out.join("voice");
    let _ = std::fs::remove_dir_all(&voice_dir);
    let voice_config = crate::config::VoiceConfig {
        record_dir: voice_dir.display().to_string(),
        ..config.voice.clone()
    };
    kiosk.set_voice(
        crate::app::voice_guide::from_config(&voice_config),
        &config.kiosk.place,
        config.voice.speed,
    );
    let mut walk = Walk {
        printer: paper,
        profile,
        first_receipt: None,
        reader,
        camera,
        headless,
        app,
        kiosk,
        clock,
        store: startup.store.clone(),
        out: options.out.clone(),
        report: DemoReport {
            screenshots: Vec::new(),
            checks: Vec::new(),
            dossier_codes: Vec::new(),
        },
    };

    walk.shot("home");
    walk.app
        .global::<SessionAdapter>()
        .invoke_set_language("en".into());
    walk.shot("home-english");
    walk.app
        .global::<SessionAdapter>()
        .invoke_set_language("vi".into());
    // A kiosk that was never provisioned: calm, no "submit", the technician's way in.
    let app = walk.app.clone_strong();
    let session = app.global::<SessionAdapter>();
    let place = session.get_place();
    session.set_not_set_up(true);
    session.set_place("Chưa cài đặt · Not set up".into());
    walk.shot("home-not-set-up");
    session.set_not_set_up(false);
    session.set_place(place);

    let procedures: Vec<String> = if options.procedures.is_empty() {
        vec!["dang-ky-tam-tru".to_string()]
    } else if options.procedures.iter().any(|p| p == "all") {
        startup
            .catalogue
            .procedures()
            .iter()
            .map(|p| p.id.clone())
            .collect()
    } else {
        options.procedures.clone()
    };
    if let Some(unknown) = procedures
        .iter()
        .find(|id| startup.catalogue.get(id).is_none())
    {
        let known: Vec<&str> = startup
            .catalogue
            .procedures()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        return Err(format!(
            "unknown procedure '{unknown}'; the catalogue has: {}",
            known.join(", ")
        ));
    }
    for (i, id) in procedures.iter().enumerate() {
        walk.walk_procedure(id, i == 0);
    }

    // The network returns: the reference portal (real HTTP on loopback) receives everything
    // that was queued offline, then an officer asks for a correction that flows back.
    sync_with_reference_portal(&mut walk, &runtime, &startup)?;

    // Look the first dossier up by scanning its printed receipt at the camera.
    if let (Some(code), Some(receipt)) = (
        walk.report.dossier_codes.first().cloned(),
        walk.first_receipt.clone(),
    ) {
        walk.app.global::<SessionAdapter>().invoke_open_lookup();
        if let Ok(mut cam) = walk.camera.lock() {
            cam.hold_paper(Some(receipt));
        }
        walk.app.global::<LookupAdapter>().invoke_scan();
        walk.settle("scanning the receipt finds the dossier", |c| {
            c.lookup_step().result().is_some()
        });
        let found = walk.controller(|c| c.lookup_step().result().map(|r| r.summary.code.display()));
        walk.check(
            "the scanned receipt is the first dossier",
            found.as_deref() == Some(code.as_str()),
        );
        if let Ok(mut cam) = walk.camera.lock() {
            cam.hold_paper(None);
        }
        walk.shot("lookup-scanned");
        // Out of paper: the reprint says what to do; with paper again it prints.
        if let Ok(mut p) = walk.printer.lock() {
            p.paper_out = true;
        }
        walk.app.global::<LookupAdapter>().invoke_reprint();
        walk.settle("a reprint without paper says so", |c| {
            matches!(
                c.submission().print_state(),
                crate::session::submit_step::PrintState::Failed(_)
            )
        });
        walk.shot("lookup-reprint-no-paper");
        if let Ok(mut p) = walk.printer.lock() {
            p.paper_out = false;
            p.printed.clear();
        }
        walk.app.global::<LookupAdapter>().invoke_reprint();
        walk.settle("the reprint prints once paper is back", |c| {
            c.submission().print_state() == &crate::session::submit_step::PrintState::Printed
        });
        let reprinted = walk
            .printer
            .lock()
            .map(|p| !p.printed.is_empty())
            .unwrap_or(false);
        walk.check("the reprint reached the printer", reprinted);
        walk.app.global::<SessionAdapter>().invoke_go_home();
    }

    // Look the first dossier up by its code, typed on the code keyboard.
    if let Some(code) = walk.report.dossier_codes.first().cloned() {
        walk.app.global::<SessionAdapter>().invoke_open_lookup();
        walk.keys(&code.to_lowercase().replace('-', ""));
        walk.app.global::<LookupAdapter>().invoke_lookup();
        walk.settle("lookup finds the dossier", |c| {
            c.lookup_step().result().is_some()
        });
        walk.shot("lookup");
        // A mistyped code is caught by the check symbol before any look-up.
        let kb = walk.app.global::<KeyboardAdapter>();
        kb.invoke_key("backspace".into());
        let last = if code.ends_with('2') { "3" } else { "2" };
        walk.keys(last);
        walk.app.global::<LookupAdapter>().invoke_lookup();
        let caught = !walk
            .app
            .global::<LookupAdapter>()
            .get_error_text()
            .is_empty();
        walk.check("a mistyped code is caught by its check symbol", caught);
        walk.shot("lookup-typo");
        walk.app.global::<SessionAdapter>().invoke_go_home();
    }

    // Walk away in the middle of a form: warning, then everything is cleared.
    walk.open_procedure(&procedures[0]);
    walk.app
        .global::<crate::slint_generated::IdentityAdapter>()
        .invoke_skip();
    walk.keys("Nguyeenx");
    let policy = startup.policy;
    walk.clock
        .advance(policy.warn_after + Duration::from_secs(1));
    walk.kiosk.update(|c| {
        c.tick();
        None
    });
    walk.check(
        "inactivity shows the warning",
        walk.controller(|c| c.idle().warning_seconds().is_some()),
    );
    walk.shot("timeout-warning");
    walk.clock.advance(policy.grace);
    walk.kiosk.update(|c| {
        c.tick();
        None
    });
    let cleared = walk.screen() == Screen::Home && walk.controller(|c| c.form().is_none());
    walk.check("inactivity clears the session and returns home", cleared);
    walk.shot("timeout-cleared");

    // No QR code: the ID typed on the digit pad.
    walk.open_procedure(&procedures[0]);
    walk.app
        .global::<crate::slint_generated::IdentityAdapter>()
        .invoke_type_instead();
    walk.keys("00109300012");
    walk.app
        .global::<crate::slint_generated::IdentityAdapter>()
        .invoke_typed_next();
    walk.shot("identity-typing-error");
    walk.app.global::<SessionAdapter>().invoke_go_home();

    // The same screens on a portrait panel.
    walk.headless.resize(1080, 1920);
    walk.shot("portrait-home");
    walk.open_procedure(&procedures[0]);
    walk.shot("portrait-identity");
    walk.app
        .global::<crate::slint_generated::IdentityAdapter>()
        .invoke_skip();
    walk.shot("portrait-question");
    walk.app.global::<SessionAdapter>().invoke_go_home();
    walk.headless.resize(1280, 800);

    // Elder mode: large text on the home screen and the first question.
    walk.app.global::<SessionAdapter>().invoke_toggle_elder();
    walk.check(
        "large text is on",
        walk.controller(|c| c.accessibility().elder()),
    );
    walk.shot("elder-home");
    walk.open_procedure(&procedures[0]);
    walk.app
        .global::<crate::slint_generated::IdentityAdapter>()
        .invoke_skip();
    walk.shot("elder-question");
    walk.app.global::<SessionAdapter>().invoke_go_home();
    walk.check(
        "large text ends with the session",
        !walk.controller(|c| c.accessibility().elder()),
    );

    // "Call a staff member" on the Help page: the notice, and an alert kept for the portal.
    walk.app.global::<SessionAdapter>().invoke_open_help();
    walk.app.global::<SessionAdapter>().invoke_call_help();
    walk.settle("the help call is stored", |c| c.help_notice());
    walk.shot("help-called");
    let alerts = runtime
        .block_on(walk.store.call(|s| s.unsent_alerts()))
        .map(|a| a.len())
        .unwrap_or(0);
    walk.check("the help call is an alert for the portal", alerts == 1);
    walk.app.global::<SessionAdapter>().invoke_go_home();

    // The technician's admin screen: five taps on the place name, a wrong PIN, the right one.
    walk.kiosk.update(|c| {
        c.admin = crate::session::admin_panel::AdminPanel::new(&crate::core::assist::pin_hash(
            "246810", [7; 16],
        ));
        None
    });
    for _ in 0..5 {
        walk.app.global::<SessionAdapter>().invoke_tap_place();
    }
    walk.check(
        "five taps open the admin screen",
        walk.screen() == Screen::Admin,
    );
    let app = walk.app.clone_strong();
    let admin = app.global::<crate::slint_generated::AdminAdapter>();
    for d in "111111".chars() {
        admin.invoke_key(d.to_string().into());
    }
    admin.invoke_unlock();
    walk.settle("the wrong admin PIN is checked", |c| {
        c.admin.error.is_some()
    });
    walk.check(
        "a wrong admin PIN is refused with the tries left",
        admin.get_error_text().contains("4"),
    );
    walk.shot("admin-wrong-pin");
    for d in "246810".chars() {
        admin.invoke_key(d.to_string().into());
    }
    admin.invoke_unlock();
    walk.settle("the admin screen reads the health and the queue", |c| {
        c.admin.loaded
    });
    walk.shot("admin");
    admin.invoke_act("printer-test".into());
    walk.settle("the printer test finishes", |c| {
        c.admin.message.is_some() && !c.admin.busy
    });
    walk.check(
        "the printer test page printed",
        walk.controller(|c| {
            c.admin
                .message
                .as_deref()
                .is_some_and(|m| m.contains("test page printed"))
        }),
    );
    walk.shot("admin-printer-test");
    admin.invoke_close();
    walk.check(
        "leaving the admin screen returns home",
        walk.screen() == Screen::Home,
    );

    // Nobody there for five minutes: the screen sleeps and the backlight goes off; someone
    // walks up (presence sensor) and it wakes.
    walk.kiosk.update(|c| {
        c.set_sleep_after(Some(Duration::from_secs(300)));
        None
    });
    walk.clock.advance(Duration::from_secs(301));
    walk.kiosk.update(|c| {
        c.tick();
        None
    });
    walk.settle("the idle screen sleeps", |c| c.idle().asleep());
    walk.shot("asleep");
    walk.wait_until("the backlight is off while the screen sleeps", || {
        !backlight.lock().map(|b| b.on).unwrap_or(true)
    });
    walk.kiosk
        .deliver(crate::session::outcome::Outcome::Cabinet(
            crate::devices::gpio::events::CabinetEvent::PersonArrived,
        ));
    walk.check(
        "a person in front of the kiosk wakes it",
        !walk.controller(|c| c.idle().asleep()),
    );
    walk.wait_until("the backlight is on again", || {
        backlight
            .lock()
            .map(|b| b.on && b.switches == 2)
            .unwrap_or(false)
    });

    // Every screen was spoken: one WAV file per prompt.
    walk.kiosk.flush_voice();
    match walk.kiosk.voice_problem() {
        Some(problem) => walk.check(&format!("voice guidance: {problem}"), false),
        None => {
            let wavs: Vec<PathBuf> = std::fs::read_dir(&voice_dir)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
                        .collect()
                })
                .unwrap_or_default();
            let all_sound = wavs.iter().all(|w| {
                std::fs::metadata(w)
                    .map(|m| m.len() > 1000)
                    .unwrap_or(false)
            });
            walk.check(
                &format!(
                    "every prompt was spoken to a WAV file ({} files)",
                    wavs.len()
                ),
                wavs.len() >= 10 && all_sound,
            );
        }
    }

    write_summary(&walk.out, &walk.report)?;
    Ok(walk.report)
}

fn sync_with_reference_portal(
    walk: &mut Walk,
    runtime: &tokio::runtime::Runtime,
    startup: &Startup,
) -> Result<(), String> {
    use crate::core::sync_status::SyncStatus;
    use crate::portal::{PortalDb, PortalState};
    use crate::sync::engine::SyncEngine;
    use crate::sync::transport::{HttpTransport, KioskIdentity};
    let db = Arc::new(PortalDb::open_in_memory().map_err(|e| e.to_string())?);
    let key = include_str!("../../assets/dev/portal-development.key");
    let opener = crate::protocol::sealing::Opener::from_base64(key).map_err(|e| e.to_string())?;
    let state = PortalState::new(db.clone(), "demo-token")
        .with_opener(opener)
        .with_catalogue_key(crate::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY);
    // The portal publishes a signed catalogue; the kiosk must install it on its next pass.
    let catalogue_key = crate::protocol::signing::DeviceKey::from_base64(include_str!(
        "../../assets/dev/catalogue-development.key"
    ))
    .map_err(|e| e.to_string())?;
    let bundle = crate::app::assets::catalogue_bundle_from_files(
        &crate::app::assets::assets_dir().join("procedures"),
        None,
        startup.catalogue_install.version() + 1,
    )
    .map_err(|e| e.to_string())?;
    db.publish_catalogue(&crate::protocol::catalogue_bundle::sign(
        &bundle,
        &catalogue_key,
    ))
    .map_err(|e| e.to_string())?;
    let base =
        crate::portal::spawn_on_loopback(runtime.handle(), state).map_err(|e| e.to_string())?;
    let identity = KioskIdentity {
        kiosk_id: Config::development().kiosk.id,
        key: startup
            .device_key
            .clone()
            .ok_or("the demo's device key cannot be read")?,
        place: Config::development().kiosk.place,
    };
    let transport = HttpTransport::new(&base, identity, "demo-token", Duration::from_secs(10))?;
    let engine = SyncEngine::new(
        startup.store.clone(),
        transport,
        walk.clock.clone(),
        &Config::development().kiosk.id,
    )
    .with_catalogue(startup.catalogue_install.clone());
    let pass = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    let expected = walk.report.dossier_codes.len();
    walk.check(
        &format!("the portal accepts the {expected} dossier(s) queued offline"),
        pass.accepted == expected,
    );
    walk.check(
        "the portal holds each dossier once",
        db.received_count().map_err(|e| e.to_string())? == expected as u64,
    );
    walk.check(
        "the kiosk installs the catalogue the portal signed",
        startup.catalogue_install.version() == bundle.version,
    );
    walk.check(
        "the portal lists the kiosk with its heartbeat",
        db.devices()
            .map_err(|e| e.to_string())?
            .iter()
            .any(|d| d.last_heartbeat.is_some()),
    );
    let replay = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    walk.check("a second pass sends nothing again", replay.accepted == 0);
    let officer_page = runtime
        .block_on(async { reqwest::get(format!("{base}/officer")).await?.text().await })
        .unwrap_or_default();
    walk.check(
        "the officer sees the applicant was verified with the chip card",
        officer_page.contains("Đã xác thực bằng chip"),
    );
    walk.check(
        "the residents' ratings reached the portal and are shown openly",
        db.rating_summary().map(|(n, _)| n).unwrap_or(0) == expected as u64
            && officer_page.contains(&format!("Mức độ hài lòng: {expected} lượt đánh giá")),
    );
    if let Some(code) = walk
        .report
        .dossier_codes
        .first()
        .and_then(|c| DossierCode::parse(c).ok())
    {
        let found = startup
            .store
            .call_blocking(move |s| s.find_by_code(&code))
            .map_err(|e| e.to_string())?;
        if let Some(summary) = found {
            let now = walk.clock.now().to_rfc3339();
            db.decide(
                &summary.id.to_string(),
                "needs_fix",
                Some("Vui lòng bổ sung hợp đồng thuê nhà có chữ ký của chủ nhà"),
                &now,
            )
            .map_err(|e| e.to_string())?;
            runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
            let id = summary.id;
            let last = startup
                .store
                .call_blocking(move |s| s.history(id))
                .map_err(|e| e.to_string())?;
            let flowed_back = last
                .last()
                .is_some_and(|e| e.state == crate::core::dossier::DossierState::NeedsFix);
            walk.check(
                "the officer's decision flows back to the kiosk",
                flowed_back,
            );
        }
    }
    let queued = startup
        .store
        .call_blocking(|s| s.queue_len())
        .map_err(|e| e.to_string())?;
    walk.kiosk
        .deliver(crate::session::outcome::Outcome::Sync(SyncStatus {
            online: true,
            queued,
            sending: None,
        }));
    Ok(())
}

fn write_summary(out: &Path, report: &DemoReport) -> Result<(), String> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "xakiosk demo — {} screenshots, {} checks, {} failed",
        report.screenshots.len(),
        report.checks.len(),
        report.failures().len()
    );
    for code in &report.dossier_codes {
        let _ = writeln!(s, "dossier stored: {code}");
    }
    for (name, ok) in &report.checks {
        let _ = writeln!(s, "{} {name}", if *ok { "ok  " } else { "FAIL" });
    }
    for p in &report.screenshots {
        let _ = writeln!(
            s,
            "screen: {}",
            p.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
    }
    std::fs::write(out.join("summary.txt"), &s)
        .map_err(|e| format!("cannot write the summary: {e}"))?;
    print!("{s}");
    Ok(())
}
