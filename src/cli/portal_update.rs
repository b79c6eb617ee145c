//! `xakiosk portal-update`: software updates the reference portal offers to groups of kiosks,
//! from the portal's machine — offer a signed RAUC bundle to a group (the offer is signed with
//! the catalogue key kiosks already trust), withdraw it, move a kiosk into a group (a pilot
//! group first, then `general`), list the offers. Every change lands in the audit log under
//! `command:<user>`.

use crate::portal::PortalDb;
use crate::portal::db::audit::Attribution;
use crate::protocol::contract::UpdateOffer;
use std::path::PathBuf;

/// Offer software updates to groups of kiosks
#[derive(clap::Args, Debug)]
pub struct PortalUpdateArgs {
    /// The portal's database
    #[arg(long, default_value = "portal.sqlite", global = true)]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: PortalUpdateCmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum PortalUpdateCmd {
    /// Store a bundle (kiosk-image/build-bundle) and offer it to a group of kiosks
    Offer {
        /// The signed RAUC bundle (.raucb)
        bundle: PathBuf,
        /// Its version, x.y.z (as build-bundle gave it; kiosks fetch only a newer one)
        #[arg(long)]
        version: String,
        /// The kiosk group it is offered to (every kiosk starts in "general")
        #[arg(long, default_value = crate::portal::db::update_offers::DEFAULT_GROUP)]
        group: String,
        /// The catalogue signing key (a file with the base64 ed25519 seed) the offer is signed with
        #[arg(long, required_unless_present = "dev")]
        key: Option<PathBuf>,
        /// Sign with the published development catalogue key (development portals only)
        #[arg(long, conflicts_with = "key")]
        dev: bool,
    },
    /// Withdraw the offer of a version to a group (kiosks that fetched it keep it)
    Withdraw {
        #[arg(long)]
        version: String,
        #[arg(long, default_value = crate::portal::db::update_offers::DEFAULT_GROUP)]
        group: String,
    },
    /// Put an enrolled kiosk in a group
    Group { kiosk: String, group: String },
    /// List the offers, newest first
    List,
}

/// Runs one `portal-update` command.
pub fn run(args: PortalUpdateArgs) -> Result<(), String> {
    let db =
        PortalDb::open(&args.db).map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
    let by = Attribution::command(&crate::cli::command_user());
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match args.command {
        PortalUpdateCmd::Offer {
            bundle,
            version,
            group,
            key,
            dev: _,
        } => {
            crate::protocol::update_offer::check_version(&version)
                .map_err(|e| format!("--version: {e}"))?;
            crate::portal::db::update_offers::check_group(&group).map_err(|e| e.to_string())?;
            // clap asks for --key unless --dev was given.
            let key_path = key.unwrap_or_else(crate::cli::portal::development_catalogue_key_file);
            let key = crate::cli::portal::read_catalogue_key(&key_path)?;
            let file = std::fs::File::open(&bundle)
                .map_err(|e| format!("cannot read {}: {e}", bundle.display()))?;
            let (sha256, size) = db
                .store_update_bundle(
                    std::io::BufReader::new(file),
                    crate::protocol::update_offer::MAX_BUNDLE,
                    &now,
                )
                .map_err(|e| format!("not offered: {e}"))?;
            let offer = UpdateOffer {
                version,
                sha256,
                size,
                group,
                offered_at: now,
            };
            let signed = crate::protocol::update_offer::sign(&offer, &key);
            // Refuse to offer what a kiosk would refuse to fetch.
            crate::protocol::update_offer::open(&signed, &key.public_base64())
                .map_err(|e| format!("not offered: {e}"))?;
            db.offer_update(&offer, &signed, &by)
                .map_err(|e| format!("not offered: {e}"))?;
            println!(
                "offered {} ({} bytes, sha256 {}) to the kiosks of group {}",
                offer.version, offer.size, offer.sha256, offer.group
            );
        }
        PortalUpdateCmd::Withdraw { version, group } => {
            match db
                .withdraw_update(&group, &version, &by, &now)
                .map_err(|e| e.to_string())?
            {
                0 => return Err(format!("no live offer of {version} to group {group}")),
                _ => println!("withdrew {version} from group {group}"),
            }
        }
        PortalUpdateCmd::Group { kiosk, group } => {
            if !db
                .set_update_group(&kiosk, &group, &by, &now)
                .map_err(|e| e.to_string())?
            {
                return Err(format!("no enrolled kiosk {kiosk}"));
            }
            println!("{kiosk} is in group {group}");
        }
        PortalUpdateCmd::List => {
            let offers = db.update_offers().map_err(|e| e.to_string())?;
            if offers.is_empty() {
                println!("no update offered");
            }
            for o in offers {
                println!(
                    "{:<12} {:<10} {:>12} bytes  {}  by {}{}",
                    o.group,
                    o.version,
                    o.size,
                    o.offered_at,
                    o.offered_by,
                    o.withdrawn_at
                        .map(|at| format!("  withdrawn {at}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
