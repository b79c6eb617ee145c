//! Starts sync for a running kiosk from its configuration: the engine on the tokio runtime,
//! and, only when a configuration layer says `portal.url = "builtin"` (never as a fallback:
//! the shipped defaults and a broken layer give ""), the reference portal beside it on loopback (its
//! database next to the kiosk's, its officer page at `/officer`). Returns what the UI needs:
//! a waker to call after each submission and the online/queue status.

use crate::app::startup::Startup;
use crate::config::Config;
use crate::core::sync_status::SyncStatus;
use crate::devices::clock::Clock;
use crate::sync::engine::SyncEngine;
use crate::sync::transport::{HttpTransport, KioskIdentity};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

pub struct SyncHandles {
    pub waker: Arc<Notify>,
    pub status: watch::Receiver<SyncStatus>,
    /// The built-in portal's address, when one runs.
    pub builtin_portal: Option<String>,
}

/// Starts the engine (and the built-in portal); `None` when sync is switched off.
pub fn start(
    config: &Config,
    startup: &Startup,
    clock: Arc<dyn Clock>,
    health: crate::appliance::health::Health,
    runtime: &tokio::runtime::Handle,
) -> Result<Option<SyncHandles>, String> {
    let mut builtin_portal = None;
    let Some(device_key) = startup.device_key.clone() else {
        tracing::error!("sync is off: the device key cannot be read");
        return Ok(None);
    };
    let base = match config.portal.url.trim() {
        "" => return Ok(None),
        "builtin" => {
            let url =
                crate::app::builtin_portal::start(config, runtime).map_err(|e| e.to_string())?;
            builtin_portal = Some(url.clone());
            url
        }
        url => url.to_string(),
    };
    // A portal the kiosk will not talk to (plain http to another machine, an unreadable CA
    // file): dossiers are still taken and kept, nothing is sent, and the admin screen says why.
    let engine = match engine(config, startup, &base, clock, device_key) {
        Ok(engine) => engine.with_health(health),
        Err(e) => {
            let fault = format!("sync is off: {e}; dossiers stay queued on the kiosk");
            tracing::error!("{fault}");
            health.update(|s| {
                s.config_fault = Some(match s.config_fault.take() {
                    Some(earlier) => format!("{earlier}; {fault}"),
                    None => fault.clone(),
                })
            });
            return Ok(None);
        }
    };
    let handles = SyncHandles {
        waker: engine.waker(),
        status: engine.status(),
        builtin_portal,
    };
    runtime.spawn(engine.run(std::future::pending()));
    Ok(Some(handles))
}

/// The engine a kiosk with this configuration runs against the portal at `base`: signed with
/// the device key (and its handovers), installing catalogues, deleting delivered content
/// after the retention period.
pub fn engine(
    config: &Config,
    startup: &Startup,
    base: &str,
    clock: Arc<dyn Clock>,
    device_key: crate::protocol::signing::DeviceKey,
) -> Result<SyncEngine<HttpTransport>, String> {
    let identity = KioskIdentity {
        kiosk_id: config.kiosk.id.clone(),
        key: device_key,
        place: config.kiosk.place.clone(),
        commune_code: config.kiosk.commune_code.clone(),
    };
    let ca = match config.portal.ca_file.trim() {
        "" => None,
        path => Some(
            std::fs::read(path).map_err(|e| format!("cannot read [portal] ca_file {path}: {e}"))?,
        ),
    };
    let transport = HttpTransport::with_options(
        base,
        identity,
        &config.portal.token,
        Duration::from_secs(30),
        crate::sync::transport::TransportOptions {
            ca_pem: ca.as_deref(),
            allow_plain_http: config.portal.allow_plain_http,
        },
    )
    .map_err(|e| e.to_string())?
    .with_handovers(startup.handovers.clone());
    let mut engine = SyncEngine::new(startup.store.clone(), transport, clock, &config.kiosk.id)
        .with_catalogue(startup.catalogue_install.clone());
    // Updates the portal offers are signed with its catalogue key: without one, none is taken.
    if !config.catalogue.public_key.trim().is_empty() {
        match crate::app::update_download::UpdateDownload::new(
            &config.data_dir(),
            &config.catalogue.public_key,
            env!("CARGO_PKG_VERSION"),
        ) {
            Ok(download) => engine = engine.with_updates(std::sync::Arc::new(download)),
            Err(e) => tracing::error!("updates from the portal are off: {e}"),
        }
    }
    Ok(match config.kiosk.keep_delivered_days {
        0 => engine,
        days => engine.with_retention(Duration::from_secs(u64::from(days) * 86_400)),
    })
}
