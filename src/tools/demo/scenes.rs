//! The demo's scenes after the procedures: looking a dossier up by its receipt's QR code and
//! by its typed code, walking away mid-form, the ID typed without a QR code, the portrait
//! panel, large text, calling a staff member, the technician's admin screen, the screen asleep
//! and woken, and every prompt spoken.

use super::walk::Walk;
use crate::app::startup::Startup;
use crate::session::screen::Screen;
use crate::slint_generated::{KeyboardAdapter, LookupAdapter, SessionAdapter};
use slint::ComponentHandle;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Plays every scene after the procedures on `walk`.
pub(super) fn after_the_procedures(
    walk: &mut Walk,
    runtime: &tokio::runtime::Runtime,
    startup: &Startup,
    backlight: &Arc<Mutex<crate::devices::backlight::SimBacklight>>,
    voice_dir: &Path,
    procedures: &[String],
) -> Result<(), String> {
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

    // A genuine card's data copied onto another chip: the warning instead of the details.
    walk.open_procedure(&procedures[0]);
    let suffix = format!("({})", crate::app::effects::COPIED_CARD);
    let copied = walk.controller(|c| {
        c.test_cards()
            .iter()
            .find(|n| n.ends_with(&suffix))
            .cloned()
    });
    match copied {
        Some(name) => {
            let verification = walk.read_test_card(&name);
            walk.check(
                "a copy of a card's data on another chip is a suspected clone",
                verification == Some(crate::core::citizen::Verification::ChipCloneSuspected),
            );
            walk.shot("identity-clone-suspected");
        }
        None => walk.check("the simulator offers a copied card", false),
    }
    if let Ok(mut camera) = walk.camera.lock() {
        camera.hold_card(None);
    }
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

    // "Gọi hỗ trợ" in the bar: the notice over the screen, and an alert kept for the portal.
    walk.app.global::<SessionAdapter>().invoke_open_help();
    walk.app.global::<SessionAdapter>().invoke_call_help();
    walk.settle("the help call is stored", |c| c.help_notice());
    walk.shot("help-called");
    let alerts = runtime
        .block_on(walk.store.call(|s| s.unsent_alerts()))
        .map(|a| a.len())
        .unwrap_or(0);
    walk.check("the help call is an alert for the portal", alerts == 1);
    walk.app.global::<SessionAdapter>().invoke_dismiss_help();
    walk.check(
        "'Đã hiểu' closes the notice, the call stands",
        walk.controller(|c| !c.help_notice_open() && c.help_notice()),
    );
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
    walk.settle(
        "the printer test finishes and the screen reads the printer again",
        |c| c.admin.message.is_some() && !c.admin.busy && c.admin.loaded,
    );
    walk.check(
        "after the test page the printer shows ready, not unknown",
        walk.controller(|c| c.admin.health.printer == crate::core::health::DeviceState::Ready),
    );
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
            let wavs: Vec<PathBuf> = std::fs::read_dir(voice_dir)
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
    Ok(())
}
