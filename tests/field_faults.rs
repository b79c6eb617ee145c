//! The kiosk a technician installs, and the faults of the field: a configuration layer with a
//! typo, provisioning on a read-only configuration, with no network, under a new kiosk id, to
//! a second portal, a device-key rotation, a device key that cannot be read, a damaged
//! database. Each time no dossier is lost, stranded, sealed to the development key or handed
//! to anything but the configured portal — over real HTTP with the reference portal.

use std::path::Path;
use std::sync::Arc;
use xakiosk::app::startup::Startup;
use xakiosk::appliance::provision::{ProvisionRequest, provision};
use xakiosk::config::layers::{self, LayerPaths, Mode};
use xakiosk::core::dossier::DossierDraft;
use xakiosk::devices::clock::{Clock, SystemClock};
use xakiosk::portal::{PortalDb, PortalState};
use xakiosk::protocol::receipt::Receipt;
use xakiosk::protocol::sealed_content::seal_context;
use xakiosk::protocol::sealing::Opener;
use xakiosk::store::StoreError;

fn units() -> xakiosk::core::address::AdminUnits {
    xakiosk::app::assets::load_admin_units(
        &xakiosk::app::assets::assets_dir().join("admin-units/units-2025.tsv"),
    )
    .unwrap()
}

/// The reference portal over HTTP on loopback with its own sealing key.
fn portal(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    name: &str,
    token: &str,
    opener_key: &str,
) -> (Arc<PortalDb>, String) {
    let db = Arc::new(PortalDb::open(&dir.join(format!("{name}.sqlite"))).unwrap());
    let state =
        PortalState::new(db.clone(), token).with_opener(Opener::from_base64(opener_key).unwrap());
    let base = xakiosk::portal::spawn_on_loopback(runtime.handle(), state).unwrap();
    (db, base)
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn request(portal: &str, token: &str, kiosk_id: &str) -> ProvisionRequest {
    ProvisionRequest {
        portal: portal.into(),
        token: token.into(),
        commune: "00070".into(),
        kiosk_id: Some(kiosk_id.into()),
        sealing_key: None,
        catalogue_key: None,
        admin_pin_hash: None,
        ssh_keys: None,
        allow_plain_http: false,
    }
}

fn draft(i: u32) -> DossierDraft {
    xakiosk::cli::test_dossier::made_up("dang-ky-tam-tru", 1, &format!("Trần Văn Bình {i}"))
}

/// Starts the kiosk on its layers as `xakiosk` does (without the window).
fn start(paths: &LayerPaths) -> (layers::Effective, Startup) {
    let effective = layers::load(paths);
    let startup = Startup::prepare(&effective.config, None).unwrap();
    (effective, startup)
}

fn submit(startup: &Startup, n: u32) -> Vec<uuid::Uuid> {
    (0..n)
        .map(|i| {
            let d = draft(i);
            let id = d.id;
            startup
                .store
                .call_blocking(move |s| s.submit(&d, &[], chrono::Utc::now()))
                .unwrap();
            id
        })
        .collect()
}

/// Runs the kiosk's sync engine against its configured portal until the queue is empty.
fn drain(runtime: &tokio::runtime::Runtime, effective: &layers::Effective, startup: &Startup) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let engine = xakiosk::app::sync_service::engine(
        &effective.config,
        startup,
        &effective.config.portal.url,
        clock,
        startup.device_key.clone().unwrap(),
    )
    .unwrap();
    for _ in 0..3 {
        runtime.block_on(engine.pass()).unwrap();
        if startup.store.call_blocking(|s| s.queue_len()).unwrap() == 0 {
            return;
        }
    }
    let queue = startup.store.call_blocking(|s| s.queue_view(10)).unwrap();
    panic!("the queue did not drain: {queue:?}");
}

