//! The pick lists of a form: the rows a resident can choose from on the current question
//! (a choice's options, yes or no, the provinces, the communes of the chosen province, each
//! narrowed by what is typed) and what choosing a row does.

use crate::core::answer::Answer;
use crate::core::field::FieldKind;
use crate::core::form::{AddressStage, Draft, FormSession, Position};
use crate::core::text::{Lang, Text};
use chrono::NaiveDate;

/// One row of a pick list (choice options, yes/no, provinces, communes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

/// Id of the pick-list row that switches an address question to typing an old address.
pub const LEGACY_ADDRESS_OPTION: &str = "legacy";
/// Ids of the rows of "here, in the kiosk's commune?".
pub const HERE_OPTION: &str = "here";
pub const ELSEWHERE_OPTION: &str = "elsewhere";
/// Prefix of a quick answer's id (`quick:12`, `quick:-1`).
const QUICK: &str = "quick:";
/// Prefix of a day picked on the calendar (`day:2026-12-07`).
pub const CALENDAR_DAY: &str = "day:";

/// "Hôm nay", "Hôm qua", "Ngày mai", "3 ngày trước"…
fn day_label(days: i32) -> Text {
    match days {
        0 => Text::new("Hôm nay", "Today"),
        -1 => Text::new("Hôm qua", "Yesterday"),
        1 => Text::new("Ngày mai", "Tomorrow"),
        d if d < 0 => Text::new(format!("{} ngày trước", -d), format!("{} days ago", -d)),
        d => Text::new(format!("{d} ngày nữa"), format!("in {d} days")),
    }
}

/// What a quick answer types into the field.
fn quick_text(kind: &FieldKind, value: i32, today: NaiveDate) -> Option<String> {
    match kind {
        FieldKind::Number { quick, .. }
            if quick.iter().any(|q| i64::from(*q) == i64::from(value)) =>
        {
            Some(value.to_string())
        }
        FieldKind::Date { quick_days, .. } if quick_days.contains(&value) => today
            .checked_add_signed(chrono::Duration::days(i64::from(value)))
            .map(|d| d.format("%d/%m/%Y").to_string()),
        _ => None,
    }
}

/// What a day picked on the calendar types into a date question: only a day the question
/// allows (the calendar draws the others disabled; a stale or forged id is refused here).
fn calendar_text(kind: &FieldKind, id: &str, today: NaiveDate) -> Option<String> {
    if !matches!(kind, FieldKind::Date { .. }) {
        return None;
    }
    let date = NaiveDate::parse_from_str(id.strip_prefix(CALENDAR_DAY)?, "%Y-%m-%d").ok()?;
    let (first, last) = crate::core::calendar_month::bounds(kind, today);
    (first..=last)
        .contains(&date)
        .then(|| date.format("%d/%m/%Y").to_string())
}

impl FormSession {
    /// The date typed so far on the current question, when it is a whole date (the calendar
    /// opens on its month and marks it).
    pub fn typed_date(&self) -> Option<NaiveDate> {
        match (&self.current_field()?.kind, self.draft()?) {
            (FieldKind::Date { .. }, Draft::Typed(typed)) => {
                NaiveDate::parse_from_str(typed.trim(), "%d/%m/%Y").ok()
            }
            _ => None,
        }
    }

