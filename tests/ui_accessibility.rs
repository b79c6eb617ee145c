//! Accessibility from the rendered screens: the test visits every screen (normal and large
//! text, landscape and portrait), renders it, and for each text element on show measures the
//! contrast of its darkest (or lightest) ink against the background it sits on (WCAG 2.2 AA:
//! 4.5:1; inactive buttons are exempt), looks for its ink spilling out of its box (text wider
//! or taller than the room it was given: over a button's edge, onto the next line), and checks
//! every button is at least 48×48 px (WCAG 2.5.8 asks 24 px; kiosk practice and EN 301 549 aim
//! higher). Geometry comes from the UI's own element tree. The top bar never shortens its text
//! with "…": a source check keeps `overflow: elide` out of it.

mod common;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use image::RgbaImage;
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use xakiosk::app::effects::Effects;
use xakiosk::app::kiosk::Kiosk;
use xakiosk::app::startup::Startup;
use xakiosk::config::Config;
use xakiosk::devices::camera::{Camera, SimCamera};
use xakiosk::devices::clock::{Clock, SimClock};
use xakiosk::slint_generated::{AppWindow, FormAdapter, LookupAdapter, SessionAdapter};
use xakiosk::tools::headless::Headless;

const MIN_CONTRAST: f64 = 4.5;
const MIN_TARGET: f32 = 48.0;

fn luminance(p: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(p[0]) + 0.7152 * channel(p[1]) + 0.0722 * channel(p[2])
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The contrast of the text drawn in `rect`: the background is the most common colour there,
/// the ink the pixel that differs most from it (glyph cores are drawn at full colour).
fn text_contrast(shot: &RgbaImage, rect: (u32, u32, u32, u32)) -> Option<f64> {
    let (x, y, w, h) = rect;
    let mut counts = std::collections::HashMap::<[u8; 3], u32>::new();
    for yy in y..(y + h).min(shot.height()) {
        for xx in x..(x + w).min(shot.width()) {
            let p = shot.get_pixel(xx, yy);
            *counts.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
    }
    let background = counts.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c)?;
    counts
        .keys()
        .map(|c| contrast(*c, background))
        .max_by(|a, b| a.total_cmp(b))
}

/// Ink of the text drawn in `rect` that spills out of it: pixels of the text's own ink colour
/// a few pixels beyond its left, right or bottom edge, joined to the box by an unbroken run of
/// non-background pixels (a glyph crossing the edge), and not inside any other text's box.
/// Glyphs that fit never cross their box; text given less room than it needs does.
fn spilled_ink(
    shot: &RgbaImage,
    rect: (u32, u32, u32, u32),
    others: &[(u32, u32, u32, u32)],
) -> usize {
    // One pixel in from the element's edges: a neighbour touching the box is not its text.
    let (x, y, w, h) = (
        rect.0 + 1,
        rect.1 + 1,
        rect.2.saturating_sub(2),
        rect.3.saturating_sub(2),
    );
    if w < 4 || h < 4 || x + w >= shot.width() || y + h >= shot.height() {
        return 0;
    }
    let colour = |px: u32, py: u32| {
        let p = shot.get_pixel(px, py);
        [p[0], p[1], p[2]]
    };
    let mut counts = std::collections::HashMap::<[u8; 3], u32>::new();
    for yy in y..y + h {
        for xx in x..x + w {
            *counts.entry(colour(xx, yy)).or_default() += 1;
        }
    }
    let Some(background) = counts.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c) else {
        return 0;
    };
    let Some(ink) = counts
        .keys()
        .copied()
        .max_by(|a, b| contrast(*a, background).total_cmp(&contrast(*b, background)))
    else {
        return 0;
    };
    if contrast(ink, background) < 3.0 {
        return 0;
    }
    let near_ink = |c: [u8; 3]| (0..3).all(|i| c[i].abs_diff(ink[i]) <= 12);
    let drawn = |c: [u8; 3]| contrast(c, background) > 1.3;
    let in_other = |px: u32, py: u32| {
        others.iter().any(|(ox, oy, ow, oh)| {
            *ow > 0 && px + 1 >= *ox && py + 1 >= *oy && px <= ox + ow && py <= oy + oh
        })
    };
    const REACH: u32 = 6;
    let mut spilled = 0;
    // Walks outwards from an inked edge pixel (inside the box) along (dx, dy); counts ink
    // reached 2..=REACH pixels out through drawn pixels only.
    let mut walk = |sx: u32, sy: u32, dx: i32, dy: i32| {
        if !near_ink(colour(sx, sy)) {
            return;
        }
        for step in 1..=REACH as i32 {
            let (px, py) = (sx as i32 + dx * step, sy as i32 + dy * step);
            if px < 0 || py < 0 || px as u32 >= shot.width() || py as u32 >= shot.height() {
                return;
            }
            let (px, py) = (px as u32, py as u32);
            if in_other(px, py) {
                return;
            }
            let c = colour(px, py);
            if !drawn(c) {
                return;
            }
            if step >= 2 && near_ink(c) {
                spilled += 1;
                return;
            }
        }
    };
    // A row or column of ink across the whole box is a border drawn through it, not letters.
    let line = |pixels: &mut dyn Iterator<Item = (u32, u32)>, len: u32| {
        pixels.filter(|(px, py)| near_ink(colour(*px, *py))).count() as u32 * 10 >= len * 9
    };
    for yy in y..y + h {
        if !line(&mut (x..x + w).map(|xx| (xx, yy)), w) {
            walk(x, yy, -1, 0);
            walk(x + w - 1, yy, 1, 0);
        }
    }
    for xx in x..x + w {
        if !line(&mut (y..y + h).map(|yy| (xx, yy)), h) {
            walk(xx, y + h - 1, 0, 1);
        }
    }
    spilled
}

