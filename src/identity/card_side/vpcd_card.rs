//! Serves a simulated chip as a virtual card through vsmartcard's virtual reader driver
//! (`vpcd`, loaded by pcscd): connects to its socket and answers its framing — two-byte
//! big-endian length, then a one-byte control (0 power off, 1 power on, 2 reset, 4 get ATR)
//! or a command APDU — with the `EmrtdChip`. So the real PC/SC adapter and pcscd are
//! exercised end to end without hardware. Development and tests only.

use crate::identity::card_side::emrtd_chip::EmrtdChip;
use std::io::{Read, Write};
use std::net::TcpStream;

/// An ATR announcing T=1, as contactless readers synthesise for ISO 14443-4 cards.
pub const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// vpcd's default address.
pub const VPCD_ADDRESS: &str = "127.0.0.1:35963";

/// Answers vpcd until it hangs up, or until `lift_after` APDUs have been answered (then the
/// connection closes: pcscd sees the card lifted). Returns the APDUs answered.
pub fn serve(
    stream: &mut TcpStream,
    chip: &mut EmrtdChip,
    lift_after: Option<usize>,
) -> std::io::Result<usize> {
    let mut answered = 0;
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return Ok(answered);
        }
        let mut payload = vec![0u8; u16::from_be_bytes(len) as usize];
        if let Err(e) = stream.read_exact(&mut payload) {
            return ended(e, answered);
        }
        let reply: Option<Vec<u8>> = match payload.as_slice() {
            [0] => {
                chip.reset();
                None
            }
            [1] | [2] => {
                chip.reset();
                None
            }
            [4] => Some(ATR.to_vec()),
            [_] => None,
            apdu => {
                if lift_after.is_some_and(|n| answered >= n) {
                    // Lifted: the connection closes (every handle to it), so vpcd reports it.
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return Ok(answered);
                }
                answered += 1;
                Some(chip.process(apdu))
            }
        };
        if let Some(reply) = reply {
            let mut frame = (reply.len() as u16).to_be_bytes().to_vec();
            frame.extend(reply);
            if let Err(e) = stream.write_all(&frame) {
                return ended(e, answered);
            }
        }
    }
}

/// The connection closing at any point (the card lifted, vpcd gone) ends the serving with the
/// count so far; any other IO failure is an error.
fn ended(e: std::io::Error, answered: usize) -> std::io::Result<usize> {
    use std::io::ErrorKind::*;
    match e.kind() {
        UnexpectedEof | BrokenPipe | ConnectionReset | ConnectionAborted | NotConnected => {
            Ok(answered)
        }
        _ => Err(e),
    }
}
