//! `xakiosk demo`: a scripted resident walks through a procedure on the real UI, headless,
//! with simulated devices and a fresh database; every screen is saved as a PNG and each step
//! is checked. The walk answers any procedure in the catalogue by field kind, so it also
//! proves every shipped procedure can be completed offline.

use crate::app::effects::Effects;
use crate::app::kiosk::Kiosk;
use crate::app::startup::Startup;
use crate::config::Config;
use crate::devices::camera::SimCamera;
use crate::devices::clock::{Clock, SimClock};
use crate::slint_generated::{AppWindow, SessionAdapter};
use crate::tools::headless::Headless;
use chrono::{DateTime, Utc};
use slint::ComponentHandle;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct DemoOptions {
    pub out: PathBuf,
    /// Procedure ids to walk; empty means the default (temporary residence).
    pub procedures: Vec<String>,
}

pub struct DemoReport {
    pub screenshots: Vec<PathBuf>,
    pub checks: Vec<(String, bool)>,
    pub dossier_codes: Vec<String>,
    /// Each procedure walked, from the home screen to its dossier submitted, and the
    /// resident's touches it took.
    pub touches: Vec<(String, crate::ui::dispatch::Touches)>,
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

mod answers;
mod portal_sync;
mod scenes;
mod supplement;
mod walk;

use walk::Walk;

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
    )
    .map_err(|e| e.to_string())?;
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
            touches: Vec::new(),
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
        // Every procedure with the card, as most residents come; the last of several typing
        // everything instead (no card at hand).
        let with_card = procedures.len() == 1 || i + 1 < procedures.len();
        walk.walk_procedure(id, i == 0, with_card);
    }

    // The network returns: the reference portal (real HTTP on loopback) receives everything
    // that was queued offline, then an officer asks for a correction that flows back.
    portal_sync::sync_with_reference_portal(&mut walk, &runtime, &startup)?;
    scenes::after_the_procedures(
        &mut walk,
        &runtime,
        &startup,
        &backlight,
        &voice_dir,
        &procedures,
    )?;

    write_summary(&walk.out, &walk.report)?;
    Ok(walk.report)
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
    for (id, t) in &report.touches {
        let _ = writeln!(s, "{id}: {} taps, {} keys", t.taps, t.keys);
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