/// What the portal received for these dossier ids: each exactly once, its receipt genuine and
/// about exactly what arrived, its answers opening with the portal's key.
fn assert_received_once(db: &PortalDb, ids: &[uuid::Uuid], opener: &Opener, signed_as: &str) {
    let received = db.list(1000).unwrap();
    for id in ids {
        let copies: Vec<_> = received.iter().filter(|r| r.id == id.to_string()).collect();
        assert_eq!(copies.len(), 1, "dossier {id} received exactly once");
        let upload = &copies[0].upload;
        let receipt = Receipt::parse(upload.receipt.as_deref().unwrap()).unwrap();
        receipt.verify().unwrap();
        assert_eq!(receipt.kiosk_id, signed_as, "the id it was taken under");
        let sealed = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            &upload.sealed_answers,
        )
        .unwrap();
        let clear = opener.open(&sealed, &seal_context(*id, "answers")).unwrap();
        assert!(String::from_utf8_lossy(&clear).contains("Trần Văn Bình"));
    }
}

fn appliance_layout(dir: &Path) -> LayerPaths {
    let etc = dir.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let file = etc.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[kiosk]\ndata_dir = \"{}\"\n[portal]\nurl = \"\"\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    LayerPaths::new(&file, false)
}

/// A kiosk provisioned (online) as `kiosk_id` to a reference portal of its own.
struct Provisioned {
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    paths: LayerPaths,
    /// The portal's private sealing key.
    private: String,
    db: Arc<PortalDb>,
    base: String,
}

fn provisioned(kiosk_id: &str) -> Provisioned {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = appliance_layout(dir.path());
    let (private, _) = Opener::generate();
    let (db, base) = portal(&runtime, dir.path(), "portal", "token-1", &private);
    runtime
        .block_on(provision(
            &paths,
            &request(&base, "token-1", kiosk_id),
            &units(),
        ))
        .unwrap();
    Provisioned {
        runtime,
        dir,
        paths,
        private,
        db,
        base,
    }
}

#[test]
fn queued_dossiers_survive_provisioning_re_provisioning_and_a_key_rotation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = appliance_layout(dir.path());
    let (private, public) = Opener::generate();
    let opener = Opener::from_base64(&private).unwrap();

    // Unprovisioned: the kiosk takes nothing.
    let (_, unprovisioned) = start(&paths);
    assert!(unprovisioned.not_set_up.is_some());
    let refused = unprovisioned
        .store
        .call_blocking(|s| s.submit(&draft(0), &[], chrono::Utc::now()));
    assert!(
        matches!(refused, Err(StoreError::NotSetUp(_))),
        "{refused:?}"
    );
    drop(unprovisioned);

    // Provisioned with no network, from a code that carries the portal's keys: it takes
    // dossiers at once under KIOSK-A.
    let offline = ProvisionRequest {
        sealing_key: Some(public.clone()),
        ..request(&closed_port(), "token-1", "KIOSK-A")
    };
    let done = runtime
        .block_on(provision(&paths, &offline, &units()))
        .unwrap();
    assert_eq!(done.enrolled_at, None, "it enrolls on first contact");
    let (effective, startup) = start(&paths);
    assert_eq!(startup.not_set_up, None);
    let taken_as_a = submit(&startup, 3);
    drop(startup);

    // Provisioned to the portal under a new id: the three arrive once, receipts still good.
    let (portal1, base1) = portal(&runtime, dir.path(), "portal-1", "token-1", &private);
    runtime
        .block_on(provision(
            &paths,
            &request(&base1, "token-1", "KIOSK-B"),
            &units(),
        ))
        .unwrap();
    let (effective_b, startup) = start(&paths);
    assert_ne!(effective_b.config.kiosk.id, effective.config.kiosk.id);
    let taken_as_b = submit(&startup, 2);
    drain(&runtime, &effective_b, &startup);
    assert_received_once(&portal1, &taken_as_a, &opener, "KIOSK-A");
    assert_received_once(&portal1, &taken_as_b, &opener, "KIOSK-B");
    assert_eq!(portal1.received_count().unwrap(), 5);

    // Two more wait when the kiosk moves to a second portal (the province's new address,
    // keeping its sealing key) under another id.
    let waiting = submit(&startup, 2);
    drop(startup);
    let (portal2, base2) = portal(&runtime, dir.path(), "portal-2", "token-2", &private);
    runtime
        .block_on(provision(
            &paths,
            &request(&base2, "token-2", "KIOSK-C"),
            &units(),
        ))
        .unwrap();
    let (effective_c, startup) = start(&paths);
    drain(&runtime, &effective_c, &startup);
    assert_received_once(&portal2, &waiting, &opener, "KIOSK-B");
    assert_eq!(portal2.received_count().unwrap(), 2);
    assert_eq!(
        portal1.received_count().unwrap(),
        5,
        "nothing went to the old portal"
    );

    // Two more wait when the device key is replaced: the old key hands over to the new one.
    let before_rotation = submit(&startup, 2);
    let old_key = startup.device_key.clone().unwrap().public_base64();
    drop(startup);
    let new_key =
        xakiosk::appliance::device_key_file::rotate(&paths.data_dir.join("device.key")).unwrap();
    let (effective_c, startup) = start(&paths);
    assert_eq!(
        startup.device_key.as_ref().unwrap().public_base64(),
        new_key.public_base64()
    );
    let after_rotation = submit(&startup, 1);
    drain(&runtime, &effective_c, &startup);
    assert_received_once(&portal2, &before_rotation, &opener, "KIOSK-C");
    assert_received_once(&portal2, &after_rotation, &opener, "KIOSK-C");
    assert_eq!(
        portal2.device_key("KIOSK-C").unwrap(),
        Some(new_key.public_base64()),
        "the enrollment moved to the new key"
    );
    assert_ne!(old_key, new_key.public_base64());
}

