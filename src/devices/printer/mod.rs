//! The receipt printer: ESC/POS bytes over a byte link, with the printer's real-time status
//! (DLE EOT 1, 2 and 4) asked before and after each job, so "paper out", "cover open" and
//! "offline" are told apart and a job is only called printed when the printer is still fine
//! after it. `EscPosPrinter` drives any `PrinterLink` (USB, serial, network, file — see
//! `links`); `SimPrinter` is the far end of a link: it answers DLE EOT from its state,
//! keeps every byte it printed, and prints nothing while out of paper or open, like the real
//! thing. Must not build receipts (that is `printing`).

pub mod links;

use crate::devices::DeviceError;
use std::collections::VecDeque;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    Ready,
    PaperOut,
    CoverOpen,
    Offline,
}

impl PrinterStatus {
    /// What the resident or helper should do, in Vietnamese and English.
    pub fn advice(&self) -> crate::core::text::Text {
        use crate::core::text::Text;
        match self {
            PrinterStatus::Ready => Text::new("Máy in sẵn sàng.", "The printer is ready."),
            PrinterStatus::PaperOut => Text::new(
                "Máy in hết giấy. Hồ sơ đã được lưu an toàn; vui lòng chạm Gọi hỗ trợ để được thay giấy, rồi in lại biên nhận tại mục Tra cứu hồ sơ.",
                "The printer is out of paper. Your dossier is safely saved; please ask staff to load paper, then reprint the receipt from \"Track a dossier\".",
            ),
            PrinterStatus::CoverOpen => Text::new(
                "Nắp máy in đang mở. Hồ sơ đã được lưu an toàn; vui lòng đóng nắp rồi bấm In lại.",
                "The printer cover is open. Your dossier is safely saved; please close it and press Reprint.",
            ),
            PrinterStatus::Offline => Text::new(
                "Máy in chưa sẵn sàng hoặc chưa kết nối. Hồ sơ đã được lưu an toàn; có thể in lại biên nhận sau tại mục Tra cứu hồ sơ.",
                "The printer is not ready or not connected. Your dossier is safely saved; the receipt can be reprinted later from \"Track a dossier\".",
            ),
        }
    }
}

