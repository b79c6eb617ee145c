//! Whether the answer on screen checks out: each field kind's rule (`core::validation`), a
//! birth date against the year its personal ID encodes, an address against the units list;
//! whether "continue" is enabled and what message shows under the field.

use crate::core::address::Address;
use crate::core::answer::Answer;
use crate::core::field::{Field, FieldKind};
use crate::core::form::draft::is_empty;
use crate::core::form::{AddressDraft, AddressStage, Draft, FormSession};
use crate::core::text::Text;
use crate::core::validation::validate_typed;
use chrono::{Datelike, NaiveDate};

impl FormSession {
    /// Checks the current screen's input.
    pub fn check(&self, today: NaiveDate) -> Result<Answer, Text> {
        let (Some(field), Some(draft)) = (self.current_field(), self.draft()) else {
            return Err(Text::new("", ""));
        };
        if !field.required && is_empty(draft) {
            return Ok(Answer::Skipped);
        }
        self.check_draft(field, draft, today)
    }

    pub(super) fn check_draft(
        &self,
        field: &Field,
        draft: &Draft,
        today: NaiveDate,
    ) -> Result<Answer, Text> {
        let choose = || Text::new("Vui lòng chọn một mục.", "Please choose an option.");
        match draft {
            Draft::Typed(s) => {
                let answer = validate_typed(&field.kind, s, today)?;
                self.check_birth_year(field, &answer)?;
                Ok(answer)
            }
            Draft::Choice(Some(id)) => match &field.kind {
                FieldKind::Choice { options } => options
                    .iter()
                    .find(|o| &o.id == id)
                    .map(|o| Answer::Choice {
                        id: o.id.clone(),
                        label: o.label.clone(),
                    })
                    .ok_or_else(choose),
                _ => Err(choose()),
            },
            Draft::YesNo(Some(v)) => Ok(Answer::YesNo(*v)),
            Draft::Choice(None) | Draft::YesNo(None) => Err(choose()),
            Draft::Address(a) => self.check_address(a),
            Draft::Attachment(Some(a)) => Ok(Answer::Attachment(a.clone())),
            Draft::Attachment(None) => Err(Text::new(
                "Vui lòng chụp ảnh giấy tờ này.",
                "Please take a photo of this paper.",
            )),
        }
    }

    /// A birth date must agree with the year its person's personal ID encodes.
    pub(super) fn check_birth_year(&self, field: &Field, answer: &Answer) -> Result<(), Text> {
        let (
            FieldKind::Date {
                birth_date_of: Some(id_field),
                ..
            },
            Answer::Date(date),
        ) = (&field.kind, answer)
        else {
            return Ok(());
        };
        let id = self
            .procedure
            .field_index(id_field)
            .and_then(|i| self.answers[i].as_ref());
        match id {
            Some(Answer::PersonalId(id)) if id.birth_year() != date.year() => Err(Text::new(
                format!(
                    "Năm sinh {} không khớp với số định danh cá nhân (năm {}). Vui lòng kiểm tra lại.",
                    date.year(),
                    id.birth_year()
                ),
                format!(
                    "The birth year {} does not match the personal ID (year {}). Please check.",
                    date.year(),
                    id.birth_year()
                ),
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn check_address(&self, a: &AddressDraft) -> Result<Answer, Text> {
        match a.stage {
            AddressStage::Here => Err(Text::new(
                "Vui lòng chọn: tại đây hay ở nơi khác.",
                "Please choose: here or somewhere else.",
            )),
            AddressStage::Province => Err(Text::new(
                "Vui lòng chọn tỉnh, thành phố.",
                "Please choose a province or city.",
            )),
            AddressStage::Commune => Err(Text::new(
                "Vui lòng chọn xã, phường.",
                "Please choose a commune or ward.",
            )),
            AddressStage::Legacy => {
                let text = a
                    .legacy_text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if text.chars().count() < 5 || !text.contains(',') {
                    Err(Text::new(
                        "Vui lòng ghi địa chỉ như trên giấy tờ, các cấp cách nhau bằng dấu phẩy.",
                        "Please write the address as on the paper, with commas between the parts.",
                    ))
                } else {
                    Ok(Answer::Address(Address::Legacy { text }))
                }
            }
            AddressStage::Detail => {
                let province = a
                    .province_code
                    .as_deref()
                    .and_then(|c| self.units.province(c));
                let commune =
                    province.and_then(|p| a.commune_code.as_deref().and_then(|c| p.commune(c)));
                match (province, commune) {
                    (Some(p), Some(c)) => Ok(Answer::Address(Address::Current {
                        province_code: p.code.clone(),
                        province: p.name.clone(),
                        commune_code: c.code.clone(),
                        commune: c.name.clone(),
                        detail: a.detail.split_whitespace().collect::<Vec<_>>().join(" "),
                    })),
                    _ => Err(Text::new(
                        "Vui lòng chọn xã, phường.",
                        "Please choose a commune or ward.",
                    )),
                }
            }
        }
    }

    /// Whether "continue" is enabled.
    pub fn can_continue(&self, today: NaiveDate) -> bool {
        self.check(today).is_ok()
    }

    /// The message under the field: shown once something was typed or chosen and it does not
    /// check out (an empty required field only disables "continue").
    pub fn feedback(&self, today: NaiveDate) -> Option<Text> {
        let draft = self.draft()?;
        if is_empty(draft) || matches!(draft, Draft::Address(_)) {
            return None;
        }
        self.check(today).err()
    }
}
