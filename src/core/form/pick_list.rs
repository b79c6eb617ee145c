//! The pick lists of a form: the rows a resident can choose from on the current question
//! (a choice's options, yes or no, the provinces, the communes of the chosen province, each
//! narrowed by what is typed) and what choosing a row does.

use crate::core::answer::Answer;
use crate::core::field::FieldKind;
use crate::core::form::{AddressStage, Draft, FormSession, Position};
use crate::core::text::Lang;

/// One row of a pick list (choice options, yes/no, provinces, communes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

/// Id of the pick-list row that switches an address question to typing an old address.
pub const LEGACY_ADDRESS_OPTION: &str = "legacy";

impl FormSession {
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
            (FieldKind::Address, Some(Draft::Address(a))) => match a.stage {
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

    /// Picks a row of the current pick list.
    pub fn choose(&mut self, id: &str) {
        let Position::Question(i) = self.position else {
            return;
        };
        let units = self.units.clone();
        match &mut self.drafts[i] {
            Draft::Choice(sel) => *sel = Some(id.to_string()),
            Draft::YesNo(sel) => *sel = Some(id == "yes"),
            Draft::Address(a) => {
                if id == LEGACY_ADDRESS_OPTION {
                    a.stage = AddressStage::Legacy;
                    return;
                }
                match a.stage {
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
            }
            _ => {}
        }
    }
}
