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
    /// One enrollment token every kiosk may use (a lab, development; --dev gives the
    /// development one). Without it kiosks enroll only with the per-kiosk tokens
    /// administrators issue on /officer/admin
    #[arg(long)]
    pub token: Option<String>,
    /// Private key that opens sealed dossiers on the officer page (required, unless --dev
    /// gives the development key). Repeat it after a rotation: the first is current (kiosks
    /// seal to it), the others open dossiers sealed before
    #[arg(long)]
    pub private_key: Vec<PathBuf>,
    /// Public key catalogue bundles are signed with, told to kiosks at enrollment (none:
    /// kiosks install no catalogue update; --dev gives the development catalogue key)
    #[arg(long)]
    pub catalogue_key: Option<String>,
    /// Development: the published development key, token and catalogue key for what is not
    /// given, said on every officer page. Never for real dossiers
    #[arg(long)]
    pub dev: bool,
    /// Where officers' browsers reach the portal, e.g. https://dvc.example.gov.vn (a TLS proxy
    /// in front of it): its host name is answered, and with https the session cookie is
    /// Secure. Required to listen beyond this machine, unless --allow-plain-http
    #[arg(long)]
    pub public_origin: Option<String>,
    /// Listen beyond this machine without https in front (a lab): officers' passwords and
    /// sessions then cross the network in the clear
    #[arg(long)]
    pub allow_plain_http: bool,
    /// CSCA certificates (a PEM/DER file or a folder of them) the portal re-checks the chip
    /// evidence in dossiers against; repeat for several. Without any, chip data is still
    /// checked against its own signature but shown as from an untrusted signer (--dev adds
    /// the test cards' CSCA)
    #[arg(long)]
    pub csca: Vec<PathBuf>,
}

/// What `xakiosk portal` runs with, once its arguments are checked.
#[derive(Debug, PartialEq, Eq)]
pub struct PortalSetup {
    /// The shared enrollment token, when one is asked for.
    pub token: Option<String>,
    pub public_origin: Option<String>,
    /// Reachable beyond this machine: refused unless the database has an officer account.
    pub exposed: bool,
    pub key_paths: Vec<PathBuf>,
    pub catalogue_key: Option<String>,
    pub development: bool,
}

/// Whether `listen` ("host:port") is an address of this machine only.
fn is_loopback(listen: &str) -> bool {
    let host = match listen.rsplit_once(':') {
        Some((host, _)) => host,
        None => listen,
    };
    crate::sync::transport::loopback::is_loopback_host(host)
}

