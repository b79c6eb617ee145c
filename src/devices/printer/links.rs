//! The ways a receipt printer is connected, each a `PrinterLink`: USB through the kernel's
//! usblp device (`/dev/usb/lp0`), a serial port (`serialport`), the network (raw TCP, port
//! 9100, through `escpos`'s `NetworkDriver`), and a plain file (development; no status).
//! Chosen by `[devices] printer` and `[printer] device`. Must not know receipts.

use crate::devices::DeviceError;
use crate::devices::printer::{Connect, EscPosPrinter, PrinterLink};
use escpos::driver::{Driver, NetworkDriver};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// An `escpos` driver as a link (its own timeouts apply to reads).
struct EscposDriverLink<D: Driver + Send>(D);

impl<D: Driver + Send> PrinterLink for EscposDriverLink<D> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0
            .write(bytes)
            .and_then(|_| self.0.flush())
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> std::io::Result<usize> {
        // A signal (the speaker's child process ending, say) can interrupt the wait for the
        // printer's answer; nothing was read, so ask the socket again. `escpos` keeps only the
        // error's text.
        let mut result = self.0.read(buf);
        while matches!(&result, Err(escpos::errors::PrinterError::Io(m)) if m.contains("Interrupted"))
        {
            result = self.0.read(buf);
        }
        match result {
            Ok(n) => Ok(n),
            Err(escpos::errors::PrinterError::Io(m))
                if m.contains("timed out")
                    || m.contains("WouldBlock")
                    || m.contains("Resource temporarily") =>
            {
                Ok(0)
            }
            Err(e) => Err(std::io::Error::other(e.to_string())),
        }
    }
}

/// A device file read without blocking (usblp answers status requests through read()).
struct DeviceFileLink(std::fs::File);

impl PrinterLink for DeviceFileLink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.0.read(buf) {
                Ok(0) | Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(0),
                Err(e) => return Err(e),
            }
        }
    }
}

/// A plain file: bytes are appended, nothing is ever read back.
struct AppendFileLink(std::fs::File);

impl PrinterLink for AppendFileLink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.sync_data()
    }
    fn read(&mut self, _buf: &mut [u8], _timeout: Duration) -> std::io::Result<usize> {
        Ok(0)
    }
}

struct SerialLink(Box<dyn serialport::SerialPort>);

impl PrinterLink for SerialLink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.0.set_timeout(timeout)?;
        match self.0.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(0),
            other => other,
        }
    }
}

/// "host:port" or "host" (port 9100).
fn host_port(device: &str) -> Result<(String, u16), DeviceError> {
    match device.rsplit_once(':') {
        Some((host, port)) => port
            .parse()
            .map(|p| (host.to_string(), p))
            .map_err(|_| misconfigured(format!("\"{device}\": the port must be a number"))),
        None if !device.is_empty() => Ok((device.to_string(), 9100)),
        None => Err(misconfigured(
            "set [printer] device to the printer's address (host or host:port)",
        )),
    }
}

fn misconfigured(problem: impl Into<String>) -> DeviceError {
    DeviceError::Misconfigured {
        device: "printer",
        problem: problem.into(),
    }
}

/// The printer for `kind` ("usb", "serial", "network", "file") at `device`.
pub fn open(kind: &str, device: &str, baud: u32) -> Result<EscPosPrinter, DeviceError> {
    let device = device.to_string();
    let (connect, answers): (Connect, bool) = match kind {
        "usb" => {
            let path = if device.is_empty() {
                "/dev/usb/lp0".to_string()
            } else {
                device.clone()
            };
            (
                Box::new(move || {
                    use std::os::unix::fs::OpenOptionsExt;
                    let file = std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .custom_flags(0o4000) // O_NONBLOCK: status reads must not hang
                        .open(&path)?;
                    Ok(Box::new(DeviceFileLink(file)) as Box<dyn PrinterLink>)
                }),
                true,
            )
        }
        "serial" => {
            if device.is_empty() {
                return Err(misconfigured(
                    "set [printer] device to the serial port (e.g. /dev/serial0)",
                ));
            }
            (
                Box::new(move || {
                    let port = serialport::new(&device, baud)
                        .timeout(Duration::from_secs(2))
                        .open()
                        .map_err(std::io::Error::other)?;
                    Ok(Box::new(SerialLink(port)) as Box<dyn PrinterLink>)
                }),
                true,
            )
        }
        "network" => {
            let (host, port) = host_port(&device)?;
            (
                Box::new(move || {
                    let driver = NetworkDriver::open(&host, port, Some(Duration::from_secs(3)))
                        .map_err(|e| std::io::Error::other(e.to_string()))?;
                    Ok(Box::new(EscposDriverLink(driver)) as Box<dyn PrinterLink>)
                }),
                true,
            )
        }
        "file" => {
            if device.is_empty() {
                return Err(misconfigured(
                    "set [printer] device to the file the bytes go to",
                ));
            }
            (
                Box::new(move || {
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&device)?;
                    Ok(Box::new(AppendFileLink(file)) as Box<dyn PrinterLink>)
                }),
                false,
            )
        }
        other => {
            return Err(misconfigured(format!(
                "unknown printer connection \"{other}\""
            )));
        }
    };
    Ok(EscPosPrinter::new(kind, answers, connect))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::{PrintError, PrinterStatus, ReceiptPrinter, SimPrinter};

    /// A network printer on a local port: a `SimPrinter` behind a TCP socket.
    fn serve(sim: std::sync::Arc<std::sync::Mutex<SimPrinter>>) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let sim = sim.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 {
                            return;
                        }
                        let mut answer = [0u8; 8];
                        let k = {
                            let mut sim = sim.lock().unwrap();
                            sim.write(&buf[..n]).unwrap();
                            sim.read(&mut answer, Duration::ZERO).unwrap()
                        };
                        if k > 0 && stream.write_all(&answer[..k]).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        port
    }

    #[test]
    fn a_network_printer_is_driven_over_tcp_with_status() {
        let sim = std::sync::Arc::new(std::sync::Mutex::new(SimPrinter::new()));
        let port = serve(sim.clone());
        let mut printer = open("network", &format!("127.0.0.1:{port}"), 0).unwrap();
        assert_eq!(printer.status().unwrap(), PrinterStatus::Ready);
        printer.print(b"\x1b@xin chao\n").unwrap();
        assert_eq!(sim.lock().unwrap().printed, b"\x1b@xin chao\n");
        sim.lock().unwrap().paper_out = true;
        assert_eq!(
            printer.print(b"more"),
            Err(PrintError::NotReady(PrinterStatus::PaperOut))
        );
    }

    #[test]
    fn an_unreachable_printer_and_bad_settings_are_said() {
        // A port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut printer = open("network", &format!("127.0.0.1:{port}"), 0).unwrap();
        assert_eq!(
            printer.print(b"x").unwrap_err().status(),
            PrinterStatus::Offline
        );
        assert!(
            open("network", "printer:abc", 0)
                .err()
                .unwrap()
                .to_string()
                .contains("number")
        );
        assert!(open("serial", "", 9600).is_err());
        assert!(
            open("carrier-pigeon", "", 0)
                .err()
                .unwrap()
                .to_string()
                .contains("unknown")
        );
    }

    #[test]
    fn a_file_printer_appends_every_job() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("printer.bin");
        let mut printer = open("file", path.to_str().unwrap(), 0).unwrap();
        printer.print(b"one").unwrap();
        printer.print(b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"onetwo");
    }
}
