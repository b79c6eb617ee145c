//! The cabinet's general-purpose pins by role — presence sensor, help button and tamper switch
//! in; the two-colour status light and the printer power relay out — mapped onto BCM pin
//! numbers by the `[gpio]` configuration. Levels here are logical ("pressed", "lit"); the pin
//! map's `active_low` turns them into electrical levels. `PinBank` is the electrical seam:
//! the kernel's GPIO character device (`cdev`, any board, edge events), rppal on a Raspberry Pi
//! (retired upstream, polled), `SimPins` (levels by pin number, pull-ups included, edges told
//! through a socket) everywhere else. Nothing here knows what a press means to the kiosk (see
//! `cabinet`).

pub mod cdev;
pub mod edge_wait;
pub mod events;
pub mod input_watch;
pub mod raspberry_pi;

use crate::devices::DeviceError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// A person stands in front of the kiosk (PIR or radar sensor).
    Presence,
    /// The "call for help" push button on the cabinet.
    HelpButton,
    /// The cabinet door is open.
    Tamper,
}

impl Input {
    pub const ALL: [Input; 3] = [Input::Presence, Input::HelpButton, Input::Tamper];
    pub fn name(self) -> &'static str {
        match self {
            Input::Presence => "presence",
            Input::HelpButton => "help_button",
            Input::Tamper => "tamper",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// Green half of the status light (both halves lit: amber).
    LightGreen,
    /// Red half of the status light.
    LightRed,
    /// The relay that switches the receipt printer's power.
    PrinterPower,
}

impl Output {
    pub const ALL: [Output; 3] = [Output::LightGreen, Output::LightRed, Output::PrinterPower];
    pub fn name(self) -> &'static str {
        match self {
            Output::LightGreen => "light_green",
            Output::LightRed => "light_red",
            Output::PrinterPower => "printer_power",
        }
    }
}

/// The cabinet's pins by role.
pub trait Gpio: Send {
    /// Whether the input is active (someone there, button pressed, door open).
    fn read(&mut self, input: Input) -> Result<bool, DeviceError>;
    /// Switches the output on or off.
    fn write(&mut self, output: Output, on: bool) -> Result<(), DeviceError>;
    /// What the output was last set to (false before any write).
    fn output(&self, output: Output) -> bool;
    /// The GPIO chip behind the pins, for the self-test; `None` when simulated.
    fn describe(&mut self) -> Option<String> {
        None
    }
    /// Descriptors that become readable when an input's level changes (see `edge_wait`);
    /// none: this backend cannot tell, and its inputs must be polled.
    fn edge_signals(&mut self) -> Result<Vec<OwnedFd>, DeviceError> {
        Ok(Vec::new())
    }
    /// Takes the pending change notices, so that the descriptors are quiet until the next
    /// change (the levels themselves are read with `read`).
    fn clear_edges(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}

/// The pins behind their shared lock; a holder that panicked left them usable (every call
/// sets or reads whole levels), so the lock is taken anyway.
pub fn lock(gpio: &std::sync::Mutex<dyn Gpio>) -> std::sync::MutexGuard<'_, dyn Gpio + 'static> {
    gpio.lock().unwrap_or_else(|e| e.into_inner())
}

/// One pin of the map: its BCM number and whether "active" is the low level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinConfig {
    pub pin: u8,
    #[serde(default)]
    pub active_low: bool,
}

/// The `[gpio]` section: which BCM pin has which role. A role left out is not fitted: inputs
/// read inactive and outputs are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PinMap {
    pub presence: Option<PinConfig>,
    pub help_button: Option<PinConfig>,
    pub tamper: Option<PinConfig>,
    pub light_green: Option<PinConfig>,
    pub light_red: Option<PinConfig>,
    pub printer_power: Option<PinConfig>,
}

impl Default for PinMap {
    /// The reference cabinet's wiring (see `firmware/README.md`).
    fn default() -> Self {
        let pin = |pin, active_low| Some(PinConfig { pin, active_low });
        PinMap {
            presence: pin(17, false),
            help_button: pin(27, true),
            tamper: pin(22, false),
            light_green: pin(23, false),
            light_red: pin(24, false),
            printer_power: pin(25, false),
        }
    }
}

