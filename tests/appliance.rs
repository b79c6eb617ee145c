//! The appliance as a technician meets it: `xakiosk provision` against the reference portal
//! (atomic, with an exit code per failure), `xakiosk selftest` (a table, non-zero on failure),
//! the cabinet's pins (help button and door become alerts the portal receives; the status light
//! follows the health facts), the OpenMetrics endpoint, and systemd's ready/watchdog messages.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xakiosk::devices::gpio::events::CabinetEvent;
use xakiosk::devices::gpio::{Gpio, Input, PinMap, SimGpio};
use xakiosk::portal::{PortalDb, PortalState};

fn xakiosk(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The reference portal over real HTTP, enrollment token "good-token", with a sealing key of
/// its own (told to kiosks at enrollment).
fn portal(runtime: &tokio::runtime::Runtime, dir: &Path) -> (Arc<PortalDb>, String) {
    let db = Arc::new(PortalDb::open(&dir.join("portal.sqlite")).unwrap());
    let state = PortalState::new(db.clone(), "good-token").with_opener(
        xakiosk::protocol::sealing::Opener::from_base64(
            &xakiosk::protocol::sealing::Opener::generate().0,
        )
        .unwrap(),
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(xakiosk::portal::serve(
        listener,
        state,
        std::future::pending(),
    ));
    (db, base)
}

/// An address nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[test]
fn provisioning_writes_no_configuration_unless_the_portal_accepts_and_says_why() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (db, base) = portal(&runtime, dir.path());
    let config = dir.path().join("config.toml");
    let data = dir.path().join("data");
    let original = format!("[kiosk]\ndata_dir = \"{}\"\n", data.display());
    std::fs::write(&config, &original).unwrap();
    let cfg = config.to_str().unwrap();
    let provision = |portal: &str, token: &str, commune: &str| {
        xakiosk(&[
            "--config",
            cfg,
            "provision",
            "--portal",
            portal,
            "--token",
            token,
            "--commune",
            commune,
        ])
    };
    let layers = xakiosk::config::layers::LayerPaths::new(&config, false);
    let untouched = |what: &str| {
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            original,
            "{what}"
        );
        assert!(
            !layers.provisioned().exists(),
            "{what}: a provisioned layer was written"
        );
    };

    let (code, _, err) = provision(&base, "wrong-token", "00070");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("enrollment token"), "{err}");
    untouched("wrong token");
    // The device key was saved before the portal heard of it, and is kept for the next try.
    let first_key = xakiosk::appliance::device_key_file::load(&data.join("device.key"))
        .unwrap()
        .expect("saved before enrolling")
        .public_base64();

    let (code, _, err) = provision(&closed_port(), "good-token", "00070");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot connect"), "{err}");
    untouched("unreachable portal");

    let (code, _, err) = provision(&base, "good-token", "99999");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("commune"), "{err}");
    let (code, _, err) = provision("ftp://portal", "good-token", "00070");
    assert_eq!(code, 2, "{err}");
    untouched("bad arguments");
    assert!(db.devices().unwrap().is_empty());

    let (code, out, err) = provision(&base, "good-token", "00070");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Phường Hoàn Kiếm, Thành phố Hà Nội"), "{out}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
    let written = xakiosk::config::layers::load(&layers).config;
    assert_eq!(written.portal.url, base);
    assert_eq!(written.portal.token, "good-token");
    assert_eq!(written.kiosk.place, "Phường Hoàn Kiếm, Thành phố Hà Nội");
    assert_eq!(
        written.kiosk.data_dir,
        data.to_str().unwrap(),
        "other settings kept"
    );
    assert!(
        written.kiosk.id.starts_with("KIOSK-00070-"),
        "{}",
        written.kiosk.id
    );
    let key =
        xakiosk::appliance::device_key_file::load_or_create(&data.join("device.key")).unwrap();
    assert_eq!(key.public_base64(), first_key, "the same key all along");
    let devices = db.devices().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].kiosk_id, written.kiosk.id);
    assert_eq!(
        db.device_key(&written.kiosk.id).unwrap().as_deref(),
        Some(key.public_base64().as_str())
    );

    // Provisioning again (from the admin screen's QR code this time) keeps the key and the id.
    let qr = xakiosk::appliance::provision::ProvisionRequest {
        portal: base.clone(),
        token: "good-token".into(),
        commune: "00070".into(),
        kiosk_id: None,
        sealing_key: None,
        catalogue_key: None,
        admin_pin_hash: None,
        ssh_keys: None,
        allow_plain_http: false,
    }
    .to_qr();
    let (code, _, err) = xakiosk(&["--config", cfg, "provision", "--qr", &qr]);
    assert_eq!(code, 0, "{err}");
    let again = xakiosk::config::layers::load(&layers).config;
    assert_eq!(again.kiosk.id, written.kiosk.id);
    assert_eq!(db.devices().unwrap().len(), 1);

    // A damaged provisioned layer is replaced by a working one.
    std::fs::write(layers.provisioned(), "[kiosk\nid = ").unwrap();
    assert!(xakiosk::config::layers::load(&layers).fault.is_some());
    let (code, _, err) = provision(&base, "good-token", "00070");
    assert_eq!(code, 0, "{err}");
    assert!(xakiosk::config::layers::load(&layers).fault.is_none());

    // `config show` names where each value comes from.
    let (code, out, err) = xakiosk(&["--config", cfg, "config", "show"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("url = \"{base}\"  # provisioned")),
        "{out}"
    );
    assert!(out.contains("token = \"<hidden>\"  # provisioned"), "{out}");
    assert!(out.contains("warn_after_secs = 120  # default"), "{out}");
    // Offline with the portal's sealing key: the layer is written, enrollment comes later.
    let (code, out, err) = xakiosk(&[
        "--config",
        cfg,
        "provision",
        "--portal",
        &closed_port(),
        "--token",
        "good-token",
        "--commune",
        "00070",
        "--sealing-key",
        &xakiosk::protocol::sealing::Opener::generate().1,
        "--admin-pin",
        "135790",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("enrolls on its first contact"), "{out}");
    let offline = xakiosk::config::layers::load(&layers).config;
    assert!(xakiosk::core::pin_hash::verify_pin(
        &offline.admin.pin_hash,
        "135790"
    ));
    assert_eq!(offline.readiness(), Ok(()));
}