pub trait ReceiptPrinter: Send {
    /// Asks the printer how it is (DLE EOT).
    fn status(&mut self) -> Result<PrinterStatus, DeviceError>;
    /// Sends one job of ESC/POS bytes: checks the status before and after; `Err` when the
    /// printer was not ready or stopped during the job (nothing can be assumed printed).
    fn print(&mut self, escpos: &[u8]) -> Result<(), PrintError>;
    /// The simulated hardware behind this printer, for tests and the demo.
    fn simulator(&self) -> Option<std::sync::Arc<std::sync::Mutex<SimPrinter>>> {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("the printer is not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl PrintError {
    pub fn status(&self) -> PrinterStatus {
        match self {
            PrintError::NotReady(s) => *s,
            PrintError::Device(_) => PrinterStatus::Offline,
        }
    }
}

/// A two-way byte connection to a printer.
pub trait PrinterLink: Send {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads what the printer sent, waiting at most `timeout`; `Ok(0)` if it said nothing.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize>;
}

const DLE_EOT: [u8; 2] = [0x10, 0x04];
/// How long a printer may take to answer a status request.
const STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// A real-time status byte has bits 1 and 4 set and bits 0 and 7 clear (0xx1xx10).
fn status_byte_valid(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

/// Interprets the answers to DLE EOT 1, 2 and 4.
pub fn status_from_bytes(printer: u8, offline_cause: u8, paper: u8) -> PrinterStatus {
    if paper & 0b0110_0000 != 0 || offline_cause & 0b0010_0000 != 0 {
        PrinterStatus::PaperOut
    } else if offline_cause & 0b0000_0100 != 0 {
        PrinterStatus::CoverOpen
    } else if printer & 0b0000_1000 != 0 {
        PrinterStatus::Offline
    } else {
        PrinterStatus::Ready
    }
}

/// Opens a link for a job; called again after a failure (a network printer switched off
/// and on again is found again).
pub type Connect = Box<dyn FnMut() -> std::io::Result<Box<dyn PrinterLink>> + Send>;

/// A printer driven through a `PrinterLink`.
pub struct EscPosPrinter {
    connect: Connect,
    link: Option<Box<dyn PrinterLink>>,
    /// False for links that cannot answer (a plain file): status is then taken as ready.
    answers_status: bool,
    name: String,
}

impl EscPosPrinter {
    pub fn new(name: impl Into<String>, answers_status: bool, connect: Connect) -> EscPosPrinter {
        EscPosPrinter {
            connect,
            link: None,
            answers_status,
            name: name.into(),
        }
    }

    fn link(&mut self) -> Result<&mut Box<dyn PrinterLink>, DeviceError> {
        if self.link.is_none() {
            let link = (self.connect)().map_err(|e| {
                tracing::warn!(printer = %self.name, error = %e, "printer not reachable");
                DeviceError::NotConnected {
                    device: "printer",
                    check: "the printer's cable, power and the [printer] device setting",
                }
            })?;
            self.link = Some(link);
        }
        Ok(self.link.as_mut().expect("set above"))
    }

    fn ask(&mut self, n: u8) -> Result<u8, DeviceError> {
        let result = (|| {
            let link = self.link()?;
            let io = |e: std::io::Error| DeviceError::Protocol {
                device: "printer",
                detail: e.to_string(),
            };
            link.write(&[DLE_EOT[0], DLE_EOT[1], n]).map_err(io)?;
            let mut buf = [0u8; 1];
            match link.read(&mut buf, STATUS_TIMEOUT).map_err(io)? {
                1 if status_byte_valid(buf[0]) => Ok(buf[0]),
                1 => Err(DeviceError::Protocol {
                    device: "printer",
                    detail: format!("status byte {:#04x} is not a DLE EOT answer", buf[0]),
                }),
                _ => Err(DeviceError::NotConnected {
                    device: "printer",
                    check: "the printer did not answer the status request: power and cable",
                }),
            }
        })();
        if result.is_err() {
            self.link = None;
        }
        result
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn status(&mut self) -> Result<PrinterStatus, DeviceError> {
        if !self.answers_status {
            self.link()?;
            return Ok(PrinterStatus::Ready);
        }
        let printer = self.ask(1)?;
        let cause = self.ask(2)?;
        let paper = self.ask(4)?;
        Ok(status_from_bytes(printer, cause, paper))
    }

    fn print(&mut self, escpos: &[u8]) -> Result<(), PrintError> {
        match self.status()? {
            PrinterStatus::Ready => {}
            other => return Err(PrintError::NotReady(other)),
        }
        let sent = self.link()?.write(escpos);
        if let Err(e) = sent {
            self.link = None;
            tracing::warn!(printer = %self.name, error = %e, "printing failed");
            return Err(PrintError::Device(DeviceError::NotConnected {
                device: "printer",
                check: "the connection dropped while printing",
            }));
        }
        match self.status()? {
            PrinterStatus::Ready => Ok(()),
            other => Err(PrintError::NotReady(other)),
        }
    }
}

/// The far end of a printer link: a thermal printer with paper, a cover and a power state.
#[derive(Debug, Default)]
pub struct SimPrinter {
    /// Every job byte printed, in order (status requests are not printed).
    pub printed: Vec<u8>,
    pub paper_out: bool,
    pub cover_open: bool,
    pub offline: bool,
    /// Runs out of paper after this many more job bytes (a roll ending mid-receipt).
    pub paper_left: Option<usize>,
    answers: VecDeque<u8>,
}

impl SimPrinter {
    pub fn new() -> SimPrinter {
        SimPrinter::default()
    }

    /// The byte a real printer answers to DLE EOT `n`.
    pub fn status_byte(&self, n: u8) -> u8 {
        let base = 0b0001_0010;
        match n {
            1 if self.offline || self.paper_out || self.cover_open => base | 0b1000,
            2 => {
                base | if self.cover_open { 0b100 } else { 0 }
                    | if self.paper_out { 0b10_0000 } else { 0 }
            }
            4 if self.paper_out => base | 0b0110_0000,
            _ => base,
        }
    }

    fn receive(&mut self, bytes: &[u8]) {
        // A status request travels alone (see `EscPosPrinter::ask`).
        if bytes.len() == 3 && bytes[..2] == DLE_EOT {
            if !self.offline {
                let answer = self.status_byte(bytes[2]);
                self.answers.push_back(answer);
            }
            return;
        }
        if self.paper_out || self.cover_open || self.offline {
            return;
        }
        let take = match self.paper_left {
            Some(left) => bytes.len().min(left),
            None => bytes.len(),
        };
        self.printed.extend_from_slice(&bytes[..take]);
        if let Some(left) = self.paper_left.as_mut() {
            *left -= take;
            if *left == 0 {
                self.paper_out = true;
                self.paper_left = None;
            }
        }
    }
}

impl PrinterLink for SimPrinter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.receive(bytes);
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.answers.pop_front() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }
}

/// The simulated printer as the kiosk sees it: `EscPosPrinter`'s protocol over a link to a
/// `SimPrinter` (the same status requests and job bytes a real printer gets).
pub struct SimulatedPrinter {
    printer: std::sync::Arc<std::sync::Mutex<SimPrinter>>,
    driver: EscPosPrinter,
}

struct SharedSim(std::sync::Arc<std::sync::Mutex<SimPrinter>>);

impl PrinterLink for SharedSim {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("simulator lock"))?
            .write(bytes)
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("simulator lock"))?
            .read(buf, timeout)
    }
}

