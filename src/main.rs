//! The `xakiosk` command: runs the kiosk, and the technician's tools around it.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xakiosk::config::Config;

#[derive(Parser)]
#[command(
    name = "xakiosk",
    version,
    about = "Offline-first public-service kiosk"
)]
struct Cli {
    /// Configuration file (default: /etc/xakiosk/config.toml when it exists, else
    /// ~/.config/xakiosk/config.toml). The provisioned layer in the data folder is laid over it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Lay the development layer under the configuration file: the built-in reference portal
    /// and the published development keys (a desktop, never a real kiosk)
    #[arg(long, global = true)]
    development: bool,
    /// Fill the whole screen (the appliance)
    #[arg(long)]
    fullscreen: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Walk a scripted resident through procedures headless and save a PNG of every screen
    Demo {
        /// Folder for the screenshots, the summary and the demo database
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
        /// Procedure id to walk (repeatable; "all" walks every procedure)
        #[arg(long = "procedure")]
        procedures: Vec<String>,
    },
    /// Print the performance table (start-up, memory, rendering, durable submit, sync)
    Bench {
        /// Fewer repetitions, smaller queues
        #[arg(long)]
        quick: bool,
        /// Only one part: "ui" (start-up, memory, rendering, submit), "identity" (chip card, QR) or "sync"
        #[arg(long, value_parser = ["ui", "identity", "sync"])]
        only: Option<String>,
    },
    /// Check procedure files and print what would be skipped
    Catalogue {
        /// Folder of procedure files (default: the shipped catalogue)
        dir: Option<PathBuf>,
    },
    /// Run the reference portal (development, demos, tests): the kiosk API and the officer page
    Portal {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// The portal's database (created if missing)
        #[arg(long, default_value = "portal.sqlite")]
        db: PathBuf,
        /// The enrollment token kiosks present to enroll their device keys
        #[arg(long, default_value = "development-token")]
        token: String,
        /// Private key that opens sealed dossiers on the officer page (default: the development
        /// key). Repeat it after a rotation: the first is current (kiosks seal to it), the
        /// others open dossiers sealed before
        #[arg(long)]
        private_key: Vec<PathBuf>,
        /// Public key catalogue bundles are signed with, told to kiosks at enrollment
        /// (default: the development catalogue key)
        #[arg(long)]
        catalogue_key: Option<String>,
    },
    /// Make a portal sealing key pair: the private key goes to FILE (owner-only; give it to
    /// `portal --private-key`), the public key is printed (kiosks seal to it)
    PortalKey {
        /// Where the private key goes (must not exist)
        out: PathBuf,
    },
    /// Sign the procedure catalogue and publish it in a reference portal's database; kiosks
    /// install it on their next sync
    PublishCatalogue {
        /// The portal's database
        #[arg(long, default_value = "portal.sqlite")]
        db: PathBuf,
        /// Folder of procedure files (default: the shipped catalogue)
        #[arg(long)]
        procedures: Option<PathBuf>,
        /// A new administrative units list (TSV) to ship with it
        #[arg(long)]
        units: Option<PathBuf>,
        /// The catalogue signing key, a file with the base64 ed25519 seed (default: the development key)
        #[arg(long)]
        key: Option<PathBuf>,
        /// The bundle's version (default: one more than the latest published)
        #[arg(long)]
        version: Option<u64>,
        /// Announce a new sealing key (X25519 public, base64) to every kiosk: after a
        /// rotation, give the portal the new private key first and the old one after it
        #[arg(long)]
        sealing_key: Option<String>,
    },
    /// Check a receipt's signature from its QR text (XKR1:…)
    VerifyReceipt {
        /// The text of the receipt's QR code
        text: String,
        /// The kiosk's device public key (base64), to check the receipt is that kiosk's
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Print the annotated default configuration
    DefaultConfig,
    /// Root's side of the admin screen's network settings (xakiosk-network.service): check the
    /// kiosk's request and render the systemd-networkd file
    ApplyNetwork {
        /// The request the kiosk left (the settings code's text)
        #[arg(long, default_value = "/var/lib/xakiosk/kiosk/network-settings.txt")]
        request: PathBuf,
        /// The networkd file to write
        #[arg(long, default_value = xakiosk::appliance::network_settings::NETWORKD_FILE)]
        out: PathBuf,
    },
    /// Root's side of maintenance mode (xakiosk-maintenance.service): install the SSH keys
    /// provisioning gave (checked) as the only authorized keys
    MaintenanceKeys {
        /// Where sshd reads the authorized keys
        #[arg(long, default_value = "/var/lib/xakiosk/system/ssh/authorized_keys")]
        out: PathBuf,
    },
    /// Root's step before the kiosk starts on the appliance (xakiosk.service): move what an
    /// image with the old data-partition layout kept into the kiosk's folder and root's
    MigrateDataLayout {
        /// The data partition
        #[arg(long, default_value = "/var/lib/xakiosk")]
        root: PathBuf,
    },
    /// Replace the device key by a new one; the old key signs a handover to it, so dossiers
    /// queued before still reach the portal with verifiable receipts. Restart the kiosk after.
    RotateDeviceKey,
    /// The configuration in force: `config show` prints it with each key's source
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print the pin_hash value (Argon2id) of a helper's PIN for [[assist.helpers]]
    HelperPin {
        /// The helper's id (as in the configuration)
        id: String,
        /// The PIN: 4 to 8 digits
        pin: String,
    },
    /// Render a sample receipt as the configured printer profile would print it, to a PNG
    /// (and with --print, send it to the configured printer: a test page)
    ReceiptSample {
        /// Where the picture goes
        #[arg(long, default_value = "receipt-sample.png")]
        out: PathBuf,
        /// Also print it on the configured printer
        #[arg(long)]
        print: bool,
    },
    /// Bind this kiosk to its provincial portal: make (and save) the device key, enroll it with
    /// the token, and write the provisioned layer in the data folder (never the configuration
    /// file). With --sealing-key it works offline: the kiosk enrolls on first contact.
    /// Exit codes: 2 bad arguments, 3 portal unreachable, 4 refused, 5 cannot write
    Provision {
        /// The portal's address, e.g. https://dichvucong.example.gov.vn
        #[arg(long, required_unless_present = "qr")]
        portal: Option<String>,
        /// The enrollment token the portal administrator gave for this kiosk
        #[arg(long, required_unless_present = "qr")]
        token: Option<String>,
        /// The commune or ward code (5 digits) of the administrative units list
        #[arg(long, required_unless_present = "qr")]
        commune: Option<String>,
        /// The kiosk's id (default: kept, or made from the commune and the device key)
        #[arg(long)]
        kiosk_id: Option<String>,
        /// The text of a provisioning QR code (XAKP1:…) instead of the three options above
        #[arg(long, conflicts_with_all = ["portal", "token", "commune"])]
        qr: Option<String>,
        /// The portal's sealing key (X25519, base64): provisioning then works with no network
        #[arg(long)]
        sealing_key: Option<String>,
        /// The portal's catalogue signing key (ed25519, base64)
        #[arg(long)]
        catalogue_key: Option<String>,
        /// The admin screen's PIN (6 to 8 digits), kept hashed in the provisioned layer
        #[arg(long)]
        admin_pin: Option<String>,
        /// An OpenSSH public key allowed in maintenance mode (repeatable)
        #[arg(long = "ssh-key")]
        ssh_keys: Vec<String>,
    },
    /// Check configuration, card reader, printer (test page), camera, GPIO, portal, clock, disk
    /// and database; print a table; exit 1 if any check fails
    Selftest {
        /// Only ask the printer's status, print no test page
        #[arg(long)]
        no_print: bool,
    },
    /// Print the pin_hash value (Argon2id) of the admin screen's PIN for [admin] (provisioning
    /// sets it with --admin-pin)
    AdminPin {
        /// 6 to 8 digits
        pin: String,
    },
    /// Chip ID card tools for technicians: read a card, list readers, serve a virtual card
    #[command(subcommand)]
    Card(CardCmd),
    /// Decode the CCCD QR code in image files (checking a camera) and print the fields as JSON
    Qr {
        /// Image files (PNG, JPEG)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    #[command(hide = true)]
    BenchFirstFrame,
    /// Queues one made-up dossier through the kiosk's real path (kiosk-image/field-test)
    #[command(hide = true)]
    TestDossier,
    /// Sends the queue to a portal until it is empty, printing each accepted code (the child of
    /// the sync crash test)
    #[command(hide = true)]
    CrashSyncer {
        db: PathBuf,
        #[arg(long)]
        portal: String,
        #[arg(long)]
        token: String,
    },
    /// Regenerate the simulator's fictitious test cards from assets/dev/cards/holders.toml
    #[command(hide = true)]
    DevIssueCards {
        #[arg(default_value = "assets/dev/cards")]
        folder: PathBuf,
    },
    /// Submits dossiers until killed (the child of the power-cut test)
    #[command(hide = true)]
    CrashWriter {
        db: PathBuf,
        #[arg(long)]
        limit: Option<u64>,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the effective configuration as TOML, each key with its source (default,
    /// development, file, provisioned, last-good); exit 1 if a layer is broken
    Show,
}

#[derive(Subcommand)]
enum CardCmd {
    /// Read a chip ID card and print the files read, the DG1/DG13 fields and the verification
    /// as JSON
    Read {
        /// "sim" (the chip simulator) or part of a PC/SC reader's name (see `card readers`)
        #[arg(long, default_value = "sim")]
        reader: String,
        /// With --reader sim: the card file (default: the test card with --id)
        #[arg(long)]
        sim_card: Option<PathBuf>,
        /// The 12-digit personal ID (with --birth), when there is no QR text
        #[arg(long)]
        id: Option<String>,
        /// Date of birth, DD/MM/YYYY
        #[arg(long)]
        birth: Option<String>,
        /// Expiry date, DD/MM/YYYY (default: tried from the renewal rules)
        #[arg(long)]
        expiry: Option<String>,
        /// The text of the card's QR code instead of --id/--birth
        #[arg(long)]
        qr: Option<String>,
        /// CSCA certificate files or folders to verify against (repeatable)
        #[arg(long)]
        trust: Vec<PathBuf>,
        /// Largest extended-length read to try (bytes); default short reads
        #[arg(long)]
        extended_read: Option<usize>,
    },
    /// List the PC/SC readers pcscd knows
    Readers,
    /// Put a test card on vsmartcard's virtual reader (pcscd + vpcd) until stopped
    ServeVirtual {
        /// A card file (assets/dev/cards/*.card.json)
        card: PathBuf,
        #[arg(long, default_value = xakiosk::identity::card_side::vpcd_card::VPCD_ADDRESS)]
        vpcd: String,
    },
}

fn card_command(command: CardCmd) -> Result<(), String> {
    match command {
        CardCmd::Read {
            reader,
            sim_card,
            id,
            birth,
            expiry,
            qr,
            trust,
            extended_read,
        } => {
            let report = xakiosk::tools::card_cli::read(&xakiosk::tools::card_cli::ReadArgs {
                reader,
                sim_card,
                id,
                birth,
                expiry,
                qr,
                trust,
                extended_read,
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        CardCmd::Readers => {
            let readers =
                xakiosk::devices::pcsc_reader::PcscReader::list().map_err(|e| e.to_string())?;
            if readers.is_empty() {
                return Err("pcscd is running but lists no reader: plug one in".into());
            }
            for name in readers {
                println!("{name}");
            }
            Ok(())
        }
        CardCmd::ServeVirtual { card, vpcd } => {
            let answered = xakiosk::tools::card_cli::serve_virtual(&card, &vpcd)?;
            eprintln!("the virtual card answered {answered} APDUs; vpcd hung up");
            Ok(())
        }
    }
}

/// A fresh salt for a PIN hash.
fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the system has randomness");
    salt
}

/// The configuration layers the command line names.
fn layer_paths(cli: &Cli) -> xakiosk::config::layers::LayerPaths {
    let file = cli.config.clone().unwrap_or_else(Config::default_path);
    xakiosk::config::layers::LayerPaths::new(&file, cli.development)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let layers = layer_paths(&cli);
    // The benchmark drains thousands of dossiers: one log line each would drown its table.
    let default_filter = match cli.command {
        Some(Cmd::Bench { .. }) => "warn",
        _ => "xakiosk=info,warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Some(Cmd::Provision {
            portal,
            token,
            commune,
            kiosk_id,
            qr,
            sealing_key,
            catalogue_key,
            admin_pin,
            ssh_keys,
        }) => {
            return provision(
                layers,
                portal,
                token,
                commune,
                kiosk_id,
                qr,
                ProvisionExtras {
                    sealing_key,
                    catalogue_key,
                    admin_pin,
                    ssh_keys,
                },
            );
        }
        Some(Cmd::Selftest { no_print }) => {
            let checks = xakiosk::app::selftest::run(&layers, !no_print);
            print!("{}", xakiosk::app::selftest::table(&checks));
            let failed = checks
                .iter()
                .filter(|c| c.verdict == xakiosk::app::selftest::Verdict::Fail)
                .count();
            if failed > 0 {
                Err(format!("{failed} check(s) failed"))
            } else {
                Ok(())
            }
        }
        Some(Cmd::AdminPin { pin }) => {
            if !(6..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
                Err("the admin PIN is 6 to 8 digits".into())
            } else {
                println!("{}", xakiosk::core::assist::pin_hash(&pin, random_salt()));
                Ok(())
            }
        }
        None => run_kiosk(&layers, cli.fullscreen),
        Some(Cmd::Config(ConfigCmd::Show)) => {
            let effective = xakiosk::config::layers::load(&layers);
            print!("{}", xakiosk::config::layers::show(&effective));
            match effective.fault {
                Some(fault) => Err(fault),
                None => Ok(()),
            }
        }
        Some(Cmd::Demo { out, procedures }) => demo(out, procedures),
        Some(Cmd::Bench { quick, only }) => xakiosk::tools::bench::run(quick, only.as_deref()),
        Some(Cmd::BenchFirstFrame) => xakiosk::tools::bench::first_frame_probe(),
        Some(Cmd::TestDossier) => {
            xakiosk::tools::test_dossier::queue(&xakiosk::config::layers::load(&layers))
                .map(|code| println!("queued test dossier {code}"))
        }
        Some(Cmd::Card(command)) => card_command(command),
        Some(Cmd::Qr { files }) => {
            let (report, failed) = xakiosk::tools::card_cli::qr(&files);
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
        Some(Cmd::DevIssueCards { folder }) => {
            xakiosk::identity::card_side::test_issuer::issue_folder(&folder)
                .map(|written| {
                    for path in written {
                        println!("{path}");
                    }
                })
                .map_err(|e| format!("could not issue the test cards: {e}"))
        }
        Some(Cmd::CrashWriter { db, limit }) => {
            xakiosk::tools::crash_writer::write_until_killed(&db, limit)
        }
        Some(Cmd::Catalogue { dir }) => check_catalogue(dir),
        Some(Cmd::VerifyReceipt { text, public_key }) => {
            verify_receipt(&text, public_key.as_deref())
        }
        Some(Cmd::CrashSyncer { db, portal, token }) => crash_syncer(&db, &portal, &token),
        Some(Cmd::Portal {
            listen,
            db,
            token,
            private_key,
            catalogue_key,
        }) => run_portal(&listen, &db, &token, private_key, catalogue_key),
        Some(Cmd::PublishCatalogue {
            db,
            procedures,
            units,
            key,
            version,
            sealing_key,
        }) => publish_catalogue(&db, procedures, units, key, version, sealing_key),
        Some(Cmd::HelperPin { id, pin }) => {
            if id.trim().is_empty() {
                Err("the helper id is empty".into())
            } else if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
                Err("a PIN is 4 to 8 digits".into())
            } else {
                println!("{}", xakiosk::core::assist::pin_hash(&pin, random_salt()));
                Ok(())
            }
        }
        Some(Cmd::ReceiptSample { out, print }) => {
            let effective = xakiosk::config::layers::load(&layers);
            match effective.fault {
                Some(fault) => Err(fault),
                None => xakiosk::tools::receipt_sample::run(&effective.config, &out, print),
            }
        }
        Some(Cmd::MigrateDataLayout { root }) => {
            let (moved, left) = xakiosk::appliance::data_layout::migrate(&root);
            for line in &moved {
                println!("moved {line}");
            }
            for line in &left {
                eprintln!("left {line}");
            }
            Ok(())
        }
        Some(Cmd::ApplyNetwork { request, out }) => {
            xakiosk::appliance::network_settings::apply_request(&request, &out).map(|summary| {
                println!("network settings applied: {summary}");
            })
        }
        Some(Cmd::MaintenanceKeys { out }) => {
            let effective = xakiosk::config::layers::load(&layers);
            match &effective.fault {
                Some(fault) => Err(format!("{fault}: no SSH key installed")),
                None => xakiosk::appliance::maintenance_keys::install(
                    &effective.config.admin.ssh_authorized_keys,
                    &out,
                )
                .map(|n| println!("{n} SSH key(s) authorized until the next reboot")),
            }
        }
        Some(Cmd::RotateDeviceKey) => {
            let key_path = layers.data_dir.join("device.key");
            xakiosk::appliance::device_key_file::rotate(&key_path)
                .map_err(|e| e.to_string())
                .map(|key| {
                    println!("new device key {}", key.public_base64());
                    println!(
                        "the old key handed over to it ({}); restart the kiosk to use it",
                        xakiosk::appliance::device_key_file::handovers_path(&key_path).display()
                    );
                })
        }
        Some(Cmd::PortalKey { out }) => {
            if out.exists() {
                Err(format!(
                    "{} exists: a key is never overwritten",
                    out.display()
                ))
            } else {
                let (private, public) = xakiosk::protocol::sealing::Opener::generate();
                xakiosk::store::atomic_file::write_private(&out, private.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))
                    .map(|()| println!("{public}"))
            }
        }
        Some(Cmd::DefaultConfig) => {
            print!("{}", include_str!("../assets/config/default.toml"));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line may add to a provisioning request (or a QR code's).
struct ProvisionExtras {
    sealing_key: Option<String>,
    catalogue_key: Option<String>,
    admin_pin: Option<String>,
    ssh_keys: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn provision(
    layers: xakiosk::config::layers::LayerPaths,
    portal: Option<String>,
    token: Option<String>,
    commune: Option<String>,
    kiosk_id: Option<String>,
    qr: Option<String>,
    extras: ProvisionExtras,
) -> ExitCode {
    use xakiosk::appliance::provision::{ProvisionRequest, provision};
    if let Some(pin) = &extras.admin_pin
        && (!(6..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()))
    {
        eprintln!("error: --admin-pin is 6 to 8 digits");
        return ExitCode::from(2);
    }
    let request = match qr {
        Some(text) => ProvisionRequest::from_qr(&text),
        None => Ok(ProvisionRequest {
            portal: portal.unwrap_or_default(),
            token: token.unwrap_or_default(),
            commune: commune.unwrap_or_default(),
            kiosk_id: None,
            sealing_key: None,
            catalogue_key: None,
            admin_pin_hash: None,
            ssh_keys: None,
        }),
    }
    .map(|mut r| {
        if kiosk_id.is_some() {
            r.kiosk_id = kiosk_id;
        }
        if extras.sealing_key.is_some() {
            r.sealing_key = extras.sealing_key;
        }
        if extras.catalogue_key.is_some() {
            r.catalogue_key = extras.catalogue_key;
        }
        if !extras.ssh_keys.is_empty() {
            r.ssh_keys = Some(extras.ssh_keys);
        }
        if let Some(pin) = &extras.admin_pin {
            r.admin_pin_hash = Some(xakiosk::core::assist::pin_hash(pin, random_salt()));
        }
        r
    });
    let units = xakiosk::app::assets::load_admin_units(
        &xakiosk::app::assets::assets_dir().join("admin-units/units-2025.tsv"),
    );
    let result = match (request, units) {
        (Ok(request), Ok(units)) => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(provision(&layers, &request, &units)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        (Err(e), _) => Err(e),
        (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(done) => {
            println!("provisioned {} — {}", done.kiosk_id, done.place);
            println!("device key  {}", done.device_public_key);
            match &done.enrolled_at {
                Some(at) => println!("enrolled at {at}"),
                None => println!(
                    "enrolled    not yet: the portal is unreachable; the kiosk takes dossiers \
                     now and enrolls on its first contact"
                ),
            }
            println!("layer       {}", done.layer_path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("the configuration was not changed");
            ExitCode::from(e.exit_code())
        }
    }
}

fn demo(out: PathBuf, procedures: Vec<String>) -> Result<(), String> {
    let report = xakiosk::tools::demo::run(&xakiosk::tools::demo::DemoOptions {
        out: out.clone(),
        procedures,
    })?;
    let failures = report.failures();
    if failures.is_empty() {
        println!(
            "demo passed: {} screens in {}",
            report.screenshots.len(),
            out.display()
        );
        Ok(())
    } else {
        Err(format!(
            "{} demo step(s) failed: {}",
            failures.len(),
            failures.join("; ")
        ))
    }
}

fn crash_syncer(db: &std::path::Path, portal: &str, token: &str) -> Result<(), String> {
    use std::io::Write;
    use std::sync::Arc;
    let sealer = xakiosk::protocol::sealing::Sealer::from_base64(
        xakiosk::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
    )
    .map_err(|e| e.to_string())?;
    let store = xakiosk::store::Store::open(db, sealer).map_err(|e| e.to_string())?;
    let store = xakiosk::store::StoreHandle::spawn(store);
    let identity = xakiosk::sync::transport::KioskIdentity {
        kiosk_id: "KIOSK-CRASH".into(),
        key: xakiosk::appliance::device_key_file::load_or_create(&db.with_file_name("device.key"))
            .map_err(|e| e.to_string())?,
        place: "crash test".into(),
    };
    let transport = xakiosk::sync::transport::HttpTransport::new(
        portal,
        identity,
        token,
        std::time::Duration::from_secs(10),
    )?;
    let clock = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let engine = xakiosk::sync::engine::SyncEngine::new(
        store.clone(),
        transport,
        clock.clone(),
        "KIOSK-CRASH",
    )
    // Small chunks, so the crash test's kills also land between the chunks of a photo.
    .with_chunk_size(1024)
    .with_on_accepted(|code| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{code}");
        let _ = out.flush();
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // Each pass first queues again what the killed run left "sending".
        loop {
            engine.pass().await.map_err(|e| e.to_string())?;
            if store
                .call(|s| s.queue_len())
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                return Ok(());
            }
            // A failed send is scheduled with backoff; in this probe, try again at once.
            store
                .call(|s| {
                    s.connection().execute(
                        "UPDATE dossiers SET next_attempt_at = NULL WHERE state = 'queued'",
                        [],
                    )?;
                    Ok(())
                })
                .await
                .map_err(|e| e.to_string())?;
        }
    })
}

fn verify_receipt(text: &str, public_key: Option<&str>) -> Result<(), String> {
    let receipt = xakiosk::protocol::receipt::Receipt::parse(text).map_err(|e| e.to_string())?;
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

fn run_portal(
    listen: &str,
    db: &std::path::Path,
    token: &str,
    private_key: Vec<PathBuf>,
    catalogue_key: Option<String>,
) -> Result<(), String> {
    use std::sync::Arc;
    let key_paths = if private_key.is_empty() {
        vec![xakiosk::app::assets::assets_dir().join("dev/portal-development.key")]
    } else {
        private_key
    };
    let mut openers = Vec::new();
    for key_path in &key_paths {
        let key = std::fs::read_to_string(key_path)
            .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
        openers.push(
            xakiosk::protocol::sealing::Opener::from_base64(&key)
                .map_err(|e| format!("{}: {e}", key_path.display()))?,
        );
    }
    let current = openers.remove(0);
    let ring = xakiosk::protocol::sealing::KeyRing::new(current, openers);
    let database = xakiosk::portal::PortalDb::open(db)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let catalogue_key = catalogue_key.unwrap_or_else(|| {
        xakiosk::protocol::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY.to_string()
    });
    if !xakiosk::protocol::signing::is_public_key(&catalogue_key) {
        return Err("--catalogue-key is not an ed25519 public key in base64".into());
    }
    let state = xakiosk::portal::PortalState::new(Arc::new(database), token)
        .with_key_ring(ring)
        .with_catalogue_key(&catalogue_key);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        println!("reference portal on http://{listen} — officer page: http://{listen}/officer");
        xakiosk::portal::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}

fn publish_catalogue(
    db: &std::path::Path,
    procedures: Option<PathBuf>,
    units: Option<PathBuf>,
    key: Option<PathBuf>,
    version: Option<u64>,
    sealing_key: Option<String>,
) -> Result<(), String> {
    let assets = xakiosk::app::assets::assets_dir();
    let procedures = procedures.unwrap_or_else(|| assets.join("procedures"));
    let key_path = key.unwrap_or_else(|| assets.join("dev/catalogue-development.key"));
    let key = std::fs::read_to_string(&key_path)
        .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    let key = xakiosk::protocol::signing::DeviceKey::from_base64(&key).map_err(|e| {
        format!(
            "{} is not a catalogue signing key (base64 of a 32-byte ed25519 seed): {e}",
            key_path.display()
        )
    })?;
    let database = xakiosk::portal::PortalDb::open(db)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let latest = database
        .catalogue_since(0)
        .map_err(|e| e.to_string())?
        .map(|c| c.version)
        .unwrap_or(0);
    let version = version.unwrap_or(latest + 1);
    let mut bundle =
        xakiosk::app::assets::catalogue_bundle_from_files(&procedures, units.as_deref(), version)?;
    bundle.sealing_public_key = sealing_key.map(|k| k.trim().to_string());
    let signed = xakiosk::protocol::catalogue_bundle::sign(&bundle, &key);
    // Refuse to publish what a kiosk would refuse to install.
    xakiosk::protocol::catalogue_bundle::open(&signed, &key.public_base64(), 0)
        .map_err(|e| format!("not published: {e}"))?;
    database
        .publish_catalogue(&signed)
        .map_err(|e| format!("not published: {e}"))?;
    println!(
        "published catalogue version {version}: {} procedure file(s){}",
        bundle.procedures.len(),
        if bundle.admin_units.is_some() {
            " and a units list"
        } else {
            ""
        }
    );
    Ok(())
}

fn check_catalogue(dir: Option<PathBuf>) -> Result<(), String> {
    let dir = dir.unwrap_or_else(|| xakiosk::app::assets::assets_dir().join("procedures"));
    let (catalogue, problems) = xakiosk::app::assets::load_catalogue(&dir);
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

fn run_kiosk(layers: &xakiosk::config::layers::LayerPaths, fullscreen: bool) -> Result<(), String> {
    let effective = xakiosk::config::layers::load(layers);
    match (&effective.fault, effective.mode) {
        (Some(fault), xakiosk::config::layers::Mode::LastGood) => tracing::error!(
            "{fault}; running on the last configuration that loaded until it is fixed"
        ),
        (Some(fault), _) => tracing::error!(
            "{fault}; queue-only until it is fixed: nothing is sent, no new dossier is taken"
        ),
        (None, _) => {
            if let Err(e) = xakiosk::config::layers::remember_last_good(&effective) {
                tracing::warn!("{e}");
            }
        }
    }
    xakiosk::app::run::run(&effective, fullscreen)
}