#[test]
fn selftest_prints_a_table_and_fails_on_what_is_broken() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_db, base) = portal(&runtime, dir.path());
    let config = dir.path().join("config.toml");
    let data = dir.path().join("data");
    let write = |portal: &str| {
        std::fs::write(
            &config,
            format!(
                "[kiosk]\ndata_dir = \"{}\"\n[portal]\nurl = \"{portal}\"\ntoken = \"good-token\"\n",
                data.display()
            ),
        )
        .unwrap()
    };
    let cfg = config.to_str().unwrap();

    write(&base);
    let (code, out, err) = xakiosk(&["--config", cfg, "selftest"]);
    assert_eq!(code, 0, "{out}{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in\n{out}"))
            .to_string()
    };
    assert!(out.starts_with("CHECK"), "{out}");
    for name in [
        "card reader",
        "printer",
        "camera",
        "gpio",
        "portal",
        "clock",
        "disk",
        "database",
    ] {
        assert!(line(name).contains(" ok "), "{}", line(name));
    }
    assert!(line("printer").contains("test page printed"));
    assert!(
        line("config").contains("WARN"),
        "development keys are flagged"
    );

    write(&closed_port());
    let (code, out, _) = xakiosk(&["--config", cfg, "selftest", "--no-print"]);
    assert_eq!(code, 1, "{out}");
    let portal_line = out.lines().find(|l| l.starts_with("portal")).unwrap();
    assert!(
        portal_line.contains("FAIL") && portal_line.contains("cannot connect"),
        "{out}"
    );

    std::fs::write(&config, "[devices]\nprinter = \n").unwrap();
    let (code, out, _) = xakiosk(&["--config", cfg, "selftest", "--no-print"]);
    assert_eq!(code, 1);
    let config_line = out.lines().find(|l| l.starts_with("config")).unwrap();
    assert!(
        config_line.contains("FAIL") && config_line.contains("line 2"),
        "{out}"
    );
}

