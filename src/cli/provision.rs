//! `xakiosk provision`: binds this kiosk to its provincial portal from the command line or a
//! provisioning QR code's text (the work is `appliance::provision`).

use crate::config::layers::LayerPaths;
use std::process::ExitCode;

/// Bind this kiosk to its provincial portal: make (and save) the device key, enroll it with
/// the token, and write the provisioned layer in the data folder (never the configuration
/// file). With --sealing-key it works offline: the kiosk enrolls on first contact.
/// Exit codes: 2 bad arguments, 3 portal unreachable, 4 refused, 5 cannot write
#[derive(clap::Args, Debug)]
pub struct ProvisionArgs {
    /// The portal's address, e.g. https://dichvucong.example.gov.vn
    #[arg(long, required_unless_present = "qr")]
    pub portal: Option<String>,
    /// The enrollment token the portal administrator gave for this kiosk
    #[arg(long, required_unless_present = "qr")]
    pub token: Option<String>,
    /// The commune or ward code (5 digits) of the administrative units list
    #[arg(long, required_unless_present = "qr")]
    pub commune: Option<String>,
    /// The kiosk's id (default: kept, or made from the commune and the device key)
    #[arg(long)]
    pub kiosk_id: Option<String>,
    /// The text of a provisioning QR code (XAKP1:…) instead of the three options above
    #[arg(long, conflicts_with_all = ["portal", "token", "commune"])]
    pub qr: Option<String>,
    /// The portal's sealing key (X25519, base64): provisioning then works with no network
    #[arg(long)]
    pub sealing_key: Option<String>,
    /// The portal's catalogue signing key (ed25519, base64)
    #[arg(long)]
    pub catalogue_key: Option<String>,
    /// The admin screen's PIN (6 to 8 digits), kept hashed in the provisioned layer
    #[arg(long)]
    pub admin_pin: Option<String>,
    /// An OpenSSH public key allowed in maintenance mode (repeatable)
    #[arg(long = "ssh-key")]
    pub ssh_keys: Vec<String>,
    /// A lab only (a QEMU guest reaching its host): allow a plain http:// portal on another
    /// machine, which anyone on the way could read and change
    #[arg(long)]
    pub allow_plain_http: bool,
}

/// Runs `xakiosk provision`; the exit code says what went wrong (see the command's help).
pub fn run(layers: &LayerPaths, args: ProvisionArgs) -> ExitCode {
    let ProvisionArgs {
        portal,
        token,
        commune,
        kiosk_id,
        qr,
        sealing_key,
        catalogue_key,
        admin_pin,
        ssh_keys,
        allow_plain_http,
    } = args;
    use crate::appliance::provision::{ProvisionRequest, provision};
    if let Some(pin) = &admin_pin
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
            allow_plain_http: false,
        }),
    }
    .map(|mut r| {
        if kiosk_id.is_some() {
            r.kiosk_id = kiosk_id;
        }
        if sealing_key.is_some() {
            r.sealing_key = sealing_key;
        }
        if catalogue_key.is_some() {
            r.catalogue_key = catalogue_key;
        }
        if !ssh_keys.is_empty() {
            r.ssh_keys = Some(ssh_keys);
        }
        r.allow_plain_http |= allow_plain_http;
        if let Some(pin) = &admin_pin {
            r.admin_pin_hash = Some(crate::core::assist::pin_hash(
                pin,
                crate::cli::random_salt(),
            ));
        }
        r
    });
    let units = crate::app::assets::load_admin_units(
        &crate::app::assets::assets_dir().join("admin-units/units-2025.tsv"),
    );
    let result = match (request, units) {
        (Ok(request), Ok(units)) => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(provision(layers, &request, &units)),
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
