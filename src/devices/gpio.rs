//! General-purpose pins of the kiosk cabinet: presence sensor, help button, tamper switch in;
//! status LEDs and the printer power relay out. `SimGpio` keeps pin levels in memory and lets
//! tests press buttons.

use crate::devices::DeviceError;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    Presence,
    HelpButton,
    Tamper,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    LedOnline,
    LedFault,
    PrinterPower,
}

pub trait Gpio: Send {
    fn read(&mut self, input: Input) -> Result<bool, DeviceError>;
    fn write(&mut self, output: Output, on: bool) -> Result<(), DeviceError>;
}

#[derive(Default)]
pub struct SimGpio {
    pub inputs: HashMap<Input, bool>,
    pub outputs: HashMap<Output, bool>,
}

impl SimGpio {
    pub fn set_input(&mut self, input: Input, level: bool) {
        self.inputs.insert(input, level);
    }
}

impl Gpio for SimGpio {
    fn read(&mut self, input: Input) -> Result<bool, DeviceError> {
        Ok(self.inputs.get(&input).copied().unwrap_or(false))
    }
    fn write(&mut self, output: Output, on: bool) -> Result<(), DeviceError> {
        self.outputs.insert(output, on);
        Ok(())
    }
}
