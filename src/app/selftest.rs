//! `xakiosk selftest`: checks what a technician would check by hand after installing or
//! repairing a kiosk — configuration, card reader, printer (prints a test page), camera, GPIO,
//! portal reachability, clock, disk and the dossier database — and prints one line per check.
//! It reads and prints; it changes no dossier and no configuration.

use crate::app::device_set::DeviceSet;
use crate::config::Config;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Works, but a technician should look (development keys, sync switched off…).
    Warn,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        verdict: Verdict::Pass,
        detail: detail.into(),
    }
}
fn warn(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        verdict: Verdict::Warn,
        detail: detail.into(),
    }
}
fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        verdict: Verdict::Fail,
        detail: detail.into(),
    }
}

/// Less free space than this on the data partition fails the disk check.
pub const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;

/// Runs every check against the configuration layers at `layers`.
pub fn run(layers: &crate::config::layers::LayerPaths, print_test_page: bool) -> Vec<Check> {
    let mut checks = Vec::new();
    let effective = crate::config::layers::load(layers);
    let config = effective.config.clone();
    let where_ = format!(
        "{} + {}",
        layers.file.display(),
        layers.provisioned().display()
    );
    checks.push(match (&effective.fault, effective.mode) {
        (Some(fault), crate::config::layers::Mode::LastGood) => fail(
            "config",
            format!("{fault}; the kiosk runs on the last configuration that loaded"),
        ),
        (Some(fault), _) => fail(
            "config",
            format!("{fault}; the kiosk would run queue-only (nothing sent, no dossier taken)"),
        ),
        (None, _) => match config.readiness() {
            Err(why) => warn(
                "config",
                format!("{where_}: {why}; run `xakiosk provision`"),
            ),
            Ok(()) => pass("config", format!("{where_} ({})", config.kiosk.id)),
        },
    });
    let clock = std::sync::Arc::new(crate::devices::clock::SystemClock::new());
    // As the kiosk opens them: pins or a backlight that cannot be opened do not hide the
    // other devices' checks (the pins' own check says what is wrong with them).
    match DeviceSet::for_kiosk(&config, clock) {
        Ok((devices, missing)) => {
            checks.push(reader(&config, &devices));
            checks.push(printer(&config, &devices, print_test_page));
            checks.push(camera(&devices));
            checks.push(gpio(&devices));
            for e in missing.iter().filter(|e| e.device() == "backlight") {
                checks.push(fail("backlight", e.to_string()));
            }
        }
        Err(e) => checks.push(fail("devices", e.to_string())),
    }
    let portal = portal(&config);
    checks.push(portal.0);
    checks.push(clock_check(portal.1));
    checks.push(disk(&config.data_dir()));
    checks.push(database(
        &config.data_dir().join("dossiers.sqlite"),
        &config,
    ));
    checks
}

fn reader(config: &Config, devices: &DeviceSet) -> Check {
    match config.devices.card_reader.as_str() {
        "sim" => {
            let mut reader = devices
                .card_reader
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match reader.simulator() {
                Some(_) => pass("card reader", "simulator (test cards)"),
                None => fail("card reader", "the simulator did not start"),
            }
        }
        _ => match crate::devices::card_reader::pcsc::PcscReader::list() {
            Ok(names) if names.is_empty() => fail(
                "card reader",
                "pcscd lists no reader: plug the NFC reader in (see `xakiosk card readers`)",
            ),
            Ok(names) => {
                let wanted = &config.devices.card_reader_name;
                match names.iter().find(|n| n.contains(wanted.as_str())) {
                    Some(name) => {
                        // Most USB contactless readers are CCID devices: pcscd needs libccid.
                        let ccid = std::path::Path::new("/usr/lib/pcsc/drivers/ifd-ccid.bundle");
                        let driver = if ccid.exists() {
                            "CCID driver (libccid)"
                        } else {
                            "no libccid: a vendor driver"
                        };
                        pass("card reader", format!("{name} — {driver}"))
                    }
                    None => fail(
                        "card reader",
                        format!("no reader named like {wanted:?}; pcscd lists {names:?}"),
                    ),
                }
            }
            Err(e) => fail("card reader", format!("{e}; is pcscd running?")),
        },
    }
}

fn printer(config: &Config, devices: &DeviceSet, print_test_page: bool) -> Check {
    let mut printer = devices.printer.lock().unwrap_or_else(|e| e.into_inner());
    let status = match printer.status() {
        Ok(s) => s,
        Err(e) => return fail("printer", e.to_string()),
    };
    if status != crate::devices::printer::PrinterStatus::Ready {
        return fail("printer", status.advice().en);
    }
    if !print_test_page {
        return pass(
            "printer",
            format!("{} printer ready", config.devices.printer),
        );
    }
    match crate::app::test_page::test_page(config) {
        Ok((bytes, _)) => match printer.print(&bytes) {
            Ok(()) => pass(
                "printer",
                format!(
                    "{} printer: test page printed ({} bytes)",
                    config.devices.printer,
                    bytes.len()
                ),
            ),
            Err(e) => fail("printer", format!("test page not printed: {e}")),
        },
        Err(e) => fail("printer", e),
    }
}

fn camera(devices: &DeviceSet) -> Check {
    let mut camera = devices.camera.lock().unwrap_or_else(|e| e.into_inner());
    let source = |camera: &mut dyn crate::devices::camera::Camera| {
        camera
            .describe()
            .map(|name| format!(" from {name}"))
            .unwrap_or_else(|| " (simulated)".into())
    };
    match camera.capture() {
        Ok(frame) if frame.width() >= 640 && frame.height() >= 480 => pass(
            "camera",
            format!(
                "frame {}×{}{}",
                frame.width(),
                frame.height(),
                source(&mut *camera)
            ),
        ),
        Ok(frame) => fail(
            "camera",
            format!(
                "frame {}×{} is too small to read a QR code (640×480 at least)",
                frame.width(),
                frame.height()
            ),
        ),
        Err(e) => fail("camera", e.to_string()),
    }
}

