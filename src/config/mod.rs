//! The kiosk's settings (TOML), every key with a documented default. The shipped defaults are
//! safe for a real kiosk: no portal, no enrollment token, no sealing key, so a kiosk that was
//! never provisioned takes no dossier and sends nothing anywhere. Development values (the
//! built-in portal, the development keys) come only from the development layer, asked for
//! explicitly (`--development`, the demo, the tests). How the layers are found, merged and
//! what happens when one is broken is in `layers.rs`; the file the provisioning writes is in
//! `provisioned_layer.rs`. The annotated defaults are in `assets/config/default.toml`.

pub mod layers;
pub mod provisioned_layer;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub kiosk: KioskConfig,
    pub session: SessionConfig,
    pub catalogue: CatalogueConfig,
    pub devices: DevicesConfig,
    pub identity: IdentityConfig,
    pub portal: PortalConfig,
    pub printer: PrinterConfig,
    pub payment: PaymentConfig,
    pub voice: VoiceConfig,
    pub assist: AssistConfig,
    /// The cabinet's pin map (BCM numbers), with `[devices] gpio = "cdev"` or `"rppal"`.
    pub gpio: crate::devices::gpio::PinMap,
    pub health: HealthConfig,
    pub admin: AdminConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Where `GET /metrics` (OpenMetrics) is served; "" switches it off. Keep it on loopback
    /// unless the fleet's Prometheus scrapes through a tunnel.
    pub listen: String,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            listen: "127.0.0.1:9187".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// The admin PIN's Argon2id hash (PHC string; `xakiosk admin-pin PIN` prints it, provisioning
    /// sets it in the provisioned layer, which only the kiosk can read). Empty: the admin screen
    /// stays locked.
    #[serde(alias = "pin_sha256")]
    pub pin_hash: String,
    /// Where "export logs" writes when no USB stick is mounted under /media (empty: nowhere).
    pub log_export_dir: String,
    /// The command "reboot" runs.
    pub reboot_command: String,
    /// OpenSSH public keys allowed in maintenance mode (SSH until the next reboot, switched on
    /// behind the admin PIN). Set by provisioning; empty: maintenance SSH stays closed.
    pub ssh_authorized_keys: Vec<String>,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            pin_hash: String::new(),
            log_export_dir: String::new(),
            reboot_command: "systemctl reboot".into(),
            ssh_authorized_keys: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrinterConfig {
    /// With [devices] printer = "usb" | "serial" | "network" | "file": where it is.
    pub device: String,
    pub baud: u32,
    /// 58 or 80.
    pub paper_mm: u32,
    /// "raster" or "codepage".
    pub text: String,
    /// ESC t number of WPC1258 on this printer (with text = "codepage").
    pub code_page: u8,
    /// "printer" (GS ( k) or "raster".
    pub qr: String,
    /// A queue ticket after the receipt when papers must be brought to the desk.
    pub queue_ticket: bool,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            device: String::new(),
            baud: 19200,
            paper_mm: 80,
            text: "raster".into(),
            code_page: 30,
            qr: "printer".into(),
            queue_ticket: true,
        }
    }
}

