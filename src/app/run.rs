//! Runs the kiosk in a window (or full screen on the appliance): tokio beside the Slint event
//! loop, the store's writer thread, the simulated or real devices from the configuration.

use crate::app::device_set::DeviceSet;
use crate::app::effects::Effects;
use crate::app::kiosk::Kiosk;
use crate::app::startup::Startup;
use crate::config::Config;
use crate::config::layers::Effective;
use crate::devices::clock::SystemClock;
use crate::session::outcome::Outcome;
use crate::slint_generated::AppWindow;
use slint::ComponentHandle;
use std::sync::Arc;

/// Runs the kiosk until the window closes, on the effective configuration (with a broken
/// layer: the last good one, or queue-only; the fault is shown on the admin screen, turns the
/// status light red and is reported in metrics and the heartbeat).
pub fn run(effective: &Effective, fullscreen: bool) -> Result<(), String> {
    let config: &Config = &effective.config;
    if cfg!(not(feature = "kms"))
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(
            "no display found (DISPLAY is not set). Start the kiosk in a graphical session, \
                    or run `xakiosk demo --out DIR` for a headless walk-through with screenshots"
                .into(),
        );
    }
    // The kiosk's data (catalogue, communes, database) loads on a worker thread while this
    // thread connects to the display and builds the window: the first frame waits for the
    // longer of the two, not for both.
    let preparing = std::thread::Builder::new()
        .name("startup".into())
        .spawn({
            let config = config.clone();
            move || Startup::prepare(&config, None)
        })
        .map_err(|e| format!("cannot start: {e}"))?;
    let app = AppWindow::new().map_err(|e| format!("cannot open the window: {e}"));
    let startup = preparing
        .join()
        .map_err(|_| "loading the kiosk's data failed unexpectedly".to_string())??;
    let app = app?;
    let clock = Arc::new(SystemClock::new());
    let (devices, missing) =
        DeviceSet::for_kiosk(config, clock.clone()).map_err(|e| e.to_string())?;
    for e in &missing {
        tracing::error!("{e}; the kiosk runs without it");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the background runtime: {e}"))?;
    if fullscreen {
        app.window().set_fullscreen(true);
    }
    let health = crate::appliance::health::Health::new();
    let config_fault = effective.fault.clone().map(|fault| match effective.mode {
        crate::config::layers::Mode::LastGood => {
            format!("{fault} (running on the last configuration that loaded)")
        }
        _ => format!("{fault} (queue-only: nothing is sent, no new dossier is taken)"),
    });
    let mut faults = startup.faults.clone();
    faults.extend(config_fault);
    health.update(|s| {
        s.config_fault = (!faults.is_empty()).then(|| faults.join("; "));
        s.not_set_up = startup.not_set_up.clone();
    });
    let mut controller = startup.controller(clock.clone());
    controller.set_sleep_after(
        (config.session.sleep_after_secs > 0)
            .then(|| std::time::Duration::from_secs(config.session.sleep_after_secs)),
    );
    controller.queue_count = startup.store.call_blocking(|s| s.queue_len()).unwrap_or(0);
    let sync = crate::app::sync_service::start(
        config,
        &startup,
        clock.clone(),
        health.clone(),
        runtime.handle(),
    )?;
    // Results of the world reach the screen on the kiosk's channel (see `app::kiosk`).
    let effects = Effects::background(
        startup.store.clone(),
        devices.camera.clone(),
        runtime.handle().clone(),
    );
    let send = effects.outcome_sender();
    let mut cabinet = crate::appliance::cabinet::Cabinet::new(
        devices.gpio.clone(),
        health.clone(),
        startup.store.clone(),
        clock.clone(),
    );
    if let Some(sync) = &sync {
        cabinet = cabinet.with_sync_waker(sync.waker.clone());
    }
    runtime.spawn(cabinet.run(
        {
            let send = send.clone();
            move |event| send(Outcome::Cabinet(event))
        },
        std::future::pending(),
    ));
    // An update root installed in the other slot: the kiosk restarts into it when idle.
    runtime.spawn(crate::app::update_watch::watch(
        crate::appliance::update_slots::STATUS_DIR.into(),
        {
            let send = send.clone();
            move |version| send(Outcome::UpdateInstalled(version))
        },
    ));
    crate::appliance::health_endpoint::start(
        &config.health,
        health.clone(),
        startup.store.clone(),
        clock.clone(),
        runtime.handle(),
    );
    let watchdog = crate::appliance::watchdog::start();
    // A catalogue installed from the portal replaces the list on screen at once (a session in
    // progress keeps the procedure it started).
    {
        let send = send.clone();
        startup.catalogue_install.set_on_installed(move |opened| {
            let catalogue = Arc::new(opened.catalogue.clone());
            let units = opened.units.clone().map(Arc::new);
            let offices = opened.offices.clone().map(Arc::new);
            send(Outcome::CatalogueInstalled(catalogue, units, offices))
        });
    }
    let mut effects = effects
        .with_health(health.clone())
        .with_backlight(devices.backlight.clone())
        .with_admin(crate::app::admin_actions::AdminDevices {
            config: config.clone(),
            layers: effective.paths.clone(),
            gpio: devices.gpio.clone(),
            camera: devices.camera.clone(),
        });
    let identity = crate::app::effects::IdentityDevices::from_config(
        &config.identity,
        devices.card_reader.clone(),
    );
    controller.set_test_cards(identity.test_card_names());
    effects = effects.with_identity(identity);
    effects = effects.with_printing(
        crate::app::effects::PrintDevices::from_config(&config.printer, devices.printer.clone())
            .map_err(|e| e.to_string())?
            .with_health(health.clone()),
    );
    if let Some(sync) = &sync {
        effects = effects.with_sync_waker(sync.waker.clone());
        // The top bar follows the engine: online indicator and queue count.
        let mut status = sync.status.clone();
        runtime.spawn(async move {
            while status.changed().await.is_ok() {
                let s = *status.borrow_and_update();
                send(Outcome::Sync(s));
            }
        });
    }
    controller.set_volume(config.voice.volume.min(100) as u8);
    let kiosk = Kiosk::attach(&app, controller, effects);
    kiosk.set_voice(
        crate::app::voice_guide::from_config(&config.voice),
        &startup.place,
        config.voice.speed,
    );
    let voice_problem = kiosk.voice_problem();
    health.update(|s| s.voice_problem = voice_problem);
    // An unprovisioned kiosk has no place yet: the name is still there to tap (the technician's
    // way into the admin screen).
    let place = match startup.place.trim() {
        "" => "Chưa cài đặt · Not set up".to_string(),
        place => place.to_string(),
    };
    let session = app.global::<crate::slint_generated::SessionAdapter>();
    session.set_place(place.into());
    session.set_not_set_up(startup.not_set_up.is_some());
    let _tick = kiosk.start_tick();
    // systemd hears "ready" once the first frame is about to be drawn, and the watchdog is fed
    // from the UI thread: a hung event loop gets the kiosk restarted.
    let _watchdog_feed = watchdog.map(|w| w.feed_from_event_loop());
    // Root commits a freshly installed update only once this says the kiosk serves (store
    // open — it is by now —, ready, first frame drawn).
    let _healthy = crate::appliance::healthy_marker::write_after_first_frame(&app);
    app.run()
        .map_err(|e| format!("the window closed with an error: {e}"))
}