struct Checker {
    app: AppWindow,
    headless: Headless,
    problems: Vec<String>,
    screens: Vec<String>,
}

impl Checker {
    fn check(&mut self, screen: &str) {
        self.headless.pump();
        let shot = self.headless.snapshot().unwrap();
        self.screens.push(screen.to_string());
        let (sw, sh) = (shot.width() as f32, shot.height() as f32);
        let on_screen = |e: &ElementHandle| {
            let p = e.absolute_position();
            let s = e.size();
            s.width > 0.0
                && s.height > 0.0
                && p.x >= 0.0
                && p.y >= 0.0
                && p.x + s.width <= sw + 1.0
                && p.y + s.height <= sh + 1.0
        };
        let all: Vec<ElementHandle> = ElementQuery::from_root(&self.app).find_all();
        let disabled_buttons: Vec<(f32, f32, f32, f32)> = all
            .iter()
            .filter(|e| {
                e.accessible_role() == Some(AccessibleRole::Button)
                    && e.accessible_enabled() == Some(false)
            })
            .map(|e| {
                let p = e.absolute_position();
                let s = e.size();
                (p.x, p.y, s.width, s.height)
            })
            .collect();
        // A modal dialog on top: only what is inside it is on show.
        let modal = all
            .iter()
            .find(|e| e.accessible_role() == Some(AccessibleRole::Groupbox))
            .map(|e| {
                let p = e.absolute_position();
                let s = e.size();
                (p.x, p.y, s.width, s.height)
            });
        let inside_modal = |e: &ElementHandle| match modal {
            Some((mx, my, mw, mh)) => {
                let p = e.absolute_position();
                let s = e.size();
                p.x >= mx
                    && p.y >= my
                    && p.x + s.width <= mx + mw + 0.5
                    && p.y + s.height <= my + mh + 0.5
            }
            None => true,
        };
        // Text scrolled partly or wholly out of a scroll area is clipped on purpose: it is
        // neither measured nor checked for fit until it is scrolled into view.
        let rect_of = |e: &ElementHandle| {
            let p = e.absolute_position();
            let s = e.size();
            (p.x, p.y, s.width, s.height)
        };
        let mut clipped: Vec<(f32, f32, f32, f32)> = Vec::new();
        for area in all.iter().filter(|e| {
            let scrolls = |t: &str| matches!(t, "Flickable" | "ListView" | "ScrollView");
            e.type_name().is_some_and(|t| scrolls(&t))
                || e.bases().is_some_and(|mut b| b.any(|t| scrolls(&t)))
        }) {
            let (ax, ay, aw, ah) = rect_of(area);
            for inner in area.query_descendants().find_all() {
                let (x, y, w, h) = rect_of(&inner);
                if x < ax - 0.5 || y < ay - 0.5 || x + w > ax + aw + 0.5 || y + h > ay + ah + 0.5 {
                    clipped.push((x, y, w, h));
                }
            }
        }
        let visible = |e: &ElementHandle| on_screen(e) && !clipped.contains(&rect_of(e));
        let text_rects: Vec<(u32, u32, u32, u32)> = all
            .iter()
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Text) && visible(e))
            .map(|e| {
                let p = e.absolute_position();
                let s = e.size();
                (
                    p.x.max(0.0) as u32,
                    p.y.max(0.0) as u32,
                    s.width.ceil() as u32,
                    s.height.ceil() as u32,
                )
            })
            .collect();
        let mut texts = 0;
        for e in &all {
            if !visible(e) || !inside_modal(e) {
                continue;
            }
            let label = e.accessible_label().unwrap_or_default().to_string();
            match e.accessible_role() {
                Some(AccessibleRole::Button) => {
                    let (bx, by, bw, bh) = rect_of(e);
                    for inner in e.query_descendants().find_all() {
                        let (x, y, w, h) = rect_of(&inner);
                        let words = inner.accessible_label().unwrap_or_default();
                        if inner.accessible_role() == Some(AccessibleRole::Text)
                            && !words.trim().is_empty()
                            && (x < bx - 1.0
                                || y < by - 1.0
                                || x + w > bx + bw + 1.0
                                || y + h > by + bh + 1.0)
                        {
                            self.problems.push(format!(
                                "{screen}: the words {words:?} spill out of their button {label:?}"
                            ));
                        }
                    }
                    let s = e.size();
                    if s.width < MIN_TARGET || s.height < MIN_TARGET {
                        self.problems.push(format!(
                            "{screen}: button {label:?} is {:.0}×{:.0} px",
                            s.width, s.height
                        ));
                    }
                }
                Some(AccessibleRole::Text) if !label.trim().is_empty() => {
                    let p = e.absolute_position();
                    let s = e.size();
                    let inside_disabled = disabled_buttons.iter().any(|(bx, by, bw, bh)| {
                        p.x >= *bx
                            && p.y >= *by
                            && p.x + s.width <= bx + bw + 0.5
                            && p.y + s.height <= by + bh + 0.5
                    });
                    if inside_disabled || s.height < 8.0 {
                        continue;
                    }
                    let rect = (
                        p.x.max(0.0) as u32,
                        p.y.max(0.0) as u32,
                        s.width.ceil() as u32,
                        s.height.ceil() as u32,
                    );
                    texts += 1;
                    let others: Vec<_> =
                        text_rects.iter().copied().filter(|r| *r != rect).collect();
                    let spilled = spilled_ink(&shot, rect, &others);
                    if spilled >= 4 {
                        self.problems.push(format!(
                            "{screen}: text {label:?} does not fit its box {rect:?} ({spilled} px of its ink outside)"
                        ));
                    }
                    match text_contrast(&shot, rect) {
                        Some(c) if c >= MIN_CONTRAST => {}
                        Some(c) => self.problems.push(format!(
                            "{screen}: text {label:?} has contrast {c:.2}:1 (needs {MIN_CONTRAST}:1)"
                        )),
                        None => {}
                    }
                }
                _ => {}
            }
        }
        assert!(
            texts > 0,
            "{screen}: no text found to measure (debug info missing?)"
        );
    }
}