fn gpio(devices: &DeviceSet) -> Check {
    use crate::devices::gpio::{Input, Output};
    let mut gpio = devices.gpio.lock().unwrap_or_else(|e| e.into_inner());
    let mut levels = Vec::new();
    for input in Input::ALL {
        match gpio.read(input) {
            Ok(active) => levels.push(format!("{}={}", input.name(), active as u8)),
            Err(e) => return fail("gpio", format!("{}: {e}", input.name())),
        }
    }
    // The light shows each colour once, so the technician sees both halves work.
    for output in [Output::LightGreen, Output::LightRed] {
        let result = gpio
            .write(output, true)
            .and_then(|()| gpio.write(output, false));
        if let Err(e) = result {
            return fail("gpio", format!("{}: {e}", output.name()));
        }
    }
    let chip = gpio
        .describe()
        .map(|chip| format!(" on {chip}"))
        .unwrap_or_default();
    pass("gpio", format!("{}{chip}", levels.join(" ")))
}

/// (the check, the portal's clock when it answered).
fn portal(config: &Config) -> (Check, Option<chrono::DateTime<chrono::Utc>>) {
    let url = match config.portal.url.trim() {
        "" => {
            return (
                warn("portal", "sync is switched off (portal.url = \"\")"),
                None,
            );
        }
        "builtin" => {
            return (
                warn(
                    "portal",
                    "the built-in development portal (runs inside the kiosk); provision for real use",
                ),
                None,
            );
        }
        url => url.trim_end_matches('/').to_string(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return (fail("portal", e.to_string()), None),
    };
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        client
            .get(format!("{url}/v1/health"))
            .send()
            .await
            .map_err(|e| crate::sync::transport::describe(&e))
    });
    match answer {
        Ok(r) if r.status().is_success() => {
            let date = r
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                .map(|d| d.with_timezone(&chrono::Utc));
            (pass("portal", format!("{url} answers")), date)
        }
        Ok(r) => (
            fail("portal", format!("{url} answered {}", r.status())),
            None,
        ),
        Err(e) => (fail("portal", format!("{url}: {e}")), None),
    }
}

/// Receipts, appointment dates and request signatures need the right time.
fn clock_check(portal_time: Option<chrono::DateTime<chrono::Utc>>) -> Check {
    let now = chrono::Utc::now();
    if chrono::Datelike::year(&now) < 2025 {
        return fail(
            "clock",
            format!(
                "the clock says {now}: no time sync yet (check the network and systemd-timesyncd)"
            ),
        );
    }
    match portal_time {
        Some(theirs) => {
            let skew = (now - theirs).num_seconds().abs();
            if skew > 300 {
                fail(
                    "clock",
                    format!("{skew} s apart from the portal's clock: check time sync"),
                )
            } else {
                pass(
                    "clock",
                    format!(
                        "{}, {skew} s from the portal",
                        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                )
            }
        }
        None => pass(
            "clock",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    }
}

/// Free bytes for the kiosk user on the filesystem holding `dir` (or its nearest parent).
pub fn free_bytes(dir: &Path) -> Result<u64, String> {
    let mut at = dir.to_path_buf();
    while !at.exists() {
        if !at.pop() {
            return Err(format!("{} does not exist", dir.display()));
        }
    }
    let stat = rustix::fs::statvfs(&at).map_err(|e| format!("{}: {e}", at.display()))?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

fn disk(dir: &Path) -> Check {
    match free_bytes(dir) {
        Ok(free) if free < MIN_FREE_BYTES => fail(
            "disk",
            format!(
                "{}: only {} MB free (at least {} MB): export the logs and free space",
                dir.display(),
                free / 1_000_000,
                MIN_FREE_BYTES / 1_000_000
            ),
        ),
        Ok(free) => pass(
            "disk",
            format!("{}: {} MB free", dir.display(), free / 1_000_000),
        ),
        Err(e) => fail("disk", e),
    }
}

fn database(path: &Path, config: &Config) -> Check {
    if !path.exists() {
        return pass(
            "database",
            format!("{} (created at first start)", path.display()),
        );
    }
    // Not provisioned yet: the database is still checked (it may hold dossiers to send).
    let sealer = crate::protocol::sealing::Sealer::from_base64(&config.portal.public_key).ok();
    match crate::store::Store::open_with(path, sealer) {
        Ok(store) => {
            let integrity = store.integrity_problem(crate::store::IntegrityCheck::Quick);
            match (integrity, store.queue_len()) {
                (Ok(None), Ok(queued)) => pass(
                    "database",
                    format!("{}: intact, {queued} dossier(s) waiting", path.display()),
                ),
                (Ok(Some(problem)), _) => {
                    fail("database", format!("{}: {problem}", path.display()))
                }
                (Err(e), _) | (Ok(None), Err(e)) => fail("database", e.to_string()),
            }
        }
        Err(e) => fail("database", format!("{}: {e}", path.display())),
    }
}

/// The table `selftest` prints.
pub fn table(checks: &[Check]) -> String {
    let mut out = format!("{:<12} {:<6} {}\n", "CHECK", "RESULT", "DETAIL");
    for c in checks {
        let verdict = match c.verdict {
            Verdict::Pass => "ok",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        };
        out.push_str(&format!("{:<12} {:<6} {}\n", c.name, verdict, c.detail));
    }
    out
}
