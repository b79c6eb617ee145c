//! The reference portal's commands (not in the appliance build): `xakiosk portal`,
//! `portal-key` and `publish-catalogue`.

use std::path::{Path, PathBuf};

/// Run the reference portal (development, demos, tests): the kiosk API and the officer page
#[derive(clap::Args, Debug)]
pub struct PortalArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: String,
    /// The portal's database (created if missing)
    #[arg(long, default_value = "portal.sqlite")]
    pub db: PathBuf,
    /// The enrollment token kiosks present to enroll their device keys
    #[arg(long, default_value = "development-token")]
    pub token: String,
    /// Private key that opens sealed dossiers on the officer page (default: the development
    /// key). Repeat it after a rotation: the first is current (kiosks seal to it), the
    /// others open dossiers sealed before
    #[arg(long)]
    pub private_key: Vec<PathBuf>,
    /// Public key catalogue bundles are signed with, told to kiosks at enrollment
    /// (default: the development catalogue key)
    #[arg(long)]
    pub catalogue_key: Option<String>,
}

/// Sign the procedure catalogue and publish it in a reference portal's database; kiosks
/// install it on their next sync
#[derive(clap::Args, Debug)]
pub struct PublishCatalogueArgs {
    /// The portal's database
    #[arg(long, default_value = "portal.sqlite")]
    pub db: PathBuf,
    /// Folder of procedure files (default: the shipped catalogue)
    #[arg(long)]
    pub procedures: Option<PathBuf>,
    /// A new administrative units list (TSV) to ship with it
    #[arg(long)]
    pub units: Option<PathBuf>,
    /// The offices of the province's communes (TOML, see SCHEMA.md) to ship with it
    #[arg(long)]
    pub offices: Option<PathBuf>,
    /// The catalogue signing key, a file with the base64 ed25519 seed (default: the development key)
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// The bundle's version (default: one more than the latest published)
    #[arg(long)]
    pub version: Option<u64>,
    /// Announce a new sealing key (X25519 public, base64) to every kiosk: after a
    /// rotation, give the portal the new private key first and the old one after it
    #[arg(long)]
    pub sealing_key: Option<String>,
}

/// Runs the reference portal until Ctrl-C.
pub fn serve(args: PortalArgs) -> Result<(), String> {
    let PortalArgs {
        listen,
        db,
        token,
        private_key,
        catalogue_key,
    } = args;
    let (listen, db, token) = (listen.as_str(), db.as_path(), token.as_str());
    use std::sync::Arc;
    let key_paths = if private_key.is_empty() {
        vec![crate::app::assets::assets_dir().join("dev/portal-development.key")]
    } else {
        private_key
    };
    let mut openers = Vec::new();
    for key_path in &key_paths {
        let key = std::fs::read_to_string(key_path)
            .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
        openers.push(
            crate::protocol::sealing::Opener::from_base64(&key)
                .map_err(|e| format!("{}: {e}", key_path.display()))?,
        );
    }
    let current = openers.remove(0);
    let ring = crate::protocol::sealing::KeyRing::new(current, openers);
    let database = crate::portal::PortalDb::open(db)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let catalogue_key = catalogue_key.unwrap_or_else(|| {
        crate::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY.to_string()
    });
    if !crate::protocol::signing::is_public_key(&catalogue_key) {
        return Err("--catalogue-key is not an ed25519 public key in base64".into());
    }
    let state = crate::portal::PortalState::new(Arc::new(database), token)
        .with_key_ring(ring)
        .with_catalogue_key(&catalogue_key);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        println!("reference portal on http://{listen} — officer page: http://{listen}/officer");
        crate::portal::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}

/// Signs the catalogue and publishes it in the portal's database.
pub fn publish_catalogue(args: PublishCatalogueArgs) -> Result<(), String> {
    let PublishCatalogueArgs {
        db,
        procedures,
        units,
        offices,
        key,
        version,
        sealing_key,
    } = args;
    let db = db.as_path();
    let assets = crate::app::assets::assets_dir();
    let procedures = procedures.unwrap_or_else(|| assets.join("procedures"));
    let key_path = key.unwrap_or_else(|| assets.join("dev/catalogue-development.key"));
    let key = std::fs::read_to_string(&key_path)
        .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    let key = crate::protocol::signing::DeviceKey::from_base64(&key).map_err(|e| {
        format!(
            "{} is not a catalogue signing key (base64 of a 32-byte ed25519 seed): {e}",
            key_path.display()
        )
    })?;
    let database = crate::portal::PortalDb::open(db)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let latest = database
        .catalogue_since(0)
        .map_err(|e| e.to_string())?
        .map(|c| c.version)
        .unwrap_or(0);
    let version = version.unwrap_or(latest + 1);
    let mut bundle = crate::app::assets::catalogue_bundle_from_files(
        &procedures,
        units.as_deref(),
        offices.as_deref(),
        version,
    )
    .map_err(|e| e.to_string())?;
    bundle.sealing_public_key = sealing_key.map(|k| k.trim().to_string());
    let signed = crate::protocol::catalogue_bundle::sign(&bundle, &key);
    // Refuse to publish what a kiosk would refuse to install.
    crate::protocol::catalogue_bundle::open(&signed, &key.public_base64(), 0)
        .map_err(|e| format!("not published: {e}"))?;
    database
        .publish_catalogue(&signed)
        .map_err(|e| format!("not published: {e}"))?;
    println!(
        "published catalogue version {version}: {} procedure file(s){}",
        bundle.procedures.len(),
        match (bundle.admin_units.is_some(), bundle.offices.is_some()) {
            (true, true) => ", a units list and the offices",
            (true, false) => " and a units list",
            (false, true) => " and the offices",
            (false, false) => "",
        }
    );
    Ok(())
}

/// Makes a portal sealing key pair: the private key to `out` (never overwritten), the public
/// key printed.
pub fn portal_key(out: &Path) -> Result<(), String> {
    if out.exists() {
        return Err(format!(
            "{} exists: a key is never overwritten",
            out.display()
        ));
    }
    let (private, public) = crate::protocol::sealing::Opener::generate();
    crate::store::atomic_file::write_private(out, private.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
        .map(|()| println!("{public}"))
}
