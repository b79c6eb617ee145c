//! Carries out the admin screen's actions off the UI thread: refresh (health, queue, network
//! addresses), force sync, printer test page and power cycle, log export to a USB stick,
//! maintenance mode, reboot, and an update from a USB stick (the request left for root; the
//! slots and the last update read back from root's reports). Each returns a line for the
//! technician, or an `AdminActionError` said as one. It must not touch a
//! resident's data: the queue view is codes and procedures, the exported log has no personal
//! data by design.

use crate::appliance::health::Health;
use crate::devices::gpio::Gpio;
use crate::session::admin_panel::{AdminAction, AdminResult};
use crate::store::StoreHandle;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Why an admin action did not happen; said on the admin screen as one line (Vietnamese and
/// English where the technician must act).
#[derive(Debug, thiserror::Error)]
pub enum AdminActionError {
    #[error("không thấy mã QR / no QR code seen: hold it still in front of the camera")]
    NoQrCode,
    #[error("camera: {0}")]
    Camera(#[from] crate::devices::DeviceError),
    #[error("{0}")]
    NotAProvisioningCode(crate::appliance::provision::ProvisionError),
    #[error("{0} (nothing was written)")]
    Provision(crate::appliance::provision::ProvisionError),
    #[error("{0}")]
    Network(#[from] crate::appliance::network_settings::NetworkSettingsError),
    #[error("{0}")]
    Assets(#[from] crate::app::assets::AssetError),
    #[error("sync is switched off (portal.url = \"\")")]
    SyncOff,
    #[error("no printer configured")]
    NoPrinter,
    #[error("{0}")]
    TestPage(String),
    /// The printer's advice, as the resident would see it (Vietnamese).
    #[error("{0}")]
    Printer(String),
    #[error("cắm USB vào máy rồi thử lại / plug in a USB stick and try again")]
    NoUsbStick,
    #[error("USB không có tệp cập nhật (.raucb) / no update bundle (.raucb) on the USB stick")]
    NoBundle,
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{command}: {outcome}")]
    Command { command: String, outcome: String },
    #[error("the action stopped: {0}")]
    Interrupted(String),
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> AdminActionError + '_ {
    move |source| AdminActionError::File {
        path: path.to_path_buf(),
        source,
    }
}

/// What the admin actions reach.
pub struct AdminDevices {
    pub config: crate::config::Config,
    /// The configuration layers the kiosk was started with (provisioning writes the
    /// provisioned one, never the configuration file).
    pub layers: crate::config::layers::LayerPaths,
    pub gpio: Arc<Mutex<dyn Gpio>>,
    pub camera: Arc<Mutex<dyn crate::devices::camera::Camera>>,
}

/// The text of the first QR code seen in a few camera frames.
fn scan_qr_text(
    camera: &Mutex<dyn crate::devices::camera::Camera>,
) -> Result<String, AdminActionError> {
    for _ in 0..8 {
        let frame = camera.lock().unwrap_or_else(|e| e.into_inner()).capture()?;
        if let Some(text) = crate::identity::qr_camera::decode_text(&frame) {
            return Ok(text);
        }
    }
    Err(AdminActionError::NoQrCode)
}

fn scan_provisioning_qr(
    camera: &Mutex<dyn crate::devices::camera::Camera>,
) -> Result<crate::appliance::provision::ProvisionRequest, AdminActionError> {
    crate::appliance::provision::ProvisionRequest::from_qr(&scan_qr_text(camera)?)
        .map_err(AdminActionError::NotAProvisioningCode)
}

/// Leaves the checked network settings as a request in the kiosk's data folder and asks root
/// (xakiosk-network.path → `xakiosk apply-network`) to check and apply them.
fn apply_network(
    camera: &Mutex<dyn crate::devices::camera::Camera>,
    data_dir: &Path,
) -> Result<String, AdminActionError> {
    let settings =
        crate::appliance::network_settings::NetworkSettings::from_qr(&scan_qr_text(camera)?)?;
    let path = data_dir.join(crate::appliance::network_settings::REQUEST_FILE);
    crate::store::atomic_file::write_private(&path, settings.to_qr().as_bytes())
        .map_err(file_error(&path))?;
    let applied = std::fs::write("/run/xakiosk/network-reload", b"").is_ok();
    tracing::info!(settings = %settings.summary(), applied, "network settings changed on the admin screen");
    Ok(format!(
        "Mạng / network: {}{}",
        settings.summary(),
        if applied {
            ""
        } else {
            " (đã lưu, chưa áp dụng / saved, not applied: not on the appliance)"
        }
    ))
}

/// The machine's network interfaces and addresses (`ip -brief address`), loopback left out.
pub fn network_lines() -> Vec<String> {
    match std::process::Command::new("ip")
        .args(["-brief", "address"])
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("lo "))
            .map(network_line)
            .collect(),
        _ => std::fs::read_dir("/sys/class/net")
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n != "lo")
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A line of `ip -brief address` for the technician: the interface, its state in Vietnamese
/// then English ("bật / UP"), its addresses.
fn network_line(line: &str) -> String {
    let mut words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    if let Some(state) = words.get_mut(1) {
        let vi = match state.as_str() {
            "UP" => Some("bật"),
            "DOWN" => Some("tắt"),
            "UNKNOWN" => Some("chưa rõ"),
            "DORMANT" => Some("chờ"),
            _ => None,
        };
        if let Some(vi) = vi {
            *state = format!("{vi} / {state}");
        }
    }
    words.join("  ")
}

/// The slots (running, next boot, versions, health), the installation in progress and the
/// last trial's outcome, from root's reports in `dir`; one line when this is no A/B system.
pub fn update_lines(dir: &Path) -> Vec<String> {
    use crate::appliance::{update_progress, update_slots};
    let mut out = match update_slots::Slots::read(&dir.join(update_slots::SLOTS_FILE)) {
        Ok(slots) => slots.lines(env!("CARGO_PKG_VERSION")),
        Err(_) => vec![format!(
            "Bản {} · không có khe A/B ở máy này / no A/B slots here",
            env!("CARGO_PKG_VERSION")
        )],
    };
    out.extend(update_progress::note_lines(dir));
    out
}

/// Finds the newest bundle on the USB stick and leaves the request for root.
fn request_update_from_stick(mounts: &str, data_dir: &Path) -> Result<String, AdminActionError> {
    use crate::appliance::update_request::{self, Origin, UpdateRequest};
    let stick = export_target(mounts, "").ok_or(AdminActionError::NoUsbStick)?;
    let bundle = update_request::bundle_on_stick(&stick).ok_or(AdminActionError::NoBundle)?;
    let request = UpdateRequest {
        bundle: bundle.clone(),
        origin: Origin::UsbStick,
    };
    let path = update_request::leave(data_dir, &request).map_err(file_error(data_dir))?;
    tracing::info!(bundle = %bundle.display(), request = %path.display(), "update requested from a USB stick");
    Ok(format!(
        "Đã yêu cầu cài {}: máy kiểm tra chữ ký rồi cài vào khe dự phòng / update requested, checking its signature",
        bundle.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// The first USB stick mounted under /media (or /run/media), else the configured folder.
pub fn export_target(mounts: &str, fallback: &str) -> Option<PathBuf> {
    mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|p| p.replace("\\040", " "))
        .find(|p| p.starts_with("/media/") || p.starts_with("/run/media/"))
        .map(PathBuf::from)
        .or_else(|| (!fallback.is_empty()).then(|| PathBuf::from(fallback)))
}

fn export_logs(
    config: &crate::config::Config,
    health: &Health,
) -> Result<String, AdminActionError> {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let dir =
        export_target(&mounts, &config.admin.log_export_dir).ok_or(AdminActionError::NoUsbStick)?;
    let journal = std::process::Command::new("journalctl")
        .args(["--no-pager", "-o", "short-iso", "-n", "20000"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(journalctl: {e})\n"));
    let name = format!(
        "xakiosk-{}-{}.log",
        config.kiosk.id,
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let path = dir.join(name);
    let text = format!(
        "xakiosk {} — {}\n{:#?}\n\n{journal}",
        env!("CARGO_PKG_VERSION"),
        config.kiosk.id,
        health.snapshot()
    );
    write_synced(&path, &text).map_err(file_error(&path))?;
    // Databases set aside as damaged go along (their content is sealed to the portal's key):
    // the province can recover what they still hold.
    let mut copied = 0;
    for damaged in crate::store::set_aside::list(&config.data_dir()) {
        let Some(name) = damaged.file_name() else {
            continue;
        };
        let to = dir.join(name);
        std::fs::copy(&damaged, &to).map_err(file_error(&to))?;
        std::fs::File::open(&to)
            .and_then(|f| f.sync_all())
            .map_err(file_error(&to))?;
        copied += 1;
    }
    Ok(if copied == 0 {
        format!("Đã lưu nhật ký / logs saved: {}", path.display())
    } else {
        format!(
            "Đã lưu nhật ký và {copied} cơ sở dữ liệu hỏng / logs and {copied} damaged database(s) saved: {}",
            dir.display()
        )
    })
}

fn write_synced(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

fn shell(command: &str) -> Result<String, AdminActionError> {
    let failed = |outcome: String| AdminActionError::Command {
        command: command.to_string(),
        outcome,
    };
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .status()
        .map_err(|e| failed(e.to_string()))?;
    if status.success() {
        Ok(format!("{command}: ok"))
    } else {
        Err(failed(status.to_string()))
    }
}

/// Runs one action (blocking work happens on tokio's blocking pool).
pub async fn perform(
    action: AdminAction,
    devices: Arc<AdminDevices>,
    health: Health,
    store: StoreHandle,
    sync_waker: Option<Arc<tokio::sync::Notify>>,
    printer: Option<Arc<Mutex<dyn crate::devices::printer::ReceiptPrinter>>>,
) -> AdminResult {
    let blocking = |f: Box<dyn FnOnce() -> Result<String, AdminActionError> + Send>| async move {
        tokio::task::spawn_blocking(f)
            .await
            .unwrap_or_else(|e| Err(AdminActionError::Interrupted(e.to_string())))
    };
    let result = match action {
        AdminAction::Refresh => {
            let queue = store.call(|s| s.queue_view(200)).await.unwrap_or_default();
            let network = tokio::task::spawn_blocking(network_lines)
                .await
                .unwrap_or_default();
            let data_dir = devices.config.data_dir();
            let updates = tokio::task::spawn_blocking(move || {
                let mut lines = update_lines(Path::new(crate::appliance::update_slots::STATUS_DIR));
                lines.extend(crate::app::update_download::admin_line(&data_dir));
                lines
            })
            .await
            .unwrap_or_default();
            return AdminResult::Refreshed(Box::new(crate::session::admin_panel::AdminFacts {
                health: health.snapshot(),
                queue,
                network,
                updates,
            }));
        }
        AdminAction::ForceSync => match sync_waker {
            Some(w) => {
                w.notify_one();
                Ok("Đã bắt đầu gửi, nhận / sync started".into())
            }
            None => Err(AdminActionError::SyncOff),
        },
        AdminAction::PrinterTest => {
            let config = devices.config.clone();
            let health = health.clone();
            blocking(Box::new(move || {
                let printer = printer.ok_or(AdminActionError::NoPrinter)?;
                let (bytes, _) = crate::app::test_page::test_page(&config)
                    .map_err(AdminActionError::TestPage)?;
                let mut p = printer.lock().unwrap_or_else(|e| e.into_inner());
                match p.print(&bytes) {
                    Ok(()) => {
                        health.record_printer(crate::devices::printer::PrinterStatus::Ready);
                        Ok("Đã in trang thử / test page printed".into())
                    }
                    Err(e) => {
                        health.record_printer(e.status());
                        Err(AdminActionError::Printer(e.status().advice().vi))
                    }
                }
            }))
            .await
        }
        AdminAction::PrinterPowerCycle => crate::appliance::cabinet::power_cycle_printer(
            &devices.gpio,
            std::time::Duration::from_secs(3),
        )
        .await
        .map(|()| "Đã tắt và bật lại máy in / printer power-cycled".into())
        .map_err(AdminActionError::from),
        AdminAction::ExportLogs => {
            let config = devices.config.clone();
            let health = health.clone();
            blocking(Box::new(move || export_logs(&config, &health))).await
        }
        AdminAction::ProvisionFromQr => {
            let camera = devices.camera.clone();
            match tokio::task::spawn_blocking(move || scan_provisioning_qr(&camera)).await {
                Ok(Ok(request)) => {
                    let units = crate::app::assets::load_admin_units(
                        &crate::app::assets::assets_dir().join("admin-units/units-2025.tsv"),
                    );
                    match units {
                        Ok(units) => {
                            crate::appliance::provision::provision(&devices.layers, &request, &units)
                                .await
                                .map(|done| {
                                    tracing::info!(kiosk = %done.kiosk_id, "provisioned from the admin screen");
                                    format!(
                                        "Đã cài đặt / provisioned {} — {}. Khởi động lại để áp dụng / reboot to apply.",
                                        done.kiosk_id, done.place
                                    )
                                })
                                .map_err(AdminActionError::Provision)
                        }
                        Err(e) => Err(e.into()),
                    }
                }
                Ok(Err(e)) => Err(e),
                Err(e) => Err(AdminActionError::Interrupted(e.to_string())),
            }
        }
        AdminAction::NetworkFromQr => {
            let camera = devices.camera.clone();
            let data_dir = devices.config.data_dir();
            blocking(Box::new(move || apply_network(&camera, &data_dir))).await
        }
        AdminAction::Maintenance => {
            let path = Path::new("/run/xakiosk/maintenance");
            std::fs::write(path, b"")
                .map(|()| "SSH bật đến lần khởi động lại / SSH on until reboot".into())
                .map_err(file_error(path))
        }
        AdminAction::Reboot => {
            let command = devices.config.admin.reboot_command.clone();
            tracing::warn!("reboot requested on the admin screen");
            blocking(Box::new(move || shell(&command))).await
        }
        AdminAction::RestartForUpdate => {
            let command = devices.config.admin.reboot_command.clone();
            blocking(Box::new(move || shell(&command))).await
        }
        AdminAction::UpdateFromUsb => {
            let data_dir = devices.config.data_dir();
            blocking(Box::new(move || {
                let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
                request_update_from_stick(&mounts, &data_dir)
            }))
            .await
        }
    };
    if let Err(e) = &result {
        tracing::warn!(error = %e, "admin action not done");
    }
    AdminResult::Done(result.map_err(|e| e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_go_to_the_usb_stick_else_the_configured_folder() {
        let mounts = "/dev/mmcblk0p4 / ext4 ro 0 0\n/dev/sda1 /media/usb\\040stick vfat rw 0 0\n";
        assert_eq!(
            export_target(mounts, "/srv/x"),
            Some(PathBuf::from("/media/usb stick"))
        );
        assert_eq!(
            export_target("/dev/root / ext4 ro 0 0\n", "/srv/x"),
            Some(PathBuf::from("/srv/x"))
        );
        assert_eq!(export_target("", ""), None);
    }
}
