//! The reference portal started beside a desktop kiosk whose configuration says
//! `[portal] url = "builtin"` (never as a fallback): on loopback, its database next to the
//! kiosk's, opening dossiers with the development key; officers sign in with the published
//! development account. A build without the `portal` feature
//! (the appliance) has no portal to start and says so.

use crate::config::Config;

/// Why the built-in portal did not start (the kiosk then says so; it never falls back).
#[derive(Debug, thiserror::Error)]
pub enum BuiltinPortalError {
    #[error("cannot open the built-in portal's database: {0}")]
    Database(String),
    #[error("the built-in portal cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
    #[error(
        "[portal] url = \"builtin\", but this build (the appliance) has no built-in portal: \
         set [portal] url to the province's portal"
    )]
    NotInThisBuild,
}

/// Starts the built-in portal on the runtime; its base URL.
#[cfg(feature = "portal")]
pub fn start(
    config: &Config,
    runtime: &tokio::runtime::Handle,
) -> Result<String, BuiltinPortalError> {
    use crate::portal::{PortalDb, PortalState};
    use crate::protocol::sealing::Opener;
    use std::sync::Arc;
    let listen = config.portal.builtin_listen.clone();
    // Only the address is taken before the kiosk's window opens; the database (and the
    // development officer's password hash, slow on purpose) is prepared on a worker thread,
    // and the first requests wait in the listen queue until the portal serves.
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&listen))
        .map_err(|source| BuiltinPortalError::Listen {
            address: listen.clone(),
            source,
        })?;
    let database = config.data_dir().join("builtin-portal.sqlite");
    let trust_list = config.identity.trust_list.clone();
    let token = config.portal.token.clone();
    runtime.spawn(async move {
        let prepared = tokio::task::spawn_blocking(move || {
            let db = PortalDb::open(&database)
                .map_err(|e| BuiltinPortalError::Database(e.to_string()))?;
            crate::portal::development_officer::ensure(&db)
                .map_err(|e| BuiltinPortalError::Database(e.to_string()))?;
            let key_path = crate::app::assets::assets_dir().join("dev/portal-development.key");
            // The same CSCAs the kiosk trusts, and the test cards' CSCA (a development portal).
            let mut trust = crate::identity::trust_list::TrustList::empty();
            if !trust_list.is_empty() && std::path::Path::new(&trust_list).exists() {
                trust.add_path(std::path::Path::new(&trust_list));
            }
            trust.add_path(&crate::app::assets::assets_dir().join("dev/cards/csca.pem"));
            let mut state = PortalState::new(Arc::new(db), &token)
                .with_catalogue_key(crate::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY)
                .with_trust_list(trust)
                .development();
            if let Some(opener) = std::fs::read_to_string(&key_path)
                .ok()
                .and_then(|k| Opener::from_base64(&k).ok())
            {
                state = state.with_opener(opener);
            }
            Ok::<_, BuiltinPortalError>(state)
        })
        .await;
        let state = match prepared {
            Ok(Ok(state)) => state,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the built-in portal cannot start");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "the built-in portal cannot start");
                return;
            }
        };
        if let Err(e) = crate::portal::serve(listener, state, std::future::pending()).await {
            tracing::error!(error = %e, "the built-in portal stopped");
        }
    });
    tracing::info!(
        "built-in reference portal on http://{listen} (officer pages: /officer, development \
         account {} / {})",
        crate::portal::development_officer::NAME,
        crate::portal::development_officer::PASSWORD
    );
    Ok(format!("http://{listen}"))
}

/// This build has no portal: a configuration asking for one is a fault, never a fallback.
#[cfg(not(feature = "portal"))]
pub fn start(
    _config: &Config,
    _runtime: &tokio::runtime::Handle,
) -> Result<String, BuiltinPortalError> {
    Err(BuiltinPortalError::NotInThisBuild)
}
