//! BER-TLV as the eMRTD files use it (ISO 7816-4 / ICAO 9303 part 10): multi-byte tags,
//! definite lengths up to four bytes. Parsing never panics and never trusts a length: every
//! malformed or truncated input is an error. Pure bytes.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlvError {
    #[error("the data ends inside a tag or length")]
    Truncated,
    #[error("a length says {claimed} bytes but only {available} follow")]
    LengthBeyondData { claimed: usize, available: usize },
    #[error("an indefinite or over-long length")]
    UnsupportedLength,
    #[error("a tag longer than four bytes")]
    TagTooLong,
    #[error("expected tag {expected:X}, found {found:X}")]
    UnexpectedTag { expected: u32, found: u32 },
}

/// One parsed TLV: its tag (all tag bytes, big-endian), its value, and how many bytes the
/// whole object took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    pub encoded_len: usize,
}

impl Tlv<'_> {
    /// Constructed tags (bit 6 of the first byte) hold further TLVs.
    pub fn is_constructed(&self) -> bool {
        let first = self
            .tag
            .to_be_bytes()
            .into_iter()
            .find(|b| *b != 0)
            .unwrap_or(0);
        first & 0x20 != 0
    }
}

/// Reads a tag and a length; returns (tag, value length, header length).
pub fn read_header(bytes: &[u8]) -> Result<(u32, usize, usize), TlvError> {
    let first = *bytes.first().ok_or(TlvError::Truncated)?;
    let mut tag = first as u32;
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(pos).ok_or(TlvError::Truncated)?;
            pos += 1;
            if pos > 4 {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | b as u32;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let first_len = *bytes.get(pos).ok_or(TlvError::Truncated)?;
    pos += 1;
    let len = if first_len < 0x80 {
        first_len as usize
    } else {
        let count = (first_len & 0x7F) as usize;
        if count == 0 || count > 4 {
            return Err(TlvError::UnsupportedLength);
        }
        let len_bytes = bytes.get(pos..pos + count).ok_or(TlvError::Truncated)?;
        pos += count;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize)
    };
    Ok((tag, len, pos))
}

/// Reads one TLV from the front of `bytes`; returns it and what follows.
pub fn read(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (tag, len, header) = read_header(bytes)?;
    let available = bytes.len() - header;
    if len > available {
        return Err(TlvError::LengthBeyondData {
            claimed: len,
            available,
        });
    }
    let tlv = Tlv {
        tag,
        value: &bytes[header..header + len],
        encoded_len: header + len,
    };
    Ok((tlv, &bytes[header + len..]))
}

/// Reads one TLV that must carry `tag`.
pub fn expect(bytes: &[u8], tag: u32) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (tlv, rest) = read(bytes)?;
    if tlv.tag != tag {
        return Err(TlvError::UnexpectedTag {
            expected: tag,
            found: tlv.tag,
        });
    }
    Ok((tlv, rest))
}

/// All TLVs laid one after another in `bytes` (the value of a constructed TLV).
pub fn children(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (tlv, rest) = read(bytes)?;
        out.push(tlv);
        bytes = rest;
    }
    Ok(out)
}

/// The first child with `tag`, if any.
pub fn find(bytes: &[u8], tag: u32) -> Result<Option<Tlv<'_>>, TlvError> {
    Ok(children(bytes)?.into_iter().find(|t| t.tag == tag))
}

/// The total size of a TLV from its first bytes (enough for the header), e.g. to know how
/// much of a file to read.
pub fn total_length(prefix: &[u8]) -> Result<usize, TlvError> {
    let (_, len, header) = read_header(prefix)?;
    Ok(header + len)
}

/// A small non-negative DER INTEGER's value (at most 32 bits), or why not.
pub fn small_unsigned(value: &[u8]) -> Result<u32, &'static str> {
    let digits = match value {
        [] => return Err("an empty INTEGER"),
        [0, rest @ ..] if !rest.is_empty() => rest,
        [first, ..] if first & 0x80 != 0 => return Err("a negative INTEGER"),
        all => all,
    };
    if digits.len() > 4 {
        return Err("an INTEGER too large");
    }
    Ok(digits.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)))
}

pub fn encode_length(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        0x100..=0xFFFF => vec![0x82, (len >> 8) as u8, len as u8],
        _ => vec![0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8],
    }
}

pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = tag
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    if out.is_empty() {
        out.push(0);
    }
    out.extend(encode_length(value.len()));
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_byte_tags_and_long_lengths() {
        let inner = encode(0x5F1F, &[b'A'; 200]);
        let outer = encode(0x61, &inner);
        assert_eq!(&outer[..3], [0x61, 0x81, 0xCC]);
        assert_eq!(&inner[..4], [0x5F, 0x1F, 0x81, 0xC8]);
        let (tlv, rest) = expect(&outer, 0x61).unwrap();
        assert!(rest.is_empty() && tlv.is_constructed());
        let kids = children(tlv.value).unwrap();
        assert_eq!(kids.len(), 1);
        assert_eq!(kids[0].tag, 0x5F1F);
        assert_eq!(kids[0].value.len(), 200);
        assert_eq!(total_length(&outer[..4]).unwrap(), outer.len());
        assert_eq!(
            encode(0x7F61, &[0; 70000])[..5],
            [0x7F, 0x61, 0x83, 0x01, 0x11]
        );
    }

    #[test]
    fn truncated_and_lying_inputs_are_errors() {
        assert_eq!(read(&[]), Err(TlvError::Truncated));
        assert_eq!(read(&[0x5F]), Err(TlvError::Truncated));
        assert_eq!(read(&[0x61, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(read(&[0x61, 0x80]), Err(TlvError::UnsupportedLength));
        assert_eq!(
            read(&[0x61, 0x85, 1, 1, 1, 1, 1]),
            Err(TlvError::UnsupportedLength)
        );
        assert_eq!(
            read(&[0x7F, 0xFF, 0xFF, 0xFF, 0x01]),
            Err(TlvError::TagTooLong)
        );
        assert_eq!(
            read(&[0x61, 0x05, 1, 2]),
            Err(TlvError::LengthBeyondData {
                claimed: 5,
                available: 2
            })
        );
        assert!(matches!(
            expect(&[0x62, 0], 0x61),
            Err(TlvError::UnexpectedTag { .. })
        ));
        // A length near usize::MAX must not overflow.
        assert!(read(&[0x61, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
    }
}