impl PinMap {
    /// No role fitted.
    pub fn none() -> PinMap {
        PinMap {
            presence: None,
            help_button: None,
            tamper: None,
            light_green: None,
            light_red: None,
            printer_power: None,
        }
    }

    pub fn input(&self, input: Input) -> Option<PinConfig> {
        match input {
            Input::Presence => self.presence,
            Input::HelpButton => self.help_button,
            Input::Tamper => self.tamper,
        }
    }
    pub fn output(&self, output: Output) -> Option<PinConfig> {
        match output {
            Output::LightGreen => self.light_green,
            Output::LightRed => self.light_red,
            Output::PrinterPower => self.printer_power,
        }
    }

    /// A pin used twice, or one the Raspberry Pi header does not have.
    pub fn problem(&self) -> Option<String> {
        let mut seen: HashMap<u8, &str> = HashMap::new();
        let roles = Input::ALL
            .iter()
            .map(|i| (i.name(), self.input(*i)))
            .chain(Output::ALL.iter().map(|o| (o.name(), self.output(*o))));
        for (role, pin) in roles {
            let Some(pin) = pin else { continue };
            if pin.pin > 27 {
                return Some(format!(
                    "[gpio] {role}: GPIO{} is not on the 40-pin header (0–27)",
                    pin.pin
                ));
            }
            if let Some(other) = seen.insert(pin.pin, role) {
                return Some(format!(
                    "[gpio] {role} and {other} are both on GPIO{}",
                    pin.pin
                ));
            }
        }
        None
    }
}

/// Using a pin that was not given that direction (a bug in the caller, as on the hardware).
pub(crate) fn not_set_up(pin: u8, direction: &str) -> DeviceError {
    DeviceError::Protocol {
        device: "gpio",
        detail: format!("GPIO{pin} is not set up as an {direction}"),
    }
}

/// Electrical pin access by BCM number.
pub trait PinBank: Send {
    /// Makes `pin` an input (with the pull-up when `pull_up`).
    fn setup_input(&mut self, pin: u8, pull_up: bool) -> Result<(), DeviceError>;
    fn setup_output(&mut self, pin: u8) -> Result<(), DeviceError>;
    /// true: high.
    fn level(&mut self, pin: u8) -> Result<bool, DeviceError>;
    fn set_level(&mut self, pin: u8, high: bool) -> Result<(), DeviceError>;
    /// The chip `pin` is on, for the self-test; `None` when it cannot be told.
    fn describe(&self, _pin: u8) -> Option<String> {
        None
    }
    /// See `Gpio::edge_signals`: for the inputs set up so far.
    fn edge_signals(&mut self) -> Result<Vec<OwnedFd>, DeviceError> {
        Ok(Vec::new())
    }
    /// See `Gpio::clear_edges`.
    fn clear_edges(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}

/// The roles of a `PinMap` on a `PinBank`.
pub struct MappedGpio<P: PinBank> {
    pins: P,
    map: PinMap,
    outputs: HashMap<Output, bool>,
}

impl<P: PinBank> MappedGpio<P> {
    /// Sets every mapped pin's direction (active-low inputs get the pull-up: a button or
    /// switch to ground) and switches every output off.
    pub fn new(mut pins: P, map: PinMap) -> Result<Self, DeviceError> {
        if let Some(problem) = map.problem() {
            return Err(DeviceError::Protocol {
                device: "gpio",
                detail: problem,
            });
        }
        for input in Input::ALL {
            if let Some(p) = map.input(input) {
                pins.setup_input(p.pin, p.active_low)?;
            }
        }
        let mut gpio = MappedGpio {
            pins,
            map,
            outputs: HashMap::new(),
        };
        for output in Output::ALL {
            if let Some(p) = map.output(output) {
                gpio.pins.setup_output(p.pin)?;
                gpio.write(output, false)?;
            }
        }
        Ok(gpio)
    }

