//! Addresses: the current two-level administrative units (34 provinces and cities, about
//! 3,300 communes, wards and special zones since 1 July 2025) parsed from the bundled list,
//! and the `Address` a resident gives. Parsing only; reading the file is the caller's job.

use crate::core::collation;
use crate::core::fold;
use serde::{Deserialize, Serialize};

/// A commune, ward or special zone (xã, phường, đặc khu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub communes: Vec<Commune>,
}

/// The list of current administrative units, in Vietnamese alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminUnits {
    pub provinces: Vec<Province>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct AdminUnitsError {
    pub line: usize,
    pub message: String,
}

impl AdminUnits {
    /// Parses `province_code<TAB>province_name<TAB>commune_code<TAB>commune_name` lines;
    /// lines starting with `#` are comments.
    pub fn parse_tsv(text: &str) -> Result<AdminUnits, AdminUnitsError> {
        let mut provinces: Vec<Province> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [pcode, pname, ccode, cname] = cols[..] else {
                return Err(AdminUnitsError {
                    line: i + 1,
                    message: format!("expected 4 tab-separated columns, found {}", cols.len()),
                });
            };
            if [pcode, pname, ccode, cname]
                .iter()
                .any(|c| c.trim().is_empty())
            {
                return Err(AdminUnitsError {
                    line: i + 1,
                    message: "empty column".into(),
                });
            }
            let commune = Commune {
                code: ccode.into(),
                name: cname.into(),
            };
            match provinces.iter_mut().find(|p| p.code == pcode) {
                Some(p) => p.communes.push(commune),
                None => provinces.push(Province {
                    code: pcode.into(),
                    name: pname.into(),
                    communes: vec![commune],
                }),
            }
        }
        if provinces.is_empty() {
            return Err(AdminUnitsError {
                line: 0,
                message: "no administrative units".into(),
            });
        }
        // Each name's collation key made once (not once per comparison): 3 300 communes are
        // sorted at every start, before the first screen.
        provinces.sort_by_cached_key(|p| collation::sort_key(short_name(&p.name)));
        for p in &mut provinces {
            p.communes
                .sort_by_cached_key(|c| collation::sort_key(short_name(&c.name)));
        }
        Ok(AdminUnits { provinces })
    }

    pub fn province(&self, code: &str) -> Option<&Province> {
        self.provinces.iter().find(|p| p.code == code)
    }

    /// The province and commune with this commune code (codes are unique nationwide).
    pub fn commune_by_code(&self, code: &str) -> Option<(&Province, &Commune)> {
        self.provinces
            .iter()
            .find_map(|p| p.commune(code).map(|c| (p, c)))
    }

    pub fn commune_count(&self) -> usize {
        self.provinces.iter().map(|p| p.communes.len()).sum()
    }
}

impl Province {
    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.communes.iter().find(|c| c.code == code)
    }

    /// Communes whose name matches `query` (diacritics and case ignored).
    pub fn search(&self, query: &str) -> impl Iterator<Item = &Commune> {
        self.communes
            .iter()
            .filter(move |c| fold::matches(query, &c.name))
    }
}

/// The name without its unit type ("Thành phố Hà Nội" → "Hà Nội"), for sorting.
pub fn short_name(name: &str) -> &str {
    for prefix in [
        "Thành phố ",
        "Tỉnh ",
        "Phường ",
        "Xã ",
        "Đặc khu ",
        "Thị trấn ",
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

/// An address as the resident gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Address {
    /// In the current units, picked from the list.
    Current {
        province_code: String,
        province: String,
        commune_code: String,
        commune: String,
        /// House number, street, hamlet (thôn, tổ dân phố).
        detail: String,
    },
    /// Typed as written on an older paper (with a district, an old province name…).
    Legacy { text: String },
}

impl Address {
    pub fn display(&self) -> String {
        match self {
            Address::Current {
                province,
                commune,
                detail,
                ..
            } if detail.is_empty() => {
                format!("{commune}, {province}")
            }
            Address::Current {
                province,
                commune,
                detail,
                ..
            } => {
                format!("{detail}, {commune}, {province}")
            }
            Address::Legacy { text } => text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\n01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n\
        96\tCà Mau\t32002\tXã Đất Mũi\n01\tThành phố Hà Nội\t00004\tPhường Ba Đình\n";

    #[test]
    fn parses_groups_and_sorts_units() {
        let units = AdminUnits::parse_tsv(SAMPLE).unwrap();
        let names: Vec<_> = units.provinces.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Cà Mau", "Thành phố Hà Nội"]);
        let hn = units.province("01").unwrap();
        assert_eq!(hn.communes[0].name, "Phường Ba Đình");
        assert_eq!(units.commune_count(), 3);
        assert_eq!(hn.search("hoan kiem").count(), 1);
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        let err = AdminUnits::parse_tsv("01\tHà Nội\t00070\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(AdminUnits::parse_tsv("# only a comment\n").is_err());
    }

    #[test]
    fn the_bundled_list_has_34_provinces_and_every_commune() {
        let text = include_str!("../../assets/admin-units/units-2025.tsv");
        let units = AdminUnits::parse_tsv(text).unwrap();
        assert_eq!(units.provinces.len(), 34);
        assert_eq!(units.commune_count(), 3321);
        let hcm = units
            .provinces
            .iter()
            .find(|p| p.name.contains("Hồ Chí Minh"))
            .unwrap();
        assert!(
            hcm.search("ben thanh")
                .any(|c| c.name == "Phường Bến Thành")
        );
    }

    #[test]
    fn addresses_display_from_detail_to_province() {
        let a = Address::Current {
            province_code: "01".into(),
            province: "Thành phố Hà Nội".into(),
            commune_code: "00070".into(),
            commune: "Phường Hoàn Kiếm".into(),
            detail: "12 Hàng Bạc".into(),
        };
        assert_eq!(
            a.display(),
            "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
        );
    }
}
