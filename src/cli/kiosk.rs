//! The commands a kiosk and its technician run: the kiosk itself, and the checks and root-side
//! steps around it (configuration, catalogue, receipts, PINs, keys, network, maintenance).

use crate::config::layers::LayerPaths;
use std::path::{Path, PathBuf};

/// Runs the kiosk on the effective configuration (a broken layer: last good or queue-only).
pub fn run_kiosk(
    layers: &crate::config::layers::LayerPaths,
    fullscreen: bool,
) -> Result<(), String> {
    let effective = crate::config::layers::load(layers);
    match (&effective.fault, effective.mode) {
        (Some(fault), crate::config::layers::Mode::LastGood) => tracing::error!(
            "{fault}; running on the last configuration that loaded until it is fixed"
        ),
        (Some(fault), _) => tracing::error!(
            "{fault}; queue-only until it is fixed: nothing is sent, no new dossier is taken"
        ),
        (None, _) => {
            if let Err(e) = crate::config::layers::remember_last_good(&effective) {
                tracing::warn!("{e}");
            }
        }
    }
    crate::app::run::run(&effective, fullscreen)
}

/// `xakiosk catalogue`: what the catalogue loads and what it would skip.
pub fn check_catalogue(dir: Option<PathBuf>) -> Result<(), String> {
    let dir = dir.unwrap_or_else(|| crate::app::assets::assets_dir().join("procedures"));
    let (catalogue, problems) = crate::app::assets::load_catalogue(&dir);
    for p in catalogue.procedures() {
        println!(
            "ok    {:<28} v{}  {} questions  {}",
            p.id,
            p.version,
            p.fields.len(),
            p.name.vi
        );
    }
    for p in &problems {
        println!("SKIP  {p}");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} procedure file(s) would be skipped",
            problems.len()
        ))
    }
}

/// `xakiosk verify-receipt`: checks a receipt QR's signature (and that it is the given kiosk's).
pub fn verify_receipt(text: &str, public_key: Option<&str>) -> Result<(), String> {
    let receipt = crate::protocol::receipt::Receipt::parse(text).map_err(|e| e.to_string())?;
    receipt.verify().map_err(|e| e.to_string())?;
    println!("dossier    {}", receipt.dossier_id);
    println!("code       {}", receipt.code);
    println!("kiosk      {}", receipt.kiosk_id);
    println!("issued at  {}", receipt.issued_at);
    println!("content    sha256:{}", receipt.content_hash);
    println!("signed by  {}", receipt.public_key);
    match public_key {
        Some(expected) if expected.trim() != receipt.public_key => {
            Err("the signature is valid but made with another key than the one given: not this kiosk's receipt".into())
        }
        Some(_) => {
            println!("signature valid, made by the given kiosk key");
            Ok(())
        }
        None => {
            println!("signature valid (pass --public-key to check it is the kiosk's key)");
            Ok(())
        }
    }
}

/// `xakiosk selftest`: every check in a table; an error when one failed.
pub fn selftest(layers: &LayerPaths, print: bool) -> Result<(), String> {
    let checks = crate::app::selftest::run(layers, print);
    print!("{}", crate::app::selftest::table(&checks));
    let failed = checks
        .iter()
        .filter(|c| c.verdict == crate::app::selftest::Verdict::Fail)
        .count();
    if failed > 0 {
        Err(format!("{failed} check(s) failed"))
    } else {
        Ok(())
    }
}

/// Prints the Argon2id hash of a PIN of `digits` digits (`admin-pin`, `helper-pin`).
pub fn pin_hash(
    pin: &str,
    digits: std::ops::RangeInclusive<usize>,
    what: &str,
) -> Result<(), String> {
    if !digits.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{what} is {} to {} digits",
            digits.start(),
            digits.end()
        ));
    }
    println!(
        "{}",
        crate::core::assist::pin_hash(pin, crate::cli::random_salt())
    );
    Ok(())
}

/// `xakiosk config show`: the effective configuration with each key's source.
pub fn config_show(layers: &LayerPaths) -> Result<(), String> {
    let effective = crate::config::layers::load(layers);
    print!("{}", crate::config::layers::show(&effective));
    match effective.fault {
        Some(fault) => Err(fault),
        None => Ok(()),
    }
}

/// `xakiosk receipt-sample`: the test page as a picture (and printed with `print`).
pub fn receipt_sample(layers: &LayerPaths, out: &Path, print: bool) -> Result<(), String> {
    let effective = crate::config::layers::load(layers);
    match effective.fault {
        Some(fault) => Err(fault),
        None => crate::cli::receipt_sample::run(&effective.config, out, print),
    }
}

/// `xakiosk test-dossier`: one made-up dossier through the kiosk's real path.
pub fn test_dossier(layers: &LayerPaths) -> Result<(), String> {
    crate::cli::test_dossier::queue(&crate::config::layers::load(layers))
        .map(|code| println!("queued test dossier {code}"))
}