impl PrinterConfig {
    /// The printer profile these settings describe, or what is wrong with them.
    pub fn profile(&self) -> Result<crate::printing::escpos_encoder::PrinterProfile, ConfigError> {
        use crate::printing::escpos_encoder::{PrinterProfile, TextMode};
        if self.paper_mm != 58 && self.paper_mm != 80 {
            return Err(ConfigError::Setting(format!(
                "[printer] paper_mm must be 58 or 80, not {}",
                self.paper_mm
            )));
        }
        let text = match self.text.as_str() {
            "raster" => TextMode::Raster,
            "codepage" => TextMode::CodePage(self.code_page),
            other => {
                return Err(ConfigError::Setting(format!(
                    "[printer] text must be \"raster\" or \"codepage\", not \"{other}\""
                )));
            }
        };
        let native_qr = match self.qr.as_str() {
            "printer" => true,
            "raster" => false,
            other => {
                return Err(ConfigError::Setting(format!(
                    "[printer] qr must be \"printer\" or \"raster\", not \"{other}\""
                )));
            }
        };
        Ok(PrinterProfile {
            text,
            native_qr,
            ..PrinterProfile::for_paper(self.paper_mm)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentConfig {
    pub bank_bin: String,
    pub account: String,
    pub account_name: String,
}

impl PaymentConfig {
    /// The fee account, when one is configured.
    pub fn beneficiary(&self) -> Option<crate::core::vietqr::Beneficiary> {
        (!self.bank_bin.is_empty() && !self.account.is_empty()).then(|| {
            crate::core::vietqr::Beneficiary {
                bank_bin: self.bank_bin.clone(),
                account: self.account.clone(),
                account_name: self.account_name.clone(),
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    pub enabled: bool,
    pub command: String,
    pub voice: String,
    /// Words per minute.
    pub speed: u32,
    /// 0–100.
    pub volume: u32,
    pub player: String,
    /// "" plays through the speaker; a folder keeps each prompt as a WAV file instead.
    pub record_dir: String,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            enabled: true,
            command: "espeak-ng".into(),
            voice: "vi".into(),
            speed: 140,
            volume: 80,
            player: "aplay".into(),
            record_dir: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AssistConfig {
    pub helpers: Vec<HelperConfig>,
    /// The community tech team's phone number, on the help screen, the done page and every
    /// receipt ("" = not shown).
    pub phone: String,
    /// Minutes a resident usually waits for a helper after calling (0 = no wait said).
    pub expected_wait_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HelperConfig {
    pub id: String,
    pub name: String,
    /// The PIN's Argon2id hash (PHC string; `xakiosk helper-pin ID PIN` prints it).
    #[serde(alias = "pin_sha256")]
    pub pin_hash: String,
    /// The helper's 12-digit personal ID, to sign in with their own ID card.
    pub personal_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Folder of CSCA certificates (PEM or DER) a card's document signer must chain to for
    /// "verified". Without them a genuine card reads as "signer not trusted".
    pub trust_list: String,
    /// Largest READ BINARY to ask in one extended-length APDU (0: short reads of 223 bytes).
    /// Only for readers and cards known to handle extended length.
    pub extended_read: u32,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            trust_list: "/etc/xakiosk/csca".into(),
            extended_read: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalConfig {
    /// The provincial portal's X25519 public key (base64): every dossier is sealed to it before
    /// it is written. Empty (the default): the kiosk is not set up and takes no dossier.
    /// Provisioning sets it.
    pub public_key: String,
    /// Where dossiers are sent. "builtin" runs the reference portal inside the kiosk (for
    /// development and demos) on `builtin_listen` — only ever when a layer says so; "" (the
    /// default) keeps every dossier queued (no sync).
    pub url: String,
    /// The enrollment token the portal gave for this kiosk (`Authorization: Bearer …` on
    /// `POST /v1/enroll`); later requests are signed with the device key instead.
    pub token: String,
    /// Address of the built-in reference portal (its officer page is at /officer).
    pub builtin_listen: String,
    /// A PEM file of CA certificates to trust for the portal beside the compiled-in web roots
    /// (a national or the province's own CA). "" = none.
    pub ca_file: String,
    /// A lab only (a QEMU guest reaching its host): allow a plain `http://` portal on another
    /// machine, which anyone on the way could read and change. Default false.
    pub allow_plain_http: bool,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            public_key: String::new(),
            url: String::new(),
            token: String::new(),
            builtin_listen: "127.0.0.1:8787".into(),
            ca_file: String::new(),
            allow_plain_http: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// Identifies this kiosk to the portal and on receipts (provisioning sets it).
    pub id: String,
    /// The commune, ward or apartment block shown in the top bar and on receipts. Empty: the
    /// commune of `commune_code`; receipts print that commune too when this is another name.
    pub place: String,
    /// The code of the commune or ward the kiosk stands in, from the administrative units list
    /// (e.g. "00070"): addresses offer it first ("here?"). Empty: the resident picks the
    /// province and commune.
    pub commune_code: String,
    /// Language at start and after every session: "vi" or "en".
    pub language: String,
    /// Where dossiers are stored. Empty: the XDG data directory on a desktop
    /// (~/.local/share/xakiosk); the appliance sets /var/lib/xakiosk/kiosk.
    pub data_dir: String,
    /// Days the sealed answers and photos of a dossier stay on the kiosk after the portal
    /// confirmed it (its code, history and receipt stay). 0: kept until deleted by hand.
    pub keep_delivered_days: u32,
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            id: String::new(),
            place: String::new(),
            commune_code: String::new(),
            language: "vi".into(),
            data_dir: String::new(),
            keep_delivered_days: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Seconds without a touch before the "are you still there?" warning.
    pub warn_after_secs: u64,
    /// Seconds the warning stays before the session is cleared.
    pub grace_secs: u64,
    /// Seconds idle on the home screen before the screen sleeps (0: never). The presence
    /// sensor or a touch wakes it.
    pub sleep_after_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            warn_after_secs: 120,
            grace_secs: 30,
            sleep_after_secs: 300,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[derive(Default)]
pub struct CatalogueConfig {
    /// Folder of procedure files (*.toml). Empty: `procedures/` in the assets folder.
    pub dir: String,
    /// The administrative units list. Empty: `admin-units/units-2025.tsv` in the assets folder.
    pub admin_units: String,
    /// The offices residents go to, by commune. Empty: `offices.toml` in the assets folder.
    /// A catalogue from the portal that brings offices replaces them.
    pub offices: String,
    /// The ed25519 key (base64) the portal signs catalogue updates with. A bundle pulled from
    /// the portal replaces the files above only if it verifies against this key. The default
    /// is empty (no update is installed); provisioning sets it.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevicesConfig {
    /// "sim" (the chip simulator with the test cards) or "pcsc" (a contactless reader through pcscd).
    pub card_reader: String,
    /// With "pcsc": part of the reader's name ("" = the first reader found).
    pub card_reader_name: String,
    /// "sim". Later: "usb", "serial", "network", "file".
    pub printer: String,
    /// "sim" (a synthetic desk) or "v4l2" (a UVC document camera, or the Pi's camera through
    /// libcamera's V4L2 layer).
    pub camera: String,
    /// With "v4l2": the device's path (`/dev/video0`) or part of its name ("" = the first
    /// capture device).
    pub camera_device: String,
    /// "sim" (pins in memory), "cdev" (the kernel's GPIO character device: every board, the
    /// appliance's default) or "rppal" (the Raspberry Pi's header through rppal, retired
    /// upstream in 2025); see [gpio].
    pub gpio: String,
    /// With "cdev": the chip of pins whose line is not named `GPIO<n>` (a path).
    pub gpio_chip: String,
    /// "sim" (the screen only goes dark) or "sysfs" (switches /sys/class/backlight off too).
    pub backlight: String,
}

impl Default for DevicesConfig {
    fn default() -> Self {
        DevicesConfig {
            card_reader: "sim".into(),
            card_reader_name: String::new(),
            printer: "sim".into(),
            camera: "sim".into(),
            camera_device: String::new(),
            gpio: "sim".into(),
            gpio_chip: "/dev/gpiochip0".into(),
            backlight: "sim".into(),
        }
    }
}

/// Why a kiosk takes no dossier yet (the "not set up" screen and the admin screen say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotSetUp {
    #[error("not provisioned: no portal sealing key ([portal] public_key)")]
    NoSealingKey,
    #[error("[portal] public_key is not an X25519 public key in base64")]
    BadSealingKey,
    #[error("not provisioned: no kiosk id ([kiosk] id)")]
    NoKioskId,
    #[error(
        "[portal] public_key is the public development key, whose private half is published: \
         it is accepted only with url = \"builtin\" (development); provision this kiosk"
    )]
    DevelopmentKey,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A setting has a value the kiosk cannot use (said with its section and key).
    #[error("{0}")]
    Setting(String),
    #[error("cannot keep the last good configuration in {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: match e.span() {
                Some(span) => format!(
                    "line {}: {}",
                    crate::core::catalogue::line_of(text, span.start),
                    e.message()
                ),
                None => e.message().to_string(),
            },
        })?;
        if crate::core::text::Lang::from_tag(&config.kiosk.language).is_none() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "kiosk.language must be \"vi\" or \"en\", not \"{}\"",
                    config.kiosk.language
                ),
            });
        }
        Ok(config)
    }

    /// The defaults with the development layer on top: the built-in reference portal, the
    /// development keys and token, a made-up kiosk id and place. Only for the desktop when
    /// asked (`--development`), the demo, the benchmarks and the tests.
    pub fn development() -> Config {
        let mut table = layers::defaults_table();
        layers::merge(&mut table, layers::development_table());
        Config::deserialize(toml::Value::Table(table))
            .expect("the development layer is a valid configuration")
    }

    /// Whether this configuration may take dossiers: it names the kiosk and the key every
    /// dossier is sealed to, and that key is not the public development key unless the
    /// configuration explicitly runs the built-in development portal.
    pub fn readiness(&self) -> Result<(), NotSetUp> {
        if self.portal.public_key.trim().is_empty() {
            return Err(NotSetUp::NoSealingKey);
        }
        if crate::protocol::sealing::Sealer::from_base64(&self.portal.public_key).is_err() {
            return Err(NotSetUp::BadSealingKey);
        }
        if self.kiosk.id.trim().is_empty() {
            return Err(NotSetUp::NoKioskId);
        }
        if self.portal.public_key.trim() == crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY
            && self.portal.url.trim() != "builtin"
        {
            return Err(NotSetUp::DevelopmentKey);
        }
        Ok(())
    }

    /// The default configuration file location: $XDG_CONFIG_HOME/xakiosk/config.toml, or
    /// /etc/xakiosk/config.toml when that exists (the appliance).
    pub fn default_path() -> PathBuf {
        let system = PathBuf::from("/etc/xakiosk/config.toml");
        if system.exists() {
            return system;
        }
        directories::ProjectDirs::from("", "", "xakiosk")
            .map(|d| d.config_dir().join("config.toml"))
            .unwrap_or(system)
    }

    /// Where the dossier database lives: the configured folder; else /var/lib/xakiosk/kiosk when it
    /// exists (the appliance's data partition); else the XDG data folder of the desktop user.
    pub fn data_dir(&self) -> PathBuf {
        resolve_data_dir(&self.kiosk.data_dir)
    }
}

/// The data folder for a configured `[kiosk] data_dir` ("" = the usual places).
pub fn resolve_data_dir(configured: &str) -> PathBuf {
    if !configured.trim().is_empty() {
        return PathBuf::from(configured.trim());
    }
    // The appliance: the kiosk's own folder of the data partition.
    let appliance = PathBuf::from("/var/lib/xakiosk/kiosk");
    if appliance.is_dir() {
        return appliance;
    }
    directories::ProjectDirs::from("", "", "xakiosk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or(appliance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_file_matches_the_built_in_defaults() {
        let text = include_str!("../../assets/config/default.toml");
        let parsed = Config::parse(text, Path::new("default.toml")).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(
            Config::parse("", Path::new("x")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported_with_a_line() {
        let err = Config::parse("[kiosk]\nidd = \"x\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = Config::parse("[kiosk]\nlanguage = \"fr\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("language"), "{err}");
    }

    #[test]
    fn the_shipped_defaults_take_no_dossier_and_send_nothing() {
        let c = Config::default();
        assert_eq!(c.portal.url, "");
        assert_eq!(c.portal.token, "");
        assert_eq!(c.readiness(), Err(NotSetUp::NoSealingKey));
    }

    #[test]
    fn the_development_key_is_refused_outside_development() {
        let mut c = Config::development();
        assert_eq!(c.readiness(), Ok(()));
        c.portal.url = "https://dvc.example.vn".into();
        assert_eq!(c.readiness(), Err(NotSetUp::DevelopmentKey));
        c.portal.public_key = crate::protocol::sealing::Opener::generate().1;
        assert_eq!(c.readiness(), Ok(()));
        c.kiosk.id = " ".into();
        assert_eq!(c.readiness(), Err(NotSetUp::NoKioskId));
    }
}
