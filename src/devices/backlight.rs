//! The display's backlight, switched off while nobody uses the kiosk and on again when
//! someone comes (presence sensor or a touch). `SysfsBacklight` writes the kernel's backlight
//! class (`/sys/class/backlight/*/bl_power`, made writable for the video group by the package's
//! udev rule); `SimBacklight` keeps the state for tests and panels without one. No policy here:
//! when to sleep is the session controller's decision.

use crate::devices::DeviceError;
use std::path::PathBuf;

pub trait Backlight: Send {
    fn set_on(&mut self, on: bool) -> Result<(), DeviceError>;
    fn is_on(&self) -> bool;
}

/// Linux's backlight class device.
pub struct SysfsBacklight {
    bl_power: PathBuf,
    on: bool,
}

impl SysfsBacklight {
    /// The first backlight the kernel lists (the official 7" display's, on a Pi).
    pub fn open() -> Result<SysfsBacklight, DeviceError> {
        let missing = DeviceError::NotConnected {
            device: "backlight",
            check: "no /sys/class/backlight device: the panel has no controllable backlight",
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir("/sys/class/backlight")
            .map_err(|_| missing.clone())?
            .filter_map(|e| e.ok().map(|e| e.path().join("bl_power")))
            .filter(|p| p.exists())
            .collect();
        entries.sort();
        let bl_power = entries.into_iter().next().ok_or(missing)?;
        Ok(SysfsBacklight { bl_power, on: true })
    }
}

impl Backlight for SysfsBacklight {
    fn set_on(&mut self, on: bool) -> Result<(), DeviceError> {
        // FB_BLANK_UNBLANK (0) or FB_BLANK_POWERDOWN (4).
        std::fs::write(&self.bl_power, if on { "0" } else { "4" }).map_err(|e| {
            DeviceError::Protocol {
                device: "backlight",
                detail: format!("{}: {e}", self.bl_power.display()),
            }
        })?;
        self.on = on;
        Ok(())
    }
    fn is_on(&self) -> bool {
        self.on
    }
}

/// A backlight in memory: what it was set to and how often it was switched.
#[derive(Debug)]
pub struct SimBacklight {
    pub on: bool,
    pub switches: u32,
}

impl Default for SimBacklight {
    fn default() -> Self {
        SimBacklight {
            on: true,
            switches: 0,
        }
    }
}

impl Backlight for SimBacklight {
    fn set_on(&mut self, on: bool) -> Result<(), DeviceError> {
        if on != self.on {
            self.switches += 1;
        }
        self.on = on;
        Ok(())
    }
    fn is_on(&self) -> bool {
        self.on
    }
}
