//! DG13 (tag 6D) of the CCCD: the Vietnamese data — a SEQUENCE holding a version, an OID and a
//! SET of SEQUENCE { INTEGER field-number, value(s) }. Parsing is tolerant: fields are found
//! wherever they sit in the structure, unknown numbers are kept, several strings in one field
//! (father and mother) are all kept. Malformed bytes are an error, never a panic. Personal
//! data: never logged.

use crate::identity::tlv::{self, Tlv, TlvError};
use std::collections::BTreeMap;

/// DG13 field numbers (as known; 15/16 hold an old ID number on some cards).
pub mod field {
    pub const PERSONAL_ID: u32 = 1;
    pub const FULL_NAME: u32 = 2;
    pub const BIRTH_DATE: u32 = 3;
    pub const SEX: u32 = 4;
    pub const NATIONALITY: u32 = 5;
    pub const ETHNICITY: u32 = 6;
    pub const RELIGION: u32 = 7;
    pub const PLACE_OF_ORIGIN: u32 = 8;
    pub const PLACE_OF_RESIDENCE: u32 = 9;
    pub const IDENTIFYING_FEATURES: u32 = 10;
    pub const ISSUE_DATE: u32 = 11;
    pub const EXPIRY_DATE: u32 = 12;
    pub const PARENTS: u32 = 13;
    pub const SPOUSE: u32 = 14;
    pub const OLD_ID_A: u32 = 15;
    pub const OLD_ID_B: u32 = 16;
}

/// Every field found, by number; each holds the strings it carried in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dg13 {
    pub fields: BTreeMap<u32, Vec<String>>,
    /// The first OBJECT IDENTIFIER in the structure (readers report `1.0.10646.1.0.8`), as
    /// seen — recorded for the technician's report, never required.
    pub oid: Option<String>,
}

impl Dg13 {
    pub fn first(&self, number: u32) -> Option<&str> {
        self.fields
            .get(&number)
            .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
            .map(|s| s.trim())
    }

