//! What is on screen for one question before it is checked: the text typed, the option
//! chosen, the address being picked step by step, the photo taken; the key that edits it, and
//! the question's label at its address step. Pure data and the helpers that make and read it.

use crate::core::answer::AttachmentRef;
use crate::core::field::{Field, FieldKind};
use crate::core::text::{Lang, Text};

/// A key of the on-screen (or physical) keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Space,
    Backspace,
    Clear,
}

/// The step of an address question on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressStage {
    /// "Here, in the kiosk's own commune?" — or somewhere else.
    Here,
    Province,
    Commune,
    Detail,
    /// Typing an old (pre-July-2025) address as text.
    Legacy,
}

/// The question as shown and spoken: the field's label, with the address step it is at.
pub fn question_label(field: &Field, stage: Option<AddressStage>) -> Text {
    match stage {
        Some(AddressStage::Province) => Text::new(
            format!("{} — chọn tỉnh, thành phố", field.label.vi),
            format!(
                "{} — choose the province or city",
                field.label.get(Lang::En)
            ),
        ),
        Some(AddressStage::Commune) => Text::new(
            format!("{} — chọn xã, phường, đặc khu", field.label.vi),
            format!("{} — choose the commune or ward", field.label.get(Lang::En)),
        ),
        _ => field.label.clone(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressDraft {
    pub stage: AddressStage,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub detail: String,
    pub legacy_text: String,
    /// What the resident typed to narrow the province or commune list.
    pub filter: String,
}

/// What is on screen for one question before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    Typed(String),
    Choice(Option<String>),
    YesNo(Option<bool>),
    Address(AddressDraft),
    Attachment(Option<AttachmentRef>),
}

/// A blank answer; an address starts at "here?" when the kiosk knows its own commune.
pub(super) fn empty_draft(kind: &FieldKind, here_first: bool) -> Draft {
    match kind {
        FieldKind::Choice { .. } => Draft::Choice(None),
        FieldKind::YesNo => Draft::YesNo(None),
        FieldKind::Address => Draft::Address(AddressDraft {
            stage: if here_first {
                AddressStage::Here
            } else {
                AddressStage::Province
            },
            province_code: None,
            commune_code: None,
            detail: String::new(),
            legacy_text: String::new(),
            filter: String::new(),
        }),
        FieldKind::Attachment => Draft::Attachment(None),
        _ => Draft::Typed(String::new()),
    }
}

pub(super) fn is_empty(draft: &Draft) -> bool {
    match draft {
        Draft::Typed(s) => s.trim().is_empty(),
        Draft::Choice(c) => c.is_none(),
        Draft::YesNo(v) => v.is_none(),
        Draft::Address(a) => a.province_code.is_none() && a.legacy_text.trim().is_empty(),
        Draft::Attachment(a) => a.is_none(),
    }
}

pub(super) fn text_target(draft: &mut Draft) -> Option<&mut String> {
    match draft {
        Draft::Typed(s) => Some(s),
        Draft::Address(a) => Some(match a.stage {
            AddressStage::Here => return None,
            AddressStage::Province | AddressStage::Commune => &mut a.filter,
            AddressStage::Detail => &mut a.detail,
            AddressStage::Legacy => &mut a.legacy_text,
        }),
        _ => None,
    }
}

/// "05091990" → "05/09/1990", growing as digits are typed.
pub(crate) fn format_date_digits(s: &str) -> String {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).take(8).collect();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i == 2 || i == 4 {
            out.push('/');
        }
        out.push(c);
    }
    out
}
