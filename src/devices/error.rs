//! Device errors, each saying what a technician should check.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The device is not connected or not answering.
    #[error("{device} is not connected: {check}")]
    NotConnected {
        device: &'static str,
        check: &'static str,
    },
    /// The device answered with something the protocol does not allow.
    #[error("{device} protocol error: {detail}")]
    Protocol {
        device: &'static str,
        detail: String,
    },
    /// The configuration does not say how to reach the device.
    #[error("{device}: {problem}")]
    Misconfigured {
        device: &'static str,
        problem: String,
    },
    /// The configuration names an adapter this build does not have.
    #[error("{device}: adapter '{adapter}' is not available in this build (use \"sim\")")]
    Unsupported {
        device: &'static str,
        adapter: String,
    },
}

impl DeviceError {
    /// Which device the error is about.
    pub fn device(&self) -> &'static str {
        match self {
            DeviceError::NotConnected { device, .. }
            | DeviceError::Protocol { device, .. }
            | DeviceError::Misconfigured { device, .. }
            | DeviceError::Unsupported { device, .. } => device,
        }
    }
}
