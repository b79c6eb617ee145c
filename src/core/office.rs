//! The offices a resident goes to in person: for each commune, the one-stop desk (Bộ phận một
//! cửa of the commune's People's Committee) and the commune police, with the address, opening
//! hours and phone number a resident needs to get there. The province publishes them beside
//! the procedures (`offices.toml`, schema in `assets/procedures/SCHEMA.md`); a kiosk shows
//! those of its own commune. Pure: parses and checks text; every field is bounded because the
//! file comes from outside (a signed bundle is still data).

use crate::core::address::Address;
use crate::core::answer::Answer;
use crate::core::procedure::Procedure;
use crate::core::text::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which office of a commune a procedure's papers and results go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    /// The People's Committee's one-stop desk (civil status, certified copies…).
    #[default]
    OneStop,
    /// The commune police (residence registration).
    Police,
}

/// One office of one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// The commune's code in the administrative units list ("00070").
    pub commune: String,
    pub kind: OfficeKind,
    /// "Bộ phận một cửa UBND phường Hoàn Kiếm".
    pub name: Text,
    pub address: Text,
    /// "Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–17:00".
    pub hours: Text,
    /// The office's phone number as dialled ("" = none published).
    #[serde(default)]
    pub phone: String,
}

/// Longest name, address or opening hours, in characters (either language).
pub const MAX_TEXT: usize = 200;
/// Most offices in one file (a province has a few hundred communes, two offices each).
pub const MAX_OFFICES: usize = 4000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficesFile {
    #[serde(default)]
    office: Vec<Office>,
}

/// Every published office, found by commune and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offices {
    offices: Vec<Office>,
}

impl Offices {
    /// Parses and checks an `offices.toml`; on failure, the 1-based line when known and why.
    pub fn parse(text: &str) -> Result<Offices, (Option<usize>, String)> {
        let file: OfficesFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| crate::core::catalogue::line_of(text, s.start));
            (line, e.message().to_string())
        })?;
        if file.office.len() > MAX_OFFICES {
            return Err((None, format!("more than {MAX_OFFICES} offices")));
        }
        let mut seen = std::collections::HashSet::new();
        for office in &file.office {
            check(office).map_err(|m| (None, m))?;
            if !seen.insert((office.commune.as_str(), office.kind)) {
                return Err((
                    None,
                    format!(
                        "commune {} has two offices of kind {:?}",
                        office.commune, office.kind
                    ),
                ));
            }
        }
        Ok(Offices {
            offices: file.office,
        })
    }

    /// The office of `kind` in `commune`, if published.
    pub fn find(&self, commune: &str, kind: OfficeKind) -> Option<&Office> {
        self.offices
            .iter()
            .find(|o| o.commune == commune && o.kind == kind)
    }

    /// The office that decides a dossier of `procedure` stored with `office_commune` (the
    /// commune `deciding_commune` named at submit), when published.
    pub fn deciding(&self, procedure: &Procedure, office_commune: Option<&str>) -> Option<&Office> {
        self.find(office_commune?, procedure.office)
    }

    pub fn len(&self) -> usize {
        self.offices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offices.is_empty()
    }
}

fn check(o: &Office) -> Result<(), String> {
    let code_ok = !o.commune.is_empty()
        && o.commune.len() <= 10
        && o.commune.bytes().all(|b| b.is_ascii_digit());
    if !code_ok {
        return Err(format!(
            "office commune {:?} is not a commune code (digits)",
            o.commune
        ));
    }
    for (what, text) in [
        ("name", &o.name),
        ("address", &o.address),
        ("hours", &o.hours),
    ] {
        if text.vi.trim().is_empty() {
            return Err(format!("office of commune {}: {what} is empty", o.commune));
        }
        let too_long = |s: &str| s.chars().count() > MAX_TEXT;
        let unprintable = |s: &str| s.chars().any(char::is_control);
        if too_long(&text.vi)
            || too_long(&text.en)
            || unprintable(&text.vi)
            || unprintable(&text.en)
        {
            return Err(format!(
                "office of commune {}: {what} is longer than {MAX_TEXT} characters or has control characters",
                o.commune
            ));
        }
    }
    let phone_ok = o.phone.len() <= 20
        && o.phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '+' | '-'));
    if !phone_ok {
        return Err(format!(
            "office of commune {}: phone {:?} is not a phone number",
            o.commune, o.phone
        ));
    }
    Ok(())
}

