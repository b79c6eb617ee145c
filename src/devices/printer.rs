//! The receipt printer as a byte sink speaking ESC/POS. `SimPrinter` keeps every byte it is
//! sent (and answers the real-time status request DLE EOT 1 as a ready printer would), so
//! tests and the receipt preview see exactly what a real printer would receive.

use crate::devices::DeviceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    Ready,
    PaperOut,
    CoverOpen,
    Offline,
}

pub trait ReceiptPrinter: Send {
    fn status(&mut self) -> Result<PrinterStatus, DeviceError>;
    /// Sends raw ESC/POS bytes.
    fn print(&mut self, escpos: &[u8]) -> Result<(), DeviceError>;
}

pub struct SimPrinter {
    /// Everything sent so far, in order.
    pub received: Vec<u8>,
    pub status: PrinterStatus,
}

impl SimPrinter {
    pub fn new() -> SimPrinter {
        SimPrinter {
            received: Vec::new(),
            status: PrinterStatus::Ready,
        }
    }

    /// The byte a real printer answers to DLE EOT 1 (printer status) in this state.
    pub fn status_byte(&self) -> u8 {
        match self.status {
            PrinterStatus::Ready => 0x12,
            PrinterStatus::Offline => 0x12 | 0x08,
            PrinterStatus::CoverOpen | PrinterStatus::PaperOut => 0x12 | 0x08 | 0x20,
        }
    }
}

impl Default for SimPrinter {
    fn default() -> Self {
        SimPrinter::new()
    }
}

impl ReceiptPrinter for SimPrinter {
    fn status(&mut self) -> Result<PrinterStatus, DeviceError> {
        Ok(self.status)
    }

    fn print(&mut self, escpos: &[u8]) -> Result<(), DeviceError> {
        match self.status {
            PrinterStatus::Ready => {
                self.received.extend_from_slice(escpos);
                Ok(())
            }
            _ => Err(DeviceError::NotConnected {
                device: "printer",
                check: "the printer is not ready: check paper, cover and power",
            }),
        }
    }
}