/// Checks `xakiosk portal`'s arguments: development keys and token only with `--dev`, and
/// never beyond this machine while the officer page has no sign-in unless asked for.
pub fn portal_setup(args: &PortalArgs) -> Result<PortalSetup, String> {
    let dev = args.dev;
    let token = match (&args.token, dev) {
        (Some(t), _) if t.trim().len() < 16 => {
            return Err("--token must be at least 16 characters (a random one)".into());
        }
        (Some(t), _) => Some(t.trim().to_string()),
        (None, true) => Some("development-token".to_string()),
        (None, false) => None,
    };
    let key_paths = match (args.private_key.is_empty(), dev) {
        (false, _) => args.private_key.clone(),
        (true, true) => vec![crate::app::assets::assets_dir().join("dev/portal-development.key")],
        (true, false) => {
            return Err(
                "--private-key is required: the key that opens dossiers (make one with \
                 `xakiosk portal-key FILE`, or --dev for the published development key)"
                    .into(),
            );
        }
    };
    let catalogue_key = match (&args.catalogue_key, dev) {
        (Some(k), _) => Some(k.trim().to_string()),
        (None, true) => {
            Some(crate::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY.to_string())
        }
        (None, false) => None,
    };
    let exposed = !is_loopback(&args.listen);
    if dev && exposed {
        return Err("--dev keys are published: listen on 127.0.0.1 only".into());
    }
    let public_origin = match args.public_origin.as_deref().map(str::trim) {
        None => None,
        Some(origin) => {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or_default()
                .trim_end_matches('/');
            if host.is_empty() || host.contains(['/', '?', '#', '@']) {
                return Err(format!(
                    "--public-origin {origin:?} must be a scheme and host, e.g. https://dvc.example.gov.vn"
                ));
            }
            Some(origin.trim_end_matches('/').to_string())
        }
    };
    let https = public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    if exposed && !https && !args.allow_plain_http {
        return Err(format!(
            "{} is reachable beyond this machine: officers sign in with passwords, so put a \
             TLS proxy in front and give --public-origin https://…, or (a lab) \
             --allow-plain-http",
            args.listen
        ));
    }
    Ok(PortalSetup {
        token,
        public_origin,
        exposed,
        key_paths,
        catalogue_key,
        development: dev,
    })
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

/// The CSCAs the portal re-checks chip evidence against: every `--csca` file or folder (one
/// that cannot be read is an error, never skipped), and with `--dev` the test cards' CSCA.
pub fn csca_list(
    paths: &[PathBuf],
    development: bool,
) -> Result<crate::identity::trust_list::TrustList, String> {
    let mut trust = crate::identity::trust_list::TrustList::empty();
    for path in paths {
        trust.add_path(path);
    }
    if !trust.problems.is_empty() {
        return Err(format!(
            "--csca: {} (the portal re-checks chip evidence against these certificates)",
            trust.problems.join("; ")
        ));
    }
    if development {
        trust.add_path(&crate::app::assets::assets_dir().join("dev/cards/csca.pem"));
    }
    Ok(trust)
}

/// Runs the reference portal until Ctrl-C.
pub fn serve(args: PortalArgs) -> Result<(), String> {
    let PortalSetup {
        token,
        public_origin,
        exposed,
        key_paths,
        catalogue_key,
        development,
    } = portal_setup(&args)?;
    let (listen, db) = (args.listen.as_str(), args.db.as_path());
    use std::sync::Arc;
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
    if development
        && crate::portal::development_officer::ensure(&database).map_err(|e| e.to_string())?
    {
        eprintln!(
            "DEVELOPMENT officer account added: {} / {}",
            crate::portal::development_officer::NAME,
            crate::portal::development_officer::PASSWORD
        );
    }
    if exposed && !database.has_enabled_officers().map_err(|e| e.to_string())? {
        return Err(format!(
            "{listen} is reachable beyond this machine and {} has no officer account: add one \
             first with `xakiosk portal-user --db {} add NAME --role admin --communes '*'`",
            db.display(),
            db.display()
        ));
    }
    let database = Arc::new(database);
    let mut state = match &token {
        Some(token) => {
            if !development {
                eprintln!(
                    "one enrollment token for every kiosk (--token): for a lab; in service, \
                     issue a token per kiosk on /officer/admin"
                );
            }
            crate::portal::PortalState::new(database, token)
        }
        None => crate::portal::PortalState::per_kiosk_tokens(database),
    }
    .with_key_ring(ring);
    if let Some(origin) = &public_origin {
        state = state.with_public_origin(origin);
    }
    if let Some(catalogue_key) = catalogue_key {
        if !crate::protocol::signing::is_public_key(&catalogue_key) {
            return Err("--catalogue-key is not an ed25519 public key in base64".into());
        }
        state = state.with_catalogue_key(&catalogue_key);
    }
    let trust = csca_list(&args.csca, development)?;
    if development {
        eprintln!(
            "DEVELOPMENT portal: the published development key and token — never for real dossiers"
        );
        state = state.development();
    }
    if trust.cscas.is_empty() {
        eprintln!(
            "no --csca: chip evidence in dossiers is checked against its own signature only              (officers see \"signer not trusted\")"
        );
    }
    state = state.with_trust_list(trust);
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

/// The published development catalogue signing key (development portals only).
pub fn development_catalogue_key_file() -> PathBuf {
    crate::app::assets::assets_dir().join("dev/catalogue-development.key")
}

/// The catalogue signing key in `path` (a file with the base64 ed25519 seed).
pub fn read_catalogue_key(path: &Path) -> Result<crate::protocol::signing::DeviceKey, String> {
    let key = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    crate::protocol::signing::DeviceKey::from_base64(&key).map_err(|e| {
        format!(
            "{} is not a catalogue signing key (base64 of a 32-byte ed25519 seed): {e}",
            path.display()
        )
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
    let key_path = key.unwrap_or_else(development_catalogue_key_file);
    let key = read_catalogue_key(&key_path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(listen: &str, extra: &[&str]) -> PortalArgs {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            portal: PortalArgs,
        }
        let mut argv = vec!["xakiosk", "--listen", listen];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().portal
    }

    #[test]
    fn csca_files_that_cannot_be_read_stop_the_portal_and_dev_adds_the_test_csca() {
        let e = csca_list(&[PathBuf::from("/no/such/csca.pem")], false).unwrap_err();
        assert!(e.contains("/no/such/csca.pem"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        assert!(csca_list(std::slice::from_ref(&junk), false).is_err());
        assert!(csca_list(&[], false).unwrap().cscas.is_empty());
        let test_csca = crate::app::assets::assets_dir().join("dev/cards");
        assert_eq!(csca_list(&[test_csca], false).unwrap().cscas.len(), 1);
        assert_eq!(csca_list(&[], true).unwrap().cscas.len(), 1);
    }

    #[test]
    fn development_keys_only_when_asked_and_never_beyond_this_machine() {
        let real = [
            "--token",
            "a-long-random-token-1234",
            "--private-key",
            "p.key",
        ];
        // No key: refused, saying what is needed. No shared token: per-kiosk tokens only.
        let e = portal_setup(&args("127.0.0.1:8787", &[])).unwrap_err();
        assert!(e.contains("--private-key is required"), "{e}");
        let per_kiosk = portal_setup(&args("127.0.0.1:8787", &["--private-key", "p.key"]));
        assert_eq!(per_kiosk.unwrap().token, None);
        let e = portal_setup(&args(
            "127.0.0.1:8787",
            &["--token", "short", "--private-key", "p"],
        ))
        .unwrap_err();
        assert!(e.contains("16 characters"), "{e}");
        // Real keys on loopback: no development value slips in, no catalogue key invented.
        let setup = portal_setup(&args("127.0.0.1:8787", &real)).unwrap();
        assert_eq!(setup.key_paths, vec![PathBuf::from("p.key")]);
        assert_eq!((setup.catalogue_key, setup.development), (None, false));
        // --dev fills in the development values, and says it is development.
        let setup = portal_setup(&args("localhost:8787", &["--dev"])).unwrap();
        assert_eq!(setup.token.as_deref(), Some("development-token"));
        assert!(setup.development && setup.catalogue_key.is_some());
        // Beyond this machine: only behind https (or a lab's plain http said out loud), and
        // never on development keys.
        for listen in ["0.0.0.0:8787", "10.0.0.5:8787", "[::]:8787"] {
            let e = portal_setup(&args(listen, &real)).unwrap_err();
            assert!(e.contains("TLS proxy"), "{listen}: {e}");
        }
        let mut behind_tls = real.to_vec();
        behind_tls.extend(["--public-origin", "https://dvc.example.gov.vn/"]);
        let setup = portal_setup(&args("0.0.0.0:8787", &behind_tls)).unwrap();
        assert!(setup.exposed);
        assert_eq!(
            setup.public_origin.as_deref(),
            Some("https://dvc.example.gov.vn")
        );
        let mut lab = real.to_vec();
        lab.push("--allow-plain-http");
        assert!(portal_setup(&args("10.0.0.5:8787", &lab)).unwrap().exposed);
        let mut bad_origin = real.to_vec();
        bad_origin.extend(["--public-origin", "https://dvc.example.gov.vn/officer"]);
        assert!(portal_setup(&args("127.0.0.1:8787", &bad_origin)).is_err());
        let e = portal_setup(&args("0.0.0.0:8787", &["--dev", "--allow-plain-http"])).unwrap_err();
        assert!(e.contains("127.0.0.1 only"), "{e}");
        assert!(
            !portal_setup(&args("127.0.0.1:8787", &real))
                .unwrap()
                .exposed
        );
        assert!(portal_setup(&args("[::1]:8787", &real)).is_ok());
    }
}