/// `office_by = "kiosk"`: the kiosk's own commune decides (a procedure any commune handles).
pub const KIOSK_COMMUNE: &str = "kiosk";

/// The commune whose office decides a dossier of `procedure` with these `answers`: the
/// kiosk's own (`home`) for `office_by = "kiosk"`, else the commune of the `office_by` address
/// when it was picked from the current units. `None` when it cannot be known (no `office_by`,
/// an address typed as older text, a kiosk with no commune): the resident is then shown the
/// procedure's authority only, never an office that may be the wrong one.
pub fn deciding_commune(
    procedure: &Procedure,
    answers: &BTreeMap<String, Answer>,
    home: Option<&str>,
) -> Option<String> {
    match procedure.office_by.as_deref()? {
        KIOSK_COMMUNE => home.map(str::to_string),
        field => match answers.get(field) {
            Some(Answer::Address(Address::Current { commune_code, .. })) => {
                Some(commune_code.clone())
            }
            _ => None,
        },
    }
}

impl Office {
    /// Where to go, in one line: "Bộ phận một cửa UBND phường Hoàn Kiếm, 1 phố Mẫu".
    pub fn name_and_address(&self, lang: Lang) -> String {
        format!("{}, {}", self.name.get(lang), self.address.get(lang))
    }

