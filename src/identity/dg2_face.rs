//! DG2 (tag 75): the holder's face image inside a biometric information template, as an
//! ISO/IEC 19794-5 facial record. Finds the image bytes and their format; decodes JPEG with
//! `image`. JPEG 2000 is recognised but not decoded (the UI says "photo unavailable").
//! Parsing never panics; personal data, never logged.

use crate::identity::tlv::{self, TlvError};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Jpeg2000,
    Unknown,
}

#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub format: ImageFormat,
    pub width: u16,
    pub height: u16,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FaceImage({:?}, {}×{}, {} bytes)",
            self.format,
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FaceError {
    #[error("DG2 structure: {0}")]
    Tlv(#[from] TlvError),
    #[error("DG2 holds no biometric data block")]
    NoImage,
}

const FACIAL_RECORD_MAGIC: &[u8] = b"FAC\0";
const JPEG_SOI: &[u8] = &[0xFF, 0xD8, 0xFF];
const JP2_SIGNATURE: &[u8] = &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20];
const J2K_CODESTREAM: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];

fn find_biometric_data(value: &[u8], depth: usize) -> Result<Option<&[u8]>, TlvError> {
    if depth > 6 {
        return Ok(None);
    }
    for child in tlv::children(value)? {
        if child.tag == 0x5F2E || child.tag == 0x7F2E {
            return Ok(Some(child.value));
        }
        if child.is_constructed()
            && let Some(found) = find_biometric_data(child.value, depth + 1)?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn format_of(bytes: &[u8]) -> ImageFormat {
    if bytes.starts_with(JPEG_SOI) {
        ImageFormat::Jpeg
    } else if bytes.starts_with(JP2_SIGNATURE) || bytes.starts_with(J2K_CODESTREAM) {
        ImageFormat::Jpeg2000
    } else {
        ImageFormat::Unknown
    }
}

fn from_facial_record(record: &[u8]) -> Option<FaceImage> {
    let be16 = |at: usize| {
        record
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    if !record.starts_with(FACIAL_RECORD_MAGIC) {
        return None;
    }
    let feature_points = be16(14 + 4)? as usize;
    let image_info = 14 + 20 + 8 * feature_points;
    let width = be16(image_info + 2)?;
    let height = be16(image_info + 4)?;
    let bytes = record.get(image_info + 12..)?.to_vec();
    Some(FaceImage {
        format: format_of(&bytes),
        width,
        height,
        bytes,
    })
}

fn by_signature(data: &[u8]) -> Option<FaceImage> {
    let start = [JPEG_SOI, JP2_SIGNATURE, J2K_CODESTREAM]
        .iter()
        .filter_map(|magic| data.windows(magic.len()).position(|w| w == *magic))
        .min()?;
    let bytes = data[start..].to_vec();
    Some(FaceImage {
        format: format_of(&bytes),
        width: 0,
        height: 0,
        bytes,
    })
}

pub fn parse(bytes: &[u8]) -> Result<FaceImage, FaceError> {
    let (dg2, _) = tlv::expect(bytes, 0x75)?;
    let data = find_biometric_data(dg2.value, 0)?.ok_or(FaceError::NoImage)?;
    from_facial_record(data)
        .or_else(|| by_signature(data))
        .ok_or(FaceError::NoImage)
}

/// Decodes a JPEG face to pixels; `None` for JPEG 2000, unknown formats or broken bytes.
pub fn decode(face: &FaceImage) -> Option<image::RgbImage> {
    match face.format {
        ImageFormat::Jpeg => {
            image::load_from_memory_with_format(&face.bytes, image::ImageFormat::Jpeg)
                .ok()
                .map(|i| i.to_rgb8())
        }
        _ => None,
    }
}

/// Builds DG2 around a JPEG (the chip simulator's cards): an ICAO biometric information
/// template holding one ISO/IEC 19794-5 facial record.
pub fn encode(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut record = FACIAL_RECORD_MAGIC.to_vec();
    record.extend_from_slice(b"010\0");
    let total = 14 + 20 + 12 + jpeg.len();
    record.extend_from_slice(&(total as u32).to_be_bytes());
    record.extend_from_slice(&1u16.to_be_bytes());
    // Facial information: block length, no feature points, gender/eyes/hair unspecified.
    record.extend_from_slice(&((20 + 12 + jpeg.len()) as u32).to_be_bytes());
    record.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Image information: full frontal, JPEG, width, height, sRGB, static photo, unspecified.
    record.extend_from_slice(&[1, 0]);
    record.extend_from_slice(&width.to_be_bytes());
    record.extend_from_slice(&height.to_be_bytes());
    record.extend_from_slice(&[1, 2, 0, 0, 0, 0]);
    record.extend_from_slice(jpeg);
    let header = [
        tlv::encode(0x80, &[1, 1]),
        tlv::encode(0x81, &[2]),
        tlv::encode(0x87, &[1, 1]),
        tlv::encode(0x88, &[0, 8]),
    ]
    .concat();
    let bit = [tlv::encode(0xA1, &header), tlv::encode(0x5F2E, &record)].concat();
    let group = [tlv::encode(0x02, &[1]), tlv::encode(0x7F60, &bit)].concat();
    tlv::encode(0x75, &tlv::encode(0x7F61, &group))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(24, 32, |x, y| image::Rgb([x as u8 * 9, y as u8 * 7, 120]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_face_round_trips_and_decodes() {
        let bytes = encode(&jpeg(), 24, 32);
        let face = parse(&bytes).unwrap();
        assert_eq!(face.format, ImageFormat::Jpeg);
        assert_eq!((face.width, face.height), (24, 32));
        let pixels = decode(&face).unwrap();
        assert_eq!(pixels.dimensions(), (24, 32));
    }

    #[test]
    fn jpeg2000_is_recognised_not_decoded() {
        let mut j2k = JP2_SIGNATURE.to_vec();
        j2k.extend_from_slice(&[0x0D, 0x0A, 0x87, 0x0A, 1, 2, 3]);
        let face = parse(&encode(&j2k, 10, 10)).unwrap();
        assert_eq!(face.format, ImageFormat::Jpeg2000);
        assert!(decode(&face).is_none());
    }

    #[test]
    fn a_template_without_image_or_with_garbage() {
        assert_eq!(
            parse(&tlv::encode(0x75, &tlv::encode(0x7F61, &[2, 1, 0]))),
            Err(FaceError::NoImage)
        );
        let bytes = encode(&jpeg(), 24, 32);
        for cut in [0, 3, 10, 40, bytes.len() - 1] {
            assert!(parse(&bytes[..cut]).is_err());
        }
    }
}