    /// The rows the resident can pick from on the current screen.
    pub fn options(&self, lang: Lang) -> Vec<PickOption> {
        let Some(field) = self.current_field() else {
            return Vec::new();
        };
        match (&field.kind, self.draft()) {
            (FieldKind::Choice { options }, Some(Draft::Choice(sel))) => options
                .iter()
                .map(|o| PickOption {
                    id: o.id.clone(),
                    label: o.label.get(lang).to_string(),
                    selected: sel.as_deref() == Some(o.id.as_str()),
                })
                .collect(),
            (FieldKind::YesNo, Some(Draft::YesNo(sel))) => [("yes", true), ("no", false)]
                .into_iter()
                .map(|(id, v)| PickOption {
                    id: id.into(),
                    label: Answer::YesNo(v).display(lang),
                    selected: *sel == Some(v),
                })
                .collect(),
            (FieldKind::Number { quick, unit, .. }, Some(Draft::Typed(typed))) => quick
                .iter()
                .map(|q| PickOption {
                    id: format!("{QUICK}{q}"),
                    label: match unit {
                        Some(u) => format!("{q} {}", u.get(lang)),
                        None => q.to_string(),
                    },
                    selected: typed.trim() == q.to_string(),
                })
                .collect(),
            (FieldKind::Date { quick_days, .. }, Some(Draft::Typed(_))) => quick_days
                .iter()
                .map(|d| PickOption {
                    id: format!("{QUICK}{d}"),
                    label: day_label(*d).get(lang).to_string(),
                    selected: false,
                })
                .collect(),
            (FieldKind::Address, Some(Draft::Address(a))) => match a.stage {
                AddressStage::Here => {
                    let here = self
                        .home_commune
                        .as_deref()
                        .and_then(|c| self.units.commune_by_code(c));
                    let Some((province, commune)) = here else {
                        return Vec::new();
                    };
                    vec![
                        PickOption {
                            id: HERE_OPTION.into(),
                            label: match lang {
                                Lang::Vi => format!("Tại {}, {}", commune.name, province.name),
                                Lang::En => format!("Here: {}, {}", commune.name, province.name),
                            },
                            selected: false,
                        },
                        PickOption {
                            id: ELSEWHERE_OPTION.into(),
                            label: Text::new("Ở nơi khác", "Somewhere else")
                                .get(lang)
                                .to_string(),
                            selected: false,
                        },
                    ]
                }
                AddressStage::Province => self
                    .units
                    .provinces
                    .iter()
                    .filter(|p| crate::core::fold::matches(&a.filter, &p.name))
                    .map(|p| PickOption {
                        id: p.code.clone(),
                        label: p.name.clone(),
                        selected: a.province_code.as_deref() == Some(p.code.as_str()),
                    })
                    .collect(),
                AddressStage::Commune => a
                    .province_code
                    .as_deref()
                    .and_then(|code| self.units.province(code))
                    .map(|p| {
                        p.search(&a.filter)
                            .map(|c| PickOption {
                                id: c.code.clone(),
                                label: c.name.clone(),
                                selected: a.commune_code.as_deref() == Some(c.code.as_str()),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                AddressStage::Detail | AddressStage::Legacy => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Picks a row of the current pick list. True when that answers the question (an option,
    /// yes or no, a quick answer), so the caller goes on without a "continue"; false when the
    /// question has a next step (an address) or the row was not one of the list's.
    pub fn choose(&mut self, id: &str, today: NaiveDate) -> bool {
        let Position::Question(i) = self.position else {
            return false;
        };
        let units = self.units.clone();
        let home = self.home_commune.clone();
        let kind = self.procedure.fields[i].kind.clone();
        match &mut self.drafts[i] {
            Draft::Choice(sel) => {
                let known = self.procedure.fields[i]
                    .pick_ids()
                    .is_some_and(|ids| ids.contains(&id));
                if known {
                    *sel = Some(id.to_string());
                }
                known
            }
            Draft::YesNo(sel) => match id {
                "yes" | "no" => {
                    *sel = Some(id == "yes");
                    true
                }
                _ => false,
            },
            Draft::Typed(typed) => {
                let quick = id
                    .strip_prefix(QUICK)
                    .and_then(|v| v.parse::<i32>().ok())
                    .and_then(|v| quick_text(&kind, v, today));
                let text = quick.or_else(|| calendar_text(&kind, id, today));
                match text {
                    Some(text) => {
                        *typed = text;
                        true
                    }
                    None => false,
                }
            }
            Draft::Address(a) => {
                if id == LEGACY_ADDRESS_OPTION {
                    a.stage = AddressStage::Legacy;
                    return false;
                }
                match a.stage {
                    AddressStage::Here if id == HERE_OPTION => {
                        if let Some((p, c)) = home.as_deref().and_then(|c| units.commune_by_code(c))
                        {
                            a.province_code = Some(p.code.clone());
                            a.commune_code = Some(c.code.clone());
                            a.filter.clear();
                            a.stage = AddressStage::Detail;
                        }
                    }
                    AddressStage::Here if id == ELSEWHERE_OPTION => {
                        a.stage = AddressStage::Province;
                    }
                    AddressStage::Province if units.province(id).is_some() => {
                        if a.province_code.as_deref() != Some(id) {
                            a.commune_code = None;
                        }
                        a.province_code = Some(id.to_string());
                        a.filter.clear();
                        a.stage = AddressStage::Commune;
                    }
                    AddressStage::Commune => {
                        let known = a
                            .province_code
                            .as_deref()
                            .and_then(|p| units.province(p))
                            .is_some_and(|p| p.commune(id).is_some());
                        if known {
                            a.commune_code = Some(id.to_string());
                            a.filter.clear();
                            a.stage = AddressStage::Detail;
                        }
                    }
                    _ => {}
                }
                false
            }
            Draft::Attachment(_) => false,
        }
    }
}
