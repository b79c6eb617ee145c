//! A resident filling in one procedure, one question per screen: what is typed or chosen for
//! each question (kept when going back and forth, so nothing typed is lost), which question is
//! on screen, the review page, and the dossier the finished form becomes.
//! Pure state: the UI calls these methods and renders what they report; no IO, no clock
//! (today's date is passed in).

use crate::core::address::{Address, AdminUnits};
use crate::core::answer::{Answer, AttachmentRef};
use crate::core::citizen::{CitizenIdentity, IdentityEvidence, Verification};
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::field::{Field, FieldKind, FieldRole, InputMode};
use crate::core::procedure::Procedure;
use crate::core::telex;
use crate::core::text::{Lang, Text};
use crate::core::validation::validate_typed;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the resident is in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Question(usize),
    Review,
}

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

/// One row of a pick list (choice options, yes/no, provinces, communes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

/// Id of the pick-list row that switches an address question to typing an old address.
pub const LEGACY_ADDRESS_OPTION: &str = "legacy";

pub struct FormSession {
    procedure: Arc<Procedure>,
    units: Arc<AdminUnits>,
    drafts: Vec<Draft>,
    answers: Vec<Option<Answer>>,
    position: Position,
    /// Set when a question was opened from the review page: "continue" goes back there.
    returning_to_review: bool,
    /// Questions answered from the ID card: not asked, not editable.
    from_card: Vec<bool>,
    verification: Option<Verification>,
}

impl FormSession {
    pub fn new(procedure: Arc<Procedure>, units: Arc<AdminUnits>) -> FormSession {
        let drafts = procedure
            .fields
            .iter()
            .map(|f| empty_draft(&f.kind))
            .collect();
        let answers = vec![None; procedure.fields.len()];
        let procedure_len = procedure.fields.len();
        FormSession {
            procedure,
            units,
            drafts,
            answers,
            position: Position::Question(0),
            returning_to_review: false,
            from_card: vec![false; procedure_len],
            verification: None,
        }
    }

    /// Answers every question the ID card answers (by the fields' roles) and moves past them.
    /// Only the fields this procedure has take card data; the rest of the card stays out.
    pub fn prefill(&mut self, identity: &CitizenIdentity) {
        for (i, field) in self.procedure.fields.iter().enumerate() {
            let Some(role) = field.role else { continue };
            if let Some(answer) = identity.answer_for(role, &field.kind) {
                self.answers[i] = Some(answer);
                self.from_card[i] = true;
            }
        }
        self.verification = identity.verification;
        if let Position::Question(i) = self.position
            && self.from_card.get(i).copied().unwrap_or(false)
        {
            self.position = self
                .asked_from(i)
                .map(Position::Question)
                .unwrap_or(Position::Review);
        }
    }

    /// The first question at or after `i` that is asked (not answered from the card).
    fn asked_from(&self, i: usize) -> Option<usize> {
        (i..self.procedure.fields.len()).find(|j| !self.from_card[*j])
    }

    /// The last asked question before `i`.
    fn asked_before(&self, i: usize) -> Option<usize> {
        (0..i).rev().find(|j| !self.from_card[*j])
    }

    pub fn is_from_card(&self, field_id: &str) -> bool {
        self.procedure
            .field_index(field_id)
            .is_some_and(|i| self.from_card[i])
    }

    pub fn verification(&self) -> Option<Verification> {
        self.verification
    }

    pub fn procedure(&self) -> &Arc<Procedure> {
        &self.procedure
    }

    pub fn position(&self) -> Position {
        self.position
    }

    pub fn current_field(&self) -> Option<&Field> {
        match self.position {
            Position::Question(i) => self.procedure.fields.get(i),
            Position::Review => None,
        }
    }

    /// (1-based step, number of steps) over the questions asked; the review page is the last.
    pub fn progress(&self) -> (usize, usize) {
        let asked = self.from_card.iter().filter(|c| !**c).count();
        let total = asked + 1;
        match self.position {
            Position::Question(i) => ((0..i).filter(|j| !self.from_card[*j]).count() + 1, total),
            Position::Review => (total, total),
        }
    }

    pub fn draft(&self) -> Option<&Draft> {
        match self.position {
            Position::Question(i) => self.drafts.get(i),
            Position::Review => None,
        }
    }