impl SimulatedPrinter {
    pub fn new() -> SimulatedPrinter {
        let printer = std::sync::Arc::new(std::sync::Mutex::new(SimPrinter::new()));
        let shared = printer.clone();
        SimulatedPrinter {
            printer,
            driver: EscPosPrinter::new(
                "simulator",
                true,
                Box::new(move || Ok(Box::new(SharedSim(shared.clone())) as Box<dyn PrinterLink>)),
            ),
        }
    }

    /// The simulated hardware (paper, cover, what was printed).
    pub fn hardware(&self) -> std::sync::Arc<std::sync::Mutex<SimPrinter>> {
        self.printer.clone()
    }
}

impl Default for SimulatedPrinter {
    fn default() -> Self {
        SimulatedPrinter::new()
    }
}

impl ReceiptPrinter for SimulatedPrinter {
    fn status(&mut self) -> Result<PrinterStatus, DeviceError> {
        self.driver.status()
    }
    fn print(&mut self, escpos: &[u8]) -> Result<(), PrintError> {
        self.driver.print(escpos)
    }
    fn simulator(&self) -> Option<std::sync::Arc<std::sync::Mutex<SimPrinter>>> {
        Some(self.printer.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> (
        SimulatedPrinter,
        std::sync::Arc<std::sync::Mutex<SimPrinter>>,
    ) {
        let p = SimulatedPrinter::new();
        let hw = p.hardware();
        (p, hw)
    }

    #[test]
    fn status_bytes_follow_the_epson_layout() {
        let mut sim = SimPrinter::new();
        assert_eq!(sim.status_byte(1), 0x12);
        sim.paper_out = true;
        assert_eq!(sim.status_byte(4), 0x72);
        assert_eq!(sim.status_byte(2) & 0x20, 0x20);
        for n in [1, 2, 4] {
            assert!(status_byte_valid(sim.status_byte(n)));
        }
        assert!(!status_byte_valid(0xFF));
        assert_eq!(status_from_bytes(0x12, 0x12, 0x12), PrinterStatus::Ready);
        assert_eq!(
            status_from_bytes(0x1A, 0x16, 0x12),
            PrinterStatus::CoverOpen
        );
        assert_eq!(status_from_bytes(0x1A, 0x12, 0x72), PrinterStatus::PaperOut);
        assert_eq!(status_from_bytes(0x1A, 0x12, 0x12), PrinterStatus::Offline);
    }

    #[test]
    fn a_job_prints_when_ready_and_is_refused_otherwise() {
        let (mut p, hw) = printer();
        p.print(b"\x1b@hello\n").unwrap();
        assert_eq!(hw.lock().unwrap().printed, b"\x1b@hello\n");
        hw.lock().unwrap().cover_open = true;
        assert_eq!(
            p.print(b"again"),
            Err(PrintError::NotReady(PrinterStatus::CoverOpen))
        );
        hw.lock().unwrap().cover_open = false;
        hw.lock().unwrap().offline = true;
        assert_eq!(
            p.print(b"again").unwrap_err().status(),
            PrinterStatus::Offline
        );
        assert_eq!(
            hw.lock().unwrap().printed,
            b"\x1b@hello\n",
            "nothing more printed"
        );
    }

    #[test]
    fn paper_running_out_during_a_job_is_reported_after_it() {
        let (mut p, hw) = printer();
        hw.lock().unwrap().paper_left = Some(4);
        assert_eq!(
            p.print(b"a long receipt"),
            Err(PrintError::NotReady(PrinterStatus::PaperOut))
        );
        assert_eq!(hw.lock().unwrap().printed, b"a lo");
        // New paper: the reprint goes through.
        hw.lock().unwrap().paper_out = false;
        p.print(b"reprint").unwrap();
    }
}
