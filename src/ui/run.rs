//! Runs the kiosk in a window (or full screen on the appliance): tokio beside the Slint event
//! loop, the store's writer thread, the simulated or real devices from the configuration.

use crate::config::Config;
use crate::devices::DeviceSet;
use crate::devices::clock::SystemClock;
use crate::slint_generated::AppWindow;
use crate::startup::Startup;
use crate::ui::Kiosk;
use crate::ui::effects::Effects;
use slint::ComponentHandle;
use std::sync::Arc;

pub fn run(config: &Config, fullscreen: bool) -> Result<(), String> {
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
    let startup = Startup::prepare(config, None)?;
    let clock = Arc::new(SystemClock::new());
    let devices = DeviceSet::from_config(&config.devices, &config.printer, clock.clone())
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the background runtime: {e}"))?;
    let app = AppWindow::new().map_err(|e| format!("cannot open the window: {e}"))?;
    if fullscreen {
        app.window().set_fullscreen(true);
    }
    let mut controller = startup.controller(clock.clone());
    controller.queue_count = startup.store.call_blocking(|s| s.queue_len()).unwrap_or(0);
    let sync = crate::sync::service::start(config, &startup, clock, runtime.handle())?;
    // A catalogue installed from the portal replaces the list on screen at once (a session in
    // progress keeps the procedure it started).
    startup.catalogue_install.set_on_installed(|opened| {
        let catalogue = Arc::new(opened.catalogue.clone());
        let units = opened.units.clone().map(Arc::new);
        let _ = slint::invoke_from_event_loop(move || {
            crate::ui::deliver_to_current(crate::ui::effects::Outcome::CatalogueInstalled(
                catalogue, units,
            ))
        });
    });
    let mut effects = Effects::background(
        startup.store.clone(),
        devices.camera.clone(),
        runtime.handle().clone(),
    );
    let identity = crate::ui::effects::IdentityDevices::from_config(
        &config.identity,
        devices.card_reader.clone(),
    );
    controller.set_test_cards(identity.test_card_names());
    effects = effects.with_identity(identity);
    effects = effects.with_printing(crate::ui::effects::PrintDevices::from_config(
        &config.printer,
        devices.printer.clone(),
    )?);
    if let Some(sync) = &sync {
        effects = effects.with_sync_waker(sync.waker.clone());
        // The top bar follows the engine: online indicator and queue count.
        let mut status = sync.status.clone();
        runtime.spawn(async move {
            while status.changed().await.is_ok() {
                let s = *status.borrow_and_update();
                let _ = slint::invoke_from_event_loop(move || {
                    crate::ui::deliver_to_current(crate::ui::effects::Outcome::Sync(s))
                });
            }
        });
    }
    controller.set_volume(config.voice.volume.min(100) as u8);
    let kiosk = Kiosk::attach(&app, controller, effects);
    kiosk.set_voice(
        crate::ui::voice_guide::from_config(&config.voice),
        &config.kiosk.place,
        config.voice.speed,
    );
    let place = config.kiosk.place.clone();
    app.global::<crate::slint_generated::SessionAdapter>()
        .set_place(place.into());
    let _tick = kiosk.start_tick();
    app.run()
        .map_err(|e| format!("the window closed with an error: {e}"))
}