    pub fn address_stage(&self) -> Option<AddressStage> {
        match self.draft() {
            Some(Draft::Address(a)) => Some(a.stage),
            _ => None,
        }
    }

    /// The keyboard the current screen needs.
    pub fn input_mode(&self) -> InputMode {
        match (self.current_field(), self.draft()) {
            (Some(_), Some(Draft::Address(_))) => InputMode::Vietnamese,
            (Some(f), _) => f.kind.input_mode(),
            _ => InputMode::None,
        }
    }

    /// The text shown in the current input box.
    pub fn text(&self) -> &str {
        match self.draft() {
            Some(Draft::Typed(s)) => s,
            Some(Draft::Address(a)) => match a.stage {
                AddressStage::Province | AddressStage::Commune => &a.filter,
                AddressStage::Detail => &a.detail,
                AddressStage::Legacy => &a.legacy_text,
            },
            _ => "",
        }
    }

    /// Applies one key press to the current input.
    pub fn key(&mut self, key: Key) {
        let Position::Question(i) = self.position else {
            return;
        };
        let kind = self.procedure.fields[i].kind.clone();
        let mode = self.input_mode();
        let limit = match &self.drafts[i] {
            Draft::Address(_) => 200,
            _ => kind.max_typed_len(),
        };
        let is_date =
            matches!(kind, FieldKind::Date { .. }) && !matches!(self.drafts[i], Draft::Address(_));
        let Some(target) = text_target(&mut self.drafts[i]) else {
            return;
        };
        let next = match key {
            Key::Clear => String::new(),
            Key::Backspace => telex::backspace(target),
            Key::Space => match mode {
                InputMode::Vietnamese | InputMode::Latin => format!("{target} "),
                _ => target.clone(),
            },
            Key::Char(c) => match mode {
                InputMode::Vietnamese => telex::apply_key(target, c),
                InputMode::Latin if !c.is_whitespace() => format!("{target}{c}"),
                InputMode::Digits if c.is_ascii_digit() => format!("{target}{c}"),
                InputMode::Phone if c.is_ascii_digit() || (c == '+' && target.is_empty()) => {
                    format!("{target}{c}")
                }
                _ => target.clone(),
            },
        };
        let next = if is_date {
            format_date_digits(&next)
        } else {
            next
        };
        if next.chars().count() <= limit {
            *target = next;
        }
    }

