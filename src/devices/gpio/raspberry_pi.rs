//! The Raspberry Pi's GPIO header through rppal (`/dev/gpiomem`): the electrical `PinBank`
//! under the cabinet's pin map. It only sets directions and levels; debouncing and meaning
//! are elsewhere (`gpio::events`, `cabinet`).

use crate::devices::DeviceError;
use crate::devices::gpio::{PinBank, not_set_up};
use rppal::gpio::{Gpio, InputPin, Level, OutputPin};
use std::collections::HashMap;

pub struct RppalPins {
    gpio: Gpio,
    inputs: HashMap<u8, InputPin>,
    outputs: HashMap<u8, OutputPin>,
}

fn error(e: rppal::gpio::Error) -> DeviceError {
    DeviceError::Protocol {
        device: "gpio",
        detail: e.to_string(),
    }
}

impl RppalPins {
    /// Opens the GPIO peripheral; off a Raspberry Pi (or without access to /dev/gpiomem) this
    /// says so.
    pub fn open() -> Result<RppalPins, DeviceError> {
        let gpio = Gpio::new().map_err(|e| DeviceError::Protocol {
            device: "gpio",
            detail: format!(
                "cannot open the Raspberry Pi GPIO ({e}); is this a Raspberry Pi, and is the \
                 kiosk user in the gpio group?"
            ),
        })?;
        Ok(RppalPins {
            gpio,
            inputs: HashMap::new(),
            outputs: HashMap::new(),
        })
    }
}

impl PinBank for RppalPins {
    fn setup_input(&mut self, pin: u8, pull_up: bool) -> Result<(), DeviceError> {
        let p = self.gpio.get(pin).map_err(error)?;
        let input = if pull_up {
            p.into_input_pullup()
        } else {
            p.into_input_pulldown()
        };
        self.inputs.insert(pin, input);
        Ok(())
    }
    fn setup_output(&mut self, pin: u8) -> Result<(), DeviceError> {
        let p = self.gpio.get(pin).map_err(error)?;
        let mut output = p.into_output_low();
        // Outputs keep their level when the kiosk restarts (the relay does not click).
        output.set_reset_on_drop(false);
        self.outputs.insert(pin, output);
        Ok(())
    }
    fn level(&mut self, pin: u8) -> Result<bool, DeviceError> {
        match self.inputs.get(&pin) {
            Some(p) => Ok(p.read() == Level::High),
            None => Err(not_set_up(pin, "input")),
        }
    }
    fn set_level(&mut self, pin: u8, high: bool) -> Result<(), DeviceError> {
        match self.outputs.get_mut(&pin) {
            Some(p) => {
                p.write(if high { Level::High } else { Level::Low });
                Ok(())
            }
            None => Err(not_set_up(pin, "output")),
        }
    }
}