#[test]
fn a_typo_in_the_configuration_never_starts_the_built_in_portal_or_drops_a_dossier() {
    let Provisioned {
        runtime,
        dir: _dir,
        paths,
        private,
        db: portal1,
        base,
    } = provisioned("KIOSK-T");
    // The kiosk ran once on it (and kept it as the last good configuration), took two
    // dossiers while the portal was away.
    let (effective, startup) = start(&paths);
    layers::remember_last_good(&effective).unwrap();
    let queued = submit(&startup, 2);
    drop(startup);

    // A technician adds a misspelt key to the configuration file, with the development layer
    // asked for too.
    let text = std::fs::read_to_string(&paths.file).unwrap();
    std::fs::write(&paths.file, format!("{text}\n[session]\nwarn_after = 90\n")).unwrap();
    let broken = LayerPaths {
        development: true,
        ..paths.clone()
    };
    let effective = layers::load(&broken);
    assert_eq!(effective.mode, Mode::LastGood);
    assert!(effective.fault.as_deref().unwrap().contains("warn_after"));
    assert_eq!(
        effective.config.portal.url, base,
        "the configured portal, not builtin"
    );
    assert_ne!(
        effective.config.portal.public_key,
        xakiosk::protocol::sealing::DEVELOPMENT_PUBLIC_KEY
    );
    // It delivers to the configured portal only.
    let startup = Startup::prepare(&effective.config, None).unwrap();
    let health = xakiosk::appliance::health::Health::new();
    let handles = xakiosk::app::sync_service::start(
        &effective.config,
        &startup,
        Arc::new(SystemClock::new()),
        health.clone(),
        runtime.handle(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(handles.builtin_portal, None);
    drain(&runtime, &effective, &startup);
    assert_received_once(
        &portal1,
        &queued,
        &Opener::from_base64(&private).unwrap(),
        "KIOSK-T",
    );

    // With no last good configuration, the same typo is queue-only: no sync at all, no
    // built-in portal, no new dossier, the queue kept.
    std::fs::remove_file(paths.last_good()).unwrap();
    let effective = layers::load(&broken);
    assert_eq!(effective.mode, Mode::QueueOnly);
    let startup = Startup::prepare(&effective.config, None).unwrap();
    assert!(startup.not_set_up.is_some());
    let none = xakiosk::app::sync_service::start(
        &effective.config,
        &startup,
        Arc::new(SystemClock::new()),
        health.clone(),
        runtime.handle(),
    )
    .unwrap();
    assert!(none.is_none(), "no engine, no built-in portal");
    assert!(matches!(
        startup
            .store
            .call_blocking(|s| s.submit(&draft(9), &[], chrono::Utc::now())),
        Err(StoreError::NotSetUp(_))
    ));
    assert_eq!(
        startup.store.call_blocking(|s| s.dossier_count()).unwrap(),
        2
    );
    // The fault is in the metrics.
    health.update(|h| h.config_fault = effective.fault.clone());
    let metrics = xakiosk::appliance::health_endpoint::render(
        &health.snapshot(),
        Default::default(),
        chrono::Utc::now(),
    );
    assert!(metrics.contains("xakiosk_config_fault 1"), "{metrics}");
}

#[test]
fn provisioning_writes_only_the_provisioned_layer_beside_a_read_only_configuration() {
    use std::os::unix::fs::PermissionsExt;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = appliance_layout(dir.path());
    let etc = paths.file.parent().unwrap().to_path_buf();
    let before = std::fs::read(&paths.file).unwrap();
    std::fs::set_permissions(&etc, std::fs::Permissions::from_mode(0o555)).unwrap();
    let (private, public) = Opener::generate();
    let (_, base) = portal(&runtime, dir.path(), "portal", "token-1", &private);
    let done = runtime
        .block_on(provision(
            &paths,
            &ProvisionRequest {
                admin_pin_hash: Some(xakiosk::core::assist::pin_hash("246810", [3; 16])),
                ..request(&base, "token-1", "KIOSK-RO")
            },
            &units(),
        ))
        .unwrap();
    std::fs::set_permissions(&etc, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(std::fs::read(&paths.file).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(&etc).unwrap().count(),
        1,
        "nothing new in /etc"
    );
    assert_eq!(done.layer_path, paths.provisioned());
    let mode = std::fs::metadata(&done.layer_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the provisioned layer is owner-only");
    let effective = layers::load(&paths);
    assert_eq!(effective.config.portal.public_key, public);
    assert_eq!(effective.config.kiosk.id, "KIOSK-RO");
    assert_eq!(effective.sources["portal.url"], layers::Source::Provisioned);
    assert!(xakiosk::core::pin_hash::verify_pin(
        &effective.config.admin.pin_hash,
        "246810"
    ));
    let shown = layers::show(&effective);
    assert!(shown.contains("# provisioned"), "{shown}");
    assert!(!shown.contains("token-1"), "the token is not printed");
}

#[test]
fn a_device_key_that_cannot_be_read_is_never_replaced() {
    let Provisioned {
        runtime,
        dir: _dir,
        paths,
        private,
        db,
        base,
    } = provisioned("KIOSK-K");
    let (_, startup) = start(&paths);
    let queued = submit(&startup, 1);
    let enrolled = db.device_key("KIOSK-K").unwrap().unwrap();
    drop(startup);

    // The key file becomes unreadable (a folder in its place: unreadable even for root).
    let key_path = paths.data_dir.join("device.key");
    let saved = std::fs::read(&key_path).unwrap();
    std::fs::remove_file(&key_path).unwrap();
    std::fs::create_dir(&key_path).unwrap();
    let (effective, startup) = start(&paths);
    assert!(startup.device_key.is_none());
    assert!(startup.not_set_up.is_some(), "no new dossier without a key");
    assert!(startup.faults.iter().any(|f| f.contains("device key")));
    assert!(key_path.is_dir(), "left as it was");
    assert!(
        xakiosk::app::sync_service::start(
            &effective.config,
            &startup,
            Arc::new(SystemClock::new()),
            xakiosk::appliance::health::Health::new(),
            runtime.handle(),
        )
        .unwrap()
        .is_none(),
        "no sync without the key"
    );
    assert_eq!(startup.store.call_blocking(|s| s.queue_len()).unwrap(), 1);
    // Provisioning refuses too, and leaves it.
    let refused = runtime.block_on(provision(
        &paths,
        &request(&base, "token-1", "KIOSK-K"),
        &units(),
    ));
    assert_eq!(refused.unwrap_err().exit_code(), 5);
    assert!(key_path.is_dir());
    drop(startup);

    // Fixed: the same key is back and the queued dossier goes.
    std::fs::remove_dir(&key_path).unwrap();
    std::fs::write(&key_path, &saved).unwrap();
    let (effective, startup) = start(&paths);
    assert_eq!(
        startup.device_key.as_ref().unwrap().public_base64(),
        enrolled
    );
    drain(&runtime, &effective, &startup);
    assert_received_once(
        &db,
        &queued,
        &Opener::from_base64(&private).unwrap(),
        "KIOSK-K",
    );
}

#[test]
fn a_damaged_database_is_kept_byte_for_byte_and_the_kiosk_starts() {
    let Provisioned {
        runtime,
        dir,
        paths,
        ..
    } = provisioned("KIOSK-D");
    let database = paths.data_dir.join("dossiers.sqlite");
    let damaged: Vec<u8> = b"SQLite format 3\0"
        .iter()
        .copied()
        .chain((0..40_000u32).map(|i| (i * 31 % 253) as u8))
        .collect();
    std::fs::write(&database, &damaged).unwrap();
    let (_, startup) = start(&paths);
    assert!(
        startup
            .faults
            .iter()
            .any(|f| f.contains("damaged") && f.contains("kept as")),
        "{:?}",
        startup.faults
    );
    let aside = xakiosk::store::set_aside::list(&paths.data_dir);
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), damaged);
    // The fresh database takes dossiers.
    assert_eq!(submit(&startup, 1).len(), 1);
    assert_eq!(
        startup.store.call_blocking(|s| s.dossier_count()).unwrap(),
        1
    );
    // The technician exports it with the logs from the admin screen.
    let usb = dir.path().join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let mut config = layers::load(&paths).config;
    config.admin.log_export_dir = usb.display().to_string();
    let gpio = xakiosk::devices::gpio::SimGpio::simulated(config.gpio).unwrap();
    let devices = Arc::new(xakiosk::app::admin_actions::AdminDevices {
        config,
        layers: paths.clone(),
        gpio: Arc::new(std::sync::Mutex::new(gpio)),
        camera: Arc::new(std::sync::Mutex::new(
            xakiosk::devices::camera::SimCamera::new(640, 360),
        )),
    });
    let exported = runtime.block_on(xakiosk::app::admin_actions::perform(
        xakiosk::session::admin_panel::AdminAction::ExportLogs,
        devices,
        xakiosk::appliance::health::Health::new(),
        startup.store.clone(),
        None,
        None,
    ));
    let xakiosk::session::admin_panel::AdminResult::Done(Ok(message)) = exported else {
        panic!("the export failed");
    };
    assert!(message.contains("1 damaged database"), "{message}");
    let name = aside[0].file_name().unwrap();
    assert_eq!(std::fs::read(usb.join(name)).unwrap(), damaged);
}

#[test]
fn a_sealing_key_rotation_reaches_the_kiosk_signed_and_old_dossiers_still_open() {
    use xakiosk::protocol::sealing::{KeyRing, Sealer};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = appliance_layout(dir.path());
    let (old_private, old_public) = Opener::generate();
    let (new_private, new_public) = Opener::generate();
    let catalogue_key = xakiosk::protocol::signing::DeviceKey::from_seed([21; 32]);
    let db = Arc::new(PortalDb::open(&dir.path().join("portal.sqlite")).unwrap());
    let serve = |ring: KeyRing| {
        let state = PortalState::new(db.clone(), "token-1")
            .with_key_ring(ring)
            .with_catalogue_key(&catalogue_key.public_base64());
        xakiosk::portal::spawn_on_loopback(runtime.handle(), state).unwrap()
    };
    let old = || Opener::from_base64(&old_private).unwrap();
    let new = || Opener::from_base64(&new_private).unwrap();
    let before = serve(KeyRing::new(old(), Vec::new()));
    runtime
        .block_on(provision(
            &paths,
            &request(&before, "token-1", "KIOSK-R"),
            &units(),
        ))
        .unwrap();
    let (effective, startup) = start(&paths);
    assert_eq!(effective.config.portal.public_key, old_public);
    let sealed_to_old = submit(&startup, 2);
    drop(startup);

    // The province rotates: the portal keeps the old key in its ring and announces the new
    // one in a catalogue signed with the catalogue key the kiosk was provisioned with.
    let mut bundle = xakiosk::app::assets::catalogue_bundle_from_files(
        &xakiosk::app::assets::assets_dir().join("procedures"),
        None,
        None,
        1,
    )
    .unwrap();
    bundle.sealing_public_key = Some(new_public.clone());
    db.publish_catalogue(&xakiosk::protocol::catalogue_bundle::sign(
        &bundle,
        &catalogue_key,
    ))
    .unwrap();
    let after = serve(KeyRing::new(new(), vec![old()]));
    let mut effective = effective;
    effective.config.portal.url = after.clone();
    let (_, startup) = start(&paths);
    drain(&runtime, &effective, &startup);
    let ring = KeyRing::new(new(), vec![old()]);
    let opens = |ids: &[uuid::Uuid], key_id: &str| {
        for r in db.list(100).unwrap() {
            if let Some(id) = ids.iter().find(|id| id.to_string() == r.id) {
                let sealed = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    &r.upload.sealed_answers,
                )
                .unwrap();
                assert_eq!(
                    xakiosk::protocol::sealing::sealed_key_id(&sealed).as_deref(),
                    Some(key_id)
                );
                ring.open(&sealed, &seal_context(*id, "answers")).unwrap();
            }
        }
    };
    opens(
        &sealed_to_old,
        &Sealer::from_base64(&old_public).unwrap().key_id(),
    );
    // The pass installed the catalogue: new dossiers are sealed to the new key, now and after
    // a restart.
    let sealed_to_new = submit(&startup, 1);
    drop(startup);
    let (_, restarted) = start(&paths);
    let after_restart = submit(&restarted, 1);
    drain(&runtime, &effective, &restarted);
    let new_id = Sealer::from_base64(&new_public).unwrap().key_id();
    opens(&sealed_to_new, &new_id);
    opens(&after_restart, &new_id);
    assert_eq!(db.received_count().unwrap(), 4);

    // A portal that no longer holds the old key refuses what is sealed to it; the kiosk keeps
    // the dossier and says why.
    drop(restarted);
    let stale = Sealer::from_base64(&old_public).unwrap();
    let (_, startup) = start(&paths);
    let id = {
        let d = draft(7);
        let id = d.id;
        let store = startup.store.clone();
        store
            .call_blocking(move |s| {
                s.set_sealer(stale);
                s.submit(&d, &[], chrono::Utc::now())
            })
            .unwrap();
        id
    };
    let only_new = serve(KeyRing::new(new(), Vec::new()));
    effective.config.portal.url = only_new;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let engine = xakiosk::app::sync_service::engine(
        &effective.config,
        &startup,
        &effective.config.portal.url,
        clock,
        startup.device_key.clone().unwrap(),
    )
    .unwrap();
    runtime.block_on(engine.pass()).unwrap();
    let queue = startup.store.call_blocking(|s| s.queue_view(10)).unwrap();
    assert_eq!(queue.len(), 1, "kept");
    assert!(
        queue[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("does not hold"),
        "{queue:?}"
    );
    assert!(db.list(100).unwrap().iter().all(|r| r.id != id.to_string()));
}

#[test]
fn once_enrolled_the_kiosk_no_longer_needs_its_enrollment_token() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = appliance_layout(dir.path());
    let (private, _) = Opener::generate();
    let db = Arc::new(PortalDb::open(&dir.path().join("portal.sqlite")).unwrap());
    // The portal at one address, taking `token` until `stop` fires.
    let serve = |addr: &str, token: &str| {
        let state =
            PortalState::new(db.clone(), token).with_opener(Opener::from_base64(&private).unwrap());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(xakiosk::portal::serve(listener, state, async {
            let _ = stopped.await;
        }));
        (base, stop, server)
    };
    let (base, stop, server) = serve("127.0.0.1:0", "one-time");
    runtime
        .block_on(provision(
            &paths,
            &request(&base, "one-time", "KIOSK-O"),
            &units(),
        ))
        .unwrap();
    let (effective, startup) = start(&paths);
    let sent = submit(&startup, 1);
    drain(&runtime, &effective, &startup);
    drop(startup);
    // The token is spent (the portal now takes another one); after a restart the kiosk goes on
    // with signed requests alone.
    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
    let (_again, _stop, _server) = serve(base.trim_start_matches("http://"), "another-token");
    let (_, startup) = start(&paths);
    let more = submit(&startup, 1);
    drain(&runtime, &effective, &startup);
    let opener = Opener::from_base64(&private).unwrap();
    assert_received_once(&db, &sent, &opener, "KIOSK-O");
    assert_received_once(&db, &more, &opener, "KIOSK-O");
}

#[test]
fn a_database_that_cannot_be_opened_is_left_alone_and_the_kiosk_still_starts() {
    let Provisioned {
        runtime: _runtime,
        dir: _dir,
        paths,
        ..
    } = provisioned("KIOSK-P");
    // Not damage but a path the kiosk cannot open (here a folder where the file should be, as
    // a wrong mount or permission would): nothing is moved, no dossier is taken, the screen and
    // the admin screen still come up with the fault.
    let database = paths.data_dir.join("dossiers.sqlite");
    std::fs::create_dir_all(database.join("inside")).unwrap();
    let (_, startup) = start(&paths);
    assert!(database.join("inside").is_dir(), "left as it was");
    assert!(xakiosk::store::set_aside::list(&paths.data_dir).is_empty());
    assert!(
        startup
            .faults
            .iter()
            .any(|f| f.contains("cannot open the dossier store")),
        "{:?}",
        startup.faults
    );
    assert!(startup.not_set_up.is_some());
    assert!(matches!(
        startup
            .store
            .call_blocking(|s| s.submit(&draft(1), &[], chrono::Utc::now())),
        Err(StoreError::NotSetUp(_))
    ));
}

#[test]
fn a_provisioning_code_whose_sealing_key_the_portal_contradicts_is_refused() {
    let Provisioned {
        runtime,
        dir: _dir,
        paths,
        base,
        ..
    } = provisioned("KIOSK-M");
    let before = std::fs::read(paths.provisioned()).unwrap();
    let refused = runtime.block_on(provision(
        &paths,
        &ProvisionRequest {
            sealing_key: Some(Opener::generate().1),
            ..request(&base, "token-1", "KIOSK-M")
        },
        &units(),
    ));
    let err = refused.unwrap_err();
    assert_eq!(err.exit_code(), 4);
    assert!(
        err.to_string()
            .contains("another sealing key than the provisioning code carries"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(paths.provisioned()).unwrap(),
        before,
        "unchanged"
    );
}

/// A portal URL the kiosk will not use (plain http to another machine: anyone on the way
/// could read or change what is sent): the kiosk still takes and keeps dossiers, sends nothing,
/// and says why on the admin screen and in the metrics.
#[test]
fn a_plain_http_portal_keeps_every_dossier_queued_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_, public) = Opener::generate();
    let mut config = xakiosk::config::Config::development();
    config.portal.url = "http://192.0.2.10:8787".into();
    config.portal.public_key = public;
    let startup = Startup::prepare(&config, Some(&dir.path().join("dossiers.sqlite"))).unwrap();
    assert_eq!(startup.not_set_up, None, "the kiosk takes dossiers");
    // Starts sync as the kiosk does: whether an engine runs, and the fault said.
    let start_sync = |config: &xakiosk::config::Config| {
        let health = xakiosk::appliance::health::Health::new();
        let sync = xakiosk::app::sync_service::start(
            config,
            &startup,
            Arc::new(SystemClock::new()),
            health.clone(),
            runtime.handle(),
        )
        .unwrap();
        (
            sync.is_some(),
            health.snapshot().config_fault.unwrap_or_default(),
        )
    };
    let (syncing, fault) = start_sync(&config);
    assert!(!syncing, "nothing is sent over plain http");
    assert!(
        fault.contains("plain http") && fault.contains("queued"),
        "{fault}"
    );
    submit(&startup, 2);
    assert_eq!(startup.store.call_blocking(|s| s.queue_len()).unwrap(), 2);
    // An unreadable CA file is the same kind of fault, never a silent fallback to no CA.
    config.portal.url = "https://dvc.example.gov.vn".into();
    config.portal.ca_file = dir.path().join("missing.pem").display().to_string();
    let (syncing, fault) = start_sync(&config);
    assert!(!syncing);
    assert!(fault.contains("ca_file"), "{fault}");
}