    /// Replaces the current typed input (a physical keyboard's IME, or a prefill).
    pub fn set_text(&mut self, text: &str) {
        let Position::Question(i) = self.position else {
            return;
        };
        let limit = self.procedure.fields[i].kind.max_typed_len().max(200);
        if let Some(target) = text_target(&mut self.drafts[i]) {
            *target = text.chars().take(limit).collect();
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

    /// Keeps a photographed paper for the current attachment question.
    pub fn attach(&mut self, attachment: AttachmentRef) {
        if let Some(Draft::Attachment(slot)) = self.draft_mut() {
            *slot = Some(attachment);
        }
    }

    fn draft_mut(&mut self) -> Option<&mut Draft> {
        match self.position {
            Position::Question(i) => self.drafts.get_mut(i),
            Position::Review => None,
        }
    }

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

    fn check_draft(&self, field: &Field, draft: &Draft, today: NaiveDate) -> Result<Answer, Text> {
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
    fn check_birth_year(&self, field: &Field, answer: &Answer) -> Result<(), Text> {
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

    fn check_address(&self, a: &AddressDraft) -> Result<Answer, Text> {
        match a.stage {
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

    /// "Continue": stores the checked answer and moves to the next question, the next address
    /// step, or the review page.
    pub fn next(&mut self, today: NaiveDate) -> Result<Position, Text> {
        let Position::Question(i) = self.position else {
            return Ok(self.position);
        };
        let answer = self.check(today)?;
        self.answers[i] = Some(answer);
        let following = self.asked_from(i + 1);
        self.position = match following {
            Some(j) if !self.returning_to_review => Position::Question(j),
            _ => {
                self.returning_to_review = false;
                Position::Review
            }
        };
        Ok(self.position)
    }

    /// "Back": the previous address step, the previous question, or (from the first question)
    /// `false`, meaning the caller leaves the form.
    pub fn back(&mut self) -> bool {
        match self.position {
            Position::Review => match self.asked_before(self.procedure.fields.len()) {
                Some(j) => {
                    self.position = Position::Question(j);
                    true
                }
                None => false,
            },
            Position::Question(i) => {
                if let Draft::Address(a) = &mut self.drafts[i] {
                    let previous = match a.stage {
                        AddressStage::Detail => Some(AddressStage::Commune),
                        AddressStage::Commune | AddressStage::Legacy => {
                            Some(AddressStage::Province)
                        }
                        AddressStage::Province => None,
                    };
                    if let Some(stage) = previous {
                        a.stage = stage;
                        a.filter.clear();
                        return true;
                    }
                }
                if self.returning_to_review {
                    self.returning_to_review = false;
                    self.position = Position::Review;
                    return true;
                }
                match self.asked_before(i) {
                    Some(j) => {
                        self.position = Position::Question(j);
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// "Change" on the review page: opens that question; "continue" returns to the review.
    pub fn edit(&mut self, field_id: &str) {
        if let Some(i) = self
            .procedure
            .field_index(field_id)
            .filter(|i| !self.from_card[*i])
        {
            self.position = Position::Question(i);
            self.returning_to_review = true;
        }
    }

    /// (field id, question, answer) for every question, for the review page.
    pub fn review_rows(&self, lang: Lang) -> Vec<(String, String, String)> {
        self.procedure
            .fields
            .iter()
            .zip(&self.answers)
            .map(|(f, a)| {
                let value = a
                    .as_ref()
                    .map(|a| a.display(lang))
                    .unwrap_or_else(|| "—".into());
                (f.id.clone(), f.label.get(lang).to_string(), value)
            })
            .collect()
    }

    /// The dossier this form becomes, once every required question has an answer.
    pub fn finish(&self, id: uuid::Uuid, code: DossierCode) -> Result<DossierDraft, Text> {
        let mut answers = BTreeMap::new();
        for (f, a) in self.procedure.fields.iter().zip(&self.answers) {
            match a {
                Some(a) => {
                    answers.insert(f.id.clone(), a.clone());
                }
                None if f.required => {
                    return Err(Text::new(
                        format!("Còn thiếu câu trả lời: {}", f.label.vi),
                        format!("An answer is missing: {}", f.label.get(Lang::En)),
                    ));
                }
                None => {}
            }
        }
        let applicant_index = self
            .procedure
            .field_with_role(FieldRole::ApplicantId)
            .ok_or_else(|| {
                Text::new(
                    "Thủ tục thiếu số định danh người nộp.",
                    "The procedure lacks an applicant ID.",
                )
            })?;
        let applicant_id = match &self.answers[applicant_index] {
            Some(Answer::PersonalId(id)) => id.clone(),
            _ => {
                return Err(Text::new(
                    "Cần số định danh cá nhân của người nộp hồ sơ.",
                    "The applicant's personal ID is required.",
                ));
            }
        };
        Ok(DossierDraft {
            id,
            code,
            procedure_id: self.procedure.id.clone(),
            procedure_version: self.procedure.version,
            applicant_id,
            answers,
            identity: self.verification.map(|verification| IdentityEvidence {
                verification,
                from_card: self
                    .procedure
                    .fields
                    .iter()
                    .zip(&self.from_card)
                    .filter(|(_, c)| **c)
                    .map(|(f, _)| f.id.clone())
                    .collect(),
            }),
            assisted_by: None,
        })
    }

    /// The attachments the answers refer to (their bytes are held by the caller).
    pub fn attachments(&self) -> Vec<&AttachmentRef> {
        self.answers
            .iter()
            .filter_map(|a| match a {
                Some(Answer::Attachment(r)) => Some(r),
                _ => None,
            })
            .collect()
    }
}

/// A session's answers do not outlive it: when the form is dropped (finish, timeout, home),
/// the text the resident typed and the answers made from it are overwritten in memory first.
/// Best effort: copies the allocator made while typing are freed without being overwritten.
impl Drop for FormSession {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for draft in &mut self.drafts {
            match draft {
                Draft::Typed(s) => s.zeroize(),
                Draft::Address(a) => {
                    a.detail.zeroize();
                    a.legacy_text.zeroize();
                    a.filter.zeroize();
                }
                _ => {}
            }
        }
        for answer in self.answers.iter_mut().flatten() {
            answer.wipe();
        }
    }
}

fn empty_draft(kind: &FieldKind) -> Draft {
    match kind {
        FieldKind::Choice { .. } => Draft::Choice(None),
        FieldKind::YesNo => Draft::YesNo(None),
        FieldKind::Address => Draft::Address(AddressDraft {
            stage: AddressStage::Province,
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

fn is_empty(draft: &Draft) -> bool {
    match draft {
        Draft::Typed(s) => s.trim().is_empty(),
        Draft::Choice(c) => c.is_none(),
        Draft::YesNo(v) => v.is_none(),
        Draft::Address(a) => a.province_code.is_none() && a.legacy_text.trim().is_empty(),
        Draft::Attachment(a) => a.is_none(),
    }
}

fn text_target(draft: &mut Draft) -> Option<&mut String> {
    match draft {
        Draft::Typed(s) => Some(s),
        Draft::Address(a) => Some(match a.stage {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::Catalogue;

    const PROC: &str = r#"
id = "p"
version = 3
name = { vi = "Thử", en = "Test" }
summary = { vi = "", en = "" }
authority = { vi = "UBND", en = "PC" }
fee = { amount_vnd = 0 }
processing = { working_days = 1 }

[[fields]]
id = "name"
label = { vi = "Họ và tên", en = "Full name" }
kind = "text"

[[fields]]
id = "id"
label = { vi = "Số định danh", en = "Personal ID" }
kind = "personal_id"
role = "applicant_id"

[[fields]]
id = "born"
label = { vi = "Ngày sinh", en = "Date of birth" }
kind = "date"
birth_date_of = "id"

[[fields]]
id = "sex"
label = { vi = "Giới tính", en = "Sex" }
kind = "choice"
options = [ { id = "m", label = { vi = "Nam", en = "Male" } }, { id = "f", label = { vi = "Nữ", en = "Female" } } ]

[[fields]]
id = "home"
label = { vi = "Nơi cư trú", en = "Residence" }
kind = "address"

[[fields]]
id = "email"
label = { vi = "Email", en = "Email" }
kind = "email"
required = false
"#;

    const UNITS: &str = "01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n01\tThành phố Hà Nội\t00004\tPhường Ba Đình\n";

    fn session() -> FormSession {
        let (cat, problems) = Catalogue::from_sources([("p.toml", PROC)]);
        assert!(problems.is_empty(), "{problems:?}");
        let units = Arc::new(AdminUnits::parse_tsv(UNITS).unwrap());
        FormSession::new(cat.get("p").unwrap().clone(), units)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn type_str(s: &mut FormSession, text: &str) {
        for c in text.chars() {
            s.key(if c == ' ' { Key::Space } else { Key::Char(c) });
        }
    }

    fn fill_all(s: &mut FormSession) {
        type_str(s, "Nguyeenx Vawn An");
        s.next(today()).unwrap();
        type_str(s, "001093047064");
        s.next(today()).unwrap();
        type_str(s, "05091993");
        s.next(today()).unwrap();
        s.choose("m");
        s.next(today()).unwrap();
        s.choose("01");
        s.choose("00070");
        type_str(s, "12 Hangf Bacj");
        s.next(today()).unwrap();
        s.next(today()).unwrap(); // email skipped
    }

    #[test]
    fn a_whole_form_becomes_a_dossier_keyed_by_the_applicant() {
        let mut s = session();
        fill_all(&mut s);
        assert_eq!(s.position(), Position::Review);
        let rows = s.review_rows(Lang::Vi);
        assert_eq!(rows[0].2, "Nguyễn Văn An");
        assert_eq!(rows[2].2, "05/09/1993");
        assert_eq!(rows[4].2, "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội");
        assert_eq!(rows[5].2, "—");
        let code = DossierCode::from_random(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let d = s.finish(uuid::Uuid::now_v7(), code).unwrap();
        assert_eq!(d.applicant_id.as_str(), "001093047064");
        assert_eq!(d.procedure_version, 3);
        assert_eq!(d.answers["email"], Answer::Skipped);
    }

    #[test]
    fn an_invalid_answer_blocks_continue_shows_why_and_keeps_the_text() {
        let mut s = session();
        type_str(&mut s, "An");
        s.next(today()).unwrap();
        type_str(&mut s, "00109304");
        assert!(!s.can_continue(today()));
        assert!(s.feedback(today()).unwrap().vi.contains("12 chữ số"));
        assert!(s.next(today()).is_err());
        assert_eq!(s.text(), "00109304", "nothing typed is lost");
        assert_eq!(s.position(), Position::Question(1));
    }

    #[test]
    fn an_empty_required_field_disables_continue_without_scolding() {
        let s = session();
        assert!(!s.can_continue(today()));
        assert_eq!(s.feedback(today()), None);
    }

    #[test]
    fn going_back_keeps_every_answer() {
        let mut s = session();
        type_str(&mut s, "Lan");
        s.next(today()).unwrap();
        type_str(&mut s, "0010");
        assert!(s.back());
        assert_eq!(s.text(), "Lan");
        s.next(today()).unwrap();
        assert_eq!(s.text(), "0010");
        s.back();
        assert!(!s.back(), "back from the first question leaves the form");
    }

    #[test]
    fn dates_format_as_they_are_typed_and_digits_only_fields_ignore_letters() {
        let mut s = session();
        s.next(today()).unwrap_err();
        type_str(&mut s, "A");
        s.next(today()).unwrap();
        type_str(&mut s, "00a1093047064999");
        assert_eq!(
            s.text(),
            "001093047064",
            "letters ignored, capped at 12 digits"
        );
        s.next(today()).unwrap();
        type_str(&mut s, "3102");
        assert_eq!(s.text(), "31/02");
        type_str(&mut s, "2020");
        assert!(s.feedback(today()).unwrap().vi.contains("không có ngày 31"));
    }

    #[test]
    fn a_birth_date_must_match_the_year_in_the_personal_id() {
        let mut s = session();
        type_str(&mut s, "An");
        s.next(today()).unwrap();
        type_str(&mut s, "001093047064");
        s.next(today()).unwrap();
        type_str(&mut s, "05091990");
        assert!(!s.can_continue(today()));
        assert!(s.feedback(today()).unwrap().vi.contains("không khớp"));
        s.key(Key::Clear);
        type_str(&mut s, "05091993");
        assert!(s.can_continue(today()));
    }

    #[test]
    fn change_from_review_returns_to_review() {
        let mut s = session();
        fill_all(&mut s);
        s.edit("born");
        assert_eq!(s.position(), Position::Question(2));
        s.key(Key::Clear);
        type_str(&mut s, "01011993");
        assert_eq!(s.next(today()), Ok(Position::Review));
        assert_eq!(s.review_rows(Lang::Vi)[2].2, "01/01/1993");
    }

    #[test]
    fn address_walks_province_commune_detail_and_back() {
        let mut s = session();
        fill_all(&mut s);
        s.edit("home");
        // the draft remembers the earlier picks; go back to the province list
        assert_eq!(s.address_stage(), Some(AddressStage::Detail));
        s.back();
        assert_eq!(s.address_stage(), Some(AddressStage::Commune));
        type_str(&mut s, "ba dinh");
        let options = s.options(Lang::Vi);
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].label, "Phường Ba Đình");
        s.choose("00004");
        assert_eq!(s.address_stage(), Some(AddressStage::Detail));
        assert!(s.can_continue(today()));
    }

    #[test]
    fn an_old_address_with_a_district_is_accepted_as_text() {
        let mut s = session();
        fill_all(&mut s);
        s.edit("home");
        s.back();
        s.back();
        assert_eq!(s.address_stage(), Some(AddressStage::Province));
        s.choose(LEGACY_ADDRESS_OPTION);
        type_str(&mut s, "Soos 5, quaanj Hoanf Kieesm, Haf Nooij");
        assert_eq!(s.text(), "Số 5, quận Hoàn Kiếm, Hà Nội");
        s.next(today()).unwrap();
        assert_eq!(s.review_rows(Lang::Vi)[4].2, "Số 5, quận Hoàn Kiếm, Hà Nội");
    }

    #[test]
    fn a_dossier_cannot_be_finished_before_every_required_answer() {
        let s = session();
        let code = DossierCode::from_random(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(s.finish(uuid::Uuid::now_v7(), code).is_err());
    }

    fn card_identity(verification: Verification) -> CitizenIdentity {
        let mut c = CitizenIdentity::default();
        c.personal_id = Some(crate::core::personal_id::PersonalId::parse("001093000123").unwrap());
        c.full_name = "Nguyễn Văn An".into();
        c.birth_date = NaiveDate::from_ymd_opt(1993, 1, 15);
        c.sex = Some(crate::core::personal_id::Sex::Male);
        c.place_of_residence = "Số 12 phố Hàng Bông, quận Hoàn Kiếm, Hà Nội".into();
        c.father = "Nguyễn Văn Bình".into();
        c.verification = Some(verification);
        c
    }

    fn session_with_roles() -> FormSession {
        let with_roles = PROC
            .replace(
                "id = \"name\"\n",
                "id = \"name\"\nrole = \"applicant_name\"\n",
            )
            .replace(
                "birth_date_of = \"id\"",
                "birth_date_of = \"id\"\nrole = \"applicant_birth_date\"",
            )
            .replace("id = \"sex\"\n", "id = \"sex\"\nrole = \"applicant_sex\"\n")
            .replace(
                "id = \"home\"\n",
                "id = \"home\"\nrole = \"applicant_residence\"\n",
            )
            .replace("options = [ { id = \"m\"", "options = [ { id = \"male\"")
            .replace("{ id = \"f\",", "{ id = \"female\",");
        let (cat, problems) = Catalogue::from_sources([("p.toml", with_roles.as_str())]);
        assert!(problems.is_empty(), "{problems:?}");
        let units = Arc::new(AdminUnits::parse_tsv(UNITS).unwrap());
        FormSession::new(cat.get("p").unwrap().clone(), units)
    }

    #[test]
    fn the_card_answers_its_questions_and_they_are_not_asked_again() {
        let mut s = session_with_roles();
        s.prefill(&card_identity(Verification::ChipVerified));
        // name, id, born, sex and home came from the card: the first question asked is email.
        assert_eq!(s.current_field().unwrap().id, "email");
        assert_eq!(s.progress(), (1, 2));
        assert!(s.is_from_card("home") && !s.is_from_card("email"));
        // "Change" cannot reopen a card answer; "back" from the only question leaves the form.
        s.edit("name");
        assert_eq!(s.current_field().unwrap().id, "email");
        s.set_text("an@example.vn");
        assert_eq!(s.next(today()), Ok(Position::Review));
        assert!(s.back());
        assert_eq!(s.current_field().unwrap().id, "email");
        assert!(!s.back());
        s.next(today()).unwrap();
        let d = s
            .finish(uuid::Uuid::now_v7(), DossierCode::from_random(&[1; 8]))
            .unwrap();
        assert_eq!(d.applicant_id.as_str(), "001093000123");
        assert_eq!(d.answers["name"], Answer::Text("Nguyễn Văn An".into()));
        assert_eq!(
            d.answers["sex"],
            Answer::Choice {
                id: "male".into(),
                label: Text::new("Nam", "Male")
            }
        );
        assert!(
            matches!(&d.answers["home"], Answer::Address(Address::Legacy { text }) if text.contains("Hàng Bông"))
        );
        let evidence = d.identity.unwrap();
        assert_eq!(evidence.verification, Verification::ChipVerified);
        assert_eq!(evidence.from_card, ["name", "id", "born", "sex", "home"]);
        // The card's other data (father) is not in the dossier: the procedure does not ask it.
        assert!(
            !d.answers
                .values()
                .any(|a| a.display(Lang::Vi).contains("Bình"))
        );
    }

    #[test]
    fn without_roles_or_values_nothing_is_prefilled() {
        let mut s = session();
        s.prefill(&card_identity(Verification::QrOnly));
        // Only the applicant ID has a role in this procedure.
        assert_eq!(s.current_field().unwrap().id, "name");
        assert!(s.is_from_card("id"));
        assert_eq!(s.progress(), (1, 6));
        let mut s = session_with_roles();
        s.prefill(&CitizenIdentity::default());
        assert_eq!(s.current_field().unwrap().id, "name");
        assert_eq!(s.progress(), (1, 7));
    }
}