fn store(dir: &Path) -> xakiosk::store::StoreHandle {
    let sealer = xakiosk::protocol::sealing::Sealer::from_base64(
        xakiosk::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
    )
    .unwrap();
    xakiosk::store::StoreHandle::spawn(
        xakiosk::store::Store::open(&dir.join("dossiers.sqlite"), sealer).unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn the_help_button_and_the_door_become_alerts_at_the_portal_and_the_light_follows_health() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let sim = Arc::new(Mutex::new(SimGpio::simulated(PinMap::default()).unwrap()));
    let gpio: Arc<Mutex<dyn Gpio>> = sim.clone();
    let health = xakiosk::appliance::health::Health::new();
    let clock = Arc::new(xakiosk::devices::clock::SimClock::new(chrono::Utc::now()));
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop) = tokio::sync::oneshot::channel::<()>();
    let cabinet =
        xakiosk::appliance::cabinet::Cabinet::new(gpio, health.clone(), store.clone(), clock);
    let running = tokio::spawn(cabinet.run(
        move |e| {
            let _ = events_tx.send(e);
        },
        async {
            let _ = stop.await;
        },
    ));
    let pin = |n: u8| sim.lock().unwrap().pins().output_level(n);
    let settle = || tokio::time::sleep(Duration::from_millis(200));
    settle().await;
    assert_eq!(pin(25), Some(true), "the printer is powered at start");
    assert_eq!(
        (pin(23), pin(24)),
        (Some(true), Some(true)),
        "offline: amber"
    );

    // A bounce shorter than the debounce time is nothing; a real press is one event.
    sim.lock().unwrap().pins().drive(27, false);
    tokio::time::sleep(Duration::from_millis(20)).await;
    sim.lock().unwrap().pins().release(27);
    settle().await;
    assert!(events.try_recv().is_err(), "a 20 ms glitch is not a press");
    sim.lock().unwrap().set_input(Input::HelpButton, true);
    settle().await;
    sim.lock().unwrap().set_input(Input::HelpButton, false);
    sim.lock().unwrap().set_input(Input::Tamper, true);
    settle().await;
    assert_eq!(events.recv().await, Some(CabinetEvent::HelpPressed));
    assert_eq!(events.recv().await, Some(CabinetEvent::DoorOpened));
    let s = health.snapshot();
    assert!(s.door_open);
    assert_eq!(s.help_requests, 1);
    assert_eq!(
        (pin(23), pin(24)),
        (Some(false), Some(true)),
        "door open: red"
    );
    sim.lock().unwrap().set_input(Input::Tamper, false);
    settle().await;
    assert_eq!(events.recv().await, Some(CabinetEvent::DoorClosed));
    assert_eq!(
        (pin(23), pin(24)),
        (Some(true), Some(true)),
        "closed again: amber"
    );
    stop_tx.send(()).unwrap();
    running.await.unwrap();

    let kinds: Vec<_> = store
        .call(|s| s.unsent_alerts())
        .await
        .unwrap()
        .into_iter()
        .map(|(_, kind, _)| kind.as_str())
        .collect();
    assert_eq!(kinds, ["assistance", "door_opened", "door_closed"]);

    // The next sync pass delivers them once; a second pass sends nothing again.
    let portal_db = Arc::new(PortalDb::open(&dir.path().join("portal.sqlite")).unwrap());
    let identity = xakiosk::sync::transport::KioskIdentity {
        kiosk_id: "KIOSK-GPIO".into(),
        key: xakiosk::protocol::signing::DeviceKey::generate().unwrap(),
        place: "test".into(),
        commune_code: String::new(),
    };
    let engine = xakiosk::sync::engine::SyncEngine::new(
        store.clone(),
        xakiosk::tools::in_process_portal::InProcessPortal::new(portal_db.clone(), identity),
        Arc::new(xakiosk::devices::clock::SimClock::new(chrono::Utc::now())),
        "KIOSK-GPIO",
    )
    .with_health(health.clone());
    engine.pass().await.unwrap();
    engine.pass().await.unwrap();
    let at_portal = portal_db.alerts(10).unwrap();
    assert_eq!(at_portal.len(), 3, "{at_portal:?}");
    assert!(at_portal.iter().all(|(kiosk, _, _)| kiosk == "KIOSK-GPIO"));
    assert!(store.call(|s| s.unsent_alerts()).await.unwrap().is_empty());
    assert!(health.snapshot().online);
}

/// The simulated cabinet, counting how often its inputs are read; `edges: false` hides its
/// edge signal (a backend that cannot tell, such as rppal).
struct CountingGpio {
    sim: Arc<Mutex<SimGpio>>,
    reads: Arc<std::sync::atomic::AtomicUsize>,
    edges: bool,
}

