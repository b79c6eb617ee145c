//! EF.COM (tag 60): the LDS version and the list of data groups present. Parsing only;
//! malformed input is an error, never a panic.

use crate::identity::lds::dg_number_from_tag;
use crate::identity::tlv::{self, TlvError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    pub lds_version: String,
    pub unicode_version: String,
    /// Data-group numbers listed, in the file's order.
    pub data_groups: Vec<u8>,
}

pub fn parse(bytes: &[u8]) -> Result<EfCom, TlvError> {
    let (com, _) = tlv::expect(bytes, 0x60)?;
    let mut out = EfCom {
        lds_version: String::new(),
        unicode_version: String::new(),
        data_groups: Vec::new(),
    };
    for item in tlv::children(com.value)? {
        match item.tag {
            0x5F01 => out.lds_version = String::from_utf8_lossy(item.value).into_owned(),
            0x5F36 => out.unicode_version = String::from_utf8_lossy(item.value).into_owned(),
            0x5C => {
                out.data_groups = item
                    .value
                    .iter()
                    .filter_map(|t| dg_number_from_tag(*t as u32))
                    .collect()
            }
            _ => {}
        }
    }
    Ok(out)
}

pub fn encode(data_groups: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = data_groups
        .iter()
        .filter_map(|n| crate::identity::lds::dg_tag(*n))
        .map(|t| t as u8)
        .collect();
    let mut value = tlv::encode(0x5F01, b"0107");
    value.extend(tlv::encode(0x5F36, b"040000"));
    value.extend(tlv::encode(0x5C, &tags));
    tlv::encode(0x60, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The EF.COM of ICAO 9303 part 11 appendix D.4 (first 22 bytes: LDS 1.6, DG1, DG2).
    #[test]
    fn the_standards_example() {
        let bytes = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        let com = parse(&bytes).unwrap();
        assert_eq!(com.lds_version, "0106");
        assert_eq!(com.data_groups, [1, 2]);
        assert_eq!(
            parse(&encode(&[1, 2, 13, 14])).unwrap().data_groups,
            [1, 2, 13, 14]
        );
        assert!(parse(&bytes[..10]).is_err());
    }
}
