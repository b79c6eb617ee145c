//! The eMRTD's files (ICAO 9303 part 10, LDS1): file identifiers, short file identifiers and
//! the tags their contents start with, for the files a CCCD carries. Constants only.

/// One elementary file of the eMRTD application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EfId {
    Com,
    Sod,
    Dg(u8),
}

impl EfId {
    pub fn fid(self) -> u16 {
        match self {
            EfId::Com => 0x011E,
            EfId::Sod => 0x011D,
            EfId::Dg(n) => 0x0100 + n as u16,
        }
    }

    /// The tag the file's content starts with.
    pub fn tag(self) -> u32 {
        match self {
            EfId::Com => 0x60,
            EfId::Sod => 0x77,
            EfId::Dg(n) => dg_tag(n).unwrap_or(0),
        }
    }

    pub fn name(self) -> String {
        match self {
            EfId::Com => "EF.COM".into(),
            EfId::Sod => "EF.SOD".into(),
            EfId::Dg(n) => format!("DG{n}"),
        }
    }

    pub fn from_fid(fid: u16) -> Option<EfId> {
        match fid {
            0x011E => Some(EfId::Com),
            0x011D => Some(EfId::Sod),
            0x0101..=0x0110 => Some(EfId::Dg((fid - 0x0100) as u8)),
            _ => None,
        }
    }
}

/// EF.COM lists data groups by these tags.
pub fn dg_tag(n: u8) -> Option<u32> {
    Some(match n {
        1 => 0x61,
        2 => 0x75,
        3 => 0x63,
        4 => 0x76,
        5 => 0x65,
        6 => 0x66,
        7 => 0x67,
        8 => 0x68,
        9 => 0x69,
        10 => 0x6A,
        11 => 0x6B,
        12 => 0x6C,
        13 => 0x6D,
        14 => 0x6E,
        15 => 0x6F,
        16 => 0x70,
        _ => return None,
    })
}

pub fn dg_number_from_tag(tag: u32) -> Option<u8> {
    (1..=16).find(|n| dg_tag(*n) == Some(tag))
}
