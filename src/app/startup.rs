//! What every way of running the kiosk needs before the first frame: the catalogue, the
//! administrative units, the dossier store and the session policy, all from the configuration.
//! Errors here are written for the technician reading a terminal or the journal.

use crate::app::assets;
use crate::app::catalogue_install::CatalogueInstall;
use crate::appliance::device_key_file;
use crate::config::Config;
use crate::core::address::AdminUnits;
use crate::core::catalogue::{Catalogue, CatalogueProblem};
use crate::core::inactivity::InactivityPolicy;
use crate::core::text::Lang;
use crate::store::StoreHandle;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub struct Startup {
    pub catalogue: Arc<Catalogue>,
    /// Procedure files that were skipped, for the log and the admin screen.
    pub problems: Vec<CatalogueProblem>,
    pub units: Arc<AdminUnits>,
    pub store: StoreHandle,
    pub database: PathBuf,
    pub policy: InactivityPolicy,
    pub lang: Lang,
    /// Signs receipts and requests to the portal; `None` when the key file cannot be read
    /// (a fault: nothing is sent and no dossier taken until it is fixed, and it is never
    /// replaced by a new key).
    pub device_key: Option<crate::protocol::signing::DeviceKey>,
    /// Handovers from the kiosk's earlier device keys to this one (sent when enrolling).
    pub handovers: Vec<crate::protocol::key_handover::KeyHandover>,
    /// The admin and helper PIN lockouts kept before this start (a restart does not lift them).
    pub pin_lockouts: (
        crate::core::assist::SavedLockout,
        crate::core::assist::SavedLockout,
    ),
    /// Why the kiosk takes no new dossier (not provisioned, a broken layer in queue-only
    /// mode, an unreadable device key); `None` when it does.
    pub not_set_up: Option<String>,
    /// What went wrong at start that the technician must see (a database moved aside, a
    /// device key that cannot be read).
    pub faults: Vec<String>,
    /// The catalogue installed from the portal (its version, and where updates go).
    pub catalogue_install: Arc<CatalogueInstall>,
    /// What receipts say about this kiosk (place, id, holidays, fee account).
    pub receipts: Arc<crate::core::receipt_content::ReceiptContext>,
    pub queue_tickets: bool,
    /// The commune the kiosk stands in (checked against the units list).
    pub home_commune: Option<String>,
    /// Where the kiosk stands, as the top bar, the voice and receipts say it: `[kiosk] place`,
    /// or the commune of `[kiosk] commune_code` when no place is configured ("" = neither).
    pub place: String,
    /// The offices residents go to, by commune (from the installed catalogue or the file).
    pub offices: Arc<crate::core::office::Offices>,
    /// The community team's phone number and expected wait (`[assist]`).
    pub help_line: (String, u32),
    /// The admin screen's PIN hash (empty: the admin screen stays locked).
    pub admin_pin_hash: String,
    /// Community tech-team members who may sign in to help.
    pub helpers: Vec<crate::core::assist::Helper>,
}

impl Startup {
    /// A session controller over this kiosk's catalogue, units and policy.
    pub fn controller(
        &self,
        clock: Arc<dyn crate::devices::clock::Clock>,
    ) -> crate::session::controller::KioskController {
        let mut c = crate::session::controller::KioskController::new(
            clock,
            self.catalogue.clone(),
            self.units.clone(),
            self.lang,
            self.policy,
        );
        c.set_receipt_context(self.receipts.clone(), self.queue_tickets);
        c.set_home_commune(self.home_commune.clone());
        c.set_offices(self.offices.clone());
        c.set_help_line(&self.help_line.0, self.help_line.1);
        c.set_helpers(self.helpers.clone());
        c.admin = crate::session::admin_panel::AdminPanel::new(&self.admin_pin_hash);
        c.restore_pin_lockouts(self.pin_lockouts.0, self.pin_lockouts.1);
        c
    }