    /// The electrical side (tests drive the simulated pins through it).
    pub fn pins(&mut self) -> &mut P {
        &mut self.pins
    }
}

impl<P: PinBank> Gpio for MappedGpio<P> {
    fn read(&mut self, input: Input) -> Result<bool, DeviceError> {
        match self.map.input(input) {
            Some(p) => Ok(self.pins.level(p.pin)? != p.active_low),
            None => Ok(false),
        }
    }
    fn write(&mut self, output: Output, on: bool) -> Result<(), DeviceError> {
        if let Some(p) = self.map.output(output) {
            self.pins.set_level(p.pin, on != p.active_low)?;
        }
        self.outputs.insert(output, on);
        Ok(())
    }
    fn output(&self, output: Output) -> bool {
        self.outputs.get(&output).copied().unwrap_or(false)
    }
    fn describe(&mut self) -> Option<String> {
        let first = Input::ALL
            .iter()
            .filter_map(|i| self.map.input(*i))
            .chain(Output::ALL.iter().filter_map(|o| self.map.output(*o)))
            .next()?;
        self.pins.describe(first.pin)
    }
    fn edge_signals(&mut self) -> Result<Vec<OwnedFd>, DeviceError> {
        self.pins.edge_signals()
    }
    fn clear_edges(&mut self) -> Result<(), DeviceError> {
        self.pins.clear_edges()
    }
}

/// Pins in memory: an input reads what a test drives onto it, else its pull (high with the
/// pull-up, low without); an output reads back what was set. Using a pin that was not set up
/// is an error, as on the hardware. Once asked for its edge signal, every change of an input's
/// level writes a byte to a socket, as the kernel queues an edge event.
#[derive(Debug, Default)]
pub struct SimPins {
    inputs: HashMap<u8, bool>,
    driven: HashMap<u8, bool>,
    outputs: HashMap<u8, bool>,
    /// Written on each input change / read by `clear_edges`; set up by `edge_signals`.
    edges: Option<(UnixStream, UnixStream)>,
}

fn sim_error(e: std::io::Error) -> DeviceError {
    DeviceError::Protocol {
        device: "gpio",
        detail: format!("simulated edge signal: {e}"),
    }
}

impl SimPins {
    /// What the outside world puts on `pin` (a sensor's output, a closed switch to ground).
    pub fn drive(&mut self, pin: u8, high: bool) {
        let before = self.input_level(pin);
        self.driven.insert(pin, high);
        self.signal_if_changed(pin, before);
    }
    /// Stops driving `pin` (an open switch): it floats to its pull.
    pub fn release(&mut self, pin: u8) {
        let before = self.input_level(pin);
        self.driven.remove(&pin);
        self.signal_if_changed(pin, before);
    }
    fn input_level(&self, pin: u8) -> Option<bool> {
        let pull_up = *self.inputs.get(&pin)?;
        Some(self.driven.get(&pin).copied().unwrap_or(pull_up))
    }
    fn signal_if_changed(&mut self, pin: u8, before: Option<bool>) {
        if before == self.input_level(pin) {
            return;
        }
        if let Some((writer, _)) = &mut self.edges {
            // A full socket already says "changed"; the byte itself carries nothing.
            let _ = writer.write(&[pin]);
        }
    }
    /// The level an output pin is set to.
    pub fn output_level(&self, pin: u8) -> Option<bool> {
        self.outputs.get(&pin).copied()
    }
}

impl PinBank for SimPins {
    fn setup_input(&mut self, pin: u8, pull_up: bool) -> Result<(), DeviceError> {
        self.inputs.insert(pin, pull_up);
        Ok(())
    }
    fn setup_output(&mut self, pin: u8) -> Result<(), DeviceError> {
        self.outputs.insert(pin, false);
        Ok(())
    }
    fn level(&mut self, pin: u8) -> Result<bool, DeviceError> {
        match self.inputs.get(&pin) {
            Some(pull_up) => Ok(self.driven.get(&pin).copied().unwrap_or(*pull_up)),
            None => Err(not_set_up(pin, "input")),
        }
    }
    fn set_level(&mut self, pin: u8, high: bool) -> Result<(), DeviceError> {
        match self.outputs.get_mut(&pin) {
            Some(level) => {
                *level = high;
                Ok(())
            }
            None => Err(not_set_up(pin, "output")),
        }
    }
    fn edge_signals(&mut self) -> Result<Vec<OwnedFd>, DeviceError> {
        let reader = match &self.edges {
            Some((_, reader)) => reader.try_clone().map_err(sim_error)?,
            None => {
                let (writer, reader) = UnixStream::pair().map_err(sim_error)?;
                writer.set_nonblocking(true).map_err(sim_error)?;
                reader.set_nonblocking(true).map_err(sim_error)?;
                let watched = reader.try_clone().map_err(sim_error)?;
                self.edges = Some((writer, reader));
                watched
            }
        };
        Ok(vec![OwnedFd::from(reader)])
    }
    fn clear_edges(&mut self) -> Result<(), DeviceError> {
        let Some((_, reader)) = &mut self.edges else {
            return Ok(());
        };
        let mut buf = [0u8; 64];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(sim_error(e)),
            }
        }
    }
}

