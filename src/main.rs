//! The `xakiosk` command: parses the command line and hands each subcommand to its body in
//! `xakiosk::cli` (the kiosk itself when there is none). Nothing else happens here.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xakiosk::cli;
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
    #[cfg(feature = "dev-tools")]
    Demo(xakiosk::cli::dev::DemoArgs),

    #[cfg(feature = "dev-tools")]
    /// Print the performance table (start-up, memory, rendering, durable submit, sync)
    Bench {
        /// Fewer repetitions, smaller queues
        #[arg(long)]
        quick: bool,
        /// Only one part: "ui" (start-up, memory, rendering, submit), "store" (submit alone),
        /// "identity" (chip card, QR) or "sync"
        #[arg(long, value_parser = ["ui", "store", "identity", "sync"])]
        only: Option<String>,
    },
    /// Check procedure files and print what would be skipped
    Catalogue {
        /// Folder of procedure files (default: the shipped catalogue)
        dir: Option<PathBuf>,
    },
    /// Run the reference portal (development, demos, tests): the kiosk API and the officer page
    #[cfg(feature = "portal")]
    Portal(xakiosk::cli::portal::PortalArgs),

    #[cfg(feature = "portal")]
    /// Make a portal sealing key pair: the private key goes to FILE (owner-only; give it to
    /// `portal --private-key`), the public key is printed (kiosks seal to it)
    PortalKey {
        /// Where the private key goes (must not exist)
        out: PathBuf,
    },
    /// Manage the reference portal's officer accounts (add, disable, enable, reset, list)
    #[cfg(feature = "portal")]
    PortalUser(xakiosk::cli::portal_user::PortalUserArgs),
    /// Offer software updates (signed RAUC bundles) to groups of kiosks: offer, withdraw,
    /// group, list
    #[cfg(feature = "portal")]
    PortalUpdate(xakiosk::cli::portal_update::PortalUpdateArgs),
    /// Sign the procedure catalogue and publish it in a reference portal's database; kiosks
    /// install it on their next sync
    #[cfg(feature = "portal")]
    PublishCatalogue(xakiosk::cli::portal::PublishCatalogueArgs),

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
    /// Root's side of an update (xakiosk-update.service): check the bundle the kiosk asked for
    /// (a USB stick or its downloads), install it into the other slot with RAUC and record
    /// the trial that the next boot commits or rolls back
    InstallUpdate {
        /// The kiosk's folder of the data partition (its request, its downloads)
        #[arg(long, default_value = "/var/lib/xakiosk/kiosk")]
        kiosk_data: PathBuf,
    },
    /// The A/B slots (running, next boot, versions, health) and the last update's outcome
    UpdateStatus,
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
    Provision(xakiosk::cli::provision::ProvisionArgs),

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
    Card(xakiosk::cli::card::CardCmd),
    /// Check the cabinet's wiring through the configured pins: watch the inputs, switch an
    /// output (stop the kiosk first)
    #[command(subcommand)]
    Gpio(xakiosk::cli::gpio::GpioCmd),
    /// Take one frame with the configured camera and save it (checking a camera in place):
    /// prints its size, the camera, and any QR code it shows
    Camera {
        /// Where the frame goes (JPEG or PNG by the extension)
        #[arg(long)]
        out: PathBuf,
        /// A document photo at the camera's largest size (default: a QR scan's frame)
        #[arg(long)]
        still: bool,
    },
    /// Decode the CCCD QR code in image files (checking a camera) and print the fields as JSON
    Qr {
        /// Image files (PNG, JPEG)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    #[cfg(feature = "dev-tools")]
    #[command(hide = true)]
    BenchFirstFrame,
    /// The render bench's child: times interactions at one window size
    #[cfg(feature = "dev-tools")]
    #[command(hide = true)]
    BenchRender { width: u32, height: u32 },
    /// Queues one made-up dossier through the kiosk's real path (kiosk-image/field-test)
    #[command(hide = true)]
    TestDossier,
    #[cfg(feature = "dev-tools")]
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
    #[cfg(feature = "dev-tools")]
    /// Regenerate the simulator's fictitious test cards from assets/dev/cards/holders.toml
    #[command(hide = true)]
    DevIssueCards {
        #[arg(default_value = "assets/dev/cards")]
        folder: PathBuf,
    },
    #[cfg(feature = "dev-tools")]
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
        #[cfg(feature = "dev-tools")]
        Some(Cmd::Bench { .. }) => "warn",
        _ => "xakiosk=info,warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: the journal (the appliance's unit) and
        // files get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        None => cli::kiosk::run_kiosk(&layers, cli.fullscreen),
        Some(Cmd::Provision(args)) => return cli::provision::run(&layers, args),
        Some(Cmd::Selftest { no_print }) => cli::kiosk::selftest(&layers, !no_print),
        Some(Cmd::AdminPin { pin }) => cli::kiosk::pin_hash(&pin, 6..=8, "the admin PIN"),
        Some(Cmd::HelperPin { id, pin }) => match id.trim().is_empty() {
            true => Err("the helper id is empty".into()),
            false => cli::kiosk::pin_hash(&pin, 4..=8, "a PIN"),
        },
        Some(Cmd::Config(ConfigCmd::Show)) => cli::kiosk::config_show(&layers),
        Some(Cmd::DefaultConfig) => {
            print!("{}", include_str!("../assets/config/default.toml"));
            Ok(())
        }
        Some(Cmd::Catalogue { dir }) => cli::kiosk::check_catalogue(dir),
        Some(Cmd::VerifyReceipt { text, public_key }) => {
            cli::kiosk::verify_receipt(&text, public_key.as_deref())
        }
        Some(Cmd::ReceiptSample { out, print }) => cli::kiosk::receipt_sample(&layers, &out, print),
        Some(Cmd::TestDossier) => cli::kiosk::test_dossier(&layers),
        Some(Cmd::Card(command)) => cli::card::run(command),
        Some(Cmd::Gpio(command)) => cli::gpio::run(&layers, command),
        Some(Cmd::Camera { out, still }) => cli::kiosk::camera(&layers, &out, still),
        Some(Cmd::Qr { files }) => cli::kiosk::qr(&files),
        Some(Cmd::MigrateDataLayout { root }) => cli::kiosk::migrate_data_layout(&root),
        Some(Cmd::ApplyNetwork { request, out }) => cli::kiosk::apply_network(&request, &out),
        Some(Cmd::InstallUpdate { kiosk_data }) => cli::kiosk::install_update(&kiosk_data),
        Some(Cmd::UpdateStatus) => cli::kiosk::update_status(),
        Some(Cmd::MaintenanceKeys { out }) => cli::kiosk::maintenance_keys(&layers, &out),
        Some(Cmd::RotateDeviceKey) => cli::kiosk::rotate_device_key(&layers),
        #[cfg(feature = "portal")]
        Some(Cmd::Portal(args)) => cli::portal::serve(args),
        #[cfg(feature = "portal")]
        Some(Cmd::PortalKey { out }) => cli::portal::portal_key(&out),
        #[cfg(feature = "portal")]
        Some(Cmd::PortalUser(args)) => cli::portal_user::run(args),
        #[cfg(feature = "portal")]
        Some(Cmd::PortalUpdate(args)) => cli::portal_update::run(args),
        #[cfg(feature = "portal")]
        Some(Cmd::PublishCatalogue(args)) => cli::portal::publish_catalogue(args),
        #[cfg(feature = "dev-tools")]
        Some(Cmd::Demo(args)) => cli::dev::demo(args),
        #[cfg(feature = "dev-tools")]
        Some(Cmd::Bench { quick, only }) => xakiosk::tools::bench::run(quick, only.as_deref()),
        #[cfg(feature = "dev-tools")]
        Some(Cmd::BenchFirstFrame) => xakiosk::tools::bench::first_frame_probe(),
        #[cfg(feature = "dev-tools")]
        Some(Cmd::BenchRender { width, height }) => {
            xakiosk::tools::bench_render::probe(width, height)
        }
        #[cfg(feature = "dev-tools")]
        Some(Cmd::CrashSyncer { db, portal, token }) => {
            cli::dev::crash_syncer(&db, &portal, &token)
        }
        #[cfg(feature = "dev-tools")]
        Some(Cmd::CrashWriter { db, limit }) => {
            xakiosk::tools::crash_writer::write_until_killed(&db, limit)
        }
        #[cfg(feature = "dev-tools")]
        Some(Cmd::DevIssueCards { folder }) => {
            xakiosk::identity::card_side::test_issuer::issue_folder(&folder)
                .map(|written| {
                    for path in written {
                        println!("{path}");
                    }
                })
                .map_err(|e| format!("could not issue the test cards: {e}"))
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
