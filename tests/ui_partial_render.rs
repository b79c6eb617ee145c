//! Drawing only what changed gives the same screen as drawing it whole: the kiosk's real UI
//! on the headless platform is driven through a resident's interactions (keys on the
//! on-screen keyboard, a list scrolled, the timeout countdown, whole screens changing, large
//! text switched on), each followed by a partial redraw into one kept frame, as a display
//! backend does; at the end of each run the kept frame must equal a fresh whole rendering
//! pixel for pixel. Small changes must repaint a small part of the screen.

mod common;

use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use xakiosk::app::effects::Effects;
use xakiosk::app::kiosk::Kiosk;
use xakiosk::app::startup::Startup;
use xakiosk::config::Config;
use xakiosk::devices::camera::{Camera, SimCamera};
use xakiosk::devices::clock::{Clock, SimClock};
use xakiosk::slint_generated::{AppWindow, KeyboardAdapter, SessionAdapter};
use xakiosk::tools::headless::{Headless, Repainted};

/// The kept frame equals a whole rendering of the same instant (the UI's clock is held).
fn assert_frame_is_whole_screen(headless: &Headless, what: &str) {
    headless.draw();
    let kept = headless.frame_image().expect("a frame was drawn");
    let whole = headless.snapshot().unwrap();
    assert_eq!(kept.dimensions(), whole.dimensions(), "{what}");
    let differing: Vec<(u32, u32)> = kept
        .enumerate_pixels()
        .filter(|(x, y, p)| {
            let w = whole.get_pixel(*x, *y);
            p.0[..3] != w.0[..3]
        })
        .map(|(x, y, _)| (x, y))
        .take(5)
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: the partially redrawn frame differs from a whole rendering at {differing:?}"
    );
}

/// Runs queued work, lets a frame's time pass (animations move on), then draws what changed.
fn redraw(headless: &Headless) -> Option<Repainted> {
    headless.pump();
    headless.advance_time(std::time::Duration::from_millis(16));
    headless.draw()
}

/// Lets every animation finish, drawing as a display would meanwhile.
fn settle(headless: &Headless) {
    for _ in 0..60 {
        redraw(headless);
    }
}

#[test]
fn partial_redraws_give_the_same_screen_as_whole_ones() {
    let headless = Headless::install(1280, 800).unwrap();
    // The UI's clock moves only when the test moves it: a text cursor's blink or an
    // animation cannot fall between two renderings that are compared.
    headless.hold_time(true);
    let dir = tempfile::tempdir().unwrap();
    let config = Config::development();
    let startup = Startup::prepare(&config, Some(&dir.path().join("partial.sqlite"))).unwrap();
    let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
    let app = AppWindow::new().unwrap();
    app.show().unwrap();
    let camera: Arc<Mutex<dyn Camera>> = Arc::new(Mutex::new(SimCamera::new(640, 360)));
    let controller = startup.controller(clock.clone() as Arc<dyn Clock>);
    let _kiosk = Kiosk::attach(
        &app,
        controller,
        Effects::inline(startup.store.clone(), camera),
    );
    let press = |label: &str| {
        common::press(&app, label).unwrap_or_else(|| panic!("no button {label:?}"));
    };
    let session = app.global::<SessionAdapter>();

    for (width, height) in [(1280, 800), (1920, 1080), (1080, 1920)] {
        headless.resize(width, height);
        let first = redraw(&headless).expect("a new size is drawn");
        assert!(first.share > 0.99, "a new size is drawn whole: {first:?}");
        assert_frame_is_whole_screen(&headless, &format!("home {width}×{height}"));

        // Keys of the on-screen keyboard: the answer box changes, not the screen.
        press("Tìm thủ tục");
        redraw(&headless);
        app.global::<xakiosk::slint_generated::CatalogueAdapter>()
            .invoke_pick("dang-ky-tam-tru".into());
        redraw(&headless);
        press("Bắt đầu");
        redraw(&headless);
        press("Bỏ qua, tôi tự nhập thông tin");
        redraw(&headless);
        for key in ["0", "0", "1", "backspace", "1"] {
            if key == "backspace" {
                app.global::<KeyboardAdapter>().invoke_key(key.into());
            } else {
                common::type_keys(key, |k| press(k));
            }
            let repainted = redraw(&headless).expect("a key shows");
            assert!(
                repainted.share < 0.3,
                "a key repainted {:.0}% of the screen",
                repainted.share * 100.0
            );
        }
        assert_frame_is_whole_screen(&headless, &format!("after keys {width}×{height}"));

        // The timeout countdown ticking over the form.
        session.set_timeout_warning(true);
        settle(&headless);
        for left in (25..30).rev() {
            session.set_seconds_left(left);
            let repainted = redraw(&headless).expect("a tick shows");
            // (Slint redraws the whole window at the overlay's first change; every later
            // second redraws the line that changed.)
            assert!(
                left == 29 || repainted.share < 0.1,
                "a tick repainted {:.0}% of the screen",
                repainted.share * 100.0
            );
        }
        session.set_timeout_warning(false);
        assert_frame_is_whole_screen(&headless, &format!("countdown {width}×{height}"));

        // Large text, then the procedure list scrolled a step at a time.
        session.invoke_go_home();
        redraw(&headless);
        session.invoke_toggle_elder();
        redraw(&headless);
        press("Tìm thủ tục");
        redraw(&headless);
        let over_list = slint::LogicalPosition::new(width as f32 / 2.0, height as f32 * 0.5);
        let mut moved = 0;
        for delta_y in [-30.0, -30.0, -30.0, 30.0] {
            app.window()
                .dispatch_event(slint::platform::WindowEvent::PointerScrolled {
                    position: over_list,
                    delta_x: 0.0,
                    delta_y,
                });
            if let Some(repainted) = redraw(&headless) {
                assert!(repainted.share < 0.6, "a scroll step: {repainted:?}");
                moved += 1;
            }
        }
        if width > height {
            assert!(moved >= 3, "the list scrolled {moved} of 4 steps");
        }
        assert_frame_is_whole_screen(&headless, &format!("list scrolled {width}×{height}"));

        // Whole screens one after another.
        session.invoke_go_home();
        redraw(&headless);
        press("Tra cứu hồ sơ");
        redraw(&headless);
        session.invoke_go_home();
        redraw(&headless);
        press("Hỗ trợ");
        redraw(&headless);
        session.invoke_go_home();
        redraw(&headless);
        assert_frame_is_whole_screen(&headless, &format!("screens {width}×{height}"));
    }
}
