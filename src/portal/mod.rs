//! The reference portal: what a provincial public-service portal must do for kiosks, over a
//! real database (SQLite), for development, demos and tests. `db` holds the idempotent
//! receiving logic; `routes` the HTTP API of `docs/portal-openapi.yaml` and a small officer
//! page. A real deployment points the kiosk at its province's URL instead.

pub mod db;
pub mod development_officer;
pub mod password;
pub mod routes;

pub use db::{PortalDb, PortalError};
pub use routes::{MAX_IN_FLIGHT, PortalState, REQUEST_DEADLINE, router};

/// Serves the portal on a free loopback port for as long as `runtime` runs (demos and
/// benchmarks); its base URL, or why it cannot listen.
pub fn spawn_on_loopback(
    runtime: &tokio::runtime::Handle,
    state: PortalState,
) -> std::io::Result<String> {
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    runtime.spawn(serve(listener, state, std::future::pending()));
    Ok(base)
}

/// Serves the portal on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: PortalState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address reaches the handlers: the audit log says where each action came from.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