#[test]
fn every_screen_meets_contrast_and_touch_target_sizes() {
    let headless = Headless::install(1280, 800).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::development();
    config.payment = xakiosk::config::PaymentConfig {
        bank_bin: "970415".into(),
        account: "0000000000000".into(),
        account_name: "UBND (TEST)".into(),
    };
    let startup = Startup::prepare(&config, Some(&dir.path().join("a11y.sqlite"))).unwrap();
    let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
    let app = AppWindow::new().unwrap();
    app.show().unwrap();
    let camera: Arc<Mutex<dyn Camera>> = Arc::new(Mutex::new(SimCamera::new(640, 360)));
    let printer = xakiosk::devices::printer::SimulatedPrinter::new();
    let controller = startup.controller(clock.clone() as Arc<dyn Clock>);
    let kiosk = Kiosk::attach(
        &app,
        controller,
        Effects::inline(startup.store.clone(), camera).with_printing(
            xakiosk::app::effects::PrintDevices::from_config(
                &config.printer,
                Arc::new(Mutex::new(printer)),
            )
            .unwrap(),
        ),
    );
    let mut c = Checker {
        app: app.clone_strong(),
        headless,
        problems: Vec::new(),
        screens: Vec::new(),
    };
    let press = |label: &str| {
        common::press(&app, label).unwrap_or_else(|| panic!("no button {label:?}"));
    };
    let keys = |text: &str| common::type_keys(text, |k| press(k));

    for (width, height, orientation) in [(1280, 800, "landscape"), (1080, 1920, "portrait")] {
        c.headless.resize(width, height);
        for elder in [false, true] {
            let tag = format!(
                "{orientation}, {}",
                if elder { "large text" } else { "normal" }
            );
            if elder {
                app.global::<SessionAdapter>().invoke_toggle_elder();
            }
            c.check(&format!("home ({tag})"));
            press("Tìm thủ tục");
            c.check(&format!("procedures ({tag})"));
            app.global::<xakiosk::slint_generated::CatalogueAdapter>()
                .invoke_pick("dang-ky-tam-tru".into());
            c.check(&format!("procedure page ({tag})"));
            press("Bắt đầu");
            c.check(&format!("identity ({tag})"));
            press("Bỏ qua, tôi tự nhập thông tin");
            c.check(&format!("question with digits ({tag})"));
            keys("00109304706");
            c.check(&format!("question with an error ({tag})"));
            press("Xóa hết");
            keys("001093047064");
            press("Tiếp tục ›");
            c.check(&format!("question with letters ({tag})"));
            keys("an");
            press("Tiếp tục ›");
            // The birth date: typed on the digit pad, or picked on the calendar.
            c.check(&format!("question with a date ({tag})"));
            press("Chọn trên lịch");
            c.check(&format!("date calendar ({tag})"));
            press("Tháng trước");
            c.check(&format!("date calendar, a month back ({tag})"));
            press("‹ Gõ ngày bằng bàn phím");
            app.global::<SessionAdapter>().invoke_go_home();
            press("Tra cứu hồ sơ");
            keys("ABCD");
            app.global::<LookupAdapter>().invoke_lookup();
            c.check(&format!("lookup with an error ({tag})"));
            app.global::<SessionAdapter>().invoke_go_home();
            press("Hỗ trợ");
            c.check(&format!("help ({tag})"));
            // "Gọi hỗ trợ" in the bar: the notice with the wait and the phone number.
            press("Gọi hỗ trợ");
            c.check(&format!("help called ({tag})"));
            press("Đã hiểu");
            app.global::<SessionAdapter>().invoke_go_home();
            // A kiosk that is not provisioned yet says so on its home screen.
            app.global::<SessionAdapter>().set_not_set_up(true);
            c.check(&format!("home, not set up ({tag})"));
            app.global::<SessionAdapter>().set_not_set_up(false);
        }
    }
    c.headless.resize(1280, 800);
    // Large text is per session: it ended with the last "home".
    assert!(!kiosk.controller.borrow().accessibility().elder());

    // A whole dossier to reach review, done (printed, fee QR), rating and the found lookup.
    kiosk.update(|k| {
        k.start_submit();
        k.pick_procedure("chung-thuc-ban-sao");
        k.begin();
        k.skip_identity();
        None
    });
    let mut guard = 0;
    while kiosk.controller.borrow().screen() == xakiosk::session::screen::Screen::Question {
        guard += 1;
        assert!(guard < 40, "the form did not end");
        answer_current(&kiosk);
    }
    c.check("review");
    app.global::<FormAdapter>().invoke_toggle_declaration();
    c.check("review, declared");
    app.global::<FormAdapter>().invoke_submit();
    c.check("done");
    let code = app.global::<FormAdapter>().get_dossier_code().to_string();
    app.global::<SessionAdapter>().invoke_finish();
    c.check("rating");
    press("Hài lòng");
    c.check("rating chosen");
    press("Gửi đánh giá");
    press("Tra cứu hồ sơ");
    keys(&code.replace('-', ""));
    app.global::<LookupAdapter>().invoke_lookup();
    c.check("lookup found");
    // The office sends it back asking for a photo: the action card and "Bổ sung tại máy".
    let parsed = xakiosk::core::dossier_code::DossierCode::parse(&code).unwrap();
    startup
        .store
        .call_blocking(move |s| {
            let uuid = s.find_by_code(&parsed)?.unwrap().id;
            let now = chrono::Utc::now();
            let claimed = s.claim_next(now)?.expect("the dossier is queued");
            assert_eq!(claimed.id, uuid);
            s.mark_accepted(uuid, "HS-1", now)?;
            let id = uuid.to_string();
            s.apply_status(
                &id,
                xakiosk::core::dossier::DossierState::NeedsFix,
                Some("Thiếu ảnh"),
                Some(&xakiosk::core::fix_request::FixRequest {
                    what: "Ảnh trang đầu bị mờ, vui lòng chụp lại rõ hơn".into(),
                    fields: vec!["original_photo".into()],
                    due: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
                }),
                chrono::Utc::now(),
            )
        })
        .unwrap();
    app.global::<LookupAdapter>().invoke_lookup();
    assert!(app.global::<LookupAdapter>().get_needs_fix());
    c.check("lookup needs fix");
    // The inactivity warning over a screen.
    clock.advance(std::time::Duration::from_secs(
        config.session.warn_after_secs + 1,
    ));
    kiosk.update(|k| {
        k.tick();
        None
    });
    c.check("timeout warning");

    assert!(c.screens.len() >= 40, "{:?}", c.screens);
    assert!(
        c.problems.is_empty(),
        "{} accessibility problems:\n{}",
        c.problems.len(),
        c.problems.join("\n")
    );
}