    pub fn all(&self, number: u32) -> &[String] {
        self.fields.get(&number).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn wipe(&mut self) {
        for values in self.fields.values_mut() {
            for value in values.iter_mut() {
                zeroize::Zeroize::zeroize(value);
            }
        }
        self.fields.clear();
    }
}

const SEQUENCE: u32 = 0x30;
const SET: u32 = 0x31;
const INTEGER: u32 = 0x02;

fn is_string(tag: u32) -> bool {
    // UTF8String, PrintableString, IA5String, BMPString, T61String, VisibleString.
    matches!(tag, 0x0C | 0x13 | 0x16 | 0x1E | 0x14 | 0x1A)
}

fn decode_string(t: &Tlv<'_>) -> String {
    if t.tag == 0x1E {
        let units: Vec<u16> = t
            .value
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(t.value).into_owned()
    }
}

fn strings_within(value: &[u8], depth: usize, out: &mut Vec<String>) -> Result<(), TlvError> {
    if depth > 8 {
        return Ok(());
    }
    for child in tlv::children(value)? {
        if is_string(child.tag) {
            out.push(decode_string(&child));
        } else if child.is_constructed() {
            strings_within(child.value, depth + 1, out)?;
        }
    }
    Ok(())
}

fn small_integer(bytes: &[u8]) -> Option<u32> {
    (!bytes.is_empty() && bytes.len() <= 3)
        .then(|| bytes.iter().fold(0u32, |a, b| (a << 8) | *b as u32))
}

fn walk(value: &[u8], depth: usize, out: &mut Dg13) -> Result<(), TlvError> {
    if depth > 8 {
        return Ok(());
    }
    for child in tlv::children(value)? {
        if child.tag == 0x06 && out.oid.is_none() {
            out.oid = der::asn1::ObjectIdentifier::from_bytes(child.value)
                .ok()
                .map(|oid| oid.to_string());
        }
        if !(child.tag == SEQUENCE || child.tag == SET || child.is_constructed()) {
            continue;
        }
        let kids = tlv::children(child.value)?;
        let numbered = child.tag == SEQUENCE
            && kids.first().is_some_and(|k| k.tag == INTEGER)
            && kids.len() >= 2
            && kids[1..]
                .iter()
                .all(|k| is_string(k.tag) || k.tag == SEQUENCE || k.tag == SET);
        if numbered && let Some(number) = small_integer(kids[0].value) {
            let mut strings = Vec::new();
            for k in &kids[1..] {
                if is_string(k.tag) {
                    strings.push(decode_string(k));
                } else {
                    strings_within(k.value, depth + 1, &mut strings)?;
                }
            }
            out.fields.entry(number).or_default().extend(strings);
            continue;
        }
        walk(child.value, depth + 1, out)?;
    }
    Ok(())
}

pub fn parse(bytes: &[u8]) -> Result<Dg13, TlvError> {
    let (dg13, _) = tlv::expect(bytes, 0x6D)?;
    let mut out = Dg13::default();
    walk(dg13.value, 0, &mut out)?;
    Ok(out)
}

/// Builds a DG13 in the layout above (the chip simulator's cards). Field 13 carries father
/// and mother as two nested SEQUENCEs.
pub fn encode(fields: &[(u32, Vec<String>)]) -> Vec<u8> {
    let mut set = Vec::new();
    for (number, values) in fields {
        let mut item = tlv::encode(INTEGER, &[*number as u8]);
        if values.len() == 1 {
            item.extend(tlv::encode(0x0C, values[0].as_bytes()));
        } else {
            for value in values {
                item.extend(tlv::encode(SEQUENCE, &tlv::encode(0x0C, value.as_bytes())));
            }
        }
        set.extend(tlv::encode(SEQUENCE, &item));
    }
    let mut body = tlv::encode(INTEGER, &[1]);
    // A private-arc OID standing in for the issuer's (the real one is not published).
    body.extend(tlv::encode(
        0x06,
        &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0xE6, 0x3C, 0x0D],
    ));
    body.extend(tlv::encode(SET, &set));
    tlv::encode(0x6D, &tlv::encode(SEQUENCE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_unknown_ones_and_both_parents() {
        let bytes = encode(&[
            (1, vec!["001093047064".into()]),
            (2, vec!["Nguyễn Văn An".into()]),
            (9, vec!["Số 5, ngõ 12, phường Hoàn Kiếm, Hà Nội".into()]),
            (13, vec!["Nguyễn Văn Bình".into(), "Trần Thị Cúc".into()]),
            (21, vec!["a field we do not know".into()]),
        ]);
        let dg = parse(&bytes).unwrap();
        assert_eq!(dg.first(field::FULL_NAME), Some("Nguyễn Văn An"));
        assert_eq!(dg.all(field::PARENTS), ["Nguyễn Văn Bình", "Trần Thị Cúc"]);
        assert_eq!(dg.first(21), Some("a field we do not know"));
        assert_eq!(dg.first(field::SPOUSE), None);
        // The OID is recorded as seen.
        assert_eq!(dg.oid.as_deref(), Some("1.3.6.1.4.1.45884.13"));
    }

    #[test]
    fn fields_found_outside_the_set_and_in_other_string_types() {
        // 6D { 30 { 02 01 02, 13 "TRAN B" } , 30 { 02 01 04, 0C "Nữ" } } without version/OID.
        let mut inner = tlv::encode(
            SEQUENCE,
            &[tlv::encode(2, &[2]), tlv::encode(0x13, b"TRAN B")].concat(),
        );
        inner.extend(tlv::encode(
            SEQUENCE,
            &[tlv::encode(2, &[4]), tlv::encode(0x0C, "Nữ".as_bytes())].concat(),
        ));
        let dg = parse(&tlv::encode(0x6D, &inner)).unwrap();
        assert_eq!(dg.first(field::FULL_NAME), Some("TRAN B"));
        assert_eq!(dg.first(field::SEX), Some("Nữ"));
        assert_eq!(dg.oid, None, "no OID: nothing recorded, nothing failed");
    }

    #[test]
    fn malformed_input_is_an_error() {
        let bytes = encode(&[(2, vec!["X".into()])]);
        for cut in 0..bytes.len() {
            assert!(parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(parse(&[0x61, 0]).is_err());
    }
}
