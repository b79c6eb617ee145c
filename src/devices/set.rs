//! The devices this kiosk runs with, chosen by the `[devices]` section of the configuration.

use crate::devices::DeviceError;
use crate::devices::camera::{Camera, SimCamera};
use crate::devices::card_reader::{CardReader, SimCardReader};
use crate::devices::clock::{Clock, SystemClock};
use crate::devices::gpio::{Gpio, SimGpio};
use crate::devices::printer::{ReceiptPrinter, SimulatedPrinter};
use std::sync::{Arc, Mutex};

pub struct DeviceSet {
    pub clock: Arc<dyn Clock>,
    pub card_reader: Arc<Mutex<dyn CardReader>>,
    pub printer: Arc<Mutex<dyn ReceiptPrinter>>,
    pub camera: Arc<Mutex<dyn Camera>>,
    pub gpio: Arc<Mutex<dyn Gpio>>,
}

fn unsupported(device: &'static str, adapter: &str) -> DeviceError {
    DeviceError::Unsupported {
        device,
        adapter: adapter.to_string(),
    }
}

impl DeviceSet {
    /// The devices the running kiosk serves residents with: like `from_config`, but cabinet
    /// pins that cannot be opened (not a Raspberry Pi, no access) do not stop the kiosk — they
    /// read as failing (logged, counted, shown on the admin screen) and the error is returned
    /// beside the set.
    pub fn for_kiosk(
        whole: &crate::config::Config,
        clock: Arc<dyn Clock>,
    ) -> Result<(DeviceSet, Option<DeviceError>), DeviceError> {
        match DeviceSet::from_config(whole, clock.clone()) {
            Ok(set) => Ok((set, None)),
            Err(e) if e.device() == "gpio" => {
                let mut pinless = whole.clone();
                pinless.devices.gpio = "sim".into();
                pinless.gpio = crate::devices::gpio::PinMap::none();
                let mut set = DeviceSet::from_config(&pinless, clock)?;
                set.gpio = Arc::new(Mutex::new(crate::devices::gpio::UnavailableGpio(e.clone())));
                Ok((set, Some(e)))
            }
            Err(e) => Err(e),
        }
    }

    /// Builds the configured devices; an adapter this build lacks, or pins that cannot be
    /// opened, is an error naming it.
    pub fn from_config(
        whole: &crate::config::Config,
        clock: Arc<dyn Clock>,
    ) -> Result<DeviceSet, DeviceError> {
        let (config, printer, pins) = (&whole.devices, &whole.printer, &whole.gpio);
        let card_reader: Arc<Mutex<dyn CardReader>> = match config.card_reader.as_str() {
            "sim" => Arc::new(Mutex::new(SimCardReader::new())),
            "pcsc" => Arc::new(Mutex::new(crate::devices::pcsc_reader::PcscReader::new(
                &config.card_reader_name,
            ))),
            other => return Err(unsupported("card reader", other)),
        };
        let printer: Arc<Mutex<dyn ReceiptPrinter>> = match config.printer.as_str() {
            "sim" => Arc::new(Mutex::new(SimulatedPrinter::new())),
            kind => Arc::new(Mutex::new(
                crate::devices::printer_links::open(kind, &printer.device, printer.baud).map_err(
                    |detail| DeviceError::Protocol {
                        device: "printer",
                        detail,
                    },
                )?,
            )),
        };
        let camera: Arc<Mutex<dyn Camera>> = match config.camera.as_str() {
            "sim" => Arc::new(Mutex::new(SimCamera::new(1280, 720))),
            other => return Err(unsupported("camera", other)),
        };
        let gpio: Arc<Mutex<dyn Gpio>> = match config.gpio.as_str() {
            "sim" => Arc::new(Mutex::new(SimGpio::simulated(*pins)?)),
            "rppal" => Arc::new(Mutex::new(crate::devices::gpio::MappedGpio::new(
                crate::devices::rppal_gpio::RppalPins::open()?,
                *pins,
            )?)),
            other => return Err(unsupported("gpio", other)),
        };
        Ok(DeviceSet {
            clock,
            card_reader,
            printer,
            camera,
            gpio,
        })
    }

    /// Every device simulated, with the system clock.
    pub fn simulated() -> DeviceSet {
        DeviceSet::from_config(
            &crate::config::Config::default(),
            Arc::new(SystemClock::new()),
        )
        .expect("the simulators are always available")
    }
}
