//! The kiosk's configuration (TOML), every key with a documented default so that an empty
//! file, or none, gives a working kiosk with simulated devices. Reading the file is here; a
//! file that does not parse gives a clear error (and `load_or_default` falls back to defaults).
//! The annotated defaults are in `assets/config/default.toml`.

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
    /// The cabinet's pin map (BCM numbers), with `[devices] gpio = "rppal"`.
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
    /// The admin PIN's hash (`xakiosk admin-pin PIN` prints it). Empty: the admin screen stays
    /// locked.
    pub pin_sha256: String,
    /// Where "export logs" writes when no USB stick is mounted under /media (empty: nowhere).
    pub log_export_dir: String,
    /// The command "reboot" runs.
    pub reboot_command: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            pin_sha256: String::new(),
            log_export_dir: String::new(),
            reboot_command: "systemctl reboot".into(),
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
    pub fn profile(&self) -> Result<crate::printing::escpos_encoder::PrinterProfile, String> {
        use crate::printing::escpos_encoder::{PrinterProfile, TextMode};
        if self.paper_mm != 58 && self.paper_mm != 80 {
            return Err(format!(
                "[printer] paper_mm must be 58 or 80, not {}",
                self.paper_mm
            ));
        }
        let text = match self.text.as_str() {
            "raster" => TextMode::Raster,
            "codepage" => TextMode::CodePage(self.code_page),
            other => {
                return Err(format!(
                    "[printer] text must be \"raster\" or \"codepage\", not \"{other}\""
                ));
            }
        };
        let native_qr = match self.qr.as_str() {
            "printer" => true,
            "raster" => false,
            other => {
                return Err(format!(
                    "[printer] qr must be \"printer\" or \"raster\", not \"{other}\""
                ));
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HelperConfig {
    pub id: String,
    pub name: String,
    /// hex SHA-256 of "xakiosk-helper:<id>:<pin>" (`xakiosk helper-pin ID PIN` prints it).
    pub pin_sha256: String,
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
    /// it is written. The default is the development portal's key; provisioning replaces it.
    pub public_key: String,
    /// Where dossiers are sent. "builtin" runs the reference portal inside the kiosk (for
    /// development and demos) on `builtin_listen`; "" keeps every dossier queued (no sync).
    pub url: String,
    /// The enrollment token the portal gave for this kiosk (`Authorization: Bearer …` on
    /// `POST /v1/enroll`); later requests are signed with the device key instead.
    pub token: String,
    /// Address of the built-in reference portal (its officer page is at /officer).
    pub builtin_listen: String,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            public_key: crate::sealing::DEVELOPMENT_PUBLIC_KEY.into(),
            url: "builtin".into(),
            token: "development-token".into(),
            builtin_listen: "127.0.0.1:8787".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// Identifies this kiosk to the portal and on receipts.
    pub id: String,
    /// The commune, ward or apartment block shown in the top bar.
    pub place: String,
    /// Language at start and after every session: "vi" or "en".
    pub language: String,
    /// Where dossiers are stored. Empty: the XDG data directory on a desktop
    /// (~/.local/share/xakiosk); the appliance sets /var/lib/xakiosk.
    pub data_dir: String,
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            id: "KIOSK-DEV-01".into(),
            place: "Phường Hoàn Kiếm, Thành phố Hà Nội".into(),
            language: "vi".into(),
            data_dir: String::new(),
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
pub struct CatalogueConfig {
    /// Folder of procedure files (*.toml). Empty: `procedures/` in the assets folder.
    pub dir: String,
    /// The administrative units list. Empty: `admin-units/units-2025.tsv` in the assets folder.
    pub admin_units: String,
    /// The ed25519 key (base64) the portal signs catalogue updates with. A bundle pulled from
    /// the portal replaces the files above only if it verifies against this key. The default
    /// is the development portal's key; provisioning replaces it.
    pub public_key: String,
}

impl Default for CatalogueConfig {
    fn default() -> Self {
        CatalogueConfig {
            dir: String::new(),
            admin_units: String::new(),
            public_key: crate::catalogue_bundle::DEVELOPMENT_CATALOGUE_KEY.into(),
        }
    }
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
    /// "sim". Later: a V4L2 device.
    pub camera: String,
    /// "sim" (pins in memory) or "rppal" (the Raspberry Pi's header; see [gpio]).
    pub gpio: String,
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
            gpio: "sim".into(),
            backlight: "sim".into(),
        }
    }
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

    /// Reads `path`; a missing file means the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Like `load`, but a broken file gives the defaults and the error to show on the admin
    /// screen, so the kiosk still starts.
    pub fn load_or_default(path: &Path) -> (Config, Option<ConfigError>) {
        match Config::load(path) {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(e)),
        }
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

    /// Where the dossier database lives: the configured folder; else /var/lib/xakiosk when it
    /// exists (the appliance's data partition); else the XDG data folder of the desktop user.
    pub fn data_dir(&self) -> PathBuf {
        if !self.kiosk.data_dir.is_empty() {
            return PathBuf::from(&self.kiosk.data_dir);
        }
        let appliance = PathBuf::from("/var/lib/xakiosk");
        if appliance.is_dir() {
            return appliance;
        }
        directories::ProjectDirs::from("", "", "xakiosk")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("/var/lib/xakiosk"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_file_matches_the_built_in_defaults() {
        let text = include_str!("../assets/config/default.toml");
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
    fn a_broken_file_still_gives_a_working_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[session\nwarn = ").unwrap();
        let (config, error) = Config::load_or_default(&path);
        assert_eq!(config, Config::default());
        assert!(error.is_some());
    }
}