impl Gpio for CountingGpio {
    fn read(&mut self, input: Input) -> Result<bool, xakiosk::devices::DeviceError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.sim.lock().unwrap().read(input)
    }
    fn write(
        &mut self,
        output: xakiosk::devices::gpio::Output,
        on: bool,
    ) -> Result<(), xakiosk::devices::DeviceError> {
        self.sim.lock().unwrap().write(output, on)
    }
    fn output(&self, output: xakiosk::devices::gpio::Output) -> bool {
        self.sim.lock().unwrap().output(output)
    }
    fn edge_signals(&mut self) -> Result<Vec<std::os::fd::OwnedFd>, xakiosk::devices::DeviceError> {
        if self.edges {
            self.sim.lock().unwrap().edge_signals()
        } else {
            Ok(Vec::new())
        }
    }
    fn clear_edges(&mut self) -> Result<(), xakiosk::devices::DeviceError> {
        self.sim.lock().unwrap().clear_edges()
    }
}

/// Runs a cabinet over `CountingGpio` for `check`, which gets the simulated pins, the read
/// counter and the events.
async fn with_counted_cabinet(
    edges: bool,
    check: impl AsyncFnOnce(
        Arc<Mutex<SimGpio>>,
        Arc<std::sync::atomic::AtomicUsize>,
        tokio::sync::mpsc::UnboundedReceiver<CabinetEvent>,
    ),
) {
    let dir = tempfile::tempdir().unwrap();
    let sim = Arc::new(Mutex::new(SimGpio::simulated(PinMap::default()).unwrap()));
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gpio: Arc<Mutex<dyn Gpio>> = Arc::new(Mutex::new(CountingGpio {
        sim: sim.clone(),
        reads: reads.clone(),
        edges,
    }));
    let clock = Arc::new(xakiosk::devices::clock::SimClock::new(chrono::Utc::now()));
    let cabinet = xakiosk::appliance::cabinet::Cabinet::new(
        gpio,
        xakiosk::appliance::health::Health::new(),
        store(dir.path()),
        clock,
    );
    let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(cabinet.run(
        move |e| {
            let _ = events_tx.send(e);
        },
        async {
            let _ = stop.await;
        },
    ));
    check(sim, reads, events).await;
    stop_tx.send(()).unwrap();
    running.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn with_edge_events_the_cabinet_reads_its_pins_only_when_one_changes() {
    use std::sync::atomic::Ordering::SeqCst;
    with_counted_cabinet(true, async |sim, reads, mut events| {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_start = reads.load(SeqCst);
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert_eq!(
            reads.load(SeqCst),
            idle_start,
            "ten quiet minutes, no sampling"
        );
        sim.lock().unwrap().set_input(Input::HelpButton, true);
        assert_eq!(events.recv().await, Some(CabinetEvent::HelpPressed));
        sim.lock().unwrap().set_input(Input::HelpButton, false);
        sim.lock().unwrap().set_input(Input::Tamper, true);
        assert_eq!(events.recv().await, Some(CabinetEvent::DoorOpened));
        // Sampled while each change settled (the debounce time), then quiet again.
        let settled = reads.load(SeqCst);
        assert!(settled > idle_start, "the changes were read");
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert_eq!(reads.load(SeqCst), settled, "quiet again once decided");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn without_edge_events_the_cabinet_samples_its_pins() {
    use std::sync::atomic::Ordering::SeqCst;
    with_counted_cabinet(false, async |sim, reads, mut events| {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = reads.load(SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(reads.load(SeqCst) > before, "polled while idle");
        sim.lock().unwrap().set_input(Input::Presence, true);
        assert_eq!(events.recv().await, Some(CabinetEvent::PersonArrived));
    })
    .await;
}

#[test]
fn the_metrics_endpoint_reports_queue_devices_and_errors_in_openmetrics() {
    let dir = tempfile::tempdir().unwrap();
    // Two dossiers in the queue, written by the power-cut test's writer.
    let db = dir.path().join("dossiers.sqlite");
    let (code, _, err) = xakiosk(&["crash-writer", db.to_str().unwrap(), "--limit", "2"]);
    assert_eq!(code, 0, "{err}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let store = store(dir.path());
    let health = xakiosk::appliance::health::Health::new();
    health.record_printer(xakiosk::devices::printer::PrinterStatus::PaperOut);
    health.update(|s| s.door_open = true);
    let clock = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let app = xakiosk::appliance::health_endpoint::router(health, store, clock);
    runtime.spawn(async move { axum::serve(listener, app).await });
    let (content_type, body) = runtime.block_on(async {
        let r = reqwest::get(&url).await.unwrap();
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        (ct, r.text().await.unwrap())
    });
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    let value = |series: &str| -> f64 {
        body.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{series} missing from\n{body}"))
            .parse()
            .unwrap()
    };
    assert_eq!(value("xakiosk_queue_depth"), 2.0);
    assert!(value("xakiosk_oldest_queued_age_seconds") >= 0.0);
    assert_eq!(value("xakiosk_printer_state{state=\"paper_out\"}"), 1.0);
    assert_eq!(value("xakiosk_printer_state{state=\"ready\"}"), 0.0);
    assert_eq!(value("xakiosk_errors_total{kind=\"print\"}"), 1.0);
    assert_eq!(value("xakiosk_errors_total{kind=\"sync\"}"), 0.0);
    assert_eq!(value("xakiosk_door_open"), 1.0);
    assert_eq!(value("xakiosk_last_successful_sync_timestamp_seconds"), 0.0);
    assert!(body.contains("# TYPE xakiosk_errors counter"), "{body}");
    assert!(!body.contains("Nguyễn"), "no personal data");
}

#[test]
// Setting the environment is `unsafe` in Rust 2024: no other thread of this test binary reads it.
#[allow(unsafe_code)]
fn systemd_hears_ready_then_the_watchdog_at_half_its_period() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // This is the only test in this binary that reads these variables.
    unsafe {
        std::env::set_var("NOTIFY_SOCKET", &path);
        std::env::set_var("WATCHDOG_USEC", "20000000");
        std::env::set_var("WATCHDOG_PID", std::process::id().to_string());
    }
    let w = xakiosk::appliance::watchdog::Watchdog::from_env().expect("run by systemd");
    assert_eq!(w.feed_every(), Some(Duration::from_secs(10)));
    w.ready();
    w.feed();
    let mut buf = [0u8; 256];
    let n = socket.recv(&mut buf).unwrap();
    let first = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(first.lines().any(|l| l == "READY=1"), "{first}");
    let n = socket.recv(&mut buf).unwrap();
    assert_eq!(String::from_utf8_lossy(&buf[..n]).trim(), "WATCHDOG=1");
    unsafe {
        std::env::remove_var("NOTIFY_SOCKET");
        std::env::remove_var("WATCHDOG_USEC");
        std::env::remove_var("WATCHDOG_PID");
    }
    assert!(xakiosk::appliance::watchdog::Watchdog::from_env().is_none());
}

#[test]
fn the_admin_screen_provisions_from_a_qr_code_held_to_the_camera() {
    use xakiosk::app::admin_actions::{AdminDevices, perform};
    use xakiosk::session::admin_panel::AdminAction;
    use xakiosk::session::admin_panel::AdminResult;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (db, base) = portal(&runtime, dir.path());
    let config_path = dir.path().join("config.toml");
    let data = dir.path().join("data");
    let mut config = xakiosk::config::Config::default();
    config.kiosk.data_dir = data.display().to_string();
    std::fs::write(&config_path, toml::to_string(&config).unwrap()).unwrap();
    let layers = xakiosk::config::layers::LayerPaths::new(&config_path, false);
    let camera = Arc::new(Mutex::new(xakiosk::devices::camera::SimCamera::new(
        1280, 720,
    )));
    let devices = Arc::new(AdminDevices {
        config,
        layers: layers.clone(),
        gpio: Arc::new(Mutex::new(SimGpio::simulated(PinMap::default()).unwrap())),
        camera: camera.clone(),
    });
    let act = |action| {
        let result = runtime.block_on(perform(
            action,
            devices.clone(),
            xakiosk::appliance::health::Health::new(),
            store(dir.path()),
            None,
            None,
        ));
        match result {
            AdminResult::Done(r) => r,
            AdminResult::Refreshed(..) => panic!("not a refresh"),
        }
    };

    // Nothing in front of the camera, then another kind of QR code: clear refusals.
    let err = act(AdminAction::ProvisionFromQr).unwrap_err();
    assert!(err.contains("no QR code seen"), "{err}");
    camera
        .lock()
        .unwrap()
        .hold_card(Some("XKR1:not-a-provisioning-code".into()));
    let err = act(AdminAction::ProvisionFromQr).unwrap_err();
    assert!(err.contains("not a kiosk provisioning code"), "{err}");

    let qr = xakiosk::appliance::provision::ProvisionRequest {
        portal: base.clone(),
        token: "good-token".into(),
        commune: "00070".into(),
        kiosk_id: Some("KIOSK-HK-07".into()),
        sealing_key: None,
        catalogue_key: None,
        admin_pin_hash: None,
        ssh_keys: None,
        allow_plain_http: false,
    }
    .to_qr();
    camera.lock().unwrap().hold_card(Some(qr));
    let done = act(AdminAction::ProvisionFromQr).unwrap();
    assert!(done.contains("KIOSK-HK-07"), "{done}");
    let written = xakiosk::config::layers::load(&layers).config;
    assert_eq!(written.kiosk.id, "KIOSK-HK-07");
    assert_eq!(written.portal.url, base);
    assert_eq!(db.devices().unwrap()[0].kiosk_id, "KIOSK-HK-07");

    // Network settings the same way: a static address for the wired interface.
    let settings = xakiosk::appliance::network_settings::NetworkSettings {
        dhcp: false,
        address: "10.20.30.40/24".into(),
        gateway: "10.20.30.1".into(),
        dns: vec!["10.20.30.1".into()],
    };
    camera.lock().unwrap().hold_card(Some(settings.to_qr()));
    let done = act(AdminAction::NetworkFromQr).unwrap();
    assert!(done.contains("10.20.30.40/24"), "{done}");
    // The kiosk only leaves a request; root (`xakiosk apply-network`) checks it and writes the
    // networkd file where the kiosk user cannot.
    let request = data.join(xakiosk::appliance::network_settings::REQUEST_FILE);
    let rendered = dir.path().join("system/network/10-admin.network");
    let (code, out, err) = xakiosk(&[
        "apply-network",
        "--request",
        request.to_str().unwrap(),
        "--out",
        rendered.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("10.20.30.40/24"), "{out}");
    let file = std::fs::read_to_string(&rendered).unwrap();
    assert!(file.contains("Address=10.20.30.40/24") && file.contains("Gateway=10.20.30.1"));
    camera
        .lock()
        .unwrap()
        .hold_card(Some("XAKN1:{\"address\":\"10.0.0.1\"}".into()));
    let err = act(AdminAction::NetworkFromQr).unwrap_err();
    assert!(err.contains("prefix"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&request).unwrap(),
        settings.to_qr(),
        "a bad code leaves the settings as they were"
    );
    // A request tampered with on the data partition is refused by root, the file kept.
    std::fs::write(
        &request,
        "XAKN1:{\"address\":\"10.0.0.1/24\",\"gateway\":\"x\\n[Match]\"}",
    )
    .unwrap();
    let (code, _, err) = xakiosk(&[
        "apply-network",
        "--request",
        request.to_str().unwrap(),
        "--out",
        rendered.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("gateway"), "{err}");
    assert_eq!(std::fs::read_to_string(&rendered).unwrap(), file);
}

#[test]
fn cabinet_pins_that_cannot_be_opened_do_not_stop_the_kiosk() {
    // Two roles on one pin: the pins cannot be set up, as on a machine without them.
    let mut config = xakiosk::config::Config::default();
    config.gpio.light_red = config.gpio.presence;
    let clock = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let strict = xakiosk::app::device_set::DeviceSet::from_config(&config, clock.clone());
    assert!(strict.is_err(), "selftest reports it");
    let (set, missing) = xakiosk::app::device_set::DeviceSet::for_kiosk(&config, clock).unwrap();
    assert_eq!(missing.len(), 1, "the error comes back beside the devices");
    assert_eq!(missing[0].device(), "gpio");
    let mut gpio = set.gpio.lock().unwrap();
    let err = gpio.read(Input::HelpButton).unwrap_err();
    assert!(err.to_string().contains("GPIO17"), "{err}");
    assert!(
        set.printer.lock().unwrap().status().is_ok(),
        "the rest works"
    );
}