    /// Loads everything; `database` overrides the configured data directory.
    pub fn prepare(config: &Config, database: Option<&Path>) -> Result<Startup, String> {
        let assets = assets::assets_dir();
        // A configured path, or the shipped file in the assets folder when it is "".
        let configured = |path: &str, shipped: &str| match path {
            "" => assets.join(shipped),
            path => PathBuf::from(path),
        };
        let procedures = configured(&config.catalogue.dir, "procedures");
        let database = database
            .map(Path::to_path_buf)
            .unwrap_or_else(|| config.data_dir().join("dossiers.sqlite"));
        let catalogue_install = Arc::new(CatalogueInstall::new(
            &database.with_file_name("catalogue"),
            &config.catalogue.public_key,
        ));
        // A catalogue installed from the portal is newer than the shipped files; one that no
        // longer verifies is ignored (the shipped files are used and the fault is logged).
        let installed = catalogue_install.load().unwrap_or_else(|e| {
            tracing::error!("the installed catalogue is refused, using the shipped one: {e}");
            None
        });
        let installed_sealing_key = installed.as_ref().and_then(|o| o.sealing_key.clone());
        let (catalogue, problems, installed_units, installed_offices) = match installed {
            Some(opened) => {
                tracing::info!(
                    version = opened.version,
                    "using the catalogue installed from the portal"
                );
                (opened.catalogue, Vec::new(), opened.units, opened.offices)
            }
            None => {
                let (catalogue, problems) = assets::load_catalogue(&procedures);
                (catalogue, problems, None, None)
            }
        };
        if catalogue.procedures().is_empty() {
            return Err(format!("no usable procedure in {}", procedures.display()));
        }
        let units = match installed_units {
            Some(units) => units,
            None => {
                let units_path =
                    configured(&config.catalogue.admin_units, "admin-units/units-2025.tsv");
                assets::load_admin_units(&units_path).map_err(|e| e.to_string())?
            }
        };
        let mut faults = Vec::new();
        let offices = match installed_offices {
            Some(offices) => offices,
            None => {
                let path = configured(&config.catalogue.offices, "offices.toml");
                // Not a reason to stop: residents are told the authority only, and the
                // technician sees why on the admin screen.
                assets::load_offices(&path).unwrap_or_else(|e| {
                    let e = format!("{e}; residents are not told the offices' addresses");
                    tracing::error!("{e}");
                    faults.push(e);
                    crate::core::office::Offices::default()
                })
            }
        };
        let home_commune = match config.kiosk.commune_code.trim() {
            "" => None,
            code if units.commune_by_code(code).is_some() => Some(code.to_string()),
            code => {
                // Not a dead end: addresses start from the province list, as without it.
                faults.push(format!(
                    "kiosk.commune_code \"{code}\" is not in the administrative units list; \
                     addresses do not offer the kiosk's own commune"
                ));
                None
            }
        };
        // The commune's full name ("Phường Hoàn Kiếm, Thành phố Hà Nội"), for receipts.
        let commune_name = home_commune
            .as_deref()
            .and_then(|code| crate::appliance::provision::place_of(&units, code).ok())
            .unwrap_or_default();
        let place = match config.kiosk.place.trim() {
            "" => commune_name.clone(),
            place => place.to_string(),
        };
        let key_path = database.with_file_name("device.key");
        let device_key = match device_key_file::load_or_create(&key_path) {
            Ok(key) => Some(key),
            Err(e) => {
                let e = e.to_string();
                tracing::error!("{e}; dossiers stay queued and no new one is taken");
                faults.push(e);
                None
            }
        };
        let handovers =
            device_key_file::load_handovers(&device_key_file::handovers_path(&key_path))
                .unwrap_or_else(|e| {
                    let e = e.to_string();
                    tracing::error!("{e}; enrolling without the earlier keys' handovers");
                    faults.push(e);
                    Vec::new()
                });
        let mut not_set_up = config.readiness().err().map(|e| e.to_string());
        if not_set_up.is_none() && device_key.is_none() {
            not_set_up = Some("the device key cannot be read".into());
        }
        // A catalogue the portal signed may announce a newer sealing key (a rotation).
        let sealing_key = installed_sealing_key
            .clone()
            .unwrap_or_else(|| config.portal.public_key.clone());
        let sealer = match &not_set_up {
            None => Some(
                crate::protocol::sealing::Sealer::from_base64(&sealing_key)
                    .map_err(|e| format!("portal.public_key in the configuration: {e}"))?,
            ),
            Some(why) => {
                tracing::warn!("this kiosk takes no dossier: {why}");
                None
            }
        };
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let (mut store, set_aside) = match crate::store::set_aside::open_or_set_aside(
            &database, sealer, &stamp,
        ) {
            Ok(opened) => opened,
            Err(e) => {
                let fault = format!(
                    "cannot open the dossier store {}: {e}; no dossier is taken until it is fixed (the file is left as it is)",
                    database.display()
                );
                tracing::error!("{fault}");
                faults.push(fault);
                not_set_up.get_or_insert_with(|| "the dossier store cannot be opened".into());
                let unavailable = crate::store::Store::unavailable()
                    .map_err(|e| format!("cannot start even an empty store: {e}"))?;
                (unavailable, None)
            }
        };
        if let Some(aside) = set_aside {
            faults.push(format!(
                "the dossier database was damaged ({}); it was kept as {} and a fresh one started",
                aside.reason,
                aside.moved_to.display()
            ));
        }
        if let Some(key) = &device_key {
            store.sign_receipts(key.clone(), &config.kiosk.id);
        }
        let pin_lockouts = (
            store
                .pin_lockout(crate::store::PinUser::Admin)
                .unwrap_or_default(),
            store
                .pin_lockout(crate::store::PinUser::Helpers)
                .unwrap_or_default(),
        );
        let store = StoreHandle::spawn(store);
        // The first resident's seals, prepared while the screen comes up.
        store.send(|s| {
            s.prepare_seals();
        });
        let rotated = store.clone();
        catalogue_install.set_on_sealing_key(move |key| {
            let Ok(sealer) = crate::protocol::sealing::Sealer::from_base64(key) else {
                return;
            };
            let id = sealer.key_id();
            match rotated.call_blocking(move |s| Ok(s.set_sealer(sealer))) {
                Ok(true) => {
                    tracing::info!(key = %id, "new dossiers are sealed to the portal's new key")
                }
                Ok(false) => {}
                Err(e) => tracing::error!("cannot switch to the portal's new sealing key: {e}"),
            }
        });
        tracing::info!(
            procedures = catalogue.procedures().len(),
            skipped = problems.len(),
            communes = units.commune_count(),
            database = %database.display(),
            "kiosk data loaded"
        );
        Ok(Startup {
            catalogue: Arc::new(catalogue),
            problems,
            units: Arc::new(units),
            store,
            database,
            policy: InactivityPolicy {
                warn_after: Duration::from_secs(config.session.warn_after_secs.max(10)),
                grace: Duration::from_secs(config.session.grace_secs.max(5)),
            },
            lang: Lang::from_tag(&config.kiosk.language).unwrap_or_default(),
            device_key,
            handovers,
            pin_lockouts,
            not_set_up,
            faults,
            catalogue_install,
            receipts: Arc::new(crate::core::receipt_content::ReceiptContext {
                place: place.clone(),
                commune: commune_name,
                kiosk_id: config.kiosk.id.clone(),
                calendar: assets::load_holidays(),
                beneficiary: config.payment.beneficiary(),
                help_phone: config.assist.phone.clone(),
            }),
            queue_tickets: config.printer.queue_ticket,
            home_commune,
            place,
            offices: Arc::new(offices),
            help_line: (
                config.assist.phone.clone(),
                config.assist.expected_wait_minutes,
            ),
            admin_pin_hash: config.admin.pin_hash.clone(),
            helpers: config
                .assist
                .helpers
                .iter()
                .filter(|h| !h.id.is_empty() && !h.pin_hash.is_empty())
                .map(|h| crate::core::assist::Helper {
                    id: h.id.clone(),
                    name: h.name.clone(),
                    pin_hash: h.pin_hash.clone(),
                    personal_id: h.personal_id.clone(),
                })
                .collect(),
        })
    }
}
