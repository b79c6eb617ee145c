//! The eMRTD's files (ICAO 9303 part 10, LDS1): file identifiers, short file identifiers and
//! the tags their contents start with, for the files a CCCD carries. Constants only.

/// One elementary file: EF.CardAccess (in the master file, readable before the chip is
/// opened) or a file of the eMRTD application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EfId {
    CardAccess,
    Com,
    Sod,
    Dg(u8),
}

impl EfId {
    pub fn fid(self) -> u16 {
        match self {
            EfId::CardAccess => 0x011C,
            EfId::Com => 0x011E,
            EfId::Sod => 0x011D,
            EfId::Dg(n) => 0x0100 + n as u16,
        }
    }

    /// The tag the file's content starts with.
    pub fn tag(self) -> u32 {
        match self {
            EfId::CardAccess => 0x31,
            EfId::Com => 0x60,
            EfId::Sod => 0x77,
            EfId::Dg(n) => dg_tag(n).unwrap_or(0),
        }
    }

    pub fn name(self) -> String {
        match self {
            EfId::CardAccess => "EF.CardAccess".into(),
            EfId::Com => "EF.COM".into(),
            EfId::Sod => "EF.SOD".into(),
            EfId::Dg(n) => format!("DG{n}"),
        }
    }

    /// The short file identifier READ BINARY can name the file by (P1 = 80 | SFI): the low
    /// five bits of the file identifier for every file here.
    pub fn sfi(self) -> u8 {
        (self.fid() & 0x1F) as u8
    }

    /// The file a short file identifier names.
    pub fn from_sfi(sfi: u8) -> Option<EfId> {
        EfId::from_fid(0x0100 | u16::from(sfi & 0x1F))
    }

    pub fn from_fid(fid: u16) -> Option<EfId> {
        match fid {
            0x011C => Some(EfId::CardAccess),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_file_identifiers_are_those_of_9303_part_10() {
        assert_eq!(EfId::CardAccess.sfi(), 0x1C);
        assert_eq!(EfId::Com.sfi(), 0x1E);
        assert_eq!(EfId::Sod.sfi(), 0x1D);
        assert_eq!(EfId::Dg(13).sfi(), 13);
        for ef in [
            EfId::CardAccess,
            EfId::Com,
            EfId::Sod,
            EfId::Dg(1),
            EfId::Dg(16),
        ] {
            assert_eq!(EfId::from_sfi(ef.sfi()), Some(ef));
            assert_eq!(EfId::from_fid(ef.fid()), Some(ef));
        }
        assert_eq!(EfId::from_sfi(0), None);
    }
}
