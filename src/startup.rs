//! What every way of running the kiosk needs before the first frame: the catalogue, the
//! administrative units, the dossier store and the session policy, all from the configuration.
//! Errors here are written for the technician reading a terminal or the journal.

use crate::assets;
use crate::catalogue_install::CatalogueInstall;
use crate::config::Config;
use crate::core::address::AdminUnits;
use crate::core::catalogue::{Catalogue, CatalogueProblem};
use crate::core::inactivity::InactivityPolicy;
use crate::core::text::Lang;
use crate::store::{Store, StoreHandle};
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
    /// Signs receipts and requests to the portal.
    pub device_key: crate::signing::DeviceKey,
    /// The catalogue installed from the portal (its version, and where updates go).
    pub catalogue_install: Arc<CatalogueInstall>,
    /// What receipts say about this kiosk (place, id, holidays, fee account).
    pub receipts: Arc<crate::printing::receipt_content::ReceiptContext>,
    pub queue_tickets: bool,
    /// Community tech-team members who may sign in to help.
    pub helpers: Vec<crate::core::assist::Helper>,
}

impl Startup {
    /// A session controller over this kiosk's catalogue, units and policy.
    pub fn controller(
        &self,
        clock: Arc<dyn crate::devices::clock::Clock>,
    ) -> crate::ui::controller::KioskController {
        let mut c = crate::ui::controller::KioskController::new(
            clock,
            self.catalogue.clone(),
            self.units.clone(),
            self.lang,
            self.policy,
        );
        c.set_receipt_context(self.receipts.clone(), self.queue_tickets);
        c.set_helpers(self.helpers.clone());
        c
    }

    /// Loads everything; `database` overrides the configured data directory.
    pub fn prepare(config: &Config, database: Option<&Path>) -> Result<Startup, String> {
        let assets = assets::assets_dir();
        let procedures = match config.catalogue.dir.as_str() {
            "" => assets.join("procedures"),
            dir => PathBuf::from(dir),
        };
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
        let (catalogue, problems, installed_units) = match installed {
            Some(opened) => {
                tracing::info!(
                    version = opened.version,
                    "using the catalogue installed from the portal"
                );
                (opened.catalogue, Vec::new(), opened.units)
            }
            None => {
                let (catalogue, problems) = assets::load_catalogue(&procedures);
                (catalogue, problems, None)
            }
        };
        if catalogue.procedures().is_empty() {
            return Err(format!("no usable procedure in {}", procedures.display()));
        }
        let units = match installed_units {
            Some(units) => units,
            None => {
                let units_path = match config.catalogue.admin_units.as_str() {
                    "" => assets.join("admin-units/units-2025.tsv"),
                    path => PathBuf::from(path),
                };
                assets::load_admin_units(&units_path)?
            }
        };
        let sealer = crate::sealing::Sealer::from_base64(&config.portal.public_key)
            .map_err(|e| format!("portal.public_key in the configuration: {e}"))?;
        if config.portal.public_key == crate::sealing::DEVELOPMENT_PUBLIC_KEY {
            tracing::warn!(
                "dossiers are sealed to the development portal key: provision this kiosk before real use"
            );
        }
        let mut store = Store::open(&database, sealer)
            .map_err(|e| format!("cannot open the dossier store: {e}"))?;
        let key_path = database.with_file_name("device.key");
        let device_key = crate::signing::DeviceKey::load_or_create(&key_path)
            .map_err(|e| format!("cannot load or make the device key: {e}"))?;
        store.sign_receipts(device_key.clone(), &config.kiosk.id);
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
            store: StoreHandle::spawn(store),
            database,
            policy: InactivityPolicy {
                warn_after: Duration::from_secs(config.session.warn_after_secs.max(10)),
                grace: Duration::from_secs(config.session.grace_secs.max(5)),
            },
            lang: Lang::from_tag(&config.kiosk.language).unwrap_or_default(),
            device_key,
            catalogue_install,
            receipts: Arc::new(crate::printing::receipt_content::ReceiptContext {
                place: config.kiosk.place.clone(),
                kiosk_id: config.kiosk.id.clone(),
                calendar: assets::load_holidays(),
                beneficiary: config.payment.beneficiary(),
            }),
            queue_tickets: config.printer.queue_ticket,
            helpers: config
                .assist
                .helpers
                .iter()
                .filter(|h| !h.id.is_empty() && !h.pin_sha256.is_empty())
                .map(|h| crate::core::assist::Helper {
                    id: h.id.clone(),
                    name: h.name.clone(),
                    pin_sha256: h.pin_sha256.clone(),
                    personal_id: h.personal_id.clone(),
                })
                .collect(),
        })
    }
}
