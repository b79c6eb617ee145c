//! ISO 7816-4 command and response APDUs: encoding (short and extended length) and the status
//! words the eMRTD reading code meets. Pure bytes; no transport, no secure messaging.

/// A command APDU before encoding. `le` is the number of bytes expected back (`Some(256)` is
/// encoded as `00` in a short APDU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

pub const INS_SELECT: u8 = 0xA4;
pub const INS_READ_BINARY: u8 = 0xB0;
pub const INS_GET_CHALLENGE: u8 = 0x84;
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;

pub const SW_OK: u16 = 0x9000;
/// End of file reached before reading Le bytes (the data up to the end is returned).
pub const SW_END_OF_FILE: u16 = 0x6282;
pub const SW_WRONG_LENGTH: u16 = 0x6700;
pub const SW_SECURITY_STATUS_NOT_SATISFIED: u16 = 0x6982;
pub const SW_AUTHENTICATION_FAILED: u16 = 0x6300;
pub const SW_SM_DATA_OBJECTS_INCORRECT: u16 = 0x6988;
pub const SW_FILE_NOT_FOUND: u16 = 0x6A82;
pub const SW_WRONG_P1P2: u16 = 0x6B00;
pub const SW_INS_NOT_SUPPORTED: u16 = 0x6D00;
pub const SW_CLA_NOT_SUPPORTED: u16 = 0x6E00;
pub const SW_CONDITIONS_NOT_SATISFIED: u16 = 0x6985;

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Command {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn with_data(mut self, data: Vec<u8>) -> Command {
        self.data = data;
        self
    }

    pub fn with_le(mut self, le: usize) -> Command {
        self.le = Some(le);
        self
    }

    /// SELECT the eMRTD application by its AID, no answer data.
    pub fn select_application(aid: &[u8]) -> Command {
        Command::new(0x00, INS_SELECT, 0x04, 0x0C).with_data(aid.to_vec())
    }

    /// SELECT an elementary file by its two-byte identifier, no answer data.
    pub fn select_file(fid: u16) -> Command {
        Command::new(0x00, INS_SELECT, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
    }

    /// READ BINARY `le` bytes at `offset` (offsets up to 32767, as P1 bit 8 selects a short
    /// file identifier).
    pub fn read_binary(offset: usize, le: usize) -> Command {
        Command::new(
            0x00,
            INS_READ_BINARY,
            (offset >> 8) as u8 & 0x7F,
            offset as u8,
        )
        .with_le(le)
    }

    /// Whether this command needs extended length fields.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            } else {
                out.push((le % 256) as u8);
            }
        }
        out
    }

    /// Decodes a command APDU (the card's side). `None` when the length fields do not add up.
    pub fn parse(bytes: &[u8]) -> Option<Command> {
        if bytes.len() < 4 {
            return None;
        }
        let mut command = Command::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let body = &bytes[4..];
        match body.len() {
            0 => {}
            1 => command.le = Some(if body[0] == 0 { 256 } else { body[0] as usize }),
            _ if body[0] != 0 => {
                let lc = body[0] as usize;
                let rest = body.get(1..)?;
                command.data = rest.get(..lc)?.to_vec();
                match &rest[lc..] {
                    [] => {}
                    [le] => command.le = Some(if *le == 0 { 256 } else { *le as usize }),
                    _ => return None,
                }
            }
            3 => {
                let le = u16::from_be_bytes([body[1], body[2]]) as usize;
                command.le = Some(if le == 0 { 65536 } else { le });
            }
            _ => {
                // Extended length: 00, Lc (2 bytes), data, Le (2 bytes). Two bytes is neither.
                let [_, hi, lo, rest @ ..] = body else {
                    return None;
                };
                let lc = u16::from_be_bytes([*hi, *lo]) as usize;
                command.data = rest.get(..lc)?.to_vec();
                match &rest[lc..] {
                    [] => {}
                    [a, b] => {
                        let le = u16::from_be_bytes([*a, *b]) as usize;
                        command.le = Some(if le == 0 { 65536 } else { le });
                    }
                    _ => return None,
                }
            }
        }
        Some(command)
    }
}

/// A response APDU: data and the status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Option<Response> {
        if bytes.len() < 2 {
            return None;
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Some(Response {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    }

    pub fn status(sw: u16) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    pub fn is_ok(&self) -> bool {
        self.sw == SW_OK || self.sw == SW_END_OF_FILE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_extended_encodings_round_trip() {
        let select = Command::select_file(0x011E);
        assert_eq!(
            select.to_bytes(),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]
        );
        assert_eq!(
            Command::read_binary(4, 0x12).to_bytes(),
            [0, 0xB0, 0, 4, 0x12]
        );
        assert_eq!(Command::read_binary(0, 256).to_bytes(), [0, 0xB0, 0, 0, 0]);
        let long = Command::read_binary(0x1234, 1000);
        assert_eq!(long.to_bytes(), [0, 0xB0, 0x12, 0x34, 0, 0x03, 0xE8]);
        for command in [
            select,
            Command::read_binary(4, 0x12),
            Command::read_binary(0, 256),
            long,
            Command::new(0x0C, 0xB0, 0, 0)
                .with_data(vec![7; 300])
                .with_le(65536),
            Command::new(0, 0x82, 0, 0)
                .with_data(vec![1; 40])
                .with_le(40),
        ] {
            assert_eq!(Command::parse(&command.to_bytes()), Some(command));
        }
    }

    #[test]
    fn malformed_commands_and_responses_are_refused() {
        assert_eq!(Command::parse(&[0, 0xB0, 0]), None);
        assert_eq!(Command::parse(&[0, 0xA4, 2, 0x0C, 5, 1, 2]), None);
        assert_eq!(Command::parse(&[0, 0xA4, 2, 0x0C, 1, 1, 2, 3]), None);
        // An extended-length marker with one length byte (found by the property test).
        assert_eq!(Command::parse(&[0, 0xB0, 0, 0, 0, 0]), None);
        assert_eq!(Response::parse(&[0x90]), None);
        let r = Response::parse(&[1, 2, 0x62, 0x82]).unwrap();
        assert!(r.is_ok());
        assert_eq!(r.data, [1, 2]);
    }
}