    /// When it is open, with the phone: "Giờ làm việc: … · Điện thoại: 024 …".
    pub fn hours_line(&self, lang: Lang) -> String {
        let (hours, phone) = match lang {
            Lang::Vi => ("Giờ làm việc", "Điện thoại"),
            Lang::En => ("Opening hours", "Phone"),
        };
        let mut line = format!("{hours}: {}", self.hours.get(lang));
        if !self.phone.is_empty() {
            line += &format!(" · {phone}: {}", self.phone);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[office]]
commune = "00070"
kind = "one_stop"
name = { vi = "Bộ phận một cửa UBND phường Hoàn Kiếm", en = "One-stop desk, Hoàn Kiếm ward" }
address = { vi = "1 phố Mẫu", en = "1 Mau street" }
hours = { vi = "Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–17:00", en = "Mon–Fri: 7:30–11:30, 13:30–17:00" }
phone = "024 3825 0000"

[[office]]
commune = "00070"
kind = "police"
name = { vi = "Công an phường Hoàn Kiếm" }
address = { vi = "2 phố Mẫu" }
hours = { vi = "Thứ Hai – Thứ Bảy: 7:30–17:00" }
"#;

    #[test]
    fn offices_are_found_by_commune_and_kind_and_read_as_lines() {
        let offices = Offices::parse(FILE).unwrap();
        assert_eq!(offices.len(), 2);
        let desk = offices.find("00070", OfficeKind::OneStop).unwrap();
        assert_eq!(
            desk.name_and_address(Lang::Vi),
            "Bộ phận một cửa UBND phường Hoàn Kiếm, 1 phố Mẫu"
        );
        assert_eq!(
            desk.hours_line(Lang::En),
            "Opening hours: Mon–Fri: 7:30–11:30, 13:30–17:00 · Phone: 024 3825 0000"
        );
        let police = offices.find("00070", OfficeKind::Police).unwrap();
        // No English given: the Vietnamese is shown; no phone: none said.
        assert_eq!(
            police.hours_line(Lang::En),
            "Opening hours: Thứ Hai – Thứ Bảy: 7:30–17:00"
        );
        assert!(offices.find("00073", OfficeKind::OneStop).is_none());
    }

    #[test]
    fn the_deciding_commune_is_the_kiosks_the_answered_address_or_unknown() {
        use crate::core::catalogue::Catalogue;
        let tam_tru = include_str!("../../assets/procedures/dang-ky-tam-tru.toml");
        let (catalogue, problems) = Catalogue::from_sources([
            ("tam-tru", tam_tru),
            (
                "chung-thuc",
                include_str!("../../assets/procedures/chung-thuc-ban-sao.toml"),
            ),
            (
                "khai-tu",
                include_str!("../../assets/procedures/dang-ky-khai-tu.toml"),
            ),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let procedure = |id| catalogue.get(id).unwrap();
        let none = BTreeMap::new();
        // Any commune handles certified copies: the kiosk's own desk.
        assert_eq!(
            deciding_commune(procedure("chung-thuc-ban-sao"), &none, Some("00070")),
            Some("00070".into())
        );
        assert_eq!(
            deciding_commune(procedure("chung-thuc-ban-sao"), &none, None),
            None
        );
        // The deceased's last residence decides and no question asks it: no office named.
        assert_eq!(
            deciding_commune(procedure("dang-ky-khai-tu"), &none, Some("00070")),
            None
        );
        // Temporary residence: the commune of the place of stay, not the kiosk's.
        let mut answers = BTreeMap::new();
        let stay =
            |address| BTreeMap::from([("stay_address".to_string(), Answer::Address(address))]);
        answers.extend(stay(Address::Current {
            province_code: "01".into(),
            province: "Thành phố Hà Nội".into(),
            commune_code: "00073".into(),
            commune: "Phường Cửa Nam".into(),
            detail: "Số 1".into(),
        }));
        assert_eq!(
            deciding_commune(procedure("dang-ky-tam-tru"), &answers, Some("00070")),
            Some("00073".into())
        );
        // An older address typed as text names no commune for sure: none.
        let legacy = stay(Address::Legacy {
            text: "Số 1, phường Cửa Nam, quận Hoàn Kiếm, Hà Nội".into(),
        });
        assert_eq!(
            deciding_commune(procedure("dang-ky-tam-tru"), &legacy, Some("00070")),
            None
        );
        // The catalogue refuses an office_by that is not an address question.
        let (_, problems) = Catalogue::from_sources([(
            "x",
            tam_tru
                .replace("office_by = \"stay_address\"", "office_by = \"months\"")
                .as_str(),
        )]);
        assert!(problems[0].message.contains("office_by"), "{problems:?}");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let cases = [
            (
                FILE.replace(
                    "\"00070\"\nkind = \"police\"",
                    "\"00070\"\nkind = \"one_stop\"",
                ),
                "two offices",
            ),
            (
                FILE.replace(
                    "commune = \"00070\"\nkind = \"one_stop\"",
                    "commune = \"Hoàn Kiếm\"\nkind = \"one_stop\"",
                ),
                "not a commune code",
            ),
            (FILE.replace("2 phố Mẫu", ""), "address is empty"),
            (
                FILE.replace("2 phố Mẫu", &"x".repeat(MAX_TEXT + 1)),
                "longer than",
            ),
            (
                FILE.replace("2 phố Mẫu", "2 phố\\u0007Mẫu"),
                "control characters",
            ),
            (
                FILE.replace("024 3825 0000", "gọi tôi"),
                "not a phone number",
            ),
            (
                FILE.replace("kind = \"police\"", "kind = \"army\""),
                "unknown variant",
            ),
            (FILE.replace("phone = ", "fax = "), "unknown field"),
        ];
        for (text, why) in cases {
            let (_, message) = Offices::parse(&text).unwrap_err();
            assert!(message.contains(why), "{why:?} not in {message:?}");
        }
        let (line, _) = Offices::parse("[[office]]\ncommune = 7\n").unwrap_err();
        assert_eq!(line, Some(2));
    }
}
