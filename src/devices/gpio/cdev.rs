//! The cabinet's pins through the kernel's GPIO character device (`gpiocdev`): the maintained
//! path on every board — Raspberry Pi 4 and 5 alike, any Linux SBC, and the kernel's `gpio-sim`
//! in tests. A BCM pin number is found by its line name (`GPIO17`, as the Pi's device tree
//! names the header), else taken as an offset on the configured chip. Inputs get the kernel's
//! bias, debouncing and edge detection on both edges (the cabinet sleeps until a line request's
//! descriptor turns readable instead of polling); outputs start inactive (on release the Pi's
//! pin controller leaves a line as it was). Only directions, levels and change notices: meaning
//! is elsewhere (`gpio::events`, `cabinet`).

use crate::devices::DeviceError;
use crate::devices::gpio::{PinBank, not_set_up};
use gpiocdev::Request;
use gpiocdev::line::{Bias, EdgeDetection, Value};
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The kernel debounces inputs for this long (buttons and door switches bounce for a few ms);
/// the cabinet's own debouncing still applies on top.
const KERNEL_DEBOUNCE: Duration = Duration::from_millis(5);
const CONSUMER: &str = "xakiosk";
/// Edge events taken per line and call: a line flapping faster than this is read on the next
/// wake (its descriptor stays readable) rather than holding the cabinet here.
const EVENTS_PER_CLEAR: usize = 64;

fn error(pin: u8, e: gpiocdev::Error) -> DeviceError {
    DeviceError::Protocol {
        device: "gpio",
        detail: format!("GPIO{pin}: {e}"),
    }
}

/// Where a BCM pin is: a chip and a line offset on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAddress {
    pub chip: PathBuf,
    pub offset: u32,
}

pub struct CdevPins {
    /// The chip of pins without a named line.
    chip: PathBuf,
    inputs: HashMap<u8, (Request, u32)>,
    outputs: HashMap<u8, (Request, u32)>,
}

impl CdevPins {
    /// Pins on the system's GPIO chips; `chip` (a path such as `/dev/gpiochip0`) for pins
    /// whose line is not named `GPIO<n>`. Says so when the chip cannot be opened.
    pub fn open(chip: &Path) -> Result<CdevPins, DeviceError> {
        let any_named = gpiocdev::find_named_line("GPIO0").is_some();
        if !any_named {
            gpiocdev::Chip::from_path(chip).map_err(|e| DeviceError::Protocol {
                device: "gpio",
                detail: format!(
                    "cannot open {} ({e}); is the kiosk user in the gpio group?",
                    chip.display()
                ),
            })?;
        }
        Ok(CdevPins {
            chip: chip.to_path_buf(),
            inputs: HashMap::new(),
            outputs: HashMap::new(),
        })
    }

    /// Why `pin` cannot be requested at its address, in words a technician can act on.
    fn explain(&self, pin: u8, address: &LineAddress, e: gpiocdev::Error) -> DeviceError {
        let lines = gpiocdev::Chip::from_path(&address.chip)
            .and_then(|chip| chip.info())
            .map(|info| info.num_lines)
            .ok();
        match lines {
            Some(n) if address.offset >= n => DeviceError::Protocol {
                device: "gpio",
                detail: format!(
                    "GPIO{pin}: no line is named GPIO{pin} and {} has {n} lines; set [devices] \
                     gpio_chip or the [gpio] pin numbers for this board",
                    address.chip.display()
                ),
            },
            _ => error(pin, e),
        }
    }

    /// Where BCM pin `pin` is: the line named `GPIO<pin>`, else offset `pin` on the chip.
    pub fn address(&self, pin: u8) -> LineAddress {
        match gpiocdev::find_named_line(&format!("GPIO{pin}")) {
            Some(found) => LineAddress {
                chip: found.chip,
                offset: found.info.offset,
            },
            None => LineAddress {
                chip: self.chip.clone(),
                offset: u32::from(pin),
            },
        }
    }

    /// The chip's path, label and size (what `selftest` names), when it can be read.
    pub fn chip_label(&self, pin: u8) -> Option<String> {
        let address = self.address(pin);
        let chip = gpiocdev::Chip::from_path(&address.chip).ok()?;
        chip.info().ok().map(|info| {
            format!(
                "{} ({}, {} lines)",
                address.chip.display(),
                info.label,
                info.num_lines
            )
        })
    }
}

impl PinBank for CdevPins {
    fn setup_input(&mut self, pin: u8, pull_up: bool) -> Result<(), DeviceError> {
        let address = self.address(pin);
        let request = Request::builder()
            .on_chip(&address.chip)
            .with_consumer(CONSUMER)
            .with_line(address.offset)
            .as_input()
            .with_bias(if pull_up {
                Bias::PullUp
            } else {
                Bias::PullDown
            })
            .with_debounce_period(KERNEL_DEBOUNCE)
            .with_edge_detection(EdgeDetection::BothEdges)
            .request()
            .map_err(|e| self.explain(pin, &address, e))?;
        self.inputs.insert(pin, (request, address.offset));
        Ok(())
    }

    fn setup_output(&mut self, pin: u8) -> Result<(), DeviceError> {
        let address = self.address(pin);
        let request = Request::builder()
            .on_chip(&address.chip)
            .with_consumer(CONSUMER)
            .with_line(address.offset)
            .as_output(Value::Inactive)
            .request()
            .map_err(|e| self.explain(pin, &address, e))?;
        self.outputs.insert(pin, (request, address.offset));
        Ok(())
    }

    fn level(&mut self, pin: u8) -> Result<bool, DeviceError> {
        match self.inputs.get(&pin) {
            Some((request, offset)) => {
                Ok(request.value(*offset).map_err(|e| error(pin, e))? == Value::Active)
            }
            None => Err(not_set_up(pin, "input")),
        }
    }

    fn describe(&self, pin: u8) -> Option<String> {
        self.chip_label(pin)
    }

    fn edge_signals(&mut self) -> Result<Vec<OwnedFd>, DeviceError> {
        self.inputs
            .iter()
            .map(|(pin, (request, _))| {
                request
                    .as_fd()
                    .try_clone_to_owned()
                    .map_err(|e| DeviceError::Protocol {
                        device: "gpio",
                        detail: format!("GPIO{pin}: cannot watch for edges: {e}"),
                    })
            })
            .collect()
    }

    fn clear_edges(&mut self) -> Result<(), DeviceError> {
        for (pin, (request, _)) in &self.inputs {
            for _ in 0..EVENTS_PER_CLEAR {
                if !request.has_edge_event().map_err(|e| error(*pin, e))? {
                    break;
                }
                request.read_edge_event().map_err(|e| error(*pin, e))?;
            }
        }
        Ok(())
    }

    fn set_level(&mut self, pin: u8, high: bool) -> Result<(), DeviceError> {
        match self.outputs.get(&pin) {
            Some((request, offset)) => request
                .set_value(*offset, if high { Value::Active } else { Value::Inactive })
                .map(|_| ())
                .map_err(|e| error(pin, e)),
            None => Err(not_set_up(pin, "output")),
        }
    }
}
