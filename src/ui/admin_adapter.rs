//! Binds `AdminAdapter`: the PIN pad, the health/queue/network lines and the action buttons of
//! the technician's screen.

use crate::session::admin_panel::AdminAction;
use crate::session::controller::KioskController;
use crate::slint_generated::{AdminAdapter, AppWindow};
use crate::ui::dispatch::Dispatch;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<AdminAdapter>();
    let k = kiosk.clone();
    g.on_key(move |key| {
        k.update(|c| {
            c.admin_key(&key);
            None
        })
    });
    let k = kiosk.clone();
    g.on_unlock(move || k.update(|c| c.admin_unlock()));
    let k = kiosk.clone();
    g.on_close(move || {
        k.update(|c| {
            c.admin_close();
            None
        })
    });
    let k = kiosk.clone();
    g.on_act(move |name| {
        let action = match name.as_str() {
            "sync" => AdminAction::ForceSync,
            "printer-test" => AdminAction::PrinterTest,
            "printer-power" => AdminAction::PrinterPowerCycle,
            "export-logs" => AdminAction::ExportLogs,
            "maintenance" => AdminAction::Maintenance,
            "provision-qr" => AdminAction::ProvisionFromQr,
            "network-qr" => AdminAction::NetworkFromQr,
            "reboot" => AdminAction::Reboot,
            "update-usb" => AdminAction::UpdateFromUsb,
            _ => AdminAction::Refresh,
        };
        k.update(|c| c.admin_act(action))
    });
}

fn lines(items: Vec<String>) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(
        items
            .into_iter()
            .map(SharedString::from)
            .collect::<Vec<_>>(),
    ))
}

/// The health facts as "label: value" lines, Vietnamese / English. The network and the queue
/// are the session's live ones (`online`, `queued`: what the top bar shows), not the snapshot
/// taken when the screen opened: one source for both.
pub fn health_lines(
    h: &crate::core::health::HealthSnapshot,
    online: bool,
    queued: u64,
) -> Vec<String> {
    let both = |t: crate::core::text::Text| format!("{} / {}", t.vi, t.en);
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(crate::core::time::vietnam_display)
            .unwrap_or_else(|| "—".into())
    };
    let mut out = vec![
        format!(
            "Mạng / portal: {}",
            if online {
                "có mạng / online"
            } else {
                "chưa có mạng / offline"
            }
        ),
        format!("Hồ sơ chờ gửi / queued: {queued}"),
        format!("Gửi, nhận gần nhất / last sync: {}", when(h.last_sync_at)),
        format!("Máy in / printer: {}", both(h.printer.describe())),
        format!("Đầu đọc thẻ / card reader: {}", both(h.reader.describe())),
        format!(
            "Cửa tủ / cabinet door: {}",
            if h.door_open {
                "MỞ / OPEN"
            } else {
                "đóng / closed"
            }
        ),
        format!("Gọi hỗ trợ / help calls: {}", h.help_requests),
    ];
    if let Some(fault) = &h.config_fault {
        out.push(format!("LỖI CẤU HÌNH / CONFIG FAULT: {fault}"));
    }
    if let Some(why) = &h.not_set_up {
        out.push(format!(
            "CHƯA CÀI ĐẶT, không nhận hồ sơ / NOT SET UP, no dossier taken: {why}"
        ));
    }
    if let Some(voice) = &h.voice_problem {
        out.push(format!("Giọng nói / voice: {voice}"));
    }
    for (kind, n) in &h.errors {
        out.push(format!("Lỗi / errors {kind}: {n}"));
    }
    out
}

pub fn render(window: &AppWindow, c: &KioskController) {
    let g = window.global::<AdminAdapter>();
    let a = &c.admin;
    g.set_unlocked(a.unlocked);
    g.set_pin_masked("●".repeat(a.pin.chars().count()).into());
    g.set_error_text(
        a.error
            .as_ref()
            .map(|e| format!("{} / {}", e.vi, e.en))
            .unwrap_or_default()
            .into(),
    );
    g.set_busy(a.busy);
    g.set_message(a.message.clone().unwrap_or_default().into());
    if a.unlocked {
        g.set_health(lines(health_lines(&a.health, c.online, c.queue_count)));
        g.set_network(lines(a.network.clone()));
        g.set_updates(lines(a.updates.clone()));
        let now = c.clock().now();
        if a.queue.is_empty() && a.loaded {
            g.set_queue(lines(vec![
                "Không có hồ sơ chờ gửi / nothing waiting".into(),
            ]));
            return;
        }
        g.set_queue(lines(
            a.queue
                .iter()
                .map(|q| {
                    format!(
                        "{} · {} · {} phút · {} lần thử{}",
                        q.code,
                        q.procedure_id,
                        (now - q.created_at).num_minutes().max(0),
                        q.attempts,
                        q.last_error
                            .as_ref()
                            .map(|e| format!(" · {e}"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_configuration_and_a_silent_voice_are_on_the_admin_screen() {
        let mut h = crate::core::health::HealthSnapshot::default();
        let calm = health_lines(&h, false, 0);
        assert!(!calm.iter().any(|l| l.contains("CONFIG FAULT")));
        h.config_fault =
            Some("the configuration file /etc/xakiosk/config.toml is not valid: line 3".into());
        h.voice_problem = Some("no ALSA playback device".into());
        h.printer = crate::core::health::DeviceState::Fault("paper_out".into());
        let lines = health_lines(&h, true, 3);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("CONFIG FAULT") && l.contains("line 3")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("no ALSA playback device")));
        assert!(
            lines
                .iter()
                .any(|l| l == "Máy in / printer: hết giấy / paper out"),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l == "Đầu đọc thẻ / card reader: chưa rõ / unknown")
        );
        // The session's live network state and queue, as in the top bar (not the snapshot's).
        assert!(lines.iter().any(|l| l == "Mạng / portal: có mạng / online"));
        assert!(lines.iter().any(|l| l == "Hồ sơ chờ gửi / queued: 3"));
    }
}
