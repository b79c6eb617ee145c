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
    pub backlight: Arc<Mutex<dyn crate::devices::backlight::Backlight>>,
}

fn unsupported(device: &'static str, adapter: &str) -> DeviceError {
    DeviceError::Unsupported {
        device,
        adapter: adapter.to_string(),
    }
}

impl DeviceSet {
    /// The devices the running kiosk serves residents with: like `from_config`, but cabinet
    /// pins or a backlight that cannot be opened (not a Raspberry Pi, no access, no such panel)
    /// do not stop the kiosk — the pins read as failing (logged, counted, on the admin screen),
    /// the screen only goes dark — and the errors are returned beside the set.
    pub fn for_kiosk(
        whole: &crate::config::Config,
        clock: Arc<dyn Clock>,
    ) -> Result<(DeviceSet, Vec<DeviceError>), DeviceError> {
        let mut config = whole.clone();
        let mut missing: Vec<DeviceError> = Vec::new();
        loop {
            match DeviceSet::from_config(&config, clock.clone()) {
                Ok(mut set) => {
                    if let Some(e) = missing.iter().find(|e| e.device() == "gpio") {
                        set.gpio =
                            Arc::new(Mutex::new(crate::devices::gpio::UnavailableGpio(e.clone())));
                    }
                    return Ok((set, missing));
                }
                Err(e) if e.device() == "gpio" && config.devices.gpio != "none" => {
                    config.devices.gpio = "none".into();
                    missing.push(e);
                }
                Err(e) if e.device() == "backlight" && config.devices.backlight != "sim" => {
                    config.devices.backlight = "sim".into();
                    missing.push(e);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Builds the configured devices; an adapter this build lacks, or pins that cannot be
    /// opened, is an error naming it.
    pub fn from_config(
        whole: &crate::config::Config,
        clock: Arc<dyn Clock>,
    ) -> Result<DeviceSet, DeviceError> {
        let (config, printer) = (&whole.devices, &whole.printer);
        let card_reader: Arc<Mutex<dyn CardReader>> = match config.card_reader.as_str() {
            "sim" => Arc::new(Mutex::new(SimCardReader::new())),
            "pcsc" => Arc::new(Mutex::new(
                crate::devices::card_reader::pcsc::PcscReader::new(&config.card_reader_name),
            )),
            other => return Err(unsupported("card reader", other)),
        };
        let printer: Arc<Mutex<dyn ReceiptPrinter>> = match config.printer.as_str() {
            "sim" => Arc::new(Mutex::new(SimulatedPrinter::new())),
            kind => Arc::new(Mutex::new(crate::devices::printer::links::open(
                kind,
                &printer.device,
                printer.baud,
            )?)),
        };
        let camera: Arc<Mutex<dyn Camera>> = match config.camera.as_str() {
            "sim" => Arc::new(Mutex::new(SimCamera::new(1280, 720))),
            "v4l2" => Arc::new(Mutex::new(crate::devices::camera::v4l2::V4l2Camera::new(
                &config.camera_device,
            ))),
            other => return Err(unsupported("camera", other)),
        };
        let gpio = DeviceSet::open_gpio(whole)?;
        let backlight: Arc<Mutex<dyn crate::devices::backlight::Backlight>> =
            match config.backlight.as_str() {
                "sim" => Arc::new(Mutex::new(
                    crate::devices::backlight::SimBacklight::default(),
                )),
                "sysfs" => Arc::new(Mutex::new(
                    crate::devices::backlight::SysfsBacklight::open()?
                )),
                other => return Err(unsupported("backlight", other)),
            };
        Ok(DeviceSet {
            clock,
            card_reader,
            printer,
            camera,
            gpio,
            backlight,
        })
    }

    /// The cabinet's pins alone, as configured (`[devices] gpio`, `gpio_chip`, `[gpio]`): for
    /// the kiosk, and for `xakiosk gpio` checking the wiring without the other devices.
    pub fn open_gpio(whole: &crate::config::Config) -> Result<Arc<Mutex<dyn Gpio>>, DeviceError> {
        let (config, pins) = (&whole.devices, &whole.gpio);
        Ok(match config.gpio.as_str() {
            "sim" => Arc::new(Mutex::new(SimGpio::simulated(*pins)?)),
            // Stands in for pins that could not be opened (see `for_kiosk`).
            "none" => Arc::new(Mutex::new(SimGpio::simulated(
                crate::devices::gpio::PinMap::none(),
            )?)),
            "cdev" => Arc::new(Mutex::new(crate::devices::gpio::MappedGpio::new(
                crate::devices::gpio::cdev::CdevPins::open(std::path::Path::new(
                    &config.gpio_chip,
                ))?,
                *pins,
            )?)),
            "rppal" => Arc::new(Mutex::new(crate::devices::gpio::MappedGpio::new(
                crate::devices::gpio::raspberry_pi::RppalPins::open()?,
                *pins,
            )?)),
            other => return Err(unsupported("gpio", other)),
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
