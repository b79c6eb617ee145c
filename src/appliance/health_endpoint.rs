//! The health endpoint for the fleet's Prometheus: `GET /metrics` on a local address (default
//! 127.0.0.1:9187) in the OpenMetrics text format, built from the health facts and the queue at
//! each scrape. Numbers and device states only: never a name, an ID or a dossier code.

use crate::appliance::health::Health;
use crate::core::health::HealthSnapshot;
use crate::devices::clock::Clock;
use crate::store::StoreHandle;
use chrono::{DateTime, Utc};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// The content type Prometheus asks for.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the queue looks like at the scrape.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueFacts {
    pub depth: u64,
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

type Labels = Vec<(String, String)>;

fn gauge(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let g = Gauge::<i64>::default();
    g.set(value);
    registry.register(name, help, g);
}

fn state_set(registry: &mut Registry, name: &str, help: &str, label: &str) {
    let family = Family::<Labels, Gauge>::default();
    for state in ["unknown", "ready"] {
        family
            .get_or_create(&vec![("state".into(), state.into())])
            .set(0);
    }
    family
        .get_or_create(&vec![("state".into(), label.into())])
        .set(1);
    registry.register(name, help, family);
}

/// The OpenMetrics text of one scrape.
pub fn render(health: &HealthSnapshot, queue: QueueFacts, now: DateTime<Utc>) -> String {
    let mut r = Registry::default();
    gauge(
        &mut r,
        "xakiosk_queue_depth",
        "Dossiers stored on the kiosk and not yet accepted by the portal",
        queue.depth as i64,
    );
    let age = Gauge::<f64, AtomicU64>::default();
    age.set(
        queue
            .oldest_queued_at
            .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0),
    );
    r.register(
        "xakiosk_oldest_queued_age_seconds",
        "Age of the oldest dossier still waiting for the portal (0 when none waits)",
        age,
    );
    gauge(
        &mut r,
        "xakiosk_last_successful_sync_timestamp_seconds",
        "When a sync pass last reached the portal (Unix time; 0: not since start)",
        health.last_sync_at.map(|t| t.timestamp()).unwrap_or(0),
    );
    gauge(
        &mut r,
        "xakiosk_online",
        "1 when the last exchange with the portal succeeded",
        health.online as i64,
    );
    state_set(
        &mut r,
        "xakiosk_printer_state",
        "The receipt printer's last known state (1 for the current one)",
        health.printer.label(),
    );
    state_set(
        &mut r,
        "xakiosk_reader_state",
        "The ID card reader's last known state (1 for the current one)",
        health.reader.label(),
    );
    gauge(
        &mut r,
        "xakiosk_door_open",
        "1 while the cabinet door is open",
        health.door_open as i64,
    );
    gauge(
        &mut r,
        "xakiosk_config_fault",
        "1 when a configuration layer did not load (the kiosk runs on the last good configuration or queue-only) or a start-up fault needs a technician",
        health.config_fault.is_some() as i64,
    );
    gauge(
        &mut r,
        "xakiosk_not_set_up",
        "1 while the kiosk takes no new dossier (not provisioned, or queue-only)",
        health.not_set_up.is_some() as i64,
    );
    let errors = Family::<Labels, Counter>::default();
    for kind in ["print", "card", "sync", "store", "gpio"] {
        errors
            .get_or_create(&vec![("kind".into(), kind.into())])
            .inc_by(0);
    }
    for (kind, n) in &health.errors {
        errors
            .get_or_create(&vec![("kind".into(), kind.clone())])
            .inc_by(*n);
    }
    r.register("xakiosk_errors", "Errors since start, by kind", errors);
    let help = Counter::<u64>::default();
    help.inc_by(health.help_requests);
    r.register(
        "xakiosk_help_requests",
        "Times a resident called for a staff member since start",
        help,
    );
    let info = Family::<Labels, Gauge>::default();
    info.get_or_create(&vec![("version".into(), env!("CARGO_PKG_VERSION").into())])
        .set(1);
    r.register("xakiosk_build", "The running xakiosk version", info);
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &r);
    text
}

/// The queue facts, read on the store's thread.
pub async fn queue_facts(store: &StoreHandle) -> QueueFacts {
    store
        .call(|s| {
            Ok(QueueFacts {
                depth: s.queue_len()?,
                oldest_queued_at: s.oldest_queued_at()?,
            })
        })
        .await
        .unwrap_or_default()
}

#[derive(Clone)]
struct EndpointState {
    health: Health,
    store: StoreHandle,
    clock: Arc<dyn Clock>,
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<EndpointState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let queue = queue_facts(&state.store).await;
    let body = render(&state.health.snapshot(), queue, state.clock.now());
    ([(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// The endpoint's routes (`/metrics`).
pub fn router(health: Health, store: StoreHandle, clock: Arc<dyn Clock>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(EndpointState {
            health,
            store,
            clock,
        })
}

/// Serves `/metrics` on the configured address ("" switches it off); a taken port is logged,
/// not fatal: the kiosk serves residents without it.
pub fn start(
    config: &crate::config::HealthConfig,
    health: Health,
    store: StoreHandle,
    clock: Arc<dyn Clock>,
    runtime: &tokio::runtime::Handle,
) {
    let listen = config.listen.trim().to_string();
    if listen.is_empty() {
        return;
    }
    let app = router(health, store, clock);
    runtime.spawn(async move {
        match tokio::net::TcpListener::bind(&listen).await {
            Ok(listener) => {
                tracing::info!("health metrics on http://{listen}/metrics");
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!("the health endpoint stopped: {e}");
                }
            }
            Err(e) => tracing::error!("the health endpoint cannot listen on {listen}: {e}"),
        }
    });
}