/// Cabinet pins that could not be opened: every use fails with the reason, so the cabinet task
/// logs and counts it while the kiosk goes on serving residents.
pub struct UnavailableGpio(pub DeviceError);

impl Gpio for UnavailableGpio {
    fn read(&mut self, _: Input) -> Result<bool, DeviceError> {
        Err(self.0.clone())
    }
    fn write(&mut self, _: Output, _: bool) -> Result<(), DeviceError> {
        Err(self.0.clone())
    }
    fn output(&self, _: Output) -> bool {
        false
    }
}

/// The simulated cabinet: the configured pin map over `SimPins`.
pub type SimGpio = MappedGpio<SimPins>;

impl SimGpio {
    pub fn simulated(map: PinMap) -> Result<SimGpio, DeviceError> {
        MappedGpio::new(SimPins::default(), map)
    }

    /// Acts on an input as the hardware would: drives its pin to the active level, or lets it
    /// return to rest.
    pub fn set_input(&mut self, input: Input, active: bool) {
        if let Some(p) = self.map.input(input) {
            if active {
                self.pins.drive(p.pin, !p.active_low);
            } else if p.active_low {
                // A button to ground: released, the pull-up brings it back high.
                self.pins.release(p.pin);
            } else {
                self.pins.drive(p.pin, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_low_button_reads_released_through_its_pull_up_and_pressed_when_grounded() {
        let mut gpio = SimGpio::simulated(PinMap::default()).unwrap();
        assert!(!gpio.read(Input::HelpButton).unwrap());
        gpio.pins().drive(27, false);
        assert!(gpio.read(Input::HelpButton).unwrap());
        gpio.pins().release(27);
        assert!(!gpio.read(Input::HelpButton).unwrap());
    }

    #[test]
    fn outputs_reach_their_pins_with_the_configured_polarity() {
        let map = PinMap {
            printer_power: Some(PinConfig {
                pin: 5,
                active_low: true,
            }),
            ..PinMap::default()
        };
        let mut gpio = SimGpio::simulated(map).unwrap();
        // Off at start: an active-low relay's pin is high.
        assert_eq!(gpio.pins().output_level(5), Some(true));
        gpio.write(Output::PrinterPower, true).unwrap();
        assert_eq!(gpio.pins().output_level(5), Some(false));
        assert!(gpio.output(Output::PrinterPower));
        gpio.write(Output::LightGreen, true).unwrap();
        assert_eq!(gpio.pins().output_level(23), Some(true));
    }

    #[test]
    fn a_role_left_out_reads_inactive_and_a_pin_used_twice_is_refused() {
        let map = PinMap {
            tamper: None,
            ..PinMap::default()
        };
        let mut gpio = SimGpio::simulated(map).unwrap();
        assert!(!gpio.read(Input::Tamper).unwrap());
        let clash = PinMap {
            light_red: Some(PinConfig {
                pin: 17,
                active_low: false,
            }),
            ..PinMap::default()
        };
        let err = SimGpio::simulated(clash).err().unwrap().to_string();
        assert!(err.contains("GPIO17"), "{err}");
        let off_header = PinMap {
            tamper: Some(PinConfig {
                pin: 40,
                active_low: false,
            }),
            ..PinMap::default()
        };
        assert!(off_header.problem().unwrap().contains("0–27"));
    }
}