/// Answers whatever the current question is with a valid answer.
fn answer_current(kiosk: &std::rc::Rc<Kiosk>) {
    use xakiosk::core::field::FieldKind;
    let (kind, id) = {
        let k = kiosk.controller.borrow();
        let f = k.form().unwrap().current_field().unwrap().clone();
        (f.kind.clone(), f.id.clone())
    };
    fn type_text(k: &mut xakiosk::session::controller::KioskController, text: &str) {
        for ch in text.chars() {
            let key = ch.to_string();
            k.key(if ch == ' ' { "space" } else { &key });
        }
    }
    kiosk.update(|k| {
        match &kind {
            FieldKind::PersonalId => type_text(k, "001093047064"),
            FieldKind::Text { .. } => type_text(k, "Nguyen Van An"),
            FieldKind::Number { min, .. } => type_text(k, &min.max(&1).to_string()),
            FieldKind::Date { .. } => type_text(k, "05091993"),
            FieldKind::Phone => type_text(k, "0912345678"),
            FieldKind::Email => type_text(k, "an@example.org"),
            FieldKind::Choice { options } => k.pick(&options[0].id),
            FieldKind::YesNo => k.pick("yes"),
            FieldKind::Address => {
                k.pick("01");
                let first = k.form().and_then(|f| {
                    f.options(xakiosk::core::text::Lang::Vi)
                        .into_iter()
                        .find(|o| o.id != xakiosk::core::form::LEGACY_ADDRESS_OPTION)
                        .map(|o| o.id)
                });
                if let Some(id) = first {
                    k.pick(&id);
                }
                type_text(k, "12 Hang Bac");
            }
            FieldKind::Attachment => {
                return k.take_photo();
            }
        }
        None
    });
    let _ = id;
    // A good photo goes on by itself.
    if kind == FieldKind::Attachment {
        return;
    }
    kiosk.update(|k| {
        k.next();
        None
    });
}

#[test]
fn the_top_bar_never_shortens_its_text() {
    let source = include_str!("../ui/widgets/top_bar.slint");
    assert!(
        !source.contains("overflow: elide"),
        "the top bar must show the place, the status and its buttons in full (wrap, or move to \
         the second row), never cut with '…'"
    );
}