/// `xakiosk migrate-data-layout` (root, before the kiosk starts).
pub fn migrate_data_layout(root: &Path) -> Result<(), String> {
    let (moved, left) = crate::appliance::data_layout::migrate(root);
    for line in &moved {
        println!("moved {line}");
    }
    for line in &left {
        eprintln!("left {line}");
    }
    Ok(())
}

/// `xakiosk apply-network` (root): checks the kiosk's request and renders the networkd file.
pub fn apply_network(request: &Path, out: &Path) -> Result<(), String> {
    crate::appliance::network_settings::apply_request(request, out)
        .map(|summary| println!("network settings applied: {summary}"))
        .map_err(|e| e.to_string())
}

/// `xakiosk install-update` (root): installs the bundle the kiosk asked for.
pub fn install_update(kiosk_data: &Path) -> Result<(), String> {
    use crate::appliance::update_install;
    let paths = update_install::UpdatePaths::appliance(kiosk_data);
    update_install::install(&paths, &update_install::Rauc, env!("CARGO_PKG_VERSION"))
        .map(|done| {
            println!(
                "update {} installed into slot {}; the next boot tries it",
                done.version, done.slot
            )
        })
        .map_err(|e| format!("update not installed: {e}"))
}

/// `xakiosk update-status`: the slots and the last update, as the admin screen shows them.
pub fn update_status() -> Result<(), String> {
    use crate::appliance::{update_install::UpdateSystem, update_progress, update_slots};
    let dir = Path::new(update_slots::STATUS_DIR);
    let slots = update_slots::Slots::read(&dir.join(update_slots::SLOTS_FILE))
        .or_else(|saved| {
            crate::appliance::update_install::Rauc
                .status()
                .map_err(|_| saved)
        })
        .map_err(|e| format!("no A/B slots here ({e})"))?;
    for line in slots
        .lines(env!("CARGO_PKG_VERSION"))
        .into_iter()
        .chain(update_progress::note_lines(dir))
    {
        println!("{line}");
    }
    Ok(())
}

/// `xakiosk maintenance-keys` (root): installs the provisioned SSH keys.
pub fn maintenance_keys(layers: &LayerPaths, out: &Path) -> Result<(), String> {
    let effective = crate::config::layers::load(layers);
    match &effective.fault {
        Some(fault) => Err(format!("{fault}: no SSH key installed")),
        None => crate::appliance::maintenance_keys::install(
            &effective.config.admin.ssh_authorized_keys,
            out,
        )
        .map(|n| println!("{n} SSH key(s) authorized until the next reboot"))
        .map_err(|e| e.to_string()),
    }
}

/// `xakiosk rotate-device-key`: a new device key, the old one handing over to it.
pub fn rotate_device_key(layers: &LayerPaths) -> Result<(), String> {
    let key_path = layers.data_dir.join("device.key");
    let key = crate::appliance::device_key_file::rotate(&key_path).map_err(|e| e.to_string())?;
    println!("new device key {}", key.public_base64());
    println!(
        "the old key handed over to it ({}); restart the kiosk to use it",
        crate::appliance::device_key_file::handovers_path(&key_path).display()
    );
    Ok(())
}

/// `xakiosk camera --out FILE [--still]`: one frame from the configured camera, saved.
pub fn camera(
    layers: &crate::config::layers::LayerPaths,
    out: &std::path::Path,
    still: bool,
) -> Result<(), String> {
    use crate::devices::camera::{Camera, SimCamera, v4l2::V4l2Camera};
    let effective = crate::config::layers::load(layers);
    if let Some(fault) = effective.fault {
        return Err(fault);
    }
    let config = effective.config;
    let mut camera: Box<dyn Camera> = match config.devices.camera.as_str() {
        "sim" => Box::new(SimCamera::new(1280, 720)),
        "v4l2" => Box::new(V4l2Camera::new(&config.devices.camera_device)),
        other => {
            return Err(format!(
                "[devices] camera = {other:?} is not a camera adapter"
            ));
        }
    };
    let frame = if still {
        camera.capture_still()
    } else {
        camera.capture()
    }
    .map_err(|e| e.to_string())?;
    frame
        .save(out)
        .map_err(|e| format!("cannot save {}: {e}", out.display()))?;
    let qr = crate::identity::qr_camera::decode_text(&frame);
    println!(
        "{}",
        serde_json::json!({
            "camera": camera.describe().unwrap_or_else(|| "simulated".into()),
            "width": frame.width(),
            "height": frame.height(),
            "saved": out.display().to_string(),
            "qr": qr,
        })
    );
    Ok(())
}

/// `xakiosk qr FILE…`: the CCCD QR in each image as JSON.
pub fn qr(files: &[PathBuf]) -> Result<(), String> {
    let (report, failed) = crate::cli::card::qr(files);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if failed > 0 {
        Err(format!(
            "{failed} of {} files had no readable CCCD QR code",
            files.len()
        ))
    } else {
        Ok(())
    }
}
